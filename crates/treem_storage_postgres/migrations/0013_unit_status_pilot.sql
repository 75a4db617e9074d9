-- A third dated unit status: a district or commune running the pilot of community-based
-- support for juveniles in conflict with the law (the 2013 plan's milestone T4).
ALTER TABLE unit_status DROP CONSTRAINT unit_status_kind_check;
ALTER TABLE unit_status ADD CONSTRAINT unit_status_kind_check
    CHECK (kind IN ('child_friendly', 'community_based_protection', 'juvenile_diversion_pilot'));

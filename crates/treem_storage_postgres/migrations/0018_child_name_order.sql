-- The register is listed as a register book is kept: by given name, then family and
-- middle names, in Vietnamese dictionary order. No engine collates Vietnamese that way,
-- so the order is a key computed by treem_domain::text::person_sort_bytes and stored
-- with the name; rows written before this migration get theirs when the store
-- migrates (treem_storage sql/accounts.rs `fill_person_order`).
ALTER TABLE child ADD COLUMN name_order BYTEA;
CREATE INDEX child_name_order_idx ON child (name_order, id);

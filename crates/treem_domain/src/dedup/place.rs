//! Where a record lives, followed through the map's successions, to compare residences across reforms.

use super::*;

/// Where a residence unit lies on the date of comparison.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    id: UnitId,
    /// The unit followed through successions onto the units valid on the date, with shares (ppm).
    now: Vec<(UnitId, i64)>,
    /// Its commune (itself unless a hamlet), followed the same way.
    commune_now: Vec<(UnitId, i64)>,
    /// The district of its commune in the commune's own era, if there was one.
    district: Option<UnitId>,
}

impl Place {
    pub(crate) fn of(catalog: &UnitCatalog, id: UnitId, on: Date) -> Self {
        let era = |id: UnitId| match catalog.get(id) {
            Some(u) if u.validity.contains(on) => on,
            Some(u) => match u.validity.to {
                Some(to) if to < on => to,
                _ => u.validity.from,
            },
            None => on,
        };
        let commune = match catalog.get(id) {
            Some(u) if u.level == UnitLevel::Hamlet => catalog.parent_on(id, era(id)).unwrap_or(id),
            _ => id,
        };
        let district = catalog.parent_on(commune, era(commune)).filter(|p| catalog.get(*p).is_some_and(|u| u.level == UnitLevel::District));
        Self { id, now: resolve(catalog, id, on), commune_now: resolve(catalog, commune, on), district }
    }

    /// Units such that two places with a relation above 0 share at least one: the units
    /// after the successions, the commune's, and the district.
    pub(crate) fn region(&self) -> impl Iterator<Item = UnitId> + '_ {
        self.now.iter().chain(&self.commune_now).map(|(u, _)| *u).chain(self.district).chain(std::iter::once(self.id))
    }

    pub(crate) fn relation(&self, other: &Place) -> (i32, Option<Reason>) {
        let overlap = |a: &[(UnitId, i64)], b: &[(UnitId, i64)]| {
            a.iter().filter_map(|(u, s)| b.iter().find(|(v, _)| v == u).map(|(_, t)| (*s).min(*t))).max()
        };
        if self.id == other.id {
            (UNIT_SAME, Some(Reason::SameUnit))
        } else if let Some(share) = overlap(&self.now, &other.now) {
            let points = if share * 2 >= SHARE_WHOLE { UNIT_SUCCESSOR_WHOLE } else { UNIT_SUCCESSOR_PART };
            (points, Some(Reason::SuccessorUnit))
        } else if overlap(&self.commune_now, &other.commune_now).is_some() {
            (UNIT_SAME_PARENT, Some(Reason::SameParent))
        } else if self.district.is_some() && self.district == other.district {
            (UNIT_SAME_DISTRICT, Some(Reason::SameDistrict))
        } else {
            (0, None)
        }
    }
}

/// The units valid on `on` that `id` became (or came from), with the share of
/// `id` that went to each, in ppm. A unit with no recorded path stands for itself.
pub(crate) fn resolve(catalog: &UnitCatalog, id: UnitId, on: Date) -> Vec<(UnitId, i64)> {
    let mut out = Vec::new();
    resolve_into(catalog, id, on, SHARE_WHOLE, 0, &mut out);
    if out.is_empty() {
        out.push((id, SHARE_WHOLE));
    }
    out
}

pub(crate) fn resolve_into(catalog: &UnitCatalog, id: UnitId, on: Date, share: i64, depth: usize, out: &mut Vec<(UnitId, i64)>) {
    let Some(u) = catalog.get(id) else {
        return;
    };
    if u.validity.contains(on) || depth > 16 {
        match out.iter_mut().find(|(v, _)| *v == id) {
            Some(e) => e.1 += share,
            None => out.push((id, share)),
        }
        return;
    }
    let ended = u.validity.to.is_some_and(|to| to < on);
    let steps: Vec<(UnitId, i64)> = if ended {
        catalog.successors_of(id).iter().filter(|s| s.effective <= on).map(|s| (s.to, s.share_ppm)).collect()
    } else {
        catalog.predecessors_of(id).iter().filter(|s| s.effective > on).map(|s| (s.from, s.share_ppm)).collect()
    };
    for (next, part) in steps {
        resolve_into(catalog, next, on, share.saturating_mul(part) / SHARE_WHOLE, depth + 1, out);
    }
}

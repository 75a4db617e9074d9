//! The communes records are placed on, weighted, on the map before and after 1 July 2025.

use crate::{Rng, REFORM};
use time::macros::date;
use time::Date;
use treem_domain::units::{UnitCatalog, UnitId, UnitLevel};

/// Communes to place records on, each with a weight (population), before and after 2025:
/// (unit, cumulative weight), so that a draw is a binary search.
pub struct Communes {
    pub(crate) legacy: Vec<(UnitId, u64)>,
    current: Vec<(UnitId, u64)>,
}

fn cumulative(list: Vec<(UnitId, u32)>) -> Vec<(UnitId, u64)> {
    let mut total = 0u64;
    list.into_iter()
        .map(|(u, w)| {
            total += u64::from(w);
            (u, total)
        })
        .collect()
}

impl Communes {
    /// Communes given directly (a synthetic country for the national benchmark), each
    /// with its weight: `legacy` before 1 July 2025, `current` from then on.
    pub fn from_lists(legacy: Vec<(UnitId, u32)>, current: Vec<(UnitId, u32)>) -> Self {
        Self { legacy: cumulative(legacy), current: cumulative(current) }
    }

    /// The communes of Đồng Tháp (87) on 2013-12-31 and of the new province (82) today.
    pub fn of(catalog: &UnitCatalog, today: Date, rng: &mut Rng) -> Result<Self, String> {
        let mut of = |code: &str, on: Date| -> Result<Vec<(UnitId, u32)>, String> {
            let root =
                catalog.by_code_on(code, on).ok_or_else(|| format!("no unit {code} on {on}: are the administrative units imported?"))?;
            Ok(catalog
                .subtree_on(root.id, on)
                .into_iter()
                .filter(|id| catalog.get(*id).is_some_and(|u| u.level == UnitLevel::Commune))
                .map(|id| (id, 50 + rng.below(100) as u32))
                .collect())
        };
        let legacy = of("87", date!(2013 - 12 - 31))?;
        let current = of("82", today.max(REFORM))?;
        if legacy.is_empty() || current.is_empty() {
            return Err("the generator needs the communes of both maps".into());
        }
        Ok(Self::from_lists(legacy, current))
    }

    pub(crate) fn on(&self, day: Date, rng: &mut Rng) -> UnitId {
        let list = if day < REFORM { &self.legacy } else { &self.current };
        let x = rng.below(list.last().map_or(1, |l| l.1));
        list[list.partition_point(|(_, upto)| *upto <= x).min(list.len() - 1)].0
    }
}

//! Counts carried from the communes of each day onto the map of another day, and up its tree.

use super::*;

/// A count by year and by unit of one map, every level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapCounts {
    pub by_year: BTreeMap<i32, BTreeMap<UnitId, i64>>,
    /// Counts on units with no path onto the map (never dropped silently).
    pub unmapped: i64,
    /// Some figure was apportioned over a split (an estimate, not a recorded fact).
    pub estimated: bool,
}

/// The commune a fact recorded on `unit` on `day` belongs to (itself, or the commune
/// above a hamlet on that day; a unit above communes stays itself).
fn commune_of(catalog: &UnitCatalog, unit: UnitId, day: time::Date) -> UnitId {
    if catalog.get(unit).is_none_or(|u| u.level == UnitLevel::Commune) {
        return unit;
    }
    catalog.ancestors_on(unit, day).into_iter().find(|a| catalog.get(*a).is_some_and(|u| u.level == UnitLevel::Commune)).unwrap_or(unit)
}

/// Whether a record kept on `unit` on `day` is counted under `target` on the map of
/// `map_on` (its commune carried there and rolled up). A record of a commune split in
/// 2025 reaches every unit that received a share of it.
pub fn reaches(catalog: &UnitCatalog, unit: UnitId, day: time::Date, target: UnitId, map_on: time::Date) -> bool {
    commune_reaches(catalog, commune_of(catalog, unit, day), target, map_on)
}

fn commune_reaches(catalog: &UnitCatalog, commune: UnitId, target: UnitId, map_on: time::Date) -> bool {
    let moved = catalog.reaggregate(&BTreeMap::from([(commune, 1_000_000)]), map_on, None);
    catalog.roll_up(&moved.counts, map_on).get(&target).is_some_and(|n| *n > 0)
}

/// The facts counted under `target` on the map of `map_on` (as [`reaches`] decides): one
/// unit's subtree, of either era of the map. Each commune's path onto the map is worked
/// out once. A commune split in 2025 counts wholly under every unit that received a share
/// of it (a breakdown apportions it instead, flagged as an estimate).
pub fn within_unit(catalog: &UnitCatalog, facts: &Facts, target: UnitId, map_on: time::Date) -> Facts {
    let mut keep = reaching(catalog, target, map_on);
    let mut out = facts.clone();
    out.retain(|f| keep(f));
    out
}

/// `count` by year over the facts under `target` on the map of `map_on` (as [`within_unit`]
/// keeps them), without copying any fact.
pub fn count_within(catalog: &UnitCatalog, count: &Count, facts: &Facts, target: UnitId, map_on: time::Date) -> BTreeMap<i32, i64> {
    let mut keep = reaching(catalog, target, map_on);
    let mut out = BTreeMap::new();
    for f in facts.of(count.fact).iter().filter(|f| count.matches(f) && keep(f)) {
        *out.entry(f.day.year()).or_default() += f.count;
    }
    out
}

/// Whether a fact reaches `target` on the map of `map_on`, each commune's path worked out once.
fn reaching(catalog: &UnitCatalog, target: UnitId, map_on: time::Date) -> impl FnMut(&Fact) -> bool + '_ {
    let mut by_commune: std::collections::HashMap<UnitId, bool> = std::collections::HashMap::new();
    move |f| {
        let commune = commune_of(catalog, f.unit, f.day);
        *by_commune.entry(commune).or_insert_with(|| commune_reaches(catalog, commune, target, map_on))
    }
}

/// `count` for every year of `years` and every unit of the map of `map_on` (the
/// 2013-era tree or the 2025 one): facts are gathered on the commune they were
/// recorded on as it was on their day, carried onto the map by the successions, and
/// summed up its tree, so totals are kept. Facts come sorted by day and unit, so runs
/// of the same (unit, day) are summed before any map lookup.
pub fn counts_on_map(
    catalog: &UnitCatalog,
    count: &Count,
    facts: &Facts,
    years: std::ops::RangeInclusive<i32>,
    map_on: time::Date,
) -> MapCounts {
    let mut gathered: BTreeMap<i32, BTreeMap<UnitId, i64>> = BTreeMap::new();
    let mut flush = |unit: UnitId, day: time::Date, n: i64| {
        if n != 0 {
            *gathered.entry(day.year()).or_default().entry(commune_of(catalog, unit, day)).or_default() += n;
        }
    };
    let mut run: Option<(UnitId, time::Date, i64)> = None;
    for f in facts.of(count.fact) {
        if !years.contains(&f.day.year()) || !count.matches(f) {
            continue;
        }
        match &mut run {
            Some((u, d, n)) if *u == f.unit && *d == f.day => *n += f.count,
            _ => {
                if let Some((u, d, n)) = run.take() {
                    flush(u, d, n);
                }
                run = Some((f.unit, f.day, f.count));
            }
        }
    }
    if let Some((u, d, n)) = run {
        flush(u, d, n);
    }
    let mut out = MapCounts::default();
    for (year, counts) in gathered {
        let moved = catalog.reaggregate(&counts, map_on, None);
        out.unmapped += moved.unmapped.values().sum::<i64>();
        out.estimated |= !moved.estimated.is_empty();
        out.by_year.insert(year, catalog.roll_up(&moved.counts, map_on));
    }
    out
}

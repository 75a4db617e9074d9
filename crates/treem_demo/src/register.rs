//! The register part of a generated province: children, households with their yearly
//! poverty status, and special circumstances, reproducing the baselines on 2012-12-31.

use crate::{Communes, Rng, Scale, BASE_DAY};
use time::macros::date;
use time::{Date, Duration, Month};
use treem_domain::indicator::{ChildRecord, CircumstancePeriod};
use treem_domain::units::UnitId;

/// A generated child before names are given.
#[derive(Debug, Clone)]
pub struct Child {
    pub birth_date: Date,
    pub female: bool,
    pub unit: UnitId,
    pub registered_on: Date,
    pub household: usize,
    pub disability: bool,
}

/// The register part of a generated province.
pub struct Register {
    pub children: Vec<Child>,
    /// Unit of each household.
    pub households: Vec<UnitId>,
    /// (household, year, status); absent is "neither".
    pub poverty: Vec<(usize, i32, &'static str)>,
    /// (child, group, first day, last day).
    pub circumstances: Vec<(usize, &'static str, Date, Option<Date>)>,
}

/// Law on Children Art. 10 groups drawn for circumstances (sensitive ones included:
/// the generator writes below the services, as the demo's own data).
const GROUPS: &[&str] = &["a", "b", "c", "d", "e", "g", "h", "i", "k", "l", "m", "n"];

const GROUP_WEIGHTS: &[u32] = &[30, 8, 5, 3, 6, 8, 4, 2, 10, 6, 8, 10];

fn year_start(y: i32) -> Date {
    Date::from_calendar_date(y, Month::January, 1).unwrap_or(BASE_DAY)
}

fn year_end(y: i32) -> Date {
    Date::from_calendar_date(y, Month::December, 31).unwrap_or(BASE_DAY)
}

/// Splits `total` over `weights` exactly (largest remainder).
pub(crate) fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    let raw: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut out: Vec<u64> = raw.iter().map(|r| r.floor() as u64).collect();
    let mut left = total - out.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..raw.len()).collect();
    order.sort_by(|a, b| (raw[*b] - raw[*b].floor()).total_cmp(&(raw[*a] - raw[*a].floor())));
    for i in order {
        if left == 0 {
            break;
        }
        out[i] += 1;
        left -= 1;
    }
    out
}

/// The register: cohorts born 1997–2012 making up the baseline's children exactly,
/// later cohorts about 1 % smaller each year, up to `today`.
pub fn register(scale: Scale, communes: &Communes, today: Date, rng: &mut Rng) -> Register {
    let (total, poor_target, special_target) = scale.baseline();
    let base_cohorts: Vec<i32> = (1997..=2012).collect();
    let weights: Vec<f64> = base_cohorts.iter().map(|y| 1.0 - 0.008 * f64::from(y - 1997)).collect();
    let mut sizes: Vec<(i32, u64)> = base_cohorts.iter().copied().zip(apportion(total, &weights)).collect();
    let last_base = sizes.last().map_or(0, |s| s.1) as f64;
    for y in 2013..=today.year() {
        let mut n = last_base * 0.99f64.powi(y - 2012);
        if y == today.year() {
            n *= f64::from(today.ordinal()) / 365.0;
        }
        sizes.push((y, n.round() as u64));
    }
    let mut children = Vec::with_capacity(sizes.iter().map(|s| s.1 as usize).sum());
    for (year, n) in sizes {
        let last = year_end(year).min(today);
        for _ in 0..n {
            let birth_date = rng.day_between(year_start(year), last);
            let registered_on = birth_date.max(date!(2012 - 01 - 01));
            children.push(Child {
                birth_date,
                female: rng.below(1000) < 485,
                unit: communes.on(registered_on, rng),
                registered_on,
                household: 0,
                disability: rng.below(1000) < 12,
            });
        }
    }
    // Households of 1 to 3 children of one commune, formed in a shuffled order so that
    // siblings are of different ages.
    let mut order: Vec<usize> = (0..children.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut households: Vec<UnitId> = Vec::new();
    let mut open: std::collections::HashMap<UnitId, (usize, u32)> = std::collections::HashMap::new();
    for i in order {
        let unit = children[i].unit;
        let slot = open.entry(unit).or_insert((usize::MAX, 0));
        if slot.1 == 0 {
            households.push(unit);
            *slot = (households.len() - 1, 1 + rng.weighted(&[35, 45, 20]) as u32);
        }
        children[i].household = slot.0;
        slot.1 -= 1;
    }
    // Poverty: each household has a place in a line (its hardship); in 2012 the first
    // households of the line are poor until they hold exactly the baseline's children,
    // the next ones near-poor (about 7.5 %). Later years keep a shrinking front of the
    // same line: poverty falls about 10 % a year, near-poverty 8 %.
    let mut in_base = vec![0u64; households.len()];
    for c in &children {
        if counted_on(c, BASE_DAY) {
            in_base[c.household] += 1;
        }
    }
    let mut line: Vec<usize> = (0..households.len()).collect();
    for i in (1..line.len()).rev() {
        line.swap(i, rng.below(i as u64 + 1) as usize);
    }
    let mut poverty = Vec::new();
    let mut poor_2012 = 0u64;
    let mut front = 0usize;
    for (place, h) in line.iter().enumerate() {
        if poor_2012 == poor_target {
            break;
        }
        if poor_2012 + in_base[*h] <= poor_target {
            poor_2012 += in_base[*h];
            poverty.push((*h, 2012, "poor"));
            front = place + 1;
        }
    }
    let near_target = total * 751 / 10_000;
    let poor_set: std::collections::HashSet<usize> = poverty.iter().map(|p| p.0).collect();
    let mut near = 0u64;
    let mut near_front = front;
    for (place, h) in line.iter().enumerate().skip(front) {
        if near >= near_target {
            break;
        }
        if !poor_set.contains(h) {
            near += in_base[*h];
            poverty.push((*h, 2012, "near_poor"));
        }
        near_front = place + 1;
    }
    for y in 2013..=today.year() {
        let poor_front = (front as f64 * 0.9f64.powi(y - 2012)) as usize;
        let near_end = poor_front + ((near_front - front) as f64 * 0.92f64.powi(y - 2012)) as usize;
        for (place, h) in line.iter().enumerate().take(near_end) {
            poverty.push((*h, y, if place < poor_front { "poor" } else { "near_poor" }));
        }
    }
    // Special circumstances: exactly the baseline's children on 2012-12-31, then new
    // ones each year (about 0.4 % of the children), about half of them ended later.
    let mut circumstances = Vec::new();
    let mut base: Vec<usize> = (0..children.len()).filter(|i| counted_on(&children[*i], BASE_DAY)).collect();
    for i in 0..(special_target as usize).min(base.len()) {
        let j = i + rng.below((base.len() - i) as u64) as usize;
        base.swap(i, j);
        let c = &children[base[i]];
        let began = rng.day_between(c.birth_date.max(date!(2008 - 01 - 01)), BASE_DAY);
        let ended = (rng.below(10) < 4).then(|| rng.day_between(date!(2013 - 06 - 01), date!(2020 - 12 - 31)));
        circumstances.push((base[i], *rng.pick_weighted(GROUPS, GROUP_WEIGHTS), began, ended.filter(|e| *e <= today)));
    }
    for y in 2013..=today.year() {
        let day = year_end(y).min(today);
        let stock: Vec<usize> = (0..children.len()).filter(|i| counted_on(&children[*i], day)).collect();
        let n = stock.len() * 4 / 1000;
        for _ in 0..n {
            let i = *rng.pick(&stock);
            let began = rng.day_between(year_start(y).max(children[i].birth_date), day);
            let ended = (rng.below(2) == 0).then(|| began + Duration::days(200 + rng.below(1200) as i64)).filter(|e| *e <= today);
            circumstances.push((i, *rng.pick_weighted(GROUPS, GROUP_WEIGHTS), began, ended));
        }
    }
    Register { children, households, poverty, circumstances }
}

/// Whether a child is under 16 on `day` (and born by then).
pub(crate) fn counted_on(c: &Child, day: Date) -> bool {
    c.birth_date <= day && treem_domain::indicator::age_on(c.birth_date, day) < 16
}

/// The register as the indicator engine reads it (what the store would return).
pub fn child_records(r: &Register) -> Vec<ChildRecord> {
    let mut spans: Vec<Vec<CircumstancePeriod>> = vec![Vec::new(); r.children.len()];
    for (c, group, from, to) in &r.circumstances {
        spans[*c].push(CircumstancePeriod::of_group(group, *from, *to));
    }
    r.children
        .iter()
        .zip(spans)
        .enumerate()
        .map(|(id, (c, circumstances))| ChildRecord {
            id: id as i64,
            unit: c.unit,
            birth_date: c.birth_date,
            female: c.female,
            disability: c.disability,
            household: Some(c.household as i64),
            circumstances,
        })
        .collect()
}

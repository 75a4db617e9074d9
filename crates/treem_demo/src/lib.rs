//! The deterministic demo generator: a made-up province on the real units, the same
//! records for the same seed. Children whose shares on 2012-12-31 reproduce the
//! founding plan's baselines exactly (B3: children in poor households; B4: children in
//! especially difficult circumstances), households with yearly poverty status,
//! special circumstances, and incidents from 2012 to today with trends (sexual abuse
//! falling about 6 % a year) and seasons (drowning peaks in the flood season,
//! August to November), on the 2013-era communes before 1 July 2025 and on the
//! 2025 communes after. Every name is made up.

use std::collections::HashMap;
use time::macros::date;
use time::{Date, Duration, Month, OffsetDateTime};
use treem_domain::calendar::HolidayCalendar;
use treem_domain::case::{after, apply, due_at, intake_tasks, CaseAction, CaseSnapshot, CaseSource, CaseState, Deadlines, RiskLevel};
use treem_domain::incident::{
    AbuseForm, IncidentFields, IncidentKind, InjuryKind, JusticeMeasure, JusticeStage, Relation, Setting, SexualSubtype,
};
use treem_domain::indicator::{ChildRecord, CircumstancePeriod};
use treem_domain::units::{UnitCatalog, UnitId, UnitLevel};
use treem_storage::{BulkCase, BulkChild, BulkLoad};

/// The first day of the 2025 map.
const REFORM: Date = date!(2025 - 07 - 01);
/// The baseline's counting day.
const BASE_DAY: Date = date!(2012 - 12 - 31);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// The default demo: 1/48 of the province's children, all of its incidents.
    Sample,
    /// About 418,000 children under 16, as the plan's baselines imply.
    Province,
    /// About 25 million children (in memory, for `treem bench engine`).
    National,
}

impl Scale {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sample" => Some(Self::Sample),
            "province" => Some(Self::Province),
            "national" => Some(Self::National),
            _ => None,
        }
    }

    /// Children under 16 on 2012-12-31, of them in poor households, of them in
    /// especially difficult circumstances. Province: the plan's B3 and B4 (47,160 =
    /// 11.28 %, 8,029 = 1.92 %, so 418,085 in all); the others keep both percentages exact.
    pub fn baseline(self) -> (u64, u64, u64) {
        match self {
            Self::Sample => (8_750, 987, 168),
            Self::Province => (418_085, 47_160, 8_029),
            Self::National => (25_000_000, 2_820_000, 480_000),
        }
    }

    /// Incidents are generated at the province's rate times this.
    fn incident_factor(self) -> u64 {
        match self {
            Self::Sample | Self::Province => 1,
            Self::National => 60,
        }
    }
}

/// SplitMix64: small, fast, and the same sequence everywhere for a seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<'a, T>(&mut self, list: &'a [T]) -> &'a T {
        &list[self.below(list.len() as u64) as usize]
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
        let mut x = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if x < u64::from(*w) {
                return i;
            }
            x -= u64::from(*w);
        }
        weights.len() - 1
    }

    fn day_between(&mut self, first: Date, last: Date) -> Date {
        let span = (last - first).whole_days().max(0) as u64;
        first + Duration::days(self.below(span + 1) as i64)
    }
}

/// Communes to place records on, each with a weight (population), before and after 2025:
/// (unit, cumulative weight), so that a draw is a binary search.
pub struct Communes {
    legacy: Vec<(UnitId, u64)>,
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

    fn on(&self, day: Date, rng: &mut Rng) -> UnitId {
        let list = if day < REFORM { &self.legacy } else { &self.current };
        let x = rng.below(list.last().map_or(1, |l| l.1));
        list[list.partition_point(|(_, upto)| *upto <= x).min(list.len() - 1)].0
    }
}

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
fn apportion(total: u64, weights: &[f64]) -> Vec<u64> {
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

impl Rng {
    fn pick_weighted<'a, T>(&mut self, list: &'a [T], weights: &[u32]) -> &'a T {
        &list[self.weighted(weights)]
    }
}

/// Whether a child is under 16 on `day` (and born by then).
fn counted_on(c: &Child, day: Date) -> bool {
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

/// Incidents a year at province scale in 2012, and their yearly trend.
const SEXUAL_2012: f64 = 62.0;
const OTHER_ABUSE_2012: f64 = 48.0;
const CONFLICT_2012: f64 = 150.0;
const DROWNING_2012: f64 = 85.0;
const TRAFFIC_2012: f64 = 110.0;
const OTHER_ACCIDENT_2012: f64 = 45.0;
/// Drowning by month: the flood season (mùa nước nổi) from August to November.
const DROWNING_MONTHS: [u32; 12] = [3, 3, 3, 4, 6, 7, 9, 14, 16, 15, 12, 5];
const FLAT_MONTHS: [u32; 12] = [8, 7, 8, 8, 9, 9, 9, 9, 8, 8, 8, 9];

fn day_in(year: i32, months: &[u32; 12], today: Date, rng: &mut Rng) -> Option<Date> {
    let month = Month::try_from(1 + rng.weighted(months) as u8).ok()?;
    let first = Date::from_calendar_date(year, month, 1).ok()?;
    let last = first.replace_day(time::util::days_in_month(month, year)).ok()?;
    let d = rng.day_between(first, last);
    (d <= today).then_some(d)
}

/// Incidents from 2012 to `today`.
pub fn incidents(scale: Scale, communes: &Communes, today: Date, rng: &mut Rng) -> Vec<IncidentFields> {
    let factor = scale.incident_factor() as f64;
    let mut out = Vec::new();
    for y in 2012..=today.year() {
        let t = y - 2012;
        let yearly = |base: f64, trend: f64, rng: &mut Rng| -> u64 {
            let noise = 0.9 + 0.2 * rng.unit();
            (base * factor * trend.powi(t) * noise).round() as u64
        };
        let blank = |kind, day: Date, unit| IncidentFields {
            kind,
            occurred_on: day,
            unit,
            abuse_form: None,
            sexual_subtype: None,
            setting: None,
            relation: None,
            offence: None,
            justice_stage: None,
            justice_measure: None,
            injury: None,
            fatal: false,
            notes: None,
            children: Vec::new(),
            case_id: None,
        };
        let plan: [(u64, u8); 6] = [
            (yearly(SEXUAL_2012, 0.94, rng), 0),
            (yearly(OTHER_ABUSE_2012, 0.97, rng), 1),
            (yearly(CONFLICT_2012, 0.97, rng), 2),
            (yearly(DROWNING_2012, 0.95, rng), 3),
            (yearly(TRAFFIC_2012, 0.99, rng), 4),
            (yearly(OTHER_ACCIDENT_2012, 1.0, rng), 5),
        ];
        for (n, what) in plan {
            for _ in 0..n {
                let months = if what == 3 { &DROWNING_MONTHS } else { &FLAT_MONTHS };
                let Some(day) = day_in(y, months, today, rng) else { continue };
                let unit = communes.on(day, rng);
                let f = match what {
                    0 | 1 => {
                        let mut f = blank(IncidentKind::Abuse, day, unit);
                        f.abuse_form = Some(if what == 0 {
                            AbuseForm::SexualAbuse
                        } else {
                            *rng.pick_weighted(
                                &[
                                    AbuseForm::Violence,
                                    AbuseForm::Exploitation,
                                    AbuseForm::Trafficking,
                                    AbuseForm::Neglect,
                                    AbuseForm::Other,
                                ],
                                &[60, 10, 3, 17, 10],
                            )
                        });
                        if what == 0 {
                            f.sexual_subtype = Some(*rng.pick_weighted(
                                &[
                                    SexualSubtype::Rape,
                                    SexualSubtype::CoercedSex,
                                    SexualSubtype::Intercourse,
                                    SexualSubtype::Molestation,
                                    SexualSubtype::ProstitutionOrPornography,
                                ],
                                &[20, 4, 45, 29, 2],
                            ));
                        }
                        f.setting = Some(
                            *rng.pick_weighted(&[Setting::Family, Setting::School, Setting::Community, Setting::Online], &[40, 10, 44, 6]),
                        );
                        f.relation = Some(*rng.pick_weighted(
                            &[
                                Relation::Parent,
                                Relation::StepParent,
                                Relation::Relative,
                                Relation::Teacher,
                                Relation::Acquaintance,
                                Relation::Stranger,
                                Relation::OtherChild,
                                Relation::Unknown,
                            ],
                            &[4, 8, 15, 3, 42, 18, 4, 6],
                        ));
                        f
                    }
                    2 => {
                        let mut f = blank(IncidentKind::ConflictWithLaw, day, unit);
                        f.justice_stage =
                            Some(*rng.pick_weighted(&[JusticeStage::Police, JusticeStage::Procuracy, JusticeStage::Court], &[70, 10, 20]));
                        f.justice_measure = Some(*rng.pick_weighted(
                            &[
                                JusticeMeasure::Diversion,
                                JusticeMeasure::EducationAtCommune,
                                JusticeMeasure::ReformSchool,
                                JusticeMeasure::Pending,
                            ],
                            &[40, 35, 5, 20],
                        ));
                        f
                    }
                    _ => {
                        let mut f = blank(IncidentKind::Accident, day, unit);
                        let injury = match what {
                            3 => InjuryKind::Drowning,
                            4 => InjuryKind::Traffic,
                            _ => *rng.pick_weighted(&[InjuryKind::Burn, InjuryKind::Fall, InjuryKind::Other], &[30, 40, 30]),
                        };
                        f.injury = Some(injury);
                        f.fatal = rng.below(100)
                            < match injury {
                                InjuryKind::Drowning => 70,
                                InjuryKind::Traffic => 12,
                                _ => 3,
                            };
                        f
                    }
                };
                out.push(f);
            }
        }
    }
    out.sort_by_key(|f| f.occurred_on);
    out
}

/// Cases (case-management files) received a year at province scale in 2012, growing
/// about 8 % a year as case management spread: about 3,300 from 2012 to 2026.
const CASES_2012: f64 = 120.0;
const CASES_GROWTH: f64 = 1.08;
/// Of every 100 cases: reports found unfounded, urgent on receipt, assessed at high risk,
/// left stalled at some step (never finished: they stay open, past their deadlines).
const UNFOUNDED: u64 = 18;
const URGENT: u64 = 25;
const HIGH_RISK: u64 = 12;
const STALLED: u64 = 3;
/// Of every 100 steps: taken after the due time of the task it completes.
const LATE_FIRST_STEP: u64 = 8;
const LATE_STEP: u64 = 4;
const SOURCE_WEIGHTS: [u32; 7] = [25, 20, 15, 12, 8, 15, 5];
const NOTE: &str = "Ghi chú (dữ liệu mẫu)";

/// The commune each 2013-era commune's records went to on 1 July 2025 (its largest share).
pub fn successors(catalog: &UnitCatalog, communes: &Communes) -> HashMap<UnitId, UnitId> {
    communes
        .legacy
        .iter()
        .filter_map(|(u, _)| {
            let moved = catalog.reaggregate(&std::collections::BTreeMap::from([(*u, 1_000_000)]), REFORM, None);
            let to = moved
                .counts
                .iter()
                .filter(|(id, _)| catalog.get(**id).is_some_and(|x| x.level == UnitLevel::Commune))
                .max_by_key(|(_, n)| **n)?;
            Some((*u, *to.0))
        })
        .collect()
}

/// Cases from 2012 to `today`, each about a child of `children` under 16 and registered
/// on the day it was received, kept on the child's commune (after 1 July 2025, the
/// commune it went to). Each case is walked through the Decree 56 steps by the domain's
/// own state machine (`case::apply`), its tasks created and due as real ones are
/// (`case::due_at`, working days from the bundled holiday calendar) and done when the
/// step that completes them is taken; a step is taken before its task's due time, or
/// sometimes after it (late). The walk stops at `today` (00:00 UTC): old cases are
/// closed, recent ones still open, some of them overdue.
pub fn cases(scale: Scale, children: &[Child], successor: &HashMap<UnitId, UnitId>, today: Date, rng: &mut Rng) -> Vec<BulkCase> {
    let factor = match scale {
        Scale::Sample => 0.25,
        Scale::Province => 1.0,
        Scale::National => 60.0,
    };
    let now = today.midnight().assume_utc();
    let calendar = HolidayCalendar::bundled();
    let working_days = |from: OffsetDateTime, n: u32| calendar.working_days_deadline(from, n);
    let d = Deadlines::default();
    let mut out = Vec::new();
    if children.is_empty() {
        return out;
    }
    for y in 2012..=today.year() {
        let n = (CASES_2012 * factor * CASES_GROWTH.powi(y - 2012) * (0.9 + 0.2 * rng.unit())).round() as u64;
        for _ in 0..n {
            let Some(day) = day_in(y, &FLAT_MONTHS, today, rng) else { continue };
            let received_at = day.midnight().assume_utc() + Duration::minutes(rng.below(600) as i64);
            if received_at >= now {
                continue;
            }
            // A child under 16 and in the register that day.
            let child = (0..50).map(|_| rng.below(children.len() as u64) as usize).find(|i| {
                let c = &children[*i];
                c.registered_on <= day && counted_on(c, day)
            });
            let Some(child) = child else { continue };
            let home = children[child].unit;
            let unit = if day >= REFORM && children[child].registered_on < REFORM { successor.get(&home).copied() } else { Some(home) };
            let Some(unit) = unit else { continue };
            out.push(walk(child, unit, received_at, now, &d, &working_days, rng));
        }
    }
    out.sort_by_key(|c| c.received_at);
    out
}

/// Cases at national scale as the engine's facts only (no records, no walk): about
/// 3 million from 2012 to `today` over `communes`, growing like the province's, with
/// states, sources, urgency, risk and lateness drawn in the proportions of the walk
/// (old years closed, the last months open). For `treem bench engine --scale national`.
pub fn national_case_facts(communes: &Communes, today: Date, rng: &mut Rng) -> Vec<treem_domain::indicator::Fact> {
    use treem_domain::indicator::{Fact, FactKind};
    let years: Vec<i32> = (2012..=today.year()).collect();
    let weights: Vec<f64> = years.iter().map(|y| CASES_GROWTH.powi(y - 2012)).collect();
    let per_year = apportion(3_000_000, &weights);
    let mut grouped: HashMap<(UnitId, Date, [u8; treem_domain::indicator::FIELD_COUNT]), i64> = HashMap::new();
    let open_states =
        ["received", "verified", "initial_assessed", "detailed_assessed", "plan_drafted", "plan_approved", "in_progress", "under_review"];
    for (y, n) in years.iter().zip(per_year) {
        for _ in 0..n {
            let Some(day) = day_in(*y, &FLAT_MONTHS, today, rng) else { continue };
            let unit = communes.on(day, rng);
            let recent = (today - day).whole_days() < 120;
            let state = if rng.below(100) < UNFOUNDED {
                "closed_unfounded"
            } else if recent || rng.below(100) < STALLED {
                open_states[rng.below(open_states.len() as u64) as usize]
            } else {
                "closed"
            };
            let source = CaseSource::ALL[rng.weighted(&SOURCE_WEIGHTS)].as_str();
            let urgent = if rng.below(100) < URGENT { "true" } else { "false" };
            let risk = [RiskLevel::Low, RiskLevel::Medium, RiskLevel::High][rng.weighted(&[48, 40, 12])].as_str();
            let late = if rng.below(100) < 30 { "true" } else { "false" };
            let fields =
                [("state", Some(state)), ("source", Some(source)), ("urgent", Some(urgent)), ("risk", Some(risk)), ("late", Some(late))];
            let f = Fact::new(FactKind::Cases, unit, day, &fields, 1);
            *grouped.entry((f.unit, f.day, f.codes)).or_default() += 1;
        }
    }
    let mut out: Vec<Fact> = grouped.into_iter().map(|((unit, day, codes), count)| Fact { unit, day, codes, count }).collect();
    out.sort_by_key(|f| (f.day, f.unit, f.codes));
    out
}

/// One case walked through its steps from `received_at` until done or `now`.
fn walk(
    child: usize,
    unit: UnitId,
    received_at: OffsetDateTime,
    now: OffsetDateTime,
    d: &Deadlines,
    working_days: &dyn Fn(OffsetDateTime, u32) -> OffsetDateTime,
    rng: &mut Rng,
) -> BulkCase {
    use CaseAction as A;
    let urgent = rng.below(100) < URGENT;
    let source = CaseSource::ALL[rng.weighted(&SOURCE_WEIGHTS)];
    let unfounded = rng.below(100) < UNFOUNDED;
    let risk =
        if rng.below(100) < HIGH_RISK { RiskLevel::High } else { *rng.pick_weighted(&[RiskLevel::Low, RiskLevel::Medium], &[55, 45]) };
    let note = || NOTE.to_owned();
    let safe_first = rng.below(100) < 80;
    let mut actions: Vec<A> = Vec::new();
    if unfounded {
        if rng.below(2) == 0 {
            actions.push(A::Verify { note: note() });
        }
        actions.push(A::CloseUnfounded { reason: note() });
    } else {
        if urgent {
            actions.push(A::StartEmergency { measure: note() });
        } else {
            actions.push(A::Verify { note: note() });
            actions.push(A::AssessInitial { risk, note: note() });
            if risk == RiskLevel::High {
                actions.push(A::StartEmergency { measure: note() });
            }
        }
        actions.push(A::AssessDetailed { note: note() });
        let rounds: &[bool] = if safe_first { &[true] } else { &[false, true] };
        for safe in rounds {
            actions.push(A::DraftPlan { summary: "Kế hoạch hỗ trợ, can thiệp (dữ liệu mẫu)".into() });
            // The review date is set when the plan is approved (below).
            actions.push(A::ApprovePlan { approved_by: "Chủ tịch UBND xã".into(), review_at: received_at });
            actions.push(A::StartPlan);
            actions.push(A::Review { safe: *safe, note: note() });
        }
        actions.push(A::Close { note: note() });
    }
    let stall_at = (rng.below(100) < STALLED).then(|| rng.below(actions.len() as u64) as usize);
    let mut snap = CaseSnapshot { state: CaseState::Received, received_at, urgent, risk: None, interventions: 1, last_review_safe: None };
    let mut k = BulkCase {
        child,
        unit,
        source,
        urgent,
        summary: "Trường hợp mẫu: trẻ cần được bảo vệ (dữ liệu mẫu)".into(),
        received_at,
        state: CaseState::Received,
        risk: None,
        plan_summary: None,
        plan_approved_by: None,
        review_at: None,
        last_review_safe: None,
        closed_at: None,
        steps: Vec::new(),
        tasks: intake_tasks(urgent, d)
            .into_iter()
            .map(|(kind, due)| (kind, due_at(due, received_at, received_at, working_days), None))
            .collect(),
        interventions: Vec::new(),
    };
    let mut t = received_at;
    for (i, mut action) in actions.into_iter().enumerate() {
        if stall_at == Some(i) {
            break;
        }
        // When the step is taken: before the due time of the task it completes, or late.
        let due = k.tasks.iter().filter(|(_, _, done)| done.is_none()).map(|(_, due, _)| *due).min().unwrap_or(t + Duration::days(3));
        let late = rng.below(100) < if i == 0 { LATE_FIRST_STEP } else { LATE_STEP };
        let at = if late || due <= t {
            due.max(t) + Duration::minutes(30 + rng.below(6 * 24 * 60) as i64)
        } else {
            t + Duration::seconds(((due - t).whole_seconds() as f64 * (0.2 + 0.75 * rng.unit())) as i64)
        };
        if at >= now {
            break;
        }
        if let A::ApprovePlan { review_at, .. } = &mut action {
            *review_at = at + Duration::days(30 + rng.below(60) as i64);
        }
        let Ok(step) = apply(&snap, &action, at, d) else { break };
        for task in k.tasks.iter_mut().filter(|(kind, _, done)| done.is_none() && step.completes.contains(kind)) {
            task.2 = Some(at);
        }
        for (kind, due) in &step.creates {
            // One open task per kind, as the store keeps them.
            if !k.tasks.iter().any(|(other, _, done)| other == kind && done.is_none()) {
                k.tasks.push((*kind, due_at(*due, received_at, at, working_days), None));
            }
        }
        let text = match &action {
            A::Verify { note }
            | A::AssessInitial { note, .. }
            | A::AssessDetailed { note }
            | A::Review { note, .. }
            | A::Close { note } => Some(note.clone()),
            A::CloseUnfounded { reason } => Some(reason.clone()),
            A::StartEmergency { measure } => Some(measure.clone()),
            A::DraftPlan { summary } => Some(summary.clone()),
            A::ApprovePlan { .. } | A::StartPlan => None,
        };
        match &action {
            A::AssessInitial { risk, .. } => k.risk = Some(*risk),
            A::DraftPlan { summary } => {
                k.plan_summary = Some(summary.clone());
                k.last_review_safe = None;
                if k.interventions.is_empty() {
                    let kind = *rng.pick(&treem_app::cases::INTERVENTION_KINDS[..4]);
                    k.interventions.push((kind, "Công chức LĐ-TB&XH xã".into(), "planned"));
                }
            }
            A::ApprovePlan { approved_by, review_at } => {
                k.plan_approved_by = Some(approved_by.clone());
                k.review_at = Some(*review_at);
            }
            A::Review { safe, .. } => k.last_review_safe = Some(*safe),
            _ => {}
        }
        k.steps.push((action.name(), step.from, step.to, text, at));
        snap = after(&snap, &action, &step);
        k.state = step.to;
        t = at;
        if step.to.is_closed() {
            k.closed_at = Some(at);
            for v in &mut k.interventions {
                v.2 = "done";
            }
            break;
        }
    }
    k
}

const FAMILY: &[&str] = &[
    "Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Trương", "Đinh",
    "Lâm",
];
const MIDDLE_MALE: &[&str] = &["Văn", "Minh", "Quốc", "Hoàng", "Gia", "Thanh", "Hữu", "Đức", "Tấn", "Công"];
const MIDDLE_FEMALE: &[&str] = &["Thị", "Ngọc", "Thanh", "Kim", "Bảo", "Mỹ", "Thùy", "Phương", "Hồng", "Diễm"];
const GIVEN_MALE: &[&str] = &[
    "An", "Bình", "Dũng", "Hải", "Hiếu", "Hòa", "Huy", "Khang", "Khánh", "Long", "Minh", "Nam", "Phúc", "Quân", "Quang", "Tâm", "Trí",
    "Tuấn", "Thịnh", "Vinh",
];
const GIVEN_FEMALE: &[&str] = &[
    "Anh", "Châu", "Giang", "Hà", "Hạnh", "Lan", "Linh", "Mai", "My", "Ngân", "Nhi", "Phương", "Thảo", "Thư", "Trang", "Uyên", "Vy", "Yến",
    "Hân", "Ngọc",
];

fn name(female: bool, rng: &mut Rng) -> String {
    let (middle, given) = if female { (MIDDLE_FEMALE, GIVEN_FEMALE) } else { (MIDDLE_MALE, GIVEN_MALE) };
    format!("{} {} {}", rng.pick(FAMILY), rng.pick(middle), rng.pick(given))
}

/// Everything, with made-up names, as one bulk write.
pub fn bulk(scale: Scale, catalog: &UnitCatalog, today: Date, seed: u64) -> Result<BulkLoad, String> {
    let mut rng = Rng::new(seed);
    let communes = Communes::of(catalog, today, &mut rng)?;
    let r = register(scale, &communes, today, &mut rng);
    let incidents = incidents(scale, &communes, today, &mut rng);
    // Cases draw from their own sequence: the rest of the province stays as it was for a seed.
    let cases = cases(scale, &r.children, &successors(catalog, &communes), today, &mut Rng::new(seed ^ 0xCA5E));
    let households =
        r.households.iter().enumerate().map(|(i, unit)| (format!("SINH-{i:07}"), name(rng.below(2) == 0, &mut rng), *unit)).collect();
    let children = r
        .children
        .iter()
        .map(|c| {
            let full_name = name(c.female, &mut rng);
            BulkChild {
                name_search: treem_domain::text::search_key(&full_name),
                full_name,
                sex: if c.female { "female" } else { "male" },
                birth_date: c.birth_date,
                unit: c.unit,
                registered_on: c.registered_on,
                household: Some(c.household),
                disability: c.disability,
            }
        })
        .collect();
    Ok(BulkLoad {
        households,
        poverty: r.poverty,
        children,
        circumstances: r.circumstances,
        incidents: incidents.into_iter().map(|f| (f, None)).collect(),
        cases,
    })
}

/// Made-up values agencies would report (see `data/demo/README.md`), for the last three
/// full years before `today` and the first eight communes of the province on each year's
/// map (the 2025 province 82 from 2025, the 2013-era Đồng Tháp 87 before): children
/// under 6 and those with a health-insurance card (88–98 %), births registered and on
/// time (85–97 %), children taught to swim, by sex; preschool investment in three
/// communes. Deterministic for a seed.
pub fn reported_values(catalog: &UnitCatalog, today: Date, seed: u64) -> Vec<treem_app::reported::ReportedInput> {
    let mut rng = Rng::new(seed ^ 0x5245_504F_5254);
    let mut out = Vec::new();
    let mut value = |element: &str, unit: i64, year: i32, sex: &str, v: u64| {
        out.push(treem_app::reported::ReportedInput {
            element: element.into(),
            unit: unit.to_string(),
            year: year.to_string(),
            sex: sex.into(),
            value: v.to_string(),
            note: "dữ liệu mẫu".into(),
        })
    };
    for year in today.year() - 3..today.year() {
        let Ok(day) = Date::from_calendar_date(year, time::Month::December, 31) else { continue };
        let Some(root) = catalog.by_code_on("82", day).filter(|u| u.level == UnitLevel::Province).or_else(|| catalog.by_code_on("87", day))
        else {
            continue;
        };
        let communes: Vec<i64> = catalog
            .subtree_on(root.id, day)
            .into_iter()
            .filter_map(|id| catalog.get(id))
            .filter(|u| u.level == UnitLevel::Commune)
            .map(|u| u.id.0)
            .take(8)
            .collect();
        for (i, unit) in communes.iter().enumerate() {
            for sex in ["male", "female"] {
                let under6 = 380 + rng.below(160);
                value("children_under6", *unit, year, sex, under6);
                value("children_under6_health_insurance", *unit, year, sex, under6 * (88 + rng.below(11)) / 100);
                let births = 55 + rng.below(40);
                value("births_registered", *unit, year, sex, births);
                value("births_registered_on_time", *unit, year, sex, births * (85 + rng.below(13)) / 100);
                value("children_taught_to_swim", *unit, year, sex, 30 + rng.below(60));
            }
            if i < 3 {
                value("preschool_investment_pilot_communes", *unit, year, "", (1_000 + rng.below(2_000)) * 1_000_000);
            }
        }
    }
    out
}

/// Made-up movements of the Child Protection Funds (see `data/demo/README.md`): for the
/// province and its first four communes on the map of 1 October of last year, a state-budget
/// and a donated receipt and three disbursements each. Deterministic for a seed.
pub fn fund_movements(catalog: &UnitCatalog, today: Date, seed: u64) -> Vec<treem_app::fund::FundInput> {
    let mut rng = Rng::new(seed ^ 0x4655_4E44);
    let Ok(day) = Date::from_calendar_date(today.year() - 1, Month::October, 1) else { return Vec::new() };
    let Some(root) = catalog.by_code_on("82", day).filter(|u| u.level == UnitLevel::Province).or_else(|| catalog.by_code_on("87", day))
    else {
        return Vec::new();
    };
    let mut units = vec![root.id.0];
    units.extend(
        catalog
            .subtree_on(root.id, day)
            .into_iter()
            .filter_map(|id| catalog.get(id))
            .filter(|u| u.level == UnitLevel::Commune)
            .map(|u| u.id.0)
            .take(4),
    );
    let mut out = Vec::new();
    for (i, unit) in units.into_iter().enumerate() {
        let scale = if i == 0 { 20 } else { 1 };
        let on = |days: i64| (day + Duration::days(days)).to_string();
        let movement = |date: String, direction: &str, source: &str, purpose: &str, millions: u64| treem_app::fund::FundInput {
            unit: unit.to_string(),
            date,
            direction: direction.into(),
            source: source.into(),
            purpose: purpose.into(),
            amount: (millions * scale * 1_000_000).to_string(),
            note: "dữ liệu mẫu".into(),
        };
        let list = [
            movement(on(0), "receipt", "state_budget", "", 50 + rng.below(50)),
            movement(on(10), "receipt", "domestic_donation", "", 20 + rng.below(80)),
            movement(on(20), "disbursement", "", "support_children", 30 + rng.below(40)),
            movement(on(30), "disbursement", "", "scholarships", 10 + rng.below(30)),
            movement(on(40), "disbursement", "", "operations", 1 + rng.below(5)),
        ];
        out.extend(list);
    }
    out
}

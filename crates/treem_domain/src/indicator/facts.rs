//! Facts: records grouped by unit, day and coded fields; how the register, households and units become facts.

use super::*;

/// Records with the same unit, day and coded fields, counted together. Fields are
/// small codes in the order of the fact kind's field list (0: absent), not strings:
/// an indicator pass touches every fact, so a fact must be cheap to test. An incident
/// fact's day is the day it occurred; a child fact's is the year's counting day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub unit: UnitId,
    pub day: time::Date,
    pub codes: [u8; FIELD_COUNT],
    pub count: i64,
}

/// Incidents grouped by unit, day and coded fields.
pub type IncidentFact = Fact;

/// The most fields a fact kind may have.
pub const FIELD_COUNT: usize = 8;

impl Fact {
    /// A fact from named field values (absent or unknown values are coded 0).
    pub fn new(kind: FactKind, unit: UnitId, day: time::Date, fields: &[(&str, Option<&str>)], count: i64) -> Self {
        let mut codes = [0u8; FIELD_COUNT];
        for (name, value) in fields {
            if let (Some(i), Some(v)) = (kind.fields().iter().position(|(f, _)| f == name), value) {
                codes[i] = value_code(kind, i, v).unwrap_or(0);
            }
        }
        Self { unit, day, codes, count }
    }
}

impl Fact {
    /// One incident as a fact (what the store's grouped reading gives, before grouping).
    pub fn of_incident(f: &crate::incident::IncidentFields) -> Self {
        let fatal = f.fatal.to_string();
        let fields = [
            ("kind", Some(f.kind.as_str())),
            ("abuse_form", f.abuse_form.map(AbuseForm::as_str)),
            ("sexual_subtype", f.sexual_subtype.map(SexualSubtype::as_str)),
            ("setting", f.setting.map(Setting::as_str)),
            ("relation", f.relation.map(Relation::as_str)),
            ("justice_stage", f.justice_stage.map(JusticeStage::as_str)),
            ("injury", f.injury.map(InjuryKind::as_str)),
            ("fatal", Some(fatal.as_str())),
        ];
        Self::new(FactKind::Incidents, f.unit, f.occurred_on, &fields, 1)
    }

    /// A value reported for `year` as a fact: at the reporting unit, on the year's
    /// counting day (see [`counting_day`]), the value as its count; `sex` `all` (not
    /// reported by sex) is absent. None for a year after `today`'s.
    pub fn of_reported(element: &str, sex: &str, unit: UnitId, year: i32, value: i64, today: time::Date) -> Option<Self> {
        let day = counting_day(year, today).filter(|d| d.year() == year)?;
        let sex = (sex != "all").then_some(sex);
        Some(Self::new(FactKind::Reported, unit, day, &[("element", Some(element)), ("sex", sex)], value))
    }
}

/// Every fact a formula may count, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub incidents: Vec<Fact>,
    pub children: Vec<Fact>,
    pub cases: Vec<Fact>,
    pub units: Vec<Fact>,
    pub reported: Vec<Fact>,
    pub fund: Vec<Fact>,
    pub households: Vec<Fact>,
}

impl Facts {
    pub fn of(&self, kind: FactKind) -> &[Fact] {
        match kind {
            FactKind::Incidents => &self.incidents,
            FactKind::Children => &self.children,
            FactKind::Cases => &self.cases,
            FactKind::Units => &self.units,
            FactKind::Reported => &self.reported,
            FactKind::Fund => &self.fund,
            FactKind::Households => &self.households,
        }
    }

    /// Keeps the facts for which `keep` holds, of every kind.
    pub fn retain(&mut self, mut keep: impl FnMut(&Fact) -> bool) {
        self.incidents.retain(&mut keep);
        self.children.retain(&mut keep);
        self.cases.retain(&mut keep);
        self.units.retain(&mut keep);
        self.reported.retain(&mut keep);
        self.fund.retain(&mut keep);
        self.households.retain(&mut keep);
    }

    pub fn len(&self) -> usize {
        self.incidents.len()
            + self.children.len()
            + self.cases.len()
            + self.units.len()
            + self.reported.len()
            + self.fund.len()
            + self.households.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A child of the register as the yearly counts need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRecord {
    pub id: i64,
    pub unit: UnitId,
    pub birth_date: time::Date,
    pub female: bool,
    pub disability: bool,
    pub household: Option<i64>,
    /// Periods in any special circumstance (Law on Children Art. 10).
    pub circumstances: Vec<CircumstancePeriod>,
}

/// A period in one group of special circumstances: first day, last day if ended, and the
/// sensitive class of the group (`register::group_sensitivity`): a reader who does not
/// see that class counts the child as if the period had never been recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CircumstancePeriod {
    pub began: time::Date,
    pub ended: Option<time::Date>,
    pub class: Option<SensitiveKind>,
}

impl CircumstancePeriod {
    /// A period in the group `code` (a … o, `dd` for đ).
    pub fn of_group(code: &str, began: time::Date, ended: Option<time::Date>) -> Self {
        Self { began, ended, class: crate::register::group_sensitivity(code) }
    }
}

/// The sensitive class of an incident fact (by its kind; see `IncidentKind::sensitivity`).
pub fn incident_fact_class(fact: &Fact) -> Option<SensitiveKind> {
    let code = usize::from(fact.codes[0]);
    code.checked_sub(1).and_then(|i| IncidentKind::ALL.get(i)).and_then(|k| k.sensitivity())
}

/// The day a year's children are counted: its last day, or `today` for the current year.
pub fn counting_day(year: i32, today: time::Date) -> Option<time::Date> {
    let last = time::Date::from_calendar_date(year, time::Month::December, 31).ok()?;
    Some(last.min(today))
}

/// Whole years of age on `day`.
pub fn age_on(birth: time::Date, day: time::Date) -> i32 {
    let mut age = day.year() - birth.year();
    if (day.month() as u8, day.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age
}

/// Codes a child of the register as the yearly counts see it: what [`child_facts`]
/// counts and what the drill-down lists come from the same rules.
pub struct ChildCoder {
    sex: [u8; 2],
    bands: [u8; 3],
    yes_no: [[u8; 2]; 2],
    poverty: [u8; 3],
}

impl Default for ChildCoder {
    fn default() -> Self {
        Self::new()
    }
}

impl ChildCoder {
    pub fn new() -> Self {
        let code = |field: usize, v: &str| value_code(FactKind::Children, field, v).unwrap_or(0);
        Self {
            sex: [code(0, "male"), code(0, "female")],
            bands: [code(1, AGE_BANDS[0]), code(1, AGE_BANDS[1]), code(1, AGE_BANDS[2])],
            yes_no: [[code(3, "false"), code(3, "true")], [code(4, "false"), code(4, "true")]],
            poverty: [code(2, "poor"), code(2, "near_poor"), code(2, "neither")],
        }
    }

    /// The coded fields of `c` counted in `year` on its counting `day`: none when the
    /// child is not counted then (born after the day, or 16 or older on it).
    pub fn codes(
        &self,
        c: &ChildRecord,
        poverty: &impl Fn(i64, i32) -> Option<&'static str>,
        year: i32,
        day: time::Date,
        view: Visibility,
    ) -> Option<[u8; FIELD_COUNT]> {
        if c.birth_date > day {
            return None;
        }
        let age = age_on(c.birth_date, day);
        if age >= 16 {
            return None;
        }
        let mut codes = [0u8; FIELD_COUNT];
        codes[0] = self.sex[usize::from(c.female)];
        codes[1] = self.bands[if age <= 5 {
            0
        } else if age <= 10 {
            1
        } else {
            2
        }];
        codes[2] = c.household.and_then(|h| poverty(h, year)).map_or(0, |p| match p {
            "poor" => self.poverty[0],
            "near_poor" => self.poverty[1],
            "neither" => self.poverty[2],
            _ => 0,
        });
        let special = c.circumstances.iter().any(|p| view.sees(p.class) && p.began <= day && p.ended.is_none_or(|t| day <= t));
        codes[3] = self.yes_no[0][usize::from(special)];
        codes[4] = self.yes_no[1][usize::from(c.disability)];
        Some(codes)
    }
}

/// The years of `years` with their counting day (the current year's is `today`; years after it have none).
pub fn counting_days(years: std::ops::RangeInclusive<i32>, today: time::Date) -> Vec<(i32, time::Date)> {
    years.filter_map(|y| counting_day(y, today).map(|d| (y, d))).filter(|(y, d)| d.year() == *y).collect()
}

/// Groups the register into yearly child facts: every child under 16 on the counting
/// day of each year of `years` (born on or before it), coded by sex, age band, the
/// household's poverty status that year (`poverty(household, year)`), special
/// circumstances on that day (those of the classes `view` sees) and disability.
pub fn child_facts(
    children: &[ChildRecord],
    poverty: impl Fn(i64, i32) -> Option<&'static str>,
    years: std::ops::RangeInclusive<i32>,
    today: time::Date,
    view: Visibility,
) -> Vec<Fact> {
    let coder = ChildCoder::new();
    let mut groups: std::collections::HashMap<(UnitId, i32, [u8; FIELD_COUNT]), i64> = std::collections::HashMap::new();
    let days = counting_days(years, today);
    for c in children {
        for &(year, day) in &days {
            if let Some(codes) = coder.codes(c, &poverty, year, day, view) {
                *groups.entry((c.unit, year, codes)).or_default() += 1;
            }
        }
    }
    let day_of: BTreeMap<i32, time::Date> = days.into_iter().collect();
    let mut out: Vec<Fact> =
        groups.into_iter().filter_map(|((unit, year, codes), count)| Some(Fact { unit, day: *day_of.get(&year)?, codes, count })).collect();
    out.sort_by_key(|f| (f.day, f.unit, f.codes));
    out
}

/// A household of the register as the yearly counts need it: its unit (a household's
/// unit does not change: its code is unique within it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HouseholdEntry {
    pub id: i64,
    pub unit: UnitId,
}

/// The code of a poverty status as a household fact holds it (0: none recorded).
pub fn household_codes(poverty: Option<&str>) -> [u8; FIELD_COUNT] {
    let mut codes = [0u8; FIELD_COUNT];
    codes[0] = poverty.and_then(|p| value_code(FactKind::Households, 0, p)).unwrap_or(0);
    codes
}

/// The household facts of `years`: every household of the register on the counting day
/// of each year (31 December, or `today` for the current year) from the day its unit
/// came into being, at that unit, coded by its poverty status that year
/// (`poverty(household, year)`; none recorded is no value), one count each, grouped by
/// unit, day and status and sorted. A household has no dates of its own in the register:
/// the register is read as a description of the province's households, so one is counted
/// in every year its unit existed or its successors exist (a household of a commune
/// dissolved in 2025 is counted after, carried onto the new map; one recorded on a 2025
/// commune is not counted before 1 July 2025), those of a year with no status recorded
/// included. A unit not in `catalog` is counted in every year.
pub fn household_facts(
    catalog: &UnitCatalog,
    households: &[HouseholdEntry],
    poverty: impl Fn(i64, i32) -> Option<&'static str>,
    years: std::ops::RangeInclusive<i32>,
    today: time::Date,
) -> Vec<Fact> {
    let days = counting_days(years, today);
    let mut groups: std::collections::HashMap<(UnitId, time::Date, [u8; FIELD_COUNT]), i64> = std::collections::HashMap::new();
    for h in households {
        let from = catalog.get(h.unit).map(|u| u.validity.from);
        for &(year, day) in days.iter().filter(|(_, day)| from.is_none_or(|f| f <= *day)) {
            *groups.entry((h.unit, day, household_codes(poverty(h.id, year)))).or_default() += 1;
        }
    }
    let mut out: Vec<Fact> = groups.into_iter().map(|((unit, day, codes), count)| Fact { unit, day, codes, count }).collect();
    out.sort_by_key(|f| (f.day, f.unit, f.codes));
    out
}

/// One dated status of a unit, as unit facts need it: (unit, status, first day, last day).
pub type UnitStatusSpan<'a> = (UnitId, &'a str, time::Date, Option<time::Date>);

/// The unit facts of `years`: every unit existing on the year's counting day (31
/// December, or `today` for the current year), one fact each, with its level and
/// whether it holds each status of [`UNIT_FIELDS`] on that day. Sorted by day and unit.
pub fn unit_facts(
    catalog: &UnitCatalog,
    statuses: &[UnitStatusSpan<'_>],
    years: std::ops::RangeInclusive<i32>,
    today: time::Date,
) -> Vec<Fact> {
    let mut held: std::collections::HashMap<UnitId, Vec<&UnitStatusSpan<'_>>> = std::collections::HashMap::new();
    for span in statuses {
        held.entry(span.0).or_default().push(span);
    }
    let mut out = Vec::new();
    for year in years {
        let Some(day) = counting_day(year, today) else { continue };
        for u in catalog.units().iter().filter(|u| u.validity.contains(day)) {
            let statuses = held.get(&u.id).map(Vec::as_slice).unwrap_or_default();
            let holds = |kind: &str| statuses.iter().any(|(_, k, from, to)| *k == kind && *from <= day && to.is_none_or(|t| day <= t));
            let flags: Vec<String> = UNIT_FIELDS[1..].iter().map(|(status, _)| holds(status).to_string()).collect();
            let mut fields = vec![("level", Some(u.level.as_str()))];
            fields.extend(UNIT_FIELDS[1..].iter().zip(&flags).map(|((status, _), v)| (*status, Some(v.as_str()))));
            out.push(Fact::new(FactKind::Units, u.id, day, &fields, 1));
        }
    }
    out.sort_by_key(|f| (f.day, f.unit));
    out
}

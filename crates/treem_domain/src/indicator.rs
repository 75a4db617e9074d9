//! Indicators as data: a catalogue entry with the metadata shape of Circular 13/2021
//! and a formula in a small language, parsed and checked before use.
//!
//! ```text
//! formula := term [ "/" term ]                a count or sum, or a ratio shown in percent
//! term    := ( "count" | "sum" ) "(" fact [ "where" cond { "and" cond } ] ")"
//! fact    := "incidents" | "children" | "cases"          counted: count(…)
//!          | "reported" | "fund"                         summed:  sum(…)
//! cond    := field "=" string | field "in" "(" string { "," string } ")"
//! ```
//!
//! `incidents` are counted in the year they occurred, with the coded fields of an
//! incident; `children` are the register's children under 16 on the last day of each
//! year (today for the current year), by sex, age band, household poverty that year,
//! special circumstances on that day and disability; `cases` are counted in the year
//! they were received, by state, source, urgency, risk and lateness. `reported` values
//! (aggregates agencies report, see [`crate::reported`]) are summed, by `element` and
//! `sex` (absent when the element is not reported by sex): a value for a year is a fact
//! on that year's counting day whose `count` is the value. `fund` movements of a Child
//! Protection Fund are summed in đồng on their day, by direction, source and purpose. A counted kind in `sum`, or
//! a summed one in `count`, is an error. Every error names the character position
//! (1-based) where it was found.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::incident::{AbuseForm, IncidentKind, InjuryKind, JusticeStage, Relation, Setting, SexualSubtype};
use crate::units::{UnitCatalog, UnitId, UnitLevel};

/// One catalogue entry (Circular 13/2021: code, names, concept, formula, disaggregation, period, source, agency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub concept_vi: String,
    #[serde(default)]
    pub concept_en: String,
    pub formula: String,
    /// Disaggregations the indicator is published by (unit level, sex, age band, form…).
    #[serde(default)]
    pub disaggregations: Vec<String>,
    /// year (the only period type computed so far).
    pub period: String,
    pub source: String,
    /// The responsible agency (a plan's agency id where one applies).
    pub agency: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    indicators: Vec<Indicator>,
}

/// The fields of incidents a formula may test, with their allowed values.
pub const INCIDENT_FIELDS: &[(&str, &[&str])] = &[
    ("kind", IncidentKind::CODES),
    ("abuse_form", AbuseForm::CODES),
    ("sexual_subtype", SexualSubtype::CODES),
    ("setting", Setting::CODES),
    ("relation", Relation::CODES),
    ("justice_stage", JusticeStage::CODES),
    ("injury", InjuryKind::CODES),
    ("fatal", &["true", "false"]),
];

/// The fields of a child counted in a year (see [`child_facts`]).
pub const CHILD_FIELDS: &[(&str, &[&str])] = &[
    ("sex", &["male", "female"]),
    ("age_band", AGE_BANDS),
    ("poverty", &["poor", "near_poor", "neither"]),
    ("special", &["true", "false"]),
    ("disability", &["true", "false"]),
];

/// The fields of a case counted in the year it was received.
pub const CASE_FIELDS: &[(&str, &[&str])] = &[
    (
        "state",
        &[
            "received",
            "verified",
            "initial_assessed",
            "emergency",
            "detailed_assessed",
            "plan_drafted",
            "plan_approved",
            "in_progress",
            "under_review",
            "closed",
            "closed_unfounded",
        ],
    ),
    ("source", &["hotline_111", "collaborator", "police", "school", "health_facility", "child_or_family", "other"]),
    ("urgent", &["true", "false"]),
    ("risk", &["low", "medium", "high"]),
    // Some step's task was done after its due time, or is still open past it.
    ("late", &["true", "false"]),
];

/// Age bands of children counted (ages in whole years on the counting day).
pub const AGE_BANDS: &[&str] = &["0-5", "6-10", "11-15"];

/// The fields of a reported value: the bundled data elements' codes, and sex (absent
/// when the element is not reported by sex). The element list is bundled data, read once.
pub fn reported_fields() -> &'static [(&'static str, &'static [&'static str])] {
    static FIELDS: std::sync::OnceLock<[(&'static str, &'static [&'static str]); 2]> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| [("element", crate::reported::element_codes()), ("sex", &["male", "female"])])
}

/// The fields of a fund movement (see [`crate::fund`]).
pub const FUND_FIELDS: &[(&str, &[&str])] =
    &[("direction", crate::fund::DIRECTIONS), ("source", crate::fund::SOURCES), ("purpose", crate::fund::PURPOSES)];

/// What a formula counts or sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    Incidents,
    Children,
    Cases,
    /// Aggregate values reported by agencies (summed).
    Reported,
    /// Movements of a Child Protection Fund, in đồng (summed).
    Fund,
}

impl FactKind {
    pub const ALL: [FactKind; 5] = [FactKind::Incidents, FactKind::Children, FactKind::Cases, FactKind::Reported, FactKind::Fund];

    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::Incidents => "incidents",
            FactKind::Children => "children",
            FactKind::Cases => "cases",
            FactKind::Reported => "reported",
            FactKind::Fund => "fund",
        }
    }

    pub fn fields(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            FactKind::Incidents => INCIDENT_FIELDS,
            FactKind::Children => CHILD_FIELDS,
            FactKind::Cases => CASE_FIELDS,
            FactKind::Reported => reported_fields(),
            FactKind::Fund => FUND_FIELDS,
        }
    }

    /// Whether its facts hold values to be summed (`sum(…)`) rather than records to be
    /// counted (`count(…)`).
    pub fn summed(self) -> bool {
        matches!(self, FactKind::Reported | FactKind::Fund)
    }

    /// The formula word for this kind: `sum` or `count`.
    pub fn verb(self) -> &'static str {
        if self.summed() {
            "sum"
        } else {
            "count"
        }
    }
}

/// A condition: the field takes one of the values. Compiled to the field's index and
/// a bit mask of value codes, so that matching a fact is two machine operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub field: &'static str,
    pub values: Vec<String>,
    index: usize,
    mask: u64,
}

/// `count(incidents where …)`, `count(children where …)`, `sum(reported where …)`: one
/// term of a formula (a sum when its fact kind is summed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub fact: FactKind,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Formula {
    Count(Count),
    /// numerator ÷ denominator, in percent.
    Ratio(Count, Count),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormulaError {
    /// 1-based character position in the formula.
    pub position: usize,
    pub message: String,
}

impl std::fmt::Display for FormulaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at character {}: {}", self.position, self.message)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Text(String),
    Symbol(char),
    End,
}

struct Parser {
    tokens: Vec<(Token, usize)>,
    at: usize,
}

fn tokenize(text: &str) -> Result<Vec<(Token, usize)>, FormulaError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let position = i + 1;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Token::Word(chars[start..i].iter().collect()), position));
        } else if c == '"' {
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += 1;
            }
            if i == chars.len() {
                return Err(FormulaError { position, message: "this quoted value is not closed".into() });
            }
            out.push((Token::Text(chars[start..i].iter().collect()), position));
            i += 1;
        } else if "()=,/".contains(c) {
            out.push((Token::Symbol(c), position));
            i += 1;
        } else {
            return Err(FormulaError { position, message: format!("unexpected character `{c}`") });
        }
    }
    out.push((Token::End, chars.len() + 1));
    Ok(out)
}

impl Parser {
    fn peek(&self) -> &(Token, usize) {
        &self.tokens[self.at.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> (Token, usize) {
        let t = self.peek().clone();
        self.at += 1;
        t
    }

    fn fail<T>(position: usize, message: impl Into<String>) -> Result<T, FormulaError> {
        Err(FormulaError { position, message: message.into() })
    }

    fn expect_symbol(&mut self, symbol: char) -> Result<(), FormulaError> {
        match self.next() {
            (Token::Symbol(c), _) if c == symbol => Ok(()),
            (_, position) => Self::fail(position, format!("expected `{symbol}`")),
        }
    }

    fn text(&mut self, field: &str, allowed: &[&str]) -> Result<String, FormulaError> {
        match self.next() {
            (Token::Text(v), position) => {
                if allowed.contains(&v.as_str()) {
                    Ok(v)
                } else {
                    Self::fail(position, format!("`{v}` is not a value of {field}: one of {}", allowed.join(", ")))
                }
            }
            (_, position) => Self::fail(position, "expected a quoted value"),
        }
    }

    fn condition(&mut self, fact: FactKind) -> Result<Condition, FormulaError> {
        let (token, position) = self.next();
        let Token::Word(name) = token else { return Self::fail(position, "expected a field name") };
        let fields = fact.fields();
        let Some((index, (field, allowed))) = fields.iter().enumerate().find(|(_, (f, _))| *f == name) else {
            let names: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
            return Self::fail(position, format!("{} have no field `{name}`: one of {}", fact.as_str(), names.join(", ")));
        };
        let values = match self.next() {
            (Token::Symbol('='), _) => vec![self.text(field, allowed)?],
            (Token::Word(w), _) if w == "in" => {
                self.expect_symbol('(')?;
                let mut values = vec![self.text(field, allowed)?];
                while self.peek().0 == Token::Symbol(',') {
                    self.next();
                    values.push(self.text(field, allowed)?);
                }
                self.expect_symbol(')')?;
                values
            }
            (_, position) => return Self::fail(position, "expected `=` or `in`"),
        };
        let mask = values.iter().filter_map(|v| value_code(fact, index, v)).fold(0u64, |m, c| m | (1 << c));
        Ok(Condition { field, values, index, mask })
    }

    fn count(&mut self) -> Result<Count, FormulaError> {
        let (verb, verb_at) = match self.next() {
            (Token::Word(w), position) if w == "count" || w == "sum" => (w, position),
            (_, position) => return Self::fail(position, "expected `count` or `sum`"),
        };
        self.expect_symbol('(')?;
        let kinds = || FactKind::ALL.map(FactKind::as_str).join(", ");
        let fact = match self.next() {
            (Token::Word(w), position) => match FactKind::ALL.into_iter().find(|k| k.as_str() == w) {
                Some(k) => k,
                None => return Self::fail(position, format!("unknown fact `{w}`: one of {}", kinds())),
            },
            (_, position) => return Self::fail(position, format!("expected what to count or sum: one of {}", kinds())),
        };
        if fact.verb() != verb {
            let what = if fact.summed() { "values are summed" } else { "are counted" };
            let name = fact.as_str();
            let verb = fact.verb();
            return Self::fail(verb_at, format!("{name} {what}: use {verb}({name} …)"));
        }
        let mut conditions = Vec::new();
        if self.peek().0 == Token::Word("where".into()) {
            self.next();
            conditions.push(self.condition(fact)?);
            while self.peek().0 == Token::Word("and".into()) {
                self.next();
                conditions.push(self.condition(fact)?);
            }
        }
        self.expect_symbol(')')?;
        Ok(Count { fact, conditions })
    }
}

/// Parses and checks a formula.
pub fn parse_formula(text: &str) -> Result<Formula, FormulaError> {
    let mut p = Parser { tokens: tokenize(text)?, at: 0 };
    let first = p.count()?;
    let formula = if p.peek().0 == Token::Symbol('/') {
        p.next();
        Formula::Ratio(first, p.count()?)
    } else {
        Formula::Count(first)
    };
    match p.next() {
        (Token::End, _) => Ok(formula),
        (_, position) => Parser::fail(position, "unexpected text after the formula"),
    }
}

/// The code of a field's value: 1 + its place in the field's list; 0 is "absent".
fn value_code(fact: FactKind, field: usize, value: &str) -> Option<u8> {
    let (_, allowed) = fact.fields().get(field)?;
    allowed.iter().position(|a| *a == value).and_then(|p| u8::try_from(p + 1).ok())
}

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

impl Count {
    /// This count restricted to facts whose `field` is `value`; none when its fact kind
    /// has no such field or value.
    pub fn restricted(&self, field: &str, value: &str) -> Option<Count> {
        let (index, (name, _)) = self.fact.fields().iter().enumerate().find(|(_, (f, _))| *f == field)?;
        let code = value_code(self.fact, index, value)?;
        let mut out = self.clone();
        out.conditions.push(Condition { field: name, values: vec![value.to_owned()], index, mask: 1 << code });
        Some(out)
    }
}

impl Formula {
    /// The formula over the facts whose `field` is `value` (numerator and denominator
    /// alike: a share among girls, not girls' share of everyone).
    pub fn restricted(&self, field: &str, value: &str) -> Option<Formula> {
        Some(match self {
            Formula::Count(c) => Formula::Count(c.restricted(field, value)?),
            Formula::Ratio(n, d) => Formula::Ratio(n.restricted(field, value)?, d.restricted(field, value)?),
        })
    }

    /// The fields the formula may be broken down by: those its indicator publishes
    /// (`disaggregations`) that every count of it has, with their values.
    pub fn disaggregations(&self, published: &[String]) -> Vec<(&'static str, &'static [&'static str])> {
        let counts: Vec<&Count> = match self {
            Formula::Count(c) => vec![c],
            Formula::Ratio(n, d) => vec![n, d],
        };
        let Some(first) = counts.first() else { return Vec::new() };
        first
            .fact
            .fields()
            .iter()
            .filter(|(f, _)| published.iter().any(|p| p == f) && counts.iter().all(|c| c.fact.fields().iter().any(|(g, _)| g == f)))
            .copied()
            .collect()
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
    pub reported: Vec<Fact>,
    pub fund: Vec<Fact>,
}

impl Facts {
    pub fn of(&self, kind: FactKind) -> &[Fact] {
        match kind {
            FactKind::Incidents => &self.incidents,
            FactKind::Children => &self.children,
            FactKind::Cases => &self.cases,
            FactKind::Reported => &self.reported,
            FactKind::Fund => &self.fund,
        }
    }

    /// Keeps the facts for which `keep` holds, of every kind.
    pub fn retain(&mut self, mut keep: impl FnMut(&Fact) -> bool) {
        self.incidents.retain(&mut keep);
        self.children.retain(&mut keep);
        self.cases.retain(&mut keep);
        self.reported.retain(&mut keep);
        self.fund.retain(&mut keep);
    }

    pub fn len(&self) -> usize {
        self.incidents.len() + self.children.len() + self.cases.len() + self.reported.len() + self.fund.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Count {
    pub fn matches(&self, fact: &Fact) -> bool {
        self.conditions.iter().all(|c| c.mask & (1u64 << fact.codes[c.index]) != 0)
    }

    /// A text naming what this count counts (the same for equal counts), for memos.
    pub fn key(&self) -> String {
        let mut out = self.fact.as_str().to_owned();
        for c in &self.conditions {
            out.push_str(&format!(";{}={}", c.field, c.values.join(",")));
        }
        out
    }

    /// The count by year, over the facts of this count's kind.
    pub fn by_year(&self, facts: &Facts) -> BTreeMap<i32, i64> {
        let mut out = BTreeMap::new();
        for f in facts.of(self.fact).iter().filter(|f| self.matches(f)) {
            *out.entry(f.day.year()).or_default() += f.count;
        }
        out
    }
}

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
    let commune = commune_of(catalog, unit, day);
    let moved = catalog.reaggregate(&BTreeMap::from([(commune, 1_000_000)]), map_on, None);
    catalog.roll_up(&moved.counts, map_on).get(&target).is_some_and(|n| *n > 0)
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

/// A child of the register as the yearly counts need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRecord {
    pub id: i64,
    pub unit: UnitId,
    pub birth_date: time::Date,
    pub female: bool,
    pub disability: bool,
    pub household: Option<i64>,
    /// Periods in any special circumstance (Law on Children Art. 10): first day, last day if ended.
    pub circumstances: Vec<(time::Date, Option<time::Date>)>,
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

/// Groups the register into yearly child facts: every child under 16 on the counting
/// day of each year of `years` (born on or before it), coded by sex, age band, the
/// household's poverty status that year (`poverty(household, year)`), special
/// circumstances on that day and disability.
pub fn child_facts(
    children: &[ChildRecord],
    poverty: impl Fn(i64, i32) -> Option<&'static str>,
    years: std::ops::RangeInclusive<i32>,
    today: time::Date,
) -> Vec<Fact> {
    let code = |field: usize, v: &str| value_code(FactKind::Children, field, v).unwrap_or(0);
    let sex = [code(0, "male"), code(0, "female")];
    let bands = [code(1, AGE_BANDS[0]), code(1, AGE_BANDS[1]), code(1, AGE_BANDS[2])];
    let yes_no = |field: usize, b: bool| code(field, if b { "true" } else { "false" });
    let mut groups: std::collections::HashMap<(UnitId, i32, [u8; FIELD_COUNT]), i64> = std::collections::HashMap::new();
    let days: Vec<(i32, time::Date)> =
        years.filter_map(|y| counting_day(y, today).map(|d| (y, d))).filter(|(y, d)| d.year() == *y).collect();
    for c in children {
        let mut codes = [0u8; FIELD_COUNT];
        codes[0] = if c.female { sex[1] } else { sex[0] };
        codes[4] = yes_no(4, c.disability);
        for &(year, day) in &days {
            if c.birth_date > day {
                continue;
            }
            let age = age_on(c.birth_date, day);
            if age >= 16 {
                continue;
            }
            codes[1] = bands[if age <= 5 {
                0
            } else if age <= 10 {
                1
            } else {
                2
            }];
            codes[2] = c.household.and_then(|h| poverty(h, year)).map_or(0, |p| code(2, p));
            codes[3] = yes_no(3, c.circumstances.iter().any(|(from, to)| *from <= day && to.is_none_or(|t| day <= t)));
            *groups.entry((c.unit, year, codes)).or_default() += 1;
        }
    }
    let day_of: BTreeMap<i32, time::Date> = days.into_iter().collect();
    let mut out: Vec<Fact> =
        groups.into_iter().filter_map(|((unit, year, codes), count)| Some(Fact { unit, day: *day_of.get(&year)?, codes, count })).collect();
    out.sort_by_key(|f| (f.day, f.unit, f.codes));
    out
}

/// `num ÷ den` in hundredths of a percent, rounded half up; none when `den` is 0.
pub fn percent_hundredths(num: i64, den: i64) -> Option<i64> {
    (den != 0).then(|| (i128::from(num) * 10_000 + i128::from(den) / 2) / i128::from(den)).and_then(|v| i64::try_from(v).ok())
}

/// A value of an indicator for one year: a count, or a percentage in hundredths; none
/// when a ratio's denominator is zero ("no data", never infinity).
pub fn yearly_values(formula: &Formula, facts: &Facts, years: std::ops::RangeInclusive<i32>) -> Vec<(i32, Option<i64>)> {
    yearly_values_from(formula, years, |c| c.by_year(facts))
}

/// [`yearly_values`] from counts by year that `by_year` gives (perhaps remembered).
pub fn yearly_values_from(
    formula: &Formula,
    years: std::ops::RangeInclusive<i32>,
    mut by_year: impl FnMut(&Count) -> BTreeMap<i32, i64>,
) -> Vec<(i32, Option<i64>)> {
    match formula {
        Formula::Count(c) => {
            let counts = by_year(c);
            years.map(|y| (y, Some(counts.get(&y).copied().unwrap_or(0)))).collect()
        }
        Formula::Ratio(n, d) => {
            let (num, den) = (by_year(n), by_year(d));
            years
                .map(|y| {
                    let (a, b) = (num.get(&y).copied().unwrap_or(0), den.get(&y).copied().unwrap_or(0));
                    (y, percent_hundredths(a, b))
                })
                .collect()
        }
    }
}

/// A value as published to the public: small counts are suppressed so that no child
/// can be recognised in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum PublicValue {
    /// A count, or a percentage in hundredths for a ratio.
    Shown(i64),
    /// A count from 1 to 9, or a ratio built on one.
    Suppressed,
    /// A ratio whose denominator is zero.
    NoData,
}

/// The smallest count published; 1 to `PUBLIC_MIN - 1` is suppressed (0 is shown).
pub const PUBLIC_MIN: i64 = 10;

fn small(n: i64) -> bool {
    (1..PUBLIC_MIN).contains(&n)
}

/// [`yearly_values`] for the public: a count from 1 to 9 is suppressed, and so is a
/// ratio whose numerator or denominator is (the ratio would give the count away).
pub fn public_yearly_values(formula: &Formula, facts: &Facts, years: std::ops::RangeInclusive<i32>) -> Vec<(i32, PublicValue)> {
    match formula {
        Formula::Count(c) => {
            let counts = c.by_year(facts);
            years
                .map(|y| {
                    let n = counts.get(&y).copied().unwrap_or(0);
                    (y, if small(n) { PublicValue::Suppressed } else { PublicValue::Shown(n) })
                })
                .collect()
        }
        Formula::Ratio(n, d) => {
            let (num, den) = (n.by_year(facts), d.by_year(facts));
            let values = yearly_values(formula, facts, years);
            values
                .into_iter()
                .map(|(y, v)| {
                    let (a, b) = (num.get(&y).copied().unwrap_or(0), den.get(&y).copied().unwrap_or(0));
                    let shown = match v {
                        _ if small(a) || small(b) => PublicValue::Suppressed,
                        Some(v) => PublicValue::Shown(v),
                        None => PublicValue::NoData,
                    };
                    (y, shown)
                })
                .collect()
        }
    }
}

/// Reads and checks a catalogue file: every formula parses, codes are unique. Each
/// problem names the indicator and, for formulas, the position.
pub fn parse_catalogue(file: &str, text: &str) -> Result<Vec<(Indicator, Formula)>, Vec<String>> {
    let parsed: CatalogueFile = toml::from_str(text).map_err(|e| vec![format!("{file}: {}", e.message())])?;
    let mut errors = Vec::new();
    let mut out: Vec<(Indicator, Formula)> = Vec::new();
    for i in parsed.indicators {
        if out.iter().any(|(o, _)| o.code == i.code) {
            errors.push(format!("{file}: indicators[{}].code: used twice", i.code));
            continue;
        }
        if i.period != "year" {
            errors.push(format!("{file}: indicators[{}].period: only `year` is computed", i.code));
        }
        match parse_formula(&i.formula) {
            Ok(f) => out.push((i, f)),
            Err(e) => errors.push(format!("{file}: indicators[{}].formula {e}", i.code)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(fields: &[(&'static str, &str)], year: i32, count: i64) -> IncidentFact {
        let named: Vec<(&str, Option<&str>)> = fields.iter().map(|(k, v)| (*k, Some(*v))).collect();
        Fact::new(FactKind::Incidents, UnitId(1), time::Date::from_calendar_date(year, time::Month::May, 1).unwrap(), &named, count)
    }

    fn incidents(list: Vec<Fact>) -> Facts {
        Facts { incidents: list, ..Default::default() }
    }

    #[test]
    fn children_are_counted_under_16_on_each_years_counting_day() {
        let d = |y, m, day| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap();
        let child = |born, sex: &str, household, circumstances| ChildRecord {
            id: 0,
            unit: UnitId(7),
            birth_date: born,
            female: sex == "female",
            disability: false,
            household,
            circumstances,
        };
        let children = [
            // Turns 16 on 2013-06-01: counted in 2012 only.
            child(d(1997, 6, 1), "female", Some(1), vec![]),
            // Born mid-2013: counted from 2013, aged 0.
            child(d(2013, 7, 1), "male", Some(2), vec![(d(2013, 12, 1), Some(d(2014, 1, 31)))]),
            child(d(2005, 1, 1), "male", None, vec![]),
        ];
        let poverty = |h: i64, y: i32| match (h, y) {
            (1, _) => Some("poor"),
            (2, 2013) => Some("near_poor"),
            _ => None,
        };
        let today = d(2014, 3, 15);
        let facts = Facts { children: child_facts(&children, poverty, 2012..=2015, today), ..Default::default() };
        let all = parse_formula("count(children)").unwrap();
        assert_eq!(yearly_values(&all, &facts, 2012..=2015), vec![(2012, Some(2)), (2013, Some(2)), (2014, Some(2)), (2015, Some(0))]);
        let poor = parse_formula(r#"count(children where poverty = "poor") / count(children)"#).unwrap();
        assert_eq!(yearly_values(&poor, &facts, 2012..=2014), vec![(2012, Some(5000)), (2013, Some(0)), (2014, Some(0))]);
        let special = parse_formula(r#"count(children where special = "true" and age_band = "0-5" and sex = "male")"#).unwrap();
        // On 2013-12-31 the circumstance is running; on 2014-03-15 (today) it has ended.
        assert_eq!(yearly_values(&special, &facts, 2013..=2014), vec![(2013, Some(1)), (2014, Some(0))]);
        assert_eq!(facts.children.iter().find(|f| f.day.year() == 2014).map(|f| f.day), Some(today));
        assert_eq!(age_on(d(2005, 1, 1), d(2014, 12, 31)), 9);
        assert_eq!(age_on(d(2004, 3, 16), d(2014, 3, 15)), 9);
    }

    #[test]
    fn a_formula_breaks_down_by_a_published_field_and_the_parts_add_up() {
        let facts = incidents(vec![
            fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc"), ("setting", "family")], 2013, 3),
            fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc"), ("setting", "online")], 2013, 2),
            fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2013, 1),
            fact(&[("kind", "abuse"), ("abuse_form", "bao_luc"), ("setting", "family")], 2013, 5),
        ]);
        let sexual = parse_formula(r#"count(incidents where abuse_form = "xam_hai_tinh_duc")"#).unwrap();
        let published = vec!["unit".to_owned(), "setting".to_owned(), "colour".to_owned()];
        let fields: Vec<&str> = sexual.disaggregations(&published).iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["setting"]);
        let by = |v: &str| yearly_values(&sexual.restricted("setting", v).unwrap(), &facts, 2013..=2013)[0].1;
        assert_eq!((by("family"), by("online"), by("school")), (Some(3), Some(2), Some(0)));
        // 1 incident has no setting recorded: 3 + 2 + 0 + 0 = 5 of 6.
        let share =
            parse_formula(r#"count(incidents where abuse_form = "xam_hai_tinh_duc") / count(incidents where kind = "abuse")"#).unwrap();
        // Among family incidents, 3 of 8 are sexual: the denominator is restricted too.
        assert_eq!(yearly_values(&share.restricted("setting", "family").unwrap(), &facts, 2013..=2013)[0].1, Some(3750));
        assert!(sexual.restricted("sex", "female").is_none());
        assert!(sexual.restricted("setting", "moon").is_none());
    }

    #[test]
    fn case_fields_are_the_case_codes() {
        let states: Vec<&str> = crate::case::CaseState::ALL.iter().map(|s| s.as_str()).collect();
        let sources: Vec<&str> = crate::case::CaseSource::ALL.iter().map(|s| s.as_str()).collect();
        let risks: Vec<&str> = crate::case::RiskLevel::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(CASE_FIELDS[0].1, states.as_slice());
        assert_eq!(CASE_FIELDS[1].1, sources.as_slice());
        assert_eq!(CASE_FIELDS[3].1, risks.as_slice());
    }

    #[test]
    fn every_field_fits_the_codes() {
        for kind in FactKind::ALL {
            assert!(kind.fields().len() <= FIELD_COUNT);
            assert!(kind.fields().iter().all(|(_, values)| values.len() < 63), "a value mask is 64 bits");
        }
    }

    #[test]
    fn formulas_parse_and_count() {
        let f = parse_formula(r#"count(incidents where kind = "abuse" and abuse_form in ("xam_hai_tinh_duc", "mua_ban"))"#).unwrap();
        let facts = incidents(vec![
            fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2013, 3),
            fact(&[("kind", "abuse"), ("abuse_form", "mua_ban")], 2013, 1),
            fact(&[("kind", "abuse"), ("abuse_form", "bao_luc")], 2013, 7),
            fact(&[("kind", "accident"), ("injury", "drowning")], 2014, 2),
        ]);
        assert_eq!(yearly_values(&f, &facts, 2013..=2014), vec![(2013, Some(4)), (2014, Some(0))]);
        let share =
            parse_formula(r#"count(incidents where abuse_form = "xam_hai_tinh_duc") / count(incidents where kind = "abuse")"#).unwrap();
        // 3 of 11 = 27.27 %; no abuse at all in 2014 is "no data", not a division by zero.
        assert_eq!(yearly_values(&share, &facts, 2013..=2014), vec![(2013, Some(2727)), (2014, None)]);
        assert_eq!(yearly_values(&parse_formula("count(incidents)").unwrap(), &facts, 2014..=2014), vec![(2014, Some(2))]);
    }

    #[test]
    fn public_values_suppress_small_counts_and_ratios_built_on_them() {
        let facts = incidents(vec![
            fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2013, 3),
            fact(&[("kind", "abuse"), ("abuse_form", "bao_luc")], 2013, 20),
            fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2014, 12),
            fact(&[("kind", "abuse"), ("abuse_form", "bao_luc")], 2014, 12),
        ]);
        let sexual = parse_formula(r#"count(incidents where abuse_form = "xam_hai_tinh_duc")"#).unwrap();
        assert_eq!(
            public_yearly_values(&sexual, &facts, 2013..=2015),
            vec![(2013, PublicValue::Suppressed), (2014, PublicValue::Shown(12)), (2015, PublicValue::Shown(0))]
        );
        let share =
            parse_formula(r#"count(incidents where abuse_form = "xam_hai_tinh_duc") / count(incidents where kind = "abuse")"#).unwrap();
        // 2013: 3 of 23 would give the 3 away with the total; 2014: 12 of 24 = 50 %; 2015: nothing.
        assert_eq!(
            public_yearly_values(&share, &facts, 2013..=2015),
            vec![(2013, PublicValue::Suppressed), (2014, PublicValue::Shown(5000)), (2015, PublicValue::NoData)]
        );
    }

    #[test]
    fn errors_point_at_the_position() {
        let cases = [
            ("count(households)", 7, "unknown fact `households`: one of incidents, children, cases, reported, fund"),
            (r#"count(children where kind = "abuse")"#, 22, "children have no field `kind`"),
            (r#"count(incidents where colour = "red")"#, 23, "no field `colour`"),
            (r#"count(incidents where kind = "abus")"#, 30, "`abus` is not a value of kind"),
            (r#"count(incidents where kind = "abuse""#, 37, "expected `)`"),
            (r#"count(incidents where kind = "abuse)"#, 30, "not closed"),
            ("count(incidents) * 2", 18, "unexpected character `*`"),
            ("count(incidents) count(incidents)", 18, "unexpected text"),
            ("sum(incidents)", 1, "incidents are counted: use count(incidents …)"),
            ("count(reported)", 1, "reported values are summed: use sum(reported …)"),
            (r#"count(incidents) / sum(reported where colour = "x")"#, 39, "reported have no field `colour`: one of element, sex"),
            (r#"sum(reported where element = "apples")"#, 30, "`apples` is not a value of element: one of children_under6"),
            (r#"sum(reported where sex = "all")"#, 26, "`all` is not a value of sex"),
            ("total(reported)", 1, "expected `count` or `sum`"),
            ("", 1, "expected `count` or `sum`"),
        ];
        for (text, position, message) in cases {
            let e = parse_formula(text).unwrap_err();
            assert_eq!(e.position, position, "{text}: {e}");
            assert!(e.message.contains(message), "{text}: {e}");
        }
    }

    #[test]
    fn reported_values_are_summed_on_the_years_counting_day() {
        let d = |y, m, day| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap();
        let today = d(2026, 3, 1);
        let value = |element: &str, sex: &str, year: i32, v: i64| Fact::of_reported(element, sex, UnitId(3), year, v, today).unwrap();
        let facts = Facts {
            reported: vec![
                value("children_under6_health_insurance", "male", 2025, 900),
                value("children_under6_health_insurance", "female", 2025, 850),
                value("children_under6", "male", 2025, 1000),
                value("children_under6", "female", 2025, 1000),
                value("preschool_investment_pilot_communes", "all", 2025, 2_500_000_000),
                value("children_under6", "male", 2026, 10),
            ],
            ..Default::default()
        };
        assert_eq!(facts.reported[0].day, d(2025, 12, 31));
        assert_eq!(facts.reported[5].day, today);
        assert!(Fact::of_reported("children_under6", "male", UnitId(3), 2027, 1, today).is_none());
        let share = parse_formula(
            r#"sum(reported where element = "children_under6_health_insurance") / sum(reported where element = "children_under6")"#,
        )
        .unwrap();
        // 1,750 of 2,000 = 87.5 %; girls alone 850 of 1,000.
        assert_eq!(yearly_values(&share, &facts, 2025..=2025), vec![(2025, Some(8750))]);
        assert_eq!(yearly_values(&share.restricted("sex", "female").unwrap(), &facts, 2025..=2025), vec![(2025, Some(8500))]);
        let money = parse_formula(r#"sum(reported where element = "preschool_investment_pilot_communes")"#).unwrap();
        assert_eq!(yearly_values(&money, &facts, 2024..=2025), vec![(2024, Some(0)), (2025, Some(2_500_000_000))]);
        let fields: Vec<&str> = share.disaggregations(&["sex".to_owned(), "age_band".to_owned()]).iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, vec!["sex"]);
        // A ratio of a count by a sum is allowed (children in the register per reported birth, say).
        assert!(parse_formula(r#"count(children) / sum(reported where element = "births_registered")"#).is_ok());
    }

    #[test]
    fn the_bundled_catalogue_is_valid() {
        let list = parse_catalogue("indicators.toml", crate::bundled::INDICATORS).unwrap_or_else(|e| panic!("{e:?}"));
        assert!(list.len() >= 5);
        let bad = "[[indicators]]\ncode = \"X\"\nname_vi = \"x\"\nname_en = \"x\"\nconcept_vi = \"x\"\nformula = \"count(incidents where kind = 1)\"\nperiod = \"month\"\nsource = \"x\"\nagency = \"A1\"\n";
        let errors = parse_catalogue("bad.toml", bad).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(errors[1].starts_with("bad.toml: indicators[X].formula at character 30"), "{errors:?}");
    }
}

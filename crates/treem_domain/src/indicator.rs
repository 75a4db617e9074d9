//! Indicators as data: a catalogue entry with the metadata shape of Circular 13/2021
//! and a formula in a small language, parsed and checked before use.
//!
//! ```text
//! formula := term [ "/" term ]                a count or sum, or a ratio shown in percent
//! term    := ( "count" | "sum" ) "(" fact [ "where" cond { "and" cond } ] ")"
//! fact    := "incidents" | "children" | "cases" | "units" | "households"  counted: count(…)
//!          | "reported" | "fund"                           summed:  sum(…)
//! cond    := field "=" string | field "in" "(" string { "," string } ")"
//! ```
//!
//! `incidents` are counted in the year they occurred, with the coded fields of an
//! incident; `children` are the register's children under 16 on the last day of each
//! year (today for the current year), by sex, age band, household poverty that year,
//! special circumstances on that day and disability; `cases` are counted in the year
//! they were received, by state, source, urgency, risk and lateness; `units` are the
//! administrative units existing on each year's counting day, by level and the dated
//! statuses they hold then (child-friendly, running a model); `households` are the
//! register's households on each year's counting day, at their unit, by their poverty
//! status that year (see [`household_facts`]). `reported` values
//! (aggregates agencies report, see [`crate::reported`]) are summed, by `element` and
//! `sex` (absent when the element is not reported by sex): a value for a year is a fact
//! on that year's counting day whose `count` is the value. `fund` movements of a Child
//! Protection Fund are summed in đồng on their day, by direction, source and purpose. A counted kind in `sum`, or
//! a summed one in `count`, is an error. Every error names the character position
//! (1-based) where it was found.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::access::{SensitiveKind, Visibility};
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
    // The same, for the steps of one stage (see `CASE_STAGES`).
    ("late_verify", &["true", "false"]),
    ("late_assessment", &["true", "false"]),
    ("late_plan", &["true", "false"]),
];

/// The stages whose timeliness a case fact carries: (field, the task kinds of the
/// stage). Each task's deadline and its source are `case::DEADLINES`: verification is
/// due within a local default of working days, or within the 12 hours of Decree 56
/// Art. 26(3) when the report is urgent; assessment covers the initial and detailed
/// assessments and the emergency intervention (Art. 26(3)); planning covers drafting
/// (Art. 28(1)), approving (the procedure sheet) and starting the plan.
pub const CASE_STAGES: &[(&str, &[&str])] = &[
    ("late_verify", &["verify"]),
    ("late_assessment", &["initial_assessment", "emergency_intervention", "detailed_assessment"]),
    ("late_plan", &["draft_plan", "approve_plan", "start_plan"]),
];

/// The fields of an administrative unit counted on a year's counting day: its level and
/// whether it holds each dated status then (the statuses of `plan::UNIT_STATUSES`).
pub const UNIT_FIELDS: &[(&str, &[&str])] = &[
    ("level", &["province", "district", "commune", "hamlet"]),
    ("child_friendly", &["true", "false"]),
    ("community_based_protection", &["true", "false"]),
    ("juvenile_diversion_pilot", &["true", "false"]),
];

/// The fields of a household counted on a year's counting day: its poverty status that
/// year (absent when none was recorded for the year).
pub const HOUSEHOLD_FIELDS: &[(&str, &[&str])] = &[("poverty", &["poor", "near_poor", "neither"])];

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
    Units,
    /// Aggregate values reported by agencies (summed).
    Reported,
    /// Movements of a Child Protection Fund, in đồng (summed).
    Fund,
    /// The register's households on each year's counting day.
    Households,
}

impl FactKind {
    pub const ALL: [FactKind; 7] = [
        FactKind::Incidents,
        FactKind::Children,
        FactKind::Cases,
        FactKind::Units,
        FactKind::Reported,
        FactKind::Fund,
        FactKind::Households,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::Incidents => "incidents",
            FactKind::Children => "children",
            FactKind::Cases => "cases",
            FactKind::Units => "units",
            FactKind::Reported => "reported",
            FactKind::Fund => "fund",
            FactKind::Households => "households",
        }
    }

    pub fn fields(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            FactKind::Incidents => INCIDENT_FIELDS,
            FactKind::Children => CHILD_FIELDS,
            FactKind::Cases => CASE_FIELDS,
            FactKind::Units => UNIT_FIELDS,
            FactKind::Reported => reported_fields(),
            FactKind::Fund => FUND_FIELDS,
            FactKind::Households => HOUSEHOLD_FIELDS,
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

    /// The names of every field the formula's counts share.
    pub fn fields_of_every_count(&self) -> Vec<String> {
        self.disaggregations(&FactKind::ALL.iter().flat_map(|k| k.fields().iter().map(|(f, _)| (*f).to_owned())).collect::<Vec<_>>())
            .iter()
            .map(|(f, _)| (*f).to_owned())
            .collect()
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum PublicValue {
    /// A count, or a percentage in hundredths for a ratio.
    Shown(i64),
    /// A count from 1 to 9, or a ratio built on one.
    Suppressed,
    /// A ratio whose denominator is zero.
    NoData,
    /// Not in that year's release (the indicator was made public after it).
    NotReleased,
}

/// One closed year of a plan's public statistics as published: each public indicator's
/// value, computed once when the year is first published and kept so (two readings of
/// the public figures never differ by one new record).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicRelease {
    pub values: BTreeMap<String, PublicValue>,
}

/// The years of `from..=to` whose public statistics may be published on `today`: the
/// closed ones (a year is published from the day after it ends), never the open year.
pub fn releasable_years(from: i32, to: i32, today: time::Date) -> std::ops::RangeInclusive<i32> {
    from..=to.min(today.year() - 1)
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

/// The public values of several indicators published side by side (a plan's public
/// statistics), with **complementary suppression**: besides each count from 1 to 9, a
/// count is suppressed in a year when another published count holds all of its records
/// that year and the two differ by 1 to 9 (the difference would count those few
/// children: 15 abuse cases next to 12 sexual-abuse cases give 3 others away). The
/// smaller, contained count is the one withheld; a ratio is withheld when a count it is
/// built on is. Containment is read from the facts themselves (every record the smaller
/// count matches, the larger matches too), so it holds however the formulas are
/// written. Known limit: only differences of two counts are checked, not sums of three
/// or more (docs/PLANS.md).
pub fn public_values_together(formulas: &[&Formula], facts: &Facts, years: std::ops::RangeInclusive<i32>) -> Vec<Vec<(i32, PublicValue)>> {
    let counts_of = |f: &Formula| -> Vec<Count> {
        match f {
            Formula::Count(c) => vec![c.clone()],
            Formula::Ratio(n, d) => vec![n.clone(), d.clone()],
        }
    };
    let mut counts: Vec<Count> = Vec::new();
    for c in formulas.iter().flat_map(|f| counts_of(f)) {
        if !counts.iter().any(|o| o.key() == c.key()) {
            counts.push(c);
        }
    }
    let by_year: Vec<BTreeMap<i32, i64>> = counts.iter().map(|c| c.by_year(facts)).collect();
    let value = |i: usize, y: i32| by_year[i].get(&y).copied().unwrap_or(0);
    // withheld[(count index, year)]: a small count, or a contained one a small difference away.
    let mut withheld: std::collections::HashSet<(usize, i32)> = std::collections::HashSet::new();
    for (i, _) in counts.iter().enumerate() {
        for y in years.clone() {
            if small(value(i, y)) {
                withheld.insert((i, y));
            }
        }
    }
    for (a, small_count) in counts.iter().enumerate() {
        for (b, large) in counts.iter().enumerate() {
            if a == b || small_count.fact != large.fact {
                continue;
            }
            // The years in which some record of `a` is not one of `b`.
            let mut escapes: std::collections::HashSet<i32> = std::collections::HashSet::new();
            for f in facts.of(small_count.fact) {
                if small_count.matches(f) && !large.matches(f) {
                    escapes.insert(f.day.year());
                }
            }
            for y in years.clone() {
                let (n, m) = (value(a, y), value(b, y));
                if !escapes.contains(&y) && small(m - n) {
                    withheld.insert((a, y));
                }
            }
        }
    }
    let index = |c: &Count| counts.iter().position(|o| o.key() == c.key()).unwrap_or(0);
    formulas
        .iter()
        .map(|f| {
            years
                .clone()
                .map(|y| {
                    let hidden = counts_of(f).iter().any(|c| withheld.contains(&(index(c), y)));
                    let shown = match (f, hidden) {
                        (_, true) => PublicValue::Suppressed,
                        (Formula::Count(c), false) => PublicValue::Shown(value(index(c), y)),
                        (Formula::Ratio(n, d), false) => match percent_hundredths(value(index(n), y), value(index(d), y)) {
                            Some(v) => PublicValue::Shown(v),
                            None => PublicValue::NoData,
                        },
                    };
                    (y, shown)
                })
                .collect()
        })
        .collect()
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

/// Whether `code` is an indicator code: lowercase dotted words (`incidents.sexual_abuse`),
/// each a letter then letters, digits or `_`, at least two words, at most 64 characters.
pub fn valid_code(code: &str) -> bool {
    let words: Vec<&str> = code.split('.').collect();
    code.len() <= 64
        && words.len() >= 2
        && words.iter().all(|w| {
            let mut chars = w.chars();
            chars.next().is_some_and(|c| c.is_ascii_lowercase()) && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

/// Checks an indicator definition typed by a person: the code's syntax, the names, the
/// period, the formula (an error names its character position), the disaggregations (the
/// formula's fields, or `unit`) and the one-line texts. Returns the definition with its
/// texts cleaned (NFC, whitespace collapsed) and the parsed formula, or every problem
/// by field.
pub fn check_definition(i: &Indicator) -> Result<(Indicator, Formula), Vec<(String, String)>> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut line = |field: &str, value: &str, max: usize, required: bool| -> String {
        if value.trim().is_empty() {
            if required {
                problems.push((field.to_owned(), "required".to_owned()));
            }
            return String::new();
        }
        match crate::text::clean_line(value, max) {
            Ok(v) => v,
            Err(e) => {
                problems.push((field.to_owned(), format!("{e} (one line, at most {max} characters)")));
                String::new()
            }
        }
    };
    let cleaned = Indicator {
        code: i.code.trim().to_owned(),
        name_vi: line("name_vi", &i.name_vi, 300, true),
        name_en: line("name_en", &i.name_en, 300, true),
        concept_vi: line("concept_vi", &i.concept_vi, 2000, true),
        concept_en: line("concept_en", &i.concept_en, 2000, false),
        formula: i.formula.clone(),
        disaggregations: i.disaggregations.iter().map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()).collect(),
        period: i.period.trim().to_owned(),
        source: line("source", &i.source, 300, true),
        agency: line("agency", &i.agency, 300, true),
    };
    if !valid_code(&cleaned.code) {
        problems.push((
            "code".to_owned(),
            "lowercase dotted words such as `incidents.drowning` (letters, digits and _, at most 64 characters)".to_owned(),
        ));
    }
    if cleaned.period != "year" {
        problems.push(("period".to_owned(), "only `year` is computed".to_owned()));
    }
    let formula = if i.formula.trim().is_empty() {
        problems.push(("formula".to_owned(), "required".to_owned()));
        None
    } else {
        match parse_formula(&i.formula) {
            Ok(f) => Some(f),
            Err(e) => {
                problems.push(("formula".to_owned(), e.to_string()));
                None
            }
        }
    };
    if let Some(f) = &formula {
        let allowed: Vec<&str> = f.disaggregations(&cleaned.disaggregations).iter().map(|(name, _)| *name).collect();
        let mut seen: Vec<&str> = Vec::new();
        for (n, d) in cleaned.disaggregations.iter().enumerate() {
            if seen.contains(&d.as_str()) {
                problems.push((format!("disaggregations[{n}]"), format!("`{d}` is listed twice")));
            } else if d != "unit" && !allowed.contains(&d.as_str()) {
                let mut possible = vec!["unit".to_owned()];
                possible.extend(f.fields_of_every_count());
                problems.push((
                    format!("disaggregations[{n}]"),
                    format!("`{d}` is not a field of every count; one of: {}", possible.join(", ")),
                ));
            }
            seen.push(d);
        }
    }
    match (formula, problems.is_empty()) {
        (Some(f), true) => Ok((cleaned, f)),
        _ => Err(problems),
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
    fn definitions_are_checked_field_by_field_and_the_bundled_ones_pass() {
        for (i, _) in parse_catalogue("catalogue.toml", crate::bundled::INDICATORS).unwrap() {
            let (cleaned, _) = check_definition(&i).unwrap_or_else(|e| panic!("{}: {e:?}", i.code));
            assert_eq!(cleaned, i);
        }
        for (code, ok) in
            [("incidents.drowning", true), ("a.b_2.c", true), ("drowning", false), ("Incidents.x", false), ("a..b", false), ("a.2b", false)]
        {
            assert_eq!(valid_code(code), ok, "{code}");
        }
        let mut bad = parse_catalogue("catalogue.toml", crate::bundled::INDICATORS).unwrap()[0].0.clone();
        bad.code = "Bad Code".into();
        bad.name_en = " ".into();
        bad.period = "month".into();
        bad.formula = "count(incidents where colour = \"red\")".into();
        let problems = check_definition(&bad).unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["name_en", "code", "period", "formula"], "{problems:?}");
        assert!(problems[3].1.starts_with("at character 23:"), "{problems:?}");
        let mut bad = parse_catalogue("catalogue.toml", crate::bundled::INDICATORS).unwrap()[0].0.clone();
        bad.formula = "count(incidents) / count(children)".into();
        bad.disaggregations = vec!["unit".into(), "sex".into(), "unit".into()];
        let problems = check_definition(&bad).unwrap_err();
        assert_eq!(
            problems.iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(),
            ["disaggregations[1]", "disaggregations[2]"],
            "{problems:?}"
        );
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
            child(d(2013, 7, 1), "male", Some(2), vec![CircumstancePeriod::of_group("a", d(2013, 12, 1), Some(d(2014, 1, 31)))]),
            child(d(2005, 1, 1), "male", None, vec![]),
        ];
        let poverty = |h: i64, y: i32| match (h, y) {
            (1, _) => Some("poor"),
            (2, 2013) => Some("near_poor"),
            _ => None,
        };
        let today = d(2014, 3, 15);
        let facts = Facts { children: child_facts(&children, poverty, 2012..=2015, today, Visibility::ALL), ..Default::default() };
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
    fn only_closed_years_are_released() {
        let d = |y, m, day| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap();
        assert_eq!(releasable_years(2012, 2030, d(2026, 12, 31)), 2012..=2025, "never the open year, even on its last day");
        assert_eq!(releasable_years(2012, 2030, d(2027, 1, 1)), 2012..=2026, "from the day after it ends");
        assert_eq!(releasable_years(2012, 2020, d(2026, 6, 1)), 2012..=2020, "not beyond the plan");
        assert!(releasable_years(2026, 2030, d(2026, 6, 1)).is_empty());
    }

    #[test]
    fn a_reader_counts_children_as_if_hidden_groups_had_never_been_recorded() {
        let d = |y, m, day| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap();
        let child = |id, circumstances| ChildRecord {
            id,
            unit: UnitId(7),
            birth_date: d(2010, 1, 1),
            female: true,
            disability: false,
            household: None,
            circumstances,
        };
        let began = d(2015, 1, 1);
        // One child in group đ only (HIV), one in đ and a (orphan), one in none.
        let with_hidden = [
            child(1, vec![CircumstancePeriod::of_group("dd", began, None)]),
            child(2, vec![CircumstancePeriod::of_group("dd", began, None), CircumstancePeriod::of_group("a", began, None)]),
            child(3, vec![]),
        ];
        // The same register had đ never been recorded.
        let without = [child(1, vec![]), child(2, vec![CircumstancePeriod::of_group("a", began, None)]), child(3, vec![])];
        let today = d(2016, 6, 1);
        let police = crate::access::Role::PoliceLiaison.visibility();
        let count = |c: &[ChildRecord], v| child_facts(c, |_, _| None, 2014..=2016, today, v);
        assert_eq!(count(&with_hidden, police), count(&without, Visibility::ALL));
        assert_eq!(count(&with_hidden, Visibility::NONE), count(&without, Visibility::ALL));
        assert_ne!(count(&with_hidden, Visibility::ALL), count(&without, Visibility::ALL), "the full view counts group đ");
        let special = parse_formula(r#"count(children where special = "true")"#).unwrap();
        let value = |v| yearly_values(&special, &Facts { children: count(&with_hidden, v), ..Default::default() }, 2016..=2016);
        assert_eq!(value(Visibility::ALL), vec![(2016, Some(2))]);
        assert_eq!(value(police), vec![(2016, Some(1))]);
        // Incident facts carry their class by kind.
        let abuse = fact(&[("kind", "abuse")], 2016, 1);
        let law = fact(&[("kind", "conflict_with_law")], 2016, 1);
        let accident = fact(&[("kind", "accident")], 2016, 1);
        assert_eq!(incident_fact_class(&abuse), Some(SensitiveKind::AbuseDetails));
        assert_eq!(incident_fact_class(&law), Some(SensitiveKind::OffenceDetails));
        assert_eq!(incident_fact_class(&accident), None);
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
    fn published_side_by_side_a_small_difference_is_withheld_too() {
        let facts = incidents(vec![
            // 2013: 12 sexual abuse among 15 abuse cases: the other 3 would be given away.
            fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2013, 12),
            fact(&[("kind", "abuse"), ("abuse_form", "bao_luc")], 2013, 3),
            // 2014: 12 among 30: nothing small anywhere.
            fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2014, 12),
            fact(&[("kind", "abuse"), ("abuse_form", "bao_luc")], 2014, 18),
            // 2015: 10 drownings and 12 sexual abuse: not contained in each other, nothing withheld.
            fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2015, 12),
            fact(&[("kind", "abuse"), ("abuse_form", "bao_luc")], 2015, 40),
            fact(&[("kind", "accident"), ("injury", "drowning")], 2015, 10),
        ]);
        let abuse = parse_formula(r#"count(incidents where kind = "abuse")"#).unwrap();
        // Written without `kind`, yet contained in the abuse count: read from the facts.
        let sexual = parse_formula(r#"count(incidents where abuse_form = "xam_hai_tinh_duc")"#).unwrap();
        let share =
            parse_formula(r#"count(incidents where abuse_form = "xam_hai_tinh_duc") / count(incidents where kind = "abuse")"#).unwrap();
        let drowning = parse_formula(r#"count(incidents where injury = "drowning")"#).unwrap();
        let out = public_values_together(&[&abuse, &sexual, &share, &drowning], &facts, 2013..=2015);
        use PublicValue::{Shown, Suppressed};
        assert_eq!(out[0], vec![(2013, Shown(15)), (2014, Shown(30)), (2015, Shown(52))]);
        assert_eq!(out[1], vec![(2013, Suppressed), (2014, Shown(12)), (2015, Shown(12))]);
        assert_eq!(out[2], vec![(2013, Suppressed), (2014, Shown(4000)), (2015, Shown(2308))]);
        assert_eq!(out[3], vec![(2013, Shown(0)), (2014, Shown(0)), (2015, Shown(10))]);
        // Alone, each is only suppressed when small itself.
        assert_eq!(public_yearly_values(&sexual, &facts, 2013..=2013), vec![(2013, Shown(12))]);
    }

    #[test]
    fn units_are_counted_on_each_counting_day_with_the_statuses_they_hold_then() {
        use crate::units::{AdminUnit, ParentLink, UnitType, Validity};
        use time::macros::date;
        let old = Some(date!(2025 - 06 - 30));
        let unit = |id: i64, level: UnitLevel, from: time::Date, to: Option<time::Date>| AdminUnit {
            id: UnitId(id),
            code: id.to_string(),
            name: format!("U{id}"),
            level,
            unit_type: UnitType::Xa,
            validity: Validity { from, to },
            lat: None,
            lon: None,
            area_km2: None,
        };
        let start = date!(2012 - 01 - 01);
        let units = vec![
            unit(1, UnitLevel::District, start, old),
            unit(2, UnitLevel::Commune, start, old),
            unit(3, UnitLevel::Commune, date!(2016 - 01 - 01), old),
            unit(4, UnitLevel::Commune, date!(2025 - 07 - 01), None),
        ];
        let link = |c: i64, from: time::Date| ParentLink { child: UnitId(c), parent: UnitId(1), validity: Validity { from, to: old } };
        let catalog = UnitCatalog::new(units, vec![link(2, start), link(3, date!(2016 - 01 - 01))], vec![]);
        let statuses = [
            (UnitId(2), "child_friendly", date!(2014 - 09 - 01), None),
            (UnitId(3), "child_friendly", date!(2016 - 03 - 01), Some(date!(2017 - 06 - 30))),
            (UnitId(1), "community_based_protection", date!(2014 - 06 - 01), None),
        ];
        let facts = Facts { units: unit_facts(&catalog, &statuses, 2013..=2026, date!(2026 - 11 - 29)), ..Default::default() };
        let share =
            parse_formula(r#"count(units where level = "commune" and child_friendly = "true") / count(units where level = "commune")"#)
                .unwrap();
        let got = yearly_values(&share, &facts, 2013..=2026);
        // 2013: 0 of 1; 2014–15: 1 of 1; 2016: 2 of 2; 2017: 1 of 2 (the second lost it mid-year);
        // from July 2025 the old communes are gone and the new one holds nothing.
        let want = [(2013, 0), (2014, 10_000), (2015, 10_000), (2016, 10_000), (2017, 5_000), (2024, 5_000), (2025, 0), (2026, 0)];
        for (year, v) in want {
            assert_eq!(got.iter().find(|(y, _)| *y == year).and_then(|(_, v)| *v), Some(v), "{year}");
        }
        let model = parse_formula(r#"count(units where level = "district" and community_based_protection = "true")"#).unwrap();
        assert_eq!(yearly_values(&model, &facts, 2013..=2014), vec![(2013, Some(0)), (2014, Some(1))]);
        // The statuses a unit fact carries are the plan's statuses, in order.
        let names: Vec<&str> = UNIT_FIELDS[1..].iter().map(|(f, _)| *f).collect();
        assert_eq!(names, crate::plan::UNIT_STATUSES);
    }

    #[test]
    fn households_are_counted_on_each_counting_day_by_their_status_that_year() {
        let d = |y, m, day| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap();
        let households = [
            HouseholdEntry { id: 1, unit: UnitId(7) },
            HouseholdEntry { id: 2, unit: UnitId(7) },
            HouseholdEntry { id: 3, unit: UnitId(8) },
            HouseholdEntry { id: 4, unit: UnitId(8) },
        ];
        let poverty = |h: i64, y: i32| match (h, y) {
            (1, 2012) => Some("poor"),
            (1, 2013) => Some("near_poor"),
            (2, 2012 | 2013) => Some("neither"),
            (3, 2012) => Some("poor"),
            (3, 2013) => Some("poor"),
            _ => None,
        };
        let today = d(2014, 3, 15);
        let no_map = UnitCatalog::default();
        let facts = Facts { households: household_facts(&no_map, &households, poverty, 2012..=2015, today), ..Default::default() };
        // Every household every year (up to today's); the status of that year, none recorded is no value.
        let all = parse_formula("count(households)").unwrap();
        assert_eq!(yearly_values(&all, &facts, 2012..=2015), vec![(2012, Some(4)), (2013, Some(4)), (2014, Some(4)), (2015, Some(0))]);
        let poor = parse_formula(r#"count(households where poverty = "poor") / count(households)"#).unwrap();
        assert_eq!(yearly_values(&poor, &facts, 2012..=2014), vec![(2012, Some(5000)), (2013, Some(2500)), (2014, Some(0))]);
        let near = parse_formula(r#"count(households where poverty = "near_poor") / count(households)"#).unwrap();
        assert_eq!(yearly_values(&near, &facts, 2012..=2013), vec![(2012, Some(0)), (2013, Some(2500))]);
        // The same as counting the list directly, year by year and unit by unit.
        for year in 2012..=2014 {
            for unit in [UnitId(7), UnitId(8)] {
                let direct = households.iter().filter(|h| h.unit == unit && poverty(h.id, year) == Some("poor")).count() as i64;
                let engine: i64 = facts
                    .households
                    .iter()
                    .filter(|f| f.unit == unit && f.day.year() == year && poor_count(&poor).matches(f))
                    .map(|f| f.count)
                    .sum();
                assert_eq!(engine, direct, "{year} {unit:?}");
            }
        }
        // Grouped: one fact per unit, day and status; the current year's on today.
        assert_eq!(facts.households.iter().map(|f| f.count).sum::<i64>(), 12);
        assert_eq!(facts.households.iter().filter(|f| f.day == today).map(|f| f.count).sum::<i64>(), 4);
        assert!(facts.households.windows(2).all(|w| (w[0].day, w[0].unit, w[0].codes) < (w[1].day, w[1].unit, w[1].codes)));
        // Broken down by status, the parts and the not recorded add up to the whole.
        let by = |v: &str| yearly_values(&all.restricted("poverty", v).unwrap(), &facts, 2013..=2013)[0].1;
        assert_eq!((by("poor"), by("near_poor"), by("neither")), (Some(1), Some(1), Some(1)));
        assert_eq!(all.disaggregations(&["poverty".to_owned(), "sex".to_owned()]).iter().map(|(f, _)| *f).collect::<Vec<_>>(), ["poverty"]);
        // A household share needs households on both sides: a count of children is not one of its fields.
        assert!(parse_formula(r#"count(households where poverty = "poor") / count(children)"#).is_ok());
    }

    fn poor_count(f: &Formula) -> Count {
        match f {
            Formula::Ratio(n, _) | Formula::Count(n) => n.clone(),
        }
    }

    #[test]
    fn household_breakdowns_carry_the_old_communes_onto_either_map() {
        use crate::units::{AdminUnit, ParentLink, Succession, UnitType, Validity};
        use time::macros::date;
        let old = Some(date!(2025 - 06 - 30));
        let unit = |id: i64, level: UnitLevel, from: time::Date, to: Option<time::Date>| AdminUnit {
            id: UnitId(id),
            code: id.to_string(),
            name: format!("U{id}"),
            level,
            unit_type: UnitType::Xa,
            validity: Validity { from, to },
            lat: None,
            lon: None,
            area_km2: None,
        };
        let start = date!(2012 - 01 - 01);
        let reform = date!(2025 - 07 - 01);
        let units = vec![
            unit(1, UnitLevel::Province, start, None),
            unit(2, UnitLevel::District, start, old),
            unit(3, UnitLevel::Commune, start, old),
            unit(4, UnitLevel::Commune, start, old),
            unit(5, UnitLevel::Commune, reform, None),
        ];
        let link = |c: i64, p: i64, from: time::Date, to: Option<time::Date>| ParentLink {
            child: UnitId(c),
            parent: UnitId(p),
            validity: Validity { from, to },
        };
        let links = vec![link(2, 1, start, old), link(3, 2, start, old), link(4, 2, start, old), link(5, 1, reform, None)];
        let merged = |from: i64| Succession { from: UnitId(from), to: UnitId(5), effective: reform, share_ppm: 1_000_000 };
        let catalog = UnitCatalog::new(units, links, vec![merged(3), merged(4)]);
        let households = [
            HouseholdEntry { id: 1, unit: UnitId(3) },
            HouseholdEntry { id: 2, unit: UnitId(3) },
            HouseholdEntry { id: 3, unit: UnitId(4) },
            HouseholdEntry { id: 4, unit: UnitId(5) },
        ];
        let poverty = |h: i64, _: i32| if h == 1 || h == 3 { Some("poor") } else { None };
        let today = date!(2026 - 11 - 29);
        let facts = Facts { households: household_facts(&catalog, &households, poverty, 2013..=2026, today), ..Default::default() };
        let poor = poor_count(&parse_formula(r#"count(households where poverty = "poor")"#).unwrap());
        // On the 2013 map: each old commune, their district and the province.
        let on_2013 = counts_on_map(&catalog, &poor, &facts, 2013..=2013, date!(2013 - 12 - 31));
        let y = &on_2013.by_year[&2013];
        assert_eq!((y.get(&UnitId(3)), y.get(&UnitId(4)), y.get(&UnitId(2)), y.get(&UnitId(1))), (Some(&1), Some(&1), Some(&2), Some(&2)));
        // On today's map the old communes' households are carried into the merged one.
        let all = Count { fact: FactKind::Households, conditions: Vec::new() };
        let on_today = counts_on_map(&catalog, &all, &facts, 2013..=2026, today);
        // A household recorded on the 2025 commune is counted from the day it exists: not in 2013.
        assert_eq!(on_today.by_year[&2013].get(&UnitId(5)), Some(&3));
        assert_eq!(on_today.by_year[&2024].get(&UnitId(5)), Some(&3));
        assert_eq!(on_today.by_year[&2025].get(&UnitId(5)), Some(&4));
        assert_eq!(on_today.by_year[&2026].get(&UnitId(1)), Some(&4));
        let back = counts_on_map(&catalog, &all, &facts, 2013..=2013, date!(2013 - 12 - 31));
        assert_eq!((back.by_year[&2013].get(&UnitId(1)), back.estimated, back.unmapped), (Some(&3), false, 0));
        // The old communes' households are still counted after 2025, carried onto the new map.
        assert_eq!(facts.households.iter().filter(|f| f.day.year() == 2026 && f.unit != UnitId(5)).map(|f| f.count).sum::<i64>(), 3);
        assert_eq!((on_today.unmapped, on_2013.unmapped, on_2013.estimated), (0, 0, false));
    }

    #[test]
    fn errors_point_at_the_position() {
        let cases = [
            ("count(families)", 7, "unknown fact `families`: one of incidents, children, cases, units, reported, fund, households"),
            (r#"count(households where sex = "male")"#, 24, "households have no field `sex`: one of poverty"),
            ("sum(households)", 1, "households are counted: use count(households …)"),
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

//! Indicators as data: a catalogue entry with the metadata shape of Circular 13/2021
//! and a formula in a small language, parsed and checked before use.
//!
//! ```text
//! formula := count [ "/" count ]              a count, or a ratio shown in percent
//! count   := "count" "(" fact [ "where" cond { "and" cond } ] ")"
//! cond    := field "=" string | field "in" "(" string { "," string } ")"
//! ```
//!
//! The only fact so far is `incidents`; its fields are the coded fields of an
//! incident. Every error names the character position (1-based) where it was found.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::incident::{AbuseForm, IncidentKind, InjuryKind, JusticeStage, Relation, Setting, SexualSubtype};
use crate::units::UnitId;

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

/// The facts a formula may count, with each field and its allowed values.
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

/// A condition: the field takes one of the values. Compiled to the field's index and
/// a bit mask of value codes, so that matching a fact is two machine operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub field: &'static str,
    pub values: Vec<String>,
    index: usize,
    mask: u64,
}

/// `count(incidents where …)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
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

    fn expect_word(&mut self, word: &str) -> Result<(), FormulaError> {
        match self.next() {
            (Token::Word(w), _) if w == word => Ok(()),
            (_, position) => Self::fail(position, format!("expected `{word}`")),
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

    fn condition(&mut self) -> Result<Condition, FormulaError> {
        let (token, position) = self.next();
        let Token::Word(name) = token else { return Self::fail(position, "expected a field name") };
        let Some((index, (field, allowed))) = INCIDENT_FIELDS.iter().enumerate().find(|(_, (f, _))| *f == name) else {
            let names: Vec<&str> = INCIDENT_FIELDS.iter().map(|(f, _)| *f).collect();
            return Self::fail(position, format!("incidents have no field `{name}`: one of {}", names.join(", ")));
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
        let mask = values.iter().filter_map(|v| value_code(index, v)).fold(0u64, |m, c| m | (1 << c));
        Ok(Condition { field, values, index, mask })
    }

    fn count(&mut self) -> Result<Count, FormulaError> {
        self.expect_word("count")?;
        self.expect_symbol('(')?;
        match self.next() {
            (Token::Word(w), _) if w == "incidents" => {}
            (Token::Word(w), position) => return Self::fail(position, format!("unknown fact `{w}`: incidents")),
            (_, position) => return Self::fail(position, "expected what to count: incidents"),
        }
        let mut conditions = Vec::new();
        if self.peek().0 == Token::Word("where".into()) {
            self.next();
            conditions.push(self.condition()?);
            while self.peek().0 == Token::Word("and".into()) {
                self.next();
                conditions.push(self.condition()?);
            }
        }
        self.expect_symbol(')')?;
        Ok(Count { conditions })
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
fn value_code(field: usize, value: &str) -> Option<u8> {
    let (_, allowed) = INCIDENT_FIELDS.get(field)?;
    allowed.iter().position(|a| *a == value).and_then(|p| u8::try_from(p + 1).ok())
}

/// Incidents with the same unit, day and coded fields, counted together. Fields are
/// small codes in the order of [`INCIDENT_FIELDS`] (0: absent), not strings: an
/// indicator pass touches every fact, so a fact must be cheap to test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentFact {
    pub unit: UnitId,
    pub day: time::Date,
    pub codes: [u8; INCIDENT_FIELD_COUNT],
    pub count: i64,
}

pub const INCIDENT_FIELD_COUNT: usize = 8;

impl IncidentFact {
    /// A fact from named field values (absent or unknown values are coded 0).
    pub fn new(unit: UnitId, day: time::Date, fields: &[(&str, Option<&str>)], count: i64) -> Self {
        let mut codes = [0u8; INCIDENT_FIELD_COUNT];
        for (name, value) in fields {
            if let (Some(i), Some(v)) = (INCIDENT_FIELDS.iter().position(|(f, _)| f == name), value) {
                codes[i] = value_code(i, v).unwrap_or(0);
            }
        }
        Self { unit, day, codes, count }
    }
}

impl Count {
    pub fn matches(&self, fact: &IncidentFact) -> bool {
        self.conditions.iter().all(|c| c.mask & (1u64 << fact.codes[c.index]) != 0)
    }

    /// The count by year.
    pub fn by_year<'a>(&self, facts: impl Iterator<Item = &'a IncidentFact>) -> BTreeMap<i32, i64> {
        let mut out = BTreeMap::new();
        for f in facts.filter(|f| self.matches(f)) {
            *out.entry(f.day.year()).or_default() += f.count;
        }
        out
    }
}

/// `num ÷ den` in hundredths of a percent, rounded half up; none when `den` is 0.
pub fn percent_hundredths(num: i64, den: i64) -> Option<i64> {
    (den != 0).then(|| (i128::from(num) * 10_000 + i128::from(den) / 2) / i128::from(den)).and_then(|v| i64::try_from(v).ok())
}

/// A value of an indicator for one year: a count, or a percentage in hundredths; none
/// when a ratio's denominator is zero ("no data", never infinity).
pub fn yearly_values(formula: &Formula, facts: &[IncidentFact], years: std::ops::RangeInclusive<i32>) -> Vec<(i32, Option<i64>)> {
    match formula {
        Formula::Count(c) => {
            let counts = c.by_year(facts.iter());
            years.map(|y| (y, Some(counts.get(&y).copied().unwrap_or(0)))).collect()
        }
        Formula::Ratio(n, d) => {
            let (num, den) = (n.by_year(facts.iter()), d.by_year(facts.iter()));
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
pub fn public_yearly_values(formula: &Formula, facts: &[IncidentFact], years: std::ops::RangeInclusive<i32>) -> Vec<(i32, PublicValue)> {
    match formula {
        Formula::Count(c) => {
            let counts = c.by_year(facts.iter());
            years
                .map(|y| {
                    let n = counts.get(&y).copied().unwrap_or(0);
                    (y, if small(n) { PublicValue::Suppressed } else { PublicValue::Shown(n) })
                })
                .collect()
        }
        Formula::Ratio(n, d) => {
            let (num, den) = (n.by_year(facts.iter()), d.by_year(facts.iter()));
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
        IncidentFact::new(UnitId(1), time::Date::from_calendar_date(year, time::Month::May, 1).unwrap(), &named, count)
    }

    #[test]
    fn every_field_fits_the_codes() {
        assert_eq!(INCIDENT_FIELDS.len(), INCIDENT_FIELD_COUNT);
        assert!(INCIDENT_FIELDS.iter().all(|(_, values)| values.len() < 63), "a value mask is 64 bits");
    }

    #[test]
    fn formulas_parse_and_count() {
        let f = parse_formula(r#"count(incidents where kind = "abuse" and abuse_form in ("xam_hai_tinh_duc", "mua_ban"))"#).unwrap();
        let facts = [
            fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2013, 3),
            fact(&[("kind", "abuse"), ("abuse_form", "mua_ban")], 2013, 1),
            fact(&[("kind", "abuse"), ("abuse_form", "bao_luc")], 2013, 7),
            fact(&[("kind", "accident"), ("injury", "drowning")], 2014, 2),
        ];
        assert_eq!(yearly_values(&f, &facts, 2013..=2014), vec![(2013, Some(4)), (2014, Some(0))]);
        let share =
            parse_formula(r#"count(incidents where abuse_form = "xam_hai_tinh_duc") / count(incidents where kind = "abuse")"#).unwrap();
        // 3 of 11 = 27.27 %; no abuse at all in 2014 is "no data", not a division by zero.
        assert_eq!(yearly_values(&share, &facts, 2013..=2014), vec![(2013, Some(2727)), (2014, None)]);
        assert_eq!(yearly_values(&parse_formula("count(incidents)").unwrap(), &facts, 2014..=2014), vec![(2014, Some(2))]);
    }

    #[test]
    fn public_values_suppress_small_counts_and_ratios_built_on_them() {
        let facts = [
            fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2013, 3),
            fact(&[("kind", "abuse"), ("abuse_form", "bao_luc")], 2013, 20),
            fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2014, 12),
            fact(&[("kind", "abuse"), ("abuse_form", "bao_luc")], 2014, 12),
        ];
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
            ("count(children)", 7, "unknown fact `children`"),
            (r#"count(incidents where colour = "red")"#, 23, "no field `colour`"),
            (r#"count(incidents where kind = "abus")"#, 30, "`abus` is not a value of kind"),
            (r#"count(incidents where kind = "abuse""#, 37, "expected `)`"),
            (r#"count(incidents where kind = "abuse)"#, 30, "not closed"),
            ("count(incidents) * 2", 18, "unexpected character `*`"),
            ("count(incidents) count(incidents)", 18, "unexpected text"),
            ("sum(incidents)", 1, "expected `count`"),
            ("", 1, "expected `count`"),
        ];
        for (text, position, message) in cases {
            let e = parse_formula(text).unwrap_err();
            assert_eq!(e.position, position, "{text}: {e}");
            assert!(e.message.contains(message), "{text}: {e}");
        }
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

//! Plans as data: a provincial (or district, or national) plan with its
//! baselines, targets, tasks, solutions and the agencies responsible. The
//! document is read from a file (TOML) or the UI, checked here, and stored as a
//! typed document; nothing filters inside it in SQL.

use crate::coded::Coded;
use crate::units::UnitLevel;
use serde::{Deserialize, Serialize};

/// A plan document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Stable key, e.g. `dt-2013-ct20`.
    pub code: String,
    pub issuer_vi: String,
    pub issuer_en: String,
    /// The document number; empty when the text carries none.
    #[serde(default)]
    pub number: String,
    pub issued_year: i32,
    pub title_vi: String,
    pub title_en: String,
    pub period_from: i32,
    pub period_to: i32,
    /// The unit the plan covers, by code on a date (codes are reused across eras).
    pub scope_unit_code: String,
    pub scope_unit_on: String,
    #[serde(default)]
    pub purpose_vi: String,
    #[serde(default)]
    pub purpose_en: String,
    /// The yearly report's due day, MM-DD (older files; `reporting` says it whole).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub report_due: String,
    /// The agency that consolidates the reports (older files; `reporting` says it whole).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub report_consolidator: String,
    /// Section II.2 ("Yêu cầu"), one paragraph each, as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements_vi: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub requirements_en: Vec<String>,
    /// The funding of the plan (the founding plan's III.4, "Kinh phí thực hiện"), as written.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub funding_vi: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub funding_en: String,
    /// How the plan is carried out (the founding plan's section V), one paragraph each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub implementation_vi: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub implementation_en: Vec<String>,
    /// Who reports to whom, and when: the structure of the reporting sentence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting: Option<Reporting>,
    /// The titles of the solution groups (a–d) as the document writes them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub solution_groups: Vec<SolutionGroup>,
    #[serde(default)]
    pub baselines: Vec<Baseline>,
    #[serde(default)]
    pub targets: Vec<Target>,
    #[serde(default)]
    pub agencies: Vec<Agency>,
    #[serde(default)]
    pub tasks: Vec<Task>,
    #[serde(default)]
    pub solutions: Vec<Solution>,
    /// Catalogue indicators published to the public for the plan's area, with counts
    /// from 1 to 9 suppressed. Empty: no public statistics.
    #[serde(default)]
    pub public_indicators: Vec<String>,
    /// Targets per unit and period (absent from the document when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unit_targets: Vec<UnitTarget>,
}

/// A baseline figure: numerator, denominator and percentage as published; any may be absent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    #[serde(default)]
    pub numerator: Option<i64>,
    #[serde(default)]
    pub denominator: Option<i64>,
    /// A decimal string as published ("10.01"), kept exact.
    #[serde(default)]
    pub percent: Option<String>,
    #[serde(default)]
    pub reference: Option<String>,
    pub source: String,
    /// The catalogue indicator that recomputes this figure from the records, for the
    /// reference date's year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indicator: Option<String>,
    /// Under which law's classification of children in special circumstances the figure
    /// was counted (one of [`CLASSIFICATIONS`]); none when it is not such a count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<String>,
}

/// How children in special circumstances were classified when a figure was counted.
/// `pre_law_2016`: before the Law on Children 2016 came into force (1 June 2017), under
/// the terms of its time ("trẻ em có hoàn cảnh đặc biệt khó khăn", Law 25/2004/QH11);
/// `law_2016_art10`: the 14 groups of Art. 10 of the Law on Children 2016, which the
/// register records. A figure of one is never shown as the other.
pub const CLASSIFICATIONS: &[&str] = &["pre_law_2016", "law_2016_art10"];

/// The day the Law on Children 2016 (102/2016/QH13) came into force.
pub const LAW_ON_CHILDREN_IN_FORCE: time::Date = time::macros::date!(2017 - 06 - 01);

/// The classification the register (and so every recomputed figure) uses.
pub const REGISTER_CLASSIFICATION: &str = "law_2016_art10";

impl Baseline {
    /// The percentage in hundredths of a percent (10.01 % → 1001).
    pub fn percent_hundredths(&self) -> Option<i64> {
        self.percent.as_deref().and_then(parse_hundredths)
    }

    /// The denominator implied by numerator ÷ percentage when the plan gives none,
    /// as a range (the percentage is rounded to two decimals). Flagged as derived.
    pub fn derived_denominator(&self) -> Option<(i64, i64)> {
        if self.denominator.is_some() {
            return None;
        }
        let n = self.numerator?;
        let p = self.percent_hundredths()?;
        if p <= 0 {
            return None;
        }
        // Every denominator d whose n / d rounds (half up) to the published percentage:
        // n × 10,000 / (p + ½) < d ≤ n × 10,000 / (p − ½), in hundredths of a percent.
        let low = (n * 20_000).div_euclid(2 * p + 1) + 1;
        let high = (n * 20_000).div_euclid(2 * p - 1);
        Some((low, high))
    }
}

/// Parses a non-negative or negative decimal with at most two decimals into hundredths.
pub fn parse_hundredths(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, body) = s.strip_prefix('-').map_or((false, s), |b| (true, b));
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() || frac.len() > 2 || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v = int.parse::<i64>().ok()?.checked_mul(100)? + format!("{frac:0<2}").parse::<i64>().ok()?;
    Some(if neg { -v } else { v })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leg {
    /// district, commune or hamlet
    pub level: Coded<UnitLevel>,
    /// >=, >, <=, <, =
    pub operator: Coded<Comparison>,
    pub value: i64,
}

/// A target: what kind it is decides which fields it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub id: String,
    /// umbrella, relative_annual_change, year_on_year_reduction, unit_count_with_status,
    /// unit_share_with_status, milestone
    pub kind: Coded<TargetKind>,
    pub text_vi: String,
    pub text_en: String,
    pub deadline: i32,
    #[serde(default)]
    pub lead: String,
    /// relative_annual_change: the yearly change in percent ("-5").
    #[serde(default)]
    pub change_percent: Option<String>,
    /// relative_annual_change: what is counted (cases or persons).
    #[serde(default)]
    pub measure: Option<String>,
    /// relative_annual_change: the first year that must show the change; the base is the year before.
    #[serde(default)]
    pub from_year: Option<i32>,
    /// The code of the catalogue indicator (a count) the target follows; none: not yet measured.
    #[serde(default)]
    pub indicator: Option<String>,
    /// The dated unit status counted (community_based_protection, child_friendly).
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub legs: Vec<Leg>,
    /// milestone: the units concerned, by code.
    #[serde(default)]
    pub units: Vec<String>,
    /// The agencies that coordinate (phối hợp).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coordinate: Vec<String>,
    /// Which of `lead` and `coordinate` treem infers (from the agencies' duties) rather
    /// than reads in the document.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inferred_agencies: Vec<String>,
    /// Whom the target counts, in the document's words, and the ages treem counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<Population>,
}

/// Whom a target counts: the document's words and the ages treem counts for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Population {
    /// As the document names them ("thanh, thiếu niên vi phạm pháp luật").
    pub term_vi: String,
    pub term_en: String,
    /// The plan defines the ages itself; false: the ages are treem's choice (say why in the note).
    #[serde(default)]
    pub defined_by_plan: bool,
    /// The youngest age counted, in whole years; none: no lower limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_from: Option<i32>,
    /// Counted while younger than this; none: no upper limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_below: Option<i32>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note_vi: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note_en: String,
}

impl Target {
    /// Whether the target is of this kind.
    pub fn is(&self, kind: TargetKind) -> bool {
        self.kind.is(kind)
    }

    /// Whether the target is a yearly change of a count (see [`TargetKind::is_yearly_change`]).
    pub fn is_yearly_change(&self) -> bool {
        self.kind.known().is_some_and(TargetKind::is_yearly_change)
    }

    /// The level a relative yearly change asks for after `years` years, in ppm of the
    /// base: the plan's "−5 % a year" compounds (0.95^8 ≈ 0.663 after 8 years).
    pub fn compounded_ppm(&self, years: u32) -> Option<i64> {
        let change = parse_hundredths(self.change_percent.as_deref()?)?;
        let factor = 1.0 + change as f64 / 10_000.0;
        Some((factor.powi(i32::try_from(years).ok()?) * 1_000_000.0).round() as i64)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agency {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    #[serde(default)]
    pub role: String,
    /// Where the document sets its duties ("IV.8").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub section: String,
    /// The heading of its duties exactly as the document writes it ("Đề nghị Ủy ban Mặt trận …").
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub heading_vi: String,
    /// How the plan addresses it (one of [`MANDATES`]); empty: not said.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mandate: String,
    /// Its duties, one paragraph or indent each, as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duties_vi: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub duties_en: Vec<String>,
}

/// `directed`: the issuer assigns the duties (giao) to a body under it; `invited`: the
/// issuer asks a body it does not direct ("Đề nghị": the Fatherland Front and the mass
/// organisations are not under the People's Committee).
pub const MANDATES: &[&str] = &["directed", "invited"];

impl Agency {
    pub fn invited(&self) -> bool {
        self.mandate == "invited"
    }
}

/// The reporting sentence of a plan, as structure a reporting cycle can use: who reports,
/// to whom, through whom, by when and how often.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reporting {
    /// Who reports, in the document's words.
    pub reporters_vi: String,
    pub reporters_en: String,
    pub reporters: Vec<Reporter>,
    /// The recipient the reports are addressed to (an id of `recipients`).
    pub addressee: String,
    /// The agency they are sent through, which consolidates them (an agency id).
    pub consolidator: String,
    /// Whom the consolidated report goes to.
    pub recipients: Vec<Recipient>,
    /// The due day, MM-DD.
    pub due: String,
    /// The due day in the document's words ("trước ngày 15 tháng 11").
    pub due_vi: String,
    pub due_en: String,
    /// `before`: the report must arrive before the due day (the day itself is late);
    /// `on_or_before`: the due day is still on time.
    pub due_rule: String,
    /// How often: `yearly` ("Định kỳ hàng năm").
    pub frequency: String,
    /// What the report covers (`calendar_year_to_date`, `twelve_months_to_due`); none: the
    /// document does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_covered: Option<String>,
}

/// One reporter: an agency of the plan, or each unit of a level of that agency's kind
/// (`each = "district"`: every district-level People's Committee reports on its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reporter {
    pub agency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub each: Option<Coded<UnitLevel>>,
}

/// A body outside the plan's agencies that receives reports (the People's Committee, the Party Committee).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
}

pub const REPORT_DUE_RULES: &[&str] = &["before", "on_or_before"];
pub const REPORT_FREQUENCIES: &[&str] = &["yearly"];
pub const REPORT_PERIODS: &[&str] = &["calendar_year_to_date", "twelve_months_to_due"];

/// The title of one group of solutions as the document writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SolutionGroup {
    /// a, b, c or d
    pub id: String,
    pub title_vi: String,
    pub title_en: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub id: String,
    pub text_vi: String,
    pub text_en: String,
    /// The lead agency; empty when none is named or inferred.
    #[serde(default)]
    pub lead: String,
    #[serde(default)]
    pub coordinate: Vec<String>,
    /// Which of `lead` and `coordinate` treem infers rather than reads in the document.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inferred_agencies: Vec<String>,
    /// The task's money, planned and spent, by source and year (absent when none is known).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub budget: Vec<BudgetLine>,
}

/// Where a task's money comes from: the state budget by level, or mobilised contributions.
pub const BUDGET_SOURCES: &[&str] = &["central_budget", "provincial_budget", "district_budget", "commune_budget", "mobilised", "other"];

/// The most one budget line may hold, in VND (10^15 đồng, a million billion: more than
/// half of the whole state budget of a year). Keeps every sum far from overflowing.
pub const BUDGET_LINE_MAX_VND: i64 = 1_000_000_000_000_000;

/// One line of a task's budget, in whole đồng (VND).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetLine {
    /// One of [`BUDGET_SOURCES`].
    pub source: String,
    /// The year the money is for; none: the whole period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// The money planned (dự toán). Required: money that was never planned (contributions
    /// received without a plan) is written with `planned = 0`.
    #[serde(default)]
    pub planned: Option<i64>,
    /// The money spent; none: not reported yet (0 means nothing was spent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spent: Option<i64>,
    /// Where the figures come from (a budget decision, a report).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// A target for one unit over some years: "commune X: > 2 hamlets with the model, 2016–2020".
/// The unit is named by its code on a date, because codes are reused across eras.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnitTarget {
    /// The id of the plan's target this refines.
    pub target: String,
    pub unit_code: String,
    /// The day on which `unit_code` is read (YYYY-MM-DD).
    pub unit_on: String,
    pub from_year: i32,
    pub to_year: i32,
    /// As the target's kind needs: a yearly change in percent ("-7") for a relative yearly
    /// change, a whole number of units for a count, a percentage (0–100) for a share.
    /// Written as a number or a string; kept as written.
    #[serde(deserialize_with = "number_or_string")]
    pub value: String,
    /// For a count or share: the level counted (one of the target's legs); may be left
    /// out when the target has a single leg.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<Coded<UnitLevel>>,
}

/// Accepts `value = 3`, `value = 12.5` or `value = "-5"`, keeping the text.
fn number_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a number or a decimal string")
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
    }
    d.deserialize_any(V)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Solution {
    pub id: String,
    /// a (direction), b (programmes), c (communication), d (mobilisation)
    pub group: String,
    pub text_vi: String,
    pub text_en: String,
    /// The lead agency; empty when none is named or inferred.
    #[serde(default)]
    pub lead: String,
    #[serde(default)]
    pub coordinate: Vec<String>,
    /// Which of `lead` and `coordinate` treem infers rather than reads in the document.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inferred_agencies: Vec<String>,
}

/// The plan's four groups of solutions (a: direction, b: programmes, c: communication, d: resources).
pub const SOLUTION_GROUPS: &[&str] = &["a", "b", "c", "d"];

mod budget;
mod checks;
mod kinds;
mod progress;
mod unit_targets;

pub use budget::*;
pub use checks::*;
pub use kinds::*;
pub use progress::*;
pub use unit_targets::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hundredths() {
        assert_eq!(parse_hundredths("10.01"), Some(1001));
        assert_eq!(parse_hundredths("-5"), Some(-500));
        assert_eq!(parse_hundredths("7.5"), Some(750));
        assert_eq!(parse_hundredths("1.234"), None);
        assert_eq!(parse_hundredths("x"), None);
    }

    #[test]
    fn the_plans_baselines_reproduce_their_percentages() {
        // Section I of the plan: 42,327 poor households = 10.01 %; 47,160 children in poor households = 11.28 %.
        let b = |n, p: &str| Baseline {
            id: "B".into(),
            name_vi: String::new(),
            name_en: String::new(),
            numerator: Some(n),
            denominator: None,
            percent: Some(p.into()),
            reference: None,
            source: String::new(),
            indicator: None,
            classification: None,
        };
        let (low, high) = b(42_327, "10.01").derived_denominator().unwrap();
        assert!((422_636..=422_640).contains(&low) && (423_050..=423_060).contains(&high), "{low}–{high}");
        for (n, p) in [(42_327, "10.01"), (31_782, "7.51"), (47_160, "11.28"), (8_029, "1.92")] {
            let (low, high) = b(n, p).derived_denominator().unwrap();
            for d in [low, high] {
                let pct = (n as f64 / d as f64 * 10_000.0).round() as i64;
                assert_eq!(pct, parse_hundredths(p).unwrap(), "{n}/{d} rounds back to {p} %");
            }
        }
    }

    /// A small plan of 2013–2020 with a relative-change target, a two-leg count and a share.
    pub(super) fn small_plan(extra: &str) -> Plan {
        let text = format!(
            r#"
code = "p"
issuer_vi = "UBND"
issuer_en = "PC"
issued_year = 2013
title_vi = "K"
title_en = "P"
period_from = 2013
period_to = 2020
scope_unit_code = "87"
scope_unit_on = "2013-12-31"
[[targets]]
id = "T1"
kind = "relative_annual_change"
text_vi = "a"
text_en = "a"
change_percent = "-5"
from_year = 2013
deadline = 2020
[[targets]]
id = "T3"
kind = "unit_count_with_status"
text_vi = "b"
text_en = "b"
status = "community_based_protection"
legs = [{{ level = "district", operator = ">=", value = 6 }}, {{ level = "commune", operator = ">", value = 45 }}]
deadline = 2015
[[targets]]
id = "T4"
kind = "milestone"
text_vi = "c"
text_en = "c"
units = ["866"]
deadline = 2016
[[targets]]
id = "T5"
kind = "unit_share_with_status"
text_vi = "d"
text_en = "d"
status = "child_friendly"
legs = [{{ level = "commune", operator = ">", value = 90 }}]
deadline = 2015
[[agencies]]
id = "A1"
name_vi = "S"
name_en = "D"
{extra}
"#
        );
        toml::from_str(&text).unwrap_or_else(|e| panic!("{e}"))
    }

    pub(super) fn fields(p: &Plan) -> Vec<String> {
        check_plan(p).err().unwrap_or_default().into_iter().map(|e| e.field).collect()
    }

    /// The document's text with its whitespace (line and page breaks, no-break spaces)
    /// collapsed and its letters in lower case, for quoting.
    fn source_text() -> String {
        include_str!("../../../../data/plans/dong-thap-2013.source.txt").split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
    }

    pub(super) fn founding() -> Plan {
        toml::from_str(crate::bundled::PLAN_DONG_THAP_2013).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_founding_plan_quotes_its_document_word_for_word() {
        let p = founding();
        assert_eq!(check_plan(&p), Ok(()));
        let source = source_text();
        let mut quoted: Vec<(String, String)> = Vec::new();
        let mut add = |at: String, text: &str| quoted.push((at, text.to_owned()));
        add("purpose_vi".into(), &p.purpose_vi);
        add("funding_vi".into(), &p.funding_vi);
        for (i, t) in p.requirements_vi.iter().enumerate() {
            add(format!("requirements_vi[{i}]"), t);
        }
        for (i, t) in p.implementation_vi.iter().enumerate() {
            add(format!("implementation_vi[{i}]"), t);
        }
        for b in &p.baselines {
            add(format!("baselines[{}].name_vi", b.id), &b.name_vi);
        }
        for t in &p.targets {
            add(format!("targets[{}].text_vi", t.id), &t.text_vi);
            if let Some(pop) = &t.population {
                add(format!("targets[{}].population.term_vi", t.id), &pop.term_vi);
            }
        }
        for t in &p.tasks {
            add(format!("tasks[{}].text_vi", t.id), &t.text_vi);
        }
        for s in &p.solutions {
            add(format!("solutions[{}].text_vi", s.id), &s.text_vi);
        }
        for g in &p.solution_groups {
            add(format!("solution_groups[{}].title_vi", g.id), &g.title_vi);
        }
        for a in &p.agencies {
            add(format!("agencies[{}].heading_vi", a.id), &a.heading_vi);
            for (i, d) in a.duties_vi.iter().enumerate() {
                add(format!("agencies[{}].duties_vi[{i}]", a.id), d);
            }
        }
        let r = p.reporting.as_ref().expect("the founding plan's reporting");
        add("reporting.reporters_vi".into(), &r.reporters_vi);
        add("reporting.due_vi".into(), &r.due_vi);
        for x in &r.recipients {
            add(format!("reporting.recipients[{}].name_vi", x.id), &x.name_vi);
        }
        let missing: Vec<&String> =
            quoted.iter().filter(|(_, t)| t.is_empty() || !source.contains(&t.to_lowercase())).map(|(at, _)| at).collect();
        assert!(missing.is_empty(), "not word for word in the document: {missing:?}");
        assert!(quoted.len() > 60, "{} texts quoted", quoted.len());
    }

    #[test]
    fn the_founding_plan_holds_the_whole_document_as_data() {
        let p = founding();
        // Section IV: all twelve agencies, in order, each with its duties in both languages.
        assert_eq!(
            p.agencies.iter().map(|a| a.section.as_str()).collect::<Vec<_>>(),
            (1..=12).map(|i| format!("IV.{i}")).collect::<Vec<_>>()
        );
        for a in &p.agencies {
            assert!(!a.duties_vi.is_empty() && a.duties_vi.len() == a.duties_en.len(), "{}", a.id);
        }
        assert_eq!(p.agencies[3].duties_vi.len(), 2, "IV.4 has two indents");
        assert_eq!(p.agencies[11].duties_vi.len(), 6, "IV.12 has six indents");
        // Only the Fatherland Front and the mass organisations are invited ("Đề nghị"), not directed.
        let invited: Vec<&str> = p.agencies.iter().filter(|a| a.invited()).map(|a| a.id.as_str()).collect();
        assert_eq!(invited, ["A11"]);
        assert!(p.agencies[10].heading_vi.starts_with("Đề nghị "));
        // Every indent of III.3, in full, with the document's own term.
        assert_eq!(p.solutions.len(), 21);
        let a10 = p.solutions.iter().find(|s| s.id == "a10").unwrap();
        assert!(a10.text_vi.contains("lạm dụng sức lao động") && !a10.text_vi.contains("bóc lột"));
        // The police coordinate the juvenile pilot, named by the document (IV.8), not inferred.
        let t4 = p.targets.iter().find(|t| t.id == "T4").unwrap();
        assert!(t4.coordinate.contains(&"A8".to_owned()) && !t4.inferred_agencies.contains(&"A8".to_owned()));
        // a5 names the district People's Committees itself; the rest of its agencies are inferred.
        let a5 = p.solutions.iter().find(|s| s.id == "a5").unwrap();
        assert_eq!((a5.coordinate.as_slice(), a5.inferred_agencies.as_slice()), (&["A12".to_owned()][..], &["A9".to_owned()][..]));
        // Every other lead or coordinating agency is marked inferred (the document names none).
        for (at, lead, coordinate, inferred) in p
            .tasks
            .iter()
            .map(|t| (t.id.as_str(), &t.lead, &t.coordinate, &t.inferred_agencies))
            .chain(p.solutions.iter().filter(|s| s.id != "a5").map(|s| (s.id.as_str(), &s.lead, &s.coordinate, &s.inferred_agencies)))
        {
            for id in std::iter::once(lead).filter(|l| !l.is_empty()).chain(coordinate) {
                assert!(inferred.contains(id), "{at}: {id} is not named by the document");
            }
        }
        // T1 and T2 are judged year on year; T2 names its population as the document does.
        for id in ["T1", "T2"] {
            let t = p.targets.iter().find(|t| t.id == id).unwrap();
            assert_eq!((t.kind.as_str(), t.change_percent.as_deref()), ("year_on_year_reduction", Some("-5")));
            let pop = t.population.as_ref().unwrap();
            assert!(!pop.defined_by_plan && pop.age_below == Some(18) && pop.note_vi.contains("lựa chọn của treem"), "{id}");
        }
        assert_eq!(p.targets[2].population.as_ref().unwrap().term_vi, "thanh, thiếu niên vi phạm pháp luật");
        // Section V as structure: who reports, through whom, to whom, by when.
        let r = p.reporting.as_ref().unwrap();
        let reporters: Vec<(&str, Option<&str>)> =
            r.reporters.iter().map(|x| (x.agency.as_str(), x.each.as_ref().map(Coded::as_str))).collect();
        assert_eq!(reporters.len(), 11);
        assert_eq!(reporters[10], ("A12", Some("district")), "each district's People's Committee reports");
        assert!(reporters.contains(&("A11", None)), "the mass organisations report");
        assert_eq!(
            (r.consolidator.as_str(), r.addressee.as_str(), r.due.as_str(), r.due_rule.as_str()),
            ("A1", "ubnd-tinh", "11-15", "before")
        );
        assert_eq!(r.recipients.iter().map(|x| x.name_vi.as_str()).collect::<Vec<_>>(), ["Ủy ban nhân dân tỉnh", "Tỉnh ủy"]);
        assert_eq!(r.period_covered, None, "the document does not say which period a report covers");
        assert!(p.funding_vi.starts_with("Kinh phí thực hiện Kế hoạch") && p.requirements_vi.len() == 2 && p.implementation_vi.len() == 3);
        // The 2012 figure of children in especially difficult circumstances keeps its own term.
        let b4 = p.baselines.iter().find(|b| b.id == "B4").unwrap();
        assert_eq!((b4.name_vi.as_str(), b4.classification.as_deref()), ("Trẻ em có hoàn cảnh đặc biệt khó khăn", Some("pre_law_2016")));
    }
}

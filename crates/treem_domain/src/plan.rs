//! Plans as data: a provincial (or district, or national) plan with its
//! baselines, targets, tasks, solutions and the agencies responsible. The
//! document is read from a file (TOML) or the UI, checked here, and stored as a
//! typed document; nothing filters inside it in SQL.

use serde::{Deserialize, Serialize};
use std::collections::HashSet;

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
    /// district or commune
    pub level: String,
    /// >=, >, <=, <, =
    pub operator: String,
    pub value: i64,
}

/// A target: what kind it is decides which fields it needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub id: String,
    /// umbrella, relative_annual_change, unit_count_with_status, unit_share_with_status, milestone
    pub kind: String,
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
    pub each: Option<String>,
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
    pub level: Option<String>,
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

pub const TARGET_KINDS: &[&str] =
    &["umbrella", "relative_annual_change", "year_on_year_reduction", "unit_count_with_status", "unit_share_with_status", "milestone"];

/// Whether a target kind is a yearly change of a count: compounded from a base year
/// (`relative_annual_change`) or judged against each previous year (`year_on_year_reduction`).
pub fn is_yearly_change(kind: &str) -> bool {
    matches!(kind, "relative_annual_change" | "year_on_year_reduction")
}

/// Checks a plan; every problem names where it is (`targets[T3a].legs[1].operator`).
pub fn check_plan(p: &Plan) -> Result<(), Vec<(String, String)>> {
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut bad = |path: String, msg: &str| errors.push((path, msg.to_owned()));
    let code_ok = !p.code.is_empty() && p.code.len() <= 40 && p.code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if !code_ok {
        bad("code".into(), "1–40 letters, digits or '-'");
    }
    for (field, text) in [("issuer_vi", &p.issuer_vi), ("title_vi", &p.title_vi), ("title_en", &p.title_en)] {
        if crate::text::clean_line(text, 1000).is_err() {
            bad(field.into(), "must be a single line of text");
        }
    }
    if !(1945..=2100).contains(&p.period_from) || p.period_to < p.period_from || p.period_to > 2100 {
        bad("period_to".into(), "the period must run forwards, within 1945–2100");
    }
    if crate::unit_import::parse_date(&p.scope_unit_on).is_none() {
        bad("scope_unit_on".into(), "expected a date as YYYY-MM-DD");
    }
    let agencies: HashSet<&str> = p.agencies.iter().map(|a| a.id.as_str()).collect();
    let mut seen = HashSet::new();
    let ids = p.baselines.iter().map(|b| ("baselines", &b.id)).chain(p.targets.iter().map(|t| ("targets", &t.id)));
    let ids = ids.chain(p.agencies.iter().map(|a| ("agencies", &a.id))).chain(p.tasks.iter().map(|t| ("tasks", &t.id)));
    let recipients = p.reporting.iter().flat_map(|r| &r.recipients).map(|r| ("reporting.recipients", &r.id));
    for (list, id) in ids.chain(p.solutions.iter().map(|s| ("solutions", &s.id))).chain(recipients) {
        if id.is_empty() || !seen.insert(id.clone()) {
            bad(format!("{list}[{id}].id"), "ids must be present and unique in the plan");
        }
    }
    let agency = |path: String, id: &str, errors: &mut Vec<(String, String)>| {
        if !id.is_empty() && !agencies.contains(id) {
            errors.push((path, format!("no agency `{id}` in the plan")));
        }
    };
    for b in &p.baselines {
        if let Some(pc) = &b.percent {
            if parse_hundredths(pc).is_none_or(|v| !(0..=10_000).contains(&v)) {
                errors.push((format!("baselines[{}].percent", b.id), "a percentage from 0 to 100 with at most two decimals".into()));
            }
        }
        if b.numerator.is_none() && b.denominator.is_none() && b.percent.is_none() {
            errors.push((format!("baselines[{}]", b.id), "give at least one of numerator, denominator, percent".into()));
        }
        check_classification(b, &mut errors);
    }
    for t in &p.targets {
        let at = |f: &str| format!("targets[{}].{f}", t.id);
        agency(at("lead"), &t.lead, &mut errors);
        if !TARGET_KINDS.contains(&t.kind.as_str()) {
            errors.push((at("kind"), format!("one of {}", TARGET_KINDS.join(", "))));
        }
        for c in &t.coordinate {
            agency(at("coordinate"), c, &mut errors);
        }
        check_inferred(&format!("targets[{}]", t.id), &t.lead, &t.coordinate, &t.inferred_agencies, &mut errors);
        if let Some(pop) = &t.population {
            check_population(&format!("targets[{}].population", t.id), pop, &mut errors);
        }
        // Whether the indicator exists is checked against the catalogue by the importer.
        if t.indicator.is_some() && !is_yearly_change(&t.kind) {
            errors.push((at("indicator"), "only yearly changes follow an indicator so far".into()));
        }
        match t.kind.as_str() {
            "relative_annual_change" if t.change_percent.as_deref().and_then(parse_hundredths).is_none() => {
                errors.push((at("change_percent"), "a relative yearly change needs its percentage".into()));
            }
            "year_on_year_reduction"
                if t.change_percent.as_deref().and_then(parse_hundredths).is_none_or(|v| !(-9_999..0).contains(&v)) =>
            {
                errors.push((
                    at("change_percent"),
                    "a year-on-year reduction needs its yearly change in percent, below 0 and above -100, at most two decimals (\"-5\" for \"giảm 5%\")".into(),
                ));
            }
            kind if is_yearly_change(kind) && t.from_year.is_none_or(|y| y > t.deadline) => {
                errors.push((at("from_year"), "a yearly change needs its first year, not after the deadline".into()));
            }
            "unit_count_with_status" | "unit_share_with_status" => {
                if !t.status.as_deref().is_some_and(|s| UNIT_STATUSES.contains(&s)) {
                    errors.push((at("status"), format!("the unit status counted: one of {}", UNIT_STATUSES.join(", "))));
                }
                if t.legs.is_empty() {
                    errors.push((at("legs"), "give at least one level, operator and value".into()));
                }
                for (i, l) in t.legs.iter().enumerate() {
                    if !matches!(l.level.as_str(), "district" | "commune" | "hamlet") {
                        errors.push((at(&format!("legs[{i}].level")), "district, commune or hamlet".into()));
                    }
                    if !matches!(l.operator.as_str(), ">=" | ">" | "<=" | "<" | "=") {
                        errors.push((at(&format!("legs[{i}].operator")), ">=, >, <=, < or =".into()));
                    }
                    if t.kind == "unit_share_with_status" && !(0..=100).contains(&l.value) {
                        errors.push((at(&format!("legs[{i}].value")), "a share from 0 to 100".into()));
                    }
                }
            }
            "milestone" => {
                if t.units.is_empty() {
                    errors.push((at("units"), "a milestone names the units concerned".into()));
                }
                if t.status.as_deref().is_some_and(|s| !UNIT_STATUSES.contains(&s)) {
                    errors.push((
                        at("status"),
                        format!("the unit status that shows the milestone reached: one of {}", UNIT_STATUSES.join(", ")),
                    ));
                }
            }
            _ => {}
        }
    }
    for t in &p.tasks {
        agency(format!("tasks[{}].lead", t.id), &t.lead, &mut errors);
        for c in &t.coordinate {
            agency(format!("tasks[{}].coordinate", t.id), c, &mut errors);
        }
        check_inferred(&format!("tasks[{}]", t.id), &t.lead, &t.coordinate, &t.inferred_agencies, &mut errors);
        check_budget(p, t, &mut errors);
    }
    check_unit_target_fields(p, &mut errors);
    for s in &p.solutions {
        agency(format!("solutions[{}].lead", s.id), &s.lead, &mut errors);
        for c in &s.coordinate {
            agency(format!("solutions[{}].coordinate", s.id), c, &mut errors);
        }
        check_inferred(&format!("solutions[{}]", s.id), &s.lead, &s.coordinate, &s.inferred_agencies, &mut errors);
        if !SOLUTION_GROUPS.contains(&s.group.as_str()) {
            errors.push((format!("solutions[{}].group", s.id), "a, b, c or d".into()));
        }
    }
    agency("report_consolidator".into(), &p.report_consolidator, &mut errors);
    check_document_text(p, &mut errors);
    check_reporting(p, &agencies, &mut errors);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The longest paragraph a plan's text may hold, in characters.
pub const PARAGRAPH_MAX: usize = 5_000;

/// One paragraph of the document's text: one line, already in NFC with single spaces.
fn paragraph(path: String, text: &str, errors: &mut Vec<(String, String)>) {
    if text.contains(['\n', '\r']) {
        errors.push((path, "one paragraph per entry: no line breaks (make each paragraph its own entry)".into()));
        return;
    }
    match crate::text::clean_line(text, PARAGRAPH_MAX) {
        Ok(clean) if clean == text => {}
        Ok(_) => errors.push((path, "write the text in Unicode NFC, with single spaces and none at either end".into())),
        Err(e) => errors.push((path, format!("the text {e}"))),
    }
}

/// Paragraphs in Vietnamese and their English: each checked, and one English paragraph
/// for each Vietnamese one (or no English at all).
fn paragraphs(path: &str, vi: &[String], en: &[String], errors: &mut Vec<(String, String)>) {
    for (lang, list) in [("vi", vi), ("en", en)] {
        for (i, text) in list.iter().enumerate() {
            paragraph(format!("{path}_{lang}[{i}]"), text, errors);
        }
    }
    if !en.is_empty() && en.len() != vi.len() {
        errors.push((
            format!("{path}_en"),
            format!("{} paragraphs in Vietnamese, {} in English: translate each paragraph on its own", vi.len(), en.len()),
        ));
    }
}

/// The plan's own texts (requirements, funding, implementation), the agencies' duties
/// and the solution groups' titles.
fn check_document_text(p: &Plan, errors: &mut Vec<(String, String)>) {
    paragraphs("requirements", &p.requirements_vi, &p.requirements_en, errors);
    paragraphs("implementation", &p.implementation_vi, &p.implementation_en, errors);
    for (field, text) in [("funding_vi", &p.funding_vi), ("funding_en", &p.funding_en)] {
        if !text.is_empty() {
            paragraph(field.into(), text, errors);
        }
    }
    if p.funding_vi.is_empty() && !p.funding_en.is_empty() {
        errors.push(("funding_vi".into(), "the Vietnamese text comes first: give funding_vi".into()));
    }
    for a in &p.agencies {
        let at = |f: &str| format!("agencies[{}].{f}", a.id);
        if !a.mandate.is_empty() && !MANDATES.contains(&a.mandate.as_str()) {
            errors.push((
                at("mandate"),
                format!("`{}`: one of {} (invited: \"Đề nghị\", asked, not directed)", a.mandate, MANDATES.join(", ")),
            ));
        }
        if !a.heading_vi.is_empty() {
            paragraph(at("heading_vi"), &a.heading_vi, errors);
        }
        if !a.section.is_empty() && crate::text::clean_line(&a.section, 20).is_err() {
            errors.push((at("section"), "the section of the document, such as IV.8 (one line, at most 20 characters)".into()));
        }
        paragraphs(&format!("agencies[{}].duties", a.id), &a.duties_vi, &a.duties_en, errors);
    }
    let mut groups = HashSet::new();
    for (i, g) in p.solution_groups.iter().enumerate() {
        if !SOLUTION_GROUPS.contains(&g.id.as_str()) || !groups.insert(g.id.as_str()) {
            errors.push((format!("solution_groups[{i}].id"), "a, b, c or d, each once".into()));
        }
        paragraph(format!("solution_groups[{i}].title_vi"), &g.title_vi, errors);
        paragraph(format!("solution_groups[{i}].title_en"), &g.title_en, errors);
    }
}

/// An item's inferred agencies: each is its lead or one of its coordinating agencies.
fn check_inferred(at: &str, lead: &str, coordinate: &[String], inferred: &[String], errors: &mut Vec<(String, String)>) {
    for (i, id) in inferred.iter().enumerate() {
        if id != lead && !coordinate.contains(id) {
            errors.push((
                format!("{at}.inferred_agencies[{i}]"),
                format!("`{id}` is neither the lead nor a coordinating agency here: only those may be marked inferred"),
            ));
        } else if inferred[..i].contains(id) {
            errors.push((format!("{at}.inferred_agencies[{i}]"), format!("`{id}` is listed twice")));
        }
    }
}

/// Whom a target counts: the document's words, and when the plan does not define the ages,
/// the ages treem counts and a note saying it is treem's choice.
fn check_population(at: &str, pop: &Population, errors: &mut Vec<(String, String)>) {
    for (field, text) in [("term_vi", &pop.term_vi), ("term_en", &pop.term_en)] {
        paragraph(format!("{at}.{field}"), text, errors);
    }
    for (field, age) in [("age_from", pop.age_from), ("age_below", pop.age_below)] {
        if age.is_some_and(|a| !(0..=120).contains(&a)) {
            errors.push((format!("{at}.{field}"), "an age in whole years, 0 to 120".into()));
        }
    }
    if let (Some(from), Some(below)) = (pop.age_from, pop.age_below) {
        if from >= below {
            errors.push((format!("{at}.age_below"), format!("{below} is not above age_from {from}")));
        }
    }
    if !pop.defined_by_plan {
        if pop.age_from.is_none() && pop.age_below.is_none() {
            errors.push((format!("{at}.age_below"), "the plan does not define the ages: state the ages treem counts".into()));
        }
        if pop.note_vi.is_empty() {
            errors.push((
                format!("{at}.note_vi"),
                "the plan does not define the ages: say which treem counts and that it is treem's choice".into(),
            ));
        }
    }
    for (field, text) in [("note_vi", &pop.note_vi), ("note_en", &pop.note_en)] {
        if !text.is_empty() {
            paragraph(format!("{at}.{field}"), text, errors);
        }
    }
}

/// A baseline's classification is a known one and fits its date: a figure counted before
/// the Law on Children 2016 came into force cannot be under its Art. 10, nor a later one
/// under the older terms.
fn check_classification(b: &Baseline, errors: &mut Vec<(String, String)>) {
    let Some(c) = &b.classification else { return };
    let at = format!("baselines[{}].classification", b.id);
    if !CLASSIFICATIONS.contains(&c.as_str()) {
        errors.push((at, format!("`{c}`: one of {}", CLASSIFICATIONS.join(", "))));
        return;
    }
    let Some(on) = b.reference.as_deref().and_then(crate::unit_import::parse_date) else { return };
    let before = on < LAW_ON_CHILDREN_IN_FORCE;
    if before && c == "law_2016_art10" {
        errors.push((at, format!("counted on {on}, before the Law on Children 2016 came into force (2017-06-01): use pre_law_2016")));
    } else if !before && c == "pre_law_2016" {
        errors.push((at, format!("counted on {on}, after the Law on Children 2016 came into force (2017-06-01): use law_2016_art10")));
    }
}

/// The reporting structure: agencies and recipients that exist, a due day, known rules;
/// the older `report_due` and `report_consolidator`, if also given, say the same.
fn check_reporting(p: &Plan, agencies: &HashSet<&str>, errors: &mut Vec<(String, String)>) {
    if !p.report_due.is_empty() && !valid_month_day(&p.report_due) {
        errors.push(("report_due".into(), "a day of the year as MM-DD (\"11-15\")".into()));
    }
    let Some(r) = &p.reporting else { return };
    let at = |f: &str| format!("reporting.{f}");
    for (field, text) in
        [("reporters_vi", &r.reporters_vi), ("reporters_en", &r.reporters_en), ("due_vi", &r.due_vi), ("due_en", &r.due_en)]
    {
        paragraph(at(field), text, errors);
    }
    if r.reporters.is_empty() {
        errors.push((at("reporters"), "name who reports: at least one agency of the plan".into()));
    }
    for (i, rep) in r.reporters.iter().enumerate() {
        if !agencies.contains(rep.agency.as_str()) {
            errors.push((format!("reporting.reporters[{i}].agency"), format!("no agency `{}` in the plan", rep.agency)));
        }
        if rep.each.as_deref().is_some_and(|l| !matches!(l, "province" | "district" | "commune")) {
            errors
                .push((format!("reporting.reporters[{i}].each"), "province, district or commune: each unit of that level reports".into()));
        }
        if r.reporters[..i].iter().any(|o| o.agency == rep.agency) {
            errors.push((format!("reporting.reporters[{i}].agency"), format!("`{}` is listed twice", rep.agency)));
        }
    }
    if !agencies.contains(r.consolidator.as_str()) {
        errors.push((at("consolidator"), format!("no agency `{}` in the plan", r.consolidator)));
    }
    if r.recipients.is_empty() {
        errors.push((at("recipients"), "name whom the consolidated report goes to".into()));
    }
    for r2 in &r.recipients {
        paragraph(format!("reporting.recipients[{}].name_vi", r2.id), &r2.name_vi, errors);
        paragraph(format!("reporting.recipients[{}].name_en", r2.id), &r2.name_en, errors);
    }
    if !r.recipients.iter().any(|x| x.id == r.addressee) {
        errors.push((at("addressee"), format!("no recipient `{}` in reporting.recipients", r.addressee)));
    }
    if !valid_month_day(&r.due) {
        errors.push((at("due"), "a day of the year as MM-DD (\"11-15\")".into()));
    }
    if !REPORT_DUE_RULES.contains(&r.due_rule.as_str()) {
        errors.push((at("due_rule"), format!("one of {} (\"trước ngày 15\" is before)", REPORT_DUE_RULES.join(", "))));
    }
    if !REPORT_FREQUENCIES.contains(&r.frequency.as_str()) {
        errors.push((at("frequency"), format!("one of {}", REPORT_FREQUENCIES.join(", "))));
    }
    if r.period_covered.as_deref().is_some_and(|c| !REPORT_PERIODS.contains(&c)) {
        errors
            .push((at("period_covered"), format!("one of {}, or leave it out when the document does not say", REPORT_PERIODS.join(", "))));
    }
    if !p.report_due.is_empty() && p.report_due != r.due {
        errors
            .push(("report_due".into(), format!("{} differs from reporting.due {}: give the day once, in reporting", p.report_due, r.due)));
    }
    if !p.report_consolidator.is_empty() && p.report_consolidator != r.consolidator {
        errors.push((
            "report_consolidator".into(),
            format!("{} differs from reporting.consolidator {}: name it once, in reporting", p.report_consolidator, r.consolidator),
        ));
    }
}

/// "11-15": a month and a day that exist in a leap year.
fn valid_month_day(s: &str) -> bool {
    let Some((m, d)) = s.split_once('-') else { return false };
    let (Ok(m), Ok(d)) = (m.parse::<u8>(), d.parse::<u8>()) else { return false };
    s.len() == 5 && time::Month::try_from(m).is_ok_and(|m| (1..=m.length(2024)).contains(&d))
}

/// A task's budget lines: a known source, a year inside the plan's period, planned and
/// spent neither negative nor absurd, one line per source and year.
fn check_budget(p: &Plan, t: &Task, errors: &mut Vec<(String, String)>) {
    for (i, b) in t.budget.iter().enumerate() {
        let at = |f: &str| format!("tasks[{}].budget[{i}]{f}", t.id);
        if !BUDGET_SOURCES.contains(&b.source.as_str()) {
            errors.push((at(".source"), format!("unknown source `{}`: one of {}", b.source, BUDGET_SOURCES.join(", "))));
        }
        if let Some(y) = b.year {
            if !(p.period_from..=p.period_to).contains(&y) {
                errors.push((at(".year"), format!("{y} is outside the plan's period {}–{}", p.period_from, p.period_to)));
            }
        }
        match b.planned {
            None => errors.push((at(".planned"), "the money planned, in VND; write 0 when it was not planned".into())),
            Some(v) if v < 0 => errors.push((at(".planned"), "not negative".into())),
            Some(v) if v > BUDGET_LINE_MAX_VND => errors.push((at(".planned"), "at most 10^15 VND on one line".into())),
            Some(_) => {}
        }
        match b.spent {
            Some(v) if v < 0 => errors.push((at(".spent"), "not negative".into())),
            Some(v) if v > BUDGET_LINE_MAX_VND => errors.push((at(".spent"), "at most 10^15 VND on one line".into())),
            _ => {}
        }
        if !b.note.is_empty() && crate::text::clean_line(&b.note, 300).is_err() {
            errors.push((at(".note"), "a single line of at most 300 characters".into()));
        }
        if let Some(j) = t.budget[..i].iter().position(|o| o.source == b.source && o.year == b.year) {
            let year = b.year.map_or_else(|| "the whole period".to_owned(), |y| y.to_string());
            errors.push((
                at(""),
                format!("same source and year as tasks[{}].budget[{j}] ({}, {year}): put them on one line", t.id, b.source),
            ));
        }
    }
}

/// The target kinds that may be refined per unit.
pub const UNIT_TARGET_KINDS: &[&str] =
    &["relative_annual_change", "year_on_year_reduction", "unit_count_with_status", "unit_share_with_status"];

/// The level a unit target of a count or share counts: its own, or the target's only leg.
pub fn unit_target_level<'a>(u: &'a UnitTarget, t: &'a Target) -> Option<&'a str> {
    match (&u.level, t.legs.as_slice()) {
        (Some(l), _) => Some(l.as_str()),
        (None, [only]) => Some(only.level.as_str()),
        _ => None,
    }
}

/// The checks of unit targets that need no map of units.
fn check_unit_target_fields(p: &Plan, errors: &mut Vec<(String, String)>) {
    for (i, u) in p.unit_targets.iter().enumerate() {
        let at = |f: &str| format!("unit_targets[{i}].{f}");
        if u.unit_code.trim().is_empty() {
            errors.push((at("unit_code"), "the unit's code".into()));
        }
        if crate::unit_import::parse_date(&u.unit_on).is_none() {
            errors.push((at("unit_on"), "the day the code is read on, as YYYY-MM-DD".into()));
        }
        let period = p.period_from..=p.period_to;
        if u.from_year > u.to_year {
            errors.push((at("to_year"), format!("{} is before from_year {}", u.to_year, u.from_year)));
        }
        for (field, y) in [("from_year", u.from_year), ("to_year", u.to_year)] {
            if !period.contains(&y) {
                errors.push((at(field), format!("{y} is outside the plan's period {}–{}", p.period_from, p.period_to)));
            }
        }
        let Some(t) = p.targets.iter().find(|t| t.id == u.target) else {
            errors.push((at("target"), format!("no target `{}` in the plan", u.target)));
            continue;
        };
        if !UNIT_TARGET_KINDS.contains(&t.kind.as_str()) {
            errors.push((
                at("target"),
                format!("{} is a target of kind {}: only {} are set per unit", t.id, t.kind, UNIT_TARGET_KINDS.join(", ")),
            ));
            continue;
        }
        if u.to_year > t.deadline {
            errors.push((at("to_year"), format!("{} is after the deadline of {}, {}", u.to_year, t.id, t.deadline)));
        }
        let value = parse_hundredths(&u.value);
        match t.kind.as_str() {
            kind if is_yearly_change(kind) => {
                if value.is_none_or(|v| v <= -10_000) {
                    errors.push((at("value"), "a yearly change in percent, more than -100, at most two decimals (\"-5\")".into()));
                } else if kind == "year_on_year_reduction" && value.is_some_and(|v| v >= 0) {
                    errors.push((at("value"), format!("{} is a year-on-year reduction: a negative change in percent (\"-5\")", t.id)));
                }
                if u.level.is_some() {
                    errors.push((at("level"), "only counts and shares have a level".into()));
                }
            }
            kind => {
                let ok = if kind == "unit_count_with_status" {
                    value.is_some_and(|v| v >= 0 && v % 100 == 0)
                } else {
                    value.is_some_and(|v| (0..=10_000).contains(&v))
                };
                if !ok {
                    let want = if kind == "unit_count_with_status" {
                        "a whole number of units, 0 or more"
                    } else {
                        "a share from 0 to 100 (percent)"
                    };
                    errors.push((at("value"), want.into()));
                }
                let leg = unit_target_level(u, t).and_then(|l| t.legs.iter().find(|leg| leg.level == l));
                if kind == "unit_share_with_status" && leg.is_some_and(|l| l.operator == ">") && value == Some(10_000) {
                    errors.push((at("value"), "more than 100 % can never be met".into()));
                }
                let levels: Vec<&str> = t.legs.iter().map(|l| l.level.as_str()).collect();
                match &u.level {
                    Some(l) if !levels.contains(&l.as_str()) => {
                        errors.push((at("level"), format!("{} counts {}: not {l}", t.id, levels.join(", "))))
                    }
                    None if levels.len() > 1 => {
                        errors.push((at("level"), format!("{} has several legs: say which level, one of {}", t.id, levels.join(", "))))
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The checks of unit targets against the map of units: the code names a unit on `unit_on`,
/// inside the plan's area; the unit existed for all the years it is given; it is not below the
/// level it counts; and no two entries give the same target, unit and level for overlapping
/// years. Entries whose fields are wrong already (see [`check_plan`]) are skipped.
pub fn check_unit_targets(p: &Plan, catalog: &crate::units::UnitCatalog) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let area = crate::unit_import::parse_date(&p.scope_unit_on)
        .and_then(|on| catalog.by_code_on(&p.scope_unit_code, on))
        .map(|root| catalog.scope_of(root.id));
    // (index, target, unit, level) of the entries that resolved, for the overlap check.
    let mut resolved: Vec<(usize, &str, &crate::units::AdminUnit, Option<&str>)> = Vec::new();
    for (i, u) in p.unit_targets.iter().enumerate() {
        let at = format!("unit_targets[{i}].unit_code");
        let Some(on) = crate::unit_import::parse_date(&u.unit_on) else { continue };
        let Some(unit) = catalog.by_code_on(u.unit_code.trim(), on) else {
            let others: Vec<String> =
                catalog.by_code(u.unit_code.trim()).iter().map(|o| format!("{} {}", o.name, lifetime(&o.validity))).collect();
            let also = if others.is_empty() { String::new() } else { format!("; the code names {}", others.join(", ")) };
            errors.push((at, format!("no unit with code {} on {on}{also}", u.unit_code.trim())));
            continue;
        };
        let (Ok(first), Ok(last)) = (
            time::Date::from_calendar_date(u.from_year, time::Month::January, 1),
            time::Date::from_calendar_date(u.to_year, time::Month::December, 31),
        ) else {
            continue;
        };
        if first <= last && !unit.validity.covers(&crate::units::Validity { from: first, to: Some(last) }) {
            errors.push((
                at.clone(),
                format!(
                    "{} ({}) existed {}, not for the whole of {}–{}",
                    unit.name,
                    unit.code,
                    lifetime(&unit.validity),
                    u.from_year,
                    u.to_year
                ),
            ));
        }
        if area.as_ref().is_some_and(|a| !a.contains(unit.id, on)) {
            errors.push((at.clone(), format!("{} ({}) is not in the plan's area on {on}", unit.name, unit.code)));
        }
        let target = p.targets.iter().find(|t| t.id == u.target && UNIT_TARGET_KINDS.contains(&t.kind.as_str()));
        let level = target
            .filter(|t| !is_yearly_change(&t.kind))
            .and_then(|t| unit_target_level(u, t).filter(|l| t.legs.iter().any(|leg| leg.level == *l)));
        if let Some(l) = level.and_then(crate::units::UnitLevel::parse) {
            if l < unit.level {
                errors.push((
                    format!("unit_targets[{i}].level"),
                    format!("{} ({}) is a {}: it holds no {}", unit.name, unit.code, unit.level.as_str(), l.as_str()),
                ));
            }
        }
        if target.is_some() && first <= last {
            resolved.push((i, u.target.as_str(), unit, level));
        }
    }
    for (k, (j, target, unit, level)) in resolved.iter().enumerate() {
        let a = &p.unit_targets[*j];
        for (i, _, _, _) in resolved[..k].iter().filter(|(_, t, o, l)| t == target && o.id == unit.id && l == level) {
            let o = &p.unit_targets[*i];
            if o.from_year <= a.to_year && a.from_year <= o.to_year {
                let level = level.map(|l| format!(", level {l}")).unwrap_or_default();
                errors.push((
                    format!("unit_targets[{j}]"),
                    format!(
                        "overlaps unit_targets[{i}]: same target {target} and unit {} ({}){level}, years {}–{} and {}–{}",
                        unit.name, unit.code, o.from_year, o.to_year, a.from_year, a.to_year
                    ),
                ));
            }
        }
    }
    errors
}

/// "from 2012-01-01 to 2025-06-30", or "from 2025-07-01 (still in force)".
fn lifetime(v: &crate::units::Validity) -> String {
    match v.to {
        Some(to) => format!("from {} to {to}", v.from),
        None => format!("from {} (still in force)", v.from),
    }
}

/// Money of one group of budget lines, in VND.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BudgetSum {
    pub planned: i64,
    /// What the lines with a reported spending say was spent.
    pub spent: i64,
    /// Lines whose spending is not reported yet.
    pub unreported: usize,
}

impl BudgetSum {
    fn add(&mut self, b: &BudgetLine) {
        self.planned = self.planned.saturating_add(b.planned.unwrap_or(0));
        match b.spent {
            Some(s) => self.spent = self.spent.saturating_add(s),
            None => self.unreported += 1,
        }
    }

    /// The share spent in hundredths of a percent (45.20 % → 4520); none when nothing was planned.
    pub fn share_hundredths(&self) -> Option<i64> {
        (self.planned > 0).then(|| {
            let h = (i128::from(self.spent) * 20_000 / i128::from(self.planned) + 1) / 2;
            i64::try_from(h).unwrap_or(i64::MAX)
        })
    }
}

/// A plan's budget summed by source (in [`BUDGET_SOURCES`] order) and by year (lines for the
/// whole period under `None`, first), with the grand total.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BudgetTotals {
    pub by_source: Vec<(String, BudgetSum)>,
    pub by_year: Vec<(Option<i32>, BudgetSum)>,
    pub total: BudgetSum,
    /// How many budget lines the plan has.
    pub lines: usize,
}

/// Sums the budget lines of every task of a checked plan.
pub fn budget_totals(p: &Plan) -> BudgetTotals {
    let mut by_source: std::collections::BTreeMap<usize, BudgetSum> = std::collections::BTreeMap::new();
    let mut by_year: std::collections::BTreeMap<Option<i32>, BudgetSum> = std::collections::BTreeMap::new();
    let mut out = BudgetTotals::default();
    for b in p.tasks.iter().flat_map(|t| &t.budget) {
        let rank = BUDGET_SOURCES.iter().position(|s| *s == b.source).unwrap_or(BUDGET_SOURCES.len());
        by_source.entry(rank).or_default().add(b);
        by_year.entry(b.year).or_default().add(b);
        out.total.add(b);
        out.lines += 1;
    }
    out.by_source = by_source.into_iter().map(|(r, s)| (BUDGET_SOURCES.get(r).copied().unwrap_or("other").to_owned(), s)).collect();
    out.by_year = by_year.into_iter().collect();
    out
}

/// Dated statuses a unit can hold (recorded with the decision that conferred them).
pub const UNIT_STATUSES: &[&str] = &["child_friendly", "community_based_protection", "juvenile_diversion_pilot"];

/// One leg of a unit-count target in one year ("> 45 communes").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegProgress {
    pub level: String,
    pub operator: String,
    pub value: i64,
    /// Units of the level holding the status on the day counted.
    pub count: i64,
    /// All units of the level in the plan's area on that day.
    pub total: i64,
    pub met: bool,
}

/// A unit-count or unit-share target on the last day of one year (or today, this year).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusYear {
    pub year: i32,
    pub on: time::Date,
    pub legs: Vec<LegProgress>,
    pub status: YearStatus,
}

fn compare(left: i128, operator: &str, right: i128) -> bool {
    match operator {
        ">=" => left >= right,
        ">" => left > right,
        "<=" => left <= right,
        "<" => left < right,
        _ => left == right,
    }
}

/// The progress of a `unit_count_with_status` or `unit_share_with_status` target, year by
/// year from `first_year` to its deadline (or today). `count(level, day)` answers
/// (units of the level holding the status, all units of the level) in the plan's area.
pub fn unit_status_progress(
    t: &Target,
    first_year: i32,
    today: time::Date,
    count: impl FnMut(&str, time::Date) -> (i64, i64),
) -> Vec<StatusYear> {
    let legs: Vec<(&Leg, i64)> = t.legs.iter().map(|l| (l, l.value.saturating_mul(100))).collect();
    status_years(t.kind == "unit_share_with_status", &legs, first_year, t.deadline, today, count)
}

/// Year by year from `first_year` to `deadline` (or today): whether every leg holds, a
/// leg's value given in hundredths (a share of 12.5 % is 1250).
fn status_years(
    share: bool,
    legs: &[(&Leg, i64)],
    first_year: i32,
    deadline: i32,
    today: time::Date,
    mut count: impl FnMut(&str, time::Date) -> (i64, i64),
) -> Vec<StatusYear> {
    let mut out = Vec::new();
    for year in first_year..=deadline.min(today.year()) {
        let Ok(year_end) = time::Date::from_calendar_date(year, time::Month::December, 31) else { continue };
        let on = year_end.min(today);
        let legs: Vec<LegProgress> = legs
            .iter()
            .map(|(l, hundredths)| {
                let (n, total) = count(&l.level, on);
                // A share compares n/total with value % exactly: n × 10,000 against value in hundredths × total.
                let met = if share {
                    total > 0 && compare(i128::from(n) * 10_000, &l.operator, i128::from(*hundredths) * i128::from(total))
                } else {
                    compare(i128::from(n) * 100, &l.operator, i128::from(*hundredths))
                };
                LegProgress { level: l.level.clone(), operator: l.operator.clone(), value: hundredths / 100, count: n, total, met }
            })
            .collect();
        let met = !legs.is_empty() && legs.iter().all(|l| l.met);
        let status = match (met, year == deadline, on < year_end) {
            (true, true, false) => YearStatus::Achieved,
            (true, _, _) => YearStatus::OnTrack,
            (false, true, false) => YearStatus::Missed,
            (false, true, true) => YearStatus::AtRisk,
            (false, false, _) => YearStatus::NotYet,
        };
        out.push(StatusYear { year, on, legs, status });
    }
    out
}

/// How one unit's entry of a plan's targets stands, year by year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "years", rename_all = "snake_case")]
pub enum UnitTargetYears {
    /// A relative yearly change: the unit's count against its own compounding ceiling.
    Change(Vec<YearProgress>),
    /// A count or share of the unit's units holding a status.
    Status(Vec<StatusYear>),
}

/// The progress of one unit target (`u`, refining `t`). A relative change compounds the
/// unit's own yearly change from the year before `from_year` over `counts` (the unit's
/// count by year); a count or share is counted year by year over the unit's subtree by
/// `count(level, day)` as for the whole plan. None when the entry does not fit its target
/// (the plan's check reports why).
pub fn unit_target_progress(
    t: &Target,
    u: &UnitTarget,
    today: time::Date,
    counts: &std::collections::BTreeMap<i32, i64>,
    count: impl FnMut(&str, time::Date) -> (i64, i64),
) -> Option<UnitTargetYears> {
    match t.kind.as_str() {
        "relative_annual_change" | "year_on_year_reduction" => {
            let own = Target { change_percent: Some(u.value.clone()), from_year: Some(u.from_year), deadline: u.to_year, ..t.clone() };
            own.compounded_ppm(0)?;
            Some(UnitTargetYears::Change(yearly_change_progress(&own, counts, today)))
        }
        "unit_count_with_status" | "unit_share_with_status" => {
            let level = unit_target_level(u, t)?;
            let leg = t.legs.iter().find(|l| l.level == level)?;
            let hundredths = parse_hundredths(&u.value)?;
            let share = t.kind == "unit_share_with_status";
            Some(UnitTargetYears::Status(status_years(share, &[(leg, hundredths)], u.from_year, u.to_year, today, count)))
        }
        _ => None,
    }
}

/// One unit a milestone names, and when it held the milestone's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MilestoneUnit {
    pub code: String,
    /// The unit's name on the plan's scope day; none when the code names no unit then.
    pub name: Option<String>,
    /// The first day the unit held the status within the plan's period up to the deadline.
    pub since: Option<time::Date>,
}

/// Where a milestone stands: achieved when every unit it names held its status on some
/// day from the plan's start to the deadline's last day; missed when the deadline passed
/// without; before that, on track when every unit holds it already, at risk in the
/// deadline year when some unit does not yet, not yet otherwise. A milestone with no
/// status to follow is not measured (none).
pub fn milestone_status(deadline: i32, units: &[MilestoneUnit], today: time::Date) -> Option<YearStatus> {
    let last = time::Date::from_calendar_date(deadline, time::Month::December, 31).ok()?;
    let all = !units.is_empty() && units.iter().all(|u| u.since.is_some_and(|d| d <= last));
    Some(match (today > last, all) {
        (true, true) => YearStatus::Achieved,
        (true, false) => YearStatus::Missed,
        (false, true) => YearStatus::OnTrack,
        (false, false) if today.year() == deadline => YearStatus::AtRisk,
        (false, false) => YearStatus::NotYet,
    })
}

/// How a target stands in one year; the rules are in docs/PLANS.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum YearStatus {
    /// The base year: what later years are compared with.
    Baseline,
    /// The base year counted nothing, so a relative change has nothing to apply to.
    NoBaseline,
    Achieved,
    Missed,
    /// The current year, at or under the target pro-rated to today.
    OnTrack,
    /// The current year, over the pro-rated target but still within the year's target.
    AtRisk,
    /// The current year, already over the whole year's target.
    OffTrack,
    /// A count target before its deadline, not met yet.
    NotYet,
    /// A year-on-year target whose previous year counted nothing: there is no share of it
    /// to take, so the year cannot be judged.
    NoData,
}

impl YearStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::NoBaseline => "no_baseline",
            Self::Achieved => "achieved",
            Self::Missed => "missed",
            Self::OnTrack => "on_track",
            Self::AtRisk => "at_risk",
            Self::OffTrack => "off_track",
            Self::NotYet => "not_yet",
            Self::NoData => "no_data",
        }
    }
    pub const ALL: [Self; 9] = [
        Self::Baseline,
        Self::NoBaseline,
        Self::Achieved,
        Self::Missed,
        Self::OnTrack,
        Self::AtRisk,
        Self::OffTrack,
        Self::NotYet,
        Self::NoData,
    ];
}

/// One year of a relative-change target: the count, the most it may be, the status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearProgress {
    pub year: i32,
    pub actual: i64,
    /// The ceiling the year is judged against, in hundredths: base × (1 + change)^(years
    /// since base) for a compounded change, (1 + change) × the previous year's count for a
    /// year-on-year reduction; none for the base year and a year that cannot be judged.
    pub target_hundredths: Option<i64>,
    pub status: YearStatus,
    /// A year-on-year reduction only: the compounded path from the base year, in hundredths,
    /// shown beside the judgement as context (never what the year is judged against).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trajectory_hundredths: Option<i64>,
}

/// The progress of a yearly-change target by its kind: compounded from the base year, or
/// judged year on year.
pub fn yearly_change_progress(t: &Target, counts: &std::collections::BTreeMap<i32, i64>, today: time::Date) -> Vec<YearProgress> {
    if t.kind == "year_on_year_reduction" {
        year_on_year_progress(t, counts, today)
    } else {
        relative_change_progress(t, counts, today)
    }
}

/// base × (1 + change)^(year − base year) in hundredths, rounded half up.
fn compounded_hundredths(t: &Target, base: i64, years: i32) -> i64 {
    let ppm = t.compounded_ppm(u32::try_from(years).unwrap_or(0)).unwrap_or(1_000_000);
    i64::try_from((i128::from(base) * i128::from(ppm) * 100 + 500_000) / 1_000_000).unwrap_or(i64::MAX)
}

/// The progress of a "reduce by N % every year" target judged **year on year**: each year
/// from `from_year` to the deadline (or today's year) against (1 + change) × the previous
/// year's count, the change being negative (−5 %: at most 95 % of the previous year).
///
/// - A past year is *achieved* when its count is at most that ceiling, compared exactly
///   (count × 10,000 ≤ previous × (10,000 + change in hundredths)): a count of exactly 95 %
///   of the previous year is a reduction of 5 %, which is what "giảm 5%" asks; *missed* otherwise.
/// - The current year is *on track* while its count so far is at most the ceiling pro-rated
///   to today, *at risk* above that but within the ceiling, *off track* above the ceiling.
/// - A year whose previous year counted nothing is *no data*: a share of nothing is not a
///   reduction, and treem cannot tell "no case happened" from "no case was recorded".
/// - The first row is the base year (the year before `from_year`), not judged (*no base*
///   when it counted nothing).
///
/// Each year also carries the compounded path from the base year (base × 0.95^years) as
/// context; a year is never judged against it. `counts` holds the indicator by year; a
/// missing year is 0.
pub fn year_on_year_progress(t: &Target, counts: &std::collections::BTreeMap<i32, i64>, today: time::Date) -> Vec<YearProgress> {
    let (Some(first), Some(change)) = (t.from_year, t.change_percent.as_deref().and_then(parse_hundredths)) else { return Vec::new() };
    // The share of the previous year allowed, in hundredths of a percent (−5 % → 9,500).
    let factor = i128::from(10_000 + change);
    let base_year = first - 1;
    let base = counts.get(&base_year).copied().unwrap_or(0);
    let mut out = Vec::new();
    for year in base_year..=t.deadline.min(today.year()) {
        let actual = counts.get(&year).copied().unwrap_or(0);
        let trajectory = (base > 0 && year > base_year).then(|| compounded_hundredths(t, base, year - base_year));
        if year == base_year {
            let status = if base == 0 { YearStatus::NoBaseline } else { YearStatus::Baseline };
            out.push(YearProgress { year, actual, target_hundredths: None, status, trajectory_hundredths: None });
            continue;
        }
        let previous = counts.get(&(year - 1)).copied().unwrap_or(0);
        if previous <= 0 {
            out.push(YearProgress { year, actual, target_hundredths: None, status: YearStatus::NoData, trajectory_hundredths: trajectory });
            continue;
        }
        // Both sides in ten-thousandths of a count, exactly.
        let allowed = i128::from(previous) * factor;
        let counted = i128::from(actual) * 10_000;
        let status = if year < today.year() {
            if counted <= allowed {
                YearStatus::Achieved
            } else {
                YearStatus::Missed
            }
        } else {
            let (day, days) = (i128::from(today.ordinal()), i128::from(time::util::days_in_year(year)));
            if counted * days <= allowed * day {
                YearStatus::OnTrack
            } else if counted <= allowed {
                YearStatus::AtRisk
            } else {
                YearStatus::OffTrack
            }
        };
        // The ceiling shown, in hundredths of a count, rounded half up.
        let shown = i64::try_from((allowed + 50) / 100).unwrap_or(i64::MAX);
        out.push(YearProgress { year, actual, target_hundredths: Some(shown), status, trajectory_hundredths: trajectory });
    }
    out
}

/// The progress of a "change N % a year" target from its base year (the year before
/// `from_year`) to its deadline or `today`'s year, whichever is first; years after
/// today are not shown. `counts` holds the indicator by year; a missing year is 0.
pub fn relative_change_progress(t: &Target, counts: &std::collections::BTreeMap<i32, i64>, today: time::Date) -> Vec<YearProgress> {
    let Some(first) = t.from_year else { return Vec::new() };
    let base_year = first - 1;
    let base = counts.get(&base_year).copied().unwrap_or(0);
    let mut out = Vec::new();
    for year in base_year..=t.deadline.min(today.year()) {
        let actual = counts.get(&year).copied().unwrap_or(0);
        if year == base_year {
            let status = if base == 0 { YearStatus::NoBaseline } else { YearStatus::Baseline };
            out.push(YearProgress { year, actual, target_hundredths: None, status, trajectory_hundredths: None });
            continue;
        }
        let ppm = t.compounded_ppm(u32::try_from(year - base_year).unwrap_or(0)).unwrap_or(1_000_000);
        // base × ppm / 10⁶ in hundredths, rounded half up.
        let target = (i128::from(base) * i128::from(ppm) * 100 + 500_000) / 1_000_000;
        let target = i64::try_from(target).unwrap_or(i64::MAX);
        let actual_h = actual.saturating_mul(100);
        let status = if base == 0 {
            YearStatus::NoBaseline
        } else if year < today.year() {
            if actual_h <= target {
                YearStatus::Achieved
            } else {
                YearStatus::Missed
            }
        } else {
            let days_in_year = i64::from(time::util::days_in_year(year));
            let pro_rated = i64::try_from(i128::from(target) * i128::from(today.ordinal()) / i128::from(days_in_year)).unwrap_or(i64::MAX);
            if actual_h <= pro_rated {
                YearStatus::OnTrack
            } else if actual_h <= target {
                YearStatus::AtRisk
            } else {
                YearStatus::OffTrack
            }
        };
        out.push(YearProgress { year, actual, target_hundredths: Some(target), status, trajectory_hundredths: None });
    }
    out
}

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

    fn t1() -> Target {
        Target {
            id: "T1".into(),
            kind: "relative_annual_change".into(),
            text_vi: String::new(),
            text_en: String::new(),
            deadline: 2020,
            lead: String::new(),
            change_percent: Some("-5".into()),
            measure: None,
            from_year: Some(2013),
            indicator: Some("incidents.sexual_abuse".into()),
            status: None,
            legs: vec![],
            units: vec![],
            coordinate: vec![],
            inferred_agencies: vec![],
            population: None,
        }
    }

    #[test]
    fn minus_five_percent_a_year_compounds() {
        assert_eq!(t1().compounded_ppm(8), Some(663_420));
    }

    #[test]
    fn yearly_status_follows_the_compounded_ceiling() {
        use time::macros::date;
        let counts: std::collections::BTreeMap<i32, i64> = [(2012, 40), (2013, 38), (2014, 37), (2015, 20)].into();
        let p = relative_change_progress(&t1(), &counts, date!(2015 - 07 - 02));
        let got: Vec<_> = p.iter().map(|y| (y.year, y.actual, y.target_hundredths, y.status)).collect();
        assert_eq!(
            got,
            vec![
                (2012, 40, None, YearStatus::Baseline),
                (2013, 38, Some(3800), YearStatus::Achieved), // exactly on the ceiling counts as achieved
                (2014, 37, Some(3610), YearStatus::Missed),
                // 2015: ceiling 34.30; 2 July is day 183 of 365, so 17.20 pro-rated: 20 is at risk.
                (2015, 20, Some(3430), YearStatus::AtRisk),
            ]
        );
        let early = relative_change_progress(&t1(), &counts, date!(2015 - 12 - 31));
        assert_eq!(early[3].status, YearStatus::OnTrack);
        let over: std::collections::BTreeMap<i32, i64> = [(2012, 40), (2015, 35)].into();
        assert_eq!(relative_change_progress(&t1(), &over, date!(2015 - 03 - 01))[3].status, YearStatus::OffTrack);
        // Nothing in the base year: no relative target can be set.
        let none: std::collections::BTreeMap<i32, i64> = [(2013, 3)].into();
        assert!(relative_change_progress(&t1(), &none, date!(2026 - 01 - 01)).iter().all(|y| y.status == YearStatus::NoBaseline));
        // Years after the deadline are not shown; years after today neither.
        assert_eq!(relative_change_progress(&t1(), &counts, date!(2026 - 01 - 01)).len(), 9);
        assert_eq!(relative_change_progress(&t1(), &counts, date!(2012 - 06 - 01)).len(), 1);
    }

    fn yoy() -> Target {
        Target { kind: "year_on_year_reduction".into(), ..t1() }
    }

    /// (year, count, ceiling, status, trajectory) of a year-on-year row.
    type YoyRow = (i32, i64, Option<i64>, YearStatus, Option<i64>);

    fn yoy_rows(counts: &[(i32, i64)], today: time::Date) -> Vec<YoyRow> {
        let counts: std::collections::BTreeMap<i32, i64> = counts.iter().copied().collect();
        year_on_year_progress(&yoy(), &counts, today)
            .into_iter()
            .map(|y| (y.year, y.actual, y.target_hundredths, y.status, y.trajectory_hundredths))
            .collect()
    }

    #[test]
    fn a_yearly_reduction_of_five_percent_is_judged_against_the_year_before() {
        use time::macros::date;
        // 2012: 40 → 2013 may be at most 38 (95 % of 40); 2013 counted 38, exactly 95 %:
        // a reduction of 5 % is what "giảm 5%" asks, so it is met.
        // 2014 may be at most 36.10 (95 % of 38): 37 is missed.
        // 2015 is judged against 2014's 37, not the base: at most 35.15, so 35 is met,
        // although the compounded path from 2012 (34.30) would have called it missed.
        let rows = yoy_rows(&[(2012, 40), (2013, 38), (2014, 37), (2015, 35)], date!(2026 - 01 - 01));
        assert_eq!(
            rows[..4],
            [
                (2012, 40, None, YearStatus::Baseline, None),
                (2013, 38, Some(3_800), YearStatus::Achieved, Some(3_800)),
                (2014, 37, Some(3_610), YearStatus::Missed, Some(3_610)),
                (2015, 35, Some(3_515), YearStatus::Achieved, Some(3_430)),
            ]
        );
        // 2016 counted nothing: met (0 ≤ 33.25). The years after follow a year that counted
        // nothing, so they cannot be judged (no data), whatever they count.
        assert_eq!(rows[4].3, YearStatus::Achieved);
        assert_eq!((rows[5].0, rows[5].2, rows[5].3), (2017, None, YearStatus::NoData));
        assert_eq!((rows[6].0, rows[6].2, rows[6].3), (2018, None, YearStatus::NoData));
        // Once a year counts again, the next is judged against it: 2018's 2 against 95 % of 2017's 3.
        let rows = yoy_rows(&[(2012, 40), (2016, 0), (2017, 3), (2018, 2), (2019, 2)], date!(2026 - 01 - 01));
        assert_eq!((rows[5].3, rows[6].2, rows[6].3), (YearStatus::NoData, Some(285), YearStatus::Achieved));
        assert_eq!((rows[7].2, rows[7].3), (Some(190), YearStatus::Missed), "2 after 2 is not a reduction");
        // The years run from the base year to the deadline (2012–2020), and no further than today.
        assert_eq!(rows.len(), 9);
        assert_eq!(yoy_rows(&[(2012, 40)], date!(2012 - 06 - 01)).len(), 1);
    }

    #[test]
    fn exactly_ninety_five_percent_meets_and_one_more_misses() {
        use time::macros::date;
        let later = date!(2026 - 01 - 01);
        let status = |previous: i64, actual: i64| yoy_rows(&[(2012, previous), (2013, actual)], later)[1].3;
        // Whole counts: 95 % of 20 is 19 exactly (met), of 41 is 38.95 (38 met, 39 missed).
        assert_eq!((status(20, 19), status(20, 20)), (YearStatus::Achieved, YearStatus::Missed));
        assert_eq!((status(41, 38), status(41, 39)), (YearStatus::Achieved, YearStatus::Missed));
        // Under 20 a year, 95 % is more than one fewer: one fewer is enough, the same count misses.
        assert_eq!((status(10, 9), status(10, 10)), (YearStatus::Achieved, YearStatus::Missed));
        assert_eq!((status(1, 0), status(1, 1)), (YearStatus::Achieved, YearStatus::Missed));
        // A change with decimals is compared exactly: −5.5 % of 41 allows 38.745, shown rounded 38.75.
        let mut t = yoy();
        t.change_percent = Some("-5.5".into());
        let counts: std::collections::BTreeMap<i32, i64> = [(2012, 41), (2013, 39)].into();
        let y = &year_on_year_progress(&t, &counts, later)[1];
        assert_eq!((y.target_hundredths, y.status), (Some(3_875), YearStatus::Missed));
    }

    #[test]
    fn the_current_year_is_judged_pro_rata_against_the_previous_year() {
        use time::macros::date;
        // 2015: at most 95 % of 2014's 40 = 38; on 2 July (day 183 of 365) that is 19.05 so far.
        let on = date!(2015 - 07 - 02);
        let row = |n: i64| yoy_rows(&[(2012, 50), (2013, 45), (2014, 40), (2015, n)], on)[3].3;
        assert_eq!(
            (row(19), row(20), row(38), row(39)),
            (YearStatus::OnTrack, YearStatus::AtRisk, YearStatus::AtRisk, YearStatus::OffTrack)
        );
        // The trajectory beside it compounds from the base year: 50 × 0.95³ = 42.87.
        assert_eq!(yoy_rows(&[(2012, 50), (2015, 1)], on)[3].4, Some(4_287));
        // A base year that counted nothing gives no trajectory and leaves 2013 unjudged.
        let rows = yoy_rows(&[(2013, 3), (2014, 2)], date!(2026 - 01 - 01));
        assert_eq!((rows[0].3, rows[1].3, rows[1].4), (YearStatus::NoBaseline, YearStatus::NoData, None));
        assert_eq!(rows[2].3, YearStatus::Achieved, "2 after 3 is at most 2.85");
    }

    #[test]
    fn unit_targets_are_met_when_every_leg_is() {
        use time::macros::date;
        let mut t = t1();
        t.kind = "unit_count_with_status".into();
        t.deadline = 2015;
        t.legs = vec![
            Leg { level: "district".into(), operator: ">=".into(), value: 6 },
            Leg { level: "commune".into(), operator: ">".into(), value: 45 },
        ];
        // Districts: 6 from 2014; communes: 30, 45, 46 in 2013–2015.
        let count = |level: &str, on: time::Date| match (level, on.year()) {
            ("district", y) => (if y >= 2014 { 6 } else { 4 }, 12),
            (_, 2013) => (30, 141),
            (_, 2014) => (45, 141),
            _ => (46, 141),
        };
        let p = unit_status_progress(&t, 2013, date!(2026 - 01 - 01), count);
        let got: Vec<_> = p.iter().map(|y| (y.year, y.status)).collect();
        assert_eq!(got, vec![(2013, YearStatus::NotYet), (2014, YearStatus::NotYet), (2015, YearStatus::Achieved)]);
        assert!(p[1].legs[0].met && !p[1].legs[1].met, "45 is not more than 45");
        // In the deadline year itself, before its end: at risk until met.
        let now = unit_status_progress(&t, 2013, date!(2015 - 06 - 30), |l, _| if l == "district" { (6, 12) } else { (10, 141) });
        assert_eq!((now[2].status, now[2].on), (YearStatus::AtRisk, date!(2015 - 06 - 30)));
        // A share: more than 90 % of communes; 127/141 = 90.07 % is more, 126/141 = 89.4 % is not.
        t.kind = "unit_share_with_status".into();
        t.legs = vec![Leg { level: "commune".into(), operator: ">".into(), value: 90 }];
        assert_eq!(unit_status_progress(&t, 2015, date!(2026 - 01 - 01), |_, _| (127, 141))[0].status, YearStatus::Achieved);
        assert_eq!(unit_status_progress(&t, 2015, date!(2026 - 01 - 01), |_, _| (126, 141))[0].status, YearStatus::Missed);
        // No communes at all is never a met share (no division by zero).
        assert_eq!(unit_status_progress(&t, 2015, date!(2026 - 01 - 01), |_, _| (0, 0))[0].status, YearStatus::Missed);
    }

    #[test]
    fn a_unit_target_is_its_own_target_over_its_own_years() {
        use time::macros::date;
        let mut t = t1();
        t.deadline = 2020;
        let u = |value: &str, from_year, to_year, level: Option<&str>| UnitTarget {
            target: t.id.clone(),
            unit_code: "866".into(),
            unit_on: "2021-12-31".into(),
            from_year,
            to_year,
            value: value.into(),
            level: level.map(str::to_owned),
        };
        // The unit's own −10 % a year from a base of 100 in 2015: ceilings 90, 81.
        let counts: std::collections::BTreeMap<i32, i64> = [(2015, 100), (2016, 90), (2017, 82)].into_iter().collect();
        let Some(UnitTargetYears::Change(years)) =
            unit_target_progress(&t, &u("-10", 2016, 2017, None), date!(2026 - 01 - 01), &counts, |_, _| (0, 0))
        else {
            panic!("a relative change")
        };
        let got: Vec<_> = years.iter().map(|y| (y.year, y.target_hundredths, y.status)).collect();
        assert_eq!(
            got,
            vec![(2015, None, YearStatus::Baseline), (2016, Some(9_000), YearStatus::Achieved), (2017, Some(8_100), YearStatus::Missed)]
        );
        assert_eq!(unit_target_progress(&t, &u("lots", 2016, 2017, None), date!(2026 - 01 - 01), &counts, |_, _| (0, 0)), None);
        // A share with decimals: more than 62.5 % of the unit's communes; 5/8 is not more, 6/8 is.
        t.kind = "unit_share_with_status".into();
        t.legs = vec![Leg { level: "commune".into(), operator: ">".into(), value: 90 }];
        let share = u("62.5", 2019, 2020, None);
        let Some(UnitTargetYears::Status(years)) =
            unit_target_progress(&t, &share, date!(2026 - 01 - 01), &counts, |_, on| if on.year() == 2019 { (5, 8) } else { (6, 8) })
        else {
            panic!("a share")
        };
        let got: Vec<_> = years.iter().map(|y| (y.year, y.status)).collect();
        assert_eq!(got, vec![(2019, YearStatus::NotYet), (2020, YearStatus::Achieved)]);
        // A level the target does not count is no progress (the plan's check names it).
        assert_eq!(unit_target_progress(&t, &u("50", 2019, 2020, Some("district")), date!(2026 - 01 - 01), &counts, |_, _| (1, 1)), None);
    }

    #[test]
    fn a_milestone_is_reached_when_every_unit_held_its_status_by_the_deadline() {
        use time::macros::date;
        let unit = |since: Option<time::Date>| MilestoneUnit { code: "873".into(), name: None, since };
        let both = [unit(Some(date!(2014 - 03 - 01))), unit(Some(date!(2016 - 12 - 31)))];
        assert_eq!(milestone_status(2016, &both, date!(2026 - 01 - 01)), Some(YearStatus::Achieved));
        let late = [unit(Some(date!(2014 - 03 - 01))), unit(Some(date!(2017 - 01 - 01)))];
        assert_eq!(milestone_status(2016, &late, date!(2026 - 01 - 01)), Some(YearStatus::Missed));
        assert_eq!(milestone_status(2016, &late, date!(2016 - 05 - 01)), Some(YearStatus::AtRisk));
        assert_eq!(milestone_status(2016, &late, date!(2015 - 05 - 01)), Some(YearStatus::NotYet));
        assert_eq!(milestone_status(2016, &both[..1], date!(2015 - 05 - 01)), Some(YearStatus::OnTrack));
        assert_eq!(milestone_status(2016, &[], date!(2026 - 01 - 01)), Some(YearStatus::Missed), "naming no unit is never reached");
    }
    /// A small plan of 2013–2020 with a relative-change target, a two-leg count and a share.
    fn small_plan(extra: &str) -> Plan {
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

    fn fields(p: &Plan) -> Vec<String> {
        check_plan(p).err().unwrap_or_default().into_iter().map(|(f, _)| f).collect()
    }

    #[test]
    fn budget_lines_are_checked_by_path_and_summed_by_source_and_year() {
        let good = small_plan(
            r#"
[[tasks]]
id = "N1"
text_vi = "x"
text_en = "x"
lead = "A1"
budget = [
  { source = "provincial_budget", year = 2014, planned = 500000000, spent = 450000000 },
  { source = "mobilised", planned = 0, spent = 20000000, note = "Quỹ Bảo trợ trẻ em" },
  { source = "provincial_budget", year = 2015, planned = 600000000 },
]
[[tasks]]
id = "N2"
text_vi = "y"
text_en = "y"
lead = "A1"
budget = [{ source = "central_budget", year = 2014, planned = 300000000, spent = 0 }]
"#,
        );
        assert_eq!(check_plan(&good), Ok(()));
        let t = budget_totals(&good);
        let sources: Vec<(&str, i64, i64, usize)> =
            t.by_source.iter().map(|(s, b)| (s.as_str(), b.planned, b.spent, b.unreported)).collect();
        assert_eq!(
            sources,
            vec![
                ("central_budget", 300_000_000, 0, 0),
                ("provincial_budget", 1_100_000_000, 450_000_000, 1),
                ("mobilised", 0, 20_000_000, 0)
            ]
        );
        let years: Vec<(Option<i32>, i64, i64)> = t.by_year.iter().map(|(y, b)| (*y, b.planned, b.spent)).collect();
        assert_eq!(years, vec![(None, 0, 20_000_000), (Some(2014), 800_000_000, 450_000_000), (Some(2015), 600_000_000, 0)]);
        assert_eq!((t.total.planned, t.total.spent, t.total.unreported, t.lines), (1_400_000_000, 470_000_000, 1, 4));
        // 470 of 1,400 million is 33.57 %; nothing planned has no share.
        assert_eq!(t.total.share_hundredths(), Some(3357));
        assert_eq!(t.by_source[2].1.share_hundredths(), None);
        // Every wrong field named by its path; the unknown source lists the allowed ones.
        let bad = small_plan(
            r#"
[[tasks]]
id = "N1"
text_vi = "x"
text_en = "x"
lead = "A1"
budget = [
  { source = "provincial_budget", year = 2012, planned = -1 },
  { source = "lottery", spent = -5 },
  { source = "provincial_budget", year = 2012, planned = 1 },
]
"#,
        );
        let errors = check_plan(&bad).unwrap_err();
        let got: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            got,
            vec![
                "tasks[N1].budget[0].year",
                "tasks[N1].budget[0].planned",
                "tasks[N1].budget[1].source",
                "tasks[N1].budget[1].planned",
                "tasks[N1].budget[1].spent",
                "tasks[N1].budget[2].year",
                "tasks[N1].budget[2]",
            ]
        );
        assert!(errors[2].1.contains("`lottery`") && errors[2].1.contains("central_budget, provincial_budget"), "{errors:?}");
        assert!(errors[0].1.contains("2013–2020"));
        assert!(errors[6].1.contains("tasks[N1].budget[0]"), "a repeated source and year names the first line: {errors:?}");
    }

    /// Province 87 (2012 to mid-2025) > district 866 > commune 29884; commune 30001 created in 2016;
    /// from 2025-07-01 code 29884 names a new commune under province 82; 82 was Tiền Giang before.
    fn small_map() -> crate::units::UnitCatalog {
        use crate::units::{AdminUnit, ParentLink, UnitCatalog, UnitId, UnitLevel, Validity};
        use time::macros::date;
        let old = Some(date!(2025 - 06 - 30));
        let unit = |id: i64, code: &str, name: &str, level: UnitLevel, from: time::Date, to: Option<time::Date>| AdminUnit {
            id: UnitId(id),
            code: code.into(),
            name: name.into(),
            level,
            unit_type: level.allowed_types()[0],
            validity: Validity { from, to },
            lat: None,
            lon: None,
            area_km2: None,
        };
        let start = date!(2012 - 01 - 01);
        let units = vec![
            unit(1, "87", "Tỉnh Đồng Tháp", UnitLevel::Province, start, old),
            unit(2, "866", "Thành phố Cao Lãnh", UnitLevel::District, start, old),
            unit(3, "29884", "Xã Mỹ Tân", UnitLevel::Commune, start, old),
            unit(4, "30001", "Xã Mới", UnitLevel::Commune, date!(2016 - 01 - 01), old),
            unit(5, "82", "Tỉnh Tiền Giang", UnitLevel::Province, start, old),
            unit(6, "82", "Tỉnh Đồng Tháp", UnitLevel::Province, date!(2025 - 07 - 01), None),
            unit(7, "29884", "Phường Mỹ Ngãi", UnitLevel::Commune, date!(2025 - 07 - 01), None),
            unit(8, "860", "Thành phố Mỹ Tho", UnitLevel::District, start, old),
        ];
        let link = |c: i64, p: i64, from: time::Date, to: Option<time::Date>| ParentLink {
            child: UnitId(c),
            parent: UnitId(p),
            validity: Validity { from, to },
        };
        let links = vec![
            link(2, 1, start, old),
            link(3, 2, start, old),
            link(4, 2, date!(2016 - 01 - 01), old),
            link(8, 5, start, old),
            link(7, 6, date!(2025 - 07 - 01), None),
        ];
        UnitCatalog::new(units, links, vec![])
    }

    #[test]
    fn unit_targets_name_units_that_existed_in_the_plans_area_without_overlaps() {
        let good = small_plan(
            r#"
[[unit_targets]]
target = "T1"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2020
value = "-7"
[[unit_targets]]
target = "T3"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2015
level = "commune"
value = 4
[[unit_targets]]
target = "T3"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2014
to_year = 2015
level = "district"
value = 1
[[unit_targets]]
target = "T5"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2014
to_year = 2015
value = 87.5
"#,
        );
        assert_eq!(check_plan(&good), Ok(()));
        assert_eq!(check_unit_targets(&good, &small_map()), Vec::<(String, String)>::new());
        assert_eq!(good.unit_targets[1].value, "4");
        assert_eq!(good.unit_targets[3].value, "87.5");
        // Field checks without the map.
        let bad = small_plan(
            r#"
[[unit_targets]]
target = "T9"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2014
value = 1
[[unit_targets]]
target = "T4"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2014
value = 1
[[unit_targets]]
target = "T3"
unit_code = "866"
unit_on = "31/12/2013"
from_year = 2015
to_year = 2012
value = 2.5
[[unit_targets]]
target = "T5"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2014
to_year = 2016
level = "district"
value = 120
[[unit_targets]]
target = "T5"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2014
to_year = 2015
value = 100
"#,
        );
        assert_eq!(
            fields(&bad),
            vec![
                "unit_targets[0].target",
                "unit_targets[1].target",
                "unit_targets[2].unit_on",
                "unit_targets[2].to_year",
                "unit_targets[2].to_year",
                "unit_targets[2].value",
                "unit_targets[2].level",
                "unit_targets[3].to_year",
                "unit_targets[3].value",
                "unit_targets[3].level",
                "unit_targets[4].value",
            ]
        );
        assert_eq!(check_plan(&bad).unwrap_err()[10].1, "more than 100 % can never be met");
        // Against the map: a code not in use that day, a unit created after the first year,
        // a unit outside the plan's area, a district asked to count districts inside a commune, overlaps.
        let on_map = small_plan(
            r#"
[[unit_targets]]
target = "T1"
unit_code = "82"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2020
value = -5
[[unit_targets]]
target = "T1"
unit_code = "30001"
unit_on = "2016-06-01"
from_year = 2014
to_year = 2020
value = -5
[[unit_targets]]
target = "T1"
unit_code = "29884"
unit_on = "2026-01-01"
from_year = 2013
to_year = 2020
value = -5
[[unit_targets]]
target = "T3"
unit_code = "29884"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2015
level = "district"
value = 1
[[unit_targets]]
target = "T1"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2016
value = -5
[[unit_targets]]
target = "T1"
unit_code = "866"
unit_on = "2020-01-01"
from_year = 2016
to_year = 2020
value = -6
[[unit_targets]]
target = "T1"
unit_code = "29884"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2013
value = -5
[[unit_targets]]
target = "T1"
unit_code = "29884"
unit_on = "2013-12-31"
from_year = 2014
to_year = 2020
value = -5
[[unit_targets]]
target = "T1"
unit_code = "404"
unit_on = "2013-12-31"
from_year = 2014
to_year = 2020
value = -5
"#,
        );
        assert_eq!(check_plan(&on_map), Ok(()));
        let errors = check_unit_targets(&on_map, &small_map());
        let got: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            got,
            vec![
                "unit_targets[0].unit_code",
                "unit_targets[1].unit_code",
                "unit_targets[2].unit_code",
                "unit_targets[2].unit_code",
                "unit_targets[3].level",
                "unit_targets[8].unit_code",
                "unit_targets[5]",
            ],
            "{errors:#?}"
        );
        let msg = |i: usize| errors[i].1.as_str();
        assert!(msg(0).contains("Tỉnh Tiền Giang (82) is not in the plan's area"), "{}", msg(0));
        assert!(msg(1).contains("Xã Mới (30001) existed from 2016-01-01 to 2025-06-30, not for the whole of 2014–2020"), "{}", msg(1));
        assert!(msg(2).contains("Phường Mỹ Ngãi (29884) existed from 2025-07-01 (still in force)"), "{}", msg(2));
        assert!(msg(3).contains("not in the plan's area on 2026-01-01"), "{}", msg(3));
        assert!(msg(4).contains("is a commune: it holds no district"), "{}", msg(4));
        assert_eq!(msg(5), "no unit with code 404 on 2013-12-31");
        assert!(
            msg(6).contains("overlaps unit_targets[4]: same target T1 and unit Thành phố Cao Lãnh (866), years 2013–2016 and 2016–2020"),
            "{}",
            msg(6)
        );
        // The same code read on a day it named no unit says what it named and when.
        let mut gone = on_map.clone();
        gone.unit_targets.truncate(1);
        gone.unit_targets[0].unit_code = "860".into();
        gone.unit_targets[0].unit_on = "2026-01-01".into();
        let e = check_unit_targets(&gone, &small_map());
        assert_eq!(e[0].1, "no unit with code 860 on 2026-01-01; the code names Thành phố Mỹ Tho from 2012-01-01 to 2025-06-30");
    }

    /// The document's text with its whitespace (line and page breaks, no-break spaces)
    /// collapsed and its letters in lower case, for quoting.
    fn source_text() -> String {
        include_str!("../../../data/plans/dong-thap-2013.source.txt").split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
    }

    fn founding() -> Plan {
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
        let reporters: Vec<(&str, Option<&str>)> = r.reporters.iter().map(|x| (x.agency.as_str(), x.each.as_deref())).collect();
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

    #[test]
    fn the_documents_fields_are_checked_by_path() {
        use unicode_normalization::UnicodeNormalization;
        let good = small_plan("");
        assert_eq!(check_plan(&good), Ok(()), "a plan without any of the new fields still loads");
        let bad = small_plan(
            r#"
section = "IV.1"
mandate = "asked"
duties_vi = ["Chủ trì.", "Phối hợp\nvới"]
duties_en = ["Lead."]
[[tasks]]
id = "N1"
text_vi = "x"
text_en = "x"
coordinate = ["A1"]
inferred_agencies = ["A1", "A9", "A1"]
[[baselines]]
id = "B4"
name_vi = "Trẻ em có hoàn cảnh đặc biệt khó khăn"
name_en = "x"
numerator = 8029
reference = "2012-12-31"
source = "I"
classification = "law_2016_art10"
[[baselines]]
id = "B9"
name_vi = "x"
name_en = "x"
numerator = 1
reference = "2020-12-31"
source = "x"
classification = "pre_law_2016"
[[baselines]]
id = "B10"
name_vi = "x"
name_en = "x"
numerator = 1
source = "x"
classification = "art_10"
[reporting]
reporters_vi = "các sở"
reporters_en = "departments"
reporters = [{ agency = "A1" }, { agency = "A7", each = "hamlet" }]
addressee = "nobody"
consolidator = "A2"
recipients = [{ id = "tinh-uy", name_vi = "Tỉnh ủy", name_en = "Party Committee" }]
due = "11-31"
due_vi = "trước ngày 31 tháng 11"
due_en = "before 31 November"
due_rule = "about"
frequency = "monthly"
"#,
        );
        let got = fields(&bad);
        assert_eq!(
            got,
            vec![
                "baselines[B4].classification",
                "baselines[B9].classification",
                "baselines[B10].classification",
                "tasks[N1].inferred_agencies[1]",
                "tasks[N1].inferred_agencies[2]",
                "agencies[A1].mandate",
                "agencies[A1].duties_vi[1]",
                "agencies[A1].duties_en",
                "reporting.reporters[1].agency",
                "reporting.reporters[1].each",
                "reporting.consolidator",
                "reporting.addressee",
                "reporting.due",
                "reporting.due_rule",
                "reporting.frequency",
            ],
            "{:#?}",
            check_plan(&bad)
        );
        let errors = check_plan(&bad).unwrap_err();
        let msg = |f: &str| errors.iter().find(|(at, _)| at == f).map(|(_, m)| m.clone()).unwrap();
        assert!(msg("baselines[B4].classification").contains("before the Law on Children 2016 came into force"));
        assert!(msg("tasks[N1].inferred_agencies[1]").contains("`A9` is neither the lead nor a coordinating agency"));
        assert!(msg("agencies[A1].duties_en").contains("2 paragraphs in Vietnamese, 1 in English"));
        assert!(msg("agencies[A1].duties_vi[1]").contains("no line breaks"));
        // A population whose ages the plan does not define must say which ages treem counts.
        let mut p = small_plan("");
        p.targets[0].population = Some(Population {
            term_vi: "thanh, thiếu niên vi phạm pháp luật".into(),
            term_en: "youths".into(),
            defined_by_plan: false,
            age_from: Some(18),
            age_below: Some(16),
            note_vi: String::new(),
            note_en: String::new(),
        });
        assert_eq!(fields(&p), vec!["targets[T1].population.age_below", "targets[T1].population.note_vi"]);
        // Text not in NFC is refused, not silently changed.
        p.targets[0].population = None;
        p.requirements_vi = vec!["Yêu cầu".nfd().collect()];
        assert_eq!(fields(&p), vec!["requirements_vi[0]"]);
        // A year-on-year reduction needs a negative change; the older report fields must agree.
        let mut p = small_plan("");
        p.targets[0].kind = "year_on_year_reduction".into();
        p.targets[0].change_percent = Some("5".into());
        p.report_due = "11-16".into();
        p.reporting = founding().reporting;
        p.agencies.push(Agency { id: "A2".into(), ..p.agencies[0].clone() });
        let got = fields(&p);
        assert!(got.contains(&"targets[T1].change_percent".to_owned()) && got.contains(&"report_due".to_owned()), "{got:?}");
    }
}

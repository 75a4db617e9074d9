//! What a plan's page shows, built from the plan and its progress: the lines of baselines,
//! targets, tasks, budget and agencies, and the numbers as the reader's language writes them.

use treem_app::App;
use treem_domain::plan::Plan;

use crate::i18n::{translate, Lang};
use crate::ui::pick;

pub struct BaselineLine {
    pub id: String,
    pub name: String,
    pub numerator: String,
    pub percent: String,
    pub denominator: String,
    pub derived: bool,
    /// Recomputed from the register for the reference year, within the reader's scope
    /// (signed-in readers; empty otherwise).
    pub recomputed: String,
    /// Under which law's groups the stated figure was counted (`classification.…`); empty: not such a count.
    pub classification_key: String,
    /// The stated figure is counted under older terms than the register's: the recomputed
    /// figure is shown as another classification, never as the same figure.
    pub other_classification: bool,
}

/// An agency as an item names it: lead or coordinating, named by the document or inferred by treem.
pub struct AgencyRef {
    pub id: String,
    pub name: String,
    /// `lead` or `coordinate`
    pub role: &'static str,
    pub inferred: bool,
    /// The section of the document whose duties treem infers it from ("IV.8"); empty when unknown.
    pub basis: String,
    /// The plan asks it ("Đề nghị") and does not direct it.
    pub invited: bool,
}

/// Whom a target counts: the document's words and the ages treem counts.
pub struct PopulationView {
    pub term: String,
    /// The document's words, shown beside an English page.
    pub term_vi: String,
    /// The ages counted, e.g. "dưới 18 tuổi".
    pub ages: String,
    /// The plan does not define the ages: they are treem's choice.
    pub chosen: bool,
    pub note: String,
}

/// A solution under its group.
pub struct SolutionLine {
    pub id: String,
    pub text: String,
    pub agencies: Vec<AgencyRef>,
}

/// An agency with its duties (section IV).
pub struct AgencyView {
    pub id: String,
    pub heading: String,
    pub section: String,
    pub invited: bool,
    pub duties: Vec<String>,
}

/// The reporting sentence as structure (section V).
pub struct ReportingView {
    /// Who reports, in the document's words.
    pub words: String,
    /// (agency id, name, one report per district-level unit, invited)
    pub reporters: Vec<(String, String, bool, bool)>,
    pub addressee: String,
    pub consolidator: String,
    pub recipients: Vec<String>,
    pub due: String,
    pub due_rule_key: String,
    pub frequency_key: String,
    pub period_key: String,
}

pub struct TargetLine {
    pub id: String,
    pub text: String,
    pub kind_key: String,
    pub deadline: i32,
    /// For a yearly change: how each year is judged, and the compounded level by the deadline.
    pub path: String,
    /// The lead and coordinating agencies, each marked when treem infers it.
    pub agencies: Vec<AgencyRef>,
    pub population: Option<PopulationView>,
    /// The target's values per unit and period.
    pub units: Vec<UnitTargetLine>,
}

/// One unit target as shown under its target.
pub struct UnitTargetLine {
    /// Its index in the plan's `unit_targets`.
    pub index: usize,
    /// The unit's name and code (its name as of `unit_on`).
    pub unit: String,
    pub years: String,
    pub value: String,
    /// The last year counted, as "year: count / ceiling" or "year: units / all"; empty when not counted.
    pub latest: String,
    /// The last year's status (`year_status.…`), or why nothing is counted (`plan.unit_target_…`).
    pub status_key: String,
    pub status: &'static str,
}

/// A task with its budget lines.
pub struct TaskLine {
    pub id: String,
    pub text: String,
    pub agencies: Vec<AgencyRef>,
    pub budget: Vec<BudgetRow>,
}

/// A budget line, or a total, as shown: money in VND with thousands separated.
pub struct BudgetRow {
    /// The source's translation key (`budget_source.…`), or a year or "whole period".
    pub label: String,
    pub year: String,
    pub planned: String,
    pub spent: String,
    pub share: String,
    pub note: String,
}

/// A milestone: its status and the units it names with the first day each held the status.
pub struct MilestoneView {
    pub target_id: String,
    pub text: String,
    pub status_key: String,
    pub status: &'static str,
    pub units: Vec<(String, Option<time::Date>)>,
}

pub struct ProgressView {
    pub target_id: String,
    pub text: String,
    /// Judged against each previous year (otherwise compounded from the base year).
    pub year_on_year: bool,
    /// The share of the previous year allowed, as shown ("95 %"); year on year only.
    pub allowed: String,
    pub rows: Vec<ProgressRow>,
}

/// One year of a measured target as shown.
pub struct ProgressRow {
    pub year: i32,
    pub actual: i64,
    /// Year on year: the previous year's count; empty for the base year.
    pub previous: String,
    pub ceiling: String,
    /// Year on year: the compounded path from the base year (context).
    pub trajectory: String,
    pub status_key: String,
    pub status: &'static str,
}

/// A whole number in the reader's language (42.327 / 42,327).
pub(super) fn thousands(lang: Lang, n: i64) -> String {
    lang.integer(n)
}

/// Hundredths as a decimal in the reader's language: "34,30" in Vietnamese, "34.30" in English.
pub(super) fn decimal(lang: Lang, h: i64) -> String {
    // Whole values without their ",00"; grouping and the decimal mark by language.
    if h % 100 == 0 {
        lang.integer(h / 100)
    } else {
        lang.hundredths(h)
    }
}

/// A factor in parts per million with three decimals in the reader's language ("0,663").
fn factor(lang: Lang, ppm: i64) -> String {
    let thousandths = (ppm + 500) / 1_000;
    let text = format!("{}.{:03}", thousandths / 1_000, thousandths % 1_000);
    match lang {
        Lang::Vi => text.replace('.', ","),
        Lang::En => text,
    }
}

/// The lead and coordinating agencies of an item, each marked when treem infers it.
pub(super) fn agency_refs(p: &Plan, lang: Lang, lead: &str, coordinate: &[String], inferred: &[String]) -> Vec<AgencyRef> {
    let roles =
        std::iter::once((lead, "lead")).filter(|(id, _)| !id.is_empty()).chain(coordinate.iter().map(|c| (c.as_str(), "coordinate")));
    roles
        .map(|(id, role)| {
            let agency = p.agencies.iter().find(|a| a.id == id);
            AgencyRef {
                id: id.to_owned(),
                name: agency.map_or_else(|| id.to_owned(), |a| pick(lang, &a.name_vi, &a.name_en).to_owned()),
                role,
                inferred: inferred.iter().any(|i| i == id),
                basis: agency.map(|a| a.section.clone()).unwrap_or_default(),
                invited: agency.is_some_and(treem_domain::plan::Agency::invited),
            }
        })
        .collect()
}

/// The English paragraphs when the page is in English and there are any; else the Vietnamese.
pub(super) fn paragraphs_in<'a>(lang: Lang, vi: &'a [String], en: &'a [String]) -> &'a [String] {
    if lang == Lang::En && !en.is_empty() {
        en
    } else {
        vi
    }
}

/// "dưới 18 tuổi", "từ 14 tuổi, dưới 18 tuổi".
fn ages(lang: Lang, from: Option<i32>, below: Option<i32>) -> String {
    let years = translate(lang, "plan.years_old");
    let parts: Vec<String> = [(from, "plan.age_from"), (below, "plan.age_below")]
        .into_iter()
        .filter_map(|(age, key)| age.map(|a| format!("{} {a} {years}", translate(lang, key)).trim().to_owned()))
        .collect();
    parts.join(", ")
}

pub(super) fn view(p: &Plan, lang: Lang) -> (Vec<BaselineLine>, Vec<TargetLine>) {
    let baselines = p
        .baselines
        .iter()
        .map(|b| {
            let (denominator, derived) = match (b.denominator, b.derived_denominator()) {
                (Some(d), _) => (thousands(lang, d), false),
                (None, Some((low, high))) => (format!("≈ {}–{}", thousands(lang, low), thousands(lang, high)), true),
                (None, None) => ("–".to_owned(), false),
            };
            BaselineLine {
                id: b.id.clone(),
                name: pick(lang, &b.name_vi, &b.name_en).to_owned(),
                numerator: b.numerator.map(|n| thousands(lang, n)).unwrap_or_else(|| "–".into()),
                percent: b.percent_hundredths().map(|h| decimal(lang, h)).unwrap_or_default(),
                denominator,
                derived,
                recomputed: String::new(),
                classification_key: b.classification.as_ref().map(|c| format!("classification.{c}")).unwrap_or_default(),
                other_classification: b.classification.as_deref().is_some_and(|c| c != treem_domain::plan::REGISTER_CLASSIFICATION),
            }
        })
        .collect();
    let targets = p
        .targets
        .iter()
        .map(|t| {
            let years = u32::try_from(t.deadline - t.from_year.unwrap_or(t.deadline) + 1).unwrap_or(0);
            let compounded = match (t.from_year, t.compounded_ppm(years)) {
                (Some(from), Some(ppm)) => format!("{}→{}: × {}", from - 1, t.deadline, factor(lang, ppm)),
                _ => String::new(),
            };
            let path = match (t.kind.as_str(), t.change_percent.as_deref().and_then(treem_domain::plan::parse_hundredths)) {
                ("year_on_year_reduction", Some(change)) if !compounded.is_empty() => format!(
                    "{} {} % {} · {} {compounded} ({})",
                    translate(lang, "plan.rule_short_previous"),
                    decimal(lang, 10_000 + change),
                    translate(lang, "plan.rule_short_of_previous"),
                    translate(lang, "plan.trajectory_short"),
                    translate(lang, "plan.context_only")
                ),
                _ => compounded,
            };
            TargetLine {
                id: t.id.clone(),
                text: pick(lang, &t.text_vi, &t.text_en).to_owned(),
                kind_key: format!("target_kind.{}", t.kind),
                deadline: t.deadline,
                path,
                agencies: agency_refs(p, lang, &t.lead, &t.coordinate, &t.inferred_agencies),
                population: t.population.as_ref().map(|pop| PopulationView {
                    term: pick(lang, &pop.term_vi, &pop.term_en).to_owned(),
                    term_vi: pop.term_vi.clone(),
                    ages: ages(lang, pop.age_from, pop.age_below),
                    chosen: !pop.defined_by_plan,
                    note: pick(lang, &pop.note_vi, &pop.note_en).to_owned(),
                }),
                units: Vec::new(),
            }
        })
        .collect();
    (baselines, targets)
}

/// Money in VND as shown ("1.250.000.000").
pub(super) fn money(lang: Lang, v: Option<i64>) -> String {
    v.map(|n| thousands(lang, n)).unwrap_or_else(|| translate(lang, "plan.budget_not_reported").to_owned())
}

/// A sum of budget lines as a row of the totals.
pub(super) fn budget_sum_row(lang: Lang, label: String, s: &treem_domain::plan::BudgetSum) -> BudgetRow {
    BudgetRow {
        label,
        year: String::new(),
        planned: thousands(lang, s.planned),
        spent: thousands(lang, s.spent),
        share: s.share_hundredths().map(|h| lang.percent(h)).unwrap_or_else(|| "–".to_owned()),
        note: if s.unreported > 0 { format!("{} {}", translate(lang, "plan.budget_unreported"), s.unreported) } else { String::new() },
    }
}

/// The unit targets under each target: the unit's name on the day its code is read, the years, the
/// value, and how its last counted year stands (`progress` from the plan service).
pub(super) fn unit_target_lines(
    app: &App,
    p: &Plan,
    lang: Lang,
    progress: &[treem_app::plans::UnitTargetProgress],
    targets: &mut [TargetLine],
) {
    use treem_domain::plan::UnitTargetYears;
    let catalog = app.units.catalog();
    for (index, u) in p.unit_targets.iter().enumerate() {
        let (Some(line), Some(t)) = (targets.iter_mut().find(|t| t.id == u.target), p.targets.iter().find(|t| t.id == u.target)) else {
            continue;
        };
        let name = treem_domain::unit_import::parse_date(&u.unit_on)
            .and_then(|on| catalog.by_code_on(&u.unit_code, on))
            .map(|unit| format!("{} ({})", unit.name, unit.code))
            .unwrap_or_else(|| u.unit_code.clone());
        let value = match treem_domain::plan::unit_target_level(u, t) {
            _ if t.is_yearly_change() => format!("{} % {}", u.value, translate(lang, "plan.unit_target_per_year")),
            Some(level) => {
                let operator = t.legs.iter().find(|l| l.level.is(level)).map(|l| l.operator.as_str()).unwrap_or_default();
                let percent = if t.is(treem_domain::plan::TargetKind::UnitShareWithStatus) { " %" } else { "" };
                format!("{}: {operator} {}{percent}", translate(lang, &format!("level.{level}")), u.value)
            }
            None => u.value.clone(),
        };
        let counted = progress.iter().find(|g| g.index == index);
        let (latest, status_key, status) = match counted.map(|g| &g.years) {
            None => (String::new(), "plan.unit_target_not_counted".to_owned(), "not_counted"),
            Some(None) => (String::new(), "plan.unit_target_out_of_scope".to_owned(), "out_of_scope"),
            Some(Some(UnitTargetYears::Change(years))) => match years.last() {
                None => (String::new(), "plan.unit_target_not_started".to_owned(), "not_started"),
                Some(y) => {
                    let ceiling = y.target_hundredths.map(|h| format!(" / {}", lang.hundredths(h))).unwrap_or_default();
                    (format!("{}: {}{ceiling}", y.year, y.actual), format!("year_status.{}", y.status.as_str()), y.status.as_str())
                }
            },
            Some(Some(UnitTargetYears::Status(years))) => match years.last() {
                None => (String::new(), "plan.unit_target_not_started".to_owned(), "not_started"),
                Some(y) => {
                    let legs: Vec<String> = y.legs.iter().map(|l| format!("{} / {}", l.count, l.total)).collect();
                    (format!("{}: {}", y.year, legs.join(" · ")), format!("year_status.{}", y.status.as_str()), y.status.as_str())
                }
            },
        };
        line.units.push(UnitTargetLine {
            index,
            unit: name,
            years: format!("{}–{}", u.from_year, u.to_year),
            value,
            latest,
            status_key,
            status,
        });
    }
}

/// A measured target's years as shown: year on year with the previous year and the
/// compounded path beside the judgement; otherwise the compounded ceiling.
pub(super) fn progress_view(p: &Plan, lang: Lang, t: &treem_app::plans::TargetProgress) -> ProgressView {
    let target = p.targets.iter().find(|x| x.id == t.target_id);
    let year_on_year = t.kind == treem_domain::plan::TargetKind::YearOnYearReduction;
    let change = target.and_then(|x| x.change_percent.as_deref()).and_then(treem_domain::plan::parse_hundredths).unwrap_or(0);
    ProgressView {
        text: target.map(|x| pick(lang, &x.text_vi, &x.text_en).to_owned()).unwrap_or_default(),
        target_id: t.target_id.clone(),
        year_on_year,
        allowed: format!("{} %", decimal(lang, 10_000 + change)),
        rows: t
            .years
            .iter()
            .enumerate()
            .map(|(i, y)| ProgressRow {
                year: y.year,
                actual: y.actual,
                previous: if year_on_year && i > 0 { t.years[i - 1].actual.to_string() } else { String::new() },
                ceiling: y.target_hundredths.map(|h| decimal(lang, h)).unwrap_or_default(),
                trajectory: y.trajectory_hundredths.map(|h| decimal(lang, h)).unwrap_or_default(),
                status_key: format!("year_status.{}", y.status.as_str()),
                status: y.status.as_str(),
            })
            .collect(),
    }
}

/// The solutions by group (a–d) in the document's order, each group under its title as the
/// document writes it (or the group's name when the plan gives no title).
pub(super) fn solution_groups(p: &Plan, lang: Lang) -> Vec<(String, String, Vec<SolutionLine>)> {
    // "a10" after "a9": the group's letter, then the number.
    let order = |id: &str| {
        let digits = id.trim_start_matches(|c: char| !c.is_ascii_digit());
        (id[..id.len() - digits.len()].to_owned(), digits.parse::<u32>().unwrap_or(0), id.to_owned())
    };
    treem_domain::plan::SOLUTION_GROUPS
        .iter()
        .filter_map(|g| {
            let mut list: Vec<_> = p.solutions.iter().filter(|s| s.group == *g).collect();
            if list.is_empty() {
                return None;
            }
            list.sort_by_key(|s| order(&s.id));
            let title = p
                .solution_groups
                .iter()
                .find(|x| x.id == *g)
                .map(|x| pick(lang, &x.title_vi, &x.title_en).to_owned())
                .unwrap_or_else(|| translate(lang, &format!("solution_group.{g}")).to_owned());
            let lines = list
                .into_iter()
                .map(|s| SolutionLine {
                    id: s.id.clone(),
                    text: pick(lang, &s.text_vi, &s.text_en).to_owned(),
                    agencies: agency_refs(p, lang, &s.lead, &s.coordinate, &s.inferred_agencies),
                })
                .collect();
            Some(((*g).to_owned(), title, lines))
        })
        .collect()
}

/// Who reports to whom, through whom and by when, as the plan's page shows it.
pub(super) fn reporting_view(p: &Plan, lang: Lang, r: &treem_domain::plan::Reporting) -> ReportingView {
    let agency = |id: &str| p.agencies.iter().find(|a| a.id == id);
    let name = |id: &str| agency(id).map_or_else(|| id.to_owned(), |a| pick(lang, &a.name_vi, &a.name_en).to_owned());
    let recipient = |id: &str| {
        r.recipients.iter().find(|x| x.id == id).map_or_else(|| id.to_owned(), |x| pick(lang, &x.name_vi, &x.name_en).to_owned())
    };
    ReportingView {
        words: pick(lang, &r.reporters_vi, &r.reporters_en).to_owned(),
        reporters: r
            .reporters
            .iter()
            .map(|x| {
                (x.agency.clone(), name(&x.agency), x.each.is_some(), agency(&x.agency).is_some_and(treem_domain::plan::Agency::invited))
            })
            .collect(),
        addressee: recipient(&r.addressee),
        consolidator: name(&r.consolidator),
        recipients: r.recipients.iter().map(|x| pick(lang, &x.name_vi, &x.name_en).to_owned()).collect(),
        due: pick(lang, &r.due_vi, &r.due_en).to_owned(),
        due_rule_key: format!("report_due_rule.{}", r.due_rule),
        frequency_key: format!("report_frequency.{}", r.frequency),
        period_key: format!("report_period.{}", r.period_covered.as_deref().unwrap_or("not_stated")),
    }
}

/// A public value as shown: a count, a percentage, "fewer than 10" or "no data".
pub fn public_value_text(lang: Lang, ratio: bool, v: treem_domain::indicator::PublicValue) -> String {
    use treem_domain::indicator::PublicValue;
    match v {
        PublicValue::Shown(h) if ratio => lang.percent(h),
        PublicValue::Shown(n) => n.to_string(),
        PublicValue::Suppressed => translate(lang, "plan.suppressed").to_owned(),
        PublicValue::NoData => translate(lang, "indicators.no_data").to_owned(),
        PublicValue::NotReleased => translate(lang, "plan.not_released").to_owned(),
    }
}

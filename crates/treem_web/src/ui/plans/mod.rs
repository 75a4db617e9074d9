//! Plans as data: the list and one plan, in the reader's language.

mod view_model;

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::sync::Arc;
use treem_app::App;

use super::{pick, render, Chrome, PageContext, PageError};
use crate::i18n::{translate, Lang};

use view_model::{
    agency_refs, budget_sum_row, decimal, money, paragraphs_in, progress_view, public_value_text, reporting_view, solution_groups,
    thousands, unit_target_lines, view, AgencyView, BaselineLine, BudgetRow, MilestoneView, ProgressView, ReportingView, SolutionLine,
    TargetLine, TaskLine,
};

super::form::with_csrf!(PlanImportForm);

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    c: Chrome,
    rows: Vec<(String, String, String)>,
    /// The reader may add plans (the link to the import form).
    may_import: bool,
}

pub async fn plans_page(State(app): State<Arc<App>>, ctx: PageContext) -> Result<Response, PageError> {
    let plans = app.plans.list().await.map_err(|e| ctx.error(e))?;
    let rows = plans
        .iter()
        .map(|p| (p.code.clone(), pick(ctx.lang, &p.title_vi, &p.title_en).to_owned(), format!("{}–{}", p.period_from, p.period_to)))
        .collect();
    let may_import = ctx
        .session
        .as_ref()
        .is_some_and(|s| s.state == treem_app::auth::SessionState::Active && treem_app::plans::PlanService::may_import(&s.actor));
    Ok(render(StatusCode::OK, &PlansPage { c: ctx.chrome("plan"), rows, may_import }))
}

#[derive(Template)]
#[template(path = "plan_import.html")]
struct PlanImportPage {
    c: Chrome,
    /// The plan document as pasted (kept when it is refused).
    text: String,
    /// (where, what): a path such as `targets[T1].lead`, or `plan:line 12` for a syntax error.
    errors: Vec<(String, String)>,
}

#[derive(serde::Deserialize)]
pub struct PlanImportForm {
    csrf: String,
    #[serde(default)]
    text: String,
}

/// The form to add or replace a plan by pasting its document (the format of
/// `data/plans/README.md`): provincial officers and administrators.
pub async fn plan_import_form(ctx: PageContext, crate::session::SignedIn(s): crate::session::SignedIn) -> Result<Response, PageError> {
    if !treem_app::plans::PlanService::may_import(&s.actor) {
        return Err(ctx.error(treem_app::AppError::Forbidden));
    }
    Ok(render(StatusCode::OK, &PlanImportPage { c: ctx.chrome("plan"), text: String::new(), errors: Vec::new() }))
}

/// Checks and stores a pasted plan; a refused one comes back with every problem named
/// and the text as it was typed.
pub async fn import_plan(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    crate::session::SignedIn(s): crate::session::SignedIn,
    super::CsrfForm(f): super::CsrfForm<PlanImportForm>,
) -> Result<Response, PageError> {
    let outcome = match treem_app::plans::parse_plan_toml("plan", &f.text) {
        Ok(plan) => app.plans.import(treem_app::accounts::Operator::Admin(&s.actor), &plan).await.map(|_| plan.code),
        Err(e) => Err(e),
    };
    let errors = match outcome {
        Ok(code) => return Ok(axum::response::IntoResponse::into_response(axum::response::Redirect::to(&format!("/plans/{code}")))),
        Err(e) => crate::messages::form_refusals(ctx.lang, e).map_err(|e| ctx.error(e))?,
    };
    let page = PlanImportPage { c: ctx.chrome("plan"), text: f.text, errors };
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &page))
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    c: Chrome,
    title: String,
    issuer: String,
    number: String,
    issued_year: i32,
    period: String,
    purpose: String,
    /// Section II.2, one paragraph each.
    requirements: Vec<String>,
    /// The funding paragraph (III.4); empty when the plan has none.
    funding: String,
    /// Section V, one paragraph each.
    implementation: Vec<String>,
    reporting: Option<ReportingView>,
    baselines: Vec<BaselineLine>,
    targets: Vec<TargetLine>,
    tasks: Vec<TaskLine>,
    /// Budget totals by source (label = translation key) and by year, the grand total; lines in the plan.
    budget_by_source: Vec<BudgetRow>,
    budget_by_year: Vec<BudgetRow>,
    budget_total: BudgetRow,
    budget_lines: usize,
    budget_unreported: usize,
    /// (group id, the group's title, its solutions in the document's order)
    solutions: Vec<(String, String, Vec<SolutionLine>)>,
    agencies: Vec<AgencyView>,
    /// Unit-count targets: (target id, text, rows of (year, day counted, counts, status key, status)).
    unit_progress: Vec<(String, String, Vec<UnitProgressRow>)>,
    milestones: Vec<MilestoneView>,
    code: String,
    /// The unit tables' order: `unit`, `status`, or empty (the plan's).
    ut_sort: String,
    /// Public statistics: the years, then (indicator code, name, values as shown).
    /// Each published year with the day it was published.
    public_years: Vec<(i32, String)>,
    public_rows: Vec<(String, String, Vec<String>)>,
    /// None when nobody is signed in: counts are shown within a scope only.
    progress: Option<Vec<ProgressView>>,
}

/// (year, day counted, counts, status translation key, status)
type UnitProgressRow = (i32, time::Date, String, String, &'static str);

#[derive(serde::Deserialize, Default)]
pub struct PlanParams {
    /// How the unit-target tables are sorted: `unit` (by name, Vietnamese order) or
    /// `status` (the units furthest behind first); the plan's own order otherwise.
    #[serde(default)]
    ut_sort: Option<String>,
}

/// How far behind a unit target's status is, worst first (for `ut_sort=status`).
fn behind_rank(status: &str) -> u8 {
    const ORDER: [&str; 12] = [
        "missed",
        "off_track",
        "at_risk",
        "not_yet",
        "on_track",
        "achieved",
        "baseline",
        "no_baseline",
        "no_data",
        "not_started",
        "out_of_scope",
        "not_counted",
    ];
    ORDER.iter().position(|s| *s == status).map_or(u8::MAX, |i| u8::try_from(i).unwrap_or(u8::MAX))
}

/// Sorts each target's unit table as asked; an unknown order keeps the plan's.
fn sort_unit_targets(targets: &mut [TargetLine], by: &str) {
    for t in targets {
        sort_unit_lines(&mut t.units, by);
    }
}

fn sort_unit_lines(units: &mut [view_model::UnitTargetLine], by: &str) {
    match by {
        "unit" => units.sort_by(|a, b| treem_domain::text::cmp_vi(&a.unit, &b.unit)),
        "status" => units
            .sort_by(|a, b| behind_rank(a.status).cmp(&behind_rank(b.status)).then_with(|| treem_domain::text::cmp_vi(&a.unit, &b.unit))),
        _ => {}
    }
}

#[cfg(test)]
mod sort_tests {
    use super::*;

    #[test]
    fn unit_tables_sort_by_name_in_vietnamese_order_or_furthest_behind_first() {
        let line = |index, unit: &str, status| view_model::UnitTargetLine {
            index,
            unit: unit.into(),
            years: String::new(),
            value: String::new(),
            latest: String::new(),
            status_key: String::new(),
            status,
        };
        let lines = || vec![line(0, "Đốc Binh Kiều", "achieved"), line(1, "Cao Lãnh", "missed"), line(2, "Dốc Bình", "at_risk")];
        let order = |by: &str| {
            let mut l = lines();
            sort_unit_lines(&mut l, by);
            l.iter().map(|u| u.index).collect::<Vec<_>>()
        };
        assert_eq!(order("unit"), [1, 2, 0], "C, D, then Đ: the Vietnamese alphabet");
        assert_eq!(order("status"), [1, 2, 0], "missed, at risk, achieved");
        assert_eq!(order(""), [0, 1, 2]);
    }
}

pub async fn plan_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    Path(code): Path<String>,
    super::UiQuery(q): super::UiQuery<PlanParams>,
) -> Result<Response, PageError> {
    let p = app.plans.get(&code).await.map_err(|e| ctx.error(e))?;
    let lang = ctx.lang;
    let (mut baselines, mut targets) = view(&p, lang);
    let active = ctx.session.as_ref().filter(|s| s.state == treem_app::auth::SessionState::Active);
    let entries = app.plans.unit_target_progress(active.map(|s| &s.actor), &p).await.map_err(|e| ctx.error(e))?;
    unit_target_lines(&app, &p, lang, &entries, &mut targets);
    let ut_sort = match q.ut_sort.as_deref() {
        Some(by @ ("unit" | "status")) => by.to_owned(),
        _ => String::new(),
    };
    sort_unit_targets(&mut targets, &ut_sort);
    let milestones = app
        .plans
        .milestone_progress(&p)
        .await
        .map_err(|e| ctx.error(e))?
        .into_iter()
        .map(|m| MilestoneView {
            text: p.targets.iter().find(|x| x.id == m.target_id).map(|x| pick(lang, &x.text_vi, &x.text_en).to_owned()).unwrap_or_default(),
            status_key: m.status.map_or_else(|| "plan.milestone_not_measured".to_owned(), |s| format!("year_status.{}", s.as_str())),
            status: m.status.map_or("not_measured", |s| s.as_str()),
            units: m.units.into_iter().map(|u| (u.name.map_or_else(|| u.code.clone(), |n| format!("{n} ({})", u.code)), u.since)).collect(),
            target_id: m.target_id,
        })
        .collect();
    let budget = app.plans.budget_totals(&code).await.map_err(|e| ctx.error(e))?;
    let whole_period = translate(lang, "plan.budget_whole_period");
    let budget_by_source = budget.by_source.iter().map(|(source, s)| budget_sum_row(lang, format!("budget_source.{source}"), s)).collect();
    let budget_by_year = budget
        .by_year
        .iter()
        .map(|(year, s)| BudgetRow {
            year: year.map_or_else(|| "period".to_owned(), |y| y.to_string()),
            ..budget_sum_row(lang, year.map_or_else(|| whole_period.to_owned(), |y| y.to_string()), s)
        })
        .collect();
    let tasks = p
        .tasks
        .iter()
        .map(|t| TaskLine {
            id: t.id.clone(),
            text: pick(lang, &t.text_vi, &t.text_en).to_owned(),
            agencies: agency_refs(&p, lang, &t.lead, &t.coordinate, &t.inferred_agencies),
            budget: t
                .budget
                .iter()
                .map(|b| BudgetRow {
                    label: format!("budget_source.{}", b.source),
                    year: b.year.map_or_else(|| whole_period.to_owned(), |y| y.to_string()),
                    planned: money(lang, b.planned),
                    spent: money(lang, b.spent),
                    share: match (b.planned, b.spent) {
                        (Some(planned), Some(spent)) if planned > 0 => {
                            let sum = treem_domain::plan::BudgetSum { planned, spent, unreported: 0 };
                            sum.share_hundredths().map(|h| ctx.lang.percent(h)).unwrap_or_default()
                        }
                        _ => "–".to_owned(),
                    },
                    note: b.note.clone(),
                })
                .collect(),
        })
        .collect();
    let solutions = solution_groups(&p, lang);
    if let Some(s) = active.filter(|s| s.actor.role.may(treem_domain::access::Action::List)) {
        for (id, _, value, ratio) in app.plans.baselines_recomputed(&s.actor, &p).await.map_err(|e| ctx.error(e))? {
            if let Some(line) = baselines.iter_mut().find(|b| b.id == id) {
                line.recomputed = match value {
                    None => crate::i18n::translate(lang, "indicators.no_data").to_owned(),
                    Some(v) if ratio => format!("{} %", decimal(lang, v)),
                    Some(v) => thousands(ctx.lang, v),
                };
            }
        }
    }
    let progress = match active {
        Some(s) if s.actor.role.may(treem_domain::access::Action::List) => {
            let progress = app.plans.shared_progress(&s.actor, &p).await.map_err(|e| ctx.error(e))?;
            Some(progress.iter().map(|t| progress_view(&p, lang, t)).collect())
        }
        _ => None,
    };
    let unit_progress = app
        .plans
        .shared_unit_progress(&p)
        .await
        .map_err(|e| ctx.error(e))?
        .iter()
        .map(|(id, years)| {
            let text = p.targets.iter().find(|x| x.id == *id).map(|x| pick(lang, &x.text_vi, &x.text_en).to_owned()).unwrap_or_default();
            let rows = years
                .iter()
                .map(|y| {
                    let legs = y
                        .legs
                        .iter()
                        .map(|l| {
                            format!(
                                "{}: {} / {} ({} {}{})",
                                translate(lang, &format!("level.{}", l.level)),
                                l.count,
                                l.total,
                                l.operator,
                                l.value,
                                if p.targets.iter().any(|x| x.id == *id && x.is(treem_domain::plan::TargetKind::UnitShareWithStatus)) {
                                    " %"
                                } else {
                                    ""
                                }
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(" · ");
                    (y.year, y.on, legs, format!("year_status.{}", y.status.as_str()), y.status.as_str())
                })
                .collect();
            (id.clone(), text, rows)
        })
        .collect();
    let public = app.plans.shared_public_statistics(&p).await.map_err(|e| ctx.error(e))?;
    let public_years = public
        .first()
        .map(|p| {
            p.published.iter().map(|(y, at)| (*y, crate::ui::date_text(lang, &treem_domain::calendar::date_in_vietnam(*at)))).collect()
        })
        .unwrap_or_default();
    let public_rows = public
        .iter()
        .map(|p| {
            let values = p.years.iter().map(|(_, v)| public_value_text(lang, p.ratio, *v)).collect();
            (p.indicator.code.clone(), pick(lang, &p.indicator.name_vi, &p.indicator.name_en).to_owned(), values)
        })
        .collect();
    let page = PlanPage {
        public_years,
        public_rows,
        code: code.clone(),
        ut_sort,
        unit_progress,
        milestones,
        c: ctx.chrome("plan"),
        title: pick(lang, &p.title_vi, &p.title_en).to_owned(),
        issuer: pick(lang, &p.issuer_vi, &p.issuer_en).to_owned(),
        number: p.number.clone(),
        issued_year: p.issued_year,
        period: format!("{}–{}", p.period_from, p.period_to),
        purpose: pick(lang, &p.purpose_vi, &p.purpose_en).to_owned(),
        requirements: paragraphs_in(lang, &p.requirements_vi, &p.requirements_en).to_vec(),
        funding: if lang == Lang::En && !p.funding_en.is_empty() { p.funding_en.clone() } else { p.funding_vi.clone() },
        implementation: paragraphs_in(lang, &p.implementation_vi, &p.implementation_en).to_vec(),
        reporting: p.reporting.as_ref().map(|r| reporting_view(&p, lang, r)),
        baselines,
        targets,
        tasks,
        budget_total: budget_sum_row(lang, translate(lang, "plan.budget_total").to_owned(), &budget.total),
        budget_by_source,
        budget_by_year,
        budget_lines: budget.lines,
        budget_unreported: budget.total.unreported,
        solutions,
        agencies: p
            .agencies
            .iter()
            .map(|a| AgencyView {
                id: a.id.clone(),
                heading: match lang {
                    Lang::Vi if !a.heading_vi.is_empty() => a.heading_vi.clone(),
                    _ => pick(lang, &a.name_vi, &a.name_en).to_owned(),
                },
                section: a.section.clone(),
                invited: a.invited(),
                duties: paragraphs_in(lang, &a.duties_vi, &a.duties_en).to_vec(),
            })
            .collect(),
        progress,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(serde::Deserialize)]
pub struct ChartParams {
    #[serde(default)]
    download: Option<String>,
    /// `png`: the chart as a PNG picture (a download); otherwise SVG.
    #[serde(default)]
    format: Option<String>,
}

/// A measured target's yearly counts and ceilings as an SVG chart, within the caller's
/// scope (the same figures as the plan page); `?download=1` saves it as a file.
pub async fn target_chart(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    crate::session::SignedIn(s): crate::session::SignedIn,
    Path((code, target)): Path<(String, String)>,
    super::UiQuery(q): super::UiQuery<ChartParams>,
) -> Result<Response, PageError> {
    let plan = app.plans.get(&code).await.map_err(|e| ctx.error(e))?;
    let progress = app.plans.shared_progress(&s.actor, &plan).await.map_err(|e| ctx.error(e))?;
    let t = progress.iter().find(|t| t.target_id == target).ok_or_else(|| ctx.error(treem_app::AppError::NotFound))?;
    let text = plan.targets.iter().find(|x| x.id == target).map(|x| pick(ctx.lang, &x.text_vi, &x.text_en).to_owned()).unwrap_or_default();
    let years: Vec<super::chart::ChartYear> = t
        .years
        .iter()
        .map(|y| super::chart::ChartYear {
            year: y.year,
            actual: y.actual,
            ceiling_hundredths: y.target_hundredths,
            trajectory_hundredths: y.trajectory_hundredths,
        })
        .collect();
    let title = format!("{target} · {text}");
    let ceiling_key =
        if t.kind == treem_domain::plan::TargetKind::YearOnYearReduction { "plan.ceiling_previous_year" } else { "plan.ceiling" };
    let (actual, ceiling) = (translate(ctx.lang, "plan.actual"), translate(ctx.lang, ceiling_key));
    let trajectory = translate(ctx.lang, "plan.trajectory");
    match q.format.as_deref() {
        Some("png") => {
            let png = super::chart::target_chart_png(ctx.lang, &title, actual, ceiling, trajectory, &years).map_err(|e| ctx.error(e))?;
            return Ok(crate::export::attachment("image/png", &format!("{code}-{target}.png"), png));
        }
        None | Some("" | "svg") => {}
        Some(_) => return Err(ctx.error(treem_app::AppError::invalid("format", "svg or png"))),
    }
    let svg = super::chart::target_chart(ctx.lang, &title, actual, ceiling, trajectory, &years);
    let mut response =
        axum::response::IntoResponse::into_response(([(axum::http::header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")], svg));
    if q.download.is_some() {
        let disposition = format!("attachment; filename=\"{code}-{target}.svg\"");
        if let Ok(v) = axum::http::HeaderValue::from_str(&disposition) {
            response.headers_mut().insert(axum::http::header::CONTENT_DISPOSITION, v);
        }
    }
    Ok(response)
}

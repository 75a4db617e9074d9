//! `/api/v1/plans`: plans as data (a plan is a public document; importing one is not public).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use treem_app::plans::PlanImport;
use treem_app::App;
use treem_domain::plan::Plan;
use utoipa::ToSchema;

use super::{ApiJson, ApiPath};
use crate::error::{ApiError, ErrorEnvelope};
use crate::session::ApiActor;

/// The routes of this module, with their OpenAPI operations.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<Arc<App>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_plans, import_plan))
        .routes(routes!(get_plan))
        .routes(routes!(plan_progress))
        .routes(routes!(plan_unit_progress))
        .routes(routes!(plan_milestones))
        .routes(routes!(plan_unit_targets))
        .routes(routes!(plan_budget))
        .routes(routes!(public_statistics))
        .routes(routes!(plan_baselines))
}

#[derive(Serialize, ToSchema)]
pub struct PlanSummary {
    code: String,
    title_vi: String,
    title_en: String,
    issued_year: i32,
    period_from: i32,
    period_to: i32,
    targets: usize,
    tasks: usize,
}

/// Every plan, oldest period first.
#[utoipa::path(get, path = "/api/v1/plans", tag = "plans", responses((status = 200, body = Vec<PlanSummary>)))]
pub async fn list_plans(State(app): State<Arc<App>>) -> Result<Json<Vec<PlanSummary>>, ApiError> {
    let plans = app.plans.list().await?;
    Ok(Json(
        plans
            .iter()
            .map(|p| PlanSummary {
                code: p.code.clone(),
                title_vi: p.title_vi.clone(),
                title_en: p.title_en.clone(),
                issued_year: p.issued_year,
                period_from: p.period_from,
                period_to: p.period_to,
                targets: p.targets.len(),
                tasks: p.tasks.len(),
            })
            .collect(),
    ))
}

/// One plan, whole: the same document `treem plan import` reads (see data/plans/README.md), as JSON.
#[utoipa::path(get, path = "/api/v1/plans/{code}", tag = "plans", params(("code" = String, Path)),
    responses((status = 200, body = Object, description = "the plan document"), (status = 404, body = ErrorEnvelope)))]
pub async fn get_plan(State(app): State<Arc<App>>, ApiPath(code): ApiPath<String>) -> Result<Json<Plan>, ApiError> {
    Ok(Json(Arc::unwrap_or_clone(app.plans.get(&code).await?)))
}

#[derive(Serialize, ToSchema)]
pub struct BudgetSumDto {
    /// Money planned, in VND.
    planned: i64,
    /// Money spent as reported, in VND.
    spent: i64,
    /// spent ÷ planned in percent, as a decimal string ("33.57"); absent when nothing was planned.
    share_spent: Option<String>,
    /// Lines whose spending is not reported yet.
    unreported: usize,
}

#[derive(Serialize, ToSchema)]
pub struct SourceBudgetDto {
    /// central_budget, provincial_budget, district_budget, commune_budget, mobilised or other
    source: String,
    #[serde(flatten)]
    sum: BudgetSumDto,
}

#[derive(Serialize, ToSchema)]
pub struct YearBudgetDto {
    /// The year; absent for lines given for the whole period.
    year: Option<i32>,
    #[serde(flatten)]
    sum: BudgetSumDto,
}

#[derive(Serialize, ToSchema)]
pub struct PlanBudgetDto {
    /// Always VND (whole đồng).
    currency: String,
    /// How many budget lines the plan's tasks have.
    lines: usize,
    by_source: Vec<SourceBudgetDto>,
    by_year: Vec<YearBudgetDto>,
    total: BudgetSumDto,
}

fn budget_sum(s: &treem_domain::plan::BudgetSum) -> BudgetSumDto {
    BudgetSumDto { planned: s.planned, spent: s.spent, share_spent: s.share_hundredths().map(hundredths), unreported: s.unreported }
}

/// The plan's task budgets summed by source and by year, with the total (public, as the plan is).
#[utoipa::path(get, path = "/api/v1/plans/{code}/budget", tag = "plans", params(("code" = String, Path)),
    responses((status = 200, body = PlanBudgetDto), (status = 404, body = ErrorEnvelope)))]
pub async fn plan_budget(State(app): State<Arc<App>>, ApiPath(code): ApiPath<String>) -> Result<Json<PlanBudgetDto>, ApiError> {
    let t = app.plans.budget_totals(&code).await?;
    Ok(Json(PlanBudgetDto {
        currency: "VND".into(),
        lines: t.lines,
        by_source: t.by_source.iter().map(|(source, s)| SourceBudgetDto { source: source.clone(), sum: budget_sum(s) }).collect(),
        by_year: t.by_year.iter().map(|(year, s)| YearBudgetDto { year: *year, sum: budget_sum(s) }).collect(),
        total: budget_sum(&t.total),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct PlanImported {
    code: String,
    /// added, updated or unchanged
    outcome: String,
}

/// Checks and stores a plan (provincial officers and administrators). A plan with the same
/// code is replaced by a new version; the same document again changes nothing.
#[utoipa::path(post, path = "/api/v1/plans", tag = "plans", security(("token" = [])),
    request_body(content = Object, description = "the plan document, as in data/plans/README.md"),
    responses((status = 201, body = PlanImported), (status = 200, body = PlanImported), (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn import_plan(State(app): State<Arc<App>>, ApiActor(a): ApiActor, ApiJson(plan): ApiJson<Plan>) -> Result<Response, ApiError> {
    let outcome = app.plans.import(treem_app::accounts::Operator::Admin(&a), &plan).await?;
    let status = if outcome == PlanImport::Added { StatusCode::CREATED } else { StatusCode::OK };
    let outcome = match outcome {
        PlanImport::Added => "added",
        PlanImport::Updated => "updated",
        PlanImport::Unchanged => "unchanged",
    };
    Ok((status, Json(PlanImported { code: plan.code, outcome: outcome.into() })).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct YearDto {
    year: i32,
    /// What the indicator counted that year within the caller's scope.
    actual: i64,
    /// Year on year only: the previous year's count, which the year is judged against;
    /// absent for the base year.
    #[serde(skip_serializing_if = "Option::is_none")]
    previous: Option<i64>,
    /// The most the target allows that year (decimal): compounded from the base year, or
    /// (1 + change) × the previous year's count year on year; absent for the base year and
    /// for a year that cannot be judged.
    ceiling: Option<String>,
    /// baseline, no_baseline, achieved, missed, on_track, at_risk, off_track or no_data (docs/PLANS.md).
    status: String,
    /// Year on year only: the compounded path from the base year (decimal), context beside
    /// the judgement, never what the year is judged against.
    #[serde(skip_serializing_if = "Option::is_none")]
    trajectory: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TargetProgressDto {
    target_id: String,
    /// relative_annual_change or year_on_year_reduction
    kind: String,
    /// How each year is judged: `compounded` (against base × (1 + change)^years) or
    /// `previous_year` (against (1 + change) × the previous year's count).
    rule: String,
    indicator: String,
    years: Vec<YearDto>,
}

/// Hundredths as a decimal ("3430" → "34.30").
pub(crate) use crate::export::hundredths;

/// The targets that follow an indicator, year by year, within the caller's scope; fresh on every call.
#[utoipa::path(get, path = "/api/v1/plans/{code}/progress", tag = "plans", security(("token" = [])), params(("code" = String, Path)),
    responses((status = 200, body = Vec<TargetProgressDto>), (status = 404, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn plan_progress(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<TargetProgressDto>>, ApiError> {
    let plan = app.plans.get(&code).await?;
    let progress = app.plans.shared_progress(&a, &plan).await?;
    Ok(Json(
        progress
            .iter()
            .map(|t| {
                let yoy = t.kind == treem_domain::plan::TargetKind::YearOnYearReduction;
                TargetProgressDto {
                    target_id: t.target_id.clone(),
                    rule: if yoy { "previous_year" } else { "compounded" }.into(),
                    kind: t.kind.as_str().into(),
                    indicator: t.indicator.clone(),
                    years: years_dto(&t.years, yoy),
                }
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct LegDto {
    /// district or commune
    level: String,
    operator: String,
    value: i64,
    count: i64,
    total: i64,
    met: bool,
}

#[derive(Serialize, ToSchema)]
pub struct StatusYearDto {
    year: i32,
    /// The day counted: the last day of the year, or today.
    #[schema(format = Date)]
    on: String,
    legs: Vec<LegDto>,
    /// achieved, missed, on_track, at_risk or not_yet (docs/PLANS.md).
    status: String,
}

#[derive(Serialize, ToSchema)]
pub struct UnitTargetProgressDto {
    target_id: String,
    years: Vec<StatusYearDto>,
}

/// The unit-count and unit-share targets (T3a, T3b, T5) year by year: public, from recorded unit statuses.
#[utoipa::path(get, path = "/api/v1/plans/{code}/unit-progress", tag = "plans", params(("code" = String, Path)),
    responses((status = 200, body = Vec<UnitTargetProgressDto>), (status = 404, body = ErrorEnvelope)))]
pub async fn plan_unit_progress(
    State(app): State<Arc<App>>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<UnitTargetProgressDto>>, ApiError> {
    let progress = Arc::unwrap_or_clone(app.plans.shared_unit_progress(&app.plans.get(&code).await?).await?);
    Ok(Json(
        progress
            .into_iter()
            .map(|(target_id, years)| UnitTargetProgressDto { target_id, years: years.into_iter().map(status_year_dto).collect() })
            .collect(),
    ))
}

fn year_dto(y: &treem_domain::plan::YearProgress) -> YearDto {
    YearDto {
        year: y.year,
        actual: y.actual,
        previous: None,
        ceiling: y.target_hundredths.map(hundredths),
        status: y.status.as_str().into(),
        trajectory: y.trajectory_hundredths.map(hundredths),
    }
}

/// A yearly change's years; year on year, each after the first with the count it is judged against.
fn years_dto(years: &[treem_domain::plan::YearProgress], year_on_year: bool) -> Vec<YearDto> {
    years
        .iter()
        .enumerate()
        .map(|(i, y)| YearDto { previous: if year_on_year && i > 0 { Some(years[i - 1].actual) } else { None }, ..year_dto(y) })
        .collect()
}

fn status_year_dto(y: treem_domain::plan::StatusYear) -> StatusYearDto {
    StatusYearDto {
        year: y.year,
        on: y.on.to_string(),
        legs: y
            .legs
            .into_iter()
            .map(|l| LegDto {
                level: l.level.to_string(),
                operator: l.operator.to_string(),
                value: l.value,
                count: l.count,
                total: l.total,
                met: l.met,
            })
            .collect(),
        status: y.status.as_str().into(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct MilestoneUnitDto {
    code: String,
    /// The unit's name on the plan's scope day; absent when the code names no unit then.
    name: Option<String>,
    /// The first day within the plan's period, up to the deadline, the unit held the status.
    #[schema(format = Date)]
    since: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MilestoneDto {
    target_id: String,
    /// achieved, missed, on_track, at_risk or not_yet; absent when the milestone follows no unit status.
    status: Option<String>,
    units: Vec<MilestoneUnitDto>,
}

/// The plan's milestones (T4) and whether each unit they name held their status by the deadline: public.
#[utoipa::path(get, path = "/api/v1/plans/{code}/milestones", tag = "plans", params(("code" = String, Path)),
    responses((status = 200, body = Vec<MilestoneDto>), (status = 404, body = ErrorEnvelope)))]
pub async fn plan_milestones(State(app): State<Arc<App>>, ApiPath(code): ApiPath<String>) -> Result<Json<Vec<MilestoneDto>>, ApiError> {
    let plan = app.plans.get(&code).await?;
    let list = app.plans.milestone_progress(&plan).await?;
    Ok(Json(
        list.into_iter()
            .map(|m| MilestoneDto {
                target_id: m.target_id,
                status: m.status.map(|s| s.as_str().to_owned()),
                units: m
                    .units
                    .into_iter()
                    .map(|u| MilestoneUnitDto { code: u.code, name: u.name, since: u.since.map(|d| d.to_string()) })
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct UnitEntryProgressDto {
    /// The entry's index in the plan's `unit_targets`.
    index: usize,
    target_id: String,
    unit_id: i64,
    /// change (a relative yearly change: `change_years`), status (a count or share: `status_years`),
    /// or out_of_scope (the unit's records are not all in the caller's scope: nothing is counted).
    kind: String,
    change_years: Vec<YearDto>,
    status_years: Vec<StatusYearDto>,
}

/// Each unit target of the plan year by year: counts and shares of units from their recorded statuses,
/// relative changes from the records, only for a unit wholly in the caller's scope.
#[utoipa::path(get, path = "/api/v1/plans/{code}/unit-targets", tag = "plans", security(("token" = [])), params(("code" = String, Path)),
    responses((status = 200, body = Vec<UnitEntryProgressDto>), (status = 404, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope)))]
pub async fn plan_unit_targets(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<UnitEntryProgressDto>>, ApiError> {
    use treem_domain::plan::UnitTargetYears;
    let plan = app.plans.get(&code).await?;
    let list = app.plans.unit_target_progress(Some(&a), &plan).await?;
    Ok(Json(
        list.into_iter()
            .map(|p| {
                let yoy = plan.targets.iter().any(|t| t.id == p.target_id && t.is(treem_domain::plan::TargetKind::YearOnYearReduction));
                let (kind, change_years, status_years) = match p.years {
                    None => ("out_of_scope", Vec::new(), Vec::new()),
                    Some(UnitTargetYears::Change(years)) => ("change", years_dto(&years, yoy), Vec::new()),
                    Some(UnitTargetYears::Status(years)) => ("status", Vec::new(), years.into_iter().map(status_year_dto).collect()),
                };
                UnitEntryProgressDto {
                    index: p.index,
                    target_id: p.target_id,
                    unit_id: p.unit.0,
                    kind: kind.into(),
                    change_years,
                    status_years,
                }
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct PublicYearDto {
    year: i32,
    /// When this closed year's figures were published (once; they are never recomputed), YYYY-MM-DD in Vietnam.
    #[schema(format = Date)]
    published_on: String,
    /// shown, suppressed (a count from 1 to 9, a small difference between two published counts, or a ratio built on
    /// one), no_data (a ratio without denominator) or not_released (the indicator was made public after that year's release).
    status: String,
    /// The count, or the percentage as a decimal string for ratios; only when shown.
    value: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PublicIndicatorDto {
    code: String,
    name_vi: String,
    name_en: String,
    /// count or ratio
    formula_kind: String,
    years: Vec<PublicYearDto>,
}

/// The plan's public indicators by year over its whole area, with small counts suppressed; no sign-in. Only closed
/// years are published, each once (from the day after it ends) and kept as published: never the open year, never live.
#[utoipa::path(get, path = "/api/v1/plans/{code}/public-statistics", tag = "plans", params(("code" = String, Path)),
    responses((status = 200, body = Vec<PublicIndicatorDto>), (status = 404, body = ErrorEnvelope)))]
pub async fn public_statistics(
    State(app): State<Arc<App>>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<PublicIndicatorDto>>, ApiError> {
    use treem_domain::indicator::PublicValue;
    let list = Arc::unwrap_or_clone(app.plans.shared_public_statistics(&app.plans.get(&code).await?).await?);
    Ok(Json(
        list.into_iter()
            .map(|p| PublicIndicatorDto {
                code: p.indicator.code,
                name_vi: p.indicator.name_vi,
                name_en: p.indicator.name_en,
                formula_kind: if p.ratio { "ratio" } else { "count" }.into(),
                years: p
                    .years
                    .into_iter()
                    .map(|(year, v)| {
                        let published_on = p
                            .published
                            .iter()
                            .find(|(y, _)| *y == year)
                            .map(|(_, at)| treem_domain::calendar::date_in_vietnam(*at).to_string())
                            .unwrap_or_default();
                        let (status, value) = match v {
                            PublicValue::Shown(n) => ("shown", Some(if p.ratio { hundredths(n) } else { n.to_string() })),
                            PublicValue::Suppressed => ("suppressed", None),
                            PublicValue::NoData => ("no_data", None),
                            PublicValue::NotReleased => ("not_released", None),
                        };
                        PublicYearDto { year, published_on, status: status.into(), value }
                    })
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct BaselineCheckDto {
    id: String,
    /// The percentage the plan states, as published.
    stated_percent: Option<String>,
    /// How children in special circumstances were classified for the stated figure
    /// (pre_law_2016, law_2016_art10); absent when it is not such a count.
    #[serde(skip_serializing_if = "Option::is_none")]
    classification: Option<String>,
    /// For a classified figure: the register's classification, which the recomputed figure
    /// uses (law_2016_art10).
    #[serde(skip_serializing_if = "Option::is_none")]
    recomputed_classification: Option<String>,
    /// Whether the recomputed figure counts the same thing as the stated one: false when the
    /// stated figure is counted under older terms than the register's (never relabelled).
    comparable: bool,
    indicator: String,
    year: i32,
    /// The same figure recomputed from the records within the caller's scope (a
    /// percentage as a decimal string for ratios); absent is "no data".
    recomputed: Option<String>,
}

/// The plan's baselines that name an indicator, recomputed from the records for their reference year.
#[utoipa::path(get, path = "/api/v1/plans/{code}/baselines", tag = "plans", security(("token" = [])), params(("code" = String, Path)),
    responses((status = 200, body = Vec<BaselineCheckDto>), (status = 404, body = ErrorEnvelope)))]
pub async fn plan_baselines(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Vec<BaselineCheckDto>>, ApiError> {
    let plan = app.plans.get(&code).await?;
    let recomputed = app.plans.baselines_recomputed(&a, &plan).await?;
    Ok(Json(
        recomputed
            .into_iter()
            .filter_map(|(id, year, value, ratio)| {
                let b = plan.baselines.iter().find(|b| b.id == id)?;
                let classified = b.classification.is_some().then(|| treem_domain::plan::REGISTER_CLASSIFICATION.to_owned());
                Some(BaselineCheckDto {
                    comparable: b.classification.as_deref().is_none_or(|c| c == treem_domain::plan::REGISTER_CLASSIFICATION),
                    classification: b.classification.clone(),
                    recomputed_classification: classified,
                    stated_percent: b.percent.clone(),
                    indicator: b.indicator.clone().unwrap_or_default(),
                    year,
                    recomputed: value.map(|v| if ratio { hundredths(v) } else { v.to_string() }),
                    id,
                })
            })
            .collect(),
    ))
}

//! `/api/v1/plans`: plans as data (a plan is a public document; importing one is not public).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use treem_app::plans::{PlanImport, UnitStatusInput};
use treem_app::{App, AppError};
use treem_domain::indicator::{parse_formula, Formula};
use treem_domain::plan::Plan;
use treem_domain::units::UnitId;
use utoipa::ToSchema;

use super::ApiJson;
use crate::error::{ApiError, ErrorEnvelope};
use crate::session::ApiActor;

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
pub async fn get_plan(State(app): State<Arc<App>>, Path(code): Path<String>) -> Result<Json<Plan>, ApiError> {
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
pub async fn plan_budget(State(app): State<Arc<App>>, Path(code): Path<String>) -> Result<Json<PlanBudgetDto>, ApiError> {
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
    Path(code): Path<String>,
) -> Result<Json<Vec<TargetProgressDto>>, ApiError> {
    let plan = app.plans.get(&code).await?;
    let progress = app.plans.shared_progress(&a, &plan).await?;
    Ok(Json(
        progress
            .iter()
            .map(|t| {
                let yoy = t.kind == "year_on_year_reduction";
                TargetProgressDto {
                    target_id: t.target_id.clone(),
                    rule: if yoy { "previous_year" } else { "compounded" }.into(),
                    kind: t.kind.clone(),
                    indicator: t.indicator.clone(),
                    years: years_dto(&t.years, yoy),
                }
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct UnitStatusDto {
    id: i64,
    unit_id: i64,
    /// child_friendly or community_based_protection
    kind: String,
    #[schema(format = Date)]
    valid_from: String,
    /// Last day (inclusive); absent while the status holds.
    #[schema(format = Date)]
    valid_to: Option<String>,
    /// The decision that conferred the status.
    decision: String,
}

/// Unit statuses (public decisions); `?unit=ID` for one unit's.
#[utoipa::path(get, path = "/api/v1/unit-statuses", tag = "plans", params(("unit" = Option<i64>, Query)),
    responses((status = 200, body = Vec<UnitStatusDto>), (status = 422, body = ErrorEnvelope)))]
pub async fn list_unit_statuses(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Result<Json<Vec<UnitStatusDto>>, ApiError> {
    let unit = match crate::params::query_param(q.as_deref().unwrap_or_default(), "unit").filter(|u| !u.is_empty()) {
        Some(u) => Some(UnitId(u.parse::<i64>().map_err(|_| AppError::invalid("unit", "a unit id"))?)),
        None => None,
    };
    let list = app.plans.unit_statuses(unit).await?;
    Ok(Json(
        list.into_iter()
            .map(|s| UnitStatusDto {
                id: s.id,
                unit_id: s.unit.0,
                kind: s.kind,
                valid_from: s.valid_from.to_string(),
                valid_to: s.valid_to.map(|d| d.to_string()),
                decision: s.decision,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitStatusBody {
    unit_id: i64,
    /// child_friendly (communes) or community_based_protection (districts, communes)
    kind: String,
    #[schema(format = Date)]
    valid_from: String,
    /// The decision's number and date.
    decision: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedUnitStatus {
    id: i64,
}

/// Records that a unit holds a status from a date (provincial officers, in their scope).
#[utoipa::path(post, path = "/api/v1/unit-statuses", tag = "plans", security(("token" = [])), request_body = UnitStatusBody,
    responses((status = 201, body = CreatedUnitStatus), (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn add_unit_status(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiJson(b): ApiJson<UnitStatusBody>,
) -> Result<Response, ApiError> {
    let input = UnitStatusInput { unit_id: b.unit_id.to_string(), kind: b.kind, valid_from: b.valid_from, decision: b.decision };
    let id = app.plans.add_unit_status(&a, &input).await?;
    Ok((StatusCode::CREATED, Json(CreatedUnitStatus { id })).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndUnitStatusBody {
    /// The status's last day.
    #[schema(format = Date)]
    valid_to: String,
}

/// Ends a status on a day (lost, or entered in error: its first day).
#[utoipa::path(post, path = "/api/v1/unit-statuses/{id}/end", tag = "plans", security(("token" = [])), params(("id" = i64, Path)), request_body = EndUnitStatusBody,
    responses((status = 204), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn end_unit_status(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<EndUnitStatusBody>,
) -> Result<StatusCode, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    app.plans.end_unit_status(&a, id, &b.valid_to).await?;
    Ok(StatusCode::NO_CONTENT)
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
    Path(code): Path<String>,
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
            .map(|l| LegDto { level: l.level, operator: l.operator, value: l.value, count: l.count, total: l.total, met: l.met })
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
pub async fn plan_milestones(State(app): State<Arc<App>>, Path(code): Path<String>) -> Result<Json<Vec<MilestoneDto>>, ApiError> {
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
    Path(code): Path<String>,
) -> Result<Json<Vec<UnitEntryProgressDto>>, ApiError> {
    use treem_domain::plan::UnitTargetYears;
    let plan = app.plans.get(&code).await?;
    let list = app.plans.unit_target_progress(Some(&a), &plan).await?;
    Ok(Json(
        list.into_iter()
            .map(|p| {
                let yoy = plan.targets.iter().any(|t| t.id == p.target_id && t.kind == "year_on_year_reduction");
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
pub struct IndicatorDto {
    code: String,
    name_vi: String,
    name_en: String,
    concept_vi: String,
    concept_en: String,
    /// The formula (grammar in docs/PLANS.md).
    formula: String,
    /// count or ratio (a ratio's values are percentages).
    formula_kind: String,
    disaggregations: Vec<String>,
    period: String,
    source: String,
    agency: String,
    /// bundled (as released in data/indicators/catalogue.toml) or stored (saved through the UI or the API).
    origin: String,
    /// The stored revision to send back with `PUT /api/v1/indicators/{code}`; 0 when none is stored.
    revision: i64,
}

/// The indicator catalogue (public metadata): the bundled entries, overlaid by the definitions
/// saved through the UI or the API, then the new codes saved.
#[utoipa::path(get, path = "/api/v1/indicators", tag = "plans", responses((status = 200, body = Vec<IndicatorDto>)))]
pub async fn list_indicators(State(app): State<Arc<App>>) -> Result<Json<Vec<IndicatorDto>>, ApiError> {
    Ok(Json(
        app.plans
            .catalogue()
            .await?
            .with_meta()
            .map(|((i, f), meta)| IndicatorDto {
                code: i.code.clone(),
                name_vi: i.name_vi.clone(),
                name_en: i.name_en.clone(),
                concept_vi: i.concept_vi.clone(),
                concept_en: i.concept_en.clone(),
                formula: i.formula.clone(),
                formula_kind: if matches!(f, Formula::Ratio(..)) { "ratio" } else { "count" }.into(),
                disaggregations: i.disaggregations.clone(),
                period: i.period.clone(),
                source: i.source.clone(),
                agency: i.agency.clone(),
                origin: meta.origin.as_str().into(),
                revision: meta.revision,
            })
            .collect(),
    ))
}

/// An indicator definition to save: the catalogue's metadata and the revision edited.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndicatorBody {
    /// Optional; when present it must be the path's code.
    #[serde(default)]
    code: Option<String>,
    name_vi: String,
    name_en: String,
    concept_vi: String,
    #[serde(default)]
    concept_en: String,
    /// The formula (grammar in docs/PLANS.md); an error names the character position.
    formula: String,
    /// `unit`, or fields every count of the formula has.
    #[serde(default)]
    disaggregations: Vec<String>,
    /// `year` (the only period computed).
    period: String,
    source: String,
    /// A plan's agency id (A1…) or the agency's name.
    agency: String,
    /// The revision read from `GET /api/v1/indicators` (0 for a code with no stored definition:
    /// a new one, or a bundled one changed for the first time); a stale one is refused with EDIT_CONFLICT.
    revision: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PlanUseDto {
    plan: String,
    /// Where the plan names the indicator: `targets[T1]`, `baselines[B3]`, `public_indicators`.
    uses: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorSavedDto {
    code: String,
    /// The stored revision now.
    revision: i64,
    created: bool,
    /// false when the definition sent is the one in the catalogue: nothing was written.
    changed: bool,
    formula_changed: bool,
    /// Stored plans that name the indicator: their figures follow the saved formula from now on.
    used_by: Vec<PlanUseDto>,
}

/// Adds an indicator or changes one (provincial officers and system administrators). The
/// definition is checked field by field; nothing is stored when anything is wrong.
#[utoipa::path(put, path = "/api/v1/indicators/{code}", tag = "plans", security(("token" = [])), request_body = IndicatorBody,
    params(("code" = String, Path)),
    responses((status = 201, body = IndicatorSavedDto), (status = 200, body = IndicatorSavedDto), (status = 403, body = ErrorEnvelope),
        (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn save_indicator(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    Path(code): Path<String>,
    ApiJson(b): ApiJson<IndicatorBody>,
) -> Result<Response, ApiError> {
    if b.code.as_ref().is_some_and(|c| *c != code) {
        return Err(AppError::invalid("code", "not the code of the path").into());
    }
    let definition = treem_domain::indicator::Indicator {
        code,
        name_vi: b.name_vi,
        name_en: b.name_en,
        concept_vi: b.concept_vi,
        concept_en: b.concept_en,
        formula: b.formula,
        disaggregations: b.disaggregations,
        period: b.period,
        source: b.source,
        agency: b.agency,
    };
    let saved = app.plans.save_indicator(&a, &definition, Some(b.revision)).await?;
    let status = if saved.created { StatusCode::CREATED } else { StatusCode::OK };
    let body = IndicatorSavedDto {
        code: saved.code,
        revision: saved.revision,
        created: saved.created,
        changed: saved.changed,
        formula_changed: saved.formula_changed,
        used_by: saved.used_by.into_iter().map(|(plan, uses)| PlanUseDto { plan, uses }).collect(),
    };
    Ok((status, Json(body)).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorValueDto {
    year: i32,
    /// A count, or a percentage as a decimal string for ratios; absent when a ratio has no denominator ("no data").
    value: Option<String>,
}

/// An indicator by year within the caller's scope, computed from the records as they are now.
#[utoipa::path(get, path = "/api/v1/indicators/{code}/values", tag = "plans", security(("token" = [])),
    params(("code" = String, Path), ("from" = Option<i32>, Query, description = "first year; default five years ago"), ("to" = Option<i32>, Query, description = "last year; default this year"),
        ("unit" = Option<i64>, Query, description = "only this unit's subtree (in the caller's scope)"), ("on" = Option<String>, Query, description = "the day whose map `unit` is read on; default today")),
    responses((status = 200, body = Vec<IndicatorValueDto>), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn indicator_values(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    Path(code): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Json<Vec<IndicatorValueDto>>, ApiError> {
    let q = q.unwrap_or_default();
    let this_year = app.clock.today_in_vietnam().year();
    let year = |name: &str, default: i32| -> Result<i32, AppError> {
        match crate::params::query_param(&q, name).filter(|v| !v.is_empty()) {
            Some(v) => {
                v.parse::<i32>().ok().filter(|y| (1945..=2100).contains(y)).ok_or_else(|| AppError::invalid(name, "a year such as 2025"))
            }
            None => Ok(default),
        }
    };
    let (from, to) = (year("from", this_year - 5)?, year("to", this_year)?);
    if to < from {
        return Err(AppError::invalid("to", "not before `from`").into());
    }
    let ratio = matches!(app.plans.indicator(&code).await?.1, Formula::Ratio(..));
    let within = crate::params::within_param(
        crate::params::query_param(&q, "unit").as_deref(),
        crate::params::query_param(&q, "on").as_deref(),
        app.clock.today_in_vietnam(),
    )?;
    let values = app.plans.indicator_values(&a, &code, from..=to, within).await?;
    Ok(Json(
        values
            .into_iter()
            .map(|(year, v)| IndicatorValueDto { year, value: v.map(|v| if ratio { hundredths(v) } else { v.to_string() }) })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormulaBody {
    formula: String,
}

#[derive(Serialize, ToSchema)]
pub struct FormulaChecked {
    /// count or ratio
    formula_kind: String,
}

/// Parses and checks a formula; an error names the character position in its message.
#[utoipa::path(post, path = "/api/v1/indicators/check", tag = "plans", request_body = FormulaBody,
    responses((status = 200, body = FormulaChecked), (status = 422, body = ErrorEnvelope)))]
pub async fn check_formula(ApiJson(b): ApiJson<FormulaBody>) -> Result<Json<FormulaChecked>, ApiError> {
    match parse_formula(&b.formula) {
        Ok(f) => Ok(Json(FormulaChecked { formula_kind: if matches!(f, Formula::Ratio(..)) { "ratio" } else { "count" }.into() })),
        Err(e) => Err(AppError::invalid("formula", e.to_string()).into()),
    }
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
pub async fn public_statistics(State(app): State<Arc<App>>, Path(code): Path<String>) -> Result<Json<Vec<PublicIndicatorDto>>, ApiError> {
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
pub struct BreakdownRowDto {
    unit_id: i64,
    name: String,
    /// A count, or a percentage as a decimal string for ratios; absent is "no data".
    value: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BreakdownDto {
    year: i32,
    /// The map the units are taken from.
    #[schema(format = Date)]
    on: String,
    level: String,
    rows: Vec<BreakdownRowDto>,
    /// Counts on units with no path onto the map (never dropped silently).
    unmapped: i64,
    /// Some figure was apportioned over a split: an estimate.
    estimated: bool,
}

/// An indicator for one year by the units of a level on the map of a date, within the caller's scope.
#[utoipa::path(get, path = "/api/v1/indicators/{code}/breakdown", tag = "plans", security(("token" = [])),
    params(("code" = String, Path), ("year" = Option<i32>, Query), ("on" = Option<String>, Query, description = "YYYY-MM-DD: the map's date; default the year's last day"),
           ("level" = Option<String>, Query, description = "province, district or commune (default)"),
           ("format" = Option<String>, Query, description = "xlsx: the table as an Excel workbook instead of JSON")),
    responses((status = 200, body = BreakdownDto), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn indicator_breakdown(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    Path(code): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let q = q.unwrap_or_default();
    let param = |n: &str| crate::params::query_param(&q, n);
    let (year, on, level) = crate::params::breakdown_params(
        param("year").as_deref(),
        param("on").as_deref(),
        param("level").as_deref(),
        app.clock.today_in_vietnam(),
    )?;
    let b = app.plans.indicator_breakdown(&a, &code, year, on, level).await?;
    match param("format").as_deref() {
        Some("xlsx") => return Ok(crate::export::breakdown_xlsx(&code, year, on, level, &b)),
        None | Some("json") => {}
        Some(_) => return Err(AppError::invalid("format", "json (default) or xlsx").into()),
    }
    let ratio = b.ratio;
    Ok(Json(BreakdownDto {
        year,
        on: on.to_string(),
        level: level.as_str().into(),
        rows: b
            .rows
            .into_iter()
            .map(|(id, name, v)| BreakdownRowDto {
                unit_id: id.0,
                name,
                value: v.map(|v| if ratio { hundredths(v) } else { v.to_string() }),
            })
            .collect(),
        unmapped: b.unmapped,
        estimated: b.estimated,
    })
    .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct DisaggregationRowDto {
    /// The field's value code (female, 0-5, family…).
    value: String,
    /// The second field's value code, when two fields are crossed (`by=sex,age_band`).
    #[serde(skip_serializing_if = "Option::is_none")]
    second_value: Option<String>,
    /// A count, or a percentage as a decimal string for ratios; absent is "no data".
    figure: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DisaggregationDto {
    year: i32,
    by: String,
    rows: Vec<DisaggregationRowDto>,
    /// Counts only: records with no value for the field, so that the parts add up to the total.
    not_recorded: Option<i64>,
    total: Option<String>,
}

/// An indicator for one year by the values of one of the fields it publishes, within the caller's scope.
#[utoipa::path(get, path = "/api/v1/indicators/{code}/disaggregation", tag = "plans", security(("token" = [])),
    params(("code" = String, Path), ("by" = String, Query, description = "a field the indicator publishes (sex, age_band, setting…), or two crossed: sex,age_band"), ("year" = Option<i32>, Query),
        ("unit" = Option<i64>, Query, description = "only this unit's subtree (in the caller's scope)"), ("on" = Option<String>, Query, description = "the day whose map `unit` is read on; default today")),
    responses((status = 200, body = DisaggregationDto), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn indicator_disaggregation(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    Path(code): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Json<DisaggregationDto>, ApiError> {
    let q = q.unwrap_or_default();
    let param = |n: &str| crate::params::query_param(&q, n);
    let (year, _, _) = crate::params::breakdown_params(param("year").as_deref(), None, None, app.clock.today_in_vietnam())?;
    let by = param("by").unwrap_or_default();
    let within = crate::params::within_param(param("unit").as_deref(), param("on").as_deref(), app.clock.today_in_vietnam())?;
    let d = app.plans.indicator_disaggregation(&a, &code, &by, year, within).await?;
    let show = |v: i64| if d.ratio { hundredths(v) } else { v.to_string() };
    Ok(Json(DisaggregationDto {
        year,
        by: d.second.map_or_else(|| d.field.to_owned(), |second| format!("{},{second}", d.field)),
        rows: d
            .rows
            .iter()
            .map(|(value, second, v)| DisaggregationRowDto { value: value.clone(), second_value: second.clone(), figure: v.map(show) })
            .collect(),
        not_recorded: d.not_recorded,
        total: d.total.map(show),
    }))
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
    Path(code): Path<String>,
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

//! `/api/v1/plans`: plans as data (a plan is a public document; importing one is not public).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use treem_app::plans::PlanImport;
use treem_app::App;
use treem_domain::plan::Plan;
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
    Ok(Json(app.plans.get(&code).await?))
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
    /// The most the target allows that year (decimal); absent for the base year.
    ceiling: Option<String>,
    /// baseline, no_baseline, achieved, missed, on_track, at_risk or off_track (docs/PLANS.md).
    status: String,
}

#[derive(Serialize, ToSchema)]
pub struct TargetProgressDto {
    target_id: String,
    indicator: String,
    years: Vec<YearDto>,
}

/// Hundredths as a decimal ("3430" → "34.30").
pub(crate) fn hundredths(v: i64) -> String {
    format!("{}.{:02}", v / 100, (v % 100).abs())
}

/// The targets that follow an indicator, year by year, within the caller's scope; fresh on every call.
#[utoipa::path(get, path = "/api/v1/plans/{code}/progress", tag = "plans", security(("token" = [])), params(("code" = String, Path)),
    responses((status = 200, body = Vec<TargetProgressDto>), (status = 404, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn plan_progress(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    Path(code): Path<String>,
) -> Result<Json<Vec<TargetProgressDto>>, ApiError> {
    let progress = app.plans.progress(&a, &code).await?;
    Ok(Json(
        progress
            .into_iter()
            .map(|t| TargetProgressDto {
                target_id: t.target_id,
                indicator: t.indicator,
                years: t
                    .years
                    .into_iter()
                    .map(|y| YearDto {
                        year: y.year,
                        actual: y.actual,
                        ceiling: y.target_hundredths.map(hundredths),
                        status: y.status.as_str().into(),
                    })
                    .collect(),
            })
            .collect(),
    ))
}

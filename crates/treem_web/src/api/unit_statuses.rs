//! `/api/v1/unit-statuses`: dated statuses of units (child-friendly, the protection model, the
//! juvenile-justice pilot), public decisions that the unit targets count.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use treem_app::plans::UnitStatusInput;
use treem_app::{App, AppError};
use treem_domain::units::UnitId;
use utoipa::ToSchema;

use super::{ApiJson, ApiPath};
use crate::error::{ApiError, ErrorEnvelope};
use crate::session::ApiActor;

/// The routes of this module, with their OpenAPI operations.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<Arc<App>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new().routes(routes!(list_unit_statuses, add_unit_status)).routes(routes!(end_unit_status))
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
    #[schema(schema_with = super::vocab::unit_status_kind)]
    kind: String,
    #[schema(format = Date)]
    valid_from: String,
    /// The decision's number and date.
    #[schema(max_length = 300)]
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
    ApiPath(id): ApiPath<String>,
    ApiJson(b): ApiJson<EndUnitStatusBody>,
) -> Result<StatusCode, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    app.plans.end_unit_status(&a, id, &b.valid_to).await?;
    Ok(StatusCode::NO_CONTENT)
}

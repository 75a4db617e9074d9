//! `/api/v1/reported`: aggregate values reported by agencies (signed-in, within scope).

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use treem_app::reported::{ReportedInput, ReportedValue, Saved};
use treem_app::{App, AppError};
use treem_domain::units::UnitId;
use utoipa::ToSchema;

use super::ApiJson;
use crate::error::{ApiError, ErrorEnvelope};
use crate::session::ApiActor;

/// The routes of this module, with their OpenAPI operations.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<Arc<App>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new().routes(routes!(list_reported, save_reported)).routes(routes!(import_reported))
}

#[derive(Serialize, ToSchema)]
pub struct ReportedDto {
    /// A data element's code (`data/indicators/data-elements.toml`).
    element: String,
    unit: i64,
    unit_code: String,
    unit_name: String,
    year: i32,
    /// male, female, or all when the element is not reported by sex
    sex: String,
    value: i64,
    note: String,
}

impl From<ReportedValue> for ReportedDto {
    fn from(v: ReportedValue) -> Self {
        Self {
            element: v.element,
            unit: v.unit.0,
            unit_code: v.unit_code,
            unit_name: v.unit_name,
            year: v.year,
            sex: v.sex,
            value: v.value,
            note: v.note,
        }
    }
}

/// Reported values in the caller's scope; `year`, `unit` (its subtree through its life) and `element` narrow the list.
#[utoipa::path(get, path = "/api/v1/reported", tag = "reported", security(("token" = [])),
    params(("year" = Option<i32>, Query), ("unit" = Option<i64>, Query), ("element" = Option<String>, Query)),
    responses((status = 200, body = Vec<ReportedDto>), (status = 422, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn list_reported(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Json<Vec<ReportedDto>>, ApiError> {
    let q = q.unwrap_or_default();
    let param = |name: &str| crate::params::query_param(&q, name).filter(|v| !v.is_empty());
    let year = match param("year") {
        Some(y) => Some(y.parse::<i32>().map_err(|_| AppError::invalid("year", "a year such as 2024"))?),
        None => None,
    };
    let unit = match param("unit") {
        Some(u) => Some(UnitId(u.parse::<i64>().map_err(|_| AppError::invalid("unit", "a unit id"))?)),
        None => None,
    };
    let element = param("element");
    let list = app.reported.list(&a, year, unit, element.as_deref()).await?;
    Ok(Json(list.into_iter().map(ReportedDto::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportedBody {
    element: String,
    /// The unit's id.
    unit: i64,
    year: i32,
    /// male or female for an element reported by sex; left out otherwise
    #[serde(default)]
    #[schema(schema_with = super::vocab::reported_sex)]
    sex: Option<String>,
    /// Not negative; persons, births, communes or whole đồng as the element says.
    #[schema(minimum = 0)]
    value: i64,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SavedDto {
    /// The value replaced; absent when the value is new.
    #[serde(skip_serializing_if = "Option::is_none")]
    previous: Option<i64>,
    value: i64,
}

impl From<Saved> for SavedDto {
    fn from(s: Saved) -> Self {
        Self { previous: s.previous, value: s.value }
    }
}

/// Enters or corrects a value (a correction replaces the old value): an agency reporter its
/// agency's elements, a provincial officer any, district officers and commune workers those
/// reported at their level; units in scope.
#[utoipa::path(put, path = "/api/v1/reported", tag = "reported", security(("token" = [])), request_body = ReportedBody,
    responses((status = 200, body = SavedDto), (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn save_reported(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiJson(b): ApiJson<ReportedBody>,
) -> Result<Json<SavedDto>, ApiError> {
    let input = ReportedInput {
        element: b.element,
        unit: b.unit.to_string(),
        year: b.year.to_string(),
        sex: b.sex.unwrap_or_default(),
        value: b.value.to_string(),
        note: b.note.unwrap_or_default(),
    };
    Ok(Json(app.reported.save(&a, &input).await?.into()))
}

#[derive(Serialize, ToSchema)]
pub struct ImportedDto {
    saved: Vec<SavedDto>,
}

/// Enters or corrects values from a CSV file (UTF-8, header `element,unit,year,sex,value,note`):
/// every row is checked and all are stored or none; errors name the row and the field.
#[utoipa::path(post, path = "/api/v1/reported/import", tag = "reported", security(("token" = [])),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportedDto), (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn import_reported(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    super::ApiBytes(body): super::ApiBytes,
) -> Result<Response, ApiError> {
    let saved = app.reported.import_csv(&a, &body).await?;
    Ok((StatusCode::OK, Json(ImportedDto { saved: saved.into_iter().map(SavedDto::from).collect() })).into_response())
}

//! `/api/v1/fund`: movements of the Child Protection Fund (signed-in, within scope).

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use treem_app::fund::{FundInput, FundView};
use treem_app::App;
use utoipa::ToSchema;

use super::ApiJson;
use crate::error::{ApiError, ErrorEnvelope};
use crate::session::ApiActor;

/// The routes of this module, with their OpenAPI operations.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<Arc<App>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new().routes(routes!(list_fund, record_fund))
}

#[derive(Serialize, ToSchema)]
pub struct FundDto {
    id: i64,
    unit: i64,
    unit_code: String,
    unit_name: String,
    #[schema(format = Date)]
    date: String,
    /// receipt or disbursement
    direction: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    purpose: Option<String>,
    /// Whole đồng.
    amount: i64,
    note: String,
}

impl From<FundView> for FundDto {
    fn from(v: FundView) -> Self {
        let m = v.movement;
        Self {
            id: m.id,
            unit: m.unit.0,
            unit_code: v.unit_code,
            unit_name: v.unit_name,
            date: m.moved_on.to_string(),
            direction: m.direction,
            source: m.source,
            purpose: m.purpose,
            amount: m.amount,
            note: m.note,
        }
    }
}

/// Fund movements in the caller's scope; `from` and `to` (YYYY-MM-DD) narrow the days.
#[utoipa::path(get, path = "/api/v1/fund", tag = "fund", security(("token" = [])),
    params(("from" = Option<String>, Query), ("to" = Option<String>, Query)),
    responses((status = 200, body = Vec<FundDto>), (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn list_fund(State(app): State<Arc<App>>, ApiActor(a): ApiActor, RawQuery(q): RawQuery) -> Result<Json<Vec<FundDto>>, ApiError> {
    let q = q.unwrap_or_default();
    let day = |name: &str| -> Result<Option<time::Date>, ApiError> {
        match crate::params::query_param(&q, name).filter(|v| !v.is_empty()) {
            Some(v) => Ok(Some(treem_app::units::parse_user_date(name, &v)?)),
            None => Ok(None),
        }
    };
    let (from, to) = (day("from")?, day("to")?);
    Ok(Json(app.fund.list(&a, from, to).await?.into_iter().map(FundDto::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FundBody {
    /// The fund's unit (id).
    unit: i64,
    #[schema(format = Date)]
    date: String,
    /// receipt or disbursement
    #[schema(schema_with = super::vocab::fund_direction)]
    direction: String,
    /// Receipts: state_budget, domestic_donation, foreign_donation, other
    #[serde(default)]
    #[schema(schema_with = super::vocab::fund_source)]
    source: Option<String>,
    /// Disbursements: support_children, scholarships, campaigns, operations, other
    #[serde(default)]
    #[schema(schema_with = super::vocab::fund_purpose)]
    purpose: Option<String>,
    /// Whole đồng, more than 0.
    #[schema(minimum = 1)]
    amount: i64,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordedFund {
    id: i64,
}

/// Records a movement of a fund in the caller's scope (provincial and district officers, commune workers).
#[utoipa::path(post, path = "/api/v1/fund", tag = "fund", security(("token" = [])), request_body = FundBody,
    responses((status = 201, body = RecordedFund), (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn record_fund(State(app): State<Arc<App>>, ApiActor(a): ApiActor, ApiJson(b): ApiJson<FundBody>) -> Result<Response, ApiError> {
    let input = FundInput {
        unit: b.unit.to_string(),
        date: b.date,
        direction: b.direction,
        source: b.source.unwrap_or_default(),
        purpose: b.purpose.unwrap_or_default(),
        amount: b.amount.to_string(),
        note: b.note.unwrap_or_default(),
    };
    let id = app.fund.record(&a, &input).await?;
    Ok((StatusCode::CREATED, Json(RecordedFund { id })).into_response())
}

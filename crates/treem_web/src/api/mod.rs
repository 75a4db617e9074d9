//! The JSON API under `/api/v1`. Its OpenAPI 3 document is generated from these
//! handlers and their types (utoipa) and served at `/api/v1/openapi.json`.

mod answers;
mod cases;
mod fund;
mod hub;
mod imports;
mod incidents;
mod indicators;
pub(crate) mod people;
pub(crate) mod plans;
mod register;
mod reported;
pub mod strict;
mod unit_statuses;
mod units;
mod vocab;

use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use treem_app::App;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ErrorEnvelope};

#[derive(OpenApi)]
#[openapi(
    info(title = "treem API", description = "Child-protection information and plan-monitoring system. All errors use one envelope: `{\"error\": {\"code\", \"message\", \"field\"?, \"details\"?}}`."),
    components(schemas(ErrorEnvelope)),
    modifiers(&BearerToken),
    tags((name = "units", description = "Administrative units over time"), (name = "children", description = "The register of children (scoped; sensitive fields by role)"),
         (name = "cases", description = "Case management under Decree 56/2017: steps, tasks, plan, referrals"),
         (name = "incidents", description = "Abuse, children in conflict with the law, accidents and injuries"),
         (name = "plans", description = "Plans as data: baselines, targets, tasks, agencies"),
         (name = "reported", description = "Aggregate values reported by agencies, summed by indicators"),
         (name = "fund", description = "Movements of the Child Protection Fund, summed by indicators"),
         (name = "accounts", description = "The caller, accounts, access tokens"), (name = "audit", description = "The audit log"), (name = "system", description = "Health"))
)]
struct ApiDoc;

/// Declares the bearer scheme: a personal access token `treem_…` created on the account page.
struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some("personal access token")).build()),
        );
    }
}

/// The API routes and the OpenAPI document describing them.
pub fn routes() -> (axum::Router<Arc<App>>, utoipa::openapi::OpenApi) {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    let router = OpenApiRouter::with_openapi(doc)
        .routes(routes!(health))
        .merge(units::routes())
        .merge(cases::routes())
        .merge(incidents::routes())
        .merge(register::routes())
        .merge(plans::routes())
        .merge(indicators::routes())
        .merge(unit_statuses::routes())
        .merge(reported::routes())
        .merge(fund::routes())
        .merge(hub::routes())
        .merge(imports::routes())
        .merge(people::routes());
    let (router, mut doc) = router.split_for_parts();
    answers::add_standard_answers(&mut doc);
    (router, doc)
}

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// "ok" when the database answers.
    status: String,
    /// sqlite or postgres.
    database: String,
}

/// Answers 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/healthz", tag = "system",
    responses((status = 200, body = Health), (status = 503, body = ErrorEnvelope)))]
pub async fn health(State(app): State<Arc<App>>) -> Response {
    match app.health().await {
        Ok(()) => Json(Health { status: "ok".into(), database: app.backend().into() }).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check failed");
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", "the database does not answer").into_response()
        }
    }
}

/// A JSON body, read strictly, whose every refusal uses the error envelope:
///
/// | status | code | when |
/// |---|---|---|
/// | 415 | `UNSUPPORTED_MEDIA_TYPE` | the `Content-Type` is not `application/json` (or `application/*+json`) |
/// | 413 | `PAYLOAD_TOO_LARGE` | the body is over the limit |
/// | 400 | `BAD_REQUEST` | the body is not JSON |
/// | 422 | `VALIDATION_FAILED` | the body is not a JSON object, gives a struct as an array anywhere, has an unknown, duplicate or missing field or a value of the wrong type |
///
/// serde reads a struct from an array of its fields in order too; no client means that and
/// no schema describes it, so `[...]` is refused wherever `{...}` is expected ([`strict`]).
pub struct ApiJson<T>(pub T);

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let mime = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

fn invalid_body(e: &serde_json::Error) -> ApiError {
    match e.classify() {
        serde_json::error::Category::Data => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED", e.to_string()),
        _ => ApiError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", format!("the body is not JSON: {e}")),
    }
}

/// A refusal naming where in the body it is (`counts[0].unit_id`) as `field`.
fn invalid_at(e: &serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let mut refusal = invalid_body(e.inner());
    let path = e.path().to_string();
    if refusal.status == StatusCode::UNPROCESSABLE_ENTITY && path != "." {
        // The path goes in `field`; the reply names it (by its label where it has one).
        refusal.body.field = Some(path);
    }
    refusal
}

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE", "send the body as application/json"));
        }
        let ApiBytes(bytes) = ApiBytes::from_request(req, state).await?;
        // serde_json's own reading first (syntax, duplicate and unknown fields, types) …
        serde_path_to_error::deserialize::<_, T>(&mut serde_json::Deserializer::from_slice(&bytes)).map_err(|e| invalid_at(&e))?;
        // … then the one rule it lacks: objects only, at every depth.
        let value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| invalid_body(&e))?;
        if !value.is_object() {
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED", "the body must be a JSON object"));
        }
        strict::from_value::<T>(&value).map(Self).map_err(|e| invalid_at(&e))
    }
}

/// A path's parameters, read as `T`; one that does not read (`/children/abc`) names no
/// record, so it is answered as a missing one: 404 in the envelope, not axum's plain 400.
pub struct ApiPath<T>(pub T);

impl<S, T> axum::extract::FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(v)| Self(v))
            .map_err(|_| ApiError::not_found())
    }
}

/// A raw body (a CSV upload) whose refusals use the envelope, as [`ApiJson`]'s do.
pub struct ApiBytes(pub axum::body::Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        axum::body::Bytes::from_request(req, state).await.map(Self).map_err(|rejection| too_large_or_unreadable(rejection.status()))
    }
}

fn too_large_or_unreadable(status: StatusCode) -> ApiError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", "the request body is larger than the server accepts")
        }
        _ => ApiError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", "the request body could not be read"),
    }
}

/// The ids of the children or cases (`kind`) behind an indicator's figure, from the
/// query's `year`, `unit` and `on` (the map's date, default the year's last day).
pub(crate) async fn records_behind(
    app: &treem_app::App,
    actor: &treem_app::Actor,
    query: &str,
    code: &str,
    kind: treem_domain::indicator::FactKind,
) -> Result<Vec<i64>, ApiError> {
    let year = crate::query_param(query, "year")
        .and_then(|y| y.trim().parse::<i32>().ok())
        .ok_or_else(|| treem_app::AppError::invalid("year", "the figure's year, such as 2025"))?;
    let last = time::Date::from_calendar_date(year, time::Month::December, 31)
        .map_err(|_| treem_app::AppError::invalid("year", "the figure's year, such as 2025"))?;
    let unit =
        crate::params::behind_unit(crate::query_param(query, "unit").as_deref(), crate::query_param(query, "on").as_deref(), Some(last))?;
    let (fact, ids) = app.plans.records_behind(actor, code, year, unit).await?;
    if fact != kind {
        return Err(treem_app::AppError::invalid("indicator", format!("this indicator counts {}", fact.as_str())).into());
    }
    Ok(ids)
}

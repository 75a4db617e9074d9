//! The JSON API under `/api/v1`. Its OpenAPI 3 document is generated from these
//! handlers and their types (utoipa) and served at `/api/v1/openapi.json`.

mod cases;
mod fund;
mod incidents;
pub(crate) mod people;
pub(crate) mod plans;
mod register;
mod reported;
pub mod strict;
mod units;

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
    OpenApiRouter::with_openapi(doc)
        .routes(routes!(health))
        .routes(routes!(units::list_units))
        .routes(routes!(units::search_units))
        .routes(routes!(units::get_unit))
        .routes(routes!(units::reaggregate))
        .routes(routes!(cases::list_cases, cases::open_case))
        .routes(routes!(cases::get_case))
        .routes(routes!(cases::case_action))
        .routes(routes!(cases::add_intervention))
        .routes(routes!(cases::refer))
        .routes(routes!(cases::referral_status))
        .routes(routes!(cases::tasks))
        .routes(routes!(cases::providers))
        .routes(routes!(incidents::list_incidents, incidents::create_incident))
        .routes(routes!(incidents::get_incident))
        .routes(routes!(register::get_register))
        .routes(routes!(register::add_circumstance))
        .routes(routes!(register::end_circumstance))
        .routes(routes!(register::add_risk))
        .routes(routes!(register::add_caregiver))
        .routes(routes!(register::add_consent))
        .routes(routes!(register::withdraw_consent))
        .routes(routes!(register::set_profile))
        .routes(routes!(plans::list_plans, plans::import_plan))
        .routes(routes!(plans::get_plan))
        .routes(routes!(plans::plan_progress))
        .routes(routes!(plans::plan_unit_progress))
        .routes(routes!(plans::plan_milestones))
        .routes(routes!(plans::plan_unit_targets))
        .routes(routes!(plans::plan_budget))
        .routes(routes!(plans::public_statistics))
        .routes(routes!(plans::list_indicators))
        .routes(routes!(plans::save_indicator))
        .routes(routes!(plans::indicator_values))
        .routes(routes!(plans::indicator_breakdown))
        .routes(routes!(plans::indicator_disaggregation))
        .routes(routes!(plans::plan_baselines))
        .routes(routes!(plans::check_formula))
        .routes(routes!(plans::list_unit_statuses, plans::add_unit_status))
        .routes(routes!(plans::end_unit_status))
        .routes(routes!(reported::list_reported, reported::save_reported))
        .routes(routes!(reported::import_reported))
        .routes(routes!(fund::list_fund, fund::record_fund))
        .routes(routes!(people::me))
        .routes(routes!(people::list_children, people::create_child))
        .routes(routes!(people::export_children))
        .routes(routes!(people::child_duplicates))
        .routes(routes!(people::duplicate_pairs))
        .routes(routes!(people::merge_child))
        .routes(routes!(people::unmerge_child))
        .routes(routes!(people::get_child, people::update_child))
        .routes(routes!(people::audit_entries))
        .routes(routes!(people::list_accounts, people::create_account))
        .routes(routes!(people::set_account_status))
        .routes(routes!(people::list_tokens))
        .routes(routes!(people::revoke_token))
        .split_for_parts()
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
        refusal.body.message = format!("{path}: {}", refusal.body.message);
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
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", "the request body is larger than the server accepts")
            }
            _ => ApiError::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", "the request body could not be read"),
        })?;
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

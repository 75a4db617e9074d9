//! `/api/v1/incidents`: abuse, children in conflict with the law, accidents and injuries.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use treem_app::children::Masked;
use treem_app::{App, AppError};
use treem_domain::incident::{IncidentFields, IncidentInput, IncidentKind};
use utoipa::ToSchema;

use super::people::SensitiveValue;
use super::{ApiJson, ApiPath};
use crate::error::{ApiError, ErrorEnvelope};
use crate::params::query_param;
use crate::session::ApiActor;

/// The routes of this module, with their OpenAPI operations.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<Arc<App>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_incidents, create_incident))
        .routes(routes!(get_incident))
        .routes(routes!(export_incidents))
}

#[derive(Serialize, ToSchema)]
pub struct IncidentDto {
    id: i64,
    /// abuse, conflict_with_law or accident
    kind: String,
    #[schema(format = Date)]
    occurred_on: String,
    unit_id: i64,
    abuse_form: Option<String>,
    sexual_subtype: Option<String>,
    setting: Option<String>,
    relation: Option<String>,
    offence: Option<String>,
    justice_stage: Option<String>,
    justice_measure: Option<String>,
    injury: Option<String>,
    fatal: bool,
    children: Vec<i64>,
    case_id: Option<i64>,
    /// Free-text details; only on a single incident, and only for roles that see them.
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<SensitiveValue>,
}

fn dto(id: i64, f: &IncidentFields, details: Option<SensitiveValue>) -> IncidentDto {
    IncidentDto {
        id,
        kind: f.kind.as_str().into(),
        occurred_on: f.occurred_on.to_string(),
        unit_id: f.unit.0,
        abuse_form: f.abuse_form.map(|x| x.as_str().into()),
        sexual_subtype: f.sexual_subtype.map(|x| x.as_str().into()),
        setting: f.setting.map(|x| x.as_str().into()),
        relation: f.relation.map(|x| x.as_str().into()),
        offence: f.offence.clone(),
        justice_stage: f.justice_stage.map(|x| x.as_str().into()),
        justice_measure: f.justice_measure.map(|x| x.as_str().into()),
        injury: f.injury.map(|x| x.as_str().into()),
        fatal: f.fatal,
        children: f.children.clone(),
        case_id: f.case_id.map(|c| c.0),
        details,
    }
}

/// The `kind` filter of an incidents' query.
fn kind_query(q: &str) -> Result<Option<IncidentKind>, AppError> {
    query_param(q, "kind")
        .filter(|k| !k.is_empty())
        .map(|k| IncidentKind::parse(&k).ok_or_else(|| AppError::invalid("kind", "abuse, conflict_with_law or accident")))
        .transpose()
}

fn date(q: &str, key: &str) -> Result<Option<time::Date>, ApiError> {
    Ok(query_param(q, key).filter(|v| !v.is_empty()).map(|v| treem_app::units::parse_user_date(key, &v)).transpose()?)
}

/// Incidents in the caller's scope that happened between `from` and `to`.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", security(("token" = [])),
    params(("kind" = Option<String>, Query), ("from" = Option<String>, Query, description = "YYYY-MM-DD"), ("to" = Option<String>, Query, description = "YYYY-MM-DD"),
           ("indicator" = Option<String>, Query, description = "only the incidents an indicator's figure counts (its numerator)"),
           ("unit" = Option<i64>, Query, description = "with indicator: only those counted under this unit of the map of `on`"),
           ("on" = Option<String>, Query, description = "YYYY-MM-DD: the map's date; default `to`")),
    responses((status = 200, body = Vec<IncidentDto>), (status = 403, body = ErrorEnvelope)))]
pub async fn list_incidents(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Json<Vec<IncidentDto>>, ApiError> {
    let q = q.unwrap_or_default();
    let kind = kind_query(&q)?;
    let to = date(&q, "to")?;
    let mut list = app.incidents.list(&a, kind, date(&q, "from")?, to).await?;
    if let Some(code) = query_param(&q, "indicator").filter(|c| !c.is_empty()) {
        let unit = crate::params::behind_unit(query_param(&q, "unit").as_deref(), query_param(&q, "on").as_deref(), to)?;
        list = app.plans.incidents_behind(&code, unit, list).await?;
    }
    Ok(Json(list.iter().map(|v| dto(v.id.0, &v.fields, None)).collect()))
}

/// One incident (the read is audited).
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents", security(("token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = IncidentDto), (status = 404, body = ErrorEnvelope)))]
pub async fn get_incident(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<IncidentDto>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let v = app.incidents.get(&a, treem_domain::incident::IncidentId(id)).await?;
    let details = match v.notes {
        Masked::Shown(n) => SensitiveValue::from(Masked::Shown(n)),
        Masked::Hidden => SensitiveValue::from(Masked::Hidden),
    };
    Ok(Json(dto(v.id.0, &v.fields, Some(details))))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct IncidentBody {
    #[schema(schema_with = super::vocab::incident_kind)]
    kind: String,
    #[schema(format = Date)]
    occurred_on: String,
    unit_id: i64,
    children: Vec<i64>,
    #[serde(default)]
    case_id: Option<i64>,
    #[serde(default)]
    #[schema(schema_with = super::vocab::abuse_form)]
    abuse_form: String,
    #[serde(default)]
    #[schema(schema_with = super::vocab::sexual_subtype)]
    sexual_subtype: String,
    #[serde(default)]
    #[schema(schema_with = super::vocab::setting)]
    setting: String,
    #[serde(default)]
    #[schema(schema_with = super::vocab::relation)]
    relation: String,
    #[serde(default)]
    #[schema(max_length = 500)]
    offence: String,
    #[serde(default)]
    #[schema(schema_with = super::vocab::justice_stage)]
    justice_stage: String,
    #[serde(default)]
    #[schema(schema_with = super::vocab::justice_measure)]
    justice_measure: String,
    #[serde(default)]
    #[schema(schema_with = super::vocab::injury)]
    injury: String,
    #[serde(default)]
    fatal: bool,
    #[serde(default)]
    #[schema(max_length = 4000)]
    details: String,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedIncident {
    id: i64,
}

/// Records an incident in the caller's scope. Each kind has its own required fields; another kind's fields are refused.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", security(("token" = [])), request_body = IncidentBody,
    responses((status = 201, body = CreatedIncident), (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn create_incident(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiJson(b): ApiJson<IncidentBody>,
) -> Result<Response, ApiError> {
    let input = IncidentInput {
        kind: b.kind,
        occurred_on: b.occurred_on,
        unit_id: b.unit_id.to_string(),
        abuse_form: b.abuse_form,
        sexual_subtype: b.sexual_subtype,
        setting: b.setting,
        relation: b.relation,
        offence: b.offence,
        justice_stage: b.justice_stage,
        justice_measure: b.justice_measure,
        injury: b.injury,
        fatal: b.fatal,
        notes: b.details,
        children: b.children,
        case_id: b.case_id,
    };
    let id = app.incidents.create(&a, &input).await?;
    Ok((StatusCode::CREATED, Json(CreatedIncident { id: id.0 })).into_response())
}

/// Every incident in the caller's area of the kinds the role sees (optionally of one kind,
/// between `from` and `to`) as CSV or XLSX, with a total row; the children by record number,
/// not by name; no notes (audited). Imports back (`/api/v1/imports/incidents`) as the same records.
#[utoipa::path(get, path = "/api/v1/incidents/export", tag = "incidents", security(("token" = [])),
    params(("format" = Option<String>, Query, description = "csv (default) or xlsx"), ("kind" = Option<String>, Query), ("from" = Option<String>, Query, description = "YYYY-MM-DD"),
           ("to" = Option<String>, Query, description = "YYYY-MM-DD")),
    responses((status = 200, description = "the list as a file: a title row, the header in the caller's language (Accept-Language), one row per record", content((String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
               (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn export_incidents(State(app): State<Arc<App>>, ApiActor(a): ApiActor, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let q = q.unwrap_or_default();
    let format = crate::params::file_format(&q)?;
    let kind = kind_query(&q)?;
    let (from, to) = (date(&q, "from")?, date(&q, "to")?);
    let rows = app.incidents.export(&a, kind, from, to).await?;
    let lang = crate::messages::reply_lang();
    let file =
        crate::export::RecordsFile { lang, actor: &a, filter: crate::export::incident_filter_words(lang, kind, from, to), cut_at: None };
    Ok(crate::export::incidents_sheet(&app, &file, &rows).response(format, app.clock.today_in_vietnam()))
}

//! `/api/v1/indicators`: the indicator catalogue (public metadata), saving a definition, checking a
//! formula, and an indicator's values, breakdown by units and disaggregation within the caller's scope.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use treem_app::{App, AppError};
use treem_domain::indicator::{parse_formula, Formula};
use utoipa::ToSchema;

use super::plans::hundredths;
use super::{ApiJson, ApiPath};
use crate::error::{ApiError, ErrorEnvelope};
use crate::session::ApiActor;

/// The routes of this module, with their OpenAPI operations.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<Arc<App>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_indicators))
        .routes(routes!(save_indicator))
        .routes(routes!(indicator_values))
        .routes(routes!(indicator_breakdown))
        .routes(routes!(indicator_disaggregation))
        .routes(routes!(check_formula))
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
    ApiPath(code): ApiPath<String>,
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
    ApiPath(code): ApiPath<String>,
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
    ApiPath(code): ApiPath<String>,
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
        Some("xlsx") => {
            let lang = crate::messages::reply_lang();
            let (indicator, _) = app.plans.indicator(&code).await?;
            let name = if lang == crate::i18n::Lang::Vi { &indicator.name_vi } else { &indicator.name_en };
            let file = crate::export::BreakdownFile { code: &code, name, year, on, level };
            return Ok(crate::export::breakdown_xlsx(&app, lang, &file, &b));
        }
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
    ApiPath(code): ApiPath<String>,
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

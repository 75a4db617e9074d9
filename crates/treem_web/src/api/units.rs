//! `/api/v1/units`: the map through time.

use axum::extract::{RawQuery, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use treem_app::units::parse_user_date;
use treem_app::{App, AppError};
use treem_domain::units::{AdminUnit, Succession, UnitId, UnitLevel};
use utoipa::ToSchema;

use super::{ApiJson, ApiPath};
use crate::error::{ApiError, ErrorEnvelope};
use crate::params::query_param;

/// The routes of this module, with their OpenAPI operations.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<Arc<App>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_units))
        .routes(routes!(search_units))
        .routes(routes!(get_unit))
        .routes(routes!(reaggregate))
}

/// One administrative unit during its life.
#[derive(Serialize, ToSchema)]
pub struct UnitDto {
    /// Internal identity; codes are reused across eras, ids never are.
    id: i64,
    /// GSO code where one exists.
    code: String,
    /// Vietnamese name, NFC.
    name: String,
    /// province, district, commune or hamlet.
    level: String,
    /// tinh, thanh_pho, thi_xa, huyen, quan, phuong, xa, thi_tran, khom, ap, to_dan_pho.
    unit_type: String,
    #[schema(format = Date)]
    valid_from: String,
    /// Last day of validity (inclusive); absent while still valid.
    #[schema(format = Date)]
    valid_to: Option<String>,
    lat: Option<f64>,
    lon: Option<f64>,
    area_km2: Option<f64>,
}

impl From<&AdminUnit> for UnitDto {
    fn from(u: &AdminUnit) -> Self {
        Self {
            id: u.id.0,
            code: u.code.clone(),
            name: u.name.clone(),
            level: u.level.as_str().into(),
            unit_type: u.unit_type.as_str().into(),
            valid_from: u.validity.from.to_string(),
            valid_to: u.validity.to.map(|d| d.to_string()),
            lat: u.lat,
            lon: u.lon,
            area_km2: u.area_km2,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UnitOnDate {
    #[serde(flatten)]
    unit: UnitDto,
    /// The parent on the requested date.
    parent_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct UnitList {
    #[schema(format = Date)]
    date: String,
    /// Units valid on `date`, in Vietnamese order of name; build the tree from `parent_id`.
    units: Vec<UnitOnDate>,
}

fn date_param(query: &Option<String>, today: time::Date) -> Result<time::Date, ApiError> {
    match query_param(query.as_deref().unwrap_or_default(), "date").filter(|d| !d.is_empty()) {
        Some(d) => parse_user_date("date", &d).map_err(ApiError::from),
        None => Ok(today),
    }
}

/// The units valid on a date (the tree as of that date, flat).
#[utoipa::path(get, path = "/api/v1/units", tag = "units",
    params(
        ("date" = Option<String>, Query, description = "YYYY-MM-DD; today when absent"),
        ("level" = Option<String>, Query, description = "only units of this level: province, district, commune, hamlet"),
    ),
    responses((status = 200, body = UnitList), (status = 422, body = ErrorEnvelope)))]
pub async fn list_units(State(app): State<Arc<App>>, RawQuery(query): RawQuery) -> Result<Json<UnitList>, ApiError> {
    let date = date_param(&query, app.clock.today_in_vietnam())?;
    let level = match query_param(query.as_deref().unwrap_or_default(), "level").filter(|l| !l.is_empty()) {
        Some(l) => Some(UnitLevel::parse(&l).ok_or_else(|| AppError::invalid("level", "expected province, district, commune or hamlet"))?),
        None => None,
    };
    let units = app
        .units
        .list_on(date)
        .iter()
        .filter(|(u, _)| level.is_none_or(|l| u.level == l))
        .map(|(u, p)| UnitOnDate { unit: u.into(), parent_id: p.map(|p| p.0) })
        .collect();
    Ok(Json(UnitList { date: date.to_string(), units }))
}

/// Units of any era whose name (diacritics and case ignored) or code matches.
#[utoipa::path(get, path = "/api/v1/units/search", tag = "units",
    params(("q" = String, Query, description = "part of a name, or a code; at most 100 characters")),
    responses((status = 200, body = Vec<UnitDto>), (status = 422, body = ErrorEnvelope)))]
pub async fn search_units(State(app): State<Arc<App>>, RawQuery(query): RawQuery) -> Result<Json<Vec<UnitDto>>, ApiError> {
    let q = query_param(query.as_deref().unwrap_or_default(), "q").unwrap_or_default();
    if q.trim().is_empty() || q.chars().count() > 100 {
        return Err(AppError::invalid("q", "give 1 to 100 characters").into());
    }
    Ok(Json(app.units.search(&q, 100).iter().map(UnitDto::from).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct ParentDto {
    parent: UnitDto,
    #[schema(format = Date)]
    valid_from: String,
    #[schema(format = Date)]
    valid_to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SuccessionDto {
    /// The unit on the other side (the successor, or the predecessor).
    unit: UnitDto,
    #[schema(format = Date)]
    effective: String,
    /// Share of the predecessor that went to the successor, 0 < share ≤ 1.
    share: f64,
}

#[derive(Serialize, ToSchema)]
pub struct UnitDetailDto {
    unit: UnitDto,
    parents: Vec<ParentDto>,
    /// Units below it on `children_on`.
    children: Vec<UnitDto>,
    #[schema(format = Date)]
    children_on: String,
    predecessors: Vec<SuccessionDto>,
    successors: Vec<SuccessionDto>,
    /// Other units that held the same code in other periods.
    same_code: Vec<UnitDto>,
}

fn successions(list: &[(Succession, AdminUnit)]) -> Vec<SuccessionDto> {
    list.iter()
        .map(|(s, u)| SuccessionDto { unit: u.into(), effective: s.effective.to_string(), share: s.share_ppm as f64 / 1_000_000.0 })
        .collect()
}

/// One unit with its parents, children, predecessors and successors.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units",
    params(("id" = i64, Path, description = "internal unit id")),
    responses((status = 200, body = UnitDetailDto), (status = 404, body = ErrorEnvelope)))]
pub async fn get_unit(State(app): State<Arc<App>>, ApiPath(id): ApiPath<String>) -> Result<Json<UnitDetailDto>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let d = app.units.detail(UnitId(id))?;
    Ok(Json(UnitDetailDto {
        unit: (&d.unit).into(),
        parents: d
            .parents
            .iter()
            .map(|(l, p)| ParentDto {
                parent: p.into(),
                valid_from: l.validity.from.to_string(),
                valid_to: l.validity.to.map(|t| t.to_string()),
            })
            .collect(),
        children: d.children.iter().map(UnitDto::from).collect(),
        children_on: d.children_on.to_string(),
        predecessors: successions(&d.predecessors),
        successors: successions(&d.successors),
        same_code: d.same_code.iter().map(UnitDto::from).collect(),
    }))
}

#[derive(Serialize, Deserialize, ToSchema, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct UnitCount {
    unit_id: i64,
    count: i64,
}

/// Counts kept against units of any era, to carry onto the map of `target_date`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReaggregateRequest {
    #[schema(format = Date)]
    target_date: String,
    /// At most 100,000 entries, one per unit.
    counts: Vec<UnitCount>,
    /// Optional weights for apportioning a merged unit's count over its
    /// predecessors when going back in time (for example their last known counts).
    #[serde(default)]
    weights: Vec<UnitCount>,
}

#[derive(Serialize, ToSchema)]
pub struct ReaggregateResponse {
    #[schema(format = Date)]
    target_date: String,
    /// Counts on units valid on the target date.
    counts: Vec<UnitCount>,
    /// Counts summed up the tree as of the target date (each unit: itself and everything below).
    totals: Vec<UnitCount>,
    /// Units whose count was apportioned (a split forward, a merge backward): estimates.
    estimated: Vec<i64>,
    /// Counts with no path onto the target map; never dropped.
    unmapped: Vec<UnitCount>,
    /// Sum of all counts in = sum of `counts` + `unmapped`.
    total: i64,
}

fn to_counts(m: &BTreeMap<UnitId, i64>) -> Vec<UnitCount> {
    m.iter().map(|(k, v)| UnitCount { unit_id: k.0, count: *v }).collect()
}

fn to_map(field: &str, list: &[UnitCount]) -> Result<BTreeMap<UnitId, i64>, ApiError> {
    let mut m = BTreeMap::new();
    for c in list {
        if m.insert(UnitId(c.unit_id), c.count).is_some() {
            return Err(AppError::invalid(field, format!("unit {} appears twice", c.unit_id)).into());
        }
    }
    Ok(m)
}

/// Re-aggregates counts from one administrative map onto another (2013-era tree ↔ 2025 tree).
#[utoipa::path(post, path = "/api/v1/units/reaggregate", tag = "units",
    request_body = ReaggregateRequest,
    responses((status = 200, body = ReaggregateResponse), (status = 422, body = ErrorEnvelope), (status = 413, body = ErrorEnvelope)))]
pub async fn reaggregate(
    State(app): State<Arc<App>>,
    ApiJson(req): ApiJson<ReaggregateRequest>,
) -> Result<Json<ReaggregateResponse>, ApiError> {
    let target = parse_user_date("target_date", &req.target_date)?;
    if req.counts.len() > 100_000 || req.weights.len() > 100_000 {
        return Err(AppError::invalid("counts", "at most 100,000 entries").into());
    }
    let counts = to_map("counts", &req.counts)?;
    let weights: HashMap<UnitId, i64> = to_map("weights", &req.weights)?.into_iter().collect();
    let (r, totals) = app.units.reaggregate(&counts, target, (!weights.is_empty()).then_some(&weights))?;
    Ok(Json(ReaggregateResponse {
        target_date: target.to_string(),
        total: r.total(),
        counts: to_counts(&r.counts),
        totals: to_counts(&totals),
        estimated: r.estimated.iter().map(|u| u.0).collect(),
        unmapped: to_counts(&r.unmapped),
    }))
}

//! `/api/v1/children/{id}/register`: the register beyond the core record.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use treem_app::register::{Dated, ProfileInput};
use treem_app::App;
use utoipa::ToSchema;

use super::{ApiJson, ApiPath};
use crate::error::{ApiError, ErrorEnvelope};
use crate::session::ApiActor;

/// The routes of this module, with their OpenAPI operations.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<Arc<App>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(get_register))
        .routes(routes!(add_circumstance))
        .routes(routes!(end_circumstance))
        .routes(routes!(add_risk))
        .routes(routes!(add_caregiver))
        .routes(routes!(add_consent))
        .routes(routes!(withdraw_consent))
        .routes(routes!(set_profile))
}

#[derive(Serialize, ToSchema)]
pub struct DatedDto {
    id: i64,
    /// A group code (a, b, c, d, dd, e, g, h, i, k, l, m, n, o) or the risk factors.
    what: String,
    began_on: String,
    ended_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaregiverDto {
    id: i64,
    name: String,
    relation: String,
    legal_representative: bool,
    phone: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentDto {
    id: i64,
    kind: String,
    given_by: String,
    given_on: String,
    scope: String,
    withdrawn_on: Option<String>,
    /// The instrument in force on `given_on`, by which the record is judged (none before
    /// the first one of `data/consent/instruments.toml`).
    instrument: Option<InstrumentDto>,
}

/// A legal instrument on consent (`data/consent/instruments.toml`).
#[derive(Serialize, ToSchema)]
pub struct InstrumentDto {
    id: String,
    name_vi: String,
    name_en: String,
    /// The article and clause of the rule.
    citation: String,
    in_force_from: String,
    /// The age from which the child's own consent counts.
    child_consent_from_age: i32,
    /// `all_processing` or `disclosure`: what the child's own consent is needed for.
    child_consent_for: &'static str,
}

fn instrument(i: &treem_domain::consent::Instrument) -> InstrumentDto {
    InstrumentDto {
        id: i.id.clone(),
        name_vi: i.name_vi.clone(),
        name_en: i.name_en.clone(),
        citation: i.citation.clone(),
        in_force_from: i.in_force_from.to_string(),
        child_consent_from_age: i.child_consent_from_age,
        child_consent_for: match i.child_consent_for {
            treem_domain::consent::ConsentFor::AllProcessing => "all_processing",
            treem_domain::consent::ConsentFor::Disclosure => "disclosure",
        },
    }
}

#[derive(Serialize, ToSchema)]
pub struct HouseholdDto {
    id: i64,
    code: String,
    head_name: String,
    unit_id: i64,
    /// [year, poor | near_poor | neither]
    poverty: Vec<(i64, String)>,
}

#[derive(Serialize, ToSchema)]
pub struct RegisterDto {
    disability: bool,
    school_status: Option<String>,
    health_insurance: Option<bool>,
    birth_registered_on: Option<String>,
    household: Option<HouseholdDto>,
    /// Group memberships of the groups the caller's role sees (the others are not
    /// mentioned at all).
    circumstances: Vec<DatedDto>,
    risks: Vec<DatedDto>,
    caregivers: Vec<CaregiverDto>,
    consents: Vec<ConsentDto>,
    /// Whether consents (or a legal basis) satisfy today's instrument (`consent_instrument`).
    consent_ok: bool,
    consent_instrument: Option<InstrumentDto>,
}

fn dated(d: &treem_app::register::DatedRecord) -> DatedDto {
    DatedDto { id: d.id, what: d.what.clone(), began_on: d.began_on.to_string(), ended_on: d.ended_on.map(|e| e.to_string()) }
}

/// A child's register details (scoped like the child).
#[utoipa::path(get, path = "/api/v1/children/{id}/register", tag = "children", security(("token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = RegisterDto), (status = 404, body = ErrorEnvelope)))]
pub async fn get_register(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<RegisterDto>, ApiError> {
    let v = app.register.view(&a, id).await?;
    let consents = v
        .consents
        .iter()
        .map(|c| ConsentDto {
            id: c.id,
            kind: c.kind.clone(),
            given_by: c.given_by.clone(),
            given_on: c.given_on.to_string(),
            scope: c.scope.clone(),
            withdrawn_on: c.withdrawn_on.map(|d| d.to_string()),
            instrument: v.instrument_of(c).map(instrument),
        })
        .collect();
    Ok(Json(RegisterDto {
        disability: v.profile.disability,
        school_status: v.profile.school_status.clone(),
        health_insurance: v.profile.health_insurance,
        birth_registered_on: v.profile.birth_registered_on.map(|d| d.to_string()),
        household: v.household.map(|h| HouseholdDto {
            id: h.id,
            code: h.code,
            head_name: h.head_name,
            unit_id: h.unit.0,
            poverty: h.poverty,
        }),
        circumstances: v.circumstances.iter().map(dated).collect(),
        risks: v.risks.iter().map(dated).collect(),
        caregivers: v
            .caregivers
            .into_iter()
            .map(|c| CaregiverDto {
                id: c.id,
                name: c.name,
                relation: c.relation,
                legal_representative: c.legal_representative,
                phone: c.phone,
            })
            .collect(),
        consents,
        consent_ok: v.consent_ok,
        consent_instrument: v.consent_instrument.map(instrument),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct CreatedRow {
    id: i64,
}

fn created(id: i64) -> Response {
    (StatusCode::CREATED, Json(CreatedRow { id })).into_response()
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CircumstanceBody {
    /// a, b, c, d, dd (or đ), e, g, h, i, k, l, m, n, o
    #[schema(schema_with = super::vocab::circumstance_group)]
    group: String,
    #[schema(format = Date)]
    began_on: String,
    #[serde(default)]
    ended_on: String,
}

/// Records that the child belongs to one of the 14 groups of special circumstances, from a date.
#[utoipa::path(post, path = "/api/v1/children/{id}/circumstances", tag = "children", security(("token" = [])), request_body = CircumstanceBody, params(("id" = i64, Path)),
    responses((status = 201, body = CreatedRow), (status = 422, body = ErrorEnvelope)))]
pub async fn add_circumstance(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<CircumstanceBody>,
) -> Result<Response, ApiError> {
    Ok(created(app.register.add_circumstance(&a, id, &b.group, &b.began_on, &b.ended_on).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EndBody {
    #[schema(format = Date)]
    ended_on: String,
}

/// Ends a group membership.
#[utoipa::path(post, path = "/api/v1/children/{id}/circumstances/{row}/end", tag = "children", security(("token" = [])), request_body = EndBody,
    params(("id" = i64, Path), ("row" = i64, Path)),
    responses((status = 204), (status = 409, description = "`CONFLICT`: the row has already ended", body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn end_circumstance(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath((id, row)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<EndBody>,
) -> Result<StatusCode, ApiError> {
    app.register.end(&a, id, Dated::Circumstance, row, &b.ended_on).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskBody {
    #[schema(max_length = 1000)]
    factors: String,
    #[schema(format = Date)]
    began_on: String,
}

/// Flags the child as at risk of special circumstances, with the factors.
#[utoipa::path(post, path = "/api/v1/children/{id}/risks", tag = "children", security(("token" = [])), request_body = RiskBody, params(("id" = i64, Path)),
    responses((status = 201, body = CreatedRow), (status = 422, body = ErrorEnvelope)))]
pub async fn add_risk(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RiskBody>,
) -> Result<Response, ApiError> {
    Ok(created(app.register.add_risk(&a, id, &b.factors, &b.began_on).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaregiverBody {
    #[schema(max_length = 200)]
    name: String,
    /// mother, father, grandparent, sibling, relative, foster_parent, guardian, facility, other
    #[schema(schema_with = super::vocab::caregiver_relation)]
    relation: String,
    #[serde(default)]
    legal_representative: bool,
    #[serde(default)]
    #[schema(max_length = 40)]
    phone: String,
}

/// Adds a caregiver (possibly the legal representative).
#[utoipa::path(post, path = "/api/v1/children/{id}/caregivers", tag = "children", security(("token" = [])), request_body = CaregiverBody, params(("id" = i64, Path)),
    responses((status = 201, body = CreatedRow), (status = 422, body = ErrorEnvelope)))]
pub async fn add_caregiver(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<CaregiverBody>,
) -> Result<Response, ApiError> {
    Ok(created(app.register.add_caregiver(&a, id, &b.name, &b.relation, b.legal_representative, &b.phone).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    /// child (from age 7), legal_representative, or legal_basis
    #[schema(schema_with = super::vocab::consent_kind)]
    kind: String,
    #[schema(max_length = 200)]
    given_by: String,
    #[schema(format = Date)]
    given_on: String,
    #[schema(max_length = 500)]
    scope: String,
}

/// Records consent to processing (or the legal basis for processing without it).
#[utoipa::path(post, path = "/api/v1/children/{id}/consents", tag = "children", security(("token" = [])), request_body = ConsentBody, params(("id" = i64, Path)),
    responses((status = 201, body = CreatedRow), (status = 422, body = ErrorEnvelope)))]
pub async fn add_consent(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ConsentBody>,
) -> Result<Response, ApiError> {
    Ok(created(app.register.add_consent(&a, id, &b.kind, &b.given_by, &b.given_on, &b.scope).await?))
}

/// Withdraws a consent from today.
#[utoipa::path(post, path = "/api/v1/children/{id}/consents/{consent}/withdraw", tag = "children", security(("token" = [])),
    params(("id" = i64, Path), ("consent" = i64, Path)),
    responses((status = 204), (status = 409, description = "`CONFLICT`: the consent is already withdrawn", body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn withdraw_consent(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath((id, consent)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, ApiError> {
    app.register.withdraw_consent(&a, id, consent).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    #[serde(default)]
    disability: bool,
    /// not_school_age, in_school, out_of_school or empty
    #[serde(default)]
    #[schema(schema_with = super::vocab::school_status)]
    school_status: String,
    /// yes, no or empty (unknown)
    #[serde(default)]
    #[schema(schema_with = super::vocab::health_insurance)]
    health_insurance: String,
    #[serde(default)]
    birth_registered_on: String,
    #[serde(default)]
    #[schema(max_length = 40)]
    household_code: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    household_head: String,
    #[serde(default)]
    poverty_year: String,
    /// poor, near_poor or neither (with poverty_year)
    #[serde(default)]
    #[schema(schema_with = super::vocab::poverty_status)]
    poverty_status: String,
}

/// Sets the profile: disability, school and health-insurance status, birth registration, household and its poverty status for a year.
#[utoipa::path(put, path = "/api/v1/children/{id}/profile", tag = "children", security(("token" = [])), request_body = ProfileBody, params(("id" = i64, Path)),
    responses((status = 204), (status = 422, body = ErrorEnvelope)))]
pub async fn set_profile(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ProfileBody>,
) -> Result<StatusCode, ApiError> {
    let input = ProfileInput {
        disability: b.disability,
        school_status: b.school_status,
        health_insurance: b.health_insurance,
        birth_registered_on: b.birth_registered_on,
        household_code: b.household_code,
        household_head: b.household_head,
        poverty_year: b.poverty_year,
        poverty_status: b.poverty_status,
    };
    app.register.set_profile(&a, id, &input).await?;
    Ok(StatusCode::NO_CONTENT)
}

//! `/api/v1/me`, `/api/v1/children`, `/api/v1/audit`, `/api/v1/accounts`, `/api/v1/tokens`:
//! the same services as the pages, behind a token or a session.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use treem_app::accounts::{AccountInput, Operator};
use treem_app::audit::AuditFilter;
use treem_app::children::{ChildSummary, ChildView, Masked, Registration};
use treem_app::{App, AppError};
use treem_domain::child::ChildInput;
use utoipa::ToSchema;

use super::{ApiJson, ApiPath};
use crate::error::{ApiError, ErrorEnvelope};
use crate::params::query_param;
use crate::session::ApiActor;

/// The routes of this module, with their OpenAPI operations.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<Arc<App>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(list_children, create_child))
        .routes(routes!(export_children))
        .routes(routes!(child_duplicates))
        .routes(routes!(duplicate_pairs))
        .routes(routes!(merge_child))
        .routes(routes!(unmerge_child))
        .routes(routes!(get_child, update_child))
        .routes(routes!(audit_entries))
        .routes(routes!(export_audit))
        .routes(routes!(list_accounts, create_account))
        .routes(routes!(set_account_status))
        .routes(routes!(list_tokens))
        .routes(routes!(revoke_token))
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    scope_unit_id: Option<i64>,
    agency: Option<String>,
}

/// The caller.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts", security(("token" = [])),
    responses((status = 200, body = Me), (status = 401, body = ErrorEnvelope)))]
pub async fn me(ApiActor(a): ApiActor) -> Json<Me> {
    Json(Me {
        id: a.account_id,
        username: a.username,
        display_name: a.display_name,
        role: a.role.as_str().into(),
        scope_unit_id: a.scope_unit.map(|u| u.0),
        agency: a.agency,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChildSummaryDto {
    id: i64,
    full_name: String,
    sex: String,
    #[schema(format = Date)]
    birth_date: String,
    residence_unit_id: i64,
    #[schema(format = Date)]
    registered_on: String,
}

impl From<&ChildSummary> for ChildSummaryDto {
    fn from(c: &ChildSummary) -> Self {
        Self {
            id: c.id,
            full_name: c.full_name.clone(),
            sex: c.sex.as_str().into(),
            birth_date: c.birth_date.to_string(),
            residence_unit_id: c.residence_unit.0,
            registered_on: c.registered_on.to_string(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ChildPageDto {
    children: Vec<ChildSummaryDto>,
    /// Pass as `after` for the next page; absent at the end.
    next_after: Option<i64>,
}

/// A sensitive field: present with `visible: true`, or `visible: false` and no value for roles that may not see it.
#[derive(Serialize, ToSchema)]
pub struct SensitiveValue {
    visible: bool,
    value: Option<String>,
}

/// The same shape, used by cases.
pub type SensitiveText = SensitiveValue;

impl From<Masked<Option<String>>> for SensitiveValue {
    fn from(m: Masked<Option<String>>) -> Self {
        sensitive(m)
    }
}

fn sensitive(m: Masked<Option<String>>) -> SensitiveValue {
    match m {
        Masked::Shown(v) => SensitiveValue { visible: true, value: v },
        Masked::Hidden => SensitiveValue { visible: false, value: None },
    }
}

#[derive(Serialize, ToSchema)]
pub struct ChildDto {
    id: i64,
    full_name: String,
    sex: String,
    #[schema(format = Date)]
    birth_date: String,
    /// Only the year is known; `birth_date` is then an estimate (1 July of that year).
    birth_date_estimated: bool,
    age: i32,
    residence_unit_id: i64,
    #[schema(format = Date)]
    registered_on: String,
    hiv_status: SensitiveValue,
    abuse_notes: SensitiveValue,
    offence_notes: SensitiveValue,
    /// Send back with an update; a stale version is refused with EDIT_CONFLICT.
    version: i64,
    /// Set when this record is a duplicate merged into another.
    merged_into: Option<i64>,
}

impl From<ChildView> for ChildDto {
    fn from(v: ChildView) -> Self {
        let hiv = match v.hiv_status {
            Masked::Shown(h) => Masked::Shown(h.map(|h| h.as_str().to_owned())),
            Masked::Hidden => Masked::Hidden,
        };
        Self {
            id: v.id,
            full_name: v.full_name,
            sex: v.sex.as_str().into(),
            birth_date: v.birth_date.to_string(),
            birth_date_estimated: v.birth_date_estimated,
            age: v.age,
            residence_unit_id: v.residence_unit.0,
            registered_on: v.registered_on.to_string(),
            hiv_status: sensitive(hiv),
            abuse_notes: sensitive(v.abuse_notes),
            offence_notes: sensitive(v.offence_notes),
            version: v.version,
            merged_into: v.merged_into,
        }
    }
}

/// Children in the caller's scope (never any sensitive field).
#[utoipa::path(get, path = "/api/v1/children", tag = "children", security(("token" = [])),
    params(("q" = Option<String>, Query, description = "part of the name; diacritics and case ignored"),
           ("unit_id" = Option<i64>, Query, description = "only this unit's subtree"),
           ("group" = Option<String>, Query, description = "only current members of this group of special circumstances (a … o, dd for đ)"),
           ("from" = Option<String>, Query, description = "records dated from (YYYY-MM-DD)"),
           ("to" = Option<String>, Query, description = "records dated to (YYYY-MM-DD)"),
           ("after" = Option<i64>, Query, description = "the next_after of the previous page"),
           ("limit" = Option<i64>, Query, description = "1 to 100, default 50"),
           ("indicator" = Option<String>, Query, description = "only the children a children.* indicator's figure counts (its numerator) in `year`"),
           ("year" = Option<i32>, Query, description = "with indicator: the figure's year"),
           ("unit" = Option<i64>, Query, description = "with indicator: only those counted under this unit of the map of `on`"),
           ("on" = Option<String>, Query, description = "with indicator: YYYY-MM-DD, the map's date; default the year's last day")),
    responses((status = 200, body = ChildPageDto), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn list_children(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Json<ChildPageDto>, ApiError> {
    let q = q.unwrap_or_default();
    let num = |k: &str| -> Result<Option<i64>, ApiError> {
        query_param(&q, k)
            .filter(|v| !v.is_empty())
            .map(|v| v.parse::<i64>().map_err(|_| ApiError::from(AppError::invalid(k, "a whole number"))))
            .transpose()
    };
    let date = |k: &str| -> Result<Option<time::Date>, ApiError> {
        Ok(query_param(&q, k).filter(|v| !v.is_empty()).map(|v| treem_app::units::parse_user_date(k, &v)).transpose()?)
    };
    let ids = match query_param(&q, "indicator").filter(|c| !c.is_empty()) {
        Some(code) => Some(super::records_behind(&app, &a, &q, &code, treem_domain::indicator::FactKind::Children).await?),
        None => None,
    };
    let filter = treem_app::children::ChildFilter {
        name: query_param(&q, "q"),
        unit: num("unit_id")?.map(treem_domain::units::UnitId),
        group: query_param(&q, "group"),
        from: date("from")?,
        to: date("to")?,
        ids,
    };
    let page = app.children.list_filtered(&a, &filter, num("after")?, num("limit")?.unwrap_or(50)).await?;
    Ok(Json(ChildPageDto { children: page.children.iter().map(ChildSummaryDto::from).collect(), next_after: page.next_after }))
}

/// One child. Sensitive fields are present only for roles that need them; the read is audited.
#[utoipa::path(get, path = "/api/v1/children/{id}", tag = "children", security(("token" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = ChildDto), (status = 404, body = ErrorEnvelope)))]
pub async fn get_child(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ChildDto>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    Ok(Json(app.children.get(&a, id).await?.into()))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ChildBody {
    #[schema(max_length = 100)]
    full_name: String,
    /// male or female
    #[schema(schema_with = super::vocab::sex)]
    sex: String,
    /// YYYY-MM-DD, or only the year (YYYY) when the date is not known: it is then kept as an estimate.
    #[schema(pattern = r"^\d{4}(-\d{2}-\d{2})?$")]
    birth_date: String,
    residence_unit_id: i64,
    /// The record's date (default today); the residence unit must be valid then.
    #[serde(default)]
    #[schema(format = Date)]
    registered_on: Option<String>,
    #[serde(default)]
    #[schema(schema_with = super::vocab::hiv_status)]
    hiv_status: Option<String>,
    #[serde(default)]
    #[schema(max_length = 4000)]
    abuse_notes: Option<String>,
    #[serde(default)]
    #[schema(max_length = 4000)]
    offence_notes: Option<String>,
    /// Required on update: the version last read.
    #[serde(default)]
    version: Option<i64>,
    /// Registration only: `true` stores the child even when records in the caller's scope
    /// may be the same child (after the caller has looked at them). Without it such a
    /// registration is answered 409 `LIKELY_DUPLICATE` with the candidates, and nothing is stored.
    #[serde(default)]
    confirm_not_duplicate: Option<bool>,
}

impl ChildBody {
    fn input(&self) -> ChildInput {
        ChildInput {
            full_name: self.full_name.clone(),
            sex: self.sex.clone(),
            birth_date: self.birth_date.clone(),
            residence_unit_id: self.residence_unit_id.to_string(),
            registered_on: self.registered_on.clone().unwrap_or_default(),
            hiv_status: self.hiv_status.clone().unwrap_or_default(),
            abuse_notes: self.abuse_notes.clone().unwrap_or_default(),
            offence_notes: self.offence_notes.clone().unwrap_or_default(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    id: i64,
}

/// Registers a child in the caller's scope. When records in the caller's scope may be the
/// same child, nothing is stored and the answer is 409 `LIKELY_DUPLICATE` listing them
/// (`candidates`), as the registration form does; send `confirm_not_duplicate: true` to
/// register anyway.
#[utoipa::path(post, path = "/api/v1/children", tag = "children", security(("token" = [])), request_body = ChildBody,
    responses((status = 201, body = Created), (status = 409, body = ErrorEnvelope, description = "LIKELY_DUPLICATE: records in scope may be the same child; `candidates` lists them"),
               (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn create_child(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiJson(body): ApiJson<ChildBody>,
) -> Result<Response, ApiError> {
    let confirmed = body.confirm_not_duplicate == Some(true);
    match app.children.create_unless_duplicate(&a, &body.input(), confirmed).await? {
        Registration::Created(id) => Ok((StatusCode::CREATED, Json(Created { id })).into_response()),
        Registration::LikelyDuplicates(found) => {
            let mut e = ApiError::new(
                StatusCode::CONFLICT,
                "LIKELY_DUPLICATE",
                "records in your area may be the same child: nothing was stored; send confirm_not_duplicate: true to register anyway",
            );
            e.body.candidates = found.iter().map(DuplicateDto::from).collect();
            Err(e)
        }
    }
}

/// `confirm_not_duplicate` belongs to a registration only.
fn no_confirmation(body: &ChildBody) -> Result<(), ApiError> {
    match body.confirm_not_duplicate {
        Some(_) => Err(AppError::invalid("confirm_not_duplicate", "only a registration (POST /api/v1/children) takes this").into()),
        None => Ok(()),
    }
}

/// Updates a child; `version` must be the one last read.
#[utoipa::path(put, path = "/api/v1/children/{id}", tag = "children", security(("token" = [])), request_body = ChildBody,
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn update_child(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<ChildBody>,
) -> Result<StatusCode, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    no_confirmation(&body)?;
    let version = body.version.ok_or_else(|| AppError::invalid("version", "send the version last read"))?;
    app.children.update(&a, id, version, &body.input()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The caller's children as CSV (audited; formula-safe cells; no sensitive field), streamed a
/// page at a time, with the total on the last line.
#[utoipa::path(get, path = "/api/v1/children/export.csv", tag = "children", security(("token" = [])),
    params(("q" = Option<String>, Query)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 403, body = ErrorEnvelope)))]
pub async fn export_children(State(app): State<Arc<App>>, ApiActor(a): ApiActor, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let name = query_param(&q.unwrap_or_default(), "q");
    Ok(crate::export::children_csv_stream(app.clone(), crate::messages::reply_lang(), a, name).await?)
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryDto {
    /// UTC, microseconds.
    at: String,
    actor_id: Option<i64>,
    actor_label: String,
    source: String,
    action: String,
    record_type: Option<String>,
    record_key: Option<String>,
    fields: Vec<String>,
    outcome: String,
}

/// Audit entries, newest first (auditors and administrators), as the reader's role may
/// see the log: without the entries about sensitive classes it does not see, and without
/// ids or hashes (a gap in either would tell of such an entry). The next page is asked
/// with `before` set to the `next` of this one.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("token" = [])),
    params(("actor_id" = Option<i64>, Query), ("action" = Option<String>, Query, description = "action prefix"), ("record_type" = Option<String>, Query),
           ("record_key" = Option<String>, Query), ("before" = Option<String>, Query, description = "the `next` of the previous page"),
           ("limit" = Option<i64>, Query)),
    responses((status = 200, body = AuditPageDto), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn audit_entries(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Json<AuditPageDto>, ApiError> {
    let q = q.unwrap_or_default();
    let text = |k: &str| query_param(&q, k).filter(|v| !v.is_empty()).map(|v| v.chars().take(60).collect::<String>());
    let num = |k: &str| -> Result<Option<i64>, ApiError> {
        text(k).map(|v| v.parse::<i64>().map_err(|_| ApiError::from(AppError::invalid(k, "a whole number")))).transpose()
    };
    let filter = AuditFilter {
        actor_id: num("actor_id")?,
        action_prefix: text("action"),
        record_type: text("record_type"),
        record_key: text("record_key"),
        limit: num("limit")?.unwrap_or(100),
        ..AuditFilter::default()
    };
    let page = app.audit.list(&a, filter, text("before").as_deref()).await?;
    Ok(Json(AuditPageDto {
        entries: page
            .entries
            .into_iter()
            .map(|e| AuditEntryDto {
                at: e.at,
                actor_id: e.event.actor_id,
                actor_label: e.event.actor_label,
                source: e.event.source,
                action: e.event.action,
                record_type: e.event.record_type,
                record_key: e.event.record_key,
                fields: e.event.fields,
                outcome: e.event.outcome.as_str().into(),
            })
            .collect(),
        next: page.next,
    }))
}

/// A page of the audit log.
#[derive(Serialize, ToSchema)]
pub struct AuditPageDto {
    entries: Vec<AuditEntryDto>,
    /// Pass as `before` for the next (older) page; absent at the end.
    next: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountDto {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    scope_unit_id: Option<i64>,
    agency: Option<String>,
    totp_enabled: bool,
    disabled: bool,
}

/// Every account (administrators).
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts", security(("token" = [])),
    responses((status = 200, body = Vec<AccountDto>), (status = 403, body = ErrorEnvelope)))]
pub async fn list_accounts(State(app): State<Arc<App>>, ApiActor(a): ApiActor) -> Result<Json<Vec<AccountDto>>, ApiError> {
    let list = app.accounts.list(Operator::Admin(&a)).await?;
    Ok(Json(
        list.into_iter()
            .map(|r| AccountDto {
                id: r.id.0,
                username: r.username,
                display_name: r.display_name,
                role: r.role.as_str().into(),
                scope_unit_id: r.scope_unit.map(|u| u.0),
                agency: r.agency,
                totp_enabled: r.totp_enabled,
                disabled: r.disabled,
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountBody {
    #[schema(pattern = r"^[A-Za-z0-9._-]{3,64}$")]
    username: String,
    #[schema(max_length = 100)]
    display_name: String,
    #[schema(schema_with = super::vocab::role)]
    role: String,
    /// Code of the scope unit (empty for system administrators).
    #[serde(default)]
    scope_unit_code: String,
    /// The date on which the code is read; default today.
    #[serde(default)]
    #[schema(format = Date)]
    scope_date: Option<String>,
    #[serde(default)]
    agency: String,
    password: String,
}

/// Creates an account (administrators).
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts", security(("token" = [])), request_body = NewAccountBody,
    responses((status = 201, body = Created), (status = 403, body = ErrorEnvelope), (status = 409, description = "`CONFLICT`: the username is taken", body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn create_account(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiJson(b): ApiJson<NewAccountBody>,
) -> Result<Response, ApiError> {
    let scope_date =
        b.scope_date.as_deref().filter(|d| !d.is_empty()).map(|d| treem_app::units::parse_user_date("scope_date", d)).transpose()?;
    let input = AccountInput {
        username: b.username,
        display_name: b.display_name,
        role: b.role,
        scope_unit_code: b.scope_unit_code,
        scope_date,
        agency: b.agency,
        password: b.password,
    };
    let id = app.accounts.create(Operator::Admin(&a), &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountStatusBody {
    disabled: bool,
}

/// Disables or enables an account (administrators); disabling ends its sessions and stops its tokens.
#[utoipa::path(put, path = "/api/v1/accounts/{id}/status", tag = "accounts", security(("token" = [])), request_body = AccountStatusBody,
    params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn set_account_status(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AccountStatusBody>,
) -> Result<StatusCode, ApiError> {
    app.accounts.set_disabled(Operator::Admin(&a), id, b.disabled).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TokenDto {
    id: i64,
    name: String,
    created_at: String,
    last_used_at: Option<String>,
    revoked_at: Option<String>,
}

/// The caller's personal access tokens (never the tokens themselves).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "accounts", security(("token" = [])),
    responses((status = 200, body = Vec<TokenDto>), (status = 401, body = ErrorEnvelope)))]
pub async fn list_tokens(State(app): State<Arc<App>>, ApiActor(a): ApiActor) -> Result<Json<Vec<TokenDto>>, ApiError> {
    let ts = treem_domain::audit::timestamp_text;
    Ok(Json(
        app.auth
            .list_tokens(&a)
            .await?
            .into_iter()
            .map(|t| TokenDto {
                id: t.id,
                name: t.name,
                created_at: ts(t.created_at),
                last_used_at: t.last_used_at.map(ts),
                revoked_at: t.revoked_at.map(ts),
            })
            .collect(),
    ))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "accounts", security(("token" = [])),
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorEnvelope)))]
pub async fn revoke_token(State(app): State<Arc<App>>, ApiActor(a): ApiActor, ApiPath(id): ApiPath<i64>) -> Result<StatusCode, ApiError> {
    app.auth.revoke_token(&a, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateDto {
    child: ChildSummaryDto,
    /// 0–100; candidates are returned from 70 (docs/DUPLICATES.md).
    score: u32,
    /// Why they look alike, as stable codes (given_name, birth_date_exact, successor_unit, …).
    reasons: Vec<String>,
}

impl From<&treem_app::children::DuplicateCandidate> for DuplicateDto {
    fn from(d: &treem_app::children::DuplicateCandidate) -> Self {
        Self { child: (&d.child).into(), score: d.score, reasons: d.reasons.iter().map(|r| (*r).to_owned()).collect() }
    }
}

/// Records in the caller's scope that may be the same child as the one described: call before registering.
#[utoipa::path(post, path = "/api/v1/children/duplicates", tag = "children", security(("token" = [])), request_body = ChildBody,
    responses((status = 200, body = Vec<DuplicateDto>), (status = 422, body = ErrorEnvelope)))]
pub async fn child_duplicates(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiJson(body): ApiJson<ChildBody>,
) -> Result<Json<Vec<DuplicateDto>>, ApiError> {
    no_confirmation(&body)?;
    let found = app.children.duplicates_for(&a, &body.input()).await?;
    Ok(Json(found.iter().map(DuplicateDto::from).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct DuplicatePairDto {
    a: ChildSummaryDto,
    b: ChildSummaryDto,
    score: u32,
    reasons: Vec<String>,
}

/// The review queue: pairs of records in scope that look like one child, best first.
#[utoipa::path(get, path = "/api/v1/children/duplicate-pairs", tag = "children", security(("token" = [])),
    responses((status = 200, body = Vec<DuplicatePairDto>), (status = 403, body = ErrorEnvelope)))]
pub async fn duplicate_pairs(State(app): State<Arc<App>>, ApiActor(a): ApiActor) -> Result<Json<Vec<DuplicatePairDto>>, ApiError> {
    let pairs = app.children.review_queue(&a).await?;
    Ok(Json(
        pairs
            .iter()
            .map(|(x, y, s, r)| DuplicatePairDto {
                a: x.into(),
                b: y.into(),
                score: *s,
                reasons: r.iter().map(|r| (*r).to_owned()).collect(),
            })
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The record to merge into this one; it leaves lists and points here.
    duplicate_id: i64,
}

/// Merges a duplicate record into this one (audited; undone by unmerge).
#[utoipa::path(post, path = "/api/v1/children/{id}/merge", tag = "children", security(("token" = [])), request_body = MergeBody, params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn merge_child(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<MergeBody>,
) -> Result<StatusCode, ApiError> {
    app.children.merge(&a, id, b.duplicate_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Undoes the merge of this record.
#[utoipa::path(post, path = "/api/v1/children/{id}/unmerge", tag = "children", security(("token" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn unmerge_child(State(app): State<Arc<App>>, ApiActor(a): ApiActor, ApiPath(id): ApiPath<i64>) -> Result<StatusCode, ApiError> {
    app.children.unmerge(&a, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The log entries the caller may read under the filter, newest first, as CSV or XLSX, in
/// words (the page's columns; no entry numbers or hashes); at most 100,000 (said when cut).
/// The export is itself audited.
#[utoipa::path(get, path = "/api/v1/audit/export", tag = "audit", security(("token" = [])),
    params(("format" = Option<String>, Query, description = "csv (default) or xlsx"), ("actor_id" = Option<i64>, Query), ("action" = Option<String>, Query, description = "one action"),
           ("record_type" = Option<String>, Query), ("record_key" = Option<String>, Query)),
    responses((status = 200, description = "the list as a file: a title row, the header in the caller's language (Accept-Language), one row per record", content((String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
               (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn export_audit(State(app): State<Arc<App>>, ApiActor(a): ApiActor, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let q = q.unwrap_or_default();
    let format = crate::params::file_format(&q)?;
    let text = |k: &str| query_param(&q, k).map(|v| v.trim().chars().take(60).collect::<String>()).filter(|v| !v.is_empty());
    let actor_id = text("actor_id").map(|v| v.parse::<i64>().map_err(|_| AppError::invalid("actor_id", "a whole number"))).transpose()?;
    let filter = AuditFilter {
        actor_id,
        action_prefix: text("action"),
        action_exact: true,
        record_type: text("record_type"),
        record_key: text("record_key"),
        ..AuditFilter::default()
    };
    let people = app.audit.people(&a).await?;
    let lang = crate::messages::reply_lang();
    let words = crate::export::audit_filter_words(lang, &filter, &people);
    let (entries, cut) = app.audit.export(&a, filter).await?;
    let file = crate::export::RecordsFile { lang, actor: &a, filter: words, cut_at: cut.then_some(treem_app::audit::AUDIT_EXPORT_LIMIT) };
    Ok(crate::export::audit_sheet(&app, &file, &people, &entries).response(format, app.clock.today_in_vietnam()))
}

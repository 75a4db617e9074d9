//! `/api/v1/cases`, `/api/v1/tasks`, `/api/v1/services`: case management for API clients.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use treem_app::cases::{ActionInput, CaseIntake, CaseRecord};
use treem_app::children::Masked;
use treem_app::{App, AppError};
use treem_domain::audit::timestamp_text;
use treem_domain::case::{available, CaseId, CaseState};
use utoipa::ToSchema;

use super::{ApiJson, ApiPath};
use crate::error::{ApiError, ErrorEnvelope};
use crate::params::query_param;
use crate::session::ApiActor;

/// The routes of this module, with their OpenAPI operations.
pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<Arc<App>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_cases, open_case))
        .routes(routes!(get_case))
        .routes(routes!(case_action))
        .routes(routes!(add_intervention))
        .routes(routes!(refer))
        .routes(routes!(referral_status))
        .routes(routes!(assign_case))
        .routes(routes!(assignees))
        .routes(routes!(transfer_case))
        .routes(routes!(tasks))
        .routes(routes!(export_cases))
        .routes(routes!(export_tasks))
        .routes(routes!(providers))
}

#[derive(Serialize, ToSchema)]
pub struct CaseSummaryDto {
    id: i64,
    child_id: i64,
    child_name: String,
    unit_id: i64,
    state: String,
    source: String,
    received_at: String,
    version: i64,
}

impl From<&CaseRecord> for CaseSummaryDto {
    fn from(r: &CaseRecord) -> Self {
        Self {
            id: r.id.0,
            child_id: r.child_id,
            child_name: r.child_name.clone(),
            unit_id: r.unit.0,
            state: r.state.as_str().into(),
            source: r.source.as_str().into(),
            received_at: timestamp_text(r.received_at),
            version: r.version,
        }
    }
}

/// Cases in the caller's scope.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("token" = [])),
    params(("state" = Option<String>, Query, description = "one lifecycle state"), ("overdue" = Option<bool>, Query, description = "only cases with an overdue task"),
           ("after" = Option<i64>, Query, description = "the id of the last case of the previous page"),
           ("indicator" = Option<String>, Query, description = "only the cases a cases.* indicator's figure counts (its numerator) in `year`"),
           ("year" = Option<i32>, Query, description = "with indicator: the figure's year"),
           ("unit" = Option<i64>, Query, description = "with indicator: only those counted under this unit of the map of `on`"),
           ("on" = Option<String>, Query, description = "with indicator: YYYY-MM-DD, the map's date; default the year's last day")),
    responses((status = 200, body = Vec<CaseSummaryDto>), (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn list_cases(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    RawQuery(q): RawQuery,
) -> Result<Json<Vec<CaseSummaryDto>>, ApiError> {
    let q = q.unwrap_or_default();
    let state = state_query(&q)?;
    let overdue = query_param(&q, "overdue").is_some_and(|v| v == "true" || v == "1");
    let after = query_param(&q, "after")
        .filter(|v| !v.is_empty())
        .map(|v| v.parse::<i64>().map_err(|_| AppError::invalid("after", "a whole number")))
        .transpose()?;
    let ids = match query_param(&q, "indicator").filter(|c| !c.is_empty()) {
        Some(code) => Some(super::records_behind(&app, &a, &q, &code, treem_domain::indicator::FactKind::Cases).await?),
        None => None,
    };
    let (rows, _) = app.cases.list_filtered(&a, state, overdue, ids.as_deref(), after.map(CaseId)).await?;
    Ok(Json(rows.iter().map(CaseSummaryDto::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenCaseBody {
    child_id: i64,
    /// hotline_111, collaborator, police, school, health_facility, child_or_family, other
    #[schema(schema_with = super::vocab::case_source)]
    source: String,
    #[serde(default)]
    #[schema(max_length = 60)]
    source_ref: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    reporter_name: String,
    #[serde(default)]
    #[schema(max_length = 200)]
    reporter_contact: String,
    summary: String,
    #[serde(default)]
    urgent: bool,
    /// RFC 3339; now when absent. Deadlines run from here.
    #[serde(default)]
    #[schema(format = DateTime)]
    received_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedCase {
    id: i64,
}

/// Opens a case from a report about a child in the caller's scope.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", security(("token" = [])), request_body = OpenCaseBody,
    responses((status = 201, body = CreatedCase), (status = 422, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)))]
pub async fn open_case(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiJson(b): ApiJson<OpenCaseBody>,
) -> Result<Response, ApiError> {
    let received_at = b
        .received_at
        .as_deref()
        .map(|s| {
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .map_err(|_| AppError::invalid("received_at", "an RFC 3339 time"))
        })
        .transpose()?;
    let intake = CaseIntake {
        child_id: b.child_id,
        source: b.source,
        source_ref: b.source_ref,
        reporter_name: b.reporter_name,
        reporter_contact: b.reporter_contact,
        summary: b.summary,
        urgent: b.urgent,
        received_at,
    };
    let id = app.cases.open(&a, &intake).await?;
    Ok((StatusCode::CREATED, Json(CreatedCase { id: id.0 })).into_response())
}

#[derive(Serialize, ToSchema)]
pub struct TaskDto {
    id: i64,
    case_id: i64,
    kind: String,
    assignee_id: Option<i64>,
    due_at: String,
    done_at: Option<String>,
    overdue: bool,
    /// Where the deadline comes from (in a case's view; absent in the task lists and
    /// for the review, whose date the chair sets).
    #[serde(skip_serializing_if = "Option::is_none")]
    deadline_source: Option<DeadlineSourceDto>,
}

/// The source of a task's deadline: `law` (with the article and clause), `procedure_sheet`
/// (with the procedure) or `local_default` (configurable).
#[derive(Serialize, ToSchema)]
pub struct DeadlineSourceDto {
    kind: &'static str,
    citation: Option<&'static str>,
}

fn deadline_source(kind: treem_domain::case::TaskKind, urgent: bool) -> Option<DeadlineSourceDto> {
    use treem_domain::case::DeadlineSource as S;
    Some(match treem_domain::case::deadline_source(kind, urgent)? {
        S::Law { citation } => DeadlineSourceDto { kind: "law", citation: Some(citation) },
        S::ProcedureSheet { citation } => DeadlineSourceDto { kind: "procedure_sheet", citation: Some(citation) },
        S::LocalDefault => DeadlineSourceDto { kind: "local_default", citation: None },
    })
}

#[derive(Serialize, ToSchema)]
pub struct StepDto {
    action: String,
    from: String,
    to: String,
    /// Absent for roles that may not see abuse details.
    note: Option<String>,
    actor: String,
    at: String,
}

#[derive(Serialize, ToSchema)]
pub struct InterventionDto {
    id: i64,
    kind: String,
    responsible: String,
    due_on: Option<String>,
    status: String,
    outcome: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReferralDto {
    id: i64,
    provider_id: i64,
    provider_name: String,
    status: String,
    note: Option<String>,
    reason: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CaseDto {
    #[serde(flatten)]
    summary: CaseSummaryDto,
    /// The report's content: absent (`visible: false`) for roles that may not see abuse details.
    report: super::people::SensitiveText,
    reporter_name: super::people::SensitiveText,
    reporter_contact: super::people::SensitiveText,
    urgent: bool,
    risk: Option<String>,
    plan_summary: Option<String>,
    plan_approved_by: Option<String>,
    review_at: Option<String>,
    /// The steps that may be taken now.
    next_actions: Vec<String>,
    tasks: Vec<TaskDto>,
    steps: Vec<StepDto>,
    interventions: Vec<InterventionDto>,
    referrals: Vec<ReferralDto>,
    /// The account managing the case, if one is assigned.
    assigned_to: Option<i64>,
    assigned_name: Option<String>,
    /// The case's moves between communes, oldest first.
    transfers: Vec<TransferDto>,
}

#[derive(Serialize, ToSchema)]
pub struct TransferDto {
    from_unit_id: i64,
    to_unit_id: i64,
    reason: String,
    by: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    at: String,
}

/// One case with its tasks, steps, plan and referrals (the read is audited).
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "cases", security(("token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CaseDto), (status = 404, body = ErrorEnvelope)))]
pub async fn get_case(State(app): State<Arc<App>>, ApiActor(a): ApiActor, ApiPath(id): ApiPath<String>) -> Result<Json<CaseDto>, ApiError> {
    let id = id.parse::<i64>().map_err(|_| ApiError::not_found())?;
    let v = app.cases.get(&a, CaseId(id)).await?;
    let now = app.clock.now();
    let sensitive = super::people::SensitiveText::from;
    let (name, contact) = match v.reporter {
        Masked::Shown((n, c)) => (Masked::Shown(n), Masked::Shown(c)),
        Masked::Hidden => (Masked::Hidden, Masked::Hidden),
    };
    let r = &v.record;
    let transfers = app.cases.transfers(&a, CaseId(id)).await?;
    Ok(Json(CaseDto {
        assigned_to: r.assigned_to,
        assigned_name: r.assigned_name.clone(),
        transfers: transfers
            .into_iter()
            .map(|t| TransferDto {
                from_unit_id: t.from_unit.0,
                to_unit_id: t.to_unit.0,
                reason: t.reason,
                by: t.actor_name,
                at: timestamp_text(t.at),
            })
            .collect(),
        summary: r.into(),
        report: sensitive(match v.summary {
            Masked::Shown(s) => Masked::Shown(Some(s)),
            Masked::Hidden => Masked::Hidden,
        }),
        reporter_name: sensitive(name),
        reporter_contact: sensitive(contact),
        urgent: r.urgent,
        risk: r.risk.map(|k| k.as_str().into()),
        plan_summary: r.plan_summary.clone(),
        plan_approved_by: r.plan_approved_by.clone(),
        review_at: r.review_at.map(timestamp_text),
        next_actions: available(r.state).iter().map(|s| (*s).to_owned()).collect(),
        tasks: v
            .tasks
            .iter()
            .map(|t| TaskDto {
                id: t.id,
                case_id: t.case_id.0,
                kind: t.kind.as_str().into(),
                assignee_id: t.assignee,
                due_at: timestamp_text(t.due_at),
                done_at: t.done_at.map(timestamp_text),
                overdue: t.done_at.is_none() && t.due_at < now,
                deadline_source: deadline_source(t.kind, r.urgent),
            })
            .collect(),
        steps: v
            .steps
            .iter()
            .map(|s| StepDto {
                action: s.action.clone(),
                from: s.from.clone(),
                to: s.to.clone(),
                note: s.note.clone(),
                actor: s.actor.clone(),
                at: timestamp_text(s.at),
            })
            .collect(),
        interventions: v
            .interventions
            .iter()
            .map(|i| InterventionDto {
                id: i.id,
                kind: i.kind.clone(),
                responsible: i.responsible.clone(),
                due_on: i.due_on.map(|d| d.to_string()),
                status: i.status.clone(),
                outcome: i.outcome.clone(),
            })
            .collect(),
        referrals: v
            .referrals
            .iter()
            .map(|x| ReferralDto {
                id: x.id,
                provider_id: x.provider_id,
                provider_name: x.provider_name.clone(),
                status: x.status.clone(),
                note: x.note.clone(),
                reason: x.reason.clone(),
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionBody {
    /// verify, close_unfounded, assess_initial, start_emergency, assess_detailed, draft_plan, approve_plan, start_plan, review, close
    #[schema(schema_with = super::vocab::case_action)]
    action: String,
    /// The case's version last read; a stale one is refused with EDIT_CONFLICT.
    version: i64,
    #[serde(default)]
    #[schema(max_length = 4000)]
    note: String,
    /// assess_initial: low, medium or high.
    #[serde(default)]
    #[schema(schema_with = super::vocab::risk)]
    risk: String,
    /// approve_plan: who approved (the commune chair).
    #[serde(default)]
    #[schema(max_length = 200)]
    approved_by: String,
    /// approve_plan: the review date, YYYY-MM-DD.
    #[serde(default)]
    review_on: String,
    /// review: whether the child is now safe and stable.
    #[serde(default)]
    safe: Option<bool>,
}

/// Takes one step of the case's lifecycle. An illegal step is refused with ILLEGAL_TRANSITION (or CASE_CLOSED), a missing field with GUARD_FAILED.
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "cases", security(("token" = [])), request_body = ActionBody, params(("id" = i64, Path)),
    responses((status = 204), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn case_action(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ActionBody>,
) -> Result<StatusCode, ApiError> {
    let input = ActionInput {
        action: b.action,
        note: b.note,
        risk: b.risk,
        approved_by: b.approved_by,
        review_on: b.review_on,
        safe: b.safe.map(|s| s.to_string()).unwrap_or_default(),
    };
    app.cases.act(&a, CaseId(id), b.version, &input.to_action()?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterventionBody {
    #[schema(schema_with = super::vocab::intervention_kind)]
    kind: String,
    responsible: String,
    #[serde(default)]
    #[schema(format = Date)]
    due_on: Option<String>,
}

/// Adds an intervention to the case's plan.
#[utoipa::path(post, path = "/api/v1/cases/{id}/interventions", tag = "cases", security(("token" = [])), request_body = InterventionBody, params(("id" = i64, Path)),
    responses((status = 201, body = CreatedCase), (status = 422, body = ErrorEnvelope)))]
pub async fn add_intervention(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<InterventionBody>,
) -> Result<Response, ApiError> {
    let due = b.due_on.as_deref().filter(|d| !d.is_empty()).map(|d| treem_app::units::parse_user_date("due_on", d)).transpose()?;
    let iid = app.cases.add_intervention(&a, CaseId(id), b.kind.trim(), &b.responsible, due).await?;
    Ok((StatusCode::CREATED, Json(CreatedCase { id: iid })).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralBody {
    provider_id: i64,
    #[serde(default)]
    #[schema(max_length = 2000)]
    note: String,
}

/// Refers the case to a service of the directory.
#[utoipa::path(post, path = "/api/v1/cases/{id}/referrals", tag = "cases", security(("token" = [])), request_body = ReferralBody, params(("id" = i64, Path)),
    responses((status = 201, body = CreatedCase), (status = 422, body = ErrorEnvelope)))]
pub async fn refer(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ReferralBody>,
) -> Result<Response, ApiError> {
    let rid = app.cases.refer(&a, CaseId(id), b.provider_id, &b.note).await?;
    Ok((StatusCode::CREATED, Json(CreatedCase { id: rid })).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralStatusBody {
    /// accepted, declined (with a reason) or completed.
    #[schema(schema_with = super::vocab::referral_move)]
    status: String,
    #[serde(default)]
    #[schema(max_length = 2000)]
    reason: String,
}

/// Records the service's answer to a referral.
#[utoipa::path(put, path = "/api/v1/cases/{id}/referrals/{rid}", tag = "cases", security(("token" = [])), request_body = ReferralStatusBody,
    params(("id" = i64, Path), ("rid" = i64, Path)),
    responses((status = 204), (status = 409, description = "`CONFLICT`: the referral is not in a state that allows this move", body = ErrorEnvelope), (status = 422, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope)))]
pub async fn referral_status(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath((id, rid)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<ReferralStatusBody>,
) -> Result<StatusCode, ApiError> {
    app.cases.referral_outcome(&a, CaseId(id), rid, b.status.trim(), &b.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentBody {
    /// The worker to manage the case (see `GET /api/v1/cases/{id}/assignees`); null for nobody.
    account_id: Option<i64>,
    /// The case's version last read; a stale one is refused with EDIT_CONFLICT.
    version: i64,
}

/// Assigns the case to a worker whose area covers it (or to nobody); its open tasks follow.
#[utoipa::path(post, path = "/api/v1/cases/{id}/assignment", tag = "cases", security(("token" = [])), request_body = AssignmentBody,
    params(("id" = i64, Path)),
    responses((status = 204), (status = 409, description = "`EDIT_CONFLICT` (a stale version) or `CASE_CLOSED`", body = ErrorEnvelope)))]
pub async fn assign_case(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AssignmentBody>,
) -> Result<StatusCode, ApiError> {
    app.cases.assign(&a, CaseId(id), b.version, b.account_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct AssigneeDto {
    id: i64,
    display_name: String,
}

/// The workers the case may be assigned to: enabled, working on cases, their area covering it.
#[utoipa::path(get, path = "/api/v1/cases/{id}/assignees", tag = "cases", security(("token" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AssigneeDto>)))]
pub async fn assignees(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Vec<AssigneeDto>>, ApiError> {
    let list = app.cases.assignable(&a, CaseId(id)).await?;
    Ok(Json(list.into_iter().map(|(id, display_name)| AssigneeDto { id, display_name }).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    /// The commune the child now lives in (on today's map).
    unit_id: i64,
    /// Why the case moves.
    #[schema(max_length = 2000)]
    reason: String,
    /// The case's version last read; a stale one is refused with EDIT_CONFLICT.
    version: i64,
}

/// Transfers the case to another commune: the case, its open tasks and who may see them move
/// there, and the old commune's assignment ends.
#[utoipa::path(post, path = "/api/v1/cases/{id}/transfer", tag = "cases", security(("token" = [])), request_body = TransferBody,
    params(("id" = i64, Path)),
    responses((status = 204), (status = 409, description = "`EDIT_CONFLICT` (a stale version) or `CASE_CLOSED`", body = ErrorEnvelope)))]
pub async fn transfer_case(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<TransferBody>,
) -> Result<StatusCode, ApiError> {
    app.cases.transfer(&a, CaseId(id), b.version, b.unit_id, &b.reason).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Open tasks in the caller's scope, soonest due first.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "cases", security(("token" = [])),
    params(("mine" = Option<bool>, Query, description = "only the caller's"), ("overdue" = Option<bool>, Query, description = "only overdue tasks")),
    responses((status = 200, body = Vec<TaskDto>), (status = 403, body = ErrorEnvelope)))]
pub async fn tasks(State(app): State<Arc<App>>, ApiActor(a): ApiActor, RawQuery(q): RawQuery) -> Result<Json<Vec<TaskDto>>, ApiError> {
    let q = q.unwrap_or_default();
    let flag = |k: &str| query_param(&q, k).is_some_and(|v| v == "true" || v == "1");
    let now = app.clock.now();
    let rows = app.cases.tasks(&a, flag("mine"), flag("overdue")).await?;
    Ok(Json(
        rows.iter()
            .map(|t| TaskDto {
                id: t.id,
                case_id: t.case_id.0,
                kind: t.kind.as_str().into(),
                assignee_id: t.assignee,
                due_at: timestamp_text(t.due_at),
                done_at: None,
                overdue: t.due_at < now,
                deadline_source: None,
            })
            .collect(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ProviderDto {
    id: i64,
    name: String,
    kind: String,
    unit_id: i64,
    phone: Option<String>,
}

/// The service directory.
#[utoipa::path(get, path = "/api/v1/services", tag = "cases", security(("token" = [])), responses((status = 200, body = Vec<ProviderDto>)))]
pub async fn providers(State(app): State<Arc<App>>, ApiActor(_a): ApiActor) -> Result<Json<Vec<ProviderDto>>, ApiError> {
    Ok(Json(
        app.cases
            .providers()
            .await?
            .into_iter()
            .map(|p| ProviderDto { id: p.id, name: p.name, kind: p.kind, unit_id: p.unit.0, phone: p.phone })
            .collect(),
    ))
}

/// Every case in the caller's area (optionally in one step, or with an overdue task) as CSV or
/// XLSX (audited; no summary, plan, reporter or review notes; formula-safe cells).
#[utoipa::path(get, path = "/api/v1/cases/export", tag = "cases", security(("token" = [])),
    params(("format" = Option<String>, Query, description = "csv (default) or xlsx"), ("state" = Option<String>, Query, description = "one lifecycle state"),
           ("overdue" = Option<bool>, Query, description = "only cases with an overdue task")),
    responses((status = 200, description = "the list as a file: a title row, the header in the caller's language (Accept-Language), one row per record", content((String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
               (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn export_cases(State(app): State<Arc<App>>, ApiActor(a): ApiActor, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let q = q.unwrap_or_default();
    let format = crate::params::file_format(&q)?;
    let state = state_query(&q)?;
    let overdue = query_param(&q, "overdue").is_some_and(|v| v == "true" || v == "1");
    let rows = app.cases.export(&a, state, overdue).await?;
    let lang = crate::messages::reply_lang();
    let file = crate::export::RecordsFile { lang, actor: &a, filter: crate::export::case_filter_words(lang, state, overdue), cut_at: None };
    Ok(crate::export::cases_sheet(&app, &file, &rows).response(format, app.clock.today_in_vietnam()))
}

/// The open tasks of the caller's area (or their own, or the overdue ones) as CSV or XLSX, by
/// due date; at most 100,000 (the title row says so when cut).
#[utoipa::path(get, path = "/api/v1/tasks/export", tag = "cases", security(("token" = [])),
    params(("format" = Option<String>, Query, description = "csv (default) or xlsx"), ("mine" = Option<bool>, Query, description = "only the caller's"), ("overdue" = Option<bool>, Query, description = "only overdue tasks")),
    responses((status = 200, description = "the list as a file: a title row, the header in the caller's language (Accept-Language), one row per record", content((String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
               (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn export_tasks(State(app): State<Arc<App>>, ApiActor(a): ApiActor, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let q = q.unwrap_or_default();
    let format = crate::params::file_format(&q)?;
    let flag = |k: &str| query_param(&q, k).is_some_and(|v| v == "true" || v == "1");
    let (mine, overdue) = (flag("mine"), flag("overdue"));
    let (rows, cut) = app.cases.export_tasks(&a, mine, overdue).await?;
    let lang = crate::messages::reply_lang();
    let cut_at = cut.then(|| usize::try_from(treem_app::cases::TASK_EXPORT_LIMIT).unwrap_or(usize::MAX));
    let file = crate::export::RecordsFile { lang, actor: &a, filter: crate::export::task_filter_words(lang, mine, overdue), cut_at };
    Ok(crate::export::tasks_sheet(&app, &file, &rows).response(format, app.clock.today_in_vietnam()))
}

/// The `state` filter of a cases' query: none, or a step of the lifecycle.
fn state_query(q: &str) -> Result<Option<CaseState>, AppError> {
    query_param(q, "state")
        .filter(|s| !s.is_empty())
        .map(|s| CaseState::parse(&s).ok_or_else(|| AppError::invalid("state", "not a case state")))
        .transpose()
}

//! Case management pages: the list with counters, opening a case from a report,
//! a case with its next steps, tasks, plan, referrals and history; the task
//! lists; the service directory.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;
use time::OffsetDateTime;
use treem_app::cases::{ActionInput, CaseIntake, INTERVENTION_KINDS, PROVIDER_KINDS};
use treem_app::children::Masked;
use treem_app::{App, AppError};
use treem_domain::access::{Action, SensitiveKind};
use treem_domain::case::{available, CaseId, CaseSource, CaseState, ReferralStatus};

use super::{render, Chrome, CsrfForm, PageContext, PageError, UiQuery};
use crate::session::SignedIn;

super::form::with_csrf!(ActForm, AssignForm, CaseForm, InterventionForm, ReferralForm, ServiceForm, TransferForm);

/// A moment as Vietnam reads it, to the minute: 02/02/2026 15:00 (Vietnam's time).
pub fn local_time(lang: crate::i18n::Lang, t: OffsetDateTime) -> String {
    super::minute_text(lang, t)
}

fn keyed(prefix: &str, codes: &[&'static str]) -> Vec<(&'static str, String)> {
    codes.iter().map(|c| (*c, format!("{prefix}.{c}"))).collect()
}

pub struct CaseRow {
    pub id: i64,
    pub child_name: String,
    pub state_key: String,
    pub received: String,
    pub unit: String,
}

#[derive(Template)]
#[template(path = "cases.html")]
struct CasesPage {
    c: Chrome,
    transferred: bool,
    rows: Vec<CaseRow>,
    counters: Vec<(String, i64)>,
    states: Vec<(&'static str, String)>,
    state: String,
    overdue: bool,
    /// The drill-down being shown, and the query that keeps it when paging.
    behind: Option<super::incidents::Behind>,
    behind_query: String,
    next_after: Option<i64>,
    can_export: bool,
}

#[derive(Deserialize)]
pub struct CasesParams {
    state: Option<String>,
    overdue: Option<String>,
    after: Option<i64>,
    /// The drill-down from an indicator's figure: its code, year, and the unit of the map of `on`.
    indicator: Option<String>,
    year: Option<String>,
    unit: Option<String>,
    on: Option<String>,
    /// `transferred`: the case just left the worker's area (a notice says so).
    done: Option<String>,
}

/// The list's step filter: none, or a step of the lifecycle.
fn state_param(p: &CasesParams) -> Result<Option<CaseState>, AppError> {
    p.state
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| CaseState::parse(s).ok_or_else(|| AppError::invalid("state", "not a case state")))
        .transpose()
}

pub async fn cases_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    UiQuery(p): UiQuery<CasesParams>,
) -> Result<Response, PageError> {
    let state = state_param(&p).map_err(|e| ctx.error(e))?;
    let overdue = p.overdue.is_some();
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let code = text(&p.indicator);
    let behind = if code.is_empty() {
        None
    } else {
        let kind = treem_domain::indicator::FactKind::Cases;
        Some(
            super::incidents::behind(&app, &s.actor, ctx.lang, [&code, &text(&p.year), &text(&p.unit), &text(&p.on)], kind)
                .await
                .map_err(|e| ctx.error(e))?,
        )
    };
    let ids = behind.as_ref().map(|(_, ids)| ids.as_slice());
    let (rows, next_after) = app.cases.list_filtered(&s.actor, state, overdue, ids, p.after.map(CaseId)).await.map_err(|e| ctx.error(e))?;
    let counters = app.cases.counters(&s.actor).await.map_err(|e| ctx.error(e))?;
    let catalog = app.units.catalog();
    let page = CasesPage {
        c: ctx.chrome("cases"),
        transferred: p.done.as_deref() == Some("transferred"),
        rows: rows
            .iter()
            .map(|r| CaseRow {
                id: r.id.0,
                child_name: r.child_name.clone(),
                state_key: format!("state.{}", r.state.as_str()),
                received: local_time(ctx.lang, r.received_at),
                unit: catalog.get(r.unit).map(|u| u.name.clone()).unwrap_or_default(),
            })
            .collect(),
        counters: counters
            .into_iter()
            .map(|(k, n)| (if k == "overdue_tasks" { "tasks.overdue_count".to_owned() } else { format!("state.{k}") }, n))
            .collect(),
        states: CaseState::ALL.iter().map(|s| (s.as_str(), format!("state.{}", s.as_str()))).collect(),
        state: state.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        overdue,
        behind_query: if behind.is_some() {
            format!("indicator={code}&year={}&unit={}&on={}&", text(&p.year), text(&p.unit), text(&p.on))
        } else {
            String::new()
        },
        behind: behind.map(|(b, _)| b),
        next_after: next_after.map(|a| a.0),
        can_export: s.actor.role.may(treem_domain::access::Action::Export),
    };
    Ok(render(StatusCode::OK, &page))
}

/// The cases the list shows (step, overdue), every one of them, as CSV or XLSX.
pub async fn cases_export(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    UiQuery(p): UiQuery<CasesParams>,
    uri: axum::http::Uri,
) -> Result<Response, PageError> {
    let state = state_param(&p).map_err(|e| ctx.error(e))?;
    let overdue = p.overdue.is_some();
    let rows = app.cases.export(&s.actor, state, overdue).await.map_err(|e| ctx.error(e))?;
    let filter = crate::export::case_filter_words(ctx.lang, state, overdue);
    let file = crate::export::RecordsFile { lang: ctx.lang, actor: &s.actor, filter, cut_at: None };
    Ok(crate::export::cases_sheet(&app, &file, &rows).response(super::file_format(&uri), app.clock.today_in_vietnam()))
}

#[derive(Deserialize, Default, Clone)]
pub struct CaseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub child_id: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub source_ref: String,
    #[serde(default)]
    pub reporter_name: String,
    #[serde(default)]
    pub reporter_contact: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub urgent: String,
}

#[derive(Template)]
#[template(path = "case_form.html")]
struct CaseFormPage {
    c: Chrome,
    child_name: String,
    f: CaseForm,
    sources: Vec<(&'static str, String)>,
    show_reporter: bool,
    errors: Vec<(String, String)>,
}

#[derive(Deserialize)]
pub struct NewCaseParams {
    child: Option<i64>,
}

async fn case_form(
    app: &App,
    ctx: &PageContext,
    s: &treem_app::auth::CurrentSession,
    f: CaseForm,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let child_id = f.child_id.trim().parse::<i64>().map_err(|_| ctx.error(AppError::NotFound))?;
    let child = app.children.get(&s.actor, child_id).await.map_err(|e| ctx.error(e))?;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let codes: Vec<&'static str> = CaseSource::ALL.iter().map(|s| s.as_str()).collect();
    let page = CaseFormPage {
        c: ctx.chrome("cases"),
        child_name: child.full_name,
        f,
        sources: keyed("source", &codes),
        show_reporter: s.actor.sees(SensitiveKind::ReporterIdentity),
        errors,
    };
    Ok(render(status, &page))
}

pub async fn case_new_form(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    UiQuery(p): UiQuery<NewCaseParams>,
) -> Result<Response, PageError> {
    s.actor.require(Action::Write).map_err(|e| ctx.error(e))?;
    let f = CaseForm { child_id: p.child.unwrap_or_default().to_string(), source: "hotline_111".into(), ..Default::default() };
    case_form(&app, &ctx, &s, f, Vec::new()).await
}

pub async fn create_case(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    CsrfForm(f): CsrfForm<CaseForm>,
) -> Result<Response, PageError> {
    let intake = CaseIntake {
        child_id: f.child_id.trim().parse().unwrap_or(0),
        source: f.source.clone(),
        source_ref: f.source_ref.clone(),
        reporter_name: f.reporter_name.clone(),
        reporter_contact: f.reporter_contact.clone(),
        summary: f.summary.clone(),
        urgent: f.urgent == "1",
        received_at: None,
    };
    match app.cases.open(&s.actor, &intake).await {
        Ok(id) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e) => {
            let errors = crate::messages::form_refusals(ctx.lang, e).map_err(|e| ctx.error(e))?;
            case_form(&app, &ctx, &s, f, errors).await
        }
    }
}

pub struct TaskLine {
    pub id: i64,
    pub case_id: i64,
    pub kind: &'static str,
    pub kind_key: String,
    pub due: String,
    pub done: bool,
    pub overdue: bool,
    pub child_name: String,
    pub assignee: String,
    /// Where the deadline comes from: the article, or "local default" (case page only).
    pub source: String,
}

pub struct InterventionLine {
    pub id: i64,
    pub kind_key: String,
    pub responsible: String,
    pub due: Option<String>,
    pub status: String,
    pub status_key: String,
}

pub struct ReferralLine {
    pub id: i64,
    pub provider: String,
    pub status: String,
    pub status_key: String,
    pub reason: Option<String>,
    pub next: Vec<(&'static str, String)>,
}

pub struct StepLine {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub to: String,
    pub note: Option<String>,
}

#[derive(Template)]
#[template(path = "case.html")]
struct CasePage {
    c: Chrome,
    id: i64,
    version: i64,
    child_id: i64,
    child_name: String,
    state: &'static str,
    state_key: String,
    source_key: String,
    source_ref: String,
    received: String,
    summary: String,
    reporter: String,
    risk_key: String,
    plan: String,
    approved_by: String,
    review_at: String,
    actions: Vec<&'static str>,
    can_write: bool,
    closed: bool,
    tasks: Vec<TaskLine>,
    interventions: Vec<InterventionLine>,
    intervention_kinds: Vec<(&'static str, String)>,
    referrals: Vec<ReferralLine>,
    providers: Vec<(i64, String)>,
    steps: Vec<StepLine>,
    errors: Vec<(String, String)>,
    assigned_id: i64,
    assigned_name: String,
    assignees: Vec<(i64, String)>,
    /// Communes of today's map, by name, for a transfer; with what a refused transfer asked.
    communes: Vec<(i64, String)>,
    transfer_unit: i64,
    transfer_reason: String,
    transfers: Vec<TransferLine>,
}

struct TransferLine {
    at: String,
    by: String,
    from: String,
    to: String,
    reason: String,
}

/// What a refused transfer form held, shown again.
#[derive(Default)]
struct TransferDraft {
    unit: i64,
    reason: String,
}

async fn case_view(
    app: &App,
    ctx: &PageContext,
    s: &treem_app::auth::CurrentSession,
    id: i64,
    errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    case_view_with(app, ctx, s, id, errors, TransferDraft::default()).await
}

async fn case_view_with(
    app: &App,
    ctx: &PageContext,
    s: &treem_app::auth::CurrentSession,
    id: i64,
    errors: Vec<(String, String)>,
    draft: TransferDraft,
) -> Result<Response, PageError> {
    let v = app.cases.get(&s.actor, CaseId(id)).await.map_err(|e| ctx.error(e))?;
    let writer = s.actor.role.may(Action::Write) && !v.record.state.is_closed();
    let assignees = if writer { app.cases.assignable(&s.actor, CaseId(id)).await.map_err(|e| ctx.error(e))? } else { Vec::new() };
    let catalog = app.units.catalog();
    let today = app.clock.today_in_vietnam();
    let unit_name = |u: treem_domain::units::UnitId| catalog.get(u).map(|x| x.name.clone()).unwrap_or_default();
    let mut communes: Vec<&treem_domain::units::AdminUnit> = if writer {
        catalog
            .units()
            .iter()
            .filter(|u| u.level == treem_domain::units::UnitLevel::Commune && u.validity.contains(today) && u.id != v.record.unit)
            .collect()
    } else {
        Vec::new()
    };
    treem_domain::units::sort_units(&mut communes);
    let transfers = app.cases.transfers(&s.actor, CaseId(id)).await.map_err(|e| ctx.error(e))?;
    let hidden = || treem_web_hidden(ctx);
    let now = app.clock.now();
    let providers = app.cases.providers().await.map_err(|e| ctx.error(e))?;
    let r = &v.record;
    let page = CasePage {
        c: ctx.chrome("cases"),
        id: r.id.0,
        version: r.version,
        child_id: r.child_id,
        child_name: r.child_name.clone(),
        state: r.state.as_str(),
        state_key: format!("state.{}", r.state.as_str()),
        source_key: format!("source.{}", r.source.as_str()),
        source_ref: r.source_ref.clone().unwrap_or_default(),
        received: local_time(ctx.lang, r.received_at),
        summary: match &v.summary {
            Masked::Shown(t) => t.clone(),
            Masked::Hidden => hidden(),
        },
        reporter: match &v.reporter {
            Masked::Shown((name, contact)) => [name.clone(), contact.clone()].into_iter().flatten().collect::<Vec<_>>().join(" · "),
            Masked::Hidden => hidden(),
        },
        risk_key: r.risk.map(|k| format!("risk.{}", k.as_str())).unwrap_or_default(),
        plan: r.plan_summary.clone().unwrap_or_default(),
        approved_by: r.plan_approved_by.clone().unwrap_or_default(),
        review_at: r.review_at.map(|t| local_time(ctx.lang, t)).unwrap_or_default(),
        actions: available(r.state).to_vec(),
        can_write: s.actor.role.may(Action::Write),
        closed: r.state.is_closed(),
        tasks: v
            .tasks
            .iter()
            .map(|t| TaskLine {
                id: t.id,
                case_id: t.case_id.0,
                kind: t.kind.as_str(),
                kind_key: format!("task.{}", t.kind.as_str()),
                due: local_time(ctx.lang, t.due_at),
                done: t.done_at.is_some(),
                overdue: t.done_at.is_none() && t.due_at < now,
                child_name: t.child_name.clone(),
                assignee: t.assignee_name.clone().unwrap_or_default(),
                source: match treem_domain::case::deadline_source(t.kind, r.urgent) {
                    Some(treem_domain::case::DeadlineSource::Law { citation }) => citation.to_owned(),
                    Some(treem_domain::case::DeadlineSource::ProcedureSheet { citation }) => {
                        format!("{}: {citation}", crate::i18n::translate(ctx.lang, "tasks.procedure_sheet"))
                    }
                    Some(treem_domain::case::DeadlineSource::LocalDefault) => {
                        crate::i18n::translate(ctx.lang, "tasks.local_default").to_owned()
                    }
                    None => String::new(),
                },
            })
            .collect(),
        interventions: v
            .interventions
            .iter()
            .map(|i| InterventionLine {
                id: i.id,
                kind_key: format!("intervention.{}", i.kind),
                responsible: i.responsible.clone(),
                due: i.due_on.map(|d| super::date_text(ctx.lang, &d)),
                status: i.status.clone(),
                status_key: format!("intervention_status.{}", i.status),
            })
            .collect(),
        intervention_kinds: keyed("intervention", INTERVENTION_KINDS),
        referrals: v
            .referrals
            .iter()
            .map(|x| ReferralLine {
                id: x.id,
                provider: x.provider_name.clone(),
                status: x.status.clone(),
                status_key: format!("referral.{}", x.status),
                reason: x.reason.clone(),
                next: ReferralStatus::parse(&x.status)
                    .map(|s| s.next().iter().map(|&n| (n.as_str(), referral_verb_key(n).to_owned())).collect())
                    .unwrap_or_default(),
            })
            .collect(),
        providers: providers.iter().map(|p| (p.id, p.name.clone())).collect(),
        steps: v
            .steps
            .iter()
            .map(|st| StepLine {
                at: local_time(ctx.lang, st.at),
                actor: st.actor.clone(),
                action: st.action.clone(),
                to: st.to.clone(),
                note: st.note.clone(),
            })
            .collect(),
        errors: errors.clone(),
        assigned_id: r.assigned_to.unwrap_or(0),
        assigned_name: r.assigned_name.clone().unwrap_or_default(),
        assignees,
        communes: communes.iter().map(|u| (u.id.0, u.name.clone())).collect(),
        transfer_unit: draft.unit,
        transfer_reason: draft.reason,
        transfers: transfers
            .iter()
            .map(|t| TransferLine {
                at: local_time(ctx.lang, t.at),
                by: t.actor_name.clone(),
                from: unit_name(t.from_unit),
                to: unit_name(t.to_unit),
                reason: t.reason.clone(),
            })
            .collect(),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    Ok(render(status, &page))
}

fn treem_web_hidden(ctx: &PageContext) -> String {
    crate::i18n::translate(ctx.lang, "field.hidden").to_owned()
}

/// After a form on a case page: back to the case, or the case page again with the errors.
async fn back_to_case(
    app: &App,
    ctx: &PageContext,
    s: &treem_app::auth::CurrentSession,
    id: i64,
    result: Result<(), AppError>,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e) => {
            let errors = crate::messages::form_refusals(ctx.lang, e).map_err(|e| ctx.error(e))?;
            case_view(app, ctx, s, id, errors).await
        }
    }
}

pub async fn case_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = id.parse::<i64>().map_err(|_| ctx.error(AppError::NotFound))?;
    case_view(&app, &ctx, &s, id, Vec::new()).await
}

#[derive(Deserialize, Default)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    risk: String,
    #[serde(default)]
    approved_by: String,
    #[serde(default)]
    review_on: String,
    #[serde(default)]
    safe: String,
}

pub async fn case_act(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ActForm>,
) -> Result<Response, PageError> {
    let input =
        ActionInput { action: f.action, note: f.note, risk: f.risk, approved_by: f.approved_by, review_on: f.review_on, safe: f.safe };
    let result = match (input.to_action(), f.version.trim().parse::<i64>()) {
        (Ok(action), Ok(version)) => app.cases.act(&s.actor, CaseId(id), version, &action).await,
        (Err(e), _) => Err(e),
        (_, Err(_)) => Err(AppError::invalid("version", "missing")),
    };
    back_to_case(&app, &ctx, &s, id, result).await
}

#[derive(Deserialize, Default)]
pub struct InterventionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    responsible: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    outcome: String,
}

pub async fn add_intervention(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<InterventionForm>,
) -> Result<Response, PageError> {
    let due = if f.due_on.trim().is_empty() { Ok(None) } else { treem_app::units::parse_user_date("due_on", &f.due_on).map(Some) };
    let result = match due {
        Ok(due) => app.cases.add_intervention(&s.actor, CaseId(id), f.kind.trim(), &f.responsible, due).await.map(|_| ()),
        Err(e) => Err(e),
    };
    back_to_case(&app, &ctx, &s, id, result).await
}

pub async fn set_intervention(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path((id, iid)): Path<(i64, i64)>,
    CsrfForm(f): CsrfForm<InterventionForm>,
) -> Result<Response, PageError> {
    let result = app.cases.set_intervention(&s.actor, CaseId(id), iid, f.status.trim(), &f.outcome).await;
    back_to_case(&app, &ctx, &s, id, result).await
}

#[derive(Deserialize, Default)]
pub struct ReferralForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    provider_id: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
}

#[derive(Deserialize, Default)]
pub struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    /// Empty: nobody.
    #[serde(default)]
    account_id: String,
}

pub async fn assign_case(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AssignForm>,
) -> Result<Response, PageError> {
    let account = match f.account_id.trim() {
        "" => Ok(None),
        v => v.parse::<i64>().map(Some).map_err(|_| AppError::invalid("account_id", "choose a worker")),
    };
    let result = match (account, f.version.trim().parse::<i64>()) {
        (Ok(account), Ok(version)) => app.cases.assign(&s.actor, CaseId(id), version, account).await,
        (Err(e), _) => Err(e),
        (_, Err(_)) => Err(AppError::invalid("version", "missing")),
    };
    back_to_case(&app, &ctx, &s, id, result).await
}

#[derive(Deserialize, Default)]
pub struct TransferForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    reason: String,
}

pub async fn transfer_case(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<TransferForm>,
) -> Result<Response, PageError> {
    let unit = f.unit_id.trim().parse::<i64>().unwrap_or(0);
    let result = match f.version.trim().parse::<i64>() {
        Ok(version) => app.cases.transfer(&s.actor, CaseId(id), version, unit, &f.reason).await,
        Err(_) => Err(AppError::invalid("version", "missing")),
    };
    match result {
        // After the move the case may be out of the worker's sight: back to the list.
        Ok(()) => Ok(Redirect::to("/cases?done=transferred").into_response()),
        Err(e) => {
            let errors = crate::messages::form_refusals(ctx.lang, e).map_err(|e| ctx.error(e))?;
            case_view_with(&app, &ctx, &s, id, errors, TransferDraft { unit, reason: f.reason }).await
        }
    }
}

pub async fn refer(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ReferralForm>,
) -> Result<Response, PageError> {
    let result = app.cases.refer(&s.actor, CaseId(id), f.provider_id.trim().parse().unwrap_or(0), &f.note).await.map(|_| ());
    back_to_case(&app, &ctx, &s, id, result).await
}

pub async fn referral_outcome(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path((id, rid)): Path<(i64, i64)>,
    CsrfForm(f): CsrfForm<ReferralForm>,
) -> Result<Response, PageError> {
    let result = app.cases.referral_outcome(&s.actor, CaseId(id), rid, f.status.trim(), &f.reason).await;
    back_to_case(&app, &ctx, &s, id, result).await
}

#[derive(Template)]
#[template(path = "tasks.html")]
struct TasksPage {
    c: Chrome,
    rows: Vec<TaskLine>,
    /// Only the signed-in worker's tasks: their work.
    mine: bool,
    overdue: bool,
    can_export: bool,
}

#[derive(Deserialize)]
pub struct TasksParams {
    mine: Option<String>,
    overdue: Option<String>,
}

pub async fn tasks_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    UiQuery(p): UiQuery<TasksParams>,
) -> Result<Response, PageError> {
    let tasks = app.cases.tasks(&s.actor, p.mine.is_some(), p.overdue.is_some()).await.map_err(|e| ctx.error(e))?;
    let now = app.clock.now();
    let rows = tasks
        .iter()
        .map(|t| TaskLine {
            id: t.id,
            case_id: t.case_id.0,
            kind: t.kind.as_str(),
            kind_key: format!("task.{}", t.kind.as_str()),
            due: local_time(ctx.lang, t.due_at),
            done: t.done_at.is_some(),
            overdue: t.done_at.is_none() && t.due_at < now,
            child_name: t.child_name.clone(),
            assignee: t.assignee_name.clone().unwrap_or_default(),
            source: String::new(),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &TasksPage {
            c: ctx.chrome("cases"),
            rows,
            mine: p.mine.is_some(),
            overdue: p.overdue.is_some(),
            can_export: s.actor.role.may(treem_domain::access::Action::Export),
        },
    ))
}

/// The open tasks the list shows (one's own, overdue), as CSV or XLSX.
pub async fn tasks_export(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    UiQuery(p): UiQuery<TasksParams>,
    uri: axum::http::Uri,
) -> Result<Response, PageError> {
    let (mine, overdue) = (p.mine.is_some(), p.overdue.is_some());
    let (rows, cut) = app.cases.export_tasks(&s.actor, mine, overdue).await.map_err(|e| ctx.error(e))?;
    let filter = crate::export::task_filter_words(ctx.lang, mine, overdue);
    let cut_at = cut.then(|| usize::try_from(treem_app::cases::TASK_EXPORT_LIMIT).unwrap_or(usize::MAX));
    let file = crate::export::RecordsFile { lang: ctx.lang, actor: &s.actor, filter, cut_at };
    Ok(crate::export::tasks_sheet(&app, &file, &rows).response(super::file_format(&uri), app.clock.today_in_vietnam()))
}

#[derive(Template)]
#[template(path = "services.html")]
struct ServicesPage {
    c: Chrome,
    rows: Vec<(String, String, String, String)>,
    kinds: Vec<(&'static str, String)>,
    can_create: bool,
    error: Option<String>,
}

async fn services_view(
    app: &App,
    ctx: &PageContext,
    s: &treem_app::auth::CurrentSession,
    error: Option<String>,
) -> Result<Response, PageError> {
    let catalog = app.units.catalog();
    let rows = app
        .cases
        .providers()
        .await
        .map_err(|e| ctx.error(e))?
        .into_iter()
        .map(|p| {
            (
                p.name,
                format!("provider.{}", p.kind),
                catalog.get(p.unit).map(|u| u.name.clone()).unwrap_or_default(),
                p.phone.unwrap_or_default(),
            )
        })
        .collect();
    let can_create = s.actor.role.may(Action::ManageServices);
    let status = if error.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    Ok(render(status, &ServicesPage { c: ctx.chrome("cases"), rows, kinds: keyed("provider", PROVIDER_KINDS), can_create, error }))
}

pub async fn services_page(State(app): State<Arc<App>>, ctx: PageContext, SignedIn(s): SignedIn) -> Result<Response, PageError> {
    services_view(&app, &ctx, &s, None).await
}

#[derive(Deserialize, Default)]
pub struct ServiceForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    phone: String,
}

pub async fn create_service(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    CsrfForm(f): CsrfForm<ServiceForm>,
) -> Result<Response, PageError> {
    match app.cases.create_provider(&s.actor, &f.name, f.kind.trim(), &f.unit, &f.phone).await {
        Ok(_) => Ok(Redirect::to("/services").into_response()),
        Err(AppError::Invalid { field, message }) => services_view(&app, &ctx, &s, Some(format!("{field}: {message}"))).await,
        Err(e) => Err(ctx.error(e)),
    }
}

/// The label of the button that moves a referral to `to`.
fn referral_verb_key(to: ReferralStatus) -> &'static str {
    match to {
        ReferralStatus::Sent => "referral.sent",
        ReferralStatus::Accepted => "referral.accept",
        ReferralStatus::Declined => "referral.decline",
        ReferralStatus::Completed => "referral.complete",
    }
}

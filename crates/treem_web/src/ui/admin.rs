//! The administrator's accounts page and the auditor's log.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;
use treem_app::accounts::{AccountInput, Operator};
use treem_app::audit::AuditFilter;
use treem_app::audit::ChainCheck;
use treem_app::{App, AppError};
use treem_domain::access::Role;

use super::{render, role_key, Chrome, CsrfForm, PageContext, PageError, UiQuery};
use crate::audit_words;
use crate::params::query_param;
use crate::session::SignedIn;

super::form::with_csrf!(NewAccountForm, PasswordForm);

pub struct AccountLine {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role_key: String,
    pub scope: String,
    pub totp_enabled: bool,
    pub disabled: bool,
}

#[derive(Deserialize, Default)]
pub struct NewAccountForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub scope_unit: String,
    #[serde(default)]
    pub scope_date: String,
    #[serde(default)]
    pub agency: String,
    #[serde(default)]
    password: String,
}

#[derive(Template)]
#[template(path = "admin_accounts.html")]
struct AccountsPage {
    c: Chrome,
    accounts: Vec<AccountLine>,
    roles: Vec<(&'static str, String)>,
    form: NewAccountForm,
    notice_key: Option<&'static str>,
    error_key: Option<&'static str>,
    error_detail: Option<String>,
}

async fn accounts_view(
    app: &App,
    ctx: &PageContext,
    s: &treem_app::auth::CurrentSession,
    form: NewAccountForm,
    notice_key: Option<&'static str>,
    error: Option<AppError>,
) -> Result<Response, PageError> {
    let list = app.accounts.list(Operator::Admin(&s.actor)).await.map_err(|e| ctx.error(e))?;
    let catalog = app.units.catalog();
    let accounts = list
        .iter()
        .map(|a| AccountLine {
            id: a.id.0,
            username: a.username.clone(),
            display_name: a.display_name.clone(),
            role_key: role_key(a.role),
            scope: a
                .scope_unit
                .and_then(|u| catalog.get(u))
                .map(|u| format!("{} ({})", u.name, u.code))
                .unwrap_or_else(|| a.agency.clone().unwrap_or_else(|| "–".into())),
            totp_enabled: a.totp_enabled,
            disabled: a.disabled,
        })
        .collect();
    let (status, error_key, error_detail) = match error {
        None => (StatusCode::OK, None, None),
        Some(AppError::Invalid { field, message }) => {
            (StatusCode::UNPROCESSABLE_ENTITY, Some("error.invalid"), Some(format!("{field}: {message}")))
        }
        Some(AppError::StateConflict { field, message }) => {
            (StatusCode::CONFLICT, Some("error.invalid"), Some(format!("{field}: {message}")))
        }
        Some(e) => return Err(ctx.error(e)),
    };
    let page = AccountsPage {
        c: ctx.chrome("admin"),
        accounts,
        roles: Role::ALL.iter().map(|r| (r.as_str(), role_key(*r))).collect(),
        form,
        notice_key,
        error_key,
        error_detail,
    };
    Ok(render(status, &page))
}

#[derive(Deserialize)]
pub struct DoneParam {
    done: Option<String>,
}

pub async fn accounts_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    UiQuery(q): UiQuery<DoneParam>,
) -> Result<Response, PageError> {
    let notice = match q.done.as_deref() {
        Some("created") => Some("notice.account_created"),
        Some("updated") => Some("notice.account_updated"),
        _ => None,
    };
    accounts_view(&app, &ctx, &s, NewAccountForm::default(), notice, None).await
}

pub async fn create_account(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    CsrfForm(f): CsrfForm<NewAccountForm>,
) -> Result<Response, PageError> {
    let scope_date = if f.scope_date.trim().is_empty() {
        None
    } else {
        match treem_app::units::parse_user_date("scope_date", &f.scope_date) {
            Ok(d) => Some(d),
            Err(e) => return accounts_view(&app, &ctx, &s, f, None, Some(e)).await,
        }
    };
    let input = AccountInput {
        username: f.username.clone(),
        display_name: f.display_name.clone(),
        role: f.role.clone(),
        scope_unit_code: f.scope_unit.clone(),
        scope_date,
        agency: f.agency.clone(),
        password: f.password.clone(),
    };
    match app.accounts.create(Operator::Admin(&s.actor), &input).await {
        Ok(_) => Ok(Redirect::to("/admin/accounts?done=created").into_response()),
        Err(e @ (AppError::Invalid { .. } | AppError::StateConflict { .. })) => {
            accounts_view(&app, &ctx, &s, NewAccountForm { password: String::new(), csrf: String::new(), ..f }, None, Some(e)).await
        }
        Err(e) => Err(ctx.error(e)),
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

pub async fn set_account_disabled(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path((id, action)): Path<(i64, String)>,
    CsrfForm(_): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    let disabled = match action.as_str() {
        "disable" => true,
        "enable" => false,
        _ => return Err(ctx.error(AppError::NotFound)),
    };
    match app.accounts.set_disabled(Operator::Admin(&s.actor), id, disabled).await {
        Ok(()) => Ok(Redirect::to("/admin/accounts?done=updated").into_response()),
        Err(e @ AppError::Invalid { .. }) => accounts_view(&app, &ctx, &s, NewAccountForm::default(), None, Some(e)).await,
        Err(e) => Err(ctx.error(e)),
    }
}

pub async fn reset_account_password(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    match app.accounts.reset_password(Operator::Admin(&s.actor), id, &f.password).await {
        Ok(()) => Ok(Redirect::to("/admin/accounts?done=updated").into_response()),
        Err(e @ AppError::Invalid { .. }) => accounts_view(&app, &ctx, &s, NewAccountForm::default(), None, Some(e)).await,
        Err(e) => Err(ctx.error(e)),
    }
}

pub struct EntryLine {
    pub at: String,
    pub actor: String,
    pub source: String,
    pub action: String,
    pub record: String,
    pub fields: String,
    pub outcome: String,
    /// `ok`, `denied` or `failed`, for the row's class (not shown).
    pub outcome_class: &'static str,
}

/// One choice of a filter's select: the value sent, the words shown, whether chosen.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices(all: Vec<(String, String)>, chosen: &str) -> Vec<Choice> {
    all.into_iter().map(|(value, label)| Choice { selected: value == chosen, value, label }).collect()
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    chain_ok: bool,
    chain_detail: String,
    entries: Vec<EntryLine>,
    older: Option<String>,
    people: Vec<Choice>,
    actions: Vec<Choice>,
    records: Vec<Choice>,
    f_record_key: String,
    filter_query: String,
}

const AUDIT_PAGE: i64 = 100;

/// A filter value of the log's query: trimmed, at most 60 characters, `None` when empty.
fn audit_param(q: &str, k: &str) -> Option<String> {
    query_param(q, k).map(|v| v.trim().chars().take(60).collect::<String>()).filter(|v| !v.is_empty())
}

/// The log's filter from its query: person, action, record type and record.
fn audit_filter(q: &str) -> Result<AuditFilter, AppError> {
    let actor_id = match audit_param(q, "actor_id") {
        Some(v) => Some(v.parse::<i64>().map_err(|_| AppError::invalid("actor_id", "a whole number"))?),
        None => None,
    };
    Ok(AuditFilter {
        actor_id,
        action_prefix: audit_param(q, "action"),
        action_exact: true,
        record_type: audit_param(q, "record_type"),
        record_key: audit_param(q, "record_key"),
        limit: AUDIT_PAGE,
        ..AuditFilter::default()
    })
}

/// The entries the log's page shows under its filter, every page of them (up to
/// [`treem_app::audit::AUDIT_EXPORT_LIMIT`], said in the file when cut), as CSV or XLSX.
pub async fn audit_export(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    uri: axum::http::Uri,
) -> Result<Response, PageError> {
    let lang = ctx.lang;
    let q = uri.query().unwrap_or_default();
    let filter = audit_filter(q).map_err(|e| ctx.error(e))?;
    let people = app.audit.people(&s.actor).await.map_err(|e| ctx.error(e))?;
    let words = crate::export::audit_filter_words(lang, &filter, &people);
    let (entries, cut) = app.audit.export(&s.actor, filter).await.map_err(|e| ctx.error(e))?;
    let file =
        crate::export::RecordsFile { lang, actor: &s.actor, filter: words, cut_at: cut.then_some(treem_app::audit::AUDIT_EXPORT_LIMIT) };
    Ok(crate::export::audit_sheet(&app, &file, &people, &entries).response(super::file_format(&uri), app.clock.today_in_vietnam()))
}

/// The auditor's log, newest first, filtered by person, action, record type and record
/// (a GET form that keeps its values), in words and in Vietnam's time.
pub async fn audit_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    uri: axum::http::Uri,
) -> Result<Response, PageError> {
    let lang = ctx.lang;
    let q = uri.query().unwrap_or_default();
    let get = |k: &str| audit_param(q, k);
    let filter = audit_filter(q).map_err(|e| ctx.error(e))?;
    let listed = app.audit.list(&s.actor, filter, get("before").as_deref()).await.map_err(|e| ctx.error(e))?;
    let people = app.audit.people(&s.actor).await.map_err(|e| ctx.error(e))?;
    // Whether the chain holds, without a count or an entry's number: either would tell
    // of the entries this reader is not shown (`treem audit verify` names them).
    let (chain_ok, chain_detail) = match app.audit.verify().await.map_err(|e| ctx.error(e))? {
        ChainCheck::Intact { .. } => (true, String::new()),
        ChainCheck::Broken { .. } => (false, String::new()),
    };
    let names: std::collections::HashMap<i64, &str> = people.iter().map(|p| (p.id, p.name.as_str())).collect();
    let entries = listed.entries;
    let older = listed.next.map(|c| crate::session::encode(&c));
    let enc = crate::session::encode;
    let filter_query = ["action", "record_type", "record_key", "actor_id"]
        .iter()
        .filter_map(|k| get(k).map(|v| format!("{k}={}", enc(&v))))
        .collect::<Vec<_>>()
        .join("&");
    let person_choices = people.iter().map(|p| (p.id.to_string(), format!("{} ({})", p.name, p.username))).collect();
    let page = AuditPage {
        c: ctx.chrome("audit"),
        chain_ok,
        chain_detail,
        entries: entries
            .into_iter()
            .map(|e| EntryLine {
                at: super::stamp_text(lang, &e.at),
                actor: match e.event.actor_id.and_then(|id| names.get(&id)) {
                    Some(name) => format!("{name} ({})", e.event.actor_label),
                    None => e.event.actor_label,
                },
                source: e.event.source,
                action: audit_words::action_text(lang, &e.event.action),
                record: audit_words::record_line(lang, e.event.record_type.as_deref(), e.event.record_key.as_deref()),
                fields: e
                    .event
                    .fields
                    .iter()
                    .map(|f| crate::messages::field_label(lang, f).unwrap_or_else(|| f.replace('_', " ")))
                    .collect::<Vec<_>>()
                    .join(", "),
                outcome: audit_words::outcome_text(lang, e.event.outcome.as_str()),
                outcome_class: e.event.outcome.as_str(),
            })
            .collect(),
        older,
        people: choices(person_choices, &get("actor_id").unwrap_or_default()),
        actions: choices(audit_words::action_choices(lang), &get("action").unwrap_or_default()),
        records: choices(audit_words::record_choices(lang), &get("record_type").unwrap_or_default()),
        f_record_key: get("record_key").unwrap_or_default(),
        filter_query,
    };
    Ok(render(StatusCode::OK, &page))
}

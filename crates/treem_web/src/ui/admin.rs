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
    pub outcome: &'static str,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    chain_ok: bool,
    chain_detail: String,
    entries: Vec<EntryLine>,
    older: Option<String>,
    f_action: String,
    f_record_type: String,
    f_record_key: String,
    f_actor_id: String,
    filter_query: String,
}

const AUDIT_PAGE: i64 = 100;

pub async fn audit_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    uri: axum::http::Uri,
) -> Result<Response, PageError> {
    let q = uri.query().unwrap_or_default();
    let get = |k: &str| query_param(q, k).map(|v| v.trim().chars().take(60).collect::<String>()).filter(|v| !v.is_empty());
    let actor_id = match get("actor_id") {
        Some(v) => Some(v.parse::<i64>().map_err(|_| ctx.error(AppError::invalid("actor_id", "a whole number")))?),
        None => None,
    };
    let filter = AuditFilter {
        actor_id,
        action_prefix: get("action"),
        record_type: get("record_type"),
        record_key: get("record_key"),
        limit: AUDIT_PAGE,
        ..AuditFilter::default()
    };
    let listed = app.audit.list(&s.actor, filter, get("before").as_deref()).await.map_err(|e| ctx.error(e))?;
    // Whether the chain holds, without a count or an entry's number: either would tell
    // of the entries this reader is not shown (`treem audit verify` names them).
    let (chain_ok, chain_detail) = match app.audit.verify().await.map_err(|e| ctx.error(e))? {
        ChainCheck::Intact { .. } => (true, String::new()),
        ChainCheck::Broken { .. } => (false, String::new()),
    };
    let entries = listed.entries;
    let older = listed.next.map(|c| crate::session::encode(&c));
    let enc = crate::session::encode;
    let filter_query = ["action", "record_type", "record_key", "actor_id"]
        .iter()
        .filter_map(|k| get(k).map(|v| format!("{k}={}", enc(&v))))
        .collect::<Vec<_>>()
        .join("&");
    let page = AuditPage {
        c: ctx.chrome("audit"),
        chain_ok,
        chain_detail,
        entries: entries
            .into_iter()
            .map(|e| EntryLine {
                at: e.at,
                actor: if e.event.actor_id.is_some() {
                    format!("{} (#{})", e.event.actor_label, e.event.actor_id.unwrap_or_default())
                } else {
                    e.event.actor_label
                },
                source: e.event.source,
                action: e.event.action,
                record: match (e.event.record_type, e.event.record_key) {
                    (Some(t), Some(k)) => format!("{t} {k}"),
                    (Some(t), None) => t,
                    _ => String::new(),
                },
                fields: e.event.fields.join(", "),
                outcome: e.event.outcome.as_str(),
            })
            .collect(),
        older,
        f_action: get("action").unwrap_or_default(),
        f_record_type: get("record_type").unwrap_or_default(),
        f_record_key: get("record_key").unwrap_or_default(),
        f_actor_id: get("actor_id").unwrap_or_default(),
        filter_query,
    };
    Ok(render(StatusCode::OK, &page))
}

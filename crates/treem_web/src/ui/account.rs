//! Signing in and out, the second factor, and the user's own account page.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;
use treem_app::auth::{CurrentSession, SessionState};
use treem_app::{App, AppError};

use super::draft::{resume_page, Draft};
use super::{render, role_key, Chrome, CsrfForm, PageContext, PageError, UiForm, UiQuery};
use crate::session::{
    check_csrf, clear_session_cookie, safe_next, session_cookie, AnySession, ClientAddress, CookiePolicy, MaybeSession, SignedIn,
};

super::form::with_csrf!(CodeForm, OnlyCsrf, PasswordForm, TokenForm);

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    c: Chrome,
    next: String,
    username: String,
    error_key: Option<&'static str>,
    error_detail: Option<String>,
    /// The session this browser had has ended (said on the page).
    expired: bool,
    /// A form posted without a session, carried through signing in.
    draft: Option<Draft>,
}

impl LoginPage {
    fn new(c: Chrome, next: String) -> Self {
        Self { c, next, username: String::new(), error_key: None, error_detail: None, expired: false, draft: None }
    }
}

/// The sign-in page answering a form posted without a session: why, and the form's
/// fields kept (see `ui::draft`).
pub(crate) fn login_page_with_draft(ctx: &PageContext, expired: bool, draft: Option<Draft>) -> Response {
    let page = LoginPage { expired, draft, ..LoginPage::new(ctx.chrome("login"), "/".into()) };
    with_cookie(render(StatusCode::UNAUTHORIZED, &page), clear_session_cookie())
}

#[derive(Deserialize)]
pub struct NextParam {
    next: Option<String>,
}

pub async fn login_form(ctx: PageContext, UiQuery(q): UiQuery<NextParam>) -> Response {
    let next = safe_next(q.next.as_deref().unwrap_or("/"));
    render(StatusCode::OK, &LoginPage::new(ctx.chrome("login"), next))
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    draft_action: String,
    #[serde(default)]
    draft: String,
}

fn with_cookie(mut res: Response, value: axum::http::HeaderValue) -> Response {
    res.headers_mut().append(header::SET_COOKIE, value);
    res
}

pub async fn login_submit(
    State(app): State<Arc<App>>,
    axum::Extension(policy): axum::Extension<CookiePolicy>,
    ctx: PageContext,
    MaybeSession(old): MaybeSession,
    ClientAddress(source): ClientAddress,
    UiForm(f): UiForm<LoginForm>,
) -> Response {
    // Whatever session this browser had ends here: a new one is always issued.
    if let Some(old) = old {
        let _ = app.auth.sign_out(&old).await;
    }
    let draft = Draft::from_form(&f.draft_action, &f.draft);
    match app.auth.sign_in(&f.username, &f.password, &source).await {
        Ok((token, state)) => {
            if let Some(draft) = &draft {
                let cookie = session_cookie(&token, policy);
                match state {
                    SessionState::Active => {
                        if let Ok(session) = app.auth.session(&token, &source).await {
                            return with_cookie(resume_page(ctx.lang, ctx.lang_switch_href.clone(), session, draft), cookie);
                        }
                    }
                    SessionState::NeedsCode => {
                        // The code page is answered here, not redirected to, so that it
                        // carries the draft on.
                        let session = app.auth.session(&token, &source).await.ok();
                        let c = PageContext { session, ..ctx.clone() }.chrome("login");
                        let page = CodePage { c, error_key: None, error_detail: None, draft: Some(draft.clone()) };
                        return with_cookie(render(StatusCode::OK, &page), cookie);
                    }
                    SessionState::NeedsEnrolment => {}
                }
            }
            let target = match state {
                SessionState::Active => match safe_next(&f.next).as_str() {
                    "/" => match app.auth.session(&token, &source).await {
                        Ok(session) => landing(&session.actor).to_owned(),
                        Err(_) => "/".to_owned(),
                    },
                    asked => asked.to_owned(),
                },
                SessionState::NeedsCode => "/login/code".to_owned(),
                SessionState::NeedsEnrolment => "/account/totp".to_owned(),
            };
            with_cookie(Redirect::to(&target).into_response(), session_cookie(&token, policy))
        }
        Err(e) => {
            let (status, key, detail) = match &e {
                AppError::Throttled(s) => (StatusCode::TOO_MANY_REQUESTS, "error.throttled", Some(format!("{s} s"))),
                AppError::SignInFailed => (StatusCode::UNAUTHORIZED, "error.sign_in_failed", None),
                _ => return ctx.error(e).into_response(),
            };
            let username: String = f.username.chars().take(64).collect();
            let page = LoginPage {
                username,
                error_key: Some(key),
                error_detail: detail,
                draft,
                ..LoginPage::new(ctx.chrome("login"), safe_next(&f.next))
            };
            with_cookie(render(status, &page), clear_session_cookie())
        }
    }
}

#[derive(Template)]
#[template(path = "login_code.html")]
struct CodePage {
    c: Chrome,
    error_key: Option<&'static str>,
    error_detail: Option<String>,
    draft: Option<Draft>,
}

pub async fn login_code_form(ctx: PageContext, AnySession(s): AnySession) -> Response {
    if s.state != SessionState::NeedsCode {
        return Redirect::to("/").into_response();
    }
    render(StatusCode::OK, &CodePage { c: ctx.chrome("login"), error_key: None, error_detail: None, draft: None })
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    draft_action: String,
    #[serde(default)]
    draft: String,
}

/// Where a user lands after signing in when no page was asked for: someone who works on
/// the records of an area, on their own open tasks (their work); everyone else, home.
fn landing(actor: &treem_app::Actor) -> &'static str {
    if actor.role.may(treem_domain::access::Action::Write) && actor.scope_unit.is_some() {
        "/tasks?mine=1"
    } else {
        "/"
    }
}

pub async fn login_code_submit(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    AnySession(s): AnySession,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> Result<Response, PageError> {
    if s.state != SessionState::NeedsCode {
        return Ok(Redirect::to("/").into_response());
    }
    let draft = Draft::from_form(&f.draft_action, &f.draft);
    match app.auth.verify_code(&s, &f.code).await {
        Ok(()) => match draft {
            Some(draft) => {
                let active = CurrentSession { state: SessionState::Active, ..s };
                Ok(resume_page(ctx.lang, ctx.lang_switch_href.clone(), active, &draft))
            }
            None => Ok(Redirect::to(landing(&s.actor)).into_response()),
        },
        Err(AppError::Invalid { .. }) => Ok(render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &CodePage { c: ctx.chrome("login"), error_key: Some("error.code"), error_detail: None, draft },
        )),
        Err(AppError::Throttled(wait)) => Ok(render(
            StatusCode::TOO_MANY_REQUESTS,
            &CodePage { c: ctx.chrome("login"), error_key: Some("error.throttled"), error_detail: Some(format!("{wait} s")), draft },
        )),
        // Too many wrong codes: the session has ended; sign in again with the password.
        Err(AppError::CodeLocked) => {
            let page = LoginPage { error_key: Some("error.code_locked"), draft, ..LoginPage::new(ctx.chrome("login"), "/".into()) };
            Ok(with_cookie(render(StatusCode::UNAUTHORIZED, &page), clear_session_cookie()))
        }
        Err(e) => Err(ctx.error(e)),
    }
}

#[derive(Deserialize)]
pub struct OnlyCsrf {
    #[serde(default)]
    csrf: String,
}

pub async fn sign_out(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    MaybeSession(s): MaybeSession,
    UiForm(f): UiForm<OnlyCsrf>,
) -> Result<Response, PageError> {
    if let Some(s) = s {
        // Not a CsrfForm: signing out without a session is no error, so the check is here.
        check_csrf(&s, &f.csrf).map_err(|e| ctx.error(e))?;
        app.auth.sign_out(&s).await.map_err(|e| ctx.error(e))?;
    }
    Ok(with_cookie(Redirect::to("/").into_response(), clear_session_cookie()))
}

#[derive(Template)]
#[template(path = "totp.html")]
struct TotpPage {
    c: Chrome,
    required: bool,
    secret: Option<String>,
    uri: String,
    error_key: Option<&'static str>,
}

/// Enrolment is open to a fully signed-in user and to one who must enrol; not
/// to a session still waiting for its code (that would bypass the factor).
fn may_enrol(s: &CurrentSession) -> bool {
    s.state != SessionState::NeedsCode
}

pub async fn totp_page(ctx: PageContext, AnySession(s): AnySession) -> Response {
    if !may_enrol(&s) {
        return Redirect::to("/login/code").into_response();
    }
    let required = s.state == SessionState::NeedsEnrolment;
    render(StatusCode::OK, &TotpPage { c: ctx.chrome("account"), required, secret: None, uri: String::new(), error_key: None })
}

pub async fn start_totp(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    AnySession(s): AnySession,
    CsrfForm(_): CsrfForm<OnlyCsrf>,
) -> Result<Response, PageError> {
    if !may_enrol(&s) {
        return Ok(Redirect::to("/login/code").into_response());
    }
    let (secret, uri) = app.auth.start_enrolment(&s).await.map_err(|e| ctx.error(e))?;
    let required = s.state == SessionState::NeedsEnrolment;
    Ok(render(StatusCode::OK, &TotpPage { c: ctx.chrome("account"), required, secret: Some(secret), uri, error_key: None }))
}

pub async fn confirm_totp(
    State(app): State<Arc<App>>,
    axum::Extension(policy): axum::Extension<CookiePolicy>,
    ctx: PageContext,
    AnySession(s): AnySession,
    CsrfForm(f): CsrfForm<CodeForm>,
) -> Result<Response, PageError> {
    if !may_enrol(&s) {
        return Ok(Redirect::to("/login/code").into_response());
    }
    match app.auth.confirm_enrolment(&s, &f.code).await {
        Ok(token) => Ok(with_cookie(Redirect::to("/account?done=totp").into_response(), session_cookie(&token, policy))),
        Err(AppError::Invalid { .. }) => {
            let required = s.state == SessionState::NeedsEnrolment;
            Ok(render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &TotpPage { c: ctx.chrome("account"), required, secret: None, uri: String::new(), error_key: Some("error.code") },
            ))
        }
        Err(e) => Err(ctx.error(e)),
    }
}

pub struct TokenLine {
    pub id: i64,
    pub name: String,
    pub created: String,
    pub revoked: bool,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    c: Chrome,
    username: String,
    role_key: String,
    scope: String,
    totp_enabled: bool,
    tokens: Vec<TokenLine>,
    new_token: Option<String>,
    notice_key: Option<&'static str>,
    error_key: Option<&'static str>,
    error_detail: Option<String>,
}

#[derive(Deserialize)]
pub struct DoneParam {
    done: Option<String>,
}

async fn account_view(
    app: &App,
    ctx: &PageContext,
    s: &CurrentSession,
    new_token: Option<String>,
    notice_key: Option<&'static str>,
    error: Option<AppError>,
) -> Result<Response, PageError> {
    let tokens = app.auth.list_tokens(&s.actor).await.map_err(|e| ctx.error(e))?;
    let catalog = app.units.catalog();
    let scope = s.actor.scope_unit.and_then(|u| catalog.get(u)).map(|u| format!("{} ({})", u.name, u.code)).unwrap_or_else(|| "–".into());
    let (status, error_key, error_detail) = match &error {
        None => (StatusCode::OK, None, None),
        Some(AppError::Invalid { field, message }) => {
            (StatusCode::UNPROCESSABLE_ENTITY, Some("error.invalid"), Some(format!("{field}: {message}")))
        }
        Some(_) => (StatusCode::UNPROCESSABLE_ENTITY, Some("error.invalid"), None),
    };
    let page = AccountPage {
        c: ctx.chrome("account"),
        username: s.actor.username.clone(),
        role_key: role_key(s.actor.role),
        scope,
        totp_enabled: s.totp_enabled,
        tokens: tokens
            .iter()
            .map(|t| TokenLine {
                id: t.id,
                name: t.name.clone(),
                created: super::date_text(ctx.lang, &treem_domain::calendar::date_in_vietnam(t.created_at)),
                revoked: t.revoked_at.is_some(),
            })
            .collect(),
        new_token,
        notice_key,
        error_key,
        error_detail,
    };
    Ok(render(status, &page))
}

pub async fn account_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    UiQuery(q): UiQuery<DoneParam>,
) -> Result<Response, PageError> {
    let notice = match q.done.as_deref() {
        Some("totp") => Some("notice.totp_enrolled"),
        Some("revoked") => Some("notice.token_revoked"),
        _ => None,
    };
    account_view(&app, &ctx, &s, None, notice, None).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

pub async fn create_token(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    CsrfForm(f): CsrfForm<TokenForm>,
) -> Result<Response, PageError> {
    match app.auth.create_token(&s, &f.name).await {
        Ok(token) => account_view(&app, &ctx, &s, Some(token), None, None).await,
        Err(e @ AppError::Invalid { .. }) => account_view(&app, &ctx, &s, None, None, Some(e)).await,
        Err(e) => Err(ctx.error(e)),
    }
}

pub async fn revoke_token(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<OnlyCsrf>,
) -> Result<Response, PageError> {
    app.auth.revoke_token(&s.actor, id).await.map_err(|e| ctx.error(e))?;
    Ok(Redirect::to("/account?done=revoked").into_response())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    old_password: String,
    #[serde(default)]
    new_password: String,
}

pub async fn change_password(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    CsrfForm(f): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    match app.auth.change_password(&s, &f.old_password, &f.new_password).await {
        // Every session ended, this one too: sign in again with the new password.
        Ok(()) => Ok(with_cookie(Redirect::to("/login").into_response(), clear_session_cookie())),
        Err(e @ AppError::Invalid { .. }) => account_view(&app, &ctx, &s, None, None, Some(e)).await,
        Err(e) => Err(ctx.error(e)),
    }
}

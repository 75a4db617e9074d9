//! What was typed survives an expired session, without JavaScript.
//!
//! A form posted after its session has ended (idle timeout, signed out in another tab)
//! used to be answered with a redirect to the sign-in page, and the text was lost. Now
//! the sign-in page itself answers, saying why, and carries the form's fields and where
//! they were going as two hidden fields (`draft_action`, `draft`: the body as it came,
//! so repeated fields such as checkboxes keep their order). Through the password and,
//! when the account has one, the second factor, they stay in the request bodies; once
//! signed in, the user sees what they typed, editable, with a fresh CSRF token, and
//! sends it to the original page with one button. Nothing is stored on the server, and
//! nothing is sent for them: the user checks and sends it.
//!
//! Only `application/x-www-form-urlencoded` posts are kept (every form but the plan
//! file upload); cross-site posts never get this far (`refuse_cross_site`).

use askama::Template;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use treem_app::auth::CurrentSession;
use treem_app::App;

use super::{render, Chrome, PageContext};
use crate::i18n::Lang;
use crate::session::{safe_next, SessionNeeded};

/// A form on its way through signing in again.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Draft {
    /// The path the form was posted to (a path of this site).
    pub action: String,
    /// The form's body as it was sent, without its old CSRF token.
    pub body: String,
}

/// Most a draft may hold (the body limit of the form it came from applies first).
const MAX_DRAFT: usize = 256 * 1024;

impl Draft {
    /// The draft the sign-in forms carried back, if any and if it is well formed.
    pub fn from_form(action: &str, body: &str) -> Option<Self> {
        let action = safe_next(action);
        if action == "/" || body.is_empty() || body.len() > MAX_DRAFT {
            return None;
        }
        serde_urlencoded::from_str::<Vec<(String, String)>>(body).ok()?;
        Some(Self { action, body: body.to_owned() })
    }

    fn fields(&self) -> Vec<(String, String)> {
        serde_urlencoded::from_str::<Vec<(String, String)>>(&self.body).unwrap_or_default()
    }
}

/// One kept field of the form, as the page after signing in shows it.
pub struct KeptField {
    pub name: String,
    pub value: String,
    /// The field's label; `None` for fields the user did not type (ids, versions,
    /// which step), sent back as they were.
    pub label: Option<String>,
    /// Long or multi-line text gets a text area.
    pub long: bool,
}

#[derive(Template)]
#[template(path = "draft.html")]
struct DraftPage {
    c: Chrome,
    action: String,
    fields: Vec<KeptField>,
}

/// The page a user lands on after signing in again with a draft: what they typed,
/// editable, to send on to where it was going.
pub fn resume_page(lang: Lang, lang_switch_href: String, session: CurrentSession, draft: &Draft) -> Response {
    let ctx = PageContext { lang, lang_switch_href, session: Some(session) };
    let fields = draft
        .fields()
        .into_iter()
        .filter(|(name, _)| name != "csrf")
        .map(|(name, value)| {
            let label = crate::messages::field_label(lang, &name);
            let long = value.contains('\n') || value.chars().count() > 80;
            KeptField { name, value, label, long }
        })
        .collect();
    render(StatusCode::OK, &DraftPage { c: ctx.chrome("login"), action: draft.action.clone(), fields })
}

/// Keeps the body of a page's form post so that, when the page answers that a session
/// is needed ([`SessionNeeded`], set by `session::session_needed`), the sign-in page can carry the draft.
pub async fn keep_draft(State((app, limit)): State<(Arc<App>, usize)>, req: Request, next: Next) -> Response {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    let path = req.uri().path().to_owned();
    if req.method() != Method::POST || !is_form || path.starts_with("/api/") || path.starts_with("/login") || path == "/logout" {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        // Too long to keep: the form's own body limit answers.
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let kept = String::from_utf8(bytes.to_vec()).ok();
    let res = next.run(Request::from_parts(parts.clone(), Body::from(bytes))).await;
    let Some(needed) = res.extensions().get::<SessionNeeded>().copied() else { return res };
    let mut parts = parts;
    let Ok(ctx) = PageContext::from_request_parts(&mut parts, &app).await;
    let draft = kept.and_then(|body| {
        let without_token: Vec<(String, String)> =
            serde_urlencoded::from_str::<Vec<(String, String)>>(&body).ok()?.into_iter().filter(|(k, _)| k != "csrf").collect();
        Draft::from_form(&path, &serde_urlencoded::to_string(without_token).ok()?)
    });
    super::account::login_page_with_draft(&ctx, needed.expired, draft)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_keeps_a_path_of_this_site_and_a_well_formed_body() {
        let d = Draft::from_form("/incidents", "summary=Tr%E1%BA%BB+b%E1%BB%8B+%C4%91%C3%A1nh&children=3&children=5").unwrap();
        assert_eq!(d.action, "/incidents");
        assert_eq!(
            d.fields(),
            [("summary".into(), "Trẻ bị đánh".into()), ("children".into(), "3".into()), ("children".into(), "5".into())]
        );
        assert!(Draft::from_form("//evil.example/x", "a=1").is_none());
        assert!(Draft::from_form("https://evil.example/", "a=1").is_none());
        assert!(Draft::from_form("/login", "a=1").is_none());
        assert!(Draft::from_form("/incidents", "").is_none());
    }
}

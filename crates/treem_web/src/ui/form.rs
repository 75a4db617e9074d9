//! Every HTML form a page submits is read through [`UiForm`]: strictly, with its refusals
//! as pages in the reader's language. A form that changes something is read through
//! [`CsrfForm`], which also checks its synchronizer token against the session. A page's
//! query string is read through [`UiQuery`], whose refusal is a page too.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use std::sync::Arc;
use treem_app::{App, AppError};

use super::{render, ErrorPage, PageContext};
use crate::params::percent_decode_bytes;
use crate::session::check_csrf;

/// A submitted form (`application/x-www-form-urlencoded`).
///
/// axum's `Form` decodes percent-escapes lossily, so `%FF%FEabc` arrived as "��abc" and
/// was stored; the JSON API refuses such bytes. Here a body whose names or values are not
/// UTF-8 once percent-decoded is refused whole, before the handler runs, so nothing is
/// stored: 400 with a page saying so. Another content type gets 415, a body over the limit
/// 413, a form that does not fit the handler's fields 400, each a page too.
pub struct UiForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Arc<App>> for UiForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, app: &Arc<App>) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let Ok(ctx) = PageContext::from_request_parts(&mut parts, app).await;
        let refuse = |status: StatusCode, message_key: &'static str| refusal(&ctx, status, message_key);
        let is_form = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(refuse(StatusCode::UNSUPPORTED_MEDIA_TYPE, "error.bad_form"));
        }
        let bytes = Bytes::from_request(Request::from_parts(parts, body), app).await.map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => refuse(StatusCode::PAYLOAD_TOO_LARGE, "error.too_large"),
            _ => refuse(StatusCode::BAD_REQUEST, "error.bad_form"),
        })?;
        // '&', '=' and '+' are ASCII and never part of a multi-byte character, so the whole
        // body decoded at once is UTF-8 exactly when every name and value is.
        if std::str::from_utf8(&percent_decode_bytes(&bytes)).is_err() {
            return Err(refuse(StatusCode::BAD_REQUEST, "error.not_utf8"));
        }
        serde_urlencoded::from_bytes(&bytes).map(Self).map_err(|_| refuse(StatusCode::BAD_REQUEST, "error.bad_form"))
    }
}

/// A refusal of what was sent, as a page in the reader's language.
fn refusal(ctx: &PageContext, status: StatusCode, message_key: &'static str) -> Response {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "PAYLOAD_TOO_LARGE",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "UNSUPPORTED_MEDIA_TYPE",
        _ => "BAD_REQUEST",
    };
    render(status, &ErrorPage { c: ctx.chrome(""), code, message_key, detail: None })
}

/// A page's query string, read as axum's `Query` reads it (`serde_urlencoded`, the whole
/// query string); one that does not fit the handler's fields (`?after=abc`, a repeated
/// `?q=`) gets 400 as before, but as a page in the reader's language rather than axum's
/// plain-text rejection.
pub struct UiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<Arc<App>> for UiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        if let Ok(value) = serde_urlencoded::from_str(parts.uri.query().unwrap_or_default()) {
            return Ok(Self(value));
        }
        let Ok(ctx) = PageContext::from_request_parts(parts, app).await;
        Err(refusal(&ctx, StatusCode::BAD_REQUEST, "error.invalid"))
    }
}

/// A form that carries the session's synchronizer token (its `csrf` field).
pub trait WithCsrf {
    /// The token the form sent.
    fn csrf(&self) -> &str;
}

/// Implements [`WithCsrf`] for form structs whose token is their `csrf` field.
macro_rules! with_csrf {
    ($($form:ty),+ $(,)?) => {
        $(impl $crate::ui::form::WithCsrf for $form {
            fn csrf(&self) -> &str {
                &self.csrf
            }
        })+
    };
}
pub(crate) use with_csrf;

/// A submitted form read as [`UiForm`] reads it, whose token is then checked against the
/// request's session: a wrong or missing token (or no session) is refused with 403 and
/// the forbidden page, before the handler runs.
///
/// Put it after the session extractor (`SignedIn`, `AnySession`): that one sends a caller
/// without a session to sign in first, as before.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + WithCsrf> FromRequest<Arc<App>> for CsrfForm<T> {
    type Rejection = Response;

    async fn from_request(req: Request, app: &Arc<App>) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let Ok(ctx) = PageContext::from_request_parts(&mut parts, app).await;
        if ctx.session.is_none() {
            // The session ended while the form was being filled: keep what was typed.
            return Err(crate::session::session_needed(&parts));
        }
        let UiForm(form) = UiForm::<T>::from_request(Request::from_parts(parts, body), app).await?;
        let checked = match &ctx.session {
            Some(s) => check_csrf(s, form.csrf()),
            None => Err(AppError::Forbidden),
        };
        checked.map_err(|e| ctx.error(e).into_response())?;
        Ok(Self(form))
    }
}

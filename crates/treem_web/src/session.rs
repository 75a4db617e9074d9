//! Who is calling: the session cookie for pages, a bearer token (or the cookie
//! plus a CSRF header) for the API. Extractors only resolve identity; what the
//! identity may do is decided in `treem_app`.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use treem_app::auth::{constant_time_eq, CurrentSession, SessionState};
use treem_app::{Actor, App, AppError};

use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "treem_session";

/// Cookie attributes; `Secure` when the site is served over TLS.
#[derive(Debug, Clone, Copy)]
pub struct CookiePolicy {
    pub secure: bool,
}

/// The client's address as seen by this server.
pub fn client_address(parts: &Parts) -> String {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

fn cookie_value(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// `Set-Cookie` for a new session token.
pub fn session_cookie(token: &str, policy: CookiePolicy) -> HeaderValue {
    let secure = if policy.secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_session_cookie() -> HeaderValue {
    HeaderValue::from_static("treem_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// The session of this request, if any (expired or unknown cookies count as none).
pub struct MaybeSession(pub Option<CurrentSession>);

impl FromRequestParts<Arc<App>> for MaybeSession {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        if let Some(s) = parts.extensions.get::<Option<CurrentSession>>() {
            return Ok(Self(s.clone()));
        }
        let session = match cookie_value(parts, SESSION_COOKIE) {
            Some(token) => app.auth.session(&token, &client_address(parts)).await.ok(),
            None => None,
        };
        parts.extensions.insert(session.clone());
        Ok(Self(session))
    }
}

/// Set on the response of a page route that needed a signed-in session and had none;
/// `ui::draft::keep_draft` answers a form post with the sign-in page holding the form.
#[derive(Debug, Clone, Copy)]
pub struct SessionNeeded {
    /// The browser sent a session cookie that is no longer valid: the session expired
    /// or was ended, rather than never begun.
    pub expired: bool,
}

/// The answer of a page that needs a session to a post without one: a redirect to the
/// sign-in page, which `ui::draft::keep_draft` replaces by the sign-in page with the draft.
pub fn session_needed(parts: &Parts) -> Response {
    let mut res = Redirect::to("/login").into_response();
    res.extensions_mut().insert(SessionNeeded { expired: cookie_value(parts, SESSION_COOKIE).is_some() });
    res
}

/// A fully signed-in session, for pages. Anyone else is sent to sign in (or to
/// finish the second factor first).
pub struct SignedIn(pub CurrentSession);

impl FromRequestParts<Arc<App>> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let MaybeSession(session) = MaybeSession::from_request_parts(parts, app).await.unwrap_or_else(|never| match never {});
        match session {
            Some(s) if s.state == SessionState::Active => Ok(Self(s)),
            Some(s) if s.state == SessionState::NeedsCode => Err(Redirect::to("/login/code").into_response()),
            Some(_) => Err(Redirect::to("/account/totp").into_response()),
            None => {
                let next = parts.uri.path_and_query().map_or("/", |p| p.as_str());
                if parts.method == Method::GET {
                    Err(Redirect::to(&format!("/login?next={}", encode(next))).into_response())
                } else {
                    Err(session_needed(parts))
                }
            }
        }
    }
}

/// A signed-in session in any state (for finishing the second factor).
pub struct AnySession(pub CurrentSession);

impl FromRequestParts<Arc<App>> for AnySession {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        match MaybeSession::from_request_parts(parts, app).await.unwrap_or_else(|never| match never {}) {
            MaybeSession(Some(s)) => Ok(Self(s)),
            MaybeSession(None) => Err(Redirect::to("/login").into_response()),
        }
    }
}

/// Percent-encodes a URL component.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// The caller of an API route: a personal access token (`Authorization:
/// Bearer treem_…`), or a signed-in browser session, which must also send
/// `X-CSRF-Token` on anything but GET.
pub struct ApiActor(pub Actor);

impl FromRequestParts<Arc<App>> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Self::Rejection> {
        let source = client_address(parts);
        if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
            let token = auth.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).unwrap_or_default();
            return app.auth.token_actor(token.trim(), &source).await.map(Self).map_err(|_| unauthenticated());
        }
        let MaybeSession(session) = MaybeSession::from_request_parts(parts, app).await.unwrap_or_else(|never| match never {});
        let Some(s) = session.filter(|s| s.state == SessionState::Active) else { return Err(unauthenticated()) };
        if parts.method != Method::GET && parts.method != Method::HEAD {
            let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or_default();
            if !constant_time_eq(sent, &s.csrf_token) {
                return Err(ApiError::new(StatusCode::FORBIDDEN, "CSRF_FAILED", "send the X-CSRF-Token header with a cookie session"));
            }
        }
        Ok(Self(s.actor))
    }
}

fn unauthenticated() -> ApiError {
    ApiError::from(AppError::Unauthenticated)
}

/// Checks the synchronizer token of a submitted form.
pub fn check_csrf(session: &CurrentSession, sent: &str) -> Result<(), AppError> {
    if constant_time_eq(sent, &session.csrf_token) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The client's address, as an extractor.
pub struct ClientAddress(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self(client_address(parts)))
    }
}

/// The longest path `next` may carry back after sign-in.
const MAX_NEXT: usize = 2000;

/// A local path to return to after signing in; anything else becomes `/`.
///
/// Only a path that every browser reads as a path of this site is kept: it starts with
/// exactly one `/` (not `//` or `/\`, which browsers read as another host), holds nothing
/// but visible ASCII other than `\` (browsers drop tabs and newlines from URLs, so
/// `/\t/evil.example` would become `//evil.example`; control characters cannot go into a
/// `Location` header at all; look-alike Unicode slashes are out too), is at most
/// [`MAX_NEXT`] bytes, and is not the sign-in page itself. A path that starts with `/`
/// cannot carry a scheme. Real values are always ASCII: browsers send paths percent-encoded.
pub fn safe_next(next: &str) -> String {
    let b = next.as_bytes();
    let ok = b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && b.len() <= MAX_NEXT
        && b.iter().all(|c| c.is_ascii_graphic() && *c != b'\\')
        && !next.starts_with("/login");
    if ok {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_of_this_site_are_kept() {
        for good in ["/", "/children", "/children?q=Nguy%E1%BB%85n&after=3", "/units/82?lang=en", "/a:b", "/%2F%2Fx"] {
            assert_eq!(safe_next(good), good);
        }
        for bad in [
            "",
            "children",
            "//evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "/\u{0b}/evil.example",
            "/ /evil.example",
            "/\u{a0}/x",
            "/\u{2215}\u{2215}evil.example",
            "/\u{ff0f}evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/login?next=//evil.example",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(1999))).len(), 2000);
        assert_eq!(safe_next(&format!("/{}", "a".repeat(2000))), "/");
    }
}

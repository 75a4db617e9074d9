//! The web layer of treem: the HTML pages, the JSON API and the middleware
//! around both. Handlers are thin; every decision is made in `treem_app`.

pub mod api;
pub mod audit_words;
pub mod error;
pub mod export;
pub mod i18n;
pub mod import_files;
pub mod messages;
pub mod params;
pub mod raster;
pub mod session;
pub mod ui;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::sync::Arc;
use std::time::Instant;
use treem_app::{App, AppError};

use crate::error::ApiError;
use crate::i18n::Lang;
use crate::params::query_param;
use crate::ui::{PageContext, PageError};

/// Settings the web layer needs.
#[derive(Debug, Clone, Copy)]
pub struct WebOptions {
    pub max_body_bytes: usize,
    /// Mark cookies `Secure` (the site is served over TLS).
    pub secure_cookies: bool,
}

const CSS: &str = include_str!("../static/app.css");

/// The whole HTTP surface of treem.
pub fn router(app: Arc<App>, options: WebOptions) -> Router {
    let (api, openapi) = api::routes();
    let openapi_json = Arc::new(openapi.to_pretty_json().unwrap_or_else(|_| "{}".to_owned()));
    Router::new()
        .route("/", get(ui::home))
        .route("/units", get(ui::units_page))
        .route("/units/{id}", get(ui::unit_page))
        .route("/units/{id}/statuses", post(ui::add_unit_status))
        .route("/units/{id}/statuses/{status}/end", post(ui::end_unit_status))
        .route("/plans", get(ui::plans_page))
        .route("/reported", get(ui::reported_page).post(ui::save_reported))
        .route("/fund", get(ui::fund_page).post(ui::record_fund))
        .route("/indicators", get(ui::indicators_page))
        .route("/indicators/new", get(ui::indicator_new_form).post(ui::create_indicator))
        .route("/indicators/{code}", get(ui::indicator_page))
        .route("/indicators/{code}/trend", get(ui::indicator_trend))
        .route("/plans/import", get(ui::plan_import_form).post(ui::import_plan))
        .route("/indicators/{code}/edit", get(ui::indicator_edit_form).post(ui::update_indicator))
        .route("/plans/{code}", get(ui::plan_page))
        .route("/plans/{code}/targets/{target}/chart.svg", get(ui::target_chart))
        .route("/login", get(ui::login_form).post(ui::login_submit))
        .route("/login/code", get(ui::login_code_form).post(ui::login_code_submit))
        .route("/logout", post(ui::sign_out))
        .route("/account", get(ui::account_page))
        .route("/account/totp", get(ui::totp_page))
        .route("/account/totp/start", post(ui::start_totp))
        .route("/account/totp/confirm", post(ui::confirm_totp))
        .route("/account/password", post(ui::change_password))
        .route("/account/tokens", post(ui::create_token))
        .route("/account/tokens/{id}/revoke", post(ui::revoke_token))
        .route("/admin/accounts", get(ui::accounts_page).post(ui::create_account))
        .route("/admin/accounts/{id}/password", post(ui::reset_account_password))
        .route("/admin/accounts/{id}/{action}", post(ui::set_account_disabled))
        .route("/audit", get(ui::audit_page))
        .route("/audit/export.csv", get(ui::audit_export))
        .route("/audit/export.xlsx", get(ui::audit_export))
        .route("/children", get(ui::children_page).post(ui::create_child))
        .route("/children/new", get(ui::child_new_form))
        .route("/children/export.csv", get(ui::children_export))
        .route("/children/export.xlsx", get(ui::children_export_xlsx))
        .route("/children/duplicates", get(ui::duplicates_page))
        .route("/children/{id}/merge", post(ui::merge_child))
        .route("/children/{id}/unmerge", post(ui::unmerge_child))
        .route("/children/{id}/profile", post(ui::set_profile))
        .route("/children/{id}/circumstances", post(ui::add_circumstance))
        .route("/children/{id}/circumstances/{row}/end", post(ui::end_circumstance))
        .route("/children/{id}/risks", post(ui::add_risk))
        .route("/children/{id}/caregivers", post(ui::add_caregiver))
        .route("/children/{id}/consents", post(ui::add_consent))
        .route("/children/{id}/consents/{consent}/withdraw", post(ui::withdraw_consent))
        .route("/children/{id}", get(ui::child_page).post(ui::update_child))
        .route("/children/{id}/edit", get(ui::child_edit_form))
        .route("/cases", get(ui::cases_page).post(ui::create_case))
        .route("/cases/new", get(ui::case_new_form))
        .route("/cases/export.csv", get(ui::cases_export))
        .route("/cases/export.xlsx", get(ui::cases_export))
        .route("/cases/{id}", get(ui::case_page))
        .route("/cases/{id}/act", post(ui::case_act))
        .route("/cases/{id}/interventions", post(ui::add_intervention))
        .route("/cases/{id}/interventions/{iid}", post(ui::set_intervention))
        .route("/cases/{id}/referrals", post(ui::refer))
        .route("/cases/{id}/assignment", post(ui::assign_case))
        .route("/cases/{id}/transfer", post(ui::transfer_case))
        .route("/cases/{id}/referrals/{rid}", post(ui::referral_outcome))
        .route("/tasks", get(ui::tasks_page))
        .route("/tasks/export.csv", get(ui::tasks_export))
        .route("/tasks/export.xlsx", get(ui::tasks_export))
        .route("/incidents", get(ui::incidents_page).post(ui::create_incident))
        .route("/incidents/new", get(ui::incident_new_form).post(ui::incident_form_search))
        .route("/incidents/export.csv", get(ui::incidents_export))
        .route("/incidents/export.xlsx", get(ui::incidents_export))
        .route("/incidents/{id}", get(ui::incident_page))
        .route("/services", get(ui::services_page).post(ui::create_service))
        .route("/imports", get(ui::imports_page))
        .route("/imports/children", post(ui::upload_children).layer(DefaultBodyLimit::max(ui::MAX_UPLOAD_BYTES)))
        .route("/imports/incidents", post(ui::upload_incidents).layer(DefaultBodyLimit::max(ui::MAX_UPLOAD_BYTES)))
        .route("/imports/cases", post(ui::upload_cases).layer(DefaultBodyLimit::max(ui::MAX_UPLOAD_BYTES)))
        .route("/imports/confirm", post(ui::confirm_import))
        .route("/imports/jobs/{token}", get(ui::import_job))
        .route("/imports/reports/{token}", get(ui::import_report))
        .route("/imports/templates/{file}", get(ui::import_template))
        .route(
            "/static/app.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")], CSS) }),
        )
        .route(
            "/api/v1/openapi.json",
            get(move || {
                let doc = openapi_json.clone();
                async move { ([(header::CONTENT_TYPE, "application/json")], doc.as_str().to_owned()) }
            }),
        )
        .merge(api)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state((app.clone(), options.max_body_bytes), ui::keep_draft))
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
        .layer(axum::Extension(session::CookiePolicy { secure: options.secure_cookies }))
        .layer(middleware::from_fn(refuse_cross_site))
        .layer(middleware::from_fn_with_state(options, remember_language))
        .layer(middleware::from_fn(messages::reply_in_language))
        .layer(middleware::from_fn_with_state(options, security_headers))
        .layer(middleware::from_fn(log_request))
        .with_state(app)
}

async fn not_found(State(app): State<Arc<App>>, req: Request) -> Response {
    if req.uri().path().starts_with("/api/") {
        return ApiError::not_found().into_response();
    }
    let (mut parts, _) = req.into_parts();
    let ctx = <PageContext as axum::extract::FromRequestParts<Arc<App>>>::from_request_parts(&mut parts, &app).await;
    match ctx {
        Ok(ctx) => PageError { ctx, error: AppError::NotFound }.into_response(),
        Err(never) => match never {},
    }
}

/// Refuses state-changing requests that a browser marks as cross-site, or whose
/// `Origin` is not this host: the first line against CSRF (forms also carry a
/// per-session token; the API needs a bearer token or `X-CSRF-Token`).
async fn refuse_cross_site(req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let h = req.headers();
    let fetch_site = h.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
    // Browsers that send Sec-Fetch-Site say exactly where the request comes from;
    // otherwise fall back on Origin (absent for non-browser clients).
    let (cross_site, foreign_origin) = match fetch_site {
        Some(site) => (!matches!(site, "same-origin" | "none"), false),
        None => (
            false,
            match (h.get(header::ORIGIN).and_then(|v| v.to_str().ok()), host) {
                (Some(origin), Some(host)) => origin.split_once("://").map(|(_, rest)| rest) != Some(host),
                (Some(_), None) => true,
                (None, _) => false,
            },
        ),
    };
    if cross_site || foreign_origin {
        tracing::warn!(method = %req.method(), "cross-site request refused");
        return ApiError::new(StatusCode::FORBIDDEN, "CROSS_SITE", "cross-site requests are refused").into_response();
    }
    next.run(req).await
}

/// `?lang=en` switches the language and remembers it in a cookie (`Secure` behind TLS,
/// like the session cookie).
async fn remember_language(State(options): State<WebOptions>, req: Request, next: Next) -> Response {
    let chosen = query_param(req.uri().query().unwrap_or_default(), "lang").and_then(|l| Lang::parse(&l));
    let mut res = next.run(req).await;
    if let Some(lang) = chosen {
        let secure = if options.secure_cookies { "; Secure" } else { "" };
        let cookie = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}", lang.code());
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res
}

/// The policy of every HTML page: no inline script, no plugins, no framing, forms only to this site.
const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Anything that is not a page (JSON, CSV, SVG, PNG, XLSX, the stylesheet) must not run
/// as a document if someone opens it directly: the same policy, sandboxed.
const NON_PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; sandbox";

/// HSTS for a year, subdomains included (ASVS 5.0 V3.4.1), sent only when treem is
/// served over HTTPS (`TREEM_SECURE_COOKIES=true`): over plain HTTP it would be ignored
/// by browsers and would only mislead.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Headers on every response: no framing, no sniffing, no inline script, no caching of
/// pages, no cross-origin embedding or window handles; HSTS behind TLS; and a sign-out
/// asks the browser to drop its cache of signed-in pages.
async fn security_headers(State(options): State<WebOptions>, req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let is_sign_out = req.method() == Method::POST && req.uri().path() == "/logout";
    let mut res = next.run(req).await;
    let is_page = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|t| t.starts_with("text/html"));
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, name: header::HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, if is_page { PAGE_CSP } else { NON_PAGE_CSP });
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(h, header::X_FRAME_OPTIONS, "DENY");
    // same-origin: nothing leaks to other sites, and browsers keep sending a real Origin on our own forms.
    set(h, header::REFERRER_POLICY, "same-origin");
    set(h, header::HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()");
    // No other site may hold a handle on our windows, nor load our responses as images or scripts.
    set(h, header::HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set(h, header::HeaderName::from_static("cross-origin-resource-policy"), "same-origin");
    if options.secure_cookies {
        set(h, header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    if !is_static {
        set(h, header::CACHE_CONTROL, "no-store");
    }
    if is_sign_out {
        // Not "cookies": that would clear every site of the registrable domain. The session
        // cookie itself is removed by the sign-out's Set-Cookie.
        set(h, header::HeaderName::from_static("clear-site-data"), "\"cache\", \"storage\"");
    }
    res
}

/// One line per request: method, route pattern (never the raw URL, which may
/// carry names in a query), status and time. No personal data.
async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "(unmatched)".to_owned(), |m| m.as_str().to_owned());
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if status == StatusCode::INTERNAL_SERVER_ERROR {
        tracing::warn!(%method, route, status = status.as_u16(), ms, "request");
    } else {
        tracing::info!(%method, route, status = status.as_u16(), ms, "request");
    }
    res
}

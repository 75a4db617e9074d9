//! Response headers the browser enforces (docs/ASVS.md, chapter V3): the policies on
//! every kind of response, HSTS behind TLS only, the sign-out's Clear-Site-Data, no
//! CORS grant, no TRACE, and no request smuggling past the HTTP parser.

use axum::body::Body;
use axum::http::{header, HeaderMap, Request, StatusCode};
use tower::ServiceExt;

use crate::harness::{apps, csrf_of, TestApp};

/// A router over the same app as served behind TLS (`TREEM_SECURE_COOKIES=true`).
fn behind_tls(t: &TestApp) -> axum::Router {
    treem_web::router(t.app.clone(), treem_web::WebOptions { max_body_bytes: 64 * 1024, secure_cookies: true })
}

async fn headers_of(router: &axum::Router, req: Request<Body>) -> (StatusCode, HeaderMap) {
    let res = router.clone().oneshot(req).await.unwrap();
    (res.status(), res.headers().clone())
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn value<'a>(h: &'a HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

/// Every kind of response: a page, an error page, JSON, an API error, the stylesheet, the
/// OpenAPI document, a 401 from the API.
const PATHS: [&str; 7] = ["/", "/nope", "/api/v1/units", "/api/v1/nothing", "/static/app.css", "/api/v1/openapi.json", "/api/v1/children"];

#[tokio::test]
async fn every_response_carries_the_browser_policies() {
    for t in apps().await {
        for path in PATHS {
            let (_, h) = headers_of(&t.router, get(path)).await;
            assert_eq!(value(&h, "cross-origin-opener-policy"), "same-origin", "{path}");
            assert_eq!(value(&h, "cross-origin-resource-policy"), "same-origin", "{path}");
            assert_eq!(value(&h, "x-content-type-options"), "nosniff", "{path}");
            assert_eq!(value(&h, "referrer-policy"), "same-origin", "{path}");
            // Every body says what it is, text with its character set (V4.1.1).
            let content_type = value(&h, "content-type");
            assert!(!content_type.is_empty(), "{path}");
            assert!(!content_type.starts_with("text/") || content_type.ends_with("charset=utf-8"), "{path}: {content_type}");
            let csp = value(&h, "content-security-policy");
            for directive in ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"] {
                assert!(csp.contains(directive), "{path}: {directive} missing from {csp}");
            }
            // Pages run as documents; everything else is sandboxed if opened directly.
            let is_page = value(&h, "content-type").starts_with("text/html");
            assert_eq!(csp.ends_with("; sandbox"), !is_page, "{path}: {csp}");
            // Plain HTTP: no HSTS (browsers ignore it there, and it would claim TLS that is not there).
            assert!(h.get("strict-transport-security").is_none(), "{path}");
            // No CORS grant to anyone, whatever Origin is sent.
            let (_, h) =
                headers_of(&t.router, Request::get(path).header(header::ORIGIN, "https://evil.example").body(Body::empty()).unwrap()).await;
            assert!(h.get("access-control-allow-origin").is_none(), "{path}");
            assert!(h.get("access-control-allow-credentials").is_none(), "{path}");
        }
    }
}

#[tokio::test]
async fn hsts_for_a_year_with_subdomains_on_every_response_behind_tls() {
    for t in apps().await {
        let router = behind_tls(&t);
        for path in PATHS {
            let (_, h) = headers_of(&router, get(path)).await;
            let hsts = value(&h, "strict-transport-security");
            let max_age: u64 = hsts
                .split(';')
                .find_map(|d| d.trim().strip_prefix("max-age="))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{path}: no max-age in {hsts:?}"));
            assert!(max_age >= 31_536_000, "{path}: {hsts}");
            assert!(hsts.split(';').any(|d| d.trim() == "includeSubDomains"), "{path}: {hsts}");
        }
        // Also on a refused request that never reaches a handler.
        let refused = Request::post("/login").header("sec-fetch-site", "cross-site").body(Body::empty()).unwrap();
        let (status, h) = headers_of(&router, refused).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(h.get("strict-transport-security").is_some());
    }
}

#[tokio::test]
async fn signing_out_asks_the_browser_to_drop_its_cache_and_storage_only() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let s = t.session("lan.xa").await;
        let csrf = csrf_of(&t.page("/account", &s).await.body);
        let r = t.post_form("/logout", Some(&s), &[("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let clear = value(&r.headers, "clear-site-data");
        assert!(clear.contains("\"cache\"") && clear.contains("\"storage\""), "{clear:?}");
        // "cookies" would sign people out of every site of the registrable domain.
        assert!(!clear.contains("cookies"), "{clear:?}");
        assert!(
            r.headers.get_all("set-cookie").iter().any(|c| c.to_str().unwrap().contains("Max-Age=0")),
            "the session cookie itself is removed"
        );
        // Other answers do not clear anything.
        assert!(t.page("/", &s).await.headers.get("clear-site-data").is_none());
    }
}

#[tokio::test]
async fn trace_is_not_answered() {
    for t in apps().await {
        for path in ["/", "/api/v1/units", "/login"] {
            let req = Request::builder()
                .method("TRACE")
                .uri(path)
                .header(header::COOKIE, "treem_session=secret-cookie-value")
                .body(Body::empty())
                .unwrap();
            let r = t.send(req).await;
            assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{path}");
            assert!(!r.body.contains("secret-cookie-value"), "{path}: the request is never echoed");
        }
    }
}

#[tokio::test]
async fn behind_tls_every_cookie_is_secure() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let router = behind_tls(&t);
        let sign_in = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!("username=lan.xa&password={}&next=%2F", crate::harness::PASSWORD)))
            .unwrap();
        let (status, h) = headers_of(&router, sign_in).await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        let (_, lang) = headers_of(&router, get("/?lang=en")).await;
        let cookies: Vec<String> =
            h.get_all("set-cookie").iter().chain(lang.get_all("set-cookie").iter()).map(|c| c.to_str().unwrap().to_owned()).collect();
        assert_eq!(cookies.len(), 2, "{cookies:?}");
        for c in &cookies {
            let attributes: Vec<&str> = c.split(';').map(str::trim).collect();
            assert!(attributes.contains(&"Secure") && attributes.contains(&"HttpOnly"), "{c}");
            assert!(attributes.iter().any(|a| a.starts_with("SameSite=")), "{c}");
        }
        // Over plain HTTP the language cookie cannot be Secure (the browser would drop it).
        let plain = t.get("/?lang=en").await;
        assert!(!plain.headers.get("set-cookie").unwrap().to_str().unwrap().contains("Secure"));
    }
}

/// Sends raw bytes to a real listener and returns everything it answers until it closes
/// the connection (or a second passes).
async fn raw_exchange(router: axum::Router, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>()).await;
    });
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(1), stream.read_to_end(&mut answer)).await;
    server.abort();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_request_with_both_content_length_and_transfer_encoding_smuggles_nothing() {
    for t in apps().await {
        // CL.TE: Content-Length covers the chunked terminator and a hidden request; Transfer-Encoding ends the body early.
        let hidden = "GET /api/v1/units/999999999 HTTP/1.1\r\nHost: t\r\n\r\n";
        let body = format!("0\r\n\r\n{hidden}");
        let request = format!(
            "POST /api/v1/units/reaggregate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\nTransfer-Encoding: chunked\r\n\r\n{body}",
            body.len()
        );
        let answer = raw_exchange(t.router.clone(), request.as_bytes()).await;
        let responses = answer.matches("HTTP/1.1 ").count();
        assert!(responses <= 1, "one message, one answer at most ({}): {answer}", t.backend);
        assert!(!answer.contains("NOT_FOUND"), "the hidden request was not answered: {answer}");
        assert!(answer.to_ascii_lowercase().contains("connection: close"), "the connection is closed after such a message (RFC 9112 §6.1)");
        // Control: the same two requests pipelined honestly get two answers, so the count above can see a second one.
        let honest = format!(
            "POST /api/v1/units/reaggregate HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}{hidden}"
        );
        let answer = raw_exchange(t.router.clone(), honest.as_bytes()).await;
        assert_eq!(answer.matches("HTTP/1.1 ").count(), 2, "{answer}");
        assert!(answer.contains("NOT_FOUND"), "{answer}");
    }
}

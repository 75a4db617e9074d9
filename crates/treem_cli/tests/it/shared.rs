//! Helpers more than one test file uses: the founding plan, a refused import's fields,
//! downloads as bytes, a register file posted to the import API and its report's problems, and indicator values and percents as the API gives them.

use axum::http::StatusCode;

use crate::harness::TestApp;

pub(crate) fn founding_plan() -> serde_json::Value {
    let plan = treem_app::plans::parse_plan_toml("dong-thap-2013.toml", treem_domain::bundled::PLAN_DONG_THAP_2013).unwrap();
    serde_json::to_value(plan).unwrap()
}

/// The (field, message) pairs of a refused import.
pub(crate) fn refused(r: &crate::harness::Reply) -> Vec<(String, String)> {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.json()["error"]["fields"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.body))
        .iter()
        .map(|f| (f["field"].as_str().unwrap().to_owned(), f["message"].as_str().unwrap().to_owned()))
        .collect()
}

/// Status, headers and bytes of a page for a session, or of the API for `Bearer …` (downloads are not always text).
pub(crate) async fn download(t: &TestApp, uri: &str, session: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    use tower::ServiceExt;
    let (name, value) = match session.strip_prefix("Bearer ") {
        Some(_) => (axum::http::header::AUTHORIZATION, session.to_owned()),
        None => (axum::http::header::COOKIE, format!("treem_session={session}")),
    };
    let req = axum::http::Request::get(uri).header(name, value).body(axum::body::Body::empty()).unwrap();
    let res = t.router.clone().oneshot(req).await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024).await.unwrap().to_vec())
}

/// The value of an indicator for one year, as the API gives it to `token`'s holder.
pub(crate) async fn value(t: &TestApp, token: &str, code: &str, year: i32) -> Option<String> {
    let r = t.api("GET", &format!("/api/v1/indicators/{code}/values?from={year}&to={year}"), token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{code}: {}", r.body);
    r.json()[0]["value"].as_str().map(str::to_owned)
}

/// "12.34" for `num ÷ den` in percent, as the API shows a ratio.
pub(crate) fn percent(num: usize, den: usize) -> String {
    let h = (num as i64 * 10_000 + den as i64 / 2) / den as i64;
    format!("{}.{:02}", h / 100, h % 100)
}

/// A register file of `kind` (children, incidents, cases) posted to the import API by
/// `token`'s holder, messages in English: the status and the report.
pub(crate) async fn import_file(
    t: &TestApp,
    token: &str,
    kind: &str,
    file: &str,
    body: &[u8],
    query: &str,
) -> (StatusCode, serde_json::Value) {
    use axum::http::header;
    let req = axum::http::Request::post(format!("/api/v1/imports/{kind}?file_name={file}&{query}"))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .header(header::ACCEPT_LANGUAGE, "en")
        .body(axum::body::Body::from(body.to_vec()))
        .unwrap();
    let r = t.send(req).await;
    (r.status, r.json())
}

/// An import report's problems as (row, column, value, severity, message).
pub(crate) fn report_problems(report: &serde_json::Value) -> Vec<(u64, String, String, String, String)> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap().to_owned();
            (p["row"].as_u64().unwrap(), s("column"), s("value"), s("severity"), s("message"))
        })
        .collect()
}

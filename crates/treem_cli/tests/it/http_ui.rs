//! The HTML pages: language, the units browser in both eras, errors, headers.

use axum::http::StatusCode;
use time::macros::date;

use crate::harness::apps;

#[tokio::test]
async fn home_is_vietnamese_by_default_and_switches_to_english() {
    for t in apps().await {
        let vi = t.get("/").await;
        assert_eq!(vi.status, StatusCode::OK);
        assert!(vi.body.contains("<html lang=\"vi\">"));
        assert!(vi.body.contains("Trang chủ"));
        assert!(vi.body.contains("href=\"/?lang=en\""), "language switch link");
        let en = t.get("/?lang=en").await;
        assert!(en.body.contains("<html lang=\"en\">"));
        assert!(en.body.contains("Administrative units"));
        let cookie = en.headers.get("set-cookie").unwrap().to_str().unwrap();
        assert!(cookie.starts_with("lang=en;"), "{cookie}");
        // The cookie keeps English on the next page.
        let next = t.get_with_cookie("/units", "lang=en").await;
        assert!(next.body.contains("<html lang=\"en\">"), "{}", t.backend);
        // Unknown languages fall back to Vietnamese.
        assert!(t.get("/?lang=xx").await.body.contains("<html lang=\"vi\">"));
    }
}

#[tokio::test]
async fn units_tree_in_both_eras() {
    for t in apps().await {
        let old = t.get("/units?date=2013-12-31").await;
        assert_eq!(old.status, StatusCode::OK);
        for name in ["Tỉnh Đồng Tháp", "Tỉnh Tiền Giang", "Thành phố Cao Lãnh", "Huyện Cao Lãnh", "Phường Mỹ Ngãi"] {
            assert!(old.body.contains(name), "{name} on 2013-12-31 ({})", t.backend);
        }
        // Real units plus the made-up demo hamlets (2 before the reform, 3 after).
        assert!(old.body.contains("<span id=\"tree-count\">332</span>"));
        let new = t.get("/units?date=2025-07-01").await;
        assert!(new.body.contains("<span id=\"tree-count\">106</span>"));
        assert!(!new.body.contains("level-district"));
        assert!(new.body.contains("data-code=\"29884\""));
        assert!(!new.body.contains("Tỉnh Tiền Giang"));
        // Vietnamese order: Phường An Bình … Phường Cao Lãnh … Phường Đạo Thạnh (đ after d) … Phường Gò Công.
        let pos = |s: &str| new.body.find(s).unwrap_or_else(|| panic!("{s}"));
        assert!(pos(">Phường An Bình<") < pos(">Phường Cao Lãnh<"));
        assert!(pos(">Phường Cao Lãnh<") < pos(">Phường Đạo Thạnh<"));
        assert!(pos(">Phường Đạo Thạnh<") < pos(">Phường Gò Công<"));
        // Before 2012 nothing was loaded.
        assert!(t.get("/units?date=2000-01-01").await.body.contains("id=\"tree-empty\""));
    }
}

#[tokio::test]
async fn unit_page_shows_history_both_ways() {
    for t in apps().await {
        let new_id = t.unit_id("29884", date!(2025 - 07 - 01));
        let page = t.get(&format!("/units/{new_id}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Phường Mỹ Ngãi"));
        let preds = page.body.split("id=\"predecessors\"").nth(1).unwrap().split("</section>").next().unwrap();
        assert!(preds.contains("Xã Mỹ Tân") && preds.contains("Phường Mỹ Ngãi"), "{preds}");
        let old_id = t.unit_id("29884", date!(2020 - 01 - 01));
        let old = t.get(&format!("/units/{old_id}?lang=en")).await;
        let succ = old.body.split("id=\"successors\"").nth(1).unwrap().split("</section>").next().unwrap();
        assert!(succ.contains("Phường Mỹ Ngãi") && succ.contains("1 Jul 2025"), "{succ}");
        assert!(old.body.contains("id=\"same-code\""), "code 29884 was reused");
    }
}

#[tokio::test]
async fn search_folds_diacritics() {
    for t in apps().await {
        let r = t.get("/units?q=my+ngai&date=2025-07-01").await;
        let results = r.body.split("id=\"search-results\"").nth(1).unwrap().split("</section>").next().unwrap();
        assert_eq!(results.matches("Phường Mỹ Ngãi").count(), 2, "both eras: {results}");
        let none = t.get("/units?q=%25").await;
        assert!(none.body.contains("Không tìm thấy"), "a percent sign matches only itself");
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_page_not_a_crash() {
    for t in apps().await {
        let bad = t.get("/units?date=2013-02-30").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("date"), "names the field");
        assert_eq!(t.get("/units/999999999").await.status, StatusCode::NOT_FOUND);
        assert_eq!(t.get("/units/abc").await.status, StatusCode::NOT_FOUND);
        let missing = t.get("/no-such-page?lang=en").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(missing.body.contains("was not found"));
        // Markup in a query is escaped, never echoed raw.
        let xss = t.get("/units?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
        assert!(!xss.body.contains("<script>alert(1)"));
        assert!(xss.body.contains("&#60;script&#62;") || xss.body.contains("&lt;script&gt;"));
    }
}

#[tokio::test]
async fn security_headers_on_every_page() {
    for t in apps().await {
        for path in ["/", "/units", "/api/v1/units", "/nope"] {
            let r = t.get(path).await;
            let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
            assert!(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "{path}");
            assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");
            assert_eq!(r.headers.get("cache-control").unwrap(), "no-store", "{path}");
        }
        assert!(t.get("/static/app.css").await.headers.get("cache-control").unwrap().to_str().unwrap().contains("max-age"));
    }
}

/// Posts a form body exactly as given (already encoded), with the session cookie and a language.
async fn raw_form(t: &crate::harness::TestApp, uri: &str, session: &str, lang: &str, body: String) -> crate::harness::Reply {
    let req = axum::http::Request::post(uri)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("treem_session={session}; lang={lang}"))
        .body(axum::body::Body::from(body))
        .unwrap();
    t.send(req).await
}

#[tokio::test]
async fn forms_with_bytes_that_are_not_utf8_store_nothing() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let s = t.session("lan.xa").await;
        let csrf = crate::harness::csrf_of(&t.page("/children/new", &s).await.body);
        let unit = t.unit_id("29884", date!(2026 - 01 - 01));
        let child = |name: &str| {
            format!("csrf={csrf}&full_name={name}&sex=female&birth_date=2015-01-01&registered_on=2026-01-01&residence_unit_id={unit}&confirm_new=1")
        };
        for (bad, lang) in [("%FF%FEabc", "vi"), ("abc%C3", "en"), ("%E1%BB", "vi"), ("%C0%AF", "vi"), ("%ED%A0%80", "en")] {
            let r = raw_form(&t, "/children", &s, lang, child(bad)).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad} on {}: {}", t.backend, r.body);
            assert!(r.body.contains(&format!("<html lang=\"{lang}\">")), "a page in the reader's language");
            let lang = treem_web::i18n::Lang::parse(lang).unwrap();
            assert!(r.body.contains(treem_web::i18n::translate(lang, "error.not_utf8")), "{}", r.body);
        }
        // A name of the key is checked as well as the values.
        let r = raw_form(&t, "/children", &s, "vi", format!("{}&%FF=1", child("Mai"))).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM child").await, 0, "nothing stored");
        // The same form in good UTF-8 (Vietnamese, percent-encoded) is stored.
        let r = raw_form(&t, "/children", &s, "vi", child("L%C3%AA+Th%E1%BB%8B+Mai")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM child").await, 1);
        let id = r.headers.get("location").unwrap().to_str().unwrap().trim_start_matches("/children/").to_owned();
        // Other forms refuse the same way: a caregiver, an access token, an incident.
        let r =
            raw_form(&t, &format!("/children/{id}/caregivers"), &s, "vi", format!("csrf={csrf}&name=%FF%FEabc&relation=mother&phone=0901"))
                .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM child_caregiver").await, 0);
        let r = raw_form(&t, "/account/tokens", &s, "vi", format!("csrf={csrf}&name=%FF%FEabc")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM api_token").await, 0);
        let r =
            raw_form(&t, "/incidents", &s, "vi", format!("csrf={csrf}&kind=abuse&occurred_on=2026-01-01&unit_id={unit}&notes=%FF%FEabc"))
                .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM incident").await, 0);
        // Not a form at all: 415, a page too.
        let req = axum::http::Request::post("/children")
            .header("content-type", "text/plain")
            .header("cookie", format!("treem_session={s}"))
            .body(axum::body::Body::from(child("Mai")))
            .unwrap();
        let r = t.send(req).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert!(r.body.contains("<html lang=\"vi\">"));
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM child").await, 1);
    }
}

#[tokio::test]
async fn a_query_string_that_does_not_fit_is_refused_with_a_page() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let s = t.session("lan.xa").await;
        for (uri, lang) in [("/children?after=abc&lang=en", "en"), ("/children?q=a&q=b", "vi"), ("/cases?after=1.5&lang=en", "en")] {
            let r = t.page(uri, &s).await;
            assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri} on {}: {}", t.backend, r.body);
            assert!(r.body.contains(&format!("<html lang=\"{lang}\">")), "{uri}: a page in the reader's language: {}", r.body);
            let lang = treem_web::i18n::Lang::parse(lang).unwrap();
            assert!(r.body.contains(treem_web::i18n::translate(lang, "error.invalid")), "{}", r.body);
        }
        assert_eq!(t.page("/children?after=3", &s).await.status, StatusCode::OK);
    }
}

#[test]
fn the_api_shares_helpers_with_the_pages_only_through_neutral_modules() {
    let dir = std::path::PathBuf::from(format!("{}/../treem_web/src/api", env!("CARGO_MANIFEST_DIR")));
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            assert!(!line.contains("crate::ui"), "{}:{}: share it through params.rs or export.rs: {line}", path.display(), n + 1);
        }
    }
}

#[test]
fn every_page_form_is_read_through_ui_form() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(std::path::Path::new(&format!("{}/../treem_web/src/ui", env!("CARGO_MANIFEST_DIR"))), &mut files);
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let bare = line.replace("UiForm", "").replace("CsrfForm", "");
            let bare_query = line.replace("UiQuery", "");
            assert!(
                !(bare_query.contains("Query(") || bare_query.contains("Query<")),
                "{}:{}: read query strings with UiQuery (its refusal is a page): {line}",
                path.display(),
                n + 1
            );
            let uses_axum_form = bare.contains("Form(") && bare.contains(": ") && bare.contains("Form<")
                || bare.contains("axum::Form")
                || bare.contains("RawForm")
                || bare.contains("use axum::Form");
            assert!(
                !uses_axum_form,
                "{}:{}: read forms with UiForm or CsrfForm (invalid UTF-8 is refused there): {line}",
                path.display(),
                n + 1
            );
        }
    }
}

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

//! The auditor's page reads for a Vietnamese auditor: actions, records and outcomes in
//! words, times in Vietnam's time, filters by person and action that narrow the list.

use axum::http::StatusCode;
use std::sync::Arc;
use treem_app::auth::AuthSettings;
use treem_domain::clock::FixedClock;

use crate::harness::apps_on;

/// The table's rows: each a list of cell texts.
fn rows(html: &str) -> Vec<Vec<String>> {
    let body = html.split("<tbody>").nth(1).and_then(|b| b.split("</tbody>").next()).unwrap_or_default();
    body.split("<tr")
        .skip(1)
        .map(|tr| tr.split("<td>").skip(1).map(|td| td.split("</td>").next().unwrap_or_default().to_owned()).collect())
        .collect()
}

#[tokio::test]
async fn the_audit_page_names_actions_in_words_in_vietnams_time_and_filters_by_person_and_action() {
    // 17:30:05 UTC on 3 December is 00:30:05 on 4 December in Vietnam.
    let start = time::macros::datetime!(2026-12-03 17:30:05.25 UTC);
    let clock = Arc::new(FixedClock::at(start));
    let settings = AuthSettings { require_mfa: false, ..AuthSettings::default() };
    for t in apps_on(settings, clock.clone()).await {
        let b = t.backend;
        clock.set(start);
        let worker = t.account("lan.xa", "commune_worker", "29884", None).await;
        let auditor = t.account("kiemtra", "auditor", "82", None).await;
        let s = t.session("lan.xa").await;
        // A read of a record that is not there (or not in scope): one denied entry.
        assert_eq!(t.page("/children/987654321", &s).await.status, StatusCode::NOT_FOUND, "{b}");
        clock.advance(time::Duration::hours(2));
        let a = t.session("kiemtra").await;

        let page = t.page("/audit", &a).await;
        assert_eq!(page.status, StatusCode::OK, "{b}: {}", page.body);
        let all = rows(&page.body);
        let denied: Vec<&Vec<String>> = all.iter().filter(|r| r.get(3).map(String::as_str) == Some("Xem thông tin trẻ em")).collect();
        assert_eq!(denied.len(), 1, "{b}: {all:?}");
        let d = denied[0];
        assert_eq!(d[0], "04/12/2026 00:30:05", "{b}: Vietnam's time, dd/mm/yyyy hh:mm:ss");
        assert_eq!(d[1], "Cán bộ lan.xa (lan.xa)", "{b}: the person by name");
        assert_eq!(d[4], "Trẻ em 987654321", "{b}");
        assert_eq!(d[6], "Bị từ chối", "{b}");
        assert!(all.iter().any(|r| r[3] == "Đăng nhập" && r[0] == "04/12/2026 02:30:05" && r[6] == "Thành công"), "{b}: {all:?}");
        assert!(all.iter().any(|r| r[3] == "Tạo tài khoản"), "{b}: {all:?}");
        // No stored code in the table.
        for r in &all {
            assert!(!r[0].contains(['T', 'Z', '-']), "{b}: a stored timestamp: {r:?}");
            assert!(!r[3].contains(['.', '_']), "{b}: an action code: {r:?}");
            assert!(!r[4].contains('_') && !r[5].contains('_'), "{b}: a record or field code: {r:?}");
            assert!(!["ok", "denied", "failed"].contains(&r[6].as_str()), "{b}: an outcome code: {r:?}");
        }
        // The filters: people by name and actions in words, as selects.
        assert!(page.body.contains(&format!("<option value=\"{worker}\">Cán bộ lan.xa (lan.xa)</option>")), "{b}");
        assert!(page.body.contains("<option value=\"child.read\">Xem thông tin trẻ em</option>"), "{b}");
        assert!(page.body.contains("<option value=\"case.verify\">Trường hợp: Kiểm tra, xác minh</option>"), "{b}");
        assert!(page.body.contains("<option value=\"child\">Trẻ em</option>"), "{b}");

        // By person and action: the one denied read, and the filter keeps its values.
        let narrowed = t.page(&format!("/audit?actor_id={worker}&action=child.read"), &a).await;
        assert_eq!(narrowed.status, StatusCode::OK, "{b}");
        let got = rows(&narrowed.body);
        assert_eq!(got.len(), 1, "{b}: {got:?}");
        assert_eq!(got[0][3], "Xem thông tin trẻ em");
        assert!(narrowed.body.contains(&format!("<option value=\"{worker}\" selected>")), "{b}: the person stays chosen");
        assert!(narrowed.body.contains("<option value=\"child.read\" selected>"), "{b}: the action stays chosen");
        // By person alone: the worker's sign-in and read, not the auditor's sign-in.
        let theirs = rows(&t.page(&format!("/audit?actor_id={worker}"), &a).await.body);
        assert_eq!(theirs.len(), 2, "{b}: {theirs:?}");
        assert!(theirs.iter().all(|r| r[1] == "Cán bộ lan.xa (lan.xa)"), "{b}: {theirs:?}");
        // The action is matched whole, and another person's filter finds nothing.
        let none = t.page(&format!("/audit?actor_id={auditor}&action=child.read"), &a).await;
        assert!(rows(&none.body).is_empty() && none.body.contains("id=\"audit-none\""), "{b}");
        let records = rows(&t.page("/audit?record_type=account", &a).await.body);
        assert!(!records.is_empty() && records.iter().all(|r| r[4].starts_with("Tài khoản")), "{b}: {records:?}");

        // The English page: English words, the same Vietnam time.
        let en = t.page("/audit?lang=en", &a).await;
        let en_rows = rows(&en.body);
        let d = en_rows.iter().find(|r| r[3] == "Child viewed").unwrap_or_else(|| panic!("{b}: {en_rows:?}"));
        assert_eq!((d[0].as_str(), d[6].as_str()), ("4 Dec 2026 00:30:05 (UTC+7)", "Denied"), "{b}");
    }
}

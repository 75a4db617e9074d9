//! Session lifetime enforced on the server (docs/ASVS.md, V7.3), and a password change
//! that needs the current password (V6.2.3).

use axum::http::StatusCode;
use treem_app::auth::AuthSettings;

use std::sync::Arc;
use treem_domain::clock::FixedClock;

use crate::harness::{apps, apps_on, csrf_of, PASSWORD};

fn with(idle: time::Duration, absolute: time::Duration) -> AuthSettings {
    AuthSettings { idle_timeout: idle, absolute_timeout: absolute, require_mfa: false }
}

/// A clock that stands still until the test moves it, on a day in the future of the real
/// one (a session's times are compared with nothing but this clock).
fn standing_clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::at(time::macros::datetime!(2027-11-15 01:00 UTC)))
}

#[tokio::test]
async fn a_session_idle_longer_than_the_idle_timeout_is_ended() {
    let clock = standing_clock();
    for t in apps_on(with(time::Duration::minutes(15), time::Duration::hours(8)), clock.clone()).await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let s = t.session("lan.xa").await;
        assert_eq!(t.page("/children", &s).await.status, StatusCode::OK);
        clock.advance(time::Duration::minutes(14));
        assert_eq!(t.page("/children", &s).await.status, StatusCode::OK, "14 idle minutes are within the limit");
        clock.advance(time::Duration::minutes(15) + time::Duration::seconds(1));
        let r = t.page("/children", &s).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", t.backend);
        assert!(r.headers.get("location").unwrap().to_str().unwrap().starts_with("/login"));
        // Ended for good: the cookie does not come back to life.
        assert_eq!(t.page("/children", &s).await.status, StatusCode::SEE_OTHER);
        assert_eq!(t.api("GET", "/api/v1/me", &s, None).await.status, StatusCode::UNAUTHORIZED);
        // The store wrote the session's sign-in on the same clock: the audit entry says so.
        let stamped = t.raw_count("SELECT COUNT(*) FROM audit_log WHERE action = 'session.sign_in' AND at >= '2027-11-15'").await;
        assert!(stamped >= 1, "{}: the sign-in is stamped with the clock's time", t.backend);
    }
}

#[tokio::test]
async fn a_session_older_than_the_absolute_timeout_is_ended_however_busy() {
    let clock = standing_clock();
    for t in apps_on(with(time::Duration::hours(1), time::Duration::hours(8)), clock.clone()).await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let s = t.session("lan.xa").await;
        // Busy all along: a request every 50 minutes for 7 h 30 min.
        for _ in 0..9 {
            assert_eq!(t.page("/children", &s).await.status, StatusCode::OK);
            clock.advance(time::Duration::minutes(50));
        }
        assert_eq!(t.page("/children", &s).await.status, StatusCode::OK, "7 h 30 min: still within 8 hours");
        clock.advance(time::Duration::minutes(31));
        assert_eq!(t.page("/children", &s).await.status, StatusCode::SEE_OTHER, "{}", t.backend);
    }
}

#[tokio::test]
async fn changing_a_password_needs_the_current_one() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let s = t.session("lan.xa").await;
        let csrf = csrf_of(&t.page("/account", &s).await.body);
        let new = "một mật khẩu mới dài";
        let r = t
            .post_form("/account/password", Some(&s), &[("csrf", &csrf), ("old_password", "not the password"), ("new_password", new)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("old_password"), "names the field");
        assert_eq!(t.page("/account", &s).await.status, StatusCode::OK, "nothing ended");
        assert_eq!(t.sign_in("lan.xa", new).await.status, StatusCode::UNAUTHORIZED, "the new password was not set");
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert_eq!(t.sign_in("lan.xa", PASSWORD).await.status, StatusCode::SEE_OTHER);
    }
}

/// After signing in without asking for a page, a worker lands on their own tasks; a reader
/// of figures lands on the home page; a page asked for is still where one lands.
#[tokio::test]
async fn a_worker_lands_on_their_work_after_signing_in() {
    for t in crate::harness::apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        t.account("kiemtra", "auditor", "82", None).await;
        let location = |r: &crate::harness::Reply| r.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let r = t.sign_in("lan.xa", crate::harness::PASSWORD).await;
        assert_eq!(location(&r), "/tasks?mine=1");
        let session = crate::harness::session_token(&r).unwrap();
        let page = t.page("/tasks?mine=1", &session).await;
        assert!(page.body.contains("id=\"tasks-heading\">Việc của tôi"), "{}", page.body);
        assert_eq!(location(&t.sign_in("kiemtra", crate::harness::PASSWORD).await), "/");
        let r = t.post_form("/login", None, &[("username", "lan.xa"), ("password", crate::harness::PASSWORD), ("next", "/children")]).await;
        assert_eq!(location(&r), "/children");
    }
}

/// An attribute's value as askama escaped it, read back.
fn unescape(s: &str) -> String {
    [("&quot;", "\""), ("&#34;", "\""), ("&#x27;", "'"), ("&#39;", "'"), ("&lt;", "<"), ("&#60;", "<"), ("&gt;", ">"), ("&#62;", ">")]
        .iter()
        .fold(s.to_owned(), |s, (from, to)| s.replace(from, to))
        .replace("&#38;", "&")
        .replace("&amp;", "&")
}

/// The value of the input named `name` (shown or hidden).
fn hidden_or_value(html: &str, name: &str) -> Option<String> {
    html.split(&format!("name=\"{name}\" value=\"")).nth(1).and_then(|s| s.split('"').next()).map(unescape)
}

/// The value of the hidden field `name` of a page.
fn hidden(html: &str, name: &str) -> Option<String> {
    html.split(&format!("name=\"{name}\" value=\"")).nth(1).and_then(|s| s.split('"').next()).map(unescape)
}

#[tokio::test]
async fn a_form_posted_after_the_session_expired_is_kept_through_signing_in_again() {
    let clock = standing_clock();
    for t in apps_on(with(time::Duration::minutes(15), time::Duration::hours(8)), clock.clone()).await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let s = t.session("lan.xa").await;
        let csrf = csrf_of(&t.page("/children/new", &s).await.body);
        let unit = t.unit_id("29884", time::macros::date!(2026 - 01 - 01)).to_string();
        // Typing took longer than the idle timeout.
        clock.advance(time::Duration::minutes(16));
        let typed = [
            ("full_name", "Lê Thị \"Mai\" & <Hoa>"),
            ("sex", "female"),
            ("birth_date", "2015-01-01"),
            ("registered_on", "2026-01-01"),
            ("residence_unit_id", unit.as_str()),
        ];
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(typed);
        let r = t.post_form("/children", Some(&s), &form).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}: {}", t.backend, r.body);
        assert!(r.body.contains("id=\"session-expired\"") && r.body.contains("id=\"draft-kept\""), "{}", r.body);
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM child").await, 0, "nothing saved without a session");
        let action = hidden(&r.body, "draft_action").unwrap();
        let draft = hidden(&r.body, "draft").unwrap();
        assert_eq!(action, "/children");
        assert!(!draft.contains("csrf"), "the old token is not carried: {draft}");
        // Without a cookie at all (never signed in), the draft is kept too, and not called expired.
        let fresh = t.post_form("/children", None, &form).await;
        assert_eq!(fresh.status, StatusCode::UNAUTHORIZED);
        assert!(!fresh.body.contains("id=\"session-expired\"") && fresh.body.contains("id=\"draft-kept\""), "{}", fresh.body);
        // A wrong password keeps the draft on the sign-in page.
        let login = |password: &'static str| {
            vec![
                ("username", "lan.xa"),
                ("password", password),
                ("next", "/"),
                ("draft_action", action.as_str()),
                ("draft", draft.as_str()),
            ]
        };
        let wrong = t.post_form("/login", None, &login("not the password")).await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(hidden(&wrong.body, "draft").as_deref(), Some(draft.as_str()));
        clock.advance(time::Duration::seconds(2)); // past the second's lock a failure earns
                                                   // Signed in again: the typed text, editable, with a fresh token, going where it was going.
        let back = t.post_form("/login", None, &login(PASSWORD)).await;
        assert_eq!(back.status, StatusCode::OK, "{}", back.body);
        let s2 = crate::harness::session_token(&back).unwrap();
        assert!(back.body.contains("id=\"draft-form\" method=\"post\" action=\"/children\""), "{}", back.body);
        assert!(back.body.contains("Họ và tên") || back.body.contains("Họ tên"), "the field's label: {}", back.body);
        let fresh_csrf = csrf_of(&back.body);
        assert_ne!(fresh_csrf, csrf);
        assert_eq!(hidden(&back.body, "residence_unit_id").as_deref(), Some(unit.as_str()), "a field not typed travels hidden");
        assert_eq!(hidden_or_value(&back.body, "full_name").as_deref(), Some("Lê Thị \"Mai\" & <Hoa>"), "{}", back.body);
        // Sent again: saved.
        let mut again = vec![("csrf", fresh_csrf.as_str())];
        again.extend(typed);
        let saved = t.post_form("/children", Some(&s2), &again).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM child").await, 1);
        // A draft can only go to a page of this site.
        let evil = t
            .post_form(
                "/login",
                None,
                &[("username", "lan.xa"), ("password", PASSWORD), ("next", "/"), ("draft_action", "//evil.example/x"), ("draft", "a=1")],
            )
            .await;
        assert_eq!(evil.status, StatusCode::SEE_OTHER, "no draft: the usual landing");
    }
}

//! Session lifetime enforced on the server (docs/ASVS.md, V7.3), and a password change
//! that needs the current password (V6.2.3).

use axum::http::StatusCode;
use treem_app::auth::AuthSettings;

use crate::harness::{apps, apps_with, csrf_of, PASSWORD};

fn with(idle: time::Duration, absolute: time::Duration) -> AuthSettings {
    AuthSettings { idle_timeout: idle, absolute_timeout: absolute, require_mfa: false }
}

#[tokio::test]
async fn a_session_idle_longer_than_the_idle_timeout_is_ended() {
    for t in apps_with(with(time::Duration::seconds(1), time::Duration::hours(8))).await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let s = t.session("lan.xa").await;
        assert_eq!(t.page("/children", &s).await.status, StatusCode::OK);
        tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
        let r = t.page("/children", &s).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", t.backend);
        assert!(r.headers.get("location").unwrap().to_str().unwrap().starts_with("/login"));
        // Ended for good: the cookie does not come back to life.
        assert_eq!(t.page("/children", &s).await.status, StatusCode::SEE_OTHER);
        assert_eq!(t.api("GET", "/api/v1/me", &s, None).await.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn a_session_older_than_the_absolute_timeout_is_ended_however_busy() {
    for t in apps_with(with(time::Duration::hours(1), time::Duration::seconds(2))).await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let s = t.session("lan.xa").await;
        // Busy all along: a request every 400 ms.
        for _ in 0..4 {
            assert_eq!(t.page("/children", &s).await.status, StatusCode::OK);
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
        }
        tokio::time::sleep(std::time::Duration::from_millis(700)).await;
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

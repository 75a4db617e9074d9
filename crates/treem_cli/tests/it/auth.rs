//! Sign-in, sessions, CSRF, throttling, tokens, the second factor, field
//! masking and the audit chain, on every backend.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use time::macros::date;
use treem_app::audit::ChainCheck;
use treem_app::auth::AuthSettings;
use treem_domain::totp;

use crate::harness::{apps, apps_with, csrf_of, session_token, TestApp, PASSWORD};

async fn worker(t: &TestApp) -> String {
    t.account("lan.xa", "commune_worker", "29884", None).await;
    t.session("lan.xa").await
}

#[tokio::test]
async fn sign_in_issues_a_new_session_and_old_cookies_die() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        // A planted cookie is never adopted: sign-in issues a different token.
        let planted = "a".repeat(64);
        let r = t.post_form("/login", Some(&planted), &[("username", "lan.xa"), ("password", PASSWORD), ("next", "/children")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.headers.get("location").unwrap(), "/children");
        let cookie = r.headers.get("set-cookie").unwrap().to_str().unwrap().to_owned();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        let s1 = session_token(&r).unwrap();
        assert_ne!(s1, planted);
        assert_eq!(t.page("/children", &planted).await.status, StatusCode::SEE_OTHER, "the planted cookie is not a session");
        assert_eq!(t.page("/children", &s1).await.status, StatusCode::OK);
        // Signing in again from the same browser rotates: the old session ends.
        let r = t.post_form("/login", Some(&s1), &[("username", "lan.xa"), ("password", PASSWORD), ("next", "/")]).await;
        let s2 = session_token(&r).unwrap();
        assert_ne!(s1, s2);
        assert_eq!(t.page("/children", &s1).await.status, StatusCode::SEE_OTHER);
        // Sign-out ends the session; replaying the cookie is refused.
        let csrf = csrf_of(&t.page("/account", &s2).await.body);
        assert_eq!(t.post_form("/logout", Some(&s2), &[("csrf", &csrf)]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(t.page("/account", &s2).await.status, StatusCode::SEE_OTHER);
        // A password change ends every session, this one included.
        let s3 = t.session("lan.xa").await;
        let s4 = t.session("lan.xa").await;
        let csrf = csrf_of(&t.page("/account", &s4).await.body);
        let r = t
            .post_form(
                "/account/password",
                Some(&s4),
                &[("csrf", &csrf), ("old_password", PASSWORD), ("new_password", "một mật khẩu mới dài")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(t.page("/account", &s3).await.status, StatusCode::SEE_OTHER);
        assert_eq!(t.page("/account", &s4).await.status, StatusCode::SEE_OTHER);
        assert_eq!(t.sign_in("lan.xa", "một mật khẩu mới dài").await.status, StatusCode::SEE_OTHER);
        // Disabling the account kills its sessions on the very next request.
        t.account("admin.t", "system_admin", "", None).await;
        let live = session_token(&t.sign_in("lan.xa", "một mật khẩu mới dài").await).unwrap();
        let _ = t.sign_in("lan.xa", "x").await; // wrong: locks the name for about a second
        let admin = t.session("admin.t").await;
        let csrf = csrf_of(&t.page("/admin/accounts", &admin).await.body);
        let id = t.app.accounts.by_username(treem_app::accounts::Operator::Cli, "lan.xa").await.unwrap().id;
        let r = t.post_form(&format!("/admin/accounts/{id}/disable"), Some(&admin), &[("csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(t.page("/children", &live).await.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn forms_need_their_csrf_token_and_cross_site_posts_are_refused() {
    for t in apps().await {
        let s = worker(&t).await;
        let unit = t.unit_id("29884", date!(2026 - 01 - 01)).to_string();
        let form = |csrf: &'static str| {
            vec![
                ("csrf", csrf),
                ("full_name", "Lê Thị Mai"),
                ("sex", "female"),
                ("birth_date", "2015-01-01"),
                ("registered_on", "2026-01-01"),
            ]
        };
        let mut missing = form("");
        missing.push(("residence_unit_id", &unit));
        assert_eq!(t.post_form("/children", Some(&s), &missing).await.status, StatusCode::FORBIDDEN);
        let mut wrong = form("0000");
        wrong.push(("residence_unit_id", &unit));
        assert_eq!(t.post_form("/children", Some(&s), &wrong).await.status, StatusCode::FORBIDDEN);
        // The refusal is the forbidden page in the reader's language; the incident form (read
        // as pairs) is checked the same way.
        let refused = t.post_form("/children?lang=en", Some(&s), &wrong).await;
        assert!(refused.body.contains("<html lang=\"en\">") && refused.body.contains("Your role does not allow this."), "{}", refused.body);
        let incident = t.post_form("/incidents", Some(&s), &[("csrf", "0000"), ("kind", "abuse")]).await;
        assert_eq!(incident.status, StatusCode::FORBIDDEN);
        assert!(incident.body.contains("<html lang=\"vi\">"), "{}", incident.body);
        // The right token from the same session's page works.
        let csrf = csrf_of(&t.page("/children/new", &s).await.body);
        let good: Vec<(&str, &str)> = vec![
            ("csrf", &csrf),
            ("full_name", "Lê Thị Mai"),
            ("sex", "female"),
            ("birth_date", "2015-01-01"),
            ("registered_on", "2026-01-01"),
            ("residence_unit_id", &unit),
        ];
        assert_eq!(t.post_form("/children", Some(&s), &good).await.status, StatusCode::SEE_OTHER);
        // A cross-site form post is refused before any handler runs.
        let req = Request::post("/children")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("treem_session={s}"))
            .header("origin", "http://evil.example")
            .header(header::HOST, "treem.local")
            .body(Body::from(format!("csrf={csrf}&full_name=X&sex=male&birth_date=2015-01-01&residence_unit_id={unit}")))
            .unwrap();
        let r = t.send(req).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["error"]["code"], "CROSS_SITE");
        let req = Request::post("/login").header("sec-fetch-site", "cross-site").body(Body::from("username=a&password=b")).unwrap();
        assert_eq!(t.send(req).await.status, StatusCode::FORBIDDEN);
        // The API with a cookie session needs X-CSRF-Token on writes.
        let req = Request::post("/api/v1/children")
            .header(header::COOKIE, format!("treem_session={s}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .unwrap();
        let r = t.send(req).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(r.json()["error"]["code"], "CSRF_FAILED");
        // Only one child was created.
        let token = t.token("lan.xa").await;
        assert_eq!(t.api("GET", "/api/v1/children", &token, None).await.json()["children"].as_array().unwrap().len(), 1);
    }
}

#[tokio::test]
async fn failed_sign_ins_slow_down_and_never_tell_which_part_was_wrong() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let unknown = t.sign_in("nobody.here", PASSWORD).await;
        let wrong = t.sign_in("lan.xa", "not the password").await;
        assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        let message =
            |r: &crate::harness::Reply| r.body.split("id=\"form-error\"").nth(1).unwrap().split("</p>").next().unwrap().to_owned();
        assert_eq!(message(&unknown), message(&wrong), "the same answer for an unknown user and a wrong password");
        // The first failure locks the name for about a second, even for the right password …
        let locked = t.sign_in("lan.xa", PASSWORD).await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
        // … and the lock expires by itself: no permanent lockout.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert_eq!(t.sign_in("lan.xa", PASSWORD).await.status, StatusCode::SEE_OTHER);
        // Spraying one password over many names from one address stops after ten failures a minute.
        let mut statuses = Vec::new();
        for i in 0..12 {
            statuses.push(t.sign_in(&format!("guess{i}"), "Password1").await.status);
        }
        assert!(statuses[..8].iter().all(|s| *s == StatusCode::UNAUTHORIZED), "{statuses:?}");
        assert_eq!(statuses[11], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");
        // Overlong or malformed credentials get the same non-revealing answer.
        let long = "x".repeat(5000);
        assert!(matches!(t.sign_in(&long, &long).await.status, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS));
        // Every attempt is in the audit log, without the password.
        let chain = t.app.audit.verify().await.unwrap();
        assert!(matches!(chain, ChainCheck::Intact { .. }));
        let admin_view = t.app.audit.list(&t.app.auth.actor_for("lan.xa", "t").await.unwrap(), Default::default(), None).await;
        assert!(admin_view.is_err(), "a commune worker may not read the audit log");
    }
}

#[tokio::test]
async fn tokens_work_until_revoked_or_the_account_is_disabled() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let token = t.token("lan.xa").await;
        assert!(token.starts_with("treem_"));
        assert_eq!(t.api("GET", "/api/v1/me", &token, None).await.json()["username"], "lan.xa");
        let list = t.api("GET", "/api/v1/tokens", &token, None).await.json();
        let id = list[0]["id"].as_i64().unwrap();
        assert!(!list.to_string().contains(&token[6..]), "the token itself is never shown again");
        assert_eq!(t.api("DELETE", &format!("/api/v1/tokens/{id}"), &token, None).await.status, StatusCode::NO_CONTENT);
        let r = t.api("GET", "/api/v1/me", &token, None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json()["error"]["code"], "UNAUTHENTICATED");
        // Forged and malformed tokens.
        for bad in ["treem_".to_owned() + &"0".repeat(64), "nonsense".into(), "treem_x".into()] {
            assert_eq!(t.api("GET", "/api/v1/me", &bad, None).await.status, StatusCode::UNAUTHORIZED);
        }
        let second = t.token("lan.xa").await;
        let id = t.app.accounts.by_username(treem_app::accounts::Operator::Cli, "lan.xa").await.unwrap().id;
        t.app.accounts.set_disabled(treem_app::accounts::Operator::Cli, id.0, true).await.unwrap();
        assert_eq!(t.api("GET", "/api/v1/me", &second, None).await.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn the_second_factor_is_enrolled_then_required() {
    for t in apps_with(AuthSettings::default()).await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        t.account("sogd", "agency_reporter", "82", None).await;
        // Policy: a role that sees case data must enrol before anything else.
        let r = t.sign_in("lan.xa", PASSWORD).await;
        assert_eq!(r.headers.get("location").unwrap(), "/account/totp");
        let s = session_token(&r).unwrap();
        assert_eq!(t.page("/children", &s).await.headers.get("location").unwrap(), "/account/totp");
        assert_eq!(t.api("GET", "/api/v1/me", &s, None).await.status, StatusCode::UNAUTHORIZED);
        // An agency reporter sees no case data: no factor forced.
        assert_eq!(t.sign_in("sogd", PASSWORD).await.headers.get("location").unwrap(), "/");
        let csrf = csrf_of(&t.page("/account/totp", &s).await.body);
        let page = t.post_form("/account/totp/start", Some(&s), &[("csrf", &csrf)]).await;
        let secret = page.body.split("id=\"totp-secret\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
        let key = totp::base32_decode(&secret).unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let bad = t.post_form("/account/totp/confirm", Some(&s), &[("csrf", &csrf), ("code", "000000")]).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let code = format!("{:06}", totp::code_at_step(&key, now / 30).unwrap());
        let ok = t.post_form("/account/totp/confirm", Some(&s), &[("csrf", &csrf), ("code", &code)]).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let renewed = session_token(&ok).unwrap();
        assert_ne!(renewed, s, "enrolment rotates the session");
        assert_eq!(t.page("/children", &renewed).await.status, StatusCode::OK);
        assert_eq!(t.page("/children", &s).await.status, StatusCode::SEE_OTHER, "the pre-enrolment session ended");
        // Next sign-in asks the code; the used one does not work twice.
        let r = t.sign_in("lan.xa", PASSWORD).await;
        assert_eq!(r.headers.get("location").unwrap(), "/login/code");
        let s = session_token(&r).unwrap();
        assert_eq!(t.page("/children", &s).await.headers.get("location").unwrap(), "/login/code");
        // Enrolling a new factor from a half-signed-in session is not a way around the code.
        assert_eq!(t.page("/account/totp", &s).await.headers.get("location").unwrap(), "/login/code");
        let csrf = csrf_of(&t.page("/login/code", &s).await.body);
        assert_eq!(
            t.post_form("/login/code", Some(&s), &[("csrf", &csrf), ("code", &code)]).await.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "replay refused"
        );
        let next = format!("{:06}", totp::code_at_step(&key, now / 30 + 1).unwrap());
        assert_eq!(t.post_form("/login/code", Some(&s), &[("csrf", &csrf), ("code", &next)]).await.status, StatusCode::SEE_OTHER);
        assert_eq!(t.page("/children", &s).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn sensitive_fields_follow_the_role_and_every_read_is_audited_once() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        t.account("mai.ap", "hamlet_collaborator", "29884-01", None).await;
        t.account("phuc.ca", "police_liaison", "82", None).await;
        let worker = t.token("lan.xa").await;
        let hamlet = t.unit_id("29884-01", date!(2026 - 01 - 01));
        let body = serde_json::json!({"full_name": "Nguyễn <img src=x onerror=alert(1)>", "sex": "male", "birth_date": "2013-03-03", "residence_unit_id": hamlet,
            "hiv_status": "positive", "abuse_notes": "chi tiết", "offence_notes": "vi phạm"});
        let id = t.api("POST", "/api/v1/children", &worker, Some(body.to_string())).await.json()["id"].as_i64().unwrap();
        let reads_before = t.app.audit.list(&t.app.auth.actor_for("lan.xa", "t").await.unwrap(), Default::default(), None).await.is_err();
        assert!(reads_before, "workers do not read the audit log");
        let count_reads = || async { t.store_audit_actions("child.read").await };
        let before = count_reads().await;
        let w = t.api("GET", &format!("/api/v1/children/{id}"), &worker, None).await.json();
        assert_eq!(w["hiv_status"], serde_json::json!({"visible": true, "value": "positive"}));
        assert_eq!(count_reads().await, before + 1, "exactly one audit row per read");
        let h = t.api("GET", &format!("/api/v1/children/{id}"), &t.token("mai.ap").await, None).await.json();
        assert_eq!(h["hiv_status"], serde_json::json!({"visible": false, "value": null}));
        assert_eq!(h["abuse_notes"]["visible"], false);
        let p = t.api("GET", &format!("/api/v1/children/{id}"), &t.token("phuc.ca").await, None).await.json();
        assert_eq!(p["hiv_status"]["visible"], false, "police do not see HIV status");
        assert_eq!(p["offence_notes"]["value"], "vi phạm");
        // Lists never carry a sensitive field, for anyone.
        let list = t.api("GET", "/api/v1/children", &worker, None).await.body;
        assert!(!list.contains("hiv") && !list.contains("positive") && !list.contains("chi tiết"), "{list}");
        // A hamlet collaborator cannot set a field it may not see.
        let sneaky = serde_json::json!({"full_name": "A B", "sex": "male", "birth_date": "2013-03-03", "residence_unit_id": hamlet, "hiv_status": "negative"});
        let r = t.api("POST", "/api/v1/children", &t.token("mai.ap").await, Some(sneaky.to_string())).await;
        assert_eq!(r.json()["error"]["field"], "hiv_status");
        // Mass assignment: fields outside the contract are refused.
        let extra = serde_json::json!({"full_name": "A B", "sex": "male", "birth_date": "2013-03-03", "residence_unit_id": hamlet, "created_by_id": 1});
        assert_eq!(t.api("POST", "/api/v1/children", &worker, Some(extra.to_string())).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Markup in a name is escaped on the page.
        let s = t.session("lan.xa").await;
        let page = t.page(&format!("/children/{id}"), &s).await.body;
        assert!(!page.contains("<img src=x") && page.contains("Nguyễn &#60;img") || page.contains("Nguyễn &lt;img"), "escaped");
    }
}

#[tokio::test]
async fn concurrent_edits_are_refused_as_conflicts() {
    for t in apps().await {
        let token = {
            t.account("lan.xa", "commune_worker", "29884", None).await;
            t.token("lan.xa").await
        };
        let unit = t.unit_id("29884", date!(2026 - 01 - 01));
        let body = |name: &str, version: Option<i64>| {
            serde_json::json!({"full_name": name, "sex": "male", "birth_date": "2013-03-03", "residence_unit_id": unit, "version": version})
                .to_string()
        };
        let id = t.api("POST", "/api/v1/children", &token, Some(body("Trần An", None))).await.json()["id"].as_i64().unwrap();
        assert_eq!(
            t.api("PUT", &format!("/api/v1/children/{id}"), &token, Some(body("Trần An Bình", Some(1)))).await.status,
            StatusCode::NO_CONTENT
        );
        let stale = t.api("PUT", &format!("/api/v1/children/{id}"), &token, Some(body("Trần Văn An", Some(1)))).await;
        assert_eq!(stale.status, StatusCode::CONFLICT);
        assert_eq!(stale.json()["error"]["code"], "EDIT_CONFLICT");
        assert_eq!(
            t.api("GET", &format!("/api/v1/children/{id}"), &token, None).await.json()["full_name"],
            "Trần An Bình",
            "nothing overwritten"
        );
    }
}

#[tokio::test]
async fn account_scope_must_name_a_valid_unit_of_the_right_level() {
    for t in apps().await {
        t.account("admin.t", "system_admin", "", None).await;
        let admin = t.token("admin.t").await;
        let new = |role: &str, scope: &str, date: Option<&str>| {
            serde_json::json!({"username": "new.user", "display_name": "Người Mới", "role": role, "scope_unit_code": scope, "scope_date": date, "password": "mật khẩu đủ dài"}).to_string()
        };
        for (role, scope, date, field) in [
            ("commune_worker", "99999", None, "scope_unit"),
            ("district_officer", "866", None, "scope_unit"), // abolished on 2025-07-01
            ("commune_worker", "82", None, "scope_unit"),    // a province, not a commune
            ("king", "82", None, "role"),
        ] {
            let r = t.api("POST", "/api/v1/accounts", &admin, Some(new(role, scope, date))).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{role} {scope}");
            assert_eq!(r.json()["error"]["field"], field);
        }
        let ok = t.api("POST", "/api/v1/accounts", &admin, Some(new("district_officer", "866", Some("2025-06-30")))).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
        // Only administrators manage accounts.
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let worker = t.token("lan.xa").await;
        assert_eq!(t.api("POST", "/api/v1/accounts", &worker, Some(new("auditor", "82", None))).await.status, StatusCode::FORBIDDEN);
        assert_eq!(t.api("GET", "/api/v1/accounts", &worker, None).await.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn tampering_with_the_audit_log_is_detected() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let _ = t.token("lan.xa").await;
        let entries = match t.app.audit.verify().await.unwrap() {
            ChainCheck::Intact { entries } => entries,
            broken => panic!("{broken:?}"),
        };
        assert!(entries >= 3);
        // The log refuses updates and deletes outright …
        assert!(t.raw_sql("UPDATE audit_log SET action = 'x' WHERE id = 2").await.is_err());
        assert!(t.raw_sql("DELETE FROM audit_log WHERE id = 2").await.is_err());
        // … and if someone with database access disables that guard, verification names the entry.
        t.disable_audit_guard().await;
        t.raw_sql("UPDATE audit_log SET actor_label = 'someone else' WHERE id = 2").await.unwrap();
        match t.app.audit.verify().await.unwrap() {
            ChainCheck::Broken { first_bad_id, .. } => assert_eq!(first_bad_id, 2),
            intact => panic!("tampering not detected on {}: {intact:?}", t.backend),
        }
    }
}

#[test]
fn treem_audit_verify_names_the_first_bad_entry() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("a.db").display());
    let bin = env!("CARGO_BIN_EXE_treem");
    let run = |args: &[&str]| std::process::Command::new(bin).args(args).env_remove("TREEM_DATABASE_URL").output().unwrap();
    assert!(run(&["migrate", "--create", "--database", &url]).status.success());
    let out = run(&["user", "add", "--database", &url, "--username", "auditor.one", "--name", "Kiểm Tra", "--role", "system_admin"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("shown this once"));
    let out = run(&["audit", "verify", "--database", &url]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact: 1 entries"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query("DROP TRIGGER audit_log_no_update").execute(&mut c).await.unwrap();
        sqlx::query("UPDATE audit_log SET fields = 'username' WHERE id = 1").execute(&mut c).await.unwrap();
    });
    let out = run(&["audit", "verify", "--database", &url]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("entry #1"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Enrols a second factor from a fully signed-in session; returns the TOTP key.
async fn enrol(t: &TestApp, username: &str) -> Vec<u8> {
    let s = t.session(username).await;
    let csrf = csrf_of(&t.page("/account/totp", &s).await.body);
    let page = t.post_form("/account/totp/start", Some(&s), &[("csrf", &csrf)]).await;
    let secret = page.body.split("id=\"totp-secret\">").nth(1).unwrap().split('<').next().unwrap().to_owned();
    let key = totp::base32_decode(&secret).unwrap();
    let ok = t.post_form("/account/totp/confirm", Some(&s), &[("csrf", &csrf), ("code", &code_now(&key, 0))]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    key
}

fn code_now(key: &[u8], steps_ahead: i64) -> String {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    format!("{:06}", totp::code_at_step(key, now / 30 + steps_ahead).unwrap())
}

/// A code that is not right in any step the server accepts now.
fn wrong_code(key: &[u8]) -> String {
    let right: Vec<String> = (-2..=2).map(|d| code_now(key, d)).collect();
    (0..10u32).map(|i| format!("{:06}", 123_450 + i)).find(|c| !right.contains(c)).unwrap()
}

/// Signs in with the password; returns the half-signed-in session and its CSRF token.
async fn half_signed_in(t: &TestApp, username: &str) -> (String, String) {
    let r = t.sign_in(username, PASSWORD).await;
    assert_eq!(r.headers.get("location").unwrap(), "/login/code", "{}", r.body);
    let s = session_token(&r).unwrap();
    let csrf = csrf_of(&t.page("/login/code", &s).await.body);
    (s, csrf)
}

async fn audit_outcomes(t: &TestApp, action: &str, outcome: &str) -> usize {
    t.raw_count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}' AND outcome = '{outcome}'")).await
}

#[tokio::test]
async fn wrong_codes_end_the_half_signed_in_session_and_are_throttled_per_account() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let key = enrol(&t, "lan.xa").await;
        let bad = wrong_code(&key);
        let (s, csrf) = half_signed_in(&t, "lan.xa").await;
        // Four wrong codes are answered as wrong; the session still waits for its code.
        for i in 1..=4 {
            let r = t.post_form("/login/code", Some(&s), &[("csrf", &csrf), ("code", &bad)]).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "attempt {i} on {}: {}", t.backend, r.body);
        }
        assert_eq!(t.page("/login/code", &s).await.status, StatusCode::OK);
        // The fifth ends the session: back to the password, told why, the cookie cleared.
        let r = t.post_form("/login/code", Some(&s), &[("csrf", &csrf), ("code", &bad)]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);
        assert!(r.body.contains("id=\"login-form\""), "the sign-in page");
        assert!(r.body.contains(treem_web::i18n::translate(treem_web::i18n::Lang::Vi, "error.code_locked")), "{}", r.body);
        assert!(r.headers.get_all("set-cookie").iter().any(|c| c.to_str().unwrap().contains("Max-Age=0")));
        // The right code on the ended session is refused, and the session is no session.
        let r = t.post_form("/login/code", Some(&s), &[("csrf", &csrf), ("code", &code_now(&key, 0))]).await;
        assert_eq!((r.status, r.headers.get("location").map(|l| l.to_str().unwrap())), (StatusCode::SEE_OTHER, Some("/login")));
        assert_eq!(t.page("/children", &s).await.headers.get("location").unwrap().to_str().unwrap(), "/login?next=/children");
        // Guessing goes on in a new session: the account is now locked for a moment, even for the right code.
        let right = code_now(&key, 1); // the current step's code went to the enrolment
        let (s2, csrf2) = half_signed_in(&t, "lan.xa").await;
        let r = t.post_form("/login/code", Some(&s2), &[("csrf", &csrf2), ("code", &right)]).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "the account's lock holds across sessions: {}", r.body);
        assert_eq!(t.page("/children", &s2).await.headers.get("location").unwrap(), "/login/code", "still not signed in");
        // The lock expires by itself; the next wrong code locks for longer (2 s), even for the right code …
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let r = t.post_form("/login/code", Some(&s2), &[("csrf", &csrf2), ("code", &bad)]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let r = t.post_form("/login/code", Some(&s2), &[("csrf", &csrf2), ("code", &right)]).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
        // … and once it has passed, the right code signs in.
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        let r = t.post_form("/login/code", Some(&s2), &[("csrf", &csrf2), ("code", &right)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(t.page("/children", &s2).await.status, StatusCode::OK);
        // A right code clears the account's count: typos are answered at once again.
        let (s3, csrf3) = half_signed_in(&t, "lan.xa").await;
        for _ in 0..2 {
            let r = t.post_form("/login/code", Some(&s3), &[("csrf", &csrf3), ("code", &bad)]).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        // Every failure, refusal and lock is in the audit log, and the chain holds.
        assert_eq!(audit_outcomes(&t, "session.second_factor", "failed").await, 5 + 1 + 2, "{}", t.backend);
        assert_eq!(audit_outcomes(&t, "session.second_factor", "denied").await, 2);
        assert_eq!(audit_outcomes(&t, "session.second_factor_locked", "failed").await, 1);
        assert_eq!(audit_outcomes(&t, "session.second_factor", "ok").await, 1);
        assert!(matches!(t.app.audit.verify().await.unwrap(), ChainCheck::Intact { .. }));
    }
}

#[tokio::test]
async fn parallel_guesses_get_no_more_than_five_codes_looked_at() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let key = enrol(&t, "lan.xa").await;
        let bad = wrong_code(&key);
        let (s, csrf) = half_signed_in(&t, "lan.xa").await;
        let body = format!("csrf={csrf}&code={bad}");
        let mut tasks = Vec::new();
        for _ in 0..40 {
            let router = t.router.clone();
            let (s, body) = (s.clone(), body.clone());
            tasks.push(tokio::spawn(async move {
                use tower::ServiceExt;
                let req = Request::post("/login/code")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .header(header::COOKIE, format!("treem_session={s}"))
                    .body(Body::from(body))
                    .unwrap();
                router.oneshot(req).await.unwrap().status()
            }));
        }
        let mut statuses = Vec::new();
        for task in tasks {
            statuses.push(task.await.unwrap());
        }
        assert!(statuses.iter().all(|s| !s.is_success()), "{statuses:?}");
        assert!(!statuses.contains(&StatusCode::INTERNAL_SERVER_ERROR), "{statuses:?}");
        let looked_at = audit_outcomes(&t, "session.second_factor", "failed").await;
        assert!((1..=5).contains(&looked_at), "{looked_at} codes were checked on {}", t.backend);
        assert_eq!(t.page("/login/code", &s).await.status, StatusCode::SEE_OTHER, "the session has ended");
        let r = t.post_form("/login/code", Some(&s), &[("csrf", &csrf), ("code", &code_now(&key, 0))]).await;
        assert_eq!(r.headers.get("location").unwrap(), "/login", "a right code after the lock is refused");
    }
}

/// `next` values an attacker may try, as sent on the wire (form-encoded).
fn redirect_payloads() -> Vec<String> {
    let mut raw: Vec<String> = [
        "/%09/evil.example",
        "/%0a/evil.example",
        "/%0d/evil.example",
        "/%0d%0aSet-Cookie:%20x=1",
        "/%0b/evil.example",
        "/%0c/evil.example",
        "/%00/evil.example",
        "/%7f/evil.example",
        "%09//evil.example",
        "//evil.example",
        "///evil.example",
        "/%2F/evil.example",
        "/\\evil.example",
        "/%5Cevil.example",
        "%5C%2F%5C%2Fevil.example",
        "\\/\\/evil.example",
        "/%5C/evil.example",
        "https://evil.example",
        "https:evil.example",
        "HTTPS://evil.example",
        "javascript:alert(1)",
        "%20javascript:alert(1)",
        "data:text/html,x",
        "//%09/evil.example",
        "/+/evil.example",
        "/%20/evil.example",
        "/%C2%A0/evil.example",
        "/%E2%88%95%E2%88%95evil.example",
        "/%EF%BC%8F%EF%BC%8Fevil.example",
        "/%E3%80%82evil.example",
        "/%FF%FE",
        "evil.example",
        "",
        "/login",
        "/login?next=//evil.example",
        "/.//evil.example",
        "/./\\evil.example",
        "/children?next=//evil.example",
        "/units/82?lang=en",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    raw.push(format!("/{}", "a".repeat(60_000))); // under the test body limit of 64 KiB
    raw.push(format!("/{}%09/evil.example", "a".repeat(5000)));
    raw
}

/// Where a browser goes with this `Location`, read against the page that answered.
fn followed(location: &str) -> url::Url {
    url::Url::parse("https://treem.example/login").unwrap().join(location).unwrap()
}

#[tokio::test]
async fn sign_in_sends_back_only_to_paths_of_this_site() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        for raw in redirect_payloads() {
            // Straight in the sign-in form …
            let body = format!("username=lan.xa&password={}&next={raw}", treem_web::session::encode(PASSWORD));
            let req =
                Request::post("/login").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded").body(Body::from(body)).unwrap();
            let r = t.send(req).await;
            let shown: String = raw.chars().take(60).collect();
            if raw.contains("%FF") {
                // Not UTF-8 once decoded: the whole form is refused, no session is created.
                assert_eq!(r.status, StatusCode::BAD_REQUEST, "{shown:?}");
                assert!(session_token(&r).is_none() && r.headers.get("location").is_none());
                continue;
            }
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{shown:?} on {}: {}", t.backend, r.body.chars().take(300).collect::<String>());
            assert!(session_token(&r).is_some(), "signed in");
            let location = r.headers.get("location").unwrap().to_str().unwrap().to_owned();
            assert!(location.starts_with('/') && !location.starts_with("//") && !location.contains('\\'), "{shown:?} → {location:?}");
            assert!(location.bytes().all(|b| b.is_ascii_graphic()), "{shown:?} → {location:?}");
            let url = followed(&location);
            assert_eq!((url.scheme(), url.host_str()), ("https", Some("treem.example")), "{shown:?} → {location:?}");
            // … and through the sign-in page's hidden field, as a link `/login?next=…` would carry it.
            let page = t.get(&format!("/login?next={raw}")).await;
            assert_eq!(page.status, StatusCode::OK, "{shown:?}");
            let hidden = page.body.split("name=\"next\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
            assert!(hidden.starts_with('/') && !hidden.starts_with("//") && !hidden.contains('\\'), "{shown:?} → {hidden:?}");
            assert!(hidden.bytes().all(|b| b.is_ascii_graphic()), "{shown:?} → {hidden:?}");
        }
        // A legitimate path with its query survives.
        let r =
            t.post_form("/login", None, &[("username", "lan.xa"), ("password", PASSWORD), ("next", "/children?q=Nguy%E1%BB%85n")]).await;
        assert_eq!(r.headers.get("location").unwrap(), "/children?q=Nguy%E1%BB%85n");
    }
}

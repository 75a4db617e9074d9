//! Password rules wherever a password is set (docs/ASVS.md, V6.2): the bundled lists of
//! common passwords and context words, any composition, 64 characters and more, and
//! verification exactly as typed.

use axum::http::StatusCode;
use treem_app::accounts::{AccountInput, Operator};

use crate::harness::{apps, csrf_of, session_token, TestApp, PASSWORD};

fn new_account(username: &str, password: &str) -> String {
    serde_json::json!({"username": username, "display_name": "Người Mới", "role": "commune_worker", "scope_unit_code": "29884", "password": password})
        .to_string()
}

async fn create(t: &TestApp, username: &str, password: &str) -> Result<i64, treem_app::AppError> {
    let input = AccountInput {
        username: username.into(),
        display_name: "Người Mới".into(),
        role: "commune_worker".into(),
        scope_unit_code: "29884".into(),
        password: password.into(),
        ..Default::default()
    };
    t.app.accounts.create(Operator::Cli, &input).await
}

#[tokio::test]
async fn common_and_context_passwords_are_refused_wherever_a_password_is_set() {
    for t in apps().await {
        t.account("admin.t", "system_admin", "", None).await;
        let admin = t.token("admin.t").await;
        // An administrator creating an account (API): a top-3,000 password, one common in
        // Vietnam, a context word with digits and symbols, a commune of the map.
        for weak in ["princess1", "123456a@", "DongThap@2026", "Mỹ Ngãi 2025", "tre em tre em"] {
            let r = t.api("POST", "/api/v1/accounts", &admin, Some(new_account("new.user", weak))).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{weak}: {}", r.body);
            assert_eq!(r.json()["error"]["field"], "password", "{weak}");
        }
        let ok = t.api("POST", "/api/v1/accounts", &admin, Some(new_account("new.user", "tôi yêu đồng tháp quê tôi"))).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
        // The command line and an administrator's reset follow the same rules.
        assert!(create(&t, "cli.user", "sunshine1").await.is_err());
        let id = t.app.accounts.by_username(Operator::Cli, "new.user").await.unwrap().id;
        assert!(t.app.accounts.reset_password(Operator::Cli, id.0, "ldtbxh2025").await.is_err());
        // Changing one's own password on the account page.
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let s = t.session("lan.xa").await;
        let csrf = csrf_of(&t.page("/account", &s).await.body);
        let form =
            |new: &'static str| vec![("csrf", csrf.clone()), ("old_password", PASSWORD.to_owned()), ("new_password", new.to_owned())];
        for weak in ["Cao Lãnh 2025!", "iloveyou1"] {
            let f = form(weak);
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            assert_eq!(t.post_form("/account/password", Some(&s), &f).await.status, StatusCode::UNPROCESSABLE_ENTITY, "{weak}");
        }
        assert_eq!(t.page("/account", &s).await.status, StatusCode::OK, "a refused change ends nothing");
        assert_eq!(t.sign_in("lan.xa", PASSWORD).await.status, StatusCode::SEE_OTHER, "the old password still works");
    }
}

#[tokio::test]
async fn passwords_of_any_composition_up_to_128_characters_are_verified_exactly_as_typed() {
    for t in apps().await {
        // 64 characters and more are allowed (V6.2.9); 128 is the limit, 129 is refused.
        let long64: String = "dài-".repeat(16);
        assert_eq!(long64.chars().count(), 64);
        assert!(create(&t, "user.sixtyfour", &long64).await.is_ok());
        assert_eq!(t.sign_in("user.sixtyfour", &long64).await.status, StatusCode::SEE_OTHER);
        let long128: String = "Ệ ệ!".repeat(32);
        assert_eq!(long128.chars().count(), 128);
        assert!(create(&t, "user.onetwentyeight", &long128).await.is_ok());
        assert!(session_token(&t.sign_in("user.onetwentyeight", &long128).await).is_some());
        let too_long = format!("{long128}x");
        assert!(matches!(create(&t, "user.toolong", &too_long).await, Err(treem_app::AppError::Invalid { .. })));
        // Digits and symbols only, or spaces only inside: no composition rule (V6.2.5).
        for (i, odd) in ["9#4!2@7$1%", "        a b", "12 34 56 78 90 x"].into_iter().enumerate() {
            assert!(create(&t, &format!("user.odd{i}"), odd).await.is_ok(), "{odd:?}");
        }
        // Verified exactly as received (V6.2.8): no truncation, no case folding, no trimming.
        // Each wrong guess is on its own account (a failure locks the name for a while).
        assert_eq!(t.sign_in("user.odd1", "        a b").await.status, StatusCode::SEE_OTHER, "leading spaces are part of it");
        for (i, (password, wrong)) in [
            (long128.clone(), long128.chars().take(127).collect::<String>()),
            (long128.clone(), long128.to_lowercase()),
            ("        a b".to_owned(), "a b".to_owned()),
        ]
        .into_iter()
        .enumerate()
        {
            let name = format!("user.exact{i}");
            assert!(create(&t, &name, &password).await.is_ok());
            assert_eq!(t.sign_in(&name, &wrong).await.status, StatusCode::UNAUTHORIZED, "{wrong:?}");
        }
    }
}

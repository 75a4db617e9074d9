//! The register beyond the core record: groups with dates, risk, caregivers,
//! household and poverty, consent; sensitive groups follow the role.

use axum::http::StatusCode;
use serde_json::json;
use time::macros::date;

use crate::harness::apps;

#[tokio::test]
async fn circumstances_risk_household_and_consent() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        t.account("mai.ap", "hamlet_collaborator", "29884-01", None).await;
        let token = t.token("lan.xa").await;
        let hamlet = t.unit_id("29884-01", date!(2026 - 01 - 01));
        let id = t
            .api(
                "POST",
                "/api/v1/children",
                &token,
                Some(
                    json!({"full_name": "Phan Văn Lực", "sex": "male", "birth_date": "2016-04-04", "residence_unit_id": hamlet})
                        .to_string(),
                ),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let post = |path: &str, body: serde_json::Value| {
            let token = token.clone();
            let path = format!("/api/v1/children/{id}/{path}");
            let t = &t;
            async move { t.api("POST", &path, &token, Some(body.to_string())).await }
        };
        assert_eq!(post("circumstances", json!({"group": "a", "began_on": "2020-01-01"})).await.status, StatusCode::CREATED);
        assert_eq!(post("circumstances", json!({"group": "đ", "began_on": "2021-05-01"})).await.status, StatusCode::CREATED);
        let bad = post("circumstances", json!({"group": "f", "began_on": "2010-01-01", "ended_on": "2009-01-01"})).await.json();
        let fields: Vec<&str> = bad["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
        assert_eq!(fields, vec!["group", "began_on", "ended_on"]);
        assert_eq!(
            post("risks", json!({"factors": "Cha mẹ đi làm xa, ở với ông bà già yếu", "began_on": "2025-09-01"})).await.status,
            StatusCode::CREATED
        );
        assert_eq!(
            post("caregivers", json!({"name": "Phan Thị Bảy", "relation": "grandparent", "legal_representative": true})).await.status,
            StatusCode::CREATED
        );
        let profile = json!({"disability": false, "school_status": "in_school", "health_insurance": "yes", "birth_registered_on": "2016-04-20",
            "household_code": "HGD-001", "household_head": "Phan Văn Tám", "poverty_year": "2025", "poverty_status": "near_poor"});
        assert_eq!(
            t.api("PUT", &format!("/api/v1/children/{id}/profile"), &token, Some(profile.to_string())).await.status,
            StatusCode::NO_CONTENT
        );
        let early = json!({"birth_registered_on": "2015-01-01"});
        assert_eq!(
            t.api("PUT", &format!("/api/v1/children/{id}/profile"), &token, Some(early.to_string())).await.json()["error"]["field"],
            "birth_registered_on"
        );
        // Consent, judged by the instrument in force on each record's day and today's for the check.
        let consent = |kind: &str, by: &str, on: &str| {
            let body = json!({"kind": kind, "given_by": by, "given_on": on, "scope": "lưu trong hệ thống thông tin trẻ em"});
            let post = &post;
            async move {
                let r = post("consents", body).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
                r.json()["id"].as_i64().unwrap()
            }
        };
        let register = || async { t.api("GET", &format!("/api/v1/children/{id}/register"), &token, None).await.json() };
        let withdraw = |consent: i64| {
            let (t, token) = (&t, token.clone());
            async move {
                let r = t.api("POST", &format!("/api/v1/children/{id}/consents/{consent}/withdraw"), &token, None).await;
                assert_eq!(r.status, StatusCode::NO_CONTENT);
            }
        };
        // Given in 2025 under Decree 13/2023 (the child, 9, would have had to consent too); today,
        // under Law 91/2025, the representative's consent alone allows keeping the register.
        let by_decree = consent("legal_representative", "Phan Thị Bảy", "2025-09-01").await;
        let reg = register().await;
        assert_eq!(reg["consents"][0]["instrument"]["id"], "nd-13-2023", "{reg}");
        assert_eq!(reg["consents"][0]["instrument"]["citation"], "Nghị định 13/2023/NĐ-CP, Điều 20 khoản 2");
        assert_eq!(reg["consent_instrument"]["id"], "luat-91-2025");
        assert_eq!(reg["consent_instrument"]["citation"], "Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15, Điều 24 khoản 2");
        assert_eq!((reg["consent_instrument"]["child_consent_from_age"].as_i64(), reg["consent_ok"].as_bool()), (Some(7), Some(true)));
        withdraw(by_decree).await;
        assert_eq!(register().await["consent_ok"], false);
        // The child's own consent alone is not enough; with the representative's it is.
        let own = consent("child", "Phan Văn Lực", "2026-01-10").await;
        let reg = register().await;
        assert_eq!((reg["consent_ok"].as_bool(), reg["consents"][1]["instrument"]["id"].as_str()), (Some(false), Some("luat-91-2025")));
        let by_law = consent("legal_representative", "Phan Thị Bảy", "2026-01-10").await;
        assert_eq!(register().await["consent_ok"], true);
        // A child's own consent before 7 is refused, citing the instrument of that day.
        let r = post("consents", json!({"kind": "child", "given_by": "Phan Văn Lực", "given_on": "2022-01-01", "scope": "x"})).await;
        assert_eq!(r.json()["error"]["fields"][0]["field"], "kind", "{}", r.body);
        assert!(r.body.contains("from the age of 7") && r.body.contains("Luật Trẻ em 102/2016/QH13"), "{}", r.body);
        let reg = register().await;
        assert_eq!(reg["household"]["poverty"], json!([[2025, "near_poor"]]));
        assert_eq!(reg["circumstances"].as_array().unwrap().len(), 2);
        assert_eq!(reg["caregivers"][0]["legal_representative"], true);
        // Withdrawal stops it.
        withdraw(by_law).await;
        assert_eq!(register().await["consent_ok"], false);
        let _ = own;
        // The hamlet collaborator does not see the HIV group (đ), nor may record it.
        let collab = t.token("mai.ap").await;
        let seen = t.api("GET", &format!("/api/v1/children/{id}/register"), &collab, None).await.json();
        assert_eq!(seen["circumstances"].as_array().unwrap().len(), 1);
        // Not even a count of what is left out: the count would be the secret.
        assert!(seen.get("hidden_circumstances").is_none(), "{seen}");
        assert!(!seen.to_string().contains("\"dd\""), "{seen}");
        let r = t
            .api(
                "POST",
                &format!("/api/v1/children/{id}/circumstances"),
                &collab,
                Some(json!({"group": "dd", "began_on": "2022-01-01"}).to_string()),
            )
            .await;
        assert_eq!(r.json()["error"]["field"], "group");
        // Lists filter by group, unit subtree and period; a hidden group is no filter for those who may not see it.
        let ids = |r: serde_json::Value| r["children"].as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect::<Vec<_>>();
        assert_eq!(ids(t.api("GET", "/api/v1/children?group=a", &token, None).await.json()), vec![id]);
        assert!(ids(t.api("GET", "/api/v1/children?group=b", &token, None).await.json()).is_empty());
        assert_eq!(ids(t.api("GET", "/api/v1/children?group=dd", &token, None).await.json()), vec![id]);
        assert_eq!(t.api("GET", "/api/v1/children?group=dd", &collab, None).await.json()["error"]["field"], "group");
        assert_eq!(ids(t.api("GET", &format!("/api/v1/children?unit_id={hamlet}"), &token, None).await.json()), vec![id]);
        let other_commune = t.unit_id("29954", date!(2026 - 01 - 01));
        assert!(ids(t.api("GET", &format!("/api/v1/children?unit_id={other_commune}"), &token, None).await.json()).is_empty());
        assert!(ids(t.api("GET", "/api/v1/children?from=2000-01-01&to=2001-01-01", &token, None).await.json()).is_empty());
        assert_eq!(t.api("GET", "/api/v1/children?from=2026-02-01&to=2026-01-01", &token, None).await.json()["error"]["field"], "to");
        // Only the year of birth: kept as an estimate.
        let est = t
            .api(
                "POST",
                "/api/v1/children",
                &token,
                Some(json!({"full_name": "Lâm Thị Út", "sex": "female", "birth_date": "2015", "residence_unit_id": hamlet}).to_string()),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let got = t.api("GET", &format!("/api/v1/children/{est}"), &token, None).await.json();
        assert_eq!((got["birth_date"].as_str(), got["birth_date_estimated"].as_bool()), (Some("2015-07-01"), Some(true)));
        assert_eq!(
            t.api(
                "POST",
                "/api/v1/children",
                &token,
                Some(json!({"full_name": "Lâm Thị Út", "sex": "female", "birth_date": "20155", "residence_unit_id": hamlet}).to_string())
            )
            .await
            .json()["error"]["fields"][0]["field"],
            "birth_date"
        );
        // Art. 10 covers children under 16: group e) may not begin at 16 or 17 either.
        let older = json!({"full_name": "Phan Văn Lớn", "sex": "male", "birth_date": "2009-06-01", "residence_unit_id": hamlet});
        let older = t.api("POST", "/api/v1/children", &token, Some(older.to_string())).await.json()["id"].as_i64().unwrap();
        let group_e = |began: &str| {
            let body = json!({"group": "e", "began_on": began}).to_string();
            let (t, token) = (&t, token.clone());
            async move { t.api("POST", &format!("/api/v1/children/{older}/circumstances"), &token, Some(body)).await }
        };
        let r = group_e("2025-06-01").await;
        assert_eq!(
            (r.status, r.json()["error"]["fields"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("began_on")),
            "{}",
            r.body
        );
        assert!(r.body.contains("under 16"), "{}", r.body);
        assert_eq!(group_e("2025-05-31").await.status, StatusCode::CREATED, "the day before the 16th birthday");
        assert_eq!(t.raw_count(&format!("SELECT COUNT(*) FROM child_circumstance WHERE child_id = {older}")).await, 1);
        // The page shows the section.
        let s = t.session("lan.xa").await;
        let page = t.page(&format!("/children/{id}"), &s).await.body;
        assert!(
            page.contains("data-group=\"dd\"") && page.contains("Phan Văn Tám") && page.contains("id=\"consent-status\" data-ok=\"false\"")
        );
        // The page names the instrument of each record and of today's check.
        assert!(page.contains("data-instrument=\"nd-13-2023\">Nghị định 13/2023/NĐ-CP, Điều 20 khoản 2</small>"), "{page}");
        assert!(page.contains("data-instrument=\"luat-91-2025\""), "{page}");
        assert!(
            page.contains("<small id=\"consent-instrument\">(theo Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15, Điều 24 khoản 2)</small>"),
            "{page}"
        );
    }
}

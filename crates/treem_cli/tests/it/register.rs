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
        // Consent: the child is 10; the representative alone is not enough.
        assert_eq!(post("consents", json!({"kind": "legal_representative", "given_by": "Phan Thị Bảy", "given_on": "2026-01-10", "scope": "chia sẻ với trường học"})).await.status, StatusCode::CREATED);
        let reg = t.api("GET", &format!("/api/v1/children/{id}/register"), &token, None).await.json();
        assert_eq!(reg["consent_ok"], false);
        let own = post(
            "consents",
            json!({"kind": "child", "given_by": "Phan Văn Lực", "given_on": "2026-01-10", "scope": "chia sẻ với trường học"}),
        )
        .await
        .json()["id"]
            .as_i64()
            .unwrap();
        let reg = t.api("GET", &format!("/api/v1/children/{id}/register"), &token, None).await.json();
        assert_eq!(reg["consent_ok"], true);
        assert_eq!(reg["household"]["poverty"], json!([[2025, "near_poor"]]));
        assert_eq!(reg["circumstances"].as_array().unwrap().len(), 2);
        assert_eq!(reg["caregivers"][0]["legal_representative"], true);
        // Withdrawal stops it.
        assert_eq!(
            t.api("POST", &format!("/api/v1/children/{id}/consents/{own}/withdraw"), &token, None).await.status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(t.api("GET", &format!("/api/v1/children/{id}/register"), &token, None).await.json()["consent_ok"], false);
        // The hamlet collaborator does not see the HIV group (đ), nor may record it.
        let collab = t.token("mai.ap").await;
        let seen = t.api("GET", &format!("/api/v1/children/{id}/register"), &collab, None).await.json();
        assert_eq!(seen["circumstances"].as_array().unwrap().len(), 1);
        assert_eq!(seen["hidden_circumstances"], 1);
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
    }
}

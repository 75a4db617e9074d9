//! Duplicate detection before saving, the review queue, and reversible merges.

use axum::http::StatusCode;
use serde_json::json;
use time::macros::date;

use crate::harness::{apps, csrf_of};

#[tokio::test]
async fn duplicates_are_shown_before_saving_and_merges_can_be_undone() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        t.account("binh.xa", "commune_worker", "29954", None).await;
        let token = t.token("lan.xa").await;
        let commune = t.unit_id("29884", date!(2026 - 01 - 01));
        let hamlet = t.unit_id("29884-01", date!(2026 - 01 - 01));
        let body = |name: &str, dob: &str, unit: i64| {
            json!({"full_name": name, "sex": "female", "birth_date": dob, "residence_unit_id": unit}).to_string()
        };
        let first = t.api("POST", "/api/v1/children", &token, Some(body("Nguyễn Thị Thuỳ Dung", "2014-03-05", commune))).await.json()["id"]
            .as_i64()
            .unwrap();
        // Typed without diacritics, middle name dropped, day and month swapped, in a hamlet of the commune.
        let probe = body("nguyen thuy dung", "2014-05-03", hamlet);
        let found = t.api("POST", "/api/v1/children/duplicates", &token, Some(probe.clone())).await.json();
        assert_eq!(found[0]["child"]["id"], first, "{found}");
        // A sibling is not a duplicate.
        let sibling =
            t.api("POST", "/api/v1/children/duplicates", &token, Some(body("Nguyễn Thị Thuỳ Linh", "2016-08-01", commune))).await.json();
        assert!(sibling.as_array().unwrap().is_empty(), "{sibling}");
        // Another commune's worker is never shown this child as a candidate.
        let other = t.token("binh.xa").await;
        let theirs = t
            .api(
                "POST",
                "/api/v1/children/duplicates",
                &other,
                Some(body("Nguyễn Thị Thuỳ Dung", "2014-03-05", t.unit_id("29954", date!(2026 - 01 - 01)))),
            )
            .await
            .json();
        assert!(theirs.as_array().unwrap().is_empty());

        // The page shows the candidates before saving and saves only once confirmed.
        let s = t.session("lan.xa").await;
        let csrf = csrf_of(&t.page("/children/new", &s).await.body);
        let hamlet_s = hamlet.to_string();
        let form = |confirm: &'static str| -> Vec<(&'static str, String)> {
            vec![
                ("csrf", csrf.clone()),
                ("full_name", "nguyen thuy dung".to_owned()),
                ("sex", "female".to_owned()),
                ("birth_date", "2014-05-03".to_owned()),
                ("registered_on", "2026-01-02".to_owned()),
                ("residence_unit_id", hamlet_s.clone()),
                ("confirm_new", confirm.to_owned()),
            ]
        };
        let owned = form("");
        let as_refs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = t.post_form("/children", Some(&s), &as_refs).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert!(r.body.contains(&format!("data-candidate=\"{first}\"")) && r.body.contains("value=\"nguyen thuy dung\""));
        assert_eq!(
            t.api("GET", "/api/v1/children", &token, None).await.json()["children"].as_array().unwrap().len(),
            1,
            "nothing saved yet"
        );
        let owned = form("1");
        let as_refs: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = t.post_form("/children", Some(&s), &as_refs).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let second: i64 = r.headers.get("location").unwrap().to_str().unwrap().rsplit('/').next().unwrap().parse().unwrap();

        // The review queue pairs them; merging hides the duplicate; unmerging brings it back.
        let queue = t.api("GET", "/api/v1/children/duplicate-pairs", &token, None).await.json();
        assert_eq!((queue[0]["a"]["id"].as_i64(), queue[0]["b"]["id"].as_i64()), (Some(first), Some(second)));
        assert_eq!(
            t.api("POST", &format!("/api/v1/children/{first}/merge"), &token, Some(json!({"duplicate_id": second}).to_string()))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(t.api("GET", "/api/v1/children", &token, None).await.json()["children"].as_array().unwrap().len(), 1);
        assert_eq!(t.api("GET", &format!("/api/v1/children/{second}"), &token, None).await.json()["merged_into"], first);
        assert!(t.page(&format!("/children/{first}"), &s).await.body.contains("id=\"merged-records\""));
        let again =
            t.api("POST", &format!("/api/v1/children/{first}/merge"), &token, Some(json!({"duplicate_id": second}).to_string())).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(t.api("POST", &format!("/api/v1/children/{second}/unmerge"), &token, None).await.status, StatusCode::NO_CONTENT);
        assert_eq!(t.api("GET", "/api/v1/children", &token, None).await.json()["children"].as_array().unwrap().len(), 2);
        // Out of scope: the other worker cannot merge them.
        assert_eq!(
            t.api("POST", &format!("/api/v1/children/{first}/merge"), &other, Some(json!({"duplicate_id": second}).to_string()))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM audit_log WHERE action IN ('child.merge', 'child.unmerge')").await, 2);
    }
}

#[tokio::test]
async fn the_api_refuses_a_likely_duplicate_until_the_caller_confirms() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        t.account("binh.xa", "commune_worker", "29954", None).await;
        let token = t.token("lan.xa").await;
        let other = t.token("binh.xa").await;
        let commune = t.unit_id("29884", date!(2026 - 01 - 01));
        let hamlet = t.unit_id("29884-01", date!(2026 - 01 - 01));
        let elsewhere = t.unit_id("29954", date!(2026 - 01 - 01));
        let body = |name: &str, dob: &str, unit: i64, extra: serde_json::Value| {
            let mut b = json!({"full_name": name, "sex": "female", "birth_date": dob, "residence_unit_id": unit});
            for (k, v) in extra.as_object().unwrap() {
                b[k] = v.clone();
            }
            b.to_string()
        };
        let first = t
            .api(
                "POST",
                "/api/v1/children",
                &token,
                Some(body("Nguyễn Thị Thuỳ Dung", "2014-03-05", commune, json!({"hiv_status": "positive"}))),
            )
            .await;
        assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
        let first = first.json()["id"].as_i64().unwrap();
        // The same child registered in another commune: that worker cannot see ours, so no candidate there.
        let theirs =
            t.api("POST", "/api/v1/children", &other, Some(body("Nguyễn Thị Thuỳ Dung", "2014-03-05", elsewhere, json!({})))).await;
        assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.body);
        let count = || async { t.api("GET", "/api/v1/children", &token, None).await.json()["children"].as_array().unwrap().len() };
        // Typed without diacritics, middle name dropped, day and month swapped: 409 with the candidate, nothing stored.
        let probe = |extra: serde_json::Value| body("nguyen thuy dung", "2014-05-03", hamlet, extra);
        for extra in [json!({}), json!({"confirm_not_duplicate": false})] {
            let r = t.api("POST", "/api/v1/children", &token, Some(probe(extra))).await;
            assert_eq!(r.status, StatusCode::CONFLICT, "{} on {}", r.body, t.backend);
            let e = &r.json()["error"];
            assert_eq!(e["code"], "LIKELY_DUPLICATE");
            assert!(e["message"].is_string());
            let candidates = e["candidates"].as_array().unwrap();
            assert_eq!(candidates.len(), 1, "only records in the caller's scope: {r:?}", r = r.body);
            assert_eq!(candidates[0]["child"]["id"], first);
            assert!(candidates[0]["score"].as_u64().unwrap() >= 70);
            assert!(!candidates[0]["reasons"].as_array().unwrap().is_empty());
            // Summary fields only: never a sensitive one.
            let mut keys: Vec<&str> = candidates[0]["child"].as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(keys, ["birth_date", "full_name", "id", "registered_on", "residence_unit_id", "sex"]);
            assert!(!r.body.contains("positive") && !r.body.contains("hiv"), "{}", r.body);
            assert_eq!(count().await, 1, "nothing stored");
        }
        // Confirmed: stored.
        let r = t.api("POST", "/api/v1/children", &token, Some(probe(json!({"confirm_not_duplicate": true})))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(count().await, 2);
        // A child nobody resembles needs no confirmation.
        let r = t.api("POST", "/api/v1/children", &token, Some(body("Trần Văn Bình", "2019-11-20", commune, json!({})))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        // Other checks come first: a bad field is 422 even when the rest looks like a duplicate.
        let r = t.api("POST", "/api/v1/children", &token, Some(body("nguyen thuy dung", "2014-05-03", hamlet, json!({"sex": "x"})))).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        // The confirmation belongs to a registration only.
        let r = t
            .api(
                "PUT",
                &format!("/api/v1/children/{first}"),
                &token,
                Some(body("Nguyễn Thị Thuỳ Dung", "2014-03-05", commune, json!({"version": 1, "confirm_not_duplicate": true}))),
            )
            .await;
        assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("confirm_not_duplicate")));
        // The contract says so.
        let doc = t.get("/api/v1/openapi.json").await.json();
        assert!(doc["components"]["schemas"]["ChildBody"]["properties"]["confirm_not_duplicate"].is_object());
        assert!(doc["paths"]["/api/v1/children"]["post"]["responses"]["409"].is_object());
        assert!(doc["components"]["schemas"]["ErrorBody"]["properties"]["candidates"].is_object());
    }
}

//! The JSON API: units, re-aggregation, health, the error envelope, OpenAPI.

use axum::http::StatusCode;
use time::macros::date;

use crate::harness::apps;

#[tokio::test]
async fn health_answers_when_the_database_does() {
    for t in apps().await {
        let r = t.get("/healthz").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["database"], t.backend);
    }
}

#[tokio::test]
async fn units_as_of_a_date() {
    for t in apps().await {
        let r = t.get("/api/v1/units?date=2025-07-01").await.json();
        let units = r["units"].as_array().unwrap();
        // The real 2025 map (province + 102 communes) and the three made-up demo hamlets.
        assert_eq!(units.len(), 103 + 3);
        assert_eq!(units.iter().filter(|u| u["level"] != "hamlet").count(), 103);
        let province = units.iter().find(|u| u["level"] == "province").unwrap();
        assert_eq!(province["code"], "82");
        assert!(units.iter().filter(|u| u["level"] == "commune").all(|u| u["parent_id"] == province["id"]));
        let communes = t.get("/api/v1/units?date=2013-12-31&level=commune").await.json();
        assert_eq!(communes["units"].as_array().unwrap().len(), 305);
        let bad = t.get("/api/v1/units?level=state").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["error"]["field"], "level");
    }
}

#[tokio::test]
async fn unit_detail_and_search() {
    for t in apps().await {
        let id = t.unit_id("82", date!(2025 - 07 - 01));
        let d = t.get(&format!("/api/v1/units/{id}")).await.json();
        assert_eq!(d["unit"]["name"], "Tỉnh Đồng Tháp");
        assert_eq!(d["children"].as_array().unwrap().len(), 102);
        assert_eq!(d["predecessors"].as_array().unwrap().len(), 2, "old Đồng Tháp and Tiền Giang");
        assert_eq!(d["same_code"][0]["name"], "Tỉnh Tiền Giang");
        let s = t.get("/api/v1/units/search?q=DONG%20THAP").await.json();
        assert_eq!(s.as_array().unwrap().len(), 2);
        assert_eq!(t.get("/api/v1/units/search?q=").await.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn reaggregation_keeps_totals_between_the_two_maps() {
    for t in apps().await {
        let old: Vec<serde_json::Value> =
            t.get("/api/v1/units?date=2025-06-30&level=commune").await.json()["units"].as_array().unwrap().clone();
        let counts: Vec<serde_json::Value> =
            old.iter().enumerate().map(|(i, u)| serde_json::json!({"unit_id": u["id"], "count": i % 13})).collect();
        let total: i64 = (0..old.len()).map(|i| (i % 13) as i64).sum();
        let body = serde_json::json!({"target_date": "2025-07-01", "counts": counts}).to_string();
        let r = t.post_json("/api/v1/units/reaggregate", body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = r.json();
        assert_eq!(r["total"], total);
        assert!(r["unmapped"].as_array().unwrap().is_empty());
        let new_province = t.unit_id("82", date!(2025 - 07 - 01));
        let province_total = r["totals"].as_array().unwrap().iter().find(|c| c["unit_id"] == new_province).unwrap()["count"].clone();
        assert_eq!(province_total, total);
        // Back to 2013, weighting merges by the original counts: restores them.
        let back = serde_json::json!({"target_date": "2013-12-31", "counts": r["counts"], "weights": counts}).to_string();
        let b = t.post_json("/api/v1/units/reaggregate", back).await.json();
        assert_eq!(b["total"], total);
    }
}

#[tokio::test]
async fn bad_bodies_get_the_envelope() {
    for t in apps().await {
        let unknown_field = t.post_json("/api/v1/units/reaggregate", r#"{"target_date":"2025-07-01","counts":[],"role":"admin"}"#).await;
        assert_eq!(unknown_field.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(unknown_field.json()["error"]["code"], "VALIDATION_FAILED");
        let syntax = t.post_json("/api/v1/units/reaggregate", "{nope").await;
        assert_eq!(syntax.status, StatusCode::BAD_REQUEST);
        assert_eq!(syntax.json()["error"]["code"], "BAD_REQUEST");
        let missing =
            t.post_json("/api/v1/units/reaggregate", r#"{"target_date":"2025-07-01","counts":[{"unit_id":424242,"count":1}]}"#).await;
        assert_eq!(missing.json()["error"]["field"], "counts");
        let negative_id = t.unit_id("87", date!(2020 - 01 - 01));
        let negative = t
            .post_json(
                "/api/v1/units/reaggregate",
                format!(r#"{{"target_date":"2025-07-01","counts":[{{"unit_id":{negative_id},"count":-1}}]}}"#),
            )
            .await;
        assert_eq!(negative.status, StatusCode::UNPROCESSABLE_ENTITY);
        let bad_date = t.post_json("/api/v1/units/reaggregate", r#"{"target_date":"31/12/2013","counts":[]}"#).await;
        assert_eq!(bad_date.json()["error"]["field"], "target_date");
        // Over the body limit (128 KiB in tests): 413 in the envelope.
        let big = format!(r#"{{"target_date":"2025-07-01","counts":[{}]}}"#, vec![r#"{"unit_id":1,"count":1}"#; 10_000].join(","));
        let r = t.post_json("/api/v1/units/reaggregate", big).await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(r.json()["error"]["code"], "PAYLOAD_TOO_LARGE");
        let nf = t.get("/api/v1/units/99999999").await;
        assert_eq!(nf.status, StatusCode::NOT_FOUND);
        assert_eq!(nf.json()["error"]["code"], "NOT_FOUND");
        assert_eq!(t.get("/api/v1/nothing-here").await.json()["error"]["code"], "NOT_FOUND");
    }
}

#[tokio::test]
async fn openapi_document_describes_every_api_route() {
    let t = apps().await.remove(0);
    let doc = t.get("/api/v1/openapi.json").await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/healthz",
        "/api/v1/units",
        "/api/v1/units/search",
        "/api/v1/units/{id}",
        "/api/v1/units/reaggregate",
        "/api/v1/me",
        "/api/v1/children",
        "/api/v1/children/{id}",
        "/api/v1/children/export.csv",
        "/api/v1/audit",
        "/api/v1/accounts",
        "/api/v1/accounts/{id}/status",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}",
    ] {
        assert!(paths.contains_key(p), "{p} missing from OpenAPI");
    }
    assert!(doc["components"]["schemas"]["ErrorEnvelope"].is_object());
    assert_eq!(doc["components"]["securitySchemes"]["token"]["scheme"], "bearer");
    assert!(doc["paths"]["/api/v1/children/{id}"]["put"].is_object());
}

#[tokio::test]
async fn bodies_are_json_objects_never_positional_arrays() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        t.account("admin.t", "system_admin", "", None).await;
        let worker = t.token("lan.xa").await;
        let admin = t.token("admin.t").await;
        let unit = t.unit_id("29884", date!(2026 - 01 - 01));
        let refused = |r: &crate::harness::Reply, what: &str| {
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{what} on {}: {}", t.backend, r.body);
            assert_eq!(r.json()["error"]["code"], "VALIDATION_FAILED", "{what}");
            assert!(r.json()["error"]["message"].is_string());
        };
        // A child given as the fields in order: serde alone reads that as the struct (201 before).
        let child = serde_json::json!(["Lê Thị Mai", "female", "2015-01-01", unit, "2026-01-01", null, null, null, null]).to_string();
        refused(&t.api("POST", "/api/v1/children", &worker, Some(child.clone())).await, "POST /api/v1/children");
        refused(&t.api("POST", "/api/v1/children/duplicates", &worker, Some(child)).await, "POST /api/v1/children/duplicates");
        let account = serde_json::json!(["new.user", "Người Mới", "auditor", "82", null, "", "mật khẩu đủ dài"]).to_string();
        refused(&t.api("POST", "/api/v1/accounts", &admin, Some(account)).await, "POST /api/v1/accounts");
        // Nested too: a struct inside the body given as an array.
        let nested = format!(r#"{{"target_date":"2025-07-01","counts":[[{unit},1]]}}"#);
        let r = t.post_json("/api/v1/units/reaggregate", nested).await;
        refused(&r, "nested positional");
        assert_eq!(r.json()["error"]["field"], "counts[0]", "the refusal says where");
        // Nor any other JSON value that is not an object.
        for body in ["[]", "\"x\"", "1", "null", "true"] {
            refused(&t.api("POST", "/api/v1/children", &worker, Some(body.into())).await, body);
            refused(&t.post_json("/api/v1/units/reaggregate", body).await, body);
        }
        // The same body as an object is taken, so the refusals above were about the shape.
        let object = serde_json::json!({"full_name": "Lê Thị Mai", "sex": "female", "birth_date": "2015-01-01", "residence_unit_id": unit});
        assert_eq!(t.api("POST", "/api/v1/children", &worker, Some(object.to_string())).await.status, StatusCode::CREATED);
        let list = t.api("GET", "/api/v1/children", &worker, None).await.json();
        assert_eq!(list["children"].as_array().unwrap().len(), 1, "only the object was stored");
        assert_eq!(t.api("GET", "/api/v1/accounts", &admin, None).await.json().as_array().unwrap().len(), 2, "no account created");
        // A body that is not sent as JSON: 415 in the envelope.
        let req = axum::http::Request::post("/api/v1/units/reaggregate")
            .header("content-type", "text/plain")
            .body(axum::body::Body::from(r#"{"target_date":"2025-07-01","counts":[]}"#))
            .unwrap();
        let r = t.send(req).await;
        assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(r.json()["error"]["code"], "UNSUPPORTED_MEDIA_TYPE");
    }
}

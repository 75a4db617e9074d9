//! Plans as data through the API and the pages, on every backend.

use axum::http::StatusCode;
use serde_json::json;
use time::macros::date;

use crate::harness::apps;

fn founding_plan() -> serde_json::Value {
    let plan = treem_app::plans::parse_plan_toml("dong-thap-2013.toml", treem_domain::bundled::PLAN_DONG_THAP_2013).unwrap();
    serde_json::to_value(plan).unwrap()
}

#[tokio::test]
async fn plans_are_imported_by_officers_checked_and_read_by_anyone() {
    for t in apps().await {
        t.account("tinh.87", "provincial_officer", "87", Some(date!(2013 - 12 - 31))).await;
        t.account("lan.xa", "commune_worker", "29884", None).await;
        assert_eq!(t.get("/api/v1/plans").await.json(), json!([]));
        let plan = founding_plan();
        // A commune worker may read plans but not import them.
        let worker = t.token("lan.xa").await;
        assert_eq!(t.api("POST", "/api/v1/plans", &worker, Some(plan.to_string())).await.status, StatusCode::FORBIDDEN);
        let officer = t.token("tinh.87").await;
        let r = t.api("POST", "/api/v1/plans", &officer, Some(plan.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.json()["outcome"], "added");
        let r = t.api("POST", "/api/v1/plans", &officer, Some(plan.to_string())).await;
        assert_eq!((r.status, r.json()["outcome"].as_str()), (StatusCode::OK, Some("unchanged")));
        assert_eq!(t.store_audit_actions("plan.import").await, 1, "an unchanged import writes nothing");
        // Every wrong field is named by its path in the plan; nothing is stored.
        let mut wrong = plan.clone();
        wrong["period_to"] = json!(2010);
        wrong["targets"][1]["lead"] = json!("nobody");
        wrong["targets"][2]["change_percent"] = serde_json::Value::Null;
        let r = t.api("POST", "/api/v1/plans", &officer, Some(wrong.to_string())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let fields: Vec<String> =
            r.json()["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect();
        assert_eq!(fields, vec!["period_to", "targets[T1].lead", "targets[T2].change_percent"], "{}", r.body);
        let mut unknown = plan.clone();
        unknown["colour"] = json!("red");
        assert_eq!(t.api("POST", "/api/v1/plans", &officer, Some(unknown.to_string())).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        // A new version replaces the old one.
        let mut changed = plan.clone();
        changed["title_en"] = json!("Revised title");
        assert_eq!(t.api("POST", "/api/v1/plans", &officer, Some(changed.to_string())).await.json()["outcome"], "updated");
        // Read without signing in: the list and the whole document.
        let list = t.get("/api/v1/plans").await.json();
        assert_eq!(list[0]["code"], "dt-2013-ct20");
        assert_eq!((list[0]["targets"].as_u64(), list[0]["period_to"].as_i64()), (Some(7), Some(2020)));
        let whole = t.get("/api/v1/plans/dt-2013-ct20").await.json();
        assert_eq!(whole["title_en"], "Revised title");
        assert_eq!(whole["targets"][1]["change_percent"], plan["targets"][1]["change_percent"]);
        assert_eq!(t.get("/api/v1/plans/nope").await.status, StatusCode::NOT_FOUND);
        // The pages, in both languages.
        let page = t.get("/plans/dt-2013-ct20").await;
        assert_eq!(page.status, StatusCode::OK);
        for id in ["T0", "T1", "T2", "T3a", "T3b", "T4", "T5"] {
            assert!(page.body.contains(&format!("data-target=\"{id}\"")), "target {id} missing");
        }
        assert!(page.body.contains("data-agency=\"A8\""));
        assert!(t.get("/plans").await.body.contains("/plans/dt-2013-ct20"));
        assert_eq!(t.get("/plans/nope").await.status, StatusCode::NOT_FOUND);
    }
}

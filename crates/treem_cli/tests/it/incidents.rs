//! Incidents through the API and the pages, on every backend.

use axum::http::StatusCode;
use serde_json::json;
use time::macros::date;

use crate::harness::{apps, csrf_of};

#[tokio::test]
async fn incidents_are_recorded_counted_and_scoped() {
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        t.account("mai.ap", "hamlet_collaborator", "29884-01", None).await;
        t.account("binh.xa", "commune_worker", "29954", None).await;
        let token = t.token("lan.xa").await;
        let hamlet = t.unit_id("29884-01", date!(2026 - 01 - 01));
        let child =
            |name: &str| json!({"full_name": name, "sex": "female", "birth_date": "2013-01-01", "residence_unit_id": hamlet}).to_string();
        let a = t.api("POST", "/api/v1/children", &token, Some(child("Võ Thị Hoa"))).await.json()["id"].as_i64().unwrap();
        let b = t.api("POST", "/api/v1/children", &token, Some(child("Võ Thị Huệ"))).await.json()["id"].as_i64().unwrap();
        let abuse = json!({"kind": "abuse", "occurred_on": "2026-03-10", "unit_id": hamlet, "children": [a, b], "abuse_form": "xam_hai_tinh_duc",
            "sexual_subtype": "dam_o", "setting": "online", "relation": "acquaintance", "details": "Bị dụ dỗ qua mạng xã hội"});
        let r = t.api("POST", "/api/v1/incidents", &token, Some(abuse.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_i64().unwrap();
        // Fields of another kind, and a missing sub-type, are refused by name.
        let mut wrong = abuse.clone();
        wrong["injury"] = json!("drowning");
        wrong["sexual_subtype"] = json!("");
        let r = t.api("POST", "/api/v1/incidents", &token, Some(wrong.to_string())).await;
        let fields: Vec<String> =
            r.json()["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect();
        assert_eq!(fields, vec!["sexual_subtype", "injury"]);
        let drowning = json!({"kind": "accident", "occurred_on": "2025-10-02", "unit_id": t.unit_id("29884", date!(2025 - 10 - 02)), "children": [a], "injury": "drowning", "fatal": false});
        assert_eq!(t.api("POST", "/api/v1/incidents", &token, Some(drowning.to_string())).await.status, StatusCode::CREATED);
        // Counted by date of occurrence.
        let in_2026 = t.api("GET", "/api/v1/incidents?from=2026-01-01&to=2026-12-31", &token, None).await.json();
        assert_eq!(in_2026.as_array().unwrap().len(), 1);
        assert!(in_2026[0].get("details").is_none(), "lists carry no details");
        let acc = t.api("GET", "/api/v1/incidents?kind=accident", &token, None).await;
        assert_eq!(acc.json().as_array().unwrap_or_else(|| panic!("{}", acc.body)).len(), 1);
        // Details follow the role; other communes see nothing.
        let mine = t.api("GET", &format!("/api/v1/incidents/{id}"), &token, None).await.json();
        assert_eq!(mine["details"]["value"], "Bị dụ dỗ qua mạng xã hội");
        assert_eq!(mine["children"], json!([a, b]));
        // The hamlet collaborator does not see abuse details: an abuse incident is, to
        // that role, exactly a record that does not exist.
        let collab_token = t.token("mai.ap").await;
        let collab = t.api("GET", &format!("/api/v1/incidents/{id}"), &collab_token, None).await;
        let missing = t.api("GET", "/api/v1/incidents/4242424242", &collab_token, None).await;
        assert_eq!((collab.status, collab.body.as_str()), (StatusCode::NOT_FOUND, missing.body.as_str()));
        let listed = t.api("GET", "/api/v1/incidents", &collab_token, None).await.json();
        assert!(listed.as_array().unwrap().iter().all(|i| i["kind"] == "accident"), "{listed}");
        assert_eq!(t.api("GET", "/api/v1/incidents?kind=abuse", &collab_token, None).await.json(), json!([]));
        let other = t.token("binh.xa").await;
        assert_eq!(t.api("GET", &format!("/api/v1/incidents/{id}"), &other, None).await.status, StatusCode::NOT_FOUND);
        assert!(t.api("GET", "/api/v1/incidents", &other, None).await.json().as_array().unwrap().is_empty());
        // Linking a child of another commune is refused.
        let theirs = t.api("POST", "/api/v1/children", &other, Some(json!({"full_name": "Lê Văn An", "sex": "male", "birth_date": "2012-01-01", "residence_unit_id": t.unit_id("29954", date!(2026 - 01 - 01))}).to_string())).await.json()["id"].as_i64().unwrap();
        let mut foreign = abuse.clone();
        foreign["children"] = json!([a, theirs]);
        assert_eq!(t.api("POST", "/api/v1/incidents", &token, Some(foreign.to_string())).await.json()["error"]["field"], "children");
        // The page: counts by kind and form; the form keeps what was typed on error.
        let s = t.session("lan.xa").await;
        let list = t.page("/incidents", &s).await.body;
        assert!(
            list.contains("data-count=\"abuse_form.xam_hai_tinh_duc\">1<") && list.contains("data-count=\"injury.drowning\">1<"),
            "{list}"
        );
        let form = t.page("/incidents/new", &s).await;
        let csrf = csrf_of(&form.body);
        let hamlet_s = hamlet.to_string();
        let a_s = a.to_string();
        let r = t
            .post_form(
                "/incidents",
                Some(&s),
                &[
                    ("csrf", &csrf),
                    ("kind", "accident"),
                    ("occurred_on", "2026-02-01"),
                    ("unit_id", &hamlet_s),
                    ("children", &a_s),
                    ("injury", ""),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("data-field=\"injury\""));
        let b_s = b.to_string();
        let r = t
            .post_form(
                "/incidents",
                Some(&s),
                &[
                    ("csrf", &csrf),
                    ("kind", "accident"),
                    ("occurred_on", "2026-02-01"),
                    ("unit_id", &hamlet_s),
                    ("children", &a_s),
                    ("children", &b_s),
                    ("injury", "traffic"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = t.page(r.headers.get("location").unwrap().to_str().unwrap(), &s).await.body;
        assert!(page.contains("Võ Thị Hoa") && page.contains("Võ Thị Huệ"));
    }
}

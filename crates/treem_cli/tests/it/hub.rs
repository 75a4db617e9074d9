//! The child as the hub: the child's page and `/api/v1/children/{id}/overview` show its
//! cases, incidents, referrals, open tasks and history, as far as the reader may see them;
//! the incident form finds children by a search without JavaScript. On every backend.

use axum::http::StatusCode;
use serde_json::json;
use time::macros::date;

use crate::harness::{apps, csrf_of};

#[tokio::test]
async fn the_child_page_gathers_cases_incidents_and_history_as_far_as_the_role_sees() {
    for t in apps().await {
        let b = t.backend;
        t.account("lan.xa", "commune_worker", "29884", None).await;
        t.account("mai.ap", "hamlet_collaborator", "29884-01", None).await;
        t.account("binh.xa", "commune_worker", "29954", None).await;
        t.account("ca.xa", "police_liaison", "29884", None).await;
        t.account("so.gd", "agency_reporter", "82", None).await;
        t.account("tinh.t", "provincial_officer", "82", None).await;
        let token = t.token("lan.xa").await;
        let hamlet = t.unit_id("29884-01", date!(2026 - 01 - 01));
        let body = json!({"full_name": "Đỗ Thị Hạnh", "sex": "female", "birth_date": "2013-04-05", "residence_unit_id": hamlet,
            "hiv_status": "positive"});
        let r = t.api("POST", "/api/v1/children", &token, Some(body.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b}: {}", r.body);
        let child = r.json()["id"].as_i64().unwrap();
        let open = json!({"child_id": child, "source": "hotline_111", "summary": "Hàng xóm báo trẻ bị đánh", "urgent": true});
        let r = t.api("POST", "/api/v1/cases", &token, Some(open.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b}: {}", r.body);
        let case = r.json()["id"].as_i64().unwrap();
        let abuse = json!({"kind": "abuse", "occurred_on": "2026-03-10", "unit_id": hamlet, "children": [child], "abuse_form": "bao_luc",
            "setting": "family", "relation": "parent"});
        let r = t.api("POST", "/api/v1/incidents", &token, Some(abuse.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b}: {}", r.body);
        let abuse_id = r.json()["id"].as_i64().unwrap();
        let accident = json!({"kind": "accident", "occurred_on": "2026-02-01", "unit_id": hamlet, "children": [child], "injury": "drowning", "fatal": false});
        let accident_id = t.api("POST", "/api/v1/incidents", &token, Some(accident.to_string())).await.json()["id"].as_i64().unwrap();
        let provider = t
            .app
            .cases
            .create_provider(&t.app.auth.actor_for("tinh.t", "t").await.unwrap(), "Nhà tạm lánh Sen Hồng", "safe_house", "82", "")
            .await
            .unwrap();
        let r = t.api("POST", &format!("/api/v1/cases/{case}/referrals"), &token, Some(json!({"provider_id": provider}).to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{b}: {}", r.body);

        // The worker: everything, in the API…
        let before = t.store_audit_actions("child.read_overview").await;
        let uri = format!("/api/v1/children/{child}/overview");
        let r = t.api("GET", &uri, &token, None).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.body);
        let o = r.json();
        assert_eq!(o["cases"][0]["id"], case, "{b}: {o}");
        assert_eq!(o["cases"][0]["state"], "received");
        let incidents: Vec<i64> = o["incidents"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
        assert!(incidents.contains(&abuse_id) && incidents.contains(&accident_id), "{b}: {o}");
        assert_eq!(o["referrals"][0]["provider"], "Nhà tạm lánh Sen Hồng");
        assert!(!o["tasks"].as_array().unwrap().is_empty(), "{b}: an urgent case has open tasks: {o}");
        let whats: Vec<&str> = o["history"].as_array().unwrap().iter().map(|h| h["what"].as_str().unwrap()).collect();
        for w in ["case_opened", "incident_recorded", "referral"] {
            assert!(whats.contains(&w), "{b}: history has {w}: {o}");
        }
        let days: Vec<&str> = o["history"].as_array().unwrap().iter().map(|h| h["on"].as_str().unwrap()).collect();
        assert!(days.windows(2).all(|w| w[0] >= w[1]), "{b}: newest first: {days:?}");
        assert_eq!((o["may_open_case"].as_bool(), o["may_record_incident"].as_bool()), (Some(true), Some(true)));
        // …audited as one entry per read.
        assert_eq!(t.store_audit_actions("child.read_overview").await, before + 1, "{b}");

        // …and on the page, with the two buttons.
        let s = t.session("lan.xa").await;
        let page = t.page(&format!("/children/{child}"), &s).await;
        assert_eq!(page.status, StatusCode::OK);
        let hub = page.body.split("<section id=\"hub\"").nth(1).unwrap_or_else(|| panic!("{b}: no hub section")).to_owned();
        let hub = hub.split("</section>").next().unwrap();
        for want in [
            format!("href=\"/cases/{case}\""),
            format!("href=\"/incidents/{abuse_id}\""),
            format!("href=\"/incidents/{accident_id}\""),
            "Nhà tạm lánh Sen Hồng".into(),
            "Xâm hại trẻ em".into(),
            "10/03/2026".into(),
            format!("id=\"child-open-case\" href=\"/cases/new?child={child}\""),
            format!("id=\"child-record-incident\" href=\"/incidents/new?children={child}\""),
        ] {
            assert!(hub.contains(&want), "{b}: the hub shows {want}:\n{hub}");
        }
        assert_eq!(t.store_audit_actions("child.read_overview").await, before + 2, "{b}");
        // The link preselects the child on the incident form.
        let form = t.page(&format!("/incidents/new?children={child}"), &s).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains(&format!("name=\"children\" value=\"{child}\" checked")), "{b}: {}", form.body);

        // The police liaison sees the case and both incidents but nothing about HIV.
        let police = t.token("ca.xa").await;
        let p = t.api("GET", &uri, &police, None).await;
        assert_eq!(p.status, StatusCode::OK, "{b}: {}", p.body);
        assert!(!p.body.to_lowercase().contains("hiv") && !p.body.contains("positive"), "{b}: {}", p.body);
        assert_eq!(p.json()["cases"][0]["id"], case);
        let ps = t.session("ca.xa").await;
        let ppage = t.page(&format!("/children/{child}"), &ps).await.body;
        assert!(!ppage.contains("child-hiv") && !ppage.contains("HIV"), "{b}: the police page tells nothing of HIV");
        assert!(!ppage.contains("id=\"child-open-case\"") && !ppage.contains("id=\"child-record-incident\""), "{b}: police do not write");

        // The hamlet collaborator does not see abuse: the abuse incident is not there, not
        // even in the history, as if it had never been recorded.
        let collab = t.token("mai.ap").await;
        let c = t.api("GET", &uri, &collab, None).await;
        assert_eq!(c.status, StatusCode::OK, "{b}: {}", c.body);
        let co = c.json();
        let seen: Vec<i64> = co["incidents"].as_array().unwrap().iter().map(|i| i["id"].as_i64().unwrap()).collect();
        assert_eq!(seen, vec![accident_id], "{b}: {co}");
        assert!(!c.body.contains(&abuse_id.to_string()) && !c.body.contains("\"abuse\""), "{b}: {}", c.body);
        let cs = t.session("mai.ap").await;
        let cpage = t.page(&format!("/children/{child}"), &cs).await.body;
        assert!(!cpage.contains(&format!("/incidents/{abuse_id}")) && !cpage.contains("Xâm hại trẻ em"), "{b}: {cpage}");

        // Out of scope: the same 404 as a missing child (and audited as denied); a role
        // that reads no records: 403.
        let other = t.token("binh.xa").await;
        let r = t.api("GET", &uri, &other, None).await;
        let missing = t.api("GET", "/api/v1/children/987654321/overview", &other, None).await;
        assert_eq!((r.status, r.body.as_str()), (StatusCode::NOT_FOUND, missing.body.as_str()), "{b}");
        assert_eq!(r.json()["error"]["code"], "NOT_FOUND");
        let os = t.session("binh.xa").await;
        assert_eq!(t.page(&format!("/children/{child}"), &os).await.status, StatusCode::NOT_FOUND);
        let agency = t.token("so.gd").await;
        let r = t.api("GET", &uri, &agency, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{b}: {}", r.body);
        assert_eq!(r.json()["error"]["code"], "FORBIDDEN");
        assert!(
            t.raw_count("SELECT COUNT(*) FROM audit_log WHERE action = 'child.read_overview' AND outcome = 'denied'").await >= 2,
            "{b}: the refusals are audited"
        );
    }
}

#[tokio::test]
async fn the_incident_form_finds_children_by_a_search_and_keeps_what_was_typed() {
    for t in apps().await {
        let b = t.backend;
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let token = t.token("lan.xa").await;
        let hamlet = t.unit_id("29884-01", date!(2026 - 01 - 01));
        let child =
            |name: &str| json!({"full_name": name, "sex": "male", "birth_date": "2012-06-07", "residence_unit_id": hamlet}).to_string();
        let a = t.api("POST", "/api/v1/children", &token, Some(child("Trương Văn Khải"))).await.json()["id"].as_i64().unwrap();
        let other = t.api("POST", "/api/v1/children", &token, Some(child("Lý Thị Nga"))).await.json()["id"].as_i64().unwrap();
        let s = t.session("lan.xa").await;
        let form = t.page("/incidents/new", &s).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(!form.body.contains("name=\"children\" value="), "{b}: no flat list of children");
        assert!(form.body.contains("formaction=\"/incidents/new\""), "{b}: the search button posts to the form");
        let csrf = csrf_of(&form.body);
        let hamlet_s = hamlet.to_string();
        let fields = [
            ("csrf", csrf.as_str()),
            ("kind", "accident"),
            ("occurred_on", "2026-02-01"),
            ("unit_id", hamlet_s.as_str()),
            ("injury", "traffic"),
            ("notes", "Va chạm xe máy trên đường đi học"),
            ("q", "khai"),
            ("action", "search"),
        ];
        let before = t.raw_count("SELECT COUNT(*) FROM incident").await;
        let r = t.post_form("/incidents/new", Some(&s), &fields).await;
        assert_eq!(r.status, StatusCode::OK, "{b}: {}", r.body);
        assert!(r.body.contains(&format!("name=\"children\" value=\"{a}\">")), "{b}: the match is offered, not ticked: {}", r.body);
        assert!(!r.body.contains(&format!("name=\"children\" value=\"{other}\"")), "{b}: only the matches");
        assert!(r.body.contains("Va chạm xe máy trên đường đi học") && r.body.contains("value=\"khai\""), "{b}: what was typed is kept");
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM incident").await, before, "{b}: nothing saved");
        // Ticked and saved with the normal button.
        let a_s = a.to_string();
        let mut save: Vec<(&str, &str)> = fields.iter().copied().filter(|(k, _)| *k != "action").collect();
        save.push(("children", &a_s));
        let r = t.post_form("/incidents", Some(&s), &save).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{b}: {}", r.body);
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM incident").await, before + 1);
        let o = t.api("GET", &format!("/api/v1/children/{a}/overview"), &token, None).await.json();
        assert_eq!(o["incidents"].as_array().unwrap().len(), 1, "{b}: {o}");
    }
}

//! A plan's targets measured as records are saved: incidents move the yearly targets at once,
//! unit statuses move the unit targets; within scope, on every backend.

use axum::http::StatusCode;
use serde_json::json;
use time::macros::date;

use crate::harness::apps;
use crate::shared::founding_plan;

/// (year, count, status) of one target's progress as the API reports it.
fn years_of(progress: &serde_json::Value, target: &str) -> Vec<(i64, i64, String)> {
    let t = progress.as_array().unwrap().iter().find(|t| t["target_id"] == target).unwrap_or_else(|| panic!("{progress}"));
    t["years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| (y["year"].as_i64().unwrap(), y["actual"].as_i64().unwrap(), y["status"].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn a_saved_incident_moves_the_targets_progress_at_once_within_scope() {
    for t in apps().await {
        t.account("tinh.87", "provincial_officer", "87", Some(date!(2013 - 12 - 31))).await;
        t.account("lan.xa", "commune_worker", "29884", None).await;
        t.account("binh.xa", "commune_worker", "29954", None).await;
        let officer = t.token("tinh.87").await;
        assert_eq!(t.api("POST", "/api/v1/plans", &officer, Some(founding_plan().to_string())).await.status, StatusCode::CREATED);
        let worker = t.token("lan.xa").await;
        let hamlet = t.unit_id("29884", date!(2013 - 01 - 01));
        let home = t.unit_id("29884-01", date!(2026 - 01 - 01));
        let r = t
            .api(
                "POST",
                "/api/v1/children",
                &worker,
                Some(
                    json!({"full_name": "Võ Thị Hoa", "sex": "female", "birth_date": "2011-01-01", "residence_unit_id": home}).to_string(),
                ),
            )
            .await;
        let child = r.json()["id"].as_i64().unwrap_or_else(|| panic!("{}", r.body));
        let abuse = |day: &str| {
            json!({"kind": "abuse", "occurred_on": day, "unit_id": hamlet, "children": [child], "abuse_form": "xam_hai_tinh_duc",
                "sexual_subtype": "dam_o", "setting": "family", "relation": "acquaintance"})
            .to_string()
        };
        // Before any record: the base year 2012 counted nothing.
        let p = t.api("GET", "/api/v1/plans/dt-2013-ct20/progress", &worker, None).await;
        assert_eq!(p.status, StatusCode::OK, "{}", p.body);
        assert_eq!(years_of(&p.json(), "T1")[0], (2012, 0, "no_baseline".into()));
        assert_eq!(years_of(&p.json(), "T1").len(), 9, "2012 to the deadline 2020");
        for day in ["2012-03-01", "2012-05-01", "2013-02-01", "2014-02-01", "2014-03-01"] {
            let r = t.api("POST", "/api/v1/incidents", &worker, Some(abuse(day))).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        // Another form of abuse is not counted by T1.
        let mut beating: serde_json::Value = serde_json::from_str(&abuse("2013-04-01")).unwrap();
        beating["abuse_form"] = json!("bao_luc");
        beating["sexual_subtype"] = json!("");
        assert_eq!(t.api("POST", "/api/v1/incidents", &worker, Some(beating.to_string())).await.status, StatusCode::CREATED);
        // Year on year: 2013 may be at most 95 % of 2012's 2 (1.90), 2014 at most 95 % of 2013's 1
        // (0.95): 1 is achieved, 2 is missed; the path compounded from 2012 (1.90, 1.81) is context.
        let p = t.api("GET", "/api/v1/plans/dt-2013-ct20/progress", &worker, None).await.json();
        let y = years_of(&p, "T1");
        assert_eq!(y[..3], [(2012, 2, "baseline".into()), (2013, 1, "achieved".into()), (2014, 2, "missed".into())]);
        let t1 = p.as_array().unwrap().iter().find(|t| t["target_id"] == "T1").unwrap();
        assert_eq!((t1["kind"].as_str(), t1["rule"].as_str()), (Some("year_on_year_reduction"), Some("previous_year")));
        assert_eq!((t1["years"][1]["ceiling"].as_str(), t1["years"][2]["ceiling"].as_str()), (Some("1.90"), Some("0.95")));
        assert_eq!((t1["years"][2]["previous"].as_i64(), t1["years"][2]["trajectory"].as_str()), (Some(1), Some("1.81")));
        // 2015 follows 2014's 2 and counted nothing: met; 2016 follows a year that counted nothing: no data.
        assert_eq!((y[3].2.as_str(), y[4].2.as_str()), ("achieved", "no_data"));
        assert!(years_of(&p, "T2").iter().all(|(_, n, _)| *n == 0));
        // The catalogue's indicators move with the same records: counts and a ratio ("no data" without a denominator).
        let v = t.api("GET", "/api/v1/indicators/incidents.sexual_abuse/values?from=2012&to=2015", &worker, None).await.json();
        let values: Vec<serde_json::Value> = v.as_array().unwrap_or_else(|| panic!("{v}")).iter().map(|y| y["value"].clone()).collect();
        assert_eq!(values, vec![json!("2"), json!("1"), json!("2"), json!("0")]);
        let v = t.api("GET", "/api/v1/indicators/incidents.sexual_abuse_share/values?from=2012&to=2015", &worker, None).await.json();
        let values: Vec<serde_json::Value> = v.as_array().unwrap().iter().map(|y| y["value"].clone()).collect();
        assert_eq!(values, vec![json!("100.00"), json!("50.00"), json!("100.00"), serde_json::Value::Null]);
        assert_eq!(t.api("GET", "/api/v1/indicators/nope/values", &worker, None).await.status, StatusCode::NOT_FOUND);
        let r = t.api("GET", "/api/v1/indicators/incidents.abuse/values?from=2015&to=2012", &worker, None).await;
        assert_eq!(r.json()["error"]["field"], "to");
        let page = t.page("/indicators", &t.session("lan.xa").await).await.body;
        // The page shows the last six years: no abuse recorded then, so the ratio has no data.
        assert!(
            page.contains("data-indicator=\"incidents.sexual_abuse_share\"") && page.contains("<td data-value>không có số liệu</td>"),
            "{page}"
        );
        // By unit, on either map: the 2014 cases sit on the old commune, then on its 2025 successor; totals kept.
        let sum = |b: &serde_json::Value| -> i64 {
            b["rows"].as_array().unwrap().iter().filter_map(|r| r["value"].as_str()).map(|v| v.parse::<i64>().unwrap()).sum()
        };
        let value_of = |b: &serde_json::Value, unit: i64| {
            b["rows"].as_array().unwrap().iter().find(|r| r["unit_id"] == unit).map(|r| r["value"].clone())
        };
        let old = t.api("GET", "/api/v1/indicators/incidents.sexual_abuse/breakdown?year=2014", &worker, None).await.json();
        assert_eq!((old["on"].as_str(), value_of(&old, hamlet), sum(&old)), (Some("2014-12-31"), Some(json!("2")), 2), "{old}");
        let new = t.api("GET", "/api/v1/indicators/incidents.sexual_abuse/breakdown?year=2014&on=2025-07-01", &worker, None).await.json();
        let successor = t.unit_id("29884", date!(2026 - 01 - 01));
        assert_eq!((value_of(&new, successor), sum(&new), new["unmapped"].as_i64()), (Some(json!("2")), 2, Some(0)), "{new}");
        let districts =
            t.api("GET", "/api/v1/indicators/incidents.sexual_abuse/breakdown?year=2014&level=district", &officer, None).await.json();
        assert_eq!(sum(&districts), 2, "{districts}");
        assert_eq!(districts["rows"].as_array().unwrap().len(), 12, "the 12 district-level units of 2014");
        let r = t.api("GET", "/api/v1/indicators/incidents.sexual_abuse/breakdown?level=hamlet", &worker, None).await;
        assert_eq!(r.json()["error"]["field"], "level");
        let page = t.page("/indicators/incidents.sexual_abuse?year=2014&on=2025-07-01", &t.session("lan.xa").await).await.body;
        assert!(page.contains("<th id=\"breakdown-total\">2</th>") && page.contains("id=\"breakdown-csv\""), "{page}");
        let csv = t
            .page("/indicators/incidents.sexual_abuse?year=2014&on=2025-07-01&level=commune&format=csv", &t.session("lan.xa").await)
            .await
            .body;
        assert!(
            csv.starts_with("\u{feff}")
                && csv.lines().nth(1) == Some("Mã đơn vị,Đơn vị,Mã trong treem,Năm,Giá trị")
                && csv.contains("theo bản đồ hành chính ngày 01/07/2025")
                && csv.contains(&format!(",{successor},2014,2\n")),
            "{csv}"
        );
        // Public statistics over the plan's whole area: small counts are not published.
        for _ in 0..10 {
            let drowning = json!({"kind": "accident", "occurred_on": "2015-09-20", "unit_id": hamlet, "children": [child], "injury": "drowning", "fatal": false});
            assert_eq!(t.api("POST", "/api/v1/incidents", &worker, Some(drowning.to_string())).await.status, StatusCode::CREATED);
        }
        // Side by side: 12 sexual-abuse cases among 15 abuse cases in 2016 would give the other 3 away.
        for form in ["xam_hai_tinh_duc"; 12].into_iter().chain(["bao_luc"; 3]) {
            let mut abuse = json!({"kind": "abuse", "occurred_on": "2016-03-02", "unit_id": hamlet, "children": [child], "abuse_form": form,
                "setting": "family", "relation": "acquaintance"});
            if form == "xam_hai_tinh_duc" {
                abuse["sexual_subtype"] = json!("dam_o");
            }
            let r = t.api("POST", "/api/v1/incidents", &worker, Some(abuse.to_string())).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        let public = t.get("/api/v1/plans/dt-2013-ct20/public-statistics").await.json();
        let row = |code: &str| -> Vec<(i64, String, Option<String>)> {
            let p = public.as_array().unwrap_or_else(|| panic!("{public}")).iter().find(|p| p["code"] == code).unwrap();
            p["years"]
                .as_array()
                .unwrap()
                .iter()
                .map(|y| (y["year"].as_i64().unwrap(), y["status"].as_str().unwrap().to_owned(), y["value"].as_str().map(str::to_owned)))
                .collect()
        };
        assert_eq!(
            row("incidents.sexual_abuse")[..4],
            [
                (2012, "suppressed".into(), None),
                (2013, "suppressed".into(), None),
                (2014, "suppressed".into(), None),
                (2015, "shown".into(), Some("0".into()))
            ]
        );
        assert_eq!(row("incidents.drowning")[3], (2015, "shown".into(), Some("10".into())));
        assert_eq!(row("incidents.sexual_abuse_share")[0].1, "suppressed", "2 of 2 would give the count away");
        assert_eq!(row("incidents.sexual_abuse_share")[3].1, "no_data");
        // Published once, kept as published: a drowning recorded later for 2015 does not
        // move the public figure (two readings would otherwise give it away).
        let first = t.get("/api/v1/plans/dt-2013-ct20/public-statistics").await.body;
        let late = json!({"kind": "accident", "occurred_on": "2015-10-01", "unit_id": hamlet, "children": [child], "injury": "drowning", "fatal": false});
        assert_eq!(t.api("POST", "/api/v1/incidents", &worker, Some(late.to_string())).await.status, StatusCode::CREATED);
        let again = t.get("/api/v1/plans/dt-2013-ct20/public-statistics").await;
        assert_eq!(again.body, first, "the released figures do not move");
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM public_release").await, 9, "2012–2020, once each");
        assert_eq!(t.store_audit_actions("public.release").await, 9, "each release is audited");
        let public = t.get("/api/v1/plans/dt-2013-ct20/public-statistics").await.json();
        let in_2016 = |code: &str| {
            let p = public.as_array().unwrap().iter().find(|p| p["code"] == code).unwrap();
            let y = p["years"].as_array().unwrap().iter().find(|y| y["year"] == 2016).unwrap().clone();
            (y["status"].as_str().unwrap().to_owned(), y["value"].as_str().map(str::to_owned))
        };
        assert_eq!(in_2016("incidents.abuse"), ("shown".into(), Some("15".into())), "{public}");
        assert_eq!(in_2016("incidents.sexual_abuse"), ("suppressed".into(), None), "12 is not small, but 15 − 12 is");
        assert_eq!(in_2016("incidents.sexual_abuse_share").0, "suppressed");
        let page = t.get("/plans/dt-2013-ct20").await.body;
        assert!(
            page.contains("data-public=\"incidents.drowning\"")
                && page.contains("<td>ẩn (dưới 10 trường hợp)</td>")
                && page.contains("<td>10</td>"),
            "{page}"
        );
        // The province sees the commune's figures; another commune sees none of them.
        assert_eq!(years_of(&t.api("GET", "/api/v1/plans/dt-2013-ct20/progress", &officer, None).await.json(), "T1")[2].1, 2);
        let other = t.token("binh.xa").await;
        assert!(years_of(&t.api("GET", "/api/v1/plans/dt-2013-ct20/progress", &other, None).await.json(), "T1")
            .iter()
            .all(|(_, n, _)| *n == 0));
        // Progress is not public; the page shows it to the signed-in only.
        assert_eq!(t.get("/api/v1/plans/dt-2013-ct20/progress").await.status, StatusCode::UNAUTHORIZED);
        assert!(t.get("/plans/dt-2013-ct20").await.body.contains("id=\"progress\""));
        assert!(!t.get("/plans/dt-2013-ct20").await.body.contains("data-progress="));
        let session = t.session("lan.xa").await;
        let page = t.page("/plans/dt-2013-ct20", &session).await.body;
        assert!(page.contains("data-progress=\"T1\"") && page.contains("data-year=\"2014\" data-status=\"missed\""), "{page}");
        // The chart of T1: one bar per year from 2012 to 2020, a ceiling from 2013; signed-in only.
        assert!(page.contains("src=\"/plans/dt-2013-ct20/targets/T1/chart.svg\""));
        let svg = t.page("/plans/dt-2013-ct20/targets/T1/chart.svg", &session).await;
        assert_eq!(svg.status, StatusCode::OK);
        assert_eq!(svg.body.matches("class=\"bar\"").count(), 9, "{}", svg.body);
        assert!(svg.body.contains("<title>2014: 2</title>") && svg.body.contains("class=\"ceiling\""));
        assert_ne!(t.get("/plans/dt-2013-ct20/targets/T1/chart.svg").await.status, StatusCode::OK);
        assert_eq!(t.page("/plans/dt-2013-ct20/targets/T9/chart.svg", &session).await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn unit_statuses_are_recorded_by_officers_and_counted_by_the_unit_targets() {
    for t in apps().await {
        t.account("tinh.87", "provincial_officer", "87", Some(date!(2013 - 12 - 31))).await;
        t.account("tinh.82", "provincial_officer", "82", Some(date!(2013 - 12 - 31))).await; // Tiền Giang, before the merger
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let officer = t.token("tinh.87").await;
        assert_eq!(t.api("POST", "/api/v1/plans", &officer, Some(founding_plan().to_string())).await.status, StatusCode::CREATED);
        // The 2013 map of the province: its districts and communes.
        let units = t.get("/api/v1/units?date=2013-12-31").await.json();
        let all = units["units"].as_array().unwrap();
        let province = all.iter().find(|u| u["code"] == "87").unwrap()["id"].clone();
        let districts: Vec<i64> = all.iter().filter(|u| u["parent_id"] == province).map(|u| u["id"].as_i64().unwrap()).collect();
        let communes: Vec<i64> = all
            .iter()
            .filter(|u| u["parent_id"].as_i64().is_some_and(|p| districts.contains(&p)))
            .map(|u| u["id"].as_i64().unwrap())
            .collect();
        assert_eq!((districts.len(), communes.len()), (12, 141), "Đồng Tháp in 2013");
        let add = |unit: i64, kind: &str, from: &str| {
            json!({"unit_id": unit, "kind": kind, "valid_from": from, "decision": "QĐ 123/QĐ-UBND ngày 01/06/2014"}).to_string()
        };
        // Only provincial officers, only in scope; wrong fields are named.
        let worker = t.token("lan.xa").await;
        assert_eq!(
            t.api("POST", "/api/v1/unit-statuses", &worker, Some(add(communes[0], "child_friendly", "2014-06-01"))).await.status,
            StatusCode::FORBIDDEN
        );
        let other = t.token("tinh.82").await;
        assert_eq!(
            t.api("POST", "/api/v1/unit-statuses", &other, Some(add(communes[0], "child_friendly", "2014-06-01"))).await.status,
            StatusCode::NOT_FOUND
        );
        let r = t
            .api(
                "POST",
                "/api/v1/unit-statuses",
                &officer,
                Some(json!({"unit_id": districts[0], "kind": "child_friendly", "valid_from": "1990-01-01", "decision": " "}).to_string()),
            )
            .await;
        let fields: Vec<String> = r.json()["error"]["fields"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", r.body))
            .iter()
            .map(|f| f["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(fields, vec!["decision", "valid_from"], "{}", r.body);
        let r = t
            .api(
                "POST",
                "/api/v1/unit-statuses",
                &officer,
                Some(
                    json!({"unit_id": districts[0], "kind": "child_friendly", "valid_from": "2014-06-01", "decision": "QĐ 1"}).to_string(),
                ),
            )
            .await;
        assert_eq!(r.json()["error"]["field"], "unit_id", "a district is not recognised child-friendly: {}", r.body);
        // T3a: ≥ 6 districts and > 45 communes run the model by 2015.
        for d in &districts[..6] {
            assert_eq!(
                t.api("POST", "/api/v1/unit-statuses", &officer, Some(add(*d, "community_based_protection", "2014-06-01"))).await.status,
                StatusCode::CREATED
            );
        }
        let mut first = 0;
        for (i, c) in communes[..46].iter().enumerate() {
            let from = if i < 45 { "2014-06-01" } else { "2015-03-01" };
            let r = t.api("POST", "/api/v1/unit-statuses", &officer, Some(add(*c, "community_based_protection", from))).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            if i == 0 {
                first = r.json()["id"].as_i64().unwrap();
            }
        }
        assert_eq!(t.store_audit_actions("unit_status.add").await, 52);
        let progress = t.get("/api/v1/plans/dt-2013-ct20/unit-progress").await.json();
        let t3a = progress.as_array().unwrap().iter().find(|p| p["target_id"] == "T3a").unwrap();
        let rows: Vec<(i64, String, i64, i64)> = t3a["years"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| {
                (
                    y["year"].as_i64().unwrap(),
                    y["status"].as_str().unwrap().to_owned(),
                    y["legs"][0]["count"].as_i64().unwrap(),
                    y["legs"][1]["count"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(rows, vec![(2013, "not_yet".into(), 0, 0), (2014, "not_yet".into(), 6, 45), (2015, "achieved".into(), 6, 46)]);
        assert_eq!(t3a["years"][2]["legs"][1]["total"], 141);
        // T5: more than 90 % of communes child-friendly by 2015: 1 of 141 is far from it.
        assert_eq!(
            t.api("POST", "/api/v1/unit-statuses", &officer, Some(add(communes[0], "child_friendly", "2014-06-01"))).await.status,
            StatusCode::CREATED
        );
        let progress = t.get("/api/v1/plans/dt-2013-ct20/unit-progress").await.json();
        let t5 = progress.as_array().unwrap().iter().find(|p| p["target_id"] == "T5").unwrap();
        assert_eq!((t5["years"][2]["legs"][0]["count"].as_i64(), t5["years"][2]["status"].as_str()), (Some(1), Some("missed")));
        // The same statuses are facts of the indicator engine, fresh after each save: 1 of 141 communes
        // child-friendly at the end of 2015, 46 communes and 6 districts running the model.
        let value = |code: &'static str| crate::shared::value(&t, &officer, code, 2015);
        assert_eq!(value("units.child_friendly_commune_share").await.as_deref(), Some("0.71"));
        assert_eq!(value("units.communes_with_protection_model").await.as_deref(), Some("46"));
        assert_eq!(value("units.districts_with_protection_model").await.as_deref(), Some("6"));
        let by_district = t
            .api("GET", "/api/v1/indicators/units.communes_with_protection_model/breakdown?year=2015&level=district", &officer, None)
            .await
            .json();
        let total: i64 = by_district["rows"].as_array().unwrap().iter().filter_map(|r| r["value"].as_str()?.parse::<i64>().ok()).sum();
        assert_eq!(total, 46, "{by_district}");
        // Ending a status: not before its first day; then 2015 counts 45 communes and T3a is missed.
        let end = |to: &str| json!({"valid_to": to}).to_string();
        let r = t.api("POST", &format!("/api/v1/unit-statuses/{first}/end"), &officer, Some(end("2014-01-01"))).await;
        assert_eq!(r.json()["error"]["field"], "valid_to");
        assert_eq!(
            t.api("POST", &format!("/api/v1/unit-statuses/{first}/end"), &worker, Some(end("2014-12-31"))).await.status,
            StatusCode::FORBIDDEN
        );
        // The plan page shares its figures between requests; a change of status is in the next one.
        assert!(t.get("/plans/dt-2013-ct20").await.body.contains("46 / 141"));
        assert_eq!(
            t.api("POST", &format!("/api/v1/unit-statuses/{first}/end"), &officer, Some(end("2014-12-31"))).await.status,
            StatusCode::NO_CONTENT
        );
        assert!(!t.get("/plans/dt-2013-ct20").await.body.contains("46 / 141"));
        let progress = t.get("/api/v1/plans/dt-2013-ct20/unit-progress").await.json();
        let t3a = progress.as_array().unwrap().iter().find(|p| p["target_id"] == "T3a").unwrap();
        assert_eq!((t3a["years"][2]["legs"][1]["count"].as_i64(), t3a["years"][2]["status"].as_str()), (Some(45), Some("missed")));
        assert_eq!(value("units.communes_with_protection_model").await.as_deref(), Some("45"), "an ended status leaves the count at once");
        assert_eq!(t.get(&format!("/api/v1/unit-statuses?unit={}", communes[0])).await.json().as_array().unwrap().len(), 2);
        // The pages: public counts on the plan; the form on the unit page for the officer only.
        let plan = t.get("/plans/dt-2013-ct20").await.body;
        assert!(plan.contains("data-unit-progress=\"T3a\"") && plan.contains("data-unit-progress=\"T5\""));
        let home = t.get("/").await.body;
        assert!(
            home.contains("data-glance=\"T3a\" data-status=\"missed\"") && home.contains("data-glance=\"T5\" data-status=\"missed\""),
            "{home}"
        );
        let officer_page = t.page(&format!("/units/{}", communes[1]), &t.session("tinh.87").await).await.body;
        assert!(officer_page.contains("id=\"unit-status-form\"") && officer_page.contains("data-status-id="));
        assert!(!t.page(&format!("/units/{}", communes[1]), &t.session("lan.xa").await).await.body.contains("id=\"unit-status-form\""));
    }
}

//! Unit targets and milestones measured by the indicator engine from the generated records
//! and the units' statuses; on every backend.

use crate::harness::apps;
use axum::http::StatusCode;
use serde_json::json;
use time::macros::date;
use treem_demo::{bulk, Scale};

#[tokio::test]
async fn unit_targets_and_milestones_are_measured_from_the_records_and_the_unit_statuses() {
    use treem_domain::incident::{AbuseForm, IncidentKind};
    let today = treem_domain::calendar::today_in_vietnam();
    for t in apps().await {
        let officer_id = t.account("tinh", "provincial_officer", "87", Some(date!(2013 - 12 - 31))).await;
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let data = bulk(Scale::Sample, &t.app.units.catalog(), today, 5).unwrap();
        t.app.load_generated(&data, officer_id, "sample seed 5").await.unwrap();
        let city = t.unit_id("866", date!(2013 - 12 - 31));
        // The founding plan with the city's own −10 % a year for sexual abuse, 2014–2016,
        // and more than half of its communes running the model in 2015.
        let mut plan = treem_app::plans::parse_plan_toml("plan", treem_domain::bundled::PLAN_DONG_THAP_2013).unwrap();
        let entry = |target: &str, from_year, to_year, value: &str, level: Option<&str>| treem_domain::plan::UnitTarget {
            target: target.into(),
            unit_code: "866".into(),
            unit_on: "2013-12-31".into(),
            from_year,
            to_year,
            value: value.into(),
            level: level.map(treem_domain::coded::Coded::new),
        };
        plan.unit_targets = vec![entry("T1", 2014, 2016, "-10", None), entry("T3a", 2015, 2015, "50", Some("commune"))];
        plan.targets.iter_mut().find(|x| x.id == "T3a").unwrap().kind = "unit_share_with_status".into();
        plan.targets.iter_mut().find(|x| x.id == "T3a").unwrap().legs.retain(|l| l.level.as_str() == "commune");
        t.app.plans.import(treem_app::accounts::Operator::Cli, &plan).await.unwrap();
        let catalog = t.app.units.catalog();
        // The city's count by year, from the generated records themselves.
        let expected = |year: i32| -> i64 {
            let in_city = |unit, on| catalog.subtree_on(treem_domain::units::UnitId(city), on).contains(&unit);
            let n = data.incidents.iter().filter(|(f, _)| {
                f.kind == IncidentKind::Abuse
                    && f.abuse_form == Some(AbuseForm::SexualAbuse)
                    && f.occurred_on.year() == year
                    && in_city(f.unit, f.occurred_on)
            });
            n.count() as i64
        };
        let officer = t.token("tinh").await;
        let r = t.api("GET", "/api/v1/plans/dt-2013-ct20/unit-targets", &officer, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let list = r.json();
        let change = &list[0];
        assert_eq!((change["kind"].as_str(), change["unit_id"].as_i64()), (Some("change"), Some(city)), "{list}");
        let years: Vec<(i64, i64)> = change["change_years"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| (y["year"].as_i64().unwrap(), y["actual"].as_i64().unwrap()))
            .collect();
        assert_eq!(years, (2013..=2016).map(|y| (i64::from(y), expected(y))).collect::<Vec<_>>(), "{}", t.backend);
        assert!(years.iter().any(|(_, n)| *n > 0), "the sample has abuse in the city");
        // T1 is judged year on year: the unit's 2016 ceiling is its own −10 % of its 2015 count,
        // and the path compounded from its 2013 count is beside it as context.
        let (base, previous) = (expected(2013), expected(2015));
        if previous > 0 {
            assert_eq!(change["change_years"][3]["ceiling"].as_str(), Some(thousandths_as_hundredths(previous * 900).as_str()), "{change}");
            assert_eq!(change["change_years"][3]["previous"].as_i64(), Some(previous));
        }
        if base > 0 {
            assert_eq!(change["change_years"][3]["trajectory"].as_str(), Some(thousandths_as_hundredths(base * 729).as_str()));
        }
        // A commune worker of 2025 holds none of the 2013 city: its count is not shown to them.
        let worker = t.token("lan.xa").await;
        let theirs = t.api("GET", "/api/v1/plans/dt-2013-ct20/unit-targets", &worker, None).await.json();
        assert_eq!((theirs[0]["kind"].as_str(), theirs[1]["kind"].as_str()), (Some("out_of_scope"), Some("status")), "{theirs}");
        // The share: none of the city's communes runs the model yet; then more than half do.
        assert_eq!(list[1]["status_years"][0]["status"], "missed", "{list}");
        let units = t.get("/api/v1/units?date=2015-12-31").await.json();
        let communes: Vec<i64> = units["units"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["parent_id"].as_i64() == Some(city))
            .map(|u| u["id"].as_i64().unwrap())
            .collect();
        assert!(communes.len() >= 3, "{communes:?}");
        let add =
            |unit: i64, kind: &str, from: &str| json!({"unit_id": unit, "kind": kind, "valid_from": from, "decision": "QĐ 9"}).to_string();
        for c in &communes[..communes.len() / 2 + 1] {
            let r = t.api("POST", "/api/v1/unit-statuses", &officer, Some(add(*c, "community_based_protection", "2015-02-01"))).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }
        let list = t.api("GET", "/api/v1/plans/dt-2013-ct20/unit-targets", &officer, None).await.json();
        let leg = &list[1]["status_years"][0]["legs"][0];
        assert_eq!(
            (leg["count"].as_i64(), leg["total"].as_i64(), list[1]["status_years"][0]["status"].as_str()),
            (Some(communes.len() as i64 / 2 + 1), Some(communes.len() as i64), Some("achieved")),
            "{list}"
        );
        // T4: the pilot in the city (2014) and in Cao Lãnh district (2017: too late), then moved to 2016.
        let district = t.unit_id("873", date!(2013 - 12 - 31));
        let milestone = || async { t.get("/api/v1/plans/dt-2013-ct20/milestones").await.json()[0].clone() };
        assert_eq!((milestone().await["target_id"].as_str(), milestone().await["status"].as_str()), (Some("T4"), Some("missed")));
        assert_eq!(
            t.api("POST", "/api/v1/unit-statuses", &officer, Some(add(city, "juvenile_diversion_pilot", "2014-04-01"))).await.status,
            StatusCode::CREATED
        );
        let late = t.api("POST", "/api/v1/unit-statuses", &officer, Some(add(district, "juvenile_diversion_pilot", "2017-01-01"))).await;
        assert_eq!(late.status, StatusCode::CREATED, "{}", late.body);
        let m = milestone().await;
        assert_eq!(
            (m["status"].as_str(), m["units"][1]["since"].as_str(), m["units"][0]["since"].as_str()),
            (Some("missed"), Some("2014-04-01"), None),
            "{m}"
        );
        let id = late.json()["id"].as_i64().unwrap();
        assert_eq!(
            t.api("POST", &format!("/api/v1/unit-statuses/{id}/end"), &officer, Some(json!({"valid_to": "2017-01-01"}).to_string()))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            t.api("POST", "/api/v1/unit-statuses", &officer, Some(add(district, "juvenile_diversion_pilot", "2016-10-01"))).await.status,
            StatusCode::CREATED
        );
        assert_eq!(milestone().await["status"], "achieved");
        // The plan page shows both, to anyone for statuses; counts to the officer.
        let page = t.page("/plans/dt-2013-ct20", &t.session("tinh").await).await.body;
        assert!(page.contains("data-milestone=\"T4\" data-status=\"achieved\""), "{page}");
        assert!(page.contains("data-unit-target=\"1\" data-status=\"achieved\""), "{page}");
        assert!(!page.contains("data-unit-target=\"0\" data-status=\"out_of_scope\""), "{page}");
        assert!(t.get("/").await.body.contains("data-glance=\"T4\" data-status=\"achieved\""), "the plan at a glance");
        let public = t.get("/plans/dt-2013-ct20").await.body;
        assert!(
            public.contains("data-unit-target=\"0\" data-status=\"out_of_scope\"")
                && public.contains("data-unit-target=\"1\" data-status=\"achieved\"")
        );
        // The unit tables sort by name or by how far behind each unit is (the order: a unit
        // test in treem_web); the page says which order it shows.
        let at = |page: &str, i: usize| page.find(&format!("data-unit-target=\"{i}\"")).unwrap_or_else(|| panic!("{page}"));
        let by_status = t.get("/plans/dt-2013-ct20?ut_sort=status").await.body;
        assert!(by_status.contains("data-unit-target=\"1\" data-status=\"achieved\""), "{by_status}");
        assert!(by_status.contains("data-sort=\"status\" href=\"/plans/dt-2013-ct20?ut_sort=status#targets\" aria-current=\"true\""));
        let unknown = t.get("/plans/dt-2013-ct20?ut_sort=drop").await;
        assert!(unknown.status.is_success() && at(&unknown.body, 0) < at(&unknown.body, 1), "an unknown order keeps the plan's");
    }
}

/// Hundredths as the API writes them, from a count × 10⁻³ (base × 0.9³ = base × 729 / 1000).
fn thousandths_as_hundredths(thousandths: i64) -> String {
    let h = (thousandths + 5) / 10;
    format!("{}.{:02}", h / 100, h % 100)
}

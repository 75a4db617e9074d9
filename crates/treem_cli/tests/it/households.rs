//! Households as facts: the plan's B1 and B2 (poor and near-poor household shares) are
//! computed from the register's households on each year's counting day, by their unit and
//! their poverty status that year, on either map, fresh after each save; on every backend.

use axum::http::StatusCode;
use serde_json::json;
use time::macros::date;

use crate::harness::{apps, TestApp};
use crate::shared::{percent, value};

/// A child registered on `registered_on` in the commune `code` (valid that day), with a
/// household `household` given `status` for `year`.
async fn child_in_household(
    t: &TestApp,
    token: &str,
    (code, registered_on): (&str, time::Date),
    household: &str,
    (year, status): (i32, &str),
) -> i64 {
    let unit = t.unit_id(code, registered_on);
    let child = json!({"full_name": format!("Trẻ {household}"), "sex": "female", "birth_date": "2010-03-03",
        "residence_unit_id": unit, "registered_on": registered_on.to_string()});
    let r = t.api("POST", "/api/v1/children", token, Some(child.to_string())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.json()["id"].as_i64().unwrap();
    set_poverty(t, token, id, household, year, status).await;
    id
}

async fn set_poverty(t: &TestApp, token: &str, child: i64, household: &str, year: i32, status: &str) {
    let profile = json!({"disability": false, "household_code": household, "household_head": format!("Chủ hộ {household}"),
        "poverty_year": year.to_string(), "poverty_status": status});
    let r = t.api("PUT", &format!("/api/v1/children/{child}/profile"), token, Some(profile.to_string())).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
}

/// The share of households with `status` in `year`, counted directly in the database.
async fn direct_share(t: &TestApp, status: &str, year: i32) -> String {
    let all = t.raw_count("SELECT COUNT(*) FROM household").await;
    let with = t.raw_count(&format!("SELECT COUNT(*) FROM household_poverty WHERE year = {year} AND status = '{status}'")).await;
    percent(with, all)
}

/// The breakdown's value for each unit of `level` on the map of `on`: (unit code, value).
async fn breakdown(t: &TestApp, token: &str, code: &str, year: i32, on: time::Date, level: &str) -> Vec<(String, Option<String>)> {
    let r = t.api("GET", &format!("/api/v1/indicators/{code}/breakdown?year={year}&on={on}&level={level}"), token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let b = r.json();
    assert_eq!((b["unmapped"].as_i64(), b["estimated"].as_bool()), (Some(0), Some(false)), "{b}");
    let catalog = t.app.units.catalog();
    let mut rows: Vec<(String, Option<String>)> = b["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["value"].is_null())
        .map(|r| {
            let unit = treem_domain::units::UnitId(r["unit_id"].as_i64().unwrap());
            (catalog.get(unit).unwrap().code.clone(), r["value"].as_str().map(str::to_owned))
        })
        .collect();
    rows.sort();
    rows
}

#[tokio::test]
async fn poor_and_near_poor_household_shares_are_counted_from_the_register() {
    let today = treem_domain::calendar::today_in_vietnam();
    let old = date!(2013 - 01 - 15);
    for t in apps().await {
        t.account("tinh", "provincial_officer", "82", None).await;
        t.account("lan.xa", "commune_worker", "29884", None).await;
        t.account("an.xa", "commune_worker", "29954", None).await;
        let officer = t.token("tinh").await;
        // Two households of Mỹ Ngãi (29881, city of Cao Lãnh) and one of Tân Nghĩa (30091,
        // Cao Lãnh district), registered in 2013 on the communes of that day; both communes
        // became the new Mỹ Ngãi (29884) on 1 July 2025.
        let first = child_in_household(&t, &officer, ("29881", old), "HGD-1", (2013, "poor")).await;
        child_in_household(&t, &officer, ("29881", old), "HGD-2", (2013, "neither")).await;
        child_in_household(&t, &officer, ("30091", old), "HGD-3", (2013, "near_poor")).await;
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM household").await, 3);
        // The engine's figure is the direct count: 1 poor and 1 near-poor of 3 households in 2013.
        for (code, status) in [("households.poor_share", "poor"), ("households.near_poor_share", "near_poor")] {
            for year in [2012, 2013, today.year()] {
                let direct = direct_share(&t, status, year).await;
                assert_eq!(value(&t, &officer, code, year).await, Some(direct), "{code} {year} {}", t.backend);
            }
        }
        assert_eq!(value(&t, &officer, "households.poor_share", 2013).await.as_deref(), Some("33.33"));
        // Broken down on the 2013 map: by district (each old commune's district) …
        let by_district = breakdown(&t, &officer, "households.poor_share", 2013, date!(2013 - 12 - 31), "district").await;
        assert_eq!(by_district, vec![("866".into(), Some("50.00".into())), ("873".into(), Some("0.00".into()))], "{}", t.backend);
        let near = breakdown(&t, &officer, "households.near_poor_share", 2013, date!(2013 - 12 - 31), "district").await;
        assert_eq!(near, vec![("866".into(), Some("0.00".into())), ("873".into(), Some("100.00".into()))]);
        // … and on today's map, where both old communes are the new Mỹ Ngãi.
        let by_commune = breakdown(&t, &officer, "households.poor_share", 2013, today, "commune").await;
        assert_eq!(by_commune, vec![("29884".into(), Some("33.33".into()))], "{}", t.backend);
        assert_eq!(
            breakdown(&t, &officer, "households.poor_share", 2013, today, "province").await,
            vec![("82".into(), Some("33.33".into()))]
        );
        // Scope: the new commune's worker counts what merged into it; another commune's none.
        let worker = t.token("lan.xa").await;
        assert_eq!(value(&t, &worker, "households.poor_share", 2013).await.as_deref(), Some("33.33"));
        assert_eq!(value(&t, &t.token("an.xa").await, "households.poor_share", 2013).await, None, "no households: no data");
        // The plan's B1 and B2 (end of 2012) are recomputed from the households; none was poor then.
        let plan = treem_app::plans::parse_plan_toml("plan", treem_domain::bundled::PLAN_DONG_THAP_2013).unwrap();
        t.app.plans.import(treem_app::accounts::Operator::Cli, &plan).await.unwrap();
        let baselines = || async {
            let r = t.api("GET", "/api/v1/plans/dt-2013-ct20/baselines", &officer, None).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            r.json()
                .as_array()
                .unwrap()
                .iter()
                .filter(|b| b["id"] == "B1" || b["id"] == "B2")
                .map(|b| {
                    (
                        b["id"].as_str().unwrap().to_owned(),
                        b["stated_percent"].as_str().unwrap().to_owned(),
                        b["recomputed"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(baselines().await, vec![("B1".into(), "10.01".into(), "0.00".into()), ("B2".into(), "7.51".into(), "0.00".into())]);
        // A status recorded for 2012 is in the next reading, without a rebuild.
        set_poverty(&t, &officer, first, "HGD-1", 2012, "poor").await;
        assert_eq!(baselines().await, vec![("B1".into(), "10.01".into(), "33.33".into()), ("B2".into(), "7.51".into(), "0.00".into())]);
        assert_eq!(value(&t, &officer, "households.poor_share", 2012).await, Some(direct_share(&t, "poor", 2012).await));
        // A new household (on today's commune), poor this year, is counted at once, from the
        // day its commune exists (1 July 2025): 1 of 4 households now, still 1 of 3 in 2013.
        let before = t.app.facts.snapshot().await.unwrap();
        child_in_household(&t, &worker, ("29884", today), "HGD-4", (today.year(), "poor")).await;
        assert_eq!(value(&t, &officer, "households.poor_share", today.year()).await.as_deref(), Some("25.00"), "{}", t.backend);
        assert_eq!(value(&t, &officer, "households.poor_share", 2013).await.as_deref(), Some("33.33"));
        assert_eq!(value(&t, &worker, "households.poor_share", today.year()).await.as_deref(), Some("25.00"));
        let corrected = t.app.facts.snapshot().await.unwrap();
        assert_ne!(before.households, corrected.households);
        t.app.facts.reload();
        let reloaded = t.app.facts.snapshot().await.unwrap();
        assert_eq!(corrected.households, reloaded.households, "corrected household facts equal a full reload ({})", t.backend);
        // The indicator page shows it.
        let session = t.session("tinh").await;
        let page = t.page("/indicators/households.poor_share", &session).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Tỷ lệ hộ nghèo"), "{}", page.body);
    }
}

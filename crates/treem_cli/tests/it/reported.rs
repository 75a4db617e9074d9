//! Values reported by agencies: saved through the API and the page, summed by the
//! catalogue's indicators at once, corrected by replacement, refused by role and scope,
//! audited; on every backend.

use axum::http::StatusCode;
use serde_json::json;
use time::macros::date;

use crate::harness::{apps, csrf_of, TestApp};

/// An indicator's value for one year as `token`'s holder reads it (none is "no data").
async fn value(t: &TestApp, token: &str, code: &str, year: i32) -> Option<String> {
    let r = t.api("GET", &format!("/api/v1/indicators/{code}/values?from={year}&to={year}"), token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{code}: {}", r.body);
    r.json()[0]["value"].as_str().map(str::to_owned)
}

async fn put(t: &TestApp, token: &str, body: serde_json::Value) -> crate::harness::Reply {
    t.api("PUT", "/api/v1/reported", token, Some(body.to_string())).await
}

/// Field names of a 422 answer.
fn fields(r: &crate::harness::Reply) -> Vec<String> {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.json()["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_reported_value_moves_its_indicator_at_once_and_a_correction_replaces_it() {
    let today = treem_domain::calendar::today_in_vietnam();
    let year = today.year() - 1;
    let counted_on = time::Date::from_calendar_date(year, time::Month::December, 31).unwrap();
    for t in apps().await {
        t.account("tinh", "provincial_officer", "82", None).await;
        // The harness's agency reporter belongs to "Sở Giáo dục và Đào tạo" (A2: preschool investment).
        t.account("sogd", "agency_reporter", "82", None).await;
        t.account("xa.myngai", "commune_worker", "29884", None).await;
        let (officer, agency, commune) = (t.token("tinh").await, t.token("sogd").await, t.token("xa.myngai").await);
        let my_ngai = t.unit_id("29884", counted_on);
        let an_binh = t.unit_id("29954", counted_on);
        let money = "reported.preschool_investment_pilot_communes";
        let before: i64 = value(&t, &officer, money, year).await.unwrap().parse().unwrap();

        let r = put(&t, &agency, json!({"element": "preschool_investment_pilot_communes", "unit": my_ngai, "year": year, "value": 2_500_000_000i64, "note": "QĐ 12/QĐ-UBND"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}: {}", t.backend, r.body);
        assert_eq!(r.json(), json!({"value": 2_500_000_000i64}));
        let after: i64 = value(&t, &officer, money, year).await.unwrap().parse().unwrap();
        assert_eq!(after - before, 2_500_000_000, "{}", t.backend);

        // A correction replaces the value; it is not added.
        let r = put(
            &t,
            &agency,
            json!({"element": "preschool_investment_pilot_communes", "unit": my_ngai, "year": year, "value": 3_000_000_000i64}),
        )
        .await;
        assert_eq!(r.json(), json!({"previous": 2_500_000_000i64, "value": 3_000_000_000i64}), "{}", r.body);
        let corrected: i64 = value(&t, &officer, money, year).await.unwrap().parse().unwrap();
        assert_eq!(corrected - before, 3_000_000_000);
        // The commune worker sees it in the commune; the neighbouring commune's worker would not.
        assert_eq!(value(&t, &commune, money, year).await.as_deref(), Some("3000000000"));

        // Another agency's element: the role may not (403); a unit outside scope: not found (404).
        let r =
            put(&t, &agency, json!({"element": "children_taught_to_swim", "unit": my_ngai, "year": year, "sex": "male", "value": 5})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = put(&t, &commune, json!({"element": "children_under6", "unit": an_binh, "year": year, "sex": "male", "value": 5})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);

        // Bad input names the field; nothing is written.
        let r = put(&t, &officer, json!({"element": "apples", "unit": my_ngai, "year": year, "value": 1})).await;
        assert_eq!(fields(&r), vec!["element"]);
        let r = put(&t, &officer, json!({"element": "children_under6", "unit": my_ngai, "year": today.year() + 1, "value": -1})).await;
        assert_eq!(fields(&r), vec!["year", "value", "sex"], "{}", r.body);
        let r = put(
            &t,
            &officer,
            json!({"element": "preschool_investment_pilot_communes", "unit": my_ngai, "year": year, "sex": "female", "value": 1}),
        )
        .await;
        assert_eq!(fields(&r), vec!["sex"]);
        let r =
            put(&t, &officer, json!({"element": "children_under6", "unit": 999_999_999, "year": year, "sex": "male", "value": 1})).await;
        assert_eq!(fields(&r), vec!["unit"]);
        // A unit that did not exist on the year's counting day.
        let r = put(&t, &officer, json!({"element": "children_under6", "unit": my_ngai, "year": 2020, "sex": "male", "value": 1})).await;
        assert_eq!(fields(&r), vec!["unit"], "{}", r.body);
        let r = t
            .api(
                "PUT",
                "/api/v1/reported",
                &officer,
                Some(r#"{"element": "children_under6", "unit": "x", "year": 2024, "value": 1}"#.into()),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("unit"), "{}", r.body);

        // A share from values reported by sex: 161 of 190.
        for (element, sex, v) in [
            ("children_under6", "male", 100),
            ("children_under6", "female", 90),
            ("children_under6_health_insurance", "male", 80),
            ("children_under6_health_insurance", "female", 81),
        ] {
            let r = put(&t, &commune, json!({"element": element, "unit": my_ngai, "year": year, "sex": sex, "value": v})).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        assert_eq!(value(&t, &officer, "reported.health_insurance_under6_share", year).await.as_deref(), Some("84.74"));
        let r = t
            .api(
                "GET",
                &format!("/api/v1/indicators/reported.health_insurance_under6_share/disaggregation?by=sex&year={year}"),
                &officer,
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let girls = r.json()["rows"].as_array().unwrap().iter().find(|x| x["value"] == "female").map(|x| x["figure"].clone());
        assert_eq!(girls, Some(json!("90.00")), "{}", r.body);
        // The same element reported for the province too would be added twice: refused.
        let province = t.unit_id("82", counted_on);
        let r =
            put(&t, &officer, json!({"element": "children_under6", "unit": province, "year": year, "sex": "male", "value": 1000})).await;
        assert_eq!(fields(&r), vec!["unit"], "{}", r.body);

        // Listed within scope: the officer sees the commune's values, by year and element.
        let r = t.api("GET", &format!("/api/v1/reported?year={year}&element=children_under6"), &officer, None).await;
        assert_eq!(r.json().as_array().unwrap().len(), 2, "{}", r.body);
        let r = t.api("GET", &format!("/api/v1/reported?year={year}&unit={an_binh}"), &officer, None).await;
        assert_eq!(r.json().as_array().unwrap().len(), 0, "{}", r.body);

        // Audited with old and new values, one entry per save.
        assert_eq!(t.store_audit_actions("reported.save").await, 6);
        assert_eq!(
            t.raw_count("SELECT COUNT(*) FROM audit_log WHERE action = 'reported.save' AND fields LIKE '%old=2500000000,new=3000000000%'")
                .await,
            1
        );

        // The corrected facts equal a full reload.
        let kept = t.app.facts.snapshot().await.unwrap();
        t.app.facts.reload();
        let reloaded = t.app.facts.snapshot().await.unwrap();
        assert_eq!(kept.reported, reloaded.reported, "{}", t.backend);
        assert_eq!(kept.reported.len(), 5);
    }
}

#[tokio::test]
async fn a_csv_file_is_stored_whole_or_not_at_all_and_the_page_enters_values() {
    let today = treem_domain::calendar::today_in_vietnam();
    let year = today.year() - 1;
    let counted_on = time::Date::from_calendar_date(year, time::Month::December, 31).unwrap();
    for t in apps().await {
        t.account("tinh", "provincial_officer", "82", None).await;
        t.account("huyen", "district_officer", "866", Some(date!(2020 - 06 - 01))).await;
        let officer = t.token("tinh").await;
        let my_ngai = t.unit_id("29884", counted_on);
        let an_binh = t.unit_id("29954", counted_on);
        let import = |body: String| {
            let t = &t;
            let officer = officer.clone();
            async move {
                let req = axum::http::Request::post("/api/v1/reported/import")
                    .header(axum::http::header::AUTHORIZATION, format!("Bearer {officer}"))
                    .header(axum::http::header::CONTENT_TYPE, "text/csv")
                    .body(axum::body::Body::from(body))
                    .unwrap();
                t.send(req).await
            }
        };
        let bad = format!(
            "element,unit,year,sex,value,note\nchildren_taught_to_swim,{my_ngai},{year},male,40,\nchildren_taught_to_swim,{an_binh},{year},girls,40,\nbirths_registered,{an_binh},{year},female,-3,x\n"
        );
        let r = import(bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let problems: Vec<String> =
            r.json()["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect();
        assert_eq!(problems, vec!["row 3: sex", "row 4: value"], "{}", r.body);
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM reported_value").await, 0, "nothing half-written");
        let good = format!(
            "element,unit,year,sex,value,note\nchildren_taught_to_swim,{my_ngai},{year},male,40,\nchildren_taught_to_swim,{my_ngai},{year},female,35,hồ bơi xã\n"
        );
        let r = import(good).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(value(&t, &officer, "reported.children_taught_to_swim", year).await.as_deref(), Some("75"));
        assert_eq!(t.store_audit_actions("reported.save").await, 2);

        // The page lists them and its form corrects one (a district officer of 2020 sees none of 2025's).
        let s = t.session("tinh").await;
        let page = t.page(&format!("/reported?year={year}"), &s).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"nav-reported\""), "{}", page.body);
        assert!(page.body.contains("Số trẻ em được dạy bơi") && page.body.contains(">35<"), "{}", page.body);
        let csrf = csrf_of(&page.body);
        let unit = my_ngai.to_string();
        let y = year.to_string();
        let form = [
            ("csrf", csrf.as_str()),
            ("element", "children_taught_to_swim"),
            ("unit", &unit),
            ("year", &y),
            ("sex", "female"),
            ("value", "1.035"),
            ("note", ""),
        ];
        let r = t.post_form("/reported", Some(&s), &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(value(&t, &officer, "reported.children_taught_to_swim", year).await.as_deref(), Some("1075"));
        let r = t
            .post_form(
                "/reported",
                Some(&s),
                &[
                    ("csrf", csrf.as_str()),
                    ("element", "children_taught_to_swim"),
                    ("unit", &unit),
                    ("year", &y),
                    ("sex", "female"),
                    ("value", "12.5"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("value"), "{}", r.body);
        // For a year before the 2025 reform the form offers that year's communes.
        let old_my_ngai = t.unit_id("29881", date!(2020 - 12 - 31));
        let page = t.page("/reported?year=2020", &s).await;
        assert!(page.body.contains(&format!("<option value=\"{old_my_ngai}\">")), "{}", page.body);
        assert!(!page.body.contains(&format!("<option value=\"{my_ngai}\">")));
        let district = t.session("huyen").await;
        let page = t.page(&format!("/reported?year={year}"), &district).await;
        assert!(page.body.contains("id=\"reported-empty\""), "{}", page.body);
    }
}

#[tokio::test]
async fn the_demos_made_up_values_are_accepted_in_both_eras_and_show_in_the_indicators() {
    let today = treem_domain::calendar::today_in_vietnam();
    for t in apps().await {
        t.account("tinh", "provincial_officer", "82", None).await;
        let officer = t.token("tinh").await;
        let actor = t.app.auth.actor_for("tinh", "test").await.unwrap();
        let values = treem_demo::reported_values(&t.app.units.catalog(), today, 2013);
        assert_eq!(values, treem_demo::reported_values(&t.app.units.catalog(), today, 2013), "deterministic");
        let saved = t.app.reported.save_many(&actor, &values).await.unwrap_or_else(|e| panic!("{}: {e}", t.backend));
        assert_eq!(saved.len(), values.len());
        assert_eq!(saved.len(), 3 * 8 * 10 + 3 * 3);
        for year in today.year() - 3..today.year() {
            let expected: i64 = values
                .iter()
                .filter(|v| v.element == "children_taught_to_swim" && v.year == year.to_string())
                .map(|v| v.value.parse::<i64>().unwrap())
                .sum();
            assert!(expected > 0);
            assert_eq!(value(&t, &officer, "reported.children_taught_to_swim", year).await, Some(expected.to_string()), "{year}");
            let share: f64 = value(&t, &officer, "reported.health_insurance_under6_share", year).await.unwrap().parse().unwrap();
            assert!((85.0..=98.0).contains(&share), "{share}");
        }
    }
}

//! The indicator catalogue edited through the API and the UI: who may, what is checked,
//! figures recomputed at once (every cache of computed figures dropped), on every backend.

use axum::http::StatusCode;
use serde_json::json;
use time::macros::date;

use crate::harness::{apps, csrf_of, TestApp};

/// A definition to send with `PUT /api/v1/indicators/{code}`.
fn definition(formula: &str, revision: i64) -> String {
    json!({
        "name_vi": "Số vụ tai nạn thương tích trẻ em",
        "name_en": "Child accidents",
        "concept_vi": "Số vụ tai nạn thương tích trẻ em xảy ra trong năm",
        "concept_en": "Accidents of children that occurred in the year",
        "formula": formula,
        "disaggregations": ["unit", "injury"],
        "period": "year",
        "source": "incidents recorded in treem",
        "agency": "A1",
        "revision": revision,
    })
    .to_string()
}

/// An indicator's value in one year, as the API gives it to `token`'s holder.
async fn value(t: &TestApp, token: &str, code: &str, year: i32) -> Option<String> {
    let r = t.api("GET", &format!("/api/v1/indicators/{code}/values?from={year}&to={year}"), token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{code}: {}", r.body);
    r.json()[0]["value"].as_str().map(str::to_owned)
}

/// T1's count for `year` in the plan's progress (the plan service's shared figures).
async fn t1_actual(t: &TestApp, token: &str, year: i64) -> i64 {
    let p = t.api("GET", "/api/v1/plans/dt-2013-ct20/progress", token, None).await.json();
    let t1 = p.as_array().unwrap_or_else(|| panic!("{p}")).iter().find(|t| t["target_id"] == "T1").unwrap();
    t1["years"].as_array().unwrap().iter().find(|y| y["year"] == year).unwrap()["actual"].as_i64().unwrap()
}

/// A public indicator's value for `year` (shared by every reader).
async fn public_value(t: &TestApp, code: &str, year: i64) -> Option<String> {
    let p = t.get("/api/v1/plans/dt-2013-ct20/public-statistics").await.json();
    let i = p.as_array().unwrap_or_else(|| panic!("{p}")).iter().find(|i| i["code"] == code).unwrap();
    i["years"].as_array().unwrap().iter().find(|y| y["year"] == year).unwrap()["value"].as_str().map(str::to_owned)
}

/// The province-level breakdown's total (the breakdown memo).
async fn breakdown_total(t: &TestApp, token: &str, code: &str, year: i32) -> i64 {
    let b = t.api("GET", &format!("/api/v1/indicators/{code}/breakdown?year={year}&level=province"), token, None).await.json();
    b["rows"]
        .as_array()
        .unwrap_or_else(|| panic!("{b}"))
        .iter()
        .filter_map(|r| r["value"].as_str())
        .map(|v| v.parse::<i64>().unwrap())
        .sum()
}

/// The catalogue as listed: code → (formula, origin, revision).
async fn listed(t: &TestApp, code: &str) -> Option<(String, String, i64)> {
    let all = t.get("/api/v1/indicators").await.json();
    all.as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .map(|i| (i["formula"].as_str().unwrap().to_owned(), i["origin"].as_str().unwrap().to_owned(), i["revision"].as_i64().unwrap()))
}

/// Ten drownings (three fatal) in 2015 recorded by the commune worker, and the founding plan.
async fn province_with_drownings(t: &TestApp) -> (String, String) {
    t.account("tinh.87", "provincial_officer", "87", Some(date!(2013 - 12 - 31))).await;
    t.account("lan.xa", "commune_worker", "29884", None).await;
    let plan = treem_app::plans::parse_plan_toml("plan", treem_domain::bundled::PLAN_DONG_THAP_2013).unwrap();
    t.app.plans.import(treem_app::accounts::Operator::Cli, &plan).await.unwrap();
    let officer = t.token("tinh.87").await;
    let worker = t.token("lan.xa").await;
    let commune = t.unit_id("29884", date!(2015 - 01 - 01));
    let home = t.unit_id("29884-01", date!(2026 - 01 - 01));
    let child = json!({"full_name": "Võ Thị Hoa", "sex": "female", "birth_date": "2011-01-01", "residence_unit_id": home});
    let r = t.api("POST", "/api/v1/children", &worker, Some(child.to_string())).await;
    let child = r.json()["id"].as_i64().unwrap_or_else(|| panic!("{}", r.body));
    for n in 0..10 {
        let drowning = json!({"kind": "accident", "occurred_on": "2015-09-20", "unit_id": commune, "children": [child], "injury": "drowning", "fatal": n < 3});
        let r = t.api("POST", "/api/v1/incidents", &worker, Some(drowning.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    (officer, worker)
}

#[tokio::test]
async fn an_officer_adds_and_changes_indicators_through_the_api_and_every_figure_follows_at_once() {
    for t in apps().await {
        let (officer, worker) = province_with_drownings(&t).await;
        // Read every cached figure of T1's indicator before the change: values, breakdown,
        // the plan's progress and its public statistics (shared between requests).
        assert_eq!(value(&t, &officer, "incidents.sexual_abuse", 2015).await.as_deref(), Some("0"));
        assert_eq!(breakdown_total(&t, &officer, "incidents.sexual_abuse", 2015).await, 0);
        assert_eq!(t1_actual(&t, &officer, 2015).await, 0);
        assert_eq!(public_value(&t, "incidents.sexual_abuse", 2015).await.as_deref(), Some("0"));
        assert_eq!(listed(&t, "incidents.sexual_abuse").await.map(|l| (l.1, l.2)), Some(("bundled".into(), 0)));

        // A bundled indicator changed (revision 0: none stored yet); the answer names the plan that uses it.
        let accidents = r#"count(incidents where kind = "accident")"#;
        let r = t.api("PUT", "/api/v1/indicators/incidents.sexual_abuse", &officer, Some(definition(accidents, 0))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let saved = r.json();
        assert_eq!(
            (saved["revision"].as_i64(), saved["created"].as_bool(), saved["formula_changed"].as_bool()),
            (Some(1), Some(false), Some(true))
        );
        assert_eq!(saved["used_by"], json!([{"plan": "dt-2013-ct20", "uses": ["targets[T1]", "public_indicators"]}]), "{saved}");
        // Every figure follows the new formula at once.
        assert_eq!(value(&t, &officer, "incidents.sexual_abuse", 2015).await.as_deref(), Some("10"), "{}", t.backend);
        assert_eq!(value(&t, &worker, "incidents.sexual_abuse", 2015).await.as_deref(), Some("10"));
        assert_eq!(breakdown_total(&t, &officer, "incidents.sexual_abuse", 2015).await, 10);
        assert_eq!(t1_actual(&t, &officer, 2015).await, 10);
        // Except the public statistics of closed years: those were published and are kept as
        // published (a new definition counts in the releases still to come).
        assert_eq!(public_value(&t, "incidents.sexual_abuse", 2015).await.as_deref(), Some("0"));
        assert_eq!(listed(&t, "incidents.sexual_abuse").await, Some((accidents.into(), "stored".into(), 1)));

        // A stale revision is refused, and changes nothing.
        let fatal = r#"count(incidents where kind = "accident" and fatal = "true")"#;
        let r = t.api("PUT", "/api/v1/indicators/incidents.sexual_abuse", &officer, Some(definition(fatal, 0))).await;
        assert_eq!((r.status, r.json()["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("EDIT_CONFLICT")), "{}", r.body);
        assert_eq!(value(&t, &officer, "incidents.sexual_abuse", 2015).await.as_deref(), Some("10"));
        // An invalid formula is refused with its position; nothing is stored.
        let r = t
            .api(
                "PUT",
                "/api/v1/indicators/incidents.sexual_abuse",
                &officer,
                Some(definition(r#"count(incidents where colour = "red")"#, 1)),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        let e = &r.json()["error"];
        assert_eq!(e["field"], "formula", "{e}");
        assert!(e["fields"][0]["message"].as_str().unwrap().starts_with("at character 23: incidents have no field `colour`"), "{e}");
        // A yearly-change target needs a count: a ratio is refused while T1 follows the indicator.
        let ratio = r#"count(incidents where fatal = "true") / count(incidents)"#;
        let r = t.api("PUT", "/api/v1/indicators/incidents.sexual_abuse", &officer, Some(definition(ratio, 1))).await;
        assert_eq!((r.status, r.json()["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("formula")), "{}", r.body);
        assert!(r.body.contains("target T1"), "{}", r.body);
        assert_eq!(listed(&t, "incidents.sexual_abuse").await, Some((accidents.into(), "stored".into(), 1)));
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM indicator_definition WHERE revision = 1").await, 1);
        // The current revision is accepted.
        let r = t.api("PUT", "/api/v1/indicators/incidents.sexual_abuse", &officer, Some(definition(fatal, 1))).await;
        assert_eq!((r.status, r.json()["revision"].as_i64()), (StatusCode::OK, Some(2)), "{}", r.body);
        // The same definition again writes nothing (no revision, no audit entry).
        let r = t.api("PUT", "/api/v1/indicators/incidents.sexual_abuse", &officer, Some(definition(fatal, 2))).await;
        assert_eq!(
            (r.status, r.json()["revision"].as_i64(), r.json()["changed"].as_bool()),
            (StatusCode::OK, Some(2), Some(false)),
            "{}",
            r.body
        );
        assert_eq!(t1_actual(&t, &officer, 2015).await, 3);
        assert_eq!(breakdown_total(&t, &officer, "incidents.sexual_abuse", 2015).await, 3);

        // A new indicator: counted at once, listed after the bundled ones, changed at once.
        let drownings = r#"count(incidents where injury = "drowning")"#;
        let r = t.api("PUT", "/api/v1/indicators/incidents.drowning_all", &officer, Some(definition(drownings, 0))).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!((r.json()["created"].as_bool(), r.json()["used_by"].as_array().map(Vec::len)), (Some(true), Some(0)));
        assert_eq!(value(&t, &worker, "incidents.drowning_all", 2015).await.as_deref(), Some("10"), "{}", t.backend);
        let by_injury = t.api("GET", "/api/v1/indicators/incidents.drowning_all/disaggregation?by=injury&year=2015", &worker, None).await;
        assert_eq!(by_injury.status, StatusCode::OK, "{}", by_injury.body);
        let all = t.get("/api/v1/indicators").await.json();
        assert_eq!(all.as_array().unwrap().last().unwrap()["code"], "incidents.drowning_all");
        let r = t
            .api(
                "PUT",
                "/api/v1/indicators/incidents.drowning_all",
                &officer,
                Some(definition(r#"count(incidents where injury = "drowning" and fatal = "false")"#, 1)),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(value(&t, &worker, "incidents.drowning_all", 2015).await.as_deref(), Some("7"));
        // A bad code, and a disaggregation the formula does not have, are named.
        let r = t.api("PUT", "/api/v1/indicators/Drowning", &officer, Some(definition(drownings, 0))).await;
        assert_eq!(r.json()["error"]["field"], "code", "{}", r.body);
        let mut body: serde_json::Value = serde_json::from_str(&definition(drownings, 0)).unwrap();
        body["disaggregations"] = json!(["unit", "sex"]);
        let r = t.api("PUT", "/api/v1/indicators/incidents.other", &officer, Some(body.to_string())).await;
        assert_eq!(r.json()["error"]["field"], "disaggregations[1]", "{}", r.body);

        // Only provincial officers and administrators edit the catalogue.
        t.account("sogd", "agency_reporter", "87", Some(date!(2013 - 12 - 31))).await;
        let reporter = t.token("sogd").await;
        for token in [&worker, &reporter] {
            let r = t.api("PUT", "/api/v1/indicators/incidents.sexual_abuse", token, Some(definition(drownings, 2))).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
            let r = t.api("PUT", "/api/v1/indicators/incidents.worker", token, Some(definition(drownings, 0))).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        }
        assert_eq!(listed(&t, "incidents.sexual_abuse").await.map(|l| l.0), Some(fatal.into()));
        assert_eq!(listed(&t, "incidents.worker").await, None);
        // Every save, and only those, is audited with the code and both formulas.
        assert_eq!(t.store_audit_actions("indicator.save").await, 4);
        let entry = format!(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'indicator.save' AND record_type = 'indicator' AND record_key = 'incidents.sexual_abuse' \
             AND fields LIKE '%old formula: {}%' AND fields LIKE '%new formula: {}%'",
            accidents.replace('\'', "''"),
            fatal.replace('\'', "''")
        );
        assert_eq!(t.raw_count(&entry).await, 1);
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM indicator_definition").await, 2);
    }
}

#[tokio::test]
async fn the_catalogue_forms_create_and_edit_indicators_and_keep_what_was_typed_on_error() {
    for t in apps().await {
        let (_, _) = province_with_drownings(&t).await;
        let officer = t.session("tinh.87").await;
        let worker = t.session("lan.xa").await;
        // The link is shown to those who may edit, and the forms refused to the others.
        let page = t.page("/indicators", &officer).await.body;
        assert!(page.contains("id=\"indicator-new\"") && page.contains("href=\"/indicators/incidents.abuse/edit\""), "{page}");
        let page = t.page("/indicators", &worker).await.body;
        assert!(!page.contains("id=\"indicator-new\"") && !page.contains("/edit\""), "{page}");
        assert_eq!(t.page("/indicators/new", &worker).await.status, StatusCode::FORBIDDEN);
        assert_eq!(t.page("/indicators/incidents.abuse/edit", &worker).await.status, StatusCode::FORBIDDEN);

        let form = t.page("/indicators/new", &officer).await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = csrf_of(&form.body);
        let typed = |formula: &'static str| {
            vec![
                ("csrf", csrf.clone()),
                ("code", "incidents.drowning_survived".to_owned()),
                ("name_vi", "Số vụ đuối nước trẻ em được cứu sống".to_owned()),
                ("name_en", "Child drownings survived".to_owned()),
                ("concept_vi", "Số vụ đuối nước mà trẻ em được cứu sống".to_owned()),
                ("concept_en", String::new()),
                ("formula", formula.to_owned()),
                ("disaggregations", "unit, setting".to_owned()),
                ("period", "year".to_owned()),
                ("source", "incidents recorded in treem".to_owned()),
                ("agency", "Sở Lao động – Thương binh và Xã hội".to_owned()),
            ]
        };
        let post = |fields: Vec<(&'static str, String)>, uri: &'static str| {
            let officer = officer.clone();
            let t = &t;
            async move {
                let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                t.post_form(uri, Some(&officer), &form).await
            }
        };
        // Without the CSRF token: refused.
        let mut no_csrf = typed(r#"count(incidents where injury = "drowning")"#);
        no_csrf[0].1 = String::new();
        assert_eq!(post(no_csrf, "/indicators/new").await.status, StatusCode::FORBIDDEN);
        // A bad formula: the form again, its error with the position, everything typed kept.
        let r = post(typed(r#"count(incidents where injury = "drowning" and fatal = "no")"#), "/indicators/new").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("id=\"formula-error\"") && r.body.contains("tại ký tự "), "{}", r.body);
        assert!(
            r.body.contains("value=\"Số vụ đuối nước trẻ em được cứu sống\"") && r.body.contains("Sở Lao động – Thương binh và Xã hội"),
            "{}",
            r.body
        );
        assert!(
            r.body.contains("fatal = &#34;no&#34;") || r.body.contains("fatal = &quot;no&quot;"),
            "the formula typed is kept: {}",
            r.body
        );
        assert!(r.body.contains("value=\"unit, setting\""), "{}", r.body);
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM indicator_definition").await, 0);
        // A good one is saved, shown with its revision, and counted on the catalogue page.
        let r = post(typed(r#"count(incidents where injury = "drowning" and fatal = "false")"#), "/indicators/new").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(r.headers["location"], "/indicators/incidents.drowning_survived/edit?saved=1");
        let edit = t.page("/indicators/incidents.drowning_survived/edit?saved=1", &officer).await.body;
        assert!(edit.contains("id=\"indicator-saved\"") && edit.contains("name=\"revision\" value=\"1\""), "{edit}");
        let page = t.page("/indicators", &officer).await.body;
        let section =
            page.split("data-indicator=\"incidents.drowning_survived\" data-origin=\"stored\"").nth(1).unwrap_or_else(|| panic!("{page}"));
        assert!(section.split("</section>").next().unwrap().contains("Số vụ đuối nước trẻ em được cứu sống"));
        assert_eq!(value_api(&t, "incidents.drowning_survived").await, Some("7".into()));
        // The same code again through the new form: refused by name.
        let r = post(typed(r#"count(incidents)"#), "/indicators/new").await;
        assert!(r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("data-field=\"code\""), "{}", r.body);
        // Editing a bundled indicator names the plan that uses it; a stale revision is refused, input kept.
        let edit = t.page("/indicators/incidents.drowning/edit", &officer).await.body;
        assert!(edit.contains("name=\"revision\" value=\"0\"") && edit.contains("data-plan=\"dt-2013-ct20\""), "{edit}");
        let mut changed = typed(r#"count(incidents where injury = "drowning" and fatal = "true")"#);
        changed.push(("revision", "0".into()));
        let r = post(changed.clone(), "/indicators/incidents.drowning/edit").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(value_api(&t, "incidents.drowning").await, Some("3".into()));
        let r = post(changed, "/indicators/incidents.drowning/edit").await;
        assert!(r.status == StatusCode::UNPROCESSABLE_ENTITY && r.body.contains("data-field=\"revision\""), "{}", r.body);
        assert!(r.body.contains("value=\"Child drownings survived\""), "{}", r.body);
        assert_eq!(t.store_audit_actions("indicator.save").await, 2);
    }
}

/// An indicator's 2015 value for the provincial officer.
async fn value_api(t: &TestApp, code: &str) -> Option<String> {
    let token = t.token("tinh.87").await;
    value(t, &token, code, 2015).await
}

//! The indicator engine over a generated province: the plan's baselines reproduced
//! from counted records, figures fresh after every save, scope applied; on every backend.

use crate::harness::apps;
use crate::shared::{percent, value};
use axum::http::StatusCode;
use serde_json::json;
use time::macros::date;
use treem_demo::{bulk, Scale};
use treem_domain::incident::InjuryKind;

#[tokio::test]
async fn a_generated_province_reproduces_the_plans_baselines_and_stays_fresh_after_saves() {
    let today = treem_domain::calendar::today_in_vietnam();
    for t in apps().await {
        let officer_id = t.account("tinh", "provincial_officer", "82", None).await;
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let data = bulk(Scale::Sample, &t.app.units.catalog(), today, 7).unwrap();
        assert!(t.app.load_generated(&data, officer_id, "sample seed 7").await.unwrap());
        // Once per database: a second run writes nothing.
        assert!(!t.app.load_generated(&data, officer_id, "sample seed 7").await.unwrap());
        assert_eq!(t.store_audit_actions("demo.generate").await, 1);
        let officer = t.token("tinh").await;
        // The whole engine at once (distinct counts made once, over the cores) gives what each
        // indicator gives alone, on either map.
        let actor = t.app.auth.actor_for("tinh", "test").await.unwrap();
        let catalogue = t.app.plans.catalogue().await.unwrap();
        let facts = t.app.facts.snapshot().await.unwrap().all();
        for map_on in [date!(2013 - 12 - 31), today] {
            let all = t.app.plans.recompute_all(&actor, 2012..=today.year(), map_on).await.unwrap();
            let catalog = t.app.units.catalog();
            let one_by_one: Vec<_> = catalogue
                .iter()
                .map(|(i, f)| treem_app::plans::indicator_table(&catalog, i, f, &facts, 2012..=today.year(), map_on))
                .collect();
            assert_eq!(all.len(), catalogue.len());
            assert!(all == one_by_one, "recompute_all differs from one indicator at a time on the map of {map_on}");
        }
        // The plan's B3 and B4 (end of 2012), recomputed from the register's records.
        assert_eq!(value(&t, &officer, "children.under_16", 2012).await.as_deref(), Some("8750"), "{}", t.backend);
        assert_eq!(value(&t, &officer, "children.poor_household_share", 2012).await.as_deref(), Some("11.28"));
        assert_eq!(value(&t, &officer, "children.special_circumstances_share", 2012).await.as_deref(), Some("1.92"));
        // The plan names the indicators that recompute its baselines: shown beside them.
        let plan = treem_app::plans::parse_plan_toml("plan", treem_domain::bundled::PLAN_DONG_THAP_2013).unwrap();
        t.app.plans.import(treem_app::accounts::Operator::Cli, &plan).await.unwrap();
        let r = t.api("GET", "/api/v1/plans/dt-2013-ct20/baselines", &officer, None).await;
        let checks: Vec<(String, String, String)> = r
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (b["id"].as_str().unwrap().into(), b["stated_percent"].as_str().unwrap().into(), b["recomputed"].as_str().unwrap().into())
            })
            .collect();
        // B1 and B2 (poor and near-poor households) from the generated households: the share
        // counted directly in what was generated (households are not calibrated to the plan's).
        // A household is counted from the day its unit exists: those of 2025 communes are not in 2012.
        let catalog = t.app.units.catalog();
        let counted: Vec<bool> = data
            .households
            .iter()
            .map(|(_, _, unit)| catalog.get(*unit).is_some_and(|u| u.validity.from <= date!(2012 - 12 - 31)))
            .collect();
        assert!(counted.iter().any(|c| !c), "some generated households are on 2025 communes");
        let share_2012 = |status: &str| {
            let with = data.poverty.iter().filter(|(h, year, s)| *year == 2012 && *s == status && counted[*h]).count();
            percent(with, counted.iter().filter(|c| **c).count())
        };
        assert_eq!(
            checks,
            vec![
                ("B1".into(), "10.01".into(), share_2012("poor")),
                ("B2".into(), "7.51".into(), share_2012("near_poor")),
                ("B3".into(), "11.28".into(), "11.28".into()),
                ("B4".into(), "1.92".into(), "1.92".into())
            ],
            "{}",
            r.body
        );
        assert_eq!(value(&t, &officer, "households.poor_share", 2012).await, Some(share_2012("poor")));
        let session = t.session("tinh").await;
        let page = t.page("/plans/dt-2013-ct20", &session).await;
        assert!(page.body.contains("<td data-recomputed>11,28 %</td>"), "{}", page.body);
        // B4 (2012) is under the plan's older term: the register's Art. 10 share is shown as another classification.
        assert!(page.body.contains(
            "<span data-other-classification>Theo Điều 10 Luật Trẻ em 2016 (phân loại khác, không phải cùng số liệu): 1,92 %</span>"
        ));
        // Broken down by sex and by age band, the parts add up to the whole.
        let r = t.api("GET", "/api/v1/indicators/children.under_16/disaggregation?by=sex&year=2012", &officer, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let d = r.json();
        let figures: Vec<i64> = d["rows"].as_array().unwrap().iter().map(|r| r["figure"].as_str().unwrap().parse().unwrap()).collect();
        assert_eq!((figures.len(), figures.iter().sum::<i64>(), d["not_recorded"].as_i64()), (2, 8750, Some(0)), "{d}");
        // Two fields crossed: every sex × age band, the cells add up to the whole.
        let r = t.api("GET", "/api/v1/indicators/children.under_16/disaggregation?by=sex,age_band&year=2012", &officer, None).await;
        let d = r.json();
        let cells: Vec<(String, String, i64)> = d["rows"]
            .as_array()
            .unwrap_or_else(|| panic!("{d}"))
            .iter()
            .map(|r| {
                (
                    r["value"].as_str().unwrap().into(),
                    r["second_value"].as_str().unwrap().into(),
                    r["figure"].as_str().unwrap().parse().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            (cells.len(), cells.iter().map(|c| c.2).sum::<i64>(), d["not_recorded"].as_i64(), d["by"].as_str()),
            (6, 8750, Some(0), Some("sex,age_band")),
            "{d}"
        );
        let labels: Vec<(&str, &str)> = cells.iter().map(|c| (c.0.as_str(), c.1.as_str())).collect();
        assert_eq!(labels[..2], [("male", "0-5"), ("male", "6-10")], "{d}");
        assert_eq!(labels[5], ("female", "11-15"), "{d}");
        for bad in ["sex,sex", "sex,colour", "sex,age_band,poverty"] {
            let r = t.api("GET", &format!("/api/v1/indicators/children.under_16/disaggregation?by={bad}&year=2012"), &officer, None).await;
            assert_eq!(r.json()["error"]["field"], "by", "{bad}: {}", r.body);
        }
        let page = t.page("/indicators/children.under_16?year=2012&by=sex", &session).await.body;
        assert!(page.contains("data-cross=\"sex,age_band\""), "{page}");
        let page = t.page("/indicators/children.under_16?year=2012&by=sex,age_band", &session).await.body;
        assert!(page.contains("data-field=\"sex,age_band\"") && page.contains("<th id=\"disaggregation-total\">8.750</th>"), "{page}");
        let r = t.api("GET", "/api/v1/indicators/children.poor_household_share/disaggregation?by=age_band&year=2012", &officer, None).await;
        assert_eq!(r.json()["total"], "11.28", "{}", r.body);
        let r = t.api("GET", "/api/v1/indicators/incidents.sexual_abuse/disaggregation?by=setting&year=2015", &officer, None).await;
        let d = r.json();
        let parts: i64 = d["rows"].as_array().unwrap().iter().map(|r| r["figure"].as_str().unwrap().parse::<i64>().unwrap()).sum();
        assert_eq!(parts + d["not_recorded"].as_i64().unwrap(), d["total"].as_str().unwrap().parse::<i64>().unwrap(), "{d}");
        // Only the fields the indicator publishes.
        let r = t.api("GET", "/api/v1/indicators/incidents.sexual_abuse/disaggregation?by=sex", &officer, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("sexual_subtype, setting, relation"), "{}", r.body);
        let page = t.page("/indicators/children.under_16?year=2012&level=district&by=age_band", &session).await;
        assert!(page.body.contains("id=\"disaggregation-table\" data-field=\"age_band\""), "{}", page.body);
        assert!(page.body.contains("id=\"disaggregation-total\">8.750<"));
        // A commune worker counts only the commune (and what merged into it).
        let worker = t.token("lan.xa").await;
        let all: i64 = value(&t, &officer, "children.under_16", today.year()).await.unwrap().parse().unwrap();
        let mine: i64 = value(&t, &worker, "children.under_16", today.year()).await.unwrap().parse().unwrap();
        assert!(0 < mine && mine * 20 < all, "{mine} of {all}");
        // A child saved now is in the next figure (no rebuild, no wait) …
        let commune = t.unit_id("29884", today);
        let child = json!({"full_name": "Trần Văn Mới", "sex": "male", "birth_date": "2020-02-02", "residence_unit_id": commune});
        let r = t.api("POST", "/api/v1/children", &worker, Some(child.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_i64().unwrap();
        assert_eq!(value(&t, &worker, "children.under_16", today.year()).await, Some((mine + 1).to_string()));
        // … and so is the household's poverty status set on the child's profile.
        let poor_before = value(&t, &worker, "children.poor_household_share", today.year()).await;
        let profile = json!({"disability": false, "household_code": "HGD-NEW", "household_head": "Trần Văn Cha",
            "poverty_year": today.year().to_string(), "poverty_status": "poor"});
        let r = t.api("PUT", &format!("/api/v1/children/{id}/profile"), &worker, Some(profile.to_string())).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert_ne!(value(&t, &worker, "children.poor_household_share", today.year()).await, poor_before);
        // Incidents: the generated ones are counted, a new one at once.
        let drowning =
            data.incidents.iter().filter(|(f, _)| f.injury == Some(InjuryKind::Drowning) && f.occurred_on.year() == 2015).count();
        assert_eq!(value(&t, &officer, "incidents.drowning", 2015).await, Some(drowning.to_string()));
        // Drill-down: behind each commune's figure, exactly that many incidents, listed as records.
        let r = t
            .api("GET", "/api/v1/indicators/incidents.sexual_abuse/breakdown?year=2015&on=2015-12-31&level=district", &officer, None)
            .await;
        let rows = r.json()["rows"].as_array().unwrap().clone();
        let (unit, figure) = rows
            .iter()
            .map(|r| (r["unit_id"].as_i64().unwrap(), r["value"].as_str().unwrap().parse::<usize>().unwrap()))
            .find(|(_, n)| *n > 0)
            .unwrap();
        let behind = |token: String| {
            let t = &t;
            async move {
                let uri =
                    format!("/api/v1/incidents?indicator=incidents.sexual_abuse&from=2015-01-01&to=2015-12-31&unit={unit}&on=2015-12-31");
                let r = t.api("GET", &uri, &token, None).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.body);
                r.json().as_array().unwrap().clone()
            }
        };
        let records = behind(officer.clone()).await;
        assert_eq!(records.len(), figure, "{}", t.backend);
        assert!(records.iter().all(|r| r["abuse_form"] == "xam_hai_tinh_duc"), "{records:?}");
        // Only what the reader may see: a commune worker elsewhere gets none of them.
        assert!(behind(worker.clone()).await.len() < figure);
        let page = t.page("/indicators/incidents.sexual_abuse?year=2015&on=2015-12-31&level=district", &session).await;
        assert!(page
            .body
            .contains(&format!("/incidents?indicator=incidents.sexual_abuse&amp;year=2015&amp;unit={unit}&amp;on=2015-12-31")));
        let list = t.page(&format!("/incidents?indicator=incidents.sexual_abuse&year=2015&unit={unit}&on=2015-12-31"), &session).await;
        assert_eq!(list.body.matches("data-incident-id=").count(), figure);
        assert!(list.body.contains("id=\"incidents-behind\""));
        // Any unit's subtree × year × disaggregation: the district's value equals its breakdown figure,
        // and broken down by setting within the district, the parts add up to it.
        let within = format!("unit={unit}&on=2015-12-31");
        let r = t.api("GET", &format!("/api/v1/indicators/incidents.sexual_abuse/values?from=2015&to=2015&{within}"), &officer, None).await;
        assert_eq!(r.json()[0]["value"].as_str(), Some(figure.to_string().as_str()), "{}", r.body);
        let uri = format!("/api/v1/indicators/incidents.sexual_abuse/disaggregation?by=setting&year=2015&{within}");
        let d = t.api("GET", &uri, &officer, None).await.json();
        let parts: i64 = d["rows"].as_array().unwrap().iter().filter_map(|r| r["figure"].as_str()?.parse::<i64>().ok()).sum();
        assert_eq!(
            (parts + d["not_recorded"].as_i64().unwrap_or(0), d["total"].as_str()),
            (figure as i64, Some(figure.to_string().as_str())),
            "{d}"
        );
        // The page: each unit of the breakdown opens the breakdown by field within it.
        let page = t.page("/indicators/incidents.sexual_abuse?year=2015&on=2015-12-31&level=district&by=setting", &session).await.body;
        assert!(page.contains(&format!("data-by-unit=\"{unit}\"")), "{page}");
        let page = t
            .page(&format!("/indicators/incidents.sexual_abuse?year=2015&on=2015-12-31&level=district&by=setting&unit={unit}"), &session)
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("id=\"disaggregation-unit\"")
                && page.body.contains(&format!("<th id=\"disaggregation-total\">{figure}</th>")),
            "{}",
            page.body
        );
        // Outside the reader's scope: not found, as a record would be; a unit that did not exist that day: named.
        assert_eq!(t.api("GET", &uri, &worker, None).await.status, StatusCode::NOT_FOUND);
        let r = t.api("GET", &format!("/api/v1/indicators/incidents.sexual_abuse/values?unit={unit}&on=2026-01-01"), &officer, None).await;
        assert_eq!(r.json()["error"]["field"], "unit", "{}", r.body);
    }
}

#[tokio::test]
async fn the_generator_is_deterministic_seasonal_and_on_the_map_of_each_day() {
    let today = date!(2026 - 11 - 29);
    let t = apps().await.into_iter().next().unwrap();
    let catalog = t.app.units.catalog();
    let a = bulk(Scale::Sample, &catalog, today, 42).unwrap();
    let b = bulk(Scale::Sample, &catalog, today, 42).unwrap();
    assert_eq!(a.children.len(), b.children.len());
    assert!(a
        .children
        .iter()
        .zip(&b.children)
        .all(|(x, y)| x.full_name == y.full_name && x.birth_date == y.birth_date && x.unit == y.unit));
    assert_eq!(a.incidents.len(), b.incidents.len());
    let c = bulk(Scale::Sample, &catalog, today, 43).unwrap();
    assert!(a.children.iter().zip(&c.children).any(|(x, y)| x.full_name != y.full_name), "another seed, other records");
    let drowning = |months: &[u8]| {
        a.incidents
            .iter()
            .filter(|(f, _)| f.injury == Some(InjuryKind::Drowning) && months.contains(&(f.occurred_on.month() as u8)))
            .count()
    };
    assert!(drowning(&[8, 9, 10, 11]) > 2 * drowning(&[1, 2, 3, 4]), "drowning peaks in the flood season");
    // Sexual abuse falls about 6 % a year: 2024 well below 2012.
    let sexual = |y: i32| {
        a.incidents
            .iter()
            .filter(|(f, _)| f.abuse_form.is_some_and(|f| f.as_str() == "xam_hai_tinh_duc") && f.occurred_on.year() == y)
            .count()
    };
    assert!(sexual(2024) * 10 < sexual(2012) * 7, "{} → {}", sexual(2012), sexual(2024));
    // Before the reform on the 2013-era communes, after it on the 2025 ones.
    assert!(a.incidents.iter().all(|(f, _)| catalog.get(f.unit).is_some_and(|u| u.validity.contains(f.occurred_on))));
    assert!(a.children.iter().all(|c| catalog.get(c.unit).is_some_and(|u| u.validity.contains(c.registered_on))));
    assert!(a.incidents.iter().any(|(f, _)| f.occurred_on >= date!(2025 - 07 - 01)));
    // Cases: the same for a seed; walked along the Decree 56 steps by the state machine.
    assert_eq!(a.cases, b.cases);
    assert_ne!(a.cases, c.cases, "another seed, other cases");
    let of_year = |y: i32| a.cases.iter().filter(|k| k.received_at.year() == y).collect::<Vec<_>>();
    let closed = |list: &[&treem_storage::BulkCase]| list.iter().filter(|k| k.state.is_closed()).count();
    let old = of_year(2014);
    assert!(closed(&old) * 100 >= old.len() * 90, "old years mostly closed: {} of {}", closed(&old), old.len());
    let now = today.midnight().assume_utc();
    let recent: Vec<_> = a.cases.iter().filter(|k| k.received_at > now - time::Duration::days(60)).collect();
    assert!(recent.iter().any(|k| !k.state.is_closed()), "some recent cases still open");
    let overdue = |k: &treem_storage::BulkCase| k.tasks.iter().any(|(_, due, done)| done.is_none() && *due < now);
    assert!(a.cases.iter().filter(|k| k.received_at.year() == today.year()).any(overdue), "some recent cases late");
    let states: std::collections::BTreeSet<&str> = a.cases.iter().map(|k| k.state.as_str()).collect();
    assert!(states.len() >= 5 && states.contains("closed_unfounded") && states.contains("closed"), "{states:?}");
    let (province, sample) = (bulk(Scale::Province, &catalog, today, 42).unwrap(), &a);
    assert!((2_500..6_000).contains(&province.cases.len()), "a few thousand at province scale: {}", province.cases.len());
    assert!(sample.cases.len() * 3 < province.cases.len());
    let calendar = treem_domain::calendar::HolidayCalendar::bundled();
    for k in &a.cases {
        // Each case is about a child under 16 registered that day, on a unit that existed then.
        let child = &a.children[k.child];
        let day = k.received_at.date();
        assert!(child.registered_on <= day && treem_domain::indicator::age_on(child.birth_date, day) < 16);
        assert!(catalog.get(k.unit).is_some_and(|u| u.validity.contains(day)), "case on a unit of its day");
        // Steps follow one another from the state received, as the state machine allows.
        let mut state = treem_domain::case::CaseState::Received;
        for (_, from, to, _, at) in &k.steps {
            assert_eq!(*from, state);
            assert!(treem_domain::case::EDGES.contains(&(*from, *to)));
            assert!(*at >= k.received_at && *at < now);
            state = *to;
        }
        assert_eq!(state, k.state);
        // An urgent case's first tasks are due 12 hours after receipt (Decree 56 Art. 26(3)),
        // another's verification one working day after it; tasks of working days fall due at
        // 17:00 in Vietnam on a working day of the holiday calendar.
        let verify_due =
            if k.urgent { k.received_at + time::Duration::hours(12) } else { calendar.working_days_deadline(k.received_at, 1) };
        assert_eq!(k.tasks[0], (treem_domain::case::TaskKind::Verify, verify_due, k.tasks[0].2));
        for (kind, due, _) in &k.tasks {
            if matches!(kind, treem_domain::case::TaskKind::DetailedAssessment | treem_domain::case::TaskKind::ApprovePlan) {
                let local = due.to_offset(time::macros::offset!(+7));
                assert!(local.hour() == 17 && calendar.is_working_day(local.date()), "{kind:?} due {local}");
            }
        }
    }
    // The province scale keeps the plan's own numerators.
    assert_eq!(Scale::Province.baseline(), (418_085, 47_160, 8_029));
    assert_eq!(treem_domain::indicator::percent_hundredths(47_160, 418_085), Some(1128));
    assert_eq!(treem_domain::indicator::percent_hundredths(8_029, 418_085), Some(192));
}

/// The facts as sums by (unit, day, codes), whatever their grouping.
fn sums(facts: &[treem_domain::indicator::Fact]) -> std::collections::BTreeMap<(i64, time::Date, [u8; 8]), i64> {
    let mut out = std::collections::BTreeMap::new();
    for f in facts {
        *out.entry((f.unit.0, f.day, f.codes)).or_insert(0) += f.count;
    }
    out.retain(|_, n| *n != 0);
    out
}

#[tokio::test]
async fn facts_corrected_after_each_save_equal_a_full_reload() {
    let today = treem_domain::calendar::today_in_vietnam();
    for t in apps().await {
        let officer_id = t.account("tinh", "provincial_officer", "82", None).await;
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let data = bulk(Scale::Sample, &t.app.units.catalog(), today, 11).unwrap();
        t.app.load_generated(&data, officer_id, "sample seed 11").await.unwrap();
        t.app.facts.snapshot().await.unwrap();
        let worker = t.token("lan.xa").await;
        let commune = t.unit_id("29884", today);
        let mut ids = Vec::new();
        for (name, sex, born) in [("Lê Thị Một", "female", "2018-03-03"), ("Lê Văn Hai", "male", "2019-04-04")] {
            let child = json!({"full_name": name, "sex": sex, "birth_date": born, "residence_unit_id": commune});
            let r = t.api("POST", "/api/v1/children", &worker, Some(child.to_string())).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            ids.push(r.json()["id"].as_i64().unwrap());
        }
        t.app.facts.snapshot().await.unwrap();
        let profile = |year: i32, status: &str| {
            json!({"disability": true, "household_code": "HGD-EQ", "household_head": "Lê Văn Cha", "poverty_year": year.to_string(), "poverty_status": status})
                .to_string()
        };
        for (id, year, status) in [(ids[0], today.year(), "poor"), (ids[1], today.year() - 1, "near_poor"), (ids[1], 2020, "poor")] {
            let r = t.api("PUT", &format!("/api/v1/children/{id}/profile"), &worker, Some(profile(year, status))).await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        }
        let r = t
            .api(
                "POST",
                &format!("/api/v1/children/{}/circumstances", ids[1]),
                &worker,
                Some(json!({"group": "a", "began_on": "2024-01-01"}).to_string()),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        t.app.facts.snapshot().await.unwrap();
        let merge = json!({"duplicate_id": ids[1]}).to_string();
        assert_eq!(t.api("POST", &format!("/api/v1/children/{}/merge", ids[0]), &worker, Some(merge)).await.status, StatusCode::NO_CONTENT);
        let merged = t.app.facts.snapshot().await.unwrap();
        assert_eq!(t.api("POST", &format!("/api/v1/children/{}/unmerge", ids[1]), &worker, None).await.status, StatusCode::NO_CONTENT);
        let incident = json!({"kind": "accident", "occurred_on": today.to_string(), "unit_id": commune, "injury": "drowning", "fatal": false, "children": [ids[0]]});
        let r = t.api("POST", "/api/v1/incidents", &worker, Some(incident.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let corrected = t.app.facts.snapshot().await.unwrap();
        assert_ne!(sums(&merged.children), sums(&corrected.children), "the merge took a child out, the unmerge put it back");
        t.app.facts.reload();
        let reloaded = t.app.facts.snapshot().await.unwrap();
        assert_eq!(sums(&corrected.children), sums(&reloaded.children), "{}", t.backend);
        assert_eq!(sums(&corrected.households), sums(&reloaded.households), "{}", t.backend);
        assert_eq!(sums(&corrected.incidents), sums(&reloaded.incidents), "{}", t.backend);
    }
}

#[tokio::test]
async fn cases_are_counted_in_the_year_received_with_their_lateness() {
    let today = treem_domain::calendar::today_in_vietnam();
    let year = today.year();
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        t.account("an.xa", "commune_worker", "29954", None).await;
        let worker = t.token("lan.xa").await;
        let other = t.token("an.xa").await;
        assert_eq!(value(&t, &worker, "cases.received", year).await.as_deref(), Some("0"));
        assert_eq!(value(&t, &worker, "cases.late_share", year).await, None, "no cases: no data, not a division by zero");
        let commune = t.unit_id("29884", today);
        let child = json!({"full_name": "Đặng Thị Ca", "sex": "female", "birth_date": "2015-05-05", "residence_unit_id": commune});
        let child = t.api("POST", "/api/v1/children", &worker, Some(child.to_string())).await.json()["id"].as_i64().unwrap();
        let actor = t.app.auth.actor_for("lan.xa", "test").await.unwrap();
        let now = treem_domain::audit::now_utc();
        for hours_ago in [1, 72] {
            let intake = treem_app::cases::CaseIntake {
                child_id: child,
                source: "hotline_111".into(),
                summary: "Tin báo thử".into(),
                urgent: true,
                received_at: Some(now - time::Duration::hours(hours_ago)),
                ..Default::default()
            };
            t.app.cases.open(&actor, &intake).await.unwrap();
        }
        // Both received this year (unless the test runs in the first three days of January).
        if now.date().ordinal() > 3 {
            assert_eq!(value(&t, &worker, "cases.received", year).await.as_deref(), Some("2"), "{}", t.backend);
            // The case received 72 hours ago has 12-hour tasks still open: late; the other is not yet.
            assert_eq!(value(&t, &worker, "cases.late_share", year).await.as_deref(), Some("50.00"));
            assert_eq!(value(&t, &worker, "cases.closed_share", year).await.as_deref(), Some("0.00"));
            // By stage: its verification is what is late; no plan step exists yet.
            assert_eq!(value(&t, &worker, "cases.verified_late_share", year).await.as_deref(), Some("50.00"));
            assert_eq!(value(&t, &worker, "cases.plan_late_share", year).await.as_deref(), Some("0.00"));
            let uri = format!("/api/v1/indicators/cases.late_share/disaggregation?by=late_verify&year={year}");
            let d = t.api("GET", &uri, &worker, None).await.json();
            let rows: Vec<(String, String)> = d["rows"]
                .as_array()
                .unwrap_or_else(|| panic!("{d}"))
                .iter()
                .map(|r| (r["value"].as_str().unwrap().to_owned(), r["figure"].as_str().unwrap_or("-").to_owned()))
                .collect();
            assert_eq!(rows, vec![("true".into(), "100.00".into()), ("false".into(), "0.00".into())], "{d}");
        }
        // Out of scope: another commune's worker counts none of them.
        assert_eq!(value(&t, &other, "cases.received", year).await.as_deref(), Some("0"));
        let r = t.api("GET", &format!("/api/v1/indicators/cases.received/disaggregation?by=source&year={year}"), &worker, None).await;
        assert!(r.body.contains("\"value\":\"hotline_111\""), "{}", r.body);
        // Kept cases facts equal a full reload.
        let kept = t.app.facts.snapshot().await.unwrap();
        t.app.facts.reload();
        let reloaded = t.app.facts.snapshot().await.unwrap();
        assert_eq!(sums(&kept.cases), sums(&reloaded.cases));
    }
}

#[tokio::test]
async fn a_remembered_breakdown_moves_with_the_next_save() {
    let today = treem_domain::calendar::today_in_vietnam();
    for t in apps().await {
        t.account("lan.xa", "commune_worker", "29884", None).await;
        let worker = t.token("lan.xa").await;
        let uri = format!("/api/v1/indicators/incidents.drowning/breakdown?year={}&level=commune", today.year());
        let total = |r: serde_json::Value| -> i64 {
            r["rows"].as_array().unwrap().iter().filter_map(|r| r["value"].as_str().and_then(|v| v.parse::<i64>().ok())).sum()
        };
        let before = total(t.api("GET", &uri, &worker, None).await.json());
        assert_eq!(total(t.api("GET", &uri, &worker, None).await.json()), before, "the same figure read twice");
        let commune = t.unit_id("29884", today);
        let child = json!({"full_name": "Võ Văn Sông", "sex": "male", "birth_date": "2016-06-06", "residence_unit_id": commune});
        let child = t.api("POST", "/api/v1/children", &worker, Some(child.to_string())).await.json()["id"].as_i64().unwrap();
        let incident = json!({"kind": "accident", "occurred_on": today.to_string(), "unit_id": commune, "injury": "drowning", "fatal": false, "children": [child]});
        assert_eq!(t.api("POST", "/api/v1/incidents", &worker, Some(incident.to_string())).await.status, StatusCode::CREATED);
        assert_eq!(total(t.api("GET", &uri, &worker, None).await.json()), before + 1, "{}", t.backend);
    }
}

/// Two `treem serve` processes on one PostgreSQL database: what one saves reaches the
/// other's figures (announced by the database), and neither counts its own write twice.
#[tokio::test]
async fn a_second_process_on_the_same_postgresql_follows_the_first_ones_writes() {
    let today = treem_domain::calendar::today_in_vietnam();
    let year = today.year();
    let Some(t) = apps().await.into_iter().find(|t| t.backend == "postgres") else { return };
    t.account("lan.xa", "commune_worker", "29884", None).await;
    let worker = t.token("lan.xa").await;
    let store = treem_storage_postgres::PgStore::connect(&t.url).await.unwrap();
    let other = treem_app::App::new(std::sync::Arc::new(store), treem_app::auth::AuthSettings::default()).await.unwrap();
    let actor = other.auth.actor_for("lan.xa", "test").await.unwrap();
    let value = |app: std::sync::Arc<treem_app::App>, code: &'static str| {
        let actor = actor.clone();
        async move { app.plans.indicator_values(&actor, code, year..=year, None).await.unwrap()[0].1.unwrap_or(0) }
    };
    let drowning = value(other.clone(), "incidents.drowning").await;
    let children = value(other.clone(), "children.under_16").await;
    // The first process saves a child and an incident.
    let commune = t.unit_id("29884", today);
    let child = json!({"full_name": "Lê Thị Sen", "sex": "female", "birth_date": "2017-07-07", "residence_unit_id": commune});
    let child = t.api("POST", "/api/v1/children", &worker, Some(child.to_string())).await.json()["id"].as_i64().unwrap();
    let incident = json!({"kind": "accident", "occurred_on": today.to_string(), "unit_id": commune, "injury": "drowning", "fatal": false, "children": [child]});
    assert_eq!(t.api("POST", "/api/v1/incidents", &worker, Some(incident.to_string())).await.status, StatusCode::CREATED);
    // The second hears it: within a few seconds at most (notices are delivered on commit).
    let mut waited = 0;
    while (value(other.clone(), "incidents.drowning").await, value(other.clone(), "children.under_16").await)
        != (drowning + 1, children + 1)
    {
        assert!(waited < 100, "the second process never saw the first one's writes");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    // Neither counts a write twice: the writer skips its own notices.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(value(t.app.clone(), "incidents.drowning").await, drowning + 1);
    assert_eq!(value(other.clone(), "incidents.drowning").await, drowning + 1);
    // A unit status recorded by the first reaches the second's unit facts and its kept statuses.
    t.account("tinh", "provincial_officer", "82", None).await;
    let officer = t.token("tinh").await;
    let status = json!({"unit_id": commune, "kind": "child_friendly", "valid_from": "2026-01-02", "decision": "QĐ 7"});
    assert_eq!(t.api("POST", "/api/v1/unit-statuses", &officer, Some(status.to_string())).await.status, StatusCode::CREATED);
    let mut waited = 0;
    while other.plans.unit_statuses(None).await.unwrap().is_empty() || value(other.clone(), "units.child_friendly_commune_share").await == 0
    {
        assert!(waited < 100, "the second process never saw the unit status");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
}

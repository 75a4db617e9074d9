//! The indicator engine over a generated province: the plan's baselines reproduced
//! from counted records, figures fresh after every save, scope applied; on every backend.

use axum::http::StatusCode;
use serde_json::json;
use time::macros::date;
use treem_demo::{bulk, Scale};
use treem_domain::incident::InjuryKind;

use crate::harness::{apps, TestApp};

/// The value of an indicator for one year, as the API gives it to `token`'s holder.
pub(crate) async fn value(t: &TestApp, token: &str, code: &str, year: i32) -> Option<String> {
    let r = t.api("GET", &format!("/api/v1/indicators/{code}/values?from={year}&to={year}"), token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{code}: {}", r.body);
    r.json()[0]["value"].as_str().map(str::to_owned)
}

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
        assert!(page.contains("data-field=\"sex,age_band\"") && page.contains("<th id=\"disaggregation-total\">8750</th>"), "{page}");
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
        assert!(page.body.contains("id=\"disaggregation-total\">8750<"));
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

/// Every record a drill-down list gives `token`, following its pages.
async fn all_pages(t: &TestApp, token: &str, uri: &str, children: bool) -> Vec<serde_json::Value> {
    let mut out: Vec<serde_json::Value> = Vec::new();
    let mut after: Option<i64> = None;
    loop {
        let page_uri = format!("{uri}&limit=100{}", after.map(|a| format!("&after={a}")).unwrap_or_default());
        let r = t.api("GET", &page_uri, token, None).await;
        assert_eq!(r.status, StatusCode::OK, "{page_uri}: {}", r.body);
        let j = r.json();
        let (items, next) = if children {
            (j["children"].as_array().unwrap().clone(), j["next_after"].as_i64())
        } else {
            let items = j.as_array().unwrap().clone();
            let next = (items.len() == 100).then(|| items.last().unwrap()["id"].as_i64().unwrap());
            (items, next)
        };
        out.extend(items);
        match next {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
}

/// "12.34" for `num ÷ den` in percent, as the API shows a ratio.
pub(crate) fn percent(num: usize, den: usize) -> String {
    let h = (num as i64 * 10_000 + den as i64 / 2) / den as i64;
    format!("{}.{:02}", h / 100, h % 100)
}

#[tokio::test]
async fn children_and_cases_figures_drill_down_to_the_records_behind_them() {
    let today = treem_domain::calendar::today_in_vietnam();
    for t in apps().await {
        let officer_id = t.account("tinh", "provincial_officer", "82", None).await;
        t.account("lan.xa", "commune_worker", "29884", None).await;
        t.account("ctv", "hamlet_collaborator", "29884-01", None).await;
        let data = bulk(Scale::Sample, &t.app.units.catalog(), today, 11).unwrap();
        assert!(t.app.load_generated(&data, officer_id, "sample seed 11").await.unwrap());
        let officer = t.token("tinh").await;
        let worker = t.token("lan.xa").await;
        // The district with the most children under 16 at the end of 2015, on that day's map.
        let r = t.api("GET", "/api/v1/indicators/children.under_16/breakdown?year=2015&on=2015-12-31&level=district", &officer, None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let (unit, figure) = r.json()["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["unit_id"].as_i64().unwrap(), r["value"].as_str().unwrap().parse::<usize>().unwrap()))
            .max_by_key(|(_, n)| *n)
            .unwrap();
        assert!(figure > 100, "more than one page: {figure}");
        let uri = |code: &str| format!("/api/v1/children?indicator={code}&year=2015&unit={unit}&on=2015-12-31");
        let all = all_pages(&t, &officer, &uri("children.under_16"), true).await;
        assert_eq!(all.len(), figure, "{}", t.backend);
        let ids: std::collections::BTreeSet<i64> = all.iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert_eq!(ids.len(), figure, "no record twice across pages");
        // Under 16 on the counting day, born by then: the engine's rules, not the list's.
        assert!(all.iter().all(|c| {
            let born = c["birth_date"].as_str().unwrap();
            ("2000-01-01"..="2015-12-31").contains(&born)
        }));
        // A list never carries a sensitive field, whoever reads it.
        assert!(all.iter().all(|c| c.get("hiv_status").is_none() && c.get("abuse_notes").is_none()), "{:?}", all[0]);
        // For a ratio, the list holds the numerator's records: poor ÷ all is the figure.
        let poor = all_pages(&t, &officer, &uri("children.poor_household_share"), true).await;
        let r = t
            .api("GET", "/api/v1/indicators/children.poor_household_share/breakdown?year=2015&on=2015-12-31&level=district", &officer, None)
            .await;
        let share = r.json()["rows"].as_array().unwrap().iter().find(|r| r["unit_id"] == unit).unwrap()["value"].clone();
        assert!(!poor.is_empty() && poor.len() < figure);
        assert_eq!(share.as_str(), Some(percent(poor.len(), figure).as_str()), "{}", t.backend);
        assert!(poor.iter().all(|c| ids.contains(&c["id"].as_i64().unwrap())));
        // The police liaison lists as the officer does (same scope), without sensitive fields either.
        t.account("congan", "police_liaison", "82", None).await;
        let police = t.token("congan").await;
        let seen = all_pages(&t, &police, &uri("children.under_16"), true).await;
        assert_eq!(seen.len(), figure);
        assert!(seen.iter().all(|c| c.get("hiv_status").is_none() && c.get("offence_notes").is_none()));
        // A commune worker elsewhere (a 2025 commune) sees none of the 2015 commune's children.
        assert!(all_pages(&t, &worker, &uri("children.under_16"), true).await.len() < figure);
        // An incident indicator is refused here, with the field named.
        let r = t.api("GET", &uri("incidents.abuse"), &officer, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("indicator"), "{}", r.body);
        // The page links each figure to the list, which says what it shows.
        let session = t.session("tinh").await;
        let page = t.page("/indicators/children.poor_household_share?year=2015&on=2015-12-31&level=district", &session).await;
        let link = format!("/children?indicator=children.poor_household_share&amp;year=2015&amp;unit={unit}&amp;on=2015-12-31");
        assert!(page.body.contains(&link), "{}", page.body);
        assert!(page.body.contains("id=\"drill-numerator\""));
        let list = t.page(&format!("/children?indicator=children.under_16&year=2015&unit={unit}&on=2015-12-31"), &session).await;
        assert!(list.body.contains("id=\"children-behind\""), "{}", list.body);
        assert_eq!(list.body.matches("data-child-id=").count(), 50.min(figure));
        // The next page keeps the drill-down.
        let next = list
            .body
            .split("id=\"children-next\" href=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .replace("&#38;", "&")
            .replace("&amp;", "&");
        assert!(next.starts_with("/children?indicator=children.under_16&year=2015"), "{next}");
        let list = t.page(&next, &session).await;
        assert!(list.body.contains("id=\"children-behind\""));
        assert_eq!(list.body.matches("data-child-id=").count(), 50.min(figure - 50));

        // Generated cases are counted: a past year's figure is the cases received that year.
        let generated = data.cases.iter().filter(|k| k.received_at.year() == 2016).count();
        assert!(generated > 0);
        assert_eq!(value(&t, &officer, "cases.received", 2016).await, Some(generated.to_string()), "{}", t.backend);
        let listed = all_pages(&t, &officer, "/api/v1/cases?indicator=cases.received&year=2016", false).await;
        assert_eq!(listed.len(), generated);
        // Late: a task done after its due time, or still open past it (a stalled case).
        let late = data
            .cases
            .iter()
            .filter(|k| k.received_at.year() == 2016 && k.tasks.iter().any(|(_, due, done)| done.is_none_or(|d| d > *due)))
            .count();
        assert_eq!(all_pages(&t, &officer, "/api/v1/cases?indicator=cases.late_share&year=2016", false).await.len(), late);
        assert_eq!(value(&t, &officer, "cases.late_share", 2016).await, Some(percent(late, generated)));
        // Cases: three opened now in one commune, one closed as unfounded.
        let commune = t.unit_id("29884", today);
        let child = json!({"full_name": "Lê Thị Ca", "sex": "female", "birth_date": "2016-02-02", "residence_unit_id": commune});
        let child = t.api("POST", "/api/v1/children", &officer, Some(child.to_string())).await.json()["id"].as_i64().unwrap();
        let mut cases = Vec::new();
        for urgent in [true, false, false] {
            let open = json!({"child_id": child, "source": "hotline_111", "summary": "Trẻ bị bỏ rơi", "reporter_name": "Hàng xóm", "urgent": urgent});
            let r = t.api("POST", "/api/v1/cases", &officer, Some(open.to_string())).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            cases.push(r.json()["id"].as_i64().unwrap());
        }
        let version = t.api("GET", &format!("/api/v1/cases/{}", cases[0]), &officer, None).await.json()["version"].as_i64().unwrap();
        let close = json!({"action": "close_unfounded", "note": "Không có cơ sở", "version": version});
        let r = t.api("POST", &format!("/api/v1/cases/{}/actions", cases[0]), &officer, Some(close.to_string())).await;
        assert!(r.status.is_success(), "{}", r.body);
        let year = treem_domain::audit::now_utc().year();
        let r = t
            .api("GET", &format!("/api/v1/indicators/cases.received/breakdown?year={year}&on={today}&level=commune"), &officer, None)
            .await;
        let figure = |r: &crate::harness::Reply, unit: i64| {
            r.json()["rows"].as_array().unwrap().iter().find(|r| r["unit_id"] == unit).unwrap()["value"].as_str().unwrap().to_owned()
        };
        let received = figure(&r, commune);
        let uri = |code: &str| format!("/api/v1/cases?indicator={code}&year={year}&unit={commune}&on={today}");
        let listed = all_pages(&t, &officer, &uri("cases.received"), false).await;
        assert_eq!(listed.len().to_string(), received, "{}", t.backend);
        assert!(cases.iter().all(|c| listed.iter().any(|l| l["id"] == *c)));
        // Lists of cases carry no summary and no reporter, for any role.
        assert!(listed.iter().all(|c| c.get("summary").is_none() && c.get("reporter_name").is_none()), "{:?}", listed[0]);
        let closed = all_pages(&t, &officer, &uri("cases.closed_share"), false).await;
        let closed: Vec<i64> = closed.iter().map(|c| c["id"].as_i64().unwrap()).collect();
        assert!(closed.contains(&cases[0]) && !closed.contains(&cases[1]) && !closed.contains(&cases[2]), "{closed:?}");
        assert!(listed
            .iter()
            .filter(|c| closed.contains(&c["id"].as_i64().unwrap()))
            .all(|c| c["state"].as_str().unwrap().starts_with("closed")));
        // The commune worker of that commune sees them; a hamlet collaborator only the hamlet's (none here).
        assert_eq!(all_pages(&t, &worker, &uri("cases.received"), false).await.len(), listed.len());
        let seen = all_pages(&t, &police, &uri("cases.received"), false).await;
        assert_eq!(seen.len(), listed.len());
        assert!(seen.iter().all(|c| c.get("summary").is_none() && c.get("reporter_name").is_none()));
        let ctv = t.token("ctv").await;
        assert!(all_pages(&t, &ctv, &uri("cases.received"), false).await.len() < listed.len());
        let page = t.page(&format!("/cases?indicator=cases.received&year={year}&unit={commune}&on={today}"), &session).await;
        assert!(page.body.contains("id=\"cases-behind\""), "{}", page.body);
        assert_eq!(page.body.matches("data-case-id=").count(), listed.len());
        let page = t.page(&format!("/indicators/cases.received?year={year}&on={today}&level=commune"), &session).await;
        assert!(page.body.contains(&format!("/cases?indicator=cases.received&amp;year={year}&amp;unit={commune}")), "{}", page.body);
    }
}

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
            level: level.map(str::to_owned),
        };
        plan.unit_targets = vec![entry("T1", 2014, 2016, "-10", None), entry("T3a", 2015, 2015, "50", Some("commune"))];
        plan.targets.iter_mut().find(|x| x.id == "T3a").unwrap().kind = "unit_share_with_status".into();
        plan.targets.iter_mut().find(|x| x.id == "T3a").unwrap().legs.retain(|l| l.level == "commune");
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
    }
}

/// Hundredths as the API writes them, from a count × 10⁻³ (base × 0.9³ = base × 729 / 1000).
fn thousandths_as_hundredths(thousandths: i64) -> String {
    let h = (thousandths + 5) / 10;
    format!("{}.{:02}", h / 100, h % 100)
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

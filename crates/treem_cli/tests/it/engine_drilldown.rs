//! Drill-downs of the indicator engine: the children and cases figures list the records
//! behind them, page by page, within scope; on every backend.

use crate::harness::{apps, TestApp};
use crate::shared::{percent, value};
use axum::http::StatusCode;
use serde_json::json;
use treem_demo::{bulk, Scale};

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

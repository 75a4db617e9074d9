//! Movements of the Child Protection Fund: recorded through the API and the page, summed
//! by the catalogue's indicators at once, refused by role and scope, audited; on every backend.

use axum::http::StatusCode;
use serde_json::json;

use crate::harness::{apps, csrf_of, TestApp};

async fn value(t: &TestApp, token: &str, code: &str, year: i32) -> i64 {
    let r = t.api("GET", &format!("/api/v1/indicators/{code}/values?from={year}&to={year}"), token, None).await;
    assert_eq!(r.status, StatusCode::OK, "{code}: {}", r.body);
    r.json()[0]["value"].as_str().unwrap().parse().unwrap()
}

async fn post(t: &TestApp, token: &str, body: serde_json::Value) -> crate::harness::Reply {
    t.api("POST", "/api/v1/fund", token, Some(body.to_string())).await
}

fn fields(r: &crate::harness::Reply) -> Vec<String> {
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    r.json()["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn fund_movements_move_the_fund_indicators_at_once_within_scope() {
    let today = treem_domain::calendar::today_in_vietnam();
    // A day of this year on which the 2025 communes exist (they began on 2025-07-01).
    let day = today
        .replace_month(time::Month::January)
        .and_then(|d| d.replace_day(2))
        .unwrap()
        .max(time::macros::date!(2025 - 07 - 02))
        .min(today);
    let year = day.year();
    for t in apps().await {
        t.account("tinh", "provincial_officer", "82", None).await;
        t.account("xa.myngai", "commune_worker", "29884", None).await;
        t.account("sogd", "agency_reporter", "82", None).await;
        t.account("kiemtra", "auditor", "82", None).await;
        let (officer, commune, agency, auditor) =
            (t.token("tinh").await, t.token("xa.myngai").await, t.token("sogd").await, t.token("kiemtra").await);
        let my_ngai = t.unit_id("29884", day);
        let an_binh = t.unit_id("29954", day);
        let date = day.to_string();
        let (r0, d0) =
            (value(&t, &officer, "fund.receipts", year).await, value(&t, &officer, "fund.disbursements_to_children", year).await);

        let r = post(&t, &commune, json!({"unit": my_ngai, "date": date, "direction": "receipt", "source": "domestic_donation", "amount": 150_000_000, "note": "Doanh nghiệp ủng hộ"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}: {}", t.backend, r.body);
        assert_eq!(value(&t, &officer, "fund.receipts", year).await - r0, 150_000_000, "{}", t.backend);
        let r = post(
            &t,
            &commune,
            json!({"unit": my_ngai, "date": date, "direction": "disbursement", "purpose": "scholarships", "amount": 40_000_000}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let r = post(
            &t,
            &officer,
            json!({"unit": my_ngai, "date": date, "direction": "disbursement", "purpose": "operations", "amount": 5_000_000}),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        // Operations are not disbursements to children.
        assert_eq!(value(&t, &officer, "fund.disbursements_to_children", year).await - d0, 40_000_000);
        assert_eq!(value(&t, &commune, "fund.receipts", year).await, 150_000_000);

        // Roles without the function: 403; a fund outside scope: 404.
        let r = post(&t, &agency, json!({"unit": my_ngai, "date": date, "direction": "receipt", "source": "other", "amount": 1})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        let r = post(&t, &commune, json!({"unit": an_binh, "date": date, "direction": "receipt", "source": "other", "amount": 1})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
        // Bad input names the field.
        let r =
            post(&t, &commune, json!({"unit": my_ngai, "date": date, "direction": "receipt", "purpose": "campaigns", "amount": 0})).await;
        assert_eq!(fields(&r), vec!["source", "purpose", "amount"], "{}", r.body);
        let r = post(
            &t,
            &commune,
            json!({"unit": my_ngai, "date": (today + time::Duration::days(3)).to_string(), "direction": "outflow", "amount": 5}),
        )
        .await;
        assert_eq!(fields(&r), vec!["direction", "date"], "{}", r.body);

        // Listed within scope; auditors read, agency reporters do not.
        let r = t.api("GET", &format!("/api/v1/fund?from={year}-01-01"), &auditor, None).await;
        assert_eq!(r.json().as_array().unwrap().len(), 3, "{}", r.body);
        let r = t.api("GET", "/api/v1/fund", &agency, None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert_eq!(t.store_audit_actions("fund.record").await, 3);

        // The page records too, and shows the year's totals.
        let s = t.session("xa.myngai").await;
        let page = t.page(&format!("/fund?year={year}"), &s).await;
        assert!(page.body.contains("id=\"nav-fund\"") && page.body.contains("data-total=\"receipt\">150.000.000<"), "{}", page.body);
        let csrf = csrf_of(&page.body);
        let unit = my_ngai.to_string();
        let form = [
            ("csrf", csrf.as_str()),
            ("unit", &unit),
            ("date", &date),
            ("direction", "receipt"),
            ("source", "state_budget"),
            ("purpose", "campaigns"),
            ("amount", "2.000.000"),
        ];
        let r = t.post_form("/fund", Some(&s), &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(value(&t, &officer, "fund.receipts", year).await - r0, 152_000_000);
        // Broken down by source, the field reads as the source of the money, not of a report.
        let page = t.page(&format!("/indicators/fund.receipts?year={year}&by=source"), &s).await.body;
        assert!(page.contains("data-by=\"source\"") && page.contains(">Nguồn thu</a>") && !page.contains(">Nguồn tin<"), "{page}");

        // The facts kept by the saves equal a full reload.
        let kept = t.app.facts.snapshot().await.unwrap();
        t.app.facts.reload();
        let reloaded = t.app.facts.snapshot().await.unwrap();
        let sum = |f: &[treem_domain::indicator::Fact]| {
            let mut v: Vec<_> = f.iter().map(|x| (x.unit, x.day, x.codes, x.count)).collect();
            v.sort();
            v
        };
        assert_eq!(sum(&kept.fund), sum(&reloaded.fund), "{}", t.backend);
        assert_eq!(kept.fund.len(), 4);
    }
}

#[tokio::test]
async fn the_demos_made_up_fund_movements_are_accepted_and_summed() {
    let today = treem_domain::calendar::today_in_vietnam();
    for t in apps().await {
        t.account("tinh", "provincial_officer", "82", None).await;
        let officer = t.token("tinh").await;
        let actor = t.app.auth.actor_for("tinh", "test").await.unwrap();
        let list = treem_demo::fund_movements(&t.app.units.catalog(), today, 2013);
        assert_eq!(list.len(), 25);
        for m in &list {
            t.app.fund.record(&actor, m).await.unwrap_or_else(|e| panic!("{}: {m:?}: {e}", t.backend));
        }
        let sum = |direction: &str, year: i32| -> i64 {
            list.iter()
                .filter(|m| m.direction == direction && m.date.starts_with(&year.to_string()))
                .map(|m| m.amount.parse::<i64>().unwrap())
                .sum()
        };
        for year in [today.year() - 1, today.year()] {
            assert_eq!(value(&t, &officer, "fund.receipts", year).await, sum("receipt", year), "{year}");
        }
        assert!(sum("receipt", today.year() - 1) > 0);
    }
}

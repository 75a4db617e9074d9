//! A plan's task budgets and unit targets: checked by path on import, summed and shown;
//! on every backend.

use axum::http::StatusCode;
use serde_json::json;
use time::macros::date;

use crate::harness::apps;
use crate::shared::{founding_plan, refused};

fn demo_budget_plan() -> serde_json::Value {
    let plan = treem_app::plans::parse_plan_toml("demo/plan-budgets-demo.toml", treem_domain::bundled::DEMO_PLAN_BUDGETS).unwrap();
    serde_json::to_value(plan).unwrap()
}

#[tokio::test]
async fn task_budgets_are_checked_by_path_summed_by_source_and_year_and_shown() {
    for t in apps().await {
        t.account("tinh.87", "provincial_officer", "87", Some(date!(2013 - 12 - 31))).await;
        let officer = t.token("tinh.87").await;
        // Bad lines are named by task id and line index; nothing is stored.
        let plan = demo_budget_plan();
        let mut bad = plan.clone();
        bad["tasks"][0]["budget"][1]["planned"] = json!(-5);
        bad["tasks"][0]["budget"][2].as_object_mut().unwrap().remove("planned");
        bad["tasks"][1]["budget"][0]["source"] = json!("lottery");
        bad["tasks"][1]["budget"][1]["year"] = json!(2030);
        let problems = refused(&t.api("POST", "/api/v1/plans", &officer, Some(bad.to_string())).await);
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            vec!["tasks[N1].budget[1].planned", "tasks[N1].budget[2].planned", "tasks[N2].budget[0].source", "tasks[N2].budget[1].year"]
        );
        assert!(problems[2].1.contains("`lottery`") && problems[2].1.contains("mobilised, other"), "{problems:?}");
        assert!(problems[3].1.contains("2021–2024"), "{problems:?}");
        assert_eq!(t.get("/api/v1/plans").await.json(), json!([]), "nothing half-written");
        // The demo plan's made-up budget: stored whole, summed by source and by year.
        let r = t.api("POST", "/api/v1/plans", &officer, Some(plan.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let whole = t.get("/api/v1/plans/demo-2021-kinh-phi").await.json();
        assert_eq!(
            whole["tasks"][0]["budget"][0],
            json!({"source": "provincial_budget", "year": 2021, "planned": 350000000, "spent": 320000000, "note": "số liệu mẫu"})
        );
        assert_eq!(whole["tasks"][1]["budget"][2]["planned"], 0);
        let b = t.get("/api/v1/plans/demo-2021-kinh-phi/budget").await.json();
        assert_eq!((b["currency"].as_str(), b["lines"].as_u64()), (Some("VND"), Some(6)), "{b}");
        let sources: Vec<(String, i64, i64, serde_json::Value, u64)> = b["by_source"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let name = s["source"].as_str().unwrap().to_owned();
                (
                    name,
                    s["planned"].as_i64().unwrap(),
                    s["spent"].as_i64().unwrap(),
                    s["share_spent"].clone(),
                    s["unreported"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            sources,
            vec![
                ("central_budget".into(), 900_000_000, 850_000_000, json!("94.44"), 0),
                ("provincial_budget".into(), 750_000_000, 730_000_000, json!("97.33"), 0),
                ("district_budget".into(), 120_000_000, 0, json!("0.00"), 1),
                ("commune_budget".into(), 60_000_000, 15_000_000, json!("25.00"), 0),
                ("mobilised".into(), 0, 75_000_000, serde_json::Value::Null, 0),
            ]
        );
        let years: Vec<(serde_json::Value, i64, i64)> = b["by_year"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| (y["year"].clone(), y["planned"].as_i64().unwrap(), y["spent"].as_i64().unwrap()))
            .collect();
        assert_eq!(
            years,
            vec![
                (serde_json::Value::Null, 0, 75_000_000),
                (json!(2021), 1_250_000_000, 1_170_000_000),
                (json!(2022), 580_000_000, 425_000_000)
            ]
        );
        assert_eq!(b["total"], json!({"planned": 1830000000, "spent": 1670000000, "share_spent": "91.26", "unreported": 1}));
        assert_eq!(t.get("/api/v1/plans/nope/budget").await.status, StatusCode::NOT_FOUND);
        // The founding plan gives no figures: no budget lines, none written into its document.
        assert_eq!(t.api("POST", "/api/v1/plans", &officer, Some(founding_plan().to_string())).await.status, StatusCode::CREATED);
        let founding = t.get("/api/v1/plans/dt-2013-ct20").await;
        assert!(!founding.body.contains("\"budget\"") && !founding.body.contains("unit_targets"), "{}", founding.body);
        assert_eq!(t.get("/api/v1/plans/dt-2013-ct20/budget").await.json()["lines"], 0);
        assert!(t.get("/plans/dt-2013-ct20").await.body.contains("id=\"budget-none\""));
        // The page: each task's lines with the share spent, the totals by source and by year.
        let page = t.get("/plans/demo-2021-kinh-phi").await.body;
        let n1 = page.split("data-task-budget=\"N1\"").nth(1).unwrap_or_else(|| panic!("{page}")).split("</table>").next().unwrap();
        assert!(n1.contains("<td>Ngân sách tỉnh</td><td>2022</td><td data-planned>400.000.000</td><td data-spent>410.000.000</td><td data-share>102,50 %</td>"), "{n1}");
        assert!(n1.contains("<td data-spent>chưa báo cáo</td>"), "{n1}");
        let by_source = page.split("id=\"budget-by-source\"").nth(1).unwrap().split("</table>").next().unwrap();
        assert!(by_source.contains("data-source=\"budget_source.mobilised\"><td>Xã hội hóa</td><td data-planned>0</td><td data-spent>75.000.000</td><td data-share>–</td>"), "{by_source}");
        assert!(
            by_source.contains("<th data-planned>1.830.000.000</th><th data-spent>1.670.000.000</th><th data-share>91,26 %</th>"),
            "{by_source}"
        );
        let by_year = page.split("id=\"budget-by-year\"").nth(1).unwrap().split("</table>").next().unwrap();
        assert!(
            by_year.contains("<tr data-year=\"period\"><td>Cả giai đoạn</td>")
                && by_year.contains("<tr data-year=\"2021\"><td>2021</td><td data-planned>1.250.000.000</td>"),
            "{by_year}"
        );
        let en = t.get("/plans/demo-2021-kinh-phi?lang=en").await.body;
        assert!(en.contains("<td>Provincial budget</td>") && en.contains("<td>Whole period</td>"), "{en}");
    }
}

#[tokio::test]
async fn unit_targets_are_checked_against_the_units_of_their_years_and_shown_under_their_target() {
    for t in apps().await {
        t.account("tinh.87", "provincial_officer", "87", Some(date!(2013 - 12 - 31))).await;
        let officer = t.token("tinh.87").await;
        let entry = |target: &str, code: &str, on: &str, from: i32, to: i32, value: serde_json::Value| json!({"target": target, "unit_code": code, "unit_on": on, "from_year": from, "to_year": to, "value": value});
        let mut plan = founding_plan();
        let mut first = entry("T3a", "866", "2013-12-31", 2013, 2015, json!(4));
        first["level"] = json!("commune");
        let mut overlapping = entry("T3a", "866", "2014-06-01", 2015, 2015, json!(5));
        overlapping["level"] = json!("commune");
        plan["unit_targets"] = json!([
            first,
            overlapping,
            entry("T1", "29884", "2026-01-01", 2013, 2020, json!("-5")),
            entry("T1", "866", "2013-12-31", 2019, 2026, json!("-5")),
            entry("T9", "866", "2013-12-31", 2013, 2015, json!(1)),
            entry("T5", "873", "2013-12-31", 2013, 2015, json!(95)),
            entry("T1", "866", "2025-12-31", 2013, 2020, json!("-5")),
        ]);
        let problems = refused(&t.api("POST", "/api/v1/plans", &officer, Some(plan.to_string())).await);
        let fields: Vec<&str> = problems.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "unit_targets[3].to_year",
                "unit_targets[3].to_year",
                "unit_targets[4].target",
                "unit_targets[2].unit_code",
                "unit_targets[2].unit_code",
                "unit_targets[3].unit_code",
                "unit_targets[6].unit_code",
                "unit_targets[1]",
            ],
            "{problems:#?}"
        );
        let message = |i: usize| problems[i].1.as_str();
        assert!(
            message(3).contains("Phường Mỹ Ngãi (29884) existed from 2025-07-01 (still in force), not for the whole of 2013–2020"),
            "{}",
            message(3)
        );
        assert!(message(4).contains("not in the plan's area"), "{}", message(4));
        assert!(
            message(5).contains("Thành phố Cao Lãnh (866) existed from 2012-01-01 to 2025-06-30, not for the whole of 2019–2026"),
            "{}",
            message(5)
        );
        assert_eq!(message(6), "no unit with code 866 on 2025-12-31; the code names Thành phố Cao Lãnh from 2012-01-01 to 2025-06-30");
        assert!(
            message(7).starts_with("overlaps unit_targets[0]: same target T3a and unit Thành phố Cao Lãnh (866), level commune"),
            "{}",
            message(7)
        );
        assert!(message(1).contains("after the deadline of T1, 2020"), "{}", message(1));
        assert_eq!(t.get("/api/v1/plans").await.json(), json!([]), "nothing half-written");
        // The good entries alone are stored, served in the plan's JSON and shown under their target.
        plan["unit_targets"] = json!([plan["unit_targets"][0].clone(), plan["unit_targets"][5].clone()]);
        let r = t.api("POST", "/api/v1/plans", &officer, Some(plan.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let whole = t.get("/api/v1/plans/dt-2013-ct20").await.json();
        assert_eq!(whole["unit_targets"][0]["value"], "4");
        assert_eq!(
            whole["unit_targets"][1],
            json!({"target": "T5", "unit_code": "873", "unit_on": "2013-12-31", "from_year": 2013, "to_year": 2015, "value": "95"})
        );
        // Askama escapes `>` (as `&#62;`); compare the text.
        let page = t.get("/plans/dt-2013-ct20").await.body.replace("&#62;", ">").replace("&gt;", ">");
        let t3a = page.split("data-unit-targets=\"T3a\"").nth(1).unwrap_or_else(|| panic!("{page}")).split("</table>").next().unwrap();
        assert!(
            t3a.contains(
                "<tr data-unit-target=\"0\" data-status=\"missed\"><td>Thành phố Cao Lãnh (866)</td><td>2013–2015</td><td>Cấp xã: > 4</td><td>2015: 0 / 13</td><td>không đạt</td></tr>"
            ),
            "{t3a}"
        );
        assert!(
            page.contains(
                "<tr data-unit-target=\"1\" data-status=\"missed\"><td>Huyện Cao Lãnh (873)</td><td>2013–2015</td><td>Cấp xã: > 95 %</td>"
            ),
            "{page}"
        );
        // The demo plan: a yearly change per unit, and periods of one unit one after the other.
        let r = t.api("POST", "/api/v1/plans", &officer, Some(demo_budget_plan().to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let page = t.get("/plans/demo-2021-kinh-phi?lang=en").await.body.replace("&#62;", ">").replace("&gt;", ">");
        assert!(page.contains("<td>Thành phố Cao Lãnh (866)</td><td>2021–2024</td><td>-7 % a year</td>"), "{page}");
        assert!(page.contains("<td>2023–2024</td><td>Commune: > 95 %</td>"), "{page}");
    }
}

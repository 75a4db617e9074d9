//! The indicator catalogue and its pages: formulas checked with a position, breakdowns as an
//! XLSX workbook and on a map, trends with the ceilings of the target following them.

use axum::http::StatusCode;
use serde_json::json;
use time::macros::date;

use crate::harness::{apps, TestApp};
use crate::shared::{download, founding_plan};

#[tokio::test]
async fn the_indicator_catalogue_is_public_and_formulas_are_checked_with_a_position() {
    for t in apps().await {
        let list = t.get("/api/v1/indicators").await.json();
        let codes: Vec<&str> = list.as_array().unwrap().iter().map(|i| i["code"].as_str().unwrap()).collect();
        assert!(codes.contains(&"incidents.sexual_abuse") && codes.contains(&"incidents.drowning"), "{codes:?}");
        let share = list.as_array().unwrap().iter().find(|i| i["code"] == "incidents.sexual_abuse_share").unwrap();
        assert_eq!(share["formula_kind"], "ratio");
        let ok =
            t.post_json("/api/v1/indicators/check", json!({"formula": "count(incidents where injury = \"drowning\")"}).to_string()).await;
        assert_eq!((ok.status, ok.json()["formula_kind"].as_str()), (StatusCode::OK, Some("count")), "{}", ok.body);
        let bad = t.post_json("/api/v1/indicators/check", json!({"formula": "count(incidents where colour = \"red\")"}).to_string()).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["error"]["field"], "formula");
        assert!(
            bad.json()["error"]["message"].as_str().unwrap().contains("at character 23: incidents have no field `colour`"),
            "{}",
            bad.body
        );
        // The page: metadata for everyone, values only for the signed-in, the checker without JavaScript.
        let page = t.get("/indicators?formula=count(incidents+where+kind+%3D+%22abus%22)").await.body;
        assert!(page.contains("data-indicator=\"incidents.drowning\"") && !page.contains("data-value"));
        assert!(page.contains("id=\"formula-result\"") && page.contains("30: `abus` is not a value of kind"), "{page}");
        // A plan naming an unknown indicator, or a ratio for a yearly change, is refused by path.
        t.account("tinh.87", "provincial_officer", "87", Some(date!(2013 - 12 - 31))).await;
        let mut plan = founding_plan();
        plan["targets"][1]["indicator"] = json!("incidents.nope");
        plan["targets"][2]["indicator"] = json!("incidents.sexual_abuse_share");
        let r = t.api("POST", "/api/v1/plans", &t.token("tinh.87").await, Some(plan.to_string())).await;
        let fields: Vec<String> = r.json()["error"]["fields"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", r.body))
            .iter()
            .map(|f| f["field"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(fields, vec!["targets[T1].indicator", "targets[T2].indicator"]);
    }
}

/// A provincial officer of Đồng Tháp (2013 map) and two sexual-abuse incidents of 2014 in commune 29884,
/// recorded by its commune worker. Returns the officer's session and the commune's id.
async fn two_incidents_in_2014(t: &TestApp) -> (String, i64) {
    t.account("tinh.87", "provincial_officer", "87", Some(date!(2013 - 12 - 31))).await;
    t.account("lan.xa", "commune_worker", "29884", None).await;
    let worker = t.token("lan.xa").await;
    let commune = t.unit_id("29884", date!(2013 - 01 - 01));
    let home = t.unit_id("29884-01", date!(2026 - 01 - 01));
    let child = json!({"full_name": "Võ Thị Hoa", "sex": "female", "birth_date": "2011-01-01", "residence_unit_id": home});
    let r = t.api("POST", "/api/v1/children", &worker, Some(child.to_string())).await;
    let child = r.json()["id"].as_i64().unwrap_or_else(|| panic!("{}", r.body));
    for day in ["2014-02-01", "2014-03-01"] {
        let abuse = json!({"kind": "abuse", "occurred_on": day, "unit_id": commune, "children": [child], "abuse_form": "xam_hai_tinh_duc",
            "sexual_subtype": "dam_o", "setting": "family", "relation": "acquaintance"});
        let r = t.api("POST", "/api/v1/incidents", &worker, Some(abuse.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    (t.session("tinh.87").await, commune)
}

#[tokio::test]
async fn the_breakdown_downloads_as_an_xlsx_workbook_with_the_csvs_figures() {
    for t in apps().await {
        let (officer, commune) = two_incidents_in_2014(&t).await;
        let name = t.app.units.catalog().get(treem_domain::units::UnitId(commune)).unwrap().name.clone();
        let base = "/indicators/incidents.sexual_abuse?year=2014&level=commune";
        let page = t.page(base, &officer).await.body;
        assert!(page.contains("id=\"breakdown-xlsx\"") && page.contains("format=xlsx"), "{page}");
        let csv = t.page(&format!("{base}&format=csv"), &officer).await.body;
        let mut lines = csv.lines();
        let title = lines.next().unwrap();
        assert!(title.contains("(incidents.sexual_abuse), năm 2014, theo bản đồ hành chính ngày 31/12/2014, cấp xã"), "{title}");
        assert_eq!(lines.next(), Some("Mã đơn vị,Đơn vị,Mã trong treem,Năm,Giá trị"), "{csv}");
        assert!(csv.contains(&format!("29884,{name},{commune},2014,2\n")), "{csv}");
        let total = csv.lines().last().unwrap();
        assert!(total.starts_with(",Tổng cộng,,,") && total.ends_with(",2"), "a count's total: {total}");
        let (status, headers, book) = download(&t, &format!("{base}&format=xlsx"), &officer).await;
        assert_eq!(status, StatusCode::OK, "{}", t.backend);
        assert_eq!(headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        assert_eq!(headers["content-disposition"], "attachment; filename=\"incidents.sexual_abuse-2014-commune.xlsx\"");
        // Read back by a real reader (calamine): the title row, the header, the commune's row with
        // its id and count as numbers, and as many rows as the CSV.
        let known = |h: &str| ["Mã đơn vị", "Đơn vị", "Giá trị"].contains(&h);
        let table = treem_import::read_table("b.xlsx", &book, &treem_import::Limits::default(), &known).unwrap();
        assert_eq!((table.header_row, table.header[4].as_str()), (2, "Giá trị"));
        let row = table.rows.iter().find(|r| r.cells[1] == treem_import::Cell::Text(name.clone())).unwrap_or_else(|| panic!("{table:?}"));
        assert_eq!(row.cells[2], treem_import::Cell::Number(commune as f64));
        assert_eq!(row.cells[4], treem_import::Cell::Number(2.0));
        assert_eq!(table.rows.len() + 2, csv.lines().count(), "the same rows as the CSV");
        // The API gives the same workbook to a token.
        let token = t.token("tinh.87").await;
        let (status, headers, api_book) =
            download(&t, "/api/v1/indicators/incidents.sexual_abuse/breakdown?year=2014&format=xlsx&lang=vi", &format!("Bearer {token}"))
                .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        assert!(api_book == book, "in the same language: the same table, the same bytes");
        let r = t.api("GET", "/api/v1/indicators/incidents.sexual_abuse/breakdown?year=2014&format=pdf", &token, None).await;
        assert_eq!(r.json()["error"]["field"], "format");
        // Not signed in: no figures.
        assert_ne!(t.get(&format!("{base}&format=xlsx")).await.status, StatusCode::OK);
    }
}

#[tokio::test]
async fn districts_and_communes_are_drawn_on_a_map_one_circle_each() {
    for t in apps().await {
        let (officer, commune) = two_incidents_in_2014(&t).await;
        let token = t.token("tinh.87").await;
        let catalog = t.app.units.catalog();
        for level in ["commune", "district"] {
            let b =
                t.api("GET", &format!("/api/v1/indicators/incidents.sexual_abuse/breakdown?year=2014&level={level}"), &token, None).await;
            let placed = b.json()["rows"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| {
                    let u = catalog.get(treem_domain::units::UnitId(r["unit_id"].as_i64().unwrap())).unwrap();
                    u.lat.is_some() && u.lon.is_some()
                })
                .count();
            assert!(placed > 10, "{level}: {placed}");
            let uri = format!("/indicators/incidents.sexual_abuse?year=2014&level={level}");
            let page = t.page(&uri, &officer).await.body;
            let svg = page.split("<svg").nth(1).unwrap_or_else(|| panic!("no map: {page}"));
            assert_eq!(svg.matches("<circle").count(), placed, "{} {level}", t.backend);
            assert!(page.contains("id=\"breakdown-svg\"") && !page.contains("id=\"map-no-position\""));
            let file = t.page(&format!("{uri}&format=svg"), &officer).await;
            assert_eq!((file.status, &file.headers["content-type"]), (StatusCode::OK, &"image/svg+xml".parse().unwrap()));
            assert_eq!(file.headers["content-disposition"], format!("attachment; filename=\"incidents.sexual_abuse-2014-{level}.svg\""));
            assert!(file.body.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") && file.body.ends_with("</svg>"));
            assert_eq!(file.body.matches("<circle").count(), placed);
        }
        // The commune's circle names it and its count, and is the largest.
        let name = catalog.get(treem_domain::units::UnitId(commune)).unwrap().name.clone();
        let page = t.page("/indicators/incidents.sexual_abuse?year=2014", &officer).await.body;
        assert!(page.contains(&format!("data-unit=\"{commune}\"")) && page.contains(&format!("<title>{name}: 2</title>")), "{page}");
        // Provinces are not mapped.
        let page = t.page("/indicators/incidents.sexual_abuse?year=2014&level=province", &officer).await.body;
        assert!(!page.contains("<circle") && !page.contains("id=\"breakdown-svg\""));
        let r = t.page("/indicators/incidents.sexual_abuse?year=2014&level=province&format=svg", &officer).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

#[tokio::test]
async fn the_catalogue_draws_a_trend_per_indicator_with_the_ceilings_of_the_target_following_it() {
    for t in apps().await {
        let (officer, _) = two_incidents_in_2014(&t).await;
        let token = t.token("tinh.87").await;
        assert_eq!(t.api("POST", "/api/v1/plans", &token, Some(founding_plan().to_string())).await.status, StatusCode::CREATED);
        let page = t.page("/indicators", &officer).await.body;
        let section = |code: &str| -> String {
            page.split(&format!("data-indicator=\"{code}\"")).nth(1).unwrap().split("</section>").next().unwrap().to_owned()
        };
        let catalogue = t.get("/api/v1/indicators").await.json();
        assert_eq!(page.matches("<svg").count(), catalogue.as_array().unwrap().len(), "one chart per indicator");
        // T1 follows sexual abuse: its chart starts at the base year 2012, shows 2014's two cases and the ceilings.
        let abuse = section("incidents.sexual_abuse");
        assert!(abuse.contains("class=\"trend\"") && abuse.contains("<title>2014: 2</title>"), "{abuse}");
        assert!(abuse.contains("data-year=\"2012\"") && abuse.contains("class=\"ceiling\"") && abuse.contains("dt-2013-ct20 T1"));
        // Drowning has no target: values from six years ago only, no ceiling.
        let drowning = section("incidents.drowning");
        let this_year = treem_domain::calendar::today_in_vietnam().year();
        assert_eq!(drowning.matches("class=\"point\"").count(), 6, "{drowning}");
        assert!(drowning.contains(&format!("data-year=\"{}\"", this_year - 5)) && !drowning.contains("class=\"ceiling\""));
        // The table still shows the last six years.
        assert_eq!(abuse.matches("<td data-value>").count(), 6);
        // Not signed in: no figures, no charts.
        assert!(!t.get("/indicators").await.body.contains("<svg"));
    }
}

/// The rows of the breakdown table (`tr data-unit="…"`), in the page's order: (unit id, the row's HTML).
fn breakdown_rows(page: &str) -> Vec<(i64, String)> {
    let Some(start) = page.find("<table id=\"breakdown\"") else { return Vec::new() };
    let end = page[start..].find("</table>").map_or(page.len(), |e| start + e);
    page[start..end]
        .split("<tr data-unit=\"")
        .skip(1)
        .map(|r| {
            let id = r.split('"').next().unwrap().parse().unwrap();
            (id, r.split("</tr>").next().unwrap().to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_breakdown_table_tells_namesakes_apart_and_is_sorted_and_filtered_without_script() {
    for t in apps().await {
        let (officer, commune) = two_incidents_in_2014(&t).await;
        let base = "/indicators/incidents.sexual_abuse?year=2014&on=2013-12-31&level=commune";
        let page = t.page(base, &officer).await;
        assert_eq!(page.status, StatusCode::OK, "{}", t.backend);
        let rows = breakdown_rows(&page.body);
        assert!(rows.len() > 100, "{}: every commune of the province has a row ({})", t.backend, rows.len());
        // Two communes called "Phường 1" (Thành phố Cao Lãnh's and Thị xã Sa Đéc's): each with its parent and code.
        let namesakes: Vec<&String> = rows.iter().map(|(_, r)| r).filter(|r| r.contains(">Phường 1</a>")).collect();
        assert_eq!(namesakes.len(), 2, "{namesakes:?}");
        assert!(namesakes.iter().any(|r| r.contains("Thành phố Cao Lãnh · mã 29869")), "{namesakes:?}");
        assert!(namesakes.iter().any(|r| r.contains("· mã 29905")), "{namesakes:?}");
        // A name held once is shown alone.
        let own = rows.iter().find(|(id, _)| *id == commune).map(|(_, r)| r.clone()).unwrap();
        assert!(!own.contains("data-place"), "{own}");
        // By name (the default, Vietnamese order), then by value largest first: the commune with two incidents leads.
        assert!(page.body.contains("data-sort=\"name\"") && page.body.contains("id=\"sort-value\""), "{}", page.body);
        assert!(page.body.contains("&amp;sort=value_desc"), "the value header links to the order by value");
        let by_value = breakdown_rows(&t.page(&format!("{base}&sort=value_desc"), &officer).await.body);
        assert_eq!(by_value.len(), rows.len());
        assert_eq!(by_value[0].0, commune, "{}", by_value[0].1);
        assert!(by_value[0].1.contains(">2</a>"), "{}", by_value[0].1);
        let smallest = breakdown_rows(&t.page(&format!("{base}&sort=value_asc"), &officer).await.body);
        assert_ne!(smallest.first().map(|r| r.0), Some(commune));
        assert!(page.body.contains("&amp;sort=value_desc") && !smallest.is_empty());
        let by_code = breakdown_rows(&t.page(&format!("{base}&sort=code"), &officer).await.body);
        let codes: Vec<String> =
            by_code.iter().map(|(id, _)| t.app.units.catalog().get(treem_domain::units::UnitId(*id)).unwrap().code.clone()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted);
        // Filtered by a part of the name typed without diacritics, by a code, by the parent's name.
        let filtered = t.page(&format!("{base}&q=phuong+1&sort=name"), &officer).await.body;
        let kept = breakdown_rows(&filtered);
        assert!(kept.len() >= 2 && kept.len() < rows.len(), "{}", kept.len());
        assert!(kept.iter().all(|(_, r)| r.contains(">Phường 1")), "{kept:?}");
        assert!(
            filtered.contains("value=\"phuong 1\"") && filtered.contains("id=\"breakdown-filter-clear\""),
            "the filter is kept in the form"
        );
        // (askama writes the & of the kept query as &#38;)
        assert!(filtered.replace("&#38;", "&amp;").contains("&amp;q=phuong%201&amp;sort=value_desc"), "the order links keep the filter");
        assert!(!filtered.contains("id=\"breakdown-total\""), "no total for part of the units");
        let one = breakdown_rows(&t.page(&format!("{base}&q=29869"), &officer).await.body);
        assert_eq!(one.len(), 1);
        let sa_dec = breakdown_rows(&t.page(&format!("{base}&q=sa+dec"), &officer).await.body);
        assert!(sa_dec.iter().any(|(_, r)| r.contains(">Phường 1</a>")), "{sa_dec:?}");
        let none = t.page(&format!("{base}&q=zzzz"), &officer).await.body;
        assert!(none.contains("id=\"breakdown-none\"") && breakdown_rows(&none).is_empty());
        // An unknown order is the default; the formula is behind a disclosure.
        let odd = t.page(&format!("{base}&sort=bogus"), &officer).await;
        assert_eq!(odd.status, StatusCode::OK);
        assert!(odd.body.contains("data-sort=\"name\""));
        assert!(page.body.contains("<details class=\"formula\" id=\"formula\"><summary>"), "{}", page.body);
        // The total is written the Vietnamese way.
        let provinces = t.page("/indicators/incidents.sexual_abuse?year=2014&on=2013-12-31&level=province", &officer).await.body;
        assert!(provinces.contains("id=\"breakdown-total\">2<"), "{provinces}");
    }
}

#[tokio::test]
async fn the_catalogue_names_the_agency_and_keeps_formulas_behind_a_disclosure() {
    for t in apps().await {
        t.account("tinh.87", "provincial_officer", "87", Some(date!(2013 - 12 - 31))).await;
        let token = t.token("tinh.87").await;
        assert_eq!(t.api("POST", "/api/v1/plans", &token, Some(founding_plan().to_string())).await.status, StatusCode::CREATED);
        let page = t.get("/indicators").await.body;
        let section = page.split("data-indicator=\"incidents.sexual_abuse\"").nth(1).unwrap().split("</section>").next().unwrap();
        assert!(section.contains("Công an tỉnh") && !section.contains(": A8<"), "{section}");
        assert!(section.contains("Các vụ việc ghi nhận trong hệ thống") && !section.contains("recorded in treem"), "{section}");
        assert!(section.contains("Hành vi xâm hại tình dục") && !section.contains("sexual_subtype"), "{section}");
        // The formula and the code only inside the closed disclosure.
        let (open, disclosed) = section.split_once("<details class=\"formula\">").unwrap();
        assert!(!open.contains("count(") && disclosed.contains("count(incidents where"), "{section}");
        // The home page does not name the database.
        let home = t.get("/").await.body;
        assert!(!home.to_lowercase().contains("sqlite") && !home.to_lowercase().contains("postgres"), "{home}");
    }
}

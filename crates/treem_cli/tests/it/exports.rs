//! The record lists as files (cases, incidents, open tasks, the audit log): what a person
//! may list, every row of it, headers in their language, official unit codes, dates as
//! dates in a workbook, a title row, totals where they add up; refused to roles without the
//! right; each export audited.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use calamine::{Data, Reader};
use serde_json::{json, Value};
use time::macros::date;

use crate::harness::{apps, TestApp};
use crate::shared::download;

async fn created(t: &TestApp, token: &str, uri: &str, body: Value) -> i64 {
    let r = t.api("POST", uri, token, Some(body.to_string())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{uri}: {}", r.body);
    r.json()["id"].as_i64().unwrap()
}

/// A file from the API in `lang`: status, content type, bytes.
async fn api_file(t: &TestApp, uri: &str, token: &str, lang: &str) -> (StatusCode, String, Vec<u8>) {
    let req = Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::ACCEPT_LANGUAGE, lang)
        .body(Body::empty())
        .unwrap();
    let (status, headers, body) = t.send_parts(req).await;
    let kind = headers.get(header::CONTENT_TYPE).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, kind, body)
}

fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let text = text.strip_prefix('\u{feff}').expect("a BOM, so Excel reads UTF-8");
    let mut r = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    r.records().map(|x| x.unwrap().iter().map(str::to_owned).collect()).collect()
}

fn sheet(bytes: Vec<u8>) -> calamine::Range<Data> {
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let name = book.sheet_names()[0].clone();
    book.worksheet_range(&name).unwrap()
}

/// A commune's worker with two children, two cases, an abuse incident and an accident, and
/// a colleague of another commune with a case of their own.
async fn world(t: &TestApp) -> (String, String, i64) {
    t.account("xa.my", "commune_worker", "29884", None).await;
    t.account("xa.khac", "commune_worker", "29888", None).await;
    t.account("congan.x", "police_liaison", "29884", None).await;
    t.account("kiemtra.x", "auditor", "82", None).await;
    let worker = t.token("xa.my").await;
    let other = t.token("xa.khac").await;
    let hamlet = t.unit_id("29884-01", date!(2026 - 01 - 05));
    let other_commune = t.unit_id("29888", date!(2026 - 01 - 05));
    let child = |name: &str, unit: i64| json!({"full_name": name, "sex": "female", "birth_date": "2014-03-02", "residence_unit_id": unit, "registered_on": "2026-01-05", "confirm_not_duplicate": true});
    let anh = created(t, &worker, "/api/v1/children", child("Nguyễn Thị Ánh", hamlet)).await;
    let binh = created(t, &worker, "/api/v1/children", child("Trần Văn Bình", hamlet)).await;
    let far = created(t, &other, "/api/v1/children", child("Lê Thị Xa", other_commune)).await;
    for (token, id, urgent) in [(&worker, anh, true), (&worker, binh, false), (&other, far, false)] {
        let body = json!({"child_id": id, "source": "hotline_111", "summary": "Cháu bị đánh", "received_at": "2026-02-02T01:00:00Z", "urgent": urgent});
        created(t, token, "/api/v1/cases", body).await;
    }
    let abuse = json!({"kind": "abuse", "occurred_on": "2026-01-09", "unit_id": hamlet, "children": [anh, binh],
        "abuse_form": "bao_luc", "setting": "family", "relation": "parent", "details": "Chi tiết không được xuất"});
    created(t, &worker, "/api/v1/incidents", abuse).await;
    let accident =
        json!({"kind": "accident", "occurred_on": "2026-03-01", "unit_id": hamlet, "children": [anh], "injury": "drowning", "fatal": true});
    created(t, &worker, "/api/v1/incidents", accident).await;
    (worker, t.session("xa.my").await, anh)
}

#[tokio::test]
async fn cases_export_every_case_of_the_area_in_both_languages_and_formats() {
    for t in apps().await {
        let (worker, session, anh) = world(&t).await;
        let (status, kind, body) = api_file(&t, "/api/v1/cases/export", &worker, "vi").await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        assert!(kind.starts_with("text/csv"), "{kind}");
        let rows = csv_rows(&body);
        assert!(rows[0][0].starts_with("Danh sách trường hợp trong địa bàn Phường Mỹ Ngãi: 2 trường hợp; xuất lúc "), "{:?}", rows[0]);
        assert!(rows[0][0].ends_with("(giờ Việt Nam), người xuất Cán bộ xa.my"), "{:?}", rows[0]);
        assert_eq!(rows[1][..4], ["Số hồ sơ trường hợp", "Mã hồ sơ treem", "Họ và tên trẻ", "Bước hiện tại"]);
        assert_eq!(rows.len(), 4, "title, header, the area's two cases (not the other commune's): {rows:?}");
        let ánh = rows.iter().find(|r| r.get(2).is_some_and(|n| n == "Nguyễn Thị Ánh")).unwrap();
        assert_eq!(ánh[1], anh.to_string());
        assert_eq!((ánh[4].as_str(), ánh[5].as_str()), ("Tổng đài 111", "Có"));
        assert_eq!(ánh[7], "02/02/2026 08:00", "received at 01:00 UTC is 08:00 in Vietnam");
        assert_eq!((ánh[9].as_str(), ánh[10].as_str()), ("29884-01", "Khóm 1 Mỹ Ngãi (demo)"), "the hamlet the case is in");
        let text = String::from_utf8(body).unwrap();
        assert!(!text.contains("Cháu bị đánh"), "the summary is not exported");

        // English headers by Accept-Language; a filter named in the title.
        let (_, _, body) = api_file(&t, "/api/v1/cases/export?state=received", &worker, "en").await;
        let rows = csv_rows(&body);
        assert!(rows[0][0].starts_with("Cases of Phường Mỹ Ngãi ("), "{:?}", rows[0]);
        assert_eq!(rows[1][0], "Case no.");
        let (status, _, body) = api_file(&t, "/api/v1/cases/export?format=pdf", &worker, "vi").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{}", String::from_utf8_lossy(&body));
        assert!(String::from_utf8_lossy(&body).contains("chọn csv hoặc xlsx"));

        // The page's workbook: numbers as numbers, moments as dates.
        let (status, headers, xlsx) = download(&t, "/cases/export.xlsx", &session).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("truong-hop.xlsx"));
        let range = sheet(xlsx);
        assert_eq!(range.get_value((1, 0)), Some(&Data::String("Số hồ sơ trường hợp".into())));
        assert!(matches!(range.get_value((2, 0)), Some(Data::Float(_))), "{:?}", range.get_value((2, 0)));
        assert!(matches!(range.get_value((2, 7)), Some(Data::DateTime(_))), "{:?}", range.get_value((2, 7)));
        assert_eq!(range.height(), 4);

        // Each export is audited with its row count; a role without the right is refused.
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM audit_log WHERE action = 'case.export' AND record_key = '2 rows'").await, 3);
        let police = t.token("congan.x").await;
        let (status, ..) = api_file(&t, "/api/v1/cases/export", &police, "vi").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let page = t.page("/cases", &session).await.body;
        assert!(page.contains("id=\"cases-export-xlsx\""), "the list offers its files");
        let police_page = t.page("/cases", &t.session("congan.x").await).await.body;
        assert!(!police_page.contains("id=\"cases-export\""), "not to a role that may not export");
    }
}

#[tokio::test]
async fn incidents_export_with_their_classification_and_a_total_row_but_no_notes() {
    for t in apps().await {
        let (worker, session, _) = world(&t).await;
        let (status, _, body) = api_file(&t, "/api/v1/incidents/export", &worker, "vi").await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let rows = csv_rows(&body);
        assert_eq!(rows.len(), 5, "title, header, two incidents, total: {rows:?}");
        let abuse = rows.iter().find(|r| r.get(2).is_some_and(|k| k == "Xâm hại trẻ em")).unwrap();
        assert_eq!(abuse[1], "09/01/2026");
        assert_eq!((abuse[3].as_str(), abuse[5].as_str(), abuse[6].as_str()), ("Bạo lực", "Gia đình", "Cha, mẹ"));
        assert_eq!(abuse[12], "2");
        assert_eq!(rows[4][..3], ["Tổng cộng".to_owned(), String::new(), "2".to_owned()]);
        assert_eq!((rows[4][11].as_str(), rows[4][12].as_str()), ("1", "3"), "one death, three children");
        assert!(!String::from_utf8_lossy(&body).contains("Chi tiết không được xuất"));
        // A filter by kind and year, from the page.
        let (status, _, body) = download(&t, "/incidents/export.csv?kind=accident&year=2026", &session).await;
        assert_eq!(status, StatusCode::OK);
        let rows = csv_rows(&body);
        assert!(rows[0][0].contains("(Tai nạn, thương tích, từ 01/01/2026 đến 31/12/2026)"), "{:?}", rows[0]);
        assert_eq!(rows.len(), 4);
        let (_, _, xlsx) = download(&t, "/incidents/export.xlsx", &session).await;
        let range = sheet(xlsx);
        assert!(matches!(range.get_value((2, 1)), Some(Data::DateTime(_))), "a date as a date");
        assert_eq!(range.get_value((4, 12)), Some(&Data::Float(3.0)), "the total as a number");
        assert_eq!(t.store_audit_actions("incident.export").await, 3);
    }
}

#[tokio::test]
async fn tasks_and_the_audit_log_export_as_their_pages_show_them() {
    for t in apps().await {
        let (worker, session, _) = world(&t).await;
        let (status, _, body) = api_file(&t, "/api/v1/tasks/export", &worker, "vi").await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let rows = csv_rows(&body);
        let listed = t.api("GET", "/api/v1/tasks", &worker, None).await.json();
        assert_eq!(rows.len() - 2, listed.as_array().unwrap().len(), "every open task of the list: {rows:?}");
        assert!(rows.len() > 2);
        assert_eq!(rows[1][..3], ["Số việc", "Số hồ sơ trường hợp", "Việc"]);
        assert!(rows[2][2].chars().next().unwrap().is_uppercase(), "the task in words: {:?}", rows[2]);
        let (status, _, _) = download(&t, "/tasks/export.xlsx?mine=1", &session).await;
        assert_eq!(status, StatusCode::OK);

        // The auditor's log, in words, filtered by action; the worker may not read it.
        let auditor = t.token("kiemtra.x").await;
        let (status, _, body) = api_file(&t, "/api/v1/audit/export?action=case.export", &auditor, "vi").await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let rows = csv_rows(&body);
        assert!(
            rows[0][0].starts_with("Nhật ký hệ thống trong địa bàn Tỉnh Đồng Tháp (Xuất danh sách trường hợp): 0 mục"),
            "{:?}",
            rows[0]
        );
        api_file(&t, "/api/v1/cases/export", &worker, "vi").await;
        let (_, _, body) = api_file(&t, "/api/v1/audit/export?action=case.export", &auditor, "vi").await;
        let rows = csv_rows(&body);
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert_eq!(rows[2][3], "Xuất danh sách trường hợp");
        assert_eq!(rows[2][4], "Trường hợp: 2 dòng");
        assert!(rows[2][1].contains("xa.my"), "{:?}", rows[2]);
        let (status, ..) = api_file(&t, "/api/v1/audit/export", &worker, "vi").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _, xlsx) = download(&t, "/audit/export.xlsx", &t.session("kiemtra.x").await).await;
        assert_eq!(status, StatusCode::OK);
        assert!(matches!(sheet(xlsx).get_value((2, 0)), Some(Data::DateTime(_))), "the moment as a date");
        assert!(t.store_audit_actions("audit.export").await >= 3);
    }
}

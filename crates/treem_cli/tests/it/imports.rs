//! Bulk import of a commune's register (issue #13): a realistic register book with
//! deliberate errors gives exactly the expected per-row report and changes nothing; the
//! same file without those rows imports completely, moves the figures at once, and a
//! second import adds nothing; XLSX with title rows, Excel dates and the old map's codes;
//! scope and field classes as for a form; the upload page and its confirmation.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use time::macros::date;

use crate::harness::{apps, csrf_of, TestApp};
use crate::shared::{download, report_problems as problems, value};

/// A commune register as a Vietnamese ward keeps it: a title above the header, STT, the
/// book's headers, a note column; rows 3, 5, 7, 9 and 10 are wrong.
const REGISTER: &str = "\
SỔ THEO DÕI TRẺ EM CÓ HOÀN CẢNH ĐẶC BIỆT - PHƯỜNG MỸ NGÃI,,,,,,,,,,,,,,,
STT,Họ và tên,Ngày sinh,Giới tính,Mã xã,Xã/Phường/Thị trấn,Ấp/Khóm,Nhóm HCĐB,Mã hộ,Chủ hộ,Hộ nghèo/cận nghèo,Họ tên người chăm sóc,Quan hệ,Số điện thoại,Ghi chú
1,Nguyễn Thị Ánh,01/03/2015,Nữ,29884,Phường Mỹ Ngãi,Khóm 1 Mỹ Ngãi (demo),a,HGĐ-001,Nguyễn Văn Ba,cận nghèo,Trần Thị Hoa,mẹ,0912 345 678,
2,Nguyễn Văn Bình,2016,Nam,29884,Phường Mỹ Ngãi,Khóm 1 Mỹ Ngãi (demo),,HGĐ-001,Nguyễn Văn Ba,cận nghèo,Trần Thị Hoa,mẹ,,
3,Trần Văn Cường,05/06/15,Nam,29884,Phường Mỹ Ngãi,,,,,,,,,
4,Lê Thị Dung,12-11-2013,NỮ,29884,,,b; c,HGĐ-002,Lê Văn Đức,nghèo,Lê Văn Đức,ba,0987.654.321,cha đi làm xa
5,Phạm Văn Em,20/08/2012,X,29884,Phường Mỹ Ngãi,,,,,,,,,
6,Võ Thị Giang,ngày 3 tháng 4 năm 2017,nữ,29884,Phường Mỹ Ngãi,Ấp Xa Xôi,,,,,Võ Thị Hạnh,bà ngoại,,
7,Đặng Văn Hải,15/09/2014,Nam,99999,Phường Mỹ Ngãi,,,,,,,,,
8,Bùi Thị Kim,2014-07-07,Nữ,29884,Phường Mỹ Ngãi,,h,,,,,,,
9,Hồ Văn Long,01/01/2015,Nam,29884,Phường Đạo Thạnh,,,,,,,,,
10,Ngô Thị Mai,31/02/2016,Nữ,29884,Phường Mỹ Ngãi,,,,,,,,,
11,Lê Thị Hồng,12/05/2014,Nữ,29884,Phường Mỹ Ngãi,,,,,,,,,
12,Dương Văn Nam,09/09/2019,Nam,,Mỹ Ngãi,,,,,,,,,
";

const BAD_ROWS: [usize; 5] = [3, 5, 7, 9, 10];

/// The register without its wrong rows (their numbers shift: the report of the clean file
/// numbers its own rows).
fn clean_register() -> String {
    REGISTER.lines().enumerate().filter(|(i, _)| *i < 2 || !BAD_ROWS.contains(&(i - 1))).map(|(_, l)| format!("{l}\n")).collect()
}

async fn import(t: &TestApp, token: &str, file: &str, body: &[u8], query: &str) -> (StatusCode, serde_json::Value) {
    crate::shared::import_file(t, token, "children", file, body, query).await
}

fn p(row: u64, column: &str, value: &str, severity: &str, message: &str) -> (u64, String, String, String, String) {
    (row, column.into(), value.into(), severity.into(), message.into())
}

#[tokio::test]
async fn a_register_with_errors_changes_nothing_and_its_clean_rows_import_once() {
    for t in apps().await {
        t.account("xa.imp", "commune_worker", "29884", None).await;
        let token = t.token("xa.imp").await;
        // A child already in the register, that the file lists again.
        let unit = t.unit_id("29884", date!(2026 - 01 - 01));
        let hong = serde_json::json!({"full_name": "Lê Thị Hồng", "sex": "female", "birth_date": "2014-05-12", "residence_unit_id": unit});
        let r = t.api("POST", "/api/v1/children?confirmed_new=true", &token, Some(hong.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let hong_id = r.json()["id"].as_i64().unwrap();
        let children_before = t.raw_count("SELECT COUNT(*) FROM child").await;
        let year = time::OffsetDateTime::now_utc().year();
        let figure_before = value(&t, &token, "children.under_16", year).await;

        let (status, report) = import(&t, &token, "so-my-ngai.csv", REGISTER.as_bytes(), "dry_run=false").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{} {report}", t.backend);
        let want = vec![
            p(3, "Ngày sinh", "05/06/15", "error", "a two-digit year is ambiguous: write the year in full (dd/mm/yyyy)"),
            p(4, "Ghi chú", "cha đi làm xa", "warning", "notes are not imported: record what matters on the child's page"),
            p(5, "Giới tính", "X", "error", "write Nam or Nữ"),
            p(
                6,
                "Ấp/Khóm",
                "Ấp Xa Xôi",
                "warning",
                "no hamlet of this name in Phường Mỹ Ngãi on treem's map: the child is recorded at the commune",
            ),
            p(7, "Mã xã", "99999", "error", "no commune has this code"),
            p(9, "Xã/Phường/Thị trấn", "Phường Đạo Thạnh", "error", "the name does not match the code 29884, which is Phường Mỹ Ngãi"),
            p(10, "Ngày sinh", "31/02/2016", "error", "the day does not exist in that month"),
            p(
                11,
                "Họ và tên",
                "Lê Thị Hồng",
                "warning",
                &format!("may be the same child as Lê Thị Hồng, born 12 May 2014, already in the register (record {hong_id})"),
            ),
        ];
        assert_eq!(problems(&report), want, "{}", t.backend);
        assert_eq!((report["rows_read"].as_u64(), report["errors"].as_u64(), report["stored"].as_bool()), (Some(12), Some(5), Some(false)));
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM child").await, children_before, "{}: a file with errors changes nothing", t.backend);
        assert_eq!(t.store_audit_actions("import.children").await, 0);
        assert_eq!(t.store_audit_actions("import.children_check").await, 1, "the check that named a record of the register is audited");

        // The same file without the wrong rows: every row stored, in one audited import.
        let clean = clean_register();
        let (status, report) = import(&t, &token, "so-my-ngai.csv", clean.as_bytes(), "dry_run=false").await;
        assert_eq!(status, StatusCode::CREATED, "{} {report}", t.backend);
        assert_eq!((report["to_add"].as_u64(), report["errors"].as_u64(), report["warnings"].as_u64()), (Some(7), Some(0), Some(3)));
        let ids: Vec<i64> = report["added_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        assert_eq!(ids.len(), 7);
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM child").await, children_before + 7);
        assert_eq!(t.store_audit_actions("import.children").await, 1);
        let checksum = report["checksum"].as_str().unwrap().to_owned();
        let fields = t
            .raw_count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = 'import.children' AND fields LIKE '%sha256:{checksum}%'"))
            .await;
        assert_eq!(fields, 1, "the import's audit entry carries the file's checksum");
        // The register holds what the book said: household and poverty, groups, caregivers, hamlet.
        let anh = t.api("GET", &format!("/api/v1/children/{}/register", ids[0]), &token, None).await.json();
        assert_eq!(anh["household"]["code"], "HGĐ-001", "{anh}");
        assert_eq!(anh["household"]["poverty"][0][1], "near_poor", "{anh}");
        assert_eq!(anh["circumstances"][0]["what"], "a");
        assert_eq!(
            (anh["caregivers"][0]["name"].as_str(), anh["caregivers"][0]["relation"].as_str()),
            (Some("Trần Thị Hoa"), Some("mother"))
        );
        let anh_unit = t.raw_count(&format!("SELECT residence_unit_id FROM child WHERE id = {}", ids[0])).await as i64;
        assert_eq!(anh_unit, t.unit_id("29884-01", date!(2026 - 01 - 01)), "the hamlet named in the book is the residence");
        assert_eq!(
            t.raw_count(&format!("SELECT COUNT(*) FROM child WHERE household_id IS NOT NULL AND id IN ({}, {})", ids[0], ids[1])).await,
            2
        );
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM household WHERE code = 'HGĐ-001'").await, 1, "two children, one household");
        let dung = t.api("GET", &format!("/api/v1/children/{}/register", ids[2]), &token, None).await.json();
        assert_eq!(dung["caregivers"][0]["relation"], "father", "\"ba\" is a father in the South");
        // The figures moved at once.
        let figure_after = value(&t, &token, "children.under_16", year).await;
        assert_ne!(figure_before, figure_after, "{}", t.backend);
        let n = |v: &Option<String>| v.as_deref().and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
        assert_eq!(n(&figure_after) - n(&figure_before), 7.0, "{}", t.backend);

        // Again: nothing added, every row named as imported before.
        let (status, again) = import(&t, &token, "so-my-ngai.csv", clean.as_bytes(), "dry_run=false").await;
        assert_eq!(status, StatusCode::CREATED, "{again}");
        assert_eq!((again["to_add"].as_u64(), again["already_imported"].as_u64()), (Some(0), Some(7)));
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM child").await, children_before + 7);
        // A dry run of it says the same and stores nothing.
        let (status, dry) = import(&t, &token, "so-my-ngai.csv", clean.as_bytes(), "").await;
        assert_eq!((status, dry["dry_run"].as_bool(), dry["already_imported"].as_u64()), (StatusCode::OK, Some(true), Some(7)));
        // Every message of the report has its Vietnamese sentence.
        let (_, vi) = {
            let req = Request::post("/api/v1/imports/children?file_name=so.csv")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::ACCEPT_LANGUAGE, "vi")
                .body(Body::from(REGISTER))
                .unwrap();
            let r = t.send(req).await;
            (r.status, r.json())
        };
        for (row, _, _, _, message) in problems(&vi) {
            assert!(treem_web::messages::is_catalogue_text(treem_web::i18n::Lang::Vi, &message), "row {row}: {message}");
        }
    }
}

#[tokio::test]
async fn scope_and_field_classes_apply_to_every_row() {
    for t in apps().await {
        t.account("ap.imp", "hamlet_collaborator", "29884-01", None).await;
        t.account("cong.an.imp", "police_liaison", "82", None).await;
        let collaborator = t.token("ap.imp").await;
        let police = t.token("cong.an.imp").await;
        let file = "Họ và tên,Ngày sinh,Giới tính,Mã xã,Ấp/Khóm,Nhóm HCĐB\n\
                    An,01/03/2015,Nữ,29884,Khóm 1 Mỹ Ngãi (demo),a\n\
                    Bình,01/03/2015,Nữ,29884,Khóm 2 Mỹ Ngãi (demo),\n\
                    Chi,01/03/2015,Nữ,29884,Khóm 1 Mỹ Ngãi (demo),đ\n";
        let (status, report) = import(&t, &collaborator, "ap.csv", file.as_bytes(), "dry_run=false").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
        let got: Vec<(u64, String, String)> = problems(&report).into_iter().map(|p| (p.0, p.1, p.4)).collect();
        assert_eq!(
            got,
            vec![
                (2, "Mã xã".to_owned(), "this unit is outside your area".to_owned()),
                (3, "Nhóm HCĐB".to_owned(), "your role may not record this group".to_owned())
            ],
            "{}",
            t.backend
        );
        // A role without writes to the register may not import at all.
        let (status, refusal) = import(&t, &police, "ap.csv", file.as_bytes(), "").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{refusal}");
    }
}

/// An XLSX register kept before the reform: title rows, Excel dates, the old codes.
fn old_workbook() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date_format = Format::new().set_num_format("dd/mm/yyyy");
    sheet.write_string(0, 0, "UBND PHƯỜNG MỸ NGÃI").unwrap();
    sheet.write_string(1, 0, "DANH SÁCH TRẺ EM NĂM 2024").unwrap();
    for (c, h) in ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Mã xã", "Ngày đăng ký"].iter().enumerate() {
        sheet.write_string(3, c as u16, *h).unwrap();
    }
    type Row<'a> = (&'a str, (u16, u8, u8), &'a str, Option<(u16, u8, u8)>);
    let rows: [Row<'_>; 3] = [
        ("Trương Thị Ngọc", (2015, 3, 1), "Nữ", None),
        ("Trương Văn Phúc", (2012, 12, 24), "Nam", None),
        // Registered after the reform under the old code: it resides on the successor.
        ("Trương Văn Quang", (2013, 1, 5), "Nam", Some((2025, 9, 1))),
    ];
    for (i, (name, (y, m, d), sex, registered)) in rows.iter().enumerate() {
        let r = 4 + i as u32;
        sheet.write_number(r, 0, (i + 1) as f64).unwrap();
        sheet.write_string(r, 1, *name).unwrap();
        sheet.write_datetime_with_format(r, 2, ExcelDateTime::from_ymd(*y, *m, *d).unwrap(), &date_format).unwrap();
        sheet.write_string(r, 3, *sex).unwrap();
        sheet.write_number(r, 4, 29881.0).unwrap();
        if let Some((y, m, d)) = registered {
            sheet.write_datetime_with_format(r, 5, ExcelDateTime::from_ymd(*y, *m, *d).unwrap(), &date_format).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn an_old_xlsx_register_resolves_units_as_of_its_date() {
    for t in apps().await {
        t.account("tinh.imp", "provincial_officer", "82", None).await;
        t.account("tinh.cu", "provincial_officer", "87", Some(date!(2024 - 06 - 30))).await;
        let old_officer = t.token("tinh.cu").await;
        let officer = t.token("tinh.imp").await;
        let book = old_workbook();
        // Kept before the reform, read on the map of its date: the old commune 29881.
        let (status, report) = import(&t, &old_officer, "danh-sach-2024.xlsx", &book, "dry_run=false&as_of=2024-06-30").await;
        // The third row was registered after the reform: it resides on the successor, in
        // today's province, which the old province's officer does not cover; all or nothing.
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
        assert_eq!(problems(&report).iter().map(|p| (p.0, p.4.as_str())).collect::<Vec<_>>(), [(3, "this unit is outside your area")]);
        assert_eq!(
            (report["format"].as_str(), report["sheet"].as_str(), report["rows_read"].as_u64()),
            (Some("XLSX"), Some("Sheet1"), Some(3))
        );
        // Today's officer imports that row alone: on the successor of 29881.
        let quang: Vec<u8> = {
            let mut b = rust_xlsxwriter::Workbook::new();
            let s = b.add_worksheet();
            for (c, h) in ["Họ và tên", "Ngày sinh", "Giới tính", "Mã xã", "Ngày đăng ký"].iter().enumerate() {
                s.write_string(0, c as u16, *h).unwrap();
            }
            for (c, v) in ["Trương Văn Quang", "05/01/2013", "Nam", "29881", "01/09/2025"].iter().enumerate() {
                s.write_string(1, c as u16, *v).unwrap();
            }
            b.save_to_buffer().unwrap()
        };
        let (status, report) = import(&t, &officer, "quang.xlsx", &quang, "dry_run=false").await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        let id = report["added_ids"][0].as_i64().unwrap();
        let unit = t.raw_count(&format!("SELECT residence_unit_id FROM child WHERE id = {id}")).await as i64;
        assert_eq!(unit, t.unit_id("29884", date!(2025 - 09 - 01)), "an old code after the reform: the successor");
        // The two rows of 2024 by the old province's officer: on the old commune.
        let two: Vec<u8> = {
            let mut b = rust_xlsxwriter::Workbook::new();
            let s = b.add_worksheet();
            let f = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
            for (c, h) in ["Họ và tên", "Ngày sinh", "Giới tính", "Mã xã"].iter().enumerate() {
                s.write_string(0, c as u16, *h).unwrap();
            }
            s.write_string(1, 0, "Trương Thị Ngọc").unwrap();
            s.write_datetime_with_format(1, 1, rust_xlsxwriter::ExcelDateTime::from_ymd(2015, 3, 1).unwrap(), &f).unwrap();
            s.write_string(1, 2, "Nữ").unwrap();
            s.write_number(1, 3, 29881.0).unwrap();
            b.save_to_buffer().unwrap()
        };
        let (status, report) = import(&t, &old_officer, "ngoc.xlsx", &two, "dry_run=false&as_of=2024-06-30").await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        let id = report["added_ids"][0].as_i64().unwrap();
        let unit = t.raw_count(&format!("SELECT residence_unit_id FROM child WHERE id = {id}")).await as i64;
        assert_eq!(unit, t.unit_id("29881", date!(2024 - 06 - 30)), "the old code on the old map");
        let born = t.api("GET", &format!("/api/v1/children/{id}"), &old_officer, None).await.json();
        assert_eq!(born["birth_date"], "2015-03-01", "an Excel date cell: {born}");
    }
}

fn multipart(csrf: &str, file_name: &str, bytes: &[u8], mode: &str) -> (String, Vec<u8>) {
    let boundary = "----treemTestBoundary7MA4YWxk";
    let mut body = Vec::new();
    for (name, value) in [("csrf", csrf), ("mode", mode), ("as_of", "")] {
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes());
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn the_upload_page_checks_then_imports_on_confirmation() {
    for t in apps().await {
        t.account("xa.web", "commune_worker", "29884", None).await;
        let s = t.session("xa.web").await;
        let page = t.page("/imports", &s).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Nhập sổ theo dõi trẻ em từ tệp") && page.body.contains("enctype=\"multipart/form-data\""));
        let csrf = csrf_of(&page.body);
        let upload = |bytes: Vec<u8>, csrf: String| {
            let (content_type, body) = multipart(&csrf, "so.csv", &bytes, "check");
            Request::post("/imports/children")
                .header(header::COOKIE, format!("treem_session={s}"))
                .header(header::CONTENT_TYPE, content_type)
                .body(Body::from(body))
                .unwrap()
        };
        // Without the token: refused, nothing read.
        let r = t.send(upload(REGISTER.as_bytes().to_vec(), "wrong".into())).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        // A file with errors: the report in Vietnamese, no confirmation offered.
        let r = t.send(upload(REGISTER.as_bytes().to_vec(), csrf.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains("id=\"import-refused\"") && !r.body.contains("id=\"import-confirm\""));
        assert!(r.body.contains("năm ghi hai chữ số không rõ thế kỷ"), "{}", r.body);
        let token = r.body.split("/imports/reports/").nth(1).and_then(|x| x.split(".csv").next()).unwrap().to_owned();
        let (status, headers, csv) = download(&t, &format!("/imports/reports/{token}.csv"), &s).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("attachment"));
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.starts_with("\u{feff}row,column,value,severity,message\n3,Ngày sinh,05/06/15,error,"), "{csv}");
        // Another account does not get the report.
        t.account("xa.other", "commune_worker", "29884", None).await;
        let other = t.session("xa.other").await;
        assert_eq!(download(&t, &format!("/imports/reports/{token}.csv"), &other).await.0, StatusCode::NOT_FOUND);
        // The clean file: checked, nothing stored, then confirmed.
        let before = t.raw_count("SELECT COUNT(*) FROM child").await;
        let r = t.send(upload(clean_register().into_bytes(), csrf.clone())).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("id=\"import-confirm\""), "{}", r.body);
        assert!(r.body.contains("data-fact=\"to_add\">7<"), "{}", r.body);
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM child").await, before, "a check stores nothing");
        let held = r.body.split("name=\"token\" value=\"").nth(1).and_then(|x| x.split('"').next()).unwrap().to_owned();
        let stolen = t
            .post_form("/imports/confirm", Some(&other), &[("csrf", &csrf_of(&t.page("/imports", &other).await.body)), ("token", &held)])
            .await;
        assert_eq!(stolen.status, StatusCode::UNPROCESSABLE_ENTITY, "another account cannot confirm it");
        let done = t.post_form("/imports/confirm", Some(&s), &[("csrf", &csrf), ("token", &held)]).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(done.body.contains("Đã nhập tệp") && done.body.contains("id=\"import-stored\""), "{}", done.body);
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM child").await, before + 7);
        // The confirmation is spent.
        let again = t.post_form("/imports/confirm", Some(&s), &[("csrf", &csrf), ("token", &held)]).await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        let history = t.page("/imports", &s).await;
        assert!(history.body.contains("id=\"import-history\"") && history.body.contains("so.csv"), "{}", history.body);
        // The templates read back as registers.
        let (status, _, xlsx) = download(&t, "/imports/templates/tre-em.xlsx", &s).await;
        assert_eq!(status, StatusCode::OK);
        let t2 = treem_import::read_table("tre-em.xlsx", &xlsx, &treem_import::Limits::default(), &treem_import::children::known_header)
            .unwrap();
        assert_eq!(t2.sheet.as_deref(), Some("Danh sách trẻ em"));
        assert_eq!(t2.header[2], "Họ và tên");
        let (status, _, csv) = download(&t, "/imports/templates/tre-em.csv", &s).await;
        assert_eq!(status, StatusCode::OK);
        assert!(String::from_utf8(csv).unwrap().contains("Họ và tên,Ngày sinh"));
    }
}

#[tokio::test]
async fn an_export_imports_back_as_the_same_records() {
    for t in apps().await {
        t.account("xa.exp", "commune_worker", "29884", None).await;
        let token = t.token("xa.exp").await;
        let s = t.session("xa.exp").await;
        let (status, report) = import(&t, &token, "so.csv", clean_register().as_bytes(), "dry_run=false").await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        let in_area = t.raw_count("SELECT COUNT(*) FROM child").await;
        // The page's workbook (Vietnamese headers, dates as dates) and the API's CSV (English headers).
        let (status, headers, xlsx) = download(&t, "/children/export.xlsx", &s).await;
        assert_eq!(status, StatusCode::OK);
        assert!(headers[header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
        let table = treem_import::read_table("tre-em.xlsx", &xlsx, &treem_import::Limits::default(), &treem_import::children::known_header)
            .unwrap();
        assert_eq!(table.header_row, 2, "a title row above the header");
        assert!(matches!(table.rows[0].cells[2], treem_import::Cell::Date(_)), "a date as a date: {:?}", table.rows[0].cells);
        let (status, back) = import(&t, &token, "tre-em.xlsx", &xlsx, "").await;
        assert_eq!(status, StatusCode::OK, "{back}");
        assert_eq!(
            (back["errors"].as_u64(), back["to_add"].as_u64(), back["already_imported"].as_u64()),
            (Some(0), Some(0), Some(in_area as u64)),
            "{back}"
        );
        let csv = t.api("GET", "/api/v1/children/export.csv", &token, None).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.body.lines().nth(1).unwrap().starts_with("treem record,Full name,Date of birth"), "{}", csv.body);
        let (status, back) = import(&t, &token, "tre-em.csv", csv.body.as_bytes(), "dry_run=false").await;
        assert_eq!(status, StatusCode::CREATED, "{back}");
        assert_eq!((back["to_add"].as_u64(), back["already_imported"].as_u64()), (Some(0), Some(in_area as u64)), "{back}");
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM child").await, in_area, "nothing added");
        // A record number of another area is refused, not added.
        let other = csv.body.replacen(&format!("\n{},", report["added_ids"][0]), "\n999999,", 1);
        let (status, refused) = import(&t, &token, "tre-em.csv", other.as_bytes(), "").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(problems(&refused)[0].4, "no record of your area has this number");
    }
}

#[tokio::test]
async fn a_long_import_goes_on_apart_and_its_page_follows_it() {
    for t in apps().await {
        // Every import answers with the page that follows it, as a large file would.
        t.app.imports.answer_within_ms.store(0, std::sync::atomic::Ordering::Relaxed);
        t.account("xa.job", "commune_worker", "29884", None).await;
        t.account("xa.nosy", "commune_worker", "29884", None).await;
        let s = t.session("xa.job").await;
        let csrf = csrf_of(&t.page("/imports", &s).await.body);
        let (content_type, body) = multipart(&csrf, "so.csv", clean_register().as_bytes(), "import");
        let req = Request::post("/imports/children")
            .header(header::COOKIE, format!("treem_session={s}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        let r = t.send(req).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = r.headers[header::LOCATION].to_str().unwrap().to_owned();
        assert!(page.starts_with("/imports/jobs/"), "{page}");
        // Another account does not see it.
        let nosy = t.session("xa.nosy").await;
        assert_eq!(t.page(&page, &nosy).await.status, StatusCode::NOT_FOUND);
        // The page reloads itself until the import is done, then shows the report.
        let mut done = None;
        for _ in 0..200 {
            let p = t.page(&page, &s).await;
            assert_eq!(p.status, StatusCode::OK, "{}", p.body);
            if p.body.contains("id=\"import-summary\"") {
                done = Some(p.body);
                break;
            }
            assert!(p.body.contains("http-equiv=\"refresh\"") && p.body.contains("id=\"import-progress\""), "{}", p.body);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let done = done.expect("the import finished");
        assert!(done.contains("id=\"import-stored\"") && done.contains("data-fact=\"to_add\">7<"), "{done}");
        assert_eq!(
            t.raw_count("SELECT COUNT(*) FROM child").await,
            7 + t
                .raw_count("SELECT COUNT(*) FROM child WHERE id NOT IN (SELECT child_id FROM import_record WHERE child_id IS NOT NULL)")
                .await
        );
    }
}

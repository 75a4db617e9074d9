//! Importing a register of cases (a commune's book of reports received): each row's child
//! named by treem record number or by the Mã trẻ em of an imported children's register, open
//! cases at their first step with the intake's tasks, closed cases with their closing, all
//! rows or none, once; the export of cases reads back as the same records.

use axum::http::StatusCode;

use crate::harness::apps;
use crate::shared::{download, import_file as import, report_problems as problems};

const CHILDREN: &str = "\
STT,Mã trẻ em,Họ và tên,Ngày sinh,Giới tính,Mã xã
1,MN-001,Nguyễn Thị Ánh,01/03/2015,Nữ,29884
2,MN-002,Trần Văn Bình,12/07/2013,Nam,29884
3,MN-003,Lê Thị Cúc,05/05/2012,Nữ,29884
";

/// Eight rows, four of them wrong (rows 2, 4, 5, 6) and two with warnings (7, 8).
const CASES: &str = "\
STT,Mã trường hợp,Mã trẻ em,Họ và tên trẻ,Ngày tiếp nhận,Nguồn tin báo,Khẩn cấp,Nội dung tin báo,Tình trạng,Ngày đóng hồ sơ,Kết quả
1,TH-01,MN-001,Nguyễn Thị Ánh,09/01/2026 14:30,Tổng đài 111,Có,Trẻ bị đánh nhiều lần,,,
2,TH-02,MN-002,Trần Văn Bình,10/01/2026,Hàng xóm,,Trẻ ở nhà một mình,,,
3,TH-03,MN-003,Lê Thị Cúc,01/03/2026,Nhà trường,Không,Trẻ nghỉ học nhiều ngày,Đã đóng hồ sơ,20/03/2026,Trẻ đã trở lại trường
4,TH-04,MN-404,Lê Văn Dũng,02/03/2026,Công an,,Trẻ đi lang thang,,,
5,TH-05,MN-001,Nguyễn Thị Ánh,02/03/2031,Công an,,Trẻ đi lang thang,,,
6,TH-06,MN-002,Trần Văn Bình,05/04/2026,Cộng tác viên,,Không có người chăm sóc,Đã đóng hồ sơ,,
7,TH-07,MN-002,Trần Văn Bảo,15/04/2026,Cộng tác viên,,Nghi bị bỏ mặc,Đóng: tin báo không có cơ sở,20/04/2026,Gia đình vẫn chăm sóc tốt
8,TH-08,MN-003,Lê Thị Cúc,20/05/2026,Công an,,Bị bạn đánh ở trường,Đang xử lý,,
Tổng cộng,,,,,,,,,,
";

const BAD_ROWS: [usize; 4] = [2, 4, 5, 6];

fn clean_cases() -> String {
    CASES.lines().enumerate().filter(|(i, _)| *i == 0 || !BAD_ROWS.contains(i)).map(|(_, l)| format!("{l}\n")).collect()
}

#[tokio::test]
async fn a_register_of_cases_imports_all_or_nothing_once_and_reads_back_from_its_export() {
    for t in apps().await {
        t.account("xa.th", "commune_worker", "29884", None).await;
        let token = t.token("xa.th").await;
        let (status, kids) = import(&t, &token, "children", "so-tre-em.csv", CHILDREN.as_bytes(), "dry_run=false").await;
        assert_eq!(status, StatusCode::CREATED, "{kids}");
        let cases_before = t.raw_count("SELECT COUNT(*) FROM child_case").await;

        // The book with its mistakes: every one named by row and column, nothing stored.
        let (status, report) = import(&t, &token, "cases", "so-truong-hop.csv", CASES.as_bytes(), "").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
        let p = |row: u64, column: &str, value: &str, severity: &str, message: &str| {
            (row, column.to_owned(), value.to_owned(), severity.to_owned(), message.to_owned())
        };
        let want = vec![
            p(
                2,
                "Nguồn tin báo",
                "Hàng xóm",
                "error",
                "not a known value: write one of Tổng đài 111; Cộng tác viên; Công an; Nhà trường; Cơ sở y tế; Trẻ em hoặc gia đình; Khác",
            ),
            p(4, "Mã trẻ em", "MN-404", "error", "no child of your area was imported with this identifier"),
            p(5, "Ngày tiếp nhận", "02/03/2031", "error", "is in the future"),
            p(6, "Ngày đóng hồ sơ", "", "error", "a closed case needs the day it was closed"),
            p(7, "Họ và tên trẻ", "Trần Văn Bảo", "warning", "not the name of the child of this record (Trần Văn Bình): check the row"),
            p(
                8,
                "Tình trạng",
                "Đang xử lý",
                "warning",
                "imported at its first step (report received): record the steps taken since on the case's page",
            ),
        ];
        assert_eq!(problems(&report), want, "{}", t.backend);
        assert_eq!(report["rows_read"], 8, "the total line is not a case");
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM child_case").await, cases_before, "{}: nothing stored", t.backend);

        // Without the wrong rows: four cases, in one audited import.
        let clean = clean_cases();
        let (status, report) = import(&t, &token, "cases", "so-truong-hop.csv", clean.as_bytes(), "dry_run=false").await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        assert_eq!((report["to_add"].as_u64(), report["errors"].as_u64(), report["warnings"].as_u64()), (Some(4), Some(0), Some(2)));
        let ids: Vec<i64> = report["added_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        let case = |i: usize| {
            let (t, token, id) = (&t, &token, ids[i]);
            async move { t.api("GET", &format!("/api/v1/cases/{id}"), token, None).await.json() }
        };
        let urgent = case(0).await;
        assert_eq!((urgent["state"].as_str(), urgent["urgent"].as_bool()), (Some("received"), Some(true)), "{urgent}");
        assert_eq!(urgent["received_at"].as_str(), Some("2026-01-09T07:30:00.000000Z"), "14:30 in Vietnam: {urgent}");
        let kinds: Vec<&str> = urgent["tasks"].as_array().unwrap().iter().filter_map(|t| t["kind"].as_str()).collect();
        assert!(kinds.contains(&"verify") && kinds.contains(&"emergency_intervention"), "an urgent intake's tasks: {urgent}");
        let closed = case(1).await;
        assert_eq!((closed["state"].as_str(), closed["tasks"].as_array().map(Vec::len)), (Some("closed"), Some(0)), "{closed}");
        let step = &closed["steps"][0];
        assert_eq!(
            (step["action"].as_str(), step["at"].as_str(), step["note"].as_str()),
            (Some("close"), Some("2026-03-19T17:00:00.000000Z"), Some("Trẻ đã trở lại trường")),
            "the closing is the case's one step, on the register's day: {closed}"
        );
        assert_eq!(case(2).await["state"].as_str(), Some("closed_unfounded"));
        assert_eq!(case(3).await["state"].as_str(), Some("received"), "a case in progress is imported at its first step");
        assert_eq!(t.store_audit_actions("import.cases").await, 1);
        let listed = t.api("GET", "/api/v1/cases", &token, None).await.json();
        assert_eq!(listed.as_array().unwrap().len(), 4, "the lists move at once: {listed}");

        // The same file again adds nothing; so does the list's own export, read back.
        let (status, again) = import(&t, &token, "cases", "so-truong-hop.csv", clean.as_bytes(), "dry_run=false").await;
        assert_eq!((status, again["to_add"].as_u64(), again["already_imported"].as_u64()), (StatusCode::CREATED, Some(0), Some(4)));
        let (status, _, xlsx) = download(&t, "/cases/export.xlsx", &t.session("xa.th").await).await;
        assert_eq!(status, StatusCode::OK);
        let (status, back) = import(&t, &token, "cases", "truong-hop.xlsx", &xlsx, "").await;
        assert_eq!(status, StatusCode::OK, "{back}");
        assert_eq!((back["errors"].as_u64(), back["to_add"].as_u64(), back["already_imported"].as_u64()), (Some(0), Some(0), Some(4)));

        // Another report on a case's day from its source is new, and said to resemble it.
        let twin =
            "Mã trường hợp,Mã trẻ em,Ngày tiếp nhận,Nguồn tin,Nội dung tin báo\nTH-09,MN-001,09/01/2026,Tổng đài 111,Lần báo thứ hai\n";
        let (status, resembles) = import(&t, &token, "cases", "x.csv", twin.as_bytes(), "").await;
        assert_eq!(status, StatusCode::OK, "{resembles}");
        let why = format!("resembles case {} of this child, received the same day from the same source", ids[0]);
        assert_eq!(problems(&resembles), vec![p(1, "Ngày tiếp nhận", "09/01/2026", "warning", &why)]);

        // Another commune's worker finds neither the children nor the cases.
        t.account("xa.khac", "commune_worker", "29888", None).await;
        let other = t.token("xa.khac").await;
        let (status, refused) = import(&t, &other, "cases", "truong-hop.xlsx", &xlsx, "").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(problems(&refused).iter().all(|p| p.4 == "no case of your area has this number"), "{refused}");
        // The police liaison opens no case.
        t.account("congan.th", "police_liaison", "29884", None).await;
        let police = t.token("congan.th").await;
        let (status, _) = import(&t, &police, "cases", "x.csv", clean.as_bytes(), "").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_upload_page_takes_a_register_of_cases_and_its_templates_read_back() {
    for t in apps().await {
        t.account("xa.th2", "commune_worker", "29884", None).await;
        let s = t.session("xa.th2").await;
        let page = t.page("/imports", &s).await.body;
        assert!(page.contains("action=\"/imports/cases\"") && page.contains("/imports/templates/truong-hop.xlsx"), "{page}");
        for file in ["truong-hop.xlsx", "truong-hop.csv"] {
            let (status, _, bytes) = download(&t, &format!("/imports/templates/{file}"), &s).await;
            assert_eq!(status, StatusCode::OK, "{file}");
            let table =
                treem_import::read_table(file, &bytes, &treem_import::Limits::default(), &treem_import::children::known_header).unwrap();
            let catalog = t.app.units.catalog();
            let read = treem_import::cases::read_cases(&table, &catalog, t.app.clock.today_in_vietnam());
            assert_eq!((read.rows.len(), read.problems.len()), (1, 0), "{file}: {:?}", read.problems);
        }
    }
}

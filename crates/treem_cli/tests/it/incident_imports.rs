//! Importing a register of incidents: checked row by row as the incident form checks one,
//! the children named by treem record number or by the Mã trẻ em of an imported children's
//! register, all rows or none, once; the export of incidents reads back as the same records.

use axum::http::StatusCode;
use serde_json::Value;

use crate::harness::apps;
use crate::shared::{download, import_file as import};

const CHILDREN: &str = "\
STT,Mã trẻ em,Họ và tên,Ngày sinh,Giới tính,Mã xã,Ấp/Khóm
1,MN-001,Nguyễn Thị Ánh,01/03/2015,Nữ,29884,Khóm 1 Mỹ Ngãi (demo)
2,MN-002,Trần Văn Bình,12/07/2013,Nam,29884,
3,MN-003,Lê Thị Cúc,05/05/2012,Nữ,29884,
";

/// Seven rows, four of them wrong (rows 2, 4, 5, 6).
const INCIDENTS: &str = "\
STT,Mã vụ việc,Ngày xảy ra,Mã xã,Loại vụ việc,Hình thức xâm hại,Hành vi xâm hại tình dục,Môi trường xâm hại,Quan hệ của người gây hại với trẻ,Hành vi vi phạm,Giai đoạn tố tụng,Loại tai nạn,Tử vong,Mã trẻ em,Ghi chú
1,VV-01,09/01/2026,29884,Xâm hại trẻ em,Xâm hại tình dục,Dâm ô,Cộng đồng,Người quen,,,,,MN-001,
2,VV-02,10/01/2026,29884,Xâm hại trẻ em,Bạo lực,Dâm ô,Gia đình,Cha mẹ,,,,,MN-002,
3,VV-03,01/03/2026,29884,Tai nạn thương tích,,,,,,,Đuối nước,Có,MN-002; MN-003,
4,VV-04,02/03/2026,29884,Tai nạn thương tích,,,,,,,Đuối nước,,MN-404,
5,VV-05,02/03/2026,99999,Tai nạn thương tích,,,,,,,Ngã,,MN-001,
6,VV-06,02/03/2031,29884,Tai nạn thương tích,,,,,,,Ngã,,MN-001,
7,VV-07,15/04/2026,29884,Trẻ em vi phạm pháp luật,,,,,Trộm cắp tài sản,Công an,,,MN-003,Bắt quả tang
Tổng cộng,,,,,,,,,,,,,,
";

const BAD_ROWS: [usize; 4] = [2, 4, 5, 6];

fn clean_incidents() -> String {
    INCIDENTS.lines().enumerate().filter(|(i, _)| *i == 0 || !BAD_ROWS.contains(i)).map(|(_, l)| format!("{l}\n")).collect()
}

fn problems(report: &Value) -> Vec<(u64, String, String, String)> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let s = |k: &str| p[k].as_str().unwrap().to_owned();
            (p["row"].as_u64().unwrap(), s("column"), s("value"), s("message"))
        })
        .collect()
}

#[tokio::test]
async fn a_register_of_incidents_imports_all_or_nothing_once_and_reads_back_from_its_export() {
    for t in apps().await {
        t.account("xa.vv", "commune_worker", "29884", None).await;
        t.account("ctv.vv", "hamlet_collaborator", "29884-01", None).await;
        let token = t.token("xa.vv").await;
        let (status, kids) = import(&t, &token, "children", "so-tre-em.csv", CHILDREN.as_bytes(), "dry_run=false").await;
        assert_eq!(status, StatusCode::CREATED, "{kids}");
        let incidents_before = t.raw_count("SELECT COUNT(*) FROM incident").await;

        // The book with its mistakes: every one named by row and column, nothing stored.
        let (status, report) = import(&t, &token, "incidents", "so-vu-viec.csv", INCIDENTS.as_bytes(), "").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{report}");
        let p = |row: u64, column: &str, value: &str, message: &str| (row, column.to_owned(), value.to_owned(), message.to_owned());
        let want = vec![
            p(2, "Hành vi xâm hại tình dục", "Dâm ô", "does not belong to this kind of incident"),
            p(4, "Mã trẻ em", "MN-404", "no child of your area was imported with this identifier"),
            p(5, "Mã xã", "99999", "no commune has this code"),
            p(6, "Ngày xảy ra", "02/03/2031", "is in the future"),
            p(7, "Ghi chú", "Bắt quả tang", "notes are not imported: record what matters on the incident's page"),
        ];
        assert_eq!(problems(&report), want, "{}", t.backend);
        assert_eq!(report["rows_read"], 7, "the total line is not an incident");
        assert_eq!(t.raw_count("SELECT COUNT(*) FROM incident").await, incidents_before, "{}: nothing stored", t.backend);

        // Without the wrong rows: three incidents, with their children, in one audited import.
        let clean = clean_incidents();
        let (status, report) = import(&t, &token, "incidents", "so-vu-viec.csv", clean.as_bytes(), "dry_run=false").await;
        assert_eq!(status, StatusCode::CREATED, "{report}");
        assert_eq!((report["to_add"].as_u64(), report["errors"].as_u64()), (Some(3), Some(0)), "{report}");
        let ids: Vec<i64> = report["added_ids"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        let drowning = t.api("GET", &format!("/api/v1/incidents/{}", ids[1]), &token, None).await.json();
        assert_eq!((drowning["injury"].as_str(), drowning["fatal"].as_bool()), (Some("drowning"), Some(true)), "{drowning}");
        assert_eq!(drowning["children"].as_array().unwrap().len(), 2, "both children named by their Mã trẻ em: {drowning}");
        let theft = t.api("GET", &format!("/api/v1/incidents/{}", ids[2]), &token, None).await.json();
        assert_eq!((theft["justice_stage"].as_str(), theft["justice_measure"].as_str()), (Some("police"), Some("pending")), "{theft}");
        assert_eq!(t.store_audit_actions("import.incidents").await, 1);
        let listed = t.api("GET", "/api/v1/incidents", &token, None).await.json();
        assert_eq!(listed.as_array().unwrap().len(), 3, "the lists and figures move at once");

        // The same file again adds nothing; so does the list's own export, read back.
        let (status, again) = import(&t, &token, "incidents", "so-vu-viec.csv", clean.as_bytes(), "dry_run=false").await;
        assert_eq!((status, again["to_add"].as_u64(), again["already_imported"].as_u64()), (StatusCode::CREATED, Some(0), Some(3)));
        let (status, _, xlsx) = download(&t, "/incidents/export.xlsx", &t.session("xa.vv").await).await;
        assert_eq!(status, StatusCode::OK);
        let (status, back) = import(&t, &token, "incidents", "vu-viec.xlsx", &xlsx, "").await;
        assert_eq!(status, StatusCode::OK, "{back}");
        assert_eq!(
            (back["errors"].as_u64(), back["to_add"].as_u64(), back["already_imported"].as_u64()),
            (Some(0), Some(0), Some(3)),
            "{back}"
        );
        // Without its incident numbers, the export's rows are new incidents, each as checked as the form's.
        let csv = t.api("GET", "/api/v1/incidents/export", &token, None).await.body;
        let renumbered: String = csv
            .lines()
            .enumerate()
            .map(|(i, l)| {
                if i < 2 || l.starts_with("Total") || l.starts_with("Tổng cộng") {
                    format!("{l}\n")
                } else {
                    format!(",{}\n", l.split_once(',').map_or("", |(_, rest)| rest))
                }
            })
            .collect();
        let (status, fresh) = import(&t, &token, "incidents", "vu-viec.csv", renumbered.as_bytes(), "").await;
        assert_eq!(status, StatusCode::OK, "{fresh}");
        assert_eq!((fresh["errors"].as_u64(), fresh["to_add"].as_u64()), (Some(0), Some(3)), "{fresh}");

        // A collaborator may not record abuse, as on the form; the refusal names the row.
        let ctv = t.token("ctv.vv").await;
        let abuse_only: String = clean.lines().take(2).map(|l| format!("{l}\n")).collect::<String>().replace("VV-01", "VV-99");
        let (status, refused) = import(&t, &ctv, "incidents", "x.csv", abuse_only.as_bytes(), "").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(problems(&refused).iter().any(|p| p.0 == 1 && p.3 == "your role may not record this kind of incident"), "{refused}");
        // The police liaison records nothing.
        t.account("congan.vv", "police_liaison", "29884", None).await;
        let police = t.token("congan.vv").await;
        let (status, _) = import(&t, &police, "incidents", "x.csv", clean.as_bytes(), "").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_upload_page_takes_a_register_of_incidents_and_its_templates_read_back() {
    for t in apps().await {
        t.account("xa.vv2", "commune_worker", "29884", None).await;
        let s = t.session("xa.vv2").await;
        let page = t.page("/imports", &s).await.body;
        assert!(page.contains("action=\"/imports/incidents\"") && page.contains("/imports/templates/vu-viec.xlsx"), "{page}");
        for file in ["vu-viec.xlsx", "vu-viec.csv"] {
            let (status, _, bytes) = download(&t, &format!("/imports/templates/{file}"), &s).await;
            assert_eq!(status, StatusCode::OK, "{file}");
            let table =
                treem_import::read_table(file, &bytes, &treem_import::Limits::default(), &treem_import::children::known_header).unwrap();
            let catalog = t.app.units.catalog();
            let read = treem_import::incidents::read_incidents(&table, &catalog, t.app.clock.today_in_vietnam());
            // The template's example names a child by a Mã trẻ em: the row reads, the service resolves it.
            assert_eq!((read.rows.len(), read.problems.len()), (1, 0), "{file}: {:?}", read.problems);
        }
    }
}

//! Files to save, shared by the pages (`ui`) and the JSON API (`api`): the children's list
//! and an indicator's breakdown as CSV or XLSX (rust_xlsxwriter), with a title row and the
//! headers in the reader's language, and the decimal form of hundredths the API's figures use.

use crate::i18n::Lang;
use crate::import_files::safe_cell;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use treem_app::plans::Breakdown;
use treem_app::App;
use treem_domain::units::UnitLevel;

/// Hundredths as a decimal ("3430" → "34.30", "-5" → "-0.05").
pub fn hundredths(v: i64) -> String {
    let sign = if v < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", (v / 100).abs(), (v % 100).abs())
}

/// A file to save: its type and an ASCII name (indicator codes and levels are ASCII).
pub fn attachment(content_type: &'static str, file_name: &str, body: impl Into<axum::body::Body>) -> Response {
    let name: String = file_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let mut response = Response::new(body.into());
    let headers = response.headers_mut();
    headers.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static(content_type));
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    response
}

/// What a breakdown download is of: the indicator, the year, the map and the level.
pub struct BreakdownFile<'a> {
    pub code: &'a str,
    /// The indicator's name in the reader's language.
    pub name: &'a str,
    pub year: i32,
    pub on: time::Date,
    pub level: UnitLevel,
}

const BREAKDOWN_COLUMNS: [(&str, &str); 5] =
    [("Mã đơn vị", "Unit code"), ("Đơn vị", "Unit"), ("Mã trong treem", "treem id"), ("Năm", "Year"), ("Giá trị", "Value")];

/// The title row of a breakdown: which indicator, year, map, level, and the day.
fn breakdown_title(lang: Lang, app: &App, f: &BreakdownFile<'_>) -> String {
    let level = crate::i18n::translate(lang, &format!("level.{}", f.level.as_str())).to_lowercase();
    let (map, today) = (crate::ui::date_text(lang, &f.on), crate::ui::date_text(lang, &app.clock.today_in_vietnam()));
    match lang {
        Lang::Vi => format!("{} ({}), năm {}, theo bản đồ hành chính ngày {map}, {level}; xuất ngày {today}", f.name, f.code, f.year),
        Lang::En => format!("{} ({}), {}, on the administrative map of {map}, {level}; exported on {today}", f.name, f.code, f.year),
    }
}

fn breakdown_rows<'b>(app: &App, b: &'b Breakdown) -> Vec<(String, &'b str, i64, Option<i64>)> {
    let catalog = app.units.catalog();
    b.rows.iter().map(|(id, name, v)| (catalog.get(*id).map(|u| u.code.clone()).unwrap_or_default(), name.as_str(), id.0, *v)).collect()
}

/// A count's total, when the figures add up (counts do; percentages do not).
fn breakdown_total(b: &Breakdown) -> Option<i64> {
    (!b.ratio).then(|| b.rows.iter().filter_map(|r| r.2).sum())
}

fn total_label(lang: Lang) -> &'static str {
    if lang == Lang::Vi {
        "Tổng cộng"
    } else {
        "Total"
    }
}

/// The breakdown as CSV: a title row, the header in the reader's language, one row per
/// unit (official code and name beside treem's id; a percentage as 34.30), the total of
/// a count. Cells safe for spreadsheets.
pub fn breakdown_csv(app: &App, lang: Lang, f: &BreakdownFile<'_>, b: &Breakdown) -> Response {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(b"\xEF\xBB\xBF".to_vec());
    let _ = w.write_record([safe_cell(&breakdown_title(lang, app, f))]);
    let _ = w.write_record(BREAKDOWN_COLUMNS.iter().map(|(vi, en)| if lang == Lang::Vi { *vi } else { *en }));
    for (code, name, id, v) in breakdown_rows(app, b) {
        let value = v.map(|v| if b.ratio { hundredths(v) } else { v.to_string() }).unwrap_or_default();
        let _ = w.write_record([safe_cell(&code), safe_cell(name), id.to_string(), f.year.to_string(), value]);
    }
    if let Some(total) = breakdown_total(b) {
        let _ = w.write_record(["", total_label(lang), "", "", &total.to_string()]);
    }
    attachment("text/csv; charset=utf-8", &format!("{}-{}-{}.csv", f.code, f.year, f.level.as_str()), w.into_inner().unwrap_or_default())
}

/// The breakdown as an XLSX workbook (rust_xlsxwriter): the CSV's rows, values as numbers
/// (a percentage as 34.3), "no data" as an empty cell, the total of a count.
pub fn breakdown_xlsx(app: &App, lang: Lang, f: &BreakdownFile<'_>, b: &Breakdown) -> Response {
    match breakdown_workbook(app, lang, f, b) {
        Ok(bytes) => attachment(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            &format!("{}-{}-{}.xlsx", f.code, f.year, f.level.as_str()),
            bytes,
        ),
        Err(e) => {
            tracing::error!(error = %e, "the breakdown's workbook failed");
            (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

fn breakdown_workbook(app: &App, lang: Lang, f: &BreakdownFile<'_>, b: &Breakdown) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::Format;
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut book = new_workbook(app)?;
    let sheet = book.add_worksheet();
    // A sheet name holds at most 31 characters and no ':' (indicator codes are short ASCII).
    sheet.set_name(f.code.chars().filter(|c| !":\\/?*[]".contains(*c)).take(31).collect::<String>()).map_err(e)?;
    let bold = Format::new().set_bold();
    sheet.write_string_with_format(0, 0, breakdown_title(lang, app, f), &bold).map_err(e)?;
    for (c, (vi, en)) in BREAKDOWN_COLUMNS.iter().enumerate() {
        let c = u16::try_from(c).map_err(|x| x.to_string())?;
        sheet.write_string_with_format(1, c, if lang == Lang::Vi { *vi } else { *en }, &bold).map_err(e)?;
    }
    sheet.set_column_width(1, 30).map_err(e)?;
    let rows = breakdown_rows(app, b);
    for (i, (code, name, id, v)) in rows.iter().enumerate() {
        let r = u32::try_from(i + 2).map_err(|x| x.to_string())?;
        sheet.write_string(r, 0, code).map_err(e)?;
        sheet.write_string(r, 1, *name).map_err(e)?;
        // Counts and ids are far below 2^53: exact as f64.
        sheet.write_number(r, 2, *id as f64).map_err(e)?;
        sheet.write_number(r, 3, f64::from(f.year)).map_err(e)?;
        if let Some(v) = v {
            sheet.write_number(r, 4, if b.ratio { *v as f64 / 100.0 } else { *v as f64 }).map_err(e)?;
        }
    }
    if let Some(total) = breakdown_total(b) {
        let r = u32::try_from(rows.len() + 2).map_err(|x| x.to_string())?;
        sheet.write_string_with_format(r, 1, total_label(lang), &bold).map_err(e)?;
        sheet.write_number_with_format(r, 4, total as f64, &bold).map_err(e)?;
    }
    book.save_to_buffer().map_err(e)
}

/// A workbook whose own creation time is the day, not the second: two downloads of the
/// same figures on one day are the same bytes (nothing else in the file tells them apart).
fn new_workbook(app: &App) -> Result<rust_xlsxwriter::Workbook, String> {
    let today = app.clock.today_in_vietnam();
    let created =
        rust_xlsxwriter::ExcelDateTime::from_ymd(u16::try_from(today.year()).unwrap_or(1900), u8::from(today.month()), today.day())
            .map_err(|e| e.to_string())?;
    let mut book = rust_xlsxwriter::Workbook::new();
    book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    Ok(book)
}

/// The columns of the children's export, as the import reads them back (the register
/// book's headers in Vietnamese, the import's English ones in English).
const CHILD_COLUMNS: [(&str, &str); 8] = [
    ("Mã hồ sơ treem", "treem record"),
    ("Họ và tên", "Full name"),
    ("Ngày sinh", "Date of birth"),
    ("Giới tính", "Sex"),
    ("Mã xã", "Commune code"),
    ("Xã/Phường/Thị trấn", "Commune"),
    ("Ấp/Khóm", "Hamlet"),
    ("Ngày đăng ký", "Registered on"),
];

/// One exported child: its record number, name, birth, sex, commune (code and name) and
/// hamlet on its registration date, registration date.
struct ChildLine {
    id: i64,
    name: String,
    birth: time::Date,
    sex: &'static str,
    commune_code: String,
    commune: String,
    hamlet: String,
    registered: time::Date,
}

fn child_lines(app: &App, lang: Lang, rows: &[treem_app::children::ChildSummary]) -> Vec<ChildLine> {
    let catalog = app.units.catalog();
    rows.iter()
        .map(|c| {
            let unit = catalog.get(c.residence_unit);
            // A hamlet's commune is its parent on the record's date.
            let (commune, hamlet) = match unit {
                Some(u) if u.level == UnitLevel::Hamlet => {
                    (catalog.parent_on(u.id, c.registered_on).and_then(|p| catalog.get(p)), u.name.clone())
                }
                other => (other, String::new()),
            };
            let sex = match (c.sex, lang) {
                (treem_domain::child::Sex::Male, Lang::Vi) => "Nam",
                (treem_domain::child::Sex::Female, Lang::Vi) => "Nữ",
                (s, Lang::En) => s.as_str(),
            };
            ChildLine {
                id: c.id,
                name: c.full_name.clone(),
                birth: c.birth_date,
                sex,
                commune_code: commune.map(|u| u.code.clone()).unwrap_or_default(),
                commune: commune.map(|u| u.name.clone()).unwrap_or_default(),
                hamlet,
                registered: c.registered_on,
            }
        })
        .collect()
}

/// The title line of an export: what, how many, which day (in Vietnam) and by whom.
fn child_title(lang: Lang, app: &App, by: &str, n: usize) -> String {
    let today = crate::ui::date_text(lang, &app.clock.today_in_vietnam());
    match lang {
        Lang::Vi => format!("Danh sách trẻ em trong địa bàn: {n} trẻ, xuất ngày {today}, người xuất {by}"),
        Lang::En => format!("Children of the area: {n}, exported on {today} by {by}"),
    }
}

fn dmy(d: time::Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

/// The children of one's scope as CSV: a title line, the header, one line per child
/// (dates as dd/mm/yyyy; no sensitive field; formula-safe cells). Imports back as the same records.
pub fn children_csv(app: &App, lang: Lang, by: &str, rows: &[treem_app::children::ChildSummary]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(b"\xEF\xBB\xBF".to_vec());
    let _ = w.write_record([safe_cell(&child_title(lang, app, by, rows.len()))]);
    let _ = w.write_record(CHILD_COLUMNS.iter().map(|(vi, en)| if lang == Lang::Vi { *vi } else { *en }));
    for c in child_lines(app, lang, rows) {
        let _ = w.write_record([
            c.id.to_string(),
            safe_cell(&c.name),
            dmy(c.birth),
            c.sex.to_owned(),
            safe_cell(&c.commune_code),
            safe_cell(&c.commune),
            safe_cell(&c.hamlet),
            dmy(c.registered),
        ]);
    }
    w.into_inner().unwrap_or_default()
}

/// The same as XLSX: the title in the first row, dates as dates, the record number as a number.
pub fn children_xlsx(app: &App, lang: Lang, by: &str, rows: &[treem_app::children::ChildSummary]) -> Result<Vec<u8>, String> {
    use rust_xlsxwriter::{ExcelDateTime, Format};
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut book = new_workbook(app)?;
    let sheet = book.add_worksheet();
    sheet.set_name(if lang == Lang::Vi { "Trẻ em" } else { "Children" }).map_err(e)?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    sheet.write_string_with_format(0, 0, child_title(lang, app, by, rows.len()), &bold).map_err(e)?;
    for (c, (vi, en)) in CHILD_COLUMNS.iter().enumerate() {
        let c = u16::try_from(c).map_err(|x| x.to_string())?;
        sheet.write_string_with_format(1, c, if lang == Lang::Vi { *vi } else { *en }, &bold).map_err(e)?;
        sheet.set_column_width(c, if c == 1 || c == 5 { 28 } else { 14 }).map_err(e)?;
    }
    let as_excel = |d: time::Date| ExcelDateTime::from_ymd(u16::try_from(d.year()).unwrap_or(1900), u8::from(d.month()), d.day());
    for (i, c) in child_lines(app, lang, rows).into_iter().enumerate() {
        let r = u32::try_from(i + 2).map_err(|x| x.to_string())?;
        // Record numbers are far below 2^53: exact as f64.
        sheet.write_number(r, 0, c.id as f64).map_err(e)?;
        sheet.write_string(r, 1, &c.name).map_err(e)?;
        sheet.write_datetime_with_format(r, 2, as_excel(c.birth).map_err(e)?, &date).map_err(e)?;
        sheet.write_string(r, 3, c.sex).map_err(e)?;
        sheet.write_string(r, 4, &c.commune_code).map_err(e)?;
        sheet.write_string(r, 5, &c.commune).map_err(e)?;
        sheet.write_string(r, 6, &c.hamlet).map_err(e)?;
        sheet.write_datetime_with_format(r, 7, as_excel(c.registered).map_err(e)?, &date).map_err(e)?;
    }
    book.save_to_buffer().map_err(e)
}

pub fn children_csv_response(app: &App, lang: Lang, by: &str, rows: &[treem_app::children::ChildSummary]) -> Response {
    csv_response(children_csv(app, lang, by, rows))
}

pub fn children_xlsx_response(app: &App, lang: Lang, by: &str, rows: &[treem_app::children::ChildSummary]) -> Response {
    match children_xlsx(app, lang, by, rows) {
        Ok(bytes) => attachment("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "tre-em.xlsx", bytes),
        Err(e) => {
            tracing::error!(error = %e, "the children's workbook failed");
            (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

pub fn csv_response(body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"tre-em.csv\"; filename*=UTF-8''tr%E1%BA%BB-em.csv"),
        ],
        body,
    )
        .into_response()
}

//! Files to save, shared by the pages (`ui`) and the JSON API (`api`): every list a user may
//! download (children, cases, incidents, tasks, an indicator's breakdown, the audit log) as one
//! [`Sheet`], written as CSV or XLSX with a title row and the headers in the reader's
//! language; and the decimal form of hundredths the API's figures use.

mod records;
pub mod sheet;

pub use records::{
    audit_filter_words, audit_sheet, case_filter_words, cases_sheet, incident_filter_words, incidents_sheet, task_filter_words,
    tasks_sheet, RecordsFile,
};
pub use sheet::{FileFormat, Out, Sheet};

use crate::i18n::Lang;
use axum::response::Response;
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

const BREAKDOWN_COLUMNS: [(&str, &str, f64); 5] = [
    ("Mã đơn vị", "Unit code", 12.0),
    ("Đơn vị", "Unit", 30.0),
    ("Mã trong treem", "treem id", 14.0),
    ("Năm", "Year", 8.0),
    ("Giá trị", "Value", 12.0),
];

/// Headers in the reader's language, with widths.
fn columns(lang: Lang, all: &[(&str, &str, f64)]) -> Vec<(String, f64)> {
    all.iter().map(|(vi, en, w)| ((if lang == Lang::Vi { *vi } else { *en }).to_owned(), *w)).collect()
}

/// The title row of a breakdown: which indicator, year, map, level, and the day.
fn breakdown_title(lang: Lang, app: &App, f: &BreakdownFile<'_>) -> String {
    let level = crate::i18n::translate(lang, &format!("level.{}", f.level.as_str())).to_lowercase();
    let (map, today) = (crate::ui::date_text(lang, &f.on), crate::ui::date_text(lang, &app.clock.today_in_vietnam()));
    match lang {
        Lang::Vi => format!("{} ({}), năm {}, theo bản đồ hành chính ngày {map}, {level}; xuất ngày {today}", f.name, f.code, f.year),
        Lang::En => format!("{} ({}), {}, on the administrative map of {map}, {level}; exported on {today}", f.name, f.code, f.year),
    }
}

pub fn total_label(lang: Lang) -> &'static str {
    if lang == Lang::Vi {
        "Tổng cộng"
    } else {
        "Total"
    }
}

/// An indicator's breakdown by unit: one row per unit (official code and name beside treem's
/// id; a percentage as hundredths), and the total of a count (percentages do not add up).
pub fn breakdown_sheet(app: &App, lang: Lang, f: &BreakdownFile<'_>, b: &Breakdown) -> Sheet {
    let catalog = app.units.catalog();
    let rows = b
        .rows
        .iter()
        .map(|(id, name, v)| {
            let value = match v {
                None => Out::Empty,
                Some(v) if b.ratio => Out::Hundredths(*v),
                Some(v) => Out::Int(*v),
            };
            let code = catalog.get(*id).map(|u| u.code.clone()).unwrap_or_default();
            vec![Out::Text(code), Out::text(name.as_str()), Out::Int(id.0), Out::Int(i64::from(f.year)), value]
        })
        .collect();
    let total = (!b.ratio).then(|| {
        let sum = b.rows.iter().filter_map(|r| r.2).sum();
        vec![Out::Empty, Out::text(total_label(lang)), Out::Empty, Out::Empty, Out::Int(sum)]
    });
    Sheet {
        title: breakdown_title(lang, app, f),
        name: f.code.to_owned(),
        file: format!("{}-{}-{}", f.code, f.year, f.level.as_str()),
        columns: columns(lang, &BREAKDOWN_COLUMNS),
        rows,
        total,
    }
}

pub fn breakdown_csv(app: &App, lang: Lang, f: &BreakdownFile<'_>, b: &Breakdown) -> Response {
    breakdown_sheet(app, lang, f, b).csv_response()
}

pub fn breakdown_xlsx(app: &App, lang: Lang, f: &BreakdownFile<'_>, b: &Breakdown) -> Response {
    breakdown_sheet(app, lang, f, b).xlsx_response(app.clock.today_in_vietnam())
}

/// The columns of the children's export, as the import reads them back (the register
/// book's headers in Vietnamese, the import's English ones in English).
const CHILD_COLUMNS: [(&str, &str, f64); 8] = [
    ("Mã hồ sơ treem", "treem record", 14.0),
    ("Họ và tên", "Full name", 28.0),
    ("Ngày sinh", "Date of birth", 14.0),
    ("Giới tính", "Sex", 10.0),
    ("Mã xã", "Commune code", 12.0),
    ("Xã/Phường/Thị trấn", "Commune", 28.0),
    ("Ấp/Khóm", "Hamlet", 20.0),
    ("Ngày đăng ký", "Registered on", 14.0),
];

/// A commune or hamlet as the registers write it: the commune's code and name, and the
/// hamlet's name (a hamlet's commune is its parent on `on`), as the import reads them back.
pub fn commune_cells(app: &App, unit: treem_domain::units::UnitId, on: time::Date) -> [Out; 3] {
    let catalog = app.units.catalog();
    let unit = catalog.get(unit);
    let (commune, hamlet) = match unit {
        Some(u) if u.level == UnitLevel::Hamlet => (catalog.parent_on(u.id, on).and_then(|p| catalog.get(p)), u.name.clone()),
        other => (other, String::new()),
    };
    [
        Out::Text(commune.map(|u| u.code.clone()).unwrap_or_default()),
        Out::Text(commune.map(|u| u.name.clone()).unwrap_or_default()),
        Out::Text(hamlet),
    ]
}

/// The name of the area a person works in, for a title row ("" for roles without one).
pub fn area_name(app: &App, actor: &treem_app::Actor) -> String {
    actor.scope_unit.and_then(|u| app.units.catalog().get(u).map(|u| u.name.clone())).unwrap_or_default()
}

/// The title line of the children's export: what, which area, how many, which day (in Vietnam) and by whom.
fn child_title(lang: Lang, app: &App, actor: &treem_app::Actor, n: usize) -> String {
    let today = crate::ui::date_text(lang, &app.clock.today_in_vietnam());
    let (area, by, n) = (area_name(app, actor), &actor.display_name, lang.integer(i64::try_from(n).unwrap_or(i64::MAX)));
    match lang {
        Lang::Vi => format!("Danh sách trẻ em trong địa bàn {area}: {n} trẻ, xuất ngày {today}, người xuất {by}"),
        Lang::En => format!("Children of {area}: {n}, exported on {today} by {by}"),
    }
}

/// The children of one's scope: record number, name, birth, sex, commune (code and name)
/// and hamlet on the registration date, registration date. No sensitive field. Imports back
/// as the same records.
pub fn children_sheet(app: &App, lang: Lang, actor: &treem_app::Actor, rows: &[treem_app::children::ChildSummary]) -> Sheet {
    let lines = rows
        .iter()
        .map(|c| {
            let [code, commune, hamlet] = commune_cells(app, c.residence_unit, c.registered_on);
            let sex = match (c.sex, lang) {
                (treem_domain::child::Sex::Male, Lang::Vi) => "Nam",
                (treem_domain::child::Sex::Female, Lang::Vi) => "Nữ",
                (s, Lang::En) => s.as_str(),
            };
            vec![
                Out::Int(c.id),
                Out::text(c.full_name.as_str()),
                Out::Date(c.birth_date),
                Out::text(sex),
                code,
                commune,
                hamlet,
                Out::Date(c.registered_on),
            ]
        })
        .collect();
    Sheet {
        title: child_title(lang, app, actor, rows.len()),
        name: (if lang == Lang::Vi { "Trẻ em" } else { "Children" }).into(),
        file: "tre-em".into(),
        columns: columns(lang, &CHILD_COLUMNS),
        rows: lines,
        total: None,
    }
}

pub fn children_csv_response(app: &App, lang: Lang, actor: &treem_app::Actor, rows: &[treem_app::children::ChildSummary]) -> Response {
    children_sheet(app, lang, actor, rows).csv_response()
}

pub fn children_xlsx_response(app: &App, lang: Lang, actor: &treem_app::Actor, rows: &[treem_app::children::ChildSummary]) -> Response {
    children_sheet(app, lang, actor, rows).xlsx_response(app.clock.today_in_vietnam())
}

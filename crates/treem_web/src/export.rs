//! Files to save, shared by the pages (`ui`) and the JSON API (`api`): the children's CSV,
//! an indicator's breakdown as CSV or XLSX, and the decimal form of hundredths they and
//! the API's figures use.

use axum::http::header;
use axum::response::{IntoResponse, Response};
use treem_app::children::csv_cell;
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

/// The breakdown as CSV (cells safe for spreadsheets).
pub fn breakdown_csv(code: &str, year: i32, on: time::Date, level: UnitLevel, b: &Breakdown) -> Response {
    let mut body = String::from("\u{feff}unit_id,unit,year,map_date,value\r\n");
    for (id, name, v) in &b.rows {
        let value = v.map(|v| if b.ratio { hundredths(v) } else { v.to_string() }).unwrap_or_default();
        body.push_str(&format!("{},{},{year},{on},{value}\r\n", id.0, csv_cell(name)));
    }
    attachment("text/csv; charset=utf-8", &format!("{code}-{year}-{}.csv", level.as_str()), body)
}

/// The breakdown as an XLSX workbook: the CSV's columns, values as numbers (a
/// percentage as 34.3), "no data" as an empty cell.
pub fn breakdown_xlsx(code: &str, year: i32, on: time::Date, level: UnitLevel, b: &Breakdown) -> Response {
    use crate::xlsx::Cell;
    let mut rows = vec![["unit_id", "unit", "year", "map_date", "value"].iter().map(|h| Cell::Text((*h).to_owned())).collect::<Vec<_>>()];
    for (id, name, v) in &b.rows {
        // Counts and ids are far below 2^53: exact as f64.
        let value = v.map_or(Cell::Empty, |v| Cell::Number(if b.ratio { v as f64 / 100.0 } else { v as f64 }));
        let id = Cell::Number(id.0 as f64);
        rows.push(vec![id, Cell::Text(name.clone()), Cell::Number(f64::from(year)), Cell::Text(on.to_string()), value]);
    }
    attachment(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        &format!("{code}-{year}-{}.xlsx", level.as_str()),
        crate::xlsx::workbook(code, &rows),
    )
}

/// The children of one's scope as CSV (no sensitive fields; formula-safe cells).
pub fn children_csv(app: &App, rows: &[treem_app::children::ChildSummary]) -> String {
    let catalog = app.units.catalog();
    let mut out = String::from("\u{FEFF}id,full_name,sex,birth_date,residence_unit_code,residence_unit_name,registered_on\r\n");
    for c in rows {
        let unit = catalog.get(c.residence_unit);
        let cells = [
            c.id.to_string(),
            csv_cell(&c.full_name),
            c.sex.as_str().to_owned(),
            c.birth_date.to_string(),
            csv_cell(unit.map(|u| u.code.as_str()).unwrap_or_default()),
            csv_cell(unit.map(|u| u.name.as_str()).unwrap_or_default()),
            c.registered_on.to_string(),
        ];
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

pub fn children_csv_response(app: &App, rows: &[treem_app::children::ChildSummary]) -> Response {
    csv_response(children_csv(app, rows))
}

pub fn csv_response(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"tre-em.csv\"; filename*=UTF-8''tr%E1%BA%BB-em.csv"),
        ],
        body,
    )
        .into_response()
}

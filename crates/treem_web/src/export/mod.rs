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

/// The title line of the children's export: what, which area, which day (in Vietnam) and by
/// whom; the total is the last line (the rows are written as they are read).
fn child_title(lang: Lang, app: &App, actor: &treem_app::Actor) -> String {
    let today = crate::ui::date_text(lang, &app.clock.today_in_vietnam());
    let (area, by) = (area_name(app, actor), &actor.display_name);
    match lang {
        Lang::Vi => format!("Danh sách trẻ em trong địa bàn {area}, xuất ngày {today}, người xuất {by} (tổng số ở dòng cuối)"),
        Lang::En => format!("Children of {area}, exported on {today} by {by} (the total is on the last line)"),
    }
}

/// One child as the export writes it: record number, name, birth, sex, commune (code and
/// name) and hamlet on the registration date, registration date.
fn child_row(app: &App, lang: Lang, c: &treem_app::children::ChildSummary) -> Vec<Out> {
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
}

/// The children's list as CSV, streamed: the export is audited (and refused, if it must
/// be) before the download begins, then the rows are read and sent a page (5,000) at a time,
/// so memory stays one page whatever the area's size; a last line gives the total. A failure
/// after the first page cuts the download short (the reader then lacks that line).
pub async fn children_csv_stream(
    app: std::sync::Arc<App>,
    lang: Lang,
    actor: treem_app::Actor,
    name: Option<String>,
) -> Result<Response, treem_app::AppError> {
    app.children.start_export(&actor, name.as_deref()).await?;
    use futures_util::stream::{self, StreamExt};
    enum Step {
        Start,
        Page(Option<i64>),
        Total,
        Done,
    }
    let csv_of = |records: &mut dyn Iterator<Item = Vec<String>>| {
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(Vec::new());
        for r in records {
            let _ = w.write_record(r);
        }
        w.into_inner().unwrap_or_default()
    };
    let body = stream::unfold((Step::Start, 0usize), move |(step, written)| {
        let (app, actor, name) = (app.clone(), actor.clone(), name.clone());
        async move {
            match step {
                Step::Start => {
                    let mut head = b"\xEF\xBB\xBF".to_vec();
                    let header: Vec<String> = columns(lang, &CHILD_COLUMNS).into_iter().map(|(h, _)| h).collect();
                    head.extend(csv_of(&mut [vec![sheet::Out::text(child_title(lang, &app, &actor)).csv()], header].into_iter()));
                    Some((Ok(head), (Step::Page(None), written)))
                }
                Step::Page(after) => match app.children.export_page(&actor, name.as_deref(), after).await {
                    Ok(page) => {
                        let chunk = csv_of(&mut page.children.iter().map(|c| child_row(&app, lang, c).iter().map(Out::csv).collect()));
                        let next = page.next_after.map_or(Step::Total, |n| Step::Page(Some(n)));
                        Some((Ok(chunk), (next, written + page.children.len())))
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "the children's export stopped");
                        Some((Err(std::io::Error::other(e.to_string())), (Step::Done, written)))
                    }
                },
                Step::Total => Some((Ok(csv_of(&mut [vec![total_line(lang, written)]].into_iter())), (Step::Done, written))),
                Step::Done => None,
            }
        }
    })
    .map(|r| r.map(axum::body::Bytes::from));
    Ok(attachment("text/csv; charset=utf-8", "tre-em.csv", axum::body::Body::from_stream(body)))
}

/// The children's list as an XLSX workbook, read a page (5,000) at a time and written a row
/// at a time ([`sheet::XlsxRows`]): memory holds one page and the compressed file, not the
/// list. Audited before the first page is read; the total is the last line.
pub async fn children_xlsx(app: &App, lang: Lang, actor: &treem_app::Actor, name: Option<&str>) -> Result<Response, treem_app::AppError> {
    app.children.start_export(actor, name).await?;
    let internal = |e: String| treem_app::AppError::Internal(format!("the children's workbook: {e}"));
    let title = child_title(lang, app, actor);
    let sheet_name = if lang == Lang::Vi { "Trẻ em" } else { "Children" };
    let mut out =
        sheet::XlsxRows::new(app.clock.today_in_vietnam(), sheet_name, &title, &columns(lang, &CHILD_COLUMNS)).map_err(internal)?;
    let (mut after, mut written) = (None, 0usize);
    loop {
        let page = app.children.export_page(actor, name, after).await?;
        for c in &page.children {
            out.push(&child_row(app, lang, c)).map_err(internal)?;
        }
        written += page.children.len();
        match page.next_after {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    out.push_total(&[Out::Text(total_line(lang, written))]).map_err(internal)?;
    Ok(attachment(sheet::XLSX, "tre-em.xlsx", out.finish().map_err(internal)?))
}

/// The last line of a children's download: "Tổng cộng: 734.328 trẻ".
fn total_line(lang: Lang, n: usize) -> String {
    let n = lang.integer(i64::try_from(n).unwrap_or(i64::MAX));
    match lang {
        Lang::Vi => format!("{}: {n} trẻ", total_label(lang)),
        Lang::En => format!("{}: {n} children", total_label(lang)),
    }
}

//! `/reported`: aggregate values reported by agencies, listed by year and unit within
//! the reader's scope, with a form to enter or correct one.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;
use treem_app::reported::ReportedInput;
use treem_app::{App, AppError};
use treem_domain::units::UnitId;

use super::{render, Chrome, PageContext, PageError, UiQuery};
use crate::session::SignedIn;

super::form::with_csrf!(ReportedForm);

#[derive(Deserialize, Default)]
pub struct ReportedParams {
    year: Option<String>,
    unit: Option<String>,
    element: Option<String>,
}

pub struct Row {
    pub element_key: String,
    pub unit: String,
    pub year: i32,
    pub sex_key: String,
    pub value: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "reported.html")]
pub struct ReportedPage {
    pub c: Chrome,
    pub year: String,
    pub unit: String,
    pub element: String,
    pub rows: Vec<Row>,
    pub total: usize,
    /// Only the first rows are shown.
    pub truncated: bool,
    /// (code, translation key, by sex).
    pub elements: Vec<(String, String, bool)>,
    /// (code, translation key) of every element, for the filter.
    pub all_elements: Vec<(String, String)>,
    /// (id, "name (code)").
    pub units: Vec<(i64, String)>,
    pub form_year: i32,
}

/// Digits grouped by thousands: 2.500.000.000 in Vietnamese, 2,500,000,000 in English.
pub(crate) fn grouped(v: i64, sep: char) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(ch);
    }
    if v < 0 {
        out.insert(0, '-');
    }
    out
}

pub async fn reported_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    UiQuery(p): UiQuery<ReportedParams>,
) -> Result<Response, PageError> {
    let text = |o: &Option<String>| o.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let year = match text(&p.year) {
        Some(y) => Some(y.parse::<i32>().map_err(|_| ctx.error(AppError::invalid("year", "a year such as 2024")))?),
        None => None,
    };
    let unit = match text(&p.unit) {
        Some(u) => Some(UnitId(u.parse::<i64>().map_err(|_| ctx.error(AppError::invalid("unit", "a unit id")))?)),
        None => None,
    };
    let element = text(&p.element);
    let list = app.reported.list(&s.actor, year, unit, element.as_deref()).await.map_err(|e| ctx.error(e))?;
    let c = ctx.chrome("reported");
    let sep = if c.lang == crate::i18n::Lang::Vi { '.' } else { ',' };
    let total = list.len();
    let rows: Vec<Row> = list
        .into_iter()
        .take(2000)
        .map(|v| Row {
            element_key: format!("element.{}", v.element),
            unit: format!("{} ({})", v.unit_name, v.unit_code),
            year: v.year,
            sex_key: format!("reported.sex.{}", v.sex),
            value: grouped(v.value, sep),
            note: v.note,
        })
        .collect();
    let form_year = year.unwrap_or_else(|| app.clock.today_in_vietnam().year() - 1);
    let page = ReportedPage {
        year: year.map(|y| y.to_string()).unwrap_or_default(),
        unit: unit.map(|u| u.0.to_string()).unwrap_or_default(),
        element: element.unwrap_or_default(),
        truncated: total > rows.len(),
        rows,
        total,
        elements: app
            .reported
            .reportable(&s.actor)
            .into_iter()
            .map(|e| (e.code.clone(), format!("element.{}", e.code), e.by_sex))
            .collect(),
        all_elements: treem_domain::reported::data_elements().iter().map(|e| (e.code.clone(), format!("element.{}", e.code))).collect(),
        units: app
            .reported
            .form_units(&s.actor, form_year)
            .into_iter()
            .map(|(id, code, name)| (id.0, format!("{name} ({code})")))
            .collect(),
        form_year,
        c,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize, Default)]
pub struct ReportedForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    element: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    sex: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    note: String,
}

/// Enters or corrects a value (the service decides who may), then shows that year's list.
pub async fn save_reported(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    super::CsrfForm(f): super::CsrfForm<ReportedForm>,
) -> Result<Response, PageError> {
    let input = ReportedInput { element: f.element, unit: f.unit, year: f.year, sex: f.sex, value: f.value, note: f.note };
    app.reported.save(&s.actor, &input).await.map_err(|e| ctx.error(e))?;
    let year: String = input.year.chars().filter(char::is_ascii_digit).collect();
    Ok(Redirect::to(&format!("/reported?year={year}#reported-list")).into_response())
}

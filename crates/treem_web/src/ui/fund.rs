//! `/fund`: movements of the Child Protection Fund within the reader's scope, with a
//! form to record one.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;
use treem_app::fund::FundInput;
use treem_app::App;

use super::{render, Chrome, PageContext, PageError, UiQuery};
use crate::session::SignedIn;

super::form::with_csrf!(FundForm);

#[derive(Deserialize, Default)]
pub struct FundParams {
    year: Option<String>,
}

pub struct Row {
    pub date: String,
    pub unit: String,
    pub direction_key: String,
    pub kind_key: String,
    pub amount: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "fund.html")]
pub struct FundPage {
    pub c: Chrome,
    pub year: String,
    pub rows: Vec<Row>,
    pub receipts: String,
    pub disbursements: String,
    pub units: Vec<(i64, String)>,
    pub sources: Vec<(&'static str, String)>,
    pub purposes: Vec<(&'static str, String)>,
    pub today: String,
}

pub async fn fund_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    UiQuery(p): UiQuery<FundParams>,
) -> Result<Response, PageError> {
    let today = app.clock.today_in_vietnam();
    let year = match p.year.as_deref().map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => y.parse::<i32>().map_err(|_| ctx.error(treem_app::AppError::invalid("year", "a year such as 2024")))?,
        None => today.year(),
    };
    let bounds = |m, d| time::Date::from_calendar_date(year, m, d).ok();
    let list =
        app.fund.list(&s.actor, bounds(time::Month::January, 1), bounds(time::Month::December, 31)).await.map_err(|e| ctx.error(e))?;
    let c = ctx.chrome("fund");
    let sep = if c.lang == crate::i18n::Lang::Vi { '.' } else { ',' };
    let (mut receipts, mut disbursements) = (0i64, 0i64);
    let rows: Vec<Row> = list
        .into_iter()
        .map(|v| {
            let m = v.movement;
            if m.direction == "receipt" {
                receipts += m.amount;
            } else {
                disbursements += m.amount;
            }
            Row {
                date: c.date(&m.moved_on),
                unit: format!("{} ({})", v.unit_name, v.unit_code),
                direction_key: format!("direction.{}", m.direction),
                kind_key: m.source.map(|x| format!("source.{x}")).or(m.purpose.map(|x| format!("purpose.{x}"))).unwrap_or_default(),
                amount: super::reported::grouped(m.amount, sep),
                note: m.note,
            }
        })
        .collect();
    let keyed = |prefix: &str, list: &[&'static str]| list.iter().map(|v| (*v, format!("{prefix}.{v}"))).collect();
    let page = FundPage {
        year: year.to_string(),
        rows,
        receipts: super::reported::grouped(receipts, sep),
        disbursements: super::reported::grouped(disbursements, sep),
        units: app.fund.form_units(&s.actor).into_iter().map(|(id, code, name)| (id.0, format!("{name} ({code})"))).collect(),
        sources: keyed("source", treem_domain::fund::SOURCES),
        purposes: keyed("purpose", treem_domain::fund::PURPOSES),
        today: today.to_string(),
        c,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize, Default)]
pub struct FundForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    note: String,
}

/// Records a movement (the service decides who may), then shows its year.
pub async fn record_fund(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    super::CsrfForm(f): super::CsrfForm<FundForm>,
) -> Result<Response, PageError> {
    // One form for both directions: the field that does not apply to the direction is dropped.
    let (source, purpose) = match f.direction.as_str() {
        "receipt" => (f.source, String::new()),
        "disbursement" => (String::new(), f.purpose),
        _ => (f.source, f.purpose),
    };
    let input = FundInput { unit: f.unit, date: f.date, direction: f.direction, source, purpose, amount: f.amount, note: f.note };
    app.fund.record(&s.actor, &input).await.map_err(|e| ctx.error(e))?;
    let year: String = input.date.chars().take(4).filter(char::is_ascii_digit).collect();
    Ok(Redirect::to(&format!("/fund?year={year}#fund-list")).into_response())
}

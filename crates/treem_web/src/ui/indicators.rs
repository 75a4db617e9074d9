//! The indicator catalogue: public metadata and formulas; values by year within the
//! signed-in user's scope; a formula checker that points at the position of an error.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::sync::Arc;
use treem_app::App;
use treem_domain::indicator::{parse_formula, Formula};

use super::{render, Chrome, PageContext, PageError};
use crate::i18n::{translate, Lang};

pub struct IndicatorView {
    pub code: String,
    pub name: String,
    pub concept: String,
    pub formula: String,
    pub disaggregations: String,
    pub source: String,
    pub agency: String,
    pub values: Vec<String>,
}

#[derive(Template)]
#[template(path = "indicators.html")]
struct IndicatorsPage {
    c: Chrome,
    list: Vec<IndicatorView>,
    /// The years shown, for the signed-in.
    years: Option<Vec<i32>>,
    formula: String,
    check: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct IndicatorsParams {
    #[serde(default)]
    formula: Option<String>,
}

fn pick<'a>(lang: Lang, vi: &'a str, en: &'a str) -> &'a str {
    match lang {
        Lang::En if !en.is_empty() => en,
        _ => vi,
    }
}

/// A value as shown: a count, a percentage with two decimals, or "no data".
pub fn value_text(lang: Lang, formula: &Formula, v: Option<i64>) -> String {
    match (formula, v) {
        (_, None) => translate(lang, "indicators.no_data").to_owned(),
        (Formula::Count(_), Some(n)) => n.to_string(),
        (Formula::Ratio(..), Some(h)) => format!("{}.{:02} %", h / 100, h % 100),
    }
}

pub async fn indicators_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    Query(p): Query<IndicatorsParams>,
) -> Result<Response, PageError> {
    let lang = ctx.lang;
    let catalogue = app.plans.catalogue().map_err(|e| ctx.error(e))?;
    let active = ctx.session.as_ref().filter(|s| s.state == treem_app::auth::SessionState::Active);
    let actor = active.map(|s| &s.actor).filter(|a| a.role.may(treem_domain::access::Action::List));
    let this_year = treem_domain::calendar::today_in_vietnam().year();
    let years = actor.map(|_| ((this_year - 5)..=this_year).collect::<Vec<i32>>());
    let mut list = Vec::new();
    for (i, formula) in catalogue {
        let values = match actor {
            Some(a) => app
                .plans
                .indicator_values(a, &i.code, (this_year - 5)..=this_year)
                .await
                .map_err(|e| ctx.error(e))?
                .into_iter()
                .map(|(_, v)| value_text(lang, formula, v))
                .collect(),
            None => Vec::new(),
        };
        list.push(IndicatorView {
            code: i.code.clone(),
            name: pick(lang, &i.name_vi, &i.name_en).to_owned(),
            concept: pick(lang, &i.concept_vi, &i.concept_en).to_owned(),
            formula: i.formula.clone(),
            disaggregations: i.disaggregations.join(", "),
            source: i.source.clone(),
            agency: i.agency.clone(),
            values,
        });
    }
    let formula = p.formula.unwrap_or_default();
    let check = (!formula.trim().is_empty()).then(|| match parse_formula(&formula) {
        Ok(_) => translate(lang, "indicators.formula_ok").to_owned(),
        Err(e) => format!("{} {}: {}", translate(lang, "indicators.formula_error"), e.position, e.message),
    });
    Ok(render(StatusCode::OK, &IndicatorsPage { c: ctx.chrome("plan"), list, years, formula, check }))
}

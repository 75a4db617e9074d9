//! Incidents: the list with counts by kind and form, the form, an incident's page.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;
use treem_app::children::Masked;
use treem_app::{App, AppError};
use treem_domain::access::Action;
use treem_domain::incident::{
    AbuseForm, IncidentInput, IncidentKind, InjuryKind, JusticeMeasure, JusticeStage, Relation, Setting, SexualSubtype,
};
use treem_domain::units::UnitLevel;

use super::{render, Chrome, PageContext, PageError, UiQuery};
use crate::params::behind_unit;
use crate::session::SignedIn;

fn keyed(prefix: &str, codes: &[&'static str]) -> Vec<(&'static str, String)> {
    codes.iter().map(|c| (*c, format!("{prefix}.{c}"))).collect()
}

pub struct Row {
    pub id: i64,
    pub occurred: String,
    pub kind_key: String,
    pub detail_key: String,
    pub unit: String,
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Row>,
    counts: Vec<(String, usize)>,
    kinds: Vec<(&'static str, String)>,
    kind: String,
    year: String,
    can_write: bool,
    can_export: bool,
    /// The drill-down being shown: (indicator name, unit name or empty, the figure's link back).
    behind: Option<(String, String, String)>,
}

#[derive(Deserialize)]
pub struct ListParams {
    kind: Option<String>,
    year: Option<String>,
    /// The drill-down from an indicator's figure: its code, and the unit of the map of `on`.
    #[serde(default)]
    indicator: Option<String>,
    #[serde(default)]
    unit: Option<String>,
    #[serde(default)]
    on: Option<String>,
}

/// A drill-down's heading: the indicator, the unit and year of the figure, the link back.
pub struct Behind {
    pub name: String,
    pub unit: String,
    pub year: String,
    pub back: String,
    /// The figure is a ratio: the list holds its numerator's records.
    pub ratio: bool,
}

/// The children or cases (`kind`) behind the indicator `code`'s figure for `year` under `unit` of
/// the map of `on` (default the year's last day), as typed, with the list's heading.
pub async fn behind(
    app: &App,
    actor: &treem_app::Actor,
    lang: crate::i18n::Lang,
    [code, year, unit, on]: [&str; 4],
    kind: treem_domain::indicator::FactKind,
) -> Result<(Behind, Vec<i64>), AppError> {
    let y = year.trim().parse::<i32>().map_err(|_| AppError::invalid("year", "a year such as 2025"))?;
    let last =
        time::Date::from_calendar_date(y, time::Month::December, 31).map_err(|_| AppError::invalid("year", "a year such as 2025"))?;
    let target = behind_unit(Some(unit), Some(on), Some(last))?;
    let (fact, ids) = app.plans.records_behind(actor, code, y, target).await?;
    if fact != kind {
        return Err(AppError::invalid("indicator", format!("this indicator counts {}", fact.as_str())));
    }
    let catalogue = app.plans.catalogue().await?;
    let (indicator, formula) = catalogue.find(code).ok_or(AppError::NotFound)?;
    let catalog = app.units.catalog();
    Ok((
        Behind {
            name: super::pick(lang, &indicator.name_vi, &indicator.name_en).to_owned(),
            unit: target.and_then(|(u, _)| catalog.get(u)).map(|u| u.name.clone()).unwrap_or_default(),
            year: y.to_string(),
            back: format!("/indicators/{code}?year={y}&on={}", target.map(|(_, on)| on).unwrap_or(last)),
            ratio: matches!(formula, treem_domain::indicator::Formula::Ratio(..)),
        },
        ids,
    ))
}

/// The key naming an incident's main classification: the form of abuse, the stage, or the injury.
fn detail_key(f: &treem_domain::incident::IncidentFields) -> String {
    match (f.abuse_form, f.justice_stage, f.injury) {
        (Some(a), _, _) => format!("abuse_form.{}", a.as_str()),
        (_, Some(s), _) => format!("justice_stage.{}", s.as_str()),
        (_, _, Some(i)) => format!("injury.{}", i.as_str()),
        _ => "incident.detail".into(),
    }
}

/// The list's filter: the kind, and the year as its first and last day.
#[allow(clippy::type_complexity)]
fn list_filter(p: &ListParams) -> Result<(Option<IncidentKind>, Option<&str>, Option<time::Date>, Option<time::Date>), AppError> {
    let kind = p
        .kind
        .as_deref()
        .filter(|k| !k.is_empty())
        .map(|k| IncidentKind::parse(k).ok_or_else(|| AppError::invalid("kind", "not a kind of incident")));
    let kind = kind.transpose()?;
    let year = p.year.as_deref().map(str::trim).filter(|y| !y.is_empty());
    let Some(y) = year else { return Ok((kind, None, None, None)) };
    let bounds = y.parse::<i32>().ok().and_then(|y| {
        Some((
            time::Date::from_calendar_date(y, time::Month::January, 1).ok()?,
            time::Date::from_calendar_date(y, time::Month::December, 31).ok()?,
        ))
    });
    let (from, to) = bounds.ok_or_else(|| AppError::invalid("year", "a year such as 2025"))?;
    Ok((kind, year, Some(from), Some(to)))
}

/// The incidents the list shows (kind, year), every one of them, as CSV or XLSX.
pub async fn incidents_export(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    UiQuery(p): UiQuery<ListParams>,
    uri: axum::http::Uri,
) -> Result<Response, PageError> {
    let format = super::file_format(&uri);
    let (kind, _, from, to) = list_filter(&p).map_err(|e| ctx.error(e))?;
    let rows = app.incidents.export(&s.actor, kind, from, to).await.map_err(|e| ctx.error(e))?;
    let filter = crate::export::incident_filter_words(ctx.lang, kind, from, to);
    let file = crate::export::RecordsFile { lang: ctx.lang, actor: &s.actor, filter, cut_at: None };
    Ok(crate::export::incidents_sheet(&app, &file, &rows).response(format, app.clock.today_in_vietnam()))
}

pub async fn incidents_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    UiQuery(p): UiQuery<ListParams>,
) -> Result<Response, PageError> {
    let (kind, year, from, to) = list_filter(&p).map_err(|e| ctx.error(e))?;
    let mut list = app.incidents.list(&s.actor, kind, from, to).await.map_err(|e| ctx.error(e))?;
    let catalog = app.units.catalog();
    let mut behind = None;
    if let Some(code) = p.indicator.as_deref().filter(|c| !c.is_empty()) {
        let unit = behind_unit(p.unit.as_deref(), p.on.as_deref(), to).map_err(|e| ctx.error(e))?;
        list = app.plans.incidents_behind(code, unit, list).await.map_err(|e| ctx.error(e))?;
        let (indicator, _) = app.plans.indicator(code).await.map_err(|e| ctx.error(e))?;
        let name = super::pick(ctx.lang, &indicator.name_vi, &indicator.name_en).to_owned();
        let unit_name = unit.and_then(|(u, _)| catalog.get(u)).map(|u| u.name.clone()).unwrap_or_default();
        let back =
            format!("/indicators/{code}?year={}&on={}", year.unwrap_or_default(), unit.map(|(_, on)| on.to_string()).unwrap_or_default());
        behind = Some((name, unit_name, back));
    }
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for v in &list {
        *counts.entry(format!("incident.kind.{}", v.fields.kind.as_str())).or_default() += 1;
        *counts.entry(detail_key(&v.fields)).or_default() += 1;
    }
    let page = ListPage {
        c: ctx.chrome("incidents"),
        rows: list
            .iter()
            .rev()
            .take(500)
            .map(|v| Row {
                id: v.id.0,
                occurred: super::date_text(ctx.lang, &v.fields.occurred_on),
                kind_key: format!("incident.kind.{}", v.fields.kind.as_str()),
                detail_key: detail_key(&v.fields),
                unit: catalog.get(v.fields.unit).map(|u| u.name.clone()).unwrap_or_default(),
            })
            .collect(),
        counts: counts.into_iter().collect(),
        kinds: keyed("incident.kind", IncidentKind::CODES),
        kind: kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        year: year.unwrap_or_default().to_owned(),
        can_write: s.actor.role.may(Action::Write),
        can_export: s.actor.role.may(Action::Export),
        behind,
    };
    Ok(render(StatusCode::OK, &page))
}

/// Read from the form's pairs in order (`children` repeats), as [`IncidentFormData::from_pairs`] does.
#[derive(Default, Clone, Deserialize)]
#[serde(from = "Vec<(String, String)>")]
pub struct IncidentFormData {
    pub kind: String,
    pub occurred_on: String,
    pub unit_id: String,
    pub children: Vec<String>,
    pub abuse_form: String,
    pub sexual_subtype: String,
    pub setting: String,
    pub relation: String,
    pub offence: String,
    pub justice_stage: String,
    pub justice_measure: String,
    pub injury: String,
    pub fatal: String,
    pub notes: String,
    /// The text of the children search, and the button pressed (`search`: find children,
    /// save nothing).
    pub q: String,
    pub action: String,
    csrf: String,
}

impl From<Vec<(String, String)>> for IncidentFormData {
    fn from(pairs: Vec<(String, String)>) -> Self {
        Self::from_pairs(pairs)
    }
}

super::form::with_csrf!(IncidentFormData);

impl IncidentFormData {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut f = Self::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => f.csrf = v,
                "kind" => f.kind = v,
                "occurred_on" => f.occurred_on = v,
                "unit_id" => f.unit_id = v,
                "children" => f.children.push(v),
                "abuse_form" => f.abuse_form = v,
                "sexual_subtype" => f.sexual_subtype = v,
                "setting" => f.setting = v,
                "relation" => f.relation = v,
                "offence" => f.offence = v,
                "justice_stage" => f.justice_stage = v,
                "justice_measure" => f.justice_measure = v,
                "injury" => f.injury = v,
                "fatal" => f.fatal = v,
                "notes" => f.notes = v,
                "q" => f.q = v,
                "action" => f.action = v,
                _ => {}
            }
        }
        f
    }

    fn input(&self) -> IncidentInput {
        IncidentInput {
            kind: self.kind.clone(),
            occurred_on: self.occurred_on.clone(),
            unit_id: self.unit_id.clone(),
            abuse_form: self.abuse_form.clone(),
            sexual_subtype: self.sexual_subtype.clone(),
            setting: self.setting.clone(),
            relation: self.relation.clone(),
            offence: self.offence.clone(),
            justice_stage: self.justice_stage.clone(),
            justice_measure: self.justice_measure.clone(),
            injury: self.injury.clone(),
            fatal: self.fatal == "1",
            notes: self.notes.clone(),
            children: self.children.iter().filter_map(|c| c.trim().parse().ok()).collect(),
            case_id: None,
        }
    }
}

#[derive(Template)]
#[template(path = "incident_form.html")]
struct FormPage {
    c: Chrome,
    f: IncidentFormData,
    errors: Vec<(String, String)>,
    units: Vec<(String, String)>,
    /// The children chosen (ticked), then those the search found (not ticked).
    children: Vec<(String, String, bool)>,
    searched: bool,
    kinds: Vec<(&'static str, String)>,
    forms: Vec<(&'static str, String)>,
    subtypes: Vec<(&'static str, String)>,
    settings: Vec<(&'static str, String)>,
    relations: Vec<(&'static str, String)>,
    stages: Vec<(&'static str, String)>,
    measures: Vec<(&'static str, String)>,
    injuries: Vec<(&'static str, String)>,
}

async fn form_page(
    app: &App,
    ctx: &PageContext,
    s: &treem_app::auth::CurrentSession,
    f: IncidentFormData,
    mut errors: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let catalog = app.units.catalog();
    let mut units: Vec<_> = s
        .actor
        .scope
        .units()
        .into_iter()
        .filter_map(|id| catalog.get(id))
        .filter(|u| matches!(u.level, UnitLevel::Commune | UnitLevel::Hamlet))
        .collect();
    treem_domain::units::sort_units(&mut units);
    units.sort_by_key(|u| std::cmp::Reverse(u.validity.to.is_none()));
    // The chosen children first (ticked), by their ids; then the children the search found.
    let mut chosen: Vec<i64> = f.children.iter().filter_map(|c| c.trim().parse().ok()).collect();
    chosen.sort_unstable();
    chosen.dedup();
    let label = |c: &treem_app::children::ChildSummary| format!("{} ({})", c.full_name, super::date_text(ctx.lang, &c.birth_date));
    let mut children: Vec<(String, String, bool)> = Vec::new();
    if !chosen.is_empty() {
        let filter = treem_app::children::ChildFilter { ids: Some(chosen.clone()), ..Default::default() };
        let page = app.children.list_filtered(&s.actor, &filter, None, treem_app::children::PAGE_MAX).await.map_err(|e| ctx.error(e))?;
        children.extend(page.children.iter().map(|c| (c.id.to_string(), label(c), true)));
    }
    let searched = f.action == "search";
    if searched {
        let name = Some(f.q.trim()).filter(|q| !q.is_empty());
        match app.children.list(&s.actor, name, None, 50).await {
            Ok(page) => {
                children.extend(page.children.iter().filter(|c| !chosen.contains(&c.id)).map(|c| (c.id.to_string(), label(c), false)))
            }
            Err(AppError::Invalid { field, message }) => errors.push((field, message)),
            Err(e) => return Err(ctx.error(e)),
        }
    }
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        c: ctx.chrome("incidents"),
        f,
        errors,
        units: units
            .iter()
            .map(|u| {
                (
                    u.id.0.to_string(),
                    format!(
                        "{} ({}, {}–{})",
                        u.name,
                        u.code,
                        u.validity.from.year(),
                        u.validity.to.map(|d| d.year().to_string()).unwrap_or_default()
                    ),
                )
            })
            .collect(),
        children,
        searched,
        kinds: keyed("incident.kind", IncidentKind::CODES),
        forms: keyed("abuse_form", AbuseForm::CODES),
        subtypes: keyed("sexual_subtype", SexualSubtype::CODES),
        settings: keyed("setting", Setting::CODES),
        relations: keyed("relation", Relation::CODES),
        stages: keyed("justice_stage", JusticeStage::CODES),
        measures: keyed("justice_measure", JusticeMeasure::CODES),
        injuries: keyed("injury", InjuryKind::CODES),
    };
    Ok(render(status, &page))
}

#[derive(Deserialize)]
pub struct NewIncidentParams {
    /// Children to preselect, by id, separated by commas (the child page's link).
    children: Option<String>,
}

pub async fn incident_new_form(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    UiQuery(p): UiQuery<NewIncidentParams>,
) -> Result<Response, PageError> {
    s.actor.require(Action::Write).map_err(|e| ctx.error(e))?;
    let children = p.children.unwrap_or_default().split(',').map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned).collect();
    let f =
        IncidentFormData { kind: "abuse".into(), occurred_on: app.clock.today_in_vietnam().to_string(), children, ..Default::default() };
    form_page(&app, &ctx, &s, f, Vec::new()).await
}

/// The form's "Tìm" button: the form again, everything typed kept, with the children whose
/// names match the search offered besides those already chosen; nothing is saved.
pub async fn incident_form_search(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    super::CsrfForm(mut f): super::CsrfForm<IncidentFormData>,
) -> Result<Response, PageError> {
    s.actor.require(Action::Write).map_err(|e| ctx.error(e))?;
    f.action = "search".into();
    form_page(&app, &ctx, &s, f, Vec::new()).await
}

pub async fn create_incident(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    super::CsrfForm(f): super::CsrfForm<IncidentFormData>,
) -> Result<Response, PageError> {
    match app.incidents.create(&s.actor, &f.input()).await {
        Ok(id) => Ok(Redirect::to(&format!("/incidents/{id}")).into_response()),
        Err(AppError::InvalidFields(list)) => form_page(&app, &ctx, &s, f, crate::messages::form_errors(ctx.lang, list)).await,
        Err(AppError::Invalid { field, message }) => form_page(&app, &ctx, &s, f, vec![(field, message)]).await,
        Err(e) => Err(ctx.error(e)),
    }
}

#[derive(Template)]
#[template(path = "incident.html")]
struct IncidentPage {
    c: Chrome,
    id: i64,
    facts: Vec<(&'static str, String, String)>,
    children: Vec<(i64, String)>,
    case_id: Option<i64>,
    notes: String,
}

pub async fn incident_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = id.parse::<i64>().map_err(|_| ctx.error(AppError::NotFound))?;
    let v = app.incidents.get(&s.actor, treem_domain::incident::IncidentId(id)).await.map_err(|e| ctx.error(e))?;
    let f = &v.fields;
    let catalog = app.units.catalog();
    let mut facts: Vec<(&'static str, String, String)> = vec![
        ("incident.kind", format!("incident.kind.{}", f.kind.as_str()), String::new()),
        ("incident.occurred_on", String::new(), super::date_text(ctx.lang, &f.occurred_on)),
        ("incident.unit", String::new(), catalog.get(f.unit).map(|u| u.name.clone()).unwrap_or_default()),
    ];
    let mut push = |label: &'static str, key: Option<String>| {
        if let Some(k) = key {
            facts.push((label, k, String::new()));
        }
    };
    push("incident.abuse_form", f.abuse_form.map(|x| format!("abuse_form.{}", x.as_str())));
    push("incident.sexual_subtype", f.sexual_subtype.map(|x| format!("sexual_subtype.{}", x.as_str())));
    push("incident.setting", f.setting.map(|x| format!("setting.{}", x.as_str())));
    push("incident.relation", f.relation.map(|x| format!("relation.{}", x.as_str())));
    push("incident.justice_stage", f.justice_stage.map(|x| format!("justice_stage.{}", x.as_str())));
    push("incident.justice_measure", f.justice_measure.map(|x| format!("justice_measure.{}", x.as_str())));
    push("incident.injury", f.injury.map(|x| format!("injury.{}", x.as_str())));
    if f.kind == IncidentKind::Accident {
        facts.push(("incident.fatal", if f.fatal { "answer.yes".into() } else { "answer.no".into() }, String::new()));
    }
    if let Some(o) = &f.offence {
        facts.push(("incident.offence", String::new(), o.clone()));
    }
    let mut children = Vec::new();
    for cid in &f.children {
        // Children outside the reader's scope are listed by number only.
        let name = app.children.get(&s.actor, *cid).await.map(|c| c.full_name).unwrap_or_else(|_| format!("#{cid}"));
        children.push((*cid, name));
    }
    let notes = match &v.notes {
        Masked::Shown(n) => n.clone().unwrap_or_default(),
        Masked::Hidden => crate::i18n::translate(ctx.lang, "field.hidden").to_owned(),
    };
    Ok(render(
        StatusCode::OK,
        &IncidentPage { c: ctx.chrome("incidents"), id: v.id.0, facts, children, case_id: f.case_id.map(|c| c.0), notes },
    ))
}

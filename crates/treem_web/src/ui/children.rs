//! The register of children: list and search, a child's page, the form, export.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use std::sync::Arc;
use time::Date;
use treem_app::children::{ChildView, Masked};
use treem_app::{Actor, App, AppError};
use treem_domain::access::{Action, SensitiveKind};
use treem_domain::child::{ChildInput, HivStatus};
use treem_domain::indicator::FactKind;
use treem_domain::units::{UnitCatalog, UnitId, UnitLevel};

use super::{render, Chrome, CsrfForm, PageContext, PageError, UiQuery};
use crate::session::SignedIn;

super::form::with_csrf!(ChildForm, MergeForm);

pub struct Row {
    pub id: i64,
    pub full_name: String,
    pub sex_key: String,
    pub birth_date: Date,
    pub residence: String,
}

#[derive(Template)]
#[template(path = "children.html")]
struct ListPage {
    c: Chrome,
    rows: Vec<Row>,
    query: String,
    units: Vec<(String, String)>,
    unit: String,
    groups: Vec<(&'static str, String)>,
    group: String,
    from: String,
    to: String,
    next_after: Option<i64>,
    can_write: bool,
    can_export: bool,
    /// The drill-down being shown: (indicator name, unit name or empty, year, the figure's
    /// link back, whether the figure is a ratio), and the query that keeps it when paging.
    behind: Option<super::incidents::Behind>,
    behind_query: String,
}

#[derive(Deserialize)]
pub struct ListParams {
    q: Option<String>,
    after: Option<i64>,
    unit: Option<String>,
    group: Option<String>,
    from: Option<String>,
    to: Option<String>,
    /// The drill-down from an indicator's figure: its code, year, and the unit (`unit`) of the map of `on`.
    indicator: Option<String>,
    year: Option<String>,
    on: Option<String>,
}

fn unit_name(catalog: &UnitCatalog, id: UnitId) -> String {
    catalog.get(id).map(|u| u.name.clone()).unwrap_or_default()
}

pub async fn children_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    UiQuery(p): UiQuery<ListParams>,
) -> Result<Response, PageError> {
    let query: String = p.q.clone().unwrap_or_default().chars().take(100).collect();
    let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let date = |field: &str, v: &Option<String>| -> Result<Option<time::Date>, AppError> {
        v.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(|d| treem_app::units::parse_user_date(field, d)).transpose()
    };
    let code = text(&p.indicator);
    let behind = if code.is_empty() {
        None
    } else {
        Some(
            super::incidents::behind(&app, &s.actor, ctx.lang, [&code, &text(&p.year), &text(&p.unit), &text(&p.on)], FactKind::Children)
                .await
                .map_err(|e| ctx.error(e))?,
        )
    };
    let unit = match text(&p.unit).as_str() {
        // In a drill-down the unit is one of the map's, not a subtree filter.
        _ if behind.is_some() => None,
        "" => None,
        u => Some(UnitId(u.parse::<i64>().map_err(|_| ctx.error(AppError::invalid("unit", "choose a unit")))?)),
    };
    let filter = treem_app::children::ChildFilter {
        name: Some(query.clone()),
        unit,
        group: Some(text(&p.group)),
        from: date("from", &p.from).map_err(|e| ctx.error(e))?,
        to: date("to", &p.to).map_err(|e| ctx.error(e))?,
        ids: behind.as_ref().map(|(_, ids)| ids.clone()),
    };
    let page = app.children.list_filtered(&s.actor, &filter, p.after, 50).await.map_err(|e| ctx.error(e))?;
    let catalog = app.units.catalog();
    let rows = page
        .children
        .iter()
        .map(|c| Row {
            id: c.id,
            full_name: c.full_name.clone(),
            sex_key: format!("sex.{}", c.sex.as_str()),
            birth_date: c.birth_date,
            residence: unit_name(&catalog, c.residence_unit),
        })
        .collect();
    let groups = treem_domain::register::GROUPS
        .iter()
        .copied()
        .filter(|g| !treem_app::register::group_hidden_for(&s.actor, g))
        .map(|g| (g, format!("group.{g}")))
        .collect();
    let view = ListPage {
        c: ctx.chrome("children"),
        rows,
        query,
        units: unit_choices(&app, &s.actor),
        unit: text(&p.unit),
        groups,
        group: text(&p.group),
        from: text(&p.from),
        to: text(&p.to),
        next_after: page.next_after,
        can_write: s.actor.role.may(Action::Write),
        can_export: s.actor.role.may(Action::Export),
        behind_query: if behind.is_some() {
            format!("indicator={code}&year={}&unit={}&on={}&", text(&p.year), text(&p.unit), text(&p.on))
        } else {
            String::new()
        },
        behind: behind.map(|(b, _)| b),
    };
    Ok(render(StatusCode::OK, &view))
}

#[derive(Template)]
#[template(path = "child.html")]
struct ChildPage {
    c: Chrome,
    reg: treem_app::register::RegisterView,
    groups: Vec<(&'static str, String)>,
    relations: Vec<(&'static str, String)>,
    consent_kinds: Vec<(&'static str, String)>,
    school: Vec<(&'static str, String)>,
    poverty: Vec<(&'static str, String)>,
    birth_registered: String,
    household_code: String,
    household_head: String,
    v: ChildView,
    sex_key: String,
    residence: String,
    /// The sensitive fields, each only for a role that sees it (no row otherwise).
    hiv: Option<String>,
    abuse: Option<String>,
    offence: Option<String>,
    can_write: bool,
    hub: HubView,
}

/// The child as the hub: what the page's `<section id="hub">` shows. A part the reader may
/// not read is `None` and not shown at all (no heading, no count).
pub struct HubView {
    pub cases: Option<Vec<HubCase>>,
    pub incidents: Option<Vec<HubIncident>>,
    pub referrals: Option<Vec<HubReferral>>,
    pub tasks: Option<Vec<HubTask>>,
    pub history: Vec<HubEvent>,
    pub may_open_case: bool,
    pub may_record_incident: bool,
}

pub struct HubCase {
    pub id: i64,
    pub state_key: String,
    pub opened: String,
    pub unit: String,
}

pub struct HubIncident {
    pub id: i64,
    pub kind_key: String,
    pub occurred: String,
    pub unit: String,
}

pub struct HubReferral {
    pub case_id: i64,
    pub provider: String,
    pub status_key: String,
}

pub struct HubTask {
    pub case_id: i64,
    pub kind_key: String,
    pub due: String,
    pub overdue: bool,
}

pub struct HubEvent {
    pub on: String,
    /// The translation key of what happened, and what it says besides (a kind, a service).
    pub what_key: String,
    pub detail_key: String,
    pub detail: String,
    pub href: String,
}

fn hub_view(lang: crate::i18n::Lang, catalog: &UnitCatalog, o: treem_app::hub::ChildOverview) -> HubView {
    use treem_app::hub::Happening;
    let day = |d: Date| super::date_text(lang, &d);
    let vn_day = |t: time::OffsetDateTime| day(treem_domain::calendar::date_in_vietnam(t));
    HubView {
        cases: o.cases.map(|v| {
            v.into_iter()
                .map(|c| HubCase {
                    id: c.id.0,
                    state_key: format!("state.{}", c.state.as_str()),
                    opened: vn_day(c.received_at),
                    unit: unit_name(catalog, c.unit),
                })
                .collect()
        }),
        incidents: o.incidents.map(|v| {
            v.into_iter()
                .map(|i| HubIncident {
                    id: i.id.0,
                    kind_key: format!("incident.kind.{}", i.kind.as_str()),
                    occurred: day(i.occurred_on),
                    unit: unit_name(catalog, i.unit),
                })
                .collect()
        }),
        referrals: o.referrals.map(|v| {
            v.into_iter()
                .map(|r| HubReferral { case_id: r.case_id.0, provider: r.provider, status_key: format!("referral.{}", r.status) })
                .collect()
        }),
        tasks: o.tasks.map(|v| {
            v.into_iter()
                .map(|t| HubTask {
                    case_id: t.case_id.0,
                    kind_key: format!("task.{}", t.kind.as_str()),
                    due: super::cases::local_time(lang, t.due_at),
                    overdue: t.overdue,
                })
                .collect()
        }),
        history: o
            .history
            .into_iter()
            .map(|h| {
                let (what_key, detail_key, detail, href) = match h.what {
                    Happening::CaseOpened(id) => ("hub.case_opened", String::new(), String::new(), format!("/cases/{id}")),
                    Happening::CaseClosed(id, st) => {
                        ("hub.case_closed", format!("state.{}", st.as_str()), String::new(), format!("/cases/{id}"))
                    }
                    Happening::IncidentRecorded(id, k) => {
                        ("hub.incident_recorded", format!("incident.kind.{}", k.as_str()), String::new(), format!("/incidents/{id}"))
                    }
                    Happening::Referral(id, provider, status) => {
                        ("hub.referral_made", format!("referral.{status}"), provider, format!("/cases/{id}"))
                    }
                };
                HubEvent { on: day(h.on), what_key: what_key.into(), detail_key, detail, href }
            })
            .collect(),
        may_open_case: o.may_open_case,
        may_record_incident: o.may_record_incident,
    }
}

fn shown_text(m: &Masked<Option<String>>) -> Option<String> {
    match m {
        Masked::Shown(v) => Some(v.clone().unwrap_or_else(|| "–".into())),
        Masked::Hidden => None,
    }
}

pub async fn child_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let id = id.parse::<i64>().map_err(|_| ctx.error(AppError::NotFound))?;
    let v = app.children.get(&s.actor, id).await.map_err(|e| ctx.error(e))?;
    let catalog = app.units.catalog();
    let hiv = match &v.hiv_status {
        Masked::Shown(Some(h)) => Some(format!("hiv.{}", h.as_str())),
        Masked::Shown(None) => Some("hiv.none".into()),
        Masked::Hidden => None,
    };
    let reg = app.register.view(&s.actor, id).await.map_err(|e| ctx.error(e))?;
    let overview = app.child_overview(&s.actor, id).await.map_err(|e| ctx.error(e))?;
    let hub = hub_view(ctx.lang, &catalog, overview);
    let keyed = |prefix: &str, codes: &[&'static str]| codes.iter().map(|c| (*c, format!("{prefix}.{c}"))).collect::<Vec<_>>();
    let groups: Vec<&'static str> =
        treem_domain::register::GROUPS.iter().copied().filter(|g| !treem_app::register::group_hidden_for(&s.actor, g)).collect();
    let page = ChildPage {
        groups: keyed("group", &groups),
        relations: keyed("relation_cg", treem_domain::register::CAREGIVER_RELATIONS),
        consent_kinds: keyed("consent", treem_domain::register::CONSENT_KINDS),
        school: keyed("school", treem_domain::register::SCHOOL_STATUS),
        poverty: keyed("poverty", treem_domain::register::POVERTY),
        birth_registered: reg.profile.birth_registered_on.map(|d| d.to_string()).unwrap_or_default(),
        household_code: reg.household.as_ref().map(|h| h.code.clone()).unwrap_or_default(),
        household_head: reg.household.as_ref().map(|h| h.head_name.clone()).unwrap_or_default(),
        reg,
        c: ctx.chrome("children"),
        sex_key: format!("sex.{}", v.sex.as_str()),
        residence: unit_name(&catalog, v.residence_unit),
        abuse: shown_text(&v.abuse_notes),
        offence: shown_text(&v.offence_notes),
        hiv,
        can_write: s.actor.role.may(Action::Write),
        hub,
        v,
    };
    Ok(render(StatusCode::OK, &page))
}

#[derive(Deserialize, Default, Clone)]
pub struct ChildForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub sex: String,
    #[serde(default)]
    pub birth_date: String,
    /// Only the year of birth, when the date is not known (an estimate).
    #[serde(default)]
    pub birth_year: String,
    #[serde(default)]
    pub residence_unit_id: String,
    #[serde(default)]
    pub registered_on: String,
    #[serde(default)]
    pub hiv_status: String,
    #[serde(default)]
    pub abuse_notes: String,
    #[serde(default)]
    pub offence_notes: String,
    /// "1" when the user has seen the possible duplicates and saves anyway.
    #[serde(default)]
    pub confirm_new: String,
}

impl ChildForm {
    fn input(&self) -> ChildInput {
        ChildInput {
            full_name: self.full_name.clone(),
            sex: self.sex.clone(),
            birth_date: if self.birth_date.trim().is_empty() { self.birth_year.clone() } else { self.birth_date.clone() },
            residence_unit_id: self.residence_unit_id.clone(),
            registered_on: self.registered_on.clone(),
            hiv_status: self.hiv_status.clone(),
            abuse_notes: self.abuse_notes.clone(),
            offence_notes: self.offence_notes.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "child_form.html")]
struct FormPage {
    c: Chrome,
    title_key: &'static str,
    action: String,
    version: String,
    f: ChildForm,
    units: Vec<(String, String)>,
    errors: Vec<(String, String)>,
    show_hiv: bool,
    show_abuse: bool,
    show_offence: bool,
    hiv_options: Vec<&'static str>,
    /// Possible duplicates: (id, label, how alike in words).
    duplicates: Vec<(i64, String, String)>,
}

/// Communes and hamlets in the actor's scope, current ones first.
fn unit_choices(app: &App, actor: &Actor) -> Vec<(String, String)> {
    let catalog = app.units.catalog();
    let mut units: Vec<_> = actor
        .scope
        .units()
        .into_iter()
        .filter_map(|id| catalog.get(id))
        .filter(|u| matches!(u.level, UnitLevel::Commune | UnitLevel::Hamlet))
        .collect();
    treem_domain::units::sort_units(&mut units);
    units.sort_by_key(|u| std::cmp::Reverse(u.validity.to.is_none()));
    units
        .into_iter()
        .map(|u| {
            let to = u.validity.to.map(|d| d.year().to_string()).unwrap_or_default();
            (u.id.0.to_string(), format!("{} ({}, {}–{to})", u.name, u.code, u.validity.from.year()))
        })
        .collect()
}

fn form_page(
    app: &App,
    ctx: &PageContext,
    actor: &Actor,
    title_key: &'static str,
    action: String,
    f: ChildForm,
    errors: Vec<(String, String)>,
) -> Response {
    form_page_with(app, ctx, actor, title_key, action, f, errors, Vec::new())
}

#[allow(clippy::too_many_arguments)]
fn form_page_with(
    app: &App,
    ctx: &PageContext,
    actor: &Actor,
    title_key: &'static str,
    action: String,
    f: ChildForm,
    errors: Vec<(String, String)>,
    duplicates: Vec<(i64, String, String)>,
) -> Response {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = FormPage {
        c: ctx.chrome("children"),
        title_key,
        action,
        version: f.version.clone(),
        units: unit_choices(app, actor),
        errors,
        show_hiv: actor.sees(SensitiveKind::HivStatus),
        show_abuse: actor.sees(SensitiveKind::AbuseDetails),
        show_offence: actor.sees(SensitiveKind::OffenceDetails),
        hiv_options: HivStatus::ALL.iter().map(|h| h.as_str()).collect(),
        duplicates,
        f,
    };
    render(status, &page)
}

pub async fn child_new_form(State(app): State<Arc<App>>, ctx: PageContext, SignedIn(s): SignedIn) -> Result<Response, PageError> {
    s.actor.require(Action::Write).map_err(|e| ctx.error(e))?;
    let f = ChildForm { sex: "female".into(), registered_on: app.clock.today_in_vietnam().to_string(), ..Default::default() };
    Ok(form_page(&app, &ctx, &s.actor, "child.new_title", "/children".into(), f, Vec::new()))
}

pub async fn create_child(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    CsrfForm(f): CsrfForm<ChildForm>,
) -> Result<Response, PageError> {
    // Possible duplicates are shown before anything is saved, until the user confirms.
    if f.confirm_new != "1" {
        match app.children.duplicates_for(&s.actor, &f.input()).await {
            Ok(found) if !found.is_empty() => {
                let list = found
                    .iter()
                    .map(|d| {
                        let born = super::date_text(ctx.lang, &d.child.birth_date);
                        (d.child.id, format!("{} ({born})", d.child.full_name), likeness(ctx.lang, d.score, &d.reasons))
                    })
                    .collect();
                let mut page = form_page_with(&app, &ctx, &s.actor, "child.new_title", "/children".into(), f, Vec::new(), list);
                *page.status_mut() = StatusCode::CONFLICT;
                return Ok(page);
            }
            Ok(_) => {}
            Err(e) => {
                let errors = crate::messages::form_refusals(ctx.lang, e).map_err(|e| ctx.error(e))?;
                return Ok(form_page(&app, &ctx, &s.actor, "child.new_title", "/children".into(), f, errors));
            }
        }
    }
    match app.children.create(&s.actor, &f.input()).await {
        Ok(id) => Ok(Redirect::to(&format!("/children/{id}")).into_response()),
        Err(e) => {
            let errors = crate::messages::form_refusals(ctx.lang, e).map_err(|e| ctx.error(e))?;
            Ok(form_page(&app, &ctx, &s.actor, "child.new_title", "/children".into(), f, errors))
        }
    }
}

fn masked_text(m: &Masked<Option<String>>) -> String {
    match m {
        Masked::Shown(Some(t)) => t.clone(),
        _ => String::new(),
    }
}

pub async fn child_edit_form(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    s.actor.require(Action::Write).map_err(|e| ctx.error(e))?;
    let v = app.children.get(&s.actor, id).await.map_err(|e| ctx.error(e))?;
    let f = ChildForm {
        csrf: String::new(),
        version: v.version.to_string(),
        full_name: v.full_name.clone(),
        sex: v.sex.as_str().into(),
        birth_date: if v.birth_date_estimated { String::new() } else { v.birth_date.to_string() },
        birth_year: if v.birth_date_estimated { v.birth_date.year().to_string() } else { String::new() },
        residence_unit_id: v.residence_unit.0.to_string(),
        registered_on: v.registered_on.to_string(),
        hiv_status: match v.hiv_status {
            Masked::Shown(Some(h)) => h.as_str().into(),
            _ => String::new(),
        },
        abuse_notes: masked_text(&v.abuse_notes),
        offence_notes: masked_text(&v.offence_notes),
        confirm_new: String::new(),
    };
    Ok(form_page(&app, &ctx, &s.actor, "child.edit_title", format!("/children/{id}"), f, Vec::new()))
}

pub async fn update_child(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ChildForm>,
) -> Result<Response, PageError> {
    let version = f.version.trim().parse::<i64>().map_err(|_| ctx.error(AppError::invalid("version", "missing")))?;
    match app.children.update(&s.actor, id, version, &f.input()).await {
        Ok(()) => Ok(Redirect::to(&format!("/children/{id}")).into_response()),
        Err(e) => {
            let errors = crate::messages::form_refusals(ctx.lang, e).map_err(|e| ctx.error(e))?;
            Ok(form_page(&app, &ctx, &s.actor, "child.edit_title", format!("/children/{id}"), f, errors))
        }
    }
}

pub async fn children_export(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    UiQuery(p): UiQuery<ListParams>,
) -> Result<Response, PageError> {
    let q: String = p.q.unwrap_or_default().chars().take(100).collect();
    crate::export::children_csv_stream(app.clone(), ctx.lang, s.actor.clone(), Some(q)).await.map_err(|e| ctx.error(e))
}

/// The same list as an Excel workbook (dates as dates), written a page at a time.
pub async fn children_export_xlsx(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    UiQuery(p): UiQuery<ListParams>,
) -> Result<Response, PageError> {
    let q: String = p.q.unwrap_or_default().chars().take(100).collect();
    crate::export::children_xlsx(&app, ctx.lang, &s.actor, Some(&q)).await.map_err(|e| ctx.error(e))
}

pub struct PairLine {
    pub a_id: i64,
    pub a: String,
    pub b_id: i64,
    pub b: String,
    /// How alike the two records are, and why, in words (never the score or the rule codes).
    pub likeness: String,
}

/// How alike two records are, in words: the likelihood from the score's band, then the
/// evidence (`dup.reason.<code>` of the matching's reason codes).
fn likeness(lang: crate::i18n::Lang, score: u32, reasons: &[&str]) -> String {
    let band = match score {
        90.. => "dup.level.high",
        80..=89 => "dup.level.medium",
        _ => "dup.level.low",
    };
    let why: Vec<String> = reasons.iter().map(|r| crate::i18n::translate(lang, &format!("dup.reason.{r}")).to_owned()).collect();
    let band = crate::i18n::translate(lang, band);
    if why.is_empty() {
        band.to_owned()
    } else {
        format!("{band}: {}", why.join(", "))
    }
}

#[derive(Template)]
#[template(path = "duplicates.html")]
struct DuplicatesPage {
    c: Chrome,
    pairs: Vec<PairLine>,
}

pub async fn duplicates_page(State(app): State<Arc<App>>, ctx: PageContext, SignedIn(s): SignedIn) -> Result<Response, PageError> {
    let pairs = app.children.review_queue(&s.actor).await.map_err(|e| ctx.error(e))?;
    let label = |c: &treem_app::children::ChildSummary| format!("{} ({})", c.full_name, super::date_text(ctx.lang, &c.birth_date));
    let pairs = pairs
        .iter()
        .map(|(a, b, score, reasons)| PairLine {
            a_id: a.id,
            a: label(a),
            b_id: b.id,
            b: label(b),
            likeness: likeness(ctx.lang, *score, reasons),
        })
        .collect();
    Ok(render(StatusCode::OK, &DuplicatesPage { c: ctx.chrome("children"), pairs }))
}

#[derive(Deserialize)]
pub struct MergeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    duplicate: String,
}

pub async fn merge_child(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(keep): Path<i64>,
    CsrfForm(f): CsrfForm<MergeForm>,
) -> Result<Response, PageError> {
    let duplicate = f.duplicate.trim().parse::<i64>().map_err(|_| ctx.error(AppError::invalid("duplicate", "choose a record")))?;
    app.children.merge(&s.actor, keep, duplicate).await.map_err(|e| ctx.error(e))?;
    Ok(Redirect::to(&format!("/children/{keep}")).into_response())
}

pub async fn unmerge_child(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<MergeForm>,
) -> Result<Response, PageError> {
    app.children.unmerge(&s.actor, id).await.map_err(|e| ctx.error(e))?;
    Ok(Redirect::to(&format!("/children/{id}")).into_response())
}

#[cfg(test)]
mod likeness_tests {
    use super::likeness;
    use crate::i18n::{translate, Lang};

    #[test]
    fn every_reason_of_the_matching_has_words_in_both_languages() {
        for code in treem_domain::dedup::REASON_CODES {
            for lang in [Lang::Vi, Lang::En] {
                let key = format!("dup.reason.{code}");
                assert_ne!(translate(lang, &key), key, "{key} in {lang:?}");
            }
        }
        let text = likeness(Lang::Vi, 95, &["given_name", "birth_date_exact"]);
        assert_eq!(text, "Gần như chắc chắn là một trẻ: trùng tên, trùng ngày sinh");
        assert!(!likeness(Lang::En, 70, &["same_unit"]).contains('_'));
    }
}

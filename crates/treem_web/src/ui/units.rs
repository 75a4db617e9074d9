//! The home page and the units browser.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::sync::Arc;
use time::Date;
use treem_app::units::parse_user_date;
use treem_app::{App, AppError};
use treem_domain::units::{AdminUnit, TreeNode, UnitId, SHARE_WHOLE};

use super::{render, Chrome, PageContext, PageError, UiQuery};

super::form::with_csrf!(UnitStatusForm);

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    c: Chrome,
    unit_count: usize,
    /// The plans at a glance: (code, title, [(target id, status translation key, status)]),
    /// each unit target at its last year shown (public figures only).
    plans: Vec<(String, String, Vec<GlanceTarget>)>,
}

/// (target id, status translation key, status)
type GlanceTarget = (String, String, &'static str);

pub async fn home(State(app): State<Arc<App>>, ctx: PageContext) -> Response {
    // The glance is a convenience: if plans cannot be read, the home page still opens.
    let mut plans = Vec::new();
    let listed = app.plans.shared().await.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "home page: plans not readable");
        Vec::new()
    });
    for p in listed {
        let progress = app.plans.shared_unit_progress(&p).await.map(Arc::unwrap_or_clone).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "home page: plan progress not readable");
            Vec::new()
        });
        let mut targets: Vec<GlanceTarget> = progress
            .into_iter()
            .filter_map(|(id, years)| years.last().map(|y| (id, format!("year_status.{}", y.status.as_str()), y.status.as_str())))
            .collect();
        let milestones = app.plans.milestone_progress(&p).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "home page: milestones not readable");
            Vec::new()
        });
        targets.extend(
            milestones.into_iter().filter_map(|m| m.status.map(|s| (m.target_id, format!("year_status.{}", s.as_str()), s.as_str()))),
        );
        targets.sort_by(|a, b| a.0.cmp(&b.0));
        let title = super::pick(ctx.lang, &p.title_vi, &p.title_en).to_owned();
        plans.push((p.code.clone(), title, targets));
    }
    render(StatusCode::OK, &HomePage { c: ctx.chrome("home"), unit_count: app.units.catalog().units().len(), plans })
}

/// A unit as a page shows it.
pub struct UnitView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level_key: String,
    pub type_key: String,
    pub from: Date,
    pub from_iso: String,
    pub to: Option<Date>,
    pub centroid: Option<String>,
    pub area: Option<String>,
}

impl From<&AdminUnit> for UnitView {
    fn from(u: &AdminUnit) -> Self {
        Self {
            id: u.id.0,
            code: u.code.clone(),
            name: u.name.clone(),
            level_key: format!("level.{}", u.level.as_str()),
            type_key: format!("unit_type.{}", u.unit_type.as_str()),
            from: u.validity.from,
            from_iso: u.validity.from.to_string(),
            to: u.validity.to,
            centroid: u.lat.zip(u.lon).map(|(la, lo)| format!("{la:.4}, {lo:.4}")),
            area: u.area_km2.map(|a| format!("{a:.2}")),
        }
    }
}

pub struct NodeView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: &'static str,
    pub children: Vec<NodeView>,
}

fn node_view(n: &TreeNode) -> NodeView {
    NodeView {
        id: n.unit.id.0,
        code: n.unit.code.clone(),
        name: n.unit.name.clone(),
        level: n.unit.level.as_str(),
        children: n.children.iter().map(node_view).collect(),
    }
}

fn count(nodes: &[TreeNode]) -> usize {
    nodes.iter().map(|n| 1 + count(&n.children)).sum()
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    c: Chrome,
    date: Date,
    date_iso: String,
    today_iso: String,
    roots: Vec<NodeView>,
    count: usize,
    query: String,
    searched: bool,
    hits: Vec<UnitView>,
}

#[derive(Deserialize)]
pub struct UnitsParams {
    date: Option<String>,
    q: Option<String>,
}

pub async fn units_page(State(app): State<Arc<App>>, ctx: PageContext, UiQuery(p): UiQuery<UnitsParams>) -> Result<Response, PageError> {
    let today = app.clock.today_in_vietnam();
    let date = match p.date.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(d) => parse_user_date("date", d).map_err(|error| ctx.error(error))?,
        None => today,
    };
    let query: String = p.q.unwrap_or_default().chars().take(100).collect();
    let searched = !query.trim().is_empty();
    let hits = if searched { app.units.search(&query, 50).iter().map(UnitView::from).collect() } else { Vec::new() };
    let tree = app.units.tree_on(date);
    let page = UnitsPage {
        c: ctx.chrome("units"),
        date,
        date_iso: date.to_string(),
        today_iso: today.to_string(),
        count: count(&tree),
        roots: tree.iter().map(node_view).collect(),
        query,
        searched,
        hits,
    };
    Ok(render(StatusCode::OK, &page))
}

pub struct LinkView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub from: Date,
    pub to: Option<Date>,
}

pub struct SuccessionView {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub effective: Date,
    pub share: String,
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    c: Chrome,
    u: UnitView,
    parents: Vec<LinkView>,
    children: Vec<UnitView>,
    children_on: Date,
    children_on_iso: String,
    predecessors: Vec<SuccessionView>,
    successors: Vec<SuccessionView>,
    same_code: Vec<UnitView>,
    /// (id, kind, from, to, decision)
    statuses: Vec<(i64, String, Date, Option<Date>, String)>,
    can_record: bool,
    today_iso: String,
}

#[derive(serde::Deserialize)]
pub struct UnitStatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    valid_from: String,
    #[serde(default)]
    valid_to: String,
    #[serde(default)]
    decision: String,
}

/// Records a status of the unit (provincial officers; the service decides).
pub async fn add_unit_status(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    crate::session::SignedIn(s): crate::session::SignedIn,
    Path(id): Path<i64>,
    super::CsrfForm(f): super::CsrfForm<UnitStatusForm>,
) -> Result<Response, PageError> {
    let input = treem_app::plans::UnitStatusInput { unit_id: id.to_string(), kind: f.kind, valid_from: f.valid_from, decision: f.decision };
    app.plans.add_unit_status(&s.actor, &input).await.map_err(|e| ctx.error(e))?;
    Ok(axum::response::IntoResponse::into_response(axum::response::Redirect::to(&format!("/units/{id}#statuses"))))
}

pub async fn end_unit_status(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    crate::session::SignedIn(s): crate::session::SignedIn,
    Path((id, status)): Path<(i64, i64)>,
    super::CsrfForm(f): super::CsrfForm<UnitStatusForm>,
) -> Result<Response, PageError> {
    app.plans.end_unit_status(&s.actor, status, &f.valid_to).await.map_err(|e| ctx.error(e))?;
    Ok(axum::response::IntoResponse::into_response(axum::response::Redirect::to(&format!("/units/{id}#statuses"))))
}

/// A share as a plain decimal: 1, 0.25, 0.333333.
pub fn share_text(ppm: i64) -> String {
    let s = format!("{}.{:06}", ppm / SHARE_WHOLE, ppm % SHARE_WHOLE);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

pub async fn unit_page(State(app): State<Arc<App>>, ctx: PageContext, Path(id): Path<String>) -> Result<Response, PageError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound);
    let detail = id.and_then(|id| app.units.detail(UnitId(id))).map_err(|error| ctx.error(error))?;
    let succ = |list: &[(treem_domain::units::Succession, AdminUnit)]| -> Vec<SuccessionView> {
        list.iter()
            .map(|(s, u)| SuccessionView {
                id: u.id.0,
                code: u.code.clone(),
                name: u.name.clone(),
                effective: s.effective,
                share: share_text(s.share_ppm),
            })
            .collect()
    };
    let statuses = app.plans.unit_statuses(Some(detail.unit.id)).await.map_err(|e| ctx.error(e))?;
    let active = ctx.session.as_ref().filter(|s| s.state == treem_app::auth::SessionState::Active);
    let can_record = active.is_some_and(|s| s.actor.authorize_unit_status(detail.unit.id, detail.unit.validity.from).is_ok());
    let page = UnitPage {
        statuses: statuses.into_iter().map(|s| (s.id, format!("unit_status.{}", s.kind), s.valid_from, s.valid_to, s.decision)).collect(),
        can_record,
        today_iso: app.clock.today_in_vietnam().to_string(),
        c: ctx.chrome("units"),
        u: UnitView::from(&detail.unit),
        parents: detail
            .parents
            .iter()
            .map(|(l, p)| LinkView { id: p.id.0, code: p.code.clone(), name: p.name.clone(), from: l.validity.from, to: l.validity.to })
            .collect(),
        children: detail.children.iter().map(UnitView::from).collect(),
        children_on: detail.children_on,
        children_on_iso: detail.children_on.to_string(),
        predecessors: succ(&detail.predecessors),
        successors: succ(&detail.successors),
        same_code: detail.same_code.iter().map(UnitView::from).collect(),
    };
    Ok(render(StatusCode::OK, &page))
}

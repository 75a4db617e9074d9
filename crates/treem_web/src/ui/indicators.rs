//! The indicator catalogue: public metadata and formulas; values by year within the
//! signed-in user's scope; a formula checker that points at the position of an error.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use std::sync::Arc;
use treem_app::plans::Breakdown;
use treem_app::App;
use treem_domain::indicator::{parse_formula, Formula};
use treem_domain::plan::YearProgress;
use treem_domain::units::UnitLevel;

use super::{pick, render, Chrome, PageContext, PageError, UiQuery};
use crate::export::{attachment, breakdown_csv, breakdown_xlsx, BreakdownFile};
use crate::i18n::{translate, Lang};
use crate::params::{breakdown_params, within_param};

super::form::with_csrf!(IndicatorForm);

pub struct IndicatorView {
    pub code: String,
    pub name: String,
    pub concept: String,
    pub formula: String,
    pub disaggregations: String,
    pub source: String,
    pub agency: String,
    pub values: Vec<String>,
    /// The yearly values as a small chart, with a plan target's ceilings (signed-in only).
    pub trend: Option<super::chart::Svg>,
    /// bundled or stored (saved through the UI or the API).
    pub origin: &'static str,
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
    /// The reader may add and change indicators.
    may_edit: bool,
}

#[derive(serde::Deserialize)]
pub struct IndicatorsParams {
    #[serde(default)]
    formula: Option<String>,
}

/// A field an indicator is broken down by, by its label (`disaggregation.KIND.FIELD`, then
/// `disaggregation.FIELD`); a field with no label keeps its name.
fn field_name(lang: Lang, formula: &Formula, f: &str) -> String {
    let kind = match formula {
        Formula::Count(c) | Formula::Ratio(c, _) => c.fact.as_str(),
    };
    for key in [format!("disaggregation.{kind}.{f}"), format!("disaggregation.{f}")] {
        let label = translate(lang, &key);
        if label != key {
            return label.to_owned();
        }
    }
    f.to_owned()
}

/// The bundled catalogue's sources (written in English in `data/indicators/catalogue.toml`) in
/// the page's language; a source typed by an officer is shown as typed.
fn source_text(lang: Lang, source: &str) -> String {
    let key = match source {
        "case management in treem (stored tasks and their due times)" => "indicators.src_case_tasks",
        "case management in treem" => "indicators.src_cases",
        "fund movements recorded in treem" => "indicators.src_fund",
        "incidents recorded in treem" => "indicators.src_incidents",
        "the register of children in treem (household poverty by year)" => "indicators.src_children_poverty",
        "the register of children in treem" => "indicators.src_children",
        "the register of households in treem (poverty status by year)" => "indicators.src_households",
        "unit statuses recorded in treem from the provincial decisions" => "indicators.src_unit_statuses",
        "values reported by the Dept. of Culture, Sports and Tourism" => "indicators.src_reported_culture",
        "values reported by the Dept. of Education and Training" => "indicators.src_reported_education",
        "values reported by the Dept. of Health" => "indicators.src_reported_health",
        "values reported by the Dept. of Justice" => "indicators.src_reported_justice",
        _ => return source.to_owned(),
    };
    translate(lang, key).to_owned()
}

/// A value as shown: a count, a percentage with two decimals, or "no data".
pub fn value_text(lang: Lang, formula: &Formula, v: Option<i64>) -> String {
    match (formula, v) {
        (_, None) => translate(lang, "indicators.no_data").to_owned(),
        (Formula::Count(_), Some(n)) => lang.integer(n),
        (Formula::Ratio(..), Some(h)) => lang.percent(h),
    }
}

/// An indicator's yearly values as a small chart, with the ceilings of the plan target
/// (named by plan and target) that follows it, if any: the chart's years and the
/// ceiling's legend.
fn trend_years(
    lang: Lang,
    formula: &Formula,
    values: &[(i32, Option<i64>)],
    target: Option<&(String, Vec<YearProgress>)>,
) -> (Vec<super::chart::TrendYear>, String) {
    let years: Vec<super::chart::TrendYear> = values
        .iter()
        .map(|(year, v)| super::chart::TrendYear {
            year: *year,
            value_hundredths: v.map(|v| if matches!(formula, Formula::Ratio(..)) { v } else { v * 100 }),
            label: value_text(lang, formula, *v),
            ceiling_hundredths: target.and_then(|(_, ys)| ys.iter().find(|p| p.year == *year)).and_then(|p| p.target_hundredths),
        })
        .collect();
    let ceiling = target.map(|(t, _)| format!("{} {t}", translate(lang, "indicators.trend_ceiling"))).unwrap_or_default();
    (years, ceiling)
}

fn trend_svg(
    lang: Lang,
    name: &str,
    formula: &Formula,
    values: &[(i32, Option<i64>)],
    target: Option<&(String, Vec<YearProgress>)>,
) -> super::chart::Svg {
    let (years, ceiling) = trend_years(lang, formula, values, target);
    super::chart::trend_chart(lang, name, translate(lang, "indicators.trend_value"), &ceiling, &years)
}

/// The first target (oldest plan first) following each indicator, whose ceilings the trend draws.
async fn trend_targets(
    app: &App,
    actor: &treem_app::Actor,
) -> Result<std::collections::BTreeMap<String, (String, Vec<YearProgress>)>, treem_app::AppError> {
    let mut targets = std::collections::BTreeMap::new();
    for plan in app.plans.shared().await? {
        for t in Arc::unwrap_or_clone(app.plans.shared_progress(actor, &plan).await?) {
            targets.entry(t.indicator.clone()).or_insert((format!("{} {}", plan.code, t.target_id), t.years));
        }
    }
    Ok(targets)
}

#[derive(serde::Deserialize)]
pub struct TrendParams {
    #[serde(default)]
    format: Option<String>,
}

/// An indicator's trend chart as on `/indicators`, as a file: SVG, or PNG with `?format=png`.
pub async fn indicator_trend(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    crate::session::SignedIn(s): crate::session::SignedIn,
    axum::extract::Path(code): axum::extract::Path<String>,
    UiQuery(p): UiQuery<TrendParams>,
) -> Result<Response, PageError> {
    let lang = ctx.lang;
    let (indicator, formula) = app.plans.indicator(&code).await.map_err(|e| ctx.error(e))?;
    let this_year = app.clock.today_in_vietnam().year();
    let targets = trend_targets(&app, &s.actor).await.map_err(|e| ctx.error(e))?;
    let target = targets.get(&code);
    let from = target.and_then(|(_, years)| years.first()).map_or(this_year - 5, |y| y.year.min(this_year - 5));
    let values = app.plans.indicator_values(&s.actor, &code, from..=this_year, None).await.map_err(|e| ctx.error(e))?;
    let name = pick(lang, &indicator.name_vi, &indicator.name_en).to_owned();
    match p.format.as_deref() {
        Some("png") => {
            let (years, ceiling) = trend_years(lang, &formula, &values, target);
            let png = super::chart::trend_chart_png(lang, translate(lang, "indicators.trend_value"), &ceiling, &years)
                .map_err(|e| ctx.error(e))?;
            Ok(attachment("image/png", &format!("{code}-trend.png"), png))
        }
        None | Some("" | "svg") => {
            Ok(attachment("image/svg+xml", &format!("{code}-trend.svg"), trend_svg(lang, &name, &formula, &values, target).into_string()))
        }
        Some(_) => Err(ctx.error(treem_app::AppError::invalid("format", "svg or png"))),
    }
}

pub async fn indicators_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    UiQuery(p): UiQuery<IndicatorsParams>,
) -> Result<Response, PageError> {
    let lang = ctx.lang;
    let catalogue = app.plans.catalogue().await.map_err(|e| ctx.error(e))?;
    let active = ctx.session.as_ref().filter(|s| s.state == treem_app::auth::SessionState::Active);
    let actor = active.map(|s| &s.actor).filter(|a| a.role.may(treem_domain::access::Action::List));
    let this_year = app.clock.today_in_vietnam().year();
    let years = actor.map(|_| ((this_year - 5)..=this_year).collect::<Vec<i32>>());
    // The first target (oldest plan first) following each indicator draws its ceilings.
    let targets = match actor {
        Some(a) => trend_targets(&app, a).await.map_err(|e| ctx.error(e))?,
        None => Default::default(),
    };
    // The responsible agency is named as the plans name it (a catalogue entry holds a plan's agency id).
    let plans = app.plans.shared().await.map_err(|e| ctx.error(e))?;
    let agency_name = |id: &str| {
        plans
            .iter()
            .flat_map(|p| p.agencies.iter())
            .find(|a| a.id == id)
            .map_or_else(|| id.to_owned(), |a| pick(lang, &a.name_vi, &a.name_en).to_owned())
    };
    let mut list = Vec::new();
    for ((i, formula), meta) in catalogue.with_meta() {
        let name = pick(lang, &i.name_vi, &i.name_en).to_owned();
        let (values, trend) = match actor {
            Some(a) => {
                let target = targets.get(&i.code);
                let from = target.and_then(|(_, years)| years.first()).map_or(this_year - 5, |y| y.year.min(this_year - 5));
                let all = app.plans.indicator_values(a, &i.code, from..=this_year, None).await.map_err(|e| ctx.error(e))?;
                let values = all.iter().filter(|(y, _)| *y >= this_year - 5).map(|(_, v)| value_text(lang, formula, *v)).collect();
                (values, Some(trend_svg(lang, &name, formula, &all, target)))
            }
            None => (Vec::new(), None),
        };
        list.push(IndicatorView {
            code: i.code.clone(),
            name,
            concept: pick(lang, &i.concept_vi, &i.concept_en).to_owned(),
            formula: i.formula.clone(),
            disaggregations: i.disaggregations.iter().map(|f| field_name(lang, formula, f)).collect::<Vec<_>>().join(", "),
            source: source_text(lang, &i.source),
            agency: agency_name(&i.agency),
            values,
            trend,
            origin: meta.origin.as_str(),
        });
    }
    let may_edit = active.is_some_and(|s| s.actor.may_edit_catalogue());
    let formula = p.formula.unwrap_or_default();
    let check = (!formula.trim().is_empty()).then(|| match parse_formula(&formula) {
        Ok(_) => translate(lang, "indicators.formula_ok").to_owned(),
        Err(e) => format!("{} {}: {}", translate(lang, "indicators.formula_error"), e.position, e.message),
    });
    Ok(render(StatusCode::OK, &IndicatorsPage { c: ctx.chrome("plan"), list, years, formula, check, may_edit }))
}

#[derive(Template)]
#[template(path = "indicator.html")]
struct IndicatorPage {
    c: Chrome,
    code: String,
    name: String,
    formula: String,
    year: i32,
    on_iso: String,
    level: String,
    /// The units as shown: filtered by `filter`, in the order of `sort`.
    rows: Vec<BreakdownRow>,
    /// How many units the breakdown has before the filter.
    all_rows: usize,
    /// The filter typed (part of a unit's name, code or parent's name) and the order chosen.
    filter: String,
    sort: &'static str,
    /// `year=…&on=…&level=…` (escaped by the template), for the links that keep the table's choice.
    query: String,
    /// The map of districts or communes, and the units it cannot place.
    map: Option<super::chart::Svg>,
    no_position: Vec<String>,
    total: String,
    unmapped: i64,
    estimated: bool,
    /// The fields this indicator may be broken down by: (code, label).
    by_fields: Vec<(String, String)>,
    by: Option<ByView>,
    /// The unit whose subtree the breakdown by field covers: (id, name); none: the whole scope.
    within: Option<(i64, String)>,
    /// The field the units' "by field" links open (the one chosen, or the first).
    unit_by: String,
    /// The list the figures link to, the records behind them (`/incidents`, `/children`
    /// or `/cases`); for a ratio, its numerator's records.
    drill: &'static str,
    ratio: bool,
}

/// One unit of the breakdown table.
struct BreakdownRow {
    id: i64,
    name: String,
    /// Where two units of the table share a name: the parent's name and the code, to tell them apart.
    place: String,
    value: String,
}

/// A query-string value percent-encoded (UTF-8), every byte but the unreserved ones.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The orders the breakdown table may be shown in (`sort=`): by name (Vietnamese collation),
/// by value, largest first or smallest first (no data last either way), by code.
const SORTS: [&str; 4] = ["name", "value_desc", "value_asc", "code"];

/// The breakdown's units as shown: named (a shared name with its parent and code), kept when
/// the filter is part of the name, the code or the parent's name (diacritics and case ignored),
/// sorted.
fn breakdown_rows(app: &App, lang: Lang, formula: &Formula, b: &Breakdown, on: time::Date, filter: &str, sort: &str) -> Vec<BreakdownRow> {
    use treem_domain::text::{cmp_vi, search_key};
    let catalog = app.units.catalog();
    let mut names: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (_, name, _) in &b.rows {
        *names.entry(search_key(name)).or_default() += 1;
    }
    let key = search_key(filter);
    let mut rows: Vec<(BreakdownRow, Option<i64>, String)> = b
        .rows
        .iter()
        .filter_map(|(id, name, v)| {
            let code = catalog.get(*id).map(|u| u.code.clone()).unwrap_or_default();
            let parent = catalog.parent_on(*id, on).and_then(|p| catalog.get(p)).map(|p| p.name.clone()).unwrap_or_default();
            let shared = names.get(&search_key(name)).is_some_and(|n| *n > 1);
            let place = if shared {
                match parent.is_empty() {
                    true => format!("{} {code}", translate(lang, "indicators.unit_code")),
                    false => format!("{parent} · {} {code}", translate(lang, "indicators.unit_code")),
                }
            } else {
                String::new()
            };
            let keep = key.is_empty() || [name.as_str(), code.as_str(), parent.as_str()].iter().any(|t| search_key(t).contains(&key));
            keep.then(|| (BreakdownRow { id: id.0, name: name.clone(), place, value: value_text(lang, formula, *v) }, *v, code))
        })
        .collect();
    let by_name = |a: &(BreakdownRow, Option<i64>, String), b: &(BreakdownRow, Option<i64>, String)| {
        cmp_vi(&a.0.name, &b.0.name).then_with(|| cmp_vi(&a.0.place, &b.0.place))
    };
    match sort {
        "value_desc" => rows.sort_by(|a, b| match (a.1, b.1) {
            (Some(x), Some(y)) => y.cmp(&x).then_with(|| by_name(a, b)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => by_name(a, b),
        }),
        "value_asc" => rows.sort_by(|a, b| match (a.1, b.1) {
            (Some(x), Some(y)) => x.cmp(&y).then_with(|| by_name(a, b)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => by_name(a, b),
        }),
        "code" => rows.sort_by(|a, b| a.2.cmp(&b.2)),
        _ => rows.sort_by(by_name),
    }
    rows.into_iter().map(|r| r.0).collect()
}

/// The year's figure broken down by one field, as shown.
struct ByView {
    /// The field, or the two crossed ("sex,age_band").
    field: String,
    label: String,
    /// Fields that may be crossed with the one chosen: (the `by` value, label).
    cross: Vec<(String, String)>,
    /// (value label, figure)
    rows: Vec<(String, String)>,
    /// Empty when every record has a value for the field.
    not_recorded: String,
    total: String,
}

#[derive(serde::Deserialize)]
pub struct BreakdownParams {
    #[serde(default)]
    year: Option<String>,
    #[serde(default)]
    on: Option<String>,
    #[serde(default)]
    level: Option<String>,
    /// csv or xlsx: the table as a file; svg: the map.
    #[serde(default)]
    format: Option<String>,
    /// A field to break the year's figure down by (sex, age band, setting…).
    #[serde(default)]
    by: Option<String>,
    /// The unit (id, on the map of `on`) whose subtree the breakdown by field covers; none: the whole scope.
    #[serde(default)]
    unit: Option<String>,
    /// The table's order: one of `SORTS` (default: by name).
    #[serde(default)]
    sort: Option<String>,
    /// Only the units whose name, code or parent's name contains this.
    #[serde(default)]
    q: Option<String>,
}

/// The breakdown's units as circles on a map, and the names of those without a position.
fn breakdown_map(app: &App, lang: Lang, title: &str, formula: &Formula, b: &Breakdown, kind: MapKind) -> (MapPicture, Vec<String>) {
    let catalog = app.units.catalog();
    let mut points = Vec::new();
    let mut missing = Vec::new();
    for (id, name, value) in &b.rows {
        match catalog.get(*id).and_then(|u| Some((u.lat?, u.lon?))) {
            Some((lat, lon)) => points.push(super::map::MapPoint {
                unit_id: id.0,
                name: name.clone(),
                lat,
                lon,
                value: *value,
                label: value_text(lang, formula, *value),
            }),
            None => missing.push(name.clone()),
        }
    }
    let text =
        super::map::MapText { title, no_data: translate(lang, "indicators.no_data"), legend: translate(lang, "indicators.map_legend") };
    let picture = match kind {
        MapKind::Svg => MapPicture::Svg(super::map::unit_map(&text, &points, &|v| value_text(lang, formula, Some(v)))),
        MapKind::Png => MapPicture::Png(super::map::unit_map_png(&text, &points, &|v| value_text(lang, formula, Some(v)))),
    };
    (picture, missing)
}

#[derive(Clone, Copy)]
enum MapKind {
    Svg,
    Png,
}

enum MapPicture {
    Svg(super::chart::Svg),
    Png(Result<Vec<u8>, treem_app::AppError>),
}

pub async fn indicator_page(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    crate::session::SignedIn(s): crate::session::SignedIn,
    axum::extract::Path(code): axum::extract::Path<String>,
    UiQuery(p): UiQuery<BreakdownParams>,
) -> Result<Response, PageError> {
    let lang = ctx.lang;
    let (indicator, formula) = app.plans.indicator(&code).await.map_err(|e| ctx.error(e))?;
    let (year, on, level) =
        breakdown_params(p.year.as_deref(), p.on.as_deref(), p.level.as_deref(), app.clock.today_in_vietnam()).map_err(|e| ctx.error(e))?;
    let b = app.plans.indicator_breakdown(&s.actor, &code, year, on, level).await.map_err(|e| ctx.error(e))?;
    let name = pick(lang, &indicator.name_vi, &indicator.name_en).to_owned();
    let kind = if p.format.as_deref() == Some("png") { MapKind::Png } else { MapKind::Svg };
    let (map, no_position) = match level {
        UnitLevel::District | UnitLevel::Commune => {
            let (picture, missing) = breakdown_map(&app, lang, &format!("{name} – {year}"), &formula, &b, kind);
            (Some(picture), missing)
        }
        _ => (None, Vec::new()),
    };
    let no_map = || ctx.error(treem_app::AppError::invalid("format", "a map needs districts or communes"));
    let file = |ext: &str| format!("{code}-{year}-{}.{ext}", level.as_str());
    let map = match (p.format.as_deref(), map) {
        (Some("csv"), _) => return Ok(breakdown_csv(&app, lang, &BreakdownFile { code: &code, name: &name, year, on, level }, &b)),
        (Some("xlsx"), _) => return Ok(breakdown_xlsx(&app, lang, &BreakdownFile { code: &code, name: &name, year, on, level }, &b)),
        (Some("svg"), Some(MapPicture::Svg(svg))) => return Ok(attachment("image/svg+xml", &file("svg"), svg.into_string())),
        (Some("png"), Some(MapPicture::Png(png))) => return Ok(attachment("image/png", &file("png"), png.map_err(|e| ctx.error(e))?)),
        (Some("svg" | "png"), _) => return Err(no_map()),
        (_, Some(MapPicture::Svg(svg))) => Some(svg),
        _ => None,
    };
    let total = match &formula {
        Formula::Count(_) => lang.integer(b.rows.iter().filter_map(|r| r.2).sum::<i64>()),
        Formula::Ratio(..) => String::new(),
    };
    // A field's label may depend on the fact kind (a fund's `source` is where money comes from, a case's where a report did).
    let kind = match &formula {
        Formula::Count(c) | Formula::Ratio(c, _) => c.fact.as_str(),
    };
    let field_label = |f: &str| {
        let own = format!("disaggregation.{kind}.{f}");
        let label = translate(lang, &own);
        if label == own {
            translate(lang, &format!("disaggregation.{f}")).to_owned()
        } else {
            label.to_owned()
        }
    };
    let by_fields: Vec<(String, String)> =
        formula.disaggregations(&indicator.disaggregations).iter().map(|(f, _)| (f.to_string(), field_label(f))).collect();
    // The breakdown by field may cover one unit's subtree, read on the map of the page's day.
    let on_text = on.to_string();
    let within = within_param(p.unit.as_deref(), Some(&on_text), app.clock.today_in_vietnam()).map_err(|e| ctx.error(e))?;
    let unit_by = p.by.clone().filter(|b| by_fields.iter().any(|(f, _)| f == b)).or_else(|| by_fields.first().map(|(f, _)| f.clone()));
    let by = match p.by.as_deref().filter(|b| !b.is_empty()) {
        None => None,
        Some(field) => {
            let d = app.plans.indicator_disaggregation(&s.actor, &code, field, year, within).await.map_err(|e| ctx.error(e))?;
            let rows = d
                .rows
                .iter()
                .map(|(v, w, n)| {
                    let mut label = translate(lang, &format!("{}.{v}", d.field)).to_owned();
                    if let (Some(w), Some(second)) = (w, d.second) {
                        label = format!("{label} · {}", translate(lang, &format!("{second}.{w}")));
                    }
                    (label, value_text(lang, &formula, *n))
                })
                .collect();
            let not_recorded = d.not_recorded.filter(|n| *n != 0).map(|n| n.to_string()).unwrap_or_default();
            let (field, label) = match d.second {
                None => (d.field.to_owned(), field_label(d.field)),
                Some(second) => (format!("{},{second}", d.field), format!("{} × {}", field_label(d.field), field_label(second))),
            };
            // With one field chosen, each other field may be crossed with it.
            let cross = match d.second {
                None => by_fields.iter().filter(|(f, _)| f != d.field).map(|(f, l)| (format!("{},{f}", d.field), l.clone())).collect(),
                Some(_) => Vec::new(),
            };
            Some(ByView { field, label, cross, rows, not_recorded, total: value_text(lang, &formula, d.total) })
        }
    };
    let sort = p.sort.as_deref().and_then(|s| SORTS.iter().copied().find(|x| *x == s)).unwrap_or("name");
    let filter = p.q.as_deref().map(str::trim).unwrap_or_default().chars().take(100).collect::<String>();
    let rows = breakdown_rows(&app, lang, &formula, &b, on, &filter, sort);
    let mut query = format!("year={year}&on={on}&level={}", level.as_str());
    if !filter.is_empty() {
        query.push_str("&q=");
        query.push_str(&query_escape(&filter));
    }
    let page = IndicatorPage {
        rows,
        all_rows: b.rows.len(),
        filter,
        sort,
        query,
        name,
        map,
        no_position,
        formula: indicator.formula.clone(),
        code,
        year,
        on_iso: on.to_string(),
        level: level.as_str().to_owned(),
        total,
        unmapped: b.unmapped,
        estimated: b.estimated,
        by_fields,
        by,
        within: within.map(|w| (w.unit.0, app.units.catalog().get(w.unit).map(|u| u.name.clone()).unwrap_or_default())),
        unit_by: unit_by.unwrap_or_default(),
        drill: match &formula {
            Formula::Count(c) | Formula::Ratio(c, _) => match c.fact {
                treem_domain::indicator::FactKind::Incidents => "/incidents",
                treem_domain::indicator::FactKind::Children => "/children",
                treem_domain::indicator::FactKind::Cases => "/cases",
                treem_domain::indicator::FactKind::Units
                | treem_domain::indicator::FactKind::Reported
                | treem_domain::indicator::FactKind::Fund
                | treem_domain::indicator::FactKind::Households => "",
            },
        },
        ratio: matches!(&formula, Formula::Ratio(..)),
        c: ctx.chrome("plan"),
    };
    Ok(render(StatusCode::OK, &page))
}

/// An indicator definition as typed in the form (every field kept as typed, so that an
/// error never loses what the user wrote).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct IndicatorForm {
    #[serde(default)]
    csrf: String,
    /// The revision the form was opened on; empty for a new indicator.
    #[serde(default)]
    revision: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    name_vi: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    concept_vi: String,
    #[serde(default)]
    concept_en: String,
    #[serde(default)]
    formula: String,
    /// Comma-separated.
    #[serde(default)]
    disaggregations: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    agency: String,
}

impl IndicatorForm {
    fn of(i: &treem_domain::indicator::Indicator, revision: i64) -> Self {
        Self {
            csrf: String::new(),
            revision: revision.to_string(),
            code: i.code.clone(),
            name_vi: i.name_vi.clone(),
            name_en: i.name_en.clone(),
            concept_vi: i.concept_vi.clone(),
            concept_en: i.concept_en.clone(),
            formula: i.formula.clone(),
            disaggregations: i.disaggregations.join(", "),
            period: i.period.clone(),
            source: i.source.clone(),
            agency: i.agency.clone(),
        }
    }

    fn definition(&self) -> treem_domain::indicator::Indicator {
        treem_domain::indicator::Indicator {
            code: self.code.trim().to_owned(),
            name_vi: self.name_vi.clone(),
            name_en: self.name_en.clone(),
            concept_vi: self.concept_vi.clone(),
            concept_en: self.concept_en.clone(),
            formula: self.formula.clone(),
            disaggregations: self.disaggregations.split(',').map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()).collect(),
            period: self.period.clone(),
            source: self.source.clone(),
            agency: self.agency.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "indicator_form.html")]
struct IndicatorFormPage {
    c: Chrome,
    /// A new indicator (the code is typed) or an edit (the code is fixed).
    new: bool,
    action: String,
    f: IndicatorForm,
    errors: Vec<(String, String)>,
    /// The formula's error, with its position, shown under the field.
    formula_error: Option<String>,
    /// The revision just saved, after a save.
    saved: Option<String>,
    /// Plans naming this indicator: (plan code, where).
    used_by: Vec<(String, String)>,
    /// Fields each fact may be broken down by, as a hint: (fact, fields).
    fields_hint: Vec<(&'static str, String)>,
}

fn form_page(
    ctx: &PageContext,
    new: bool,
    f: IndicatorForm,
    errors: Vec<(String, String)>,
    saved: Option<String>,
    used_by: Vec<(String, Vec<String>)>,
) -> Response {
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let formula_error = errors.iter().find(|(field, _)| field == "formula").map(|(_, m)| m.clone());
    let action = if new { "/indicators/new".to_owned() } else { format!("/indicators/{}/edit", f.code) };
    let fields_hint = treem_domain::indicator::FactKind::ALL
        .iter()
        .map(|k| (k.as_str(), k.fields().iter().map(|(f, _)| *f).collect::<Vec<_>>().join(", ")))
        .collect();
    let page = IndicatorFormPage {
        c: ctx.chrome("plan"),
        new,
        action,
        f,
        errors,
        formula_error,
        saved,
        used_by: used_by.into_iter().map(|(plan, uses)| (plan, uses.join(", "))).collect(),
        fields_hint,
    };
    render(status, &page)
}

/// The form for a new indicator (provincial officers and administrators).
pub async fn indicator_new_form(ctx: PageContext, crate::session::SignedIn(s): crate::session::SignedIn) -> Result<Response, PageError> {
    s.actor.authorize_catalogue_edit().map_err(|e| ctx.error(e))?;
    let f = IndicatorForm { period: "year".into(), disaggregations: "unit".into(), ..Default::default() };
    Ok(form_page(&ctx, true, f, Vec::new(), None, Vec::new()))
}

#[derive(serde::Deserialize)]
pub struct EditParams {
    /// Set after a save: the revision saved.
    #[serde(default)]
    saved: Option<String>,
}

/// The form to change an indicator (a bundled one is overlaid by the saved definition).
pub async fn indicator_edit_form(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    crate::session::SignedIn(s): crate::session::SignedIn,
    axum::extract::Path(code): axum::extract::Path<String>,
    UiQuery(p): UiQuery<EditParams>,
) -> Result<Response, PageError> {
    s.actor.authorize_catalogue_edit().map_err(|e| ctx.error(e))?;
    let catalogue = app.plans.catalogue().await.map_err(|e| ctx.error(e))?;
    let (i, _) = catalogue.find(&code).ok_or_else(|| ctx.error(treem_app::AppError::NotFound))?;
    let revision = catalogue.meta(&code).map_or(0, |m| m.revision);
    let used_by = app.plans.plans_using(&code).await.map_err(|e| ctx.error(e))?;
    let saved = p.saved.filter(|r| r.parse::<i64>().is_ok());
    Ok(form_page(&ctx, false, IndicatorForm::of(i, revision), Vec::new(), saved, used_by))
}

/// Saves a new indicator; an error shows the form again with what was typed.
pub async fn create_indicator(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    crate::session::SignedIn(s): crate::session::SignedIn,
    super::CsrfForm(f): super::CsrfForm<IndicatorForm>,
) -> Result<Response, PageError> {
    save(&app, &ctx, &s.actor, f, None).await
}

/// Saves a changed indicator; an error shows the form again with what was typed.
pub async fn update_indicator(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    crate::session::SignedIn(s): crate::session::SignedIn,
    axum::extract::Path(code): axum::extract::Path<String>,
    super::CsrfForm(mut f): super::CsrfForm<IndicatorForm>,
) -> Result<Response, PageError> {
    // The code is the page's, never the form's.
    f.code = code;
    let Ok(revision) = f.revision.trim().parse::<i64>() else {
        return Ok(form_page(&ctx, false, f, vec![("revision".into(), "missing: open the form again".into())], None, Vec::new()));
    };
    save(&app, &ctx, &s.actor, f, Some(revision)).await
}

async fn save(
    app: &App,
    ctx: &PageContext,
    actor: &treem_app::Actor,
    f: IndicatorForm,
    revision: Option<i64>,
) -> Result<Response, PageError> {
    match app.plans.save_indicator(actor, &f.definition(), revision).await {
        Ok(saved) => Ok(axum::response::IntoResponse::into_response(axum::response::Redirect::to(&format!(
            "/indicators/{}/edit?saved={}",
            saved.code, saved.revision
        )))),
        Err(e) => {
            let errors = crate::messages::form_refusals(ctx.lang, e).map_err(|e| ctx.error(e))?;
            // An indicator's version is its revision.
            let errors: Vec<(String, String)> =
                errors.into_iter().map(|(f, m)| (if f == "version" { "revision".to_owned() } else { f }, m)).collect();
            let used_by = if revision.is_some() { app.plans.plans_using(&f.code).await.unwrap_or_default() } else { Vec::new() };
            Ok(form_page(ctx, revision.is_none(), f, errors, None, used_by))
        }
    }
}

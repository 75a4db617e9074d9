//! Plans as data: imported from a TOML file (or the API), checked, stored whole,
//! read by anyone (a plan is a public document).

use std::collections::BTreeMap;
use std::sync::Arc;
use treem_domain::access::Action;
use treem_domain::access::Role;
use treem_domain::audit::Outcome;
use treem_domain::indicator::{
    check_definition, counts_on_map, parse_catalogue, percent_hundredths, public_values_together, FactKind, Facts, Formula, Indicator,
    PublicValue,
};
use treem_domain::plan::{
    check_plan, is_yearly_change, milestone_status, unit_status_progress, unit_target_progress, yearly_change_progress, MilestoneUnit,
    Plan, StatusYear, UnitTargetYears, YearProgress, YearStatus, UNIT_STATUSES,
};
use treem_domain::units::{UnitId, UnitLevel};
use treem_storage::{IndicatorRow, PlanRow, StorageError, Store, UnitStatusRow};

use crate::accounts::Operator;
use crate::facts::FactCache;
use crate::figures::PlanFigures;
use crate::units::UnitService;
use crate::Actor;
use crate::AppError;

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanImport {
    Added,
    Updated,
    Unchanged,
}

/// An indicator by unit for one year.
#[derive(Debug, Clone)]
pub struct Breakdown {
    pub ratio: bool,
    /// (unit, name, value): a count, or a percentage in hundredths; none is "no data".
    pub rows: Vec<(UnitId, String, Option<i64>)>,
    /// Counts on units with no path onto the chosen map (never dropped silently).
    pub unmapped: i64,
    /// Some figure was apportioned over a split (an estimate, not a recorded fact).
    pub estimated: bool,
}

/// An indicator for one year by the values of one field.
#[derive(Debug, Clone)]
pub struct Disaggregation {
    pub field: &'static str,
    /// A second field crossed with the first (`by=sex,age_band`), if asked for.
    pub second: Option<&'static str>,
    pub ratio: bool,
    /// (value code, the second field's value code when crossed, figure): a count, or a
    /// percentage in hundredths; none is "no data".
    pub rows: Vec<(String, Option<String>, Option<i64>)>,
    /// Counts only: records with no value for the field (for either field, when crossed).
    pub not_recorded: Option<i64>,
    pub total: Option<i64>,
}

/// An indicator for every year and every unit of one map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorTable {
    pub code: String,
    pub ratio: bool,
    /// A count, or a percentage in hundredths; none is "no data" (a zero denominator).
    pub values: BTreeMap<i32, BTreeMap<UnitId, Option<i64>>>,
    pub unmapped: i64,
    pub estimated: bool,
}

/// One indicator over `facts` for every year and unit of the map of `map_on`.
pub fn indicator_table(
    catalog: &treem_domain::units::UnitCatalog,
    indicator: &Indicator,
    formula: &Formula,
    facts: &Facts,
    years: std::ops::RangeInclusive<i32>,
    map_on: time::Date,
) -> IndicatorTable {
    let count = |c| counts_on_map(catalog, c, facts, years.clone(), map_on);
    match formula {
        Formula::Count(c) => table_of(indicator, &count(c), None),
        Formula::Ratio(n, d) => table_of(indicator, &count(n), Some(&count(d))),
    }
}

/// Every indicator of `entries`, as [`indicator_table`] gives each, with every distinct
/// count made once (a ratio's denominator is often another indicator's count: all cases,
/// all children) and the counts spread over the machine's cores. For batch work (the
/// whole engine at once): it keeps the calling thread until done.
pub fn indicator_tables(
    catalog: &treem_domain::units::UnitCatalog,
    entries: &[(Indicator, Formula)],
    facts: &Facts,
    years: std::ops::RangeInclusive<i32>,
    map_on: time::Date,
) -> Vec<IndicatorTable> {
    let counts_of = |f: &Formula| -> Vec<treem_domain::indicator::Count> {
        match f {
            Formula::Count(c) => vec![c.clone()],
            Formula::Ratio(n, d) => vec![n.clone(), d.clone()],
        }
    };
    let mut distinct: Vec<(String, treem_domain::indicator::Count)> = Vec::new();
    for c in entries.iter().flat_map(|(_, f)| counts_of(f)) {
        let key = c.key();
        if !distinct.iter().any(|(k, _)| *k == key) {
            distinct.push((key, c));
        }
    }
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get).clamp(1, distinct.len().max(1));
    let mut made: std::collections::HashMap<String, treem_domain::indicator::MapCounts> = std::collections::HashMap::new();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (distinct, years) = (&distinct, years.clone());
                scope.spawn(move || {
                    distinct
                        .iter()
                        .skip(t)
                        .step_by(threads)
                        .map(|(key, c)| (key.clone(), counts_on_map(catalog, c, facts, years.clone(), map_on)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for worker in workers {
            // A worker that panicked takes the whole computation with it, never a silent gap.
            made.extend(worker.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
        }
    });
    let empty = treem_domain::indicator::MapCounts::default();
    let get = |c: &treem_domain::indicator::Count| made.get(&c.key()).unwrap_or(&empty);
    entries
        .iter()
        .map(|(i, f)| match f {
            Formula::Count(c) => table_of(i, get(c), None),
            Formula::Ratio(n, d) => table_of(i, get(n), Some(get(d))),
        })
        .collect()
}

/// An indicator's table from its counts on the map (a ratio's numerator and denominator).
fn table_of(
    indicator: &Indicator,
    num: &treem_domain::indicator::MapCounts,
    den: Option<&treem_domain::indicator::MapCounts>,
) -> IndicatorTable {
    let values = match den {
        None => num.by_year.iter().map(|(y, units)| (*y, units.iter().map(|(u, n)| (*u, Some(*n))).collect())).collect(),
        Some(den) => den
            .by_year
            .iter()
            .map(|(y, units)| {
                let top = num.by_year.get(y);
                (*y, units.iter().map(|(u, d)| (*u, percent_hundredths(top.and_then(|t| t.get(u)).copied().unwrap_or(0), *d))).collect())
            })
            .collect(),
    };
    IndicatorTable {
        code: indicator.code.clone(),
        ratio: den.is_some(),
        values,
        unmapped: num.unmapped + den.map_or(0, |d| d.unmapped),
        estimated: num.estimated || den.is_some_and(|d| d.estimated),
    }
}

/// A public indicator's yearly values.
#[derive(Debug, Clone)]
pub struct PublicIndicator {
    pub indicator: Indicator,
    pub ratio: bool,
    pub years: Vec<(i32, PublicValue)>,
}

/// Where a catalogue entry's definition comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// data/indicators/catalogue.toml, as released.
    Bundled,
    /// Saved through the UI or the API (a new code, or a bundled one changed).
    Stored,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Bundled => "bundled",
            Origin::Stored => "stored",
        }
    }
}

/// Where an entry comes from and the revision an edit of it starts from (0: none stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryMeta {
    pub origin: Origin,
    pub revision: i64,
    /// The bundled entry has this code too (a stored one overlays it).
    pub bundled: bool,
    pub saved_at: Option<String>,
}

/// The effective indicator catalogue: the bundled entries, each overlaid by a stored
/// definition of the same code, then the stored new codes (by code). Derefs to the
/// entries; `meta` runs parallel to them.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    entries: Vec<(Indicator, Formula)>,
    meta: Vec<EntryMeta>,
}

impl std::ops::Deref for Catalogue {
    type Target = [(Indicator, Formula)];
    fn deref(&self) -> &[(Indicator, Formula)] {
        &self.entries
    }
}

impl Catalogue {
    /// The bundled entries overlaid by `stored` (each parsed and checked again: a stored
    /// definition the formula language no longer accepts is an error, not a silent gap).
    fn effective(bundled: &[(Indicator, Formula)], stored: &[IndicatorRow]) -> Result<Self, AppError> {
        let mut parsed = BTreeMap::new();
        for row in stored {
            let broken = |e: String| AppError::Internal(format!("stored indicator {}: {e}", row.code));
            let i: Indicator = serde_json::from_str(&row.document).map_err(|e| broken(e.to_string()))?;
            let (i, f) = check_definition(&i).map_err(|e| broken(format!("{e:?}")))?;
            parsed.insert(row.code.clone(), (i, f, row));
        }
        let mut out = Catalogue::default();
        for (i, f) in bundled {
            match parsed.remove(&i.code) {
                Some((si, sf, row)) => {
                    out.entries.push((si, sf));
                    out.meta.push(EntryMeta {
                        origin: Origin::Stored,
                        revision: row.revision,
                        bundled: true,
                        saved_at: Some(row.saved_at.clone()),
                    });
                }
                None => {
                    out.entries.push((i.clone(), f.clone()));
                    out.meta.push(EntryMeta { origin: Origin::Bundled, revision: 0, bundled: true, saved_at: None });
                }
            }
        }
        for (_, (i, f, row)) in parsed {
            out.entries.push((i, f));
            out.meta.push(EntryMeta {
                origin: Origin::Stored,
                revision: row.revision,
                bundled: false,
                saved_at: Some(row.saved_at.clone()),
            });
        }
        Ok(out)
    }

    /// The entry of `code`.
    pub fn find(&self, code: &str) -> Option<&(Indicator, Formula)> {
        self.entries.iter().find(|(i, _)| i.code == code)
    }

    /// Every entry with where it comes from.
    pub fn with_meta(&self) -> impl Iterator<Item = (&(Indicator, Formula), &EntryMeta)> {
        self.entries.iter().zip(&self.meta)
    }

    /// Where the entry of `code` comes from.
    pub fn meta(&self, code: &str) -> Option<&EntryMeta> {
        self.entries.iter().position(|(i, _)| i.code == code).and_then(|n| self.meta.get(n))
    }
}

/// What saving an indicator did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorSaved {
    pub code: String,
    /// The stored revision now (send it back with the next edit).
    pub revision: i64,
    /// The code was not in the catalogue before.
    pub created: bool,
    /// Something was written (saving the definition as it is changes nothing and is not audited).
    pub changed: bool,
    pub formula_changed: bool,
    /// Stored plans naming the indicator, each with where (`targets[T1]`, `baselines[B3]`,
    /// `public_indicators`): their figures follow the new formula from now on.
    pub used_by: Vec<(String, Vec<String>)>,
}

/// A unit status as typed in a form or sent to the API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UnitStatusInput {
    pub unit_id: String,
    pub kind: String,
    pub valid_from: String,
    pub decision: String,
}

/// A target followed by an indicator, year by year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetProgress {
    pub target_id: String,
    /// The target's kind: how its years are judged (compounded from the base year, or
    /// against each previous year).
    pub kind: String,
    pub indicator: String,
    pub years: Vec<YearProgress>,
}

/// A milestone and the units it names; `status` is none when it follows no unit status.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MilestoneProgress {
    pub target_id: String,
    pub status: Option<YearStatus>,
    pub units: Vec<MilestoneUnit>,
}

/// One unit target's progress; `years` is none when the reader may not see its counts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnitTargetProgress {
    /// Its index in the plan's `unit_targets`.
    pub index: usize,
    pub target_id: String,
    pub unit: UnitId,
    pub years: Option<UnitTargetYears>,
}

/// One unit's subtree on the map of a day (the 2013-era tree or the 2025 one), to
/// restrict an indicator's values or disaggregation to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Within {
    pub unit: UnitId,
    pub on: time::Date,
}

/// Facts filtered to one scope, for one snapshot of the facts and one unit map, with
/// the counts by year already made from them (a dashboard asks the same ones again).
struct ScopedFacts {
    root: Option<UnitId>,
    /// The snapshot these were filtered from.
    source: crate::facts::FactSnapshot,
    catalog: Arc<treem_domain::units::UnitCatalog>,
    facts: Facts,
    counts: std::sync::Mutex<std::collections::HashMap<String, BTreeMap<i32, i64>>>,
    breakdowns: std::sync::Mutex<std::collections::HashMap<BreakdownKey, Breakdown>>,
}

/// A breakdown already made: (indicator, its formula, year, map date, level). The formula
/// is part of the key, so that an entry made before an indicator was changed is never served.
type BreakdownKey = (String, String, i32, time::Date, &'static str);

impl ScopedFacts {
    /// Whether these were filtered from `snapshot`.
    fn is_of(&self, snapshot: &crate::facts::FactSnapshot) -> bool {
        self.source.same_as(snapshot)
    }

    /// `count` by year over these facts, remembered for the life of this entry.
    fn by_year(&self, count: &treem_domain::indicator::Count) -> BTreeMap<i32, i64> {
        let key = count.key();
        if let Some(hit) = self.counts.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return hit;
        }
        let counted = count.by_year(&self.facts);
        if let Ok(mut m) = self.counts.lock() {
            m.insert(key, counted.clone());
        }
        counted
    }

    fn yearly_values(&self, formula: &Formula, years: std::ops::RangeInclusive<i32>) -> Vec<(i32, Option<i64>)> {
        treem_domain::indicator::yearly_values_from(formula, years, |c| self.by_year(c))
    }
}

impl std::ops::Deref for ScopedFacts {
    type Target = Facts;
    fn deref(&self) -> &Facts {
        &self.facts
    }
}

/// Scopes whose filtered facts are kept (the most recently used).
const SCOPED_ENTRIES: usize = 64;

/// Data kept in memory until the next write through this service forgets it. A version
/// bumped by every write keeps a reading that raced a write from being kept.
struct Kept<T> {
    value: std::sync::RwLock<Option<Arc<T>>>,
    version: std::sync::atomic::AtomicU64,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Self { value: std::sync::RwLock::new(None), version: Default::default() }
    }
}

impl<T> Kept<T> {
    async fn get_or_load<F: std::future::Future<Output = Result<T, AppError>>>(
        &self,
        load: impl FnOnce() -> F,
    ) -> Result<Arc<T>, AppError> {
        if let Some(kept) = self.value.read().ok().and_then(|v| v.clone()) {
            return Ok(kept);
        }
        let version = self.version();
        let loaded = Arc::new(load().await?);
        if let Ok(mut v) = self.value.write() {
            if self.version() == version {
                *v = Some(loaded.clone());
            }
        }
        Ok(loaded)
    }

    fn forget(&self) {
        if let Ok(mut v) = self.value.write() {
            self.version.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            *v = None;
        }
    }

    fn version(&self) -> u64 {
        self.version.load(std::sync::atomic::Ordering::SeqCst)
    }
}

pub struct PlanService {
    store: Arc<dyn Store>,
    pub(crate) units: Arc<UnitService>,
    pub(crate) facts: Arc<FactCache>,
    scoped: std::sync::Mutex<Vec<Arc<ScopedFacts>>>,
    /// Every unit status (written only through this service, read by every dashboard).
    statuses: Kept<Vec<UnitStatusRow>>,
    /// Every plan, parsed (written only through `import`).
    plans: Kept<Vec<Arc<Plan>>>,
    /// The bundled indicator catalogue, parsed once (a test keeps it valid).
    bundled: Result<Vec<(Indicator, Formula)>, String>,
    /// The effective catalogue (bundled overlaid by stored definitions; written only through
    /// `save_indicator`).
    catalogue: Kept<Catalogue>,
    /// The plans' figures shared between requests (`figures.rs`).
    figures: PlanFigures,
}

/// Parses a plan file; a syntax error names the line and column.
pub fn parse_plan_toml(file: &str, text: &str) -> Result<Plan, AppError> {
    toml::from_str::<Plan>(text).map_err(|e| {
        let at = e.span().map(|s| {
            let before = text.get(..s.start).unwrap_or_default();
            format!("line {}", before.lines().count().max(1))
        });
        AppError::invalid(&format!("{file}{}", at.map(|a| format!(":{a}")).unwrap_or_default()), e.message().to_owned())
    })
}

impl PlanService {
    pub(crate) fn new(store: Arc<dyn Store>, units: Arc<UnitService>, facts: Arc<FactCache>) -> Self {
        let bundled = parse_catalogue("data/indicators/catalogue.toml", treem_domain::bundled::INDICATORS).map_err(|e| e.join("; "));
        Self {
            store,
            units,
            facts,
            bundled,
            catalogue: Kept::default(),
            figures: PlanFigures::default(),
            scoped: std::sync::Mutex::new(Vec::new()),
            statuses: Kept::default(),
            plans: Kept::default(),
        }
    }

    /// Checks and stores a plan (a new one, or a new version of the same code).
    /// Whether `actor` may import plans (the pages offer the form only to them).
    pub fn may_import(actor: &Actor) -> bool {
        matches!(actor.role, Role::SystemAdmin | Role::ProvincialOfficer)
    }

    /// Provincial officers, administrators and the command line may do this.
    /// Importing the same document again changes nothing and writes no audit entry.
    pub async fn import(&self, by: Operator<'_>, plan: &Plan) -> Result<PlanImport, AppError> {
        let event = match &by {
            Operator::Admin(a) => {
                if !Self::may_import(a) {
                    return Err(AppError::Forbidden);
                }
                a.event("plan.import", Outcome::Ok)
            }
            Operator::Cli => {
                let mut e = treem_domain::audit::AuditEvent::new("plan.import", Outcome::Ok);
                e.actor_label = "treem-cli".into();
                e.source = "local".into();
                e
            }
        };
        let mut problems = check_plan(plan).err().unwrap_or_default();
        let catalogue = self.catalogue().await?;
        for t in &plan.targets {
            if let Some(code) = &t.indicator {
                match catalogue.iter().find(|(i, _)| &i.code == code) {
                    None => problems.push((format!("targets[{}].indicator", t.id), format!("no indicator `{code}` in the catalogue"))),
                    Some((_, Formula::Ratio(..))) => {
                        problems.push((format!("targets[{}].indicator", t.id), "a yearly change needs a count, not a ratio".into()))
                    }
                    Some(_) => {}
                }
            }
        }
        for b in &plan.baselines {
            if let Some(code) = &b.indicator {
                if !catalogue.iter().any(|(c, _)| &c.code == code) {
                    problems.push((format!("baselines[{}].indicator", b.id), format!("no indicator `{code}` in the catalogue")));
                }
                if b.reference.as_deref().and_then(treem_domain::unit_import::parse_date).is_none() {
                    problems
                        .push((format!("baselines[{}].reference", b.id), "a baseline recomputed by an indicator needs its date".into()));
                }
            }
        }
        for (i, code) in plan.public_indicators.iter().enumerate() {
            if !catalogue.iter().any(|(c, _)| &c.code == code) {
                problems.push((format!("public_indicators[{i}]"), format!("no indicator `{code}` in the catalogue")));
            }
        }
        // Unit targets against the map of units: the code on its day, the unit's life, the area, overlaps.
        problems.extend(treem_domain::plan::check_unit_targets(plan, &self.units.catalog()));
        if !problems.is_empty() {
            return Err(AppError::InvalidFields(problems));
        }
        if self.area_root(plan).is_none() {
            return Err(AppError::invalid(
                "scope_unit_code",
                format!("no unit with code {} on {} (are the administrative units imported?)", plan.scope_unit_code, plan.scope_unit_on),
            ));
        }
        let document = serde_json::to_string(plan).map_err(|e| AppError::Internal(e.to_string()))?;
        let stored = self.store.plans().await?.into_iter().find(|r| r.code == plan.code);
        if stored.as_ref().is_some_and(|r| r.document == document) {
            return Ok(PlanImport::Unchanged);
        }
        let row = PlanRow {
            code: plan.code.clone(),
            title_vi: plan.title_vi.clone(),
            issued_year: i64::from(plan.issued_year),
            period_from: i64::from(plan.period_from),
            period_to: i64::from(plan.period_to),
            document,
            version: 0,
        };
        let saved = self.store.save_plan(&row, &event.record("plan", &plan.code)).await;
        self.plans.forget();
        saved?;
        Ok(if stored.is_some() { PlanImport::Updated } else { PlanImport::Added })
    }

    /// Every plan, oldest period first.
    pub async fn list(&self) -> Result<Vec<Plan>, AppError> {
        Ok(self.parsed_plans().await?.iter().map(|p| p.as_ref().clone()).collect())
    }

    /// Every plan, shared (each the same `Arc` until the next import).
    pub async fn shared(&self) -> Result<Vec<Arc<Plan>>, AppError> {
        Ok(self.parsed_plans().await?.as_ref().clone())
    }

    /// Every plan, parsed once and kept until the next import (plans change only through
    /// this service; a generation keeps a reading that raced an import from being kept).
    async fn parsed_plans(&self) -> Result<Arc<Vec<Arc<Plan>>>, AppError> {
        self.plans
            .get_or_load(|| async {
                self.store
                    .plans()
                    .await?
                    .iter()
                    .map(|r| {
                        serde_json::from_str::<Plan>(&r.document)
                            .map(Arc::new)
                            .map_err(|e| AppError::Internal(format!("plan {}: {e}", r.code)))
                    })
                    .collect()
            })
            .await
    }

    /// The targets that follow an indicator, year by year, counted within the caller's
    /// scope (a commune worker sees the commune's figures). Counts only: no record is read.
    pub async fn progress(&self, actor: &Actor, plan: &Plan) -> Result<Vec<TargetProgress>, AppError> {
        actor.require(Action::List)?;
        let today = treem_domain::calendar::today_in_vietnam();
        let facts = self.facts_in_scope(actor).await?;
        let catalogue = self.catalogue().await?;
        let mut out = Vec::new();
        for t in plan.targets.iter().filter(|t| is_yearly_change(&t.kind)) {
            let Some(code) = &t.indicator else { continue };
            let Some((_, Formula::Count(count))) = catalogue.iter().find(|(i, _)| &i.code == code) else { continue };
            let by_year = facts.by_year(count);
            out.push(TargetProgress {
                target_id: t.id.clone(),
                kind: t.kind.clone(),
                indicator: code.clone(),
                years: yearly_change_progress(t, &by_year, today),
            });
        }
        Ok(out)
    }

    /// Records that a unit holds a status from a date, by the decision named.
    pub async fn add_unit_status(&self, actor: &Actor, input: &UnitStatusInput) -> Result<i64, AppError> {
        let mut errors = Vec::new();
        if !UNIT_STATUSES.contains(&input.kind.as_str()) {
            errors.push(("kind".to_owned(), format!("one of {}", UNIT_STATUSES.join(", "))));
        }
        let from = treem_domain::unit_import::parse_date(input.valid_from.trim());
        if from.is_none() {
            errors.push(("valid_from".to_owned(), "a date as YYYY-MM-DD".to_owned()));
        }
        let decision = treem_domain::text::clean_line(&input.decision, 300).ok().filter(|d| !d.is_empty());
        if decision.is_none() {
            errors.push(("decision".to_owned(), "the decision's number and date, on one line (at most 300 characters)".to_owned()));
        }
        let unit = input.unit_id.trim().parse::<i64>().ok().and_then(|id| self.units.catalog().get(UnitId(id)).cloned());
        match (&unit, from) {
            (None, _) => errors.push(("unit_id".to_owned(), "no such unit".to_owned())),
            (Some(u), Some(d)) if !u.validity.contains(d) => {
                errors.push(("valid_from".to_owned(), format!("{} did not exist on {d}", u.name)))
            }
            (Some(u), _) => {
                let allowed: &[UnitLevel] =
                    if input.kind == "child_friendly" { &[UnitLevel::Commune] } else { &[UnitLevel::District, UnitLevel::Commune] };
                if !allowed.contains(&u.level) {
                    errors
                        .push(("unit_id".to_owned(), "a commune (child-friendly) or a district or commune (a model or pilot)".to_owned()));
                }
            }
        }
        let (Some(unit), Some(from), Some(decision), true) = (unit, from, decision, errors.is_empty()) else {
            return Err(AppError::InvalidFields(errors));
        };
        actor.authorize_unit_status(unit.id, from)?;
        let row = UnitStatusRow { id: 0, unit: unit.id, kind: input.kind.clone(), valid_from: from, valid_to: None, decision };
        let added = self
            .store
            .add_unit_status(&row, actor.account_id, &actor.event("unit_status.add", Outcome::Ok).record("unit", unit.id.0))
            .await;
        self.statuses.forget();
        let added = self.facts.after_unit_status(added);
        Ok(added?)
    }

    /// Sets the last day of a status (the unit lost it, or it was entered in error: then its first day).
    pub async fn end_unit_status(&self, actor: &Actor, id: i64, valid_to: &str) -> Result<(), AppError> {
        let status = self.all_unit_statuses().await?.iter().find(|s| s.id == id).cloned().ok_or(AppError::NotFound)?;
        actor.authorize_unit_status(status.unit, status.valid_from)?;
        let to =
            treem_domain::unit_import::parse_date(valid_to.trim()).ok_or_else(|| AppError::invalid("valid_to", "a date as YYYY-MM-DD"))?;
        if to < status.valid_from {
            return Err(AppError::invalid("valid_to", format!("not before the first day, {}", status.valid_from)));
        }
        let event = actor.event("unit_status.end", Outcome::Ok).record("unit", status.unit.0);
        let ended = self.store.end_unit_status(id, to, &event).await;
        self.statuses.forget();
        let ended = self.facts.after_unit_status(ended);
        if ended? {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Every unit status (public facts), or those of one unit.
    pub async fn unit_statuses(&self, unit: Option<UnitId>) -> Result<Vec<UnitStatusRow>, AppError> {
        Ok(self.all_unit_statuses().await?.iter().filter(|s| unit.is_none_or(|u| s.unit == u)).cloned().collect())
    }

    /// The unit-count and unit-share targets year by year, over the plan's area on each
    /// day counted (public: statuses of units are public decisions).
    pub async fn unit_progress(&self, plan: &Plan) -> Result<Vec<(String, Vec<StatusYear>)>, AppError> {
        let catalog = self.units.catalog();
        let Some(area) = self.area_root(plan) else { return Ok(Vec::new()) };
        let statuses = self.all_unit_statuses().await?;
        let today = treem_domain::calendar::today_in_vietnam();
        let mut out = Vec::new();
        for t in plan.targets.iter().filter(|t| matches!(t.kind.as_str(), "unit_count_with_status" | "unit_share_with_status")) {
            let kind = t.status.clone().unwrap_or_default();
            let years = unit_status_progress(t, plan.period_from, today, |level, day| {
                let mut n = 0;
                let mut total = 0;
                for id in catalog.subtree_on(area, day) {
                    let Some(u) = catalog.get(id).filter(|u| u.level.as_str() == level) else { continue };
                    total += 1;
                    let holds = statuses
                        .iter()
                        .any(|s| s.unit == u.id && s.kind == kind && s.valid_from <= day && s.valid_to.is_none_or(|to| day <= to));
                    n += i64::from(holds);
                }
                (n, total)
            });
            out.push((t.id.clone(), years));
        }
        Ok(out)
    }

    /// The plan's milestones that follow a unit status (T4: the pilot ran in the units it
    /// names by its deadline), public as unit statuses are. Rules in docs/PLANS.md.
    pub async fn milestone_progress(&self, plan: &Plan) -> Result<Vec<MilestoneProgress>, AppError> {
        let catalog = self.units.catalog();
        let statuses = self.all_unit_statuses().await?;
        let today = treem_domain::calendar::today_in_vietnam();
        let scope_on = treem_domain::unit_import::parse_date(&plan.scope_unit_on);
        let start = time::Date::from_calendar_date(plan.period_from, time::Month::January, 1).ok();
        let mut out = Vec::new();
        for t in plan.targets.iter().filter(|t| t.kind == "milestone") {
            let Some(kind) = t.status.as_deref() else {
                out.push(MilestoneProgress { target_id: t.id.clone(), status: None, units: Vec::new() });
                continue;
            };
            let last = time::Date::from_calendar_date(t.deadline, time::Month::December, 31).ok();
            let units: Vec<MilestoneUnit> = t
                .units
                .iter()
                .map(|code| {
                    let unit = scope_on.and_then(|on| catalog.by_code_on(code, on));
                    // The first day within the plan's period, up to the deadline, the unit held the status.
                    let since = unit.and_then(|u| {
                        statuses
                            .iter()
                            .filter(|s| s.unit == u.id && s.kind == kind)
                            .filter(|s| last.is_none_or(|l| s.valid_from <= l) && start.is_none_or(|f| s.valid_to.is_none_or(|to| to >= f)))
                            .map(|s| start.map_or(s.valid_from, |f| s.valid_from.max(f)))
                            .min()
                    });
                    MilestoneUnit { code: code.clone(), name: unit.map(|u| u.name.clone()), since }
                })
                .collect();
            out.push(MilestoneProgress { target_id: t.id.clone(), status: milestone_status(t.deadline, &units, today), units });
        }
        Ok(out)
    }

    /// Each unit target of the plan, year by year. Counts and shares of units holding a
    /// status are public (as [`Self::unit_progress`]); a relative change counts records, so
    /// it is computed only for a signed-in reader whose scope holds the whole unit
    /// (otherwise `OutOfScope`), from the facts that reach the unit on the map of the day
    /// its code is read.
    pub async fn unit_target_progress(&self, actor: Option<&Actor>, plan: &Plan) -> Result<Vec<UnitTargetProgress>, AppError> {
        let catalog = self.units.catalog();
        let statuses = self.all_unit_statuses().await?;
        let today = treem_domain::calendar::today_in_vietnam();
        let mut out = Vec::new();
        for (index, u) in plan.unit_targets.iter().enumerate() {
            let Some(t) = plan.targets.iter().find(|t| t.id == u.target) else { continue };
            let Some(on) = treem_domain::unit_import::parse_date(&u.unit_on) else { continue };
            let Some(unit) = catalog.by_code_on(&u.unit_code, on) else { continue };
            let mut counts = BTreeMap::new();
            if is_yearly_change(&t.kind) {
                let covered = actor.filter(|a| a.role.may(Action::List) && a.covers(unit.id, on));
                let (Some(actor), Some(code)) = (covered, &t.indicator) else {
                    out.push(UnitTargetProgress { index, target_id: t.id.clone(), unit: unit.id, years: None });
                    continue;
                };
                let catalogue = self.catalogue().await?;
                let Some((_, Formula::Count(count))) = catalogue.find(code) else { continue };
                let facts = self.facts_in_scope(actor).await?;
                counts = treem_domain::indicator::count_within(&catalog, count, &facts, unit.id, on);
            }
            let kind = t.status.clone().unwrap_or_default();
            let years = unit_target_progress(t, u, today, &counts, |level, day| {
                let (mut n, mut total) = (0, 0);
                for id in catalog.subtree_on(unit.id, day) {
                    let Some(member) = catalog.get(id).filter(|m| m.level.as_str() == level) else { continue };
                    total += 1;
                    n +=
                        i64::from(statuses.iter().any(|s| {
                            s.unit == member.id && s.kind == kind && s.valid_from <= day && s.valid_to.is_none_or(|to| day <= to)
                        }));
                }
                (n, total)
            });
            out.push(UnitTargetProgress { index, target_id: t.id.clone(), unit: unit.id, years });
        }
        Ok(out)
    }

    /// The plan's public indicators by year over the plan's area (the scope unit's subtree
    /// through its life), counts from 1 to 9 suppressed. Needs no sign-in.
    pub async fn public_statistics(&self, plan: &Plan) -> Result<Vec<PublicIndicator>, AppError> {
        if plan.public_indicators.is_empty() {
            return Ok(Vec::new());
        }
        let Some(root) = self.area_root(plan) else { return Ok(Vec::new()) };
        let area = self.units.catalog().scope_of(root);
        let facts = self.scoped_facts(Some(root), |unit, day| area.contains(unit, day)).await?;
        let last = plan.period_to.min(treem_domain::calendar::today_in_vietnam().year());
        let catalogue = self.catalogue().await?;
        let published: Vec<&(Indicator, Formula)> =
            plan.public_indicators.iter().filter_map(|code| catalogue.iter().find(|(i, _)| &i.code == code)).collect();
        let formulas: Vec<&Formula> = published.iter().map(|(_, f)| f).collect();
        let values = public_values_together(&formulas, &facts, (plan.period_from - 1)..=last);
        Ok(published
            .into_iter()
            .zip(values)
            .map(|((i, formula), years)| PublicIndicator { indicator: i.clone(), ratio: matches!(formula, Formula::Ratio(..)), years })
            .collect())
    }

    /// An indicator for one year broken down by the units of `level` on the map of
    /// `map_on` (the 2013-era tree or the 2025 one), within the caller's scope. Counts are
    /// first gathered on communes as they were on each incident's day, then carried onto
    /// the map of `map_on` by the successions and summed up its tree: totals are kept.
    pub async fn indicator_breakdown(
        &self,
        actor: &Actor,
        code: &str,
        year: i32,
        map_on: time::Date,
        level: UnitLevel,
    ) -> Result<Breakdown, AppError> {
        actor.require(Action::List)?;
        let catalogue = self.catalogue().await?;
        let (indicator, formula) = catalogue.find(code).ok_or(AppError::NotFound)?;
        let facts = self.facts_in_scope(actor).await?;
        let key = (code.to_owned(), indicator.formula.clone(), year, map_on, level.as_str());
        if let Some(hit) = facts.breakdowns.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(hit);
        }
        let catalog = self.units.catalog();
        let (num, den) = match formula {
            Formula::Count(c) => (counts_on_map(&catalog, c, &facts, year..=year, map_on), None),
            Formula::Ratio(n, d) => {
                (counts_on_map(&catalog, n, &facts, year..=year, map_on), Some(counts_on_map(&catalog, d, &facts, year..=year, map_on)))
            }
        };
        let unmapped = num.unmapped + den.as_ref().map_or(0, |d| d.unmapped);
        let estimated = num.estimated || den.as_ref().is_some_and(|d| d.estimated);
        let empty = BTreeMap::new();
        let num = num.by_year.get(&year).unwrap_or(&empty);
        let den = den.as_ref().map(|d| d.by_year.get(&year).unwrap_or(&empty));
        let mut rows: Vec<(UnitId, String, Option<i64>)> = catalog
            .units()
            .iter()
            .filter(|u| u.level == level && u.validity.contains(map_on) && actor.covers(u.id, map_on))
            .map(|u| {
                let n = num.get(&u.id).copied().unwrap_or(0);
                let value = match &den {
                    None => Some(n),
                    Some(d) => percent_hundredths(n, d.get(&u.id).copied().unwrap_or(0)),
                };
                (u.id, u.name.clone(), value)
            })
            .collect();
        rows.sort_by(|a, b| treem_domain::text::cmp_vi(&a.1, &b.1));
        let breakdown = Breakdown { ratio: den.is_some(), rows, unmapped, estimated };
        if let Ok(mut m) = facts.breakdowns.lock() {
            // A bound on what one scope's readers can make it keep (years × map dates × levels).
            if m.len() >= 512 {
                m.clear();
            }
            m.insert(key, breakdown.clone());
        }
        Ok(breakdown)
    }

    /// Every indicator of the catalogue for every year of `years` and every unit of the
    /// map of `map_on` (every level), within the caller's scope: the whole engine's work,
    /// from the in-memory facts.
    pub async fn recompute_all(
        &self,
        actor: &Actor,
        years: std::ops::RangeInclusive<i32>,
        map_on: time::Date,
    ) -> Result<Vec<IndicatorTable>, AppError> {
        actor.require(Action::List)?;
        let facts = self.facts_in_scope(actor).await?;
        let catalog = self.units.catalog();
        Ok(indicator_tables(&catalog, &self.catalogue().await?, &facts, years, map_on))
    }

    /// An indicator for one year broken down by one of the fields it publishes (sex, age
    /// band, form, setting…), within the caller's scope. For a count, what has no value
    /// recorded for the field comes back as `not_recorded`, so the parts add up to the total.
    pub async fn indicator_disaggregation(
        &self,
        actor: &Actor,
        code: &str,
        field: &str,
        year: i32,
        within: Option<Within>,
    ) -> Result<Disaggregation, AppError> {
        actor.require(Action::List)?;
        let catalogue = self.catalogue().await?;
        let (indicator, formula) = catalogue.find(code).ok_or(AppError::NotFound)?;
        let fields = formula.disaggregations(&indicator.disaggregations);
        let names: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
        let published = || format!("one of: {}", if names.is_empty() { "(none)".to_owned() } else { names.join(", ") });
        // One field, or two crossed ("sex,age_band").
        let asked: Vec<&str> = field.split(',').map(str::trim).collect();
        if asked.len() > 2 || (asked.len() == 2 && asked[0] == asked[1]) {
            return Err(AppError::invalid("by", format!("one field, or two different fields separated by a comma: {}", published())));
        }
        let find = |name: &str| fields.iter().find(|(f, _)| *f == name).copied();
        let Some((field, values)) = find(asked[0]) else { return Err(AppError::invalid("by", published())) };
        let second = match asked.get(1) {
            None => None,
            Some(name) => Some(find(name).ok_or_else(|| AppError::invalid("by", published()))?),
        };
        let facts = self.facts_in_scope(actor).await?;
        let restricted = within.map(|w| self.facts_within(actor, &facts, w)).transpose()?;
        let value_of = |f: &Formula| {
            let values = match &restricted {
                None => facts.yearly_values(f, year..=year),
                Some(r) => treem_domain::indicator::yearly_values(f, r, year..=year),
            };
            values.first().and_then(|(_, v)| *v)
        };
        let mut rows: Vec<(String, Option<String>, Option<i64>)> = Vec::new();
        for v in values {
            let Some(by_first) = formula.restricted(field, v) else { continue };
            match second {
                None => rows.push((v.to_string(), None, value_of(&by_first))),
                Some((other, others)) => {
                    for w in others {
                        if let Some(both) = by_first.restricted(other, w) {
                            rows.push((v.to_string(), Some(w.to_string()), value_of(&both)));
                        }
                    }
                }
            }
        }
        let total = value_of(formula);
        let not_recorded = match formula {
            Formula::Count(_) => total.map(|t| t - rows.iter().filter_map(|r| r.2).sum::<i64>()),
            Formula::Ratio(..) => None,
        };
        Ok(Disaggregation {
            field,
            second: second.map(|(f, _)| f),
            ratio: matches!(formula, Formula::Ratio(..)),
            rows,
            not_recorded,
            total,
        })
    }

    /// The baselines that name an indicator, recomputed from the records for their
    /// reference date's year within the caller's scope: (baseline id, year, value, ratio).
    pub async fn baselines_recomputed(&self, actor: &Actor, plan: &Plan) -> Result<Vec<(String, i32, Option<i64>, bool)>, AppError> {
        actor.require(Action::List)?;
        let linked: Vec<_> = plan
            .baselines
            .iter()
            .filter_map(|b| {
                let year = b.reference.as_deref().and_then(treem_domain::unit_import::parse_date)?.year();
                Some((b, b.indicator.as_ref()?, year))
            })
            .collect();
        if linked.is_empty() {
            return Ok(Vec::new());
        }
        let facts = self.facts_in_scope(actor).await?;
        let catalogue = self.catalogue().await?;
        Ok(linked
            .into_iter()
            .filter_map(|(b, code, year)| {
                let (_, formula) = catalogue.iter().find(|(i, _)| &i.code == code)?;
                let value = facts.yearly_values(formula, year..=year).first().and_then(|(_, v)| *v);
                Some((b.id.clone(), year, value, matches!(formula, Formula::Ratio(..))))
            })
            .collect())
    }

    /// Every unit status, kept in memory: written only through this service (which
    /// forgets them after each write) and read by every dashboard.
    async fn all_unit_statuses(&self) -> Result<Arc<Vec<UnitStatusRow>>, AppError> {
        self.statuses.get_or_load(|| async { Ok(self.store.unit_statuses().await?) }).await
    }

    /// Of `records` (incidents the caller was allowed to list), those counted by the
    /// indicator's figure (its numerator) for the unit `unit` of the map of its date,
    /// or for the whole scope: the drill-down from a number to the records behind it.
    pub async fn incidents_behind(
        &self,
        code: &str,
        unit: Option<(UnitId, time::Date)>,
        records: Vec<crate::incidents::IncidentView>,
    ) -> Result<Vec<crate::incidents::IncidentView>, AppError> {
        let catalogue = self.catalogue().await?;
        let (_, formula) = catalogue.find(code).ok_or(AppError::NotFound)?;
        let count = match formula {
            Formula::Count(c) | Formula::Ratio(c, _) => c,
        };
        if count.fact != FactKind::Incidents {
            return Err(AppError::invalid("indicator", "this indicator does not count incidents"));
        }
        let catalog = self.units.catalog();
        let mut memo: std::collections::HashMap<(UnitId, time::Date), bool> = std::collections::HashMap::new();
        Ok(records
            .into_iter()
            .filter(|v| count.matches(&treem_domain::indicator::Fact::of_incident(&v.fields)))
            .filter(|v| match unit {
                None => true,
                Some((target, on)) => *memo
                    .entry((v.fields.unit, v.fields.occurred_on))
                    .or_insert_with(|| treem_domain::indicator::reaches(&catalog, v.fields.unit, v.fields.occurred_on, target, on)),
            })
            .collect())
    }

    /// The ids of the children or cases an indicator's figure counts (its numerator, for
    /// a ratio) in `year`, under the unit `unit` of the map of its date or over the whole
    /// scope, in id order: the drill-down from a number to the records behind it. Only
    /// ids of records whose unit is in the caller's scope: the records themselves are
    /// read through the ordinary lists (`ChildFilter::ids`, `CaseService::list_filtered`),
    /// which check scope again and never carry a sensitive field. Children are those
    /// under 16 on the year's counting day matching the formula's conditions, by the
    /// rules the figures are counted with; cases those received in the year.
    pub async fn records_behind(
        &self,
        actor: &Actor,
        code: &str,
        year: i32,
        unit: Option<(UnitId, time::Date)>,
    ) -> Result<(FactKind, Vec<i64>), AppError> {
        actor.require(Action::List)?;
        let catalogue = self.catalogue().await?;
        let (_, formula) = catalogue.find(code).ok_or(AppError::NotFound)?;
        let count = match formula {
            Formula::Count(c) | Formula::Ratio(c, _) => c,
        };
        let catalog = self.units.catalog();
        let in_scope: std::collections::HashSet<UnitId> = actor.scope.units().into_iter().collect();
        let mut memo: std::collections::HashMap<(UnitId, time::Date), bool> = std::collections::HashMap::new();
        let mut reaches = |u: UnitId, day: time::Date| {
            in_scope.contains(&u)
                && *memo.entry((u, day)).or_insert_with(|| match unit {
                    None => true,
                    Some((target, on)) => treem_domain::indicator::reaches(&catalog, u, day, target, on),
                })
        };
        let ids = match count.fact {
            FactKind::Incidents => return Err(AppError::invalid("indicator", "this indicator counts incidents: see /incidents")),
            FactKind::Units | FactKind::Reported | FactKind::Fund => {
                return Err(AppError::invalid("indicator", "only figures of incidents, children and cases open their records"))
            }
            FactKind::Children => {
                let Some(day) = treem_domain::indicator::counting_day(year, treem_domain::calendar::today_in_vietnam()) else {
                    return Ok((count.fact, Vec::new()));
                };
                self.facts.children_counted(count, year, |u| reaches(u, day)).await?
            }
            FactKind::Cases => self
                .store
                .case_facts_each(treem_domain::audit::now_utc())
                .await?
                .into_iter()
                .filter(|(_, f)| f.day.year() == year && count.matches(f) && reaches(f.unit, f.day))
                .map(|(id, _)| id)
                .collect(),
        };
        Ok((count.fact, ids))
    }

    /// The plan's scope unit (`scope_unit_code` on `scope_unit_on`), when it exists.
    fn area_root(&self, plan: &Plan) -> Option<UnitId> {
        let on = treem_domain::unit_import::parse_date(&plan.scope_unit_on)?;
        self.units.catalog().by_code_on(&plan.scope_unit_code, on).map(|u| u.id)
    }

    /// The effective indicator catalogue: the bundled entries overlaid by the stored
    /// definitions, kept until the next save.
    pub async fn catalogue(&self) -> Result<Arc<Catalogue>, AppError> {
        self.catalogue
            .get_or_load(|| async {
                let bundled = self.bundled.as_deref().map_err(|e| AppError::Internal(format!("the indicator catalogue is broken: {e}")))?;
                Catalogue::effective(bundled, &self.store.indicator_definitions().await?)
            })
            .await
    }

    /// Changes whenever the catalogue may have changed (for figures kept elsewhere).
    pub fn catalogue_version(&self) -> u64 {
        self.catalogue.version()
    }

    /// Adds an indicator to the catalogue or changes one (a bundled one is overlaid, not
    /// edited: its file stays as released). Provincial officers and system administrators
    /// only. The definition is checked field by field (the formula's error names its
    /// character position). `base_revision` is the revision the caller edited (0 for an
    /// entry with no stored definition); `None` asks for a new code only. A stale revision
    /// is an edit conflict. Every figure computed with the old definition is dropped.
    pub async fn save_indicator(
        &self,
        actor: &Actor,
        definition: &Indicator,
        base_revision: Option<i64>,
    ) -> Result<IndicatorSaved, AppError> {
        actor.authorize_catalogue_edit()?;
        let (indicator, formula) = check_definition(definition).map_err(AppError::InvalidFields)?;
        let catalogue = self.catalogue().await?;
        let old = catalogue.find(&indicator.code);
        let meta = catalogue.meta(&indicator.code);
        if base_revision.is_none() && old.is_some() {
            return Err(AppError::invalid("code", format!("`{}` is already in the catalogue: edit it instead", indicator.code)));
        }
        let base = base_revision.unwrap_or(0);
        if base < 0 || meta.map_or(0, |m| m.revision) != base {
            return Err(AppError::EditConflict);
        }
        for plan in self.shared().await?.iter() {
            for t in plan.targets.iter().filter(|t| t.indicator.as_deref() == Some(indicator.code.as_str())) {
                if is_yearly_change(&t.kind) && matches!(formula, Formula::Ratio(..)) {
                    return Err(AppError::invalid(
                        "formula",
                        format!(
                            "plan {} target {} follows this indicator as a yearly change, which needs a count, not a ratio",
                            plan.code, t.id
                        ),
                    ));
                }
            }
        }
        let used_by = self.plans_using(&indicator.code).await?;
        if old.is_some_and(|(o, _)| *o == indicator) {
            return Ok(IndicatorSaved {
                code: indicator.code,
                revision: base,
                created: false,
                changed: false,
                formula_changed: false,
                used_by,
            });
        }
        let old_formula = old.map(|(i, _)| i.formula.clone());
        let mut changed: Vec<String> = Vec::new();
        match old {
            None => changed.push("created".into()),
            Some((o, _)) => {
                let pairs: [(&str, bool); 9] = [
                    ("name_vi", o.name_vi != indicator.name_vi),
                    ("name_en", o.name_en != indicator.name_en),
                    ("concept_vi", o.concept_vi != indicator.concept_vi),
                    ("concept_en", o.concept_en != indicator.concept_en),
                    ("formula", o.formula != indicator.formula),
                    ("disaggregations", o.disaggregations != indicator.disaggregations),
                    ("period", o.period != indicator.period),
                    ("source", o.source != indicator.source),
                    ("agency", o.agency != indicator.agency),
                ];
                changed.extend(pairs.iter().filter(|(_, c)| *c).map(|(f, _)| (*f).to_owned()));
            }
        }
        // Formulas are public metadata (no personal data): the entry keeps both, so the
        // log says what every figure was computed with before and after.
        changed.push(format!("old formula: {}", old_formula.as_deref().unwrap_or("(none)")));
        changed.push(format!("new formula: {}", indicator.formula));
        let mut event = actor.event("indicator.save", Outcome::Ok).record("indicator", &indicator.code);
        event.fields = changed;
        let document = serde_json::to_string(&indicator).map_err(|e| AppError::Internal(e.to_string()))?;
        let row = IndicatorRow {
            code: indicator.code.clone(),
            document,
            revision: base + 1,
            saved_by: Some(actor.account_id),
            saved_at: String::new(),
        };
        let saved = self.store.save_indicator_definition(&row, base, actor.account_id, &event).await;
        self.forget_figures();
        let revision = match saved {
            Ok(r) => r,
            Err(StorageError::Conflict(_)) => return Err(AppError::EditConflict),
            Err(e) => return Err(e.into()),
        };
        Ok(IndicatorSaved {
            code: indicator.code.clone(),
            revision,
            created: old.is_none(),
            changed: true,
            formula_changed: old_formula.as_deref() != Some(indicator.formula.as_str()),
            used_by,
        })
    }

    /// The stored plans that name the indicator `code`, each with where: `targets[T1]`,
    /// `baselines[B3]`, `public_indicators`.
    pub async fn plans_using(&self, code: &str) -> Result<Vec<(String, Vec<String>)>, AppError> {
        let mut out = Vec::new();
        for plan in self.shared().await?.iter() {
            let mut uses: Vec<String> =
                plan.targets.iter().filter(|t| t.indicator.as_deref() == Some(code)).map(|t| format!("targets[{}]", t.id)).collect();
            uses.extend(plan.baselines.iter().filter(|b| b.indicator.as_deref() == Some(code)).map(|b| format!("baselines[{}]", b.id)));
            if plan.public_indicators.iter().any(|p| p == code) {
                uses.push("public_indicators".into());
            }
            if !uses.is_empty() {
                out.push((plan.code.clone(), uses));
            }
        }
        Ok(out)
    }

    /// Another process wrote something this service keeps (a plan, a unit status, an
    /// indicator definition; heard from the database): drops what it keeps of that kind
    /// and every figure computed from it.
    pub fn heard(&self, write: &treem_storage::HeardWrite) {
        let area = write.action.split('.').next().unwrap_or_default();
        if write.is_lost() || area == "plan" {
            self.plans.forget();
        }
        if write.is_lost() || area == "unit_status" {
            self.statuses.forget();
        }
        if write.is_lost() || area == "indicator" || area == "plan" || area == "unit_status" {
            self.forget_figures();
        }
    }

    /// Drops the catalogue and every figure computed from it: the scoped facts' memos
    /// (their breakdowns), the shared plan figures. Called after every catalogue write.
    fn forget_figures(&self) {
        self.catalogue.forget();
        if let Ok(mut list) = self.scoped.lock() {
            list.clear();
        }
        self.figures.forget();
    }

    /// [`Self::progress`], shared by the callers of one scope until its inputs change.
    pub async fn shared_progress(&self, actor: &Actor, plan: &Arc<Plan>) -> Result<Arc<Vec<TargetProgress>>, AppError> {
        self.figures.progress(self, actor, plan).await
    }

    /// [`Self::public_statistics`], shared by every reader until its inputs change.
    pub async fn shared_public_statistics(&self, plan: &Arc<Plan>) -> Result<Arc<Vec<PublicIndicator>>, AppError> {
        self.figures.public_statistics(self, plan).await
    }

    /// [`Self::unit_progress`], shared by every reader while the statuses are unchanged.
    pub async fn shared_unit_progress(&self, plan: &Arc<Plan>) -> Result<crate::figures::UnitProgress, AppError> {
        self.figures.unit_progress(self, plan).await
    }

    /// An indicator's value for each year of `years`, counted within the caller's scope,
    /// from the records as they are now. Ratios are percentages in hundredths; none is "no data".
    pub async fn indicator_values(
        &self,
        actor: &Actor,
        code: &str,
        years: std::ops::RangeInclusive<i32>,
        within: Option<Within>,
    ) -> Result<Vec<(i32, Option<i64>)>, AppError> {
        actor.require(Action::List)?;
        let catalogue = self.catalogue().await?;
        let (_, formula) = catalogue.find(code).ok_or(AppError::NotFound)?;
        if years.end() - years.start() > 100 {
            return Err(AppError::invalid("years", "at most 100 years at once"));
        }
        let facts = self.facts_in_scope(actor).await?;
        match within {
            None => Ok(facts.yearly_values(formula, years)),
            Some(w) => Ok(treem_domain::indicator::yearly_values(formula, &self.facts_within(actor, &facts, w)?, years)),
        }
    }

    /// The caller's facts restricted to one unit's subtree on the map of a day. The unit
    /// must exist that day and lie within the caller's scope (otherwise not found, as a
    /// record would be).
    fn facts_within(&self, actor: &Actor, facts: &ScopedFacts, within: Within) -> Result<Facts, AppError> {
        let catalog = self.units.catalog();
        if catalog.get(within.unit).is_none_or(|u| !u.validity.contains(within.on)) {
            return Err(AppError::invalid("unit", format!("no such unit on {}", within.on)));
        }
        if !actor.covers(within.unit, within.on) {
            return Err(AppError::NotFound);
        }
        Ok(treem_domain::indicator::within_unit(&catalog, facts, within.unit, within.on))
    }

    /// One indicator of the catalogue with its parsed formula (not found when no such code).
    pub async fn indicator(&self, code: &str) -> Result<(Indicator, Formula), AppError> {
        self.catalogue().await?.find(code).cloned().ok_or(AppError::NotFound)
    }

    /// Facts of the caller's scope, each (unit, day) checked as for reading the records.
    async fn facts_in_scope(&self, actor: &Actor) -> Result<Arc<ScopedFacts>, AppError> {
        self.scoped_facts(actor.scope_unit, |unit, day| actor.covers(unit, day)).await
    }

    /// The current facts of the units and days `covers` accepts, where `covers` is the
    /// scope of `root` (every account scoped to the same unit shares it). An incident is
    /// checked on the day it occurred, as its record is. A child is counted on every
    /// year's counting day, possibly after its residence unit was dissolved (2025): it
    /// is checked on the last day that unit existed, as its record would be. The result
    /// is shared by every reading of the same scope until the facts or the map change.
    async fn scoped_facts(&self, root: Option<UnitId>, covers: impl Fn(UnitId, time::Date) -> bool) -> Result<Arc<ScopedFacts>, AppError> {
        let snapshot = self.facts.snapshot().await?;
        let catalog = self.units.catalog();
        let same = |e: &ScopedFacts| e.root == root && e.is_of(&snapshot) && Arc::ptr_eq(&e.catalog, &catalog);
        if let Some(hit) = self.scoped.lock().ok().and_then(|list| list.iter().find(|e| same(e)).cloned()) {
            return Ok(hit);
        }
        let facts = snapshot.filtered(|kind, unit, day| match kind {
            // A reported value is checked on its year's counting day, at the reporting unit;
            // a fund movement on its day, at its fund's unit; a unit on the counting day.
            FactKind::Incidents | FactKind::Cases | FactKind::Units | FactKind::Reported | FactKind::Fund => covers(unit, day),
            FactKind::Children => {
                let last = catalog.get(unit).and_then(|u| u.validity.to).map_or(day, |to| day.min(to));
                covers(unit, last)
            }
        });
        let entry = Arc::new(ScopedFacts {
            root,
            source: snapshot.clone(),
            catalog,
            facts,
            counts: Default::default(),
            breakdowns: Default::default(),
        });
        if let Ok(mut list) = self.scoped.lock() {
            // Entries of older facts are dropped (they would keep old snapshots alive).
            list.retain(|e| e.is_of(&snapshot));
            if list.len() >= SCOPED_ENTRIES {
                list.remove(0);
            }
            list.push(entry.clone());
        }
        Ok(entry)
    }

    /// One plan, shared (the same `Arc` until the next import).
    pub async fn get(&self, code: &str) -> Result<Arc<Plan>, AppError> {
        self.parsed_plans().await?.iter().find(|p| p.code == code).cloned().ok_or(AppError::NotFound)
    }

    /// Changes whenever the unit statuses may have changed (for callers that keep figures).
    pub fn unit_statuses_version(&self) -> u64 {
        self.statuses.version()
    }

    /// A plan's task budgets summed by source and by year (public, as the plan is).
    pub async fn budget_totals(&self, code: &str) -> Result<treem_domain::plan::BudgetTotals, AppError> {
        Ok(treem_domain::plan::budget_totals(&*self.get(code).await?))
    }
}

//! Administrative units: the map through time. Units are public reference data
//! (no personal data), so reading them needs no scope; changing them is an
//! administrator's import.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use time::Date;
use treem_domain::access::ScopeSet;
use treem_domain::clock::Clock;
use treem_domain::text::search_key;
use treem_domain::unit_import::ParsedFiles;
use treem_domain::units::{AdminUnit, ParentLink, Reaggregation, Succession, TreeNode, UnitCatalog, UnitId};
use treem_storage::{Store, UnitImportSummary};

use crate::AppError;

/// Everything known about one unit, for its page.
#[derive(Debug, Clone)]
pub struct UnitDetail {
    pub unit: AdminUnit,
    /// Each parent link with the parent unit.
    pub parents: Vec<(ParentLink, AdminUnit)>,
    /// Children on the last day of the unit's life (or today).
    pub children: Vec<AdminUnit>,
    pub children_on: Date,
    pub predecessors: Vec<(Succession, AdminUnit)>,
    pub successors: Vec<(Succession, AdminUnit)>,
    /// Other units that held the same code in other periods.
    pub same_code: Vec<AdminUnit>,
}

/// Reads the unit map from a snapshot kept in memory and refreshed after every
/// import, so tree queries never touch the database.
pub struct UnitService {
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    catalog: RwLock<Arc<UnitCatalog>>,
    /// Scope sets by scope unit, dropped whenever the map changes.
    scopes: Mutex<HashMap<UnitId, Arc<ScopeSet>>>,
}

impl UnitService {
    pub(crate) async fn new(clock: Arc<dyn Clock>, store: Arc<dyn Store>) -> Result<Self, AppError> {
        let catalog = store.load_units().await?;
        Ok(Self { clock, store, catalog: RwLock::new(Arc::new(catalog)), scopes: Mutex::new(HashMap::new()) })
    }

    /// The current snapshot.
    pub fn catalog(&self) -> Arc<UnitCatalog> {
        match self.catalog.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    async fn reload(&self) -> Result<(), AppError> {
        let fresh = Arc::new(self.store.load_units().await?);
        match self.catalog.write() {
            Ok(mut c) => *c = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        match self.scopes.lock() {
            Ok(mut m) => m.clear(),
            Err(poisoned) => poisoned.into_inner().clear(),
        }
        Ok(())
    }

    /// The scope of an account scoped to `unit` (cached until the map changes).
    pub fn scope_of(&self, unit: UnitId) -> Arc<ScopeSet> {
        let mut cache = match self.scopes.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        cache.entry(unit).or_insert_with(|| Arc::new(self.catalog().scope_of(unit))).clone()
    }

    pub fn tree_on(&self, date: Date) -> Vec<TreeNode> {
        self.catalog().tree_on(date)
    }

    /// Units valid on `date`, each with its parent then.
    pub fn list_on(&self, date: Date) -> Vec<(AdminUnit, Option<UnitId>)> {
        let c = self.catalog();
        let mut units: Vec<&AdminUnit> = c.units().iter().filter(|u| u.validity.contains(date)).collect();
        treem_domain::units::sort_units(&mut units);
        units.into_iter().map(|u| (u.clone(), c.parent_on(u.id, date))).collect()
    }

    /// Units whose name matches `query` (diacritics and case ignored), newest first.
    pub fn search(&self, query: &str, limit: usize) -> Vec<AdminUnit> {
        let key = search_key(query);
        if key.is_empty() {
            return Vec::new();
        }
        let c = self.catalog();
        let mut hits: Vec<&AdminUnit> = c.units().iter().filter(|u| search_key(&u.name).contains(&key) || u.code == query.trim()).collect();
        treem_domain::units::sort_units(&mut hits);
        hits.sort_by_key(|u| std::cmp::Reverse(u.validity.from));
        hits.into_iter().take(limit).cloned().collect()
    }

    pub fn detail(&self, id: UnitId) -> Result<UnitDetail, AppError> {
        let c = self.catalog();
        let unit = c.get(id).ok_or(AppError::NotFound)?.clone();
        let with_unit = |s: &Succession, other: UnitId| c.get(other).map(|u| (*s, u.clone()));
        let today = self.clock.today_in_vietnam();
        let children_on = unit.validity.to.map_or(today, |to| to.min(today)).max(unit.validity.from);
        Ok(UnitDetail {
            parents: c.parent_history(id).into_iter().filter_map(|l| c.get(l.parent).map(|p| (l, p.clone()))).collect(),
            children: c.children_on(Some(id), children_on).into_iter().cloned().collect(),
            children_on,
            predecessors: c.predecessors_of(id).iter().filter_map(|s| with_unit(s, s.from)).collect(),
            successors: c.successors_of(id).iter().filter_map(|s| with_unit(s, s.to)).collect(),
            same_code: c.by_code(&unit.code).into_iter().filter(|u| u.id != id).cloned().collect(),
            unit,
        })
    }

    /// Carries counts kept against units of any era onto the map of `target`
    /// and sums them up that tree. Unknown unit ids are refused.
    pub fn reaggregate(
        &self,
        counts: &BTreeMap<UnitId, i64>,
        target: Date,
        weights: Option<&HashMap<UnitId, i64>>,
    ) -> Result<(Reaggregation, BTreeMap<UnitId, i64>), AppError> {
        let c = self.catalog();
        if let Some(bad) = counts.keys().chain(weights.into_iter().flat_map(|w| w.keys())).find(|id| c.get(**id).is_none()) {
            return Err(AppError::invalid("counts", format!("unit {} does not exist", bad.0)));
        }
        if let Some((id, _)) = counts.iter().find(|(_, n)| **n < 0) {
            return Err(AppError::invalid("counts", format!("the count of unit {} is negative", id.0)));
        }
        let r = c.reaggregate(counts, target, weights);
        let rolled = c.roll_up(&r.counts, target);
        Ok((r, rolled))
    }

    /// Imports unit and succession files: all or nothing.
    pub async fn import(&self, files: &ParsedFiles, audit: &treem_domain::audit::AuditEvent) -> Result<UnitImportSummary, AppError> {
        let summary = self.store.import_units(files, audit).await?.map_err(AppError::ImportRefused)?;
        self.reload().await?;
        tracing::info!(units_added = summary.units_added, successions_added = summary.successions_added, "units imported");
        Ok(summary)
    }
}

/// Parses a date given by a user (`YYYY-MM-DD`), within the years treem serves (1945–2100,
/// the bounds of a plan's period too): a fixed range, so the answer does not move with the clock.
pub fn parse_user_date(field: &str, s: &str) -> Result<Date, AppError> {
    let d = treem_domain::unit_import::parse_date(s.trim()).ok_or_else(|| AppError::invalid(field, "expected a date as YYYY-MM-DD"))?;
    if !(1945..=2100).contains(&d.year()) {
        return Err(AppError::invalid(field, "the date is outside the years treem serves"));
    }
    Ok(d)
}

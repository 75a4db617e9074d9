//! Plans as data: imported from a TOML file (or the API), checked, stored whole,
//! read by anyone (a plan is a public document).

use std::collections::BTreeMap;
use std::sync::Arc;
use treem_domain::access::{Action, Visibility};
use treem_domain::audit::Outcome;
use treem_domain::clock::Clock;
use treem_domain::indicator::{
    check_definition, counts_on_map, parse_catalogue, percent_hundredths, public_values_together, FactKind, Facts, Formula, Indicator,
    PublicValue,
};
use treem_domain::plan::{
    check_plan, milestone_status, unit_status_progress, unit_target_progress, yearly_change_progress, MilestoneUnit, Plan, StatusYear,
    TargetKind, UnitTargetYears, YearProgress, YearStatus, UNIT_STATUSES,
};
use treem_domain::units::{UnitId, UnitLevel};
use treem_storage::{IndicatorRow, PlanRow, StorageError, Store, UnitStatusRow};

use crate::accounts::Operator;
use crate::facts::FactCache;
use crate::figures::PlanFigures;
use crate::units::UnitService;
use crate::Actor;
use crate::AppError;

mod catalogue;
mod document;
mod progress;
mod public;
mod unit_statuses;
mod values;

pub use catalogue::*;
pub use document::*;
pub use progress::*;
pub use public::*;
pub use unit_statuses::*;
pub use values::*;

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
    pub(crate) clock: Arc<dyn Clock>,
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

impl PlanService {
    pub(crate) fn new(clock: Arc<dyn Clock>, store: Arc<dyn Store>, units: Arc<UnitService>, facts: Arc<FactCache>) -> Self {
        let bundled = parse_catalogue("data/indicators/catalogue.toml", treem_domain::bundled::INDICATORS).map_err(|e| e.join("; "));
        Self {
            clock,
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
}

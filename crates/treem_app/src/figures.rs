//! The plans' figures (the plan page and its charts, the home page's glance, the
//! catalogue's trends, the plan API), computed once and shared by the requests that
//! would compute the same thing: a dashboard under load is read far more often than
//! the records behind it change.
//!
//! Nothing here decides or computes: each figure is still one `treem_app` call,
//! and an entry is served only while everything that call reads is unchanged,
//! so a figure read after a save still includes it. What a call reads, and how
//! its key knows it is unchanged:
//! - the facts: the fact cache hands out one shared snapshot until a write marks
//!   it stale, so the snapshot's identity (its `Arc`s, held here so that no other
//!   allocation can take their address) names the facts exactly;
//! - the unit map: one shared `UnitCatalog`, replaced on import (identity again);
//! - the plan: the plan service hands out one shared `Arc` per version (identity; compared
//!   whole only when the identity differs);
//! - the caller's scope: one shared `ScopeSet` per scope unit (identity, then whole);
//! - unit statuses: the plan service's version number, changed by every status write;
//! - the day in Vietnam (a year's status depends on it).
//!
//! The lasting fix belongs in `treem_app` (see docs/PERFORMANCE.md): there the
//! service knows when its inputs change without comparing them.

use std::sync::{Arc, Mutex};
use time::Date;
use treem_app::plans::{PublicIndicator, TargetProgress};
use treem_app::{Actor, App, AppError};
use treem_domain::access::ScopeSet;
use treem_domain::indicator::Fact;
use treem_domain::plan::{Plan, StatusYear};
use treem_domain::units::UnitCatalog;

/// The moment's inputs every figure depends on.
#[derive(Clone)]
struct Moment {
    incidents: Arc<Vec<Fact>>,
    children: Arc<Vec<Fact>>,
    catalog: Arc<UnitCatalog>,
    today: Date,
}

impl Moment {
    async fn now(app: &App) -> Result<Self, AppError> {
        let facts = app.facts.snapshot().await?;
        Ok(Self {
            incidents: facts.incidents,
            children: facts.children,
            catalog: app.units.catalog(),
            today: treem_domain::calendar::today_in_vietnam(),
        })
    }

    fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.incidents, &other.incidents)
            && Arc::ptr_eq(&self.children, &other.children)
            && Arc::ptr_eq(&self.catalog, &other.catalog)
            && self.today == other.today
    }
}

type ProgressEntry = (Arc<Plan>, Arc<ScopeSet>, Arc<Vec<TargetProgress>>);
type PublicEntry = (Arc<Plan>, Arc<Vec<PublicIndicator>>);

/// The same plan: the same shared version, or an equal one.
fn same_plan(a: &Arc<Plan>, b: &Arc<Plan>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

fn same_scope(a: &Arc<ScopeSet>, b: &Arc<ScopeSet>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}
type UnitProgress = Arc<Vec<(String, Vec<StatusYear>)>>;

/// Unit-target progress reads no facts: its entries are kept apart, so that reading it
/// never waits for the fact cache to reload after a save.
struct UnitEntry {
    catalog: Arc<UnitCatalog>,
    today: Date,
    plan: Arc<Plan>,
    statuses: u64,
    value: UnitProgress,
}

/// Entries of one moment; replaced whole when the moment changes, so that no
/// outdated snapshot of the facts is kept alive.
struct Entries {
    moment: Moment,
    progress: Vec<ProgressEntry>,
    public: Vec<PublicEntry>,
}

/// At most this many entries of a kind (scopes × plans); the oldest goes first.
const MAX_ENTRIES: usize = 256;

#[derive(Default)]
pub struct PlanFigures {
    entries: Mutex<Option<Entries>>,
    units: Mutex<Vec<UnitEntry>>,
}

fn keep<T>(list: &mut Vec<T>, entry: T) {
    if list.len() >= MAX_ENTRIES {
        list.remove(0);
    }
    list.push(entry);
}

impl PlanFigures {
    /// Runs `look` on the entries of `moment`, starting them afresh if the moment changed.
    fn with<R>(&self, moment: &Moment, look: impl FnOnce(&mut Entries) -> R) -> R {
        let mut guard = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !guard.as_ref().is_some_and(|e| e.moment.same(moment)) {
            *guard = None;
        }
        look(guard.get_or_insert_with(|| Entries { moment: moment.clone(), progress: Vec::new(), public: Vec::new() }))
    }

    /// Runs `add` on the entries of `moment` only if it is still the current one (a
    /// newer moment seen meanwhile by another request is kept, not pushed back).
    fn store(&self, moment: &Moment, add: impl FnOnce(&mut Entries)) {
        let mut guard = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(entries) = guard.as_mut().filter(|e| e.moment.same(moment)) {
            add(entries);
        }
    }

    /// [`treem_app::plans::PlanService::progress`], shared by callers of one scope.
    pub async fn progress(&self, app: &App, actor: &Actor, plan: &Arc<Plan>) -> Result<Arc<Vec<TargetProgress>>, AppError> {
        actor.require(treem_domain::access::Action::List)?;
        let moment = Moment::now(app).await?;
        let found = self.with(&moment, |e| {
            e.progress.iter().find(|(p, s, _)| same_plan(p, plan) && same_scope(s, &actor.scope)).map(|(_, _, v)| v.clone())
        });
        if let Some(v) = found {
            return Ok(v);
        }
        let value = Arc::new(app.plans.progress(actor, plan).await?);
        self.store(&moment, |e| keep(&mut e.progress, (plan.clone(), actor.scope.clone(), value.clone())));
        Ok(value)
    }

    /// [`treem_app::plans::PlanService::public_statistics`], shared by every reader.
    pub async fn public_statistics(&self, app: &App, plan: &Arc<Plan>) -> Result<Arc<Vec<PublicIndicator>>, AppError> {
        let moment = Moment::now(app).await?;
        if let Some(v) = self.with(&moment, |e| e.public.iter().find(|(p, _)| same_plan(p, plan)).map(|(_, v)| v.clone())) {
            return Ok(v);
        }
        let value = Arc::new(app.plans.public_statistics(plan).await?);
        self.store(&moment, |e| keep(&mut e.public, (plan.clone(), value.clone())));
        Ok(value)
    }

    /// [`treem_app::plans::PlanService::unit_progress`], shared by every reader while the statuses are unchanged.
    pub async fn unit_progress(&self, app: &App, plan: &Arc<Plan>) -> Result<UnitProgress, AppError> {
        let catalog = app.units.catalog();
        let today = treem_domain::calendar::today_in_vietnam();
        let statuses = app.plans.unit_statuses_version();
        let same =
            |e: &UnitEntry| Arc::ptr_eq(&e.catalog, &catalog) && e.today == today && same_plan(&e.plan, plan) && e.statuses == statuses;
        let found = self.units.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().find(|e| same(e)).map(|e| e.value.clone());
        if let Some(v) = found {
            return Ok(v);
        }
        let value = Arc::new(app.plans.unit_progress(plan).await?);
        let mut units = self.units.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // One entry per plan: an older one is outdated.
        units.retain(|e| e.plan.code != plan.code);
        keep(&mut units, UnitEntry { catalog, today, plan: plan.clone(), statuses, value: value.clone() });
        Ok(value)
    }
}

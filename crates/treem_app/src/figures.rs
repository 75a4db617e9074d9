//! The plans' figures (the plan page and its charts, the home page's glance, the
//! catalogue's trends, the plan API), computed once and shared by the requests that
//! would compute the same thing: a dashboard under load is read far more often than
//! the records behind it change. Kept by `PlanService` (with its other memos, so that
//! every cache of computed figures sits in one place and a catalogue save drops them).
//!
//! Nothing here decides or computes: each figure is still one `PlanService` call,
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
//! - the indicator catalogue: the plan service's catalogue version, changed by every
//!   indicator save (which also drops every entry);
//! - the day in Vietnam (a year's status depends on it).

use crate::plans::{PlanService, PublicIndicator, TargetProgress};
use crate::{Actor, AppError};
use std::sync::{Arc, Mutex};
use time::Date;
use treem_domain::access::{ScopeSet, Visibility};
use treem_domain::indicator::Fact;
use treem_domain::plan::{Plan, StatusYear};
use treem_domain::units::UnitCatalog;

/// The moment's inputs every figure depends on.
#[derive(Clone)]
struct Moment {
    incidents: Arc<Vec<Fact>>,
    children: Arc<Vec<Fact>>,
    children_seen: Arc<Vec<(Visibility, Arc<Vec<Fact>>)>>,
    cases: Arc<Vec<Fact>>,
    catalog: Arc<UnitCatalog>,
    /// The indicator catalogue's version.
    indicators: u64,
    today: Date,
}

impl Moment {
    async fn now(plans: &PlanService) -> Result<Self, AppError> {
        // The catalogue's version first: a figure computed from an older catalogue is
        // then kept under an older version, never served after the save.
        let indicators = plans.catalogue_version();
        let facts = plans.facts.snapshot().await?;
        Ok(Self {
            incidents: facts.incidents,
            children: facts.children,
            children_seen: facts.children_seen,
            cases: facts.cases,
            catalog: plans.units.catalog(),
            indicators,
            today: plans.clock.today_in_vietnam(),
        })
    }

    fn same(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.incidents, &other.incidents)
            && Arc::ptr_eq(&self.children, &other.children)
            && Arc::ptr_eq(&self.children_seen, &other.children_seen)
            && Arc::ptr_eq(&self.cases, &other.cases)
            && Arc::ptr_eq(&self.catalog, &other.catalog)
            && self.indicators == other.indicators
            && self.today == other.today
    }
}

type ProgressEntry = (Arc<Plan>, Arc<ScopeSet>, Visibility, Arc<Vec<TargetProgress>>);
type PublicEntry = (Arc<Plan>, Arc<Vec<PublicIndicator>>);

/// The same plan: the same shared version, or an equal one.
fn same_plan(a: &Arc<Plan>, b: &Arc<Plan>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}

fn same_scope(a: &Arc<ScopeSet>, b: &Arc<ScopeSet>) -> bool {
    Arc::ptr_eq(a, b) || a == b
}
pub type UnitProgress = Arc<Vec<(String, Vec<StatusYear>)>>;

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
pub(crate) struct PlanFigures {
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

    /// Drops every entry (an indicator was saved).
    pub(crate) fn forget(&self) {
        *self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }

    /// [`PlanService::progress`], shared by callers of one scope.
    pub(crate) async fn progress(
        &self,
        plans: &PlanService,
        actor: &Actor,
        plan: &Arc<Plan>,
    ) -> Result<Arc<Vec<TargetProgress>>, AppError> {
        actor.require(treem_domain::access::Action::List)?;
        let moment = Moment::now(plans).await?;
        let found = self.with(&moment, |e| {
            // Readers of one scope share figures only if they see the same classes.
            e.progress
                .iter()
                .find(|(p, s, view, _)| same_plan(p, plan) && same_scope(s, &actor.scope) && *view == actor.role.visibility())
                .map(|(_, _, _, v)| v.clone())
        });
        if let Some(v) = found {
            return Ok(v);
        }
        let value = Arc::new(plans.progress(actor, plan).await?);
        self.store(&moment, |e| keep(&mut e.progress, (plan.clone(), actor.scope.clone(), actor.role.visibility(), value.clone())));
        Ok(value)
    }

    /// [`PlanService::public_statistics`], shared by every reader.
    pub(crate) async fn public_statistics(&self, plans: &PlanService, plan: &Arc<Plan>) -> Result<Arc<Vec<PublicIndicator>>, AppError> {
        let moment = Moment::now(plans).await?;
        if let Some(v) = self.with(&moment, |e| e.public.iter().find(|(p, _)| same_plan(p, plan)).map(|(_, v)| v.clone())) {
            return Ok(v);
        }
        let value = Arc::new(plans.public_statistics(plan).await?);
        self.store(&moment, |e| keep(&mut e.public, (plan.clone(), value.clone())));
        Ok(value)
    }

    /// [`PlanService::unit_progress`], shared by every reader while the statuses are unchanged.
    pub(crate) async fn unit_progress(&self, plans: &PlanService, plan: &Arc<Plan>) -> Result<UnitProgress, AppError> {
        let catalog = plans.units.catalog();
        let today = plans.clock.today_in_vietnam();
        let statuses = plans.unit_statuses_version();
        let same =
            |e: &UnitEntry| Arc::ptr_eq(&e.catalog, &catalog) && e.today == today && same_plan(&e.plan, plan) && e.statuses == statuses;
        let found = self.units.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().find(|e| same(e)).map(|e| e.value.clone());
        if let Some(v) = found {
            return Ok(v);
        }
        let value = Arc::new(plans.unit_progress(plan).await?);
        let mut units = self.units.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        // One entry per plan: an older one is outdated.
        units.retain(|e| e.plan.code != plan.code);
        keep(&mut units, UnitEntry { catalog, today, plan: plan.clone(), statuses, value: value.clone() });
        Ok(value)
    }
}

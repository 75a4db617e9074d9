//! The indicator engine's facts, kept in memory and made fresh by the writes
//! themselves: every service that changes an incident or a child tells the cache,
//! and the next reading reloads that kind of fact (and only that kind). No nightly
//! rebuild; a figure read after a save includes it.
//!
//! One process per database is assumed: a second `treem serve` on the same
//! PostgreSQL would not hear the first one's writes (docs/PLANS.md, gaps).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use treem_domain::indicator::{child_facts, Fact, FactKind, Facts};
use treem_domain::units::UnitId;
use treem_storage::Store;

use crate::AppError;

/// One kind of fact: the data and the generation it was loaded at.
#[derive(Default)]
struct Slot {
    /// Bumped after every committed write that may change this kind of fact.
    generation: AtomicU64,
    loaded: RwLock<Option<(u64, Arc<Vec<Fact>>)>>,
    /// One loader at a time; the others wait and take its result.
    loading: tokio::sync::Mutex<()>,
}

pub struct FactCache {
    store: Arc<dyn Store>,
    incidents: Slot,
    children: Slot,
}

/// The facts as they were at one moment, shared by every reader of that moment.
#[derive(Clone)]
pub struct FactSnapshot {
    pub incidents: Arc<Vec<Fact>>,
    pub children: Arc<Vec<Fact>>,
}

impl FactSnapshot {
    /// The facts for which `keep(kind, unit, day)` holds (an actor's scope). `keep` is
    /// asked once per unit and day, not once per fact.
    pub fn filtered(&self, mut keep: impl FnMut(FactKind, UnitId, time::Date) -> bool) -> Facts {
        let mut pick = |kind: FactKind, list: &[Fact]| -> Vec<Fact> {
            let mut memo: HashMap<(UnitId, time::Date), bool> = HashMap::new();
            list.iter().filter(|f| *memo.entry((f.unit, f.day)).or_insert_with(|| keep(kind, f.unit, f.day))).cloned().collect()
        };
        Facts { incidents: pick(FactKind::Incidents, &self.incidents), children: pick(FactKind::Children, &self.children) }
    }

    /// Every fact, unfiltered (for figures over a plan's whole area).
    pub fn all(&self) -> Facts {
        Facts { incidents: self.incidents.to_vec(), children: self.children.to_vec() }
    }
}

impl FactCache {
    pub(crate) fn new(store: Arc<dyn Store>) -> Self {
        Self { store, incidents: Slot::default(), children: Slot::default() }
    }

    /// Called after a write that may change an incident's counted fields.
    pub fn incidents_changed(&self) {
        self.incidents.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Called after a write that may change a counted child (birth, sex, residence,
    /// household or its poverty, circumstances, disability, merges).
    pub fn children_changed(&self) {
        self.children.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Passes a write's result through, after marking `kind` as changed (a failed write
    /// marks it too: a needless reload is cheaper than a stale figure).
    pub fn after<T>(&self, kind: FactKind, result: T) -> T {
        self.slot(kind).generation.fetch_add(1, Ordering::SeqCst);
        result
    }

    /// The current facts; reloads each kind written since it was last loaded.
    pub async fn snapshot(&self) -> Result<FactSnapshot, AppError> {
        Ok(FactSnapshot { incidents: self.current(FactKind::Incidents).await?, children: self.current(FactKind::Children).await? })
    }

    fn slot(&self, kind: FactKind) -> &Slot {
        match kind {
            FactKind::Incidents => &self.incidents,
            FactKind::Children => &self.children,
        }
    }

    fn fresh(slot: &Slot) -> Option<Arc<Vec<Fact>>> {
        let now = slot.generation.load(Ordering::SeqCst);
        let loaded = slot.loaded.read().ok()?;
        loaded.as_ref().filter(|(g, _)| *g == now).map(|(_, f)| f.clone())
    }

    async fn current(&self, kind: FactKind) -> Result<Arc<Vec<Fact>>, AppError> {
        let slot = self.slot(kind);
        if let Some(f) = Self::fresh(slot) {
            return Ok(f);
        }
        let _one = slot.loading.lock().await;
        if let Some(f) = Self::fresh(slot) {
            return Ok(f);
        }
        // The generation is read before loading: a write committed during the load
        // bumps it again, so this result is not taken as fresh after that write.
        let generation = slot.generation.load(Ordering::SeqCst);
        let facts = Arc::new(self.load(kind).await?);
        if let Ok(mut l) = slot.loaded.write() {
            *l = Some((generation, facts.clone()));
        }
        Ok(facts)
    }

    async fn load(&self, kind: FactKind) -> Result<Vec<Fact>, AppError> {
        let today = treem_domain::calendar::today_in_vietnam();
        match kind {
            FactKind::Incidents => Ok(self.store.incident_facts().await?),
            FactKind::Children => {
                let children = self.store.child_records().await?;
                let poverty: HashMap<(i64, i32), &'static str> = self
                    .store
                    .household_poverty()
                    .await?
                    .into_iter()
                    .filter_map(|(h, y, s)| {
                        let status = ["poor", "near_poor", "neither"].into_iter().find(|p| *p == s)?;
                        Some(((h, y), status))
                    })
                    .collect();
                let first = children.iter().map(|c| c.birth_date.year()).min().unwrap_or(today.year()).max(FIRST_YEAR);
                Ok(child_facts(&children, |h, y| poverty.get(&(h, y)).copied(), first..=today.year(), today))
            }
        }
    }
}

/// Children are counted from this year on (the founding plan's baseline year is 2012).
pub const FIRST_YEAR: i32 = 2010;

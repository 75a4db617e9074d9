//! The indicator engine's facts, kept in memory and made fresh by the writes
//! themselves. A saved incident is added to the facts as it is saved; a changed child
//! or household is read back alone and its old contribution replaced by its new one.
//! No nightly rebuild, no full reload after a save: a figure read after a save
//! includes it. A full reload happens on the first reading, after a bulk load, when
//! the day changes (ages and the current year's counting day move), and every
//! [`FULL_RELOAD_AFTER`] as a safety net. Cases are few: any case write reads their
//! facts again. Whether a case is late also moves with the clock: it is brought up to
//! date at each full reload (at most [`FULL_RELOAD_AFTER`] behind). Reported values
//! are few too (elements × units × years): a saved value reads them all again, so the
//! old value is replaced by the new one at once. A recorded fund movement joins the
//! facts as it is recorded, like an incident. A household saved or given a poverty
//! status is read back alone: its old household facts out, its new ones in.
//!
//! Writes of other processes on the same PostgreSQL database are announced by the
//! database (a trigger on the audit log, NOTIFY) and taken like this process's own
//! ([`FactCache::heard`]); a SQLite file belongs to one process.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};
use time::Date;
use treem_domain::access::Visibility;
use treem_domain::clock::Clock;
use treem_domain::incident::IncidentFields;
use treem_domain::indicator::{
    child_facts, counting_day, household_facts, incident_fact_class, unit_facts, ChildCoder, ChildRecord, Count, Fact, FactKind, Facts,
    HouseholdEntry, FIELD_COUNT,
};
use treem_domain::units::{UnitCatalog, UnitId};
use treem_storage::Store;

use crate::units::UnitService;
use crate::AppError;

/// Children are counted from this year on (the founding plan's baseline year is 2012).
pub const FIRST_YEAR: i32 = 2010;

/// The longest the facts go without a full reload from the database.
pub const FULL_RELOAD_AFTER: Duration = Duration::from_secs(15 * 60);

/// The facts as they were at one moment, shared by every reader of that moment.
#[derive(Clone)]
pub struct FactSnapshot {
    pub incidents: Arc<Vec<Fact>>,
    /// The children as the full view counts them (every sensitive class seen).
    pub children: Arc<Vec<Fact>>,
    /// The children as each partial view counts them ([`Visibility::partial_views`]):
    /// as if the memberships of the groups it does not see had never been recorded.
    pub children_seen: Arc<Vec<(Visibility, Arc<Vec<Fact>>)>>,
    pub cases: Arc<Vec<Fact>>,
    pub units: Arc<Vec<Fact>>,
    pub reported: Arc<Vec<Fact>>,
    pub fund: Arc<Vec<Fact>>,
    pub households: Arc<Vec<Fact>>,
}

impl FactSnapshot {
    /// The facts a reader of `view` may count, for which `keep(kind, unit, day)` holds
    /// (an actor's scope). `keep` is asked once per unit and day, not once per fact.
    /// Incidents of a class the view does not see are left out, and children are
    /// counted as that view counts them: the figures are those of a register in which
    /// the hidden attributes had never been recorded.
    pub fn filtered(&self, view: Visibility, mut keep: impl FnMut(FactKind, UnitId, Date) -> bool) -> Facts {
        let mut pick = |kind: FactKind, list: &[Fact], seen: &dyn Fn(&Fact) -> bool| -> Vec<Fact> {
            let mut memo: HashMap<(UnitId, Date), bool> = HashMap::new();
            list.iter().filter(|f| seen(f) && *memo.entry((f.unit, f.day)).or_insert_with(|| keep(kind, f.unit, f.day))).cloned().collect()
        };
        let everything = |_: &Fact| true;
        Facts {
            incidents: pick(FactKind::Incidents, &self.incidents, &|f| view.sees(incident_fact_class(f))),
            children: pick(FactKind::Children, self.children_of(view), &everything),
            cases: pick(FactKind::Cases, &self.cases, &everything),
            units: pick(FactKind::Units, &self.units, &everything),
            reported: pick(FactKind::Reported, &self.reported, &everything),
            fund: pick(FactKind::Fund, &self.fund, &everything),
            households: pick(FactKind::Households, &self.households, &everything),
        }
    }

    /// The child facts as `view` counts them.
    fn children_of(&self, view: Visibility) -> &[Fact] {
        if !view.hides_any() {
            return &self.children;
        }
        match self.children_seen.iter().find(|(v, _)| *v == view) {
            Some((_, list)) => list,
            // A view the engine does not keep (no role that lists has it): nothing is
            // counted rather than too much.
            None => &[],
        }
    }

    /// Whether `other` is this very snapshot (the same shared lists).
    pub fn same_as(&self, other: &FactSnapshot) -> bool {
        // Destructured, so that a new kind of fact cannot be left out of the comparison.
        let FactSnapshot { incidents, children, children_seen, cases, units, reported, fund, households } = self;
        Arc::ptr_eq(incidents, &other.incidents)
            && Arc::ptr_eq(children, &other.children)
            && Arc::ptr_eq(children_seen, &other.children_seen)
            && Arc::ptr_eq(cases, &other.cases)
            && Arc::ptr_eq(units, &other.units)
            && Arc::ptr_eq(reported, &other.reported)
            && Arc::ptr_eq(fund, &other.fund)
            && Arc::ptr_eq(households, &other.households)
    }

    /// Every fact, unfiltered.
    pub fn all(&self) -> Facts {
        Facts {
            incidents: self.incidents.to_vec(),
            children: self.children.to_vec(),
            cases: self.cases.to_vec(),
            units: self.units.to_vec(),
            reported: self.reported.to_vec(),
            fund: self.fund.to_vec(),
            households: self.households.to_vec(),
        }
    }
}

/// Writes heard since the last update of the facts.
#[derive(Default)]
struct Pending {
    incidents: Vec<Fact>,
    children: HashSet<i64>,
    households: HashSet<i64>,
    /// A case was opened or moved a step: the case facts are read again (they are few).
    cases: bool,
    /// A unit status was recorded or ended: the unit facts are made again (they are few).
    units: bool,
    /// A reported value was saved: the reported facts are read again (they are few).
    reported: bool,
    /// Fund movements recorded: they join the facts.
    fund: Vec<Fact>,
    /// Another process wrote incidents or fund movements: they are read again whole.
    incidents_again: bool,
    fund_again: bool,
    /// Reload everything (a bulk load, or a write that could not be followed).
    full: bool,
}

type GroupKey = (UnitId, Date, [u8; FIELD_COUNT]);

/// The register as the child facts are built from it, so that one child's change is
/// a small correction, not a rebuild.
#[derive(Default)]
struct Register {
    records: Vec<Option<ChildRecord>>,
    index: HashMap<i64, usize>,
    by_household: HashMap<i64, Vec<usize>>,
    poverty: HashMap<(i64, i32), &'static str>,
    grouped: HashMap<GroupKey, i64>,
    /// For each partial view, how its child facts differ from the full view's: only the
    /// few children with a membership of a group the view does not see contribute, so a
    /// view costs what those children cost, not a second register.
    deltas: Vec<(Visibility, HashMap<GroupKey, i64>)>,
}

fn add_to(map: &mut HashMap<GroupKey, i64>, f: &Fact, by: i64) {
    let key = (f.unit, f.day, f.codes);
    let entry = map.entry(key).or_default();
    *entry += by;
    if *entry == 0 {
        map.remove(&key);
    }
}

impl Register {
    fn new(poverty: HashMap<(i64, i32), &'static str>) -> Self {
        let deltas = Visibility::partial_views().into_iter().map(|v| (v, HashMap::new())).collect();
        Self { poverty, deltas, ..Default::default() }
    }

    fn facts_of(&self, record: &ChildRecord, day: Date, view: Visibility) -> Vec<Fact> {
        let poverty = &self.poverty;
        child_facts(std::slice::from_ref(record), |h, y| poverty.get(&(h, y)).copied(), FIRST_YEAR..=day.year(), day, view)
    }

    /// Adds (`sign` 1) or takes away (-1) the contribution of record `i`.
    fn apply(&mut self, i: usize, day: Date, sign: i64) {
        let Some(record) = self.records.get(i).and_then(Option::as_ref).cloned() else { return };
        let full = self.facts_of(&record, day, Visibility::ALL);
        for f in &full {
            add_to(&mut self.grouped, f, sign * f.count);
        }
        self.apply_deltas(&record, &full, day, sign);
    }

    /// The partial views' part of [`Self::apply`], given the record's full-view facts.
    fn apply_deltas(&mut self, record: &ChildRecord, full: &[Fact], day: Date, sign: i64) {
        for v in 0..self.deltas.len() {
            let view = self.deltas[v].0;
            if record.circumstances.iter().all(|p| view.sees(p.class)) {
                continue;
            }
            let seen = self.facts_of(record, day, view);
            let delta = &mut self.deltas[v].1;
            for f in &seen {
                add_to(delta, f, sign * f.count);
            }
            for f in full {
                add_to(delta, f, -sign * f.count);
            }
        }
    }

    fn put(&mut self, record: Option<ChildRecord>, id: i64) {
        let i = match self.index.get(&id) {
            Some(i) => *i,
            None if record.is_none() => return,
            None => {
                self.records.push(None);
                self.index.insert(id, self.records.len() - 1);
                self.records.len() - 1
            }
        };
        if let Some(h) = self.records[i].as_ref().and_then(|r| r.household) {
            if let Some(list) = self.by_household.get_mut(&h) {
                list.retain(|x| *x != i);
            }
        }
        if let Some(h) = record.as_ref().and_then(|r| r.household) {
            self.by_household.entry(h).or_default().push(i);
        }
        self.records[i] = record;
    }

    fn facts(&self) -> Vec<Fact> {
        let mut out: Vec<Fact> =
            self.grouped.iter().map(|((unit, day, codes), count)| Fact { unit: *unit, day: *day, codes: *codes, count: *count }).collect();
        out.sort_by_key(|f| (f.day, f.unit, f.codes));
        out
    }

    /// The child facts of every partial view: the full view's corrected by the view's delta.
    fn facts_seen(&self, full: &[Fact]) -> Vec<(Visibility, Arc<Vec<Fact>>)> {
        self.deltas
            .iter()
            .map(|(view, delta)| {
                let mut grouped: HashMap<GroupKey, i64> = HashMap::with_capacity(delta.len());
                for (key, by) in delta {
                    grouped.insert(*key, *by);
                }
                let mut out: Vec<Fact> = Vec::with_capacity(full.len());
                for f in full {
                    let by = grouped.remove(&(f.unit, f.day, f.codes)).unwrap_or(0);
                    if f.count + by != 0 {
                        out.push(Fact { count: f.count + by, ..f.clone() });
                    }
                }
                // Groups only the view has (a child counted without its hidden group).
                out.extend(grouped.into_iter().filter(|(_, by)| *by != 0).map(|((unit, day, codes), count)| Fact {
                    unit,
                    day,
                    codes,
                    count,
                }));
                out.sort_by_key(|f| (f.day, f.unit, f.codes));
                (*view, Arc::new(out))
            })
            .collect()
    }
}

struct State {
    day: Date,
    loaded_at: Instant,
    register: Register,
    households: HouseholdFacts,
}

/// The register's households as their facts are built (each on every counting day, at
/// its unit, by its poverty that year), so that one household's change is a small
/// correction. Their poverty is the register's (`Register::poverty`).
#[derive(Default)]
struct HouseholdFacts {
    units: HashMap<i64, UnitId>,
    grouped: HashMap<GroupKey, i64>,
}

impl HouseholdFacts {
    fn load(catalog: &UnitCatalog, entries: &[HouseholdEntry], poverty: &HashMap<(i64, i32), &'static str>, day: Date) -> Self {
        let grouped = household_facts(catalog, entries, |h, y| poverty.get(&(h, y)).copied(), FIRST_YEAR..=day.year(), day);
        Self {
            units: entries.iter().map(|e| (e.id, e.unit)).collect(),
            grouped: grouped.into_iter().map(|f| ((f.unit, f.day, f.codes), f.count)).collect(),
        }
    }

    fn apply(
        &mut self,
        catalog: &UnitCatalog,
        entry: HouseholdEntry,
        poverty: impl Fn(i64, i32) -> Option<&'static str>,
        day: Date,
        sign: i64,
    ) {
        for f in household_facts(catalog, &[entry], poverty, FIRST_YEAR..=day.year(), day) {
            let key = (f.unit, f.day, f.codes);
            let n = self.grouped.entry(key).or_default();
            *n += sign * f.count;
            if *n == 0 {
                self.grouped.remove(&key);
            }
        }
    }

    fn facts(&self) -> Vec<Fact> {
        let mut out: Vec<Fact> =
            self.grouped.iter().map(|((unit, day, codes), count)| Fact { unit: *unit, day: *day, codes: *codes, count: *count }).collect();
        out.sort_by_key(|f| (f.day, f.unit, f.codes));
        out
    }
}

pub struct FactCache {
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    /// The map of units, for the unit facts.
    unit_map: Arc<UnitService>,
    current: RwLock<Option<(Date, FactSnapshot)>>,
    dirty: AtomicBool,
    pending: Mutex<Pending>,
    /// One updater at a time; it also holds what child facts are built from.
    state: tokio::sync::Mutex<Option<State>>,
}

impl FactCache {
    pub(crate) fn new(clock: Arc<dyn Clock>, store: Arc<dyn Store>, unit_map: Arc<UnitService>) -> Self {
        Self {
            clock,
            store,
            unit_map,
            current: RwLock::new(None),
            dirty: AtomicBool::new(true),
            pending: Mutex::new(Pending { full: true, ..Default::default() }),
            state: tokio::sync::Mutex::new(None),
        }
    }

    fn note(&self, change: impl FnOnce(&mut Pending)) {
        match self.pending.lock() {
            Ok(mut p) => change(&mut p),
            Err(poisoned) => poisoned.into_inner().full = true,
        }
        // After the change is noted: an updater that clears the flag first takes it.
        self.dirty.store(true, Ordering::SeqCst);
    }

    /// Everything changed (a bulk load): the next reading reloads from the database.
    pub fn reload(&self) {
        self.note(|p| p.full = true);
    }

    /// After an incident was written: its fact joins the facts.
    pub fn after_incident<T, E>(&self, fields: &IncidentFields, result: Result<T, E>) -> Result<T, E> {
        if result.is_ok() {
            let fact = Fact::of_incident(fields);
            self.note(|p| p.incidents.push(fact));
        }
        result
    }

    /// After a write that may change a counted child (birth, sex, residence, household,
    /// circumstances, disability, a merge): the child is read back at the next reading.
    /// Marked even when the write failed: a needless reading is cheaper than a stale figure.
    pub fn after_child<T>(&self, child: i64, result: T) -> T {
        self.note(|p| {
            p.children.insert(child);
        });
        result
    }

    /// After a child was added: read at the next reading.
    pub fn after_new_child<E>(&self, result: Result<i64, E>) -> Result<i64, E> {
        if let Ok(id) = &result {
            let id = *id;
            self.note(|p| {
                p.children.insert(id);
            });
        }
        result
    }

    /// After a case was opened or moved a step (its state, risk or tasks changed).
    pub fn after_case<T>(&self, result: T) -> T {
        self.note(|p| p.cases = true);
        result
    }

    /// After a unit status was recorded or ended.
    pub fn after_unit_status<T>(&self, result: T) -> T {
        self.note(|p| p.units = true);
        result
    }

    /// After a reported value was saved (or a save failed: a needless reading is cheap).
    pub fn after_reported<T>(&self, result: T) -> T {
        self.note(|p| p.reported = true);
        result
    }

    /// After a fund movement was recorded: its fact joins the facts.
    pub fn after_fund<E>(&self, movement: &treem_domain::fund::FundMovement, result: Result<i64, E>) -> Result<i64, E> {
        if result.is_ok() {
            let fact = movement.fact();
            self.note(|p| p.fund.push(fact));
        }
        result
    }

    /// A write another process committed (heard from the database): the facts it may
    /// change are read again at the next reading, as after a write of this process.
    /// Returns whether the write touches anything the facts hold.
    pub fn heard(&self, write: &treem_storage::HeardWrite) -> bool {
        let id = || write.record_key.as_deref().and_then(|k| k.parse::<i64>().ok());
        let area = write.action.split('.').next().unwrap_or_default();
        let read_only = write.action.ends_with(".read") || write.action.ends_with(".export") || write.action.contains(".read_");
        if write.is_lost() || write.action == "demo.generate" || write.action.starts_with("units.") {
            self.reload();
            return true;
        }
        if read_only {
            return false;
        }
        match (area, write.record_type.as_deref(), id()) {
            ("incident", ..) => self.note(|p| p.incidents_again = true),
            ("child", Some("child"), Some(child)) => self.note(|p| {
                p.children.insert(child);
            }),
            ("household", Some("household"), Some(h)) => self.note(|p| {
                p.households.insert(h);
            }),
            // A child or household write that does not name its record: everything again.
            ("child" | "household", ..) => self.reload(),
            // An import of another process: its rows are not named one by one.
            ("import", ..) if write.action == "import.children" => self.reload(),
            ("case" | "referral", ..) => self.note(|p| p.cases = true),
            ("unit_status", ..) => self.note(|p| p.units = true),
            ("reported", ..) => self.note(|p| p.reported = true),
            ("fund", ..) => self.note(|p| p.fund_again = true),
            _ => return false,
        }
        true
    }

    /// After a household was saved or its poverty status changed: read back with its
    /// children, and its own household facts corrected.
    pub fn after_household<T>(&self, household: i64, result: T) -> T {
        self.note(|p| {
            p.households.insert(household);
        });
        result
    }

    /// The current facts, brought up to date with every write heard.
    pub async fn snapshot(&self) -> Result<FactSnapshot, AppError> {
        let today = self.clock.today_in_vietnam();
        if let Some(snapshot) = self.up_to_date(today) {
            return Ok(snapshot);
        }
        let mut state = self.state.lock().await;
        // Another reader may have brought it up to date while this one waited.
        if let Some(snapshot) = self.up_to_date(today) {
            return Ok(snapshot);
        }
        self.dirty.store(false, Ordering::SeqCst);
        let pending = match self.pending.lock() {
            Ok(mut p) => std::mem::take(&mut *p),
            Err(poisoned) => {
                let mut p = poisoned.into_inner();
                let mut taken = std::mem::take(&mut *p);
                taken.full = true;
                taken
            }
        };
        let previous = self.current.read().ok().and_then(|c| c.as_ref().map(|(_, s)| s.clone()));
        let stale = state.as_ref().is_none_or(|s| s.day != today || s.loaded_at.elapsed() > FULL_RELOAD_AFTER);
        let result = if pending.full || stale || previous.is_none() {
            self.load_all(today).await.map(|(s, snapshot)| {
                *state = Some(s);
                snapshot
            })
        } else {
            match (state.as_mut(), previous) {
                (Some(s), Some(previous)) => self.update(s, previous, pending, today).await,
                _ => Err(AppError::Internal("the fact cache lost its state".into())),
            }
        };
        match result {
            Ok(snapshot) => {
                if let Ok(mut current) = self.current.write() {
                    *current = Some((today, snapshot.clone()));
                }
                Ok(snapshot)
            }
            Err(e) => {
                // Nothing heard is lost: the next reading starts from the database.
                self.reload();
                Err(e)
            }
        }
    }

    /// The ids of the children `count` counts in `year` (on its counting day, by the
    /// same rules as the figures: [`ChildCoder`]) whose residence unit `keep` accepts
    /// (asked once per unit), in id order, from the register as it is now (every write
    /// heard). Only ids: the records themselves are read through the ordinary list.
    pub async fn children_counted(
        &self,
        count: &Count,
        year: i32,
        view: Visibility,
        mut keep: impl FnMut(UnitId) -> bool,
    ) -> Result<Vec<i64>, AppError> {
        self.snapshot().await?;
        let state = self.state.lock().await;
        let Some(state) = state.as_ref() else { return Ok(Vec::new()) };
        let Some(day) = counting_day(year, state.day).filter(|d| d.year() == year) else { return Ok(Vec::new()) };
        let register = &state.register;
        let poverty = |h: i64, y: i32| register.poverty.get(&(h, y)).copied();
        let coder = ChildCoder::new();
        let mut memo: HashMap<UnitId, bool> = HashMap::new();
        let mut out: Vec<i64> = register
            .records
            .iter()
            .flatten()
            .filter(|r| *memo.entry(r.unit).or_insert_with(|| keep(r.unit)))
            .filter(|r| {
                coder.codes(r, &poverty, year, day, view).is_some_and(|codes| count.matches(&Fact { unit: r.unit, day, codes, count: 1 }))
            })
            .map(|r| r.id)
            .collect();
        out.sort_unstable();
        Ok(out)
    }

    /// The current snapshot, if no write was heard since it was made and it is of `today`.
    fn up_to_date(&self, today: Date) -> Option<FactSnapshot> {
        if self.dirty.load(Ordering::SeqCst) {
            return None;
        }
        let current = self.current.read().ok()?;
        current.as_ref().filter(|(day, _)| *day == today).map(|(_, snapshot)| snapshot.clone())
    }

    async fn load_all(&self, today: Date) -> Result<(State, FactSnapshot), AppError> {
        let incidents = self.store.incident_facts().await?;
        let cases = self.store.case_facts(self.clock.now()).await?;
        let children = self.store.child_records().await?;
        let poverty: HashMap<(i64, i32), &'static str> =
            self.store.household_poverty().await?.into_iter().map(|(h, y, s)| ((h, y), s)).collect();
        let mut register = Register::new(poverty);
        let grouped =
            child_facts(&children, |h, y| register.poverty.get(&(h, y)).copied(), FIRST_YEAR..=today.year(), today, Visibility::ALL);
        register.grouped = grouped.into_iter().map(|f| ((f.unit, f.day, f.codes), f.count)).collect();
        for record in children {
            let id = record.id;
            if record.circumstances.iter().any(|p| p.class.is_some()) {
                let full = register.facts_of(&record, today, Visibility::ALL);
                register.apply_deltas(&record, &full, today, 1);
            }
            register.put(Some(record), id);
        }
        let children = Arc::new(register.facts());
        let children_seen = Arc::new(register.facts_seen(&children));
        let units = Arc::new(self.unit_facts(today).await?);
        let reported = self.reported_facts(today).await?;
        let households = HouseholdFacts::load(&self.unit_map.catalog(), &self.store.household_entries().await?, &register.poverty, today);
        let snapshot = FactSnapshot {
            households: Arc::new(households.facts()),
            fund: Arc::new(self.fund_facts().await?),
            incidents: Arc::new(incidents),
            children,
            children_seen,
            cases: Arc::new(cases),
            reported: Arc::new(reported),
            units,
        };
        Ok((State { day: today, loaded_at: Instant::now(), register, households }, snapshot))
    }

    async fn update(&self, state: &mut State, previous: FactSnapshot, pending: Pending, day: Date) -> Result<FactSnapshot, AppError> {
        let incidents = if pending.incidents_again {
            Arc::new(self.store.incident_facts().await?)
        } else if pending.incidents.is_empty() {
            previous.incidents
        } else {
            let mut list = previous.incidents.as_ref().clone();
            list.extend(pending.incidents);
            Arc::new(list)
        };
        let cases = if pending.cases { Arc::new(self.store.case_facts(self.clock.now()).await?) } else { previous.cases };
        let units = if pending.units { Arc::new(self.unit_facts(day).await?) } else { previous.units };
        let reported = if pending.reported { Arc::new(self.reported_facts(day).await?) } else { previous.reported };
        let fund = if pending.fund_again {
            Arc::new(self.fund_facts().await?)
        } else if pending.fund.is_empty() {
            previous.fund
        } else {
            let mut list = previous.fund.as_ref().clone();
            list.extend(pending.fund);
            Arc::new(list)
        };
        // Before the child facts take the households' new poverty (they read the old one).
        let counted_households = self.correct_households(state, &pending.households, day, previous.households).await?;
        if pending.children.is_empty() && pending.households.is_empty() {
            return Ok(FactSnapshot {
                incidents,
                children: previous.children,
                children_seen: previous.children_seen,
                cases,
                reported,
                fund,
                units,
                households: counted_households,
            });
        }
        let ids: Vec<i64> = pending.children.iter().copied().collect();
        let households: Vec<i64> = pending.households.iter().copied().collect();
        let records = self.store.child_records_of(&ids).await?;
        let poverty = self.store.household_poverty_of(&households).await?;
        let register = &mut state.register;
        // The old contribution of every child touched out, then the new one in.
        let touched = |r: &Register| -> Vec<usize> {
            let mut out: Vec<usize> = ids.iter().filter_map(|id| r.index.get(id).copied()).collect();
            out.extend(households.iter().flat_map(|h| r.by_household.get(h).cloned().unwrap_or_default()));
            out.sort_unstable();
            out.dedup();
            out
        };
        for i in touched(register) {
            register.apply(i, day, -1);
        }
        register.poverty.retain(|(h, _), _| !pending.households.contains(h));
        register.poverty.extend(poverty.into_iter().map(|(h, y, s)| ((h, y), s)));
        let mut found: HashMap<i64, ChildRecord> = records.into_iter().map(|r| (r.id, r)).collect();
        for id in &ids {
            register.put(found.remove(id), *id);
        }
        for i in touched(register) {
            register.apply(i, day, 1);
        }
        let children = Arc::new(register.facts());
        let children_seen = Arc::new(register.facts_seen(&children));
        Ok(FactSnapshot { incidents, children, children_seen, cases, reported, fund, units, households: counted_households })
    }

    /// The household facts after the households of `ids` changed (created, or a poverty
    /// status set): each one's old contribution out (with the poverty the register still
    /// holds), its new one in (read back alone). Unchanged without any.
    async fn correct_households(
        &self,
        state: &mut State,
        ids: &HashSet<i64>,
        day: Date,
        previous: Arc<Vec<Fact>>,
    ) -> Result<Arc<Vec<Fact>>, AppError> {
        if ids.is_empty() {
            return Ok(previous);
        }
        let list: Vec<i64> = ids.iter().copied().collect();
        let entries = self.store.household_entries_of(&list).await?;
        let poverty: HashMap<(i64, i32), &'static str> =
            self.store.household_poverty_of(&list).await?.into_iter().map(|(h, y, s)| ((h, y), s)).collect();
        // The map the facts were made with: a unit import is seen at the next full reload.
        let catalog = self.unit_map.catalog();
        let old = &state.register.poverty;
        for id in &list {
            if let Some(unit) = state.households.units.remove(id) {
                state.households.apply(&catalog, HouseholdEntry { id: *id, unit }, |h, y| old.get(&(h, y)).copied(), day, -1);
            }
        }
        for entry in entries {
            state.households.units.insert(entry.id, entry.unit);
            state.households.apply(&catalog, entry, |h, y| poverty.get(&(h, y)).copied(), day, 1);
        }
        Ok(Arc::new(state.households.facts()))
    }

    /// Every unit on each year's counting day with the statuses it holds then.
    async fn unit_facts(&self, today: Date) -> Result<Vec<Fact>, AppError> {
        let statuses = self.store.unit_statuses().await?;
        let spans: Vec<_> = statuses.iter().map(|s| (s.unit, s.kind.as_str(), s.valid_from, s.valid_to)).collect();
        Ok(unit_facts(&self.unit_map.catalog(), &spans, FIRST_YEAR..=today.year(), today))
    }

    /// Every fund movement as a fact, sorted by day and unit.
    async fn fund_facts(&self) -> Result<Vec<Fact>, AppError> {
        let mut fund: Vec<Fact> =
            self.store.fund_movements(&treem_storage::FundFilter::default()).await?.iter().map(|m| m.fact()).collect();
        fund.sort_by_key(|f| (f.day, f.unit, f.codes));
        Ok(fund)
    }

    /// Every reported value as a fact on its year's counting day, sorted by day and unit.
    async fn reported_facts(&self, today: Date) -> Result<Vec<Fact>, AppError> {
        let rows = self.store.reported_values(&treem_storage::ReportedFilter::default()).await?;
        let mut out: Vec<Fact> =
            rows.iter().filter_map(|r| Fact::of_reported(&r.element, &r.sex, r.unit, r.year, r.value, today)).collect();
        out.sort_by_key(|f| (f.day, f.unit, f.codes));
        Ok(out)
    }
}

//! Indicator values within a reader's scope: yearly values, breakdowns by unit and by field, the records behind a figure.

use super::*;

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
pub(super) fn table_of(
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

/// One unit's subtree on the map of a day (the 2013-era tree or the 2025 one), to
/// restrict an indicator's values or disaggregation to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Within {
    pub unit: UnitId,
    pub on: time::Date,
}

/// Facts filtered to one scope, for one snapshot of the facts and one unit map, with
/// the counts by year already made from them (a dashboard asks the same ones again).
pub(super) struct ScopedFacts {
    root: Option<UnitId>,
    /// The sensitive classes the readers of these facts see.
    view: Visibility,
    /// The snapshot these were filtered from.
    source: crate::facts::FactSnapshot,
    catalog: Arc<treem_domain::units::UnitCatalog>,
    facts: Facts,
    counts: std::sync::Mutex<std::collections::HashMap<String, BTreeMap<i32, i64>>>,
    breakdowns: std::sync::Mutex<std::collections::HashMap<BreakdownKey, Breakdown>>,
}

/// A breakdown already made: (indicator, its formula, year, map date, level). The formula
/// is part of the key, so that an entry made before an indicator was changed is never served.
pub(super) type BreakdownKey = (String, String, i32, time::Date, &'static str);

impl ScopedFacts {
    /// Whether these were filtered from `snapshot`.
    pub(super) fn is_of(&self, snapshot: &crate::facts::FactSnapshot) -> bool {
        self.source.same_as(snapshot)
    }

    /// `count` by year over these facts, remembered for the life of this entry.
    pub(super) fn by_year(&self, count: &treem_domain::indicator::Count) -> BTreeMap<i32, i64> {
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

    pub(super) fn yearly_values(&self, formula: &Formula, years: std::ops::RangeInclusive<i32>) -> Vec<(i32, Option<i64>)> {
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
pub(super) const SCOPED_ENTRIES: usize = 64;

impl PlanService {
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
        // The code is a filter of a list, not a record of the path: a wrong one is a bad value.
        let (_, formula) = catalogue.find(code).ok_or_else(|| AppError::invalid("indicator", "no indicator has this code"))?;
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
        let (_, formula) = catalogue.find(code).ok_or_else(|| AppError::invalid("indicator", "no indicator has this code"))?;
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
            FactKind::Units | FactKind::Reported | FactKind::Fund | FactKind::Households => {
                return Err(AppError::invalid("indicator", "only figures of incidents, children and cases open their records"))
            }
            FactKind::Children => {
                let Some(day) = treem_domain::indicator::counting_day(year, self.clock.today_in_vietnam()) else {
                    return Ok((count.fact, Vec::new()));
                };
                self.facts.children_counted(count, year, actor.role.visibility(), |u| reaches(u, day)).await?
            }
            FactKind::Cases => self
                .store
                .case_facts_each(self.clock.now())
                .await?
                .into_iter()
                .filter(|(_, f)| f.day.year() == year && count.matches(f) && reaches(f.unit, f.day))
                .map(|(id, _)| id.0)
                .collect(),
        };
        Ok((count.fact, ids))
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
        let (_, formula) = catalogue.find(code).ok_or_else(|| AppError::invalid("indicator", "no indicator has this code"))?;
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
    pub(super) fn facts_within(&self, actor: &Actor, facts: &ScopedFacts, within: Within) -> Result<Facts, AppError> {
        let catalog = self.units.catalog();
        if catalog.get(within.unit).is_none_or(|u| !u.validity.contains(within.on)) {
            return Err(AppError::invalid("unit", format!("no such unit on {}", within.on)));
        }
        if !actor.covers(within.unit, within.on) {
            return Err(AppError::NotFound);
        }
        Ok(treem_domain::indicator::within_unit(&catalog, facts, within.unit, within.on))
    }

    /// Facts of the caller's scope, each (unit, day) checked as for reading the records,
    /// counted as the caller's role sees them (hidden classes as if never recorded).
    pub(super) async fn facts_in_scope(&self, actor: &Actor) -> Result<Arc<ScopedFacts>, AppError> {
        self.scoped_facts(actor.scope_unit, actor.role.visibility(), |unit, day| actor.covers(unit, day)).await
    }

    /// The current facts of the units and days `covers` accepts, where `covers` is the
    /// scope of `root` (every account scoped to the same unit shares it). An incident is
    /// checked on the day it occurred, as its record is. A child is counted on every
    /// year's counting day, possibly after its residence unit was dissolved (2025): it
    /// is checked on the last day that unit existed, as its record would be. The result
    /// is shared by every reading of the same scope until the facts or the map change.
    pub(super) async fn scoped_facts(
        &self,
        root: Option<UnitId>,
        view: Visibility,
        covers: impl Fn(UnitId, time::Date) -> bool,
    ) -> Result<Arc<ScopedFacts>, AppError> {
        let snapshot = self.facts.snapshot().await?;
        let catalog = self.units.catalog();
        let same = |e: &ScopedFacts| e.root == root && e.view == view && e.is_of(&snapshot) && Arc::ptr_eq(&e.catalog, &catalog);
        if let Some(hit) = self.scoped.lock().ok().and_then(|list| list.iter().find(|e| same(e)).cloned()) {
            return Ok(hit);
        }
        let facts = snapshot.filtered(view, |kind, unit, day| match kind {
            // A reported value is checked on its year's counting day, at the reporting unit;
            // a fund movement on its day, at its fund's unit; a unit on the counting day.
            FactKind::Incidents | FactKind::Cases | FactKind::Units | FactKind::Reported | FactKind::Fund => covers(unit, day),
            // A household too, at its unit.
            FactKind::Children | FactKind::Households => {
                let last = catalog.get(unit).and_then(|u| u.validity.to).map_or(day, |to| day.min(to));
                covers(unit, last)
            }
        });
        let entry = Arc::new(ScopedFacts {
            root,
            view,
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
}

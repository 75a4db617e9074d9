//! How far a plan has come: targets year by year, milestones, unit targets, recomputed baselines.

use super::*;

/// A target followed by an indicator, year by year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetProgress {
    pub target_id: String,
    /// The target's kind: how its years are judged (compounded from the base year, or
    /// against each previous year).
    pub kind: TargetKind,
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

impl PlanService {
    /// The targets that follow an indicator, year by year, counted within the caller's
    /// scope (a commune worker sees the commune's figures). Counts only: no record is read.
    pub async fn progress(&self, actor: &Actor, plan: &Plan) -> Result<Vec<TargetProgress>, AppError> {
        actor.require(Action::List)?;
        let today = self.clock.today_in_vietnam();
        let facts = self.facts_in_scope(actor).await?;
        let catalogue = self.catalogue().await?;
        let mut out = Vec::new();
        for t in &plan.targets {
            let Some(kind) = t.kind.known().filter(|k| k.is_yearly_change()) else { continue };
            let Some(code) = &t.indicator else { continue };
            let Some((_, Formula::Count(count))) = catalogue.iter().find(|(i, _)| &i.code == code) else { continue };
            let by_year = facts.by_year(count);
            out.push(TargetProgress {
                target_id: t.id.clone(),
                kind,
                indicator: code.clone(),
                years: yearly_change_progress(t, &by_year, today),
            });
        }
        Ok(out)
    }

    /// The unit-count and unit-share targets year by year, over the plan's area on each
    /// day counted (public: statuses of units are public decisions).
    pub async fn unit_progress(&self, plan: &Plan) -> Result<Vec<(String, Vec<StatusYear>)>, AppError> {
        let catalog = self.units.catalog();
        let Some(area) = self.area_root(plan) else { return Ok(Vec::new()) };
        let statuses = self.all_unit_statuses().await?;
        let today = self.clock.today_in_vietnam();
        let mut out = Vec::new();
        for t in plan.targets.iter().filter(|t| t.kind.known().is_some_and(TargetKind::is_unit_status)) {
            let kind = t.status.clone().unwrap_or_default();
            let years = unit_status_progress(t, plan.period_from, today, |level, day| {
                let mut n = 0;
                let mut total = 0;
                for id in catalog.subtree_on(area, day) {
                    let Some(u) = catalog.get(id).filter(|u| u.level == level) else { continue };
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
        let today = self.clock.today_in_vietnam();
        let scope_on = treem_domain::unit_import::parse_date(&plan.scope_unit_on);
        let start = time::Date::from_calendar_date(plan.period_from, time::Month::January, 1).ok();
        let mut out = Vec::new();
        for t in plan.targets.iter().filter(|t| t.is(TargetKind::Milestone)) {
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
        let today = self.clock.today_in_vietnam();
        let mut out = Vec::new();
        for (index, u) in plan.unit_targets.iter().enumerate() {
            let Some(t) = plan.targets.iter().find(|t| t.id == u.target) else { continue };
            let Some(on) = treem_domain::unit_import::parse_date(&u.unit_on) else { continue };
            let Some(unit) = catalog.by_code_on(&u.unit_code, on) else { continue };
            let mut counts = BTreeMap::new();
            if t.is_yearly_change() {
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
                    let Some(member) = catalog.get(id).filter(|m| m.level == level) else { continue };
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

    /// [`Self::progress`], shared by the callers of one scope until its inputs change.
    pub async fn shared_progress(&self, actor: &Actor, plan: &Arc<Plan>) -> Result<Arc<Vec<TargetProgress>>, AppError> {
        self.figures.progress(self, actor, plan).await
    }

    /// [`Self::unit_progress`], shared by every reader while the statuses are unchanged.
    pub async fn shared_unit_progress(&self, plan: &Arc<Plan>) -> Result<crate::figures::UnitProgress, AppError> {
        self.figures.unit_progress(self, plan).await
    }
}

//! Plans as data: imported from a TOML file (or the API), checked, stored whole,
//! read by anyone (a plan is a public document).

use std::collections::BTreeMap;
use std::sync::Arc;
use treem_domain::access::Action;
use treem_domain::access::Role;
use treem_domain::audit::Outcome;
use treem_domain::plan::{check_plan, relative_change_progress, Plan, YearProgress};
use treem_storage::{PlanRow, Store};

use crate::accounts::Operator;
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

/// A target followed by an indicator, year by year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetProgress {
    pub target_id: String,
    pub indicator: String,
    pub years: Vec<YearProgress>,
}

pub struct PlanService {
    store: Arc<dyn Store>,
    units: Arc<UnitService>,
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
    pub(crate) fn new(store: Arc<dyn Store>, units: Arc<UnitService>) -> Self {
        Self { store, units }
    }

    /// Checks and stores a plan (a new one, or a new version of the same code).
    /// Provincial officers, administrators and the command line may do this.
    /// Importing the same document again changes nothing and writes no audit entry.
    pub async fn import(&self, by: Operator<'_>, plan: &Plan) -> Result<PlanImport, AppError> {
        let event = match &by {
            Operator::Admin(a) => {
                if !matches!(a.role, Role::SystemAdmin | Role::ProvincialOfficer) {
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
        check_plan(plan).map_err(AppError::InvalidFields)?;
        let on = treem_domain::unit_import::parse_date(&plan.scope_unit_on)
            .ok_or_else(|| AppError::invalid("scope_unit_on", "expected a date"))?;
        if self.units.catalog().by_code_on(&plan.scope_unit_code, on).is_none() {
            return Err(AppError::invalid(
                "scope_unit_code",
                format!("no unit with code {} on {on} (are the administrative units imported?)", plan.scope_unit_code),
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
        self.store.save_plan(&row, &event.record("plan", &plan.code)).await?;
        Ok(if stored.is_some() { PlanImport::Updated } else { PlanImport::Added })
    }

    /// Every plan, oldest period first.
    pub async fn list(&self) -> Result<Vec<Plan>, AppError> {
        self.store
            .plans()
            .await?
            .iter()
            .map(|r| serde_json::from_str::<Plan>(&r.document).map_err(|e| AppError::Internal(format!("plan {}: {e}", r.code))))
            .collect()
    }

    /// The targets that follow an indicator, year by year, counted within the caller's
    /// scope (a commune worker sees the commune's figures). Counts only: no record is read.
    pub async fn progress(&self, actor: &Actor, code: &str) -> Result<Vec<TargetProgress>, AppError> {
        actor.require(Action::List)?;
        let plan = self.get(code).await?;
        let today = treem_domain::calendar::today_in_vietnam();
        let units = actor.scope.units();
        let mut out = Vec::new();
        for t in plan.targets.iter().filter(|t| t.kind == "relative_annual_change") {
            let Some(indicator) = &t.indicator else { continue };
            let (kind, form) = match indicator.as_str() {
                "incidents.sexual_abuse" => ("abuse", Some("xam_hai_tinh_duc")),
                "incidents.conflict_with_law" => ("conflict_with_law", None),
                _ => continue,
            };
            let mut by_year: BTreeMap<i32, i64> = BTreeMap::new();
            for (unit, day, n) in self.store.incident_counts(&units, kind, form).await? {
                if actor.covers(unit, day) {
                    *by_year.entry(day.year()).or_default() += n;
                }
            }
            out.push(TargetProgress {
                target_id: t.id.clone(),
                indicator: indicator.clone(),
                years: relative_change_progress(t, &by_year, today),
            });
        }
        Ok(out)
    }

    pub async fn get(&self, code: &str) -> Result<Plan, AppError> {
        self.list().await?.into_iter().find(|p| p.code == code).ok_or(AppError::NotFound)
    }
}

//! Plans as documents: imported, checked, stored whole, read by anyone.

use super::*;

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanImport {
    Added,
    Updated,
    Unchanged,
}

/// Parses a plan file; a syntax error names the line and column.
pub fn parse_plan_toml(file: &str, text: &str) -> Result<Plan, AppError> {
    toml::from_str::<Plan>(text).map_err(|e| {
        let at = e.span().map(|s| {
            let before = text.get(..s.start).unwrap_or_default();
            format!("line {}", before.lines().count().max(1))
        });
        // serde's own refusals (a field unknown or missing, a wrong type) are sentences the
        // UI translates; the parser's syntax errors are said to be that, with its detail.
        const DATA: [&str; 6] = ["unknown field", "missing field", "invalid type", "invalid value", "unknown variant", "duplicate field"];
        let message = e.message().trim();
        let message = if DATA.iter().any(|d| message.starts_with(d)) {
            message.to_owned()
        } else {
            format!("the text is not valid TOML: {}", message.replace('\n', "; "))
        };
        AppError::invalid(&format!("{file}{}", at.map(|a| format!(":{a}")).unwrap_or_default()), message)
    })
}

impl PlanService {
    /// Checks and stores a plan (a new one, or a new version of the same code).
    /// Whether `actor` may import plans (the pages offer the form only to them).
    pub fn may_import(actor: &Actor) -> bool {
        actor.role.may(Action::ImportPlan)
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
        let mut problems = treem_domain::field_error::FieldErrors::from(check_plan(plan).err().unwrap_or_default());
        let catalogue = self.catalogue().await?;
        for t in &plan.targets {
            if let Some(code) = &t.indicator {
                match catalogue.iter().find(|(i, _)| &i.code == code) {
                    None => problems.push(format!("targets[{}].indicator", t.id), format!("no indicator `{code}` in the catalogue")),
                    Some((_, Formula::Ratio(..))) => {
                        problems.push(format!("targets[{}].indicator", t.id), "a yearly change needs a count, not a ratio")
                    }
                    Some(_) => {}
                }
            }
        }
        for b in &plan.baselines {
            if let Some(code) = &b.indicator {
                if !catalogue.iter().any(|(c, _)| &c.code == code) {
                    problems.push(format!("baselines[{}].indicator", b.id), format!("no indicator `{code}` in the catalogue"));
                }
                if b.reference.as_deref().and_then(treem_domain::unit_import::parse_date).is_none() {
                    problems.push(format!("baselines[{}].reference", b.id), "a baseline recomputed by an indicator needs its date");
                }
            }
        }
        for (i, code) in plan.public_indicators.iter().enumerate() {
            if !catalogue.iter().any(|(c, _)| &c.code == code) {
                problems.push(format!("public_indicators[{i}]"), format!("no indicator `{code}` in the catalogue"));
            }
        }
        // Unit targets against the map of units: the code on its day, the unit's life, the area, overlaps.
        problems.extend(treem_domain::plan::check_unit_targets(plan, &self.units.catalog()));
        if !problems.is_empty() {
            return Err(AppError::InvalidFields(problems.into_vec()));
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
    pub(super) async fn parsed_plans(&self) -> Result<Arc<Vec<Arc<Plan>>>, AppError> {
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

    /// The plan's scope unit (`scope_unit_code` on `scope_unit_on`), when it exists.
    pub(super) fn area_root(&self, plan: &Plan) -> Option<UnitId> {
        let on = treem_domain::unit_import::parse_date(&plan.scope_unit_on)?;
        self.units.catalog().by_code_on(&plan.scope_unit_code, on).map(|u| u.id)
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

    /// One plan, shared (the same `Arc` until the next import).
    pub async fn get(&self, code: &str) -> Result<Arc<Plan>, AppError> {
        self.parsed_plans().await?.iter().find(|p| p.code == code).cloned().ok_or(AppError::NotFound)
    }

    /// A plan's task budgets summed by source and by year (public, as the plan is).
    pub async fn budget_totals(&self, code: &str) -> Result<treem_domain::plan::BudgetTotals, AppError> {
        Ok(treem_domain::plan::budget_totals(&*self.get(code).await?))
    }
}

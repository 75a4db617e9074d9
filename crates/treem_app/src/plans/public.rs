//! Public statistics: closed years, released once, with disclosure control.

use super::*;

/// A public indicator's yearly values.
#[derive(Debug, Clone)]
pub struct PublicIndicator {
    pub indicator: Indicator,
    pub ratio: bool,
    pub years: Vec<(i32, PublicValue)>,
    /// When each year's figures were published (UTC).
    pub published: Vec<(i32, time::OffsetDateTime)>,
}

impl PlanService {
    /// The plan's public indicators by year over the plan's area (the scope unit's subtree
    /// through its life), counts from 1 to 9 suppressed (with complementary suppression).
    /// Needs no sign-in. Only closed years are published, each once: the first reading on
    /// or after the day a year ends computes its release and stores it, and from then on
    /// that release is what everyone reads, whatever is recorded later. A live figure of
    /// the open year would move with each record, and two readings would give a single
    /// case away.
    pub async fn public_statistics(&self, plan: &Plan) -> Result<Vec<PublicIndicator>, AppError> {
        if plan.public_indicators.is_empty() {
            return Ok(Vec::new());
        }
        let Some(root) = self.area_root(plan) else { return Ok(Vec::new()) };
        let today = self.clock.today_in_vietnam();
        let years = treem_domain::indicator::releasable_years(plan.period_from - 1, plan.period_to, today);
        let catalogue = self.catalogue().await?;
        let published: Vec<&(Indicator, Formula)> =
            plan.public_indicators.iter().filter_map(|code| catalogue.iter().find(|(i, _)| &i.code == code)).collect();
        let mut releases = self.store.public_releases(&plan.code).await?;
        let missing: Vec<i32> = years.clone().filter(|y| !releases.iter().any(|r| r.year == i64::from(*y))).collect();
        if let (Some(first), Some(last)) = (missing.first(), missing.last()) {
            let area = self.units.catalog().scope_of(root);
            // Every class is counted: public figures are protected by disclosure control
            // (closed years only, small counts and small differences suppressed), not by a
            // reader's role.
            let facts = self.scoped_facts(Some(root), Visibility::ALL, |unit, day| area.contains(unit, day)).await?;
            let formulas: Vec<&Formula> = published.iter().map(|(_, f)| f).collect();
            let values = public_values_together(&formulas, &facts, *first..=*last);
            for year in &missing {
                let release = treem_domain::indicator::PublicRelease {
                    values: published
                        .iter()
                        .zip(&values)
                        .filter_map(|((i, _), by_year)| by_year.iter().find(|(y, _)| y == year).map(|(_, v)| (i.code.clone(), *v)))
                        .collect(),
                };
                let row = treem_storage::PublicReleaseRow {
                    plan_code: plan.code.clone(),
                    year: i64::from(*year),
                    published_at: self.clock.now(),
                    body: serde_json::to_string(&release).map_err(|e| AppError::Internal(e.to_string()))?,
                };
                let mut event = treem_domain::audit::AuditEvent::new("public.release", Outcome::Ok)
                    .record("plan", format!("{}/{year}", plan.code))
                    .fields(&["public_statistics"]);
                event.actor_label = "treem".into();
                event.source = "local".into();
                // Another reader (or process) may have published it first: theirs stands.
                self.store.add_public_release(&row, &event).await?;
            }
            releases = self.store.public_releases(&plan.code).await?;
        }
        let parsed: Vec<(i32, time::OffsetDateTime, treem_domain::indicator::PublicRelease)> = releases
            .iter()
            .filter(|r| years.contains(&i32::try_from(r.year).unwrap_or(i32::MIN)))
            .map(|r| {
                let release = serde_json::from_str(&r.body).map_err(|e| AppError::Internal(format!("public release {}: {e}", r.year)))?;
                Ok((i32::try_from(r.year).unwrap_or_default(), r.published_at, release))
            })
            .collect::<Result<_, AppError>>()?;
        Ok(published
            .into_iter()
            .map(|(i, formula)| PublicIndicator {
                indicator: i.clone(),
                ratio: matches!(formula, Formula::Ratio(..)),
                years: parsed
                    .iter()
                    .map(|(y, _, r)| (*y, r.values.get(&i.code).copied().unwrap_or(treem_domain::indicator::PublicValue::NotReleased)))
                    .collect(),
                published: parsed.iter().map(|(y, at, _)| (*y, *at)).collect(),
            })
            .collect())
    }

    /// [`Self::public_statistics`], shared by every reader until its inputs change.
    pub async fn shared_public_statistics(&self, plan: &Arc<Plan>) -> Result<Arc<Vec<PublicIndicator>>, AppError> {
        self.figures.public_statistics(self, plan).await
    }
}

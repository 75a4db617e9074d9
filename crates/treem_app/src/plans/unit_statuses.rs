//! Dated statuses of units (child-friendly, running a model), recorded by provincial decision.

use super::*;

/// A unit status as typed in a form or sent to the API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UnitStatusInput {
    pub unit_id: String,
    pub kind: String,
    pub valid_from: String,
    pub decision: String,
}

impl PlanService {
    /// Records that a unit holds a status from a date, by the decision named.
    pub async fn add_unit_status(&self, actor: &Actor, input: &UnitStatusInput) -> Result<i64, AppError> {
        let mut errors = treem_domain::field_error::FieldErrors::new();
        errors.require(UNIT_STATUSES.contains(&input.kind.as_str()), "kind", format!("one of {}", UNIT_STATUSES.join(", ")));
        let from = treem_domain::unit_import::parse_date(input.valid_from.trim());
        errors.require(from.is_some(), "valid_from", "a date as YYYY-MM-DD");
        let decision = treem_domain::text::clean_line(&input.decision, 300).ok().filter(|d| !d.is_empty());
        errors.require(decision.is_some(), "decision", "the decision's number and date, on one line (at most 300 characters)");
        let unit = input.unit_id.trim().parse::<i64>().ok().and_then(|id| self.units.catalog().get(UnitId(id)).cloned());
        match (&unit, from) {
            (None, _) => errors.push("unit_id", "no such unit"),
            (Some(u), Some(d)) if !u.validity.contains(d) => errors.push("valid_from", format!("{} did not exist on {d}", u.name)),
            (Some(u), _) => {
                let allowed: &[UnitLevel] =
                    if input.kind == "child_friendly" { &[UnitLevel::Commune] } else { &[UnitLevel::District, UnitLevel::Commune] };
                errors.require(
                    allowed.contains(&u.level),
                    "unit_id",
                    "a commune (child-friendly) or a district or commune (a model or pilot)",
                );
            }
        }
        let (Some(unit), Some(from), Some(decision), true) = (unit, from, decision, errors.is_empty()) else {
            return Err(AppError::InvalidFields(errors.into_vec()));
        };
        actor.authorize_unit_status(unit.id, from)?;
        let row = UnitStatusRow { id: 0, unit: unit.id, kind: input.kind.clone(), valid_from: from, valid_to: None, decision };
        let added = self
            .store
            .add_unit_status(&row, actor.account_id, &actor.event("unit_status.add", Outcome::Ok).record("unit", unit.id.0))
            .await;
        self.statuses.forget();
        let added = self.facts.after_unit_status(added);
        Ok(added?)
    }

    /// Sets the last day of a status (the unit lost it, or it was entered in error: then its first day).
    pub async fn end_unit_status(&self, actor: &Actor, id: i64, valid_to: &str) -> Result<(), AppError> {
        let status = self.all_unit_statuses().await?.iter().find(|s| s.id == id).cloned().ok_or(AppError::NotFound)?;
        actor.authorize_unit_status(status.unit, status.valid_from)?;
        let to =
            treem_domain::unit_import::parse_date(valid_to.trim()).ok_or_else(|| AppError::invalid("valid_to", "a date as YYYY-MM-DD"))?;
        if to < status.valid_from {
            return Err(AppError::invalid("valid_to", format!("not before the first day, {}", status.valid_from)));
        }
        let event = actor.event("unit_status.end", Outcome::Ok).record("unit", status.unit.0);
        let ended = self.store.end_unit_status(id, to, &event).await;
        self.statuses.forget();
        let ended = self.facts.after_unit_status(ended);
        if ended? {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Every unit status (public facts), or those of one unit.
    pub async fn unit_statuses(&self, unit: Option<UnitId>) -> Result<Vec<UnitStatusRow>, AppError> {
        Ok(self.all_unit_statuses().await?.iter().filter(|s| unit.is_none_or(|u| s.unit == u)).cloned().collect())
    }

    /// Every unit status, kept in memory: written only through this service (which
    /// forgets them after each write) and read by every dashboard.
    pub(super) async fn all_unit_statuses(&self) -> Result<Arc<Vec<UnitStatusRow>>, AppError> {
        self.statuses.get_or_load(|| async { Ok(self.store.unit_statuses().await?) }).await
    }

    /// Changes whenever the unit statuses may have changed (for callers that keep figures).
    pub fn unit_statuses_version(&self) -> u64 {
        self.statuses.version()
    }
}

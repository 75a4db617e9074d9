//! Movements of the Child Protection Fund (Quỹ Bảo trợ trẻ em) of a province, district
//! or commune: recorded by the officers of its scope, audited as `fund.record` in the
//! same transaction, and summed by the indicator engine at once.

use std::sync::Arc;
use time::Date;
use treem_domain::audit::Outcome;
use treem_domain::clock::Clock;
use treem_domain::field_error::FieldErrors;
use treem_domain::fund::{check_kind, FundMovement, MAX_AMOUNT};
use treem_domain::units::{UnitId, UnitLevel};
use treem_storage::{FundFilter, Store};

use crate::facts::{FactCache, FIRST_YEAR};
use crate::units::UnitService;
use crate::{Actor, AppError};

/// A movement as typed in a form or sent to the API (text, so every mistake names its field).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct FundInput {
    /// The fund's unit (its id).
    pub unit: String,
    /// The day of the movement, YYYY-MM-DD.
    pub date: String,
    /// receipt or disbursement.
    pub direction: String,
    /// Receipts: state_budget, domestic_donation, foreign_donation, other.
    #[serde(default)]
    pub source: String,
    /// Disbursements: support_children, scholarships, campaigns, operations, other.
    #[serde(default)]
    pub purpose: String,
    /// Whole đồng, more than 0.
    pub amount: String,
    #[serde(default)]
    pub note: String,
}

/// A movement with its unit's name, for lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundView {
    pub movement: FundMovement,
    pub unit_code: String,
    pub unit_name: String,
}

pub struct FundService {
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    units: Arc<UnitService>,
    facts: Arc<FactCache>,
}

impl FundService {
    pub(crate) fn new(clock: Arc<dyn Clock>, store: Arc<dyn Store>, units: Arc<UnitService>, facts: Arc<FactCache>) -> Self {
        Self { clock, store, units, facts }
    }

    /// Records a movement; returns its id.
    pub async fn record(&self, actor: &Actor, input: &FundInput) -> Result<i64, AppError> {
        let today = self.clock.today_in_vietnam();
        let mut errors = FieldErrors::from(check_kind(input.direction.trim(), input.source.trim(), input.purpose.trim()));
        let day = treem_domain::unit_import::parse_date(input.date.trim());
        match day {
            None => errors.push("date", "a date as YYYY-MM-DD"),
            Some(d) if d > today => errors.push("date", format!("not in the future (today is {today})")),
            Some(d) if d.year() < FIRST_YEAR => errors.push("date", format!("not before {FIRST_YEAR}")),
            Some(_) => {}
        }
        let amount = crate::reported::parse_whole(&input.amount);
        match amount {
            Some(a) if a > 0 && a <= MAX_AMOUNT => {}
            Some(a) if a > MAX_AMOUNT => errors.push("amount", format!("at most {MAX_AMOUNT} đồng")),
            Some(_) => errors.push("amount", "more than 0 (a disbursement is a positive amount too)"),
            None => errors.push("amount", "whole đồng, such as 2500000 or 2.500.000"),
        }
        let note = match treem_domain::text::clean_line(&input.note, 300) {
            Ok(n) => n,
            Err(treem_domain::text::TextError::Empty) => String::new(),
            Err(_) => {
                errors.push("note", "one line of at most 300 characters");
                String::new()
            }
        };
        let catalog = self.units.catalog();
        let unit = input.unit.trim().parse::<i64>().ok().and_then(|id| catalog.get(UnitId(id)).cloned());
        match (&unit, day) {
            (None, _) => errors.push("unit", format!("no unit with id `{}`", input.unit.trim())),
            (Some(u), _) if u.level == UnitLevel::Hamlet => {
                errors.push("unit", "a province, district or commune (funds are kept there, not in hamlets)")
            }
            (Some(u), Some(d)) if !u.validity.contains(d) => errors.push("unit", format!("{} ({}) did not exist on {d}", u.name, u.code)),
            _ => {}
        }
        let (Some(unit), Some(day), Some(amount), true) = (unit, day, amount, errors.is_empty()) else {
            return Err(AppError::InvalidFields(errors.into_vec()));
        };
        actor.authorize_fund(unit.id, day)?;
        let present = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let movement = FundMovement {
            id: 0,
            unit: unit.id,
            moved_on: day,
            direction: input.direction.trim().to_owned(),
            source: present(&input.source),
            purpose: present(&input.purpose),
            amount,
            note,
        };
        let event = actor.event("fund.record", Outcome::Ok).record("fund_movement", "new").fields(&[
            "unit",
            "date",
            "direction",
            "source",
            "purpose",
            "amount",
        ]);
        let result = self.store.record_fund_movement(&movement, actor.account_id, &event).await;
        Ok(self.facts.after_fund(&movement, result)?)
    }

    /// The units whose funds the caller may record today (for the form): (id, code, name).
    pub fn form_units(&self, actor: &Actor) -> Vec<(UnitId, String, String)> {
        let today = self.clock.today_in_vietnam();
        let Some(root) = actor.scope_unit.filter(|u| actor.authorize_fund(*u, today).is_ok()) else { return Vec::new() };
        let catalog = self.units.catalog();
        catalog
            .subtree_on(root, today)
            .into_iter()
            .filter_map(|id| catalog.get(id))
            .filter(|u| u.level != UnitLevel::Hamlet)
            .map(|u| (u.id, u.code.clone(), u.name.clone()))
            .collect()
    }

    /// Movements of funds in the caller's scope (each checked at its unit on its day),
    /// optionally between two days.
    pub async fn list(&self, actor: &Actor, from: Option<Date>, to: Option<Date>) -> Result<Vec<FundView>, AppError> {
        actor.may_read_fund()?;
        let catalog = self.units.catalog();
        let rows = self.store.fund_movements(&FundFilter { from, to }).await?;
        Ok(rows
            .into_iter()
            .filter(|m| actor.covers(m.unit, m.moved_on))
            .map(|m| {
                let (unit_code, unit_name) =
                    catalog.get(m.unit).map_or_else(|| (String::new(), String::new()), |u| (u.code.clone(), u.name.clone()));
                FundView { movement: m, unit_code, unit_name }
            })
            .collect())
    }
}

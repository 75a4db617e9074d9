//! Movements of a Child Protection Fund (Quỹ Bảo trợ trẻ em) of a province, district or
//! commune: receipts by source, disbursements by purpose, in whole đồng. A movement is a
//! fact of kind `fund` on its day whose count is its amount, summed by formulas
//! (`sum(fund where direction = "receipt")`).

use time::Date;

use crate::field_error::{FieldError, FieldErrors};
use crate::indicator::{Fact, FactKind};
use crate::units::UnitId;

pub const DIRECTIONS: &[&str] = &["receipt", "disbursement"];
/// Where a receipt came from.
pub const SOURCES: &[&str] = &["state_budget", "domestic_donation", "foreign_donation", "other"];
/// What a disbursement was for.
pub const PURPOSES: &[&str] = &["support_children", "scholarships", "campaigns", "operations", "other"];

/// The largest amount of one movement (keeps yearly sums exact in 64 bits).
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// A movement as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FundMovement {
    pub id: i64,
    pub unit: UnitId,
    pub moved_on: Date,
    pub direction: String,
    /// Receipts only.
    pub source: Option<String>,
    /// Disbursements only.
    pub purpose: Option<String>,
    pub amount: i64,
    pub note: String,
}

impl FundMovement {
    /// The movement as a fact: on its day, at its unit, its amount as the count.
    pub fn fact(&self) -> Fact {
        let fields =
            [("direction", Some(self.direction.as_str())), ("source", self.source.as_deref()), ("purpose", self.purpose.as_deref())];
        Fact::new(FactKind::Fund, self.unit, self.moved_on, &fields, self.amount)
    }
}

/// Checks direction, source and purpose together: a receipt has a source and no
/// purpose, a disbursement a purpose and no source.
pub fn check_kind(direction: &str, source: &str, purpose: &str) -> Vec<FieldError> {
    let mut errors = FieldErrors::new();
    match direction {
        "receipt" => {
            errors.require(SOURCES.contains(&source), "source", format!("a receipt names its source: one of {}", SOURCES.join(", ")));
            errors.require(purpose.is_empty(), "purpose", "a receipt has no purpose (leave it out)");
        }
        "disbursement" => {
            errors.require(
                PURPOSES.contains(&purpose),
                "purpose",
                format!("a disbursement names its purpose: one of {}", PURPOSES.join(", ")),
            );
            errors.require(source.is_empty(), "source", "a disbursement has no source (leave it out)");
        }
        _ => errors.push("direction", format!("one of {}", DIRECTIONS.join(", "))),
    }
    errors.into_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_has_a_source_and_a_disbursement_a_purpose() {
        assert!(check_kind("receipt", "domestic_donation", "").is_empty());
        assert!(check_kind("disbursement", "", "scholarships").is_empty());
        let fields = |v: Vec<FieldError>| v.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(fields(check_kind("receipt", "", "campaigns")), vec!["source", "purpose"]);
        assert_eq!(fields(check_kind("disbursement", "state_budget", "")), vec!["purpose", "source"]);
        assert_eq!(fields(check_kind("gift", "", "")), vec!["direction"]);
    }

    #[test]
    fn movements_are_summed_by_direction_and_purpose() {
        let d = |m, day| Date::from_calendar_date(2024, time::Month::try_from(m).unwrap(), day).unwrap();
        let m = |direction: &str, source: Option<&str>, purpose: Option<&str>, amount, on| FundMovement {
            id: 0,
            unit: UnitId(5),
            moved_on: on,
            direction: direction.into(),
            source: source.map(str::to_owned),
            purpose: purpose.map(str::to_owned),
            amount,
            note: String::new(),
        };
        let facts = crate::indicator::Facts {
            fund: vec![
                m("receipt", Some("state_budget"), None, 500_000_000, d(1, 15)).fact(),
                m("receipt", Some("domestic_donation"), None, 120_000_000, d(6, 1)).fact(),
                m("disbursement", None, Some("scholarships"), 80_000_000, d(9, 5)).fact(),
                m("disbursement", None, Some("operations"), 10_000_000, d(9, 6)).fact(),
            ],
            ..Default::default()
        };
        let receipts = crate::indicator::parse_formula(r#"sum(fund where direction = "receipt")"#).unwrap();
        assert_eq!(crate::indicator::yearly_values(&receipts, &facts, 2024..=2024), vec![(2024, Some(620_000_000))]);
        let to_children = crate::indicator::parse_formula(
            r#"sum(fund where direction = "disbursement" and purpose in ("support_children", "scholarships"))"#,
        )
        .unwrap();
        assert_eq!(crate::indicator::yearly_values(&to_children, &facts, 2024..=2024), vec![(2024, Some(80_000_000))]);
        let e = crate::indicator::parse_formula("count(fund)").unwrap_err();
        assert_eq!((e.position, e.message.as_str()), (1, "fund values are summed: use sum(fund …)"));
    }
}

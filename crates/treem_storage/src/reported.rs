//! Aggregate values reported by agencies (one per data element, unit, year and sex), and movements of the Child Protection Funds.

use async_trait::async_trait;
use treem_domain::audit::AuditEvent;
use treem_domain::units::UnitId;

use crate::StorageError;

/// A reported value as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedRow {
    /// A data element's code (`data/indicators/data-elements.toml`).
    pub element: String,
    pub unit: UnitId,
    pub year: i32,
    /// `male`, `female`, or `all` for an element not reported by sex.
    pub sex: String,
    pub value: i64,
    pub note: String,
    /// Who reported it last, and when (ignored on save: the store sets them).
    pub reported_by: i64,
    pub reported_at: Option<time::OffsetDateTime>,
}

/// Which values to list; every `None` is "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportedFilter {
    pub year: Option<i32>,
    pub element: Option<String>,
    /// The units (a subtree, say); `None` is every unit.
    pub units: Option<Vec<UnitId>>,
}

#[async_trait]
pub trait ReportedStore: Send + Sync {
    /// Stores every row by `reported_by` in one transaction (all or none), each replacing the
    /// value of the same element, unit, year and sex; returns the values they replaced, in
    /// order. Each row's audit event is appended in the same transaction, with `old=…` (or
    /// `old=none`) and `new=…` added to its fields.
    async fn save_reported(&self, rows: &[(ReportedRow, AuditEvent)], reported_by: i64) -> Result<Vec<Option<i64>>, StorageError>;

    /// Values matching `filter`, by year, element, unit and sex (all of them for the facts' full reload).
    async fn reported_values(&self, filter: &ReportedFilter) -> Result<Vec<ReportedRow>, StorageError>;
}

/// The audit fields of a save: the value replaced and the new one (aggregates, not personal data).
pub fn audit_with_values(audit: &AuditEvent, old: Option<i64>, new: i64) -> AuditEvent {
    let mut audit = audit.clone();
    audit.fields.push(format!("old={}", old.map_or_else(|| "none".to_owned(), |v| v.to_string())));
    audit.fields.push(format!("new={new}"));
    audit
}

/// Which fund movements to list; every `None` is "any".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FundFilter {
    pub from: Option<time::Date>,
    pub to: Option<time::Date>,
}

#[async_trait]
pub trait FundStore: Send + Sync {
    /// Records a movement by `recorded_by` with `audit` (its record key set to the new id) in one transaction.
    async fn record_fund_movement(
        &self,
        m: &treem_domain::fund::FundMovement,
        recorded_by: i64,
        audit: &AuditEvent,
    ) -> Result<i64, StorageError>;

    /// Movements matching `filter`, by day and id (all of them for the facts' full reload).
    async fn fund_movements(&self, filter: &FundFilter) -> Result<Vec<treem_domain::fund::FundMovement>, StorageError>;
}

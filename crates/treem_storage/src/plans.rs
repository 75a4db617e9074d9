//! Plans: stored as checked, typed documents.

use async_trait::async_trait;
use time::Date;
use treem_domain::audit::AuditEvent;
use treem_domain::units::UnitId;

use crate::StorageError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanRow {
    pub code: String,
    pub title_vi: String,
    pub issued_year: i64,
    pub period_from: i64,
    pub period_to: i64,
    /// The plan document as JSON (serialised `treem_domain::plan::Plan`).
    pub document: String,
    pub version: i64,
}

#[async_trait]
pub trait PlanStore: Send + Sync {
    /// Inserts the plan, or replaces the document of the plan with the same code; returns true when new.
    async fn save_plan(&self, p: &PlanRow, audit: &AuditEvent) -> Result<bool, StorageError>;
    async fn plans(&self) -> Result<Vec<PlanRow>, StorageError>;
    /// Records that a unit holds a status (child-friendly, running a model) from a date.
    async fn add_unit_status(&self, s: &UnitStatusRow, created_by: i64, audit: &AuditEvent) -> Result<i64, StorageError>;
    /// Sets the last day of a status; false when there is no such status.
    async fn end_unit_status(&self, id: i64, valid_to: Date, audit: &AuditEvent) -> Result<bool, StorageError>;
    /// Every unit status, oldest first (a province has hundreds, not millions).
    async fn unit_statuses(&self) -> Result<Vec<UnitStatusRow>, StorageError>;
    /// Every indicator definition saved through the UI or the API, by code.
    async fn indicator_definitions(&self) -> Result<Vec<IndicatorRow>, StorageError>;
    /// Inserts or replaces the definition of `row.code` when its stored revision is still
    /// `base_revision` (0: none stored yet), with `audit` in the same transaction; returns
    /// the new revision. A stale `base_revision` is `StorageError::Conflict("revision")`.
    async fn save_indicator_definition(
        &self,
        row: &IndicatorRow,
        base_revision: i64,
        saved_by: i64,
        audit: &AuditEvent,
    ) -> Result<i64, StorageError>;
    /// The releases of a plan's public statistics, oldest year first.
    async fn public_releases(&self, plan_code: &str) -> Result<Vec<PublicReleaseRow>, StorageError>;
    /// Stores a release unless that plan's year is already released (then nothing is
    /// written, not even `audit`); returns whether it was stored.
    async fn add_public_release(&self, row: &PublicReleaseRow, audit: &AuditEvent) -> Result<bool, StorageError>;
}

/// The public statistics of one plan for one closed year, as published: computed once,
/// then kept (two readings never differ by one new record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicReleaseRow {
    pub plan_code: String,
    pub year: i64,
    pub published_at: time::OffsetDateTime,
    /// The values as JSON (serialised `treem_domain::indicator::PublicRelease`).
    pub body: String,
}

/// An indicator definition as stored: the checked `treem_domain::indicator::Indicator` as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndicatorRow {
    pub code: String,
    pub document: String,
    /// 1 for the first save, one more for each save after it.
    pub revision: i64,
    pub saved_by: Option<i64>,
    /// RFC 3339, UTC.
    pub saved_at: String,
}

/// A dated status of an administrative unit, with the decision that conferred it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitStatusRow {
    pub id: i64,
    pub unit: UnitId,
    pub kind: String,
    pub valid_from: Date,
    /// Last day (inclusive); none while it holds.
    pub valid_to: Option<Date>,
    pub decision: String,
}

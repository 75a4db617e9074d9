//! What the indicator engine reads (children as the yearly counts need them, household
//! poverty by year) and the one bulk write the demo generator makes.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use treem_domain::audit::AuditEvent;
use treem_domain::case::{CaseSource, CaseState, RiskLevel, TaskKind};
use treem_domain::incident::IncidentFields;
use treem_domain::indicator::ChildRecord;
use treem_domain::units::UnitId;

use crate::StorageError;

/// Generated records, linked by their place in these lists (not by ids, which the
/// store assigns). Written in one transaction with one audit entry.
#[derive(Debug, Clone, Default)]
pub struct BulkLoad {
    /// (code, head's name, unit).
    pub households: Vec<(String, String, UnitId)>,
    /// (household index, year, poor | near_poor | neither).
    pub poverty: Vec<(usize, i32, &'static str)>,
    pub children: Vec<BulkChild>,
    /// (child index, Art. 10 group code, first day, last day).
    pub circumstances: Vec<(usize, &'static str, Date, Option<Date>)>,
    /// An incident (its `children` ignored) and the index of the child it involves.
    pub incidents: Vec<(IncidentFields, Option<usize>)>,
    /// Cases with their steps, tasks and interventions, each about one of `children`.
    pub cases: Vec<BulkCase>,
}

/// A generated case as it stands today, with the history that led there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkCase {
    /// The index of the child in [`BulkLoad::children`].
    pub child: usize,
    pub unit: UnitId,
    pub source: CaseSource,
    pub urgent: bool,
    pub summary: String,
    pub received_at: OffsetDateTime,
    pub state: CaseState,
    pub risk: Option<RiskLevel>,
    pub plan_summary: Option<String>,
    pub plan_approved_by: Option<String>,
    pub review_at: Option<OffsetDateTime>,
    pub last_review_safe: Option<bool>,
    pub closed_at: Option<OffsetDateTime>,
    /// (action, from, to, note, at), in order.
    pub steps: Vec<(&'static str, CaseState, CaseState, Option<String>, OffsetDateTime)>,
    /// (kind, due at, done at).
    pub tasks: Vec<(TaskKind, OffsetDateTime, Option<OffsetDateTime>)>,
    /// (kind, responsible, planned | done).
    pub interventions: Vec<(&'static str, String, &'static str)>,
}

#[derive(Debug, Clone)]
pub struct BulkChild {
    pub full_name: String,
    pub name_search: String,
    /// `male` or `female`.
    pub sex: &'static str,
    pub birth_date: Date,
    pub unit: UnitId,
    pub registered_on: Date,
    pub household: Option<usize>,
    pub disability: bool,
}

#[async_trait]
pub trait FactStore {
    /// Every child of the register that is not merged into another record.
    async fn child_records(&self) -> Result<Vec<ChildRecord>, StorageError>;

    /// Every household's poverty status by year: (household, year, status).
    async fn household_poverty(&self) -> Result<Vec<(i64, i32, String)>, StorageError>;

    /// The children of `ids` that are in the register and not merged into another record.
    async fn child_records_of(&self, ids: &[i64]) -> Result<Vec<ChildRecord>, StorageError>;

    /// The poverty statuses of `households`: (household, year, status).
    async fn household_poverty_of(&self, households: &[i64]) -> Result<Vec<(i64, i32, String)>, StorageError>;

    /// Every case counted by unit, day received (UTC, as scope checks it), state, source,
    /// urgency, risk and lateness (a task done after its due time, or open past it at `now`).
    async fn case_facts(&self, now: time::OffsetDateTime) -> Result<Vec<treem_domain::indicator::Fact>, StorageError>;

    /// [`FactStore::case_facts`] case by case, ungrouped: (case id, its fact counting 1), in id order.
    async fn case_facts_each(&self, now: time::OffsetDateTime) -> Result<Vec<(i64, treem_domain::indicator::Fact)>, StorageError>;

    /// Writes `data` in one transaction with `audit`, the records created by `created_by`.
    async fn bulk_load(&self, data: &BulkLoad, created_by: i64, audit: &AuditEvent) -> Result<(), StorageError>;
}

//! Case management storage: cases, steps, tasks, interventions, providers, referrals.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use treem_domain::audit::AuditEvent;
use treem_domain::case::{CaseId, CaseSource, CaseState, RiskLevel, TaskKind};
use treem_domain::units::UnitId;

use crate::StorageError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCase {
    pub child_id: i64,
    pub unit: UnitId,
    pub source: CaseSource,
    pub source_ref: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_contact: Option<String>,
    pub summary: String,
    pub urgent: bool,
    pub received_at: OffsetDateTime,
    pub created_by: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecord {
    pub id: CaseId,
    pub child_id: i64,
    pub child_name: String,
    pub unit: UnitId,
    pub state: CaseState,
    pub source: CaseSource,
    pub source_ref: Option<String>,
    pub reporter_name: Option<String>,
    pub reporter_contact: Option<String>,
    pub summary: String,
    pub urgent: bool,
    pub risk: Option<RiskLevel>,
    pub plan_summary: Option<String>,
    pub plan_approved_by: Option<String>,
    pub review_at: Option<OffsetDateTime>,
    pub last_review_safe: Option<bool>,
    pub received_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
    pub version: i64,
    /// Planned (not cancelled) interventions of the current plan.
    pub interventions: i64,
    /// The account managing the case, if one is assigned, and its display name.
    pub assigned_to: Option<i64>,
    pub assigned_name: Option<String>,
}

/// A transfer of a case to another unit (the child moved), as it is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferWrite {
    pub to_unit: UnitId,
    pub reason: String,
    pub actor_id: i64,
    pub at: OffsetDateTime,
}

/// A transfer as it was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRecord {
    pub id: i64,
    pub from_unit: UnitId,
    pub to_unit: UnitId,
    pub reason: String,
    pub actor_name: String,
    pub at: OffsetDateTime,
}

/// The fields a step may change besides the state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseChanges {
    pub risk: Option<RiskLevel>,
    pub plan_summary: Option<String>,
    pub plan_approved_by: Option<String>,
    pub review_at: Option<OffsetDateTime>,
    pub last_review_safe: Option<Option<bool>>,
    pub closed_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepWrite {
    pub action: &'static str,
    pub from: CaseState,
    pub to: CaseState,
    pub note: Option<String>,
    pub actor_id: i64,
    pub at: OffsetDateTime,
    pub changes: CaseChanges,
    pub completes: Vec<TaskKind>,
    pub creates: Vec<(TaskKind, OffsetDateTime)>,
    pub assignee: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRecord {
    pub id: i64,
    pub action: String,
    pub from: String,
    pub to: String,
    pub note: Option<String>,
    pub actor: String,
    pub at: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    pub id: i64,
    pub case_id: CaseId,
    pub unit: UnitId,
    pub kind: TaskKind,
    pub assignee: Option<i64>,
    pub assignee_name: Option<String>,
    pub due_at: OffsetDateTime,
    pub done_at: Option<OffsetDateTime>,
    pub child_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseQuery {
    pub units: Vec<UnitId>,
    pub state: Option<CaseState>,
    /// Only cases with an open task due before this instant.
    pub overdue_at: Option<OffsetDateTime>,
    /// Only these cases (a drill-down's page of ids), when given.
    pub ids: Option<Vec<CaseId>>,
    /// Only the cases of this child, when given (the child's page).
    pub child: Option<i64>,
    pub after_id: Option<CaseId>,
    pub limit: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TaskQuery {
    pub units: Vec<UnitId>,
    pub assignee: Option<i64>,
    /// Only tasks due before this instant.
    pub due_before: Option<OffsetDateTime>,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterventionRecord {
    pub id: i64,
    pub case_id: CaseId,
    pub kind: String,
    pub responsible: String,
    pub due_on: Option<Date>,
    pub status: String,
    pub outcome: Option<String>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderRecord {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub unit: UnitId,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralRecord {
    pub id: i64,
    pub case_id: CaseId,
    pub provider_id: i64,
    pub provider_name: String,
    pub status: String,
    pub note: Option<String>,
    pub reason: Option<String>,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

#[async_trait]
pub trait CaseStore: Send + Sync {
    /// Stores a new case with its first tasks; the audit key is set to the new id.
    async fn create_case(
        &self,
        c: &NewCase,
        tasks: &[(TaskKind, OffsetDateTime)],
        assignee: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<CaseId, StorageError>;
    /// A case; with `audit`, the entry is appended in the reading transaction.
    async fn case(&self, id: CaseId, audit: Option<&AuditEvent>) -> Result<Option<CaseRecord>, StorageError>;
    async fn list_cases(&self, q: &CaseQuery) -> Result<Vec<CaseRecord>, StorageError>;
    /// Records a step: the new state and fields, the step row, tasks done and
    /// created. `Conflict("version")` when the case changed since `expected_version`.
    async fn apply_case_step(&self, id: CaseId, expected_version: i64, step: &StepWrite, audit: &AuditEvent) -> Result<(), StorageError>;
    async fn case_steps(&self, case_id: CaseId) -> Result<Vec<StepRecord>, StorageError>;
    async fn case_tasks(&self, case_id: CaseId) -> Result<Vec<TaskRecord>, StorageError>;
    /// Open tasks, soonest due first.
    async fn open_tasks(&self, q: &TaskQuery) -> Result<Vec<TaskRecord>, StorageError>;
    /// Counts of open cases and overdue tasks per state, for the dashboard counters.
    async fn case_counters(&self, units: &[UnitId], now: OffsetDateTime) -> Result<Vec<(String, i64)>, StorageError>;

    async fn add_intervention(
        &self,
        case_id: CaseId,
        kind: &str,
        responsible: &str,
        due_on: Option<Date>,
        audit: &AuditEvent,
    ) -> Result<i64, StorageError>;
    async fn set_intervention(
        &self,
        id: i64,
        case_id: CaseId,
        status: &str,
        outcome: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<(), StorageError>;
    async fn interventions(&self, case_id: CaseId) -> Result<Vec<InterventionRecord>, StorageError>;

    async fn create_provider(
        &self,
        name: &str,
        kind: &str,
        unit: UnitId,
        phone: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<i64, StorageError>;
    async fn providers(&self) -> Result<Vec<ProviderRecord>, StorageError>;
    async fn create_referral(&self, case_id: CaseId, provider_id: i64, note: Option<&str>, audit: &AuditEvent)
        -> Result<i64, StorageError>;
    /// Moves a referral to `status` if it is currently in `from` (else `Conflict("status")`).
    async fn set_referral(
        &self,
        id: i64,
        case_id: CaseId,
        from: &[&str],
        status: &str,
        reason: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<(), StorageError>;
    async fn referrals(&self, case_id: CaseId) -> Result<Vec<ReferralRecord>, StorageError>;
    /// Assigns the case to an account (or none); open tasks follow. Stale version: Conflict.
    async fn assign_case(&self, id: CaseId, expected_version: i64, account_id: Option<i64>, audit: &AuditEvent)
        -> Result<(), StorageError>;
    /// Moves the case, its open tasks and its scope to another unit, recording why;
    /// the assignment ends. Stale version: Conflict.
    async fn transfer_case(
        &self,
        id: CaseId,
        expected_version: i64,
        transfer: &TransferWrite,
        audit: &AuditEvent,
    ) -> Result<(), StorageError>;
    async fn case_transfers(&self, case_id: CaseId) -> Result<Vec<TransferRecord>, StorageError>;
}

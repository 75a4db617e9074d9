//! Bulk imports of records: every row of a file stored in one transaction, or none, and
//! each under a stable key so that importing the same file again adds nothing.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use treem_domain::audit::AuditEvent;
use treem_domain::child::ChildFields;

use crate::{CaregiverRecord, StorageError};

/// A household as a register row gives it: (code, head's name, (year, poor | near_poor |
/// neither)).
pub type ImportHousehold = (String, String, Option<(i64, &'static str)>);

/// A child to add, with what the register book gives about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportChild {
    /// Unique per kind: a row whose key is stored already is skipped.
    pub key: String,
    pub fields: ChildFields,
    /// (code, head's name, (year, poor | near_poor | neither)): the household in the
    /// child's unit with that code, created if absent.
    pub household: Option<ImportHousehold>,
    /// (id drawn at random by the caller, group code, first day): ids in sequence would
    /// show a hidden membership by its gap.
    pub circumstances: Vec<(i64, &'static str, Date)>,
    pub caregiver: Option<CaregiverRecord>,
}

/// A file's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportBatch {
    pub file_name: String,
    /// SHA-256 of the file's bytes, hex.
    pub checksum: String,
    pub children: Vec<ImportChild>,
}

/// An incident to record, drawn an id by the caller (ids in sequence would tell of the
/// hidden records between them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportIncident {
    /// Unique per kind: a row whose key is stored already is skipped.
    pub key: String,
    pub id: i64,
    pub fields: treem_domain::incident::IncidentFields,
}

/// A file's incidents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentImportBatch {
    pub file_name: String,
    pub checksum: String,
    pub incidents: Vec<ImportIncident>,
}

/// A case to open as a register gives it: at its first step, with the intake's tasks, or
/// closed, with its closing as its one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportCase {
    /// Unique per kind: a row whose key is stored already is skipped.
    pub key: String,
    pub case: crate::NewCase,
    /// The intake's tasks and their due times (none for a closed case).
    pub tasks: Vec<(treem_domain::case::TaskKind, OffsetDateTime)>,
    /// `Some((closed | closed_unfounded, when, the register's note))` for a closed case.
    pub closed: Option<(treem_domain::case::CaseState, OffsetDateTime, Option<String>)>,
}

/// A file's cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseImportBatch {
    pub file_name: String,
    pub checksum: String,
    pub cases: Vec<ImportCase>,
}

/// What an import stored.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    pub batch_id: i64,
    /// The new records' ids (children, incidents or cases), in the file's order.
    pub added: Vec<i64>,
    /// The indexes (in the batch's rows) of rows imported before, not added again.
    pub skipped: Vec<usize>,
    /// The households the rows were attached to (new or existing).
    pub households: Vec<i64>,
}

/// A past import, as the list of imports shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportBatchRecord {
    pub id: i64,
    pub kind: String,
    pub file_name: String,
    pub checksum: String,
    pub added: i64,
    pub skipped: i64,
    pub created_by: i64,
    pub created_at: OffsetDateTime,
}

#[async_trait]
pub trait ImportStore: Send + Sync {
    /// Of `keys` of `kind` (`children`, `incidents`, `cases`), those already imported.
    async fn imported_keys(&self, kind: &str, keys: &[String]) -> Result<Vec<String>, StorageError>;

    /// The children imported under `keys` (`id:` and a register's identifier), with their ids.
    async fn imported_children(&self, keys: &[String]) -> Result<Vec<(String, i64)>, StorageError>;

    /// Stores every child of `batch` not imported before, with its household, poverty,
    /// groups and caregiver, and `audit` (its record key set to the batch), in one
    /// transaction: all of it or nothing.
    async fn import_children(&self, batch: &ImportBatch, created_by: i64, audit: &AuditEvent) -> Result<ImportOutcome, StorageError>;

    /// Records every incident of `batch` not imported before, with its children, and `audit`
    /// (its record key set to the batch), in one transaction: all of it or nothing.
    async fn import_incidents(
        &self,
        batch: &IncidentImportBatch,
        created_by: i64,
        audit: &AuditEvent,
    ) -> Result<ImportOutcome, StorageError>;

    /// Opens every case of `batch` not imported before, with its tasks (the open ones,
    /// assigned to `created_by`) or its closing step (the closed ones), and `audit` (its
    /// record key set to the batch), in one transaction: all of it or nothing.
    async fn import_cases(&self, batch: &CaseImportBatch, created_by: i64, audit: &AuditEvent) -> Result<ImportOutcome, StorageError>;

    /// The latest imports, newest first.
    async fn import_batches(&self, limit: i64) -> Result<Vec<ImportBatchRecord>, StorageError>;
}

//! The storage contract of treem: one trait, one error type, and the conformance
//! suite every backend must pass. Backends (`treem_storage_sqlite`,
//! `treem_storage_postgres`) implement [`Store`]; nothing above this crate sees SQL.

pub mod accounts;
pub mod backup;
pub mod cases;
pub mod conformance;
pub mod facts;
pub mod imports;
pub mod incidents;
pub mod migrations;
pub mod plans;
pub mod register;
pub mod reported;
pub mod schema;

use async_trait::async_trait;
use treem_domain::import_error::ImportErrors;
use treem_domain::unit_import::ParsedFiles;
use treem_domain::units::UnitCatalog;

pub use accounts::{
    AccountChange, AccountRecord, AccountStore, AuditFilter, AuditStore, ChildQuery, ChildStore, ChildUpdate, NewAccount, NewSession,
    SessionRecord, ThrottleState, TokenRecord,
};
pub use cases::{
    CaseChanges, CaseQuery, CaseRecord, CaseStore, InterventionRecord, NewCase, ProviderRecord, ReferralRecord, StepRecord, StepWrite,
    TaskQuery, TaskRecord, TransferRecord, TransferWrite,
};
pub use facts::{
    case_fact, case_facts_each_sql, case_facts_sql, poverty_code, BulkCase, BulkChild, BulkLoad, CaseFactRow, FactStore, HeardWrite,
    WriteListener,
};
pub use imports::{
    CaseImportBatch, ImportBatch, ImportBatchRecord, ImportCase, ImportChild, ImportIncident, ImportOutcome, ImportStore,
    IncidentImportBatch,
};
pub use incidents::{IncidentQuery, IncidentRecord, IncidentStore};
pub use migrations::{Migration, MigrationStatus};
pub use plans::{IndicatorRow, PlanRow, PlanStore, PublicReleaseRow, UnitStatusRow};
pub use register::{CaregiverRecord, ChildProfile, ConsentRecord, Dated, DatedRecord, HouseholdRecord, NewDated, RegisterStore};
pub use reported::{FundFilter, FundStore, ReportedFilter, ReportedRow, ReportedStore};
pub use schema::{ColumnDescription, ColumnKind, ForeignKey, SchemaDescription, TableDescription};

/// What can go wrong below the services. Codes are stable; messages never carry personal data.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("not found")]
    NotFound,
    #[error("conflict with existing data ({0})")]
    Conflict(String),
    #[error("the database is busy; try again")]
    Busy,
    #[error("the database has migration `{0}`, which this version of treem does not know: the database is newer than this binary; upgrade treem")]
    SchemaTooNew(String),
    #[error("migration `{0}` was changed after it was applied; migrations are never edited, add a new one")]
    MigrationChanged(String),
    #[error("the database needs migrations ({0}); run `treem migrate`")]
    SchemaBehind(String),
    #[error("database configuration: {0}")]
    Config(String),
    #[error("database error: {0}")]
    Other(String),
}

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// What a units import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct UnitImportSummary {
    pub units_added: usize,
    pub units_unchanged: usize,
    pub parent_links_added: usize,
    pub successions_added: usize,
    pub successions_unchanged: usize,
}

/// The storage contract. Every write method is one transaction: it either
/// applies completely or leaves nothing behind.
#[async_trait]
pub trait Store:
    AccountStore
    + AuditStore
    + ChildStore
    + CaseStore
    + IncidentStore
    + RegisterStore
    + PlanStore
    + FactStore
    + ReportedStore
    + FundStore
    + ImportStore
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;

    /// Answers when the database answers.
    async fn ping(&self) -> Result<(), StorageError>;

    /// Which embedded migrations are applied and which are pending. Fails with
    /// [`StorageError::SchemaTooNew`] when the database knows a migration this binary does not.
    async fn migration_status(&self) -> Result<MigrationStatus, StorageError>;

    /// Applies pending migrations, each in its own transaction; returns their names.
    async fn migrate(&self) -> Result<Vec<String>, StorageError>;

    /// Tables, columns, keys and indexes, in a vocabulary shared by both engines.
    async fn describe_schema(&self) -> Result<SchemaDescription, StorageError>;

    /// Every administrative unit, parent link and succession.
    async fn load_units(&self) -> Result<UnitCatalog, StorageError>;

    /// Checks `files` against the stored map inside one write transaction and, if
    /// they pass, writes them with `audit` (its record key set to what was added). The outer error is the database's; the inner one
    /// lists what is wrong with the files (then nothing was written).
    async fn import_units(
        &self,
        files: &ParsedFiles,
        audit: &treem_domain::audit::AuditEvent,
    ) -> Result<Result<UnitImportSummary, ImportErrors>, StorageError>;
}

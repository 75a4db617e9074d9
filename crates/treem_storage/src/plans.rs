//! Plans: stored as checked, typed documents.

use async_trait::async_trait;
use treem_domain::audit::AuditEvent;

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
}

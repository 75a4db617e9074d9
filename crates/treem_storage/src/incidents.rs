//! Incidents: abuse, children in conflict with the law, accidents and injuries.

use async_trait::async_trait;
use time::Date;
use treem_domain::audit::AuditEvent;
use treem_domain::incident::{IncidentFields, IncidentId};
use treem_domain::units::UnitId;

use crate::StorageError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRecord {
    pub id: IncidentId,
    pub fields: IncidentFields,
    pub version: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentQuery {
    pub units: Vec<UnitId>,
    /// Only incidents of these kinds (the caller's filter within what the reader may see).
    pub kinds: Vec<treem_domain::incident::IncidentKind>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Only the incidents this child is linked to, when given (the child's page).
    pub child: Option<i64>,
    pub after_id: Option<IncidentId>,
    pub limit: i64,
}

#[async_trait]
pub trait IncidentStore: Send + Sync {
    /// Stores an incident with its children under the id given (drawn at random by the
    /// caller: ids in sequence would show a hidden incident by its gap); the audit key is
    /// set to the id.
    async fn create_incident(
        &self,
        f: &IncidentFields,
        id: IncidentId,
        created_by: i64,
        audit: &AuditEvent,
    ) -> Result<IncidentId, StorageError>;
    /// An incident; with `audit`, the entry is appended in the reading transaction.
    async fn incident(&self, id: IncidentId, audit: Option<&AuditEvent>) -> Result<Option<IncidentRecord>, StorageError>;
    /// Incidents by unit and date of occurrence, in id order.
    async fn list_incidents(&self, q: &IncidentQuery) -> Result<Vec<IncidentRecord>, StorageError>;
    /// Every incident counted by unit, day and every coded field: the facts indicator
    /// formulas count. The caller checks scope per (unit, day).
    async fn incident_facts(&self) -> Result<Vec<treem_domain::indicator::IncidentFact>, StorageError>;
}

//! The child register beyond the core record: profile fields, household and
//! poverty, caregivers, special circumstances, risk, consent.

use async_trait::async_trait;
use time::Date;
use treem_domain::audit::AuditEvent;
use treem_domain::register::Consent;
use treem_domain::units::UnitId;

use crate::StorageError;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildProfile {
    pub household_id: Option<i64>,
    pub disability: bool,
    pub school_status: Option<String>,
    pub health_insurance: Option<bool>,
    pub birth_registered_on: Option<Date>,
}

/// A dated row: a group membership or a risk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedRecord {
    pub id: i64,
    /// The group code, or the risk factors.
    pub what: String,
    pub began_on: Date,
    pub ended_on: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaregiverRecord {
    pub id: i64,
    pub name: String,
    pub relation: String,
    pub legal_representative: bool,
    pub phone: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    pub id: i64,
    pub kind: String,
    pub given_by: String,
    pub given_on: Date,
    pub scope: String,
    pub withdrawn_on: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRecord {
    pub id: i64,
    pub code: String,
    pub head_name: String,
    pub unit: UnitId,
    /// (year, poor | near_poor | neither), oldest first.
    pub poverty: Vec<(i64, String)>,
}

/// Which dated table a row belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dated {
    Circumstance,
    Risk,
}

/// A group membership or a risk to add.
#[derive(Debug, Clone, Copy)]
pub struct NewDated<'a> {
    pub id: i64,
    pub child_id: i64,
    pub what: &'a str,
    pub began_on: Date,
    pub ended_on: Option<Date>,
}

#[async_trait]
pub trait RegisterStore: Send + Sync {
    async fn profile(&self, child_id: i64) -> Result<ChildProfile, StorageError>;
    async fn set_profile(&self, child_id: i64, p: &ChildProfile, audit: &AuditEvent) -> Result<(), StorageError>;
    /// Adds a group membership (`what` = group code) or a risk (`what` = factors) with the
    /// row's id (drawn at random by the caller: ids in sequence would show a hidden row by its gap).
    async fn add_dated(&self, table: Dated, row: &NewDated<'_>, audit: &AuditEvent) -> Result<i64, StorageError>;
    async fn end_dated(&self, table: Dated, child_id: i64, id: i64, ended_on: Date, audit: &AuditEvent) -> Result<(), StorageError>;
    async fn dated(&self, table: Dated, child_id: i64) -> Result<Vec<DatedRecord>, StorageError>;
    async fn add_caregiver(&self, child_id: i64, c: &CaregiverRecord, audit: &AuditEvent) -> Result<i64, StorageError>;
    async fn caregivers(&self, child_id: i64) -> Result<Vec<CaregiverRecord>, StorageError>;
    async fn add_consent(&self, child_id: i64, c: &Consent, recorded_by: i64, audit: &AuditEvent) -> Result<i64, StorageError>;
    async fn withdraw_consent(&self, child_id: i64, id: i64, on: Date, audit: &AuditEvent) -> Result<(), StorageError>;
    async fn consents(&self, child_id: i64) -> Result<Vec<ConsentRecord>, StorageError>;
    /// The household with this code in `unit`, created if absent (the head's name is updated).
    async fn upsert_household(&self, unit: UnitId, code: &str, head_name: &str, audit: &AuditEvent) -> Result<i64, StorageError>;
    async fn set_poverty(&self, household_id: i64, year: i64, status: &str, audit: &AuditEvent) -> Result<(), StorageError>;
    async fn household(&self, id: i64) -> Result<Option<HouseholdRecord>, StorageError>;
}

//! The one authorisation point. Every service function that reads, lists,
//! searches, exports or writes protected data asks here first; handlers never
//! decide. Out-of-scope records are reported as `NotFound`, exactly like
//! missing ones.

use std::sync::Arc;
use time::Date;
use treem_domain::access::{Action, Role, ScopeSet, SensitiveKind};
use treem_domain::audit::{AuditEvent, Outcome};
use treem_domain::units::UnitId;

use crate::AppError;

/// Who is acting, resolved from a session or an API token.
#[derive(Debug, Clone)]
pub struct Actor {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope_unit: Option<UnitId>,
    pub agency: Option<String>,
    /// Units in scope with their periods (empty for roles without a unit).
    pub scope: Arc<ScopeSet>,
    /// The client address, for the audit log.
    pub source: String,
}

impl Actor {
    /// An audit event already carrying who and where.
    pub fn event(&self, action: &str, outcome: Outcome) -> AuditEvent {
        let mut e = AuditEvent::new(action, outcome);
        e.actor_id = Some(self.account_id);
        e.actor_label.clone_from(&self.username);
        e.source.clone_from(&self.source);
        e
    }

    /// Whether the role may take `action` at all.
    pub fn require(&self, action: Action) -> Result<(), AppError> {
        if self.role.may(action) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whether a record kept against `unit` on `date` is inside this actor's scope.
    pub fn covers(&self, unit: UnitId, date: Date) -> bool {
        self.scope.contains(unit, date)
    }

    /// Checks `action` on a record kept against `unit` on `date`: a role
    /// without the action is `Forbidden`; a record outside scope is `NotFound`.
    pub fn authorize(&self, action: Action, unit: UnitId, date: Date) -> Result<(), AppError> {
        self.require(action)?;
        if self.covers(unit, date) {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Recording a unit's status follows a provincial decision ([`Action::RecordUnitStatus`]),
    /// on units in scope on the status's first day.
    pub fn authorize_unit_status(&self, unit: UnitId, date: Date) -> Result<(), AppError> {
        self.authorize(Action::RecordUnitStatus, unit, date)
    }

    /// Whether this actor may add or change indicators of the catalogue.
    pub fn may_edit_catalogue(&self) -> bool {
        self.role.may(Action::EditCatalogue)
    }

    /// Adding or changing an indicator ([`Action::EditCatalogue`]).
    pub fn authorize_catalogue_edit(&self) -> Result<(), AppError> {
        self.require(Action::EditCatalogue)
    }

    /// Reporting a value of `element` for `unit` (checked on the year's counting day): the
    /// role must have [`Action::ReportValues`] for that element (`Role::may_report_element`),
    /// else `Forbidden`; the unit must be in scope, else `NotFound`.
    pub fn authorize_reported(&self, element: &treem_domain::reported::DataElement, unit: UnitId, day: Date) -> Result<(), AppError> {
        if !self.role.may_report_element(self.agency.as_deref(), element) {
            return Err(AppError::Forbidden);
        }
        if self.covers(unit, day) {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Reading reported values ([`Action::ReadReported`]).
    pub fn may_read_reported(&self) -> Result<(), AppError> {
        self.require(Action::ReadReported)
    }

    /// Recording a movement of the Child Protection Fund of `unit` on `day` ([`Action::RecordFund`]).
    pub fn authorize_fund(&self, unit: UnitId, day: Date) -> Result<(), AppError> {
        self.authorize(Action::RecordFund, unit, day)
    }

    /// Reading fund movements ([`Action::ReadFund`]), within scope.
    pub fn may_read_fund(&self) -> Result<(), AppError> {
        self.require(Action::ReadFund)
    }

    /// Reading a child's overview (the child page's hub): whoever reads child records.
    pub fn may_read_overview(&self) -> Result<(), AppError> {
        self.require(Action::Read)
    }

    /// Whether this actor may see a child's cases (with their referrals and tasks) in its scope.
    pub fn may_list_cases(&self) -> bool {
        self.role.may(Action::List) && self.role.may(Action::Read)
    }

    /// Whether this actor may see incidents in its scope (of the kinds it sees).
    pub fn may_list_incidents(&self) -> bool {
        self.role.may(Action::List) && self.role.may(Action::Read)
    }

    /// The incident kinds this actor sees: the others are to it as if never recorded.
    pub fn visible_incident_kinds(&self) -> Vec<treem_domain::incident::IncidentKind> {
        treem_domain::incident::IncidentKind::ALL.iter().copied().filter(|k| self.role.visibility().sees(k.sensitivity())).collect()
    }

    /// Whether this actor may open a case (for a child in its scope).
    pub fn may_open_case(&self) -> bool {
        self.role.may(Action::Write)
    }

    /// Whether this actor may record an incident (about children in its scope).
    pub fn may_record_incident(&self) -> bool {
        self.role.may(Action::Write) && !self.visible_incident_kinds().is_empty()
    }

    /// Whether this actor sees sensitive fields of `kind` on records it may read.
    pub fn sees(&self, kind: SensitiveKind) -> bool {
        self.role.sees(kind)
    }
}

/// A fresh record id drawn at random from the OS's generator, for the records whose
/// existence a reader may be denied (incidents, group memberships): ids handed out in
/// sequence would show a hidden record by the gap it leaves. Below 2^53, so that it is
/// exact in JavaScript too; never 0.
pub(crate) fn random_id() -> i64 {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    loop {
        let id = i64::try_from(OsRng.next_u64() >> 11).unwrap_or(0);
        if id > 0 {
            return id;
        }
    }
}

/// Runs `insert` with a random id, again with a new one should it collide (2^53 ids: a
/// collision is a once-in-a-lifetime event, but it must not fail a save).
pub(crate) async fn with_random_id<T, F, Fut>(mut insert: F) -> Result<T, treem_storage::StorageError>
where
    F: FnMut(i64) -> Fut,
    Fut: std::future::Future<Output = Result<T, treem_storage::StorageError>>,
{
    let mut tries = 0;
    loop {
        match insert(random_id()).await {
            Err(treem_storage::StorageError::Conflict(_)) if tries < 3 => tries += 1,
            other => return other,
        }
    }
}

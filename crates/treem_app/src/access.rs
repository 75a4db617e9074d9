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

    /// Recording a unit's status (child-friendly, running a model) follows a provincial
    /// decision: provincial officers only, on units in their scope on the status's first day.
    pub fn authorize_unit_status(&self, unit: UnitId, date: Date) -> Result<(), AppError> {
        if self.role != Role::ProvincialOfficer {
            return Err(AppError::Forbidden);
        }
        if self.covers(unit, date) {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Whether this actor may add or change indicators of the catalogue (public metadata
    /// that every dashboard computes): provincial officers and system administrators.
    pub fn may_edit_catalogue(&self) -> bool {
        matches!(self.role, Role::ProvincialOfficer | Role::SystemAdmin)
    }

    /// Adding or changing an indicator: provincial officers and system administrators;
    /// any other role lacks the function (403), as for importing a plan.
    pub fn authorize_catalogue_edit(&self) -> Result<(), AppError> {
        if self.may_edit_catalogue() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Reporting a value of `element` for `unit` (checked on the year's counting day): an
    /// agency reporter the elements of its own agency (the account's agency is the element's
    /// agency id or that agency's name in the founding plan); a provincial officer any element;
    /// a district officer the elements reported at district level or below; a commune
    /// worker those reported at commune level; others none (`Forbidden`). The unit must be
    /// in scope (`NotFound` otherwise).
    pub fn authorize_reported(&self, element: &treem_domain::reported::DataElement, unit: UnitId, day: Date) -> Result<(), AppError> {
        use treem_domain::units::UnitLevel;
        let allowed = match self.role {
            Role::ProvincialOfficer => true,
            Role::AgencyReporter => self.agency.as_deref().is_some_and(|a| treem_domain::reported::agency_matches(&element.agency, a)),
            Role::DistrictOfficer => matches!(element.level(), UnitLevel::District | UnitLevel::Commune),
            Role::CommuneWorker => element.level() == UnitLevel::Commune,
            _ => false,
        };
        if !allowed {
            return Err(AppError::Forbidden);
        }
        if self.covers(unit, day) {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Reading reported values (aggregates, not personal data): every role with a unit
    /// scope, within it; the administrator (no scope) none.
    pub fn may_read_reported(&self) -> Result<(), AppError> {
        if self.role == Role::SystemAdmin {
            Err(AppError::Forbidden)
        } else {
            Ok(())
        }
    }

    /// Recording a movement of the Child Protection Fund of `unit` on `day`: provincial
    /// officers, district officers and commune workers, for the funds of units in their
    /// scope (`NotFound` otherwise); other roles none (`Forbidden`).
    pub fn authorize_fund(&self, unit: UnitId, day: Date) -> Result<(), AppError> {
        if !matches!(self.role, Role::ProvincialOfficer | Role::DistrictOfficer | Role::CommuneWorker) {
            return Err(AppError::Forbidden);
        }
        if self.covers(unit, day) {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }

    /// Reading fund movements: those who record them, and auditors; within scope.
    pub fn may_read_fund(&self) -> Result<(), AppError> {
        if matches!(self.role, Role::ProvincialOfficer | Role::DistrictOfficer | Role::CommuneWorker | Role::Auditor) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
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
pub(crate) async fn with_random_id<F, Fut>(mut insert: F) -> Result<i64, treem_storage::StorageError>
where
    F: FnMut(i64) -> Fut,
    Fut: std::future::Future<Output = Result<i64, treem_storage::StorageError>>,
{
    let mut tries = 0;
    loop {
        match insert(random_id()).await {
            Err(treem_storage::StorageError::Conflict(_)) if tries < 3 => tries += 1,
            other => return other,
        }
    }
}

//! Accounts, sessions, API tokens, sign-in throttling, the audit log and the
//! register of children: the storage contracts. Every write takes the audit
//! event to append in the same transaction.

use async_trait::async_trait;
use time::OffsetDateTime;
use treem_domain::access::{AccountId, Role};
use treem_domain::audit::{AuditEntry, AuditEvent};
use treem_domain::child::{Child, ChildFields};
use treem_domain::units::UnitId;

use crate::StorageError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRecord {
    pub id: AccountId,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub scope_unit: Option<UnitId>,
    pub agency: Option<String>,
    /// Base32 secret; set when enrolment starts, trusted once `totp_enabled`.
    pub totp_secret: Option<String>,
    pub totp_enabled: bool,
    pub totp_last_step: Option<i64>,
    pub disabled: bool,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub scope_unit: Option<UnitId>,
    pub agency: Option<String>,
}

/// A change to an account. Those that touch credentials or access also end
/// every session of the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountChange {
    Disable,
    Enable,
    Password(String),
    /// Start (Some) or cancel (None) TOTP enrolment.
    TotpSecret(Option<String>),
    /// Enrolment confirmed with a code of this step.
    TotpEnabled {
        step: i64,
    },
    /// A code of this step was used at sign-in (codes work once).
    TotpStep(i64),
}

impl AccountChange {
    pub fn ends_sessions(&self) -> bool {
        matches!(self, Self::Disable | Self::Password(_) | Self::TotpEnabled { .. })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    pub token_hash: String,
    pub account_id: AccountId,
    pub csrf_token: String,
    pub mfa_passed: bool,
    pub now: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: i64,
    pub account: AccountRecord,
    pub csrf_token: String,
    pub mfa_passed: bool,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleState {
    pub failures: i64,
    pub window_start: OffsetDateTime,
    pub locked_until: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: i64,
    pub account_id: AccountId,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Fails with `Conflict("account_username_key")` when the username is taken.
    async fn create_account(&self, a: &NewAccount, audit: &AuditEvent) -> Result<AccountId, StorageError>;
    async fn account_by_username(&self, username: &str) -> Result<Option<AccountRecord>, StorageError>;
    async fn account(&self, id: AccountId) -> Result<Option<AccountRecord>, StorageError>;
    async fn list_accounts(&self) -> Result<Vec<AccountRecord>, StorageError>;
    async fn change_account(&self, id: AccountId, change: &AccountChange, audit: Option<&AuditEvent>) -> Result<(), StorageError>;

    async fn create_session(&self, s: &NewSession, audit: &AuditEvent) -> Result<(), StorageError>;
    async fn session(&self, token_hash: &str) -> Result<Option<SessionRecord>, StorageError>;
    async fn touch_session(&self, id: i64, now: OffsetDateTime) -> Result<(), StorageError>;
    async fn pass_session_mfa(&self, id: i64, audit: &AuditEvent) -> Result<(), StorageError>;
    /// Counts one second-factor attempt of a session still waiting for its code, in one
    /// atomic statement (parallel attempts each get their own number). Returns the number
    /// of attempts including this one; `None` when the session is gone or past its code.
    async fn count_code_attempt(&self, id: i64) -> Result<Option<i64>, StorageError>;
    async fn delete_session(&self, id: i64, audit: Option<&AuditEvent>) -> Result<(), StorageError>;
    /// Deletes sessions created before `created_before` or idle since before `seen_before`.
    async fn purge_sessions(&self, created_before: OffsetDateTime, seen_before: OffsetDateTime) -> Result<u64, StorageError>;

    async fn throttle(&self, key: &str) -> Result<Option<ThrottleState>, StorageError>;
    async fn put_throttle(&self, key: &str, state: &ThrottleState) -> Result<(), StorageError>;
    async fn clear_throttle(&self, key: &str) -> Result<(), StorageError>;
    /// Reads and rewrites one throttle entry in one transaction, so concurrent callers never
    /// lose each other's update: `next` gets the stored state (`None` when there is none) and
    /// returns the state to store. Returns the state that was stored before.
    async fn update_throttle(
        &self,
        key: &str,
        next: &(dyn Fn(Option<ThrottleState>) -> ThrottleState + Send + Sync),
    ) -> Result<Option<ThrottleState>, StorageError>;

    async fn create_token(&self, account_id: AccountId, name: &str, token_hash: &str, audit: &AuditEvent) -> Result<i64, StorageError>;
    /// A live token and its account (revoked tokens are not returned).
    async fn token(&self, token_hash: &str) -> Result<Option<(TokenRecord, AccountRecord)>, StorageError>;
    async fn list_tokens(&self, account_id: AccountId) -> Result<Vec<TokenRecord>, StorageError>;
    /// Revokes a token of `account_id`; false when there is no such live token.
    async fn revoke_token(&self, account_id: AccountId, token_id: i64, audit: &AuditEvent) -> Result<bool, StorageError>;
}

/// Filters for the auditor's view.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor_id: Option<i64>,
    pub action_prefix: Option<String>,
    /// `action_prefix` is the whole action: `case.close` without `case.close_unfounded`.
    pub action_exact: bool,
    pub record_type: Option<String>,
    pub record_key: Option<String>,
    /// Entries made at or before this moment (pagination by time, newest first: the ids
    /// are not shown to readers, since a gap in them would tell of an entry left out).
    pub before_at: Option<time::OffsetDateTime>,
    /// Only the entries whose sensitive class this view sees (`None`: every entry, for the
    /// command line and verification).
    pub visible: Option<treem_domain::access::Visibility>,
    pub limit: i64,
}

#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends one event in a transaction of its own.
    async fn audit(&self, e: &AuditEvent) -> Result<(), StorageError>;
    /// Newest first.
    async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StorageError>;
    /// The whole chain, oldest first, for verification.
    async fn audit_chain(&self) -> Result<Vec<AuditEntry>, StorageError>;
}

/// A page of the register.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildQuery {
    /// Only children recorded against these units (the caller's scope, already resolved).
    pub units: Vec<UnitId>,
    /// Part of the name's search key (already folded), matched literally.
    pub name_contains: Option<String>,
    /// Only children with a current (not ended) membership of this group of special circumstances.
    pub group: Option<String>,
    /// Only records dated in this period (inclusive).
    pub registered_from: Option<time::Date>,
    pub registered_to: Option<time::Date>,
    /// Only these records (a drill-down's page of ids), when given.
    pub ids: Option<Vec<i64>>,
    /// The last child of the previous page: the page continues after it in list order.
    pub after_id: Option<i64>,
    pub limit: i64,
}

#[async_trait]
pub trait ChildStore: Send + Sync {
    /// Stores a child; each audit event's record key is set to the new id.
    async fn create_child(&self, c: &ChildFields, created_by: i64, audit: &[AuditEvent]) -> Result<i64, StorageError>;
    /// Reads a child; when `audit` is given it is appended in the same
    /// transaction, so a read that cannot be audited does not happen.
    async fn child(&self, id: i64, audit: Option<&AuditEvent>) -> Result<Option<Child>, StorageError>;
    /// Children in register-book order (given name, then family and middle names, in
    /// Vietnamese dictionary order: `treem_domain::text::person_sort_bytes`; then id), the
    /// page after the child `after_id`.
    async fn list_children(&self, q: &ChildQuery) -> Result<Vec<Child>, StorageError>;
    /// Marks `id` as a duplicate merged into `into` (it drops out of lists), or
    /// clears the mark with `None` (undoing the merge).
    async fn set_merged(&self, id: i64, into: Option<i64>, audit: &AuditEvent) -> Result<(), StorageError>;
    /// The records merged into `id`.
    async fn merged_into(&self, id: i64) -> Result<Vec<Child>, StorageError>;
    /// Writes the core fields and the sensitive fields of the classes `u.view` sees (the
    /// others are left as stored, never overwritten), moves the counters of the parts that
    /// changed, and appends the audit events; fails with `Conflict("version")` when the
    /// version as that view sees it is no longer `u.expected`.
    async fn update_child(&self, id: i64, u: &ChildUpdate<'_>, audit: &[AuditEvent]) -> Result<(), StorageError>;
}

/// An edit of a child record by a writer who sees the classes of `view`.
#[derive(Debug, Clone, Copy)]
pub struct ChildUpdate<'a> {
    pub fields: &'a ChildFields,
    pub view: treem_domain::access::Visibility,
    /// The version as the writer saw it (`ChildVersions::seen(view)`).
    pub expected: i64,
    pub changed: treem_domain::child::ChangedParts,
}

impl ChildUpdate<'_> {
    /// Whether the writer writes the fields of `kind` (it sees them).
    pub fn writes(&self, kind: treem_domain::access::SensitiveKind) -> bool {
        self.view.sees(Some(kind))
    }

    /// 1 when the writer's version counts the counter of `kind`, else 0 (bound into SQL).
    pub fn counts(&self, kind: treem_domain::access::SensitiveKind) -> i64 {
        i64::from(self.writes(kind))
    }
}

//! Managing accounts: the administrator's work (and the `treem user` commands).

use std::sync::Arc;
use time::Date;
use treem_domain::access::{AccountId, Action, Role};
use treem_domain::audit::{AuditEvent, Outcome};
use treem_domain::clock::Clock;
use treem_domain::units::UnitId;
use treem_storage::{AccountChange, AccountRecord, NewAccount, StorageError, Store};

use crate::access::Actor;
use crate::auth::{check_new_password, normalize_username, AuthService};
use crate::units::UnitService;
use crate::AppError;

/// A new account as an administrator describes it.
#[derive(Debug, Clone, Default)]
pub struct AccountInput {
    pub username: String,
    pub display_name: String,
    pub role: String,
    /// Code of the scope unit, valid on `scope_date`.
    pub scope_unit_code: String,
    /// The date on which the scope unit's code is read (default today): an
    /// account of the pre-2025 structure names a unit valid before the reform.
    pub scope_date: Option<Date>,
    pub agency: String,
    pub password: String,
}

/// Who performs an account change: a signed-in administrator, or the command line.
pub enum Operator<'a> {
    Admin(&'a Actor),
    Cli,
}

impl Operator<'_> {
    fn event(&self, action: &str) -> AuditEvent {
        match self {
            Self::Admin(a) => a.event(action, Outcome::Ok),
            Self::Cli => {
                let mut e = AuditEvent::new(action, Outcome::Ok);
                e.actor_label = "treem-cli".into();
                e.source = "local".into();
                e
            }
        }
    }

    fn check(&self) -> Result<(), AppError> {
        match self {
            Self::Admin(a) => a.require(Action::ManageAccounts),
            Self::Cli => Ok(()),
        }
    }
}

pub struct AccountService {
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    units: Arc<UnitService>,
    auth: Arc<AuthService>,
}

impl AccountService {
    pub(crate) fn new(clock: Arc<dyn Clock>, store: Arc<dyn Store>, units: Arc<UnitService>, auth: Arc<AuthService>) -> Self {
        Self { clock, store, units, auth }
    }

    /// Checks role, scope and agency together: a scope unit must exist, be valid
    /// on the scope date and be of the level the role works at.
    fn resolve_scope(&self, role: Role, code: &str, on: Date, agency: &str) -> Result<(Option<UnitId>, Option<String>), AppError> {
        let agency = agency.trim();
        let agency = if role.needs_agency() {
            let a = treem_domain::text::clean_line(agency, 100)
                .map_err(|_| AppError::invalid("agency", "an agency reporter belongs to an agency"))?;
            Some(a)
        } else if agency.is_empty() {
            None
        } else {
            Some(treem_domain::text::clean_line(agency, 100).map_err(|e| AppError::invalid("agency", e.to_string()))?)
        };
        let levels = role.scope_levels();
        if levels.is_empty() {
            return if code.trim().is_empty() {
                Ok((None, agency))
            } else {
                Err(AppError::invalid("scope_unit", "this role has no unit scope"))
            };
        }
        let catalog = self.units.catalog();
        let unit = catalog.by_code_on(code.trim(), on).ok_or_else(|| {
            AppError::invalid(
                "scope_unit",
                format!("no unit with code `{}` is valid on {on}", code.trim().chars().take(20).collect::<String>()),
            )
        })?;
        if !levels.contains(&unit.level) {
            let names: Vec<&str> = levels.iter().map(|l| l.as_str()).collect();
            return Err(AppError::invalid(
                "scope_unit",
                format!("{} is a {}; this role works at: {}", unit.name, unit.level.as_str(), names.join(", ")),
            ));
        }
        Ok((Some(unit.id), agency))
    }

    pub async fn create(&self, by: Operator<'_>, input: &AccountInput) -> Result<i64, AppError> {
        by.check()?;
        let username = normalize_username(&input.username)?;
        let display_name =
            treem_domain::text::clean_line(&input.display_name, 100).map_err(|e| AppError::invalid("display_name", e.to_string()))?;
        let role = Role::parse(input.role.trim()).ok_or_else(|| AppError::invalid("role", "not a known role"))?;
        let on = input.scope_date.unwrap_or_else(|| self.clock.today_in_vietnam());
        let (scope_unit, agency) = self.resolve_scope(role, &input.scope_unit_code, on, &input.agency)?;
        check_new_password(&input.password, &username)?;
        let password_hash = self.auth.hash_password(&input.password).await?;
        let account = NewAccount { username, display_name, password_hash, role, scope_unit, agency };
        let event = by.event("account.create").record("account", "").fields(&[
            "username",
            "display_name",
            "role",
            "scope_unit",
            "agency",
            "password",
        ]);
        match self.store.create_account(&account, &event).await {
            Err(StorageError::Conflict(_)) => Err(AppError::state_conflict("username", "this username is taken")),
            other => Ok(other?.0),
        }
    }

    pub async fn list(&self, by: Operator<'_>) -> Result<Vec<AccountRecord>, AppError> {
        by.check()?;
        // People as a register book lists them: given name, then family and middle names.
        let mut all = self.store.list_accounts().await?;
        all.sort_by(|a, b| treem_domain::text::cmp_person(&a.display_name, &b.display_name).then_with(|| a.username.cmp(&b.username)));
        Ok(all)
    }

    pub async fn by_username(&self, by: Operator<'_>, username: &str) -> Result<AccountRecord, AppError> {
        by.check()?;
        self.store.account_by_username(&normalize_username(username)?).await?.ok_or(AppError::NotFound)
    }

    /// Disables or enables an account; disabling ends its sessions and stops its tokens.
    pub async fn set_disabled(&self, by: Operator<'_>, id: i64, disabled: bool) -> Result<(), AppError> {
        by.check()?;
        if let Operator::Admin(a) = &by {
            if a.account_id == id && disabled {
                return Err(AppError::invalid("account", "you cannot disable your own account"));
            }
        }
        let (change, action) =
            if disabled { (AccountChange::Disable, "account.disable") } else { (AccountChange::Enable, "account.enable") };
        self.store
            .change_account(AccountId(id), &change, Some(&by.event(action).record("account", id).fields(&["disabled"])))
            .await
            .map_err(AppError::from)
    }

    /// Sets a new password chosen by the administrator; ends the account's sessions.
    pub async fn reset_password(&self, by: Operator<'_>, id: i64, password: &str) -> Result<(), AppError> {
        by.check()?;
        let account = self.store.account(AccountId(id)).await?.ok_or(AppError::NotFound)?;
        check_new_password(password, &account.username)?;
        let hash = self.auth.hash_password(password).await?;
        self.store
            .change_account(
                AccountId(id),
                &AccountChange::Password(hash),
                Some(&by.event("account.password_reset").record("account", id).fields(&["password"])),
            )
            .await
            .map_err(AppError::from)
    }
}

//! Use cases of treem. The web handlers and the CLI call only these functions;
//! they own authorisation (`access`), the audit event and, through the store,
//! the transaction. Nothing here knows HTTP or SQL.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod children;
pub mod error;
pub mod facts;
pub mod figures;
pub mod fund;
pub mod hub;
pub mod imports;
pub mod incidents;
pub mod plans;
pub mod register;
pub mod reported;
pub mod units;

use std::sync::Arc;
use treem_domain::clock::Clock;
use treem_storage::Store;

pub use access::Actor;
pub use error::AppError;

/// The application: the store and the services built on it.
pub struct App {
    store: Arc<dyn Store>,
    /// Where every service takes the time from; handlers read it here too.
    pub clock: Arc<dyn Clock>,
    pub units: Arc<units::UnitService>,
    pub auth: Arc<auth::AuthService>,
    pub accounts: accounts::AccountService,
    pub children: children::ChildService,
    pub audit: audit::AuditService,
    pub cases: cases::CaseService,
    pub incidents: incidents::IncidentService,
    pub register: register::RegisterService,
    pub plans: plans::PlanService,
    pub reported: reported::ReportedService,
    pub fund: fund::FundService,
    /// The child as the hub: a child's cases, incidents, referrals, tasks and history.
    pub hub: hub::HubService,
    pub imports: imports::ImportService,
    /// The indicator engine's facts, made fresh by the services' writes.
    pub facts: Arc<facts::FactCache>,
}

impl App {
    /// Builds the services and loads reference data (the unit map) into memory.
    pub async fn new(store: Arc<dyn Store>, settings: auth::AuthSettings) -> Result<Arc<Self>, AppError> {
        Self::with_clock(store, settings, Arc::new(treem_domain::clock::SystemClock)).await
    }

    /// [`App::new`] on a given clock: every service reads the time from it. The store should
    /// have the same one (`SqliteStore::with_clock`, `PgStore::with_clock`), so that a write's
    /// time and the services' agree.
    pub async fn with_clock(store: Arc<dyn Store>, settings: auth::AuthSettings, clock: Arc<dyn Clock>) -> Result<Arc<Self>, AppError> {
        let units = Arc::new(units::UnitService::new(clock.clone(), store.clone()).await?);
        let auth = Arc::new(auth::AuthService::new(clock.clone(), store.clone(), units.clone(), settings));
        let facts = Arc::new(facts::FactCache::new(clock.clone(), store.clone(), units.clone()));
        let app = Arc::new(Self {
            accounts: accounts::AccountService::new(clock.clone(), store.clone(), units.clone(), auth.clone()),
            children: children::ChildService::new(clock.clone(), store.clone(), units.clone(), facts.clone()),
            audit: audit::AuditService::new(store.clone()),
            incidents: incidents::IncidentService::new(clock.clone(), store.clone(), units.clone(), facts.clone()),
            register: register::RegisterService::new(clock.clone(), store.clone(), facts.clone()),
            plans: plans::PlanService::new(clock.clone(), store.clone(), units.clone(), facts.clone()),
            reported: reported::ReportedService::new(clock.clone(), store.clone(), units.clone(), facts.clone()),
            fund: fund::FundService::new(clock.clone(), store.clone(), units.clone(), facts.clone()),
            hub: hub::HubService::new(clock.clone(), store.clone()),
            imports: imports::ImportService::new(clock.clone(), store.clone(), units.clone(), facts.clone()),
            cases: cases::CaseService::new(
                clock.clone(),
                store.clone(),
                units.clone(),
                facts.clone(),
                treem_domain::case::Deadlines::default(),
                working_days(),
            ),
            facts,
            clock,
            auth,
            units,
            store,
        });
        // Writes of other processes on the same database (PostgreSQL) reach the kept facts
        // and figures as this process's own do. A weak handle: the listener must not keep
        // a dropped app alive.
        let weak = Arc::downgrade(&app);
        let heard = move |write: Option<treem_storage::HeardWrite>| {
            let Some(app) = weak.upgrade() else { return false };
            if let Some(write) = write {
                app.facts.heard(&write);
                app.plans.heard(&write);
            }
            true
        };
        app.store.hear_writes(Arc::new(heard)).await?;
        Ok(app)
    }

    /// A child's overview: its cases, incidents, referrals, open tasks and history, as far
    /// as `actor` may see them, audited as one `child.read_overview` entry ([`hub::HubService`]).
    pub async fn child_overview(&self, actor: &Actor, child_id: i64) -> Result<hub::ChildOverview, AppError> {
        self.hub.child_overview(actor, child_id).await
    }

    /// Checks a register file of children and, unless it is a dry run or has errors,
    /// stores its new rows ([`imports::ImportService::children`]); the duplicate warnings
    /// compare it with the records of the caller's scope.
    pub async fn import_children(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
        options: imports::ImportOptions,
    ) -> Result<imports::ImportReport, AppError> {
        self.import_children_tracked(actor, file_name, bytes, options, &imports::ImportProgress::default()).await
    }

    /// [`Self::import_children`], telling `progress` where it is (the page of a running import).
    pub async fn import_children_tracked(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
        options: imports::ImportOptions,
        progress: &imports::ImportProgress,
    ) -> Result<imports::ImportReport, AppError> {
        actor.require(treem_domain::access::Action::Write)?;
        let existing = self.children.scope_summaries(actor).await?;
        self.imports.children_tracked(actor, file_name, bytes, options, &existing, progress).await
    }

    /// Checks a file of incidents and, unless it is a dry run or has errors, records its new
    /// rows ([`imports::ImportService::incidents_tracked`]); the children it names must be of
    /// the caller's scope.
    pub async fn import_incidents_tracked(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
        options: imports::ImportOptions,
        progress: &imports::ImportProgress,
    ) -> Result<imports::ImportReport, AppError> {
        actor.require(treem_domain::access::Action::Write)?;
        let children: std::collections::HashSet<i64> = self.children.scope_summaries(actor).await?.into_iter().map(|c| c.id).collect();
        self.imports.incidents_tracked(actor, file_name, bytes, options, &children, progress).await
    }

    /// Checks a file of cases and, unless it is a dry run or has errors, opens its new cases
    /// ([`imports::ImportService::cases_tracked`]); each row's child must be of the caller's
    /// scope, and an open case gets the intake's tasks by the deadlines in force.
    pub async fn import_cases_tracked(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
        options: imports::ImportOptions,
        progress: &imports::ImportProgress,
    ) -> Result<imports::ImportReport, AppError> {
        actor.require(treem_domain::access::Action::Write)?;
        let children: std::collections::HashMap<i64, children::ChildSummary> =
            self.children.scope_summaries(actor).await?.into_iter().map(|c| (c.id, c)).collect();
        let cases = &self.cases;
        let intake = |urgent: bool, received_at: time::OffsetDateTime| cases.intake_due(urgent, received_at);
        self.imports.cases_tracked(actor, file_name, bytes, options, &children, &intake, progress).await
    }

    /// The import `options.kind` names: children, incidents or cases.
    pub async fn import_tracked(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
        options: imports::ImportOptions,
        progress: &imports::ImportProgress,
    ) -> Result<imports::ImportReport, AppError> {
        match options.kind {
            imports::ImportKind::Children => self.import_children_tracked(actor, file_name, bytes, options, progress).await,
            imports::ImportKind::Incidents => self.import_incidents_tracked(actor, file_name, bytes, options, progress).await,
            imports::ImportKind::Cases => self.import_cases_tracked(actor, file_name, bytes, options, progress).await,
        }
    }

    /// Whether the database answers.
    pub async fn health(&self) -> Result<(), AppError> {
        self.store.ping().await.map_err(AppError::from)
    }

    pub fn backend(&self) -> &'static str {
        self.store.backend().as_str()
    }

    /// Writes a generated province (`treem demo --scale`) once: when the audit log
    /// already holds a `demo.generate` entry nothing is written and false comes back.
    /// For the command line only (no handler calls it); one transaction, one audit entry naming scale and seed.
    pub async fn load_generated(&self, data: &treem_storage::BulkLoad, created_by: i64, label: &str) -> Result<bool, AppError> {
        let filter = treem_storage::AuditFilter { action_prefix: Some("demo.generate".into()), limit: 1, ..Default::default() };
        if !self.store.audit_entries(&filter).await?.is_empty() {
            return Ok(false);
        }
        let mut event = treem_domain::audit::AuditEvent::new("demo.generate", treem_domain::audit::Outcome::Ok);
        event.actor_label = "treem-cli".into();
        event.source = "local".into();
        event.record_type = Some("generator".into());
        event.record_key = Some(label.to_owned());
        let result = self.store.bulk_load(data, created_by, &event).await;
        self.facts.reload();
        result?;
        Ok(true)
    }
}

/// Working days from the bundled holiday calendar (`data/holidays/`).
fn working_days() -> cases::WorkingDays {
    let calendar = treem_domain::calendar::HolidayCalendar::bundled();
    std::sync::Arc::new(move |from, n| calendar.working_days_deadline(from, n))
}

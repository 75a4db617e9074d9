//! Use cases of treem. The web handlers and the CLI call only these functions;
//! they own authorisation (`access`), the audit event and, through the store,
//! the transaction. Nothing here knows HTTP or SQL.

pub mod access;
pub mod accounts;
pub mod audit;
pub mod auth;
pub mod children;
pub mod error;
pub mod units;

use std::sync::Arc;
use treem_storage::Store;

pub use access::Actor;
pub use error::AppError;

/// The application: the store and the services built on it.
pub struct App {
    store: Arc<dyn Store>,
    pub units: Arc<units::UnitService>,
    pub auth: Arc<auth::AuthService>,
    pub accounts: accounts::AccountService,
    pub children: children::ChildService,
    pub audit: audit::AuditService,
}

impl App {
    /// Builds the services and loads reference data (the unit map) into memory.
    pub async fn new(store: Arc<dyn Store>, settings: auth::AuthSettings) -> Result<Arc<Self>, AppError> {
        let units = Arc::new(units::UnitService::new(store.clone()).await?);
        let auth = Arc::new(auth::AuthService::new(store.clone(), units.clone(), settings));
        Ok(Arc::new(Self {
            accounts: accounts::AccountService::new(store.clone(), units.clone(), auth.clone()),
            children: children::ChildService::new(store.clone(), units.clone()),
            audit: audit::AuditService::new(store.clone()),
            auth,
            units,
            store,
        }))
    }

    /// Whether the database answers.
    pub async fn health(&self) -> Result<(), AppError> {
        self.store.ping().await.map_err(AppError::from)
    }

    pub fn backend(&self) -> &'static str {
        self.store.backend().as_str()
    }
}

//! Use cases of treem. The web handlers and the CLI call only these functions;
//! they in turn own the transaction (through the store), and, as accounts land,
//! authorisation and audit. Nothing here knows HTTP or SQL.

pub mod error;
pub mod units;

use std::sync::Arc;
use treem_storage::Store;

pub use error::AppError;

/// The application: the store and the services built on it.
pub struct App {
    store: Arc<dyn Store>,
    pub units: units::UnitService,
}

impl App {
    /// Builds the services and loads reference data (the unit map) into memory.
    pub async fn new(store: Arc<dyn Store>) -> Result<Arc<Self>, AppError> {
        let units = units::UnitService::new(store.clone()).await?;
        Ok(Arc::new(Self { store, units }))
    }

    /// Whether the database answers.
    pub async fn health(&self) -> Result<(), AppError> {
        self.store.ping().await.map_err(AppError::from)
    }

    pub fn backend(&self) -> &'static str {
        self.store.backend().as_str()
    }
}

//! Chooses the storage backend from the database URL's scheme, at run time.

use std::sync::Arc;
use treem_storage::{StorageError, Store};
use treem_storage_postgres::PgStore;
use treem_storage_sqlite::SqliteStore;

/// Opens the database named by `url`. For SQLite, `create` allows creating a
/// missing file; otherwise a missing file is an error (a typo must not start an
/// empty database). A schema newer than this binary stops here with a clear message.
pub async fn open(url: &str, create: bool) -> Result<Arc<dyn Store>, String> {
    let scheme = url.split_once("://").map(|(s, _)| s).unwrap_or_default();
    let store: Arc<dyn Store> = match scheme {
        "sqlite" => {
            let path = url.trim_start_matches("sqlite://");
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err("the SQLite URL names no file; use sqlite://PATH".into());
            }
            if !create && !std::path::Path::new(path).exists() {
                return Err(format!(
                    "there is no database at {path}; create it with `treem migrate --create --database sqlite://{path}` (or run `treem demo`)"
                ));
            }
            Arc::new(SqliteStore::connect(url, create).await.map_err(|e| e.to_string())?)
        }
        "postgres" | "postgresql" => Arc::new(PgStore::connect(url).await.map_err(|e| e.to_string())?),
        _ => {
            return Err(format!(
                "unknown database URL scheme `{}`: use sqlite://PATH or postgres://USER@HOST/DATABASE",
                scheme.chars().take(20).collect::<String>()
            ))
        }
    };
    match store.migration_status().await {
        Ok(_) => Ok(store),
        Err(e @ (StorageError::SchemaTooNew(_) | StorageError::MigrationChanged(_))) => Err(e.to_string()),
        Err(e) => Err(format!("the database does not answer: {e}")),
    }
}

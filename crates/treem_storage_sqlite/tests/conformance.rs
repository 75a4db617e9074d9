//! The storage conformance suite on SQLite: runs in every plain `cargo test`.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use treem_storage_sqlite::SqliteStore;

/// A fresh database file in a temporary folder, removed when dropped.
struct Fresh {
    store: SqliteStore,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for Fresh {
    type Target = SqliteStore;
    fn deref(&self) -> &SqliteStore {
        &self.store
    }
}

async fn fresh() -> Option<Fresh> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = SqliteStore::connect(&url, true).await.expect("open");
    Some(Fresh { store, _dir: dir })
}

treem_storage::conformance_tests!(fresh);

#[tokio::test]
async fn a_missing_file_is_not_created_without_asking() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("typo.db").display());
    assert!(SqliteStore::connect(&url, false).await.is_err());
    assert!(!dir.path().join("typo.db").exists());
}

//! The storage conformance suite on PostgreSQL. Runs when
//! `TREEM_TEST_POSTGRES_URL` is set (`.ci/run` always sets it); each test gets a
//! database of its own, dropped afterwards.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::sync::atomic::{AtomicU32, Ordering};
use treem_storage_postgres::{create_database, drop_database, url_with_database, PgStore};

static COUNTER: AtomicU32 = AtomicU32::new(0);

struct Fresh {
    store: Option<PgStore>,
    admin_url: String,
    name: String,
}

impl std::ops::Deref for Fresh {
    type Target = PgStore;
    fn deref(&self) -> &PgStore {
        self.store.as_ref().expect("store present until drop")
    }
}

impl Drop for Fresh {
    fn drop(&mut self) {
        let (url, name) = (self.admin_url.clone(), self.name.clone());
        drop(self.store.take());
        // Drop the database from a thread of its own: we are inside a runtime.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                if let Ok(admin) = PgStore::connect(&url).await {
                    let _ = drop_database(&admin, &name).await;
                }
            });
        })
        .join();
    }
}

async fn fresh() -> Option<Fresh> {
    let Ok(admin_url) = std::env::var("TREEM_TEST_POSTGRES_URL") else {
        // In CI a missing server fails the run: one engine passing is not both passing.
        let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
        assert!(!ci, "CI is set but TREEM_TEST_POSTGRES_URL is not: PostgreSQL conformance would be skipped");
        eprintln!("TREEM_TEST_POSTGRES_URL is not set: PostgreSQL conformance skipped");
        return None;
    };
    #[allow(clippy::disallowed_methods)] // a unique database name, not a time
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000;
    let name = format!("treem_t{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
    let admin = PgStore::connect(&admin_url).await.expect("connect to TREEM_TEST_POSTGRES_URL");
    create_database(&admin, &name).await.expect("create test database");
    let store = PgStore::connect(&url_with_database(&admin_url, &name)).await.expect("connect to test database");
    Some(Fresh { store: Some(store), admin_url, name })
}

treem_storage::conformance_tests!(fresh);

#[test]
fn database_urls_are_rewritten() {
    assert_eq!(url_with_database("postgres://u@127.0.0.1:5432/test", "x"), "postgres://u@127.0.0.1:5432/x");
    assert_eq!(url_with_database("postgres://127.0.0.1/test?sslmode=disable", "x"), "postgres://127.0.0.1/x?sslmode=disable");
    assert_eq!(url_with_database("postgres://127.0.0.1", "x"), "postgres://127.0.0.1/x");
}

/// What the suite cannot check with one store: a write committed by another process (here,
/// another connection pool with its own application name) is heard, with its audit entry's
/// action and record.
#[tokio::test]
async fn another_process_write_is_heard() {
    use treem_storage::{AuditStore, FactStore, HeardWrite, Store};
    let Some(fresh) = fresh().await else { return };
    fresh.migrate().await.unwrap();
    let other = PgStore::connect(&url_with_database(&fresh.admin_url, &fresh.name)).await.expect("a second process");
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let heard = fresh
        .hear_writes(std::sync::Arc::new(move |w: Option<HeardWrite>| {
            if let Some(w) = w {
                let _ = tx.send(w);
            }
            true
        }))
        .await
        .unwrap();
    assert!(heard);
    let e = treem_domain::audit::AuditEvent::new("child.update", treem_domain::audit::Outcome::Ok).record("child", 42);
    other.audit(&e).await.unwrap();
    let w = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv()).await.expect("heard within 10 s").unwrap();
    assert_eq!(w, HeardWrite { action: "child.update".into(), record_type: Some("child".into()), record_key: Some("42".into()) });
    other.close().await;
}

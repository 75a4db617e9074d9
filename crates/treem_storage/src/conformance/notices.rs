//! Write notices. The engines promise different things, so this branches on the engine:
//! SQLite has no channel (one process owns the file) and says so; PostgreSQL announces
//! every committed audit entry (LISTEN/NOTIFY), and a store hears other processes' writes
//! but never its own as a write (it calls the listener with none instead), and stops when
//! the listener answers false. Another process's write being heard needs a second
//! connection, which only the PostgreSQL harness has (its own test of it).

use std::sync::{Arc, Mutex};

use super::*;

pub async fn write_notices_are_what_the_engine_promises(store: &dyn Store) {
    migrated(store).await;
    let calls: Arc<Mutex<Vec<Option<crate::HeardWrite>>>> = Arc::default();
    let (seen, stop) = (calls.clone(), Arc::new(std::sync::atomic::AtomicBool::new(false)));
    let stopped = stop.clone();
    let listener: crate::WriteListener = Arc::new(move |w| {
        seen.lock().unwrap().push(w);
        !stopped.load(std::sync::atomic::Ordering::SeqCst)
    });
    let hears = store.hear_writes(listener).await.unwrap();
    match store.backend() {
        crate::Backend::Sqlite => {
            assert!(!hears, "SQLite has no channel");
            store.audit(&ev("child.read")).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            assert!(calls.lock().unwrap().is_empty(), "a store without a channel never calls the listener");
        }
        crate::Backend::Postgres => {
            assert!(hears, "PostgreSQL announces writes");
            store.audit(&ev("child.read").record("child", 7)).await.unwrap();
            // Its own write comes back at once, as a quiet call (not a write to reload for).
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(8);
            while calls.lock().unwrap().is_empty() && std::time::Instant::now() < deadline {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            assert!(!calls.lock().unwrap().is_empty(), "the listener is called");
            assert!(
                calls.lock().unwrap().iter().all(Option::is_none),
                "its own writes are not heard as writes: {:?}",
                calls.lock().unwrap()
            );
            // Answering false stops it: a later write calls it no more.
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
            store.audit(&ev("child.read")).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            let n = calls.lock().unwrap().len();
            store.audit(&ev("child.read")).await.unwrap();
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            assert_eq!(calls.lock().unwrap().len(), n, "no call after the listener answered false");
        }
    }
}

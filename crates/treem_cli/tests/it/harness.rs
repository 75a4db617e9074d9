//! Builds a fresh app on each backend and sends requests to it in-process.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use tower::ServiceExt;
use treem_app::App;
use treem_storage::Store;
use treem_storage_postgres::{create_database, drop_database, url_with_database, PgStore};
use treem_storage_sqlite::SqliteStore;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A migrated database holding the bundled units, and the router over it.
pub struct TestApp {
    pub backend: &'static str,
    pub app: Arc<App>,
    pub router: Router,
    cleanup: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.cleanup.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    if let Ok(admin) = PgStore::connect(&admin_url).await {
                        let _ = drop_database(&admin, &name).await;
                    }
                });
            })
            .join();
        }
    }
}

pub fn postgres_url() -> Option<String> {
    std::env::var("TREEM_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())
}

pub async fn sqlite_store() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("it.db").display());
    (Arc::new(SqliteStore::connect(&url, true).await.unwrap()), dir)
}

/// A fresh, empty PostgreSQL database; returns the store and (admin URL, name) for dropping it.
pub async fn postgres_store(admin_url: &str) -> (Arc<dyn Store>, (String, String)) {
    let name = format!("treem_it{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
    let admin = PgStore::connect(admin_url).await.unwrap();
    let _ = drop_database(&admin, &name).await;
    create_database(&admin, &name).await.unwrap();
    let store = PgStore::connect(&url_with_database(admin_url, &name)).await.unwrap();
    (Arc::new(store), (admin_url.to_owned(), name))
}

async fn build(backend: &'static str, store: Arc<dyn Store>, cleanup: Option<(String, String)>, dir: Option<tempfile::TempDir>) -> TestApp {
    store.migrate().await.unwrap();
    let files = treem_domain::bundled::admin_unit_files().unwrap();
    store.import_units(&files).await.unwrap().unwrap();
    let app = App::new(store.clone(), treem_app::auth::AuthSettings::default()).await.unwrap();
    let router = treem_web::router(app.clone(), treem_web::WebOptions { max_body_bytes: 64 * 1024, secure_cookies: false });
    TestApp { backend, app, router, cleanup, _dir: dir }
}

/// One app per available backend: SQLite always, PostgreSQL when configured.
pub async fn apps() -> Vec<TestApp> {
    let (store, dir) = sqlite_store().await;
    let mut out = vec![build("sqlite", store, None, Some(dir)).await];
    if let Some(url) = postgres_url() {
        let (store, cleanup) = postgres_store(&url).await;
        out.push(build("postgres", store, Some(cleanup), None).await);
    }
    out
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl TestApp {
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024).await.unwrap();
        Reply { status, headers, body: String::from_utf8(bytes.to_vec()).unwrap() }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Request::get(uri).body(Body::empty()).unwrap()).await
    }

    pub async fn get_with_cookie(&self, uri: &str, cookie: &str) -> Reply {
        self.send(Request::get(uri).header(header::COOKIE, cookie).body(Body::empty()).unwrap()).await
    }

    pub async fn post_json(&self, uri: &str, body: impl Into<String>) -> Reply {
        self.send(Request::post(uri).header(header::CONTENT_TYPE, "application/json").body(Body::from(body.into())).unwrap()).await
    }

    /// The id of the unit holding `code` on `date`.
    pub fn unit_id(&self, code: &str, date: time::Date) -> i64 {
        self.app.units.catalog().by_code_on(code, date).unwrap_or_else(|| panic!("no unit {code} on {date}")).id.0
    }
}

//! Builds a fresh app on each backend and sends requests to it in-process.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use tower::ServiceExt;
use treem_app::accounts::{AccountInput, Operator};
use treem_app::auth::AuthSettings;
use treem_app::App;
use treem_domain::clock::{Clock, SystemClock};
use treem_storage::Store;
use treem_storage_postgres::{create_database, drop_database, url_with_database, PgStore};
use treem_storage_sqlite::SqliteStore;

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A migrated database holding the bundled units, and the router over it.
pub struct TestApp {
    pub backend: &'static str,
    /// The database URL, for tests that go around every layer.
    pub url: String,
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

/// The PostgreSQL server of the tests. Locally, none means the PostgreSQL half is skipped;
/// in CI (`CI` set, as `.ci/run` runs) a missing URL fails the run rather than pass on one engine.
pub fn postgres_url() -> Option<String> {
    let url = std::env::var("TREEM_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty());
    if url.is_none() && std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false") {
        panic!("CI is set but TREEM_TEST_POSTGRES_URL is not: the PostgreSQL half of the tests would be skipped");
    }
    url
}

pub async fn sqlite_store() -> (Arc<dyn Store>, tempfile::TempDir) {
    let (store, dir, _) = sqlite_store_url().await;
    (store, dir)
}

pub async fn sqlite_store_url() -> (Arc<dyn Store>, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("it.db").display());
    (Arc::new(SqliteStore::connect(&url, true).await.unwrap()), dir, url)
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

/// A database migrated and holding the bundled units (and the demo hamlets), made once
/// and copied for each test: a copy takes milliseconds where migrating and importing the
/// units takes most of a second (the Rust registry server does the same).
async fn seed(store: &dyn Store) {
    store.migrate().await.unwrap();
    let mut files = treem_domain::bundled::admin_unit_files().unwrap();
    let hamlets = treem_domain::bundled::demo_hamlet_files().unwrap();
    files.units.extend(hamlets.units);
    files.successions.extend(hamlets.successions);
    store
        .import_units(&files, &treem_domain::audit::AuditEvent::new("units.import", treem_domain::audit::Outcome::Ok))
        .await
        .unwrap()
        .unwrap();
}

/// Runs `work` on a runtime of its own (each test has its own runtime; what is made once
/// for all of them must not belong to any of them).
fn on_own_runtime<T: Send + 'static>(work: impl std::future::Future<Output = T> + Send + 'static) -> T {
    std::thread::spawn(move || tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(work)).join().unwrap()
}

/// What the template depends on: the migrations and the unit files. A new migration or
/// unit file makes a new template; an old one is simply not used again.
fn template_key() -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for m in treem_storage_sqlite::MIGRATIONS.iter().chain(treem_storage_postgres::MIGRATIONS) {
        m.name.hash(&mut h);
        m.sql.hash(&mut h);
    }
    for (name, bytes) in treem_domain::bundled::ADMIN_UNIT_FILES.iter().chain(treem_domain::bundled::DEMO_HAMLET_FILES) {
        name.hash(&mut h);
        bytes.hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

/// The SQLite template file of this test process.
fn sqlite_template() -> &'static std::path::Path {
    static TEMPLATE: std::sync::OnceLock<(tempfile::TempDir, std::path::PathBuf)> = std::sync::OnceLock::new();
    &TEMPLATE
        .get_or_init(|| {
            on_own_runtime(async {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("template.db");
                let store = SqliteStore::connect(&format!("sqlite://{}", path.display()), true).await.unwrap();
                seed(&store).await;
                store.close().await.unwrap();
                (dir, path)
            })
        })
        .1
}

/// The PostgreSQL template database on the server of `admin_url`: made once per content
/// (see [`template_key`]) and kept between runs, built under another name and renamed, so
/// that a run stopped halfway never leaves a half-made template.
fn postgres_template(admin_url: &str) -> String {
    static TEMPLATE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let admin_url = admin_url.to_owned();
    TEMPLATE
        .get_or_init(move || {
            on_own_runtime(async move {
                let name = format!("treem_tpl_{}", template_key());
                let admin = PgStore::connect(&admin_url).await.unwrap();
                if !treem_storage_postgres::database_exists(&admin, &name).await.unwrap() {
                    let building = format!("treem_tplb_{}", std::process::id());
                    let _ = drop_database(&admin, &building).await;
                    create_database(&admin, &building).await.unwrap();
                    let store = PgStore::connect(&url_with_database(&admin_url, &building)).await.unwrap();
                    seed(&store).await;
                    store.close().await;
                    // Another process may have finished the same template meanwhile.
                    if treem_storage_postgres::rename_database(&admin, &building, &name).await.is_err() {
                        let _ = drop_database(&admin, &building).await;
                    }
                }
                admin.close().await;
                name
            })
        })
        .clone()
}

async fn build(
    backend: &'static str,
    url: String,
    store: Arc<dyn Store>,
    cleanup: Option<(String, String)>,
    dir: Option<tempfile::TempDir>,
) -> TestApp {
    let settings = AuthSettings { require_mfa: false, ..AuthSettings::default() };
    build_with(backend, url, store, cleanup, dir, settings, Arc::new(SystemClock)).await
}

async fn build_with(
    backend: &'static str,
    url: String,
    store: Arc<dyn Store>,
    cleanup: Option<(String, String)>,
    dir: Option<tempfile::TempDir>,
    settings: AuthSettings,
    clock: Arc<dyn Clock>,
) -> TestApp {
    // The copy of the template is migrated already: this only checks it.
    store.migrate().await.unwrap();
    let app = App::with_clock(store.clone(), settings, clock).await.unwrap();
    // 128 KiB: the founding plan pasted into the import form (the whole document, about 104 KB
    // as this harness URL-encodes it) fits; the production default is 1 MiB.
    let router = treem_web::router(app.clone(), treem_web::WebOptions { max_body_bytes: 128 * 1024, secure_cookies: false });
    TestApp { backend, url, app, router, cleanup, _dir: dir }
}

/// A copy of the SQLite template in a folder of its own.
async fn seeded_sqlite(clock: Arc<dyn Clock>) -> (Arc<dyn Store>, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("it.db");
    std::fs::copy(sqlite_template(), &path).unwrap();
    let url = format!("sqlite://{}", path.display());
    (Arc::new(SqliteStore::connect(&url, false).await.unwrap().with_clock(clock)), dir, url)
}

/// A copy of the PostgreSQL template; returns the store and (admin URL, name) for dropping it.
async fn seeded_postgres(admin_url: &str, clock: Arc<dyn Clock>) -> (Arc<dyn Store>, (String, String)) {
    let template = postgres_template(admin_url);
    let name = format!("treem_it{}_{}", std::process::id(), COUNTER.fetch_add(1, Ordering::SeqCst));
    let admin = PgStore::connect(admin_url).await.unwrap();
    let _ = drop_database(&admin, &name).await;
    // Copies of one template made at the same moment may meet on its lock: try again.
    let mut tries = 0;
    while let Err(e) = treem_storage_postgres::create_database_from(&admin, &name, &template).await {
        tries += 1;
        assert!(tries < 20, "copying the template: {e}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    admin.close().await;
    let store = PgStore::connect(&url_with_database(admin_url, &name)).await.unwrap().with_clock(clock);
    (Arc::new(store), (admin_url.to_owned(), name))
}

/// Like [`apps`], with the given sign-in policy.
pub async fn apps_with(settings: AuthSettings) -> Vec<TestApp> {
    apps_on(settings, Arc::new(SystemClock)).await
}

/// Like [`apps_with`], with the store and every service reading the time from `clock` (a
/// `FixedClock` lets a test stand on any day and move time without sleeping).
pub async fn apps_on(settings: AuthSettings, clock: Arc<dyn Clock>) -> Vec<TestApp> {
    let (store, dir, url) = seeded_sqlite(clock.clone()).await;
    let mut out = vec![build_with("sqlite", url, store, None, Some(dir), settings, clock.clone()).await];
    if let Some(admin) = postgres_url() {
        let (store, cleanup) = seeded_postgres(&admin, clock.clone()).await;
        let url = url_with_database(&admin, &cleanup.1);
        out.push(build_with("postgres", url, store, Some(cleanup), None, settings, clock).await);
    }
    out
}

/// One app per available backend: SQLite always, PostgreSQL when configured.
pub async fn apps() -> Vec<TestApp> {
    let (store, dir, url) = seeded_sqlite(Arc::new(SystemClock)).await;
    let mut out = vec![build("sqlite", url, store, None, Some(dir)).await];
    if let Some(admin) = postgres_url() {
        let (store, cleanup) = seeded_postgres(&admin, Arc::new(SystemClock)).await;
        let url = url_with_database(&admin, &cleanup.1);
        out.push(build("postgres", url, store, Some(cleanup), None).await);
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

/// Every page a test reads that lists refusals (`id="form-errors"`) writes each as a
/// sentence of the error catalogue in the page's language, naming its field by its label:
/// an English fallback or a bare field code fails whichever test met it.
fn refusals_are_translated(html: &str) {
    let Some(start) = html.find("id=\"form-errors\"") else { return };
    let lang = if html.contains("<html lang=\"en\"") { treem_web::i18n::Lang::En } else { treem_web::i18n::Lang::Vi };
    let list = &html[start..html[start..].find("</div>").map_or(html.len(), |e| start + e)];
    for item in list.split("<li data-field=\"").skip(1) {
        let (field, rest) = item.split_once("\">").unwrap_or_default();
        let text = rest.split("</li>").next().unwrap_or_default();
        let unescape =
            |s: &str| s.replace("&#34;", "\"").replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
        let (field, text) = (unescape(field), unescape(text));
        assert!(
            treem_web::messages::is_shown_sentence(lang, &field, &text),
            "a refusal on a page is not a sentence of locales/errors.toml in {lang:?}: field `{field}`, `{text}`"
        );
    }
}

impl TestApp {
    pub async fn send(&self, req: Request<Body>) -> Reply {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024).await.unwrap();
        let body = String::from_utf8(bytes.to_vec()).unwrap();
        refusals_are_translated(&body);
        Reply { status, headers, body }
    }

    /// The status and the body's bytes (for downloads that are not text).
    pub async fn send_raw(&self, req: Request<Body>) -> (StatusCode, Vec<u8>) {
        let (status, _, bytes) = self.send_parts(req).await;
        (status, bytes)
    }

    /// The status, the headers and the body's bytes.
    pub async fn send_parts(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024).await.unwrap();
        (status, headers, bytes.to_vec())
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

pub const PASSWORD: &str = "test-password-2026";

/// The session token set by a response, if any.
pub fn session_token(r: &Reply) -> Option<String> {
    r.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("treem_session=").map(|rest| rest.split(';').next().unwrap_or_default().to_owned()))
        .filter(|t| !t.is_empty())
}

/// The value of the first hidden `csrf` field of a page.
pub fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default().to_owned()
}

impl TestApp {
    /// Creates an account (password [`PASSWORD`]) scoped to the unit holding `scope` on `on`.
    pub async fn account(&self, username: &str, role: &str, scope: &str, on: Option<time::Date>) -> i64 {
        let input = AccountInput {
            username: username.into(),
            display_name: format!("Cán bộ {username}"),
            role: role.into(),
            scope_unit_code: scope.into(),
            scope_date: on,
            agency: if role == "agency_reporter" { "Sở Giáo dục và Đào tạo".into() } else { String::new() },
            password: PASSWORD.into(),
        };
        self.app.accounts.create(Operator::Cli, &input).await.unwrap_or_else(|e| panic!("account {username}: {e}"))
    }

    pub async fn post_form(&self, uri: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Reply {
        let body =
            form.iter().map(|(k, v)| format!("{k}={}", treem_web::session::encode(v).replace('/', "%2F"))).collect::<Vec<_>>().join("&");
        let mut req = Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, format!("treem_session={c}"));
        }
        self.send(req.body(Body::from(body)).unwrap()).await
    }

    pub async fn sign_in(&self, username: &str, password: &str) -> Reply {
        self.post_form("/login", None, &[("username", username), ("password", password), ("next", "/")]).await
    }

    /// Signs in and returns the session token.
    pub async fn session(&self, username: &str) -> String {
        let r = self.sign_in(username, PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "sign-in of {username}: {}", r.body);
        session_token(&r).unwrap()
    }

    pub async fn page(&self, uri: &str, session: &str) -> Reply {
        self.get_with_cookie(uri, &format!("treem_session={session}")).await
    }

    /// Signs in, creates a personal access token on the account page, returns it.
    pub async fn token(&self, username: &str) -> String {
        let s = self.session(username).await;
        let csrf = csrf_of(&self.page("/account", &s).await.body);
        let r = self.post_form("/account/tokens", Some(&s), &[("csrf", &csrf), ("name", "test")]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        r.body.split("id=\"new-token-value\" class=\"wrap\">").nth(1).and_then(|s| s.split('<').next()).unwrap().to_owned()
    }

    pub async fn api(&self, method: &str, uri: &str, token: &str, body: Option<String>) -> Reply {
        let req = Request::builder().method(method).uri(uri).header(header::AUTHORIZATION, format!("Bearer {token}"));
        let req = match body {
            Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b)).unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }
}

impl TestApp {
    /// How many audit entries carry `action`.
    pub async fn store_audit_actions(&self, action: &str) -> usize {
        match self.app.audit.verify().await.unwrap() {
            treem_app::audit::ChainCheck::Intact { .. } => {}
            broken => panic!("{broken:?}"),
        }
        self.raw_count(&format!("SELECT COUNT(*) FROM audit_log WHERE action = '{action}'")).await
    }

    /// Runs SQL straight on the test database, around every layer (for tamper tests).
    pub async fn raw_sql(&self, sql: &str) -> Result<(), String> {
        use sqlx::Connection;
        match &self.url {
            u if u.starts_with("sqlite") => {
                let mut c = sqlx::SqliteConnection::connect(u).await.map_err(|e| e.to_string())?;
                sqlx::query(sql).execute(&mut c).await.map(|_| ()).map_err(|e| e.to_string())
            }
            u => {
                let mut c = sqlx::PgConnection::connect(u).await.map_err(|e| e.to_string())?;
                sqlx::query(sql).execute(&mut c).await.map(|_| ()).map_err(|e| e.to_string())
            }
        }
    }

    pub async fn raw_count(&self, sql: &str) -> usize {
        use sqlx::Connection;
        let n: i64 = if self.url.starts_with("sqlite") {
            let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
        } else {
            let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
            sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
        };
        usize::try_from(n).unwrap()
    }

    /// Removes the append-only guard of the audit table, as an attacker with database access could.
    pub async fn disable_audit_guard(&self) {
        if self.url.starts_with("sqlite") {
            self.raw_sql("DROP TRIGGER audit_log_no_update").await.unwrap();
        } else {
            self.raw_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update").await.unwrap();
        }
    }
}

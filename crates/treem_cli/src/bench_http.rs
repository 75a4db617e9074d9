//! `treem bench http`: the plan's dashboard under concurrent load, against the
//! server's trivial endpoint measured with the same tool in the same run.
//!
//! Everything runs in this one process: a seeded database, the real router with
//! its middleware on a loopback port, and a small HTTP/1.1 load client written on
//! tokio (one keep-alive connection per task). The client runs on its own thread
//! and runtime, so it competes with the server for the cores as an external tool
//! on the same machine would, but not for the server's task queue. Figures go to
//! docs/PERFORMANCE.md as ratios against `/healthz`; nothing here is asserted.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use treem_app::auth::AuthSettings;
use treem_app::App;
use treem_demo::Scale;

use crate::{database, demo};

/// The plan the demo imports; its page is the dashboard measured.
const PLAN: &str = "dt-2013-ct20";
/// Connections are opened and requests sent for this long before latencies count.
const WARM_UP: Duration = Duration::from_millis(500);
/// A response head larger than this is refused (the server's are under 1 KiB).
const MAX_HEAD_BYTES: usize = 64 * 1024;

pub struct Options {
    pub connections: usize,
    pub seconds: f64,
    /// None: a fresh SQLite file in a temporary folder, removed afterwards.
    pub database: Option<String>,
    pub scale: Scale,
    pub seed: u64,
}

/// How the measured requests authenticate.
#[derive(Clone, Copy)]
enum Credential {
    None,
    Session,
    Token,
}

struct Endpoint {
    label: &'static str,
    path: String,
    credential: Credential,
    /// Text a correct answer holds (checked once before the load: a signed-out
    /// page would also answer 200).
    expect: &'static str,
}

pub async fn run(options: Options) -> Result<(), String> {
    if options.connections == 0 || !options.seconds.is_finite() || options.seconds <= 0.0 {
        return Err("--connections and --seconds must be above zero".into());
    }
    let (url, temporary) = match &options.database {
        Some(url) => (url.clone(), None),
        None => {
            let folder = TemporaryFolder::new()?;
            (format!("sqlite://{}", folder.path.join("bench.db").display()), Some(folder))
        }
    };
    let app = seeded_app(&url, options.scale, options.seed).await?;
    let router = treem_web::router(
        app.clone(),
        treem_web::WebOptions { max_body_bytes: treem_config::DEFAULT_MAX_BODY_BYTES, secure_cookies: false },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.map_err(|e| format!("cannot listen on loopback: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (stop_server, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
    });

    let outcome = measure_all(&app, addr, &options).await;
    let _ = stop_server.send(());
    // Keep-alive connections of the client are closed by now; the server ends promptly.
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    drop(temporary);
    outcome
}

/// Creates, migrates and seeds the database as `treem demo` does; prints how long seeding took.
async fn seeded_app(url: &str, scale: Scale, seed: u64) -> Result<Arc<App>, String> {
    let store = database::open(url, true).await?;
    store.migrate().await.map_err(|e| e.to_string())?;
    let mut files = treem_domain::bundled::admin_unit_files().map_err(|e| e.to_string())?;
    let hamlets = treem_domain::bundled::demo_hamlet_files().map_err(|e| e.to_string())?;
    files.units.extend(hamlets.units);
    files.successions.extend(hamlets.successions);
    store
        .import_units(&files, &crate::cli_event("units.import", "treem-bench"))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    // The demo's accounts are not forced to a second factor; neither are they here.
    let app = App::new(store, AuthSettings { require_mfa: false, ..AuthSettings::default() }).await.map_err(|e| e.to_string())?;
    let started = Instant::now();
    let loaded = demo::seed(&app, scale, seed).await?;
    let (children, incidents) = loaded.generated.map(|(c, _, i, _, _)| (c, i)).unwrap_or_default();
    println!(
        "seeded {} ({scale:?}, seed {seed}): {children} children, {incidents} incidents, in {:.1} s",
        app.backend(),
        started.elapsed().as_secs_f64()
    );
    // The first reading loads the fact cache; done here so that no endpoint's figures include it.
    let started = Instant::now();
    app.facts.snapshot().await.map_err(|e| e.to_string())?;
    println!("fact cache loaded in {:.2} s", started.elapsed().as_secs_f64());
    Ok(app)
}

async fn measure_all(app: &App, addr: SocketAddr, options: &Options) -> Result<(), String> {
    let host = addr.to_string();
    let session = sign_in(addr, &host, "tinh", demo::DEMO_PASSWORD).await?;
    let token = personal_access_token(addr, &host, &session).await?;
    time_service_calls(app, &session).await?;
    let endpoints = [
        Endpoint { label: "trivial", path: "/healthz".into(), credential: Credential::None, expect: "\"status\":\"ok\"" },
        Endpoint { label: "dashboard page", path: format!("/plans/{PLAN}"), credential: Credential::Session, expect: "data-progress=\"" },
        Endpoint {
            label: "progress API",
            path: format!("/api/v1/plans/{PLAN}/progress"),
            credential: Credential::Token,
            expect: "\"target_id\"",
        },
        Endpoint {
            label: "indicator page",
            path: "/indicators/incidents.sexual_abuse?year=2014&level=commune".into(),
            credential: Credential::Session,
            expect: "<svg",
        },
    ];
    println!(
        "load: {} connections (one keep-alive HTTP/1.1 connection each), {:.1} s per endpoint after {:.1} s of warm-up, loopback {host}",
        options.connections,
        options.seconds,
        WARM_UP.as_secs_f64()
    );
    let mut results = Vec::new();
    for e in &endpoints {
        let request = get_request(&host, &e.path, e.credential, &session, &token);
        // One request first: the right page, signed in, before it is timed.
        let mut probe = Connection::open(addr).await?;
        let reply = probe.exchange(&request).await?;
        let body = String::from_utf8_lossy(&reply.body);
        if reply.status != 200 || !body.contains(e.expect) {
            return Err(format!("{} {} answered {} without the expected content", e.label, e.path, reply.status));
        }
        let framing = if reply.chunked { "chunked" } else { "Content-Length" };
        let load = load(addr, request, options.connections, Duration::from_secs_f64(options.seconds), WARM_UP).await?;
        results.push((e, load, framing, reply.body.len()));
    }
    println!();
    println!(
        "{:<15} {:<58} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7} {:>10}",
        "endpoint", "path", "requests", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "÷ /healthz"
    );
    let baseline = results.first().map(|(_, l, _, _)| l.throughput()).unwrap_or(0.0);
    let mut errors = 0;
    for (e, l, _, _) in &results {
        let ratio = if baseline > 0.0 { l.throughput() / baseline } else { 0.0 };
        println!(
            "{:<15} {:<58} {:>9} {:>9.0} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>7} {:>10.3}",
            e.label,
            e.path,
            l.latencies.len(),
            l.throughput(),
            ms(l.percentile(0.50)),
            ms(l.percentile(0.90)),
            ms(l.percentile(0.99)),
            ms(l.percentile(1.0)),
            l.error_count(),
            ratio
        );
        errors += l.error_count();
    }
    println!();
    for (e, l, framing, bytes) in &results {
        println!("{}: {bytes} bytes a response, framed by {framing}", e.label);
        for (status, n) in &l.errors {
            println!("  {n} answers with status {status}");
        }
    }
    if let Some((_, dashboard, _, _)) = results.iter().find(|(e, ..)| e.label == "dashboard page") {
        let p99 = ms(dashboard.percentile(0.99));
        let share = if baseline > 0.0 { dashboard.throughput() / baseline } else { 0.0 };
        println!(
            "goal (dashboard, {} connections): p99 {p99:.2} ms (≤ 20: {}), throughput {:.1} % of /healthz (≥ 20 %: {})",
            options.connections,
            if p99 <= 20.0 { "met" } else { "missed" },
            share * 100.0,
            if share >= 0.2 { "met" } else { "missed" }
        );
    }
    if errors > 0 {
        return Err(format!("{errors} requests were answered with an error status"));
    }
    Ok(())
}

/// The best of several runs of `$call` (a future of a `Result`), one at a time.
macro_rules! best_of {
    ($runs:expr, $call:expr) => {{
        let mut best = Duration::MAX;
        for _ in 0..$runs {
            let started = Instant::now();
            $call.await.map_err(|e| e.to_string())?;
            best = best.min(started.elapsed());
        }
        best
    }};
}

/// Each service call behind the measured pages, alone and one at a time, without
/// HTTP: where a request's time goes (the server's share of a core, not latency under load).
async fn time_service_calls(app: &App, session: &str) -> Result<(), String> {
    const RUNS: usize = 20;
    let actor = app.auth.actor_for("tinh", "bench").await.map_err(|e| e.to_string())?;
    let plan = app.plans.get(PLAN).await.map_err(|e| e.to_string())?;
    let snapshot = app.facts.snapshot().await.map_err(|e| e.to_string())?;
    let end_of_2014 = time::macros::date!(2014 - 12 - 31);
    let commune = treem_domain::units::UnitLevel::Commune;
    let calls = [
        ("auth.session (every signed-in page)", best_of!(RUNS, app.auth.session(session, "bench"))),
        ("plans.get (every plan read and parsed)", best_of!(RUNS, app.plans.get(PLAN))),
        ("facts.snapshot (already loaded)", best_of!(RUNS, app.facts.snapshot())),
        ("plans.progress (scope of tinh)", best_of!(RUNS, app.plans.progress(&actor, &plan))),
        ("plans.unit_progress", best_of!(RUNS, app.plans.unit_progress(&plan))),
        ("plans.unit_statuses (all, from the store)", best_of!(RUNS, app.plans.unit_statuses(None))),
        ("plans.public_statistics", best_of!(RUNS, app.plans.public_statistics(&plan))),
        (
            "plans.indicator_breakdown (2014, communes)",
            best_of!(RUNS, app.plans.indicator_breakdown(&actor, "incidents.sexual_abuse", 2014, end_of_2014, commune)),
        ),
    ];
    println!(
        "service calls, alone, best of {RUNS} (facts in memory: {} incident facts, {} child facts):",
        snapshot.incidents.len(),
        snapshot.children.len()
    );
    for (call, took) in calls {
        println!("  {call:<45} {:>8.3} ms", ms(took));
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn get_request(host: &str, path: &str, credential: Credential, session: &str, token: &str) -> Vec<u8> {
    let auth = match credential {
        Credential::None => String::new(),
        Credential::Session => format!("Cookie: treem_session={session}\r\n"),
        Credential::Token => format!("Authorization: Bearer {token}\r\n"),
    };
    format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: treem-bench\r\n{auth}\r\n").into_bytes()
}

/// Signs in as a browser does (the form, then its POST) and returns the session token.
async fn sign_in(addr: SocketAddr, host: &str, username: &str, password: &str) -> Result<String, String> {
    let mut c = Connection::open(addr).await?;
    let form = c.exchange(format!("GET /login HTTP/1.1\r\nHost: {host}\r\n\r\n").as_bytes()).await?;
    if form.status != 200 {
        return Err(format!("GET /login answered {}", form.status));
    }
    let body = format!("username={}&password={}&next=%2F", treem_web::session::encode(username), treem_web::session::encode(password));
    let post = format!(
        "POST /login HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let reply = c.exchange(post.as_bytes()).await?;
    let session = reply
        .headers
        .iter()
        .filter(|(name, _)| name == "set-cookie")
        .find_map(|(_, v)| v.strip_prefix("treem_session=").map(|rest| rest.split(';').next().unwrap_or_default().to_owned()))
        .filter(|t| !t.is_empty());
    match (reply.status, session) {
        (303, Some(s)) => Ok(s),
        (status, _) => Err(format!("signing in as {username} answered {status}, not a redirect with a session")),
    }
}

/// Creates a personal access token on the account page, as a user does, and returns it.
async fn personal_access_token(addr: SocketAddr, host: &str, session: &str) -> Result<String, String> {
    let mut c = Connection::open(addr).await?;
    let cookie = format!("Cookie: treem_session={session}\r\n");
    let page = c.exchange(format!("GET /account HTTP/1.1\r\nHost: {host}\r\n{cookie}\r\n").as_bytes()).await?;
    let html = String::from_utf8_lossy(&page.body);
    let csrf = html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or_default().to_owned();
    if page.status != 200 || csrf.is_empty() {
        return Err(format!("GET /account answered {} without a form token", page.status));
    }
    let body = format!("csrf={}&name=bench", treem_web::session::encode(&csrf));
    let post = format!(
        "POST /account/tokens HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n{cookie}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let reply = c.exchange(post.as_bytes()).await?;
    let html = String::from_utf8_lossy(&reply.body);
    html.split("id=\"new-token-value\" class=\"wrap\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .filter(|t| reply.status == 200 && t.starts_with("treem_"))
        .map(str::to_owned)
        .ok_or_else(|| format!("creating a token answered {} without one", reply.status))
}

/// One endpoint's measurements: every counted request's latency, and error statuses.
#[derive(Default)]
pub struct Load {
    pub latencies: Vec<Duration>,
    /// Non-2xx answers by status.
    pub errors: BTreeMap<u16, usize>,
    /// From the end of the warm-up to the last answer.
    pub elapsed: Duration,
}

impl Load {
    pub fn throughput(&self) -> f64 {
        if self.elapsed.is_zero() {
            0.0
        } else {
            self.latencies.len() as f64 / self.elapsed.as_secs_f64()
        }
    }

    pub fn error_count(&self) -> usize {
        self.errors.values().sum()
    }

    /// Nearest-rank percentile of the sorted latencies (`q` = 1.0 is the maximum).
    pub fn percentile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((q * self.latencies.len() as f64).ceil() as usize).clamp(1, self.latencies.len());
        self.latencies[rank - 1]
    }
}

/// Sends `request` over `connections` keep-alive connections, each waiting for its
/// answer before the next request, for `warm_up` and then `duration`. Requests that
/// start after the warm-up are counted. The client runs on a runtime of its own, on its own thread.
pub async fn load(addr: SocketAddr, request: Vec<u8>, connections: usize, duration: Duration, warm_up: Duration) -> Result<Load, String> {
    let (done, result) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("bench-client".into())
        .spawn(move || {
            let outcome = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the client runtime: {e}"))
                .and_then(|rt| rt.block_on(load_on_this_thread(addr, Arc::from(request), connections, duration, warm_up)));
            let _ = done.send(outcome);
        })
        .map_err(|e| format!("cannot start the client thread: {e}"))?;
    result.await.map_err(|_| "the client thread stopped without an answer".to_owned())?
}

async fn load_on_this_thread(
    addr: SocketAddr,
    request: Arc<[u8]>,
    connections: usize,
    duration: Duration,
    warm_up: Duration,
) -> Result<Load, String> {
    let start = Instant::now();
    let counted_from = start + warm_up;
    let stop_at = counted_from + duration;
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let request = request.clone();
            tokio::spawn(async move { one_connection(addr, &request, counted_from, stop_at).await })
        })
        .collect();
    let mut total = Load::default();
    for t in tasks {
        let (latencies, errors) = t.await.map_err(|e| format!("a client task failed: {e}"))??;
        total.latencies.extend(latencies);
        for (status, n) in errors {
            *total.errors.entry(status).or_default() += n;
        }
    }
    total.elapsed = counted_from.elapsed();
    total.latencies.sort_unstable();
    Ok(total)
}

type Counts = (Vec<Duration>, BTreeMap<u16, usize>);

async fn one_connection(addr: SocketAddr, request: &[u8], counted_from: Instant, stop_at: Instant) -> Result<Counts, String> {
    let mut latencies = Vec::new();
    let mut errors = BTreeMap::new();
    let mut c = Connection::open(addr).await?;
    loop {
        let sent = Instant::now();
        if sent >= stop_at {
            break;
        }
        let reply = c.exchange(request).await?;
        let took = sent.elapsed();
        if sent >= counted_from {
            latencies.push(took);
            if !(200..300).contains(&reply.status) {
                *errors.entry(reply.status).or_default() += 1;
            }
        }
        if reply.closes {
            c = Connection::open(addr).await?;
        }
    }
    Ok((latencies, errors))
}

/// An answer: status, headers (names in lower case), body with the framing removed.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub chunked: bool,
    /// The server closes the connection after this answer.
    pub closes: bool,
}

/// One HTTP/1.1 client connection; bytes read past an answer stay for the next one.
pub struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    pub async fn open(addr: SocketAddr) -> Result<Self, String> {
        let stream = TcpStream::connect(addr).await.map_err(|e| format!("cannot connect to {addr}: {e}"))?;
        // Requests are small and sent whole: no reason to wait for more bytes.
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        Ok(Self { stream, buffer: Vec::with_capacity(16 * 1024) })
    }

    /// Writes one request (complete, with its body) and reads its answer.
    pub async fn exchange(&mut self, request: &[u8]) -> Result<Reply, String> {
        self.stream.write_all(request).await.map_err(|e| format!("cannot send: {e}"))?;
        self.read_reply().await
    }

    async fn fill(&mut self) -> Result<(), String> {
        self.buffer.reserve(16 * 1024);
        match self.stream.read_buf(&mut self.buffer).await {
            Ok(0) => Err("the server closed the connection mid-answer".into()),
            Ok(_) => Ok(()),
            Err(e) => Err(format!("cannot read: {e}")),
        }
    }

    async fn read_reply(&mut self) -> Result<Reply, String> {
        let head_len = loop {
            if let Some(i) = find(&self.buffer, b"\r\n\r\n") {
                break i + 4;
            }
            if self.buffer.len() > MAX_HEAD_BYTES {
                return Err("an answer's head is too large".into());
            }
            self.fill().await?;
        };
        let head = String::from_utf8(self.buffer[..head_len].to_vec()).map_err(|_| "an answer's head is not text".to_owned())?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        let status = parts.next().and_then(|s| s.parse::<u16>().ok()).filter(|_| version.starts_with("HTTP/1."));
        let Some(status) = status else { return Err(format!("not an HTTP/1 status line: {status_line:.40}")) };
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        self.buffer.drain(..head_len);
        let header = |name: &str| headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
        let chunked = header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        let mut closes = header("connection").is_some_and(|v| v.eq_ignore_ascii_case("close")) || version == "HTTP/1.0";
        let body = if chunked {
            self.read_chunked().await?
        } else if let Some(length) = header("content-length") {
            let length = length.parse::<usize>().map_err(|_| format!("a bad Content-Length: {length:.20}"))?;
            self.read_exactly(length).await?
        } else if status == 204 || status == 304 || (100..200).contains(&status) {
            Vec::new()
        } else {
            // No framing: the body runs to the end of the connection.
            closes = true;
            self.read_to_end().await?
        };
        Ok(Reply { status, headers, body, chunked, closes })
    }

    async fn read_exactly(&mut self, length: usize) -> Result<Vec<u8>, String> {
        while self.buffer.len() < length {
            self.fill().await?;
        }
        Ok(self.buffer.drain(..length).collect())
    }

    /// A chunked body: hex size lines (extensions ignored), data, CRLF; then trailers.
    async fn read_chunked(&mut self) -> Result<Vec<u8>, String> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line().await?;
            let size = line.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size, 16).map_err(|_| format!("a bad chunk size: {size:.20}"))?;
            if size == 0 {
                // Trailer fields, if any, end with an empty line.
                while !self.read_line().await?.is_empty() {}
                return Ok(body);
            }
            let chunk = self.read_exactly(size + 2).await?;
            if !chunk.ends_with(b"\r\n") {
                return Err("a chunk not followed by CRLF".into());
            }
            body.extend_from_slice(&chunk[..size]);
        }
    }

    async fn read_line(&mut self) -> Result<String, String> {
        loop {
            if let Some(i) = find(&self.buffer, b"\r\n") {
                let line = String::from_utf8_lossy(&self.buffer[..i]).into_owned();
                self.buffer.drain(..i + 2);
                return Ok(line);
            }
            if self.buffer.len() > MAX_HEAD_BYTES {
                return Err("a chunk line is too long".into());
            }
            self.fill().await?;
        }
    }

    async fn read_to_end(&mut self) -> Result<Vec<u8>, String> {
        self.stream.read_to_end(&mut self.buffer).await.map_err(|e| format!("cannot read: {e}"))?;
        Ok(std::mem::take(&mut self.buffer))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A folder under the system's temporary folder, removed with everything in it when dropped.
struct TemporaryFolder {
    path: std::path::PathBuf,
}

impl TemporaryFolder {
    fn new() -> Result<Self, String> {
        let name = format!("treem-bench-http-{}-{}", std::process::id(), &treem_app::auth::random_token()[..12]);
        let path = std::env::temp_dir().join(name);
        std::fs::create_dir(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Self { path })
    }
}

impl Drop for TemporaryFolder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    /// A tiny server: answers alternate between Content-Length and chunked framing
    /// (chunks written in pieces), every fifth one is a 404, on keep-alive connections.
    async fn tiny_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                tokio::spawn(async move {
                    let mut pending = Vec::new();
                    let mut answered = 0u64;
                    let mut buf = [0u8; 4096];
                    loop {
                        let Ok(n) = socket.read(&mut buf).await else { return };
                        if n == 0 {
                            return;
                        }
                        pending.extend_from_slice(&buf[..n]);
                        while let Some(end) = find(&pending, b"\r\n\r\n") {
                            pending.drain(..end + 4);
                            answered += 1;
                            let status = if answered.is_multiple_of(5) { "404 Not Found" } else { "200 OK" };
                            let pieces: Vec<Vec<u8>> = if answered.is_multiple_of(2) {
                                vec![format!("HTTP/1.1 {status}\r\nContent-Length: 5\r\n\r\nhello").into_bytes()]
                            } else {
                                vec![
                                    format!("HTTP/1.1 {status}\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nhel").into_bytes(),
                                    b"\r\n2\r\nlo\r\n0\r\n".to_vec(),
                                    b"\r\n".to_vec(),
                                ]
                            };
                            for p in pieces {
                                if socket.write_all(&p).await.is_err() {
                                    return;
                                }
                                socket.flush().await.ok();
                            }
                        }
                    }
                });
            }
        });
        addr
    }

    #[tokio::test]
    async fn both_framings_are_read_whole_on_one_connection() {
        let addr = tiny_server().await;
        let mut c = Connection::open(addr).await.unwrap();
        let request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
        let first = c.exchange(request).await.unwrap();
        assert!(first.chunked);
        assert_eq!((first.status, first.body.as_slice()), (200, b"hello".as_slice()));
        let second = c.exchange(request).await.unwrap();
        assert!(!second.chunked);
        assert_eq!((second.status, second.body.as_slice()), (200, b"hello".as_slice()));
    }

    #[tokio::test]
    async fn the_load_counts_every_request_and_every_error() {
        let addr = tiny_server().await;
        let request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec();
        let l = load(addr, request, 2, Duration::from_millis(200), Duration::from_millis(50)).await.unwrap();
        assert!(l.latencies.len() > 10, "{}", l.latencies.len());
        // Every fifth answer of each connection is a 404: about a fifth are errors.
        let errors = l.error_count();
        assert!(errors > 0 && errors * 3 < l.latencies.len(), "{errors} of {}", l.latencies.len());
        assert_eq!(l.errors.keys().copied().collect::<Vec<_>>(), vec![404]);
        assert!(l.percentile(0.5) <= l.percentile(0.99) && l.percentile(0.99) <= l.percentile(1.0));
        assert!(l.throughput() > 0.0);
    }
}

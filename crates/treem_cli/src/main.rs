//! `treem`: the one binary. It reads the settings, opens the database chosen by
//! the URL scheme, wires the services and serves, or runs an admin command.

mod bench;
mod bench_engine;
mod bench_http;
mod bench_import;
mod database;
mod db;
mod demo;
mod import;

use clap::{Args, Parser, Subcommand};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use treem_app::accounts::{AccountInput, Operator};
use treem_app::audit::ChainCheck;
use treem_app::auth::AuthSettings;
use treem_app::App;
use treem_config::{PartialSettings, Settings};
use treem_domain::unit_import::{parse_file, ParsedFiles};

#[derive(Parser)]
#[command(name = "treem", version, about = "Child-protection information and plan-monitoring system", long_about = None)]
struct Cli {
    /// TOML settings file (also TREEM_CONFIG). Flags, then TREEM_* variables, then this file.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone, Default)]
struct DbArgs {
    /// sqlite://PATH or postgres://USER@HOST/DB (also TREEM_DATABASE_URL or TREEM_DATABASE_URL_FILE).
    #[arg(long, value_name = "URL")]
    database: Option<String>,
}

#[derive(Args, Clone, Default)]
struct ServeArgs {
    /// Address to listen on (also TREEM_LISTEN); default 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR")]
    listen: Option<String>,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and the API. Applies pending migrations first.
    Serve(ServeArgs),
    /// Apply pending database migrations.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
        /// Create the SQLite file if it does not exist.
        #[arg(long)]
        create: bool,
    },
    /// Create (if absent) a demo database with the real Đồng Tháp units, and serve it.
    Demo {
        /// Address to listen on; default 127.0.0.1:8080.
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Database; default sqlite://treem-demo.db in the current folder.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Generated records: sample (quick; 1/48 of the children, all incidents) or
        /// province (about 418,000 children). Generated once per database.
        #[arg(long, default_value = "sample", value_name = "SCALE")]
        scale: String,
        /// Seed of the generator: the same seed gives the same records.
        #[arg(long, default_value_t = 2013)]
        seed: u64,
    },
    /// Administrative units.
    #[command(subcommand)]
    Units(UnitsCommand),
    /// Benchmarks whose figures go to docs/PERFORMANCE.md (ratios against a baseline of the same run).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Plans (targets, tasks, agencies) as data.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Backups that check themselves, and their restore.
    #[command(subcommand)]
    Db(DbCommand),
    /// Import records from a file (CSV or XLSX).
    #[command(subcommand)]
    Import(ImportCommand),
    /// User accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// The audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password is read from standard input (one line)
    /// with --password-stdin; otherwise a random one is generated and printed once.
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        /// Full name, as shown to other users.
        #[arg(long)]
        name: String,
        /// system_admin, provincial_officer, district_officer, commune_worker,
        /// hamlet_collaborator, agency_reporter, police_liaison or auditor.
        #[arg(long)]
        role: String,
        /// Code of the unit the account works in (none for system_admin).
        #[arg(long, default_value = "")]
        scope: String,
        /// The date on which --scope is read (default today), e.g. 2025-06-30 for a pre-2025 district.
        #[arg(long)]
        scope_date: Option<String>,
        /// The agency an agency reporter belongs to.
        #[arg(long, default_value = "")]
        agency: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Disable an account: its sessions end and its tokens stop working.
    Disable {
        #[command(flatten)]
        db: DbArgs,
        username: String,
    },
    /// Enable a disabled account.
    Enable {
        #[command(flatten)]
        db: DbArgs,
        username: String,
    },
    /// Set a new password (from standard input with --password-stdin, else generated and printed once).
    ResetPassword {
        #[command(flatten)]
        db: DbArgs,
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Recompute the hash chain; exits 1 and names the first bad entry if it is broken.
    Verify {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// The indicator engine at province scale (a generated database) against plain SQL
    /// GROUP BY on the same database, save-to-figure freshness; or a synthetic country in memory.
    Engine {
        /// sample, province or national.
        #[arg(long, default_value = "province")]
        scale: String,
        #[arg(long, default_value_t = 2013)]
        seed: u64,
        /// Database for the province scale; default a fresh SQLite file in a temporary folder.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
    },
    /// Importing a generated children's register (full checks, one transaction) into a fresh
    /// SQLite file, against `sqlite3 .import` of the same file in the same run.
    Import {
        /// How many rows.
        #[arg(long, default_value_t = 100_000)]
        rows: usize,
        /// A PostgreSQL server (postgres://USER@HOST/DB) to run on instead of SQLite: a database
        /// is created there and dropped after; the baseline is then psql's \copy.
        #[arg(long, value_name = "URL")]
        postgres: Option<String>,
    },
    /// Indicator evaluation in memory against a plain pass over the same synthetic records.
    Indicators {
        /// How many synthetic incidents.
        #[arg(long, default_value_t = 1_000_000)]
        incidents: usize,
    },
    /// The plan's dashboard under concurrent HTTP load on loopback, against /healthz in the same run.
    Http {
        /// Concurrent keep-alive connections.
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Seconds of load per endpoint, after a short warm-up.
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Database to seed; default a fresh SQLite file in a temporary folder, removed afterwards.
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// Generated records: sample or province.
        #[arg(long, default_value = "province", value_name = "SCALE")]
        scale: String,
        /// Seed of the generator.
        #[arg(long, default_value_t = 2013)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum PlanCommand {
    /// Check and store a plan file (TOML, see data/plans/README.md); a plan with the same code gets a new version.
    Import {
        #[command(flatten)]
        db: DbArgs,
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum DbCommand {
    /// Copy a SQLite database (safe while it serves) to FILE, check the copy and write its
    /// manifest (FILE.manifest.json: every table's rows counted and hashed, the audit chain).
    Backup {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Check a database: SQLite's integrity check, the audit chain, every table counted and
    /// hashed; with --manifest, compared with a backup's manifest (exit 1 naming each difference).
    Verify {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long, value_name = "FILE")]
        manifest: Option<PathBuf>,
        /// Write the manifest computed (to compare a pg_dump's restore with its source later).
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
    },
    /// Copy every record from one database into a new, empty one (SQLite to PostgreSQL, to
    /// grow; or back), in one transaction, then prove it: every table's rows hashed alike on
    /// both engines, and the audit chain verified on the target.
    Copy {
        /// The source database URL.
        #[arg(long, value_name = "URL")]
        from: String,
        /// The target database URL (empty; migrated here).
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Restore a backup into a new SQLite file: the backup is checked against its manifest
    /// first, the copy after.
    Restore {
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// What every import takes: the database, the file, who imports it, and how to answer.
#[derive(Args)]
struct ImportFileArgs {
    #[command(flatten)]
    db: DbArgs,
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// The account the import is made by: its role and area apply, and the audit log names it.
    #[arg(long, value_name = "USERNAME")]
    user: String,
    /// Check and report only: nothing is stored.
    #[arg(long)]
    dry_run: bool,
    /// Write every problem as CSV (row, column, value, severity, message).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// The language of the messages: vi (default) or en.
    #[arg(long, default_value = "vi")]
    lang: String,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Check a children's register (CSV or XLSX) and store its new rows: all of them, or
    /// none when any row has an error. Exit status 1 when anything is refused.
    Children {
        #[command(flatten)]
        args: ImportFileArgs,
        /// The register's date (YYYY-MM-DD or dd/mm/yyyy) for rows without one: units are read on that day's map.
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Check a register of incidents (CSV or XLSX: abuse, children in conflict with the law,
    /// accidents and injuries, each row naming its children by treem record number or by the
    /// Mã trẻ em of an imported children's register) and record its new rows, all or none.
    Incidents(ImportFileArgs),
    /// Check a register of cases (CSV or XLSX: one report per row, its child by treem record
    /// number or by the Mã trẻ em of an imported children's register, open or closed) and
    /// open its new cases, all or none.
    Cases(ImportFileArgs),
}

#[derive(Subcommand)]
enum UnitsCommand {
    /// Import unit and succession CSV files: all checked together, all stored or none.
    Import {
        #[command(flatten)]
        db: DbArgs,
        /// Files to import; the header tells units (code,name,level,type,…) from successions (from_code,to_code,effective,…).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("treem: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("treem: {message}");
            ExitCode::FAILURE
        }
    }
}

fn settings(config: Option<&PathBuf>, flags: PartialSettings) -> Result<Settings, String> {
    Settings::load(&flags, config.map(PathBuf::as_path), &|k| std::env::var(k).ok()).map_err(|e| e.to_string())
}

fn init_logging(level: &str) {
    let level = level.parse::<tracing::Level>().unwrap_or(tracing::Level::INFO);
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt().with_max_level(level).with_target(false).with_ansi(ansi).with_writer(std::io::stderr).try_init();
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = cli.config.as_ref();
    match cli.command {
        Command::Serve(a) => {
            let s = settings(config, PartialSettings { listen: a.listen, database_url: a.db.database, ..Default::default() })?;
            init_logging(&s.log);
            let store = database::open(s.database_url.expose(), false).await?;
            let applied = store.migrate().await.map_err(|e| e.to_string())?;
            if !applied.is_empty() {
                tracing::info!(migrations = ?applied, "applied migrations");
            }
            serve(&s, store).await
        }
        Command::Migrate { db, create } => {
            let s = settings(config, PartialSettings { database_url: db.database, ..Default::default() })?;
            let store = database::open(s.database_url.expose(), create).await?;
            let applied = store.migrate().await.map_err(|e| e.to_string())?;
            if applied.is_empty() {
                println!("The database at {} is up to date.", s.database_url);
            } else {
                println!("Applied to {}: {}", s.database_url, applied.join(", "));
            }
            Ok(())
        }
        Command::Demo { listen, database, scale, seed } => {
            let scale = match treem_demo::Scale::parse(&scale) {
                Some(treem_demo::Scale::National) | None => {
                    return Err(format!("--scale {scale}: use sample or province (the national scale is for `treem bench engine` only)"))
                }
                Some(s) => s,
            };
            let flags = PartialSettings {
                listen: Some(listen.unwrap_or_else(|| treem_config::DEFAULT_LISTEN.to_owned())),
                database_url: Some(database.unwrap_or_else(|| "sqlite://treem-demo.db".to_owned())),
                // The demo's accounts may enrol a second factor but are not forced to.
                require_mfa: Some(std::env::var("TREEM_REQUIRE_MFA").unwrap_or_else(|_| "false".into())),
                ..Default::default()
            };
            let s = settings(config, flags)?;
            init_logging(&s.log);
            let store = database::open(s.database_url.expose(), true).await?;
            store.migrate().await.map_err(|e| e.to_string())?;
            let summary = demo::import_units(store.as_ref()).await?;
            let app = App::new(store, auth_settings(&s)).await.map_err(|e| e.to_string())?;
            configure_cases(&s, &app)?;
            let loaded = demo::seed(&app, scale, seed).await?;
            println!("treem demo");
            println!("  database: {}", s.database_url);
            println!(
                "  administrative units of Đồng Tháp: {} added, {} already present; {} successions of the 2025 reform",
                summary.units_added,
                summary.units_unchanged,
                summary.successions_added + summary.successions_unchanged
            );
            println!(
                "  made-up demo data: {} accounts, {} children and {} cases added this time",
                loaded.accounts_created, loaded.children_created, loaded.cases_created
            );
            if let Some((children, households, incidents, cases, seconds)) = loaded.generated {
                println!(
                    "  generated ({scale:?}, seed {seed}): {children} children in {households} households, {incidents} incidents and {cases} cases 2012–today, in {seconds:.1} s"
                );
            }
            println!("  demo accounts, all with the password {}:", demo::DEMO_PASSWORD);
            for a in demo::ACCOUNTS {
                println!("    {:<10} {:<20} {}", a.username, a.role, a.note);
            }
            println!("  open http://{}/ in a browser (Vietnamese; English through the link at the top)", s.listen);
            serve_app(&s, app).await
        }
        Command::User(cmd) => user_command(config, cmd).await,
        Command::Db(command) => {
            let url = |db: DbArgs| -> Result<String, String> {
                let s = settings(config, PartialSettings { database_url: db.database, ..Default::default() })?;
                Ok(s.database_url.expose().to_owned())
            };
            match command {
                DbCommand::Backup { db, out } => db::backup(&url(db)?, &out).await,
                DbCommand::Verify { db, manifest, save } => db::verify(&url(db)?, manifest.as_deref(), save.as_deref()).await,
                DbCommand::Restore { from, db } => db::restore(&from, &url(db)?).await,
                DbCommand::Copy { from, to } => db::copy(&from, &to).await,
            }
        }
        Command::Import(command) => {
            use treem_app::imports::ImportKind;
            let (kind, a, as_of) = match command {
                ImportCommand::Children { args, as_of } => (ImportKind::Children, args, as_of),
                ImportCommand::Incidents(args) => (ImportKind::Incidents, args, None),
                ImportCommand::Cases(args) => (ImportKind::Cases, args, None),
            };
            let app = open_app(config, a.db).await?;
            let ImportFileArgs { file, user, dry_run, report, lang, .. } = a;
            import::run(&app, import::Args { kind, file, user, dry_run, as_of, report, lang }).await
        }
        Command::Audit(AuditCommand::Verify { db }) => {
            let app = open_app(config, db).await?;
            match app.audit.verify().await.map_err(|e| e.to_string())? {
                ChainCheck::Intact { entries } => {
                    println!("The audit chain is intact: {entries} entries.");
                    Ok(())
                }
                ChainCheck::Broken { first_bad_id, reason } => Err(format!("the audit chain is broken at entry #{first_bad_id}: {reason}")),
            }
        }
        Command::Bench(BenchCommand::Indicators { incidents }) => bench::indicators(incidents),
        Command::Bench(BenchCommand::Import { rows, postgres }) => bench_import::import(rows, postgres).await,
        Command::Bench(BenchCommand::Engine { scale, seed, database }) => bench_engine::engine(&scale, seed, database).await,
        Command::Bench(BenchCommand::Http { connections, seconds, database, scale, seed }) => {
            let scale = match treem_demo::Scale::parse(&scale) {
                Some(s @ (treem_demo::Scale::Sample | treem_demo::Scale::Province)) => s,
                _ => return Err(format!("--scale {scale}: use sample or province")),
            };
            bench_http::run(bench_http::Options { connections, seconds, database, scale, seed }).await
        }
        Command::Plan(PlanCommand::Import { db, file }) => {
            let s = settings(config, PartialSettings { database_url: db.database, ..Default::default() })?;
            let name = file.display().to_string();
            let text = std::fs::read_to_string(&file).map_err(|e| format!("cannot read {name}: {e}"))?;
            let plan = treem_app::plans::parse_plan_toml(&name, &text).map_err(|e| e.to_string())?;
            let store = database::open(s.database_url.expose(), false).await?;
            store.migrate().await.map_err(|e| e.to_string())?;
            let app = App::new(store, AuthSettings::default()).await.map_err(|e| e.to_string())?;
            let done = app.plans.import(treem_app::accounts::Operator::Cli, &plan).await.map_err(|e| format!("{name}: {e}"))?;
            println!("Plan {}: {}.", plan.code, format!("{done:?}").to_lowercase());
            Ok(())
        }
        Command::Units(UnitsCommand::Import { db, files }) => {
            let s = settings(config, PartialSettings { database_url: db.database, ..Default::default() })?;
            let mut parsed = ParsedFiles::default();
            let mut problems = Vec::new();
            for path in &files {
                let name = path.display().to_string();
                let bytes = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
                if let Err(e) = parse_file(&name, &bytes, &mut parsed) {
                    problems.extend(e.0);
                }
            }
            if !problems.is_empty() {
                return Err(treem_domain::import_error::ImportErrors(problems).to_string());
            }
            let store = database::open(s.database_url.expose(), false).await?;
            store.migrate().await.map_err(|e| e.to_string())?;
            let app = App::new(store, AuthSettings::default()).await.map_err(|e| e.to_string())?;
            let summary = app.units.import(&parsed, &cli_event("units.import", "treem-cli")).await.map_err(|e| e.to_string())?;
            println!(
                "Imported: {} units added ({} unchanged), {} parent links, {} successions added ({} unchanged).",
                summary.units_added,
                summary.units_unchanged,
                summary.parent_links_added,
                summary.successions_added,
                summary.successions_unchanged
            );
            Ok(())
        }
    }
}

/// An audit event for work done from the command line.
fn cli_event(action: &str, label: &str) -> treem_domain::audit::AuditEvent {
    let mut e = treem_domain::audit::AuditEvent::new(action, treem_domain::audit::Outcome::Ok);
    e.actor_label = label.into();
    e.source = "local".into();
    e
}

fn auth_settings(s: &Settings) -> AuthSettings {
    AuthSettings {
        idle_timeout: time::Duration::minutes(s.session_idle_minutes),
        absolute_timeout: time::Duration::hours(s.session_absolute_hours),
        require_mfa: s.require_mfa,
    }
}

async fn serve(s: &Settings, store: Arc<dyn treem_storage::Store>) -> Result<(), String> {
    let app = App::new(store, auth_settings(s)).await.map_err(|e| e.to_string())?;
    configure_cases(s, &app)?;
    serve_app(s, app).await
}

/// The case deadlines of the `case_deadlines` setting (the local defaults a province
/// changes; a legal deadline cannot be changed).
fn configure_cases(s: &Settings, app: &App) -> Result<(), String> {
    let deadlines = treem_domain::case::Deadlines::with_overrides(&s.case_deadlines).map_err(|e| format!("case_deadlines: {e}"))?;
    app.cases.set_deadlines(deadlines);
    Ok(())
}

async fn serve_app(s: &Settings, app: Arc<App>) -> Result<(), String> {
    let router = treem_web::router(app, treem_web::WebOptions { max_body_bytes: s.max_body_bytes, secure_cookies: s.secure_cookies });
    let listener = tokio::net::TcpListener::bind(s.listen).await.map_err(|e| format!("cannot listen on {}: {e}", s.listen))?;
    tracing::info!(listen = %s.listen, require_mfa = s.require_mfa, "serving");
    axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
}

async fn open_app(config: Option<&PathBuf>, db: DbArgs) -> Result<Arc<App>, String> {
    let s = settings(config, PartialSettings { database_url: db.database, ..Default::default() })?;
    let store = database::open(s.database_url.expose(), false).await?;
    store.migrate().await.map_err(|e| e.to_string())?;
    App::new(store, auth_settings(&s)).await.map_err(|e| e.to_string())
}

/// A password from standard input (one line), or a generated one that is printed once.
fn new_password(from_stdin: bool) -> Result<(String, bool), String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(|e| format!("cannot read the password: {e}"))?;
        Ok((line.trim_end_matches(['\n', '\r']).to_owned(), false))
    } else {
        // 20 hex characters from the OS random source: 80 bits.
        Ok((treem_app::auth::random_token().chars().take(20).collect(), true))
    }
}

async fn user_command(config: Option<&PathBuf>, cmd: UserCommand) -> Result<(), String> {
    match cmd {
        UserCommand::Add { db, username, name, role, scope, scope_date, agency, password_stdin } => {
            let app = open_app(config, db).await?;
            let scope_date =
                scope_date.map(|d| treem_app::units::parse_user_date("scope-date", &d)).transpose().map_err(|e| e.to_string())?;
            let (password, generated) = new_password(password_stdin)?;
            let input =
                AccountInput { username, display_name: name, role, scope_unit_code: scope, scope_date, agency, password: password.clone() };
            let id = app.accounts.create(Operator::Cli, &input).await.map_err(|e| e.to_string())?;
            println!("Account {} created (id {id}).", input.username);
            if generated {
                println!("Its password, shown this once: {password}");
            }
            Ok(())
        }
        UserCommand::List { db } => {
            let app = open_app(config, db).await?;
            let catalog = app.units.catalog();
            for a in app.accounts.list(Operator::Cli).await.map_err(|e| e.to_string())? {
                let scope = a.scope_unit.and_then(|u| catalog.get(u)).map(|u| format!("{} {}", u.code, u.name)).unwrap_or_default();
                let status = if a.disabled { "disabled" } else { "active" };
                let totp = if a.totp_enabled { "totp" } else { "-" };
                println!("{:<20} {:<20} {:<8} {:<5} {scope}", a.username, a.role.as_str(), status, totp);
            }
            Ok(())
        }
        UserCommand::Disable { db, username } => set_disabled(config, db, &username, true).await,
        UserCommand::Enable { db, username } => set_disabled(config, db, &username, false).await,
        UserCommand::ResetPassword { db, username, password_stdin } => {
            let app = open_app(config, db).await?;
            let account = app.accounts.by_username(Operator::Cli, &username).await.map_err(|e| e.to_string())?;
            let (password, generated) = new_password(password_stdin)?;
            app.accounts.reset_password(Operator::Cli, account.id.0, &password).await.map_err(|e| e.to_string())?;
            println!("Password of {} reset; its sessions have ended.", account.username);
            if generated {
                println!("The new password, shown this once: {password}");
            }
            Ok(())
        }
    }
}

async fn set_disabled(config: Option<&PathBuf>, db: DbArgs, username: &str, disabled: bool) -> Result<(), String> {
    let app = open_app(config, db).await?;
    let account = app.accounts.by_username(Operator::Cli, username).await.map_err(|e| e.to_string())?;
    app.accounts.set_disabled(Operator::Cli, account.id.0, disabled).await.map_err(|e| e.to_string())?;
    println!("Account {} {}.", account.username, if disabled { "disabled; its sessions have ended" } else { "enabled" });
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

//! `treem`: the one binary. It reads the settings, opens the database chosen by
//! the URL scheme, wires the services and serves, or runs an admin command.

mod database;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
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
    },
    /// Administrative units.
    #[command(subcommand)]
    Units(UnitsCommand),
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
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
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
    Settings::load(&flags, config.map(PathBuf::as_path), &|k| {
        std::env::var(k).ok()
    })
    .map_err(|e| e.to_string())
}

fn init_logging(level: &str) {
    let level = level
        .parse::<tracing::Level>()
        .unwrap_or(tracing::Level::INFO);
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_target(false)
        .with_ansi(ansi)
        .with_writer(std::io::stderr)
        .try_init();
}

async fn run(cli: Cli) -> Result<(), String> {
    let config = cli.config.as_ref();
    match cli.command {
        Command::Serve(a) => {
            let s = settings(
                config,
                PartialSettings {
                    listen: a.listen,
                    database_url: a.db.database,
                    ..Default::default()
                },
            )?;
            init_logging(&s.log);
            let store = database::open(s.database_url.expose(), false).await?;
            let applied = store.migrate().await.map_err(|e| e.to_string())?;
            if !applied.is_empty() {
                tracing::info!(migrations = ?applied, "applied migrations");
            }
            serve(&s, store).await
        }
        Command::Migrate { db, create } => {
            let s = settings(
                config,
                PartialSettings {
                    database_url: db.database,
                    ..Default::default()
                },
            )?;
            let store = database::open(s.database_url.expose(), create).await?;
            let applied = store.migrate().await.map_err(|e| e.to_string())?;
            if applied.is_empty() {
                println!("The database at {} is up to date.", s.database_url);
            } else {
                println!("Applied to {}: {}", s.database_url, applied.join(", "));
            }
            Ok(())
        }
        Command::Demo { listen, database } => {
            let flags = PartialSettings {
                listen: Some(listen.unwrap_or_else(|| treem_config::DEFAULT_LISTEN.to_owned())),
                database_url: Some(database.unwrap_or_else(|| "sqlite://treem-demo.db".to_owned())),
                ..Default::default()
            };
            let s = settings(config, flags)?;
            init_logging(&s.log);
            let store = database::open(s.database_url.expose(), true).await?;
            store.migrate().await.map_err(|e| e.to_string())?;
            let files = treem_domain::bundled::admin_unit_files().map_err(|e| e.to_string())?;
            let summary = store
                .import_units(&files)
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
            println!("treem demo");
            println!("  database: {}", s.database_url);
            println!(
                "  administrative units of Đồng Tháp: {} added, {} already present; {} successions of the 2025 reform",
                summary.units_added,
                summary.units_unchanged,
                summary.successions_added + summary.successions_unchanged
            );
            println!(
                "  open http://{}/ in a browser (Vietnamese; English through the link at the top)",
                s.listen
            );
            println!("  demo accounts: none yet; the public pages need no sign-in");
            serve(&s, store).await
        }
        Command::Units(UnitsCommand::Import { db, files }) => {
            let s = settings(
                config,
                PartialSettings {
                    database_url: db.database,
                    ..Default::default()
                },
            )?;
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
            let app = App::new(store).await.map_err(|e| e.to_string())?;
            let summary = app.units.import(&parsed).await.map_err(|e| e.to_string())?;
            println!(
                "Imported: {} units added ({} unchanged), {} parent links, {} successions added ({} unchanged).",
                summary.units_added, summary.units_unchanged, summary.parent_links_added, summary.successions_added, summary.successions_unchanged
            );
            Ok(())
        }
    }
}

async fn serve(s: &Settings, store: Arc<dyn treem_storage::Store>) -> Result<(), String> {
    let app = App::new(store).await.map_err(|e| e.to_string())?;
    let router = treem_web::router(
        app,
        treem_web::WebOptions {
            max_body_bytes: s.max_body_bytes,
        },
    );
    let listener = tokio::net::TcpListener::bind(s.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", s.listen))?;
    tracing::info!(listen = %s.listen, "serving");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
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

//! The SQLite backend: one file, WAL, `foreign_keys=ON`, `busy_timeout`,
//! `synchronous=FULL` on every connection, read back and checked at start-up.
//! Writes start with `BEGIN IMMEDIATE`, so a read-then-write transaction never
//! fails halfway with SQLITE_BUSY.

#[path = "../../treem_storage/sql/accounts.rs"]
mod accounts;
#[path = "../../treem_storage/sql/cases.rs"]
mod cases;
#[path = "../../treem_storage/sql/copy.rs"]
mod copy;
pub use copy::RowWriter;
mod dialect;
#[path = "../../treem_storage/sql/facts.rs"]
mod facts;
#[path = "../../treem_storage/sql/imports.rs"]
mod imports;
#[path = "../../treem_storage/sql/incidents.rs"]
mod incidents;
#[path = "../../treem_storage/sql/plans.rs"]
mod plans;
#[path = "../../treem_storage/sql/register.rs"]
mod register;
#[path = "../../treem_storage/sql/reported.rs"]
mod reported;
#[path = "../../treem_storage/sql/units.rs"]
mod units;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Executor, Row, SqlitePool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use treem_domain::clock::{Clock, SystemClock};
use treem_domain::import_error::ImportErrors;
use treem_domain::unit_import::ParsedFiles;
use treem_domain::units::UnitCatalog;
use treem_storage::migrations::{self, Migration};
use treem_storage::{
    Backend, ColumnDescription, ColumnKind, ForeignKey, MigrationStatus, SchemaDescription, StorageError, Store, TableDescription,
    UnitImportSummary,
};

/// The embedded migrations; file names match the PostgreSQL backend's.
pub const MIGRATIONS: &[Migration] = &[
    Migration { name: "0001_admin_units", sql: include_str!("../migrations/0001_admin_units.sql") },
    Migration { name: "0002_accounts_audit", sql: include_str!("../migrations/0002_accounts_audit.sql") },
    Migration { name: "0003_children", sql: include_str!("../migrations/0003_children.sql") },
    Migration { name: "0004_cases", sql: include_str!("../migrations/0004_cases.sql") },
    Migration { name: "0005_incidents", sql: include_str!("../migrations/0005_incidents.sql") },
    Migration { name: "0006_child_merge", sql: include_str!("../migrations/0006_child_merge.sql") },
    Migration { name: "0007_child_register", sql: include_str!("../migrations/0007_child_register.sql") },
    Migration { name: "0008_birth_estimate", sql: include_str!("../migrations/0008_birth_estimate.sql") },
    Migration { name: "0009_plans", sql: include_str!("../migrations/0009_plans.sql") },
    Migration { name: "0010_unit_status", sql: include_str!("../migrations/0010_unit_status.sql") },
    Migration { name: "0011_reported_values", sql: include_str!("../migrations/0011_reported_values.sql") },
    Migration { name: "0012_indicator_catalogue", sql: include_str!("../migrations/0012_indicator_catalogue.sql") },
    Migration { name: "0013_unit_status_pilot", sql: include_str!("../migrations/0013_unit_status_pilot.sql") },
    Migration { name: "0014_write_notices", sql: include_str!("../migrations/0014_write_notices.sql") },
    Migration { name: "0015_privacy_classes", sql: include_str!("../migrations/0015_privacy_classes.sql") },
    Migration { name: "0016_session_code_attempts", sql: include_str!("../migrations/0016_session_code_attempts.sql") },
    Migration { name: "0017_case_assignment", sql: include_str!("../migrations/0017_case_assignment.sql") },
    Migration { name: "0018_child_name_order", sql: include_str!("../migrations/0018_child_name_order.sql") },
    Migration { name: "0019_imports", sql: include_str!("../migrations/0019_imports.sql") },
    Migration { name: "0020_incident_imports", sql: include_str!("../migrations/0020_incident_imports.sql") },
    Migration { name: "0021_case_imports", sql: include_str!("../migrations/0021_case_imports.sql") },
];

/// The oldest SQLite with `RETURNING` and `ON CONFLICT DO UPDATE`.
const MIN_SQLITE: (u32, u32) = (3, 35);

pub struct SqliteStore {
    pub(crate) pool: SqlitePool,
    /// The time of every write (the system's, unless [`SqliteStore::with_clock`] says otherwise).
    pub(crate) clock: Arc<dyn Clock>,
}

impl SqliteStore {
    /// The same store, taking the time from `clock` (the one the services use).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Writes the log back into the database file and closes every connection (so that the
    /// file alone is the whole database, and may be copied).
    pub async fn close(&self) -> Result<(), StorageError> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&self.pool).await.map_err(map_err)?;
        self.pool.close().await;
        Ok(())
    }

    /// Writes a consistent copy of the whole database to `path` (`VACUUM INTO`: a snapshot
    /// taken inside one read transaction, safe while the server writes). `path` must not exist.
    pub async fn backup_to(&self, path: &str) -> Result<(), StorageError> {
        sqlx::query("VACUUM INTO $1").bind(path).execute(&self.pool).await.map(|_| ()).map_err(map_err)
    }

    /// SQLite's own check of the file (`PRAGMA integrity_check`): `Ok` when it says "ok",
    /// else what it found.
    pub async fn integrity_check(&self) -> Result<Result<(), String>, StorageError> {
        let found: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check").fetch_all(&self.pool).await.map_err(map_err)?;
        Ok(if found == ["ok"] { Ok(()) } else { Err(found.join("; ")) })
    }

    /// Every table's rows counted and hashed (each row as SQLite quotes its values, in
    /// sorted order: rowids are not kept by a copy), and the audit chain's length.
    pub async fn manifest(&self) -> Result<treem_storage::backup::Manifest, StorageError> {
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
        let mut out = treem_storage::backup::Manifest { backend: "sqlite".into(), ..Default::default() };
        for table in tables {
            let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                .bind(&table)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
            let row = columns.iter().map(|c| format!("quote(\"{}\")", c.replace('"', "\"\""))).collect::<Vec<_>>().join(" || char(31) || ");
            let sql = format!("SELECT {row} AS r FROM \"{}\" ORDER BY r", table.replace('"', "\"\""));
            out.tables.insert(table, self.digest_of(&sql).await?);
        }
        out.audit_entries = self.verified_chain_len().await?;
        Ok(out)
    }

    /// Opens `sqlite://PATH`. With `create`, a missing file is created; without
    /// it, a missing file is an error (a typo must not start an empty database).
    pub async fn connect(url: &str, create: bool) -> Result<Self, StorageError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StorageError::Config(format!("not a valid SQLite URL: {e}")))?
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .synchronous(SqliteSynchronous::Full)
            .create_if_missing(create);
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .map_err(|e| StorageError::Config(format!("cannot open the SQLite database: {e}")))?;
        let store = Self { pool, clock: Arc::new(SystemClock) };
        store.check_settings().await?;
        Ok(store)
    }

    /// Refuses to run when a connection does not have the settings we rely on.
    async fn check_settings(&self) -> Result<(), StorageError> {
        let mut conn = self.pool.acquire().await.map_err(map_err)?;
        let journal: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(&mut *conn).await.map_err(map_err)?;
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(&mut *conn).await.map_err(map_err)?;
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous").fetch_one(&mut *conn).await.map_err(map_err)?;
        let version: String = sqlx::query_scalar("SELECT sqlite_version()").fetch_one(&mut *conn).await.map_err(map_err)?;
        let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let v = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
        let problems: Vec<String> = [
            (journal != "wal").then(|| format!("journal_mode is {journal}, not wal")),
            (fk != 1).then(|| "foreign_keys is off".to_owned()),
            (sync != 2).then(|| format!("synchronous is {sync}, not FULL (2)")),
            (v < MIN_SQLITE).then(|| format!("SQLite {version} is older than 3.35")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(StorageError::Config(problems.join("; ")))
        }
    }

    async fn applied(&self) -> Result<Vec<(String, String)>, StorageError> {
        self.pool
            .execute("CREATE TABLE IF NOT EXISTS treem_migration (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)")
            .await
            .map_err(map_err)?;
        let rows = sqlx::query("SELECT name, checksum FROM treem_migration ORDER BY name").fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(|r| Ok((r.try_get(0).map_err(map_err)?, r.try_get(1).map_err(map_err)?))).collect()
    }
}

/// Translates engine errors into [`StorageError`]; constraint names are the same on both engines.
pub(crate) fn map_err(e: sqlx::Error) -> StorageError {
    match &e {
        sqlx::Error::RowNotFound => StorageError::NotFound,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if code == "5" || code == "6" || code == "517" {
                StorageError::Busy
            } else if db.is_unique_violation() || db.is_foreign_key_violation() || db.is_check_violation() {
                StorageError::Conflict(db.message().to_owned())
            } else {
                StorageError::Other(e.to_string())
            }
        }
        _ => StorageError::Other(e.to_string()),
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ()).map_err(map_err)
    }

    async fn migration_status(&self) -> Result<MigrationStatus, StorageError> {
        migrations::status(MIGRATIONS, &self.applied().await?)
    }

    async fn migrate(&self) -> Result<Vec<String>, StorageError> {
        let todo = migrations::pending(MIGRATIONS, &self.applied().await?)?;
        let mut done = Vec::new();
        for m in todo {
            let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(map_err)?;
            (&mut *tx).execute(m.sql).await.map_err(|e| StorageError::Other(format!("migration {}: {e}", m.name)))?;
            sqlx::query("INSERT INTO treem_migration (name, checksum, applied_at) VALUES (?, ?, ?)")
                .bind(m.name)
                .bind(m.checksum())
                .bind(treem_domain::audit::timestamp_text(self.clock.now()))
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            let broken: Option<String> = sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_check LIMIT 1")
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
            if let Some(table) = broken {
                return Err(StorageError::Other(format!("migration {} leaves broken foreign keys in {table}", m.name)));
            }
            tx.commit().await.map_err(map_err)?;
            done.push(m.name.to_owned());
        }
        accounts::fill_person_order(&self.pool).await?;
        Ok(done)
    }

    async fn describe_schema(&self) -> Result<SchemaDescription, StorageError> {
        describe(&self.pool).await
    }

    async fn load_units(&self) -> Result<UnitCatalog, StorageError> {
        let mut conn = self.pool.acquire().await.map_err(map_err)?;
        units::load(&mut conn).await
    }

    async fn import_units(
        &self,
        files: &ParsedFiles,
        audit: &treem_domain::audit::AuditEvent,
    ) -> Result<Result<UnitImportSummary, ImportErrors>, StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(map_err)?;
        let outcome = units::import(&mut tx, self.clock.now(), files).await?;
        if let Ok(summary) = &outcome {
            let mut audit = audit.clone();
            audit.record_type = Some("admin_unit".into());
            audit.record_key = Some(format!("{} units, {} successions added", summary.units_added, summary.successions_added));
            accounts::append_audit(&mut tx, &*self.clock, &audit).await?;
            tx.commit().await.map_err(map_err)?;
        }
        Ok(outcome)
    }
}

async fn describe(pool: &SqlitePool) -> Result<SchemaDescription, StorageError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> 'treem_migration' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .map_err(map_err)?;
    let mut schema = SchemaDescription::default();
    for table in tables {
        let mut t = TableDescription::default();
        let cols = sqlx::query("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid")
            .bind(&table)
            .fetch_all(pool)
            .await
            .map_err(map_err)?;
        let mut pk: Vec<(i64, String)> = Vec::new();
        for c in cols {
            let name: String = c.try_get(0).map_err(map_err)?;
            let ty: String = c.try_get(1).map_err(map_err)?;
            let notnull: i64 = c.try_get(2).map_err(map_err)?;
            let pk_pos: i64 = c.try_get(3).map_err(map_err)?;
            if pk_pos > 0 {
                pk.push((pk_pos, name.clone()));
            }
            // A rowid primary key is never null even though SQLite does not say NOT NULL.
            let nullable = notnull == 0 && pk_pos == 0;
            t.columns.insert(name, ColumnDescription { kind: ColumnKind::from_sqlite(&ty), nullable });
        }
        pk.sort();
        t.primary_key = pk.into_iter().map(|(_, n)| n).collect();
        let fks = sqlx::query("SELECT id, \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq")
            .bind(&table)
            .fetch_all(pool)
            .await
            .map_err(map_err)?;
        let mut by_id: std::collections::BTreeMap<i64, ForeignKey> = Default::default();
        for f in fks {
            let id: i64 = f.try_get(0).map_err(map_err)?;
            let e = by_id.entry(id).or_insert_with(|| ForeignKey {
                columns: vec![],
                references_table: f.try_get(2).unwrap_or_default(),
                references_columns: vec![],
            });
            e.columns.push(f.try_get(1).map_err(map_err)?);
            e.references_columns.push(f.try_get(3).map_err(map_err)?);
        }
        t.foreign_keys = by_id.into_values().collect();
        let indexes =
            sqlx::query("SELECT name, \"unique\", origin FROM pragma_index_list(?)").bind(&table).fetch_all(pool).await.map_err(map_err)?;
        for i in indexes {
            let name: String = i.try_get(0).map_err(map_err)?;
            let unique: i64 = i.try_get(1).map_err(map_err)?;
            let origin: String = i.try_get(2).map_err(map_err)?;
            let cols: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_index_info(?) ORDER BY seqno")
                .bind(&name)
                .fetch_all(pool)
                .await
                .map_err(map_err)?;
            if origin == "pk" {
                continue;
            }
            if unique == 1 {
                t.unique.insert(cols);
            } else {
                t.indexes.insert(name, cols);
            }
        }
        schema.tables.insert(table, t);
    }
    Ok(schema)
}

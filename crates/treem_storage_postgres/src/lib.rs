//! The PostgreSQL backend. Same contract and migration names as the SQLite
//! backend; the SQL differs only where the engines do (placeholders, identity
//! columns, `timestamptz`, locking).

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
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool, Row};
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

/// The embedded migrations; file names match the SQLite backend's.
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

/// Key of the advisory lock that serialises migrations between processes.
const MIGRATION_LOCK: i64 = 0x7472_6565_6d00_0001;

/// Stores opened by this process so far (part of each one's `application_name`).
static INSTANCES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub struct PgStore {
    pub(crate) pool: PgPool,
    /// This process's name on its connections (`application_name`), by which it tells
    /// its own announced writes from other processes' (see `hear_writes`).
    pub(crate) instance: String,
    /// The time of every write (the system's, unless [`PgStore::with_clock`] says otherwise).
    pub(crate) clock: Arc<dyn Clock>,
}

impl PgStore {
    /// Every table's rows counted and hashed (each row as PostgreSQL writes it as text,
    /// in sorted order), and the audit chain's length: to compare a `pg_dump` backup
    /// restored with `pg_restore` against the database it was taken from.
    pub async fn manifest(&self) -> Result<treem_storage::backup::Manifest, StorageError> {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        let mut out = treem_storage::backup::Manifest { backend: "postgres".into(), ..Default::default() };
        for table in tables {
            let sql =
                format!("SELECT CAST(t AS TEXT) AS r FROM \"{}\" t ORDER BY CAST(t AS TEXT) COLLATE \"C\"", table.replace('"', "\"\""));
            out.tables.insert(table, self.digest_of(&sql).await?);
        }
        out.audit_entries = self.verified_chain_len().await?;
        Ok(out)
    }

    /// The same store, taking the time from `clock` (the one the services use).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Closes every connection of the pool (a database that is to be copied must have none).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        let options = PgConnectOptions::from_str(url).map_err(|e| StorageError::Config(format!("not a valid PostgreSQL URL: {e}")))?;
        // Only to tell processes apart, not a time anything is stamped with.
        #[allow(clippy::disallowed_methods)]
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let instance = format!("treem-{}-{nanos:08x}-{}", std::process::id(), INSTANCES.fetch_add(1, std::sync::atomic::Ordering::SeqCst));
        let options = options.application_name(&instance);
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|e| StorageError::Config(format!("cannot connect to PostgreSQL: {e}")))?;
        Ok(Self { pool, instance, clock: Arc::new(SystemClock) })
    }

    /// The pool, for test harnesses that create and drop databases.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn applied(&self) -> Result<Vec<(String, String)>, StorageError> {
        let exists: bool =
            sqlx::query_scalar("SELECT to_regclass('treem_migration') IS NOT NULL").fetch_one(&self.pool).await.map_err(map_err)?;
        if !exists {
            return Ok(Vec::new());
        }
        let rows = sqlx::query("SELECT name, checksum FROM treem_migration ORDER BY name").fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(|r| Ok((r.try_get(0).map_err(map_err)?, r.try_get(1).map_err(map_err)?))).collect()
    }
}

pub(crate) fn map_err(e: sqlx::Error) -> StorageError {
    match &e {
        sqlx::Error::RowNotFound => StorageError::NotFound,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            if code == "40001" || code == "40P01" || code == "55P03" {
                StorageError::Busy
            } else if db.is_unique_violation() || db.is_foreign_key_violation() || db.is_check_violation() {
                StorageError::Conflict(db.constraint().unwrap_or_else(|| db.message()).to_owned())
            } else {
                StorageError::Other(e.to_string())
            }
        }
        _ => StorageError::Other(e.to_string()),
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn ping(&self) -> Result<(), StorageError> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ()).map_err(map_err)
    }

    async fn migration_status(&self) -> Result<MigrationStatus, StorageError> {
        migrations::status(MIGRATIONS, &self.applied().await?)
    }

    async fn migrate(&self) -> Result<Vec<String>, StorageError> {
        let mut conn = self.pool.acquire().await.map_err(map_err)?;
        sqlx::query("SELECT pg_advisory_lock($1)").bind(MIGRATION_LOCK).execute(&mut *conn).await.map_err(map_err)?;
        let result = async {
            (&mut *conn)
                .execute("CREATE TABLE IF NOT EXISTS treem_migration (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
                .await
                .map_err(map_err)?;
            let todo: Vec<Migration> = migrations::pending(MIGRATIONS, &self.applied().await?)?.into_iter().copied().collect();
            let mut done = Vec::new();
            for m in todo {
                let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(map_err)?;
                (&mut *tx).execute(m.sql).await.map_err(|e| StorageError::Other(format!("migration {}: {e}", m.name)))?;
                sqlx::query("INSERT INTO treem_migration (name, checksum, applied_at) VALUES ($1, $2, now())")
                    .bind(m.name)
                    .bind(m.checksum())
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                tx.commit().await.map_err(map_err)?;
                done.push(m.name.to_owned());
            }
            accounts::fill_person_order(&self.pool).await?;
            Ok(done)
        }
        .await;
        sqlx::query("SELECT pg_advisory_unlock($1)").bind(MIGRATION_LOCK).execute(&mut *conn).await.map_err(map_err)?;
        result
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
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        // One import at a time, and no unit written by anyone between our check and our insert.
        (&mut *tx)
            .execute("LOCK TABLE admin_unit, admin_unit_parent, admin_unit_succession IN SHARE ROW EXCLUSIVE MODE")
            .await
            .map_err(map_err)?;
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

async fn describe(pool: &PgPool) -> Result<SchemaDescription, StorageError> {
    let mut schema = SchemaDescription::default();
    let cols = sqlx::query(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable = 'YES' \
         FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name) \
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND c.table_name <> 'treem_migration' \
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(pool)
    .await
    .map_err(map_err)?;
    for c in cols {
        let table: String = c.try_get(0).map_err(map_err)?;
        let t = schema.tables.entry(table).or_default();
        t.columns.insert(
            c.try_get(1).map_err(map_err)?,
            ColumnDescription {
                kind: ColumnKind::from_postgres(&c.try_get::<String, _>(2).map_err(map_err)?),
                nullable: c.try_get(3).map_err(map_err)?,
            },
        );
    }
    // Constraints: primary keys, unique constraints and foreign keys, with columns in key order.
    let cons = sqlx::query(
        "SELECT rel.relname::text, con.contype::text, \
                ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i), \
                COALESCE(frel.relname::text, ''), \
                ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(n, i) JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i) \
         FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid JOIN pg_namespace ns ON ns.oid = rel.relnamespace \
         LEFT JOIN pg_class frel ON frel.oid = con.confrelid \
         WHERE ns.nspname = current_schema() AND con.contype IN ('p', 'u', 'f') AND rel.relname <> 'treem_migration'",
    )
    .fetch_all(pool)
    .await
    .map_err(map_err)?;
    for c in cons {
        let table: String = c.try_get(0).map_err(map_err)?;
        let kind: String = c.try_get(1).map_err(map_err)?;
        let columns: Vec<String> = c.try_get(2).map_err(map_err)?;
        let t: &mut TableDescription = schema.tables.entry(table).or_default();
        match kind.as_str() {
            "p" => t.primary_key = columns,
            "u" => {
                t.unique.insert(columns);
            }
            _ => {
                t.foreign_keys.insert(ForeignKey {
                    columns,
                    references_table: c.try_get(3).map_err(map_err)?,
                    references_columns: c.try_get(4).map_err(map_err)?,
                });
            }
        }
    }
    // Indexes not backing a constraint.
    let idx = sqlx::query(
        "SELECT t.relname::text, i.relname::text, ix.indisunique, \
                ARRAY(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY k(n, o) JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.n ORDER BY k.o) \
         FROM pg_index ix JOIN pg_class i ON i.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace \
         WHERE ns.nspname = current_schema() AND t.relname <> 'treem_migration' \
           AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid)",
    )
    .fetch_all(pool)
    .await
    .map_err(map_err)?;
    for i in idx {
        let table: String = i.try_get(0).map_err(map_err)?;
        let name: String = i.try_get(1).map_err(map_err)?;
        let unique: bool = i.try_get(2).map_err(map_err)?;
        let columns: Vec<String> = i.try_get(3).map_err(map_err)?;
        let t = schema.tables.entry(table).or_default();
        if unique {
            t.unique.insert(columns);
        } else {
            t.indexes.insert(name, columns);
        }
    }
    Ok(schema)
}

/// Creates database `name` (test harnesses and `treem demo`); `name` must be a plain identifier.
pub async fn create_database(admin: &PgStore, name: &str) -> Result<(), StorageError> {
    check_identifier(name)?;
    let sql = format!("CREATE DATABASE \"{name}\"");
    (&admin.pool).execute(sql.as_str()).await.map(|_| ()).map_err(map_err)
}

/// Creates database `name` as a copy of database `template` (which nobody may be connected to).
pub async fn create_database_from(admin: &PgStore, name: &str, template: &str) -> Result<(), StorageError> {
    check_identifier(name)?;
    check_identifier(template)?;
    let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
    (&admin.pool).execute(sql.as_str()).await.map(|_| ()).map_err(map_err)
}

/// Renames database `from` to `to` (nobody may be connected to it).
pub async fn rename_database(admin: &PgStore, from: &str, to: &str) -> Result<(), StorageError> {
    check_identifier(from)?;
    check_identifier(to)?;
    let sql = format!("ALTER DATABASE \"{from}\" RENAME TO \"{to}\"");
    (&admin.pool).execute(sql.as_str()).await.map(|_| ()).map_err(map_err)
}

/// Whether database `name` exists.
pub async fn database_exists(admin: &PgStore, name: &str) -> Result<bool, StorageError> {
    let found: Option<i32> =
        sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1").bind(name).fetch_optional(&admin.pool).await.map_err(map_err)?;
    Ok(found.is_some())
}

/// Drops database `name`, closing other sessions on it first.
pub async fn drop_database(admin: &PgStore, name: &str) -> Result<(), StorageError> {
    check_identifier(name)?;
    let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    (&admin.pool).execute(sql.as_str()).await.map(|_| ()).map_err(map_err)
}

fn check_identifier(name: &str) -> Result<(), StorageError> {
    if !name.is_empty() && name.len() < 60 && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        Ok(())
    } else {
        Err(StorageError::Config(format!("`{name}` is not a plain database name")))
    }
}

/// `url` with its database path replaced by `name` (query string kept).
pub fn url_with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base.get(scheme_end..).and_then(|rest| rest.find('/')).map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", base.get(..host_end).unwrap_or(base));
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

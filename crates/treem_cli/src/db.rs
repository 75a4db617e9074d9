//! `treem db backup | verify | restore`: backups that prove themselves. A SQLite backup is a
//! `VACUUM INTO` snapshot (safe while serving), checked at once (`PRAGMA integrity_check`,
//! every table's rows counted and hashed, the audit chain verified) and written with that
//! manifest beside it (`FILE.manifest.json`); a restore checks the backup against its
//! manifest, copies it, and checks the copy against the manifest again. PostgreSQL's route
//! is `pg_dump -Fc` / `pg_restore`, compared with `treem db verify --manifest` (docs/DEPLOYMENT.md).

use std::path::{Path, PathBuf};
use treem_storage::backup::{Manifest, Value};
use treem_storage::{AuditStore, ColumnKind, SchemaDescription, Store};
use treem_storage_postgres::PgStore;
use treem_storage_sqlite::SqliteStore;

fn sqlite_path(url: &str) -> Option<&str> {
    url.strip_prefix("sqlite://").map(|p| p.split('?').next().unwrap_or_default()).filter(|p| !p.is_empty())
}

fn manifest_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".manifest.json");
    PathBuf::from(name)
}

/// The manifest of the database at `url`, after SQLite's own integrity check.
async fn manifest_of(url: &str) -> Result<Manifest, String> {
    if let Some(path) = sqlite_path(url) {
        if !Path::new(path).exists() {
            return Err(format!("there is no database at {path}"));
        }
        let store = SqliteStore::connect(url, false).await.map_err(|e| e.to_string())?;
        store.integrity_check().await.map_err(|e| e.to_string())?.map_err(|e| format!("{path}: the integrity check failed: {e}"))?;
        store.manifest().await.map_err(|e| format!("{path}: {e}"))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        PgStore::connect(url).await.map_err(|e| e.to_string())?.manifest().await.map_err(|e| e.to_string())
    } else {
        Err("use sqlite://PATH or postgres://USER@HOST/DATABASE".into())
    }
}

fn summary(m: &Manifest) -> String {
    let children = m.tables.get("child").map_or(0, |t| t.rows);
    format!(
        "{} tables, {} rows ({children} children), an audit chain of {} entries that verifies",
        m.tables.len(),
        m.total_rows(),
        m.audit_entries
    )
}

fn read_manifest(path: &Path) -> Result<Manifest, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the manifest {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not a treem manifest: {e}", path.display()))
}

pub async fn backup(url: &str, out: &Path) -> Result<(), String> {
    let Some(path) = sqlite_path(url) else {
        return Err(
            "treem db backup copies a SQLite database; for PostgreSQL use pg_dump -Fc and treem db verify (docs/DEPLOYMENT.md)".into()
        );
    };
    if out.exists() {
        return Err(format!("{} exists already: choose a new file", out.display()));
    }
    let store = SqliteStore::connect(url, false).await.map_err(|e| format!("{path}: {e}"))?;
    // The backup is a read of everything: the log says who took it, and the copy holds that entry.
    let name = out.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    store.audit(&crate::cli_event("db.backup", "treem-cli").record("backup", name)).await.map_err(|e| e.to_string())?;
    let target = out.to_str().ok_or("the backup's path is not valid text")?;
    store.backup_to(target).await.map_err(|e| format!("the backup failed: {e}"))?;
    let manifest = manifest_of(&format!("sqlite://{target}")).await?;
    let file = manifest_path(out);
    std::fs::write(&file, serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())?)
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    println!("Backup {}: {}. Manifest {}.", out.display(), summary(&manifest), file.display());
    Ok(())
}

/// Checks the database at `url`; against `expected` when given (exit 1 naming each difference).
pub async fn verify(url: &str, expected: Option<&Path>, save: Option<&Path>) -> Result<(), String> {
    let got = manifest_of(url).await?;
    if let Some(file) = save {
        std::fs::write(file, serde_json::to_string_pretty(&got).map_err(|e| e.to_string())?)
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    }
    match expected {
        Some(file) => {
            let want = read_manifest(file)?;
            let diff = got.differences(&want);
            if !diff.is_empty() {
                return Err(format!("the database is not what {} describes:\n  {}", file.display(), diff.join("\n  ")));
            }
            println!("The database matches {}: {}.", file.display(), summary(&got));
        }
        None => println!("The database checks: {}.", summary(&got)),
    }
    Ok(())
}

pub async fn restore(from: &Path, url: &str) -> Result<(), String> {
    let Some(target) = sqlite_path(url) else {
        return Err(
            "treem db restore writes a SQLite database; for PostgreSQL use pg_restore and treem db verify (docs/DEPLOYMENT.md)".into()
        );
    };
    if Path::new(target).exists() {
        return Err(format!("{target} exists: restore into a new file (move the old one away first); nothing was changed"));
    }
    let from_text = from.to_str().ok_or("the backup's path is not valid text")?;
    let want = read_manifest(&manifest_path(from))?;
    let backup_url = format!("sqlite://{from_text}");
    let got = manifest_of(&backup_url).await?;
    let diff = got.differences(&want);
    if !diff.is_empty() {
        return Err(format!(
            "the backup {} is not what its manifest describes; nothing restored:\n  {}",
            from.display(),
            diff.join("\n  ")
        ));
    }
    // Copied the same way it was made: a snapshot of the backup into the new file.
    let source = SqliteStore::connect(&backup_url, false).await.map_err(|e| e.to_string())?;
    source.backup_to(target).await.map_err(|e| format!("the restore failed: {e}"))?;
    drop(source);
    let restored = manifest_of(url).await?;
    let diff = restored.differences(&want);
    if !diff.is_empty() {
        let _ = std::fs::remove_file(target);
        return Err(format!("the restored copy differs from the backup; removed:\n  {}", diff.join("\n  ")));
    }
    let store = SqliteStore::connect(url, false).await.map_err(|e| e.to_string())?;
    let name = from.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    store.audit(&crate::cli_event("db.restore", "treem-cli").record("backup", name)).await.map_err(|e| e.to_string())?;
    println!("Restored {} into {target}: {} (then this restore's own entry).", from.display(), summary(&restored));
    Ok(())
}

/// One of the two engines, for the copy.
enum Engine {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

impl Engine {
    async fn open(url: &str, create: bool) -> Result<Self, String> {
        if let Some(path) = sqlite_path(url) {
            if !create && !Path::new(path).exists() {
                return Err(format!("there is no database at {path}"));
            }
            Ok(Self::Sqlite(SqliteStore::connect(url, create).await.map_err(|e| e.to_string())?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(PgStore::connect(url).await.map_err(|e| e.to_string())?))
        } else {
            Err("use sqlite://PATH or postgres://USER@HOST/DATABASE".into())
        }
    }
    fn store(&self) -> &dyn Store {
        match self {
            Self::Sqlite(s) => s,
            Self::Postgres(s) => s,
        }
    }
    async fn read(
        &self,
        table: &str,
        columns: &[(String, ColumnKind)],
        key: Option<&str>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Vec<Value>>, String> {
        match self {
            Self::Sqlite(s) => s.read_rows(table, columns, key, after, limit).await,
            Self::Postgres(s) => s.read_rows(table, columns, key, after, limit).await,
        }
        .map_err(|e| format!("{table}: {e}"))
    }
    async fn count(&self, table: &str) -> Result<i64, String> {
        match self {
            Self::Sqlite(s) => s.count_rows(table).await,
            Self::Postgres(s) => s.count_rows(table).await,
        }
        .map_err(|e| format!("{table}: {e}"))
    }
}

enum Writer {
    Sqlite(treem_storage_sqlite::RowWriter),
    Postgres(treem_storage_postgres::RowWriter),
}

impl Writer {
    async fn write(&mut self, table: &str, columns: &[(String, ColumnKind)], rows: &[Vec<Value>]) -> Result<(), String> {
        match self {
            Self::Sqlite(w) => w.write(table, columns, rows).await,
            Self::Postgres(w) => w.write(table, columns, rows).await,
        }
        .map_err(|e| format!("{table}: {e}"))
    }
    async fn set(&mut self, table: &str, column: &str, key: &str, rows: &[(i64, i64)]) -> Result<(), String> {
        match self {
            Self::Sqlite(w) => w.set(table, column, key, rows).await,
            Self::Postgres(w) => w.set(table, column, key, rows).await,
        }
        .map_err(|e| format!("{table}.{column}: {e}"))
    }
    async fn finish(self, tables: &[String]) -> Result<(), String> {
        match self {
            Self::Sqlite(w) => w.finish(tables).await,
            Self::Postgres(w) => w.finish(tables).await,
        }
        .map_err(|e| e.to_string())
    }
}

/// The tables in an order that writes every referenced row before the rows referring to
/// it (references of a table to itself aside: those are set afterwards).
fn write_order(schema: &SchemaDescription) -> Result<Vec<String>, String> {
    let mut done: Vec<String> = Vec::new();
    let mut left: Vec<&String> = schema.tables.keys().filter(|t| t.as_str() != "treem_migration").collect();
    while !left.is_empty() {
        let ready: Vec<&String> = left
            .iter()
            .copied()
            .filter(|t| schema.tables[*t].foreign_keys.iter().all(|f| &f.references_table == *t || done.contains(&f.references_table)))
            .collect();
        if ready.is_empty() {
            return Err(format!("the tables {left:?} refer to each other in a circle"));
        }
        left.retain(|t| !ready.contains(t));
        done.extend(ready.into_iter().cloned());
    }
    Ok(done)
}

const PAGE: i64 = 5_000;

/// Every table of `e` as engine-neutral rows hashed in key order: the same on both engines
/// when their content is the same.
async fn neutral_manifest(e: &Engine, schema: &SchemaDescription, order: &[String]) -> Result<Manifest, String> {
    let mut out = Manifest { backend: "neutral".into(), ..Manifest::default() };
    for table in order {
        let (columns, key) = columns_of(schema, table);
        let mut digest = treem_storage::backup::DigestBuilder::default();
        let mut after = if key.is_some() { i64::MIN } else { 0 };
        loop {
            let rows = e.read(table, &columns, key.as_deref(), after, PAGE).await?;
            for r in &rows {
                digest.add(&treem_storage::backup::canonical_row(r));
            }
            match (key.as_deref(), rows.last()) {
                (Some(_), Some(last)) => after = key_of(last),
                (None, Some(_)) => after += PAGE,
                (_, None) => break,
            }
            if rows.len() < PAGE as usize {
                break;
            }
        }
        out.tables.insert(table.clone(), digest.finish());
    }
    let chain = e.store().audit_chain().await.map_err(|e| e.to_string())?;
    treem_domain::audit::verify_chain(&chain).map_err(|x| format!("the audit chain does not verify: {x:?}"))?;
    out.audit_entries = chain.len();
    Ok(out)
}

/// A table's columns (the key first) and its single integer key, if it has one.
fn columns_of(schema: &SchemaDescription, table: &str) -> (Vec<(String, ColumnKind)>, Option<String>) {
    let t = &schema.tables[table];
    let key = match t.primary_key.as_slice() {
        [k] if t.columns.get(k).is_some_and(|c| c.kind == ColumnKind::Integer) => Some(k.clone()),
        _ => None,
    };
    let mut columns: Vec<(String, ColumnKind)> = t.columns.iter().map(|(n, c)| (n.clone(), c.kind.clone())).collect();
    if let Some(k) = &key {
        columns.sort_by_key(|(n, _)| n != k);
    }
    (columns, key)
}

fn key_of(row: &[Value]) -> i64 {
    match row.first() {
        Some(Value::Integer(i)) => *i,
        _ => i64::MAX,
    }
}

/// Copies every row of `from` into the empty, migrated database `to` in one transaction,
/// then proves the copy: the same rows in every table, hashed the same on both engines,
/// and an audit chain that verifies on the target.
pub async fn copy(from: &str, to: &str) -> Result<(), String> {
    let source = Engine::open(from, false).await?;
    let target = Engine::open(to, true).await?;
    target.store().migrate().await.map_err(|e| format!("the target: {e}"))?;
    if !source.store().migration_status().await.map_err(|e| e.to_string())?.pending.is_empty() {
        return Err("the source has migrations pending: run treem migrate on it first".into());
    }
    let schema = source.store().describe_schema().await.map_err(|e| e.to_string())?;
    let target_schema = target.store().describe_schema().await.map_err(|e| e.to_string())?;
    if schema.tables.keys().ne(target_schema.tables.keys()) {
        return Err("the two databases do not have the same tables".into());
    }
    let order = write_order(&schema)?;
    for table in &order {
        if target.count(table).await? > 0 {
            return Err(format!("the target is not empty ({table} has rows): copy into a new database; nothing was written"));
        }
    }
    // The copy reads everything: the source's log says so, and the copy holds that entry.
    source.store().audit(&crate::cli_event("db.copy", "treem-cli").record("database", to_label(to))).await.map_err(|e| e.to_string())?;
    let mut writer = match &target {
        Engine::Sqlite(s) => Writer::Sqlite(s.begin_rows().await.map_err(|e| e.to_string())?),
        Engine::Postgres(s) => Writer::Postgres(s.begin_rows().await.map_err(|e| e.to_string())?),
    };
    let mut with_ids = Vec::new();
    for table in &order {
        let (columns, key) = columns_of(&schema, table);
        // References to the same table are written after all its rows (a merged record may
        // point at a later one).
        let self_refs: Vec<usize> = schema.tables[table]
            .foreign_keys
            .iter()
            .filter(|f| &f.references_table == table && f.columns.len() == 1)
            .filter_map(|f| columns.iter().position(|(c, _)| *c == f.columns[0]))
            .collect();
        let mut later: Vec<(usize, i64, i64)> = Vec::new();
        let mut after = if key.is_some() { i64::MIN } else { 0 };
        let mut copied = 0usize;
        loop {
            let mut rows = source.read(table, &columns, key.as_deref(), after, PAGE).await?;
            let full = rows.len() == PAGE as usize;
            if let Some(last) = rows.last() {
                after = if key.is_some() { key_of(last) } else { after + PAGE };
            }
            for row in &mut rows {
                for &c in &self_refs {
                    if let Value::Integer(v) = row[c] {
                        later.push((c, key_of(row), v));
                        row[c] = Value::Null;
                    }
                }
            }
            writer.write(table, &columns, &rows).await?;
            copied += rows.len();
            if !full {
                break;
            }
        }
        for &c in &self_refs {
            let set: Vec<(i64, i64)> = later.iter().filter(|(col, ..)| *col == c).map(|(_, id, v)| (*id, *v)).collect();
            if let Some(k) = &key {
                writer.set(table, &columns[c].0, k, &set).await?;
            }
        }
        if key.as_deref() == Some("id") && copied > 0 {
            with_ids.push(table.clone());
        }
        eprintln!("  {table}: {copied} rows");
    }
    writer.finish(&with_ids).await?;
    let want = neutral_manifest(&source, &schema, &order).await?;
    let got = neutral_manifest(&target, &schema, &order).await?;
    let diff = got.differences(&want);
    if !diff.is_empty() {
        return Err(format!("the copy differs from its source (it was committed; drop the target database):\n  {}", diff.join("\n  ")));
    }
    println!(
        "Copied {} tables, {} rows; the same content hashed on both engines, and an audit chain of {} entries that verifies on the target.",
        got.tables.len(),
        got.total_rows(),
        got.audit_entries
    );
    Ok(())
}

/// A database named without its password, for the log.
fn to_label(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{scheme}://{}", rest.rsplit('@').next().unwrap_or(rest)),
        None => String::new(),
    }
}

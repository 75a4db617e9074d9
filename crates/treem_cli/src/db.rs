//! `treem db backup | verify | restore`: backups that prove themselves. A SQLite backup is a
//! `VACUUM INTO` snapshot (safe while serving), checked at once (`PRAGMA integrity_check`,
//! every table's rows counted and hashed, the audit chain verified) and written with that
//! manifest beside it (`FILE.manifest.json`); a restore checks the backup against its
//! manifest, copies it, and checks the copy against the manifest again. PostgreSQL's route
//! is `pg_dump -Fc` / `pg_restore`, compared with `treem db verify --manifest` (docs/DEPLOYMENT.md).

use std::path::{Path, PathBuf};
use treem_storage::backup::Manifest;
use treem_storage::AuditStore;
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

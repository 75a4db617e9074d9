//! `treem import children|incidents|cases FILE`: a register file checked and, unless `--dry-run`,
//! stored, under the name, role and area of an account (`--user`), as the upload page does.

use std::path::{Path, PathBuf};
use treem_app::imports::{ImportKind, ImportOptions, Severity};
use treem_app::App;
use treem_web::i18n::Lang;

pub struct Args {
    pub kind: ImportKind,
    pub file: PathBuf,
    pub user: String,
    pub dry_run: bool,
    pub as_of: Option<String>,
    pub report: Option<PathBuf>,
    pub lang: String,
}

/// Runs the import; `Err` (exit status 1) when the file or any of its rows is refused.
pub async fn run(app: &App, a: Args) -> Result<(), String> {
    let name = a.file.display().to_string();
    let lang = Lang::parse(&a.lang).ok_or_else(|| format!("--lang {}: use vi or en", a.lang))?;
    let as_of = match a.as_of.as_deref() {
        Some(d) => Some(treem_web::ui::parse_as_of(d).map_err(|e| format!("--as-of {d}: {e}"))?.ok_or("--as-of: give a date")?),
        None => None,
    };
    let bytes = std::fs::read(&a.file).map_err(|e| format!("cannot read {name}: {e}"))?;
    let actor = app.auth.active_actor_for(&a.user, "treem-cli").await.map_err(|e| {
        format!(
            "--user {}: {}",
            a.user,
            if matches!(e, treem_app::AppError::NotFound) { "no such account".to_owned() } else { e.to_string() }
        )
    })?;
    let file_name = Path::new(&a.file).file_name().map_or_else(|| name.clone(), |f| f.to_string_lossy().into_owned());
    eprintln!("{name}: {} bytes", bytes.len());
    let progress = treem_app::imports::ImportProgress::default();
    let options = ImportOptions { kind: a.kind, dry_run: a.dry_run, as_of };
    let run = app.import_tracked(&actor, &file_name, &bytes, options, &progress);
    tokio::pin!(run);
    // The phases on standard error as they come (the summary goes to standard output).
    let mut shown = 0u8;
    let report = loop {
        tokio::select! {
            done = &mut run => break done.map_err(|e| format!("{name}: {e}"))?,
            () = tokio::time::sleep(std::time::Duration::from_millis(200)) => {
                let phase = progress.phase();
                if phase != shown {
                    shown = phase;
                    let rows = progress.rows();
                    let what = match phase {
                        1 => "reading the file".to_owned(),
                        2 => format!("checking {rows} rows"),
                        3 => format!("comparing {rows} rows with the register"),
                        4 => "storing, in one transaction".to_owned(),
                        _ => continue,
                    };
                    eprintln!("  … {what}");
                }
            }
        }
    };
    if let Some(path) = &a.report {
        std::fs::write(path, treem_web::import_files::report_csv(lang, &report))
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    for p in report.problems.iter().take(50) {
        let where_ = if p.row == 0 { name.clone() } else { format!("{name}:{}", p.row) };
        let column = if p.column.is_empty() { String::new() } else { format!(" [{}]", p.column) };
        let message = treem_web::import_files::problem_message(lang, p);
        println!("{where_}{column} {}: {message}", p.severity.as_str());
    }
    if report.problems.len() > 50 {
        println!(
            "… and {} more problems{}",
            report.problems.len() - 50,
            if a.report.is_some() { " (all in the report)" } else { " (use --report FILE)" }
        );
    }
    let errors = report.problems.iter().filter(|p| p.severity == Severity::Error).count();
    println!(
        "{}: {} rows read ({}), {} {}, {} imported before, {errors} errors, {} warnings. SHA-256 {}.",
        name,
        report.rows_read,
        if report.format.is_empty() { "unreadable" } else { &report.format },
        report.to_add,
        if report.stored.is_some() {
            "added"
        } else if a.dry_run && errors == 0 {
            "to add (dry run: nothing stored)"
        } else {
            "not stored"
        },
        report.already_imported,
        report.warnings(),
        report.checksum
    );
    if errors > 0 {
        return Err(format!("{name}: {errors} errors: nothing was stored"));
    }
    Ok(())
}

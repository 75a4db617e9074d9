//! `treem bench import`: a children's register of N generated rows imported with full
//! validation into a fresh SQLite database, against `sqlite3 .import` of the same file into
//! a plain table (what an analyst would do: no checks, no units, no audit), in the same run.
//! The rows are the generated province's children (realistic names, so the duplicate
//! warnings cost what they would).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;
use treem_app::accounts::{AccountInput, Operator};
use treem_app::auth::AuthSettings;
use treem_app::imports::ImportOptions;
use treem_app::App;

use crate::database;

/// Peak resident memory of the process so far, in MiB (Linux `VmHWM`).
fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok()))
        .map_or(0.0, |kib| kib / 1024.0)
}

/// The first `rows` children under 16 of the generated province (`treem demo --scale
/// province`: its names, birth dates, households with their poverty, groups), written as a
/// commune register with today's commune codes (a child of a merged commune under its successor).
fn register(rows: usize, catalog: &treem_domain::units::UnitCatalog, today: time::Date) -> Result<String, String> {
    let bulk = treem_demo::bulk(treem_demo::Scale::Province, catalog, today, 2013)?;
    let today_code = |mut unit: treem_domain::units::UnitId| {
        for _ in 0..4 {
            let u = catalog.get(unit)?;
            if u.validity.contains(today) {
                return Some(u.code.clone());
            }
            unit = catalog.successors_of(unit).first()?.to;
        }
        None
    };
    let mut groups: HashMap<usize, Vec<&str>> = HashMap::new();
    for (child, group, _, ended) in &bulk.circumstances {
        if ended.is_none() {
            groups.entry(*child).or_default().push(if *group == "dd" { "đ" } else { group });
        }
    }
    let mut poverty: HashMap<usize, &str> = HashMap::new();
    for (h, year, status) in &bulk.poverty {
        if *year == today.year() {
            poverty.insert(
                *h,
                match *status {
                    "poor" => "nghèo",
                    "near_poor" => "cận nghèo",
                    _ => "không",
                },
            );
        }
    }
    let mut out = String::from("STT,Họ và tên,Ngày sinh,Giới tính,Mã xã,Nhóm HCĐB,Mã hộ,Chủ hộ,Hộ nghèo/cận nghèo\n");
    let mut written = 0;
    let mut seen = std::collections::HashSet::new();
    for (i, c) in bulk.children.iter().enumerate() {
        if written == rows {
            break;
        }
        let Some(code) = today_code(c.unit).filter(|_| treem_domain::child::age_on(c.birth_date, today) < 16) else { continue };
        // Two generated children alike in name, birth, sex and commune would be one child twice (refused).
        if !seen.insert((c.name_search.clone(), c.birth_date, c.sex, code.clone())) {
            continue;
        }
        written += 1;
        let (household, head, status) = match c.household.and_then(|h| bulk.households.get(h).map(|x| (h, x))) {
            Some((h, (code, head, _))) => (code.as_str(), head.as_str(), poverty.get(&h).copied().unwrap_or("")),
            None => ("", "", ""),
        };
        let sex = if c.sex == "female" { "Nữ" } else { "Nam" };
        let born = c.birth_date;
        let g = groups.get(&i).map(|g| g.join("; ")).unwrap_or_default();
        let _ = writeln!(
            out,
            "{written},{},{:02}/{:02}/{},{sex},{code},{g},{household},{head},{status}",
            c.full_name,
            born.day(),
            u8::from(born.month()),
            born.year()
        );
    }
    if written < rows {
        return Err(format!("the generated province has only {written} children under 16 today"));
    }
    Ok(out)
}

/// `postgres`: a PostgreSQL server URL on which a database is created (and dropped after),
/// against `psql \copy`; otherwise a fresh SQLite file, against `sqlite3 .import`.
pub async fn import(rows: usize, postgres: Option<String>) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!("treem-bench-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let result = match postgres {
        None => run(rows, &dir, &format!("sqlite://{}", dir.join("bench.db").display()), None).await,
        Some(admin) => {
            let name = format!("treem_bench_import_{}", std::process::id());
            let server = treem_storage_postgres::PgStore::connect(&admin).await.map_err(|e| e.to_string())?;
            treem_storage_postgres::create_database(&server, &name).await.map_err(|e| e.to_string())?;
            let url = treem_storage_postgres::url_with_database(&admin, &name);
            let result = run(rows, &dir, &url, Some(&url)).await;
            let _ = treem_storage_postgres::drop_database(&server, &name).await;
            result
        }
    };
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run(rows: usize, dir: &Path, url: &str, postgres: Option<&str>) -> Result<(), String> {
    let store = database::open(url, true).await?;
    store.migrate().await.map_err(|e| e.to_string())?;
    let files = treem_domain::bundled::admin_unit_files().map_err(|e| e.to_string())?;
    store
        .import_units(&files, &crate::cli_event("units.import", "treem-bench"))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?;
    let app = App::new(store, AuthSettings::default()).await.map_err(|e| e.to_string())?;
    let input = AccountInput {
        username: "bench".into(),
        display_name: "Benchmark".into(),
        role: "provincial_officer".into(),
        scope_unit_code: "82".into(),
        scope_date: None,
        agency: String::new(),
        password: "Qz7 lúa sông Tiền 4172 xanh".into(),
    };
    app.accounts.create(Operator::Cli, &input).await.map_err(|e| e.to_string())?;
    let actor = app.auth.active_actor_for("bench", "treem-bench").await.map_err(|e| e.to_string())?;
    let today = app.clock.today_in_vietnam();
    // A thousand rows more, for a second file checked against the imported register.
    const LATER: usize = 1_000;
    let all = register(rows + LATER, &app.units.catalog(), today)?;
    let header_len = all.find('\n').map_or(0, |i| i + 1);
    let cut = all.match_indices('\n').nth(rows).map_or(all.len(), |(i, _)| i + 1);
    let (text, later) = (all[..cut].to_owned(), format!("{}{}", &all[..header_len], &all[cut..]));
    let csv = dir.join("register.csv");
    std::fs::write(&csv, &text).map_err(|e| e.to_string())?;
    println!("{rows} rows of the generated province, {:.1} MB of CSV", text.len() as f64 / 1e6);
    let bytes = text.into_bytes();

    // Baseline: the engine's own bulk loader of the same file into a plain table, same disk.
    let started = Instant::now();
    let out = match postgres {
        None => std::process::Command::new("sqlite3")
            .arg(dir.join("plain.db"))
            .arg(".mode csv")
            .arg(format!(".import {} register", csv.display()))
            .output()
            .map_err(|e| format!("sqlite3 (the baseline) could not run: {e}; install Debian's sqlite3"))?,
        Some(url) => {
            let columns = (1..=9).map(|i| format!("c{i} text")).collect::<Vec<_>>().join(", ");
            std::process::Command::new("psql")
                .arg(url)
                .arg("-qc")
                .arg(format!("CREATE TABLE plain_register ({columns})"))
                .arg("-qc")
                .arg(format!("\\copy plain_register FROM '{}' CSV HEADER", csv.display()))
                .output()
                .map_err(|e| format!("psql (the baseline) could not run: {e}"))?
        }
    };
    let baseline = started.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!("the baseline failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let baseline_name = if postgres.is_some() { "psql \\copy" } else { "sqlite3 .import" };

    // The generator's peak is not the import's: reset the peak (Linux: "5" > clear_refs).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let peak_before = peak_mib();
    let started = Instant::now();
    let check = app
        .import_children(&actor, "register.csv", &bytes, ImportOptions { dry_run: true, ..ImportOptions::default() })
        .await
        .map_err(|e| e.to_string())?;
    let checked = started.elapsed().as_secs_f64();
    // The same register as a workbook, checked against the same (still empty) register.
    xlsx(&app, &actor, &String::from_utf8_lossy(&bytes), checked).await?;
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let started = Instant::now();
    let report = app
        .import_children(&actor, "register.csv", &bytes, ImportOptions { dry_run: false, ..ImportOptions::default() })
        .await
        .map_err(|e| e.to_string())?;
    let imported = started.elapsed().as_secs_f64();
    let peak = peak_mib();
    if report.refused() || report.to_add + report.already_imported != rows {
        let first = report.problems.first().map(|p| format!("row {}: {}", p.row, p.message)).unwrap_or_default();
        return Err(format!("the generated register was refused ({} errors; {first})", report.errors()));
    }
    println!("check only (dry run): {checked:.2} s; {} warnings (likely duplicates among generated names)", check.warnings());
    println!(
        "import (check and store, one transaction): {imported:.2} s for {} rows ({:.0} rows/s)",
        report.to_add,
        rows as f64 / imported
    );
    println!("baseline, {baseline_name} of the same file: {baseline:.2} s ({})", if postgres.is_some() { "postgres" } else { "sqlite" });
    println!("import ÷ baseline: ×{:.1}", imported / baseline);
    println!("peak resident memory: {peak:.0} MiB (was {peak_before:.0} MiB before the import)");
    let started = Instant::now();
    let next = app
        .import_children(&actor, "later.csv", later.as_bytes(), ImportOptions { dry_run: true, ..ImportOptions::default() })
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "then a file of {LATER} new rows checked against the {rows} stored: {:.2} s ({} warnings)",
        started.elapsed().as_secs_f64(),
        next.warnings()
    );
    export(app, &actor).await?;
    export_baseline(dir, url, postgres)
}

/// What an analyst would write instead of the page's export: one SQL query over the same
/// table, in the register's order by its index (`child.name_order`, the Vietnamese order
/// treem stores), written as CSV by the engine's own client (`sqlite3 -csv`, `psql
/// \copy … TO`). No title, no hamlet, no scope or audit: the floor an export can reach.
fn export_baseline(dir: &Path, url: &str, postgres: Option<&str>) -> Result<(), String> {
    let query = "SELECT c.id, c.full_name, c.birth_date, c.sex, u.code, u.name, c.registered_on FROM child c \
                 JOIN admin_unit u ON u.id = c.residence_unit_id WHERE c.merged_into_id IS NULL ORDER BY c.name_order, c.id";
    let out_file = dir.join("baseline-export.csv");
    let started = Instant::now();
    let out = match postgres {
        None => {
            let path = url.trim_start_matches("sqlite://");
            let file = std::fs::File::create(&out_file).map_err(|e| e.to_string())?;
            std::process::Command::new("sqlite3")
                .args(["-cmd", ".timeout 30000", "-csv", "-header", path, query])
                .stdout(file)
                .output()
                .map_err(|e| format!("sqlite3 (the baseline) could not run: {e}"))?
        }
        Some(url) => std::process::Command::new("psql")
            .arg(url)
            .arg("-qc")
            .arg(format!("\\copy ({query}) TO '{}' CSV HEADER", out_file.display()))
            .output()
            .map_err(|e| format!("psql (the baseline) could not run: {e}"))?,
    };
    let took = started.elapsed().as_secs_f64();
    if !out.status.success() {
        return Err(format!("the export baseline failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let size = std::fs::metadata(&out_file).map_or(0, |m| m.len());
    let name = if postgres.is_some() { "psql \\copy (SELECT …) TO" } else { "sqlite3 -csv SELECT" };
    println!("export baseline, {name} of the same rows in the same order: {took:.2} s, {:.1} MB", size as f64 / 1e6);
    Ok(())
}

/// The stored register exported as its page exports it, CSV streamed and XLSX written a row
/// at a time: time, size and the peak memory of each (flat: the same at any size).
async fn export(app: std::sync::Arc<App>, actor: &treem_app::Actor) -> Result<(), String> {
    use futures_util::StreamExt;
    let lang = treem_web::i18n::Lang::Vi;
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = peak_mib();
    let started = Instant::now();
    let response = treem_web::export::children_csv_stream(app.clone(), lang, actor.clone(), None).await.map_err(|e| e.to_string())?;
    let mut body = response.into_body().into_data_stream();
    let (mut bytes, mut lines) = (0usize, 0usize);
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| e.to_string())?;
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    println!(
        "export CSV (streamed): {:.2} s, {lines} lines, {:.1} MB; peak resident memory {:.0} MiB (was {before:.0} MiB)",
        started.elapsed().as_secs_f64(),
        bytes as f64 / 1e6,
        peak_mib()
    );
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = peak_mib();
    let started = Instant::now();
    let response = treem_web::export::children_xlsx(&app, lang, actor, None).await.map_err(|e| e.to_string())?;
    let size = axum::body::to_bytes(response.into_body(), usize::MAX).await.map_err(|e| e.to_string())?.len();
    println!(
        "export XLSX (a row at a time): {:.2} s, {:.1} MB; peak resident memory {:.0} MiB (was {before:.0} MiB)",
        started.elapsed().as_secs_f64(),
        size as f64 / 1e6,
        peak_mib()
    );
    Ok(())
}

/// The same register as an XLSX workbook: treem's reading of it, and its check, against
/// calamine reading the sheet alone.
async fn xlsx(app: &App, actor: &treem_app::Actor, csv_text: &str, csv_check: f64) -> Result<(), String> {
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, line) in csv_text.lines().enumerate() {
        let r = u32::try_from(r).map_err(|x| x.to_string())?;
        for (c, cell) in line.split(',').enumerate() {
            sheet.write_string(r, u16::try_from(c).map_err(|x| x.to_string())?, cell).map_err(e)?;
        }
    }
    let workbook = book.save_to_buffer().map_err(e)?;
    let started = Instant::now();
    let mut reader: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(&workbook)).map_err(|x: calamine::XlsxError| x.to_string())?;
    let cells = calamine::Reader::worksheet_range(&mut reader, "Sheet1").map_err(|x| x.to_string())?.get_size();
    let alone = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let table =
        treem_import::read_table("register.xlsx", &workbook, &treem_import::Limits::default(), &treem_import::children::known_header)
            .map_err(|p| p.message)?;
    let read = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let check = app
        .import_children(actor, "register.xlsx", &workbook, ImportOptions { dry_run: true, ..ImportOptions::default() })
        .await
        .map_err(|e| e.to_string())?;
    let checked = started.elapsed().as_secs_f64();
    println!(
        "XLSX of {} rows ({:.1} MB, {} × {} cells): calamine alone {alone:.2} s; treem reads it {read:.2} s (×{:.1}); \
         checks it {checked:.2} s (×{:.1}; {} errors; the CSV's check {csv_check:.2} s)",
        table.rows.len(),
        workbook.len() as f64 / 1e6,
        cells.0,
        cells.1,
        read / alone,
        checked / alone,
        check.errors()
    );
    Ok(())
}

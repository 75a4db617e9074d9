//! The `treem` binary: help, bad database URLs, schema too new, refused imports.

use std::process::Command;

fn treem(args: &[&str]) -> (bool, String, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_treem")).args(args).env_remove("TREEM_DATABASE_URL").env_remove("TREEM_CONFIG").output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn help_everywhere() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["demo", "--help"],
        vec!["units", "import", "--help"],
        vec!["plan", "import", "--help"],
        vec!["bench", "indicators", "--help"],
        vec!["bench", "http", "--help"],
        vec!["bench", "import", "--help"],
        vec!["import", "children", "--help"],
        vec!["import", "incidents", "--help"],
        vec!["import", "cases", "--help"],
        vec!["db", "backup", "--help"],
        vec!["db", "verify", "--help"],
        vec!["db", "restore", "--help"],
        vec!["db", "copy", "--help"],
    ] {
        let (ok, out, _) = treem(&args);
        assert!(ok && out.contains("Usage"), "{args:?}");
    }
}

#[test]
fn unknown_scheme_and_missing_file_stop_with_a_clear_message() {
    let (ok, _, err) = treem(&["migrate", "--database", "mysql://localhost/x"]);
    assert!(!ok);
    assert!(err.contains("unknown database URL scheme `mysql`"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("none.db").display());
    let (ok, _, err) = treem(&["serve", "--database", &url]);
    assert!(!ok);
    assert!(err.contains("treem migrate --create"), "{err}");
    assert!(!dir.path().join("none.db").exists());
}

#[test]
fn a_database_newer_than_the_binary_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let url = format!("sqlite://{}", path.display());
    let (ok, out, err) = treem(&["migrate", "--create", "--database", &url]);
    assert!(ok, "{err}");
    assert!(out.contains("0001_admin_units"));
    // Simulate a later treem having migrated this database.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query(
            "INSERT INTO treem_migration (name, checksum, applied_at) VALUES ('9999_from_the_future', 'x', '2030-01-01T00:00:00.000000Z')",
        )
        .execute(&mut c)
        .await
        .unwrap();
    });
    let (ok, _, err) = treem(&["serve", "--database", &url, "--listen", "127.0.0.1:0"]);
    assert!(!ok);
    assert!(err.contains("9999_from_the_future") && err.contains("newer than this binary"), "{err}");
}

#[test]
fn refused_imports_name_file_line_and_field_and_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("u.db").display());
    assert!(treem(&["migrate", "--create", "--database", &url]).0);
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "code,name,level,type,parent_code,valid_from,valid_to\n87,Tỉnh Đồng Tháp,province,Tỉnh,,2012-01-01,2025-06-30\n")
        .unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "code,name,level,type,parent_code,valid_from,valid_to\n866,Huyện X,district,Huyện,999,2012-01-01,\n").unwrap();
    let (ok, _, err) = treem(&["units", "import", "--database", &url, good.to_str().unwrap(), bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("bad.csv:2: field `parent_code`: unknown parent"), "{err}");
    assert!(err.contains("nothing was stored"), "{err}");
    let utf = dir.path().join("latin1.csv");
    std::fs::write(&utf, b"code,name,level,type,valid_from\n87,T\xecnh,province,tinh,2012-01-01\n").unwrap();
    let (ok, _, err) = treem(&["units", "import", "--database", &url, utf.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.contains("latin1.csv:2") && err.contains("UTF-8"), "{err}");
    // Nothing from good.csv was stored: importing it alone now adds it.
    let (ok, out, err) = treem(&["units", "import", "--database", &url, good.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("1 units added"), "{out}");
    // And the real data files import on top, reusing the identical row.
    let data = format!("{}/../../data/admin-units", env!("CARGO_MANIFEST_DIR"));
    let files: Vec<String> = ["units-legacy.csv", "units-2025.csv", "successions-2025.csv"].iter().map(|f| format!("{data}/{f}")).collect();
    let mut args = vec!["units", "import", "--database", &url];
    args.extend(files.iter().map(String::as_str));
    let (ok, out, err) = treem(&args);
    assert!(ok, "{err}");
    assert!(out.contains("432 units added (1 unchanged)"), "{out}");
}

#[test]
fn plan_import_from_the_command_line_names_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let root = format!("{}/../..", env!("CARGO_MANIFEST_DIR"));
    assert!(treem(&["migrate", "--create", "--database", &url]).0);
    let plan = format!("{root}/data/plans/dong-thap-2013.toml");
    // No units yet: the scope unit cannot be found, and the message says why.
    let (ok, _, err) = treem(&["plan", "import", "--database", &url, &plan]);
    assert!(!ok && err.contains("scope_unit_code") && err.contains("administrative units"), "{err}");
    let units: Vec<String> =
        ["units-legacy.csv", "units-2025.csv", "successions-2025.csv"].iter().map(|f| format!("{root}/data/admin-units/{f}")).collect();
    let mut args = vec!["units", "import", "--database", &url];
    args.extend(units.iter().map(String::as_str));
    assert!(treem(&args).0);
    let (ok, out, err) = treem(&["plan", "import", "--database", &url, &plan]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "Plan dt-2013-ct20: added.");
    assert_eq!(treem(&["plan", "import", "--database", &url, &plan]).1.trim(), "Plan dt-2013-ct20: unchanged.");
    // A syntax error names the file and line; a wrong field names its path in the plan.
    let text = std::fs::read_to_string(&plan).unwrap();
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, text.replacen("period_to = 2020", "period_to = \"2020", 1)).unwrap();
    let (ok, _, err) = treem(&["plan", "import", "--database", &url, broken.to_str().unwrap()]);
    let line = text.lines().position(|l| l.starts_with("period_to")).unwrap() + 1;
    assert!(!ok && err.contains(&format!("broken.toml:line {line}")), "{err}");
    // T1 is the first target with a lead (the police, inferred).
    std::fs::write(&broken, text.replacen("lead = \"A8\"", "lead = \"nobody\"", 1)).unwrap();
    let (ok, _, err) = treem(&["plan", "import", "--database", &url, broken.to_str().unwrap()]);
    assert!(!ok && err.contains("targets[T1].lead: no agency `nobody` in the plan"), "{err}");
}

#[test]
fn the_indicator_bench_runs_and_is_deterministic() {
    // Not a timing test: the bench must run, and its synthetic data and checksum must not vary.
    let checksum = |out: &str| out.split("(checksum ").nth(1).and_then(|r| r.split(')').next()).map(str::to_owned);
    let (ok, out, err) = treem(&["bench", "indicators", "--incidents", "2000"]);
    assert!(ok, "{err}");
    assert!(out.contains("ratio engine / raw-record pass"), "{out}");
    let first = checksum(&out).unwrap_or_else(|| panic!("{out}"));
    assert_eq!(Some(first), checksum(&treem(&["bench", "indicators", "--incidents", "2000"]).1));
}

/// `treem bench http` end to end on a small province: it signs in, gets a token, and
/// every endpoint's requests are counted with no error. Correctness only: no timing is checked.
#[test]
fn the_http_bench_signs_in_and_counts_requests_without_errors() {
    let (ok, out, err) = treem(&["bench", "http", "--scale", "sample", "--connections", "2", "--seconds", "1"]);
    assert!(ok, "{err}\n{out}");
    for path in ["/healthz", "/plans/dt-2013-ct20", "/api/v1/plans/dt-2013-ct20/progress", "/indicators/incidents.sexual_abuse"] {
        let row = out
            .lines()
            .find(|l| !l.contains("÷") && l.split_whitespace().any(|w| w.starts_with(path)))
            .unwrap_or_else(|| panic!("no row for {path}:\n{out}"));
        let numbers: Vec<&str> = row.split_whitespace().rev().take(9).collect();
        // From the right: ratio, errors, max, p99, p90, p50, req/s, requests.
        assert_eq!(numbers[1], "0", "errors on {path}: {row}");
        assert!(numbers[7].parse::<u64>().unwrap() > 0, "no requests counted on {path}: {row}");
    }
}

#[test]
fn a_legal_case_deadline_cannot_be_configured_away() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    assert!(treem(&["migrate", "--create", "--database", &url]).0);
    for (setting, message) in [
        ("emergency_hours = 24", "set by law (Nghị định 56/2017/NĐ-CP, Điều 26 khoản 3)"),
        ("verify_working_days = 0", "a whole number from 1 to 60"),
        ("colour = 2", "not a case deadline"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_treem"))
            .args(["serve", "--listen", "127.0.0.1:0", "--database", &url])
            .env_remove("TREEM_CONFIG")
            .env("TREEM_CASE_DEADLINES", setting)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{setting}");
        assert!(err.contains("case_deadlines") && err.contains(message), "{setting}: {err}");
    }
}

/// Children written before the register-book order was stored get it when the database
/// is next migrated, so an old register lists in the same order as a new one.
#[test]
fn migrating_gives_older_children_their_register_order() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    assert!(treem(&["migrate", "--create", "--database", &url]).0);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        // As an older treem wrote them: no order key (the units and accounts they point
        // at do not matter here, so foreign keys are not checked on this connection).
        sqlx::query("PRAGMA foreign_keys = OFF").execute(&mut c).await.unwrap();
        for (id, name) in [(1, "Trần Văn Bình"), (2, "Nguyễn Thị An"), (3, "Lê Văn An")] {
            sqlx::query(
                "INSERT INTO child (id, full_name, name_search, sex, birth_date, residence_unit_id, registered_on, created_by_id, \
                     created_at, updated_at, version) VALUES (?, ?, '', 'male', '2015-01-01', 1, '2025-01-01', 1, \
                     '2025-01-01T00:00:00.000000Z', '2025-01-01T00:00:00.000000Z', 1)",
            )
            .bind(id)
            .bind(name)
            .execute(&mut c)
            .await
            .unwrap();
        }
    });
    let (ok, _, err) = treem(&["migrate", "--database", &url]);
    assert!(ok, "{err}");
    let names: Vec<String> = rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query_scalar("SELECT full_name FROM child WHERE name_order IS NOT NULL ORDER BY name_order, id")
            .fetch_all(&mut c)
            .await
            .unwrap()
    });
    assert_eq!(names, ["Lê Văn An", "Nguyễn Thị An", "Trần Văn Bình"]);
}

/// A migrated SQLite database with the real units, for the command-line tests below.
fn database_with_units(dir: &std::path::Path, name: &str) -> String {
    let url = format!("sqlite://{}", dir.join(name).display());
    let root = format!("{}/../..", env!("CARGO_MANIFEST_DIR"));
    assert!(treem(&["migrate", "--create", "--database", &url]).0);
    let units: Vec<String> =
        ["units-legacy.csv", "units-2025.csv", "successions-2025.csv"].iter().map(|f| format!("{root}/data/admin-units/{f}")).collect();
    let mut args = vec!["units", "import", "--database", &url];
    args.extend(units.iter().map(String::as_str));
    assert!(treem(&args).0);
    url
}

#[test]
fn a_register_imports_from_the_command_line_once_with_its_report() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_with_units(dir.path(), "i.db");
    let (ok, _, err) = treem(&[
        "user",
        "add",
        "--database",
        &url,
        "--username",
        "xa.cli",
        "--name",
        "Cán bộ",
        "--role",
        "commune_worker",
        "--scope",
        "29884",
    ]);
    assert!(ok, "{err}");
    let file = dir.path().join("so.csv");
    std::fs::write(&file, "Họ và tên,Ngày sinh,Giới tính,Mã xã\nLê Văn An,01/03/2015,Nam,29884\nLê Thị Bé,01/03/15,Nữ,29884\n").unwrap();
    let report = dir.path().join("report.csv");
    let f = file.to_str().unwrap();
    let (ok, out, err) = treem(&["import", "children", "--database", &url, f, "--user", "xa.cli", "--report", report.to_str().unwrap()]);
    assert!(!ok, "a refused row is a failure: {out}");
    assert!(err.contains("1 errors: nothing was stored"), "{err}");
    assert!(out.contains("so.csv:2 [Ngày sinh] error: năm ghi hai chữ số"), "{out}");
    let csv = std::fs::read_to_string(&report).unwrap();
    assert!(csv.starts_with("\u{feff}row,column,value,severity,message\n2,Ngày sinh,01/03/15,error,"), "{csv}");
    std::fs::write(&file, "Họ và tên,Ngày sinh,Giới tính,Mã xã\nLê Văn An,01/03/2015,Nam,29884\n").unwrap();
    let (ok, out, err) = treem(&["import", "children", "--database", &url, f, "--user", "xa.cli", "--dry-run", "--lang", "en"]);
    assert!(ok && out.contains("1 to add (dry run: nothing stored)"), "{out} {err}");
    let (ok, out, err) = treem(&["import", "children", "--database", &url, f, "--user", "xa.cli"]);
    assert!(ok && out.contains("1 added, 0 imported before"), "{out} {err}");
    let (ok, out, _) = treem(&["import", "children", "--database", &url, f, "--user", "xa.cli"]);
    assert!(ok && out.contains("0 added, 1 imported before"), "a second import adds nothing: {out}");
    let (ok, _, err) = treem(&["import", "children", "--database", &url, f, "--user", "nobody"]);
    assert!(!ok && err.contains("no such account"), "{err}");
    // A register of incidents naming that child by the children's register's identifier.
    std::fs::write(&file, "Mã trẻ em,Họ và tên,Ngày sinh,Giới tính,Mã xã\nMN-9,Lê Thị Cúc,02/03/2015,Nữ,29884\n").unwrap();
    let (ok, out, err) = treem(&["import", "children", "--database", &url, f, "--user", "xa.cli"]);
    assert!(ok, "{out} {err}");
    let incidents = dir.path().join("vu-viec.csv");
    std::fs::write(&incidents, "Ngày xảy ra,Mã xã,Loại vụ việc,Loại tai nạn,Mã trẻ em\n01/03/2026,29884,Tai nạn,Đuối nước,MN-9\n02/03/2026,29884,Tai nạn,Sét đánh,MN-9\n").unwrap();
    let v = incidents.to_str().unwrap();
    let (ok, out, _) = treem(&["import", "incidents", "--database", &url, v, "--user", "xa.cli"]);
    assert!(!ok && out.contains("vu-viec.csv:2 [Loại tai nạn] error: không phải giá trị đã biết: ghi một trong Đuối nước; "), "{out}");
    std::fs::write(&incidents, "Ngày xảy ra,Mã xã,Loại vụ việc,Loại tai nạn,Mã trẻ em\n01/03/2026,29884,Tai nạn,Đuối nước,MN-9\n").unwrap();
    let (ok, out, err) = treem(&["import", "incidents", "--database", &url, v, "--user", "xa.cli", "--lang", "en"]);
    assert!(ok && out.contains("1 added, 0 imported before"), "{out} {err}");
    let cases = dir.path().join("truong-hop.csv");
    std::fs::write(&cases, "Mã trẻ em,Ngày tiếp nhận,Nguồn tin,Nội dung tin báo,Tình trạng\nMN-9,01/03/2026,Nhà trường,Bỏ học,Chờ\n")
        .unwrap();
    let c = cases.to_str().unwrap();
    let (ok, out, _) = treem(&["import", "cases", "--database", &url, c, "--user", "xa.cli"]);
    assert!(!ok && out.contains("truong-hop.csv:1 [Tình trạng] error: không phải giá trị đã biết"), "{out}");
    std::fs::write(
        &cases,
        "Mã trẻ em,Ngày tiếp nhận,Nguồn tin,Nội dung tin báo,Ngày đóng hồ sơ\nMN-9,01/03/2026,Nhà trường,Bỏ học,05/03/2026\n",
    )
    .unwrap();
    let (ok, out, err) = treem(&["import", "cases", "--database", &url, c, "--user", "xa.cli", "--lang", "en"]);
    assert!(ok && out.contains("1 added, 0 imported before"), "{out} {err}");
}

#[test]
fn a_backup_checks_itself_restores_and_tells_a_tampered_copy() {
    let dir = tempfile::tempdir().unwrap();
    let url = database_with_units(dir.path(), "live.db");
    let backup = dir.path().join("backup.db");
    let b = backup.to_str().unwrap();
    let (ok, out, err) = treem(&["db", "backup", "--database", &url, "--out", b]);
    assert!(ok, "{err}");
    assert!(out.contains("an audit chain of 2 entries that verifies"), "the units' import and the backup's own entry: {out}");
    let manifest = format!("{b}.manifest.json");
    assert!(treem(&["db", "verify", "--database", &format!("sqlite://{b}"), "--manifest", &manifest]).0);
    // Never over an existing file.
    let (ok, _, err) = treem(&["db", "backup", "--database", &url, "--out", b]);
    assert!(!ok && err.contains("exists already"), "{err}");
    let restored = format!("sqlite://{}", dir.path().join("restored.db").display());
    let (ok, out, err) = treem(&["db", "restore", "--from", b, "--database", &restored]);
    assert!(ok && out.contains("Restored"), "{out} {err}");
    let (ok, _, err) = treem(&["db", "restore", "--from", b, "--database", &restored]);
    assert!(!ok && err.contains("exists"), "{err}");
    // A changed copy is told apart, table by table, and not restored.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{b}")).await.unwrap();
        sqlx::query("UPDATE admin_unit SET name = 'Xã Giả' WHERE id = 2").execute(&mut c).await.unwrap();
    });
    let (ok, _, err) = treem(&["db", "verify", "--database", &format!("sqlite://{b}"), "--manifest", &manifest]);
    assert!(!ok && err.contains("admin_unit: the same number of rows, different content"), "{err}");
    let other = format!("sqlite://{}", dir.path().join("other.db").display());
    let (ok, _, err) = treem(&["db", "restore", "--from", b, "--database", &other]);
    assert!(!ok && err.contains("nothing restored"), "{err}");
    assert!(!dir.path().join("other.db").exists());
}

#[test]
fn a_pg_dump_restored_matches_its_source() {
    let Some(admin) = crate::harness::postgres_url() else { return };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (source, source_name) = rt.block_on(async {
        let (store, cleanup) = crate::harness::postgres_store(&admin).await;
        store.migrate().await.unwrap();
        let files = treem_domain::bundled::admin_unit_files().unwrap();
        let e = treem_domain::audit::AuditEvent::new("units.import", treem_domain::audit::Outcome::Ok);
        store.import_units(&files, &e).await.unwrap().unwrap();
        (treem_storage_postgres::url_with_database(&admin, &cleanup.1), cleanup)
    });
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("source.json");
    let (ok, _, err) = treem(&["db", "verify", "--database", &source, "--save", manifest.to_str().unwrap()]);
    assert!(ok, "{err}");
    let dump = dir.path().join("dump.pgc");
    let status = Command::new("pg_dump").args(["-Fc", "-f", dump.to_str().unwrap(), &source]).status().unwrap();
    assert!(status.success(), "pg_dump");
    let (target_store, target_name) = rt.block_on(crate::harness::postgres_store(&admin));
    drop(target_store);
    let target = treem_storage_postgres::url_with_database(&admin, &target_name.1);
    let status = Command::new("pg_restore").args(["--no-owner", "-d", &target, dump.to_str().unwrap()]).status().unwrap();
    assert!(status.success(), "pg_restore");
    let (ok, out, err) = treem(&["db", "verify", "--database", &target, "--manifest", manifest.to_str().unwrap()]);
    assert!(ok && out.contains("matches"), "{out} {err}");
    rt.block_on(async {
        let admin_store = treem_storage_postgres::PgStore::connect(&admin).await.unwrap();
        for (_, name) in [source_name, target_name] {
            let _ = treem_storage_postgres::drop_database(&admin_store, &name).await;
        }
    });
}

#[test]
fn a_sqlite_database_copies_to_postgres_and_proves_it() {
    let Some(admin) = crate::harness::postgres_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let url = database_with_units(dir.path(), "small.db");
    let (ok, _, err) = treem(&[
        "user",
        "add",
        "--database",
        &url,
        "--username",
        "xa.copy",
        "--name",
        "Cán bộ",
        "--role",
        "commune_worker",
        "--scope",
        "29884",
    ]);
    assert!(ok, "{err}");
    let file = dir.path().join("so.csv");
    std::fs::write(
        &file,
        "Họ và tên,Ngày sinh,Giới tính,Mã xã,Nhóm HCĐB,Mã hộ,Chủ hộ,Hộ nghèo/cận nghèo,Họ tên người chăm sóc,Quan hệ\n\
         Lê Văn An,01/03/2015,Nam,29884,a,H1,Lê Văn Ba,nghèo,Lê Thị Mẹ,mẹ\nLê Thị Bé,2016,Nữ,29884,,H1,Lê Văn Ba,nghèo,,\n",
    )
    .unwrap();
    assert!(treem(&["import", "children", "--database", &url, file.to_str().unwrap(), "--user", "xa.copy"]).0);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (store, cleanup) = rt.block_on(crate::harness::postgres_store(&admin));
    drop(store);
    let target = treem_storage_postgres::url_with_database(&admin, &cleanup.1);
    let (ok, out, err) = treem(&["db", "copy", "--from", &url, "--to", &target]);
    assert!(ok, "{err}");
    assert!(out.contains("the same content hashed on both engines"), "{out}");
    assert!(err.contains("child: 2 rows") && err.contains("household: 1 rows"), "progress by table: {err}");
    // Never into a database that holds records.
    let (ok, _, err) = treem(&["db", "copy", "--from", &url, "--to", &target]);
    assert!(!ok && err.contains("not empty"), "{err}");
    // The target goes on: new ids do not collide with the copied ones.
    let (ok, _, err) = treem(&[
        "user",
        "add",
        "--database",
        &target,
        "--username",
        "xa.after",
        "--name",
        "Cán bộ",
        "--role",
        "commune_worker",
        "--scope",
        "29884",
    ]);
    assert!(ok, "{err}");
    std::fs::write(&file, "Họ và tên,Ngày sinh,Giới tính,Mã xã\nLê Văn Cường,01/03/2014,Nam,29884\n").unwrap();
    let (ok, out, err) = treem(&["import", "children", "--database", &target, file.to_str().unwrap(), "--user", "xa.after"]);
    assert!(ok && out.contains("1 added"), "{out} {err}");
    let (ok, out, err) = treem(&["audit", "verify", "--database", &target]);
    assert!(ok && out.contains("intact"), "{out} {err}");
    rt.block_on(async {
        let admin_store = treem_storage_postgres::PgStore::connect(&admin).await.unwrap();
        let _ = treem_storage_postgres::drop_database(&admin_store, &cleanup.1).await;
    });
}

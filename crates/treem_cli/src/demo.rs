//! `treem demo`: the real units, made-up hamlets, one account per role and a
//! few made-up children, loaded through the same services as everything else
//! (so the demo's own writes are in the audit log too). Idempotent.

use time::macros::date;
use time::Date;
use treem_app::accounts::{AccountInput, Operator};
use treem_app::{App, AppError};
use treem_domain::child::ChildInput;
use treem_domain::units::UnitLevel;

/// The password of every demo account. Printed by `treem demo`; never use it elsewhere.
pub const DEMO_PASSWORD: &str = "tre-em-demo-2026";

pub struct DemoAccount {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: &'static str,
    pub scope_code: &'static str,
    pub scope_date: Option<Date>,
    pub agency: &'static str,
    pub note: &'static str,
}

pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "admin",
        display_name: "Quản trị hệ thống",
        role: "system_admin",
        scope_code: "",
        scope_date: None,
        agency: "",
        note: "accounts; no child records",
    },
    DemoAccount {
        username: "tinh",
        display_name: "Trần Thị Hồng",
        role: "provincial_officer",
        scope_code: "82",
        scope_date: None,
        agency: "",
        note: "the whole province, both eras",
    },
    DemoAccount {
        username: "huyen",
        display_name: "Lê Văn Tâm",
        role: "district_officer",
        scope_code: "866",
        scope_date: Some(date!(2025 - 06 - 30)),
        agency: "",
        note: "TP Cao Lãnh before 2025",
    },
    DemoAccount {
        username: "xa.myngai",
        display_name: "Nguyễn Thị Lan",
        role: "commune_worker",
        scope_code: "29884",
        scope_date: None,
        agency: "",
        note: "Phường Mỹ Ngãi (2025) and the communes merged into it",
    },
    DemoAccount {
        username: "xa.anbinh",
        display_name: "Phạm Văn Bình",
        role: "commune_worker",
        scope_code: "29954",
        scope_date: None,
        agency: "",
        note: "Phường An Bình (2025)",
    },
    DemoAccount {
        username: "ap.myngai",
        display_name: "Võ Thị Mai",
        role: "hamlet_collaborator",
        scope_code: "29884-01",
        scope_date: None,
        agency: "",
        note: "one demo hamlet of Phường Mỹ Ngãi",
    },
    DemoAccount {
        username: "sogd",
        display_name: "Đặng Minh Khoa",
        role: "agency_reporter",
        scope_code: "82",
        scope_date: None,
        agency: "Sở Giáo dục và Đào tạo",
        note: "aggregate reports only",
    },
    DemoAccount {
        username: "congan",
        display_name: "Huỳnh Văn Phúc",
        role: "police_liaison",
        scope_code: "82",
        scope_date: None,
        agency: "Công an tỉnh",
        note: "province; abuse and offence details, not HIV",
    },
    DemoAccount {
        username: "kiemtra",
        display_name: "Bùi Thị Thu",
        role: "auditor",
        scope_code: "82",
        scope_date: None,
        agency: "",
        note: "read-only; the audit log",
    },
];

/// (name, sex, birth date, unit code, unit date, registered on, HIV, abuse notes, offence notes)
type DemoChild = (&'static str, &'static str, &'static str, &'static str, Date, &'static str, &'static str, &'static str, &'static str);

const CHILDREN: &[DemoChild] = &[
    ("Nguyễn Thị Ánh", "female", "2014-03-12", "29884", date!(2025 - 08 - 01), "2025-08-01", "", "Bị bạo lực gia đình (dữ liệu mẫu)", ""),
    ("Trần Văn Đức", "male", "2012-11-02", "29884-01", date!(2025 - 09 - 15), "2025-09-15", "exposed", "", ""),
    ("Lê Hoàng Nam", "male", "2010-06-30", "29884", date!(2025 - 10 - 01), "2025-10-01", "", "", "Trộm cắp tài sản (dữ liệu mẫu)"),
    ("Phạm Ngọc Hân", "female", "2016-01-20", "29881", date!(2020 - 05 - 04), "2020-05-04", "negative", "", ""),
    ("Huỳnh Gia Bảo", "male", "2015-08-08", "29881-01", date!(2021 - 02 - 11), "2021-02-11", "", "", ""),
    ("Võ Minh Thư", "female", "2013-12-25", "29884", date!(2019 - 07 - 19), "2019-07-19", "positive", "", ""),
    ("Đặng Thị Yến", "female", "2011-04-14", "29954", date!(2025 - 07 - 20), "2025-07-20", "", "Xâm hại tình dục (dữ liệu mẫu)", ""),
    ("Bùi Quốc Huy", "male", "2014-09-09", "29954-01", date!(2025 - 11 - 03), "2025-11-03", "", "", ""),
    ("Ngô Thanh Tâm", "female", "2017-02-28", "29869", date!(2026 - 01 - 05), "2026-01-05", "unknown", "", ""),
    ("Dương Văn Lộc", "male", "2012-05-05", "29869", date!(2016 - 03 - 01), "2016-03-01", "", "", ""),
    ("Lý Thị Kim", "female", "2013-10-10", "28249", date!(2018 - 06 - 06), "2018-06-06", "", "", ""),
    ("Hồ Văn Sang", "male", "2011-07-07", "28249", date!(2025 - 12 - 12), "2025-12-12", "", "", "Gây rối trật tự công cộng (dữ liệu mẫu)"),
];

pub struct Loaded {
    pub accounts_created: usize,
    pub children_created: usize,
    pub cases_created: usize,
    /// Generated this time: (children, households, incidents, cases, seconds).
    pub generated: Option<(usize, usize, usize, usize, f64)>,
}

/// Made-up services of the directory: (name, kind, unit code).
const PROVIDERS: &[(&str, &str, &str)] = &[
    ("Trung tâm Công tác xã hội tỉnh (demo)", "social_work_centre", "82"),
    ("Nhà tạm lánh Phường Mỹ Ngãi (demo)", "safe_house", "29884"),
    ("Trạm Y tế Phường Mỹ Ngãi (demo)", "health_facility", "29884"),
    ("Trung tâm Trợ giúp pháp lý tỉnh (demo)", "legal_aid", "82"),
];

/// Imports the real units of Đồng Tháp and the made-up demo hamlets (idempotent).
pub async fn import_units(store: &dyn treem_storage::Store) -> Result<treem_storage::UnitImportSummary, String> {
    let mut files = treem_domain::bundled::admin_unit_files().map_err(|e| e.to_string())?;
    let hamlets = treem_domain::bundled::demo_hamlet_files().map_err(|e| e.to_string())?;
    files.units.extend(hamlets.units);
    files.successions.extend(hamlets.successions);
    store.import_units(&files, &crate::cli_event("units.import", "treem-demo")).await.map_err(|e| e.to_string())?.map_err(|e| e.to_string())
}

pub async fn seed(app: &App, scale: treem_demo::Scale, seed: u64) -> Result<Loaded, String> {
    let mut accounts_created = 0;
    for a in ACCOUNTS {
        match app.accounts.by_username(Operator::Cli, a.username).await {
            Ok(_) => continue,
            Err(AppError::NotFound) => {}
            Err(e) => return Err(e.to_string()),
        }
        let input = AccountInput {
            username: a.username.into(),
            display_name: a.display_name.into(),
            role: a.role.into(),
            scope_unit_code: a.scope_code.into(),
            scope_date: a.scope_date,
            agency: a.agency.into(),
            password: DEMO_PASSWORD.into(),
        };
        app.accounts.create(Operator::Cli, &input).await.map_err(|e| format!("demo account {}: {e}", a.username))?;
        accounts_created += 1;
    }
    let officer = app.auth.actor_for("tinh", "demo").await.map_err(|e| e.to_string())?;
    let mut children_created = 0;
    if app.children.list(&officer, None, None, 1).await.map_err(|e| e.to_string())?.children.is_empty() {
        let catalog = app.units.catalog();
        for (name, sex, birth, code, on, registered, hiv, abuse, offence) in CHILDREN {
            let Some(unit) = catalog.by_code_on(code, *on) else { continue };
            let input = ChildInput {
                full_name: (*name).into(),
                sex: (*sex).into(),
                birth_date: (*birth).into(),
                residence_unit_id: unit.id.0.to_string(),
                registered_on: (*registered).into(),
                hiv_status: (*hiv).into(),
                abuse_notes: (*abuse).into(),
                offence_notes: (*offence).into(),
            };
            app.children.create(&officer, &input).await.map_err(|e| format!("demo child {name}: {e}"))?;
            children_created += 1;
        }
    }
    let mut cases_created = 0;
    if app.cases.providers().await.map_err(|e| e.to_string())?.is_empty() {
        for (name, kind, unit) in PROVIDERS {
            app.cases.create_provider(&officer, name, kind, unit, "").await.map_err(|e| format!("demo service {name}: {e}"))?;
        }
        // Two cases of Phường Mỹ Ngãi: one just in from the hotline (its 12-hour tasks
        // running), one received days ago and verified, so that tasks are overdue.
        let worker = app.auth.actor_for("xa.myngai", "demo").await.map_err(|e| e.to_string())?;
        let now = app.clock.now();
        // The first children registered that the worker covers on the cases' dates (the
        // list is in register-book order, so ordered by id here).
        let mut children = app.children.list(&worker, None, None, treem_app::children::PAGE_MAX).await.map_err(|e| e.to_string())?.children;
        children.sort_by_key(|c| c.id);
        let oldest_case = (now - time::Duration::hours(72)).date();
        for (i, (child, source, summary, urgent, hours_ago)) in children
            .iter()
            .filter(|c| worker.covers(c.residence_unit, oldest_case) && worker.covers(c.residence_unit, now.date()))
            .take(2)
            .zip([
                ("hotline_111", "Tổng đài 111 chuyển tin: trẻ bị bạo lực gia đình (dữ liệu mẫu)", true, 1),
                ("school", "Nhà trường báo trẻ nghỉ học dài ngày, nghi bị bỏ mặc (dữ liệu mẫu)", false, 72),
            ])
            .map(|(c, (s, m, u, h))| (c, s, m, u, h))
            .enumerate()
        {
            let intake = treem_app::cases::CaseIntake {
                child_id: child.id,
                source: source.into(),
                source_ref: if source == "hotline_111" { "111-DEMO-0001".into() } else { String::new() },
                reporter_name: String::new(),
                reporter_contact: String::new(),
                summary: summary.into(),
                urgent,
                received_at: Some(now - time::Duration::hours(hours_ago)),
            };
            let id = app.cases.open(&worker, &intake).await.map_err(|e| format!("demo case: {e}"))?;
            if i == 1 {
                let verify = treem_domain::case::CaseAction::Verify { note: "Đã đến nhà gặp trẻ (dữ liệu mẫu)".into() };
                app.cases.act(&worker, id, 1, &verify).await.map_err(|e| format!("demo case step: {e}"))?;
            }
            cases_created += 1;
        }
    }
    // The founding plan, so that the plan pages have something to show.
    let plan =
        treem_app::plans::parse_plan_toml("dong-thap-2013.toml", treem_domain::bundled::PLAN_DONG_THAP_2013).map_err(|e| e.to_string())?;
    app.plans.import(treem_app::accounts::Operator::Cli, &plan).await.map_err(|e| format!("demo plan: {e}"))?;
    // A made-up plan with task budgets and targets by unit (never the real document's figures).
    let demo = treem_app::plans::parse_plan_toml("demo/plan-budgets-demo.toml", treem_domain::bundled::DEMO_PLAN_BUDGETS)
        .map_err(|e| e.to_string())?;
    app.plans.import(treem_app::accounts::Operator::Cli, &demo).await.map_err(|e| format!("demo budget plan: {e}"))?;
    seed_unit_statuses(app, &officer).await?;
    // Made-up figures reported by agencies (once per database: only when none is stored).
    if app.reported.list(&officer, None, None, None).await.map_err(|e| e.to_string())?.is_empty() {
        let values = treem_demo::reported_values(&app.units.catalog(), app.clock.today_in_vietnam(), seed);
        app.reported.save_many(&officer, &values).await.map_err(|e| format!("demo reported values: {e}"))?;
    }
    // Made-up movements of the Child Protection Funds (once per database).
    if app.fund.list(&officer, None, None).await.map_err(|e| e.to_string())?.is_empty() {
        for m in treem_demo::fund_movements(&app.units.catalog(), app.clock.today_in_vietnam(), seed) {
            app.fund.record(&officer, &m).await.map_err(|e| format!("demo fund movement: {e}"))?;
        }
    }
    // The generated province: the register's children and households, the incidents
    // behind the plan's indicators and the cases (once per database).
    let started = std::time::Instant::now();
    let today = app.clock.today_in_vietnam();
    let data = treem_demo::bulk(scale, &app.units.catalog(), today, seed)?;
    let label = format!("{scale:?} seed {seed}").to_lowercase();
    let generated = app
        .load_generated(&data, officer.account_id, &label)
        .await
        .map_err(|e| format!("demo generator: {e}"))?
        .then(|| (data.children.len(), data.households.len(), data.incidents.len(), data.cases.len(), started.elapsed().as_secs_f64()));
    Ok(Loaded { accounts_created, children_created, cases_created, generated })
}

/// Made-up decisions on real units of the 2013-era province, so that the plan's unit
/// targets show figures: the community-based model in 6 districts and 50 communes from
/// mid-2014, 3 more districts and 45 more communes from 2017 (T3a and T3b met); communes
/// recognised child-friendly in waves reaching 85 % by 2015 (T5 missed) and 95 % by 2018;
/// the pilot for juveniles in conflict with the law in Cao Lãnh city (866) from 2014 and
/// Cao Lãnh district (873) from 2015 (T4 reached).
async fn seed_unit_statuses(app: &App, officer: &treem_app::Actor) -> Result<(), String> {
    if !app.plans.unit_statuses(None).await.map_err(|e| e.to_string())?.is_empty() {
        return Ok(());
    }
    let catalog = app.units.catalog();
    let on = date!(2013 - 12 - 31);
    let Some(province) = catalog.by_code_on("87", on).map(|u| u.id) else { return Ok(()) };
    let of_level = |level: UnitLevel| -> Vec<i64> {
        catalog.subtree_on(province, on).into_iter().filter_map(|id| catalog.get(id)).filter(|u| u.level == level).map(|u| u.id.0).collect()
    };
    let (districts, communes) = (of_level(UnitLevel::District), of_level(UnitLevel::Commune));
    let mut plan: Vec<(i64, &str, &str)> = Vec::new();
    plan.extend(districts.iter().take(6).map(|d| (*d, "community_based_protection", "2014-06-01")));
    plan.extend(districts.iter().skip(6).take(3).map(|d| (*d, "community_based_protection", "2017-03-01")));
    plan.extend(communes.iter().take(50).map(|c| (*c, "community_based_protection", "2014-06-01")));
    plan.extend(communes.iter().skip(50).take(45).map(|c| (*c, "community_based_protection", "2017-03-01")));
    let waves = [(60, "2013-09-01"), (40, "2014-09-01"), (20, "2015-09-01"), (14, "2018-09-01")];
    let mut next = communes.iter();
    for (n, from) in waves {
        plan.extend(next.by_ref().take(n).map(|c| (*c, "child_friendly", from)));
    }
    for (code, from) in [("866", "2014-04-01"), ("873", "2015-01-15")] {
        plan.extend(catalog.by_code_on(code, on).map(|u| (u.id.0, "juvenile_diversion_pilot", from)));
    }
    for (unit, kind, from) in plan {
        let input = treem_app::plans::UnitStatusInput {
            unit_id: unit.to_string(),
            kind: kind.into(),
            valid_from: from.into(),
            decision: format!("Quyết định mẫu ngày {from} (dữ liệu mẫu)"),
        };
        app.plans.add_unit_status(officer, &input).await.map_err(|e| format!("demo unit status on unit {unit}: {e}"))?;
    }
    Ok(())
}

//! The conformance suite: the same storage behaviour demanded of every backend.
//! Each backend crate instantiates it with [`conformance_tests!`], on SQLite in
//! every `cargo test` and on PostgreSQL when `TREEM_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should stop loudly

use std::collections::{BTreeMap, BTreeSet};
use time::macros::date;
use treem_domain::access::AccountId;
use treem_domain::bundled::admin_unit_files;
use treem_domain::case::CaseId;
use treem_domain::unit_import::{parse_file, ParsedFiles};
use treem_domain::units::{UnitId, UnitLevel};

use treem_domain::audit::{AuditEvent, Outcome};

use crate::Store;

#[cfg(test)]
mod coverage;
mod facts;
mod imports;
mod incidents;
mod merges;
mod notices;
mod plans;
mod register;
mod reported;
mod sessions;
mod transfers;
pub use facts::*;
pub use imports::*;
pub use incidents::*;
pub use merges::*;
pub use notices::*;
pub use plans::*;
pub use register::*;
pub use reported::*;
pub use sessions::*;
pub use transfers::*;

fn unit_import_event() -> AuditEvent {
    AuditEvent::new("units.import", Outcome::Ok)
}

async fn migrated(store: &dyn Store) {
    store.migrate().await.unwrap();
}

async fn with_real_units(store: &dyn Store) {
    migrated(store).await;
    let files = admin_unit_files().unwrap();
    store.import_units(&files, &unit_import_event()).await.unwrap().unwrap();
}

fn parse(files: &[(&str, &str)]) -> ParsedFiles {
    let mut p = ParsedFiles::default();
    for (name, text) in files {
        parse_file(name, text.as_bytes(), &mut p).unwrap();
    }
    p
}

/// An audit event of `action` that succeeded.
fn ev(action: &str) -> AuditEvent {
    AuditEvent::new(action, Outcome::Ok)
}

/// The actions of the whole audit chain, oldest first; the chain must verify.
async fn audit_actions(store: &dyn Store) -> Vec<String> {
    let chain = store.audit_chain().await.unwrap();
    assert_eq!(treem_domain::audit::verify_chain(&chain), Ok(chain.len()), "the audit chain verifies");
    chain.into_iter().map(|e| e.event.action).collect()
}

/// The newest audit entry (the chain must not be empty).
async fn last_audit(store: &dyn Store) -> treem_domain::audit::AuditEntry {
    store.audit_chain().await.unwrap().pop().expect("an audit entry")
}

/// A refused write: `Conflict`, with nothing written (the audit chain is as long as before).
async fn assert_conflict_writes_nothing<T: std::fmt::Debug>(store: &dyn Store, chain_before: usize, r: Result<T, crate::StorageError>) {
    assert!(matches!(r, Err(crate::StorageError::Conflict(_))), "expected a conflict, got {r:?}");
    assert_eq!(store.audit_chain().await.unwrap().len(), chain_before, "a refused write leaves no audit entry");
}

/// A small map for the tests that need units but not the real one: a province and two
/// of its communes, all valid from 2012.
#[derive(Debug, Clone, Copy)]
struct SmallUnits {
    province: UnitId,
    east: UnitId,
    west: UnitId,
}

async fn with_small_units(store: &dyn Store) -> SmallUnits {
    migrated(store).await;
    let files = parse(&[(
        "u.csv",
        "code,name,level,type,parent_code,valid_from,valid_to\n\
         1,Tỉnh Một,province,tinh,,2012-01-01,\n\
         101,Xã Đông,commune,xa,1,2012-01-01,\n\
         102,Xã Tây,commune,xa,1,2012-01-01,\n",
    )]);
    store.import_units(&files, &unit_import_event()).await.unwrap().unwrap();
    let c = store.load_units().await.unwrap();
    let id = |code| c.by_code_on(code, date!(2020 - 01 - 01)).unwrap().id;
    SmallUnits { province: id("1"), east: id("101"), west: id("102") }
}

/// The fields of a child registered on `registered_on` in `unit`, with nothing sensitive.
fn child_fields(
    name: &str,
    unit: UnitId,
    sex: treem_domain::child::Sex,
    birth: time::Date,
    registered_on: time::Date,
) -> treem_domain::child::ChildFields {
    treem_domain::child::ChildFields {
        full_name: name.into(),
        name_search: treem_domain::text::search_key(name),
        sex,
        birth_date: birth,
        birth_date_estimated: false,
        residence_unit: unit,
        registered_on,
        hiv_status: None,
        abuse_notes: None,
        offence_notes: None,
    }
}

/// A child of `unit` created by `by`: a girl born 1 June 2015, registered on 1 March 2024.
async fn a_child(store: &dyn Store, by: i64, unit: UnitId, name: &str) -> i64 {
    let f = child_fields(name, unit, treem_domain::child::Sex::Female, date!(2015 - 06 - 01), date!(2024 - 03 - 01));
    store.create_child(&f, by, &[ev("child.create").record("child", "")]).await.unwrap()
}

pub async fn migrations_apply_once(store: &dyn Store) {
    let before = store.migration_status().await.unwrap();
    assert!(before.applied.is_empty());
    assert!(!before.pending.is_empty());
    let applied = store.migrate().await.unwrap();
    assert_eq!(applied, before.pending);
    assert!(store.migrate().await.unwrap().is_empty(), "a second migrate applies nothing");
    let after = store.migration_status().await.unwrap();
    assert!(after.pending.is_empty());
    store.ping().await.unwrap();
}

pub async fn real_units_import_with_the_reform_mapping(store: &dyn Store) {
    with_real_units(store).await;
    let c = store.load_units().await.unwrap();
    let imports: Vec<_> = store.audit_chain().await.unwrap().into_iter().filter(|e| e.event.action == "units.import").collect();
    assert_eq!(imports.len(), 1, "the import is audited in its transaction");
    assert_eq!(imports[0].event.record_key.as_deref(), Some("433 units, 307 successions added"));
    let old_dt = c.by_code_on("87", date!(2013 - 12 - 31)).expect("old Đồng Tháp");
    let tien_giang = c.by_code_on("82", date!(2013 - 12 - 31)).expect("old Tiền Giang");
    let new_dt = c.by_code_on("82", date!(2025 - 07 - 01)).expect("new Đồng Tháp");
    assert_ne!(tien_giang.id, new_dt.id, "code 82 names two different units");
    assert_eq!(tien_giang.name, "Tỉnh Tiền Giang");
    assert_eq!(new_dt.name, "Tỉnh Đồng Tháp");

    let old_communes: Vec<UnitId> =
        c.subtree_on(old_dt.id, date!(2025 - 06 - 30)).into_iter().filter(|id| c.get(*id).unwrap().level == UnitLevel::Commune).collect();
    assert_eq!(old_communes.len(), 141);
    let new_communes = c.subtree_on(new_dt.id, date!(2025 - 07 - 01));
    assert_eq!(new_communes.len(), 103, "province + 102 communes");
    // Each legacy Đồng Tháp commune reaches exactly one 2025 commune.
    for id in &old_communes {
        let r = c.reaggregate(&BTreeMap::from([(*id, 1)]), date!(2025 - 07 - 01), None);
        assert_eq!(r.counts.len(), 1, "unit {id:?} reaches {:?}", r.counts);
        let target = *r.counts.keys().next().unwrap();
        assert!(new_communes.contains(&target));
        assert_eq!(c.get(target).unwrap().level, UnitLevel::Commune);
    }
    // A total under the old tree equals the total re-aggregated onto the new one,
    // for every legacy commune of both old provinces.
    let all_old: BTreeMap<UnitId, i64> = c
        .units()
        .iter()
        .filter(|u| u.level == UnitLevel::Commune && u.validity.contains(date!(2025 - 06 - 30)))
        .enumerate()
        .map(|(i, u)| (u.id, 1 + (i as i64 * 37) % 101))
        .collect();
    assert_eq!(all_old.len(), 305);
    let old_total: i64 = all_old.values().sum();
    let old_rolled = c.roll_up(&all_old, date!(2025 - 06 - 30));
    assert_eq!(old_rolled[&old_dt.id] + old_rolled[&tien_giang.id], old_total);
    let fwd = c.reaggregate(&all_old, date!(2025 - 07 - 01), None);
    assert!(fwd.unmapped.is_empty());
    assert_eq!(fwd.total(), old_total);
    let new_rolled = c.roll_up(&fwd.counts, date!(2025 - 07 - 01));
    assert_eq!(new_rolled[&new_dt.id], old_total, "nothing lost, nothing counted twice");
    // And back onto the 2013-era map, weighting merges by the old counts.
    let weights = all_old.iter().map(|(k, v)| (*k, *v)).collect();
    let back = c.reaggregate(&fwd.counts, date!(2013 - 12 - 31), Some(&weights));
    assert_eq!(back.total(), old_total);
    assert_eq!(back.counts, all_old, "weights equal to the original counts restore them exactly");
}

pub async fn refused_import_writes_nothing(store: &dyn Store) {
    migrated(store).await;
    let units = "code,name,level,type,parent_code,valid_from,valid_to\n87,Tỉnh A,province,tinh,,2012-01-01,\n866,Huyện B,district,huyen,87,2012-01-01,\n";
    let bad = "code,name,level,type,parent_code,valid_from,valid_to\n29000,Xã C,commune,xa,999,2012-01-01,\n";
    let mut files = parse(&[("good.csv", units)]);
    parse_file("bad.csv", bad.as_bytes(), &mut files).unwrap();
    let errors = store.import_units(&files, &unit_import_event()).await.unwrap().unwrap_err();
    assert_eq!(errors.0.len(), 1);
    assert_eq!((errors.0[0].file.as_str(), errors.0[0].line), ("bad.csv", 2));
    assert!(store.load_units().await.unwrap().units().is_empty(), "nothing half-imported");
    assert!(store.audit_chain().await.unwrap().is_empty(), "no audit entry for a refused import");
}

pub async fn reimport_is_idempotent_and_conflicts_are_refused(store: &dyn Store) {
    with_real_units(store).await;
    let files = admin_unit_files().unwrap();
    let again = store.import_units(&files, &unit_import_event()).await.unwrap().unwrap();
    assert_eq!(again.units_added, 0);
    assert_eq!(again.units_unchanged, files.units.len());
    assert_eq!(again.successions_unchanged, files.successions.len());
    // Same code and start, different name: refused.
    let changed =
        parse(&[("x.csv", "code,name,level,type,parent_code,valid_from,valid_to\n87,Tỉnh Khác,province,tinh,,2012-01-01,2025-06-30\n")]);
    let e = store.import_units(&changed, &unit_import_event()).await.unwrap().unwrap_err();
    assert_eq!(e.0[0].field.as_deref(), Some("name"));
    // Overlapping a stored unit's validity: refused.
    let overlap = parse(&[("y.csv", "code,name,level,type,parent_code,valid_from,valid_to\n87,Tỉnh Mới,province,tinh,,2025-01-01,\n")]);
    let e = store.import_units(&overlap, &unit_import_event()).await.unwrap().unwrap_err();
    assert!(e.0[0].message.contains("overlaps"), "{}", e);
}

pub async fn a_split_with_shares_is_stored_and_reaggregates(store: &dyn Store) {
    migrated(store).await;
    let files = parse(&[
        (
            "u.csv",
            "code,name,level,type,parent_code,valid_from,valid_to,lat,lon\n\
             1,Tỉnh Cũ,province,tinh,,2012-01-01,2019-12-31,10.5,105.5\n\
             10,Xã Chia,commune,xa,1,2012-01-01,2019-12-31,,\n\
             2,Tỉnh Mới,province,tinh,,2020-01-01,,,\n\
             20,Xã Bắc,commune,xa,2,2020-01-01,,,\n\
             21,Xã Nam,commune,xa,2,2020-01-01,,,\n",
        ),
        ("s.csv", "from_code,to_code,effective,share\n1,2,2020-01-01,1\n10,20,2020-01-01,0.25\n10,21,2020-01-01,0.75\n"),
    ]);
    let summary = store.import_units(&files, &unit_import_event()).await.unwrap().unwrap();
    assert_eq!((summary.units_added, summary.parent_links_added, summary.successions_added), (5, 3, 3));
    let c = store.load_units().await.unwrap();
    let old = c.by_code_on("10", date!(2015 - 01 - 01)).unwrap();
    assert_eq!(c.get(old.id).unwrap().lat, None);
    assert_eq!(c.by_code_on("1", date!(2015 - 01 - 01)).unwrap().lat, Some(10.5));
    let r = c.reaggregate(&BTreeMap::from([(old.id, 100)]), date!(2021 - 01 - 01), None);
    let by_code: BTreeMap<&str, i64> = r.counts.iter().map(|(id, n)| (c.get(*id).unwrap().code.as_str(), *n)).collect();
    assert_eq!(by_code, BTreeMap::from([("20", 25), ("21", 75)]));
    assert_eq!(r.estimated, vec![old.id]);
    let preds: BTreeSet<i64> =
        c.predecessors_of(c.by_code_on("21", date!(2021 - 01 - 01)).unwrap().id).iter().map(|s| s.share_ppm).collect();
    assert_eq!(preds, BTreeSet::from([750_000]));
}

pub async fn vietnamese_text_round_trips(store: &dyn Store) {
    migrated(store).await;
    // Decomposed input is stored composed; the name reads back byte-identical.
    let nfd = "code,name,level,type,parent_code,valid_from,valid_to\n9,Tỉnh Nghe\u{0323}\u{0302} An,province,tinh,,2012-01-01,\n";
    store.import_units(&parse(&[("n.csv", nfd)]), &unit_import_event()).await.unwrap().unwrap();
    let c = store.load_units().await.unwrap();
    assert_eq!(c.units()[0].name, "Tỉnh Nghệ An");
}

async fn an_account(store: &dyn Store, name: &str) -> i64 {
    let a = crate::NewAccount {
        username: name.into(),
        display_name: "Cán bộ".into(),
        password_hash: "$argon2id$fake".into(),
        role: treem_domain::access::Role::CommuneWorker,
        scope_unit: None,
        agency: None,
    };
    store.create_account(&a, &AuditEvent::new("account.create", Outcome::Ok).record("account", "")).await.unwrap().0
}

pub async fn accounts_sessions_and_tokens(store: &dyn Store) {
    migrated(store).await;
    let id = AccountId(an_account(store, "lan").await);
    assert!(matches!(
        store
            .create_account(
                &crate::NewAccount {
                    username: "lan".into(),
                    display_name: "x".into(),
                    password_hash: "x".into(),
                    role: treem_domain::access::Role::Auditor,
                    scope_unit: None,
                    agency: None
                },
                &AuditEvent::new("account.create", Outcome::Ok)
            )
            .await,
        Err(crate::StorageError::Conflict(_))
    ));
    let a = store.account_by_username("lan").await.unwrap().unwrap();
    assert_eq!((a.id, a.disabled, a.totp_enabled, a.version), (id, false, false, 1));
    // Sessions are stamped by the caller; the real time keeps them beside the store's own writes.
    #[allow(clippy::disallowed_methods)]
    let now = treem_domain::audit::now_utc();
    let s = crate::NewSession { token_hash: "h1".into(), account_id: id, csrf_token: "c".into(), mfa_passed: false, now };
    store.create_session(&s, &AuditEvent::new("session.login", Outcome::Ok)).await.unwrap();
    let got = store.session("h1").await.unwrap().unwrap();
    assert_eq!((got.account.id, got.created_at, got.mfa_passed), (id, now, false));
    // Second-factor attempts are counted while the session waits for its code, and only then.
    assert_eq!(store.count_code_attempt(got.id).await.unwrap(), Some(1));
    assert_eq!(store.count_code_attempt(got.id).await.unwrap(), Some(2));
    assert_eq!(store.count_code_attempt(424_242).await.unwrap(), None);
    store.pass_session_mfa(got.id, &AuditEvent::new("session.mfa", Outcome::Ok)).await.unwrap();
    assert!(store.session("h1").await.unwrap().unwrap().mfa_passed);
    assert_eq!(store.count_code_attempt(got.id).await.unwrap(), None);
    // Purging removes only sessions past their limits.
    assert_eq!(store.purge_sessions(now - time::Duration::hours(8), now - time::Duration::minutes(15)).await.unwrap(), 0);
    assert_eq!(store.purge_sessions(now + time::Duration::seconds(1), now - time::Duration::minutes(15)).await.unwrap(), 1);
    store.create_session(&s, &AuditEvent::new("session.login", Outcome::Ok)).await.unwrap();
    // A password change ends every session of the account.
    store.change_account(id, &crate::AccountChange::Password("$argon2id$new".into()), None).await.unwrap();
    assert!(store.session("h1").await.unwrap().is_none());
    assert_eq!(store.account(id).await.unwrap().unwrap().version, 2);
    assert!(matches!(
        store.change_account(AccountId(424_242), &crate::AccountChange::Disable, None).await,
        Err(crate::StorageError::NotFound)
    ));
    // Tokens: live until revoked, and only by their owner.
    let t = store.create_token(id, "báo cáo", "th", &AuditEvent::new("token.create", Outcome::Ok)).await.unwrap();
    assert_eq!(store.token("th").await.unwrap().unwrap().1.id, id);
    let other = AccountId(an_account(store, "hoa").await);
    assert!(!store.revoke_token(other, t, &AuditEvent::new("token.revoke", Outcome::Ok)).await.unwrap());
    assert!(store.revoke_token(id, t, &AuditEvent::new("token.revoke", Outcome::Ok)).await.unwrap());
    assert!(store.token("th").await.unwrap().is_none());
    assert_eq!(store.list_tokens(id).await.unwrap().len(), 1);
    // Throttle rows.
    let st = crate::ThrottleState { failures: 3, window_start: now, locked_until: now + time::Duration::seconds(4) };
    store.put_throttle("user:lan", &st).await.unwrap();
    assert_eq!(store.throttle("user:lan").await.unwrap(), Some(st));
    store.clear_throttle("user:lan").await.unwrap();
    assert_eq!(store.throttle("user:lan").await.unwrap(), None);
    // A read-and-rewrite: the function sees what is stored and its result is kept.
    let bump = |t: Option<crate::ThrottleState>| crate::ThrottleState { failures: t.map_or(0, |t| t.failures) + 1, ..st };
    assert_eq!(store.update_throttle("second_factor:1", &bump).await.unwrap(), None);
    assert_eq!(store.update_throttle("second_factor:1", &bump).await.unwrap().map(|t| t.failures), Some(1));
    assert_eq!(store.throttle("second_factor:1").await.unwrap().map(|t| t.failures), Some(2));
}

pub async fn the_audit_chain_links_and_verifies(store: &dyn Store) {
    migrated(store).await;
    for i in 0..20 {
        let e = AuditEvent::new("child.read", Outcome::Ok).record("child", i).fields(&["full_name", "hiv_status"]);
        store.audit(&e).await.unwrap();
    }
    let chain = store.audit_chain().await.unwrap();
    assert_eq!(treem_domain::audit::verify_chain(&chain), Ok(20));
    let page = store.audit_entries(&crate::AuditFilter { record_key: Some("7".into()), limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(page.len(), 1);
    assert_eq!(page[0].event.fields, vec!["full_name", "hiv_status"]);
    let at_19 = chain.iter().find(|e| e.id == 19).map(|e| treem_domain::audit::parse_timestamp_text(&e.at).unwrap());
    let newest = store
        .audit_entries(&crate::AuditFilter { action_prefix: Some("child.".into()), before_at: at_19, limit: 5, ..Default::default() })
        .await
        .unwrap();
    assert_eq!(newest.iter().map(|e| e.id).collect::<Vec<_>>(), vec![19, 18, 17, 16, 15]);
    // Entries of a sensitive class are left out for a view that does not see it.
    let hidden = AuditEvent::new("child.update", Outcome::Ok)
        .record("child", 7)
        .fields(&["hiv_status"])
        .class(Some(treem_domain::access::SensitiveKind::HivStatus));
    store.audit(&hidden).await.unwrap();
    let about_7 = |visible| crate::AuditFilter { record_key: Some("7".into()), visible, limit: 10, ..Default::default() };
    let police = treem_domain::access::Role::PoliceLiaison.visibility();
    assert_eq!(store.audit_entries(&about_7(Some(police))).await.unwrap().len(), 1);
    assert_eq!(store.audit_entries(&about_7(Some(treem_domain::access::Visibility::NONE))).await.unwrap().len(), 1);
    let all = store.audit_entries(&about_7(None)).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].event.sensitivity, Some(treem_domain::access::SensitiveKind::HivStatus), "the class is stored");
    let seen = store.audit_entries(&about_7(Some(treem_domain::access::Visibility::ALL))).await.unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(treem_domain::audit::verify_chain(&store.audit_chain().await.unwrap()), Ok(21), "the class is chained and verifies");
    let none = store.audit_entries(&crate::AuditFilter { action_prefix: Some("%".into()), limit: 5, ..Default::default() }).await.unwrap();
    assert!(none.is_empty(), "a percent sign matches only itself");
}

pub async fn indicator_definitions_are_revisioned_with_their_audit(store: &dyn Store) {
    migrated(store).await;
    let by = an_account(store, "tinh").await;
    let row = |document: &str| crate::IndicatorRow {
        code: "incidents.drowning".into(),
        document: document.into(),
        revision: 0,
        saved_by: None,
        saved_at: String::new(),
    };
    let audit = |n: i64| AuditEvent::new("indicator.save", Outcome::Ok).record("indicator", n);
    assert_eq!(store.save_indicator_definition(&row("{\"v\":1}"), 0, by, &audit(1)).await.unwrap(), 1);
    // A second first save, and a stale revision, are conflicts that write nothing.
    for base in [0, 2] {
        let refused = store.save_indicator_definition(&row("{\"v\":9}"), base, by, &audit(9)).await;
        assert!(matches!(refused, Err(crate::StorageError::Conflict(_))), "{base}: {refused:?}");
    }
    assert_eq!(store.save_indicator_definition(&row("{\"v\":2}"), 1, by, &audit(2)).await.unwrap(), 2);
    let all = store.indicator_definitions().await.unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].document.as_str(), all[0].revision, all[0].saved_by), ("{\"v\":2}", 2, Some(by)));
    assert!(all[0].saved_at.ends_with('Z'), "{}", all[0].saved_at);
    let entries = store
        .audit_entries(&crate::AuditFilter { action_prefix: Some("indicator.".into()), limit: 10, ..Default::default() })
        .await
        .unwrap();
    let keys: Vec<_> = entries.iter().filter_map(|e| e.event.record_key.clone()).collect();
    assert_eq!(keys, vec!["2", "1"]);
    // A whole action matches itself only, a prefix of it nothing.
    let exact = |a: &str| crate::AuditFilter { action_prefix: Some(a.into()), action_exact: true, limit: 10, ..Default::default() };
    assert_eq!(store.audit_entries(&exact("indicator.save")).await.unwrap().len(), 2);
    assert!(store.audit_entries(&exact("indicator.sav")).await.unwrap().is_empty());
    assert!(store.audit_entries(&exact("indicator.")).await.unwrap().is_empty());
}

pub async fn children_are_stored_read_with_audit_and_versioned(store: &dyn Store) {
    with_real_units(store).await;
    let by = an_account(store, "worker").await;
    let c = store.load_units().await.unwrap();
    let commune = c.by_code_on("29884", date!(2025 - 07 - 01)).unwrap().id;
    let input = treem_domain::child::ChildInput {
        full_name: "Nguyễn Thị Ánh".into(),
        sex: "female".into(),
        birth_date: "2016-02-29".into(),
        residence_unit_id: commune.0.to_string(),
        registered_on: "2025-08-01".into(),
        hiv_status: "exposed".into(),
        ..Default::default()
    };
    let fields = treem_domain::child::check_child(&input, &c, date!(2026 - 01 - 01)).unwrap();
    let id = store.create_child(&fields, by, &[AuditEvent::new("child.create", Outcome::Ok).record("child", "")]).await.unwrap();
    let read = AuditEvent::new("child.read", Outcome::Ok).record("child", id).fields(&["hiv_status"]);
    let child = store.child(id, Some(&read)).await.unwrap().unwrap();
    assert_eq!(child.full_name, "Nguyễn Thị Ánh");
    assert_eq!(child.birth_date, date!(2016 - 02 - 29));
    assert_eq!(child.hiv_status, Some(treem_domain::child::HivStatus::Exposed));
    let chain = store.audit_chain().await.unwrap();
    assert_eq!(chain.iter().filter(|e| e.event.action == "child.read").count(), 1);
    assert_eq!(chain.iter().find(|e| e.event.action == "child.create").unwrap().event.record_key.as_deref(), Some(id.to_string().as_str()));
    // Lists filter by unit and by an escaped name pattern.
    let q = |units: Vec<UnitId>, name: Option<&str>| crate::ChildQuery {
        units,
        name_contains: name.map(str::to_owned),
        after_id: None,
        limit: 50,
        ..Default::default()
    };
    assert_eq!(store.list_children(&q(vec![commune], None)).await.unwrap().len(), 1);
    assert_eq!(store.list_children(&q(vec![commune], Some("thi anh"))).await.unwrap().len(), 1);
    let only = |ids: Vec<i64>| crate::ChildQuery { ids: Some(ids), ..q(vec![commune], None) };
    assert_eq!(store.list_children(&only(vec![id])).await.unwrap().len(), 1);
    assert!(store.list_children(&only(vec![id + 1000])).await.unwrap().is_empty());
    assert!(store.list_children(&only(vec![])).await.unwrap().is_empty());
    assert!(store.list_children(&q(vec![commune], Some("%"))).await.unwrap().is_empty());
    assert!(store.list_children(&q(vec![UnitId(1)], None)).await.unwrap().is_empty());
    assert!(store.list_children(&q(vec![], None)).await.unwrap().is_empty());
    // The register-book order: given name, then family, then middle names; pages follow it.
    for name in ["Trần Văn Bình", "Lê Thị An", "Nguyễn Văn Đức", "Trần Thị An", "Bùi Văn Dũng"] {
        let more = treem_domain::child::check_child(
            &treem_domain::child::ChildInput { full_name: name.into(), ..input.clone() },
            &c,
            date!(2026 - 01 - 01),
        )
        .unwrap();
        store.create_child(&more, by, &[]).await.unwrap();
    }
    let names = |page: Vec<treem_domain::child::Child>| page.into_iter().map(|c| c.full_name).collect::<Vec<_>>();
    let order = ["Lê Thị An", "Trần Thị An", "Nguyễn Thị Ánh", "Trần Văn Bình", "Bùi Văn Dũng", "Nguyễn Văn Đức"];
    let all = store.list_children(&q(vec![commune], None)).await.unwrap();
    assert_eq!(names(all.clone()), order);
    let first = store.list_children(&crate::ChildQuery { limit: 2, ..q(vec![commune], None) }).await.unwrap();
    assert_eq!(names(first.clone()), order[..2]);
    let next = crate::ChildQuery { limit: 3, after_id: first.last().map(|c| c.id), ..q(vec![commune], None) };
    assert_eq!(names(store.list_children(&next).await.unwrap()), order[2..5]);
    // A drill-down's ids are listed in the same order.
    let ids: Vec<i64> = all.iter().map(|c| c.id).collect();
    assert_eq!(names(store.list_children(&only(ids)).await.unwrap()), order);
    // Optimistic concurrency: the second writer with the old version is refused.
    use treem_domain::access::{Role, Visibility};
    use treem_domain::child::ChangedParts;
    let write = [AuditEvent::new("child.update", Outcome::Ok).record("child", id).fields(&["full_name"])];
    let mut renamed = fields.clone();
    renamed.full_name = "Nguyễn Thị Ánh Hồng".into();
    let core = ChangedParts { core: true, ..Default::default() };
    let update = |f, view, expected, changed| crate::ChildUpdate { fields: f, view, expected, changed };
    store.update_child(id, &update(&renamed, Visibility::ALL, 1, core), &write).await.unwrap();
    assert!(matches!(
        store.update_child(id, &update(&fields, Visibility::ALL, 1, core), &write).await,
        Err(crate::StorageError::Conflict(_))
    ));
    assert!(matches!(
        store.update_child(424_242, &update(&fields, Visibility::ALL, 1, core), &write).await,
        Err(crate::StorageError::NotFound)
    ));
    let stored = store.child(id, None).await.unwrap().unwrap();
    assert_eq!(stored.versions.core, 2);
    // A change of HIV status by a worker moves only its own counter: the version the
    // police liaison sees (it does not see HIV status) stays, and its edit keeps the status.
    let police = Role::PoliceLiaison.visibility();
    let seen_by_police = stored.versions.seen(police);
    let mut positive = renamed.clone();
    positive.hiv_status = Some(treem_domain::child::HivStatus::Positive);
    let hiv = ChangedParts { hiv: true, ..Default::default() };
    store.update_child(id, &update(&positive, Visibility::ALL, stored.versions.seen(Visibility::ALL), hiv), &write).await.unwrap();
    let after = store.child(id, None).await.unwrap().unwrap();
    assert_eq!((after.versions.core, after.versions.hiv), (2, 1));
    assert_eq!(after.versions.seen(police), seen_by_police, "a change the police cannot see does not move its version");
    assert_ne!(after.versions.seen(Visibility::ALL), stored.versions.seen(Visibility::ALL));
    // The police liaison's edit, from the version it saw, writes the core fields only.
    let mut by_police = renamed.clone();
    by_police.full_name = "Nguyễn Thị Ánh".into();
    by_police.hiv_status = None;
    store.update_child(id, &update(&by_police, police, seen_by_police, core), &write).await.unwrap();
    let last = store.child(id, None).await.unwrap().unwrap();
    assert_eq!(last.full_name, "Nguyễn Thị Ánh");
    assert_eq!(last.hiv_status, Some(treem_domain::child::HivStatus::Positive), "a class the writer does not see is kept as stored");
    // A stale full-view version is refused after a change it did not see.
    assert!(matches!(
        store.update_child(id, &update(&positive, Visibility::ALL, after.versions.seen(Visibility::ALL), core), &write).await,
        Err(crate::StorageError::Conflict(_))
    ));
    assert_eq!(treem_domain::audit::verify_chain(&store.audit_chain().await.unwrap()).map(|n| n > 0), Ok(true));
}

pub async fn cases_steps_tasks_and_referrals(store: &dyn Store) {
    use treem_domain::case::{CaseSource, CaseState, TaskKind};
    with_real_units(store).await;
    let by = an_account(store, "worker").await;
    let c = store.load_units().await.unwrap();
    let commune = c.by_code_on("29884", date!(2025 - 07 - 01)).unwrap().id;
    let input = treem_domain::child::ChildInput {
        full_name: "Lê Văn Tùng".into(),
        sex: "male".into(),
        birth_date: "2014-02-01".into(),
        residence_unit_id: commune.0.to_string(),
        registered_on: "2026-01-02".into(),
        ..Default::default()
    };
    let fields = treem_domain::child::check_child(&input, &c, date!(2026 - 02 - 01)).unwrap();
    let child = store.create_child(&fields, by, &[AuditEvent::new("child.create", Outcome::Ok)]).await.unwrap();
    let t0 = time::macros::datetime!(2026-02-02 08:00 UTC);
    let new = crate::NewCase {
        child_id: child,
        unit: commune,
        source: CaseSource::Hotline111,
        source_ref: Some("111-2026-0042".into()),
        reporter_name: Some("Người báo tin".into()),
        reporter_contact: None,
        summary: "Bị đánh".into(),
        urgent: true,
        received_at: t0,
        created_by: by,
    };
    let tasks = [(TaskKind::Verify, t0 + time::Duration::hours(12)), (TaskKind::EmergencyIntervention, t0 + time::Duration::hours(12))];
    let id = store.create_case(&new, &tasks, Some(by), &AuditEvent::new("case.create", Outcome::Ok).record("case", "")).await.unwrap();
    let k = store.case(id, None).await.unwrap().unwrap();
    assert_eq!((k.state, k.child_name.as_str(), k.version, k.received_at, k.urgent), (CaseState::Received, "Lê Văn Tùng", 1, t0, true));
    let q = |overdue: Option<time::OffsetDateTime>| crate::CaseQuery {
        units: vec![commune],
        state: None,
        overdue_at: overdue,
        ids: None,
        child: None,
        after_id: None,
        limit: 10,
    };
    assert_eq!(store.list_cases(&q(Some(t0 + time::Duration::hours(13)))).await.unwrap().len(), 1, "overdue after 12 hours");
    // Only one child's cases, when asked (the child's page).
    assert_eq!(store.list_cases(&crate::CaseQuery { child: Some(new.child_id), ..q(None) }).await.unwrap().len(), 1);
    assert!(store.list_cases(&crate::CaseQuery { child: Some(new.child_id + 1000), ..q(None) }).await.unwrap().is_empty());
    // A list of ids keeps only those (the drill-down's page); an empty list keeps none.
    let only = |ids: Vec<CaseId>| crate::CaseQuery { ids: Some(ids), ..q(None) };
    assert_eq!(store.list_cases(&only(vec![id, CaseId(id.0 + 1000)])).await.unwrap().len(), 1);
    assert!(store.list_cases(&only(vec![])).await.unwrap().is_empty());
    assert!(store.list_cases(&q(Some(t0 + time::Duration::hours(11)))).await.unwrap().is_empty());
    let step = crate::StepWrite {
        action: "verify",
        from: CaseState::Received,
        to: CaseState::Verified,
        note: Some("đã xác minh".into()),
        actor_id: by,
        at: t0 + time::Duration::hours(1),
        changes: crate::CaseChanges::default(),
        completes: vec![TaskKind::Verify],
        creates: vec![(TaskKind::InitialAssessment, t0 + time::Duration::hours(12))],
        assignee: Some(by),
    };
    store.apply_case_step(id, 1, &step, &AuditEvent::new("case.verify", Outcome::Ok)).await.unwrap();
    assert!(matches!(
        store.apply_case_step(id, 1, &step, &AuditEvent::new("case.verify", Outcome::Ok)).await,
        Err(crate::StorageError::Conflict(_))
    ));
    let tasks = store.case_tasks(id).await.unwrap();
    assert_eq!(tasks.len(), 3);
    assert!(tasks.iter().find(|t| t.kind == TaskKind::Verify).unwrap().done_at.is_some());
    let open = store.open_tasks(&crate::TaskQuery { units: vec![commune], assignee: Some(by), due_before: None, limit: 10 }).await.unwrap();
    assert_eq!(open.len(), 2);
    assert_eq!(store.case_steps(id).await.unwrap()[0].to, "verified");
    let counters = store.case_counters(&[commune], t0 + time::Duration::hours(13)).await.unwrap();
    assert!(counters.contains(&("verified".into(), 1)) && counters.contains(&("overdue_tasks".into(), 2)), "{counters:?}");
    // Interventions count toward the plan; referrals move only along their lifecycle.
    let i = store
        .add_intervention(
            id,
            "psychological_support",
            "Trung tâm Công tác xã hội",
            Some(date!(2026 - 03 - 01)),
            &AuditEvent::new("case.intervention", Outcome::Ok),
        )
        .await
        .unwrap();
    assert_eq!(store.case(id, None).await.unwrap().unwrap().interventions, 1);
    store.set_intervention(i, id, "cancelled", None, &AuditEvent::new("case.intervention", Outcome::Ok)).await.unwrap();
    assert_eq!(store.case(id, None).await.unwrap().unwrap().interventions, 0);
    let p = store
        .create_provider(
            "Trung tâm Công tác xã hội tỉnh",
            "social_work_centre",
            commune,
            None,
            &AuditEvent::new("provider.create", Outcome::Ok),
        )
        .await
        .unwrap();
    let r = store.create_referral(id, p, Some("tư vấn tâm lý"), &AuditEvent::new("referral.create", Outcome::Ok)).await.unwrap();
    store.set_referral(r, id, &["sent"], "declined", Some("hết chỗ"), &AuditEvent::new("referral.decline", Outcome::Ok)).await.unwrap();
    assert!(matches!(
        store.set_referral(r, id, &["sent"], "accepted", None, &AuditEvent::new("referral.accept", Outcome::Ok)).await,
        Err(crate::StorageError::Conflict(_))
    ));
    let refs = store.referrals(id).await.unwrap();
    assert_eq!((refs[0].status.as_str(), refs[0].reason.as_deref()), ("declined", Some("hết chỗ")));
    assert_eq!(treem_domain::audit::verify_chain(&store.audit_chain().await.unwrap()).map(|n| n > 5), Ok(true));
}

/// Instantiates the suite for a backend. `$store` is an async fn returning a
/// fresh, empty store wrapped in a guard that derefs to `dyn Store`.
#[macro_export]
macro_rules! conformance_tests {
    ($store:path) => {
        $crate::conformance_tests!(@each $store,
            migrations_apply_once,
            real_units_import_with_the_reform_mapping,
            refused_import_writes_nothing,
            reimport_is_idempotent_and_conflicts_are_refused,
            a_split_with_shares_is_stored_and_reaggregates,
            vietnamese_text_round_trips,
            accounts_sessions_and_tokens,
            the_audit_chain_links_and_verifies,
            children_are_stored_read_with_audit_and_versioned,
            cases_steps_tasks_and_referrals,
            cases_are_assigned_and_transferred_with_their_open_tasks,
            indicator_definitions_are_revisioned_with_their_audit,
            incidents_are_stored_under_their_id_and_read_with_audit,
            incidents_are_listed_by_unit_kind_and_day_in_id_order,
            incident_facts_count_by_unit_day_and_coded_fields,
            profiles_are_written_with_audit_and_read_back,
            dated_rows_are_added_ordered_and_ended_once,
            caregivers_and_consents_are_kept_per_child,
            households_are_upserted_by_unit_and_code_with_poverty_by_year,
            imports_are_all_or_nothing_and_idempotent,
            incident_imports_are_all_or_nothing_and_find_imported_children,
            case_imports_open_or_close_each_case_all_or_nothing,
            plans_are_inserted_then_replaced_by_code,
            unit_statuses_are_added_listed_and_ended,
            public_releases_are_kept_once_per_plan_and_year,
            reported_values_replace_by_key_and_batches_are_all_or_none,
            fund_movements_are_recorded_with_audit_and_listed_by_day,
            a_bulk_load_is_read_back_by_the_fact_readers,
            a_refused_bulk_load_writes_nothing,
            merged_records_leave_lists_and_facts_until_unmerged,
            write_notices_are_what_the_engine_promises,
            accounts_are_listed_and_sessions_touched_and_ended,
            interventions_and_providers_are_listed_as_stored,
            the_schema_is_described_alike_on_every_engine
        );
    };
    (@each $store:path, $($name:ident),*) => {
        $(
            #[tokio::test]
            async fn $name() {
                let Some(store) = $store().await else { return };
                $crate::conformance::$name(&*store).await;
            }
        )*
    };
}

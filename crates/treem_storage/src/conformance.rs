//! The conformance suite: the same storage behaviour demanded of every backend.
//! Each backend crate instantiates it with [`conformance_tests!`], on SQLite in
//! every `cargo test` and on PostgreSQL when `TREEM_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: a failure should stop loudly

use std::collections::{BTreeMap, BTreeSet};
use time::macros::date;
use treem_domain::bundled::admin_unit_files;
use treem_domain::unit_import::{parse_file, ParsedFiles};
use treem_domain::units::{UnitId, UnitLevel};

use crate::Store;

async fn migrated(store: &dyn Store) {
    store.migrate().await.unwrap();
}

async fn with_real_units(store: &dyn Store) {
    migrated(store).await;
    let files = admin_unit_files().unwrap();
    store.import_units(&files).await.unwrap().unwrap();
}

fn parse(files: &[(&str, &str)]) -> ParsedFiles {
    let mut p = ParsedFiles::default();
    for (name, text) in files {
        parse_file(name, text.as_bytes(), &mut p).unwrap();
    }
    p
}

pub async fn migrations_apply_once(store: &dyn Store) {
    let before = store.migration_status().await.unwrap();
    assert!(before.applied.is_empty());
    assert!(!before.pending.is_empty());
    let applied = store.migrate().await.unwrap();
    assert_eq!(applied, before.pending);
    assert!(
        store.migrate().await.unwrap().is_empty(),
        "a second migrate applies nothing"
    );
    let after = store.migration_status().await.unwrap();
    assert!(after.pending.is_empty());
    store.ping().await.unwrap();
}

pub async fn real_units_import_with_the_reform_mapping(store: &dyn Store) {
    with_real_units(store).await;
    let c = store.load_units().await.unwrap();
    let old_dt = c
        .by_code_on("87", date!(2013 - 12 - 31))
        .expect("old Đồng Tháp");
    let tien_giang = c
        .by_code_on("82", date!(2013 - 12 - 31))
        .expect("old Tiền Giang");
    let new_dt = c
        .by_code_on("82", date!(2025 - 07 - 01))
        .expect("new Đồng Tháp");
    assert_ne!(
        tien_giang.id, new_dt.id,
        "code 82 names two different units"
    );
    assert_eq!(tien_giang.name, "Tỉnh Tiền Giang");
    assert_eq!(new_dt.name, "Tỉnh Đồng Tháp");

    let old_communes: Vec<UnitId> = c
        .subtree_on(old_dt.id, date!(2025 - 06 - 30))
        .into_iter()
        .filter(|id| c.get(*id).unwrap().level == UnitLevel::Commune)
        .collect();
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
    assert_eq!(
        old_rolled[&old_dt.id] + old_rolled[&tien_giang.id],
        old_total
    );
    let fwd = c.reaggregate(&all_old, date!(2025 - 07 - 01), None);
    assert!(fwd.unmapped.is_empty());
    assert_eq!(fwd.total(), old_total);
    let new_rolled = c.roll_up(&fwd.counts, date!(2025 - 07 - 01));
    assert_eq!(
        new_rolled[&new_dt.id], old_total,
        "nothing lost, nothing counted twice"
    );
    // And back onto the 2013-era map, weighting merges by the old counts.
    let weights = all_old.iter().map(|(k, v)| (*k, *v)).collect();
    let back = c.reaggregate(&fwd.counts, date!(2013 - 12 - 31), Some(&weights));
    assert_eq!(back.total(), old_total);
    assert_eq!(
        back.counts, all_old,
        "weights equal to the original counts restore them exactly"
    );
}

pub async fn refused_import_writes_nothing(store: &dyn Store) {
    migrated(store).await;
    let units = "code,name,level,type,parent_code,valid_from,valid_to\n87,Tỉnh A,province,tinh,,2012-01-01,\n866,Huyện B,district,huyen,87,2012-01-01,\n";
    let bad = "code,name,level,type,parent_code,valid_from,valid_to\n29000,Xã C,commune,xa,999,2012-01-01,\n";
    let mut files = parse(&[("good.csv", units)]);
    parse_file("bad.csv", bad.as_bytes(), &mut files).unwrap();
    let errors = store.import_units(&files).await.unwrap().unwrap_err();
    assert_eq!(errors.0.len(), 1);
    assert_eq!(
        (errors.0[0].file.as_str(), errors.0[0].line),
        ("bad.csv", 2)
    );
    assert!(
        store.load_units().await.unwrap().units().is_empty(),
        "nothing half-imported"
    );
}

pub async fn reimport_is_idempotent_and_conflicts_are_refused(store: &dyn Store) {
    with_real_units(store).await;
    let files = admin_unit_files().unwrap();
    let again = store.import_units(&files).await.unwrap().unwrap();
    assert_eq!(again.units_added, 0);
    assert_eq!(again.units_unchanged, files.units.len());
    assert_eq!(again.successions_unchanged, files.successions.len());
    // Same code and start, different name: refused.
    let changed = parse(&[("x.csv", "code,name,level,type,parent_code,valid_from,valid_to\n87,Tỉnh Khác,province,tinh,,2012-01-01,2025-06-30\n")]);
    let e = store.import_units(&changed).await.unwrap().unwrap_err();
    assert_eq!(e.0[0].field.as_deref(), Some("name"));
    // Overlapping a stored unit's validity: refused.
    let overlap = parse(&[("y.csv", "code,name,level,type,parent_code,valid_from,valid_to\n87,Tỉnh Mới,province,tinh,,2025-01-01,\n")]);
    let e = store.import_units(&overlap).await.unwrap().unwrap_err();
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
    let summary = store.import_units(&files).await.unwrap().unwrap();
    assert_eq!(
        (
            summary.units_added,
            summary.parent_links_added,
            summary.successions_added
        ),
        (5, 3, 3)
    );
    let c = store.load_units().await.unwrap();
    let old = c.by_code_on("10", date!(2015 - 01 - 01)).unwrap();
    assert_eq!(c.get(old.id).unwrap().lat, None);
    assert_eq!(
        c.by_code_on("1", date!(2015 - 01 - 01)).unwrap().lat,
        Some(10.5)
    );
    let r = c.reaggregate(
        &BTreeMap::from([(old.id, 100)]),
        date!(2021 - 01 - 01),
        None,
    );
    let by_code: BTreeMap<&str, i64> = r
        .counts
        .iter()
        .map(|(id, n)| (c.get(*id).unwrap().code.as_str(), *n))
        .collect();
    assert_eq!(by_code, BTreeMap::from([("20", 25), ("21", 75)]));
    assert_eq!(r.estimated, vec![old.id]);
    let preds: BTreeSet<i64> = c
        .predecessors_of(c.by_code_on("21", date!(2021 - 01 - 01)).unwrap().id)
        .iter()
        .map(|s| s.share_ppm)
        .collect();
    assert_eq!(preds, BTreeSet::from([750_000]));
}

pub async fn vietnamese_text_round_trips(store: &dyn Store) {
    migrated(store).await;
    // Decomposed input is stored composed; the name reads back byte-identical.
    let nfd = "code,name,level,type,parent_code,valid_from,valid_to\n9,Tỉnh Nghe\u{0323}\u{0302} An,province,tinh,,2012-01-01,\n";
    store
        .import_units(&parse(&[("n.csv", nfd)]))
        .await
        .unwrap()
        .unwrap();
    let c = store.load_units().await.unwrap();
    assert_eq!(c.units()[0].name, "Tỉnh Nghệ An");
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
            vietnamese_text_round_trips
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

//! The register beyond the core record: profile, dated rows (circumstances, risks),
//! caregivers, consents, households and their poverty by year.

use time::macros::date;
use treem_domain::register::Consent;

use super::*;
use crate::{CaregiverRecord, ChildProfile, Dated, NewDated};

pub async fn profiles_are_written_with_audit_and_read_back(store: &dyn Store) {
    let u = with_small_units(store).await;
    let by = an_account(store, "xa").await;
    let child = a_child(store, by, u.east, "Phạm Thị D").await;
    assert_eq!(store.profile(child).await.unwrap(), ChildProfile::default(), "a new child has an empty profile");
    let h = store.upsert_household(u.east, "HGD-01", "Phạm Văn Cha", &ev("household.upsert")).await.unwrap();
    let p = ChildProfile {
        household_id: Some(h),
        disability: true,
        school_status: Some("in_school".into()),
        health_insurance: Some(true),
        birth_registered_on: Some(date!(2015 - 06 - 20)),
    };
    store.set_profile(child, &p, &ev("child.profile").record("child", child)).await.unwrap();
    assert_eq!(store.profile(child).await.unwrap(), p);
    assert_eq!(last_audit(store).await.event.action, "child.profile");
    assert_eq!(store.child(child, None).await.unwrap().unwrap().versions.core, 2, "a profile change moves the record's version");
    let cleared = ChildProfile { health_insurance: Some(false), ..ChildProfile::default() };
    store.set_profile(child, &cleared, &ev("child.profile")).await.unwrap();
    assert_eq!(store.profile(child).await.unwrap(), cleared);
    // No such child: not found, nothing written.
    let before = audit_actions(store).await.len();
    assert!(matches!(store.set_profile(424_242, &p, &ev("child.profile")).await, Err(crate::StorageError::NotFound)));
    assert_eq!(audit_actions(store).await.len(), before);
}

pub async fn dated_rows_are_added_ordered_and_ended_once(store: &dyn Store) {
    let u = with_small_units(store).await;
    let by = an_account(store, "xa").await;
    let child = a_child(store, by, u.east, "Võ Văn E").await;
    let other = a_child(store, by, u.east, "Võ Văn F").await;
    let row = |id, child_id, what, began_on| NewDated { id, child_id, what, began_on, ended_on: None };
    for table in [Dated::Circumstance, Dated::Risk] {
        let (late, early, theirs) = match table {
            Dated::Circumstance => (
                row(9_001, child, "dd", date!(2024 - 05 - 01)),
                row(3_001, child, "a", date!(2024 - 05 - 01)),
                row(5_001, other, "b", date!(2023 - 01 - 01)),
            ),
            Dated::Risk => (
                row(9_002, child, "bạo lực gia đình", date!(2024 - 01 - 02)),
                row(3_002, child, "bỏ học", date!(2024 - 09 - 01)),
                row(5_002, other, "lao động sớm", date!(2023 - 01 - 01)),
            ),
        };
        for r in [late, early, theirs] {
            assert_eq!(store.add_dated(table, &r, &ev("register.dated")).await.unwrap(), r.id, "{table:?}: the caller's id is kept");
            assert_eq!(last_audit(store).await.event.action, "register.dated");
        }
        let got = store.dated(table, child).await.unwrap();
        let order: Vec<_> = got.iter().map(|d| (d.id, d.what.as_str())).collect();
        // By first day, then id; only this child's rows.
        let want = if table == Dated::Circumstance {
            vec![(3_001, "a"), (9_001, "dd")]
        } else {
            vec![(9_002, "bạo lực gia đình"), (3_002, "bỏ học")]
        };
        assert_eq!(order, want, "{table:?}");
        assert!(got.iter().all(|d| d.ended_on.is_none()));
        let first = &got[0];
        // Ending: once, not before it began, not through another child.
        let before = audit_actions(store).await.len();
        let day_before = first.began_on.previous_day().unwrap();
        assert_conflict_writes_nothing(store, before, store.end_dated(table, child, first.id, day_before, &ev("register.end")).await).await;
        assert_conflict_writes_nothing(store, before, store.end_dated(table, other, first.id, first.began_on, &ev("register.end")).await)
            .await;
        store.end_dated(table, child, first.id, first.began_on, &ev("register.end")).await.unwrap();
        assert_eq!(last_audit(store).await.event.action, "register.end");
        let before = audit_actions(store).await.len();
        assert_conflict_writes_nothing(
            store,
            before,
            store.end_dated(table, child, first.id, date!(2026 - 01 - 01), &ev("register.end")).await,
        )
        .await;
        let after = store.dated(table, child).await.unwrap();
        assert_eq!(after[0].ended_on, Some(first.began_on), "{table:?}: a one-day period");
        assert_eq!(after[1].ended_on, None);
        assert!(store.dated(table, other).await.unwrap().iter().all(|d| d.ended_on.is_none()));
    }
    // A row the caller dated as ended from the start reads back ended.
    let closed = NewDated { id: 7_777, child_id: other, what: "c", began_on: date!(2020 - 01 - 01), ended_on: Some(date!(2020 - 12 - 31)) };
    store.add_dated(Dated::Circumstance, &closed, &ev("register.dated")).await.unwrap();
    let got = store.dated(Dated::Circumstance, other).await.unwrap();
    assert_eq!((got[0].id, got[0].ended_on), (7_777, Some(date!(2020 - 12 - 31))));
    // The same id twice is refused, and writes nothing.
    let before = audit_actions(store).await.len();
    assert_conflict_writes_nothing(store, before, store.add_dated(Dated::Circumstance, &closed, &ev("register.dated")).await).await;
}

pub async fn caregivers_and_consents_are_kept_per_child(store: &dyn Store) {
    let u = with_small_units(store).await;
    let by = an_account(store, "xa").await;
    let child = a_child(store, by, u.east, "Đặng Thị G").await;
    let other = a_child(store, by, u.east, "Đặng Văn H").await;
    let mother = CaregiverRecord {
        id: 0,
        name: "Đặng Thị Mẹ".into(),
        relation: "mother".into(),
        legal_representative: true,
        phone: Some("0912 345 678".into()),
    };
    let grand =
        CaregiverRecord {
            id: 0, name: "Đặng Văn Ông".into(), relation: "grandparent".into(), legal_representative: false, phone: None
        };
    let m = store.add_caregiver(child, &mother, &ev("caregiver.add")).await.unwrap();
    assert_eq!(last_audit(store).await.event.action, "caregiver.add");
    let g = store.add_caregiver(child, &grand, &ev("caregiver.add")).await.unwrap();
    store.add_caregiver(other, &grand, &ev("caregiver.add")).await.unwrap();
    assert_eq!(store.caregivers(child).await.unwrap(), vec![CaregiverRecord { id: m, ..mother }, CaregiverRecord { id: g, ..grand }]);
    assert_eq!(store.caregivers(other).await.unwrap().len(), 1);

    let consent =
        |kind, given_on| Consent { kind, given_by: "Đặng Thị Mẹ".into(), given_on, scope: "chia sẻ với trường học".into() };
    let c1 = store.add_consent(child, &consent("legal_representative", date!(2025 - 02 - 01)), by, &ev("consent.add")).await.unwrap();
    assert_eq!(last_audit(store).await.event.action, "consent.add");
    let c2 = store.add_consent(child, &consent("legal_basis", date!(2025 - 03 - 01)), by, &ev("consent.add")).await.unwrap();
    let got = store.consents(child).await.unwrap();
    assert_eq!(
        got.iter().map(|c| (c.id, c.kind.as_str(), c.given_on, c.withdrawn_on)).collect::<Vec<_>>(),
        vec![(c1, "legal_representative", date!(2025 - 02 - 01), None), (c2, "legal_basis", date!(2025 - 03 - 01), None)]
    );
    assert_eq!((got[0].given_by.as_str(), got[0].scope.as_str()), ("Đặng Thị Mẹ", "chia sẻ với trường học"));
    assert!(store.consents(other).await.unwrap().is_empty());
    // Withdrawal: once, not before it was given, not through another child.
    let before = audit_actions(store).await.len();
    assert_conflict_writes_nothing(store, before, store.withdraw_consent(child, c1, date!(2025 - 01 - 31), &ev("consent.withdraw")).await)
        .await;
    assert_conflict_writes_nothing(store, before, store.withdraw_consent(other, c1, date!(2025 - 06 - 01), &ev("consent.withdraw")).await)
        .await;
    store.withdraw_consent(child, c1, date!(2025 - 06 - 01), &ev("consent.withdraw")).await.unwrap();
    assert_eq!(last_audit(store).await.event.action, "consent.withdraw");
    let before = audit_actions(store).await.len();
    assert_conflict_writes_nothing(store, before, store.withdraw_consent(child, c1, date!(2025 - 07 - 01), &ev("consent.withdraw")).await)
        .await;
    let got = store.consents(child).await.unwrap();
    assert_eq!((got[0].withdrawn_on, got[1].withdrawn_on), (Some(date!(2025 - 06 - 01)), None));
}

pub async fn households_are_upserted_by_unit_and_code_with_poverty_by_year(store: &dyn Store) {
    let u = with_small_units(store).await;
    assert!(store.household(424_242).await.unwrap().is_none());
    let h = store.upsert_household(u.east, "HGD-01", "Nguyễn Văn Một", &ev("household.upsert")).await.unwrap();
    assert_eq!(last_audit(store).await.event.action, "household.upsert");
    // The same code in the same unit is the same household, its head renamed.
    assert_eq!(store.upsert_household(u.east, "HGD-01", "Nguyễn Thị Hai", &ev("household.upsert")).await.unwrap(), h);
    let west = store.upsert_household(u.west, "HGD-01", "Lê Văn Ba", &ev("household.upsert")).await.unwrap();
    assert_ne!(west, h, "codes are per unit");
    assert_eq!(audit_actions(store).await.iter().filter(|a| *a == "household.upsert").count(), 3);
    store.set_poverty(h, 2024, "poor", &ev("household.poverty")).await.unwrap();
    assert_eq!(last_audit(store).await.event.action, "household.poverty");
    store.set_poverty(h, 2022, "near_poor", &ev("household.poverty")).await.unwrap();
    store.set_poverty(h, 2024, "neither", &ev("household.poverty")).await.unwrap();
    let got = store.household(h).await.unwrap().unwrap();
    assert_eq!((got.id, got.code.as_str(), got.head_name.as_str(), got.unit), (h, "HGD-01", "Nguyễn Thị Hai", u.east));
    assert_eq!(got.poverty, vec![(2022, "near_poor".to_owned()), (2024, "neither".to_owned())], "oldest first, one status a year");
    assert!(store.household(west).await.unwrap().unwrap().poverty.is_empty());
}

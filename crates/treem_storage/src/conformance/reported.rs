//! Reported values (one per element, unit, year and sex; a batch all or none) and fund
//! movements (listed by day and id, filtered by period).

use time::macros::date;
use treem_domain::fund::FundMovement;

use super::*;
use crate::{FundFilter, ReportedFilter, ReportedRow};

fn value(element: &str, unit: UnitId, year: i32, sex: &str, value: i64) -> ReportedRow {
    ReportedRow {
        element: element.into(),
        unit,
        year,
        sex: sex.into(),
        value,
        note: format!("báo cáo {year}"),
        reported_by: 0,
        reported_at: None,
    }
}

pub async fn reported_values_replace_by_key_and_batches_are_all_or_none(store: &dyn Store) {
    let u = with_small_units(store).await;
    let by = an_account(store, "so").await;
    let rows = vec![
        (value("school.dropouts", u.east, 2024, "female", 7), ev("reported.save")),
        (value("school.dropouts", u.east, 2024, "male", 5), ev("reported.save")),
        (value("school.dropouts", u.west, 2023, "all", 3), ev("reported.save")),
        (value("birth.registered", u.east, 2024, "all", 40), ev("reported.save")),
    ];
    let before = audit_actions(store).await.len();
    assert_eq!(store.save_reported(&rows, by).await.unwrap(), vec![None; 4], "nothing replaced");
    let entries = store.audit_chain().await.unwrap().split_off(before);
    assert_eq!(entries.len(), 4, "one audit entry per row");
    assert_eq!(entries[0].event.fields, vec!["old=none", "new=7"]);
    // The same key replaces the value and says which it replaced.
    let again = vec![(value("school.dropouts", u.east, 2024, "female", 9), ev("reported.save"))];
    assert_eq!(store.save_reported(&again, by).await.unwrap(), vec![Some(7)]);
    assert_eq!(last_audit(store).await.event.fields, vec!["old=7", "new=9"]);
    // A batch with one bad row writes none of it.
    let before = audit_actions(store).await.len();
    let bad = vec![
        (value("school.dropouts", u.west, 2024, "all", 1), ev("reported.save")),
        (value("x", u.west, 2024, "all", -1), ev("reported.save")),
    ];
    assert!(store.save_reported(&bad, by).await.is_err());
    assert_eq!(audit_actions(store).await.len(), before);
    // By year, element, unit and sex; every filter narrows.
    let all = store.reported_values(&ReportedFilter::default()).await.unwrap();
    let keys: Vec<_> = all.iter().map(|r| (r.year, r.element.as_str(), r.unit, r.sex.as_str(), r.value)).collect();
    assert_eq!(
        keys,
        vec![
            (2023, "school.dropouts", u.west, "all", 3),
            (2024, "birth.registered", u.east, "all", 40),
            (2024, "school.dropouts", u.east, "female", 9),
            (2024, "school.dropouts", u.east, "male", 5),
        ]
    );
    assert!(all.iter().all(|r| r.reported_by == by && r.reported_at.is_some()), "the store sets who and when");
    assert_eq!(all[0].note, "báo cáo 2023");
    let count = |f: ReportedFilter| async move { store.reported_values(&f).await.unwrap().len() };
    assert_eq!(count(ReportedFilter { year: Some(2024), ..Default::default() }).await, 3);
    assert_eq!(count(ReportedFilter { element: Some("school.dropouts".into()), ..Default::default() }).await, 3);
    assert_eq!(count(ReportedFilter { units: Some(vec![u.west]), ..Default::default() }).await, 1);
    assert_eq!(count(ReportedFilter { units: Some(vec![]), ..Default::default() }).await, 0, "no units, no values");
    assert_eq!(
        count(ReportedFilter { year: Some(2024), element: Some("school.dropouts".into()), units: Some(vec![u.east, u.west]) }).await,
        2
    );
}

pub async fn fund_movements_are_recorded_with_audit_and_listed_by_day(store: &dyn Store) {
    let u = with_small_units(store).await;
    let by = an_account(store, "quy").await;
    let receipt = |unit, moved_on, amount| FundMovement {
        id: 0,
        unit,
        moved_on,
        direction: "receipt".into(),
        source: Some("domestic_donation".into()),
        purpose: None,
        amount,
        note: "Ủng hộ Tết".into(),
    };
    let paid = FundMovement {
        direction: "disbursement".into(),
        source: None,
        purpose: Some("scholarships".into()),
        ..receipt(u.province, date!(2025 - 03 - 01), 2_000_000)
    };
    let late = store.record_fund_movement(&receipt(u.east, date!(2025 - 09 - 02), 500_000), by, &ev("fund.record")).await.unwrap();
    let entry = last_audit(store).await;
    assert_eq!((entry.event.action.as_str(), entry.event.record_key), ("fund.record", Some(late.to_string())));
    let early = store.record_fund_movement(&paid, by, &ev("fund.record")).await.unwrap();
    let same_day = store.record_fund_movement(&receipt(u.west, date!(2025 - 03 - 01), 1), by, &ev("fund.record")).await.unwrap();
    // A receipt with a purpose is refused and leaves nothing.
    let before = audit_actions(store).await.len();
    let wrong = FundMovement { purpose: Some("campaigns".into()), ..receipt(u.east, date!(2025 - 01 - 01), 9) };
    assert!(store.record_fund_movement(&wrong, by, &ev("fund.record")).await.is_err());
    assert_eq!(audit_actions(store).await.len(), before);
    let all = store.fund_movements(&FundFilter::default()).await.unwrap();
    let mut first_two = vec![early, same_day];
    first_two.sort_unstable();
    assert_eq!(all.iter().map(|m| m.id).collect::<Vec<_>>(), [first_two, vec![late]].concat(), "by day, then id");
    assert_eq!(all.iter().find(|m| m.id == early).unwrap(), &FundMovement { id: early, ..paid });
    let ids = |f: FundFilter| async move { store.fund_movements(&f).await.unwrap().into_iter().map(|m| m.id).collect::<Vec<_>>() };
    assert_eq!(ids(FundFilter { from: Some(date!(2025 - 03 - 02)), to: None }).await, vec![late]);
    assert_eq!(ids(FundFilter { from: None, to: Some(date!(2025 - 03 - 01)) }).await.len(), 2, "inclusive");
    assert_eq!(ids(FundFilter { from: Some(date!(2025 - 09 - 02)), to: Some(date!(2025 - 09 - 02)) }).await, vec![late]);
}

//! Plans, unit statuses and public releases: what is saved reads back, in its order,
//! with its audit entry; a release is never replaced.

use time::macros::{date, datetime};

use super::*;
use crate::{PlanRow, PublicReleaseRow, UnitStatusRow};

fn plan(code: &str, period_from: i64, document: &str) -> PlanRow {
    PlanRow {
        code: code.into(),
        title_vi: format!("Kế hoạch {code}"),
        issued_year: period_from - 1,
        period_from,
        period_to: period_from + 4,
        document: document.into(),
        version: 0,
    }
}

pub async fn plans_are_inserted_then_replaced_by_code(store: &dyn Store) {
    migrated(store).await;
    assert!(store.plans().await.unwrap().is_empty());
    assert!(store.save_plan(&plan("KH-2026", 2026, "{\"v\":1}"), &ev("plan.save").record("plan", "KH-2026")).await.unwrap(), "new");
    assert_eq!(last_audit(store).await.event.action, "plan.save");
    assert!(store.save_plan(&plan("KH-2021", 2021, "{}"), &ev("plan.save")).await.unwrap());
    let mut changed = plan("KH-2026", 2026, "{\"v\":2}");
    changed.title_vi = "Chương trình bảo vệ trẻ em".into();
    assert!(!store.save_plan(&changed, &ev("plan.save")).await.unwrap(), "the same code replaces");
    assert_eq!(audit_actions(store).await, vec!["plan.save"; 3], "each save is audited");
    let got = store.plans().await.unwrap();
    // By first year of the period, then code.
    assert_eq!(got.iter().map(|p| (p.code.as_str(), p.version)).collect::<Vec<_>>(), vec![("KH-2021", 1), ("KH-2026", 2)]);
    assert_eq!(got[1], PlanRow { version: 2, ..changed });
}

pub async fn unit_statuses_are_added_listed_and_ended(store: &dyn Store) {
    let u = with_small_units(store).await;
    let by = an_account(store, "tinh").await;
    let status = |unit, kind: &str, valid_from| UnitStatusRow {
        id: 0,
        unit,
        kind: kind.into(),
        valid_from,
        valid_to: None,
        decision: "QĐ 12/2024".into(),
    };
    let later = store.add_unit_status(&status(u.east, "child_friendly", date!(2024 - 06 - 01)), by, &ev("unit_status.add")).await.unwrap();
    let entry = last_audit(store).await;
    assert_eq!(
        (entry.event.action.as_str(), entry.event.record_key),
        ("unit_status.add", Some(later.to_string())),
        "the audit key is the new id"
    );
    let earlier = store
        .add_unit_status(&status(u.west, "community_based_protection", date!(2023 - 01 - 01)), by, &ev("unit_status.add"))
        .await
        .unwrap();
    let got = store.unit_statuses().await.unwrap();
    assert_eq!(
        got,
        vec![
            UnitStatusRow { id: earlier, ..status(u.west, "community_based_protection", date!(2023 - 01 - 01)) },
            UnitStatusRow { id: later, ..status(u.east, "child_friendly", date!(2024 - 06 - 01)) },
        ],
        "oldest first"
    );
    assert!(store.end_unit_status(later, date!(2025 - 12 - 31), &ev("unit_status.end")).await.unwrap());
    assert_eq!(last_audit(store).await.event.action, "unit_status.end");
    let before = audit_actions(store).await.len();
    assert!(!store.end_unit_status(424_242, date!(2025 - 12 - 31), &ev("unit_status.end")).await.unwrap(), "no such status");
    assert_eq!(audit_actions(store).await.len(), before, "nothing written for a status that is not there");
    let got = store.unit_statuses().await.unwrap();
    assert_eq!((got[0].valid_to, got[1].valid_to), (None, Some(date!(2025 - 12 - 31))));
}

pub async fn public_releases_are_kept_once_per_plan_and_year(store: &dyn Store) {
    migrated(store).await;
    for code in ["KH-2026", "KH-2021"] {
        store.save_plan(&plan(code, 2021, "{}"), &ev("plan.save")).await.unwrap();
    }
    let release = |plan_code: &str, year, body: &str| PublicReleaseRow {
        plan_code: plan_code.into(),
        year,
        published_at: datetime!(2026-01-15 09:30:05 UTC),
        body: body.into(),
    };
    assert!(store.public_releases("KH-2026").await.unwrap().is_empty());
    assert!(store.add_public_release(&release("KH-2026", 2025, "{\"a\":1}"), &ev("release.publish")).await.unwrap());
    assert_eq!(last_audit(store).await.event.action, "release.publish");
    assert!(store.add_public_release(&release("KH-2026", 2024, "{\"a\":0}"), &ev("release.publish")).await.unwrap());
    assert!(store.add_public_release(&release("KH-2021", 2025, "{\"b\":1}"), &ev("release.publish")).await.unwrap());
    // The year already released: nothing written, not even the audit entry.
    let before = audit_actions(store).await.len();
    assert!(!store.add_public_release(&release("KH-2026", 2025, "{\"a\":2}"), &ev("release.publish")).await.unwrap());
    assert_eq!(audit_actions(store).await.len(), before);
    let got = store.public_releases("KH-2026").await.unwrap();
    assert_eq!(
        got,
        vec![release("KH-2026", 2024, "{\"a\":0}"), release("KH-2026", 2025, "{\"a\":1}")],
        "oldest year first, the first release kept"
    );
    assert_eq!(store.public_releases("KH-2021").await.unwrap().len(), 1);
}

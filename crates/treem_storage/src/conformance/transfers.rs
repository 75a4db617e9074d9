//! A case assigned to a worker and transferred to another commune: the open tasks follow
//! both, the assignment ends with the transfer, each transfer is kept, and a stale version
//! writes nothing.

use super::*;

pub async fn cases_are_assigned_and_transferred_with_their_open_tasks(store: &dyn Store) {
    use treem_domain::case::{CaseSource, TaskKind};
    let u = with_small_units(store).await;
    let by = an_account(store, "xa").await;
    let worker = an_account(store, "nguoi.lam").await;
    let child = a_child(store, by, u.east, "Đỗ Thị Mơ").await;
    let t0 = time::macros::datetime!(2026-02-02 08:00 UTC);
    let new = crate::NewCase {
        child_id: child,
        unit: u.east,
        source: CaseSource::Collaborator,
        source_ref: None,
        reporter_name: None,
        reporter_contact: None,
        summary: "Cháu bỏ học".into(),
        urgent: false,
        received_at: t0,
        created_by: by,
    };
    let tasks = [(TaskKind::Verify, t0 + time::Duration::hours(12))];
    let id = store.create_case(&new, &tasks, None, &ev("case.create")).await.unwrap();
    let open = |unit: UnitId, assignee: Option<i64>| crate::TaskQuery { units: vec![unit], assignee, due_before: None, limit: 10 };

    store.assign_case(id, 1, Some(worker), &ev("case.assign").record("case", id)).await.unwrap();
    assert_eq!(last_audit(store).await.event.action, "case.assign");
    let k = store.case(id, None).await.unwrap().unwrap();
    assert_eq!((k.assigned_to, k.assigned_name.as_deref(), k.version), (Some(worker), Some("Cán bộ"), 2));
    assert_eq!(store.open_tasks(&open(u.east, Some(worker))).await.unwrap().len(), 1, "the open task follows the assignment");

    // A stale version writes nothing, audit included; a missing case is NotFound.
    let before = audit_actions(store).await.len();
    assert!(matches!(store.assign_case(id, 1, None, &ev("case.assign")).await, Err(crate::StorageError::Conflict(_))));
    assert!(matches!(store.assign_case(CaseId(424_242), 1, None, &ev("case.assign")).await, Err(crate::StorageError::NotFound)));
    let move_west =
        crate::TransferWrite { to_unit: u.west, reason: "Gia đình chuyển nhà".into(), actor_id: by, at: t0 + time::Duration::days(3) };
    assert!(matches!(store.transfer_case(id, 1, &move_west, &ev("case.transfer")).await, Err(crate::StorageError::Conflict(_))));
    assert!(matches!(store.transfer_case(CaseId(424_242), 1, &move_west, &ev("case.transfer")).await, Err(crate::StorageError::NotFound)));
    assert_eq!(audit_actions(store).await.len(), before);
    assert!(store.case_transfers(id).await.unwrap().is_empty());

    store.transfer_case(id, 2, &move_west, &ev("case.transfer").record("case", id)).await.unwrap();
    assert_eq!(last_audit(store).await.event.action, "case.transfer");
    let k = store.case(id, None).await.unwrap().unwrap();
    assert_eq!((k.unit, k.assigned_to, k.version), (u.west, None, 3), "the case moves; the old commune's assignment ends");
    assert!(store.open_tasks(&open(u.east, None)).await.unwrap().is_empty(), "the open task left the old commune");
    let moved = store.open_tasks(&open(u.west, None)).await.unwrap();
    assert_eq!((moved.len(), moved[0].assignee), (1, None));
    let cases = |unit: UnitId| crate::CaseQuery {
        units: vec![unit],
        state: None,
        overdue_at: None,
        ids: None,
        child: None,
        after_id: None,
        limit: 10,
    };
    assert!(store.list_cases(&cases(u.east)).await.unwrap().is_empty());
    assert_eq!(store.list_cases(&cases(u.west)).await.unwrap().len(), 1);
    let log = store.case_transfers(id).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].from_unit, log[0].to_unit, log[0].reason.as_str(), log[0].at),
        (u.east, u.west, "Gia đình chuyển nhà", move_west.at)
    );
}

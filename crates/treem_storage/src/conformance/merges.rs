//! Merging duplicate records: a merged record leaves lists and facts, is found from the
//! record it was merged into, and comes back when the merge is undone.

use super::*;

pub async fn merged_records_leave_lists_and_facts_until_unmerged(store: &dyn Store) {
    let u = with_small_units(store).await;
    let by = an_account(store, "xa").await;
    let keep = a_child(store, by, u.east, "Ngô Thị K").await;
    let dup = a_child(store, by, u.east, "Ngô Thi K").await;
    let dup2 = a_child(store, by, u.east, "Ngô T. K").await;
    let listed = || async {
        let q = crate::ChildQuery { units: vec![u.east], limit: 50, ..Default::default() };
        store.list_children(&q).await.unwrap().into_iter().map(|c| c.id).collect::<Vec<_>>()
    };
    let in_facts = || async { store.child_records().await.unwrap().into_iter().map(|c| c.id).collect::<BTreeSet<_>>() };
    assert!(store.merged_into(keep).await.unwrap().is_empty());
    store.set_merged(dup2, Some(keep), &ev("child.merge").record("child", dup2)).await.unwrap();
    assert_eq!(last_audit(store).await.event.action, "child.merge");
    store.set_merged(dup, Some(keep), &ev("child.merge")).await.unwrap();
    assert_eq!(store.merged_into(keep).await.unwrap().iter().map(|c| c.id).collect::<Vec<_>>(), vec![dup, dup2], "in id order");
    assert_eq!(listed().await, vec![keep]);
    assert_eq!(in_facts().await, BTreeSet::from([keep]));
    assert!(store.child_records_of(&[dup]).await.unwrap().is_empty(), "a merged record is not counted");
    assert!(store.child(dup, None).await.unwrap().is_some(), "a merged record is still read by its id");
    // Not into itself, not a record that is not there: nothing written.
    let before = audit_actions(store).await.len();
    assert!(matches!(store.set_merged(keep, Some(keep), &ev("child.merge")).await, Err(crate::StorageError::NotFound)));
    assert!(matches!(store.set_merged(424_242, Some(keep), &ev("child.merge")).await, Err(crate::StorageError::NotFound)));
    assert_eq!(audit_actions(store).await.len(), before);
    // Undone: back in lists and facts, no longer under `keep`.
    store.set_merged(dup, None, &ev("child.unmerge")).await.unwrap();
    assert_eq!(last_audit(store).await.event.action, "child.unmerge");
    assert_eq!(store.merged_into(keep).await.unwrap().iter().map(|c| c.id).collect::<Vec<_>>(), vec![dup2]);
    assert_eq!(listed().await, vec![dup, keep], "in register order: Thi before Thị");
    assert_eq!(in_facts().await, BTreeSet::from([keep, dup]));
}

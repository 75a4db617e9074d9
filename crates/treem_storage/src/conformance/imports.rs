//! Bulk imports: all rows in one transaction or none, a second import of the same rows
//! adds nothing, households shared by code, one audit entry naming the batch.

use time::macros::date;

use super::*;
use crate::{CaregiverRecord, ImportBatch, ImportChild};

fn row(key: &str, name: &str, unit: UnitId, household: Option<&str>) -> ImportChild {
    ImportChild {
        key: key.into(),
        fields: child_fields(name, unit, treem_domain::child::Sex::Male, date!(2016 - 02 - 01), date!(2024 - 05 - 01)),
        household: household.map(|h| (h.to_owned(), "Lê Văn Chủ".to_owned(), Some((2024, "near_poor")))),
        circumstances: vec![(7_000_000 + name.len() as i64, "a", date!(2024 - 05 - 01))],
        caregiver: Some(CaregiverRecord {
            id: 0,
            name: "Lê Thị Mẹ".into(),
            relation: "mother".into(),
            legal_representative: true,
            phone: None,
        }),
    }
}

pub async fn imports_are_all_or_nothing_and_idempotent(store: &dyn Store) {
    let u = with_small_units(store).await;
    let by = an_account(store, "nhap").await;
    let batch = ImportBatch {
        file_name: "so-tre-em.xlsx".into(),
        checksum: "ab".repeat(32),
        children: vec![row("id:T1", "Lê Văn An", u.east, Some("H1")), row("id:T2", "Lê Thị Bé", u.east, Some("H1"))],
    };
    let before = audit_actions(store).await.len();
    let out = store.import_children(&batch, by, &ev("import.children").record("import", "")).await.unwrap();
    assert_eq!((out.added.len(), out.skipped.len(), out.households.len()), (2, 0, 1), "two children of one household");
    let entry = last_audit(store).await;
    assert_eq!((entry.event.action.as_str(), entry.event.record_key.clone()), ("import.children", Some(out.batch_id.to_string())));
    assert_eq!(audit_actions(store).await.len(), before + 1, "one audit entry for the whole file");
    let a = out.added[0];
    assert_eq!(store.child(a, None).await.unwrap().unwrap().full_name, "Lê Văn An");
    assert_eq!(store.profile(a).await.unwrap().household_id, Some(out.households[0]));
    assert_eq!(store.household(out.households[0]).await.unwrap().unwrap().poverty, vec![(2024, "near_poor".to_owned())]);
    assert_eq!(store.dated(crate::Dated::Circumstance, a).await.unwrap()[0].what, "a");
    assert_eq!(store.caregivers(a).await.unwrap()[0].name, "Lê Thị Mẹ");
    let mut keys = store.imported_keys(&["id:T2".into(), "id:T9".into(), "id:T1".into()]).await.unwrap();
    keys.sort();
    assert_eq!(keys, ["id:T1", "id:T2"]);
    // The same file again, with one new row: only that row is added.
    let mut again = batch.clone();
    again.children.push(row("id:T3", "Lê Văn Cường", u.west, None));
    let out2 = store.import_children(&again, by, &ev("import.children").record("import", "")).await.unwrap();
    assert_eq!((out2.added.len(), out2.skipped.clone()), (1, vec![0, 1]));
    let listed = store.import_batches(10).await.unwrap();
    assert_eq!(listed.iter().map(|b| (b.id, b.added, b.skipped)).collect::<Vec<_>>(), [(out2.batch_id, 1, 2), (out.batch_id, 2, 0)]);
    assert_eq!((listed[1].file_name.as_str(), listed[1].created_by), ("so-tre-em.xlsx", by));
    // A row the database refuses (a unit that does not exist) leaves nothing of the file.
    let chain = audit_actions(store).await.len();
    let bad = ImportBatch {
        file_name: "x.csv".into(),
        checksum: "cd".repeat(32),
        children: vec![row("id:T4", "Lê Văn Dũng", u.east, Some("H2")), row("id:T5", "Lê Văn Em", UnitId(987_654), None)],
    };
    assert!(store.import_children(&bad, by, &ev("import.children").record("import", "")).await.is_err());
    assert_eq!(audit_actions(store).await.len(), chain, "a refused import leaves no audit entry");
    assert!(store.imported_keys(&["id:T4".into()]).await.unwrap().is_empty(), "nor any of its rows");
    assert_eq!(store.import_batches(10).await.unwrap().len(), 2, "nor its batch");
}

//! Bulk imports: all rows in one transaction or none, a second import of the same rows
//! adds nothing, households shared by code, one audit entry naming the batch.

use time::macros::date;

use super::*;
use crate::{CaregiverRecord, ImportBatch, ImportChild, ImportIncident, IncidentImportBatch};
use treem_domain::incident::{IncidentFields, IncidentId, IncidentKind, InjuryKind};

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
    let mut keys = store.imported_keys("children", &["id:T2".into(), "id:T9".into(), "id:T1".into()]).await.unwrap();
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
    assert!(store.imported_keys("children", &["id:T4".into()]).await.unwrap().is_empty(), "nor any of its rows");
    assert_eq!(store.import_batches(10).await.unwrap().len(), 2, "nor its batch");
}

fn drowning(key: &str, id: i64, unit: UnitId, children: Vec<i64>) -> ImportIncident {
    ImportIncident {
        key: key.into(),
        id,
        fields: IncidentFields {
            kind: IncidentKind::Accident,
            occurred_on: date!(2025 - 06 - 01),
            unit,
            abuse_form: None,
            sexual_subtype: None,
            setting: None,
            relation: None,
            offence: None,
            justice_stage: None,
            justice_measure: None,
            injury: Some(InjuryKind::Drowning),
            fatal: true,
            notes: None,
            children,
            case_id: None,
        },
    }
}

pub async fn incident_imports_are_all_or_nothing_and_find_imported_children(store: &dyn Store) {
    let u = with_small_units(store).await;
    let by = an_account(store, "nhap.vv").await;
    let kids =
        ImportBatch { file_name: "so.csv".into(), checksum: "ef".repeat(32), children: vec![row("id:MN-1", "Lê Văn An", u.east, None)] };
    let child = store.import_children(&kids, by, &ev("import.children").record("import", "")).await.unwrap().added[0];
    assert_eq!(store.imported_children(&["id:MN-1".into(), "id:MN-9".into()]).await.unwrap(), [("id:MN-1".to_owned(), child)]);
    let batch = IncidentImportBatch {
        file_name: "vu-viec.xlsx".into(),
        checksum: "12".repeat(32),
        incidents: vec![drowning("id:V1", 8_100_001, u.east, vec![child]), drowning("row:x", 8_100_002, u.west, vec![child])],
    };
    let out = store.import_incidents(&batch, by, &ev("import.incidents").record("import", "")).await.unwrap();
    assert_eq!(out.added, [8_100_001, 8_100_002]);
    let stored = store.incident(IncidentId(8_100_001), None).await.unwrap().unwrap();
    assert_eq!((stored.fields.children.clone(), stored.fields.fatal), (vec![child], true));
    assert_eq!(last_audit(store).await.event.record_key, Some(out.batch_id.to_string()));
    assert_eq!(store.imported_keys("incidents", &["id:V1".into(), "id:MN-1".into()]).await.unwrap(), ["id:V1"], "keys are per kind");
    // Again with one new row: only it is added.
    let mut again = batch.clone();
    again.incidents.push(drowning("id:V3", 8_100_003, u.east, vec![child]));
    let out2 = store.import_incidents(&again, by, &ev("import.incidents").record("import", "")).await.unwrap();
    assert_eq!((out2.added.clone(), out2.skipped.clone()), (vec![8_100_003], vec![0, 1]));
    assert_eq!(store.import_batches(1).await.unwrap()[0].kind, "incidents");
    // A row the database refuses (a child that does not exist) leaves nothing of the file.
    let chain = audit_actions(store).await.len();
    let bad = IncidentImportBatch {
        file_name: "x.csv".into(),
        checksum: "34".repeat(32),
        incidents: vec![drowning("id:V4", 8_100_004, u.east, vec![child]), drowning("id:V5", 8_100_005, u.east, vec![987_654_321])],
    };
    assert!(store.import_incidents(&bad, by, &ev("import.incidents").record("import", "")).await.is_err());
    assert_eq!(audit_actions(store).await.len(), chain);
    assert!(store.incident(IncidentId(8_100_004), None).await.unwrap().is_none(), "nor any of its incidents");
    assert!(store.imported_keys("incidents", &["id:V4".into()]).await.unwrap().is_empty());
}

pub async fn case_imports_open_or_close_each_case_all_or_nothing(store: &dyn Store) {
    use crate::{CaseImportBatch, ImportCase, NewCase};
    use treem_domain::case::{CaseId, CaseSource, CaseState, TaskKind};
    let u = with_small_units(store).await;
    let by = an_account(store, "nhap.th").await;
    let kids =
        ImportBatch {
            file_name: "so.csv".into(), checksum: "ab".repeat(32), children: vec![row("id:TH-1", "Lê Văn Bình", u.east, None)]
        };
    let child = store.import_children(&kids, by, &ev("import.children").record("import", "")).await.unwrap().added[0];
    let t0 = time::macros::datetime!(2025-03-01 00:00 +7);
    let case = |key: &str, child_id: i64, closed: Option<(CaseState, time::OffsetDateTime, Option<String>)>| ImportCase {
        key: key.into(),
        case: NewCase {
            child_id,
            unit: u.east,
            source: CaseSource::School,
            source_ref: None,
            reporter_name: None,
            reporter_contact: None,
            summary: "Bỏ học".into(),
            urgent: false,
            received_at: t0,
            created_by: by,
        },
        tasks: if closed.is_some() { Vec::new() } else { vec![(TaskKind::Verify, t0 + time::Duration::days(1))] },
        closed,
    };
    let batch = CaseImportBatch {
        file_name: "truong-hop.xlsx".into(),
        checksum: "56".repeat(32),
        cases: vec![
            case("id:C1", child, None),
            case("id:C2", child, Some((CaseState::ClosedUnfounded, t0 + time::Duration::days(20), Some("Không có cơ sở".into())))),
        ],
    };
    let out = store.import_cases(&batch, by, &ev("import.cases").record("import", "")).await.unwrap();
    assert_eq!(out.added.len(), 2);
    let (open, closed) = (CaseId(out.added[0]), CaseId(out.added[1]));
    let k = store.case(open, None).await.unwrap().unwrap();
    assert_eq!((k.state, k.child_id, k.received_at, k.closed_at), (CaseState::Received, child, t0, None));
    let tasks = store.case_tasks(open).await.unwrap();
    assert_eq!(tasks.iter().map(|t| (t.kind, t.due_at)).collect::<Vec<_>>(), [(TaskKind::Verify, t0 + time::Duration::days(1))]);
    let c = store.case(closed, None).await.unwrap().unwrap();
    assert_eq!((c.state, c.closed_at), (CaseState::ClosedUnfounded, Some(t0 + time::Duration::days(20))));
    assert!(store.case_tasks(closed).await.unwrap().is_empty(), "a closed case has no tasks");
    let steps = store.case_steps(closed).await.unwrap();
    assert_eq!(
        steps.iter().map(|s| (s.action.as_str(), s.from.as_str(), s.to.as_str(), s.note.as_deref(), s.at)).collect::<Vec<_>>(),
        [("close_unfounded", "received", "closed_unfounded", Some("Không có cơ sở"), t0 + time::Duration::days(20))]
    );
    assert_eq!(last_audit(store).await.event.record_key, Some(out.batch_id.to_string()));
    assert_eq!(store.imported_keys("cases", &["id:C1".into(), "id:TH-1".into()]).await.unwrap(), ["id:C1"], "keys are per kind");
    // Again: nothing is added.
    let again = store.import_cases(&batch, by, &ev("import.cases").record("import", "")).await.unwrap();
    assert_eq!((again.added.len(), again.skipped.clone()), (0, vec![0, 1]));
    assert_eq!(store.import_batches(1).await.unwrap()[0].kind, "cases");
    // A row the database refuses (a child that does not exist) leaves nothing of the file.
    let chain = audit_actions(store).await.len();
    let bad = CaseImportBatch {
        file_name: "x.csv".into(),
        checksum: "78".repeat(32),
        cases: vec![case("id:C3", child, None), case("id:C4", 987_654_321, None)],
    };
    assert!(store.import_cases(&bad, by, &ev("import.cases").record("import", "")).await.is_err());
    assert_eq!(audit_actions(store).await.len(), chain);
    assert!(store.imported_keys("cases", &["id:C3".into()]).await.unwrap().is_empty());
    let q =
        crate::CaseQuery { units: vec![u.east], state: None, overdue_at: None, ids: None, child: Some(child), after_id: None, limit: 10 };
    assert_eq!(store.list_cases(&q).await.unwrap().len(), 2, "nor any of its cases");
}

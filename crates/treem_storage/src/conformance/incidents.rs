//! Incidents: stored under the caller's id with their children, read with an audit entry
//! in the same transaction, listed by unit, kind and day in id order, counted as facts.

use time::macros::date;
use treem_domain::incident::{
    AbuseForm, IncidentFields, IncidentId, IncidentKind, InjuryKind, JusticeMeasure, JusticeStage, Relation, Setting,
};
use treem_domain::indicator::Fact;

use super::*;
use crate::IncidentQuery;

fn abuse(unit: UnitId, on: time::Date, children: Vec<i64>) -> IncidentFields {
    IncidentFields {
        kind: IncidentKind::Abuse,
        occurred_on: on,
        unit,
        abuse_form: Some(AbuseForm::Violence),
        sexual_subtype: None,
        setting: Some(Setting::Family),
        relation: Some(Relation::StepParent),
        offence: None,
        justice_stage: None,
        justice_measure: None,
        injury: None,
        fatal: false,
        notes: Some("Bị đánh bằng roi".into()),
        children,
        case_id: None,
    }
}

fn drowning(unit: UnitId, on: time::Date) -> IncidentFields {
    IncidentFields {
        kind: IncidentKind::Accident,
        abuse_form: None,
        setting: None,
        relation: None,
        notes: None,
        injury: Some(InjuryKind::Drowning),
        fatal: true,
        ..abuse(unit, on, vec![])
    }
}

fn offence(unit: UnitId, on: time::Date, child: i64) -> IncidentFields {
    IncidentFields {
        kind: IncidentKind::ConflictWithLaw,
        abuse_form: None,
        setting: None,
        relation: None,
        notes: None,
        offence: Some("Trộm cắp tài sản".into()),
        justice_stage: Some(JusticeStage::Procuracy),
        justice_measure: Some(JusticeMeasure::Diversion),
        ..abuse(unit, on, vec![child])
    }
}

pub async fn incidents_are_stored_under_their_id_and_read_with_audit(store: &dyn Store) {
    let u = with_small_units(store).await;
    let by = an_account(store, "xa").await;
    let a = a_child(store, by, u.east, "Trần Văn A").await;
    let b = a_child(store, by, u.east, "Trần Thị B").await;
    let f = abuse(u.east, date!(2025 - 03 - 04), vec![a, b]);
    let id = store.create_incident(&f, IncidentId(7_340_111), by, &ev("incident.create").record("incident", "")).await.unwrap();
    assert_eq!(id, IncidentId(7_340_111), "the caller's id is kept");
    let created = last_audit(store).await;
    assert_eq!((created.event.action.as_str(), created.event.record_key.as_deref()), ("incident.create", Some("7340111")));
    // Every field reads back as written, the children in id order.
    let got = store.incident(id, None).await.unwrap().unwrap();
    let mut want = f.clone();
    want.children.sort_unstable();
    assert_eq!((got.id, got.version), (id, 1));
    assert_eq!(got.fields, want);
    let o = store.create_incident(&offence(u.west, date!(2025 - 04 - 01), a), IncidentId(12), by, &ev("incident.create")).await.unwrap();
    assert_eq!(store.incident(o, None).await.unwrap().unwrap().fields, offence(u.west, date!(2025 - 04 - 01), a));
    // A read without an event writes nothing; with one, it is in the chain.
    let before = audit_actions(store).await.len();
    assert!(store.incident(IncidentId(424_242), None).await.unwrap().is_none());
    assert_eq!(audit_actions(store).await.len(), before);
    store.incident(id, Some(&ev("incident.read").record("incident", id))).await.unwrap().unwrap();
    let read = last_audit(store).await;
    assert_eq!((read.event.action.as_str(), read.event.record_key.as_deref()), ("incident.read", Some("7340111")));
    // The same id twice is refused, and writes nothing.
    let before = audit_actions(store).await.len();
    let again = store.create_incident(&drowning(u.east, date!(2025 - 05 - 01)), id, by, &ev("incident.create")).await;
    assert_conflict_writes_nothing(store, before, again).await;
    assert_eq!(store.incident(id, None).await.unwrap().unwrap().fields.kind, IncidentKind::Abuse);
}

pub async fn incidents_are_listed_by_unit_kind_and_day_in_id_order(store: &dyn Store) {
    let u = with_small_units(store).await;
    let by = an_account(store, "xa").await;
    let child = a_child(store, by, u.west, "Lê Văn C").await;
    for (id, f) in [
        (900, abuse(u.east, date!(2025 - 01 - 10), vec![])),
        (300, drowning(u.east, date!(2025 - 06 - 30))),
        (600, abuse(u.east, date!(2025 - 07 - 01), vec![])),
        (100, offence(u.west, date!(2025 - 02 - 01), child)),
    ] {
        store.create_incident(&f, IncidentId(id), by, &ev("incident.create")).await.unwrap();
    }
    let all_kinds = vec![IncidentKind::Abuse, IncidentKind::ConflictWithLaw, IncidentKind::Accident];
    let q = |units: Vec<UnitId>| IncidentQuery { units, kinds: all_kinds.clone(), limit: 50, ..Default::default() };
    let ids = |v: Vec<crate::IncidentRecord>| v.into_iter().map(|r| r.id.0).collect::<Vec<_>>();
    assert_eq!(ids(store.list_incidents(&q(vec![u.east])).await.unwrap()), vec![300, 600, 900], "id order, not insertion order");
    assert_eq!(ids(store.list_incidents(&q(vec![u.east, u.west])).await.unwrap()), vec![100, 300, 600, 900]);
    assert_eq!(ids(store.list_incidents(&q(vec![u.province])).await.unwrap()), Vec::<i64>::new(), "units are not widened to a subtree");
    assert!(store.list_incidents(&q(vec![])).await.unwrap().is_empty(), "no units, no incidents");
    let kinds = |kinds| IncidentQuery { kinds, ..q(vec![u.east, u.west]) };
    assert_eq!(ids(store.list_incidents(&kinds(vec![IncidentKind::Abuse])).await.unwrap()), vec![600, 900]);
    assert_eq!(
        ids(store.list_incidents(&kinds(vec![IncidentKind::ConflictWithLaw, IncidentKind::Accident])).await.unwrap()),
        vec![100, 300]
    );
    assert!(store.list_incidents(&kinds(vec![])).await.unwrap().is_empty(), "no kinds, no incidents");
    // Days are inclusive at both ends.
    let days = |from, to| IncidentQuery { from, to, ..q(vec![u.east, u.west]) };
    assert_eq!(ids(store.list_incidents(&days(Some(date!(2025 - 02 - 01)), Some(date!(2025 - 06 - 30)))).await.unwrap()), vec![100, 300]);
    assert_eq!(ids(store.list_incidents(&days(Some(date!(2025 - 07 - 01)), None)).await.unwrap()), vec![600]);
    assert_eq!(ids(store.list_incidents(&days(None, Some(date!(2025 - 01 - 10)))).await.unwrap()), vec![900]);
    // Pages: after an id, at most `limit`.
    let page = IncidentQuery { after_id: Some(IncidentId(100)), limit: 2, ..q(vec![u.east, u.west]) };
    assert_eq!(ids(store.list_incidents(&page).await.unwrap()), vec![300, 600]);
    let listed = store.list_incidents(&q(vec![u.west])).await.unwrap();
    assert_eq!(listed[0].fields.children, vec![child], "a listed incident carries its children");
    // Only the incidents a child is linked to, when asked (the child's page).
    let of = |c: i64| IncidentQuery { child: Some(c), ..q(vec![u.east, u.west]) };
    assert_eq!(ids(store.list_incidents(&of(child)).await.unwrap()), vec![100]);
    assert!(store.list_incidents(&of(child + 1000)).await.unwrap().is_empty());
}

pub async fn incident_facts_count_by_unit_day_and_coded_fields(store: &dyn Store) {
    let u = with_small_units(store).await;
    let by = an_account(store, "xa").await;
    let day = date!(2025 - 03 - 04);
    assert!(store.incident_facts().await.unwrap().is_empty());
    let same = abuse(u.east, day, vec![]);
    let mut other_note = same.clone();
    other_note.notes = Some("khác".into());
    for (id, f) in [
        (1, same.clone()),
        (2, other_note),
        (3, drowning(u.east, day)),
        (4, abuse(u.west, day, vec![])),
        (5, abuse(u.east, date!(2025 - 03 - 05), vec![])),
    ] {
        store.create_incident(&f, IncidentId(id), by, &ev("incident.create")).await.unwrap();
    }
    let mut got = store.incident_facts().await.unwrap();
    let key = |f: &Fact| (f.unit, f.day, f.codes, f.count);
    got.sort_by_key(key);
    let with = |f: &IncidentFields, n| Fact { count: n, ..Fact::of_incident(f) };
    let mut want = vec![
        with(&same, 2), // notes are not a coded field: both count together
        with(&drowning(u.east, day), 1),
        with(&abuse(u.west, day, vec![]), 1),
        with(&abuse(u.east, date!(2025 - 03 - 05), vec![]), 1),
    ];
    want.sort_by_key(key);
    assert_eq!(got, want);
}

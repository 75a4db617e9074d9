//! What the older functions of the suite left out: the account list, session touch and
//! sign-out, interventions and providers as listed, the engine and its schema.

use time::macros::date;

use super::*;

pub async fn accounts_are_listed_and_sessions_touched_and_ended(store: &dyn Store) {
    migrated(store).await;
    let lan = an_account(store, "lan").await;
    let an = an_account(store, "an").await;
    let names: Vec<_> = store.list_accounts().await.unwrap().into_iter().map(|a| (a.username, a.id.0)).collect();
    assert_eq!(names, vec![("an".to_owned(), an), ("lan".to_owned(), lan)], "by username");
    let t0 = time::macros::datetime!(2026-02-02 08:00 UTC);
    let s = crate::NewSession { token_hash: "h1".into(), account_id: AccountId(lan), csrf_token: "c".into(), mfa_passed: true, now: t0 };
    store.create_session(&s, &ev("session.login")).await.unwrap();
    let id = store.session("h1").await.unwrap().unwrap().id;
    let later = t0 + time::Duration::minutes(10);
    store.touch_session(id, later).await.unwrap();
    let got = store.session("h1").await.unwrap().unwrap();
    assert_eq!((got.created_at, got.last_seen_at), (t0, later));
    // Purging by last sight now keeps it, since it was touched.
    assert_eq!(store.purge_sessions(t0 - time::Duration::hours(1), t0 + time::Duration::minutes(5)).await.unwrap(), 0);
    let before = audit_actions(store).await.len();
    store.delete_session(id, None).await.unwrap();
    assert_eq!(audit_actions(store).await.len(), before, "an expiry is not audited");
    assert!(store.session("h1").await.unwrap().is_none());
    store.create_session(&crate::NewSession { token_hash: "h2".into(), ..s }, &ev("session.login")).await.unwrap();
    let id = store.session("h2").await.unwrap().unwrap().id;
    store.delete_session(id, Some(&ev("session.logout"))).await.unwrap();
    assert_eq!(last_audit(store).await.event.action, "session.logout");
    assert!(store.session("h2").await.unwrap().is_none());
}

pub async fn interventions_and_providers_are_listed_as_stored(store: &dyn Store) {
    use treem_domain::case::CaseSource;
    let u = with_small_units(store).await;
    let by = an_account(store, "xa").await;
    let child = a_child(store, by, u.east, "Bùi Văn M").await;
    let new = crate::NewCase {
        child_id: child,
        unit: u.east,
        source: CaseSource::School,
        source_ref: None,
        reporter_name: None,
        reporter_contact: None,
        summary: "Nghỉ học".into(),
        urgent: false,
        received_at: time::macros::datetime!(2026-02-02 08:00 UTC),
        created_by: by,
    };
    let case = store.create_case(&new, &[], Some(by), &ev("case.create")).await.unwrap();
    assert!(store.interventions(case).await.unwrap().is_empty());
    let a =
        store.add_intervention(case, "legal_aid", "Trợ giúp pháp lý", Some(date!(2026 - 03 - 01)), &ev("case.intervention")).await.unwrap();
    assert_eq!(last_audit(store).await.event.action, "case.intervention");
    let b = store.add_intervention(case, "health_care", "Trạm y tế", None, &ev("case.intervention")).await.unwrap();
    store.set_intervention(b, case, "done", Some("đã khám"), &ev("case.intervention")).await.unwrap();
    let got = store.interventions(case).await.unwrap();
    let shape: Vec<_> =
        got.iter().map(|i| (i.id, i.kind.as_str(), i.responsible.as_str(), i.due_on, i.status.as_str(), i.outcome.as_deref())).collect();
    assert_eq!(
        shape,
        vec![
            (a, "legal_aid", "Trợ giúp pháp lý", Some(date!(2026 - 03 - 01)), "planned", None),
            (b, "health_care", "Trạm y tế", None, "done", Some("đã khám")),
        ]
    );
    assert!(got[1].version > got[0].version, "a change moves the version");
    assert!(store.providers().await.unwrap().is_empty());
    let p1 =
        store.create_provider("Trung tâm CTXH", "social_work_centre", u.province, Some("0210 111"), &ev("provider.create")).await.unwrap();
    let p2 = store.create_provider("Trường THCS", "school", u.east, None, &ev("provider.create")).await.unwrap();
    let got: Vec<_> = store.providers().await.unwrap().into_iter().map(|p| (p.id, p.name, p.kind, p.unit, p.phone)).collect();
    assert_eq!(
        got,
        vec![
            (p1, "Trung tâm CTXH".to_owned(), "social_work_centre".to_owned(), u.province, Some("0210 111".to_owned())),
            (p2, "Trường THCS".to_owned(), "school".to_owned(), u.east, None),
        ]
    );
}

pub async fn the_schema_is_described_alike_on_every_engine(store: &dyn Store) {
    assert!(matches!(store.backend(), crate::Backend::Sqlite | crate::Backend::Postgres));
    assert_eq!(store.backend().as_str(), if store.backend() == crate::Backend::Sqlite { "sqlite" } else { "postgres" });
    migrated(store).await;
    let s = store.describe_schema().await.unwrap();
    for t in [
        "admin_unit",
        "account",
        "child",
        "child_case",
        "incident",
        "incident_child",
        "household",
        "reported_value",
        "fund_movement",
        "public_release",
    ] {
        assert!(s.tables.contains_key(t), "table {t} is described: {:?}", s.tables.keys().collect::<Vec<_>>());
    }
    let reported = &s.tables["reported_value"];
    assert_eq!(reported.primary_key, vec!["id"]);
    assert!(
        reported.unique.contains(&vec!["element".to_owned(), "unit_id".to_owned(), "year".to_owned(), "sex".to_owned()]),
        "{:?}",
        reported.unique
    );
    assert!(reported.indexes.contains_key("reported_value_unit_idx"), "{:?}", reported.indexes);
    assert!(reported.foreign_keys.iter().any(|k| format!("{k:?}").contains("admin_unit")), "{:?}", reported.foreign_keys);
    assert!(["element", "unit_id", "year", "sex", "value", "note", "reported_by_id", "reported_at"]
        .iter()
        .all(|c| reported.columns.contains_key(*c)));
    assert!(!s.tables.keys().any(|t| t.starts_with("sqlite_") || t.starts_with("_sqlx")), "engine bookkeeping is left out");
}

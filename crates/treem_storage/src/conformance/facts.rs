//! The bulk load (one transaction, one audit entry) and what the indicator engine reads
//! back from it: children, households and poverty, case facts.

use time::macros::{date, datetime};
use treem_domain::case::{CaseSource, CaseState, TaskKind};
use treem_domain::indicator::{Fact, FactKind};

use super::*;
use crate::{BulkCase, BulkChild, BulkLoad};

fn bulk_child(name: &str, sex: &'static str, unit: UnitId, household: Option<usize>, disability: bool) -> BulkChild {
    BulkChild {
        full_name: name.into(),
        name_search: treem_domain::text::search_key(name),
        sex,
        birth_date: date!(2014 - 09 - 09),
        unit,
        registered_on: date!(2024 - 01 - 15),
        household,
        disability,
    }
}

pub async fn a_bulk_load_is_read_back_by_the_fact_readers(store: &dyn Store) {
    let u = with_small_units(store).await;
    let by = an_account(store, "demo").await;
    let received = datetime!(2025-04-01 23:30 UTC);
    let data = BulkLoad {
        households: vec![("H1".into(), "Chủ hộ Một".into(), u.east), ("H2".into(), "Chủ hộ Hai".into(), u.west)],
        poverty: vec![(0, 2024, "poor"), (0, 2025, "near_poor"), (1, 2025, "neither")],
        children: vec![
            bulk_child("Con Một", "female", u.east, Some(0), true),
            bulk_child("Con Hai", "male", u.west, Some(1), false),
            bulk_child("Con Ba", "male", u.west, None, false),
        ],
        circumstances: vec![(0, "dd", date!(2024 - 02 - 01), Some(date!(2024 - 12 - 31)))],
        incidents: vec![],
        cases: vec![BulkCase {
            child: 1,
            unit: u.west,
            source: CaseSource::Hotline111,
            urgent: true,
            summary: "Bỏ rơi".into(),
            received_at: received,
            state: CaseState::Verified,
            risk: None,
            plan_summary: None,
            plan_approved_by: None,
            review_at: None,
            last_review_safe: None,
            closed_at: None,
            steps: vec![("verify", CaseState::Received, CaseState::Verified, None, received + time::Duration::hours(2))],
            tasks: vec![
                (TaskKind::Verify, received + time::Duration::hours(12), Some(received + time::Duration::hours(2))),
                (TaskKind::InitialAssessment, received + time::Duration::days(3), None),
            ],
            interventions: vec![("health_care", "Trạm y tế".into(), "planned")],
        }],
    };
    store.bulk_load(&data, by, &ev("demo.load")).await.unwrap();
    assert_eq!(audit_actions(store).await, vec!["units.import", "account.create", "demo.load"], "one audit entry for the whole load");

    let households = store.household_entries().await.unwrap();
    assert_eq!(households.iter().map(|h| h.unit).collect::<Vec<_>>(), vec![u.east, u.west], "in id order, as loaded");
    let (h1, h2) = (households[0].id, households[1].id);
    assert!(h1 < h2);
    assert_eq!(store.household(h1).await.unwrap().unwrap().head_name, "Chủ hộ Một");
    assert_eq!(store.household_entries_of(&[h2, 424_242]).await.unwrap(), vec![households[1]]);
    assert!(store.household_entries_of(&[]).await.unwrap().is_empty());
    let mut poverty = store.household_poverty().await.unwrap();
    poverty.sort_unstable();
    assert_eq!(poverty, vec![(h1, 2024, "poor"), (h1, 2025, "near_poor"), (h2, 2025, "neither")]);
    assert_eq!(store.household_poverty_of(&[h2]).await.unwrap(), vec![(h2, 2025, "neither")]);
    assert!(store.household_poverty_of(&[]).await.unwrap().is_empty());

    let mut records = store.child_records().await.unwrap();
    records.sort_by_key(|r| r.id);
    assert_eq!(records.len(), 3);
    let shape: Vec<_> = records.iter().map(|r| (r.unit, r.birth_date, r.female, r.disability, r.household)).collect();
    assert_eq!(
        shape,
        vec![
            (u.east, date!(2014 - 09 - 09), true, true, Some(h1)),
            (u.west, date!(2014 - 09 - 09), false, false, Some(h2)),
            (u.west, date!(2014 - 09 - 09), false, false, None),
        ]
    );
    let period: Vec<_> = records[0].circumstances.iter().map(|p| (p.began, p.ended)).collect();
    assert_eq!(period, vec![(date!(2024 - 02 - 01), Some(date!(2024 - 12 - 31)))]);
    assert!(records[1].circumstances.is_empty());
    let of = store.child_records_of(&[records[2].id, 424_242]).await.unwrap();
    assert_eq!(of, vec![records[2].clone()]);
    assert!(store.child_records_of(&[]).await.unwrap().is_empty());

    // The case: received late on 1 April UTC, counted on that UTC day; its verify task was
    // done in time and the assessment, due 4 April, is late only after that.
    let cases = store.list_cases(&crate::CaseQuery { units: vec![u.west], limit: 10, ..Default::default() }).await.unwrap();
    assert_eq!(cases.len(), 1);
    let case = &cases[0];
    assert_eq!((case.child_id, case.state, case.interventions), (records[1].id, CaseState::Verified, 1));
    assert_eq!(store.case_steps(case.id).await.unwrap().len(), 1);
    let expect = |late: bool| {
        let late_text = late.to_string();
        let mut fields = vec![
            ("state", Some("verified")),
            ("source", Some("hotline_111")),
            ("urgent", Some("true")),
            ("risk", None),
            ("late", Some(late_text.as_str())),
        ];
        let stages: Vec<(String, &str)> = treem_domain::indicator::CASE_STAGES
            .iter()
            .map(|(f, kinds)| ((*f).to_owned(), if late && kinds.contains(&"initial_assessment") { "true" } else { "false" }))
            .collect();
        fields.extend(stages.iter().map(|(f, v)| (f.as_str(), Some(*v))));
        Fact::new(FactKind::Cases, u.west, date!(2025 - 04 - 01), &fields, 1)
    };
    let before_due = received + time::Duration::days(2);
    let after_due = received + time::Duration::days(4);
    assert_eq!(store.case_facts(before_due).await.unwrap(), vec![expect(false)]);
    assert_eq!(store.case_facts(after_due).await.unwrap(), vec![expect(true)]);
    assert_eq!(store.case_facts_each(after_due).await.unwrap(), vec![(case.id, expect(true))]);
}

pub async fn a_refused_bulk_load_writes_nothing(store: &dyn Store) {
    let u = with_small_units(store).await;
    let by = an_account(store, "demo").await;
    let data = BulkLoad {
        households: vec![("H1".into(), "Chủ hộ".into(), u.east), ("H1".into(), "Trùng mã".into(), u.east)],
        children: vec![bulk_child("Con", "female", u.east, Some(0), false)],
        ..Default::default()
    };
    assert!(store.bulk_load(&data, by, &ev("demo.load")).await.is_err(), "two households with one code in one unit");
    assert!(store.household_entries().await.unwrap().is_empty());
    assert!(store.child_records().await.unwrap().is_empty());
    assert_eq!(audit_actions(store).await, vec!["units.import", "account.create"]);
}

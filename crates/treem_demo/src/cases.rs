//! Generated cases walked through their steps, and case facts for the national benchmark.

use crate::{apportion, counted_on, day_in, Child, Communes, Rng, Scale, FLAT_MONTHS, REFORM};
use std::collections::HashMap;
use time::{Date, Duration, OffsetDateTime};
use treem_domain::calendar::HolidayCalendar;
use treem_domain::case::{after, apply, due_at, intake_tasks, CaseAction, CaseSnapshot, CaseSource, CaseState, Deadlines, RiskLevel};
use treem_domain::units::{UnitCatalog, UnitId, UnitLevel};
use treem_storage::BulkCase;

/// Cases (case-management files) received a year at province scale in 2012, growing
/// about 8 % a year as case management spread: about 3,300 from 2012 to 2026.
const CASES_2012: f64 = 120.0;

const CASES_GROWTH: f64 = 1.08;

/// Of every 100 cases: reports found unfounded, urgent on receipt, assessed at high risk,
/// left stalled at some step (never finished: they stay open, past their deadlines).
const UNFOUNDED: u64 = 18;

const URGENT: u64 = 25;

const HIGH_RISK: u64 = 12;

const STALLED: u64 = 3;

/// Of every 100 steps: taken after the due time of the task it completes.
const LATE_FIRST_STEP: u64 = 8;

const LATE_STEP: u64 = 4;

const SOURCE_WEIGHTS: [u32; 7] = [25, 20, 15, 12, 8, 15, 5];

const NOTE: &str = "Ghi chú (dữ liệu mẫu)";

/// The commune each 2013-era commune's records went to on 1 July 2025 (its largest share).
pub fn successors(catalog: &UnitCatalog, communes: &Communes) -> HashMap<UnitId, UnitId> {
    communes
        .legacy
        .iter()
        .filter_map(|(u, _)| {
            let moved = catalog.reaggregate(&std::collections::BTreeMap::from([(*u, 1_000_000)]), REFORM, None);
            let to = moved
                .counts
                .iter()
                .filter(|(id, _)| catalog.get(**id).is_some_and(|x| x.level == UnitLevel::Commune))
                .max_by_key(|(_, n)| **n)?;
            Some((*u, *to.0))
        })
        .collect()
}

/// Cases from 2012 to `today`, each about a child of `children` under 16 and registered
/// on the day it was received, kept on the child's commune (after 1 July 2025, the
/// commune it went to). Each case is walked through the Decree 56 steps by the domain's
/// own state machine (`case::apply`), its tasks created and due as real ones are
/// (`case::due_at`, working days from the bundled holiday calendar) and done when the
/// step that completes them is taken; a step is taken before its task's due time, or
/// sometimes after it (late). The walk stops at `today` (00:00 UTC): old cases are
/// closed, recent ones still open, some of them overdue.
pub fn cases(scale: Scale, children: &[Child], successor: &HashMap<UnitId, UnitId>, today: Date, rng: &mut Rng) -> Vec<BulkCase> {
    let factor = match scale {
        Scale::Sample => 0.25,
        Scale::Province => 1.0,
        Scale::National => 60.0,
    };
    let now = today.midnight().assume_utc();
    let calendar = HolidayCalendar::bundled();
    let working_days = |from: OffsetDateTime, n: u32| calendar.working_days_deadline(from, n);
    let d = Deadlines::default();
    let mut out = Vec::new();
    if children.is_empty() {
        return out;
    }
    for y in 2012..=today.year() {
        let n = (CASES_2012 * factor * CASES_GROWTH.powi(y - 2012) * (0.9 + 0.2 * rng.unit())).round() as u64;
        for _ in 0..n {
            let Some(day) = day_in(y, &FLAT_MONTHS, today, rng) else { continue };
            let received_at = day.midnight().assume_utc() + Duration::minutes(rng.below(600) as i64);
            if received_at >= now {
                continue;
            }
            // A child under 16 and in the register that day.
            let child = (0..50).map(|_| rng.below(children.len() as u64) as usize).find(|i| {
                let c = &children[*i];
                c.registered_on <= day && counted_on(c, day)
            });
            let Some(child) = child else { continue };
            let home = children[child].unit;
            let unit = if day >= REFORM && children[child].registered_on < REFORM { successor.get(&home).copied() } else { Some(home) };
            let Some(unit) = unit else { continue };
            out.push(walk(child, unit, received_at, now, &d, &working_days, rng));
        }
    }
    out.sort_by_key(|c| c.received_at);
    out
}

/// Cases at national scale as the engine's facts only (no records, no walk): about
/// 3 million from 2012 to `today` over `communes`, growing like the province's, with
/// states, sources, urgency, risk and lateness drawn in the proportions of the walk
/// (old years closed, the last months open). For `treem bench engine --scale national`.
pub fn national_case_facts(communes: &Communes, today: Date, rng: &mut Rng) -> Vec<treem_domain::indicator::Fact> {
    use treem_domain::indicator::{Fact, FactKind};
    let years: Vec<i32> = (2012..=today.year()).collect();
    let weights: Vec<f64> = years.iter().map(|y| CASES_GROWTH.powi(y - 2012)).collect();
    let per_year = apportion(3_000_000, &weights);
    let mut grouped: HashMap<(UnitId, Date, [u8; treem_domain::indicator::FIELD_COUNT]), i64> = HashMap::new();
    let open_states =
        ["received", "verified", "initial_assessed", "detailed_assessed", "plan_drafted", "plan_approved", "in_progress", "under_review"];
    for (y, n) in years.iter().zip(per_year) {
        for _ in 0..n {
            let Some(day) = day_in(*y, &FLAT_MONTHS, today, rng) else { continue };
            let unit = communes.on(day, rng);
            let recent = (today - day).whole_days() < 120;
            let state = if rng.below(100) < UNFOUNDED {
                "closed_unfounded"
            } else if recent || rng.below(100) < STALLED {
                open_states[rng.below(open_states.len() as u64) as usize]
            } else {
                "closed"
            };
            let source = CaseSource::ALL[rng.weighted(&SOURCE_WEIGHTS)].as_str();
            let urgent = if rng.below(100) < URGENT { "true" } else { "false" };
            let risk = [RiskLevel::Low, RiskLevel::Medium, RiskLevel::High][rng.weighted(&[48, 40, 12])].as_str();
            let late = if rng.below(100) < 30 { "true" } else { "false" };
            let fields =
                [("state", Some(state)), ("source", Some(source)), ("urgent", Some(urgent)), ("risk", Some(risk)), ("late", Some(late))];
            let f = Fact::new(FactKind::Cases, unit, day, &fields, 1);
            *grouped.entry((f.unit, f.day, f.codes)).or_default() += 1;
        }
    }
    let mut out: Vec<Fact> = grouped.into_iter().map(|((unit, day, codes), count)| Fact { unit, day, codes, count }).collect();
    out.sort_by_key(|f| (f.day, f.unit, f.codes));
    out
}

/// One case walked through its steps from `received_at` until done or `now`.
fn walk(
    child: usize,
    unit: UnitId,
    received_at: OffsetDateTime,
    now: OffsetDateTime,
    d: &Deadlines,
    working_days: &dyn Fn(OffsetDateTime, u32) -> OffsetDateTime,
    rng: &mut Rng,
) -> BulkCase {
    use CaseAction as A;
    let urgent = rng.below(100) < URGENT;
    let source = CaseSource::ALL[rng.weighted(&SOURCE_WEIGHTS)];
    let unfounded = rng.below(100) < UNFOUNDED;
    let risk =
        if rng.below(100) < HIGH_RISK { RiskLevel::High } else { *rng.pick_weighted(&[RiskLevel::Low, RiskLevel::Medium], &[55, 45]) };
    let note = || NOTE.to_owned();
    let safe_first = rng.below(100) < 80;
    let mut actions: Vec<A> = Vec::new();
    if unfounded {
        if rng.below(2) == 0 {
            actions.push(A::Verify { note: note() });
        }
        actions.push(A::CloseUnfounded { reason: note() });
    } else {
        if urgent {
            actions.push(A::StartEmergency { measure: note() });
        } else {
            actions.push(A::Verify { note: note() });
            actions.push(A::AssessInitial { risk, note: note() });
            if risk == RiskLevel::High {
                actions.push(A::StartEmergency { measure: note() });
            }
        }
        actions.push(A::AssessDetailed { note: note() });
        let rounds: &[bool] = if safe_first { &[true] } else { &[false, true] };
        for safe in rounds {
            actions.push(A::DraftPlan { summary: "Kế hoạch hỗ trợ, can thiệp (dữ liệu mẫu)".into() });
            // The review date is set when the plan is approved (below).
            actions.push(A::ApprovePlan { approved_by: "Chủ tịch UBND xã".into(), review_at: received_at });
            actions.push(A::StartPlan);
            actions.push(A::Review { safe: *safe, note: note() });
        }
        actions.push(A::Close { note: note() });
    }
    let stall_at = (rng.below(100) < STALLED).then(|| rng.below(actions.len() as u64) as usize);
    let mut snap = CaseSnapshot { state: CaseState::Received, received_at, urgent, risk: None, interventions: 1, last_review_safe: None };
    let mut k = BulkCase {
        child,
        unit,
        source,
        urgent,
        summary: "Trường hợp mẫu: trẻ cần được bảo vệ (dữ liệu mẫu)".into(),
        received_at,
        state: CaseState::Received,
        risk: None,
        plan_summary: None,
        plan_approved_by: None,
        review_at: None,
        last_review_safe: None,
        closed_at: None,
        steps: Vec::new(),
        tasks: intake_tasks(urgent, d)
            .into_iter()
            .map(|(kind, due)| (kind, due_at(due, received_at, received_at, working_days), None))
            .collect(),
        interventions: Vec::new(),
    };
    let mut t = received_at;
    for (i, mut action) in actions.into_iter().enumerate() {
        if stall_at == Some(i) {
            break;
        }
        // When the step is taken: before the due time of the task it completes, or late.
        let due = k.tasks.iter().filter(|(_, _, done)| done.is_none()).map(|(_, due, _)| *due).min().unwrap_or(t + Duration::days(3));
        let late = rng.below(100) < if i == 0 { LATE_FIRST_STEP } else { LATE_STEP };
        let at = if late || due <= t {
            due.max(t) + Duration::minutes(30 + rng.below(6 * 24 * 60) as i64)
        } else {
            t + Duration::seconds(((due - t).whole_seconds() as f64 * (0.2 + 0.75 * rng.unit())) as i64)
        };
        if at >= now {
            break;
        }
        if let A::ApprovePlan { review_at, .. } = &mut action {
            *review_at = at + Duration::days(30 + rng.below(60) as i64);
        }
        let Ok(step) = apply(&snap, &action, at, d) else { break };
        for task in k.tasks.iter_mut().filter(|(kind, _, done)| done.is_none() && step.completes.contains(kind)) {
            task.2 = Some(at);
        }
        for (kind, due) in &step.creates {
            // One open task per kind, as the store keeps them.
            if !k.tasks.iter().any(|(other, _, done)| other == kind && done.is_none()) {
                k.tasks.push((*kind, due_at(*due, received_at, at, working_days), None));
            }
        }
        let text = match &action {
            A::Verify { note }
            | A::AssessInitial { note, .. }
            | A::AssessDetailed { note }
            | A::Review { note, .. }
            | A::Close { note } => Some(note.clone()),
            A::CloseUnfounded { reason } => Some(reason.clone()),
            A::StartEmergency { measure } => Some(measure.clone()),
            A::DraftPlan { summary } => Some(summary.clone()),
            A::ApprovePlan { .. } | A::StartPlan => None,
        };
        match &action {
            A::AssessInitial { risk, .. } => k.risk = Some(*risk),
            A::DraftPlan { summary } => {
                k.plan_summary = Some(summary.clone());
                k.last_review_safe = None;
                if k.interventions.is_empty() {
                    let kind = *rng.pick(&treem_app::cases::INTERVENTION_KINDS[..4]);
                    k.interventions.push((kind, "Công chức LĐ-TB&XH xã".into(), "planned"));
                }
            }
            A::ApprovePlan { approved_by, review_at } => {
                k.plan_approved_by = Some(approved_by.clone());
                k.review_at = Some(*review_at);
            }
            A::Review { safe, .. } => k.last_review_safe = Some(*safe),
            _ => {}
        }
        k.steps.push((action.name(), step.from, step.to, text, at));
        snap = after(&snap, &action, &step);
        k.state = step.to;
        t = at;
        if step.to.is_closed() {
            k.closed_at = Some(at);
            for v in &mut k.interventions {
                v.2 = "done";
            }
            break;
        }
    }
    k
}

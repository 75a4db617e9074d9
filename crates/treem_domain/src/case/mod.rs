//! Case management under Decree 56/2017 (Chapter III) as an explicit state
//! machine. Every move is a [`CaseAction`] checked by [`apply`]: an action not
//! allowed from the current state is refused with a stable code, and each step
//! names the tasks it completes and the tasks (with due times) it creates.
//! The picture is `docs/state-machines/case.md`; a property test checks that
//! no sequence of actions reaches a state the picture does not allow.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

mod deadlines;
mod referral;

pub use deadlines::*;
pub use referral::ReferralStatus;

/// The identity of a case (given by the database when the case is opened).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CaseId(pub i64);

impl std::fmt::Display for CaseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Received,
    Verified,
    InitialAssessed,
    Emergency,
    DetailedAssessed,
    PlanDrafted,
    PlanApproved,
    InProgress,
    UnderReview,
    Closed,
    ClosedUnfounded,
}

impl CaseState {
    pub const ALL: [CaseState; 11] = [
        Self::Received,
        Self::Verified,
        Self::InitialAssessed,
        Self::Emergency,
        Self::DetailedAssessed,
        Self::PlanDrafted,
        Self::PlanApproved,
        Self::InProgress,
        Self::UnderReview,
        Self::Closed,
        Self::ClosedUnfounded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Verified => "verified",
            Self::InitialAssessed => "initial_assessed",
            Self::Emergency => "emergency",
            Self::DetailedAssessed => "detailed_assessed",
            Self::PlanDrafted => "plan_drafted",
            Self::PlanApproved => "plan_approved",
            Self::InProgress => "in_progress",
            Self::UnderReview => "under_review",
            Self::Closed => "closed",
            Self::ClosedUnfounded => "closed_unfounded",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn is_closed(self) -> bool {
        matches!(self, Self::Closed | Self::ClosedUnfounded)
    }
}

/// Where a report came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseSource {
    Hotline111,
    Collaborator,
    Police,
    School,
    HealthFacility,
    ChildOrFamily,
    Other,
}

impl CaseSource {
    pub const ALL: [CaseSource; 7] =
        [Self::Hotline111, Self::Collaborator, Self::Police, Self::School, Self::HealthFacility, Self::ChildOrFamily, Self::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hotline111 => "hotline_111",
            Self::Collaborator => "collaborator",
            Self::Police => "police",
            Self::School => "school",
            Self::HealthFacility => "health_facility",
            Self::ChildOrFamily => "child_or_family",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
}

impl RiskLevel {
    pub const ALL: [RiskLevel; 3] = [Self::Low, Self::Medium, Self::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// What a case looks like to the state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSnapshot {
    pub state: CaseState,
    pub received_at: OffsetDateTime,
    /// The report was urgent at intake (the child's life, health or dignity seriously
    /// threatened): the emergency path of Decree 56 Art. 26(3).
    pub urgent: bool,
    pub risk: Option<RiskLevel>,
    /// Interventions listed in the current plan.
    pub interventions: usize,
    /// The last review's finding: the child is safe and stable.
    pub last_review_safe: Option<bool>,
}

/// A move a worker (or the chair) makes. Text fields are checked non-empty here;
/// their length and characters are checked at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseAction {
    Verify { note: String },
    CloseUnfounded { reason: String },
    AssessInitial { risk: RiskLevel, note: String },
    StartEmergency { measure: String },
    AssessDetailed { note: String },
    DraftPlan { summary: String },
    ApprovePlan { approved_by: String, review_at: OffsetDateTime },
    StartPlan,
    Review { safe: bool, note: String },
    Close { note: String },
}

impl CaseAction {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Verify { .. } => "verify",
            Self::CloseUnfounded { .. } => "close_unfounded",
            Self::AssessInitial { .. } => "assess_initial",
            Self::StartEmergency { .. } => "start_emergency",
            Self::AssessDetailed { .. } => "assess_detailed",
            Self::DraftPlan { .. } => "draft_plan",
            Self::ApprovePlan { .. } => "approve_plan",
            Self::StartPlan => "start_plan",
            Self::Review { .. } => "review",
            Self::Close { .. } => "close",
        }
    }

    /// Every action name, for forms and documentation.
    pub const NAMES: [&'static str; 10] = [
        "verify",
        "close_unfounded",
        "assess_initial",
        "start_emergency",
        "assess_detailed",
        "draft_plan",
        "approve_plan",
        "start_plan",
        "review",
        "close",
    ];
}

/// Why a move was refused. Codes are stable (API and UI).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error("`{action}` is not allowed from `{}`", from.as_str())]
    IllegalTransition { from: CaseState, action: &'static str },
    #[error("the case is closed")]
    Closed,
    #[error("{field}: {message}")]
    Guard { field: &'static str, message: &'static str },
}

impl CaseError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::IllegalTransition { .. } => "ILLEGAL_TRANSITION",
            Self::Closed => "CASE_CLOSED",
            Self::Guard { .. } => "GUARD_FAILED",
        }
    }
}

/// The outcome of an allowed move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub from: CaseState,
    pub to: CaseState,
    /// Open tasks of these kinds are marked done.
    pub completes: Vec<TaskKind>,
    /// New tasks and when they fall due.
    pub creates: Vec<(TaskKind, Due)>,
}

fn need(text: &str, field: &'static str) -> Result<(), CaseError> {
    if text.trim().is_empty() {
        Err(CaseError::Guard { field, message: "must be filled in" })
    } else {
        Ok(())
    }
}

/// Checks `action` against `case` at `now` and returns the step to record.
pub fn apply(case: &CaseSnapshot, action: &CaseAction, now: OffsetDateTime, d: &Deadlines) -> Result<Step, CaseError> {
    use CaseAction as A;
    use CaseState as S;
    use TaskKind as T;
    if case.state.is_closed() {
        return Err(CaseError::Closed);
    }
    let illegal = || CaseError::IllegalTransition { from: case.state, action: action.name() };
    let all_open = || T::ALL.to_vec();
    let (to, completes, creates): (S, Vec<T>, Vec<(T, Due)>) = match (case.state, action) {
        (S::Received, A::Verify { note }) => {
            need(note, "note")?;
            let due =
                if case.urgent { Due::HoursFromReceipt(d.emergency_hours) } else { Due::WorkingDays(d.initial_assessment_working_days) };
            (S::Verified, vec![T::Verify], vec![(T::InitialAssessment, due)])
        }
        (S::Received | S::Verified, A::CloseUnfounded { reason }) => {
            need(reason, "reason")?;
            (S::ClosedUnfounded, all_open(), vec![])
        }
        (S::Verified, A::AssessInitial { risk, note }) => {
            need(note, "note")?;
            // Art. 26(3): 12 hours from the information that the child is seriously
            // threatened: the report when it said so (urgent), else this assessment.
            let next = match (*risk, case.urgent) {
                (RiskLevel::High, true) => vec![(T::EmergencyIntervention, Due::HoursFromReceipt(d.emergency_hours))],
                (RiskLevel::High, false) => vec![(T::EmergencyIntervention, Due::HoursFromNow(d.emergency_hours))],
                _ => vec![(T::DetailedAssessment, Due::WorkingDays(d.detailed_assessment_working_days))],
            };
            (S::InitialAssessed, vec![T::InitialAssessment], next)
        }
        (S::Received | S::Verified | S::InitialAssessed, A::StartEmergency { measure }) => {
            need(measure, "measure")?;
            (
                S::Emergency,
                vec![T::Verify, T::InitialAssessment, T::EmergencyIntervention],
                vec![(T::DetailedAssessment, Due::WorkingDays(d.detailed_assessment_working_days))],
            )
        }
        (S::InitialAssessed, A::AssessDetailed { .. }) if case.risk == Some(RiskLevel::High) => {
            return Err(CaseError::Guard { field: "risk", message: "a high risk needs emergency intervention first" });
        }
        (S::InitialAssessed | S::Emergency, A::AssessDetailed { note }) => {
            need(note, "note")?;
            (S::DetailedAssessed, vec![T::DetailedAssessment], vec![(T::DraftPlan, Due::WorkingDays(d.plan_drafting_working_days))])
        }
        (S::DetailedAssessed | S::UnderReview, A::DraftPlan { summary }) => {
            need(summary, "summary")?;
            if case.interventions == 0 {
                return Err(CaseError::Guard { field: "interventions", message: "list at least one intervention in the plan" });
            }
            (
                S::PlanDrafted,
                vec![T::DraftPlan, T::Review, T::Close],
                vec![(T::ApprovePlan, Due::WorkingDays(d.plan_approval_working_days))],
            )
        }
        (S::PlanDrafted, A::ApprovePlan { approved_by, review_at }) => {
            need(approved_by, "approved_by")?;
            if *review_at <= now {
                return Err(CaseError::Guard { field: "review_at", message: "the review date must be in the future" });
            }
            (
                S::PlanApproved,
                vec![T::ApprovePlan],
                vec![(T::StartPlan, Due::WorkingDays(d.start_working_days)), (T::Review, Due::At(*review_at))],
            )
        }
        (S::PlanApproved, A::StartPlan) => (S::InProgress, vec![T::StartPlan], vec![]),
        (S::InProgress, A::Review { safe, note }) => {
            need(note, "note")?;
            let next = if *safe {
                (T::Close, Due::WorkingDays(d.close_working_days))
            } else {
                (T::DraftPlan, Due::WorkingDays(d.plan_drafting_working_days))
            };
            (S::UnderReview, vec![T::Review], vec![next])
        }
        (S::UnderReview, A::Close { note }) => {
            need(note, "note")?;
            if case.last_review_safe != Some(true) {
                return Err(CaseError::Guard { field: "review", message: "close only after a review found the child safe and stable" });
            }
            (S::Closed, all_open(), vec![])
        }
        _ => return Err(illegal()),
    };
    Ok(Step { from: case.state, to, completes, creates })
}

/// The snapshot after a step (what the store will hold).
pub fn after(case: &CaseSnapshot, action: &CaseAction, step: &Step) -> CaseSnapshot {
    let mut next = case.clone();
    next.state = step.to;
    match action {
        CaseAction::AssessInitial { risk, .. } => next.risk = Some(*risk),
        CaseAction::Review { safe, .. } => next.last_review_safe = Some(*safe),
        CaseAction::DraftPlan { .. } => next.last_review_safe = None,
        _ => {}
    }
    next
}

/// The actions that may be taken from `state` (their guards may still refuse them).
pub fn available(state: CaseState) -> &'static [&'static str] {
    match state {
        CaseState::Received => &["verify", "start_emergency", "close_unfounded"],
        CaseState::Verified => &["assess_initial", "start_emergency", "close_unfounded"],
        CaseState::InitialAssessed => &["assess_detailed", "start_emergency"],
        CaseState::Emergency => &["assess_detailed"],
        CaseState::DetailedAssessed => &["draft_plan"],
        CaseState::PlanDrafted => &["approve_plan"],
        CaseState::PlanApproved => &["start_plan"],
        CaseState::InProgress => &["review"],
        CaseState::UnderReview => &["close", "draft_plan"],
        CaseState::Closed | CaseState::ClosedUnfounded => &[],
    }
}

/// Every (from, to) pair the state machine allows: the edges of the diagram.
pub const EDGES: &[(CaseState, CaseState)] = &[
    (CaseState::Received, CaseState::Verified),
    (CaseState::Received, CaseState::ClosedUnfounded),
    (CaseState::Verified, CaseState::ClosedUnfounded),
    (CaseState::Verified, CaseState::InitialAssessed),
    (CaseState::Received, CaseState::Emergency),
    (CaseState::Verified, CaseState::Emergency),
    (CaseState::InitialAssessed, CaseState::Emergency),
    (CaseState::InitialAssessed, CaseState::DetailedAssessed),
    (CaseState::Emergency, CaseState::DetailedAssessed),
    (CaseState::DetailedAssessed, CaseState::PlanDrafted),
    (CaseState::UnderReview, CaseState::PlanDrafted),
    (CaseState::PlanDrafted, CaseState::PlanApproved),
    (CaseState::PlanApproved, CaseState::InProgress),
    (CaseState::InProgress, CaseState::UnderReview),
    (CaseState::UnderReview, CaseState::Closed),
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-03-02 08:00 UTC);

    fn fresh() -> CaseSnapshot {
        CaseSnapshot { state: CaseState::Received, received_at: T0, urgent: false, risk: None, interventions: 1, last_review_safe: None }
    }

    fn go(case: &CaseSnapshot, a: CaseAction) -> Result<CaseSnapshot, CaseError> {
        let step = apply(case, &a, T0, &Deadlines::default())?;
        Ok(after(case, &a, &step))
    }

    #[test]
    fn the_whole_path_to_closure() {
        let n = || "ghi chú".to_owned();
        let mut c = fresh();
        for a in [
            CaseAction::Verify { note: n() },
            CaseAction::AssessInitial { risk: RiskLevel::Medium, note: n() },
            CaseAction::AssessDetailed { note: n() },
            CaseAction::DraftPlan { summary: n() },
            CaseAction::ApprovePlan { approved_by: "Chủ tịch UBND xã".into(), review_at: T0 + Duration::days(30) },
            CaseAction::StartPlan,
            CaseAction::Review { safe: false, note: n() },
            CaseAction::DraftPlan { summary: n() },
            CaseAction::ApprovePlan { approved_by: "Chủ tịch UBND xã".into(), review_at: T0 + Duration::days(60) },
            CaseAction::StartPlan,
            CaseAction::Review { safe: true, note: n() },
            CaseAction::Close { note: n() },
        ] {
            c = go(&c, a).unwrap();
        }
        assert_eq!(c.state, CaseState::Closed);
        assert_eq!(go(&c, CaseAction::StartPlan), Err(CaseError::Closed));
    }

    #[test]
    fn guards_name_the_field() {
        let e = go(&fresh(), CaseAction::Verify { note: " ".into() }).unwrap_err();
        assert_eq!(e, CaseError::Guard { field: "note", message: "must be filled in" });
        let v = go(&fresh(), CaseAction::Verify { note: "x".into() }).unwrap();
        let high = go(&v, CaseAction::AssessInitial { risk: RiskLevel::High, note: "x".into() }).unwrap();
        assert_eq!(go(&high, CaseAction::AssessDetailed { note: "x".into() }).unwrap_err().code(), "GUARD_FAILED");
        assert!(go(&high, CaseAction::StartEmergency { measure: "tạm thời cách ly".into() }).is_ok());
        assert_eq!(go(&fresh(), CaseAction::StartPlan).unwrap_err().code(), "ILLEGAL_TRANSITION");
    }

    /// Working days as the tests count them: n × 24 hours (no calendar).
    fn days(from: OffsetDateTime, n: u32) -> OffsetDateTime {
        from + Duration::days(i64::from(n))
    }

    fn due_times(tasks: &[(TaskKind, Due)], received_at: OffsetDateTime, now: OffsetDateTime) -> Vec<(TaskKind, OffsetDateTime)> {
        tasks.iter().map(|(k, d)| (*k, due_at(*d, received_at, now, &days))).collect()
    }

    #[test]
    fn a_normal_report_is_verified_within_the_local_default_not_12_hours() {
        let d = Deadlines::default();
        let tasks = intake_tasks(false, &d);
        assert_eq!(tasks, vec![(TaskKind::Verify, Due::WorkingDays(1))]);
        assert_eq!(due_times(&tasks, T0, T0), vec![(TaskKind::Verify, T0 + Duration::days(1))]);
        assert_eq!(deadline_source(TaskKind::Verify, false), Some(DeadlineSource::LocalDefault));
        // Verified: the initial assessment within the local default, from the verification.
        let at = T0 + Duration::hours(20);
        let s = apply(&fresh(), &CaseAction::Verify { note: "x".into() }, at, &d).unwrap();
        assert_eq!(s.creates, vec![(TaskKind::InitialAssessment, Due::WorkingDays(2))]);
        assert_eq!(due_times(&s.creates, T0, at), vec![(TaskKind::InitialAssessment, at + Duration::days(2))]);
        assert_eq!(deadline_source(TaskKind::InitialAssessment, false), Some(DeadlineSource::LocalDefault));
        // High risk found by the assessment: 12 hours from that assessment (Art. 26(3)).
        let mut c = fresh();
        c.state = CaseState::Verified;
        let at = T0 + Duration::days(2);
        let s = apply(&c, &CaseAction::AssessInitial { risk: RiskLevel::High, note: "x".into() }, at, &d).unwrap();
        assert_eq!(due_times(&s.creates, T0, at), vec![(TaskKind::EmergencyIntervention, at + Duration::hours(12))]);
        // Low risk: the detailed assessment, a local default.
        let s = apply(&c, &CaseAction::AssessInitial { risk: RiskLevel::Low, note: "x".into() }, at, &d).unwrap();
        assert_eq!(s.creates, vec![(TaskKind::DetailedAssessment, Due::WorkingDays(5))]);
    }

    #[test]
    fn an_urgent_report_runs_on_the_12_hours_of_article_26_3() {
        let d = Deadlines::default();
        let tasks = intake_tasks(true, &d);
        assert_eq!(
            tasks,
            vec![(TaskKind::Verify, Due::HoursFromReceipt(12)), (TaskKind::EmergencyIntervention, Due::HoursFromReceipt(12))]
        );
        // Recorded 3 hours after the call came in: still 12 hours from receipt.
        let recorded = T0 + Duration::hours(3);
        assert_eq!(
            due_times(&tasks, T0, recorded),
            vec![(TaskKind::Verify, T0 + Duration::hours(12)), (TaskKind::EmergencyIntervention, T0 + Duration::hours(12))]
        );
        let law = Some(DeadlineSource::Law { citation: ART_26_3 });
        assert_eq!(deadline_source(TaskKind::EmergencyIntervention, true), law);
        assert_eq!(deadline_source(TaskKind::EmergencyIntervention, false), law);
        assert_eq!(deadline_source(TaskKind::Verify, true), law);
        // Verified: the initial assessment within the same 12 hours from receipt.
        let mut c = fresh();
        c.urgent = true;
        let at = T0 + Duration::hours(4);
        let s = apply(&c, &CaseAction::Verify { note: "x".into() }, at, &d).unwrap();
        assert_eq!(due_times(&s.creates, T0, at), vec![(TaskKind::InitialAssessment, T0 + Duration::hours(12))]);
        c.state = CaseState::Verified;
        let s = apply(&c, &CaseAction::AssessInitial { risk: RiskLevel::High, note: "x".into() }, at, &d).unwrap();
        assert_eq!(due_times(&s.creates, T0, at), vec![(TaskKind::EmergencyIntervention, T0 + Duration::hours(12))]);
    }

    #[test]
    fn the_plan_is_drafted_within_article_28_1_and_approved_within_the_procedure_sheet() {
        let d = Deadlines::default();
        let mut c = fresh();
        c.state = CaseState::DetailedAssessed;
        let s = apply(&c, &CaseAction::DraftPlan { summary: "x".into() }, T0, &d).unwrap();
        assert_eq!(s.creates, vec![(TaskKind::ApprovePlan, Due::WorkingDays(7))]);
        assert_eq!(deadline_source(TaskKind::ApprovePlan, false), Some(DeadlineSource::ProcedureSheet { citation: PROCEDURE_847 }));
        c.state = CaseState::InitialAssessed;
        let s = apply(&c, &CaseAction::AssessDetailed { note: "x".into() }, T0, &d).unwrap();
        assert_eq!(s.creates, vec![(TaskKind::DraftPlan, Due::WorkingDays(5))]);
        assert_eq!(deadline_source(TaskKind::DraftPlan, false), Some(DeadlineSource::Law { citation: ART_28_1 }));
        c.state = CaseState::InProgress;
        let s = apply(&c, &CaseAction::Review { safe: false, note: "x".into() }, T0, &d).unwrap();
        assert_eq!(s.creates, vec![(TaskKind::DraftPlan, Due::WorkingDays(5))]);
        c.state = CaseState::PlanDrafted;
        let s = apply(&c, &CaseAction::ApprovePlan { approved_by: "x".into(), review_at: T0 }, T0, &d);
        assert_eq!(s.unwrap_err().code(), "GUARD_FAILED", "a review date in the past is refused");
        assert_eq!(deadline_source(TaskKind::Review, false), None, "the review date is set at approval");
    }

    #[test]
    fn local_defaults_are_configurable_and_the_law_is_not() {
        let d = Deadlines::with_overrides("verify_working_days = 2,\n close_working_days=5").unwrap();
        assert_eq!((d.verify_working_days, d.close_working_days, d.emergency_hours), (2, 5, 12));
        assert_eq!(intake_tasks(false, &d), vec![(TaskKind::Verify, Due::WorkingDays(2))]);
        assert_eq!(Deadlines::with_overrides("").unwrap(), Deadlines::default());
        assert_eq!(Deadlines::with_overrides("plan_approval_working_days = 10").unwrap().plan_approval_working_days, 10);
        let e = Deadlines::with_overrides("emergency_hours = 24").unwrap_err();
        assert!(e.contains("set by law") && e.contains("Điều 26 khoản 3"), "{e}");
        let e = Deadlines::with_overrides("plan_drafting_working_days = 9").unwrap_err();
        assert!(e.contains("Điều 28 khoản 1"), "{e}");
        assert!(Deadlines::with_overrides("colour = 2").unwrap_err().contains("not a case deadline"));
        assert!(Deadlines::with_overrides("verify_working_days = 0").unwrap_err().contains("1 to 60"));
        assert!(Deadlines::with_overrides("verify_working_days").unwrap_err().contains("expected key = number"));
        // Every rule is either the law's or configurable, and has a value in force.
        for r in DEADLINES {
            assert_eq!(Deadlines::default().value(r.key), Some(i64::from(r.default)), "{}", r.key);
            assert_eq!(r.source.configurable(), !matches!(r.source, DeadlineSource::Law { .. }));
        }
        // Every task but the review (its date is the chair's) has a rule.
        for task in TaskKind::ALL {
            assert_eq!(DEADLINES.iter().any(|r| r.task == task), task != TaskKind::Review, "{task:?}");
        }
    }

    #[test]
    fn docs_cases_md_names_the_source_of_every_deadline() {
        let doc = include_str!("../../../../docs/CASES.md");
        for r in DEADLINES {
            assert!(doc.contains(&format!("`{}`", r.key)), "docs/CASES.md does not list `{}`", r.key);
            match r.source {
                DeadlineSource::Law { citation } | DeadlineSource::ProcedureSheet { citation } => {
                    assert!(doc.contains(citation), "docs/CASES.md does not cite {citation}")
                }
                DeadlineSource::LocalDefault => {}
            }
        }
    }

    #[test]
    fn available_lists_exactly_the_actions_that_are_not_illegal() {
        let n = || "x".to_owned();
        let samples = [
            CaseAction::Verify { note: n() },
            CaseAction::CloseUnfounded { reason: n() },
            CaseAction::AssessInitial { risk: RiskLevel::Low, note: n() },
            CaseAction::StartEmergency { measure: n() },
            CaseAction::AssessDetailed { note: n() },
            CaseAction::DraftPlan { summary: n() },
            CaseAction::ApprovePlan { approved_by: n(), review_at: T0 + Duration::days(9) },
            CaseAction::StartPlan,
            CaseAction::Review { safe: true, note: n() },
            CaseAction::Close { note: n() },
        ];
        for state in CaseState::ALL {
            let case = CaseSnapshot { state, received_at: T0, urgent: false, risk: None, interventions: 1, last_review_safe: Some(true) };
            for a in &samples {
                let listed = available(state).contains(&a.name());
                let legal =
                    !matches!(apply(&case, a, T0, &Deadlines::default()), Err(CaseError::IllegalTransition { .. } | CaseError::Closed));
                assert_eq!(listed, legal, "{state:?} {}", a.name());
            }
        }
    }

    fn action() -> impl Strategy<Value = CaseAction> {
        let text = prop_oneof![Just(String::new()), Just("ghi chú".to_owned())];
        prop_oneof![
            text.clone().prop_map(|note| CaseAction::Verify { note }),
            text.clone().prop_map(|reason| CaseAction::CloseUnfounded { reason }),
            (0..3usize, text.clone()).prop_map(|(r, note)| CaseAction::AssessInitial { risk: RiskLevel::ALL[r], note }),
            text.clone().prop_map(|measure| CaseAction::StartEmergency { measure }),
            text.clone().prop_map(|note| CaseAction::AssessDetailed { note }),
            text.clone().prop_map(|summary| CaseAction::DraftPlan { summary }),
            (text.clone(), -5i64..60)
                .prop_map(|(approved_by, days)| CaseAction::ApprovePlan { approved_by, review_at: T0 + Duration::days(days) }),
            Just(CaseAction::StartPlan),
            (any::<bool>(), text.clone()).prop_map(|(safe, note)| CaseAction::Review { safe, note }),
            text.prop_map(|note| CaseAction::Close { note }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// No sequence of actions reaches an illegal state: every accepted step is an
        /// edge of the diagram, closed cases accept nothing, a closed case was reviewed
        /// safe, a high-risk case never skips emergency intervention, and a plan is
        /// only drafted with interventions.
        #[test]
        fn no_sequence_reaches_an_illegal_state(actions in proptest::collection::vec(action(), 0..40), interventions in 0usize..3) {
            let mut c = fresh();
            c.interventions = interventions;
            let mut went_through_emergency = false;
            for a in actions {
                let before = c.clone();
                match apply(&before, &a, T0, &Deadlines::default()) {
                    Ok(step) => {
                        prop_assert!(EDGES.contains(&(step.from, step.to)), "{:?} -> {:?} is not in the diagram", step.from, step.to);
                        prop_assert!(!before.state.is_closed());
                        if step.to == CaseState::Emergency { went_through_emergency = true; }
                        if step.to == CaseState::DetailedAssessed && before.risk == Some(RiskLevel::High) {
                            prop_assert!(went_through_emergency, "high risk skipped emergency intervention");
                        }
                        if step.to == CaseState::Closed { prop_assert_eq!(before.last_review_safe, Some(true)); }
                        if step.to == CaseState::PlanDrafted { prop_assert!(before.interventions > 0); }
                        c = after(&before, &a, &step);
                    }
                    Err(e) => {
                        prop_assert_eq!(&c, &before, "a refused action changes nothing");
                        if before.state.is_closed() { prop_assert_eq!(e, CaseError::Closed); }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod diagram {
    use super::*;

    #[test]
    fn the_diagram_matches_the_code() {
        let doc = include_str!("../../../../docs/state-machines/case.md");
        let mut drawn: Vec<(String, String)> = doc
            .lines()
            .filter_map(|l| l.trim().split_once(" --> "))
            .filter(|(from, _)| *from != "[*]")
            .filter_map(|(from, rest)| rest.split(':').next().map(|to| (from.trim().to_owned(), to.trim().to_owned())))
            .filter(|(_, to)| to != "[*]")
            .collect();
        drawn.sort();
        let mut coded: Vec<(String, String)> = EDGES.iter().map(|(a, b)| (a.as_str().to_owned(), b.as_str().to_owned())).collect();
        coded.sort();
        assert_eq!(drawn, coded);
    }
}

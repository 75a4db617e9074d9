//! Case management under Decree 56/2017 (Chapter III) as an explicit state
//! machine. Every move is a [`CaseAction`] checked by [`apply`]: an action not
//! allowed from the current state is refused with a stable code, and each step
//! names the tasks it completes and the tasks (with due times) it creates.
//! The picture is `docs/state-machines/case.md`; a property test checks that
//! no sequence of actions reaches a state the picture does not allow.

use serde::Serialize;
use time::{Duration, OffsetDateTime};

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

/// The work each step leaves to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum TaskKind {
    Verify,
    InitialAssessment,
    EmergencyIntervention,
    DetailedAssessment,
    DraftPlan,
    ApprovePlan,
    StartPlan,
    Review,
    Close,
}

impl TaskKind {
    pub const ALL: [TaskKind; 9] = [
        Self::Verify,
        Self::InitialAssessment,
        Self::EmergencyIntervention,
        Self::DetailedAssessment,
        Self::DraftPlan,
        Self::ApprovePlan,
        Self::StartPlan,
        Self::Review,
        Self::Close,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Verify => "verify",
            Self::InitialAssessment => "initial_assessment",
            Self::EmergencyIntervention => "emergency_intervention",
            Self::DetailedAssessment => "detailed_assessment",
            Self::DraftPlan => "draft_plan",
            Self::ApprovePlan => "approve_plan",
            Self::StartPlan => "start_plan",
            Self::Review => "review",
            Self::Close => "close",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// When a task falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// Clock hours after the report was received (the 12-hour emergency window).
    HoursFromReceipt(i64),
    /// Working days after now (weekends and public holidays skipped).
    WorkingDays(u32),
    /// A date the user set (the review date of an approved plan).
    At(OffsetDateTime),
}

/// The deadlines the system applies. The legal ones (12 hours, 7 working days) come
/// from Decree 56/2017 and the province's procedure sheet; the others are practice
/// defaults, configurable because no source fixes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    pub emergency_hours: i64,
    pub plan_approval_working_days: u32,
    pub assessment_working_days: u32,
    pub planning_working_days: u32,
    pub start_working_days: u32,
}

impl Default for Deadlines {
    fn default() -> Self {
        Self {
            emergency_hours: 12,
            plan_approval_working_days: 7,
            assessment_working_days: 5,
            planning_working_days: 5,
            start_working_days: 3,
        }
    }
}

/// What a case looks like to the state machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseSnapshot {
    pub state: CaseState,
    pub received_at: OffsetDateTime,
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

/// The tasks a newly received report starts with.
pub fn intake_tasks(urgent: bool, d: &Deadlines) -> Vec<(TaskKind, Due)> {
    let mut v = vec![(TaskKind::Verify, Due::HoursFromReceipt(d.emergency_hours))];
    if urgent {
        v.push((TaskKind::EmergencyIntervention, Due::HoursFromReceipt(d.emergency_hours)));
    }
    v
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
            (S::Verified, vec![T::Verify], vec![(T::InitialAssessment, Due::HoursFromReceipt(d.emergency_hours))])
        }
        (S::Received | S::Verified, A::CloseUnfounded { reason }) => {
            need(reason, "reason")?;
            (S::ClosedUnfounded, all_open(), vec![])
        }
        (S::Verified, A::AssessInitial { risk, note }) => {
            need(note, "note")?;
            let next = if *risk == RiskLevel::High {
                vec![(T::EmergencyIntervention, Due::HoursFromReceipt(d.emergency_hours))]
            } else {
                vec![(T::DetailedAssessment, Due::WorkingDays(d.assessment_working_days))]
            };
            (S::InitialAssessed, vec![T::InitialAssessment], next)
        }
        (S::Received | S::Verified | S::InitialAssessed, A::StartEmergency { measure }) => {
            need(measure, "measure")?;
            (
                S::Emergency,
                vec![T::Verify, T::InitialAssessment, T::EmergencyIntervention],
                vec![(T::DetailedAssessment, Due::WorkingDays(d.assessment_working_days))],
            )
        }
        (S::InitialAssessed, A::AssessDetailed { .. }) if case.risk == Some(RiskLevel::High) => {
            return Err(CaseError::Guard { field: "risk", message: "a high risk needs emergency intervention first" });
        }
        (S::InitialAssessed | S::Emergency, A::AssessDetailed { note }) => {
            need(note, "note")?;
            (S::DetailedAssessed, vec![T::DetailedAssessment], vec![(T::DraftPlan, Due::WorkingDays(d.planning_working_days))])
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
                (T::Close, Due::WorkingDays(d.start_working_days))
            } else {
                (T::DraftPlan, Due::WorkingDays(d.planning_working_days))
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

/// The due time of a task, given the calendar for working days.
pub fn due_at(
    due: Due,
    received_at: OffsetDateTime,
    now: OffsetDateTime,
    working_days: &dyn Fn(OffsetDateTime, u32) -> OffsetDateTime,
) -> OffsetDateTime {
    match due {
        Due::HoursFromReceipt(h) => received_at + Duration::hours(h),
        Due::WorkingDays(n) => working_days(now, n),
        Due::At(t) => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-03-02 08:00 UTC);

    fn fresh() -> CaseSnapshot {
        CaseSnapshot { state: CaseState::Received, received_at: T0, risk: None, interventions: 1, last_review_safe: None }
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

    #[test]
    fn deadlines_of_the_law() {
        let tasks = intake_tasks(true, &Deadlines::default());
        assert!(tasks.contains(&(TaskKind::EmergencyIntervention, Due::HoursFromReceipt(12))));
        let mut c = fresh();
        c.state = CaseState::PlanDrafted;
        let s = apply(&c, &CaseAction::ApprovePlan { approved_by: "x".into(), review_at: T0 }, T0, &Deadlines::default());
        assert_eq!(s.unwrap_err().code(), "GUARD_FAILED", "a review date in the past is refused");
        c.state = CaseState::DetailedAssessed;
        let s = apply(&c, &CaseAction::DraftPlan { summary: "x".into() }, T0, &Deadlines::default()).unwrap();
        assert_eq!(s.creates, vec![(TaskKind::ApprovePlan, Due::WorkingDays(7))]);
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
            let case = CaseSnapshot { state, received_at: T0, risk: None, interventions: 1, last_review_safe: Some(true) };
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
        let doc = include_str!("../../../docs/state-machines/case.md");
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

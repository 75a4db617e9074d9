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
    /// Clock hours after the report was received (the 12-hour emergency window of an
    /// urgent report).
    HoursFromReceipt(i64),
    /// Clock hours after the step that creates the task (the 12-hour emergency window
    /// opened by an assessment that finds the child seriously threatened).
    HoursFromNow(i64),
    /// Working days after now (weekends and public holidays skipped).
    WorkingDays(u32),
    /// A date the user set (the review date of an approved plan).
    At(OffsetDateTime),
}

/// Where the length of a deadline comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DeadlineSource {
    /// Fixed by a legal text, cited as article and clause; not configurable.
    Law { citation: &'static str },
    /// The administrative-procedure sheet published for the procedure (the processing
    /// time a province announces); configurable, a province's sheet may say otherwise.
    ProcedureSheet { citation: &'static str },
    /// No text fixes it: a local default, configurable.
    LocalDefault,
}

impl DeadlineSource {
    /// Whether a province may change it (`Deadlines::with_overrides`).
    pub fn configurable(self) -> bool {
        !matches!(self, Self::Law { .. })
    }
}

/// Decree 56/2017/NĐ-CP, Art. 26(3): where the child is found at risk of, or suffering,
/// serious harm to life, health or dignity, emergency intervention (Art. 31, 32) within
/// 12 hours of receiving the information.
pub const ART_26_3: &str = "Nghị định 56/2017/NĐ-CP, Điều 26 khoản 3";
/// Decree 56/2017/NĐ-CP, Art. 28(1): the commune's child-protection worker drafts the
/// support and intervention plan within 5 working days, except in an emergency.
pub const ART_28_1: &str = "Nghị định 56/2017/NĐ-CP, Điều 28 khoản 1";
/// The procedure "Phê duyệt kế hoạch hỗ trợ, can thiệp…" published by QĐ 847/QĐ-LĐTBXH
/// (9 June 2017) and on provincial procedure sheets: processed within 7 working days,
/// except in an emergency.
pub const PROCEDURE_847: &str = "QĐ 847/QĐ-LĐTBXH, thủ tục phê duyệt kế hoạch hỗ trợ, can thiệp";

/// One deadline the system applies: its settings key, the task it sets, the length's
/// unit, its source and its default. The list is [`DEADLINES`]; docs/CASES.md states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeadlineRule {
    /// The key of [`Deadlines::with_overrides`] and of the table in docs/CASES.md.
    pub key: &'static str,
    pub task: TaskKind,
    /// When it applies, in words (for the documentation and the test that keeps it).
    pub when: &'static str,
    /// `hours` (clock hours) or `working_days`.
    pub unit: &'static str,
    pub source: DeadlineSource,
    pub default: u32,
}

/// Every deadline, legal ones first.
pub const DEADLINES: &[DeadlineRule] = &[
    DeadlineRule {
        key: "emergency_hours",
        task: TaskKind::EmergencyIntervention,
        when: "an urgent report (from receipt), or an initial assessment finding high risk (from that assessment); \
               in an urgent report verification and initial assessment too, since they come before the measure",
        unit: "hours",
        source: DeadlineSource::Law { citation: ART_26_3 },
        default: 12,
    },
    DeadlineRule {
        key: "plan_drafting_working_days",
        task: TaskKind::DraftPlan,
        when: "after the detailed assessment, and again after a review finding the child not yet safe",
        unit: "working_days",
        source: DeadlineSource::Law { citation: ART_28_1 },
        default: 5,
    },
    DeadlineRule {
        key: "plan_approval_working_days",
        task: TaskKind::ApprovePlan,
        when: "after the plan is drafted (the commune chair's approval)",
        unit: "working_days",
        source: DeadlineSource::ProcedureSheet { citation: PROCEDURE_847 },
        default: 7,
    },
    DeadlineRule {
        key: "verify_working_days",
        task: TaskKind::Verify,
        when: "a report that is not urgent, from receipt",
        unit: "working_days",
        source: DeadlineSource::LocalDefault,
        default: 1,
    },
    DeadlineRule {
        key: "initial_assessment_working_days",
        task: TaskKind::InitialAssessment,
        when: "a report that is not urgent, after verification",
        unit: "working_days",
        source: DeadlineSource::LocalDefault,
        default: 2,
    },
    DeadlineRule {
        key: "detailed_assessment_working_days",
        task: TaskKind::DetailedAssessment,
        when: "after an initial assessment of low or medium risk, or after the emergency intervention",
        unit: "working_days",
        source: DeadlineSource::LocalDefault,
        default: 5,
    },
    DeadlineRule {
        key: "start_working_days",
        task: TaskKind::StartPlan,
        when: "after the plan is approved",
        unit: "working_days",
        source: DeadlineSource::LocalDefault,
        default: 3,
    },
    DeadlineRule {
        key: "close_working_days",
        task: TaskKind::Close,
        when: "after a review finding the child safe and stable",
        unit: "working_days",
        source: DeadlineSource::LocalDefault,
        default: 3,
    },
];

/// The source of the deadline of a `task` in a case that is (or is not) `urgent`: the
/// review falls due on the date set when the plan is approved (`None`).
pub fn deadline_source(task: TaskKind, urgent: bool) -> Option<DeadlineSource> {
    let rule = match task {
        TaskKind::Verify | TaskKind::InitialAssessment if urgent => "emergency_hours",
        TaskKind::Review => return None,
        _ => DEADLINES.iter().find(|r| r.task == task)?.key,
    };
    DEADLINES.iter().find(|r| r.key == rule).map(|r| r.source)
}

/// The deadlines the system applies (see [`DEADLINES`] for where each comes from).
/// The legal ones are fixed; the others are configurable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Decree 56 Art. 26(3): 12 clock hours.
    pub emergency_hours: i64,
    /// Decree 56 Art. 28(1): 5 working days.
    pub plan_drafting_working_days: u32,
    /// The procedure sheet: 7 working days (configurable).
    pub plan_approval_working_days: u32,
    /// Local defaults (configurable).
    pub verify_working_days: u32,
    pub initial_assessment_working_days: u32,
    pub detailed_assessment_working_days: u32,
    pub start_working_days: u32,
    pub close_working_days: u32,
}

impl Default for Deadlines {
    fn default() -> Self {
        let d = |key: &str| DEADLINES.iter().find(|r| r.key == key).map_or(0, |r| r.default);
        Self {
            emergency_hours: i64::from(d("emergency_hours")),
            plan_drafting_working_days: d("plan_drafting_working_days"),
            plan_approval_working_days: d("plan_approval_working_days"),
            verify_working_days: d("verify_working_days"),
            initial_assessment_working_days: d("initial_assessment_working_days"),
            detailed_assessment_working_days: d("detailed_assessment_working_days"),
            start_working_days: d("start_working_days"),
            close_working_days: d("close_working_days"),
        }
    }
}

impl Deadlines {
    /// The defaults changed by `text`: `key = n` pairs separated by commas or new lines
    /// (`verify_working_days = 2, close_working_days = 5`), each key one of
    /// [`DEADLINES`] whose source is configurable, `n` from 1 to 60. A legal deadline, an
    /// unknown key or a bad number is refused with a message naming it.
    pub fn with_overrides(text: &str) -> Result<Self, String> {
        let mut d = Self::default();
        for part in text.split([',', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| format!("`{part}`: expected key = number"))?;
            let key = key.trim();
            let rule = DEADLINES.iter().find(|r| r.key == key).ok_or_else(|| {
                let keys: Vec<&str> = DEADLINES.iter().filter(|r| r.source.configurable()).map(|r| r.key).collect();
                format!("`{key}` is not a case deadline: one of {}", keys.join(", "))
            })?;
            if let DeadlineSource::Law { citation } = rule.source {
                return Err(format!("`{key}` is set by law ({citation}) and cannot be changed"));
            }
            let n: u32 = value
                .trim()
                .parse()
                .ok()
                .filter(|n| (1..=60).contains(n))
                .ok_or_else(|| format!("`{key}`: a whole number from 1 to 60"))?;
            match key {
                "plan_approval_working_days" => d.plan_approval_working_days = n,
                "verify_working_days" => d.verify_working_days = n,
                "initial_assessment_working_days" => d.initial_assessment_working_days = n,
                "detailed_assessment_working_days" => d.detailed_assessment_working_days = n,
                "start_working_days" => d.start_working_days = n,
                "close_working_days" => d.close_working_days = n,
                _ => return Err(format!("`{key}` cannot be changed")),
            }
        }
        Ok(d)
    }

    /// The value in force for a rule of [`DEADLINES`] (for showing the deadlines in use).
    pub fn value(&self, key: &str) -> Option<i64> {
        Some(match key {
            "emergency_hours" => self.emergency_hours,
            "plan_drafting_working_days" => i64::from(self.plan_drafting_working_days),
            "plan_approval_working_days" => i64::from(self.plan_approval_working_days),
            "verify_working_days" => i64::from(self.verify_working_days),
            "initial_assessment_working_days" => i64::from(self.initial_assessment_working_days),
            "detailed_assessment_working_days" => i64::from(self.detailed_assessment_working_days),
            "start_working_days" => i64::from(self.start_working_days),
            "close_working_days" => i64::from(self.close_working_days),
            _ => return None,
        })
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

/// The tasks a newly received report starts with. An urgent report (the child's life,
/// health or dignity seriously threatened) opens the emergency path: the emergency
/// intervention within 12 hours of receipt (Decree 56 Art. 26(3)), and verification
/// within the same 12 hours, since it comes before the measure. Any other report is
/// verified within the local default of working days from receipt.
pub fn intake_tasks(urgent: bool, d: &Deadlines) -> Vec<(TaskKind, Due)> {
    if urgent {
        vec![
            (TaskKind::Verify, Due::HoursFromReceipt(d.emergency_hours)),
            (TaskKind::EmergencyIntervention, Due::HoursFromReceipt(d.emergency_hours)),
        ]
    } else {
        vec![(TaskKind::Verify, Due::WorkingDays(d.verify_working_days))]
    }
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

/// The due time of a task, given the calendar for working days.
pub fn due_at(
    due: Due,
    received_at: OffsetDateTime,
    now: OffsetDateTime,
    working_days: &dyn Fn(OffsetDateTime, u32) -> OffsetDateTime,
) -> OffsetDateTime {
    match due {
        Due::HoursFromReceipt(h) => received_at + Duration::hours(h),
        Due::HoursFromNow(h) => now + Duration::hours(h),
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
        let doc = include_str!("../../../docs/CASES.md");
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

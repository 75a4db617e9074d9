//! The tasks a case creates and when each is due: the Decree's limits (with the article they
//! come from), the procedure sheet's, and the local defaults a province may change.

use super::*;

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

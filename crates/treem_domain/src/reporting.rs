//! The plan's reporting cycle (section V of the founding plan), as rules with no IO: who
//! owes a report for a year ([`obligations`], from the plan's [`Reporting`] and the
//! administrative map of the due day), when it is due and whether it came in time
//! ([`due_on`], [`timeliness`], in Vietnam's time), how a report moves from draft to locked
//! ([`ReportState`], [`apply`]), and how complete a year's cycle is ([`completeness`]:
//! never above 100 %, a late report counted late and never lost, a reporter the map no
//! longer has not counted missing).
//!
//! Issue #14 builds the stored cycle on these rules; this module is its core only.

use std::collections::HashMap;
use time::{Date, Month, OffsetDateTime};

use crate::calendar::VIETNAM_OFFSET;
use crate::plan::Reporting;
use crate::units::{UnitCatalog, UnitId, UnitLevel};

/// Who owes a report: an agency of the plan, or a locality's People's Committee (the
/// agency row that stands for "each district", with the unit).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReporterKey {
    Agency(String),
    Locality { agency: String, unit: UnitId },
}

/// One report owed for one year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    pub reporter: ReporterKey,
    pub year: i32,
    pub due: Date,
}

/// Why the cycle of a year cannot be set up from a plan's reporting sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CycleError {
    #[error("the due day `{0}` is not MM-DD")]
    BadDueDay(String),
    #[error("the due day does not exist in {0}")]
    NoSuchDay(i32),
}

/// The due day of `year`'s report ("MM-DD" of the plan; 15 November: `11-15`).
pub fn due_on(reporting: &Reporting, year: i32) -> Result<Date, CycleError> {
    let bad = || CycleError::BadDueDay(reporting.due.clone());
    let (m, d) = reporting.due.split_once('-').ok_or_else(bad)?;
    let month = m.parse::<u8>().ok().and_then(|m| Month::try_from(m).ok()).ok_or_else(bad)?;
    let day = d.parse::<u8>().map_err(|_| bad())?;
    Date::from_calendar_date(year, month, day).map_err(|_| CycleError::NoSuchDay(year))
}

/// Every report owed for `year`: each agency once, and for a reporter row of a level
/// ("each district") every unit of that level on the map of the due day. When the level
/// no longer exists on that day (districts after 1 July 2025), the units of the level
/// below report in its place (the communes' People's Committees).
pub fn obligations(reporting: &Reporting, year: i32, catalog: &UnitCatalog) -> Result<Vec<Obligation>, CycleError> {
    let due = due_on(reporting, year)?;
    let mut out = Vec::new();
    for r in &reporting.reporters {
        match r.each.as_ref().and_then(|l| l.known()) {
            None => out.push(Obligation { reporter: ReporterKey::Agency(r.agency.clone()), year, due }),
            Some(level) => {
                let on_map = |level: UnitLevel| -> Vec<UnitId> {
                    let mut units: Vec<&crate::units::AdminUnit> =
                        catalog.units().iter().filter(|u| u.level == level && u.validity.contains(due)).collect();
                    crate::units::sort_units(&mut units);
                    units.into_iter().map(|u| u.id).collect()
                };
                let mut units = on_map(level);
                if units.is_empty() {
                    if let Some(below) = UnitLevel::ALL.iter().skip_while(|l| **l != level).nth(1) {
                        units = on_map(*below);
                    }
                }
                out.extend(units.into_iter().map(|unit| Obligation {
                    reporter: ReporterKey::Locality { agency: r.agency.clone(), unit },
                    year,
                    due,
                }));
            }
        }
    }
    Ok(out)
}

/// How a report stands against its due day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeliness {
    OnTime,
    /// Submitted after the due day, by this many days (1: the day after).
    Late {
        days: i64,
    },
    /// Not submitted, and the due day has passed.
    Missing,
    /// Not submitted yet, and still time.
    Pending,
}

/// Whether a report submitted at `submitted` (none: not yet) came in time for `due`,
/// judged on Vietnam's calendar at `now`. `before`: the due day itself is late ("trước
/// ngày 15 tháng 11"); `on_or_before`: the due day is still on time.
pub fn timeliness(due: Date, due_rule: &str, submitted: Option<OffsetDateTime>, now: OffsetDateTime) -> Timeliness {
    let last_on_time = if due_rule == "before" { due.previous_day().unwrap_or(due) } else { due };
    let day = |at: OffsetDateTime| at.checked_to_offset(VIETNAM_OFFSET).map_or(at.date(), |t| t.date());
    match submitted {
        Some(at) if day(at) <= last_on_time => Timeliness::OnTime,
        Some(at) => Timeliness::Late { days: (day(at) - last_on_time).whole_days() },
        None if day(now) > last_on_time => Timeliness::Missing,
        None => Timeliness::Pending,
    }
}

/// A year's cycle in figures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completeness {
    /// Reports owed.
    pub expected: usize,
    pub on_time: usize,
    pub late: usize,
    pub missing: usize,
    pub pending: usize,
    /// Submissions from reporters that owe nothing this year (a unit the map no longer
    /// has, a reporter added by mistake): listed, not counted in the rates.
    pub unexpected: Vec<ReporterKey>,
}

impl Completeness {
    /// Submitted (on time or late) per 10,000 owed: 10,000 at most.
    pub fn completeness_bp(&self) -> i64 {
        ratio(self.on_time + self.late, self.expected)
    }

    /// On time per 10,000 owed.
    pub fn timeliness_bp(&self) -> i64 {
        ratio(self.on_time, self.expected)
    }
}

fn ratio(part: usize, whole: usize) -> i64 {
    if whole == 0 {
        return 0;
    }
    let (p, w) = (i64::try_from(part).unwrap_or(i64::MAX), i64::try_from(whole).unwrap_or(i64::MAX));
    (p.min(w) * 10_000 + w / 2) / w
}

/// The cycle of `owed` given the first submission of each reporter, at `now`. A report is
/// counted once, by its first submission: a report returned and submitted again stays as
/// timely as it first came in.
pub fn completeness(
    owed: &[Obligation],
    due_rule: &str,
    submitted: &HashMap<ReporterKey, OffsetDateTime>,
    now: OffsetDateTime,
) -> Completeness {
    let mut c = Completeness { expected: owed.len(), ..Completeness::default() };
    for o in owed {
        match timeliness(o.due, due_rule, submitted.get(&o.reporter).copied(), now) {
            Timeliness::OnTime => c.on_time += 1,
            Timeliness::Late { .. } => c.late += 1,
            Timeliness::Missing => c.missing += 1,
            Timeliness::Pending => c.pending += 1,
        }
    }
    let mut unexpected: Vec<ReporterKey> = submitted.keys().filter(|k| !owed.iter().any(|o| &o.reporter == *k)).cloned().collect();
    unexpected.sort();
    c.unexpected = unexpected;
    c
}

/// Where a report is in its workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportState {
    /// Being written by its reporter (saved as typed).
    Draft,
    /// Sent to the consolidating agency.
    Submitted,
    /// Sent back with comments; the reporter edits and submits again.
    Returned,
    /// Accepted by the consolidating agency; its figures count.
    Approved,
    /// Closed with the year's consolidated report: nothing changes it any more.
    Locked,
}

impl ReportState {
    pub const ALL: [ReportState; 5] = [Self::Draft, Self::Submitted, Self::Returned, Self::Approved, Self::Locked];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Submitted => "submitted",
            Self::Returned => "returned",
            Self::Approved => "approved",
            Self::Locked => "locked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The reporter may change the report's content.
    pub fn editable(self) -> bool {
        matches!(self, Self::Draft | Self::Returned)
    }
}

/// A move on a report: the reporter's (save, submit) or the consolidating agency's
/// (return, approve, lock). Who may make which is the access table's question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportAction {
    Save,
    Submit,
    Return { comment: String },
    Approve,
    Lock,
}

impl ReportAction {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Save => "save",
            Self::Submit => "submit",
            Self::Return { .. } => "return",
            Self::Approve => "approve",
            Self::Lock => "lock",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("`{action}` is not allowed from `{}`", from.as_str())]
    IllegalTransition { from: ReportState, action: &'static str },
    #[error("the report is locked")]
    Locked,
    #[error("a returned report needs a comment saying what to change")]
    CommentNeeded,
}

/// The state a report is in after `action`, or why the move is refused.
pub fn apply(state: ReportState, action: &ReportAction) -> Result<ReportState, ReportError> {
    use ReportAction as A;
    use ReportState as S;
    if state == S::Locked {
        return Err(ReportError::Locked);
    }
    let illegal = || ReportError::IllegalTransition { from: state, action: action.name() };
    match (state, action) {
        (S::Draft | S::Returned, A::Save) => Ok(state),
        (S::Draft | S::Returned, A::Submit) => Ok(S::Submitted),
        (S::Submitted, A::Return { comment }) if comment.trim().is_empty() => Err(ReportError::CommentNeeded),
        (S::Submitted, A::Return { .. }) => Ok(S::Returned),
        (S::Submitted, A::Approve) => Ok(S::Approved),
        (S::Approved, A::Lock) => Ok(S::Locked),
        _ => Err(illegal()),
    }
}

/// One figure of a report as submitted, with the figure it is a part of (girls of all
/// children, say) and the range a value is plausible in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub element: String,
    pub value: Option<i64>,
    /// The element whose value this one is part of.
    pub part_of: Option<String>,
    /// (low, high): outside it the value is flagged for a confirming reason, not refused.
    pub plausible: Option<(i64, i64)>,
    /// The reason the reporter gave for a value outside its range.
    pub reason: Option<String>,
}

/// What a submission's check found: refusals, and values to confirm with a reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubmitCheck {
    /// (element, why): the report cannot be submitted.
    pub errors: Vec<(String, &'static str)>,
    /// Elements outside their plausible range, with no reason given yet.
    pub to_confirm: Vec<String>,
}

/// Checks a report before it is submitted: no negative figure, a part never above its
/// total, every required section filled; a figure outside its plausible range needs a
/// reason (it is not refused: an unusual year is still a fact).
pub fn check_submission(figures: &[Figure], required_sections: &[(&str, &str)]) -> SubmitCheck {
    let mut out = SubmitCheck::default();
    let value = |e: &str| figures.iter().find(|f| f.element == e).and_then(|f| f.value);
    for f in figures {
        let Some(v) = f.value else { continue };
        if v < 0 {
            out.errors.push((f.element.clone(), "must not be negative"));
            continue;
        }
        if let Some(total) = f.part_of.as_deref().and_then(value) {
            if v > total {
                out.errors.push((f.element.clone(), "is more than the total it is part of"));
            }
        }
        if let Some((low, high)) = f.plausible {
            if (v < low || v > high) && f.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                out.to_confirm.push(f.element.clone());
            }
        }
    }
    for (section, text) in required_sections {
        if text.trim().is_empty() {
            out.errors.push(((*section).to_owned(), "must be filled in"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coded::Coded;
    use crate::plan::Reporter;
    use crate::units::{AdminUnit, UnitType, Validity};
    use time::macros::{date, datetime};

    fn reporting(due_rule: &str) -> Reporting {
        Reporting {
            reporters_vi: String::new(),
            reporters_en: String::new(),
            reporters: vec![
                Reporter { agency: "A2".into(), each: None },
                Reporter { agency: "A12".into(), each: Some(Coded::Known(UnitLevel::District)) },
            ],
            addressee: "ubnd".into(),
            consolidator: "A1".into(),
            recipients: vec![],
            due: "11-15".into(),
            due_vi: "trước ngày 15 tháng 11".into(),
            due_en: "before 15 November".into(),
            due_rule: due_rule.into(),
            frequency: "yearly".into(),
            period_covered: None,
        }
    }

    /// Two districts until 30 June 2025, then three communes and no district.
    fn catalog() -> UnitCatalog {
        let before = Validity { from: date!(2008 - 01 - 01), to: Some(date!(2025 - 07 - 01)) };
        let after = Validity { from: date!(2025 - 07 - 01), to: None };
        let u = |id, code: &str, level, validity| AdminUnit {
            id: UnitId(id),
            code: code.into(),
            name: format!("Đơn vị {code}"),
            level,
            unit_type: UnitType::Xa,
            validity,
            lat: None,
            lon: None,
            area_km2: None,
        };
        UnitCatalog::new(
            vec![
                u(1, "866", UnitLevel::District, before),
                u(2, "867", UnitLevel::District, before),
                u(3, "29884", UnitLevel::Commune, after),
                u(4, "29888", UnitLevel::Commune, after),
                u(5, "29890", UnitLevel::Commune, after),
            ],
            vec![],
            vec![],
        )
    }

    #[test]
    fn localities_report_by_the_map_of_the_due_day() {
        let r = reporting("before");
        let y2024 = obligations(&r, 2024, &catalog()).unwrap();
        assert_eq!(y2024.len(), 3, "the department and the two districts");
        assert_eq!(y2024[1].reporter, ReporterKey::Locality { agency: "A12".into(), unit: UnitId(1) });
        assert_eq!(y2024[0].due, date!(2024 - 11 - 15));
        let y2025 = obligations(&r, 2025, &catalog()).unwrap();
        let units: Vec<_> =
            y2025.iter().filter_map(|o| if let ReporterKey::Locality { unit, .. } = &o.reporter { Some(*unit) } else { None }).collect();
        assert_eq!(units, [UnitId(3), UnitId(4), UnitId(5)], "no district after the reform: the communes report");
        let mut bad = r.clone();
        bad.due = "15/11".into();
        assert_eq!(obligations(&bad, 2024, &catalog()), Err(CycleError::BadDueDay("15/11".into())));
    }

    /// The founding plan's own sentence: ten departments and the districts before the
    /// reform, the ten and the communes after it, before 15 November.
    #[test]
    fn the_founding_plans_reporters_follow_the_map() {
        let plan: crate::plan::Plan = toml::from_str(crate::bundled::PLAN_DONG_THAP_2013).unwrap();
        let r = plan.reporting.expect("the plan says who reports");
        assert_eq!((r.due_rule.as_str(), due_on(&r, 2024)), ("before", Ok(date!(2024 - 11 - 15))));
        let count = |year| {
            let owed = obligations(&r, year, &catalog()).unwrap();
            let localities = owed.iter().filter(|o| matches!(o.reporter, ReporterKey::Locality { .. })).count();
            (owed.len() - localities, localities)
        };
        assert_eq!(count(2024), (10, 2));
        assert_eq!(count(2025), (10, 3));
    }

    #[test]
    fn before_the_fifteenth_means_the_fourteenth_in_vietnam() {
        let due = date!(2024 - 11 - 15);
        let now = datetime!(2024-12-01 00:00 UTC);
        // 16:59 UTC on the 14th is 23:59 in Vietnam; 17:00 UTC is already the 15th.
        assert_eq!(timeliness(due, "before", Some(datetime!(2024-11-14 16:59 UTC)), now), Timeliness::OnTime);
        assert_eq!(timeliness(due, "before", Some(datetime!(2024-11-14 17:00 UTC)), now), Timeliness::Late { days: 1 });
        assert_eq!(timeliness(due, "on_or_before", Some(datetime!(2024-11-14 17:00 UTC)), now), Timeliness::OnTime);
        assert_eq!(timeliness(due, "before", None, now), Timeliness::Missing);
        assert_eq!(timeliness(due, "before", None, datetime!(2024-11-10 00:00 UTC)), Timeliness::Pending);
    }

    #[test]
    fn completeness_counts_each_owed_report_once_and_never_passes_a_hundred() {
        let r = reporting("before");
        let owed = obligations(&r, 2024, &catalog()).unwrap();
        let mut sent = HashMap::new();
        sent.insert(owed[0].reporter.clone(), datetime!(2024-11-01 03:00 UTC));
        sent.insert(owed[1].reporter.clone(), datetime!(2024-11-20 03:00 UTC));
        // A commune of the new map reporting for 2024 owes nothing that year.
        let stray = ReporterKey::Locality { agency: "A12".into(), unit: UnitId(3) };
        sent.insert(stray.clone(), datetime!(2024-11-02 03:00 UTC));
        let c = completeness(&owed, &r.due_rule, &sent, datetime!(2024-12-01 00:00 UTC));
        assert_eq!((c.expected, c.on_time, c.late, c.missing, c.pending), (3, 1, 1, 1, 0));
        assert_eq!(c.unexpected, vec![stray]);
        assert_eq!((c.completeness_bp(), c.timeliness_bp()), (6_667, 3_333));
        assert_eq!(Completeness::default().completeness_bp(), 0, "nothing owed: no rate, not a division by zero");
    }

    #[test]
    fn a_report_goes_draft_submitted_returned_submitted_approved_locked() {
        use ReportAction as A;
        use ReportState as S;
        let mut s = S::Draft;
        for (action, to) in [
            (A::Save, S::Draft),
            (A::Submit, S::Submitted),
            (A::Return { comment: "Thiếu số liệu".into() }, S::Returned),
            (A::Save, S::Returned),
            (A::Submit, S::Submitted),
            (A::Approve, S::Approved),
            (A::Lock, S::Locked),
        ] {
            s = apply(s, &action).unwrap();
            assert_eq!(s, to, "{action:?}");
        }
        assert_eq!(apply(S::Locked, &A::Save), Err(ReportError::Locked));
        assert_eq!(apply(S::Submitted, &A::Return { comment: " ".into() }), Err(ReportError::CommentNeeded));
        assert_eq!(apply(S::Submitted, &A::Save), Err(ReportError::IllegalTransition { from: S::Submitted, action: "save" }));
        assert_eq!(apply(S::Draft, &A::Approve), Err(ReportError::IllegalTransition { from: S::Draft, action: "approve" }));
    }

    /// Every sequence of moves keeps to the picture: content changes only while the
    /// reporter holds the report, and nothing leaves `locked`.
    #[test]
    fn no_sequence_of_moves_leaves_the_picture() {
        use proptest::prelude::*;
        let action = prop_oneof![
            Just(ReportAction::Save),
            Just(ReportAction::Submit),
            "[a-z ]{0,3}".prop_map(|comment| ReportAction::Return { comment }),
            Just(ReportAction::Approve),
            Just(ReportAction::Lock),
        ];
        proptest!(|(moves in proptest::collection::vec(action, 0..30))| {
            let mut s = ReportState::Draft;
            let mut approved = false;
            for m in &moves {
                let before = s;
                match apply(s, m) {
                    Ok(to) => {
                        if *m == ReportAction::Save { prop_assert!(before.editable()); }
                        if to == ReportState::Locked { prop_assert!(before == ReportState::Approved); }
                        approved |= to == ReportState::Approved;
                        s = to;
                    }
                    Err(_) => prop_assert_eq!(s, before),
                }
                if before == ReportState::Locked { prop_assert_eq!(s, ReportState::Locked); }
            }
            if s == ReportState::Locked { prop_assert!(approved); }
        });
    }

    #[test]
    fn a_part_above_its_total_is_refused_and_an_outlier_asks_for_a_reason() {
        let f = |element: &str, value: i64, part_of: Option<&str>, plausible: Option<(i64, i64)>, reason: Option<&str>| Figure {
            element: element.into(),
            value: Some(value),
            part_of: part_of.map(str::to_owned),
            plausible,
            reason: reason.map(str::to_owned),
        };
        let figures = vec![
            f("children_abused", 12, None, Some((0, 10)), None),
            f("girls_abused", 13, Some("children_abused"), None, None),
            f("children_drowned", 40, None, Some((0, 20)), Some("Lũ lớn năm 2024")),
            f("schools", -1, None, None, None),
        ];
        let c = check_submission(&figures, &[("results", "Đã tổ chức 12 lớp"), ("difficulties", "  ")]);
        assert_eq!(
            c.errors,
            vec![
                ("girls_abused".to_owned(), "is more than the total it is part of"),
                ("schools".to_owned(), "must not be negative"),
                ("difficulties".to_owned(), "must be filled in"),
            ]
        );
        assert_eq!(c.to_confirm, vec!["children_abused".to_owned()], "the drowning figure has its reason");
    }
}

//! Progress against targets: yearly changes (compounded or year on year), unit counts and
//! shares with a status, per-unit targets and milestones.

use super::{parse_hundredths, unit_target_level, Comparison, Leg, Target, TargetKind, UnitTarget};
use crate::coded::Coded;
use crate::units::UnitLevel;
use serde::Serialize;

/// Dated statuses a unit can hold (recorded with the decision that conferred them).
pub const UNIT_STATUSES: &[&str] = &["child_friendly", "community_based_protection", "juvenile_diversion_pilot"];

/// One leg of a unit-count target in one year ("> 45 communes").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegProgress {
    pub level: Coded<UnitLevel>,
    pub operator: Coded<Comparison>,
    pub value: i64,
    /// Units of the level holding the status on the day counted.
    pub count: i64,
    /// All units of the level in the plan's area on that day.
    pub total: i64,
    pub met: bool,
}

/// A unit-count or unit-share target on the last day of one year (or today, this year).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusYear {
    pub year: i32,
    pub on: time::Date,
    pub legs: Vec<LegProgress>,
    pub status: YearStatus,
}

/// Compares by the leg's operator; one treem does not know (refused by the checks) asks equality.
fn compare(left: i128, operator: &Coded<Comparison>, right: i128) -> bool {
    operator.known().unwrap_or(Comparison::Equal).holds(left, right)
}

/// The progress of a `unit_count_with_status` or `unit_share_with_status` target, year by
/// year from `first_year` to its deadline (or today). `count(level, day)` answers
/// (units of the level holding the status, all units of the level) in the plan's area.
pub fn unit_status_progress(
    t: &Target,
    first_year: i32,
    today: time::Date,
    count: impl FnMut(UnitLevel, time::Date) -> (i64, i64),
) -> Vec<StatusYear> {
    let legs: Vec<(&Leg, i64)> = t.legs.iter().map(|l| (l, l.value.saturating_mul(100))).collect();
    status_years(t.is(TargetKind::UnitShareWithStatus), &legs, first_year, t.deadline, today, count)
}

/// Year by year from `first_year` to `deadline` (or today): whether every leg holds, a
/// leg's value given in hundredths (a share of 12.5 % is 1250).
fn status_years(
    share: bool,
    legs: &[(&Leg, i64)],
    first_year: i32,
    deadline: i32,
    today: time::Date,
    mut count: impl FnMut(UnitLevel, time::Date) -> (i64, i64),
) -> Vec<StatusYear> {
    let mut out = Vec::new();
    for year in first_year..=deadline.min(today.year()) {
        let Ok(year_end) = time::Date::from_calendar_date(year, time::Month::December, 31) else { continue };
        let on = year_end.min(today);
        let legs: Vec<LegProgress> = legs
            .iter()
            .map(|(l, hundredths)| {
                // A level treem does not know (refused by the checks) holds no units.
                let (n, total) = l.level.known().map_or((0, 0), |level| count(level, on));
                // A share compares n/total with value % exactly: n × 10,000 against value in hundredths × total.
                let met = if share {
                    total > 0 && compare(i128::from(n) * 10_000, &l.operator, i128::from(*hundredths) * i128::from(total))
                } else {
                    compare(i128::from(n) * 100, &l.operator, i128::from(*hundredths))
                };
                LegProgress { level: l.level.clone(), operator: l.operator.clone(), value: hundredths / 100, count: n, total, met }
            })
            .collect();
        let met = !legs.is_empty() && legs.iter().all(|l| l.met);
        let status = match (met, year == deadline, on < year_end) {
            (true, true, false) => YearStatus::Achieved,
            (true, _, _) => YearStatus::OnTrack,
            (false, true, false) => YearStatus::Missed,
            (false, true, true) => YearStatus::AtRisk,
            (false, false, _) => YearStatus::NotYet,
        };
        out.push(StatusYear { year, on, legs, status });
    }
    out
}

/// How one unit's entry of a plan's targets stands, year by year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "years", rename_all = "snake_case")]
pub enum UnitTargetYears {
    /// A relative yearly change: the unit's count against its own compounding ceiling.
    Change(Vec<YearProgress>),
    /// A count or share of the unit's units holding a status.
    Status(Vec<StatusYear>),
}

/// The progress of one unit target (`u`, refining `t`). A relative change compounds the
/// unit's own yearly change from the year before `from_year` over `counts` (the unit's
/// count by year); a count or share is counted year by year over the unit's subtree by
/// `count(level, day)` as for the whole plan. None when the entry does not fit its target
/// (the plan's check reports why).
pub fn unit_target_progress(
    t: &Target,
    u: &UnitTarget,
    today: time::Date,
    counts: &std::collections::BTreeMap<i32, i64>,
    count: impl FnMut(UnitLevel, time::Date) -> (i64, i64),
) -> Option<UnitTargetYears> {
    match t.kind.known()? {
        kind if kind.is_yearly_change() => {
            let own = Target { change_percent: Some(u.value.clone()), from_year: Some(u.from_year), deadline: u.to_year, ..t.clone() };
            own.compounded_ppm(0)?;
            Some(UnitTargetYears::Change(yearly_change_progress(&own, counts, today)))
        }
        kind if kind.is_unit_status() => {
            let level = unit_target_level(u, t)?;
            let leg = t.legs.iter().find(|l| l.level.is(level))?;
            let hundredths = parse_hundredths(&u.value)?;
            let share = kind == TargetKind::UnitShareWithStatus;
            Some(UnitTargetYears::Status(status_years(share, &[(leg, hundredths)], u.from_year, u.to_year, today, count)))
        }
        _ => None,
    }
}

/// One unit a milestone names, and when it held the milestone's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MilestoneUnit {
    pub code: String,
    /// The unit's name on the plan's scope day; none when the code names no unit then.
    pub name: Option<String>,
    /// The first day the unit held the status within the plan's period up to the deadline.
    pub since: Option<time::Date>,
}

/// Where a milestone stands: achieved when every unit it names held its status on some
/// day from the plan's start to the deadline's last day; missed when the deadline passed
/// without; before that, on track when every unit holds it already, at risk in the
/// deadline year when some unit does not yet, not yet otherwise. A milestone with no
/// status to follow is not measured (none).
pub fn milestone_status(deadline: i32, units: &[MilestoneUnit], today: time::Date) -> Option<YearStatus> {
    let last = time::Date::from_calendar_date(deadline, time::Month::December, 31).ok()?;
    let all = !units.is_empty() && units.iter().all(|u| u.since.is_some_and(|d| d <= last));
    Some(match (today > last, all) {
        (true, true) => YearStatus::Achieved,
        (true, false) => YearStatus::Missed,
        (false, true) => YearStatus::OnTrack,
        (false, false) if today.year() == deadline => YearStatus::AtRisk,
        (false, false) => YearStatus::NotYet,
    })
}

/// How a target stands in one year; the rules are in docs/PLANS.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum YearStatus {
    /// The base year: what later years are compared with.
    Baseline,
    /// The base year counted nothing, so a relative change has nothing to apply to.
    NoBaseline,
    Achieved,
    Missed,
    /// The current year, at or under the target pro-rated to today.
    OnTrack,
    /// The current year, over the pro-rated target but still within the year's target.
    AtRisk,
    /// The current year, already over the whole year's target.
    OffTrack,
    /// A count target before its deadline, not met yet.
    NotYet,
    /// A year-on-year target whose previous year counted nothing: there is no share of it
    /// to take, so the year cannot be judged.
    NoData,
}

impl YearStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Baseline => "baseline",
            Self::NoBaseline => "no_baseline",
            Self::Achieved => "achieved",
            Self::Missed => "missed",
            Self::OnTrack => "on_track",
            Self::AtRisk => "at_risk",
            Self::OffTrack => "off_track",
            Self::NotYet => "not_yet",
            Self::NoData => "no_data",
        }
    }
    pub const ALL: [Self; 9] = [
        Self::Baseline,
        Self::NoBaseline,
        Self::Achieved,
        Self::Missed,
        Self::OnTrack,
        Self::AtRisk,
        Self::OffTrack,
        Self::NotYet,
        Self::NoData,
    ];
}

/// One year of a relative-change target: the count, the most it may be, the status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearProgress {
    pub year: i32,
    pub actual: i64,
    /// The ceiling the year is judged against, in hundredths: base × (1 + change)^(years
    /// since base) for a compounded change, (1 + change) × the previous year's count for a
    /// year-on-year reduction; none for the base year and a year that cannot be judged.
    pub target_hundredths: Option<i64>,
    pub status: YearStatus,
    /// A year-on-year reduction only: the compounded path from the base year, in hundredths,
    /// shown beside the judgement as context (never what the year is judged against).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trajectory_hundredths: Option<i64>,
}

/// The progress of a yearly-change target by its kind: compounded from the base year, or
/// judged year on year.
pub fn yearly_change_progress(t: &Target, counts: &std::collections::BTreeMap<i32, i64>, today: time::Date) -> Vec<YearProgress> {
    if t.is(TargetKind::YearOnYearReduction) {
        year_on_year_progress(t, counts, today)
    } else {
        relative_change_progress(t, counts, today)
    }
}

/// base × (1 + change)^(year − base year) in hundredths, rounded half up.
fn compounded_hundredths(t: &Target, base: i64, years: i32) -> i64 {
    let ppm = t.compounded_ppm(u32::try_from(years).unwrap_or(0)).unwrap_or(1_000_000);
    i64::try_from((i128::from(base) * i128::from(ppm) * 100 + 500_000) / 1_000_000).unwrap_or(i64::MAX)
}

/// The progress of a "reduce by N % every year" target judged **year on year**: each year
/// from `from_year` to the deadline (or today's year) against (1 + change) × the previous
/// year's count, the change being negative (−5 %: at most 95 % of the previous year).
///
/// - A past year is *achieved* when its count is at most that ceiling, compared exactly
///   (count × 10,000 ≤ previous × (10,000 + change in hundredths)): a count of exactly 95 %
///   of the previous year is a reduction of 5 %, which is what "giảm 5%" asks; *missed* otherwise.
/// - The current year is *on track* while its count so far is at most the ceiling pro-rated
///   to today, *at risk* above that but within the ceiling, *off track* above the ceiling.
/// - A year whose previous year counted nothing is *no data*: a share of nothing is not a
///   reduction, and treem cannot tell "no case happened" from "no case was recorded".
/// - The first row is the base year (the year before `from_year`), not judged (*no base*
///   when it counted nothing).
///
/// Each year also carries the compounded path from the base year (base × 0.95^years) as
/// context; a year is never judged against it. `counts` holds the indicator by year; a
/// missing year is 0.
pub fn year_on_year_progress(t: &Target, counts: &std::collections::BTreeMap<i32, i64>, today: time::Date) -> Vec<YearProgress> {
    let (Some(first), Some(change)) = (t.from_year, t.change_percent.as_deref().and_then(parse_hundredths)) else { return Vec::new() };
    // The share of the previous year allowed, in hundredths of a percent (−5 % → 9,500).
    let factor = i128::from(10_000 + change);
    let base_year = first - 1;
    let base = counts.get(&base_year).copied().unwrap_or(0);
    let mut out = Vec::new();
    for year in base_year..=t.deadline.min(today.year()) {
        let actual = counts.get(&year).copied().unwrap_or(0);
        let trajectory = (base > 0 && year > base_year).then(|| compounded_hundredths(t, base, year - base_year));
        if year == base_year {
            let status = if base == 0 { YearStatus::NoBaseline } else { YearStatus::Baseline };
            out.push(YearProgress { year, actual, target_hundredths: None, status, trajectory_hundredths: None });
            continue;
        }
        let previous = counts.get(&(year - 1)).copied().unwrap_or(0);
        if previous <= 0 {
            out.push(YearProgress { year, actual, target_hundredths: None, status: YearStatus::NoData, trajectory_hundredths: trajectory });
            continue;
        }
        // Both sides in ten-thousandths of a count, exactly.
        let allowed = i128::from(previous) * factor;
        let counted = i128::from(actual) * 10_000;
        let status = if year < today.year() {
            if counted <= allowed {
                YearStatus::Achieved
            } else {
                YearStatus::Missed
            }
        } else {
            let (day, days) = (i128::from(today.ordinal()), i128::from(time::util::days_in_year(year)));
            if counted * days <= allowed * day {
                YearStatus::OnTrack
            } else if counted <= allowed {
                YearStatus::AtRisk
            } else {
                YearStatus::OffTrack
            }
        };
        // The ceiling shown, in hundredths of a count, rounded half up.
        let shown = i64::try_from((allowed + 50) / 100).unwrap_or(i64::MAX);
        out.push(YearProgress { year, actual, target_hundredths: Some(shown), status, trajectory_hundredths: trajectory });
    }
    out
}

/// The progress of a "change N % a year" target from its base year (the year before
/// `from_year`) to its deadline or `today`'s year, whichever is first; years after
/// today are not shown. `counts` holds the indicator by year; a missing year is 0.
pub fn relative_change_progress(t: &Target, counts: &std::collections::BTreeMap<i32, i64>, today: time::Date) -> Vec<YearProgress> {
    let Some(first) = t.from_year else { return Vec::new() };
    let base_year = first - 1;
    let base = counts.get(&base_year).copied().unwrap_or(0);
    let mut out = Vec::new();
    for year in base_year..=t.deadline.min(today.year()) {
        let actual = counts.get(&year).copied().unwrap_or(0);
        if year == base_year {
            let status = if base == 0 { YearStatus::NoBaseline } else { YearStatus::Baseline };
            out.push(YearProgress { year, actual, target_hundredths: None, status, trajectory_hundredths: None });
            continue;
        }
        let ppm = t.compounded_ppm(u32::try_from(year - base_year).unwrap_or(0)).unwrap_or(1_000_000);
        // base × ppm / 10⁶ in hundredths, rounded half up.
        let target = (i128::from(base) * i128::from(ppm) * 100 + 500_000) / 1_000_000;
        let target = i64::try_from(target).unwrap_or(i64::MAX);
        let actual_h = actual.saturating_mul(100);
        let status = if base == 0 {
            YearStatus::NoBaseline
        } else if year < today.year() {
            if actual_h <= target {
                YearStatus::Achieved
            } else {
                YearStatus::Missed
            }
        } else {
            let days_in_year = i64::from(time::util::days_in_year(year));
            let pro_rated = i64::try_from(i128::from(target) * i128::from(today.ordinal()) / i128::from(days_in_year)).unwrap_or(i64::MAX);
            if actual_h <= pro_rated {
                YearStatus::OnTrack
            } else if actual_h <= target {
                YearStatus::AtRisk
            } else {
                YearStatus::OffTrack
            }
        };
        out.push(YearProgress { year, actual, target_hundredths: Some(target), status, trajectory_hundredths: None });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t1() -> Target {
        Target {
            id: "T1".into(),
            kind: "relative_annual_change".into(),
            text_vi: String::new(),
            text_en: String::new(),
            deadline: 2020,
            lead: String::new(),
            change_percent: Some("-5".into()),
            measure: None,
            from_year: Some(2013),
            indicator: Some("incidents.sexual_abuse".into()),
            status: None,
            legs: vec![],
            units: vec![],
            coordinate: vec![],
            inferred_agencies: vec![],
            population: None,
        }
    }

    #[test]
    fn minus_five_percent_a_year_compounds() {
        assert_eq!(t1().compounded_ppm(8), Some(663_420));
    }

    #[test]
    fn yearly_status_follows_the_compounded_ceiling() {
        use time::macros::date;
        let counts: std::collections::BTreeMap<i32, i64> = [(2012, 40), (2013, 38), (2014, 37), (2015, 20)].into();
        let p = relative_change_progress(&t1(), &counts, date!(2015 - 07 - 02));
        let got: Vec<_> = p.iter().map(|y| (y.year, y.actual, y.target_hundredths, y.status)).collect();
        assert_eq!(
            got,
            vec![
                (2012, 40, None, YearStatus::Baseline),
                (2013, 38, Some(3800), YearStatus::Achieved), // exactly on the ceiling counts as achieved
                (2014, 37, Some(3610), YearStatus::Missed),
                // 2015: ceiling 34.30; 2 July is day 183 of 365, so 17.20 pro-rated: 20 is at risk.
                (2015, 20, Some(3430), YearStatus::AtRisk),
            ]
        );
        let early = relative_change_progress(&t1(), &counts, date!(2015 - 12 - 31));
        assert_eq!(early[3].status, YearStatus::OnTrack);
        let over: std::collections::BTreeMap<i32, i64> = [(2012, 40), (2015, 35)].into();
        assert_eq!(relative_change_progress(&t1(), &over, date!(2015 - 03 - 01))[3].status, YearStatus::OffTrack);
        // Nothing in the base year: no relative target can be set.
        let none: std::collections::BTreeMap<i32, i64> = [(2013, 3)].into();
        assert!(relative_change_progress(&t1(), &none, date!(2026 - 01 - 01)).iter().all(|y| y.status == YearStatus::NoBaseline));
        // Years after the deadline are not shown; years after today neither.
        assert_eq!(relative_change_progress(&t1(), &counts, date!(2026 - 01 - 01)).len(), 9);
        assert_eq!(relative_change_progress(&t1(), &counts, date!(2012 - 06 - 01)).len(), 1);
    }

    fn yoy() -> Target {
        Target { kind: "year_on_year_reduction".into(), ..t1() }
    }

    /// (year, count, ceiling, status, trajectory) of a year-on-year row.
    type YoyRow = (i32, i64, Option<i64>, YearStatus, Option<i64>);

    fn yoy_rows(counts: &[(i32, i64)], today: time::Date) -> Vec<YoyRow> {
        let counts: std::collections::BTreeMap<i32, i64> = counts.iter().copied().collect();
        year_on_year_progress(&yoy(), &counts, today)
            .into_iter()
            .map(|y| (y.year, y.actual, y.target_hundredths, y.status, y.trajectory_hundredths))
            .collect()
    }

    #[test]
    fn a_yearly_reduction_of_five_percent_is_judged_against_the_year_before() {
        use time::macros::date;
        // 2012: 40 → 2013 may be at most 38 (95 % of 40); 2013 counted 38, exactly 95 %:
        // a reduction of 5 % is what "giảm 5%" asks, so it is met.
        // 2014 may be at most 36.10 (95 % of 38): 37 is missed.
        // 2015 is judged against 2014's 37, not the base: at most 35.15, so 35 is met,
        // although the compounded path from 2012 (34.30) would have called it missed.
        let rows = yoy_rows(&[(2012, 40), (2013, 38), (2014, 37), (2015, 35)], date!(2026 - 01 - 01));
        assert_eq!(
            rows[..4],
            [
                (2012, 40, None, YearStatus::Baseline, None),
                (2013, 38, Some(3_800), YearStatus::Achieved, Some(3_800)),
                (2014, 37, Some(3_610), YearStatus::Missed, Some(3_610)),
                (2015, 35, Some(3_515), YearStatus::Achieved, Some(3_430)),
            ]
        );
        // 2016 counted nothing: met (0 ≤ 33.25). The years after follow a year that counted
        // nothing, so they cannot be judged (no data), whatever they count.
        assert_eq!(rows[4].3, YearStatus::Achieved);
        assert_eq!((rows[5].0, rows[5].2, rows[5].3), (2017, None, YearStatus::NoData));
        assert_eq!((rows[6].0, rows[6].2, rows[6].3), (2018, None, YearStatus::NoData));
        // Once a year counts again, the next is judged against it: 2018's 2 against 95 % of 2017's 3.
        let rows = yoy_rows(&[(2012, 40), (2016, 0), (2017, 3), (2018, 2), (2019, 2)], date!(2026 - 01 - 01));
        assert_eq!((rows[5].3, rows[6].2, rows[6].3), (YearStatus::NoData, Some(285), YearStatus::Achieved));
        assert_eq!((rows[7].2, rows[7].3), (Some(190), YearStatus::Missed), "2 after 2 is not a reduction");
        // The years run from the base year to the deadline (2012–2020), and no further than today.
        assert_eq!(rows.len(), 9);
        assert_eq!(yoy_rows(&[(2012, 40)], date!(2012 - 06 - 01)).len(), 1);
    }

    #[test]
    fn exactly_ninety_five_percent_meets_and_one_more_misses() {
        use time::macros::date;
        let later = date!(2026 - 01 - 01);
        let status = |previous: i64, actual: i64| yoy_rows(&[(2012, previous), (2013, actual)], later)[1].3;
        // Whole counts: 95 % of 20 is 19 exactly (met), of 41 is 38.95 (38 met, 39 missed).
        assert_eq!((status(20, 19), status(20, 20)), (YearStatus::Achieved, YearStatus::Missed));
        assert_eq!((status(41, 38), status(41, 39)), (YearStatus::Achieved, YearStatus::Missed));
        // Under 20 a year, 95 % is more than one fewer: one fewer is enough, the same count misses.
        assert_eq!((status(10, 9), status(10, 10)), (YearStatus::Achieved, YearStatus::Missed));
        assert_eq!((status(1, 0), status(1, 1)), (YearStatus::Achieved, YearStatus::Missed));
        // A change with decimals is compared exactly: −5.5 % of 41 allows 38.745, shown rounded 38.75.
        let mut t = yoy();
        t.change_percent = Some("-5.5".into());
        let counts: std::collections::BTreeMap<i32, i64> = [(2012, 41), (2013, 39)].into();
        let y = &year_on_year_progress(&t, &counts, later)[1];
        assert_eq!((y.target_hundredths, y.status), (Some(3_875), YearStatus::Missed));
    }

    #[test]
    fn the_current_year_is_judged_pro_rata_against_the_previous_year() {
        use time::macros::date;
        // 2015: at most 95 % of 2014's 40 = 38; on 2 July (day 183 of 365) that is 19.05 so far.
        let on = date!(2015 - 07 - 02);
        let row = |n: i64| yoy_rows(&[(2012, 50), (2013, 45), (2014, 40), (2015, n)], on)[3].3;
        assert_eq!(
            (row(19), row(20), row(38), row(39)),
            (YearStatus::OnTrack, YearStatus::AtRisk, YearStatus::AtRisk, YearStatus::OffTrack)
        );
        // The trajectory beside it compounds from the base year: 50 × 0.95³ = 42.87.
        assert_eq!(yoy_rows(&[(2012, 50), (2015, 1)], on)[3].4, Some(4_287));
        // A base year that counted nothing gives no trajectory and leaves 2013 unjudged.
        let rows = yoy_rows(&[(2013, 3), (2014, 2)], date!(2026 - 01 - 01));
        assert_eq!((rows[0].3, rows[1].3, rows[1].4), (YearStatus::NoBaseline, YearStatus::NoData, None));
        assert_eq!(rows[2].3, YearStatus::Achieved, "2 after 3 is at most 2.85");
    }

    #[test]
    fn unit_targets_are_met_when_every_leg_is() {
        use time::macros::date;
        let mut t = t1();
        t.kind = "unit_count_with_status".into();
        t.deadline = 2015;
        t.legs = vec![
            Leg { level: "district".into(), operator: ">=".into(), value: 6 },
            Leg { level: "commune".into(), operator: ">".into(), value: 45 },
        ];
        // Districts: 6 from 2014; communes: 30, 45, 46 in 2013–2015.
        let count = |level: UnitLevel, on: time::Date| match (level, on.year()) {
            (UnitLevel::District, y) => (if y >= 2014 { 6 } else { 4 }, 12),
            (_, 2013) => (30, 141),
            (_, 2014) => (45, 141),
            _ => (46, 141),
        };
        let p = unit_status_progress(&t, 2013, date!(2026 - 01 - 01), count);
        let got: Vec<_> = p.iter().map(|y| (y.year, y.status)).collect();
        assert_eq!(got, vec![(2013, YearStatus::NotYet), (2014, YearStatus::NotYet), (2015, YearStatus::Achieved)]);
        assert!(p[1].legs[0].met && !p[1].legs[1].met, "45 is not more than 45");
        // In the deadline year itself, before its end: at risk until met.
        let now = unit_status_progress(&t, 2013, date!(2015 - 06 - 30), |l, _| if l == UnitLevel::District { (6, 12) } else { (10, 141) });
        assert_eq!((now[2].status, now[2].on), (YearStatus::AtRisk, date!(2015 - 06 - 30)));
        // A share: more than 90 % of communes; 127/141 = 90.07 % is more, 126/141 = 89.4 % is not.
        t.kind = "unit_share_with_status".into();
        t.legs = vec![Leg { level: "commune".into(), operator: ">".into(), value: 90 }];
        assert_eq!(unit_status_progress(&t, 2015, date!(2026 - 01 - 01), |_, _| (127, 141))[0].status, YearStatus::Achieved);
        assert_eq!(unit_status_progress(&t, 2015, date!(2026 - 01 - 01), |_, _| (126, 141))[0].status, YearStatus::Missed);
        // No communes at all is never a met share (no division by zero).
        assert_eq!(unit_status_progress(&t, 2015, date!(2026 - 01 - 01), |_, _| (0, 0))[0].status, YearStatus::Missed);
    }

    #[test]
    fn a_unit_target_is_its_own_target_over_its_own_years() {
        use time::macros::date;
        let mut t = t1();
        t.deadline = 2020;
        let u = |value: &str, from_year, to_year, level: Option<&str>| UnitTarget {
            target: t.id.clone(),
            unit_code: "866".into(),
            unit_on: "2021-12-31".into(),
            from_year,
            to_year,
            value: value.into(),
            level: level.map(Coded::new),
        };
        // The unit's own −10 % a year from a base of 100 in 2015: ceilings 90, 81.
        let counts: std::collections::BTreeMap<i32, i64> = [(2015, 100), (2016, 90), (2017, 82)].into_iter().collect();
        let Some(UnitTargetYears::Change(years)) =
            unit_target_progress(&t, &u("-10", 2016, 2017, None), date!(2026 - 01 - 01), &counts, |_, _| (0, 0))
        else {
            panic!("a relative change")
        };
        let got: Vec<_> = years.iter().map(|y| (y.year, y.target_hundredths, y.status)).collect();
        assert_eq!(
            got,
            vec![(2015, None, YearStatus::Baseline), (2016, Some(9_000), YearStatus::Achieved), (2017, Some(8_100), YearStatus::Missed)]
        );
        assert_eq!(unit_target_progress(&t, &u("lots", 2016, 2017, None), date!(2026 - 01 - 01), &counts, |_, _| (0, 0)), None);
        // A share with decimals: more than 62.5 % of the unit's communes; 5/8 is not more, 6/8 is.
        t.kind = "unit_share_with_status".into();
        t.legs = vec![Leg { level: "commune".into(), operator: ">".into(), value: 90 }];
        let share = u("62.5", 2019, 2020, None);
        let Some(UnitTargetYears::Status(years)) =
            unit_target_progress(&t, &share, date!(2026 - 01 - 01), &counts, |_, on| if on.year() == 2019 { (5, 8) } else { (6, 8) })
        else {
            panic!("a share")
        };
        let got: Vec<_> = years.iter().map(|y| (y.year, y.status)).collect();
        assert_eq!(got, vec![(2019, YearStatus::NotYet), (2020, YearStatus::Achieved)]);
        // A level the target does not count is no progress (the plan's check names it).
        assert_eq!(unit_target_progress(&t, &u("50", 2019, 2020, Some("district")), date!(2026 - 01 - 01), &counts, |_, _| (1, 1)), None);
    }

    #[test]
    fn a_milestone_is_reached_when_every_unit_held_its_status_by_the_deadline() {
        use time::macros::date;
        let unit = |since: Option<time::Date>| MilestoneUnit { code: "873".into(), name: None, since };
        let both = [unit(Some(date!(2014 - 03 - 01))), unit(Some(date!(2016 - 12 - 31)))];
        assert_eq!(milestone_status(2016, &both, date!(2026 - 01 - 01)), Some(YearStatus::Achieved));
        let late = [unit(Some(date!(2014 - 03 - 01))), unit(Some(date!(2017 - 01 - 01)))];
        assert_eq!(milestone_status(2016, &late, date!(2026 - 01 - 01)), Some(YearStatus::Missed));
        assert_eq!(milestone_status(2016, &late, date!(2016 - 05 - 01)), Some(YearStatus::AtRisk));
        assert_eq!(milestone_status(2016, &late, date!(2015 - 05 - 01)), Some(YearStatus::NotYet));
        assert_eq!(milestone_status(2016, &both[..1], date!(2015 - 05 - 01)), Some(YearStatus::OnTrack));
        assert_eq!(milestone_status(2016, &[], date!(2026 - 01 - 01)), Some(YearStatus::Missed), "naming no unit is never reached");
    }
}

//! The closed sets of names a plan document uses: a target's kind and a leg's comparison.

use crate::coded::Code;
use std::fmt;

/// What a target is: its kind decides which fields it needs and how it is followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetKind {
    /// A target that groups others; not measured itself.
    Umbrella,
    /// A yearly change in percent compounded from a base year.
    RelativeAnnualChange,
    /// A yearly reduction judged against each previous year.
    YearOnYearReduction,
    /// How many units of a level hold a dated status.
    UnitCountWithStatus,
    /// Which share of the units of a level hold a dated status.
    UnitShareWithStatus,
    /// Named units reach a status by the deadline.
    Milestone,
}

impl TargetKind {
    pub const ALL: [TargetKind; 6] = [
        Self::Umbrella,
        Self::RelativeAnnualChange,
        Self::YearOnYearReduction,
        Self::UnitCountWithStatus,
        Self::UnitShareWithStatus,
        Self::Milestone,
    ];

    /// The kinds that may be refined per unit.
    pub const PER_UNIT: [TargetKind; 4] =
        [Self::RelativeAnnualChange, Self::YearOnYearReduction, Self::UnitCountWithStatus, Self::UnitShareWithStatus];

    /// The stored and exchanged name (`relative_annual_change`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Umbrella => "umbrella",
            Self::RelativeAnnualChange => "relative_annual_change",
            Self::YearOnYearReduction => "year_on_year_reduction",
            Self::UnitCountWithStatus => "unit_count_with_status",
            Self::UnitShareWithStatus => "unit_share_with_status",
            Self::Milestone => "milestone",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A yearly change of a count: compounded from a base year (`relative_annual_change`)
    /// or judged against each previous year (`year_on_year_reduction`).
    pub fn is_yearly_change(self) -> bool {
        matches!(self, Self::RelativeAnnualChange | Self::YearOnYearReduction)
    }

    /// A count or a share of units holding a status.
    pub fn is_unit_status(self) -> bool {
        matches!(self, Self::UnitCountWithStatus | Self::UnitShareWithStatus)
    }
}

impl Code for TargetKind {
    const ALL: &'static [Self] = &Self::ALL;

    fn as_str(self) -> &'static str {
        TargetKind::as_str(self)
    }
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a leg compares the units counted with its value (`>= 6`, `> 45`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Comparison {
    AtLeast,
    MoreThan,
    AtMost,
    LessThan,
    Equal,
}

impl Comparison {
    pub const ALL: [Comparison; 5] = [Self::AtLeast, Self::MoreThan, Self::AtMost, Self::LessThan, Self::Equal];

    /// The stored and exchanged name: `>=`, `>`, `<=`, `<` or `=`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AtLeast => ">=",
            Self::MoreThan => ">",
            Self::AtMost => "<=",
            Self::LessThan => "<",
            Self::Equal => "=",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether `left` stands in this relation to `right`.
    pub fn holds<T: Ord>(self, left: T, right: T) -> bool {
        match self {
            Self::AtLeast => left >= right,
            Self::MoreThan => left > right,
            Self::AtMost => left <= right,
            Self::LessThan => left < right,
            Self::Equal => left == right,
        }
    }
}

impl Code for Comparison {
    const ALL: &'static [Self] = &Self::ALL;

    fn as_str(self) -> &'static str {
        Comparison::as_str(self)
    }
}

impl fmt::Display for Comparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in TargetKind::ALL {
            assert_eq!(TargetKind::parse(k.as_str()), Some(k));
        }
        for c in Comparison::ALL {
            assert_eq!(Comparison::parse(c.as_str()), Some(c));
        }
        assert_eq!((TargetKind::parse("Milestone"), Comparison::parse("=>")), (None, None));
        assert!(Comparison::MoreThan.holds(46, 45) && !Comparison::MoreThan.holds(45, 45) && Comparison::Equal.holds(3, 3));
    }
}

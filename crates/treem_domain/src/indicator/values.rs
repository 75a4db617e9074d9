//! Yearly values of a formula: counts, and ratios in hundredths of a percent.

use super::*;

/// `num ÷ den` in hundredths of a percent, rounded half up; none when `den` is 0.
pub fn percent_hundredths(num: i64, den: i64) -> Option<i64> {
    (den != 0).then(|| (i128::from(num) * 10_000 + i128::from(den) / 2) / i128::from(den)).and_then(|v| i64::try_from(v).ok())
}

/// A value of an indicator for one year: a count, or a percentage in hundredths; none
/// when a ratio's denominator is zero ("no data", never infinity).
pub fn yearly_values(formula: &Formula, facts: &Facts, years: std::ops::RangeInclusive<i32>) -> Vec<(i32, Option<i64>)> {
    yearly_values_from(formula, years, |c| c.by_year(facts))
}

/// [`yearly_values`] from counts by year that `by_year` gives (perhaps remembered).
pub fn yearly_values_from(
    formula: &Formula,
    years: std::ops::RangeInclusive<i32>,
    mut by_year: impl FnMut(&Count) -> BTreeMap<i32, i64>,
) -> Vec<(i32, Option<i64>)> {
    match formula {
        Formula::Count(c) => {
            let counts = by_year(c);
            years.map(|y| (y, Some(counts.get(&y).copied().unwrap_or(0)))).collect()
        }
        Formula::Ratio(n, d) => {
            let (num, den) = (by_year(n), by_year(d));
            years
                .map(|y| {
                    let (a, b) = (num.get(&y).copied().unwrap_or(0), den.get(&y).copied().unwrap_or(0));
                    (y, percent_hundredths(a, b))
                })
                .collect()
        }
    }
}

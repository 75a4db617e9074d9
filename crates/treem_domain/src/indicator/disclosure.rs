//! What the public may see: suppression of small counts and small differences, and releases of closed years.

use super::*;

/// A value as published to the public: small counts are suppressed so that no child
/// can be recognised in them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum PublicValue {
    /// A count, or a percentage in hundredths for a ratio.
    Shown(i64),
    /// A count from 1 to 9, or a ratio built on one.
    Suppressed,
    /// A ratio whose denominator is zero.
    NoData,
    /// Not in that year's release (the indicator was made public after it).
    NotReleased,
}

/// One closed year of a plan's public statistics as published: each public indicator's
/// value, computed once when the year is first published and kept so (two readings of
/// the public figures never differ by one new record).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublicRelease {
    pub values: BTreeMap<String, PublicValue>,
}

/// The years of `from..=to` whose public statistics may be published on `today`: the
/// closed ones (a year is published from the day after it ends), never the open year.
pub fn releasable_years(from: i32, to: i32, today: time::Date) -> std::ops::RangeInclusive<i32> {
    from..=to.min(today.year() - 1)
}

/// The smallest count published; 1 to `PUBLIC_MIN - 1` is suppressed (0 is shown).
pub const PUBLIC_MIN: i64 = 10;

fn small(n: i64) -> bool {
    (1..PUBLIC_MIN).contains(&n)
}

/// [`yearly_values`] for the public: a count from 1 to 9 is suppressed, and so is a
/// ratio whose numerator or denominator is (the ratio would give the count away).
pub fn public_yearly_values(formula: &Formula, facts: &Facts, years: std::ops::RangeInclusive<i32>) -> Vec<(i32, PublicValue)> {
    match formula {
        Formula::Count(c) => {
            let counts = c.by_year(facts);
            years
                .map(|y| {
                    let n = counts.get(&y).copied().unwrap_or(0);
                    (y, if small(n) { PublicValue::Suppressed } else { PublicValue::Shown(n) })
                })
                .collect()
        }
        Formula::Ratio(n, d) => {
            let (num, den) = (n.by_year(facts), d.by_year(facts));
            let values = yearly_values(formula, facts, years);
            values
                .into_iter()
                .map(|(y, v)| {
                    let (a, b) = (num.get(&y).copied().unwrap_or(0), den.get(&y).copied().unwrap_or(0));
                    let shown = match v {
                        _ if small(a) || small(b) => PublicValue::Suppressed,
                        Some(v) => PublicValue::Shown(v),
                        None => PublicValue::NoData,
                    };
                    (y, shown)
                })
                .collect()
        }
    }
}

/// The public values of several indicators published side by side (a plan's public
/// statistics), with **complementary suppression**: besides each count from 1 to 9, a
/// count is suppressed in a year when another published count holds all of its records
/// that year and the two differ by 1 to 9 (the difference would count those few
/// children: 15 abuse cases next to 12 sexual-abuse cases give 3 others away). The
/// smaller, contained count is the one withheld; a ratio is withheld when a count it is
/// built on is. Containment is read from the facts themselves (every record the smaller
/// count matches, the larger matches too), so it holds however the formulas are
/// written. Known limit: only differences of two counts are checked, not sums of three
/// or more (docs/PLANS.md).
pub fn public_values_together(formulas: &[&Formula], facts: &Facts, years: std::ops::RangeInclusive<i32>) -> Vec<Vec<(i32, PublicValue)>> {
    let counts_of = |f: &Formula| -> Vec<Count> {
        match f {
            Formula::Count(c) => vec![c.clone()],
            Formula::Ratio(n, d) => vec![n.clone(), d.clone()],
        }
    };
    let mut counts: Vec<Count> = Vec::new();
    for c in formulas.iter().flat_map(|f| counts_of(f)) {
        if !counts.iter().any(|o| o.key() == c.key()) {
            counts.push(c);
        }
    }
    let by_year: Vec<BTreeMap<i32, i64>> = counts.iter().map(|c| c.by_year(facts)).collect();
    let value = |i: usize, y: i32| by_year[i].get(&y).copied().unwrap_or(0);
    // withheld[(count index, year)]: a small count, or a contained one a small difference away.
    let mut withheld: std::collections::HashSet<(usize, i32)> = std::collections::HashSet::new();
    for (i, _) in counts.iter().enumerate() {
        for y in years.clone() {
            if small(value(i, y)) {
                withheld.insert((i, y));
            }
        }
    }
    for (a, small_count) in counts.iter().enumerate() {
        for (b, large) in counts.iter().enumerate() {
            if a == b || small_count.fact != large.fact {
                continue;
            }
            // The years in which some record of `a` is not one of `b`.
            let mut escapes: std::collections::HashSet<i32> = std::collections::HashSet::new();
            for f in facts.of(small_count.fact) {
                if small_count.matches(f) && !large.matches(f) {
                    escapes.insert(f.day.year());
                }
            }
            for y in years.clone() {
                let (n, m) = (value(a, y), value(b, y));
                if !escapes.contains(&y) && small(m - n) {
                    withheld.insert((a, y));
                }
            }
        }
    }
    let index = |c: &Count| counts.iter().position(|o| o.key() == c.key()).unwrap_or(0);
    formulas
        .iter()
        .map(|f| {
            years
                .clone()
                .map(|y| {
                    let hidden = counts_of(f).iter().any(|c| withheld.contains(&(index(c), y)));
                    let shown = match (f, hidden) {
                        (_, true) => PublicValue::Suppressed,
                        (Formula::Count(c), false) => PublicValue::Shown(value(index(c), y)),
                        (Formula::Ratio(n, d), false) => match percent_hundredths(value(index(n), y), value(index(d), y)) {
                            Some(v) => PublicValue::Shown(v),
                            None => PublicValue::NoData,
                        },
                    };
                    (y, shown)
                })
                .collect()
        })
        .collect()
}

//! A plan's budget summed by source and by year.

use super::{BudgetLine, Plan, BUDGET_SOURCES};
use serde::Serialize;

/// Money of one group of budget lines, in VND.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BudgetSum {
    pub planned: i64,
    /// What the lines with a reported spending say was spent.
    pub spent: i64,
    /// Lines whose spending is not reported yet.
    pub unreported: usize,
}

impl BudgetSum {
    fn add(&mut self, b: &BudgetLine) {
        self.planned = self.planned.saturating_add(b.planned.unwrap_or(0));
        match b.spent {
            Some(s) => self.spent = self.spent.saturating_add(s),
            None => self.unreported += 1,
        }
    }

    /// The share spent in hundredths of a percent (45.20 % → 4520); none when nothing was planned.
    pub fn share_hundredths(&self) -> Option<i64> {
        (self.planned > 0).then(|| {
            let h = (i128::from(self.spent) * 20_000 / i128::from(self.planned) + 1) / 2;
            i64::try_from(h).unwrap_or(i64::MAX)
        })
    }
}

/// A plan's budget summed by source (in [`BUDGET_SOURCES`] order) and by year (lines for the
/// whole period under `None`, first), with the grand total.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BudgetTotals {
    pub by_source: Vec<(String, BudgetSum)>,
    pub by_year: Vec<(Option<i32>, BudgetSum)>,
    pub total: BudgetSum,
    /// How many budget lines the plan has.
    pub lines: usize,
}

/// Sums the budget lines of every task of a checked plan.
pub fn budget_totals(p: &Plan) -> BudgetTotals {
    let mut by_source: std::collections::BTreeMap<usize, BudgetSum> = std::collections::BTreeMap::new();
    let mut by_year: std::collections::BTreeMap<Option<i32>, BudgetSum> = std::collections::BTreeMap::new();
    let mut out = BudgetTotals::default();
    for b in p.tasks.iter().flat_map(|t| &t.budget) {
        let rank = BUDGET_SOURCES.iter().position(|s| *s == b.source).unwrap_or(BUDGET_SOURCES.len());
        by_source.entry(rank).or_default().add(b);
        by_year.entry(b.year).or_default().add(b);
        out.total.add(b);
        out.lines += 1;
    }
    out.by_source = by_source.into_iter().map(|(r, s)| (BUDGET_SOURCES.get(r).copied().unwrap_or("other").to_owned(), s)).collect();
    out.by_year = by_year.into_iter().collect();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::check_plan;
    use crate::plan::tests::small_plan;

    #[test]
    fn budget_lines_are_checked_by_path_and_summed_by_source_and_year() {
        let good = small_plan(
            r#"
[[tasks]]
id = "N1"
text_vi = "x"
text_en = "x"
lead = "A1"
budget = [
  { source = "provincial_budget", year = 2014, planned = 500000000, spent = 450000000 },
  { source = "mobilised", planned = 0, spent = 20000000, note = "Quỹ Bảo trợ trẻ em" },
  { source = "provincial_budget", year = 2015, planned = 600000000 },
]
[[tasks]]
id = "N2"
text_vi = "y"
text_en = "y"
lead = "A1"
budget = [{ source = "central_budget", year = 2014, planned = 300000000, spent = 0 }]
"#,
        );
        assert_eq!(check_plan(&good), Ok(()));
        let t = budget_totals(&good);
        let sources: Vec<(&str, i64, i64, usize)> =
            t.by_source.iter().map(|(s, b)| (s.as_str(), b.planned, b.spent, b.unreported)).collect();
        assert_eq!(
            sources,
            vec![
                ("central_budget", 300_000_000, 0, 0),
                ("provincial_budget", 1_100_000_000, 450_000_000, 1),
                ("mobilised", 0, 20_000_000, 0)
            ]
        );
        let years: Vec<(Option<i32>, i64, i64)> = t.by_year.iter().map(|(y, b)| (*y, b.planned, b.spent)).collect();
        assert_eq!(years, vec![(None, 0, 20_000_000), (Some(2014), 800_000_000, 450_000_000), (Some(2015), 600_000_000, 0)]);
        assert_eq!((t.total.planned, t.total.spent, t.total.unreported, t.lines), (1_400_000_000, 470_000_000, 1, 4));
        // 470 of 1,400 million is 33.57 %; nothing planned has no share.
        assert_eq!(t.total.share_hundredths(), Some(3357));
        assert_eq!(t.by_source[2].1.share_hundredths(), None);
        // Every wrong field named by its path; the unknown source lists the allowed ones.
        let bad = small_plan(
            r#"
[[tasks]]
id = "N1"
text_vi = "x"
text_en = "x"
lead = "A1"
budget = [
  { source = "provincial_budget", year = 2012, planned = -1 },
  { source = "lottery", spent = -5 },
  { source = "provincial_budget", year = 2012, planned = 1 },
]
"#,
        );
        let errors = check_plan(&bad).unwrap_err();
        let got: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            got,
            vec![
                "tasks[N1].budget[0].year",
                "tasks[N1].budget[0].planned",
                "tasks[N1].budget[1].source",
                "tasks[N1].budget[1].planned",
                "tasks[N1].budget[1].spent",
                "tasks[N1].budget[2].year",
                "tasks[N1].budget[2]",
            ]
        );
        assert!(errors[2].message.contains("`lottery`") && errors[2].message.contains("central_budget, provincial_budget"), "{errors:?}");
        assert!(errors[0].message.contains("2013–2020"));
        assert!(errors[6].message.contains("tasks[N1].budget[0]"), "a repeated source and year names the first line: {errors:?}");
    }
}

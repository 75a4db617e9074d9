//! docs/ASVS.md stays consistent when rows change: one row per requirement, known
//! statuses, and the counts at the top add up to the rows.

use std::collections::{BTreeMap, BTreeSet};

const ASVS: &str = include_str!("../../../../docs/ASVS.md");

/// Level 1 and 2 requirements of ASVS 5.0.0: 70 and 183.
const PUBLISHED: [(&str, usize); 2] = [("L1", 70), ("L2", 183)];

fn cells(line: &str) -> Vec<&str> {
    line.trim().trim_matches('|').split('|').map(str::trim).collect()
}

#[test]
fn the_asvs_table_has_every_requirement_once_and_its_counts_add_up() {
    let mut seen = BTreeSet::new();
    // (level, status) → rows
    let mut counted: BTreeMap<(String, &str), usize> = BTreeMap::new();
    for line in ASVS.lines().filter(|l| l.starts_with("| V")) {
        let c = cells(line);
        assert_eq!(c.len(), 5, "five cells: {line}");
        let (id, level, status, evidence) = (c[0], c[1], c[3], c[4]);
        assert!(seen.insert(id.to_owned()), "{id} twice");
        assert!(matches!(level, "L1" | "L2"), "{id}: level {level}");
        let kind = match status {
            "met" => "met",
            "not met" => "not met",
            "not met (in progress: issue 10)" => "in progress",
            "N/A" => "N/A",
            other => panic!("{id}: unknown status {other:?}"),
        };
        assert!(evidence.len() >= 5, "{id}: evidence, plan or why not applicable");
        *counted.entry((level.to_owned(), kind)).or_default() += 1;
    }
    for (level, total) in PUBLISHED {
        let n = |kind: &str| counted.get(&(level.to_owned(), kind)).copied().unwrap_or(0);
        assert_eq!(n("met") + n("not met") + n("in progress") + n("N/A"), total, "{level} rows");
        let row = ASVS.lines().find(|l| l.starts_with(&format!("| {level} |"))).unwrap_or_else(|| panic!("no count row for {level}"));
        let c = cells(row);
        let figures: Vec<usize> = c[1..].iter().map(|v| v.parse().unwrap()).collect();
        assert_eq!(
            figures,
            vec![total, n("met"), n("not met") + n("in progress"), n("in progress"), n("N/A")],
            "counts of {level}: requirements, met, not met, of which in progress, N/A"
        );
    }
}

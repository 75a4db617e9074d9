//! `treem bench indicators`: the in-memory indicator evaluation against the plain
//! in-memory pass the issue names as the bar, both on the same synthetic records in
//! the same run. Figures go to docs/PERFORMANCE.md as ratios; nothing is asserted.

use std::collections::BTreeMap;
use std::time::Instant;
use treem_domain::incident::{AbuseForm, IncidentKind, InjuryKind, Setting};
use treem_domain::indicator::{parse_catalogue, yearly_values, FactKind, Facts, IncidentFact};
use treem_domain::units::UnitId;

/// A small deterministic generator (64-bit LCG): the same records on every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % n
    }
}

/// One synthetic incident: (unit, day, coded fields).
type Record = (UnitId, time::Date, BTreeMap<&'static str, String>);

fn records(n: usize, units: i64) -> Vec<Record> {
    let mut rng = Lcg(2013);
    let first = time::macros::date!(2012 - 01 - 01);
    (0..n)
        .map(|_| {
            let day = first + time::Duration::days(rng.below(14 * 365) as i64);
            let unit = UnitId(1 + rng.below(units as u64) as i64);
            let kind = IncidentKind::ALL[rng.below(3) as usize];
            let mut f = BTreeMap::new();
            f.insert("kind", kind.as_str().to_owned());
            match kind {
                IncidentKind::Abuse => {
                    f.insert("abuse_form", AbuseForm::ALL[rng.below(AbuseForm::ALL.len() as u64) as usize].as_str().to_owned());
                    f.insert("setting", Setting::ALL[rng.below(Setting::ALL.len() as u64) as usize].as_str().to_owned());
                    f.insert("fatal", "false".into());
                }
                IncidentKind::Accident => {
                    f.insert("injury", InjuryKind::ALL[rng.below(InjuryKind::ALL.len() as u64) as usize].as_str().to_owned());
                    f.insert("fatal", (rng.below(10) == 0).to_string());
                }
                IncidentKind::ConflictWithLaw => {
                    f.insert("fatal", "false".into());
                }
            }
            (unit, day, f)
        })
        .collect()
}

/// The best of `runs` timings, in milliseconds.
fn best_ms(runs: usize, mut f: impl FnMut() -> i64) -> (f64, i64) {
    let mut best = f64::MAX;
    let mut out = 0;
    for _ in 0..runs {
        let t = Instant::now();
        out = std::hint::black_box(f());
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
    }
    (best, out)
}

pub fn indicators(n: usize) -> Result<(), String> {
    let catalogue = parse_catalogue("catalogue.toml", treem_domain::bundled::INDICATORS).map_err(|e| e.join("; "))?;
    println!("treem bench indicators: {n} synthetic incidents over 141 communes, 2012–2025, {} indicators", catalogue.len());
    let recs = records(n, 141);
    // What the store hands the service: incidents grouped by unit, day and coded fields.
    let t = Instant::now();
    let mut groups: BTreeMap<(UnitId, time::Date, BTreeMap<&'static str, String>), i64> = BTreeMap::new();
    for (u, d, f) in &recs {
        *groups.entry((*u, *d, f.clone())).or_default() += 1;
    }
    let facts: Vec<IncidentFact> = groups
        .into_iter()
        .map(|((unit, day, fields), count)| {
            let named: Vec<(&str, Option<&str>)> = fields.iter().map(|(k, v)| (*k, Some(v.as_str()))).collect();
            IncidentFact::new(FactKind::Incidents, unit, day, &named, count)
        })
        .collect();
    let facts = Facts { incidents: facts, ..Default::default() };
    println!("  grouping into {} facts (done by SQL GROUP BY in the product): {:.1} ms", facts.len(), t.elapsed().as_secs_f64() * 1000.0);
    // Baseline: one plain pass over the raw records counting one condition.
    let (baseline, sexual) =
        best_ms(5, || recs.iter().filter(|(_, _, f)| f.get("abuse_form").is_some_and(|v| v == "xam_hai_tinh_duc")).count() as i64);
    // The engine's work: every indicator of the catalogue for every year.
    let (engine, total) = best_ms(5, || {
        catalogue.iter().map(|(_, formula)| yearly_values(formula, &facts, 2012..=2025).iter().filter_map(|(_, v)| *v).sum::<i64>()).sum()
    });
    // A second baseline on the same coded facts: one pass, one hand-written condition.
    let sexual_code = 1 + AbuseForm::CODES.iter().position(|c| *c == "xam_hai_tinh_duc").unwrap_or(0) as u8;
    let (coded, coded_sum) = best_ms(5, || facts.incidents.iter().filter(|f| f.codes[1] == sexual_code).map(|f| f.count).sum());
    println!("  baseline, one plain pass over the raw records (one condition): {baseline:.2} ms ({sexual} matched)");
    println!("  baseline, one hand-written pass over the coded facts (one condition): {coded:.2} ms ({coded_sum} matched)");
    println!("  all indicators × 14 years over the grouped facts: {engine:.2} ms (checksum {total})");
    println!(
        "  ratio engine / raw-record pass: {:.2}; per indicator-pass / coded pass: {:.2}",
        engine / baseline,
        engine / catalogue.len() as f64 / coded
    );
    Ok(())
}

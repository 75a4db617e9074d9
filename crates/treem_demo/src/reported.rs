//! Made-up values agencies would report and movements of the fund.

use crate::Rng;
use time::{Date, Duration, Month};
use treem_domain::units::{UnitCatalog, UnitLevel};

/// Made-up values agencies would report (see `data/demo/README.md`), for the last three
/// full years before `today` and the first eight communes of the province on each year's
/// map (the 2025 province 82 from 2025, the 2013-era Đồng Tháp 87 before): children
/// under 6 and those with a health-insurance card (88–98 %), births registered and on
/// time (85–97 %), children taught to swim, by sex; preschool investment in three
/// communes. Deterministic for a seed.
pub fn reported_values(catalog: &UnitCatalog, today: Date, seed: u64) -> Vec<treem_app::reported::ReportedInput> {
    let mut rng = Rng::new(seed ^ 0x5245_504F_5254);
    let mut out = Vec::new();
    let mut value = |element: &str, unit: i64, year: i32, sex: &str, v: u64| {
        out.push(treem_app::reported::ReportedInput {
            element: element.into(),
            unit: unit.to_string(),
            year: year.to_string(),
            sex: sex.into(),
            value: v.to_string(),
            note: "dữ liệu mẫu".into(),
        })
    };
    for year in today.year() - 3..today.year() {
        let Ok(day) = Date::from_calendar_date(year, time::Month::December, 31) else { continue };
        let Some(root) = catalog.by_code_on("82", day).filter(|u| u.level == UnitLevel::Province).or_else(|| catalog.by_code_on("87", day))
        else {
            continue;
        };
        let communes: Vec<i64> = catalog
            .subtree_on(root.id, day)
            .into_iter()
            .filter_map(|id| catalog.get(id))
            .filter(|u| u.level == UnitLevel::Commune)
            .map(|u| u.id.0)
            .take(8)
            .collect();
        for (i, unit) in communes.iter().enumerate() {
            for sex in ["male", "female"] {
                let under6 = 380 + rng.below(160);
                value("children_under6", *unit, year, sex, under6);
                value("children_under6_health_insurance", *unit, year, sex, under6 * (88 + rng.below(11)) / 100);
                let births = 55 + rng.below(40);
                value("births_registered", *unit, year, sex, births);
                value("births_registered_on_time", *unit, year, sex, births * (85 + rng.below(13)) / 100);
                value("children_taught_to_swim", *unit, year, sex, 30 + rng.below(60));
            }
            if i < 3 {
                value("preschool_investment_pilot_communes", *unit, year, "", (1_000 + rng.below(2_000)) * 1_000_000);
            }
        }
    }
    out
}

/// Made-up movements of the Child Protection Funds (see `data/demo/README.md`): for the
/// province and its first four communes on the map of 1 October of last year, a state-budget
/// and a donated receipt and three disbursements each. Deterministic for a seed.
pub fn fund_movements(catalog: &UnitCatalog, today: Date, seed: u64) -> Vec<treem_app::fund::FundInput> {
    let mut rng = Rng::new(seed ^ 0x4655_4E44);
    let Ok(day) = Date::from_calendar_date(today.year() - 1, Month::October, 1) else { return Vec::new() };
    let Some(root) = catalog.by_code_on("82", day).filter(|u| u.level == UnitLevel::Province).or_else(|| catalog.by_code_on("87", day))
    else {
        return Vec::new();
    };
    let mut units = vec![root.id.0];
    units.extend(
        catalog
            .subtree_on(root.id, day)
            .into_iter()
            .filter_map(|id| catalog.get(id))
            .filter(|u| u.level == UnitLevel::Commune)
            .map(|u| u.id.0)
            .take(4),
    );
    let mut out = Vec::new();
    for (i, unit) in units.into_iter().enumerate() {
        let scale = if i == 0 { 20 } else { 1 };
        let on = |days: i64| (day + Duration::days(days)).to_string();
        let movement = |date: String, direction: &str, source: &str, purpose: &str, millions: u64| treem_app::fund::FundInput {
            unit: unit.to_string(),
            date,
            direction: direction.into(),
            source: source.into(),
            purpose: purpose.into(),
            amount: (millions * scale * 1_000_000).to_string(),
            note: "dữ liệu mẫu".into(),
        };
        let list = [
            movement(on(0), "receipt", "state_budget", "", 50 + rng.below(50)),
            movement(on(10), "receipt", "domestic_donation", "", 20 + rng.below(80)),
            movement(on(20), "disbursement", "", "support_children", 30 + rng.below(40)),
            movement(on(30), "disbursement", "", "scholarships", 10 + rng.below(30)),
            movement(on(40), "disbursement", "", "operations", 1 + rng.below(5)),
        ];
        out.extend(list);
    }
    out
}

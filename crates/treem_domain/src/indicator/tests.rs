use super::*;

fn fact(fields: &[(&'static str, &str)], year: i32, count: i64) -> IncidentFact {
    let named: Vec<(&str, Option<&str>)> = fields.iter().map(|(k, v)| (*k, Some(*v))).collect();
    Fact::new(FactKind::Incidents, UnitId(1), time::Date::from_calendar_date(year, time::Month::May, 1).unwrap(), &named, count)
}

fn incidents(list: Vec<Fact>) -> Facts {
    Facts { incidents: list, ..Default::default() }
}

#[test]
fn definitions_are_checked_field_by_field_and_the_bundled_ones_pass() {
    for (i, _) in parse_catalogue("catalogue.toml", crate::bundled::INDICATORS).unwrap() {
        let (cleaned, _) = check_definition(&i).unwrap_or_else(|e| panic!("{}: {e:?}", i.code));
        assert_eq!(cleaned, i);
    }
    for (code, ok) in
        [("incidents.drowning", true), ("a.b_2.c", true), ("drowning", false), ("Incidents.x", false), ("a..b", false), ("a.2b", false)]
    {
        assert_eq!(valid_code(code), ok, "{code}");
    }
    let mut bad = parse_catalogue("catalogue.toml", crate::bundled::INDICATORS).unwrap()[0].0.clone();
    bad.code = "Bad Code".into();
    bad.name_en = " ".into();
    bad.period = "month".into();
    bad.formula = "count(incidents where colour = \"red\")".into();
    let problems = check_definition(&bad).unwrap_err();
    let fields: Vec<&str> = problems.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["name_en", "code", "period", "formula"], "{problems:?}");
    assert!(problems[3].message.starts_with("at character 23:"), "{problems:?}");
    let mut bad = parse_catalogue("catalogue.toml", crate::bundled::INDICATORS).unwrap()[0].0.clone();
    bad.formula = "count(incidents) / count(children)".into();
    bad.disaggregations = vec!["unit".into(), "sex".into(), "unit".into()];
    let problems = check_definition(&bad).unwrap_err();
    assert_eq!(problems.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["disaggregations[1]", "disaggregations[2]"], "{problems:?}");
}

#[test]
fn children_are_counted_under_16_on_each_years_counting_day() {
    let d = |y, m, day| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap();
    let child = |born, sex: &str, household, circumstances| ChildRecord {
        id: 0,
        unit: UnitId(7),
        birth_date: born,
        female: sex == "female",
        disability: false,
        household,
        circumstances,
    };
    let children = [
        // Turns 16 on 2013-06-01: counted in 2012 only.
        child(d(1997, 6, 1), "female", Some(1), vec![]),
        // Born mid-2013: counted from 2013, aged 0.
        child(d(2013, 7, 1), "male", Some(2), vec![CircumstancePeriod::of_group("a", d(2013, 12, 1), Some(d(2014, 1, 31)))]),
        child(d(2005, 1, 1), "male", None, vec![]),
    ];
    let poverty = |h: i64, y: i32| match (h, y) {
        (1, _) => Some("poor"),
        (2, 2013) => Some("near_poor"),
        _ => None,
    };
    let today = d(2014, 3, 15);
    let facts = Facts { children: child_facts(&children, poverty, 2012..=2015, today, Visibility::ALL), ..Default::default() };
    let all = parse_formula("count(children)").unwrap();
    assert_eq!(yearly_values(&all, &facts, 2012..=2015), vec![(2012, Some(2)), (2013, Some(2)), (2014, Some(2)), (2015, Some(0))]);
    let poor = parse_formula(r#"count(children where poverty = "poor") / count(children)"#).unwrap();
    assert_eq!(yearly_values(&poor, &facts, 2012..=2014), vec![(2012, Some(5000)), (2013, Some(0)), (2014, Some(0))]);
    let special = parse_formula(r#"count(children where special = "true" and age_band = "0-5" and sex = "male")"#).unwrap();
    // On 2013-12-31 the circumstance is running; on 2014-03-15 (today) it has ended.
    assert_eq!(yearly_values(&special, &facts, 2013..=2014), vec![(2013, Some(1)), (2014, Some(0))]);
    assert_eq!(facts.children.iter().find(|f| f.day.year() == 2014).map(|f| f.day), Some(today));
    assert_eq!(age_on(d(2005, 1, 1), d(2014, 12, 31)), 9);
    assert_eq!(age_on(d(2004, 3, 16), d(2014, 3, 15)), 9);
}

#[test]
fn only_closed_years_are_released() {
    let d = |y, m, day| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap();
    assert_eq!(releasable_years(2012, 2030, d(2026, 12, 31)), 2012..=2025, "never the open year, even on its last day");
    assert_eq!(releasable_years(2012, 2030, d(2027, 1, 1)), 2012..=2026, "from the day after it ends");
    assert_eq!(releasable_years(2012, 2020, d(2026, 6, 1)), 2012..=2020, "not beyond the plan");
    assert!(releasable_years(2026, 2030, d(2026, 6, 1)).is_empty());
}

#[test]
fn a_reader_counts_children_as_if_hidden_groups_had_never_been_recorded() {
    let d = |y, m, day| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap();
    let child = |id, circumstances| ChildRecord {
        id,
        unit: UnitId(7),
        birth_date: d(2010, 1, 1),
        female: true,
        disability: false,
        household: None,
        circumstances,
    };
    let began = d(2015, 1, 1);
    // One child in group đ only (HIV), one in đ and a (orphan), one in none.
    let with_hidden = [
        child(1, vec![CircumstancePeriod::of_group("dd", began, None)]),
        child(2, vec![CircumstancePeriod::of_group("dd", began, None), CircumstancePeriod::of_group("a", began, None)]),
        child(3, vec![]),
    ];
    // The same register had đ never been recorded.
    let without = [child(1, vec![]), child(2, vec![CircumstancePeriod::of_group("a", began, None)]), child(3, vec![])];
    let today = d(2016, 6, 1);
    let police = crate::access::Role::PoliceLiaison.visibility();
    let count = |c: &[ChildRecord], v| child_facts(c, |_, _| None, 2014..=2016, today, v);
    assert_eq!(count(&with_hidden, police), count(&without, Visibility::ALL));
    assert_eq!(count(&with_hidden, Visibility::NONE), count(&without, Visibility::ALL));
    assert_ne!(count(&with_hidden, Visibility::ALL), count(&without, Visibility::ALL), "the full view counts group đ");
    let special = parse_formula(r#"count(children where special = "true")"#).unwrap();
    let value = |v| yearly_values(&special, &Facts { children: count(&with_hidden, v), ..Default::default() }, 2016..=2016);
    assert_eq!(value(Visibility::ALL), vec![(2016, Some(2))]);
    assert_eq!(value(police), vec![(2016, Some(1))]);
    // Incident facts carry their class by kind.
    let abuse = fact(&[("kind", "abuse")], 2016, 1);
    let law = fact(&[("kind", "conflict_with_law")], 2016, 1);
    let accident = fact(&[("kind", "accident")], 2016, 1);
    assert_eq!(incident_fact_class(&abuse), Some(SensitiveKind::AbuseDetails));
    assert_eq!(incident_fact_class(&law), Some(SensitiveKind::OffenceDetails));
    assert_eq!(incident_fact_class(&accident), None);
}

#[test]
fn a_formula_breaks_down_by_a_published_field_and_the_parts_add_up() {
    let facts = incidents(vec![
        fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc"), ("setting", "family")], 2013, 3),
        fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc"), ("setting", "online")], 2013, 2),
        fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2013, 1),
        fact(&[("kind", "abuse"), ("abuse_form", "bao_luc"), ("setting", "family")], 2013, 5),
    ]);
    let sexual = parse_formula(r#"count(incidents where abuse_form = "xam_hai_tinh_duc")"#).unwrap();
    let published = vec!["unit".to_owned(), "setting".to_owned(), "colour".to_owned()];
    let fields: Vec<&str> = sexual.disaggregations(&published).iter().map(|(f, _)| *f).collect();
    assert_eq!(fields, vec!["setting"]);
    let by = |v: &str| yearly_values(&sexual.restricted("setting", v).unwrap(), &facts, 2013..=2013)[0].1;
    assert_eq!((by("family"), by("online"), by("school")), (Some(3), Some(2), Some(0)));
    // 1 incident has no setting recorded: 3 + 2 + 0 + 0 = 5 of 6.
    let share = parse_formula(r#"count(incidents where abuse_form = "xam_hai_tinh_duc") / count(incidents where kind = "abuse")"#).unwrap();
    // Among family incidents, 3 of 8 are sexual: the denominator is restricted too.
    assert_eq!(yearly_values(&share.restricted("setting", "family").unwrap(), &facts, 2013..=2013)[0].1, Some(3750));
    assert!(sexual.restricted("sex", "female").is_none());
    assert!(sexual.restricted("setting", "moon").is_none());
}

#[test]
fn case_fields_are_the_case_codes() {
    let states: Vec<&str> = crate::case::CaseState::ALL.iter().map(|s| s.as_str()).collect();
    let sources: Vec<&str> = crate::case::CaseSource::ALL.iter().map(|s| s.as_str()).collect();
    let risks: Vec<&str> = crate::case::RiskLevel::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(CASE_FIELDS[0].1, states.as_slice());
    assert_eq!(CASE_FIELDS[1].1, sources.as_slice());
    assert_eq!(CASE_FIELDS[3].1, risks.as_slice());
}

#[test]
fn every_field_fits_the_codes() {
    for kind in FactKind::ALL {
        assert!(kind.fields().len() <= FIELD_COUNT);
        assert!(kind.fields().iter().all(|(_, values)| values.len() < 63), "a value mask is 64 bits");
    }
}

#[test]
fn formulas_parse_and_count() {
    let f = parse_formula(r#"count(incidents where kind = "abuse" and abuse_form in ("xam_hai_tinh_duc", "mua_ban"))"#).unwrap();
    let facts = incidents(vec![
        fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2013, 3),
        fact(&[("kind", "abuse"), ("abuse_form", "mua_ban")], 2013, 1),
        fact(&[("kind", "abuse"), ("abuse_form", "bao_luc")], 2013, 7),
        fact(&[("kind", "accident"), ("injury", "drowning")], 2014, 2),
    ]);
    assert_eq!(yearly_values(&f, &facts, 2013..=2014), vec![(2013, Some(4)), (2014, Some(0))]);
    let share = parse_formula(r#"count(incidents where abuse_form = "xam_hai_tinh_duc") / count(incidents where kind = "abuse")"#).unwrap();
    // 3 of 11 = 27.27 %; no abuse at all in 2014 is "no data", not a division by zero.
    assert_eq!(yearly_values(&share, &facts, 2013..=2014), vec![(2013, Some(2727)), (2014, None)]);
    assert_eq!(yearly_values(&parse_formula("count(incidents)").unwrap(), &facts, 2014..=2014), vec![(2014, Some(2))]);
}

#[test]
fn public_values_suppress_small_counts_and_ratios_built_on_them() {
    let facts = incidents(vec![
        fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2013, 3),
        fact(&[("kind", "abuse"), ("abuse_form", "bao_luc")], 2013, 20),
        fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2014, 12),
        fact(&[("kind", "abuse"), ("abuse_form", "bao_luc")], 2014, 12),
    ]);
    let sexual = parse_formula(r#"count(incidents where abuse_form = "xam_hai_tinh_duc")"#).unwrap();
    assert_eq!(
        public_yearly_values(&sexual, &facts, 2013..=2015),
        vec![(2013, PublicValue::Suppressed), (2014, PublicValue::Shown(12)), (2015, PublicValue::Shown(0))]
    );
    let share = parse_formula(r#"count(incidents where abuse_form = "xam_hai_tinh_duc") / count(incidents where kind = "abuse")"#).unwrap();
    // 2013: 3 of 23 would give the 3 away with the total; 2014: 12 of 24 = 50 %; 2015: nothing.
    assert_eq!(
        public_yearly_values(&share, &facts, 2013..=2015),
        vec![(2013, PublicValue::Suppressed), (2014, PublicValue::Shown(5000)), (2015, PublicValue::NoData)]
    );
}

#[test]
fn published_side_by_side_a_small_difference_is_withheld_too() {
    let facts = incidents(vec![
        // 2013: 12 sexual abuse among 15 abuse cases: the other 3 would be given away.
        fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2013, 12),
        fact(&[("kind", "abuse"), ("abuse_form", "bao_luc")], 2013, 3),
        // 2014: 12 among 30: nothing small anywhere.
        fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2014, 12),
        fact(&[("kind", "abuse"), ("abuse_form", "bao_luc")], 2014, 18),
        // 2015: 10 drownings and 12 sexual abuse: not contained in each other, nothing withheld.
        fact(&[("kind", "abuse"), ("abuse_form", "xam_hai_tinh_duc")], 2015, 12),
        fact(&[("kind", "abuse"), ("abuse_form", "bao_luc")], 2015, 40),
        fact(&[("kind", "accident"), ("injury", "drowning")], 2015, 10),
    ]);
    let abuse = parse_formula(r#"count(incidents where kind = "abuse")"#).unwrap();
    // Written without `kind`, yet contained in the abuse count: read from the facts.
    let sexual = parse_formula(r#"count(incidents where abuse_form = "xam_hai_tinh_duc")"#).unwrap();
    let share = parse_formula(r#"count(incidents where abuse_form = "xam_hai_tinh_duc") / count(incidents where kind = "abuse")"#).unwrap();
    let drowning = parse_formula(r#"count(incidents where injury = "drowning")"#).unwrap();
    let out = public_values_together(&[&abuse, &sexual, &share, &drowning], &facts, 2013..=2015);
    use PublicValue::{Shown, Suppressed};
    assert_eq!(out[0], vec![(2013, Shown(15)), (2014, Shown(30)), (2015, Shown(52))]);
    assert_eq!(out[1], vec![(2013, Suppressed), (2014, Shown(12)), (2015, Shown(12))]);
    assert_eq!(out[2], vec![(2013, Suppressed), (2014, Shown(4000)), (2015, Shown(2308))]);
    assert_eq!(out[3], vec![(2013, Shown(0)), (2014, Shown(0)), (2015, Shown(10))]);
    // Alone, each is only suppressed when small itself.
    assert_eq!(public_yearly_values(&sexual, &facts, 2013..=2013), vec![(2013, Shown(12))]);
}

#[test]
fn units_are_counted_on_each_counting_day_with_the_statuses_they_hold_then() {
    use crate::units::{AdminUnit, ParentLink, UnitType, Validity};
    use time::macros::date;
    let old = Some(date!(2025 - 06 - 30));
    let unit = |id: i64, level: UnitLevel, from: time::Date, to: Option<time::Date>| AdminUnit {
        id: UnitId(id),
        code: id.to_string(),
        name: format!("U{id}"),
        level,
        unit_type: UnitType::Xa,
        validity: Validity { from, to },
        lat: None,
        lon: None,
        area_km2: None,
    };
    let start = date!(2012 - 01 - 01);
    let units = vec![
        unit(1, UnitLevel::District, start, old),
        unit(2, UnitLevel::Commune, start, old),
        unit(3, UnitLevel::Commune, date!(2016 - 01 - 01), old),
        unit(4, UnitLevel::Commune, date!(2025 - 07 - 01), None),
    ];
    let link = |c: i64, from: time::Date| ParentLink { child: UnitId(c), parent: UnitId(1), validity: Validity { from, to: old } };
    let catalog = UnitCatalog::new(units, vec![link(2, start), link(3, date!(2016 - 01 - 01))], vec![]);
    let statuses = [
        (UnitId(2), "child_friendly", date!(2014 - 09 - 01), None),
        (UnitId(3), "child_friendly", date!(2016 - 03 - 01), Some(date!(2017 - 06 - 30))),
        (UnitId(1), "community_based_protection", date!(2014 - 06 - 01), None),
    ];
    let facts = Facts { units: unit_facts(&catalog, &statuses, 2013..=2026, date!(2026 - 11 - 29)), ..Default::default() };
    let share = parse_formula(r#"count(units where level = "commune" and child_friendly = "true") / count(units where level = "commune")"#)
        .unwrap();
    let got = yearly_values(&share, &facts, 2013..=2026);
    // 2013: 0 of 1; 2014–15: 1 of 1; 2016: 2 of 2; 2017: 1 of 2 (the second lost it mid-year);
    // from July 2025 the old communes are gone and the new one holds nothing.
    let want = [(2013, 0), (2014, 10_000), (2015, 10_000), (2016, 10_000), (2017, 5_000), (2024, 5_000), (2025, 0), (2026, 0)];
    for (year, v) in want {
        assert_eq!(got.iter().find(|(y, _)| *y == year).and_then(|(_, v)| *v), Some(v), "{year}");
    }
    let model = parse_formula(r#"count(units where level = "district" and community_based_protection = "true")"#).unwrap();
    assert_eq!(yearly_values(&model, &facts, 2013..=2014), vec![(2013, Some(0)), (2014, Some(1))]);
    // The statuses a unit fact carries are the plan's statuses, in order.
    let names: Vec<&str> = UNIT_FIELDS[1..].iter().map(|(f, _)| *f).collect();
    assert_eq!(names, crate::plan::UNIT_STATUSES);
}

#[test]
fn households_are_counted_on_each_counting_day_by_their_status_that_year() {
    let d = |y, m, day| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap();
    let households = [
        HouseholdEntry { id: 1, unit: UnitId(7) },
        HouseholdEntry { id: 2, unit: UnitId(7) },
        HouseholdEntry { id: 3, unit: UnitId(8) },
        HouseholdEntry { id: 4, unit: UnitId(8) },
    ];
    let poverty = |h: i64, y: i32| match (h, y) {
        (1, 2012) => Some("poor"),
        (1, 2013) => Some("near_poor"),
        (2, 2012 | 2013) => Some("neither"),
        (3, 2012) => Some("poor"),
        (3, 2013) => Some("poor"),
        _ => None,
    };
    let today = d(2014, 3, 15);
    let no_map = UnitCatalog::default();
    let facts = Facts { households: household_facts(&no_map, &households, poverty, 2012..=2015, today), ..Default::default() };
    // Every household every year (up to today's); the status of that year, none recorded is no value.
    let all = parse_formula("count(households)").unwrap();
    assert_eq!(yearly_values(&all, &facts, 2012..=2015), vec![(2012, Some(4)), (2013, Some(4)), (2014, Some(4)), (2015, Some(0))]);
    let poor = parse_formula(r#"count(households where poverty = "poor") / count(households)"#).unwrap();
    assert_eq!(yearly_values(&poor, &facts, 2012..=2014), vec![(2012, Some(5000)), (2013, Some(2500)), (2014, Some(0))]);
    let near = parse_formula(r#"count(households where poverty = "near_poor") / count(households)"#).unwrap();
    assert_eq!(yearly_values(&near, &facts, 2012..=2013), vec![(2012, Some(0)), (2013, Some(2500))]);
    // The same as counting the list directly, year by year and unit by unit.
    for year in 2012..=2014 {
        for unit in [UnitId(7), UnitId(8)] {
            let direct = households.iter().filter(|h| h.unit == unit && poverty(h.id, year) == Some("poor")).count() as i64;
            let engine: i64 = facts
                .households
                .iter()
                .filter(|f| f.unit == unit && f.day.year() == year && poor_count(&poor).matches(f))
                .map(|f| f.count)
                .sum();
            assert_eq!(engine, direct, "{year} {unit:?}");
        }
    }
    // Grouped: one fact per unit, day and status; the current year's on today.
    assert_eq!(facts.households.iter().map(|f| f.count).sum::<i64>(), 12);
    assert_eq!(facts.households.iter().filter(|f| f.day == today).map(|f| f.count).sum::<i64>(), 4);
    assert!(facts.households.windows(2).all(|w| (w[0].day, w[0].unit, w[0].codes) < (w[1].day, w[1].unit, w[1].codes)));
    // Broken down by status, the parts and the not recorded add up to the whole.
    let by = |v: &str| yearly_values(&all.restricted("poverty", v).unwrap(), &facts, 2013..=2013)[0].1;
    assert_eq!((by("poor"), by("near_poor"), by("neither")), (Some(1), Some(1), Some(1)));
    assert_eq!(all.disaggregations(&["poverty".to_owned(), "sex".to_owned()]).iter().map(|(f, _)| *f).collect::<Vec<_>>(), ["poverty"]);
    // A household share needs households on both sides: a count of children is not one of its fields.
    assert!(parse_formula(r#"count(households where poverty = "poor") / count(children)"#).is_ok());
}

fn poor_count(f: &Formula) -> Count {
    match f {
        Formula::Ratio(n, _) | Formula::Count(n) => n.clone(),
    }
}

#[test]
fn household_breakdowns_carry_the_old_communes_onto_either_map() {
    use crate::units::{AdminUnit, ParentLink, Succession, UnitType, Validity};
    use time::macros::date;
    let old = Some(date!(2025 - 06 - 30));
    let unit = |id: i64, level: UnitLevel, from: time::Date, to: Option<time::Date>| AdminUnit {
        id: UnitId(id),
        code: id.to_string(),
        name: format!("U{id}"),
        level,
        unit_type: UnitType::Xa,
        validity: Validity { from, to },
        lat: None,
        lon: None,
        area_km2: None,
    };
    let start = date!(2012 - 01 - 01);
    let reform = date!(2025 - 07 - 01);
    let units = vec![
        unit(1, UnitLevel::Province, start, None),
        unit(2, UnitLevel::District, start, old),
        unit(3, UnitLevel::Commune, start, old),
        unit(4, UnitLevel::Commune, start, old),
        unit(5, UnitLevel::Commune, reform, None),
    ];
    let link = |c: i64, p: i64, from: time::Date, to: Option<time::Date>| ParentLink {
        child: UnitId(c),
        parent: UnitId(p),
        validity: Validity { from, to },
    };
    let links = vec![link(2, 1, start, old), link(3, 2, start, old), link(4, 2, start, old), link(5, 1, reform, None)];
    let merged = |from: i64| Succession { from: UnitId(from), to: UnitId(5), effective: reform, share_ppm: 1_000_000 };
    let catalog = UnitCatalog::new(units, links, vec![merged(3), merged(4)]);
    let households = [
        HouseholdEntry { id: 1, unit: UnitId(3) },
        HouseholdEntry { id: 2, unit: UnitId(3) },
        HouseholdEntry { id: 3, unit: UnitId(4) },
        HouseholdEntry { id: 4, unit: UnitId(5) },
    ];
    let poverty = |h: i64, _: i32| if h == 1 || h == 3 { Some("poor") } else { None };
    let today = date!(2026 - 11 - 29);
    let facts = Facts { households: household_facts(&catalog, &households, poverty, 2013..=2026, today), ..Default::default() };
    let poor = poor_count(&parse_formula(r#"count(households where poverty = "poor")"#).unwrap());
    // On the 2013 map: each old commune, their district and the province.
    let on_2013 = counts_on_map(&catalog, &poor, &facts, 2013..=2013, date!(2013 - 12 - 31));
    let y = &on_2013.by_year[&2013];
    assert_eq!((y.get(&UnitId(3)), y.get(&UnitId(4)), y.get(&UnitId(2)), y.get(&UnitId(1))), (Some(&1), Some(&1), Some(&2), Some(&2)));
    // On today's map the old communes' households are carried into the merged one.
    let all = Count { fact: FactKind::Households, conditions: Vec::new() };
    let on_today = counts_on_map(&catalog, &all, &facts, 2013..=2026, today);
    // A household recorded on the 2025 commune is counted from the day it exists: not in 2013.
    assert_eq!(on_today.by_year[&2013].get(&UnitId(5)), Some(&3));
    assert_eq!(on_today.by_year[&2024].get(&UnitId(5)), Some(&3));
    assert_eq!(on_today.by_year[&2025].get(&UnitId(5)), Some(&4));
    assert_eq!(on_today.by_year[&2026].get(&UnitId(1)), Some(&4));
    let back = counts_on_map(&catalog, &all, &facts, 2013..=2013, date!(2013 - 12 - 31));
    assert_eq!((back.by_year[&2013].get(&UnitId(1)), back.estimated, back.unmapped), (Some(&3), false, 0));
    // The old communes' households are still counted after 2025, carried onto the new map.
    assert_eq!(facts.households.iter().filter(|f| f.day.year() == 2026 && f.unit != UnitId(5)).map(|f| f.count).sum::<i64>(), 3);
    assert_eq!((on_today.unmapped, on_2013.unmapped, on_2013.estimated), (0, 0, false));
}

#[test]
fn errors_point_at_the_position() {
    let cases = [
        ("count(families)", 7, "unknown fact `families`: one of incidents, children, cases, units, reported, fund, households"),
        (r#"count(households where sex = "male")"#, 24, "households have no field `sex`: one of poverty"),
        ("sum(households)", 1, "households are counted: use count(households …)"),
        (r#"count(children where kind = "abuse")"#, 22, "children have no field `kind`"),
        (r#"count(incidents where colour = "red")"#, 23, "no field `colour`"),
        (r#"count(incidents where kind = "abus")"#, 30, "`abus` is not a value of kind"),
        (r#"count(incidents where kind = "abuse""#, 37, "expected `)`"),
        (r#"count(incidents where kind = "abuse)"#, 30, "not closed"),
        ("count(incidents) * 2", 18, "unexpected character `*`"),
        ("count(incidents) count(incidents)", 18, "unexpected text"),
        ("sum(incidents)", 1, "incidents are counted: use count(incidents …)"),
        ("count(reported)", 1, "reported values are summed: use sum(reported …)"),
        (r#"count(incidents) / sum(reported where colour = "x")"#, 39, "reported have no field `colour`: one of element, sex"),
        (r#"sum(reported where element = "apples")"#, 30, "`apples` is not a value of element: one of children_under6"),
        (r#"sum(reported where sex = "all")"#, 26, "`all` is not a value of sex"),
        ("total(reported)", 1, "expected `count` or `sum`"),
        ("", 1, "expected `count` or `sum`"),
    ];
    for (text, position, message) in cases {
        let e = parse_formula(text).unwrap_err();
        assert_eq!(e.position, position, "{text}: {e}");
        assert!(e.message.contains(message), "{text}: {e}");
    }
}

#[test]
fn reported_values_are_summed_on_the_years_counting_day() {
    let d = |y, m, day| time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap();
    let today = d(2026, 3, 1);
    let value = |element: &str, sex: &str, year: i32, v: i64| Fact::of_reported(element, sex, UnitId(3), year, v, today).unwrap();
    let facts = Facts {
        reported: vec![
            value("children_under6_health_insurance", "male", 2025, 900),
            value("children_under6_health_insurance", "female", 2025, 850),
            value("children_under6", "male", 2025, 1000),
            value("children_under6", "female", 2025, 1000),
            value("preschool_investment_pilot_communes", "all", 2025, 2_500_000_000),
            value("children_under6", "male", 2026, 10),
        ],
        ..Default::default()
    };
    assert_eq!(facts.reported[0].day, d(2025, 12, 31));
    assert_eq!(facts.reported[5].day, today);
    assert!(Fact::of_reported("children_under6", "male", UnitId(3), 2027, 1, today).is_none());
    let share = parse_formula(
        r#"sum(reported where element = "children_under6_health_insurance") / sum(reported where element = "children_under6")"#,
    )
    .unwrap();
    // 1,750 of 2,000 = 87.5 %; girls alone 850 of 1,000.
    assert_eq!(yearly_values(&share, &facts, 2025..=2025), vec![(2025, Some(8750))]);
    assert_eq!(yearly_values(&share.restricted("sex", "female").unwrap(), &facts, 2025..=2025), vec![(2025, Some(8500))]);
    let money = parse_formula(r#"sum(reported where element = "preschool_investment_pilot_communes")"#).unwrap();
    assert_eq!(yearly_values(&money, &facts, 2024..=2025), vec![(2024, Some(0)), (2025, Some(2_500_000_000))]);
    let fields: Vec<&str> = share.disaggregations(&["sex".to_owned(), "age_band".to_owned()]).iter().map(|(f, _)| *f).collect();
    assert_eq!(fields, vec!["sex"]);
    // A ratio of a count by a sum is allowed (children in the register per reported birth, say).
    assert!(parse_formula(r#"count(children) / sum(reported where element = "births_registered")"#).is_ok());
}

#[test]
fn the_bundled_catalogue_is_valid() {
    let list = parse_catalogue("indicators.toml", crate::bundled::INDICATORS).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(list.len() >= 5);
    let bad = "[[indicators]]\ncode = \"X\"\nname_vi = \"x\"\nname_en = \"x\"\nconcept_vi = \"x\"\nformula = \"count(incidents where kind = 1)\"\nperiod = \"month\"\nsource = \"x\"\nagency = \"A1\"\n";
    let errors = parse_catalogue("bad.toml", bad).unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[1].starts_with("bad.toml: indicators[X].formula at character 30"), "{errors:?}");
}

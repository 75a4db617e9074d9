//! Unit targets: the kinds that may be refined per unit and their checks, alone and
//! against the map of units.

use super::{parse_hundredths, Comparison, Plan, Target, TargetKind, UnitTarget};
use crate::field_error::{FieldError, FieldErrors};
use crate::units::UnitLevel;

/// The level a unit target of a count or share counts: its own, or the target's only leg
/// (none when that is not a level treem knows).
pub fn unit_target_level(u: &UnitTarget, t: &Target) -> Option<UnitLevel> {
    match (&u.level, t.legs.as_slice()) {
        (Some(l), _) => l.known(),
        (None, [only]) => only.level.known(),
        _ => None,
    }
}

/// The checks of unit targets that need no map of units.
pub(super) fn check_unit_target_fields(p: &Plan, errors: &mut FieldErrors) {
    for (i, u) in p.unit_targets.iter().enumerate() {
        let at = |f: &str| format!("unit_targets[{i}].{f}");
        errors.require(!u.unit_code.trim().is_empty(), at("unit_code"), "the unit's code");
        errors.require(crate::unit_import::parse_date(&u.unit_on).is_some(), at("unit_on"), "the day the code is read on, as YYYY-MM-DD");
        let period = p.period_from..=p.period_to;
        errors.require(u.from_year <= u.to_year, at("to_year"), format!("{} is before from_year {}", u.to_year, u.from_year));
        for (field, y) in [("from_year", u.from_year), ("to_year", u.to_year)] {
            errors.require(period.contains(&y), at(field), format!("{y} is outside the plan's period {}–{}", p.period_from, p.period_to));
        }
        let Some(t) = p.targets.iter().find(|t| t.id == u.target) else {
            errors.push(at("target"), format!("no target `{}` in the plan", u.target));
            continue;
        };
        let Some(kind) = t.kind.known().filter(|k| TargetKind::PER_UNIT.contains(k)) else {
            let per_unit = TargetKind::PER_UNIT.map(TargetKind::as_str).join(", ");
            errors.push(at("target"), format!("{} is a target of kind {}: only {per_unit} are set per unit", t.id, t.kind));
            continue;
        };
        errors.require(u.to_year <= t.deadline, at("to_year"), format!("{} is after the deadline of {}, {}", u.to_year, t.id, t.deadline));
        let value = parse_hundredths(&u.value);
        match kind {
            kind if kind.is_yearly_change() => {
                if value.is_none_or(|v| v <= -10_000) {
                    errors.push(at("value"), "a yearly change in percent, more than -100, at most two decimals (\"-5\")");
                } else if kind == TargetKind::YearOnYearReduction && value.is_some_and(|v| v >= 0) {
                    errors.push(at("value"), format!("{} is a year-on-year reduction: a negative change in percent (\"-5\")", t.id));
                }
                errors.require(u.level.is_none(), at("level"), "only counts and shares have a level");
            }
            kind => {
                let ok = if kind == TargetKind::UnitCountWithStatus {
                    value.is_some_and(|v| v >= 0 && v % 100 == 0)
                } else {
                    value.is_some_and(|v| (0..=10_000).contains(&v))
                };
                if !ok {
                    let want = if kind == TargetKind::UnitCountWithStatus {
                        "a whole number of units, 0 or more"
                    } else {
                        "a share from 0 to 100 (percent)"
                    };
                    errors.push(at("value"), want);
                }
                let leg = unit_target_level(u, t).and_then(|l| t.legs.iter().find(|leg| leg.level.is(l)));
                if kind == TargetKind::UnitShareWithStatus
                    && leg.is_some_and(|l| l.operator.is(Comparison::MoreThan))
                    && value == Some(10_000)
                {
                    errors.push(at("value"), "more than 100 % can never be met");
                }
                let levels: Vec<&str> = t.legs.iter().map(|l| l.level.as_str()).collect();
                match &u.level {
                    Some(l) if !levels.contains(&l.as_str()) => {
                        errors.push(at("level"), format!("{} counts {}: not {l}", t.id, levels.join(", ")))
                    }
                    None if levels.len() > 1 => {
                        errors.push(at("level"), format!("{} has several legs: say which level, one of {}", t.id, levels.join(", ")))
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The checks of unit targets against the map of units: the code names a unit on `unit_on`,
/// inside the plan's area; the unit existed for all the years it is given; it is not below the
/// level it counts; and no two entries give the same target, unit and level for overlapping
/// years. Entries whose fields are wrong already (see [`check_plan`]) are skipped.
pub fn check_unit_targets(p: &Plan, catalog: &crate::units::UnitCatalog) -> Vec<FieldError> {
    let mut errors = FieldErrors::new();
    let area = crate::unit_import::parse_date(&p.scope_unit_on)
        .and_then(|on| catalog.by_code_on(&p.scope_unit_code, on))
        .map(|root| catalog.scope_of(root.id));
    // (index, target, unit, level) of the entries that resolved, for the overlap check.
    let mut resolved: Vec<(usize, &str, &crate::units::AdminUnit, Option<UnitLevel>)> = Vec::new();
    for (i, u) in p.unit_targets.iter().enumerate() {
        let at = format!("unit_targets[{i}].unit_code");
        let Some(on) = crate::unit_import::parse_date(&u.unit_on) else { continue };
        let Some(unit) = catalog.by_code_on(u.unit_code.trim(), on) else {
            let others: Vec<String> =
                catalog.by_code(u.unit_code.trim()).iter().map(|o| format!("{} {}", o.name, lifetime(&o.validity))).collect();
            let also = if others.is_empty() { String::new() } else { format!("; the code names {}", others.join(", ")) };
            errors.push(at, format!("no unit with code {} on {on}{also}", u.unit_code.trim()));
            continue;
        };
        let (Ok(first), Ok(last)) = (
            time::Date::from_calendar_date(u.from_year, time::Month::January, 1),
            time::Date::from_calendar_date(u.to_year, time::Month::December, 31),
        ) else {
            continue;
        };
        if first <= last && !unit.validity.covers(&crate::units::Validity { from: first, to: Some(last) }) {
            errors.push(
                at.clone(),
                format!(
                    "{} ({}) existed {}, not for the whole of {}–{}",
                    unit.name,
                    unit.code,
                    lifetime(&unit.validity),
                    u.from_year,
                    u.to_year
                ),
            );
        }
        errors.require(
            area.as_ref().is_none_or(|a| a.contains(unit.id, on)),
            at.clone(),
            format!("{} ({}) is not in the plan's area on {on}", unit.name, unit.code),
        );
        let target = p.targets.iter().find(|t| t.id == u.target && t.kind.known().is_some_and(|k| TargetKind::PER_UNIT.contains(&k)));
        let level = target
            .filter(|t| !t.is_yearly_change())
            .and_then(|t| unit_target_level(u, t).filter(|l| t.legs.iter().any(|leg| leg.level.is(*l))));
        if let Some(l) = level {
            errors.require(
                l >= unit.level,
                format!("unit_targets[{i}].level"),
                format!("{} ({}) is a {}: it holds no {}", unit.name, unit.code, unit.level.as_str(), l.as_str()),
            );
        }
        if target.is_some() && first <= last {
            resolved.push((i, u.target.as_str(), unit, level));
        }
    }
    for (k, (j, target, unit, level)) in resolved.iter().enumerate() {
        let a = &p.unit_targets[*j];
        for (i, _, _, _) in resolved[..k].iter().filter(|(_, t, o, l)| t == target && o.id == unit.id && l == level) {
            let o = &p.unit_targets[*i];
            if o.from_year <= a.to_year && a.from_year <= o.to_year {
                let level = level.map(|l| format!(", level {l}")).unwrap_or_default();
                errors.push(
                    format!("unit_targets[{j}]"),
                    format!(
                        "overlaps unit_targets[{i}]: same target {target} and unit {} ({}){level}, years {}–{} and {}–{}",
                        unit.name, unit.code, o.from_year, o.to_year, a.from_year, a.to_year
                    ),
                );
            }
        }
    }
    errors.into_vec()
}

/// "from 2012-01-01 to 2025-06-30", or "from 2025-07-01 (still in force)".
fn lifetime(v: &crate::units::Validity) -> String {
    match v.to {
        Some(to) => format!("from {} to {to}", v.from),
        None => format!("from {} (still in force)", v.from),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::check_plan;
    use crate::plan::tests::{fields, small_plan};

    /// Province 87 (2012 to mid-2025) > district 866 > commune 29884; commune 30001 created in 2016;
    /// from 2025-07-01 code 29884 names a new commune under province 82; 82 was Tiền Giang before.
    fn small_map() -> crate::units::UnitCatalog {
        use crate::units::{AdminUnit, ParentLink, UnitCatalog, UnitId, UnitLevel, Validity};
        use time::macros::date;
        let old = Some(date!(2025 - 06 - 30));
        let unit = |id: i64, code: &str, name: &str, level: UnitLevel, from: time::Date, to: Option<time::Date>| AdminUnit {
            id: UnitId(id),
            code: code.into(),
            name: name.into(),
            level,
            unit_type: level.allowed_types()[0],
            validity: Validity { from, to },
            lat: None,
            lon: None,
            area_km2: None,
        };
        let start = date!(2012 - 01 - 01);
        let units = vec![
            unit(1, "87", "Tỉnh Đồng Tháp", UnitLevel::Province, start, old),
            unit(2, "866", "Thành phố Cao Lãnh", UnitLevel::District, start, old),
            unit(3, "29884", "Xã Mỹ Tân", UnitLevel::Commune, start, old),
            unit(4, "30001", "Xã Mới", UnitLevel::Commune, date!(2016 - 01 - 01), old),
            unit(5, "82", "Tỉnh Tiền Giang", UnitLevel::Province, start, old),
            unit(6, "82", "Tỉnh Đồng Tháp", UnitLevel::Province, date!(2025 - 07 - 01), None),
            unit(7, "29884", "Phường Mỹ Ngãi", UnitLevel::Commune, date!(2025 - 07 - 01), None),
            unit(8, "860", "Thành phố Mỹ Tho", UnitLevel::District, start, old),
        ];
        let link = |c: i64, p: i64, from: time::Date, to: Option<time::Date>| ParentLink {
            child: UnitId(c),
            parent: UnitId(p),
            validity: Validity { from, to },
        };
        let links = vec![
            link(2, 1, start, old),
            link(3, 2, start, old),
            link(4, 2, date!(2016 - 01 - 01), old),
            link(8, 5, start, old),
            link(7, 6, date!(2025 - 07 - 01), None),
        ];
        UnitCatalog::new(units, links, vec![])
    }

    #[test]
    fn unit_targets_name_units_that_existed_in_the_plans_area_without_overlaps() {
        let good = small_plan(
            r#"
[[unit_targets]]
target = "T1"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2020
value = "-7"
[[unit_targets]]
target = "T3"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2015
level = "commune"
value = 4
[[unit_targets]]
target = "T3"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2014
to_year = 2015
level = "district"
value = 1
[[unit_targets]]
target = "T5"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2014
to_year = 2015
value = 87.5
"#,
        );
        assert_eq!(check_plan(&good), Ok(()));
        assert_eq!(check_unit_targets(&good, &small_map()), Vec::<FieldError>::new());
        assert_eq!(good.unit_targets[1].value, "4");
        assert_eq!(good.unit_targets[3].value, "87.5");
        // Field checks without the map.
        let bad = small_plan(
            r#"
[[unit_targets]]
target = "T9"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2014
value = 1
[[unit_targets]]
target = "T4"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2014
value = 1
[[unit_targets]]
target = "T3"
unit_code = "866"
unit_on = "31/12/2013"
from_year = 2015
to_year = 2012
value = 2.5
[[unit_targets]]
target = "T5"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2014
to_year = 2016
level = "district"
value = 120
[[unit_targets]]
target = "T5"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2014
to_year = 2015
value = 100
"#,
        );
        assert_eq!(
            fields(&bad),
            vec![
                "unit_targets[0].target",
                "unit_targets[1].target",
                "unit_targets[2].unit_on",
                "unit_targets[2].to_year",
                "unit_targets[2].to_year",
                "unit_targets[2].value",
                "unit_targets[2].level",
                "unit_targets[3].to_year",
                "unit_targets[3].value",
                "unit_targets[3].level",
                "unit_targets[4].value",
            ]
        );
        assert_eq!(check_plan(&bad).unwrap_err()[10].message, "more than 100 % can never be met");
        // Against the map: a code not in use that day, a unit created after the first year,
        // a unit outside the plan's area, a district asked to count districts inside a commune, overlaps.
        let on_map = small_plan(
            r#"
[[unit_targets]]
target = "T1"
unit_code = "82"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2020
value = -5
[[unit_targets]]
target = "T1"
unit_code = "30001"
unit_on = "2016-06-01"
from_year = 2014
to_year = 2020
value = -5
[[unit_targets]]
target = "T1"
unit_code = "29884"
unit_on = "2026-01-01"
from_year = 2013
to_year = 2020
value = -5
[[unit_targets]]
target = "T3"
unit_code = "29884"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2015
level = "district"
value = 1
[[unit_targets]]
target = "T1"
unit_code = "866"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2016
value = -5
[[unit_targets]]
target = "T1"
unit_code = "866"
unit_on = "2020-01-01"
from_year = 2016
to_year = 2020
value = -6
[[unit_targets]]
target = "T1"
unit_code = "29884"
unit_on = "2013-12-31"
from_year = 2013
to_year = 2013
value = -5
[[unit_targets]]
target = "T1"
unit_code = "29884"
unit_on = "2013-12-31"
from_year = 2014
to_year = 2020
value = -5
[[unit_targets]]
target = "T1"
unit_code = "404"
unit_on = "2013-12-31"
from_year = 2014
to_year = 2020
value = -5
"#,
        );
        assert_eq!(check_plan(&on_map), Ok(()));
        let errors = check_unit_targets(&on_map, &small_map());
        let got: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            got,
            vec![
                "unit_targets[0].unit_code",
                "unit_targets[1].unit_code",
                "unit_targets[2].unit_code",
                "unit_targets[2].unit_code",
                "unit_targets[3].level",
                "unit_targets[8].unit_code",
                "unit_targets[5]",
            ],
            "{errors:#?}"
        );
        let msg = |i: usize| errors[i].message.as_str();
        assert!(msg(0).contains("Tỉnh Tiền Giang (82) is not in the plan's area"), "{}", msg(0));
        assert!(msg(1).contains("Xã Mới (30001) existed from 2016-01-01 to 2025-06-30, not for the whole of 2014–2020"), "{}", msg(1));
        assert!(msg(2).contains("Phường Mỹ Ngãi (29884) existed from 2025-07-01 (still in force)"), "{}", msg(2));
        assert!(msg(3).contains("not in the plan's area on 2026-01-01"), "{}", msg(3));
        assert!(msg(4).contains("is a commune: it holds no district"), "{}", msg(4));
        assert_eq!(msg(5), "no unit with code 404 on 2013-12-31");
        assert!(
            msg(6).contains("overlaps unit_targets[4]: same target T1 and unit Thành phố Cao Lãnh (866), years 2013–2016 and 2016–2020"),
            "{}",
            msg(6)
        );
        // The same code read on a day it named no unit says what it named and when.
        let mut gone = on_map.clone();
        gone.unit_targets.truncate(1);
        gone.unit_targets[0].unit_code = "860".into();
        gone.unit_targets[0].unit_on = "2026-01-01".into();
        let e = check_unit_targets(&gone, &small_map());
        assert_eq!(e[0].message, "no unit with code 860 on 2026-01-01; the code names Thành phố Mỹ Tho from 2012-01-01 to 2025-06-30");
    }
}

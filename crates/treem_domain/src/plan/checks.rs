//! The checks of a plan document: its fields, text, targets, reporting and budget.

use super::unit_targets::check_unit_target_fields;
use super::{
    parse_hundredths, Baseline, Plan, Population, TargetKind, Task, BUDGET_LINE_MAX_VND, BUDGET_SOURCES, CLASSIFICATIONS,
    LAW_ON_CHILDREN_IN_FORCE, MANDATES, REPORT_DUE_RULES, REPORT_FREQUENCIES, REPORT_PERIODS, SOLUTION_GROUPS, UNIT_STATUSES,
};
use crate::coded::names;
use crate::field_error::{FieldError, FieldErrors};
use crate::units::UnitLevel;
use std::collections::HashSet;

/// Checks a plan; every problem names where it is (`targets[T3a].legs[1].operator`).
pub fn check_plan(p: &Plan) -> Result<(), Vec<FieldError>> {
    let mut errors = FieldErrors::new();
    let code_ok = !p.code.is_empty() && p.code.len() <= 40 && p.code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    errors.require(code_ok, "code", "1–40 letters, digits or '-'");
    for (field, text) in [("issuer_vi", &p.issuer_vi), ("title_vi", &p.title_vi), ("title_en", &p.title_en)] {
        errors.require(crate::text::clean_line(text, 1000).is_ok(), field, "must be a single line of text");
    }
    let period_ok = (1945..=2100).contains(&p.period_from) && p.period_to >= p.period_from && p.period_to <= 2100;
    errors.require(period_ok, "period_to", "the period must run forwards, within 1945–2100");
    errors.require(crate::unit_import::parse_date(&p.scope_unit_on).is_some(), "scope_unit_on", "expected a date as YYYY-MM-DD");
    let agencies: HashSet<&str> = p.agencies.iter().map(|a| a.id.as_str()).collect();
    let mut seen = HashSet::new();
    let ids = p.baselines.iter().map(|b| ("baselines", &b.id)).chain(p.targets.iter().map(|t| ("targets", &t.id)));
    let ids = ids.chain(p.agencies.iter().map(|a| ("agencies", &a.id))).chain(p.tasks.iter().map(|t| ("tasks", &t.id)));
    let recipients = p.reporting.iter().flat_map(|r| &r.recipients).map(|r| ("reporting.recipients", &r.id));
    for (list, id) in ids.chain(p.solutions.iter().map(|s| ("solutions", &s.id))).chain(recipients) {
        errors.require(!id.is_empty() && seen.insert(id.clone()), format!("{list}[{id}].id"), "ids must be present and unique in the plan");
    }
    let agency = |path: String, id: &str, errors: &mut FieldErrors| {
        errors.require(id.is_empty() || agencies.contains(id), path, format!("no agency `{id}` in the plan"));
    };
    for b in &p.baselines {
        if let Some(pc) = &b.percent {
            errors.require(
                parse_hundredths(pc).is_some_and(|v| (0..=10_000).contains(&v)),
                format!("baselines[{}].percent", b.id),
                "a percentage from 0 to 100 with at most two decimals",
            );
        }
        errors.require(
            b.numerator.is_some() || b.denominator.is_some() || b.percent.is_some(),
            format!("baselines[{}]", b.id),
            "give at least one of numerator, denominator, percent",
        );
        check_classification(b, &mut errors);
    }
    for t in &p.targets {
        let at = |f: &str| format!("targets[{}].{f}", t.id);
        agency(at("lead"), &t.lead, &mut errors);
        let kind = t.kind.known();
        errors.require(kind.is_some(), at("kind"), format!("one of {}", names::<TargetKind>(", ")));
        for c in &t.coordinate {
            agency(at("coordinate"), c, &mut errors);
        }
        check_inferred(&format!("targets[{}]", t.id), &t.lead, &t.coordinate, &t.inferred_agencies, &mut errors);
        if let Some(pop) = &t.population {
            check_population(&format!("targets[{}].population", t.id), pop, &mut errors);
        }
        // Whether the indicator exists is checked against the catalogue by the importer.
        errors.require(t.indicator.is_none() || t.is_yearly_change(), at("indicator"), "only yearly changes follow an indicator so far");
        match kind {
            Some(TargetKind::RelativeAnnualChange) if t.change_percent.as_deref().and_then(parse_hundredths).is_none() => {
                errors.push(at("change_percent"), "a relative yearly change needs its percentage");
            }
            Some(TargetKind::YearOnYearReduction)
                if t.change_percent.as_deref().and_then(parse_hundredths).is_none_or(|v| !(-9_999..0).contains(&v)) =>
            {
                errors.push(at("change_percent"), "a year-on-year reduction needs its yearly change in percent, below 0 and above -100, at most two decimals (\"-5\" for \"giảm 5%\")");
            }
            Some(kind) if kind.is_yearly_change() && t.from_year.is_none_or(|y| y > t.deadline) => {
                errors.push(at("from_year"), "a yearly change needs its first year, not after the deadline");
            }
            Some(kind) if kind.is_unit_status() => {
                errors.require(
                    t.status.as_deref().is_some_and(|s| UNIT_STATUSES.contains(&s)),
                    at("status"),
                    format!("the unit status counted: one of {}", UNIT_STATUSES.join(", ")),
                );
                errors.require(!t.legs.is_empty(), at("legs"), "give at least one level, operator and value");
                for (i, l) in t.legs.iter().enumerate() {
                    errors.require(
                        matches!(l.level.known(), Some(UnitLevel::District | UnitLevel::Commune | UnitLevel::Hamlet)),
                        at(&format!("legs[{i}].level")),
                        "district, commune or hamlet",
                    );
                    errors.require(l.operator.known().is_some(), at(&format!("legs[{i}].operator")), ">=, >, <=, < or =");
                    errors.require(
                        kind != TargetKind::UnitShareWithStatus || (0..=100).contains(&l.value),
                        at(&format!("legs[{i}].value")),
                        "a share from 0 to 100",
                    );
                }
            }
            Some(TargetKind::Milestone) => {
                errors.require(!t.units.is_empty(), at("units"), "a milestone names the units concerned");
                errors.require(
                    t.status.as_deref().is_none_or(|s| UNIT_STATUSES.contains(&s)),
                    at("status"),
                    format!("the unit status that shows the milestone reached: one of {}", UNIT_STATUSES.join(", ")),
                );
            }
            _ => {}
        }
    }
    for t in &p.tasks {
        agency(format!("tasks[{}].lead", t.id), &t.lead, &mut errors);
        for c in &t.coordinate {
            agency(format!("tasks[{}].coordinate", t.id), c, &mut errors);
        }
        check_inferred(&format!("tasks[{}]", t.id), &t.lead, &t.coordinate, &t.inferred_agencies, &mut errors);
        check_budget(p, t, &mut errors);
    }
    check_unit_target_fields(p, &mut errors);
    for s in &p.solutions {
        agency(format!("solutions[{}].lead", s.id), &s.lead, &mut errors);
        for c in &s.coordinate {
            agency(format!("solutions[{}].coordinate", s.id), c, &mut errors);
        }
        check_inferred(&format!("solutions[{}]", s.id), &s.lead, &s.coordinate, &s.inferred_agencies, &mut errors);
        errors.require(SOLUTION_GROUPS.contains(&s.group.as_str()), format!("solutions[{}].group", s.id), "a, b, c or d");
    }
    agency("report_consolidator".into(), &p.report_consolidator, &mut errors);
    check_document_text(p, &mut errors);
    check_reporting(p, &agencies, &mut errors);
    errors.finish(())
}

/// The longest paragraph a plan's text may hold, in characters.
pub const PARAGRAPH_MAX: usize = 5_000;

/// One paragraph of the document's text: one line, already in NFC with single spaces.
fn paragraph(path: String, text: &str, errors: &mut FieldErrors) {
    if text.contains(['\n', '\r']) {
        errors.push(path, "one paragraph per entry: no line breaks (make each paragraph its own entry)");
        return;
    }
    match crate::text::clean_line(text, PARAGRAPH_MAX) {
        Ok(clean) if clean == text => {}
        Ok(_) => errors.push(path, "write the text in Unicode NFC, with single spaces and none at either end"),
        Err(e) => errors.push(path, e.to_string()),
    }
}

/// Paragraphs in Vietnamese and their English: each checked, and one English paragraph
/// for each Vietnamese one (or no English at all).
fn paragraphs(path: &str, vi: &[String], en: &[String], errors: &mut FieldErrors) {
    for (lang, list) in [("vi", vi), ("en", en)] {
        for (i, text) in list.iter().enumerate() {
            paragraph(format!("{path}_{lang}[{i}]"), text, errors);
        }
    }
    errors.require(
        en.is_empty() || en.len() == vi.len(),
        format!("{path}_en"),
        format!("{} paragraphs in Vietnamese, {} in English: translate each paragraph on its own", vi.len(), en.len()),
    );
}

/// The plan's own texts (requirements, funding, implementation), the agencies' duties
/// and the solution groups' titles.
fn check_document_text(p: &Plan, errors: &mut FieldErrors) {
    paragraphs("requirements", &p.requirements_vi, &p.requirements_en, errors);
    paragraphs("implementation", &p.implementation_vi, &p.implementation_en, errors);
    for (field, text) in [("funding_vi", &p.funding_vi), ("funding_en", &p.funding_en)] {
        if !text.is_empty() {
            paragraph(field.into(), text, errors);
        }
    }
    errors.require(!p.funding_vi.is_empty() || p.funding_en.is_empty(), "funding_vi", "the Vietnamese text comes first: give funding_vi");
    for a in &p.agencies {
        let at = |f: &str| format!("agencies[{}].{f}", a.id);
        errors.require(
            a.mandate.is_empty() || MANDATES.contains(&a.mandate.as_str()),
            at("mandate"),
            format!("`{}`: one of {} (invited: \"Đề nghị\", asked, not directed)", a.mandate, MANDATES.join(", ")),
        );
        if !a.heading_vi.is_empty() {
            paragraph(at("heading_vi"), &a.heading_vi, errors);
        }
        errors.require(
            a.section.is_empty() || crate::text::clean_line(&a.section, 20).is_ok(),
            at("section"),
            "the section of the document, such as IV.8 (one line, at most 20 characters)",
        );
        paragraphs(&format!("agencies[{}].duties", a.id), &a.duties_vi, &a.duties_en, errors);
    }
    let mut groups = HashSet::new();
    for (i, g) in p.solution_groups.iter().enumerate() {
        errors.require(
            SOLUTION_GROUPS.contains(&g.id.as_str()) && groups.insert(g.id.as_str()),
            format!("solution_groups[{i}].id"),
            "a, b, c or d, each once",
        );
        paragraph(format!("solution_groups[{i}].title_vi"), &g.title_vi, errors);
        paragraph(format!("solution_groups[{i}].title_en"), &g.title_en, errors);
    }
}

/// An item's inferred agencies: each is its lead or one of its coordinating agencies.
fn check_inferred(at: &str, lead: &str, coordinate: &[String], inferred: &[String], errors: &mut FieldErrors) {
    for (i, id) in inferred.iter().enumerate() {
        if id != lead && !coordinate.contains(id) {
            errors.push(
                format!("{at}.inferred_agencies[{i}]"),
                format!("`{id}` is neither the lead nor a coordinating agency here: only those may be marked inferred"),
            );
        } else if inferred[..i].contains(id) {
            errors.push(format!("{at}.inferred_agencies[{i}]"), format!("`{id}` is listed twice"));
        }
    }
}

/// Whom a target counts: the document's words, and when the plan does not define the ages,
/// the ages treem counts and a note saying it is treem's choice.
fn check_population(at: &str, pop: &Population, errors: &mut FieldErrors) {
    for (field, text) in [("term_vi", &pop.term_vi), ("term_en", &pop.term_en)] {
        paragraph(format!("{at}.{field}"), text, errors);
    }
    for (field, age) in [("age_from", pop.age_from), ("age_below", pop.age_below)] {
        errors.require(age.is_none_or(|a| (0..=120).contains(&a)), format!("{at}.{field}"), "an age in whole years, 0 to 120");
    }
    if let (Some(from), Some(below)) = (pop.age_from, pop.age_below) {
        errors.require(from < below, format!("{at}.age_below"), format!("{below} is not above age_from {from}"));
    }
    if !pop.defined_by_plan {
        errors.require(
            pop.age_from.is_some() || pop.age_below.is_some(),
            format!("{at}.age_below"),
            "the plan does not define the ages: state the ages treem counts",
        );
        errors.require(
            !pop.note_vi.is_empty(),
            format!("{at}.note_vi"),
            "the plan does not define the ages: say which treem counts and that it is treem's choice",
        );
    }
    for (field, text) in [("note_vi", &pop.note_vi), ("note_en", &pop.note_en)] {
        if !text.is_empty() {
            paragraph(format!("{at}.{field}"), text, errors);
        }
    }
}

/// A baseline's classification is a known one and fits its date: a figure counted before
/// the Law on Children 2016 came into force cannot be under its Art. 10, nor a later one
/// under the older terms.
fn check_classification(b: &Baseline, errors: &mut FieldErrors) {
    let Some(c) = &b.classification else { return };
    let at = format!("baselines[{}].classification", b.id);
    if !CLASSIFICATIONS.contains(&c.as_str()) {
        errors.push(at, format!("`{c}`: one of {}", CLASSIFICATIONS.join(", ")));
        return;
    }
    let Some(on) = b.reference.as_deref().and_then(crate::unit_import::parse_date) else { return };
    let before = on < LAW_ON_CHILDREN_IN_FORCE;
    if before && c == "law_2016_art10" {
        errors.push(at, format!("counted on {on}, before the Law on Children 2016 came into force (2017-06-01): use pre_law_2016"));
    } else if !before && c == "pre_law_2016" {
        errors.push(at, format!("counted on {on}, after the Law on Children 2016 came into force (2017-06-01): use law_2016_art10"));
    }
}

/// The reporting structure: agencies and recipients that exist, a due day, known rules;
/// the older `report_due` and `report_consolidator`, if also given, say the same.
fn check_reporting(p: &Plan, agencies: &HashSet<&str>, errors: &mut FieldErrors) {
    errors.require(p.report_due.is_empty() || valid_month_day(&p.report_due), "report_due", "a day of the year as MM-DD (\"11-15\")");
    let Some(r) = &p.reporting else { return };
    let at = |f: &str| format!("reporting.{f}");
    for (field, text) in
        [("reporters_vi", &r.reporters_vi), ("reporters_en", &r.reporters_en), ("due_vi", &r.due_vi), ("due_en", &r.due_en)]
    {
        paragraph(at(field), text, errors);
    }
    errors.require(!r.reporters.is_empty(), at("reporters"), "name who reports: at least one agency of the plan");
    for (i, rep) in r.reporters.iter().enumerate() {
        errors.require(
            agencies.contains(rep.agency.as_str()),
            format!("reporting.reporters[{i}].agency"),
            format!("no agency `{}` in the plan", rep.agency),
        );
        let each_ok =
            rep.each.as_ref().is_none_or(|l| matches!(l.known(), Some(UnitLevel::Province | UnitLevel::District | UnitLevel::Commune)));
        errors.require(each_ok, format!("reporting.reporters[{i}].each"), "province, district or commune: each unit of that level reports");
        errors.require(
            !r.reporters[..i].iter().any(|o| o.agency == rep.agency),
            format!("reporting.reporters[{i}].agency"),
            format!("`{}` is listed twice", rep.agency),
        );
    }
    errors.require(agencies.contains(r.consolidator.as_str()), at("consolidator"), format!("no agency `{}` in the plan", r.consolidator));
    errors.require(!r.recipients.is_empty(), at("recipients"), "name whom the consolidated report goes to");
    for r2 in &r.recipients {
        paragraph(format!("reporting.recipients[{}].name_vi", r2.id), &r2.name_vi, errors);
        paragraph(format!("reporting.recipients[{}].name_en", r2.id), &r2.name_en, errors);
    }
    errors.require(
        r.recipients.iter().any(|x| x.id == r.addressee),
        at("addressee"),
        format!("no recipient `{}` in reporting.recipients", r.addressee),
    );
    errors.require(valid_month_day(&r.due), at("due"), "a day of the year as MM-DD (\"11-15\")");
    errors.require(
        REPORT_DUE_RULES.contains(&r.due_rule.as_str()),
        at("due_rule"),
        format!("one of {} (\"trước ngày 15\" is before)", REPORT_DUE_RULES.join(", ")),
    );
    errors.require(
        REPORT_FREQUENCIES.contains(&r.frequency.as_str()),
        at("frequency"),
        format!("one of {}", REPORT_FREQUENCIES.join(", ")),
    );
    errors.require(
        r.period_covered.as_deref().is_none_or(|c| REPORT_PERIODS.contains(&c)),
        at("period_covered"),
        format!("one of {}, or leave it out when the document does not say", REPORT_PERIODS.join(", ")),
    );
    errors.require(
        p.report_due.is_empty() || p.report_due == r.due,
        "report_due",
        format!("{} differs from reporting.due {}: give the day once, in reporting", p.report_due, r.due),
    );
    errors.require(
        p.report_consolidator.is_empty() || p.report_consolidator == r.consolidator,
        "report_consolidator",
        format!("{} differs from reporting.consolidator {}: name it once, in reporting", p.report_consolidator, r.consolidator),
    );
}

/// "11-15": a month and a day that exist in a leap year.
fn valid_month_day(s: &str) -> bool {
    let Some((m, d)) = s.split_once('-') else { return false };
    let (Ok(m), Ok(d)) = (m.parse::<u8>(), d.parse::<u8>()) else { return false };
    s.len() == 5 && time::Month::try_from(m).is_ok_and(|m| (1..=m.length(2024)).contains(&d))
}

/// A task's budget lines: a known source, a year inside the plan's period, planned and
/// spent neither negative nor absurd, one line per source and year.
fn check_budget(p: &Plan, t: &Task, errors: &mut FieldErrors) {
    for (i, b) in t.budget.iter().enumerate() {
        let at = |f: &str| format!("tasks[{}].budget[{i}]{f}", t.id);
        errors.require(
            BUDGET_SOURCES.contains(&b.source.as_str()),
            at(".source"),
            format!("unknown source `{}`: one of {}", b.source, BUDGET_SOURCES.join(", ")),
        );
        if let Some(y) = b.year {
            errors.require(
                (p.period_from..=p.period_to).contains(&y),
                at(".year"),
                format!("{y} is outside the plan's period {}–{}", p.period_from, p.period_to),
            );
        }
        match b.planned {
            None => errors.push(at(".planned"), "the money planned, in VND; write 0 when it was not planned"),
            Some(v) if v < 0 => errors.push(at(".planned"), "not negative"),
            Some(v) if v > BUDGET_LINE_MAX_VND => errors.push(at(".planned"), "at most 10^15 VND on one line"),
            Some(_) => {}
        }
        match b.spent {
            Some(v) if v < 0 => errors.push(at(".spent"), "not negative"),
            Some(v) if v > BUDGET_LINE_MAX_VND => errors.push(at(".spent"), "at most 10^15 VND on one line"),
            _ => {}
        }
        errors.require(
            b.note.is_empty() || crate::text::clean_line(&b.note, 300).is_ok(),
            at(".note"),
            "a single line of at most 300 characters",
        );
        if let Some(j) = t.budget[..i].iter().position(|o| o.source == b.source && o.year == b.year) {
            let year = b.year.map_or_else(|| "the whole period".to_owned(), |y| y.to_string());
            errors
                .push(at(""), format!("same source and year as tasks[{}].budget[{j}] ({}, {year}): put them on one line", t.id, b.source));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::{fields, founding, small_plan};
    use crate::plan::Agency;

    #[test]
    fn the_documents_fields_are_checked_by_path() {
        use unicode_normalization::UnicodeNormalization;
        let good = small_plan("");
        assert_eq!(check_plan(&good), Ok(()), "a plan without any of the new fields still loads");
        let bad = small_plan(
            r#"
section = "IV.1"
mandate = "asked"
duties_vi = ["Chủ trì.", "Phối hợp\nvới"]
duties_en = ["Lead."]
[[tasks]]
id = "N1"
text_vi = "x"
text_en = "x"
coordinate = ["A1"]
inferred_agencies = ["A1", "A9", "A1"]
[[baselines]]
id = "B4"
name_vi = "Trẻ em có hoàn cảnh đặc biệt khó khăn"
name_en = "x"
numerator = 8029
reference = "2012-12-31"
source = "I"
classification = "law_2016_art10"
[[baselines]]
id = "B9"
name_vi = "x"
name_en = "x"
numerator = 1
reference = "2020-12-31"
source = "x"
classification = "pre_law_2016"
[[baselines]]
id = "B10"
name_vi = "x"
name_en = "x"
numerator = 1
source = "x"
classification = "art_10"
[reporting]
reporters_vi = "các sở"
reporters_en = "departments"
reporters = [{ agency = "A1" }, { agency = "A7", each = "hamlet" }]
addressee = "nobody"
consolidator = "A2"
recipients = [{ id = "tinh-uy", name_vi = "Tỉnh ủy", name_en = "Party Committee" }]
due = "11-31"
due_vi = "trước ngày 31 tháng 11"
due_en = "before 31 November"
due_rule = "about"
frequency = "monthly"
"#,
        );
        let got = fields(&bad);
        assert_eq!(
            got,
            vec![
                "baselines[B4].classification",
                "baselines[B9].classification",
                "baselines[B10].classification",
                "tasks[N1].inferred_agencies[1]",
                "tasks[N1].inferred_agencies[2]",
                "agencies[A1].mandate",
                "agencies[A1].duties_vi[1]",
                "agencies[A1].duties_en",
                "reporting.reporters[1].agency",
                "reporting.reporters[1].each",
                "reporting.consolidator",
                "reporting.addressee",
                "reporting.due",
                "reporting.due_rule",
                "reporting.frequency",
            ],
            "{:#?}",
            check_plan(&bad)
        );
        let errors = check_plan(&bad).unwrap_err();
        let msg = |f: &str| errors.iter().find(|e| e.field == f).map(|e| e.message.clone()).unwrap();
        assert!(msg("baselines[B4].classification").contains("before the Law on Children 2016 came into force"));
        assert!(msg("tasks[N1].inferred_agencies[1]").contains("`A9` is neither the lead nor a coordinating agency"));
        assert!(msg("agencies[A1].duties_en").contains("2 paragraphs in Vietnamese, 1 in English"));
        assert!(msg("agencies[A1].duties_vi[1]").contains("no line breaks"));
        // A population whose ages the plan does not define must say which ages treem counts.
        let mut p = small_plan("");
        p.targets[0].population = Some(Population {
            term_vi: "thanh, thiếu niên vi phạm pháp luật".into(),
            term_en: "youths".into(),
            defined_by_plan: false,
            age_from: Some(18),
            age_below: Some(16),
            note_vi: String::new(),
            note_en: String::new(),
        });
        assert_eq!(fields(&p), vec!["targets[T1].population.age_below", "targets[T1].population.note_vi"]);
        // Text not in NFC is refused, not silently changed.
        p.targets[0].population = None;
        p.requirements_vi = vec!["Yêu cầu".nfd().collect()];
        assert_eq!(fields(&p), vec!["requirements_vi[0]"]);
        // A year-on-year reduction needs a negative change; the older report fields must agree.
        let mut p = small_plan("");
        p.targets[0].kind = "year_on_year_reduction".into();
        p.targets[0].change_percent = Some("5".into());
        p.report_due = "11-16".into();
        p.reporting = founding().reporting;
        p.agencies.push(Agency { id: "A2".into(), ..p.agencies[0].clone() });
        let got = fields(&p);
        assert!(got.contains(&"targets[T1].change_percent".to_owned()) && got.contains(&"report_due".to_owned()), "{got:?}");
    }
}

//! The rest of a child's register entry: the 14 groups of special circumstances
//! (Law on Children Art. 10) each with its dates, the "at risk" flag with its
//! factors, caregivers and the legal representative, the household with its
//! yearly poverty status, school and health-insurance status, birth
//! registration, and consent to processing (judged by the instrument in force on each
//! day: `crate::consent`).

use serde::Serialize;
use time::Date;

use crate::access::SensitiveKind;
use crate::child::{age_on, clean_text, FieldError};
use crate::consent::Instruments;

/// One of the 14 groups of Art. 10, with the ASCII codes used in exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Group(pub &'static str);

/// The groups in legal order: a b c d đ e g h i k l m n o.
pub const GROUPS: [&str; 14] = ["a", "b", "c", "d", "dd", "e", "g", "h", "i", "k", "l", "m", "n", "o"];

/// The letter as the law writes it (đ for `dd`).
pub fn group_letter(code: &str) -> &str {
    if code == "dd" {
        "đ"
    } else {
        code
    }
}

/// Accepts `dd` or `đ`.
pub fn parse_group(s: &str) -> Option<&'static str> {
    let s = s.trim();
    let s = if s == "đ" || s == "Đ" { "dd" } else { s };
    GROUPS.iter().copied().find(|g| *g == s.to_lowercase())
}

/// The sensitive class of a group's membership, if any: HIV (đ), conflict with
/// the law (e) and abuse-related groups (i, k, l, m) are sensitive.
pub fn group_sensitivity(code: &str) -> Option<SensitiveKind> {
    match code {
        "dd" => Some(SensitiveKind::HivStatus),
        "e" | "g" => Some(SensitiveKind::OffenceDetails),
        "i" | "k" | "l" | "m" => Some(SensitiveKind::AbuseDetails),
        _ => None,
    }
}

/// A child is a person under 16 (Law on Children 2016, Art. 1).
pub const CHILD_AGE_LIMIT: i32 = 16;

pub const SCHOOL_STATUS: &[&str] = &["not_school_age", "in_school", "out_of_school"];
pub const POVERTY: &[&str] = &["poor", "near_poor", "neither"];
pub const CONSENT_KINDS: &[&str] = &["child", "legal_representative", "legal_basis"];
pub const CAREGIVER_RELATIONS: &[&str] =
    &["mother", "father", "grandparent", "sibling", "relative", "foster_parent", "guardian", "facility", "other"];

fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, message)
}

fn date(field: &'static str, s: &str, today: Date) -> Result<Date, FieldError> {
    match crate::unit_import::parse_date(s.trim()) {
        Some(d) if d > today => Err(err(field, "is in the future")),
        Some(d) => Ok(d),
        None => Err(err(field, "expected a date as YYYY-MM-DD")),
    }
}

fn optional_date(field: &'static str, s: &str, today: Date) -> Result<Option<Date>, FieldError> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        date(field, s, today).map(Some)
    }
}

/// A checked membership of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Circumstance {
    pub group: &'static str,
    pub began_on: Date,
    pub ended_on: Option<Date>,
}

/// Checks a group membership for a child born on `birth`: the group is one of the
/// 14, it begins no earlier than birth, ends after it began, and the child was
/// under 16 when it began. Art. 10 lists groups of *children*, and a child is a person
/// under 16 (Law on Children Art. 1): every group, e) included, begins before 16. A
/// juvenile of 16 or 17 in conflict with the law is an incident (`conflict_with_law`),
/// not group e).
pub fn check_circumstance(group: &str, began_on: &str, ended_on: &str, birth: Date, today: Date) -> Result<Circumstance, Vec<FieldError>> {
    let mut errors = Vec::new();
    let g = parse_group(group);
    if g.is_none() {
        errors.push(err("group", "one of a, b, c, d, đ, e, g, h, i, k, l, m, n, o"));
    }
    let began = date("began_on", began_on, today).map_err(|e| errors.push(e)).ok();
    let ended = optional_date("ended_on", ended_on, today).map_err(|e| errors.push(e)).ok().flatten();
    if let Some(b) = began {
        if b < birth {
            errors.push(err("began_on", "is before the child's birth"));
        } else if age_on(birth, b) >= CHILD_AGE_LIMIT {
            errors.push(err("began_on", format!("the child was {CHILD_AGE_LIMIT} or older then: Art. 10 covers children under 16")));
        }
        if ended.is_some_and(|e| e < b) {
            errors.push(err("ended_on", "is before it began"));
        }
    }
    match (g, began) {
        (Some(group), Some(began_on)) if errors.is_empty() => Ok(Circumstance { group, began_on, ended_on: ended }),
        _ => Err(errors),
    }
}

/// A checked consent record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consent {
    pub kind: &'static str,
    pub given_by: String,
    pub given_on: Date,
    pub scope: String,
}

/// Checks a consent: the child's own consent needs a child old enough on the day, as the
/// instrument in force that day says (7 under Decree 13/2023 Art. 20 and under Law
/// 91/2025 Art. 24; a day before any instrument of the table has no age rule); a legal
/// basis instead of consent names it.
pub fn check_consent(
    kind: &str,
    given_by: &str,
    given_on: &str,
    scope: &str,
    birth: Date,
    today: Date,
    instruments: &Instruments,
) -> Result<Consent, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = CONSENT_KINDS.iter().copied().find(|k| *k == kind.trim());
    if kind.is_none() {
        errors.push(err("kind", "child, legal_representative or legal_basis"));
    }
    let given_by = clean_text(given_by, 200).map_err(|e| errors.push(err("given_by", e.to_string()))).ok().flatten();
    if given_by.is_none() && !errors.iter().any(|e| e.field == "given_by") {
        errors.push(err("given_by", "must be filled in (who consented, or the legal basis)"));
    }
    let scope = clean_text(scope, 500).map_err(|e| errors.push(err("scope", e.to_string()))).ok().flatten();
    if scope.is_none() && !errors.iter().any(|e| e.field == "scope") {
        errors.push(err("scope", "say what the consent covers"));
    }
    let on = date("given_on", given_on, today).map_err(|e| errors.push(e)).ok();
    if let (Some("child"), Some(d)) = (kind, on) {
        if let Some(i) = instruments.on(d).filter(|i| age_on(birth, d) < i.child_consent_from_age) {
            errors.push(err(
                "kind",
                format!("a child's own consent is recorded from the age of {} ({})", i.child_consent_from_age, i.citation),
            ));
        }
    }
    match (kind, given_by, on, scope) {
        (Some(kind), Some(given_by), Some(given_on), Some(scope)) if errors.is_empty() => Ok(Consent { kind, given_by, given_on, scope }),
        _ => Err(errors),
    }
}

/// Whether keeping a child's data in the register has, on `on`, what the instrument in
/// force that day asks (`Instrument::register_allowed`): a legal basis, or the consents
/// it needs (Decree 13/2023: the representative's, plus the child's own from 7; Law
/// 91/2025: the legal representative's). None when no instrument of the table is in force.
pub fn consent_satisfied(birth: Date, on: Date, active_kinds: &[&str], instruments: &Instruments) -> Option<bool> {
    instruments.on(on).map(|i| i.register_allowed(age_on(birth, on), active_kinds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const BIRTH: Date = date!(2015 - 06 - 01);
    const TODAY: Date = date!(2026 - 11 - 29);

    #[test]
    fn groups_and_letters() {
        assert_eq!(parse_group("đ"), Some("dd"));
        assert_eq!(parse_group("L"), Some("l"));
        assert_eq!(parse_group("f"), None);
        assert_eq!(group_letter("dd"), "đ");
        assert_eq!(group_sensitivity("dd"), Some(SensitiveKind::HivStatus));
        assert_eq!(group_sensitivity("a"), None);
    }

    #[test]
    fn circumstances_check_dates_and_age() {
        assert!(check_circumstance("a", "2020-01-01", "", BIRTH, TODAY).is_ok());
        let e = check_circumstance("x", "2010-01-01", "2009-01-01", BIRTH, TODAY).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["group", "began_on", "ended_on"]);
        // Not a child any more at 16: no group begins then, e) (conflict with the law) included.
        let old = date!(2008 - 01 - 01);
        for group in GROUPS {
            let e = check_circumstance(group, "2025-01-01", "", old, TODAY).unwrap_err();
            assert_eq!(e[0].field, "began_on", "{group}");
            assert!(e[0].message.contains("under 16"), "{group}: {}", e[0].message);
            // The day before the 16th birthday is still a child's.
            assert!(check_circumstance(group, "2023-12-31", "", old, TODAY).is_ok(), "{group}");
            assert!(check_circumstance(group, "2024-01-01", "", old, TODAY).is_err(), "{group}");
        }
        // A membership begun before 16 may run on past it (its end is not limited).
        assert!(check_circumstance("e", "2023-06-01", "2025-06-01", old, TODAY).is_ok());
    }

    #[test]
    fn consent_rules_follow_the_instrument_of_the_day() {
        let t = Instruments::bundled();
        let check = |kind: &str, on: &str| check_consent(kind, "Trẻ", on, "chia sẻ với trường", BIRTH, TODAY, t);
        let e = check("child", "2020-01-01").unwrap_err();
        assert_eq!(e[0].field, "kind");
        assert!(e[0].message.contains("from the age of 7") && e[0].message.contains("Luật Trẻ em"), "{}", e[0].message);
        let e = check("child", "2022-05-31").unwrap_err();
        assert!(e[0].message.contains("Luật Trẻ em"), "aged 6 in 2022, under the Law on Children: {}", e[0].message);
        assert!(check("child", "2022-06-01").is_ok(), "7 on that day");
        assert!(check("child", "2024-01-01").is_ok());
        // Under Decree 13 (2025) a child of 10 needs its own consent too; under Law 91 (2026), not to be kept.
        assert_eq!(consent_satisfied(BIRTH, date!(2021 - 01 - 01), &["legal_representative"], t), Some(true));
        assert_eq!(consent_satisfied(BIRTH, date!(2025 - 07 - 01), &["legal_representative"], t), Some(false));
        assert_eq!(consent_satisfied(BIRTH, date!(2025 - 07 - 01), &["legal_representative", "child"], t), Some(true));
        assert_eq!(consent_satisfied(BIRTH, TODAY, &["legal_representative"], t), Some(true));
        assert_eq!(consent_satisfied(BIRTH, TODAY, &[], t), Some(false));
        assert_eq!(consent_satisfied(BIRTH, TODAY, &["legal_basis"], t), Some(true));
        assert_eq!(consent_satisfied(BIRTH, date!(2016 - 01 - 01), &["legal_basis"], t), None, "before any instrument");
    }
}

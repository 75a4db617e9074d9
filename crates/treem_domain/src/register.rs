//! The rest of a child's register entry: the 14 groups of special circumstances
//! (Law on Children Art. 10) each with its dates, the "at risk" flag with its
//! factors, caregivers and the legal representative, the household with its
//! yearly poverty status, school and health-insurance status, birth
//! registration, and consent to processing (Decree 13/2023 Art. 20).

use serde::Serialize;
use time::Date;

use crate::access::SensitiveKind;
use crate::child::{age_on, clean_text, FieldError};

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
    FieldError { field, message: message.into() }
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

/// Checks a consent: the child's own consent needs a child aged 7 or more on the
/// day (Decree 13/2023 Art. 20); a legal basis instead of consent names it.
pub fn check_consent(
    kind: &str,
    given_by: &str,
    given_on: &str,
    scope: &str,
    birth: Date,
    today: Date,
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
        if age_on(birth, d) < 7 {
            errors.push(err("kind", "a child's own consent is recorded from the age of 7"));
        }
    }
    match (kind, given_by, on, scope) {
        (Some(kind), Some(given_by), Some(given_on), Some(scope)) if errors.is_empty() => Ok(Consent { kind, given_by, given_on, scope }),
        _ => Err(errors),
    }
}

/// Whether processing a child's data has what Decree 13/2023 asks on `on`: a legal
/// basis, or the representative's consent, plus the child's own from age 7.
pub fn consent_satisfied(birth: Date, on: Date, active_kinds: &[&str]) -> bool {
    if active_kinds.contains(&"legal_basis") {
        return true;
    }
    active_kinds.contains(&"legal_representative") && (age_on(birth, on) < 7 || active_kinds.contains(&"child"))
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
        let fields: Vec<&str> = e.iter().map(|e| e.field).collect();
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
    fn consent_rules() {
        assert_eq!(check_consent("child", "Trẻ", "2020-01-01", "chia sẻ với trường", BIRTH, TODAY).unwrap_err()[0].field, "kind");
        assert!(check_consent("child", "Trẻ", "2024-01-01", "chia sẻ với trường", BIRTH, TODAY).is_ok());
        assert!(consent_satisfied(BIRTH, date!(2021 - 01 - 01), &["legal_representative"]));
        assert!(!consent_satisfied(BIRTH, TODAY, &["legal_representative"]), "from 7, the child's own consent too");
        assert!(consent_satisfied(BIRTH, TODAY, &["legal_representative", "child"]));
        assert!(consent_satisfied(BIRTH, TODAY, &["legal_basis"]));
    }
}

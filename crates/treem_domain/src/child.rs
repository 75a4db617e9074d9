//! The register of children: the core fields of a child record, checked once
//! at the edge. Sensitive fields (HIV status, abuse and offence details) are
//! typed apart so that the access layer can mask them by class.

use serde::Serialize;
use time::Date;

use crate::access::{SensitiveKind, Visibility};
use crate::text::{clean_line, nfc, search_key, TextError};
use crate::units::{UnitCatalog, UnitId, UnitLevel};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub const ALL: [Sex; 2] = [Self::Male, Self::Female];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "male" => Some(Self::Male),
            "female" => Some(Self::Female),
            _ => None,
        }
    }
}

/// HIV status: sensitive, seen only by roles that need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HivStatus {
    Unknown,
    Negative,
    Exposed,
    Positive,
}

impl HivStatus {
    pub const ALL: [HivStatus; 4] = [Self::Unknown, Self::Negative, Self::Exposed, Self::Positive];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Negative => "negative",
            Self::Exposed => "exposed",
            Self::Positive => "positive",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|h| h.as_str() == s)
    }
}

/// The sensitive fields of a child record and their classes.
pub const SENSITIVE_FIELDS: &[(&str, SensitiveKind)] = &[
    ("hiv_status", SensitiveKind::HivStatus),
    ("abuse_notes", SensitiveKind::AbuseDetails),
    ("offence_notes", SensitiveKind::OffenceDetails),
];

/// A child record as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Child {
    pub id: i64,
    pub full_name: String,
    pub sex: Sex,
    pub birth_date: Date,
    /// Only the year of birth is known; `birth_date` is then 1 July of that year (or earlier, not in the future).
    pub birth_date_estimated: bool,
    pub residence_unit: UnitId,
    /// The record's date: scope and the unit map are read as of this day.
    pub registered_on: Date,
    pub hiv_status: Option<HivStatus>,
    pub abuse_notes: Option<String>,
    pub offence_notes: Option<String>,
    pub versions: ChildVersions,
    /// Set when this record was merged into another as its duplicate.
    pub merged_into: Option<i64>,
}

/// The change counters of a child record: one for its core fields and one for each
/// sensitive class, so that a change of a class a reader does not see does not move the
/// version that reader sees (a moved version would tell of the change).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ChildVersions {
    pub core: i64,
    pub hiv: i64,
    pub abuse: i64,
    pub offence: i64,
}

impl ChildVersions {
    /// The version a reader of `view` sees and sends back with an edit: the sum of the
    /// counters of the parts it sees. Counters only grow, so any change that reader
    /// could see raises the sum, and no change it cannot see moves it.
    pub fn seen(&self, view: Visibility) -> i64 {
        let part = |kind, n: i64| if view.sees(Some(kind)) { n } else { 0 };
        self.core
            + part(SensitiveKind::HivStatus, self.hiv)
            + part(SensitiveKind::AbuseDetails, self.abuse)
            + part(SensitiveKind::OffenceDetails, self.offence)
    }
}

/// Which parts of a child record an edit changed (see [`ChildVersions`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChangedParts {
    pub core: bool,
    pub hiv: bool,
    pub abuse: bool,
    pub offence: bool,
}

/// A checked child, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildFields {
    pub full_name: String,
    pub name_search: String,
    pub sex: Sex,
    pub birth_date: Date,
    pub birth_date_estimated: bool,
    pub residence_unit: UnitId,
    pub registered_on: Date,
    pub hiv_status: Option<HivStatus>,
    pub abuse_notes: Option<String>,
    pub offence_notes: Option<String>,
}

/// What a form or an API body gives, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChildInput {
    pub full_name: String,
    pub sex: String,
    pub birth_date: String,
    pub residence_unit_id: String,
    pub registered_on: String,
    pub hiv_status: String,
    pub abuse_notes: String,
    pub offence_notes: String,
}

pub use crate::field_error::FieldError;

fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, message)
}

/// Free text: NFC, no control characters but tab and newline, at most `max` characters.
pub fn clean_text(s: &str, max: usize) -> Result<Option<String>, TextError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    for c in s.chars() {
        let cp = c as u32;
        if (cp < 0x20 && c != '\n' && c != '\r' && c != '\t') || (0x7f..0xa0).contains(&cp) {
            return Err(TextError::ControlCharacter(cp));
        }
        if matches!(cp, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x2069 | 0xFEFF) {
            return Err(TextError::InvisibleCharacter(cp));
        }
    }
    let out = nfc(&s.replace("\r\n", "\n"));
    if out.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(Some(out))
}

/// Age in whole years on `on`.
pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        age -= 1;
    }
    age
}

/// Checks every field, returning all problems at once.
pub fn check_child(input: &ChildInput, catalog: &UnitCatalog, today: Date) -> Result<ChildFields, Vec<FieldError>> {
    let mut errors = Vec::new();
    let full_name = clean_line(&input.full_name, 100).map_err(|e| errors.push(err("full_name", e.to_string()))).ok();
    let sex = Sex::parse(input.sex.trim()).ok_or_else(|| errors.push(err("sex", "choose male or female"))).ok();
    let date = |field: &'static str, s: &str, errors: &mut Vec<FieldError>| -> Option<Date> {
        match crate::unit_import::parse_date(s.trim()) {
            Some(d) if d > today => {
                errors.push(err(field, "is in the future"));
                None
            }
            Some(d) => Some(d),
            None => {
                errors.push(err(field, "expected a date as YYYY-MM-DD"));
                None
            }
        }
    };
    // A full date, or only the year of birth (an estimate, kept as such).
    let year_only = input.birth_date.trim().len() == 4 && input.birth_date.trim().bytes().all(|b| b.is_ascii_digit());
    let birth_date = if year_only {
        let year: i32 = input.birth_date.trim().parse().unwrap_or(0);
        match Date::from_calendar_date(year, time::Month::July, 1) {
            Ok(mid) if year <= today.year() && year >= 1900 => Some(mid.min(today)),
            _ => {
                errors.push(err("birth_date", "expected a date as YYYY-MM-DD, or a year as YYYY"));
                None
            }
        }
    } else {
        date("birth_date", &input.birth_date, &mut errors)
    };
    let registered_on =
        if input.registered_on.trim().is_empty() { Some(today) } else { date("registered_on", &input.registered_on, &mut errors) };
    if let (Some(b), Some(r)) = (birth_date, registered_on) {
        if b > r {
            errors.push(err("birth_date", "is after the registration date"));
        } else if age_on(b, r) >= 18 {
            errors.push(err("birth_date", "the person was 18 or older on the registration date: not a child or juvenile"));
        }
    }
    let residence_unit = match input.residence_unit_id.trim().parse::<i64>().ok().and_then(|id| catalog.get(UnitId(id))) {
        None => {
            errors.push(err("residence_unit_id", "choose an existing commune or hamlet"));
            None
        }
        Some(u) if !matches!(u.level, UnitLevel::Commune | UnitLevel::Hamlet) => {
            errors.push(err("residence_unit_id", "must be a commune or a hamlet"));
            None
        }
        Some(u) => {
            if let Some(r) = registered_on {
                if !u.validity.contains(r) {
                    errors.push(err("residence_unit_id", format!("{} was not valid on {r}", u.name)));
                }
            }
            Some(u.id)
        }
    };
    let hiv_status = match input.hiv_status.trim() {
        "" => None,
        s => HivStatus::parse(s).or_else(|| {
            errors.push(err("hiv_status", "choose unknown, negative, exposed or positive"));
            None
        }),
    };
    let mut text = |field: &'static str, s: &str| clean_text(s, 4000).map_err(|e| errors.push(err(field, e.to_string()))).ok().flatten();
    let abuse_notes = text("abuse_notes", &input.abuse_notes);
    let offence_notes = text("offence_notes", &input.offence_notes);
    match (full_name, sex, birth_date, residence_unit, registered_on) {
        (Some(full_name), Some(sex), Some(birth_date), Some(residence_unit), Some(registered_on)) if errors.is_empty() => Ok(ChildFields {
            name_search: search_key(&full_name),
            full_name,
            sex,
            birth_date,
            birth_date_estimated: year_only,
            residence_unit,
            registered_on,
            hiv_status,
            abuse_notes,
            offence_notes,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::{AdminUnit, UnitType, Validity};
    use time::macros::date;

    fn catalog() -> UnitCatalog {
        let u = |id, level, to| AdminUnit {
            id: UnitId(id),
            code: id.to_string(),
            name: format!("U{id}"),
            level,
            unit_type: UnitType::Xa,
            validity: Validity { from: date!(2012 - 01 - 01), to },
            lat: None,
            lon: None,
            area_km2: None,
        };
        UnitCatalog::new(vec![u(1, UnitLevel::Province, None), u(2, UnitLevel::Commune, Some(date!(2025 - 06 - 30)))], vec![], vec![])
    }

    fn input() -> ChildInput {
        ChildInput {
            full_name: "Nguye\u{0302}\u{0303}n Thị Ánh".into(),
            sex: "female".into(),
            birth_date: "2015-03-01".into(),
            residence_unit_id: "2".into(),
            registered_on: "2020-01-01".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_good_child_is_normalised() {
        let c = check_child(&input(), &catalog(), date!(2026 - 11 - 29)).unwrap();
        assert_eq!(c.full_name, "Nguyễn Thị Ánh");
        assert_eq!(c.name_search, "nguyen thi anh");
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = ChildInput {
            full_name: "A\u{0}".into(),
            sex: "x".into(),
            birth_date: "2030-01-01".into(),
            residence_unit_id: "1".into(),
            hiv_status: "maybe".into(),
            ..Default::default()
        };
        let e = check_child(&bad, &catalog(), date!(2026 - 11 - 29)).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, vec!["full_name", "sex", "birth_date", "residence_unit_id", "hiv_status"]);
        // A unit no longer valid on the registration date.
        let mut late = input();
        late.registered_on = "2026-01-01".into();
        let e = check_child(&late, &catalog(), date!(2026 - 11 - 29)).unwrap_err();
        assert_eq!(e[0].field, "residence_unit_id");
        let mut adult = input();
        adult.birth_date = "2000-01-01".into();
        assert_eq!(check_child(&adult, &catalog(), date!(2026 - 11 - 29)).unwrap_err()[0].field, "birth_date");
    }

    #[test]
    fn a_year_alone_is_an_estimate() {
        let mut i = input();
        i.birth_date = "2014".into();
        let c = check_child(&i, &catalog(), date!(2026 - 11 - 29)).unwrap();
        assert_eq!((c.birth_date, c.birth_date_estimated), (date!(2014 - 07 - 01), true));
        i.birth_date = "2031".into();
        assert_eq!(check_child(&i, &catalog(), date!(2026 - 11 - 29)).unwrap_err()[0].field, "birth_date");
    }

    #[test]
    fn ages() {
        assert_eq!(age_on(date!(2010 - 05 - 10), date!(2026 - 05 - 09)), 15);
        assert_eq!(age_on(date!(2010 - 05 - 10), date!(2026 - 05 - 10)), 16);
    }
}

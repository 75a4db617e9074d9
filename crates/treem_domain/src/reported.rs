//! Aggregate values reported by agencies (issue #5): the data elements they report
//! (bundled in `data/indicators/data-elements.toml`) and the checks of a reported value.
//! A value for a year is a fact of kind `reported` on that year's counting day at the
//! reporting unit, summed by formulas (`sum(reported where element = "…")`).

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

use crate::units::UnitLevel;

/// One thing agencies report each year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataElement {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    /// persons, births, communes, vnd.
    pub unit_of_measure: String,
    /// The responsible agency (a plan's agency id: A1…A12).
    pub agency: String,
    /// year (the only period reported so far).
    pub period: String,
    /// The lowest administrative level the value is reported at.
    pub lowest_level: String,
    /// Reported separately for boys and girls.
    #[serde(default)]
    pub by_sex: bool,
}

impl DataElement {
    /// The lowest level as a unit level (checked when the file is read).
    pub fn level(&self) -> UnitLevel {
        UnitLevel::parse(&self.lowest_level).unwrap_or(UnitLevel::Province)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ElementsFile {
    elements: Vec<DataElement>,
}

/// Units of measure a data element may have.
pub const UNITS_OF_MEASURE: &[&str] = &["persons", "births", "communes", "vnd"];

/// The largest value accepted (keeps yearly sums over a country exact in 64 bits).
pub const MAX_VALUE: i64 = 1_000_000_000_000_000;

/// Reads and checks a data-element file: codes unique and well formed, known unit of
/// measure, agency id `A<n>`, period `year`, a level of province, district or commune.
/// Every problem names the element and the field.
pub fn parse_data_elements(file: &str, text: &str) -> Result<Vec<DataElement>, Vec<String>> {
    let parsed: ElementsFile = toml::from_str(text).map_err(|e| vec![format!("{file}: {}", e.message())])?;
    let mut errors = Vec::new();
    let mut out: Vec<DataElement> = Vec::new();
    for e in parsed.elements {
        let at = |field: &str| format!("{file}: elements[{}].{field}", e.code);
        if e.code.is_empty() || !e.code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
            errors.push(format!("{}: lower-case letters, digits and `_` only", at("code")));
        }
        if out.iter().any(|o| o.code == e.code) {
            errors.push(format!("{}: used twice", at("code")));
        }
        if !UNITS_OF_MEASURE.contains(&e.unit_of_measure.as_str()) {
            errors.push(format!("{}: one of {}", at("unit_of_measure"), UNITS_OF_MEASURE.join(", ")));
        }
        if !(e.agency.starts_with('A') && e.agency.len() > 1 && e.agency[1..].chars().all(|c| c.is_ascii_digit())) {
            errors.push(format!("{}: an agency id of the plan (A1, A2, …)", at("agency")));
        }
        if e.period != "year" {
            errors.push(format!("{}: only `year` is reported", at("period")));
        }
        if !["province", "district", "commune"].contains(&e.lowest_level.as_str()) {
            errors.push(format!("{}: one of province, district, commune", at("lowest_level")));
        }
        out.push(e);
    }
    if out.len() >= 62 {
        errors.push(format!("{file}: at most 61 elements (a formula's value mask is 64 bits)"));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The bundled data elements (`data/indicators/data-elements.toml`; a test checks the
/// file, so an invalid one never ships and the list here is never silently empty).
pub fn data_elements() -> &'static [DataElement] {
    static ELEMENTS: OnceLock<Vec<DataElement>> = OnceLock::new();
    ELEMENTS.get_or_init(|| parse_data_elements("data-elements.toml", crate::bundled::DATA_ELEMENTS).unwrap_or_default())
}

/// One bundled data element by code.
pub fn data_element(code: &str) -> Option<&'static DataElement> {
    data_elements().iter().find(|e| e.code == code)
}

/// The codes of the bundled elements, as the formula language's value list of `element`.
pub fn element_codes() -> &'static [&'static str] {
    static CODES: OnceLock<Vec<&'static str>> = OnceLock::new();
    CODES.get_or_init(|| data_elements().iter().map(|e| e.code.as_str()).collect())
}

#[derive(Deserialize)]
struct PlanAgencies {
    #[serde(default)]
    agencies: Vec<AgencyName>,
}

#[derive(Deserialize)]
struct AgencyName {
    id: String,
    name_vi: String,
    #[serde(default)]
    name_en: String,
}

/// Whether an account's agency (as written on the account: an id such as `A3`, or the
/// agency's name) is the agency `id` of the founding plan. Names are compared without
/// case, diacritics or surrounding spaces.
pub fn agency_matches(id: &str, account_agency: &str) -> bool {
    static NAMES: OnceLock<Vec<(String, String, String)>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        toml::from_str::<PlanAgencies>(crate::bundled::PLAN_DONG_THAP_2013)
            .map(|p| {
                p.agencies.into_iter().map(|a| (a.id, crate::text::search_key(&a.name_vi), crate::text::search_key(&a.name_en))).collect()
            })
            .unwrap_or_default()
    });
    let given = account_agency.trim();
    if given.eq_ignore_ascii_case(id) {
        return true;
    }
    let key = crate::text::search_key(given);
    !key.is_empty() && names.iter().any(|(a, vi, en)| a == id && (*vi == key || *en == key))
}

/// `sex` of a reported value: `male`, `female`, or `all` for an element not reported by sex.
pub const REPORTED_SEXES: &[&str] = &["male", "female", "all"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_elements_are_valid_and_hold_the_issues_examples() {
        let list = parse_data_elements("data-elements.toml", crate::bundled::DATA_ELEMENTS).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(list.len(), data_elements().len());
        for code in [
            "children_under6",
            "children_under6_health_insurance",
            "births_registered",
            "births_registered_on_time",
            "children_taught_to_swim",
            "preschool_investment_pilot_communes",
        ] {
            assert!(data_element(code).is_some(), "{code}");
        }
        assert_eq!(data_element("preschool_investment_pilot_communes").map(|e| e.unit_of_measure.as_str()), Some("vnd"));
    }

    #[test]
    fn an_account_names_its_agency_by_id_or_by_name() {
        assert!(agency_matches("A2", "Sở Giáo dục và Đào tạo"));
        assert!(agency_matches("A2", " so giao duc va dao tao "));
        assert!(agency_matches("A2", "a2"));
        assert!(agency_matches("A3", "Dept. of Health"));
        assert!(!agency_matches("A3", "Sở Giáo dục và Đào tạo"));
        assert!(!agency_matches("A3", ""));
    }

    #[test]
    fn a_bad_element_file_names_element_and_field() {
        let bad = "[[elements]]\ncode = \"Bad code\"\nname_vi = \"x\"\nname_en = \"x\"\nunit_of_measure = \"kg\"\nagency = \"Health\"\nperiod = \"month\"\nlowest_level = \"hamlet\"\n";
        let errors = parse_data_elements("bad.toml", bad).unwrap_err();
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(errors[0].starts_with("bad.toml: elements[Bad code].code"), "{errors:?}");
        assert!(errors[1].contains(".unit_of_measure"), "{errors:?}");
        assert!(errors[4].contains(".lowest_level"), "{errors:?}");
    }
}

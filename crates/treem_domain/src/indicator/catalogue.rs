//! The catalogue: entries with the metadata of Circular 13/2021, parsed and checked.

use super::*;
use crate::field_error::{FieldError, FieldErrors};

/// One catalogue entry (Circular 13/2021: code, names, concept, formula, disaggregation, period, source, agency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub code: String,
    pub name_vi: String,
    pub name_en: String,
    pub concept_vi: String,
    #[serde(default)]
    pub concept_en: String,
    pub formula: String,
    /// Disaggregations the indicator is published by (unit level, sex, age band, form…).
    #[serde(default)]
    pub disaggregations: Vec<String>,
    /// year (the only period type computed so far).
    pub period: String,
    pub source: String,
    /// The responsible agency (a plan's agency id where one applies).
    pub agency: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    indicators: Vec<Indicator>,
}

/// Reads and checks a catalogue file: every formula parses, codes are unique. Each
/// problem names the indicator and, for formulas, the position.
pub fn parse_catalogue(file: &str, text: &str) -> Result<Vec<(Indicator, Formula)>, Vec<String>> {
    let parsed: CatalogueFile = toml::from_str(text).map_err(|e| vec![format!("{file}: {}", e.message())])?;
    let mut errors = Vec::new();
    let mut out: Vec<(Indicator, Formula)> = Vec::new();
    for i in parsed.indicators {
        if out.iter().any(|(o, _)| o.code == i.code) {
            errors.push(format!("{file}: indicators[{}].code: used twice", i.code));
            continue;
        }
        if i.period != "year" {
            errors.push(format!("{file}: indicators[{}].period: only `year` is computed", i.code));
        }
        match parse_formula(&i.formula) {
            Ok(f) => out.push((i, f)),
            Err(e) => errors.push(format!("{file}: indicators[{}].formula {e}", i.code)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Whether `code` is an indicator code: lowercase dotted words (`incidents.sexual_abuse`),
/// each a letter then letters, digits or `_`, at least two words, at most 64 characters.
pub fn valid_code(code: &str) -> bool {
    let words: Vec<&str> = code.split('.').collect();
    code.len() <= 64
        && words.len() >= 2
        && words.iter().all(|w| {
            let mut chars = w.chars();
            chars.next().is_some_and(|c| c.is_ascii_lowercase()) && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

/// Checks an indicator definition typed by a person: the code's syntax, the names, the
/// period, the formula (an error names its character position), the disaggregations (the
/// formula's fields, or `unit`) and the one-line texts. Returns the definition with its
/// texts cleaned (NFC, whitespace collapsed) and the parsed formula, or every problem
/// by field.
pub fn check_definition(i: &Indicator) -> Result<(Indicator, Formula), Vec<FieldError>> {
    let mut problems = FieldErrors::new();
    let mut line = |field: &str, value: &str, max: usize, required: bool| -> String {
        if value.trim().is_empty() {
            problems.require(!required, field, "required");
            return String::new();
        }
        match crate::text::clean_line(value, max) {
            Ok(v) => v,
            Err(e) => {
                problems.push(field, format!("{e} (one line, at most {max} characters)"));
                String::new()
            }
        }
    };
    let cleaned = Indicator {
        code: i.code.trim().to_owned(),
        name_vi: line("name_vi", &i.name_vi, 300, true),
        name_en: line("name_en", &i.name_en, 300, true),
        concept_vi: line("concept_vi", &i.concept_vi, 2000, true),
        concept_en: line("concept_en", &i.concept_en, 2000, false),
        formula: i.formula.clone(),
        disaggregations: i.disaggregations.iter().map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()).collect(),
        period: i.period.trim().to_owned(),
        source: line("source", &i.source, 300, true),
        agency: line("agency", &i.agency, 300, true),
    };
    problems.require(
        valid_code(&cleaned.code),
        "code",
        "lowercase dotted words such as `incidents.drowning` (letters, digits and _, at most 64 characters)",
    );
    problems.require(cleaned.period == "year", "period", "only `year` is computed");
    let formula = if i.formula.trim().is_empty() {
        problems.push("formula", "required");
        None
    } else {
        match parse_formula(&i.formula) {
            Ok(f) => Some(f),
            Err(e) => {
                problems.push("formula", e.to_string());
                None
            }
        }
    };
    if let Some(f) = &formula {
        let allowed: Vec<&str> = f.disaggregations(&cleaned.disaggregations).iter().map(|(name, _)| *name).collect();
        let mut seen: Vec<&str> = Vec::new();
        for (n, d) in cleaned.disaggregations.iter().enumerate() {
            if seen.contains(&d.as_str()) {
                problems.push(format!("disaggregations[{n}]"), format!("`{d}` is listed twice"));
            } else if d != "unit" && !allowed.contains(&d.as_str()) {
                let mut possible = vec!["unit".to_owned()];
                possible.extend(f.fields_of_every_count());
                problems
                    .push(format!("disaggregations[{n}]"), format!("`{d}` is not a field of every count; one of: {}", possible.join(", ")));
            }
            seen.push(d);
        }
    }
    match (formula, problems.is_empty()) {
        (Some(f), true) => Ok((cleaned, f)),
        _ => Err(problems.into_vec()),
    }
}

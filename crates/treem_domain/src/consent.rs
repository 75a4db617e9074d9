//! The legal instruments on consent to processing a child's personal data, by period
//! (`data/consent/instruments.toml`): a consent record is judged by the instrument in
//! force on the day it was given, the register's check today by today's. Where the
//! texts differ (whose consent keeping the register needs from the child's age of 7),
//! the difference is data, not code.

use serde::{Deserialize, Serialize};
use time::Date;

/// What a consent is needed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentFor {
    /// Any processing of the child's data (keeping the register included).
    AllProcessing,
    /// Only processing that publishes or discloses the child's private life or personal secrets.
    Disclosure,
}

/// Who gives the representative's consent, as the instrument names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Representative {
    /// Cha, mẹ hoặc người giám hộ.
    ParentOrGuardian,
    /// Người đại diện theo pháp luật.
    LegalRepresentative,
}

/// One instrument and its rule, in force from `in_force_from` until the next one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    pub id: String,
    pub name_vi: String,
    pub name_en: String,
    /// The article and clause of the rule.
    pub citation: String,
    /// `YYYY-MM-DD`.
    #[serde(deserialize_with = "day", serialize_with = "day_text")]
    pub in_force_from: Date,
    /// The age (whole years on the day) from which the child's own consent counts; a
    /// child's own consent given younger is refused.
    pub child_consent_from_age: i32,
    /// What the child's own consent (from that age) is needed for.
    pub child_consent_for: ConsentFor,
    /// What the representative's consent is needed for.
    #[serde(default = "all_processing")]
    pub representative_consent_for: ConsentFor,
    pub representative: Representative,
    /// The article listing processing without consent (what a `legal_basis` record cites).
    #[serde(default)]
    pub without_consent: String,
    /// How the text was checked.
    #[serde(default)]
    pub checked: String,
}

fn day<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    let text = String::deserialize(d)?;
    crate::unit_import::parse_date(&text).ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not a date as YYYY-MM-DD")))
}

fn day_text<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

fn all_processing() -> ConsentFor {
    ConsentFor::AllProcessing
}

impl Instrument {
    /// Whether the active consents (their kinds: `child`, `legal_representative`,
    /// `legal_basis`) allow keeping the register of a child aged `age`: a legal basis, or
    /// every consent this instrument needs for processing that discloses nothing.
    pub fn register_allowed(&self, age: i32, active_kinds: &[&str]) -> bool {
        if active_kinds.contains(&"legal_basis") {
            return true;
        }
        let representative = self.representative_consent_for == ConsentFor::Disclosure || active_kinds.contains(&"legal_representative");
        let child =
            self.child_consent_for == ConsentFor::Disclosure || age < self.child_consent_from_age || active_kinds.contains(&"child");
        representative && child
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct InstrumentsFile {
    instruments: Vec<Instrument>,
}

/// The instruments in order of their day of entry into force.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Instruments(Vec<Instrument>);

/// The file name shown in errors about the bundled table.
pub const BUNDLED_FILE_NAME: &str = "data/consent/instruments.toml";

impl Instruments {
    /// Reads and checks a table: ids unique, days strictly increasing, ages from 1 to 15,
    /// names and citations filled in. Every problem names the entry.
    pub fn parse(file: &str, text: &str) -> Result<Self, Vec<String>> {
        let parsed: InstrumentsFile = toml::from_str(text).map_err(|e| vec![format!("{file}: {}", e.message())])?;
        let mut errors = Vec::new();
        for (n, i) in parsed.instruments.iter().enumerate() {
            let at = format!("{file}: instruments[{n}] ({})", i.id);
            if parsed.instruments[..n].iter().any(|o| o.id == i.id) {
                errors.push(format!("{at}.id: used twice"));
            }
            if n > 0 && parsed.instruments[n - 1].in_force_from >= i.in_force_from {
                errors.push(format!("{at}.in_force_from: must come after the previous instrument's"));
            }
            if !(1..16).contains(&i.child_consent_from_age) {
                errors.push(format!("{at}.child_consent_from_age: a child's age, from 1 to 15"));
            }
            for (field, value) in [("id", &i.id), ("name_vi", &i.name_vi), ("name_en", &i.name_en), ("citation", &i.citation)] {
                if value.trim().is_empty() {
                    errors.push(format!("{at}.{field}: required"));
                }
            }
        }
        if errors.is_empty() {
            Ok(Self(parsed.instruments))
        } else {
            Err(errors)
        }
    }

    /// The table compiled into the binary; empty only if that file were broken, which a
    /// test rules out.
    pub fn bundled() -> &'static Instruments {
        static BUNDLED: std::sync::OnceLock<Instruments> = std::sync::OnceLock::new();
        BUNDLED.get_or_init(|| Self::parse(BUNDLED_FILE_NAME, crate::bundled::CONSENT_INSTRUMENTS).unwrap_or_default())
    }

    /// The instrument in force on `day`, if any.
    pub fn on(&self, day: Date) -> Option<&Instrument> {
        self.0.iter().rev().find(|i| i.in_force_from <= day)
    }

    pub fn all(&self) -> &[Instrument] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_bundled_table_names_the_instrument_of_each_day() {
        let t = Instruments::parse(BUNDLED_FILE_NAME, crate::bundled::CONSENT_INSTRUMENTS).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(Instruments::bundled(), &t);
        let id = |d: Date| t.on(d).map(|i| i.id.as_str());
        assert_eq!(id(date!(2017 - 05 - 31)), None);
        assert_eq!(id(date!(2017 - 06 - 01)), Some("luat-tre-em-2016"));
        assert_eq!(id(date!(2023 - 06 - 30)), Some("luat-tre-em-2016"));
        assert_eq!(id(date!(2023 - 07 - 01)), Some("nd-13-2023"));
        assert_eq!(id(date!(2025 - 12 - 31)), Some("nd-13-2023"));
        assert_eq!(id(date!(2026 - 01 - 01)), Some("luat-91-2025"));
        let decree = t.on(date!(2024 - 01 - 01)).unwrap();
        assert_eq!(decree.citation, "Nghị định 13/2023/NĐ-CP, Điều 20 khoản 2");
        let law = t.on(date!(2026 - 01 - 01)).unwrap();
        assert_eq!(law.citation, "Luật Bảo vệ dữ liệu cá nhân 91/2025/QH15, Điều 24 khoản 2");
        // From 7 in both; who must consent to keeping the register differs.
        assert_eq!((decree.child_consent_from_age, law.child_consent_from_age), (7, 7));
        assert_eq!((decree.child_consent_for, law.child_consent_for), (ConsentFor::AllProcessing, ConsentFor::Disclosure));
        assert_eq!((decree.representative, law.representative), (Representative::ParentOrGuardian, Representative::LegalRepresentative));
    }

    #[test]
    fn keeping_the_register_needs_what_the_instrument_of_the_day_asks() {
        let t = Instruments::bundled();
        let (decree, law) = (t.on(date!(2025 - 06 - 01)).unwrap(), t.on(date!(2026 - 06 - 01)).unwrap());
        // Aged 10 with the representative's consent alone: not enough under the Decree, enough under the Law.
        assert!(!decree.register_allowed(10, &["legal_representative"]));
        assert!(law.register_allowed(10, &["legal_representative"]));
        assert!(decree.register_allowed(10, &["legal_representative", "child"]));
        // Under 7 the representative suffices under both; nothing at all suffices under neither.
        assert!(decree.register_allowed(6, &["legal_representative"]) && law.register_allowed(6, &["legal_representative"]));
        assert!(!decree.register_allowed(6, &[]) && !law.register_allowed(6, &[]) && !law.register_allowed(10, &["child"]));
        // A legal basis (processing without consent) stands alone.
        assert!(decree.register_allowed(12, &["legal_basis"]) && law.register_allowed(12, &["legal_basis"]));
        // The rule is data: a province reading Law 91 as the Decree says so in the table.
        let text = crate::bundled::CONSENT_INSTRUMENTS.replace(
            "child_consent_for = \"disclosure\"\nrepresentative = \"legal_representative\"",
            "child_consent_for = \"all_processing\"\nrepresentative = \"legal_representative\"",
        );
        let strict = Instruments::parse("x", &text).unwrap();
        assert!(!strict.on(date!(2026 - 06 - 01)).unwrap().register_allowed(10, &["legal_representative"]));
    }

    #[test]
    fn a_bad_table_is_refused_naming_the_entry() {
        let text = "[[instruments]]\nid = \"a\"\nname_vi = \"A\"\nname_en = \"A\"\ncitation = \"x\"\nin_force_from = \"2020-01-01\"\n\
                    child_consent_from_age = 7\nchild_consent_for = \"all_processing\"\nrepresentative = \"parent_or_guardian\"\n\
                    [[instruments]]\nid = \"a\"\nname_vi = \"B\"\nname_en = \"\"\ncitation = \"y\"\nin_force_from = \"2019-01-01\"\n\
                    child_consent_from_age = 16\nchild_consent_for = \"disclosure\"\nrepresentative = \"parent_or_guardian\"\n";
        let e = Instruments::parse("t.toml", text).unwrap_err();
        assert_eq!(e.len(), 4, "{e:?}");
        assert!(e[0].starts_with("t.toml: instruments[1] (a).id: used twice"), "{e:?}");
        assert!(e.iter().any(|m| m.contains("in_force_from")) && e.iter().any(|m| m.contains("name_en: required")), "{e:?}");
        assert!(Instruments::parse("t.toml", "[[instruments]]\nid = 1\n").unwrap_err()[0].starts_with("t.toml:"));
    }
}

//! Incidents, counted by date and unit of occurrence: abuse (the six forms of the
//! Law on Children, sexual abuse with its sub-types), children in conflict with the
//! law, and accidents and injuries. Each kind has its own required fields; a
//! field that belongs to another kind is refused rather than silently kept.

use serde::Serialize;
use time::Date;

use crate::child::{clean_text, FieldError};
use crate::units::{UnitCatalog, UnitId, UnitLevel};

/// A closed list of codes with Vietnamese-independent machine names.
macro_rules! codes {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum $name { $($variant),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$(Self::$variant),*];
            pub const CODES: &'static [&'static str] = &[$($code),*];
            pub fn as_str(self) -> &'static str { match self { $(Self::$variant => $code),* } }
            pub fn parse(s: &str) -> Option<Self> { Self::ALL.iter().copied().find(|v| v.as_str() == s) }
        }
    };
}

codes!(
    /// What kind of incident.
    IncidentKind { Abuse = "abuse", ConflictWithLaw = "conflict_with_law", Accident = "accident" }
);
impl IncidentKind {
    /// The sensitive class an incident of this kind is, as a whole: that a child was
    /// abused, or was in conflict with the law, is itself the attribute (Law on Children
    /// Art. 10 groups i–m, e). A reader without the class is answered as if the incident
    /// had never been recorded. Accidents belong to no class.
    pub fn sensitivity(self) -> Option<crate::access::SensitiveKind> {
        match self {
            Self::Abuse => Some(crate::access::SensitiveKind::AbuseDetails),
            Self::ConflictWithLaw => Some(crate::access::SensitiveKind::OffenceDetails),
            Self::Accident => None,
        }
    }
}

codes!(
    /// The six forms of abuse (Law on Children Art. 4, cl. 5–9).
    AbuseForm { Violence = "bao_luc", Exploitation = "boc_lot", SexualAbuse = "xam_hai_tinh_duc", Trafficking = "mua_ban", Neglect = "bo_roi_bo_mat", Other = "khac" }
);
codes!(
    /// Sub-types of sexual abuse (Decree 56/2017).
    SexualSubtype { Rape = "hiep_dam", CoercedSex = "cuong_dam", Intercourse = "giao_cau", Molestation = "dam_o", ProstitutionOrPornography = "mai_dam_khieu_dam" }
);
codes!(
    /// Where the abuse happened (Circular 13/2021 disaggregation).
    Setting { Family = "family", School = "school", Community = "community", Online = "online" }
);
codes!(
    /// Who the perpetrator is to the child.
    Relation { Parent = "parent", StepParent = "step_parent", Relative = "relative", Teacher = "teacher", Acquaintance = "acquaintance", Stranger = "stranger", OtherChild = "other_child", Unknown = "unknown" }
);
codes!(
    /// Where a child in conflict with the law stands in the justice process.
    JusticeStage { Police = "police", Procuracy = "procuracy", Court = "court" }
);
codes!(
    /// The measure applied to a child in conflict with the law.
    JusticeMeasure { Diversion = "diversion", EducationAtCommune = "education_at_commune", ReformSchool = "reform_school", Pending = "pending" }
);
codes!(
    /// Accidents and injuries.
    InjuryKind { Drowning = "drowning", Traffic = "traffic", Burn = "burn", Fall = "fall", Other = "other" }
);

/// The identity of a recorded incident (drawn at random when it is recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct IncidentId(pub i64);

impl std::fmt::Display for IncidentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A checked incident, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentFields {
    pub kind: IncidentKind,
    pub occurred_on: Date,
    pub unit: UnitId,
    pub abuse_form: Option<AbuseForm>,
    pub sexual_subtype: Option<SexualSubtype>,
    pub setting: Option<Setting>,
    pub relation: Option<Relation>,
    pub offence: Option<String>,
    pub justice_stage: Option<JusticeStage>,
    pub justice_measure: Option<JusticeMeasure>,
    pub injury: Option<InjuryKind>,
    pub fatal: bool,
    pub notes: Option<String>,
    pub children: Vec<i64>,
    pub case_id: Option<crate::case::CaseId>,
}

/// An incident as a form or API body gives it, as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentInput {
    pub kind: String,
    pub occurred_on: String,
    pub unit_id: String,
    pub abuse_form: String,
    pub sexual_subtype: String,
    pub setting: String,
    pub relation: String,
    pub offence: String,
    pub justice_stage: String,
    pub justice_measure: String,
    pub injury: String,
    pub fatal: bool,
    pub notes: String,
    pub children: Vec<i64>,
    pub case_id: Option<i64>,
}

fn err(field: &'static str, message: impl Into<String>) -> FieldError {
    FieldError::new(field, message)
}

/// Parses a code field: required, forbidden, or optional for the incident's kind.
fn code<T: Copy>(field: &'static str, raw: &str, parse: fn(&str) -> Option<T>, wanted: bool, errors: &mut Vec<FieldError>) -> Option<T> {
    let raw = raw.trim();
    match (raw.is_empty(), wanted) {
        (true, true) => {
            errors.push(err(field, "must be filled in for this kind of incident"));
            None
        }
        (true, false) => None,
        (false, false) => {
            errors.push(err(field, "does not belong to this kind of incident"));
            None
        }
        (false, true) => parse(raw).or_else(|| {
            errors.push(err(field, format!("`{}` is not a known value", raw.chars().take(40).collect::<String>())));
            None
        }),
    }
}

/// Checks every field at once.
pub fn check_incident(input: &IncidentInput, catalog: &UnitCatalog, today: Date) -> Result<IncidentFields, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = IncidentKind::parse(input.kind.trim());
    if kind.is_none() {
        errors.push(err("kind", "choose abuse, conflict_with_law or accident"));
    }
    let occurred_on = match crate::unit_import::parse_date(input.occurred_on.trim()) {
        Some(d) if d > today => {
            errors.push(err("occurred_on", "is in the future"));
            None
        }
        Some(d) => Some(d),
        None => {
            errors.push(err("occurred_on", "expected a date as YYYY-MM-DD"));
            None
        }
    };
    let unit = match input.unit_id.trim().parse::<i64>().ok().and_then(|id| catalog.get(UnitId(id))) {
        Some(u) if matches!(u.level, UnitLevel::Commune | UnitLevel::Hamlet) => {
            if occurred_on.is_some_and(|d| !u.validity.contains(d)) {
                errors.push(err("unit_id", format!("{} was not valid on that date", u.name)));
            }
            Some(u.id)
        }
        _ => {
            errors.push(err("unit_id", "choose the commune or hamlet where it happened"));
            None
        }
    };
    let is = |k: IncidentKind| kind == Some(k);
    let abuse = is(IncidentKind::Abuse);
    let abuse_form = code("abuse_form", &input.abuse_form, AbuseForm::parse, abuse, &mut errors);
    let sexual = abuse_form == Some(AbuseForm::SexualAbuse);
    let sexual_subtype = code("sexual_subtype", &input.sexual_subtype, SexualSubtype::parse, sexual, &mut errors);
    let setting = code("setting", &input.setting, Setting::parse, abuse, &mut errors);
    let relation = code("relation", &input.relation, Relation::parse, abuse, &mut errors);
    let justice = is(IncidentKind::ConflictWithLaw);
    let justice_stage = code("justice_stage", &input.justice_stage, JusticeStage::parse, justice, &mut errors);
    let justice_measure = if justice && input.justice_measure.trim().is_empty() {
        Some(JusticeMeasure::Pending)
    } else {
        code("justice_measure", &input.justice_measure, JusticeMeasure::parse, justice, &mut errors)
    };
    let offence = match clean_text(&input.offence, 500) {
        Ok(Some(o)) if justice => Some(o),
        Ok(None) if justice => {
            errors.push(err("offence", "must be filled in for this kind of incident"));
            None
        }
        Ok(Some(_)) => {
            errors.push(err("offence", "does not belong to this kind of incident"));
            None
        }
        Ok(None) => None,
        Err(e) => {
            errors.push(err("offence", e.to_string()));
            None
        }
    };
    let accident = is(IncidentKind::Accident);
    let injury = code("injury", &input.injury, InjuryKind::parse, accident, &mut errors);
    if input.fatal && !accident {
        errors.push(err("fatal", "only accidents and injuries record a death here"));
    }
    let notes = clean_text(&input.notes, 4000).map_err(|e| errors.push(err("notes", e.to_string()))).ok().flatten();
    let mut children = input.children.clone();
    children.sort_unstable();
    children.dedup();
    if children.is_empty() {
        errors.push(err("children", "link at least one child"));
    }
    match (kind, occurred_on, unit) {
        (Some(kind), Some(occurred_on), Some(unit)) if errors.is_empty() => Ok(IncidentFields {
            kind,
            occurred_on,
            unit,
            abuse_form,
            sexual_subtype,
            setting,
            relation,
            offence,
            justice_stage,
            justice_measure,
            injury,
            fatal: input.fatal,
            notes,
            children,
            case_id: input.case_id.map(crate::case::CaseId),
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
        let u = AdminUnit {
            id: UnitId(5),
            code: "5".into(),
            name: "Xã A".into(),
            level: UnitLevel::Commune,
            unit_type: UnitType::Xa,
            validity: Validity { from: date!(2012 - 01 - 01), to: None },
            lat: None,
            lon: None,
            area_km2: None,
        };
        UnitCatalog::new(vec![u], vec![], vec![])
    }

    fn abuse() -> IncidentInput {
        IncidentInput {
            kind: "abuse".into(),
            occurred_on: "2026-05-01".into(),
            unit_id: "5".into(),
            abuse_form: "xam_hai_tinh_duc".into(),
            sexual_subtype: "dam_o".into(),
            setting: "online".into(),
            relation: "acquaintance".into(),
            children: vec![3, 3],
            ..Default::default()
        }
    }

    #[test]
    fn kinds_require_their_own_fields_and_refuse_others() {
        let ok = check_incident(&abuse(), &catalog(), date!(2026 - 11 - 29)).unwrap();
        assert_eq!(
            (ok.abuse_form, ok.sexual_subtype, ok.children.clone()),
            (Some(AbuseForm::SexualAbuse), Some(SexualSubtype::Molestation), vec![3])
        );
        let mut no_subtype = abuse();
        no_subtype.sexual_subtype.clear();
        assert_eq!(check_incident(&no_subtype, &catalog(), date!(2026 - 11 - 29)).unwrap_err()[0].field, "sexual_subtype");
        let mut violence_with_subtype = abuse();
        violence_with_subtype.abuse_form = "bao_luc".into();
        assert_eq!(check_incident(&violence_with_subtype, &catalog(), date!(2026 - 11 - 29)).unwrap_err()[0].field, "sexual_subtype");
        let drowning = IncidentInput {
            kind: "accident".into(),
            occurred_on: "2025-10-10".into(),
            unit_id: "5".into(),
            injury: "drowning".into(),
            fatal: true,
            children: vec![1],
            ..Default::default()
        };
        assert!(check_incident(&drowning, &catalog(), date!(2026 - 11 - 29)).unwrap().fatal);
        let mut mixed = drowning.clone();
        mixed.setting = "family".into();
        assert_eq!(check_incident(&mixed, &catalog(), date!(2026 - 11 - 29)).unwrap_err()[0].field, "setting");
        let theft = IncidentInput {
            kind: "conflict_with_law".into(),
            occurred_on: "2025-10-10".into(),
            unit_id: "5".into(),
            offence: "Trộm cắp".into(),
            justice_stage: "police".into(),
            children: vec![1],
            ..Default::default()
        };
        assert_eq!(check_incident(&theft, &catalog(), date!(2026 - 11 - 29)).unwrap().justice_measure, Some(JusticeMeasure::Pending));
    }

    #[test]
    fn dates_units_and_children_are_checked() {
        let mut future = abuse();
        future.occurred_on = "2027-01-01".into();
        future.unit_id = "9".into();
        future.children.clear();
        let fields: Vec<String> =
            check_incident(&future, &catalog(), date!(2026 - 11 - 29)).unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["occurred_on", "unit_id", "children"]);
    }
}

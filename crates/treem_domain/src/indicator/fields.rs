//! What each kind of fact holds: its fields and their values, coded as small numbers.

use super::*;

/// The fields of incidents a formula may test, with their allowed values.
pub const INCIDENT_FIELDS: &[(&str, &[&str])] = &[
    ("kind", IncidentKind::CODES),
    ("abuse_form", AbuseForm::CODES),
    ("sexual_subtype", SexualSubtype::CODES),
    ("setting", Setting::CODES),
    ("relation", Relation::CODES),
    ("justice_stage", JusticeStage::CODES),
    ("injury", InjuryKind::CODES),
    ("fatal", &["true", "false"]),
];

/// The fields of a child counted in a year (see [`child_facts`]).
pub const CHILD_FIELDS: &[(&str, &[&str])] = &[
    ("sex", &["male", "female"]),
    ("age_band", AGE_BANDS),
    ("poverty", &["poor", "near_poor", "neither"]),
    ("special", &["true", "false"]),
    ("disability", &["true", "false"]),
];

/// The fields of a case counted in the year it was received.
pub const CASE_FIELDS: &[(&str, &[&str])] = &[
    (
        "state",
        &[
            "received",
            "verified",
            "initial_assessed",
            "emergency",
            "detailed_assessed",
            "plan_drafted",
            "plan_approved",
            "in_progress",
            "under_review",
            "closed",
            "closed_unfounded",
        ],
    ),
    ("source", &["hotline_111", "collaborator", "police", "school", "health_facility", "child_or_family", "other"]),
    ("urgent", &["true", "false"]),
    ("risk", &["low", "medium", "high"]),
    // Some step's task was done after its due time, or is still open past it.
    ("late", &["true", "false"]),
    // The same, for the steps of one stage (see `CASE_STAGES`).
    ("late_verify", &["true", "false"]),
    ("late_assessment", &["true", "false"]),
    ("late_plan", &["true", "false"]),
];

/// The stages whose timeliness a case fact carries: (field, the task kinds of the
/// stage). Each task's deadline and its source are `case::DEADLINES`: verification is
/// due within a local default of working days, or within the 12 hours of Decree 56
/// Art. 26(3) when the report is urgent; assessment covers the initial and detailed
/// assessments and the emergency intervention (Art. 26(3)); planning covers drafting
/// (Art. 28(1)), approving (the procedure sheet) and starting the plan.
pub const CASE_STAGES: &[(&str, &[&str])] = &[
    ("late_verify", &["verify"]),
    ("late_assessment", &["initial_assessment", "emergency_intervention", "detailed_assessment"]),
    ("late_plan", &["draft_plan", "approve_plan", "start_plan"]),
];

/// The fields of an administrative unit counted on a year's counting day: its level and
/// whether it holds each dated status then (the statuses of `plan::UNIT_STATUSES`).
pub const UNIT_FIELDS: &[(&str, &[&str])] = &[
    ("level", &["province", "district", "commune", "hamlet"]),
    ("child_friendly", &["true", "false"]),
    ("community_based_protection", &["true", "false"]),
    ("juvenile_diversion_pilot", &["true", "false"]),
];

/// The fields of a household counted on a year's counting day: its poverty status that
/// year (absent when none was recorded for the year).
pub const HOUSEHOLD_FIELDS: &[(&str, &[&str])] = &[("poverty", &["poor", "near_poor", "neither"])];

/// Age bands of children counted (ages in whole years on the counting day).
pub const AGE_BANDS: &[&str] = &["0-5", "6-10", "11-15"];

/// The fields of a reported value: the bundled data elements' codes, and sex (absent
/// when the element is not reported by sex). The element list is bundled data, read once.
pub fn reported_fields() -> &'static [(&'static str, &'static [&'static str])] {
    static FIELDS: std::sync::OnceLock<[(&'static str, &'static [&'static str]); 2]> = std::sync::OnceLock::new();
    FIELDS.get_or_init(|| [("element", crate::reported::element_codes()), ("sex", &["male", "female"])])
}

/// The fields of a fund movement (see [`crate::fund`]).
pub const FUND_FIELDS: &[(&str, &[&str])] =
    &[("direction", crate::fund::DIRECTIONS), ("source", crate::fund::SOURCES), ("purpose", crate::fund::PURPOSES)];

/// What a formula counts or sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    Incidents,
    Children,
    Cases,
    Units,
    /// Aggregate values reported by agencies (summed).
    Reported,
    /// Movements of a Child Protection Fund, in đồng (summed).
    Fund,
    /// The register's households on each year's counting day.
    Households,
}

impl FactKind {
    pub const ALL: [FactKind; 7] = [
        FactKind::Incidents,
        FactKind::Children,
        FactKind::Cases,
        FactKind::Units,
        FactKind::Reported,
        FactKind::Fund,
        FactKind::Households,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FactKind::Incidents => "incidents",
            FactKind::Children => "children",
            FactKind::Cases => "cases",
            FactKind::Units => "units",
            FactKind::Reported => "reported",
            FactKind::Fund => "fund",
            FactKind::Households => "households",
        }
    }

    pub fn fields(self) -> &'static [(&'static str, &'static [&'static str])] {
        match self {
            FactKind::Incidents => INCIDENT_FIELDS,
            FactKind::Children => CHILD_FIELDS,
            FactKind::Cases => CASE_FIELDS,
            FactKind::Units => UNIT_FIELDS,
            FactKind::Reported => reported_fields(),
            FactKind::Fund => FUND_FIELDS,
            FactKind::Households => HOUSEHOLD_FIELDS,
        }
    }

    /// Whether its facts hold values to be summed (`sum(…)`) rather than records to be
    /// counted (`count(…)`).
    pub fn summed(self) -> bool {
        matches!(self, FactKind::Reported | FactKind::Fund)
    }

    /// The formula word for this kind: `sum` or `count`.
    pub fn verb(self) -> &'static str {
        if self.summed() {
            "sum"
        } else {
            "count"
        }
    }
}

/// The code of a field's value: 1 + its place in the field's list; 0 is "absent".
pub(crate) fn value_code(fact: FactKind, field: usize, value: &str) -> Option<u8> {
    let (_, allowed) = fact.fields().get(field)?;
    allowed.iter().position(|a| *a == value).and_then(|p| u8::try_from(p + 1).ok())
}

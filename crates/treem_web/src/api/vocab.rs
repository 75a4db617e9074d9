//! Schemas of the closed vocabularies the API's bodies take, built from the domain's own
//! lists so the document cannot drift from what the server reads. Used as
//! `#[schema(schema_with = vocab::sex)]`; the OpenAPI test sends a value outside each list
//! and expects a refusal, and sends the listed values and expects them taken.

use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
use utoipa::openapi::Object;

fn one_of<'a>(values: impl IntoIterator<Item = &'a str>, nullable: bool, empty: bool) -> Object {
    let mut list: Vec<serde_json::Value> = values.into_iter().map(|v| serde_json::Value::from(v.to_owned())).collect();
    if empty {
        list.push("".into());
    }
    let kind = if nullable {
        list.push(serde_json::Value::Null);
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new().schema_type(kind).enum_values(Some(list)).build()
}

macro_rules! vocabulary {
    ($($(#[$doc:meta])* $name:ident = $values:expr, nullable: $nullable:expr, empty: $empty:expr;)*) => {
        $(
            $(#[$doc])*
            pub(crate) fn $name() -> Object {
                one_of($values, $nullable, $empty)
            }
        )*
    };
}

use treem_domain::incident as inc;

vocabulary! {
    sex = treem_domain::child::Sex::ALL.map(|s| s.as_str()), nullable: false, empty: false;
    /// Empty or absent: not recorded.
    hiv_status = treem_domain::child::HivStatus::ALL.map(|s| s.as_str()), nullable: true, empty: true;
    role = treem_domain::access::Role::ALL.map(|r| r.as_str()), nullable: false, empty: false;
    case_source = treem_domain::case::CaseSource::ALL.map(|s| s.as_str()), nullable: false, empty: false;
    case_action = treem_app::cases::ACTION_NAMES, nullable: false, empty: false;
    /// Only for `assess_initial`; empty otherwise.
    risk = treem_domain::case::RiskLevel::ALL.map(|r| r.as_str()), nullable: false, empty: true;
    intervention_kind = treem_app::cases::INTERVENTION_KINDS.iter().copied(), nullable: false, empty: false;
    /// The moves from `sent`: accepted, declined (with a reason); from accepted: completed.
    referral_move = treem_domain::case::ReferralStatus::ALL.iter().filter(|s| !s.previous().is_empty()).map(|s| s.as_str()), nullable: false, empty: false;
    caregiver_relation = treem_domain::register::CAREGIVER_RELATIONS.iter().copied(), nullable: false, empty: false;
    /// Art. 10's groups a) to o); `đ` is read as `dd`.
    circumstance_group = treem_domain::register::GROUPS.iter().copied().chain(["đ"]), nullable: false, empty: false;
    consent_kind = treem_domain::register::CONSENT_KINDS.iter().copied(), nullable: false, empty: false;
    school_status = treem_domain::register::SCHOOL_STATUS.iter().copied(), nullable: false, empty: true;
    poverty_status = treem_domain::register::POVERTY.iter().copied(), nullable: false, empty: true;
    health_insurance = ["yes", "no"], nullable: false, empty: true;
    fund_direction = treem_domain::fund::DIRECTIONS.iter().copied(), nullable: false, empty: false;
    fund_source = treem_domain::fund::SOURCES.iter().copied(), nullable: true, empty: false;
    fund_purpose = treem_domain::fund::PURPOSES.iter().copied(), nullable: true, empty: false;
    unit_status_kind = treem_domain::plan::UNIT_STATUSES.iter().copied(), nullable: false, empty: false;
    reported_sex = treem_domain::reported::REPORTED_SEXES.iter().copied(), nullable: true, empty: false;
    incident_kind = inc::IncidentKind::ALL.iter().map(|k| k.as_str()), nullable: false, empty: false;
    abuse_form = inc::AbuseForm::ALL.iter().map(|k| k.as_str()), nullable: false, empty: true;
    sexual_subtype = inc::SexualSubtype::ALL.iter().map(|k| k.as_str()), nullable: false, empty: true;
    setting = inc::Setting::ALL.iter().map(|k| k.as_str()), nullable: false, empty: true;
    relation = inc::Relation::ALL.iter().map(|k| k.as_str()), nullable: false, empty: true;
    justice_stage = inc::JusticeStage::ALL.iter().map(|k| k.as_str()), nullable: false, empty: true;
    justice_measure = inc::JusticeMeasure::ALL.iter().map(|k| k.as_str()), nullable: false, empty: true;
    injury = inc::InjuryKind::ALL.iter().map(|k| k.as_str()), nullable: false, empty: true;
}

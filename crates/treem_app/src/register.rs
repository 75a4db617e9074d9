//! The register beyond the core record, through the one authorisation point:
//! household and yearly poverty, caregivers and the legal representative, school
//! and health-insurance status, birth registration, the 14 groups of special
//! circumstances and risk with their dates, and consent to processing.

use std::sync::Arc;
use time::Date;
use treem_domain::access::{Action, SensitiveKind};
use treem_domain::audit::Outcome;
use treem_domain::child::{clean_text, Child};
use treem_domain::clock::Clock;
use treem_domain::consent::{Instrument, Instruments};
use treem_domain::register::{
    check_circumstance, check_consent, consent_satisfied, group_sensitivity, CAREGIVER_RELATIONS, POVERTY, SCHOOL_STATUS,
};
pub use treem_storage::{CaregiverRecord, ChildProfile, ConsentRecord, Dated, DatedRecord, HouseholdRecord};
use treem_storage::{NewDated, StorageError, Store};

use crate::access::Actor;
use crate::AppError;

/// Everything recorded about a child beyond the core fields, as the caller may see it.
#[derive(Debug, Clone)]
pub struct RegisterView {
    pub profile: ChildProfile,
    pub household: Option<HouseholdRecord>,
    /// Group memberships; those of a sensitive group the caller may not see are left out,
    /// without a trace (not even a count: the count would be the secret).
    pub circumstances: Vec<DatedRecord>,
    pub risks: Vec<DatedRecord>,
    pub caregivers: Vec<CaregiverRecord>,
    pub consents: Vec<ConsentRecord>,
    /// Whether the active consents (or a legal basis) satisfy today's instrument
    /// (`consent_instrument`) for keeping the child in the register.
    pub consent_ok: bool,
    /// The instrument in force today, by which `consent_ok` is judged.
    pub consent_instrument: Option<&'static Instrument>,
}

impl RegisterView {
    /// The instrument a consent record is judged by: the one in force on the day it was given.
    pub fn instrument_of(&self, consent: &ConsentRecord) -> Option<&'static Instrument> {
        Instruments::bundled().on(consent.given_on)
    }
}

/// The profile as a form gives it.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub disability: bool,
    pub school_status: String,
    /// "yes", "no" or empty (unknown).
    pub health_insurance: String,
    pub birth_registered_on: String,
    pub household_code: String,
    pub household_head: String,
    pub poverty_year: String,
    pub poverty_status: String,
}

pub struct RegisterService {
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    /// Told of every write that changes counted facts.
    facts: Arc<crate::facts::FactCache>,
}

fn fields(errors: Vec<treem_domain::child::FieldError>) -> AppError {
    AppError::InvalidFields(errors)
}

fn conflict(field: &'static str, message: &'static str) -> impl Fn(StorageError) -> AppError {
    move |e| match e {
        StorageError::Conflict(_) => AppError::state_conflict(field, message),
        other => other.into(),
    }
}

impl RegisterService {
    pub(crate) fn new(clock: Arc<dyn Clock>, store: Arc<dyn Store>, facts: Arc<crate::facts::FactCache>) -> Self {
        Self { clock, store, facts }
    }

    /// The child in scope, or `NotFound` for a missing id and one out of scope alike (the
    /// same reading, the same `denied` entry).
    async fn child(&self, actor: &Actor, id: i64, action: Action) -> Result<Child, AppError> {
        actor.require(action)?;
        match self.store.child(id, None).await? {
            Some(c) if actor.covers(c.residence_unit, c.registered_on) => Ok(c),
            _ => {
                self.store.audit(&actor.event(&format!("child.{}", action.as_str()), Outcome::Denied).record("child", id)).await?;
                Err(AppError::NotFound)
            }
        }
    }

    /// The register entry: household, caregivers with their contacts, groups, consent. It
    /// is personal data, so every read is audited, and the entry names what the role is
    /// shown, never what the child has (the same entry for every child).
    pub async fn view(&self, actor: &Actor, child_id: i64) -> Result<RegisterView, AppError> {
        let c = self.child(actor, child_id, Action::Read).await?;
        let mut shown = vec!["household", "caregivers", "consents", "risks", "profile", "circumstances"];
        shown.extend(
            treem_domain::register::GROUPS
                .iter()
                .filter_map(|g| group_sensitivity(g))
                .filter(|k| actor.sees(*k))
                .map(|k| k.as_str())
                .collect::<std::collections::BTreeSet<_>>(),
        );
        self.store.audit(&actor.event("child.read_register", Outcome::Ok).record("child", child_id).fields(&shown)).await?;
        let profile = self.store.profile(child_id).await?;
        let household = match profile.household_id {
            Some(h) => self.store.household(h).await?,
            None => None,
        };
        let all = self.store.dated(Dated::Circumstance, child_id).await?;
        let visible = |d: &DatedRecord| group_sensitivity(&d.what).is_none_or(|k| actor.sees(k));
        let circumstances: Vec<DatedRecord> = all.into_iter().filter(|d| visible(d)).collect();
        let consents = self.store.consents(child_id).await?;
        let today = self.clock.today_in_vietnam();
        let active: Vec<&str> =
            consents.iter().filter(|k| k.given_on <= today && k.withdrawn_on.is_none_or(|w| w > today)).map(|k| k.kind.as_str()).collect();
        let consent_ok = consent_satisfied(c.birth_date, today, &active, Instruments::bundled()).unwrap_or(false);
        Ok(RegisterView {
            profile,
            household,
            circumstances,
            risks: self.store.dated(Dated::Risk, child_id).await?,
            caregivers: self.store.caregivers(child_id).await?,
            consents,
            consent_ok,
            consent_instrument: Instruments::bundled().on(today),
        })
    }

    pub async fn set_profile(&self, actor: &Actor, child_id: i64, p: &ProfileInput) -> Result<(), AppError> {
        let c = self.child(actor, child_id, Action::Write).await?;
        let today = self.clock.today_in_vietnam();
        let mut errors = treem_domain::field_error::FieldErrors::new();
        let school_status = match p.school_status.trim() {
            "" => None,
            s if SCHOOL_STATUS.contains(&s) => Some(s.to_owned()),
            _ => {
                errors.push("school_status", "not_school_age, in_school or out_of_school");
                None
            }
        };
        let health_insurance = match p.health_insurance.trim() {
            "" => None,
            "yes" => Some(true),
            "no" => Some(false),
            _ => {
                errors.push("health_insurance", "yes, no or empty");
                None
            }
        };
        let birth_registered_on = match p.birth_registered_on.trim() {
            "" => None,
            s => match treem_domain::unit_import::parse_date(s) {
                Some(d) if d < c.birth_date => {
                    errors.push("birth_registered_on", "is before the birth");
                    None
                }
                Some(d) if d > today => {
                    errors.push("birth_registered_on", "is in the future");
                    None
                }
                Some(d) => Some(d),
                None => {
                    errors.push("birth_registered_on", "expected a date as YYYY-MM-DD");
                    None
                }
            },
        };
        let code = clean_text(&p.household_code, 40).map_err(|e| AppError::invalid("household_code", e.to_string()))?;
        let head = clean_text(&p.household_head, 200).map_err(|e| AppError::invalid("household_head", e.to_string()))?;
        let poverty = match (p.poverty_year.trim(), p.poverty_status.trim()) {
            ("", "") => None,
            (y, s) => match (y.parse::<i64>(), POVERTY.contains(&s)) {
                (Ok(y), true) if (2000..=i64::from(today.year())).contains(&y) => Some((y, s.to_owned())),
                (Ok(_) | Err(_), true) => {
                    errors.push("poverty_year", "a year from 2000 to this year");
                    None
                }
                _ => {
                    errors.push("poverty_status", "poor, near_poor or neither");
                    None
                }
            },
        };
        errors.require(!(poverty.is_some() && code.is_none()), "household_code", "a poverty status belongs to a household: give its code");
        if !errors.is_empty() {
            return Err(AppError::InvalidFields(errors.into_vec()));
        }
        let mut profile = self.store.profile(child_id).await?;
        if let Some(code) = code {
            let head = head.ok_or_else(|| AppError::invalid("household_head", "name the head of the household"))?;
            let event = actor.event("household.save", Outcome::Ok).record("child", child_id).fields(&["household"]);
            let h = self.store.upsert_household(c.residence_unit, &code, &head, &event).await?;
            // A new household is counted from now on (the household facts).
            self.facts.after_household(h, ());
            if let Some((year, status)) = poverty {
                let event = actor.event("household.poverty", Outcome::Ok).record("household", h).fields(&["poverty"]);
                self.facts.after_household(h, self.store.set_poverty(h, year, &status, &event).await)?;
            }
            profile.household_id = Some(h);
        }
        profile.disability = p.disability;
        profile.school_status = school_status;
        profile.health_insurance = health_insurance;
        profile.birth_registered_on = birth_registered_on;
        let event = actor.event("child.profile", Outcome::Ok).record("child", child_id).fields(&[
            "disability",
            "school_status",
            "health_insurance",
            "birth_registered_on",
            "household_id",
        ]);
        Ok(self.facts.after_child(child_id, self.store.set_profile(child_id, &profile, &event).await)?)
    }

    pub async fn add_circumstance(&self, actor: &Actor, child_id: i64, group: &str, began: &str, ended: &str) -> Result<i64, AppError> {
        let c = self.child(actor, child_id, Action::Write).await?;
        let g = check_circumstance(group, began, ended, c.birth_date, self.clock.today_in_vietnam()).map_err(fields)?;
        if group_sensitivity(g.group).is_some_and(|k| !actor.sees(k)) {
            return Err(AppError::invalid("group", "your role may not record this group"));
        }
        // Marked with the group's class: a reader of the log without it is shown the log
        // as if the membership had never been recorded.
        let event = actor
            .event("child.circumstance_add", Outcome::Ok)
            .record("child", child_id)
            .fields(&["circumstances"])
            .class(group_sensitivity(g.group));
        Ok(self.facts.after_child(
            child_id,
            crate::access::with_random_id(|id| {
                let row = NewDated { id, child_id, what: g.group, began_on: g.began_on, ended_on: g.ended_on };
                let event = &event;
                async move { self.store.add_dated(Dated::Circumstance, &row, event).await }
            })
            .await,
        )?)
    }

    pub async fn add_risk(&self, actor: &Actor, child_id: i64, factors: &str, began: &str) -> Result<i64, AppError> {
        self.child(actor, child_id, Action::Write).await?;
        let factors = clean_text(factors, 1000)
            .map_err(|e| AppError::invalid("factors", e.to_string()))?
            .ok_or_else(|| AppError::invalid("factors", "name the risk factors"))?;
        let began = treem_domain::unit_import::parse_date(began.trim())
            .filter(|d| *d <= self.clock.today_in_vietnam())
            .ok_or_else(|| AppError::invalid("began_on", "a date, not in the future"))?;
        let event = actor.event("child.risk_add", Outcome::Ok).record("child", child_id).fields(&["risk"]);
        let (factors, event) = (&factors, &event);
        Ok(crate::access::with_random_id(|id| async move {
            let row = NewDated { id, child_id, what: factors, began_on: began, ended_on: None };
            self.store.add_dated(Dated::Risk, &row, event).await
        })
        .await?)
    }

    /// Ends a group membership or a risk on `ended`.
    pub async fn end(&self, actor: &Actor, child_id: i64, table: Dated, id: i64, ended: &str) -> Result<(), AppError> {
        self.child(actor, child_id, Action::Write).await?;
        let ended: Date = treem_domain::unit_import::parse_date(ended.trim())
            .filter(|d| *d <= self.clock.today_in_vietnam())
            .ok_or_else(|| AppError::invalid("ended_on", "a date, not in the future"))?;
        let mut class = None;
        let mut row = id;
        if table == Dated::Circumstance {
            let rows = self.store.dated(Dated::Circumstance, child_id).await?;
            class = rows.iter().find(|d| d.id == id).and_then(|d| group_sensitivity(&d.what));
            if class.is_some_and(|k| !actor.sees(k)) {
                // A row the caller may not see is answered as a row that does not exist,
                // by the same work: an update that matches nothing.
                row = 0;
                class = None;
            }
        }
        let event = actor.event("child.dated_end", Outcome::Ok).record("child", child_id).fields(&["ended_on"]).class(class);
        self.facts
            .after_child(child_id, self.store.end_dated(table, child_id, row, ended, &event).await)
            .map_err(conflict("ended_on", "already ended, or ends before it began"))
    }

    pub async fn add_caregiver(
        &self,
        actor: &Actor,
        child_id: i64,
        name: &str,
        relation: &str,
        legal_representative: bool,
        phone: &str,
    ) -> Result<i64, AppError> {
        self.child(actor, child_id, Action::Write).await?;
        let name = treem_domain::text::clean_line(name, 200).map_err(|e| AppError::invalid("name", e.to_string()))?;
        if !CAREGIVER_RELATIONS.contains(&relation.trim()) {
            return Err(AppError::invalid("relation", "not a known relation"));
        }
        let phone = clean_text(phone, 40).map_err(|e| AppError::invalid("phone", e.to_string()))?;
        let record = CaregiverRecord { id: 0, name, relation: relation.trim().to_owned(), legal_representative, phone };
        let event = actor.event("child.caregiver_add", Outcome::Ok).record("child", child_id).fields(&["caregivers"]);
        Ok(self.store.add_caregiver(child_id, &record, &event).await?)
    }

    pub async fn add_consent(
        &self,
        actor: &Actor,
        child_id: i64,
        kind: &str,
        given_by: &str,
        given_on: &str,
        scope: &str,
    ) -> Result<i64, AppError> {
        let c = self.child(actor, child_id, Action::Write).await?;
        let consent = check_consent(kind, given_by, given_on, scope, c.birth_date, self.clock.today_in_vietnam(), Instruments::bundled())
            .map_err(fields)?;
        let event = actor.event("child.consent_add", Outcome::Ok).record("child", child_id).fields(&["consent"]);
        Ok(self.store.add_consent(child_id, &consent, actor.account_id, &event).await?)
    }

    pub async fn withdraw_consent(&self, actor: &Actor, child_id: i64, id: i64) -> Result<(), AppError> {
        self.child(actor, child_id, Action::Write).await?;
        let event = actor.event("child.consent_withdraw", Outcome::Ok).record("child", child_id).fields(&["consent"]);
        self.store
            .withdraw_consent(child_id, id, self.clock.today_in_vietnam(), &event)
            .await
            .map_err(conflict("consent", "already withdrawn, or not yet given"))
    }
}

/// Whether a sensitive kind hides a group for this actor (for pages that list groups).
pub fn group_hidden_for(actor: &Actor, code: &str) -> bool {
    group_sensitivity(code).is_some_and(|k: SensitiveKind| !actor.sees(k))
}

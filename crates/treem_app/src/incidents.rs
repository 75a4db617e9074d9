//! Incidents through the one authorisation point: recorded against the unit where
//! they happened, linked to children and a case the recorder may see; details are
//! sensitive (abuse or offence) and every read is audited.

use std::sync::Arc;
use time::Date;
use treem_domain::access::{Action, SensitiveKind};
use treem_domain::audit::Outcome;
use treem_domain::clock::Clock;
use treem_domain::incident::{check_incident, IncidentFields, IncidentId, IncidentInput, IncidentKind};
use treem_storage::{IncidentQuery, Store};

use crate::access::Actor;
use crate::children::Masked;
use crate::units::UnitService;
use crate::AppError;

/// The fields an incidents' export writes (named in its audit entry).
pub const INCIDENT_EXPORT_FIELDS: [&str; 13] = [
    "kind",
    "occurred_on",
    "unit_id",
    "abuse_form",
    "sexual_subtype",
    "setting",
    "relation",
    "offence",
    "justice_stage",
    "justice_measure",
    "injury",
    "fatal",
    "children",
];

/// An incident as the caller may see it.
#[derive(Debug, Clone)]
pub struct IncidentView {
    pub id: IncidentId,
    pub fields: IncidentFields,
    /// Free-text details: abuse details for abuse, offence details otherwise.
    pub notes: Masked<Option<String>>,
}

pub struct IncidentService {
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    units: Arc<UnitService>,
    /// Told of every write that changes counted facts.
    facts: Arc<crate::facts::FactCache>,
}

/// The sensitive class of an incident's details.
fn detail_kind(kind: IncidentKind) -> SensitiveKind {
    match kind {
        IncidentKind::ConflictWithLaw => SensitiveKind::OffenceDetails,
        _ => SensitiveKind::AbuseDetails,
    }
}

impl IncidentService {
    pub(crate) fn new(clock: Arc<dyn Clock>, store: Arc<dyn Store>, units: Arc<UnitService>, facts: Arc<crate::facts::FactCache>) -> Self {
        Self { clock, store, units, facts }
    }

    pub async fn create(&self, actor: &Actor, input: &IncidentInput) -> Result<IncidentId, AppError> {
        actor.require(Action::Write)?;
        let fields = check_incident(input, &self.units.catalog(), self.clock.today_in_vietnam()).map_err(AppError::InvalidFields)?;
        // A role that may not see incidents of a kind may not record one either: it
        // would vanish from its own lists the moment it was saved.
        if !actor.role.visibility().sees(fields.kind.sensitivity()) {
            return Err(AppError::invalid("kind", "your role may not record this kind of incident"));
        }
        if !actor.covers(fields.unit, fields.occurred_on) {
            return Err(AppError::invalid("unit_id", "this unit is outside your area"));
        }
        if fields.notes.is_some() && !actor.sees(detail_kind(fields.kind)) {
            return Err(AppError::invalid("notes", "your role may not record these details"));
        }
        for child in &fields.children {
            match self.store.child(*child, None).await? {
                Some(c) if actor.covers(c.residence_unit, c.registered_on) => {}
                _ => return Err(AppError::invalid("children", format!("child {child} is not in your area"))),
            }
        }
        if let Some(case_id) = fields.case_id {
            match self.store.case(case_id, None).await? {
                Some(c) if actor.covers(c.unit, c.received_at.date()) => {}
                _ => return Err(AppError::invalid("case_id", "choose a case in your area")),
            }
        }
        // The entry carries the incident's class: readers of the log who do not see it
        // are shown the log as if the incident had never been recorded.
        let event = actor
            .event("incident.create", Outcome::Ok)
            .record("incident", "")
            .fields(&["kind", "occurred_on", "unit_id", "children", "details"])
            .class(fields.kind.sensitivity());
        let saved = crate::access::with_random_id(|id| self.store.create_incident(&fields, IncidentId(id), actor.account_id, &event)).await;
        Ok(self.facts.after_incident(&fields, saved)?)
    }

    /// Reads an incident. A missing id, one outside scope and one of a class the role
    /// does not see are answered alike (`NotFound`) by the same work: one reading and
    /// one `denied` audit entry.
    pub async fn get(&self, actor: &Actor, id: IncidentId) -> Result<IncidentView, AppError> {
        actor.require(Action::Read)?;
        let probe = self
            .store
            .incident(id, None)
            .await?
            .filter(|p| actor.covers(p.fields.unit, p.fields.occurred_on) && actor.role.visibility().sees(p.fields.kind.sensitivity()));
        let Some(probe) = probe else {
            self.store.audit(&actor.event("incident.read", Outcome::Denied).record("incident", id)).await?;
            return Err(AppError::NotFound);
        };
        let sees = actor.sees(detail_kind(probe.fields.kind));
        let shown: &[&str] = if sees { &["kind", "children", "details"] } else { &["kind", "children"] };
        let event = actor.event("incident.read", Outcome::Ok).record("incident", id).fields(shown).class(probe.fields.kind.sensitivity());
        let r = self.store.incident(id, Some(&event)).await?.ok_or(AppError::NotFound)?;
        let notes = if sees { Masked::Shown(r.fields.notes.clone()) } else { Masked::Hidden };
        let mut fields = r.fields;
        fields.notes = None;
        Ok(IncidentView { id: r.id, fields, notes })
    }

    /// Incidents in scope that happened in `[from, to]`, without their details; only
    /// those of the kinds the role sees (the others are filtered in SQL, as if absent).
    pub async fn list(
        &self,
        actor: &Actor,
        kind: Option<IncidentKind>,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<Vec<IncidentView>, AppError> {
        actor.require(Action::List)?;
        self.walk(actor, kind, from, to, Some(10_000)).await
    }

    /// Every incident [`IncidentService::list`] would show, for export: never cut. Audited
    /// as one `incident.export` (how many rows, which fields); the notes (free text) and the
    /// children's names are not written.
    pub async fn export(
        &self,
        actor: &Actor,
        kind: Option<IncidentKind>,
        from: Option<Date>,
        to: Option<Date>,
    ) -> Result<Vec<IncidentView>, AppError> {
        actor.require(Action::Export)?;
        let out = self.walk(actor, kind, from, to, None).await?;
        let event =
            actor.event("incident.export", Outcome::Ok).record("incident", format!("{} rows", out.len())).fields(&INCIDENT_EXPORT_FIELDS);
        self.store.audit(&event).await?;
        Ok(out)
    }

    async fn walk(
        &self,
        actor: &Actor,
        kind: Option<IncidentKind>,
        from: Option<Date>,
        to: Option<Date>,
        cap: Option<usize>,
    ) -> Result<Vec<IncidentView>, AppError> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let q = IncidentQuery {
                units: actor.scope.units(),
                kinds: IncidentKind::ALL
                    .iter()
                    .copied()
                    .filter(|k| kind.is_none_or(|wanted| wanted == *k) && actor.role.visibility().sees(k.sensitivity()))
                    .collect(),
                from,
                to,
                child: None,
                after_id: after,
                limit: 500,
            };
            let page = self.store.list_incidents(&q).await?;
            let full = page.len() == 500;
            after = page.last().map(|r| r.id);
            out.extend(page.into_iter().filter(|r| actor.covers(r.fields.unit, r.fields.occurred_on)).map(|r| {
                let mut fields = r.fields;
                fields.notes = None;
                IncidentView { id: r.id, fields, notes: Masked::Hidden }
            }));
            if !full || cap.is_some_and(|c| out.len() >= c) {
                break;
            }
        }
        Ok(out)
    }
}

//! Case management through the one authorisation point: opening a case from a
//! report, walking it through the Decree 56 steps (checked by
//! `treem_domain::case::apply`), the stored tasks and their deadlines, the plan's
//! interventions, and referrals to the service directory.

use std::sync::Arc;
use time::{Date, OffsetDateTime};
use treem_domain::access::{Action, SensitiveKind};
use treem_domain::audit::Outcome;
use treem_domain::case::{
    after, apply, intake_tasks, CaseAction, CaseId, CaseSnapshot, CaseSource, Deadlines, Due, ReferralStatus, TaskKind,
};
use treem_domain::child::clean_text;
use treem_domain::clock::Clock;
use treem_domain::units::UnitId;
use treem_storage::{
    CaseChanges, CaseQuery, InterventionRecord, NewCase, ProviderRecord, ReferralRecord, StepRecord, StepWrite, StorageError, Store,
    TaskQuery, TransferWrite,
};

pub use treem_storage::{CaseRecord, TaskRecord, TransferRecord};

use crate::access::Actor;
use crate::children::Masked;
use crate::units::UnitService;
use crate::AppError;

/// Cases read per query by an export.
pub const EXPORT_PAGE: i64 = 2_000;
/// The most open tasks one file holds (a province has a few thousand open at once).
pub const TASK_EXPORT_LIMIT: i64 = 100_000;
/// The fields a cases' export writes (named in its audit entry).
pub const CASE_EXPORT_FIELDS: [&str; 9] =
    ["child_id", "full_name", "state", "source", "urgent", "risk", "received_at", "closed_at", "assigned_to"];
/// The fields a tasks' export writes.
pub const TASK_EXPORT_FIELDS: [&str; 5] = ["case_id", "task", "full_name", "due_at", "assigned_to"];

/// The kinds of intervention a plan may list.
pub const INTERVENTION_KINDS: &[&str] = &[
    "health_care",
    "legal_aid",
    "education_support",
    "psychological_support",
    "alternative_care",
    "emergency_placement",
    "financial_support",
    "other",
];
/// The kinds of service in the directory.
pub const PROVIDER_KINDS: &[&str] = &["social_work_centre", "safe_house", "health_facility", "legal_aid", "police", "school", "other"];

/// A report as received (Mẫu số 01, in part).
#[derive(Debug, Clone, Default)]
pub struct CaseIntake {
    pub child_id: i64,
    pub source: String,
    pub source_ref: String,
    pub reporter_name: String,
    pub reporter_contact: String,
    pub summary: String,
    pub urgent: bool,
    /// When the report came in; now when empty. Deadlines run from here.
    pub received_at: Option<OffsetDateTime>,
}

/// A case as the caller may see it.
#[derive(Debug, Clone)]
pub struct CaseView {
    pub record: CaseRecord,
    pub summary: Masked<String>,
    pub reporter: Masked<(Option<String>, Option<String>)>,
    pub steps: Vec<StepRecord>,
    pub tasks: Vec<TaskRecord>,
    pub interventions: Vec<InterventionRecord>,
    pub referrals: Vec<ReferralRecord>,
}

/// Working days → a due instant, from the holiday calendar.
pub type WorkingDays = Arc<dyn Fn(OffsetDateTime, u32) -> OffsetDateTime + Send + Sync>;

pub struct CaseService {
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    /// Told of every case write (the indicator engine counts cases).
    facts: Arc<crate::facts::FactCache>,
    units: Arc<UnitService>,
    /// The deadlines in force: the law's, and the local defaults as configured
    /// (`case_deadlines` setting, [`CaseService::set_deadlines`]).
    deadlines: std::sync::RwLock<Deadlines>,
    working_days: WorkingDays,
}

fn text(field: &str, s: &str, max: usize) -> Result<Option<String>, AppError> {
    clean_text(s, max).map_err(|e| AppError::invalid(field, e.to_string()))
}

fn required(field: &str, s: &str, max: usize) -> Result<String, AppError> {
    text(field, s, max)?.ok_or_else(|| AppError::invalid(field, "must be filled in"))
}

impl CaseService {
    pub(crate) fn new(
        clock: Arc<dyn Clock>,
        store: Arc<dyn Store>,
        units: Arc<UnitService>,
        facts: Arc<crate::facts::FactCache>,
        deadlines: Deadlines,
        working_days: WorkingDays,
    ) -> Self {
        Self { clock, store, units, facts, deadlines: std::sync::RwLock::new(deadlines), working_days }
    }

    /// The deadlines in force.
    pub fn deadlines(&self) -> Deadlines {
        self.deadlines.read().map_or_else(|p| *p.into_inner(), |d| *d)
    }

    /// Replaces the configurable deadlines (start-up: the `case_deadlines` setting,
    /// checked by `Deadlines::with_overrides`, which refuses to change a legal one).
    pub fn set_deadlines(&self, deadlines: Deadlines) {
        match self.deadlines.write() {
            Ok(mut d) => *d = deadlines,
            Err(p) => *p.into_inner() = deadlines,
        }
    }

    fn due(&self, due: Due, received_at: OffsetDateTime, now: OffsetDateTime) -> OffsetDateTime {
        treem_domain::case::due_at(due, received_at, now, &*self.working_days)
    }

    /// The tasks an intake creates and when each falls due: from the report's receipt,
    /// however late it is recorded (a case imported from a register book included).
    pub fn intake_due(&self, urgent: bool, received_at: OffsetDateTime) -> Vec<(TaskKind, OffsetDateTime)> {
        let deadlines = self.deadlines();
        intake_tasks(urgent, &deadlines).into_iter().map(|(k, d)| (k, self.due(d, received_at, received_at))).collect()
    }

    /// A case in the actor's scope (for `action`), or `NotFound`. A missing id and one out
    /// of scope take the same path (one reading, one `denied` entry): neither the answer
    /// nor the work tells them apart.
    async fn scoped(&self, actor: &Actor, id: CaseId, action: Action) -> Result<CaseRecord, AppError> {
        actor.require(action)?;
        let Some(c) = self.store.case(id, None).await?.filter(|c| actor.covers(c.unit, c.received_at.date())) else {
            self.store.audit(&actor.event(&format!("case.{}", action.as_str()), Outcome::Denied).record("case", id)).await?;
            return Err(AppError::NotFound);
        };
        Ok(c)
    }

    /// Opens a case from a report about a child the actor may see.
    pub async fn open(&self, actor: &Actor, intake: &CaseIntake) -> Result<CaseId, AppError> {
        actor.require(Action::Write)?;
        let child =
            self.store.child(intake.child_id, None).await?.ok_or_else(|| AppError::invalid("child_id", "choose a child in your area"))?;
        if !actor.covers(child.residence_unit, child.registered_on) {
            return Err(AppError::invalid("child_id", "choose a child in your area"));
        }
        let source =
            CaseSource::parse(intake.source.trim()).ok_or_else(|| AppError::invalid("source", "choose where the report came from"))?;
        let now = self.clock.now();
        let received_at = intake.received_at.unwrap_or(now);
        if received_at > now + time::Duration::minutes(5) {
            return Err(AppError::invalid("received_at", "is in the future"));
        }
        let reporter_name = text("reporter_name", &intake.reporter_name, 200)?;
        let reporter_contact = text("reporter_contact", &intake.reporter_contact, 200)?;
        if (reporter_name.is_some() || reporter_contact.is_some()) && !actor.sees(SensitiveKind::ReporterIdentity) {
            return Err(AppError::invalid("reporter_name", "your role may not record the reporter's identity"));
        }
        // The case is kept where the child lives (a hamlet or a commune), so the
        // hamlet's collaborator follows it as well as the commune's worker.
        let unit = child.residence_unit;
        if !actor.covers(unit, received_at.date()) {
            return Err(AppError::invalid("child_id", "the child's commune is outside your area on that date"));
        }
        let new = NewCase {
            child_id: child.id,
            unit,
            source,
            source_ref: text("source_ref", &intake.source_ref, 60)?,
            reporter_name,
            reporter_contact,
            summary: required("summary", &intake.summary, 4000)?,
            urgent: intake.urgent,
            received_at,
            created_by: actor.account_id,
        };
        let tasks = self.intake_due(intake.urgent, received_at);
        let event = actor.event("case.create", Outcome::Ok).record("case", "").fields(&[
            "child_id",
            "source",
            "summary",
            "reporter",
            "urgent",
            "received_at",
        ]);
        Ok(self.facts.after_case(self.store.create_case(&new, &tasks, Some(actor.account_id), &event).await)?)
    }

    /// One case with its history, tasks, plan and referrals (the read is audited).
    pub async fn get(&self, actor: &Actor, id: CaseId) -> Result<CaseView, AppError> {
        self.scoped(actor, id, Action::Read).await?;
        let mut shown = vec!["state", "child_id"];
        if actor.sees(SensitiveKind::AbuseDetails) {
            shown.push("summary");
        }
        if actor.sees(SensitiveKind::ReporterIdentity) {
            shown.push("reporter");
        }
        let event = actor.event("case.read", Outcome::Ok).record("case", id).fields(&shown);
        let record = self.store.case(id, Some(&event)).await?.ok_or(AppError::NotFound)?;
        let summary = if actor.sees(SensitiveKind::AbuseDetails) { Masked::Shown(record.summary.clone()) } else { Masked::Hidden };
        let reporter = if actor.sees(SensitiveKind::ReporterIdentity) {
            Masked::Shown((record.reporter_name.clone(), record.reporter_contact.clone()))
        } else {
            Masked::Hidden
        };
        let mut steps = self.store.case_steps(id).await?;
        if !actor.sees(SensitiveKind::AbuseDetails) {
            for s in &mut steps {
                s.note = None;
            }
        }
        Ok(CaseView {
            summary,
            reporter,
            steps,
            tasks: self.store.case_tasks(id).await?,
            interventions: self.store.interventions(id).await?,
            referrals: self.store.referrals(id).await?,
            record,
        })
    }

    /// Cases in scope, optionally in one state or with an overdue task.
    pub async fn list(
        &self,
        actor: &Actor,
        state: Option<treem_domain::case::CaseState>,
        overdue: bool,
        after: Option<CaseId>,
    ) -> Result<Vec<CaseRecord>, AppError> {
        Ok(self.list_filtered(actor, state, overdue, None, after).await?.0)
    }

    /// [`CaseService::list`], optionally of only the cases of `ids` (in id order: the cases
    /// behind an indicator's figure, `PlanService::records_behind`), with the `after` of the
    /// next page (none at the end).
    pub async fn list_filtered(
        &self,
        actor: &Actor,
        state: Option<treem_domain::case::CaseState>,
        overdue: bool,
        ids: Option<&[i64]>,
        after: Option<CaseId>,
    ) -> Result<(Vec<CaseRecord>, Option<CaseId>), AppError> {
        actor.require(Action::List)?;
        const LIMIT: usize = 100;
        let (chunk, more) = match ids {
            Some(all) => {
                let start = all.partition_point(|id| after.is_some_and(|a| *id <= a.0));
                let end = start.saturating_add(LIMIT).min(all.len());
                (all.get(start..end).map(|c| c.iter().copied().map(CaseId).collect::<Vec<_>>()), end < all.len())
            }
            None => (None, false),
        };
        let page_end = chunk.as_ref().and_then(|c| c.last().copied());
        let q = CaseQuery {
            units: actor.scope.units(),
            state,
            overdue_at: overdue.then(|| self.clock.now()),
            ids: chunk,
            child: None,
            after_id: after,
            limit: LIMIT as i64,
        };
        let rows = self.store.list_cases(&q).await?;
        let next = if q.ids.is_some() {
            page_end.filter(|_| more)
        } else if rows.len() == LIMIT {
            rows.last().map(|c| c.id)
        } else {
            None
        };
        Ok((rows.into_iter().filter(|c| actor.covers(c.unit, c.received_at.date())).collect(), next))
    }

    /// Every case in scope (optionally in one state or with an overdue task), for export:
    /// all of them, read a page of [`EXPORT_PAGE`] at a time, never cut. Audited as one
    /// `case.export` naming how many rows and which fields left. A case's summary, plan,
    /// reporter and review notes are not among them (free text may hold anything).
    pub async fn export(
        &self,
        actor: &Actor,
        state: Option<treem_domain::case::CaseState>,
        overdue: bool,
    ) -> Result<Vec<CaseRecord>, AppError> {
        actor.require(Action::Export)?;
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let q = CaseQuery {
                units: actor.scope.units(),
                state,
                overdue_at: overdue.then(|| self.clock.now()),
                ids: None,
                child: None,
                after_id: after,
                limit: EXPORT_PAGE,
            };
            let rows = self.store.list_cases(&q).await?;
            let full = i64::try_from(rows.len()).unwrap_or(0) == EXPORT_PAGE;
            after = rows.last().map(|c| c.id);
            out.extend(rows.into_iter().filter(|c| actor.covers(c.unit, c.received_at.date())));
            if !full {
                break;
            }
        }
        let event = actor.event("case.export", Outcome::Ok).record("case", format!("{} rows", out.len())).fields(&CASE_EXPORT_FIELDS);
        self.store.audit(&event).await?;
        Ok(out)
    }

    /// Open tasks in scope (or only the actor's, or only the overdue ones) for export, by due
    /// date: at most [`TASK_EXPORT_LIMIT`], and whether more were left out (the file says so).
    pub async fn export_tasks(&self, actor: &Actor, mine: bool, overdue_only: bool) -> Result<(Vec<TaskRecord>, bool), AppError> {
        actor.require(Action::Export)?;
        let q = TaskQuery {
            units: actor.scope.units(),
            assignee: mine.then_some(actor.account_id),
            due_before: overdue_only.then(|| self.clock.now()),
            limit: TASK_EXPORT_LIMIT + 1,
        };
        let mut rows = self.store.open_tasks(&q).await?;
        let cut = rows.len() > usize::try_from(TASK_EXPORT_LIMIT).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(TASK_EXPORT_LIMIT).unwrap_or(usize::MAX));
        let event = actor.event("task.export", Outcome::Ok).record("task", format!("{} rows", rows.len())).fields(&TASK_EXPORT_FIELDS);
        self.store.audit(&event).await?;
        Ok((rows, cut))
    }

    /// Takes one step of the case's lifecycle; `version` must be the one last read.
    pub async fn act(&self, actor: &Actor, id: CaseId, version: i64, action: &CaseAction) -> Result<(), AppError> {
        let c = self.scoped(actor, id, Action::Write).await?;
        // A step decided on a stale view is a conflict, whatever the state machine would say now.
        if c.version != version {
            return Err(AppError::EditConflict);
        }
        let now = self.clock.now();
        let snapshot = CaseSnapshot {
            state: c.state,
            received_at: c.received_at,
            urgent: c.urgent,
            risk: c.risk,
            interventions: usize::try_from(c.interventions).unwrap_or(0),
            last_review_safe: c.last_review_safe,
        };
        let step = apply(&snapshot, action, now, &self.deadlines()).map_err(AppError::Case)?;
        let next = after(&snapshot, action, &step);
        let (note, mut changes) = match action {
            CaseAction::Verify { note } | CaseAction::AssessDetailed { note } | CaseAction::Close { note } => {
                (Some(note.clone()), CaseChanges::default())
            }
            CaseAction::CloseUnfounded { reason } => (Some(reason.clone()), CaseChanges::default()),
            CaseAction::AssessInitial { risk, note } => (Some(note.clone()), CaseChanges { risk: Some(*risk), ..Default::default() }),
            CaseAction::StartEmergency { measure } => (Some(measure.clone()), CaseChanges::default()),
            CaseAction::DraftPlan { summary } => (
                Some(summary.clone()),
                CaseChanges { plan_summary: Some(summary.clone()), last_review_safe: Some(None), ..Default::default() },
            ),
            CaseAction::ApprovePlan { approved_by, review_at } => {
                (None, CaseChanges { plan_approved_by: Some(approved_by.clone()), review_at: Some(*review_at), ..Default::default() })
            }
            CaseAction::StartPlan => (None, CaseChanges::default()),
            CaseAction::Review { safe, note } => {
                (Some(note.clone()), CaseChanges { last_review_safe: Some(Some(*safe)), ..Default::default() })
            }
        };
        if next.state.is_closed() {
            changes.closed_at = Some(now);
        }
        let write = StepWrite {
            action: action.name(),
            from: step.from,
            to: step.to,
            note,
            actor_id: actor.account_id,
            at: now,
            changes,
            completes: step.completes.clone(),
            creates: step.creates.iter().map(|(k, d)| (*k, self.due(*d, c.received_at, now))).collect(),
            // A new task goes to whoever manages the case, else to the one who took the step.
            assignee: c.assigned_to.or(Some(actor.account_id)),
        };
        let event = actor.event(&format!("case.{}", action.name()), Outcome::Ok).record("case", id).fields(&["state"]);
        match self.facts.after_case(self.store.apply_case_step(id, version, &write, &event).await) {
            Err(StorageError::Conflict(_)) => Err(AppError::EditConflict),
            other => Ok(other?),
        }
    }

    /// The enabled accounts a case may be assigned to: those whose role works on cases and
    /// whose area covers the case (its unit on the day it was received), by name.
    pub async fn assignable(&self, actor: &Actor, case_id: CaseId) -> Result<Vec<(i64, String)>, AppError> {
        let c = self.scoped(actor, case_id, Action::Write).await?;
        let mut out: Vec<(i64, String)> = self
            .store
            .list_accounts()
            .await?
            .into_iter()
            .filter(|a| !a.disabled && a.role.may(Action::Write))
            .filter(|a| a.scope_unit.is_some_and(|u| self.units.scope_of(u).contains(c.unit, c.received_at.date())))
            .map(|a| (a.id.0, a.display_name))
            .collect();
        out.sort_by(|a, b| treem_domain::text::cmp_person(&a.1, &b.1));
        Ok(out)
    }

    /// Assigns the case to a worker whose area covers it, or to nobody (`None`); the case's
    /// open tasks follow. Audited as `case.assign`.
    pub async fn assign(&self, actor: &Actor, case_id: CaseId, version: i64, account_id: Option<i64>) -> Result<(), AppError> {
        let c = self.scoped(actor, case_id, Action::Write).await?;
        if c.state.is_closed() {
            return Err(AppError::Case(treem_domain::case::CaseError::Closed));
        }
        if c.version != version {
            return Err(AppError::EditConflict);
        }
        if let Some(id) = account_id {
            if !self.assignable(actor, case_id).await?.iter().any(|(a, _)| *a == id) {
                return Err(AppError::invalid("account_id", "choose a worker whose area covers this case"));
            }
        }
        let event = actor.event("case.assign", Outcome::Ok).record("case", case_id).fields(&["assigned_to"]);
        match self.store.assign_case(case_id, version, account_id, &event).await {
            Err(StorageError::Conflict(_)) => Err(AppError::EditConflict),
            other => Ok(other?),
        }
    }

    /// Transfers the case to another commune (the child moved): the case, its open tasks and
    /// who may see them move there; the old commune's assignment ends. The target must be a
    /// commune both on the day the case was received and today. Audited as `case.transfer`.
    pub async fn transfer(&self, actor: &Actor, case_id: CaseId, version: i64, to_unit: i64, reason: &str) -> Result<(), AppError> {
        let c = self.scoped(actor, case_id, Action::Write).await?;
        if c.state.is_closed() {
            return Err(AppError::Case(treem_domain::case::CaseError::Closed));
        }
        let reason = required("reason", reason, 2000)?;
        let today = self.clock.today_in_vietnam();
        let catalog = self.units.catalog();
        let target = catalog
            .get(UnitId(to_unit))
            .filter(|u| matches!(u.level, treem_domain::units::UnitLevel::Commune | treem_domain::units::UnitLevel::Hamlet))
            .filter(|u| u.validity.contains(today) && u.validity.contains(c.received_at.date()))
            .ok_or_else(|| AppError::invalid("unit_id", "choose a commune that exists today"))?;
        if target.id == c.unit {
            return Err(AppError::invalid("unit_id", "the case is already in this commune"));
        }
        if c.version != version {
            return Err(AppError::EditConflict);
        }
        let write = TransferWrite { to_unit: target.id, reason, actor_id: actor.account_id, at: self.clock.now() };
        let event = actor.event("case.transfer", Outcome::Ok).record("case", case_id).fields(&["unit_id"]);
        match self.facts.after_case(self.store.transfer_case(case_id, version, &write, &event).await) {
            Err(StorageError::Conflict(_)) => Err(AppError::EditConflict),
            other => Ok(other?),
        }
    }

    /// The case's transfers, oldest first.
    pub async fn transfers(&self, actor: &Actor, case_id: CaseId) -> Result<Vec<TransferRecord>, AppError> {
        self.scoped(actor, case_id, Action::Read).await?;
        Ok(self.store.case_transfers(case_id).await?)
    }

    /// Open tasks in scope (or only the actor's), optionally only the overdue ones.
    pub async fn tasks(&self, actor: &Actor, mine: bool, overdue_only: bool) -> Result<Vec<TaskRecord>, AppError> {
        actor.require(Action::List)?;
        let q = TaskQuery {
            units: actor.scope.units(),
            assignee: mine.then_some(actor.account_id),
            due_before: overdue_only.then(|| self.clock.now()),
            limit: 500,
        };
        Ok(self.store.open_tasks(&q).await?)
    }

    /// Cases per state and overdue tasks in scope, for the dashboard.
    pub async fn counters(&self, actor: &Actor) -> Result<Vec<(String, i64)>, AppError> {
        actor.require(Action::List)?;
        Ok(self.store.case_counters(&actor.scope.units(), self.clock.now()).await?)
    }

    pub async fn add_intervention(
        &self,
        actor: &Actor,
        case_id: CaseId,
        kind: &str,
        responsible: &str,
        due_on: Option<Date>,
    ) -> Result<i64, AppError> {
        let c = self.scoped(actor, case_id, Action::Write).await?;
        if c.state.is_closed() {
            return Err(AppError::Case(treem_domain::case::CaseError::Closed));
        }
        if !INTERVENTION_KINDS.contains(&kind) {
            return Err(AppError::invalid("kind", "not a known kind of intervention"));
        }
        let responsible = required("responsible", responsible, 200)?;
        let event = actor.event("case.intervention_add", Outcome::Ok).record("case", case_id).fields(&["kind", "responsible", "due_on"]);
        Ok(self.store.add_intervention(case_id, kind, &responsible, due_on, &event).await?)
    }

    pub async fn set_intervention(&self, actor: &Actor, case_id: CaseId, id: i64, status: &str, outcome: &str) -> Result<(), AppError> {
        let c = self.scoped(actor, case_id, Action::Write).await?;
        if c.state.is_closed() {
            return Err(AppError::Case(treem_domain::case::CaseError::Closed));
        }
        if !["planned", "done", "cancelled"].contains(&status) {
            return Err(AppError::invalid("status", "planned, done or cancelled"));
        }
        let outcome = text("outcome", outcome, 2000)?;
        let event = actor.event("case.intervention_update", Outcome::Ok).record("case", case_id).fields(&["status", "outcome"]);
        Ok(self.store.set_intervention(id, case_id, status, outcome.as_deref(), &event).await?)
    }

    pub async fn providers(&self) -> Result<Vec<ProviderRecord>, AppError> {
        Ok(self.store.providers().await?)
    }

    /// Adds a service to the directory (provincial officers and administrators).
    pub async fn create_provider(&self, actor: &Actor, name: &str, kind: &str, unit_code: &str, phone: &str) -> Result<i64, AppError> {
        actor.require(Action::ManageServices)?;
        let name = treem_domain::text::clean_line(name, 200).map_err(|e| AppError::invalid("name", e.to_string()))?;
        if !PROVIDER_KINDS.contains(&kind) {
            return Err(AppError::invalid("kind", "not a known kind of service"));
        }
        let unit = self
            .units
            .catalog()
            .by_code_on(unit_code.trim(), self.clock.today_in_vietnam())
            .map(|u| u.id)
            .ok_or_else(|| AppError::invalid("unit", "no unit with this code today"))?;
        let phone = text("phone", phone, 40)?;
        let event = actor.event("provider.create", Outcome::Ok).record("service_provider", "");
        Ok(self.store.create_provider(&name, kind, unit, phone.as_deref(), &event).await?)
    }

    pub async fn refer(&self, actor: &Actor, case_id: CaseId, provider_id: i64, note: &str) -> Result<i64, AppError> {
        let c = self.scoped(actor, case_id, Action::Write).await?;
        if c.state.is_closed() {
            return Err(AppError::Case(treem_domain::case::CaseError::Closed));
        }
        if !self.store.providers().await?.iter().any(|p| p.id == provider_id) {
            return Err(AppError::invalid("provider_id", "choose a service from the directory"));
        }
        let note = text("note", note, 2000)?;
        let event = actor.event("referral.create", Outcome::Ok).record("case", case_id).fields(&["provider_id", "note"]);
        Ok(self.store.create_referral(case_id, provider_id, note.as_deref(), &event).await?)
    }

    /// Moves a referral: sent → accepted or declined (a reason is required); accepted → completed.
    pub async fn referral_outcome(
        &self,
        actor: &Actor,
        case_id: CaseId,
        referral_id: i64,
        status: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        self.scoped(actor, case_id, Action::Write).await?;
        let Some(to) = ReferralStatus::parse(status).filter(|s| !s.previous().is_empty()) else {
            return Err(AppError::invalid("status", "accepted, declined or completed"));
        };
        let from: Vec<&str> = to.previous().into_iter().map(ReferralStatus::as_str).collect();
        let reason = text("reason", reason, 2000)?;
        if to.needs_reason() && reason.is_none() {
            return Err(AppError::invalid("reason", "say why the referral was declined"));
        }
        let event = actor.event(&format!("referral.{}", to.as_str()), Outcome::Ok).record("case", case_id).fields(&["status", "reason"]);
        match self.store.set_referral(referral_id, case_id, &from, to.as_str(), reason.as_deref(), &event).await {
            Err(StorageError::Conflict(_)) => Err(AppError::state_conflict("status", "the referral is not in a state that allows this")),
            other => Ok(other?),
        }
    }
}

/// A case step as a form or an API body gives it, as text.
#[derive(Debug, Clone, Default)]
pub struct ActionInput {
    pub action: String,
    pub note: String,
    pub risk: String,
    pub approved_by: String,
    /// The plan's review date (YYYY-MM-DD); the review falls due at 17:00 Vietnam time that day.
    pub review_on: String,
    /// "true" or "false" for a review.
    pub safe: String,
}

/// The case steps [`ActionInput::to_action`] reads, by name (the API documents them).
pub const ACTION_NAMES: [&str; 10] = [
    "verify",
    "close_unfounded",
    "assess_initial",
    "start_emergency",
    "assess_detailed",
    "draft_plan",
    "approve_plan",
    "start_plan",
    "review",
    "close",
];

impl ActionInput {
    /// The checked action; text is cleaned, the rest parsed, every problem names its field.
    pub fn to_action(&self) -> Result<CaseAction, AppError> {
        use treem_domain::case::RiskLevel;
        let note = || text("note", &self.note, 4000).map(Option::unwrap_or_default);
        // A field another step reads is still checked: a value that could never be right
        // is refused, not silently dropped.
        text("approved_by", &self.approved_by, 200)?;
        if !self.risk.trim().is_empty() && RiskLevel::parse(self.risk.trim()).is_none() {
            return Err(AppError::invalid("risk", "choose low, medium or high"));
        }
        Ok(match self.action.trim() {
            "verify" => CaseAction::Verify { note: note()? },
            "close_unfounded" => CaseAction::CloseUnfounded { reason: note()? },
            "assess_initial" => CaseAction::AssessInitial {
                risk: RiskLevel::parse(self.risk.trim()).ok_or_else(|| AppError::invalid("risk", "choose low, medium or high"))?,
                note: note()?,
            },
            "start_emergency" => CaseAction::StartEmergency { measure: note()? },
            "assess_detailed" => CaseAction::AssessDetailed { note: note()? },
            "draft_plan" => CaseAction::DraftPlan { summary: note()? },
            "approve_plan" => {
                let day = crate::units::parse_user_date("review_on", &self.review_on)?;
                let vietnam = time::UtcOffset::from_hms(7, 0, 0).map_err(|e| AppError::Internal(e.to_string()))?;
                let review_at = day
                    .with_hms(17, 0, 0)
                    .map_err(|e| AppError::Internal(e.to_string()))?
                    .assume_offset(vietnam)
                    .to_offset(time::UtcOffset::UTC);
                CaseAction::ApprovePlan { approved_by: text("approved_by", &self.approved_by, 200)?.unwrap_or_default(), review_at }
            }
            "start_plan" => CaseAction::StartPlan,
            "review" => CaseAction::Review {
                safe: match self.safe.trim() {
                    "true" => true,
                    "false" => false,
                    _ => return Err(AppError::invalid("safe", "say whether the child is now safe and stable")),
                },
                note: note()?,
            },
            "close" => CaseAction::Close { note: note()? },
            _ => return Err(AppError::invalid("action", "not a known step")),
        })
    }
}

//! The child as the hub: one call gathers a child's cases, incidents, referrals, open
//! tasks and a dated history, each part only as far as the reader may go (the same
//! checks the case and incident services make), so that a commune worker does not
//! hunt for a child's history. The read is audited as one `child.read_overview` entry,
//! appended in the transaction that reads the child.

use std::sync::Arc;
use time::{Date, OffsetDateTime};
use treem_domain::audit::Outcome;
use treem_domain::calendar::date_in_vietnam;
use treem_domain::case::{CaseId, CaseState, TaskKind};
use treem_domain::clock::Clock;
use treem_domain::incident::{IncidentId, IncidentKind};
use treem_domain::units::UnitId;
use treem_storage::{CaseQuery, IncidentQuery, Store};

use crate::access::Actor;
use crate::AppError;

/// One case of the child.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLine {
    pub id: CaseId,
    pub state: CaseState,
    pub unit: UnitId,
    pub received_at: OffsetDateTime,
    pub closed_at: Option<OffsetDateTime>,
}

/// One incident the child is linked to (never its details).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentLine {
    pub id: IncidentId,
    pub kind: IncidentKind,
    pub occurred_on: Date,
    pub unit: UnitId,
}

/// One referral made in one of the child's cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralLine {
    pub case_id: CaseId,
    pub provider: String,
    pub status: String,
    pub updated_at: OffsetDateTime,
}

/// One open task of one of the child's cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskLine {
    pub case_id: CaseId,
    pub kind: TaskKind,
    pub due_at: OffsetDateTime,
    pub overdue: bool,
}

/// What happened, for the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Happening {
    CaseOpened(CaseId),
    CaseClosed(CaseId, CaseState),
    IncidentRecorded(IncidentId, IncidentKind),
    /// A referral to a service, by its current status.
    Referral(CaseId, String, String),
}

/// One dated line of the history (the day in Vietnam).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub on: Date,
    pub what: Happening,
}

/// A child's overview. A part is `None` when the reader may not read that kind of
/// record at all: it is then not shown, not even as empty.
#[derive(Debug, Clone, Default)]
pub struct ChildOverview {
    pub child_id: i64,
    pub cases: Option<Vec<CaseLine>>,
    pub incidents: Option<Vec<IncidentLine>>,
    pub referrals: Option<Vec<ReferralLine>>,
    pub tasks: Option<Vec<TaskLine>>,
    /// Newest first.
    pub history: Vec<HistoryEntry>,
    /// Whether the reader may open a case for this child / record an incident about it.
    pub may_open_case: bool,
    pub may_record_incident: bool,
}

pub struct HubService {
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
}

/// At most this many cases or incidents per child are gathered (a child has a handful).
const LIMIT: i64 = 500;

impl HubService {
    pub(crate) fn new(clock: Arc<dyn Clock>, store: Arc<dyn Store>) -> Self {
        Self { clock, store }
    }

    /// The overview of a child in the reader's scope. A missing child and one out of scope
    /// take the same path (one reading, one `denied` entry) and answer `NotFound`; a role
    /// that may not read records is `Forbidden`.
    pub async fn child_overview(&self, actor: &Actor, child_id: i64) -> Result<ChildOverview, AppError> {
        actor.may_read_overview()?;
        let Some(_) = self.store.child(child_id, None).await?.filter(|p| actor.covers(p.residence_unit, p.registered_on)) else {
            self.store.audit(&actor.event("child.read_overview", Outcome::Denied).record("child", child_id)).await?;
            return Err(AppError::NotFound);
        };
        let may_cases = actor.may_list_cases();
        let may_incidents = actor.may_list_incidents();
        let mut shown = Vec::new();
        if may_cases {
            shown.extend(["cases", "referrals", "tasks"]);
        }
        if may_incidents {
            shown.push("incidents");
        }
        let event = actor.event("child.read_overview", Outcome::Ok).record("child", child_id).fields(&shown);
        self.store.child(child_id, Some(&event)).await?.ok_or(AppError::NotFound)?;
        let now = self.clock.now();
        let mut out = ChildOverview {
            child_id,
            may_open_case: actor.may_open_case(),
            may_record_incident: actor.may_record_incident(),
            ..Default::default()
        };
        let mut history = Vec::new();
        if may_cases {
            let q = CaseQuery { units: actor.scope.units(), child: Some(child_id), limit: LIMIT, ..Default::default() };
            let cases: Vec<_> =
                self.store.list_cases(&q).await?.into_iter().filter(|c| actor.covers(c.unit, c.received_at.date())).collect();
            let mut referrals = Vec::new();
            let mut tasks = Vec::new();
            for c in &cases {
                history.push(HistoryEntry { on: date_in_vietnam(c.received_at), what: Happening::CaseOpened(c.id) });
                if let Some(closed) = c.closed_at {
                    history.push(HistoryEntry { on: date_in_vietnam(closed), what: Happening::CaseClosed(c.id, c.state) });
                }
                for r in self.store.referrals(c.id).await? {
                    history.push(HistoryEntry {
                        on: date_in_vietnam(r.updated_at),
                        what: Happening::Referral(c.id, r.provider_name.clone(), r.status.clone()),
                    });
                    referrals.push(ReferralLine { case_id: c.id, provider: r.provider_name, status: r.status, updated_at: r.updated_at });
                }
                tasks.extend(self.store.case_tasks(c.id).await?.into_iter().filter(|t| t.done_at.is_none()).map(|t| TaskLine {
                    case_id: c.id,
                    kind: t.kind,
                    due_at: t.due_at,
                    overdue: t.due_at < now,
                }));
            }
            tasks.sort_by_key(|t| t.due_at);
            out.cases = Some(
                cases
                    .into_iter()
                    .map(|c| CaseLine { id: c.id, state: c.state, unit: c.unit, received_at: c.received_at, closed_at: c.closed_at })
                    .collect(),
            );
            out.referrals = Some(referrals);
            out.tasks = Some(tasks);
        }
        if may_incidents {
            // Only the kinds the reader sees: the others are as if never recorded.
            let q = IncidentQuery {
                units: actor.scope.units(),
                kinds: actor.visible_incident_kinds(),
                child: Some(child_id),
                limit: LIMIT,
                ..Default::default()
            };
            let incidents: Vec<IncidentLine> = self
                .store
                .list_incidents(&q)
                .await?
                .into_iter()
                .filter(|r| actor.covers(r.fields.unit, r.fields.occurred_on))
                .map(|r| IncidentLine { id: r.id, kind: r.fields.kind, occurred_on: r.fields.occurred_on, unit: r.fields.unit })
                .collect();
            for i in &incidents {
                history.push(HistoryEntry { on: i.occurred_on, what: Happening::IncidentRecorded(i.id, i.kind) });
            }
            out.incidents = Some(incidents);
        }
        // Newest first; a stable sort keeps a case's opening before its referrals on one day.
        history.sort_by_key(|h| std::cmp::Reverse(h.on));
        out.history = history;
        Ok(out)
    }
}

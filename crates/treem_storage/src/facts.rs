//! What the indicator engine reads (children as the yearly counts need them, households
//! and their poverty by year) and the one bulk write the demo generator makes.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};
use treem_domain::audit::AuditEvent;
use treem_domain::case::{CaseSource, CaseState, RiskLevel, TaskKind};
use treem_domain::incident::IncidentFields;
use treem_domain::indicator::{ChildRecord, HouseholdEntry};
use treem_domain::units::UnitId;

use crate::StorageError;

/// The query of case facts, the same on both databases but for how the current time
/// is written (`now`: `?1` on SQLite, `$1` on PostgreSQL) and how a timestamp becomes
/// the UTC day (`day`). A task is late when done after its due time, or still open past
/// it; `late` is any task, then one column per stage of `CASE_STAGES`.
pub fn case_facts_sql(now: &str, day: &str) -> String {
    let (columns, stages) = case_fact_columns(now);
    format!(
        "SELECT k.unit_id, {day} AS day, k.state, k.source, k.urgent, k.risk_level, {columns}, COUNT(*) \
         FROM child_case k GROUP BY k.unit_id, day, k.state, k.source, k.urgent, k.risk_level, late, {stages}"
    )
}

/// [`case_facts_sql`] case by case, ungrouped: the same columns with a count of 1, then
/// the case's id, in id order (the drill-down from a figure to its cases).
pub fn case_facts_each_sql(now: &str, day: &str) -> String {
    let (columns, _) = case_fact_columns(now);
    format!("SELECT k.unit_id, {day} AS day, k.state, k.source, k.urgent, k.risk_level, {columns}, CAST(1 AS BIGINT), k.id FROM child_case k ORDER BY k.id")
}

/// The lateness columns of a case fact (any task, then one per stage) and the stages' names.
fn case_fact_columns(now: &str) -> (String, String) {
    let late = |kinds: Option<&[&str]>| {
        let of_kind = kinds
            .map(|k| format!(" AND t.kind IN ({})", k.iter().map(|k| format!("'{k}'")).collect::<Vec<_>>().join(", ")))
            .unwrap_or_default();
        format!(
            "EXISTS (SELECT 1 FROM case_task t WHERE t.case_id = k.id{of_kind} AND ((t.done_at IS NOT NULL AND t.done_at > t.due_at) OR (t.done_at IS NULL AND t.due_at < {now})))"
        )
    };
    let mut columns = vec![format!("{} AS late", late(None))];
    for (field, kinds) in treem_domain::indicator::CASE_STAGES {
        columns.push(format!("{} AS {field}", late(Some(kinds))));
    }
    let stages: Vec<&str> = treem_domain::indicator::CASE_STAGES.iter().map(|(f, _)| *f).collect();
    (columns.join(", "), stages.join(", "))
}

/// A household's poverty status as stored, as one of the codes the facts use: rows
/// come by the million, so no string is kept per row.
pub fn poverty_code(status: &str) -> Result<&'static str, StorageError> {
    ["poor", "near_poor", "neither"]
        .into_iter()
        .find(|p| *p == status)
        .ok_or_else(|| StorageError::Other(format!("household_poverty.status `{status}` is not poor, near_poor or neither")))
}

/// Called with each write heard (see [`FactStore::hear_writes`]); answers whether to go on.
pub type WriteListener = std::sync::Arc<dyn Fn(Option<HeardWrite>) -> bool + Send + Sync>;

/// A write another process committed, as its audit entry names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct HeardWrite {
    pub action: String,
    #[serde(default)]
    pub record_type: Option<String>,
    #[serde(default)]
    pub record_key: Option<String>,
}

impl HeardWrite {
    /// Writes may have been missed (the channel was lost): everything must be read again.
    pub fn lost() -> Self {
        Self { action: "*".into(), record_type: None, record_key: None }
    }

    pub fn is_lost(&self) -> bool {
        self.action == "*"
    }
}

/// One row of [`case_facts_sql`], as read.
pub struct CaseFactRow<'a> {
    pub unit: UnitId,
    pub day: Date,
    pub state: &'a str,
    pub source: &'a str,
    pub urgent: bool,
    pub risk: Option<&'a str>,
    /// The any-task column, then one per stage of `CASE_STAGES`.
    pub late: &'a [bool],
    pub count: i64,
}

/// One row of [`case_facts_sql`] as a fact.
pub fn case_fact(row: CaseFactRow<'_>) -> treem_domain::indicator::Fact {
    let CaseFactRow { unit, day, state, source, urgent, risk, late, count } = row;
    let urgent = urgent.to_string();
    let late: Vec<String> = late.iter().map(bool::to_string).collect();
    let mut fields = vec![("state", Some(state)), ("source", Some(source)), ("urgent", Some(urgent.as_str())), ("risk", risk)];
    let names = std::iter::once("late").chain(treem_domain::indicator::CASE_STAGES.iter().map(|(f, _)| *f));
    fields.extend(names.zip(late.iter()).map(|(name, v)| (name, Some(v.as_str()))));
    treem_domain::indicator::Fact::new(treem_domain::indicator::FactKind::Cases, unit, day, &fields, count)
}

/// Generated records, linked by their place in these lists (not by ids, which the
/// store assigns). Written in one transaction with one audit entry.
#[derive(Debug, Clone, Default)]
pub struct BulkLoad {
    /// (code, head's name, unit).
    pub households: Vec<(String, String, UnitId)>,
    /// (household index, year, poor | near_poor | neither).
    pub poverty: Vec<(usize, i32, &'static str)>,
    pub children: Vec<BulkChild>,
    /// (child index, Art. 10 group code, first day, last day).
    pub circumstances: Vec<(usize, &'static str, Date, Option<Date>)>,
    /// An incident (its `children` ignored) and the index of the child it involves.
    pub incidents: Vec<(IncidentFields, Option<usize>)>,
    /// Cases with their steps, tasks and interventions, each about one of `children`.
    pub cases: Vec<BulkCase>,
}

/// A generated case as it stands today, with the history that led there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkCase {
    /// The index of the child in [`BulkLoad::children`].
    pub child: usize,
    pub unit: UnitId,
    pub source: CaseSource,
    pub urgent: bool,
    pub summary: String,
    pub received_at: OffsetDateTime,
    pub state: CaseState,
    pub risk: Option<RiskLevel>,
    pub plan_summary: Option<String>,
    pub plan_approved_by: Option<String>,
    pub review_at: Option<OffsetDateTime>,
    pub last_review_safe: Option<bool>,
    pub closed_at: Option<OffsetDateTime>,
    /// (action, from, to, note, at), in order.
    pub steps: Vec<(&'static str, CaseState, CaseState, Option<String>, OffsetDateTime)>,
    /// (kind, due at, done at).
    pub tasks: Vec<(TaskKind, OffsetDateTime, Option<OffsetDateTime>)>,
    /// (kind, responsible, planned | done).
    pub interventions: Vec<(&'static str, String, &'static str)>,
}

#[derive(Debug, Clone)]
pub struct BulkChild {
    pub full_name: String,
    pub name_search: String,
    /// `male` or `female`.
    pub sex: &'static str,
    pub birth_date: Date,
    pub unit: UnitId,
    pub registered_on: Date,
    pub household: Option<usize>,
    pub disability: bool,
}

#[async_trait]
pub trait FactStore {
    /// Every child of the register that is not merged into another record.
    async fn child_records(&self) -> Result<Vec<ChildRecord>, StorageError>;

    /// Every household's poverty status by year: (household, year, status).
    async fn household_poverty(&self) -> Result<Vec<(i64, i32, &'static str)>, StorageError>;

    /// The children of `ids` that are in the register and not merged into another record.
    async fn child_records_of(&self, ids: &[i64]) -> Result<Vec<ChildRecord>, StorageError>;

    /// The poverty statuses of `households`: (household, year, status).
    async fn household_poverty_of(&self, households: &[i64]) -> Result<Vec<(i64, i32, &'static str)>, StorageError>;

    /// Every household of the register with its unit, in id order (the household facts).
    async fn household_entries(&self) -> Result<Vec<HouseholdEntry>, StorageError>;

    /// The households of `ids` that exist, with their units, in id order.
    async fn household_entries_of(&self, ids: &[i64]) -> Result<Vec<HouseholdEntry>, StorageError>;

    /// Every case counted by unit, day received (UTC, as scope checks it), state, source,
    /// urgency, risk and lateness (a task done after its due time, or open past it at `now`).
    async fn case_facts(&self, now: time::OffsetDateTime) -> Result<Vec<treem_domain::indicator::Fact>, StorageError>;

    /// [`FactStore::case_facts`] case by case, ungrouped: (case id, its fact counting 1), in id order.
    async fn case_facts_each(
        &self,
        now: time::OffsetDateTime,
    ) -> Result<Vec<(treem_domain::case::CaseId, treem_domain::indicator::Fact)>, StorageError>;

    /// Writes `data` in one transaction with `audit`, the records created by `created_by`.
    async fn bulk_load(&self, data: &BulkLoad, created_by: i64, audit: &AuditEvent) -> Result<(), StorageError>;

    /// Starts hearing the writes *other processes* make to the same database, calling
    /// `heard` with each committed one (its audit entry's action and record), with
    /// `HeardWrite::lost()` when some may have been missed, and with none every few seconds
    /// when all is quiet; hearing stops when `heard` answers false (its listener is gone).
    /// False when the backend has no such channel (SQLite: one process owns the file).
    async fn hear_writes(&self, heard: WriteListener) -> Result<bool, StorageError>;
}

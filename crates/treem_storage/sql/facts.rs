//! The indicator engine's reads and the generator's bulk write: the SQL of both engines, written once (`crates/treem_storage/sql/README.md`).

use async_trait::async_trait;
use futures_util::TryStreamExt;
use sqlx::{QueryBuilder, Row};
use std::collections::HashMap;
use treem_domain::audit::AuditEvent;
use treem_domain::case::{CaseState, RiskLevel, TaskKind};
use treem_domain::incident::{AbuseForm, InjuryKind, JusticeMeasure, JusticeStage, Relation, Setting, SexualSubtype};
use treem_domain::indicator::{ChildRecord, CircumstancePeriod, HouseholdEntry};
use treem_domain::units::UnitId;
use treem_storage::{BulkLoad, FactStore, StorageError};

/// A generated case's step and task, as [`treem_storage::BulkCase`] holds them.
type BulkCaseStep = (&'static str, CaseState, CaseState, Option<String>, time::OffsetDateTime);
type BulkCaseTask = (TaskKind, time::OffsetDateTime, Option<time::OffsetDateTime>);

use crate::accounts::append_audit;
use crate::dialect::*;

/// Rows per INSERT: well under PostgreSQL's 65,535 bound parameters.
const CHUNK: usize = 500;

#[async_trait]
impl FactStore for DbStore {
    async fn child_records(&self) -> Result<Vec<ChildRecord>, StorageError> {
        self.records(None).await
    }

    async fn household_poverty(&self) -> Result<Vec<(i64, i32, &'static str)>, StorageError> {
        self.poverty(None).await
    }

    async fn child_records_of(&self, ids: &[i64]) -> Result<Vec<ChildRecord>, StorageError> {
        self.records(Some(ids)).await
    }

    async fn household_poverty_of(&self, households: &[i64]) -> Result<Vec<(i64, i32, &'static str)>, StorageError> {
        self.poverty(Some(households)).await
    }

    async fn household_entries(&self) -> Result<Vec<HouseholdEntry>, StorageError> {
        self.household_units(None).await
    }

    async fn household_entries_of(&self, ids: &[i64]) -> Result<Vec<HouseholdEntry>, StorageError> {
        self.household_units(Some(ids)).await
    }

    async fn case_facts(&self, now: time::OffsetDateTime) -> Result<Vec<treem_domain::indicator::Fact>, StorageError> {
        let sql = treem_storage::case_facts_sql("$1", &day_of("k.received_at"));
        let rows = sqlx::query(&sql).bind(Stamp(now)).fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(case_fact).collect()
    }

    async fn case_facts_each(
        &self,
        now: time::OffsetDateTime,
    ) -> Result<Vec<(treem_domain::case::CaseId, treem_domain::indicator::Fact)>, StorageError> {
        let sql = treem_storage::case_facts_each_sql("$1", &day_of("k.received_at"));
        let rows = sqlx::query(&sql).bind(Stamp(now)).fetch_all(&self.pool).await.map_err(map_err)?;
        let id_at = 8 + treem_domain::indicator::CASE_STAGES.len();
        rows.iter().map(|r| Ok((treem_domain::case::CaseId(r.try_get(id_at).map_err(map_err)?), case_fact(r)?))).collect()
    }

    async fn hear_writes(&self, heard: treem_storage::WriteListener) -> Result<bool, StorageError> {
        hear_writes(self, heard).await
    }

    async fn bulk_load(&self, data: &BulkLoad, created_by: i64, audit: &AuditEvent) -> Result<(), StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        // Other writers wait until the ids given below are taken.
        lock_tables(&mut tx, "household, household_poverty, child, child_circumstance, incident, incident_child, child_case").await?;
        let now = Stamp(self.clock.now());
        // Ids are given here (after the highest in use, inside the write lock) so that
        // records can point at each other by their place in the lists.
        let next = |table: &'static str| format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}");
        let household0: i64 = sqlx::query_scalar(&next("household")).fetch_one(&mut *tx).await.map_err(map_err)?;
        let child0: i64 = sqlx::query_scalar(&next("child")).fetch_one(&mut *tx).await.map_err(map_err)?;
        let incident0: i64 = sqlx::query_scalar(&next("incident")).fetch_one(&mut *tx).await.map_err(map_err)?;
        let id = |base: i64, i: usize| base + i64::try_from(i).unwrap_or(i64::MAX - base);
        for (n, chunk) in data.households.chunks(CHUNK).enumerate() {
            let mut q = QueryBuilder::<Db>::new(format!(
                "INSERT INTO household (id, code, head_name, unit_id, created_at, updated_at, version) {OVERRIDING} "
            ));
            q.push_values(chunk.iter().enumerate(), |mut b, (i, (code, head, unit))| {
                b.push_bind(id(household0, n * CHUNK + i))
                    .push_bind(code)
                    .push_bind(head)
                    .push_bind(unit.0)
                    .push_bind(now)
                    .push_bind(now)
                    .push_bind(1i64);
            });
            q.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        for chunk in data.poverty.chunks(CHUNK) {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO household_poverty (household_id, year, status) ");
            q.push_values(chunk, |mut b, (h, year, status)| {
                b.push_bind(id(household0, *h)).push_bind(i64::from(*year)).push_bind(*status);
            });
            q.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        for (n, chunk) in data.children.chunks(CHUNK).enumerate() {
            let mut q = QueryBuilder::<Db>::new(format!("INSERT INTO child (id, full_name, name_search, sex, birth_date, residence_unit_id, registered_on, household_id, disability, \
                 created_by_id, created_at, updated_at, version, name_order) {OVERRIDING} "));
            q.push_values(chunk.iter().enumerate(), |mut b, (i, c)| {
                b.push_bind(id(child0, n * CHUNK + i))
                    .push_bind(&c.full_name)
                    .push_bind(&c.name_search)
                    .push_bind(c.sex)
                    .push_bind(c.birth_date)
                    .push_bind(c.unit.0)
                    .push_bind(c.registered_on)
                    .push_bind(c.household.map(|h| id(household0, h)))
                    .push_bind(c.disability)
                    .push_bind(created_by)
                    .push_bind(now)
                    .push_bind(now)
                    .push_bind(1i64)
                    .push_bind(treem_domain::text::person_sort_bytes(&c.full_name));
            });
            q.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        for chunk in data.circumstances.chunks(CHUNK) {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO child_circumstance (child_id, group_code, began_on, ended_on, created_at) ");
            q.push_values(chunk, |mut b, (c, group, from, to)| {
                b.push_bind(id(child0, *c)).push_bind(*group).push_bind(*from).push_bind(*to).push_bind(now);
            });
            q.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        for (n, chunk) in data.incidents.chunks(CHUNK).enumerate() {
            let mut q = QueryBuilder::<Db>::new(format!("INSERT INTO incident (id, kind, occurred_on, unit_id, abuse_form, sexual_subtype, setting, relation, justice_stage, justice_measure, \
                 injury, fatal, created_by_id, created_at, updated_at, version) {OVERRIDING} "));
            q.push_values(chunk.iter().enumerate(), |mut b, (i, (f, _))| {
                b.push_bind(id(incident0, n * CHUNK + i))
                    .push_bind(f.kind.as_str())
                    .push_bind(f.occurred_on)
                    .push_bind(f.unit.0)
                    .push_bind(f.abuse_form.map(AbuseForm::as_str))
                    .push_bind(f.sexual_subtype.map(SexualSubtype::as_str))
                    .push_bind(f.setting.map(Setting::as_str))
                    .push_bind(f.relation.map(Relation::as_str))
                    .push_bind(f.justice_stage.map(JusticeStage::as_str))
                    .push_bind(f.justice_measure.map(JusticeMeasure::as_str))
                    .push_bind(f.injury.map(InjuryKind::as_str))
                    .push_bind(f.fatal)
                    .push_bind(created_by)
                    .push_bind(now)
                    .push_bind(now)
                    .push_bind(1i64);
            });
            q.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        let links: Vec<(i64, i64)> =
            data.incidents.iter().enumerate().filter_map(|(i, (_, c))| c.map(|c| (id(incident0, i), id(child0, c)))).collect();
        for chunk in links.chunks(CHUNK) {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO incident_child (incident_id, child_id) ");
            q.push_values(chunk, |mut b, (i, c)| {
                b.push_bind(*i).push_bind(*c);
            });
            q.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        // Cases: their ids given like the others', then their steps, tasks and interventions.
        let case0: i64 = sqlx::query_scalar(&next("child_case")).fetch_one(&mut *tx).await.map_err(map_err)?;
        for (n, chunk) in data.cases.chunks(CHUNK / 2).enumerate() {
            let mut q = QueryBuilder::<Db>::new(format!("INSERT INTO child_case (id, child_id, unit_id, state, source, reporter_name, summary, urgent, risk_level, plan_summary, \
                 plan_approved_by, review_at, last_review_safe, received_at, closed_at, created_by_id, created_at, updated_at, version) {OVERRIDING} "));
            q.push_values(chunk.iter().enumerate(), |mut b, (i, k)| {
                b.push_bind(id(case0, n * (CHUNK / 2) + i))
                    .push_bind(id(child0, k.child))
                    .push_bind(k.unit.0)
                    .push_bind(k.state.as_str())
                    .push_bind(k.source.as_str())
                    .push_bind("Người báo tin (dữ liệu mẫu)")
                    .push_bind(&k.summary)
                    .push_bind(k.urgent)
                    .push_bind(k.risk.map(RiskLevel::as_str))
                    .push_bind(&k.plan_summary)
                    .push_bind(&k.plan_approved_by)
                    .push_bind(k.review_at.map(Stamp))
                    .push_bind(k.last_review_safe)
                    .push_bind(Stamp(k.received_at))
                    .push_bind(k.closed_at.map(Stamp))
                    .push_bind(created_by)
                    .push_bind(now)
                    .push_bind(now)
                    .push_bind(1 + i64::try_from(k.steps.len()).unwrap_or(0));
            });
            q.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        let steps: Vec<(i64, &BulkCaseStep)> =
            data.cases.iter().enumerate().flat_map(|(i, k)| k.steps.iter().map(move |s| (id(case0, i), s))).collect();
        for chunk in steps.chunks(CHUNK) {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO case_step (case_id, action, from_state, to_state, note, actor_id, at) ");
            q.push_values(chunk, |mut b, (case, (action, from, to, note, at))| {
                b.push_bind(*case)
                    .push_bind(*action)
                    .push_bind(from.as_str())
                    .push_bind(to.as_str())
                    .push_bind(note)
                    .push_bind(created_by)
                    .push_bind(Stamp(*at));
            });
            q.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        let tasks: Vec<(i64, UnitId, &BulkCaseTask)> =
            data.cases.iter().enumerate().flat_map(|(i, k)| k.tasks.iter().map(move |t| (id(case0, i), k.unit, t))).collect();
        for chunk in tasks.chunks(CHUNK) {
            let mut q =
                QueryBuilder::<Db>::new("INSERT INTO case_task (case_id, unit_id, kind, assignee_id, due_at, done_at, created_at) ");
            q.push_values(chunk, |mut b, (case, unit, (kind, due, done))| {
                b.push_bind(*case)
                    .push_bind(unit.0)
                    .push_bind(kind.as_str())
                    .push_bind(created_by)
                    .push_bind(Stamp(*due))
                    .push_bind(done.map(Stamp))
                    .push_bind(now);
            });
            q.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        let plans: Vec<(i64, &(&'static str, String, &'static str))> =
            data.cases.iter().enumerate().flat_map(|(i, k)| k.interventions.iter().map(move |v| (id(case0, i), v))).collect();
        for chunk in plans.chunks(CHUNK) {
            let mut q = QueryBuilder::<Db>::new(
                "INSERT INTO case_intervention (case_id, kind, responsible, status, created_at, updated_at, version) ",
            );
            q.push_values(chunk, |mut b, (case, (kind, responsible, status))| {
                b.push_bind(*case).push_bind(*kind).push_bind(responsible).push_bind(*status).push_bind(now).push_bind(now).push_bind(1i64);
            });
            q.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        for table in ["household", "child", "incident", "child_case"] {
            after_given_ids(&mut tx, table).await?;
        }
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)
    }
}

impl DbStore {
    /// Children not merged away (all, or those of `ids`), with their circumstances.
    async fn records(&self, ids: Option<&[i64]>) -> Result<Vec<ChildRecord>, StorageError> {
        let only = if ids.is_some() { format!(" AND {}", in_ids("c.id", 1)) } else { String::new() };
        let sql = format!(
            "SELECT c.id, c.residence_unit_id, c.birth_date, c.sex, c.disability, c.household_id FROM child c WHERE c.merged_into_id IS NULL{only}"
        );
        let mut q = sqlx::query(&sql);
        if let Some(ids) = ids {
            q = q.bind(id_list(ids.iter().copied()));
        }
        // Streamed: a province's register is hundreds of thousands of rows, and holding
        // them all as rows costs far more than the records made of them.
        let mut rows = q.fetch(&self.pool);
        let mut index = HashMap::new();
        let mut out = Vec::new();
        while let Some(r) = rows.try_next().await.map_err(map_err)? {
            let id: i64 = r.try_get(0).map_err(map_err)?;
            index.insert(id, out.len());
            out.push(ChildRecord {
                id,
                unit: UnitId(r.try_get(1).map_err(map_err)?),
                birth_date: r.try_get(2).map_err(map_err)?,
                female: r.try_get::<String, _>(3).map_err(map_err)? == "female",
                disability: r.try_get(4).map_err(map_err)?,
                household: r.try_get(5).map_err(map_err)?,
                circumstances: Vec::new(),
            });
        }
        drop(rows);
        let only = if ids.is_some() { format!(" WHERE {}", in_ids("child_id", 1)) } else { String::new() };
        let sql = format!("SELECT child_id, group_code, began_on, ended_on FROM child_circumstance{only}");
        let mut q = sqlx::query(&sql);
        if let Some(ids) = ids {
            q = q.bind(id_list(ids.iter().copied()));
        }
        let mut rows = q.fetch(&self.pool);
        while let Some(r) = rows.try_next().await.map_err(map_err)? {
            if let Some(i) = index.get(&r.try_get::<i64, _>(0).map_err(map_err)?) {
                let group: String = r.try_get(1).map_err(map_err)?;
                out[*i].circumstances.push(CircumstancePeriod::of_group(
                    &group,
                    r.try_get(2).map_err(map_err)?,
                    r.try_get(3).map_err(map_err)?,
                ));
            }
        }
        Ok(out)
    }

    /// Households with their units (all, or those of `ids`), in id order; streamed.
    async fn household_units(&self, ids: Option<&[i64]>) -> Result<Vec<HouseholdEntry>, StorageError> {
        let only = if ids.is_some() { format!(" WHERE {}", in_ids("id", 1)) } else { String::new() };
        let sql = format!("SELECT id, unit_id FROM household{only} ORDER BY id");
        let mut q = sqlx::query(&sql);
        if let Some(ids) = ids {
            q = q.bind(id_list(ids.iter().copied()));
        }
        let mut rows = q.fetch(&self.pool);
        let mut out = Vec::new();
        while let Some(r) = rows.try_next().await.map_err(map_err)? {
            out.push(HouseholdEntry { id: r.try_get(0).map_err(map_err)?, unit: UnitId(r.try_get(1).map_err(map_err)?) });
        }
        Ok(out)
    }

    /// Poverty statuses by year (all, or those of `households`).
    async fn poverty(&self, households: Option<&[i64]>) -> Result<Vec<(i64, i32, &'static str)>, StorageError> {
        let only = if households.is_some() { format!(" WHERE {}", in_ids("household_id", 1)) } else { String::new() };
        let sql = format!("SELECT household_id, year, status FROM household_poverty{only}");
        let mut q = sqlx::query(&sql);
        if let Some(ids) = households {
            q = q.bind(id_list(ids.iter().copied()));
        }
        let mut rows = q.fetch(&self.pool);
        let mut out = Vec::new();
        while let Some(r) = rows.try_next().await.map_err(map_err)? {
            let year: i64 = r.try_get(1).map_err(map_err)?;
            let status: &str = r.try_get(2).map_err(map_err)?;
            let household: i64 = r.try_get(0).map_err(map_err)?;
            out.push((household, i32::try_from(year).unwrap_or(0), treem_storage::poverty_code(status)?));
        }
        Ok(out)
    }
}

/// A row of [`treem_storage::case_facts_sql`] (or of its case-by-case form) as a fact.
fn case_fact(r: &DbRow) -> Result<treem_domain::indicator::Fact, StorageError> {
    let stages = treem_domain::indicator::CASE_STAGES.len();
    let state: String = r.try_get(2).map_err(map_err)?;
    let source: String = r.try_get(3).map_err(map_err)?;
    let risk: Option<String> = r.try_get(5).map_err(map_err)?;
    let late = (6..=6 + stages).map(|i| r.try_get::<bool, _>(i)).collect::<Result<Vec<bool>, _>>().map_err(map_err)?;
    Ok(treem_storage::case_fact(treem_storage::CaseFactRow {
        unit: UnitId(r.try_get(0).map_err(map_err)?),
        day: r.try_get(1).map_err(map_err)?,
        state: &state,
        source: &source,
        urgent: r.try_get(4).map_err(map_err)?,
        risk: risk.as_deref(),
        late: &late,
        count: r.try_get(7 + stages).map_err(map_err)?,
    }))
}

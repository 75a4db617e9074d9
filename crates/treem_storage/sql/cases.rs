//! Case management on PostgreSQL: cases, steps, tasks, interventions, providers, referrals.

use async_trait::async_trait;
use sqlx::Row;
use time::{Date, OffsetDateTime};
use treem_domain::audit::AuditEvent;
use treem_domain::case::{CaseId, CaseSource, CaseState, RiskLevel, TaskKind};
use treem_domain::units::UnitId;
use treem_storage::{
    CaseQuery, CaseRecord, CaseStore, InterventionRecord, NewCase, ProviderRecord, ReferralRecord, StepRecord, StepWrite, StorageError,
    TaskQuery, TaskRecord, TransferRecord, TransferWrite,
};

use crate::accounts::append_audit;
use crate::dialect::*;

fn bad(col: &str, v: &str) -> StorageError {
    StorageError::Other(format!("{col} holds `{v}`"))
}

const CASE_COLUMNS: &str = "k.id, k.child_id, c.full_name AS child_name, k.unit_id, k.state, k.source, k.source_ref, k.reporter_name, k.reporter_contact, \
     k.summary, k.urgent, k.risk_level, k.plan_summary, k.plan_approved_by, k.review_at, k.last_review_safe, k.received_at, k.closed_at, k.version, \
     k.assigned_to_id, (SELECT display_name FROM account a WHERE a.id = k.assigned_to_id) AS assigned_name, \
     (SELECT COUNT(*) FROM case_intervention i WHERE i.case_id = k.id AND i.status <> 'cancelled') AS interventions";

/// Why an update of a case by id and version matched nothing: the case is missing, or
/// its version moved on.
async fn missing_or_stale(tx: &mut sqlx::Transaction<'static, Db>, id: CaseId) -> Result<StorageError, StorageError> {
    let exists: Option<i64> =
        sqlx::query_scalar("SELECT id FROM child_case WHERE id = $1").bind(id.0).fetch_optional(&mut **tx).await.map_err(map_err)?;
    Ok(if exists.is_some() { StorageError::Conflict("version".into()) } else { StorageError::NotFound })
}

fn decode_case(r: &DbRow) -> Result<CaseRecord, StorageError> {
    let state: String = r.try_get("state").map_err(map_err)?;
    let source: String = r.try_get("source").map_err(map_err)?;
    let risk: Option<String> = r.try_get("risk_level").map_err(map_err)?;
    Ok(CaseRecord {
        id: CaseId(r.try_get("id").map_err(map_err)?),
        child_id: r.try_get("child_id").map_err(map_err)?,
        child_name: r.try_get("child_name").map_err(map_err)?,
        unit: UnitId(r.try_get("unit_id").map_err(map_err)?),
        state: CaseState::parse(&state).ok_or_else(|| bad("child_case.state", &state))?,
        source: CaseSource::parse(&source).ok_or_else(|| bad("child_case.source", &source))?,
        source_ref: r.try_get("source_ref").map_err(map_err)?,
        reporter_name: r.try_get("reporter_name").map_err(map_err)?,
        reporter_contact: r.try_get("reporter_contact").map_err(map_err)?,
        summary: r.try_get("summary").map_err(map_err)?,
        urgent: r.try_get("urgent").map_err(map_err)?,
        risk: risk.map(|v| RiskLevel::parse(&v).ok_or_else(|| bad("child_case.risk_level", &v))).transpose()?,
        plan_summary: r.try_get("plan_summary").map_err(map_err)?,
        plan_approved_by: r.try_get("plan_approved_by").map_err(map_err)?,
        review_at: r.try_get::<Option<Stamp>, _>("review_at").map_err(map_err)?.map(|s| s.0),
        last_review_safe: r.try_get("last_review_safe").map_err(map_err)?,
        received_at: r.try_get::<Stamp, _>("received_at").map_err(map_err)?.0,
        closed_at: r.try_get::<Option<Stamp>, _>("closed_at").map_err(map_err)?.map(|s| s.0),
        version: r.try_get("version").map_err(map_err)?,
        interventions: r.try_get("interventions").map_err(map_err)?,
        assigned_to: r.try_get("assigned_to_id").map_err(map_err)?,
        assigned_name: r.try_get("assigned_name").map_err(map_err)?,
    })
}

const TASK_COLUMNS: &str =
    "t.id, t.case_id, t.unit_id, t.kind, t.assignee_id, a.display_name AS assignee_name, t.due_at, t.done_at, c.full_name AS child_name";
const TASK_FROM: &str =
    "case_task t JOIN child_case k ON k.id = t.case_id JOIN child c ON c.id = k.child_id LEFT JOIN account a ON a.id = t.assignee_id";

fn decode_task(r: &DbRow) -> Result<TaskRecord, StorageError> {
    let kind: String = r.try_get("kind").map_err(map_err)?;
    Ok(TaskRecord {
        id: r.try_get("id").map_err(map_err)?,
        case_id: CaseId(r.try_get("case_id").map_err(map_err)?),
        unit: UnitId(r.try_get("unit_id").map_err(map_err)?),
        kind: TaskKind::parse(&kind).ok_or_else(|| bad("case_task.kind", &kind))?,
        assignee: r.try_get("assignee_id").map_err(map_err)?,
        assignee_name: r.try_get("assignee_name").map_err(map_err)?,
        due_at: r.try_get::<Stamp, _>("due_at").map_err(map_err)?.0,
        done_at: r.try_get::<Option<Stamp>, _>("done_at").map_err(map_err)?.map(|s| s.0),
        child_name: r.try_get("child_name").map_err(map_err)?,
    })
}

/// Inserts a case as received, or as closed at `closed` (`closed` or `closed_unfounded`,
/// when): an import's closed case. Its id is the database's.
pub(crate) async fn insert_case(
    conn: &mut Conn,
    c: &NewCase,
    closed: Option<(CaseState, OffsetDateTime)>,
    now: Stamp,
) -> Result<i64, StorageError> {
    let state = closed.map_or(CaseState::Received, |(s, _)| s);
    sqlx::query_scalar(
        "INSERT INTO child_case (child_id, unit_id, state, source, source_ref, reporter_name, reporter_contact, summary, urgent, received_at, \
         closed_at, created_by_id, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1) RETURNING id",
    )
    .bind(c.child_id)
    .bind(c.unit.0)
    .bind(state.as_str())
    .bind(c.source.as_str())
    .bind(&c.source_ref)
    .bind(&c.reporter_name)
    .bind(&c.reporter_contact)
    .bind(&c.summary)
    .bind(c.urgent)
    .bind(Stamp(c.received_at))
    .bind(closed.map(|(_, at)| Stamp(at)))
    .bind(c.created_by)
    .bind(now)
    .bind(now)
    .fetch_one(&mut *conn)
    .await
    .map_err(map_err)
}

pub(crate) async fn insert_tasks(
    conn: &mut Conn,
    now: OffsetDateTime,
    case_id: CaseId,
    unit: UnitId,
    tasks: &[(TaskKind, OffsetDateTime)],
    assignee: Option<i64>,
) -> Result<(), StorageError> {
    let now = Stamp(now);
    for (kind, due) in tasks {
        // One open task per kind: a step that asks again for work already pending adds nothing.
        sqlx::query(
            "INSERT INTO case_task (case_id, unit_id, kind, assignee_id, due_at, created_at) SELECT $1, $2, $3, $4, $5, $6 \
             WHERE NOT EXISTS (SELECT 1 FROM case_task WHERE case_id = $1 AND kind = $3 AND done_at IS NULL)",
        )
        .bind(case_id.0)
        .bind(unit.0)
        .bind(kind.as_str())
        .bind(assignee)
        .bind(Stamp(*due))
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(map_err)?;
    }
    Ok(())
}

fn with_key(audit: &AuditEvent, id: i64) -> AuditEvent {
    let mut a = audit.clone();
    a.record_key = Some(id.to_string());
    a
}

#[async_trait]
impl CaseStore for DbStore {
    async fn create_case(
        &self,
        c: &NewCase,
        tasks: &[(TaskKind, OffsetDateTime)],
        assignee: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<CaseId, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let id = insert_case(&mut tx, c, None, Stamp(self.clock.now())).await?;
        insert_tasks(&mut tx, self.clock.now(), CaseId(id), c.unit, tasks, assignee).await?;
        append_audit(&mut tx, &*self.clock, &with_key(audit, id)).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(CaseId(id))
    }

    async fn case(&self, id: CaseId, audit: Option<&AuditEvent>) -> Result<Option<CaseRecord>, StorageError> {
        let sql = format!("SELECT {CASE_COLUMNS} FROM child_case k JOIN child c ON c.id = k.child_id WHERE k.id = $1");
        self.fetch_audited(&sql, id.0, audit, decode_case).await
    }

    async fn list_cases(&self, q: &CaseQuery) -> Result<Vec<CaseRecord>, StorageError> {
        if q.units.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {CASE_COLUMNS} FROM child_case k JOIN child c ON c.id = k.child_id WHERE k.unit_id {UNITS_IN} \
             AND (CAST($2 AS TEXT) IS NULL OR k.state = $3) \
             AND ($4 = 0 OR EXISTS (SELECT 1 FROM case_task t WHERE t.case_id = k.id AND t.done_at IS NULL AND t.due_at < $5)) \
             AND {} \
             AND k.id > $6 AND ($9 = 0 OR k.child_id = $9) ORDER BY k.id LIMIT $7",
            opt_in_ids("k.id", 8)
        );
        let state = q.state.map(CaseState::as_str);
        sqlx::query(&sql)
            .bind(unit_list(&q.units))
            .bind(state)
            .bind(state)
            .bind(i64::from(q.overdue_at.is_some()))
            .bind(Stamp(q.overdue_at.unwrap_or_else(|| self.clock.now())))
            .bind(q.after_id.map_or(0, |a| a.0))
            .bind(q.limit)
            .bind(q.ids.as_deref().map(|ids| id_list(ids.iter().map(|id| id.0))))
            .bind(q.child.unwrap_or(0))
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(decode_case)
            .collect()
    }

    async fn apply_case_step(&self, id: CaseId, expected_version: i64, s: &StepWrite, audit: &AuditEvent) -> Result<(), StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let ch = &s.changes;
        let done = sqlx::query(
            "UPDATE child_case SET state = $1, risk_level = COALESCE($2, risk_level), plan_summary = COALESCE($3, plan_summary), \
             plan_approved_by = COALESCE($4, plan_approved_by), review_at = COALESCE($5, review_at), \
             last_review_safe = CASE WHEN $6 = 1 THEN $7 ELSE last_review_safe END, closed_at = COALESCE($8, closed_at), \
             updated_at = $9, version = version + 1 WHERE id = $10 AND version = $11 AND state = $12",
        )
        .bind(s.to.as_str())
        .bind(ch.risk.map(RiskLevel::as_str))
        .bind(&ch.plan_summary)
        .bind(&ch.plan_approved_by)
        .bind(ch.review_at.map(Stamp))
        .bind(i64::from(ch.last_review_safe.is_some()))
        .bind(ch.last_review_safe.flatten())
        .bind(ch.closed_at.map(Stamp))
        .bind(Stamp(s.at))
        .bind(id.0)
        .bind(expected_version)
        .bind(s.from.as_str())
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 0 {
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM child_case WHERE id = $1").bind(id.0).fetch_optional(&mut *tx).await.map_err(map_err)?;
            return Err(if exists.is_some() { StorageError::Conflict("version".into()) } else { StorageError::NotFound });
        }
        sqlx::query(
            "INSERT INTO case_step (case_id, action, from_state, to_state, note, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.0)
        .bind(s.action)
        .bind(s.from.as_str())
        .bind(s.to.as_str())
        .bind(&s.note)
        .bind(s.actor_id)
        .bind(Stamp(s.at))
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        for kind in &s.completes {
            sqlx::query("UPDATE case_task SET done_at = $1 WHERE case_id = $2 AND kind = $3 AND done_at IS NULL")
                .bind(Stamp(s.at))
                .bind(id.0)
                .bind(kind.as_str())
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        }
        let unit: i64 =
            sqlx::query_scalar("SELECT unit_id FROM child_case WHERE id = $1").bind(id.0).fetch_one(&mut *tx).await.map_err(map_err)?;
        insert_tasks(&mut tx, self.clock.now(), id, UnitId(unit), &s.creates, s.assignee).await?;
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn case_steps(&self, case_id: CaseId) -> Result<Vec<StepRecord>, StorageError> {
        let rows = sqlx::query(
            "SELECT s.id, s.action, s.from_state, s.to_state, s.note, a.display_name, s.at FROM case_step s JOIN account a ON a.id = s.actor_id \
             WHERE s.case_id = $1 ORDER BY s.id",
        )
        .bind(case_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(StepRecord {
                    id: r.try_get(0).map_err(map_err)?,
                    action: r.try_get(1).map_err(map_err)?,
                    from: r.try_get(2).map_err(map_err)?,
                    to: r.try_get(3).map_err(map_err)?,
                    note: r.try_get(4).map_err(map_err)?,
                    actor: r.try_get(5).map_err(map_err)?,
                    at: r.try_get::<Stamp, _>("at").map_err(map_err)?.0,
                })
            })
            .collect()
    }

    async fn case_tasks(&self, case_id: CaseId) -> Result<Vec<TaskRecord>, StorageError> {
        let sql = format!("SELECT {TASK_COLUMNS} FROM {TASK_FROM} WHERE t.case_id = $1 ORDER BY t.id");
        sqlx::query(&sql).bind(case_id.0).fetch_all(&self.pool).await.map_err(map_err)?.iter().map(decode_task).collect()
    }

    async fn open_tasks(&self, q: &TaskQuery) -> Result<Vec<TaskRecord>, StorageError> {
        if q.units.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {TASK_COLUMNS} FROM {TASK_FROM} WHERE t.unit_id {UNITS_IN} AND t.done_at IS NULL \
             AND ($2 = 0 OR t.assignee_id = $3) AND t.due_at < $4 ORDER BY t.due_at, t.id LIMIT $5"
        );
        let far = OffsetDateTime::new_utc(Date::MAX, time::Time::MIDNIGHT);
        sqlx::query(&sql)
            .bind(unit_list(&q.units))
            .bind(i64::from(q.assignee.is_some()))
            .bind(q.assignee.unwrap_or(0))
            .bind(Stamp(q.due_before.unwrap_or(far)))
            .bind(q.limit)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(decode_task)
            .collect()
    }

    async fn case_counters(&self, units: &[UnitId], now: OffsetDateTime) -> Result<Vec<(String, i64)>, StorageError> {
        if units.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT k.state, COUNT(*) FROM child_case k WHERE k.unit_id {UNITS_IN} GROUP BY k.state \
             UNION ALL SELECT 'overdue_tasks', COUNT(*) FROM case_task t WHERE t.unit_id {UNITS_IN} AND t.done_at IS NULL AND t.due_at < $2"
        );
        let rows = sqlx::query(&sql).bind(unit_list(units)).bind(Stamp(now)).fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(|r| Ok((r.try_get(0).map_err(map_err)?, r.try_get(1).map_err(map_err)?))).collect()
    }

    async fn add_intervention(
        &self,
        case_id: CaseId,
        kind: &str,
        responsible: &str,
        due_on: Option<Date>,
        audit: &AuditEvent,
    ) -> Result<i64, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let now = Stamp(self.clock.now());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO case_intervention (case_id, kind, responsible, due_on, status, created_at, updated_at, version) VALUES ($1, $2, $3, $4, 'planned', $5, $6, 1) RETURNING id",
        )
        .bind(case_id.0)
        .bind(kind)
        .bind(responsible)
        .bind(due_on)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn set_intervention(
        &self,
        id: i64,
        case_id: CaseId,
        status: &str,
        outcome: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<(), StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE case_intervention SET status = $1, outcome = $2, updated_at = $3, version = version + 1 WHERE id = $4 AND case_id = $5",
        )
        .bind(status)
        .bind(outcome)
        .bind(Stamp(self.clock.now()))
        .bind(id)
        .bind(case_id.0)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound);
        }
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn interventions(&self, case_id: CaseId) -> Result<Vec<InterventionRecord>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, case_id, kind, responsible, due_on, status, outcome, version FROM case_intervention WHERE case_id = $1 ORDER BY id",
        )
        .bind(case_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(InterventionRecord {
                    id: r.try_get(0).map_err(map_err)?,
                    case_id: CaseId(r.try_get(1).map_err(map_err)?),
                    kind: r.try_get(2).map_err(map_err)?,
                    responsible: r.try_get(3).map_err(map_err)?,
                    due_on: r.try_get(4).map_err(map_err)?,
                    status: r.try_get(5).map_err(map_err)?,
                    outcome: r.try_get(6).map_err(map_err)?,
                    version: r.try_get(7).map_err(map_err)?,
                })
            })
            .collect()
    }

    async fn create_provider(
        &self,
        name: &str,
        kind: &str,
        unit: UnitId,
        phone: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<i64, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO service_provider (name, kind, unit_id, phone, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(name)
        .bind(kind)
        .bind(unit.0)
        .bind(phone)
        .bind(Stamp(self.clock.now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_audit(&mut tx, &*self.clock, &with_key(audit, id)).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn providers(&self) -> Result<Vec<ProviderRecord>, StorageError> {
        let rows = sqlx::query("SELECT id, name, kind, unit_id, phone FROM service_provider ORDER BY id")
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(ProviderRecord {
                    id: r.try_get(0).map_err(map_err)?,
                    name: r.try_get(1).map_err(map_err)?,
                    kind: r.try_get(2).map_err(map_err)?,
                    unit: UnitId(r.try_get(3).map_err(map_err)?),
                    phone: r.try_get(4).map_err(map_err)?,
                })
            })
            .collect()
    }

    async fn create_referral(
        &self,
        case_id: CaseId,
        provider_id: i64,
        note: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<i64, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let now = Stamp(self.clock.now());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO referral (case_id, provider_id, status, note, created_at, updated_at, version) VALUES ($1, $2, 'sent', $3, $4, $5, 1) RETURNING id",
        )
        .bind(case_id.0)
        .bind(provider_id)
        .bind(note)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn set_referral(
        &self,
        id: i64,
        case_id: CaseId,
        from: &[&str],
        status: &str,
        reason: Option<&str>,
        audit: &AuditEvent,
    ) -> Result<(), StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let current: Option<String> = sqlx::query_scalar("SELECT status FROM referral WHERE id = $1 AND case_id = $2")
            .bind(id)
            .bind(case_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        match current {
            None => return Err(StorageError::NotFound),
            Some(c) if !from.contains(&c.as_str()) => return Err(StorageError::Conflict("status".into())),
            Some(_) => {}
        }
        sqlx::query("UPDATE referral SET status = $1, reason = COALESCE($2, reason), updated_at = $3, version = version + 1 WHERE id = $4")
            .bind(status)
            .bind(reason)
            .bind(Stamp(self.clock.now()))
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn assign_case(
        &self,
        id: CaseId,
        expected_version: i64,
        account_id: Option<i64>,
        audit: &AuditEvent,
    ) -> Result<(), StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let done =
            sqlx::query("UPDATE child_case SET assigned_to_id = $1, updated_at = $2, version = version + 1 WHERE id = $3 AND version = $4")
                .bind(account_id)
                .bind(Stamp(self.clock.now()))
                .bind(id.0)
                .bind(expected_version)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(missing_or_stale(&mut tx, id).await?);
        }
        // The case's open tasks go to the person now managing it ("my tasks").
        sqlx::query("UPDATE case_task SET assignee_id = $1 WHERE case_id = $2 AND done_at IS NULL")
            .bind(account_id)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn transfer_case(&self, id: CaseId, expected_version: i64, t: &TransferWrite, audit: &AuditEvent) -> Result<(), StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let from: Option<i64> = sqlx::query_scalar("SELECT unit_id FROM child_case WHERE id = $1 AND version = $2")
            .bind(id.0)
            .bind(expected_version)
            .fetch_optional(&mut *tx)
            .await
            .map_err(map_err)?;
        let Some(from) = from else { return Err(missing_or_stale(&mut tx, id).await?) };
        // The case leaves the old commune whole: its unit, its open tasks, and whoever
        // managed it there (the new commune assigns its own worker).
        sqlx::query("UPDATE child_case SET unit_id = $1, assigned_to_id = NULL, updated_at = $2, version = version + 1 WHERE id = $3")
            .bind(t.to_unit.0)
            .bind(Stamp(t.at))
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query("UPDATE case_task SET unit_id = $1, assignee_id = NULL WHERE case_id = $2 AND done_at IS NULL")
            .bind(t.to_unit.0)
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        sqlx::query("INSERT INTO case_transfer (case_id, from_unit_id, to_unit_id, reason, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.0)
            .bind(from)
            .bind(t.to_unit.0)
            .bind(&t.reason)
            .bind(t.actor_id)
            .bind(Stamp(t.at))
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn case_transfers(&self, case_id: CaseId) -> Result<Vec<TransferRecord>, StorageError> {
        let rows = sqlx::query(
            "SELECT t.id, t.from_unit_id, t.to_unit_id, t.reason, a.display_name AS actor_name, t.at FROM case_transfer t \
             JOIN account a ON a.id = t.actor_id WHERE t.case_id = $1 ORDER BY t.id",
        )
        .bind(case_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(TransferRecord {
                    id: r.try_get("id").map_err(map_err)?,
                    from_unit: UnitId(r.try_get("from_unit_id").map_err(map_err)?),
                    to_unit: UnitId(r.try_get("to_unit_id").map_err(map_err)?),
                    reason: r.try_get("reason").map_err(map_err)?,
                    actor_name: r.try_get("actor_name").map_err(map_err)?,
                    at: r.try_get::<Stamp, _>("at").map_err(map_err)?.0,
                })
            })
            .collect()
    }

    async fn referrals(&self, case_id: CaseId) -> Result<Vec<ReferralRecord>, StorageError> {
        let rows = sqlx::query(
            "SELECT r.id, r.case_id, r.provider_id, p.name, r.status, r.note, r.reason, r.updated_at, r.version FROM referral r \
             JOIN service_provider p ON p.id = r.provider_id WHERE r.case_id = $1 ORDER BY r.id",
        )
        .bind(case_id.0)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(ReferralRecord {
                    id: r.try_get(0).map_err(map_err)?,
                    case_id: CaseId(r.try_get(1).map_err(map_err)?),
                    provider_id: r.try_get(2).map_err(map_err)?,
                    provider_name: r.try_get(3).map_err(map_err)?,
                    status: r.try_get(4).map_err(map_err)?,
                    note: r.try_get(5).map_err(map_err)?,
                    reason: r.try_get(6).map_err(map_err)?,
                    updated_at: r.try_get::<Stamp, _>("updated_at").map_err(map_err)?.0,
                    version: r.try_get(8).map_err(map_err)?,
                })
            })
            .collect()
    }
}

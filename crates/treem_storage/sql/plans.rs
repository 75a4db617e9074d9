//! Plans: the SQL of both engines, written once (`crates/treem_storage/sql/README.md`).

use async_trait::async_trait;
use sqlx::Row;
use treem_domain::audit::AuditEvent;
use treem_domain::units::UnitId;
use treem_storage::{IndicatorRow, PlanRow, PlanStore, PublicReleaseRow, StorageError, UnitStatusRow};

use crate::accounts::{append_audit, append_audit_for};
use crate::dialect::*;

#[async_trait]
impl PlanStore for DbStore {
    async fn save_plan(&self, p: &PlanRow, audit: &AuditEvent) -> Result<bool, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let existed: Option<i64> =
            sqlx::query_scalar("SELECT id FROM plan WHERE code = $1").bind(&p.code).fetch_optional(&mut *tx).await.map_err(map_err)?;
        let now = Stamp(self.clock.now());
        sqlx::query(
            "INSERT INTO plan (code, title_vi, issued_year, period_from, period_to, document, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1) \
             ON CONFLICT (code) DO UPDATE SET title_vi = excluded.title_vi, issued_year = excluded.issued_year, period_from = excluded.period_from, \
             period_to = excluded.period_to, document = excluded.document, updated_at = excluded.updated_at, version = plan.version + 1",
        )
        .bind(&p.code)
        .bind(&p.title_vi)
        .bind(p.issued_year)
        .bind(p.period_from)
        .bind(p.period_to)
        .bind(&p.document)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(existed.is_none())
    }

    async fn plans(&self) -> Result<Vec<PlanRow>, StorageError> {
        let rows = sqlx::query(
            "SELECT code, title_vi, issued_year, period_from, period_to, document, version FROM plan ORDER BY period_from, code",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(PlanRow {
                    code: r.try_get(0).map_err(map_err)?,
                    title_vi: r.try_get(1).map_err(map_err)?,
                    issued_year: r.try_get(2).map_err(map_err)?,
                    period_from: r.try_get(3).map_err(map_err)?,
                    period_to: r.try_get(4).map_err(map_err)?,
                    document: r.try_get(5).map_err(map_err)?,
                    version: r.try_get(6).map_err(map_err)?,
                })
            })
            .collect()
    }

    async fn add_unit_status(&self, st: &UnitStatusRow, created_by: i64, audit: &AuditEvent) -> Result<i64, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO unit_status (unit_id, kind, valid_from, valid_to, decision, created_by_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(st.unit.0)
        .bind(&st.kind)
        .bind(st.valid_from)
        .bind(st.valid_to)
        .bind(&st.decision)
        .bind(created_by)
        .bind(Stamp(self.clock.now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_audit_for(&mut tx, &*self.clock, audit, id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn end_unit_status(&self, id: i64, valid_to: time::Date, audit: &AuditEvent) -> Result<bool, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let done = sqlx::query("UPDATE unit_status SET valid_to = $1 WHERE id = $2")
            .bind(valid_to)
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }

    async fn unit_statuses(&self) -> Result<Vec<UnitStatusRow>, StorageError> {
        let rows = sqlx::query("SELECT id, unit_id, kind, valid_from, valid_to, decision FROM unit_status ORDER BY valid_from, id")
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(UnitStatusRow {
                    id: r.try_get(0).map_err(map_err)?,
                    unit: UnitId(r.try_get(1).map_err(map_err)?),
                    kind: r.try_get(2).map_err(map_err)?,
                    valid_from: r.try_get(3).map_err(map_err)?,
                    valid_to: r.try_get(4).map_err(map_err)?,
                    decision: r.try_get(5).map_err(map_err)?,
                })
            })
            .collect()
    }

    async fn indicator_definitions(&self) -> Result<Vec<IndicatorRow>, StorageError> {
        let rows = sqlx::query("SELECT code, document, revision, saved_by_id, saved_at FROM indicator_definition ORDER BY code")
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(IndicatorRow {
                    code: r.try_get(0).map_err(map_err)?,
                    document: r.try_get(1).map_err(map_err)?,
                    revision: r.try_get(2).map_err(map_err)?,
                    saved_by: r.try_get(3).map_err(map_err)?,
                    saved_at: treem_domain::audit::timestamp_text(r.try_get::<Stamp, _>("saved_at").map_err(map_err)?.0),
                })
            })
            .collect()
    }

    async fn save_indicator_definition(
        &self,
        row: &IndicatorRow,
        base_revision: i64,
        saved_by: i64,
        audit: &AuditEvent,
    ) -> Result<i64, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let now = Stamp(self.clock.now());
        let done = if base_revision == 0 {
            // A first save: refused (as stale) when another one got there first.
            sqlx::query(
                "INSERT INTO indicator_definition (code, document, revision, saved_by_id, saved_at) VALUES ($1, $2, 1, $3, $4) ON CONFLICT (code) DO NOTHING",
            )
            .bind(&row.code)
            .bind(&row.document)
            .bind(saved_by)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
        } else {
            sqlx::query(
                "UPDATE indicator_definition SET document = $1, revision = revision + 1, saved_by_id = $2, saved_at = $3 WHERE code = $4 AND revision = $5",
            )
            .bind(&row.document)
            .bind(saved_by)
            .bind(now)
            .bind(&row.code)
            .bind(base_revision)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?
        };
        if done.rows_affected() == 0 {
            return Err(StorageError::Conflict("revision".into()));
        }
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(base_revision + 1)
    }
    async fn public_releases(&self, plan_code: &str) -> Result<Vec<PublicReleaseRow>, StorageError> {
        let rows = sqlx::query("SELECT plan_code, year, published_at, body FROM public_release WHERE plan_code = $1 ORDER BY year")
            .bind(plan_code)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(PublicReleaseRow {
                    plan_code: r.try_get(0).map_err(map_err)?,
                    year: r.try_get(1).map_err(map_err)?,
                    published_at: r.try_get::<Stamp, _>("published_at").map_err(map_err)?.0,
                    body: r.try_get(3).map_err(map_err)?,
                })
            })
            .collect()
    }

    async fn add_public_release(&self, row: &PublicReleaseRow, audit: &AuditEvent) -> Result<bool, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        // A release is never replaced: the first one stored for a year is the one published.
        let done = sqlx::query(
            "INSERT INTO public_release (plan_code, year, published_at, body) VALUES ($1, $2, $3, $4) ON CONFLICT (plan_code, year) DO NOTHING",
        )
        .bind(&row.plan_code)
        .bind(row.year)
        .bind(Stamp(row.published_at))
        .bind(&row.body)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(true)
    }
}

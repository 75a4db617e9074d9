//! Plans on PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use treem_domain::audit::{now_utc, AuditEvent};
use treem_storage::{PlanRow, PlanStore, StorageError};

use crate::accounts::append_audit;
use crate::{map_err, ts, PgStore};

#[async_trait]
impl PlanStore for PgStore {
    async fn save_plan(&self, p: &PlanRow, audit: &AuditEvent) -> Result<bool, StorageError> {
        let mut tx = self.pool.begin().await.map_err(map_err)?;
        let existed: Option<i64> =
            sqlx::query_scalar("SELECT id FROM plan WHERE code = $1").bind(&p.code).fetch_optional(&mut *tx).await.map_err(map_err)?;
        let now = ts(now_utc());
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
        append_audit(&mut tx, audit).await?;
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
}

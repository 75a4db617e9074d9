//! Reported values and fund movements on SQLite.

use async_trait::async_trait;
use sqlx::Row;
use treem_domain::audit::{now_utc, AuditEvent};
use treem_domain::fund::FundMovement;
use treem_domain::units::UnitId;
use treem_storage::reported::audit_with_values;
use treem_storage::{FundFilter, FundStore, ReportedFilter, ReportedRow, ReportedStore, StorageError};

use crate::accounts::{append_audit, append_audit_for};
use crate::{map_err, read_ts, ts, SqliteStore};

#[async_trait]
impl ReportedStore for SqliteStore {
    async fn save_reported(&self, rows: &[(ReportedRow, AuditEvent)], reported_by: i64) -> Result<Vec<Option<i64>>, StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(map_err)?;
        let now = ts(now_utc());
        let mut out = Vec::with_capacity(rows.len());
        for (row, audit) in rows {
            let old: Option<i64> =
                sqlx::query_scalar("SELECT value FROM reported_value WHERE element = ? AND unit_id = ? AND year = ? AND sex = ?")
                    .bind(&row.element)
                    .bind(row.unit.0)
                    .bind(i64::from(row.year))
                    .bind(&row.sex)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
            sqlx::query(
                "INSERT INTO reported_value (element, unit_id, year, sex, value, note, reported_by_id, reported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (element, unit_id, year, sex) DO UPDATE SET value = excluded.value, note = excluded.note, \
                 reported_by_id = excluded.reported_by_id, reported_at = excluded.reported_at",
            )
            .bind(&row.element)
            .bind(row.unit.0)
            .bind(i64::from(row.year))
            .bind(&row.sex)
            .bind(row.value)
            .bind(&row.note)
            .bind(reported_by)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            append_audit(&mut tx, &audit_with_values(audit, old, row.value)).await?;
            out.push(old);
        }
        tx.commit().await.map_err(map_err)?;
        Ok(out)
    }

    async fn reported_values(&self, filter: &ReportedFilter) -> Result<Vec<ReportedRow>, StorageError> {
        let mut sql =
            "SELECT element, unit_id, year, sex, value, note, reported_by_id, reported_at FROM reported_value WHERE 1 = 1".to_owned();
        if filter.year.is_some() {
            sql.push_str(" AND year = ?");
        }
        if filter.element.is_some() {
            sql.push_str(" AND element = ?");
        }
        if filter.units.is_some() {
            sql.push_str(" AND unit_id IN (SELECT value FROM json_each(?))");
        }
        sql.push_str(" ORDER BY year, element, unit_id, sex");
        let mut q = sqlx::query(&sql);
        if let Some(y) = filter.year {
            q = q.bind(i64::from(y));
        }
        if let Some(e) = &filter.element {
            q = q.bind(e);
        }
        if let Some(units) = &filter.units {
            q = q.bind(format!("[{}]", units.iter().map(|u| u.0.to_string()).collect::<Vec<_>>().join(",")));
        }
        let rows = q.fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter()
            .map(|r| {
                let year: i64 = r.try_get(2).map_err(map_err)?;
                Ok(ReportedRow {
                    element: r.try_get(0).map_err(map_err)?,
                    unit: UnitId(r.try_get(1).map_err(map_err)?),
                    year: i32::try_from(year).unwrap_or(0),
                    sex: r.try_get(3).map_err(map_err)?,
                    value: r.try_get(4).map_err(map_err)?,
                    note: r.try_get(5).map_err(map_err)?,
                    reported_by: r.try_get(6).map_err(map_err)?,
                    reported_at: Some(read_ts(r, "reported_at")?),
                })
            })
            .collect()
    }
}

#[async_trait]
impl FundStore for SqliteStore {
    async fn record_fund_movement(&self, m: &FundMovement, recorded_by: i64, audit: &AuditEvent) -> Result<i64, StorageError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(map_err)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO fund_movement (unit_id, moved_on, direction, source, purpose, amount, note, recorded_by_id, recorded_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(m.unit.0)
        .bind(m.moved_on)
        .bind(&m.direction)
        .bind(&m.source)
        .bind(&m.purpose)
        .bind(m.amount)
        .bind(&m.note)
        .bind(recorded_by)
        .bind(ts(now_utc()))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_audit_for(&mut tx, audit, id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn fund_movements(&self, filter: &FundFilter) -> Result<Vec<FundMovement>, StorageError> {
        let mut sql = "SELECT id, unit_id, moved_on, direction, source, purpose, amount, note FROM fund_movement WHERE 1 = 1".to_owned();
        if filter.from.is_some() {
            sql.push_str(" AND moved_on >= ?");
        }
        if filter.to.is_some() {
            sql.push_str(" AND moved_on <= ?");
        }
        sql.push_str(" ORDER BY moved_on, id");
        let mut q = sqlx::query(&sql);
        if let Some(d) = filter.from {
            q = q.bind(d);
        }
        if let Some(d) = filter.to {
            q = q.bind(d);
        }
        let rows = q.fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(FundMovement {
                    id: r.try_get(0).map_err(map_err)?,
                    unit: UnitId(r.try_get(1).map_err(map_err)?),
                    moved_on: r.try_get(2).map_err(map_err)?,
                    direction: r.try_get(3).map_err(map_err)?,
                    source: r.try_get(4).map_err(map_err)?,
                    purpose: r.try_get(5).map_err(map_err)?,
                    amount: r.try_get(6).map_err(map_err)?,
                    note: r.try_get(7).map_err(map_err)?,
                })
            })
            .collect()
    }
}

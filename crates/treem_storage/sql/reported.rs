//! Reported values and fund movements: the SQL of both engines, written once (`crates/treem_storage/sql/README.md`).

use async_trait::async_trait;
use sqlx::Row;
use treem_domain::audit::AuditEvent;
use treem_domain::fund::FundMovement;
use treem_domain::units::UnitId;
use treem_storage::reported::audit_with_values;
use treem_storage::{FundFilter, FundStore, ReportedFilter, ReportedRow, ReportedStore, StorageError};

use crate::accounts::{append_audit, append_audit_for};
use crate::dialect::*;

#[async_trait]
impl ReportedStore for DbStore {
    async fn save_reported(&self, rows: &[(ReportedRow, AuditEvent)], reported_by: i64) -> Result<Vec<Option<i64>>, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        // Reading the old value and writing the new one must not interleave with another save.
        lock_tables(&mut tx, "reported_value").await?;
        let now = Stamp(self.clock.now());
        let mut out = Vec::with_capacity(rows.len());
        for (row, audit) in rows {
            let old: Option<i64> =
                sqlx::query_scalar("SELECT value FROM reported_value WHERE element = $1 AND unit_id = $2 AND year = $3 AND sex = $4")
                    .bind(&row.element)
                    .bind(row.unit.0)
                    .bind(i64::from(row.year))
                    .bind(&row.sex)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(map_err)?;
            sqlx::query(
                "INSERT INTO reported_value (element, unit_id, year, sex, value, note, reported_by_id, reported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
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
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
            append_audit(&mut tx, &*self.clock, &audit_with_values(audit, old, row.value)).await?;
            out.push(old);
        }
        tx.commit().await.map_err(map_err)?;
        Ok(out)
    }

    async fn reported_values(&self, filter: &ReportedFilter) -> Result<Vec<ReportedRow>, StorageError> {
        let mut sql =
            "SELECT element, unit_id, year, sex, value, note, reported_by_id, reported_at FROM reported_value WHERE 1 = 1".to_owned();
        let mut n = 0;
        let mut next = || {
            n += 1;
            n
        };
        if filter.year.is_some() {
            sql.push_str(&format!(" AND year = ${}", next()));
        }
        if filter.element.is_some() {
            sql.push_str(&format!(" AND element = ${}", next()));
        }
        if filter.units.is_some() {
            sql.push_str(&format!(" AND {}", in_ids("unit_id", next())));
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
            q = q.bind(id_list(units.iter().map(|u| u.0)));
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
                    reported_at: Some(r.try_get::<Stamp, _>("reported_at").map_err(map_err)?.0),
                })
            })
            .collect()
    }
}

#[async_trait]
impl FundStore for DbStore {
    async fn record_fund_movement(&self, m: &FundMovement, recorded_by: i64, audit: &AuditEvent) -> Result<i64, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO fund_movement (unit_id, moved_on, direction, source, purpose, amount, note, recorded_by_id, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(m.unit.0)
        .bind(m.moved_on)
        .bind(&m.direction)
        .bind(&m.source)
        .bind(&m.purpose)
        .bind(m.amount)
        .bind(&m.note)
        .bind(recorded_by)
        .bind(Stamp(self.clock.now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_audit_for(&mut tx, &*self.clock, audit, id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn fund_movements(&self, filter: &FundFilter) -> Result<Vec<FundMovement>, StorageError> {
        let mut sql = "SELECT id, unit_id, moved_on, direction, source, purpose, amount, note FROM fund_movement WHERE 1 = 1".to_owned();
        let mut n = 0;
        if filter.from.is_some() {
            n += 1;
            sql.push_str(&format!(" AND moved_on >= ${n}"));
        }
        if filter.to.is_some() {
            n += 1;
            sql.push_str(&format!(" AND moved_on <= ${n}"));
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

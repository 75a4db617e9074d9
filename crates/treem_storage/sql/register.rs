//! The child register beyond the core record,: the SQL of both engines, written once (`crates/treem_storage/sql/README.md`).

use async_trait::async_trait;
use sqlx::Row;
use time::Date;
use treem_domain::audit::AuditEvent;
use treem_domain::register::Consent;
use treem_domain::units::UnitId;
use treem_storage::{
    CaregiverRecord, ChildProfile, ConsentRecord, Dated, DatedRecord, HouseholdRecord, NewDated, RegisterStore, StorageError,
};

use crate::accounts::append_audit;
use crate::dialect::*;

fn dated_sql(table: Dated) -> (&'static str, &'static str) {
    match table {
        Dated::Circumstance => ("child_circumstance", "group_code"),
        Dated::Risk => ("child_risk", "factors"),
    }
}

#[async_trait]
impl RegisterStore for DbStore {
    async fn profile(&self, child_id: i64) -> Result<ChildProfile, StorageError> {
        let r =
            sqlx::query("SELECT household_id, disability, school_status, health_insurance, birth_registered_on FROM child WHERE id = $1")
                .bind(child_id)
                .fetch_one(&self.pool)
                .await
                .map_err(map_err)?;
        Ok(ChildProfile {
            household_id: r.try_get(0).map_err(map_err)?,
            disability: r.try_get(1).map_err(map_err)?,
            school_status: r.try_get(2).map_err(map_err)?,
            health_insurance: r.try_get(3).map_err(map_err)?,
            birth_registered_on: r.try_get(4).map_err(map_err)?,
        })
    }

    async fn set_profile(&self, child_id: i64, p: &ChildProfile, audit: &AuditEvent) -> Result<(), StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE child SET household_id = $1, disability = $2, school_status = $3, health_insurance = $4, birth_registered_on = $5, updated_at = $6, \
             version = version + 1 WHERE id = $7",
        )
        .bind(p.household_id)
        .bind(p.disability)
        .bind(&p.school_status)
        .bind(p.health_insurance)
        .bind(p.birth_registered_on)
        .bind(Stamp(self.clock.now()))
        .bind(child_id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(StorageError::NotFound);
        }
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn add_dated(&self, table: Dated, row: &NewDated<'_>, audit: &AuditEvent) -> Result<i64, StorageError> {
        let (t, col) = dated_sql(table);
        let mut tx = begin_write(&self.pool).await?;
        let sql = format!(
            "INSERT INTO {t} (id, child_id, {col}, began_on, ended_on, created_at) {OVERRIDING} VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
        );
        let id: i64 = sqlx::query_scalar(&sql)
            .bind(row.id)
            .bind(row.child_id)
            .bind(row.what)
            .bind(row.began_on)
            .bind(row.ended_on)
            .bind(Stamp(self.clock.now()))
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn end_dated(&self, table: Dated, child_id: i64, id: i64, ended_on: Date, audit: &AuditEvent) -> Result<(), StorageError> {
        let (t, _) = dated_sql(table);
        let mut tx = begin_write(&self.pool).await?;
        let sql = format!("UPDATE {t} SET ended_on = $1 WHERE id = $2 AND child_id = $3 AND ended_on IS NULL AND began_on <= $4");
        let done = sqlx::query(&sql).bind(ended_on).bind(id).bind(child_id).bind(ended_on).execute(&mut *tx).await.map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(StorageError::Conflict("ended_on".into()));
        }
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn dated(&self, table: Dated, child_id: i64) -> Result<Vec<DatedRecord>, StorageError> {
        let (t, col) = dated_sql(table);
        let sql = format!("SELECT id, {col}, began_on, ended_on FROM {t} WHERE child_id = $1 ORDER BY began_on, id");
        let rows = sqlx::query(&sql).bind(child_id).fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(DatedRecord {
                    id: r.try_get(0).map_err(map_err)?,
                    what: r.try_get(1).map_err(map_err)?,
                    began_on: r.try_get(2).map_err(map_err)?,
                    ended_on: r.try_get(3).map_err(map_err)?,
                })
            })
            .collect()
    }

    async fn add_caregiver(&self, child_id: i64, c: &CaregiverRecord, audit: &AuditEvent) -> Result<i64, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO child_caregiver (child_id, name, relation, legal_representative, phone, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(child_id)
        .bind(&c.name)
        .bind(&c.relation)
        .bind(c.legal_representative)
        .bind(&c.phone)
        .bind(Stamp(self.clock.now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn caregivers(&self, child_id: i64) -> Result<Vec<CaregiverRecord>, StorageError> {
        let rows =
            sqlx::query("SELECT id, name, relation, legal_representative, phone FROM child_caregiver WHERE child_id = $1 ORDER BY id")
                .bind(child_id)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(CaregiverRecord {
                    id: r.try_get(0).map_err(map_err)?,
                    name: r.try_get(1).map_err(map_err)?,
                    relation: r.try_get(2).map_err(map_err)?,
                    legal_representative: r.try_get(3).map_err(map_err)?,
                    phone: r.try_get(4).map_err(map_err)?,
                })
            })
            .collect()
    }

    async fn add_consent(&self, child_id: i64, c: &Consent, recorded_by: i64, audit: &AuditEvent) -> Result<i64, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO child_consent (child_id, kind, given_by, given_on, scope, recorded_by_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(child_id)
        .bind(c.kind)
        .bind(&c.given_by)
        .bind(c.given_on)
        .bind(&c.scope)
        .bind(recorded_by)
        .bind(Stamp(self.clock.now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn withdraw_consent(&self, child_id: i64, id: i64, on: Date, audit: &AuditEvent) -> Result<(), StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let done = sqlx::query(
            "UPDATE child_consent SET withdrawn_on = $1 WHERE id = $2 AND child_id = $3 AND withdrawn_on IS NULL AND given_on <= $4",
        )
        .bind(on)
        .bind(id)
        .bind(child_id)
        .bind(on)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        if done.rows_affected() == 0 {
            return Err(StorageError::Conflict("withdrawn_on".into()));
        }
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn consents(&self, child_id: i64) -> Result<Vec<ConsentRecord>, StorageError> {
        let rows =
            sqlx::query("SELECT id, kind, given_by, given_on, scope, withdrawn_on FROM child_consent WHERE child_id = $1 ORDER BY id")
                .bind(child_id)
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(ConsentRecord {
                    id: r.try_get(0).map_err(map_err)?,
                    kind: r.try_get(1).map_err(map_err)?,
                    given_by: r.try_get(2).map_err(map_err)?,
                    given_on: r.try_get(3).map_err(map_err)?,
                    scope: r.try_get(4).map_err(map_err)?,
                    withdrawn_on: r.try_get(5).map_err(map_err)?,
                })
            })
            .collect()
    }

    async fn upsert_household(&self, unit: UnitId, code: &str, head_name: &str, audit: &AuditEvent) -> Result<i64, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let now = Stamp(self.clock.now());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO household (code, head_name, unit_id, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, 1) \
             ON CONFLICT (unit_id, code) DO UPDATE SET head_name = excluded.head_name, updated_at = excluded.updated_at, version = household.version + 1 RETURNING id",
        )
        .bind(code)
        .bind(head_name)
        .bind(unit.0)
        .bind(now)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(id)
    }

    async fn set_poverty(&self, household_id: i64, year: i64, status: &str, audit: &AuditEvent) -> Result<(), StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        sqlx::query(
            "INSERT INTO household_poverty (household_id, year, status) VALUES ($1, $2, $3) ON CONFLICT (household_id, year) DO UPDATE SET status = excluded.status",
        )
        .bind(household_id)
        .bind(year)
        .bind(status)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
        append_audit(&mut tx, &*self.clock, audit).await?;
        tx.commit().await.map_err(map_err)
    }

    async fn household(&self, id: i64) -> Result<Option<HouseholdRecord>, StorageError> {
        let Some(r) = sqlx::query("SELECT id, code, head_name, unit_id FROM household WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(map_err)?
        else {
            return Ok(None);
        };
        let poverty = sqlx::query("SELECT year, status FROM household_poverty WHERE household_id = $1 ORDER BY year")
            .bind(id)
            .fetch_all(&self.pool)
            .await
            .map_err(map_err)?
            .iter()
            .map(|p| Ok((p.try_get(0).map_err(map_err)?, p.try_get(1).map_err(map_err)?)))
            .collect::<Result<Vec<(i64, String)>, StorageError>>()?;
        Ok(Some(HouseholdRecord {
            id: r.try_get(0).map_err(map_err)?,
            code: r.try_get(1).map_err(map_err)?,
            head_name: r.try_get(2).map_err(map_err)?,
            unit: UnitId(r.try_get(3).map_err(map_err)?),
            poverty,
        }))
    }
}

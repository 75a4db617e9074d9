//! Bulk imports: the SQL of both engines, written once (`crates/treem_storage/sql/README.md`).

use async_trait::async_trait;
use sqlx::Row;
use treem_domain::audit::AuditEvent;
use treem_domain::child::HivStatus;
use treem_storage::{ImportBatch, ImportBatchRecord, ImportOutcome, ImportStore, StorageError};

use crate::accounts::append_audit_for;
use crate::dialect::*;

const KIND: &str = "children";

#[async_trait]
impl ImportStore for DbStore {
    async fn imported_keys(&self, keys: &[String]) -> Result<Vec<String>, StorageError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(500) {
            let sql = format!("SELECT import_key FROM import_record WHERE kind = $1 AND {} ORDER BY import_key", in_texts("import_key", 2));
            let rows: Vec<String> = sqlx::query_scalar(&sql)
                .bind(KIND)
                .bind(text_list(chunk.iter().map(String::as_str)))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
            found.extend(rows);
        }
        Ok(found)
    }

    async fn import_children(&self, batch: &ImportBatch, created_by: i64, audit: &AuditEvent) -> Result<ImportOutcome, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let now = Stamp(self.clock.now());
        let batch_id: i64 = sqlx::query_scalar(
            "INSERT INTO import_batch (kind, file_name, checksum, added, skipped, created_by_id, created_at) VALUES ($1, $2, $3, 0, 0, $4, $5) RETURNING id",
        )
        .bind(KIND)
        .bind(&batch.file_name)
        .bind(&batch.checksum)
        .bind(created_by)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .map_err(map_err)?;
        let mut out = ImportOutcome { batch_id, ..ImportOutcome::default() };
        for (index, row) in batch.children.iter().enumerate() {
            let known: Option<i64> = sqlx::query_scalar("SELECT child_id FROM import_record WHERE kind = $1 AND import_key = $2")
                .bind(KIND)
                .bind(&row.key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
            if known.is_some() {
                out.skipped.push(index);
                continue;
            }
            let c = &row.fields;
            let household = match &row.household {
                None => None,
                Some((code, head, poverty)) => {
                    let h: i64 = sqlx::query_scalar(
                        "INSERT INTO household (code, head_name, unit_id, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, 1) \
                         ON CONFLICT (unit_id, code) DO UPDATE SET head_name = excluded.head_name, updated_at = excluded.updated_at, \
                         version = household.version + 1 RETURNING id",
                    )
                    .bind(code)
                    .bind(head)
                    .bind(c.residence_unit.0)
                    .bind(now)
                    .bind(now)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(map_err)?;
                    if let Some((year, status)) = poverty {
                        sqlx::query(
                            "INSERT INTO household_poverty (household_id, year, status) VALUES ($1, $2, $3) \
                             ON CONFLICT (household_id, year) DO UPDATE SET status = excluded.status",
                        )
                        .bind(h)
                        .bind(year)
                        .bind(*status)
                        .execute(&mut *tx)
                        .await
                        .map_err(map_err)?;
                    }
                    if !out.households.contains(&h) {
                        out.households.push(h);
                    }
                    Some(h)
                }
            };
            let child: i64 = sqlx::query_scalar(
                "INSERT INTO child (full_name, name_search, sex, birth_date, residence_unit_id, registered_on, hiv_status, abuse_notes, offence_notes, \
                 created_by_id, created_at, updated_at, version, birth_date_estimated, name_order, household_id) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $14, $15) RETURNING id",
            )
            .bind(&c.full_name)
            .bind(&c.name_search)
            .bind(c.sex.as_str())
            .bind(c.birth_date)
            .bind(c.residence_unit.0)
            .bind(c.registered_on)
            .bind(c.hiv_status.map(HivStatus::as_str))
            .bind(&c.abuse_notes)
            .bind(&c.offence_notes)
            .bind(created_by)
            .bind(now)
            .bind(now)
            .bind(c.birth_date_estimated)
            .bind(treem_domain::text::person_sort_bytes(&c.full_name))
            .bind(household)
            .fetch_one(&mut *tx)
            .await
            .map_err(map_err)?;
            for (id, group, began) in &row.circumstances {
                sqlx::query(&format!(
                    "INSERT INTO child_circumstance (id, child_id, group_code, began_on, ended_on, created_at) {OVERRIDING} VALUES ($1, $2, $3, $4, NULL, $5)"
                ))
                .bind(id)
                .bind(child)
                .bind(*group)
                .bind(*began)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            }
            if let Some(g) = &row.caregiver {
                sqlx::query(
                    "INSERT INTO child_caregiver (child_id, name, relation, legal_representative, phone, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(child)
                .bind(&g.name)
                .bind(&g.relation)
                .bind(g.legal_representative)
                .bind(&g.phone)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            }
            sqlx::query("INSERT INTO import_record (batch_id, kind, import_key, child_id) VALUES ($1, $2, $3, $4)")
                .bind(batch_id)
                .bind(KIND)
                .bind(&row.key)
                .bind(child)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            out.added.push(child);
        }
        sqlx::query("UPDATE import_batch SET added = $1, skipped = $2 WHERE id = $3")
            .bind(i64::try_from(out.added.len()).unwrap_or(i64::MAX))
            .bind(i64::try_from(out.skipped.len()).unwrap_or(i64::MAX))
            .bind(batch_id)
            .execute(&mut *tx)
            .await
            .map_err(map_err)?;
        append_audit_for(&mut tx, &*self.clock, audit, batch_id).await?;
        tx.commit().await.map_err(map_err)?;
        Ok(out)
    }

    async fn import_batches(&self, limit: i64) -> Result<Vec<ImportBatchRecord>, StorageError> {
        let rows = sqlx::query(
            "SELECT id, kind, file_name, checksum, added, skipped, created_by_id, created_at FROM import_batch ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(ImportBatchRecord {
                    id: r.try_get(0).map_err(map_err)?,
                    kind: r.try_get(1).map_err(map_err)?,
                    file_name: r.try_get(2).map_err(map_err)?,
                    checksum: r.try_get(3).map_err(map_err)?,
                    added: r.try_get(4).map_err(map_err)?,
                    skipped: r.try_get(5).map_err(map_err)?,
                    created_by: r.try_get(6).map_err(map_err)?,
                    created_at: r.try_get::<Stamp, _>(7).map_err(map_err)?.0,
                })
            })
            .collect()
    }
}

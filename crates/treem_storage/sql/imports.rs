//! Bulk imports: the SQL of both engines, written once (`crates/treem_storage/sql/README.md`).

use async_trait::async_trait;
use sqlx::{QueryBuilder, Row};
use std::collections::{BTreeMap, HashMap, HashSet};
use treem_domain::audit::AuditEvent;
use treem_domain::child::HivStatus;
use treem_storage::{
    CaregiverRecord, CaseImportBatch, ImportBatch, ImportBatchRecord, ImportChild, ImportOutcome, ImportStore, IncidentImportBatch,
    StorageError,
};

use crate::accounts::append_audit_for;
use crate::dialect::*;

const KIND: &str = "children";
const INCIDENTS: &str = "incidents";
const CASES: &str = "cases";

/// Rows per INSERT: under PostgreSQL's 65,535 bound parameters (17 per child) and SQLite's 32,766.
const CHUNK: usize = 500;

/// Begins a file's batch (its counts are set by [`close_batch`]).
async fn open_batch(
    tx: &mut sqlx::Transaction<'static, Db>,
    kind: &str,
    file_name: &str,
    checksum: &str,
    created_by: i64,
    now: Stamp,
) -> Result<i64, StorageError> {
    sqlx::query_scalar(
        "INSERT INTO import_batch (kind, file_name, checksum, added, skipped, created_by_id, created_at) VALUES ($1, $2, $3, 0, 0, $4, $5) RETURNING id",
    )
    .bind(kind)
    .bind(file_name)
    .bind(checksum)
    .bind(created_by)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(map_err)
}

/// Ends a batch: its counts, the audit entry naming it, and the commit of all of it.
async fn close_batch(
    mut tx: sqlx::Transaction<'static, Db>,
    out: &ImportOutcome,
    clock: &dyn treem_domain::clock::Clock,
    audit: &AuditEvent,
) -> Result<(), StorageError> {
    sqlx::query("UPDATE import_batch SET added = $1, skipped = $2 WHERE id = $3")
        .bind(i64::try_from(out.added.len()).unwrap_or(i64::MAX))
        .bind(i64::try_from(out.skipped.len()).unwrap_or(i64::MAX))
        .bind(out.batch_id)
        .execute(&mut *tx)
        .await
        .map_err(map_err)?;
    append_audit_for(&mut tx, clock, audit, out.batch_id).await?;
    tx.commit().await.map_err(map_err)
}

#[async_trait]
impl ImportStore for DbStore {
    async fn imported_keys(&self, kind: &str, keys: &[String]) -> Result<Vec<String>, StorageError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(500) {
            let sql = format!("SELECT import_key FROM import_record WHERE kind = $1 AND {} ORDER BY import_key", in_texts("import_key", 2));
            let rows: Vec<String> = sqlx::query_scalar(&sql)
                .bind(kind)
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
        // Other writers wait until the child ids given below are taken.
        lock_tables(&mut tx, "household, household_poverty, child, child_circumstance, child_caregiver, import_record").await?;
        let now = Stamp(self.clock.now());
        let batch_id = open_batch(&mut tx, KIND, &batch.file_name, &batch.checksum, created_by, now).await?;
        let mut out = ImportOutcome { batch_id, ..ImportOutcome::default() };
        // Rows imported before are skipped; the rest are written a chunk at a time.
        let mut known: HashSet<String> = HashSet::new();
        for chunk in batch.children.chunks(CHUNK) {
            let sql = format!("SELECT import_key FROM import_record WHERE kind = $1 AND {}", in_texts("import_key", 2));
            let keys = text_list(chunk.iter().map(|c| c.key.as_str()));
            let found: Vec<String> = sqlx::query_scalar(&sql).bind(KIND).bind(keys).fetch_all(&mut *tx).await.map_err(map_err)?;
            known.extend(found);
        }
        let mut rows: Vec<&ImportChild> = Vec::new();
        for (index, row) in batch.children.iter().enumerate() {
            if known.contains(&row.key) {
                out.skipped.push(index);
            } else {
                rows.push(row);
            }
        }
        // Households: one upsert per (unit, code), the last row's head of household kept.
        let mut heads: BTreeMap<(i64, &str), &str> = BTreeMap::new();
        for r in &rows {
            if let Some((code, head, _)) = &r.household {
                heads.insert((r.fields.residence_unit.0, code.as_str()), head.as_str());
            }
        }
        let heads: Vec<((i64, &str), &str)> = heads.into_iter().collect();
        let mut household_of: HashMap<(i64, String), i64> = HashMap::new();
        for chunk in heads.chunks(CHUNK) {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO household (code, head_name, unit_id, created_at, updated_at, version) ");
            q.push_values(chunk, |mut b, ((unit, code), head)| {
                b.push_bind(*code).push_bind(*head).push_bind(*unit).push_bind(now).push_bind(now).push_bind(1i64);
            });
            q.push(
                " ON CONFLICT (unit_id, code) DO UPDATE SET head_name = excluded.head_name, updated_at = excluded.updated_at, \
                 version = household.version + 1 RETURNING id, unit_id, code",
            );
            for r in q.build().fetch_all(&mut *tx).await.map_err(map_err)? {
                let id: i64 = r.try_get(0).map_err(map_err)?;
                household_of.insert((r.try_get(1).map_err(map_err)?, r.try_get(2).map_err(map_err)?), id);
                out.households.push(id);
            }
        }
        out.households.sort_unstable();
        let household = |r: &ImportChild| {
            r.household.as_ref().and_then(|(code, ..)| household_of.get(&(r.fields.residence_unit.0, code.clone())).copied())
        };
        let mut poverty: BTreeMap<(i64, i64), &str> = BTreeMap::new();
        for r in &rows {
            if let (Some(h), Some((_, _, Some((year, status))))) = (household(r), &r.household) {
                poverty.insert((h, *year), status);
            }
        }
        let poverty: Vec<((i64, i64), &str)> = poverty.into_iter().collect();
        for chunk in poverty.chunks(CHUNK) {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO household_poverty (household_id, year, status) ");
            q.push_values(chunk, |mut b, ((h, year), status)| {
                b.push_bind(*h).push_bind(*year).push_bind(*status);
            });
            q.push(" ON CONFLICT (household_id, year) DO UPDATE SET status = excluded.status");
            q.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        // Children: ids given here (after the highest in use, inside the lock) so that the
        // rows below can point at them.
        let child0: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM child").fetch_one(&mut *tx).await.map_err(map_err)?;
        let ids: Vec<i64> = (0..rows.len()).map(|i| child0 + i64::try_from(i).unwrap_or(i64::MAX - child0)).collect();
        let numbered: Vec<(i64, &ImportChild)> = ids.iter().copied().zip(rows.iter().copied()).collect();
        for chunk in numbered.chunks(CHUNK) {
            let mut q = QueryBuilder::<Db>::new(format!(
                "INSERT INTO child (id, full_name, name_search, sex, birth_date, residence_unit_id, registered_on, hiv_status, abuse_notes, \
                 offence_notes, created_by_id, created_at, updated_at, version, birth_date_estimated, name_order, household_id) {OVERRIDING} "
            ));
            q.push_values(chunk, |mut b, (id, r)| {
                let c = &r.fields;
                b.push_bind(*id)
                    .push_bind(&c.full_name)
                    .push_bind(&c.name_search)
                    .push_bind(c.sex.as_str())
                    .push_bind(c.birth_date)
                    .push_bind(c.residence_unit.0)
                    .push_bind(c.registered_on)
                    .push_bind(c.hiv_status.map(HivStatus::as_str))
                    .push_bind(&c.abuse_notes)
                    .push_bind(&c.offence_notes)
                    .push_bind(created_by)
                    .push_bind(now)
                    .push_bind(now)
                    .push_bind(1i64)
                    .push_bind(c.birth_date_estimated)
                    .push_bind(treem_domain::text::person_sort_bytes(&c.full_name))
                    .push_bind(household(r));
            });
            q.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        after_given_ids(&mut tx, "child").await?;
        let groups: Vec<(i64, &(i64, &'static str, time::Date))> =
            numbered.iter().flat_map(|(child, r)| r.circumstances.iter().map(move |g| (*child, g))).collect();
        for chunk in groups.chunks(CHUNK) {
            let mut q = QueryBuilder::<Db>::new(format!(
                "INSERT INTO child_circumstance (id, child_id, group_code, began_on, ended_on, created_at) {OVERRIDING} "
            ));
            q.push_values(chunk, |mut b, (child, (id, group, began))| {
                b.push_bind(*id).push_bind(*child).push_bind(*group).push_bind(*began).push_bind(None::<time::Date>).push_bind(now);
            });
            q.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        let caregivers: Vec<(i64, &CaregiverRecord)> =
            numbered.iter().filter_map(|(child, r)| r.caregiver.as_ref().map(|g| (*child, g))).collect();
        for chunk in caregivers.chunks(CHUNK) {
            let mut q =
                QueryBuilder::<Db>::new("INSERT INTO child_caregiver (child_id, name, relation, legal_representative, phone, created_at) ");
            q.push_values(chunk, |mut b, (child, g)| {
                b.push_bind(*child)
                    .push_bind(&g.name)
                    .push_bind(&g.relation)
                    .push_bind(g.legal_representative)
                    .push_bind(&g.phone)
                    .push_bind(now);
            });
            q.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        for chunk in numbered.chunks(CHUNK) {
            let mut q = QueryBuilder::<Db>::new("INSERT INTO import_record (batch_id, kind, import_key, child_id) ");
            q.push_values(chunk, |mut b, (child, r)| {
                b.push_bind(batch_id).push_bind(KIND).push_bind(&r.key).push_bind(*child);
            });
            q.build().execute(&mut *tx).await.map_err(map_err)?;
        }
        out.added = ids;
        close_batch(tx, &out, &*self.clock, audit).await?;
        Ok(out)
    }

    async fn imported_children(&self, keys: &[String]) -> Result<Vec<(String, i64)>, StorageError> {
        let mut found = Vec::new();
        for chunk in keys.chunks(500) {
            let sql = format!(
                "SELECT import_key, child_id FROM import_record WHERE kind = $1 AND {} AND child_id IS NOT NULL ORDER BY import_key",
                in_texts("import_key", 2)
            );
            let rows = sqlx::query(&sql)
                .bind(KIND)
                .bind(text_list(chunk.iter().map(String::as_str)))
                .fetch_all(&self.pool)
                .await
                .map_err(map_err)?;
            for r in rows {
                found.push((r.try_get(0).map_err(map_err)?, r.try_get(1).map_err(map_err)?));
            }
        }
        Ok(found)
    }

    async fn import_incidents(
        &self,
        batch: &IncidentImportBatch,
        created_by: i64,
        audit: &AuditEvent,
    ) -> Result<ImportOutcome, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let now = Stamp(self.clock.now());
        let batch_id = open_batch(&mut tx, INCIDENTS, &batch.file_name, &batch.checksum, created_by, now).await?;
        let mut out = ImportOutcome { batch_id, ..ImportOutcome::default() };
        // A province's incidents are thousands a year, not hundreds of thousands: one
        // statement per row, inside the one transaction.
        for (index, row) in batch.incidents.iter().enumerate() {
            let seen: Option<i64> = sqlx::query_scalar("SELECT id FROM import_record WHERE kind = $1 AND import_key = $2")
                .bind(INCIDENTS)
                .bind(&row.key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
            if seen.is_some() {
                out.skipped.push(index);
                continue;
            }
            crate::incidents::insert_incident(&mut tx, row.id, &row.fields, created_by, now).await?;
            sqlx::query("INSERT INTO import_record (batch_id, kind, import_key, incident_id) VALUES ($1, $2, $3, $4)")
                .bind(batch_id)
                .bind(INCIDENTS)
                .bind(&row.key)
                .bind(row.id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            out.added.push(row.id);
        }
        close_batch(tx, &out, &*self.clock, audit).await?;
        Ok(out)
    }

    async fn import_cases(&self, batch: &CaseImportBatch, created_by: i64, audit: &AuditEvent) -> Result<ImportOutcome, StorageError> {
        let mut tx = begin_write(&self.pool).await?;
        let now = Stamp(self.clock.now());
        let batch_id = open_batch(&mut tx, CASES, &batch.file_name, &batch.checksum, created_by, now).await?;
        let mut out = ImportOutcome { batch_id, ..ImportOutcome::default() };
        // A province's cases are thousands a year: one statement per row, in one transaction.
        for (index, row) in batch.cases.iter().enumerate() {
            let seen: Option<i64> = sqlx::query_scalar("SELECT id FROM import_record WHERE kind = $1 AND import_key = $2")
                .bind(CASES)
                .bind(&row.key)
                .fetch_optional(&mut *tx)
                .await
                .map_err(map_err)?;
            if seen.is_some() {
                out.skipped.push(index);
                continue;
            }
            let closed = row.closed.as_ref().map(|(state, at, _)| (*state, *at));
            let id = crate::cases::insert_case(&mut tx, &row.case, closed, now).await?;
            match &row.closed {
                None => {
                    let case = treem_domain::case::CaseId(id);
                    crate::cases::insert_tasks(&mut tx, self.clock.now(), case, row.case.unit, &row.tasks, Some(created_by)).await?;
                }
                // The closing, as the register dates it, is the case's one step.
                Some((state, at, note)) => {
                    let action = if *state == treem_domain::case::CaseState::ClosedUnfounded { "close_unfounded" } else { "close" };
                    sqlx::query(
                        "INSERT INTO case_step (case_id, action, from_state, to_state, note, actor_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(id)
                    .bind(action)
                    .bind(treem_domain::case::CaseState::Received.as_str())
                    .bind(state.as_str())
                    .bind(note)
                    .bind(created_by)
                    .bind(Stamp(*at))
                    .execute(&mut *tx)
                    .await
                    .map_err(map_err)?;
                }
            }
            sqlx::query("INSERT INTO import_record (batch_id, kind, import_key, case_id) VALUES ($1, $2, $3, $4)")
                .bind(batch_id)
                .bind(CASES)
                .bind(&row.key)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(map_err)?;
            out.added.push(id);
        }
        close_batch(tx, &out, &*self.clock, audit).await?;
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

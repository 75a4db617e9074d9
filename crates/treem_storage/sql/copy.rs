//! Whole tables read and written as engine-neutral values, for `treem db copy`: the SQL of
//! both engines, written once (`crates/treem_storage/sql/README.md`). Table and column
//! names come from the schema's own description, never from a user.

use sqlx::{QueryBuilder, Row};
use treem_storage::backup::Value;
use treem_storage::{ColumnKind, StorageError};

use crate::dialect::*;

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn decode(r: &DbRow, i: usize, kind: &ColumnKind) -> Result<Value, StorageError> {
    let v = match kind {
        ColumnKind::Integer => r.try_get::<Option<i64>, _>(i).map_err(map_err)?.map(Value::Integer),
        ColumnKind::Real => r.try_get::<Option<f64>, _>(i).map_err(map_err)?.map(Value::Real),
        ColumnKind::Text => r.try_get::<Option<String>, _>(i).map_err(map_err)?.map(Value::Text),
        ColumnKind::Date => r.try_get::<Option<time::Date>, _>(i).map_err(map_err)?.map(Value::Date),
        ColumnKind::Timestamp => r.try_get::<Option<Stamp>, _>(i).map_err(map_err)?.map(|s| Value::Timestamp(s.0)),
        ColumnKind::Boolean => r.try_get::<Option<bool>, _>(i).map_err(map_err)?.map(Value::Boolean),
        ColumnKind::Blob => r.try_get::<Option<Vec<u8>>, _>(i).map_err(map_err)?.map(Value::Blob),
        ColumnKind::Other(t) => return Err(StorageError::Config(format!("a column of type {t} cannot be copied"))),
    };
    Ok(v.unwrap_or(Value::Null))
}

fn bind<'a>(b: &mut sqlx::query_builder::Separated<'_, 'a, Db, &'static str>, v: &'a Value, kind: &ColumnKind) {
    match (v, kind) {
        (Value::Integer(i), _) => b.push_bind(*i),
        (Value::Real(r), _) => b.push_bind(*r),
        (Value::Text(s), _) => b.push_bind(s.as_str()),
        (Value::Date(d), _) => b.push_bind(*d),
        (Value::Timestamp(t), _) => b.push_bind(Stamp(*t)),
        (Value::Boolean(x), _) => b.push_bind(*x),
        (Value::Blob(x), _) => b.push_bind(x.as_slice()),
        // A NULL typed as its column, which PostgreSQL wants.
        (Value::Null, ColumnKind::Integer) => b.push_bind(None::<i64>),
        (Value::Null, ColumnKind::Real) => b.push_bind(None::<f64>),
        (Value::Null, ColumnKind::Date) => b.push_bind(None::<time::Date>),
        (Value::Null, ColumnKind::Timestamp) => b.push_bind(None::<Stamp>),
        (Value::Null, ColumnKind::Boolean) => b.push_bind(None::<bool>),
        (Value::Null, ColumnKind::Blob) => b.push_bind(None::<Vec<u8>>),
        (Value::Null, ColumnKind::Text | ColumnKind::Other(_)) => b.push_bind(None::<String>),
    };
}

impl DbStore {
    /// Up to `limit` rows of `table` whose single integer key `key` is above `after`, in key
    /// order (or, without a key, `limit` rows from `offset` in the order of all columns).
    pub async fn read_rows(
        &self,
        table: &str,
        columns: &[(String, ColumnKind)],
        key: Option<&str>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<Vec<Value>>, StorageError> {
        let list = columns.iter().map(|(c, _)| quoted(c)).collect::<Vec<_>>().join(", ");
        let sql = match key {
            Some(k) => format!("SELECT {list} FROM {} WHERE {} > $1 ORDER BY {} LIMIT $2", quoted(table), quoted(k), quoted(k)),
            None => format!("SELECT {list} FROM {} ORDER BY {list} LIMIT $2 OFFSET $1", quoted(table)),
        };
        let rows = sqlx::query(&sql).bind(after).bind(limit).fetch_all(&self.pool).await.map_err(map_err)?;
        rows.iter().map(|r| columns.iter().enumerate().map(|(i, (_, kind))| decode(r, i, kind)).collect()).collect()
    }

    /// The digest of the texts `sql` selects, one row each, in its order (a backup's manifest).
    pub(crate) async fn digest_of(&self, sql: &str) -> Result<treem_storage::backup::TableDigest, StorageError> {
        use futures_util::TryStreamExt;
        let mut digest = treem_storage::backup::DigestBuilder::default();
        let mut rows = sqlx::query_scalar::<_, String>(sql).fetch(&self.pool);
        while let Some(r) = rows.try_next().await.map_err(map_err)? {
            digest.add(&r);
        }
        Ok(digest.finish())
    }

    /// The audit chain's length, once it verifies (a backup's manifest).
    pub(crate) async fn verified_chain_len(&self) -> Result<usize, StorageError> {
        let chain = <Self as treem_storage::AuditStore>::audit_chain(self).await?;
        treem_domain::audit::verify_chain(&chain).map_err(|e| StorageError::Config(format!("the audit chain does not verify: {e:?}")))?;
        Ok(chain.len())
    }

    pub async fn count_rows(&self, table: &str) -> Result<i64, StorageError> {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", quoted(table))).fetch_one(&self.pool).await.map_err(map_err)
    }

    /// A write transaction for a whole copy: all of it or nothing.
    pub async fn begin_rows(&self) -> Result<RowWriter, StorageError> {
        Ok(RowWriter { tx: begin_write(&self.pool).await? })
    }
}

/// Rows written inside one transaction ([`DbStore::begin_rows`]).
pub struct RowWriter {
    tx: sqlx::Transaction<'static, Db>,
}

impl RowWriter {
    /// Inserts `rows` (in `columns`' order), keeping their ids.
    pub async fn write(&mut self, table: &str, columns: &[(String, ColumnKind)], rows: &[Vec<Value>]) -> Result<(), StorageError> {
        let list = columns.iter().map(|(c, _)| quoted(c)).collect::<Vec<_>>().join(", ");
        // Under both engines' limits on bound parameters.
        let chunk = (30_000 / columns.len().max(1)).max(1);
        for part in rows.chunks(chunk) {
            let mut q = QueryBuilder::<Db>::new(format!("INSERT INTO {} ({list}) {OVERRIDING} ", quoted(table)));
            q.push_values(part, |mut b, row| {
                for (v, (_, kind)) in row.iter().zip(columns) {
                    bind(&mut b, v, kind);
                }
            });
            q.build().execute(&mut *self.tx).await.map_err(map_err)?;
        }
        Ok(())
    }

    /// Sets `column` of the row whose `key` is given (a reference to a row of the same
    /// table, written after all its rows are in).
    pub async fn set(&mut self, table: &str, column: &str, key: &str, rows: &[(i64, i64)]) -> Result<(), StorageError> {
        let sql = format!("UPDATE {} SET {} = $1 WHERE {} = $2", quoted(table), quoted(column), quoted(key));
        for (id, value) in rows {
            sqlx::query(&sql).bind(*value).bind(*id).execute(&mut *self.tx).await.map_err(map_err)?;
        }
        Ok(())
    }

    /// Moves each identity past the ids written, then commits.
    pub async fn finish(mut self, tables_with_ids: &[String]) -> Result<(), StorageError> {
        for t in tables_with_ids {
            after_given_ids(&mut self.tx, t).await?;
        }
        self.tx.commit().await.map_err(map_err)
    }
}

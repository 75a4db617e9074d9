//! What PostgreSQL does differently, behind the names the shared SQL uses
//! (`crates/treem_storage/sql/README.md`): the same names, with SQLite's meanings,
//! are in `treem_storage_sqlite/src/dialect.rs`.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgArgumentBuffer, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Encode, Postgres, Type};
use treem_storage::StorageError;

pub(crate) type Db = Postgres;
pub(crate) type DbRow = sqlx::postgres::PgRow;
pub(crate) type Conn = sqlx::PgConnection;
pub(crate) type Pool = sqlx::PgPool;
pub(crate) type DbStore = crate::PgStore;

pub(crate) use crate::map_err;
pub(crate) use treem_domain::clock::Clock;

/// A moment as both engines keep it: here `timestamptz` (microseconds, UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp(pub time::OffsetDateTime);

impl Type<Postgres> for Stamp {
    fn type_info() -> PgTypeInfo {
        <time::OffsetDateTime as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &PgTypeInfo) -> bool {
        <time::OffsetDateTime as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for Stamp {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <time::OffsetDateTime as Encode<'_, Postgres>>::encode_by_ref(&self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for Stamp {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        <time::OffsetDateTime as Decode<'r, Postgres>>::decode(value).map(Stamp)
    }
}

/// Starts a write transaction (READ COMMITTED; rows a write depends on are guarded by
/// `version` checks, unique constraints and, where a whole table must hold still, locks).
pub(crate) async fn begin_write(pool: &Pool) -> Result<sqlx::Transaction<'static, Db>, StorageError> {
    pool.begin().await.map_err(map_err)
}

/// `column` is one of the integers of the array bound as parameter `$n`.
pub(crate) fn in_ids(column: &str, n: usize) -> String {
    format!("{column} = ANY(${n})")
}

/// `column` is one of the texts of the array bound as parameter `$n`.
pub(crate) fn in_texts(column: &str, n: usize) -> String {
    in_ids(column, n)
}

/// A list of ids as one parameter: a `BIGINT[]`.
pub(crate) type IdList = Vec<i64>;

pub(crate) fn id_list(ids: impl IntoIterator<Item = i64>) -> IdList {
    ids.into_iter().collect()
}

/// A list of texts as one parameter: a `TEXT[]`.
pub(crate) type TextList = Vec<String>;

pub(crate) fn text_list<'a>(texts: impl IntoIterator<Item = &'a str>) -> TextList {
    texts.into_iter().map(str::to_owned).collect()
}

/// The ids of `column` over the rows of `from_where` (a `FROM … WHERE …` clause) as one
/// comma-separated text, in order.
pub(crate) fn ids_joined(column: &str, from_where: &str) -> String {
    format!("(SELECT string_agg({column}::text, ',' ORDER BY {column}) {from_where})")
}

/// The day (UTC) of a timestamp column.
pub(crate) fn day_of(column: &str) -> String {
    format!("({column} AT TIME ZONE 'UTC')::date")
}

/// What an `INSERT` that gives the id itself must say (ids are `GENERATED ALWAYS`).
pub(crate) const OVERRIDING: &str = "OVERRIDING SYSTEM VALUE";

/// Key of the advisory lock that serialises appends to the audit chain.
const AUDIT_LOCK: i64 = 0x7472_6565_6d00_0002;

/// Serialises appenders until the transaction ends, so each entry links to the last.
pub(crate) async fn lock_audit_chain(conn: &mut Conn) -> Result<(), StorageError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(AUDIT_LOCK).execute(conn).await.map(|_| ()).map_err(map_err)
}

/// `column` is in the array bound as `$n`, or that parameter is NULL (no list: every row).
pub(crate) fn opt_in_ids(column: &str, n: usize) -> String {
    format!("(CAST(${n} AS BIGINT[]) IS NULL OR {column} = ANY(${n}))")
}

/// Keeps other writers off `tables` (a comma-separated list of our own table names) until
/// the transaction ends; readers go on.
pub(crate) async fn lock_tables(conn: &mut Conn, tables: &str) -> Result<(), StorageError> {
    sqlx::query(&format!("LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")).execute(conn).await.map(|_| ()).map_err(map_err)
}

/// After rows of `table` were inserted with ids given by the caller: the identity's
/// sequence moves past them, so that the next generated id does not collide.
pub(crate) async fn after_given_ids(conn: &mut Conn, table: &str) -> Result<(), StorageError> {
    sqlx::query(&format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"))
        .execute(conn)
        .await
        .map(|_| ())
        .map_err(map_err)
}

/// Matches a column against the list of unit ids bound as `$1` ([`unit_list`]).
pub(crate) const UNITS_IN: &str = "= ANY($1)";

/// Unit ids as the one parameter of [`UNITS_IN`].
pub(crate) fn unit_list(units: &[treem_domain::units::UnitId]) -> IdList {
    id_list(units.iter().map(|u| u.0))
}

/// Other processes' writes: every committed audit entry is announced on `treem_writes`
/// (migration 0014) with the writer's application_name; this process's own are skipped.
pub(crate) async fn hear_writes(store: &DbStore, heard: treem_storage::WriteListener) -> Result<bool, StorageError> {
    // Every committed audit entry is announced on `treem_writes` with the writer's
    // application_name (migration 0014); this process's own are skipped.
    let mut listener = sqlx::postgres::PgListener::connect_with(&store.pool).await.map_err(map_err)?;
    listener.listen("treem_writes").await.map_err(map_err)?;
    let own = store.instance.clone();
    tokio::spawn(async move {
        #[derive(serde::Deserialize)]
        struct Announced {
            by: String,
            #[serde(flatten)]
            write: treem_storage::HeardWrite,
        }
        loop {
            let go_on = match tokio::time::timeout(std::time::Duration::from_secs(5), listener.try_recv()).await {
                // Quiet: ask whether anyone still listens.
                Err(_) => heard(None),
                Ok(Ok(Some(n))) => match serde_json::from_str::<Announced>(n.payload()) {
                    Ok(a) if a.by == own => heard(None),
                    Ok(a) => heard(Some(a.write)),
                    Err(_) => heard(Some(treem_storage::HeardWrite::lost())),
                },
                // The connection dropped (it reconnects on the next call): writes may have been missed.
                Ok(Ok(None)) => heard(Some(treem_storage::HeardWrite::lost())),
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "write notices: the listener failed; trying again in 1 s");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    heard(Some(treem_storage::HeardWrite::lost()))
                }
            };
            if !go_on {
                break;
            }
        }
    });
    Ok(true)
}

/// Locks the rows a read-then-rewrite selects until the transaction ends.
pub(crate) const FOR_UPDATE: &str = " FOR UPDATE";

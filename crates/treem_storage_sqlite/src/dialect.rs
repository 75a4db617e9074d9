//! What SQLite does differently, behind the names the shared SQL uses
//! (`crates/treem_storage/sql/README.md`): the same names, with PostgreSQL's
//! meanings, are in `treem_storage_postgres/src/dialect.rs`.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::sqlite::{SqliteArgumentValue, SqliteTypeInfo, SqliteValueRef};
use sqlx::{Decode, Encode, Sqlite, Type};
use treem_storage::StorageError;

pub(crate) type Db = Sqlite;
pub(crate) type DbRow = sqlx::sqlite::SqliteRow;
pub(crate) type Conn = sqlx::SqliteConnection;
pub(crate) type Pool = sqlx::SqlitePool;
pub(crate) type DbStore = crate::SqliteStore;

pub(crate) use crate::map_err;
pub(crate) use treem_domain::clock::Clock;

/// A moment as both engines keep it: here fixed-width RFC 3339 UTC text with
/// microseconds (`2026-11-29T08:00:00.000000Z`), so that text order is time order
/// and `CHECK` constraints can see its form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stamp(pub time::OffsetDateTime);

impl Type<Sqlite> for Stamp {
    fn type_info() -> SqliteTypeInfo {
        <String as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &SqliteTypeInfo) -> bool {
        <String as Type<Sqlite>>::compatible(ty)
    }
}

impl<'q> Encode<'q, Sqlite> for Stamp {
    fn encode_by_ref(&self, buf: &mut Vec<SqliteArgumentValue<'q>>) -> Result<IsNull, BoxDynError> {
        <String as Encode<'q, Sqlite>>::encode(treem_domain::audit::timestamp_text(self.0), buf)
    }
}

impl<'r> Decode<'r, Sqlite> for Stamp {
    fn decode(value: SqliteValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <&str as Decode<'r, Sqlite>>::decode(value)?;
        treem_domain::audit::parse_timestamp_text(text).map(Stamp).ok_or_else(|| format!("a malformed timestamp: `{text}`").into())
    }
}

/// Starts a write transaction: `BEGIN IMMEDIATE` takes the write lock at once, so
/// a read-then-write never fails halfway with SQLITE_BUSY.
pub(crate) async fn begin_write(pool: &Pool) -> Result<sqlx::Transaction<'static, Db>, StorageError> {
    pool.begin_with("BEGIN IMMEDIATE").await.map_err(map_err)
}

/// `column` is one of the integers of the list bound as parameter `$n`.
pub(crate) fn in_ids(column: &str, n: usize) -> String {
    format!("{column} IN (SELECT value FROM json_each(${n}))")
}

/// `column` is one of the texts of the list bound as parameter `$n`.
pub(crate) fn in_texts(column: &str, n: usize) -> String {
    in_ids(column, n)
}

/// A list of ids as one parameter: a JSON array of integers we produced, never spliced into SQL.
pub(crate) type IdList = String;

pub(crate) fn id_list(ids: impl IntoIterator<Item = i64>) -> IdList {
    format!("[{}]", ids.into_iter().map(|i| i.to_string()).collect::<Vec<_>>().join(","))
}

/// A list of texts as one parameter (a JSON array, escaped).
pub(crate) type TextList = String;

pub(crate) fn text_list<'a>(texts: impl IntoIterator<Item = &'a str>) -> TextList {
    let quoted: Vec<String> = texts.into_iter().map(|t| format!("\"{}\"", t.replace('\\', "\\\\").replace('"', "\\\""))).collect();
    format!("[{}]", quoted.join(","))
}

/// The ids of `column` over the rows of `from_where` (a `FROM … WHERE …` clause) as one
/// comma-separated text, in order.
pub(crate) fn ids_joined(column: &str, from_where: &str) -> String {
    format!("(SELECT group_concat({column}) FROM (SELECT {column} {from_where} ORDER BY {column}))")
}

/// The day (UTC) of a timestamp column.
pub(crate) fn day_of(column: &str) -> String {
    format!("date({column})")
}

/// What an `INSERT` that gives the id itself must say.
pub(crate) const OVERRIDING: &str = "";

/// On SQLite the write transaction (`BEGIN IMMEDIATE`) already serialises appends.
pub(crate) async fn lock_audit_chain(_conn: &mut Conn) -> Result<(), StorageError> {
    Ok(())
}

/// `column` is in the list bound as `$n`, or that parameter is NULL (no list: every row).
pub(crate) fn opt_in_ids(column: &str, n: usize) -> String {
    format!("(CAST(${n} AS TEXT) IS NULL OR {column} IN (SELECT value FROM json_each(${n})))")
}

/// Keeps other writers off `tables` until the transaction ends: on SQLite the write
/// transaction (`BEGIN IMMEDIATE`) already holds the one write lock.
pub(crate) async fn lock_tables(_conn: &mut Conn, _tables: &str) -> Result<(), StorageError> {
    Ok(())
}

/// After rows of `table` were inserted with ids given by the caller: SQLite's next id is
/// always the highest plus one, nothing to do.
pub(crate) async fn after_given_ids(_conn: &mut Conn, _table: &str) -> Result<(), StorageError> {
    Ok(())
}

/// Matches a column against the list of unit ids bound as `$1` ([`unit_list`]).
pub(crate) const UNITS_IN: &str = "IN (SELECT value FROM json_each($1))";

/// Unit ids as the one parameter of [`UNITS_IN`].
pub(crate) fn unit_list(units: &[treem_domain::units::UnitId]) -> IdList {
    id_list(units.iter().map(|u| u.0))
}

/// Other processes' writes: one process owns a SQLite file (docs/ARCHITECTURE.md), so
/// nobody else writes and there is nothing to hear.
pub(crate) async fn hear_writes(_store: &DbStore, _heard: treem_storage::WriteListener) -> Result<bool, StorageError> {
    Ok(false)
}

/// Row locks: none in SQLite, whose write transaction (`BEGIN IMMEDIATE`) holds the whole database.
pub(crate) const FOR_UPDATE: &str = "";

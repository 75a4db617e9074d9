//! A description of a database schema in a vocabulary both engines share, so a
//! test can prove that SQLite and PostgreSQL hold the same tables, columns,
//! nullability, keys and indexes.

use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SchemaDescription {
    pub tables: BTreeMap<String, TableDescription>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableDescription {
    pub columns: BTreeMap<String, ColumnDescription>,
    pub primary_key: Vec<String>,
    /// Column sets of unique constraints and unique indexes.
    pub unique: BTreeSet<Vec<String>>,
    pub foreign_keys: BTreeSet<ForeignKey>,
    /// Named non-unique indexes and their columns.
    pub indexes: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForeignKey {
    pub columns: Vec<String>,
    pub references_table: String,
    pub references_columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDescription {
    pub kind: ColumnKind,
    pub nullable: bool,
}

/// The shared type vocabulary. `Other` carries anything outside it (for
/// example a 32-bit integer on PostgreSQL), which the parity test reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnKind {
    Integer,
    Real,
    Text,
    Date,
    Timestamp,
    Boolean,
    Blob,
    Other(String),
}

impl ColumnKind {
    /// Maps a declared SQLite type. treem declares logical types (DATE,
    /// TIMESTAMP, BOOLEAN, BIGINT) so that they survive introspection.
    pub fn from_sqlite(declared: &str) -> Self {
        match declared.to_ascii_uppercase().as_str() {
            "INTEGER" | "BIGINT" => Self::Integer,
            "REAL" => Self::Real,
            "TEXT" => Self::Text,
            "DATE" => Self::Date,
            "TIMESTAMP" => Self::Timestamp,
            "BOOLEAN" => Self::Boolean,
            "BLOB" => Self::Blob,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Maps a PostgreSQL `information_schema.columns.data_type`.
    pub fn from_postgres(data_type: &str) -> Self {
        match data_type {
            "bigint" => Self::Integer,
            "double precision" => Self::Real,
            "text" => Self::Text,
            "date" => Self::Date,
            "timestamp with time zone" => Self::Timestamp,
            "boolean" => Self::Boolean,
            "bytea" => Self::Blob,
            other => Self::Other(other.to_owned()),
        }
    }
}

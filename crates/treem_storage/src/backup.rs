//! What a backup proves about itself: every table's row count and a SHA-256 of its rows
//! (each row as the engine writes it as text, in sorted order), the audit chain's length.
//! Computed by each backend (`SqliteStore::manifest`, `PgStore::manifest`) and compared
//! here: a restored copy must give the manifest its backup was written with.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableDigest {
    pub rows: u64,
    /// SHA-256 (hex) of the rows' texts, each prefixed by its length, in sorted order.
    pub sha256: String,
}

/// A database's content in brief.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// `sqlite` or `postgres`: row texts differ between engines, so only like compares with like.
    pub backend: String,
    pub tables: BTreeMap<String, TableDigest>,
    /// Entries of the audit chain, which verified when the manifest was made.
    pub audit_entries: usize,
}

impl Manifest {
    /// What differs from `expected`, table by table ("child: 734,328 rows, expected 734,329").
    pub fn differences(&self, expected: &Manifest) -> Vec<String> {
        let mut out = Vec::new();
        if self.backend != expected.backend {
            out.push(format!("the backup is of {}, this database is {}", expected.backend, self.backend));
        }
        for (name, want) in &expected.tables {
            match self.tables.get(name) {
                None => out.push(format!("{name}: the table is missing")),
                Some(got) if got.rows != want.rows => out.push(format!("{name}: {} rows, expected {}", got.rows, want.rows)),
                Some(got) if got.sha256 != want.sha256 => out.push(format!("{name}: the same number of rows, different content")),
                Some(_) => {}
            }
        }
        for name in self.tables.keys().filter(|n| !expected.tables.contains_key(*n)) {
            out.push(format!("{name}: a table the backup does not have"));
        }
        if self.audit_entries != expected.audit_entries {
            out.push(format!("audit chain: {} entries, expected {}", self.audit_entries, expected.audit_entries));
        }
        out
    }

    pub fn total_rows(&self) -> u64 {
        self.tables.values().map(|t| t.rows).sum()
    }
}

/// Builds a [`TableDigest`] row by row, in the order given (the backends sort).
#[derive(Default)]
pub struct DigestBuilder {
    rows: u64,
    hasher: Sha256,
}

impl DigestBuilder {
    pub fn add(&mut self, row: &str) {
        self.rows += 1;
        self.hasher.update((row.len() as u64).to_le_bytes());
        self.hasher.update(row.as_bytes());
    }

    pub fn finish(self) -> TableDigest {
        TableDigest { rows: self.rows, sha256: self.hasher.finalize().iter().map(|b| format!("{b:02x}")).collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_name_the_table() {
        let digest = |rows: &[&str]| {
            let mut d = DigestBuilder::default();
            rows.iter().for_each(|r| d.add(r));
            d.finish()
        };
        let a = Manifest { backend: "sqlite".into(), tables: [("child".to_owned(), digest(&["1", "2"]))].into(), audit_entries: 3 };
        assert!(a.differences(&a).is_empty());
        let mut b = a.clone();
        b.tables.insert("child".into(), digest(&["1", "3"]));
        assert_eq!(a.differences(&b), ["child: the same number of rows, different content"]);
        b.tables.insert("child".into(), digest(&["1"]));
        b.audit_entries = 4;
        assert_eq!(a.differences(&b), ["child: 2 rows, expected 1", "audit chain: 3 entries, expected 4"]);
        // Length prefixes: ["ab", "c"] is not ["a", "bc"].
        assert_ne!(digest(&["ab", "c"]), digest(&["a", "bc"]));
    }
}

/// A cell of any table, in the vocabulary both engines share ([`crate::ColumnKind`]): what
/// `treem db copy` reads from one engine and writes to the other.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Date(time::Date),
    Timestamp(time::OffsetDateTime),
    Boolean(bool),
    Blob(Vec<u8>),
}

impl Value {
    /// The same text on both engines, for a copy's checksum.
    pub fn canonical(&self) -> String {
        match self {
            Value::Null => "∅".into(),
            Value::Integer(i) => i.to_string(),
            Value::Real(r) => format!("{r:?}"),
            Value::Text(s) => format!("'{s}'"),
            Value::Date(d) => d.to_string(),
            Value::Timestamp(t) => treem_domain::audit::timestamp_text(*t),
            Value::Boolean(b) => b.to_string(),
            Value::Blob(b) => b.iter().map(|x| format!("{x:02x}")).collect(),
        }
    }
}

/// One row's canonical text: its cells' texts, each length-prefixed.
pub fn canonical_row(row: &[Value]) -> String {
    row.iter()
        .map(|v| {
            let t = v.canonical();
            format!("{}:{t}", t.len())
        })
        .collect::<Vec<_>>()
        .join(",")
}

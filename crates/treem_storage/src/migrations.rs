//! Embedded migrations: the bookkeeping both backends share.
//!
//! Each backend embeds its own SQL under the same file names; a test in the
//! integration suite fails when the two name lists differ.

use crate::StorageError;

/// One embedded migration.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

impl Migration {
    /// FNV-1a 64 of the SQL text: detects a migration edited after it was applied.
    pub fn checksum(&self) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.sql.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{h:016x}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub applied: Vec<String>,
    pub pending: Vec<String>,
}

/// Compares what the database has applied (name, checksum) with what the binary
/// embeds, and returns the migrations still to apply, in order.
pub fn pending<'a>(embedded: &'a [Migration], applied: &[(String, String)]) -> Result<Vec<&'a Migration>, StorageError> {
    for (name, checksum) in applied {
        match embedded.iter().find(|m| m.name == name) {
            None => return Err(StorageError::SchemaTooNew(name.clone())),
            Some(m) if &m.checksum() != checksum => return Err(StorageError::MigrationChanged(name.clone())),
            Some(_) => {}
        }
    }
    Ok(embedded.iter().filter(|m| !applied.iter().any(|(n, _)| n == m.name)).collect())
}

pub fn status(embedded: &[Migration], applied: &[(String, String)]) -> Result<MigrationStatus, StorageError> {
    let pending = pending(embedded, applied)?;
    Ok(MigrationStatus {
        applied: applied.iter().map(|(n, _)| n.clone()).collect(),
        pending: pending.iter().map(|m| m.name.to_owned()).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &[Migration] =
        &[Migration { name: "0001_a", sql: "CREATE TABLE a (x INTEGER);" }, Migration { name: "0002_b", sql: "SELECT 1;" }];

    #[test]
    fn pending_and_too_new() {
        let a = M[0].checksum();
        assert_eq!(pending(M, &[("0001_a".into(), a.clone())]).unwrap().len(), 1);
        assert!(matches!(pending(M, &[("0003_c".into(), "x".into())]), Err(StorageError::SchemaTooNew(n)) if n == "0003_c"));
        assert!(matches!(pending(M, &[("0001_a".into(), "0".into())]), Err(StorageError::MigrationChanged(_))));
    }
}

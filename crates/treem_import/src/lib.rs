//! Reading registers into checked rows, before anything is stored: the bytes of a CSV or
//! XLSX file become a [`table::Table`] (encodings, BOMs, UTF-16, legacy Vietnamese
//! encodings named, zip bombs refused), its headers become known columns
//! ([`columns`]: the register book's Vietnamese headers and the English ones), and each
//! cell a value ([`values`]: dd/mm/yyyy and the other unambiguous Vietnamese date forms,
//! Excel serial dates, "Nam"/"Nữ", the groups of Art. 10, poverty words). [`children`]
//! turns a table into children to register, with units resolved as of each row's date
//! (codes from before the 2025 reform followed to their successor), and every problem
//! reported with its row, column and value; [`incidents`] and [`cases`] do the same for
//! registers of incidents and of cases.
//!
//! No IO and no database: the service (`treem_app::imports`) authorises, checks against
//! the register, and stores all rows in one transaction or none.

pub mod cases;
pub mod children;
pub mod columns;
pub mod decode;
pub mod incidents;
pub mod problem;
pub mod table;
pub mod values;

pub use problem::{Problem, Severity};
pub use table::{read_table, Cell, Limits, Row, Table};

/// The SHA-256 of a file's bytes, in hex: kept with the import and in its audit entry.
pub fn checksum(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// A province with one commune, Phường Mỹ Ngãi (29884), valid since 2012: the tests' map.
#[cfg(test)]
pub(crate) fn test_catalog() -> treem_domain::units::UnitCatalog {
    use treem_domain::units::{AdminUnit, ParentLink, UnitCatalog, UnitId, UnitLevel, UnitType, Validity};
    let v = Validity { from: time::macros::date!(2012 - 01 - 01), to: None };
    let u = |id, code: &str, name: &str, level| AdminUnit {
        id: UnitId(id),
        code: code.into(),
        name: name.into(),
        level,
        unit_type: UnitType::Xa,
        validity: v,
        lat: None,
        lon: None,
        area_km2: None,
    };
    let units = vec![u(1, "82", "Tỉnh Đồng Tháp", UnitLevel::Province), u(2, "29884", "Phường Mỹ Ngãi", UnitLevel::Commune)];
    UnitCatalog::new(units, vec![ParentLink { child: UnitId(2), parent: UnitId(1), validity: v }], vec![])
}

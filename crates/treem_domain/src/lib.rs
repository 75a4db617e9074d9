//! The domain core of treem: types and rules with no IO, no async, no database.
//! Everything here is deterministic and tested in plain unit tests.

pub mod access;
pub mod audit;
pub mod bundled;
pub mod calendar;
pub mod case;
pub mod child;
pub mod clock;
pub mod coded;
pub mod consent;
pub mod csv;
pub mod dedup;
pub mod field_error;
pub mod fund;
pub mod import_error;
pub mod incident;
pub mod indicator;
pub mod names;
pub mod passwords;
pub mod plan;
pub mod register;
pub mod reported;
pub mod reporting;
pub mod text;
pub mod totp;
pub mod unit_import;
pub mod units;

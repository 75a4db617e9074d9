//! Indicators as data: a catalogue entry with the metadata shape of Circular 13/2021
//! and a formula in a small language, parsed and checked before use.
//!
//! ```text
//! formula := term [ "/" term ]                a count or sum, or a ratio shown in percent
//! term    := ( "count" | "sum" ) "(" fact [ "where" cond { "and" cond } ] ")"
//! fact    := "incidents" | "children" | "cases" | "units" | "households"  counted: count(…)
//!          | "reported" | "fund"                           summed:  sum(…)
//! cond    := field "=" string | field "in" "(" string { "," string } ")"
//! ```
//!
//! `incidents` are counted in the year they occurred, with the coded fields of an
//! incident; `children` are the register's children under 16 on the last day of each
//! year (today for the current year), by sex, age band, household poverty that year,
//! special circumstances on that day and disability; `cases` are counted in the year
//! they were received, by state, source, urgency, risk and lateness; `units` are the
//! administrative units existing on each year's counting day, by level and the dated
//! statuses they hold then (child-friendly, running a model); `households` are the
//! register's households on each year's counting day, at their unit, by their poverty
//! status that year (see [`household_facts`]). `reported` values
//! (aggregates agencies report, see [`crate::reported`]) are summed, by `element` and
//! `sex` (absent when the element is not reported by sex): a value for a year is a fact
//! on that year's counting day whose `count` is the value. `fund` movements of a Child
//! Protection Fund are summed in đồng on their day, by direction, source and purpose. A counted kind in `sum`, or
//! a summed one in `count`, is an error. Every error names the character position
//! (1-based) where it was found.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use crate::access::{SensitiveKind, Visibility};
use crate::incident::{AbuseForm, IncidentKind, InjuryKind, JusticeStage, Relation, Setting, SexualSubtype};
use crate::units::{UnitCatalog, UnitId, UnitLevel};

mod catalogue;
mod disclosure;
mod facts;
mod fields;
mod formula;
mod rollup;
mod values;

pub use catalogue::*;
pub use disclosure::*;
pub use facts::*;
pub use fields::*;
pub use formula::*;
pub use rollup::*;
pub use values::*;

#[cfg(test)]
mod tests;

//! Duplicate detection for child records, aware of how Vietnamese names and
//! dates go wrong in data entry.
//!
//! A Vietnamese (Kinh) name is family name + middle name(s) + given name; the
//! given name is last and tells people apart, the family name is shared by
//! whole villages (about 40 % of the country is Nguyễn), and the middle names
//! are often dropped ("Nguyễn Thị Ánh" is also "Nguyễn Ánh"). Each pair of
//! records gets a score out of 100 from independent pieces of evidence (name
//! parts, birth date, sex, residence); a pair at or above [`THRESHOLD`] is a
//! probable duplicate for a person to review, never an automatic merge.
//!
//! Names are compared per token at several levels: exact (tone marks compared
//! per syllable, so "Hoà" = "Hòa" and "Thuý" = "Thúy"), equal once folded when
//! one side was typed without diacritics, regional spelling (d/gi/r, final y/i,
//! the hỏi/ngã confusion of the South), a different tone or vowel mark, and one
//! typing error. How each level was weighted, and the measured precision and
//! recall, are in `docs/DUPLICATES.md`.

use std::collections::HashMap;

use serde::Serialize;
use time::Date;

use crate::child::{Child, Sex};
use crate::units::{UnitCatalog, UnitId, UnitLevel, SHARE_WHOLE};

use crate::names::*;

mod place;
mod queue;
mod score;

use place::*;
pub use queue::*;
pub use score::*;

#[cfg(test)]
mod tests;

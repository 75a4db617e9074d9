//! Codes as a document writes them: a closed set of names (a target's kind, a comparison,
//! a unit level) read from a file or a form. A name treem knows becomes its enum; any
//! other is kept as written, so the document's checks can name where it is and say which
//! names are allowed, rather than the parser refusing the whole file.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A closed set of names with a stored and exchanged form.
pub trait Code: Copy + Eq + 'static {
    /// Every value, in the order the checks list them.
    const ALL: &'static [Self];

    /// The stored and exchanged name.
    fn as_str(self) -> &'static str;

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

/// A code as written: one of `T`, or the text of a name treem does not know (which the
/// document's checks refuse). Serialized as the name either way, so a document reads and
/// writes back exactly as it was.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Coded<T: Code> {
    Known(T),
    Unknown(String),
}

impl<T: Code> Coded<T> {
    pub fn new(s: &str) -> Self {
        T::parse(s).map_or_else(|| Self::Unknown(s.to_owned()), Self::Known)
    }

    /// The known value; none for a name treem does not know.
    pub fn known(&self) -> Option<T> {
        match self {
            Self::Known(t) => Some(*t),
            Self::Unknown(_) => None,
        }
    }

    pub fn is(&self, t: T) -> bool {
        self.known() == Some(t)
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Known(t) => t.as_str(),
            Self::Unknown(s) => s,
        }
    }
}

impl<T: Code> From<T> for Coded<T> {
    fn from(t: T) -> Self {
        Self::Known(t)
    }
}

impl<T: Code> From<&str> for Coded<T> {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

impl<T: Code> fmt::Display for Coded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<T: Code> Serialize for Coded<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de, T: Code> Deserialize<'de> for Coded<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|s| Self::new(&s))
    }
}

/// The names of all values, joined for a message ("a, b, c").
pub fn names<T: Code>(sep: &str) -> String {
    T::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(sep)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::UnitLevel;

    #[derive(Debug, Deserialize)]
    struct Doc {
        level: Coded<UnitLevel>,
    }

    #[test]
    fn known_and_unknown_names_round_trip_as_written() {
        let known: Doc = toml::from_str("level = \"commune\"").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(known.level, Coded::Known(UnitLevel::Commune));
        let unknown: Doc = toml::from_str("level = \"Commune\"").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((unknown.level.known(), unknown.level.as_str()), (None, "Commune"));
        assert_eq!(names::<UnitLevel>(", "), "province, district, commune, hamlet");
    }
}

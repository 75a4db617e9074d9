//! Translations: every UI string lives in `locales/{vi,en}.toml`. Vietnamese is
//! the default; a test checks both files have the same keys and that every key
//! used in a template exists.

use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Vi,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Self::Vi => "vi",
            Self::En => "en",
        }
    }

    pub fn other(self) -> Self {
        match self {
            Self::Vi => Self::En,
            Self::En => Self::Vi,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "vi" => Some(Self::Vi),
            "en" => Some(Self::En),
            _ => None,
        }
    }
}

pub const VI_SOURCE: &str = include_str!("../locales/vi.toml");
pub const EN_SOURCE: &str = include_str!("../locales/en.toml");

/// Parses a translation file (flat `"key" = "text"` pairs).
pub fn parse_catalogue(source: &str) -> Result<HashMap<String, String>, String> {
    toml::from_str(source).map_err(|e| e.to_string())
}

fn catalogue(lang: Lang) -> &'static HashMap<String, String> {
    static VI: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
    let (cell, src) = match lang {
        Lang::Vi => (&VI, VI_SOURCE),
        Lang::En => (&EN, EN_SOURCE),
    };
    // The files are compiled in and checked by tests; a broken one yields no
    // translations (keys show through) rather than a crash.
    cell.get_or_init(|| parse_catalogue(src).unwrap_or_default())
}

/// The text of `key` in `lang`, or the key itself when missing.
pub fn translate(lang: Lang, key: &str) -> &str {
    match catalogue(lang).get(key) {
        Some(s) => s.as_str(),
        None => key,
    }
}

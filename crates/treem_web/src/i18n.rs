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

impl Lang {
    /// A whole number as the reader writes it: 42.327 in Vietnamese, 42,327 in English.
    pub fn integer(self, n: i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let mark = match self {
            Self::Vi => '.',
            Self::En => ',',
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if n < 0 {
            out.push('-');
        }
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(mark);
            }
            out.push(ch);
        }
        out
    }

    /// Hundredths with two decimals as the reader writes them: 1.234,50 in Vietnamese,
    /// 1,234.50 in English.
    pub fn hundredths(self, h: i64) -> String {
        let sign = if h < 0 { "-" } else { "" };
        let whole = self.integer((h / 100).abs());
        let point = match self {
            Self::Vi => ',',
            Self::En => '.',
        };
        format!("{sign}{whole}{point}{:02}", (h % 100).abs())
    }

    /// A share in hundredths of a percent: 10,01 % in Vietnamese, 10.01 % in English.
    pub fn percent(self, h: i64) -> String {
        format!("{} %", self.hundredths(h))
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

#[cfg(test)]
mod number_tests {
    use super::Lang;

    #[test]
    fn numbers_are_written_as_each_language_writes_them() {
        assert_eq!(Lang::Vi.integer(42_327), "42.327");
        assert_eq!(Lang::En.integer(42_327), "42,327");
        assert_eq!(Lang::Vi.integer(-1_234_567), "-1.234.567");
        assert_eq!(Lang::Vi.integer(999), "999");
        assert_eq!(Lang::Vi.percent(1001), "10,01 %");
        assert_eq!(Lang::En.percent(1001), "10.01 %");
        assert_eq!(Lang::Vi.hundredths(123_450), "1.234,50");
        assert_eq!(Lang::En.hundredths(-5), "-0.05");
    }
}

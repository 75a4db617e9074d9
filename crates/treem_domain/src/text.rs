//! Vietnamese text: NFC normalisation, input hygiene, diacritic-free search keys
//! and Vietnamese collation.
//!
//! Why our own collation rather than ICU: Vietnamese order (a ă â b c d đ e ê …,
//! then tones ngang < huyền < hỏi < ngã < sắc < nặng) is a small, fixed table; an
//! ICU collator would cost compile time and a data blob for one language. The
//! table below is tested against dictionary order (see tests).

use std::cmp::Ordering;
use unicode_normalization::UnicodeNormalization;

/// Why a piece of text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("must not be empty")]
    Empty,
    #[error("is longer than {max} characters")]
    TooLong { max: usize },
    #[error("contains a control character (U+{0:04X})")]
    ControlCharacter(u32),
    #[error("contains an invisible formatting character (U+{0:04X})")]
    InvisibleCharacter(u32),
}

/// Returns `s` in Unicode NFC, so that `ệ` typed decomposed and composed is one string.
pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// A single-line label (a name, a title): NFC, trimmed, inner whitespace collapsed,
/// no control or bidi/zero-width characters, 1..=max characters.
pub fn clean_line(s: &str, max: usize) -> Result<String, TextError> {
    for c in s.chars() {
        check_char(c, false)?;
    }
    let collapsed = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let out = nfc(&collapsed);
    if out.is_empty() {
        return Err(TextError::Empty);
    }
    if out.chars().count() > max {
        return Err(TextError::TooLong { max });
    }
    Ok(out)
}

fn check_char(c: char, allow_newlines: bool) -> Result<(), TextError> {
    let cp = c as u32;
    let allowed_ws = c == '\t' || c == ' ' || (allow_newlines && (c == '\n' || c == '\r'));
    if (cp < 0x20 || (0x7f..0xa0).contains(&cp)) && !allowed_ws {
        return Err(TextError::ControlCharacter(cp));
    }
    // Zero-width, bidi overrides and the BOM hide or reorder text: refuse them.
    if matches!(cp, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x2069 | 0xFEFF) {
        return Err(TextError::InvisibleCharacter(cp));
    }
    Ok(())
}

/// The search key of a text: NFC, lower case, diacritics removed, đ → d,
/// whitespace collapsed. "Nguyễn Thị Đào" → "nguyen thi dao". Stored beside the
/// text and queried with an escaped LIKE, so both databases match the same rows.
pub fn search_key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match c {
            'đ' | 'Đ' => out.push('d'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_combining_mark(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

// Primary weights: letters in Vietnamese alphabet order; loan letters f, j, w, z
// placed where Latin puts them. Digits sort before letters, by numeric value.
const VI_ALPHABET: &[&str] = &[
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "ô", "ơ", "p", "q", "r", "s", "t", "u",
    "ư", "v", "w", "x", "y", "z",
];

const LETTER_BASE: u32 = 0x1000;
const DIGIT_RUN: u32 = 0x0100;
const OTHER_BASE: u32 = 0x0010;

fn letter_weight(base: char, modifier: Option<char>) -> Option<u32> {
    let letter: String = match (base, modifier) {
        ('a', Some('\u{0306}')) => "ă".into(),
        ('a' | 'e' | 'o', Some('\u{0302}')) => nfc(&format!("{base}\u{0302}")),
        ('o' | 'u', Some('\u{031B}')) => nfc(&format!("{base}\u{031B}")),
        _ => base.to_string(),
    };
    VI_ALPHABET.iter().position(|l| *l == letter).and_then(|p| u32::try_from(p).ok()).map(|p| LETTER_BASE + p)
}

fn tone_weight(c: char) -> Option<u8> {
    match c {
        '\u{0300}' => Some(1), // huyền
        '\u{0309}' => Some(2), // hỏi
        '\u{0303}' => Some(3), // ngã
        '\u{0301}' => Some(4), // sắc
        '\u{0323}' => Some(5), // nặng
        _ => None,
    }
}

/// A sort key under which byte order is Vietnamese dictionary order:
/// letters first (a < ă < â < … < đ …), then tones, then case; digit runs compare
/// by value so "Phường 2" comes before "Phường 10".
pub fn sort_key(s: &str) -> Vec<u32> {
    let mut primary: Vec<u32> = Vec::new();
    let mut secondary: Vec<u32> = Vec::new();
    let mut tertiary: Vec<u32> = Vec::new();
    let decomposed: Vec<char> = s.nfd().collect();
    let mut i = 0;
    while let Some(&c) = decomposed.get(i) {
        if c.is_ascii_digit() {
            let start = i;
            while decomposed.get(i).is_some_and(char::is_ascii_digit) {
                i += 1;
            }
            let digits: String = decomposed.get(start..i).unwrap_or_default().iter().collect();
            let trimmed = digits.trim_start_matches('0');
            primary.push(DIGIT_RUN + u32::try_from(trimmed.len()).unwrap_or(u32::MAX - DIGIT_RUN));
            primary.extend(trimmed.chars().map(|d| DIGIT_RUN + u32::from(d) - u32::from('0')));
            continue;
        }
        i += 1;
        if is_combining_mark(c) {
            continue; // handled with its base letter below
        }
        let lower = c.to_lowercase().next().unwrap_or(c);
        let mut modifier = None;
        let mut tone = 0u8;
        while let Some(&m) = decomposed.get(i) {
            if !is_combining_mark(m) {
                break;
            }
            if let Some(t) = tone_weight(m) {
                tone = t;
            } else {
                modifier = Some(m);
            }
            i += 1;
        }
        if c.is_whitespace() {
            primary.push(1);
            continue;
        }
        let weight = letter_weight(lower, modifier).unwrap_or(OTHER_BASE + u32::from(lower).min(0xFFFF_F000));
        primary.push(weight);
        secondary.push(u32::from(tone));
        tertiary.push(u32::from(c != lower));
    }
    primary.push(0);
    primary.extend(secondary);
    primary.push(0);
    primary.extend(tertiary);
    primary
}

/// Compares two strings in Vietnamese dictionary order.
pub fn cmp_vi(a: &str, b: &str) -> Ordering {
    sort_key(a).cmp(&sort_key(b)).then_with(|| a.cmp(b))
}

/// The order of a register book: by given name (the last word), then family name (the
/// first), then middle names, each in Vietnamese dictionary order ("Trần Văn An" before
/// "Nguyễn Thị Bình", and "Lê An" before "Trần An").
pub fn person_sort_key(full_name: &str) -> Vec<u32> {
    let words: Vec<&str> = full_name.split_whitespace().collect();
    let mut key = Vec::new();
    match words.as_slice() {
        [] => {}
        [only] => key.extend(sort_key(only)),
        [family, middle @ .., given] => {
            // Each part's key ends with its own terminators, so the parts cannot run into
            // each other: a shorter given name sorts first, as in the dictionary.
            key.extend(sort_key(given));
            key.extend(sort_key(family));
            key.extend(sort_key(&middle.join(" ")));
        }
    }
    key
}

/// [`person_sort_key`] as bytes whose byte order is the same order: what the databases
/// store and sort by (a `BLOB` in SQLite, a `bytea` in PostgreSQL, both compared byte by
/// byte).
pub fn person_sort_bytes(full_name: &str) -> Vec<u8> {
    person_sort_key(full_name).iter().flat_map(|w| w.to_be_bytes()).collect()
}

/// Compares two people's full names in register-book order.
pub fn cmp_person(a: &str, b: &str) -> Ordering {
    person_sort_key(a).cmp(&person_sort_key(b)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_are_ordered_by_given_name_then_family_then_middle() {
        let mut names = vec![
            "Nguyễn Thị Bình",
            "Trần Văn An",
            "Lê An",
            "Đỗ Văn Anh",
            "Nguyễn Văn Ánh",
            "Nguyễn Thị Ân",
            "Trần Thị An",
            "Bùi Ăn",
            "Nguyễn Văn Đức",
            "Nguyễn Văn Dũng",
        ];
        names.sort_by(|a, b| cmp_person(a, b));
        assert_eq!(
            names,
            [
                "Lê An",       // An: family Lê before Trần
                "Trần Thị An", // then middle Thị before Văn
                "Trần Văn An",
                "Đỗ Văn Anh",     // An < Anh (shorter first)
                "Nguyễn Văn Ánh", // the tone after the letters
                "Bùi Ăn",         // ă after a
                "Nguyễn Thị Ân",  // â after ă
                "Nguyễn Thị Bình",
                "Nguyễn Văn Dũng",
                "Nguyễn Văn Đức", // đ after d
            ]
        );
        // The bytes sort as the keys do.
        for pair in names.windows(2) {
            assert!(person_sort_bytes(pair[0]) < person_sort_bytes(pair[1]), "{pair:?}");
        }
    }

    #[test]
    fn nfd_input_is_stored_as_nfc() {
        let decomposed = "Nguye\u{0323}\u{0302}n";
        let cleaned = clean_line(decomposed, 50).unwrap();
        assert_eq!(cleaned, "Nguyện");
        assert_eq!(cleaned.chars().count(), 6);
    }

    #[test]
    fn control_and_invisible_characters_are_refused() {
        assert_eq!(clean_line("a\u{0}b", 10), Err(TextError::ControlCharacter(0)));
        assert_eq!(clean_line("a\u{202E}b", 10), Err(TextError::InvisibleCharacter(0x202E)));
        assert_eq!(clean_line("   ", 10), Err(TextError::Empty));
        assert_eq!(clean_line("Đồng Tháp", 3), Err(TextError::TooLong { max: 3 }));
        assert_eq!(clean_line("  Đồng   Tháp ", 30).unwrap(), "Đồng Tháp");
    }

    #[test]
    fn search_key_folds_diacritics_case_and_d() {
        assert_eq!(search_key("Nguyễn Thị ĐÀO"), "nguyen thi dao");
        assert_eq!(search_key("Hoà"), search_key("Hòa"));
        assert_eq!(search_key("Phường Mỹ Ngãi"), "phuong my ngai");
    }

    #[test]
    fn like_escaping() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
    }

    #[test]
    fn vietnamese_alphabet_order() {
        let mut words = vec!["đào", "dũng", "ân", "ăn", "an", "ê", "e", "bình", "ơn", "ôm", "ong", "ưu", "uy"];
        words.sort_by(|a, b| cmp_vi(a, b));
        assert_eq!(words, vec!["an", "ăn", "ân", "bình", "dũng", "đào", "e", "ê", "ong", "ôm", "ơn", "uy", "ưu"]);
    }

    #[test]
    fn tones_order_after_letters() {
        let mut words = vec!["mạ", "má", "mã", "mả", "mà", "ma", "mai"];
        words.sort_by(|a, b| cmp_vi(a, b));
        // Letters decide first (ma* < mai), then the tone: ngang, huyền, hỏi, ngã, sắc, nặng.
        assert_eq!(words, vec!["ma", "mà", "mả", "mã", "má", "mạ", "mai"]);
    }

    #[test]
    fn numbers_sort_by_value_and_case_is_last() {
        let mut words = vec!["Phường 10", "Phường 2", "Phường 1", "phường 1"];
        words.sort_by(|a, b| cmp_vi(a, b));
        assert_eq!(words, vec!["phường 1", "Phường 1", "Phường 2", "Phường 10"]);
    }

    #[test]
    fn composed_and_decomposed_sort_equal() {
        assert_eq!(sort_key("Nguyễn"), sort_key("Nguye\u{0302}\u{0303}n"));
    }
}

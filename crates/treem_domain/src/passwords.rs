//! Passwords nobody should choose (ASVS 5.0 V6.2.4, V6.2.11): the 3,000 most common
//! passwords that fit the policy, a few common in Vietnam, and the words of treem's
//! context, which include the name of every unit of the bundled map. The lists are
//! bundled data (`data/passwords/README.md` names their sources); this module only reads
//! them, once.

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::bundled;
use crate::text::search_key;

/// Why a password was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Weakness {
    /// On a list of common passwords.
    Common,
    /// Nothing but a word of treem's context (maybe repeated), with digits or symbols.
    ContextWord(String),
}

fn lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| lines(bundled::COMMON_PASSWORDS).chain(lines(bundled::COMMON_PASSWORDS_VI)).collect())
}

/// The letters of a text: diacritics folded (đ → d), lower case, every digit, space and
/// symbol removed. "Đồng Tháp 2026!" → "dongthap".
pub fn letters(s: &str) -> String {
    search_key(s).chars().filter(char::is_ascii_lowercase).collect()
}

/// Unit types as they start unit names ("Thành phố Cao Lãnh"), folded.
const UNIT_TYPES: &[&str] = &["thanh pho ", "thi xa ", "thi tran ", "phuong ", "xa ", "huyen ", "quan ", "tinh "];

fn context() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        let mut set: HashSet<String> = lines(bundled::PASSWORD_CONTEXT_WORDS).map(letters).collect();
        // The bundled map is compiled in and checked by its own tests; should it ever fail to
        // parse, the unit names are simply not added.
        if let Ok(files) = bundled::admin_unit_files() {
            for unit in &files.units {
                let folded = search_key(&unit.name);
                set.insert(letters(&folded));
                if let Some(bare) = UNIT_TYPES.iter().find_map(|t| folded.strip_prefix(t)) {
                    set.insert(letters(bare));
                }
            }
        }
        set.remove("");
        set
    })
}

/// Whether `letters` is `word` written once or several times over.
fn is_repeat_of(letters: &str, word: &str) -> bool {
    !word.is_empty() && letters.len().is_multiple_of(word.len()) && letters.as_bytes().chunks(word.len()).all(|c| c == word.as_bytes())
}

/// Checks a new password against the lists. The comparison with the common passwords is
/// exact after lower-casing (they are stored lower case); the context check looks at the
/// password's letters only, so "DongThap@2026" is as refused as "dongthap".
pub fn weakness(password: &str) -> Option<Weakness> {
    if common().contains(password.to_lowercase().as_str()) {
        return Some(Weakness::Common);
    }
    let own = letters(password);
    if own.is_empty() {
        return None;
    }
    // The longest matching word, so that the answer does not depend on the set's order.
    context()
        .iter()
        .filter(|w| is_repeat_of(&own, w))
        .max_by(|a, b| a.len().cmp(&b.len()).then(b.cmp(a)))
        .map(|w| Weakness::ContextWord(w.clone()))
}

/// How many common passwords are checked (for the documentation and its test).
pub fn common_count() -> usize {
    common().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_the_top_3000_of_the_policy_length_most_common_first() {
        let top: Vec<&str> = lines(bundled::COMMON_PASSWORDS).collect();
        assert_eq!(top.len(), 3000);
        assert_eq!(top.iter().copied().collect::<HashSet<_>>().len(), 3000, "no duplicates");
        assert!(top.iter().all(|p| (8..=128).contains(&p.chars().count())), "only passwords the policy would accept");
        assert!(top.iter().all(|p| p.to_lowercase() == *p), "stored lower case");
        assert_eq!(&top[..4], &["123456789", "password", "12345678", "password1"]);
        assert!(common_count() > 3000);
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        for p in ["password", "PASSWORD1", "Qwerty123", "iloveyou", "1q2w3e4r5t", "sunshine", "webster1", "123456a@", "Matkhau123"] {
            assert_eq!(weakness(p), Some(Weakness::Common), "{p}");
        }
    }

    #[test]
    fn context_words_with_digits_or_symbols_are_refused() {
        for (p, word) in [
            ("dongthap2026", "dongthap"),
            ("Đồng Tháp 2026!", "dongthap"),
            ("treemtreem", "treem"),
            ("tre-em-2026", "treem"),
            ("mậtkhẩu!!", "matkhau"),
            ("ldtbxh@2025", "ldtbxh"),
            // A commune of the bundled map, with and without its type.
            ("MyNgai#2025", "myngai"),
            ("phuongmyngai1", "phuongmyngai"),
            ("caolanh12345", "caolanh"),
        ] {
            assert_eq!(weakness(p), Some(Weakness::ContextWord(word.into())), "{p}");
        }
    }

    #[test]
    fn the_first_short_list_is_still_refused() {
        // treem's first, 30-entry list (before the bundled lists): none may become acceptable.
        for p in [
            "password",
            "password1",
            "12345678",
            "123456789",
            "1234567890",
            "qwerty123",
            "11111111",
            "00000000",
            "abc12345",
            "iloveyou",
            "admin123",
            "matkhau",
            "matkhau123",
            "123456a@",
            "12345678a",
            "dongthap",
            "dongthap1",
            "treem123",
            "treemtreem",
            "vietnam1",
            "vietnam123",
            "hanoi123",
            "saigon123",
            "anhyeuem",
            "baove123",
            "qwertyui",
            "1q2w3e4r",
            "passw0rd",
            "welcome1",
            "letmein1",
        ] {
            assert!(weakness(p).is_some(), "{p}");
        }
    }

    #[test]
    fn long_and_unusual_passwords_pass_with_any_composition() {
        for p in [
            "tôi yêu đồng tháp quê tôi",
            "một mật khẩu mới dài",
            "correct horse battery staple",
            "tre-em-demo-2026",
            "test-password-2026",
            "9#4!2@7$1%",
            "x".repeat(64).as_str(),
        ] {
            assert_eq!(weakness(p), None, "{p}");
        }
    }
}

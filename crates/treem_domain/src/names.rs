//! Vietnamese personal names as data entry gets them wrong: each name split into
//! syllables with their tone and vowel marks, folded forms (no diacritics, đ as d),
//! a phonetic form for the regional spellings of the South (d/gi/r, final y/i, the
//! hỏi/ngã confusion), and how alike two syllables are. Used by duplicate detection
//! (`crate::dedup`); beside `crate::text`, which normalises text for storage and search.

use std::sync::OnceLock;

use unicode_normalization::char::decompose_canonical;

/// A name cut into tokens, each kept in several forms inside one buffer so that
/// refilling it for the next candidate allocates nothing.
#[derive(Debug, Default)]
pub(crate) struct NameKey {
    pub(crate) buf: String,
    pub(crate) tokens: Vec<Token>,
    /// Whether the name was typed with any Vietnamese mark at all. A name
    /// without any is compared on folded keys only: "Hung" may be Hùng or Hưng.
    pub(crate) accented: bool,
    pub(crate) cur_base: String,
    pub(crate) cur_folded: String,
    pub(crate) cur_tone: u8,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    /// As `search_key`: lower case, no marks, đ → d.
    pub(crate) folded: (usize, usize),
    /// Lower case, NFD, tone mark removed, vowel marks (ă â ê ô ơ ư) and đ kept.
    pub(crate) base: (usize, usize),
    /// `base` with regional spellings folded (gi-/r- → d-, final -y → -i).
    pub(crate) phon_base: (usize, usize),
    /// `folded` with the same regional spellings folded.
    pub(crate) phon_folded: (usize, usize),
    /// 0 none, 1 huyền, 2 hỏi, 3 ngã, 4 sắc, 5 nặng.
    pub(crate) tone: u8,
}

pub(crate) const TONE_HOI: u8 = 2;

pub(crate) const TONE_NGA: u8 = 3;

pub(crate) fn tone_of(c: char) -> Option<u8> {
    match c {
        '\u{0300}' => Some(1),
        '\u{0309}' => Some(TONE_HOI),
        '\u{0303}' => Some(TONE_NGA),
        '\u{0301}' => Some(4),
        '\u{0323}' => Some(5),
        _ => None,
    }
}

pub(crate) fn is_vowel_mark(c: char) -> bool {
    matches!(c, '\u{0302}' | '\u{0306}' | '\u{031B}')
}

pub(crate) fn is_combining(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

pub(crate) fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

impl NameKey {
    pub(crate) fn fill(&mut self, name: &str) {
        self.buf.clear();
        self.tokens.clear();
        self.accented = false;
        self.cur_base.clear();
        self.cur_folded.clear();
        self.cur_tone = 0;
        for c in name.chars() {
            if c.is_ascii() {
                self.feed(c);
            } else {
                decompose(c, |d| self.feed(d));
            }
        }
        self.end_token();
    }

    pub(crate) fn feed(&mut self, c: char) {
        if c.is_ascii_alphanumeric() {
            let l = c.to_ascii_lowercase();
            self.cur_base.push(l);
            self.cur_folded.push(l);
        } else if let Some(t) = tone_of(c) {
            if !self.cur_base.is_empty() {
                self.cur_tone = t;
                self.accented = true;
            }
        } else if is_vowel_mark(c) {
            if !self.cur_base.is_empty() {
                self.cur_base.push(c);
                self.accented = true;
            }
        } else if is_combining(c) {
            // Not a Vietnamese mark: ignore it.
        } else if c == 'đ' || c == 'Đ' {
            self.cur_base.push('đ');
            self.cur_folded.push('d');
            self.accented = true;
        } else if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                self.cur_base.push(l);
                self.cur_folded.push(l);
            }
        } else {
            self.end_token();
        }
    }

    pub(crate) fn end_token(&mut self) {
        if !self.cur_folded.is_empty() {
            let folded = push_span(&mut self.buf, |b| b.push_str(&self.cur_folded));
            let base = push_span(&mut self.buf, |b| b.push_str(&self.cur_base));
            let phon_base = push_span(&mut self.buf, |b| push_phonetic(b, &self.cur_base));
            let phon_folded = push_span(&mut self.buf, |b| push_phonetic(b, &self.cur_folded));
            self.tokens.push(Token { folded, base, phon_base, phon_folded, tone: self.cur_tone });
        }
        self.cur_base.clear();
        self.cur_folded.clear();
        self.cur_tone = 0;
    }

    pub(crate) fn text(&self, span: (usize, usize)) -> &str {
        self.buf.get(span.0..span.1).unwrap_or_default()
    }

    pub(crate) fn first(&self) -> Option<&Token> {
        if self.tokens.len() >= 2 {
            self.tokens.first()
        } else {
            None
        }
    }

    pub(crate) fn middles(&self) -> &[Token] {
        self.tokens.get(1..self.tokens.len().saturating_sub(1)).unwrap_or_default()
    }
}

/// The canonical decomposition of `c`, char by char rather than through `nfd()`:
/// the order of the marks does not matter here. The Latin letters Vietnamese uses
/// come from a table built once, which makes a debug build several times faster.
pub(crate) fn decompose(c: char, mut emit: impl FnMut(char)) {
    static TABLES: OnceLock<[Vec<[char; 3]>; 2]> = OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        let build = |range: std::ops::RangeInclusive<u32>| -> Vec<[char; 3]> {
            range
                .map(|cp| {
                    let mut out = ['\0'; 3];
                    let mut n = 0;
                    decompose_canonical(char::from_u32(cp).unwrap_or('\0'), |d| {
                        if let Some(slot) = out.get_mut(n) {
                            *slot = d;
                        }
                        n += 1;
                    });
                    // Longer than three: leave it to the library (none in these ranges).
                    if n > 3 {
                        out = ['\0'; 3];
                    }
                    out
                })
                .collect()
        };
        [build(LATIN.0..=LATIN.1), build(VIETNAMESE.0..=VIETNAMESE.1)]
    });
    let cp = u32::from(c);
    let entry = match cp {
        _ if (LATIN.0..=LATIN.1).contains(&cp) => tables[0].get((cp - LATIN.0) as usize),
        _ if (VIETNAMESE.0..=VIETNAMESE.1).contains(&cp) => tables[1].get((cp - VIETNAMESE.0) as usize),
        _ => None,
    };
    match entry {
        Some(e) if e[0] != '\0' => e.iter().filter(|d| **d != '\0').for_each(|d| emit(*d)),
        _ => decompose_canonical(c, emit),
    }
}

/// À..ư (Latin-1 Supplement to Latin Extended-B) and Ạ..ỹ (Latin Extended Additional).
pub(crate) const LATIN: (u32, u32) = (0x00C0, 0x01B0);

pub(crate) const VIETNAMESE: (u32, u32) = (0x1EA0, 0x1EF9);

pub(crate) fn push_span(buf: &mut String, write: impl FnOnce(&mut String)) -> (usize, usize) {
    let start = buf.len();
    write(buf);
    (start, buf.len())
}

/// Folds the regional spellings of a syllable's edges: initial gi-, r- and d-
/// sound alike in the North ("Giũng" for Dũng, "Giệu" for Diệu), and a final -y
/// after a consonant or qu- is the old spelling of -i ("Thy"/"Thi", "Quý"/"Quí";
/// but "Huy" stays).
pub(crate) fn push_phonetic(out: &mut String, s: &str) {
    let start = out.len();
    if let Some(rest) = s.strip_prefix("gi") {
        out.push('d');
        // "gi" + "iê" is written "giê": the i belongs to the vowel too.
        if !rest.starts_with(is_vowel) || rest.starts_with('e') {
            out.push('i');
        }
        out.push_str(rest);
    } else if let Some(rest) = s.strip_prefix('r') {
        out.push('d');
        out.push_str(rest);
    } else {
        out.push_str(s);
    }
    if let Some(body) = out.get(start..).and_then(|w| w.strip_suffix('y')) {
        let after_vowel = body.chars().last().is_some_and(|p| is_vowel(p) || is_combining(p));
        if !after_vowel || body.ends_with("qu") {
            out.pop();
            out.push('i');
        }
    }
}

/// How alike two name tokens are, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Sim {
    None,
    /// One letter wrong, missing, extra or two letters swapped, both real
    /// syllables with the same first letter (tokens of 4+ letters): "Khang"/"Khanh".
    Typo,
    /// Same letters, different vowel marks or đ/d: "Hùng"/"Hưng", "Thu"/"Thư".
    Mark,
    /// Same letters and vowel marks, different tone: "Ánh"/"Anh".
    Tone,
    /// One letter apart and one side is no Vietnamese syllable: "Nhugn"/"Nhung".
    Misspelt,
    /// Regional spelling or the hỏi/ngã confusion: "Dũng"/"Giũng", "Thủy"/"Thũy".
    Phonetic,
    /// Equal once folded, and one of the names was typed without any marks.
    Unaccented,
    Exact,
}

pub(crate) fn token_sim(ka: &NameKey, a: &Token, kb: &NameKey, b: &Token) -> Sim {
    let both_accented = ka.accented && kb.accented;
    let hoi_nga = (a.tone == TONE_HOI && b.tone == TONE_NGA) || (a.tone == TONE_NGA && b.tone == TONE_HOI);
    let (fa, fb) = (ka.text(a.folded), kb.text(b.folded));
    if fa == fb {
        let same_base = ka.text(a.base) == kb.text(b.base);
        return if same_base && a.tone == b.tone {
            Sim::Exact
        } else if !both_accented {
            Sim::Unaccented
        } else if same_base && hoi_nga {
            Sim::Phonetic
        } else if same_base {
            Sim::Tone
        } else {
            Sim::Mark
        };
    }
    let phonetic = if both_accented {
        ka.text(a.phon_base) == kb.text(b.phon_base) && (a.tone == b.tone || hoi_nga)
    } else {
        ka.text(a.phon_folded) == kb.text(b.phon_folded)
    };
    if phonetic {
        Sim::Phonetic
    } else if fa.len() < 4 || fb.len() < 4 || !within_one_edit(fa.as_bytes(), fb.as_bytes()) {
        Sim::None
    } else if !is_syllable(fa) || !is_syllable(fb) {
        Sim::Misspelt
    } else if fa.as_bytes().first() == fb.as_bytes().first() {
        Sim::Typo
    } else {
        Sim::None
    }
}

/// Vowel nuclei of Vietnamese syllables, folded (iê → ie, ươ → uo, ...).
pub(crate) const NUCLEI: [&str; 41] = [
    "a", "ai", "ao", "au", "ay", "e", "eo", "eu", "i", "ia", "ie", "ieu", "iu", "o", "oa", "oai", "oao", "oay", "oe", "oeo", "oi", "oo",
    "u", "ua", "uay", "ue", "ui", "uo", "uoi", "uou", "uu", "uy", "uya", "uye", "uyu", "y", "ye", "yeu", "uao", "uai", "ueu",
];

pub(crate) const INITIALS: [&str; 27] = [
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t",
    "v", "x", "",
];

pub(crate) const FINALS: [&str; 9] = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];

/// Whether a folded token can be one Vietnamese syllable: initial consonant,
/// vowel nucleus, final consonant. "nhung" is; "nhugn", "ngyuen", "thanng" are not.
pub(crate) fn is_syllable(folded: &str) -> bool {
    INITIALS.iter().filter_map(|i| folded.strip_prefix(i)).any(|rest| {
        let vowels = rest.bytes().take_while(|b| b"aeiouy".contains(b)).count();
        let (nucleus, fin) = rest.split_at(vowels);
        NUCLEI.contains(&nucleus) && FINALS.contains(&fin)
    })
}

/// Whether `a` becomes `b` by one substitution, insertion, deletion or swap of neighbours.
pub(crate) fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (a.get(p..).unwrap_or_default(), b.get(p..).unwrap_or_default());
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Greater => ra.get(1..) == Some(rb),
        std::cmp::Ordering::Less => rb.get(1..) == Some(ra),
        std::cmp::Ordering::Equal => {
            ra.is_empty()
                || ra.get(1..) == rb.get(1..)
                || (ra.len() >= 2 && ra.first() == rb.get(1) && ra.get(1) == rb.first() && ra.get(2..) == rb.get(2..))
        }
    }
}

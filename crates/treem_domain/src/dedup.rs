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
use std::sync::OnceLock;

use serde::Serialize;
use time::Date;
use unicode_normalization::char::decompose_canonical;

use crate::child::{Child, Sex};
use crate::units::{UnitCatalog, UnitId, UnitLevel, SHARE_WHOLE};

/// A pair scoring at least this much is reported as a probable duplicate.
/// Chosen on `tests/data/name_variants.csv`; see `docs/DUPLICATES.md`.
pub const THRESHOLD: u32 = 70;

/// What the matcher knows about a person (a stored child or one being registered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate<'a> {
    pub id: i64,
    pub full_name: &'a str,
    pub sex: Option<Sex>,
    pub birth_date: Option<Date>,
    /// Used only when `birth_date` is unknown (a child registered with a year of birth).
    pub birth_year: Option<i32>,
    pub residence_unit: UnitId,
}

impl<'a> From<&'a Child> for Candidate<'a> {
    fn from(c: &'a Child) -> Self {
        Self {
            id: c.id,
            full_name: &c.full_name,
            sex: Some(c.sex),
            birth_date: Some(c.birth_date),
            birth_year: None,
            residence_unit: c.residence_unit,
        }
    }
}

/// A probable duplicate: the existing record's id, its score (0..=100) and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub id: i64,
    pub score: u32,
    /// Stable short codes from [`REASON_CODES`], in that order.
    pub reasons: Vec<&'static str>,
}

/// Every reason code that [`score`] and [`find_duplicates`] may return, in the
/// order they are reported. Codes ending in `_differs` or `_far` lowered the score.
pub const REASON_CODES: [&str; 20] = [
    "given_name",
    "given_name_similar",
    "name_reordered",
    "given_name_differs",
    "family_name",
    "family_name_variant",
    "family_name_differs",
    "middle_name",
    "middle_name_differs",
    "birth_date_exact",
    "birth_date_swapped",
    "birth_date_near",
    "birth_day_month",
    "birth_year",
    "birth_date_far",
    "sex_differs",
    "same_unit",
    "successor_unit",
    "same_parent",
    "same_district",
];

// The evidence and its weight, in points of the 0..=100 score; the sum is
// clamped to 0..=100. Without a matching given name the rest adds up to at most
// -20 + 18 + 8 + 30 + 10 = 46, far below the threshold: siblings and twins never
// match on their family, middle names, birth date and commune alone (tested).
const GIVEN_EXACT: i32 = 40;
const GIVEN_UNACCENTED: i32 = 38;
const GIVEN_PHONETIC: i32 = 30;
const GIVEN_TONE: i32 = 24;
const GIVEN_MARK: i32 = 18;
/// One letter wrong and the result is not a Vietnamese syllable ("Nhugn"): a typing error.
const GIVEN_MISSPELT: i32 = 28;
/// One letter apart, both real syllables ("Khang"/"Khanh", "Hằng"/"Hạnh"): often two names.
const GIVEN_TYPO: i32 = 14;
const GIVEN_DIFFERS: i32 = -20;
/// The whole name matches, but the given name stands first ("Ánh Nguyễn Thị").
const NAME_REORDERED: i32 = 32;
const FAMILY_RARE: i32 = 18;
const FAMILY_COMMON: i32 = 8;
/// Hoàng/Huỳnh and Vũ/Võ: one name in the North, another in the South.
const FAMILY_REGIONAL: i32 = 4;
const FAMILY_DIFFERS: i32 = -12;
/// "Thị" and "Văn" mark sex more than they identify anyone.
const MIDDLE_WEAK: i32 = 1;
const MIDDLE_TOKEN: i32 = 4;
const MIDDLE_MAX: i32 = 8;
const MIDDLE_DIFFERS: i32 = -4;
const DOB_EXACT: i32 = 30;
const DOB_SWAPPED: i32 = 18;
const DOB_NEAR: i32 = 18;
const DOB_NEAR_DAYS: i64 = 30;
const DOB_DAY_MONTH: i32 = 18;
const DOB_YEAR_ONLY: i32 = 12;
const DOB_SAME_YEAR: i32 = 2;
const DOB_FAR: i32 = -30;
const DOB_FAR_DAYS: i64 = 366;
const SEX_DIFFERS: i32 = -20;
const UNIT_SAME: i32 = 10;
const UNIT_SUCCESSOR_WHOLE: i32 = 10;
const UNIT_SUCCESSOR_PART: i32 = 6;
const UNIT_SAME_PARENT: i32 = 8;
const UNIT_SAME_DISTRICT: i32 = 4;

/// The most common family names, folded: together about 90 % of the population.
const COMMON_FAMILIES: [&str; 17] =
    ["nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do", "ho", "ngo", "duong", "ly", "li"];
/// Family names that are regional forms of one another, folded.
const REGIONAL_FAMILIES: [(&str, &str); 2] = [("hoang", "huynh"), ("vu", "vo")];
/// Middle names that carry little identity.
const WEAK_MIDDLES: [&str; 2] = ["thi", "van"];

/// Scores `new` against every existing candidate and returns those at or above
/// [`THRESHOLD`], best first (ties by id). A candidate with the same id as `new`
/// is skipped: a record is not its own duplicate.
pub fn find_duplicates(new: &Candidate<'_>, existing: &[Candidate<'_>], catalog: &UnitCatalog, on: Date) -> Vec<Match> {
    let mut new_key = NameKey::default();
    new_key.fill(new.full_name);
    let new_place = Place::of(catalog, new.residence_unit, on);
    let mut residence: HashMap<UnitId, (i32, Option<Reason>)> = HashMap::new();
    let mut key = NameKey::default();
    let mut out = Vec::new();
    for c in existing {
        if c.id == new.id {
            continue;
        }
        let unit = *residence.entry(c.residence_unit).or_insert_with(|| new_place.relation(&Place::of(catalog, c.residence_unit, on)));
        key.fill(c.full_name);
        let (score, reasons) = score_parts(new, &new_key, c, &key, unit);
        if score >= THRESHOLD {
            out.push(Match { id: c.id, score, reasons: reasons.codes() });
        }
    }
    out.sort_by(|a, b| b.score.cmp(&a.score).then(a.id.cmp(&b.id)));
    out
}

/// The score of one pair (0..=100) and the reasons, as [`find_duplicates`] computes it.
pub fn score(a: &Candidate<'_>, b: &Candidate<'_>, catalog: &UnitCatalog, on: Date) -> (u32, Vec<&'static str>) {
    let mut ka = NameKey::default();
    ka.fill(a.full_name);
    let mut kb = NameKey::default();
    kb.fill(b.full_name);
    let unit = Place::of(catalog, a.residence_unit, on).relation(&Place::of(catalog, b.residence_unit, on));
    let (s, reasons) = score_parts(a, &ka, b, &kb, unit);
    (s, reasons.codes())
}

fn score_parts(a: &Candidate<'_>, ka: &NameKey, b: &Candidate<'_>, kb: &NameKey, unit: (i32, Option<Reason>)) -> (u32, Reasons) {
    let mut reasons = Reasons::default();
    let mut total = name_points(ka, kb, &mut reasons);
    total += birth_points(a, b, &mut reasons);
    if let (Some(x), Some(y)) = (a.sex, b.sex) {
        if x != y {
            total += SEX_DIFFERS;
            reasons.add(Reason::SexDiffers);
        }
    }
    total += unit.0;
    if let Some(r) = unit.1 {
        reasons.add(r);
    }
    (u32::try_from(total.clamp(0, 100)).unwrap_or(0), reasons)
}

// ---------------------------------------------------------------- reasons

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reason {
    GivenName,
    GivenNameSimilar,
    NameReordered,
    GivenNameDiffers,
    FamilyName,
    FamilyNameVariant,
    FamilyNameDiffers,
    MiddleName,
    MiddleNameDiffers,
    BirthDateExact,
    BirthDateSwapped,
    BirthDateNear,
    BirthDayMonth,
    BirthYear,
    BirthDateFar,
    SexDiffers,
    SameUnit,
    SuccessorUnit,
    SameParent,
    SameDistrict,
}

/// A set of reasons as bits, so that scoring a pair allocates nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Reasons(u32);

impl Reasons {
    fn add(&mut self, r: Reason) {
        self.0 |= 1 << (r as u32);
    }
    fn codes(self) -> Vec<&'static str> {
        REASON_CODES.iter().enumerate().filter(|(i, _)| self.0 & (1 << i) != 0).map(|(_, c)| *c).collect()
    }
}

// ---------------------------------------------------------------- names

/// A name cut into tokens, each kept in several forms inside one buffer so that
/// refilling it for the next candidate allocates nothing.
#[derive(Debug, Default)]
struct NameKey {
    buf: String,
    tokens: Vec<Token>,
    /// Whether the name was typed with any Vietnamese mark at all. A name
    /// without any is compared on folded keys only: "Hung" may be Hùng or Hưng.
    accented: bool,
    cur_base: String,
    cur_folded: String,
    cur_tone: u8,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    /// As `search_key`: lower case, no marks, đ → d.
    folded: (usize, usize),
    /// Lower case, NFD, tone mark removed, vowel marks (ă â ê ô ơ ư) and đ kept.
    base: (usize, usize),
    /// `base` with regional spellings folded (gi-/r- → d-, final -y → -i).
    phon_base: (usize, usize),
    /// `folded` with the same regional spellings folded.
    phon_folded: (usize, usize),
    /// 0 none, 1 huyền, 2 hỏi, 3 ngã, 4 sắc, 5 nặng.
    tone: u8,
}

const TONE_HOI: u8 = 2;
const TONE_NGA: u8 = 3;

fn tone_of(c: char) -> Option<u8> {
    match c {
        '\u{0300}' => Some(1),
        '\u{0309}' => Some(TONE_HOI),
        '\u{0303}' => Some(TONE_NGA),
        '\u{0301}' => Some(4),
        '\u{0323}' => Some(5),
        _ => None,
    }
}

fn is_vowel_mark(c: char) -> bool {
    matches!(c, '\u{0302}' | '\u{0306}' | '\u{031B}')
}

fn is_combining(c: char) -> bool {
    ('\u{0300}'..='\u{036F}').contains(&c)
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
}

impl NameKey {
    fn fill(&mut self, name: &str) {
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

    fn feed(&mut self, c: char) {
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

    fn end_token(&mut self) {
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

    fn text(&self, span: (usize, usize)) -> &str {
        self.buf.get(span.0..span.1).unwrap_or_default()
    }

    fn first(&self) -> Option<&Token> {
        if self.tokens.len() >= 2 {
            self.tokens.first()
        } else {
            None
        }
    }

    fn middles(&self) -> &[Token] {
        self.tokens.get(1..self.tokens.len().saturating_sub(1)).unwrap_or_default()
    }
}

/// The canonical decomposition of `c`, char by char rather than through `nfd()`:
/// the order of the marks does not matter here. The Latin letters Vietnamese uses
/// come from a table built once, which makes a debug build several times faster.
fn decompose(c: char, mut emit: impl FnMut(char)) {
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
const LATIN: (u32, u32) = (0x00C0, 0x01B0);
const VIETNAMESE: (u32, u32) = (0x1EA0, 0x1EF9);

fn push_span(buf: &mut String, write: impl FnOnce(&mut String)) -> (usize, usize) {
    let start = buf.len();
    write(buf);
    (start, buf.len())
}

/// Folds the regional spellings of a syllable's edges: initial gi-, r- and d-
/// sound alike in the North ("Giũng" for Dũng, "Giệu" for Diệu), and a final -y
/// after a consonant or qu- is the old spelling of -i ("Thy"/"Thi", "Quý"/"Quí";
/// but "Huy" stays).
fn push_phonetic(out: &mut String, s: &str) {
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
enum Sim {
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

fn token_sim(ka: &NameKey, a: &Token, kb: &NameKey, b: &Token) -> Sim {
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
const NUCLEI: [&str; 41] = [
    "a", "ai", "ao", "au", "ay", "e", "eo", "eu", "i", "ia", "ie", "ieu", "iu", "o", "oa", "oai", "oao", "oay", "oe", "oeo", "oi", "oo",
    "u", "ua", "uay", "ue", "ui", "uo", "uoi", "uou", "uu", "uy", "uya", "uye", "uyu", "y", "ye", "yeu", "uao", "uai", "ueu",
];
const INITIALS: [&str; 27] = [
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t",
    "v", "x", "",
];
const FINALS: [&str; 9] = ["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];

/// Whether a folded token can be one Vietnamese syllable: initial consonant,
/// vowel nucleus, final consonant. "nhung" is; "nhugn", "ngyuen", "thanng" are not.
fn is_syllable(folded: &str) -> bool {
    INITIALS.iter().filter_map(|i| folded.strip_prefix(i)).any(|rest| {
        let vowels = rest.bytes().take_while(|b| b"aeiouy".contains(b)).count();
        let (nucleus, fin) = rest.split_at(vowels);
        NUCLEI.contains(&nucleus) && FINALS.contains(&fin)
    })
}

/// Whether `a` becomes `b` by one substitution, insertion, deletion or swap of neighbours.
fn within_one_edit(a: &[u8], b: &[u8]) -> bool {
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

fn is_common_family(ka: &NameKey, t: &Token) -> bool {
    COMMON_FAMILIES.contains(&ka.text(t.folded))
}

fn family_weight(ka: &NameKey, a: &Token, kb: &NameKey, b: &Token) -> i32 {
    if is_common_family(ka, a) || is_common_family(kb, b) {
        FAMILY_COMMON
    } else {
        FAMILY_RARE
    }
}

fn name_points(ka: &NameKey, kb: &NameKey, reasons: &mut Reasons) -> i32 {
    let (Some(ga), Some(gb)) = (ka.tokens.last(), kb.tokens.last()) else {
        return 0;
    };
    let given = token_sim(ka, ga, kb, gb);
    if given == Sim::None {
        // Either name may be the one in Vietnamese order; take the more cautious reading.
        let points = match (reordered(ka, kb), reordered(kb, ka)) {
            (Some(x), Some(y)) => Some(x.min(y)),
            (x, y) => x.or(y),
        };
        if let Some(points) = points {
            reasons.add(Reason::NameReordered);
            return points;
        }
    }
    let mut total = match given {
        Sim::Exact => GIVEN_EXACT,
        Sim::Unaccented => GIVEN_UNACCENTED,
        Sim::Phonetic => GIVEN_PHONETIC,
        Sim::Misspelt => GIVEN_MISSPELT,
        Sim::Tone => GIVEN_TONE,
        Sim::Mark => GIVEN_MARK,
        Sim::Typo => GIVEN_TYPO,
        Sim::None => GIVEN_DIFFERS,
    };
    reasons.add(match given {
        Sim::Exact | Sim::Unaccented => Reason::GivenName,
        Sim::None => Reason::GivenNameDiffers,
        _ => Reason::GivenNameSimilar,
    });
    if let (Some(fa), Some(fb)) = (ka.first(), kb.first()) {
        let weight = family_weight(ka, fa, kb, fb);
        let (points, reason) = match token_sim(ka, fa, kb, fb) {
            Sim::Exact | Sim::Unaccented => (weight, Reason::FamilyName),
            Sim::Phonetic | Sim::Tone | Sim::Misspelt => (weight * 3 / 4, Reason::FamilyNameVariant),
            Sim::Mark | Sim::Typo => (weight / 2, Reason::FamilyNameVariant),
            Sim::None => {
                let (x, y) = (ka.text(fa.folded), kb.text(fb.folded));
                if REGIONAL_FAMILIES.iter().any(|&(p, q)| (x == p && y == q) || (x == q && y == p)) {
                    (FAMILY_REGIONAL, Reason::FamilyNameVariant)
                } else {
                    (FAMILY_DIFFERS, Reason::FamilyNameDiffers)
                }
            }
        };
        total += points;
        reasons.add(reason);
    }
    let (ma, mb) = (ka.middles(), kb.middles());
    if !ma.is_empty() && !mb.is_empty() {
        // Middle names may be dropped or swapped: match them as a set.
        let mut used = 0u64;
        let mut points = 0;
        for a in ma {
            let found = mb.iter().take(64).enumerate().find(|(j, b)| used & (1 << j) == 0 && token_sim(ka, a, kb, b) != Sim::None);
            if let Some((j, _)) = found {
                used |= 1 << j;
                points += if WEAK_MIDDLES.contains(&ka.text(a.folded)) { MIDDLE_WEAK } else { MIDDLE_TOKEN };
            }
        }
        if used == 0 {
            total += MIDDLE_DIFFERS;
            reasons.add(Reason::MiddleNameDiffers);
        } else {
            total += points.min(MIDDLE_MAX);
            reasons.add(Reason::MiddleName);
        }
    }
    total
}

/// `a` in Vietnamese order and `b` with the given name moved to the front
/// ("Nguyễn Thị Ánh" / "Ánh Nguyễn Thị" or "Ánh Thị Nguyễn"): every token must
/// match, tone differences allowed. Returns the name's points.
fn reordered(ka: &NameKey, kb: &NameKey) -> Option<i32> {
    let n = ka.tokens.len();
    if n < 2 || n != kb.tokens.len() || n > 64 {
        return None;
    }
    let (ga, rest_a) = ka.tokens.split_last()?;
    let (gb, rest_b) = kb.tokens.split_first()?;
    if token_sim(ka, ga, kb, gb) < Sim::Tone {
        return None;
    }
    let mut used = 0u64;
    for a in rest_a {
        let (j, _) = rest_b.iter().enumerate().find(|(j, b)| used & (1 << j) == 0 && token_sim(ka, a, kb, b) >= Sim::Tone)?;
        used |= 1 << j;
    }
    let family = rest_a.first()?;
    let weight = if is_common_family(ka, family) { FAMILY_COMMON } else { FAMILY_RARE };
    Some(NAME_REORDERED + weight)
}

// ---------------------------------------------------------------- birth dates

fn birth_points(a: &Candidate<'_>, b: &Candidate<'_>, reasons: &mut Reasons) -> i32 {
    let (points, reason) = birth_evidence(a, b);
    if let Some(r) = reason {
        reasons.add(r);
    }
    points
}

fn birth_evidence(a: &Candidate<'_>, b: &Candidate<'_>) -> (i32, Option<Reason>) {
    if let (Some(x), Some(y)) = (a.birth_date, b.birth_date) {
        let days = (x - y).whole_days().abs();
        let swapped = x.year() == y.year() && x.day() == u8::from(y.month()) && u8::from(x.month()) == y.day();
        return if days == 0 {
            (DOB_EXACT, Some(Reason::BirthDateExact))
        } else if swapped {
            (DOB_SWAPPED, Some(Reason::BirthDateSwapped))
        } else if days <= DOB_NEAR_DAYS {
            (DOB_NEAR, Some(Reason::BirthDateNear))
        } else if x.month() == y.month() && x.day() == y.day() && (x.year() - y.year()).abs() == 1 {
            (DOB_DAY_MONTH, Some(Reason::BirthDayMonth))
        } else if days > DOB_FAR_DAYS {
            (DOB_FAR, Some(Reason::BirthDateFar))
        } else if x.year() == y.year() {
            (DOB_SAME_YEAR, Some(Reason::BirthYear))
        } else {
            (0, None)
        };
    }
    let year = |c: &Candidate<'_>| c.birth_date.map(Date::year).or(c.birth_year);
    match (year(a), year(b)) {
        (Some(x), Some(y)) if x == y => (DOB_YEAR_ONLY, Some(Reason::BirthYear)),
        (Some(x), Some(y)) if (x - y).abs() > 1 => (DOB_FAR, Some(Reason::BirthDateFar)),
        _ => (0, None),
    }
}

// ---------------------------------------------------------------- residence

/// Where a residence unit lies on the date of comparison.
#[derive(Debug, Clone)]
struct Place {
    id: UnitId,
    /// The unit followed through successions onto the units valid on the date, with shares (ppm).
    now: Vec<(UnitId, i64)>,
    /// Its commune (itself unless a hamlet), followed the same way.
    commune_now: Vec<(UnitId, i64)>,
    /// The district of its commune in the commune's own era, if there was one.
    district: Option<UnitId>,
}

impl Place {
    fn of(catalog: &UnitCatalog, id: UnitId, on: Date) -> Self {
        let era = |id: UnitId| match catalog.get(id) {
            Some(u) if u.validity.contains(on) => on,
            Some(u) => match u.validity.to {
                Some(to) if to < on => to,
                _ => u.validity.from,
            },
            None => on,
        };
        let commune = match catalog.get(id) {
            Some(u) if u.level == UnitLevel::Hamlet => catalog.parent_on(id, era(id)).unwrap_or(id),
            _ => id,
        };
        let district = catalog.parent_on(commune, era(commune)).filter(|p| catalog.get(*p).is_some_and(|u| u.level == UnitLevel::District));
        Self { id, now: resolve(catalog, id, on), commune_now: resolve(catalog, commune, on), district }
    }

    fn relation(&self, other: &Place) -> (i32, Option<Reason>) {
        let overlap = |a: &[(UnitId, i64)], b: &[(UnitId, i64)]| {
            a.iter().filter_map(|(u, s)| b.iter().find(|(v, _)| v == u).map(|(_, t)| (*s).min(*t))).max()
        };
        if self.id == other.id {
            (UNIT_SAME, Some(Reason::SameUnit))
        } else if let Some(share) = overlap(&self.now, &other.now) {
            let points = if share * 2 >= SHARE_WHOLE { UNIT_SUCCESSOR_WHOLE } else { UNIT_SUCCESSOR_PART };
            (points, Some(Reason::SuccessorUnit))
        } else if overlap(&self.commune_now, &other.commune_now).is_some() {
            (UNIT_SAME_PARENT, Some(Reason::SameParent))
        } else if self.district.is_some() && self.district == other.district {
            (UNIT_SAME_DISTRICT, Some(Reason::SameDistrict))
        } else {
            (0, None)
        }
    }
}

/// The units valid on `on` that `id` became (or came from), with the share of
/// `id` that went to each, in ppm. A unit with no recorded path stands for itself.
fn resolve(catalog: &UnitCatalog, id: UnitId, on: Date) -> Vec<(UnitId, i64)> {
    let mut out = Vec::new();
    resolve_into(catalog, id, on, SHARE_WHOLE, 0, &mut out);
    if out.is_empty() {
        out.push((id, SHARE_WHOLE));
    }
    out
}

fn resolve_into(catalog: &UnitCatalog, id: UnitId, on: Date, share: i64, depth: usize, out: &mut Vec<(UnitId, i64)>) {
    let Some(u) = catalog.get(id) else {
        return;
    };
    if u.validity.contains(on) || depth > 16 {
        match out.iter_mut().find(|(v, _)| *v == id) {
            Some(e) => e.1 += share,
            None => out.push((id, share)),
        }
        return;
    }
    let ended = u.validity.to.is_some_and(|to| to < on);
    let steps: Vec<(UnitId, i64)> = if ended {
        catalog.successors_of(id).iter().filter(|s| s.effective <= on).map(|s| (s.to, s.share_ppm)).collect()
    } else {
        catalog.predecessors_of(id).iter().filter(|s| s.effective > on).map(|s| (s.from, s.share_ppm)).collect()
    };
    for (next, part) in steps {
        resolve_into(catalog, next, on, share.saturating_mul(part) / SHARE_WHOLE, depth + 1, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::search_key;
    use crate::units::{AdminUnit, ParentLink, Succession, UnitType, Validity};
    use time::macros::date;

    const ON: Date = date!(2026 - 01 - 15);
    const OLD_FROM: Date = date!(2012 - 01 - 01);
    const OLD_TO: Date = date!(2025 - 06 - 30);
    const NEW_FROM: Date = date!(2025 - 07 - 01);

    /// Tiền Giang before the 2025 merger and Đồng Tháp after:
    /// province 1 > districts 2 (communes 10, 11, 12) and 3 (communes 13, 14);
    /// hamlets 20, 21 in 10, 22 in 11, 23 in 13, 24 in 14, kept across the merger.
    /// On 2025-07-01: 10 + 11 → 110; 12 + 60 % of 13 → 111; 40 % of 13 + 14 → 112, under province 100.
    fn catalog() -> UnitCatalog {
        let unit = |id: i64, level: UnitLevel, from: Date, to: Option<Date>| AdminUnit {
            id: UnitId(id),
            code: id.to_string(),
            name: format!("U{id}"),
            level,
            unit_type: level.allowed_types().first().copied().unwrap_or(UnitType::Xa),
            validity: Validity { from, to },
            lat: None,
            lon: None,
            area_km2: None,
        };
        let old = Some(OLD_TO);
        let mut units = vec![unit(1, UnitLevel::Province, OLD_FROM, old), unit(100, UnitLevel::Province, NEW_FROM, None)];
        units.extend([2, 3].map(|id| unit(id, UnitLevel::District, OLD_FROM, old)));
        units.extend([10, 11, 12, 13, 14].map(|id| unit(id, UnitLevel::Commune, OLD_FROM, old)));
        units.extend([110, 111, 112].map(|id| unit(id, UnitLevel::Commune, NEW_FROM, None)));
        units.extend([20, 21, 22, 23, 24].map(|id| unit(id, UnitLevel::Hamlet, OLD_FROM, None)));
        let link = |child: i64, parent: i64, from: Date, to: Option<Date>| ParentLink {
            child: UnitId(child),
            parent: UnitId(parent),
            validity: Validity { from, to },
        };
        let mut links = vec![link(2, 1, OLD_FROM, old), link(3, 1, OLD_FROM, old)];
        links.extend([(10, 2), (11, 2), (12, 2), (13, 3), (14, 3)].map(|(c, p)| link(c, p, OLD_FROM, old)));
        links.extend([110, 111, 112].map(|c| link(c, 100, NEW_FROM, None)));
        for (hamlet, before, after) in [(20, 10, 110), (21, 10, 110), (22, 11, 110), (23, 13, 111), (24, 14, 112)] {
            links.push(link(hamlet, before, OLD_FROM, old));
            links.push(link(hamlet, after, NEW_FROM, None));
        }
        let s = |from: i64, to: i64, share_ppm: i64| Succession { from: UnitId(from), to: UnitId(to), effective: NEW_FROM, share_ppm };
        let successions = vec![
            s(10, 110, SHARE_WHOLE),
            s(11, 110, SHARE_WHOLE),
            s(12, 111, SHARE_WHOLE),
            s(13, 111, 600_000),
            s(13, 112, 400_000),
            s(14, 112, SHARE_WHOLE),
        ];
        UnitCatalog::new(units, links, successions)
    }

    fn cand(id: i64, name: &str, sex: Option<Sex>, dob: Option<Date>, unit: i64) -> Candidate<'_> {
        Candidate { id, full_name: name, sex, birth_date: dob, birth_year: None, residence_unit: UnitId(unit) }
    }

    fn key(name: &str) -> NameKey {
        let mut k = NameKey::default();
        k.fill(name);
        k
    }

    fn sim(a: &str, b: &str) -> Sim {
        let (ka, kb) = (key(a), key(b));
        token_sim(&ka, &ka.tokens[0], &kb, &kb.tokens[0])
    }

    /// The similarity of the last tokens of two full names.
    fn last_sim(a: &str, b: &str) -> Sim {
        let (ka, kb) = (key(a), key(b));
        token_sim(&ka, ka.tokens.last().unwrap(), &kb, kb.tokens.last().unwrap())
    }

    fn names(a: &str, b: &str) -> (i32, Vec<&'static str>) {
        let mut r = Reasons::default();
        let p = name_points(&key(a), &key(b), &mut r);
        (p, r.codes())
    }

    const F: Option<Sex> = Some(Sex::Female);
    const M: Option<Sex> = Some(Sex::Male);

    // ------------------------------------------------------------ names

    #[test]
    fn the_decomposition_table_agrees_with_the_library() {
        for cp in (LATIN.0..=LATIN.1).chain(VIETNAMESE.0..=VIETNAMESE.1).chain([0x41, 0x2C6, 0x1EFA, 0x4E2D]) {
            let c = char::from_u32(cp).unwrap();
            let (mut ours, mut lib) = (String::new(), String::new());
            decompose(c, |d| ours.push(d));
            decompose_canonical(c, |d| lib.push(d));
            assert_eq!(ours, lib, "U+{cp:04X}");
        }
    }

    #[test]
    fn folded_tokens_agree_with_search_key() {
        for name in ["Nguyễn Thị Ánh", "  ĐẶNG   văn  Hoà ", "Nguye\u{0302}\u{0303}n Thu\u{0301}y", "Lý Quí"] {
            let k = key(name);
            let joined: Vec<&str> = k.tokens.iter().map(|t| k.text(t.folded)).collect();
            assert_eq!(joined.join(" "), search_key(name), "{name}");
        }
    }

    #[test]
    fn tone_mark_placement_and_normal_form_do_not_matter() {
        assert_eq!(sim("Hoà", "Hòa"), Sim::Exact);
        assert_eq!(sim("Thuý", "Thúy"), Sim::Exact);
        assert_eq!(sim("Khoẻ", "Khỏe"), Sim::Exact);
        assert_eq!(sim("Uỷ", "Ủy"), Sim::Exact);
        assert_eq!(sim("Nguye\u{0302}\u{0303}n", "Nguyễn"), Sim::Exact);
        assert_eq!(sim("NGUYỄN", "nguyễn"), Sim::Exact);
        assert_eq!(names("  Nguyễn   Thị  Ánh ", "nguyễn thị ánh"), names("Nguyễn Thị Ánh", "Nguyễn Thị Ánh"));
    }

    #[test]
    fn unaccented_names_match_on_folded_keys_only() {
        assert_eq!(sim("Hung", "Hùng"), Sim::Unaccented);
        assert_eq!(sim("Dao", "Đào"), Sim::Unaccented);
        // Both typed with marks: the marks are evidence.
        assert_eq!(last_sim("Lê Hùng", "Lê Hưng"), Sim::Mark);
        assert_eq!(last_sim("Lê Ánh", "Lê Anh"), Sim::Tone);
        assert_eq!(last_sim("Lê Ánh", "Le Anh"), Sim::Unaccented);
        // A name with marks elsewhere is an accented name: its "Lan" is Lan, not Lân.
        let (ka, kb) = (key("Nguyễn Thị Lan"), key("Nguyễn Thị Lân"));
        assert_eq!(token_sim(&ka, &ka.tokens[2], &kb, &kb.tokens[2]), Sim::Mark);
        let (ka, kb) = (key("Nguyen Thi Lan"), key("Nguyễn Thị Lân"));
        assert_eq!(token_sim(&ka, &ka.tokens[2], &kb, &kb.tokens[2]), Sim::Unaccented);
    }

    #[test]
    fn regional_spellings_are_phonetic_matches() {
        assert_eq!(sim("Dũng", "Giũng"), Sim::Phonetic);
        assert_eq!(sim("Dương", "Giương"), Sim::Phonetic);
        assert_eq!(sim("Dung", "Rung"), Sim::Phonetic);
        assert_eq!(sim("Thy", "Thi"), Sim::Phonetic);
        assert_eq!(sim("Vy", "Vi"), Sim::Phonetic);
        assert_eq!(sim("Quý", "Quí"), Sim::Phonetic);
        assert_eq!(sim("Thủy", "Thũy"), Sim::Phonetic);
        assert_eq!(last_sim("Đỗ Thị Diệu", "Đỗ Thị Giệu"), Sim::Phonetic);
        assert_eq!(last_sim("Lê Thị Giang", "Lê Thị Dang"), Sim::Phonetic);
        // Huy is not Hui, and đ is not gi (unless the name was typed without marks).
        assert_eq!(sim("Huy", "Hui"), Sim::None);
        assert_eq!(last_sim("Lê Thị Đang", "Lê Thị Giang"), Sim::None);
        assert_eq!(last_sim("Le Thi Dang", "Lê Thị Giang"), Sim::Phonetic);
        // A different tone is not a regional spelling.
        assert_ne!(sim("Dũng", "Giúng"), Sim::Phonetic);
    }

    #[test]
    fn one_typing_error_in_a_long_token() {
        // The result is no Vietnamese syllable: a typing error.
        assert_eq!(sim("Ngyuen", "Nguyen"), Sim::Misspelt);
        assert_eq!(sim("Phuong", "Phuongg"), Sim::Misspelt);
        assert_eq!(sim("Trinh", "Trih"), Sim::Misspelt);
        assert_eq!(last_sim("Nguyễn Thị Nhung", "Nguyễn Thị Nhugn"), Sim::Misspelt);
        // Two real names one letter apart: weak, and only with the same first letter.
        assert_eq!(sim("Khang", "Khanh"), Sim::Typo);
        assert_eq!(last_sim("Lê Thị Hằng", "Lê Thị Hạnh"), Sim::Typo);
        assert_eq!(sim("Hung", "Dung"), Sim::None);
        assert_eq!(sim("Minh", "Linh"), Sim::None);
        assert_eq!(sim("Lan", "Lam"), Sim::None);
        for ok in ["nguyen", "nghieng", "khuyen", "quynh", "giang", "gin", "uyen", "oanh", "thuy", "huong", "a", "yen"] {
            assert!(is_syllable(ok), "{ok}");
        }
        for bad in ["nhugn", "ngyuen", "thanng", "phuogn", "trih", "ksor"] {
            assert!(!is_syllable(bad), "{bad}");
        }
        assert!(within_one_edit(b"abcd", b"abdc"));
        assert!(within_one_edit(b"abcd", b"xbcd"));
        assert!(!within_one_edit(b"abcd", b"badc"));
        assert!(!within_one_edit(b"abcd", b"ab"));
        assert!(within_one_edit(b"", b"a"));
    }

    #[test]
    fn the_given_name_carries_most_weight() {
        let (same_given, r) = names("Nguyễn Văn Hùng", "Trần Văn Hùng");
        assert!(r.contains(&"given_name") && r.contains(&"family_name_differs"), "{r:?}");
        let (same_family, r) = names("Nguyễn Văn Hùng", "Nguyễn Văn Dũng");
        assert!(r.contains(&"given_name_differs") && r.contains(&"family_name"), "{r:?}");
        assert!(same_given > same_family + 20);
    }

    #[test]
    fn missing_and_swapped_middle_names() {
        let full = names("Nguyễn Thị Ánh", "Nguyễn Thị Ánh").0;
        let (missing, r) = names("Nguyễn Thị Ánh", "Nguyễn Ánh");
        assert_eq!(r, vec!["given_name", "family_name"]);
        assert!(missing >= full - MIDDLE_WEAK);
        let (swapped, r) = names("Trần Thị Ngọc Hân", "Trần Ngọc Thị Hân");
        assert_eq!(r, vec!["given_name", "family_name", "middle_name"]);
        assert_eq!(swapped, names("Trần Thị Ngọc Hân", "Trần Thị Ngọc Hân").0);
        let (_, r) = names("Lê Minh Khôi", "Lê Quốc Khôi");
        assert!(r.contains(&"middle_name_differs"));
    }

    #[test]
    fn family_name_variants() {
        assert_eq!(names("Nguyển Văn Tài", "Nguyễn Văn Tài").1[1], "family_name_variant");
        assert_eq!(names("Nguyen Van Tai", "Nguyễn Văn Tài").1[1], "family_name");
        assert_eq!(names("Ngyuen Van Tai", "Nguyễn Văn Tài").1[1], "family_name_variant");
        let (hv, r) = names("Huỳnh Thị Mai", "Hoàng Thị Mai");
        assert_eq!(r[1], "family_name_variant");
        assert_eq!(names("Võ Văn Kiệt", "Vũ Văn Kiệt").1[1], "family_name_variant");
        assert!(hv < names("Hoàng Thị Mai", "Hoàng Thị Mai").0);
        assert_eq!(names("Võ Văn Kiệt", "Lê Văn Kiệt").1[1], "family_name_differs");
    }

    #[test]
    fn a_common_family_name_counts_less_than_a_rare_one() {
        assert!(names("Nguyễn Ánh", "Nguyễn Ánh").0 < names("Khổng Ánh", "Khổng Ánh").0);
        // Family and middle names together with an exact date in the same commune: siblings, twins.
        let a = cand(1, "Nguyễn Thị Ngọc Lan", F, Some(date!(2015 - 03 - 04)), 10);
        let b = cand(2, "Nguyễn Thị Ngọc Mai", F, Some(date!(2015 - 03 - 04)), 10);
        assert!(score(&a, &b, &catalog(), ON).0 < THRESHOLD);
        // Not even the best possible evidence besides the given name reaches the threshold.
        let best_without_given = GIVEN_DIFFERS + FAMILY_RARE + MIDDLE_MAX + DOB_EXACT + UNIT_SAME;
        assert!(best_without_given < THRESHOLD as i32);
    }

    #[test]
    fn given_name_first_only_when_everything_else_matches() {
        let (p, r) = names("Ánh Nguyễn Thị", "Nguyễn Thị Ánh");
        assert_eq!(r, vec!["name_reordered"]);
        assert_eq!(p, NAME_REORDERED + FAMILY_COMMON);
        assert_eq!(names("Nguyễn Thị Ánh", "Ánh Thị Nguyễn").1, vec!["name_reordered"]);
        assert!(names("Ánh Nguyễn Văn", "Nguyễn Thị Ánh").1.contains(&"given_name_differs"));
        // Swapping middle and given name is not a reordering: those are often siblings.
        assert!(names("Trần Bảo Ngọc", "Trần Ngọc Bảo").1.contains(&"given_name_differs"));
    }

    // ------------------------------------------------------------ dates and sex

    fn dob(a: Option<Date>, ya: Option<i32>, b: Option<Date>, yb: Option<i32>) -> (i32, Option<&'static str>) {
        let x = Candidate { birth_year: ya, ..cand(1, "", None, a, 10) };
        let y = Candidate { birth_year: yb, ..cand(2, "", None, b, 10) };
        let (p, r) = birth_evidence(&x, &y);
        (p, r.map(|r| REASON_CODES[r as usize]))
    }

    #[test]
    fn birth_dates() {
        let d = |y: i32, m: u8, day: u8| Some(Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap());
        assert_eq!(dob(d(2015, 3, 4), None, d(2015, 3, 4), None), (DOB_EXACT, Some("birth_date_exact")));
        assert_eq!(dob(d(2015, 3, 4), None, d(2015, 4, 3), None), (DOB_SWAPPED, Some("birth_date_swapped")));
        assert_eq!(dob(d(2015, 2, 11), None, d(2015, 11, 2), None), (DOB_SWAPPED, Some("birth_date_swapped")));
        assert_eq!(dob(d(2014, 12, 20), None, d(2015, 1, 15), None), (DOB_NEAR, Some("birth_date_near")));
        assert_eq!(dob(d(2015, 3, 4), None, d(2016, 3, 4), None), (DOB_DAY_MONTH, Some("birth_day_month")));
        assert_eq!(dob(d(2015, 3, 4), None, d(2015, 9, 20), None), (DOB_SAME_YEAR, Some("birth_year")));
        assert_eq!(dob(d(2015, 3, 4), None, d(2016, 1, 20), None), (0, None));
        assert_eq!(dob(d(2015, 3, 4), None, d(2016, 6, 20), None), (DOB_FAR, Some("birth_date_far")));
        assert_eq!(dob(d(2015, 3, 4), None, None, Some(2015)), (DOB_YEAR_ONLY, Some("birth_year")));
        assert_eq!(dob(None, Some(2015), None, Some(2015)), (DOB_YEAR_ONLY, Some("birth_year")));
        assert_eq!(dob(None, Some(2015), None, Some(2016)), (0, None));
        assert_eq!(dob(None, Some(2013), d(2015, 1, 1), None), (DOB_FAR, Some("birth_date_far")));
        assert_eq!(dob(None, None, d(2015, 1, 1), None), (0, None));
    }

    #[test]
    fn a_different_sex_weighs_heavily_but_is_not_absolute() {
        let c = catalog();
        let a = cand(1, "Phạm Ngọc Anh", M, Some(date!(2016 - 05 - 02)), 10);
        let b = cand(2, "Phạm Ngọc Anh", F, Some(date!(2016 - 05 - 02)), 10);
        let (s, r) = score(&a, &b, &c, ON);
        assert!(r.contains(&"sex_differs"));
        assert!(s >= THRESHOLD, "a sex typo on an otherwise identical record: {s}");
        let b = cand(2, "Phạm Ngọc Anh", F, Some(date!(2016 - 09 - 12)), 10);
        assert!(score(&a, &b, &c, ON).0 < THRESHOLD);
        let unknown = cand(2, "Phạm Ngọc Anh", None, Some(date!(2016 - 05 - 02)), 10);
        assert!(score(&a, &unknown, &c, ON).0 > s);
    }

    // ------------------------------------------------------------ residence

    fn unit_reason(a: i64, b: i64) -> (i32, Option<&'static str>) {
        let c = catalog();
        let (p, r) = Place::of(&c, UnitId(a), ON).relation(&Place::of(&c, UnitId(b), ON));
        (p, r.map(|r| REASON_CODES[r as usize]))
    }

    #[test]
    fn residence_through_merger_hamlets_and_districts() {
        assert_eq!(unit_reason(10, 10), (UNIT_SAME, Some("same_unit")));
        assert_eq!(unit_reason(10, 110), (UNIT_SUCCESSOR_WHOLE, Some("successor_unit")));
        assert_eq!(unit_reason(110, 11), (UNIT_SUCCESSOR_WHOLE, Some("successor_unit")));
        // Two old communes merged into one are one place today.
        assert_eq!(unit_reason(10, 11), (UNIT_SUCCESSOR_WHOLE, Some("successor_unit")));
        // 60 % of 13 went to 111, 40 % to 112.
        assert_eq!(unit_reason(13, 111), (UNIT_SUCCESSOR_WHOLE, Some("successor_unit")));
        assert_eq!(unit_reason(13, 112), (UNIT_SUCCESSOR_PART, Some("successor_unit")));
        // A hamlet and its commune, two hamlets of one commune, across the merger too.
        assert_eq!(unit_reason(20, 10), (UNIT_SAME_PARENT, Some("same_parent")));
        assert_eq!(unit_reason(20, 110), (UNIT_SAME_PARENT, Some("same_parent")));
        assert_eq!(unit_reason(20, 21), (UNIT_SAME_PARENT, Some("same_parent")));
        assert_eq!(unit_reason(20, 22), (UNIT_SAME_PARENT, Some("same_parent")));
        assert_eq!(unit_reason(23, 13), (UNIT_SAME_PARENT, Some("same_parent")));
        // Neighbouring communes of one district.
        assert_eq!(unit_reason(10, 12), (UNIT_SAME_DISTRICT, Some("same_district")));
        assert_eq!(unit_reason(11, 12), (UNIT_SAME_DISTRICT, Some("same_district")));
        // 13 and 14 both went (partly) into 112.
        assert_eq!(unit_reason(13, 14), (UNIT_SUCCESSOR_PART, Some("successor_unit")));
        // Elsewhere: no boost, no penalty. After 2025 a commune's parent is the province: no boost.
        assert_eq!(unit_reason(10, 14), (0, None));
        assert_eq!(unit_reason(110, 112), (0, None));
        assert_eq!(unit_reason(999, 10), (0, None));
        assert_eq!(unit_reason(999, 999), (UNIT_SAME, Some("same_unit")));
    }

    // ------------------------------------------------------------ the API

    #[test]
    fn find_duplicates_orders_by_score_then_id_and_skips_itself() {
        let c = catalog();
        let new = cand(0, "Nguyễn Thị Ánh", F, Some(date!(2015 - 03 - 04)), 10);
        let existing = [
            cand(7, "Nguyen Thi Anh", F, Some(date!(2015 - 03 - 04)), 110),
            cand(3, "Nguyễn Ánh", F, Some(date!(2015 - 03 - 04)), 10),
            cand(5, "Nguyễn Ánh", F, Some(date!(2015 - 03 - 04)), 10),
            cand(4, "Nguyễn Thị Ánh", F, Some(date!(2019 - 03 - 04)), 10),
            cand(6, "Nguyễn Thị Mai", F, Some(date!(2015 - 03 - 04)), 10),
            cand(0, "Nguyễn Thị Ánh", F, Some(date!(2015 - 03 - 04)), 10),
        ];
        let found = find_duplicates(&new, &existing, &c, ON);
        let ids: Vec<i64> = found.iter().map(|m| m.id).collect();
        assert_eq!(ids, vec![3, 5, 7]);
        assert!(found.windows(2).all(|w| w[0].score >= w[1].score));
        assert_eq!(found[0].reasons, vec!["given_name", "family_name", "birth_date_exact", "same_unit"]);
        for m in &found {
            assert_eq!(score(&new, &existing.iter().find(|e| e.id == m.id).unwrap().clone(), &c, ON), (m.score, m.reasons.clone()));
            assert!(m.score <= 100);
        }
        let child = Child {
            id: 9,
            full_name: "Nguyễn Thị Ánh".into(),
            sex: Sex::Female,
            birth_date: date!(2015 - 03 - 04),
            residence_unit: UnitId(10),
            registered_on: date!(2020 - 01 - 01),
            hiv_status: None,
            abuse_notes: None,
            offence_notes: None,
            versions: crate::child::ChildVersions { core: 1, ..Default::default() },
            birth_date_estimated: false,
            merged_into: None,
        };
        let all = GIVEN_EXACT + FAMILY_COMMON + MIDDLE_WEAK + DOB_EXACT + UNIT_SAME;
        assert_eq!(score(&new, &Candidate::from(&child), &c, ON).0, u32::try_from(all).unwrap());
    }

    #[test]
    fn reason_codes_follow_the_enum() {
        assert_eq!(REASON_CODES[Reason::SameDistrict as usize], "same_district");
        assert_eq!(REASON_CODES[Reason::GivenName as usize], "given_name");
        assert_eq!(REASON_CODES[Reason::BirthDateFar as usize], "birth_date_far");
        let mut r = Reasons::default();
        r.add(Reason::SameUnit);
        r.add(Reason::GivenName);
        assert_eq!(r.codes(), vec!["given_name", "same_unit"]);
    }

    // ------------------------------------------------------------ the test set

    struct Row {
        line: usize,
        a: (String, Option<Sex>, Option<Date>, Option<i32>, i64),
        b: (String, Option<Sex>, Option<Date>, Option<i32>, i64),
        same: bool,
    }

    fn parse_side(f: &[&str]) -> (String, Option<Sex>, Option<Date>, Option<i32>, i64) {
        let sex = match f[1] {
            "m" => Some(Sex::Male),
            "f" => Some(Sex::Female),
            "" => None,
            other => panic!("sex {other:?}"),
        };
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let (date, year) = match f[2] {
            "" => (None, None),
            s if s.len() == 4 => (None, Some(s.parse().unwrap())),
            s => (Some(Date::parse(s, fmt).unwrap()), None),
        };
        (f[0].to_string(), sex, date, year, f[3].parse().unwrap())
    }

    fn test_set() -> Vec<Row> {
        let text = include_str!("../tests/data/name_variants.csv");
        let mut rows = Vec::new();
        for (i, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split(',').collect();
            assert_eq!(f.len(), 9, "line {}: {line}", i + 1);
            let same = match f[8] {
                "1" => true,
                "0" => false,
                other => panic!("line {}: same_person {other:?}", i + 1),
            };
            rows.push(Row { line: i + 1, a: parse_side(&f[0..4]), b: parse_side(&f[4..8]), same });
        }
        rows
    }

    fn to_cand(id: i64, s: &(String, Option<Sex>, Option<Date>, Option<i32>, i64)) -> Candidate<'_> {
        Candidate { id, full_name: &s.0, sex: s.1, birth_date: s.2, birth_year: s.3, residence_unit: UnitId(s.4) }
    }

    #[test]
    fn precision_and_recall_on_the_test_set() {
        let c = catalog();
        let rows = test_set();
        let (mut tp, mut fp, mut tn, mut fneg) = (0u32, 0u32, 0u32, 0u32);
        for r in &rows {
            let (a, b) = (to_cand(1, &r.a), to_cand(2, &r.b));
            let (s, reasons) = score(&a, &b, &c, ON);
            // The score is symmetric.
            assert_eq!(score(&b, &a, &c, ON).0, s, "line {}", r.line);
            let flagged = s >= THRESHOLD;
            match (flagged, r.same) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, false) => tn += 1,
                (false, true) => fneg += 1,
            }
            if flagged != r.same {
                let kind = if flagged { "false positive" } else { "false negative" };
                eprintln!("{kind} line {}: {} / {} -> {s} {reasons:?}", r.line, r.a.0, r.b.0);
            }
        }
        let precision = f64::from(tp) / f64::from(tp + fp);
        let recall = f64::from(tp) / f64::from(tp + fneg);
        eprintln!(
            "dedup test set: {} pairs ({} same, {} different), threshold {THRESHOLD}: TP {tp} FP {fp} TN {tn} FN {fneg}, \
             precision {precision:.3}, recall {recall:.3}",
            rows.len(),
            tp + fneg,
            tn + fp
        );
        assert!(rows.len() >= 120);
        assert!(tp + fneg >= 60 && tn + fp >= 60);
        assert!(precision >= 0.95, "precision {precision}");
        assert!(recall >= 0.90, "recall {recall}");
    }

    #[test]
    fn threshold_sweep_on_the_test_set() {
        // Not an assertion on the threshold itself: prints how precision and recall move around it.
        let c = catalog();
        let scored: Vec<(u32, bool)> = test_set().iter().map(|r| (score(&to_cand(1, &r.a), &to_cand(2, &r.b), &c, ON).0, r.same)).collect();
        for t in (50..=90).step_by(5) {
            let tp = scored.iter().filter(|(s, same)| *s >= t && *same).count();
            let fp = scored.iter().filter(|(s, same)| *s >= t && !*same).count();
            let fneg = scored.iter().filter(|(s, same)| *s < t && *same).count();
            eprintln!("threshold {t}: TP {tp} FP {fp} FN {fneg}");
        }
        assert!(!scored.is_empty());
    }

    #[test]
    fn ten_thousand_candidates_timing() {
        let c = catalog();
        let families = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Khổng", "Tạ"];
        let middles = ["Thị", "Văn", "Ngọc", "Minh", "Thị Thu", "Hoàng", "Gia", "Quốc", "Thanh", "Bảo"];
        let givens = [
            "Anh", "Ánh", "Hùng", "Dũng", "Thủy", "Lan", "Mai", "Khang", "Phúc", "Vy", "Nhung", "Tuấn", "Hoà", "Quý", "Linh", "Trâm",
            "Duyên", "Khôi", "Nghĩa", "Yến", "Hân", "Bình", "Sơn", "Thảo",
        ];
        let units = [10, 11, 12, 13, 14, 20, 21, 22, 23, 24, 110, 111, 112];
        let names: Vec<String> = (0..10_000usize)
            .map(|i| format!("{} {} {}", families[i % families.len()], middles[(i / 7) % middles.len()], givens[(i / 3) % givens.len()]))
            .collect();
        let existing: Vec<Candidate<'_>> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let day = u16::try_from(i % 365).unwrap() + 1;
                let year = 2008 + i32::try_from(i % 17).unwrap();
                Candidate {
                    id: i64::try_from(i).unwrap() + 1,
                    full_name: n,
                    sex: if i % 2 == 0 { F } else { M },
                    birth_date: if i % 10 == 0 { None } else { Some(Date::from_ordinal_date(year, day).unwrap()) },
                    birth_year: Some(year),
                    residence_unit: UnitId(units[i % units.len()]),
                }
            })
            .collect();
        // The same child as candidate 4243, typed without marks, with a birth date a week off.
        let known = existing[4242];
        let typed = search_key(known.full_name);
        let new = Candidate { id: 0, full_name: &typed, birth_date: known.birth_date.map(|d| d + time::Duration::days(7)), ..known };
        for run in 0..3 {
            let start = std::time::Instant::now();
            let found = find_duplicates(&new, &existing, &c, ON);
            let elapsed = start.elapsed();
            eprintln!("find_duplicates over {} candidates, run {run}: {elapsed:?}, {} matches", existing.len(), found.len());
            assert!(found.iter().all(|m| m.score >= THRESHOLD));
            assert!(found.iter().any(|m| m.id == known.id), "{} {:?}", known.full_name, known.birth_date);
        }
    }
}

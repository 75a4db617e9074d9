//! How alike two records are: evidence from names, birth dates, sex and residence, and its weights.

use super::*;

/// A pair scoring at least this much is reported as a probable duplicate.
/// Chosen on `tests/data/name_variants.csv`; see `docs/DUPLICATES.md`.
pub const THRESHOLD: u32 = 69;

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
pub(crate) const GIVEN_EXACT: i32 = 40;

pub(crate) const GIVEN_UNACCENTED: i32 = 38;

pub(crate) const GIVEN_PHONETIC: i32 = 30;

/// Same letters, another tone, both names typed with marks: "Ánh"/"Anh", "Lộc"/"Lốc" are
/// different names. Low enough that a tone alone never reaches the threshold, whatever else
/// agrees (tested); hỏi/ngã is a regional spelling instead, and a name typed without any
/// marks is compared unaccented.
pub(crate) const GIVEN_TONE: i32 = 2;

pub(crate) const GIVEN_MARK: i32 = 18;

/// One letter wrong and the result is not a Vietnamese syllable ("Nhugn"): a typing error.
pub(crate) const GIVEN_MISSPELT: i32 = 28;

/// One letter apart, both real syllables ("Khang"/"Khanh", "Hằng"/"Hạnh"): often two names.
pub(crate) const GIVEN_TYPO: i32 = 14;

pub(crate) const GIVEN_DIFFERS: i32 = -20;

/// The whole name matches, but the given name stands first ("Ánh Nguyễn Thị").
pub(crate) const NAME_REORDERED: i32 = 32;

pub(crate) const FAMILY_RARE: i32 = 18;

pub(crate) const FAMILY_COMMON: i32 = 8;

/// Hoàng/Huỳnh and Vũ/Võ: one name in the North, another in the South.
pub(crate) const FAMILY_REGIONAL: i32 = 4;

pub(crate) const FAMILY_DIFFERS: i32 = -12;

/// "Thị" and "Văn" mark sex more than they identify anyone.
pub(crate) const MIDDLE_WEAK: i32 = 1;

pub(crate) const MIDDLE_TOKEN: i32 = 4;

pub(crate) const MIDDLE_MAX: i32 = 8;

pub(crate) const MIDDLE_DIFFERS: i32 = -4;

pub(crate) const DOB_EXACT: i32 = 30;

pub(crate) const DOB_SWAPPED: i32 = 18;

pub(crate) const DOB_NEAR: i32 = 18;

pub(crate) const DOB_NEAR_DAYS: i64 = 30;

pub(crate) const DOB_DAY_MONTH: i32 = 18;

/// Only a year known on one side, and it is the year of the other: as good as a date a
/// few months off. With the name and the place it reaches the threshold (tested).
pub(crate) const DOB_YEAR_ONLY: i32 = 18;

pub(crate) const DOB_SAME_YEAR: i32 = 2;

pub(crate) const DOB_FAR: i32 = -30;

pub(crate) const DOB_FAR_DAYS: i64 = 366;

pub(crate) const SEX_DIFFERS: i32 = -20;

pub(crate) const UNIT_SAME: i32 = 10;

pub(crate) const UNIT_SUCCESSOR_WHOLE: i32 = 10;

pub(crate) const UNIT_SUCCESSOR_PART: i32 = 6;

pub(crate) const UNIT_SAME_PARENT: i32 = 8;

pub(crate) const UNIT_SAME_DISTRICT: i32 = 4;

/// The most common family names, folded: together about 90 % of the population.
pub(crate) const COMMON_FAMILIES: [&str; 17] =
    ["nguyen", "tran", "le", "pham", "hoang", "huynh", "phan", "vu", "vo", "dang", "bui", "do", "ho", "ngo", "duong", "ly", "li"];

/// Family names that are regional forms of one another, folded.
pub(crate) const REGIONAL_FAMILIES: [(&str, &str); 2] = [("hoang", "huynh"), ("vu", "vo")];

/// Middle names that carry little identity.
pub(crate) const WEAK_MIDDLES: [&str; 2] = ["thi", "van"];

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

pub(crate) fn score_parts(a: &Candidate<'_>, ka: &NameKey, b: &Candidate<'_>, kb: &NameKey, unit: (i32, Option<Reason>)) -> (u32, Reasons) {
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
pub(crate) enum Reason {
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
pub(crate) struct Reasons(u32);

impl Reasons {
    pub(crate) fn add(&mut self, r: Reason) {
        self.0 |= 1 << (r as u32);
    }
    pub(crate) fn codes(self) -> Vec<&'static str> {
        REASON_CODES.iter().enumerate().filter(|(i, _)| self.0 & (1 << i) != 0).map(|(_, c)| *c).collect()
    }
}

// ---------------------------------------------------------------- names

pub(crate) fn is_common_family(ka: &NameKey, t: &Token) -> bool {
    COMMON_FAMILIES.contains(&ka.text(t.folded))
}

pub(crate) fn family_weight(ka: &NameKey, a: &Token, kb: &NameKey, b: &Token) -> i32 {
    if is_common_family(ka, a) || is_common_family(kb, b) {
        FAMILY_COMMON
    } else {
        FAMILY_RARE
    }
}

pub(crate) fn name_points(ka: &NameKey, kb: &NameKey, reasons: &mut Reasons) -> i32 {
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
/// match, tone differences allowed except on the given name. Returns the name's points.
pub(crate) fn reordered(ka: &NameKey, kb: &NameKey) -> Option<i32> {
    let n = ka.tokens.len();
    if n < 2 || n != kb.tokens.len() || n > 64 {
        return None;
    }
    let (ga, rest_a) = ka.tokens.split_last()?;
    let (gb, rest_b) = kb.tokens.split_first()?;
    // Another tone on the given name is another name, reordered or not.
    if token_sim(ka, ga, kb, gb) <= Sim::Tone {
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

pub(crate) fn birth_points(a: &Candidate<'_>, b: &Candidate<'_>, reasons: &mut Reasons) -> i32 {
    let (points, reason) = birth_evidence(a, b);
    if let Some(r) = reason {
        reasons.add(r);
    }
    points
}

pub(crate) fn birth_evidence(a: &Candidate<'_>, b: &Candidate<'_>) -> (i32, Option<Reason>) {
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

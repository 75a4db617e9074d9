//! The review queue: every pair of records that scores at least [`THRESHOLD`].
//!
//! Comparing every pair is quadratic (a province of 418,000 children has 87 billion
//! pairs). [`duplicate_pairs`] compares only the pairs that can reach the threshold, found
//! through an index, and gives exactly the result of comparing every pair
//! ([`duplicate_pairs_exhaustive`], kept for the tests and the benchmark). Why the index
//! misses no pair follows from the weights; the `const` assertions below pin each step, so
//! a change of the weights that would make the index lose pairs does not compile:
//!
//! - A pair whose given names do not match at all scores at most 46, unless the name is
//!   reordered (the given name of one is the first token of the other). Every other level
//!   of given-name similarity needs equal phonetic folded forms (exact, unaccented, tone,
//!   vowel mark, regional) or one edit between the folded forms (misspelt, typo). So each
//!   token is indexed by its phonetic folded form and, at 4 letters and more, by its folded
//!   form and every form with one letter deleted: two tokens one edit apart share one.
//! - The date evidence is strong (exact, within 30 days, day and month swapped, same day
//!   and month a year off) or weak (same year, 0 or far). A strong date is looked up in
//!   buckets of 31 days (a neighbour bucket holds every date 30 days away) and by the exact
//!   swapped or shifted day.
//! - With weak date evidence a pair reaches the threshold only with the same folded given
//!   name, a rare family name that matches, and a residence relation above 0; these are
//!   indexed by given name, family-name key and the units that make a relation.
//! - Records without a full birth date are compared with every record sharing a name key.

use std::hash::{BuildHasherDefault, Hasher};

use super::*;

// Each assertion is one step of the argument above.
const _: () = assert!(GIVEN_DIFFERS + FAMILY_RARE + MIDDLE_MAX + DOB_EXACT + UNIT_SAME < THRESHOLD as i32);
const _: () = assert!(NAME_REORDERED + FAMILY_RARE + DOB_SAME_YEAR + UNIT_SAME < THRESHOLD as i32);
const _: () = assert!(GIVEN_PHONETIC + FAMILY_RARE + MIDDLE_MAX + DOB_SAME_YEAR + UNIT_SAME < THRESHOLD as i32);
const _: () = assert!(GIVEN_MISSPELT + FAMILY_RARE + MIDDLE_MAX + DOB_SAME_YEAR + UNIT_SAME < THRESHOLD as i32);
const _: () = assert!(GIVEN_EXACT + FAMILY_COMMON + MIDDLE_MAX + DOB_SAME_YEAR + UNIT_SAME < THRESHOLD as i32);
const _: () = assert!(GIVEN_EXACT + FAMILY_REGIONAL + MIDDLE_MAX + DOB_SAME_YEAR + UNIT_SAME < THRESHOLD as i32);
const _: () = assert!(GIVEN_EXACT + FAMILY_RARE + MIDDLE_MAX + DOB_SAME_YEAR < THRESHOLD as i32);
const _: () = assert!(DOB_SAME_YEAR < DOB_DAY_MONTH && DOB_SAME_YEAR < DOB_NEAR && DOB_SAME_YEAR < DOB_SWAPPED && DOB_FAR < 0);
const _: () = assert!(DOB_NEAR_DAYS <= 30);

/// A pair of records that may be one child: indexes into the slice given, `first` the
/// one with the smaller id.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairMatch {
    pub first: usize,
    pub second: usize,
    pub score: u32,
    pub reasons: Vec<&'static str>,
}

/// Every pair of `records` that scores at least [`THRESHOLD`], best first, then by the ids
/// of the pair. Records with the same id are not compared. Same result as
/// [`duplicate_pairs_exhaustive`], in time about linear in the number of records.
pub fn duplicate_pairs(records: &[Candidate<'_>], catalog: &UnitCatalog, on: Date) -> Vec<PairMatch> {
    duplicate_pairs_from(records, 0, catalog, on)
}

/// [`duplicate_pairs`] restricted to the pairs with at least one record at or after
/// `first` (new records, after the ones stored): the records before it are indexed but
/// never looked up, so their own pairs cost nothing. An import of 1,000 rows into an area
/// of 100,000 records then pays for 1,000 lookups, not for the area's whole queue.
pub fn duplicate_pairs_from(records: &[Candidate<'_>], first: usize, catalog: &UnitCatalog, on: Date) -> Vec<PairMatch> {
    let mut ctx = Context::new(records, catalog, on);
    let n = records.len();
    let undated = records.iter().any(|c| c.birth_date.is_none());
    let mut index: FxMap<u64, Vec<u32>> = FxMap::default();
    let mut stamp = vec![u32::MAX; n];
    let mut found: Vec<u32> = Vec::new();
    let mut keys: Vec<u64> = Vec::new();
    let mut out = Vec::new();
    for i in 0..n {
        let r = &ctx.recs[i];
        keys.clear();
        if i >= first {
            lookups(r, undated, &mut keys);
        }
        found.clear();
        for k in &keys {
            if let Some(list) = index.get(k) {
                for &j in list {
                    if stamp[j as usize] != i as u32 {
                        stamp[j as usize] = i as u32;
                        found.push(j);
                    }
                }
            }
        }
        for &j in &found {
            ctx.push_if_match(j as usize, i, &mut out);
        }
        keys.clear();
        inserts(&ctx.recs[i], undated, &mut keys);
        keys.sort_unstable();
        keys.dedup();
        for k in &keys {
            index.entry(*k).or_default().push(i as u32);
        }
    }
    finish(records, out)
}

/// Every pair compared with every other: the reference for [`duplicate_pairs`].
pub fn duplicate_pairs_exhaustive(records: &[Candidate<'_>], catalog: &UnitCatalog, on: Date) -> Vec<PairMatch> {
    let mut ctx = Context::new(records, catalog, on);
    let mut out = Vec::new();
    for i in 0..records.len() {
        for j in i + 1..records.len() {
            ctx.push_if_match(i, j, &mut out);
        }
    }
    finish(records, out)
}

fn finish(records: &[Candidate<'_>], mut out: Vec<PairMatch>) -> Vec<PairMatch> {
    for m in &mut out {
        if (records[m.second].id, m.second) < (records[m.first].id, m.first) {
            std::mem::swap(&mut m.first, &mut m.second);
        }
    }
    out.sort_by(|a, b| {
        b.score.cmp(&a.score).then((records[a.first].id, records[a.second].id, a.first, a.second).cmp(&(
            records[b.first].id,
            records[b.second].id,
            b.first,
            b.second,
        )))
    });
    out
}

/// What is worked out once per record.
struct Rec {
    key: NameKey,
    /// Keys of the given name (last token) and of the first token (if 2+ tokens).
    given: Vec<u64>,
    first: Vec<u64>,
    /// The folded given name, for the weak-date index.
    given_folded: u64,
    /// Set when the family name is not a common one.
    rare_family: bool,
    /// Units whose sharing makes a residence relation above 0.
    region: Vec<u64>,
    day: Option<i64>,
    swapped: Option<i64>,
    year_shifted: [Option<i64>; 2],
}

struct Context<'c, 'r> {
    records: &'r [Candidate<'r>],
    recs: Vec<Rec>,
    places: HashMap<UnitId, Place>,
    relations: FxMap<(UnitId, UnitId), (i32, Option<Reason>)>,
    catalog: &'c UnitCatalog,
    on: Date,
}

impl<'c, 'r> Context<'c, 'r> {
    fn new(records: &'r [Candidate<'r>], catalog: &'c UnitCatalog, on: Date) -> Self {
        let mut places: HashMap<UnitId, Place> = HashMap::new();
        let mut recs = Vec::with_capacity(records.len());
        for c in records {
            let place = places.entry(c.residence_unit).or_insert_with(|| Place::of(catalog, c.residence_unit, on));
            recs.push(Rec::of(c, place));
        }
        Self { records, recs, places, relations: FxMap::default(), catalog, on }
    }

    fn relation(&mut self, a: UnitId, b: UnitId) -> (i32, Option<Reason>) {
        let k = if a <= b { (a, b) } else { (b, a) };
        if let Some(r) = self.relations.get(&k) {
            return *r;
        }
        let (catalog, on) = (self.catalog, self.on);
        let pa = self.places.entry(a).or_insert_with(|| Place::of(catalog, a, on)).clone();
        let pb = self.places.entry(b).or_insert_with(|| Place::of(catalog, b, on));
        let r = pa.relation(pb);
        self.relations.insert(k, r);
        r
    }

    fn push_if_match(&mut self, i: usize, j: usize, out: &mut Vec<PairMatch>) {
        let (a, b) = (&self.records[i], &self.records[j]);
        if a.id == b.id {
            return;
        }
        let unit = self.relation(a.residence_unit, b.residence_unit);
        let (score, reasons) = score_parts(a, &self.recs[i].key, b, &self.recs[j].key, unit);
        if score >= THRESHOLD {
            out.push(PairMatch { first: i, second: j, score, reasons: reasons.codes() });
        }
    }
}

impl Rec {
    fn of(c: &Candidate<'_>, place: &Place) -> Self {
        let mut key = NameKey::default();
        key.fill(c.full_name);
        let mut given = Vec::new();
        let mut given_folded = 0;
        if let Some(t) = key.tokens.last() {
            token_keys(&key, t, &mut given);
            given_folded = fnv(b'g', key.text(t.folded).as_bytes());
        }
        let mut first = Vec::new();
        let mut rare_family = false;
        if let Some(t) = key.first() {
            token_keys(&key, t, &mut first);
            rare_family = !is_common_family(&key, t);
        }
        let region = place.region().map(|u| u.0 as u64).collect();
        let day = c.birth_date.map(|d| i64::from(d.to_julian_day()));
        let swapped = c.birth_date.and_then(|d| {
            Date::from_calendar_date(d.year(), time::Month::try_from(d.day()).ok()?, u8::from(d.month()))
                .ok()
                .map(|s| i64::from(s.to_julian_day()))
        });
        let shift = |dy: i32| c.birth_date.and_then(|d| d.replace_year(d.year() + dy).ok()).map(|s| i64::from(s.to_julian_day()));
        Self { key, given, first, given_folded, rare_family, region, day, swapped, year_shifted: [shift(-1), shift(1)] }
    }
}

const NEAR_G: u64 = 1;
const DAY_G: u64 = 2;
const NEAR_F: u64 = 3;
const DAY_F: u64 = 4;
const ANY_G: u64 = 5;
const ANY_F: u64 = 6;
const UNDATED_G: u64 = 7;
const UNDATED_F: u64 = 8;
const WEAK: u64 = 9;

fn mix(tag: u64, key: u64, extra: i64) -> u64 {
    let mut x = key ^ tag.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (extra as u64)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 31)
}

/// The keys under which a record is looked up: pairs with earlier records.
fn lookups(r: &Rec, undated: bool, out: &mut Vec<u64>) {
    let Some(day) = r.day else {
        // No full date: every record sharing a name key.
        for &g in &r.given {
            out.push(mix(ANY_G, g, 0));
            out.push(mix(ANY_F, g, 0));
        }
        for &f in &r.first {
            out.push(mix(ANY_G, f, 0));
        }
        return;
    };
    let bucket = day.div_euclid(31);
    let exact: Vec<i64> = r.swapped.into_iter().chain(r.year_shifted.iter().flatten().copied()).collect();
    let strong = |k: u64, near: u64, exact_tag: u64, out: &mut Vec<u64>| {
        for b in bucket - 1..=bucket + 1 {
            out.push(mix(near, k, b));
        }
        for &d in &exact {
            out.push(mix(exact_tag, k, d));
        }
    };
    for &g in &r.given {
        strong(g, NEAR_G, DAY_G, out);
        strong(g, NEAR_F, DAY_F, out);
        if undated {
            out.push(mix(UNDATED_G, g, 0));
            out.push(mix(UNDATED_F, g, 0));
        }
    }
    for &f in &r.first {
        strong(f, NEAR_G, DAY_G, out);
        if undated {
            out.push(mix(UNDATED_G, f, 0));
        }
    }
    weak_keys(r, out);
}

/// The keys under which a record is stored for later records to find.
fn inserts(r: &Rec, undated: bool, out: &mut Vec<u64>) {
    if undated {
        for &g in &r.given {
            out.push(mix(ANY_G, g, 0));
        }
        for &f in &r.first {
            out.push(mix(ANY_F, f, 0));
        }
    }
    let Some(day) = r.day else {
        for &g in &r.given {
            out.push(mix(UNDATED_G, g, 0));
        }
        for &f in &r.first {
            out.push(mix(UNDATED_F, f, 0));
        }
        return;
    };
    let bucket = day.div_euclid(31);
    for &g in &r.given {
        out.push(mix(NEAR_G, g, bucket));
        out.push(mix(DAY_G, g, day));
    }
    for &f in &r.first {
        out.push(mix(NEAR_F, f, bucket));
        out.push(mix(DAY_F, f, day));
    }
    weak_keys(r, out);
}

/// Same folded given name, a rare family name's key and a unit of the residence.
fn weak_keys(r: &Rec, out: &mut Vec<u64>) {
    if !r.rare_family {
        return;
    }
    for &f in &r.first {
        let gf = mix(WEAK, r.given_folded, f as i64);
        for &u in &r.region {
            out.push(mix(WEAK, gf, u as i64));
        }
    }
}

/// The phonetic folded form of a token, and at 4+ letters its folded form and each
/// form with one byte deleted.
fn token_keys(k: &NameKey, t: &Token, out: &mut Vec<u64>) {
    out.push(fnv(b'p', k.text(t.phon_folded).as_bytes()));
    let f = k.text(t.folded).as_bytes();
    if f.len() >= 4 {
        out.push(fnv(b'e', f));
        let mut buf = Vec::with_capacity(f.len());
        for i in 0..f.len() {
            buf.clear();
            buf.extend_from_slice(&f[..i]);
            buf.extend_from_slice(&f[i + 1..]);
            out.push(fnv(b'e', &buf));
        }
    }
    out.sort_unstable();
    out.dedup();
}

fn fnv(tag: u8, bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(tag);
    for b in bytes {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A hasher for keys that are hashes already.
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

//! Administrative units over time.
//!
//! A unit's identity is its internal [`UnitId`], never its code: codes are reused
//! across eras (`82` was Tiền Giang until 2025-06-30 and is the merged Đồng Tháp
//! from 2025-07-01). `(code, valid_from)` is unique, and two units with the same
//! code never overlap in time. Parent links are dated rows of their own, and
//! successions record merges and splits (old → new, with a share for splits).

use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use time::Date;

use crate::text::cmp_vi;

/// Internal identity of an administrative unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct UnitId(pub i64);

/// The level of a unit in the tree, from the top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitLevel {
    Province,
    District,
    Commune,
    Hamlet,
}

impl UnitLevel {
    pub const ALL: [UnitLevel; 4] = [Self::Province, Self::District, Self::Commune, Self::Hamlet];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Province => "province",
            Self::District => "district",
            Self::Commune => "commune",
            Self::Hamlet => "hamlet",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }

    /// The unit types a unit of this level may have.
    pub fn allowed_types(self) -> &'static [UnitType] {
        use UnitType::*;
        match self {
            Self::Province => &[Tinh, ThanhPho],
            Self::District => &[ThanhPho, ThiXa, Huyen, Quan],
            Self::Commune => &[Phuong, Xa, ThiTran],
            Self::Hamlet => &[Khom, Ap, ToDanPho],
        }
    }
}

impl crate::coded::Code for UnitLevel {
    const ALL: &'static [Self] = &Self::ALL;

    fn as_str(self) -> &'static str {
        UnitLevel::as_str(self)
    }
}

impl std::fmt::Display for UnitLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The legal type of a unit (tỉnh, thành phố, thị xã, huyện, phường, xã, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitType {
    Tinh,
    ThanhPho,
    ThiXa,
    Huyen,
    Quan,
    Phuong,
    Xa,
    ThiTran,
    Khom,
    Ap,
    ToDanPho,
}

impl UnitType {
    pub const ALL: [UnitType; 11] = [
        Self::Tinh,
        Self::ThanhPho,
        Self::ThiXa,
        Self::Huyen,
        Self::Quan,
        Self::Phuong,
        Self::Xa,
        Self::ThiTran,
        Self::Khom,
        Self::Ap,
        Self::ToDanPho,
    ];

    /// Stable machine code, used in files, the database and the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tinh => "tinh",
            Self::ThanhPho => "thanh_pho",
            Self::ThiXa => "thi_xa",
            Self::Huyen => "huyen",
            Self::Quan => "quan",
            Self::Phuong => "phuong",
            Self::Xa => "xa",
            Self::ThiTran => "thi_tran",
            Self::Khom => "khom",
            Self::Ap => "ap",
            Self::ToDanPho => "to_dan_pho",
        }
    }

    /// The Vietnamese word, as it stands before a unit's name.
    pub fn vietnamese(self) -> &'static str {
        match self {
            Self::Tinh => "Tỉnh",
            Self::ThanhPho => "Thành phố",
            Self::ThiXa => "Thị xã",
            Self::Huyen => "Huyện",
            Self::Quan => "Quận",
            Self::Phuong => "Phường",
            Self::Xa => "Xã",
            Self::ThiTran => "Thị trấn",
            Self::Khom => "Khóm",
            Self::Ap => "Ấp",
            Self::ToDanPho => "Tổ dân phố",
        }
    }

    /// Accepts the machine code or the Vietnamese word (any case, with or without diacritics).
    pub fn parse(s: &str) -> Option<Self> {
        let key = crate::text::search_key(s).replace(' ', "_");
        Self::ALL.into_iter().find(|t| t.as_str() == key)
    }
}

/// An inclusive date range; `to = None` means still valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Validity {
    pub from: Date,
    pub to: Option<Date>,
}

impl Validity {
    pub fn contains(&self, d: Date) -> bool {
        self.from <= d && self.to.is_none_or(|to| d <= to)
    }

    pub fn overlaps(&self, other: &Validity) -> bool {
        self.from <= other.to.unwrap_or(Date::MAX) && other.from <= self.to.unwrap_or(Date::MAX)
    }

    /// Whether `other` lies wholly inside `self`.
    pub fn covers(&self, other: &Validity) -> bool {
        self.from <= other.from && other.to.unwrap_or(Date::MAX) <= self.to.unwrap_or(Date::MAX)
    }
}

/// One administrative unit during its life.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdminUnit {
    pub id: UnitId,
    pub code: String,
    pub name: String,
    pub level: UnitLevel,
    pub unit_type: UnitType,
    pub validity: Validity,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub area_km2: Option<f64>,
}

/// "This unit's parent is that unit" during a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ParentLink {
    pub child: UnitId,
    pub parent: UnitId,
    pub validity: Validity,
}

/// Parts per million: shares are kept exact as integers so both databases agree.
pub const SHARE_WHOLE: i64 = 1_000_000;

/// A merge or split: (a share of) `from` became (part of) `to` on `effective`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Succession {
    pub from: UnitId,
    pub to: UnitId,
    pub effective: Date,
    /// The share of `from` that went to `to`, in parts per million.
    pub share_ppm: i64,
}

/// All units, parent links and successions: the whole map through time.
/// Small enough (a country has about 10,000 communes) to hold in memory and
/// answer every tree query without SQL.
#[derive(Debug, Clone, Default)]
pub struct UnitCatalog {
    units: Vec<AdminUnit>,
    by_id: HashMap<UnitId, usize>,
    parents: HashMap<UnitId, Vec<ParentLink>>,
    children: HashMap<UnitId, Vec<ParentLink>>,
    successors: HashMap<UnitId, Vec<Succession>>,
    predecessors: HashMap<UnitId, Vec<Succession>>,
}

/// A node of the tree as of a date.
#[derive(Debug, Clone, Serialize)]
pub struct TreeNode {
    pub unit: AdminUnit,
    pub children: Vec<TreeNode>,
}

impl UnitCatalog {
    pub fn new(units: Vec<AdminUnit>, links: Vec<ParentLink>, successions: Vec<Succession>) -> Self {
        let by_id = units.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        let mut parents: HashMap<UnitId, Vec<ParentLink>> = HashMap::new();
        let mut children: HashMap<UnitId, Vec<ParentLink>> = HashMap::new();
        for l in links {
            parents.entry(l.child).or_default().push(l);
            children.entry(l.parent).or_default().push(l);
        }
        let mut successors: HashMap<UnitId, Vec<Succession>> = HashMap::new();
        let mut predecessors: HashMap<UnitId, Vec<Succession>> = HashMap::new();
        for s in successions {
            successors.entry(s.from).or_default().push(s);
            predecessors.entry(s.to).or_default().push(s);
        }
        Self { units, by_id, parents, children, successors, predecessors }
    }

    pub fn units(&self) -> &[AdminUnit] {
        &self.units
    }

    pub fn parent_links(&self) -> impl Iterator<Item = &ParentLink> {
        self.parents.values().flatten()
    }

    pub fn successions(&self) -> impl Iterator<Item = &Succession> {
        self.successors.values().flatten()
    }

    pub fn get(&self, id: UnitId) -> Option<&AdminUnit> {
        self.by_id.get(&id).and_then(|&i| self.units.get(i))
    }

    /// The unit holding `code` on `date`, if any.
    pub fn by_code_on(&self, code: &str, date: Date) -> Option<&AdminUnit> {
        self.units.iter().find(|u| u.code == code && u.validity.contains(date))
    }

    /// Every unit that has ever held `code`, oldest first.
    pub fn by_code(&self, code: &str) -> Vec<&AdminUnit> {
        let mut v: Vec<_> = self.units.iter().filter(|u| u.code == code).collect();
        v.sort_by_key(|u| u.validity.from);
        v
    }

    /// The parent of `id` on `date`.
    pub fn parent_on(&self, id: UnitId, date: Date) -> Option<UnitId> {
        self.parents.get(&id)?.iter().find(|l| l.validity.contains(date)).map(|l| l.parent)
    }

    /// All parent links of a unit, oldest first.
    pub fn parent_history(&self, id: UnitId) -> Vec<ParentLink> {
        let mut v = self.parents.get(&id).cloned().unwrap_or_default();
        v.sort_by_key(|l| l.validity.from);
        v
    }

    /// Ancestors of `id` on `date`, nearest first.
    pub fn ancestors_on(&self, id: UnitId, date: Date) -> Vec<UnitId> {
        let mut out = Vec::new();
        let mut cur = id;
        while let Some(p) = self.parent_on(cur, date) {
            if out.contains(&p) || p == id {
                break; // a cycle cannot be imported; stay safe anyway
            }
            out.push(p);
            cur = p;
        }
        out
    }

    /// Every dated link under which some unit had `id` as its parent.
    pub fn child_links_of(&self, id: UnitId) -> &[ParentLink] {
        self.children.get(&id).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn successors_of(&self, id: UnitId) -> &[Succession] {
        self.successors.get(&id).map(Vec::as_slice).unwrap_or_default()
    }

    pub fn predecessors_of(&self, id: UnitId) -> &[Succession] {
        self.predecessors.get(&id).map(Vec::as_slice).unwrap_or_default()
    }

    /// Units valid on `date` whose parent on that date is `parent` (roots when `None`),
    /// in Vietnamese order of name.
    pub fn children_on(&self, parent: Option<UnitId>, date: Date) -> Vec<&AdminUnit> {
        let mut v: Vec<&AdminUnit> =
            self.units.iter().filter(|u| u.validity.contains(date) && self.parent_on(u.id, date) == parent).collect();
        sort_units(&mut v);
        v
    }

    /// The whole tree as of `date`: roots are units valid then with no parent.
    pub fn tree_on(&self, date: Date) -> Vec<TreeNode> {
        let mut children: HashMap<Option<UnitId>, Vec<&AdminUnit>> = HashMap::new();
        for u in self.units.iter().filter(|u| u.validity.contains(date)) {
            children.entry(self.parent_on(u.id, date)).or_default().push(u);
        }
        for v in children.values_mut() {
            sort_units(v);
        }
        fn build(key: Option<UnitId>, children: &HashMap<Option<UnitId>, Vec<&AdminUnit>>, depth: usize) -> Vec<TreeNode> {
            if depth > UnitLevel::ALL.len() {
                return Vec::new();
            }
            children
                .get(&key)
                .map(|v| v.iter().map(|u| TreeNode { unit: (*u).clone(), children: build(Some(u.id), children, depth + 1) }).collect())
                .unwrap_or_default()
        }
        build(None, &children, 0)
    }

    /// Units valid on `date` inside the subtree of `root` (root included).
    pub fn subtree_on(&self, root: UnitId, date: Date) -> Vec<UnitId> {
        self.units
            .iter()
            .filter(|u| u.validity.contains(date))
            .filter(|u| u.id == root || self.ancestors_on(u.id, date).contains(&root))
            .map(|u| u.id)
            .collect()
    }
}

/// Sorts units by Vietnamese order of their names, then code, then start date.
pub fn sort_units(v: &mut [&AdminUnit]) {
    v.sort_by(|a, b| cmp_vi(&a.name, &b.name).then_with(|| a.code.cmp(&b.code)).then_with(|| a.validity.from.cmp(&b.validity.from)));
}

/// The result of carrying counts from one map onto another.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Reaggregation {
    /// Count per unit valid on the target date (only units that received something).
    pub counts: BTreeMap<UnitId, i64>,
    /// Units whose figure was apportioned between several units (a split forward,
    /// a merge backward): an estimate, not a recorded fact.
    pub estimated: Vec<UnitId>,
    /// Counts of units with no path onto the target map; never silently dropped.
    pub unmapped: BTreeMap<UnitId, i64>,
}

impl Reaggregation {
    pub fn total(&self) -> i64 {
        self.counts.values().sum::<i64>() + self.unmapped.values().sum::<i64>()
    }
}

/// Splits `amount` by `weights` so that the parts sum exactly to `amount`
/// (largest remainder; ties go to the earlier entry).
pub fn apportion(amount: i64, weights: &[(UnitId, i64)]) -> Vec<(UnitId, i64)> {
    let total: i128 = weights.iter().map(|(_, w)| i128::from((*w).max(0))).sum();
    if weights.is_empty() {
        return Vec::new();
    }
    if total == 0 {
        let equal: Vec<(UnitId, i64)> = weights.iter().map(|(u, _)| (*u, 1)).collect();
        return apportion(amount, &equal);
    }
    let mut parts: Vec<(UnitId, i64, i128)> = weights
        .iter()
        .map(|(u, w)| {
            let exact = i128::from(amount) * i128::from((*w).max(0));
            let floor = exact.div_euclid(total);
            (*u, i64::try_from(floor).unwrap_or(0), exact.rem_euclid(total))
        })
        .collect();
    let mut left = amount - parts.iter().map(|p| p.1).sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = parts.get(a).map_or(0, |p| p.2);
        let rb = parts.get(b).map_or(0, |p| p.2);
        rb.cmp(&ra).then(a.cmp(&b))
    });
    for i in order.into_iter().cycle() {
        if left <= 0 {
            break;
        }
        if let Some(p) = parts.get_mut(i) {
            p.1 += 1;
            left -= 1;
        }
    }
    parts.into_iter().map(|(u, n, _)| (u, n)).collect()
}

impl UnitCatalog {
    /// Carries counts kept against units of one era onto the units valid on
    /// `target`, following successions forward (target later than the unit) or
    /// backward (target earlier). Forward splits use the recorded shares; backward,
    /// a merged unit's count is apportioned over its predecessors by `weights`
    /// (for example their last known counts), or equally without weights. Totals
    /// are kept exactly: every count lands on a unit or in `unmapped`.
    pub fn reaggregate(&self, counts: &BTreeMap<UnitId, i64>, target: Date, weights: Option<&HashMap<UnitId, i64>>) -> Reaggregation {
        let mut out = Reaggregation::default();
        for (&unit, &n) in counts {
            self.carry(unit, n, target, weights, &mut out, 0);
        }
        out.estimated.sort();
        out.estimated.dedup();
        out
    }

    fn carry(&self, unit: UnitId, n: i64, target: Date, weights: Option<&HashMap<UnitId, i64>>, out: &mut Reaggregation, depth: usize) {
        let Some(u) = self.get(unit) else {
            *out.unmapped.entry(unit).or_default() += n;
            return;
        };
        if u.validity.contains(target) {
            *out.counts.entry(unit).or_default() += n;
            return;
        }
        // A chain longer than this is a data error (or a loop); keep the count visible.
        if depth > 16 {
            *out.unmapped.entry(unit).or_default() += n;
            return;
        }
        let forward = u.validity.to.is_some_and(|to| to < target);
        let parts: Vec<(UnitId, i64)> = if forward {
            let next: Vec<(UnitId, i64)> =
                self.successors_of(unit).iter().filter(|s| s.effective <= target).map(|s| (s.to, s.share_ppm)).collect();
            if next.len() > 1 {
                out.estimated.push(unit);
            }
            apportion(n, &next)
        } else {
            let prev: Vec<(UnitId, i64)> = self
                .predecessors_of(unit)
                .iter()
                .filter(|s| s.effective > target)
                .map(|s| {
                    let w = weights.and_then(|w| w.get(&s.from).copied()).unwrap_or(1);
                    (s.from, w)
                })
                .collect();
            if prev.len() > 1 {
                out.estimated.push(unit);
            }
            apportion(n, &prev)
        };
        if parts.is_empty() {
            *out.unmapped.entry(unit).or_default() += n;
            return;
        }
        for (next, part) in parts {
            self.carry(next, part, target, weights, out, depth + 1);
        }
    }

    /// Sums leaf counts up the tree as of `date`: each unit gets its own count
    /// plus everything below it.
    pub fn roll_up(&self, counts: &BTreeMap<UnitId, i64>, date: Date) -> BTreeMap<UnitId, i64> {
        let mut out: BTreeMap<UnitId, i64> = BTreeMap::new();
        for (&unit, &n) in counts {
            *out.entry(unit).or_default() += n;
            for a in self.ancestors_on(unit, date) {
                *out.entry(a).or_default() += n;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn unit(id: i64, code: &str, level: UnitLevel, from: Date, to: Option<Date>) -> AdminUnit {
        AdminUnit {
            id: UnitId(id),
            code: code.into(),
            name: format!("Unit {code}"),
            level,
            unit_type: level.allowed_types().first().copied().unwrap_or(UnitType::Xa),
            validity: Validity { from, to },
            lat: None,
            lon: None,
            area_km2: None,
        }
    }

    fn link(child: i64, parent: i64, from: Date, to: Option<Date>) -> ParentLink {
        ParentLink { child: UnitId(child), parent: UnitId(parent), validity: Validity { from, to } }
    }

    /// Old province 1 with district 2 holding communes 3 (split 30/70) and 4, 5;
    /// new province 10 with communes 11 (gets 4, 5 and 30% of 3) and 12 (70% of 3).
    fn split_catalog() -> UnitCatalog {
        let old_from = date!(2012 - 01 - 01);
        let old_to = Some(date!(2025 - 06 - 30));
        let new_from = date!(2025 - 07 - 01);
        let units = vec![
            unit(1, "87", UnitLevel::Province, old_from, old_to),
            unit(2, "866", UnitLevel::District, old_from, old_to),
            unit(3, "100", UnitLevel::Commune, old_from, old_to),
            unit(4, "101", UnitLevel::Commune, old_from, old_to),
            unit(5, "102", UnitLevel::Commune, old_from, old_to),
            unit(10, "82", UnitLevel::Province, new_from, None),
            unit(11, "100", UnitLevel::Commune, new_from, None),
            unit(12, "200", UnitLevel::Commune, new_from, None),
        ];
        let links = vec![
            link(2, 1, old_from, old_to),
            link(3, 2, old_from, old_to),
            link(4, 2, old_from, old_to),
            link(5, 2, old_from, old_to),
            link(11, 10, new_from, None),
            link(12, 10, new_from, None),
        ];
        let s = |from, to, share| Succession { from: UnitId(from), to: UnitId(to), effective: new_from, share_ppm: share };
        let successions = vec![s(3, 11, 300_000), s(3, 12, 700_000), s(4, 11, SHARE_WHOLE), s(5, 11, SHARE_WHOLE)];
        UnitCatalog::new(units, links, successions)
    }

    #[test]
    fn tree_as_of_each_era() {
        let c = split_catalog();
        let old = c.tree_on(date!(2013 - 12 - 31));
        assert_eq!(old.len(), 1);
        assert_eq!(old[0].unit.code, "87");
        assert_eq!(old[0].children[0].children.len(), 3);
        let new = c.tree_on(date!(2025 - 07 - 01));
        assert_eq!(new.len(), 1);
        assert_eq!(new[0].unit.code, "82");
        assert_eq!(new[0].children.len(), 2);
        // Code 100 means two different units in the two eras.
        assert_eq!(c.by_code_on("100", date!(2020 - 01 - 01)).map(|u| u.id), Some(UnitId(3)));
        assert_eq!(c.by_code_on("100", date!(2026 - 01 - 01)).map(|u| u.id), Some(UnitId(11)));
    }

    #[test]
    fn split_reaggregates_by_share_and_keeps_the_total() {
        let c = split_catalog();
        let counts = BTreeMap::from([(UnitId(3), 10), (UnitId(4), 5), (UnitId(5), 1)]);
        let r = c.reaggregate(&counts, date!(2025 - 07 - 01), None);
        assert_eq!(r.counts, BTreeMap::from([(UnitId(11), 3 + 5 + 1), (UnitId(12), 7)]));
        assert_eq!(r.estimated, vec![UnitId(3)]);
        assert_eq!(r.total(), 16);
        assert!(r.unmapped.is_empty());
    }

    #[test]
    fn backward_apportions_merges_by_weights() {
        let c = split_catalog();
        let counts = BTreeMap::from([(UnitId(11), 9), (UnitId(12), 4)]);
        let weights = HashMap::from([(UnitId(3), 1), (UnitId(4), 1), (UnitId(5), 1)]);
        let r = c.reaggregate(&counts, date!(2020 - 01 - 01), Some(&weights));
        assert_eq!(r.total(), 13);
        assert_eq!(r.counts.get(&UnitId(3)), Some(&(3 + 4)));
        assert_eq!(r.counts.get(&UnitId(4)), Some(&3));
        assert_eq!(r.counts.get(&UnitId(5)), Some(&3));
        let rolled = c.roll_up(&r.counts, date!(2020 - 01 - 01));
        assert_eq!(rolled.get(&UnitId(1)), Some(&13));
    }

    #[test]
    fn apportion_is_exact() {
        for amount in [0, 1, 7, 100, 12345] {
            let parts = apportion(amount, &[(UnitId(1), 333_333), (UnitId(2), 333_333), (UnitId(3), 333_334)]);
            assert_eq!(parts.iter().map(|p| p.1).sum::<i64>(), amount);
        }
        assert_eq!(apportion(10, &[(UnitId(1), 0), (UnitId(2), 0)]), vec![(UnitId(1), 5), (UnitId(2), 5)]);
    }

    #[test]
    fn unit_type_parses_vietnamese_and_codes() {
        assert_eq!(UnitType::parse("Thị trấn"), Some(UnitType::ThiTran));
        assert_eq!(UnitType::parse("thi_tran"), Some(UnitType::ThiTran));
        assert_eq!(UnitType::parse("Ấp"), Some(UnitType::Ap));
        assert_eq!(UnitType::parse("Bang"), None);
    }
}

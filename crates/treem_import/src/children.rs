//! A table of children (a commune's register book, treem's template or an export) as
//! children to register: each row checked by the register's own rules
//! (`treem_domain::child::check_child`, the same as the form), its commune resolved by
//! code or name as of the row's date, and every problem named by row, column and value.

use std::collections::HashMap;
use time::Date;
use treem_domain::child::{check_child, ChildFields, ChildInput};
use treem_domain::register::check_circumstance;
use treem_domain::text::clean_line;
use treem_domain::units::{AdminUnit, UnitCatalog, UnitId, UnitLevel};

use crate::columns::{fold, map_columns, Columns, Field};
use crate::decode::legacy_encoding;
use crate::problem::Problem;
use crate::table::{Cell, Table};
use crate::values::{parse_birth, parse_date, parse_groups, parse_poverty, parse_relation, parse_sex};

/// The fields a children's file must have; the commune by code or by name.
pub const REQUIRED: &[Field] = &[Field::FullName, Field::BirthDate, Field::Sex];
pub const COMMUNE: &[Field] = &[Field::CommuneCode, Field::CommuneName];

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The register's date for rows without one of their own (`--as-of`); today if `None`.
    pub as_of: Option<Date>,
    pub today: Date,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdRow {
    pub code: String,
    pub head: String,
    /// (year, poor | near_poor | neither): the status in the year of the row's date.
    pub poverty: Option<(i64, &'static str)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaregiverRow {
    pub name: String,
    pub relation: &'static str,
    pub phone: Option<String>,
}

/// One child ready to register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildRow {
    pub row: usize,
    /// What makes a re-import of the same row add nothing: `id:` and the file's own
    /// identifier, or `row:` and a hash of name, birth, sex and commune.
    pub key: String,
    pub fields: ChildFields,
    pub groups: Vec<&'static str>,
    pub household: Option<HouseholdRow>,
    pub caregiver: Option<CaregiverRow>,
    /// The record of treem's own this row is (an export read back), if it says so.
    pub record_id: Option<i64>,
}

/// What a children's table holds.
#[derive(Debug, Clone, Default)]
pub struct ChildTable {
    pub columns: Columns,
    /// Rows without errors (a file with any error is still stored whole or not at all).
    pub rows: Vec<ChildRow>,
    pub problems: Vec<Problem>,
    /// Data rows read (blank rows not counted).
    pub read: usize,
}

impl ChildTable {
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == crate::Severity::Error)
    }
}

/// Whether a header names a field of a children's file (to find the header row).
pub fn known_header(h: &str) -> bool {
    crate::columns::field_of(h).is_some()
}

pub fn read_children(table: &Table, catalog: &UnitCatalog, opts: Options) -> ChildTable {
    let (columns, mut problems) = map_columns(&table.header, REQUIRED, &[COMMUNE]);
    problems.extend(table.problems.iter().cloned());
    let totals = table.rows.iter().filter(|r| crate::columns::is_total_row(&r.cells)).count();
    let mut out = ChildTable { columns, read: table.rows.len() - totals, ..ChildTable::default() };
    if problems.iter().any(|p| p.row == 0 && p.severity == crate::Severity::Error) {
        out.problems = problems;
        return out;
    }
    let bad_rows: std::collections::HashSet<usize> = table.problems.iter().map(|p| p.row).collect();
    let mut keys: HashMap<String, usize> = HashMap::new();
    for row in table.rows.iter().filter(|r| !crate::columns::is_total_row(&r.cells)) {
        let mut r = RowReader { columns: &out.columns, cells: &row.cells, row: row.number, problems: Vec::new() };
        if let Some(child) = read_row(&mut r, catalog, opts) {
            if let Some(first) = keys.get(&child.key) {
                let (column, value) = match out.columns.index(Field::ExternalId) {
                    Some(_) => (out.columns.header(Field::ExternalId).to_owned(), r.text(Field::ExternalId)),
                    None => (out.columns.header(Field::FullName).to_owned(), r.text(Field::FullName)),
                };
                let message = if child.key.starts_with("id:") || child.key.starts_with("rec:") {
                    format!("the same identifier as row {first}: each child once")
                } else {
                    format!("the same child as row {first} (name, date of birth, sex and commune): remove one")
                };
                r.problems.push(Problem::error(row.number, &column, "", &value, message));
            } else if r.problems.iter().all(|p| p.severity != crate::Severity::Error) && !bad_rows.contains(&row.number) {
                keys.insert(child.key.clone(), row.number);
                out.rows.push(child);
            }
        }
        problems.append(&mut r.problems);
    }
    problems.sort_by_key(|p| p.row);
    out.problems = problems;
    out
}

pub(crate) struct RowReader<'a> {
    pub(crate) columns: &'a Columns,
    pub(crate) cells: &'a [Cell],
    pub(crate) row: usize,
    pub(crate) problems: Vec<Problem>,
}

impl RowReader<'_> {
    pub(crate) fn cell(&self, f: Field) -> &Cell {
        self.columns.index(f).and_then(|i| self.cells.get(i)).unwrap_or(&Cell::Empty)
    }
    pub(crate) fn text(&self, f: Field) -> String {
        self.cell(f).text()
    }
    pub(crate) fn error(&mut self, f: Field, message: impl Into<String>) {
        let value = self.text(f);
        self.problems.push(Problem::error(self.row, self.columns.header(f), f.key(), &value, message));
    }
    pub(crate) fn warning(&mut self, f: Field, message: impl Into<String>) {
        let value = self.text(f);
        self.problems.push(Problem::warning(self.row, self.columns.header(f), f.key(), &value, message));
    }
    /// A text cell, cleaned as a form's line; `None` when empty or refused.
    pub(crate) fn line(&mut self, f: Field, max: usize) -> Option<String> {
        let s = self.text(f);
        if s.is_empty() {
            return None;
        }
        if let Some(l) = legacy_encoding(&s) {
            self.error(f, format!("the text looks typed in the legacy {} encoding: convert the file to Unicode", l.name()));
            return None;
        }
        match clean_line(&s, max) {
            Ok(s) => Some(s),
            Err(e) => {
                self.error(f, e.to_string());
                None
            }
        }
    }
    /// A text cell of several lines, cleaned as a form's text area; `None` when empty or refused.
    pub(crate) fn text_block(&mut self, f: Field, max: usize) -> Option<String> {
        let s = self.text(f);
        if s.trim().is_empty() {
            return None;
        }
        if let Some(l) = legacy_encoding(&s) {
            self.error(f, format!("the text looks typed in the legacy {} encoding: convert the file to Unicode", l.name()));
            return None;
        }
        match treem_domain::child::clean_text(&s, max) {
            Ok(s) => s,
            Err(e) => {
                self.error(f, e.to_string());
                None
            }
        }
    }
}

/// The field of the register's check, as the import's column.
fn field_of_check(field: &str) -> Field {
    match field {
        "full_name" => Field::FullName,
        "sex" => Field::Sex,
        "birth_date" => Field::BirthDate,
        "registered_on" => Field::RegisteredOn,
        _ => Field::CommuneCode,
    }
}

fn read_row(r: &mut RowReader<'_>, catalog: &UnitCatalog, opts: Options) -> Option<ChildRow> {
    let full_name = r.line(Field::FullName, 100);
    if full_name.is_none() && r.problems.is_empty() {
        r.error(Field::FullName, "is empty");
    }
    let sex = match parse_sex(&r.text(Field::Sex)) {
        Some(s) => Some(s),
        None => {
            r.error(Field::Sex, "write Nam or Nữ");
            None
        }
    };
    let birth = match parse_birth(r.cell(Field::BirthDate)) {
        Ok(b) => Some(b),
        Err(m) => {
            r.error(Field::BirthDate, m);
            None
        }
    };
    let registered_on = match r.cell(Field::RegisteredOn) {
        c if c.is_blank() => Some(opts.as_of.unwrap_or(opts.today)),
        c => match parse_date(c) {
            Ok(d) => Some(d),
            Err(m) => {
                r.error(Field::RegisteredOn, m);
                None
            }
        },
    };
    let unit = registered_on.and_then(|on| resolve_commune(r, catalog, on));
    let unit = match (unit, registered_on) {
        (Some(u), Some(on)) => Some(hamlet_within(r, catalog, u, on)),
        _ => None,
    };
    let groups = match parse_groups(&r.text(Field::Groups)) {
        Ok(g) => g,
        Err(m) => {
            r.error(Field::Groups, m);
            Vec::new()
        }
    };
    let external_id = r.line(Field::ExternalId, 40);
    let record_id = match r.text(Field::RecordId) {
        s if s.is_empty() => None,
        s => match s.parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                r.error(Field::RecordId, "not a record number of treem");
                None
            }
        },
    };
    let household_code = r.line(Field::HouseholdCode, 40);
    let household_head = r.line(Field::HouseholdHead, 200);
    let poverty = match r.text(Field::Poverty) {
        p if p.is_empty() => None,
        p => match parse_poverty(&p) {
            Some(s) => Some(s),
            None => {
                r.error(Field::Poverty, "write nghèo, cận nghèo or không");
                None
            }
        },
    };
    let caregiver_name = r.line(Field::CaregiverName, 200);
    let relation = match r.text(Field::CaregiverRelation) {
        s if s.is_empty() => "other",
        s => parse_relation(&s).unwrap_or_else(|| {
            r.error(Field::CaregiverRelation, "not a known relation (mẹ, cha, ông, bà, anh, chị, cô, dì, chú, người giám hộ, khác…)");
            "other"
        }),
    };
    let phone = r.line(Field::CaregiverPhone, 40);
    if let Some(p) = &phone {
        let digits = p.chars().filter(char::is_ascii_digit).count();
        if !(8..=15).contains(&digits) || !p.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | '-' | '+' | '(' | ')')) {
            r.error(Field::CaregiverPhone, "not a phone number");
        }
    }
    if phone.is_some() && caregiver_name.is_none() {
        r.error(Field::CaregiverName, "a phone number belongs to a caregiver: give the caregiver's name");
    }
    if !r.text(Field::Notes).is_empty() {
        r.warning(Field::Notes, "notes are not imported: record what matters on the child's page");
    }
    let household = match (household_code, household_head, poverty) {
        (None, None, None) => None,
        (None, _, Some(_)) => {
            r.error(Field::HouseholdCode, "a poverty status belongs to a household: give its code");
            None
        }
        (None, Some(_), None) => {
            r.error(Field::HouseholdCode, "a household head belongs to a household: give its code");
            None
        }
        (Some(_), None, _) => {
            r.error(Field::HouseholdHead, "name the head of the household");
            None
        }
        (Some(code), Some(head), poverty) => {
            Some(HouseholdRow { code, head, poverty: poverty.zip(registered_on).map(|(p, on)| (i64::from(on.year()), p)) })
        }
    };
    let (Some(full_name), Some(sex), Some(birth), Some(on), Some(unit)) = (full_name, sex, birth, registered_on, unit) else {
        return None;
    };
    let input = ChildInput {
        full_name,
        sex: sex.as_str().to_owned(),
        birth_date: birth.as_input(),
        residence_unit_id: unit.0.to_string(),
        registered_on: on.to_string(),
        ..ChildInput::default()
    };
    let fields = match check_child(&input, catalog, opts.today) {
        Ok(f) => f,
        Err(errors) => {
            for e in errors {
                r.error(field_of_check(&e.field), e.message);
            }
            return None;
        }
    };
    for g in &groups {
        if let Err(errors) = check_circumstance(g, &on.to_string(), "", fields.birth_date, opts.today) {
            for e in errors {
                r.error(Field::Groups, e.message);
            }
        }
    }
    let key = match (record_id, external_id) {
        (Some(id), _) => format!("rec:{id}"),
        (None, Some(id)) => format!("id:{id}"),
        (None, None) => {
            let basis = format!("{}|{}|{}|{}", fields.name_search, fields.birth_date, fields.sex.as_str(), unit.0);
            format!("row:{}", &crate::checksum(basis.as_bytes())[..32])
        }
    };
    let caregiver = caregiver_name.map(|name| CaregiverRow { name, relation, phone });
    Some(ChildRow { row: r.row, key, fields, groups, household, caregiver, record_id })
}

/// A unit's name folded, with and without its type ("Xã Mỹ Ngãi" → "xa my ngai", "my ngai").
fn names_of(u: &AdminUnit) -> [String; 2] {
    let full = fold(&u.name);
    let bare = ["xa ", "phuong ", "thi tran ", "ap ", "khom ", "thon ", "to dan pho ", "huyen ", "thi xa ", "thanh pho ", "quan "]
        .iter()
        .find_map(|p| full.strip_prefix(p))
        .unwrap_or(&full)
        .to_owned();
    [full, bare]
}

fn name_matches(u: &AdminUnit, name: &str) -> bool {
    let n = fold(name);
    names_of(u).contains(&n)
}

/// Where a unit no longer valid on `on` went: its successor valid then, followed through
/// later reforms; `None` when there is none or it was split (then the code is ambiguous).
fn successor_on<'a>(catalog: &'a UnitCatalog, mut u: &'a AdminUnit, on: Date) -> Option<&'a AdminUnit> {
    for _ in 0..8 {
        if u.validity.contains(on) {
            return Some(u);
        }
        let next: Vec<_> = catalog.successors_of(u.id).iter().filter(|s| s.effective <= on).collect();
        match next.as_slice() {
            [one] => u = catalog.get(one.to)?,
            _ => return None,
        }
    }
    None
}

fn label(u: &AdminUnit) -> String {
    format!("{} ({})", u.name, u.code)
}

pub(crate) fn resolve_commune(r: &mut RowReader<'_>, catalog: &UnitCatalog, on: Date) -> Option<UnitId> {
    let code = r.text(Field::CommuneCode);
    let name = r.text(Field::CommuneName);
    let district = r.text(Field::DistrictName);
    let is_commune = |u: &&AdminUnit| u.level == UnitLevel::Commune;
    if !code.is_empty() {
        let found = catalog.by_code_on(&code, on).filter(is_commune).or_else(|| {
            // A code from before a reform, on a record dated after it: the successor.
            catalog
                .by_code(&code)
                .into_iter()
                .filter(is_commune)
                .filter(|u| u.validity.from <= on)
                .find_map(|u| successor_on(catalog, u, on))
        });
        let Some(unit) = found else {
            if catalog.by_code(&code).into_iter().any(|u| is_commune(&u)) {
                r.error(Field::CommuneCode, format!("the commune with this code did not exist on {on}"));
            } else {
                r.error(Field::CommuneCode, "no commune has this code");
            }
            return None;
        };
        if !name.is_empty() {
            let named = catalog.by_code(&code).into_iter().filter(is_commune).any(|u| name_matches(u, &name)) || name_matches(unit, &name);
            if !named {
                r.error(Field::CommuneName, format!("the name does not match the code {code}, which is {}", unit.name));
                return None;
            }
        }
        return Some(unit.id);
    }
    // By name: the communes of that name on the day, then those that had it before.
    let in_district = |u: &AdminUnit| {
        district.is_empty()
            || catalog
                .parent_on(u.id, u.validity.to.map_or(on, |t| t.min(on)))
                .and_then(|p| catalog.get(p))
                .is_some_and(|p| name_matches(p, &district))
    };
    let mut now: Vec<&AdminUnit> =
        catalog.units().iter().filter(|u| is_commune(u) && u.validity.contains(on) && name_matches(u, &name) && in_district(u)).collect();
    if now.is_empty() {
        let earlier: Vec<&AdminUnit> = catalog
            .units()
            .iter()
            .filter(|u| is_commune(u) && u.validity.from <= on && name_matches(u, &name) && in_district(u))
            .filter_map(|u| successor_on(catalog, u, on))
            .collect();
        now = earlier;
        now.dedup_by_key(|u| u.id);
    }
    match now.as_slice() {
        [one] => Some(one.id),
        [] => {
            r.error(Field::CommuneName, format!("no commune of this name on {on}"));
            None
        }
        many => {
            let names: Vec<String> = many.iter().map(|u| label(u)).collect();
            r.error(Field::CommuneName, format!("the name matches several communes: {}; give the commune code (Mã xã)", names.join(", ")));
            None
        }
    }
}

/// The hamlet named in the row, if treem's map has it under the commune; else the commune,
/// with a warning (the hamlet is not stored elsewhere).
pub(crate) fn hamlet_within(r: &mut RowReader<'_>, catalog: &UnitCatalog, commune: UnitId, on: Date) -> UnitId {
    let hamlet = r.text(Field::Hamlet);
    if hamlet.is_empty() {
        return commune;
    }
    let found: Vec<&AdminUnit> =
        catalog.children_on(Some(commune), on).into_iter().filter(|u| u.level == UnitLevel::Hamlet && name_matches(u, &hamlet)).collect();
    match found.as_slice() {
        [one] => one.id,
        _ => {
            let name = catalog.get(commune).map_or_else(String::new, |u| u.name.clone());
            r.warning(Field::Hamlet, format!("no hamlet of this name in {name} on treem's map: the child is recorded at the commune"));
            commune
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{read_table, Limits};
    use time::macros::date;
    use treem_domain::units::{ParentLink, Succession, UnitType, Validity, SHARE_WHOLE};

    const OLD: Validity = Validity { from: date!(2012 - 01 - 01), to: Some(date!(2025 - 06 - 30)) };
    const NEW: Validity = Validity { from: date!(2025 - 07 - 01), to: None };

    fn catalog() -> UnitCatalog {
        let u = |id, code: &str, name: &str, level, validity| AdminUnit {
            id: UnitId(id),
            code: code.into(),
            name: name.into(),
            level,
            unit_type: UnitType::Xa,
            validity,
            lat: None,
            lon: None,
            area_km2: None,
        };
        let units = vec![
            u(1, "87", "Tỉnh Đồng Tháp", UnitLevel::Province, OLD),
            u(2, "866", "Thành phố Cao Lãnh", UnitLevel::District, OLD),
            u(3, "867", "Thành phố Sa Đéc", UnitLevel::District, OLD),
            u(10, "29869", "Phường 1", UnitLevel::Commune, OLD),
            u(11, "29905", "Phường 1", UnitLevel::Commune, OLD),
            u(12, "29881", "Phường Mỹ Ngãi", UnitLevel::Commune, OLD),
            u(13, "29954", "Phường An Lộc", UnitLevel::Commune, OLD),
            u(20, "82", "Tỉnh Đồng Tháp", UnitLevel::Province, NEW),
            u(21, "29884", "Phường Mỹ Ngãi", UnitLevel::Commune, NEW),
            u(22, "29954", "Phường An Bình", UnitLevel::Commune, NEW),
            u(30, "H1", "Ấp 1", UnitLevel::Hamlet, NEW),
        ];
        let link = |child, parent, validity| ParentLink { child: UnitId(child), parent: UnitId(parent), validity };
        let links = vec![
            link(2, 1, OLD),
            link(3, 1, OLD),
            link(10, 2, OLD),
            link(11, 3, OLD),
            link(12, 2, OLD),
            link(13, 2, OLD),
            link(21, 20, NEW),
            link(22, 20, NEW),
            link(30, 21, NEW),
        ];
        let s = |from, to| Succession { from: UnitId(from), to: UnitId(to), effective: date!(2025 - 07 - 01), share_ppm: SHARE_WHOLE };
        UnitCatalog::new(units, links, vec![s(12, 21), s(13, 22), s(10, 21)])
    }

    fn read(csv: &str, as_of: Option<Date>) -> ChildTable {
        let t = read_table("so.csv", csv.as_bytes(), &Limits::default(), &known_header).unwrap();
        read_children(&t, &catalog(), Options { as_of, today: date!(2026 - 12 - 04) })
    }

    fn problems(t: &ChildTable) -> Vec<(usize, String, String)> {
        t.problems.iter().map(|p| (p.row, p.column.clone(), p.message.clone())).collect()
    }

    #[test]
    fn a_register_book_reads_by_its_headers() {
        let t = read(
            "SỔ THEO DÕI TRẺ EM\nSTT,Họ và tên,Ngày sinh,Giới tính,Mã xã,Ấp/Khóm,Nhóm HCĐB,Mã hộ,Chủ hộ,Hộ nghèo/cận nghèo,Họ tên người chăm sóc,Quan hệ,Số điện thoại\n\
             1,Nguyễn Thị Ánh,01/03/2015,Nữ,29884,Ấp 1,a; k,H-01,Nguyễn Văn Ba,cận nghèo,Trần Thị Hoa,Mẹ,0912 345 678\n\
             2,Lê Văn Bình,2016,nam,29884,Ấp 9,,,,,,,\n",
            None,
        );
        assert_eq!(
            problems(&t),
            vec![(
                2,
                "Ấp/Khóm".into(),
                "no hamlet of this name in Phường Mỹ Ngãi on treem's map: the child is recorded at the commune".into()
            )]
        );
        assert_eq!(t.rows.len(), 2);
        let a = &t.rows[0];
        assert_eq!(
            (a.fields.full_name.as_str(), a.fields.birth_date, a.fields.residence_unit),
            ("Nguyễn Thị Ánh", date!(2015 - 03 - 01), UnitId(30))
        );
        assert_eq!(a.groups, ["a", "k"]);
        assert_eq!(a.household.as_ref().map(|h| h.poverty), Some(Some((2026, "near_poor"))));
        assert_eq!(a.caregiver.as_ref().map(|c| c.relation), Some("mother"));
        assert!(a.key.starts_with("row:"));
        let b = &t.rows[1];
        assert!(b.fields.birth_date_estimated);
        assert_eq!(b.fields.residence_unit, UnitId(21));
    }

    #[test]
    fn units_as_of_the_register_date() {
        // Before the reform, by its old code; code 29954 meant An Lộc then and An Bình now.
        let t = read("Họ và tên,Ngày sinh,Giới tính,Mã xã\nAn,01/03/2015,Nữ,29954\n", Some(date!(2024 - 05 - 01)));
        assert_eq!(t.rows[0].fields.residence_unit, UnitId(13));
        let t = read("Họ và tên,Ngày sinh,Giới tính,Mã xã\nAn,01/03/2015,Nữ,29954\n", None);
        assert_eq!(t.rows[0].fields.residence_unit, UnitId(22));
        // An old code on a record dated after the reform: the successor.
        let t = read("Họ và tên,Ngày sinh,Giới tính,Mã xã,Ngày đăng ký\nAn,01/03/2015,Nữ,29881,01/09/2025\n", None);
        assert_eq!(t.rows[0].fields.residence_unit, UnitId(21));
        // By a name from before the reform, after it.
        let t = read("Họ và tên,Ngày sinh,Giới tính,Xã/Phường/Thị trấn\nAn,01/03/2015,Nữ,Phường An Lộc\n", None);
        assert_eq!(t.rows[0].fields.residence_unit, UnitId(22));
        // A name of two communes, unless the district tells them apart.
        let t = read("Họ và tên,Ngày sinh,Giới tính,Xã\nAn,01/03/2015,Nữ,Phường 1\n", Some(date!(2020 - 01 - 01)));
        assert_eq!(
            problems(&t),
            vec![(
                1,
                "Xã".into(),
                "the name matches several communes: Phường 1 (29869), Phường 1 (29905); give the commune code (Mã xã)".into()
            )]
        );
        let t = read("Họ và tên,Ngày sinh,Giới tính,Xã,Huyện\nAn,01/03/2015,Nữ,1,Sa Đéc\n", Some(date!(2020 - 01 - 01)));
        assert_eq!(t.rows[0].fields.residence_unit, UnitId(11));
        // A name that is not its code's.
        let t = read("Họ và tên,Ngày sinh,Giới tính,Mã xã,Xã\nAn,01/03/2015,Nữ,29884,An Bình\n", None);
        assert_eq!(problems(&t)[0].2, "the name does not match the code 29884, which is Phường Mỹ Ngãi");
    }

    #[test]
    fn every_bad_cell_is_named() {
        let t = read(
            "Mã trẻ em,Họ và tên,Ngày sinh,Giới tính,Mã xã,Nhóm HCĐB,Hộ nghèo/cận nghèo,Ghi chú\n\
             T1,An,01/03/15,Nữ,29884,,,\n\
             T2,,31/02/2015,x,99999,z,nghèo,\n\
             T1,Bình,01/03/2030,Nam,29884,,,hỏi lại\n\
             T4,Chi,01/03/2000,Nam,29884,,,\n\
             T5,NguyÔn V¨n An,01/03/2015,Nam,29884,,,\n",
            None,
        );
        let got = problems(&t);
        let want: Vec<(usize, &str, &str)> = vec![
            (1, "Ngày sinh", "a two-digit year is ambiguous: write the year in full (dd/mm/yyyy)"),
            (2, "Họ và tên", "is empty"),
            (2, "Giới tính", "write Nam or Nữ"),
            (2, "Ngày sinh", "the day does not exist in that month"),
            (2, "Mã xã", "no commune has this code"),
            (2, "Nhóm HCĐB", "`z` is not a group of Art. 10 (a, b, c, d, đ, e, g, h, i, k, l, m, n, o)"),
            (2, "Mã hộ", "a poverty status belongs to a household: give its code"),
            (3, "Ghi chú", "notes are not imported: record what matters on the child's page"),
            (3, "Ngày sinh", "is in the future"),
            (4, "Ngày sinh", "the person was 18 or older on the registration date: not a child or juvenile"),
            (5, "Họ và tên", "the text looks typed in the legacy TCVN3 (ABC) encoding: convert the file to Unicode"),
        ];
        let want: Vec<(usize, String, String)> = want.into_iter().map(|(r, c, m)| (r, c.into(), m.into())).collect();
        assert_eq!(got, want);
        assert!(t.rows.is_empty() && t.has_errors());
        // The same identifier twice.
        let t = read("Mã trẻ em,Họ và tên,Ngày sinh,Giới tính,Mã xã\nT1,An,01/03/2015,Nữ,29884\nT1,Bình,01/03/2015,Nữ,29884\n", None);
        assert_eq!(problems(&t), vec![(2, "Mã trẻ em".into(), "the same identifier as row 1: each child once".into())]);
        // Missing headers are errors of the file.
        let t = read("Họ và tên,Giới tính\nAn,Nữ\n", None);
        assert_eq!(t.problems.iter().map(|p| (p.row, p.column.as_str())).collect::<Vec<_>>(), [(0, "Ngày sinh"), (0, "Mã xã")]);
    }
}

/// Mutated registers, CSV and XLSX, never make the readers panic: every byte sequence is a
/// table or a named problem (cargo-fuzz needs a nightly toolchain this project does not
/// have; this runs in every `cargo test` instead, with a fixed seed).
#[cfg(test)]
mod mutations {
    use super::*;
    use crate::table::{read_table, Limits};

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    const SEED_CSV: &str = "STT,Họ và tên,Ngày sinh,Giới tính,Mã xã,Xã/Phường/Thị trấn,Ấp/Khóm,Nhóm HCĐB,Mã hộ,Chủ hộ,Hộ nghèo/cận nghèo,Họ tên người chăm sóc,Quan hệ,Số điện thoại,Ngày đăng ký\n\
        1,Nguyễn Thị Ánh,01/03/2015,Nữ,29884,Phường Mỹ Ngãi,Ấp 1,a; k,H-01,Nguyễn Văn Ba,cận nghèo,Trần Thị Hoa,Mẹ,0912 345 678,01/09/2025\n\
        2,\"Lê, Văn \"\"Bình\"\"\",2016,nam,29954,,,,,,,,,,\n";

    fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
        let mut b = seed.to_vec();
        for _ in 0..1 + rng.below(8) {
            let at = rng.below(b.len());
            match rng.below(6) {
                0 => b[at] = rng.next() as u8,
                1 => b.insert(at, [b',', b'"', b'\n', b'\r', 0, 0xC3, 0xFF, b';', b'\t', b'/'][rng.below(10)]),
                2 => {
                    b.remove(at);
                }
                3 => b.truncate(at),
                4 => {
                    let n = rng.below(40).min(b.len() - at);
                    let chunk: Vec<u8> = b[at..at + n].to_vec();
                    b.splice(at..at, chunk);
                }
                _ => b.splice(at..at, "ngày 31 tháng 2 năm 20".bytes()).for_each(drop),
            }
            if b.is_empty() {
                b.push(b'x');
            }
        }
        b
    }

    #[test]
    fn mutated_files_are_read_or_refused_never_a_panic() {
        let catalog = UnitCatalog::default();
        let opts = Options { as_of: None, today: time::macros::date!(2026 - 12 - 04) };
        let mut rng = Rng(0x7EE7_2013);
        let mut workbook = rust_xlsxwriter_free_workbook();
        let seeds: [(&str, Vec<u8>); 3] =
            [("so.csv", SEED_CSV.as_bytes().to_vec()), ("so.txt", utf16(SEED_CSV)), ("so.xlsx", std::mem::take(&mut workbook))];
        let mut read = 0;
        // TREEM_MUTATIONS=N runs N per seed (docs/IMPORT.md records the long runs).
        let rounds = std::env::var("TREEM_MUTATIONS").ok().and_then(|n| n.parse().ok()).unwrap_or(700);
        for (name, seed) in &seeds {
            for _ in 0..rounds {
                let bytes = mutate(&mut rng, seed);
                if let Ok(t) = read_table(name, &bytes, &Limits::default(), &known_header) {
                    read += 1;
                    let _ = read_children(&t, &catalog, opts);
                }
            }
        }
        assert!(read > 300, "most mutations still read as a table ({read})");
    }

    fn utf16(s: &str) -> Vec<u8> {
        [0xFF, 0xFE].into_iter().chain(s.encode_utf16().flat_map(u16::to_le_bytes)).collect()
    }

    /// A small XLSX written by hand (stored zip entries), so this crate needs no writer.
    fn rust_xlsxwriter_free_workbook() -> Vec<u8> {
        use std::io::Write;
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let parts = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
            ),
            (
                "xl/worksheets/sheet1.xml",
                r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Họ và tên</t></is></c><c r="B1" t="inlineStr"><is><t>Ngày sinh</t></is></c><c r="C1" t="inlineStr"><is><t>Giới tính</t></is></c><c r="D1" t="inlineStr"><is><t>Mã xã</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>An</t></is></c><c r="B2"><v>42064</v></c><c r="C2" t="inlineStr"><is><t>Nữ</t></is></c><c r="D2"><v>29884</v></c></row></sheetData></worksheet>"#,
            ),
        ];
        for (name, text) in parts {
            zip.start_file(name, stored).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        }
        zip.finish().unwrap();
        out.into_inner()
    }
}

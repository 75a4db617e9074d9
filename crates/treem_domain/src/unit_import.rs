//! Checking a units or successions file against the stored map before anything
//! is written. Pure: the storage backend calls [`plan_import`] inside its write
//! transaction with the catalogue it has just read, then applies the plan, so
//! two imports can never interleave their checks.

use std::collections::{BTreeMap, HashMap, HashSet};
use time::{Date, Duration};

use crate::csv::{parse_csv, CsvRecord};
use crate::import_error::{ImportError, ImportErrors};
use crate::text::clean_line;
use crate::units::{AdminUnit, UnitCatalog, UnitId, UnitLevel, UnitType, Validity, SHARE_WHOLE};

const UNIT_COLUMNS: &[&str] = &["code", "name", "level", "type", "parent_code", "valid_from", "valid_to", "lat", "lon", "area_km2"];
const UNIT_REQUIRED: &[&str] = &["code", "name", "level", "type", "valid_from"];
const SUCCESSION_COLUMNS: &[&str] = &["from_code", "to_code", "effective", "share", "note"];
const SUCCESSION_REQUIRED: &[&str] = &["from_code", "to_code", "effective"];

/// A unit as read from a file, checked for form but not yet against the map.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitRow {
    pub file: String,
    pub line: usize,
    pub code: String,
    pub name: String,
    pub level: UnitLevel,
    pub unit_type: UnitType,
    pub parent_code: Option<String>,
    pub validity: Validity,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub area_km2: Option<f64>,
}

/// A succession as read from a file: `from_code` is the unit holding that code the
/// day before `effective`, `to_code` the one holding it on `effective`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuccessionRow {
    pub file: String,
    pub line: usize,
    pub from_code: String,
    pub to_code: String,
    pub effective: Date,
    pub share_ppm: i64,
}

/// What one import file holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedFiles {
    pub units: Vec<UnitRow>,
    pub successions: Vec<SuccessionRow>,
}

/// Parses one file; its header says whether it holds units or successions.
pub fn parse_file(file: &str, bytes: &[u8], into: &mut ParsedFiles) -> Result<(), ImportErrors> {
    let records = parse_csv(file, bytes).map_err(|e| ImportErrors(vec![e]))?;
    let Some((header, rows)) = records.split_first() else {
        return Err(ImportErrors(vec![ImportError::new(file, 0, None, "the file is empty")]));
    };
    let names: Vec<String> = header.fields.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    let (allowed, required) =
        if names.iter().any(|n| n == "from_code") { (SUCCESSION_COLUMNS, SUCCESSION_REQUIRED) } else { (UNIT_COLUMNS, UNIT_REQUIRED) };
    let mut errors = Vec::new();
    for n in &names {
        if !allowed.contains(&n.as_str()) {
            errors.push(ImportError::new(file, header.line, Some(n), format!("unknown column; expected some of: {}", allowed.join(", "))));
        }
    }
    for r in required {
        if !names.iter().any(|n| n == r) {
            errors.push(ImportError::new(file, header.line, Some(r), "required column is missing"));
        }
    }
    let mut seen = HashSet::new();
    for n in &names {
        if !seen.insert(n) {
            errors.push(ImportError::new(file, header.line, Some(n), "column appears twice"));
        }
    }
    if !errors.is_empty() {
        return Err(ImportErrors(errors));
    }
    for rec in rows {
        if rec.fields.len() != names.len() {
            errors.push(ImportError::new(file, rec.line, None, format!("{} fields, but the header has {}", rec.fields.len(), names.len())));
            continue;
        }
        let row = Row { file, rec, names: &names };
        let parsed = if allowed == SUCCESSION_COLUMNS {
            parse_succession(&row).map(|s| into.successions.push(s))
        } else {
            parse_unit(&row).map(|u| into.units.push(u))
        };
        if let Err(e) = parsed {
            errors.push(e);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ImportErrors(errors))
    }
}

struct Row<'a> {
    file: &'a str,
    rec: &'a CsvRecord,
    names: &'a [String],
}

impl Row<'_> {
    fn get(&self, col: &str) -> Option<&str> {
        let i = self.names.iter().position(|n| n == col)?;
        self.rec.fields.get(i).map(|s| s.trim()).filter(|s| !s.is_empty())
    }
    fn err(&self, col: &str, msg: impl Into<String>) -> ImportError {
        ImportError::new(self.file, self.rec.line, Some(col), msg)
    }
    fn required(&self, col: &str) -> Result<&str, ImportError> {
        self.get(col).ok_or_else(|| self.err(col, "is empty"))
    }
    fn date(&self, col: &str) -> Result<Option<Date>, ImportError> {
        self.get(col).map(|s| parse_date(s).ok_or_else(|| self.err(col, format!("`{s}` is not a date (YYYY-MM-DD)")))).transpose()
    }
    fn number(&self, col: &str, min: f64, max: f64) -> Result<Option<f64>, ImportError> {
        self.get(col)
            .map(|s| match s.parse::<f64>() {
                Ok(v) if v.is_finite() && (min..=max).contains(&v) => Ok(v),
                _ => Err(self.err(col, format!("`{s}` is not a number between {min} and {max}"))),
            })
            .transpose()
    }
    fn code(&self, col: &str) -> Result<Option<String>, ImportError> {
        self.get(col).map(|s| parse_code(s).map_err(|m| self.err(col, m))).transpose()
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// A unit code: 1–20 of `0-9 A-Z a-z - . _`.
pub fn parse_code(s: &str) -> Result<String, String> {
    let ok = !s.is_empty() && s.len() <= 20 && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!("`{}` is not a unit code (1–20 letters, digits, '-', '.', '_')", s.chars().take(30).collect::<String>()))
    }
}

/// Parses a share such as `1`, `0.3` or `0.333333` into parts per million.
pub fn parse_share(s: &str) -> Option<i64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() || frac.len() > 6 || !int.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let int: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let frac_ppm: i64 = format!("{frac:0<6}").parse().ok()?;
    let v = int.checked_mul(SHARE_WHOLE)?.checked_add(frac_ppm)?;
    (v > 0 && v <= SHARE_WHOLE).then_some(v)
}

fn parse_unit(r: &Row<'_>) -> Result<UnitRow, ImportError> {
    let code = r.code("code")?.ok_or_else(|| r.err("code", "is empty"))?;
    let name = clean_line(r.required("name")?, 200).map_err(|e| r.err("name", e.to_string()))?;
    let level_s = r.required("level")?;
    let level = UnitLevel::parse(level_s)
        .ok_or_else(|| r.err("level", format!("`{level_s}` is not one of province, district, commune, hamlet")))?;
    let type_s = r.required("type")?;
    let unit_type = UnitType::parse(type_s).ok_or_else(|| r.err("type", format!("`{type_s}` is not a known unit type")))?;
    if !level.allowed_types().contains(&unit_type) {
        return Err(r.err("type", format!("a {} cannot be a {}", level.as_str(), unit_type.vietnamese())));
    }
    let from = r.date("valid_from")?.ok_or_else(|| r.err("valid_from", "is empty"))?;
    let to = r.date("valid_to")?;
    if to.is_some_and(|to| to < from) {
        return Err(r.err("valid_to", "is before valid_from"));
    }
    let lat = r.number("lat", -90.0, 90.0)?;
    let lon = r.number("lon", -180.0, 180.0)?;
    let area_km2 = r.number("area_km2", 0.0, 1.0e6)?;
    let parent_code = r.code("parent_code")?;
    if level != UnitLevel::Province && parent_code.is_none() {
        return Err(r.err("parent_code", format!("a {} needs a parent", level.as_str())));
    }
    Ok(UnitRow {
        file: r.file.to_owned(),
        line: r.rec.line,
        code,
        name,
        level,
        unit_type,
        parent_code,
        validity: Validity { from, to },
        lat,
        lon,
        area_km2,
    })
}

fn parse_succession(r: &Row<'_>) -> Result<SuccessionRow, ImportError> {
    let from_code = r.code("from_code")?.ok_or_else(|| r.err("from_code", "is empty"))?;
    let to_code = r.code("to_code")?.ok_or_else(|| r.err("to_code", "is empty"))?;
    let effective = r.date("effective")?.ok_or_else(|| r.err("effective", "is empty"))?;
    let share_ppm = match r.get("share") {
        None => SHARE_WHOLE,
        Some(s) => {
            parse_share(s).ok_or_else(|| r.err("share", format!("`{s}` is not a share between 0 (exclusive) and 1, at most 6 decimals")))?
        }
    };
    Ok(SuccessionRow { file: r.file.to_owned(), line: r.rec.line, from_code, to_code, effective, share_ppm })
}

/// A reference to a unit: one already stored, or the n-th new unit of the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UnitRef {
    Existing(UnitId),
    New(usize),
}

/// What to write, all in one transaction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitImportPlan {
    pub new_units: Vec<AdminUnit>,
    pub parent_links: Vec<(UnitRef, UnitRef, Validity)>,
    pub successions: Vec<(UnitRef, UnitRef, Date, i64)>,
    /// Rows identical to what is stored already (re-importing a file is harmless).
    pub unchanged_units: usize,
    pub unchanged_successions: usize,
}

struct Candidate<'a> {
    r: UnitRef,
    code: &'a str,
    level: UnitLevel,
    validity: Validity,
}

/// Checks parsed files against the stored catalogue and returns what to write,
/// or every error found (nothing is written then).
pub fn plan_import(existing: &UnitCatalog, files: &ParsedFiles) -> Result<UnitImportPlan, ImportErrors> {
    let mut errors = Vec::new();
    let mut plan = UnitImportPlan::default();
    // Each row becomes either an existing unit (identical re-import) or a new one.
    let mut row_refs: Vec<Option<UnitRef>> = Vec::with_capacity(files.units.len());
    let mut first_row_with: HashMap<(&str, Date), &UnitRow> = HashMap::new();
    for row in &files.units {
        let err = |field: &str, msg: String| ImportError::new(&row.file, row.line, Some(field), msg);
        if let Some(prev) = first_row_with.insert((row.code.as_str(), row.validity.from), row) {
            errors.push(err(
                "code",
                format!("duplicated code {} from {} (also at {}:{})", row.code, row.validity.from, prev.file, prev.line),
            ));
            row_refs.push(None);
            continue;
        }
        let same_code = existing.by_code(&row.code);
        if let Some(stored) = same_code.iter().find(|u| u.validity.from == row.validity.from) {
            if let Some(diff) = difference(stored, row, existing) {
                errors.push(err(diff, format!("code {} from {} is stored already with a different {diff}", row.code, row.validity.from)));
                row_refs.push(None);
            } else {
                plan.unchanged_units += 1;
                row_refs.push(Some(UnitRef::Existing(stored.id)));
            }
            continue;
        }
        if let Some(stored) = same_code.iter().find(|u| u.validity.overlaps(&row.validity)) {
            errors.push(err(
                "valid_from",
                format!(
                    "validity overlaps the stored unit with code {} valid {}–{}",
                    row.code,
                    stored.validity.from,
                    fmt_to(stored.validity.to)
                ),
            ));
            row_refs.push(None);
            continue;
        }
        row_refs.push(Some(UnitRef::New(plan.new_units.len())));
        plan.new_units.push(AdminUnit {
            id: UnitId(0),
            code: row.code.clone(),
            name: row.name.clone(),
            level: row.level,
            unit_type: row.unit_type,
            validity: row.validity,
            lat: row.lat,
            lon: row.lon,
            area_km2: row.area_km2,
        });
    }
    // Overlaps inside the file(s).
    let mut by_code: BTreeMap<&str, Vec<&UnitRow>> = BTreeMap::new();
    for row in &files.units {
        by_code.entry(&row.code).or_default().push(row);
    }
    for rows in by_code.values() {
        for (i, a) in rows.iter().enumerate() {
            for b in rows.iter().skip(i + 1) {
                if a.validity.from != b.validity.from && a.validity.overlaps(&b.validity) {
                    errors.push(ImportError::new(
                        &b.file,
                        b.line,
                        Some("valid_from"),
                        format!("validity of code {} overlaps the row at {}:{}", b.code, a.file, a.line),
                    ));
                }
            }
        }
    }
    // Candidates for parents and successions: stored units plus the file's rows.
    let mut candidates: Vec<Candidate<'_>> = existing
        .units()
        .iter()
        .map(|u| Candidate { r: UnitRef::Existing(u.id), code: &u.code, level: u.level, validity: u.validity })
        .collect();
    for (row, r) in files.units.iter().zip(&row_refs) {
        if let Some(UnitRef::New(i)) = r {
            candidates.push(Candidate { r: UnitRef::New(*i), code: &row.code, level: row.level, validity: row.validity });
        }
    }
    let find = |code: &str, on: Date| candidates.iter().find(|c| c.code == code && c.validity.contains(on));

    let mut edges: HashMap<UnitRef, (UnitRef, &UnitRow)> = HashMap::new();
    for (row, r) in files.units.iter().zip(&row_refs) {
        let Some(child @ UnitRef::New(_)) = *r else {
            continue;
        };
        let Some(parent_code) = &row.parent_code else {
            continue;
        };
        let err = |msg: String| ImportError::new(&row.file, row.line, Some("parent_code"), msg);
        match find(parent_code, row.validity.from) {
            None => errors.push(err(format!("unknown parent: no unit with code {parent_code} is valid on {}", row.validity.from))),
            Some(p) if p.r == child => errors.push(err(format!("cycle: unit {} is its own parent", row.code))),
            Some(p) => {
                if p.level >= row.level {
                    errors.push(err(format!("parent {parent_code} is a {}, which cannot hold a {}", p.level.as_str(), row.level.as_str())));
                } else if !p.validity.covers(&row.validity) {
                    errors.push(err(format!(
                        "parent {parent_code} is valid {}–{}, which does not cover the unit's {}–{}",
                        p.validity.from,
                        fmt_to(p.validity.to),
                        row.validity.from,
                        fmt_to(row.validity.to)
                    )));
                }
                edges.insert(child, (p.r, row));
                plan.parent_links.push((child, p.r, row.validity));
            }
        }
    }
    // Cycles through several new units (A → B → A).
    for (&start, &(_, row)) in &edges {
        let mut seen = HashSet::from([start]);
        let mut cur = start;
        while let Some(&(next, _)) = edges.get(&cur) {
            if !seen.insert(next) {
                if next == start {
                    errors.push(ImportError::new(
                        &row.file,
                        row.line,
                        Some("parent_code"),
                        format!("cycle: unit {} is its own ancestor", row.code),
                    ));
                }
                break;
            }
            cur = next;
        }
    }
    plan_successions(existing, &files.successions, &find, &mut plan, &mut errors);
    if errors.is_empty() {
        Ok(plan)
    } else {
        errors.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        errors.dedup();
        Err(ImportErrors(errors))
    }
}

fn plan_successions<'a>(
    existing: &UnitCatalog,
    rows: &[SuccessionRow],
    find: &dyn Fn(&str, Date) -> Option<&'a Candidate<'a>>,
    plan: &mut UnitImportPlan,
    errors: &mut Vec<ImportError>,
) {
    let mut seen = HashSet::new();
    let mut share_sums: BTreeMap<(UnitRef, Date), (i64, &SuccessionRow)> = BTreeMap::new();
    for row in rows {
        let err = |field: &str, msg: String| ImportError::new(&row.file, row.line, Some(field), msg);
        let Some(day_before) = row.effective.checked_sub(Duration::days(1)) else {
            errors.push(err("effective", "is out of range".into()));
            continue;
        };
        let from = find(&row.from_code, day_before);
        let to = find(&row.to_code, row.effective);
        let (Some(from), Some(to)) = (from, to) else {
            if from.is_none() {
                errors.push(err(
                    "from_code",
                    format!("no unit with code {} is valid on {day_before}, the day before the succession", row.from_code),
                ));
            }
            if to.is_none() {
                errors.push(err("to_code", format!("no unit with code {} is valid on {}", row.to_code, row.effective)));
            }
            continue;
        };
        if from.validity.contains(row.effective) {
            errors.push(err(
                "from_code",
                format!("unit {} is still valid on {}; a predecessor must end before its succession", row.from_code, row.effective),
            ));
            continue;
        }
        if !seen.insert((from.r, to.r, row.effective)) {
            errors.push(err("to_code", format!("succession {} → {} on {} appears twice", row.from_code, row.to_code, row.effective)));
            continue;
        }
        let stored = match (from.r, to.r) {
            (UnitRef::Existing(f), UnitRef::Existing(t)) => {
                existing.successors_of(f).iter().find(|s| s.to == t && s.effective == row.effective).copied()
            }
            _ => None,
        };
        match stored {
            Some(s) if s.share_ppm == row.share_ppm => plan.unchanged_successions += 1,
            Some(_) => {
                errors.push(err(
                    "share",
                    format!("succession {} → {} on {} is stored already with another share", row.from_code, row.to_code, row.effective),
                ));
                continue;
            }
            None => plan.successions.push((from.r, to.r, row.effective, row.share_ppm)),
        }
        share_sums.entry((from.r, row.effective)).or_insert((0, row)).0 += row.share_ppm;
    }
    // Shares of one predecessor on one date must add up to the whole, counting stored ones too.
    for ((from, effective), (sum, row)) in share_sums {
        let stored_other: i64 = match from {
            UnitRef::Existing(f) => existing
                .successors_of(f)
                .iter()
                .filter(|s| {
                    s.effective == effective
                        && !rows.iter().any(|r| {
                            r.effective == effective
                                && r.from_code == row.from_code
                                && find(&r.to_code, effective).map(|c| c.r) == Some(UnitRef::Existing(s.to))
                        })
                })
                .map(|s| s.share_ppm)
                .sum(),
            UnitRef::New(_) => 0,
        };
        let total = sum + stored_other;
        if total != SHARE_WHOLE {
            errors.push(ImportError::new(
                &row.file,
                row.line,
                Some("share"),
                format!("the shares of {} on {effective} add up to {}, not 1", row.from_code, fmt_share(total)),
            ));
        }
    }
}

fn fmt_share(ppm: i64) -> String {
    let s = format!("{}.{:06}", ppm / SHARE_WHOLE, ppm % SHARE_WHOLE);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn fmt_to(to: Option<Date>) -> String {
    to.map_or_else(|| "…".to_owned(), |d| d.to_string())
}

/// The first attribute in which a stored unit differs from a row with the same code and start.
fn difference(stored: &AdminUnit, row: &UnitRow, catalog: &UnitCatalog) -> Option<&'static str> {
    let parent_code = catalog.parent_on(stored.id, stored.validity.from).and_then(|p| catalog.get(p)).map(|p| p.code.as_str());
    if stored.name != row.name {
        Some("name")
    } else if stored.level != row.level {
        Some("level")
    } else if stored.unit_type != row.unit_type {
        Some("type")
    } else if stored.validity.to != row.validity.to {
        Some("valid_to")
    } else if parent_code != row.parent_code.as_deref() {
        Some("parent_code")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(files: &[(&str, &str)]) -> Result<ParsedFiles, ImportErrors> {
        let mut p = ParsedFiles::default();
        for (name, text) in files {
            parse_file(name, text.as_bytes(), &mut p)?;
        }
        Ok(p)
    }

    const HEADER: &str = "code,name,level,type,parent_code,valid_from,valid_to\n";

    fn plan(text: &str) -> Result<UnitImportPlan, ImportErrors> {
        let p = parse(&[("u.csv", &format!("{HEADER}{text}"))])?;
        plan_import(&UnitCatalog::default(), &p)
    }

    fn first_error(r: Result<UnitImportPlan, ImportErrors>) -> ImportError {
        r.unwrap_err().0.into_iter().next().unwrap()
    }

    #[test]
    fn a_good_file_plans_units_and_links() {
        let p = plan(
            "87,Tỉnh Đồng Tháp,province,Tỉnh,,2012-01-01,2025-06-30\n866,Thành phố Cao Lãnh,district,thanh_pho,87,2012-01-01,2025-06-30\n",
        )
        .unwrap();
        assert_eq!(p.new_units.len(), 2);
        assert_eq!(p.parent_links, vec![(UnitRef::New(1), UnitRef::New(0), p.new_units[1].validity)]);
    }

    #[test]
    fn unknown_parent_names_line_and_field() {
        let e = first_error(plan("866,Cao Lãnh,district,huyen,99,2012-01-01,\n"));
        assert_eq!((e.file.as_str(), e.line, e.field.as_deref()), ("u.csv", 2, Some("parent_code")));
        assert!(e.message.contains("unknown parent"), "{e}");
    }

    #[test]
    fn cycles_are_refused() {
        let e = plan("1,A,district,huyen,2,2012-01-01,\n2,B,district,huyen,1,2012-01-01,\n").unwrap_err();
        assert!(e.0.iter().any(|e| e.message.contains("cycle")), "{e}");
        let e = first_error(plan("1,A,district,huyen,1,2012-01-01,\n"));
        assert!(e.message.contains("cycle"), "{e}");
    }

    #[test]
    fn duplicates_and_overlaps_are_refused() {
        let e = first_error(plan("87,A,province,tinh,,2012-01-01,\n87,B,province,tinh,,2012-01-01,\n"));
        assert!(e.message.contains("duplicated code"), "{e}");
        assert_eq!(e.line, 3);
        let e = first_error(plan("87,A,province,tinh,,2012-01-01,2025-07-01\n87,B,province,tinh,,2025-07-01,\n"));
        assert!(e.message.contains("overlaps"), "{e}");
        // Reused code in another era is fine.
        assert!(plan("87,A,province,tinh,,2012-01-01,2025-06-30\n87,B,province,tinh,,2025-07-01,\n").is_ok());
    }

    #[test]
    fn malformed_rows_are_refused_with_field() {
        let e = first_error(plan("87,A,province,tinh,,2012-13-01,\n"));
        assert_eq!(e.field.as_deref(), Some("valid_from"));
        let e = first_error(plan("87,A,state,tinh,,2012-01-01,\n"));
        assert_eq!(e.field.as_deref(), Some("level"));
        let e = first_error(plan("87,A,province,tinh,,2012-01-01\n"));
        assert!(e.message.contains("fields"), "{e}");
        let e = first_error(plan("87,A\u{0}B,province,tinh,,2012-01-01,\n"));
        assert_eq!(e.field.as_deref(), Some("name"));
        let e = first_error(plan("87,A,commune,tinh,,2012-01-01,\n"));
        assert_eq!(e.field.as_deref(), Some("type"));
    }

    #[test]
    fn parent_must_cover_the_child_and_be_higher() {
        let e = first_error(plan("87,P,province,tinh,,2012-01-01,2020-01-01\n1,C,commune,xa,87,2012-01-01,2021-01-01\n"));
        assert!(e.message.contains("does not cover"), "{e}");
        let e = first_error(plan("87,P,commune,xa,,2012-01-01,\n"));
        assert_eq!(e.field.as_deref(), Some("parent_code"));
    }

    #[test]
    fn shares_must_add_up() {
        let units = format!(
            "{HEADER}87,P,province,tinh,,2012-01-01,2025-06-30\n82,Q,province,tinh,,2025-07-01,\n83,R,province,tinh,,2025-07-01,\n"
        );
        let ok = parse(&[("u.csv", &units), ("s.csv", "from_code,to_code,effective,share\n87,82,2025-07-01,0.4\n87,83,2025-07-01,0.6\n")])
            .unwrap();
        assert_eq!(plan_import(&UnitCatalog::default(), &ok).unwrap().successions.len(), 2);
        let bad = parse(&[("u.csv", &units), ("s.csv", "from_code,to_code,effective,share\n87,82,2025-07-01,0.4\n87,83,2025-07-01,0.5\n")])
            .unwrap();
        let e = plan_import(&UnitCatalog::default(), &bad).unwrap_err();
        assert!(e.0[0].message.contains("0.9"), "{e}");
    }

    #[test]
    fn share_parsing() {
        assert_eq!(parse_share("1"), Some(SHARE_WHOLE));
        assert_eq!(parse_share("0.3"), Some(300_000));
        assert_eq!(parse_share(".5"), Some(500_000));
        assert_eq!(parse_share("0"), None);
        assert_eq!(parse_share("1.5"), None);
        assert_eq!(parse_share("0.1234567"), None);
        assert_eq!(parse_share("-1"), None);
    }

    #[test]
    fn unknown_columns_and_bad_utf8_are_refused() {
        let e = parse(&[("u.csv", "code,name,lvl\n")]).unwrap_err();
        assert!(e.0.iter().any(|e| e.field.as_deref() == Some("lvl")));
        let mut p = ParsedFiles::default();
        let e = parse_file("u.csv", b"code,name,level,type,valid_from\n1,X\xc3,province,tinh,2012-01-01\n", &mut p).unwrap_err();
        assert_eq!(e.0[0].line, 2);
    }
}

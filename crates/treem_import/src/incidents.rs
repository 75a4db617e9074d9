//! A table of incidents (a commune's or the police's register of abuse, children in
//! conflict with the law, accidents and injuries; treem's template or an export) as incidents
//! to record: each row checked by the incident form's own rules
//! (`treem_domain::incident::check_incident`), its place resolved by commune code or name as
//! of the day it happened, its classification read from the words a register writes
//! ("Xâm hại tình dục", "Đuối nước") or treem's codes, and the children involved named by
//! their treem record numbers or by their identifiers in the children's register.

use std::collections::HashMap;
use time::Date;
use treem_domain::incident::{check_incident, IncidentFields, IncidentInput};
use treem_domain::units::UnitCatalog;

use crate::children::{hamlet_within, resolve_commune, RowReader};
use crate::columns::{fold, is_total_row, map_columns_of, Columns, Field};
use crate::problem::Problem;
use crate::table::Table;
use crate::values::parse_date;

pub const REQUIRED: &[Field] = &[Field::OccurredOn, Field::IncidentKind];
pub const PLACE: &[Field] = &[Field::CommuneCode, Field::CommuneName];
pub const CHILDREN: &[Field] = &[Field::RecordId, Field::ExternalId];

/// One incident ready to record, but for the children named by their register identifiers,
/// which the service resolves against the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentRow {
    pub row: usize,
    /// `id:` and the file's own identifier, or `row:` and a hash of kind, day, place,
    /// classification and children.
    pub key: String,
    /// Checked; `children` holds the treem record numbers the row gives (maybe none yet).
    pub fields: IncidentFields,
    /// The children's identifiers in the children's register (`Mã trẻ em`), to resolve.
    pub child_refs: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct IncidentTable {
    pub columns: Columns,
    pub rows: Vec<IncidentRow>,
    /// (row, incident number): rows that are incidents of treem (an export read back). Such a
    /// row **is** that record: its other cells are not read (nor checked by today's rules),
    /// and the service checks only that the reader's area has it.
    pub records: Vec<(usize, i64)>,
    pub problems: Vec<Problem>,
    pub read: usize,
}

/// The words for each code: treem's code, the labels of its pages in both languages (an
/// export reads back; a test in `treem_web` keeps them in step), and the register's own.
type Words = &'static [(&'static str, &'static [&'static str])];

const KINDS: Words = &[
    ("abuse", &["Xâm hại trẻ em", "Xâm hại", "Trẻ em bị xâm hại", "Child abuse", "Abuse"]),
    (
        "conflict_with_law",
        &["Trẻ em vi phạm pháp luật", "Vi phạm pháp luật", "Người chưa thành niên vi phạm pháp luật", "Child in conflict with the law"],
    ),
    ("accident", &["Tai nạn, thương tích", "Tai nạn thương tích", "Tai nạn", "Thương tích", "Accident and injury", "Accident"]),
];
const ABUSE_FORMS: Words = &[
    ("bao_luc", &["Bạo lực", "Violence"]),
    ("boc_lot", &["Bóc lột", "Exploitation"]),
    ("xam_hai_tinh_duc", &["Xâm hại tình dục", "Sexual abuse"]),
    ("mua_ban", &["Mua bán", "Mua bán trẻ em", "Trafficking"]),
    ("bo_roi_bo_mat", &["Bỏ rơi, bỏ mặc", "Bỏ rơi", "Bỏ mặc", "Abandonment, neglect", "Neglect"]),
    ("khac", &["Hình thức gây tổn hại khác", "Khác", "Other harm", "Other"]),
];
const SEXUAL_SUBTYPES: Words = &[
    ("hiep_dam", &["Hiếp dâm", "Rape"]),
    ("cuong_dam", &["Cưỡng dâm", "Coerced sex"]),
    ("giao_cau", &["Giao cấu với trẻ em", "Giao cấu", "Sexual intercourse with a child"]),
    ("dam_o", &["Dâm ô", "Dâm ô với trẻ em", "Molestation"]),
    ("mai_dam_khieu_dam", &["Sử dụng vào mại dâm, khiêu dâm", "Mại dâm, khiêu dâm", "Use for prostitution or pornography"]),
];
const SETTINGS: Words = &[
    ("family", &["Gia đình", "Family"]),
    ("school", &["Trường học", "Nhà trường", "School"]),
    ("community", &["Cộng đồng", "Community"]),
    ("online", &["Môi trường mạng", "Trên mạng", "Online"]),
];
const RELATIONS: Words = &[
    ("parent", &["Cha, mẹ", "Cha mẹ", "Cha", "Mẹ", "Parent"]),
    ("step_parent", &["Cha dượng, mẹ kế", "Cha dượng", "Mẹ kế", "Step-parent"]),
    ("relative", &["Người thân", "Họ hàng", "Relative"]),
    ("teacher", &["Giáo viên", "Thầy, cô giáo", "Teacher"]),
    ("acquaintance", &["Người quen", "Hàng xóm", "Acquaintance"]),
    ("stranger", &["Người lạ", "Stranger"]),
    ("other_child", &["Trẻ em khác", "Another child"]),
    ("unknown", &["Chưa rõ", "Không rõ", "Unknown"]),
];
const JUSTICE_STAGES: Words = &[
    ("police", &["Cơ quan công an", "Công an", "Police"]),
    ("procuracy", &["Viện kiểm sát", "Procuracy"]),
    ("court", &["Tòa án", "Toà án", "Court"]),
];
const JUSTICE_MEASURES: Words = &[
    ("diversion", &["Biện pháp xử lý chuyển hướng", "Xử lý chuyển hướng", "Chuyển hướng", "Diversion"]),
    ("education_at_commune", &["Giáo dục tại xã, phường, thị trấn", "Giáo dục tại xã", "Education at the commune"]),
    ("reform_school", &["Đưa vào trường giáo dưỡng", "Trường giáo dưỡng", "Reform school"]),
    ("pending", &["Chưa quyết định", "Not decided yet"]),
];
const INJURIES: Words = &[
    ("drowning", &["Đuối nước", "Drowning"]),
    ("traffic", &["Tai nạn giao thông", "Giao thông", "Traffic accident"]),
    ("burn", &["Bỏng", "Burn"]),
    ("fall", &["Ngã", "Té ngã", "Fall"]),
    ("other", &["Khác", "Other"]),
];

/// Every list of words, by the field it fills (for the tests that keep them complete).
pub const VOCABULARY: [(Field, Words); 8] = [
    (Field::IncidentKind, KINDS),
    (Field::AbuseForm, ABUSE_FORMS),
    (Field::SexualSubtype, SEXUAL_SUBTYPES),
    (Field::Setting, SETTINGS),
    (Field::Perpetrator, RELATIONS),
    (Field::JusticeStage, JUSTICE_STAGES),
    (Field::JusticeMeasure, JUSTICE_MEASURES),
    (Field::Injury, INJURIES),
];

/// The code a cell's words name in `words`: the code itself or any of its words, in any
/// case and with or without diacritics.
pub fn code_of(words: Words, raw: &str) -> Option<&'static str> {
    let raw = raw.trim();
    let folded = fold(raw);
    words.iter().find(|(code, names)| *code == raw || names.iter().any(|n| fold(n) == folded)).map(|(code, _)| *code)
}

pub fn read_incidents(table: &Table, catalog: &UnitCatalog, today: Date) -> IncidentTable {
    let (columns, mut problems) = map_columns_of(&table.header, &Field::INCIDENTS, REQUIRED, &[PLACE, CHILDREN]);
    problems.extend(table.problems.iter().cloned());
    let mut out = IncidentTable { columns, read: 0, ..IncidentTable::default() };
    if problems.iter().any(|p| p.row == 0 && p.severity == crate::Severity::Error) {
        out.read = table.rows.len();
        out.problems = problems;
        return out;
    }
    let bad_rows: std::collections::HashSet<usize> = table.problems.iter().map(|p| p.row).collect();
    let mut keys: HashMap<String, usize> = HashMap::new();
    let mut numbers: HashMap<i64, usize> = HashMap::new();
    for row in &table.rows {
        if is_total_row(&row.cells) {
            continue;
        }
        out.read += 1;
        let mut r = RowReader { columns: &out.columns, cells: &row.cells, row: row.number, problems: Vec::new() };
        let number = r.text(Field::IncidentNumber);
        if !number.trim().is_empty() {
            match number.trim().parse::<i64>() {
                Ok(id) if id > 0 => match numbers.get(&id) {
                    Some(first) => r.error(Field::IncidentNumber, format!("the same identifier as row {first}: each incident once")),
                    None => {
                        numbers.insert(id, row.number);
                        out.records.push((row.number, id));
                    }
                },
                _ => r.error(Field::IncidentNumber, "not an incident number of treem"),
            }
            problems.append(&mut r.problems);
            continue;
        }
        if let Some(incident) = read_row(&mut r, catalog, today) {
            if let Some(first) = keys.get(&incident.key) {
                let (f, message) = if incident.key.starts_with("row:") {
                    (
                        Field::OccurredOn,
                        format!("the same incident as row {first} (kind, day, place, classification and children): remove one"),
                    )
                } else {
                    (Field::IncidentRef, format!("the same identifier as row {first}: each incident once"))
                };
                r.error(f, message);
            } else if r.problems.iter().all(|p| p.severity != crate::Severity::Error) && !bad_rows.contains(&row.number) {
                keys.insert(incident.key.clone(), row.number);
                out.rows.push(incident);
            }
        }
        problems.append(&mut r.problems);
    }
    problems.sort_by_key(|p| p.row);
    out.problems = problems;
    out
}

/// The field of the form's check, as the import's column.
fn field_of_check(field: &str) -> Field {
    match field {
        "kind" => Field::IncidentKind,
        "occurred_on" => Field::OccurredOn,
        "abuse_form" => Field::AbuseForm,
        "sexual_subtype" => Field::SexualSubtype,
        "setting" => Field::Setting,
        "relation" => Field::Perpetrator,
        "offence" => Field::Offence,
        "justice_stage" => Field::JusticeStage,
        "justice_measure" => Field::JusticeMeasure,
        "injury" => Field::Injury,
        "fatal" => Field::Fatal,
        "children" => Field::RecordId,
        _ => Field::CommuneCode,
    }
}

/// A list cell: "12; 15, 20" → ["12", "15", "20"].
fn items(s: &str) -> Vec<String> {
    s.split([';', ',', '\n']).map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect()
}

fn read_row(r: &mut RowReader<'_>, catalog: &UnitCatalog, today: Date) -> Option<IncidentRow> {
    let occurred_on = match parse_date(r.cell(Field::OccurredOn)) {
        Ok(d) => Some(d),
        Err(m) => {
            r.error(Field::OccurredOn, m);
            None
        }
    };
    let place = occurred_on.and_then(|on| resolve_commune(r, catalog, on).map(|u| hamlet_within(r, catalog, u, on)));
    // A cell's words as the form's code; unknown words are named with the list's codes.
    let mut code = |f: Field, words: Words| -> String {
        let raw = r.text(f);
        if raw.trim().is_empty() {
            return String::new();
        }
        match code_of(words, &raw) {
            Some(c) => c.to_owned(),
            None => {
                let first: Vec<&str> = words.iter().map(|(_, names)| names[0]).collect();
                r.error(f, format!("not a known value: write one of {}", first.join("; ")));
                "?".to_owned()
            }
        }
    };
    let kind = code(Field::IncidentKind, KINDS);
    let abuse_form = code(Field::AbuseForm, ABUSE_FORMS);
    let sexual_subtype = code(Field::SexualSubtype, SEXUAL_SUBTYPES);
    let setting = code(Field::Setting, SETTINGS);
    let relation = code(Field::Perpetrator, RELATIONS);
    let justice_stage = code(Field::JusticeStage, JUSTICE_STAGES);
    let justice_measure = code(Field::JusticeMeasure, JUSTICE_MEASURES);
    let injury = code(Field::Injury, INJURIES);
    let offence = r.line(Field::Offence, 500).unwrap_or_default();
    let fatal = match fold(&r.text(Field::Fatal)).as_str() {
        "" | "khong" | "no" | "0" | "false" => false,
        "co" | "x" | "yes" | "1" | "true" | "tu vong" => true,
        _ => {
            r.error(Field::Fatal, "write Có or Không");
            false
        }
    };
    let mut records = Vec::new();
    for item in items(&r.text(Field::RecordId)) {
        match item.parse::<i64>() {
            Ok(id) if id > 0 => records.push(id),
            _ => r.error(Field::RecordId, format!("{item} is not a record number of treem")),
        }
    }
    let child_refs = items(&r.text(Field::ExternalId));
    if child_refs.iter().any(|c| c.chars().count() > 40) {
        r.error(Field::ExternalId, "an identifier is longer than 40 characters");
    }
    let own_ref = r.line(Field::IncidentRef, 40);
    let case_id = match r.text(Field::CaseNumber) {
        s if s.trim().is_empty() => None,
        s => match s.trim().parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                r.error(Field::CaseNumber, "not a case number of treem");
                None
            }
        },
    };
    if !r.text(Field::Notes).is_empty() {
        r.warning(Field::Notes, "notes are not imported: record what matters on the incident's page");
    }
    let (Some(on), Some(unit)) = (occurred_on, place) else { return None };
    if kind == "?" || r.problems.iter().any(|p| p.severity == crate::Severity::Error) {
        return None;
    }
    // The form's check wants a child: those named by register identifiers are resolved by
    // the service, so the check stands in one of them until then.
    let named = !records.is_empty() || !child_refs.is_empty();
    let input = IncidentInput {
        kind,
        occurred_on: on.to_string(),
        unit_id: unit.0.to_string(),
        abuse_form,
        sexual_subtype,
        setting,
        relation,
        offence,
        justice_stage,
        justice_measure,
        injury,
        fatal,
        notes: String::new(),
        children: if records.is_empty() && named { vec![1] } else { records.clone() },
        case_id,
    };
    let mut fields = match check_incident(&input, catalog, today) {
        Ok(f) => f,
        Err(errors) => {
            for e in errors {
                let f = field_of_check(&e.field);
                if e.field == "children" {
                    r.error(f, "name the children involved: their treem record numbers (Mã hồ sơ treem) or their Mã trẻ em");
                } else {
                    r.error(f, e.message);
                }
            }
            return None;
        }
    };
    fields.children = records;
    let key = match own_ref {
        Some(id) => format!("id:{id}"),
        None => {
            let mut who: Vec<String> = fields.children.iter().map(i64::to_string).chain(child_refs.iter().cloned()).collect();
            who.sort();
            let basis = format!(
                "{}|{}|{}|{:?}|{:?}|{:?}|{}",
                fields.kind.as_str(),
                fields.occurred_on,
                fields.unit.0,
                fields.abuse_form,
                fields.justice_stage,
                fields.injury,
                who.join(",")
            );
            format!("row:{}", &crate::checksum(basis.as_bytes())[..32])
        }
    };
    Some(IncidentRow { row: r.row, key, fields, child_refs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{read_table, Limits};
    use time::macros::date;
    use treem_domain::incident::{AbuseForm, IncidentKind, InjuryKind, SexualSubtype};

    fn read(csv: &str) -> IncidentTable {
        let t = read_table("vv.csv", csv.as_bytes(), &Limits::default(), &crate::children::known_header).unwrap();
        read_incidents(&t, &crate::test_catalog(), date!(2026 - 12 - 04))
    }

    fn problems(t: &IncidentTable) -> Vec<(usize, String, String)> {
        t.problems.iter().map(|p| (p.row, p.column.clone(), p.message.clone())).collect()
    }

    #[test]
    fn a_register_of_incidents_reads_by_its_words() {
        let t = read(
            "STT,Ngày xảy ra,Mã xã,Loại vụ việc,Hình thức xâm hại,Hành vi xâm hại tình dục,Môi trường xâm hại,Quan hệ của người gây hại với trẻ,Loại tai nạn,Tử vong,Mã hồ sơ treem,Mã trẻ em\n\
             1,09/01/2026,29884,Xâm hại,xâm hại tình dục,Dâm ô,Cộng đồng,Người quen,,,12; 15,\n\
             2,01/03/2026,29884,Tai nạn thương tích,,,,,Đuối nước,Có,,MN-007\n\
             Tổng cộng,,,,,,,,,,,\n",
        );
        assert_eq!(problems(&t), vec![], "{:?}", t.problems);
        assert_eq!((t.read, t.rows.len()), (2, 2), "the total line is not an incident");
        let a = &t.rows[0].fields;
        assert_eq!(
            (a.kind, a.abuse_form, a.sexual_subtype),
            (IncidentKind::Abuse, Some(AbuseForm::SexualAbuse), Some(SexualSubtype::Molestation))
        );
        assert_eq!(a.children, vec![12, 15]);
        assert_eq!(a.occurred_on, date!(2026 - 01 - 09));
        let b = &t.rows[1];
        assert_eq!((b.fields.injury, b.fields.fatal, b.child_refs.clone()), (Some(InjuryKind::Drowning), true, vec!["MN-007".to_owned()]));
        assert!(b.fields.children.is_empty(), "children by register identifier are resolved by the service");
        assert!(t.rows[0].key.starts_with("row:"));
    }

    #[test]
    fn every_bad_cell_is_named_in_the_forms_words() {
        let t = read(
            "Ngày xảy ra,Mã xã,Loại vụ việc,Hình thức xâm hại,Loại tai nạn,Tử vong,Mã hồ sơ treem,Mã vụ việc\n\
             09/01/2026,29884,Xâm hại,Đánh đập,,,12,A1\n\
             01/03/2026,29884,Tai nạn,,Đuối nước,có lẽ,12,A2\n\
             01/03/2026,29884,Tai nạn,Bạo lực,Đuối nước,,12,A3\n\
             01/03/2030,29884,Tai nạn,,Đuối nước,,12,A4\n\
             01/03/2026,29884,Tai nạn,,Đuối nước,,,A5\n\
             02/03/2026,29884,Tai nạn,,Đuối nước,,12,A6\n\
             03/03/2026,29884,Tai nạn,,Ngã,,12,A6\n",
        );
        let want = vec![
            (
                1,
                "Hình thức xâm hại".to_owned(),
                "not a known value: write one of Bạo lực; Bóc lột; Xâm hại tình dục; Mua bán; Bỏ rơi, bỏ mặc; Hình thức gây tổn hại khác"
                    .to_owned(),
            ),
            (2, "Tử vong".into(), "write Có or Không".into()),
            (3, "Hình thức xâm hại".into(), "does not belong to this kind of incident".into()),
            (4, "Ngày xảy ra".into(), "is in the future".into()),
            (
                5,
                "Mã hồ sơ treem".into(),
                "name the children involved: their treem record numbers (Mã hồ sơ treem) or their Mã trẻ em".into(),
            ),
            (7, "Mã vụ việc".into(), "the same identifier as row 6: each incident once".into()),
        ];
        assert_eq!(problems(&t), want);
        assert_eq!(t.rows.len(), 1, "only row 6 is clean: {:?}", t.rows);
    }

    #[test]
    fn every_code_has_words_and_words_name_one_code() {
        use treem_domain::incident::{AbuseForm, IncidentKind, InjuryKind, JusticeMeasure, JusticeStage, Relation, Setting, SexualSubtype};
        let codes: [&[&str]; 8] = [
            IncidentKind::CODES,
            AbuseForm::CODES,
            SexualSubtype::CODES,
            Setting::CODES,
            Relation::CODES,
            JusticeStage::CODES,
            JusticeMeasure::CODES,
            InjuryKind::CODES,
        ];
        for ((field, words), codes) in VOCABULARY.iter().zip(codes) {
            let listed: Vec<&str> = words.iter().map(|(c, _)| *c).collect();
            assert_eq!(listed, codes, "{field:?}");
            let mut seen = HashMap::new();
            for (code, names) in words.iter() {
                for n in names.iter() {
                    assert_eq!(*seen.entry(fold(n)).or_insert(*code), *code, "{field:?}: {n} names two codes");
                }
            }
        }
    }
}

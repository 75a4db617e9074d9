//! The files of an import: the per-row report (CSV, in the reader's language) and the
//! template a commune fills in (XLSX with a sheet of allowed values, or CSV).

use rust_xlsxwriter::{Format, Workbook};
use treem_app::imports::{ImportReport, Problem, Severity};
use treem_domain::units::{UnitCatalog, UnitLevel};
use treem_import::columns::Field;

use crate::i18n::{translate, Lang};

/// A problem's message in `lang` (the catalogue's sentence; English if it has none).
pub fn problem_message(lang: Lang, p: &Problem) -> String {
    crate::messages::message(lang, &p.message).1
}

pub fn severity_key(s: Severity) -> &'static str {
    match s {
        Severity::Error => "import.severity_error",
        Severity::Warning => "import.severity_warning",
    }
}

/// The report as CSV: `row, column, value, severity, message` (the names a program reads,
/// whatever the language), one line per problem, then nothing else. Cells that a
/// spreadsheet would take for a formula are neutralised.
pub fn report_csv(lang: Lang, report: &ImportReport) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(["row", "column", "value", "severity", "message"]);
    for p in &report.problems {
        let row = p.row.to_string();
        let _ = w.write_record([
            row.as_str(),
            &safe_cell(&p.column),
            &safe_cell(&p.value),
            p.severity.as_str(),
            &safe_cell(&problem_message(lang, p)),
        ]);
    }
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(w.into_inner().unwrap_or_default());
    out
}

/// A line of a template's sheet of allowed values: (first column, second column, a heading).
type Line = (String, String, bool);

/// A template as CSV (UTF-8 with a BOM, so Excel reads the diacritics): the header and one example row.
fn csv_of(fields: &[Field], example: &[&str]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(fields.iter().map(|f| f.template_header()));
    let _ = w.write_record(example);
    let mut out = b"\xEF\xBB\xBF".to_vec();
    out.extend(w.into_inner().unwrap_or_default());
    out
}

/// The communes valid on `on`, by code and name, under their heading (after a blank line).
fn commune_lines(catalog: &UnitCatalog, on: time::Date) -> Vec<Line> {
    let mut communes: Vec<_> = catalog.units().iter().filter(|u| u.level == UnitLevel::Commune && u.validity.contains(on)).collect();
    treem_domain::units::sort_units(&mut communes);
    let mut lines = vec![(String::new(), String::new(), false), ("Mã xã".into(), "Xã/Phường/Thị trấn".into(), true)];
    lines.extend(communes.into_iter().map(|u| (u.code.clone(), u.name.clone(), false)));
    lines
}

/// A template as XLSX: the register's sheet (its header bold, every column text: Excel would
/// drop a code's leading zero or turn 01/03 into a date of its own; one example row), and a
/// sheet of the allowed values, `lines`.
fn workbook(
    sheet_name: &str,
    fields: &[Field],
    example: &[&str],
    width: impl Fn(Field) -> f64,
    lines: &[Line],
    first_width: f64,
) -> Result<Vec<u8>, String> {
    let e = |e: rust_xlsxwriter::XlsxError| e.to_string();
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let text = Format::new().set_num_format("@");
    let plain = Format::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name).map_err(e)?;
    for (c, f) in fields.iter().enumerate() {
        let c = u16::try_from(c).map_err(|x| x.to_string())?;
        sheet.write_string_with_format(0, c, f.template_header(), &bold).map_err(e)?;
        sheet.set_column_width(c, width(*f)).map_err(e)?;
        sheet.set_column_format(c, &text).map_err(e)?;
    }
    for (c, v) in example.iter().enumerate() {
        let c = u16::try_from(c).map_err(|x| x.to_string())?;
        sheet.write_string(1, c, *v).map_err(e)?;
    }
    let allowed = book.add_worksheet();
    allowed.set_name("Giá trị cho phép").map_err(e)?;
    for (row, (a, b, heading)) in lines.iter().enumerate() {
        let row = u32::try_from(row).map_err(|x| x.to_string())?;
        allowed.write_string_with_format(row, 0, a, if *heading { &bold } else { &text }).map_err(e)?;
        allowed.write_string_with_format(row, 1, b, if *heading { &bold } else { &plain }).map_err(e)?;
    }
    allowed.set_column_width(0, first_width).map_err(e)?;
    allowed.set_column_width(1, 70).map_err(e)?;
    book.save_to_buffer().map_err(e)
}

/// A text cell a spreadsheet will not read as a formula (`=`, `+`, `-`, `@`, tab, CR first).
pub fn safe_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// The template's columns, in the register book's order.
pub const TEMPLATE_FIELDS: [Field; 17] = [
    Field::RowNumber,
    Field::ExternalId,
    Field::FullName,
    Field::BirthDate,
    Field::Sex,
    Field::CommuneCode,
    Field::CommuneName,
    Field::Hamlet,
    Field::Groups,
    Field::HouseholdCode,
    Field::HouseholdHead,
    Field::Poverty,
    Field::CaregiverName,
    Field::CaregiverRelation,
    Field::CaregiverPhone,
    Field::RegisteredOn,
    Field::Notes,
];

/// The template as CSV (UTF-8 with a BOM, so Excel reads the diacritics): the header and one example row.
pub fn template_csv() -> Vec<u8> {
    csv_of(&TEMPLATE_FIELDS, &EXAMPLE)
}

const EXAMPLE: [&str; 17] = [
    "1",
    "",
    "Nguyễn Thị Ánh",
    "01/03/2015",
    "Nữ",
    "29884",
    "Phường Mỹ Ngãi",
    "",
    "a",
    "HGĐ-001",
    "Nguyễn Văn Ba",
    "cận nghèo",
    "Trần Thị Hoa",
    "mẹ",
    "0912 345 678",
    "",
    "",
];

/// The template as XLSX: the register's sheet with its header (dates as dd/mm/yyyy text
/// columns), and a sheet of the allowed values, the communes valid on `on` among them.
pub fn template_xlsx(lang: Lang, catalog: &UnitCatalog, on: time::Date) -> Result<Vec<u8>, String> {
    let t = |k: &str| translate(lang, k).to_owned();
    let mut lines: Vec<Line> = vec![
        (t("import.template_column"), t("import.template_values"), true),
        ("Ngày sinh".into(), "dd/mm/yyyy (01/03/2015), hoặc chỉ năm sinh (2015)".into(), false),
        ("Giới tính".into(), "Nam, Nữ".into(), false),
        ("Hộ nghèo/cận nghèo".into(), "nghèo, cận nghèo, không".into(), false),
        (
            "Quan hệ".into(),
            "mẹ, cha (bố, ba), ông, bà, anh, chị, em, cô, dì, chú, bác, cậu, cha nuôi, mẹ nuôi, người giám hộ, cơ sở, khác".into(),
            false,
        ),
        ("Ngày đăng ký".into(), "dd/mm/yyyy; để trống: ngày nhập (hoặc ngày của sổ)".into(), false),
        (String::new(), String::new(), false),
        ("Nhóm HCĐB".into(), t("import.template_groups"), true),
    ];
    for g in treem_domain::register::GROUPS {
        lines.push((treem_domain::register::group_letter(g).to_owned(), translate(Lang::Vi, &format!("group.{g}")).to_owned(), false));
    }
    lines.extend(commune_lines(catalog, on));
    workbook("Danh sách trẻ em", &TEMPLATE_FIELDS, &EXAMPLE, |_| 18.0, &lines, 22.0)
}

/// The incidents' template columns: the day, the place, the kind and its classification,
/// the children involved, the file's own identifier.
pub const INCIDENT_TEMPLATE_FIELDS: [Field; 18] = [
    Field::RowNumber,
    Field::IncidentRef,
    Field::OccurredOn,
    Field::CommuneCode,
    Field::CommuneName,
    Field::Hamlet,
    Field::IncidentKind,
    Field::AbuseForm,
    Field::SexualSubtype,
    Field::Setting,
    Field::Perpetrator,
    Field::Offence,
    Field::JusticeStage,
    Field::JusticeMeasure,
    Field::Injury,
    Field::Fatal,
    Field::RecordId,
    Field::ExternalId,
];

const INCIDENT_EXAMPLE: [&str; 18] = [
    "1",
    "VV-2026-001",
    "09/01/2026",
    "29884",
    "Phường Mỹ Ngãi",
    "",
    "Tai nạn, thương tích",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "Đuối nước",
    "Không",
    "",
    "MN-001",
];

/// The incidents' template as CSV.
pub fn incident_template_csv() -> Vec<u8> {
    csv_of(&INCIDENT_TEMPLATE_FIELDS, &INCIDENT_EXAMPLE)
}

/// The incidents' template as XLSX, with a sheet of the allowed words of every list (the
/// first of each code's words; the others and treem's codes are read too) and the communes.
pub fn incident_template_xlsx(lang: Lang, catalog: &UnitCatalog, on: time::Date) -> Result<Vec<u8>, String> {
    let t = |k: &str| translate(lang, k).to_owned();
    let mut lines: Vec<Line> = vec![
        (t("import.template_column"), t("import.template_values"), true),
        ("Ngày xảy ra".into(), "dd/mm/yyyy (09/01/2026)".into(), false),
        ("Tử vong".into(), "Có, Không (chỉ cho tai nạn, thương tích)".into(), false),
        ("Mã hồ sơ treem".into(), t("import.template_child_records"), false),
        ("Mã trẻ em".into(), t("import.template_child_refs"), false),
    ];
    for (field, words) in treem_import::incidents::VOCABULARY {
        lines.push((String::new(), String::new(), false));
        lines.push((field.template_header().to_owned(), t(&format!("import.template_when_{}", field.key())), true));
        lines.extend(words.iter().map(|(_, names)| (names[0].to_owned(), String::new(), false)));
    }
    lines.extend(commune_lines(catalog, on));
    workbook("Danh sách vụ việc", &INCIDENT_TEMPLATE_FIELDS, &INCIDENT_EXAMPLE, |_| 18.0, &lines, 34.0)
}

/// The cases' template columns: the case's own identifier, its child, the report (day,
/// source, what it said, who reported it) and how it stands.
pub const CASE_TEMPLATE_FIELDS: [Field; 14] = [
    Field::RowNumber,
    Field::CaseRef,
    Field::RecordId,
    Field::ExternalId,
    Field::FullName,
    Field::ReceivedOn,
    Field::CaseSource,
    Field::SourceRef,
    Field::Urgent,
    Field::Summary,
    Field::ReporterName,
    Field::CaseState,
    Field::ClosedOn,
    Field::ClosingNote,
];

const CASE_EXAMPLE: [&str; 14] = [
    "1",
    "TH-2026-001",
    "",
    "MN-001",
    "Nguyễn Văn An",
    "09/01/2026",
    "Nhà trường",
    "",
    "Không",
    "Trẻ nghỉ học nhiều ngày, gia đình khó khăn",
    "",
    "Đã đóng hồ sơ",
    "20/02/2026",
    "Trẻ đã trở lại trường",
];

/// The cases' template as CSV.
pub fn case_template_csv() -> Vec<u8> {
    csv_of(&CASE_TEMPLATE_FIELDS, &CASE_EXAMPLE)
}

/// The cases' template as XLSX, with a sheet of the allowed words (the first of each code's
/// words; the others and treem's codes are read too).
pub fn case_template_xlsx(lang: Lang) -> Result<Vec<u8>, String> {
    let t = |k: &str| translate(lang, k).to_owned();
    let mut lines: Vec<Line> = vec![
        (t("import.template_column"), t("import.template_values"), true),
        ("Mã hồ sơ treem / Mã trẻ em".into(), t("import.template_case_child"), false),
        ("Ngày tiếp nhận, Ngày đóng hồ sơ".into(), t("import.template_case_dates"), false),
        ("Khẩn cấp".into(), "Có, Không".into(), false),
        (String::new(), String::new(), false),
        (Field::CaseSource.template_header().to_owned(), t("import.template_when_source"), true),
    ];
    lines.extend(treem_import::cases::SOURCES.iter().map(|(_, names)| (names[0].to_owned(), String::new(), false)));
    lines.push((String::new(), String::new(), false));
    lines.push((Field::CaseState.template_header().to_owned(), t("import.template_when_state"), true));
    for code in ["received", "closed", "closed_unfounded"] {
        lines.extend(
            treem_import::cases::STATES.iter().filter(|(c, _)| *c == code).map(|(_, names)| (names[0].to_owned(), String::new(), false)),
        );
    }
    let width = |f: Field| if f == Field::Summary { 40.0 } else { 18.0 };
    workbook("Danh sách trường hợp", &CASE_TEMPLATE_FIELDS, &CASE_EXAMPLE, width, &lines, 34.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_header_is_read_back_as_its_field() {
        for f in TEMPLATE_FIELDS.iter().chain(&INCIDENT_TEMPLATE_FIELDS).chain(&CASE_TEMPLATE_FIELDS) {
            assert_eq!(treem_import::columns::field_of(f.template_header()), Some(*f));
        }
        assert_eq!(safe_cell("=1+1"), "'=1+1");
        assert_eq!(safe_cell("An"), "An");
    }

    /// The words the pages and exports write for each case source and step are read back as it.
    #[test]
    fn the_pages_words_of_every_case_source_and_step_import_back_as_it() {
        for (prefix, words) in [("source", treem_import::cases::SOURCES), ("state", treem_import::cases::STATES)] {
            for (code, _) in words {
                for lang in [Lang::Vi, Lang::En] {
                    let key = format!("{prefix}.{code}");
                    let label = translate(lang, &key);
                    assert_eq!(treem_import::incidents::code_of(words, label), Some(*code), "{prefix} {lang:?}: {label}");
                }
            }
        }
    }

    /// The words the pages and exports write for each incident code are read back as it.
    #[test]
    fn the_pages_words_of_every_incident_code_import_back_as_it() {
        use treem_import::columns::Field;
        let prefix = |f: Field| match f {
            Field::IncidentKind => "incident.kind",
            Field::Perpetrator => "relation",
            other => other.key(),
        };
        for (field, words) in treem_import::incidents::VOCABULARY {
            for (code, _) in words {
                for lang in [Lang::Vi, Lang::En] {
                    let key = format!("{}.{code}", prefix(field));
                    let label = translate(lang, &key);
                    assert_eq!(treem_import::incidents::code_of(words, label), Some(*code), "{field:?} {lang:?}: {label}");
                }
            }
        }
    }
}

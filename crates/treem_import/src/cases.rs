//! A table of cases (a commune's book of reports received and cases handled under Decree
//! 56/2017, treem's template or an export) as cases to open: each row names its one child
//! (by treem record number or by the identifier of the children's register), the day the
//! report came in, where it came from and what it said, and whether the case is still open
//! or was closed, and when.
//!
//! A case is imported at its first step (report received, with the intake's tasks due from
//! that day) or closed (with the closing recorded as its one step). The steps between,
//! assessments and plans, are not in a register book in a form that can be checked: a row
//! saying a case is further on is imported as received, and told so in a warning.

use std::collections::HashMap;
use time::{Date, OffsetDateTime, Time, UtcOffset};
use treem_domain::case::{CaseSource, CaseState};
use treem_domain::units::{UnitCatalog, UnitId};

use crate::children::{resolve_commune, RowReader};
use crate::columns::{fold, is_total_row, map_columns_of, Columns, Field};
use crate::incidents::code_of;
use crate::problem::Problem;
use crate::table::{Cell, Table};
use crate::values::parse_date;

/// Needed when the file holds any row that is not one of treem's cases.
pub const REQUIRED: &[Field] = &[Field::ReceivedOn, Field::CaseSource, Field::Summary];
pub const CHILD: &[Field] = &[Field::RecordId, Field::ExternalId];

/// How a case stands when imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Open, at its first step.
    Received,
    /// Closed (`Closed` or `ClosedUnfounded`) at that moment, with the register's note.
    Closed { state: CaseState, at: OffsetDateTime, note: Option<String> },
}

/// One case ready to open, but for its child, which the service resolves and checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub row: usize,
    /// `id:` and the file's own identifier, or `row:` and a hash of child, day, source and
    /// summary.
    pub key: String,
    /// The child's treem record number, as the row gives it.
    pub child_record: Option<i64>,
    /// The child's identifier in the children's register (`Mã trẻ em`).
    pub child_ref: Option<String>,
    /// The child's name as the row writes it (compared with the record's, not stored).
    pub child_name: Option<String>,
    pub received_at: OffsetDateTime,
    pub source: CaseSource,
    pub source_ref: Option<String>,
    pub urgent: bool,
    pub summary: String,
    pub reporter_name: Option<String>,
    pub reporter_contact: Option<String>,
    pub standing: Standing,
    /// The commune the row names, if any (the case is kept where the child lives: the
    /// service warns when they differ).
    pub commune: Option<UnitId>,
}

#[derive(Debug, Clone, Default)]
pub struct CaseTable {
    pub columns: Columns,
    pub rows: Vec<CaseRow>,
    /// (row, case number): rows that are cases of treem (an export read back). Such a row
    /// **is** that case: its other cells are not read, and the service checks only that the
    /// reader's area has it.
    pub records: Vec<(usize, i64)>,
    pub problems: Vec<Problem>,
    pub read: usize,
}

type Words = &'static [(&'static str, &'static [&'static str])];

/// Where a report came from: treem's code, the pages' labels (both languages) and the
/// register's words.
pub const SOURCES: Words = &[
    ("hotline_111", &["Tổng đài 111", "Tổng đài", "Đường dây nóng", "111", "Hotline 111", "Hotline"]),
    ("collaborator", &["Cộng tác viên", "CTV", "Collaborator"]),
    ("police", &["Công an", "Police"]),
    ("school", &["Nhà trường", "Trường học", "School"]),
    ("health_facility", &["Cơ sở y tế", "Trạm y tế", "Bệnh viện", "Health facility"]),
    ("child_or_family", &["Trẻ em hoặc gia đình", "Gia đình", "Trẻ em", "The child or family", "Family"]),
    ("other", &["Khác", "Other"]),
];

/// How a case stands, in the words of the pages and of a register. Every step of the
/// pages is read (an export read back without its case numbers); those between the first
/// and the closing are imported as the first, with a warning.
pub const STATES: Words = &[
    ("received", &["Tiếp nhận thông tin", "Tiếp nhận", "Mới tiếp nhận", "Report received", "Received"]),
    ("verified", &["Đã kiểm tra, xác minh", "Verified"]),
    ("initial_assessed", &["Đã đánh giá nguy cơ ban đầu", "Initial risk assessed"]),
    ("emergency", &["Can thiệp khẩn cấp", "Emergency intervention"]),
    ("detailed_assessed", &["Đã đánh giá nguy cơ cụ thể", "Detailed risk assessed"]),
    ("plan_drafted", &["Đã xây dựng kế hoạch", "Plan drafted"]),
    ("plan_approved", &["Kế hoạch đã phê duyệt", "Plan approved"]),
    ("in_progress", &["Đang thực hiện kế hoạch", "Đang xử lý", "Đang theo dõi", "Đang can thiệp", "Plan in progress", "Open"]),
    ("under_review", &["Đang rà soát, đánh giá", "Under review"]),
    ("closed", &["Đã đóng hồ sơ", "Đã đóng", "Đóng hồ sơ", "Kết thúc", "Đã kết thúc", "Closed"]),
    (
        "closed_unfounded",
        &["Đóng: tin báo không có cơ sở", "Tin báo không có cơ sở", "Không có cơ sở", "Closed: report unfounded", "Unfounded"],
    ),
];

/// Vietnam's offset: a register's day and hour are Vietnam's.
const VIETNAM: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// Yes or no as a register writes it; `None` when it is neither.
pub fn yes_no(s: &str) -> Option<bool> {
    match fold(s).as_str() {
        "" | "khong" | "no" | "0" | "false" => Some(false),
        "co" | "x" | "yes" | "1" | "true" => Some(true),
        _ => None,
    }
}

/// A moment as a register writes it: a day (taken as its first minute, Vietnam's time), or
/// a day and `hh:mm` ("09/01/2026 14:30", as treem's exports write it).
fn moment(cell: &Cell) -> Result<OffsetDateTime, &'static str> {
    let (day, time) = match cell {
        Cell::Text(s) => {
            let s = s.trim();
            match s.rsplit_once(' ').filter(|(_, t)| t.contains(':')) {
                Some((d, t)) => {
                    let time = Time::parse(t, time::macros::format_description!("[hour padding:none]:[minute]"))
                        .map_err(|_| "not a time: write it as hh:mm (14:30)")?;
                    (parse_date(&Cell::Text(d.to_owned()))?, time)
                }
                None => (parse_date(cell)?, Time::MIDNIGHT),
            }
        }
        other => (parse_date(other)?, Time::MIDNIGHT),
    };
    Ok(day.with_time(time).assume_offset(VIETNAM))
}

pub fn read_cases(table: &Table, catalog: &UnitCatalog, today: Date) -> CaseTable {
    // A file of treem's own cases read back (every row numbered) needs no more columns.
    let (found, _) = map_columns_of(&table.header, &Field::CASES, &[], &[]);
    let all_records = found.index(Field::CaseNumber).is_some_and(|i| {
        table.rows.iter().filter(|r| !is_total_row(&r.cells)).all(|r| r.cells.get(i).is_some_and(|c| !c.text().trim().is_empty()))
    });
    let (required, one_of): (&[Field], &[&[Field]]) = if all_records { (&[], &[]) } else { (REQUIRED, &[CHILD]) };
    let (columns, mut problems) = map_columns_of(&table.header, &Field::CASES, required, one_of);
    problems.extend(table.problems.iter().cloned());
    let mut out = CaseTable { columns, read: 0, ..CaseTable::default() };
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
        let number = r.text(Field::CaseNumber);
        if !number.trim().is_empty() {
            match number.trim().parse::<i64>() {
                Ok(id) if id > 0 => match numbers.get(&id) {
                    Some(first) => r.error(Field::CaseNumber, format!("the same case number as row {first}: each case once")),
                    None => {
                        numbers.insert(id, row.number);
                        out.records.push((row.number, id));
                    }
                },
                _ => r.error(Field::CaseNumber, "not a case number of treem"),
            }
            problems.append(&mut r.problems);
            continue;
        }
        if let Some(case) = read_row(&mut r, catalog, today) {
            if let Some(first) = keys.get(&case.key) {
                if case.key.starts_with("row:") {
                    r.error(Field::ReceivedOn, format!("the same case as row {first} (child, day, source and summary): remove one"));
                } else {
                    r.error(Field::CaseRef, format!("the same case identifier as row {first}: each case once"));
                }
            } else if r.problems.iter().all(|p| p.severity != crate::Severity::Error) && !bad_rows.contains(&row.number) {
                keys.insert(case.key.clone(), row.number);
                out.rows.push(case);
            }
        }
        problems.append(&mut r.problems);
    }
    problems.sort_by_key(|p| p.row);
    out.problems = problems;
    out
}

fn read_row(r: &mut RowReader<'_>, catalog: &UnitCatalog, today: Date) -> Option<CaseRow> {
    let received_at = match moment(r.cell(Field::ReceivedOn)) {
        Ok(at) if at.date() > today => {
            r.error(Field::ReceivedOn, "is in the future");
            None
        }
        Ok(at) => Some(at),
        Err(m) => {
            r.error(Field::ReceivedOn, m);
            None
        }
    };
    let source = match r.text(Field::CaseSource) {
        s if s.trim().is_empty() => {
            r.error(Field::CaseSource, "choose where the report came from");
            None
        }
        s => match code_of(SOURCES, &s).and_then(CaseSource::parse) {
            Some(c) => Some(c),
            None => {
                let first: Vec<&str> = SOURCES.iter().map(|(_, names)| names[0]).collect();
                r.error(Field::CaseSource, format!("not a known value: write one of {}", first.join("; ")));
                None
            }
        },
    };
    let urgent = yes_no(&r.text(Field::Urgent)).unwrap_or_else(|| {
        r.error(Field::Urgent, "write Có or Không");
        false
    });
    let summary = r.text_block(Field::Summary, 4000);
    if r.text(Field::Summary).trim().is_empty() {
        r.error(Field::Summary, "must be filled in");
    }
    let source_ref = r.line(Field::SourceRef, 60);
    let reporter_name = r.line(Field::ReporterName, 200);
    let reporter_contact = r.line(Field::ReporterContact, 200);
    let child_name = r.line(Field::FullName, 100);
    let child_record = match r.text(Field::RecordId) {
        s if s.trim().is_empty() => None,
        s => match s.trim().parse::<i64>() {
            Ok(id) if id > 0 => Some(id),
            _ => {
                r.error(Field::RecordId, format!("{} is not a record number of treem", s.trim()));
                None
            }
        },
    };
    let child_ref = r.line(Field::ExternalId, 40);
    if child_record.is_none() && child_ref.is_none() && r.problems.iter().all(|p| p.field != "record_id" && p.field != "external_id") {
        r.error(Field::RecordId, "name the child: the treem record number (Mã hồ sơ treem) or the Mã trẻ em");
    }
    let standing = received_at.and_then(|at| standing(r, at, today));
    let commune = match (received_at, r.text(Field::CommuneCode).is_empty() && r.text(Field::CommuneName).is_empty()) {
        (Some(at), false) => resolve_commune(r, catalog, at.date()),
        _ => None,
    };
    for (f, why) in [
        (Field::Risk, "not imported: the risk is set by the initial assessment, on the case's page"),
        (Field::AssignedTo, "not imported: whoever imports the case manages it until it is assigned on its page"),
        (Field::Notes, "notes are not imported: record what matters on the case's page"),
    ] {
        if !r.text(f).trim().is_empty() {
            r.warning(f, why);
        }
    }
    let own_ref = r.line(Field::CaseRef, 40);
    if r.problems.iter().any(|p| p.severity == crate::Severity::Error) {
        return None;
    }
    let (Some(received_at), Some(source), Some(summary), Some(standing)) = (received_at, source, summary, standing) else {
        return None;
    };
    let key = match own_ref {
        Some(id) => format!("id:{id}"),
        None => {
            let child = child_record.map_or_else(|| format!("ref:{}", child_ref.clone().unwrap_or_default()), |id| id.to_string());
            let basis = format!("{child}|{}|{}|{}", received_at.date(), source.as_str(), fold(&summary));
            format!("row:{}", &crate::checksum(basis.as_bytes())[..32])
        }
    };
    Some(CaseRow {
        row: r.row,
        key,
        child_record,
        child_ref,
        child_name,
        received_at,
        source,
        source_ref,
        urgent,
        summary,
        reporter_name,
        reporter_contact,
        standing,
        commune,
    })
}

/// Open or closed, from the step's words and the closing day (either may say it).
fn standing(r: &mut RowReader<'_>, received_at: OffsetDateTime, today: Date) -> Option<Standing> {
    let words = r.text(Field::CaseState);
    let state = if words.trim().is_empty() {
        None
    } else {
        match code_of(STATES, &words).and_then(CaseState::parse) {
            Some(s) => Some(s),
            None => {
                r.error(Field::CaseState, "not a known value: write Tiếp nhận thông tin, Đã đóng hồ sơ or Đóng: tin báo không có cơ sở");
                return None;
            }
        }
    };
    let closed_cell = r.cell(Field::ClosedOn).clone();
    let closed_at = match closed_cell {
        Cell::Empty => None,
        Cell::Text(ref s) if s.trim().is_empty() => None,
        ref c => match moment(c) {
            Ok(at) if at.date() > today => {
                r.error(Field::ClosedOn, "is in the future");
                return None;
            }
            Ok(at) if at < received_at => {
                r.error(Field::ClosedOn, "is before the report was received");
                return None;
            }
            Ok(at) => Some(at),
            Err(m) => {
                r.error(Field::ClosedOn, m);
                return None;
            }
        },
    };
    let note = r.text_block(Field::ClosingNote, 4000);
    match (state, closed_at) {
        (Some(s), Some(at)) if s.is_closed() => Some(Standing::Closed { state: s, at, note }),
        (None, Some(at)) => Some(Standing::Closed { state: CaseState::Closed, at, note }),
        (Some(s), None) if s.is_closed() => {
            r.error(Field::ClosedOn, "a closed case needs the day it was closed");
            None
        }
        (Some(_), Some(_)) => {
            r.error(Field::ClosedOn, "a case still open has no closing day: empty it, or write that the case is closed");
            None
        }
        (state, None) => {
            if state.is_some_and(|s| s != CaseState::Received) {
                r.warning(
                    Field::CaseState,
                    "imported at its first step (report received): record the steps taken since on the case's page",
                );
            }
            if note.is_some() {
                r.warning(Field::ClosingNote, "not imported: the case is open");
            }
            Some(Standing::Received)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{read_table, Limits};
    use time::macros::{date, datetime};

    fn read(csv: &str) -> CaseTable {
        let t = read_table("th.csv", csv.as_bytes(), &Limits::default(), &crate::children::known_header).unwrap();
        read_cases(&t, &crate::test_catalog(), date!(2026 - 12 - 04))
    }

    fn problems(t: &CaseTable) -> Vec<(usize, String, String)> {
        t.problems.iter().map(|p| (p.row, p.column.clone(), p.message.clone())).collect()
    }

    #[test]
    fn a_book_of_reports_reads_by_its_words() {
        let t = read(
            "STT,Mã hồ sơ treem,Mã trẻ em,Ngày tiếp nhận,Nguồn tin báo,Khẩn cấp,Nội dung tin báo,Tình trạng,Ngày đóng,Kết quả,Mã xã\n\
             1,12,,09/01/2026 14:30,Tổng đài 111,Có,Trẻ bị đánh,,,,29884\n\
             2,,MN-007,01/03/2025,trường học,,Bỏ học,Đã đóng,15/04/2025,Đã trở lại trường,\n\
             3,15,,02/03/2025,CTV,không,Không có người chăm sóc,Đang xử lý,,,\n\
             Tổng cộng,,,,,,,,,,\n",
        );
        assert_eq!(
            problems(&t),
            vec![(
                3,
                "Tình trạng".to_owned(),
                "imported at its first step (report received): record the steps taken since on the case's page".to_owned()
            )]
        );
        assert_eq!((t.read, t.rows.len()), (3, 3), "the total line is not a case");
        let a = &t.rows[0];
        assert_eq!((a.child_record, a.source, a.urgent), (Some(12), CaseSource::Hotline111, true));
        assert_eq!(a.received_at, datetime!(2026-01-09 14:30 +7));
        assert_eq!(a.standing, Standing::Received);
        assert_eq!(a.commune, Some(UnitId(2)));
        let b = &t.rows[1];
        assert_eq!(b.child_ref.as_deref(), Some("MN-007"));
        assert_eq!(
            b.standing,
            Standing::Closed {
                state: CaseState::Closed, at: datetime!(2025-04-15 00:00 +7), note: Some("Đã trở lại trường".into())
            }
        );
        assert_eq!(t.rows[2].standing, Standing::Received);
        assert!(a.key.starts_with("row:"));
    }

    #[test]
    fn every_bad_cell_is_named() {
        let t = read(
            "Mã trường hợp,Mã hồ sơ treem,Ngày tiếp nhận,Nguồn tin,Khẩn cấp,Nội dung,Tình trạng,Ngày đóng\n\
             A1,12,09/01/2030,Công an,,Bị đánh,,\n\
             A2,12,09/01/2026,Hàng xóm,,Bị đánh,,\n\
             A3,12,09/01/2026,Công an,chắc,Bị đánh,,\n\
             A4,,09/01/2026,Công an,,Bị đánh,,\n\
             A5,12,09/01/2026,Công an,,,,\n\
             A6,12,09/01/2026,Công an,,Bị đánh,Đã đóng,\n\
             A7,12,09/01/2026,Công an,,Bị đánh,,01/01/2026\n\
             A8,12,09/01/2026,Công an,,Bị đánh,Đang xử lý,10/01/2026\n\
             A9,12,09/01/2026,Công an,,Bị đánh,Chờ,\n\
             B1,12,09/01/2026,Công an,,Bị đánh,,\n\
             B1,12,10/01/2026,Công an,,Bị đánh,,\n",
        );
        let want: Vec<(usize, String, String)> = vec![
            (1, "Ngày tiếp nhận".into(), "is in the future".into()),
            (
                2,
                "Nguồn tin".into(),
                "not a known value: write one of Tổng đài 111; Cộng tác viên; Công an; Nhà trường; Cơ sở y tế; Trẻ em hoặc gia đình; Khác"
                    .into(),
            ),
            (3, "Khẩn cấp".into(), "write Có or Không".into()),
            (4, "Mã hồ sơ treem".into(), "name the child: the treem record number (Mã hồ sơ treem) or the Mã trẻ em".into()),
            (5, "Nội dung".into(), "must be filled in".into()),
            (6, "Ngày đóng".into(), "a closed case needs the day it was closed".into()),
            (7, "Ngày đóng".into(), "is before the report was received".into()),
            (8, "Ngày đóng".into(), "a case still open has no closing day: empty it, or write that the case is closed".into()),
            (9, "Tình trạng".into(), "not a known value: write Tiếp nhận thông tin, Đã đóng hồ sơ or Đóng: tin báo không có cơ sở".into()),
            (11, "Mã trường hợp".into(), "the same case identifier as row 10: each case once".into()),
        ];
        assert_eq!(problems(&t), want);
        assert_eq!(t.rows.len(), 1, "only row 10 is clean");
    }

    #[test]
    fn an_export_read_back_is_its_cases_without_the_columns_it_lacks() {
        let t = read(
            "Số hồ sơ trường hợp,Mã hồ sơ treem,Họ và tên trẻ,Bước hiện tại,Nguồn tin,Khẩn cấp,Mức độ nguy cơ,Tiếp nhận lúc,Đóng lúc,Mã đơn vị,Đơn vị,Giao cho\n\
             7,12,Lê Văn An,Đã đóng hồ sơ,Công an,Không,,09/01/2026 14:30,10/02/2026 08:00,29884,Phường Mỹ Ngãi,\n\
             8,13,Lê Thị Bé,Tiếp nhận thông tin,Công an,Có,,09/01/2026 14:30,,29884,Phường Mỹ Ngãi,Cán bộ A\n\
             8,13,Lê Thị Bé,Tiếp nhận thông tin,Công an,Có,,09/01/2026 14:30,,29884,Phường Mỹ Ngãi,Cán bộ A\n",
        );
        assert_eq!(t.records, vec![(1, 7), (2, 8)]);
        assert_eq!(problems(&t), vec![(3, "Số hồ sơ trường hợp".into(), "the same case number as row 2: each case once".into())]);
        assert!(t.rows.is_empty());
    }

    #[test]
    fn every_source_and_step_has_words_naming_one_code() {
        let codes: Vec<&str> = SOURCES.iter().map(|(c, _)| *c).collect();
        assert_eq!(codes, CaseSource::ALL.map(CaseSource::as_str));
        let states: Vec<&str> = STATES.iter().map(|(c, _)| *c).collect();
        assert_eq!(states, CaseState::ALL.map(CaseState::as_str));
        for words in [SOURCES, STATES] {
            let mut seen = HashMap::new();
            for (code, names) in words {
                for n in names.iter() {
                    assert_eq!(*seen.entry(fold(n)).or_insert(*code), *code, "{n} names two codes");
                }
            }
        }
    }
}

//! A file's bytes as a table of cells under one header row, whatever it came as: CSV
//! (comma, semicolon or tab; UTF-8 or UTF-16) read by the `csv` crate, or the first
//! worksheet of an XLSX workbook read by `calamine` after its zip entries were measured.

use std::io::Cursor;
use time::Date;

use crate::decode::{decode_text, TextEncoding};
use crate::problem::Problem;

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    /// A cell Excel formats as a date.
    Date(Date),
    Bool(bool),
}

impl Cell {
    /// The cell as text, for reports and for text fields (12.0 → "12").
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.trim().to_owned(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => n.to_string(),
            Cell::Date(d) => format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year()),
            Cell::Bool(b) => b.to_string(),
        }
    }

    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }
}

/// One data row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 1 for the first row under the header.
    pub number: usize,
    pub cells: Vec<Cell>,
}

/// What a file's reading found.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// "CSV, UTF-8 (BOM)" or "XLSX".
    pub format: String,
    pub sheet: Option<String>,
    pub header: Vec<String>,
    /// The header's row in the file (1-based): title rows above it are skipped.
    pub header_row: usize,
    pub rows: Vec<Row>,
    /// Rows of a different width than the header, wrong cells: reported, not fatal here.
    pub problems: Vec<Problem>,
}

/// Guards against files that would exhaust the server.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_rows: usize,
    /// For XLSX: what its zip entries may expand to, in all.
    pub max_uncompressed_bytes: u64,
    pub max_zip_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self { max_bytes: 100 << 20, max_rows: 2_000_000, max_uncompressed_bytes: 1 << 30, max_zip_entries: 10_000 }
    }
}

/// How many rows at the top may be a title above the header.
const HEADER_SEARCH_ROWS: usize = 15;

/// Reads `bytes` (named `file_name`) into a table. `known` tells a known header, so
/// that title rows above the header row are skipped: the header is the first row
/// with at least two known headers.
pub fn read_table(file_name: &str, bytes: &[u8], limits: &Limits, known: &dyn Fn(&str) -> bool) -> Result<Table, Problem> {
    if bytes.len() > limits.max_bytes {
        return Err(Problem::file(format!(
            "the file is {} bytes, more than the limit of {} bytes: split it",
            bytes.len(),
            limits.max_bytes
        )));
    }
    if bytes.is_empty() {
        return Err(Problem::file("the file is empty"));
    }
    let lower = file_name.to_lowercase();
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    if lower.ends_with(".xls") && bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(Problem::file("the file is an old Excel 97–2003 workbook (.xls): save it as .xlsx or CSV UTF-8"));
    }
    if lower.ends_with(".xlsx") && !is_zip {
        return Err(Problem::file("the file is named .xlsx but is not an Excel workbook"));
    }
    if is_zip && !lower.ends_with(".xlsx") {
        if lower.ends_with(".csv") || lower.ends_with(".txt") {
            return Err(Problem::file("the file is named as text (CSV) but is a zip archive, perhaps an Excel workbook: name it .xlsx"));
        }
        return read_xlsx(bytes, limits, known);
    }
    if is_zip {
        return read_xlsx(bytes, limits, known);
    }
    let (text, encoding) = decode_text(bytes)?;
    read_csv(&text, encoding, limits, known)
}

fn header_index(rows: &[Vec<Cell>], known: &dyn Fn(&str) -> bool) -> Result<usize, Problem> {
    rows.iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|r| r.iter().filter(|c| known(&c.text())).count() >= 2)
        .ok_or_else(|| Problem::file(format!("no header row found in the first {HEADER_SEARCH_ROWS} rows: the first row must name the columns (for example Họ và tên, Ngày sinh, Giới tính, Mã xã)")))
}

/// Cuts the rows under the header, reports rows wider or narrower than it.
/// `lines`: each row's line in the file (CSV skips blank lines), or `None` when rows are
/// the sheet's rows one for one.
fn into_table(
    format: String,
    sheet: Option<String>,
    mut all: Vec<Vec<Cell>>,
    lines: Option<Vec<usize>>,
    limits: &Limits,
    known: &dyn Fn(&str) -> bool,
) -> Result<Table, Problem> {
    let at = header_index(&all, known)?;
    let line_of = |i: usize| lines.as_ref().and_then(|l| l.get(i).copied()).unwrap_or(i + 1);
    let header_line = line_of(at);
    let data = all.split_off(at + 1);
    let header_cells = all.pop().unwrap_or_default();
    let mut header: Vec<String> = header_cells.iter().map(Cell::text).collect();
    while header.last().is_some_and(String::is_empty) {
        header.pop();
    }
    if data.len() > limits.max_rows {
        return Err(Problem::file(format!("the file has {} rows, more than the limit of {}: split it", data.len(), limits.max_rows)));
    }
    let mut problems = Vec::new();
    let mut rows = Vec::with_capacity(data.len());
    for (i, mut cells) in data.into_iter().enumerate() {
        let number = line_of(at + 1 + i) - header_line;
        while cells.len() > header.len() && cells.last().is_some_and(Cell::is_blank) {
            cells.pop();
        }
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        if cells.len() > header.len() {
            problems.push(Problem::error(
                number,
                "",
                "",
                &cells.iter().skip(header.len()).map(Cell::text).collect::<Vec<_>>().join(", "),
                format!("the row has {} cells, more than the {} columns of the header", cells.len(), header.len()),
            ));
        }
        for (c, cell) in cells.iter().enumerate() {
            if let Cell::Text(s) = cell {
                if s.contains('\0') {
                    problems.push(Problem::error(
                        number,
                        header.get(c).map_or("", String::as_str),
                        "",
                        &s.replace('\0', "␀"),
                        "the cell contains a NUL byte",
                    ));
                }
            }
        }
        cells.resize(header.len(), Cell::Empty);
        rows.push(Row { number, cells });
    }
    Ok(Table { format, sheet, header, header_row: header_line, rows, problems })
}

/// The separator of a CSV: the one seen most often outside quotes in its first five lines
/// (a title line above the header, one quoted cell, tells nothing; a tie is a comma).
fn delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).take(5).collect();
    let count = |d: char| {
        lines
            .iter()
            .map(|l| {
                let mut quoted = false;
                l.chars()
                    .filter(|c| {
                        if *c == '"' {
                            quoted = !quoted;
                        }
                        !quoted && *c == d
                    })
                    .count()
            })
            .sum::<usize>()
    };
    [(b'\t', count('\t')), (b';', count(';')), (b',', count(','))].into_iter().max_by_key(|(_, n)| *n).map_or(b',', |(d, _)| d)
}

fn read_csv(text: &str, encoding: TextEncoding, limits: &Limits, known: &dyn Fn(&str) -> bool) -> Result<Table, Problem> {
    let delimiter = delimiter(text);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(delimiter).from_reader(text.as_bytes());
    let mut all = Vec::new();
    let mut lines = Vec::new();
    // Lines counted from byte offsets: the reader skips blank lines without counting them.
    let (mut seen_byte, mut seen_line) = (0usize, 1usize);
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            Problem::file(format!(
                "the CSV cannot be read near line {}: a quotation mark is not closed or the file is cut short",
                e.position().map_or(i + 1, |p| p.line() as usize)
            ))
        })?;
        if all.len() > limits.max_rows + HEADER_SEARCH_ROWS {
            return Err(Problem::file(format!("the file has more than {} rows: split it", limits.max_rows)));
        }
        // A record's position is where the blank lines before it begin: step over them.
        let mut byte = record.position().map_or(seen_byte, |p| p.byte() as usize).min(text.len());
        while matches!(text.as_bytes().get(byte), Some(b'\n' | b'\r')) {
            byte += 1;
        }
        seen_line += text.as_bytes()[seen_byte.min(byte)..byte].iter().filter(|b| **b == b'\n').count();
        seen_byte = seen_byte.max(byte);
        lines.push(seen_line);
        all.push(record.iter().map(|f| if f.trim().is_empty() { Cell::Empty } else { Cell::Text(f.to_owned()) }).collect());
    }
    let name = match delimiter {
        b'\t' => "tab",
        b';' => "semicolon",
        _ => "comma",
    };
    into_table(format!("CSV ({}, {name})", encoding.as_str()), None, all, Some(lines), limits, known)
}

/// Measures the workbook's zip entries before anything is expanded: a zip bomb (a small
/// file expanding to gigabytes, or thousands of entries) is refused unopened.
fn check_zip(bytes: &[u8], limits: &Limits) -> Result<(), Problem> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| Problem::file("the workbook is damaged or cut short (its zip directory cannot be read)"))?;
    if archive.len() > limits.max_zip_entries {
        return Err(Problem::file(format!("the workbook has {} parts, more than the limit of {}", archive.len(), limits.max_zip_entries)));
    }
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| Problem::file("the workbook is damaged (a part cannot be read)"))?;
        total = total.saturating_add(entry.size());
    }
    if total > limits.max_uncompressed_bytes {
        return Err(Problem::file(format!(
            "the workbook expands to {total} bytes, more than the limit of {} bytes: refused unopened",
            limits.max_uncompressed_bytes
        )));
    }
    Ok(())
}

/// An Excel serial day (1900 system, counting Excel's phantom 29 February 1900) as a date.
pub fn excel_serial_date(serial: f64) -> Option<Date> {
    if !(1.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let epoch = time::macros::date!(1899 - 12 - 30);
    let days = if days < 61 { days + 1 } else { days };
    epoch.checked_add(time::Duration::days(days))
}

fn read_xlsx(bytes: &[u8], limits: &Limits, known: &dyn Fn(&str) -> bool) -> Result<Table, Problem> {
    use calamine::{Data, Reader};
    check_zip(bytes, limits)?;
    let mut workbook: calamine::Xlsx<_> =
        calamine::Xlsx::new(Cursor::new(bytes)).map_err(|_| Problem::file("the file is not a readable Excel workbook (.xlsx)"))?;
    let names = workbook.sheet_names();
    // The data sheet: the first one not named as the template's list of allowed values.
    let sheet = names
        .iter()
        .find(|n| !treem_domain::text::search_key(n).contains("gia tri") && !n.to_lowercase().contains("allowed"))
        .or(names.first())
        .cloned()
        .ok_or_else(|| Problem::file("the workbook has no worksheet"))?;
    let range = workbook.worksheet_range(&sheet).map_err(|_| Problem::file(format!("the worksheet {sheet} cannot be read")))?;
    let (height, _) = range.get_size();
    if height > limits.max_rows + HEADER_SEARCH_ROWS {
        return Err(Problem::file(format!("the file has {height} rows, more than the limit of {}: split it", limits.max_rows)));
    }
    // Rows above the range's start (empty rows Excel does not store) still count.
    let top = range.start().map_or(0, |(r, _)| r as usize);
    let left = range.start().map_or(0, |(_, c)| c as usize);
    let mut all: Vec<Vec<Cell>> = vec![Vec::new(); top];
    for row in range.rows() {
        let mut cells = vec![Cell::Empty; left];
        cells.extend(row.iter().map(|d| match d {
            Data::Empty => Cell::Empty,
            Data::String(s) if s.trim().is_empty() => Cell::Empty,
            Data::String(s) => Cell::Text(treem_domain::text::nfc(s)),
            Data::Int(i) => Cell::Number(*i as f64),
            Data::Float(f) => Cell::Number(*f),
            Data::Bool(b) => Cell::Bool(*b),
            Data::DateTime(dt) if dt.is_datetime() => {
                let (y, m, day, ..) = dt.to_ymd_hms_milli();
                time::Month::try_from(m)
                    .ok()
                    .and_then(|m| Date::from_calendar_date(i32::from(y), m, day).ok())
                    .map_or(Cell::Number(dt.as_f64()), Cell::Date)
            }
            Data::DateTime(dt) => Cell::Number(dt.as_f64()),
            Data::DateTimeIso(s) => crate::values::iso_date(s).map_or_else(|| Cell::Text(s.clone()), Cell::Date),
            Data::DurationIso(s) => Cell::Text(s.clone()),
            Data::Error(e) => Cell::Text(format!("#{e:?}")),
        }));
        all.push(cells);
    }
    into_table("XLSX".to_owned(), Some(sheet), all, None, limits, known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_separator_is_read_outside_quotes_below_a_title() {
        assert_eq!(delimiter("\"Vụ việc: 3; xuất lúc 04/12/2026\"\nSố,Ngày,Loại\n1,09/01/2026,\"Tai nạn, thương tích\"\n"), b',');
        assert_eq!(delimiter("Họ và tên;Ngày sinh;Giới tính\nAn;01/03/2015;Nữ\n"), b';');
        assert_eq!(delimiter("a\tb\tc\n1\t2\t3\n"), b'\t');
    }

    fn known(h: &str) -> bool {
        ["Họ và tên", "Ngày sinh", "Giới tính"].contains(&h)
    }

    #[test]
    fn csv_with_a_title_semicolons_and_ragged_rows() {
        let text = "DANH SÁCH TRẺ EM;;\n\nHọ và tên;Ngày sinh;Giới tính\nAn;01/02/2015;Nam\n;;\nBình;3/4/2016;Nữ;thừa\nChi;x\n";
        let t = read_table("so.csv", text.as_bytes(), &Limits::default(), &known).unwrap();
        assert_eq!(t.header, ["Họ và tên", "Ngày sinh", "Giới tính"]);
        assert_eq!(t.header_row, 3);
        assert_eq!(t.rows.iter().map(|r| r.number).collect::<Vec<_>>(), [1, 3, 4]);
        assert_eq!(t.rows[2].cells[2], Cell::Empty);
        assert_eq!(t.problems.len(), 1);
        assert_eq!((t.problems[0].row, t.problems[0].value.as_str()), (3, "thừa"));
    }

    #[test]
    fn bad_files_are_named() {
        let l = Limits { max_bytes: 10, ..Limits::default() };
        assert!(read_table("a.csv", b"01234567890", &l, &known).unwrap_err().message.contains("limit"));
        assert!(read_table("a.xlsx", b"Ho va ten,Ngay sinh", &Limits::default(), &known).unwrap_err().message.contains("not an Excel"));
        assert!(read_table("a.csv", b"PK\x03\x04rest", &Limits::default(), &known).unwrap_err().message.contains("zip"));
        assert!(read_table("a.xlsx", b"PK\x03\x04cut", &Limits::default(), &known).unwrap_err().message.contains("damaged"));
        assert!(read_table("a.csv", b"x,y\n1,2\n", &Limits::default(), &known).unwrap_err().message.contains("header"));
        let nul = read_table("a.csv", "Họ và tên,Ngày sinh\nA\0n,1/1/2015\n".as_bytes(), &Limits::default(), &known).unwrap();
        assert!(nul.problems[0].message.contains("NUL"));
    }

    #[test]
    fn excel_serials() {
        assert_eq!(excel_serial_date(42005.0), Some(time::macros::date!(2015 - 01 - 01)));
        assert_eq!(excel_serial_date(45839.0), Some(time::macros::date!(2025 - 07 - 01)));
        assert_eq!(excel_serial_date(0.0), None);
    }
}

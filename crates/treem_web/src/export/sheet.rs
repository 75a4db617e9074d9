//! One table to save, written as CSV (the csv crate) or XLSX (rust_xlsxwriter) from the
//! same rows: a title row (what, which area, how many, when, by whom), the header in the
//! reader's language, typed cells (dates as dates and numbers as numbers in a workbook;
//! dd/mm/yyyy and Vietnam's time in both), and a total row where the figures add up.
//! Every list a user may download is one [`Sheet`], so no download writes files its own way.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use time::{Date, OffsetDateTime};

use crate::import_files::safe_cell;

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The two kinds of file every list downloads as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

/// One cell of a download.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    Empty,
    Text(String),
    /// A whole number (a record's number, a count): exact in a workbook below 2^53.
    Int(i64),
    /// Hundredths shown as a decimal: 3430 → 34.30 in CSV, the number 34.3 in a workbook.
    Hundredths(i64),
    Date(Date),
    /// A moment, shown in Vietnam's time to the minute.
    Moment(OffsetDateTime),
}

impl Out {
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(s.into())
    }

    pub fn opt_text(s: Option<impl Into<String>>) -> Self {
        s.map_or(Self::Empty, |s| Self::Text(s.into()))
    }

    /// The cell as a CSV field: dates dd/mm/yyyy, moments in Vietnam's time, text safe for
    /// spreadsheets (a leading `=`, `+`, `-`, `@`, tab or CR is neutralised).
    pub fn csv(&self) -> String {
        match self {
            Self::Empty => String::new(),
            Self::Text(s) => safe_cell(s),
            Self::Int(n) => n.to_string(),
            Self::Hundredths(v) => super::hundredths(*v),
            Self::Date(d) => dmy(*d),
            Self::Moment(t) => {
                let local = vietnam(*t);
                format!("{} {:02}:{:02}", dmy(local.date()), local.hour(), local.minute())
            }
        }
    }
}

fn vietnam(t: OffsetDateTime) -> OffsetDateTime {
    t.checked_to_offset(treem_domain::calendar::VIETNAM_OFFSET).unwrap_or(t)
}

pub fn dmy(d: Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

/// A table to save.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// The first row: what the table is, of which area, how many, when and by whom.
    pub title: String,
    /// The worksheet's name (at most 31 characters; `:\/?*[]` are dropped).
    pub name: String,
    /// The file's name without extension, ASCII (`ho-so-tre-em`).
    pub file: String,
    /// (header in the reader's language, column width in characters).
    pub columns: Vec<(String, f64)>,
    pub rows: Vec<Vec<Out>>,
    /// A last row of totals, where the figures add up.
    pub total: Option<Vec<Out>>,
}

impl Sheet {
    /// The table as CSV: UTF-8 with a BOM (so Excel reads Vietnamese), title row first.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new().flexible(true).from_writer(b"\xEF\xBB\xBF".to_vec());
        let _ = w.write_record([safe_cell(&self.title)]);
        let _ = w.write_record(self.columns.iter().map(|(h, _)| h.as_str()));
        for row in self.rows.iter().chain(self.total.iter()) {
            let _ = w.write_record(row.iter().map(Out::csv));
        }
        w.into_inner().unwrap_or_default()
    }

    /// The table as an XLSX workbook ([`XlsxRows`]).
    pub fn to_xlsx(&self, today: Date) -> Result<Vec<u8>, String> {
        let mut out = XlsxRows::new(today, &self.name, &self.title, &self.columns)?;
        for row in &self.rows {
            out.push(row)?;
        }
        if let Some(total) = &self.total {
            out.push_total(total)?;
        }
        out.finish()
    }

    /// The file of `format`.
    pub fn response(&self, format: FileFormat, today: Date) -> Response {
        match format {
            FileFormat::Csv => self.csv_response(),
            FileFormat::Xlsx => self.xlsx_response(today),
        }
    }

    pub fn csv_response(&self) -> Response {
        super::attachment("text/csv; charset=utf-8", &format!("{}.csv", self.file), self.to_csv())
    }

    pub fn xlsx_response(&self, today: Date) -> Response {
        match self.to_xlsx(today) {
            Ok(bytes) => super::attachment(XLSX, &format!("{}.xlsx", self.file), bytes),
            Err(e) => {
                tracing::error!(error = %e, file = %self.file, "a workbook could not be written");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        }
    }
}

/// The data rows a worksheet holds under its title and header (Excel's limit is 1,048,576
/// rows; one more is kept for the note that says the file was cut, and one for a total).
pub const XLSX_MAX_ROWS: u32 = 1_048_576 - 4;

/// A workbook written a row at a time (rust_xlsxwriter's constant-memory worksheet: each row
/// goes to a temporary file as it is written, so memory does not grow with the rows): the title
/// in bold, the header in bold, dates and moments as Excel dates (dd/mm/yyyy, dd/mm/yyyy hh:mm)
/// in Vietnam's time, numbers as numbers, text as text (never a formula). Rows beyond
/// [`XLSX_MAX_ROWS`] are not written, and a last row says so.
pub struct XlsxRows {
    book: rust_xlsxwriter::Workbook,
    next: u32,
    /// Data rows at most ([`XLSX_MAX_ROWS`]; fewer in a test).
    max_rows: u32,
    left_out: usize,
    bold: rust_xlsxwriter::Format,
    date: rust_xlsxwriter::Format,
    minute: rust_xlsxwriter::Format,
    hundredths: rust_xlsxwriter::Format,
}

fn xlsx_error(e: rust_xlsxwriter::XlsxError) -> String {
    e.to_string()
}

impl XlsxRows {
    pub fn new(today: Date, name: &str, title: &str, columns: &[(String, f64)]) -> Result<Self, String> {
        use rust_xlsxwriter::Format;
        let mut book = workbook_of(today)?;
        let sheet = book.add_worksheet_with_constant_memory().map_err(xlsx_error)?;
        let name: String = name.chars().filter(|c| !":\\/?*[]".contains(*c)).take(31).collect();
        sheet.set_name(if name.is_empty() { "treem".to_owned() } else { name }).map_err(xlsx_error)?;
        let bold = Format::new().set_bold();
        for (c, (_, width)) in columns.iter().enumerate() {
            let c = u16::try_from(c).map_err(|x| x.to_string())?;
            sheet.set_column_width(c, *width).map_err(xlsx_error)?;
        }
        sheet.write_string_with_format(0, 0, title, &bold).map_err(xlsx_error)?;
        for (c, (header, _)) in columns.iter().enumerate() {
            let c = u16::try_from(c).map_err(|x| x.to_string())?;
            sheet.write_string_with_format(1, c, header, &bold).map_err(xlsx_error)?;
        }
        Ok(Self {
            book,
            next: 2,
            max_rows: XLSX_MAX_ROWS,
            left_out: 0,
            bold,
            date: Format::new().set_num_format("dd/mm/yyyy"),
            minute: Format::new().set_num_format("dd/mm/yyyy hh:mm"),
            hundredths: Format::new().set_num_format("0.00"),
        })
    }

    pub fn push(&mut self, row: &[Out]) -> Result<(), String> {
        if self.next >= self.max_rows + 2 {
            self.left_out += 1;
            return Ok(());
        }
        self.write(row, false)
    }

    /// A last row of totals, in bold.
    pub fn push_total(&mut self, row: &[Out]) -> Result<(), String> {
        self.write(row, true)
    }

    fn write(&mut self, row: &[Out], is_total: bool) -> Result<(), String> {
        use rust_xlsxwriter::ExcelDateTime;
        let e = xlsx_error;
        let r = self.next;
        let sheet = self.book.worksheet_from_index(0).map_err(e)?;
        let as_excel = |d: Date| ExcelDateTime::from_ymd(u16::try_from(d.year()).unwrap_or(1900), u8::from(d.month()), d.day());
        for (c, cell) in row.iter().enumerate() {
            let c = u16::try_from(c).map_err(|x| x.to_string())?;
            match cell {
                Out::Empty => {}
                Out::Text(s) if is_total => {
                    sheet.write_string_with_format(r, c, s, &self.bold).map_err(e)?;
                }
                // Text is written as text: a workbook never evaluates it as a formula.
                Out::Text(s) => {
                    sheet.write_string(r, c, s).map_err(e)?;
                }
                // Counts and record numbers are far below 2^53: exact as f64.
                Out::Int(n) if is_total => {
                    sheet.write_number_with_format(r, c, *n as f64, &self.bold).map_err(e)?;
                }
                Out::Int(n) => {
                    sheet.write_number(r, c, *n as f64).map_err(e)?;
                }
                Out::Hundredths(v) => {
                    sheet.write_number_with_format(r, c, *v as f64 / 100.0, &self.hundredths).map_err(e)?;
                }
                Out::Date(d) => {
                    sheet.write_datetime_with_format(r, c, as_excel(*d).map_err(e)?, &self.date).map_err(e)?;
                }
                Out::Moment(t) => {
                    let l = vietnam(*t);
                    let at = as_excel(l.date()).map_err(e)?.and_hms(u16::from(l.hour()), l.minute(), l.second()).map_err(e)?;
                    sheet.write_datetime_with_format(r, c, at, &self.minute).map_err(e)?;
                }
            }
        }
        self.next += 1;
        Ok(())
    }

    /// The workbook's bytes; first, when rows were left out, a last row that says how many and why.
    pub fn finish(mut self) -> Result<Vec<u8>, String> {
        if self.left_out > 0 {
            let note = format!(
                "Excel giữ được tối đa 1.048.576 dòng: {} dòng sau không có trong tệp này; hãy tải CSV (đủ mọi dòng) hoặc lọc hẹp hơn. \
                 An Excel sheet holds at most 1,048,576 rows: the {} rows after these are not in this file; download the CSV (every row) or filter further.",
                self.left_out, self.left_out
            );
            let r = self.next;
            let bold = self.bold.clone();
            self.book.worksheet_from_index(0).map_err(xlsx_error)?.write_string_with_format(r, 0, note, &bold).map_err(xlsx_error)?;
        }
        self.book.save_to_buffer().map_err(xlsx_error)
    }
}

/// A workbook whose own creation time is the day, not the second: two downloads of the
/// same figures on one day are the same bytes (nothing else in the file tells them apart).
pub fn workbook_of(today: Date) -> Result<rust_xlsxwriter::Workbook, String> {
    let created =
        rust_xlsxwriter::ExcelDateTime::from_ymd(u16::try_from(today.year()).unwrap_or(1900), u8::from(today.month()), today.day())
            .map_err(|e| e.to_string())?;
    let mut book = rust_xlsxwriter::Workbook::new();
    book.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    Ok(book)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn sample() -> Sheet {
        Sheet {
            title: "Danh sách".into(),
            name: "Vụ: việc".into(),
            file: "vu-viec".into(),
            columns: vec![("Số".into(), 8.0), ("Tên".into(), 20.0), ("Ngày".into(), 12.0), ("Lúc".into(), 16.0)],
            rows: vec![vec![
                Out::Int(7),
                Out::text("=HYPERLINK(\"x\")"),
                Out::Date(date!(2026 - 02 - 03)),
                Out::Moment(datetime!(2026-12-04 17:05 UTC)),
            ]],
            total: Some(vec![Out::Empty, Out::text("Tổng cộng"), Out::Empty, Out::Empty]),
        }
    }

    #[test]
    fn csv_has_title_header_typed_cells_and_total() {
        let text = String::from_utf8(sample().to_csv()).unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines, ["Danh sách", "Số,Tên,Ngày,Lúc", "7,\"'=HYPERLINK(\"\"x\"\")\",03/02/2026,05/12/2026 00:05", ",Tổng cộng,,"]);
    }

    #[test]
    fn rows_beyond_the_sheets_limit_are_left_out_and_the_file_says_so() {
        use calamine::{Data, Reader};
        let columns = vec![("Số".to_owned(), 8.0)];
        let mut out = XlsxRows::new(date!(2026 - 12 - 04), "t", "Danh sách", &columns).unwrap();
        out.max_rows = 3;
        for n in 0..5 {
            out.push(&[Out::Int(n)]).unwrap();
        }
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(out.finish().unwrap())).unwrap();
        let range = book.worksheet_range("t").unwrap();
        assert_eq!(range.height(), 6, "title, header, three rows, the note");
        assert_eq!(range.get_value((4, 0)), Some(&Data::Float(2.0)));
        let Some(Data::String(note)) = range.get_value((5, 0)) else { panic!("a note") };
        assert!(note.starts_with("Excel giữ được tối đa 1.048.576 dòng: 2 dòng sau không có trong tệp này"), "{note}");
    }

    #[test]
    fn xlsx_reads_back_with_dates_and_numbers() {
        use calamine::{Data, Reader};
        let bytes = sample().to_xlsx(date!(2026 - 12 - 04)).unwrap();
        let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["Vụ việc"]);
        let range = book.worksheet_range("Vụ việc").unwrap();
        assert_eq!(range.get_value((2, 0)), Some(&Data::Float(7.0)));
        assert_eq!(range.get_value((2, 1)), Some(&Data::String("=HYPERLINK(\"x\")".into())));
        let Some(Data::DateTime(d)) = range.get_value((2, 2)) else { panic!("a date cell") };
        assert_eq!(d.as_f64(), 46056.0, "03/02/2026 as Excel's serial day");
        let Some(Data::DateTime(t)) = range.get_value((2, 3)) else { panic!("a moment cell") };
        assert!((t.as_f64() - (46361.0 + 5.0 / 60.0 / 24.0)).abs() < 1e-6, "05/12/2026 00:05 in Vietnam: {}", t.as_f64());
        assert_eq!(range.get_value((3, 1)), Some(&Data::String("Tổng cộng".into())));
    }
}

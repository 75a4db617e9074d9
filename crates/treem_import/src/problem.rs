//! One problem of an import: where (row, column, value) and what, in English with the
//! values in it; the edges (`treem_web::messages`) translate it like a form's refusal.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The row (or, at row 0, the file) cannot be imported: nothing of the file is stored.
    Error,
    /// Imported, but worth a look (a likely duplicate, a hamlet not found).
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file's data row: 1 for the first row under the header; 0 for the file itself
    /// (its encoding, its headers).
    pub row: usize,
    /// The column's header as the file writes it ("" when the problem is the whole row).
    pub column: String,
    /// The field it concerns (`full_name`, `birth_date`…: the label's key), "" for none.
    pub field: String,
    /// The cell's text as read (cut to 200 characters).
    pub value: String,
    pub severity: Severity,
    /// English, with the values already in it: the key of its translation.
    pub message: String,
}

impl Problem {
    pub fn error(row: usize, column: &str, field: &str, value: &str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, row, column, field, value, message)
    }

    pub fn warning(row: usize, column: &str, field: &str, value: &str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, row, column, field, value, message)
    }

    fn new(severity: Severity, row: usize, column: &str, field: &str, value: &str, message: impl Into<String>) -> Self {
        Self {
            row,
            column: column.to_owned(),
            field: field.to_owned(),
            value: value.chars().take(200).collect(),
            severity,
            message: message.into(),
        }
    }

    /// A problem of the whole file.
    pub fn file(message: impl Into<String>) -> Self {
        Self::error(0, "", "", "", message)
    }
}

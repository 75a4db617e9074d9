//! A small, strict CSV reader (RFC 4180) that remembers the line each record
//! started on, so every import error can name file, line and field.

use crate::import_error::ImportError;

/// One record of a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRecord {
    /// 1-based line on which the record starts.
    pub line: usize,
    pub fields: Vec<String>,
}

/// Longest accepted field, in bytes: a guard against a file that is one huge line.
pub const MAX_FIELD_BYTES: usize = 4096;

/// Decodes `bytes` as UTF-8 (a leading BOM is dropped) and splits it into records.
/// Bad UTF-8, an unterminated quote, or a stray quote is an error naming the line.
pub fn parse_csv(file: &str, bytes: &[u8]) -> Result<Vec<CsvRecord>, ImportError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = bytes.get(..e.valid_up_to()).unwrap_or_default();
            let line = 1 + good.iter().filter(|&&b| b == b'\n').count();
            return Err(ImportError::new(
                file,
                line,
                None,
                format!("the file is not valid UTF-8 (invalid byte at position {}); save it as UTF-8", e.valid_up_to() + 1),
            ));
        }
    };
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut records = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut quoted_field = false;
    let mut line = 1;
    let mut record_line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if field.len() > MAX_FIELD_BYTES {
            return Err(ImportError::new(file, record_line, None, format!("a field is longer than {MAX_FIELD_BYTES} bytes")));
        }
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !quoted_field => {
                in_quotes = true;
                quoted_field = true;
            }
            '"' => {
                return Err(ImportError::new(file, line, None, "a quote inside an unquoted field; quote the whole field"));
            }
            ',' => {
                fields.push(std::mem::take(&mut field));
                quoted_field = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                quoted_field = false;
                push_record(&mut records, record_line, std::mem::take(&mut fields));
                line += 1;
                record_line = line;
            }
            _ if quoted_field => {
                return Err(ImportError::new(file, line, None, "text after a closing quote"));
            }
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(ImportError::new(file, record_line, None, "a quoted field is never closed"));
    }
    if !field.is_empty() || !fields.is_empty() || quoted_field {
        fields.push(field);
        push_record(&mut records, record_line, fields);
    }
    Ok(records)
}

fn push_record(records: &mut Vec<CsvRecord>, line: usize, fields: Vec<String>) {
    // A blank line is not a record.
    if fields.len() == 1 && fields.first().is_some_and(String::is_empty) {
        return;
    }
    records.push(CsvRecord { line, fields });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_newlines_and_bom() {
        let r = parse_csv("f.csv", "\u{FEFF}a,b\r\n\"x, y\",\"he said \"\"hi\"\"\"\n\n\"multi\nline\",z".as_bytes()).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].fields, vec!["a", "b"]);
        assert_eq!(r[1].fields, vec!["x, y", "he said \"hi\""]);
        assert_eq!(r[1].line, 2);
        assert_eq!(r[2].line, 4);
        assert_eq!(r[2].fields, vec!["multi\nline", "z"]);
    }

    #[test]
    fn bad_utf8_names_the_line() {
        let e = parse_csv("f.csv", b"a,b\nc,\xff\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("UTF-8"));
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        assert_eq!(parse_csv("f.csv", b"a\n\"b,c\n").unwrap_err().line, 2);
        assert!(parse_csv("f.csv", b"a\"b\n").is_err());
    }
}

//! A minimal XLSX writer, by hand: one worksheet, text as inline strings, numbers as
//! numbers. An XLSX file is a ZIP archive of XML parts; the entries here are STORED
//! (not compressed), so the writer needs nothing but a CRC-32. Enough for a table of
//! a few thousand rows, which is what the indicator pages download.
//!
//! Text cells are inline strings (`t="inlineStr"`): a spreadsheet never reads them as
//! a formula, so a unit name starting with `=`, `+`, `-` or `@` stays text.

use std::fmt::Write;

/// One cell of the sheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    /// A number; not finite is written as an empty cell.
    Number(f64),
    Empty,
}

/// The CRC-32 of ZIP (IEEE 802.3, reflected polynomial 0xEDB88320).
pub fn crc32(data: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut i = 0;
        while i < 256 {
            let mut c = i as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 == 1 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
                k += 1;
            }
            table[i] = c;
            i += 1;
        }
        table
    };
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        let index = usize::from(u8::try_from((crc ^ u32::from(b)) & 0xFF).unwrap_or(0));
        crc = TABLE.get(index).copied().unwrap_or(0) ^ (crc >> 8);
    }
    !crc
}

/// Escapes text for XML, and drops the control characters XML 1.0 cannot hold.
fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if u32::from(c) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// The column letters of a 0-based column index: 0 → A, 25 → Z, 26 → AA.
fn column_name(mut index: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(char::from(b'A' + u8::try_from(index % 26).unwrap_or(0)));
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    letters.iter().rev().collect()
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`, not empty.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name.chars().filter(|c| !"[]:*?/\\".contains(*c) && !c.is_control()).take(31).collect();
    let cleaned = cleaned.trim_matches('\'').trim().to_owned();
    if cleaned.is_empty() {
        "Sheet1".to_owned()
    } else {
        cleaned
    }
}

fn sheet_xml(rows: &[Vec<Cell>]) -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (r, row) in rows.iter().enumerate() {
        let _ = write!(xml, r#"<row r="{}">"#, r + 1);
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{}", column_name(c), r + 1);
            match cell {
                Cell::Text(t) => {
                    let _ = write!(xml, r#"<c r="{at}" t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#, xml_text(t));
                }
                Cell::Number(n) if n.is_finite() => {
                    let _ = write!(xml, r#"<c r="{at}"><v>{n}</v></c>"#);
                }
                Cell::Number(_) | Cell::Empty => {}
            }
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

/// A workbook of one sheet holding `rows` (the first row is usually the header).
pub fn workbook(name: &str, rows: &[Vec<Cell>]) -> Vec<u8> {
    let content_types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        xml_text(&sheet_name(name))
    );
    let workbook_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
    let sheet = sheet_xml(rows);
    zip_stored(&[
        ("[Content_Types].xml", content_types.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", workbook_rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

/// The part names of an XLSX file, as [`workbook`] writes them.
pub const PARTS: [&str; 5] =
    ["[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/worksheets/sheet1.xml"];

fn u16le(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&u16::try_from(v).unwrap_or(u16::MAX).to_le_bytes());
}

fn u32le(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&u32::try_from(v).unwrap_or(u32::MAX).to_le_bytes());
}

/// A ZIP archive of uncompressed entries (no ZIP64: each entry and the whole under 4 GiB).
/// Every entry is dated 1 January 1980, the first day ZIP can express, so the same
/// content always gives the same bytes.
pub fn zip_stored(entries: &[(&str, &[u8])]) -> Vec<u8> {
    const VERSION: usize = 20;
    const DOS_TIME: usize = 0;
    const DOS_DATE: usize = (1 << 5) | 1;
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in entries {
        let offset = out.len();
        let crc = usize::try_from(crc32(data)).unwrap_or(0);
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        u16le(&mut out, VERSION);
        u16le(&mut out, 0); // flags
        u16le(&mut out, 0); // stored
        u16le(&mut out, DOS_TIME);
        u16le(&mut out, DOS_DATE);
        u32le(&mut out, crc);
        u32le(&mut out, data.len());
        u32le(&mut out, data.len());
        u16le(&mut out, name.len());
        u16le(&mut out, 0); // extra field
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);

        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        u16le(&mut central, VERSION); // made by (MS-DOS, 2.0)
        u16le(&mut central, VERSION);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, DOS_TIME);
        u16le(&mut central, DOS_DATE);
        u32le(&mut central, crc);
        u32le(&mut central, data.len());
        u32le(&mut central, data.len());
        u16le(&mut central, name.len());
        u16le(&mut central, 0); // extra field
        u16le(&mut central, 0); // comment
        u16le(&mut central, 0); // disk
        u16le(&mut central, 0); // internal attributes
        u32le(&mut central, 0); // external attributes
        u32le(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = out.len();
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, entries.len());
    u16le(&mut out, entries.len());
    u32le(&mut out, central.len());
    u32le(&mut out, central_offset);
    u16le(&mut out, 0); // comment
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16_at(b: &[u8], at: usize) -> usize {
        usize::from(u16::from_le_bytes([b[at], b[at + 1]]))
    }

    fn u32_at(b: &[u8], at: usize) -> usize {
        usize::try_from(u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])).unwrap()
    }

    #[test]
    fn crc32_matches_the_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"The quick brown fox jumps over the lazy dog"), 0x414F_A339);
    }

    #[test]
    fn columns_are_named_like_a_spreadsheet() {
        assert_eq!([column_name(0), column_name(25), column_name(26), column_name(27), column_name(701)], ["A", "Z", "AA", "AB", "ZZ"]);
        assert_eq!(column_name(702), "AAA");
        assert_eq!(sheet_name("a/b:c"), "abc");
        assert_eq!(sheet_name("[]"), "Sheet1");
    }

    #[test]
    fn the_central_directory_lists_every_part_with_its_crc_and_offset() {
        let rows = vec![
            vec![Cell::Text("unit".into()), Cell::Text("value".into())],
            vec![Cell::Text("=SUM(A1) & <b>".into()), Cell::Number(34.3)],
            vec![Cell::Text("Xã Mỹ Ngãi".into()), Cell::Empty, Cell::Number(f64::NAN), Cell::Number(7.0)],
        ];
        let book = workbook("incidents.sexual_abuse", &rows);
        assert!(book.starts_with(b"PK\x03\x04"));
        // The end record: the last 22 bytes (no comment).
        let end = book.len() - 22;
        assert_eq!(u32_at(&book, end), 0x0605_4b50);
        let (count, size, offset) = (u16_at(&book, end + 10), u32_at(&book, end + 12), u32_at(&book, end + 16));
        assert_eq!((count, offset + size), (PARTS.len(), end));
        let mut at = offset;
        let mut names = Vec::new();
        while at < end {
            assert_eq!(u32_at(&book, at), 0x0201_4b50);
            let (crc, len, name_len, local) =
                (u32_at(&book, at + 16), u32_at(&book, at + 24), u16_at(&book, at + 28), u32_at(&book, at + 42));
            let name = std::str::from_utf8(&book[at + 46..at + 46 + name_len]).unwrap().to_owned();
            // The local header agrees, and the data's CRC is the one recorded.
            assert_eq!(u32_at(&book, local), 0x0403_4b50);
            assert_eq!(u16_at(&book, local + 26), name_len);
            let data = &book[local + 30 + name_len..local + 30 + name_len + len];
            assert_eq!(usize::try_from(crc32(data)).unwrap(), crc, "{name}");
            if name == "xl/worksheets/sheet1.xml" {
                let xml = std::str::from_utf8(data).unwrap();
                assert!(
                    xml.contains(r#"<c r="A2" t="inlineStr"><is><t xml:space="preserve">=SUM(A1) &amp; &lt;b&gt;</t></is></c>"#),
                    "{xml}"
                );
                assert!(xml.contains(r#"<c r="B2"><v>34.3</v></c>"#) && xml.contains(r#"<c r="D3"><v>7</v></c>"#), "{xml}");
                assert!(xml.contains("Xã Mỹ Ngãi") && !xml.contains("NaN") && !xml.contains(r#"r="B3""#));
            }
            names.push(name);
            at += 46 + name_len;
        }
        assert_eq!(names, PARTS);
        // The same content gives the same bytes.
        assert_eq!(book, workbook("incidents.sexual_abuse", &rows));
    }
}

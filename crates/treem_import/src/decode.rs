//! Text files as they come from a commune: UTF-8 with or without a BOM, UTF-16 (Excel's
//! "Unicode text"), decomposed Unicode, and text typed in the legacy TCVN3 (ABC) or VNI
//! fonts, which is named rather than stored as garbage.

use unicode_normalization::UnicodeNormalization;

use crate::problem::Problem;

/// How a text file was encoded (shown in the import's summary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    Utf16Le,
    Utf16Be,
}

impl TextEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Utf8Bom => "UTF-8 (BOM)",
            Self::Utf16Le => "UTF-16 LE",
            Self::Utf16Be => "UTF-16 BE",
        }
    }
}

/// The legacy Vietnamese encodings a register typed before Unicode may be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Legacy {
    Tcvn3,
    Vni,
}

impl Legacy {
    pub fn name(self) -> &'static str {
        match self {
            Self::Tcvn3 => "TCVN3 (ABC)",
            Self::Vni => "VNI",
        }
    }
}

/// Decodes a text file into NFC. A file that is not Unicode is refused, naming TCVN3 or
/// VNI when its text looks like one of them.
pub fn decode_text(bytes: &[u8]) -> Result<(String, TextEncoding), Problem> {
    let (text, encoding) = if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        (utf8(rest)?, TextEncoding::Utf8Bom)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        (utf16(rest, u16::from_le_bytes)?, TextEncoding::Utf16Le)
    } else if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        (utf16(rest, u16::from_be_bytes)?, TextEncoding::Utf16Be)
    } else if looks_utf16le(bytes) {
        (utf16(bytes, u16::from_le_bytes)?, TextEncoding::Utf16Le)
    } else {
        (utf8(bytes)?, TextEncoding::Utf8)
    };
    Ok((text.nfc().collect(), encoding))
}

/// Without a BOM, UTF-16 LE text of Latin letters has a zero in every odd byte.
fn looks_utf16le(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(512)];
    sample.len() >= 8 && sample.chunks(2).filter(|p| p.len() == 2 && p[1] == 0 && p[0] != 0).count() * 10 >= sample.len() / 2 * 9
}

fn utf8(bytes: &[u8]) -> Result<String, Problem> {
    match std::str::from_utf8(bytes) {
        Ok(t) => Ok(t.to_owned()),
        Err(e) => {
            // Read as Windows-1252 (what a legacy font's bytes are) to say which it is.
            let (latin, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Err(match legacy_encoding(&latin) {
                Some(l) => Problem::file(format!(
                    "the file is in the legacy {} encoding, not Unicode: convert it to Unicode (UTF-8) and import it again",
                    l.name()
                )),
                None => Problem::file(format!(
                    "the file is not UTF-8 text (invalid byte at position {}): save it as CSV UTF-8 or as an Excel workbook",
                    e.valid_up_to() + 1
                )),
            })
        }
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, Problem> {
    if !bytes.len().is_multiple_of(2) {
        return Err(Problem::file("the UTF-16 file ends in the middle of a character: it was cut short"));
    }
    let units = bytes.chunks_exact(2).map(|p| unit([p[0], p[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|_| Problem::file("the file is not valid UTF-16 text (an unpaired surrogate): save it again as Unicode text"))
}

/// Letters of Latin-1 that Vietnamese never writes but TCVN3 (ABC) fonts use for its
/// letters: "NguyÔn V¨n" is TCVN3 for "Nguyễn Văn".
fn is_tcvn3_mark(c: char) -> bool {
    matches!(c, '\u{A1}'..='\u{BF}' | 'Æ' | 'Ç' | 'Î' | 'Ï' | 'Ñ' | 'Ö' | '×' | 'Þ' | 'ß' | 'æ' | 'ç' | 'î' | 'ï' | 'ñ' | 'ö' | '÷' | 'þ')
}

/// VNI writes a letter and then its marks: "Nguyeãn Vaên", "Hoaøng" (ø, û, ï, ö, ë, ñ
/// never occur in Vietnamese, nor does a plain e followed by an a-vowel).
fn vni_marks(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    chars.iter().any(|c| matches!(c, 'ø' | 'û' | 'ï' | 'ö' | 'ë' | 'Ø' | 'Û' | 'Ï' | 'Ö' | 'Ë'))
        || chars.windows(2).any(|w| matches!(w[0], 'e' | 'E') && matches!(w[1], 'á' | 'à' | 'ã' | 'â' | 'Á' | 'À' | 'Ã' | 'Â'))
}

/// Whether a text looks typed in a legacy encoding (a heuristic over letters Vietnamese
/// does not use; real names in Unicode never match it).
pub fn legacy_encoding(s: &str) -> Option<Legacy> {
    let tcvn3 = s.chars().filter(|c| is_tcvn3_mark(*c)).count();
    if tcvn3 > 0 && !(vni_marks(s) && tcvn3 == s.chars().filter(|c| matches!(c, 'ñ' | 'Ñ')).count()) {
        Some(Legacy::Tcvn3)
    } else if vni_marks(s) || s.contains(['ñ', 'Ñ']) {
        Some(Legacy::Vni)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boms_and_utf16_and_nfc() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFa,b").map(|t| t.1), Ok(TextEncoding::Utf8Bom));
        let utf16: Vec<u8> = "Họ và tên\tNgày sinh".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        let mut with_bom = vec![0xFF, 0xFE];
        with_bom.extend(&utf16);
        assert_eq!(decode_text(&with_bom), Ok(("Họ và tên\tNgày sinh".to_owned(), TextEncoding::Utf16Le)));
        assert_eq!(decode_text(&utf16).map(|t| t.1), Ok(TextEncoding::Utf16Le));
        let be: Vec<u8> = [0xFE, 0xFF].into_iter().chain("Nữ".encode_utf16().flat_map(|u| u.to_be_bytes())).collect();
        assert_eq!(decode_text(&be).map(|t| t.0), Ok("Nữ".to_owned()));
        // "Nguyễn" decomposed becomes composed.
        assert_eq!(decode_text("Nguye\u{302}\u{303}n".as_bytes()).map(|t| t.0), Ok("Nguyễn".to_owned()));
        assert!(decode_text(&[0xFF, 0xFE, 0x41]).is_err());
    }

    #[test]
    fn legacy_text_is_named() {
        assert_eq!(legacy_encoding("NguyÔn V¨n An"), Some(Legacy::Tcvn3));
        assert_eq!(legacy_encoding("TrÇn ThÞ BÝch"), Some(Legacy::Tcvn3));
        assert_eq!(legacy_encoding("Nguyeãn Vaên Hoaøng"), Some(Legacy::Vni));
        assert_eq!(legacy_encoding("Ñoã Thò Ñaøo"), Some(Legacy::Vni));
        for real in ["Nguyễn Văn Hoàng", "Đỗ Thị Đào", "Trần Thị Bích", "Lê Hoàng Yến", "Phường Mỹ Phú", "Hộ nghèo"]
        {
            assert_eq!(legacy_encoding(real), None, "{real}");
        }
        // A legacy file's bytes are not UTF-8: the whole file is refused, naming TCVN3.
        let tcvn3_bytes = encoding_rs::WINDOWS_1252.encode("Hä vµ tªn,NguyÔn V¨n An").0.into_owned();
        let e = decode_text(&tcvn3_bytes).unwrap_err();
        assert!(e.message.contains("TCVN3"), "{}", e.message);
    }
}

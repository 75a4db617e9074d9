//! Cell values as a commune writes them: dates in the Vietnamese order (a two-digit year
//! refused: 15 could be 1915 or 2015), Excel serial dates, a year alone, Nam/Nữ, the
//! letters of the groups of Art. 10, the words for poverty and for a caregiver's relation.

use time::{Date, Month};
use treem_domain::child::Sex;
use treem_domain::text::{nfc, search_key};

use crate::table::{excel_serial_date, Cell};

/// A date as written, or why it cannot be read.
pub fn parse_date(cell: &Cell) -> Result<Date, &'static str> {
    match cell {
        Cell::Date(d) => Ok(*d),
        Cell::Number(n) if (1.0..=2_958_465.0).contains(n) => excel_serial_date(*n).ok_or(NOT_A_DATE),
        Cell::Number(_) | Cell::Bool(_) => Err(NOT_A_DATE),
        Cell::Empty => Err("is empty"),
        Cell::Text(s) => parse_date_text(s),
    }
}

pub const NOT_A_DATE: &str = "not a date: write it as dd/mm/yyyy";
const TWO_DIGIT_YEAR: &str = "a two-digit year is ambiguous: write the year in full (dd/mm/yyyy)";

/// `2015-03-01` or `2015-03-01T00:00:00` (calamine's ISO cells).
pub fn iso_date(s: &str) -> Option<Date> {
    let day = s.get(..10)?;
    Date::parse(day, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

/// dd/mm/yyyy, d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, yyyy-mm-dd and "ngày 5 tháng 3 năm 2015".
pub fn parse_date_text(s: &str) -> Result<Date, &'static str> {
    let s = s.trim();
    if let Some(d) = iso_date(s).filter(|_| s.len() == 10 || s.as_bytes().get(10) == Some(&b'T')) {
        return Ok(d);
    }
    let folded = search_key(s);
    let words: Vec<&str> = folded.split(|c: char| !c.is_ascii_digit()).filter(|w| !w.is_empty()).collect();
    let spelled = folded.contains("thang") && folded.contains("nam");
    let separated = s.chars().all(|c| c.is_ascii_digit() || matches!(c, '/' | '-' | '.' | ' '));
    if words.len() != 3 || !(spelled || separated) {
        return Err(NOT_A_DATE);
    }
    if words[0].len() == 4 {
        return Err(NOT_A_DATE);
    }
    if words[2].len() != 4 {
        return Err(if words[2].len() <= 2 { TWO_DIGIT_YEAR } else { NOT_A_DATE });
    }
    let (day, month, year): (u8, u8, i32) = match (words[0].parse(), words[1].parse(), words[2].parse()) {
        (Ok(d), Ok(m), Ok(y)) => (d, m, y),
        _ => return Err(NOT_A_DATE),
    };
    let month = Month::try_from(month).map_err(|_| "the month is not 1–12")?;
    Date::from_calendar_date(year, month, day).map_err(|_| "the day does not exist in that month")
}

/// A date of birth: a full date, or only its year (kept as an estimate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Birth {
    Date(Date),
    Year(i32),
}

impl Birth {
    /// As the register's own check reads it: `YYYY-MM-DD` or `YYYY`.
    pub fn as_input(self) -> String {
        match self {
            Self::Date(d) => d.to_string(),
            Self::Year(y) => y.to_string(),
        }
    }
}

pub fn parse_birth(cell: &Cell) -> Result<Birth, &'static str> {
    let year_text = |s: &str| s.len() == 4 && s.bytes().all(|b| b.is_ascii_digit());
    match cell {
        Cell::Number(n) if n.fract() == 0.0 && (1900.0..=2100.0).contains(n) => Ok(Birth::Year(*n as i32)),
        Cell::Text(s) if year_text(s.trim()) => s.trim().parse().map(Birth::Year).map_err(|_| NOT_A_DATE),
        other => parse_date(other).map(Birth::Date),
    }
}

pub fn parse_sex(s: &str) -> Option<Sex> {
    match search_key(s).as_str() {
        "nam" | "male" | "m" | "trai" | "be trai" => Some(Sex::Male),
        "nu" | "female" | "f" | "gai" | "be gai" => Some(Sex::Female),
        _ => None,
    }
}

/// "a", "đ; k", "a, d" (d is the group d, đ or dd the group đ), "nhóm a": the group codes.
pub fn parse_groups(s: &str) -> Result<Vec<&'static str>, String> {
    let lower = nfc(s).to_lowercase().replace("nhóm", " ");
    let mut out = Vec::new();
    for part in lower.split(|c: char| matches!(c, ',' | ';' | '/' | '+' | '\n') || c.is_whitespace()) {
        let part = part.trim().trim_end_matches(['.', ')']).trim_start_matches('(');
        if part.is_empty() {
            continue;
        }
        match treem_domain::register::parse_group(part) {
            Some(g) if !out.contains(&g) => out.push(g),
            Some(_) => {}
            None => return Err(format!("`{part}` is not a group of Art. 10 (a, b, c, d, đ, e, g, h, i, k, l, m, n, o)")),
        }
    }
    Ok(out)
}

/// The household's poverty words: `poor`, `near_poor` or `neither`.
pub fn parse_poverty(s: &str) -> Option<&'static str> {
    match search_key(s).as_str() {
        "ngheo" | "ho ngheo" | "poor" | "n" => Some("poor"),
        "can ngheo" | "ho can ngheo" | "near poor" | "near_poor" | "cn" => Some("near_poor"),
        "khong" | "k" | "khong ngheo" | "binh thuong" | "neither" | "none" | "-" => Some("neither"),
        _ => None,
    }
}

/// A caregiver's relation to the child, as a register writes it. Read with its
/// diacritics: "ba" is a father in the South, "bà" a grandmother.
pub fn parse_relation(s: &str) -> Option<&'static str> {
    let l = nfc(s.trim()).to_lowercase();
    let l = l.split_whitespace().collect::<Vec<_>>().join(" ");
    let r = match l.as_str() {
        "mẹ" | "má" | "mẹ đẻ" | "mẹ ruột" | "mother" => "mother",
        "cha" | "bố" | "ba" | "tía" | "cha đẻ" | "cha ruột" | "father" => "father",
        "ông" | "bà" | "ông bà" | "ông nội" | "bà nội" | "ông ngoại" | "bà ngoại" | "grandparent" => "grandparent",
        "anh" | "chị" | "em" | "anh trai" | "chị gái" | "anh ruột" | "chị ruột" | "sibling" => "sibling",
        "cô" | "dì" | "chú" | "bác" | "cậu" | "thím" | "mợ" | "họ hàng" | "người thân" | "relative" => "relative",
        "cha nuôi" | "mẹ nuôi" | "bố nuôi" | "cha mẹ nuôi" | "foster_parent" | "foster parent" => "foster_parent",
        "người giám hộ" | "giám hộ" | "guardian" => "guardian",
        "cơ sở" | "cơ sở trợ giúp xã hội" | "cơ sở bảo trợ" | "facility" => "facility",
        "khác" | "other" => "other",
        _ => return None,
    };
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    #[test]
    fn vietnamese_dates() {
        for s in
            ["01/03/2015", "1/3/2015", "01-03-2015", "01.03.2015", "2015-03-01", "ngày 1 tháng 3 năm 2015", "Ngày 01 tháng 03 năm 2015"]
        {
            assert_eq!(parse_date(&t(s)), Ok(date!(2015 - 03 - 01)), "{s}");
        }
        assert_eq!(parse_date(&t("01/03/15")), Err(TWO_DIGIT_YEAR));
        assert_eq!(parse_date(&t("31/02/2015")), Err("the day does not exist in that month"));
        assert_eq!(parse_date(&t("01/13/2015")), Err("the month is not 1–12"));
        assert_eq!(parse_date(&t("2015/03/01")), Err(NOT_A_DATE));
        assert_eq!(parse_date(&t("March 1")), Err(NOT_A_DATE));
        assert_eq!(parse_date(&Cell::Number(42064.0)), Ok(date!(2015 - 03 - 01)));
        assert_eq!(parse_date(&Cell::Date(date!(2015 - 03 - 01))), Ok(date!(2015 - 03 - 01)));
    }

    #[test]
    fn births_may_be_a_year() {
        assert_eq!(parse_birth(&t("2014")), Ok(Birth::Year(2014)));
        assert_eq!(parse_birth(&Cell::Number(2014.0)), Ok(Birth::Year(2014)));
        assert_eq!(parse_birth(&Cell::Number(42064.0)), Ok(Birth::Date(date!(2015 - 03 - 01))));
        assert_eq!(Birth::Year(2014).as_input(), "2014");
        assert_eq!(Birth::Date(date!(2015 - 03 - 01)).as_input(), "2015-03-01");
    }

    #[test]
    fn words() {
        assert_eq!(parse_sex("NỮ"), Some(Sex::Female));
        assert_eq!(parse_sex("nam"), Some(Sex::Male));
        assert_eq!(parse_sex("x"), None);
        assert_eq!(parse_groups("a; Đ, k"), Ok(vec!["a", "dd", "k"]));
        assert_eq!(parse_groups("Nhóm a"), Ok(vec!["a"]));
        assert!(parse_groups("a, z").unwrap_err().contains("`z`"));
        assert_eq!(parse_poverty("Hộ cận nghèo"), Some("near_poor"));
        assert_eq!(parse_poverty("Nghèo"), Some("poor"));
        assert_eq!(parse_poverty("?"), None);
        assert_eq!(parse_relation("Ba"), Some("father"));
        assert_eq!(parse_relation("bà ngoại"), Some("grandparent"));
        assert_eq!(parse_relation("Mẹ"), Some("mother"));
        assert_eq!(parse_relation("hàng xóm"), None);
    }
}

//! Query-string parameters shared by the pages (`ui`) and the JSON API (`api`): how a
//! value is read from a query string, and how the drill-down, breakdown and "within a
//! unit" parameters are read as typed, with the same defaults and refusals in both.

use treem_app::AppError;
use treem_domain::units::UnitLevel;

/// The first value of `name` in a query string, percent-decoded.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| percent_decode(v))
}

fn percent_decode(s: &str) -> String {
    String::from_utf8_lossy(&percent_decode_bytes(s.as_bytes())).into_owned()
}

/// Form decoding to bytes: `+` is a space, `%XX` a byte, a `%` without two hex digits itself.
pub fn percent_decode_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let hex = |j: usize| bytes.get(j).and_then(|c| (*c as char).to_digit(16));
        match b {
            b'+' => out.push(b' '),
            b'%' => match (hex(i + 1), hex(i + 2)) {
                (Some(h), Some(l)) => {
                    out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            _ => out.push(b),
        }
        i += 1;
    }
    out
}

/// The unit and map date of a drill-down, as typed: `unit` an id, `on` a date (default the year's last day).
pub fn behind_unit(
    unit: Option<&str>,
    on: Option<&str>,
    to: Option<time::Date>,
) -> Result<Option<(treem_domain::units::UnitId, time::Date)>, AppError> {
    let Some(unit) = unit.map(str::trim).filter(|u| !u.is_empty()) else { return Ok(None) };
    let id = unit.parse::<i64>().map_err(|_| AppError::invalid("unit", "a unit id"))?;
    let on = match on.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => treem_app::units::parse_user_date("on", d)?,
        None => to.ok_or_else(|| AppError::invalid("year", "a unit's records need the year"))?,
    };
    Ok(Some((treem_domain::units::UnitId(id), on)))
}

/// Reads `unit` (an id) and `on` (the day whose map it is read on; default today) as
/// typed: none when no unit is given.
pub fn within_param(unit: Option<&str>, on: Option<&str>, today: time::Date) -> Result<Option<treem_app::plans::Within>, AppError> {
    let Some(unit) = unit.map(str::trim).filter(|u| !u.is_empty()) else { return Ok(None) };
    let unit = unit.parse::<i64>().map_err(|_| AppError::invalid("unit", "a unit's number (id)"))?;
    let on = match on.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => treem_domain::unit_import::parse_date(d).ok_or_else(|| AppError::invalid("on", "a date as YYYY-MM-DD"))?,
        None => today,
    };
    Ok(Some(treem_app::plans::Within { unit: treem_domain::units::UnitId(unit), on }))
}

/// Reads year, map date and level as typed, with defaults: this year, its last day (or
/// today), communes.
pub fn breakdown_params(
    year: Option<&str>,
    on: Option<&str>,
    level: Option<&str>,
    today: time::Date,
) -> Result<(i32, time::Date, UnitLevel), AppError> {
    let year = match year.map(str::trim).filter(|y| !y.is_empty()) {
        Some(y) => {
            y.parse::<i32>().ok().filter(|y| (1945..=2100).contains(y)).ok_or_else(|| AppError::invalid("year", "a year such as 2014"))?
        }
        None => today.year(),
    };
    let on = match on.map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => treem_app::units::parse_user_date("on", d)?,
        None => time::Date::from_calendar_date(year, time::Month::December, 31)
            .map_err(|_| AppError::invalid("year", "out of range"))?
            .min(today),
    };
    let level = match level.map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => UnitLevel::parse(l)
            .filter(|l| matches!(l, UnitLevel::Province | UnitLevel::District | UnitLevel::Commune))
            .ok_or_else(|| AppError::invalid("level", "province, district or commune"))?,
        None => UnitLevel::Commune,
    };
    Ok((year, on, level))
}

/// The largest file an import takes, by the page or the API (a province's register as CSV
/// is about 60 MB; a commune's well under 1 MB).
pub const MAX_UPLOAD_BYTES: usize = 100 << 20;

/// The `format` of a list's download: `csv` (the default) or `xlsx`.
pub fn file_format(q: &str) -> Result<crate::export::FileFormat, treem_app::AppError> {
    match query_param(q, "format").as_deref().map(str::trim) {
        None | Some("" | "csv") => Ok(crate::export::FileFormat::Csv),
        Some("xlsx") => Ok(crate::export::FileFormat::Xlsx),
        Some(_) => Err(treem_app::AppError::invalid("format", "csv or xlsx")),
    }
}

//! Vietnamese public holidays and working days, for deadlines counted in working days.
//!
//! The week is the public sector's: Monday to Friday are working days, Saturday and Sunday
//! are not. On top of that a table lists the days off that the law and the Government's
//! yearly arrangement add (holidays, days off in lieu, swapped days) and the Saturdays or
//! Sundays the Government declares working days in exchange. The table is data, not code
//! (`data/holidays/vn-public-holidays.csv`, sources in its README): a new yearly decision is
//! an edit of the file, checked by [`HolidayCalendar::parse`].
//!
//! Dates after the last year of the table are plain Monday-to-Friday weeks, so a calendar
//! that is not kept up to date gives deadlines that are too early, never too late to notice.

use std::collections::BTreeMap;
use std::ops::Bound;

use serde::Serialize;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset, Weekday};

use crate::csv::parse_csv;
use crate::import_error::{ImportError, ImportErrors};
use crate::text::clean_line;
use crate::unit_import::parse_date;

/// Vietnam's time (Asia/Ho_Chi_Minh): UTC+7 all year, there is no daylight saving time.
pub const VIETNAM_OFFSET: UtcOffset = match UtcOffset::from_hms(7, 0, 0) {
    Ok(offset) => offset,
    Err(_) => UtcOffset::UTC,
};

/// The local time at which a working day ends for deadlines.
pub const END_OF_WORKING_DAY: Time = match Time::from_hms(17, 0, 0) {
    Ok(t) => t,
    Err(_) => Time::MIDNIGHT,
};

/// The columns of a holiday file, all required, in any order.
pub const HOLIDAY_COLUMNS: &[&str] = &["date", "name_vi", "name_en", "kind"];

/// Name under which the bundled table reports errors.
pub const BUNDLED_FILE_NAME: &str = "vn-public-holidays.csv";

/// Longest accepted name, in characters.
const MAX_NAME_CHARS: usize = 200;

/// What a row of the table says about its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A statutory day off (New Year, Tết, Hùng Kings, 30/4, 1/5, 2/9 and the day next to it).
    /// Listed even when it falls on a weekend, so that the year's holidays can be shown;
    /// the day in lieu is then a separate `compensatory` row.
    Holiday,
    /// A day off in lieu of a holiday that fell on a weekend, or a working day swapped for a
    /// make-up Saturday. Always Monday to Friday.
    Compensatory,
    /// A Saturday or Sunday declared a working day (in exchange for a swapped day off).
    MakeupWorkday,
}

impl DayKind {
    /// Parses the `kind` column.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "holiday" => Some(Self::Holiday),
            "compensatory" => Some(Self::Compensatory),
            "makeup_workday" => Some(Self::MakeupWorkday),
            _ => None,
        }
    }

    /// The value of the `kind` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Holiday => "holiday",
            Self::Compensatory => "compensatory",
            Self::MakeupWorkday => "makeup_workday",
        }
    }

    /// Whether the day is a day off.
    pub fn is_day_off(self) -> bool {
        !matches!(self, Self::MakeupWorkday)
    }
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarDay {
    pub date: Date,
    pub name_vi: String,
    pub name_en: String,
    pub kind: DayKind,
}

/// Days off that are not weekends, and make-up working days; everything else is a
/// Monday-to-Friday week. Build it once ([`HolidayCalendar::bundled`] or
/// [`HolidayCalendar::parse`]) and keep it: it is immutable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    days: BTreeMap<Date, CalendarDay>,
}

impl HolidayCalendar {
    /// Parses a holiday file (`date,name_vi,name_en,kind`, a header line first). Every bad
    /// row is an [`ImportError`] naming file, line and field; a date listed twice, a
    /// `compensatory` day on a weekend and a `makeup_workday` on a weekday are errors too.
    /// All errors are reported together; nothing is accepted from a file with an error.
    pub fn parse(file: &str, bytes: &[u8]) -> Result<HolidayCalendar, ImportErrors> {
        let records = parse_csv(file, bytes).map_err(|e| ImportErrors(vec![e]))?;
        let Some((header, rows)) = records.split_first() else {
            return Err(ImportErrors(vec![ImportError::new(file, 0, None, "the file is empty")]));
        };
        let names: Vec<String> = header.fields.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
        let mut errors = Vec::new();
        for (i, n) in names.iter().enumerate() {
            if !HOLIDAY_COLUMNS.contains(&n.as_str()) {
                let msg = format!("unknown column; expected: {}", HOLIDAY_COLUMNS.join(", "));
                errors.push(ImportError::new(file, header.line, Some(n), msg));
            } else if names.get(..i).is_some_and(|before| before.contains(n)) {
                errors.push(ImportError::new(file, header.line, Some(n), "column appears twice"));
            }
        }
        for c in HOLIDAY_COLUMNS {
            if !names.iter().any(|n| n == c) {
                errors.push(ImportError::new(file, header.line, Some(c), "required column is missing"));
            }
        }
        if !errors.is_empty() {
            return Err(ImportErrors(errors));
        }
        let col = |name: &str| names.iter().position(|n| n == name).unwrap_or_default();
        let (c_date, c_vi, c_en, c_kind) = (col("date"), col("name_vi"), col("name_en"), col("kind"));
        let mut days: BTreeMap<Date, CalendarDay> = BTreeMap::new();
        let mut first_line: BTreeMap<Date, usize> = BTreeMap::new();
        for rec in rows {
            if rec.fields.len() != names.len() {
                let msg = format!("{} fields, but the header has {}", rec.fields.len(), names.len());
                errors.push(ImportError::new(file, rec.line, None, msg));
                continue;
            }
            let field = |i: usize| rec.fields.get(i).map(|s| s.trim()).unwrap_or_default();
            let err = |col: &str, msg: String| ImportError::new(file, rec.line, Some(col), msg);
            let before = errors.len();
            let date = match field(c_date) {
                "" => {
                    errors.push(err("date", "is empty".into()));
                    None
                }
                s => parse_date(s).or_else(|| {
                    errors.push(err("date", format!("`{}` is not a date (YYYY-MM-DD)", shorten(s))));
                    None
                }),
            };
            let mut name = |col: &str, i: usize| match field(i) {
                "" => {
                    errors.push(err(col, "is empty".into()));
                    None
                }
                s => clean_line(s, MAX_NAME_CHARS).map_err(|e| errors.push(err(col, e.to_string()))).ok(),
            };
            let name_vi = name("name_vi", c_vi);
            let name_en = name("name_en", c_en);
            let kind = match field(c_kind) {
                "" => {
                    errors.push(err("kind", "is empty".into()));
                    None
                }
                s => DayKind::parse(s).or_else(|| {
                    errors.push(err("kind", format!("`{}` is not one of holiday, compensatory, makeup_workday", shorten(s))));
                    None
                }),
            };
            if let (Some(date), Some(kind)) = (date, kind) {
                let weekend = is_weekend(date);
                if kind == DayKind::Compensatory && weekend {
                    let msg = format!("{date} is a {}; a compensatory day off must be a Monday to Friday", date.weekday());
                    errors.push(err("date", msg));
                }
                if kind == DayKind::MakeupWorkday && !weekend {
                    let msg = format!("{date} is a {}; a make-up working day must be a Saturday or a Sunday", date.weekday());
                    errors.push(err("date", msg));
                }
                if let Some(line) = first_line.get(&date) {
                    errors.push(err("date", format!("{date} is already listed on line {line}")));
                } else {
                    first_line.insert(date, rec.line);
                }
            }
            if errors.len() == before {
                if let (Some(date), Some(name_vi), Some(name_en), Some(kind)) = (date, name_vi, name_en, kind) {
                    days.insert(date, CalendarDay { date, name_vi, name_en, kind });
                }
            }
        }
        if errors.is_empty() {
            Ok(HolidayCalendar { days })
        } else {
            Err(ImportErrors(errors))
        }
    }

    /// The table compiled into the binary ([`crate::bundled::HOLIDAYS_CSV`]). An empty
    /// calendar (plain Monday-to-Friday weeks) only if that file were broken, which a test
    /// rules out.
    pub fn bundled() -> HolidayCalendar {
        Self::parse(BUNDLED_FILE_NAME, crate::bundled::HOLIDAYS_CSV).unwrap_or_default()
    }

    /// Monday to Friday and not a day off, or a make-up working day.
    pub fn is_working_day(&self, d: Date) -> bool {
        match self.days.get(&d) {
            Some(day) => !day.kind.is_day_off(),
            None => !is_weekend(d),
        }
    }

    /// The date `n` working days after `start`: `start` itself does not count, so `n = 0`
    /// gives `start` (working day or not) and `n >= 1` always gives a working day.
    /// Saturdays, Sundays and days off are skipped. Saturates at the last representable date.
    pub fn add_working_days(&self, start: Date, n: u32) -> Date {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            match d.next_day() {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The deadline of a step that has `n` working days from `from`: 17:00 Vietnam time
    /// (UTC+7) on the `n`-th working day after `from`'s date in Vietnam, returned in UTC
    /// (17:00+07 is 10:00Z). The day `from` falls on does not count, whatever the hour;
    /// `n = 0` gives 17:00 of that same day (possibly already past). Instants at the very
    /// ends of the representable range are returned unchanged.
    pub fn working_days_deadline(&self, from: OffsetDateTime, n: u32) -> OffsetDateTime {
        let Some(local) = from.checked_to_offset(VIETNAM_OFFSET) else {
            return from;
        };
        let day = self.add_working_days(local.date(), n);
        PrimitiveDateTime::new(day, END_OF_WORKING_DAY).assume_offset(VIETNAM_OFFSET).checked_to_offset(UtcOffset::UTC).unwrap_or(from)
    }

    /// The working days strictly between `a` and `b` (neither end counts): how many full
    /// working days separate a deadline from the day the step was done. Negative when `b` is
    /// before `a` (`between(b, a) == -between(a, b)`); 0 for equal or consecutive dates.
    pub fn working_days_between(&self, a: Date, b: Date) -> i64 {
        if b < a {
            return -self.working_days_between(b, a);
        }
        let (ja, jb) = (i64::from(a.to_julian_day()), i64::from(b.to_julian_day()));
        if jb - ja < 2 {
            return 0;
        }
        let mut count = weekdays_before(jb) - weekdays_before(ja + 1);
        for day in self.days.range((Bound::Excluded(a), Bound::Excluded(b))).map(|(_, day)| day) {
            match (day.kind.is_day_off(), is_weekend(day.date)) {
                (true, false) => count -= 1,
                (false, true) => count += 1,
                _ => {}
            }
        }
        count
    }

    /// The days off of `year` (holidays, also those on a weekend, and days off in lieu or
    /// swapped), in date order, with their Vietnamese names. Make-up working days are not
    /// listed; [`HolidayCalendar::days_in`] has every row.
    pub fn holidays_in(&self, year: i32) -> Vec<(Date, String)> {
        self.days_in(year).filter(|d| d.kind.is_day_off()).map(|d| (d.date, d.name_vi.clone())).collect()
    }

    /// Every row of `year`, in date order.
    pub fn days_in(&self, year: i32) -> impl Iterator<Item = &CalendarDay> {
        let range = match (Date::from_calendar_date(year, Month::January, 1), Date::from_calendar_date(year, Month::December, 31)) {
            (Ok(first), Ok(last)) => Some(first..=last),
            _ => None,
        };
        range.into_iter().flat_map(move |r| self.days.range(r)).map(|(_, day)| day)
    }

    /// Every row, in date order.
    pub fn days(&self) -> impl Iterator<Item = &CalendarDay> {
        self.days.values()
    }

    /// The last year the table has a row for: after it, every Monday to Friday counts as a
    /// working day, and a caller may want to warn that the table needs the new year's decision.
    pub fn last_year(&self) -> Option<i32> {
        self.days.keys().next_back().map(|d| d.year())
    }
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// Mondays to Fridays from Julian day 0 (a Monday) up to, not including, Julian day `jd`;
/// negative before day 0. The difference of two values counts the weekdays in between.
fn weekdays_before(jd: i64) -> i64 {
    jd.div_euclid(7) * 5 + jd.rem_euclid(7).min(5)
}

fn shorten(s: &str) -> String {
    s.chars().take(30).collect()
}

/// Today's date in Vietnam (UTC+7): the day users live in, for "not in the future"
/// checks and form defaults (from 17:00 UTC Vietnam is already on the next day).
/// Only for the command line and tests: the server's parts take a [`crate::clock::Clock`].
pub fn today_in_vietnam() -> time::Date {
    use crate::clock::Clock;
    crate::clock::SystemClock.today_in_vietnam()
}

/// The day a moment falls on in Vietnam (UTC+7).
pub fn date_in_vietnam(at: time::OffsetDateTime) -> time::Date {
    at.checked_to_offset(VIETNAM_OFFSET).map_or(at.date(), |t| t.date())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn cal() -> HolidayCalendar {
        HolidayCalendar::bundled()
    }

    fn parse_err(text: &str) -> Vec<ImportError> {
        HolidayCalendar::parse("h.csv", text.as_bytes()).unwrap_err().0
    }

    #[test]
    fn constants() {
        assert_eq!(VIETNAM_OFFSET.whole_hours(), 7);
        assert_eq!(VIETNAM_OFFSET.minutes_past_hour(), 0);
        assert_eq!(END_OF_WORKING_DAY, time::macros::time!(17:00));
        // Julian day 0 is a Monday: the base of `weekdays_before`.
        assert_eq!(Date::from_julian_day(0).unwrap().weekday(), Weekday::Monday);
    }

    #[test]
    fn parses_a_small_file_in_any_column_order() {
        let text = "kind,date,name_en,name_vi\r\n\
                    holiday,2025-04-30,Reunification Day,Ngày Chiến thắng\r\n\
                    compensatory,2025-05-02,Swapped day off,Nghỉ hoán đổi\r\n\
                    \r\n\
                    makeup_workday,2025-04-26,Working Saturday,Làm bù\r\n";
        let c = HolidayCalendar::parse("h.csv", text.as_bytes()).unwrap();
        assert_eq!(c.days().count(), 3);
        assert!(!c.is_working_day(date!(2025 - 04 - 30)));
        assert!(!c.is_working_day(date!(2025 - 05 - 02)));
        assert!(c.is_working_day(date!(2025 - 04 - 26)));
        assert!(c.is_working_day(date!(2025 - 04 - 29)));
        assert!(!c.is_working_day(date!(2025 - 04 - 27)));
        assert_eq!(
            c.holidays_in(2025),
            vec![(date!(2025 - 04 - 30), "Ngày Chiến thắng".to_owned()), (date!(2025 - 05 - 02), "Nghỉ hoán đổi".to_owned())]
        );
        assert_eq!(c.last_year(), Some(2025));
        assert!(c.holidays_in(2024).is_empty());
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let e = parse_err(
            "date,name_vi,name_en,kind\n\
             2025-13-01,Tết,New Year,holiday\n\
             2025-01-01,,New Year,holiday\n\
             2025-01-02,Nghỉ,Day off,weekend\n\
             2025-01-04,Nghỉ bù,In lieu,compensatory\n\
             2025-01-06,Làm bù,Working,makeup_workday\n\
             2025-01-07,Lễ,Holiday,holiday\n\
             2025-01-07,Lễ lại,Again,holiday\n\
             2025-01-08,Thiếu cột\n\
             2025-01-09,Lễ\u{200B},Holiday,holiday\n",
        );
        let got: Vec<(usize, Option<&str>)> = e.iter().map(|e| (e.line, e.field.as_deref())).collect();
        assert_eq!(
            got,
            vec![
                (2, Some("date")),
                (3, Some("name_vi")),
                (4, Some("kind")),
                (5, Some("date")),
                (6, Some("date")),
                (8, Some("date")),
                (9, None),
                (10, Some("name_vi")),
            ]
        );
        assert!(e.iter().all(|e| e.file == "h.csv"));
        assert!(e[0].message.contains("2025-13-01"));
        assert!(e[3].message.contains("Saturday"), "{}", e[3].message);
        assert!(e[4].message.contains("Monday"), "{}", e[4].message);
        assert!(e[5].message.contains("line 7"), "{}", e[5].message);
    }

    #[test]
    fn several_errors_on_one_row_are_all_reported() {
        let e = parse_err("date,name_vi,name_en,kind\nsoon,,,sometimes\n");
        let fields: Vec<_> = e.iter().map(|e| (e.line, e.field.clone().unwrap_or_default())).collect();
        assert_eq!(fields, vec![(2, "date".into()), (2, "name_vi".into()), (2, "name_en".into()), (2, "kind".into())]);
    }

    #[test]
    fn header_errors() {
        assert_eq!(parse_err("")[0].line, 0);
        let e = parse_err("date,name_vi,kind,colour,date\n");
        let got: Vec<_> = e.iter().map(|e| (e.line, e.field.clone().unwrap_or_default())).collect();
        assert_eq!(got, vec![(1, "colour".into()), (1, "date".into()), (1, "name_en".into())]);
        assert!(e[1].message.contains("twice"));
        assert!(e[2].message.contains("missing"));
        // A broken CSV (bad UTF-8) is one error naming the line.
        let e = HolidayCalendar::parse("h.csv", b"date,name_vi,name_en,kind\n2025-01-01,T\xe1,x,holiday\n").unwrap_err().0;
        assert_eq!((e.len(), e[0].line), (1, 2));
    }

    #[test]
    fn bundled_file_parses_and_covers_2012_to_2030() {
        let c = HolidayCalendar::parse(BUNDLED_FILE_NAME, crate::bundled::HOLIDAYS_CSV).unwrap();
        assert_eq!(c, cal());
        assert_eq!(c.last_year(), Some(2030));
        for year in 2012..=2030 {
            let days = c.holidays_in(year);
            let has = |month: Month, day: u8, name: &str| {
                let d = Date::from_calendar_date(year, month, day).unwrap();
                days.iter().any(|(x, n)| *x == d && n.starts_with(name))
            };
            assert!(has(Month::January, 1, "Tết Dương lịch"), "{year}: New Year");
            assert!(has(Month::April, 30, "Ngày Chiến thắng"), "{year}: 30/4");
            assert!(has(Month::May, 1, "Ngày Quốc tế Lao động"), "{year}: 1/5");
            assert!(has(Month::September, 2, "Quốc khánh"), "{year}: 2/9");
            let hung = days.iter().filter(|(_, n)| n.starts_with("Giỗ Tổ Hùng Vương")).count();
            assert_eq!(hung, 1, "{year}: Hùng Kings");
            let tet: Vec<Date> =
                c.days_in(year).filter(|d| d.kind == DayKind::Holiday && d.name_vi.starts_with("Tết Nguyên đán")).map(|d| d.date).collect();
            // Tết: 4 days under the 1994 Labour Code (until Tết 2013), 5 from Tết 2014, consecutive.
            assert_eq!(tet.len(), if year <= 2013 { 4 } else { 5 }, "{year}: Tết");
            assert!(tet.windows(2).all(|w| w[0].next_day() == Some(w[1])), "{year}: Tết consecutive");
            // National Day is two days from 2021 (Labour Code 2019).
            let national = days.iter().filter(|(_, n)| n.starts_with("Quốc khánh")).count();
            assert_eq!(national, if year >= 2021 { 2 } else { 1 }, "{year}: National Day");
        }
        // The first day of the lunar year, 2012..=2030 (Vietnamese calendar, UTC+7).
        let lunar_new_year = [
            date!(2012 - 01 - 23),
            date!(2013 - 02 - 10),
            date!(2014 - 01 - 31),
            date!(2015 - 02 - 19),
            date!(2016 - 02 - 08),
            date!(2017 - 01 - 28),
            date!(2018 - 02 - 16),
            date!(2019 - 02 - 05),
            date!(2020 - 01 - 25),
            date!(2021 - 02 - 12),
            date!(2022 - 02 - 01),
            date!(2023 - 01 - 22),
            date!(2024 - 02 - 10),
            date!(2025 - 01 - 29),
            date!(2026 - 02 - 17),
            date!(2027 - 02 - 06),
            date!(2028 - 01 - 26),
            date!(2029 - 02 - 13),
            date!(2030 - 02 - 02),
        ];
        for d in lunar_new_year {
            assert!(c.holidays_in(d.year()).iter().any(|(x, n)| *x == d && n.contains("mùng 1")), "{d}");
        }
        // Each weekend holiday has its day in lieu, so no year loses a day off: the number of
        // weekdays off is the statutory count plus the swapped days.
        for year in 2012..=2030 {
            let weekday_off = c.days_in(year).filter(|d| d.kind.is_day_off() && !is_weekend(d.date)).count();
            let swapped = c.days_in(year).filter(|d| d.name_vi.starts_with("Nghỉ hoán đổi")).count();
            let statutory = match year {
                ..=2013 => 9,
                2014..=2020 => 10,
                _ => 11,
            };
            assert_eq!(weekday_off, statutory + swapped, "{year}");
        }
    }

    #[test]
    fn known_examples() {
        let c = cal();
        // Friday 25/4/2025: Saturday 26/4 is a make-up working day (swap for Friday 2/5),
        // 30/4, 1/5, 2/5 and the weekend are off.
        assert!(c.is_working_day(date!(2025 - 04 - 26)));
        assert_eq!(c.add_working_days(date!(2025 - 04 - 25), 1), date!(2025 - 04 - 26));
        assert_eq!(c.add_working_days(date!(2025 - 04 - 25), 5), date!(2025 - 05 - 06));
        // Without the make-up Saturday (a calendar with only the days off): the weekend and
        // 30/4-1/5 skipped, as the statutory table would give.
        let plain =
            HolidayCalendar::parse("h.csv", "date,name_vi,name_en,kind\n2025-04-30,A,A,holiday\n2025-05-01,B,B,holiday\n".as_bytes())
                .unwrap();
        assert_eq!(plain.add_working_days(date!(2025 - 04 - 25), 5), date!(2025 - 05 - 06));
        assert_eq!(plain.add_working_days(date!(2025 - 04 - 25), 3), date!(2025 - 05 - 02));
        // Tết 2026: off from Saturday 14/2 to Sunday 22/2.
        assert_eq!(c.add_working_days(date!(2026 - 02 - 13), 1), date!(2026 - 02 - 23));
        assert_eq!(c.add_working_days(date!(2026 - 02 - 12), 3), date!(2026 - 02 - 24));
        for d in 14..=22 {
            assert!(!c.is_working_day(Date::from_calendar_date(2026, Month::February, d).unwrap()), "{d}/2/2026");
        }
        // New Year 2026: Friday 2/1 swapped for Saturday 10/1.
        assert!(!c.is_working_day(date!(2026 - 01 - 02)));
        assert!(c.is_working_day(date!(2026 - 01 - 10)));
        assert_eq!(c.add_working_days(date!(2026 - 01 - 09), 1), date!(2026 - 01 - 10));
        assert_eq!(c.add_working_days(date!(2025 - 12 - 31), 1), date!(2026 - 01 - 05));
        // A compensatory day: Hùng Kings 2026 is a Sunday, Monday 27/4 is off.
        assert!(!c.is_working_day(date!(2026 - 04 - 27)));
        assert_eq!(c.add_working_days(date!(2026 - 04 - 24), 1), date!(2026 - 04 - 28));
        // Tết 2024: Thursday 8/2 to Wednesday 14/2 off.
        assert_eq!(c.add_working_days(date!(2024 - 02 - 07), 1), date!(2024 - 02 - 15));
        // n = 0 gives the start, even on a day off.
        assert_eq!(c.add_working_days(date!(2026 - 02 - 17), 0), date!(2026 - 02 - 17));
        // An ordinary week.
        assert_eq!(c.add_working_days(date!(2025 - 03 - 06), 2), date!(2025 - 03 - 10));
    }

    #[test]
    fn add_working_days_is_monotonic_and_lands_on_working_days() {
        let c = cal();
        let mut start = date!(2011 - 12 - 01);
        let mut previous: Vec<Date> = Vec::new();
        while start <= date!(2030 - 12 - 31) {
            let got: Vec<Date> = (0..15).map(|n| c.add_working_days(start, n)).collect();
            assert_eq!(got[0], start);
            for n in 1..got.len() {
                assert!(got[n] > got[n - 1], "{start} + {n}");
                assert!(c.is_working_day(got[n]), "{start} + {n} = {}", got[n]);
                // Exactly n working days in (start, result].
                assert_eq!(c.working_days_between(start, got[n]), n as i64 - 1, "{start} + {n}");
                // No working day is skipped.
                let mut d = got[n - 1].next_day().unwrap();
                while d < got[n] {
                    assert!(!c.is_working_day(d), "{start} + {n} skipped {d}");
                    d = d.next_day().unwrap();
                }
            }
            // Monotonic in the start date too.
            for (n, (new, old)) in got.iter().zip(&previous).enumerate() {
                assert!(new >= old, "{start} + {n}");
            }
            previous = got;
            start = start.next_day().unwrap();
        }
    }

    #[test]
    fn working_days_between_matches_counting() {
        let c = cal();
        let brute = |a: Date, b: Date| {
            let mut n = 0;
            let mut d = a.next_day().unwrap();
            while d < b {
                n += i64::from(c.is_working_day(d));
                d = d.next_day().unwrap();
            }
            n
        };
        let mut a = date!(2011 - 12 - 25);
        while a < date!(2031 - 01 - 10) {
            for len in [0i64, 1, 2, 3, 6, 7, 8, 13, 40, 200, 400] {
                let b = a + time::Duration::days(len);
                assert_eq!(c.working_days_between(a, b), brute(a, b), "{a}..{b}");
                assert_eq!(c.working_days_between(b, a), -brute(a, b), "{b}..{a}");
            }
            a += time::Duration::days(3);
        }
        // Tết 2026 week: between Friday 13/2 and Monday 23/2 there is no working day.
        assert_eq!(c.working_days_between(date!(2026 - 02 - 13), date!(2026 - 02 - 23)), 0);
        // Far dates do not overflow.
        assert!(c.working_days_between(Date::MIN, Date::MAX) > 0);
    }

    #[test]
    fn deadline_is_17h_vietnam_time_in_utc() {
        let c = cal();
        // Friday 25/4/2025 09:00 in Hà Nội, 5 working days: Tuesday 6/5/2025 17:00+07 = 10:00Z.
        let from = datetime!(2025-04-25 09:00 +7);
        let due = c.working_days_deadline(from, 5);
        assert_eq!(due, datetime!(2025-05-06 10:00 UTC));
        assert_eq!(due.offset(), UtcOffset::UTC);
        // The date is Vietnam's: 20:00Z on Thursday 12/2/2026 is already Friday 13/2 in Vietnam,
        // so one working day later is Monday 23/2 (after Tết).
        assert_eq!(c.working_days_deadline(datetime!(2026-02-12 20:00 UTC), 1), datetime!(2026-02-23 10:00 UTC));
        // 16:00Z on Thursday 12/2/2026 is 23:00 the same Thursday in Vietnam: the next working
        // day is Friday 13/2.
        assert_eq!(c.working_days_deadline(datetime!(2026-02-12 16:00 UTC), 1), datetime!(2026-02-13 10:00 UTC));
        // n = 0: 17:00 of the same local day; a deadline in any offset is the same instant.
        assert_eq!(c.working_days_deadline(datetime!(2025-03-06 08:00 +7), 0), datetime!(2025-03-06 10:00 UTC));
        assert_eq!(c.working_days_deadline(datetime!(2025-03-06 03:00 +2), 2), datetime!(2025-03-10 17:00 +7));
        // The ends of the range do not panic.
        let _ = c.working_days_deadline(OffsetDateTime::new_utc(Date::MAX, Time::MIDNIGHT), 3);
        let _ = c.working_days_deadline(OffsetDateTime::new_utc(Date::MIN, Time::MIDNIGHT), 3);
        assert_eq!(c.add_working_days(Date::MAX, 2), Date::MAX);
    }
}

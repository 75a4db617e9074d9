//! Aggregate values reported by agencies (health-insurance cards of children under 6,
//! births registered on time, children taught to swim, preschool investment…): entered
//! or corrected one at a time or from a CSV file, authorised through [`Actor`], audited
//! as `reported.save` in the same transaction, and summed by the indicator engine at once.

use std::sync::Arc;
use time::Date;
use treem_domain::audit::Outcome;
use treem_domain::clock::Clock;
use treem_domain::field_error::{FieldError, FieldErrors};
use treem_domain::indicator::counting_day;
use treem_domain::reported::{data_element, DataElement, MAX_VALUE};
use treem_domain::units::{UnitId, UnitLevel};
use treem_storage::{ReportedFilter, ReportedRow, Store};

use crate::facts::{FactCache, FIRST_YEAR};
use crate::units::UnitService;
use crate::{Actor, AppError};

/// A value as typed in a form, sent to the API or read from a CSV row (text, so that
/// every mistake is named by its field).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct ReportedInput {
    pub element: String,
    /// The unit's id.
    pub unit: String,
    pub year: String,
    /// `male` or `female` for an element reported by sex; empty (or `all`) otherwise.
    #[serde(default)]
    pub sex: String,
    pub value: String,
    #[serde(default)]
    pub note: String,
}

/// A stored value with what a reader needs to show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReportedValue {
    pub element: String,
    pub unit: UnitId,
    pub unit_code: String,
    pub unit_name: String,
    pub year: i32,
    /// `male`, `female`, or `all` when the element is not reported by sex.
    pub sex: String,
    pub value: i64,
    pub note: String,
}

/// What a save did: the value replaced (none when new).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Saved {
    pub previous: Option<i64>,
    pub value: i64,
}

pub struct ReportedService {
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    units: Arc<UnitService>,
    facts: Arc<FactCache>,
}

/// A value checked and ready to store.
struct Checked {
    row: ReportedRow,
    element: &'static DataElement,
    day: Date,
}

impl ReportedService {
    pub(crate) fn new(clock: Arc<dyn Clock>, store: Arc<dyn Store>, units: Arc<UnitService>, facts: Arc<FactCache>) -> Self {
        Self { clock, store, units, facts }
    }

    /// Checks the fields of one value; every problem is named by its field, prefixed by `prefix`
    /// (`row 3: ` for a file).
    fn check(&self, input: &ReportedInput, today: Date, prefix: &str) -> Result<Checked, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let mut fail = |field: &str, message: String| errors.push(format!("{prefix}{field}"), message);
        let element = data_element(input.element.trim());
        if element.is_none() {
            let codes = treem_domain::reported::element_codes().join(", ");
            fail("element", format!("no data element `{}`: one of {codes}", input.element.trim()));
        }
        let year = input.year.trim().parse::<i32>().ok();
        match year {
            None => fail("year", "a year such as 2024".to_owned()),
            Some(y) if y < FIRST_YEAR => fail("year", format!("not before {FIRST_YEAR}")),
            Some(y) if y > today.year() => fail("year", format!("not in the future (this year is {})", today.year())),
            Some(_) => {}
        }
        let value = parse_whole(&input.value);
        match value {
            None => fail("value", "a whole number".to_owned()),
            Some(v) if v < 0 => fail("value", "not negative".to_owned()),
            Some(v) if v > MAX_VALUE => fail("value", format!("at most {MAX_VALUE}")),
            Some(_) => {}
        }
        let sex = match (input.sex.trim(), element) {
            ("male" | "female", Some(e)) if e.by_sex => input.sex.trim().to_owned(),
            (_, Some(e)) if e.by_sex => {
                fail("sex", format!("{} is reported by sex: male or female", e.code));
                String::new()
            }
            ("" | "all", _) => "all".to_owned(),
            (other, Some(e)) => {
                fail("sex", format!("{} is not reported by sex: leave it out (not `{other}`)", e.code));
                String::new()
            }
            (_, None) => String::new(),
        };
        let note = match treem_domain::text::clean_line(&input.note, 300) {
            Ok(n) => n,
            Err(treem_domain::text::TextError::Empty) => String::new(),
            Err(_) => {
                fail("note", "one line of at most 300 characters".to_owned());
                String::new()
            }
        };
        let catalog = self.units.catalog();
        let unit = input.unit.trim().parse::<i64>().ok().and_then(|id| catalog.get(UnitId(id)).cloned());
        let day = year.and_then(|y| counting_day(y, today));
        match (&unit, day, element) {
            (None, _, _) => fail("unit", format!("no unit with id `{}`", input.unit.trim())),
            (Some(u), Some(d), _) if !u.validity.contains(d) => {
                fail("unit", format!("{} ({}) did not exist on {d}, the day the year's values are counted", u.name, u.code))
            }
            (Some(u), _, Some(e)) if u.level == UnitLevel::Hamlet || level_rank(u.level) > level_rank(e.level()) => fail(
                "unit",
                format!("{} is reported for a {} or a unit above it; {} is a {}", e.code, e.lowest_level, u.name, u.level.as_str()),
            ),
            _ => {}
        }
        match (element, unit, year, value, day, errors.is_empty()) {
            (Some(element), Some(unit), Some(year), Some(value), Some(day), true) => Ok(Checked {
                row: ReportedRow {
                    element: element.code.clone(),
                    unit: unit.id,
                    year,
                    sex,
                    value,
                    note,
                    reported_by: 0,
                    reported_at: None,
                },
                element,
                day,
            }),
            _ => Err(errors.into_vec()),
        }
    }

    /// Refuses a value when the same element and year is already reported for a unit
    /// above or below this one (the two would be added twice).
    async fn check_one_level(&self, checked: &[&Checked], prefix: impl Fn(usize) -> String) -> Result<(), AppError> {
        let catalog = self.units.catalog();
        let mut errors = FieldErrors::new();
        let mut stored: std::collections::HashMap<(String, i32), Vec<UnitId>> = std::collections::HashMap::new();
        for c in checked {
            let key = (c.row.element.clone(), c.row.year);
            if !stored.contains_key(&key) {
                let filter = ReportedFilter { year: Some(c.row.year), element: Some(c.row.element.clone()), units: None };
                let units = self.store.reported_values(&filter).await?.into_iter().map(|r| r.unit).collect();
                stored.insert(key.clone(), units);
            }
        }
        for (i, c) in checked.iter().enumerate() {
            let mut others: Vec<UnitId> = stored.get(&(c.row.element.clone(), c.row.year)).cloned().unwrap_or_default();
            others.extend(checked.iter().filter(|o| o.row.element == c.row.element && o.row.year == c.row.year).map(|o| o.row.unit));
            let above = catalog.ancestors_on(c.row.unit, c.day);
            let clash = others
                .into_iter()
                .find(|o| *o != c.row.unit && (above.contains(o) || catalog.ancestors_on(*o, c.day).contains(&c.row.unit)));
            if let Some(other) = clash {
                let name = catalog.get(other).map_or_else(|| other.0.to_string(), |u| format!("{} ({})", u.name, u.code));
                errors.push(format!("{}unit", prefix(i)), format!(
                        "{} for {} is already reported for {name}, above or below this unit: report an element at one level, or the two are added twice",
                        c.row.element, c.row.year
                    ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::InvalidFields(errors.into_vec()))
        }
    }

    /// Enters or corrects one value (a correction replaces the old value; it is not added).
    pub async fn save(&self, actor: &Actor, input: &ReportedInput) -> Result<Saved, AppError> {
        let today = self.clock.today_in_vietnam();
        let checked = self.check(input, today, "").map_err(AppError::InvalidFields)?;
        actor.authorize_reported(checked.element, checked.row.unit, checked.day)?;
        self.check_one_level(&[&checked], |_| String::new()).await?;
        let previous = self.store_rows(actor, &[checked]).await?;
        Ok(previous.into_iter().next().unwrap_or(Saved { previous: None, value: 0 }))
    }

    /// Enters or corrects the values of a CSV file (header `element,unit,year,sex,value,note`;
    /// `sex` and `note` may be empty): every row is checked, and all are stored or none.
    /// Errors name the row (counting the header as row 1) and the field.
    pub async fn import_csv(&self, actor: &Actor, bytes: &[u8]) -> Result<Vec<Saved>, AppError> {
        let today = self.clock.today_in_vietnam();
        let text = std::str::from_utf8(bytes).map_err(|_| AppError::invalid("file", "not UTF-8 text"))?;
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let header: Vec<String> = lines
            .next()
            .map(|(_, l)| l.split(',').map(|c| c.trim().trim_start_matches('\u{feff}').to_owned()).collect())
            .unwrap_or_default();
        let wanted = ["element", "unit", "year", "sex", "value", "note"];
        if header != wanted {
            return Err(AppError::invalid("file", format!("row 1: the header must be {}", wanted.join(","))));
        }
        let mut errors = FieldErrors::new();
        let mut inputs = Vec::new();
        for (n, line) in lines {
            let row = n + 1;
            let cells: Vec<&str> = line.splitn(6, ',').collect();
            if cells.len() < 5 {
                errors.push(format!("row {row}: file"), "at least 5 comma-separated cells (element,unit,year,sex,value)");
                continue;
            }
            let input = ReportedInput {
                element: cells[0].to_owned(),
                unit: cells[1].to_owned(),
                year: cells[2].to_owned(),
                sex: cells[3].to_owned(),
                value: cells[4].to_owned(),
                note: cells.get(5).map(|s| s.trim().to_owned()).unwrap_or_default(),
            };
            inputs.push((format!("row {row}: "), input));
        }
        if inputs.is_empty() && errors.is_empty() {
            return Err(AppError::invalid("file", "no rows after the header"));
        }
        self.save_all(actor, &inputs, errors, today).await
    }

    /// Enters or corrects many values at once (all or none), as [`Self::import_csv`] does;
    /// errors are prefixed `value N: ` (counting from 0). For the demo and bulk callers.
    pub async fn save_many(&self, actor: &Actor, inputs: &[ReportedInput]) -> Result<Vec<Saved>, AppError> {
        let today = self.clock.today_in_vietnam();
        let labelled: Vec<(String, ReportedInput)> = inputs.iter().enumerate().map(|(i, v)| (format!("value {i}: "), v.clone())).collect();
        self.save_all(actor, &labelled, FieldErrors::new(), today).await
    }

    async fn save_all(
        &self,
        actor: &Actor,
        inputs: &[(String, ReportedInput)],
        mut errors: FieldErrors,
        today: Date,
    ) -> Result<Vec<Saved>, AppError> {
        let mut checked = Vec::new();
        let mut rows: Vec<&str> = Vec::new();
        for (prefix, input) in inputs {
            match self.check(input, today, prefix) {
                Ok(c) => match actor.authorize_reported(c.element, c.row.unit, c.day) {
                    Ok(()) => {
                        rows.push(prefix);
                        checked.push(c);
                    }
                    Err(AppError::Forbidden) => {
                        errors.push(format!("{prefix}element"), format!("your role may not report {}", c.row.element))
                    }
                    Err(_) => errors.push(format!("{prefix}unit"), format!("no unit with id `{}` in your scope", c.row.unit.0)),
                },
                Err(e) => errors.extend(e),
            }
        }
        for (i, c) in checked.iter().enumerate() {
            let same =
                |o: &Checked| (&o.row.element, o.row.unit, o.row.year, &o.row.sex) == (&c.row.element, c.row.unit, c.row.year, &c.row.sex);
            if let Some(j) = checked[..i].iter().position(same) {
                errors.push(format!("{}unit", rows[i]), format!("the same value as {}", rows[j].trim_end_matches(": ")));
            }
        }
        let refs: Vec<&Checked> = checked.iter().collect();
        if let Err(AppError::InvalidFields(more)) = self.check_one_level(&refs, |i| rows[i].to_owned()).await {
            errors.extend(more);
        }
        if !errors.is_empty() {
            return Err(AppError::InvalidFields(errors.into_vec()));
        }
        self.store_rows(actor, &checked).await
    }

    async fn store_rows(&self, actor: &Actor, checked: &[Checked]) -> Result<Vec<Saved>, AppError> {
        let rows: Vec<(ReportedRow, treem_domain::audit::AuditEvent)> = checked
            .iter()
            .map(|c| {
                let key = format!("{}/{}/{}/{}", c.row.element, c.row.unit.0, c.row.year, c.row.sex);
                (c.row.clone(), actor.event("reported.save", Outcome::Ok).record("reported_value", key))
            })
            .collect();
        let saved = self.facts.after_reported(self.store.save_reported(&rows, actor.account_id).await)?;
        Ok(saved.into_iter().zip(checked).map(|(previous, c)| Saved { previous, value: c.row.value }).collect())
    }

    /// Values within the caller's scope (each checked at its unit on its year's counting
    /// day), optionally of one year, one element, and the subtree of one unit (through its life).
    pub async fn list(
        &self,
        actor: &Actor,
        year: Option<i32>,
        unit: Option<UnitId>,
        element: Option<&str>,
    ) -> Result<Vec<ReportedValue>, AppError> {
        actor.may_read_reported()?;
        let today = self.clock.today_in_vietnam();
        if let Some(e) = element {
            if data_element(e).is_none() {
                return Err(AppError::invalid("element", format!("no data element `{e}`")));
            }
        }
        let catalog = self.units.catalog();
        let within = match unit {
            Some(u) => {
                if catalog.get(u).is_none() {
                    return Err(AppError::NotFound);
                }
                Some(self.units.scope_of(u))
            }
            None => None,
        };
        let filter = ReportedFilter { year, element: element.map(str::to_owned), units: None };
        let rows = self.store.reported_values(&filter).await?;
        let mut out = Vec::new();
        for r in rows {
            let Some(day) = counting_day(r.year, today) else { continue };
            if !actor.covers(r.unit, day) || within.as_ref().is_some_and(|w| !w.contains(r.unit, day)) {
                continue;
            }
            let (unit_code, unit_name) =
                catalog.get(r.unit).map_or_else(|| (String::new(), String::new()), |u| (u.code.clone(), u.name.clone()));
            out.push(ReportedValue {
                element: r.element,
                unit: r.unit,
                unit_code,
                unit_name,
                year: r.year,
                sex: r.sex,
                value: r.value,
                note: r.note,
            });
        }
        Ok(out)
    }

    /// The units the caller may report for in `year` (those in scope on the year's counting
    /// day, of either map, hamlets left out), for the form: (id, code, name).
    pub fn form_units(&self, actor: &Actor, year: i32) -> Vec<(UnitId, String, String)> {
        let Some(day) = counting_day(year, self.clock.today_in_vietnam()) else { return Vec::new() };
        if actor.scope_unit.is_none() {
            return Vec::new();
        }
        let catalog = self.units.catalog();
        catalog
            .units()
            .iter()
            .filter(|u| u.level != UnitLevel::Hamlet && u.validity.contains(day) && actor.covers(u.id, day))
            .map(|u| (u.id, u.code.clone(), u.name.clone()))
            .collect()
    }

    /// The elements the caller may report (for the form).
    pub fn reportable(&self, actor: &Actor) -> Vec<&'static DataElement> {
        let Some(root) = actor.scope_unit else { return Vec::new() };
        let today = self.clock.today_in_vietnam();
        treem_domain::reported::data_elements()
            .iter()
            .filter(|e| {
                actor.authorize_reported(e, root, today).is_ok()
                    || actor.authorize_reported(e, root, last_day_of_scope(&self.units, root, self.clock.today_in_vietnam())).is_ok()
            })
            .collect()
    }
}

/// The last day a scope unit existed (a unit dissolved in 2025 still scopes its old records).
fn last_day_of_scope(units: &UnitService, root: UnitId, today: Date) -> Date {
    units.catalog().get(root).and_then(|u| u.validity.to).unwrap_or(today)
}

/// A whole number, perhaps grouped by thousands as people write amounts (`2.500.000`,
/// `2,500,000`, `2 500 000`): every group after the first has three digits, so `12.5` is refused.
pub(crate) fn parse_whole(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(v) = text.parse::<i64>() {
        return Some(v);
    }
    let sep = text.chars().find(|c| matches!(c, '.' | ',' | ' '))?;
    let groups: Vec<&str> = text.split(sep).collect();
    let first = groups.first()?;
    let ok = !first.is_empty()
        && first.len() <= 3
        && first.chars().all(|c| c.is_ascii_digit())
        && groups[1..].iter().all(|g| g.len() == 3 && g.chars().all(|c| c.is_ascii_digit()));
    if ok {
        groups.concat().parse().ok()
    } else {
        None
    }
}

/// Province 0, district 1, commune 2, hamlet 3.
fn level_rank(level: UnitLevel) -> usize {
    UnitLevel::ALL.iter().position(|l| *l == level).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_may_be_grouped_by_thousands_but_not_decimal() {
        assert_eq!(super::parse_whole(" 2.500.000 "), Some(2_500_000));
        assert_eq!(super::parse_whole("2,500,000"), Some(2_500_000));
        assert_eq!(super::parse_whole("-5"), Some(-5));
        assert_eq!(super::parse_whole("12.5"), None);
        assert_eq!(super::parse_whole("1.5000"), None);
        assert_eq!(super::parse_whole("abc"), None);
    }
}

//! The register of children, through the one authorisation point: every read,
//! list, search, export and write asks `Actor` first; detail reads and exports
//! are audited; sensitive fields are shown only to roles that need them.

use std::sync::Arc;
use time::Date;
use treem_domain::access::{Action, SensitiveKind};
use treem_domain::audit::Outcome;
use treem_domain::child::{age_on, check_child, ChangedParts, Child, ChildFields, ChildInput, HivStatus, Sex};
use treem_domain::clock::Clock;
use treem_domain::dedup::{find_duplicates, Candidate};
use treem_domain::text::search_key;
use treem_domain::units::UnitId;
use treem_storage::{ChildQuery, ChildUpdate, StorageError, Store};

use crate::access::Actor;
use crate::units::UnitService;
use crate::AppError;

/// A sensitive value as one role sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Masked<T> {
    Shown(T),
    Hidden,
}

/// One child as the caller may see it.
#[derive(Debug, Clone)]
pub struct ChildView {
    pub id: i64,
    pub full_name: String,
    pub sex: Sex,
    pub birth_date: Date,
    /// Only the year of birth is known.
    pub birth_date_estimated: bool,
    pub age: i32,
    pub residence_unit: UnitId,
    pub registered_on: Date,
    pub hiv_status: Masked<Option<HivStatus>>,
    pub abuse_notes: Masked<Option<String>>,
    pub offence_notes: Masked<Option<String>>,
    /// The version as the caller sees it (send it back with an edit): changes of the
    /// classes it does not see do not move it.
    pub version: i64,
    /// The record this one was merged into, if it is a merged duplicate in the caller's scope.
    pub merged_into: Option<i64>,
    /// Records merged into this one that are in the caller's scope (their ids and names).
    pub merged: Vec<(i64, String)>,
}

/// A possible duplicate of a record: the other record and why they look alike.
#[derive(Debug, Clone)]
pub struct DuplicateCandidate {
    pub child: ChildSummary,
    pub score: u32,
    pub reasons: Vec<&'static str>,
}

/// What registering a child did: stored it, or stored nothing because records in the
/// caller's scope may be the same child.
#[derive(Debug, Clone)]
pub enum Registration {
    Created(i64),
    LikelyDuplicates(Vec<DuplicateCandidate>),
}

/// Filters of the children list.
#[derive(Debug, Clone, Default)]
pub struct ChildFilter {
    pub name: Option<String>,
    /// Only this unit's subtree (intersected with the caller's scope).
    pub unit: Option<UnitId>,
    /// Only current members of this group of special circumstances.
    pub group: Option<String>,
    pub from: Option<time::Date>,
    pub to: Option<time::Date>,
    /// Only these records, in id order (the children behind an indicator's figure:
    /// `PlanService::records_behind`); paged through like any list.
    pub ids: Option<Vec<i64>>,
}

/// One line of a list: never any sensitive field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildSummary {
    pub id: i64,
    pub full_name: String,
    pub sex: Sex,
    pub birth_date: Date,
    pub residence_unit: UnitId,
    pub registered_on: Date,
}

#[derive(Debug, Clone)]
pub struct ChildPage {
    pub children: Vec<ChildSummary>,
    /// Pass as `after` to get the next page; `None` at the end.
    pub next_after: Option<i64>,
}

pub const PAGE_MAX: i64 = 100;

/// Rows per query when the service walks a whole area.
const WALK_PAGE: i64 = 5_000;

fn mask<T>(visible: bool, v: T) -> Masked<T> {
    if visible {
        Masked::Shown(v)
    } else {
        Masked::Hidden
    }
}

fn candidate(c: &ChildSummary) -> Candidate<'_> {
    Candidate {
        id: c.id,
        full_name: &c.full_name,
        sex: Some(c.sex),
        birth_date: Some(c.birth_date),
        birth_year: None,
        residence_unit: c.residence_unit,
    }
}

fn summary(c: &Child) -> ChildSummary {
    ChildSummary {
        id: c.id,
        full_name: c.full_name.clone(),
        sex: c.sex,
        birth_date: c.birth_date,
        residence_unit: c.residence_unit,
        registered_on: c.registered_on,
    }
}

/// The class of a sensitive field of the child record.
fn sensitive_class(field: &str) -> Option<SensitiveKind> {
    treem_domain::child::SENSITIVE_FIELDS.iter().find(|(f, _)| *f == field).map(|(_, k)| *k)
}

/// Names of the sensitive fields `actor` sees.
fn visible_sensitive(actor: &Actor) -> Vec<&'static str> {
    treem_domain::child::SENSITIVE_FIELDS.iter().filter(|(_, k)| actor.sees(*k)).map(|(f, _)| *f).collect()
}

pub struct ChildService {
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    units: Arc<UnitService>,
    /// Told of every write that changes counted facts.
    facts: Arc<crate::facts::FactCache>,
}

impl ChildService {
    pub(crate) fn new(clock: Arc<dyn Clock>, store: Arc<dyn Store>, units: Arc<UnitService>, facts: Arc<crate::facts::FactCache>) -> Self {
        Self { clock, store, units, facts }
    }

    fn today(&self) -> Date {
        self.clock.today_in_vietnam()
    }

    /// Refuses sensitive input from a role that may not see (so may not set) it.
    fn check_sensitive_input(actor: &Actor, input: &ChildInput) -> Result<(), AppError> {
        for (field, value, kind) in [
            ("hiv_status", &input.hiv_status, SensitiveKind::HivStatus),
            ("abuse_notes", &input.abuse_notes, SensitiveKind::AbuseDetails),
            ("offence_notes", &input.offence_notes, SensitiveKind::OffenceDetails),
        ] {
            if !value.trim().is_empty() && !actor.sees(kind) {
                return Err(AppError::invalid(field, "your role may not record this field"));
            }
        }
        Ok(())
    }

    fn checked(&self, actor: &Actor, input: &ChildInput) -> Result<ChildFields, AppError> {
        let fields = check_child(input, &self.units.catalog(), self.today()).map_err(AppError::InvalidFields)?;
        if !actor.covers(fields.residence_unit, fields.registered_on) {
            return Err(AppError::invalid("residence_unit_id", "this unit is outside your area"));
        }
        Ok(fields)
    }

    pub async fn create(&self, actor: &Actor, input: &ChildInput) -> Result<i64, AppError> {
        actor.require(Action::Write)?;
        Self::check_sensitive_input(actor, input)?;
        let fields = self.checked(actor, input)?;
        // The core fields in one entry; each sensitive class recorded in one of its own,
        // marked with its class, so that the log reads to a reader without that class
        // exactly as if nothing of it had been recorded.
        let mut events = vec![actor.event("child.create", Outcome::Ok).record("child", "").fields(&[
            "full_name",
            "sex",
            "birth_date",
            "residence_unit_id",
            "registered_on",
        ])];
        for (field, present) in [
            ("hiv_status", fields.hiv_status.is_some()),
            ("abuse_notes", fields.abuse_notes.is_some()),
            ("offence_notes", fields.offence_notes.is_some()),
        ] {
            if present {
                events.push(actor.event("child.create", Outcome::Ok).record("child", "").fields(&[field]).class(sensitive_class(field)));
            }
        }
        Ok(self.facts.after_new_child(self.store.create_child(&fields, actor.account_id, &events).await)?)
    }

    /// Registers a child unless records in the caller's scope may be the same child
    /// ([`Self::duplicates_for`]) and the caller has not confirmed it is another one: the
    /// rule of the registration form, for every client. Nothing is stored with candidates.
    pub async fn create_unless_duplicate(&self, actor: &Actor, input: &ChildInput, confirmed_new: bool) -> Result<Registration, AppError> {
        if !confirmed_new {
            actor.require(Action::Write)?;
            Self::check_sensitive_input(actor, input)?;
            let found = self.duplicates_for(actor, input).await?;
            if !found.is_empty() {
                return Ok(Registration::LikelyDuplicates(found));
            }
        }
        self.create(actor, input).await.map(Registration::Created)
    }

    /// Reads a child in scope. Out of scope answers `NotFound` (and the attempt
    /// is audited as denied); a permitted read is audited in the same
    /// transaction that reads the record.
    pub async fn get(&self, actor: &Actor, id: i64) -> Result<ChildView, AppError> {
        actor.require(Action::Read)?;
        // A missing id and one out of scope take the same path: one reading, one `denied`
        // entry, the same answer (their timing must not tell them apart either).
        let Some(_) = self.store.child(id, None).await?.filter(|p| actor.covers(p.residence_unit, p.registered_on)) else {
            self.store.audit(&actor.event("child.read", Outcome::Denied).record("child", id)).await?;
            return Err(AppError::NotFound);
        };
        let mut shown = vec!["full_name", "sex", "birth_date", "residence_unit_id"];
        shown.extend(visible_sensitive(actor));
        let event = actor.event("child.read", Outcome::Ok).record("child", id).fields(&shown);
        let c = self.store.child(id, Some(&event)).await?.ok_or(AppError::NotFound)?;
        Ok(ChildView {
            id: c.id,
            age: age_on(c.birth_date, self.today()),
            full_name: c.full_name,
            sex: c.sex,
            birth_date: c.birth_date,
            birth_date_estimated: c.birth_date_estimated,
            residence_unit: c.residence_unit,
            registered_on: c.registered_on,
            hiv_status: mask(actor.sees(SensitiveKind::HivStatus), c.hiv_status),
            abuse_notes: mask(actor.sees(SensitiveKind::AbuseDetails), c.abuse_notes),
            offence_notes: mask(actor.sees(SensitiveKind::OffenceDetails), c.offence_notes),
            version: c.versions.seen(actor.role.visibility()),
            merged_into: c.merged_into,
            // Only the merged records the caller could read itself: the others are no
            // business of this reader (their names would leak out of scope).
            merged: self
                .store
                .merged_into(id)
                .await?
                .into_iter()
                .filter(|m| actor.covers(m.residence_unit, m.registered_on))
                .map(|m| (m.id, m.full_name))
                .collect(),
        })
    }

    /// A page of children in scope, optionally matching a name (diacritics and case ignored).
    pub async fn list(&self, actor: &Actor, name: Option<&str>, after: Option<i64>, limit: i64) -> Result<ChildPage, AppError> {
        let filter = ChildFilter { name: name.map(str::to_owned), ..Default::default() };
        self.list_filtered(actor, &filter, after, limit).await
    }

    /// A page of children in scope matching the filter.
    pub async fn list_filtered(&self, actor: &Actor, f: &ChildFilter, after: Option<i64>, limit: i64) -> Result<ChildPage, AppError> {
        self.list_up_to(actor, f, after, limit, PAGE_MAX).await
    }

    /// [`Self::list_filtered`] with pages of up to `cap` rows: the service's own walks over
    /// a whole area (an export, an import's comparison) read [`WALK_PAGE`] at a time, not
    /// a page's 100 (734,000 children: 147 queries, not 7,343).
    async fn list_up_to(&self, actor: &Actor, f: &ChildFilter, after: Option<i64>, limit: i64, cap: i64) -> Result<ChildPage, AppError> {
        actor.require(Action::List)?;
        let limit = limit.clamp(1, cap);
        let name_contains = f.name.as_deref().map(search_key).filter(|n| !n.is_empty());
        if name_contains.as_ref().is_some_and(|n| n.chars().count() > 100) {
            return Err(AppError::invalid("q", "at most 100 characters"));
        }
        let group = match f.group.as_deref().map(str::trim).filter(|g| !g.is_empty()) {
            Some(g) => {
                let code = treem_domain::register::parse_group(g)
                    .ok_or_else(|| AppError::invalid("group", "one of a, b, c, d, đ, e, g, h, i, k, l, m, n, o"))?;
                // Filtering by a group the role may not see would reveal membership.
                if crate::register::group_hidden_for(actor, code) {
                    return Err(AppError::invalid("group", "your role may not filter by this group"));
                }
                Some(code.to_owned())
            }
            None => None,
        };
        let units = match f.unit {
            Some(u) => {
                let within: std::collections::HashSet<UnitId> = self.units.scope_of(u).units().into_iter().collect();
                actor.scope.units().into_iter().filter(|id| within.contains(id)).collect()
            }
            None => actor.scope.units(),
        };
        if let (Some(from), Some(to)) = (f.from, f.to) {
            if to < from {
                return Err(AppError::invalid("to", "is before from"));
            }
        }
        // A list of ids is paged by the ids themselves: each page asks for the next `limit` of them.
        let (ids, more) = match &f.ids {
            Some(all) => {
                let start = all.partition_point(|id| after.is_some_and(|a| *id <= a));
                let end = start.saturating_add(usize::try_from(limit).unwrap_or(0)).min(all.len());
                (all.get(start..end).map(<[i64]>::to_vec), end < all.len())
            }
            None => (None, false),
        };
        let page_end = ids.as_ref().and_then(|chunk| chunk.last().copied());
        // The register is listed in register-book order (given name, family, middle), paged
        // after the last child shown; a chunk of ids is already past `after` by itself.
        let after_id = if ids.is_some() { None } else { after };
        let query = ChildQuery { units, name_contains, group, registered_from: f.from, registered_to: f.to, ids, after_id, limit };
        let rows = self.store.list_children(&query).await?;
        let next_after = if query.ids.is_some() {
            page_end.filter(|_| more)
        } else {
            let full = i64::try_from(rows.len()).unwrap_or(0) == limit;
            if full {
                rows.last().map(|c| c.id)
            } else {
                None
            }
        };
        // The SQL filter is by unit; the date of the record decides (a unit may move between parents).
        let children = rows.iter().filter(|c| actor.covers(c.residence_unit, c.registered_on)).map(summary).collect();
        Ok(ChildPage { children, next_after })
    }

    /// Every child record in scope (not merged away), for matching.
    /// The records of the caller's scope (at most about 100,000), for comparing an import
    /// with the register.
    pub(crate) async fn scope_summaries(&self, actor: &Actor) -> Result<Vec<ChildSummary>, AppError> {
        self.all_in_scope(actor).await
    }

    async fn all_in_scope(&self, actor: &Actor) -> Result<Vec<ChildSummary>, AppError> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = self.list_up_to(actor, &ChildFilter::default(), after, WALK_PAGE, WALK_PAGE).await?;
            out.extend(page.children);
            match page.next_after {
                Some(n) if out.len() < 100_000 => after = Some(n),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Records in the actor's scope that may be the same child as `input`, best
    /// first: shown before a new record is saved. Only records the actor may see
    /// are searched, so a candidate never reveals a child outside scope.
    pub async fn duplicates_for(&self, actor: &Actor, input: &ChildInput) -> Result<Vec<DuplicateCandidate>, AppError> {
        actor.require(Action::Write)?;
        let fields = self.checked(actor, input)?;
        let existing = self.all_in_scope(actor).await?;
        let candidates: Vec<Candidate<'_>> = existing.iter().map(candidate).collect();
        let new = Candidate {
            id: 0,
            full_name: &fields.full_name,
            sex: Some(fields.sex),
            birth_date: Some(fields.birth_date),
            birth_year: None,
            residence_unit: fields.residence_unit,
        };
        let catalog = self.units.catalog();
        Ok(find_duplicates(&new, &candidates, &catalog, self.today())
            .into_iter()
            .filter_map(|m| {
                existing.iter().find(|c| c.id == m.id).map(|c| DuplicateCandidate { child: c.clone(), score: m.score, reasons: m.reasons })
            })
            .collect())
    }

    /// Pairs of records in scope that look like one child, for review (best first).
    /// Compared within groups of the same folded given name, so the work stays linear
    /// in practice.
    pub async fn review_queue(&self, actor: &Actor) -> Result<Vec<(ChildSummary, ChildSummary, u32, Vec<&'static str>)>, AppError> {
        actor.require(Action::Write)?;
        let all = self.all_in_scope(actor).await?;
        let catalog = self.units.catalog();
        // Every pair at or above the threshold, found through an index of name sounds and
        // birth-date windows rather than by comparing all pairs (`dedup::queue`).
        let candidates: Vec<Candidate<'_>> = all.iter().map(candidate).collect();
        let mut out: Vec<_> = treem_domain::dedup::duplicate_pairs(&candidates, &catalog, self.today())
            .into_iter()
            .map(|m| {
                let (a, b) = (&all[m.first], &all[m.second]);
                let (x, y) = if a.id < b.id { (a, b) } else { (b, a) };
                (x.clone(), y.clone(), m.score, m.reasons)
            })
            .collect();
        out.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.id.cmp(&b.0.id)));
        out.truncate(500);
        Ok(out)
    }

    /// Merges `duplicate` into `keep`: the duplicate leaves lists and points at
    /// the record kept. Both must be in scope; the merge is audited and reversible.
    pub async fn merge(&self, actor: &Actor, keep: i64, duplicate: i64) -> Result<(), AppError> {
        actor.require(Action::Write)?;
        if keep == duplicate {
            return Err(AppError::invalid("duplicate", "a record cannot be merged into itself"));
        }
        for id in [keep, duplicate] {
            match self.store.child(id, None).await? {
                Some(c) if actor.covers(c.residence_unit, c.registered_on) => {
                    if c.merged_into.is_some() {
                        return Err(AppError::invalid("duplicate", format!("record {id} is already merged")));
                    }
                }
                _ => return Err(AppError::NotFound),
            }
        }
        let event = actor.event("child.merge", Outcome::Ok).record("child", duplicate).fields(&["merged_into"]);
        Ok(self.facts.after_child(duplicate, self.store.set_merged(duplicate, Some(keep), &event).await)?)
    }

    /// Undoes a merge: the record comes back as its own.
    pub async fn unmerge(&self, actor: &Actor, duplicate: i64) -> Result<(), AppError> {
        actor.require(Action::Write)?;
        match self.store.child(duplicate, None).await? {
            Some(c) if actor.covers(c.residence_unit, c.registered_on) && c.merged_into.is_some() => {}
            Some(c) if actor.covers(c.residence_unit, c.registered_on) => {
                return Err(AppError::invalid("duplicate", "this record is not merged"))
            }
            _ => return Err(AppError::NotFound),
        }
        let event = actor.event("child.unmerge", Outcome::Ok).record("child", duplicate).fields(&["merged_into"]);
        Ok(self.facts.after_child(duplicate, self.store.set_merged(duplicate, None, &event).await)?)
    }

    /// The fields a children's export writes (named in its audit entry).
    pub const EXPORT_FIELDS: [&'static str; 5] = ["full_name", "sex", "birth_date", "residence_unit_id", "registered_on"];

    /// Starts a streamed export of the children in scope matching a name: audited before
    /// any row leaves (one `child.export` entry for the whole area, `in scope`), so a
    /// download cut short by the reader is on the log too. The rows come from
    /// [`ChildService::export_page`], a page at a time, so memory stays one page whatever the area.
    pub async fn start_export(&self, actor: &Actor, name: Option<&str>) -> Result<(), AppError> {
        actor.require(Action::Export)?;
        // Refused here, before the download begins, rather than by its first page.
        if name.map(search_key).is_some_and(|n| n.chars().count() > 100) {
            return Err(AppError::invalid("q", "at most 100 characters"));
        }
        let event = actor.event("child.export", Outcome::Ok).record("child", "in scope").fields(&Self::EXPORT_FIELDS);
        Ok(self.store.audit(&event).await?)
    }

    /// One page of a streamed export (see [`ChildService::start_export`]): at most
    /// [`WALK_PAGE`] children after `after`, and where the next page starts.
    pub async fn export_page(&self, actor: &Actor, name: Option<&str>, after: Option<i64>) -> Result<ChildPage, AppError> {
        actor.require(Action::Export)?;
        let filter = ChildFilter { name: name.map(str::to_owned), ..Default::default() };
        self.list_up_to(actor, &filter, after, WALK_PAGE, WALK_PAGE).await
    }

    /// Updates a child in scope, refusing a stale `version` (as the caller saw it). Only
    /// the sensitive classes the caller sees are written; the others stay as stored.
    pub async fn update(&self, actor: &Actor, id: i64, version: i64, input: &ChildInput) -> Result<(), AppError> {
        actor.require(Action::Write)?;
        let Some(old) = self.store.child(id, None).await?.filter(|o| actor.covers(o.residence_unit, o.registered_on)) else {
            self.store.audit(&actor.event("child.update", Outcome::Denied).record("child", id)).await?;
            return Err(AppError::NotFound);
        };
        Self::check_sensitive_input(actor, input)?;
        let mut fields = self.checked(actor, input)?;
        // Fields the role cannot see are kept as stored, never blanked.
        if !actor.sees(SensitiveKind::HivStatus) {
            fields.hiv_status = old.hiv_status;
        }
        if !actor.sees(SensitiveKind::AbuseDetails) {
            fields.abuse_notes.clone_from(&old.abuse_notes);
        }
        if !actor.sees(SensitiveKind::OffenceDetails) {
            fields.offence_notes.clone_from(&old.offence_notes);
        }
        let core: Vec<&str> = [
            ("full_name", fields.full_name != old.full_name),
            ("sex", fields.sex != old.sex),
            ("birth_date", fields.birth_date != old.birth_date || fields.birth_date_estimated != old.birth_date_estimated),
            ("residence_unit_id", fields.residence_unit != old.residence_unit),
            ("registered_on", fields.registered_on != old.registered_on),
        ]
        .into_iter()
        .filter_map(|(f, c)| c.then_some(f))
        .collect();
        let changed = ChangedParts {
            core: !core.is_empty(),
            hiv: fields.hiv_status != old.hiv_status,
            abuse: fields.abuse_notes != old.abuse_notes,
            offence: fields.offence_notes != old.offence_notes,
        };
        // The core fields changed in one entry; each sensitive class changed in one of
        // its own, marked with its class (see `create`).
        let mut events = Vec::new();
        if changed.core {
            events.push(actor.event("child.update", Outcome::Ok).record("child", id).fields(&core));
        }
        for (field, moved) in [("hiv_status", changed.hiv), ("abuse_notes", changed.abuse), ("offence_notes", changed.offence)] {
            if moved {
                events.push(actor.event("child.update", Outcome::Ok).record("child", id).fields(&[field]).class(sensitive_class(field)));
            }
        }
        let update = ChildUpdate { fields: &fields, view: actor.role.visibility(), expected: version, changed };
        match self.facts.after_child(id, self.store.update_child(id, &update, &events).await) {
            Err(StorageError::Conflict(_)) => Err(AppError::EditConflict),
            other => Ok(other?),
        }
    }
}

/// Makes a CSV cell safe for spreadsheets: quoted per RFC 4180, and text that a
/// spreadsheet would read as a formula (= + - @ tab CR) prefixed with `'`.
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_owned() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::csv_cell;

    #[test]
    fn formula_injection_is_defused() {
        for payload in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            let cell = csv_cell(payload);
            assert!(cell.starts_with("\"'"), "{cell}");
        }
        assert_eq!(csv_cell("Nguyễn \"Bé\""), "\"Nguyễn \"\"Bé\"\"\"");
    }
}

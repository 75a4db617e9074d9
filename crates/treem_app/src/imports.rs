//! Bulk imports of registers, through the one authorisation point: every row is checked
//! as the registration form checks it (`treem_import` reads the file with the register's
//! own rules), then against the caller's scope and field classes, the records already
//! imported and the register's likely duplicates. A file with any error stores nothing;
//! otherwise all its new rows are stored in one transaction with one audit entry that
//! carries the file's SHA-256.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use time::{Date, OffsetDateTime};
use treem_domain::access::{Action, SensitiveKind};
use treem_domain::audit::Outcome;
use treem_domain::case::TaskKind;
use treem_domain::clock::Clock;
use treem_domain::dedup::{duplicate_pairs_from, Candidate};
use treem_domain::incident::IncidentKind;
use treem_domain::register::group_sensitivity;
use treem_import::cases::{read_cases, CaseRow, Standing};
use treem_import::children::{known_header, read_children, ChildRow, Options};
use treem_import::columns::Field;
use treem_import::incidents::{read_incidents, IncidentRow};
pub use treem_import::{Problem, Severity};
use treem_storage::{
    CaregiverRecord, CaseImportBatch, ImportBatch, ImportBatchRecord, ImportCase, ImportChild, ImportIncident, ImportOutcome,
    IncidentImportBatch, NewCase, Store,
};

use crate::access::Actor;
use crate::units::UnitService;
use crate::AppError;

/// What a file holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ImportKind {
    #[default]
    Children,
    Incidents,
    Cases,
}

impl ImportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Children => "children",
            Self::Incidents => "incidents",
            Self::Cases => "cases",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Children, Self::Incidents, Self::Cases].into_iter().find(|k| k.as_str() == s)
    }
}

/// How a file is to be imported.
#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    pub kind: ImportKind,
    /// Check and report only: nothing is stored.
    pub dry_run: bool,
    /// The register's date for rows without a registration date (`--as-of`): units are
    /// resolved as of it. Today when `None`.
    pub as_of: Option<Date>,
}

/// What an import found and did.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub kind: ImportKind,
    pub file_name: String,
    pub checksum: String,
    /// "XLSX", "CSV (UTF-8, comma)"…; empty when the file could not be read.
    pub format: String,
    pub sheet: Option<String>,
    /// Data rows read (blank rows not counted).
    pub rows_read: usize,
    /// Every problem, by row (row 0: the file itself).
    pub problems: Vec<Problem>,
    /// Rows that would be (or were) added.
    pub to_add: usize,
    /// Rows imported before (same identifier or same child): not added again.
    pub already_imported: usize,
    pub dry_run: bool,
    /// What was stored; `None` for a dry run and for a refused file.
    pub stored: Option<ImportOutcome>,
}

impl ImportReport {
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.severity == Severity::Error).count()
    }
    pub fn warnings(&self) -> usize {
        self.problems.iter().filter(|p| p.severity == Severity::Warning).count()
    }
    /// The file has errors, so nothing of it is (or would be) stored.
    pub fn refused(&self) -> bool {
        self.errors() > 0
    }
}

/// Where a running import is, for the page that shows it.
#[derive(Debug, Default)]
pub struct ImportProgress {
    /// 0 waiting, 1 reading the file, 2 checking the rows, 3 comparing with the register,
    /// 4 storing, 5 done.
    phase: std::sync::atomic::AtomicU8,
    /// Data rows read from the file (known from phase 2).
    rows: std::sync::atomic::AtomicUsize,
}

impl ImportProgress {
    fn set(&self, phase: u8) {
        self.phase.store(phase, std::sync::atomic::Ordering::Relaxed);
    }
    pub fn phase(&self) -> u8 {
        self.phase.load(std::sync::atomic::Ordering::Relaxed)
    }
    pub fn rows(&self) -> usize {
        self.rows.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// How an import ended: its report and the token of its held report, or what went wrong.
pub type JobOutcome = Result<(ImportReport, String), String>;

/// An import running apart from the request that started it (the page may be closed): its
/// progress, and when done its report and the token of its held report.
#[derive(Clone)]
pub struct ImportJob {
    pub account_id: i64,
    pub file_name: String,
    pub progress: Arc<ImportProgress>,
    /// The report and its held token, or what went wrong (logged; the page says only that it failed).
    pub outcome: Arc<std::sync::Mutex<Option<JobOutcome>>>,
    started: std::time::Instant,
}

impl ImportJob {
    /// The finished outcome, if it is finished.
    pub fn finished(&self) -> Option<JobOutcome> {
        self.outcome.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }
    pub fn finish(&self, outcome: JobOutcome) {
        self.progress.set(5);
        *self.outcome.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(outcome);
    }
}

/// A file checked by a dry run and kept for its confirmation, for its uploader only.
#[derive(Clone)]
pub struct HeldFile {
    pub account_id: i64,
    pub file_name: String,
    pub bytes: Arc<Vec<u8>>,
    pub options: ImportOptions,
    /// The dry run's report as a file (CSV), as the page offers it for download.
    pub report: Arc<Vec<u8>>,
    held_at: std::time::Instant,
}

/// How many likely duplicates of one row its warnings name.
const MAX_TWINS_NAMED: usize = 3;

/// How long a checked file waits for its confirmation, and how much may wait in all.
const HOLD_FOR: std::time::Duration = std::time::Duration::from_secs(3600);
const HOLD_MAX_BYTES: usize = 200 << 20;

pub struct ImportService {
    /// Imports running or finished within the hour, by a random token.
    jobs: std::sync::Mutex<std::collections::HashMap<String, ImportJob>>,
    /// Checked files awaiting confirmation, by a random token. In memory: a restart
    /// forgets them (the user uploads again), and personal data is not left on disk.
    held: std::sync::Mutex<std::collections::HashMap<String, HeldFile>>,
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    units: Arc<UnitService>,
    facts: Arc<crate::facts::FactCache>,
    /// Limits on a file's size, rows and workbook expansion.
    pub limits: treem_import::Limits,
    /// How long (ms) the page that started an import waits for it before it answers with the
    /// page that follows it (2 s: a commune's file is done well within it; tests set 0).
    pub answer_within_ms: std::sync::atomic::AtomicU64,
}

impl ImportService {
    pub(crate) fn new(clock: Arc<dyn Clock>, store: Arc<dyn Store>, units: Arc<UnitService>, facts: Arc<crate::facts::FactCache>) -> Self {
        Self {
            jobs: Default::default(),
            held: Default::default(),
            clock,
            store,
            units,
            facts,
            limits: treem_import::Limits::default(),
            answer_within_ms: 2000.into(),
        }
    }

    /// Registers an import about to run for `actor`; returns its token and its handle.
    pub fn start_job(&self, actor: &Actor, file_name: &str) -> (String, ImportJob) {
        let token = crate::auth::random_token();
        let job = ImportJob {
            account_id: actor.account_id,
            file_name: file_name.to_owned(),
            progress: Arc::default(),
            outcome: Arc::default(),
            started: std::time::Instant::now(),
        };
        let mut jobs = self.jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        jobs.retain(|_, j| j.started.elapsed() < HOLD_FOR);
        jobs.insert(token.clone(), job.clone());
        (token, job)
    }

    /// The import of `token`, for the account that started it only.
    pub fn job(&self, actor: &Actor, token: &str) -> Option<ImportJob> {
        let jobs = self.jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        jobs.get(token).filter(|j| j.account_id == actor.account_id).cloned()
    }

    /// Keeps a checked file for its confirmation by the same account; returns its token.
    /// The oldest files go first when too much is held.
    pub fn hold(&self, actor: &Actor, file_name: &str, bytes: Vec<u8>, options: ImportOptions, report: Vec<u8>) -> String {
        let token = crate::auth::random_token();
        let mut held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        held.retain(|_, h| h.held_at.elapsed() < HOLD_FOR);
        while held.values().map(|h| h.bytes.len() + h.report.len()).sum::<usize>() + bytes.len() > HOLD_MAX_BYTES {
            let Some(oldest) = held.iter().min_by_key(|(_, h)| h.held_at).map(|(k, _)| k.clone()) else { break };
            held.remove(&oldest);
        }
        let file = HeldFile {
            account_id: actor.account_id,
            file_name: file_name.to_owned(),
            bytes: Arc::new(bytes),
            options,
            report: Arc::new(report),
            held_at: std::time::Instant::now(),
        };
        held.insert(token.clone(), file);
        token
    }

    /// The file held under `token` for this account (another account's token is as
    /// unknown as a wrong one).
    pub fn held(&self, actor: &Actor, token: &str) -> Option<HeldFile> {
        let held = self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        held.get(token).filter(|h| h.account_id == actor.account_id && h.held_at.elapsed() < HOLD_FOR).cloned()
    }

    /// Forgets a held file (after its import).
    pub fn release(&self, token: &str) {
        self.held.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(token);
    }

    /// Checks a file of children and, unless it is a dry run or has errors, stores its new
    /// rows. `existing` are the records of the caller's scope, for the duplicate warnings.
    pub async fn children(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
        options: ImportOptions,
        existing: &[crate::children::ChildSummary],
    ) -> Result<ImportReport, AppError> {
        self.children_tracked(actor, file_name, bytes, options, existing, &ImportProgress::default()).await
    }

    /// [`Self::children`], telling `progress` where it is.
    pub async fn children_tracked(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
        options: ImportOptions,
        existing: &[crate::children::ChildSummary],
        progress: &ImportProgress,
    ) -> Result<ImportReport, AppError> {
        actor.require(Action::Write)?;
        let today = self.clock.today_in_vietnam();
        if options.as_of.is_some_and(|d| d > today) {
            return Err(AppError::invalid("as_of", "is in the future"));
        }
        let (mut report, table) = self.read_file(ImportKind::Children, file_name, bytes, options, progress);
        let Some(table) = table else { return Ok(report) };
        let catalog = self.units.catalog();
        let parsed = read_children(&table, &catalog, Options { as_of: options.as_of, today });
        report.problems = parsed.problems;
        let header = |f: Field| parsed.columns.header(f).to_owned();
        // The caller's scope and field classes, as for a form.
        let mut rows: Vec<ChildRow> = Vec::with_capacity(parsed.rows.len());
        for row in parsed.rows {
            let mut ok = true;
            if !actor.covers(row.fields.residence_unit, row.fields.registered_on) {
                let value = catalog.get(row.fields.residence_unit).map_or_else(String::new, |u| format!("{} ({})", u.name, u.code));
                report.problems.push(Problem::error(
                    row.row,
                    &header(Field::CommuneCode),
                    "commune_code",
                    &value,
                    "this unit is outside your area",
                ));
                ok = false;
            }
            for g in &row.groups {
                if group_sensitivity(g).is_some_and(|k| !actor.sees(k)) {
                    let letter = treem_domain::register::group_letter(g);
                    report.problems.push(Problem::error(
                        row.row,
                        &header(Field::Groups),
                        "groups",
                        letter,
                        "your role may not record this group",
                    ));
                    ok = false;
                }
            }
            if ok {
                rows.push(row);
            }
        }
        // Rows that are records of treem (an export read back) are those records: not added
        // again; a number no record of the caller's area has is refused.
        let in_scope: HashSet<i64> = existing.iter().map(|c| c.id).collect();
        let mut records = 0;
        rows.retain(|r| match r.record_id {
            None => true,
            Some(id) if in_scope.contains(&id) => {
                records += 1;
                false
            }
            Some(id) => {
                report.problems.push(Problem::error(
                    r.row,
                    &header(Field::RecordId),
                    "record_id",
                    &id.to_string(),
                    "no record of your area has this number",
                ));
                false
            }
        });
        // Rows imported before are not added again.
        let keys: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
        let known: HashSet<String> = self.store.imported_keys("children", &keys).await?.into_iter().collect();
        rows.retain(|r| !known.contains(&r.key));
        report.already_imported = known.len() + records;
        report.to_add = rows.len();
        progress.set(3);
        self.duplicate_warnings(&rows, existing, &header(Field::FullName), &mut report.problems);
        report.problems.sort_by_key(|p| (p.row, p.severity));
        // The warnings name records of the register: reading them is audited, dry run or not.
        let outcome = if report.refused() { Outcome::Denied } else { Outcome::Ok };
        let fields = ["children".to_owned(), format!("sha256:{}", report.checksum)];
        let check = actor
            .event("import.children_check", outcome)
            .record("import", "")
            .fields(&fields.iter().map(String::as_str).collect::<Vec<_>>());
        if report.refused() || options.dry_run {
            self.store.audit(&check).await?;
            return Ok(report);
        }
        let batch = ImportBatch {
            file_name: file_name.chars().take(200).collect(),
            checksum: report.checksum.clone(),
            children: rows.iter().map(to_import).collect(),
        };
        let mut names = vec!["children", "households", "caregivers", "circumstances"];
        let sha = format!("sha256:{}", report.checksum);
        names.push(&sha);
        let event = actor.event("import.children", Outcome::Ok).record("import", "").fields(&names);
        progress.set(4);
        let stored = self.store.import_children(&batch, actor.account_id, &event).await?;
        for id in &stored.added {
            self.facts.after_child(*id, ());
        }
        for h in &stored.households {
            self.facts.after_household(*h, ());
        }
        report.already_imported += stored.skipped.len();
        report.to_add = stored.added.len();
        report.stored = Some(stored);
        Ok(report)
    }

    /// The first steps of every import: the report begun (name, checksum), the file read as a
    /// table (`None` when it cannot be: the report then says why), the rows counted (a total
    /// line is not a row) and `progress` told.
    fn read_file(
        &self,
        kind: ImportKind,
        file_name: &str,
        bytes: &[u8],
        options: ImportOptions,
        progress: &ImportProgress,
    ) -> (ImportReport, Option<treem_import::Table>) {
        progress.set(1);
        let mut report = ImportReport {
            kind,
            file_name: file_name.to_owned(),
            checksum: treem_import::checksum(bytes),
            dry_run: options.dry_run,
            ..ImportReport::default()
        };
        let table = match treem_import::read_table(file_name, bytes, &self.limits, &known_header) {
            Ok(t) => t,
            Err(p) => {
                report.problems.push(p);
                return (report, None);
            }
        };
        report.format.clone_from(&table.format);
        report.sheet.clone_from(&table.sheet);
        report.rows_read = table.rows.iter().filter(|r| !treem_import::columns::is_total_row(&r.cells)).count();
        progress.rows.store(table.rows.len(), std::sync::atomic::Ordering::Relaxed);
        progress.set(2);
        (report, Some(table))
    }

    /// Checks a file of incidents and, unless it is a dry run or has errors, records its
    /// new rows. `children` are the ids of the children of the caller's scope: the children
    /// a row names must be among them (by treem record number, or by the identifier the
    /// children's register was imported with).
    pub async fn incidents_tracked(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
        options: ImportOptions,
        children: &HashSet<i64>,
        progress: &ImportProgress,
    ) -> Result<ImportReport, AppError> {
        actor.require(Action::Write)?;
        let today = self.clock.today_in_vietnam();
        let (mut report, table) = self.read_file(ImportKind::Incidents, file_name, bytes, options, progress);
        let Some(table) = table else { return Ok(report) };
        let catalog = self.units.catalog();
        let parsed = read_incidents(&table, &catalog, today);
        report.problems = parsed.problems;
        let header = |f: Field| parsed.columns.header(f).to_owned();
        // The children named by the register's identifiers, as imported with that register.
        let refs: Vec<String> = parsed.rows.iter().flat_map(|r| r.child_refs.iter().map(|c| format!("id:{c}"))).collect();
        let by_ref: std::collections::HashMap<String, i64> = self.store.imported_children(&refs).await?.into_iter().collect();
        let mut rows: Vec<IncidentRow> = Vec::with_capacity(parsed.rows.len());
        let mut records = 0;
        // A row that is an incident of treem (an export read back) is that incident: counted as
        // imported before when the reader's area has it and the role sees its kind; another
        // area's incident and none are answered alike.
        for (row, id) in &parsed.records {
            let visible = match self.store.incident(treem_domain::incident::IncidentId(*id), None).await? {
                Some(i) => actor.covers(i.fields.unit, i.fields.occurred_on) && actor.role.visibility().sees(i.fields.kind.sensitivity()),
                None => false,
            };
            if visible {
                records += 1;
            } else {
                let why = "no incident of your area has this number";
                report.problems.push(Problem::error(*row, &header(Field::IncidentNumber), "incident_number", &id.to_string(), why));
            }
        }
        for mut row in parsed.rows {
            let f = &row.fields;
            let mut refuse = |field: Field, key: &str, value: &str, why: &str| {
                report.problems.push(Problem::error(row.row, &header(field), key, value, why));
            };
            let mut ok = true;
            // As the form: a role may not record a kind it does not see, nor outside its area.
            if !actor.role.visibility().sees(f.kind.sensitivity()) {
                refuse(Field::IncidentKind, "kind", "", "your role may not record this kind of incident");
                ok = false;
            }
            if !actor.covers(f.unit, f.occurred_on) {
                let value = catalog.get(f.unit).map_or_else(String::new, |u| format!("{} ({})", u.name, u.code));
                refuse(Field::CommuneCode, "commune_code", &value, "this unit is outside your area");
                ok = false;
            }
            for id in &f.children {
                if !children.contains(id) {
                    refuse(Field::RecordId, "record_id", &id.to_string(), "no record of your area has this number");
                    ok = false;
                }
            }
            let mut resolved = Vec::new();
            for r in &row.child_refs {
                match by_ref.get(&format!("id:{r}")).filter(|id| children.contains(id)) {
                    Some(id) => resolved.push(*id),
                    // Another area's child and no child are answered alike.
                    None => {
                        refuse(Field::ExternalId, "external_id", r, "no child of your area was imported with this identifier");
                        ok = false;
                    }
                }
            }
            if let Some(case_id) = f.case_id {
                match self.store.case(case_id, None).await? {
                    Some(c) if actor.covers(c.unit, c.received_at.date()) => {}
                    _ => {
                        refuse(Field::CaseNumber, "case_id", &case_id.0.to_string(), "choose a case in your area");
                        ok = false;
                    }
                }
            }
            if ok {
                row.fields.children.extend(resolved);
                row.fields.children.sort_unstable();
                row.fields.children.dedup();
                rows.push(row);
            }
        }
        let keys: Vec<String> = rows.iter().map(|r| r.key.clone()).collect();
        let known: HashSet<String> = self.store.imported_keys("incidents", &keys).await?.into_iter().collect();
        rows.retain(|r| !known.contains(&r.key));
        report.already_imported = known.len() + records;
        report.to_add = rows.len();
        progress.set(3);
        report.problems.sort_by_key(|p| (p.row, p.severity));
        // The entry carries the class of the file's sensitive rows (abuse before offence):
        // a reader of the log who does not see it is shown the log as if it had not happened.
        let class = [IncidentKind::Abuse, IncidentKind::ConflictWithLaw]
            .into_iter()
            .find(|k| rows.iter().any(|r| r.fields.kind == *k))
            .and_then(IncidentKind::sensitivity);
        let sha = format!("sha256:{}", report.checksum);
        if report.refused() || options.dry_run {
            let outcome = if report.refused() { Outcome::Denied } else { Outcome::Ok };
            let check = actor.event("import.incidents_check", outcome).record("import", "").fields(&["incidents", &sha]).class(class);
            self.store.audit(&check).await?;
            return Ok(report);
        }
        let batch = IncidentImportBatch {
            file_name: file_name.chars().take(200).collect(),
            checksum: report.checksum.clone(),
            incidents: rows
                .iter()
                .map(|r| ImportIncident { key: r.key.clone(), id: crate::access::random_id(), fields: r.fields.clone() })
                .collect(),
        };
        let event = actor.event("import.incidents", Outcome::Ok).record("import", "").fields(&["incidents", "children", &sha]).class(class);
        progress.set(4);
        let stored = self.store.import_incidents(&batch, actor.account_id, &event).await?;
        for incident in batch.incidents.iter().filter(|i| stored.added.contains(&i.id)) {
            self.facts.after_incident(&incident.fields, Ok::<(), ()>(())).ok();
        }
        report.already_imported += stored.skipped.len();
        report.to_add = stored.added.len();
        report.stored = Some(stored);
        Ok(report)
    }

    /// Checks a file of cases and, unless it is a dry run or has errors, opens its new
    /// cases. `children` are the children of the caller's scope, by id: a row's child must be
    /// among them (by treem record number, or by the identifier the children's register was
    /// imported with); `intake` gives an open case's tasks and their due times (the case
    /// service's deadlines, from the report's receipt).
    #[allow(clippy::too_many_arguments)]
    pub async fn cases_tracked(
        &self,
        actor: &Actor,
        file_name: &str,
        bytes: &[u8],
        options: ImportOptions,
        children: &HashMap<i64, crate::children::ChildSummary>,
        intake: &(dyn Fn(bool, OffsetDateTime) -> Vec<(TaskKind, OffsetDateTime)> + Send + Sync),
        progress: &ImportProgress,
    ) -> Result<ImportReport, AppError> {
        actor.require(Action::Write)?;
        let today = self.clock.today_in_vietnam();
        let (mut report, table) = self.read_file(ImportKind::Cases, file_name, bytes, options, progress);
        let Some(table) = table else { return Ok(report) };
        let catalog = self.units.catalog();
        let parsed = read_cases(&table, &catalog, today);
        report.problems = parsed.problems;
        let header = |f: Field| parsed.columns.header(f).to_owned();
        let refs: Vec<String> = parsed.rows.iter().filter_map(|r| r.child_ref.as_ref().map(|c| format!("id:{c}"))).collect();
        let by_ref: HashMap<String, i64> = self.store.imported_children(&refs).await?.into_iter().collect();
        // A row that is a case of treem (an export read back) is that case: counted as
        // imported before when the reader's area has it; another area's case and none are
        // answered alike.
        let mut records = 0;
        for (row, id) in &parsed.records {
            match self.store.case(treem_domain::case::CaseId(*id), None).await? {
                Some(c) if actor.covers(c.unit, c.received_at.date()) => records += 1,
                _ => {
                    let why = "no case of your area has this number";
                    report.problems.push(Problem::error(*row, &header(Field::CaseNumber), "case_id", &id.to_string(), why));
                }
            }
        }
        let mut rows: Vec<(CaseRow, &crate::children::ChildSummary)> = Vec::with_capacity(parsed.rows.len());
        for row in parsed.rows {
            let mut problems = Vec::new();
            let mut refuse = |field: Field, key: &str, value: &str, why: &str| {
                problems.push(Problem::error(row.row, &header(field), key, value, why));
            };
            let by_record = row.child_record.map(|id| children.get(&id).map(|c| c.id));
            let by_child_ref =
                row.child_ref.as_ref().map(|r| by_ref.get(&format!("id:{r}")).copied().filter(|id| children.contains_key(id)));
            let record_text = row.child_record.map(|id| id.to_string()).unwrap_or_default();
            let ref_text = row.child_ref.clone().unwrap_or_default();
            let child = match (by_record, by_child_ref) {
                // Another area's child and no child are answered alike.
                (Some(None), _) => {
                    refuse(Field::RecordId, "record_id", &record_text, "no record of your area has this number");
                    None
                }
                (_, Some(None)) => {
                    refuse(Field::ExternalId, "external_id", &ref_text, "no child of your area was imported with this identifier");
                    None
                }
                (Some(Some(a)), Some(Some(b))) if a != b => {
                    refuse(Field::ExternalId, "external_id", &ref_text, "names another child than the treem record number of this row");
                    None
                }
                (Some(Some(id)), _) | (None, Some(Some(id))) => children.get(&id),
                (None, None) => None,
            };
            let Some(child) = child else {
                report.problems.append(&mut problems);
                continue;
            };
            let received = treem_domain::calendar::date_in_vietnam(row.received_at);
            // As the intake form: the case is kept where the child lives, which must be in
            // the caller's area on the day the report came in.
            if !actor.covers(child.residence_unit, received) {
                refuse(
                    Field::ReceivedOn,
                    "received_at",
                    &lang_free_date(received),
                    "the child's commune is outside your area on that date",
                );
            }
            if received < child.birth_date {
                refuse(Field::ReceivedOn, "received_at", &lang_free_date(received), "is before the child's birth");
            }
            if (row.reporter_name.is_some() || row.reporter_contact.is_some()) && !actor.sees(SensitiveKind::ReporterIdentity) {
                refuse(Field::ReporterName, "reporter_name", "", "your role may not record the reporter's identity");
            }
            if let Some(name) = &row.child_name {
                if treem_domain::text::search_key(name) != treem_domain::text::search_key(&child.full_name) {
                    let why = format!("not the name of the child of this record ({}): check the row", child.full_name);
                    problems.push(Problem::warning(row.row, &header(Field::FullName), "full_name", name, why));
                }
            }
            if let Some(commune) = row.commune {
                let lives = std::iter::once(child.residence_unit).chain(catalog.ancestors_on(child.residence_unit, received));
                if !lives.into_iter().any(|u| u == commune) {
                    let name = catalog.get(child.residence_unit).map_or_else(String::new, |u| u.name.clone());
                    let why = format!("the case is kept where the child lives: {name}");
                    let value = catalog.get(commune).map_or_else(String::new, |u| u.code.clone());
                    problems.push(Problem::warning(row.row, &header(Field::CommuneCode), "commune_code", &value, why));
                }
            }
            let ok = problems.iter().all(|p| p.severity != Severity::Error);
            report.problems.append(&mut problems);
            if ok {
                rows.push((row, child));
            }
        }
        self.case_duplicate_warnings(actor, &rows, &header(Field::ReceivedOn), &mut report.problems).await?;
        let keys: Vec<String> = rows.iter().map(|(r, _)| r.key.clone()).collect();
        let known: HashSet<String> = self.store.imported_keys("cases", &keys).await?.into_iter().collect();
        rows.retain(|(r, _)| !known.contains(&r.key));
        report.already_imported = known.len() + records;
        report.to_add = rows.len();
        progress.set(3);
        report.problems.sort_by_key(|p| (p.row, p.severity));
        let sha = format!("sha256:{}", report.checksum);
        if report.refused() || options.dry_run {
            let outcome = if report.refused() { Outcome::Denied } else { Outcome::Ok };
            self.store.audit(&actor.event("import.cases_check", outcome).record("import", "").fields(&["cases", &sha])).await?;
            return Ok(report);
        }
        let batch = CaseImportBatch {
            file_name: file_name.chars().take(200).collect(),
            checksum: report.checksum.clone(),
            cases: rows
                .iter()
                .map(|(r, child)| {
                    let closed = match &r.standing {
                        Standing::Received => None,
                        Standing::Closed { state, at, note } => Some((*state, *at, note.clone())),
                    };
                    ImportCase {
                        key: r.key.clone(),
                        case: NewCase {
                            child_id: child.id,
                            unit: child.residence_unit,
                            source: r.source,
                            source_ref: r.source_ref.clone(),
                            reporter_name: r.reporter_name.clone(),
                            reporter_contact: r.reporter_contact.clone(),
                            summary: r.summary.clone(),
                            urgent: r.urgent,
                            received_at: r.received_at,
                            created_by: actor.account_id,
                        },
                        tasks: if closed.is_some() { Vec::new() } else { intake(r.urgent, r.received_at) },
                        closed,
                    }
                })
                .collect(),
        };
        let event = actor.event("import.cases", Outcome::Ok).record("import", "").fields(&[
            "cases",
            "child_id",
            "source",
            "summary",
            "reporter",
            "urgent",
            "received_at",
            &sha,
        ]);
        progress.set(4);
        let stored = self.facts.after_case(self.store.import_cases(&batch, actor.account_id, &event).await)?;
        report.already_imported += stored.skipped.len();
        report.to_add = stored.added.len();
        report.stored = Some(stored);
        Ok(report)
    }

    /// A row's case that resembles a case of the same child already in treem (received the
    /// same day from the same source): a warning naming that case.
    async fn case_duplicate_warnings(
        &self,
        actor: &Actor,
        rows: &[(CaseRow, &crate::children::ChildSummary)],
        column: &str,
        out: &mut Vec<Problem>,
    ) -> Result<(), AppError> {
        let mut by_child: HashMap<i64, Vec<treem_storage::CaseRecord>> = HashMap::new();
        for (row, child) in rows {
            if let std::collections::hash_map::Entry::Vacant(slot) = by_child.entry(child.id) {
                let q = treem_storage::CaseQuery {
                    units: actor.scope.units(),
                    state: None,
                    overdue_at: None,
                    ids: None,
                    child: Some(child.id),
                    after_id: None,
                    limit: 1_000,
                };
                slot.insert(self.store.list_cases(&q).await?);
            }
            let day = treem_domain::calendar::date_in_vietnam(row.received_at);
            let same = by_child[&child.id]
                .iter()
                // As the cases' list: only the cases the caller's scope covers on their day.
                .filter(|c| actor.covers(c.unit, c.received_at.date()))
                .find(|c| c.source == row.source && treem_domain::calendar::date_in_vietnam(c.received_at) == day);
            if let Some(c) = same {
                let why = format!("resembles case {} of this child, received the same day from the same source", c.id);
                out.push(Problem::warning(row.row, column, "received_at", &lang_free_date(day), why));
            }
        }
        Ok(())
    }

    /// Likely duplicates among the new rows and between them and the records in scope,
    /// as warnings on the row (the later row of a pair within the file).
    fn duplicate_warnings(&self, rows: &[ChildRow], existing: &[crate::children::ChildSummary], column: &str, out: &mut Vec<Problem>) {
        if rows.is_empty() {
            // Nothing new: no pair can involve a new row (the register's own pairs are the queue's).
            return;
        }
        let catalog = self.units.catalog();
        let mut candidates: Vec<Candidate<'_>> = existing
            .iter()
            .map(|c| Candidate {
                id: c.id,
                full_name: &c.full_name,
                sex: Some(c.sex),
                birth_date: Some(c.birth_date),
                birth_year: None,
                residence_unit: c.residence_unit,
            })
            .collect();
        let first_new = candidates.len();
        // New rows get ids no record has: minus their row number.
        candidates.extend(rows.iter().map(|r| Candidate {
            id: -(r.row as i64),
            full_name: &r.fields.full_name,
            sex: Some(r.fields.sex),
            birth_date: (!r.fields.birth_date_estimated).then_some(r.fields.birth_date),
            birth_year: r.fields.birth_date_estimated.then_some(r.fields.birth_date.year()),
            residence_unit: r.fields.residence_unit,
        }));
        // Best first; a row names at most its three likeliest twins (a row like forty others
        // says so three times, not forty).
        let mut named: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
        for m in duplicate_pairs_from(&candidates, first_new, &catalog, self.clock.today_in_vietnam()) {
            let (a, b) = (m.first.min(m.second), m.first.max(m.second));
            if b < first_new {
                continue;
            }
            let seen = named.entry(b).or_default();
            if *seen == MAX_TWINS_NAMED {
                continue;
            }
            *seen += 1;
            let row = &rows[b - first_new];
            let message = if a >= first_new {
                let other = &rows[a - first_new];
                format!("may be the same child as row {} ({}, born {})", other.row, other.fields.full_name, other.fields.birth_date)
            } else {
                let c = &existing[a];
                format!("may be the same child as {}, born {}, already in the register (record {})", c.full_name, c.birth_date, c.id)
            };
            out.push(Problem::warning(row.row, column, "full_name", &row.fields.full_name, message));
        }
    }

    /// The latest imports, for the page that lists them (officers of the caller's role).
    pub async fn batches(&self, actor: &Actor) -> Result<Vec<ImportBatchRecord>, AppError> {
        actor.require(Action::Write)?;
        Ok(self
            .store
            .import_batches(50)
            .await?
            .into_iter()
            .filter(|b| b.created_by == actor.account_id || actor.role.may(Action::ManageAccounts))
            .collect())
    }
}

fn to_import(r: &ChildRow) -> ImportChild {
    ImportChild {
        key: r.key.clone(),
        fields: r.fields.clone(),
        household: r.household.as_ref().map(|h| (h.code.clone(), h.head.clone(), h.poverty)),
        circumstances: r.groups.iter().map(|g| (crate::access::random_id(), *g, r.fields.registered_on)).collect(),
        caregiver: r.caregiver.as_ref().map(|c| CaregiverRecord {
            id: 0,
            name: c.name.clone(),
            relation: c.relation.to_owned(),
            legal_representative: false,
            phone: c.phone.clone(),
        }),
    }
}

/// A day as a report's value cell writes it, in either language: dd/mm/yyyy.
fn lang_free_date(d: Date) -> String {
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

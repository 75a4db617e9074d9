//! The record lists as files: cases, incidents, open tasks and the audit log, each the
//! same rows its page shows a person (scope and sensitive classes decided by the service,
//! `treem_app`), with the official unit code and name beside treem's numbers.

use std::collections::HashMap;

use treem_app::audit::AuditPerson;
use treem_app::cases::{CaseRecord, TaskRecord};
use treem_app::incidents::IncidentView;
use treem_app::{Actor, App};
use treem_domain::audit::AuditEntry;

use super::sheet::{Out, Sheet};
use super::{area_name, columns, commune_cells, total_label};
use crate::audit_words;
use crate::i18n::{translate, Lang};

/// Who exports, in which language, what the list was filtered by (in words, "" for
/// nothing), and the limit when the list was cut to it.
pub struct RecordsFile<'a> {
    pub lang: Lang,
    pub actor: &'a Actor,
    pub filter: String,
    pub cut_at: Option<usize>,
}

impl RecordsFile<'_> {
    /// The title row: what, which area, the filter, how many, when (Vietnam's time), by whom,
    /// and plainly when the file holds only the first rows.
    fn title(&self, app: &App, what: (&str, &str), unit: (&str, &str), n: usize) -> String {
        let now = app.clock.now();
        let at = Out::Moment(now).csv();
        let area = area_name(app, self.actor);
        let count = self.lang.integer(i64::try_from(n).unwrap_or(i64::MAX));
        let by = &self.actor.display_name;
        let filter = if self.filter.is_empty() { String::new() } else { format!(" ({})", self.filter) };
        let mut title = match self.lang {
            Lang::Vi => {
                format!("{} trong địa bàn {area}{filter}: {count} {}; xuất lúc {at} (giờ Việt Nam), người xuất {by}", what.0, unit.0)
            }
            Lang::En => format!("{} of {area}{filter}: {count} {}; exported at {at} (Vietnam time) by {by}", what.1, unit.1),
        };
        if let Some(limit) = self.cut_at {
            let limit = self.lang.integer(i64::try_from(limit).unwrap_or(i64::MAX));
            title.push_str(&match self.lang {
                Lang::Vi => format!(". CHỈ GỒM {limit} {} ĐẦU TIÊN: một tệp có giới hạn này, hãy lọc hẹp hơn để xuất phần còn lại", unit.0),
                Lang::En => {
                    format!(". ONLY THE FIRST {limit} {}: a file holds at most this many; filter further to export the rest", unit.1)
                }
            });
        }
        title
    }
}

/// The cases' filter in words: the step, "overdue only".
pub fn case_filter_words(lang: Lang, state: Option<treem_domain::case::CaseState>, overdue: bool) -> String {
    let mut w = Vec::new();
    if let Some(st) = state {
        w.push(translate(lang, &format!("state.{}", st.as_str())).to_owned());
    }
    if overdue {
        w.push(translate(lang, "cases.overdue_only").to_lowercase());
    }
    w.join(", ")
}

/// The incidents' filter in words: the kind and the period.
pub fn incident_filter_words(
    lang: Lang,
    kind: Option<treem_domain::incident::IncidentKind>,
    from: Option<time::Date>,
    to: Option<time::Date>,
) -> String {
    let mut w = Vec::new();
    if let Some(k) = kind {
        w.push(translate(lang, &format!("incident.kind.{}", k.as_str())).to_owned());
    }
    let day = |d: time::Date| super::sheet::dmy(d);
    match (from, to, lang) {
        (Some(f), Some(t), Lang::Vi) => w.push(format!("từ {} đến {}", day(f), day(t))),
        (Some(f), Some(t), Lang::En) => w.push(format!("from {} to {}", day(f), day(t))),
        (Some(f), None, Lang::Vi) => w.push(format!("từ {}", day(f))),
        (Some(f), None, Lang::En) => w.push(format!("from {}", day(f))),
        (None, Some(t), Lang::Vi) => w.push(format!("đến {}", day(t))),
        (None, Some(t), Lang::En) => w.push(format!("to {}", day(t))),
        (None, None, _) => {}
    }
    w.join(", ")
}

/// The tasks' filter in words: one's own, overdue.
pub fn task_filter_words(lang: Lang, mine: bool, overdue: bool) -> String {
    let mut w = Vec::new();
    if mine {
        w.push(translate(lang, "tasks.my_work").to_lowercase());
    }
    if overdue {
        w.push(translate(lang, "tasks.overdue").to_owned());
    }
    w.join(", ")
}

/// The log's filter in words: the person (by name), the action, the record.
pub fn audit_filter_words(lang: Lang, filter: &treem_app::audit::AuditFilter, people: &[AuditPerson]) -> String {
    let mut w = Vec::new();
    if let Some(id) = filter.actor_id {
        w.push(people.iter().find(|p| p.id == id).map_or_else(|| id.to_string(), |p| p.name.clone()));
    }
    if let Some(a) = &filter.action_prefix {
        w.push(audit_words::action_text(lang, a));
    }
    if let Some(r) = &filter.record_type {
        w.push(audit_words::record_line(lang, Some(r), filter.record_key.as_deref()));
    }
    w.join(", ")
}

fn yes_no(lang: Lang, b: bool) -> Out {
    Out::text(match (lang, b) {
        (Lang::Vi, true) => "Có",
        (Lang::Vi, false) => "Không",
        (Lang::En, true) => "Yes",
        (Lang::En, false) => "No",
    })
}

fn words(lang: Lang, prefix: &str, code: Option<&str>) -> Out {
    code.map_or(Out::Empty, |c| Out::text(translate(lang, &format!("{prefix}.{c}"))))
}

/// The unit's official code and name (empty when the catalogue lacks it).
fn unit_cells(app: &App, unit: treem_domain::units::UnitId) -> [Out; 2] {
    match app.units.catalog().get(unit) {
        Some(u) => [Out::Text(u.code.clone()), Out::Text(u.name.clone())],
        None => [Out::Empty, Out::Empty],
    }
}

const CASE_COLUMNS: [(&str, &str, f64); 12] = [
    ("Số hồ sơ trường hợp", "Case no.", 12.0),
    ("Mã hồ sơ treem", "treem record", 14.0),
    ("Họ và tên trẻ", "Child's full name", 28.0),
    ("Bước hiện tại", "Current step", 26.0),
    ("Nguồn tin", "Source", 18.0),
    ("Khẩn cấp", "Urgent", 10.0),
    ("Mức độ nguy cơ", "Risk", 12.0),
    ("Tiếp nhận lúc", "Received at", 17.0),
    ("Đóng lúc", "Closed at", 17.0),
    ("Mã đơn vị", "Unit code", 10.0),
    ("Đơn vị", "Unit", 26.0),
    ("Giao cho", "Assigned to", 24.0),
];

/// The cases of one's area: number, child, step, source, urgency, risk, when received and
/// closed, unit, manager. Not the summary, plan, reporter or review notes.
pub fn cases_sheet(app: &App, f: &RecordsFile<'_>, rows: &[CaseRecord]) -> Sheet {
    let lang = f.lang;
    let lines = rows
        .iter()
        .map(|c| {
            let [code, unit] = unit_cells(app, c.unit);
            vec![
                Out::Int(c.id.0),
                Out::Int(c.child_id),
                Out::text(c.child_name.as_str()),
                words(lang, "state", Some(c.state.as_str())),
                words(lang, "source", Some(c.source.as_str())),
                yes_no(lang, c.urgent),
                words(lang, "risk", c.risk.map(|r| r.as_str())),
                Out::Moment(c.received_at),
                c.closed_at.map_or(Out::Empty, Out::Moment),
                code,
                unit,
                Out::opt_text(c.assigned_name.clone()),
            ]
        })
        .collect();
    Sheet {
        title: f.title(app, ("Danh sách trường hợp", "Cases"), ("trường hợp", "cases"), rows.len()),
        name: (if lang == Lang::Vi { "Trường hợp" } else { "Cases" }).into(),
        file: "truong-hop".into(),
        columns: columns(lang, &CASE_COLUMNS),
        rows: lines,
        total: None,
    }
}

/// The incidents' columns, as the import reads them back (its headers in both languages).
const INCIDENT_COLUMNS: [(&str, &str, f64); 18] = [
    ("Số vụ việc", "Incident no.", 12.0),
    ("Ngày xảy ra", "Occurred on", 12.0),
    ("Loại vụ việc", "Kind", 24.0),
    ("Hình thức xâm hại", "Form of abuse", 20.0),
    ("Hành vi xâm hại tình dục", "Sexual abuse", 20.0),
    ("Môi trường xâm hại", "Setting", 14.0),
    ("Quan hệ của người gây hại với trẻ", "Perpetrator's relation", 20.0),
    ("Hành vi vi phạm", "Offence", 20.0),
    ("Giai đoạn tố tụng", "Justice stage", 16.0),
    ("Biện pháp áp dụng", "Measure", 20.0),
    ("Loại tai nạn, thương tích", "Accident or injury", 18.0),
    ("Tử vong", "Fatal", 9.0),
    ("Số trẻ em liên quan", "Children involved", 10.0),
    ("Mã hồ sơ treem", "treem record", 16.0),
    ("Số hồ sơ trường hợp", "Case no.", 12.0),
    ("Mã xã", "Commune code", 10.0),
    ("Xã/Phường/Thị trấn", "Commune", 26.0),
    ("Ấp/Khóm", "Hamlet", 20.0),
];

/// The incidents of one's area, of the kinds the role sees: date, kind, the classification
/// of its kind (the offence as the police named it), fatal, the children (how many, and their
/// record numbers), the case, the commune and hamlet. Not the notes nor the children's names.
/// A total row counts the incidents, deaths and children. Imports back as the same records.
pub fn incidents_sheet(app: &App, f: &RecordsFile<'_>, rows: &[IncidentView]) -> Sheet {
    let lang = f.lang;
    let sees = f.actor.role.visibility();
    let (mut deaths, mut children) = (0i64, 0i64);
    let lines = rows
        .iter()
        .map(|v| {
            let i = &v.fields;
            // The service lists only the kinds the role sees; the details are still written
            // only under that rule, so a change there cannot leak them here.
            let shown = sees.sees(i.kind.sensitivity());
            let detail = |prefix: &str, code: Option<&str>| if shown { words(lang, prefix, code) } else { Out::Empty };
            let [code, commune, hamlet] = commune_cells(app, i.unit, i.occurred_on);
            let records = i.children.iter().map(i64::to_string).collect::<Vec<_>>().join("; ");
            deaths += i64::from(i.fatal);
            children += i64::try_from(i.children.len()).unwrap_or(0);
            vec![
                Out::Int(v.id.0),
                Out::Date(i.occurred_on),
                words(lang, "incident.kind", Some(i.kind.as_str())),
                detail("abuse_form", i.abuse_form.map(|x| x.as_str())),
                detail("sexual_subtype", i.sexual_subtype.map(|x| x.as_str())),
                detail("setting", i.setting.map(|x| x.as_str())),
                detail("relation", i.relation.map(|x| x.as_str())),
                if shown { Out::opt_text(i.offence.clone()) } else { Out::Empty },
                detail("justice_stage", i.justice_stage.map(|x| x.as_str())),
                detail("justice_measure", i.justice_measure.map(|x| x.as_str())),
                detail("injury", i.injury.map(|x| x.as_str())),
                yes_no(lang, i.fatal),
                Out::Int(i64::try_from(i.children.len()).unwrap_or(0)),
                Out::Text(records),
                i.case_id.map_or(Out::Empty, |c| Out::Int(c.0)),
                code,
                commune,
                hamlet,
            ]
        })
        .collect();
    let mut total = vec![Out::Empty; INCIDENT_COLUMNS.len()];
    total[0] = Out::text(total_label(lang));
    total[2] = Out::Int(i64::try_from(rows.len()).unwrap_or(0));
    total[11] = Out::Int(deaths);
    total[12] = Out::Int(children);
    Sheet {
        title: f.title(app, ("Danh sách vụ việc", "Incidents"), ("vụ việc", "incidents"), rows.len()),
        name: (if lang == Lang::Vi { "Vụ việc" } else { "Incidents" }).into(),
        file: "vu-viec".into(),
        columns: columns(lang, &INCIDENT_COLUMNS),
        rows: lines,
        total: Some(total),
    }
}

const TASK_COLUMNS: [(&str, &str, f64); 9] = [
    ("Số việc", "Task no.", 10.0),
    ("Số hồ sơ trường hợp", "Case no.", 12.0),
    ("Việc", "Task", 32.0),
    ("Họ và tên trẻ", "Child's full name", 28.0),
    ("Hạn", "Due", 17.0),
    ("Quá hạn", "Overdue", 9.0),
    ("Người phụ trách", "Assignee", 24.0),
    ("Mã đơn vị", "Unit code", 10.0),
    ("Đơn vị", "Unit", 26.0),
];

/// The open tasks of one's area (or one's own), by due date.
pub fn tasks_sheet(app: &App, f: &RecordsFile<'_>, rows: &[TaskRecord]) -> Sheet {
    let lang = f.lang;
    let now = app.clock.now();
    let lines = rows
        .iter()
        .map(|t| {
            let [code, unit] = unit_cells(app, t.unit);
            vec![
                Out::Int(t.id),
                Out::Int(t.case_id.0),
                words(lang, "task", Some(t.kind.as_str())),
                Out::text(t.child_name.as_str()),
                Out::Moment(t.due_at),
                yes_no(lang, t.done_at.is_none() && t.due_at < now),
                Out::opt_text(t.assignee_name.clone()),
                code,
                unit,
            ]
        })
        .collect();
    Sheet {
        title: f.title(app, ("Danh sách công việc đang mở", "Open tasks"), ("việc", "tasks"), rows.len()),
        name: (if lang == Lang::Vi { "Công việc" } else { "Tasks" }).into(),
        file: "cong-viec".into(),
        columns: columns(lang, &TASK_COLUMNS),
        rows: lines,
        total: None,
    }
}

const AUDIT_COLUMNS: [(&str, &str, f64); 7] = [
    ("Thời điểm (giờ Việt Nam)", "Time (Vietnam)", 17.0),
    ("Người thực hiện", "Person", 30.0),
    ("Địa chỉ", "Address", 16.0),
    ("Hành động", "Action", 34.0),
    ("Bản ghi", "Record", 24.0),
    ("Trường", "Fields", 40.0),
    ("Kết quả", "Outcome", 14.0),
];

/// The log as its reader's page shows it: entries of the classes the role sees only, in
/// words, newest first; no entry numbers or hashes (a gap in them would tell of the rest).
pub fn audit_sheet(app: &App, f: &RecordsFile<'_>, people: &[AuditPerson], entries: &[AuditEntry]) -> Sheet {
    let lang = f.lang;
    let names: HashMap<i64, &str> = people.iter().map(|p| (p.id, p.name.as_str())).collect();
    let lines = entries
        .iter()
        .map(|e| {
            let at = treem_domain::audit::parse_timestamp_text(&e.at).map_or_else(|| Out::text(e.at.as_str()), Out::Moment);
            let person = match e.event.actor_id.and_then(|id| names.get(&id)) {
                Some(name) => format!("{name} ({})", e.event.actor_label),
                None => e.event.actor_label.clone(),
            };
            let fields = e
                .event
                .fields
                .iter()
                .map(|x| crate::messages::field_label(lang, x).unwrap_or_else(|| x.replace('_', " ")))
                .collect::<Vec<_>>()
                .join(", ");
            vec![
                at,
                Out::Text(person),
                Out::text(e.event.source.as_str()),
                Out::Text(audit_words::action_text(lang, &e.event.action)),
                Out::Text(audit_words::record_line(lang, e.event.record_type.as_deref(), e.event.record_key.as_deref())),
                Out::Text(fields),
                Out::Text(audit_words::outcome_text(lang, e.event.outcome.as_str())),
            ]
        })
        .collect();
    Sheet {
        title: f.title(app, ("Nhật ký hệ thống", "Audit log"), ("mục", "entries"), entries.len()),
        name: (if lang == Lang::Vi { "Nhật ký" } else { "Audit log" }).into(),
        file: "nhat-ky".into(),
        columns: columns(lang, &AUDIT_COLUMNS),
        rows: lines,
        total: None,
    }
}

//! The audit page's words (`locales/audit.toml`): what the actions, record types and
//! outcomes the services write to the log are called in each language. The stored codes
//! never reach the page.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use treem_domain::case::{CaseAction, ReferralStatus};

use crate::i18n::{translate, Lang};

pub const SOURCE: &str = include_str!("../locales/audit.toml");

#[derive(Deserialize, Debug, Clone)]
pub struct Words {
    pub vi: String,
    pub en: String,
}

impl Words {
    fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

#[derive(Deserialize, Debug, Default)]
pub struct Catalogue {
    pub compose: BTreeMap<String, Words>,
    pub actions: BTreeMap<String, Words>,
    pub records: BTreeMap<String, Words>,
    pub outcomes: BTreeMap<String, Words>,
}

pub fn parse(source: &str) -> Result<Catalogue, String> {
    toml::from_str(source).map_err(|e| e.to_string())
}

fn catalogue() -> &'static Catalogue {
    static CELL: OnceLock<Catalogue> = OnceLock::new();
    // Compiled in and checked by the tests below; a broken file shows the fallbacks.
    CELL.get_or_init(|| parse(SOURCE).unwrap_or_default())
}

/// The referral statuses a referral can be moved to (each an action `referral.<status>`).
fn referral_moves() -> impl Iterator<Item = ReferralStatus> {
    ReferralStatus::ALL.into_iter().filter(|s| !s.previous().is_empty())
}

/// The name of action `code`, when it has one.
pub fn action_name(lang: Lang, code: &str) -> Option<String> {
    let c = catalogue();
    if let Some(w) = c.actions.get(code) {
        return Some(w.get(lang).to_owned());
    }
    let (family, rest) = code.split_once('.')?;
    let key = match family {
        "case" if CaseAction::NAMES.contains(&rest) => format!("action.{rest}"),
        "referral" if referral_moves().any(|s| s.as_str() == rest) => format!("referral.{rest}"),
        _ => return None,
    };
    let words = translate(lang, &key);
    let lead = c.compose.get(family)?.get(lang);
    (words != key).then(|| format!("{lead}{words}"))
}

/// The name of action `code`, or the words for an action without one (never the code).
pub fn action_text(lang: Lang, code: &str) -> String {
    action_name(lang, code).unwrap_or_else(|| translate(lang, "audit.other_action").to_owned())
}

/// Every action the log can hold, as the filter offers them: (code, name), by name.
pub fn action_choices(lang: Lang) -> Vec<(String, String)> {
    let codes = catalogue()
        .actions
        .keys()
        .cloned()
        .chain(CaseAction::NAMES.iter().map(|s| format!("case.{s}")))
        .chain(referral_moves().map(|s| format!("referral.{}", s.as_str())));
    let mut out: Vec<(String, String)> = codes.filter_map(|c| action_name(lang, &c).map(|n| (c, n))).collect();
    out.sort_by(|a, b| treem_domain::text::cmp_vi(&a.1, &b.1));
    out
}

/// The name of record type `code`, or the words for one without a name.
pub fn record_text(lang: Lang, code: &str) -> String {
    catalogue().records.get(code).map_or_else(|| translate(lang, "audit.other_record").to_owned(), |w| w.get(lang).to_owned())
}

/// Every record type, as the filter offers them: (code, name), by name.
pub fn record_choices(lang: Lang) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = catalogue().records.iter().map(|(c, w)| (c.clone(), w.get(lang).to_owned())).collect();
    out.sort_by(|a, b| treem_domain::text::cmp_vi(&a.1, &b.1));
    out
}

/// The name of outcome `code` (`ok`, `denied`, `failed`).
pub fn outcome_text(lang: Lang, code: &str) -> String {
    catalogue().outcomes.get(code).map_or_else(|| code.to_owned(), |w| w.get(lang).to_owned())
}

/// A record as the log's reader is shown it: its kind in words and its number.
pub fn record_line(lang: Lang, record_type: Option<&str>, key: Option<&str>) -> String {
    let Some(t) = record_type else { return String::new() };
    let kind = record_text(lang, t);
    match key.map(str::trim).filter(|k| !k.is_empty()) {
        None => kind,
        // An export names how many rows it wrote.
        Some(k) => match k.strip_suffix(" rows").and_then(|n| n.parse::<i64>().ok()) {
            Some(n) => format!("{kind}: {} {}", lang.integer(n), crate::i18n::translate(lang, "audit.rows")),
            None => format!("{kind} {k}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// The action codes written literally in the sources under `dir`: the first
    /// `"family.name"` literal of each line that builds an audit event.
    fn literal_actions(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                literal_actions(&path, out);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let lines: Vec<&str> = text.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                // `.event(` may end a line, the action on the next one.
                let joined = format!("{line} {}", lines.get(i + 1).copied().unwrap_or_default().trim());
                let builds = ["event(\"", "AuditEvent::new(\"", "cli_event(\""].iter().any(|m| line.contains(m))
                    || line.trim_end().ends_with(".event(")
                    || line.contains("(AccountChange::");
                if !builds {
                    continue;
                }
                let source = if line.trim_end().ends_with(".event(") { joined.as_str() } else { line };
                for lit in source.split('"').skip(1).step_by(2) {
                    let ok = lit.split_once('.').is_some_and(|(a, b)| {
                        !a.is_empty() && !b.is_empty() && (a.chars().chain(b.chars())).all(|c| c.is_ascii_lowercase() || c == '_')
                    });
                    if ok {
                        out.push((lit.to_owned(), path.display().to_string()));
                    }
                }
            }
            // Actions built from a family and a name must be of the families composed here.
            for (i, line) in lines.iter().enumerate() {
                if line.contains("event(&format!(\"") {
                    let family = line.split("event(&format!(\"").nth(1).and_then(|r| r.split('.').next()).unwrap_or_default();
                    assert!(
                        ["case", "child", "referral"].contains(&family),
                        "{}:{}: an action built at run time of a family this test does not know: {family}",
                        path.display(),
                        i + 1
                    );
                }
            }
        }
    }

    /// The field names written literally in the audit events of the sources under `dir`
    /// (`.fields(&[…])`, the `…_FIELDS` lists, the import's `names`).
    fn literal_fields(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                literal_fields(&path, out);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for start in [".fields(&[", "_FIELDS: [&", "let mut names = vec!["] {
                for (at, _) in code.match_indices(start) {
                    let rest = &code[at + start.len()..];
                    let list = rest.split_once(']').map_or(rest, |(l, _)| l);
                    // `_FIELDS: [&str; 5] = [ … ]`: the list is after the type.
                    let list = if start == "_FIELDS: [&" {
                        rest.split_once("= [").and_then(|(_, r)| r.split_once(']')).map_or("", |(l, _)| l)
                    } else {
                        list
                    };
                    for lit in list.split('"').skip(1).step_by(2) {
                        if lit.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !lit.is_empty() {
                            out.push((lit.to_owned(), path.display().to_string()));
                        }
                    }
                }
            }
        }
    }

    /// Every field an audit entry can name has a label, so the auditor's page never shows a
    /// code with its underscores turned into spaces.
    #[test]
    fn every_audited_field_has_a_label_in_both_languages() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut fields = Vec::new();
        for krate in ["treem_app", "treem_domain"] {
            literal_fields(&root.join(krate).join("src"), &mut fields);
        }
        assert!(fields.len() > 60, "the scan found only {} fields: is it still reading the sources?", fields.len());
        let missing: Vec<String> = fields
            .iter()
            .filter(|(f, _)| crate::messages::field_label(Lang::Vi, f).is_none() || crate::messages::field_label(Lang::En, f).is_none())
            .map(|(f, path)| format!("{path}: {f}"))
            .collect();
        assert!(missing.is_empty(), "fields without a label in locales/errors.toml [fields]:\n{}", missing.join("\n"));
    }

    #[test]
    fn the_catalogue_parses_and_every_name_has_both_languages() {
        let c = parse(SOURCE).unwrap();
        for (code, w) in c.actions.iter().chain(&c.records).chain(&c.outcomes).chain(&c.compose) {
            assert!(!w.vi.trim().is_empty() && !w.en.trim().is_empty(), "{code} lacks a name");
        }
        for o in ["ok", "denied", "failed"] {
            assert!(c.outcomes.contains_key(o), "outcome {o}");
        }
        assert_eq!(outcome_text(Lang::Vi, "denied"), "Bị từ chối");
    }

    #[test]
    fn every_action_the_code_writes_has_a_vietnamese_and_an_english_name() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut found = Vec::new();
        for dir in ["treem_app/src", "treem_cli/src", "treem_demo/src"] {
            literal_actions(&root.join(dir), &mut found);
        }
        assert!(found.len() > 40, "the search found the services' actions: {found:?}");
        assert!(found.iter().any(|(a, _)| a == "account.disable"));
        // The actions built at run time: a case step, a refused read or write, a referral's move.
        let built = CaseAction::NAMES
            .iter()
            .map(|s| format!("case.{s}"))
            .chain(["case.read", "case.write", "child.read", "child.write"].map(String::from))
            .chain(referral_moves().map(|s| format!("referral.{}", s.as_str())));
        let all: Vec<(String, String)> = found.into_iter().chain(built.map(|a| (a, "built".into()))).collect();
        for (action, place) in &all {
            for lang in [Lang::Vi, Lang::En] {
                let name = action_name(lang, action).unwrap_or_else(|| panic!("{action} ({place}) has no name in {lang:?}"));
                assert!(!name.contains('.') || name.contains(' '), "{action}: {name}");
            }
            let vi = action_name(Lang::Vi, action).unwrap_or_default();
            let en = action_name(Lang::En, action).unwrap_or_default();
            assert_ne!(vi, en, "{action} has the same name in both languages");
        }
        // Every record type written has a name too.
        let records = std::fs::read_to_string(root.join("treem_app/src/cases.rs")).unwrap();
        assert!(records.contains(".record(\"case\""));
        assert_eq!(action_name(Lang::Vi, "child.read").as_deref(), Some("Xem thông tin trẻ em"));
        assert_eq!(action_name(Lang::Vi, "case.verify").as_deref(), Some("Trường hợp: Kiểm tra, xác minh"));
        assert_eq!(action_name(Lang::Vi, "referral.declined").as_deref(), Some("Chuyển gửi dịch vụ bị từ chối"));
        assert_eq!(action_name(Lang::Vi, "case.nothing"), None);
    }

    #[test]
    fn every_record_type_the_code_writes_has_a_name() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../treem_app/src");
        let mut stack = vec![root];
        let mut seen = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for part in text.split(".record(\"").skip(1) {
                    let record = part.split('"').next().unwrap_or_default();
                    seen += 1;
                    assert!(catalogue().records.contains_key(record), "record type {record} ({}) has no name", path.display());
                }
            }
        }
        assert!(seen > 20);
    }
}

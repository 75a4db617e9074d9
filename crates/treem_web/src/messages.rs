//! Refusals in the reader's language: the field named by its label, the message as a
//! sentence, and a stable code for programs.
//!
//! The services write each refusal in English (`FieldError { field, message }`), with the
//! values that explain it (a date, a unit code) already in the text. Rather than give
//! each of some 250 call sites a code and arguments, `locales/errors.toml` lists each
//! message once as an English pattern with `{}` holes, its code and its Vietnamese text;
//! the values in the holes are carried over (ISO dates rewritten as the reader writes
//! them). This is gettext's model (the source text is the key), with the holes matched
//! after formatting instead of before.

use serde::Deserialize;
use std::collections::HashMap;
use std::sync::OnceLock;
use treem_domain::field_error::FieldError;

use crate::i18n::Lang;

const SOURCE: &str = include_str!("../locales/errors.toml");

#[derive(Debug, Deserialize)]
struct Label {
    vi: String,
    en: String,
}

#[derive(Debug, Deserialize)]
struct Entry {
    code: String,
    en: String,
    vi: String,
}

#[derive(Debug, Deserialize)]
struct Source {
    fields: HashMap<String, Label>,
    message: Vec<Entry>,
}

struct Catalogue {
    fields: HashMap<String, Label>,
    /// Messages without holes, by their English text.
    exact: HashMap<String, usize>,
    /// Messages with holes, the most specific (most fixed text) first.
    patterns: Vec<usize>,
    entries: Vec<Entry>,
}

/// Parses the catalogue; `Err` names what is wrong (checked by a test).
fn parse(source: &str) -> Result<Catalogue, String> {
    let Source { fields, message } = toml::from_str(source).map_err(|e| e.to_string())?;
    let mut exact = HashMap::new();
    let mut patterns = Vec::new();
    for (i, e) in message.iter().enumerate() {
        if e.en.contains("{}") {
            patterns.push(i);
        } else if exact.insert(e.en.clone(), i).is_some() {
            return Err(format!("message `{}` is listed twice", e.en));
        }
    }
    let fixed = |i: &usize| message[*i].en.replace("{}", "").chars().count();
    patterns.sort_by_key(|i| std::cmp::Reverse(fixed(i)));
    Ok(Catalogue { fields, exact, patterns, entries: message })
}

fn catalogue() -> &'static Catalogue {
    static CELL: OnceLock<Catalogue> = OnceLock::new();
    // Compiled in and checked by tests; a broken file leaves messages in English.
    CELL.get_or_init(|| {
        parse(SOURCE).unwrap_or_else(|_| Catalogue {
            fields: HashMap::new(),
            exact: HashMap::new(),
            patterns: Vec::new(),
            entries: Vec::new(),
        })
    })
}

/// The parts of `text` in the holes of `pattern`, or `None` when it does not fit.
fn holes<'a>(pattern: &str, text: &'a str) -> Option<Vec<&'a str>> {
    let pieces: Vec<&str> = pattern.split("{}").collect();
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    let rest = text.strip_prefix(first)?;
    let mut rest = rest.strip_suffix(last)?;
    let mut found = Vec::with_capacity(pieces.len() - 1);
    for piece in &pieces[1..pieces.len() - 1] {
        // The first place the fixed text fits; values do not contain the fixed text.
        let at = rest.find(piece).filter(|at| *at > 0)?;
        found.push(&rest[..at]);
        rest = &rest[at + piece.len()..];
    }
    if rest.is_empty() {
        return None;
    }
    found.push(rest);
    Some(found)
}

/// `template` with its `{}` (in order) or `{1}`…`{9}` (by number) filled in.
fn fill(template: &str, values: &[String]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut next = 0;
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}');
        let inner = close.map(|c| &after[..c]);
        let value = match inner {
            Some("") => {
                next += 1;
                values.get(next - 1)
            }
            Some(n) if n.len() == 1 && n.as_bytes()[0].is_ascii_digit() => {
                n.parse::<usize>().ok().and_then(|n| n.checked_sub(1)).and_then(|n| values.get(n))
            }
            _ => None,
        };
        match (value, close) {
            (Some(v), Some(c)) => {
                out.push_str(v);
                rest = &after[c + 1..];
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// An ISO date (`2025-07-01`) as the reader writes dates; anything else as it is.
fn value_text(lang: Lang, value: &str) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(value, format) {
        Ok(d) => crate::ui::date_text(lang, &d),
        Err(_) => value.to_owned(),
    }
}

/// A message in the reader's language, with its stable code. `None` when the catalogue
/// does not know it.
pub fn translate_message(lang: Lang, english: &str) -> Option<(&'static str, String)> {
    // A formula's refusal carries the place it was found ("at character 31: …") in front
    // of a message of its own; both parts are translated.
    if let Some((position, rest)) = english.strip_prefix("at character ").and_then(|r| r.split_once(": ")) {
        if !position.is_empty() && position.bytes().all(|b| b.is_ascii_digit()) {
            let (code, inner) = translate_message(lang, rest)?;
            let place = match lang {
                Lang::Vi => format!("tại ký tự {position}"),
                Lang::En => format!("at character {position}"),
            };
            return Some((code, format!("{place}: {inner}")));
        }
    }
    let cat = catalogue();
    if let Some(i) = cat.exact.get(english) {
        let e = &cat.entries[*i];
        return Some((e.code.as_str(), if lang == Lang::Vi { e.vi.clone() } else { e.en.clone() }));
    }
    cat.patterns.iter().find_map(|i| {
        let e = &cat.entries[*i];
        let found = holes(&e.en, english)?;
        let values: Vec<String> = found.iter().map(|v| value_text(lang, v)).collect();
        Some((e.code.as_str(), fill(if lang == Lang::Vi { &e.vi } else { &e.en }, &values)))
    })
}

/// The code and text of a message, English as it came when the catalogue does not know
/// it (code `invalid`).
pub fn message(lang: Lang, english: &str) -> (&'static str, String) {
    translate_message(lang, english).unwrap_or(("invalid", english.to_owned()))
}

/// The label of the field a refusal names. A path into a document
/// (`targets[T3].legs[1].operator`) is labelled by its last name, with the path kept so
/// the place can be found.
pub fn field_label(lang: Lang, field: &str) -> Option<String> {
    // A row of a file: "row 2: element" is the element column of the file's row 2.
    if let Some((row, rest)) = field.strip_prefix("row ").and_then(|r| r.split_once(": ")) {
        let label = field_label(lang, rest)?;
        return Some(match lang {
            Lang::Vi => format!("{label} (dòng {row})"),
            Lang::En => format!("{label} (row {row})"),
        });
    }
    // A line of a pasted document: "plan:line 109".
    if let Some((_, line)) = field.split_once(":line ") {
        return Some(match lang {
            Lang::Vi => format!("Văn bản, dòng {line}"),
            Lang::En => format!("Text, line {line}"),
        });
    }
    let last = field.rsplit('.').next().unwrap_or(field);
    let name = last.split('[').next().unwrap_or(last);
    let label = catalogue().fields.get(name)?;
    let text = if lang == Lang::Vi { &label.vi } else { &label.en };
    Some(if name == field { text.clone() } else { format!("{text} ({field})") })
}

tokio::task_local! {
    /// The language the current request's refusals are written in.
    static REPLY_LANG: Lang;
}

/// The language refusals of the current request are written in: the API's
/// `Accept-Language` (or `?lang=`), English when neither names Vietnamese or English.
pub fn reply_lang() -> Lang {
    REPLY_LANG.try_with(|l| *l).unwrap_or(Lang::En)
}

/// The preferred of Vietnamese and English in an `Accept-Language` header (`vi`,
/// `vi-VN`, `en-GB;q=0.8, vi;q=0.9`), or `None` when it names neither.
pub fn accept_language(header: &str) -> Option<Lang> {
    let mut best: Option<(u32, Lang)> = None;
    for item in header.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let primary = tag.split('-').next().unwrap_or_default();
        let Some(lang) = Lang::parse(primary) else { continue };
        // q in thousandths; a malformed q counts as 0 (not acceptable).
        let q = parts
            .find_map(|p| p.trim().strip_prefix("q=").map(str::to_owned))
            .map_or(1000, |q| q.parse::<f32>().map_or(0, |q| (q.clamp(0.0, 1.0) * 1000.0) as u32));
        if q > 0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l)
}

/// Runs the request with its reply language set: under `/api/` from `?lang=` or
/// `Accept-Language` (default English, the language of the API's documentation); pages
/// choose theirs from the page context.
pub async fn reply_in_language(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let from_query = crate::params::query_param(req.uri().query().unwrap_or_default(), "lang").and_then(|l| Lang::parse(&l));
    let from_header = req.headers().get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(accept_language);
    let lang = from_query.or(from_header).unwrap_or(Lang::En);
    REPLY_LANG.scope(lang, next.run(req)).await
}

/// One refusal as the reader sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// The form's field name or the document path, for programs and for `data-field`.
    pub field: String,
    pub label: String,
    pub code: &'static str,
    pub message: String,
}

impl Shown {
    /// "Ngày sinh: không được là ngày trong tương lai".
    pub fn sentence(&self) -> String {
        if self.label.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.label, self.message)
        }
    }
}

/// A refusal in the reader's language.
pub fn shown(lang: Lang, field: &str, english: &str) -> Shown {
    let (code, message) = message(lang, english);
    // A field nobody has labelled shows no code: the message alone.
    let label = if field.is_empty() { String::new() } else { field_label(lang, field).unwrap_or_default() };
    Shown { field: field.to_owned(), label, code, message }
}

/// The refusals of a form as its page lists them: (field, sentence).
pub fn form_errors(lang: Lang, errors: Vec<FieldError>) -> Vec<(String, String)> {
    errors
        .into_iter()
        .map(|e| {
            let s = shown(lang, &e.field, &e.message);
            (s.field.clone(), s.sentence())
        })
        .collect()
}

/// The refusals a form shows beside its fields, in `lang`; any other error as it was, for
/// its own page.
pub fn form_refusals(lang: Lang, e: treem_app::AppError) -> Result<Vec<(String, String)>, treem_app::AppError> {
    use treem_app::AppError;
    use treem_domain::case::CaseError;
    let list = match e {
        AppError::InvalidFields(list) => list,
        AppError::Invalid { field, message } | AppError::StateConflict { field, message } => vec![FieldError::new(field, message)],
        AppError::EditConflict => vec![FieldError::new("version", AppError::EditConflict.to_string())],
        AppError::Case(CaseError::Guard { field, message }) => vec![FieldError::new(field, message)],
        AppError::Case(c) => vec![FieldError::new("", c.to_string())],
        other => return Err(other),
    };
    Ok(form_errors(lang, list))
}

/// The refusals in `errors` the catalogue does not know, as (field, message): for tests.
pub fn untranslated(errors: &[(String, String)]) -> Vec<(String, String)> {
    errors
        .iter()
        .filter(|(f, m)| translate_message(Lang::Vi, m).is_none() || (!f.is_empty() && field_label(Lang::Vi, f).is_none()))
        .cloned()
        .collect()
}

/// `{1}`…`{9}` written as `{}`: the shape of a text whatever the order of its values.
fn plain_holes(template: &str) -> String {
    let mut out = template.to_owned();
    for n in 1..=9 {
        out = out.replace(&format!("{{{n}}}"), "{}");
    }
    out
}

/// Whether `text` is a message as the catalogue writes it in `lang`.
pub fn is_catalogue_text(lang: Lang, text: &str) -> bool {
    let place = if lang == Lang::Vi { "tại ký tự " } else { "at character " };
    if let Some((position, rest)) = text.strip_prefix(place).and_then(|r| r.split_once(": ")) {
        if !position.is_empty() && position.bytes().all(|b| b.is_ascii_digit()) {
            return is_catalogue_text(lang, rest);
        }
    }
    catalogue().entries.iter().any(|e| {
        let shape = plain_holes(if lang == Lang::Vi { &e.vi } else { &e.en });
        if shape.contains("{}") {
            holes(&shape, text).is_some()
        } else {
            shape == text
        }
    })
}

/// Whether a form's line about `field` is a sentence this module wrote in `lang`: the
/// field's label, then a message of the catalogue. Tests read every form page with it, so
/// an English fallback or an unlabelled field fails the test that met it.
pub fn is_shown_sentence(lang: Lang, field: &str, sentence: &str) -> bool {
    if field.is_empty() {
        return is_catalogue_text(lang, sentence);
    }
    let Some(label) = field_label(lang, field) else { return false };
    sentence.strip_prefix(&format!("{label}: ")).is_some_and(|rest| is_catalogue_text(lang, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_parses_and_has_no_message_twice() {
        let cat = parse(SOURCE).unwrap();
        assert!(cat.entries.len() > 150);
        for e in &cat.entries {
            // Vietnamese may leave out a value (a column number) but never invent one.
            assert!(e.vi.matches('{').count() <= e.en.matches("{}").count(), "holes of `{}`", e.en);
            assert!(e.vi.matches('{').count() > 0 || !e.en.contains("{}") || e.code == "not_object", "values of `{}` dropped", e.en);
            assert!(!e.code.is_empty() && e.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()), "{}", e.code);
        }
    }

    #[test]
    fn messages_are_matched_with_their_values_kept() {
        assert_eq!(message(Lang::Vi, "must be given"), ("required", "chưa được điền".to_owned()));
        assert_eq!(message(Lang::En, "must be given"), ("required", "must be given".to_owned()));
        assert_eq!(
            message(Lang::Vi, "no unit with code 29245 is valid on 2025-07-01"),
            ("unit_unknown", "không có đơn vị mã 29245 còn hiệu lực vào ngày 01/07/2025".to_owned())
        );
        assert_eq!(message(Lang::En, "no unit with code 29245 is valid on 2025-07-01").1, "no unit with code 29245 is valid on 1 Jul 2025");
        // The most specific pattern wins.
        assert_eq!(message(Lang::Vi, "level: one of province, district, commune").0, "one_of");
        assert_eq!(message(Lang::Vi, "level: one of province, district, commune").1, "level: cấp tỉnh, cấp huyện hoặc cấp xã");
        assert_eq!(message(Lang::Vi, "one of a, b").1, "phải là một trong: a, b");
        assert_eq!(message(Lang::Vi, "something new"), ("invalid", "something new".to_owned()));
        // A formula's place and its message, both translated.
        let at = "at character 31: `yes` is not a value of fatal: one of true, false";
        assert_eq!(message(Lang::Vi, at).1, "tại ký tự 31: «yes» không phải là một giá trị của fatal: phải là một trong true, false");
        assert!(is_catalogue_text(Lang::Vi, &message(Lang::Vi, at).1));
        assert_eq!(message(Lang::En, at).1, at);
    }

    #[test]
    fn holes_must_hold_something() {
        assert_eq!(holes("one of {}", "one of "), None);
        assert_eq!(
            holes("{} is a {}; this role works at: {}", "X is a commune; this role works at: province"),
            Some(vec!["X", "commune", "province"])
        );
        assert_eq!(fill("{2} trước {1}", &["a".into(), "b".into()]), "b trước a");
        assert_eq!(fill("{} và {x}", &["a".into()]), "a và {x}");
    }

    /// The string literals of `source` inside calls that build a refusal, and of
    /// `#[error(…)]` attributes, that read as messages (they contain a space).
    fn refusal_literals(source: &str) -> Vec<String> {
        let source = source.split("#[cfg(test)]").next().unwrap_or_default();
        let starts = [".push(", ".require(", "FieldError::new(", "invalid(", "state_conflict(", "Guard {", "message: ", "#[error("];
        let mut found = Vec::new();
        for start in starts {
            for (at, _) in source.match_indices(start) {
                let rest = &source[at + start.len()..];
                let (mut depth, mut end, mut in_str, mut escaped) = (1, rest.len(), false, false);
                for (i, c) in rest.char_indices() {
                    match (in_str, c) {
                        (true, '\\') if !escaped => escaped = true,
                        (true, '"') if !escaped => in_str = false,
                        (true, _) => escaped = false,
                        (false, '"') => in_str = true,
                        (false, '(' | '[' | '{') => depth += 1,
                        (false, ')' | ']' | '}') => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        end = i;
                        break;
                    }
                }
                // A quote as a char literal ('"') opens no string.
                let call = rest[..end].replace("'\"'", "' '");
                let mut chars = call.chars();
                while let Some(c) = chars.next() {
                    if c != '"' {
                        continue;
                    }
                    let mut literal = String::new();
                    while let Some(c) = chars.next() {
                        match c {
                            '"' => break,
                            '\\' => match chars.next() {
                                Some('n') => literal.push(' '),
                                Some(other) => literal.push(other),
                                None => {}
                            },
                            other => literal.push(other),
                        }
                    }
                    if literal.contains(' ') && literal.chars().count() >= 6 {
                        found.push(literal);
                    }
                }
            }
        }
        found
    }

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// Every message the domain and the services can refuse with, found in their source,
    /// has its entry: so a new refusal written in English only fails here, not in front
    /// of a commune worker. The holes (`{…}`) are tried with a sample value.
    #[test]
    fn messages_of_the_services_are_all_in_the_catalogue() {
        // Not refusals: audit descriptions, prefixes glued to another message, errors of
        // the compiled-in catalogue and the server's own configuration (English logs).
        const NOT_REFUSALS: [&str; 10] = [
            "old formula: ",
            "new formula: ",
            "row {row}: ",
            "indicators[{}].formula {e}",
            "database",
            "migration",
            "{field}: {message}",
            "invalid {field}",
            "some fields are not right: {}",
            "conflict: {0}",
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for krate in ["treem_domain", "treem_app"] {
            rust_files(&root.join(krate).join("src"), &mut files);
        }
        let mut missing = Vec::new();
        let mut seen = 0;
        for file in files {
            let name = file.to_string_lossy().into_owned();
            if name.contains("conformance") || name.ends_with("tests.rs") {
                continue;
            }
            for literal in refusal_literals(&std::fs::read_to_string(&file).unwrap()) {
                if NOT_REFUSALS.iter().any(|n| literal.contains(n)) {
                    continue;
                }
                seen += 1;
                let mut sample = String::new();
                let mut rest = literal.as_str();
                while let Some(open) = rest.find('{') {
                    sample.push_str(&rest[..open]);
                    sample.push_str("x7");
                    rest = rest[open..].find('}').map_or("", |c| &rest[open + c + 1..]);
                }
                sample.push_str(rest);
                if translate_message(Lang::Vi, &sample).is_none() {
                    missing.push(format!("{name}: {literal}"));
                }
            }
        }
        assert!(seen > 150, "the scan found only {seen} messages: is it still reading the sources?");
        assert!(missing.is_empty(), "{} messages have no entry in locales/errors.toml:\n{}", missing.len(), missing.join("\n"));
    }

    #[test]
    fn accept_language_picks_the_preferred_of_the_two() {
        assert_eq!(accept_language("vi-VN,vi;q=0.9,en;q=0.8"), Some(Lang::Vi));
        assert_eq!(accept_language("en-GB;q=0.8, vi;q=0.9"), Some(Lang::Vi));
        assert_eq!(accept_language("fr, en;q=0.5"), Some(Lang::En));
        assert_eq!(accept_language("vi;q=0, en"), Some(Lang::En));
        assert_eq!(accept_language("fr"), None);
        assert_eq!(accept_language(""), None);
    }

    #[test]
    fn fields_are_named_by_their_label() {
        assert_eq!(field_label(Lang::Vi, "birth_date").as_deref(), Some("Ngày sinh"));
        assert_eq!(field_label(Lang::En, "birth_date").as_deref(), Some("Date of birth"));
        assert_eq!(field_label(Lang::Vi, "targets[T3].legs[1].operator").as_deref(), Some("Phép so sánh (targets[T3].legs[1].operator)"));
        assert_eq!(shown(Lang::Vi, "birth_date", "is in the future").sentence(), "Ngày sinh: không được là ngày trong tương lai");
        assert_eq!(shown(Lang::Vi, "no_such_field", "must be given").sentence(), "chưa được điền");
        assert!(is_shown_sentence(Lang::Vi, "birth_date", "Ngày sinh: không được là ngày trong tương lai"));
        assert!(is_shown_sentence(Lang::Vi, "unit", "Đơn vị: không có đơn vị mã 29245 còn hiệu lực vào ngày 01/07/2025"));
        assert!(!is_shown_sentence(Lang::Vi, "birth_date", "Ngày sinh: is in the future"));
        assert!(!is_shown_sentence(Lang::Vi, "no_such_field", "chưa được điền"));
        assert!(is_shown_sentence(Lang::En, "", "the case is closed"));
    }
}

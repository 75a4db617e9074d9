//! Keeps the suite whole: every method of every storage trait is called by some
//! conformance function, and every conformance function is run by both backends.
//!
//! The storage traits are read from this crate's own sources (`src/*.rs`) and the
//! suite from `src/conformance.rs` and `src/conformance/*.rs`, at test time, so a new
//! method or a new suite file needs no list kept by hand: a trait method no suite
//! function calls (as `store.method(` or `other.method(`) fails the test by name.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The `.rs` files directly in `dir`, by name, with their text.
fn rust_files(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            out.insert(name, std::fs::read_to_string(&path).unwrap());
        }
    }
    out
}

/// The suite's sources: `conformance.rs` and every file of `conformance/` but this one.
fn suite_sources() -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> =
        rust_files(&src_dir().join("conformance")).into_iter().filter(|(n, _)| n != "coverage.rs").collect();
    out.insert("../conformance.rs".into(), std::fs::read_to_string(src_dir().join("conformance.rs")).unwrap());
    out
}

/// The identifier at the start of `s`.
fn ident(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// `(trait, method)` for every method declared in a `pub trait` of `src`: the lines
/// indented by one level between `pub trait Name` and the `}` that closes it at column 0.
fn trait_methods(src: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in src.lines() {
        match &current {
            None => {
                if let Some(rest) = line.strip_prefix("pub trait ") {
                    current = Some(ident(rest).to_owned());
                }
            }
            Some(name) => {
                if line.starts_with('}') {
                    current = None;
                } else if let Some(decl) = line.strip_prefix("    ").filter(|l| !l.starts_with(' ')) {
                    let decl = decl.strip_prefix("async ").unwrap_or(decl);
                    if let Some(rest) = decl.strip_prefix("fn ") {
                        out.push((name.clone(), ident(rest).to_owned()));
                    }
                }
            }
        }
    }
    out
}

/// Every storage trait method, by trait.
fn storage_methods() -> Vec<(String, String)> {
    rust_files(&src_dir()).values().flat_map(|src| trait_methods(src)).collect()
}

/// Whether `src` calls `method` on a store: `store.method(` or `other.method(`, with
/// any whitespace (a line break made by rustfmt) before the dot.
fn calls(src: &str, method: &str) -> bool {
    let needle = format!(".{method}(");
    src.match_indices(&needle).any(|(at, _)| {
        let before = src[..at].trim_end();
        ["store", "other"]
            .iter()
            .any(|r| before.ends_with(r) && !before[..before.len() - r.len()].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
    })
}

/// The names of the suite's test functions (`pub async fn name(store: &dyn Store…`).
fn suite_functions(src: &str) -> Vec<String> {
    src.lines()
        .filter_map(|l| l.strip_prefix("pub async fn "))
        .filter(|rest| rest.contains("store: &dyn Store"))
        .map(|rest| ident(rest).to_owned())
        .collect()
}

/// The methods still without a conformance function: a list that only shrinks, and
/// must end empty. A new method is never added here; it comes with its test.
const NOT_YET_COVERED: &[&str] = &[];

#[test]
fn the_trait_sources_are_read_as_expected() {
    let methods = storage_methods();
    let traits: BTreeSet<&str> = methods.iter().map(|(t, _)| t.as_str()).collect();
    // `Store` and each store it is made of, as lib.rs lists them: a parse that lost a
    // trait would otherwise pass with fewer methods to cover.
    let lib = std::fs::read_to_string(src_dir().join("lib.rs")).unwrap();
    let head = &lib[lib.find("pub trait Store:").unwrap()..];
    let head = &head[..head.find('{').unwrap()];
    let supertraits: Vec<&str> =
        head.trim_start_matches("pub trait Store:").split('+').map(str::trim).filter(|t| t.ends_with("Store")).collect();
    assert!(supertraits.len() >= 10, "{supertraits:?}");
    for t in supertraits.iter().chain(std::iter::once(&"Store")) {
        assert!(traits.contains(t), "trait {t} was not found in src/*.rs (found {traits:?})");
    }
    assert!(methods.len() >= 85, "only {} storage methods parsed", methods.len());
    assert!(methods.contains(&("IncidentStore".into(), "create_incident".into())));
    assert!(methods.contains(&("Store".into(), "import_units".into())));
    // One name, one method: a call then says which one it covers.
    let mut seen = BTreeSet::new();
    for (t, m) in &methods {
        assert!(seen.insert(m), "{t}::{m} has the name of another storage method");
    }
}

#[test]
fn every_storage_method_is_called_by_the_conformance_suite() {
    let suite = suite_sources();
    let missing: Vec<String> =
        storage_methods().into_iter().filter(|(_, m)| !suite.values().any(|src| calls(src, m))).map(|(t, m)| format!("{t}::{m}")).collect();
    let allowed: BTreeSet<&str> = NOT_YET_COVERED.iter().copied().collect();
    let new_gaps: Vec<&String> = missing.iter().filter(|m| !allowed.contains(m.as_str())).collect();
    assert!(new_gaps.is_empty(), "{} storage methods have no conformance test: {new_gaps:?}", new_gaps.len());
    let stale: Vec<&&str> = allowed.iter().filter(|m| !missing.iter().any(|x| x == *m)).collect();
    assert!(stale.is_empty(), "covered now, so take them off NOT_YET_COVERED: {stale:?}");
}

#[test]
fn every_conformance_function_is_run_by_the_backends() {
    let suite = suite_sources();
    let main = &suite["../conformance.rs"];
    let registered = &main[main.find("macro_rules! conformance_tests").unwrap()..];
    let listed: BTreeSet<&str> = registered.split(|c: char| !(c.is_alphanumeric() || c == '_')).collect();
    let functions: Vec<String> = suite.values().flat_map(|s| suite_functions(s)).collect();
    assert!(functions.len() >= 10, "{functions:?}");
    let unlisted: Vec<&String> = functions.iter().filter(|f| !listed.contains(f.as_str())).collect();
    assert!(unlisted.is_empty(), "conformance functions not in `conformance_tests!` (so run by no backend): {unlisted:?}");
}

#[test]
fn calls_are_recognised_only_on_a_store() {
    assert!(calls("store.child(1, None)", "child"));
    assert!(calls("store\n        .child(1, None)", "child"));
    assert!(calls("other.audit(&e)", "audit"));
    assert!(!calls("restore.child(1)", "child"));
    assert!(!calls("x.child(1)", "child"));
    assert!(!calls("store.children(1)", "child"));
    assert_eq!(
        trait_methods("pub trait A: Send {\n    async fn one(&self);\n    fn two<T>(&self);\n        fn nested() {}\n}\nfn three() {}\n"),
        vec![("A".to_owned(), "one".to_owned()), ("A".to_owned(), "two".to_owned())]
    );
}

//! Every UI string is translated, in both languages, and templates use only known keys.

use std::collections::BTreeSet;
use treem_domain::units::{UnitLevel, UnitType};
use treem_web::i18n::{parse_catalogue, EN_SOURCE, VI_SOURCE};

fn keys(src: &str) -> BTreeSet<String> {
    parse_catalogue(src).unwrap().into_keys().collect()
}

fn templates() -> Vec<(String, String)> {
    let dir = format!("{}/../treem_web/templates", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (p.display().to_string(), std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

#[test]
fn both_languages_have_the_same_keys() {
    let vi = keys(VI_SOURCE);
    let en = keys(EN_SOURCE);
    assert_eq!(vi.difference(&en).collect::<Vec<_>>(), Vec::<&String>::new(), "in vi.toml, missing from en.toml");
    assert_eq!(en.difference(&vi).collect::<Vec<_>>(), Vec::<&String>::new(), "in en.toml, missing from vi.toml");
    for (k, v) in parse_catalogue(VI_SOURCE).unwrap() {
        assert!(!v.trim().is_empty(), "empty Vietnamese text for {k}");
        assert_eq!(v, treem_domain::text::nfc(&v), "{k} is not NFC");
    }
}

#[test]
fn every_key_used_exists() {
    let vi = keys(VI_SOURCE);
    let mut used = BTreeSet::new();
    for (path, text) in templates() {
        for part in text.split("c.t(\"").skip(1) {
            let key = part.split('"').next().unwrap();
            assert!(vi.contains(key), "{path} uses unknown key {key}");
            used.insert(key.to_owned());
        }
        for part in text.split("c.date_or(").skip(1) {
            let key = part.split('"').nth(1).unwrap();
            assert!(vi.contains(key), "{path} uses unknown key {key}");
        }
        assert!(!text.contains("|safe") && !text.contains("| safe"), "{path}: the safe filter would bypass escaping");
    }
    for l in UnitLevel::ALL {
        assert!(vi.contains(&format!("level.{}", l.as_str())), "level {l:?}");
    }
    for t in UnitType::ALL {
        assert!(vi.contains(&format!("unit_type.{}", t.as_str())), "type {t:?}");
    }
    for r in treem_domain::access::Role::ALL {
        assert!(vi.contains(&format!("role.{}", r.as_str())), "role {r:?}");
    }
    for h in treem_domain::child::HivStatus::ALL {
        assert!(vi.contains(&format!("hiv.{}", h.as_str())), "hiv {h:?}");
    }
    for k in treem_domain::plan::TargetKind::ALL {
        assert!(vi.contains(&format!("target_kind.{k}")), "target kind {k}");
    }
    for s in treem_domain::plan::YearStatus::ALL {
        assert!(vi.contains(&format!("year_status.{}", s.as_str())), "year status {s:?}");
    }
    for u in treem_domain::plan::UNIT_STATUSES {
        assert!(vi.contains(&format!("unit_status.{u}")), "unit status {u}");
    }
    for b in treem_domain::plan::BUDGET_SOURCES {
        assert!(vi.contains(&format!("budget_source.{b}")), "budget source {b}");
    }
    for g in treem_domain::plan::SOLUTION_GROUPS {
        assert!(vi.contains(&format!("solution_group.{g}")), "solution group {g}");
    }
    for c in treem_domain::plan::CLASSIFICATIONS {
        assert!(vi.contains(&format!("classification.{c}")), "classification {c}");
    }
    let periods = treem_domain::plan::REPORT_PERIODS.iter().chain(&["not_stated"]);
    for (prefix, list) in
        [("report_due_rule", treem_domain::plan::REPORT_DUE_RULES), ("report_frequency", treem_domain::plan::REPORT_FREQUENCIES)]
    {
        for v in list {
            assert!(vi.contains(&format!("{prefix}.{v}")), "{prefix} {v}");
        }
    }
    for p in periods {
        assert!(vi.contains(&format!("report_period.{p}")), "report period {p}");
    }
    // Every field a catalogue indicator may be broken down by, and each of its values.
    for kind in treem_domain::indicator::FactKind::ALL {
        for (field, values) in kind.fields() {
            assert!(vi.contains(&format!("disaggregation.{field}")), "disaggregation field {field}");
            for v in *values {
                assert!(vi.contains(&format!("{field}.{v}")), "value {field}.{v}");
            }
        }
    }
    for k in
        ["sex.male", "sex.female", "hiv.none", "field.hidden", "nav.cases", "nav.incidents", "nav.plan", "nav.programmes", "nav.reports"]
    {
        assert!(vi.contains(k), "{k}");
    }
}

#[test]
fn templates_hold_no_hard_coded_words() {
    // Text between tags must come from the catalogue; only punctuation and
    // template expressions may stand there.
    for (path, text) in templates() {
        let mut rest = text.as_str();
        while let Some(close) = rest.find('>') {
            rest = &rest[close + 1..];
            let chunk = rest.split('<').next().unwrap();
            let stripped: String = chunk
                .split("{{")
                .enumerate()
                .map(|(i, s)| if i == 0 { s } else { s.split_once("}}").map_or("", |(_, after)| after) })
                .collect::<String>();
            let stripped: String =
                stripped.split("{%").enumerate().map(|(i, s)| if i == 0 { s } else { s.split_once("%}").map_or("", |(_, a)| a) }).collect();
            let letters: String = stripped.chars().filter(|c| c.is_alphabetic()).collect();
            assert!(letters.is_empty(), "{path}: hard-coded text `{}`", stripped.trim());
        }
    }
}

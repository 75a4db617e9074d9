//! The authorisation matrix (docs/access-matrix.csv: role × record relation ×
//! action) and randomised probes that no out-of-scope child is ever returned,
//! on every backend.

use axum::http::StatusCode;
use std::collections::{BTreeMap, HashSet};
use time::macros::date;
use time::Date;
use treem_domain::units::{UnitCatalog, UnitId, SHARE_WHOLE};

use crate::harness::{apps, TestApp};

const LEGACY: Date = date!(2020 - 01 - 01);

/// Registers a child at the unit holding `code` on `on`, as the given token's owner.
async fn child_at(t: &TestApp, token: &str, code: &str, on: Date, name: &str) -> i64 {
    let unit = t.unit_id(code, on);
    // The fixtures look alike on purpose: registered past the duplicate check.
    let body = serde_json::json!({"full_name": name, "sex": "female", "birth_date": "2012-05-01", "residence_unit_id": unit, "registered_on": on.to_string(), "confirm_not_duplicate": true});
    let r = t.api("POST", "/api/v1/children", token, Some(body.to_string())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

fn matrix() -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(format!("{}/../../docs/access-matrix.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines.map(|l| header.iter().map(|h| (*h).to_owned()).zip(l.split(',').map(str::to_owned)).collect()).collect()
}

#[tokio::test]
async fn the_access_matrix_holds_on_every_backend() {
    for t in apps().await {
        // A provincial officer of the whole pre-2025 map registers the records.
        t.account("reg.p87", "provincial_officer", "87", Some(LEGACY)).await;
        t.account("reg.p82", "provincial_officer", "82", Some(LEGACY)).await;
        let reg87 = t.token("reg.p87").await;
        let reg82 = t.token("reg.p82").await;
        let mut tokens: BTreeMap<String, String> = BTreeMap::new();
        let mut checked = 0;
        for row in matrix() {
            let (role, scope, relation, unit) = (&row["role"], &row["scope_unit"], &row["relation"], &row["record_unit"]);
            if unit.is_empty() {
                assert!(["read", "list", "write", "export"].iter().all(|a| row[*a] == "na"), "{row:?}");
                continue;
            }
            let username = format!("m.{}", role.replace('_', "."));
            if !tokens.contains_key(&username) {
                t.account(&username, role, scope, Some(LEGACY)).await;
                tokens.insert(username.clone(), t.token(&username).await);
            }
            let token = &tokens[&username];
            let registrar = if unit.starts_with("28") { &reg82 } else { &reg87 };
            let name = format!("Trẻ {role} {relation}");
            let id = child_at(&t, registrar, unit, date!(2020 - 06 - 01), &name).await;
            for action in ["read", "list", "write", "export"] {
                let expected = row[action].as_str();
                let (status, found) = match action {
                    "read" => {
                        let r = t.api("GET", &format!("/api/v1/children/{id}"), token, None).await;
                        (r.status, r.status == StatusCode::OK)
                    }
                    "list" => {
                        let r = t.api("GET", "/api/v1/children?limit=100", token, None).await;
                        (r.status, r.status == StatusCode::OK && r.json()["children"].as_array().unwrap().iter().any(|c| c["id"] == id))
                    }
                    "write" => {
                        let version =
                            t.api("GET", &format!("/api/v1/children/{id}"), registrar, None).await.json()["version"].as_i64().unwrap();
                        let body = serde_json::json!({"full_name": name, "sex": "female", "birth_date": "2012-05-01", "residence_unit_id": t.unit_id(unit, date!(2020 - 06 - 01)), "registered_on": "2020-06-01", "version": version});
                        let r = t.api("PUT", &format!("/api/v1/children/{id}"), token, Some(body.to_string())).await;
                        (r.status, r.status == StatusCode::NO_CONTENT)
                    }
                    _ => {
                        let r = t.api("GET", "/api/v1/children/export.csv", token, None).await;
                        (r.status, r.status == StatusCode::OK && r.body.contains(&name))
                    }
                };
                let ok = match expected {
                    "allow" => found,
                    "hidden" => !found && (status == StatusCode::NOT_FOUND || status == StatusCode::OK),
                    "deny" => status == StatusCode::FORBIDDEN,
                    other => panic!("unknown cell {other}"),
                };
                assert!(ok, "{}: {role} {relation} {action}: expected {expected}, got {status} (found: {found})", t.backend);
                checked += 1;
            }
        }
        assert_eq!(checked, 4 * 20, "every non-na cell was checked");
    }
}

/// A tiny deterministic generator (xorshift64*), so a failing probe can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }
}

/// Independent of `UnitCatalog::scope_of`: a record at `unit` on `on` is visible to
/// an account scoped to `scope` when the scope is the unit or one of its ancestors
/// on that date, or a unit that one of those became (wholly) later, or an ancestor
/// of such a unit when it began.
fn oracle(c: &UnitCatalog, scope: UnitId, unit: UnitId, on: Date) -> bool {
    let mut start = vec![unit];
    start.extend(c.ancestors_on(unit, on));
    let mut seen = HashSet::new();
    let mut stack = start;
    while let Some(u) = stack.pop() {
        if !seen.insert(u) {
            continue;
        }
        if u == scope {
            return true;
        }
        if let Some(unit) = c.get(u) {
            if c.ancestors_on(u, unit.validity.from).contains(&scope) {
                return true;
            }
        }
        stack.extend(c.successors_of(u).iter().filter(|s| s.share_ppm == SHARE_WHOLE).map(|s| s.to));
    }
    false
}

#[tokio::test]
async fn ten_thousand_random_probes_never_return_an_out_of_scope_child() {
    for t in apps().await {
        let c = t.app.units.catalog();
        let mut rng = Rng(0x7472_6565_6d21 ^ t.backend.len() as u64);
        t.account("reg.p87", "provincial_officer", "87", Some(LEGACY)).await;
        t.account("reg.p82", "provincial_officer", "82", Some(LEGACY)).await;
        t.account("reg.new", "provincial_officer", "82", None).await;
        let registrars = [t.token("reg.p87").await, t.token("reg.p82").await, t.token("reg.new").await];
        // Children at random communes and hamlets of both eras.
        let legacy: Vec<UnitId> = c
            .units()
            .iter()
            .filter(|u| {
                u.validity.contains(date!(2020 - 06 - 01))
                    && matches!(u.level, treem_domain::units::UnitLevel::Commune | treem_domain::units::UnitLevel::Hamlet)
            })
            .map(|u| u.id)
            .collect();
        let current: Vec<UnitId> = c
            .units()
            .iter()
            .filter(|u| u.validity.contains(date!(2026 - 01 - 01)) && u.level != treem_domain::units::UnitLevel::Province)
            .map(|u| u.id)
            .collect();
        let mut children: Vec<(i64, UnitId, Date, String)> = Vec::new();
        for i in 0..120 {
            let (unit, on) = if i % 2 == 0 {
                (legacy[rng.below(legacy.len())], date!(2020 - 06 - 01))
            } else {
                (current[rng.below(current.len())], date!(2026 - 01 - 01))
            };
            let u = c.get(unit).unwrap();
            let province_code = c.ancestors_on(unit, on).last().and_then(|p| c.get(*p)).map(|p| p.code.clone()).unwrap();
            let registrar = if on.year() > 2025 {
                &registrars[2]
            } else if province_code == "87" {
                &registrars[0]
            } else {
                &registrars[1]
            };
            let name = format!("Trẻ thử {i} {}", u.name);
            let id = child_at(&t, registrar, &u.code, on, &name).await;
            children.push((id, unit, on, name));
        }
        // Actors of every role that reads, at random units of the right level, both eras.
        let mut actors: Vec<(String, UnitId)> = Vec::new();
        let pick = |rng: &mut Rng, level: treem_domain::units::UnitLevel, on: Date| -> Option<(String, Date)> {
            let us: Vec<_> = c.units().iter().filter(|u| u.level == level && u.validity.contains(on)).collect();
            (!us.is_empty()).then(|| (us[rng.below(us.len())].code.clone(), on))
        };
        use treem_domain::units::UnitLevel::*;
        let plan = [
            ("commune_worker", Commune, date!(2026 - 01 - 01)),
            ("commune_worker", Commune, date!(2026 - 01 - 01)),
            ("commune_worker", Commune, LEGACY),
            ("commune_worker", Commune, LEGACY),
            ("hamlet_collaborator", Hamlet, date!(2026 - 01 - 01)),
            ("hamlet_collaborator", Hamlet, LEGACY),
            ("district_officer", District, LEGACY),
            ("district_officer", District, LEGACY),
            ("provincial_officer", Province, LEGACY),
            ("police_liaison", Commune, date!(2026 - 01 - 01)),
            ("auditor", Province, date!(2026 - 01 - 01)),
        ];
        let mut tokens = Vec::new();
        for (i, (role, level, on)) in plan.iter().enumerate() {
            let Some((code, on)) = pick(&mut rng, *level, *on) else { continue };
            let username = format!("p{i}.{}", role.replace('_', "."));
            t.account(&username, role, &code, Some(on)).await;
            actors.push((username.clone(), c.by_code_on(&code, on).unwrap().id));
            tokens.push(t.token(&username).await);
        }
        let missing_body = t.api("GET", "/api/v1/children/987654321", &tokens[0], None).await.body;
        let mut probes = 0;
        let mut visible_reads = 0;
        while probes < 10_000 {
            let a = rng.below(actors.len());
            let (token, scope) = (&tokens[a], actors[a].1);
            let visible = |unit: UnitId, on: Date| oracle(&c, scope, unit, on);
            match rng.below(4) {
                0 => {
                    let (id, unit, on, _) = &children[rng.below(children.len())];
                    let r = t.api("GET", &format!("/api/v1/children/{id}"), token, None).await;
                    if visible(*unit, *on) {
                        assert_eq!(r.status, StatusCode::OK, "{}: {} should read child {id}", t.backend, actors[a].0);
                        visible_reads += 1;
                    } else {
                        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}: {} read out-of-scope child {id}", t.backend, actors[a].0);
                        assert_eq!(r.body, missing_body, "out of scope must look exactly like missing");
                    }
                }
                1 | 2 => {
                    // A list or a search by a random fragment of a name.
                    let q = if rng.below(2) == 0 {
                        String::new()
                    } else {
                        children[rng.below(children.len())].3.split(' ').nth(3).unwrap_or("xa").to_lowercase()
                    };
                    let mut after = String::new();
                    loop {
                        let r = t
                            .api("GET", &format!("/api/v1/children?limit=100&q={}{after}", treem_web::session::encode(&q)), token, None)
                            .await;
                        assert_eq!(r.status, StatusCode::OK);
                        let page = r.json();
                        for child in page["children"].as_array().unwrap() {
                            let id = child["id"].as_i64().unwrap();
                            let (_, unit, on, _) = children.iter().find(|c| c.0 == id).unwrap();
                            assert!(visible(*unit, *on), "{}: {} listed out-of-scope child {id}", t.backend, actors[a].0);
                        }
                        match page["next_after"].as_i64() {
                            Some(n) => after = format!("&after={n}"),
                            None => break,
                        }
                    }
                }
                _ => {
                    let r = t.api("GET", "/api/v1/children/export.csv", token, None).await;
                    if r.status == StatusCode::OK {
                        for (id, unit, on, _) in &children {
                            if r.body.lines().any(|l| l.starts_with(&format!("{id},"))) {
                                assert!(visible(*unit, *on), "{}: {} exported out-of-scope child {id}", t.backend, actors[a].0);
                            }
                        }
                    } else {
                        assert_eq!(r.status, StatusCode::FORBIDDEN);
                    }
                }
            }
            probes += 1;
        }
        assert!(visible_reads > 100, "the probes must also exercise allowed reads ({visible_reads})");
    }
}

#[test]
fn the_auditors_rendering_matches_the_code() {
    use treem_domain::access::{Role, SensitiveKind};
    let doc = std::fs::read_to_string(format!("{}/../../docs/ACCESS.md", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let matrix = std::fs::read_to_string(format!("{}/../../docs/access-matrix.csv", env!("CARGO_MANIFEST_DIR"))).unwrap();
    for line in matrix.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let rendered = format!(
            "| {} | {} | {} | {} | {} |",
            cells[0],
            if cells[1].is_empty() { "–" } else { cells[1] },
            cells[2],
            if cells[3].is_empty() { "–" } else { cells[3] },
            cells[4..].join(" | ")
        );
        assert!(doc.contains(&rendered), "docs/ACCESS.md is out of date for: {line}");
    }
    for role in Role::ALL {
        let row = doc
            .lines()
            .find(|l| l.starts_with(&format!("| {} | ", role.as_str())) && l.split('|').count() == 7)
            .unwrap_or_else(|| panic!("no field row for {role:?}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        for (i, kind) in
            [SensitiveKind::HivStatus, SensitiveKind::AbuseDetails, SensitiveKind::OffenceDetails, SensitiveKind::ReporterIdentity]
                .into_iter()
                .enumerate()
        {
            assert_eq!(cells[i + 2] == "yes", role.sees(kind), "docs/ACCESS.md: {role:?} {kind:?}");
        }
    }
}

/// The one access table: `docs/access-functions.csv` is generated from `Role::permits`, and
/// `docs/ACCESS.md` renders it; the record matrix's `deny` cells are exactly the functions the
/// table does not grant.
#[test]
fn the_access_table_is_the_one_the_docs_and_the_matrix_show() {
    use treem_domain::access::{functions_csv, Action, Role};
    let root = format!("{}/../..", env!("CARGO_MANIFEST_DIR"));
    let csv = std::fs::read_to_string(format!("{root}/docs/access-functions.csv")).unwrap();
    assert_eq!(csv, functions_csv(), "docs/access-functions.csv is out of date: regenerate it from treem_domain::access::functions_csv");
    let doc = std::fs::read_to_string(format!("{root}/docs/ACCESS.md")).unwrap();
    for line in csv.lines() {
        let rendered = format!("| {} |", line.split(',').collect::<Vec<_>>().join(" | "));
        assert!(doc.contains(&rendered), "docs/ACCESS.md does not show: {line}");
    }
    for row in matrix() {
        let role = Role::parse(&row["role"]).unwrap();
        for action in Action::RECORD_ACTIONS {
            let cell = row[action.as_str()].as_str();
            if cell != "na" {
                assert_eq!(cell == "deny", !role.may(action), "docs/access-matrix.csv {role:?} {action:?}: {cell}");
            }
        }
    }
}

/// No service or handler decides access by naming roles: every permission is answered by
/// `Role::permits` (domain) through `Actor` (`treem_app::access`). Naming a role elsewhere
/// is allowed only to parse one or to list them all.
#[test]
fn no_role_is_checked_outside_the_access_table() {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = std::path::PathBuf::from(format!("{}/..", env!("CARGO_MANIFEST_DIR")));
    let mut files = Vec::new();
    walk(&root.join("treem_app/src"), &mut files);
    walk(&root.join("treem_web/src"), &mut files);
    let mut found = Vec::new();
    for file in files.iter().filter(|f| !f.ends_with("treem_app/src/access.rs")) {
        for (n, line) in std::fs::read_to_string(file).unwrap().lines().enumerate() {
            let names_a_role = line.contains("Role::") && !line.contains("Role::parse") && !line.contains("Role::ALL");
            let compares_roles =
                line.contains(".role ==") || line.contains(".role !=") || (line.contains("matches!(") && line.contains(".role"));
            if names_a_role || compares_roles {
                found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "role checks outside the access table:\n{}", found.join("\n"));
}

//! Privacy as a property (docs/SECURITY.md): for every role × every sensitive class it
//! does not see, every read route answers exactly as it would had the child never had
//! that attribute. Tested as a difference between two worlds built by the same requests,
//! except that in one of them a commune worker records the attribute (HIV status and
//! group đ; abuse details, group l and an abuse incident; offence details, group e and
//! an incident of conflict with the law). Each reader then walks every read route (every
//! GET operation of the OpenAPI document with its filters, every page, downloads,
//! drill-downs, the audit log) in both worlds, and the answers must be the same byte for
//! byte, once what differs between any two runs (times, CSRF tokens, random ids of the
//! same visible records) is put aside. The commune worker, who sees every class, must
//! see a difference: the test can fail.

use axum::http::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use time::macros::date;

use crate::harness::{apps, TestApp};

/// A sensitive class and who, among the roles that read records, does not see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Hiv,
    Abuse,
    Offence,
}

impl Class {
    const ALL: [Class; 3] = [Class::Hiv, Class::Abuse, Class::Offence];

    /// The readers that must not be able to tell (the role table: docs/ACCESS.md).
    fn blind_readers(self) -> &'static [&'static str] {
        match self {
            Class::Hiv => &["congan", "ctv", "kiemtra"],
            Class::Abuse | Class::Offence => &["ctv", "kiemtra"],
        }
    }
}

const YEAR: i32 = 2026;

/// One world: the app, its accounts' tokens and sessions, and the ids of what was made.
struct World {
    t: TestApp,
    tokens: BTreeMap<&'static str, String>,
    sessions: BTreeMap<&'static str, String>,
    child_x: i64,
    child_y: i64,
    case_x: i64,
    /// Ids drawn at random for visible records (incidents, group memberships), in the
    /// order they were made: the same records have different ids in the two worlds.
    random_ids: Vec<i64>,
    /// Ids of the hidden records (only in the world with the attribute).
    hidden_ids: Vec<i64>,
}

const ACCOUNTS: [(&str, &str, &str); 6] = [
    ("lan.xa", "commune_worker", "29884"),
    ("ctv", "hamlet_collaborator", "29884-01"),
    ("congan", "police_liaison", "29884"),
    ("kiemtra", "auditor", "82"),
    ("tinh", "provincial_officer", "82"),
    ("huyen.cu", "district_officer", "866"),
];

fn child_body(name: &str, hamlet: i64) -> Value {
    json!({"full_name": name, "sex": "female", "birth_date": "2014-03-02", "residence_unit_id": hamlet, "registered_on": "2026-01-05"})
}

async fn created(t: &TestApp, token: &str, uri: &str, body: Value) -> i64 {
    let r = t.api("POST", uri, token, Some(body.to_string())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{uri}: {}", r.body);
    r.json()["id"].as_i64().unwrap()
}

/// Builds a world: the same requests in the same order in both, then, in the world
/// `with`, the attribute of `class` recorded on child X by the commune worker.
async fn world(t: TestApp, class: Class, with: bool) -> World {
    for (name, role, scope) in ACCOUNTS {
        let on = (role == "district_officer").then_some(date!(2020 - 01 - 01));
        t.account(name, role, scope, on).await;
    }
    let plan = treem_app::plans::parse_plan_toml("dong-thap-2013.toml", treem_domain::bundled::PLAN_DONG_THAP_2013).unwrap();
    t.app.plans.import(treem_app::accounts::Operator::Cli, &plan).await.unwrap();
    let mut tokens = BTreeMap::new();
    for (name, ..) in ACCOUNTS {
        tokens.insert(name, t.token(name).await);
    }
    let worker = tokens["lan.xa"].clone();
    let hamlet = t.unit_id("29884-01", date!(2026 - 01 - 05));
    let child_x = created(&t, &worker, "/api/v1/children", child_body("Nguyễn Thị Ánh", hamlet)).await;
    let child_y = created(&t, &worker, "/api/v1/children", child_body("Trần Thị Bích", hamlet)).await;
    let mut random_ids = Vec::new();
    // Visible records: an orphan group for Y, an accident of X, a case about X.
    let r = t
        .api(
            "POST",
            &format!("/api/v1/children/{child_y}/circumstances"),
            &worker,
            Some(json!({"group": "a", "began_on": "2026-01-06"}).to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    random_ids.push(r.json()["id"].as_i64().unwrap());
    let accident = json!({"kind": "accident", "occurred_on": "2026-02-01", "unit_id": hamlet, "children": [child_x], "injury": "drowning", "fatal": false});
    random_ids.push(created(&t, &worker, "/api/v1/incidents", accident).await);
    let case =
        json!({"child_id": child_x, "source": "collaborator", "summary": "Cháu hay ở nhà một mình", "received_at": "2026-02-02T01:00:00Z"});
    let case_x = created(&t, &worker, "/api/v1/cases", case).await;
    // The worker reads X (for its version) in both worlds.
    let version = t.api("GET", &format!("/api/v1/children/{child_x}"), &worker, None).await.json()["version"].as_i64().unwrap();
    let mut hidden_ids = Vec::new();
    if with {
        let mut body = child_body("Nguyễn Thị Ánh", hamlet);
        body["version"] = json!(version);
        let (field, value, group) = match class {
            Class::Hiv => ("hiv_status", "positive", "dd"),
            Class::Abuse => ("abuse_notes", "Bị xâm hại bởi người quen", "l"),
            Class::Offence => ("offence_notes", "Trộm cắp tài sản", "e"),
        };
        body[field] = json!(value);
        let r = t.api("PUT", &format!("/api/v1/children/{child_x}"), &worker, Some(body.to_string())).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let r = t
            .api(
                "POST",
                &format!("/api/v1/children/{child_x}/circumstances"),
                &worker,
                Some(json!({"group": group, "began_on": "2026-01-10"}).to_string()),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        hidden_ids.push(r.json()["id"].as_i64().unwrap());
        let incident = match class {
            Class::Hiv => None,
            Class::Abuse => Some(json!({"kind": "abuse", "occurred_on": "2026-01-09", "unit_id": hamlet, "children": [child_x],
                "abuse_form": "xam_hai_tinh_duc", "sexual_subtype": "dam_o", "setting": "community", "relation": "acquaintance", "details": "Chi tiết"})),
            Class::Offence => {
                Some(json!({"kind": "conflict_with_law", "occurred_on": "2026-01-09", "unit_id": hamlet, "children": [child_x],
                "offence": "Trộm cắp", "justice_stage": "police", "justice_measure": "diversion", "details": "Chi tiết"}))
            }
        };
        if let Some(i) = incident {
            hidden_ids.push(created(&t, &worker, "/api/v1/incidents", i).await);
        }
    }
    let mut sessions = BTreeMap::new();
    for (name, ..) in ACCOUNTS {
        sessions.insert(name, t.session(name).await);
    }
    World { t, tokens, sessions, child_x, child_y, case_x, random_ids, hidden_ids }
}

/// Puts aside what differs between any two runs: times, CSRF tokens, and the random ids
/// of the same visible records (replaced by the other world's).
fn normalised(body: &str, from: &World, to: &World) -> String {
    let mut s = body.to_owned();
    for (a, b) in from.random_ids.iter().zip(&to.random_ids) {
        s = s.replace(&a.to_string(), &b.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let digit = |i: usize| chars.get(i).is_some_and(char::is_ascii_digit);
    let at = |i: usize, c: char| chars.get(i) == Some(&c);
    let mut i = 0;
    while i < chars.len() {
        // 2026-12-03T07:45:21.123456Z (the API's audit log) and 03/12/2026 14:45 (pages).
        let rfc =
            (0..4).all(|k| digit(i + k)) && at(i + 4, '-') && at(i + 10, 'T') && at(i + 13, ':') && at(i + 19, '.') && at(i + 26, 'Z');
        if rfc {
            out.push_str("<time>");
            i += 27;
            continue;
        }
        let local = digit(i) && digit(i + 1) && at(i + 2, '/') && at(i + 5, '/') && at(i + 10, ' ') && at(i + 13, ':') && digit(i + 15);
        if local {
            out.push_str("<time>");
            // 03/12/2026 14:45:21 (the audit log, to the second).
            i += if at(i + 16, ':') && digit(i + 17) && digit(i + 18) { 19 } else { 16 };
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    // Synchronizer tokens and the audit log's cursor (a time, already replaced).
    let mut parts = out.split("name=\"csrf\" value=\"");
    let mut joined = parts.next().unwrap_or_default().to_owned();
    for p in parts {
        joined.push_str("name=\"csrf\" value=\"<csrf>");
        joined.push_str(p.split_once('"').map_or("", |(_, rest)| rest));
        joined.push('"');
    }
    joined
}

/// `uri` with the random ids of `from`'s visible records replaced by `to`'s.
fn in_world(uri: &str, from: &World, to: &World) -> String {
    let mut s = uri.to_owned();
    for (a, b) in from.random_ids.iter().zip(&to.random_ids) {
        s = s.replace(&a.to_string(), &b.to_string());
    }
    s
}

/// Every read route, with the filters and formats users can set, in world `w`; the ids
/// of `probes` (hidden records of the other world) are asked for too.
async fn read_routes(w: &World, probes: &[i64]) -> Vec<String> {
    let doc: Value = serde_json::from_str(&w.t.get("/api/v1/openapi.json").await.body).unwrap();
    let catalogue = w.t.get("/api/v1/indicators").await.json();
    let codes: Vec<(String, Vec<String>)> = catalogue
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let by = i["disaggregations"].as_array().unwrap().iter().map(|d| d.as_str().unwrap().to_owned()).collect();
            (i["code"].as_str().unwrap().to_owned(), by)
        })
        .collect();
    let commune = w.t.unit_id("29884", date!(2026 - 06 - 30));
    let hamlet = w.t.unit_id("29884-01", date!(2026 - 06 - 30));
    let (x, y, case) = (w.child_x, w.child_y, w.case_x);
    let mut out = Vec::new();
    let mut paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    paths.sort();
    for path in paths {
        if doc["paths"][path].get("get").is_none() {
            continue;
        }
        let filled: Vec<String> = match path.as_str() {
            "/api/v1/children/{id}" | "/api/v1/children/{id}/register" | "/api/v1/children/{id}/overview" => {
                vec![path.replace("{id}", &x.to_string()), path.replace("{id}", &y.to_string())]
            }
            // The visible accident, and a probe of a hidden record's id in both worlds.
            "/api/v1/incidents/{id}" => w.random_ids.iter().skip(1).chain(probes).map(|i| path.replace("{id}", &i.to_string())).collect(),
            "/api/v1/cases/{id}" | "/api/v1/cases/{id}/assignees" => vec![path.replace("{id}", &case.to_string())],
            "/api/v1/units/{id}" => vec![path.replace("{id}", &hamlet.to_string())],
            p if p.starts_with("/api/v1/plans/{code}") => vec![path.replace("{code}", "dt-2013-ct20")],
            p if p.starts_with("/api/v1/indicators/{code}") => codes.iter().map(|(c, _)| path.replace("{code}", c)).collect(),
            p if p.contains('{') => panic!("privacy.rs: give a value for the parameters of {p}, a new read route"),
            p => vec![p.to_owned()],
        };
        for p in filled {
            out.push(p.clone());
            if let Some(code) = p.strip_prefix("/api/v1/indicators/").and_then(|r| r.split('/').next()) {
                let by = &codes.iter().find(|(c, _)| c == code).unwrap().1;
                if p.ends_with("/values") {
                    out.push(format!("{p}?from=2024&to={YEAR}&unit={hamlet}&on=2026-06-30"));
                } else if p.ends_with("/breakdown") {
                    for level in ["commune", "hamlet", "province"] {
                        out.push(format!("{p}?year={YEAR}&on=2026-06-30&level={level}"));
                    }
                } else if p.ends_with("/disaggregation") {
                    for field in by {
                        out.push(format!("{p}?by={field}&year={YEAR}"));
                        out.push(format!("{p}?by={field}&year={YEAR}&unit={commune}&on=2026-06-30"));
                    }
                }
                // The drill-downs from the figure to the records behind it.
                out.push(format!("/api/v1/children?indicator={code}&year={YEAR}"));
                out.push(format!("/api/v1/cases?indicator={code}&year={YEAR}"));
                out.push(format!("/api/v1/incidents?indicator={code}&year={YEAR}&unit={hamlet}&on=2026-06-30"));
            }
        }
    }
    for q in [
        "/api/v1/children?q=anh",
        "/api/v1/children?group=a",
        "/api/v1/children?group=dd",
        "/api/v1/children?group=e",
        "/api/v1/children?group=l",
        "/api/v1/children?unit_id=0",
        "/api/v1/children/export.csv?q=thi",
        "/api/v1/incidents?kind=abuse",
        "/api/v1/incidents?kind=conflict_with_law",
        "/api/v1/incidents?kind=accident",
        "/api/v1/incidents?from=2026-01-01&to=2026-12-31",
        "/api/v1/cases?overdue=true",
        "/api/v1/tasks?mine=true",
        "/api/v1/audit?record_type=child",
        "/api/v1/audit?record_type=incident",
        "/api/v1/audit?action=child.",
        "/api/v1/audit?limit=3",
    ] {
        out.push(q.replace("unit_id=0", &format!("unit_id={commune}")));
    }
    // Every page (GET routes of the router: a test below keeps this list complete).
    out.extend(pages(w, probes));
    out
}

/// The pages a person reads, with their filters and downloads.
fn pages(w: &World, probes: &[i64]) -> Vec<String> {
    let (x, y, case) = (w.child_x, w.child_y, w.case_x);
    let hamlet = w.t.unit_id("29884-01", date!(2026 - 06 - 30));
    let mut v = vec![
        "/".to_owned(),
        "/units".into(),
        format!("/units/{hamlet}"),
        "/plans".into(),
        "/plans/dt-2013-ct20".into(),
        "/plans/dt-2013-ct20/targets/T1/chart.svg".into(),
        "/plans/dt-2013-ct20/targets/T1/chart.svg?format=png".into(),
        "/reported".into(),
        "/fund".into(),
        "/indicators".into(),
        "/account".into(),
        "/audit".into(),
        "/audit?record_type=child".into(),
        "/children".into(),
        "/children?q=anh".into(),
        "/children?group=a".into(),
        "/children?group=dd".into(),
        "/children?group=l".into(),
        "/children?group=e".into(),
        format!("/children?indicator=children.special_circumstances_share&year={YEAR}"),
        "/children/new".into(),
        "/children/export.csv".into(),
        "/children/export.xlsx".into(),
        "/children/duplicates".into(),
        format!("/children/{x}"),
        format!("/children/{y}"),
        format!("/children/{x}/edit"),
        "/cases".into(),
        "/cases/new".into(),
        format!("/cases/{case}"),
        "/tasks".into(),
        "/tasks?overdue=1".into(),
        "/incidents".into(),
        "/incidents?kind=abuse".into(),
        format!("/incidents?year={YEAR}"),
        "/incidents/new".into(),
        "/cases/export.csv".into(),
        "/cases/export.csv?overdue=1".into(),
        "/incidents/export.csv".into(),
        "/incidents/export.csv?kind=abuse".into(),
        format!("/incidents/export.csv?year={YEAR}"),
        "/tasks/export.csv".into(),
        "/audit/export.csv".into(),
        "/audit/export.csv?record_type=incident".into(),
        format!("/incidents/new?children={x}"),
        format!("/incidents/new?children={x},{y}"),
        "/services".into(),
    ];
    for id in w.random_ids.iter().skip(1).chain(probes) {
        v.push(format!("/incidents/{id}"));
    }
    for code in ["children.special_circumstances_share", "incidents.abuse", "incidents.sexual_abuse", "children.under_16"] {
        v.push(format!("/indicators/{code}"));
        v.push(format!("/indicators/{code}?year={YEAR}&level=commune&on=2026-06-30"));
        v.push(format!("/indicators/{code}?year={YEAR}&level=commune&on=2026-06-30&format=csv"));
        v.push(format!("/indicators/{code}?year={YEAR}&level=commune&on=2026-06-30&format=svg"));
        v.push(format!("/indicators/{code}?year={YEAR}&by=sex"));
        v.push(format!("/indicators/{code}/trend"));
        v.push(format!("/indicators/{code}/trend?format=png"));
        v.push(format!("/indicators/{code}/edit"));
    }
    v
}

async fn answer(w: &World, reader: &str, uri: &str) -> (StatusCode, Vec<u8>) {
    use axum::body::Body;
    use axum::http::{header, Request};
    let req = if uri.starts_with("/api/") {
        Request::get(uri).header(header::AUTHORIZATION, format!("Bearer {}", w.tokens[reader]))
    } else {
        Request::get(uri).header(header::COOKIE, format!("treem_session={}", w.sessions[reader]))
    };
    let (status, bytes) = w.t.send_raw(req.body(Body::empty()).unwrap()).await;
    (status, bytes)
}

#[tokio::test]
async fn a_hidden_attribute_changes_nothing_a_reader_without_its_class_can_read() {
    for class in Class::ALL {
        let mut with_apps = apps().await.into_iter();
        let mut without_apps = apps().await.into_iter();
        while let (Some(a), Some(b)) = (with_apps.next(), without_apps.next()) {
            let backend = a.backend;
            let with = world(a, class, true).await;
            let without = world(b, class, false).await;
            assert!(!with.hidden_ids.is_empty());
            let mut compared = 0;
            let routes = read_routes(&without, &with.hidden_ids).await;
            for reader in class.blind_readers() {
                for uri in &routes {
                    let (s1, b1) = answer(&with, reader, &in_world(uri, &without, &with)).await;
                    let (s2, b2) = answer(&without, reader, uri).await;
                    assert!(s1 != StatusCode::INTERNAL_SERVER_ERROR, "{backend} {class:?} {reader} {uri}: 500");
                    let (t1, t2) = (String::from_utf8_lossy(&b1), String::from_utf8_lossy(&b2));
                    let n1 = normalised(&t1, &with, &without);
                    let n2 = normalised(&t2, &without, &without);
                    assert_eq!(
                        (s1, &n1),
                        (s2, &n2),
                        "{backend}: {reader} can tell {class:?} on {uri}\n--- with ---\n{n1}\n--- without ---\n{n2}"
                    );
                    compared += 1;
                }
            }
            eprintln!("{backend} {class:?}: {compared} answers compared, {} routes", routes.len());
            assert!(compared > 300, "{compared} answers compared");
            // The commune worker sees every class: for it the two worlds differ (the test can fail).
            let mut differs = 0;
            for uri in [format!("/api/v1/children/{}", with.child_x), format!("/api/v1/children/{}/register", with.child_x)] {
                let (_, b1) = answer(&with, "lan.xa", &uri).await;
                let (_, b2) = answer(&without, "lan.xa", &uri).await;
                if normalised(&String::from_utf8_lossy(&b1), &with, &without)
                    != normalised(&String::from_utf8_lossy(&b2), &without, &without)
                {
                    differs += 1;
                }
            }
            assert_eq!(differs, 2, "{backend} {class:?}: the worker sees the attribute");
        }
    }
}

/// Every GET page of the router is read by the test above (or is named here with why not).
#[test]
fn every_page_route_is_read_by_the_privacy_property() {
    let router = include_str!("../../../treem_web/src/lib.rs");
    let exempt = [
        "/static/app.css",           // the stylesheet
        "/api/v1/openapi.json",      // the API document
        "/login",                    // the sign-in form (signed out)
        "/login/code",               // the second-factor form
        "/account/totp",             // enrolment of the reader's own second factor
        "/admin/accounts",           // administrators only (no record data)
        "/plans/import",             // the import form (no record data)
        "/imports",                  // the upload form and the reader's own imports (file names and counts)
        "/imports/reports/{token}",  // a report only its uploader holds the token of
        "/imports/jobs/{token}",     // a running import of its uploader only (its report once done)
        "/imports/templates/{file}", // blank templates; the communes listed are public data
        "/indicators/new",           // an empty form
        "/units",                    // units are public data
        "/units/{id}",
        // The same rows as the .csv route beside it (one `Sheet` writes both); the zip's
        // bytes hold the export's minute, which the comparison cannot put aside.
        "/cases/export.xlsx",
        "/incidents/export.xlsx",
        "/tasks/export.xlsx",
        "/audit/export.xlsx",
    ];
    let read = [
        "/",
        "/plans",
        "/reported",
        "/fund",
        "/indicators",
        "/indicators/{code}",
        "/indicators/{code}/trend",
        "/indicators/{code}/edit",
        "/plans/{code}",
        "/plans/{code}/targets/{target}/chart.svg",
        "/account",
        "/audit",
        "/audit/export.csv",
        "/children",
        "/children/new",
        "/children/export.csv",
        "/children/export.xlsx",
        "/children/duplicates",
        "/children/{id}",
        "/children/{id}/edit",
        "/cases",
        "/cases/new",
        "/cases/export.csv",
        "/cases/{id}",
        "/tasks",
        "/tasks/export.csv",
        "/incidents",
        "/incidents/new",
        "/incidents/export.csv",
        "/incidents/{id}",
        "/services",
    ];
    for line in router.lines().filter(|l| l.contains(".route(\"") && l.contains("get(")) {
        let path = line.split(".route(\"").nth(1).and_then(|r| r.split('"').next()).unwrap();
        assert!(read.contains(&path) || exempt.contains(&path), "{path}: add it to the privacy property's pages");
    }
}

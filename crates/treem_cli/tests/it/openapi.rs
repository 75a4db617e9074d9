//! The OpenAPI document against the server's answers: every operation of the document is
//! sent the requests that reach each of its refusals (no credentials, each role, a missing
//! or malformed id, each query parameter unreadable, a body that is not JSON, not an
//! object, missing its fields, too large, of the wrong media type) and a valid request;
//! every answer's status must be one the document lists for that operation, its media
//! type one the document names, and a JSON body must validate against the schema the
//! document gives (JSON Schema 2020-12, as OpenAPI 3.1 uses, checked by `jsonschema`).

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use time::macros::date;

use crate::harness::{apps, TestApp};

const ACCOUNTS: [(&str, &str, &str); 6] = [
    ("admin.t", "system_admin", ""),
    ("tinh", "provincial_officer", "82"),
    ("lan.xa", "commune_worker", "29884"),
    ("congan", "police_liaison", "29884"),
    ("kiemtra", "auditor", "82"),
    ("baocao", "agency_reporter", "82"),
];

/// The records the probes name in paths, made through the API.
struct Ids {
    /// By the path's resource (`cases`) or parameter name (`rid`), or, first, by the
    /// template and the name (`/api/v1/children/{id}/unmerge id`).
    by_param: BTreeMap<String, String>,
}

async fn created(t: &TestApp, token: &str, uri: &str, body: Value) -> i64 {
    let r = t.api("POST", uri, token, Some(body.to_string())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{uri}: {}", r.body);
    r.json()["id"].as_i64().unwrap()
}

async fn world(t: &TestApp) -> (BTreeMap<&'static str, String>, Ids, i64) {
    for (name, role, scope) in ACCOUNTS {
        t.account(name, role, scope, None).await;
    }
    let plan = treem_app::plans::parse_plan_toml("dong-thap-2013.toml", treem_domain::bundled::PLAN_DONG_THAP_2013).unwrap();
    t.app.plans.import(treem_app::accounts::Operator::Cli, &plan).await.unwrap();
    let mut tokens = BTreeMap::new();
    for (name, ..) in ACCOUNTS {
        tokens.insert(name, t.token(name).await);
    }
    let worker = tokens["lan.xa"].clone();
    let hamlet = t.unit_id("29884-01", date!(2026 - 01 - 05));
    let child = created(
        t,
        &worker,
        "/api/v1/children",
        json!({"full_name": "Nguyễn Thị Ánh", "sex": "female", "birth_date": "2014-03-02", "residence_unit_id": hamlet}),
    )
    .await;
    let row =
        created(t, &worker, &format!("/api/v1/children/{child}/circumstances"), json!({"group": "a", "began_on": "2026-01-06"})).await;
    let consent = created(
        t,
        &worker,
        &format!("/api/v1/children/{child}/consents"),
        json!({"kind": "child", "given_by": "Nguyễn Văn Lực", "given_on": "2026-01-07", "scope": "chia sẻ với trường"}),
    )
    .await;
    // A second record of the same child, to merge and unmerge.
    let duplicate = created(
        t,
        &worker,
        "/api/v1/children",
        json!({"full_name": "Nguyễn Thị Ánh", "sex": "female", "birth_date": "2014-03-02", "residence_unit_id": hamlet, "confirm_not_duplicate": true}),
    )
    .await;
    let case = created(
        t,
        &worker,
        "/api/v1/cases",
        json!({"child_id": child, "source": "collaborator", "summary": "Cháu hay ở nhà một mình", "received_at": "2026-02-02T01:00:00Z"}),
    )
    .await;
    // A case of its own for each of the assignment and the transfer, at version 1.
    let mut spare_cases = Vec::new();
    for summary in ["Cháu bị bỏ rơi", "Cháu không được đi học"] {
        let body = json!({"child_id": child, "source": "collaborator", "summary": summary, "received_at": "2026-02-03T01:00:00Z"});
        spare_cases.push(created(t, &worker, "/api/v1/cases", body).await);
    }
    let officer = t.app.auth.actor_for("tinh", "t").await.unwrap();
    let provider = t.app.cases.create_provider(&officer, "Nhà tạm lánh", "safe_house", "82", "").await.unwrap();
    let referral =
        created(t, &worker, &format!("/api/v1/cases/{case}/referrals"), json!({"provider_id": provider, "note": "cần chỗ ở"})).await;
    let incident = created(
        t,
        &worker,
        "/api/v1/incidents",
        json!({"kind": "accident", "occurred_on": "2026-02-01", "unit_id": hamlet, "children": [child], "injury": "drowning", "fatal": false}),
    )
    .await;
    let commune = t.unit_id("29884", date!(2026 - 01 - 05));
    let status = created(
        t,
        &tokens["tinh"],
        "/api/v1/unit-statuses",
        json!({"unit_id": commune, "kind": "child_friendly", "valid_from": "2025-08-01", "decision": "QĐ 12/QĐ-UBND"}),
    )
    .await;
    let accounts = t.api("GET", "/api/v1/accounts", &tokens["admin.t"], None).await.json();
    let account = accounts.as_array().unwrap().iter().find(|a| a["username"] == "baocao").unwrap()["id"].as_i64().unwrap();
    // A token of its own for the revoke probes, so the probes' own tokens stay valid.
    let spare = t.token("kiemtra").await;
    let own = t.api("GET", "/api/v1/tokens", &spare, None).await.json();
    let token_id = own.as_array().unwrap().iter().map(|x| x["id"].as_i64().unwrap()).max().unwrap();
    let case_version = t.api("GET", &format!("/api/v1/cases/{case}"), &worker, None).await.json()["version"].as_i64().unwrap();
    let child_version = t.api("GET", &format!("/api/v1/children/{child}"), &worker, None).await.json()["version"].as_i64().unwrap();
    let mut by_param: BTreeMap<String, String> = BTreeMap::new();
    by_param.insert("/api/v1/cases/{id}/assignment id".into(), spare_cases[0].to_string());
    by_param.insert("/api/v1/cases/{id}/assignees id".into(), spare_cases[0].to_string());
    by_param.insert("/api/v1/cases/{id}/transfer id".into(), spare_cases[1].to_string());
    let worker_id = accounts.as_array().unwrap().iter().find(|a| a["username"] == "lan.xa").unwrap()["id"].as_i64().unwrap();
    by_param.insert("worker".into(), worker_id.to_string());
    by_param.insert("other_commune".into(), t.unit_id("28249", date!(2026 - 01 - 05)).to_string());
    by_param.insert("duplicate".into(), duplicate.to_string());
    by_param.insert("/api/v1/children/{id}/unmerge id".into(), duplicate.to_string());
    by_param.insert("/api/v1/indicators/{code} code".into(), "children.accidents_probe".into());
    by_param.insert("case_version".into(), case_version.to_string());
    by_param.insert("child".into(), child.to_string());
    by_param.insert("child_version".into(), child_version.to_string());
    by_param.insert("children".into(), child.to_string());
    by_param.insert("row".into(), row.to_string());
    by_param.insert("provider".into(), provider.to_string());
    by_param.insert("consent".into(), consent.to_string());
    by_param.insert("cases".into(), case.to_string());
    by_param.insert("rid".into(), referral.to_string());
    by_param.insert("incidents".into(), incident.to_string());
    by_param.insert("units".into(), commune.to_string());
    by_param.insert("unit-statuses".into(), status.to_string());
    by_param.insert("accounts".into(), account.to_string());
    by_param.insert("tokens".into(), token_id.to_string());
    by_param.insert("plans".into(), "dt-2013-ct20".to_owned());
    by_param.insert("indicators".into(), "children.special_circumstances_share".to_owned());
    (tokens, Ids { by_param }, commune)
}

/// The path with its parameters filled: each `{…}` by the record the path names before
/// it (`/cases/{id}` a case), or by `filler` when set (a missing or malformed id).
fn fill(template: &str, ids: &Ids, filler: Option<&str>) -> String {
    let mut out = Vec::new();
    let mut previous = "";
    for part in template.split('/') {
        if part.starts_with('{') {
            let name = part.trim_matches(|c| c == '{' || c == '}');
            let key = if name == "id" || name == "code" { previous } else { name };
            let value = filler
                .map(str::to_owned)
                .or_else(|| ids.by_param.get(&format!("{template} {name}")).cloned())
                .or_else(|| ids.by_param.get(key).cloned())
                .unwrap_or_else(|| panic!("no id for {template}"));
            out.push(value);
        } else {
            out.push(part.to_owned());
            previous = part;
        }
    }
    out.join("/")
}

/// A valid body for each operation that takes one (an operation missing here is sent `{}`).
fn valid_body(method: &str, path: &str, unit: i64, ids: &Ids) -> Value {
    let id = |key: &str| ids.by_param[key].parse::<i64>().unwrap();
    let child = id("children");
    match (method, path) {
        ("POST", "/api/v1/children") => {
            json!({"full_name": "Trần Văn Bình", "sex": "male", "birth_date": "2013-05-06", "residence_unit_id": unit, "confirm_not_duplicate": true})
        }
        ("POST", "/api/v1/children/duplicates") => {
            json!({"full_name": "Nguyễn Thị Ánh", "sex": "female", "birth_date": "2014-03-02", "residence_unit_id": unit})
        }
        ("PUT", "/api/v1/children/{id}") => json!({"full_name": "Nguyễn Thị Ánh", "sex": "female", "birth_date": "2014-03-02",
            "residence_unit_id": unit, "version": id("child_version")}),
        ("POST", "/api/v1/children/{id}/circumstances") => json!({"group": "b", "began_on": "2026-01-08"}),
        ("POST", "/api/v1/children/{id}/circumstances/{row}/end") => json!({"ended_on": "2026-01-09"}),
        ("POST", "/api/v1/children/{id}/risks") => json!({"factors": "Cha mẹ đi làm xa", "began_on": "2025-09-01"}),
        ("POST", "/api/v1/children/{id}/caregivers") => {
            json!({"name": "Phan Thị Bảy", "relation": "grandparent", "legal_representative": true, "phone": ""})
        }
        ("POST", "/api/v1/children/{id}/consents") => {
            json!({"kind": "child", "given_by": "Nguyễn Văn Lực", "given_on": "2026-01-07", "scope": "x"})
        }
        ("PUT", "/api/v1/children/{id}/profile") => json!({"birth_registered_on": "2014-04-20"}),
        ("POST", "/api/v1/children/{id}/merge") => json!({"duplicate_id": id("duplicate")}),
        ("POST", "/api/v1/cases") => json!({"child_id": child, "source": "hotline_111", "summary": "Tin báo qua tổng đài 111"}),
        ("POST", "/api/v1/cases/{id}/actions") => json!({"action": "verify", "note": "Đã gặp gia đình", "version": id("case_version")}),
        ("POST", "/api/v1/cases/{id}/assignment") => json!({"account_id": id("worker"), "version": 1}),
        ("POST", "/api/v1/cases/{id}/transfer") => json!({"unit_id": id("other_commune"), "reason": "Gia đình chuyển nhà", "version": 1}),
        ("POST", "/api/v1/cases/{id}/interventions") => {
            json!({"kind": "psychological_support", "responsible": "Trung tâm Công tác xã hội tỉnh", "due_on": "2027-01-15"})
        }
        ("POST", "/api/v1/cases/{id}/referrals") => {
            json!({"provider_id": ids.by_param["provider"].parse::<i64>().unwrap(), "note": "cần chỗ ở"})
        }
        ("PUT", "/api/v1/cases/{id}/referrals/{rid}") => json!({"status": "accepted", "reason": ""}),
        ("POST", "/api/v1/incidents") => {
            json!({"kind": "accident", "occurred_on": "2026-02-03", "unit_id": unit, "children": [child], "injury": "drowning", "fatal": false})
        }
        ("POST", "/api/v1/fund") => json!({"unit": unit, "date": "2026-02-01", "direction": "receipt", "source": "other", "amount": 1000}),
        ("PUT", "/api/v1/reported") => json!({"element": "children_under6", "unit": unit, "year": 2025, "sex": "male", "value": 1200}),
        ("POST", "/api/v1/unit-statuses") => {
            json!({"unit_id": unit, "kind": "community_based_protection", "valid_from": "2025-09-01", "decision": "QĐ 7"})
        }
        ("POST", "/api/v1/unit-statuses/{id}/end") => json!({"valid_to": "2026-01-01"}),
        ("PUT", "/api/v1/indicators/{code}") => json!({
            "name_vi": "Số vụ tai nạn thương tích trẻ em", "name_en": "Child accidents",
            "concept_vi": "Số vụ tai nạn thương tích trẻ em xảy ra trong năm", "formula": "count(incidents where kind = \"accident\")",
            "disaggregations": ["unit"], "period": "year", "source": "incidents recorded in treem", "agency": "A1", "revision": 0}),
        ("POST", "/api/v1/plans") => crate::shared::founding_plan(),
        ("POST", "/api/v1/indicators/check") => json!({"formula": "count(incidents where injury = \"drowning\")"}),
        ("POST", "/api/v1/accounts") => {
            json!({"username": "moi.tao", "display_name": "Người Mới", "role": "auditor", "scope_unit_code": "82", "password": "một mật khẩu đủ dài"})
        }
        ("PUT", "/api/v1/accounts/{id}/status") => json!({"disabled": false}),
        ("POST", "/api/v1/units/reaggregate") => json!({"target_date": "2025-07-01", "counts": []}),
        _ => json!({}),
    }
}

/// The query a valid request of the operation needs, if any.
fn valid_query(path: &str) -> &'static str {
    match path {
        "/api/v1/units/search" => "?q=M%E1%BB%B9",
        "/api/v1/indicators/{code}/disaggregation" => "?by=sex&year=2026",
        _ => "",
    }
}

/// What one answer got wrong against the document, if anything.
fn check(doc: &Value, op: &Value, what: &str, status: StatusCode, content_type: Option<&str>, body: &[u8]) -> Option<String> {
    let responses = &op["responses"];
    let Some(declared) = responses.get(status.as_str()).or_else(|| responses.get("default")) else {
        let listed: Vec<&String> = responses.as_object().unwrap().keys().collect();
        return Some(format!(
            "{what}: {status} not in the document {listed:?}: {}",
            String::from_utf8_lossy(body).chars().take(200).collect::<String>()
        ));
    };
    if body.is_empty() {
        return None;
    }
    let media = content_type.unwrap_or_default().split(';').next().unwrap_or_default().trim().to_owned();
    let Some(content) = declared["content"].as_object() else {
        return Some(format!("{what}: {status} has a body ({media}) the document does not describe"));
    };
    let Some(described) = content.get(&media) else {
        return Some(format!("{what}: {status} is {media}, the document says {:?}", content.keys().collect::<Vec<_>>()));
    };
    if media != "application/json" {
        return None;
    }
    let schema = described.get("schema")?;
    let instance: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return Some(format!("{what}: {status} says JSON but is not ({e})")),
    };
    let mut root = schema.clone();
    root["components"] = doc["components"].clone();
    let validator = jsonschema::options().should_validate_formats(true).build(&root).unwrap_or_else(|e| panic!("{what}: schema: {e}"));
    let errors: Vec<String> = validator.iter_errors(&instance).take(3).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    (!errors.is_empty()).then(|| format!("{what}: {status} body does not match the schema: {}", errors.join("; ")))
}

/// One request of the battery.
struct Probe {
    who: String,
    uri: String,
    token: Option<String>,
    /// A cookie session instead of a token (sent without the CSRF header).
    cookie: Option<String>,
    body: Option<(String, Vec<u8>)>,
    /// A body the document forbids: the answer must be a refusal.
    forbidden: bool,
}

impl Probe {
    fn new(who: impl Into<String>, uri: &str, token: Option<&str>, body: Option<(&str, Vec<u8>)>) -> Self {
        let body = body.map(|(m, b)| (m.to_owned(), b));
        Self { who: who.into(), uri: uri.to_owned(), token: token.map(str::to_owned), cookie: None, body, forbidden: false }
    }
}

async fn send(t: &TestApp, method: &str, p: &Probe) -> (StatusCode, Option<String>, Vec<u8>) {
    // Every refusal is then read in Vietnamese, and must be written in it.
    let mut req = Request::builder().method(method).uri(&p.uri).header(header::ACCEPT_LANGUAGE, "vi-VN,vi;q=0.9,en;q=0.5");
    if let Some(token) = &p.token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(session) = &p.cookie {
        req = req.header(header::COOKIE, format!("treem_session={session}"));
    }
    let req = match &p.body {
        Some((media, bytes)) => req.header(header::CONTENT_TYPE, media).body(Body::from(bytes.clone())).unwrap(),
        None => req.body(Body::empty()).unwrap(),
    };
    let (status, headers, bytes) = t.send_parts(req).await;
    let media = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    (status, media, bytes)
}

/// What of an error envelope asked for in Vietnamese is not: a message without any
/// Vietnamese letter, or a field without its label or with the fallback code.
fn not_in_vietnamese(bytes: &[u8]) -> Vec<String> {
    let Ok(v) = serde_json::from_slice::<Value>(bytes) else { return Vec::new() };
    let Some(e) = v.get("error") else { return Vec::new() };
    let mut out = Vec::new();
    let message = e["message"].as_str().unwrap_or_default();
    if message.is_ascii() {
        out.push(format!("message `{message}`"));
    }
    for f in e["fields"].as_array().into_iter().flatten() {
        // An unknown field has no label: its name is all there is.
        let unlabelled = f["label"].as_str().unwrap_or_default().is_empty() && f["code"] != "unknown_field";
        if f["code"] == "invalid" || unlabelled {
            out.push(format!("field {} ({}): `{}`", f["field"], f["code"], f["message"]));
        }
    }
    out
}

/// The schema of an operation's JSON request body, with its `$ref` resolved.
fn request_schema<'a>(doc: &'a Value, op: &'a Value) -> Option<&'a Value> {
    let schema = op["requestBody"]["content"].get("application/json")?.get("schema")?;
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => doc["components"]["schemas"].get(r.trim_start_matches("#/components/schemas/")),
        None => Some(schema),
    }
}

/// The valid body changed, one constraint of the document at a time, so it breaks it:
/// (what was broken, the body).
fn breaking(schema: &Value, valid: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    if schema["additionalProperties"] == json!(false) {
        let mut b = valid.clone();
        b["zz_unknown"] = json!(1);
        out.push(("an unknown field".to_owned(), b));
    }
    for (field, p) in schema["properties"].as_object().into_iter().flatten() {
        let mut set = |what: String, value: Value| {
            let mut b = valid.clone();
            b[field.as_str()] = value;
            out.push((format!("{field}: {what}"), b));
        };
        if p.get("enum").is_some() {
            set("a value outside its list".into(), json!("zz-not-listed"));
        }
        if let Some(n) = p["maxLength"].as_u64() {
            set(format!("{} characters", n + 1), json!("a".repeat(n as usize + 1)));
        }
        if p.get("pattern").is_some() {
            set("not its pattern".into(), json!("!!"));
        }
        match p["format"].as_str() {
            Some("date") => set("not a date".into(), json!("2026-02-30")),
            Some("date-time") => set("not a time".into(), json!("2026-02-30T25:00:00Z")),
            _ => {}
        }
        if let Some(min) = p["minimum"].as_i64() {
            set(format!("below {min}"), json!(min - 1));
        }
    }
    out
}

#[tokio::test]
async fn every_answer_of_every_operation_is_in_the_openapi_document() {
    for t in apps().await {
        let doc = t.get("/api/v1/openapi.json").await.json();
        let (tokens, ids, unit) = world(&t).await;
        let session = t.session("lan.xa").await;
        // The checker itself: an answer unlike its schema is caught, an unlisted status too.
        let unit_op = &doc["paths"]["/api/v1/units/{id}"]["get"];
        let json = Some("application/json");
        assert!(check(&doc, unit_op, "self-test", StatusCode::OK, json, br#"{"id":"seven"}"#).is_some());
        assert!(check(&doc, unit_op, "self-test", StatusCode::IM_A_TEAPOT, json, b"{}").is_some());
        assert!(check(&doc, unit_op, "self-test", StatusCode::NOT_FOUND, Some("text/plain"), b"not found").is_some());
        let mut problems = Vec::new();
        let mut untranslated: Vec<String> = Vec::new();
        let mut answers = 0usize;
        let mut constraints = 0usize;
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut never_succeeded = Vec::new();
        let paths = doc["paths"].as_object().unwrap().clone();
        // Destructive operations last, so the others meet the records as made.
        let mut operations: Vec<(String, String, Value)> = paths
            .iter()
            .flat_map(|(path, item)| item.as_object().unwrap().iter().map(move |(m, op)| (m.to_uppercase(), path.clone(), op.clone())))
            .collect();
        operations.sort_by_key(|(m, p, _)| (p.contains("tokens/{id}") || p.contains("accounts/{id}"), m == "GET", p.clone()));
        for (method, template, op) in &operations {
            let query_params: Vec<String> = op["parameters"]
                .as_array()
                .map(|ps| ps.iter().filter(|p| p["in"] == "query").map(|p| p["name"].as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();
            let has_path = template.contains('{');
            let has_body = op.get("requestBody").is_some();
            // The body as the document says it is sent: JSON, or a CSV upload.
            let media = op["requestBody"]["content"].as_object().and_then(|c| c.keys().next().cloned()).unwrap_or_default();
            let valid_json = valid_body(method, template, unit, &ids);
            let valid = if template.contains("/imports/incidents") {
                format!(
                    "Ngày xảy ra,Mã xã,Loại vụ việc,Loại tai nạn,Mã hồ sơ treem\n01/03/2026,29884,Tai nạn,Đuối nước,{}\n",
                    ids.by_param["child"]
                )
                .into_bytes()
            } else if template.contains("/imports/cases") {
                format!(
                    "Mã hồ sơ treem,Ngày tiếp nhận,Nguồn tin,Nội dung tin báo\n{},01/03/2026,Nhà trường,Trẻ nghỉ học\n",
                    ids.by_param["child"]
                )
                .into_bytes()
            } else if template.contains("/imports/children") {
                "Họ và tên,Ngày sinh,Giới tính,Mã xã\nNguyễn Thị An,01/03/2015,Nữ,29884\n".as_bytes().to_vec()
            } else if media == "text/csv" {
                format!("element,unit,year,sex,value,note\nchildren_taught_to_swim,{unit},2025,male,40,\n").into_bytes()
            } else {
                valid_json.to_string().into_bytes()
            };
            let real = fill(template, &ids, None);
            let body = has_body.then(|| (media.as_str(), valid.clone()));
            let valid_uri = format!("{real}{}", valid_query(template));
            let mut probes = vec![
                Probe::new("anonymous", &real, None, body.clone()),
                Probe::new("an unknown token", &real, Some("treem_nottoken"), body.clone()),
            ];
            if method != "GET" {
                let mut p = Probe::new("a cookie session without the CSRF header", &real, None, body.clone());
                p.cookie = Some(session.clone());
                probes.push(p);
            }
            let writers = ["admin.t", "tinh", "lan.xa"];
            // The document's constraints, broken one at a time, before any valid request.
            if let Some(schema) = request_schema(&doc, op) {
                if let Some(p) = jsonschema::options()
                    .should_validate_formats(true)
                    .build(&{
                        let mut root = schema.clone();
                        root["components"] = doc["components"].clone();
                        root
                    })
                    .unwrap()
                    .iter_errors(&valid_json)
                    .next()
                {
                    problems.push(format!("{} {method} {template}: the valid body breaks the document's schema: {p}", t.backend));
                }
                for (what, b) in breaking(schema, &valid_json) {
                    constraints += 1;
                    for name in writers {
                        let mut p = Probe::new(
                            format!("{name}, {what}"),
                            &real,
                            Some(&tokens[name]),
                            Some(("application/json", b.to_string().into_bytes())),
                        );
                        p.forbidden = true;
                        probes.push(p);
                    }
                }
            }
            for (name, ..) in ACCOUNTS {
                let token = Some(tokens[name].as_str());
                probes.push(Probe::new(format!("{name}, valid"), &valid_uri, token, body.clone()));
                // Sent again: what a state allows once (ending a row, answering a referral,
                // taking a username) is then a conflict, which must be documented too.
                probes.push(Probe::new(format!("{name}, valid again"), &valid_uri, token, body.clone()));
                if has_path {
                    probes.push(Probe::new(format!("{name}, missing id"), &fill(template, &ids, Some("999999999")), token, body.clone()));
                    probes.push(Probe::new(format!("{name}, malformed id"), &fill(template, &ids, Some("x%20y")), token, body.clone()));
                }
                for q in &query_params {
                    probes.push(Probe::new(format!("{name}, ?{q} unreadable"), &format!("{real}?{q}=%E2%9C%97x"), token, body.clone()));
                    probes.push(Probe::new(format!("{name}, ?{q} empty"), &format!("{real}?{q}="), token, body.clone()));
                }
                if has_body && writers.contains(&name) {
                    let large = format!("{{\"x\":\"{}\"}}", "a".repeat(3 * 1024 * 1024)).into_bytes();
                    for (what, media, bytes) in [
                        ("{}", "application/json", b"{}".to_vec()),
                        ("not JSON", "application/json", b"{,".to_vec()),
                        ("an array", "application/json", b"[]".to_vec()),
                        ("text/plain", "text/plain", valid.clone()),
                        ("too large", "application/json", large),
                    ] {
                        probes.push(Probe::new(format!("{name}, {what}"), &real, token, Some((media, bytes))));
                    }
                }
            }
            let mut succeeded = false;
            // Per broken constraint: whether some writer got past authorisation to its refusal.
            let mut refused_for_it: BTreeMap<String, bool> = BTreeMap::new();
            for p in &probes {
                let (status, media, bytes) = send(&t, method, p).await;
                answers += 1;
                *seen.entry(status.as_str().to_owned()).or_default() += 1;
                let what = format!("{} {method} {} ({})", t.backend, p.uri, p.who);
                if p.forbidden {
                    let constraint = p.who.split_once(", ").map(|(_, w)| w.to_owned()).unwrap_or_default();
                    let reached = matches!(status, StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST);
                    *refused_for_it.entry(constraint).or_default() |= reached;
                    if status.is_success() {
                        problems.push(format!("{what}: the document forbids this body, the server took it ({status})"));
                    }
                } else {
                    succeeded |= status.is_success();
                }
                if let Some(p) = check(&doc, op, &what, status, media.as_deref(), &bytes) {
                    problems.push(p);
                }
                if !status.is_success() {
                    untranslated.extend(not_in_vietnamese(&bytes).into_iter().map(|m| format!("{what}: {m}")));
                }
            }
            for (constraint, reached) in refused_for_it {
                if !reached {
                    problems
                        .push(format!("{} {method} {template}: no writer's body breaking {constraint} was refused as invalid", t.backend));
                }
            }
            if !succeeded {
                never_succeeded.push(format!("{method} {template}"));
            }
        }
        println!(
            "{}: {} operations, {answers} answers checked against the document ({constraints} constraints broken on purpose), by status {seen:?}; {} problems",
            t.backend,
            operations.len(),
            problems.len()
        );
        untranslated.sort();
        untranslated.dedup();
        assert!(untranslated.is_empty(), "{} refusals not in Vietnamese:\n{}", untranslated.len(), untranslated.join("\n"));
        // Every success answer's schema is checked on a real body.
        assert!(problems.is_empty(), "{} answers differ from the document:\n{}", problems.len(), problems.join("\n"));
        assert!(never_succeeded.is_empty(), "operations no probe made succeed: {never_succeeded:?}");
        assert!(seen.len() >= 11, "the probes reached too few kinds of answer: {seen:?}");
    }
}

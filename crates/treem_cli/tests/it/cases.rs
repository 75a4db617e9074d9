//! Case management through the API on every backend: a hotline report walked
//! through every step to closure, tasks and their deadlines, refusals, scope.

use axum::http::StatusCode;
use serde_json::json;
use time::macros::date;

use crate::harness::{apps, TestApp};

async fn setup(t: &TestApp) -> (String, i64) {
    t.account("lan.xa", "commune_worker", "29884", None).await;
    let token = t.token("lan.xa").await;
    let unit = t.unit_id("29884-01", date!(2026 - 01 - 01));
    let body = json!({"full_name": "Trần Thị Bé", "sex": "female", "birth_date": "2015-06-01", "residence_unit_id": unit});
    let child = t.api("POST", "/api/v1/children", &token, Some(body.to_string())).await.json()["id"].as_i64().unwrap();
    (token, child)
}

async fn act(t: &TestApp, token: &str, id: i64, body: serde_json::Value) -> crate::harness::Reply {
    let version = t.api("GET", &format!("/api/v1/cases/{id}"), token, None).await.json()["version"].as_i64().unwrap();
    let mut body = body;
    body["version"] = json!(version);
    t.api("POST", &format!("/api/v1/cases/{id}/actions"), token, Some(body.to_string())).await
}

#[tokio::test]
async fn a_hotline_report_walks_every_step_to_closure() {
    for t in apps().await {
        let (token, child) = setup(&t).await;
        let open = json!({"child_id": child, "source": "hotline_111", "source_ref": "111-0042", "reporter_name": "Hàng xóm", "summary": "Trẻ bị đánh, có vết bầm", "urgent": true});
        let r = t.api("POST", "/api/v1/cases", &token, Some(open.to_string())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let id = r.json()["id"].as_i64().unwrap();
        let case = t.api("GET", &format!("/api/v1/cases/{id}"), &token, None).await.json();
        assert_eq!(case["state"], "received");
        assert_eq!(case["unit_id"], t.unit_id("29884-01", date!(2026 - 01 - 01)), "the case is kept where the child lives");
        let tasks: Vec<&str> = case["tasks"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
        assert_eq!(tasks, vec!["verify", "emergency_intervention"]);
        // The 12-hour window runs from receipt.
        let received =
            time::OffsetDateTime::parse(case["received_at"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap();
        let due = time::OffsetDateTime::parse(case["tasks"][0]["due_at"].as_str().unwrap(), &time::format_description::well_known::Rfc3339)
            .unwrap();
        assert_eq!(due - received, time::Duration::hours(12));
        assert_eq!(case["next_actions"], json!(["verify", "start_emergency", "close_unfounded"]));

        // An illegal step and a missing field are refused with stable codes; nothing changes.
        let r = act(&t, &token, id, json!({"action": "start_plan"})).await;
        assert_eq!((r.status, r.json()["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("ILLEGAL_TRANSITION")));
        let r = act(&t, &token, id, json!({"action": "verify", "note": "  "})).await;
        assert_eq!(
            (r.status, r.json()["error"]["code"].as_str(), r.json()["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("GUARD_FAILED"), Some("note"))
        );

        let steps = [
            json!({"action": "verify", "note": "Đã gặp trẻ và gia đình"}),
            json!({"action": "assess_initial", "risk": "high", "note": "Người gây hại sống cùng nhà"}),
            json!({"action": "start_emergency", "note": "Tạm thời cách ly, đưa đến nhà bà ngoại"}),
            json!({"action": "assess_detailed", "note": "Đánh giá cụ thể theo mẫu 03"}),
        ];
        for s in steps {
            let r = act(&t, &token, id, s.clone()).await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{s}: {}", r.body);
        }
        // A plan needs at least one intervention.
        let r = act(&t, &token, id, json!({"action": "draft_plan", "note": "Kế hoạch"})).await;
        assert_eq!(r.json()["error"]["field"], "interventions");
        let i = json!({"kind": "psychological_support", "responsible": "Trung tâm Công tác xã hội tỉnh", "due_on": "2027-01-15"});
        assert_eq!(
            t.api("POST", &format!("/api/v1/cases/{id}/interventions"), &token, Some(i.to_string())).await.status,
            StatusCode::CREATED
        );
        for s in [
            json!({"action": "draft_plan", "note": "Hỗ trợ tâm lý, theo dõi hằng tuần"}),
            json!({"action": "approve_plan", "approved_by": "Chủ tịch UBND phường", "review_on": "2027-02-01"}),
            json!({"action": "start_plan"}),
            json!({"action": "review", "safe": true, "note": "Trẻ ổn định"}),
            json!({"action": "close", "note": "Kết thúc kế hoạch"}),
        ] {
            let r = act(&t, &token, id, s.clone()).await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{s}: {}", r.body);
        }
        let done = t.api("GET", &format!("/api/v1/cases/{id}"), &token, None).await.json();
        assert_eq!(done["state"], "closed");
        assert_eq!(done["steps"].as_array().unwrap().len(), 9);
        assert!(
            done["tasks"].as_array().unwrap().iter().all(|t| !t["done_at"].is_null()),
            "closing completes every task: {}",
            done["tasks"]
        );
        let r = act(&t, &token, id, json!({"action": "review", "safe": true, "note": "x"})).await;
        assert_eq!(r.json()["error"]["code"], "CASE_CLOSED");
        // Each step is in the audit log.
        assert_eq!(
            t.raw_count("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'case.%' AND outcome = 'ok' AND action <> 'case.read'").await,
            1 + 9 + 1,
            "open, nine steps, one intervention"
        );
    }
}

#[tokio::test]
async fn overdue_tasks_referrals_conflicts_and_scope() {
    for t in apps().await {
        let (token, child) = setup(&t).await;
        // An urgent report received 13 hours ago is already overdue (the 12 hours of Art. 26(3)).
        let received =
            (time::OffsetDateTime::now_utc() - time::Duration::hours(13)).format(&time::format_description::well_known::Rfc3339).unwrap();
        let open =
            json!({"child_id": child, "source": "school", "summary": "Trẻ nghỉ học nhiều ngày", "received_at": received, "urgent": true});
        let id = t.api("POST", "/api/v1/cases", &token, Some(open.to_string())).await.json()["id"].as_i64().unwrap();
        let overdue = t.api("GET", "/api/v1/tasks?overdue=1", &token, None).await.json();
        let mut kinds: Vec<&str> = overdue.as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
        kinds.sort_unstable();
        assert_eq!(kinds, ["emergency_intervention", "verify"]);
        assert_eq!(t.api("GET", "/api/v1/cases?overdue=1", &token, None).await.json().as_array().unwrap().len(), 1);
        // The overdue list on the page too.
        let s = t.session("lan.xa").await;
        assert!(t.page("/tasks?overdue=1", &s).await.body.contains("class=\"overdue\""));
        // Referrals: sent → declined needs a reason; declined cannot be accepted.
        t.account("tinh.t", "provincial_officer", "82", None).await;
        let province = t.token("tinh.t").await;
        let p = t
            .app
            .cases
            .create_provider(&t.app.auth.actor_for("tinh.t", "t").await.unwrap(), "Nhà tạm lánh", "safe_house", "82", "")
            .await
            .unwrap();
        let rid = t
            .api("POST", &format!("/api/v1/cases/{id}/referrals"), &token, Some(json!({"provider_id": p, "note": "cần chỗ ở"}).to_string()))
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let r = t.api("PUT", &format!("/api/v1/cases/{id}/referrals/{rid}"), &token, Some(json!({"status": "declined"}).to_string())).await;
        assert_eq!(r.json()["error"]["field"], "reason");
        let r = t
            .api(
                "PUT",
                &format!("/api/v1/cases/{id}/referrals/{rid}"),
                &token,
                Some(json!({"status": "declined", "reason": "hết chỗ"}).to_string()),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        // A declined referral cannot be accepted: a state conflict (409), naming the field.
        let r = t.api("PUT", &format!("/api/v1/cases/{id}/referrals/{rid}"), &token, Some(json!({"status": "accepted"}).to_string())).await;
        assert_eq!(r.status, StatusCode::CONFLICT);
        assert_eq!(r.json()["error"]["code"], "CONFLICT");
        assert_eq!(r.json()["error"]["field"], "status");
        let r2 = t.api("POST", &format!("/api/v1/cases/{id}/referrals"), &token, Some(json!({"provider_id": p}).to_string())).await.json()
            ["id"]
            .as_i64()
            .unwrap();
        for status in ["accepted", "completed"] {
            let r =
                t.api("PUT", &format!("/api/v1/cases/{id}/referrals/{r2}"), &province, Some(json!({"status": status}).to_string())).await;
            assert_eq!(r.status, StatusCode::NO_CONTENT, "{status}");
        }
        // Two workers with the same version: the second is refused, nothing overwritten.
        let v = t.api("GET", &format!("/api/v1/cases/{id}"), &token, None).await.json()["version"].as_i64().unwrap();
        let body = |note: &str| json!({"action": "verify", "note": note, "version": v}).to_string();
        assert_eq!(t.api("POST", &format!("/api/v1/cases/{id}/actions"), &token, Some(body("một"))).await.status, StatusCode::NO_CONTENT);
        let r = t.api("POST", &format!("/api/v1/cases/{id}/actions"), &province, Some(body("hai"))).await;
        assert_eq!(r.json()["error"]["code"], "EDIT_CONFLICT");
        // Another commune's worker sees nothing of it; a hamlet collaborator does not see the reporter.
        t.account("binh.xa", "commune_worker", "29954", None).await;
        let other = t.token("binh.xa").await;
        assert_eq!(t.api("GET", &format!("/api/v1/cases/{id}"), &other, None).await.status, StatusCode::NOT_FOUND);
        assert!(t.api("GET", "/api/v1/cases", &other, None).await.json().as_array().unwrap().is_empty());
        assert!(t.api("GET", "/api/v1/tasks", &other, None).await.json().as_array().unwrap().is_empty());
        let r = t
            .api(
                "POST",
                &format!("/api/v1/cases/{id}/actions"),
                &other,
                Some(json!({"action": "assess_initial", "risk": "low", "note": "x", "version": v + 1}).to_string()),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        t.account("mai.ap", "hamlet_collaborator", "29884-01", None).await;
        let hamlet = t.token("mai.ap").await;
        let seen = t.api("GET", &format!("/api/v1/cases/{id}"), &hamlet, None).await.json();
        assert_eq!(seen["report"]["visible"], false);
        assert_eq!(seen["reporter_name"]["visible"], false);
        assert!(seen["steps"].as_array().unwrap().iter().all(|s| s["note"].is_null()));
        // Opening a case about a child outside one's area is refused naming the field.
        let r =
            t.api("POST", "/api/v1/cases", &other, Some(json!({"child_id": child, "source": "police", "summary": "x"}).to_string())).await;
        assert_eq!(r.json()["error"]["field"], "child_id");
    }
}

/// The due time of a task in a case's API view.
fn due_of(case: &serde_json::Value, kind: &str) -> time::OffsetDateTime {
    let task = case["tasks"].as_array().unwrap().iter().find(|t| t["kind"] == kind).unwrap_or_else(|| panic!("no {kind}: {case}"));
    time::OffsetDateTime::parse(task["due_at"].as_str().unwrap(), &time::format_description::well_known::Rfc3339).unwrap()
}

#[tokio::test]
async fn only_the_emergency_path_runs_on_12_hours_and_each_deadline_names_its_source() {
    let calendar = treem_domain::calendar::HolidayCalendar::bundled();
    for t in apps().await {
        let (token, child) = setup(&t).await;
        let received_at = time::OffsetDateTime::now_utc().replace_nanosecond(0).unwrap() - time::Duration::hours(13);
        let received = received_at.format(&time::format_description::well_known::Rfc3339).unwrap();
        let open = |urgent: bool| {
            json!({"child_id": child, "source": "school", "summary": "Trẻ nghỉ học nhiều ngày", "received_at": received, "urgent": urgent})
                .to_string()
        };
        // Not urgent: verification within one working day of receipt (a local default), not overdue 13 hours on.
        let normal = t.api("POST", "/api/v1/cases", &token, Some(open(false))).await.json()["id"].as_i64().unwrap();
        let case = t.api("GET", &format!("/api/v1/cases/{normal}"), &token, None).await.json();
        let kinds: Vec<&str> = case["tasks"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["verify"], "{case}");
        assert_eq!(due_of(&case, "verify"), calendar.working_days_deadline(received_at, 1));
        assert_eq!(case["tasks"][0]["overdue"], false);
        assert_eq!(case["tasks"][0]["deadline_source"], json!({"kind": "local_default", "citation": null}));
        assert!(t.api("GET", "/api/v1/tasks?overdue=1", &token, None).await.json().as_array().unwrap().is_empty());
        // Urgent: verification and the emergency intervention within 12 hours of receipt (Art. 26(3)).
        let urgent = t.api("POST", "/api/v1/cases", &token, Some(open(true))).await.json()["id"].as_i64().unwrap();
        let case = t.api("GET", &format!("/api/v1/cases/{urgent}"), &token, None).await.json();
        for kind in ["verify", "emergency_intervention"] {
            assert_eq!(due_of(&case, kind), received_at + time::Duration::hours(12), "{kind}");
        }
        let law = json!({"kind": "law", "citation": "Nghị định 56/2017/NĐ-CP, Điều 26 khoản 3"});
        assert!(case["tasks"].as_array().unwrap().iter().all(|t| t["deadline_source"] == law && t["overdue"] == true), "{case}");
        // The normal case walked on: initial assessment 2 working days after verification;
        // low risk, detailed assessment 5; drafting 5 (Art. 28(1)); approval 7 (procedure sheet).
        let step = |body: serde_json::Value| {
            let (t, token) = (&t, token.clone());
            async move {
                let r = act(t, &token, normal, body).await;
                assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
                let case = t.api("GET", &format!("/api/v1/cases/{normal}"), &token, None).await.json();
                let at = case["steps"].as_array().unwrap().last().unwrap()["at"].as_str().unwrap().to_owned();
                (case, time::OffsetDateTime::parse(&at, &time::format_description::well_known::Rfc3339).unwrap())
            }
        };
        let (case, at) = step(json!({"action": "verify", "note": "Đã gặp trẻ"})).await;
        assert_eq!(due_of(&case, "initial_assessment"), calendar.working_days_deadline(at, 2));
        let (case, at) = step(json!({"action": "assess_initial", "risk": "low", "note": "Nguy cơ thấp"})).await;
        assert_eq!(due_of(&case, "detailed_assessment"), calendar.working_days_deadline(at, 5));
        let (case, at) = step(json!({"action": "assess_detailed", "note": "Mẫu 03"})).await;
        assert_eq!(due_of(&case, "draft_plan"), calendar.working_days_deadline(at, 5));
        let task = case["tasks"].as_array().unwrap().iter().find(|t| t["kind"] == "draft_plan").unwrap();
        assert_eq!(task["deadline_source"], json!({"kind": "law", "citation": "Nghị định 56/2017/NĐ-CP, Điều 28 khoản 1"}));
        let i = json!({"kind": "education_support", "responsible": "Trường tiểu học"});
        assert_eq!(
            t.api("POST", &format!("/api/v1/cases/{normal}/interventions"), &token, Some(i.to_string())).await.status,
            StatusCode::CREATED
        );
        let (case, at) = step(json!({"action": "draft_plan", "note": "Hỗ trợ học tập"})).await;
        assert_eq!(due_of(&case, "approve_plan"), calendar.working_days_deadline(at, 7));
        let task = case["tasks"].as_array().unwrap().iter().find(|t| t["kind"] == "approve_plan").unwrap();
        assert_eq!(task["deadline_source"]["kind"], "procedure_sheet", "{task}");
        // The case page names each source.
        let s = t.session("lan.xa").await;
        let page = t.page(&format!("/cases/{urgent}"), &s).await.body;
        assert!(page.contains("<small data-deadline-source>(Nghị định 56/2017/NĐ-CP, Điều 26 khoản 3)</small>"), "{page}");
        // A configured local default is used for the next report; the law's cannot be changed.
        let configured = treem_domain::case::Deadlines::with_overrides("verify_working_days = 3").unwrap();
        t.app.cases.set_deadlines(configured);
        let third = t.api("POST", "/api/v1/cases", &token, Some(open(false))).await.json()["id"].as_i64().unwrap();
        let case = t.api("GET", &format!("/api/v1/cases/{third}"), &token, None).await.json();
        assert_eq!(due_of(&case, "verify"), calendar.working_days_deadline(received_at, 3));
        assert!(treem_domain::case::Deadlines::with_overrides("emergency_hours = 24").is_err());
    }
}

#[tokio::test]
async fn the_case_pages_work_without_javascript() {
    for t in apps().await {
        let (_, child) = setup(&t).await;
        let s = t.session("lan.xa").await;
        let form = t.page(&format!("/cases/new?child={child}"), &s).await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = crate::harness::csrf_of(&form.body);
        let child_s = child.to_string();
        // A missing summary keeps what was typed and names the field.
        let r = t
            .post_form(
                "/cases",
                Some(&s),
                &[("csrf", &csrf), ("child_id", &child_s), ("source", "hotline_111"), ("source_ref", "111-77"), ("summary", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("data-field=\"summary\"") && r.body.contains("value=\"111-77\""));
        let r = t
            .post_form(
                "/cases",
                Some(&s),
                &[("csrf", &csrf), ("child_id", &child_s), ("source", "hotline_111"), ("summary", "Bị bỏ mặc"), ("urgent", "1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let location = r.headers.get("location").unwrap().to_str().unwrap().to_owned();
        let page = t.page(&location, &s).await;
        assert!(page.body.contains("data-state=\"received\"") && page.body.contains("data-action=\"verify\""));
        let version = page.body.split("name=\"version\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
        let r = t
            .post_form(
                &format!("{location}/act"),
                Some(&s),
                &[("csrf", &csrf), ("version", &version), ("action", "verify"), ("note", "đã xác minh")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(t.page(&location, &s).await.body.contains("data-state=\"verified\""));
        assert!(t.page("/cases", &s).await.body.contains("data-counter=\"tasks.overdue_count\""));
    }
}

/// A case is assigned to a worker whose area covers it, then transferred to another commune:
/// its open tasks follow, the old commune loses sight of it and the new one gains it, each
/// move is audited, and a stale version or a closed case is refused.
#[tokio::test]
async fn a_case_is_assigned_and_transferred_and_its_scope_follows() {
    for t in apps().await {
        let (token, child) = setup(&t).await;
        t.account("binh.xa", "commune_worker", "29884", None).await;
        t.account("dao.thanh", "commune_worker", "28249", None).await;
        let there = t.token("dao.thanh").await;
        let open = json!({"child_id": child, "source": "collaborator", "summary": "Cháu hay ở nhà một mình"});
        let id = t.api("POST", "/api/v1/cases", &token, Some(open.to_string())).await.json()["id"].as_i64().unwrap();
        let case = |tok: &str| {
            let tok = tok.to_owned();
            let t = &t;
            async move { t.api("GET", &format!("/api/v1/cases/{id}"), &tok, None).await }
        };
        // Who may manage it: the two workers of the commune, not the one of Đạo Thạnh.
        let assignees = t.api("GET", &format!("/api/v1/cases/{id}/assignees"), &token, None).await.json();
        let names: Vec<&str> = assignees.as_array().unwrap().iter().map(|a| a["display_name"].as_str().unwrap()).collect();
        assert_eq!(names.len(), 2, "{assignees}");
        let binh = t.app.auth.actor_for("binh.xa", "t").await.unwrap().account_id;
        assert!(assignees.as_array().unwrap().iter().any(|a| a["id"] == binh));
        let there_id = t.app.auth.actor_for("dao.thanh", "t").await.unwrap().account_id;
        let version = case(&token).await.json()["version"].as_i64().unwrap();
        let assign = |account: i64, version: i64| json!({"account_id": account, "version": version}).to_string();
        let r = t.api("POST", &format!("/api/v1/cases/{id}/assignment"), &token, Some(assign(there_id, version))).await;
        assert_eq!(
            (r.status, r.json()["error"]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("account_id")),
            "out of the case's area"
        );
        let r = t.api("POST", &format!("/api/v1/cases/{id}/assignment"), &token, Some(assign(binh, version))).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        let r = t.api("POST", &format!("/api/v1/cases/{id}/assignment"), &token, Some(assign(binh, version))).await;
        assert_eq!(r.json()["error"]["code"], "EDIT_CONFLICT", "a stale version");
        let shown = case(&token).await.json();
        assert_eq!(shown["assigned_to"], binh);
        assert!(shown["tasks"].as_array().unwrap().iter().filter(|k| k["done_at"].is_null()).all(|k| k["assignee_id"] == binh));
        assert_eq!(t.store_audit_actions("case.assign").await, 1);
        // Đạo Thạnh cannot see it yet; then the child moves there.
        assert_eq!(case(&there).await.status, StatusCode::NOT_FOUND);
        let version = shown["version"].as_i64().unwrap();
        let target = t.unit_id("28249", date!(2026 - 01 - 05));
        let transfer = |reason: &str, version: i64| json!({"unit_id": target, "reason": reason, "version": version}).to_string();
        let r = t.api("POST", &format!("/api/v1/cases/{id}/transfer"), &token, Some(transfer(" ", version))).await;
        assert_eq!(r.json()["error"]["field"], "reason", "a transfer says why");
        let r =
            t.api("POST", &format!("/api/v1/cases/{id}/transfer"), &token, Some(transfer("Gia đình chuyển về Đạo Thạnh", version))).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
        assert_eq!(case(&token).await.status, StatusCode::NOT_FOUND, "the old commune no longer sees it");
        let moved = case(&there).await.json();
        assert_eq!((moved["unit_id"].as_i64(), moved["assigned_to"].is_null()), (Some(target), true));
        assert_eq!(moved["transfers"][0]["reason"], "Gia đình chuyển về Đạo Thạnh");
        let tasks = t.api("GET", "/api/v1/tasks", &there, None).await.json();
        assert!(tasks.as_array().unwrap().iter().any(|k| k["case_id"] == id), "its open tasks moved too: {tasks}");
        assert!(!t.api("GET", "/api/v1/tasks", &token, None).await.json().as_array().unwrap().iter().any(|k| k["case_id"] == id));
        assert_eq!(t.store_audit_actions("case.transfer").await, 1);
        // The new commune manages it now: it assigns its own worker.
        let v = moved["version"].as_i64().unwrap();
        let r = t.api("POST", &format!("/api/v1/cases/{id}/assignment"), &there, Some(assign(there_id, v))).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    }
}

/// The same through the case page's forms, without JavaScript: a refused transfer keeps what
/// was chosen and typed.
#[tokio::test]
async fn the_case_page_assigns_and_transfers() {
    for t in apps().await {
        let (token, child) = setup(&t).await;
        t.account("binh.xa", "commune_worker", "29884", None).await;
        let open = json!({"child_id": child, "source": "collaborator", "summary": "Cháu hay ở nhà một mình"});
        let id = t.api("POST", "/api/v1/cases", &token, Some(open.to_string())).await.json()["id"].as_i64().unwrap();
        let session = t.session("lan.xa").await;
        let page = t.page(&format!("/cases/{id}"), &session).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("id=\"assign-form\"") && page.body.contains("id=\"transfer-form\""));
        let csrf = crate::harness::csrf_of(&page.body);
        let binh = t.app.auth.actor_for("binh.xa", "t").await.unwrap().account_id;
        assert!(page.body.contains(&format!("<option value=\"{binh}\">")), "the commune's other worker is offered");
        let version = |body: &str| body.split("name=\"version\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_owned();
        let v = version(&page.body);
        let r = t
            .post_form(
                &format!("/cases/{id}/assignment"),
                Some(&session),
                &[("csrf", &csrf), ("version", &v), ("account_id", &binh.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = t.page(&format!("/cases/{id}"), &session).await;
        assert!(page.body.contains(&format!("<option value=\"{binh}\" selected>")), "the page shows who has the case");
        assert!(!page.body.contains("id=\"case-assignee\">Chưa giao"), "no longer unassigned");
        let target = t.unit_id("28249", date!(2026 - 01 - 05)).to_string();
        let v = version(&page.body);
        let r = t
            .post_form(
                &format!("/cases/{id}/transfer"),
                Some(&session),
                &[("csrf", &csrf), ("version", &v), ("unit_id", &target), ("reason", "")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains(&format!("<option value=\"{target}\" selected>")), "the chosen commune is kept");
        let r = t
            .post_form(
                &format!("/cases/{id}/transfer"),
                Some(&session),
                &[("csrf", &csrf), ("version", &v), ("unit_id", &target), ("reason", "Gia đình chuyển nhà")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(t.page(&format!("/cases/{id}"), &session).await.status, StatusCode::NOT_FOUND, "out of the old commune's sight");
    }
}

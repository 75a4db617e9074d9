//! The refusals every operation of a kind can give, written into the OpenAPI document
//! once instead of on each of the 65 `#[utoipa::path]`s. They come from layers below the
//! handlers (the bearer/cookie check, the CSRF and cross-site checks, [`super::ApiJson`],
//! the id and query-string readers), so they follow from what an operation has:
//!
//! | the operation has | it may answer |
//! |---|---|
//! | a security requirement | 401 (no valid session or token), 403 (the role does not allow it; for a change, also the CSRF header missing with a cookie session, or a cross-site request) |
//! | a JSON body | 400, 413, 415, 422 |
//! | another body (a CSV upload) | 400, 413, 422 |
//! | a path parameter | 404 (missing, or outside the caller's scope: the same answer) |
//! | a query parameter | 422 (a value that does not read, naming the parameter as `field`) |
//! | anything | 503 (the database does not answer or is busy) |
//!
//! A status an operation declares itself keeps its own description. The test
//! `openapi.rs` sends every operation the requests behind each row and checks every
//! answer against the document.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::AdditionalProperties;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr, Response, Schema};

/// Adds the standard refusals to every operation of `doc`, and says of every JSON
/// request body that it takes no field but its own (every body is read with
/// `deny_unknown_fields`; the OpenAPI test sends each an unknown field).
pub(crate) fn add_standard_answers(doc: &mut OpenApi) {
    let mut bodies = std::collections::BTreeSet::new();
    for item in doc.paths.paths.values_mut() {
        let ops = [
            (&mut item.get, false),
            (&mut item.head, false),
            (&mut item.options, false),
            (&mut item.put, true),
            (&mut item.post, true),
            (&mut item.delete, true),
            (&mut item.patch, true),
        ];
        for (op, changes) in ops {
            if let Some(op) = op.as_mut() {
                add_to(op, changes);
                let json = op.request_body.as_ref().and_then(|b| b.content.get("application/json"));
                if let Some(RefOr::Ref(r)) = json.and_then(|c| c.schema.as_ref()) {
                    bodies.insert(r.ref_location.trim_start_matches("#/components/schemas/").to_owned());
                }
            }
        }
    }
    let Some(components) = doc.components.as_mut() else { return };
    for name in bodies {
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&name) {
            object.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
        }
    }
}

fn add_to(op: &mut Operation, changes: bool) {
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let params = op.parameters.as_deref().unwrap_or_default();
    let has_path = params.iter().any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let has_query = params.iter().any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let body = op.request_body.as_ref();
    let has_body = body.is_some();
    let json_body = body.is_some_and(|b| b.content.keys().any(|media| media == "application/json"));
    let mut add = |status: &str, text: &str| {
        op.responses.responses.entry(status.to_owned()).or_insert_with(|| refusal(text));
    };
    if secured {
        add("401", "`UNAUTHENTICATED`: no valid session or access token");
        if changes {
            add("403", "`FORBIDDEN` (the role does not allow this), `CSRF_FAILED` (a cookie session without the X-CSRF-Token header) or `CROSS_SITE`");
        } else {
            add("403", "`FORBIDDEN`: the role does not allow this");
        }
    }
    if json_body {
        add("400", "`BAD_REQUEST`: the body is not JSON");
        add("415", "`UNSUPPORTED_MEDIA_TYPE`: the body is not sent as application/json");
        add("422", "`VALIDATION_FAILED`: a field is missing, unknown, of the wrong type or not valid; `field` names it");
    }
    if has_body {
        add("400", "`BAD_REQUEST`: the body could not be read");
        add("413", "`PAYLOAD_TOO_LARGE`: the body is over the server's limit");
        add("422", "`VALIDATION_FAILED` or `IMPORT_REFUSED`: the body is not valid; `field` or `details` say where");
    }
    if has_path {
        add("404", "`NOT_FOUND`: no such record, or one outside the caller's scope (the two answers are the same)");
    }
    if has_query {
        add("422", "`VALIDATION_FAILED`: a query parameter does not read; `field` names it");
    }
    add("503", "`UNAVAILABLE` or `BUSY`: the database does not answer, or is busy; retry");
}

fn refusal(description: &str) -> RefOr<Response> {
    let content = Content::new(Some(Ref::from_schema_name("ErrorEnvelope")));
    RefOr::T(Response::builder().description(description).content("application/json", content).build())
}

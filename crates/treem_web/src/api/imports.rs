//! `/api/v1/imports/children`: a register file (CSV or XLSX) as the request body, checked
//! (`?dry_run=true`, the default) or imported, with the per-row report in the reply.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use std::sync::Arc;
use treem_app::imports::{ImportKind, ImportOptions, ImportReport};
use treem_app::App;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorEnvelope};
use crate::session::ApiActor;

pub(super) fn routes() -> utoipa_axum::router::OpenApiRouter<Arc<App>> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(import_children))
        .routes(routes!(import_incidents))
        .routes(routes!(import_cases))
        .layer(axum::extract::DefaultBodyLimit::max(crate::params::MAX_UPLOAD_BYTES))
}

/// One problem of the file.
#[derive(Serialize, ToSchema)]
pub struct ProblemDto {
    /// The file's data row: 1 for the first row under the header; 0 for the file itself.
    row: usize,
    /// The column's header as the file writes it.
    column: String,
    /// The field concerned (`full_name`, `birth_date`, `commune_code`…), empty for none.
    field: String,
    value: String,
    /// `error` (nothing of the file is stored) or `warning`.
    severity: &'static str,
    /// A stable code of the message.
    code: &'static str,
    /// The message, in the language asked (`Accept-Language` or `?lang=`).
    message: String,
}

#[derive(Serialize, ToSchema)]
pub struct ImportReportDto {
    file_name: String,
    /// SHA-256 of the file, hex.
    checksum: String,
    format: String,
    sheet: Option<String>,
    rows_read: usize,
    /// Rows added (or, in a dry run, that would be).
    to_add: usize,
    /// Rows imported before: not added again.
    already_imported: usize,
    errors: usize,
    warnings: usize,
    dry_run: bool,
    /// Whether the rows were stored (false for a dry run and for a file with errors).
    stored: bool,
    /// The new records' ids (children or incidents), when stored.
    added_ids: Vec<i64>,
    problems: Vec<ProblemDto>,
}

/// A 422 answer: the report of a file with errors (nothing stored), or the envelope of a
/// request that could not be read (a bad `dry_run` or `as_of`).
#[derive(Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // documentation only: the handler answers one of the two directly
pub enum ImportRefusal {
    Report(ImportReportDto),
    Error(ErrorEnvelope),
}

fn dto(r: &ImportReport) -> ImportReportDto {
    let lang = crate::messages::reply_lang();
    ImportReportDto {
        file_name: r.file_name.clone(),
        checksum: r.checksum.clone(),
        format: r.format.clone(),
        sheet: r.sheet.clone(),
        rows_read: r.rows_read,
        to_add: r.to_add,
        already_imported: r.already_imported,
        errors: r.errors(),
        warnings: r.warnings(),
        dry_run: r.dry_run,
        stored: r.stored.is_some(),
        added_ids: r.stored.as_ref().map(|s| s.added.clone()).unwrap_or_default(),
        problems: r
            .problems
            .iter()
            .map(|p| {
                let (code, message) = crate::messages::message(lang, &p.message);
                ImportReportDto::problem(p, code, message)
            })
            .collect(),
    }
}

impl ImportReportDto {
    fn problem(p: &treem_app::imports::Problem, code: &'static str, message: String) -> ProblemDto {
        ProblemDto {
            row: p.row,
            column: p.column.clone(),
            field: p.field.clone(),
            value: p.value.clone(),
            severity: p.severity.as_str(),
            code,
            message,
        }
    }
}

/// Checks a file of children and, with `dry_run=false`, stores its new rows: all of them,
/// or none when any row has an error (then 422 with the same report). The body is the
/// file itself (`text/csv` or the XLSX media type); `file_name` tells its kind by its extension.
#[utoipa::path(post, path = "/api/v1/imports/children", tag = "children", security(("token" = [])),
    params(("file_name" = String, Query, description = "the file's name, e.g. so-tre-em.xlsx"),
           ("dry_run" = Option<bool>, Query, description = "check only (default true)"),
           ("as_of" = Option<String>, Query, description = "the register's date (YYYY-MM-DD) for rows without one")),
    request_body(content = String, content_type = "text/csv", description = "the file's bytes: CSV (any of the encodings the import reads), or an XLSX workbook sent as such (`file_name` ending in .xlsx)"),
    responses((status = 200, body = ImportReportDto), (status = 201, body = ImportReportDto), (status = 422, body = ImportRefusal),
              (status = 403, body = ErrorEnvelope), (status = 413, body = ErrorEnvelope)))]
pub async fn import_children(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    import(&app, &a, q, &body, ImportKind::Children).await
}

/// Checks a file of incidents (abuse, children in conflict with the law, accidents and
/// injuries: one row each, the children involved by treem record number or by the `Mã trẻ
/// em` their register was imported with) and, with `dry_run=false`, records its new rows:
/// all of them, or none when any row has an error (then 422 with the same report).
#[utoipa::path(post, path = "/api/v1/imports/incidents", tag = "incidents", security(("token" = [])),
    params(("file_name" = String, Query, description = "the file's name, e.g. vu-viec.xlsx"),
           ("dry_run" = Option<bool>, Query, description = "check only (default true)")),
    request_body(content = String, content_type = "text/csv", description = "the file's bytes: CSV, or an XLSX workbook (`file_name` ending in .xlsx)"),
    responses((status = 200, body = ImportReportDto), (status = 201, body = ImportReportDto), (status = 422, body = ImportRefusal),
              (status = 403, body = ErrorEnvelope), (status = 413, body = ErrorEnvelope)))]
pub async fn import_incidents(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    import(&app, &a, q, &body, ImportKind::Incidents).await
}

/// Checks a file of cases (a commune's book of reports received: one row each, its child by
/// treem record number or by the `Mã trẻ em` its register was imported with; open, at its
/// first step with the intake's tasks, or closed, with the day) and, with `dry_run=false`,
/// opens its new cases: all of them, or none when any row has an error (then 422).
#[utoipa::path(post, path = "/api/v1/imports/cases", tag = "cases", security(("token" = [])),
    params(("file_name" = String, Query, description = "the file's name, e.g. truong-hop.xlsx"),
           ("dry_run" = Option<bool>, Query, description = "check only (default true)")),
    request_body(content = String, content_type = "text/csv", description = "the file's bytes: CSV, or an XLSX workbook (`file_name` ending in .xlsx)"),
    responses((status = 200, body = ImportReportDto), (status = 201, body = ImportReportDto), (status = 422, body = ImportRefusal),
              (status = 403, body = ErrorEnvelope), (status = 413, body = ErrorEnvelope)))]
pub async fn import_cases(
    State(app): State<Arc<App>>,
    ApiActor(a): ApiActor,
    RawQuery(q): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    import(&app, &a, q, &body, ImportKind::Cases).await
}

async fn import(app: &App, a: &treem_app::Actor, q: Option<String>, body: &[u8], kind: ImportKind) -> Result<Response, ApiError> {
    let q = q.unwrap_or_default();
    let file_name = crate::params::query_param(&q, "file_name").filter(|f| !f.trim().is_empty()).unwrap_or_else(|| "import.csv".to_owned());
    let dry_run = match crate::params::query_param(&q, "dry_run").as_deref() {
        None | Some("" | "true" | "1") => true,
        Some("false" | "0") => false,
        Some(_) => return Err(treem_app::AppError::invalid("dry_run", "write true or false").into()),
    };
    let as_of = match crate::params::query_param(&q, "as_of").filter(|v| !v.is_empty()) {
        Some(v) => Some(treem_app::units::parse_user_date("as_of", &v)?),
        None => None,
    };
    let options = ImportOptions { kind, dry_run, as_of };
    let report = app.import_tracked(a, &file_name, body, options, &treem_app::imports::ImportProgress::default()).await?;
    let status = if report.refused() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else if report.stored.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(dto(&report))).into_response())
}

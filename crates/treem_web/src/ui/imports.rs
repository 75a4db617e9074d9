//! `/imports`: bulk import of a register file (CSV or XLSX). Checked first (a dry run,
//! nothing stored), with every problem listed by row and column and a downloadable
//! report; the checked file is kept for its uploader, who confirms it with one more post.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::sync::Arc;
use treem_app::imports::{ImportKind, ImportOptions, ImportReport};
use treem_app::{App, AppError};

use super::{render, Chrome, PageContext, PageError};
use crate::i18n::Lang;
use crate::import_files::{
    case_template_csv, case_template_xlsx, incident_template_csv, incident_template_xlsx, problem_message, report_csv, severity_key,
    template_csv, template_xlsx,
};
use crate::session::SignedIn;

pub use crate::params::MAX_UPLOAD_BYTES;

/// How many problems the page lists; the downloadable report has them all.
const SHOWN_PROBLEMS: usize = 500;

super::form::with_csrf!(ConfirmForm);

#[derive(Deserialize)]
pub struct ConfirmForm {
    csrf: String,
    token: String,
}

pub struct BatchLine {
    pub when: String,
    /// The words of what the file held (children, incidents).
    pub kind_key: String,
    pub file_name: String,
    pub added: String,
    pub skipped: String,
}

#[derive(Template)]
#[template(path = "imports.html")]
pub struct ImportsPage {
    pub c: Chrome,
    pub batches: Vec<BatchLine>,
    pub errors: Vec<(String, String)>,
}

pub struct ProblemLine {
    pub row: String,
    pub column: String,
    pub value: String,
    pub severity_key: &'static str,
    pub error: bool,
    pub message: String,
}

#[derive(Template)]
#[template(path = "import_report.html")]
pub struct ReportPage {
    pub c: Chrome,
    pub file_name: String,
    pub format: String,
    pub sheet: String,
    pub checksum: String,
    pub rows_read: String,
    pub to_add: String,
    pub already_imported: String,
    pub errors: String,
    pub warnings: String,
    pub refused: bool,
    pub dry_run: bool,
    pub stored: bool,
    /// A file of incidents, or of cases (else of children).
    pub incidents: bool,
    pub cases: bool,
    pub token: String,
    pub problems: Vec<ProblemLine>,
    /// Problems not listed on the page (they are in the report).
    pub more: String,
}

fn count(lang: Lang, n: usize) -> String {
    lang.integer(i64::try_from(n).unwrap_or(i64::MAX))
}

fn report_page(c: Chrome, report: &ImportReport, token: &str) -> ReportPage {
    let lang = c.lang;
    let problems = report
        .problems
        .iter()
        .take(SHOWN_PROBLEMS)
        .map(|p| ProblemLine {
            row: if p.row == 0 { String::new() } else { p.row.to_string() },
            column: p.column.clone(),
            value: p.value.clone(),
            severity_key: severity_key(p.severity),
            error: p.severity == treem_app::imports::Severity::Error,
            message: problem_message(lang, p),
        })
        .collect();
    ReportPage {
        file_name: report.file_name.clone(),
        format: report.format.clone(),
        sheet: report.sheet.clone().unwrap_or_default(),
        checksum: report.checksum.clone(),
        rows_read: count(lang, report.rows_read),
        to_add: count(lang, report.to_add),
        already_imported: count(lang, report.already_imported),
        errors: count(lang, report.errors()),
        warnings: count(lang, report.warnings()),
        refused: report.refused(),
        dry_run: report.dry_run,
        stored: report.stored.is_some(),
        incidents: report.kind == ImportKind::Incidents,
        cases: report.kind == ImportKind::Cases,
        token: token.to_owned(),
        more: if report.problems.len() > SHOWN_PROBLEMS { count(lang, report.problems.len() - SHOWN_PROBLEMS) } else { String::new() },
        problems,
        c,
    }
}

async fn batch_lines(app: &App, c: &Chrome, actor: &treem_app::Actor) -> Result<Vec<BatchLine>, AppError> {
    Ok(app
        .imports
        .batches(actor)
        .await?
        .into_iter()
        .map(|b| BatchLine {
            when: c.time(&b.created_at),
            kind_key: format!("import.kind_{}", b.kind),
            file_name: b.file_name,
            added: count(c.lang, usize::try_from(b.added).unwrap_or(0)),
            skipped: count(c.lang, usize::try_from(b.skipped).unwrap_or(0)),
        })
        .collect())
}

pub async fn imports_page(State(app): State<Arc<App>>, ctx: PageContext, SignedIn(s): SignedIn) -> Result<Response, PageError> {
    s.actor.require(treem_domain::access::Action::Write).map_err(|e| ctx.error(e))?;
    let c = ctx.chrome("children");
    let batches = batch_lines(&app, &c, &s.actor).await.map_err(|e| ctx.error(e))?;
    Ok(render(StatusCode::OK, &ImportsPage { c, batches, errors: Vec::new() }))
}

/// The upload's parts: the CSRF token, the file, the register's date and whether to store.
struct Upload {
    csrf: String,
    file_name: String,
    bytes: Vec<u8>,
    as_of: String,
    store_now: bool,
}

async fn read_upload(mut m: Multipart) -> Result<Upload, AppError> {
    let mut up = Upload { csrf: String::new(), file_name: String::new(), bytes: Vec::new(), as_of: String::new(), store_now: false };
    let too_big = || AppError::invalid("file", format!("the file is more than {} MB", MAX_UPLOAD_BYTES >> 20));
    while let Some(field) = m.next_field().await.map_err(|_| too_big())? {
        match field.name().unwrap_or_default() {
            "file" => {
                up.file_name = field.file_name().unwrap_or("register.csv").chars().take(200).collect();
                up.bytes = field.bytes().await.map_err(|_| too_big())?.to_vec();
            }
            "csrf" => up.csrf = field.text().await.unwrap_or_default(),
            "as_of" => up.as_of = field.text().await.unwrap_or_default(),
            "mode" => up.store_now = field.text().await.unwrap_or_default() == "import",
            _ => {}
        }
    }
    if up.bytes.is_empty() {
        return Err(AppError::invalid("file", "choose a file"));
    }
    Ok(up)
}

/// The register's date as the form gives it: `2024-05-01` (a date field) or `01/05/2024`.
pub fn parse_as_of(s: &str) -> Result<Option<time::Date>, AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    treem_import::values::parse_date_text(s).map(Some).map_err(|m| AppError::invalid("as_of", m))
}

/// Checks an uploaded register of children (a dry run unless "import now" was chosen) and shows the report.
pub async fn upload_children(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    multipart: Multipart,
) -> Result<Response, PageError> {
    upload(app, ctx, s, multipart, ImportKind::Children).await
}

/// Checks an uploaded register of incidents, as [`upload_children`] does.
pub async fn upload_incidents(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    multipart: Multipart,
) -> Result<Response, PageError> {
    upload(app, ctx, s, multipart, ImportKind::Incidents).await
}

/// Checks an uploaded register of cases, as [`upload_children`] does.
pub async fn upload_cases(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    multipart: Multipart,
) -> Result<Response, PageError> {
    upload(app, ctx, s, multipart, ImportKind::Cases).await
}

async fn upload(
    app: Arc<App>,
    ctx: PageContext,
    s: treem_app::auth::CurrentSession,
    multipart: Multipart,
    kind: ImportKind,
) -> Result<Response, PageError> {
    let c = ctx.chrome("children");
    let refused = |e: AppError, c: Chrome| async {
        let errors = crate::messages::form_refusals(ctx.lang, e).map_err(|e| ctx.error(e))?;
        let batches = batch_lines(&app, &c, &s.actor).await.map_err(|e| ctx.error(e))?;
        Ok::<Response, PageError>(render(StatusCode::UNPROCESSABLE_ENTITY, &ImportsPage { c, batches, errors }))
    };
    let up = match read_upload(multipart).await {
        Ok(up) => up,
        Err(e) => return refused(e, c).await,
    };
    crate::session::check_csrf(&s, &up.csrf).map_err(|e| ctx.error(e))?;
    let as_of = match parse_as_of(&up.as_of) {
        Ok(d) => d,
        Err(e) => return refused(e, c).await,
    };
    if as_of.is_some_and(|d| d > app.clock.today_in_vietnam()) {
        return refused(AppError::invalid("as_of", "is in the future"), c).await;
    }
    let options = ImportOptions { kind, dry_run: !up.store_now, as_of };
    run(app.clone(), &ctx, &s.actor, up.file_name, up.bytes, options).await
}

/// Runs an import apart from the request (it goes on if the page is closed), waits up to
/// `ImportService::answer_within_ms` for it, and answers with its report, or with the page that follows it.
async fn run(
    app: Arc<App>,
    ctx: &PageContext,
    actor: &treem_app::Actor,
    file_name: String,
    bytes: Vec<u8>,
    options: ImportOptions,
) -> Result<Response, PageError> {
    actor.require(treem_domain::access::Action::Write).map_err(|e| ctx.error(e))?;
    let (token, job) = app.imports.start_job(actor, &file_name);
    let task = {
        let (app, actor, lang, job) = (app.clone(), actor.clone(), ctx.lang, job.clone());
        tokio::spawn(async move {
            let outcome = match app.import_tracked(&actor, &file_name, &bytes, options, &job.progress).await {
                Ok(report) => {
                    let csv = report_csv(lang, &report);
                    // A clean check is kept for its confirmation; otherwise only its report.
                    let keep = if report.dry_run && !report.refused() { bytes } else { Vec::new() };
                    let held = app.imports.hold(&actor, &file_name, keep, options, csv);
                    Ok((report, held))
                }
                Err(e) => {
                    tracing::error!(error = %e, "an import failed");
                    Err(e.to_string())
                }
            };
            job.finish(outcome);
        })
    };
    let wait = std::time::Duration::from_millis(app.imports.answer_within_ms.load(std::sync::atomic::Ordering::Relaxed));
    let _ = tokio::time::timeout(wait, task).await;
    Ok(job_answer(ctx, &token, &job))
}

/// The report of a finished import, or the way to the page that follows a running one.
fn job_answer(ctx: &PageContext, token: &str, job: &treem_app::imports::ImportJob) -> Response {
    use axum::response::IntoResponse;
    match job.finished() {
        Some(Ok((report, held))) => {
            let status = if report.refused() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
            render(status, &report_page(ctx.chrome("children"), &report, &held))
        }
        Some(Err(e)) => ctx.error(AppError::Internal(e)).into_response(),
        None => axum::response::Redirect::to(&format!("/imports/jobs/{token}")).into_response(),
    }
}

#[derive(Template)]
#[template(path = "import_progress.html")]
pub struct ProgressPage {
    pub c: Chrome,
    pub token: String,
    pub file_name: String,
    pub phase: u8,
    pub phase_key: String,
    pub rows: String,
}

/// A running import's page: where it is (reloading itself), or its report once done.
pub async fn import_job(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let job = app.imports.job(&s.actor, &token).ok_or_else(|| ctx.error(AppError::NotFound))?;
    if job.finished().is_some() {
        return Ok(job_answer(&ctx, &token, &job));
    }
    let c = ctx.chrome("children");
    let rows = match job.progress.rows() {
        0 => String::new(),
        n => count(c.lang, n),
    };
    let phase = job.progress.phase();
    Ok(render(
        StatusCode::OK,
        &ProgressPage { token, file_name: job.file_name.clone(), phase, phase_key: format!("import.phase_{phase}"), rows, c },
    ))
}

/// Imports a file checked before (its token), as the check showed it.
pub async fn confirm_import(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    super::CsrfForm(f): super::CsrfForm<ConfirmForm>,
) -> Result<Response, PageError> {
    let Some(held) = app.imports.held(&s.actor, &f.token).filter(|h| !h.bytes.is_empty()) else {
        return Err(ctx.error(AppError::invalid("file", "the checked file is no longer kept: upload it again")));
    };
    let options = ImportOptions { dry_run: false, ..held.options };
    app.imports.release(&f.token);
    run(app.clone(), &ctx, &s.actor, held.file_name.clone(), held.bytes.as_ref().clone(), options).await
}

/// The report of a check or an import, as CSV.
pub async fn import_report(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let held = app.imports.held(&s.actor, token.trim_end_matches(".csv")).ok_or_else(|| ctx.error(AppError::NotFound))?;
    Ok(crate::export::attachment("text/csv; charset=utf-8", "bao-cao-nhap.csv", held.report.as_ref().clone()))
}

/// The template of a register: of children (`tre-em.xlsx`, with a sheet of allowed values, or
/// `tre-em.csv`), of incidents (`vu-viec.xlsx`, `vu-viec.csv`) or of cases (`truong-hop.xlsx`,
/// `truong-hop.csv`).
pub async fn import_template(
    State(app): State<Arc<App>>,
    ctx: PageContext,
    SignedIn(s): SignedIn,
    Path(file): Path<String>,
) -> Result<Response, PageError> {
    s.actor.require(treem_domain::access::Action::Write).map_err(|e| ctx.error(e))?;
    match file.as_str() {
        "tre-em.csv" => Ok(crate::export::attachment("text/csv; charset=utf-8", "tre-em.csv", template_csv())),
        "vu-viec.csv" => Ok(crate::export::attachment("text/csv; charset=utf-8", "vu-viec.csv", incident_template_csv())),
        "truong-hop.csv" => Ok(crate::export::attachment("text/csv; charset=utf-8", "truong-hop.csv", case_template_csv())),
        "truong-hop.xlsx" => {
            let bytes = case_template_xlsx(ctx.lang).map_err(|e| {
                tracing::error!(error = %e, "template failed");
                ctx.error(AppError::NotFound)
            })?;
            Ok(crate::export::attachment(crate::export::sheet::XLSX, "truong-hop.xlsx", bytes))
        }
        "vu-viec.xlsx" => {
            let bytes = incident_template_xlsx(ctx.lang, &app.units.catalog(), app.clock.today_in_vietnam()).map_err(|e| {
                tracing::error!(error = %e, "template failed");
                ctx.error(AppError::NotFound)
            })?;
            Ok(crate::export::attachment(crate::export::sheet::XLSX, "vu-viec.xlsx", bytes))
        }
        "tre-em.xlsx" => {
            let bytes = template_xlsx(ctx.lang, &app.units.catalog(), app.clock.today_in_vietnam()).map_err(|e| {
                tracing::error!(error = %e, "template failed");
                ctx.error(AppError::NotFound)
            })?;
            Ok(crate::export::attachment("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "tre-em.xlsx", bytes))
        }
        _ => Err(ctx.error(AppError::NotFound)),
    }
}

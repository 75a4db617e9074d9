//! One mapping from service errors to HTTP: a JSON envelope under `/api`, an
//! HTML page elsewhere. Internal details are logged once and never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use treem_app::AppError;
use utoipa::ToSchema;

/// The one error envelope of the API.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code: see docs/API-DESIGN.md.
    pub code: String,
    /// A human-readable explanation, in the language of `Accept-Language` (Vietnamese or
    /// English; English when neither is asked for).
    pub message: String,
    /// The input field at fault, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Per-row problems of a refused import.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<ErrorDetail>,
    /// Every field at fault, when a form or body has several.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldProblem>,
    /// With `LIKELY_DUPLICATE`: the records in the caller's scope that may be the same child
    /// (summary fields only), best first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<crate::api::people::DuplicateDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The body's field (or a path into it, `counts[0].unit_id`).
    pub field: String,
    /// What is wrong, as a stable code (`required`, `date_format`, `one_of`, …; see
    /// docs/API-DESIGN.md); `invalid` for a refusal without its own code.
    #[serde(default)]
    pub code: String,
    /// The field's label in the reply's language, as the form shows it.
    #[serde(default)]
    pub label: String,
    /// What is wrong, in the reply's language.
    pub message: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    pub file: String,
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub message: String,
}

/// An error answered as JSON.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Box<ErrorBody>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Box::new(ErrorBody {
                code: code.to_owned(),
                message: message.into(),
                field: None,
                details: Vec::new(),
                fields: Vec::new(),
                candidates: Vec::new(),
            }),
        }
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", "not found")
    }
}

pub fn status_of(e: &AppError) -> StatusCode {
    match e {
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Unauthenticated | AppError::SignInFailed | AppError::CodeLocked => StatusCode::UNAUTHORIZED,
        AppError::Forbidden => StatusCode::FORBIDDEN,
        AppError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Invalid { .. } | AppError::InvalidFields(_) | AppError::ImportRefused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Conflict(_) | AppError::StateConflict { .. } | AppError::EditConflict => StatusCode::CONFLICT,
        AppError::Case(treem_domain::case::CaseError::Guard { .. }) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::Case(_) => StatusCode::CONFLICT,
        AppError::Busy => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let status = status_of(&e);
        let mut body = ErrorBody {
            code: e.code().to_owned(),
            message: e.to_string(),
            field: None,
            details: Vec::new(),
            fields: Vec::new(),
            candidates: Vec::new(),
        };
        match e {
            AppError::Invalid { field, message } | AppError::StateConflict { field, message } => {
                body.field = Some(field);
                body.message = message;
            }
            AppError::Case(treem_domain::case::CaseError::Guard { field, message }) => {
                body.field = Some(field.to_owned());
                body.message = message.to_owned();
            }
            AppError::InvalidFields(list) => {
                body.field = list.first().map(|e| e.field.clone());
                body.message = "some fields are not right".into();
                body.fields = list
                    .into_iter()
                    .map(|e| FieldProblem { field: e.field, code: String::new(), label: String::new(), message: e.message })
                    .collect();
            }
            AppError::ImportRefused(errors) => {
                body.message = "the import was refused; nothing was stored".into();
                body.details =
                    errors.0.into_iter().map(|e| ErrorDetail { file: e.file, line: e.line, field: e.field, message: e.message }).collect();
            }
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                body.message = "internal error".into();
            }
            _ => {}
        }
        Self { status, body: Box::new(body) }
    }
}

impl ErrorBody {
    /// Writes the messages in `lang` and names each field by its label. Every refusal
    /// passes here once, on its way out.
    fn translated(mut self, lang: crate::i18n::Lang) -> Self {
        use crate::messages::{field_label, message};
        if let (Some(field), true) = (&self.field, self.fields.is_empty()) {
            // One field at fault: listed like the many, so clients read one shape.
            self.fields.push(FieldProblem {
                field: field.clone(),
                code: String::new(),
                label: String::new(),
                message: self.message.clone(),
            });
            self.message = message(lang, &self.message).1;
            let name = field_label(lang, field).unwrap_or_else(|| field.clone());
            self.message = format!("{name}: {}", self.message);
        } else {
            self.message = message(lang, &self.message).1;
        }
        for f in &mut self.fields {
            let (code, text) = message(lang, &f.message);
            f.code = code.to_owned();
            f.message = text;
            f.label = field_label(lang, &f.field).unwrap_or_default();
        }
        for d in &mut self.details {
            d.message = message(lang, &d.message).1;
        }
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = self.body.translated(crate::messages::reply_lang());
        let mut res = (self.status, Json(ErrorEnvelope { error: body })).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        }
        res
    }
}

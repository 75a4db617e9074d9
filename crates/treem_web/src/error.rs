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
    /// A human-readable explanation (English).
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
    pub field: String,
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
                body.fields = list.into_iter().map(|e| FieldProblem { field: e.field, message: e.message }).collect();
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

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, Json(ErrorEnvelope { error: *self.body })).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        }
        res
    }
}

//! The one error type of the service layer, with stable codes the UI translates
//! and API clients match on. Messages never carry personal data.

use treem_domain::import_error::ImportErrors;
use treem_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Missing, or (once accounts exist) outside the caller's scope: the two are
    /// indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    #[error("invalid {field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    ImportRefused(ImportErrors),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("the database is busy; try again")]
    Busy,
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    /// Stable code, part of the API contract (`docs/API-DESIGN.md`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "NOT_FOUND",
            Self::Invalid { .. } => "VALIDATION_FAILED",
            Self::ImportRefused(_) => "IMPORT_REFUSED",
            Self::Conflict(_) => "CONFLICT",
            Self::Busy => "BUSY",
            Self::Internal(_) => "INTERNAL",
        }
    }
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound => Self::NotFound,
            StorageError::Conflict(c) => Self::Conflict(c),
            StorageError::Busy => Self::Busy,
            other => Self::Internal(other.to_string()),
        }
    }
}

//! The one error type of the service layer, with stable codes the UI translates
//! and API clients match on. Messages never carry personal data.

pub use treem_domain::field_error::FieldError;
use treem_domain::import_error::ImportErrors;
use treem_storage::StorageError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Missing, or outside the caller's scope: the two are indistinguishable on purpose.
    #[error("not found")]
    NotFound,
    /// No valid session or token.
    #[error("sign-in required")]
    Unauthenticated,
    /// A function the caller's role does not have (its existence is no secret).
    #[error("your role does not allow this")]
    Forbidden,
    /// Wrong username or password, or a disabled account: one message for all.
    #[error("the username or password is not right")]
    SignInFailed,
    /// Too many wrong second-factor codes: the half-signed-in session has ended; sign in again.
    #[error("too many wrong codes; sign in again")]
    CodeLocked,
    /// Too many failed sign-ins; try again after this many seconds.
    #[error("too many failed attempts; try again in {0} seconds")]
    Throttled(i64),
    #[error("invalid {field}: {message}")]
    Invalid { field: String, message: String },
    /// Several fields are wrong (a form); each is named.
    #[error("some fields are not right: {}", list_fields(.0))]
    InvalidFields(Vec<FieldError>),
    #[error("{0}")]
    ImportRefused(ImportErrors),
    /// The record changed since it was read (optimistic concurrency).
    #[error("the record was changed by someone else; reload it and try again")]
    EditConflict,
    #[error("conflict: {0}")]
    Conflict(String),
    /// The request is well formed but the record's state does not allow it (a row already
    /// ended, a username taken, a referral already answered): 409, naming the field.
    #[error("{field}: {message}")]
    StateConflict { field: String, message: String },
    /// A case step that the state machine refuses.
    #[error("{0}")]
    Case(treem_domain::case::CaseError),
    #[error("the database is busy; try again")]
    Busy,
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.to_owned(), message: message.into() }
    }

    pub fn state_conflict(field: &str, message: impl Into<String>) -> Self {
        Self::StateConflict { field: field.to_owned(), message: message.into() }
    }

    /// Stable code, part of the API contract (`docs/API-DESIGN.md`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "NOT_FOUND",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::SignInFailed => "SIGN_IN_FAILED",
            Self::CodeLocked => "SECOND_FACTOR_LOCKED",
            Self::Throttled(_) => "THROTTLED",
            Self::Invalid { .. } | Self::InvalidFields(_) => "VALIDATION_FAILED",
            Self::ImportRefused(_) => "IMPORT_REFUSED",
            Self::EditConflict => "EDIT_CONFLICT",
            Self::Conflict(_) | Self::StateConflict { .. } => "CONFLICT",
            Self::Case(e) => e.code(),
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

fn list_fields(errors: &[FieldError]) -> String {
    errors.iter().map(FieldError::to_string).collect::<Vec<_>>().join("; ")
}

//! The application error and its policy.
//!
//! - Callers see *what* went wrong and *where* (field, row), never *how* the
//!   system failed inside: database and I/O failures become `Internal`, are
//!   logged with detail, and shown as a generic message.
//! - A record outside the caller's scope is `NotFound`, exactly like a record
//!   that does not exist, so ids cannot be probed.
//! - `Forbidden` is for actions the caller's role may never take, whatever the
//!   record; it reveals nothing about data.
//! - Every failing use case has changed nothing: errors are raised before the
//!   transaction commits.

use qudao_domain::Invalid;
use qudao_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Wrong login or password; deliberately does not say which.
    #[error("login or password is wrong")]
    BadCredentials,
    /// Too many failed logins; the account is locked for `minutes` more.
    #[error("too many failed logins; try again in {minutes} minutes")]
    Locked { minutes: i64 },
    #[error("this account is disabled")]
    Disabled,
    /// No valid session or token.
    #[error("not signed in")]
    Unauthenticated,
    #[error("not allowed for your role")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// One or more fields are invalid.
    #[error("invalid input: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Invalid>),
    /// The record would duplicate an existing one (`field` names the key).
    #[error("{field} already exists")]
    Duplicate { field: &'static str },
    #[error("{0}")]
    Unsupported(String),
    #[error("the database schema does not match this program: {0}")]
    Schema(String),
    #[error("internal error")]
    Internal(String),
}

impl From<Invalid> for AppError {
    fn from(invalid: Invalid) -> Self {
        AppError::Invalid(vec![invalid])
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Duplicate => AppError::Duplicate { field: "code" },
            StoreError::UnsupportedUrl(_) => AppError::Unsupported(err.to_string()),
            StoreError::NewerSchema { .. } | StoreError::OlderSchema { .. } => {
                AppError::Schema(err.to_string())
            }
            StoreError::Db(db) => {
                tracing::error!(error = %db, "database failure");
                AppError::Internal(db.to_string())
            }
            StoreError::Unreadable { .. } => {
                tracing::error!(error = %err, "unreadable stored value");
                AppError::Internal(err.to_string())
            }
        }
    }
}

/// Collects every field error of a form before failing, so the user fixes
/// them all in one go.
#[derive(Debug, Default)]
pub(crate) struct Fields(Vec<Invalid>);

impl Fields {
    pub(crate) fn take<T>(&mut self, result: Result<T, Invalid>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(invalid) => {
                self.0.push(invalid);
                None
            }
        }
    }

    pub(crate) fn push(&mut self, invalid: Invalid) {
        self.0.push(invalid);
    }

    pub(crate) fn into_vec(self) -> Vec<Invalid> {
        self.0
    }

    pub(crate) fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.0))
        }
    }
}

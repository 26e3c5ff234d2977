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

impl From<Vec<Invalid>> for AppError {
    fn from(invalid: Vec<Invalid>) -> Self {
        AppError::Invalid(invalid)
    }
}

/// One field's outcome: its parsed value, or the errors that stop it.
pub(crate) trait FieldResult {
    type Value;
    fn into_parsed(self) -> Result<Self::Value, Vec<Invalid>>;
}

impl<T> FieldResult for Result<T, Invalid> {
    type Value = T;
    fn into_parsed(self) -> Result<T, Vec<Invalid>> {
        self.map_err(|invalid| vec![invalid])
    }
}

impl<T> FieldResult for Result<T, Vec<Invalid>> {
    type Value = T;
    fn into_parsed(self) -> Self {
        self
    }
}

/// Combines a form's field outcomes (a tuple of [`FieldResult`]s) into the
/// tuple of their values, or into every error in tuple order, so the user
/// fixes them all in one go and the use case gets complete values without
/// re-checking anything.
///
/// ```ignore
/// let (login, name) = (Login::parse(a), DisplayName::parse(b)).all()?;
/// ```
pub(crate) trait AllFields {
    type Values;
    fn all(self) -> Result<Self::Values, Vec<Invalid>>;
}

macro_rules! all_fields {
    ($($field:ident),+) => {
        impl<$($field: FieldResult),+> AllFields for ($($field,)+) {
            type Values = ($($field::Value,)+);

            #[allow(non_snake_case)]
            fn all(self) -> Result<Self::Values, Vec<Invalid>> {
                let ($($field,)+) = self;
                match ($($field.into_parsed(),)+) {
                    ($(Ok($field),)+) => Ok(($($field,)+)),
                    ($($field,)+) => {
                        let mut errors = Vec::new();
                        $(if let Err(found) = $field {
                            errors.extend(found);
                        })+
                        Err(errors)
                    }
                }
            }
        }
    };
}

all_fields!(A, B);
all_fields!(A, B, C);
all_fields!(A, B, C, D);
all_fields!(A, B, C, D, E);
all_fields!(A, B, C, D, E, F);
all_fields!(A, B, C, D, E, F, G);
all_fields!(A, B, C, D, E, F, G, H);
all_fields!(A, B, C, D, E, F, G, H, I);
all_fields!(A, B, C, D, E, F, G, H, I, J);
all_fields!(A, B, C, D, E, F, G, H, I, J, K);
all_fields!(A, B, C, D, E, F, G, H, I, J, K, L);

/// A rule between fields as one more field outcome: `Ok(())` when it
/// `holds`, otherwise its error.
pub(crate) fn rule(holds: bool, invalid: impl FnOnce() -> Invalid) -> Result<(), Invalid> {
    if holds { Ok(()) } else { Err(invalid()) }
}

/// A check that needs an earlier field's value, placed where its error
/// belongs in the tuple. It runs when `earlier` is `Some`; `None` means the
/// earlier field failed and its error is already in the tuple, so this one
/// adds none.
pub(crate) fn given<T, U>(
    earlier: Option<T>,
    check: impl FnOnce(T) -> Result<U, Invalid>,
) -> Result<U, Vec<Invalid>> {
    match earlier {
        Some(value) => check(value).map_err(|invalid| vec![invalid]),
        None => Err(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use qudao_domain::Problem;

    use super::*;

    fn bad(field: &'static str) -> Invalid {
        Invalid::new(field, Problem::Required)
    }

    #[test]
    fn all_fields_give_their_values_in_order() {
        let ok: Result<i32, Invalid> = Ok(1);
        let also: Result<&str, Vec<Invalid>> = Ok("two");
        assert_eq!((ok, also).all(), Ok((1, "two")));
    }

    #[test]
    fn every_error_is_kept_in_tuple_order() {
        let first: Result<i32, Invalid> = Err(bad("a"));
        let fine: Result<i32, Invalid> = Ok(2);
        let many: Result<i32, Vec<Invalid>> = Err(vec![bad("b"), bad("c")]);
        let held = rule(false, || bad("d"));
        let fields: Vec<_> = (first, fine, many, held)
            .all()
            .unwrap_err()
            .into_iter()
            .map(|i| i.field)
            .collect();
        assert_eq!(fields, ["a", "b", "c", "d"]);
    }
}

//! What is wrong with one field of a form or a document: the field (a form's name, or a
//! path into a document such as `targets[T3].legs[1].operator`) and a message for people.

use serde::Serialize;
use std::fmt;

/// One refused field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl From<FieldError> for (String, String) {
    fn from(e: FieldError) -> Self {
        (e.field, e.message)
    }
}

/// The refused fields as (field, message) pairs, as the forms show them.
pub fn pairs(errors: Vec<FieldError>) -> Vec<(String, String)> {
    errors.into_iter().map(Into::into).collect()
}

/// Collects the problems of a check, in the order found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem with `field`.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Records `message` for `field` unless `ok` holds.
    pub fn require(&mut self, ok: bool, field: impl Into<String>, message: impl Into<String>) {
        if !ok {
            self.push(field, message);
        }
    }

    pub fn extend(&mut self, more: impl IntoIterator<Item = FieldError>) {
        self.0.extend(more);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }

    /// `value` when nothing was found wrong, else every problem.
    pub fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self.0)
        }
    }
}

impl From<Vec<FieldError>> for FieldErrors {
    fn from(e: Vec<FieldError>) -> Self {
        Self(e)
    }
}

impl From<FieldErrors> for Vec<FieldError> {
    fn from(e: FieldErrors) -> Self {
        e.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_kept_in_the_order_found() {
        let mut e = FieldErrors::new();
        e.require(true, "a", "never");
        e.require(false, "b", "must be given");
        e.push(format!("c[{}]", 1), String::from("twice"));
        assert_eq!(e.clone().finish(()), Err(vec![FieldError::new("b", "must be given"), FieldError::new("c[1]", "twice")]));
        assert_eq!(e.into_vec()[1].to_string(), "c[1]: twice");
        assert_eq!(FieldErrors::new().finish(3), Ok(3));
        assert_eq!(pairs(vec![FieldError::new("x", "y")]), vec![("x".to_owned(), "y".to_owned())]);
    }
}

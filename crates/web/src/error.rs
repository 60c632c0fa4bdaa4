//! Route errors: one enum mapped to status codes. Internal errors are logged on stderr and
//! answered with a generic message; their text never reaches the client.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

/// One problem in submitted input, with where it is.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct InputProblem {
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// 1-based column, when known.
    pub column: Option<u64>,
    /// Field path or column name.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What was expected.
    pub expected: Option<String>,
    /// The row's timestamp, for meter curves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

impl InputProblem {
    /// A problem with a field of a request or a whole file, no line or column.
    pub fn field(path: impl Into<String>, message: String, expected: Option<String>) -> Self {
        InputProblem {
            line: None,
            column: None,
            path: path.into(),
            message,
            expected,
            timestamp: None,
        }
    }
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No valid session.
    #[error("authentication required")]
    Unauthenticated,
    /// Logged in, but the role does not allow it (for things whose existence is not secret).
    #[error("forbidden")]
    Forbidden,
    /// Absent, or not visible to this user (the two are indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// Wrong username or password.
    #[error("invalid username or password")]
    BadCredentials,
    /// Too many failed logins.
    #[error("too many login attempts; retry later")]
    RateLimited,
    /// Malformed request.
    #[error("{0}")]
    BadRequest(String),
    /// Input rejected, with every problem found.
    #[error("the input has {} problem(s)", .0.len())]
    Invalid(Vec<InputProblem>),
    /// Already exists.
    #[error("{0}")]
    Conflict(String),
    /// The job cannot change state any more.
    #[error("{0}")]
    JobFinished(String),
    /// Something broke on our side.
    #[error("internal error")]
    Internal(String),
}

impl From<quartier_store::StoreError> for ApiError {
    fn from(e: quartier_store::StoreError) -> ApiError {
        match e {
            quartier_store::StoreError::Conflict(what) => {
                ApiError::Conflict(format!("{what} already exists"))
            }
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl ApiError {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated | ApiError::BadCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict(_) | ApiError::JobFinished(_) => StatusCode::CONFLICT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            eprintln!("internal error: {detail}");
        }
        let body = match &self {
            ApiError::Invalid(errors) => json!({ "error": self.to_string(), "errors": errors }),
            _ => json!({ "error": self.to_string() }),
        };
        (self.status(), Json(body)).into_response()
    }
}

//! Route errors: one enum mapped to status codes and answered as problem details (RFC 9457).
//! Internal errors are logged on stderr and answered with a generic message; their text never
//! reaches the client. Lists of input problems are capped at [`MAX_PROBLEMS`].

use axum::http::{StatusCode, header};
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
    /// The message and what was expected in French, for the pages (the API answers in
    /// English); `None` for a file reader's own diagnostics, shown in English.
    #[serde(skip)]
    pub french: Option<(String, Option<String>)>,
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
            french: None,
        }
    }

    /// The same problem said in French too (`message`, and `expected` when there is one).
    pub fn fr(mut self, message: impl Into<String>, expected: Option<String>) -> Self {
        self.french = Some((message.into(), expected));
        self
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
    /// Logged in, but the role does not allow it, with what the user can do instead.
    #[error("{0}")]
    ForbiddenBecause(String),
    /// Absent, or not visible to this user (the two are indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// Wrong username or password.
    #[error("invalid username or password")]
    BadCredentials,
    /// Too many failed logins from this client for this username: retry after the delay.
    #[error("too many failed logins; retry in {} s", .0.as_secs().max(1))]
    RateLimited(std::time::Duration),
    /// Too much queued work: retry after the delay.
    #[error("{message}; retry in {} s", .retry_after.as_secs().max(1))]
    TooMany {
        /// What is full, for the user.
        message: String,
        /// The same in French, for the pages.
        message_fr: String,
        /// When a retry may succeed.
        retry_after: std::time::Duration,
    },
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
            quartier_store::StoreError::MeterTaken { prm } => ApiError::Conflict(format!(
                "meter {prm} already belongs to another district: a meter belongs to one \
                 district unless the programme team shares it (\"share\": true when adding \
                 a participant, \"share_meters\": true when creating a district)"
            )),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl ApiError {
    /// The status code.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated | ApiError::BadCredentials => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden | ApiError::ForbiddenBecause(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::RateLimited(_) | ApiError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict(_) | ApiError::JobFinished(_) => StatusCode::CONFLICT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

/// Problems listed in one answer at most; the rest are counted (a body of a million bad fields
/// must not make an answer of a million problems).
pub const MAX_PROBLEMS: usize = 50;

/// At most [`MAX_PROBLEMS`] of `problems`, the last saying how many more were left out.
pub fn capped(mut problems: Vec<InputProblem>) -> Vec<InputProblem> {
    if problems.len() > MAX_PROBLEMS {
        let more = problems.len() - (MAX_PROBLEMS - 1);
        problems.truncate(MAX_PROBLEMS - 1);
        problems.push(InputProblem::field(
            "",
            format!("{more} more problems not listed"),
            Some("fix the problems above, then send again".into()),
        ));
    }
    problems
}

/// A problem-details body (RFC 9457, `application/problem+json`): `type`, `title`, `status`,
/// `detail`, plus `error` (the detail again, as earlier versions answered) and, for invalid
/// input, `errors` (each problem with where it is).
pub fn problem_response(
    status: StatusCode,
    detail: &str,
    errors: Option<&[InputProblem]>,
) -> Response {
    let mut body = json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": detail,
        "error": detail,
    });
    if let Some(errors) = errors {
        body["errors"] = json!(errors);
    }
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(detail) = &self {
            eprintln!("internal error: {detail}");
        }
        let mut response = match &self {
            ApiError::Invalid(errors) => {
                let errors = capped(errors.clone());
                problem_response(self.status(), &self.to_string(), Some(&errors))
            }
            _ => problem_response(self.status(), &self.to_string(), None),
        };
        if let ApiError::RateLimited(wait)
        | ApiError::TooMany {
            retry_after: wait, ..
        } = &self
        {
            let secs = wait.as_secs().max(1).to_string();
            if let Ok(v) = header::HeaderValue::from_str(&secs) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        response
    }
}

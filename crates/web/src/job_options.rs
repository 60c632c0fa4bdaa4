//! The JSON options of the optimiser's jobs (optimisations and sizings), read one way:
//! the body (none, or a JSON object; another content type is 415, broken JSON 400), each field
//! type-checked with every problem collected (unknown fields too) into one 422 naming the
//! field, its value and what was expected, the choice of back end (HiGHS only in a build with
//! the `highs` feature), and the 202 answer with the job's status URL.

use std::future::Future;

use axum::Json;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use quartier_optim::lp::{Clarabel, Solver};
use quartier_store::DistrictRow;
use serde_json::{Map, Value, json};

use crate::AppState;
use crate::api::managed_district;
use crate::auth::CurrentUser;
use crate::error::{ApiError, InputProblem, MAX_PROBLEMS, problem_response};
use crate::jobs::JobRequest;

/// The optimiser's back end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SolverChoice {
    /// clarabel (linear programs only).
    Clarabel,
    /// HiGHS (also MILP), in a build with the `highs` feature only.
    #[cfg(feature = "highs")]
    Highs,
}

impl SolverChoice {
    /// The solver itself.
    pub(crate) fn back_end(self) -> Box<dyn Solver> {
        match self {
            SolverChoice::Clarabel => Box::new(Clarabel::default()),
            #[cfg(feature = "highs")]
            SolverChoice::Highs => Box::new(quartier_optim::lp::Highs::default()),
        }
    }
}

/// A problem with one option.
pub(crate) fn problem(path: &str, message: String, expected: impl Into<String>) -> InputProblem {
    InputProblem::field(path, message, Some(expected.into()))
}

/// The request's fields, type-checked one by one; problems are collected, not returned early.
pub(crate) struct Fields<'a> {
    body: &'a Map<String, Value>,
    /// Every problem found so far.
    pub(crate) problems: Vec<InputProblem>,
}

impl<'a> Fields<'a> {
    /// The fields of `body` (`None`: no body, every option at its default, read from
    /// `empty`); a body that is not an object is refused whole, and every field not in
    /// `known` is a problem.
    pub(crate) fn open(
        body: Option<&'a Value>,
        empty: &'a Map<String, Value>,
        known: &[&str],
    ) -> Result<Fields<'a>, Vec<InputProblem>> {
        let body = match body {
            None => empty,
            Some(Value::Object(m)) => m,
            Some(other) => {
                return Err(vec![problem(
                    "",
                    format!("{other}: expected a JSON object of options"),
                    format!("an object with any of {}", known.join(", ")),
                )]);
            }
        };
        // An answer lists MAX_PROBLEMS problems at most: the other unknown fields are counted.
        let unknown = || body.keys().filter(|k| !known.contains(&k.as_str()));
        let listed = MAX_PROBLEMS / 2;
        let mut problems: Vec<InputProblem> = unknown()
            .take(listed)
            .map(|key| {
                let key = crate::input::clip(key);
                problem(
                    &key,
                    format!("unknown field '{key}'"),
                    format!("one of {}", known.join(", ")),
                )
            })
            .collect();
        let more = unknown().count().saturating_sub(listed);
        if more > 0 {
            problems.push(problem(
                "",
                format!("{more} more unknown fields not listed"),
                format!("only {}", known.join(", ")),
            ));
        }
        Ok(Fields { body, problems })
    }

    /// A field's value; JSON `null` counts as absent.
    pub(crate) fn get(&self, key: &str) -> Option<&'a Value> {
        self.body.get(key).filter(|v| !v.is_null())
    }

    /// A string field (`expected`: what it may say).
    pub(crate) fn string(&mut self, key: &str, expected: &str) -> Option<&'a str> {
        let v = self.get(key)?;
        if v.as_str().is_none() {
            self.problems.push(problem(
                key,
                format!("{v}: expected a string"),
                format!("a string: {expected}"),
            ));
        }
        v.as_str()
    }

    /// A boolean field.
    pub(crate) fn boolean(&mut self, key: &str) -> Option<bool> {
        let v = self.get(key)?;
        if v.as_bool().is_none() {
            self.problems.push(problem(
                key,
                format!("{v}: expected true or false"),
                "true or false",
            ));
        }
        v.as_bool()
    }

    /// A number of `unit`, finite and > 0.
    pub(crate) fn positive(&mut self, key: &str, unit: &str) -> Option<f64> {
        let v = self.get(key)?;
        match v.as_f64() {
            Some(x) if x.is_finite() && x > 0.0 => Some(x),
            _ => {
                self.problems.push(problem(
                    key,
                    format!("{v}: expected a number of {unit} > 0"),
                    format!("a number of {unit} > 0"),
                ));
                None
            }
        }
    }

    /// The `solver` field: clarabel (the default) or highs (only in a build with HiGHS);
    /// `None` after a problem.
    pub(crate) fn solver(&mut self) -> Option<SolverChoice> {
        match self.string("solver", "clarabel or highs") {
            None | Some("clarabel") => Some(SolverChoice::Clarabel),
            #[cfg(feature = "highs")]
            Some("highs") => Some(SolverChoice::Highs),
            #[cfg(not(feature = "highs"))]
            Some("highs") => {
                self.problems.push(problem(
                    "solver",
                    "'highs': this server was built without HiGHS (the `highs` feature); use \
                     clarabel, or rebuild the server with `--features highs`"
                        .into(),
                    "clarabel",
                ));
                None
            }
            Some(other) => {
                self.problems.push(problem(
                    "solver",
                    format!("'{other}': expected clarabel or highs"),
                    "clarabel or highs",
                ));
                None
            }
        }
    }

    /// `spec` when no problem was found, else every problem.
    pub(crate) fn finish<T>(self, spec: T) -> Result<T, Vec<InputProblem>> {
        if self.problems.is_empty() {
            Ok(spec)
        } else {
            Err(self.problems)
        }
    }
}

/// The checked options of a stored job (its canonical JSON, read back by `parse`); a text that
/// no longer reads (a newer server's option, a hand-edited row) is said in words.
pub(crate) fn stored_spec<S>(
    options_json: &str,
    parse: fn(Option<&Value>) -> Result<S, Vec<InputProblem>>,
) -> Result<S, String> {
    let value: Value = serde_json::from_str(options_json)
        .map_err(|e| format!("the stored options do not read as JSON: {e}"))?;
    parse(Some(&value)).map_err(|problems| {
        let said: Vec<String> = problems
            .iter()
            .take(5)
            .map(|p| format!("{}: {}", p.path, p.message))
            .collect();
        format!("the stored options are refused: {}", said.join("; "))
    })
}

/// A job's result: the KPI document of its flows (a simulation job's result) with `parts`
/// added under their keys.
pub(crate) fn result_with(kpis_json: &str, parts: Vec<(&str, Value)>) -> Result<String, String> {
    let mut doc: Map<String, Value> =
        serde_json::from_str(kpis_json).map_err(|e| format!("reading the KPIs back: {e}"))?;
    for (key, value) in parts {
        doc.insert(key.into(), value);
    }
    Ok(Value::Object(doc).to_string())
}

/// True when `headers` declare a JSON body (`application/json` or `…+json`).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|m| {
            let m = m.trim().to_ascii_lowercase();
            m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
        })
        .unwrap_or(false)
}

/// Largest body of job options, bytes (a few dozen fields fit in a few hundred bytes).
pub(crate) const MAX_OPTIONS_BYTES: usize = 64 * 1024;

/// The answer to a job's submission with JSON options: the user must manage district `id`
/// (403 otherwise, 404 for an invisible one), the body (at most [`MAX_OPTIONS_BYTES`]) is read
/// and checked by `parse` (every problem at once: 422), then `submit` queues the job of `kind`
/// (the request carries the user and the options as canonical JSON, so an identical queued job
/// is merged): 202 with its status URL.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn submit_with_options<S, F, Fut>(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    headers: &HeaderMap,
    body: &[u8],
    parse: fn(Option<&Value>) -> Result<S, Vec<InputProblem>>,
    kind: &'static str,
    submit: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(DistrictRow, S, JobRequest) -> Fut,
    Fut: Future<Output = Result<i64, ApiError>>,
{
    let d = managed_district(state, user, id, ApiError::Forbidden).await?;
    if body.len() > MAX_OPTIONS_BYTES {
        return Ok(problem_response(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "the options take {} bytes; at most {MAX_OPTIONS_BYTES} are read",
                body.len()
            ),
            None,
        ));
    }
    let value: Option<Value> = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else if !is_json(headers) {
        return Ok(problem_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the options as Content-Type: application/json",
            None,
        ));
    } else {
        Some(
            serde_json::from_slice(body)
                .map_err(|e| ApiError::BadRequest(format!("the body is not valid JSON: {e}")))?,
        )
    };
    let spec = parse(value.as_ref()).map_err(ApiError::Invalid)?;
    // serde_json's objects keep their keys sorted: the text is canonical.
    let options_json = value.map_or_else(|| "{}".to_string(), |v| v.to_string());
    let request = JobRequest {
        kind,
        district: d.id,
        user: Some(user.user.id),
        options_json,
    };
    let job = submit(d, spec, request).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "job_id": job, "status_url": format!("/api/v1/jobs/{job}") })),
    )
        .into_response())
}

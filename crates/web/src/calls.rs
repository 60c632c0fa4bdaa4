//! The programme's calls for applications over the API: the programme team opens a call,
//! applicants create their account, fill a draft, attach PDFs and submit before the deadline
//! (after it nothing changes), the programme team assigns reviewers, each reviewer sees only
//! the applications assigned to them, declares a conflict of interest or scores every
//! criterion, the programme team reads the ranking (mean score, spread between reviewers) and
//! decides; a selected application becomes an experiment file of the data folder (its commune,
//! district, theme, KPIs and targets), and the applicant sees the decision.
//!
//! The rules are [`quartier_programme`]'s; this module holds the wire forms (JSON), the roles
//! and the storage. Anything a user may not see answers 404, like a missing id.
//!
//! - `POST /api/v1/calls` (programme), `GET /api/v1/calls`, `GET /api/v1/calls/{id}`
//! - `POST /api/v1/applicants` (no session): an applicant's account
//! - `POST /api/v1/calls/{id}/applications` (applicant), `GET /api/v1/applications`,
//!   `GET|PUT /api/v1/applications/{id}`, `POST /api/v1/applications/{id}/documents?name=`,
//!   `GET /api/v1/applications/{id}/documents/{doc}`, `POST /api/v1/applications/{id}/submit`
//! - `POST /api/v1/applications/{id}/reviewers` (programme), `PUT /api/v1/applications/{id}/review`
//!   (an assigned reviewer), `GET /api/v1/calls/{id}/ranking` and
//!   `POST /api/v1/applications/{id}/decision` (programme)

use std::collections::BTreeMap;
use std::str::FromStr;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use quartier_programme::{
    Application, Call, Criterion, Decimal, Decision, Document, Eligibility, KpiDirection,
    MAX_DOCUMENTS, Problem, ProposedKpi, Question, Review, Theme, check_call, check_document,
    check_review, check_submission, rank, review_total,
};
use quartier_store::{ApplicationRow, CallRow, NewCall, NewUser, ReviewRow, Role};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::{self, CurrentUser};
use crate::error::{ApiError, InputProblem};
use crate::input;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/calls", get(list_calls).post(create_call))
        .route("/api/v1/calls/{id}", get(read_call))
        .route("/api/v1/calls/{id}/applications", post(create_application))
        .route("/api/v1/calls/{id}/ranking", get(ranking))
        .route("/api/v1/applicants", post(create_applicant))
        .route("/api/v1/applications", get(list_applications))
        .route(
            "/api/v1/applications/{id}",
            get(read_application).put(update_application),
        )
        .route("/api/v1/applications/{id}/documents", post(add_document))
        .route(
            "/api/v1/applications/{id}/documents/{doc}",
            get(read_document),
        )
        .route("/api/v1/applications/{id}/submit", post(submit))
        .route("/api/v1/applications/{id}/reviewers", post(assign_reviewer))
        .route("/api/v1/applications/{id}/review", put(put_review))
        .route("/api/v1/applications/{id}/decision", post(decide))
}

// ---------------------------------------------------------------------------------------------
// Wire forms

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuestionWire {
    key: String,
    text: String,
    #[serde(default)]
    required: bool,
    #[serde(default = "default_max_chars")]
    max_chars: usize,
}

fn default_max_chars() -> usize {
    2000
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CriterionWire {
    key: String,
    text: String,
    weight_percent: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EligibilityWire {
    #[serde(default)]
    communes: Vec<String>,
    /// Euros, as a decimal string (`"300000"`).
    #[serde(default)]
    max_budget_eur: Option<String>,
    #[serde(default = "default_months")]
    max_months: u32,
    #[serde(default = "one")]
    min_kpis: usize,
    #[serde(default = "one")]
    min_documents: usize,
}

fn default_months() -> u32 {
    24
}

fn one() -> usize {
    1
}

/// A call as the API takes and gives it, and as the store keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CallWire {
    title: String,
    themes: Vec<String>,
    /// RFC 3339 (`2025-01-31T23:59:59+01:00`).
    opens: String,
    /// RFC 3339.
    closes: String,
    eligibility: EligibilityWire,
    #[serde(default)]
    questions: Vec<QuestionWire>,
    criteria: Vec<CriterionWire>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KpiWire {
    name: String,
    unit: String,
    target: f64,
    #[serde(default = "at_least")]
    direction: String,
}

fn at_least() -> String {
    "at-least".into()
}

/// An application's form as the API takes and gives it, and as the store keeps it. A draft
/// may leave anything empty; the rules are checked on submission.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct FormWire {
    title: String,
    commune: String,
    district: Option<String>,
    theme: String,
    summary: String,
    kpis: Vec<KpiWire>,
    /// Euros, as a decimal string.
    budget_eur: String,
    /// `YYYY-MM-DD`.
    start: String,
    months: u32,
    answers: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewWire {
    #[serde(default)]
    conflict: Option<String>,
    #[serde(default)]
    scores: BTreeMap<String, u8>,
    #[serde(default)]
    comments: BTreeMap<String, String>,
}

fn problems(ps: Vec<Problem>) -> ApiError {
    ApiError::Invalid(ps.into_iter().map(input_problem).collect())
}

/// A programme rule's problem as the API and the pages say it, in both languages.
pub(crate) fn input_problem(p: Problem) -> InputProblem {
    InputProblem::field(p.field, p.message, Some(p.expected)).fr(p.message_fr, Some(p.expected_fr))
}

fn field(path: &str, message: String, expected: &str) -> ApiError {
    ApiError::Invalid(vec![InputProblem::field(
        path,
        message,
        Some(expected.into()),
    )])
}

fn theme(name: &str) -> Option<Theme> {
    quartier_model::THEMES
        .iter()
        .position(|t| *t == name)
        .map(|i| {
            [
                Theme::Energy,
                Theme::Mobility,
                Theme::ClimateAdaptation,
                Theme::PublicSpace,
                Theme::CircularEconomy,
            ][i]
        })
}

fn themes_expected() -> String {
    format!("one of {}", quartier_model::THEMES.join(", "))
}

impl CallWire {
    fn to_call(&self) -> Result<Call, ApiError> {
        let mut themes = Vec::new();
        for (i, t) in self.themes.iter().enumerate() {
            themes.push(theme(t).ok_or_else(|| {
                field(
                    &format!("themes[{i}]"),
                    format!("unknown theme \"{t}\""),
                    &themes_expected(),
                )
            })?);
        }
        let max_budget_eur = match &self.eligibility.max_budget_eur {
            None => None,
            Some(s) => Some(Decimal::from_str(s.trim()).map_err(|_| {
                field(
                    "eligibility.max_budget_eur",
                    format!("{s:?} is not an amount"),
                    "euros as a decimal string, e.g. \"300000\"",
                )
            })?),
        };
        let instant = |name: &str, s: &str| {
            DateTime::parse_from_rfc3339(s.trim())
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| {
                    field(
                        name,
                        format!("{s:?} is not a date and time"),
                        "RFC 3339 with its offset, e.g. 2025-01-31T23:59:59+01:00",
                    )
                })
        };
        Ok(Call {
            title: self.title.clone(),
            themes,
            opens: instant("opens", &self.opens)?,
            closes: instant("closes", &self.closes)?,
            eligibility: Eligibility {
                communes: self.eligibility.communes.clone(),
                max_budget_eur,
                max_months: self.eligibility.max_months,
                min_kpis: self.eligibility.min_kpis,
                min_documents: self.eligibility.min_documents,
            },
            questions: self
                .questions
                .iter()
                .map(|q| Question {
                    key: q.key.clone(),
                    text: q.text.clone(),
                    required: q.required,
                    max_chars: q.max_chars,
                })
                .collect(),
            criteria: self
                .criteria
                .iter()
                .map(|c| Criterion {
                    key: c.key.clone(),
                    text: c.text.clone(),
                    weight_percent: c.weight_percent,
                })
                .collect(),
        })
    }
}

impl FormWire {
    /// The application the rules judge, with its documents; its own problems (a theme, an
    /// amount, a direction that cannot be read) first.
    fn to_application(&self, documents: Vec<Document>) -> Result<Application, Vec<Problem>> {
        let mut out = Vec::new();
        let bad =
            |field: String, en: String, expected: &str, fr: String, expected_fr: &str| Problem {
                field,
                message: en,
                expected: expected.into(),
                message_fr: fr,
                expected_fr: expected_fr.into(),
            };
        let theme = theme(&self.theme);
        if theme.is_none() {
            out.push(bad(
                "theme".into(),
                format!("unknown theme \"{}\"", self.theme),
                &themes_expected(),
                format!("thème inconnu « {} »", self.theme),
                &format!("un de : {}", quartier_model::THEMES.join(", ")),
            ));
        }
        let budget = Decimal::from_str(self.budget_eur.trim());
        if budget.is_err() {
            out.push(bad(
                "budget_eur".into(),
                format!("{:?} is not an amount", self.budget_eur),
                "euros as a decimal string, e.g. \"120000\"",
                format!("« {} » n'est pas un montant", self.budget_eur),
                "des euros en texte décimal, par exemple \"120000\"",
            ));
        }
        let mut kpis = Vec::new();
        for (i, k) in self.kpis.iter().enumerate() {
            let direction = match k.direction.as_str() {
                "at-least" => KpiDirection::AtLeast,
                "at-most" => KpiDirection::AtMost,
                other => {
                    out.push(bad(
                        format!("kpis[{i}].direction"),
                        format!("unknown direction \"{other}\""),
                        "at-least or at-most",
                        format!("sens inconnu « {other} »"),
                        "at-least ou at-most",
                    ));
                    KpiDirection::AtLeast
                }
            };
            kpis.push(ProposedKpi {
                name: k.name.clone(),
                unit: k.unit.clone(),
                target: k.target,
                direction,
            });
        }
        let start = NaiveDate::parse_from_str(self.start.trim(), "%Y-%m-%d").ok();
        if start.is_none() {
            out.push(bad(
                "start".into(),
                format!("{:?} is not a date", self.start),
                "a date YYYY-MM-DD",
                format!("« {} » n'est pas une date", self.start),
                "une date AAAA-MM-JJ",
            ));
        }
        let (Some(theme), Ok(budget_eur), Some(start), true) =
            (theme, budget, start, out.is_empty())
        else {
            return Err(out);
        };
        Ok(Application {
            title: self.title.clone(),
            commune: self.commune.clone(),
            district: self.district.clone(),
            theme,
            summary: self.summary.clone(),
            kpis,
            budget_eur,
            start,
            months: self.months,
            answers: self.answers.clone(),
            documents,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Reading stored rows

fn stored_call(row: &CallRow) -> Result<(CallWire, Call), ApiError> {
    let wire: CallWire = serde_json::from_str(&row.definition)
        .map_err(|e| ApiError::Internal(format!("call {}: {e}", row.id)))?;
    let call = wire.to_call()?;
    Ok((wire, call))
}

fn stored_form(row: &ApplicationRow) -> Result<FormWire, ApiError> {
    serde_json::from_str(&row.form)
        .map_err(|e| ApiError::Internal(format!("application {}: {e}", row.id)))
}

/// True while the call takes applications.
pub(crate) fn is_open(call: &CallRow, now: DateTime<Utc>) -> bool {
    call.opens_at <= now && now < call.closes_at
}

fn call_json(row: &CallRow, wire: &CallWire, now: DateTime<Utc>) -> Value {
    json!({
        "id": row.id,
        "title": row.title,
        "opens": row.opens_at.to_rfc3339(),
        "closes": row.closes_at.to_rfc3339(),
        "open": is_open(row, now),
        "definition": wire,
    })
}

fn status(a: &ApplicationRow) -> &'static str {
    match (&a.submitted_at, a.decision.as_deref()) {
        (None, _) => "draft",
        (Some(_), None) => "submitted",
        (Some(_), Some("selected")) => "selected",
        (Some(_), Some("waiting-list")) => "waiting-list",
        (Some(_), Some(_)) => "rejected",
    }
}

/// Whether `user` sees application `a`: its applicant, the programme, a reviewer assigned.
async fn sees(state: &AppState, user: &CurrentUser, a: &ApplicationRow) -> Result<bool, ApiError> {
    Ok(match user.user.role {
        Role::Programme => true,
        Role::Applicant => a.applicant_id == Some(user.user.id),
        Role::Reviewer => state
            .store
            .reviews_of_application(a.id)
            .await?
            .iter()
            .any(|r| r.reviewer_id == user.user.id),
        _ => false,
    })
}

/// The application `id` if `user` sees it, with its call; 404 otherwise.
async fn visible(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<(ApplicationRow, CallRow), ApiError> {
    let a = state
        .store
        .application(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !sees(state, user, &a).await? {
        return Err(ApiError::NotFound);
    }
    let call = state
        .store
        .call(a.call_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((a, call))
}

/// The applicant's own draft, while the call is open.
async fn own_draft(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<(ApplicationRow, CallRow), ApiError> {
    let (a, call) = visible(state, user, id).await?;
    if a.applicant_id != Some(user.user.id) {
        return Err(ApiError::ForbiddenBecause(
            "only the applicant changes an application".into(),
        ));
    }
    if a.submitted_at.is_some() {
        return Err(ApiError::Conflict(
            "the application is submitted: it no longer changes".into(),
        ));
    }
    if !is_open(&call, Utc::now()) {
        return Err(ApiError::Conflict(format!(
            "the call closed on {}: nothing changes after its deadline",
            call.closes_at.to_rfc3339()
        )));
    }
    Ok((a, call))
}

fn require(user: &CurrentUser, role: Role) -> Result<(), ApiError> {
    if user.user.role == role {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::Invalid(vec![InputProblem::field(
            "body",
            format!("the JSON does not read: {e}"),
            Some("the fields this operation documents".into()),
        )])
    })
}

// ---------------------------------------------------------------------------------------------
// Calls

pub(crate) async fn create_call(
    State(state): State<AppState>,
    user: CurrentUser,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require(&user, Role::Programme)?;
    let wire: CallWire = json_body(&body)?;
    let call = wire.to_call()?;
    let ps = check_call(&call);
    if !ps.is_empty() {
        return Err(problems(ps));
    }
    let definition = serde_json::to_string(&wire).map_err(|e| ApiError::Internal(e.to_string()))?;
    let id = state
        .store
        .create_call(NewCall {
            title: wire.title.clone(),
            opens_at: call.opens,
            closes_at: call.closes,
            definition,
            created_at: Utc::now(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": id }))))
}

pub(crate) async fn list_calls(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let now = Utc::now();
    let mut out = Vec::new();
    for row in state.store.calls().await? {
        let (wire, _) = stored_call(&row)?;
        out.push(call_json(&row, &wire, now));
    }
    Ok(Json(json!({ "calls": out })))
}

pub(crate) async fn read_call(
    State(state): State<AppState>,
    _user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let row = state.store.call(id).await?.ok_or(ApiError::NotFound)?;
    let (wire, _) = stored_call(&row)?;
    Ok(Json(call_json(&row, &wire, Utc::now())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewApplicant {
    username: String,
    password: String,
}

/// The throttle's key for sign-ups (one per client address, whatever the username).
const SIGNUP_KEY: &str = "sign-up";

/// `POST /api/v1/applicants`: anyone creates an applicant's account.
///
/// Each sign-up that reaches the password hash counts against the client address
/// (`Config::signups_per_hour`); past it, 429 with how long to wait.
pub(crate) async fn create_applicant(
    State(state): State<AppState>,
    client: auth::Client,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let req: NewApplicant = json_body(&body)?;
    let username = input::username(&req.username).map_err(|p| ApiError::Invalid(vec![p]))?;
    input::password(&req.password, &username).map_err(|p| ApiError::Invalid(vec![p]))?;
    state
        .signups
        .check(SIGNUP_KEY, client.ip)
        .map_err(|wait| ApiError::TooMany {
            message: "too many accounts created from this address in the last hour \
                      (the server's signups_per_hour)"
                .into(),
            message_fr: "trop de comptes créés depuis cette adresse dans l'heure \
                         (signups_per_hour du serveur)"
                .into(),
            retry_after: wait,
        })?;
    state.signups.failed(SIGNUP_KEY, client.ip);
    let pw = req.password.clone();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let id = state
        .store
        .create_user(NewUser {
            username: username.clone(),
            password_hash: hash,
            role: Role::Applicant,
            district_id: None,
            prm: None,
            experiment: None,
            created_at: Utc::now(),
        })
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "username": username, "role": "applicant" })),
    ))
}

// ---------------------------------------------------------------------------------------------
// Applications

fn application_json(a: &ApplicationRow, form: &FormWire, extra: Value) -> Value {
    let mut v = json!({
        "id": a.id,
        "call_id": a.call_id,
        "status": status(a),
        "form": form,
        "updated_at": a.updated_at.to_rfc3339(),
        "submitted_at": a.submitted_at.map(|t| t.to_rfc3339()),
        "decision": a.decision,
        "decided_at": a.decided_at.map(|t| t.to_rfc3339()),
        "experiment": a.experiment,
    });
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    v
}

pub(crate) async fn create_application(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(call_id): UrlPath<i64>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    require(&user, Role::Applicant)?;
    let call = state.store.call(call_id).await?.ok_or(ApiError::NotFound)?;
    if !is_open(&call, Utc::now()) {
        return Err(ApiError::Conflict(format!(
            "the call is not open (from {} to {})",
            call.opens_at.to_rfc3339(),
            call.closes_at.to_rfc3339()
        )));
    }
    let form: FormWire = json_body(&body)?;
    let text = serde_json::to_string(&form).map_err(|e| ApiError::Internal(e.to_string()))?;
    let id = state
        .store
        .create_application(call_id, user.user.id, text, Utc::now())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "status": "draft" })),
    ))
}

pub(crate) async fn list_applications(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let rows: Vec<ApplicationRow> = match user.user.role {
        Role::Applicant => state.store.applications_of(user.user.id).await?,
        Role::Programme => {
            let mut all = Vec::new();
            for c in state.store.calls().await? {
                all.extend(state.store.applications_of_call(c.id).await?);
            }
            all
        }
        Role::Reviewer => {
            let mut mine = Vec::new();
            for r in state.store.reviews_of_reviewer(user.user.id).await? {
                mine.extend(state.store.application(r.application_id).await?);
            }
            mine
        }
        _ => return Err(ApiError::NotFound),
    };
    let mut out = Vec::new();
    for a in &rows {
        out.push(application_json(a, &stored_form(a)?, json!({})));
    }
    Ok(Json(json!({ "applications": out })))
}

fn review_json(r: &ReviewRow, call: &Call) -> Value {
    let scores: Option<ReviewWire> = r
        .scores
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok());
    let total = scores.as_ref().and_then(|w| {
        review_total(
            call,
            &Review {
                reviewer: r.reviewer.clone(),
                conflict: r.conflict.clone(),
                scores: w.scores.clone(),
                comments: w.comments.clone(),
            },
        )
    });
    json!({
        "reviewer": r.reviewer,
        "assigned_at": r.assigned_at.to_rfc3339(),
        "conflict": r.conflict,
        "scores": scores.as_ref().map(|w| &w.scores),
        "comments": scores.as_ref().map(|w| &w.comments),
        "total": total,
        "submitted_at": r.submitted_at.map(|t| t.to_rfc3339()),
    })
}

pub(crate) async fn read_application(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let (a, call_row) = visible(&state, &user, id).await?;
    let (_, call) = stored_call(&call_row)?;
    let docs = state.store.documents(id).await?;
    let reviews = state.store.reviews_of_application(id).await?;
    // The programme reads every review; a reviewer their own; the applicant none.
    let shown: Vec<Value> = reviews
        .iter()
        .filter(|r| match user.user.role {
            Role::Programme => true,
            Role::Reviewer => r.reviewer_id == user.user.id,
            _ => false,
        })
        .map(|r| review_json(r, &call))
        .collect();
    Ok(Json(application_json(
        &a,
        &stored_form(&a)?,
        json!({
            "documents": docs.iter().map(|d| json!({
                "id": d.id, "name": d.name, "size_bytes": d.size_bytes,
                "uploaded_at": d.uploaded_at.to_rfc3339(),
            })).collect::<Vec<_>>(),
            "reviews": shown,
        }),
    )))
}

pub(crate) async fn update_application(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    own_draft(&state, &user, id).await?;
    let form: FormWire = json_body(&body)?;
    let text = serde_json::to_string(&form).map_err(|e| ApiError::Internal(e.to_string()))?;
    if !state.store.update_draft(id, text, Utc::now()).await? {
        return Err(ApiError::Conflict(
            "the application is submitted: it no longer changes".into(),
        ));
    }
    Ok(Json(json!({ "id": id, "status": "draft" })))
}

#[derive(Deserialize)]
pub(crate) struct DocumentQuery {
    pub(crate) name: Option<String>,
}

pub(crate) async fn add_document(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<DocumentQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    own_draft(&state, &user, id).await?;
    let name = input::file_name(q.name.as_deref()).map_err(|p| ApiError::Invalid(vec![p]))?;
    if let Some(p) = check_document(&name, &body) {
        return Err(problems(vec![p]));
    }
    if state.store.documents(id).await?.len() >= MAX_DOCUMENTS {
        return Err(ApiError::Conflict(format!(
            "an application holds at most {MAX_DOCUMENTS} documents"
        )));
    }
    let doc = state
        .store
        .add_document(
            id,
            name.clone(),
            base64::engine::general_purpose::STANDARD.encode(&body),
            body.len() as i64,
            Utc::now(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": doc, "name": name, "size_bytes": body.len() })),
    ))
}

pub(crate) async fn read_document(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath((id, doc)): UrlPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    visible(&state, &user, id).await?;
    // A reviewer who declared a conflict reads nothing more of the application's documents.
    if user.user.role == Role::Reviewer
        && state
            .store
            .reviews_of_application(id)
            .await?
            .iter()
            .any(|r| r.reviewer_id == user.user.id && r.conflict.is_some())
    {
        return Err(ApiError::NotFound);
    }
    let content = state
        .store
        .document_content(id, doc)
        .await?
        .ok_or(ApiError::NotFound)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/pdf")], bytes).into_response())
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let (a, call_row) = own_draft(&state, &user, id).await?;
    let (_, call) = stored_call(&call_row)?;
    let docs: Vec<Document> = state
        .store
        .documents(id)
        .await?
        .into_iter()
        .map(|d| Document {
            name: d.name,
            bytes: usize::try_from(d.size_bytes).unwrap_or(0),
        })
        .collect();
    let app = stored_form(&a)?.to_application(docs).map_err(problems)?;
    let ps = check_submission(&call, &app, Utc::now());
    if !ps.is_empty() {
        return Err(problems(ps));
    }
    if !state.store.submit_application(id, Utc::now()).await? {
        return Err(ApiError::Conflict(
            "the application is already submitted".into(),
        ));
    }
    Ok(Json(json!({ "id": id, "status": "submitted" })))
}

// ---------------------------------------------------------------------------------------------
// Review and selection

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Assign {
    username: String,
}

pub(crate) async fn assign_reviewer(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    require(&user, Role::Programme)?;
    let req: Assign = json_body(&body)?;
    let a = state
        .store
        .application(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if a.submitted_at.is_none() {
        return Err(ApiError::Conflict("a draft is not reviewed".into()));
    }
    let reviewer = state
        .store
        .user_by_name(&req.username)
        .await?
        .filter(|u| u.role == Role::Reviewer)
        .ok_or_else(|| {
            field(
                "username",
                format!("no reviewer `{}`", req.username),
                "the username of a login with the role reviewer",
            )
        })?;
    state
        .store
        .assign_reviewer(id, reviewer.id, Utc::now())
        .await?;
    Ok(Json(
        json!({ "application": id, "reviewer": reviewer.username }),
    ))
}

pub(crate) async fn put_review(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    require(&user, Role::Reviewer)?;
    let (a, call_row) = visible(&state, &user, id).await?;
    if a.decision.is_some() {
        return Err(ApiError::Conflict(
            "the application is decided: its reviews no longer change".into(),
        ));
    }
    let (_, call) = stored_call(&call_row)?;
    let wire: ReviewWire = json_body(&body)?;
    let review = Review {
        reviewer: user.user.username.clone(),
        conflict: wire.conflict.clone(),
        scores: wire.scores.clone(),
        comments: wire.comments.clone(),
    };
    let ps = check_review(&call, &review);
    if !ps.is_empty() {
        return Err(problems(ps));
    }
    let scores = (wire.conflict.is_none())
        .then(|| serde_json::to_string(&wire))
        .transpose()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    state
        .store
        .put_review(id, user.user.id, wire.conflict.clone(), scores, Utc::now())
        .await?;
    Ok(Json(json!({
        "application": id,
        "conflict": wire.conflict,
        "total": review_total(&call, &review),
    })))
}

pub(crate) async fn ranking(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(call_id): UrlPath<i64>,
) -> Result<Json<Value>, ApiError> {
    require(&user, Role::Programme)?;
    let call_row = state.store.call(call_id).await?.ok_or(ApiError::NotFound)?;
    let (_, call) = stored_call(&call_row)?;
    let mut input = Vec::new();
    let mut titles = BTreeMap::new();
    for a in state.store.applications_of_call(call_id).await? {
        if a.submitted_at.is_none() {
            continue;
        }
        titles.insert(a.id, (stored_form(&a)?.title, status(&a)));
        let reviews: Vec<Review> = state
            .store
            .reviews_of_application(a.id)
            .await?
            .into_iter()
            .filter(|r| r.submitted_at.is_some())
            .map(|r| {
                let w: Option<ReviewWire> = r
                    .scores
                    .as_deref()
                    .and_then(|s| serde_json::from_str(s).ok());
                Review {
                    reviewer: r.reviewer,
                    conflict: r.conflict,
                    scores: w.as_ref().map(|w| w.scores.clone()).unwrap_or_default(),
                    comments: w.map(|w| w.comments).unwrap_or_default(),
                }
            })
            .collect();
        input.push((a.id, reviews));
    }
    let ranked = rank(&call, &input);
    Ok(Json(json!({
        "call_id": call_id,
        "ranking": ranked.iter().enumerate().map(|(i, r)| {
            let (title, status) = titles.get(&r.id).cloned().unwrap_or_default();
            json!({
                "rank": i + 1,
                "application": r.id,
                "title": title,
                "status": status,
                "score": r.score,
                "reviews": r.reviews,
                "conflicts": r.conflicts,
                "spread": r.spread,
            })
        }).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionWire {
    decision: String,
    /// The new experiment's slug (a selected application); from its title when absent.
    #[serde(default)]
    experiment: Option<String>,
    /// The server district the experiment runs on (a selected application); when absent, the
    /// district whose name is the one the application gives, if any.
    #[serde(default)]
    district_id: Option<i64>,
}

/// Same name for a person: case, surrounding and repeated spaces aside.
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    };
    norm(a) == norm(b)
}

/// The district a selected application's experiment runs on: `wanted` (an id the programme
/// team chose) or the server district named as the application names it. `Ok(None)` when the
/// application names none of the server's districts.
async fn decided_district(
    state: &AppState,
    wanted: Option<i64>,
    named: Option<&str>,
) -> Result<Option<quartier_store::DistrictRow>, ApiError> {
    if let Some(id) = wanted {
        return match state.store.district(id).await? {
            Some(d) => Ok(Some(d)),
            None => Err(field(
                "district_id",
                format!("the server has no district {id}"),
                "the id of one of the server's districts (GET /api/v1/districts), or nothing",
            )),
        };
    }
    let Some(named) = named.filter(|n| !n.trim().is_empty()) else {
        return Ok(None);
    };
    Ok(state
        .store
        .districts()
        .await?
        .into_iter()
        .find(|d| same_name(&d.name, named)))
}

/// The experiment file a selected application becomes: its commune, district, theme, dates,
/// KPIs and targets (no value yet: the laureate reports them).
///
/// `district` is the experiment's `district` line (a path from the experiments' folder) when
/// the experiment runs on one of the server's districts; otherwise a comment says which
/// district the application named.
fn experiment_toml(form: &FormWire, app: &Application, district: Option<&str>) -> String {
    // A TOML string as toml_edit writes it (quotes, escapes).
    let q = |s: &str| toml_edit::Value::from(s).to_string();
    let end = app
        .start
        .checked_add_months(chrono::Months::new(app.months))
        .unwrap_or(app.start);
    let mut t = format!(
        "# Created from the application selected by the programme team.\n\
         commune = {}\ntitle = {}\nsummary = {}\ntheme = {}\ntimezone = \"Europe/Paris\"\nstart = {}\nend = {}\n",
        q(&app.commune),
        q(&app.title),
        q(&app.summary),
        q(&form.theme),
        app.start,
        end,
    );
    match (district, form.district.as_deref().map(str::trim)) {
        (Some(file), _) => t.push_str(&format!("district = {}\n", q(file))),
        (None, Some(named)) if !named.is_empty() => t.push_str(&format!(
            "# The application names the district {}, which is not one of the server's districts:\n\
             # add `district = \"../<its file>.toml\"` once it is.\n",
            // On one line: a comment ends at the line's end, and the rest would be read.
            q(&named.split(char::is_control).collect::<Vec<_>>().join(" "))
        )),
        _ => {}
    }
    for k in &app.kpis {
        t.push_str(&format!(
            "\n[[kpis]]\nname = {}\nunit = {}\ntarget = {}\ndirection = {}\nmonthly = []\n",
            q(&k.name),
            q(&k.unit),
            k.target,
            q(match k.direction {
                KpiDirection::AtLeast => "at-least",
                KpiDirection::AtMost => "at-most",
            }),
        ));
    }
    t
}

pub(crate) async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    require(&user, Role::Programme)?;
    let req: DecisionWire = json_body(&body)?;
    let decision = Decision::from_name(&req.decision).ok_or_else(|| {
        field(
            "decision",
            format!("unknown decision \"{}\"", req.decision),
            "selected, waiting-list or rejected",
        )
    })?;
    let a = state
        .store
        .application(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    if a.submitted_at.is_none() {
        return Err(ApiError::Conflict("a draft is not decided".into()));
    }
    let (mut experiment, mut district) = (None, None);
    if decision == Decision::Selected {
        let form = stored_form(&a)?;
        let app = form.to_application(Vec::new()).map_err(problems)?;
        let slug = crate::experiments::new_experiment_slug(
            req.experiment.as_deref().unwrap_or(&app.title),
        )?;
        district = decided_district(&state, req.district_id, form.district.as_deref()).await?;
        let file = match &district {
            Some(d) => Some(crate::experiments::district_file(&state, d).await?),
            None => None,
        };
        let text = experiment_toml(&form, &app, file.as_deref());
        crate::experiments::write_new_experiment(&state, &slug, &text).await?;
        experiment = Some(slug);
    }
    if !state
        .store
        .decide_application(id, decision.name(), experiment.clone(), Utc::now())
        .await?
    {
        return Err(ApiError::Conflict("a draft is not decided".into()));
    }
    Ok(Json(json!({
        "application": id,
        "decision": decision.name(),
        "experiment": experiment,
        "district": district.map(|d| json!({"id": d.id, "name": d.name})),
    })))
}

/// A one-page PDF standing for the demo applications' presentations.
const DEMO_PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// The demo's call, as of the seed: the Métropole's call for 2025 experiments
/// ([`quartier_programme::Call::example`], closed on 31 January 2025), three applications with
/// their presentation, two reviewers' scores, and the selection: the municipal cargo bikes and
/// the hands-free EV charging became the demo experiments `meudon-cargo-bikes` and
/// `meudon-ev-charging`; the scooters were not selected. The demo's people have no usable
/// password (a random one, never shown): they are data, not logins. Returns the call's id;
/// nothing is added when a call exists already.
pub async fn seed_demo_call(state: &AppState) -> Result<Option<i64>, ApiError> {
    if !state.store.calls().await?.is_empty() {
        return Ok(None);
    }
    let call = Call::example();
    let wire = CallWire {
        title: call.title.clone(),
        themes: call.themes.iter().map(|t| t.name().to_string()).collect(),
        opens: call.opens.to_rfc3339(),
        closes: call.closes.to_rfc3339(),
        eligibility: EligibilityWire {
            communes: call.eligibility.communes.clone(),
            max_budget_eur: call.eligibility.max_budget_eur.map(|d| d.to_string()),
            max_months: call.eligibility.max_months,
            min_kpis: call.eligibility.min_kpis,
            min_documents: call.eligibility.min_documents,
        },
        questions: call
            .questions
            .iter()
            .map(|q| QuestionWire {
                key: q.key.clone(),
                text: q.text.clone(),
                required: q.required,
                max_chars: q.max_chars,
            })
            .collect(),
        criteria: call
            .criteria
            .iter()
            .map(|c| CriterionWire {
                key: c.key.clone(),
                text: c.text.clone(),
                weight_percent: c.weight_percent,
            })
            .collect(),
    };
    let at = |s: &str| {
        DateTime::parse_from_rfc3339(s)
            .map(|d| d.with_timezone(&Utc))
            .unwrap_or(call.opens)
    };
    let store = &state.store;
    let call_id = store
        .create_call(NewCall {
            title: call.title.clone(),
            opens_at: call.opens,
            closes_at: call.closes,
            definition: serde_json::to_string(&wire)
                .map_err(|e| ApiError::Internal(e.to_string()))?,
            created_at: call.opens,
        })
        .await?;
    let person = |name: &str, role: Role| {
        let name = name.to_string();
        async move {
            let secret = auth::random_token()?;
            let hash = tokio::task::spawn_blocking(move || auth::hash_password(&secret))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))??;
            Ok::<i64, ApiError>(
                state
                    .store
                    .create_user(NewUser {
                        username: name,
                        password_hash: hash,
                        role,
                        district_id: None,
                        prm: None,
                        experiment: None,
                        created_at: at("2024-10-02T09:00:00+02:00"),
                    })
                    .await?,
            )
        }
    };
    let reviewers = [
        person("relecteur-ademe-demo", Role::Reviewer).await?,
        person("relectrice-metropole-demo", Role::Reviewer).await?,
    ];
    // (applicant, title, commune, theme, KPI, unit, target, budget, scores of each reviewer
    // for innovation, impact, feasibility, decision, experiment)
    let demo = [
        (
            "velos-services-demo",
            "Vélos-cargos des services municipaux",
            "Meudon-la-Forêt",
            "mobility",
            "cargo-bike distance",
            "km",
            50_000.0,
            "120000",
            [[4, 4, 5], [4, 5, 4]],
            "selected",
            Some("meudon-cargo-bikes"),
        ),
        (
            "recharge-auto-demo",
            "Recharge automatique mains libres des véhicules électriques",
            "Meudon-la-Forêt",
            "mobility",
            "hands-free charging sessions",
            "sessions",
            10_000.0,
            "240000",
            [[5, 3, 3], [4, 4, 3]],
            "selected",
            Some("meudon-ev-charging"),
        ),
        (
            "trottinettes-demo",
            "Trottinettes en libre-service",
            "Issy-les-Moulineaux",
            "mobility",
            "trips",
            "trips",
            30_000.0,
            "90000",
            [[2, 2, 4], [1, 2, 3]],
            "rejected",
            None,
        ),
    ];
    for (who, title, commune, theme, kpi, unit, target, budget, scores, decision, experiment) in
        demo
    {
        let applicant = person(who, Role::Applicant).await?;
        let form = FormWire {
            title: title.into(),
            commune: commune.into(),
            district: None,
            theme: theme.into(),
            summary: format!("{title} (candidature de démonstration)."),
            kpis: vec![KpiWire {
                name: kpi.into(),
                unit: unit.into(),
                target,
                direction: "at-least".into(),
            }],
            budget_eur: budget.into(),
            start: "2025-04-01".into(),
            months: 24,
            answers: [(
                "innovation".to_string(),
                "Voir la présentation jointe.".to_string(),
            )]
            .into_iter()
            .collect(),
        };
        let text = serde_json::to_string(&form).map_err(|e| ApiError::Internal(e.to_string()))?;
        let id = store
            .create_application(call_id, applicant, text, at("2025-01-10T10:00:00+01:00"))
            .await?;
        store
            .add_document(
                id,
                "presentation.pdf".into(),
                base64::engine::general_purpose::STANDARD.encode(DEMO_PDF),
                DEMO_PDF.len() as i64,
                at("2025-01-10T10:05:00+01:00"),
            )
            .await?;
        store
            .submit_application(id, at("2025-01-20T16:00:00+01:00"))
            .await?;
        for (reviewer, s) in reviewers.iter().zip(scores) {
            store
                .assign_reviewer(id, *reviewer, at("2025-02-03T09:00:00+01:00"))
                .await?;
            let review = ReviewWire {
                conflict: None,
                scores: ["innovation", "impact", "feasibility"]
                    .iter()
                    .map(|k| k.to_string())
                    .zip(s)
                    .collect(),
                comments: BTreeMap::new(),
            };
            let text =
                serde_json::to_string(&review).map_err(|e| ApiError::Internal(e.to_string()))?;
            store
                .put_review(
                    id,
                    *reviewer,
                    None,
                    Some(text),
                    at("2025-02-14T18:00:00+01:00"),
                )
                .await?;
        }
        store
            .decide_application(
                id,
                decision,
                experiment.map(str::to_string),
                at("2025-03-03T10:00:00+01:00"),
            )
            .await?;
    }
    Ok(Some(call_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selected_application_becomes_an_experiment_file_that_reads() {
        let form = FormWire {
            title: "Vélos \"cargo\"".into(),
            commune: "Meudon-la-Forêt".into(),
            theme: "mobility".into(),
            summary: "Douze vélos.\nDeux lignes.".into(),
            kpis: vec![KpiWire {
                name: "km".into(),
                unit: "km".into(),
                target: 50000.0,
                direction: "at-least".into(),
            }],
            budget_eur: "120000".into(),
            start: "2025-04-01".into(),
            months: 24,
            district: Some("Quartier \"Nord\"\ntheme = \"energy\"".into()),
            ..FormWire::default()
        };
        let app = form.to_application(Vec::new()).unwrap();
        let text = experiment_toml(&form, &app, None);
        assert!(
            text.contains(
                "# The application names the district 'Quartier \"Nord\" theme = \"energy\"'"
            ),
            "{text}"
        );
        let (e, _) =
            quartier_model::parse_experiment(&text, std::path::Path::new("x.toml")).unwrap();
        assert_eq!(e.title, "Vélos \"cargo\"");
        // The district's line break stayed in the comment.
        assert_eq!(e.theme.name(), "mobility");
        assert_eq!(e.kpis[0].target, Some(50000.0));
        assert!(e.kpis[0].monthly.is_empty());
        assert_eq!(e.phases.len(), 4);
    }
}

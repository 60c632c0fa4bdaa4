//! The JSON API under `/api/v1`: wire types (serde) and handlers. Handlers check the role,
//! call the store or the domain crates, and convert; they hold no domain logic.
//!
//! CSRF: the session cookie is `SameSite=Strict`, and every state-changing API call must
//! send `Content-Type: application/json` or a non-form body type, which a cross-site HTML
//! form cannot do without a CORS preflight (which this server never grants).

use std::path::Path;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use quartier_store::{CurvePoint, DistrictRow, JobRow, NewSession, NewUser, ParticipantRow, Role};
use quartier_timeseries::{CsvOptions, FillPolicy, ReadErrors};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::{self, CurrentUser};
use crate::error::{ApiError, InputProblem};
use crate::{AppState, OPENAPI_JSON, input, jobs};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/login", post(login))
        .route("/api/v1/logout", post(logout))
        .route("/api/v1/me", get(me))
        .route("/api/v1/users", post(create_user))
        .route(
            "/api/v1/districts",
            get(list_districts).post(create_district),
        )
        .route("/api/v1/districts/{id}", get(read_district))
        .route(
            "/api/v1/districts/{id}/participants",
            get(list_participants).post(add_participant),
        )
        .route(
            "/api/v1/districts/{id}/simulations",
            post(submit_simulation),
        )
        .route(
            "/api/v1/participants/{prm}/curve",
            get(read_curve).put(upload_curve),
        )
        .route("/api/v1/jobs/{id}", get(read_job))
        .route("/api/v1/jobs/{id}/cancel", post(cancel_job))
        .route("/api/v1/jobs/{id}/retry", post(retry_job))
        .route("/api/v1/runs/{id}", get(read_run))
        .route("/api/v1/runs/{id}/timeseries.csv", get(read_run_csv))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI_JSON).into_response()
}

/// An instant as RFC 3339 UTC to the second (`2024-06-01T12:00:00Z`).
pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

// ---------------------------------------------------------------------------------------------
// Sessions

#[derive(Deserialize)]
pub(crate) struct LoginRequest {
    username: String,
    password: String,
}

/// Checks credentials behind the login throttle and opens a session; returns the session
/// token, its CSRF token and the user's role. Shared by the API and the login form.
pub(crate) async fn open_session(
    state: &AppState,
    username: &str,
    password: &str,
    client: auth::Client,
) -> Result<(String, String, Role), ApiError> {
    let ip = client.ip;
    state
        .throttle
        .check(username, ip)
        .map_err(ApiError::RateLimited)?;
    // Usernames are stored trimmed and in lower case; the store compares without case. A
    // name that cannot be a username is looked up anyway, so it costs the same as any other.
    let username = input::username(username).unwrap_or_else(|_| username.trim().to_string());
    let username = username.as_str();
    let user = state.store.user_by_name(username).await?;
    let hash = user.as_ref().map(|u| u.password_hash.clone());
    let pw = password.to_string();
    // argon2 is deliberately slow: keep it off the async workers. An unknown user is
    // checked against a fixed hash so both paths take the same time.
    let ok = tokio::task::spawn_blocking(move || match hash {
        Some(h) => auth::verify_password(&pw, &h),
        None => {
            auth::verify_password(&pw, dummy_hash());
            false
        }
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let Some(user) = user.filter(|_| ok) else {
        state.throttle.failed(username, ip);
        return Err(ApiError::BadCredentials);
    };
    state.throttle.succeeded(username, ip);
    let token = auth::random_token()?;
    let csrf = auth::random_token()?;
    let now = Utc::now();
    state
        .store
        .create_session(NewSession {
            token: token.clone(),
            user_id: user.id,
            csrf_token: csrf.clone(),
            created_at: now,
            expires_at: now + Duration::minutes(state.config.session_minutes),
        })
        .await?;
    Ok((token, csrf, user.role))
}

/// A real hash of a throw-away password, so that an unknown username costs one argon2
/// verification like a known one.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| auth::hash_password("not a password of anyone").unwrap_or_default())
}

async fn login(
    State(state): State<AppState>,
    client: auth::Client,
    Json(req): Json<LoginRequest>,
) -> Result<Response, ApiError> {
    let (token, csrf, role) = open_session(&state, &req.username, &req.password, client).await?;
    let cookie = auth::session_cookie(
        &token,
        state.config.session_minutes * 60,
        client.secure_cookie(&state.config),
    );
    Ok((
        [(header::SET_COOKIE, cookie)],
        Json(json!({ "csrf_token": csrf, "role": role.as_str() })),
    )
        .into_response())
}

async fn logout(
    State(state): State<AppState>,
    client: auth::Client,
    user: CurrentUser,
) -> Result<Response, ApiError> {
    state.store.delete_session(&user.token).await?;
    Ok((
        [(
            header::SET_COOKIE,
            auth::session_cookie("", 0, client.secure_cookie(&state.config)),
        )],
        StatusCode::NO_CONTENT,
    )
        .into_response())
}

async fn me(user: CurrentUser) -> Json<Value> {
    Json(json!({
        "username": user.user.username,
        "role": user.user.role.as_str(),
        "district_id": user.user.district_id,
        "prm": user.user.prm,
    }))
}

/// A login to create.
#[derive(Deserialize)]
pub(crate) struct CreateUser {
    pub(crate) username: String,
    pub(crate) password: String,
    pub(crate) role: String,
    pub(crate) district_id: Option<i64>,
    pub(crate) prm: Option<String>,
    /// A laureate's experiment (its slug).
    #[serde(default)]
    pub(crate) experiment: Option<String>,
}

async fn create_user(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(req): Json<CreateUser>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (id, username, role) = new_login(&state, &user, req).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "username": username, "role": role.as_str() })),
    ))
}

/// Creates a login as `user` may (the programme anyone; an organiser the participants of their
/// district, not a meter shared with another district): (id, username as stored, role).
pub(crate) async fn new_login(
    state: &AppState,
    user: &CurrentUser,
    req: CreateUser,
) -> Result<(i64, String, Role), ApiError> {
    let role: Role = req.role.parse().map_err(ApiError::BadRequest)?;
    // The programme creates anyone; an organiser only participants of their district.
    let allowed = match user.user.role {
        Role::Programme => true,
        Role::Organiser => role == Role::Participant && req.district_id == user.user.district_id,
        Role::Participant | Role::Laureate | Role::Applicant | Role::Reviewer => false,
    };
    if !allowed {
        return Err(ApiError::Forbidden);
    }
    let username = input::username(&req.username).map_err(|p| ApiError::Invalid(vec![p]))?;
    input::password(&req.password, &username).map_err(|p| ApiError::Invalid(vec![p]))?;
    if matches!(role, Role::Organiser | Role::Participant) && req.district_id.is_none() {
        return Err(ApiError::BadRequest(
            "organisers and participants need a district_id".into(),
        ));
    }
    // A laureate runs one experiment of the data folder, and nothing else.
    let experiment = match (role, &req.experiment) {
        (Role::Laureate, Some(slug)) => {
            if crate::experiments::entry_of(state, slug).await?.is_none() {
                return Err(ApiError::Invalid(vec![InputProblem::field(
                    "experiment",
                    format!(
                        "no experiment `{slug}` (an evaluated experiment file of the data folder)"
                    ),
                    Some("the slug of an experiment, as /api/v1/experiments lists them".into()),
                )]));
            }
            Some(slug.clone())
        }
        (Role::Laureate, None) => {
            return Err(ApiError::BadRequest(
                "a laureate needs an experiment (its slug)".into(),
            ));
        }
        (_, Some(_)) => {
            return Err(ApiError::BadRequest(
                "only a laureate has an experiment".into(),
            ));
        }
        (_, None) => None,
    };
    if role == Role::Laureate && (req.district_id.is_some() || req.prm.is_some()) {
        return Err(ApiError::BadRequest(
            "a laureate has an experiment, no district_id or prm".into(),
        ));
    }
    if let Some(d) = req.district_id
        && state.store.district(d).await?.is_none()
    {
        return Err(ApiError::NotFound);
    }
    if role == Role::Participant {
        let Some(prm) = &req.prm else {
            return Err(ApiError::BadRequest("a participant needs a prm".into()));
        };
        let district = req.district_id.unwrap_or_default();
        let holders = state.store.districts_of_prm(prm).await?;
        if !holders.contains(&district) {
            return Err(ApiError::BadRequest(
                "the prm is not a participant of that district".into(),
            ));
        }
        // A login reads the meter's whole curve: for a meter shared with another district,
        // only the programme team, which manages both, creates it.
        if holders.iter().any(|d| !user.manages_district(*d)) {
            return Err(ApiError::ForbiddenBecause(
                "this meter is shared with another district: its login is created by the \
                 programme team"
                    .into(),
            ));
        }
    }
    let pw = req.password.clone();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let id = state
        .store
        .create_user(NewUser {
            username: username.clone(),
            password_hash: hash,
            role,
            district_id: req.district_id,
            prm: req.prm.clone(),
            experiment,
            created_at: Utc::now(),
        })
        .await?;
    Ok((id, username, role))
}

// ---------------------------------------------------------------------------------------------
// Districts and participants

#[derive(Serialize)]
struct DistrictSummary {
    id: i64,
    name: String,
    created_at: String,
}

fn summary(d: &DistrictRow) -> DistrictSummary {
    DistrictSummary {
        id: d.id,
        name: d.name.clone(),
        created_at: rfc3339(d.created_at),
    }
}

/// The districts the user sees.
pub(crate) async fn visible_districts(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Vec<DistrictRow>, ApiError> {
    Ok(state
        .store
        .districts()
        .await?
        .into_iter()
        .filter(|d| user.sees_district(d.id))
        .collect())
}

/// A district the user sees, or 404.
pub(crate) async fn visible_district(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<DistrictRow, ApiError> {
    if !user.sees_district(id) {
        return Err(ApiError::NotFound);
    }
    state.store.district(id).await?.ok_or(ApiError::NotFound)
}

/// A district the user sees and manages, or 404; `otherwise` when they see it without
/// managing it (403 where the district's existence is no secret, 404 where it stays hidden).
pub(crate) async fn managed_district(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    otherwise: ApiError,
) -> Result<DistrictRow, ApiError> {
    let d = visible_district(state, user, id).await?;
    if !user.manages_district(id) {
        return Err(otherwise);
    }
    Ok(d)
}

async fn list_districts(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let v: Vec<DistrictSummary> = visible_districts(&state, &user)
        .await?
        .iter()
        .map(summary)
        .collect();
    Ok(Json(json!({ "districts": v })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateDistrict {
    toml: String,
    /// Share the meters another district already holds (see [`crate::DistrictUpload`]).
    #[serde(default)]
    share_meters: bool,
}

async fn create_district(
    State(state): State<AppState>,
    user: CurrentUser,
    Json(req): Json<CreateDistrict>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if user.user.role != Role::Programme {
        return Err(ApiError::Forbidden);
    }
    let upload = crate::DistrictUpload {
        share_meters: req.share_meters,
    };
    let created =
        crate::create_district(&state.store, &state.config.data_dir, req.toml, upload).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": created.id,
            "name": created.name,
            "participants": created.participants,
        })),
    ))
}

async fn read_district(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let d = visible_district(&state, &user, id).await?;
    let latest = state.store.latest_run(id, crate::jobs::SIMULATION).await?;
    let mut v = json!({
        "id": d.id,
        "name": d.name,
        "created_at": rfc3339(d.created_at),
        "latest_run_id": latest.as_ref().map(|r| r.id),
    });
    // The file lists every participant: only those who manage the district read it.
    if user.manages_district(id) {
        v["source_toml"] = Value::String(d.source_toml);
        v["kpis"] = latest
            .and_then(|r| serde_json::from_str(&r.kpis_json).ok())
            .unwrap_or(Value::Null);
    }
    Ok(Json(v))
}

#[derive(Serialize)]
pub(crate) struct ParticipantWire {
    prm: String,
    name: String,
    role: String,
    /// True when the programme team shared this meter, held by another district, with this one.
    shared: bool,
}

/// A participant to add. `share`: the programme team shares a meter another district already
/// holds; nobody else may, and without it such a meter is refused (409).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewParticipant {
    pub(crate) prm: String,
    pub(crate) name: String,
    pub(crate) role: String,
    #[serde(default)]
    pub(crate) share: bool,
}

/// The participant roles, as stored and sent.
pub(crate) const PARTICIPANT_ROLES: [&str; 3] = ["consumer", "producer", "prosumer"];

/// Checks a participant's name and role (every problem at once).
pub(crate) fn participant_problems(name: &str, role: &str) -> Vec<InputProblem> {
    let mut problems = Vec::new();
    if let Err(problem) = input::display_name("name", name) {
        problems.push(problem);
    }
    if !PARTICIPANT_ROLES.contains(&role) {
        problems.push(
            InputProblem::field(
                "role",
                format!("unknown role {:?}", input::clip(role)),
                Some("consumer, producer or prosumer".into()),
            )
            .fr(
                format!("rôle inconnu {:?}", input::clip(role)),
                Some("consommateur, producteur ou prosommateur".into()),
            ),
        );
    }
    problems
}

async fn list_participants(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<Value>, ApiError> {
    managed_district(&state, &user, id, ApiError::Forbidden).await?;
    let v: Vec<ParticipantWire> = state
        .store
        .participants(id)
        .await?
        .into_iter()
        .map(|p| ParticipantWire {
            prm: p.prm,
            name: p.name,
            role: p.role,
            shared: p.shared_at.is_some(),
        })
        .collect();
    Ok(Json(json!({ "participants": v })))
}

async fn add_participant(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Json(p): Json<NewParticipant>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    managed_district(&state, &user, id, ApiError::Forbidden).await?;
    let added = register_participant(&state, &user, id, p).await?;
    Ok((StatusCode::CREATED, Json(json!(added))))
}

/// Adds participant `p` to district `id` (which `user` manages): the PRM, name and role
/// checked, a meter of another district refused unless the programme shares it.
pub(crate) async fn register_participant(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    p: NewParticipant,
) -> Result<ParticipantWire, ApiError> {
    let mut problems = Vec::new();
    if p.prm.len() != 14 || !p.prm.bytes().all(|b| b.is_ascii_digit()) {
        problems.push(
            InputProblem::field(
                "prm",
                format!("{:?} is not a PRM", input::clip(&p.prm)),
                Some("14 digits".into()),
            )
            .fr(
                format!("{:?} n'est pas un PRM", input::clip(&p.prm)),
                Some("14 chiffres".into()),
            ),
        );
    }
    problems.extend(participant_problems(&p.name, &p.role));
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    if p.share && user.user.role != Role::Programme {
        return Err(ApiError::ForbiddenBecause(
            "only the programme team shares a meter between districts".into(),
        ));
    }
    let shared_at = p.share.then(Utc::now);
    state
        .store
        .add_participant(ParticipantRow {
            district_id: id,
            prm: p.prm.clone(),
            name: p.name.trim().to_string(),
            role: p.role.clone(),
            shared_at,
        })
        .await?;
    Ok(ParticipantWire {
        prm: p.prm,
        name: p.name.trim().to_string(),
        role: p.role,
        shared: shared_at.is_some(),
    })
}

// ---------------------------------------------------------------------------------------------
// Meter curves

/// A time range; each bound is optional.
pub(crate) struct RangeQuery {
    pub(crate) from: Option<DateTime<Utc>>,
    pub(crate) to: Option<DateTime<Utc>>,
}

/// The range as written in the query string (RFC 3339 instants).
#[derive(Deserialize)]
struct RangeWire {
    from: Option<String>,
    to: Option<String>,
}

impl RangeWire {
    fn parse(&self) -> Result<RangeQuery, ApiError> {
        let p = |name: &str, v: &Option<String>| -> Result<Option<DateTime<Utc>>, ApiError> {
            v.as_deref()
                .map(|s| {
                    DateTime::parse_from_rfc3339(s)
                        .map(|t| t.with_timezone(&Utc))
                        .map_err(|e| {
                            ApiError::BadRequest(format!(
                                "`{name}`: {e} (expected an RFC 3339 instant, e.g. 2025-06-01T00:00:00Z)"
                            ))
                        })
                })
                .transpose()
        };
        Ok(RangeQuery {
            from: p("from", &self.from)?,
            to: p("to", &self.to)?,
        })
    }
}

/// Checks that the user may read `prm`'s curve; 404 otherwise, whatever the reason.
pub(crate) async fn check_prm(
    state: &AppState,
    user: &CurrentUser,
    prm: &str,
) -> Result<Vec<i64>, ApiError> {
    let districts = state.store.districts_of_prm(prm).await?;
    if districts.is_empty() || !user.reads_prm(prm, &districts) {
        return Err(ApiError::NotFound);
    }
    Ok(districts)
}

/// Largest range one read returns (a year and a bit).
const MAX_RANGE_DAYS: i64 = 400;

pub(crate) async fn curve_points(
    state: &AppState,
    user: &CurrentUser,
    prm: &str,
    q: &RangeQuery,
) -> Result<(DateTime<Utc>, DateTime<Utc>, Vec<CurvePoint>), ApiError> {
    check_prm(state, user, prm).await?;
    let to = q.to.unwrap_or_else(Utc::now);
    let from = q.from.unwrap_or(to - Duration::days(7));
    if from >= to {
        return Err(ApiError::BadRequest("`from` must be before `to`".into()));
    }
    if to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(ApiError::BadRequest(format!(
            "the range is limited to {MAX_RANGE_DAYS} days"
        )));
    }
    let pts = state.store.curve(prm, from, to).await?;
    Ok((from, to, pts))
}

async fn read_curve(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(prm): UrlPath<String>,
    Query(q): Query<RangeWire>,
) -> Result<Json<Value>, ApiError> {
    let q = q.parse()?;
    let (from, to, pts) = curve_points(&state, &user, &prm, &q).await?;
    let points: Vec<Value> = pts
        .iter()
        .map(|p| json!({ "time_utc": rfc3339(p.instant), "kwh": p.kwh }))
        .collect();
    Ok(Json(json!({
        "prm": prm,
        "from": rfc3339(from),
        "to": rfc3339(to),
        "unit": "kWh per interval, labelled by interval start (UTC)",
        "points": points,
    })))
}

#[derive(Deserialize)]
struct UploadQuery {
    format: Option<String>,
}

/// A reader's problems as input problems, each with its French wording when the reader gave
/// one.
pub(crate) fn read_problems(e: &ReadErrors) -> Vec<InputProblem> {
    e.0.iter()
        .map(|r| InputProblem {
            line: r.line,
            column: None,
            path: r.field.clone().unwrap_or_default(),
            message: r.message.clone(),
            expected: r.expected.clone(),
            timestamp: r.timestamp.clone(),
            // The readers of meter curves say each finding in French too.
            french: r
                .message_fr
                .clone()
                .map(|m| (m, r.expected_fr.clone().or_else(|| r.expected.clone()))),
        })
        .collect()
}

/// Parses an upload into curve points (blocking work: call it off the async workers).
pub(crate) fn parse_upload(
    text: &str,
    format: &str,
    prm: &str,
) -> Result<Vec<CurvePoint>, ApiError> {
    let source = Path::new("upload");
    let series = match format {
        "enedis" => {
            let (series, meta) = quartier_timeseries::parse_enedis(text, source, FillPolicy::None)
                .map_err(|e| ApiError::Invalid(read_problems(&e)))?;
            if let Some(file_prm) = meta.prm.filter(|p| p.len() == 14 && p != prm) {
                return Err(ApiError::Invalid(vec![InputProblem {
                    line: Some(2),
                    ..InputProblem::field(
                        "Identifiant PRM",
                        format!("the file is for PRM {file_prm}, not {prm}"),
                        Some(prm.to_string()),
                    )
                    .fr(
                        format!("le fichier est celui du PRM {file_prm}, pas du {prm}"),
                        Some(prm.to_string()),
                    )
                }]));
            }
            series
        }
        "csv" => quartier_timeseries::parse_csv(text, source, &CsvOptions::default())
            .map_err(|e| ApiError::Invalid(read_problems(&e)))?,
        other => {
            return Err(ApiError::BadRequest(format!(
                "unknown format `{other}` (expected enedis or csv)"
            )));
        }
    };
    let axis = *series.axis();
    Ok(axis
        .times()
        .zip(series.values())
        .map(|(instant, &kwh)| CurvePoint { instant, kwh })
        .collect())
}

async fn upload_curve(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(prm): UrlPath<String>,
    Query(q): Query<UploadQuery>,
    body: String,
) -> Result<Json<Value>, ApiError> {
    let districts = state.store.districts_of_prm(&prm).await?;
    if districts.is_empty() || !user.reads_prm(&prm, &districts) {
        return Err(ApiError::NotFound);
    }
    // A meter shared between districts is written by whoever manages all of them (the
    // programme team): one organiser must not change what another district reads.
    if !districts.iter().all(|d| user.manages_district(*d)) {
        return Err(ApiError::ForbiddenBecause(
            "this meter is shared with another district: its curve is uploaded by the \
             programme team"
                .into(),
        ));
    }
    let format = q.format.unwrap_or_else(|| "enedis".into());
    let p = prm.clone();
    let points = tokio::task::spawn_blocking(move || parse_upload(&body, &format, &p))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let n = points.len();
    let (first, last) = match (points.first(), points.last()) {
        (Some(a), Some(b)) => (rfc3339(a.instant), rfc3339(b.instant)),
        _ => return Err(ApiError::BadRequest("the file has no data".into())),
    };
    let s = state.store.upsert_curve(&prm, points).await?;
    Ok(Json(json!({
        "prm": prm,
        "points": n,
        "written": s.written,
        "unchanged": s.unchanged,
        "first_utc": first,
        "last_utc": last,
    })))
}

// ---------------------------------------------------------------------------------------------
// Jobs and runs

async fn submit_simulation(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let d = managed_district(&state, &user, id, ApiError::Forbidden).await?;
    let job = jobs::submit_simulation(&state, d, Some(user.user.id)).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "job_id": job, "status_url": format!("/api/v1/jobs/{job}") })),
    ))
}

/// A job the user may see (a job of a district they manage), or 404.
pub(crate) async fn visible_job(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<JobRow, ApiError> {
    let job = state.store.job(id).await?.ok_or(ApiError::NotFound)?;
    let ok = match job.district_id {
        Some(d) => user.manages_district(d),
        None => user.user.role == Role::Programme,
    };
    if ok { Ok(job) } else { Err(ApiError::NotFound) }
}

pub(crate) fn job_json(j: &JobRow) -> Value {
    json!({
        "id": j.id,
        "kind": j.kind,
        "options": serde_json::from_str::<Value>(&j.options_json).unwrap_or(Value::Null),
        "district_id": j.district_id,
        "status": j.status.as_str(),
        "progress": j.progress,
        "created_at": rfc3339(j.created_at),
        "finished_at": j.finished_at.map(rfc3339),
        "error": j.error,
        "result": j.result_json.as_deref().and_then(|s| serde_json::from_str::<Value>(s).ok()),
        "run_id": j.run_id,
        "timeseries_url": j.run_id.map(|r| format!("/api/v1/runs/{r}/timeseries.csv")),
    })
}

async fn read_job(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(job_json(&visible_job(&state, &user, id).await?)))
}

async fn cancel_job(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<Value>, ApiError> {
    visible_job(&state, &user, id).await?;
    if !state.store.cancel_job(id, Utc::now()).await? {
        return Err(ApiError::JobFinished("the job has already finished".into()));
    }
    let j = state.store.job(id).await?.ok_or(ApiError::NotFound)?;
    Ok(Json(job_json(&j)))
}

async fn retry_job(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let job = retry(&state, &user, id).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "job_id": job, "status_url": format!("/api/v1/jobs/{job}") })),
    ))
}

/// Queues again, as `user`, the failed or cancelled job `id` (same kind, district and
/// options); returns the new job's id (or the identical job already queued). 409 for a job
/// that is queued, running or succeeded.
pub(crate) async fn retry(state: &AppState, user: &CurrentUser, id: i64) -> Result<i64, ApiError> {
    use quartier_store::JobStatus;
    let old = visible_job(state, user, id).await?;
    if !matches!(old.status, JobStatus::Failed | JobStatus::Cancelled) {
        return Err(ApiError::JobFinished(format!(
            "the job is {}: only a failed or cancelled job is retried",
            old.status.as_str()
        )));
    }
    let district_id = old.district_id.ok_or(ApiError::NotFound)?;
    let district = managed_district(state, user, district_id, ApiError::Forbidden).await?;
    let kind = crate::restartable_kind(&old.kind)
        .ok_or_else(|| ApiError::Conflict("a job of this kind cannot be retried".into()))?;
    let request = jobs::JobRequest {
        kind,
        district: district_id,
        user: Some(user.user.id),
        options_json: old.options_json.clone(),
    };
    match jobs::admit(state, request).await? {
        jobs::Admitted::Merged(job) => Ok(job),
        jobs::Admitted::New(job) => {
            let row = state.store.job(job).await?.ok_or(ApiError::NotFound)?;
            crate::start_or_fail(state, &row, Some(district), "not retried").await?;
            Ok(job)
        }
    }
}

async fn visible_run(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<quartier_store::RunRow, ApiError> {
    let run = state.store.run(id).await?.ok_or(ApiError::NotFound)?;
    if !user.manages_district(run.district_id) {
        return Err(ApiError::NotFound);
    }
    Ok(run)
}

async fn read_run(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<Value>, ApiError> {
    let run = visible_run(&state, &user, id).await?;
    Ok(Json(json!({
        "id": run.id,
        "job_id": run.job_id,
        "district_id": run.district_id,
        "created_at": rfc3339(run.created_at),
        "kpis": serde_json::from_str::<Value>(&run.kpis_json).unwrap_or(Value::Null),
        "timeseries_url": format!("/api/v1/runs/{}/timeseries.csv", run.id),
    })))
}

async fn read_run_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    _headers: HeaderMap,
) -> Result<Response, ApiError> {
    let run = visible_run(&state, &user, id).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        run.timeseries_csv,
    )
        .into_response())
}

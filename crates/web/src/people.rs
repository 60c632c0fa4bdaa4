//! People and their data (the RGPD side of the server), as JSON API: the users one may manage
//! (list, reset a password, revoke), one's own password, a participant's name and role, the
//! erasure of a participant (their row, login and, once no district holds the meter, its
//! curve) and of a whole district, and the audit log of every change of data made by a person
//! (recorded by `hardening`, read by the programme). The people pages call the same functions
//! (`update_participant`, `reset_password`), so a rule holds on both.
//!
//! Who may do what: the programme team manages everyone and every district; an organiser
//! manages the participants of their own district (their logins and their data); a participant
//! changes their own password. Anything else answers 404 when it is not visible, 403 when it is.

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, get, put};
use axum::{Extension, Json, Router};
use chrono::Utc;
use quartier_store::{Erased, Role, User};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{managed_district, rfc3339};
use crate::auth::{self, Client, CurrentUser};
use crate::error::{ApiError, InputProblem};
use crate::hardening::Forget;
use crate::{AppState, input};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list_users))
        .route("/api/v1/users/{username}", delete(revoke_user))
        .route(
            "/api/v1/users/{username}/password",
            put(reset_user_password),
        )
        .route("/api/v1/me/password", put(change_password))
        .route(
            "/api/v1/districts/{id}/participants/{prm}",
            delete(erase_participant).patch(edit_participant),
        )
        .route("/api/v1/districts/{id}", delete(delete_district))
        .route("/api/v1/audit", get(read_audit))
}

/// True when `me` manages user `u` (lists, revokes, resets): the programme everyone, an
/// organiser the participants of their district. The API and the people pages both ask here.
pub(crate) fn manages_user(me: &CurrentUser, u: &User) -> bool {
    match me.user.role {
        Role::Programme => true,
        Role::Organiser => u.role == Role::Participant && u.district_id == me.user.district_id,
        Role::Participant | Role::Laureate | Role::Applicant | Role::Reviewer => false,
    }
}

fn user_json(u: &User) -> Value {
    json!({
        "id": u.id,
        "username": u.username,
        "role": u.role.as_str(),
        "district_id": u.district_id,
        "prm": u.prm,
    })
}

async fn list_users(
    State(state): State<AppState>,
    me: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    if matches!(
        me.user.role,
        Role::Participant | Role::Laureate | Role::Applicant | Role::Reviewer
    ) {
        return Err(ApiError::NotFound);
    }
    // An organiser's users are all in their district: no need to read everyone's.
    let users = match (me.user.role, me.user.district_id) {
        (Role::Organiser, Some(d)) => state.store.district_users(d).await?,
        _ => state.store.users().await?,
    };
    let users: Vec<Value> = users
        .iter()
        .filter(|u| manages_user(&me, u))
        .map(user_json)
        .collect();
    Ok(Json(json!({ "users": users })))
}

/// User `username`, whom `me` manages (404 otherwise), when it is not `me` (403 saying
/// `not_oneself` otherwise).
async fn other_managed_user(
    state: &AppState,
    me: &CurrentUser,
    username: &str,
    not_oneself: &str,
) -> Result<User, ApiError> {
    let u = state
        .store
        .user_by_name(username)
        .await?
        .filter(|u| manages_user(me, u))
        .ok_or(ApiError::NotFound)?;
    if u.id == me.user.id {
        return Err(ApiError::ForbiddenBecause(not_oneself.into()));
    }
    Ok(u)
}

async fn revoke_user(
    State(state): State<AppState>,
    me: CurrentUser,
    UrlPath(username): UrlPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let u = other_managed_user(
        &state,
        &me,
        &username,
        "you cannot revoke your own login: another programme user can",
    )
    .await?;
    state.store.delete_user(u.id).await?;
    Ok((Extension(Forget(vec![u.username])), StatusCode::NO_CONTENT))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordReset {
    new_password: String,
}

/// Another user's password, set by whoever manages them (the programme team, or the organiser
/// of a participant); every session of that user ends.
async fn reset_user_password(
    State(state): State<AppState>,
    me: CurrentUser,
    UrlPath(username): UrlPath<String>,
    Json(req): Json<PasswordReset>,
) -> Result<StatusCode, ApiError> {
    let u = other_managed_user(
        &state,
        &me,
        &username,
        "your own password is changed with PUT /api/v1/me/password, which asks for the \
         current one",
    )
    .await?;
    reset_password(&state, &u, &req.new_password, "new_password").await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets `u`'s password to `new` under the password rules (a problem names `field`) and ends
/// every session of `u`: whoever knew the old password is out. The caller checked that the
/// acting user manages `u`.
pub(crate) async fn reset_password(
    state: &AppState,
    u: &User,
    new: &str,
    field: &str,
) -> Result<(), ApiError> {
    let hash = checked_hash(new, &u.username, field).await?;
    state.store.set_password(u.id, &hash, "").await?;
    Ok(())
}

/// The hash of `new`, the password `username` is to have, once it meets the password rules (a
/// problem names `field`); hashed off the async workers.
async fn checked_hash(new: &str, username: &str, field: &str) -> Result<String, ApiError> {
    input::password(new, username).map_err(|p| {
        ApiError::Invalid(vec![InputProblem {
            path: field.into(),
            ..p
        }])
    })?;
    let new = new.to_string();
    tokio::task::spawn_blocking(move || auth::hash_password(&new))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ParticipantEdit {
    name: Option<String>,
    role: Option<String>,
}

/// A participant's name or role (the PRM is the meter: erase and add to change it).
async fn edit_participant(
    State(state): State<AppState>,
    me: CurrentUser,
    UrlPath((id, prm)): UrlPath<(i64, String)>,
    Json(req): Json<ParticipantEdit>,
) -> Result<Json<Value>, ApiError> {
    managed_district(&state, &me, id, ApiError::Forbidden).await?;
    let current = state
        .store
        .participants(id)
        .await?
        .into_iter()
        .find(|p| p.prm == prm)
        .ok_or(ApiError::NotFound)?;
    let name = req.name.unwrap_or(current.name);
    let role = req.role.unwrap_or(current.role);
    update_participant(&state, id, &prm, &name, &role).await?;
    Ok(Json(
        json!({ "prm": prm, "name": name.trim(), "role": role }),
    ))
}

/// Sets the name and role of participant `prm` of district `id` (which the caller checked the
/// user manages): both checked first, every problem at once; 404 when the district has no such
/// participant.
pub(crate) async fn update_participant(
    state: &AppState,
    id: i64,
    prm: &str,
    name: &str,
    role: &str,
) -> Result<(), ApiError> {
    let problems = crate::api::participant_problems(name, role);
    if !problems.is_empty() {
        return Err(ApiError::Invalid(problems));
    }
    if !state
        .store
        .update_participant(id, prm, name.trim(), role)
        .await?
    {
        return Err(ApiError::NotFound);
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PasswordChange {
    current_password: String,
    new_password: String,
}

/// One's own password: the current one (behind the login throttle, like a login), then the
/// new one under the password rules; every other session of the user ends.
async fn change_password(
    State(state): State<AppState>,
    me: CurrentUser,
    client: Client,
    Json(req): Json<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    change_own_password(
        &state,
        &me,
        client,
        &req.current_password,
        &req.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Changes `me`'s password from `current` to `new` (the API and the account page).
pub(crate) async fn change_own_password(
    state: &AppState,
    me: &CurrentUser,
    client: Client,
    current: &str,
    new: &str,
) -> Result<(), ApiError> {
    let name = me.user.username.clone();
    state
        .throttle
        .check(&name, client.ip)
        .map_err(ApiError::RateLimited)?;
    let (current, hash) = (current.to_string(), me.user.password_hash.clone());
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&current, &hash))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    if !ok {
        state.throttle.failed(&name, client.ip);
        return Err(ApiError::Invalid(vec![
            InputProblem::field(
                "current_password",
                "the current password is wrong".into(),
                Some("the password you signed in with".into()),
            )
            .fr(
                "le mot de passe actuel est faux",
                Some("le mot de passe avec lequel vous vous êtes connecté".into()),
            ),
        ]));
    }
    let hash = checked_hash(new, &name, "new_password").await?;
    state
        .store
        .set_password(me.user.id, &hash, &me.token)
        .await?;
    Ok(())
}

/// The answer to an erasure: what it removed, and the identifiers it removed for the audit
/// entry of this request to hide ([`Forget`]).
fn erased_response(e: Erased) -> impl IntoResponse {
    let body = json!({
        "participants": e.participants,
        "logins": e.users,
        "curve_points": e.curve_points,
    });
    (Extension(Forget(e.forgotten)), Json(body))
}

async fn erase_participant(
    State(state): State<AppState>,
    me: CurrentUser,
    UrlPath((id, prm)): UrlPath<(i64, String)>,
) -> Result<impl IntoResponse, ApiError> {
    managed_district(&state, &me, id, ApiError::Forbidden).await?;
    let erased = state
        .store
        .erase_participant(id, &prm)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(erased_response(erased))
}

async fn delete_district(
    State(state): State<AppState>,
    me: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<impl IntoResponse, ApiError> {
    managed_district(&state, &me, id, ApiError::Forbidden).await?;
    if me.user.role != Role::Programme {
        return Err(ApiError::ForbiddenBecause(
            "only the programme team deletes a district".into(),
        ));
    }
    let erased = state
        .store
        .delete_district(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    // The community file and its curves and outputs: the district's own folder.
    let folder = crate::community_folder(&state.config.data_dir, id);
    if folder.exists() {
        std::fs::remove_dir_all(&folder)
            .map_err(|e| ApiError::Internal(format!("removing {}: {e}", folder.display())))?;
    }
    Ok(erased_response(erased))
}

#[derive(Deserialize)]
struct AuditQuery {
    limit: Option<usize>,
    before: Option<i64>,
}

/// The most entries one read returns.
const MAX_AUDIT_ENTRIES: usize = 1000;

async fn read_audit(
    State(state): State<AppState>,
    me: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Json<Value>, ApiError> {
    if me.user.role != Role::Programme {
        return Err(ApiError::NotFound);
    }
    let limit = q.limit.unwrap_or(200).clamp(1, MAX_AUDIT_ENTRIES);
    let entries: Vec<Value> = state
        .store
        .audit_log(limit, q.before)
        .await?
        .iter()
        .map(|e| {
            json!({
                "id": e.id,
                "at": rfc3339(e.at),
                "user_id": e.user_id,
                "username": e.username,
                "action": e.action,
                "status": e.status,
            })
        })
        .collect();
    let next = (entries.len() == limit)
        .then(|| entries.last().and_then(|e| e["id"].as_i64()))
        .flatten()
        .map(|before| format!("/api/v1/audit?limit={limit}&before={before}"));
    Ok(Json(
        json!({ "entries": entries, "next": next, "now": rfc3339(Utc::now()) }),
    ))
}

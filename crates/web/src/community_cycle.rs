//! The energy community's monthly cycle in the server, after the allocation itself
//! ([`crate::community`]): the history of the community file, the grid operator's data with
//! the reconciliation, and the invoices.
//!
//! - **History.** Every attach stores a new version of the community file (who, when); those
//!   who manage the district list the versions and read any of them. A month is settled with
//!   the version its invoices were issued with once it is invoiced, and with the latest
//!   version before that: a past month's invoices never change when the file changes later.
//! - **The grid operator's data.** The organiser uploads the operator's monthly data as they
//!   came (the zip of per-PRM curves, a curve file, or the ACC API's JSON). They are read whole
//!   before anything is stored (every problem answered at once, with the file, line and
//!   timestamp; nothing half-stored). A month's latest upload is that month's official data:
//!   its invoices are computed on it, and the reconciliation sets it beside Quartier's own
//!   allocation, with each difference's likely cause.
//! - **Invoices.** The organiser issues a month's invoices of local energy: numbered after the
//!   district's invoices already issued (never reused, never altered: issuing the month again
//!   changes nothing, changed amounts are refused with the way out, a credit note), kept as
//!   issued in both languages, shown as printable HTML and downloaded as PDF, and listed as
//!   CSV. A participant sees and downloads only the invoices of their own meter.
//!
//! Routes: API `GET …/community/versions`, `GET …/community/versions/{v}`,
//! `GET|POST …/community/official`, `GET …/community/reconciliation`,
//! `GET|POST /api/v1/districts/{id}/invoices` and `GET …/invoices/{number}/pdf`; pages
//! `/districts/{id}/community/history` (versions, uploads and the upload form, which posts to
//! `…/community/official`), `…/community/versions/{v}`, `…/community/reconciliation`,
//! `…/community/invoices` (list and issue form), `…/community/invoices/{number}` (and `/pdf`),
//! `…/community/invoices.csv`.

use axum::extract::{Form, Multipart, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use chrono::NaiveDate;
use quartier_billing::reconcile::Row as RecoRow;
use quartier_billing::{LedgerEntry, Month};
use quartier_model::LoadedCommunity;
use quartier_store::{
    CommunityVersionRow, InvoiceRow, NewInvoice, NewOfficialData, OfficialDataRow,
};
use quartier_timeseries::AccOfficial;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::api::{managed_district, rfc3339, visible_district};
use crate::auth::{CurrentUser, MaybeUser};
use crate::community::{ParticipantCurves, parse_and_load, url_segment, with_navigation};
use crate::error::{ApiError, InputProblem};
use crate::html::esc;
use crate::i18n::{Lang, day_label, instant_label, t, value_label};
use crate::page_support::{LangQuery, PageContext, PageError, check_csrf};

/// Largest upload of the operator's data, bytes (a month of 1,000 PRMs' curves zipped is a
/// few megabytes); the server's body limit (`max_body_bytes`, 16 MiB by default) usually
/// answers first.
const MAX_OFFICIAL_BYTES: usize = 64 * 1024 * 1024;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/districts/{id}/community/versions",
            get(api_versions),
        )
        .route(
            "/api/v1/districts/{id}/community/versions/{version}",
            get(api_version),
        )
        .route(
            "/api/v1/districts/{id}/community/official",
            get(api_official).post(api_upload_official),
        )
        .route(
            "/api/v1/districts/{id}/community/reconciliation",
            get(api_reconciliation),
        )
        .route(
            "/api/v1/districts/{id}/invoices",
            get(api_invoices).post(api_issue),
        )
        .route(
            "/api/v1/districts/{id}/invoices/{number}/pdf",
            get(api_invoice_pdf),
        )
        .route(
            "/api/v1/districts/{id}/community/members",
            axum::routing::post(api_add_member),
        )
        .route(
            "/api/v1/districts/{id}/community/members/{prm}/leave",
            axum::routing::post(api_member_leaves),
        )
        .route(
            "/districts/{id}/community/members",
            axum::routing::post(add_member_form),
        )
        .route(
            "/districts/{id}/community/leave",
            axum::routing::post(leave_form),
        )
        .route("/districts/{id}/community/history", get(history_page))
        .route(
            "/districts/{id}/community/versions/{version}",
            get(version_page),
        )
        .route(
            "/districts/{id}/community/official",
            axum::routing::post(upload_form),
        )
        .route(
            "/districts/{id}/community/reconciliation",
            get(reconciliation_page),
        )
        .route(
            "/districts/{id}/community/invoices",
            get(invoices_page).post(issue_form),
        )
        .route(
            "/districts/{id}/community/invoices.csv",
            get(invoices_csv_page),
        )
        .route(
            "/districts/{id}/community/invoices/{number}",
            get(invoice_page),
        )
        .route(
            "/districts/{id}/community/invoices/{number}/pdf",
            get(invoice_pdf_page),
        )
}

// ---------------------------------------------------------------------------------------------
// The community file's versions

/// Version `version` (the latest: `None`) of district `district`'s community file, loaded.
async fn load_version(
    state: &AppState,
    district: i64,
    version: Option<i64>,
) -> Result<(CommunityVersionRow, LoadedCommunity), ApiError> {
    let row = state
        .store
        .community_version(district, version)
        .await?
        .ok_or_else(|| match version {
            Some(_) => ApiError::NotFound,
            None => ApiError::Conflict("the district has no community: attach one first".into()),
        })?;
    let stored = ParticipantCurves::of(&state.store, district).await?;
    let (dir, text, v) = (
        state.config.data_dir.clone(),
        row.source_toml.clone(),
        row.version,
    );
    let loaded =
        tokio::task::spawn_blocking(move || parse_and_load(&dir, district, &text, &stored))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(|problems| {
                let first: Vec<String> =
                    problems.iter().take(3).map(|p| p.message.clone()).collect();
                ApiError::Conflict(format!(
                    "version {v} of the community file no longer loads ({}): attach a corrected community file",
                    first.join("; ")
                ))
            })?;
    Ok((row, loaded))
}

/// The version month `month` (`YYYY-MM`) was invoiced with, if it was, among a district's
/// `invoices`.
fn invoiced_version(invoices: &[InvoiceRow], month: &str) -> Option<i64> {
    invoices
        .iter()
        .find(|i| i.month == month)
        .map(|i| i.community_version)
}

fn version_json(district: i64, v: &CommunityVersionRow) -> Value {
    json!({
        "version": v.version,
        "attached_at": rfc3339(v.attached_at),
        "attached_by": v.attached_by,
        "bytes": v.source_toml.len(),
        "url": format!("/api/v1/districts/{district}/community/versions/{}", v.version),
    })
}

async fn api_versions(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<Value>, ApiError> {
    managed_district(&state, &user, id, ApiError::NotFound).await?;
    let versions = state.store.community_versions(id).await?;
    Ok(Json(json!({
        "district_id": id,
        "versions": versions.iter().map(|v| version_json(id, v)).collect::<Vec<_>>(),
    })))
}

async fn api_version(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath((id, version)): UrlPath<(i64, i64)>,
) -> Result<Response, ApiError> {
    managed_district(&state, &user, id, ApiError::NotFound).await?;
    let v = state
        .store
        .community_version(id, Some(version))
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((
        [(header::CONTENT_TYPE, "application/toml; charset=utf-8")],
        v.source_toml,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------------
// Members joining and leaving

/// A member joining, as the API and the form send it; its name and role are those of the
/// district's participant with that PRM.
#[derive(Debug, Deserialize)]
struct JoinRequest {
    prm: String,
    role: Option<String>,
    #[serde(default, deserialize_with = "text_or_number")]
    latitude_deg: Option<String>,
    #[serde(default, deserialize_with = "text_or_number")]
    longitude_deg: Option<String>,
    category: Option<String>,
    commune_insee: Option<String>,
    member_from: Option<String>,
    #[serde(default, deserialize_with = "text_or_number")]
    kwp: Option<String>,
    #[serde(default)]
    csrf: String,
}

/// A field a form sends as text and JSON may send as a number.
fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Text(String),
        Number(f64),
    }
    Ok(Option::<Given>::deserialize(d)?.map(|g| match g {
        Given::Text(s) => s,
        Given::Number(x) => x.to_string(),
    }))
}

/// An optional text field: trimmed, absent when empty.
fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn date_field(
    field: &str,
    text: Option<&str>,
    problems: &mut Vec<InputProblem>,
) -> Option<NaiveDate> {
    let text = text?;
    let d = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    if d.is_none() {
        problems.push(InputProblem::field(
            field,
            format!("{text:?} is not a date"),
            Some("YYYY-MM-DD".into()),
        ));
    }
    d
}

fn number_field(field: &str, text: Option<&str>, problems: &mut Vec<InputProblem>) -> Option<f64> {
    let text = text?;
    let x = text
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite());
    if x.is_none() {
        problems.push(InputProblem::field(
            field,
            format!("{text:?} is not a number"),
            Some("a number, e.g. 48.77".into()),
        ));
    }
    x
}

/// Stores `text` (an edit of the latest version) as the next version, checked like any
/// attached file.
async fn attach_edit(
    state: &AppState,
    district: i64,
    edit: impl FnOnce(&str) -> Result<String, quartier_model::community_edit::EditError>,
    by: &str,
) -> Result<i64, ApiError> {
    let latest = state
        .store
        .community_version(district, None)
        .await?
        .ok_or_else(|| {
            ApiError::Conflict("the district has no community: attach one first".into())
        })?;
    let text = edit(&latest.source_toml).map_err(|e| match e {
        quartier_model::community_edit::EditError::Exists(_)
        | quartier_model::community_edit::EditError::Unknown(_) => {
            ApiError::Invalid(vec![InputProblem::field("prm", e.to_string(), None)])
        }
        other => ApiError::Conflict(other.to_string()),
    })?;
    Ok(
        crate::community::attach_community(state, district, text, by)
            .await?
            .version,
    )
}

/// Member `r.prm` (a participant of the district) joins the community: a new version.
async fn add_member(
    state: &AppState,
    district: i64,
    r: &JoinRequest,
    by: &str,
) -> Result<i64, ApiError> {
    let participants = state.store.participants(district).await?;
    let mut problems = Vec::new();
    let participant = participants.iter().find(|p| p.prm == r.prm.trim());
    if participant.is_none() {
        problems.push(InputProblem::field(
            "prm",
            format!("{:?} is not a participant of this district", r.prm),
            Some("the PRM of one of the district's participants (add it on the participants page first)".into()),
        ));
    }
    let lat = number_field("latitude_deg", given(&r.latitude_deg), &mut problems);
    let lon = number_field("longitude_deg", given(&r.longitude_deg), &mut problems);
    for (field, x) in [("latitude_deg", &lat), ("longitude_deg", &lon)] {
        if x.is_none() && !problems.iter().any(|p| p.path == field) {
            problems.push(InputProblem::field(
                field,
                "missing".into(),
                Some("the delivery point's coordinates, for the distance rules".into()),
            ));
        }
    }
    let from = date_field("member_from", given(&r.member_from), &mut problems);
    let kwp = number_field("kwp", given(&r.kwp), &mut problems);
    let (Some(p), Some(lat), Some(lon), true) = (participant, lat, lon, problems.is_empty()) else {
        return Err(ApiError::Invalid(problems));
    };
    let role = given(&r.role).map_or_else(
        || {
            if p.role == "producer" {
                "producer"
            } else {
                "consumer"
            }
            .to_string()
        },
        str::to_owned,
    );
    let m = quartier_model::community_edit::NewMember {
        id: p.prm.clone(),
        name: p.name.clone(),
        role,
        latitude_deg: lat,
        longitude_deg: lon,
        category: given(&r.category).map(str::to_owned),
        commune_insee: given(&r.commune_insee).map(str::to_owned),
        member_from: from,
        kwp,
    };
    attach_edit(
        state,
        district,
        |text| quartier_model::community_edit::add_member(text, &m),
        by,
    )
    .await
}

#[derive(Debug, Deserialize)]
struct LeaveRequest {
    #[serde(default)]
    prm: String,
    last_day: String,
    #[serde(default)]
    csrf: String,
}

/// Member `prm` leaves after `last_day`: a new version.
async fn member_leaves(
    state: &AppState,
    district: i64,
    prm: &str,
    last_day: &str,
    by: &str,
) -> Result<i64, ApiError> {
    let mut problems = Vec::new();
    let Some(day) = date_field("last_day", Some(last_day.trim()), &mut problems) else {
        return Err(ApiError::Invalid(problems));
    };
    attach_edit(
        state,
        district,
        |text| quartier_model::community_edit::end_membership(text, prm, day),
        by,
    )
    .await
}

fn json_body<T: serde::de::DeserializeOwned>(body: &[u8], expected: &str) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::Invalid(vec![InputProblem::field(
            "body",
            format!("not the expected JSON: {e}"),
            Some(expected.into()),
        )])
    })
}

async fn api_add_member(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    managed_district(&state, &user, id, ApiError::NotFound).await?;
    let r: JoinRequest = json_body(
        &body,
        "{\"prm\": \"…\", \"latitude_deg\": \"48.77\", \"longitude_deg\": \"2.22\", optional \"role\", \"category\", \"commune_insee\", \"member_from\": \"YYYY-MM-DD\", \"kwp\"} (numbers as strings or numbers)",
    )?;
    let version = add_member(&state, id, &r, &user.user.username).await?;
    Ok((StatusCode::CREATED, Json(json!({ "version": version }))))
}

async fn api_member_leaves(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath((id, prm)): UrlPath<(i64, String)>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    managed_district(&state, &user, id, ApiError::NotFound).await?;
    let r: LeaveRequest = json_body(&body, "{\"last_day\": \"YYYY-MM-DD\"}")?;
    let version = member_leaves(&state, id, &prm, &r.last_day, &user.user.username).await?;
    Ok((StatusCode::CREATED, Json(json!({ "version": version }))))
}

/// The answer to a form of district `id`'s community pages: checks the form's CSRF token and
/// that the user manages the district (404 otherwise, like a missing one), runs `work`, and
/// redirects to `to`; a failure is drawn in the page's frame with a link to `back`.
async fn managed_form<Fut>(
    state: &AppState,
    p: &PageContext,
    id: i64,
    csrf: &str,
    (to, back): (String, String),
    work: Fut,
) -> Result<Response, PageError>
where
    Fut: std::future::Future<Output = Result<(), ApiError>>,
{
    let go = async {
        check_csrf(&p.user, csrf)?;
        managed_district(state, &p.user, id, ApiError::NotFound).await?;
        work.await?;
        Ok::<Response, ApiError>(Redirect::to(&to).into_response())
    };
    go.await.map_err(|e| p.fail(e).with_back(back))
}

async fn add_member_form(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<JoinRequest>,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    let back = format!("/districts/{id}/community?lang={}", p.lang.code());
    let work = async {
        add_member(&state, id, &f, &p.user.user.username)
            .await
            .map(drop)
    };
    managed_form(&state, &p, id, &f.csrf, (back.clone(), back), work).await
}

async fn leave_form(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<LeaveRequest>,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    let back = format!("/districts/{id}/community?lang={}", p.lang.code());
    let work = async {
        member_leaves(&state, id, &f.prm, &f.last_day, &p.user.user.username)
            .await
            .map(drop)
    };
    managed_form(&state, &p, id, &f.csrf, (back.clone(), back), work).await
}

/// The forms of the community page with which the organiser adds a participant of the
/// district to the community, or sets a member's last day: `members` are the community's
/// (id, name), `participants` the district's (PRM, name).
pub(crate) fn membership_forms(
    l: Lang,
    id: i64,
    csrf: &str,
    members: &[(String, String)],
    participants: &[(String, String)],
) -> String {
    let lc = l.code();
    let option = |(v, n): &(String, String)| {
        format!(
            "<option value=\"{v}\">{n} ({v})</option>",
            v = esc(v),
            n = esc(n)
        )
    };
    let outside: String = participants
        .iter()
        .filter(|(p, _)| !members.iter().any(|(m, _)| m == p))
        .map(option)
        .collect();
    let inside: String = members.iter().map(option).collect();
    let categories: String = quartier_share::Category::ALL
        .iter()
        .map(|(_, c)| {
            format!(
                "<option value={c}>{}</option>",
                value_label(l, "category", c)
            )
        })
        .collect();
    let mut out = format!(
        "<section id=membership><h2>{}</h2>",
        t(l, "membership_changes")
    );
    if !outside.is_empty() {
        out.push_str(&format!(
            "<form id=join-form method=post action=\"/districts/{id}/community/members?lang={lc}\"><input type=hidden name=csrf value=\"{c}\">\
             <label>{pl} <select name=prm>{outside}</select></label> \
             <label>{from} <input type=date name=member_from></label> \
             <label>{lat} <input name=latitude_deg inputmode=decimal required size=9></label> \
             <label>{lon} <input name=longitude_deg inputmode=decimal required size=9></label> \
             <label>{cat} <select name=category>{categories}</select></label> \
             <label>{com} <input name=commune_insee size=6></label> \
             <button>{add}</button></form>",
            c = esc(csrf),
            pl = t(l, "participant"),
            from = t(l, "member_from"),
            lat = t(l, "latitude"),
            lon = t(l, "longitude"),
            cat = t(l, "category"),
            com = t(l, "commune"),
            add = t(l, "member_join"),
        ));
    }
    if !inside.is_empty() {
        out.push_str(&format!(
            "<form id=leave-form method=post action=\"/districts/{id}/community/leave?lang={lc}\"><input type=hidden name=csrf value=\"{c}\">\
             <label>{m} <select name=prm>{inside}</select></label> \
             <label>{last} <input type=date name=last_day required></label> \
             <button>{leave}</button></form>",
            c = esc(csrf),
            m = t(l, "member"),
            last = t(l, "member_until"),
            leave = t(l, "member_leave"),
        ));
    }
    out.push_str(&format!(
        "<p class=note>{}</p></section>",
        t(l, "membership_note")
    ));
    out
}

// ---------------------------------------------------------------------------------------------
// The grid operator's data

/// The name an upload is shown under in messages: the file's own name, without any folder
/// the client sent with it ("official" when it has none).
fn upload_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name).trim();
    if base.trim_matches('.').is_empty() {
        "official".into()
    } else {
        base.chars().filter(|c| !c.is_control()).take(200).collect()
    }
}

/// Reads an upload of the operator's data named `name` from its bytes; every problem as an
/// input problem naming the file (and its entry), its line and timestamp.
fn read_official(name: &str, bytes: &[u8]) -> Result<AccOfficial, Vec<InputProblem>> {
    quartier_timeseries::read_acc_official_bytes(&upload_name(name), bytes).map_err(|e| {
        // Worded as every reader's problems; located by the file (and zip entry) first.
        let mut problems = crate::api::read_problems(&e);
        for (p, r) in problems.iter_mut().zip(&e.0) {
            if let Some(f) = &r.file {
                p.path = f.display().to_string();
            }
        }
        problems
    })
}

/// The local months (`YYYY-MM`) the operator's data give something for, in order.
fn official_months(o: &AccOfficial) -> Vec<String> {
    let mut months: Vec<Month> = Vec::new();
    let mut add = |m: Month| {
        if !months.contains(&m) {
            months.push(m);
        }
    };
    for c in &o.curves {
        let axis = c.series.axis();
        for i in 0..axis.len() {
            add(Month::of(axis.time(i)));
        }
    }
    for total in &o.totals {
        add(Month::of(total.start));
    }
    months.sort();
    months.iter().map(ToString::to_string).collect()
}

/// Reads and stores an upload of the operator's data for district `district`, all or
/// nothing; returns its row.
async fn upload_official(
    state: &AppState,
    district: i64,
    name: &str,
    bytes: Vec<u8>,
    by: &str,
) -> Result<(OfficialDataRow, AccOfficial), ApiError> {
    if bytes.is_empty() {
        return Err(ApiError::Invalid(vec![InputProblem::field(
            "file",
            "the upload is empty".into(),
            Some("the zip of the grid operator's monthly data, a curve file or the JSON of its ACC API".into()),
        )]));
    }
    if bytes.len() > MAX_OFFICIAL_BYTES {
        return Err(ApiError::Invalid(vec![InputProblem::field(
            "file",
            format!("the upload is {} bytes", bytes.len()),
            Some(format!("at most {MAX_OFFICIAL_BYTES} bytes")),
        )]));
    }
    if state
        .store
        .community_version(district, None)
        .await?
        .is_none()
    {
        return Err(ApiError::Conflict(
            "the district has no community: attach one first".into(),
        ));
    }
    let (file_name, content) = (name.to_string(), bytes.clone());
    let official = tokio::task::spawn_blocking(move || read_official(&file_name, &content))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::Invalid)?;
    let months = official_months(&official);
    if months.is_empty() {
        return Err(ApiError::Invalid(vec![InputProblem::field(
            "file",
            "the data cover no month: no curve step and no total".into(),
            Some("a month of curves or of API totals".into()),
        )]));
    }
    let new = NewOfficialData {
        district_id: district,
        months,
        file_name: name.to_string(),
        content_base64: base64::engine::general_purpose::STANDARD.encode(&bytes),
        uploaded_at: chrono::Utc::now(),
        uploaded_by: by.to_string(),
    };
    let id = state.store.add_official_data(new.clone()).await?;
    Ok((
        OfficialDataRow {
            id,
            months: new.months,
            file_name: new.file_name,
            uploaded_at: new.uploaded_at,
            uploaded_by: new.uploaded_by,
        },
        official,
    ))
}

/// The latest upload that covers month `month`, read.
async fn official_for(
    state: &AppState,
    district: i64,
    month: &str,
) -> Result<Option<(OfficialDataRow, AccOfficial)>, ApiError> {
    let uploads = state.store.official_data(district).await?;
    let Some(u) = uploads
        .into_iter()
        .rev()
        .find(|u| u.months.iter().any(|m| m == month))
    else {
        return Ok(None);
    };
    read_stored_official(state, district, u).await.map(Some)
}

/// Upload `u`, read back from the store.
async fn read_stored_official(
    state: &AppState,
    district: i64,
    u: OfficialDataRow,
) -> Result<(OfficialDataRow, AccOfficial), ApiError> {
    let content = state
        .store
        .official_content(district, u.id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content.as_bytes())
        .map_err(|e| ApiError::Internal(format!("official data {}: {e}", u.id)))?;
    let name = u.file_name.clone();
    let official = tokio::task::spawn_blocking(move || read_official(&name, &bytes))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|p| {
            ApiError::Internal(format!(
                "stored official data {} no longer read: {}",
                u.id,
                p.first().map(|p| p.message.as_str()).unwrap_or("")
            ))
        })?;
    Ok((u, official))
}

fn upload_json(district: i64, u: &OfficialDataRow) -> Value {
    json!({
        "id": u.id,
        "file_name": u.file_name,
        "months": u.months,
        "uploaded_at": rfc3339(u.uploaded_at),
        "uploaded_by": u.uploaded_by,
        "reconciliation_url": format!("/api/v1/districts/{district}/community/reconciliation"),
    })
}

async fn api_official(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<Value>, ApiError> {
    managed_district(&state, &user, id, ApiError::NotFound).await?;
    let uploads = state.store.official_data(id).await?;
    Ok(Json(json!({
        "district_id": id,
        "uploads": uploads.iter().map(|u| upload_json(id, u)).collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
struct UploadQuery {
    file_name: Option<String>,
}

async fn api_upload_official(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<UploadQuery>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    managed_district(&state, &user, id, ApiError::NotFound).await?;
    let name = q.file_name.unwrap_or_else(|| "official.zip".into());
    let (u, o) = upload_official(&state, id, &name, body.to_vec(), &user.user.username).await?;
    let mut v = upload_json(id, &u);
    v["curves"] = json!(o.curves.len());
    v["totals"] = json!(o.totals.len());
    Ok((StatusCode::CREATED, Json(v)))
}

// ---------------------------------------------------------------------------------------------
// Reconciliation

/// One month of official data beside Quartier's allocation.
struct RecoMonth {
    month: String,
    version: i64,
    upload: OfficialDataRow,
    rows: Vec<RecoRow>,
    names: Vec<(String, String)>,
}

/// Every month with official data, reconciled with the version of the community file it is
/// settled with.
async fn reconciliation(state: &AppState, district: i64) -> Result<Vec<RecoMonth>, ApiError> {
    let uploads = state.store.official_data(district).await?;
    let invoices = state.store.invoices(district, None).await?;
    let mut months: Vec<String> = uploads.iter().flat_map(|u| u.months.clone()).collect();
    months.sort();
    months.dedup();
    let mut versions: Vec<(i64, LoadedCommunity, quartier_share::Allocation)> = Vec::new();
    let mut read: Vec<(i64, AccOfficial)> = Vec::new();
    let mut out = Vec::new();
    for month in months {
        let Some(upload) = uploads
            .iter()
            .rev()
            .find(|u| u.months.contains(&month))
            .cloned()
        else {
            continue;
        };
        let version = match invoiced_version(&invoices, &month) {
            Some(v) => v,
            None => state
                .store
                .community_version(district, None)
                .await?
                .map_or(0, |v| v.version),
        };
        if !versions.iter().any(|(v, _, _)| *v == version) {
            let (_, loaded) = load_version(state, district, Some(version)).await?;
            let (allocated, l) = tokio::task::spawn_blocking(move || {
                let s = quartier_report::community::scenario(&loaded, &loaded.key);
                (s.map(|s| s.allocation), loaded)
            })
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
            let allocated = allocated.map_err(|e| ApiError::Conflict(e.to_string()))?;
            versions.push((version, l, allocated));
        }
        if !read.iter().any(|(id, _)| *id == upload.id) {
            let (_, o) = read_stored_official(state, district, upload.clone()).await?;
            read.push((upload.id, o));
        }
        let (Some((_, loaded, allocation)), Some((_, official))) = (
            versions.iter().find(|(v, _, _)| *v == version),
            read.iter().find(|(id, _)| *id == upload.id),
        ) else {
            continue;
        };
        let r = quartier_billing::reconcile(&loaded.community, allocation, official);
        let rows: Vec<RecoRow> = r
            .rows
            .into_iter()
            .filter(|row| row.month.to_string() == month)
            .collect();
        let names = loaded
            .members
            .iter()
            .map(|(id, name, _)| (id.as_str().to_string(), name.clone()))
            .collect();
        out.push(RecoMonth {
            month,
            version,
            upload,
            rows,
            names,
        });
    }
    Ok(out)
}

fn row_json(r: &RecoRow) -> Value {
    json!({
        "prm": r.prm,
        "quantity": r.quantity.name(),
        "quartier_kwh": r.quartier_kwh,
        "official_kwh": r.official_kwh,
        "difference_kwh": r.difference_kwh(),
        "cause": r.cause.map(|c| c.code()),
        "cause_text": r.cause.map(|c| c.text()),
        "steps_differing": r.steps.len(),
    })
}

async fn api_reconciliation(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<Value>, ApiError> {
    managed_district(&state, &user, id, ApiError::NotFound).await?;
    let months = reconciliation(&state, id).await?;
    Ok(Json(json!({
        "district_id": id,
        "tolerance": quartier_report::operator::tolerance_words(),
        "months": months.iter().map(|m| json!({
            "month": m.month,
            "community_version": m.version,
            "upload": upload_json(id, &m.upload),
            "rows_compared": m.rows.len(),
            "differences": m.rows.iter().filter(|r| r.listed).map(row_json).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })))
}

// ---------------------------------------------------------------------------------------------
// Invoices

/// A stored invoice as the ledger the numbering reads.
fn ledger_entry(i: &InvoiceRow) -> Result<LedgerEntry, ApiError> {
    let corrupt = || ApiError::Internal(format!("stored invoice {} is unreadable", i.number));
    Ok(LedgerEntry {
        number: i.number.clone(),
        prefix: i.prefix.clone(),
        sequence: u64::try_from(i.sequence).map_err(|_| corrupt())?,
        member: quartier_share::MemberId::new(i.prm.clone()).map_err(|_| corrupt())?,
        month: Month::parse(&i.month).ok_or_else(corrupt)?,
        issue_date: NaiveDate::parse_from_str(&i.issue_date, "%Y-%m-%d").map_err(|_| corrupt())?,
        total_excl_vat_eur: i.total_excl_vat_eur.parse().map_err(|_| corrupt())?,
        total_incl_vat_eur: i.total_incl_vat_eur.parse().map_err(|_| corrupt())?,
    })
}

/// What issuing a month did.
struct Issue {
    month: String,
    version: i64,
    official: bool,
    new: Vec<InvoiceRow>,
    copies: usize,
}

/// Issues the invoices of `month` in district `district` (dated `issue_date`, today in
/// Paris by default), asked by `by`.
async fn issue(
    state: &AppState,
    district: i64,
    month_text: &str,
    issue_date: Option<&str>,
    by: &str,
) -> Result<Issue, ApiError> {
    let mut problems = Vec::new();
    let month = Month::parse(month_text);
    if month.is_none() {
        problems.push(InputProblem::field(
            "month",
            format!("{month_text:?} is not a month"),
            Some("YYYY-MM, e.g. 2025-03".into()),
        ));
    }
    let issue_date = match issue_date.map(str::trim).filter(|d| !d.is_empty()) {
        None => Some(crate::assets::today()),
        Some(d) => {
            let parsed = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
            if parsed.is_none() {
                problems.push(InputProblem::field(
                    "issue_date",
                    format!("{d:?} is not a date"),
                    Some("YYYY-MM-DD".into()),
                ));
            }
            parsed
        }
    };
    let (Some(month), Some(issue_date)) = (month, issue_date) else {
        return Err(ApiError::Invalid(problems));
    };
    let month_text = month.to_string();
    // The district's invoices, read once: the version the month was invoiced with, and the
    // ledger the numbering continues.
    let issued_before = state.store.invoices(district, None).await?;
    let version = invoiced_version(&issued_before, &month_text);
    let (row, loaded) = load_version(state, district, version).await?;
    let Some(invoicing) = loaded.invoicing.clone() else {
        return Err(ApiError::Conflict(format!(
            "version {} of the community file has no [invoicing] table: add one (issuer_name, \
             issuer_address, issuer_siret, vat, number_prefix; see `quartier schema`) and attach \
             the file again",
            row.version
        )));
    };
    let official = official_for(state, district, &month_text).await?;
    let ledger = issued_before
        .iter()
        .map(ledger_entry)
        .collect::<Result<Vec<_>, _>>()?;
    let (issued, official_used) = tokio::task::spawn_blocking(move || {
        let (s, billing, used) = match &official {
            Some((_, o)) => {
                let (s, months) =
                    quartier_report::community::official_scenario(&loaded, &loaded.key, o)
                        .map_err(|e| e.to_string())?;
                let mut billing = loaded.billing.clone();
                let used = months.contains(&month);
                billing.official_months = months;
                (s, billing, used)
            }
            None => (
                quartier_report::community::scenario(&loaded, &loaded.key)
                    .map_err(|e| e.to_string())?,
                loaded.billing.clone(),
                false,
            ),
        };
        let request = quartier_billing::InvoiceRequest {
            operation: loaded.name.clone(),
            month,
            issue_date,
        };
        let issued = quartier_billing::issue_invoices(
            &request,
            &s.settlement,
            &billing,
            &invoicing.config,
            &loaded.members,
            &ledger,
        )
        .map_err(|e| e.to_string())?;
        Ok::<_, String>((issued, used))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| {
        // The server keeps its ledger itself: there is no ledger line for the user to remove.
        ApiError::Conflict(e.replace(
            ", then remove its line from the invoice ledger)",
            " outside Quartier: the server does not issue credit notes yet)",
        ))
    })?;
    let now = chrono::Utc::now();
    let mut new = Vec::new();
    for inv in issued.invoices.iter().filter(|i| !i.reprint) {
        let Some(entry) = issued.new_entries.iter().find(|e| e.number == inv.number) else {
            continue;
        };
        new.push(NewInvoice {
            row: InvoiceRow {
                number: inv.number.clone(),
                prefix: entry.prefix.clone(),
                sequence: i64::try_from(entry.sequence).unwrap_or(i64::MAX),
                prm: inv.member.as_str().to_string(),
                month: month_text.clone(),
                issue_date: inv.issue_date.to_string(),
                total_excl_vat_eur: inv.total_excl_vat_eur().to_string(),
                total_incl_vat_eur: inv.total_incl_vat_eur().to_string(),
                community_version: row.version,
                official: official_used,
                issued_at: now,
                issued_by: by.to_string(),
            },
            document_fr: quartier_report::invoice_kept_in(inv, quartier_report::Language::French),
            document_en: quartier_report::invoice_kept_in(inv, quartier_report::Language::English),
        });
    }
    let copies = issued.invoices.len() - new.len();
    let rows: Vec<InvoiceRow> = new.iter().map(|n| n.row.clone()).collect();
    if !new.is_empty() {
        state.store.add_invoices(district, new).await.map_err(|e| match e {
            quartier_store::StoreError::Conflict(m) => ApiError::Conflict(format!(
                "{m}: another issue of this month ran at the same time; issue it again to see its invoices"
            )),
            other => other.into(),
        })?;
    }
    Ok(Issue {
        month: month_text,
        version: row.version,
        official: official_used,
        new: rows,
        copies,
    })
}

fn invoice_url(district: i64, number: &str) -> String {
    format!(
        "/districts/{district}/community/invoices/{}",
        url_segment(number)
    )
}

fn invoice_json(district: i64, i: &InvoiceRow) -> Value {
    json!({
        "number": i.number,
        "member": i.prm,
        "month": i.month,
        "issue_date": i.issue_date,
        "total_excl_vat_eur": i.total_excl_vat_eur,
        "total_incl_vat_eur": i.total_incl_vat_eur,
        "community_version": i.community_version,
        "official_data": i.official,
        "issued_at": rfc3339(i.issued_at),
        "issued_by": i.issued_by,
        "html_url": invoice_url(district, &i.number),
        "pdf_url": format!("/api/v1/districts/{district}/invoices/{}/pdf", url_segment(&i.number)),
    })
}

/// The invoices of district `district` that `user` may see: all for those who manage it, the
/// invoices of their own meter for a participant.
async fn visible_invoices(
    state: &AppState,
    user: &CurrentUser,
    district: i64,
) -> Result<Vec<InvoiceRow>, ApiError> {
    visible_district(state, user, district).await?;
    if user.manages_district(district) {
        Ok(state.store.invoices(district, None).await?)
    } else {
        match user.user.prm.as_deref() {
            Some(prm) => Ok(state.store.invoices(district, Some(prm)).await?),
            None => Ok(Vec::new()),
        }
    }
}

#[derive(Deserialize)]
struct MonthQuery {
    month: Option<String>,
    lang: Option<String>,
}

async fn api_invoices(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<MonthQuery>,
) -> Result<Json<Value>, ApiError> {
    let all = visible_invoices(&state, &user, id).await?;
    Ok(Json(json!({
        "district_id": id,
        "invoices": all
            .iter()
            .filter(|i| q.month.as_deref().is_none_or(|m| m == i.month))
            .map(|i| invoice_json(id, i))
            .collect::<Vec<_>>(),
    })))
}

#[derive(Deserialize)]
struct IssueBody {
    month: String,
    issue_date: Option<String>,
}

fn issue_json(district: i64, i: &Issue) -> Value {
    json!({
        "month": i.month,
        "community_version": i.version,
        "official_data": i.official,
        "issued": i.new.iter().map(|r| invoice_json(district, r)).collect::<Vec<_>>(),
        "copies": i.copies,
    })
}

async fn api_issue(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    managed_district(&state, &user, id, ApiError::NotFound).await?;
    let b: IssueBody = serde_json::from_slice(&body).map_err(|e| {
        ApiError::Invalid(vec![InputProblem::field(
            "body",
            format!("not the expected JSON: {e}"),
            Some("{\"month\": \"YYYY-MM\", \"issue_date\": \"YYYY-MM-DD\" (optional)}".into()),
        )])
    })?;
    let i = issue(
        &state,
        id,
        &b.month,
        b.issue_date.as_deref(),
        &user.user.username,
    )
    .await?;
    let status = if i.new.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(issue_json(id, &i))))
}

/// Invoice `number` of district `district` as kept in the language `lang`, if `user` may see it.
async fn kept_invoice(
    state: &AppState,
    user: &CurrentUser,
    district: i64,
    number: &str,
    lang: Lang,
) -> Result<(InvoiceRow, String), ApiError> {
    visible_district(state, user, district).await?;
    let (row, doc) = state
        .store
        .invoice_document(district, number, lang == Lang::En)
        .await?
        .ok_or(ApiError::NotFound)?;
    if !user.manages_district(district) && user.user.prm.as_deref() != Some(row.prm.as_str()) {
        return Err(ApiError::NotFound);
    }
    Ok((row, doc))
}

fn pdf_response(number: &str, doc: &str) -> Result<Response, ApiError> {
    let pdf = quartier_report::kept_document_pdf(doc)
        .map_err(|e| ApiError::Internal(format!("invoice {number}: {e}")))?;
    let file: String = number
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"invoice-{file}.pdf\""),
            ),
        ],
        pdf,
    )
        .into_response())
}

async fn api_invoice_pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath((id, number)): UrlPath<(i64, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let (_, doc) = kept_invoice(&state, &user, id, &number, q.pick(&headers)).await?;
    pdf_response(&number, &doc)
}

// ---------------------------------------------------------------------------------------------
// Pages

/// The links of the community page to this module's pages.
pub(crate) fn links(l: Lang, id: i64, manages: bool) -> String {
    let lc = l.code();
    let a = |path: &str, key: &'static str, html_id: &str| {
        format!(
            "<a id={html_id} href=\"/districts/{id}/community/{path}?lang={lc}\">{}</a>",
            t(l, key)
        )
    };
    if manages {
        format!(
            "<p>{} · {} · {}</p>",
            a("invoices", "invoices", "invoices-link"),
            a("reconciliation", "reconciliation", "reconciliation-link"),
            a("history", "community_history", "history-link"),
        )
    } else {
        format!("<p>{}</p>", a("invoices", "my_invoices", "invoices-link"))
    }
}

fn back_to_community(l: Lang, id: i64) -> String {
    format!(
        "<p><a href=\"/districts/{id}/community?lang={}\">← {}</a></p>",
        l.code(),
        t(l, "community")
    )
}

fn dec_money(l: Lang, text: &str) -> String {
    text.parse::<rust_decimal::Decimal>()
        .map_or_else(|_| esc(text), |d| l.money_dec(d, 2))
}

fn date_text(l: Lang, iso: &str) -> String {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d").map_or_else(|_| esc(iso), |d| day_label(l, d))
}

async fn history_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    let go = async {
        let (l, u) = (p.lang, &p.user);
        let d = managed_district(&state, u, id, ApiError::NotFound).await?;
        let versions = state.store.community_versions(id).await?;
        let uploads = state.store.official_data(id).await?;
        let lc = l.code();
        let mut body = back_to_community(l, id);
        body.push_str(&format!("<h2>{}</h2>", t(l, "community_versions")));
        if versions.is_empty() {
            body.push_str(&format!("<p>{}</p>", t(l, "community_none")));
        } else {
            body.push_str(&format!(
                "<table id=versions><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
                t(l, "version"),
                t(l, "attached_at"),
                t(l, "attached_by")
            ));
            for v in versions.iter().rev() {
                let by = if v.attached_by.is_empty() {
                    t(l, "attached_by_server").to_string()
                } else {
                    esc(&v.attached_by)
                };
                body.push_str(&format!(
                    "<tr><td><a href=\"/districts/{id}/community/versions/{n}?lang={lc}\">{n}</a></td><td>{at}</td><td>{by}</td></tr>",
                    n = v.version,
                    at = instant_label(l, v.attached_at),
                ));
            }
            body.push_str("</table>");
            body.push_str(&format!(
                "<p class=note>{}</p>",
                t(l, "community_versions_note")
            ));
        }
        // Which members have a stored meter curve, and for which days.
        if let Some(latest) = versions.last() {
            let coverage = state.store.curve_coverage(id).await?;
            let members = quartier_model::community_edit::member_names(&latest.source_toml)
                .unwrap_or_default();
            body.push_str(&format!(
                "<h2>{}</h2><table id=curves><tr><th>PRM</th><th>{}</th><th>{}</th></tr>",
                t(l, "member_curves"),
                t(l, "col_name"),
                t(l, "col_curve")
            ));
            for (prm, name) in &members {
                body.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(prm),
                    esc(name),
                    crate::people_pages::curve_span(l, &coverage, prm)
                ));
            }
            body.push_str(&format!(
                "</table><p class=note>{}</p>",
                t(l, "member_curves_note")
            ));
        }
        body.push_str(&format!("<h2>{}</h2>", t(l, "official_data")));
        if uploads.is_empty() {
            body.push_str(&format!("<p>{}</p>", t(l, "official_none")));
        } else {
            body.push_str(&format!(
                "<table id=uploads><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                t(l, "file"),
                t(l, "months"),
                t(l, "uploaded_at"),
                t(l, "attached_by")
            ));
            for u in uploads.iter().rev() {
                let months: Vec<String> = u.months.iter().map(|m| l.month_label(m)).collect();
                body.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    esc(&u.file_name),
                    esc(&months.join(", ")),
                    instant_label(l, u.uploaded_at),
                    esc(&u.uploaded_by)
                ));
            }
            body.push_str("</table>");
        }
        body.push_str(&format!(
            "<form id=official-form method=post enctype=multipart/form-data action=\"/districts/{id}/community/official?lang={lc}\">\
             <input type=hidden name=csrf value=\"{c}\"><label>{f} <input type=file name=file required></label> <button>{b}</button></form><p class=note>{n}</p>",
            c = esc(&u.csrf_token),
            f = t(l, "official_file"),
            b = t(l, "official_upload"),
            n = t(l, "official_note"),
        ));
        Ok(p.render(
            &format!("{} — {}", t(l, "community_history"), d.name),
            &body,
        ))
    };
    p.respond(go.await)
}

async fn version_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath((id, version)): UrlPath<(i64, i64)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    let go = async {
        let l = p.lang;
        managed_district(&state, &p.user, id, ApiError::NotFound).await?;
        let v = state
            .store
            .community_version(id, Some(version))
            .await?
            .ok_or(ApiError::NotFound)?;
        let body = format!(
            "<p><a href=\"/districts/{id}/community/history?lang={}\">← {}</a></p><p>{} {}</p><pre lang=zxx>{}</pre>",
            l.code(),
            t(l, "community_history"),
            t(l, "attached_at"),
            instant_label(l, v.attached_at),
            esc(&v.source_toml)
        );
        Ok(p.render(&format!("{} {}", t(l, "version"), v.version), &body))
    };
    p.respond(go.await)
}

async fn upload_form(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    let back = format!("/districts/{id}/community/history?lang={}", p.lang.code());
    let go = async {
        let bad = |e: axum::extract::multipart::MultipartError| {
            ApiError::BadRequest(format!("the form could not be read: {}", e.body_text()))
        };
        let (mut csrf, mut file) = (String::new(), None);
        while let Some(field) = multipart.next_field().await.map_err(bad)? {
            match field.name().unwrap_or_default() {
                "csrf" => csrf = field.text().await.map_err(bad)?,
                "file" => {
                    let name = field.file_name().unwrap_or("official.zip").to_string();
                    file = Some((name, field.bytes().await.map_err(bad)?.to_vec()));
                }
                _ => {}
            }
        }
        check_csrf(&p.user, &csrf)?;
        managed_district(&state, &p.user, id, ApiError::NotFound).await?;
        let (name, bytes) = file.unwrap_or_else(|| ("official.zip".into(), Vec::new()));
        upload_official(&state, id, &name, bytes, &p.user.user.username).await?;
        Ok::<Response, ApiError>(
            Redirect::to(&format!(
                "/districts/{id}/community/reconciliation?lang={}",
                p.lang.code()
            ))
            .into_response(),
        )
    };
    go.await.map_err(|e| p.fail(e).with_back(back))
}

async fn reconciliation_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    let go = async {
        let l = p.lang;
        let d = managed_district(&state, &p.user, id, ApiError::NotFound).await?;
        let months = reconciliation(&state, id).await?;
        let mut body = back_to_community(l, id);
        body.push_str(&format!(
            "<p class=note>{}</p>",
            t(l, "reconciliation_note")
        ));
        if months.is_empty() {
            body.push_str(&format!(
                "<p>{} <a href=\"/districts/{id}/community/history?lang={}\">{}</a></p>",
                t(l, "official_none"),
                l.code(),
                t(l, "official_upload")
            ));
        }
        for m in &months {
            let listed: Vec<&RecoRow> = m.rows.iter().filter(|r| r.listed).collect();
            body.push_str(&format!(
                "<h2>{}</h2><p><small>{} {} · {} {} · {} {}</small></p>",
                esc(&l.month_label(&m.month)),
                t(l, "version"),
                m.version,
                t(l, "file"),
                esc(&m.upload.file_name),
                t(l, "rows_compared"),
                m.rows.len()
            ));
            if listed.is_empty() {
                body.push_str(&format!(
                    "<p class=ok data-month=\"{}\">{}</p>",
                    esc(&m.month),
                    t(l, "reconciliation_agrees")
                ));
                continue;
            }
            body.push_str(&format!(
                "<table class=differences data-month=\"{}\"><tr><th>PRM</th><th>{}</th><th>{}</th><th>{} (kWh)</th><th>{} (kWh)</th><th>{} (kWh)</th><th>{}</th></tr>",
                esc(&m.month),
                t(l, "member"),
                t(l, "quantity"),
                t(l, "computed_here"),
                t(l, "operator"),
                t(l, "difference"),
                t(l, "likely_cause")
            ));
            for r in listed {
                let name = m
                    .names
                    .iter()
                    .find(|(p, _)| *p == r.prm)
                    .map_or("", |(_, n)| n.as_str());
                let num = |x: f64| crate::html::group_thousands(x, 3, l.point());
                body.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td>{}</td></tr>",
                    esc(&r.prm),
                    esc(name),
                    value_label(l, "acc_quantity", r.quantity.name()),
                    num(r.quartier_kwh),
                    num(r.official_kwh),
                    crate::html::signed(r.difference_kwh(), 3, l.point()),
                    r.cause.map_or_else(String::new, |c| value_label(l, "reco_cause", c.code()))
                ));
            }
            body.push_str("</table>");
        }
        Ok(p.render(&format!("{} — {}", t(l, "reconciliation"), d.name), &body))
    };
    p.respond(go.await)
}

/// The months an invoice can be issued for: those of the latest allocation.
async fn allocated_months(state: &AppState, district: i64) -> Result<Vec<String>, ApiError> {
    Ok(crate::community::latest_run_content(state, district)
        .await?
        .map(|r| r.months)
        .unwrap_or_default())
}

async fn invoices_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    let go = async {
        let (l, u) = (p.lang, &p.user);
        let d = visible_district(&state, u, id).await?;
        let manages = u.manages_district(id);
        let invoices = visible_invoices(&state, u, id).await?;
        let lc = l.code();
        let mut body = back_to_community(l, id);
        if manages {
            let months = allocated_months(&state, id).await?;
            let options: String = months
                .iter()
                .rev()
                .map(|m| {
                    format!(
                        "<option value=\"{v}\">{t}</option>",
                        v = esc(m),
                        t = esc(&l.month_label(m))
                    )
                })
                .collect();
            let month_input = if options.is_empty() {
                "<input name=month placeholder=YYYY-MM required>".to_string()
            } else {
                format!("<select name=month>{options}</select>")
            };
            body.push_str(&format!(
                "<form id=issue-form method=post action=\"/districts/{id}/community/invoices?lang={lc}\"><input type=hidden name=csrf value=\"{c}\">\
                 <label>{m} {month_input}</label> <label>{dl} <input type=date name=issue_date value=\"{today}\"></label> <button>{b}</button></form><p class=note>{n}</p>",
                c = esc(&u.csrf_token),
                m = t(l, "month"),
                dl = t(l, "issue_date"),
                today = crate::assets::today(),
                b = t(l, "issue_invoices"),
                n = t(l, "invoices_note"),
            ));
        }
        if invoices.is_empty() {
            body.push_str(&format!("<p>{}</p>", t(l, "invoices_none")));
        } else {
            let mut months: Vec<&str> = invoices.iter().map(|i| i.month.as_str()).collect();
            months.dedup();
            body.push_str(&format!(
                "<table id=invoices><tr><th>{}</th><th>{}</th><th>PRM</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>",
                t(l, "invoice_number"),
                t(l, "month"),
                t(l, "issue_date"),
                t(l, "total_excl_vat"),
                t(l, "total_incl_vat"),
                t(l, "official_data")
            ));
            for i in invoices.iter().rev() {
                let url = invoice_url(id, &i.number);
                body.push_str(&format!(
                    "<tr><td><a href=\"{url}?lang={lc}\">{n}</a></td><td>{m}</td><td>{prm}</td><td>{date}</td><td class=n>{ht}</td><td class=n>{ttc}</td><td>{o}</td><td><a href=\"{url}/pdf?lang={lc}\" download>PDF</a></td></tr>",
                    n = esc(&i.number),
                    m = esc(&l.month_label(&i.month)),
                    prm = esc(&i.prm),
                    date = date_text(l, &i.issue_date),
                    ht = dec_money(l, &i.total_excl_vat_eur),
                    ttc = dec_money(l, &i.total_incl_vat_eur),
                    o = t(l, if i.official { "yes" } else { "no" }),
                ));
            }
            body.push_str("</table>");
            if manages {
                let links: Vec<String> = months
                    .iter()
                    .map(|m| {
                        format!(
                            "<a href=\"/districts/{id}/community/invoices.csv?month={m}\">{}</a>",
                            esc(&l.month_label(m)),
                            m = esc(m)
                        )
                    })
                    .collect();
                body.push_str(
                    &format!("<p><small>CSV : {}</small></p>", links.join(" · ")).replace(
                        "CSV : ",
                        if l == Lang::Fr {
                            "CSV\u{a0}: "
                        } else {
                            "CSV: "
                        },
                    ),
                );
            }
        }
        let title = if manages {
            format!("{} — {}", t(l, "invoices"), d.name)
        } else {
            t(l, "my_invoices").to_string()
        };
        Ok(p.render(&title, &body))
    };
    p.respond(go.await)
}

#[derive(Deserialize)]
struct IssueForm {
    csrf: String,
    month: String,
    issue_date: Option<String>,
}

async fn issue_form(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<IssueForm>,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    let back = format!("/districts/{id}/community/invoices?lang={}", p.lang.code());
    let work = async {
        issue(
            &state,
            id,
            &f.month,
            f.issue_date.as_deref(),
            &p.user.user.username,
        )
        .await
        .map(drop)
    };
    managed_form(&state, &p, id, &f.csrf, (back.clone(), back), work).await
}

async fn invoices_csv_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<MonthQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, Lang::pick(q.lang.as_deref(), &headers))?;
    let go = async {
        managed_district(&state, &p.user, id, ApiError::NotFound).await?;
        let all = state.store.invoices(id, None).await?;
        // The csv crate quotes what needs it (a username or a number with a comma).
        let mut w = csv::Writer::from_writer(Vec::new());
        let internal = |e: csv::Error| ApiError::Internal(format!("invoices.csv: {e}"));
        w.write_record([
            "number",
            "month",
            "member",
            "issue_date",
            "total_excl_vat_eur",
            "total_incl_vat_eur",
            "community_version",
            "official_data",
            "issued_at_utc",
            "issued_by",
        ])
        .map_err(internal)?;
        for i in all
            .iter()
            .filter(|i| q.month.as_deref().is_none_or(|m| m == i.month))
        {
            w.write_record([
                i.number.as_str(),
                &i.month,
                &i.prm,
                &i.issue_date,
                &i.total_excl_vat_eur,
                &i.total_incl_vat_eur,
                &i.community_version.to_string(),
                &i.official.to_string(),
                &rfc3339(i.issued_at),
                &i.issued_by,
            ])
            .map_err(internal)?;
        }
        let csv = w
            .into_inner()
            .map_err(|e| ApiError::Internal(format!("invoices.csv: {e}")))?;
        let name = format!(
            "invoices-{}.csv",
            q.month
                .as_deref()
                .and_then(Month::parse)
                .map_or_else(|| "all".to_string(), |m| m.to_string())
        );
        Ok((
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
            ],
            csv,
        )
            .into_response())
    };
    p.respond(go.await)
}

async fn invoice_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath((id, number)): UrlPath<(i64, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    let go = async {
        let l = p.lang;
        let (_, doc) = kept_invoice(&state, &p.user, id, &number, l).await?;
        let html = quartier_report::kept_document_html(&doc)
            .map_err(|e| ApiError::Internal(format!("invoice {number}: {e}")))?;
        let back = format!("/districts/{id}/community/invoices?lang={}", l.code());
        let pdf = (
            format!("{}/pdf?lang={}", invoice_url(id, &number), l.code()),
            t(l, "invoice_pdf"),
        );
        Ok((
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            with_navigation(&html, &back, t(l, "invoices_back"), Some(pdf)),
        )
            .into_response())
    };
    p.respond(go.await)
}

async fn invoice_pdf_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath((id, number)): UrlPath<(i64, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    let go = async {
        let (_, doc) = kept_invoice(&state, &p.user, id, &number, p.lang).await?;
        pdf_response(&number, &doc)
    };
    p.respond(go.await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploads_are_named_by_their_own_file_name() {
        assert_eq!(upload_name("../../etc/passwd"), "passwd");
        assert_eq!(upload_name("C:\\Users\\pmo\\acc juin.zip"), "acc juin.zip");
        assert_eq!(upload_name(""), "official");
        assert_eq!(upload_name(".."), "official");
        assert_eq!(upload_name("a\u{7}b.zip"), "ab.zip");
    }
}

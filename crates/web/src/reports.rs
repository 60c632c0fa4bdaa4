//! A laureate's monthly report: the indicators of their experiment, month by month, uploaded
//! as a CSV (`month,indicator,value`) through the API or the dashboard, read whole by
//! [`quartier_model::read_report`] (every problem located, in both languages) before anything is
//! stored, then stored in one transaction (a month already reported is replaced). The values
//! are laid over the experiment file's own ([`crate::experiments::overlay`]) wherever the
//! experiment is shown: its page, the programme table, the portfolio, the public page and the
//! open data.
//!
//! - `PUT /api/v1/experiments/{slug}/reports` (the CSV as the body) and
//!   `GET /api/v1/experiments/{slug}/reports` (what is stored, who sent it and when).
//! - `GET /experiments/{slug}/reports`: the form and the stored values; `POST` with
//!   `multipart/form-data` (`csrf`, `file`).
//!
//! Evidence backs a month of the report (a scanned invoice, a meter's photo, an installation
//! report: a PDF, PNG or JPEG of at most 10 MiB, at most 10 a month, its kind told by its first
//! bytes). It is kept by the server and never published.
//!
//! - `POST /api/v1/experiments/{slug}/evidence?month=YYYY-MM&name=<file name>` (the file as the
//!   body), `GET /api/v1/experiments/{slug}/evidence` (what is attached) and
//!   `GET /api/v1/experiments/{slug}/evidence/{id}` (the file).
//! - The reports page's second form (`csrf`, `kind=evidence`, `month`, `file`), posted to
//!   `/experiments/{slug}/reports` like the first.
//!
//! Who: the experiment's laureate and the programme team. An organiser who sees the experiment
//! gets 403 with what to do; anyone who does not see it, 404 like a missing one.

use std::fmt::Write as _;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path as UrlPath, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use chrono::Utc;
use quartier_programme::{MAX_EVIDENCE_PER_MONTH, check_evidence};
use quartier_store::{EvidenceRow, NewEvidence, ReportValue, Role};
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::{ApiError, InputProblem};
use crate::experiments::{Entry, Outcome, visible_entry};
use crate::html::esc;
use crate::i18n::t;
use crate::page_support::{LangQuery, PageContext, PageError, check_csrf};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/experiments/{slug}/reports",
            get(api_read).put(api_put),
        )
        .route("/experiments/{slug}/reports", get(page).post(page_submit))
        .route(
            "/api/v1/experiments/{slug}/evidence",
            get(api_evidence).post(api_add_evidence),
        )
        .route(
            "/api/v1/experiments/{slug}/evidence/{id}",
            get(api_evidence_file),
        )
}

/// The experiment `slug` if `user` may report on it: seen (else 404) and its laureate or the
/// programme (else 403, saying who reports).
async fn reportable(
    state: &AppState,
    user: &CurrentUser,
    slug: &str,
) -> Result<std::sync::Arc<Entry>, ApiError> {
    let entry = visible_entry(state, user, slug).await?;
    let allowed = match user.user.role {
        Role::Programme => true,
        Role::Laureate => user.user.experiment.as_deref() == Some(slug),
        Role::Organiser | Role::Participant | Role::Applicant | Role::Reviewer => false,
    };
    if !allowed {
        return Err(ApiError::ForbiddenBecause(
            "only the experiment's laureate and the programme team report its indicators".into(),
        ));
    }
    Ok(entry)
}

/// The experiment of `entry` and the month it is now in its time zone (the latest month a
/// laureate may report).
fn experiment_today(entry: &Entry) -> Result<(&quartier_model::Experiment, (i32, u32)), ApiError> {
    let e = entry.experiment().ok_or(ApiError::NotFound)?;
    let now = Utc::now().with_timezone(&e.timezone);
    Ok((
        e,
        (chrono::Datelike::year(&now), chrono::Datelike::month(&now)),
    ))
}

/// Reads `bytes` as a report on `entry` and stores it whole; the values stored.
async fn store_report(
    state: &AppState,
    user: &CurrentUser,
    entry: &Entry,
    bytes: &[u8],
) -> Result<Vec<ReportValue>, ApiError> {
    let (e, month) = experiment_today(entry)?;
    let rows = quartier_model::read_report(bytes, e, month)
        .map_err(|errs| ApiError::Invalid(crate::api::read_problems(&errs)))?;
    let now = Utc::now();
    let values: Vec<ReportValue> = rows
        .into_iter()
        .map(|r| ReportValue {
            indicator: r.indicator,
            month: format!("{}-{:02}", r.month.0, r.month.1),
            value: r.value,
            uploaded_by: user.user.username.clone(),
            uploaded_at: now,
        })
        .collect();
    state.store.put_reports(&entry.slug, values.clone()).await?;
    Ok(values)
}

fn values_json(values: &[ReportValue]) -> Value {
    json!(
        values
            .iter()
            .map(|v| json!({
                "indicator": v.indicator,
                "month": v.month,
                "value": v.value,
                "uploaded_by": v.uploaded_by,
                "uploaded_at": v.uploaded_at.to_rfc3339(),
            }))
            .collect::<Vec<_>>()
    )
}

/// Attaches `bytes` (file `name`) to month `month` of `entry`'s reports, after every check:
/// the month one the laureate may report, the file a PDF, PNG or JPEG within bounds, fewer
/// than [`MAX_EVIDENCE_PER_MONTH`] for the month.
async fn add_evidence(
    state: &AppState,
    user: &CurrentUser,
    entry: &Entry,
    month: &str,
    name: &str,
    bytes: &[u8],
) -> Result<EvidenceRow, ApiError> {
    let (e, today) = experiment_today(entry)?;
    let mut problems = Vec::new();
    let month = match quartier_model::report_month(month, e, today) {
        Ok((y, m)) => Some(format!("{y}-{m:02}")),
        Err(p) => {
            let expected = p.expected.map(|(en, _)| en.to_string());
            let fr_expected = p.expected.map(|(_, fr)| fr.to_string());
            problems.push(InputProblem::field("month", p.en, expected).fr(p.fr, fr_expected));
            None
        }
    };
    let media = match check_evidence(name, bytes) {
        Ok(m) => Some(m),
        Err(p) => {
            problems.push(crate::calls::input_problem(p));
            None
        }
    };
    let (Some(month), Some(media)) = (month, media) else {
        return Err(ApiError::Invalid(problems));
    };
    let stored = state.store.evidence(&entry.slug).await?;
    if stored.iter().filter(|x| x.month == month).count() >= MAX_EVIDENCE_PER_MONTH {
        return Err(ApiError::Conflict(format!(
            "{month} already has {MAX_EVIDENCE_PER_MONTH} pieces of evidence, the most a month holds"
        )));
    }
    let row = NewEvidence {
        experiment: entry.slug.clone(),
        month: month.clone(),
        name: name.to_string(),
        media_type: media.to_string(),
        content_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
        size_bytes: bytes.len() as i64,
        uploaded_by: user.user.username.clone(),
        uploaded_at: Utc::now(),
    };
    let id = state.store.add_evidence(row.clone()).await?;
    Ok(EvidenceRow {
        id,
        month,
        name: row.name,
        media_type: row.media_type,
        size_bytes: row.size_bytes,
        uploaded_by: row.uploaded_by,
        uploaded_at: row.uploaded_at,
    })
}

fn evidence_json(slug: &str, x: &EvidenceRow) -> Value {
    json!({
        "id": x.id,
        "month": x.month,
        "name": x.name,
        "media_type": x.media_type,
        "size_bytes": x.size_bytes,
        "uploaded_by": x.uploaded_by,
        "uploaded_at": x.uploaded_at.to_rfc3339(),
        "href": format!("/api/v1/experiments/{slug}/evidence/{}", x.id),
    })
}

#[derive(serde::Deserialize)]
struct EvidenceQuery {
    month: Option<String>,
    name: Option<String>,
}

/// `POST /api/v1/experiments/{slug}/evidence?month=…&name=…`: the file as the body.
async fn api_add_evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(slug): UrlPath<String>,
    Query(q): Query<EvidenceQuery>,
    body: Bytes,
) -> Result<(axum::http::StatusCode, Json<Value>), ApiError> {
    let entry = reportable(&state, &user, &slug).await?;
    let name =
        crate::input::file_name(q.name.as_deref()).map_err(|p| ApiError::Invalid(vec![p]))?;
    let row = add_evidence(
        &state,
        &user,
        &entry,
        q.month.as_deref().unwrap_or(""),
        &name,
        &body,
    )
    .await?;
    Ok((
        axum::http::StatusCode::CREATED,
        Json(evidence_json(&slug, &row)),
    ))
}

/// `GET /api/v1/experiments/{slug}/evidence`.
async fn api_evidence(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(slug): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    reportable(&state, &user, &slug).await?;
    let rows = state.store.evidence(&slug).await?;
    Ok(Json(json!({
        "experiment": slug,
        "evidence": rows.iter().map(|x| evidence_json(&slug, x)).collect::<Vec<_>>(),
    })))
}

/// What an RFC 5987 `filename*` escapes: all but letters, digits and `.`, `-`, `_`.
const RFC5987_ESCAPED: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'.')
    .remove(b'-')
    .remove(b'_');

/// `GET /api/v1/experiments/{slug}/evidence/{id}`: the file, as an attachment.
async fn api_evidence_file(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath((slug, id)): UrlPath<(String, i64)>,
) -> Result<Response, ApiError> {
    reportable(&state, &user, &slug).await?;
    let (row, content) = state
        .store
        .evidence_content(&slug, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content)
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    // The name as an RFC 5987 parameter: any character survives, nothing breaks the header.
    let encoded = percent_encoding::utf8_percent_encode(&row.name, RFC5987_ESCAPED);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, row.media_type),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename*=UTF-8''{encoded}"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /api/v1/experiments/{slug}/reports`.
async fn api_read(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(slug): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    visible_entry(&state, &user, &slug).await?;
    let values = state.store.reports(&slug).await?;
    Ok(Json(
        json!({ "experiment": slug, "reports": values_json(&values) }),
    ))
}

/// `PUT /api/v1/experiments/{slug}/reports`: the CSV as the body.
async fn api_put(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(slug): UrlPath<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let entry = reportable(&state, &user, &slug).await?;
    let stored = store_report(&state, &user, &entry, &body).await?;
    Ok(Json(json!({
        "experiment": slug,
        "stored": stored.len(),
        "reports": values_json(&stored),
    })))
}

/// A file's size for people: bytes, KiB or MiB, in `l`.
fn size_label(l: crate::i18n::Lang, bytes: i64) -> String {
    let b = bytes as f64;
    if bytes < 1024 {
        format!("{bytes} {}", t(l, "ev_bytes"))
    } else if bytes < 1024 * 1024 {
        format!(
            "{} {}",
            crate::experiments::n(b / 1024.0, 0, l),
            t(l, "ev_kib")
        )
    } else {
        format!(
            "{} {}",
            crate::experiments::n(b / (1024.0 * 1024.0), 1, l),
            t(l, "ev_mib")
        )
    }
}

/// The page: what is stored, month by month, and the form.
async fn draw(
    state: &AppState,
    p: &PageContext,
    entry: &Entry,
    outcome: Option<Result<usize, Vec<InputProblem>>>,
) -> Result<Response, ApiError> {
    let l = p.lang;
    let lc = l.code();
    let slug = &entry.slug;
    let title = entry.experiment().map_or(slug.clone(), |e| e.title.clone());
    let mut body = format!(
        "<p><a href=\"/experiments/{s}?lang={lc}\">{back}</a></p>",
        s = esc(slug),
        back = esc(&title)
    );
    match outcome {
        Some(Ok(n)) => {
            let _ = write!(
                body,
                "<section id=report-ok><p><strong>{n} {}</strong></p></section>",
                t(l, "rep_stored")
            );
        }
        Some(Err(problems)) => body.push_str(&crate::upload_page::problems_html(l, &problems)),
        None => {}
    }
    let reported: Vec<String> = match &entry.outcome {
        Outcome::Evaluated(ev) => ev
            .indicators
            .iter()
            .filter(|i| i.about.reported)
            .map(|i| format!("{} ({})", i.name, i.unit))
            .collect(),
        _ => Vec::new(),
    };
    let _ = write!(
        body,
        "<section><h2>{h}</h2><p>{hint}</p><ul>{inds}</ul>\
         <form id=report method=post enctype=\"multipart/form-data\" action=\"/experiments/{s}/reports?lang={lc}\">\
         <input type=hidden name=csrf value=\"{c}\"><label>{f} <input type=file name=file accept=\".csv,text/csv\" required></label> \
         <button>{send}</button></form><p class=note>{ex}</p></section>",
        h = t(l, "rep_upload"),
        hint = t(l, "rep_hint"),
        inds = reported
            .iter()
            .map(|r| format!("<li>{}</li>", esc(r)))
            .collect::<String>(),
        s = esc(slug),
        c = esc(&p.user.csrf_token),
        f = t(l, "rep_file"),
        send = t(l, "rep_send"),
        ex = esc("month,indicator,value\n2026-11,cargo-bike distance,2480"),
    );
    let values = state.store.reports(slug).await?;
    let _ = write!(
        body,
        "<section><h2>{}</h2><table id=reports><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        t(l, "rep_received"),
        t(l, "exp_month"),
        t(l, "exp_indicator"),
        t(l, "rep_value"),
        t(l, "rep_by"),
    );
    for v in &values {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{} — {}</td></tr>",
            l.month_label(&v.month),
            esc(&v.indicator),
            crate::experiments::n(v.value, 2, l),
            esc(&v.uploaded_by),
            crate::i18n::instant_label(l, v.uploaded_at),
        );
    }
    if values.is_empty() {
        let _ = write!(body, "<tr><td colspan=4>{}</td></tr>", t(l, "rep_none"));
    }
    body.push_str("</table></section>");
    let evidence = state.store.evidence(slug).await?;
    let _ = write!(
        body,
        "<section id=evidence><h2>{h}</h2><p>{hint}</p>\
         <form id=evidence-form method=post enctype=\"multipart/form-data\" action=\"/experiments/{s}/reports?lang={lc}\">\
         <input type=hidden name=csrf value=\"{c}\"><input type=hidden name=kind value=evidence><label>{m} <input type=month name=month required></label> \
         <label>{f} <input type=file name=file accept=\".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg\" required></label> \
         <button>{send}</button></form><table id=evidence-list><tr><th>{m}</th><th>{f}</th><th>{by}</th></tr>",
        h = t(l, "ev_title"),
        hint = t(l, "ev_hint"),
        s = esc(slug),
        c = esc(&p.user.csrf_token),
        m = t(l, "exp_month"),
        f = t(l, "rep_file"),
        send = t(l, "ev_send"),
        by = t(l, "ev_by"),
    );
    for x in &evidence {
        let _ = write!(
            body,
            "<tr><td>{}</td><td><a href=\"/api/v1/experiments/{}/evidence/{}\">{}</a> ({})</td><td>{} — {}</td></tr>",
            l.month_label(&x.month),
            esc(slug),
            x.id,
            esc(&x.name),
            size_label(l, x.size_bytes),
            esc(&x.uploaded_by),
            crate::i18n::instant_label(l, x.uploaded_at),
        );
    }
    if evidence.is_empty() {
        let _ = write!(body, "<tr><td colspan=3>{}</td></tr>", t(l, "ev_none"));
    }
    body.push_str("</table></section>");
    Ok(p.render(&format!("{} — {title}", t(l, "rep_title")), &body))
}

/// `GET /experiments/{slug}/reports`.
async fn page(
    State(state): State<AppState>,
    u: MaybeUser,
    UrlPath(slug): UrlPath<String>,
    Query(q): Query<LangQuery>,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u.0, q.pick(&headers))?;
    let work = async {
        let entry = reportable(&state, &p.user, &slug).await?;
        draw(&state, &p, &entry, None).await
    };
    p.respond(work.await)
}

/// `POST /experiments/{slug}/reports`: a report's file, or evidence (`kind=evidence`, with its
/// `month`), through the API's own checks. A report is shown stored on the page; evidence
/// returns to the page's list.
async fn page_submit(
    State(state): State<AppState>,
    u: MaybeUser,
    UrlPath(slug): UrlPath<String>,
    Query(q): Query<LangQuery>,
    headers: axum::http::HeaderMap,
    form: Multipart,
) -> Result<Response, PageError> {
    let l = q.pick(&headers);
    let p = PageContext::signed_in(u.0, l)?;
    let work = async {
        let f = crate::page_support::read_file_form(form).await?;
        check_csrf(&p.user, &f.csrf)?;
        let entry = reportable(&state, &p.user, &slug).await?;
        let outcome = if f.field("kind") == "evidence" {
            let added = match crate::input::file_name(Some(&f.file_name)) {
                Ok(name) => {
                    add_evidence(&state, &p.user, &entry, f.field("month"), &name, &f.bytes).await
                }
                Err(p) => Err(ApiError::Invalid(vec![p])),
            };
            match added {
                Ok(_) => {
                    return Ok(axum::response::Redirect::to(&format!(
                        "/experiments/{slug}/reports?lang={}#evidence",
                        l.code()
                    ))
                    .into_response());
                }
                Err(ApiError::Invalid(problems)) => Err(problems),
                Err(e) => return Err(e),
            }
        } else {
            match store_report(&state, &p.user, &entry, &f.bytes).await {
                Ok(v) => Ok(v.len()),
                Err(ApiError::Invalid(problems)) => Err(problems),
                Err(e) => return Err(e),
            }
        };
        let failed = outcome.is_err();
        let page = draw(&state, &p, &entry, Some(outcome)).await?;
        Ok(if failed {
            (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
        } else {
            page
        })
    };
    p.respond(work.await)
}

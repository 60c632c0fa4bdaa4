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
//! Who: the experiment's laureate and the programme team. An organiser who sees the experiment
//! gets 403 with what to do; anyone who does not see it, 404 like a missing one.

use std::fmt::Write as _;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path as UrlPath, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use quartier_store::{ReportValue, Role};
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

/// Reads `bytes` as a report on `entry` and stores it whole; the values stored.
async fn store_report(
    state: &AppState,
    user: &CurrentUser,
    entry: &Entry,
    bytes: &[u8],
) -> Result<Vec<ReportValue>, ApiError> {
    let Some(e) = entry.experiment() else {
        return Err(ApiError::NotFound);
    };
    let today = Utc::now().with_timezone(&e.timezone);
    let month = (
        chrono::Datelike::year(&today),
        chrono::Datelike::month(&today),
    );
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

/// `POST /experiments/{slug}/reports`: the form's file.
async fn page_submit(
    State(state): State<AppState>,
    u: MaybeUser,
    UrlPath(slug): UrlPath<String>,
    Query(q): Query<LangQuery>,
    headers: axum::http::HeaderMap,
    form: Multipart,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u.0, q.pick(&headers))?;
    let work = async {
        let (csrf, _, file) = crate::page_support::read_file_form(form).await?;
        check_csrf(&p.user, &csrf)?;
        let entry = reportable(&state, &p.user, &slug).await?;
        let outcome = match store_report(&state, &p.user, &entry, &file).await {
            Ok(v) => Ok(v.len()),
            Err(ApiError::Invalid(problems)) => Err(problems),
            Err(e) => return Err(e),
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

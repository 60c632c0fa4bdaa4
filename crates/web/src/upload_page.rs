//! The upload page: a form (`multipart/form-data`, no JavaScript) through which whoever
//! manages a district sends one participant's meter curve from the browser. The file is read
//! by the same parser as the API (`api::parse_upload`) and stored in one transaction: on
//! success the page says how many points were stored; on a malformed file it lists every
//! problem with its line and reason, and nothing is stored.
//!
//! `GET /districts/{id}/upload[?prm=]` shows the form; `POST /districts/{id}/upload` takes the
//! fields `csrf` (the session's token), `prm` (a participant of the district), `format`
//! (`enedis` or `csv`) and `file`. A district the user does not manage, or a PRM that is not
//! one of its participants, answers 404.

use axum::Router;
use axum::extract::{Multipart, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use quartier_store::ParticipantRow;
use serde::Deserialize;

use crate::api;
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::ApiError;
use crate::html::{esc, page};
use crate::i18n::{Lang, t};
use crate::page_support::{PageContext, PageError, check_csrf};
use crate::{AppState, InputProblem};

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/districts/{id}/upload", get(form).post(submit))
}

/// The link to the upload page of district `id` (preselecting `prm` when given), for the
/// pages of those who manage it; empty for anyone else.
pub(crate) fn link(l: Lang, user: &CurrentUser, id: i64, prm: Option<&str>) -> String {
    if !user.manages_district(id) {
        return String::new();
    }
    let pre = prm
        .map(|p| format!("&amp;prm={}", esc(p)))
        .unwrap_or_default();
    format!(
        "<p><a id=upload-link href=\"/districts/{id}/upload?lang={lc}{pre}\">{u}</a></p>",
        lc = l.code(),
        u = t(l, "upload_curve")
    )
}

/// The upload link on a participant's page: to the first of `districts` the user manages.
pub(crate) fn link_for_prm(l: Lang, user: &CurrentUser, districts: &[i64], prm: &str) -> String {
    districts
        .iter()
        .find(|d| user.manages_district(**d))
        .map(|d| link(l, user, *d, Some(prm)))
        .unwrap_or_default()
}

#[derive(Deserialize, Default)]
struct UploadPageQuery {
    lang: Option<String>,
    prm: Option<String>,
}

/// The district (its name) and participants, when the user manages it; 404 otherwise.
async fn managed(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<(String, Vec<ParticipantRow>), ApiError> {
    let d = api::managed_district(state, user, id, ApiError::NotFound).await?;
    Ok((d.name, state.store.participants(id).await?))
}

fn form_html(
    l: Lang,
    user: &CurrentUser,
    id: i64,
    participants: &[ParticipantRow],
    selected: Option<&str>,
    format: &str,
) -> String {
    let options: String = participants
        .iter()
        .map(|p| {
            format!(
                "<option value=\"{v}\"{s}>{n} — {v}</option>",
                v = esc(&p.prm),
                n = esc(&p.name),
                s = if selected == Some(p.prm.as_str()) {
                    " selected"
                } else {
                    ""
                }
            )
        })
        .collect();
    let fmt = |v: &str, label: &str| {
        format!(
            "<option value={v}{}>{label}</option>",
            if v == format { " selected" } else { "" }
        )
    };
    format!(
        "<section><form id=upload method=post enctype=\"multipart/form-data\" \
         action=\"/districts/{id}/upload?lang={lc}\"><input type=hidden name=csrf value=\"{c}\">\
         <p><label>{pl}<br><select name=prm required>{options}</select></label></p>\
         <p><label>{fl}<br><select name=format>{e}{g}</select></label></p>\
         <p><label>{file}<br><input type=file name=file required accept=\".csv,.txt,text/csv,text/plain\"></label></p>\
         <p><small>{hint}</small></p><button>{send}</button></form></section>\
         <p><a href=\"/districts/{id}?lang={lc}\">← {back}</a></p>",
        lc = l.code(),
        c = esc(&user.csrf_token),
        pl = t(l, "participant"),
        fl = t(l, "format"),
        e = fmt("enedis", "Enedis (R63 / SGE)"),
        g = fmt("csv", t(l, "generic_csv")),
        file = t(l, "file"),
        hint = t(l, "upload_hint"),
        send = t(l, "send"),
        back = t(l, "district"),
    )
}

async fn form(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<UploadPageQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let l = Lang::pick(q.lang.as_deref(), &headers);
    let cx = PageContext::signed_in(u, l)?;
    let u = &cx.user;
    let (name, participants) = managed(&state, u, id).await.map_err(|e| cx.fail(e))?;
    let body = form_html(l, u, id, &participants, q.prm.as_deref(), "enedis");
    let title = format!("{} — {name}", t(l, "upload_curve"));
    Ok(Html(page(l, &title, Some(u), &body)).into_response())
}

/// The fields of the posted form.
#[derive(Default)]
struct Fields {
    csrf: String,
    prm: String,
    format: String,
    file: Option<Vec<u8>>,
}

async fn read_fields(mut m: Multipart) -> Result<Fields, ApiError> {
    let mut f = Fields::default();
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::BadRequest(format!("the form could not be read: {}", e.body_text()))
    };
    while let Some(field) = m.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => f.file = Some(field.bytes().await.map_err(bad)?.to_vec()),
            "csrf" => f.csrf = field.text().await.map_err(bad)?,
            "prm" => f.prm = field.text().await.map_err(bad)?,
            "format" => f.format = field.text().await.map_err(bad)?,
            _ => {}
        }
    }
    Ok(f)
}

/// What the upload did, shown above the form.
enum Outcome {
    Stored {
        points: usize,
        written: usize,
        unchanged: usize,
        first: chrono::DateTime<chrono::Utc>,
        last: chrono::DateTime<chrono::Utc>,
    },
    Rejected(Vec<InputProblem>),
}

fn outcome_html(l: Lang, prm: &str, o: &Outcome) -> String {
    match o {
        Outcome::Stored {
            points,
            written,
            unchanged,
            first,
            last,
        } => format!(
            "<section id=upload-ok><p><strong>{points} {pts}</strong> — PRM {p} \
             ({written} {w}, {unchanged} {un}), {f} → {la} ({tz})</p>\
             <p><a href=\"/participants/{p}?lang={lc}\">{see}</a></p></section>",
            pts = t(l, "points_stored"),
            f = crate::i18n::instant_label(l, *first),
            la = crate::i18n::instant_label(l, *last),
            tz = t(l, "time_local"),
            p = esc(prm),
            w = t(l, "written"),
            un = t(l, "unchanged"),
            lc = l.code(),
            see = t(l, "see_curve"),
        ),
        Outcome::Rejected(problems) => problems_html(l, problems),
    }
}

/// A rejected file's problems: a message, then one row per problem (line, field, reason,
/// expected) in the page's language where the reader said it, marked English otherwise.
pub(crate) fn problems_html(l: Lang, problems: &[InputProblem]) -> String {
    let rows: String = problems
        .iter()
        .map(|p| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                p.line.map(|n| n.to_string()).unwrap_or_default(),
                esc(&crate::i18n::value_label(l, "field", &p.path)),
                said(l, p.french.as_ref().map(|f| f.0.as_str()), &p.message),
                said(
                    l,
                    p.french.as_ref().and_then(|f| f.1.as_deref()),
                    p.expected.as_deref().unwrap_or("")
                ),
            )
        })
        .collect();
    // The file reader words its findings in English: said so on a French page.
    let note = if l == Lang::Fr && problems.iter().any(|p| p.french.is_none()) {
        format!("<p class=note>{}</p>", t(l, "reader_in_english"))
    } else {
        String::new()
    };
    format!(
        "<section id=upload-errors><p class=err>{msg}</p>{note}<table><tr><th>{li}</th>\
         <th>{fi}</th><th>{re}</th><th>{ex}</th></tr>{rows}</table></section>",
        msg = t(l, "upload_rejected"),
        li = t(l, "line"),
        fi = t(l, "field"),
        re = t(l, "reason"),
        ex = t(l, "expected"),
    )
}

/// A cell of a problem: its French wording on a French page when there is one; otherwise the
/// English one, marked `lang=en` on a French page.
fn said(l: Lang, french: Option<&str>, english: &str) -> String {
    match (l, french) {
        (Lang::Fr, Some(f)) => esc(f),
        _ => crate::page_support::in_english(l, english),
    }
}

/// Parses and stores the file; a rejected file is an [`Outcome`], other failures errors.
async fn store_upload(state: &AppState, f: &Fields) -> Result<Outcome, ApiError> {
    let Some(bytes) = f.file.clone().filter(|b| !b.is_empty()) else {
        return Ok(Outcome::Rejected(vec![
            InputProblem::field(
                "file",
                "no file was sent".into(),
                Some("a meter-curve file chosen in the form".into()),
            )
            .fr(
                "aucun fichier n'a été envoyé",
                Some("un fichier de courbe choisi dans le formulaire".into()),
            ),
        ]));
    };
    let format = if f.format.is_empty() {
        "enedis".to_string()
    } else {
        f.format.clone()
    };
    let prm = f.prm.clone();
    let parsed = tokio::task::spawn_blocking(move || match String::from_utf8(bytes) {
        Ok(text) => api::parse_upload(&text, &format, &prm),
        Err(e) => Err(ApiError::Invalid(vec![
            InputProblem::field(
                "file",
                format!("the file is not UTF-8 text ({e})"),
                Some("UTF-8 text".into()),
            )
            .fr(
                format!("le fichier n'est pas du texte UTF-8 ({e})"),
                Some("du texte UTF-8 (l'export Enedis l'est)".into()),
            ),
        ])),
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let points = match parsed {
        Ok(p) => p,
        Err(ApiError::Invalid(problems)) => return Ok(Outcome::Rejected(problems)),
        Err(e) => return Err(e),
    };
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Ok(Outcome::Rejected(vec![
            InputProblem::field(
                "file",
                "the file has no data".into(),
                Some("at least one reading".into()),
            )
            .fr(
                "le fichier ne contient aucune donnée",
                Some("au moins un relevé".into()),
            ),
        ]));
    };
    let (first, last) = (first.instant, last.instant);
    let n = points.len();
    let s = state.store.upsert_curve(&f.prm, points).await?;
    Ok(Outcome::Stored {
        points: n,
        written: s.written,
        unchanged: s.unchanged,
        first,
        last,
    })
}

async fn submit(
    State(state): State<AppState>,
    MaybeUser(user): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<UploadPageQuery>,
    headers: HeaderMap,
    multipart: Multipart,
) -> Result<Response, PageError> {
    let l = Lang::pick(q.lang.as_deref(), &headers);
    let cx = PageContext::signed_in(user, l)?;
    let u = &cx.user;
    let back = format!("/districts/{id}/upload?lang={}", l.code());
    let f = read_fields(multipart)
        .await
        .map_err(|e| cx.fail(e).with_back(back.clone()))?;
    check_csrf(u, &f.csrf).map_err(|e| cx.fail(e).with_back(back.clone()))?;
    let (name, participants) = managed(&state, u, id).await.map_err(|e| cx.fail(e))?;
    if !participants.iter().any(|p| p.prm == f.prm) {
        return Err(cx.fail(ApiError::NotFound));
    }
    let (status, result) = match store_upload(&state, &f).await {
        Ok(o @ Outcome::Stored { .. }) => (StatusCode::OK, outcome_html(l, &f.prm, &o)),
        Ok(o @ Outcome::Rejected(_)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            outcome_html(l, &f.prm, &o),
        ),
        Err(e @ ApiError::BadRequest(_)) => (
            StatusCode::BAD_REQUEST,
            format!(
                "<section id=upload-errors><p class=err>{}</p></section>",
                crate::page_support::english_detail(l, &e.to_string())
            ),
        ),
        Err(e) => return Err(cx.fail(e)),
    };
    let format = if f.format == "csv" { "csv" } else { "enedis" };
    let body = format!(
        "{result}{}",
        form_html(l, u, id, &participants, Some(&f.prm), format)
    );
    let title = format!("{} — {name}", t(l, "upload_curve"));
    Ok((status, Html(page(l, &title, Some(u), &body))).into_response())
}

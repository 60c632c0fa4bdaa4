//! What the dashboard's page modules share: the `?lang=` query, the CSRF check of posted
//! forms, the signed-in page request ([`PageContext`]: user and language) and how a failed
//! page answers ([`PageError`]): no session redirects to the login form; an internal error is
//! logged on stderr and its text never reaches the client; any other error answers its status
//! in the dashboard's frame, for the signed-in user and in the request's language when the
//! handler went through [`PageContext`].

use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::html::{esc, page};
use crate::i18n::{Lang, t};

/// A page query that carries only the language.
#[derive(Deserialize, Default)]
pub(crate) struct LangQuery {
    /// `fr` or `en`; the browser's preference when absent.
    pub(crate) lang: Option<String>,
}

impl LangQuery {
    /// The page's language: the query's, else the `Accept-Language` header's.
    pub(crate) fn pick(&self, headers: &HeaderMap) -> Lang {
        Lang::pick(self.lang.as_deref(), headers)
    }
}

/// A posted form whose only field is the session's CSRF token.
#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    /// The token the form carried.
    pub(crate) csrf: String,
}

/// 403 unless `sent` is the session's CSRF token.
pub(crate) fn check_csrf(user: &CurrentUser, sent: &str) -> Result<(), ApiError> {
    if sent == user.csrf_token {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// The link back to district `id`'s page, labelled with its `name`, in language `l`.
pub(crate) fn district_back_link(l: Lang, id: i64, name: &str) -> String {
    format!(
        "<p><a href=\"/districts/{id}?lang={lc}\">← {n}</a></p>",
        lc = l.code(),
        n = esc(name)
    )
}

/// A signed-in page request: who asks and in which language. Handlers build it first
/// ([`PageContext::signed_in`]), then run their work and hand the result to
/// [`PageContext::respond`], so that every failure after sign-in is drawn in the normal frame
/// (navigation, user name, language) of that user.
pub(crate) struct PageContext {
    /// The page's language.
    pub(crate) lang: Lang,
    /// The signed-in user.
    pub(crate) user: CurrentUser,
}

impl PageContext {
    /// The page of `user` in `lang`.
    pub(crate) fn new(user: CurrentUser, lang: Lang) -> PageContext {
        PageContext { lang, user }
    }

    /// The page of the signed-in user in `lang`; no session answers the login form.
    pub(crate) fn signed_in(user: Option<CurrentUser>, lang: Lang) -> Result<Self, PageError> {
        Ok(PageContext::new(signed_in(user)?, lang))
    }

    /// `e` as a failure of this page, drawn in its frame.
    pub(crate) fn fail(&self, e: impl Into<ApiError>) -> PageError {
        PageError {
            error: e.into(),
            frame: Some(Box::new(PageContext::new(self.user.clone(), self.lang))),
            back: None,
        }
    }

    /// The handler's result, a failure drawn in this page's frame.
    pub(crate) fn respond(&self, r: Result<Response, ApiError>) -> Result<Response, PageError> {
        r.map_err(|e| self.fail(e))
    }

    /// The answer to a form that starts a job on district `id`: checks the form's CSRF token
    /// and that the user manages the district (404 otherwise, like a missing one), runs
    /// `submit` with it and the user's id, and redirects to the job's page; a failure is drawn
    /// in this frame.
    pub(crate) async fn submit_job<F, Fut>(
        &self,
        state: &crate::AppState,
        id: i64,
        csrf: &str,
        submit: F,
    ) -> Result<Response, PageError>
    where
        F: FnOnce(quartier_store::DistrictRow, Option<i64>) -> Fut,
        Fut: std::future::Future<Output = Result<i64, ApiError>>,
    {
        let go = async {
            check_csrf(&self.user, csrf)?;
            let d = crate::api::managed_district(state, &self.user, id, ApiError::NotFound).await?;
            let job = submit(d, Some(self.user.user.id)).await?;
            let to = format!("/jobs/{job}?lang={}", self.lang.code());
            Ok::<_, ApiError>(Redirect::to(&to).into_response())
        };
        self.respond(go.await)
    }

    /// `body` under `title` in the frame of this page.
    pub(crate) fn render(&self, title: &str, body: &str) -> Response {
        Html(page(self.lang, title, Some(&self.user), body)).into_response()
    }
}

/// A failed page, with a way back to the district list. Made by [`PageContext::fail`] it is
/// drawn in the normal frame of the signed-in user and the request's language; made from a
/// bare [`ApiError`] (user and language unknown) it is drawn in both languages without
/// navigation. No session redirects to the login form; an internal error is logged and its
/// text is never shown; a 404 shows nothing of the request, so that what the user may not
/// see answers exactly like what does not exist.
pub(crate) struct PageError {
    error: ApiError,
    frame: Option<Box<PageContext>>,
    back: Option<String>,
}

impl PageError {
    /// The same failure with a link back to `href` (the page the user came from).
    pub(crate) fn with_back(mut self, href: String) -> PageError {
        self.back = Some(href);
        self
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        PageError {
            error,
            frame: None,
            back: None,
        }
    }
}

impl From<quartier_store::StoreError> for PageError {
    fn from(e: quartier_store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(d) = &self.error {
            eprintln!("internal error: {d}");
        }
        match (self.error, self.frame) {
            (ApiError::Unauthenticated, _) => Redirect::to("/login").into_response(),
            (e, Some(p)) => {
                let html = framed_error_page(&p, &e, self.back.as_deref());
                (e.status(), Html(html)).into_response()
            }
            (ApiError::Internal(_), None) => {
                error_page(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
            }
            (e, None) => error_page(e.status(), &e.to_string()),
        }
    }
}

/// The signed-in user, or the login form.
fn signed_in(user: Option<CurrentUser>) -> Result<CurrentUser, PageError> {
    user.ok_or(PageError::from(ApiError::Unauthenticated))
}

/// The label key of a failure's heading.
fn heading_key(e: &ApiError) -> &'static str {
    match e {
        ApiError::NotFound => "err_not_found",
        ApiError::Forbidden | ApiError::ForbiddenBecause(_) => "err_forbidden",
        ApiError::Internal(_) => "err_internal",
        ApiError::Invalid(_) => "err_invalid",
        _ => "err_refused",
    }
}

/// A failure in the frame of `p`: its heading in the page's language; the reason only for
/// what the user's input caused (400, 409, 422: every problem listed); a link back to `back`
/// when given and to the district list.
fn framed_error_page(p: &PageContext, e: &ApiError, back: Option<&str>) -> String {
    let l = p.lang;
    let status = e.status();
    let heading = t(l, heading_key(e));
    let mut body = format!("<section id=error><p class=err>{}</p>", esc(heading));
    match e {
        ApiError::Invalid(problems) => {
            body.push_str("<ul>");
            for pr in problems {
                body.push_str(&format!(
                    "<li><strong>{}</strong> {}</li>",
                    esc(&crate::i18n::value_label(l, "field", &pr.path)),
                    problem_text(l, pr)
                ));
            }
            body.push_str("</ul>");
        }
        ApiError::TooMany {
            message_fr,
            retry_after,
            ..
        } if l == Lang::Fr => {
            body.push_str(&format!(
                "<p>{} ; réessayez dans {}\u{a0}s.</p>",
                esc(message_fr),
                retry_after.as_secs().max(1)
            ));
        }
        ApiError::BadRequest(_)
        | ApiError::Conflict(_)
        | ApiError::JobFinished(_)
        | ApiError::ForbiddenBecause(_)
        | ApiError::TooMany { .. } => {
            body.push_str(&format!("<p>{}</p>", english_detail(l, &e.to_string())));
        }
        // Nothing of the request: a 404 must read the same whatever the id; an internal
        // error's text stays in the log.
        _ => {}
    }
    if let Some(b) = back {
        body.push_str(&format!(
            "<p><a href=\"{}\">← {}</a></p>",
            esc(b),
            t(l, "err_back")
        ));
    }
    body.push_str(&format!(
        "<p><a id=back-to-districts href=\"/districts?lang={}\">← {}</a></p></section>",
        l.code(),
        t(l, "districts")
    ));
    let title = format!("{} — {heading}", status.as_u16());
    page(l, &title, Some(&p.user), &body)
}

/// What is wrong with `pr` and what was expected, in `l` when the problem was said in it; a
/// file reader's own diagnostic stays in English, marked as such (`lang=en`) and announced.
fn problem_text(l: Lang, pr: &crate::error::InputProblem) -> String {
    let (message, expected) = match (&pr.french, l) {
        (Some((m, x)), Lang::Fr) => (esc(m), x.as_deref().map(esc)),
        _ => {
            let (m, x) = (english_detail(l, &pr.message), pr.expected.as_deref());
            let x = x.map(|x| match l {
                Lang::Fr => format!("<span lang=en>{}</span>", esc(x)),
                Lang::En => esc(x),
            });
            (m, x)
        }
    };
    let at = match pr.line {
        Some(n) => format!("{} {n}{} ", t(l, "err_line"), t(l, "colon")),
        None => String::new(),
    };
    match expected {
        Some(x) => format!("{at}{message} — {} {x}", t(l, "err_expected")),
        None => format!("{at}{message}"),
    }
}

/// Text only said in English, in a list that announces it once: as it is on an English page,
/// marked `lang=en` on a French one.
pub(crate) fn in_english(l: Lang, text: &str) -> String {
    match l {
        Lang::Fr if !text.is_empty() => format!("<span lang=en>{}</span>", esc(text)),
        _ => esc(text),
    }
}

/// A detail only said in English: as it is on an English page; on a French page, announced
/// ("détail en anglais") and marked `lang=en` for readers and screen readers.
pub(crate) fn english_detail(l: Lang, detail: &str) -> String {
    match l {
        Lang::En => esc(detail),
        Lang::Fr => format!("{} {}", t(l, "err_detail_en"), in_english(l, detail)),
    }
}

/// An error in the dashboard's frame, in both languages (the request's language is not known
/// here), with a way back to the district list.
fn error_page(status: StatusCode, detail: &str) -> Response {
    let (fr, en) = match status {
        StatusCode::NOT_FOUND => ("Page introuvable", "Not found"),
        StatusCode::FORBIDDEN => ("Accès refusé", "Forbidden"),
        StatusCode::INTERNAL_SERVER_ERROR => ("Erreur interne", "Internal error"),
        _ => ("Requête refusée", "Request refused"),
    };
    let body = format!(
        "<section><p>{fr} / {en} ({code}): {detail}</p>\
         <p><a href=\"/districts\">Quartiers / Districts</a></p></section>",
        code = status.as_u16(),
        detail = esc(detail),
    );
    let title = format!("{} — {fr}", status.as_u16());
    (status, Html(page(Lang::Fr, &title, None, &body))).into_response()
}

/// A `multipart/form-data` form with one file: its CSRF token, the file's name and bytes, and
/// its other fields (text).
pub(crate) struct FileForm {
    pub(crate) csrf: String,
    pub(crate) file_name: String,
    pub(crate) bytes: Vec<u8>,
    fields: Vec<(String, String)>,
}

impl FileForm {
    /// Text field `name`, empty when absent.
    pub(crate) fn field(&self, name: &str) -> &str {
        form_field(&self.fields, name)
    }
}

/// A form's fields as sent, in order (`application/x-www-form-urlencoded`).
pub(crate) type FormFields = Vec<(String, String)>;

/// Field `name` of a form, empty when absent (the first when repeated).
pub(crate) fn form_field<'a>(f: &'a [(String, String)], name: &str) -> &'a str {
    f.iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

/// Reads a form of `csrf`, `file` and text fields (at most 20 of them).
pub(crate) async fn read_file_form(mut m: axum::extract::Multipart) -> Result<FileForm, ApiError> {
    let mut f = FileForm {
        csrf: String::new(),
        file_name: String::new(),
        bytes: Vec::new(),
        fields: Vec::new(),
    };
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::BadRequest(format!("the form could not be read: {}", e.body_text()))
    };
    while let Some(field) = m.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default().to_string().as_str() {
            "csrf" => f.csrf = field.text().await.map_err(bad)?,
            "file" => {
                f.file_name = field.file_name().unwrap_or_default().to_string();
                f.bytes = field.bytes().await.map_err(bad)?.to_vec();
            }
            name if f.fields.len() < 20 => {
                let name = name.to_string();
                f.fields.push((name, field.text().await.map_err(bad)?));
            }
            _ => {}
        }
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quartier_store::{Role, User};

    fn context(lang: Lang) -> PageContext {
        PageContext::new(
            CurrentUser {
                user: User {
                    id: 1,
                    username: "olga".into(),
                    password_hash: String::new(),
                    role: Role::Organiser,
                    district_id: Some(1),
                    prm: None,
                    experiment: None,
                },
                csrf_token: "token".into(),
                token: "session".into(),
            },
            lang,
        )
    }

    #[test]
    fn a_bad_request_is_drawn_in_the_users_frame_with_its_reason() {
        let p = context(Lang::En);
        let e = ApiError::BadRequest("`from` must be before `to`".into());
        let html = framed_error_page(&p, &e, None);
        assert!(
            html.contains("<title>400 — Request refused — Quartier</title>"),
            "{html}"
        );
        assert!(html.contains(">olga</a>") && html.contains("Log out"));
        assert!(html.contains("<p>`from` must be before `to`</p>"));
        assert!(html.contains("href=\"/districts?lang=en\""));
        assert!(!html.contains("Requête refusée"));
        assert_eq!(p.fail(e).into_response().status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn a_404_and_a_500_show_nothing_of_the_request() {
        let p = context(Lang::Fr);
        let html = framed_error_page(&p, &ApiError::Internal("secret path".into()), None);
        assert!(html.contains("Erreur interne") && !html.contains("secret"));
        let html = framed_error_page(&p, &ApiError::NotFound, None);
        assert!(html.contains("Page introuvable"));
        let r = p.fail(ApiError::Unauthenticated).into_response();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
}

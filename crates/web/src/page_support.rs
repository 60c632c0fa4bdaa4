//! What the dashboard's page modules share: the `?lang=` query, the CSRF check of posted
//! forms, and how a failed page answers ([`PageError`]): no session redirects to the login
//! form; an internal error is logged on stderr and its text never reaches the client; any
//! other error answers its status in the dashboard's frame.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::html::{esc, page};
use crate::i18n::Lang;

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

/// A failed page: the dashboard's frame, in both languages, with a way back to the district
/// list; no session redirects to the login form; an internal error is logged and its text is
/// never shown.
pub(crate) struct PageError(ApiError);

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        PageError(e)
    }
}

impl From<quartier_store::StoreError> for PageError {
    fn from(e: quartier_store::StoreError) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self.0 {
            ApiError::Unauthenticated => Redirect::to("/login").into_response(),
            ApiError::Internal(d) => {
                eprintln!("internal error: {d}");
                error_page(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
            }
            e => error_page(e.status(), &e.to_string()),
        }
    }
}

/// The signed-in user, or the login form.
pub(crate) fn signed_in(user: Option<CurrentUser>) -> Result<CurrentUser, PageError> {
    user.ok_or(PageError(ApiError::Unauthenticated))
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

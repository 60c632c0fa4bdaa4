//! What every response carries and what every state-changing API request must show, as one
//! middleware around the whole router:
//!
//! - **Headers.** A Content Security Policy (scripts and styles from this origin only, inline
//!   styles allowed for the charts' widths, no framing: `frame-ancestors 'none'`),
//!   `X-Content-Type-Options: nosniff`, `Referrer-Policy: same-origin`, `Cache-Control:
//!   no-store` on everything but the static files (pages and API answers are private), and
//!   `Strict-Transport-Security` when the client came over HTTPS through a trusted proxy.
//! - **CSRF on the API.** A `POST` under `/api/` with a session cookie must declare a body type a
//!   cross-site HTML form cannot send (`application/json`, `application/toml`, …, an empty body
//!   included) or carry the session's token in `X-CSRF-Token`; `text/plain`, form types and a
//!   missing `Content-Type` are answered 415. Other methods need a CORS preflight, which this
//!   server never grants.
//! - **Audit.** Every request that changes data (any method but `GET`, `HEAD`, `OPTIONS`) made
//!   in a session and answered with success or a redirect is recorded in the audit log: who,
//!   the method and path, when, the status. An erasure's handler puts the identifiers it
//!   erased on its response ([`Forget`]): the entry shows `(erased)` in their place, as the
//!   store did in the older entries.
//! - **No plain-text errors.** An error answered as plain text (a path or query that does not
//!   parse, a method not allowed, a body too large: the framework's own rejections) becomes
//!   problem details (RFC 9457) on the API and the styled error page elsewhere, in the
//!   request's language.

use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};

use crate::AppState;
use crate::auth::{self, Client, CurrentUser};
use crate::error::problem_response;
use crate::html::{esc, page};
use crate::i18n::{Lang, t};

/// The identifiers (PRMs, usernames) an erasure removed, put on its response by the handler.
#[derive(Debug, Clone)]
pub(crate) struct Forget(pub(crate) Vec<String>);

/// The policy of every response: only this origin's scripts, images (and inline SVG), fetches
/// and form targets; no inline script, no style attribute, and no inline style sheet but the
/// server's own, each allowed by its SHA-256 ([`style_sheets`]); no framing; no plugins.
fn csp() -> &'static str {
    static CSP: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    CSP.get_or_init(|| {
        use base64::Engine as _;
        use sha2::Digest as _;
        let hashes: Vec<String> = style_sheets()
            .iter()
            .map(|css| {
                let digest = sha2::Sha256::digest(css.as_bytes());
                format!(
                    "'sha256-{}'",
                    base64::engine::general_purpose::STANDARD.encode(digest)
                )
            })
            .collect();
        format!(
            "default-src 'none'; script-src 'self'; style-src 'self' {}; \
             img-src 'self' data:; connect-src 'self'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
            hashes.join(" ")
        )
    })
}

/// Every `<style>` element the server sends, exactly: the dashboard's, the stored bill's
/// navigation, and the report pages' (bills, asset plan, evaluation).
fn style_sheets() -> Vec<&'static str> {
    let mut v = vec![crate::html::STYLE, crate::community::BILL_NAV_STYLE];
    v.extend(quartier_report::STYLE_SHEETS);
    v
}

/// Largest plain-text error body turned into a problem (the framework's are one line).
const MAX_PLAIN_ERROR_BYTES: usize = 4 * 1024;

/// The middleware (see the module documentation).
pub(crate) async fn harden(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_string();
    let api = path.starts_with("/api/");
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let https = peer.is_some_and(|ip| Client::of(ip, req.headers(), &state.config).https);
    let changes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    // A change's session is read once, here, before the handler runs (a logout or a revocation
    // ends it): the CSRF check, the audit log and the handler's `CurrentUser` share it.
    let actor = if changes {
        match auth::SeenSession::read(&state, req.headers()).await {
            Ok(seen) => {
                let user = seen.0.clone();
                req.extensions_mut().insert(seen);
                user
            }
            // The handler's own lookup reports the store's failure.
            Err(()) => None,
        }
    } else {
        None
    };
    if api
        && req.method() == Method::POST
        && let Some(refusal) = cross_site_refusal(actor.as_ref(), req.headers())
    {
        return finish(refusal, &path, https);
    }
    // The page's language is only needed to draw an error: keep what decides it.
    let asked = req
        .uri()
        .query()
        .unwrap_or("")
        .split('&')
        .find_map(|kv| kv.strip_prefix("lang="))
        .map(str::to_string);
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).cloned();
    let action = format!("{} {path}", req.method());
    let response = next.run(req).await;
    if let Some(user) = actor {
        let status = response.status();
        if status.is_success() || status.is_redirection() {
            let action = match response.extensions().get::<Forget>() {
                Some(Forget(words)) => quartier_store::forget_segments(&action, words),
                None => action,
            };
            let entry = quartier_store::NewAudit {
                at: chrono::Utc::now(),
                user_id: user.user.id,
                username: user.user.username,
                action,
                status: status.as_u16(),
            };
            if let Err(e) = state.store.record_audit(entry).await {
                eprintln!("audit log: cannot record a change: {e}");
            }
        }
    }
    let response = if response.status().is_client_error() || response.status().is_server_error() {
        let mut headers = HeaderMap::new();
        if let Some(v) = accept {
            headers.insert(header::ACCEPT_LANGUAGE, v);
        }
        no_plain_errors(response, api, Lang::pick(asked.as_deref(), &headers)).await
    } else {
        response
    };
    finish(response, &path, https)
}

/// The media type of a request body, lower case, without parameters; `None` when absent.
fn media_type(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
}

/// The 415 to answer a `POST` to the API by `user` that another site's form or simple request
/// could have sent; `None` when it could not have.
fn cross_site_refusal(user: Option<&CurrentUser>, headers: &HeaderMap) -> Option<Response> {
    // Without a session the request acts as nobody (a login has its own JSON check).
    let user = user?;
    let simple = match media_type(headers).as_deref() {
        None | Some("") => true,
        Some(m) => matches!(
            m,
            "text/plain" | "application/x-www-form-urlencoded" | "multipart/form-data"
        ),
    };
    if !simple {
        return None;
    }
    if let Some(sent) = headers.get("x-csrf-token").and_then(|v| v.to_str().ok())
        && !user.csrf_token.is_empty()
        && user.csrf_token == sent
    {
        return None;
    }
    Some(problem_response(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "send Content-Type: application/json (an empty body is fine) or the session's \
         X-CSRF-Token header (csrf_token in the answer to /api/v1/login)",
        None,
    ))
}

/// An error response without a JSON or HTML body, remade as problem details (API) or as the
/// styled error page (pages) with the same status and its text.
async fn no_plain_errors(response: Response, api: bool, lang: Lang) -> Response {
    let kind = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if kind.contains("json") || kind.starts_with("text/html") {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = to_bytes(body, MAX_PLAIN_ERROR_BYTES)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let status = parts.status;
    let detail = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_string()
    } else {
        text
    };
    let mut remade = if api {
        problem_response(status, &detail, None)
    } else {
        error_page(lang, status, &detail)
    };
    // Keep what the framework said beside the body (e.g. `Allow` on a 405).
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            remade.headers_mut().insert(name.clone(), value.clone());
        }
    }
    remade
}

/// The styled page of a failure that no handler drew, in `lang`.
fn error_page(lang: Lang, status: StatusCode, detail: &str) -> Response {
    let key = match status {
        StatusCode::NOT_FOUND => "err_not_found",
        StatusCode::FORBIDDEN => "err_forbidden",
        s if s.is_server_error() => "err_internal",
        _ => "err_refused",
    };
    let heading = t(lang, key);
    let shown = if status.is_server_error() { "" } else { detail };
    let body = format!(
        "<section id=error><p class=err>{}</p><p>{}</p><p><a href=\"/districts?lang={}\">{}</a></p></section>",
        esc(heading),
        esc(shown),
        lang.code(),
        t(lang, "districts")
    );
    let title = format!("{} — {heading}", status.as_u16());
    let mut r = (status, Html(page(lang, &title, None, &body))).into_response();
    *r.status_mut() = status;
    r
}

/// The headers every response carries.
fn finish(mut response: Response, path: &str, https: bool) -> Response {
    let h = response.headers_mut();
    let set = |h: &mut HeaderMap, name: &'static str, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(h, "content-security-policy", csp());
    set(h, "x-content-type-options", "nosniff");
    set(h, "referrer-policy", "same-origin");
    set(h, "x-frame-options", "DENY");
    if !h.contains_key(header::CACHE_CONTROL) {
        if path.starts_with("/static/") {
            set(h, "cache-control", "public, max-age=3600");
        } else {
            set(h, "cache-control", "no-store");
        }
    }
    if https {
        set(h, "strict-transport-security", "max-age=31536000");
    }
    response
}

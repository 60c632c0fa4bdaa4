//! The screens of what was API-only: a district's people (participants with their roles and
//! the days their meter curve covers; add, edit, erase; the logins of the district: create,
//! reset a password, revoke), a PRM's curve coverage (the local days stored, as periods and
//! gaps), one's account (change one's password) and the programme's audit log. Every form
//! carries the session's CSRF token and goes through the same checks as the JSON API
//! (`api::register_participant`, `api::new_login`, the store's erasure); every word follows
//! the page's language.

use std::collections::BTreeSet;

use axum::Router;
use axum::extract::{Form, Path as UrlPath, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use quartier_store::{Role, User};
use serde::Deserialize;

use crate::api::{self, CreateUser, NewParticipant, PARTICIPANT_ROLES};
use crate::auth::{self, CurrentUser, MaybeUser};
use crate::error::{ApiError, InputProblem};
use crate::html::{esc, group_thousands};
use crate::i18n::{Lang, day_label, t};
use crate::page_support::{LangQuery, PageContext, PageError, check_csrf};
use crate::{AppState, input};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/districts/{id}/people", get(people_page))
        .route("/districts/{id}/people/add", post(add_participant_form))
        .route(
            "/districts/{id}/people/{prm}/edit",
            post(edit_participant_form),
        )
        .route(
            "/districts/{id}/people/{prm}/erase",
            post(erase_participant_form),
        )
        .route("/districts/{id}/logins/add", post(add_login_form))
        .route(
            "/districts/{id}/logins/{username}/reset",
            post(reset_login_form),
        )
        .route(
            "/districts/{id}/logins/{username}/revoke",
            post(revoke_login_form),
        )
        .route("/participants/{prm}/coverage", get(coverage_page))
        .route("/account", get(account_page).post(password_form))
        .route("/audit", get(audit_page))
}

/// A participant role in `l`.
pub(crate) fn role_label(l: Lang, role: &str) -> String {
    esc(&crate::i18n::value_label(l, "role", role))
}

/// A user role in `l`.
fn user_role_label(l: Lang, role: Role) -> &'static str {
    t(
        l,
        match role {
            Role::Programme => "role_programme",
            Role::Organiser => "role_organiser",
            Role::Participant => "role_participant",
            Role::Laureate => "role_laureate",
            Role::Applicant => "role_applicant",
            Role::Reviewer => "role_reviewer",
        },
    )
}

fn paris_day(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&Paris).date_naive()
}

/// A whole number in `l` (thousands grouped with a narrow space).
fn count(l: Lang, n: i64) -> String {
    let point = if l == Lang::Fr { ',' } else { '.' };
    group_thousands(n as f64, 0, point)
}

/// Where meter `prm`'s stored curve starts and ends (a link to its days) and how many points it
/// has, from a district's `coverage`; "no curve" without one.
pub(crate) fn curve_span(
    l: Lang,
    coverage: &[(String, quartier_store::TimeRange, i64)],
    prm: &str,
) -> String {
    match coverage.iter().find(|c| c.0 == prm) {
        Some((_, (first, last), n)) => format!(
            "<a href=\"/participants/{p}/coverage?lang={lc}\">{} → {}</a> ({} {})",
            day_label(l, paris_day(*first)),
            day_label(l, paris_day(*last)),
            count(l, *n),
            t(l, "points"),
            p = esc(prm),
            lc = l.code(),
        ),
        None => t(l, "no_curve").to_string(),
    }
}

fn hidden_csrf(user: &CurrentUser) -> String {
    format!(
        "<input type=hidden name=csrf value=\"{}\">",
        esc(&user.csrf_token)
    )
}

fn role_select(l: Lang, name: &str, selected: &str) -> String {
    let options: String = PARTICIPANT_ROLES
        .iter()
        .map(|r| {
            format!(
                "<option value={r}{}>{}</option>",
                if *r == selected { " selected" } else { "" },
                role_label(l, r)
            )
        })
        .collect();
    format!("<select name={name}>{options}</select>")
}

async fn people_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    let l = p.lang;
    let lc = l.code();
    let go = async {
        let d = api::managed_district(&state, &p.user, id, ApiError::NotFound).await?;
        let participants = state.store.participants(id).await?;
        let coverage = state.store.curve_coverage(id).await?;
        let users: Vec<User> = state
            .store
            .district_users(id)
            .await?
            .into_iter()
            .filter(|u| is_managed_login(&p.user, id, u))
            .collect();
        let csrf = hidden_csrf(&p.user);
        let mut rows = String::new();
        for pa in &participants {
            let prm = esc(&pa.prm);
            let curve = curve_span(l, &coverage, &pa.prm);
            rows.push_str(&format!(
                "<tr id=\"p-{prm}\"><td><a href=\"/participants/{prm}?lang={lc}\">{prm}</a>{shared}</td>\
                 <td><form method=post action=\"/districts/{id}/people/{prm}/edit?lang={lc}\" class=row>{csrf}\
                 <input name=name value=\"{name}\" maxlength={max} required> {roles} <button>{save}</button></form></td>\
                 <td>{curve}</td>\
                 <td><form method=post action=\"/districts/{id}/people/{prm}/erase?lang={lc}\">{csrf}\
                 <label><input type=checkbox name=confirm value=yes required> {confirm}</label> \
                 <button>{erase}</button></form></td></tr>",
                shared = if pa.shared_at.is_some() {
                    format!(" <small>({})</small>", t(l, "shared"))
                } else {
                    String::new()
                },
                name = esc(&pa.name),
                max = input::MAX_NAME_CHARS,
                roles = role_select(l, "role", &pa.role),
                save = t(l, "asset_save"),
                confirm = t(l, "erase_confirm"),
                erase = t(l, "erase"),
            ));
        }
        let add = format!(
            "<form id=add-participant method=post action=\"/districts/{id}/people/add?lang={lc}\">{csrf}\
             <label>PRM <input name=prm pattern=\"[0-9]{{14}}\" required></label> \
             <label>{n} <input name=name maxlength={max} required></label> \
             <label>{r} {roles}</label> <button>{a}</button></form>",
            n = t(l, "col_name"),
            max = input::MAX_NAME_CHARS,
            r = t(l, "col_role"),
            roles = role_select(l, "role", "consumer"),
            a = t(l, "add_participant"),
        );
        let mut logins = String::new();
        for u in &users {
            let name = esc(&u.username);
            logins.push_str(&format!(
                "<tr id=\"u-{name}\"><td>{name}</td><td>{role}</td><td>{prm}</td>\
                 <td><form method=post action=\"/districts/{id}/logins/{name}/reset?lang={lc}\">{csrf}\
                 <input type=password name=password minlength=10 autocomplete=new-password required> \
                 <button>{reset}</button></form></td>\
                 <td><form method=post action=\"/districts/{id}/logins/{name}/revoke?lang={lc}\">{csrf}\
                 <button>{revoke}</button></form></td></tr>",
                role = user_role_label(l, u.role),
                prm = esc(u.prm.as_deref().unwrap_or("—")),
                reset = t(l, "reset"),
                revoke = t(l, "revoke"),
            ));
        }
        let prm_options: String = participants
            .iter()
            .map(|pa| {
                format!(
                    "<option value=\"{v}\">{n} — {v}</option>",
                    v = esc(&pa.prm),
                    n = esc(&pa.name)
                )
            })
            .collect();
        let login_roles = if p.user.user.role == Role::Programme {
            format!(
                "<select name=role><option value=participant>{}</option>\
                 <option value=organiser>{}</option></select>",
                t(l, "role_participant"),
                t(l, "role_organiser")
            )
        } else {
            format!(
                "<input type=hidden name=role value=participant>{}",
                t(l, "role_participant")
            )
        };
        let add_login = format!(
            "<form id=add-login method=post action=\"/districts/{id}/logins/add?lang={lc}\">{csrf}\
             <label>{un} <input name=username required></label> \
             <label>{pw} <input type=password name=password minlength=10 autocomplete=new-password required></label> \
             <label>{r} {login_roles}</label> \
             <label>{m} <select name=prm><option value=\"\">—</option>{prm_options}</select></label> \
             <button>{a}</button></form><p><small>{hint}</small></p>",
            un = t(l, "username"),
            pw = t(l, "password"),
            r = t(l, "col_role"),
            m = t(l, "participant"),
            a = t(l, "add_login"),
            hint = t(l, "password_hint"),
        );
        let body = format!(
            "<p><a href=\"/districts/{id}?lang={lc}\">← {dn}</a></p>\
             <section><h2>{ph}</h2><table id=participants><tr><th>PRM</th><th>{cn} · {cr}</th>\
             <th>{cc}</th><th>{ce}</th></tr>{rows}</table>{add}</section>\
             <section><h2>{lh}</h2><table id=logins><tr><th>{un}</th><th>{cr}</th><th>PRM</th>\
             <th>{rp}</th><th></th></tr>{logins}</table>{add_login}</section>",
            dn = esc(&d.name),
            ph = t(l, "participants"),
            cn = t(l, "col_name"),
            cr = t(l, "col_role"),
            cc = t(l, "col_curve"),
            ce = t(l, "erase"),
            lh = t(l, "logins"),
            un = t(l, "username"),
            rp = t(l, "reset_password"),
        );
        Ok::<_, ApiError>(p.render(&format!("{} — {}", t(l, "people_title"), d.name), &body))
    };
    p.respond(go.await)
}

/// Where a form on the people page of district `id` goes back to.
fn back_to_people(p: &PageContext, id: i64) -> Response {
    Redirect::to(&format!("/districts/{id}/people?lang={}", p.lang.code())).into_response()
}

#[derive(Deserialize)]
struct ParticipantForm {
    csrf: String,
    #[serde(default)]
    prm: String,
    name: String,
    role: String,
}

async fn add_participant_form(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<ParticipantForm>,
) -> Result<Response, PageError> {
    let p = PageContext::new(user, q.pick(&headers));
    let csrf = f.csrf.clone();
    let work = async {
        let new = NewParticipant {
            prm: f.prm.trim().to_string(),
            name: f.name,
            role: f.role,
            share: false,
        };
        api::register_participant(&state, &p.user, id, new).await?;
        Ok(())
    };
    people_form(&state, &p, id, &csrf, work).await
}

async fn edit_participant_form(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath((id, prm)): UrlPath<(i64, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<ParticipantForm>,
) -> Result<Response, PageError> {
    let p = PageContext::new(user, q.pick(&headers));
    let csrf = f.csrf.clone();
    let work =
        async { crate::people::update_participant(&state, id, &prm, &f.name, &f.role).await };
    people_form(&state, &p, id, &csrf, work).await
}

#[derive(Deserialize)]
struct EraseForm {
    csrf: String,
    #[serde(default)]
    confirm: String,
}

async fn erase_participant_form(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath((id, prm)): UrlPath<(i64, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<EraseForm>,
) -> Result<Response, PageError> {
    let p = PageContext::new(user, q.pick(&headers));
    let csrf = f.csrf.clone();
    let work = async {
        if f.confirm != "yes" {
            return Err(ApiError::Invalid(vec![InputProblem::field(
                "confirm",
                t(p.lang, "erase_unconfirmed").into(),
                None,
            )]));
        }
        let erased = state
            .store
            .erase_participant(id, &prm)
            .await?
            .ok_or(ApiError::NotFound)?;
        Ok(erased.forgotten)
    };
    people_form_forgetting(&state, &p, id, &csrf, work).await
}

#[derive(Deserialize)]
struct LoginForm {
    csrf: String,
    username: String,
    password: String,
    role: String,
    #[serde(default)]
    prm: String,
}

async fn add_login_form(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let p = PageContext::new(user, q.pick(&headers));
    let csrf = f.csrf.clone();
    let work = async {
        let req = CreateUser {
            username: f.username,
            password: f.password,
            role: f.role,
            district_id: Some(id),
            prm: Some(f.prm).filter(|s| !s.is_empty()),
            experiment: None,
        };
        api::new_login(&state, &p.user, req).await?;
        Ok(())
    };
    people_form(&state, &p, id, &csrf, work).await
}

#[derive(Deserialize)]
struct ResetForm {
    csrf: String,
    password: String,
}

/// The login `username` of district `id` (which `p`'s user manages: `people_form` checked),
/// when that user manages the login; 404 otherwise.
async fn managed_login(
    state: &AppState,
    p: &PageContext,
    id: i64,
    username: &str,
) -> Result<User, ApiError> {
    state
        .store
        .user_by_name(username)
        .await?
        .filter(|u| is_managed_login(&p.user, id, u))
        .ok_or(ApiError::NotFound)
}

/// A login of district `id` that `me` manages (`people::manages_user`), other than their own.
fn is_managed_login(me: &CurrentUser, id: i64, u: &User) -> bool {
    u.district_id == Some(id) && u.id != me.user.id && crate::people::manages_user(me, u)
}

async fn reset_login_form(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath((id, username)): UrlPath<(i64, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<ResetForm>,
) -> Result<Response, PageError> {
    let p = PageContext::new(user, q.pick(&headers));
    let csrf = f.csrf.clone();
    let work = async {
        let u = managed_login(&state, &p, id, &username).await?;
        crate::people::reset_password(&state, &u, &f.password, "password").await
    };
    people_form(&state, &p, id, &csrf, work).await
}

async fn revoke_login_form(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath((id, username)): UrlPath<(i64, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<crate::page_support::CsrfForm>,
) -> Result<Response, PageError> {
    let p = PageContext::new(user, q.pick(&headers));
    let csrf = f.csrf.clone();
    let work = async {
        let u = managed_login(&state, &p, id, &username).await?;
        state.store.delete_user(u.id).await?;
        Ok(vec![u.username])
    };
    people_form_forgetting(&state, &p, id, &csrf, work).await
}

/// A form of the people page of district `id`: the form's token and that the user manages the
/// district (404 otherwise) are checked, then `work` runs; the answer is the way back to the
/// people page, or the failure in the page's frame with a link back to it.
async fn people_form(
    state: &AppState,
    p: &PageContext,
    id: i64,
    csrf: &str,
    work: impl std::future::Future<Output = Result<(), ApiError>>,
) -> Result<Response, PageError> {
    let go = async {
        check_csrf(&p.user, csrf)?;
        api::managed_district(state, &p.user, id, ApiError::NotFound).await?;
        work.await
    };
    match go.await {
        Ok(()) => Ok(back_to_people(p, id)),
        Err(e) => Err(p
            .fail(e)
            .with_back(format!("/districts/{id}/people?lang={}", p.lang.code()))),
    }
}

/// [`people_form`] for an erasure: `work` returns the identifiers it erased, which the audit
/// entry of this request hides too ([`crate::hardening::Forget`]).
async fn people_form_forgetting(
    state: &AppState,
    p: &PageContext,
    id: i64,
    csrf: &str,
    work: impl std::future::Future<Output = Result<Vec<String>, ApiError>>,
) -> Result<Response, PageError> {
    let mut forgotten = Vec::new();
    let work = async {
        forgotten = work.await?;
        Ok(())
    };
    let mut response = people_form(state, p, id, csrf, work).await?;
    response
        .extensions_mut()
        .insert(crate::hardening::Forget(forgotten));
    Ok(response)
}

/// Consecutive days of `days` as (first, last) periods.
fn periods(days: &BTreeSet<NaiveDate>) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for d in days {
        match out.last_mut() {
            Some((_, last)) if last.succ_opt() == Some(*d) => *last = *d,
            _ => out.push((*d, *d)),
        }
    }
    out
}

fn period_label(l: Lang, (a, b): (NaiveDate, NaiveDate)) -> String {
    let n = (b - a).num_days() + 1;
    let unit = t(l, if n == 1 { "day" } else { "days" });
    if a == b {
        format!("{} (1 {unit})", day_label(l, a))
    } else {
        format!(
            "{} → {} ({} {unit})",
            day_label(l, a),
            day_label(l, b),
            count(l, n)
        )
    }
}

async fn coverage_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(prm): UrlPath<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    let l = p.lang;
    let go = async {
        api::check_prm(&state, &p.user, &prm).await?;
        let mut days = BTreeSet::new();
        let mut points = 0i64;
        if let Some((first, last)) = state.store.curve_bounds(&prm).await? {
            let pts = state
                .store
                .curve(&prm, first, last + chrono::Duration::seconds(1))
                .await?;
            points = pts.len() as i64;
            days.extend(pts.iter().map(|pt| paris_day(pt.instant)));
        }
        let stored = periods(&days);
        let mut gaps = BTreeSet::new();
        if let (Some(a), Some(b)) = (days.first(), days.last()) {
            let mut d = *a;
            while d < *b {
                if !days.contains(&d) {
                    gaps.insert(d);
                }
                d = d.succ_opt().unwrap_or(*b);
            }
        }
        let list = |ps: Vec<(NaiveDate, NaiveDate)>| -> String {
            if ps.is_empty() {
                return format!("<p>{}</p>", t(l, "none"));
            }
            let items: String = ps
                .into_iter()
                .map(|r| format!("<li>{}</li>", period_label(l, r)))
                .collect();
            format!("<ul>{items}</ul>")
        };
        let body = format!(
            "<p><a href=\"/participants/{pe}?lang={lc}\">← {pe}</a></p>\
             <section><p>{np}: <strong>{n}</strong> · {nd}: <strong>{d}</strong></p>\
             <h2>{sh}</h2><div id=stored>{s}</div><h2>{gh}</h2><div id=gaps>{g}</div></section>",
            pe = esc(&prm),
            lc = l.code(),
            np = t(l, "points"),
            n = count(l, points),
            nd = t(l, "days"),
            d = count(l, days.len() as i64),
            sh = t(l, "coverage_ranges"),
            s = list(stored),
            gh = t(l, "coverage_gaps"),
            g = list(periods(&gaps)),
        );
        Ok::<_, ApiError>(p.render(&format!("{} — {}", t(l, "coverage_title"), prm), &body))
    };
    p.respond(go.await)
}

#[derive(Deserialize)]
struct AccountQuery {
    lang: Option<String>,
    done: Option<String>,
}

async fn account_page(
    MaybeUser(u): MaybeUser,
    Query(q): Query<AccountQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, Lang::pick(q.lang.as_deref(), &headers))?;
    let l = p.lang;
    let done = if q.done.is_some() {
        format!("<p id=done>{}</p>", t(l, "password_changed"))
    } else {
        String::new()
    };
    let body = format!(
        "{done}<section><p>{un}: <strong>{name}</strong> · {r}: {role}</p>\
         <form id=password method=post action=\"/account?lang={lc}\">{csrf}\
         <p><label>{cur}<br><input type=password name=current_password autocomplete=current-password required></label></p>\
         <p><label>{new}<br><input type=password name=new_password minlength=10 autocomplete=new-password required></label></p>\
         <p><small>{hint}</small></p><button>{go}</button></form></section>",
        un = t(l, "username"),
        name = esc(&p.user.user.username),
        r = t(l, "col_role"),
        role = user_role_label(l, p.user.user.role),
        lc = l.code(),
        csrf = hidden_csrf(&p.user),
        cur = t(l, "current_password"),
        new = t(l, "new_password"),
        hint = t(l, "password_hint"),
        go = t(l, "change_password"),
    );
    Ok(p.render(t(l, "account"), &body))
}

#[derive(Deserialize)]
struct PasswordForm {
    csrf: String,
    current_password: String,
    new_password: String,
}

async fn password_form(
    State(state): State<AppState>,
    user: CurrentUser,
    client: auth::Client,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let p = PageContext::new(user, q.pick(&headers));
    let go = async {
        check_csrf(&p.user, &f.csrf)?;
        crate::people::change_own_password(
            &state,
            &p.user,
            client,
            &f.current_password,
            &f.new_password,
        )
        .await?;
        Ok::<_, ApiError>(
            Redirect::to(&format!("/account?lang={}&done=1", p.lang.code())).into_response(),
        )
    };
    p.respond(go.await)
        .map_err(|e| e.with_back(format!("/account?lang={}", p.lang.code())))
}

async fn audit_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    let l = p.lang;
    let go = async {
        if p.user.user.role != Role::Programme {
            return Err(ApiError::NotFound);
        }
        let rows: String = state
            .store
            .audit_log(500, None)
            .await?
            .iter()
            .map(|e| {
                format!(
                    "<tr><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                    crate::i18n::instant_label(l, e.at),
                    esc(&e.username),
                    esc(&e.action),
                    e.status
                )
            })
            .collect();
        let body = format!(
            "<section><p><small>{note}</small></p><table id=audit><tr><th>{w}</th><th>{who}</th>\
             <th>{what}</th><th>{st}</th></tr>{rows}</table></section>",
            note = t(l, "audit_note"),
            w = t(l, "col_when"),
            who = t(l, "col_who"),
            what = t(l, "col_what"),
            st = t(l, "col_status"),
        );
        Ok(p.render(t(l, "audit"), &body))
    };
    p.respond(go.await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_read_in_the_page_language_and_collapse_into_periods() {
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        assert_eq!(day_label(Lang::Fr, d(6, 2)), "2 juin 2025");
        assert_eq!(day_label(Lang::En, d(12, 25)), "25 Dec 2025");
        let days: BTreeSet<NaiveDate> = [d(1, 1), d(1, 2), d(1, 3), d(1, 5), d(2, 28), d(3, 1)]
            .into_iter()
            .collect();
        assert_eq!(
            periods(&days),
            vec![(d(1, 1), d(1, 3)), (d(1, 5), d(1, 5)), (d(2, 28), d(3, 1))]
        );
        assert_eq!(
            period_label(Lang::Fr, (d(1, 1), d(1, 3))),
            "1 janv. 2025 → 3 janv. 2025 (3 jours)"
        );
    }
}

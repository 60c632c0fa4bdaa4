//! The pages of the calls for applications (no JavaScript): an applicant's sign-up, the calls,
//! an application as each role sees it (the applicant's form, documents and submission; a
//! reviewer's scoring or conflict; the programme team's reviewers, reviews and decision), and
//! the ranking. Each form is turned into the API's JSON and handled by [`crate::calls`]'s own
//! handler, so a page and the API check and store the same way; a refused form shows every
//! problem in the page's language.

use std::fmt::Write as _;

use axum::body::Bytes;
use axum::extract::{Form, Multipart, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use quartier_store::Role;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::{self, MaybeUser};
use crate::calls;
use crate::error::{ApiError, InputProblem};
use crate::html::{esc, page};
use crate::i18n::{Lang, t, value_label};
use crate::page_support::{LangQuery, PageContext, PageError, check_csrf};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_form).post(signup_submit))
        .route("/calls", get(calls_page))
        .route("/public/calls", get(public_calls))
        .route("/calls/{id}/apply", post(apply))
        .route("/calls/new", post(new_call))
        .route("/calls/{id}/ranking", get(ranking_page))
        .route("/applications", get(applications_page))
        .route("/applications/{id}", get(application_page))
        .route("/applications/{id}/save", post(save))
        .route("/applications/{id}/document", post(document))
        .route("/applications/{id}/submit", post(submit))
        .route("/applications/{id}/reviewers", post(assign))
        .route("/applications/{id}/review", post(review))
        .route("/applications/{id}/decision", post(decide))
}

/// A form's fields, in order (repeated names kept).
use crate::page_support::{FormFields as Fields, form_field as get_field};

fn problems_html(l: Lang, ps: &[InputProblem]) -> String {
    let mut o = format!(
        "<section id=form-errors><p class=err>{}</p><ul>",
        t(l, "form_rejected")
    );
    for p in ps {
        let (msg, exp) = match (&p.french, l) {
            (Some((m, e)), Lang::Fr) => (m.clone(), e.clone().or(p.expected.clone())),
            _ => (p.message.clone(), p.expected.clone()),
        };
        let _ = write!(
            o,
            "<li><b>{}</b> — {}{}</li>",
            esc(&p.path),
            esc(&msg),
            exp.map_or(String::new(), |e| format!(
                " ({} {})",
                t(l, "expected_word"),
                esc(&e)
            ))
        );
    }
    o.push_str("</ul></section>");
    o
}

/// The outcome of a form: back to the application (or `to`) when it went through; the
/// application page with the problems when it was refused.
async fn after(
    state: &AppState,
    p: &PageContext,
    id: i64,
    r: Result<(), ApiError>,
) -> Result<Response, ApiError> {
    match r {
        Ok(()) => {
            Ok(Redirect::to(&format!("/applications/{id}?lang={}", p.lang.code())).into_response())
        }
        Err(ApiError::Invalid(ps)) => draw_application(state, p, id, Some(&ps)).await,
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Sign-up

const SIGNUP_CSRF: &str = "quartier_signup_csrf";

async fn signup_form(
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let l = q.pick(&headers);
    let token = auth::random_token()?;
    let body = format!(
        "<p>{hint}</p><section><form method=post action=\"/signup?lang={lc}\"><input type=hidden name=csrf value=\"{token}\">\
         <p><label>{u}<br><input name=username autocomplete=username required></label></p>\
         <p><label>{p}<br><input name=password type=password minlength=10 autocomplete=new-password required></label></p>\
         <button>{b}</button></form></section>",
        hint = t(l, "signup_hint"),
        lc = l.code(),
        u = t(l, "username"),
        p = t(l, "password"),
        b = t(l, "signup"),
    );
    let cookie =
        format!("{SIGNUP_CSRF}={token}; Path=/signup; HttpOnly; SameSite=Strict; Max-Age=3600");
    Ok((
        [(header::SET_COOKIE, cookie)],
        Html(page(l, t(l, "signup"), None, &body)),
    )
        .into_response())
}

async fn signup_submit(
    State(state): State<AppState>,
    client: auth::Client,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    let l = q.pick(&headers);
    if auth::cookie(&headers, SIGNUP_CSRF).as_deref() != Some(get_field(&f, "csrf")) {
        return Err(ApiError::Forbidden.into());
    }
    let body =
        json!({"username": get_field(&f, "username"), "password": get_field(&f, "password")});
    match calls::create_applicant(State(state), client, Bytes::from(body.to_string())).await {
        Ok(_) => Ok(Redirect::to(&format!("/login?lang={}", l.code())).into_response()),
        Err(ApiError::Invalid(ps)) => {
            Ok(Html(page(l, t(l, "signup"), None, &problems_html(l, &ps))).into_response())
        }
        Err(ApiError::Conflict(_)) => {
            let ps = [InputProblem::field(
                "username",
                "this username is taken".into(),
                Some("another username".into()),
            )
            .fr(
                "ce nom d'utilisateur est pris",
                Some("un autre nom d'utilisateur".into()),
            )];
            Ok(Html(page(l, t(l, "signup"), None, &problems_html(l, &ps))).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------------
// Calls and applications

async fn calls_page(
    State(state): State<AppState>,
    u: MaybeUser,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u.0, q.pick(&headers))?;
    let work = async {
        let Json(v) = calls::list_calls(State(state.clone()), p.user.clone()).await?;
        let l = p.lang;
        let lc = l.code();
        let mut body = format!(
            "<p><a href=\"/applications?lang={lc}\">{}</a></p><section><table class=portfolio><tr><th>{}</th><th>{}</th><th>{}</th><th></th></tr>",
            t(l, "applications"),
            t(l, "call"),
            t(l, "call_dates"),
            t(l, "status")
        );
        for c in v["calls"].as_array().into_iter().flatten() {
            let id = c["id"].as_i64().unwrap_or_default();
            let open = c["open"].as_bool().unwrap_or(false);
            let action = match p.user.user.role {
                Role::Applicant if open => format!(
                    "<form method=post action=\"/calls/{id}/apply?lang={lc}\" class=inline><input type=hidden name=csrf value=\"{}\"><button>{}</button></form>",
                    esc(&p.user.csrf_token),
                    t(l, "apply")
                ),
                Role::Programme => format!(
                    "<a href=\"/calls/{id}/ranking?lang={lc}\">{}</a>",
                    t(l, "ranking")
                ),
                _ => String::new(),
            };
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{} → {}</td><td>{}</td><td>{action}</td></tr>",
                esc(c["title"].as_str().unwrap_or("")),
                esc(c["opens"].as_str().and_then(|d| d.get(..10)).unwrap_or("")),
                esc(c["closes"].as_str().and_then(|d| d.get(..10)).unwrap_or("")),
                t(l, if open { "call_open" } else { "call_closed" })
            );
        }
        body.push_str("</table></section>");
        if p.user.user.role == Role::Programme {
            body.push_str(&new_call_form(&p));
        }
        Ok(p.render(t(l, "calls"), &body))
    };
    p.respond(work.await)
}

/// The programme team's form for a new call: its title, themes, dates (Paris time), rules, up
/// to three questions and four weighted criteria.
fn new_call_form(p: &PageContext) -> String {
    let l = p.lang;
    let themes: String = quartier_model::THEMES
        .iter()
        .map(|th| {
            format!(
                "<label><input type=checkbox name=theme value=\"{th}\"> {}</label> ",
                esc(&value_label(l, "theme", th))
            )
        })
        .collect();
    let questions: String = (0..3)
        .map(|i| {
            format!(
                "<tr><td><input name=q_key size=12></td><td><input name=q_text size=50></td>\
                 <td><input type=checkbox name=q_required value=\"{i}\"></td></tr>"
            )
        })
        .collect();
    let criteria: String = (0..4)
        .map(|_| {
            "<tr><td><input name=c_key size=12></td><td><input name=c_text size=50></td>\
             <td><input name=c_weight type=number min=0 max=100></td></tr>"
                .to_string()
        })
        .collect();
    format!(
        "<section><h2>{h}</h2><form id=call-form method=post action=\"/calls/new?lang={lc}\">\
         <input type=hidden name=csrf value=\"{csrf}\">\
         <p><label>{ti}<br><input name=title size=80 required></label></p><p>{themes}</p>\
         <p><label>{op} <input type=datetime-local name=opens required></label> \
         <label>{cl} <input type=datetime-local name=closes required></label> (Europe/Paris)</p>\
         <p><label>{co}<br><input name=communes size=80></label></p>\
         <p><label>{bu} <input name=max_budget_eur size=10></label> \
         <label>{mo} <input name=max_months type=number value=24 min=1 max=24></label> \
         <label>{kp} <input name=min_kpis type=number value=1 min=0></label> \
         <label>{dc} <input name=min_documents type=number value=1 min=0></label></p>\
         <table><tr><th>{qk}</th><th>{qt}</th><th>{qr}</th></tr>{questions}</table>\
         <table><tr><th>{qk}</th><th>{ct}</th><th>{cw}</th></tr>{criteria}</table>\
         <button>{open}</button></form></section>",
        h = t(l, "call_new"),
        lc = l.code(),
        csrf = esc(&p.user.csrf_token),
        ti = t(l, "call"),
        op = t(l, "call_opens"),
        cl = t(l, "call_closes"),
        co = t(l, "call_communes_field"),
        bu = t(l, "call_budget"),
        mo = t(l, "call_months"),
        kp = t(l, "call_kpis"),
        dc = t(l, "call_documents"),
        qk = t(l, "call_key"),
        qt = t(l, "call_questions"),
        qr = t(l, "call_required"),
        ct = t(l, "call_grid"),
        cw = t(l, "call_weight"),
        open = t(l, "call_open_button"),
    )
}

/// A local date-time of the form (`2025-01-31T23:59`, Paris) as RFC 3339; as typed when it
/// does not read (the API then says what is wrong with it).
fn paris_rfc3339(s: &str) -> String {
    use chrono::TimeZone;
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M")
        .ok()
        .and_then(|n| chrono_tz::Europe::Paris.from_local_datetime(&n).earliest())
        .map_or_else(|| s.to_string(), |t| t.to_rfc3339())
}

/// `POST /calls/new`: the programme team opens a call from the form.
async fn new_call(
    State(state): State<AppState>,
    u: MaybeUser,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u.0, q.pick(&headers))?;
    let work = async {
        check_csrf(&p.user, get_field(&f, "csrf"))?;
        let all = |name: &str| -> Vec<String> {
            f.iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.trim().to_string())
                .collect()
        };
        let required = all("q_required");
        let questions: Vec<Value> = all("q_key")
            .into_iter()
            .zip(all("q_text"))
            .enumerate()
            .filter(|(_, (k, _))| !k.is_empty())
            .map(|(i, (key, text))| {
                json!({"key": key, "text": text, "required": required.contains(&i.to_string())})
            })
            .collect();
        let criteria: Vec<Value> = all("c_key")
            .into_iter()
            .zip(all("c_text"))
            .zip(all("c_weight"))
            .filter(|((k, _), _)| !k.is_empty())
            .map(|((key, text), w)| {
                json!({"key": key, "text": text, "weight_percent": w.parse::<u32>().unwrap_or(0)})
            })
            .collect();
        let number =
            |name: &str, default: u64| get_field(&f, name).trim().parse::<u64>().unwrap_or(default);
        let budget = get_field(&f, "max_budget_eur").trim();
        let communes: Vec<&str> = get_field(&f, "communes")
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        let body = json!({
            "title": get_field(&f, "title").trim(),
            "themes": all("theme"),
            "opens": paris_rfc3339(get_field(&f, "opens")),
            "closes": paris_rfc3339(get_field(&f, "closes")),
            "eligibility": {
                "communes": communes,
                "max_budget_eur": (!budget.is_empty()).then_some(budget),
                "max_months": number("max_months", 24),
                "min_kpis": number("min_kpis", 1),
                "min_documents": number("min_documents", 1),
            },
            "questions": questions,
            "criteria": criteria,
        });
        match calls::create_call(State(state.clone()), p.user.clone(), body_of(body)).await {
            Ok(_) => Ok(Redirect::to(&format!("/calls?lang={}", p.lang.code())).into_response()),
            Err(ApiError::Invalid(ps)) => {
                let body = problems_html(p.lang, &ps) + &new_call_form(&p);
                let page = p.render(t(p.lang, "calls"), &body);
                Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
            }
            Err(e) => Err(e),
        }
    };
    p.respond(work.await)
}

/// `GET /public/calls`: the open calls, signed out: their dates, themes, rules, questions and
/// scoring grid, and the way to apply.
async fn public_calls(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    let l = q.pick(&headers);
    let lc = l.code();
    let now = chrono::Utc::now();
    let mut body = String::new();
    for row in state.store.calls().await? {
        if !calls::is_open(&row, now) {
            continue;
        }
        let Ok(def) = serde_json::from_str::<Value>(&row.definition) else {
            continue;
        };
        let list = |v: &Value, f: &dyn Fn(&Value) -> String| -> String {
            v.as_array()
                .into_iter()
                .flatten()
                .map(|x| format!("<li>{}</li>", f(x)))
                .collect()
        };
        let e = &def["eligibility"];
        let _ = write!(
            body,
            "<section class=call><h2>{title}</h2><p>{dates} {opens} → {closes} (UTC)</p>             <p><b>{th}</b> {themes}</p><h3>{rules}</h3><ul><li>{cl} {communes}</li><li>{bl} {budget} €</li><li>{ml} {months}</li><li>{kl} {kpis}</li></ul>             <h3>{questions_h}</h3><ul>{questions}</ul><h3>{grid_h}</h3><ul>{criteria}</ul>             <p><a href=\"/signup?lang={lc}\">{signup}</a></p></section>",
            title = esc(&row.title),
            dates = t(l, "call_dates"),
            opens = row.opens_at.format("%Y-%m-%d %H:%M"),
            closes = row.closes_at.format("%Y-%m-%d %H:%M"),
            th = t(l, "pf_theme"),
            themes = def["themes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|x| esc(&value_label(l, "theme", x)))
                .collect::<Vec<_>>()
                .join(", "),
            rules = t(l, "call_rules"),
            cl = t(l, "call_communes"),
            communes = esc(&e["communes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ")),
            bl = t(l, "call_budget"),
            budget = esc(e["max_budget_eur"].as_str().unwrap_or("—")),
            ml = t(l, "call_months"),
            months = e["max_months"],
            kl = t(l, "call_kpis"),
            kpis = e["min_kpis"],
            questions_h = t(l, "call_questions"),
            questions = list(&def["questions"], &|x| esc(x["text"]
                .as_str()
                .unwrap_or(""))),
            grid_h = t(l, "call_grid"),
            criteria = list(&def["criteria"], &|x| format!(
                "{} — {} %",
                esc(x["text"].as_str().unwrap_or("")),
                x["weight_percent"]
            )),
            signup = t(l, "signup"),
        );
    }
    if body.is_empty() {
        let _ = write!(body, "<p>{}</p>", t(l, "call_none_open"));
    }
    Ok(Html(page(l, t(l, "calls"), None, &body)))
}

async fn apply(
    State(state): State<AppState>,
    u: MaybeUser,
    UrlPath(call_id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u.0, q.pick(&headers))?;
    let work = async {
        check_csrf(&p.user, get_field(&f, "csrf"))?;
        let (_, Json(v)) = calls::create_application(
            State(state.clone()),
            p.user.clone(),
            UrlPath(call_id),
            Bytes::from_static(b"{}"),
        )
        .await?;
        let id = v["id"].as_i64().unwrap_or_default();
        Ok(Redirect::to(&format!("/applications/{id}?lang={}", p.lang.code())).into_response())
    };
    p.respond(work.await)
}

async fn applications_page(
    State(state): State<AppState>,
    u: MaybeUser,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u.0, q.pick(&headers))?;
    let work = async {
        let Json(v) = calls::list_applications(State(state.clone()), p.user.clone()).await?;
        let l = p.lang;
        let mut body = format!(
            "<section><table class=portfolio><tr><th>#</th><th>{}</th><th>{}</th></tr>",
            t(l, "exp_experiment"),
            t(l, "status")
        );
        for a in v["applications"].as_array().into_iter().flatten() {
            let id = a["id"].as_i64().unwrap_or_default();
            let title = a["form"]["title"]
                .as_str()
                .filter(|s| !s.is_empty())
                .unwrap_or("—");
            let _ = write!(
                body,
                "<tr><td>{id}</td><td><a href=\"/applications/{id}?lang={}\">{}</a></td><td>{}</td></tr>",
                l.code(),
                esc(title),
                esc(&value_label(
                    l,
                    "app_status",
                    a["status"].as_str().unwrap_or("")
                ))
            );
        }
        body.push_str("</table></section>");
        Ok(p.render(t(l, "applications"), &body))
    };
    p.respond(work.await)
}

fn input(name: &str, label: &str, value: &str, kind: &str) -> String {
    format!(
        "<p><label>{label}<br><input name={name} type={kind} value=\"{}\"></label></p>",
        esc(value)
    )
}

/// The application page for `p`'s user, with `problems` of the form just refused.
async fn draw_application(
    state: &AppState,
    p: &PageContext,
    id: i64,
    problems: Option<&[InputProblem]>,
) -> Result<Response, ApiError> {
    let Json(a) =
        calls::read_application(State(state.clone()), p.user.clone(), UrlPath(id)).await?;
    let call_id = a["call_id"].as_i64().unwrap_or_default();
    let Json(call) =
        calls::read_call(State(state.clone()), p.user.clone(), UrlPath(call_id)).await?;
    let def = &call["definition"];
    let l = p.lang;
    let lc = l.code();
    let csrf = format!(
        "<input type=hidden name=csrf value=\"{}\">",
        esc(&p.user.csrf_token)
    );
    let form = &a["form"];
    let status = a["status"].as_str().unwrap_or("");
    let mut body = format!(
        "<p><a href=\"/applications?lang={lc}\">{}</a></p><p><b>{}</b> — {} <span class=\"badge st-ok\" id=app-status>{}</span></p>",
        t(l, "applications"),
        esc(call["title"].as_str().unwrap_or("")),
        t(l, "status"),
        esc(&value_label(l, "app_status", status)),
    );
    if let Some(e) = a["experiment"].as_str() {
        let _ = write!(
            body,
            "<p>{} <a href=\"/experiments/{e}?lang={lc}\">{e}</a></p>",
            t(l, "became_experiment")
        );
    }
    if let Some(ps) = problems {
        body.push_str(&problems_html(l, ps));
    }
    let role = p.user.user.role;
    let draft = status == "draft" && call["open"].as_bool() == Some(true);
    if role == Role::Applicant && draft {
        let kpis = form["kpis"].as_array().cloned().unwrap_or_default();
        let mut kpi_rows = String::new();
        for i in 0..3 {
            let k = kpis.get(i).cloned().unwrap_or(Value::Null);
            let _ = write!(
                kpi_rows,
                "<tr><td><input name=kpi_name value=\"{}\"></td><td><input name=kpi_unit value=\"{}\"></td><td><input name=kpi_target value=\"{}\"></td></tr>",
                esc(k["name"].as_str().unwrap_or("")),
                esc(k["unit"].as_str().unwrap_or("")),
                k["target"]
                    .as_f64()
                    .map_or(String::new(), |x| x.to_string())
            );
        }
        let mut themes = String::new();
        for th in def["themes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            let sel = if form["theme"].as_str() == Some(th) {
                " selected"
            } else {
                ""
            };
            let _ = write!(
                themes,
                "<option value=\"{th}\"{sel}>{}</option>",
                esc(&value_label(l, "theme", th))
            );
        }
        let mut answers = String::new();
        for qn in def["questions"].as_array().into_iter().flatten() {
            let key = qn["key"].as_str().unwrap_or("");
            let _ = write!(
                answers,
                "<p><label>{}<br><textarea name=\"answer_{}\" rows=4 cols=80>{}</textarea></label></p>",
                esc(qn["text"].as_str().unwrap_or("")),
                esc(key),
                esc(form["answers"][key].as_str().unwrap_or(""))
            );
        }
        let _ = write!(
            body,
            "<section><h2>{h}</h2><form id=application-form method=post action=\"/applications/{id}/save?lang={lc}\">{csrf}\
             {title}{commune}<p><label>{th}<br><select name=theme>{themes}</select></label></p>\
             <p><label>{su}<br><textarea name=summary rows=4 cols=80>{summary}</textarea></label></p>\
             {budget}{start}{months}<table><tr><th>{kn}</th><th>{ku}</th><th>{kt}</th></tr>{kpi_rows}</table>{answers}\
             <button>{save}</button></form></section>",
            h = t(l, "app_form"),
            title = input(
                "title",
                t(l, "exp_experiment"),
                form["title"].as_str().unwrap_or(""),
                "text"
            ),
            commune = input(
                "commune",
                t(l, "exp_commune"),
                form["commune"].as_str().unwrap_or(""),
                "text"
            ) + &input(
                "district",
                t(l, "app_district"),
                form["district"].as_str().unwrap_or(""),
                "text"
            ),
            th = t(l, "pf_theme"),
            su = t(l, "app_summary"),
            summary = esc(form["summary"].as_str().unwrap_or("")),
            budget = input(
                "budget_eur",
                t(l, "app_budget"),
                form["budget_eur"].as_str().unwrap_or(""),
                "text"
            ),
            start = input(
                "start",
                t(l, "app_start"),
                form["start"].as_str().unwrap_or(""),
                "date"
            ),
            months = input(
                "months",
                t(l, "app_months"),
                &form["months"].as_u64().unwrap_or(24).to_string(),
                "number"
            ),
            kn = t(l, "exp_indicator"),
            ku = t(l, "app_unit"),
            kt = t(l, "exp_target"),
            save = t(l, "app_save"),
        );
        let _ = write!(
            body,
            "<section><h2>{d}</h2><form id=document-form method=post enctype=\"multipart/form-data\" action=\"/applications/{id}/document?lang={lc}\">{csrf}\
             <input type=file name=file accept=\".pdf,application/pdf\" required> <button>{attach}</button></form>\
             <form id=submit-form method=post action=\"/applications/{id}/submit?lang={lc}\">{csrf}<p>{hint}</p><button>{submit}</button></form></section>",
            d = t(l, "app_documents"),
            attach = t(l, "app_attach"),
            hint = t(l, "app_submit_hint"),
            submit = t(l, "app_submit")
        );
    } else {
        let _ = write!(
            body,
            "<section><h2>{}</h2><p><b>{}</b> — {} — {}</p><p>{}</p></section>",
            t(l, "app_form"),
            esc(form["title"].as_str().unwrap_or("")),
            esc(form["commune"].as_str().unwrap_or("")),
            esc(&value_label(
                l,
                "theme",
                form["theme"].as_str().unwrap_or("")
            )),
            esc(form["summary"].as_str().unwrap_or(""))
        );
    }
    let docs = a["documents"].as_array().cloned().unwrap_or_default();
    if !docs.is_empty() {
        body.push_str("<section><ul id=documents>");
        for d in &docs {
            let _ = write!(
                body,
                "<li><a href=\"/api/v1/applications/{id}/documents/{}\">{}</a> ({} o)</li>",
                d["id"],
                esc(d["name"].as_str().unwrap_or("")),
                d["size_bytes"]
            );
        }
        body.push_str("</ul></section>");
    }
    if role == Role::Reviewer && a["decision"].is_null() {
        let mut scores = String::new();
        for c in def["criteria"].as_array().into_iter().flatten() {
            let key = c["key"].as_str().unwrap_or("");
            let options: String = (0..=5)
                .map(|s| format!("<option value=\"{s}\">{s}</option>"))
                .collect();
            let _ = write!(
                scores,
                "<tr><td>{} ({} %)</td><td><select name=\"score_{k}\">{options}</select></td><td><input name=\"comment_{k}\" size=40></td></tr>",
                esc(c["text"].as_str().unwrap_or("")),
                c["weight_percent"],
                k = esc(key)
            );
        }
        let _ = write!(
            body,
            "<section><h2>{h}</h2><form id=review-form method=post action=\"/applications/{id}/review?lang={lc}\">{csrf}<table>{scores}</table><button>{send}</button></form>\
             <form id=conflict-form method=post action=\"/applications/{id}/review?lang={lc}\">{csrf}<p><label>{cl}<br><input name=conflict size=60 required></label></p><button>{cb}</button></form></section>",
            h = t(l, "rev_title"),
            send = t(l, "rev_send"),
            cl = t(l, "rev_conflict"),
            cb = t(l, "rev_declare")
        );
    }
    let reviews = a["reviews"].as_array().cloned().unwrap_or_default();
    if !reviews.is_empty() {
        let _ = write!(
            body,
            "<section><h2>{}</h2><table id=reviews><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
            t(l, "rev_reviews"),
            t(l, "rev_reviewer"),
            t(l, "rev_total"),
            t(l, "rev_conflict_short")
        );
        for r in &reviews {
            let _ = write!(
                body,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(r["reviewer"].as_str().unwrap_or("")),
                r["total"]
                    .as_f64()
                    .map_or("—".into(), |x| crate::experiments::n(x, 1, l)),
                esc(r["conflict"].as_str().unwrap_or("—"))
            );
        }
        body.push_str("</table></section>");
    }
    if role == Role::Programme && status != "draft" {
        let _ = write!(
            body,
            "<section><h2>{h}</h2><form id=assign-form method=post action=\"/applications/{id}/reviewers?lang={lc}\">{csrf}<label>{u} <input name=username required></label> <button>{a}</button></form>\
             <form id=decision-form method=post action=\"/applications/{id}/decision?lang={lc}\">{csrf}<label>{d} <select name=decision>\
             <option value=selected>{s}</option><option value=waiting-list>{w}</option><option value=rejected>{r}</option></select></label> \
             <label>{e} <input name=experiment></label> <label>{dl} <select name=district_id>{dopts}</select></label> <button>{dec}</button></form></section>",
            h = t(l, "app_programme"),
            dl = t(l, "app_district_run"),
            dopts = district_options(state, l, form["district"].as_str()).await?,
            u = t(l, "rev_reviewer"),
            a = t(l, "app_assign"),
            d = t(l, "app_decision"),
            s = esc(&value_label(l, "app_status", "selected")),
            w = esc(&value_label(l, "app_status", "waiting-list")),
            r = esc(&value_label(l, "app_status", "rejected")),
            e = t(l, "app_experiment_slug"),
            dec = t(l, "app_decide")
        );
    }
    let title = format!("{} #{id}", t(l, "application"));
    let page = p.render(&title, &body);
    Ok(if problems.is_some() {
        (axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    } else {
        page
    })
}

/// The decision form's district choices: the one the application names (when the server
/// has it) first, then every district of the server, then none.
async fn district_options(
    state: &AppState,
    l: Lang,
    named: Option<&str>,
) -> Result<String, ApiError> {
    let districts = state.store.districts().await?;
    let mut out = format!(
        "<option value=\"\">{}</option>",
        esc(&match named.filter(|n| !n.trim().is_empty()) {
            Some(n) => format!("{} {n}", t(l, "app_district_named")),
            None => t(l, "app_district_none").to_string(),
        })
    );
    for d in districts {
        let _ = write!(out, "<option value={}>{}</option>", d.id, esc(&d.name));
    }
    Ok(out)
}

async fn application_page(
    State(state): State<AppState>,
    u: MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u.0, q.pick(&headers))?;
    p.respond(draw_application(&state, &p, id, None).await)
}

/// The applicant's form as the API's JSON.
fn form_json(f: &Fields) -> Value {
    let all = |name: &str| -> Vec<&str> {
        f.iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let (names, units, targets) = (all("kpi_name"), all("kpi_unit"), all("kpi_target"));
    let kpis: Vec<Value> = names
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.trim().is_empty())
        .map(|(i, n)| {
            let target = targets.get(i).and_then(|t| t.trim().replace(',', ".").parse::<f64>().ok());
            json!({"name": n.trim(), "unit": units.get(i).map_or("", |u| u.trim()),
                   "target": target.unwrap_or(f64::NAN).is_finite().then_some(target).flatten().unwrap_or(0.0)})
        })
        .collect();
    let answers: serde_json::Map<String, Value> = f
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("answer_").map(|k| (k.to_string(), json!(v))))
        .filter(|(_, v)| v.as_str().is_some_and(|s| !s.trim().is_empty()))
        .collect();
    json!({
        "title": get_field(f, "title"), "commune": get_field(f, "commune"), "theme": get_field(f, "theme"),
        "district": Some(get_field(f, "district").trim()).filter(|d| !d.is_empty()),
        "summary": get_field(f, "summary"), "kpis": kpis, "budget_eur": get_field(f, "budget_eur"),
        "start": get_field(f, "start"), "months": get_field(f, "months").trim().parse::<u32>().unwrap_or(0),
        "answers": answers,
    })
}

macro_rules! form_handler {
    ($name:ident, |$state:ident, $p:ident, $id:ident, $f:ident| $body:expr) => {
        async fn $name(
            State($state): State<AppState>,
            u: MaybeUser,
            UrlPath($id): UrlPath<i64>,
            Query(q): Query<LangQuery>,
            headers: HeaderMap,
            Form($f): Form<Fields>,
        ) -> Result<Response, PageError> {
            let $p = PageContext::signed_in(u.0, q.pick(&headers))?;
            let work = async {
                check_csrf(&$p.user, get_field(&$f, "csrf"))?;
                let r: Result<(), ApiError> = $body.await;
                after(&$state, &$p, $id, r).await
            };
            $p.respond(work.await)
        }
    };
}

fn body_of(v: Value) -> Bytes {
    Bytes::from(v.to_string())
}

form_handler!(save, |state, p, id, f| async {
    calls::update_application(
        State(state.clone()),
        p.user.clone(),
        UrlPath(id),
        body_of(form_json(&f)),
    )
    .await
    .map(|_| ())
});

form_handler!(submit, |state, p, id, f| async {
    calls::submit(State(state.clone()), p.user.clone(), UrlPath(id))
        .await
        .map(|_| ())
});

form_handler!(assign, |state, p, id, f| async {
    calls::assign_reviewer(
        State(state.clone()),
        p.user.clone(),
        UrlPath(id),
        body_of(json!({"username": get_field(&f, "username").trim()})),
    )
    .await
    .map(|_| ())
});

form_handler!(review, |state, p, id, f| async {
    let body = if !get_field(&f, "conflict").trim().is_empty() {
        json!({"conflict": get_field(&f, "conflict").trim()})
    } else {
        let scores: serde_json::Map<String, Value> = f
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    k.strip_prefix("score_")?.to_string(),
                    json!(v.parse::<u8>().ok()?),
                ))
            })
            .collect();
        let comments: serde_json::Map<String, Value> = f
            .iter()
            .filter_map(|(k, v)| Some((k.strip_prefix("comment_")?.to_string(), json!(v))))
            .filter(|(_, v)| v.as_str().is_some_and(|s| !s.trim().is_empty()))
            .collect();
        json!({"scores": scores, "comments": comments})
    };
    calls::put_review(
        State(state.clone()),
        p.user.clone(),
        UrlPath(id),
        body_of(body),
    )
    .await
    .map(|_| ())
});

form_handler!(decide, |state, p, id, f| async {
    let experiment = Some(get_field(&f, "experiment").trim()).filter(|s| !s.is_empty());
    calls::decide(
        State(state.clone()),
        p.user.clone(),
        UrlPath(id),
        body_of(json!({
            "decision": get_field(&f, "decision"),
            "experiment": experiment,
            "district_id": get_field(&f, "district_id").trim().parse::<i64>().ok(),
        })),
    )
    .await
    .map(|_| ())
});

async fn document(
    State(state): State<AppState>,
    u: MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    m: Multipart,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u.0, q.pick(&headers))?;
    let work = async {
        let crate::page_support::FileForm {
            csrf,
            file_name: name,
            bytes,
            ..
        } = crate::page_support::read_file_form(m).await?;
        let name = if name.is_empty() {
            "document.pdf".to_string()
        } else {
            name
        };
        check_csrf(&p.user, &csrf)?;
        let r = calls::add_document(
            State(state.clone()),
            p.user.clone(),
            UrlPath(id),
            Query(calls::DocumentQuery { name: Some(name) }),
            Bytes::from(bytes),
        )
        .await
        .map(|_| ());
        after(&state, &p, id, r).await
    };
    p.respond(work.await)
}

async fn ranking_page(
    State(state): State<AppState>,
    u: MaybeUser,
    UrlPath(call_id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u.0, q.pick(&headers))?;
    let work = async {
        let Json(v) =
            calls::ranking(State(state.clone()), p.user.clone(), UrlPath(call_id)).await?;
        let l = p.lang;
        let mut body = format!(
            "<section><p>{}</p><table id=ranking class=portfolio><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            t(l, "rank_hint"),
            t(l, "application"),
            t(l, "rev_total"),
            t(l, "rev_reviews"),
            t(l, "rev_conflict_short"),
            t(l, "rank_spread"),
            t(l, "status")
        );
        for r in v["ranking"].as_array().into_iter().flatten() {
            let id = r["application"].as_i64().unwrap_or_default();
            let num = |x: &Value| {
                x.as_f64()
                    .map_or("—".into(), |x| crate::experiments::n(x, 1, l))
            };
            let _ = write!(
                body,
                "<tr><td>{}</td><td><a href=\"/applications/{id}?lang={}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                r["rank"],
                l.code(),
                esc(r["title"].as_str().unwrap_or("")),
                num(&r["score"]),
                r["reviews"],
                r["conflicts"],
                num(&r["spread"]),
                esc(&value_label(
                    l,
                    "app_status",
                    r["status"].as_str().unwrap_or("")
                ))
            );
        }
        body.push_str("</table></section>");
        Ok(p.render(t(l, "ranking"), &body))
    };
    p.respond(work.await)
}

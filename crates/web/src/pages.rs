//! The dashboard: server-rendered HTML pages in French or English. Pages apply the same
//! visibility rules as the API (through the same helpers) and answer 404 for what the user
//! may not see. Forms carry the session's CSRF token; the login form a double-submit token.

use axum::Router;
use axum::extract::{Form, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use quartier_store::{JobStatus, Role};
use serde::Deserialize;
use serde_json::Value;

use quartier_report::svg;

use crate::api::{self, RangeQuery};
use crate::auth::{self, CurrentUser, MaybeUser};
use crate::error::ApiError;
use crate::html::{esc, page, signed};
use crate::i18n::{Lang, t};
use crate::page_support::{CsrfForm, PageContext, PageError, check_csrf};
use crate::{AppState, jobs};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/districts", get(district_list))
        .route("/districts/{id}", get(district_overview))
        .route("/districts/{id}/simulate", post(simulate))
        .route("/jobs/{id}", get(job_page))
        .route("/jobs/{id}/cancel", post(job_cancel_form))
        .route("/jobs/{id}/retry", post(job_retry_form))
        .route("/static/job.js", get(job_script))
        .route("/participants/{prm}", get(participant_page))
}

#[derive(Deserialize, Default)]
struct PageQuery {
    lang: Option<String>,
    from: Option<String>,
    days: Option<i64>,
    error: Option<String>,
}

fn lang(q: &PageQuery, h: &HeaderMap) -> Lang {
    Lang::pick(q.lang.as_deref(), h)
}

async fn home(MaybeUser(u): MaybeUser) -> Redirect {
    match u {
        None => Redirect::to("/login"),
        Some(u) => match (u.user.role, &u.user.prm) {
            (Role::Participant, Some(prm)) => Redirect::to(&format!("/participants/{prm}")),
            (Role::Applicant | Role::Reviewer, _) => Redirect::to("/calls"),
            (Role::Laureate, _) => Redirect::to(&format!(
                "/experiments/{}",
                u.user.experiment.as_deref().unwrap_or_default()
            )),
            _ => Redirect::to("/districts"),
        },
    }
}

const LOGIN_CSRF: &str = "quartier_login_csrf";

async fn login_form(Query(q): Query<PageQuery>, headers: HeaderMap) -> Result<Response, PageError> {
    let l = lang(&q, &headers);
    let token = auth::random_token()?;
    let msg = match q.error.as_deref() {
        Some("rate") => format!("<p class=err>{}</p>", t(l, "too_many")),
        Some(_) => format!("<p class=err>{}</p>", t(l, "bad_login")),
        None => String::new(),
    };
    let body = format!(
        "{msg}<section><form method=post action=\"/login?lang={lc}\"><input type=hidden name=csrf value=\"{token}\">\
         <p><label>{u}<br><input name=username autocomplete=username required></label></p>\
         <p><label>{p}<br><input name=password type=password autocomplete=current-password required></label></p>\
         <button>{li}</button></form></section><p><a href=\"/public/calls?lang={lc}\">{ca}</a> · <a href=\"/signup?lang={lc}\">{su}</a> · <a href=\"/public/experiments?lang={lc}\">{pu}</a></p>",
        ca = t(l, "calls"),
        lc = l.code(),
        su = t(l, "signup"),
        pu = t(l, "pub_title"),
        u = t(l, "username"),
        p = t(l, "password"),
        li = t(l, "login"),
    );
    let cookie =
        format!("{LOGIN_CSRF}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600");
    Ok((
        [(header::SET_COOKIE, cookie)],
        Html(page(l, t(l, "login"), None, &body)),
    )
        .into_response())
}

#[derive(Deserialize)]
struct LoginForm {
    csrf: String,
    username: String,
    password: String,
}

async fn login_submit(
    State(state): State<AppState>,
    client: auth::Client,
    headers: HeaderMap,
    Query(q): Query<PageQuery>,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let lc = lang(&q, &headers).code();
    if auth::cookie(&headers, LOGIN_CSRF).as_deref() != Some(f.csrf.as_str()) {
        return Err(ApiError::Forbidden.into());
    }
    match api::open_session(&state, &f.username, &f.password, client).await {
        Ok((token, _csrf, _role)) => {
            let cookie = auth::session_cookie(
                &token,
                state.config.session_minutes * 60,
                client.secure_cookie(&state.config),
            );
            Ok((
                [(header::SET_COOKIE, cookie)],
                Redirect::to(&format!("/?lang={lc}")),
            )
                .into_response())
        }
        Err(ApiError::RateLimited(_)) => {
            Ok(Redirect::to(&format!("/login?error=rate&lang={lc}")).into_response())
        }
        Err(ApiError::BadCredentials) => {
            Ok(Redirect::to(&format!("/login?error=1&lang={lc}")).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn logout(
    State(state): State<AppState>,
    client: auth::Client,
    user: CurrentUser,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let p = PageContext::new(user, lang(&q, &headers));
    let go = async {
        check_csrf(&p.user, &f.csrf)?;
        state.store.delete_session(&p.user.token).await?;
        Ok::<_, ApiError>(
            (
                [(
                    header::SET_COOKIE,
                    auth::session_cookie("", 0, client.secure_cookie(&state.config)),
                )],
                Redirect::to("/login"),
            )
                .into_response(),
        )
    };
    p.respond(go.await)
}

async fn district_list(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, lang(&q, &headers))?;
    p.respond(district_list_body(&state, &p).await)
}

async fn district_list_body(state: &AppState, p: &PageContext) -> Result<Response, ApiError> {
    let (u, l) = (&p.user, p.lang);
    let mut rows = String::new();
    // Every district listed opens: its page for those who manage it, the participant's own
    // view of it for a participant.
    for d in api::visible_districts(state, u).await? {
        let link = format!(
            "<a href=\"/districts/{}?lang={}\">{}</a>",
            d.id,
            l.code(),
            esc(&d.name)
        );
        rows.push_str(&format!(
            "<tr><td>{link}</td><td>{}</td></tr>",
            crate::i18n::day_label(l, d.created_at.with_timezone(&Paris).date_naive())
        ));
    }
    let body = format!(
        "<section><table><tr><th>{}</th><th>{}</th></tr>{rows}</table></section>",
        t(l, "districts"),
        t(l, "created")
    );
    Ok(p.render(t(l, "districts"), &body))
}

/// The role (`consumer`, `producer`, `prosumer`) meter `prm` has in the first of `districts`
/// that lists it.
async fn meter_role(
    state: &AppState,
    districts: &[i64],
    prm: &str,
) -> Result<Option<(String, String)>, ApiError> {
    for d in districts {
        if let Some(row) = state
            .store
            .participants(*d)
            .await?
            .into_iter()
            .find(|x| x.prm == prm)
        {
            return Ok(Some((row.name, row.role)));
        }
    }
    Ok(None)
}

/// A participant's view of their district `id`: who they are in it, their figures from the
/// latest allocation of the energy community (a producer's production, sales, surplus and
/// earnings; a consumer's share and bills), and the way to their curve, its stored days and
/// their community page.
async fn participant_home(
    state: &AppState,
    p: &PageContext,
    id: i64,
) -> Result<Response, ApiError> {
    let (u, l) = (&p.user, p.lang);
    let d = api::visible_district(state, u, id).await?;
    let prm = u.user.prm.clone().ok_or(ApiError::NotFound)?;
    let (name, role) = meter_role(state, &[id], &prm)
        .await?
        .ok_or(ApiError::NotFound)?;
    let producer = role == "producer";
    let lc = l.code();
    let pe = esc(&prm);
    let mut body = format!(
        "<p><strong>{}</strong> (PRM {pe}, {})</p>",
        esc(&name),
        crate::people_pages::role_label(l, &role)
    );
    let attached = crate::community::is_attached(state, id).await?;
    if attached {
        match crate::community::latest_member_run(state, id, &prm).await? {
            Some(m) => body.push_str(&crate::community::member_cards(l, &m)),
            None => body.push_str(&format!("<p>{}</p>", t(l, "participant_no_allocation"))),
        }
    }
    body.push_str(&format!(
        "<section><ul><li><a id=curve-link href=\"/participants/{pe}?lang={lc}\">{}</a></li>\
         <li><a href=\"/participants/{pe}/coverage?lang={lc}\">{}</a></li>",
        t(
            l,
            if producer {
                "my_production"
            } else {
                "my_curve"
            }
        ),
        t(l, "coverage_link"),
    ));
    if attached {
        body.push_str(&format!(
            "<li><a id=community-link href=\"/districts/{id}/community?lang={lc}\">{}</a></li>",
            t(l, if producer { "my_sales" } else { "my_share" })
        ));
    }
    body.push_str("</ul></section>");
    Ok(p.render(&format!("{} — {}", d.name, t(l, "my_participation")), &body))
}

/// Columns of a run's time series, read from its CSV.
struct Table {
    times: Vec<DateTime<Utc>>,
    header: Vec<String>,
    rows: Vec<Vec<f64>>,
}

impl Table {
    fn parse(csv_text: &str) -> Table {
        let mut r = csv::Reader::from_reader(csv_text.as_bytes());
        let header: Vec<String> = r
            .headers()
            .map(|h| h.iter().map(str::to_string).collect())
            .unwrap_or_default();
        let mut times = Vec::new();
        let mut rows = Vec::new();
        for rec in r.records().flatten() {
            let Some(t) = rec
                .get(0)
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            else {
                continue;
            };
            times.push(t.with_timezone(&Utc));
            rows.push(rec.iter().map(|s| s.parse().unwrap_or(f64::NAN)).collect());
        }
        Table {
            times,
            header,
            rows,
        }
    }

    fn column(&self, name: &str, range: std::ops::Range<usize>) -> Option<Vec<f64>> {
        let c = self.header.iter().position(|h| h == name)?;
        Some(
            self.rows
                .get(range)?
                .iter()
                .map(|r| r.get(c).copied().unwrap_or(f64::NAN))
                .collect(),
        )
    }
}

fn kpi_card(l: Lang, kpis: &Value, key: &'static str, unit: &str) -> String {
    let v = &kpis[key];
    let point = l.point();
    let shown = match (v.as_f64(), unit) {
        (Some(x), "%") => l.percent(x),
        (Some(x), "EUR") => l.money(x, if x.abs() >= 100.0 { 0 } else { 2 }),
        (Some(x), u) if x.abs() >= 100.0 => format!("{}\u{a0}{u}", signed(x, 0, point)),
        (Some(x), u) => format!("{}\u{a0}{u}", signed(x, 2, point)),
        (None, _) => "—".into(),
    };
    crate::html::defined_card(t(l, key), &shown, t(l, definition_key(key)))
}

/// The label key of the definition of KPI `key`.
fn definition_key(key: &str) -> &'static str {
    match key {
        "production_kwh" => "def_production_kwh",
        "consumption_kwh" => "def_consumption_kwh",
        "self_consumption_rate" => "def_self_consumption_rate",
        "self_sufficiency_rate" => "def_self_sufficiency_rate",
        "import_kwh" => "def_import_kwh",
        "export_kwh" => "def_export_kwh",
        "annual_balance_kwh" => "def_annual_balance_kwh",
        "peak_import_kw" => "def_peak_import_kw",
        "co2_kg" => "def_co2_kg",
        "cost_eur" => "def_cost_eur",
        "h2_produced_kg" => "def_h2_produced_kg",
        "h2_unserved_kg" => "def_h2_unserved_kg",
        _ => "def_positive",
    }
}

async fn district_overview(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, lang(&q, &headers))?;
    p.respond(district_overview_body(&state, &p, id, &q).await)
}

async fn district_overview_body(
    state: &AppState,
    p: &PageContext,
    id: i64,
    q: &PageQuery,
) -> Result<Response, ApiError> {
    let (u, l) = (&p.user, p.lang);
    if u.user.role == Role::Participant {
        return participant_home(state, p, id).await;
    }
    let d = api::managed_district(state, u, id, ApiError::NotFound).await?;
    let participants = state.store.participants(id).await?.len();
    let simulate_form = format!(
        "<form method=post action=\"/districts/{id}/simulate?lang={lc}\"><input type=hidden name=csrf value=\"{c}\"><button>{s}</button></form>",
        lc = l.code(),
        c = esc(&u.csrf_token),
        s = t(l, "simulate")
    );
    let mut body = format!(
        "<p>{}: {participants} · <a id=people-link href=\"/districts/{id}/people?lang={lc}\">{}</a></p>{simulate_form}{}{}",
        t(l, "participants"),
        t(l, "people_link"),
        crate::optimise::form(l, u, id),
        crate::upload_page::link(l, u, id, None),
        lc = l.code(),
    );
    body.push_str(&crate::community::link(state, l, id).await?);
    body.push_str(&crate::assets::link(l, id));
    match state.store.latest_run(id, crate::jobs::SIMULATION).await? {
        None => body.push_str(&format!("<p>{}</p>", t(l, "no_run"))),
        Some(run) => {
            let doc: Value = serde_json::from_str(&run.kpis_json).unwrap_or(Value::Null);
            body.push_str(&overview_body(l, &doc, &run.timeseries_csv, q, id));
            body.push_str(&format!(
                "<p><small>{} {} — <a href=\"/api/v1/runs/{}/timeseries.csv\">timeseries.csv</a></small></p>",
                t(l, "run_of"),
                crate::i18n::instant_label(l, run.created_at),
                run.id
            ));
        }
    }
    Ok(p.render(&d.name, &body))
}

fn overview_body(l: Lang, doc: &Value, csv_text: &str, q: &PageQuery, id: i64) -> String {
    let kpis = &doc["kpis"];
    let mut out = format!(
        "<p class=note>{}</p><div class=cards>",
        t(l, "simulated_note")
    );
    for (k, unit) in [
        ("production_kwh", "kWh"),
        ("consumption_kwh", "kWh"),
        ("self_consumption_rate", "%"),
        ("self_sufficiency_rate", "%"),
        ("import_kwh", "kWh"),
        ("export_kwh", "kWh"),
        ("annual_balance_kwh", "kWh"),
        ("peak_import_kw", "kW"),
        ("co2_kg", "kgCO2e"),
        ("cost_eur", "EUR"),
        ("h2_produced_kg", "kg"),
        ("h2_unserved_kg", "kg"),
    ] {
        // Hydrogen cards only for a district with a hydrogen chain or demand.
        let no_hydrogen = kpis["h2_produced_kg"].as_f64().unwrap_or(0.0) == 0.0
            && kpis["h2_demand_kg"].as_f64().unwrap_or(0.0) == 0.0;
        if k.starts_with("h2_") && no_hydrogen {
            continue;
        }
        out.push_str(&kpi_card(l, kpis, k, unit));
    }
    let positive = kpis["positive_energy"].as_bool().unwrap_or(false);
    out.push_str(&crate::html::defined_card(
        t(l, "positive"),
        t(l, if positive { "yes" } else { "no" }),
        t(l, "def_positive"),
    ));
    out.push_str("</div>");

    // Monthly bars.
    let months = doc["monthly"].as_array().cloned().unwrap_or_default();
    let labels: Vec<String> = months
        .iter()
        .map(|m| {
            let ym = m["month"].as_str().unwrap_or("");
            let month = ym.get(5..7).and_then(|mm| mm.parse().ok()).unwrap_or(0);
            if month == 0 {
                ym.to_string()
            } else {
                l.month_short(month).to_string()
            }
        })
        .collect();
    let col = |k: &str| -> Vec<f64> {
        months
            .iter()
            .map(|m| m[k].as_f64().unwrap_or(0.0) / 1000.0)
            .collect()
    };
    out.push_str("<section>");
    out.push_str(&svg::bar_chart(&svg::BarChart {
        title: t(l, "monthly").into(),
        categories: labels,
        x: svg::AxisSpec::new(t(l, "month"), ""),
        y: svg::AxisSpec::new(t(l, "energy"), "MWh"),
        series: vec![
            svg::BarSeries {
                label: t(l, "production").into(),
                values: col("production_kwh"),
                errors: None,
                color: Some("#e0a100".into()),
            },
            svg::BarSeries {
                label: t(l, "consumption").into(),
                values: col("consumption_kwh"),
                errors: None,
                color: Some("#1d5fa0".into()),
            },
        ],
        locale: l.chart_locale(),
        ..svg::BarChart::default()
    }));
    out.push_str("</section>");

    // A window of flows, zoomable by date and length.
    let table = Table::parse(csv_text);
    let (Some(first), Some(last)) = (table.times.first(), table.times.last()) else {
        return out;
    };
    let step_h = doc["axis"]["step_minutes"].as_f64().unwrap_or(60.0) / 60.0;
    let days = q.days.unwrap_or(7).clamp(1, 62);
    // By default a summer week (the 172nd day of the axis), or the axis's first days when it
    // is shorter than that.
    let first_day = first.with_timezone(&Paris).date_naive();
    let summer = first_day + Duration::days(171);
    let default_from = if summer + Duration::days(days) <= last.with_timezone(&Paris).date_naive() {
        summer
    } else {
        first_day
    };
    let from_day = q
        .from
        .as_deref()
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .unwrap_or(default_from);
    let from_t = quartier_timeseries::local_midnight(from_day, Paris).unwrap_or(*first);
    let from_t = from_t.clamp(*first, *last);
    let start = table.times.partition_point(|t| *t < from_t);
    let end = table
        .times
        .partition_point(|t| *t < from_t + Duration::days(days))
        .max(start);
    let times = table.times.get(start..end).unwrap_or(&[]);
    let per_kw = |v: Vec<f64>| -> Vec<f64> { v.into_iter().map(|x| x / step_h).collect() };
    let sum = |names: &[&str]| -> Vec<f64> {
        let mut acc = vec![0.0; end - start];
        for n in names {
            if let Some(c) = table.column(n, start..end) {
                for (a, b) in acc.iter_mut().zip(c) {
                    *a += b;
                }
            }
        }
        acc
    };
    out.push_str(&format!(
        "<section><form method=get action=\"/districts/{id}\"><input type=hidden name=lang value={lc}>\
         <label>{f} <input type=date name=from value=\"{fv}\" min=\"{mn}\" max=\"{mx}\"></label> \
         <label><select name=days>{opts}</select> {dl}</label> <button>{s}</button></form>",
        lc = l.code(),
        f = t(l, "from"),
        fv = from_day.format("%Y-%m-%d"),
        mn = first.with_timezone(&Paris).format("%Y-%m-%d"),
        mx = last.with_timezone(&Paris).format("%Y-%m-%d"),
        opts = [1, 3, 7, 14, 31]
            .iter()
            .map(|n| format!(
                "<option{}>{n}</option>",
                if *n == days { " selected" } else { "" }
            ))
            .collect::<String>(),
        dl = t(l, "days"),
        s = t(l, "show"),
    ));
    out.push_str(&time_chart(
        l,
        (t(l, "power"), "kW"),
        times,
        vec![
            (
                t(l, "load"),
                "#1d5fa0",
                per_kw(sum(&["load_kwh", "ev_kwh", "fleet_kwh"])),
            ),
            (t(l, "pv"), "#e0a100", per_kw(sum(&["pv_kwh"]))),
        ],
    ));
    // Storage levels, each only when the district has that storage.
    for (column, label, unit, colour) in [
        ("battery_soc_kwh", "soc", "kWh", "#2b7a3d"),
        ("tank_level_kg", "h2", "kg", "#7a3d9a"),
    ] {
        if let Some(level) = table.column(column, start..end)
            && level.iter().any(|v| *v > 0.0)
        {
            out.push_str(&time_chart(
                l,
                (t(l, label), unit),
                times,
                vec![(t(l, label), colour, level)],
            ));
        }
    }
    out.push_str("</section>");
    out
}

/// A line chart over UTC instants, its time axis in Paris time: `(label, colour, values)` per
/// series, `y` = (label, unit).
fn time_chart(
    l: Lang,
    y: (&str, &str),
    times: &[DateTime<Utc>],
    series: Vec<(&str, &str, Vec<f64>)>,
) -> String {
    svg::line_chart(&svg::LineChart {
        title: y.0.into(),
        x: svg::AxisSpec::new(t(l, "time_local"), ""),
        y: svg::AxisSpec::new(y.0, y.1),
        series: series
            .into_iter()
            .map(|(label, colour, values)| svg::LineSeries {
                label: label.into(),
                points: times
                    .iter()
                    .zip(values)
                    .map(|(t, v)| (svg::X::Instant(*t), v))
                    .collect(),
                dashed: false,
                color: Some(colour.into()),
            })
            .collect(),
        time_zone: Paris,
        locale: l.chart_locale(),
        ..svg::LineChart::default()
    })
}

async fn simulate(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    PageContext::new(user, lang(&q, &headers))
        .submit_job(&state, id, &f.csrf, |d, by| {
            jobs::submit_simulation(&state, d, by)
        })
        .await
}

async fn job_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, lang(&q, &headers))?;
    let l = p.lang;
    let j = api::visible_job(&state, &p.user, id)
        .await
        .map_err(|e| p.fail(e))?;
    let back = j
        .district_id
        .map(|d| {
            format!(
                "<p><a href=\"/districts/{d}?lang={}\">← {}</a></p>",
                l.code(),
                t(l, "districts")
            )
        })
        .unwrap_or_default();
    let lc = l.code();
    let csrf = esc(&p.user.csrf_token);
    let button = |action: &str, label: &str| {
        format!(
            "<form method=post action=\"/jobs/{id}/{action}?lang={lc}\" class=inline>\
             <input type=hidden name=csrf value=\"{csrf}\"><button>{label}</button></form>"
        )
    };
    let actions = match j.status {
        JobStatus::Queued | JobStatus::Running => button("cancel", t(l, "job_cancel")),
        JobStatus::Failed | JobStatus::Cancelled => button("retry", t(l, "job_retry")),
        // A simulation's result is its district's page; the others' is drawn below, with the
        // whole report one link away.
        JobStatus::Succeeded => match (j.kind.as_str(), j.district_id) {
            (jobs::SIMULATION, Some(d)) => format!(
                "<p><a href=\"/districts/{d}?lang={lc}\">{}</a></p>",
                t(l, "job_result")
            ),
            _ => format!(
                "<p><a href=\"/api/v1/jobs/{id}\">{}</a></p>",
                t(l, "job_report")
            ),
        },
    };
    let options = job_options(l, &j.options_json);
    let live = matches!(j.status, JobStatus::Queued | JobStatus::Running);
    let queue = match state
        .store
        .queue_position(id)
        .await
        .map_err(|e| p.fail(e))?
    {
        Some(ahead) => format!("<p id=queue>{}: {ahead}</p>", t(l, "job_ahead")),
        None => String::new(),
    };
    let outcome = job_outcome(l, &j);
    let labels: String = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ]
    .iter()
    .map(|st| format!(" data-{}=\"{}\"", st.as_str(), status_label(l, *st)))
    .collect();
    let body = format!(
        "<section><p>{k}: <strong>{kind}</strong></p>{options}\
         <p>{st}: <strong id=status>{s}</strong></p>{queue}<p>{pr}: <span id=pct>{p}</span> %</p>\
         <progress id=fill max=100 value={p}>{p} %</progress><p id=err class=err>{e}</p>{actions}</section>{outcome}{back}\
         <script src=\"/static/job.js\" data-job=\"{id}\" data-live=\"{live}\"{labels}></script>",
        k = t(l, "job_kind"),
        kind = kind_label(l, &j.kind),
        st = t(l, "status"),
        s = status_label(l, j.status),
        pr = t(l, "progress"),
        p = j.progress,
        e = job_error(l, j.error.as_deref().unwrap_or("")),
        live = u8::from(live),
    );
    Ok(p.render(&format!("{} {id}", t(l, "job")), &body))
}

/// What a finished job found, in `l`: an optimisation's cost against the rule controller, a
/// sizing's capacities and annual cost; nothing for other jobs.
fn job_outcome(l: Lang, j: &quartier_store::JobRow) -> String {
    let Some(result) = j
        .result_json
        .as_deref()
        .and_then(|r| serde_json::from_str::<Value>(r).ok())
    else {
        return String::new();
    };
    let money = |v: &Value| v.as_f64().map_or("—".to_string(), |x| l.money(x, 2));
    if let Some(cost) = result.get("cost").filter(|c| c.is_object()) {
        let share = cost["saving_relative"].as_f64().unwrap_or(0.0);
        return format!(
            "<section id=outcome><div class=cards>{}{}{}</div></section>",
            crate::html::card(t(l, "rule_cost"), &money(&cost["rule_cost_eur"])),
            crate::html::card(t(l, "dispatch_cost"), &money(&cost["cost_eur"])),
            crate::html::card(
                t(l, "dispatch_saving"),
                &format!("{} ({})", money(&cost["saving_eur"]), l.percent(share))
            ),
        );
    }
    if let Some(sizing) = result.get("sizing").filter(|s| s.is_object()) {
        // Yearly costs to the euro: the cents of an estimate mean nothing.
        let whole = |v: &Value| v.as_f64().map_or("—".to_string(), |x| l.money(x, 0));
        let number = |v: &Value, digits: usize| {
            v.as_f64()
                .map_or("—".into(), |x| signed(x, digits, l.point()))
        };
        let rows: String = sizing["capacities"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let sized = c["sized"].as_bool().unwrap_or(false);
                // The capex's origin speaks for the capacity's costs.
                let costs = c["cost"]["source"]["capex"].as_str().unwrap_or("declared");
                let decided = match c["limit"].as_str() {
                    Some(limit) => {
                        // A battery of fixed duration is worth and costs its pair.
                        let (unit, pair) = match c.get("with_pair").filter(|p| p.is_object()) {
                            Some(p) => (p, "sizing_worth_pair"),
                            None => (c, "sizing_worth"),
                        };
                        let worth = match (
                            unit["marginal_value_eur_per_unit_year"].as_f64(),
                            unit["annualised_eur_per_unit"].as_f64(),
                        ) {
                            (Some(v), Some(cost)) => format!(
                                " ({} {} {} {})",
                                t(l, pair),
                                signed(v, 1, l.point()),
                                t(l, "sizing_per_year_cost"),
                                signed(cost, 1, l.point())
                            ),
                            _ => String::new(),
                        };
                        format!(
                            "{}{}",
                            esc(&crate::i18n::value_label(l, "limit", limit)),
                            esc(&worth)
                        )
                    }
                    None => "—".into(),
                };
                format!(
                    "<tr><td>{}</td><td>{}</td><td class=n>{}\u{a0}{}</td><td>{}</td>\
                     <td class=n>{}</td><td>{}</td><td>{decided}</td></tr>",
                    esc(c["component"].as_str().unwrap_or("")),
                    esc(&crate::i18n::value_label(
                        l,
                        "capacity",
                        c["capacity"].as_str().unwrap_or("")
                    )),
                    number(&c["value"], 1),
                    esc(c["unit"].as_str().unwrap_or("")),
                    t(l, if sized { "yes" } else { "no" }),
                    number(&c["annualised_eur"], 0),
                    esc(&crate::i18n::value_label(l, "costs", costs)),
                )
            })
            .collect();
        let typical =
            sizing
                .get("typical_days")
                .filter(|v| v.is_object())
                .map_or(String::new(), |td| {
                    format!(
                        "{}{}",
                        crate::html::card(t(l, "sizing_typical"), &number(&td["count"], 0)),
                        crate::html::card(
                            &format!(
                                "{} ({})",
                                t(l, "sizing_estimate"),
                                td["estimate_error"]
                                    .as_f64()
                                    .map_or("—".into(), |e| l.percent(-e))
                            ),
                            &whole(&td["reduced_annualised_cost_eur"])
                        )
                    )
                });
        return format!(
            "<section id=outcome><div class=cards>{}{typical}</div><table id=capacities><tr>\
             <th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>\
             {rows}</table></section>",
            crate::html::card(t(l, "sizing_cost"), &whole(&sizing["annualised_cost_eur"])),
            t(l, "sizing_component"),
            t(l, "sizing_capacity"),
            t(l, "sizing_value"),
            t(l, "sizing_sized"),
            t(l, "sizing_annual"),
            t(l, "sizing_costs"),
            t(l, "sizing_decided"),
        );
    }
    String::new()
}

/// A job state in `l`.
pub(crate) fn status_label(l: Lang, s: JobStatus) -> &'static str {
    t(
        l,
        match s {
            JobStatus::Queued => "status_queued",
            JobStatus::Running => "status_running",
            JobStatus::Succeeded => "status_succeeded",
            JobStatus::Failed => "status_failed",
            JobStatus::Cancelled => "status_cancelled",
        },
    )
}

/// A job kind in `l` (an unknown kind as stored).
pub(crate) fn kind_label(l: Lang, kind: &str) -> String {
    esc(&crate::i18n::value_label(l, "kind", kind))
}

/// A job's options as a list, each named in `l` (its JSON key when the page has no words for
/// it), each value as sent; nothing for a job without options.
fn job_options(l: Lang, options_json: &str) -> String {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(options_json) else {
        return String::new();
    };
    if map.is_empty() {
        return String::new();
    }
    let items: String = map
        .iter()
        .map(|(k, v)| {
            let value = match v {
                Value::String(s) => s.clone(),
                Value::Bool(b) => t(l, if *b { "yes" } else { "no" }).to_string(),
                other => other.to_string(),
            };
            format!(
                "<li>{}{} <code>{}</code></li>",
                esc(&crate::i18n::value_label(l, "option", k)),
                t(l, "colon"),
                esc(&value)
            )
        })
        .collect();
    format!(
        "<p>{}{}</p><ul id=job-options>{items}</ul>",
        t(l, "job_options"),
        t(l, "colon")
    )
}

/// Why a job failed, in `l`: the server's own reasons (cancelled, interrupted by a stop) are
/// translated; an engine's reason is its technical detail (English, marked as such).
fn job_error(l: Lang, error: &str) -> String {
    match error {
        "" => String::new(),
        "cancelled" => t(l, "job_error_cancelled").to_string(),
        e if e.starts_with("interrupted:") => t(l, "job_error_interrupted").to_string(),
        e => crate::page_support::english_detail(l, e),
    }
}

/// What a job page's button does.
#[derive(Clone, Copy)]
enum JobAction {
    Cancel,
    Retry,
}

async fn job_cancel_form(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let p = PageContext::new(user, lang(&q, &headers));
    job_action(&state, &p, id, &f.csrf, JobAction::Cancel).await
}

async fn job_retry_form(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let p = PageContext::new(user, lang(&q, &headers));
    job_action(&state, &p, id, &f.csrf, JobAction::Retry).await
}

/// A job page's button: cancel job `id` (one that finished meanwhile just shows its end) or
/// retry it (to the new job's page).
async fn job_action(
    state: &AppState,
    p: &PageContext,
    id: i64,
    csrf: &str,
    action: JobAction,
) -> Result<Response, PageError> {
    let go = async {
        check_csrf(&p.user, csrf)?;
        let job = match action {
            JobAction::Cancel => {
                api::visible_job(state, &p.user, id).await?;
                state.store.cancel_job(id, chrono::Utc::now()).await?;
                id
            }
            JobAction::Retry => api::retry(state, &p.user, id).await?,
        };
        Ok::<_, ApiError>(
            Redirect::to(&format!("/jobs/{job}?lang={}", p.lang.code())).into_response(),
        )
    };
    p.respond(go.await)
}

/// The job page's script (a file of its own: the Content Security Policy allows no inline
/// script): polls the job named by its `data-job` attribute every second while it is queued or
/// running, and updates the status, the percentage, the bar and the error.
/// The states are shown in the page's language from the script's `data-queued`, … attributes;
/// a job that was live when the page was drawn reloads the page once it ends (to show its
/// retry button or its result).
const JOB_SCRIPT: &str = "(function(){var s=document.currentScript,d=s&&s.dataset,id=d&&d.job;if(!id)return;\
var f=function(){fetch('/api/v1/jobs/'+id).then(function(r){return r.json()}).then(function(j){\
document.getElementById('status').textContent=d[j.status]||j.status;document.getElementById('pct').textContent=j.progress;\
document.getElementById('fill').value=j.progress;if(j.error)document.getElementById('err').textContent=j.error;\
if(j.status==='queued'||j.status==='running')setTimeout(f,1000);else if(d.live==='1')location.reload();})};f();})();";

async fn job_script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        JOB_SCRIPT,
    )
        .into_response()
}

async fn participant_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(prm): UrlPath<String>,
    Query(q): Query<PageQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, lang(&q, &headers))?;
    p.respond(participant_body(&state, &p, &prm, &q).await)
}

async fn participant_body(
    state: &AppState,
    p: &PageContext,
    prm: &str,
    q: &PageQuery,
) -> Result<Response, ApiError> {
    let (u, l) = (&p.user, p.lang);
    let districts = api::check_prm(state, u, prm).await?;
    // A producer's meter measures what it feeds in: its curve is a production.
    let producer = meter_role(state, &districts, prm)
        .await?
        .is_some_and(|(_, role)| role == "producer");
    let (what, curve) = if producer {
        (t(l, "production_kwh"), t(l, "production_curve"))
    } else {
        (t(l, "consumption"), t(l, "load_curve"))
    };
    let days = q.days.unwrap_or(7).clamp(1, 62);
    let bounds = state.store.curve_bounds(prm).await?;
    let from = match (
        q.from
            .as_deref()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()),
        bounds,
    ) {
        (Some(day), _) => quartier_timeseries::local_midnight(day, Paris).ok(),
        // The last `days` whole local days stored.
        (None, Some((_, last))) => {
            let day = last.with_timezone(&Paris).date_naive() - Duration::days(days - 1);
            quartier_timeseries::local_midnight(day, Paris).ok()
        }
        (None, None) => None,
    };
    let mut body = String::new();
    let points = match from {
        None => Vec::new(),
        Some(from) => {
            let range = RangeQuery {
                from: Some(from),
                to: Some(from + Duration::days(days)),
            };
            api::curve_points(state, u, prm, &range).await?.2
        }
    };
    if points.is_empty() {
        body.push_str(&format!("<p>{}</p>", t(l, "no_data")));
    } else {
        let times: Vec<DateTime<Utc>> = points.iter().map(|p| p.instant).collect();
        let values: Vec<f64> = points.iter().map(|p| p.kwh).collect();
        let total: f64 = values.iter().sum();
        body.push_str(&format!(
            "<div class=cards><div class=card><div class=k>{} ({days} {})</div><div class=v>{}\u{a0}kWh</div></div></div><section>",
            what,
            t(l, "days"),
            signed(total, 1, l.point())
        ));
        body.push_str(&time_chart(
            l,
            (t(l, "energy_interval"), "kWh"),
            &times,
            vec![(what, "#1d5fa0", values)],
        ));
        body.push_str("</section>");
    }
    let fv = from
        .map(|f| f.with_timezone(&Paris).format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    body.push_str(&format!(
        "<form method=get><input type=hidden name=lang value={lc}><label>{f} <input type=date name=from value=\"{fv}\"></label> \
         <label><input type=number name=days value={days} min=1 max=62> {dl}</label> <button>{s}</button></form>",
        lc = l.code(),
        f = t(l, "from"),
        dl = t(l, "days"),
        s = t(l, "show")
    ));
    body.push_str(&format!(
        "<p><a id=coverage-link href=\"/participants/{}/coverage?lang={}\">{}</a></p>",
        esc(prm),
        l.code(),
        t(l, "coverage_link")
    ));
    body.push_str(&crate::upload_page::link_for_prm(l, u, &districts, prm));
    let title = format!("{curve} — PRM {prm}");
    Ok(p.render(&title, &body))
}

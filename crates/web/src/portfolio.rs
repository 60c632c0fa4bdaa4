//! The programme officer's portfolio and what the public sees of the programme.
//!
//! - `/programme` (signed in; the programme sees every experiment, an organiser those naming
//!   their district): one row per experiment with its commune, theme, phase and month, its
//!   standing against its targets, reports and milestones (the rule written on the page, from
//!   [`quartier_report::portfolio`]), the last report received and the overdue ones; filters
//!   by commune, theme and phase; the timeline of the 24 months; each indicator's definition
//!   and source; `?as_of=YYYY-MM-DD` shows it on another day. It fits a laptop screen: no
//!   column holds a month, the timeline is a scalable SVG.
//! - `/programme/portfolio.csv`: the same rows, as `quartier programme` writes them.
//! - `/api/v1/programme/portfolio`: the same as JSON.
//! - `/public/experiments` and `/public/experiments/{slug}` (no sign-in): the experiments the
//!   programme team published (`published` in their file, on or before today), with their
//!   indicators, charts, evaluation verdict and method. An unpublished experiment answers 404
//!   like a missing one.
//! - `/open-data/{indicators.csv,indicators.json,dataset.jsonld}` (no sign-in): the open data of
//!   the published experiments, [`quartier_report::open_data`], the bytes the CLI writes.
//!
//! Nothing here reads files or evaluates: [`crate::experiments`] finds, caches and evaluates
//! the experiment files and builds the programme; this module judges and draws.

use std::fmt::Write as _;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use quartier_evaluate::{Indicator, Month};
use quartier_model::{Experiment, PhaseKind, Theme};
use quartier_report::experiment::month_label;
use quartier_report::open_data::{Offered, OpenData, OpenDataOptions, open_data};
use quartier_report::portfolio::{
    Position, RULE_EN, RULE_FR, Standing, local_midnight, phase_text, portfolio_csv, position,
    timeline_chart,
};
use quartier_report::svg::{AxisSpec, BarChart, BarSeries, bar_chart};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::{CurrentUser, MaybeUser};
use crate::error::{ApiError, InputProblem};
use crate::experiments::{
    Outcome, cell_text, data_source_html, energy_html, entry_of, indicator_name, n, programme_for,
};
use crate::html::{esc, page};
use crate::i18n::{Lang, t, value_label};
use crate::page_support::{PageContext, PageError};

const PARIS: chrono_tz::Tz = chrono_tz::Europe::Paris;

/// The portfolio's query: language, day, filters.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct PortfolioQuery {
    /// `fr` or `en`.
    pub(crate) lang: Option<String>,
    /// The day, `YYYY-MM-DD` (Europe/Paris); today when absent.
    pub(crate) as_of: Option<String>,
    /// Only this commune.
    pub(crate) commune: Option<String>,
    /// Only this theme (`energy`, `mobility`…).
    pub(crate) theme: Option<String>,
    /// Only experiments in this phase (`deployment`…).
    pub(crate) phase: Option<String>,
}

impl PortfolioQuery {
    /// The day asked for, as the instant of its local midnight in Paris.
    pub(crate) fn day(&self) -> Result<DateTime<Utc>, ApiError> {
        let date = match self
            .as_of
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Utc::now().with_timezone(&PARIS).date_naive(),
            Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
                ApiError::Invalid(vec![
                    InputProblem::field(
                        "as_of",
                        format!("{s:?} is not a date"),
                        Some("as_of=YYYY-MM-DD, e.g. as_of=2026-12-07".into()),
                    )
                    .fr(
                        format!("« {s} » n'est pas une date"),
                        Some("as_of=AAAA-MM-JJ, par exemple as_of=2026-12-07".into()),
                    ),
                ])
            })?,
        };
        Ok(local_midnight(date, PARIS))
    }

    fn keeps(&self, e: &Experiment, p: &Position) -> bool {
        let set = |x: &Option<String>| x.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
        set(&self.commune).is_none_or(|c| e.commune == c)
            && set(&self.theme).is_none_or(|th| e.theme.name() == th)
            && set(&self.phase).is_none_or(|ph| p.phase.is_some_and(|k| k.name() == ph))
    }
}

/// One experiment of the portfolio.
pub(crate) struct Row {
    pub(crate) slug: String,
    pub(crate) experiment: Experiment,
    pub(crate) indicators: Vec<Indicator>,
    pub(crate) position: Position,
}

/// Where each experiment `user` sees stands on `day`, in file order.
pub(crate) async fn positions(
    state: &AppState,
    user: &CurrentUser,
    day: DateTime<Utc>,
) -> Result<Vec<Row>, ApiError> {
    let (p, visible) = programme_for(state, Some(user)).await?;
    Ok(p.each
        .iter()
        .filter(|(slug, ..)| visible.contains(slug))
        .map(|(slug, e, inds)| Row {
            slug: slug.clone(),
            experiment: e.clone(),
            position: position(e, inds, day),
            indicators: inds.clone(),
        })
        .collect())
}

fn month_text(m: Month) -> String {
    month_label(m)
}

/// The portfolio as JSON.
pub(crate) fn portfolio_json(rows: &[Row], day: DateTime<Utc>) -> Value {
    json!({
        "as_of": day.with_timezone(&PARIS).date_naive().to_string(),
        "rule": RULE_EN,
        "experiments": rows.iter().map(|r| {
            let e = &r.experiment;
            let p = &r.position;
            json!({
                "slug": r.slug,
                "commune": e.commune,
                "theme": e.theme.name(),
                "title": e.title,
                "status": e.status.name(),
                "phase": p.phase.map(PhaseKind::name),
                "month": p.month.0,
                "months": p.month.1,
                "standing": p.standing.name(),
                "last_report": p.last_report.map(month_text),
                "overdue_reports": p.overdue.iter().map(|m| month_text(*m)).collect::<Vec<_>>(),
                "reasons": p.reasons.iter().map(|x| x.text(quartier_report::Language::English)).collect::<Vec<_>>(),
                "published": e.published.map(|d| d.with_timezone(&e.timezone).date_naive().to_string()),
                "phases": e.phases.iter().map(|ph| json!({
                    "name": ph.kind.name(),
                    "planned_start": ph.planned.0.with_timezone(&e.timezone).date_naive().to_string(),
                    "planned_end": ph.planned.1.with_timezone(&e.timezone).date_naive().to_string(),
                    "actual_start": ph.actual_start.map(|d| d.with_timezone(&e.timezone).date_naive().to_string()),
                    "actual_end": ph.actual_end.map(|d| d.with_timezone(&e.timezone).date_naive().to_string()),
                })).collect::<Vec<_>>(),
                "milestones": e.milestones.iter().map(|m| json!({
                    "name": m.name,
                    "phase": m.phase.name(),
                    "due": m.due.with_timezone(&e.timezone).date_naive().to_string(),
                    "done": m.done.map(|d| d.with_timezone(&e.timezone).date_naive().to_string()),
                })).collect::<Vec<_>>(),
            })
        }).collect::<Vec<_>>(),
    })
}

fn standing_class(s: Standing) -> &'static str {
    match s {
        Standing::NotStarted => "st-ns",
        Standing::Met => "st-met",
        Standing::OnTrack => "st-ok",
        Standing::Late => "st-late",
        Standing::AtRisk => "st-risk",
    }
}

fn theme_label(l: Lang, th: Theme) -> String {
    value_label(l, "theme", th.name())
}

/// A `<select>` of a filter: `name`, its options (value, words), the current value.
fn select(name: &str, label: &str, options: &[(String, String)], current: Option<&str>) -> String {
    let mut o = format!("<label>{label} <select name={name}><option value=\"\">—</option>");
    for (v, words) in options {
        let sel = if current == Some(v.as_str()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            o,
            "<option value=\"{}\"{sel}>{}</option>",
            esc(v),
            esc(words)
        );
    }
    o.push_str("</select></label> ");
    o
}

/// `GET /programme`: the portfolio.
pub(crate) async fn page_portfolio(
    State(state): State<AppState>,
    u: MaybeUser,
    Query(q): Query<PortfolioQuery>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    let l = Lang::pick(q.lang.as_deref(), &headers);
    let cx = PageContext::signed_in(u.0, l)?;
    let day = q.day().map_err(|e| cx.fail(e))?;
    let all = positions(&state, &cx.user, day)
        .await
        .map_err(|e| cx.fail(e))?;
    let rows: Vec<&Row> = all
        .iter()
        .filter(|r| q.keeps(&r.experiment, &r.position))
        .collect();
    let date = day.with_timezone(&PARIS).date_naive();
    let lc = l.code();
    let mut body = String::new();
    // Filters and the day, one GET form.
    let mut communes: Vec<String> = all.iter().map(|r| r.experiment.commune.clone()).collect();
    communes.sort();
    communes.dedup();
    let mut themes: Vec<Theme> = all.iter().map(|r| r.experiment.theme).collect();
    themes.sort_by_key(|t| t.name());
    themes.dedup();
    let _ = write!(
        body,
        "<form method=get action=\"/programme\" class=filters><input type=hidden name=lang value={lc}>{}{}{}\
         <label>{} <input type=date name=as_of value=\"{date}\"></label> <button>{}</button></form>",
        select(
            "commune",
            t(l, "exp_commune"),
            &communes
                .iter()
                .map(|c| (c.clone(), c.clone()))
                .collect::<Vec<_>>(),
            q.commune.as_deref()
        ),
        select(
            "theme",
            t(l, "pf_theme"),
            &themes
                .iter()
                .map(|th| (th.name().to_string(), theme_label(l, *th)))
                .collect::<Vec<_>>(),
            q.theme.as_deref()
        ),
        select(
            "phase",
            t(l, "pf_phase"),
            &PhaseKind::ALL
                .iter()
                .map(|k| (k.name().to_string(), phase_text(*k, l.report()).to_string()))
                .collect::<Vec<_>>(),
            q.phase.as_deref()
        ),
        t(l, "pf_as_of"),
        t(l, "pf_apply"),
    );
    // Counts by standing.
    let count = |s: Standing| rows.iter().filter(|r| r.position.standing == s).count();
    body.push_str("<div class=cards>");
    for s in [
        Standing::Met,
        Standing::OnTrack,
        Standing::Late,
        Standing::AtRisk,
    ] {
        let _ = write!(
            body,
            "<div class=\"card {}\"><div class=v>{}</div><div class=k>{}</div></div>",
            standing_class(s),
            count(s),
            esc(s.text(l.report()))
        );
    }
    body.push_str("</div>");
    // The experiments.
    let _ = write!(
        body,
        "<section><table class=portfolio><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        t(l, "exp_experiment"),
        t(l, "pf_theme"),
        t(l, "pf_phase"),
        t(l, "pf_standing"),
        t(l, "pf_last_report"),
        t(l, "pf_overdue"),
    );
    for r in &rows {
        let e = &r.experiment;
        let p = &r.position;
        let phase = p
            .phase
            .map_or("—".to_string(), |k| phase_text(k, l.report()).to_string());
        let status = if e.status == quartier_model::ExperimentStatus::Active {
            String::new()
        } else {
            format!(
                " <span class=tag>{}</span>",
                esc(&value_label(l, "exp_status", e.status.name()))
            )
        };
        let published = if e.published.is_some_and(|d| d <= day) {
            format!(
                " <a class=tag href=\"/public/experiments/{}?lang={lc}\">{}</a>",
                esc(&r.slug),
                t(l, "pf_published")
            )
        } else {
            String::new()
        };
        let mut reasons = String::new();
        if !p.reasons.is_empty() {
            reasons.push_str("<ul class=reasons>");
            for x in &p.reasons {
                let _ = write!(reasons, "<li>{}</li>", esc(&x.text(l.report())));
            }
            reasons.push_str("</ul>");
        }
        let _ = write!(
            body,
            "<tr><td><b>{}</b> — <a href=\"/experiments/{}?lang={lc}\">{}</a>{status}{published}{reasons}</td>\
             <td>{}</td><td><span class=nw>{phase}</span><br><span class=note>{} {}/{}</span></td>\
             <td><span class=\"badge {}\">{}</span></td><td>{}</td><td>{}</td></tr>",
            esc(&e.commune),
            esc(&r.slug),
            esc(&e.title),
            esc(&theme_label(l, e.theme)),
            t(l, "pf_month"),
            p.month.0,
            p.month.1,
            standing_class(p.standing),
            esc(p.standing.text(l.report())),
            p.last_report
                .map_or("—".into(), |m| l.month_label(&month_label(m))),
            if p.overdue.is_empty() {
                "—".to_string()
            } else {
                p.overdue
                    .iter()
                    .map(|m| l.month_label(&month_label(*m)))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        );
    }
    if rows.is_empty() {
        let _ = write!(body, "<tr><td colspan=6>{}</td></tr>", t(l, "exp_none"));
    }
    let _ = write!(
        body,
        "</table><p class=note><b>{}</b> {}</p><p><a href=\"/programme/portfolio.csv?as_of={date}\">{}</a> · \
         <a href=\"/programme/indicators?lang={lc}\">{}</a> · <a href=\"/public/experiments?lang={lc}\">{}</a></p></section>",
        t(l, "pf_rule"),
        esc(match l {
            Lang::Fr => RULE_FR,
            Lang::En => RULE_EN,
        }),
        t(l, "pf_csv"),
        t(l, "exp_programme"),
        t(l, "pf_public"),
    );
    // The timeline.
    let shown: Vec<&Experiment> = rows.iter().map(|r| &r.experiment).collect();
    if let Some(svg) = timeline_chart(&shown, day, l.report()) {
        let _ = write!(
            body,
            "<section class=chart>{svg}<p class=note>{}</p></section>",
            t(l, "pf_timeline_hint")
        );
    }
    // Each indicator's definition and source.
    let _ = write!(
        body,
        "<section><h2>{}</h2><table class=portfolio><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
        t(l, "pf_definitions"),
        t(l, "exp_indicator"),
        t(l, "pf_definition"),
        t(l, "pf_source"),
    );
    for r in &rows {
        for i in &r.indicators {
            let illustrative = if i.about.illustrative {
                format!(" <span class=tag>{}</span>", t(l, "pf_illustrative"))
            } else {
                String::new()
            };
            let _ = write!(
                body,
                "<tr><td>{} ({}){illustrative}<br><span class=note>{}</span></td><td>{}</td><td>{}</td></tr>",
                esc(&indicator_name(l, &i.name)),
                esc(&i.unit),
                esc(&r.experiment.title),
                if i.about.definition.is_empty() {
                    "—".to_string()
                } else {
                    crate::page_support::in_english(l, &i.about.definition)
                },
                crate::page_support::in_english(l, &i.source),
            );
        }
    }
    body.push_str("</table>");
    if l == Lang::Fr {
        let _ = write!(body, "<p class=note>{}</p>", t(l, "pf_definitions_en"));
    }
    body.push_str("</section>");
    let title = format!("{} — {}", t(l, "pf_title"), l.report().day(date));
    Ok(Html(page(l, &title, Some(&cx.user), &body)))
}

/// `GET /programme/portfolio.csv`.
pub(crate) async fn portfolio_csv_file(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<PortfolioQuery>,
) -> Result<Response, ApiError> {
    let day = q.day()?;
    let rows = positions(&state, &user, day).await?;
    let rows: Vec<(&str, &Experiment, &Position)> = rows
        .iter()
        .filter(|r| q.keeps(&r.experiment, &r.position))
        .map(|r| (r.slug.as_str(), &r.experiment, &r.position))
        .collect();
    let name = format!("portfolio_{}.csv", day.with_timezone(&PARIS).date_naive());
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        portfolio_csv(&rows),
    )
        .into_response())
}

/// The published experiments on `day`: slug, experiment, indicators.
async fn published(
    state: &AppState,
    day: DateTime<Utc>,
) -> Result<(std::sync::Arc<crate::experiments::Programme>, Vec<usize>), ApiError> {
    let (p, _) = programme_for(state, None).await?;
    let idx = p
        .each
        .iter()
        .enumerate()
        .filter(|(_, (_, e, _))| e.published.is_some_and(|d| d <= day))
        .map(|(i, _)| i)
        .collect();
    Ok((p, idx))
}

/// `GET /public/experiments`: the published experiments, signed out.
pub(crate) async fn page_public_list(
    State(state): State<AppState>,
    Query(q): Query<PortfolioQuery>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    let l = Lang::pick(q.lang.as_deref(), &headers);
    let now = Utc::now();
    let (p, idx) = published(&state, now).await?;
    let lc = l.code();
    let mut body = format!("<p>{}</p><section><ul>", t(l, "pub_intro"));
    for i in &idx {
        let (slug, e, _) = &p.each[*i];
        let _ = write!(
            body,
            "<li><b>{}</b> — <a href=\"/public/experiments/{}?lang={lc}\">{}</a></li>",
            esc(&e.commune),
            esc(slug),
            esc(&e.title)
        );
    }
    if idx.is_empty() {
        let _ = write!(body, "<li>{}</li>", t(l, "exp_none"));
    }
    let _ = write!(
        body,
        "</ul></section><section><h2>{}</h2><p>{}</p><ul><li><a href=\"/open-data/indicators.csv\">indicators.csv</a></li>\
         <li><a href=\"/open-data/indicators.json\">indicators.json</a></li>\
         <li><a href=\"/open-data/dataset.jsonld\">dataset.jsonld</a> (DCAT-AP)</li></ul></section>",
        t(l, "pub_open_data"),
        t(l, "pub_open_data_hint"),
    );
    Ok(Html(page(l, t(l, "pub_title"), None, &body)))
}

/// A monthly bar chart of one indicator, months before `day`'s.
fn indicator_chart(i: &Indicator, day: DateTime<Utc>, l: Lang) -> Option<String> {
    let now = quartier_report::experiment::month_of(day, PARIS);
    let months: Vec<&(Month, quartier_evaluate::Cell)> =
        i.monthly.iter().filter(|(m, _)| *m < now).collect();
    if months.len() < 2 {
        return None;
    }
    Some(bar_chart(&BarChart {
        title: indicator_name(l, &i.name),
        categories: months
            .iter()
            .map(|(m, _)| l.month_label(&month_label(*m)))
            .collect(),
        x: AxisSpec::new(t(l, "exp_month"), ""),
        y: AxisSpec::new(&indicator_name(l, &i.name), &i.unit),
        series: vec![BarSeries {
            label: indicator_name(l, &i.name),
            values: months.iter().map(|(_, c)| c.value).collect(),
            errors: None,
            color: None,
        }],
        reference: None,
        locale: l.chart_locale(),
        ..BarChart::default()
    }))
}

/// `GET /public/experiments/{slug}`: a published experiment, signed out.
pub(crate) async fn page_public(
    State(state): State<AppState>,
    UrlPath(slug): UrlPath<String>,
    Query(q): Query<PortfolioQuery>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    let l = Lang::pick(q.lang.as_deref(), &headers);
    let now = Utc::now();
    let (p, idx) = published(&state, now).await?;
    let Some((_, e, inds)) = idx.iter().map(|i| &p.each[*i]).find(|(s, ..)| *s == slug) else {
        return Err(ApiError::NotFound.into());
    };
    let lc = l.code();
    let mut body = format!(
        "<p><a href=\"/public/experiments?lang={lc}\">{}</a></p><p><b>{}</b> — {} → {} — {}</p>",
        t(l, "pub_title"),
        esc(&e.commune),
        crate::experiments::day(l, e.start, e.timezone),
        crate::experiments::day(l, e.end, e.timezone),
        esc(&theme_label(l, e.theme)),
    );
    if let Some(s) = &e.summary {
        let _ = write!(body, "<p>{}</p>", esc(s));
    }
    if let Some(lead) = &e.lead {
        let _ = write!(body, "<p><b>{}</b> {}</p>", t(l, "pub_lead"), esc(lead));
    }
    body.push_str(&data_source_html(l, e));
    if inds.iter().any(|i| i.about.illustrative) {
        let _ = write!(
            body,
            "<p class=\"badge st-late\">{}</p>",
            t(l, "pub_illustrative")
        );
    }
    // The evaluation: its verdict and charts, unless its meter is a private person's.
    let avoided_publishable = inds
        .iter()
        .find(|i| i.name == "avoided energy")
        .is_some_and(|i| i.about.publishable());
    if avoided_publishable
        && let Some(entry) = entry_of(&state, &slug).await?
        && let Outcome::Evaluated(ev) = &entry.outcome
        && ev.energy.is_some()
    {
        let _ = write!(body, "<h2>{}</h2>", t(l, "pub_evaluation"));
        energy_html(&mut body, ev, l);
        let _ = write!(body, "<p class=note>{}</p>", t(l, "pub_method"));
    }
    // The indicators.
    let _ = write!(
        body,
        "<section><h2>{}</h2><table class=portfolio><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        t(l, "exp_indicators"),
        t(l, "exp_indicator"),
        t(l, "exp_total"),
        t(l, "exp_target"),
        t(l, "pf_definition"),
    );
    let shown: Vec<&Indicator> = inds.iter().filter(|i| i.about.publishable()).collect();
    let now_month = quartier_report::experiment::month_of(now, PARIS);
    for i in &shown {
        let so_far: Vec<quartier_evaluate::Cell> = i
            .monthly
            .iter()
            .filter(|(m, _)| *m < now_month)
            .map(|(_, c)| *c)
            .collect();
        let total = i.aggregate.of(&so_far);
        let _ = write!(
            body,
            "<tr><td>{}{}</td><td>{} {}</td><td>{}</td><td>{}<br><span class=note>{}</span></td></tr>",
            esc(&indicator_name(l, &i.name)),
            if i.about.illustrative {
                format!(" <span class=tag>{}</span>", t(l, "pf_illustrative"))
            } else {
                String::new()
            },
            cell_text(total, l),
            esc(&i.unit),
            i.target.map_or("—".into(), |tg| n(tg.value, 0, l)),
            crate::page_support::in_english(l, &i.about.definition),
            crate::page_support::in_english(l, &i.source),
        );
    }
    body.push_str("</table></section>");
    for i in &shown {
        if i.name == "avoided energy" {
            continue;
        }
        if let Some(svg) = indicator_chart(i, now, l) {
            let _ = write!(body, "<section class=chart>{svg}</section>");
        }
    }
    let _ = write!(
        body,
        "<p><a href=\"/open-data/indicators.csv\">{}</a></p>",
        t(l, "pub_open_data")
    );
    Ok(Html(page(l, &e.title, None, &body)))
}

/// The open data of the published experiments today.
async fn today_open_data(state: &AppState) -> Result<OpenData, ApiError> {
    let now = Utc::now();
    let (p, idx) = published(state, now).await?;
    let offered: Vec<Offered<'_>> = idx
        .iter()
        .map(|i| {
            let (slug, e, inds) = &p.each[*i];
            Offered {
                id: slug,
                experiment: e,
                indicators: inds,
            }
        })
        .collect();
    let options = OpenDataOptions {
        private_names: p.private_names.clone(),
        // The files' links are relative to the metadata, all three under /open-data/.
        ..OpenDataOptions::default()
    };
    open_data(
        &offered,
        local_midnight(now.with_timezone(&PARIS).date_naive(), PARIS),
        &options,
    )
    .map_err(|e| ApiError::Internal(format!("open data refused: {e}")))
}

/// `GET /open-data/{file}`: `indicators.csv`, `indicators.json` or `dataset.jsonld`.
pub(crate) async fn open_data_file(
    State(state): State<AppState>,
    UrlPath(file): UrlPath<String>,
) -> Result<Response, ApiError> {
    let media = match file.as_str() {
        "indicators.csv" => "text/csv; charset=utf-8",
        "indicators.json" => "application/json",
        "dataset.jsonld" => "application/ld+json",
        _ => return Err(ApiError::NotFound),
    };
    let data = today_open_data(&state).await?;
    let bytes = data
        .files()
        .iter()
        .find(|(n, _)| *n == file)
        .map(|(_, b)| b.to_vec())
        .unwrap_or_default();
    Ok((StatusCode::OK, [(header::CONTENT_TYPE, media)], bytes).into_response())
}

//! Experiments (measurement and verification) and the programme overview: the API
//! (`/api/v1/experiments`, `/api/v1/experiments/{slug}`, `/api/v1/programme`) and the pages
//! (`/experiments`, `/experiments/{slug}`, `/programme`).
//!
//! Experiments are the files `data_dir/experiments/*.toml` (the slug is the file name without
//! `.toml`); `POST /api/v1/experiments` validates a new file like a district upload and
//! writes it there. Relative paths in a file resolve against that folder.
//!
//! Evaluation runs on first read, not as a job: evaluating an experiment takes about 0.1 s
//! and the programme (which simulates the districts experiments name) about 0.4 s, so a job
//! would add polling for nothing (whole processes, debug build, 2-core machine:
//! `time quartier -q evaluate examples/experiments/meudon-renovation-mairie-annexe.toml --out
//! DIR` 0.10–0.11 s, `time quartier -q programme examples/experiments --out DIR` 0.41–0.42 s). Results are cached in memory, keyed by the file's text and
//! the size and modification time of every file it reads, so an edited file or data file is
//! re-evaluated on the next read; after a restart the first read evaluates again.
//!
//! Visibility: the programme sees every experiment; an organiser sees an experiment only when
//! its file names a district (`district = "…"`) whose `[site] name` is the district they
//! organise; a participant sees none. Anything not visible answers 404 like a missing slug.
//! The pipeline is [`quartier_report::experiment`] and [`quartier_report::programme`],
//! shared with the CLI; this module only finds files, caches, checks roles and converts.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Datelike, Utc};
use quartier_evaluate::{
    Cell, Indicator, Month, ProgrammeTable, cumulative_avoided, programme_table,
};
use quartier_model::Experiment;
use quartier_report::evaluation_charts::{ChartText, baseline_chart, cumulative_chart};
use quartier_report::experiment::{
    Evaluated, evaluate_experiment, indicators_besides_energy, month_label, own_table,
};
use quartier_report::programme::{
    Note, NoteKind, experiment_files, first_month, indicators_by_experiment,
    simulate_district_balance,
};
use quartier_store::{DistrictRow, ReportValue, Role};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::auth::{CurrentUser, MaybeUser};
use crate::districts::problems;
use crate::error::{ApiError, InputProblem};
use crate::html::{esc, page, signed};
use crate::i18n::{Lang, t};
use crate::page_support::{LangQuery, PageContext, PageError};

/// Months of the programme table.
const PROGRAMME_MONTHS: usize = 24;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/experiments", get(api_list).post(api_create))
        .route("/api/v1/experiments/{slug}", get(api_read))
        .route("/api/v1/programme", get(api_programme))
        .route("/api/v1/programme/portfolio", get(api_portfolio))
        .route(
            "/api/v1/experiments/{slug}/publication",
            axum::routing::post(api_publish),
        )
        .route(
            "/experiments/{slug}/publish",
            axum::routing::post(page_publish),
        )
        .route("/experiments", get(page_list))
        .route("/experiments/{slug}", get(page_read))
        .route("/programme", get(crate::portfolio::page_portfolio))
        .route(
            "/programme/portfolio.csv",
            get(crate::portfolio::portfolio_csv_file),
        )
        .route("/programme/indicators", get(page_programme))
        .route(
            "/public/experiments",
            get(crate::portfolio::page_public_list),
        )
        .route(
            "/public/experiments/{slug}",
            get(crate::portfolio::page_public),
        )
        .route("/open-data/{file}", get(crate::portfolio::open_data_file))
}

// ---------------------------------------------------------------------------------------------
// Finding, evaluating and caching

/// What reading one experiment file gave.
pub(crate) enum Outcome {
    /// The file does not parse: every problem, located.
    Invalid(Vec<InputProblem>),
    /// The file parses but its evaluation failed (missing data, too little baseline…).
    Failed(Box<Experiment>, String),
    /// Evaluated.
    Evaluated(Box<Evaluated>),
}

/// One experiment file and its evaluation.
pub(crate) struct Entry {
    pub(crate) slug: String,
    pub(crate) outcome: Outcome,
    /// `[site] name` of the district file the experiment names, if it reads.
    district_name: Option<String>,
    /// What the cached result depends on.
    fingerprint: Fingerprint,
}

impl Entry {
    pub(crate) fn experiment(&self) -> Option<&Experiment> {
        match &self.outcome {
            Outcome::Invalid(_) => None,
            Outcome::Failed(e, _) => Some(e),
            Outcome::Evaluated(ev) => Some(&ev.experiment),
        }
    }
}

/// The file's text and the size and modification time of each file it reads.
#[derive(Clone, PartialEq)]
struct Fingerprint {
    text: String,
    inputs: Vec<(PathBuf, Option<(u64, SystemTime)>)>,
}

fn stamp(p: &Path) -> Option<(u64, SystemTime)> {
    let m = std::fs::metadata(p).ok()?;
    Some((m.len(), m.modified().ok()?))
}

fn fingerprint(text: &str, e: Option<&Experiment>) -> Fingerprint {
    let mut inputs: Vec<PathBuf> = Vec::new();
    if let Some(e) = e {
        inputs.extend(e.meters.iter().map(|m| m.data.path().to_path_buf()));
        inputs.extend(e.temperature.iter().map(|t| t.path.clone()));
        inputs.extend(e.district.iter().cloned());
        inputs.extend(e.community.iter().cloned());
    }
    Fingerprint {
        text: text.to_string(),
        inputs: inputs
            .into_iter()
            .map(|p| {
                let s = stamp(&p);
                (p, s)
            })
            .collect(),
    }
}

type Cache = Mutex<HashMap<PathBuf, Arc<Entry>>>;

fn cache() -> &'static Cache {
    static C: OnceLock<Cache> = OnceLock::new();
    C.get_or_init(|| Mutex::new(HashMap::new()))
}

fn experiments_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("experiments")
}

/// A slug is a file stem of letters, digits, `-` and `_` (so it is safe in URLs and paths).
fn valid_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Hides the server's data folder in messages shown to users.
fn relative(msg: &str, data_dir: &Path) -> String {
    let msg = crate::districts::without_folder(msg, &experiments_dir(data_dir));
    crate::districts::without_folder(&msg, data_dir)
}

/// The evaluated experiment `slug` of the data folder, whoever asks (the public pages check
/// that it is published). `None` when absent, invalid or failed.
pub(crate) async fn entry_of(state: &AppState, slug: &str) -> Result<Option<Arc<Entry>>, ApiError> {
    if !valid_slug(slug) {
        return Ok(None);
    }
    let path = experiments_dir(&state.config.data_dir).join(format!("{slug}.toml"));
    if !path.is_file() {
        return Ok(None);
    }
    let (dir, s) = (state.config.data_dir.clone(), slug.to_string());
    let entry = tokio::task::spawn_blocking(move || load_entry(&dir, &s, &path))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(matches!(entry.outcome, Outcome::Evaluated(_)).then_some(entry))
}

/// Lays a laureate's reported values over the experiment's indicators: a reported month
/// replaces what the file says of it (an indicator computed by Quartier is never replaced).
pub(crate) fn overlay<'a>(ev: &mut Evaluated, reports: impl IntoIterator<Item = &'a ReportValue>) {
    for r in reports {
        let Some(month) = quartier_model::parse_month(&r.month) else {
            continue;
        };
        if let Some(i) = ev
            .indicators
            .iter_mut()
            .find(|i| i.about.reported && i.name == r.indicator)
        {
            i.set_month(month, r.value);
        }
    }
}

/// `entry` with its laureate's reports laid over its indicators (the entry itself when there
/// are none).
async fn with_reports(state: &AppState, entry: Arc<Entry>) -> Result<Arc<Entry>, ApiError> {
    let Outcome::Evaluated(ev) = &entry.outcome else {
        return Ok(entry);
    };
    let reports = state.store.reports(&entry.slug).await?;
    if reports.is_empty() {
        return Ok(entry);
    }
    let mut ev = (**ev).clone();
    overlay(&mut ev, &reports);
    Ok(Arc::new(Entry {
        slug: entry.slug.clone(),
        outcome: Outcome::Evaluated(Box::new(ev)),
        district_name: entry.district_name.clone(),
        fingerprint: entry.fingerprint.clone(),
    }))
}

/// Reads (or takes from the cache) the experiment at `path`. Blocking.
/// An experiment file of the server, every file it names confined to the data folder: a
/// programme user may not make the server read (and quote) any other file.
fn parse_confined(
    text: &str,
    path: &Path,
    data_dir: &Path,
) -> Result<(quartier_model::Experiment, quartier_model::SourceMap), quartier_model::Diagnostics> {
    let options = quartier_model::ExperimentOptions {
        files_within: Some(data_dir),
    };
    quartier_model::parse_experiment_in(text, path, &options)
}

fn load_entry(data_dir: &Path, slug: &str, path: &Path) -> Arc<Entry> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    // Parsing depends only on the text and the path (the cache key): with the same text, the
    // cached entry's experiment names the same inputs, so a hit costs no parse.
    let same_text = cache().lock().ok().and_then(|map| {
        map.get(path)
            .filter(|e| e.fingerprint.text == text)
            .cloned()
    });
    if let Some(hit) = same_text
        && hit.fingerprint == fingerprint(&text, hit.experiment())
    {
        return hit;
    }
    let parsed = parse_confined(&text, path, data_dir).map(|(e, _)| e);
    let fp = fingerprint(&text, parsed.as_ref().ok());
    let (outcome, district_name) = match parsed {
        Err(diags) => {
            let mut ps = problems(&diags, &experiments_dir(data_dir));
            for p in &mut ps {
                p.message = relative(&p.message, data_dir);
            }
            (Outcome::Invalid(ps), None)
        }
        Ok(e) => {
            let district_name = e.district.as_deref().and_then(|d| {
                quartier_model::read_district(d)
                    .ok()
                    .map(|(d, _)| d.site.name)
            });
            let outcome = match evaluate_experiment(e.clone()) {
                Ok(ev) => Outcome::Evaluated(Box::new(ev)),
                Err(err) => Outcome::Failed(Box::new(e), relative(&err.to_string(), data_dir)),
            };
            (outcome, district_name)
        }
    };
    let entry = Arc::new(Entry {
        slug: slug.to_string(),
        outcome,
        district_name,
        fingerprint: fp,
    });
    if let Ok(mut map) = cache().lock() {
        map.insert(path.to_path_buf(), entry.clone());
    }
    entry
}

/// Every experiment of the data folder, by file name. Blocking.
fn load_all(data_dir: &Path) -> Vec<Arc<Entry>> {
    let files = experiment_files(&experiments_dir(data_dir)).unwrap_or_default();
    files
        .iter()
        .filter_map(|f| {
            let slug = f.file_stem()?.to_str()?.to_string();
            valid_slug(&slug).then(|| load_entry(data_dir, &slug, f))
        })
        .collect()
}

async fn all_entries(state: &AppState) -> Result<Vec<Arc<Entry>>, ApiError> {
    let dir = state.config.data_dir.clone();
    tokio::task::spawn_blocking(move || load_all(&dir))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// May `user` see `entry`? See the module documentation.
fn sees(user: &CurrentUser, entry: &Entry, districts: &[DistrictRow]) -> bool {
    match user.user.role {
        Role::Programme => true,
        Role::Participant | Role::Applicant | Role::Reviewer => false,
        Role::Laureate => user.user.experiment.as_deref() == Some(entry.slug.as_str()),
        Role::Organiser => entry.district_name.as_ref().is_some_and(|name| {
            districts
                .iter()
                .any(|d| &d.name == name && user.user.district_id == Some(d.id))
        }),
    }
}

/// Every experiment and the ones `user` sees among them; a participant gets 404 (the
/// feature does not exist for them).
async fn all_and_visible_entries(
    state: &AppState,
    user: &CurrentUser,
) -> Result<(Vec<Arc<Entry>>, Vec<Arc<Entry>>), ApiError> {
    if matches!(
        user.user.role,
        Role::Participant | Role::Applicant | Role::Reviewer
    ) {
        return Err(ApiError::NotFound);
    }
    let districts = state.store.districts().await?;
    let all = all_entries(state).await?;
    let visible = all
        .iter()
        .filter(|e| sees(user, e, &districts))
        .cloned()
        .collect();
    Ok((all, visible))
}

/// The experiments `user` sees; a participant gets 404 (the feature does not exist for them).
async fn visible_entries(
    state: &AppState,
    user: &CurrentUser,
) -> Result<Vec<Arc<Entry>>, ApiError> {
    Ok(all_and_visible_entries(state, user).await?.1)
}

pub(crate) async fn visible_entry(
    state: &AppState,
    user: &CurrentUser,
    slug: &str,
) -> Result<Arc<Entry>, ApiError> {
    if user.user.role == Role::Participant || !valid_slug(slug) {
        return Err(ApiError::NotFound);
    }
    let path = experiments_dir(&state.config.data_dir).join(format!("{slug}.toml"));
    if !path.is_file() {
        return Err(ApiError::NotFound);
    }
    let (dir, s) = (state.config.data_dir.clone(), slug.to_string());
    let entry = tokio::task::spawn_blocking(move || load_entry(&dir, &s, &path))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let districts = state.store.districts().await?;
    if !sees(user, &entry, &districts) {
        return Err(ApiError::NotFound);
    }
    with_reports(state, entry).await
}

/// The programme built from every evaluated experiment, with notes.
pub(crate) struct Programme {
    pub(crate) table: ProgrammeTable,
    pub(crate) notes: Vec<Note>,
    /// Each evaluated experiment: its slug, the experiment, its indicators (its own and its
    /// district's), in file order.
    pub(crate) each: Vec<(String, Experiment, Vec<Indicator>)>,
    /// The districts' private persons (never published).
    pub(crate) private_names: Vec<String>,
}

/// What a built programme depends on: the cached entries (the same Arcs mean the same inputs)
/// and the laureates' reports.
type ProgrammeKey = (Vec<usize>, Vec<(String, ReportValue)>);

type ProgrammeCache = Mutex<HashMap<PathBuf, (ProgrammeKey, Arc<Programme>)>>;

fn programme_cache() -> &'static ProgrammeCache {
    static C: OnceLock<ProgrammeCache> = OnceLock::new();
    C.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Builds (or takes from the cache) the programme of every experiment. Blocking: simulates
/// the districts experiments name.
fn build_programme(
    data_dir: &Path,
    entries: &[Arc<Entry>],
    reports: Vec<(String, ReportValue)>,
) -> Arc<Programme> {
    // The entries are cached themselves: the same Arcs mean the same inputs.
    let key: ProgrammeKey = (
        entries.iter().map(|e| Arc::as_ptr(e) as usize).collect(),
        reports,
    );
    if let Ok(map) = programme_cache().lock()
        && let Some((k, p)) = map.get(data_dir)
        && *k == key
    {
        return p.clone();
    }
    let (slugs, evaluated): (Vec<String>, Vec<Evaluated>) = entries
        .iter()
        .filter_map(|e| match &e.outcome {
            Outcome::Evaluated(ev) => {
                let mut ev = (**ev).clone();
                overlay(
                    &mut ev,
                    key.1.iter().filter(|(s, _)| *s == e.slug).map(|(_, r)| r),
                );
                Some((e.slug.clone(), ev))
            }
            _ => None,
        })
        .unzip();
    // An invalid file has no commune or title: its page says what is wrong, the table has
    // no row for it.
    let mut notes: Vec<Note> = entries
        .iter()
        .filter_map(|e| match &e.outcome {
            Outcome::Failed(x, why) => Some(Note {
                commune: x.commune.clone(),
                title: x.title.clone(),
                what: NoteKind::Failed {
                    detail: relative(why, data_dir),
                },
            }),
            Outcome::Invalid(_) | Outcome::Evaluated(_) => None,
        })
        .collect();
    let mut private_names = Vec::new();
    let (each, more) = match indicators_by_experiment(&evaluated, |p| {
        let b = simulate_district_balance(p).ok();
        if let Some(b) = &b {
            private_names.extend(b.private_names.iter().cloned());
        }
        Ok::<_, std::convert::Infallible>(b)
    }) {
        Ok(x) => x,
        Err(never) => match never {},
    };
    let indicators: Vec<Indicator> = each.iter().flatten().cloned().collect();
    notes.extend(more.into_iter().map(|mut n| {
        if let NoteKind::NotSimulated { district } = &mut n.what {
            *district = relative(district, data_dir);
        }
        n
    }));
    let first = first_month(&evaluated).unwrap_or((2000, 1));
    let p = Arc::new(Programme {
        table: programme_table(indicators, first, PROGRAMME_MONTHS),
        notes,
        each: slugs
            .into_iter()
            .zip(evaluated)
            .zip(each)
            .map(|((slug, ev), inds)| (slug, ev.experiment, inds))
            .collect(),
        private_names,
    });
    if let Ok(mut map) = programme_cache().lock() {
        map.insert(data_dir.to_path_buf(), (key, p.clone()));
    }
    p
}

/// The programme of every experiment of the data folder (built or cached), and the slugs
/// `user` sees (`None`: the public, who see no unpublished experiment and no table).
pub(crate) async fn programme_for(
    state: &AppState,
    user: Option<&CurrentUser>,
) -> Result<(Arc<Programme>, Vec<String>), ApiError> {
    let (all, visible) = match user {
        Some(u) => all_and_visible_entries(state, u).await?,
        None => {
            let all = all_entries(state).await?;
            (all, Vec::new())
        }
    };
    let dir = state.config.data_dir.clone();
    let reports = state.store.all_reports().await?;
    let p = tokio::task::spawn_blocking(move || build_programme(&dir, &all, reports))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((p, visible.iter().map(|e| e.slug.clone()).collect()))
}

/// The programme table restricted to what `user` sees (all of it for the programme).
async fn visible_programme(
    state: &AppState,
    user: &CurrentUser,
) -> Result<(ProgrammeTable, Vec<Note>), ApiError> {
    // One read of the folder serves both the programme and the visibility filter.
    let (all, visible) = all_and_visible_entries(state, user).await?;
    let dir = state.config.data_dir.clone();
    let reports = state.store.all_reports().await?;
    let p = tokio::task::spawn_blocking(move || build_programme(&dir, &all, reports))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let shown: Vec<(String, String)> = visible
        .iter()
        .filter_map(|e| e.experiment())
        .map(|x| (x.commune.clone(), x.title.clone()))
        .collect();
    let mut table = p.table.clone();
    table.rows.retain(|r| {
        shown
            .iter()
            .any(|(c, ti)| *c == r.indicator.commune && *ti == r.indicator.experiment)
    });
    let notes = p
        .notes
        .iter()
        .filter(|n| {
            shown
                .iter()
                .any(|(c, ti)| *c == n.commune && *ti == n.title)
        })
        .cloned()
        .collect();
    Ok((table, notes))
}

// ---------------------------------------------------------------------------------------------
// Wire types (JSON)

fn local_date(t: chrono::DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz).date_naive().to_string()
}

/// Planned, running or finished, from the experiment's dates.
fn phase(e: &Experiment) -> &'static str {
    let now = Utc::now();
    if now < e.start {
        "planned"
    } else if now < e.end {
        "running"
    } else {
        "finished"
    }
}

pub(crate) fn status(entry: &Entry) -> &'static str {
    match &entry.outcome {
        Outcome::Invalid(_) => "invalid",
        Outcome::Failed(..) => "failed",
        Outcome::Evaluated(ev) => phase(&ev.experiment),
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b != 0.0 { a / b } else { f64::NAN }
}

/// The avoided energy in total: kWh, % of the baseline, FSU.
fn savings_json(ev: &Evaluated) -> Value {
    let Some(en) = &ev.energy else {
        return Value::Null;
    };
    let t = &en.savings.total;
    json!({
        "baseline_kwh": t.baseline_kwh,
        "metered_kwh": t.metered_kwh,
        "avoided_kwh": t.avoided_kwh,
        "uncertainty_kwh": t.uncertainty_kwh,
        "savings_percent": 100.0 * ratio(t.avoided_kwh, t.baseline_kwh),
        "confidence": en.savings.confidence,
        "fsu": t.fsu,
        "fsu_68": en.savings.guideline14.fsu_68,
        "meets_guideline14": en.savings.guideline14.passes(),
    })
}

fn summary_json(entry: &Entry) -> Value {
    let mut v = json!({
        "slug": entry.slug,
        "status": status(entry),
        "district": entry.district_name,
    });
    if let Some(e) = entry.experiment() {
        v["commune"] = json!(e.commune);
        v["title"] = json!(e.title);
        v["data_source"] = json!(e.data_source);
        v["theme"] = json!(e.theme.name());
        v["period"] = json!({
            "start": local_date(e.start, e.timezone),
            "end": local_date(e.end, e.timezone),
        });
    }
    match &entry.outcome {
        Outcome::Invalid(ps) => v["problems"] = json!(ps),
        Outcome::Failed(_, why) => v["error"] = json!(why),
        Outcome::Evaluated(ev) => v["savings"] = savings_json(ev),
    }
    v
}

fn cell_json(c: Option<Cell>) -> Value {
    c.map_or(
        Value::Null,
        |c| json!({ "value": c.value, "uncertainty": c.uncertainty }),
    )
}

/// Cumulative avoided energy (and its uncertainty) at the end of each month: the last day of
/// the month in the report's day-by-day running total.
fn cumulative_by_month(
    ev: &quartier_report::experiment::EnergyEval,
) -> BTreeMap<Month, (f64, f64)> {
    cumulative_avoided(&ev.savings)
        .into_iter()
        .map(|c| {
            (
                (c.day.year(), c.day.month()),
                (c.avoided_kwh, c.uncertainty_kwh),
            )
        })
        .collect()
}

fn detail_json(entry: &Entry) -> Value {
    let mut v = summary_json(entry);
    let Outcome::Evaluated(ev) = &entry.outcome else {
        return v;
    };
    let e = &ev.experiment;
    if let (Some(en), Some(spec)) = (&ev.energy, &e.evaluation) {
        let m = en.fit.metrics();
        let g = &en.savings.guideline14;
        let cum = cumulative_by_month(en);
        let monthly: Vec<Value> = en
            .savings
            .monthly
            .iter()
            .map(|(mo, a)| {
                let (c, cu) = cum.get(mo).copied().unwrap_or((f64::NAN, f64::NAN));
                json!({
                    "month": month_label(*mo),
                    "observations": a.m,
                    "baseline_kwh": a.baseline_kwh,
                    "metered_kwh": a.metered_kwh,
                    "avoided_kwh": a.avoided_kwh,
                    "uncertainty_kwh": a.uncertainty_kwh,
                    "cumulative_avoided_kwh": c,
                    "cumulative_uncertainty_kwh": cu,
                })
            })
            .collect();
        v["energy"] = json!({
            "meter": en.meter,
            "method": match spec.method {
                quartier_model::Method::Daily => "caltrack-daily",
                quartier_model::Method::Hourly => "caltrack-hourly",
                quartier_model::Method::Billing => "caltrack-billing",
            },
            "baseline_period": {
                "start": local_date(spec.baseline.0, e.timezone),
                "end": local_date(spec.baseline.1, e.timezone),
            },
            "reporting_period": {
                "start": local_date(spec.reporting.0, e.timezone),
                "end": local_date(spec.reporting.1, e.timezone),
            },
            "fit": {
                "cv_rmse": m.cv_rmse,
                "nmbe": m.nmbe,
                "r_squared": m.r_squared,
                "n": m.n,
                "p": m.p,
                "autocorrelation": m.autocorrelation,
                "n_effective": m.n_effective,
            },
            "guideline14": {
                "passes": g.passes(),
                "cv_rmse_limit": g.cv_rmse_limit,
                "cv_rmse_exceeded": g.cv_rmse_exceeded,
                "nmbe_limit": g.nmbe_limit,
                "nmbe_exceeded": g.nmbe_exceeded,
                "fsu_68": g.fsu_68,
                "fsu_exceeded": g.fsu_exceeded,
            },
            "monthly": monthly,
            "missing_data": en.coverage.each().iter().map(|(period, series, c)| json!({
                "period": period.key(),
                "series": series.key(),
                "expected_steps": c.expected_steps,
                "missing_steps": c.missing_steps(),
                "fraction_valid": c.fraction_valid(),
                "gaps": c.gaps.iter().map(|g| json!({
                    "from": g.from.to_rfc3339(),
                    "to": g.to.to_rfc3339(),
                    "steps": g.steps,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "adjustments": en.adjustments.iter().map(|a| json!({
                "reason": a.reason,
                "start": local_date(a.period.0, e.timezone),
                "end": local_date(a.period.1, e.timezone),
                "kwh_per_day": a.kwh_per_day,
            })).collect::<Vec<_>>(),
            "adjustments_kwh": en.results().adjustments_in_savings_kwh(),
            "normalised": en.normalised.as_ref().map(|n| json!({
                "baseline_kwh": n.baseline_kwh,
                "reporting_kwh": n.reporting_kwh,
                "avoided_kwh": n.avoided_kwh(),
            })),
        });
    }
    let table = own_table(ev);
    v["indicators"] = json!(
        table
            .rows
            .iter()
            .map(|r| {
                let i = &r.indicator;
                json!({
                    "name": i.name,
                    "unit": i.unit,
                    "source": i.source,
                    "total": cell_json(r.total),
                    "target": i.target.map(|t| t.value),
                    "target_met": r.status.map(|s| s.met),
                    "monthly": table.months.iter().zip(&r.cells).map(|(m, c)| json!({
                        "month": month_label(*m),
                        "value": cell_json(*c),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect::<Vec<_>>()
    );
    v["warnings"] = json!(
        ev.all_warnings()
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
    );
    v
}

fn programme_json(table: &ProgrammeTable, notes: &[Note]) -> Value {
    json!({
        "months": table.months.iter().map(|m| month_label(*m)).collect::<Vec<_>>(),
        "rows": table.rows.iter().map(|r| {
            let i = &r.indicator;
            json!({
                "commune": i.commune,
                "experiment": i.experiment,
                "indicator": i.name,
                "unit": i.unit,
                "source": i.source,
                "cells": r.cells.iter().map(|c| cell_json(*c)).collect::<Vec<_>>(),
                "total": cell_json(r.total),
                "target": i.target.map(|t| t.value),
                "target_met": r.status.map(|s| s.met),
            })
        }).collect::<Vec<_>>(),
        "notes": notes.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

// ---------------------------------------------------------------------------------------------
// API handlers

async fn api_list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let entries = visible_entries(&state, &user).await?;
    Ok(Json(
        json!({ "experiments": entries.iter().map(|e| summary_json(e)).collect::<Vec<_>>() }),
    ))
}

async fn api_read(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(slug): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    let entry = visible_entry(&state, &user, &slug).await?;
    Ok(Json(detail_json(&entry)))
}

async fn api_programme(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let (table, notes) = visible_programme(&state, &user).await?;
    Ok(Json(programme_json(&table, &notes)))
}

/// `GET /api/v1/programme/portfolio?as_of=YYYY-MM-DD`: where each experiment the user sees
/// stands on the day (today by default).
async fn api_portfolio(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<crate::portfolio::PortfolioQuery>,
) -> Result<Json<Value>, ApiError> {
    let day = q.day()?;
    let rows = crate::portfolio::positions(&state, &user, day).await?;
    Ok(Json(crate::portfolio::portfolio_json(&rows, day)))
}

/// The slug of a new experiment: its title in lower-case ASCII words joined by `-`.
fn slug_of(title: &str) -> String {
    let mut s = String::new();
    for c in title.chars() {
        let c = match c {
            'à' | 'â' | 'ä' | 'À' | 'Â' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' => 'e',
            'î' | 'ï' => 'i',
            'ô' | 'ö' => 'o',
            'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            c => c.to_ascii_lowercase(),
        };
        if c.is_ascii_alphanumeric() {
            s.push(c);
        } else if !s.ends_with('-') && !s.is_empty() {
            s.push('-');
        }
    }
    let s: String = s.trim_end_matches('-').chars().take(80).collect();
    let s = s.trim_end_matches('-').to_string();
    if s.is_empty() { "experiment".into() } else { s }
}

#[derive(Deserialize)]
struct CreateExperiment {
    toml: String,
    slug: Option<String>,
}

/// `POST /api/v1/experiments`: the programme registers an experiment file, sent as
/// `application/toml` or as JSON `{"toml": "…", "slug": "…"}`. The file is validated (every
/// problem with its line and field) and evaluated before it is written; 201 with its summary.
async fn api_create(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    match user.user.role {
        Role::Programme => {}
        Role::Organiser | Role::Laureate => return Err(ApiError::Forbidden),
        Role::Participant | Role::Applicant | Role::Reviewer => return Err(ApiError::NotFound),
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (text, slug) = if ct.starts_with("application/json") {
        let req: CreateExperiment = serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("JSON body: {e}")))?;
        (req.toml, req.slug)
    } else if ct.starts_with("application/toml") {
        let text = String::from_utf8(body.to_vec())
            .map_err(|_| ApiError::BadRequest("the body is not UTF-8 text".into()))?;
        (text, None)
    } else {
        return Err(ApiError::BadRequest(
            "send the experiment file as application/toml, or JSON {\"toml\": \"…\"}".into(),
        ));
    };
    let dir = experiments_dir(&state.config.data_dir);
    let data_dir = state.config.data_dir.clone();
    let created = tokio::task::spawn_blocking(move || -> Result<Arc<Entry>, ApiError> {
        // Parsed as if already in the folder, so relative paths resolve there.
        let probe = dir.join("new-experiment.toml");
        let (e, _) = parse_confined(&text, &probe, &data_dir).map_err(|d| {
            let mut ps = problems(&d, &experiments_dir(&data_dir));
            for p in &mut ps {
                p.message = relative(&p.message, &data_dir);
            }
            ApiError::Invalid(ps)
        })?;
        let slug = match slug {
            Some(s) if valid_slug(&s) => s,
            Some(_) => {
                return Err(ApiError::BadRequest(
                    "slug: letters, digits, `-` and `_` only (at most 100)".into(),
                ));
            }
            None => slug_of(&e.title),
        };
        if let Err(err) = evaluate_experiment(e) {
            return Err(ApiError::Invalid(vec![InputProblem::field(
                "evaluation",
                relative(&err.to_string(), &data_dir),
                None,
            )]));
        }
        write_experiment_file(&data_dir, &slug, &text)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok((StatusCode::CREATED, Json(summary_json(&created))).into_response())
}

/// Writes a new experiment file `slug` (never replacing one, even when two writers race) and
/// reads it. Blocking.
fn write_experiment_file(data_dir: &Path, slug: &str, text: &str) -> Result<Arc<Entry>, ApiError> {
    let dir = experiments_dir(data_dir);
    std::fs::create_dir_all(&dir).map_err(|e| ApiError::Internal(e.to_string()))?;
    let path = dir.join(format!("{slug}.toml"));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                ApiError::Conflict(format!("experiment {slug} already exists"))
            }
            _ => ApiError::Internal(e.to_string()),
        })?;
    std::io::Write::write_all(&mut f, text.as_bytes())
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(load_entry(data_dir, slug, &path))
}

/// Publishes experiment `slug` today (Paris): its file gains `published = <date>` (comments
/// and order kept), through [`edit_experiment_file`].
async fn publish_file(state: &AppState, slug: &str) -> Result<Arc<Entry>, ApiError> {
    edit_experiment_file(state, slug, |text| {
        let mut doc: toml_edit::DocumentMut = text
            .parse()
            .map_err(|e| ApiError::Internal(format!("the experiment file: {e}")))?;
        let today = Utc::now()
            .with_timezone(&chrono_tz::Europe::Paris)
            .date_naive();
        doc["published"] = toml_day(today);
        Ok(doc.to_string())
    })
    .await
}

/// Changes experiment `slug`'s file by `change` (its text → the new text): read, changed,
/// checked by the parser as a whole (its problems, located, and nothing written) and written
/// whole ([`write_whole`]), one change at a time so that two never overwrite each other. The
/// entry as it now reads.
pub(crate) async fn edit_experiment_file(
    state: &AppState,
    slug: &str,
    change: impl FnOnce(&str) -> Result<String, ApiError> + Send + 'static,
) -> Result<Arc<Entry>, ApiError> {
    static EDITS: Mutex<()> = Mutex::new(());
    let (data_dir, slug) = (state.config.data_dir.clone(), slug.to_string());
    tokio::task::spawn_blocking(move || {
        let _one_at_a_time = EDITS.lock().unwrap_or_else(|p| p.into_inner());
        let path = experiments_dir(&data_dir).join(format!("{slug}.toml"));
        let text = std::fs::read_to_string(&path).map_err(|_| ApiError::NotFound)?;
        let new = change(&text)?;
        parse_confined(&new, &path, &data_dir)
            .map_err(|d| ApiError::Invalid(problems(&d, &experiments_dir(&data_dir))))?;
        write_whole(&path, new.as_bytes())?;
        Ok(load_entry(&data_dir, &slug, &path))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// A local day as a TOML date, as the experiment files write them.
pub(crate) fn toml_day(d: chrono::NaiveDate) -> toml_edit::Item {
    toml_edit::value(toml_edit::Datetime {
        date: Some(toml_edit::Date {
            year: u16::try_from(d.year()).unwrap_or_default(),
            month: d.month() as u8,
            day: d.day() as u8,
        }),
        time: None,
        offset: None,
    })
}

/// Writes `path` whole: a temporary file beside it, renamed over it (a reader sees the old
/// text or the new, never half). Blocking.
pub(crate) fn write_whole(path: &Path, bytes: &[u8]) -> Result<(), ApiError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".writing");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(|e| ApiError::Internal(e.to_string()))?;
    std::fs::rename(&tmp, path).map_err(|e| ApiError::Internal(e.to_string()))
}

async fn publish(state: &AppState, user: &CurrentUser, slug: &str) -> Result<Arc<Entry>, ApiError> {
    if user.user.role != Role::Programme {
        visible_entry(state, user, slug).await?;
        return Err(ApiError::ForbiddenBecause(
            "only the programme team publishes an experiment's results".into(),
        ));
    }
    let entry = visible_entry(state, user, slug).await?;
    if entry.experiment().is_none() {
        return Err(ApiError::Conflict(
            "the experiment file has problems: it is not published".into(),
        ));
    }
    publish_file(state, slug).await
}

/// `POST /api/v1/experiments/{slug}/publication`: the programme team publishes the results
/// (public page, open data) from today.
async fn api_publish(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(slug): UrlPath<String>,
) -> Result<Json<Value>, ApiError> {
    let entry = publish(&state, &user, &slug).await?;
    Ok(Json(summary_json(&entry)))
}

/// `POST /experiments/{slug}/publish`: the same from the experiment's page.
async fn page_publish(
    State(state): State<AppState>,
    u: MaybeUser,
    UrlPath(slug): UrlPath<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    axum::extract::Form(f): axum::extract::Form<crate::page_support::CsrfForm>,
) -> Result<Response, PageError> {
    let l = q.pick(&headers);
    let cx = PageContext::signed_in(u.0, l)?;
    let work = async {
        crate::page_support::check_csrf(&cx.user, &f.csrf)?;
        publish(&state, &cx.user, &slug).await?;
        Ok(
            axum::response::Redirect::to(&format!("/experiments/{slug}?lang={}", l.code()))
                .into_response(),
        )
    };
    cx.respond(work.await)
}

/// The slug of a new experiment: `wanted` when it is one, else made from it as from a title.
pub(crate) fn new_experiment_slug(wanted: &str) -> Result<String, ApiError> {
    Ok(if valid_slug(wanted) {
        wanted.to_string()
    } else {
        slug_of(wanted)
    })
}

/// The file of server district `d` as an experiment names it (`../<file>.toml`, from the
/// experiments' folder): a district file at the top of the data folder whose `[site] name` is
/// the district's, else `district-<id>.toml` written there from the stored district (its
/// relative paths resolve from the data folder, as when it was uploaded).
pub(crate) async fn district_file(state: &AppState, d: &DistrictRow) -> Result<String, ApiError> {
    let (data_dir, d) = (state.config.data_dir.clone(), d.clone());
    tokio::task::spawn_blocking(move || {
        let named = |path: &Path| {
            let text = std::fs::read_to_string(path).ok()?;
            let doc: toml_edit::DocumentMut = text.parse().ok()?;
            doc.get("site")?
                .get("name")?
                .as_str()
                .map(|n| crate::calls::same_name(n, &d.name))
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&data_dir)
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect();
        files.sort();
        if let Some(f) = files.iter().find(|p| named(p) == Some(true))
            && let Some(name) = f.file_name().and_then(|n| n.to_str())
        {
            return Ok(format!("../{name}"));
        }
        let name = format!("district-{}.toml", d.id);
        write_whole(&data_dir.join(&name), d.source_toml.as_bytes())?;
        Ok(format!("../{name}"))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

/// Writes experiment `slug` (text checked by the experiment parser first, its files confined
/// to the data folder): what a selected application becomes.
pub(crate) async fn write_new_experiment(
    state: &AppState,
    slug: &str,
    text: &str,
) -> Result<(), ApiError> {
    let (data_dir, slug, text) = (
        state.config.data_dir.clone(),
        slug.to_string(),
        text.to_string(),
    );
    tokio::task::spawn_blocking(move || {
        // The folder exists before the text is checked: the district it names is found from
        // there (`../…`).
        std::fs::create_dir_all(experiments_dir(&data_dir))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let probe = experiments_dir(&data_dir).join(format!("{slug}.toml"));
        parse_confined(&text, &probe, &data_dir)
            .map_err(|d| ApiError::Invalid(problems(&d, &experiments_dir(&data_dir))))?;
        write_experiment_file(&data_dir, &slug, &text).map(|_| ())
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
}

// ---------------------------------------------------------------------------------------------
// Pages

/// A number in `lang` with a narrow space between thousands; `—` when not finite.
pub(crate) fn n(x: f64, d: usize, lang: Lang) -> String {
    signed(x, d, lang.point())
}

/// A share as a percentage in `lang`; `—` when not finite.
fn pct(x: f64, lang: Lang) -> String {
    if x.is_finite() {
        lang.percent(x)
    } else {
        "—".into()
    }
}

/// The local day of instant `t` in the experiment's zone `tz`, as people write it.
pub(crate) fn day(l: Lang, t: chrono::DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    crate::i18n::day_label(l, t.with_timezone(&tz).date_naive())
}

/// An indicator's name in `l`: those the programme computes itself are translated; the
/// others are the names an experiment file gives its KPIs, shown as written.
pub(crate) fn indicator_name(l: Lang, name: &str) -> String {
    match name {
        "avoided energy" => t(l, "exp_ind_avoided").to_string(),
        "positive-energy balance (production − consumption)" => {
            t(l, "exp_ind_balance").to_string()
        }
        "PV production used in the district" => t(l, "exp_ind_pv_used").to_string(),
        "hydrogen produced" => t(l, "exp_ind_h2").to_string(),
        "energy delivered to electric vehicles" => t(l, "exp_ind_ev").to_string(),
        "energy charged into the fleets" => t(l, "exp_ind_fleet").to_string(),
        "energy shared in the community" => t(l, "exp_ind_shared").to_string(),
        other => other.to_string(),
    }
}

fn status_label(entry: &Entry, l: Lang) -> &'static str {
    match status(entry) {
        "invalid" => t(l, "exp_invalid"),
        "failed" => t(l, "exp_failed"),
        "planned" => t(l, "exp_planned"),
        "running" => t(l, "exp_running"),
        _ => t(l, "exp_finished"),
    }
}

async fn page_list(
    State(state): State<AppState>,
    u: MaybeUser,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    let l = q.pick(&headers);
    let cx = PageContext::signed_in(u.0, l)?;
    let user = &cx.user;
    let entries = visible_entries(&state, user)
        .await
        .map_err(|e| cx.fail(e))?;
    let mut body = format!(
        "<p><a href=\"/programme?lang={lc}\">{p}</a> · <a href=\"/programme/indicators?lang={lc}\">{m}</a></p>\
         <section><table><tr><th>{c}</th><th>{e}</th>\
         <th>{per}</th><th>{st}</th><th>{av}</th><th>{sp}</th><th>{fsu}</th></tr>",
        lc = l.code(),
        p = t(l, "pf_title"),
        m = t(l, "exp_programme"),
        c = t(l, "exp_commune"),
        e = t(l, "exp_experiment"),
        per = t(l, "exp_period"),
        st = t(l, "status"),
        av = t(l, "exp_avoided"),
        sp = t(l, "exp_savings_pct"),
        fsu = t(l, "exp_fsu"),
    );
    for entry in &entries {
        let (commune, title, period) = match entry.experiment() {
            Some(e) => (
                e.commune.clone(),
                e.title.clone(),
                format!(
                    "{} → {}",
                    day(l, e.start, e.timezone),
                    day(l, e.end, e.timezone)
                ),
            ),
            None => (String::new(), entry.slug.clone(), String::new()),
        };
        let (avoided, share, fsu) = match &entry.outcome {
            Outcome::Evaluated(ev) => match &ev.energy {
                Some(en) => {
                    let tt = &en.savings.total;
                    (
                        format!(
                            "{} ± {} kWh",
                            n(tt.avoided_kwh, 0, l),
                            n(tt.uncertainty_kwh, 0, l)
                        ),
                        pct(ratio(tt.avoided_kwh, tt.baseline_kwh), l),
                        pct(tt.fsu, l),
                    )
                }
                None => ("—".into(), "—".into(), "—".into()),
            },
            _ => ("—".into(), "—".into(), "—".into()),
        };
        let _ = write!(
            body,
            "<tr><td>{}</td><td><a href=\"/experiments/{}?lang={}\">{}</a></td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&commune),
            esc(&entry.slug),
            l.code(),
            esc(&title),
            esc(&period),
            status_label(entry, l),
            avoided,
            share,
            fsu
        );
    }
    if entries.is_empty() {
        let _ = write!(body, "<tr><td colspan=7>{}</td></tr>", t(l, "exp_none"));
    }
    body.push_str("</table></section>");
    Ok(Html(page(l, t(l, "exp_experiments"), Some(user), &body)))
}

/// The charts' words in `l`; a billing evaluation's points are invoices, not days.
fn chart_text(l: Lang, granularity: quartier_evaluate::Granularity) -> ChartText {
    let invoices = granularity == quartier_evaluate::Granularity::Billing;
    ChartText {
        baseline_title: t(
            l,
            if invoices {
                "exp_chart_baseline_invoice"
            } else {
                "exp_chart_baseline"
            },
        )
        .into(),
        date: t(l, "exp_date").into(),
        energy_per_day: t(
            l,
            if invoices {
                "exp_energy_per_invoice"
            } else {
                "exp_energy_per_day"
            },
        )
        .into(),
        metered: t(l, "exp_metered").into(),
        baseline: t(l, "exp_baseline_line").into(),
        cumulative_title: t(l, "exp_chart_cumulative").into(),
        cumulative_axis: t(l, "exp_cumulative_axis").into(),
        cumulative: t(l, "exp_cumulative").into(),
        band: t(l, "exp_band").into(),
        locale: l.chart_locale(),
    }
}

fn card(value: &str, label: &str) -> String {
    format!("<div class=card><div class=v>{value}</div><div class=k>{label}</div></div>")
}

pub(crate) fn energy_html(body: &mut String, ev: &Evaluated, l: Lang) {
    let Some(en) = &ev.energy else {
        return;
    };
    let tt = &en.savings.total;
    let m = en.fit.metrics();
    let g = &en.savings.guideline14;
    let conf = format!("{:.0}\u{a0}%", 100.0 * en.savings.confidence);
    body.push_str("<div class=cards>");
    body.push_str(&card(
        &format!(
            "{} ± {} kWh",
            n(tt.avoided_kwh, 0, l),
            n(tt.uncertainty_kwh, 0, l)
        ),
        &format!("{} ({conf})", t(l, "exp_avoided")),
    ));
    body.push_str(&card(
        &pct(ratio(tt.avoided_kwh, tt.baseline_kwh), l),
        &format!(
            "{} ({} kWh)",
            t(l, "exp_of_baseline"),
            n(tt.baseline_kwh, 0, l)
        ),
    ));
    body.push_str(&card(
        &pct(tt.fsu, l),
        &match l {
            Lang::Fr => format!(
                "{} ({conf}) ; à 68\u{a0}% : {}",
                t(l, "exp_fsu"),
                pct(g.fsu_68, l)
            ),
            Lang::En => format!(
                "{} ({conf}); at 68\u{a0}%: {}",
                t(l, "exp_fsu"),
                pct(g.fsu_68, l)
            ),
        },
    ));
    body.push_str(&card(
        // The value alone, so that the card never cuts or wraps it; the metric's name below.
        &pct(m.cv_rmse, l),
        &format!(
            "CV(RMSE) — NMBE {}, R² {}",
            pct(m.nmbe, l),
            n(m.r_squared, 3, l)
        ),
    ));
    body.push_str(&card(
        t(
            l,
            if g.passes() {
                "exp_g14_ok"
            } else {
                "exp_g14_fail"
            },
        ),
        &format!(
            "CV(RMSE) ≤ {}, |NMBE| ≤ {}",
            pct(g.cv_rmse_limit, l),
            pct(g.nmbe_limit, l)
        ),
    ));
    body.push_str("</div>");
    let tz = ev.experiment.timezone;
    let text = chart_text(l, en.fit.granularity());
    let res = en.results();
    let _ = write!(
        body,
        "<section>{}</section><section>{}<p>{}</p></section>",
        baseline_chart(&res, tz, &text),
        cumulative_chart(&res, tz, &text),
        t(l, "exp_band_hint")
    );
    let cum = cumulative_by_month(en);
    let _ = write!(
        body,
        "<section><table><tr><th>{}</th><th>{} kWh</th><th>{} kWh</th><th>{} kWh</th><th>± kWh</th>\
         <th>{} kWh</th><th>± kWh</th></tr>",
        t(l, "exp_month"),
        t(l, "exp_baseline"),
        t(l, "exp_metered"),
        t(l, "exp_avoided"),
        t(l, "exp_cumulative"),
    );
    for (mo, a) in &en.savings.monthly {
        let (c, cu) = cum.get(mo).copied().unwrap_or((f64::NAN, f64::NAN));
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            l.month_label(&month_label(*mo)),
            n(a.baseline_kwh, 0, l),
            n(a.metered_kwh, 0, l),
            n(a.avoided_kwh, 0, l),
            n(a.uncertainty_kwh, 0, l),
            n(c, 0, l),
            n(cu, 0, l)
        );
    }
    body.push_str("</table></section>");
}

async fn page_read(
    State(state): State<AppState>,
    u: MaybeUser,
    UrlPath(slug): UrlPath<String>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    let l = q.pick(&headers);
    let cx = PageContext::signed_in(u.0, l)?;
    let user = &cx.user;
    let entry = visible_entry(&state, user, &slug)
        .await
        .map_err(|e| cx.fail(e))?;
    let mut body = format!(
        "<p><a href=\"/experiments?lang={}\">{}</a></p>",
        l.code(),
        t(l, "exp_experiments")
    );
    let title = match entry.experiment() {
        Some(e) => {
            let _ = write!(
                body,
                "<p>{} — {} → {} — {}</p>",
                esc(&e.commune),
                day(l, e.start, e.timezone),
                day(l, e.end, e.timezone),
                status_label(&entry, l)
            );
            body.push_str(&data_source_html(l, e));
            let reports = match user.user.role {
                Role::Programme => true,
                Role::Laureate => user.user.experiment.as_deref() == Some(entry.slug.as_str()),
                Role::Organiser | Role::Participant | Role::Applicant | Role::Reviewer => false,
            };
            if user.user.role == Role::Programme {
                let _ = match e.published {
                    Some(d) => write!(
                        body,
                        "<p>{} {} — <a href=\"/public/experiments/{s}?lang={lc}\">{}</a></p>",
                        t(l, "exp_published_on"),
                        day(l, d, e.timezone),
                        t(l, "pf_public"),
                        s = esc(&entry.slug),
                        lc = l.code(),
                    ),
                    None => write!(
                        body,
                        "<form id=publish-form method=post action=\"/experiments/{}/publish?lang={}\" class=inline>\
                         <input type=hidden name=csrf value=\"{}\"><button>{}</button></form>",
                        esc(&entry.slug),
                        l.code(),
                        esc(&user.csrf_token),
                        t(l, "exp_publish")
                    ),
                };
            }
            if user.user.role == Role::Programme {
                let _ = write!(
                    body,
                    "<p><a id=follow-up-link href=\"/experiments/{}/follow-up?lang={}\">{}</a></p>",
                    esc(&entry.slug),
                    l.code(),
                    t(l, "fu_link")
                );
            }
            if reports {
                let _ = write!(
                    body,
                    "<p><a id=reports-link href=\"/experiments/{}/reports?lang={}\">{}</a></p>",
                    esc(&entry.slug),
                    l.code(),
                    t(l, "rep_title")
                );
            }
            e.title.clone()
        }
        None => entry.slug.clone(),
    };
    match &entry.outcome {
        Outcome::Invalid(ps) => {
            let _ = write!(
                body,
                "<section><p class=err>{}</p><table><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
                t(l, "exp_invalid"),
                t(l, "line"),
                t(l, "field"),
                t(l, "reason")
            );
            for p in ps {
                let _ = write!(
                    body,
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    p.line.map_or(String::new(), |x| x.to_string()),
                    esc(&p.path),
                    crate::page_support::in_english(l, &p.message)
                );
            }
            body.push_str("</table>");
            if l == Lang::Fr {
                let _ = write!(body, "<p class=note>{}</p>", t(l, "reader_in_english"));
            }
            body.push_str("</section>");
        }
        Outcome::Failed(_, why) => {
            let _ = write!(
                body,
                "<section><p class=err>{}</p><p>{}</p></section>",
                t(l, "exp_failed"),
                crate::page_support::english_detail(l, why)
            );
        }
        Outcome::Evaluated(ev) => {
            energy_html(&mut body, ev, l);
            let table = indicators_besides_energy(ev);
            if !table.rows.is_empty() {
                let _ = write!(
                    body,
                    "<section><h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                    t(l, "exp_indicators"),
                    t(l, "exp_indicator"),
                    t(l, "exp_total"),
                    t(l, "exp_target"),
                    t(l, "exp_met")
                );
                for r in &table.rows {
                    let i = &r.indicator;
                    let _ = write!(
                        body,
                        "<tr><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td></tr>",
                        esc(&indicator_name(l, &i.name)),
                        r.total.map_or("—".into(), |c| n(c.value, 0, l)),
                        esc(&i.unit),
                        r.status.map_or("—".into(), |s| n(s.target.value, 0, l)),
                        r.status
                            .map_or("—", |s| t(l, if s.met { "yes" } else { "no" }))
                    );
                }
                body.push_str("</table></section>");
            }
            let warnings = ev.all_warnings();
            if !warnings.is_empty() {
                body.push_str("<section><ul>");
                for w in &warnings {
                    let _ = write!(body, "<li>{}</li>", esc(&w.text(l.report())));
                }
                body.push_str("</ul></section>");
            }
        }
    }
    Ok(Html(page(l, &title, Some(user), &body)))
}

/// Where an experiment's data come from, as its file says it (empty when it says nothing).
pub(crate) fn data_source_html(l: Lang, e: &Experiment) -> String {
    e.data_source.as_ref().map_or(String::new(), |src| {
        format!(
            "<p class=note><b>{}</b> {}</p>",
            t(l, "exp_data_source"),
            esc(src)
        )
    })
}

pub(crate) fn cell_text(c: Option<Cell>, l: Lang) -> String {
    match c {
        None => "—".into(),
        Some(Cell {
            value,
            uncertainty: Some(u),
        }) => format!("{} ± {}", n(value, 0, l), n(u, 0, l)),
        Some(c) => n(c.value, 0, l),
    }
}

async fn page_programme(
    State(state): State<AppState>,
    u: MaybeUser,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Html<String>, PageError> {
    let l = q.pick(&headers);
    let cx = PageContext::signed_in(u.0, l)?;
    let user = &cx.user;
    let (table, notes) = visible_programme(&state, user)
        .await
        .map_err(|e| cx.fail(e))?;
    let mut body = format!(
        "<p><a href=\"/programme?lang={lc}\">{}</a> · <a href=\"/experiments?lang={lc}\">{}</a></p><section class=scroll><table>\
         <tr><th>{}</th><th>{}</th><th>{}</th>",
        t(l, "pf_title"),
        t(l, "exp_experiments"),
        t(l, "exp_commune"),
        t(l, "exp_experiment"),
        t(l, "exp_indicator"),
        lc = l.code(),
    );
    for m in &table.months {
        let _ = write!(body, "<th>{}</th>", l.month_label(&month_label(*m)));
    }
    let _ = write!(
        body,
        "<th>{}</th><th>{}</th><th>{}</th></tr>",
        t(l, "exp_total"),
        t(l, "exp_target"),
        t(l, "exp_met")
    );
    for r in &table.rows {
        let i = &r.indicator;
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{} ({})</td>",
            esc(&i.commune),
            esc(&i.experiment),
            esc(&indicator_name(l, &i.name)),
            esc(&i.unit)
        );
        for c in &r.cells {
            let _ = write!(body, "<td>{}</td>", cell_text(*c, l));
        }
        let _ = write!(
            body,
            "<td>{}</td><td>{}</td><td>{}</td></tr>",
            cell_text(r.total, l),
            r.status.map_or("—".into(), |s| n(s.target.value, 0, l)),
            r.status
                .map_or("—", |s| t(l, if s.met { "yes" } else { "no" }))
        );
    }
    body.push_str("</table></section>");
    if !notes.is_empty() {
        body.push_str("<section><ul>");
        for note in &notes {
            let _ = write!(body, "<li>{}</li>", esc(&note.text(l.report())));
        }
        body.push_str("</ul></section>");
    }
    Ok(Html(page(l, t(l, "exp_programme"), Some(user), &body)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(
            slug_of("Rénovation énergétique de la mairie (démo)"),
            "renovation-energetique-de-la-mairie-demo"
        );
        assert_eq!(slug_of("!!!"), "experiment");
        assert!(valid_slug("issy-cargo-bikes"));
        assert!(!valid_slug("../etc"));
        assert!(!valid_slug(""));
    }

    #[test]
    fn numbers_group_thousands() {
        assert_eq!(n(1234567.891, 1, Lang::Fr), "1\u{202F}234\u{202F}567,9");
        assert_eq!(n(1234567.891, 1, Lang::En), "1\u{202F}234\u{202F}567.9");
        assert_eq!(n(-215.0, 0, Lang::Fr), "−215");
        assert_eq!(n(f64::NAN, 0, Lang::Fr), "—");
        assert_eq!(pct(f64::NAN, Lang::Fr), "—");
    }
}

//! A district's energy community (collective self-consumption, ACC): the community file is
//! attached by those who manage the district, allocations run as jobs, and the latest
//! settlement is served per role: organiser and programme see every member and the community
//! totals; a participant sees only the member whose id is their PRM (their own months and
//! bills), nothing about the others (their rows, their bills and the community sums answer
//! as absent).
//!
//! Routes: `PUT|GET /api/v1/districts/{id}/community`, `POST /api/v1/districts/{id}/allocations`,
//! the page `/districts/{id}/community` (with its form `POST …/community/allocate`) and the
//! bills `/districts/{id}/community/bills/{member}/{YYYY-MM}`.
//!
//! Storage, without a schema of its own: the community file is
//! `DATA/communities/{id}.toml`. It is read as if it were `DATA/communities/{id}/community.toml`
//! with its files confined to that folder (no absolute path, no `..`: an organiser reads
//! nothing of the server's disk or of another district), and a member's curve is best the
//! meter curve uploaded for it (`curve = { stored = true }`), allowed only for the district's
//! own participants (anyone else's curve is personal data the organiser may not use). An
//! allocation job writes `allocation.csv`, `coefficients.csv`,
//! `settlement.csv` and `bills/` into `DATA/communities/{id}/job-{job}/` and stores a run whose
//! `kpis_json` is a [`CommunityRun`] and whose `timeseries_csv` is `settlement.csv`. The
//! latest allocation is the latest run of an `allocation` job; its bills are in its job folder.
//! The computation itself is [`quartier_report::community`], shared with the CLI.

use std::path::{Path, PathBuf};

use axum::extract::{Form, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use quartier_report::community::{CommunityRun, MemberRun};
use quartier_report::svg::{AxisSpec, BarChart, BarSeries, bar_chart};
use quartier_store::{JobStatus, NewRun, RunRow};
use serde_json::{Value, json};

use crate::AppState;
use crate::api::{managed_district, rfc3339, visible_district};
use crate::auth::{CurrentUser, MaybeUser};
use crate::districts::problems;
use crate::error::{ApiError, InputProblem};
use crate::html::{card, esc, whole};
use crate::i18n::{Lang, t};
use crate::jobs::{self, Admitted, JobRequest, Progress};
use crate::page_support::{CsrfForm, LangQuery, PageContext, PageError, district_back_link};

/// The job kind of allocations.
pub(crate) const KIND: &str = "allocation";

/// The name the community file has in diagnostics, inside its district's community folder.
const FILE_NAME: &str = "community.toml";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/districts/{id}/community",
            get(read_community).put(attach),
        )
        .route("/api/v1/districts/{id}/allocations", post(submit))
        .route("/districts/{id}/community", get(community_page))
        .route("/districts/{id}/community/allocate", post(allocate_form))
        .route(
            "/districts/{id}/community/bills/{member}/{month}",
            get(bill_page),
        )
        .route(
            "/districts/{id}/community/bills/{member}/{month}/pdf",
            get(bill_pdf_page),
        )
}

fn stored_path(data_dir: &Path, district: i64) -> PathBuf {
    data_dir
        .join("communities")
        .join(format!("{district}.toml"))
}

/// The folder of district `district`'s community: the only files its community file may name
/// (curves, custom key, tariff) are in it, and its allocations' outputs go in it.
pub fn community_folder(data_dir: &Path, district: i64) -> PathBuf {
    data_dir.join("communities").join(district.to_string())
}

fn outputs_root(data_dir: &Path, district: i64) -> PathBuf {
    community_folder(data_dir, district)
}

fn outputs_dir(data_dir: &Path, district: i64, job: i64) -> PathBuf {
    outputs_root(data_dir, district).join(format!("job-{job}"))
}

/// The meter curves uploaded for a district's participants, read from the store when a
/// community member asks for one (`curve = { stored = true }`). Runs on a blocking thread.
pub(crate) struct ParticipantCurves {
    store: quartier_store::Store,
    handle: tokio::runtime::Handle,
    participants: Vec<String>,
}

impl ParticipantCurves {
    /// The curves of district `district`'s participants, read on the current runtime.
    pub(crate) async fn of(
        store: &quartier_store::Store,
        district: i64,
    ) -> Result<Self, quartier_store::StoreError> {
        Ok(ParticipantCurves {
            store: store.clone(),
            handle: tokio::runtime::Handle::current(),
            participants: store
                .participants(district)
                .await?
                .into_iter()
                .map(|p| p.prm)
                .collect(),
        })
    }
}

impl quartier_model::StoredCurves for ParticipantCurves {
    fn stored_curve(
        &self,
        id: &quartier_share::MemberId,
    ) -> Result<quartier_timeseries::Series, String> {
        let prm = id.as_str();
        if !self.participants.iter().any(|p| p == prm) {
            return Err(
                "not a participant of this district: only its participants' uploaded curves can be used"
                    .into(),
            );
        }
        let unreadable = |e: quartier_store::StoreError| format!("reading its stored curve: {e}");
        let Some((first, last)) = self
            .handle
            .block_on(self.store.curve_bounds(prm))
            .map_err(unreadable)?
        else {
            return Err("no meter curve uploaded for it yet".into());
        };
        let points = self
            .handle
            .block_on(
                self.store
                    .curve(prm, first, last + chrono::Duration::seconds(1)),
            )
            .map_err(unreadable)?;
        let (times, kwh): (Vec<_>, Vec<_>) = points.iter().map(|p| (p.instant, p.kwh)).unzip();
        let text = quartier_report::community::member_curve_csv(&times, &kwh);
        quartier_timeseries::parse_csv(
            &text,
            Path::new(&format!("the uploaded curve of {prm}")),
            &quartier_timeseries::CsvOptions::default(),
        )
        .map_err(|e| {
            let first: Vec<String> = e.0.iter().take(3).map(|x| x.to_string()).collect();
            first.join("; ")
        })
    }
}

/// Parses and loads community text of district `district` (blocking: reads the curves, from
/// the community folder or the store), then checks the perimeter.
pub(crate) fn parse_and_load(
    data_dir: &Path,
    district: i64,
    text: &str,
    stored: &ParticipantCurves,
) -> Result<quartier_model::LoadedCommunity, Vec<InputProblem>> {
    let options = quartier_model::CommunityOptions {
        confine_files: true,
        stored_curves: Some(stored),
        ..quartier_model::CommunityOptions::default()
    };
    let loaded = quartier_model::parse_community_in(
        text,
        &community_folder(data_dir, district).join(FILE_NAME),
        &options,
    )
    .map_err(|d| problems(&d, &community_folder(data_dir, district)))?;
    quartier_report::community::check_perimeter(&loaded)
        .map_err(|e| vec![InputProblem::field("operation", e.to_string(), None)])?;
    Ok(loaded)
}

/// A community that was attached.
#[derive(Debug, Clone, PartialEq)]
pub struct AttachedCommunity {
    /// Operation name.
    pub name: String,
    /// Number of members.
    pub members: usize,
    /// What loading changed (curves cut to the shared range, …).
    pub warnings: Vec<String>,
    /// The version number it was stored as (1 for the first).
    pub version: i64,
}

/// Validates `text` as a community file (parse; load its curves from the district's
/// [`community_folder`] or, `stored = true`, from its participants' uploaded curves;
/// perimeter) and stores it as the next version of district `district`'s community file,
/// attached by `by` (a username; empty for the server's own first start). Earlier versions
/// stay: a month already invoiced is settled again with the version it was invoiced with.
/// Nothing is stored when it is invalid: every problem is returned at once as
/// [`ApiError::Invalid`].
pub async fn attach_community(
    state: &AppState,
    district: i64,
    text: String,
    by: &str,
) -> Result<AttachedCommunity, ApiError> {
    let dir = state.config.data_dir.clone();
    let stored = ParticipantCurves::of(&state.store, district).await?;
    let checked = text.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        parse_and_load(&dir, district, &checked, &stored).map_err(ApiError::Invalid)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let version = state
        .store
        .add_community_version(district, &text, chrono::Utc::now(), by)
        .await?;
    Ok(AttachedCommunity {
        name: loaded.name.clone(),
        members: loaded.members.len(),
        warnings: loaded.warnings.clone(),
        version,
    })
}

/// True when district `district` has a community file attached (what the community page and
/// an allocation require).
pub(crate) async fn is_attached(state: &AppState, district: i64) -> Result<bool, ApiError> {
    Ok(state
        .store
        .community_version(district, None)
        .await?
        .is_some())
}

/// Moves the community files an earlier server kept on disk (`DATA/communities/{id}.toml`,
/// one per district, overwritten at each attach) into the store as each district's first
/// version, once: a district that already has a version keeps its history. The file is left
/// where it was.
pub(crate) async fn import_community_files(state: &AppState) -> Result<(), ApiError> {
    for d in state.store.districts().await? {
        let path = stored_path(&state.config.data_dir, d.id);
        if !path.is_file() || is_attached(state, d.id).await? {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| ApiError::Internal(format!("{}: {e}", path.display())))?;
        let at = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .map(chrono::DateTime::<chrono::Utc>::from)
            .unwrap_or_else(|_| chrono::Utc::now());
        state
            .store
            .add_community_version(d.id, &text, at, "")
            .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Jobs

/// Queues an allocation of district `district`'s community asked by user `by` (409 when it
/// has none), within the queue's bounds.
async fn queue_allocation(
    state: &AppState,
    district: i64,
    by: Option<i64>,
) -> Result<Admitted, ApiError> {
    if !is_attached(state, district).await? {
        return Err(ApiError::Conflict(
            "the district has no community: attach one first".into(),
        ));
    }
    jobs::admit(state, JobRequest::plain(KIND, district, by)).await
}

/// The work of allocation job `id`.
fn allocation_work(
    state: &AppState,
    id: i64,
    district: i64,
) -> impl FnOnce(&mut Progress<'_>) -> Result<(String, NewRun), String> + Send + 'static {
    let data_dir = state.config.data_dir.clone();
    let store = state.store.clone();
    let handle = tokio::runtime::Handle::current();
    move |p| {
        let stored = handle
            .block_on(ParticipantCurves::of(&store, district))
            .map_err(|e| format!("reading the participants: {e}"))?;
        let version = handle
            .block_on(store.community_version(district, None))
            .map_err(|e| format!("reading the community file: {e}"))?
            .ok_or("the district has no community file any more")?;
        run_allocation(p, id, district, &data_dir, &stored, &version)
    }
}

/// Queues an allocation of district `district`'s community asked by `by` and starts it in the
/// background; returns the job id.
async fn submit_allocation(
    state: &AppState,
    district: i64,
    by: Option<i64>,
) -> Result<i64, ApiError> {
    let id = match queue_allocation(state, district, by).await? {
        Admitted::Merged(id) => return Ok(id),
        Admitted::New(id) => id,
    };
    start_stored(state, id, district);
    Ok(id)
}

/// Starts the work of allocation job `id` (queued) on district `district`.
pub(crate) fn start_stored(state: &AppState, id: i64, district: i64) {
    jobs::spawn_job(
        state,
        id,
        "allocation",
        allocation_work(state, id, district),
    );
}

/// Allocates district `district`'s community now (waiting for a free job slot) and returns
/// the job id; the job records success or failure like a submitted one.
pub async fn allocate_community(state: &AppState, district: i64) -> Result<i64, ApiError> {
    let id = match queue_allocation(state, district, None).await? {
        // The same allocation is already queued: it runs as submitted.
        Admitted::Merged(id) => return Ok(id),
        Admitted::New(id) => id,
    };
    jobs::run_job(
        state,
        id,
        "allocation",
        allocation_work(state, id, district),
    )
    .await;
    match state.store.job(id).await?.map(|j| (j.status, j.error)) {
        Some((JobStatus::Succeeded, _)) => Ok(id),
        Some((_, error)) => Err(ApiError::Internal(format!(
            "allocation job {id}: {}",
            error.unwrap_or_default()
        ))),
        None => Err(ApiError::Internal(format!("allocation job {id} vanished"))),
    }
}

/// Loading 0–40 % (the curves), allocation and settlement 40–80 %, outputs 80–100 %.
fn run_allocation(
    p: &mut Progress<'_>,
    id: i64,
    district: i64,
    data_dir: &Path,
    stored: &ParticipantCurves,
    version: &quartier_store::CommunityVersionRow,
) -> Result<(String, NewRun), String> {
    p.step(0)?;
    let loaded =
        parse_and_load(data_dir, district, &version.source_toml, stored).map_err(|problems| {
            let first: Vec<String> = problems.iter().take(5).map(|p| p.message.clone()).collect();
            format!("the community file no longer loads: {}", first.join("; "))
        })?;
    p.step(40)?;
    let s =
        quartier_report::community::scenario(&loaded, &loaded.key).map_err(|e| e.to_string())?;
    p.step(80)?;
    quartier_report::community::write_outputs(
        &outputs_dir(data_dir, district, id),
        &loaded.name,
        &s,
    )
    .map_err(|e| format!("writing the bills: {e}"))?;
    let run = CommunityRun::new(&loaded, &s);
    let result = json!({
        "community_version": version.version,
        "operation": run.operation,
        "months": run.months.len(),
        "members": run.members.len(),
        "totals": run.totals,
    });
    p.step(95)?;
    Ok((
        result.to_string(),
        NewRun {
            district_id: district,
            kpis_json: run.to_json(),
            timeseries_csv: quartier_report::settlement_csv(&s.settlement),
        },
    ))
}

// ---------------------------------------------------------------------------------------------
// Reading runs back

/// The latest successful allocation of `district`: its run, its job id and its content.
pub(crate) struct Latest {
    run: RunRow,
    job: i64,
    content: CommunityRun,
}

async fn latest_allocation(state: &AppState, district: i64) -> Result<Option<Latest>, ApiError> {
    let Some(run) = state.store.latest_run(district, KIND).await? else {
        return Ok(None);
    };
    let content = CommunityRun::from_json(&run.kpis_json)
        .map_err(|e| ApiError::Internal(format!("run {}: {e}", run.id)))?;
    Ok(Some(Latest {
        job: run.job_id,
        run,
        content,
    }))
}

/// The content of the latest successful allocation of `district`, if any.
pub(crate) async fn latest_run_content(
    state: &AppState,
    district: i64,
) -> Result<Option<CommunityRun>, ApiError> {
    Ok(latest_allocation(state, district).await?.map(|l| l.content))
}

/// What `user` may see of an allocation of district `district`: everything for those who
/// manage it, only their own member for a participant.
fn view_for(user: &CurrentUser, district: i64, run: &CommunityRun) -> CommunityRun {
    if user.manages_district(district) {
        run.clone()
    } else {
        run.for_member(user.user.prm.as_deref().unwrap_or(""))
    }
}

// ---------------------------------------------------------------------------------------------
// API

async fn attach(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    body: String,
) -> Result<Json<Value>, ApiError> {
    managed_district(&state, &user, id, ApiError::Forbidden).await?;
    let a = attach_community(&state, id, body, &user.user.username).await?;
    Ok(Json(json!({
        "district_id": id,
        "version": a.version,
        "operation": a.name,
        "members": a.members,
        "warnings": a.warnings,
        "allocations_url": format!("/api/v1/districts/{id}/allocations"),
    })))
}

async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    managed_district(&state, &user, id, ApiError::Forbidden).await?;
    let job = submit_allocation(&state, id, Some(user.user.id)).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "job_id": job, "status_url": format!("/api/v1/jobs/{job}") })),
    ))
}

async fn read_community(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
) -> Result<Json<Value>, ApiError> {
    visible_district(&state, &user, id).await?;
    let latest = latest_allocation(&state, id).await?;
    let mut v = json!({
        "district_id": id,
        "attached": is_attached(&state, id).await?,
        "allocation": Value::Null,
    });
    if let Some(l) = latest {
        let mut a = serde_json::to_value(view_for(&user, id, &l.content))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        a["created_at"] = Value::String(rfc3339(l.run.created_at));
        if user.manages_district(id) {
            a["run_id"] = json!(l.run.id);
            a["job_id"] = json!(l.job);
        }
        for m in a["members"].as_array_mut().into_iter().flatten() {
            let member = m["id"].as_str().unwrap_or("").to_string();
            for month in m["months"].as_array_mut().into_iter().flatten() {
                let mm = month["month"].as_str().unwrap_or("").to_string();
                month["bill_url"] = Value::String(bill_url(id, &member, &mm));
            }
        }
        v["allocation"] = a;
    }
    Ok(Json(v))
}

fn bill_url(district: i64, member: &str, month: &str) -> String {
    format!(
        "/districts/{district}/community/bills/{}/{}",
        url_segment(member),
        url_segment(month)
    )
}

/// Percent-encodes everything but unreserved characters (ids may hold any non-space text).
pub(crate) fn url_segment(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

// ---------------------------------------------------------------------------------------------
// Pages

/// The link to the community page, for the district page: empty when no community is
/// attached to district `id`.
pub(crate) async fn link(state: &AppState, l: Lang, id: i64) -> Result<String, ApiError> {
    if !is_attached(state, id).await? {
        return Ok(String::new());
    }
    Ok(format!(
        "<p><a id=community-link href=\"/districts/{id}/community?lang={}\">{}</a></p>",
        l.code(),
        t(l, "community")
    ))
}

/// Two series of monthly bars (kWh): each (label, values, colour).
fn two_bars(
    l: Lang,
    title: &str,
    months: &[String],
    first: (&str, Vec<f64>, &str),
    second: (&str, Vec<f64>, &str),
) -> String {
    let series = [first, second]
        .into_iter()
        .map(|(label, values, color)| BarSeries {
            label: label.into(),
            values,
            errors: None,
            color: Some(color.into()),
        })
        .collect();
    bar_chart(&BarChart {
        title: title.to_string(),
        categories: months.iter().map(|m| l.month_label(m)).collect(),
        x: AxisSpec::new(t(l, "month"), ""),
        y: AxisSpec::new(t(l, "energy"), "kWh"),
        series,
        locale: l.chart_locale(),
        ..BarChart::default()
    })
}

/// Allocated and complement per month as bars (kWh).
fn monthly_chart(
    l: Lang,
    title: &str,
    months: &[String],
    allocated: Vec<f64>,
    complement: Vec<f64>,
) -> String {
    two_bars(
        l,
        title,
        months,
        (t(l, "allocated"), allocated, "#2b7a3d"),
        (t(l, "complement"), complement, "#1d5fa0"),
    )
}

/// One member's monthly table with links to the bills.
fn member_table(l: Lang, district: i64, m: &MemberRun) -> String {
    // Only the columns that apply: a consumer's share, a producer's sales, both for a prosumer.
    let sums = MemberSums::of(m);
    let kwh = |k: &'static str| format!("<th>{} (kWh)</th>", t(l, k));
    let mut head = format!("<tr><th>{}</th>", t(l, "month"));
    if sums.consumer {
        for k in ["consumption", "allocated", "complement"] {
            head.push_str(&kwh(k));
        }
        head.push_str(&format!("<th>{}</th>", t(l, "coverage")));
    }
    if sums.producer {
        for k in ["production_kwh", "sold_to_members", "surplus"] {
            head.push_str(&kwh(k));
        }
        head.push_str(&format!("<th>{}</th>", t(l, "earnings")));
    }
    head.push_str(&format!("<th>{}</th><th></th></tr>", t(l, "bill")));
    let mut rows = String::new();
    let dash = || "—".to_string();
    for mm in &m.months {
        let mut cells: Vec<String> = Vec::new();
        if sums.consumer {
            match &mm.consumer {
                Some(c) => cells.extend([
                    whole(c.consumption_kwh),
                    whole(c.allocated_kwh),
                    whole(c.complement_kwh),
                    l.percent(c.coverage_rate),
                ]),
                None => cells.extend([dash(), dash(), dash(), dash()]),
            }
        }
        if sums.producer {
            match &mm.producer {
                Some(p) => cells.extend([
                    whole(p.production_kwh),
                    whole(p.self_consumed_kwh),
                    whole(p.surplus_kwh),
                    l.money_dec(p.earnings_eur(), 2),
                ]),
                None => cells.extend([dash(), dash(), dash(), dash()]),
            }
        }
        cells.push(l.money_dec(mm.bill_eur, 2));
        let cells: String = cells
            .iter()
            .map(|c| format!("<td class=n>{c}</td>"))
            .collect();
        rows.push_str(&format!(
            "<tr><td>{mo}</td>{cells}<td><a href=\"{url}\">{b}</a></td></tr>",
            mo = esc(&l.month_label(&mm.month)),
            url = esc(&format!(
                "{}?lang={}",
                bill_url(district, &m.id, &mm.month),
                l.code()
            )),
            b = t(l, "bill"),
        ));
    }
    format!("<table>{head}{rows}</table>")
}

fn member_months(m: &MemberRun) -> (Vec<f64>, Vec<f64>) {
    m.months
        .iter()
        .map(|x| {
            x.consumer
                .map_or((0.0, 0.0), |c| (c.allocated_kwh, c.complement_kwh))
        })
        .unzip()
}

fn manager_body(l: Lang, district: i64, r: &CommunityRun) -> String {
    let mut out = String::new();
    if let Some(tt) = &r.totals {
        out.push_str("<div class=cards>");
        out.push_str(&card(
            t(l, "production_kwh"),
            &format!("{} kWh", whole(tt.production_kwh)),
        ));
        out.push_str(&card(
            t(l, "consumption"),
            &format!("{} kWh", whole(tt.consumption_kwh)),
        ));
        out.push_str(&card(
            t(l, "self_consumed"),
            &format!("{} kWh", whole(tt.self_consumed_kwh)),
        ));
        out.push_str(&card(
            t(l, "surplus"),
            &format!("{} kWh", whole(tt.surplus_kwh)),
        ));
        out.push_str(&crate::html::defined_card(
            t(l, "community_shared_rate"),
            &l.percent(tt.self_consumption_rate),
            t(l, "def_community_shared_rate"),
        ));
        out.push_str(&crate::html::defined_card(
            t(l, "community_covered_rate"),
            &l.percent(tt.self_sufficiency_rate),
            t(l, "def_community_covered_rate"),
        ));
        out.push_str(&card(
            t(l, "bills_with"),
            &l.money_dec(tt.consumer_bills_eur, 0),
        ));
        out.push_str(&card(
            t(l, "bills_without"),
            &l.money_dec(tt.consumer_bills_without_operation_eur, 0),
        ));
        out.push_str("</div>");
    }
    let (allocated, complement): (Vec<f64>, Vec<f64>) = r
        .monthly
        .iter()
        .map(|m| (m.allocated_kwh, m.complement_kwh))
        .unzip();
    out.push_str("<section>");
    out.push_str(&monthly_chart(
        l,
        t(l, "community_monthly"),
        &r.months,
        allocated,
        complement,
    ));
    out.push_str("</section>");
    out.push_str(&rules_section(l, r));
    out.push_str("<section>");
    for m in &r.members {
        let (alloc, comp) = member_months(m);
        let alloc: f64 = alloc.iter().sum();
        let comp: f64 = comp.iter().sum();
        let prod: f64 = m
            .months
            .iter()
            .filter_map(|x| x.producer.map(|p| p.production_kwh))
            .sum();
        // French puts a no-break space before the colon.
        let colon = if l == Lang::Fr { "\u{a0}: " } else { ": " };
        let summary = if m.role == "producer" {
            format!("{}{colon}{} kWh", t(l, "production_kwh"), whole(prod))
        } else {
            format!(
                "{}{colon}{} kWh, {}{colon}{} kWh",
                t(l, "allocated"),
                whole(alloc),
                t(l, "complement"),
                whole(comp)
            )
        };
        out.push_str(&format!(
            "<details><summary><strong>{name}</strong> ({id}, {role}) — {summary}</summary>{table}</details>",
            name = esc(&m.name),
            id = esc(&m.id),
            role = crate::people_pages::role_label(l, &m.role),
            summary = esc(&summary),
            table = member_table(l, district, m),
        ));
    }
    out.push_str("</section>");
    out
}

/// The rules in force (key, prices, TURPE option, tariff grid) and the members with their
/// dates, category and commune, for the organiser.
fn rules_section(l: Lang, r: &CommunityRun) -> String {
    let mut out = String::from("<section id=rules>");
    out.push_str(&format!("<h2>{}</h2>", t(l, "rules_in_force")));
    if let Some(rules) = &r.rules {
        let price = |d: rust_decimal::Decimal| format!("{}/kWh", l.money_dec(d, 4));
        let key = crate::i18n::value_label(l, "key_kind", &rules.key);
        let key = if rules.key_periods > 1 {
            format!("{key} ({} {})", rules.key_periods, t(l, "key_periods"))
        } else {
            key
        };
        let facts = [
            (t(l, "key"), key),
            (t(l, "local_price"), price(rules.local_eur_per_kwh)),
            (t(l, "supplier_price"), price(rules.supplier_eur_per_kwh)),
            (t(l, "surplus_price"), price(rules.surplus_eur_per_kwh)),
            (
                t(l, "turpe_option"),
                crate::i18n::value_label(l, "turpe", &rules.turpe_option),
            ),
            (
                t(l, "tariff_grid"),
                format!(
                    "{} ({} {})",
                    esc(match l {
                        Lang::Fr if !rules.tariff_grid_fr.is_empty() => &rules.tariff_grid_fr,
                        _ => &rules.tariff_grid,
                    }),
                    t(l, "since"),
                    chrono::NaiveDate::parse_from_str(&rules.tariff_grid_from, "%Y-%m-%d")
                        .map_or_else(
                            |_| esc(&rules.tariff_grid_from),
                            |d| { crate::i18n::day_label(l, d) }
                        )
                ),
            ),
        ];
        out.push_str("<table class=facts>");
        for (k, v) in facts {
            out.push_str(&format!("<tr><th>{k}</th><td>{v}</td></tr>"));
        }
        out.push_str("</table>");
        for (member, from, until, excluded) in &rules.data_gaps {
            out.push_str(&format!(
                "<p class=note>{}: {member} {from} → {until} ({})</p>",
                t(l, "data_gap"),
                t(
                    l,
                    if *excluded {
                        "gap_excluded"
                    } else {
                        "gap_zero"
                    }
                ),
                member = esc(member),
                from = esc(from),
                until = esc(until),
            ));
        }
    }
    let day = |d: &Option<String>| {
        d.as_deref()
            .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map_or_else(|| "—".to_string(), |d| crate::i18n::day_label(l, d))
    };
    out.push_str(&format!(
        "<table id=members><tr><th>PRM</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        t(l, "col_name"),
        t(l, "col_role"),
        t(l, "category"),
        t(l, "commune"),
        t(l, "member_from"),
        t(l, "member_until"),
        t(l, "own_price"),
    ));
    for m in &r.members {
        let own = m
            .local_eur_per_kwh
            .or(m.supplier_eur_per_kwh)
            .map_or_else(|| "—".to_string(), |d| format!("{}/kWh", l.money_dec(d, 4)));
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=n>{}</td></tr>",
            esc(&m.id),
            esc(&m.name),
            crate::people_pages::role_label(l, &m.role),
            if m.category.is_empty() {
                "—".to_string()
            } else {
                crate::i18n::value_label(l, "category", &m.category)
            },
            m.commune.as_deref().map_or_else(|| "—".to_string(), esc),
            day(&m.member_from),
            day(&m.member_until),
            own
        ));
    }
    out.push_str("</table></section>");
    out
}

/// A member's figures summed over the months of an allocation.
#[derive(Debug, Default, Clone, Copy)]
struct MemberSums {
    consumption_kwh: f64,
    allocated_kwh: f64,
    production_kwh: f64,
    sold_kwh: f64,
    surplus_kwh: f64,
    earnings_eur: rust_decimal::Decimal,
    bills_eur: rust_decimal::Decimal,
    consumer: bool,
    producer: bool,
}

impl MemberSums {
    fn of(m: &MemberRun) -> MemberSums {
        let mut s = MemberSums::default();
        for mm in &m.months {
            if let Some(c) = &mm.consumer {
                s.consumer = true;
                s.consumption_kwh += c.consumption_kwh;
                s.allocated_kwh += c.allocated_kwh;
            }
            if let Some(p) = &mm.producer {
                s.producer = true;
                s.production_kwh += p.production_kwh;
                s.sold_kwh += p.self_consumed_kwh;
                s.surplus_kwh += p.surplus_kwh;
                s.earnings_eur += p.earnings_eur();
            }
            s.bills_eur += mm.bill_eur;
        }
        s
    }
}

/// Key-figure cards of member `m` over the allocation: what a consumer received (consumption,
/// share, coverage) and what a producer produced, sold to the participants, fed in as surplus
/// and earned; a prosumer gets both.
pub(crate) fn member_cards(l: Lang, m: &MemberRun) -> String {
    let s = MemberSums::of(m);
    let kwh = |x: f64| format!("{}\u{a0}kWh", whole(x));
    let mut out = String::from("<div class=cards>");
    if s.consumer {
        out.push_str(&card(t(l, "consumption"), &kwh(s.consumption_kwh)));
        out.push_str(&card(t(l, "allocated"), &kwh(s.allocated_kwh)));
        out.push_str(&crate::html::defined_card(
            t(l, "coverage"),
            &l.percent(if s.consumption_kwh > 0.0 {
                s.allocated_kwh / s.consumption_kwh
            } else {
                0.0
            }),
            t(l, "def_member_coverage"),
        ));
    }
    if s.producer {
        out.push_str(&card(t(l, "production_kwh"), &kwh(s.production_kwh)));
        out.push_str(&card(t(l, "sold_to_members"), &kwh(s.sold_kwh)));
        out.push_str(&card(t(l, "surplus"), &kwh(s.surplus_kwh)));
        out.push_str(&crate::html::defined_card(
            t(l, "earnings"),
            &l.money_dec(s.earnings_eur, 2),
            t(l, "def_earnings"),
        ));
    }
    if s.consumer {
        out.push_str(&card(t(l, "bills_total"), &l.money_dec(s.bills_eur, 2)));
    }
    out.push_str("</div>");
    out
}

/// A producer's months as bars: the energy sold to the participants and the surplus (kWh).
fn production_chart(l: Lang, months: &[String], m: &MemberRun) -> String {
    let (sold, surplus): (Vec<f64>, Vec<f64>) = m
        .months
        .iter()
        .map(|x| {
            x.producer
                .map_or((0.0, 0.0), |p| (p.self_consumed_kwh, p.surplus_kwh))
        })
        .unzip();
    two_bars(
        l,
        t(l, "my_production_monthly"),
        months,
        (t(l, "sold_to_members"), sold, "#2b7a3d"),
        (t(l, "surplus"), surplus, "#d08a1a"),
    )
}

fn participant_body(l: Lang, district: i64, r: &CommunityRun) -> String {
    let Some(m) = r.members.first() else {
        return format!("<p>{}</p>", t(l, "not_member"));
    };
    let sums = MemberSums::of(m);
    let mut out = format!(
        "<p><strong>{name}</strong> ({id}, {role})</p>{cards}",
        name = esc(&m.name),
        id = esc(&m.id),
        role = crate::people_pages::role_label(l, &m.role),
        cards = member_cards(l, m),
    );
    if sums.producer {
        out.push_str(&format!(
            "<section>{}</section>",
            production_chart(l, &r.months, m)
        ));
    }
    if sums.consumer {
        let (allocated, complement) = member_months(m);
        out.push_str(&format!(
            "<section>{}</section>",
            monthly_chart(l, t(l, "my_share"), &r.months, allocated, complement)
        ));
    }
    out.push_str(&format!(
        "<section>{}</section>",
        member_table(l, district, m)
    ));
    out
}

/// Member `prm`'s view of the latest allocation of district `district`, if it has one and
/// the member is in it.
pub(crate) async fn latest_member_run(
    state: &AppState,
    district: i64,
    prm: &str,
) -> Result<Option<MemberRun>, ApiError> {
    Ok(latest_allocation(state, district)
        .await?
        .and_then(|latest| latest.content.for_member(prm).members.into_iter().next()))
}

async fn community_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    p.respond(community_body(&state, &p, id).await)
}

async fn community_body(state: &AppState, p: &PageContext, id: i64) -> Result<Response, ApiError> {
    let (u, l) = (&p.user, p.lang);
    let d = visible_district(state, u, id).await?;
    let manages = u.manages_district(id);
    let mut body = String::new();
    if manages {
        body.push_str(&district_back_link(l, id, &d.name));
        if is_attached(state, id).await? {
            body.push_str(&format!(
                "<form method=post action=\"/districts/{id}/community/allocate?lang={lc}\"><input type=hidden name=csrf value=\"{c}\"><button>{a}</button></form>",
                lc = l.code(),
                c = esc(&u.csrf_token),
                a = t(l, "allocate")
            ));
        } else {
            body.push_str(&format!("<p>{}</p>", t(l, "community_none")));
        }
    }
    let attached = is_attached(state, id).await?;
    if attached {
        body.push_str(&crate::community_cycle::links(l, id, manages));
    }
    // A producer sells in the operation; everyone else receives a share.
    let mut participant_title = "my_share";
    match latest_allocation(state, id).await? {
        None => body.push_str(&format!("<p>{}</p>", t(l, "no_allocation"))),
        Some(latest) => {
            let view = view_for(u, id, &latest.content);
            if view.members.first().is_some_and(|m| m.role == "producer") {
                participant_title = "my_sales";
            }
            body.push_str(&format!(
                "<p>{} — <small>{} {}</small></p><p class=note>{}</p>",
                esc(&view.operation),
                t(l, "allocation_of"),
                crate::i18n::instant_label(l, latest.run.created_at),
                t(l, "community_note")
            ));
            if manages {
                body.push_str(&manager_body(l, id, &view));
                body.push_str(&format!(
                    "<p><small><a href=\"/api/v1/runs/{}/timeseries.csv\">settlement.csv</a></small></p>",
                    latest.run.id
                ));
            } else {
                body.push_str(&participant_body(l, id, &view));
            }
        }
    }
    if manages && attached {
        // The members of the latest version (joined or left since the allocation too).
        let members = state
            .store
            .community_version(id, None)
            .await?
            .and_then(|v| quartier_model::community_edit::member_names(&v.source_toml).ok())
            .unwrap_or_default();
        let participants: Vec<(String, String)> = state
            .store
            .participants(id)
            .await?
            .into_iter()
            .map(|p| (p.prm, p.name))
            .collect();
        body.push_str(&crate::community_cycle::membership_forms(
            l,
            id,
            &u.csrf_token,
            &members,
            &participants,
        ));
    }
    let title = if manages {
        format!("{} — {}", t(l, "community"), d.name)
    } else {
        t(l, participant_title).to_string()
    };
    Ok(p.render(&title, &body))
}

async fn allocate_form(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    PageContext::new(user, q.pick(&headers))
        .submit_job(&state, id, &f.csrf, |_, by| {
            submit_allocation(&state, id, by)
        })
        .await
}

async fn bill_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath((id, member, month)): UrlPath<(i64, String, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    p.respond(bill_body(&state, &p, id, &member, &month).await)
}

async fn bill_pdf_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath((id, member, month)): UrlPath<(i64, String, String)>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    p.respond(bill_pdf(&state, &p, id, &member, &month).await)
}

/// The stored statement of `member` for `month` in the page's language (HTML), after the
/// checks that the user may see it: its path.
async fn stored_statement(
    state: &AppState,
    p: &PageContext,
    id: i64,
    member: &str,
    month: &str,
) -> Result<PathBuf, ApiError> {
    let u = &p.user;
    visible_district(state, u, id).await?;
    if !u.manages_district(id) && u.user.prm.as_deref() != Some(member) {
        return Err(ApiError::NotFound);
    }
    let latest = latest_allocation(state, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let file = latest
        .content
        .member_month(member, month)
        .map(|m| m.bill_file.clone())
        .filter(|f| {
            !f.is_empty()
                && f.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
                && !f.contains("..")
        })
        .ok_or(ApiError::NotFound)?;
    // Runs store their statements in `statements/`; runs made before statements and invoices
    // were told apart keep them in `bills/`.
    let job_dir = outputs_dir(&state.config.data_dir, id, latest.job);
    let bills = if job_dir.join("statements").is_dir() {
        job_dir.join("statements")
    } else {
        job_dir.join("bills")
    };
    // The statement in the page's language: the French file, or the English one beside it
    // (runs made before English bills existed keep their one bilingual file).
    let english = bills.join(quartier_report::english_statement_file_name(&file));
    Ok(match p.lang {
        Lang::En if english.is_file() => english,
        _ => bills.join(file),
    })
}

/// The stored statement of `member` for `month`, with a way back to the community page and a
/// link to its PDF.
async fn bill_body(
    state: &AppState,
    p: &PageContext,
    id: i64,
    member: &str,
    month: &str,
) -> Result<Response, ApiError> {
    let path = stored_statement(state, p, id, member, month).await?;
    let has_pdf = path
        .with_file_name(quartier_report::pdf_file_name(
            &path.file_name().unwrap_or_default().to_string_lossy(),
        ))
        .is_file();
    let html = tokio::task::spawn_blocking(move || std::fs::read_to_string(path))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|_| ApiError::NotFound)?;
    let back = format!("/districts/{id}/community?lang={}", p.lang.code());
    let pdf = has_pdf.then(|| {
        (
            format!("{}/pdf?lang={}", bill_url(id, member, month), p.lang.code()),
            t(p.lang, "bill_pdf"),
        )
    });
    Ok((
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        with_navigation(&html, &back, t(p.lang, "bill_back"), pdf),
    )
        .into_response())
}

/// The PDF of the stored statement of `member` for `month`, to download.
async fn bill_pdf(
    state: &AppState,
    p: &PageContext,
    id: i64,
    member: &str,
    month: &str,
) -> Result<Response, ApiError> {
    let html = stored_statement(state, p, id, member, month).await?;
    let name =
        quartier_report::pdf_file_name(&html.file_name().unwrap_or_default().to_string_lossy());
    let path = html.with_file_name(&name);
    let bytes = tokio::task::spawn_blocking(move || std::fs::read(path))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|_| ApiError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// The id of the navigation added to a stored bill.
const BILL_NAV_ID: &str = "bill-nav";

/// The style of that navigation: some room below it, and hidden when printing (its text is
/// hashed into the Content Security Policy, which allows no other inline style).
pub(crate) const BILL_NAV_STYLE: &str =
    "#bill-nav{margin:0 0 1rem}@media print{#bill-nav{display:none}}";

/// A stored bill (a standalone printable page) with a link `label` to `back` at the top of
/// its body (and one to its PDF, when there is one), hidden when printing, so that the printed
/// bill stays the same.
pub(crate) fn with_navigation(
    bill: &str,
    back: &str,
    label: &str,
    pdf: Option<(String, &str)>,
) -> String {
    let style = format!("<style>{BILL_NAV_STYLE}</style>");
    let pdf_link = pdf
        .map(|(href, text)| format!(" · <a href=\"{}\" download>{}</a>", esc(&href), esc(text)))
        .unwrap_or_default();
    let nav = format!(
        "<nav id={BILL_NAV_ID}><a href=\"{}\">{}</a>{pdf_link}</nav>",
        esc(back),
        esc(label)
    );
    let mut out = String::with_capacity(bill.len() + style.len() + nav.len());
    match (bill.find("</head>"), bill.find("<body>")) {
        (Some(head_end), Some(body_start)) if head_end < body_start => {
            let (head, rest) = bill.split_at(head_end);
            let (between, body) = rest.split_at(body_start - head_end + "<body>".len());
            out.push_str(head);
            out.push_str(&style);
            out.push_str(between);
            out.push_str(&nav);
            out.push_str(body);
        }
        // Not the page the report writes: the navigation first, the bill unchanged after it.
        _ => {
            out.push_str(&style);
            out.push_str(&nav);
            out.push_str(bill);
        }
    }
    out
}

//! The infrastructure asset registry of a district (PV arrays, inverters, batteries,
//! hydrogen chain, charge points, meters, cargo bikes, buildings…), its maintenance log and
//! its 30-year lifecycle-cost and replacement plan, over the API and the dashboard.
//!
//! Routes: `GET|POST /api/v1/districts/{id}/assets`, `GET /api/v1/districts/{id}/asset-plan`
//! (and `asset-plan.csv`), `PATCH /api/v1/assets/{id}`, `POST /api/v1/assets/{id}/maintenance`;
//! the pages `/districts/{id}/assets` (registry table, plan summary, an inline chart of the
//! plan's yearly costs; the full plan report of [`quartier_report::assets::plan_html_in`] is
//! served at `/districts/{id}/assets/plan.html`) and
//! `/assets/{id}` (details, log, and two CSRF-protected forms).
//!
//! Roles: the programme reads and manages every registry, an organiser their district's;
//! participants never see a registry: every route answers 404 for them, exactly like a
//! missing id.
//!
//! An import derives one asset per component of the district model
//! ([`quartier_assets::registry_from_district`], commissioned on the first day of the
//! district's time axis), applies the optional registry file ([`RegistryFile::apply`]), checks
//! that the whole registry makes a plan, then stores it; a district that already has assets
//! answers 409 (the store has no way to delete a registry, so there is no `replace`).
//! Conversions between [`Asset`] and the store's rows live here, at the edge; the domain
//! (validation, plan) is `quartier_assets`, the CSV and the report `quartier_report::assets`.
//!
//! The plan's default first year is the current year in Europe/Paris, or a later year when an
//! asset was commissioned or maintained later (a district modelled on a future year), so that
//! the default plan always exists.
//!
//! [`RegistryFile::apply`]: quartier_assets::RegistryFile::apply

use std::path::Path;

use axum::extract::{Form, Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Europe::Paris;
use quartier_assets::{
    ASSET_FIELDS, Asset, AssetError, AssetKind, CONDITION_RANGE, FieldKind, MaintenanceEntry,
    MaintenanceKind, Plan, PlanConfig, PlanError, lifecycle_plan, parse_registry,
    registry_from_district,
};
use quartier_report::svg::{AxisSpec, BarChart, BarSeries, bar_chart};
use quartier_store::{AssetRow, DistrictRow, MaintenanceRow, NewAsset, NewMaintenance, Store};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::api::{self, rfc3339};
use crate::auth::{CurrentUser, MaybeUser};
use crate::districts::problems;
use crate::error::{ApiError, InputProblem};
use crate::html::{card, esc, signed, whole};
use crate::i18n::{Lang, day_label, t, value_label};
use crate::page_support::{LangQuery, PageContext, PageError, check_csrf, district_back_link};

/// The name the registry file has in diagnostics, inside the data folder.
const REGISTRY_FILE_NAME: &str = "assets.toml";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/districts/{id}/assets",
            get(list_assets).post(import_assets),
        )
        .route("/api/v1/districts/{id}/asset-plan", get(read_plan))
        .route("/api/v1/districts/{id}/asset-plan.csv", get(read_plan_csv))
        .route("/api/v1/assets/{id}", axum::routing::patch(patch_asset))
        .route("/api/v1/assets/{id}/maintenance", post(add_maintenance))
        .route("/districts/{id}/assets", get(registry_page))
        .route("/districts/{id}/assets/plan.html", get(plan_report))
        .route("/assets/{id}", get(asset_page))
        .route("/assets/{id}/maintenance", post(maintenance_form))
        .route("/assets/{id}/condition", post(condition_form))
}

// ---------------------------------------------------------------------------------------------
// Access

/// A district whose registry the user may read and manage, or 404.
async fn managed_district(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<DistrictRow, ApiError> {
    api::managed_district(state, user, id, ApiError::NotFound).await
}

/// An asset of a district the user manages, or 404.
async fn managed_asset(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
) -> Result<AssetRow, ApiError> {
    let row = state.store.asset(id).await?.ok_or(ApiError::NotFound)?;
    if !user.manages_district(row.district_id) {
        return Err(ApiError::NotFound);
    }
    Ok(row)
}

// ---------------------------------------------------------------------------------------------
// Conversions at the edge

/// Today in Paris (the day a maintenance, a plan or an invoice is dated by default).
pub(crate) fn today() -> NaiveDate {
    Utc::now().with_timezone(&Paris).date_naive()
}

/// The store's row of an asset.
fn to_new_asset(a: &Asset) -> NewAsset {
    NewAsset {
        component: a.component.clone(),
        kind: a.kind.key().to_string(),
        name: a.name.clone(),
        location: (!a.location.is_empty()).then(|| a.location.clone()),
        latitude_deg: a.latitude_deg,
        longitude_deg: a.longitude_deg,
        commissioned_on: a.commissioned_on,
        lifetime_years: a.lifetime_years,
        capex_eur: a.capex_eur,
        annual_om_eur: a.annual_om_eur,
        condition: a.condition,
        replacement_year: a.replacement_year,
        notes: a.notes.clone(),
    }
}

/// The store's row of a maintenance entry.
fn to_new_maintenance(m: &MaintenanceEntry, created_at: DateTime<Utc>) -> NewMaintenance {
    NewMaintenance {
        performed_on: m.performed_on,
        kind: m.kind.key().to_string(),
        cost_eur: m.cost_eur,
        note: m.note.clone(),
        created_at,
    }
}

/// The domain asset of a stored row and its log; a kind the asset crate does not know is a
/// corrupt row (an internal error).
fn to_asset(row: &AssetRow, log: &[MaintenanceRow]) -> Result<Asset, ApiError> {
    let a = &row.asset;
    let corrupt = |what: String| ApiError::Internal(format!("asset {}: {what}", row.id));
    let kind: AssetKind = a.kind.parse().map_err(|e| corrupt(format!("{e}")))?;
    let maintenance = log
        .iter()
        .map(|m| {
            Ok(MaintenanceEntry {
                performed_on: m.entry.performed_on,
                kind: m.entry.kind.parse().map_err(|e| corrupt(format!("{e}")))?,
                cost_eur: m.entry.cost_eur,
                note: m.entry.note.clone(),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Asset {
        name: a.name.clone(),
        kind,
        component: a.component.clone(),
        location: a.location.clone().unwrap_or_default(),
        latitude_deg: a.latitude_deg,
        longitude_deg: a.longitude_deg,
        commissioned_on: a.commissioned_on,
        lifetime_years: a.lifetime_years,
        capex_eur: a.capex_eur,
        annual_om_eur: a.annual_om_eur,
        condition: a.condition,
        replacement_year: a.replacement_year,
        notes: a.notes.clone(),
        maintenance,
    })
}

/// A stored asset: its id, its domain form and its log rows (ids, logging instants).
struct Stored {
    id: i64,
    district_id: i64,
    asset: Asset,
    log: Vec<MaintenanceRow>,
}

/// The log of a stored asset, oldest work first (then in logging order).
fn sorted_log(s: &Stored) -> Vec<&MaintenanceRow> {
    let mut log: Vec<&MaintenanceRow> = s.log.iter().collect();
    log.sort_by_key(|m| (m.entry.performed_on, m.id));
    log
}

/// The registry of a district as stored, sorted by name (the same on every back end).
async fn load_registry(store: &Store, district: i64) -> Result<Vec<Stored>, ApiError> {
    let rows = store.assets(district).await?;
    let mut logs: std::collections::HashMap<i64, Vec<MaintenanceRow>> =
        std::collections::HashMap::new();
    for m in store.district_maintenance(district).await? {
        logs.entry(m.asset_id).or_default().push(m);
    }
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let log = logs.remove(&row.id).unwrap_or_default();
        let asset = to_asset(&row, &log)?;
        out.push(Stored {
            id: row.id,
            district_id: row.district_id,
            asset,
            log,
        });
    }
    out.sort_by(|a, b| a.asset.name.cmp(&b.asset.name));
    Ok(out)
}

/// The plan's default first year: this year, or the latest year an asset was commissioned or
/// maintained when that is later.
fn default_start_year<'a>(assets: impl IntoIterator<Item = &'a Asset>, today: NaiveDate) -> i32 {
    assets
        .into_iter()
        .flat_map(|a| {
            std::iter::once(a.commissioned_on).chain(a.maintenance.iter().map(|m| m.performed_on))
        })
        .map(|d| d.year())
        .fold(today.year(), i32::max)
}

fn problem(path: &str, message: String, expected: Option<String>) -> InputProblem {
    InputProblem::field(path, message, expected)
}

/// `value`, or 422 with every problem in `errs` when there is one.
fn unless_problems<T>(value: T, errs: Vec<InputProblem>) -> Result<T, ApiError> {
    if errs.is_empty() {
        Ok(value)
    } else {
        Err(ApiError::Invalid(errs))
    }
}

/// The fields of a JSON body, or 422 when it is not an object (`example` shows one).
fn json_object<'a>(
    body: &'a Value,
    example: &str,
) -> Result<&'a serde_json::Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| {
        ApiError::Invalid(vec![problem(
            "",
            "the body is not a JSON object".into(),
            Some(example.into()),
        )])
    })
}

/// A plan that cannot be made, as an input problem at the setting or asset at fault.
fn plan_problem(e: &PlanError) -> InputProblem {
    match e {
        PlanError::Config {
            field, expected, ..
        } => problem(field, e.to_string(), Some((*expected).to_string())),
        PlanError::CommissionedAfterStart { .. } | PlanError::MaintenanceAfterStart { .. } => {
            problem(
                "start_year",
                e.to_string(),
                Some("a year in or after every commissioning and maintenance date".into()),
            )
        }
        PlanError::Asset(_) | PlanError::DuplicateName(_) => problem("assets", e.to_string(), None),
    }
}

/// An invalid asset, at the field at fault (field names of the API and the forms).
fn asset_problem(e: &AssetError) -> InputProblem {
    let (path, expected) = match e {
        AssetError::Condition { .. } => ("condition", None),
        AssetError::ReplacementBeforeCommissioning { .. } => (
            "replacement_year",
            Some("a year in or after commissioning".to_string()),
        ),
        AssetError::MaintenanceBeforeCommissioning { .. } => (
            "performed_on",
            Some("a date on or after commissioning".to_string()),
        ),
        AssetError::Amount { .. } => ("cost_eur", Some("a finite amount ≥ 0".to_string())),
        AssetError::EmptyName | AssetError::Lifetime { .. } | AssetError::Coordinate { .. } => {
            ("", None)
        }
    };
    problem(path, e.to_string(), expected)
}

// ---------------------------------------------------------------------------------------------
// Import

/// The registry of a district's model, completed by `registry_toml` (blocking: parses files).
fn build_registry(
    data_dir: &Path,
    district_toml: &str,
    registry_toml: Option<&str>,
    today: NaiveDate,
) -> Result<Vec<Asset>, ApiError> {
    let (district, _sources) = crate::districts::parse(data_dir, district_toml).map_err(|d| {
        let first: Vec<String> = d.iter().take(3).map(ToString::to_string).collect();
        ApiError::Internal(format!(
            "the stored district file no longer parses: {}",
            first.join("; ")
        ))
    })?;
    let tz = district.site.timezone;
    let commissioned_on = district.axis.start().with_timezone(&tz).date_naive();
    let base = registry_from_district(&district, commissioned_on);
    let assets = match registry_toml {
        None => base,
        Some(text) => {
            let start = default_start_year(&base, today);
            let file = parse_registry(text, &data_dir.join(REGISTRY_FILE_NAME))
                .map_err(|d| ApiError::Invalid(problems(&d, data_dir)))?;
            file.apply(base, start)
                .map_err(|d| ApiError::Invalid(problems(&d, data_dir)))?
        }
    };
    // Everything stored must make the default plan (names unique, every asset valid).
    let start = default_start_year(&assets, today);
    lifecycle_plan(&assets, &PlanConfig::new(start))
        .map_err(|e| ApiError::Invalid(vec![plan_problem(&e)]))?;
    Ok(assets)
}

/// Builds the asset registry of district `district_id` from its model (one asset per
/// component, commissioned on the first day of its time axis, cited default costs), applies
/// the registry file `registry_toml` when given (corrections, added assets, maintenance logs;
/// diagnostics at line and field), checks that the result makes a lifecycle plan, and stores
/// it with the maintenance logs in one transaction; returns the number of assets stored.
///
/// Errors: [`ApiError::NotFound`] for an unknown district, [`ApiError::Conflict`] when the
/// district already has assets, [`ApiError::Invalid`] with every problem of the registry file
/// (nothing is stored then).
pub async fn seed_assets(
    store: &Store,
    data_dir: &Path,
    district_id: i64,
    registry_toml: Option<&str>,
) -> Result<usize, ApiError> {
    import_registry(
        store,
        data_dir,
        district_id,
        registry_toml,
        Existing::Refuse,
    )
    .await
}

/// What an import does when the district already has a registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Existing {
    /// Answer 409 (the default: a registry is imported once).
    Refuse,
    /// Replace it whole, maintenance logs included (`?replace=true`).
    Replace,
}

async fn import_registry(
    store: &Store,
    data_dir: &Path,
    district_id: i64,
    registry_toml: Option<&str>,
    existing: Existing,
) -> Result<usize, ApiError> {
    let district = store
        .district(district_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let count = store.assets(district_id).await?.len();
    if count > 0 && existing == Existing::Refuse {
        return Err(ApiError::Conflict(format!(
            "the district already has {count} assets (import with ?replace=true to replace the \
             whole registry, or change assets with PATCH /api/v1/assets/{{id}} and \
             POST /api/v1/assets/{{id}}/maintenance)"
        )));
    }
    let dir = data_dir.to_path_buf();
    let registry = registry_toml.map(str::to_owned);
    let day = today();
    let assets = tokio::task::spawn_blocking(move || {
        build_registry(&dir, &district.source_toml, registry.as_deref(), day)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let now = Utc::now();
    let rows = assets
        .iter()
        .map(|a| {
            let log = a
                .maintenance
                .iter()
                .map(|m| to_new_maintenance(m, now))
                .collect();
            (to_new_asset(a), log)
        })
        .collect();
    let ids = store.replace_assets(district_id, rows).await?;
    Ok(ids.len())
}

/// The registry text of an import body: TOML (`application/toml`) or JSON `{"toml": "…"}`;
/// `None` (derive from the model only) when empty. Form encodings are refused (CSRF).
fn registry_text(headers: &HeaderMap, body: String) -> Result<Option<String>, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let text = match ct.as_str() {
        "application/json" => {
            #[derive(Deserialize)]
            struct Wire {
                toml: Option<String>,
            }
            let w: Wire = serde_json::from_str(&body).map_err(|e| {
                ApiError::BadRequest(format!("body: {e} (expected {{\"toml\": \"…\"}})"))
            })?;
            w.toml
        }
        "application/toml" | "application/x-toml" | "text/x-toml" => Some(body),
        _ => {
            return Err(ApiError::BadRequest(
                "Content-Type: expected application/toml (the registry file) or \
                 application/json ({\"toml\": \"…\"})"
                    .into(),
            ));
        }
    };
    Ok(text.filter(|t| !t.trim().is_empty()))
}

/// The query of an import: `?replace=true` replaces an existing registry.
#[derive(Deserialize, Default)]
struct ImportQuery {
    replace: Option<bool>,
}

async fn import_assets(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: String,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    managed_district(&state, &user, id).await?;
    let text = registry_text(&headers, body)?;
    let existing = if q.replace == Some(true) {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    let n = import_registry(
        &state.store,
        &state.config.data_dir,
        id,
        text.as_deref(),
        existing,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "district_id": id,
            "assets": n,
            "assets_url": format!("/api/v1/districts/{id}/assets"),
            "plan_url": format!("/api/v1/districts/{id}/asset-plan"),
        })),
    ))
}

// ---------------------------------------------------------------------------------------------
// Plan settings and JSON

/// Plan settings as written in the query string; each is optional.
#[derive(Deserialize, Default)]
struct PlanQuery {
    start_year: Option<String>,
    years: Option<String>,
    discount_rate: Option<String>,
    capex_escalation: Option<String>,
    om_escalation: Option<String>,
    lang: Option<String>,
}

impl PlanQuery {
    /// The settings, defaults for those not given; 422 with every unreadable one.
    fn config(&self, default_start: i32) -> Result<PlanConfig, ApiError> {
        let mut c = PlanConfig::new(default_start);
        let mut errs = Vec::new();
        fn read<T: std::str::FromStr>(
            name: &str,
            v: &Option<String>,
            expected: &str,
            errs: &mut Vec<InputProblem>,
        ) -> Option<T> {
            let s = v.as_deref()?.trim();
            match s.parse() {
                Ok(x) => Some(x),
                Err(_) => {
                    errs.push(problem(
                        name,
                        format!("cannot read \"{s}\""),
                        Some(expected.to_string()),
                    ));
                    None
                }
            }
        }
        if let Some(y) = read("start_year", &self.start_year, "a year", &mut errs) {
            c.start_year = y;
        }
        if let Some(y) = read("years", &self.years, "a whole number of years", &mut errs) {
            c.years = y;
        }
        for (name, v, slot) in [
            ("discount_rate", &self.discount_rate, &mut c.discount_rate),
            (
                "capex_escalation",
                &self.capex_escalation,
                &mut c.capex_escalation,
            ),
            ("om_escalation", &self.om_escalation, &mut c.om_escalation),
        ] {
            if let Some(x) = read(name, v, "a rate, e.g. 0.04", &mut errs) {
                *slot = x;
            }
        }
        unless_problems(c, errs)
    }
}

/// The registry of a district and its plan under `q`.
async fn registry_and_plan(
    state: &AppState,
    district: i64,
    q: &PlanQuery,
) -> Result<(Vec<Stored>, Plan), ApiError> {
    let stored = load_registry(&state.store, district).await?;
    let config = q.config(default_start_year(stored.iter().map(|s| &s.asset), today()))?;
    let assets: Vec<Asset> = stored.iter().map(|s| s.asset.clone()).collect();
    let plan =
        lifecycle_plan(&assets, &config).map_err(|e| ApiError::Invalid(vec![plan_problem(&e)]))?;
    Ok((stored, plan))
}

/// A district the user manages (else 404), its registry and its plan under `q`.
async fn managed_plan(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    q: &PlanQuery,
) -> Result<(DistrictRow, Vec<Stored>, Plan), ApiError> {
    let d = managed_district(state, user, id).await?;
    let (stored, plan) = registry_and_plan(state, id, q).await?;
    Ok((d, stored, plan))
}

fn maintenance_json(m: &MaintenanceRow) -> Value {
    json!({
        "id": m.id,
        "performed_on": m.entry.performed_on.to_string(),
        "kind": m.entry.kind,
        "cost_eur": m.entry.cost_eur,
        "note": m.entry.note,
        "logged_at": rfc3339(m.entry.created_at),
    })
}

/// One asset with its log and its part of the plan (`plan.assets[i]` is `stored[i]`).
fn asset_json(s: &Stored, plan: Option<&quartier_assets::AssetPlan>) -> Value {
    let a = &s.asset;
    json!({
        "id": s.id,
        "district_id": s.district_id,
        "name": a.name,
        "kind": a.kind.key(),
        "component": a.component,
        "location": a.location,
        "latitude_deg": a.latitude_deg,
        "longitude_deg": a.longitude_deg,
        "commissioned_on": a.commissioned_on.to_string(),
        "in_service_since": a.in_service_since().to_string(),
        "lifetime_years": a.lifetime_years,
        "capex_eur": a.capex_eur,
        "annual_om_eur": a.annual_om_eur,
        "condition": a.condition,
        "replacement_year": a.replacement_year,
        "notes": a.notes,
        "end_of_life_year": plan.map(|p| p.end_of_life_year),
        "next_replacement_year": plan.and_then(|p| p.replacement_years.first().copied()),
        "replacement_years": plan.map(|p| p.replacement_years.clone()).unwrap_or_default(),
        "first_reason": plan.and_then(|p| p.first_reason).map(|r| r.key()),
        "maintenance": sorted_log(s).into_iter().map(maintenance_json).collect::<Vec<_>>(),
        "maintenance_cost_eur": a.maintenance_cost_eur(),
        "url": format!("/api/v1/assets/{}", s.id),
    })
}

fn config_json(c: &PlanConfig) -> Value {
    json!({
        "start_year": c.start_year,
        "end_year": c.end_year(),
        "years": c.years,
        "discount_rate": c.discount_rate,
        "capex_escalation": c.capex_escalation,
        "om_escalation": c.om_escalation,
    })
}

async fn list_assets(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<PlanQuery>,
) -> Result<Json<Value>, ApiError> {
    let (_, stored, plan) = managed_plan(&state, &user, id, &q).await?;
    let assets: Vec<Value> = stored
        .iter()
        .zip(&plan.assets)
        .map(|(s, p)| asset_json(s, Some(p)))
        .collect();
    Ok(Json(json!({
        "district_id": id,
        "plan": config_json(&plan.config),
        "assets": assets,
    })))
}

async fn read_plan(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<PlanQuery>,
) -> Result<Json<Value>, ApiError> {
    let (_, stored, plan) = managed_plan(&state, &user, id, &q).await?;
    let years: Vec<Value> = plan
        .years
        .iter()
        .map(|y| {
            json!({
                "year": y.year,
                "replacement_capex_eur": y.replacement_capex_eur,
                "om_eur": y.om_eur,
                "total_eur": y.total_eur,
                "discount_factor": y.discount_factor,
                "discounted_eur": y.discounted_eur,
                "assets_replaced": y.assets_replaced,
            })
        })
        .collect();
    let assets: Vec<Value> = stored
        .iter()
        .zip(&plan.assets)
        .map(|(s, p)| {
            json!({
                "asset_id": s.id,
                "name": p.name,
                "kind": p.kind.key(),
                "component": p.component,
                "end_of_life_year": p.end_of_life_year,
                "first_reason": p.first_reason.map(|r| r.key()),
                "replacement_years": p.replacement_years,
                "replacement_capex_eur": p.replacement_capex_eur,
                "om_eur": p.om_eur,
                "residual_value_eur": p.residual_value_eur,
            })
        })
        .collect();
    let t = &plan.totals;
    Ok(Json(json!({
        "district_id": id,
        "config": config_json(&plan.config),
        "years": years,
        "assets": assets,
        "totals": {
            "replacements": t.replacements,
            "replacement_capex_eur": t.replacement_capex_eur,
            "om_eur": t.om_eur,
            "total_eur": t.total_eur,
            "npv_eur": t.npv_eur,
            "residual_value_eur": t.residual_value_eur,
            "residual_value_pv_eur": t.residual_value_pv_eur,
        },
        "csv_url": format!("/api/v1/districts/{id}/asset-plan.csv"),
    })))
}

async fn read_plan_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<PlanQuery>,
) -> Result<Response, ApiError> {
    let (_, _, plan) = managed_plan(&state, &user, id, &q).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
        quartier_report::assets::plan_csv(&plan),
    )
        .into_response())
}

/// The stored asset `id` and its part of `plan` (the plan of `stored`), or 404.
fn find_in_plan<'a>(
    stored: &'a [Stored],
    plan: &'a Plan,
    id: i64,
) -> Result<(&'a Stored, &'a quartier_assets::AssetPlan), ApiError> {
    stored
        .iter()
        .zip(&plan.assets)
        .find(|(s, _)| s.id == id)
        .ok_or(ApiError::NotFound)
}

/// One asset with its part of the district's default plan.
async fn asset_with_plan(state: &AppState, row: &AssetRow) -> Result<Value, ApiError> {
    let (stored, plan) = registry_and_plan(state, row.district_id, &PlanQuery::default()).await?;
    let (s, p) = find_in_plan(&stored, &plan, row.id)?;
    Ok(asset_json(s, Some(p)))
}

// ---------------------------------------------------------------------------------------------
// Changes: condition and maintenance (shared by the API and the forms)

/// Bounds of a registry field declared as an integer ([`ASSET_FIELDS`]).
fn integer_bounds(name: &str) -> Option<(i64, i64)> {
    ASSET_FIELDS
        .iter()
        .find(|f| f.name == name)
        .and_then(|f| match f.kind {
            FieldKind::Integer(lo, hi) => Some((lo, hi)),
            _ => None,
        })
}

/// A change of condition and decided replacement year: `None` keeps a value;
/// `replacement_year: Some(None)` clears the decided year.
struct ConditionChange {
    condition: Option<i64>,
    replacement_year: Option<Option<i64>>,
}

/// The new (condition, replacement year) of `asset`, or every problem.
fn apply_condition(
    asset: &Asset,
    change: &ConditionChange,
) -> Result<(u8, Option<i32>), Vec<InputProblem>> {
    let mut errs = Vec::new();
    if change.condition.is_none() && change.replacement_year.is_none() {
        errs.push(problem(
            "",
            "nothing to change".into(),
            Some("condition and/or replacement_year".into()),
        ));
    }
    let mut a = asset.clone();
    if let Some(c) = change.condition {
        match u8::try_from(c).ok().filter(|c| CONDITION_RANGE.contains(c)) {
            Some(c) => a.condition = c,
            None => errs.push(problem(
                "condition",
                format!("{c} is out of range"),
                Some(format!(
                    "{} ≤ condition ≤ {} (1 critical, 2 poor, 3 fair, 4 good, 5 as new)",
                    CONDITION_RANGE.start(),
                    CONDITION_RANGE.end()
                )),
            )),
        }
    }
    if let Some(year) = change.replacement_year {
        let (lo, hi) = integer_bounds("replacement_year").unwrap_or((1000, 9000));
        match year {
            None => a.replacement_year = None,
            Some(y) if (lo..=hi).contains(&y) => {
                a.replacement_year = i32::try_from(y).ok();
            }
            Some(y) => errs.push(problem(
                "replacement_year",
                format!("{y} is out of range"),
                Some(format!(
                    "{lo} ≤ replacement_year ≤ {hi}, or null to clear it"
                )),
            )),
        }
    }
    if errs.is_empty()
        && let Err(e) = a.validate()
    {
        errs.push(asset_problem(&e));
    }
    if errs.is_empty() {
        Ok((a.condition, a.replacement_year))
    } else {
        Err(errs)
    }
}

/// A maintenance entry as submitted (text of each field; `None` when absent).
#[derive(Default)]
struct MaintenanceInput {
    performed_on: Option<String>,
    kind: Option<String>,
    cost_eur: Option<String>,
    note: Option<String>,
}

/// The entry to log on `asset`, or every problem: a date on or after commissioning and not
/// after `today` (the log records work done), a known kind, a finite cost ≥ 0.
fn check_maintenance(
    asset: &Asset,
    input: &MaintenanceInput,
    today: NaiveDate,
) -> Result<MaintenanceEntry, Vec<InputProblem>> {
    let mut errs = Vec::new();
    let date = match input.performed_on.as_deref().map(str::trim) {
        None | Some("") => {
            errs.push(problem(
                "performed_on",
                "missing".into(),
                Some("a date YYYY-MM-DD".into()),
            ));
            None
        }
        Some(s) => match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) if d > today => {
                errs.push(problem(
                    "performed_on",
                    format!("{d} is in the future (the log records work done)"),
                    Some(format!("a date on or before {today}")),
                ));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                errs.push(problem(
                    "performed_on",
                    format!("cannot read \"{s}\": {e}"),
                    Some("a date YYYY-MM-DD".into()),
                ));
                None
            }
        },
    };
    let expected_kinds = || Some(format!("one of {}", MaintenanceKind::keys().join(", ")));
    let kind = match input.kind.as_deref().map(str::trim) {
        None | Some("") => {
            errs.push(problem("kind", "missing".into(), expected_kinds()));
            None
        }
        Some(s) => match s.parse::<MaintenanceKind>() {
            Ok(k) => Some(k),
            Err(e) => {
                errs.push(problem("kind", e.to_string(), expected_kinds()));
                None
            }
        },
    };
    let cost = match input.cost_eur.as_deref().map(str::trim) {
        None | Some("") => Some(0.0),
        Some(s) => match s.parse::<f64>() {
            Ok(c) if c.is_finite() && c >= 0.0 => Some(c),
            _ => {
                errs.push(problem(
                    "cost_eur",
                    format!("cannot use \"{s}\""),
                    Some("a finite amount ≥ 0, EUR".into()),
                ));
                None
            }
        },
    };
    let (Some(performed_on), Some(kind), Some(cost_eur)) = (date, kind, cost) else {
        return Err(errs);
    };
    let entry = MaintenanceEntry {
        performed_on,
        kind,
        cost_eur,
        note: input.note.clone().unwrap_or_default(),
    };
    let mut a = asset.clone();
    a.maintenance.push(entry.clone());
    a.validate().map_err(|e| vec![asset_problem(&e)])?;
    Ok(entry)
}

/// Reads the JSON body of a PATCH: `condition` (integer) and/or `replacement_year` (integer
/// or null); any other field is a problem.
fn condition_from_json(body: &Value) -> Result<ConditionChange, ApiError> {
    let obj = json_object(body, "{\"condition\": 3, \"replacement_year\": 2030}")?;
    let mut errs = Vec::new();
    let mut change = ConditionChange {
        condition: None,
        replacement_year: None,
    };
    for (k, v) in obj {
        match (k.as_str(), v) {
            ("condition", v) => match v.as_i64() {
                Some(c) => change.condition = Some(c),
                None => errs.push(problem(
                    "condition",
                    format!("wrong type: {v}"),
                    Some("an integer, 1 to 5".into()),
                )),
            },
            ("replacement_year", Value::Null) => change.replacement_year = Some(None),
            ("replacement_year", v) => match v.as_i64() {
                Some(y) => change.replacement_year = Some(Some(y)),
                None => errs.push(problem(
                    "replacement_year",
                    format!("wrong type: {v}"),
                    Some("an integer year, or null to clear it".into()),
                )),
            },
            (other, _) => errs.push(problem(
                other,
                format!("unknown field `{other}`"),
                Some("condition, replacement_year".into()),
            )),
        }
    }
    unless_problems(change, errs)
}

/// Reads the JSON body of a maintenance entry: `performed_on`, `kind`, `cost_eur`, `note`.
fn maintenance_from_json(body: &Value) -> Result<MaintenanceInput, ApiError> {
    let obj = json_object(
        body,
        "{\"performed_on\": \"2025-06-01\", \"kind\": \"inspection\", \"cost_eur\": 450, \"note\": \"…\"}",
    )?;
    let mut input = MaintenanceInput::default();
    let mut errs = Vec::new();
    for (k, v) in obj {
        let text = match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) if k == "cost_eur" => Some(n.to_string()),
            Value::Null => None,
            _ => {
                errs.push(problem(
                    k,
                    format!("wrong type: {v}"),
                    Some(
                        if k == "cost_eur" {
                            "a number"
                        } else {
                            "a string"
                        }
                        .into(),
                    ),
                ));
                continue;
            }
        };
        match k.as_str() {
            "performed_on" => input.performed_on = text,
            "kind" => input.kind = text,
            "cost_eur" => input.cost_eur = text,
            "note" => input.note = text,
            other => errs.push(problem(
                other,
                format!("unknown field `{other}`"),
                Some("performed_on, kind, cost_eur, note".into()),
            )),
        }
    }
    unless_problems(input, errs)
}

/// The domain form of a stored asset, with its maintenance log.
async fn stored_asset(state: &AppState, row: &AssetRow) -> Result<Asset, ApiError> {
    let log = state.store.maintenance(row.id).await?;
    to_asset(row, &log)
}

/// Applies a condition change to a stored asset.
async fn change_condition(
    state: &AppState,
    row: &AssetRow,
    change: &ConditionChange,
) -> Result<(), ApiError> {
    let asset = stored_asset(state, row).await?;
    let (condition, year) = apply_condition(&asset, change).map_err(ApiError::Invalid)?;
    if !state
        .store
        .update_asset_condition(row.id, condition, year)
        .await?
    {
        return Err(ApiError::NotFound);
    }
    Ok(())
}

/// Logs a maintenance entry on a stored asset; returns its id.
async fn log_maintenance(
    state: &AppState,
    row: &AssetRow,
    input: &MaintenanceInput,
) -> Result<i64, ApiError> {
    let asset = stored_asset(state, row).await?;
    let entry = check_maintenance(&asset, input, today()).map_err(ApiError::Invalid)?;
    Ok(state
        .store
        .add_maintenance(row.id, to_new_maintenance(&entry, Utc::now()))
        .await?)
}

async fn patch_asset(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Json(body): Json<Value>,
) -> Result<Json<Value>, ApiError> {
    let row = managed_asset(&state, &user, id).await?;
    let change = condition_from_json(&body)?;
    change_condition(&state, &row, &change).await?;
    Ok(Json(asset_with_plan(&state, &row).await?))
}

async fn add_maintenance(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let row = managed_asset(&state, &user, id).await?;
    let input = maintenance_from_json(&body)?;
    let entry_id = log_maintenance(&state, &row, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": entry_id,
            "asset": asset_with_plan(&state, &row).await?,
        })),
    ))
}

// ---------------------------------------------------------------------------------------------
// Pages

/// The link to the registry page, for the district page.
pub(crate) fn link(l: Lang, id: i64) -> String {
    format!(
        "<p><a id=assets-link href=\"/districts/{id}/assets?lang={}\">{}</a></p>",
        l.code(),
        t(l, "asset_registry")
    )
}

/// A condition score with its label in `l` ("3 — fair").
fn condition_label(l: Lang, c: u8) -> String {
    let key = match c {
        1 => "asset_cond_1",
        2 => "asset_cond_2",
        3 => "asset_cond_3",
        4 => "asset_cond_4",
        _ => "asset_cond_5",
    };
    format!("{c} — {}", t(l, key))
}

/// The next planned replacement year of an asset, or "—" when none falls in the plan.
fn next_replacement(p: &quartier_assets::AssetPlan) -> String {
    p.replacement_years
        .first()
        .map_or_else(|| "—".to_string(), ToString::to_string)
}

fn registry_body(l: Lang, id: i64, stored: &[Stored], plan: &Plan) -> String {
    let lc = l.code();
    let c = &plan.config;
    let tt = &plan.totals;
    let mut out = String::from("<div class=cards>");
    out.push_str(&card(t(l, "asset_count"), &stored.len().to_string()));
    out.push_str(&card(
        t(l, "asset_replacements"),
        &tt.replacements.to_string(),
    ));
    out.push_str(&card(
        t(l, "asset_replacement_capex"),
        &l.money(tt.replacement_capex_eur, 0),
    ));
    out.push_str(&card(t(l, "asset_om_total"), &l.money(tt.om_eur, 0)));
    out.push_str(&card(t(l, "asset_npv"), &l.money(tt.npv_eur, 0)));
    out.push_str("</div>");
    out.push_str(&format!(
        "<p><small>{} {}–{} · {} {}</small></p>",
        t(l, "asset_horizon"),
        c.start_year,
        c.end_year(),
        t(l, "asset_discount"),
        l.percent(c.discount_rate)
    ));
    out.push_str(&format!(
        "<section><h2>{}</h2><table id=registry><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        t(l, "asset_registry"),
        t(l, "asset_name"),
        t(l, "asset_kind"),
        t(l, "asset_component"),
        t(l, "asset_location"),
        t(l, "asset_commissioned"),
        t(l, "asset_lifetime"),
        t(l, "asset_condition"),
        t(l, "asset_next"),
        t(l, "asset_capex"),
    ));
    for (s, p) in stored.iter().zip(&plan.assets) {
        let a = &s.asset;
        out.push_str(&format!(
            "<tr><td><a href=\"/assets/{aid}?lang={lc}\">{name}</a></td><td>{kind}</td><td>{comp}</td>\
             <td>{loc}</td><td>{on}</td><td>{life}</td><td>{cond}</td><td>{next}</td><td>{capex}</td></tr>",
            aid = s.id,
            name = esc(&a.name),
            kind = esc(&value_label(l, "asset_kind", a.kind.key())),
            comp = esc(a.component.as_deref().unwrap_or("")),
            loc = esc(&a.location),
            on = day_label(l, a.commissioned_on),
            life = a.lifetime_years,
            cond = a.condition,
            next = next_replacement(p),
            capex = whole(a.capex_eur),
        ));
    }
    out.push_str("</table>");
    out.push_str(&format!(
        "<p><small><a href=\"/api/v1/districts/{id}/assets\">JSON</a> · \
         <a href=\"/api/v1/districts/{id}/asset-plan.csv\">plan.csv</a> · \
         <a href=\"/districts/{id}/assets/plan.html?lang={lc}\">plan.html</a></small></p></section>",
        lc = l.code()
    ));
    out.push_str(&format!(
        "<section id=plan><h2>{}</h2>{}<p><small><a href=\"/districts/{id}/assets/plan.html?lang={lc}\">{}</a>\
         </small></p></section>",
        t(l, "asset_plan"),
        plan_chart(l, plan),
        t(l, "asset_full_report"),
    ));
    out
}

/// The plan's yearly replacement capex and O&M as bars (EUR), labelled in `l`; an inline SVG
/// that takes the width of the page.
fn plan_chart(l: Lang, plan: &Plan) -> String {
    bar_chart(&BarChart {
        title: t(l, "asset_yearly_costs").into(),
        categories: plan.years.iter().map(|y| y.year.to_string()).collect(),
        x: AxisSpec::new(t(l, "asset_year"), ""),
        y: AxisSpec::new(t(l, "asset_cost_axis"), "EUR"),
        series: vec![
            BarSeries {
                label: t(l, "asset_replacement_capex").into(),
                values: plan.years.iter().map(|y| y.replacement_capex_eur).collect(),
                errors: None,
                color: Some("#b5651d".into()),
            },
            BarSeries {
                label: t(l, "asset_om_total").into(),
                values: plan.years.iter().map(|y| y.om_eur).collect(),
                errors: None,
                color: Some("#1d5fa0".into()),
            },
        ],
        locale: l.chart_locale(),
        ..BarChart::default()
    })
}

async fn registry_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<PlanQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, Lang::pick(q.lang.as_deref(), &headers))?;
    let l = p.lang;
    let go = async {
        let (d, stored, plan) = managed_plan(&state, &p.user, id, &PlanQuery::default()).await?;
        let mut body = district_back_link(l, id, &d.name);
        if stored.is_empty() {
            body.push_str(&format!(
                "<p id=no-assets>{}</p><p><code>POST /api/v1/districts/{id}/assets</code></p>",
                t(l, "asset_none")
            ));
        } else {
            body.push_str(&registry_body(l, id, &stored, &plan));
        }
        let title = format!("{} — {}", t(l, "asset_registry"), d.name);
        Ok::<_, ApiError>(p.render(&title, &body))
    };
    p.respond(go.await)
}

async fn plan_report(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<PlanQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, Lang::pick(q.lang.as_deref(), &headers))?;
    let go = async {
        let (d, stored, plan) = managed_plan(&state, &p.user, id, &q).await?;
        let assets: Vec<Asset> = stored.into_iter().map(|s| s.asset).collect();
        let l = p.lang;
        let title = format!("{} — {}", d.name, t(l, "asset_plan_title"));
        let html = quartier_report::assets::plan_html_in(
            &title,
            &plan,
            &assets,
            &[],
            l.report(),
            &|family, key| value_label(l, family, key),
        );
        Ok::<_, ApiError>(
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response(),
        )
    };
    p.respond(go.await)
}

fn asset_body(l: Lang, s: &Stored, p: &quartier_assets::AssetPlan, csrf: &str) -> String {
    let a = &s.asset;
    let lc = l.code();
    let id = s.id;
    let mut out = format!(
        "<p><a href=\"/districts/{d}/assets?lang={lc}\">← {r}</a></p><section><table id=asset>",
        d = s.district_id,
        r = t(l, "asset_registry"),
    );
    let coords = match (a.latitude_deg, a.longitude_deg) {
        (Some(la), Some(lo)) => format!(
            " ({} ; {})",
            signed(la, 4, l.point()),
            signed(lo, 4, l.point())
        ),
        _ => String::new(),
    };
    let years: Vec<String> = p
        .replacement_years
        .iter()
        .map(ToString::to_string)
        .collect();
    for (k, v) in [
        ("asset_kind", value_label(l, "asset_kind", a.kind.key())),
        (
            "asset_component",
            a.component.clone().unwrap_or_else(|| "—".into()),
        ),
        ("asset_location", format!("{}{coords}", a.location)),
        ("asset_commissioned", day_label(l, a.commissioned_on)),
        ("asset_in_service", day_label(l, a.in_service_since())),
        ("asset_lifetime", a.lifetime_years.to_string()),
        ("asset_capex", whole(a.capex_eur)),
        ("asset_om", whole(a.annual_om_eur)),
        ("asset_condition", condition_label(l, a.condition)),
        (
            "asset_decided",
            a.replacement_year
                .map_or_else(|| "—".to_string(), |y| y.to_string()),
        ),
        ("asset_next", next_replacement(p)),
        (
            "asset_years",
            if years.is_empty() {
                "—".into()
            } else {
                years.join(", ")
            },
        ),
        ("asset_notes", a.notes.clone()),
    ] {
        out.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>",
            t(l, k),
            esc(&v)
        ));
    }
    out.push_str("</table></section>");

    out.push_str(&format!("<section><h2>{}</h2>", t(l, "asset_log")));
    let log = sorted_log(s);
    if log.is_empty() {
        out.push_str(&format!("<p>{}</p>", t(l, "asset_log_empty")));
    } else {
        out.push_str(&format!(
            "<table id=log><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            t(l, "asset_date"),
            t(l, "asset_kind"),
            t(l, "asset_cost"),
            t(l, "asset_note")
        ));
        for m in log {
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                day_label(l, m.entry.performed_on),
                esc(&value_label(l, "maintenance", &m.entry.kind)),
                l.money(m.entry.cost_eur, 2),
                esc(&m.entry.note)
            ));
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");

    let kinds: String = MaintenanceKind::ALL
        .iter()
        .map(|k| {
            format!(
                "<option value=\"{}\">{}</option>",
                k.key(),
                esc(&value_label(l, "maintenance", k.key()))
            )
        })
        .collect();
    out.push_str(&format!(
        "<section><h2>{rec}</h2><form method=post action=\"/assets/{id}/maintenance?lang={lc}\">\
         <input type=hidden name=csrf value=\"{c}\">\
         <label>{date} <input type=date name=performed_on required></label> \
         <label>{kind} <select name=kind>{kinds}</select></label> \
         <label>{cost} <input type=number name=cost_eur min=0 step=0.01 value=0></label> \
         <label>{note} <input name=note></label> <button>{save}</button></form></section>",
        rec = t(l, "asset_record"),
        c = esc(csrf),
        date = t(l, "asset_date"),
        kind = t(l, "asset_kind"),
        cost = t(l, "asset_cost"),
        note = t(l, "asset_note"),
        save = t(l, "asset_save"),
    ));
    let conditions: String = CONDITION_RANGE
        .rev()
        .map(|c| {
            format!(
                "<option value={c}{sel}>{label}</option>",
                sel = if c == a.condition { " selected" } else { "" },
                label = esc(&condition_label(l, c))
            )
        })
        .collect();
    out.push_str(&format!(
        "<section><h2>{chg}</h2><form method=post action=\"/assets/{id}/condition?lang={lc}\">\
         <input type=hidden name=csrf value=\"{c}\">\
         <label>{cond} <select name=condition>{conditions}</select></label> \
         <label>{dec} <input type=number name=replacement_year min=1000 max=9000 value=\"{year}\"></label> \
         <button>{save}</button></form></section>",
        chg = t(l, "asset_change"),
        c = esc(csrf),
        cond = t(l, "asset_condition"),
        dec = t(l, "asset_decided"),
        year = a.replacement_year.map(|y| y.to_string()).unwrap_or_default(),
        save = t(l, "asset_save"),
    ));
    out
}

async fn asset_page(
    State(state): State<AppState>,
    MaybeUser(u): MaybeUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let p = PageContext::signed_in(u, q.pick(&headers))?;
    let go = async {
        let row = managed_asset(&state, &p.user, id).await?;
        let (stored, plan) =
            registry_and_plan(&state, row.district_id, &PlanQuery::default()).await?;
        let (s, ap) = find_in_plan(&stored, &plan, row.id)?;
        let body = asset_body(p.lang, s, ap, &p.user.csrf_token);
        Ok::<_, ApiError>(p.render(&s.asset.name, &body))
    };
    p.respond(go.await)
}

/// The asset a posted form changes: its CSRF token checked, the asset one the user manages.
async fn form_asset(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    csrf: &str,
) -> Result<AssetRow, ApiError> {
    check_csrf(user, csrf)?;
    managed_asset(state, user, id).await
}

/// After a form: back to the asset's page, or the failure in the page's frame (rejected
/// input with a link back there; nothing of the id otherwise, so that an asset the user may
/// not see answers like a missing one).
fn after_form(done: Result<(), ApiError>, p: &PageContext, id: i64) -> Response {
    let back = format!("/assets/{id}?lang={}", p.lang.code());
    match done {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(e @ ApiError::Invalid(_)) => p.fail(e).with_back(back).into_response(),
        Err(e) => p.fail(e).into_response(),
    }
}

#[derive(Deserialize)]
struct MaintenanceForm {
    csrf: String,
    performed_on: Option<String>,
    kind: Option<String>,
    cost_eur: Option<String>,
    note: Option<String>,
}

async fn maintenance_form(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<MaintenanceForm>,
) -> Response {
    let p = PageContext::new(user, q.pick(&headers));
    let go = async {
        let row = form_asset(&state, &p.user, id, &f.csrf).await?;
        let input = MaintenanceInput {
            performed_on: f.performed_on,
            kind: f.kind,
            cost_eur: f.cost_eur,
            note: f.note,
        };
        log_maintenance(&state, &row, &input).await.map(drop)
    };
    after_form(go.await, &p, id)
}

#[derive(Deserialize)]
struct ConditionForm {
    csrf: String,
    condition: Option<String>,
    replacement_year: Option<String>,
}

async fn condition_form(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<ConditionForm>,
) -> Response {
    let p = PageContext::new(user, q.pick(&headers));
    let go = async {
        let row = form_asset(&state, &p.user, id, &f.csrf).await?;
        let mut errs = Vec::new();
        let mut int = |name: &str, v: Option<&str>| -> Option<Option<i64>> {
            match v.map(str::trim) {
                None => None,
                Some("") => Some(None),
                Some(s) => match s.parse::<i64>() {
                    Ok(x) => Some(Some(x)),
                    Err(_) => {
                        errs.push(problem(
                            name,
                            format!("cannot read \"{s}\""),
                            Some("a whole number".into()),
                        ));
                        None
                    }
                },
            }
        };
        // The form always sends both fields: an empty year clears the decided replacement.
        let condition = int("condition", f.condition.as_deref()).flatten();
        let replacement_year = int("replacement_year", f.replacement_year.as_deref());
        if !errs.is_empty() {
            return Err(ApiError::Invalid(errs));
        }
        change_condition(
            &state,
            &row,
            &ConditionChange {
                condition,
                replacement_year,
            },
        )
        .await
    };
    after_form(go.await, &p, id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn battery() -> Asset {
        Asset::new("battery", AssetKind::Battery, d(2025, 6, 2), 20_000.0)
    }

    #[test]
    fn the_store_round_trip_keeps_every_field() {
        let mut a = battery();
        a.component = Some("battery".into());
        a.location = "École".into();
        a.latitude_deg = Some(48.77);
        a.longitude_deg = Some(2.22);
        a.condition = 3;
        a.replacement_year = Some(2031);
        a.notes = "note".into();
        a.maintenance.push(MaintenanceEntry {
            performed_on: d(2025, 7, 1),
            kind: MaintenanceKind::Inspection,
            cost_eur: 120.0,
            note: "ok".into(),
        });
        let now = Utc::now();
        let row = AssetRow {
            id: 7,
            district_id: 1,
            asset: to_new_asset(&a),
        };
        let log = vec![MaintenanceRow {
            id: 1,
            asset_id: 7,
            entry: to_new_maintenance(&a.maintenance[0], now),
        }];
        assert_eq!(to_asset(&row, &log).unwrap(), a);
        let mut corrupt = row;
        corrupt.asset.kind = "toaster".into();
        assert!(matches!(
            to_asset(&corrupt, &[]),
            Err(ApiError::Internal(_))
        ));
    }

    #[test]
    fn the_default_start_year_covers_every_date() {
        let mut a = battery();
        assert_eq!(default_start_year([&a], d(2026, 11, 25)), 2026);
        a.commissioned_on = d(2028, 1, 1);
        assert_eq!(default_start_year([&a], d(2026, 11, 25)), 2028);
    }

    #[test]
    fn condition_changes_are_checked_field_by_field() {
        let a = battery();
        let ok = ConditionChange {
            condition: Some(2),
            replacement_year: Some(Some(2030)),
        };
        assert_eq!(apply_condition(&a, &ok), Ok((2, Some(2030))));
        let bad = ConditionChange {
            condition: Some(6),
            replacement_year: Some(Some(2020)),
        };
        let errs = apply_condition(&a, &bad).unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].path, "condition");
        let before = ConditionChange {
            condition: None,
            replacement_year: Some(Some(2024)),
        };
        assert_eq!(
            apply_condition(&a, &before).unwrap_err()[0].path,
            "replacement_year"
        );
        let none = ConditionChange {
            condition: None,
            replacement_year: None,
        };
        assert!(apply_condition(&a, &none).is_err());
    }

    #[test]
    fn maintenance_entries_are_checked_field_by_field() {
        let a = battery();
        let today = d(2026, 1, 10);
        let input = |date: &str, kind: &str, cost: &str| MaintenanceInput {
            performed_on: Some(date.into()),
            kind: Some(kind.into()),
            cost_eur: Some(cost.into()),
            note: None,
        };
        let e = check_maintenance(&a, &input("2025-09-01", "corrective", "320.5"), today).unwrap();
        assert_eq!(e.kind, MaintenanceKind::Corrective);
        assert_eq!(e.cost_eur, 320.5);
        let errs = check_maintenance(&a, &input("2025-13-01", "repair", "-1"), today).unwrap_err();
        let paths: Vec<&str> = errs.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["performed_on", "kind", "cost_eur"]);
        let future = check_maintenance(&a, &input("2026-02-01", "other", ""), today).unwrap_err();
        assert_eq!(future[0].path, "performed_on");
        let early = check_maintenance(&a, &input("2025-01-01", "other", ""), today).unwrap_err();
        assert_eq!(early[0].path, "performed_on");
    }
}

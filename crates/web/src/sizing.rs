//! Sizing jobs: the capacities of a district (PV kWp, battery kWh and kW, electrolyser kW,
//! tank kg, fuel cell kW) at least annualised cost, optionally under a target, run as jobs of
//! kind `sizing` like optimisations (submit, progress, cancel, result) — the server's
//! `quartier size`.
//!
//! Route: `POST /api/v1/districts/{id}/sizings` (JSON options, every field optional, checked
//! all at once before anything is queued: 422 with each bad field, its value and what was
//! expected). Only those who manage the district submit.
//!
//! The job loads the district as a simulation does (its first `days` days when asked), poses
//! the sizing problem of the CLI ([`quartier_report::sizing::sizing_config`]: the capacities,
//! bounds, costs, battery durations and discount rate of the district file's `sizing`
//! tables, the built-in costs where it says nothing), solves it (on `typical_days` typical
//! days when asked, then the whole horizon with the chosen capacities) and stores a run of
//! the sized dispatch exactly like a simulation's (`timeseries.csv` and KPIs). Its result is
//! the KPI document of a simulation job plus `sizing`: the document the CLI writes as
//! `sizing.json`
//! ([`quartier_report::sizing::sizing_json`]). Progress: 5 % loaded, 15 % assembled, 25 %
//! the LP built, 90 % solved, 95 % stored; a cancellation is noticed between phases (a solve
//! runs to its end, its result discarded). An infeasible target fails the job with the
//! optimiser's explanation.

use std::path::Path;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path as UrlPath, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use quartier_model::{District, DistrictData};
use quartier_optim::sizing::{SizingModel, Target, size_on_typical_periods};
use quartier_report::sizing::{
    TARGET_EXPECTED, keep_first_days, parse_target, sizing_config, sizing_document,
    yes_no_component,
};
use quartier_store::{DistrictRow, NewRun};
use serde_json::{Map, Value};

use crate::AppState;
use crate::auth::CurrentUser;
use crate::districts::problems;
use crate::error::{ApiError, InputProblem};
use crate::job_options::{
    Fields, SolverChoice, problem, result_with, stored_spec, submit_with_options,
};
use crate::jobs::{self, Admitted, JobRequest, Progress};

/// The kind of sizing jobs.
pub(crate) const SIZING: &str = "sizing";

pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/districts/{id}/sizings", post(submit))
}

// ---------------------------------------------------------------------------------------------
// Options

/// What a sizing job does, checked.
#[derive(Debug, Clone, PartialEq)]
struct SizingSpec {
    target: Target,
    solver: SolverChoice,
    /// Upper bound of storage and conversion capacities, × the declared size.
    max_factor: Option<f64>,
    /// Keep only the first `days` days of the horizon.
    days: Option<u32>,
    /// Size on this many typical days, then check on the whole horizon.
    typical_days: Option<usize>,
}

impl Default for SizingSpec {
    fn default() -> Self {
        SizingSpec {
            target: Target::None,
            solver: SolverChoice::Clarabel,
            max_factor: None,
            days: None,
            typical_days: None,
        }
    }
}

/// The fields of the request body.
const FIELDS: &[&str] = &["target", "solver", "max_factor", "days", "typical_days"];

/// Checks the request body (`None`: no body, every option at its default); every problem is
/// collected.
fn parse_request(body: Option<&Value>) -> Result<SizingSpec, Vec<InputProblem>> {
    let empty = Map::new();
    let mut f = Fields::open(body, &empty, FIELDS)?;
    let mut spec = SizingSpec::default();

    if let Some(t) = f.string("target", TARGET_EXPECTED) {
        match parse_target(t) {
            Ok(t) => spec.target = t,
            Err(e) => {
                let message = e.to_string();
                f.problems.push(problem("target", message, e.expected));
            }
        }
    }
    if let Some(solver) = f.solver() {
        spec.solver = solver;
    }
    if let Some(v) = f.get("max_factor") {
        match v.as_f64() {
            Some(x) if x.is_finite() && x > 0.0 => spec.max_factor = Some(x),
            _ => f.problems.push(problem(
                "max_factor",
                format!("{v}: expected a multiple of the declared size > 0"),
                "a number > 0 (upper bound of storage and conversion capacities as a multiple \
                 of their declared size; default 4)",
            )),
        }
    }
    if let Some(v) = f.get("days") {
        match v.as_u64().and_then(|d| u32::try_from(d).ok()) {
            Some(d) if d >= 1 => spec.days = Some(d),
            _ => f.problems.push(problem(
                "days",
                format!("{v}: expected a whole number of days ≥ 1"),
                "a whole number of days ≥ 1 (the first days of the horizon)",
            )),
        }
    }
    if let Some(v) = f.get("typical_days") {
        match v.as_u64().and_then(|d| usize::try_from(d).ok()) {
            Some(d) if d >= 1 => spec.typical_days = Some(d),
            _ => f.problems.push(problem(
                "typical_days",
                format!("{v}: expected a whole number of typical days ≥ 1"),
                "a whole number of typical days ≥ 1 (at most the days of the horizon)",
            )),
        }
    }
    f.finish(spec)
}

// ---------------------------------------------------------------------------------------------
// The job

/// Queues a sizing of `district` and starts it in the background; returns the job id.
async fn submit_sizing(
    state: &AppState,
    district: DistrictRow,
    spec: SizingSpec,
    request: JobRequest,
) -> Result<i64, ApiError> {
    let id = match jobs::admit(state, request).await? {
        Admitted::Merged(id) => return Ok(id),
        Admitted::New(id) => id,
    };
    spawn(state, id, district, spec);
    Ok(id)
}

fn spawn(state: &AppState, id: i64, district: DistrictRow, spec: SizingSpec) {
    let data_dir = state.config.data_dir.clone();
    jobs::spawn_job(state, id, "sizing", move |p| {
        run_sizing(p, &district, &data_dir, &spec)
    });
}

/// Starts the work of stored sizing job `id` from its options (a job queued before a restart,
/// or retried).
pub(crate) fn start_stored(
    state: &AppState,
    id: i64,
    district: DistrictRow,
    options_json: &str,
) -> Result<(), String> {
    let spec = stored_spec(options_json, parse_request)?;
    spawn(state, id, district, spec);
    Ok(())
}

/// Parses and loads the district file, keeping its first `days` days when given.
fn load(
    data_dir: &Path,
    text: &str,
    days: Option<u32>,
) -> Result<(District, DistrictData), String> {
    let explain = |problems: Vec<InputProblem>| {
        let first: Vec<String> = problems.iter().take(5).map(|p| p.message.clone()).collect();
        format!("the district file no longer loads: {}", first.join("; "))
    };
    let (mut district, sources) =
        crate::districts::parse(data_dir, text).map_err(|d| explain(problems(&d, data_dir)))?;
    if let Some(days) = days {
        keep_first_days(&mut district, days)
            .map_err(|e| format!("keeping the first {days} days: {e}"))?;
    }
    let data =
        quartier_model::load(&district, &sources).map_err(|d| explain(problems(&d, data_dir)))?;
    Ok((district, data))
}

fn run_sizing(
    p: &mut Progress<'_>,
    district: &DistrictRow,
    data_dir: &Path,
    spec: &SizingSpec,
) -> Result<(String, NewRun), String> {
    p.step(0)?;
    let start = Instant::now();
    let (d, data) = load(data_dir, &district.source_toml, spec.days)?;
    let name = d.site.name.clone();
    p.step(5)?;
    let inputs = quartier_sim::assemble(&d, &data).map_err(|e| format!("assembling: {e}"))?;
    p.step(15)?;
    let config = sizing_config(&inputs, &d.sizing, spec.target, spec.max_factor);
    if let (SolverChoice::Clarabel, Some(c)) = (spec.solver, yes_no_component(&config)) {
        return Err(format!(
            "'{c}' has a cost when built (capex_eur_when_built in its sizing table), a yes/no \
             decision that only HiGHS makes: send \"solver\": \"highs\" to a server built \
             with HiGHS, or remove capex_eur_when_built from the district file"
        ));
    }
    let solver = spec.solver.back_end();
    let (sizing, typical) = match spec.typical_days {
        Some(k) => {
            let r = size_on_typical_periods(&inputs, &config, k, solver.as_ref())
                .map_err(|e| format!("sizing on {k} typical days: {e}"))?;
            (r.sizing.clone(), Some(r))
        }
        None => {
            let model = SizingModel::build(&inputs, &config).map_err(|e| format!("sizing: {e}"))?;
            p.step(25)?;
            let s = model
                .solve(solver.as_ref())
                .map_err(|e| format!("sizing: {e}"))?;
            (s, None)
        }
    };
    let wall = start.elapsed().as_secs_f64();
    p.step(90)?;
    let (kpis_json, run) = jobs::simulation_run(district.id, &name, &sizing.flows, &sizing.kpis)?;
    let json = sizing_document(
        &name,
        &config,
        &d.sizing,
        &sizing,
        typical.as_ref().map(|r| (r, &inputs.axis)),
        wall,
    );
    let result = result_json(&kpis_json, &json)?;
    p.step(95)?;
    Ok((result, run))
}

/// The job's result: the KPI document of the sized dispatch (as a simulation job's result)
/// with `sizing`, the CLI's `sizing.json`.
fn result_json(kpis_json: &str, sizing_json: &str) -> Result<String, String> {
    let sizing: Value =
        serde_json::from_str(sizing_json).map_err(|e| format!("reading sizing.json back: {e}"))?;
    result_with(kpis_json, vec![("sizing", sizing)])
}

// ---------------------------------------------------------------------------------------------
// API

async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    submit_with_options(
        &state,
        &user,
        id,
        &headers,
        &body,
        parse_request,
        SIZING,
        |d, spec, request| submit_sizing(&state, d, spec, request),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(body: Value) -> Vec<String> {
        parse_request(Some(&body))
            .unwrap_err()
            .into_iter()
            .map(|p| p.path)
            .collect()
    }

    #[test]
    fn no_body_and_an_empty_object_are_the_defaults() {
        assert_eq!(parse_request(None), Ok(SizingSpec::default()));
        assert_eq!(parse_request(Some(&json!({}))), Ok(SizingSpec::default()));
        assert_eq!(
            parse_request(Some(
                &json!({"target": "none", "solver": "clarabel", "days": null})
            )),
            Ok(SizingSpec::default())
        );
    }

    #[test]
    fn options_are_read() {
        assert_eq!(
            parse_request(Some(&json!({
                "target": "self-sufficiency=0.6", "max_factor": 2.5, "days": 3,
                "typical_days": 2
            }))),
            Ok(SizingSpec {
                target: Target::SelfSufficiency { min_rate: 0.6 },
                solver: SolverChoice::Clarabel,
                max_factor: Some(2.5),
                days: Some(3),
                typical_days: Some(2),
            })
        );
        assert_eq!(
            parse_request(Some(&json!({"target": "positive-energy"})))
                .unwrap()
                .target,
            Target::PositiveEnergy
        );
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        assert_eq!(
            paths(
                json!({"x": 1, "target": "green", "solver": "gurobi", "max_factor": 0,
                         "days": 1.5})
            ),
            ["x", "target", "solver", "max_factor", "days"]
        );
        assert_eq!(paths(json!({"target": 0.6})), ["target"]);
        assert_eq!(paths(json!({"solver": 1})), ["solver"]);
        assert_eq!(paths(json!({"days": 0})), ["days"]);
        assert_eq!(paths(json!({"days": -2})), ["days"]);
        assert_eq!(paths(json!({"max_factor": "4"})), ["max_factor"]);
        assert_eq!(paths(json!([1])), [""]);
    }

    #[cfg(not(feature = "highs"))]
    #[test]
    fn highs_is_refused_by_a_server_built_without_it() {
        let e = parse_request(Some(&json!({"solver": "highs"}))).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].message.contains("built without HiGHS"), "{e:?}");
    }

    #[test]
    fn the_result_is_the_kpi_document_with_the_sizing() {
        let r = result_json(
            r#"{"district": "d", "kpis": {"cost_eur": 1}}"#,
            "{\"a\": 2}\n",
        )
        .unwrap();
        let v: Value = serde_json::from_str(&r).unwrap();
        assert_eq!(v["kpis"]["cost_eur"], 1);
        assert_eq!(v["sizing"]["a"], 2);
        assert!(result_json("{}", "not json").is_err());
    }
}

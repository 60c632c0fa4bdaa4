//! Optimisation jobs: the optimal dispatch of a district (perfect foresight over its whole
//! horizon) or its rolling-horizon control, run as jobs of kind `optimisation` like
//! simulations (submit, progress, cancel, result).
//!
//! Routes: `POST /api/v1/districts/{id}/optimisations` (JSON options, every field optional,
//! checked all at once before anything is queued: 422 with each bad field, its value and what
//! was expected) and the district page's form `POST /districts/{id}/optimise` (optimal
//! dispatch, cost, clarabel). Only those who manage the district submit.
//!
//! The job loads the district as a simulation does, runs the rule controller (the baseline:
//! its objective and energy cost), solves, and stores a run exactly like a simulation's
//! (`timeseries.csv` and KPIs of the optimised flows). Its result is the KPI document of a
//! simulation job plus `report` (the dispatch report the CLI writes as `dispatch.json`,
//! [`quartier_report::dispatch::DispatchReport`]) and `cost` (rule cost, optimised cost and
//! the saving). Progress: 5 % loaded, 15 % assembled, 15–25 % the rule controller, then the
//! solve (55 % after the perfect-foresight dispatch when rolling control follows), 85 %
//! solved, 90 % compared, 95 % stored; a cancellation is noticed between phases (a solve runs
//! to its end, its result discarded). An infeasible or unbounded problem fails the job with
//! the optimiser's explanation.

use std::path::Path;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Form, Path as UrlPath, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use quartier_optim::lp::SolverOptions;
use quartier_optim::{
    DispatchConfig, Objective, PartLoad, RollingConfig, dispatch, objective_of_flows, rolling,
};
use quartier_report::dispatch::{
    CostComparison, DispatchReport, FORECAST_EXPECTED, ReportHead, SpellingError, parse_forecast,
    parse_objective,
};
use quartier_store::{DistrictRow, NewRun};
use serde_json::{Map, Value};

use crate::AppState;
use crate::auth::CurrentUser;
use crate::districts::parse_and_load;
use crate::error::{ApiError, InputProblem};
use crate::html::esc;
use crate::i18n::{Lang, t};
use crate::job_options::{
    Fields, SolverChoice, problem, result_with, stored_spec, submit_with_options,
};
use crate::jobs::{self, Admitted, JobRequest, Progress};
use crate::page_support::{CsrfForm, LangQuery, PageContext, PageError};

/// The kind of optimisation jobs.
pub(crate) const OPTIMISATION: &str = "optimisation";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/districts/{id}/optimisations", post(submit))
        .route("/districts/{id}/optimise", post(optimise_form))
}

// ---------------------------------------------------------------------------------------------
// Options

/// Which dispatch.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// Perfect foresight over the whole horizon.
    Optimal,
    /// Rolling-horizon control (compared with perfect foresight).
    Rolling(RollingConfig),
}

/// What an optimisation job does, checked.
#[derive(Debug, Clone, PartialEq)]
struct OptimisationSpec {
    mode: Mode,
    solver: SolverChoice,
    config: DispatchConfig,
}

impl Default for OptimisationSpec {
    /// The district page's form: optimal dispatch, cost, clarabel.
    fn default() -> Self {
        OptimisationSpec {
            mode: Mode::Optimal,
            solver: SolverChoice::Clarabel,
            config: DispatchConfig::default(),
        }
    }
}

/// The fields of the request body.
const FIELDS: &[&str] = &[
    "dispatch",
    "objective",
    "solver",
    "min_part_load",
    "horizon_hours",
    "commit_hours",
    "forecast",
    "time_limit_seconds",
];

/// Fields that only rolling control reads.
const ROLLING_ONLY: &[&str] = &["horizon_hours", "commit_hours", "forecast"];

fn spelling_problem(path: &str, e: SpellingError) -> InputProblem {
    let message = e.to_string();
    problem(path, message, e.expected)
}

/// Checks the request body (`None`: no body, every option at its default).
fn parse_request(body: Option<&Value>) -> Result<OptimisationSpec, Vec<InputProblem>> {
    let empty = Map::new();
    let mut f = Fields::open(body, &empty, FIELDS)?;

    let rolling_mode = match f.string("dispatch", "optimal or rolling") {
        None | Some("optimal") => false,
        Some("rolling") => true,
        Some(other) => {
            f.problems.push(problem(
                "dispatch",
                format!("'{other}': expected optimal or rolling"),
                "optimal or rolling",
            ));
            false
        }
    };
    let objective = match f.string("objective", quartier_report::dispatch::OBJECTIVE_EXPECTED) {
        None => Objective::Cost,
        Some(s) => parse_objective(s).unwrap_or_else(|e| {
            f.problems.push(spelling_problem("objective", e));
            Objective::Cost
        }),
    };
    let solver = f.solver();
    let min_part_load = f.boolean("min_part_load").unwrap_or(false);
    if min_part_load && solver == Some(SolverChoice::Clarabel) {
        f.problems.push(problem(
            "min_part_load",
            "true: keeping minimum part loads makes the dispatch a MILP, which clarabel cannot \
             solve"
                .into(),
            "false, or \"solver\": \"highs\"",
        ));
    }
    let time_limit = f.positive("time_limit_seconds", "seconds");
    let horizon = f.positive("horizon_hours", "hours");
    let commit = f.positive("commit_hours", "hours");
    let forecast = match f.string("forecast", FORECAST_EXPECTED) {
        None => None,
        Some(s) => parse_forecast(s)
            .map_err(|e| f.problems.push(spelling_problem("forecast", e)))
            .ok(),
    };
    let defaults = RollingConfig::default();
    let rc = RollingConfig {
        horizon_hours: horizon.unwrap_or(defaults.horizon_hours),
        commit_hours: commit.unwrap_or(defaults.commit_hours),
        forecast: forecast.unwrap_or(defaults.forecast),
    };
    if rolling_mode && rc.commit_hours > rc.horizon_hours {
        // Blame the field the caller gave (the commit period when both were).
        f.problems.push(if commit.is_some() {
            problem(
                "commit_hours",
                format!(
                    "{}: more than the horizon ({} h)",
                    rc.commit_hours, rc.horizon_hours
                ),
                format!("at most horizon_hours ({})", rc.horizon_hours),
            )
        } else {
            problem(
                "horizon_hours",
                format!(
                    "{}: shorter than the default commit period ({} h)",
                    rc.horizon_hours, rc.commit_hours
                ),
                format!(
                    "at least commit_hours ({}), or a shorter commit_hours",
                    rc.commit_hours
                ),
            )
        });
    } else if !rolling_mode {
        for key in ROLLING_ONLY {
            let already = f.problems.iter().any(|p| p.path == *key);
            if let Some(v) = f.get(key).filter(|_| !already) {
                f.problems.push(problem(
                    key,
                    format!("{v}: applies to rolling dispatch only"),
                    "\"dispatch\": \"rolling\", or no such field",
                ));
            }
        }
    }

    match solver {
        Some(solver) if f.problems.is_empty() => Ok(OptimisationSpec {
            mode: if rolling_mode {
                Mode::Rolling(rc)
            } else {
                Mode::Optimal
            },
            solver,
            config: DispatchConfig {
                objective,
                part_load: if min_part_load {
                    PartLoad::OnOff
                } else {
                    PartLoad::Relaxed
                },
                solver: SolverOptions {
                    time_limit_seconds: time_limit,
                    verbose: false,
                },
                ..DispatchConfig::default()
            },
        }),
        _ => Err(f.problems),
    }
}

// ---------------------------------------------------------------------------------------------
// The job

/// Queues an optimisation of `district` and starts it in the background; returns the job id.
async fn submit_optimisation(
    state: &AppState,
    district: DistrictRow,
    spec: OptimisationSpec,
    request: JobRequest,
) -> Result<i64, ApiError> {
    let id = match jobs::admit(state, request).await? {
        Admitted::Merged(id) => return Ok(id),
        Admitted::New(id) => id,
    };
    spawn(state, id, district, spec);
    Ok(id)
}

fn spawn(state: &AppState, id: i64, district: DistrictRow, spec: OptimisationSpec) {
    let data_dir = state.config.data_dir.clone();
    jobs::spawn_job(state, id, "optimisation", move |p| {
        run_optimisation(p, &district, &data_dir, &spec)
    });
}

/// Starts the work of stored optimisation job `id` from its options (a job queued before a
/// restart, or retried).
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

fn run_optimisation(
    p: &mut Progress<'_>,
    district: &DistrictRow,
    data_dir: &Path,
    spec: &OptimisationSpec,
) -> Result<(String, NewRun), String> {
    p.step(0)?;
    let (d, data) = parse_and_load(data_dir, &district.source_toml).map_err(|problems| {
        let first: Vec<String> = problems.iter().take(5).map(|p| p.message.clone()).collect();
        format!("the district file no longer loads: {}", first.join("; "))
    })?;
    let name = d.site.name.clone();
    p.step(5)?;
    let inputs = quartier_sim::assemble(&d, &data).map_err(|e| format!("assembling: {e}"))?;
    p.step(15)?;
    let rule_flows = jobs::rule_controller(p, &inputs, 15, 25)
        .map_err(|e| format!("the rule controller: {e}"))?;
    let rule_kpis = quartier_sim::account(&inputs, &rule_flows)
        .map_err(|e| format!("accounting the rule controller: {e}"))?;
    p.step(25)?;

    let solver = spec.solver.back_end();
    let head = ReportHead {
        district: &name,
        solver: solver.name(),
        objective: spec.config.objective,
        part_load: spec.config.part_load,
        rule_objective: objective_of_flows(&inputs, &spec.config, &rule_flows),
    };
    let start = Instant::now();
    let perfect = dispatch(&inputs, &spec.config, solver.as_ref())
        .map_err(|e| format!("optimal dispatch: {e}"))?;
    let perfect_wall = start.elapsed().as_secs_f64();
    let (report, flows, kpis) = match spec.mode {
        Mode::Optimal => (
            DispatchReport::optimal(&head, &perfect, perfect_wall),
            perfect.flows,
            perfect.kpis,
        ),
        Mode::Rolling(rc) => {
            p.step(55)?;
            let r = rolling(&inputs, &spec.config, &rc, solver.as_ref())
                .map_err(|e| format!("rolling-horizon dispatch: {e}"))?;
            let report = DispatchReport::rolling(&head, &rc, &r, &perfect, perfect_wall);
            (report, r.flows, r.kpis)
        }
    };
    p.step(85)?;
    let cost = CostComparison::between(&rule_kpis, &kpis);
    p.step(90)?;
    let (kpis_json, run) = jobs::simulation_run(district.id, &name, &flows, &kpis)?;
    let result = result_json(&kpis_json, &report, &cost)?;
    p.step(95)?;
    Ok((result, run))
}

/// The job's result: the KPI document of the optimised flows (as a simulation job's result)
/// with the dispatch `report` and the `cost` comparison with the rule controller.
fn result_json(
    kpis_json: &str,
    report: &DispatchReport,
    cost: &CostComparison,
) -> Result<String, String> {
    let to_value = |v: serde_json::Result<Value>| v.map_err(|e| format!("the report: {e}"));
    result_with(
        kpis_json,
        vec![
            ("report", to_value(serde_json::to_value(report))?),
            ("cost", to_value(serde_json::to_value(cost))?),
        ],
    )
}

// ---------------------------------------------------------------------------------------------
// API and form

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
        OPTIMISATION,
        |d, spec, request| submit_optimisation(&state, d, spec, request),
    )
    .await
}

/// The district page's form: optimal dispatch of district `id` (cost, clarabel).
pub(crate) fn form(l: Lang, user: &CurrentUser, id: i64) -> String {
    format!(
        "<form id=optimise-form method=post action=\"/districts/{id}/optimise?lang={lc}\">\
         <input type=hidden name=csrf value=\"{c}\"><button>{s}</button></form>",
        lc = l.code(),
        c = esc(&user.csrf_token),
        s = t(l, "optimise")
    )
}

async fn optimise_form(
    State(state): State<AppState>,
    user: CurrentUser,
    UrlPath(id): UrlPath<i64>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    PageContext::new(user, q.pick(&headers))
        .submit_job(&state, id, &f.csrf, |d, by| {
            let request = JobRequest::plain(OPTIMISATION, d.id, by);
            submit_optimisation(&state, d, OptimisationSpec::default(), request)
        })
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
        assert_eq!(parse_request(None), Ok(OptimisationSpec::default()));
        assert_eq!(
            parse_request(Some(&json!({}))),
            Ok(OptimisationSpec::default())
        );
        assert_eq!(
            parse_request(Some(&json!({"dispatch": null, "objective": "cost"}))),
            Ok(OptimisationSpec::default())
        );
    }

    #[test]
    fn rolling_options_are_read() {
        let spec = parse_request(Some(&json!({
            "dispatch": "rolling", "objective": "cost+co2=80", "horizon_hours": 24,
            "commit_hours": 12, "forecast": "noise:3", "time_limit_seconds": 30
        })))
        .unwrap();
        assert_eq!(
            spec.mode,
            Mode::Rolling(RollingConfig {
                horizon_hours: 24.0,
                commit_hours: 12.0,
                forecast: quartier_optim::Forecast::PerfectWithNoise {
                    seed: 3,
                    pv_sigma: 0.2,
                    load_sigma: 0.1
                },
            })
        );
        assert_eq!(
            spec.config.objective,
            Objective::CostPlusCo2 {
                eur_per_tonne: 80.0
            }
        );
        assert_eq!(spec.config.solver.time_limit_seconds, Some(30.0));
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        assert_eq!(
            paths(json!({"dispatch": "best", "objective": 3, "solver": "gurobi", "x": 1})),
            ["x", "dispatch", "objective", "solver"]
        );
        assert_eq!(
            paths(json!({"dispatch": "rolling", "horizon_hours": -1, "forecast": "soon"})),
            ["horizon_hours", "forecast"]
        );
        assert_eq!(
            paths(json!({"dispatch": "rolling", "horizon_hours": 12, "commit_hours": 24})),
            ["commit_hours"]
        );
        assert_eq!(
            paths(json!({"dispatch": "rolling", "horizon_hours": 12})),
            ["horizon_hours"]
        );
        assert_eq!(paths(json!({"commit_hours": 12})), ["commit_hours"]);
        assert_eq!(paths(json!({"min_part_load": true})), ["min_part_load"]);
        assert_eq!(
            paths(json!({"time_limit_seconds": "1"})),
            ["time_limit_seconds"]
        );
        assert_eq!(paths(json!([1])), [""]);
    }

    #[cfg(not(feature = "highs"))]
    #[test]
    fn highs_is_refused_by_a_server_built_without_it() {
        let e =
            parse_request(Some(&json!({"solver": "highs", "min_part_load": true}))).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].path, "solver");
        assert!(e[0].message.contains("built without HiGHS"), "{e:?}");
    }
}

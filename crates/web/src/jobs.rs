//! Background jobs: queued in the database, run one at a time on the blocking pool, with
//! their progress (0–100 %) written to the database as it moves. A job cancelled while it
//! runs is left cancelled: the work cannot be interrupted at every point, but its result is
//! discarded and the progress hook stops writing. [`create_job`], [`spawn_job`], [`run_job`]
//! and [`Progress`] serve every kind of job: simulations (here), optimisations
//! (`crate::optimise`), sizings (`crate::sizing`) and community allocations
//! (`crate::community`); the JSON options of the optimiser's jobs are read by
//! `crate::job_options`.
//!
//! Simulation progress: loading 0–10 %, PV and inputs 10–20 %, the controller 20–90 %,
//! accounting and results 90–100 %.

use chrono::Utc;
use quartier_sim::{Flows, Kpis, RuleConfig};
use quartier_store::{DistrictRow, JobOutcome, NewJob, NewRun, Store};
use tokio::runtime::Handle;

use crate::AppState;
use crate::districts::parse_and_load;
use crate::error::ApiError;

/// The kind of simulation jobs (and of the runs they store).
pub(crate) const SIMULATION: &str = "simulation";

/// A request for a job: what, on which district, by whom, with which options.
#[derive(Debug, Clone)]
pub(crate) struct JobRequest {
    /// The kind (`simulation`, `optimisation`, …).
    pub(crate) kind: &'static str,
    /// The district it works on.
    pub(crate) district: i64,
    /// The user asking (`None`: the server itself).
    pub(crate) user: Option<i64>,
    /// The options as canonical JSON (`{}` when none).
    pub(crate) options_json: String,
}

impl JobRequest {
    /// A request by `user` for a job of `kind` on `district` with no options.
    pub(crate) fn plain(kind: &'static str, district: i64, user: Option<i64>) -> JobRequest {
        JobRequest {
            kind,
            district,
            user,
            options_json: "{}".into(),
        }
    }
}

/// What became of a job request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admitted {
    /// A new job was queued: start its work.
    New(i64),
    /// The same job was already queued: the request joins it (nothing more to start).
    Merged(i64),
}

/// How long a refused request should wait before trying again: about one job's time.
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Queues a job, within the queue's bounds: a job identical to one still queued (same kind,
/// district and options) is merged into it; past `max_jobs_per_user` active jobs of the user or
/// `max_jobs_per_district` of the district the request is refused with 429 and when to retry.
/// Admissions are taken one at a time, so two requests cannot both pass the count.
pub(crate) async fn admit(state: &AppState, req: JobRequest) -> Result<Admitted, ApiError> {
    let _one_at_a_time = state.admission.lock().await;
    let store = &state.store;
    if let Some(id) = store
        .queued_job_like(req.kind, req.district, &req.options_json)
        .await?
    {
        return Ok(Admitted::Merged(id));
    }
    let active = store.active_jobs(req.user, req.district).await?;
    let config = &state.config;
    if req.user.is_some() && active.user >= config.max_jobs_per_user {
        return Err(ApiError::TooMany {
            message: format!(
                "you already have {} jobs queued or running (at most {}): wait for one to \
                 finish, or cancel one",
                active.user, config.max_jobs_per_user
            ),
            message_fr: format!(
                "vous avez déjà {} tâches en attente ou en cours (au plus {}) : attendez qu'une \
                 se termine, ou annulez-en une",
                active.user, config.max_jobs_per_user
            ),
            retry_after: RETRY_AFTER,
        });
    }
    if active.district >= config.max_jobs_per_district {
        return Err(ApiError::TooMany {
            message: format!(
                "this district already has {} jobs queued or running (at most {}): wait for \
                 one to finish, or cancel one",
                active.district, config.max_jobs_per_district
            ),
            message_fr: format!(
                "ce quartier a déjà {} tâches en attente ou en cours (au plus {}) : attendez \
                 qu'une se termine, ou annulez-en une",
                active.district, config.max_jobs_per_district
            ),
            retry_after: RETRY_AFTER,
        });
    }
    let id = store
        .create_job(NewJob {
            kind: req.kind.into(),
            district_id: Some(req.district),
            created_at: Utc::now(),
            user_id: req.user,
            options_json: req.options_json,
        })
        .await?;
    Ok(Admitted::New(id))
}

/// Runs job `id` in the background (see [`run_job`]).
pub(crate) fn spawn_job<W>(state: &AppState, id: i64, what: &'static str, work: W)
where
    W: FnOnce(&mut Progress<'_>) -> Result<(String, NewRun), String> + Send + 'static,
{
    let state = state.clone();
    tokio::spawn(async move { run_job(&state, id, what, work).await });
}

/// Waits for a free job slot, runs `work` on the blocking pool and records its end: the
/// result and the run on success, the error otherwise (`what` names the job in a crash).
pub(crate) async fn run_job<W>(state: &AppState, id: i64, what: &str, work: W)
where
    W: FnOnce(&mut Progress<'_>) -> Result<(String, NewRun), String> + Send + 'static,
{
    let Ok(_slot) = state.job_slots.clone().acquire_owned().await else {
        return;
    };
    let store = state.store.clone();
    let handle = Handle::current();
    let outcome = tokio::task::spawn_blocking(move || {
        work(&mut Progress {
            handle: &handle,
            store: &store,
            id,
            last: None,
            cancelled: false,
        })
    })
    .await
    .unwrap_or_else(|e| Err(format!("the {what} task failed: {e}")));
    let finished_at = Utc::now();
    let outcome = match outcome {
        Ok((result_json, run)) => JobOutcome::Succeeded {
            result_json,
            run: Some(run),
            finished_at,
        },
        Err(error) => JobOutcome::Failed { error, finished_at },
    };
    if let Err(e) = state.store.finish_job(id, outcome).await {
        eprintln!("job {id}: cannot record its end: {e}");
    }
}

/// A running job's progress: written when the percentage moves; remembers a cancellation.
pub(crate) struct Progress<'a> {
    handle: &'a Handle,
    store: &'a Store,
    id: i64,
    last: Option<u8>,
    cancelled: bool,
}

impl Progress<'_> {
    /// Records `pct` (once the job is found cancelled, nothing more is written).
    pub(crate) fn set(&mut self, pct: u8) {
        if self.last == Some(pct) || self.cancelled {
            return;
        }
        self.last = Some(pct);
        match self
            .handle
            .block_on(self.store.set_job_progress(self.id, pct))
        {
            Ok(true) => {}
            Ok(false) => self.cancelled = true,
            Err(e) => eprintln!("job {}: cannot record progress: {e}", self.id),
        }
    }

    /// Whether the job was found cancelled.
    pub(crate) fn cancelled(&self) -> bool {
        self.cancelled
    }

    /// Records `pct`, then `Err("cancelled")` when the job was cancelled.
    pub(crate) fn step(&mut self, pct: u8) -> Result<(), String> {
        self.set(pct);
        if self.cancelled {
            Err("cancelled".into())
        } else {
            Ok(())
        }
    }
}

/// Queues a simulation of district `id` (rule-based controller, a year) and starts it in the
/// background; returns the job id. [`ApiError::NotFound`] for an unknown district.
pub async fn simulate_district(state: &AppState, id: i64) -> Result<i64, ApiError> {
    let district = state.store.district(id).await?.ok_or(ApiError::NotFound)?;
    submit_simulation(state, district, None).await
}

/// Queues a simulation of `district` asked by user `by` and starts it in the background;
/// returns the job id.
pub(crate) async fn submit_simulation(
    state: &AppState,
    district: DistrictRow,
    by: Option<i64>,
) -> Result<i64, ApiError> {
    let id = match admit(state, JobRequest::plain(SIMULATION, district.id, by)).await? {
        Admitted::Merged(id) => return Ok(id),
        Admitted::New(id) => id,
    };
    start_simulation(state, id, district);
    Ok(id)
}

/// Starts the work of simulation job `id` (queued) on `district`.
pub(crate) fn start_simulation(state: &AppState, id: i64, district: DistrictRow) {
    let data_dir = state.config.data_dir.clone();
    spawn_job(state, id, "simulation", move |p| {
        run_simulation(p, &district, &data_dir)
    });
}

fn run_simulation(
    r: &mut Progress<'_>,
    district: &DistrictRow,
    data_dir: &std::path::Path,
) -> Result<(String, NewRun), String> {
    r.set(0);
    let (d, data) = parse_and_load(data_dir, &district.source_toml).map_err(|problems| {
        let first: Vec<String> = problems.iter().take(5).map(|p| p.message.clone()).collect();
        format!("the district file no longer loads: {}", first.join("; "))
    })?;
    r.step(10)?;
    let inputs = quartier_sim::assemble(&d, &data).map_err(|e| format!("assembling: {e}"))?;
    r.set(20);
    let flows = rule_controller(r, &inputs, 20, 90).map_err(|e| format!("simulation: {e}"))?;
    if r.cancelled() {
        return Err("cancelled".into());
    }
    let kpis = quartier_sim::account(&inputs, &flows).map_err(|e| format!("accounting: {e}"))?;
    let run = simulation_run(district.id, &d.site.name, &flows, &kpis)?;
    r.set(95);
    Ok(run)
}

/// Runs the rule controller on `inputs`, its progress mapped onto `from..to` percent.
pub(crate) fn rule_controller(
    r: &mut Progress<'_>,
    inputs: &quartier_sim::Inputs<'_>,
    from: u8,
    to: u8,
) -> Result<Flows, quartier_sim::SimError> {
    let span = f64::from(to.saturating_sub(from));
    let mut hook = |done: usize, total: usize| {
        let frac = if total == 0 {
            1.0
        } else {
            done as f64 / total as f64
        };
        r.set(from + (frac.clamp(0.0, 1.0) * span) as u8);
    };
    quartier_sim::simulate(inputs, &RuleConfig::default(), &mut hook)
}

/// The result JSON and the run a simulation of district `district_id` stores.
pub(crate) fn simulation_run(
    district_id: i64,
    name: &str,
    flows: &Flows,
    kpis: &Kpis,
) -> Result<(String, NewRun), String> {
    let kpis_json = quartier_report::kpis_json(name, &flows.axis, kpis);
    let csv = quartier_report::timeseries_csv(&flows.axis, &flows.columns())
        .map_err(|e| format!("writing the time series: {e}"))?;
    Ok((
        kpis_json.clone(),
        NewRun {
            district_id,
            kpis_json,
            timeseries_csv: csv,
        },
    ))
}

/// Records a rule-based simulation of district `id` that was already run elsewhere (the
/// demo's first start simulates Meudon once to derive its community's curves) as a finished
/// simulation job with its run, exactly what [`simulate_district`] would have stored; returns
/// the job id.
pub async fn record_simulation(
    state: &AppState,
    id: i64,
    flows: &Flows,
    kpis: &Kpis,
) -> Result<i64, ApiError> {
    let district = state.store.district(id).await?.ok_or(ApiError::NotFound)?;
    let (result_json, run) =
        simulation_run(id, &district.name, flows, kpis).map_err(ApiError::Internal)?;
    let job = state
        .store
        .create_job(NewJob {
            kind: SIMULATION.into(),
            district_id: Some(id),
            created_at: Utc::now(),
            user_id: None,
            options_json: "{}".into(),
        })
        .await?;
    state
        .store
        .finish_job(
            job,
            JobOutcome::Succeeded {
                result_json,
                run: Some(run),
                finished_at: Utc::now(),
            },
        )
        .await?;
    Ok(job)
}

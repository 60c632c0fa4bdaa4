//! Simulation jobs: queued in the database, run one at a time on the blocking pool, with
//! their progress (0–100 %) written to the database as it moves. A job cancelled while it
//! runs is left cancelled: the controller cannot be interrupted mid-year, but its result is
//! discarded and the progress hook stops writing.
//!
//! Progress: loading 0–10 %, PV and inputs 10–20 %, the controller 20–90 %, accounting and
//! results 90–100 %.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::Utc;
use quartier_sim::RuleConfig;
use quartier_store::{DistrictRow, JobOutcome, NewJob, NewRun, Store};
use tokio::runtime::Handle;

use crate::AppState;

/// The kind of simulation jobs (and of the runs they store).
pub(crate) const SIMULATION: &str = "simulation";
use crate::districts::parse_and_load;
use crate::error::ApiError;

/// Queues a simulation of `district` and starts it in the background; returns the job id.
pub(crate) async fn submit_simulation(
    state: &AppState,
    district: DistrictRow,
) -> Result<i64, ApiError> {
    let id = state
        .store
        .create_job(NewJob {
            kind: SIMULATION.into(),
            district_id: Some(district.id),
            created_at: Utc::now(),
        })
        .await?;
    let state = state.clone();
    tokio::spawn(async move {
        let Ok(_slot) = state.job_slots.clone().acquire_owned().await else {
            return;
        };
        let store = state.store.clone();
        let data_dir = state.config.data_dir.clone();
        let handle = Handle::current();
        let outcome = tokio::task::spawn_blocking(move || {
            run_simulation(&handle, &store, id, &district, &data_dir)
        })
        .await
        .unwrap_or_else(|e| Err(format!("the simulation task failed: {e}")));
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
    });
    Ok(id)
}

/// Writes progress when the percentage moves; remembers a cancellation.
struct Reporter<'a> {
    handle: &'a Handle,
    store: &'a Store,
    id: i64,
    last: Option<u8>,
    cancelled: AtomicBool,
}

impl Reporter<'_> {
    fn set(&mut self, pct: u8) {
        if self.last == Some(pct) || self.cancelled.load(Ordering::Relaxed) {
            return;
        }
        self.last = Some(pct);
        match self
            .handle
            .block_on(self.store.set_job_progress(self.id, pct))
        {
            Ok(true) => {}
            Ok(false) => self.cancelled.store(true, Ordering::Relaxed),
            Err(e) => eprintln!("job {}: cannot record progress: {e}", self.id),
        }
    }

    fn cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

fn run_simulation(
    handle: &Handle,
    store: &Store,
    id: i64,
    district: &DistrictRow,
    data_dir: &std::path::Path,
) -> Result<(String, NewRun), String> {
    let mut r = Reporter {
        handle,
        store,
        id,
        last: None,
        cancelled: AtomicBool::new(false),
    };
    r.set(0);
    let (d, data) = parse_and_load(data_dir, &district.source_toml).map_err(|problems| {
        let first: Vec<String> = problems.iter().take(5).map(|p| p.message.clone()).collect();
        format!("the district file no longer loads: {}", first.join("; "))
    })?;
    r.set(10);
    if r.cancelled() {
        return Err("cancelled".into());
    }
    let inputs = quartier_sim::assemble(&d, &data).map_err(|e| format!("assembling: {e}"))?;
    r.set(20);
    let mut hook = |done: usize, total: usize| {
        let frac = if total == 0 {
            1.0
        } else {
            done as f64 / total as f64
        };
        r.set(20 + (frac.clamp(0.0, 1.0) * 70.0) as u8);
    };
    let flows = quartier_sim::simulate(&inputs, &RuleConfig::default(), &mut hook)
        .map_err(|e| format!("simulation: {e}"))?;
    if r.cancelled() {
        return Err("cancelled".into());
    }
    let kpis = quartier_sim::account(&inputs, &flows).map_err(|e| format!("accounting: {e}"))?;
    let kpis_json = quartier_report::kpis_json(&d.site.name, &flows.axis, &kpis);
    let tmp = data_dir.join(format!(".run-{id}-{}.csv", std::process::id()));
    quartier_report::write_timeseries_csv(&tmp, &flows.axis, &flows.columns())
        .map_err(|e| format!("writing the time series: {e}"))?;
    let csv = std::fs::read_to_string(&tmp);
    let _ = std::fs::remove_file(&tmp);
    let csv = csv.map_err(|e| format!("reading the time series back: {e}"))?;
    r.set(95);
    Ok((
        kpis_json.clone(),
        NewRun {
            district_id: district.id,
            kpis_json,
            timeseries_csv: csv,
        },
    ))
}

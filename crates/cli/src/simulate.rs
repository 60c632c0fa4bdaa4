//! `quartier simulate FILE --out DIR [--dispatch rule|optimal|rolling] [--format csv|parquet]`:
//! simulates a district with the rule-based controller, or dispatches it optimally (perfect
//! foresight over the whole horizon) or by rolling-horizon control, and writes
//! `timeseries.csv` or `timeseries.parquet` (one column per flow, `time_utc` first) and
//! `kpis.json`; for `optimal` and `rolling` also `dispatch.json`
//! (termination, objective raw and polished, times, model size, regret for rolling). The KPI
//! table shows the rule baseline beside the chosen dispatch.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use quartier_optim::lp::{Clarabel, Solver, SolverOptions};
use quartier_optim::{
    DispatchConfig, Forecast, Objective, PartLoad, Regret, RollingConfig, dispatch,
    objective_of_flows, rolling,
};
use quartier_report::dispatch::{
    CostComparison, DispatchReport, ReportHead, forecast_spelling, parse_forecast, parse_objective,
};

use crate::Outcome;
use crate::run::{SeriesFormat, Simulated, Ui, load_district, simulate, write_results_as};

/// How the district is dispatched.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DispatchMode {
    /// The rule-based controller (the documented baseline).
    Rule,
    /// Optimal dispatch with perfect foresight over the whole horizon.
    Optimal,
    /// Rolling-horizon control from a forecast (see --horizon-hours, --commit-hours,
    /// --forecast).
    Rolling,
}

/// The optimiser's back end.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SolverName {
    /// Clarabel (pure Rust interior point; linear programs only).
    Clarabel,
    /// HiGHS (simplex, interior point and MILP); only in a build with the `highs` feature.
    Highs,
}

/// Arguments of `quartier simulate`.
#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// The district file (TOML).
    pub file: PathBuf,
    /// Output directory (replaced atomically when the run succeeds).
    #[arg(long)]
    pub out: PathBuf,
    /// Dispatch: the rule controller, the optimum with perfect foresight, or rolling-horizon
    /// control.
    #[arg(long, value_enum, default_value = "rule")]
    pub dispatch: DispatchMode,
    /// Format of the time series: timeseries.csv or timeseries.parquet.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: SeriesFormat,
    /// Back end of the optimiser (optimal and rolling).
    #[arg(long, value_enum, default_value = "clarabel")]
    pub solver: SolverName,
    /// What the optimiser minimises: cost, co2, or cost+co2=EUR_PER_T (a carbon price).
    #[arg(long, default_value = "cost", value_parser = parse_objective)]
    pub objective: Objective,
    /// Rolling: hours each window sees.
    #[arg(long, default_value_t = 48.0)]
    pub horizon_hours: f64,
    /// Rolling: hours committed from each window.
    #[arg(long, default_value_t = 24.0)]
    pub commit_hours: f64,
    /// Rolling: forecast of loads and PV: perfect, persistence (yesterday), or noise:SEED
    /// (perfect × (1 + noise), σ 20 % on PV and 10 % on loads; noise:SEED:PV_SIGMA:LOAD_SIGMA
    /// to choose them).
    #[arg(long, default_value = "perfect", value_parser = parse_forecast)]
    pub forecast: Forecast,
    /// Electrolysers and fuel cells keep their minimum power (`min_kw`) when on (binary on/off
    /// per step: a MILP, needs --solver highs; practical on days or rolling windows, not on a
    /// year).
    #[arg(long)]
    pub min_part_load: bool,
    /// Time limit of each solve, seconds: at the limit the best solution found is used and
    /// flagged as not proven optimal.
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<f64>,
}

fn back_end(name: SolverName) -> anyhow::Result<Box<dyn Solver>> {
    match name {
        SolverName::Clarabel => Ok(Box::new(Clarabel::default())),
        #[cfg(feature = "highs")]
        SolverName::Highs => Ok(Box::new(quartier_optim::lp::Highs::default())),
        #[cfg(not(feature = "highs"))]
        SolverName::Highs => bail!(
            "this quartier was built without HiGHS: rebuild it with `cargo build --features \
             highs` (needs cmake and libclang), or use --solver clarabel"
        ),
    }
}

/// Runs the simulation.
pub fn run(args: &SimulateArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    let Some(loaded) = load_district(&args.file, ui)? else {
        return Ok(Outcome::InvalidDistrict);
    };
    let name = loaded.district.site.name.clone();
    let rule = simulate(&loaded, ui, &name)?;
    if args.dispatch == DispatchMode::Rule {
        let dir = write_results_as(&args.out, &loaded, &rule, &[], args.format)?;
        ui.say(&quartier_report::kpi_table(&[(name.as_str(), &rule.kpis)]));
        ui.say(&format!("results written to {}", dir.display()));
        return Ok(Outcome::Success);
    }

    if args.min_part_load && args.solver != SolverName::Highs {
        bail!(
            "--min-part-load makes the dispatch a MILP, which clarabel cannot solve: add \
             --solver highs"
        );
    }
    let solver = back_end(args.solver)?;
    let config = DispatchConfig {
        objective: args.objective,
        part_load: if args.min_part_load {
            PartLoad::OnOff
        } else {
            PartLoad::Relaxed
        },
        solver: SolverOptions {
            time_limit_seconds: args.time_limit,
            verbose: false,
        },
        ..DispatchConfig::default()
    };
    let inputs = quartier_sim::assemble(&loaded.district, &loaded.data)
        .with_context(|| format!("{name}: assembling the optimisation inputs"))?;
    let rule_objective = objective_of_flows(&inputs, &config, &rule.flows);
    let t0 = Instant::now();
    let perfect = dispatch(&inputs, &config, solver.as_ref())
        .with_context(|| format!("{name}: optimal dispatch"))?;
    let perfect_wall = t0.elapsed().as_secs_f64();

    let head = ReportHead {
        district: &name,
        solver: solver.name(),
        objective: config.objective,
        part_load: config.part_load,
        rule_objective,
    };
    let (label, report, chosen) = match args.dispatch {
        DispatchMode::Optimal => {
            if !perfect.is_optimal() {
                eprintln!("warning: {name}: {}", perfect.status_message());
            }
            (
                "optimal",
                DispatchReport::optimal(&head, &perfect, perfect_wall),
                Simulated {
                    flows: perfect.flows.clone(),
                    kpis: perfect.kpis.clone(),
                },
            )
        }
        DispatchMode::Rolling | DispatchMode::Rule => {
            let rc = RollingConfig {
                horizon_hours: args.horizon_hours,
                commit_hours: args.commit_hours,
                forecast: args.forecast,
            };
            let r = rolling(&inputs, &config, &rc, solver.as_ref())
                .with_context(|| format!("{name}: rolling-horizon dispatch"))?;
            let regret = Regret::between(&perfect, &r);
            ui.say(&format!(
                "rolling ({} h seen, {} h committed, forecast {}): objective {:.2} vs {:.2} with perfect \
                 foresight, regret {:.2} ({:.2} %), {} windows in {:.2} s",
                rc.horizon_hours,
                rc.commit_hours,
                forecast_spelling(rc.forecast),
                r.objective,
                perfect.objective,
                regret.objective,
                100.0 * regret.relative,
                r.windows.len(),
                r.wall_seconds
            ));
            (
                "rolling",
                DispatchReport::rolling(&head, &rc, &r, &perfect, perfect_wall),
                Simulated {
                    flows: r.flows,
                    kpis: r.kpis,
                },
            )
        }
    };
    let json = report.to_json();
    let dir = write_results_as(
        &args.out,
        &loaded,
        &chosen,
        &[("dispatch.json", json.as_bytes())],
        args.format,
    )?;
    ui.say(&quartier_report::kpi_table(&[
        ("rule", &rule.kpis),
        (label, &chosen.kpis),
    ]));
    let cost = CostComparison::between(&rule.kpis, &chosen.kpis);
    ui.say(&format!(
        "energy cost: rule {:.2} EUR, {label} {:.2} EUR (saves {:.2} EUR, {:.1} %)",
        cost.rule_cost_eur,
        cost.cost_eur,
        cost.saving_eur,
        100.0 * cost.saving_relative
    ));
    ui.say(&format!("results written to {}", dir.display()));
    Ok(Outcome::Success)
}

//! `quartier simulate FILE --out DIR [--dispatch rule|optimal|rolling]`: simulates a district
//! with the rule-based controller, or dispatches it optimally (perfect foresight over the whole
//! horizon) or by rolling-horizon control, and writes `timeseries.csv` (one column per flow,
//! `time_utc` first) and `kpis.json`; for `optimal` and `rolling` also `dispatch.json`
//! (termination, objective raw and polished, times, model size, regret for rolling). The KPI
//! table shows the rule baseline beside the chosen dispatch.

use crate::json::{num, opt, string};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use quartier_optim::lp::{Clarabel, Solver, SolverOptions};
use quartier_optim::{
    DispatchConfig, Forecast, Objective, PartLoad, Regret, RollingConfig, dispatch,
    objective_of_flows, rolling,
};

use crate::Outcome;
use crate::run::{Simulated, Ui, load_district, simulate, write_results};

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

/// Parses `cost`, `co2` or `cost+co2=EUR_PER_T`.
pub fn parse_objective(s: &str) -> Result<Objective, String> {
    match s {
        "cost" => Ok(Objective::Cost),
        "co2" => Ok(Objective::Co2),
        _ => {
            let Some(v) = s.strip_prefix("cost+co2=") else {
                return Err(format!(
                    "'{s}': expected cost, co2 or cost+co2=EUR_PER_T (e.g. cost+co2=100)"
                ));
            };
            let eur_per_tonne: f64 = v
                .parse()
                .map_err(|_| format!("'{v}' is not a carbon price in EUR per tonne"))?;
            if !(eur_per_tonne.is_finite() && eur_per_tonne >= 0.0) {
                return Err(format!("carbon price {v}: expected a finite value ≥ 0"));
            }
            Ok(Objective::CostPlusCo2 { eur_per_tonne })
        }
    }
}

/// Parses `perfect`, `persistence`, `noise:SEED` or `noise:SEED:PV_SIGMA:LOAD_SIGMA`.
pub fn parse_forecast(s: &str) -> Result<Forecast, String> {
    match s {
        "perfect" => return Ok(Forecast::Perfect),
        "persistence" => return Ok(Forecast::Persistence),
        _ => {}
    }
    let Some(rest) = s.strip_prefix("noise:") else {
        return Err(format!(
            "'{s}': expected perfect, persistence or noise:SEED[:PV_SIGMA:LOAD_SIGMA]"
        ));
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let seed: u64 = parts
        .first()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| format!("'{s}': the seed must be a whole number ≥ 0"))?;
    let sigma = |i: usize, default: f64| -> Result<f64, String> {
        match parts.get(i) {
            None => Ok(default),
            Some(p) => p
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("'{p}': expected a relative standard deviation ≥ 0")),
        }
    };
    if parts.len() != 1 && parts.len() != 3 {
        return Err(format!(
            "'{s}': expected noise:SEED or noise:SEED:PV_SIGMA:LOAD_SIGMA"
        ));
    }
    Ok(Forecast::PerfectWithNoise {
        seed,
        pv_sigma: sigma(1, 0.2)?,
        load_sigma: sigma(2, 0.1)?,
    })
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
        let dir = write_results(&args.out, &loaded, &rule, &[])?;
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

    let mut json = String::from("{\n");
    let _ = writeln!(json, "  \"district\": {},", string(&name));
    let _ = writeln!(json, "  \"solver\": {},", string(solver.name()));
    let _ = writeln!(
        json,
        "  \"objective_kind\": {},",
        string(&objective_name(args.objective))
    );
    let _ = writeln!(
        json,
        "  \"part_load\": {},",
        string(if args.min_part_load {
            "on-off (MILP)"
        } else {
            "relaxed (LP)"
        })
    );
    let _ = writeln!(json, "  \"rule_objective\": {},", num(rule_objective));
    let (label, chosen) = match args.dispatch {
        DispatchMode::Optimal => {
            let _ = writeln!(json, "  \"dispatch\": \"optimal\",");
            let _ = writeln!(
                json,
                "  \"termination\": {},",
                string(&format!("{:?}", perfect.termination))
            );
            let _ = writeln!(json, "  \"status\": {},", string(&perfect.status_message()));
            let _ = writeln!(json, "  \"objective_raw\": {},", num(perfect.raw_objective));
            let _ = writeln!(
                json,
                "  \"objective_polished\": {},",
                num(perfect.objective)
            );
            let _ = writeln!(json, "  \"mip_gap\": {},", opt(perfect.report.mip_gap));
            let _ = writeln!(json, "  \"build_seconds\": {},", num(perfect.build_seconds));
            let _ = writeln!(
                json,
                "  \"solve_seconds\": {},",
                num(perfect.report.solve_seconds)
            );
            let _ = writeln!(json, "  \"wall_seconds\": {},", num(perfect_wall));
            let _ = writeln!(json, "  \"iterations\": {},", perfect.report.iterations);
            let _ = writeln!(
                json,
                "  \"model\": {{\"vars\": {}, \"rows\": {}, \"nonzeros\": {}}},",
                perfect.size.vars, perfect.size.rows, perfect.size.nonzeros
            );
            let _ = writeln!(
                json,
                "  \"polish\": {{\"max_change\": {}, \"max_raw_balance_residual_kwh\": {}, \
                 \"netted_kwh\": {}, \"steps_closed\": {}}}",
                num(perfect.polish.max_change),
                num(perfect.polish.max_raw_balance_residual_kwh),
                num(perfect.polish.netted_kwh),
                perfect.polish.steps_closed
            );
            if !perfect.is_optimal() {
                eprintln!("warning: {name}: {}", perfect.status_message());
            }
            (
                "optimal",
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
            let largest = r.windows.iter().map(|w| w.size).max_by_key(|s| s.vars);
            let not_optimal = r
                .windows
                .iter()
                .filter(|w| !w.termination.has_solution())
                .count();
            let _ = writeln!(json, "  \"dispatch\": \"rolling\",");
            let _ = writeln!(json, "  \"horizon_hours\": {},", num(rc.horizon_hours));
            let _ = writeln!(json, "  \"commit_hours\": {},", num(rc.commit_hours));
            let _ = writeln!(
                json,
                "  \"forecast\": {},",
                string(&format!("{:?}", rc.forecast))
            );
            let _ = writeln!(json, "  \"windows\": {},", r.windows.len());
            let _ = writeln!(json, "  \"windows_not_optimal\": {not_optimal},");
            let _ = writeln!(
                json,
                "  \"termination\": {},",
                string(if not_optimal == 0 {
                    "Optimal"
                } else {
                    "TimeLimit"
                })
            );
            let _ = writeln!(json, "  \"objective_polished\": {},", num(r.objective));
            let _ = writeln!(json, "  \"objective_raw\": null,");
            let _ = writeln!(json, "  \"build_seconds\": {},", num(r.build_seconds()));
            let _ = writeln!(json, "  \"solve_seconds\": {},", num(r.solve_seconds()));
            let _ = writeln!(json, "  \"wall_seconds\": {},", num(r.wall_seconds));
            if let Some(s) = largest {
                let _ = writeln!(
                    json,
                    "  \"model\": {{\"largest_window_vars\": {}, \"rows\": {}, \"nonzeros\": {}}},",
                    s.vars, s.rows, s.nonzeros
                );
            }
            let _ = writeln!(
                json,
                "  \"corrections\": {{\"steps\": {}, \"energy_kwh\": {}}},",
                r.corrections.steps,
                num(r.corrections.energy_kwh)
            );
            let _ = writeln!(
                json,
                "  \"regret\": {{\"perfect_objective\": {}, \"perfect_wall_seconds\": {}, \
                 \"objective\": {}, \"relative\": {}, \"cost_eur\": {}}}",
                num(regret.perfect_objective),
                num(perfect_wall),
                num(regret.objective),
                num(regret.relative),
                num(regret.cost_eur)
            );
            ui.say(&format!(
                "rolling ({} h seen, {} h committed, {:?}): objective {:.2} vs {:.2} with perfect \
                 foresight, regret {:.2} ({:.2} %), {} windows in {:.2} s",
                rc.horizon_hours,
                rc.commit_hours,
                rc.forecast,
                r.objective,
                perfect.objective,
                regret.objective,
                100.0 * regret.relative,
                r.windows.len(),
                r.wall_seconds
            ));
            (
                "rolling",
                Simulated {
                    flows: r.flows,
                    kpis: r.kpis,
                },
            )
        }
    };
    json.push_str("}\n");
    let dir = write_results(
        &args.out,
        &loaded,
        &chosen,
        &[("dispatch.json", json.as_bytes())],
    )?;
    ui.say(&quartier_report::kpi_table(&[
        ("rule", &rule.kpis),
        (label, &chosen.kpis),
    ]));
    let gain = rule.kpis.cost_eur - chosen.kpis.cost_eur;
    ui.say(&format!(
        "energy cost: rule {:.2} EUR, {label} {:.2} EUR (saves {:.2} EUR, {:.1} %)",
        rule.kpis.cost_eur,
        chosen.kpis.cost_eur,
        gain,
        if rule.kpis.cost_eur != 0.0 {
            100.0 * gain / rule.kpis.cost_eur.abs()
        } else {
            0.0
        }
    ));
    ui.say(&format!("results written to {}", dir.display()));
    Ok(Outcome::Success)
}

fn objective_name(o: Objective) -> String {
    match o {
        Objective::Cost => "cost".into(),
        Objective::Co2 => "co2".into(),
        Objective::CostPlusCo2 { eur_per_tonne } => format!("cost+co2={eur_per_tonne}"),
    }
}

//! `quartier size FILE --out DIR`: sizes the district's capacities (PV kWp, battery kWh and
//! kW, electrolyser kW, tank kg, fuel cell kW) at least annualised cost, optionally under a
//! target, and writes `sizing.json`, `timeseries.csv` and `kpis.json` of the sized dispatch.

use crate::json::{num, opt, string};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use quartier_optim::DispatchConfig;
use quartier_optim::lp::{Clarabel, Solver};
use quartier_optim::sizing::{CostTable, Sizing, SizingConfig, Target};

use crate::Outcome;
use crate::run::{Loaded, Simulated, Ui, write_results};

/// LP back ends.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SolverChoice {
    /// Clarabel (pure Rust interior point).
    Clarabel,
    /// HiGHS; only in a build with the `highs` feature.
    Highs,
}

impl SolverChoice {
    /// The back end, or why this build has none.
    pub fn solver(self) -> anyhow::Result<Box<dyn Solver>> {
        match self {
            SolverChoice::Clarabel => Ok(Box::new(Clarabel::default())),
            #[cfg(feature = "highs")]
            SolverChoice::Highs => Ok(Box::new(quartier_optim::lp::Highs::default())),
            #[cfg(not(feature = "highs"))]
            SolverChoice::Highs => anyhow::bail!(
                "this quartier was built without HiGHS: rebuild it with `cargo build \
                 --features highs` (needs cmake and libclang), or use --solver clarabel"
            ),
        }
    }
}

/// Parses `positive-energy` or `self-sufficiency=0.6`.
pub fn parse_target(s: &str) -> Result<Target, String> {
    if s == "positive-energy" {
        return Ok(Target::PositiveEnergy);
    }
    if s == "none" {
        return Ok(Target::None);
    }
    if let Some(v) = s.strip_prefix("self-sufficiency=") {
        let rate: f64 = v
            .parse()
            .map_err(|_| format!("'{v}' is not a number (expected e.g. 0.6)"))?;
        if !(0.0..=1.0).contains(&rate) {
            return Err(format!("self-sufficiency {rate} is not in [0, 1]"));
        }
        return Ok(Target::SelfSufficiency { min_rate: rate });
    }
    Err(format!(
        "'{s}': expected positive-energy, self-sufficiency=RATE (e.g. 0.6) or none"
    ))
}

/// Arguments of `quartier size`.
#[derive(clap::Args, Debug)]
pub struct SizeArgs {
    /// The district file (TOML).
    pub file: PathBuf,
    /// Output directory (replaced atomically when the run succeeds).
    #[arg(long)]
    pub out: PathBuf,
    /// Target: positive-energy or self-sufficiency=RATE (default: least cost only).
    #[arg(long, value_parser = parse_target)]
    pub target: Option<Target>,
    /// Also sweep annualised cost against self-sufficiency in N points (written to
    /// sizing.json as `pareto`).
    #[arg(long, value_name = "N")]
    pub pareto: Option<usize>,
    /// LP back end.
    #[arg(long, value_enum, default_value = "clarabel")]
    pub solver: SolverChoice,
    /// Upper bound of every storage and conversion capacity, as a multiple of its declared
    /// size (PV is bounded by its declared kWp: the roof).
    #[arg(long, default_value_t = 4.0)]
    pub max_factor: f64,
    /// Keep only the first N days of the district's horizon.
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
}

/// Reads and loads a district, keeping the first `days` days of its axis when given.
/// Problems with the file are printed and give `Ok(None)`.
pub fn load_for_optimisation(
    path: &Path,
    days: Option<u32>,
    ui: &Ui,
) -> anyhow::Result<Option<Loaded>> {
    let (mut district, sources) = match quartier_model::read_district(path) {
        Ok(x) => x,
        Err(diags) => {
            diags.iter().for_each(|d| eprintln!("{d}"));
            return Ok(None);
        }
    };
    if let Some(days) = days {
        let axis = district.axis;
        let per_day = (24.0 / axis.step().hours()).round() as usize;
        let len = (days as usize * per_day).min(axis.len());
        district.axis = quartier_timeseries::Axis::new(axis.start(), axis.step(), len)
            .context("shortening the horizon")?;
    }
    match quartier_model::load_with_report(&district, &sources) {
        Ok((data, report)) => {
            if !ui.quiet {
                for s in report.ev_charging.iter().chain(&report.fleets) {
                    if s.outside_axis + s.invalid_rows + s.capped > 0 {
                        eprintln!("warning: {}: {s}", path.display());
                    }
                }
            }
            Ok(Some(Loaded { district, data }))
        }
        Err(diags) => {
            diags.iter().for_each(|d| eprintln!("{d}"));
            Ok(None)
        }
    }
}

/// Runs the sizing.
pub fn run(args: &SizeArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    let Some(loaded) = load_for_optimisation(&args.file, args.days, ui)? else {
        return Ok(Outcome::InvalidDistrict);
    };
    let name = loaded.district.site.name.clone();
    let inputs = quartier_sim::assemble(&loaded.district, &loaded.data)
        .with_context(|| format!("{name}: assembling the inputs"))?;
    let config = SizingConfig {
        dispatch: DispatchConfig::default(),
        candidates: SizingConfig::every_component(&inputs, args.max_factor),
        costs: CostTable::default(),
        target: args.target.unwrap_or(Target::None),
    };
    let solver = args.solver.solver()?;
    let t0 = Instant::now();
    let sizing = quartier_optim::sizing::size(&inputs, &config, solver.as_ref())
        .with_context(|| format!("{name}: sizing"))?;
    let wall = t0.elapsed().as_secs_f64();
    let pareto = match args.pareto {
        Some(points) => Some(
            quartier_optim::sizing::pareto(&inputs, &config, points, solver.as_ref())
                .with_context(|| format!("{name}: Pareto sweep"))?,
        ),
        None => None,
    };
    let mut json = sizing_json(&name, &config, &sizing, wall);
    if let Some(points) = &pareto {
        json.truncate(json.trim_end().len() - 1); // reopen the object
        json.push_str(",\n  \"pareto\": [\n");
        let items: Vec<String> = points
            .iter()
            .map(|p| {
                let target = p.target_rate.map_or("null".into(), num);
                match &p.result {
                    Ok(s) => format!(
                        "    {{\"target_self_sufficiency\": {target}, \"feasible\": true, \
                         \"self_sufficiency\": {}, \"annualised_cost_eur\": {}, {}}}",
                        opt(s.kpis.self_sufficiency_rate),
                        num(s.annualised_cost_eur),
                        capacities_inline(s)
                    ),
                    Err(e) => format!(
                        "    {{\"target_self_sufficiency\": {target}, \"feasible\": false, \
                         \"reason\": {}}}",
                        string(&e.to_string())
                    ),
                }
            })
            .collect();
        json.push_str(&items.join(",\n"));
        json.push_str("\n  ]\n}\n");
    }
    let sim = Simulated {
        flows: sizing.flows.clone(),
        kpis: sizing.kpis.clone(),
    };
    let dir = write_results(
        &args.out,
        &loaded,
        &sim,
        &[("sizing.json", json.as_bytes())],
    )?;
    ui.say(&summary(&name, &sizing, wall));
    if let Some(points) = &pareto {
        let mut s = String::from("Pareto sweep (self-sufficiency → annualised cost):\n");
        for p in points {
            let _ = match &p.result {
                Ok(r) => writeln!(
                    s,
                    "  {:>6}  → {:>12.0} EUR/year",
                    pct(r.kpis.self_sufficiency_rate),
                    r.annualised_cost_eur
                ),
                Err(_) => writeln!(s, "  {:>6}  → infeasible", pct(p.target_rate)),
            };
        }
        ui.say(&s);
    }
    ui.say(&format!("results written to {}", dir.display()));
    Ok(Outcome::Success)
}

fn pct(x: Option<f64>) -> String {
    x.map_or("—".into(), |v| format!("{:.1} %", v * 100.0))
}

/// A readable summary.
pub fn summary(name: &str, s: &Sizing, wall: f64) -> String {
    let mut out = format!(
        "Sizing of {name} ({:.3} years of horizon)\n",
        s.horizon_years
    );
    let _ = writeln!(
        out,
        "  {:<24} {:<16} {:>12} {:>12} {:>14}",
        "component", "capacity", "size", "bounds", "EUR/year"
    );
    for c in &s.capacities {
        let bounds = if c.candidate {
            format!("{:.0}–{:.0}", c.min, c.max)
        } else {
            "declared".into()
        };
        let _ = writeln!(
            out,
            "  {:<24} {:<16} {:>8.1} {:<3} {:>12} {:>14.0}",
            c.component,
            c.kind.key(),
            c.value,
            c.kind.unit(),
            bounds,
            c.annualised_eur
        );
    }
    let _ = writeln!(
        out,
        "  capital {:.0} EUR/year (sized: {:.0}), operation {:.0} EUR over the horizon, \
         total {:.0} EUR/year",
        s.total_annualised_capital_eur,
        s.candidates_annualised_eur,
        s.operating_eur,
        s.annualised_cost_eur
    );
    let _ = writeln!(
        out,
        "  LCOE of PV {}, LCOH {}; self-sufficiency {}, positive energy {}",
        s.lcoe_pv_eur_per_kwh
            .map_or("—".into(), |v| format!("{v:.3} EUR/kWh")),
        s.lcoh_eur_per_kg
            .map_or("—".into(), |v| format!("{v:.2} EUR/kg")),
        pct(s.kpis.self_sufficiency_rate),
        if s.kpis.positive_energy { "yes" } else { "no" }
    );
    let _ = write!(
        out,
        "  LP {} vars, {} rows; build {:.2} s, solve {:.2} s ({}, {}), wall {:.2} s",
        s.size.vars,
        s.size.rows,
        s.build_seconds,
        s.report.solve_seconds,
        s.report.solver,
        s.termination.describe(),
        wall
    );
    out
}

fn capacities_inline(s: &Sizing) -> String {
    let items: Vec<String> = s
        .capacities
        .iter()
        .map(|c| {
            format!(
                "{}: {}",
                string(&format!("{}.{}", c.component, c.kind.key())),
                num(c.value)
            )
        })
        .collect();
    format!("\"capacities\": {{{}}}", items.join(", "))
}

/// `sizing.json`: capacities, annualised costs, LCOE, LCOH, objective, solve time.
pub fn sizing_json(name: &str, config: &SizingConfig, s: &Sizing, wall: f64) -> String {
    let caps: Vec<String> = s
        .capacities
        .iter()
        .map(|c| {
            format!(
                "    {{\"component\": {}, \"capacity\": {}, \"unit\": {}, \"value\": {}, \
                 \"sized\": {}, \"min\": {}, \"max\": {}, \"annualised_eur_per_unit\": {}, \
                 \"annualised_eur\": {}}}",
                string(&c.component),
                string(c.kind.key()),
                string(c.kind.unit()),
                num(c.value),
                c.candidate,
                num(c.min),
                num(c.max),
                num(config.costs.annualised(c.kind)),
                num(c.annualised_eur)
            )
        })
        .collect();
    let target = match config.target {
        Target::None => "null".to_string(),
        Target::PositiveEnergy => string("positive-energy"),
        Target::SelfSufficiency { min_rate } => {
            format!("{{\"self_sufficiency\": {}}}", num(min_rate))
        }
    };
    format!(
        "{{\n  \"district\": {},\n  \"target\": {target},\n  \"horizon_years\": {},\n  \
         \"discount_rate\": {},\n  \"capacities\": [\n{}\n  ],\n  \
         \"annualised_capital_eur\": {},\n  \"annualised_capital_sized_eur\": {},\n  \
         \"operating_eur\": {},\n  \"objective_eur\": {},\n  \"raw_objective_eur\": {},\n  \
         \"annualised_cost_eur\": {},\n  \"lcoe_pv_eur_per_kwh\": {},\n  \
         \"lcoh_eur_per_kg\": {},\n  \"electrolyser_electricity_eur\": {},\n  \
         \"self_sufficiency\": {},\n  \"positive_energy\": {},\n  \"solver\": {},\n  \
         \"termination\": {},\n  \"lp\": {{\"vars\": {}, \"rows\": {}, \"nonzeros\": {}}},\n  \
         \"build_seconds\": {},\n  \"solve_seconds\": {},\n  \"wall_seconds\": {}\n}}\n",
        string(name),
        num(s.horizon_years),
        num(config.costs.discount_rate),
        caps.join(",\n"),
        num(s.total_annualised_capital_eur),
        num(s.candidates_annualised_eur),
        num(s.operating_eur),
        num(s.objective),
        num(s.raw_objective),
        num(s.annualised_cost_eur),
        opt(s.lcoe_pv_eur_per_kwh),
        opt(s.lcoh_eur_per_kg),
        num(s.electrolyser_electricity_eur),
        opt(s.kpis.self_sufficiency_rate),
        s.kpis.positive_energy,
        string(s.report.solver),
        string(s.termination.describe()),
        s.size.vars,
        s.size.rows,
        s.size.nonzeros,
        num(s.build_seconds),
        num(s.report.solve_seconds),
        num(wall)
    )
}

//! `quartier size FILE --out DIR`: sizes the district's capacities (PV kWp, battery kWh and
//! kW, electrolyser kW, tank kg, fuel cell kW) at least annualised cost, optionally under a
//! target, and writes `sizing.json`, `timeseries.csv` and `kpis.json` of the sized dispatch.

use crate::json::{num, opt, string};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use quartier_optim::lp::{Clarabel, Solver};
use quartier_optim::sizing::{Sizing, Target};
use quartier_report::sizing::{
    add_field, keep_first_days, sizing_config, sizing_document, yes_no_component,
};

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

/// Parses `positive-energy`, `self-sufficiency=0.6` or `none` (shared with the server).
pub use quartier_report::sizing::parse_target;

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
    /// Upper bound of every storage and conversion capacity without its own `max_…` in the
    /// district file, as a multiple of its declared size (default: `[sizing] max_factor`,
    /// 4; PV is bounded by its declared kWp: the roof).
    #[arg(long)]
    pub max_factor: Option<f64>,
    /// Keep only the first N days of the district's horizon.
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    /// Size on N typical days of the horizon (representative periods, their storage linked
    /// through the year), then re-solve the whole horizon with the chosen capacities to give
    /// their true cost; much faster than the full-horizon sizing.
    #[arg(long, value_name = "N")]
    pub typical_days: Option<usize>,
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
        keep_first_days(&mut district, days).context("shortening the horizon")?;
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
    let config = sizing_config(
        &inputs,
        &loaded.district.sizing,
        args.target.unwrap_or(Target::None),
        args.max_factor,
    );
    if let (SolverChoice::Clarabel, Some(c)) = (args.solver, yes_no_component(&config)) {
        anyhow::bail!(
            "{}: '{c}' has a cost when built (capex_eur_when_built in its sizing table), a \
             yes/no decision that only HiGHS makes: add --solver highs (a build with the \
             `highs` feature), or remove capex_eur_when_built",
            args.file.display()
        );
    }
    let solver = args.solver.solver()?;
    let t0 = Instant::now();
    let (sizing, typical) = match args.typical_days {
        Some(k) => {
            let p = quartier_optim::sizing::size_on_typical_periods(
                &inputs,
                &config,
                k,
                solver.as_ref(),
            )
            .with_context(|| format!("{name}: sizing on {k} typical days"))?;
            (p.sizing.clone(), Some(p))
        }
        None => (
            quartier_optim::sizing::size(&inputs, &config, solver.as_ref())
                .with_context(|| format!("{name}: sizing"))?,
            None,
        ),
    };
    let wall = t0.elapsed().as_secs_f64();
    let pareto = match args.pareto {
        Some(points) => Some(
            quartier_optim::sizing::pareto(&inputs, &config, points, solver.as_ref())
                .with_context(|| format!("{name}: Pareto sweep"))?,
        ),
        None => None,
    };
    let mut json = sizing_document(
        &name,
        &config,
        &loaded.district.sizing,
        &sizing,
        typical.as_ref().map(|p| (p, &inputs.axis)),
        wall,
    );
    if let Some(points) = &pareto {
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
        add_field(
            &mut json,
            "pareto",
            &format!("[\n{}\n  ]", items.join(",\n")),
        );
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
    if let Some(p) = &typical {
        ui.say(&format!(
            "  on {} typical days ({:.2} s, LP {} vars, {} rows): estimated {:.0} EUR/year; the \
             whole horizon with these capacities: {:.0} EUR/year ({:+.2} %, {:.1} s)",
            p.periods.medoids.len(),
            p.reduced_seconds,
            p.reduced_size.vars,
            p.reduced_size.rows,
            p.reduced_annualised_cost_eur,
            p.sizing.annualised_cost_eur,
            100.0 * p.estimate_error,
            p.check_seconds
        ));
    }
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

/// What decided a capacity's size, in words, with the marginal value of one more unit
/// against its annualised cost.
fn decided_by(c: &quartier_optim::sizing::SizedCapacity) -> String {
    use quartier_optim::sizing::Limit;
    let Some(limit) = c.limit else {
        return "kept as declared (sized = false)".into();
    };
    let unit = c.kind.unit();
    let worth = match c.with_pair {
        Some(p) => p
            .marginal_value_eur_per_unit_year
            .map_or(String::new(), |v| {
                let other = if c.kind == quartier_optim::sizing::CapacityKind::BatteryKwh {
                    "kW"
                } else {
                    "kWh"
                };
                format!(
                    ": one more {unit} with its {:.2} {other} saves {v:.1} EUR/year, costs {:.1}",
                    p.other_per_unit, p.annualised_eur_per_unit
                )
            }),
        None => c
            .marginal_value_eur_per_unit_year
            .map_or(String::new(), |v| {
                format!(
                    ": one more {unit} saves {v:.1} EUR/year, costs {:.1}",
                    c.annualised_eur_per_unit
                )
            }),
    };
    match limit {
        Limit::Max => format!("its upper bound{worth}"),
        Limit::Min => format!("its lower bound{worth}"),
        Limit::Economics => format!("its cost{worth}"),
        Limit::Duration => format!("its fixed duration, priced with its pair{worth}"),
        Limit::NotBuilt => "not built: its cost when built outweighs what it saves".into(),
    }
}

/// A readable summary.
pub fn summary(name: &str, s: &Sizing, wall: f64) -> String {
    let mut out = format!(
        "Sizing of {name} ({:.3} years of horizon)\n",
        s.horizon_years
    );
    let _ = writeln!(
        out,
        "  {:<24} {:<16} {:>12} {:>12} {:>14} {:>9}  decided by",
        "component", "capacity", "size", "bounds", "EUR/year", "costs"
    );
    for c in &s.capacities {
        let bounds = if c.candidate {
            format!("{:.0}–{:.0}", c.min, c.max)
        } else {
            "declared".into()
        };
        let o = &c.origin;
        let costs = match (
            c.candidate,
            o.capex || o.lifetime || o.fixed_om || o.subsidy,
        ) {
            (false, _) => "default",
            (true, true) => "file",
            (true, false) => "built-in",
        };
        let _ = writeln!(
            out,
            "  {:<24} {:<16} {:>8.1} {:<3} {:>12} {:>14.0} {:>9}  {}",
            c.component,
            c.kind.key(),
            c.value,
            c.kind.unit(),
            bounds,
            c.annualised_eur,
            costs,
            decided_by(c)
        );
    }
    if let Some(p) = s.target_eur_per_point_year {
        let _ = writeln!(
            out,
            "  the self-sufficiency target costs {p:.0} EUR/year per percentage point \
             (from the dual of its constraint)"
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

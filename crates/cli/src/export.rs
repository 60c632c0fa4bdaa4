//! `quartier export pypsa FILE --out DIR`: writes the district as a PyPSA network (CSV
//! folder, kW/kWh/kg with snapshot weightings in hours; see `quartier_optim::pypsa`).
//! With `--solve`, also solves Quartier's own LP (dispatch, or sizing with `--sizing`) and
//! writes its objective and timings to `quartier.json` in the same folder, for
//! `bench/pypsa/crosscheck.py`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use quartier_optim::sizing::Target;
use quartier_optim::{DispatchConfig, DispatchModel};
use quartier_report::OutputDir;

use crate::Outcome;
use crate::json::{num, string};
use crate::run::Ui;
use crate::size::{SolverChoice, load_for_optimisation, parse_target};

/// Arguments of `quartier export`.
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// The format.
    #[command(subcommand)]
    pub format: ExportFormat,
}

/// Export formats.
#[derive(clap::Subcommand, Debug)]
pub enum ExportFormat {
    /// A PyPSA network as a CSV folder (`pypsa.Network().import_from_csv_folder(DIR)`).
    Pypsa(PypsaArgs),
}

/// Arguments of `quartier export pypsa`.
#[derive(clap::Args, Debug)]
pub struct PypsaArgs {
    /// The district file (TOML).
    pub file: PathBuf,
    /// Output folder (replaced atomically).
    #[arg(long)]
    pub out: PathBuf,
    /// Export the sizing problem of `quartier size`: the capacities, bounds and costs of
    /// the district file's `sizing` tables (the built-in ones where it says nothing).
    #[arg(long)]
    pub sizing: bool,
    /// Sizing target (with --sizing).
    #[arg(long, value_parser = parse_target)]
    pub target: Option<Target>,
    /// Upper bound of storage and conversion capacities without their own `max_…`, as a
    /// multiple of the declared size (with --sizing; default: `[sizing] max_factor`).
    #[arg(long)]
    pub max_factor: Option<f64>,
    /// Keep only the first N days of the horizon.
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    /// Also solve Quartier's LP and write its objective to quartier.json.
    #[arg(long)]
    pub solve: bool,
    /// LP back end (with --solve).
    #[arg(long, value_enum, default_value = "clarabel")]
    pub solver: SolverChoice,
}

/// Runs the export.
pub fn run(args: &ExportArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    match &args.format {
        ExportFormat::Pypsa(a) => pypsa(a, ui),
    }
}

fn pypsa(args: &PypsaArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    let Some(loaded) = load_for_optimisation(&args.file, args.days, ui)? else {
        return Ok(Outcome::InvalidDistrict);
    };
    let name = loaded.district.site.name.clone();
    let inputs = quartier_sim::assemble(&loaded.district, &loaded.data)
        .with_context(|| format!("{name}: assembling the inputs"))?;
    let dispatch = DispatchConfig::default();
    let sizing = args.sizing.then(|| {
        quartier_report::sizing::sizing_config(
            &inputs,
            &loaded.district.sizing,
            args.target.unwrap_or(Target::None),
            args.max_factor,
        )
    });
    if sizing.as_ref().is_some_and(|s| s.target != Target::None) {
        anyhow::bail!(
            "targets are constraints over the whole horizon, which PyPSA's CSV format cannot \
             hold (they would be a GlobalConstraint on custom terms): export without --target"
        );
    }
    let t0 = Instant::now();
    let files = quartier_optim::pypsa::export(&inputs, &dispatch, sizing.as_ref())
        .with_context(|| format!("{name}: PyPSA export"))?;
    let export_seconds = t0.elapsed().as_secs_f64();
    let out = OutputDir::create(&args.out)?;
    for f in &files {
        out.write(&f.name, f.contents.as_bytes())?;
    }
    if args.solve {
        let solver = args.solver.solver()?;
        let t = Instant::now();
        let mut capacities = String::from("null");
        let (objective, build, report, vars, rows) = match &sizing {
            Some(cfg) => {
                let s = quartier_optim::sizing::size(&inputs, cfg, solver.as_ref())
                    .with_context(|| format!("{name}: sizing"))?;
                let items: Vec<String> = s
                    .capacities
                    .iter()
                    .filter(|c| c.candidate)
                    .map(|c| {
                        format!(
                            "{{\"component\": {}, \"capacity\": {}, \"value\": {}, \
                             \"max\": {}}}",
                            string(&c.component),
                            string(c.kind.key()),
                            num(c.value),
                            num(c.max)
                        )
                    })
                    .collect();
                capacities = format!("[{}]", items.join(", "));
                (
                    s.raw_objective,
                    s.build_seconds,
                    s.report.clone(),
                    s.size.vars,
                    s.size.rows,
                )
            }
            None => {
                let m = DispatchModel::build(&inputs, &dispatch)
                    .with_context(|| format!("{name}: dispatch"))?;
                let d = m
                    .solve(solver.as_ref())
                    .with_context(|| format!("{name}: dispatch"))?;
                (
                    d.raw_objective,
                    d.build_seconds,
                    d.report.clone(),
                    d.size.vars,
                    d.size.rows,
                )
            }
        };
        let wall = t.elapsed().as_secs_f64();
        let solve = report.solve_seconds;
        // The problem the solver itself saw (clarabel: bounds as rows, fixed columns out).
        let (solver_cols, solver_rows) = (report.solver_cols, report.solver_rows);
        let json = format!(
            "{{\"district\": {}, \"problem\": {}, \"steps\": {}, \"objective\": {}, \
             \"solver\": {}, \"vars\": {vars}, \"rows\": {rows}, \"solver_cols\": {solver_cols}, \
             \"solver_rows\": {solver_rows}, \"build_seconds\": {}, \
             \"solve_seconds\": {}, \"wall_seconds\": {}, \"capacities\": {capacities}}}\n",
            string(&name),
            string(if sizing.is_some() {
                "sizing"
            } else {
                "dispatch"
            }),
            inputs.len(),
            num(objective),
            string(solver.name()),
            num(build),
            num(solve),
            num(wall)
        );
        out.write("quartier.json", json.as_bytes())?;
        ui.say(&format!(
            "Quartier objective {objective:.6} ({} s build, {} s solve)",
            num(build),
            num(solve)
        ));
    }
    let dir = out.commit()?;
    ui.say(&format!(
        "PyPSA network of {name} ({} snapshots, {} files) written to {} in {export_seconds:.2} s",
        inputs.len(),
        files.len(),
        dir.display()
    ));
    Ok(Outcome::Success)
}

//! The `quartier` command-line tool: parses flags, calls the library crates, writes files.
//!
//! Exit codes are decided here only: 0 success, 1 the run failed, 2 wrong command line (clap),
//! 3 the district, community or experiment file has problems.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod assets;
mod check;
mod demo;
mod evaluate;
mod export;
mod json;
mod programme;
mod pv;
mod run;
mod schema;
mod serve;
mod share;
mod simulate;
mod size;
mod sweep;

/// Plan, pilot, share and evaluate the energy of an innovation district.
#[derive(Parser, Debug)]
#[command(name = "quartier", version, about, long_about = None)]
struct Cli {
    /// Print nothing but errors (no progress bars, no tables).
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Simulate the embedded demo districts for a year and print their KPIs.
    Demo(demo::DemoArgs),
    /// Check a district file and report every problem at once.
    Check(check::CheckArgs),
    /// Simulate a district and write timeseries.csv and kpis.json.
    Simulate(simulate::SimulateArgs),
    /// Compute the AC energy of one PV system from a weather file.
    Pv(pv::PvArgs),
    /// Size the district's capacities at least annualised cost and write sizing.json.
    Size(size::SizeArgs),
    /// Export the district to another tool's format (PyPSA).
    Export(export::ExportArgs),
    /// Print every attribute of the district and experiment files as Markdown.
    Schema,
    /// Collective self-consumption: allocate, settle and bill; what-if comparisons.
    Share(share::ShareArgs),
    /// Serve the web dashboard and HTTP API (demo districts loaded on first start).
    Serve(serve::ServeArgs),
    /// Evaluate an experiment: baseline, avoided energy with uncertainty, KPIs, HTML report.
    Evaluate(evaluate::EvaluateArgs),
    /// Build the programme's month-by-month KPI table from a folder of experiment files.
    Programme(programme::ProgrammeArgs),
    /// Asset registry: the lifecycle-cost and replacement plan of a district's assets.
    Assets(assets::AssetsArgs),
    /// Run a sweep file's scenarios (on every core, or as a cluster's array job) and collect them.
    Sweep(sweep::SweepArgs),
}

/// How a command ended when it did not fail outright.
pub enum Outcome {
    /// Everything went well.
    Success,
    /// The district file has problems (already printed).
    InvalidDistrict,
    /// A comparison found differences beyond its tolerance (already printed).
    Differences,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ui = run::Ui { quiet: cli.quiet };
    let result = match &cli.command {
        Command::Demo(a) => demo::run(a, &ui),
        Command::Check(a) => check::run(a, &ui),
        Command::Simulate(a) => simulate::run(a, &ui),
        Command::Pv(a) => pv::run(a).map(|()| Outcome::Success),
        Command::Size(a) => size::run(a, &ui),
        Command::Export(a) => export::run(a, &ui),
        Command::Schema => schema::run(),
        Command::Share(a) => share::run(a, &ui),
        Command::Serve(a) => serve::run(a, &ui),
        Command::Evaluate(a) => evaluate::run(a, &ui),
        Command::Programme(a) => programme::run(a, &ui),
        Command::Assets(a) => assets::run(a, &ui),
        Command::Sweep(a) => sweep::run(a, &ui),
    };
    match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::InvalidDistrict) => ExitCode::from(3),
        Ok(Outcome::Differences) => ExitCode::from(4),
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            ExitCode::from(1)
        }
    }
}

/// The error and its causes joined by ": ", leaving out a cause whose text the message
/// before it already ends with (library errors often show their source in their own text).
fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.ends_with(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

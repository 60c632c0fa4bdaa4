//! `quartier simulate FILE --out DIR`: simulates a district with the rule-based controller and
//! writes `timeseries.csv` (one column per flow, `time_utc` first) and `kpis.json`.

use std::path::PathBuf;

use crate::Outcome;
use crate::run::{Ui, load_district, simulate, write_results};

/// Arguments of `quartier simulate`.
#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// The district file (TOML).
    pub file: PathBuf,
    /// Output directory (replaced atomically when the run succeeds).
    #[arg(long)]
    pub out: PathBuf,
}

/// Runs the simulation.
pub fn run(args: &SimulateArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    let Some(loaded) = load_district(&args.file, ui)? else {
        return Ok(Outcome::InvalidDistrict);
    };
    let sim = simulate(&loaded, ui, &loaded.district.site.name)?;
    let dir = write_results(&args.out, &loaded, &sim, &[])?;
    ui.say(&quartier_report::kpi_table(&[(
        loaded.district.site.name.as_str(),
        &sim.kpis,
    )]));
    ui.say(&format!("results written to {}", dir.display()));
    Ok(Outcome::Success)
}

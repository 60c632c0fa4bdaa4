//! `quartier demo [--out DIR]`: writes the embedded demo districts (Meudon-la-Forêt's energy
//! community and the HydroSeine hydrogen district) and their data files to `DIR/inputs/`,
//! simulates each for a year, writes its results to `DIR/<district>/` and prints the KPIs side
//! by side.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::Outcome;
use crate::run::{Ui, load_district, simulate, write_results};

/// Arguments of `quartier demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Output directory.
    #[arg(long, default_value = "out/demo")]
    pub out: PathBuf,
}

/// A file embedded in the binary: its path relative to `examples/` and its bytes.
struct Embedded {
    path: &'static str,
    bytes: &'static [u8],
}

macro_rules! embed {
    ($p:literal) => {
        Embedded {
            path: $p,
            bytes: include_bytes!(concat!("../../../examples/", $p)),
        }
    };
}

const FILES: &[Embedded] = &[
    embed!("meudon-la-foret.toml"),
    embed!("hydroseine.toml"),
    embed!("data/pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv"),
    embed!("data/LICENSE.pvlib.BSD3.txt"),
    embed!("data/meudon_ev_sessions_2025.csv"),
    embed!("data/hydroseine_ev_sessions_2025.csv"),
    embed!("data/README.md"),
];

/// The demo districts: output folder name and district file.
const DISTRICTS: &[(&str, &str)] = &[
    ("meudon-la-foret", "meudon-la-foret.toml"),
    ("hydroseine", "hydroseine.toml"),
];

fn write_inputs(dir: &Path) -> anyhow::Result<()> {
    for f in FILES {
        let p = dir.join(f.path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&p, f.bytes).with_context(|| format!("writing {}", p.display()))?;
    }
    Ok(())
}

/// Runs the demo.
pub fn run(args: &DemoArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    let inputs = args.out.join("inputs");
    write_inputs(&inputs)?;
    let mut results = Vec::new();
    for (slug, file) in DISTRICTS {
        let path = inputs.join(file);
        let Some(loaded) = load_district(&path, ui)? else {
            anyhow::bail!("the embedded demo district {} is invalid", path.display());
        };
        let sim = simulate(&loaded, ui, slug)?;
        write_results(&args.out.join(slug), &loaded, &sim, &[])?;
        results.push((slug, sim.kpis));
    }
    let runs: Vec<(&str, &quartier_sim::Kpis)> = results.iter().map(|(s, k)| (**s, k)).collect();
    ui.say(&quartier_report::kpi_table(&runs));
    ui.say(&format!(
        "inputs in {}, results (timeseries.csv, kpis.json) in {}/<district>/",
        inputs.display(),
        args.out.display()
    ));
    Ok(Outcome::Success)
}

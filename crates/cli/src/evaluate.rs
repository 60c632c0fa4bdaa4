//! `quartier evaluate EXPERIMENT.toml --out DIR`: reads an experiment file, evaluates it with
//! the shared pipeline of [`quartier_report::experiment`] (meters and temperatures through the
//! timeseries readers, the CalTRACK baseline it asks for, avoided energy with its Guideline 14
//! uncertainty, its free KPIs on its months), and writes `savings.csv`, `kpis.json` and
//! `report.html` (atomically).
//!
//! This file only prints: diagnostics of an invalid file, warnings, and a summary.

use std::path::{Path, PathBuf};

use anyhow::Context;
use quartier_model::Experiment;
pub use quartier_report::experiment::Evaluated;

use crate::Outcome;
use crate::run::{Ui, reported};

/// Arguments of `quartier evaluate`.
#[derive(clap::Args, Debug)]
pub struct EvaluateArgs {
    /// The experiment file (TOML).
    pub file: PathBuf,
    /// Output directory (replaced atomically when the run succeeds).
    #[arg(long)]
    pub out: PathBuf,
}

/// Reads an experiment file; prints every problem and gives `None` when it is invalid.
pub fn read(path: &Path) -> Option<Experiment> {
    reported(quartier_model::read_experiment(path)).map(|(e, _)| e)
}

/// Evaluates an experiment (see [`quartier_report::experiment::evaluate_experiment`]).
pub fn evaluate(experiment: Experiment) -> anyhow::Result<Evaluated> {
    Ok(quartier_report::experiment::evaluate_experiment(
        experiment,
    )?)
}

/// Writes `savings.csv` (with an energy evaluation), `kpis.json` and `report.html` to `dir`.
pub fn write(dir: &Path, ev: &Evaluated) -> anyhow::Result<PathBuf> {
    Ok(quartier_report::experiment::write_evaluation(dir, ev)?)
}

/// A one-paragraph summary for the terminal.
pub fn summary(ev: &Evaluated) -> String {
    let mut s = format!("{} — {}\n", ev.experiment.commune, ev.experiment.title);
    if let Some(en) = &ev.energy {
        let t = &en.savings.total;
        let m = en.fit.metrics();
        let g = &en.savings.guideline14;
        s.push_str(&format!(
            "  avoided energy {:.0} ± {:.0} kWh ({:.0} % confidence) of {:.0} kWh baseline ({:.1} %)\n  CV(RMSE) {:.1} %, NMBE {:.2} %, R² {:.3}; {}\n",
            t.avoided_kwh,
            t.uncertainty_kwh,
            100.0 * en.savings.confidence,
            t.baseline_kwh,
            100.0 * t.avoided_kwh / t.baseline_kwh,
            100.0 * m.cv_rmse,
            100.0 * m.nmbe,
            m.r_squared,
            if g.passes() {
                "meets ASHRAE Guideline 14".to_string()
            } else {
                format!(
                    "fails ASHRAE Guideline 14 (CV(RMSE) limit {:.0} %{}{}{})",
                    100.0 * g.cv_rmse_limit,
                    if g.cv_rmse_exceeded { ": CV(RMSE) too high" } else { "" },
                    if g.nmbe_exceeded { "; NMBE too high" } else { "" },
                    if g.fsu_exceeded {
                        "; savings within the noise"
                    } else {
                        ""
                    }
                )
            }
        ));
    }
    for k in ev.experiment.kpis.iter() {
        let total: f64 = k.monthly.iter().map(|(_, v)| v).sum();
        s.push_str(&format!(
            "  {}: {} months, sum {:.0} {}{}\n",
            k.name,
            k.monthly.len(),
            total,
            k.unit,
            k.target
                .map_or(String::new(), |t| format!(" (target {t:.0} {})", k.unit))
        ));
    }
    s
}

/// Runs `quartier evaluate`.
pub fn run(args: &EvaluateArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    let Some(experiment) = read(&args.file) else {
        return Ok(Outcome::InvalidDistrict);
    };
    let ev = evaluate(experiment).with_context(|| format!("{}", args.file.display()))?;
    let dir = write(&args.out, &ev)?;
    if !ui.quiet {
        for w in &ev.warnings {
            eprintln!("warning: {w}");
        }
        if let Some(en) = &ev.energy {
            let res = en.results();
            for w in quartier_report::energy_warnings(&res) {
                eprintln!("warning: {w}");
            }
        }
    }
    ui.say(&summary(&ev));
    ui.say(&format!(
        "results (savings.csv, kpis.json, report.html) in {}",
        dir.display()
    ));
    Ok(Outcome::Success)
}

//! The pipeline shared by `simulate`, `check` and `demo`: read and validate a district, load
//! its data, simulate it with the rule controller, account for it, write the results. Also the
//! user-interface settings (quiet mode, progress bars).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use quartier_model::{Diagnostics, District, DistrictData, TableFormat};
use quartier_report::OutputDir;
use quartier_sim::{Flows, Kpis, RuleConfig};

/// User-interface settings common to every command.
pub struct Ui {
    /// Print nothing but errors.
    pub quiet: bool,
}

impl Ui {
    /// A progress bar on standard error, hidden when quiet or when stderr is not a terminal.
    /// It draws only after one second, so short work shows nothing.
    pub fn progress(&self, len: u64, message: &str) -> ProgressBar {
        let pb = self.bar(len, "{msg:30} [{bar:40}] {percent:>3}% ({elapsed})");
        pb.set_message(message.to_string());
        pb
    }

    /// A progress bar drawn with `template` (indicatif's), hidden as [`Ui::progress`] is and
    /// drawn only after one second.
    pub fn bar(&self, len: u64, template: &str) -> ProgressBar {
        if self.quiet || !std::io::stderr().is_terminal() {
            return ProgressBar::hidden();
        }
        let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
        pb.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        let shown = pb.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(1));
            if !shown.is_finished() {
                shown.set_draw_target(ProgressDrawTarget::stderr());
            }
        });
        pb
    }

    /// Prints a line unless quiet.
    pub fn say(&self, text: &str) {
        if !self.quiet {
            println!("{text}");
        }
    }
}

/// A district read, validated and loaded.
pub struct Loaded {
    /// The district.
    pub district: District,
    /// Its data on the axis.
    pub data: DistrictData,
}

/// Reads, validates and loads `path`. Problems with the district are printed to stderr
/// (all of them) and give `Ok(None)`. What loading dropped, skipped or capped (EV sessions
/// outside the axis, unreadable session rows) is printed as warnings unless quiet.
pub fn load_district(path: &Path, ui: &Ui) -> anyhow::Result<Option<Loaded>> {
    let Some((district, sources)) = reported(quartier_model::read_district(path)) else {
        return Ok(None);
    };
    let Some((data, report)) = reported(quartier_model::load_with_report(&district, &sources))
    else {
        return Ok(None);
    };
    if !ui.quiet {
        for s in report.ev_charging.iter().chain(&report.fleets) {
            if s.outside_axis + s.invalid_rows + s.capped > 0 {
                eprintln!("warning: {}: {s}", path.display());
                for example in &s.invalid_examples {
                    eprintln!("  {example}");
                }
            }
        }
    }
    Ok(Some(Loaded { district, data }))
}

/// The value of a read or check, or `None` after printing every problem to stderr followed
/// by the count (`3 problems found`). Every command reports invalid input files this way.
pub fn reported<T>(result: Result<T, Diagnostics>) -> Option<T> {
    match result {
        Ok(x) => Some(x),
        Err(diags) => {
            for d in diags.iter() {
                eprintln!("{d}");
            }
            eprintln!(
                "{} problem{} found",
                diags.len(),
                if diags.len() == 1 { "" } else { "s" }
            );
            None
        }
    }
}

/// Writes `files` (name, content) into `dir` atomically: the directory is replaced only
/// once all are written. Gives the directory written.
pub fn write_files(dir: &Path, files: &[(&str, &[u8])]) -> anyhow::Result<PathBuf> {
    let out = OutputDir::create(dir)?;
    for (name, bytes) in files {
        out.write(name, bytes)?;
    }
    Ok(out.commit()?)
}

/// The outcome of one simulation.
pub struct Simulated {
    /// Per-step flows.
    pub flows: Flows,
    /// KPIs from the accounting pass.
    pub kpis: Kpis,
}

/// Simulates a loaded district with the rule controller and accounts for it.
pub fn simulate(loaded: &Loaded, ui: &Ui, label: &str) -> anyhow::Result<Simulated> {
    let inputs = quartier_sim::assemble(&loaded.district, &loaded.data)
        .with_context(|| format!("{label}: assembling the simulation inputs"))?;
    let pb = ui.progress(inputs.axis.len() as u64, &format!("simulating {label}"));
    let mut progress = |done: usize, _total: usize| pb.set_position(done as u64);
    let flows = quartier_sim::simulate(&inputs, &RuleConfig::default(), &mut progress)
        .with_context(|| format!("{label}: simulation"))?;
    pb.finish_and_clear();
    let kpis = quartier_sim::account(&inputs, &flows)
        .with_context(|| format!("{label}: accounting pass"))?;
    Ok(Simulated { flows, kpis })
}

/// Writes `timeseries.csv` and `kpis.json` into `dir` atomically, plus any extra files.
pub fn write_results(
    dir: &Path,
    loaded: &Loaded,
    sim: &Simulated,
    extra: &[(&str, &[u8])],
) -> anyhow::Result<PathBuf> {
    write_results_as(dir, loaded, sim, extra, SeriesFormat::Csv)
}

/// The format of a run's time series.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeriesFormat {
    /// `timeseries.csv`.
    Csv,
    /// `timeseries.parquet` (Apache Parquet: `time_utc` a UTC timestamp, a column per flow).
    Parquet,
}

/// [`write_results`], the time series in `format`.
pub fn write_results_as(
    dir: &Path,
    loaded: &Loaded,
    sim: &Simulated,
    extra: &[(&str, &[u8])],
    format: SeriesFormat,
) -> anyhow::Result<PathBuf> {
    let out = OutputDir::create(dir)?;
    let format = match format {
        SeriesFormat::Csv => TableFormat::Csv,
        SeriesFormat::Parquet => TableFormat::Parquet,
    };
    quartier_report::write_timeseries(
        &out.path(&format!("timeseries.{}", format.name())),
        format,
        &sim.flows.axis,
        &sim.flows.columns(),
        &[("district", loaded.district.site.name.clone())],
    )?;
    out.write(
        "kpis.json",
        quartier_report::kpis_json(&loaded.district.site.name, &sim.flows.axis, &sim.kpis)
            .as_bytes(),
    )?;
    for (name, bytes) in extra {
        out.write(name, bytes)?;
    }
    Ok(out.commit()?)
}

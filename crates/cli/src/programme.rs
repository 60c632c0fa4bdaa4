//! `quartier programme DIR --out DIR`: reads every experiment file (`*.toml`) of a folder,
//! evaluates each (as `quartier evaluate` does), simulates the districts they reference with
//! the rule controller (the pipeline of `quartier simulate`, from `run.rs`), and writes the
//! month-by-month KPI table of the programme across communes (`programme.csv` and
//! `programme.html`) and the portfolio on a day (`portfolio.csv`: each experiment's phase,
//! standing and reasons, after [`quartier_report::portfolio`]); with `--open-data DIR`, the
//! open data of the published experiments ([`quartier_report::open_data`], the server's
//! export). The indicators and balances come from [`quartier_report::programme`], shared
//! with the server; this file loads districts with the CLI's diagnostics and prints.

use std::path::{Path, PathBuf};

use anyhow::Context;
use quartier_evaluate::Indicator;
use quartier_evaluate::{Month, ProgrammeTable, programme_table};
use quartier_report::Language;
use quartier_report::OutputDir;
use quartier_report::open_data::{Offered, OpenDataOptions, open_data};
use quartier_report::portfolio::{Position, local_midnight, phase_text, position};
use quartier_report::programme::{
    DistrictBalance, experiment_files, first_month, indicators_by_experiment,
};

use crate::Outcome;
use crate::evaluate::{self, Evaluated};
use crate::run::{Ui, load_district, simulate};

/// Arguments of `quartier programme`.
#[derive(clap::Args, Debug)]
pub struct ProgrammeArgs {
    /// Folder of experiment files (`*.toml`).
    pub dir: PathBuf,
    /// Output directory (replaced atomically when the run succeeds).
    #[arg(long)]
    pub out: PathBuf,
    /// First month of the programme, `YYYY-MM` (default: the earliest experiment start).
    #[arg(long, value_parser = parse_month)]
    pub start: Option<Month>,
    /// Number of months of the programme.
    #[arg(long, default_value_t = 24, value_parser = clap::value_parser!(u16).range(1..=240))]
    pub months: u16,
    /// The day the portfolio and the open data are judged on, `YYYY-MM-DD` (Europe/Paris;
    /// default: today).
    #[arg(long, value_parser = parse_day)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Also write the open data of the published experiments (`indicators.csv`,
    /// `indicators.json`, `dataset.jsonld`) to this folder (replaced atomically).
    #[arg(long)]
    pub open_data: Option<PathBuf>,
}

fn parse_day(s: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date (expected YYYY-MM-DD)"))
}

fn parse_month(s: &str) -> Result<Month, String> {
    let bad = || format!("{s:?} is not a month (expected YYYY-MM)");
    let (y, m) = s.split_once('-').ok_or_else(bad)?;
    let y: i32 = y.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if (1..=12).contains(&m) {
        Ok((y, m))
    } else {
        Err(bad())
    }
}

/// Loads and simulates a district as `quartier simulate` does (diagnostics and warnings
/// printed, progress bar), then takes its monthly balance.
fn district_balance(path: &Path, ui: &Ui) -> anyhow::Result<Option<DistrictBalance>> {
    let Some(loaded) = load_district(path, ui)? else {
        return Ok(None);
    };
    let name = loaded.district.site.name.clone();
    let sim = simulate(&loaded, ui, &name)?;
    // Each member's meter curve, for a community whose curves are simulated from it.
    let inputs = quartier_sim::assemble(&loaded.district, &loaded.data)
        .with_context(|| format!("{name}: assembling the simulation's inputs"))?;
    Ok(Some(
        DistrictBalance::from_flows(
            &name,
            loaded.district.weather.typical_year,
            &sim.flows,
            loaded.district.site.timezone,
        )
        .with_district(&loaded.district)
        .with_members(&inputs, &sim.flows),
    ))
}

/// A built programme: the table, notes for the reader, and the evaluated experiments with
/// their files.
pub struct Built {
    /// The month-by-month table.
    pub table: ProgrammeTable,
    /// Notes (warnings of the experiments, balances not shown).
    pub notes: Vec<String>,
    /// Each experiment file and its evaluation.
    pub evaluated: Vec<(PathBuf, Evaluated)>,
    /// Each experiment's indicators (its own and its district's), in the same order.
    pub indicators: Vec<Vec<Indicator>>,
    /// Names of private persons in the districts (never published).
    pub private_names: Vec<String>,
}

/// Reads, evaluates and lays on `months` months (from `start`, or the earliest experiment
/// start) every experiment file of `dir`. `Ok(None)` when a file (experiment or district) is
/// invalid: its problems are printed.
pub fn build(
    dir: &Path,
    start: Option<Month>,
    months: usize,
    ui: &Ui,
) -> anyhow::Result<Option<Built>> {
    let files =
        experiment_files(dir).with_context(|| format!("reading the folder {}", dir.display()))?;
    if files.is_empty() {
        anyhow::bail!("{} holds no experiment file (*.toml)", dir.display());
    }
    let mut experiments = Vec::new();
    let mut invalid = false;
    for f in &files {
        match evaluate::read(f) {
            Some(e) => experiments.push(e),
            None => invalid = true,
        }
    }
    if invalid {
        return Ok(None);
    }
    let mut evaluated = Vec::new();
    for (e, f) in experiments.into_iter().zip(&files) {
        evaluated.push(evaluate::evaluate(e).with_context(|| format!("{}", f.display()))?);
    }
    let Some(first) = start.or_else(|| first_month(&evaluated)) else {
        anyhow::bail!("no experiment to lay on a programme");
    };
    let mut invalid_district = false;
    let mut private_names = Vec::new();
    let (each, notes) = indicators_by_experiment(&evaluated, |path| {
        let b = district_balance(path, ui)?;
        invalid_district |= b.is_none();
        if let Some(b) = &b {
            private_names.extend(b.private_names.iter().cloned());
        }
        anyhow::Ok(b)
    })?;
    if invalid_district {
        return Ok(None);
    }
    Ok(Some(Built {
        table: programme_table(each.iter().flatten().cloned().collect(), first, months),
        notes: notes.iter().map(ToString::to_string).collect(),
        evaluated: files.into_iter().zip(evaluated).collect(),
        indicators: each,
        private_names,
    }))
}

/// Runs `quartier programme`.
pub fn run(args: &ProgrammeArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    let Some(built) = build(&args.dir, args.start, usize::from(args.months), ui)? else {
        return Ok(Outcome::InvalidDistrict);
    };
    let day = args.as_of.unwrap_or_else(|| {
        chrono::Utc::now()
            .with_timezone(&chrono_tz::Europe::Paris)
            .date_naive()
    });
    finish(&built, &args.out, args.open_data.as_deref(), day, ui)?;
    Ok(Outcome::Success)
}

/// Writes the programme table, the portfolio on `day` and (to `open_data`) the open data,
/// and says what was written.
pub fn finish(
    built: &Built,
    out: &Path,
    open_data_dir: Option<&Path>,
    day: chrono::NaiveDate,
    ui: &Ui,
) -> anyhow::Result<()> {
    let at = local_midnight(day, chrono_tz::Europe::Paris);
    let positions: Vec<Position> = built
        .evaluated
        .iter()
        .zip(&built.indicators)
        .map(|((_, ev), inds)| position(&ev.experiment, inds, at))
        .collect();
    let open = match open_data_dir {
        None => None,
        Some(out) => {
            let ids: Vec<String> = built.evaluated.iter().map(|(f, _)| id_of(f)).collect();
            let offered: Vec<Offered<'_>> = built
                .evaluated
                .iter()
                .zip(&built.indicators)
                .zip(&ids)
                .map(|(((_, ev), inds), id)| Offered {
                    id,
                    experiment: &ev.experiment,
                    indicators: inds,
                })
                .collect();
            let options = OpenDataOptions {
                private_names: built.private_names.clone(),
                ..OpenDataOptions::default()
            };
            let data = open_data(&offered, at, &options)?;
            let dir = OutputDir::create(out)?;
            for (name, bytes) in data.files() {
                dir.write(name, bytes)?;
            }
            Some((dir.commit()?, data))
        }
    };
    let dir = write(
        out,
        &built.table,
        &built.notes,
        &portfolio_csv(built, &positions),
    )?;
    if !ui.quiet {
        for n in &built.notes {
            eprintln!("note: {n}");
        }
    }
    ui.say(&summary(&built.table));
    ui.say(&portfolio_summary(built, &positions, day));
    ui.say(&format!(
        "programme table (programme.csv, programme.html) and portfolio (portfolio.csv) in {}",
        dir.display()
    ));
    if let Some((dir, data)) = open {
        for l in &data.left_out {
            ui.say(&format!("note: {l}"));
        }
        ui.say(&format!(
            "open data of {} published experiment(s) (indicators.csv, indicators.json, dataset.jsonld) in {}",
            data.experiments.len(),
            dir.display()
        ));
    }
    Ok(())
}

/// An experiment's id: its file's name without `.toml`.
fn id_of(file: &Path) -> String {
    file.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `portfolio.csv`: one row per experiment ([`quartier_report::portfolio::portfolio_csv`]).
fn portfolio_csv(built: &Built, positions: &[Position]) -> String {
    let ids: Vec<String> = built.evaluated.iter().map(|(f, _)| id_of(f)).collect();
    let rows: Vec<(&str, &quartier_model::Experiment, &Position)> = ids
        .iter()
        .zip(&built.evaluated)
        .zip(positions)
        .map(|((id, (_, ev)), p)| (id.as_str(), &ev.experiment, p))
        .collect();
    quartier_report::portfolio::portfolio_csv(&rows)
}

/// One line per experiment: where it stands.
fn portfolio_summary(built: &Built, positions: &[Position], day: chrono::NaiveDate) -> String {
    let mut s = format!("portfolio on {day}\n");
    for ((_, ev), p) in built.evaluated.iter().zip(positions) {
        let e = &ev.experiment;
        let phase = p.phase.map_or("—", |k| phase_text(k, Language::English));
        s.push_str(&format!(
            "  {} | {} | {phase}, month {}/{} | {}\n",
            e.commune,
            e.title,
            p.month.0,
            p.month.1,
            p.standing.text(Language::English)
        ));
    }
    s
}

/// Writes `programme.csv`, `programme.html` and `portfolio.csv`.
pub fn write(
    dir: &Path,
    table: &ProgrammeTable,
    notes: &[String],
    portfolio_csv: &str,
) -> anyhow::Result<PathBuf> {
    let out = OutputDir::create(dir)?;
    out.write("portfolio.csv", portfolio_csv.as_bytes())?;
    out.write(
        "programme.csv",
        quartier_report::programme_csv(table).as_bytes(),
    )?;
    out.write(
        "programme.html",
        quartier_report::programme_html(
            "Quartiers Métropolitains d'Innovation — programme indicators",
            table,
            notes,
        )
        .as_bytes(),
    )?;
    Ok(out.commit()?)
}

/// One line per row: commune, experiment, indicator, total and status.
pub fn summary(table: &ProgrammeTable) -> String {
    let (a, b) = (table.months.first(), table.months.last());
    let mut s = match (a, b) {
        (Some(a), Some(b)) => format!(
            "programme {}-{:02} … {}-{:02} ({} months)\n",
            a.0,
            a.1,
            b.0,
            b.1,
            table.months.len()
        ),
        _ => String::new(),
    };
    for r in &table.rows {
        let i = &r.indicator;
        let total = r.total.map_or("—".to_string(), |c| match c.uncertainty {
            Some(u) => format!("{:.0} ± {:.0} {}", c.value, u, i.unit),
            None => format!("{:.0} {}", c.value, i.unit),
        });
        let status = r.status.map_or(String::new(), |st| {
            format!(
                " — target {:.0}: {}",
                st.target.value,
                if st.met { "met" } else { "not met" }
            )
        });
        s.push_str(&format!(
            "  {} | {} | {}: {total}{status}\n",
            i.commune, i.experiment, i.name
        ));
    }
    s
}

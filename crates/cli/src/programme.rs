//! `quartier programme DIR --out DIR`: reads every experiment file (`*.toml`) of a folder,
//! evaluates each (as `quartier evaluate` does), simulates the districts they reference with
//! the rule controller (the pipeline of `quartier simulate`, from `run.rs`), and writes the
//! month-by-month KPI table of the programme across communes: `programme.csv` and
//! `programme.html`. The indicators and balances come from [`quartier_report::programme`],
//! shared with the server; this file loads districts with the CLI's diagnostics and prints.

use std::path::{Path, PathBuf};

use anyhow::Context;
use quartier_evaluate::{Month, ProgrammeTable, programme_table};
use quartier_report::OutputDir;
use quartier_report::programme::{
    DistrictBalance, experiment_files, first_month, programme_indicators,
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
    Ok(Some(DistrictBalance::from_flows(
        &name,
        loaded.district.weather.typical_year,
        &sim.flows,
        loaded.district.site.timezone,
    )))
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
    let (inds, notes) = programme_indicators(&evaluated, |path| {
        let b = district_balance(path, ui)?;
        invalid_district |= b.is_none();
        anyhow::Ok(b)
    })?;
    if invalid_district {
        return Ok(None);
    }
    Ok(Some(Built {
        table: programme_table(inds, first, months),
        notes: notes.iter().map(ToString::to_string).collect(),
        evaluated: files.into_iter().zip(evaluated).collect(),
    }))
}

/// Runs `quartier programme`.
pub fn run(args: &ProgrammeArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    let Some(built) = build(&args.dir, args.start, usize::from(args.months), ui)? else {
        return Ok(Outcome::InvalidDistrict);
    };
    let dir = write(&args.out, &built.table, &built.notes)?;
    if !ui.quiet {
        for n in &built.notes {
            eprintln!("note: {n}");
        }
    }
    ui.say(&summary(&built.table));
    ui.say(&format!(
        "programme table (programme.csv, programme.html) in {}",
        dir.display()
    ));
    Ok(Outcome::Success)
}

/// Writes `programme.csv` and `programme.html`.
pub fn write(dir: &Path, table: &ProgrammeTable, notes: &[String]) -> anyhow::Result<PathBuf> {
    let out = OutputDir::create(dir)?;
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

//! `quartier programme DIR --out DIR`: reads every experiment file (`*.toml`) of a folder,
//! evaluates each (as `quartier evaluate` does), simulates the districts they reference with
//! the rule controller (the pipeline of `quartier simulate`, from `run.rs`), and writes the
//! month-by-month KPI table of the programme across communes: `programme.csv` and
//! `programme.html`.
//!
//! A district's positive-energy balance is `export − import` of its simulation (production
//! minus every use, storage and conversion losses included). When the district's year does
//! not cover the programme's months and its weather is a typical year, each month takes the
//! simulated month of the same name, and the row's source says so.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use quartier_evaluate::{
    Indicator, Month, MonthlyBalance, ProgrammeTable, monthly_balance, programme_table,
    project_typical_year,
};
use quartier_report::OutputDir;

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

/// A simulated district's monthly balance, cached by file.
struct DistrictBalance {
    name: String,
    year_label: String,
    typical: bool,
    months: Vec<MonthlyBalance>,
}

fn district_balance(path: &Path, ui: &Ui) -> anyhow::Result<Option<DistrictBalance>> {
    let Some(loaded) = load_district(path, ui)? else {
        return Ok(None);
    };
    let name = loaded.district.site.name.clone();
    let sim = simulate(&loaded, ui, &name)?;
    let f = &sim.flows;
    let production: Vec<f64> = f
        .pv_kwh
        .iter()
        .zip(&f.curtailed_kwh)
        .map(|(p, c)| p - c)
        .collect();
    // Every use, losses included: production + import − export.
    let consumption: Vec<f64> = production
        .iter()
        .zip(&f.import_kwh)
        .zip(&f.export_kwh)
        .map(|((p, i), e)| p + i - e)
        .collect();
    let tz = loaded.district.site.timezone;
    let months = monthly_balance(f.axis.times(), &production, &consumption, tz);
    let year_label = match (months.first(), months.last()) {
        (Some(a), Some(b)) => format!(
            "{}-{:02}…{}-{:02}",
            a.month.0, a.month.1, b.month.0, b.month.1
        ),
        _ => String::new(),
    };
    Ok(Some(DistrictBalance {
        name,
        year_label,
        typical: loaded.district.weather.typical_year,
        months,
    }))
}

/// Experiment files of a folder, sorted.
fn experiment_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading the folder {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        anyhow::bail!("{} holds no experiment file (*.toml)", dir.display());
    }
    Ok(files)
}

/// The programme's indicators and notes, from evaluated experiments and their districts.
fn indicators(
    evaluated: &[Evaluated],
    ui: &Ui,
) -> anyhow::Result<Option<(Vec<Indicator>, Vec<String>)>> {
    let mut cache: BTreeMap<PathBuf, DistrictBalance> = BTreeMap::new();
    let mut out = Vec::new();
    let mut notes = Vec::new();
    for ev in evaluated {
        let e = &ev.experiment;
        out.extend(ev.indicators.iter().cloned());
        notes.extend(
            ev.warnings
                .iter()
                .map(|w| format!("{} — {}: {w}", e.commune, e.title)),
        );
        let Some(path) = &e.district else { continue };
        if !cache.contains_key(path) {
            let Some(b) = district_balance(path, ui)? else {
                return Ok(None);
            };
            cache.insert(path.clone(), b);
        }
        let Some(b) = cache.get(path) else { continue };
        let months = evaluate::experiment_months(e);
        let covered = months
            .iter()
            .all(|m| b.months.iter().any(|x| x.month == *m));
        let (balance, source) = if covered || !b.typical {
            (
                b.months
                    .iter()
                    .filter(|x| months.contains(&x.month))
                    .copied()
                    .collect::<Vec<_>>(),
                format!("simulated: {} (rule controller), export − import", b.name),
            )
        } else {
            (
                project_typical_year(&b.months, &months),
                format!(
                    "simulated typical year of {} ({}), projected by calendar month; export − import",
                    b.name, b.year_label
                ),
            )
        };
        if balance.is_empty() {
            notes.push(format!(
                "{} — {}: the district {} is simulated over {}, outside the experiment's months; no balance is shown.",
                e.commune, e.title, b.name, b.year_label
            ));
            continue;
        }
        out.push(Indicator::energy_balance(
            &e.commune, &e.title, &source, &balance,
        ));
    }
    Ok(Some((out, notes)))
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
    let files = experiment_files(dir)?;
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
    let first = start.or_else(|| {
        experiments
            .iter()
            .map(|e| evaluate::experiment_months(e).first().copied())
            .min()
            .flatten()
    });
    let Some(first) = first else {
        anyhow::bail!("no experiment to lay on a programme");
    };
    let mut evaluated = Vec::new();
    for (e, f) in experiments.into_iter().zip(&files) {
        evaluated.push(evaluate::evaluate(e).with_context(|| format!("{}", f.display()))?);
    }
    let Some((inds, notes)) = indicators(&evaluated, ui)? else {
        return Ok(None);
    };
    Ok(Some(Built {
        table: programme_table(inds, first, months),
        notes,
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

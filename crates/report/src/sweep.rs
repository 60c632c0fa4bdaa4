//! A sweep's results folder: its scenarios run one by one into it, and collected into one
//! table. Shared by `quartier sweep` on one machine and by the array tasks of a cluster
//! scheduler (each task runs its scenarios into the same folder).
//!
//! ```text
//! DIR/sweep.toml                  the sweep file, as given (the folder's identity)
//! DIR/scenarios.csv               scenario, district (or community), one column per parameter
//! DIR/scenario=0007/district.toml the scenario's whole district file: rerun it alone
//! DIR/scenario=0007/rule-kpis.json, optimal-kpis.json, sizing.json, allocate-kpis.json
//! DIR/scenario=0007/community.toml, community-curves/  (`allocate`: the community allocated,
//!                                 with the member curves the district's simulation gave)
//! DIR/scenario=0007/kpis.parquet  the same results as one row (`format = "csv"`: kpis.csv)
//! DIR/scenario=0007/timeseries-rule.parquet, timeseries-optimal.parquet  (`timeseries = true`)
//! DIR/scenario=0007/done.json     what ran and how long: the scenario is complete
//! DIR/scenario=0007.error.txt     why it failed (removed when it succeeds)
//! DIR/kpis.csv, DIR/kpis.parquet  [`collect`]: one row per scenario
//! ```
//!
//! The scenario folders are Hive partitions: `scenario` is the folder's key, not a column of
//! the files in it, so that `read_parquet('DIR/scenario=*/kpis.parquet', hive_partitioning =
//! true)` in DuckDB, or `pl.read_parquet(…, hive_partitioning=True)` in polars, reads every
//! scenario as one table with its number. A column is numbers, yes/no or text as its values
//! are; a text value of the sweep file is given without its TOML quotes; money (a result
//! named `…_eur`) is an exact decimal (Parquet `DECIMAL(18, s)`), never a float.
//!
//! A sweep of community files writes `community.toml` instead of `district.toml`, and
//! `allocate-kpis.json`: for each key, the community totals (`allocate.optimised.self_consumption_rate`,
//! `allocate.file.consumer_bills_eur`, …).
//!
//! A scenario's folder is written into a hidden temporary folder and renamed into place when
//! everything is in it ([`crate::OutputDir`]), so a scenario folder exists only complete: an
//! interrupted sweep leaves finished scenarios intact and no half-written one, and a rerun
//! skips what exists. A folder made by another sweep file is refused before anything is
//! written. The temporary folder carries the machine's name and the process number
//! (`.scenario=0007.tmp-HOST-PID`): one left by a process killed outright (SIGKILL, a node
//! lost) is removed by the next run on that machine once that process is gone.

use std::path::{Path, PathBuf};
use std::time::Instant;

use quartier_model::{BaseKind, LoadedCommunity, Scenario, Sweep, TableFormat};
use quartier_optim::lp::Clarabel;
use quartier_optim::sizing::{Target, size};
use quartier_optim::{DispatchConfig, dispatch};
use quartier_sim::RuleConfig;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::{OutputDir, ReportError, kpis_json};

/// Why a sweep step failed.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The results folder holds another sweep.
    #[error(
        "{dir} holds the results of another sweep file (its sweep.toml differs from {file}): \
         give another --out folder, or remove that one"
    )]
    OtherSweep {
        /// The folder.
        dir: PathBuf,
        /// The sweep file given.
        file: PathBuf,
    },
    /// The folder is not a sweep's results folder.
    #[error(
        "{0} is not a sweep results folder (no sweep.toml in it): give the --out folder of a sweep"
    )]
    NotResults(PathBuf),
    /// A scenario number outside the sweep.
    #[error("scenario {index} does not exist: this sweep has {count} scenarios, 0 to {}", count.saturating_sub(1))]
    NoScenario {
        /// The number asked for.
        index: usize,
        /// How many there are.
        count: usize,
    },
    /// Parquet asked of a build without it.
    #[error(
        "{file}: format = \"parquet\", but this quartier was built without Parquet: set \
         format = \"csv\" in the sweep file, or build quartier with its default features"
    )]
    NoParquet {
        /// The sweep file.
        file: PathBuf,
    },
    /// Writing or reading a file.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The scenario could not run: its district file has problems (an array task checks only
    /// its own scenarios, as it runs them), or an engine failed.
    #[error("scenario {index}: {message}")]
    Scenario {
        /// Its number.
        index: usize,
        /// What went wrong, in words.
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReportError + '_ {
    move |source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes a file atomically (a temporary sibling renamed over it).
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let tmp = path.with_extension("tmp~");
    std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// The folder name of scenario `index` among `count`: `scenario=0007` (at least four digits,
/// more when the sweep needs them, so that names sort in order).
pub fn scenario_name(index: usize, count: usize) -> String {
    let width = count.saturating_sub(1).to_string().len().max(4);
    format!("scenario={index:0width$}")
}

/// Makes `dir` the results folder of `sweep` (or checks that it is): `sweep.toml` and
/// `scenarios.csv`. A folder of another sweep file is refused, nothing written. Gives the
/// number of unfinished scenario folders it removed: those this machine's processes left
/// when killed (see the module documentation).
pub fn prepare(sweep: &Sweep, dir: &Path) -> Result<usize, SweepError> {
    if sweep.format == TableFormat::Parquet && !cfg!(feature = "parquet") {
        return Err(SweepError::NoParquet {
            file: sweep.file.clone(),
        });
    }
    let own = dir.join("sweep.toml");
    match std::fs::read_to_string(&own) {
        Ok(text) if text == sweep.text => return Ok(remove_abandoned(dir, &host())),
        Ok(_) => {
            return Err(SweepError::OtherSweep {
                dir: dir.to_path_buf(),
                file: sweep.file.clone(),
            });
        }
        Err(_) => {}
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut csv = format!("scenario,{}", sweep.kind.name());
    for p in &sweep.parameters {
        csv.push(',');
        csv.push_str(&csv_cell(p));
    }
    csv.push('\n');
    for s in &sweep.scenarios {
        csv.push_str(&format!("{},{}", s.index, csv_cell(&base_label(sweep, s))));
        for p in &sweep.parameters {
            csv.push(',');
            if let Some(set) = s.settings.iter().find(|x| &x.parameter == p) {
                csv.push_str(&csv_cell(&set.value));
            }
        }
        csv.push('\n');
    }
    write_file(&dir.join("scenarios.csv"), csv.as_bytes())?;
    // Last: the folder is the sweep's once its file is there.
    write_file(&own, sweep.text.as_bytes())?;
    Ok(0)
}

/// This machine's name, as it goes in a temporary folder's name (letters, digits, `.`, `_`).
fn host() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let clean: String = name
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        "host".into()
    } else {
        clean
    }
}

/// Removes the temporary scenario folders of `dir` written by processes of the machine `host`
/// that no longer run (Linux: no `/proc/PID`); elsewhere none. Gives how many it removed.
fn remove_abandoned(dir: &Path, host: &str) -> usize {
    if !Path::new("/proc/self").exists() {
        return 0;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mine = format!(".tmp-{host}-");
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !name.starts_with(".scenario=") {
            continue;
        }
        let Some(at) = name.find(&mine) else {
            continue;
        };
        let pid = &name[at + mine.len()..];
        let pid = pid.strip_suffix(".old").unwrap_or(pid);
        if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if !Path::new("/proc").join(pid).exists() && std::fs::remove_dir_all(e.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The file name of scenario `s`'s district (or community) file.
fn base_label(sweep: &Sweep, s: &Scenario) -> String {
    sweep
        .bases
        .get(s.base)
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn csv_cell(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// True when scenario `index`'s folder is complete.
pub fn is_done(dir: &Path, index: usize, count: usize) -> bool {
    dir.join(scenario_name(index, count))
        .join("done.json")
        .is_file()
}

/// Runs scenario `index` of `sweep` into `dir` (prepared): its district (or community) file,
/// then what the sweep runs (`rule`, `optimal`, `size`, `allocate`), then `done.json`, all at
/// once. Gives the seconds
/// it took; a failure is also written to `scenario=NNNN.error.txt`.
pub fn run_scenario(sweep: &Sweep, dir: &Path, index: usize) -> Result<f64, SweepError> {
    let count = sweep.scenarios.len();
    let s = sweep
        .scenarios
        .get(index)
        .ok_or(SweepError::NoScenario { index, count })?;
    let name = scenario_name(index, count);
    let error_file = dir.join(format!("{name}.error.txt"));
    let t0 = Instant::now();
    match run_into(sweep, s, &dir.join(&name), t0) {
        Ok(()) => {
            let _ = std::fs::remove_file(&error_file);
            Ok(t0.elapsed().as_secs_f64())
        }
        Err(e) => {
            let _ = write_file(&error_file, format!("{e}\n").as_bytes());
            Err(e)
        }
    }
}

fn run_into(sweep: &Sweep, s: &Scenario, target: &Path, t0: Instant) -> Result<(), SweepError> {
    let fail = |message: String| SweepError::Scenario {
        index: s.index,
        message,
    };
    let out = OutputDir::create_tagged(target, Some(&host()))?;
    // The result documents written, kept for the scenario's row below.
    let mut written: Vec<(&str, String)> = Vec::new();
    let mut ran = Vec::new();
    match sweep.kind {
        BaseKind::District => run_district(sweep, s, &out, &mut written, &mut ran)?,
        BaseKind::Community => {
            let t = Instant::now();
            let (text, loaded) = sweep
                .scenario_community(s)
                .map_err(|e| fail(e.to_string()))?;
            out.write("community.toml", text.as_bytes())?;
            let doc = allocate_document(&loaded, &sweep.keys).map_err(fail)?;
            out.write("allocate-kpis.json", doc.as_bytes())?;
            written.push(("allocate-kpis.json", doc));
            ran.push(
                serde_json::json!({ "run": "allocate", "seconds": t.elapsed().as_secs_f64() }),
            );
        }
    }
    // The scenario's results as one row: its file and values, then what ran.
    let mut names = vec![sweep.kind.name().to_owned()];
    let mut row = vec![Cell::Text(base_label(sweep, s))];
    for p in &sweep.parameters {
        names.push(p.clone());
        row.push(
            s.settings
                .iter()
                .find(|x| &x.parameter == p)
                .map_or(Cell::Missing, |x| Cell::of_toml(&x.value)),
        );
    }
    let in_memory = |file: &str| {
        Ok(written
            .iter()
            .find(|(n, _)| *n == file)
            .and_then(|(_, doc)| serde_json::from_str(doc).ok()))
    };
    for (name, cell) in result_cells(&in_memory)? {
        names.push(name);
        row.push(cell);
    }
    let table = format!("kpis.{}", sweep.format.name());
    let meta = [
        ("sweep", sweep.name.clone()),
        ("scenario", s.index.to_string()),
    ];
    write_table(&out.path(&table), &names, &[row], sweep.format, &meta)?;
    let done = serde_json::json!({
        "scenario": s.index,
        sweep.kind.name(): base_label(sweep, s),
        "settings": s.settings.iter().map(|x| (x.parameter.clone(), Value::String(x.value.clone()))).collect::<serde_json::Map<_, _>>(),
        "ran": ran,
        "seconds": t0.elapsed().as_secs_f64(),
    });
    out.write(
        "done.json",
        serde_json::to_string_pretty(&done)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    out.commit()?;
    Ok(())
}

/// The community's allocation, settlement and bills with each of `keys` (`file`, `default`,
/// `equal`, `optimised`), as `allocate-kpis.json`: its size, and the totals of each key (money
/// as exact decimal text). The operation's perimeter is checked first, as `quartier share
/// allocate` does.
fn allocate_document(loaded: &LoadedCommunity, keys: &[String]) -> Result<String, String> {
    use crate::community::{KeyChoice, check_perimeter, key_of, scenario, totals};
    check_perimeter(loaded).map_err(|e| format!("community {}: {e}", loaded.name))?;
    let mut by_key = serde_json::Map::new();
    for k in keys {
        let choice: KeyChoice = k.parse().map_err(|e| format!("{e}"))?;
        let key = key_of(loaded, choice).map_err(|e| format!("key {k}: {e}"))?;
        let s = scenario(loaded, &key).map_err(|e| format!("key {k}: {e}"))?;
        let t = serde_json::to_value(totals(&s)).map_err(|e| e.to_string())?;
        by_key.insert(k.clone(), t);
    }
    let c = &loaded.community;
    let doc = serde_json::json!({
        "community": loaded.name,
        "consumers": c.consumers().len(),
        "producers": c.producers().len(),
        "keys": by_key,
    });
    serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())
}

/// Runs what the sweep runs on district scenario `s` into `out`: each document written is
/// kept in `written`, each run's time in `ran`.
fn run_district(
    sweep: &Sweep,
    s: &Scenario,
    out: &OutputDir,
    written: &mut Vec<(&str, String)>,
    ran: &mut Vec<Value>,
) -> Result<(), SweepError> {
    let fail = |message: String| SweepError::Scenario {
        index: s.index,
        message,
    };
    let (text, mut district, sources) = sweep
        .scenario_district(s)
        .map_err(|e| fail(e.to_string()))?;
    out.write("district.toml", text.as_bytes())?;
    if let Some(days) = sweep.days {
        crate::sizing::keep_first_days(&mut district, days).map_err(|e| fail(e.to_string()))?;
    }
    let data = quartier_model::load(&district, &sources).map_err(|e| fail(e.to_string()))?;
    let inputs = quartier_sim::assemble(&district, &data).map_err(|e| fail(e.to_string()))?;
    let label = district.site.name.clone();
    let mut keep = |name: &'static str, doc: String| -> Result<(), ReportError> {
        out.write(name, doc.as_bytes())?;
        written.push((name, doc));
        Ok(())
    };
    // The rule controller's flows, once: `allocate` takes its member curves from them.
    let mut rule_flows = None;
    let simulate_rule = || -> Result<quartier_sim::Flows, SweepError> {
        quartier_sim::simulate(&inputs, &RuleConfig::default(), &mut |_, _| {})
            .map_err(|e| fail(format!("simulation: {e}")))
    };
    for what in &sweep.run {
        let t = Instant::now();
        match what.as_str() {
            "rule" => {
                let flows = simulate_rule()?;
                let kpis = quartier_sim::account(&inputs, &flows)
                    .map_err(|e| fail(format!("accounting pass: {e}")))?;
                keep("rule-kpis.json", kpis_json(&label, &inputs.axis, &kpis))?;
                if sweep.timeseries {
                    write_series(sweep, s, out, "rule", &label, &inputs.axis, &flows)?;
                }
                rule_flows = Some(flows);
            }
            "allocate" => {
                let flows = match rule_flows.take() {
                    Some(f) => f,
                    None => simulate_rule()?,
                };
                let curves = crate::community::member_curves(&inputs, &flows);
                rule_flows = Some(flows);
                crate::community::write_member_curves(&out.path("community-curves"), &curves)?;
                let named: Vec<(String, String)> = curves
                    .curves
                    .iter()
                    .map(|(id, _)| (id.clone(), format!("community-curves/{id}.csv")))
                    .collect();
                let text = sweep
                    .community_with_curves(&named)
                    .map_err(|e| fail(e.to_string()))?;
                out.write("community.toml", text.as_bytes())?;
                let loaded = quartier_model::parse_community(&text, &out.path("community.toml"))
                    .map_err(|e| fail(format!("community: {e}")))?;
                keep(
                    "allocate-kpis.json",
                    allocate_document(&loaded, &sweep.keys).map_err(fail)?,
                )?;
            }
            "optimal" => {
                let d = dispatch(&inputs, &DispatchConfig::default(), &Clarabel::default())
                    .map_err(|e| fail(format!("optimal dispatch: {e}")))?;
                keep(
                    "optimal-kpis.json",
                    kpis_json(&label, &inputs.axis, &d.kpis),
                )?;
                if sweep.timeseries {
                    write_series(sweep, s, out, "optimal", &label, &inputs.axis, &d.flows)?;
                }
            }
            "size" => {
                let config =
                    crate::sizing::sizing_config(&inputs, &district.sizing, Target::None, None);
                let sized = size(&inputs, &config, &Clarabel::default())
                    .map_err(|e| fail(format!("sizing: {e}")))?;
                let json = crate::sizing::sizing_document(
                    &label,
                    &config,
                    &district.sizing,
                    &sized,
                    None,
                    t.elapsed().as_secs_f64(),
                );
                keep("sizing.json", json)?;
            }
            other => return Err(fail(format!("unknown run `{other}`"))),
        }
        ran.push(serde_json::json!({ "run": what, "seconds": t.elapsed().as_secs_f64() }));
    }
    Ok(())
}

/// Writes the time series of one run of scenario `s` into its folder, in the sweep's format.
fn write_series(
    sweep: &Sweep,
    s: &Scenario,
    out: &OutputDir,
    run: &str,
    label: &str,
    axis: &quartier_timeseries::Axis,
    flows: &quartier_sim::Flows,
) -> Result<(), ReportError> {
    crate::write_timeseries(
        &out.path(&format!("timeseries-{run}.{}", sweep.format.name())),
        sweep.format,
        axis,
        &flows.columns(),
        &[
            ("district", label.to_owned()),
            ("run", run.to_owned()),
            ("sweep", sweep.name.clone()),
            ("scenario", s.index.to_string()),
        ],
    )
}

/// One value of a results table: its text (the CSV cell) and its kind (the Parquet column's
/// type).
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Missing,
    Integer(i64),
    /// A number and its text as read.
    Number(f64, String),
    Flag(bool),
    Text(String),
    /// An exact decimal (money).
    Decimal(Decimal),
}

impl Cell {
    fn of_json(v: &Value) -> Cell {
        match v {
            Value::Null => Cell::Missing,
            Value::Bool(b) => Cell::Flag(*b),
            Value::Number(n) => match n.as_f64() {
                Some(x) => Cell::Number(x, n.to_string()),
                None => Cell::Text(n.to_string()),
            },
            Value::String(s) => Cell::Text(s.clone()),
            other => Cell::Text(other.to_string()),
        }
    }

    /// A result named `field`: money (`…_eur`, written as decimal text) is exact.
    fn of_result(field: &str, v: &Value) -> Cell {
        match v {
            Value::String(t) if field.ends_with("_eur") => t
                .parse::<Decimal>()
                .map_or_else(|_| Cell::Text(t.clone()), Cell::Decimal),
            other => Cell::of_json(other),
        }
    }

    /// A value as the sweep file writes it (TOML): a number, `true`/`false`, or text.
    fn of_toml(t: &str) -> Cell {
        match t {
            "" => Cell::Missing,
            "true" => Cell::Flag(true),
            "false" => Cell::Flag(false),
            _ => match t.parse::<f64>() {
                Ok(x) => Cell::Number(x, t.to_owned()),
                Err(_) => Cell::Text(t.to_owned()),
            },
        }
    }

    fn text(&self) -> String {
        match self {
            Cell::Missing => String::new(),
            Cell::Integer(i) => i.to_string(),
            Cell::Number(_, t) | Cell::Text(t) => t.clone(),
            Cell::Flag(b) => b.to_string(),
            Cell::Decimal(d) => d.to_string(),
        }
    }
}

/// The results of a finished scenario's folder, each JSON file read by `read`: every KPI of
/// each dispatch (`rule.self_sufficiency_rate`, …), the sizing's costs and each capacity
/// (`size.pv-ecole.pv_kwp`), the community's size and each key's totals
/// (`allocate.optimised.self_consumed_kwh`).
fn result_cells(
    read: &dyn Fn(&str) -> Result<Option<Value>, ReportError>,
) -> Result<Vec<(String, Cell)>, ReportError> {
    let mut values = Vec::new();
    for (file, prefix) in [("rule-kpis.json", "rule"), ("optimal-kpis.json", "optimal")] {
        if let Some(doc) = read(file)?
            && let Some(Value::Object(k)) = doc.get("kpis")
        {
            for (key, v) in k {
                values.push((format!("{prefix}.{key}"), Cell::of_json(v)));
            }
        }
    }
    if let Some(doc) = read("sizing.json")? {
        if let Value::Object(top) = &doc {
            for (key, v) in top {
                if v.is_number() {
                    values.push((format!("size.{key}"), Cell::of_json(v)));
                }
            }
        }
        if let Some(Value::Array(caps)) = doc.get("capacities") {
            for cap in caps {
                let (Some(comp), Some(kind)) = (
                    cap.get("component").and_then(Value::as_str),
                    cap.get("capacity").and_then(Value::as_str),
                ) else {
                    continue;
                };
                if let Some(v) = cap.get("value") {
                    values.push((format!("size.{comp}.{kind}"), Cell::of_json(v)));
                }
            }
        }
    }
    if let Some(doc) = read("allocate-kpis.json")? {
        for key in ["consumers", "producers"] {
            if let Some(v) = doc.get(key) {
                values.push((format!("allocate.{key}"), Cell::of_json(v)));
            }
        }
        if let Some(Value::Object(keys)) = doc.get("keys") {
            for (k, totals) in keys {
                let Value::Object(t) = totals else { continue };
                for (field, v) in t {
                    values.push((format!("allocate.{k}.{field}"), Cell::of_result(field, v)));
                }
            }
        }
    }
    Ok(values)
}

/// Writes the table (`names`, then `rows` of cells in that order) to `path` in `format`,
/// atomically.
fn write_table(
    path: &Path,
    names: &[String],
    rows: &[Vec<Cell>],
    format: TableFormat,
    meta: &[(&str, String)],
) -> Result<(), ReportError> {
    let bytes = match format {
        TableFormat::Csv => {
            let csv_err = |source| ReportError::Csv {
                path: path.to_path_buf(),
                source,
            };
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(names).map_err(csv_err)?;
            for row in rows {
                w.write_record(row.iter().map(Cell::text))
                    .map_err(csv_err)?;
            }
            w.into_inner().map_err(|e| ReportError::Io {
                path: path.to_path_buf(),
                source: e.into_error(),
            })?
        }
        TableFormat::Parquet => {
            let columns: Vec<crate::Column> = names
                .iter()
                .enumerate()
                .map(|(i, name)| typed_column(name, rows.iter().map(|r| &r[i])))
                .collect();
            crate::parquet_bytes(path, &columns, meta)?
        }
    };
    write_file(path, &bytes)
}

/// A column of cells: whole numbers, numbers, yes/no when every value present is one, else
/// text (a TOML string without its quotes).
fn typed_column<'a>(name: &str, cells: impl Iterator<Item = &'a Cell> + Clone) -> crate::Column {
    use crate::ColumnData;
    let present = || cells.clone().filter(|c| **c != Cell::Missing);
    let all_present = present().count() == cells.clone().count();
    let data = if all_present && present().all(|c| matches!(c, Cell::Integer(_))) {
        ColumnData::Integer(
            cells
                .map(|c| if let Cell::Integer(i) = c { *i } else { 0 })
                .collect(),
        )
    } else if present().all(|c| matches!(c, Cell::Number(..))) {
        let v: Vec<Option<f64>> = cells
            .map(|c| {
                if let Cell::Number(x, _) = c {
                    Some(*x)
                } else {
                    None
                }
            })
            .collect();
        if all_present {
            ColumnData::Number(v.into_iter().flatten().collect())
        } else {
            ColumnData::OptNumber(v)
        }
    } else if let Some(d) = decimals(cells.clone()) {
        d
    } else if present().all(|c| matches!(c, Cell::Flag(_))) {
        ColumnData::Flag(
            cells
                .map(|c| {
                    if let Cell::Flag(b) = c {
                        Some(*b)
                    } else {
                        None
                    }
                })
                .collect(),
        )
    } else {
        ColumnData::Text(
            cells
                .map(|c| match c {
                    Cell::Missing => None,
                    Cell::Text(t) => Some(unquote(t).to_owned()),
                    other => Some(other.text()),
                })
                .collect(),
        )
    };
    crate::Column {
        name: name.to_owned(),
        data,
    }
}

/// A column of exact decimals when every value present is one and fits 18 digits at the
/// largest scale among them.
fn decimals<'a>(cells: impl Iterator<Item = &'a Cell> + Clone) -> Option<crate::ColumnData> {
    let mut scale = 0;
    let mut any = false;
    for c in cells.clone() {
        match c {
            Cell::Decimal(d) => {
                scale = scale.max(d.scale());
                any = true;
            }
            Cell::Missing => {}
            _ => return None,
        }
    }
    if !any {
        return None;
    }
    let limit = 10i128.pow(18);
    let unscaled = cells
        .map(|c| match c {
            Cell::Decimal(d) => {
                let mut d = *d;
                d.rescale(scale);
                let m = d.mantissa();
                (m.abs() < limit)
                    .then(|| i64::try_from(m).ok())
                    .flatten()
                    .map(Some)
            }
            _ => Some(None),
        })
        .collect::<Option<Vec<Option<i64>>>>()?;
    Some(crate::ColumnData::Decimal { scale, unscaled })
}

/// A TOML basic string without its quotes (`"a.csv"` → `a.csv`); anything else as it is.
fn unquote(t: &str) -> &str {
    match t.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
        Some(inner) if !inner.contains(['"', '\\']) => inner,
        _ => t,
    }
}

/// What [`collect`] found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Collected {
    /// Scenarios in the sweep.
    pub scenarios: usize,
    /// Complete ones (a row with their results).
    pub done: usize,
    /// Failed ones, with the first line of their error.
    pub failed: Vec<(usize, String)>,
    /// Not run (yet).
    pub missing: Vec<usize>,
    /// The tables written: `kpis.csv`, and `kpis.parquet` in a build with Parquet.
    pub tables: Vec<PathBuf>,
}

/// Merges the results of every finished scenario of the results folder `dir` into
/// `dir/kpis.csv` and `dir/kpis.parquet` (in a build with Parquet): one row per scenario with
/// its parameters, its status (`done`, `failed`, `missing`) and, for each run, its KPIs
/// (`rule.self_sufficiency_rate`, …; sizing: its costs and each capacity,
/// `size.pv-ecole.pv_kwp`).
pub fn collect(dir: &Path) -> Result<Collected, SweepError> {
    let list = dir.join("scenarios.csv");
    if !dir.join("sweep.toml").is_file() || !list.is_file() {
        return Err(SweepError::NotResults(dir.to_path_buf()));
    }
    let list_err = |source| ReportError::Csv {
        path: list.clone(),
        source,
    };
    let mut reader = csv::Reader::from_path(&list).map_err(list_err)?;
    let head: Vec<String> = reader
        .headers()
        .map_err(list_err)?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    for r in reader.records() {
        let r = r.map_err(list_err)?;
        rows.push(
            r.iter()
                .enumerate()
                .map(|(i, cell)| match (i, cell.parse::<i64>()) {
                    (0, Ok(n)) => Cell::Integer(n),
                    (1, _) => Cell::Text(cell.to_owned()),
                    _ => Cell::of_toml(cell),
                })
                .collect(),
        );
    }
    let count = rows.len();
    let mut columns: Vec<String> = Vec::new();
    let mut results: Vec<Vec<(String, Cell)>> = Vec::with_capacity(count);
    let mut c = Collected {
        scenarios: count,
        ..Collected::default()
    };
    for i in 0..count {
        let name = scenario_name(i, count);
        let folder = dir.join(&name);
        let mut values = Vec::new();
        if is_done(dir, i, count) {
            c.done += 1;
            values.push(("status".to_owned(), Cell::Text("done".into())));
            values.extend(result_cells(&|file| read_json(&folder.join(file)))?);
        } else if let Ok(e) = std::fs::read_to_string(dir.join(format!("{name}.error.txt"))) {
            let first = e.lines().next().unwrap_or("").to_owned();
            values.push(("status".to_owned(), Cell::Text("failed".into())));
            values.push(("error".to_owned(), Cell::Text(first.clone())));
            c.failed.push((i, first));
        } else {
            values.push(("status".to_owned(), Cell::Text("missing".into())));
            c.missing.push(i);
        }
        for (k, _) in &values {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
        results.push(values);
    }
    let names: Vec<String> = head.iter().chain(&columns).cloned().collect();
    let table: Vec<Vec<Cell>> = rows
        .into_iter()
        .zip(&results)
        .map(|(mut row, values)| {
            row.resize(head.len(), Cell::Missing);
            for col in &columns {
                row.push(
                    values
                        .iter()
                        .find(|(k, _)| k == col)
                        .map_or(Cell::Missing, |(_, v)| v.clone()),
                );
            }
            row
        })
        .collect();
    let mut formats = vec![TableFormat::Csv];
    if cfg!(feature = "parquet") {
        formats.push(TableFormat::Parquet);
    }
    for format in formats {
        let path = dir.join(format!("kpis.{}", format.name()));
        write_table(&path, &names, &table, format, &[])?;
        c.tables.push(path);
    }
    Ok(c)
}

fn read_json(path: &Path) -> Result<Option<Value>, ReportError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(serde_json::from_str(&text).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ReportError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_folders_of_this_machine_s_finished_processes_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let own = std::process::id();
        let names = [
            ".scenario=0001.tmp-testhost-999999999".to_owned(),
            format!(".scenario=0002.tmp-testhost-{own}"),
            ".scenario=0003.tmp-otherhost-999999999".to_owned(),
            ".scenario=0004.tmp-testhost-999999998.old".to_owned(),
            ".district.tmp-testhost-999999999".to_owned(),
        ];
        for n in &names {
            std::fs::create_dir(dir.path().join(n)).unwrap();
            std::fs::write(dir.path().join(n).join("kpis.json"), b"{}").unwrap();
        }
        assert_eq!(remove_abandoned(dir.path(), "testhost"), 2);
        let left: Vec<bool> = names.iter().map(|n| dir.path().join(n).exists()).collect();
        assert_eq!(
            left,
            [false, true, true, false, true],
            "a live process's folder, another machine's and what is not a scenario stay"
        );
    }

    #[test]
    fn cells_keep_their_csv_text_and_their_kind() {
        assert_eq!(Cell::of_toml("200"), Cell::Number(200.0, "200".into()));
        assert_eq!(Cell::of_toml("2.5e2").text(), "2.5e2");
        assert_eq!(Cell::of_toml("true"), Cell::Flag(true));
        assert_eq!(Cell::of_toml("\"a.csv\""), Cell::Text("\"a.csv\"".into()));
        assert_eq!(Cell::of_toml(""), Cell::Missing);
        assert_eq!(Cell::of_json(&serde_json::json!(0.25)).text(), "0.25");
        assert_eq!(Cell::of_json(&Value::Null), Cell::Missing);
    }

    #[test]
    fn a_column_is_typed_by_the_values_it_holds() {
        use crate::ColumnData;
        let cells = |v: &[Cell]| typed_column("c", v.iter()).data;
        let n = |x: f64| Cell::Number(x, x.to_string());
        assert_eq!(cells(&[n(1.0), n(2.0)]), ColumnData::Number(vec![1.0, 2.0]));
        assert_eq!(
            cells(&[n(1.0), Cell::Missing]),
            ColumnData::OptNumber(vec![Some(1.0), None])
        );
        assert_eq!(
            cells(&[Cell::Integer(3), Cell::Integer(4)]),
            ColumnData::Integer(vec![3, 4])
        );
        assert_eq!(
            cells(&[Cell::Flag(true), Cell::Missing]),
            ColumnData::Flag(vec![Some(true), None])
        );
        assert_eq!(
            cells(&[Cell::Text("\"a.csv\"".into()), n(2.0), Cell::Missing]),
            ColumnData::Text(vec![Some("a.csv".into()), Some("2".into()), None]),
            "mixed values are text, a TOML string unquoted"
        );
        let d = |t: &str| Cell::Decimal(t.parse().unwrap());
        assert_eq!(
            cells(&[d("12.5"), d("3.1234"), Cell::Missing]),
            ColumnData::Decimal {
                scale: 4,
                unscaled: vec![Some(125_000), Some(31_234), None]
            },
            "money keeps every digit, at the largest scale"
        );
        assert_eq!(
            Cell::of_result("consumer_bills_eur", &serde_json::json!("1234.5600")).text(),
            "1234.5600"
        );
        assert_eq!(
            Cell::of_result("surplus_kwh", &serde_json::json!(2.5)),
            Cell::Number(2.5, "2.5".into())
        );
    }
}

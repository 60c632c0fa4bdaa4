//! A sweep's results folder: its scenarios run one by one into it, and collected into one
//! table. Shared by `quartier sweep` on one machine and by the array tasks of a cluster
//! scheduler (each task runs its scenarios into the same folder).
//!
//! ```text
//! DIR/sweep.toml                  the sweep file, as given (the folder's identity)
//! DIR/scenarios.csv               scenario, district, one column per parameter
//! DIR/scenario=0007/district.toml the scenario's whole district file: rerun it alone
//! DIR/scenario=0007/rule-kpis.json, optimal-kpis.json, sizing.json
//! DIR/scenario=0007/done.json     what ran and how long: the scenario is complete
//! DIR/scenario=0007.error.txt     why it failed (removed when it succeeds)
//! DIR/kpis.csv                    [`collect`]: one row per scenario
//! ```
//!
//! A scenario's folder is written into a hidden temporary folder and renamed into place when
//! everything is in it ([`crate::OutputDir`]), so a scenario folder exists only complete: an
//! interrupted sweep leaves finished scenarios intact and no half-written one, and a rerun
//! skips what exists. A folder made by another sweep file is refused before anything is
//! written.

use std::path::{Path, PathBuf};
use std::time::Instant;

use quartier_model::{Scenario, Sweep};
use quartier_optim::lp::Clarabel;
use quartier_optim::sizing::{Target, size};
use quartier_optim::{DispatchConfig, dispatch};
use quartier_sim::RuleConfig;
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
/// `scenarios.csv`. A folder of another sweep file is refused, nothing written.
pub fn prepare(sweep: &Sweep, dir: &Path) -> Result<(), SweepError> {
    let own = dir.join("sweep.toml");
    match std::fs::read_to_string(&own) {
        Ok(text) if text == sweep.text => return Ok(()),
        Ok(_) => {
            return Err(SweepError::OtherSweep {
                dir: dir.to_path_buf(),
                file: sweep.file.clone(),
            });
        }
        Err(_) => {}
    }
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut csv = String::from("scenario,district");
    for p in &sweep.parameters {
        csv.push(',');
        csv.push_str(&csv_cell(p));
    }
    csv.push('\n');
    for s in &sweep.scenarios {
        csv.push_str(&format!(
            "{},{}",
            s.index,
            csv_cell(&district_label(sweep, s))
        ));
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
    Ok(())
}

fn district_label(sweep: &Sweep, s: &Scenario) -> String {
    sweep
        .districts
        .get(s.district)
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

/// Runs scenario `index` of `sweep` into `dir` (prepared): its district file, then what the
/// sweep runs (`rule`, `optimal`, `size`), then `done.json`, all at once. Gives the seconds
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
    let (text, mut district, sources) = sweep
        .scenario_district(s)
        .map_err(|e| fail(e.to_string()))?;
    let out = OutputDir::create(target)?;
    out.write("district.toml", text.as_bytes())?;
    if let Some(days) = sweep.days {
        crate::sizing::keep_first_days(&mut district, days).map_err(|e| fail(e.to_string()))?;
    }
    let data = quartier_model::load(&district, &sources).map_err(|e| fail(e.to_string()))?;
    let inputs = quartier_sim::assemble(&district, &data).map_err(|e| fail(e.to_string()))?;
    let label = district.site.name.clone();
    let mut ran = Vec::new();
    for what in &sweep.run {
        let t = Instant::now();
        match what.as_str() {
            "rule" => {
                let flows = quartier_sim::simulate(&inputs, &RuleConfig::default(), &mut |_, _| {})
                    .map_err(|e| fail(format!("simulation: {e}")))?;
                let kpis = quartier_sim::account(&inputs, &flows)
                    .map_err(|e| fail(format!("accounting pass: {e}")))?;
                out.write(
                    "rule-kpis.json",
                    kpis_json(&label, &inputs.axis, &kpis).as_bytes(),
                )?;
            }
            "optimal" => {
                let d = dispatch(&inputs, &DispatchConfig::default(), &Clarabel::default())
                    .map_err(|e| fail(format!("optimal dispatch: {e}")))?;
                out.write(
                    "optimal-kpis.json",
                    kpis_json(&label, &inputs.axis, &d.kpis).as_bytes(),
                )?;
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
                out.write("sizing.json", json.as_bytes())?;
            }
            other => return Err(fail(format!("unknown run `{other}`"))),
        }
        ran.push(serde_json::json!({ "run": what, "seconds": t.elapsed().as_secs_f64() }));
    }
    let done = serde_json::json!({
        "scenario": s.index,
        "district": district_label(sweep, s),
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
    /// The table written.
    pub table: PathBuf,
}

/// Merges the results of every finished scenario of the results folder `dir` into
/// `dir/kpis.csv`: one row per scenario with its parameters, its status (`done`, `failed`,
/// `missing`) and, for each run, its KPIs (`rule.self_sufficiency_rate`, …; sizing: its
/// costs and each capacity, `size.pv-ecole.pv_kwp`).
pub fn collect(dir: &Path) -> Result<Collected, SweepError> {
    let list = dir.join("scenarios.csv");
    if !dir.join("sweep.toml").is_file() || !list.is_file() {
        return Err(SweepError::NotResults(dir.to_path_buf()));
    }
    let mut reader = csv::Reader::from_path(&list).map_err(|source| ReportError::Csv {
        path: list.clone(),
        source,
    })?;
    let head: Vec<String> = reader
        .headers()
        .map_err(|source| ReportError::Csv {
            path: list.clone(),
            source,
        })?
        .iter()
        .map(str::to_owned)
        .collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|source| ReportError::Csv {
            path: list.clone(),
            source,
        })?;
        rows.push(r.iter().map(str::to_owned).collect());
    }
    let count = rows.len();
    let mut columns: Vec<String> = Vec::new();
    let mut results: Vec<Vec<(String, String)>> = Vec::with_capacity(count);
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
            values.push(("status".to_owned(), "done".to_owned()));
            for (file, prefix) in [("rule-kpis.json", "rule"), ("optimal-kpis.json", "optimal")] {
                if let Some(doc) = read_json(&folder.join(file))? {
                    if let Some(Value::Object(k)) = doc.get("kpis") {
                        for (key, v) in k {
                            values.push((format!("{prefix}.{key}"), scalar(v)));
                        }
                    }
                }
            }
            if let Some(doc) = read_json(&folder.join("sizing.json"))? {
                if let Value::Object(top) = &doc {
                    for (key, v) in top {
                        if v.is_number() {
                            values.push((format!("size.{key}"), scalar(v)));
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
                            values.push((format!("size.{comp}.{kind}"), scalar(v)));
                        }
                    }
                }
            }
        } else if let Ok(e) = std::fs::read_to_string(dir.join(format!("{name}.error.txt"))) {
            let first = e.lines().next().unwrap_or("").to_owned();
            values.push(("status".to_owned(), "failed".to_owned()));
            values.push(("error".to_owned(), first.clone()));
            c.failed.push((i, first));
        } else {
            values.push(("status".to_owned(), "missing".to_owned()));
            c.missing.push(i);
        }
        for (k, _) in &values {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
        results.push(values);
    }
    let table = dir.join("kpis.csv");
    let mut w = csv::Writer::from_writer(Vec::new());
    let header: Vec<&str> = head
        .iter()
        .map(String::as_str)
        .chain(columns.iter().map(String::as_str))
        .collect();
    let csv_err = |source| ReportError::Csv {
        path: table.clone(),
        source,
    };
    w.write_record(&header).map_err(csv_err)?;
    for (row, values) in rows.iter().zip(&results) {
        let mut record = row.clone();
        for col in &columns {
            record.push(
                values
                    .iter()
                    .find(|(k, _)| k == col)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
            );
        }
        w.write_record(&record).map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(|e| ReportError::Io {
        path: table.clone(),
        source: e.into_error(),
    })?;
    write_file(&table, &bytes)?;
    c.table = table;
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

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

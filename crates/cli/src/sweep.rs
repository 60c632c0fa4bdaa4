//! `quartier sweep SWEEP.toml --out DIR [--jobs N]`: every scenario of a sweep file, on every
//! core, resumable; `quartier sweep run` one scenario (or a block) as an array task of a
//! cluster scheduler; `quartier sweep slurm` / `k8s` write the array job; `quartier sweep
//! collect DIR` merges the results into `DIR/kpis.csv`. The results folder's layout and its
//! atomicity are `quartier_report::sweep`'s.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::{Context, bail};
use indicatif::ProgressBar;
use quartier_model::{ScenarioCheck, Sweep};
use quartier_report::sweep::{Collected, collect, is_done, prepare, run_scenario, scenario_name};

use crate::Outcome;
use crate::run::{Ui, reported};

#[derive(clap::Args, Debug)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SweepArgs {
    #[command(subcommand)]
    pub command: Option<SweepCommand>,
    /// The sweep file.
    pub file: Option<PathBuf>,
    /// The results folder (created; a rerun finishes what is missing).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Scenarios run at once (each holds one district in memory).
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
}

#[derive(clap::Subcommand, Debug)]
pub enum SweepCommand {
    /// Run one scenario, or a block of them, into the results folder (an array task): the
    /// index is --task, else SLURM_ARRAY_TASK_ID, else JOB_COMPLETION_INDEX.
    Run(RunArgs),
    /// Write a Slurm array job script (sbatch) that runs every scenario.
    Slurm(SlurmArgs),
    /// Write a Kubernetes Indexed Job manifest that runs every scenario.
    K8s(K8sArgs),
    /// Merge the results of every finished scenario into DIR/kpis.csv.
    Collect(CollectArgs),
}

#[derive(clap::Args, Debug)]
pub struct RunArgs {
    /// The sweep file.
    pub file: PathBuf,
    /// The results folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Task index (default: SLURM_ARRAY_TASK_ID, then JOB_COMPLETION_INDEX).
    #[arg(long)]
    pub task: Option<usize>,
    /// Scenarios per task: task I runs scenarios I×block … I×block + block − 1.
    #[arg(long, default_value_t = 1)]
    pub block: usize,
}

#[derive(clap::Args, Debug)]
pub struct SlurmArgs {
    /// The sweep file.
    pub file: PathBuf,
    /// The results folder (on a file system every node sees).
    #[arg(long)]
    pub out: PathBuf,
    /// Scenarios per array task.
    #[arg(long, default_value_t = 1)]
    pub block: usize,
    /// At most this many tasks at once (`--array=0-N%throttle`).
    #[arg(long)]
    pub throttle: Option<usize>,
    /// Time limit of each task (Slurm's `--time`).
    #[arg(long, default_value = "01:00:00")]
    pub time: String,
    /// Memory of each task, MB (Slurm's `--mem`).
    #[arg(long, default_value_t = 2000)]
    pub mem_mb: u32,
    /// Slurm partition.
    #[arg(long)]
    pub partition: Option<String>,
}

#[derive(clap::Args, Debug)]
pub struct K8sArgs {
    /// The sweep file (its path as the pods see it: mount the same volume).
    pub file: PathBuf,
    /// The results folder (a volume every pod mounts at the same path).
    #[arg(long)]
    pub out: PathBuf,
    /// Container image with `quartier` on its PATH.
    #[arg(long)]
    pub image: String,
    /// Scenarios per pod.
    #[arg(long, default_value_t = 1)]
    pub block: usize,
    /// Pods at once.
    #[arg(long, default_value_t = 10)]
    pub parallelism: usize,
    /// Name of the PersistentVolumeClaim holding the sweep file and the results.
    #[arg(long, default_value = "quartier-sweep")]
    pub claim: String,
}

#[derive(clap::Args, Debug)]
pub struct CollectArgs {
    /// The results folder.
    pub dir: PathBuf,
}

pub fn run(args: &SweepArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    match &args.command {
        Some(SweepCommand::Run(a)) => run_task(a, ui),
        Some(SweepCommand::Slurm(a)) => slurm(a, ui),
        Some(SweepCommand::K8s(a)) => k8s(a, ui),
        Some(SweepCommand::Collect(a)) => {
            let c = collect(&a.dir)?;
            say_collected(ui, &c);
            Ok(outcome_of(&c))
        }
        None => {
            let (Some(file), Some(out)) = (&args.file, &args.out) else {
                bail!(
                    "give a sweep file and a results folder: quartier sweep SWEEP.toml --out DIR \
                     (or one of: run, slurm, k8s, collect)"
                );
            };
            run_all(file, out, args.jobs, ui)
        }
    }
}

/// Reads and checks the sweep file and its scenarios as `check` says (every problem
/// printed), then prepares the folder.
fn open(file: &Path, out: &Path, check: ScenarioCheck) -> anyhow::Result<Option<Sweep>> {
    let Some(sweep) = reported(quartier_model::read_sweep_with(file, check)) else {
        return Ok(None);
    };
    let removed = prepare(&sweep, out)?;
    if removed > 0 {
        eprintln!(
            "note: removed {removed} unfinished scenario folder(s) of {} left by a run that was \
             killed",
            out.display()
        );
    }
    Ok(Some(sweep))
}

fn run_all(file: &Path, out: &Path, jobs: usize, ui: &Ui) -> anyhow::Result<Outcome> {
    if jobs == 0 {
        bail!("--jobs 0 runs nothing: give at least 1");
    }
    let Some(sweep) = open(file, out, ScenarioCheck::Every)? else {
        return Ok(Outcome::InvalidDistrict);
    };
    let count = sweep.scenarios.len();
    let todo: Vec<usize> = (0..count).filter(|&i| !is_done(out, i, count)).collect();
    ui.say(&format!(
        "{}: {count} scenarios, {} already done, {} to run on {jobs} job{}",
        sweep.name,
        count - todo.len(),
        todo.len(),
        if jobs == 1 { "" } else { "s" }
    ));
    let pb = progress(ui, todo.len() as u64);
    let next = AtomicUsize::new(0);
    let failures: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(todo.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&i) = todo.get(k) else { break };
                    if let Err(e) = run_scenario(&sweep, out, i)
                        && let Ok(mut f) = failures.lock()
                    {
                        f.push((i, e.to_string()));
                    }
                    pb.inc(1);
                }
            });
        }
    });
    pb.finish_and_clear();
    let mut failed = failures.into_inner().unwrap_or_default();
    failed.sort();
    for (i, e) in &failed {
        eprintln!("error: {}: {e}", scenario_name(*i, count));
    }
    let c = collect(out)?;
    say_collected(ui, &c);
    Ok(outcome_of(&c))
}

/// The sweep's progress: scenarios done and the time left.
fn progress(ui: &Ui, len: u64) -> ProgressBar {
    let pb = ui.bar(
        len,
        "scenarios [{bar:40}] {pos}/{len} ({elapsed}, about {eta} left)",
    );
    pb.enable_steady_tick(Duration::from_millis(500));
    pb
}

fn say_collected(ui: &Ui, c: &Collected) {
    ui.say(&format!(
        "{} of {} scenarios done, {} failed, {} not run; {}: {}",
        c.done,
        c.scenarios,
        c.failed.len(),
        c.missing.len(),
        if c.tables.len() == 1 {
            "table"
        } else {
            "tables"
        },
        c.tables
            .iter()
            .map(|t| t.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    for (i, e) in c.failed.iter().take(10) {
        eprintln!("failed: {}: {e}", scenario_name(*i, c.scenarios));
    }
}

fn outcome_of(c: &Collected) -> Outcome {
    if c.failed.is_empty() {
        Outcome::Success
    } else {
        Outcome::Differences
    }
}

/// The task index: `--task`, else the scheduler's.
fn task_index(task: Option<usize>) -> anyhow::Result<usize> {
    if let Some(t) = task {
        return Ok(t);
    }
    for var in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] {
        if let Ok(v) = std::env::var(var) {
            return v
                .trim()
                .parse()
                .with_context(|| format!("{var}={v} is not a task index (a whole number from 0)"));
        }
    }
    bail!(
        "no task index: give --task I, or run it as an array task (SLURM_ARRAY_TASK_ID, or \
         a Kubernetes Indexed Job's JOB_COMPLETION_INDEX)"
    )
}

fn tasks(count: usize, block: usize) -> usize {
    count.div_ceil(block.max(1))
}

fn run_task(a: &RunArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    if a.block == 0 {
        bail!("--block 0 runs nothing: give at least 1");
    }
    let task = task_index(a.task)?;
    // The study was checked whole when the array job was written: a task checks its own
    // scenarios as it runs them (run_scenario).
    let Some(sweep) = open(&a.file, &a.out, ScenarioCheck::SweepFileOnly)? else {
        return Ok(Outcome::InvalidDistrict);
    };
    let count = sweep.scenarios.len();
    let n = tasks(count, a.block);
    if task >= n {
        bail!(
            "task {task} is out of range: this sweep has {count} scenarios, {n} task{} of {} \
             (0 to {})",
            if n == 1 { "" } else { "s" },
            a.block,
            n.saturating_sub(1)
        );
    }
    let mut failed = 0;
    for i in task * a.block..((task + 1) * a.block).min(count) {
        let name = scenario_name(i, count);
        if is_done(&a.out, i, count) {
            ui.say(&format!("{name}: done already"));
            continue;
        }
        match run_scenario(&sweep, &a.out, i) {
            Ok(s) => ui.say(&format!("{name}: done in {s:.1} s")),
            Err(e) => {
                eprintln!("error: {name}: {e}");
                failed += 1;
            }
        }
    }
    if failed > 0 {
        bail!("{failed} scenario(s) of task {task} failed (see the *.error.txt files)");
    }
    Ok(Outcome::Success)
}

fn exe() -> String {
    std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "quartier".into())
}

fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(p).with_context(|| format!("{}: cannot make it absolute", p.display()))
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn slurm(a: &SlurmArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    if a.block == 0 || a.throttle == Some(0) {
        bail!("--block and --throttle take at least 1");
    }
    let Some(sweep) = open(&a.file, &a.out, ScenarioCheck::Every)? else {
        return Ok(Outcome::InvalidDistrict);
    };
    let (file, out) = (absolute(&a.file)?, absolute(&a.out)?);
    let n = tasks(sweep.scenarios.len(), a.block);
    let throttle = a.throttle.map(|t| format!("%{t}")).unwrap_or_default();
    let partition = a
        .partition
        .as_ref()
        .map(|p| format!("#SBATCH --partition={p}\n"))
        .unwrap_or_default();
    let logs = out.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;
    let script = format!(
        "#!/bin/bash\n\
         # Quartier sweep \"{name}\": {count} scenarios in {n} array tasks of {block}.\n\
         # Submit: sbatch {script}\n\
         # Then:   {exe} sweep collect {out_q}\n\
         #SBATCH --job-name=quartier-{slug}\n\
         #SBATCH --array=0-{last}{throttle}\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --cpus-per-task=1\n\
         #SBATCH --mem={mem}M\n\
         #SBATCH --time={time}\n\
         #SBATCH --output={logs}/task-%a.out\n\
         {partition}\
         set -euo pipefail\n\
         exec {exe_q} -q sweep run {file_q} --out {out_q} --block {block} --task \"$SLURM_ARRAY_TASK_ID\"\n",
        name = sweep.name,
        count = sweep.scenarios.len(),
        block = a.block,
        script = out.join("sweep.sbatch").display(),
        exe = exe(),
        exe_q = shell_quote(&exe()),
        slug = sweep
            .name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>(),
        last = n.saturating_sub(1),
        mem = a.mem_mb,
        time = a.time,
        logs = logs.display(),
        file_q = shell_quote(&file.display().to_string()),
        out_q = shell_quote(&out.display().to_string()),
    );
    let path = out.join("sweep.sbatch");
    std::fs::write(&path, script).with_context(|| format!("writing {}", path.display()))?;
    ui.say(&format!(
        "{}: {n} array tasks; submit with: sbatch {}",
        sweep.name,
        path.display()
    ));
    Ok(Outcome::Success)
}

/// The Indexed Job: one completion per block of scenarios, the index in JOB_COMPLETION_INDEX.
const K8S_JOB: &str = r#"# Quartier sweep "{name}": {count} scenarios in {n} indexed completions of {block}.
# The sweep file, its districts and {out} must be on the volume {claim}, mounted at {mount}
# in every pod. Apply: kubectl apply -f {path}
apiVersion: batch/v1
kind: Job
metadata:
  name: quartier-{slug}
spec:
  completionMode: Indexed
  completions: {n}
  parallelism: {parallelism}
  backoffLimitPerIndex: 1
  maxFailedIndexes: {n}
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: scenario
        image: {image}
        command: ["quartier", "-q", "sweep", "run", "{file}", "--out", "{out}", "--block", "{block}"]
        volumeMounts:
        - name: sweep
          mountPath: {mount}
      volumes:
      - name: sweep
        persistentVolumeClaim:
          claimName: {claim}
"#;

fn k8s(a: &K8sArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    if a.block == 0 || a.parallelism == 0 {
        bail!("--block and --parallelism take at least 1");
    }
    let Some(sweep) = open(&a.file, &a.out, ScenarioCheck::Every)? else {
        return Ok(Outcome::InvalidDistrict);
    };
    let (file, out) = (absolute(&a.file)?, absolute(&a.out)?);
    let n = tasks(sweep.scenarios.len(), a.block);
    let slug: String = sweep
        .name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mount = out
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "/".into());
    let path = out.join("sweep-job.yaml");
    let yaml = [
        ("{name}", sweep.name.clone()),
        ("{count}", sweep.scenarios.len().to_string()),
        ("{n}", n.to_string()),
        ("{block}", a.block.to_string()),
        ("{out}", out.display().to_string()),
        ("{file}", file.display().to_string()),
        ("{claim}", a.claim.clone()),
        ("{mount}", mount),
        ("{path}", path.display().to_string()),
        ("{parallelism}", a.parallelism.to_string()),
        ("{image}", a.image.clone()),
        ("{slug}", slug),
    ]
    .iter()
    .fold(K8S_JOB.to_owned(), |t, (k, v)| t.replace(k, v));
    std::fs::write(&path, yaml).with_context(|| format!("writing {}", path.display()))?;
    ui.say(&format!(
        "{}: an Indexed Job of {n} completions; apply with: kubectl apply -f {}",
        sweep.name,
        path.display()
    ));
    Ok(Outcome::Success)
}

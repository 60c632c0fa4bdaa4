//! End-to-end tests of `quartier sweep`: a grid of Meudon scenarios on two jobs, resumed
//! after it is killed with the same results and nothing recomputed, array tasks by index, the
//! scheduler files, and bad input refused with nothing overwritten.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

mod common;

use common::{examples, quartier, stderr, stdout};

/// A sweep of Meudon's first `days` days: PV of the school × battery energy, rule and optimal
/// dispatch; written in `dir`.
fn study(dir: &Path, days: u32, pv: &str, battery: &str) -> PathBuf {
    let file = dir.join("study.toml");
    let district = examples().join("meudon-la-foret.toml");
    std::fs::write(
        &file,
        format!(
            "name = \"meudon-pv\"\ndistricts = [\"{}\"]\nrun = [\"rule\", \"optimal\"]\n\
             days = {days}\n\n[grid]\n\"pv[\\\"pv-ecole\\\"].kwp\" = [{pv}]\n\
             \"batteries[0].energy_kwh\" = [{battery}]\n",
            district.display()
        ),
    )
    .unwrap();
    file
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn modified(p: &Path) -> SystemTime {
    std::fs::metadata(p).unwrap().modified().unwrap()
}

#[test]
fn a_sweep_runs_on_two_jobs_resumes_after_a_kill_and_recomputes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = study(dir.path(), 7, "36, 60, 100", "20, 50, 80");
    // Reference: the whole sweep in one go, on two jobs.
    let whole = dir.path().join("whole");
    let o = quartier(&["sweep", s(&file), "--out", s(&whole), "--jobs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("9 of 9 scenarios done"),
        "{}",
        stdout(&o)
    );
    let table = std::fs::read_to_string(whole.join("kpis.csv")).unwrap();
    assert_eq!(table.lines().count(), 10);
    let head = table.lines().next().unwrap();
    assert!(head.starts_with(
        "scenario,district,\"pv[\"\"pv-ecole\"\"].kwp\",batteries[0].energy_kwh,status"
    ));
    assert!(head.contains("rule.self_sufficiency_rate") && head.contains("optimal.cost_eur"));
    // Each scenario's district file reads alone, with its values.
    let d = std::fs::read_to_string(whole.join("scenario=0005/district.toml")).unwrap();
    assert!(
        d.contains("kwp = 60") && d.contains("energy_kwh = 80"),
        "{d}"
    );
    let o = quartier(&["check", s(&whole.join("scenario=0005/district.toml"))]);
    assert!(o.status.success(), "{}", stderr(&o));

    // Killed part-way, then the same command again.
    let resumed = dir.path().join("resumed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_quartier"))
        .args(["-q", "sweep", s(&file), "--out", s(&resumed)])
        .spawn()
        .unwrap();
    // Wait for the first finished scenario, then kill.
    let first = resumed.join("scenario=0000/done.json");
    for _ in 0..600 {
        if first.is_file() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(first.is_file(), "no scenario finished before the kill");
    // No half-written scenario: every scenario folder is complete.
    let finished: Vec<PathBuf> = std::fs::read_dir(&resumed)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.is_dir()
                && p.file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .starts_with("scenario=")
        })
        .collect();
    for f in &finished {
        assert!(
            f.join("done.json").is_file(),
            "{} is incomplete",
            f.display()
        );
    }
    assert!(finished.len() < 9, "the sweep ended before the kill");
    let before: Vec<SystemTime> = finished
        .iter()
        .map(|f| modified(&f.join("done.json")))
        .collect();
    let o = quartier(&["sweep", s(&file), "--out", s(&resumed), "--jobs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!("{} already done", finished.len())),
        "{}",
        stdout(&o)
    );
    // Nothing finished was recomputed, and the results are the same as in one go.
    for (f, t) in finished.iter().zip(&before) {
        assert_eq!(
            modified(&f.join("done.json")),
            *t,
            "{} was recomputed",
            f.display()
        );
    }
    assert_eq!(
        std::fs::read_to_string(resumed.join("kpis.csv")).unwrap(),
        table
    );
    // The unfinished folder the kill left (`.scenario=NNNN.tmp-HOST-PID`) is gone.
    let hidden: Vec<String> = std::fs::read_dir(&resumed)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".scenario="))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}

#[test]
fn array_tasks_run_by_index_and_the_scheduler_files_say_how() {
    let dir = tempfile::tempdir().unwrap();
    let file = study(dir.path(), 2, "36, 100", "20, 80");
    let out = dir.path().join("out");
    // Task 1 of blocks of 3: scenario 3 only (4 scenarios).
    let o = Command::new(env!("CARGO_BIN_EXE_quartier"))
        .args(["sweep", "run", s(&file), "--out", s(&out), "--block", "3"])
        .env("SLURM_ARRAY_TASK_ID", "1")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.join("scenario=0003/done.json").is_file());
    assert!(!out.join("scenario=0000").exists());
    // A Kubernetes index the same way; then collect says what is missing.
    let o = Command::new(env!("CARGO_BIN_EXE_quartier"))
        .args(["sweep", "run", s(&file), "--out", s(&out)])
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env("JOB_COMPLETION_INDEX", "0")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = quartier(&["sweep", "collect", s(&out)]);
    assert!(
        stdout(&o).contains("2 of 4 scenarios done, 0 failed, 2 not run"),
        "{}",
        stdout(&o)
    );
    let table = std::fs::read_to_string(out.join("kpis.csv")).unwrap();
    assert!(
        table.lines().nth(2).unwrap().contains(",missing"),
        "{table}"
    );
    // Out of range: refused.
    let o = quartier(&["sweep", "run", s(&file), "--out", s(&out), "--task", "4"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("task 4 is out of range: this sweep has 4 scenarios"),
        "{}",
        stderr(&o)
    );
    // The Slurm script and the Indexed Job.
    let o = quartier(&[
        "sweep",
        "slurm",
        s(&file),
        "--out",
        s(&out),
        "--throttle",
        "2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let sbatch = std::fs::read_to_string(out.join("sweep.sbatch")).unwrap();
    assert!(sbatch.contains("#SBATCH --array=0-3%2"), "{sbatch}");
    assert!(sbatch.contains("sweep run") && sbatch.contains("$SLURM_ARRAY_TASK_ID"));
    let o = quartier(&[
        "sweep",
        "k8s",
        s(&file),
        "--out",
        s(&out),
        "--image",
        "quartier:1",
        "--block",
        "2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let job = std::fs::read_to_string(out.join("sweep-job.yaml")).unwrap();
    assert!(
        job.contains("completionMode: Indexed") && job.contains("completions: 2"),
        "{job}"
    );
}

#[test]
fn bad_input_is_refused_and_nothing_is_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let file = study(dir.path(), 2, "36", "20");
    let out = dir.path().join("out");
    let o = quartier(&["sweep", s(&file), "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let kept = std::fs::read_to_string(out.join("kpis.csv")).unwrap();
    // Another sweep file on the same folder.
    let sub = dir.path().join("other");
    std::fs::create_dir(&sub).unwrap();
    let other = study(&sub, 2, "36, 50", "20");
    let o = quartier(&["sweep", s(&other), "--out", s(&out)]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("holds the results of another sweep file"),
        "{}",
        stderr(&o)
    );
    assert_eq!(std::fs::read_to_string(out.join("kpis.csv")).unwrap(), kept);
    // A value out of bounds: FILE:LINE:COL in the sweep file, exit 3, nothing run.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&other)
            .unwrap()
            .replace("[36, 50]", "[36, -50]"),
    )
    .unwrap();
    let fresh = dir.path().join("fresh");
    let o = quartier(&["sweep", s(&bad), "--out", s(&fresh)]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains(&format!("{}:7:", bad.display()))
            && stderr(&o).contains("scenario 1: -50 kWp is out of range"),
        "{}",
        stderr(&o)
    );
    assert!(!fresh.exists());
    // An array task checks its own scenario, with the same place in the sweep file.
    let o = quartier(&["sweep", "run", s(&bad), "--out", s(&fresh), "--task", "1"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains(&format!("{}:7:", bad.display()))
            && stderr(&o).contains("scenario 1: -50 kWp is out of range"),
        "{}",
        stderr(&o)
    );
    assert!(!fresh.join("scenario=0001").exists());
}

/// The rows of a results table (`kpis.csv`) by column name.
fn rows(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let (head, rows) = common::csv_table(path);
    rows.into_iter()
        .map(|r| head.iter().cloned().zip(r).collect())
        .collect()
}

fn num(row: &std::collections::HashMap<String, String>, column: &str) -> f64 {
    row.get(column)
        .unwrap_or_else(|| panic!("no column {column}"))
        .parse()
        .unwrap_or_else(|e| panic!("{column}: {e}"))
}

#[test]
fn a_community_is_allocated_on_each_scenario_s_curves_then_swept_on_its_own_file() {
    let dir = tempfile::tempdir().unwrap();
    // The example: the school's PV at three sizes, the community allocated on each
    // simulation's member curves with its own key and the optimised key.
    let pv = dir.path().join("pv");
    let o = quartier(&[
        "sweep",
        s(&examples().join("sweeps/meudon-community.toml")),
        "--out",
        s(&pv),
        "--jobs",
        "2",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("3 of 3 scenarios done"),
        "{}",
        stdout(&o)
    );
    let r = rows(&pv.join("kpis.csv"));
    assert_eq!(r.len(), 3);
    for w in r.windows(2) {
        // More PV on the school: more energy shared, smaller bills for the consumers.
        assert!(
            num(&w[1], "allocate.file.self_consumed_kwh")
                > num(&w[0], "allocate.file.self_consumed_kwh")
        );
        assert!(
            num(&w[1], "allocate.file.consumer_bills_eur")
                < num(&w[0], "allocate.file.consumer_bills_eur")
        );
    }
    for row in &r {
        // The optimised key never costs the consumers more than the file's; shared energy
        // never exceeds what the producers made.
        assert!(
            num(row, "allocate.optimised.consumer_bills_eur")
                <= num(row, "allocate.file.consumer_bills_eur")
        );
        assert!(
            num(row, "allocate.file.self_consumed_kwh")
                <= num(row, "allocate.file.production_kwh") + 1e-9
        );
        // Money is written exactly, as decimal text to the cent.
        let bills = &row["allocate.file.consumer_bills_eur"];
        let cents = bills.split_once('.').map_or(0, |(_, c)| c.len());
        assert!(cents <= 2 && !bills.contains('e'), "{bills}");
        assert_eq!(row["allocate.consumers"], "40");
    }
    // A scenario's community file, with the curves it was allocated on, reruns alone.
    let again = dir.path().join("again");
    let o = quartier(&[
        "-q",
        "share",
        "allocate",
        s(&pv.join("scenario=0001/community.toml")),
        "--out",
        s(&again),
        "--statements",
        "none",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let allocation = std::fs::read_to_string(again.join("allocation.csv")).unwrap();
    let mut lines = allocation.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = head.iter().position(|h| *h == "allocated_kwh").unwrap();
    let shared: f64 = lines
        .map(|l| l.split(',').nth(col).unwrap().parse::<f64>().unwrap_or(0.0))
        .sum();
    let swept = num(&r[1], "allocate.file.self_consumed_kwh");
    assert!(
        (shared - swept).abs() < 1e-6 * swept,
        "rerun alone {shared} kWh, in the sweep {swept} kWh"
    );

    // That community file as the base of a sweep of prices.
    let prices = dir.path().join("prices.toml");
    std::fs::write(
        &prices,
        format!(
            "communities = [\"{}\"]\nkeys = [\"file\", \"optimised\"]\n[grid]\n\
             \"prices.local_eur_per_kwh\" = [0.08, 0.12]\n",
            pv.join("scenario=0000/community.toml").display()
        ),
    )
    .unwrap();
    let out = dir.path().join("prices");
    let o = quartier(&["sweep", s(&prices), "--out", s(&out)]);
    assert!(o.status.success(), "{}", stderr(&o));
    let p = rows(&out.join("kpis.csv"));
    assert_eq!(p.len(), 2);
    assert_eq!(p[0]["community"], "community.toml");
    assert_eq!(
        num(&p[0], "allocate.file.self_consumed_kwh"),
        num(&p[1], "allocate.file.self_consumed_kwh"),
        "the price moves money, not energy"
    );
    assert!(
        num(&p[1], "allocate.file.consumer_bills_eur")
            > num(&p[0], "allocate.file.consumer_bills_eur")
    );
    assert_eq!(
        p[0]["allocate.file.self_consumed_kwh"], r[0]["allocate.file.self_consumed_kwh"],
        "the same curves share the same energy"
    );
    let c = std::fs::read_to_string(out.join("scenario=0001/community.toml")).unwrap();
    assert!(c.contains("local_eur_per_kwh = 0.12"), "{c}");

    // What only districts run, on communities: refused at its place, nothing written.
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        std::fs::read_to_string(&prices)
            .unwrap()
            .replace("keys =", "run = [\"rule\"]\nkeys ="),
    )
    .unwrap();
    let fresh = dir.path().join("fresh");
    let o = quartier(&["sweep", s(&bad), "--out", s(&fresh)]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains(&format!(
            "{}:2:7: run: a sweep of community files runs `allocate` only",
            bad.display()
        )),
        "{}",
        stderr(&o)
    );
    assert!(!fresh.exists());
}

/// Slurm answers here (`sinfo`); with QUARTIER_REQUIRE_SLURM=1 (CI, after `.ci/slurm.sh`) it
/// must, otherwise the test is skipped with a reason.
fn slurm_available() -> bool {
    let up = Command::new("sinfo")
        .args(["-h", "-o", "%T"])
        .output()
        .is_ok_and(|o| o.status.success() && !o.stdout.is_empty());
    if !up {
        assert!(
            std::env::var("QUARTIER_REQUIRE_SLURM").as_deref() != Ok("1"),
            "QUARTIER_REQUIRE_SLURM=1 but Slurm does not answer: start it with .ci/slurm.sh"
        );
        eprintln!("skipped: no Slurm here (sinfo does not answer; .ci/slurm.sh starts one)");
    }
    up
}

#[test]
fn a_sweep_runs_as_a_slurm_array_job_with_the_same_results_as_locally() {
    if !slurm_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = study(dir.path(), 3, "36, 100", "20, 50, 80");
    let local = dir.path().join("local");
    let o = quartier(&["-q", "sweep", s(&file), "--out", s(&local), "--jobs", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let cluster = dir.path().join("cluster");
    let o = quartier(&[
        "sweep",
        "slurm",
        s(&file),
        "--out",
        s(&cluster),
        "--block",
        "2",
        "--throttle",
        "2",
        "--mem-mb",
        "1000",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // sbatch --wait returns when every task ended, non-zero if any failed.
    let o = Command::new("sbatch")
        .args(["--wait", s(&cluster.join("sweep.sbatch"))])
        .output()
        .unwrap();
    let logs: String = (0..3)
        .map(|t| {
            std::fs::read_to_string(cluster.join(format!("logs/task-{t}.out"))).unwrap_or_default()
        })
        .collect();
    assert!(o.status.success(), "sbatch: {}\n{logs}", stderr(&o));
    let o = quartier(&["sweep", "collect", s(&cluster)]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("6 of 6 scenarios done, 0 failed, 0 not run"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        std::fs::read_to_string(cluster.join("kpis.csv")).unwrap(),
        std::fs::read_to_string(local.join("kpis.csv")).unwrap()
    );
}

//! End-to-end tests of `quartier simulate --dispatch optimal|rolling` on a few days of the
//! HydroSeine example: files written, the rule baseline beside the chosen dispatch, regret of
//! rolling control, and clear errors for options that cannot work.

use std::path::{Path, PathBuf};

mod common;

use common::{hydroseine_with_time, quartier};

/// The HydroSeine example, data paths absolute, on three days of June.
fn hydroseine_days(dir: &Path) -> PathBuf {
    hydroseine_with_time(
        dir,
        "[time]\nstart = 2025-06-02\nend = 2025-06-05\nstep_minutes = 15",
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A number field of dispatch.json (`"key": value`).
fn field(json: &str, key: &str) -> f64 {
    let pat = format!("\"{key}\": ");
    let at = json.find(&pat).unwrap_or_else(|| panic!("{key} in {json}")) + pat.len();
    let rest = &json[at..];
    let end = rest.find([',', '}', '\n']).unwrap();
    rest[..end]
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("{key}: {}", &rest[..end]))
}

#[test]
fn optimal_dispatch_writes_its_report_and_beats_the_rule_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let file = hydroseine_days(dir.path());
    let out = dir.path().join("out");
    let o = quartier(&[
        "simulate",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--dispatch",
        "optimal",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains("rule") && stdout.contains("optimal"),
        "{stdout}"
    );
    assert!(stdout.contains("energy cost: rule"), "{stdout}");
    let json = std::fs::read_to_string(out.join("dispatch.json")).unwrap();
    assert!(json.contains("\"termination\": \"Optimal\""), "{json}");
    assert!(json.contains("\"solver\": \"clarabel\""), "{json}");
    let polished = field(&json, "objective_polished");
    let raw = field(&json, "objective_raw");
    let rule = field(&json, "rule_objective");
    assert!(polished <= rule + 1e-6 * rule.abs().max(1.0), "{json}");
    assert!(
        (polished - raw).abs() <= 1e-5 * raw.abs().max(1.0),
        "{json}"
    );
    assert!(field(&json, "vars") > 0.0);
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3 * 96);
    assert!(out.join("kpis.json").exists());
}

#[test]
fn rolling_dispatch_reports_its_regret_against_perfect_foresight() {
    let dir = tempfile::tempdir().unwrap();
    let file = hydroseine_days(dir.path());
    let out = dir.path().join("out");
    let o = quartier(&[
        "simulate",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--dispatch",
        "rolling",
        "--forecast",
        "persistence",
        "--horizon-hours",
        "24",
        "--commit-hours",
        "12",
        "--objective",
        "cost+co2=100",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("regret"), "{stdout}");
    let json = std::fs::read_to_string(out.join("dispatch.json")).unwrap();
    assert!(json.contains("\"dispatch\": \"rolling\""), "{json}");
    assert!(
        json.contains("\"objective_kind\": \"cost+co2=100\""),
        "{json}"
    );
    // Windows start at 0, 12, 24, 36 and 48 h; the one reaching the end is committed whole.
    assert_eq!(field(&json, "windows"), 5.0);
    let regret = field(&json, "objective");
    let perfect = field(&json, "perfect_objective");
    assert!(regret >= -1e-6 * perfect.abs().max(1.0), "{json}");
}

#[test]
fn options_that_cannot_work_exit_1_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let file = hydroseine_days(dir.path());
    let out = dir.path().join("out");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "simulate",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        quartier(&args)
    };
    let o = run(&["--dispatch", "optimal", "--min-part-load"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("--solver highs"),
        "{}",
        text(&o.stderr)
    );
    let o = run(&[
        "--dispatch",
        "rolling",
        "--horizon-hours",
        "12",
        "--commit-hours",
        "24",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("commit_hours"),
        "{}",
        text(&o.stderr)
    );
    #[cfg(not(feature = "highs"))]
    {
        let o = run(&["--dispatch", "optimal", "--solver", "highs"]);
        assert_eq!(o.status.code(), Some(1));
        assert!(
            text(&o.stderr).contains("--features highs"),
            "{}",
            text(&o.stderr)
        );
    }
    let o = run(&["--dispatch", "rolling", "--forecast", "noise:abc"]);
    assert_eq!(o.status.code(), Some(2), "bad flag values are usage errors");
    assert!(!out.exists(), "nothing written on failure");
}

#[cfg(feature = "highs")]
#[test]
fn min_part_load_with_highs_solves_the_milp() {
    let dir = tempfile::tempdir().unwrap();
    let file = hydroseine_days(dir.path());
    let out = dir.path().join("out");
    let o = quartier(&[
        "simulate",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--dispatch",
        "optimal",
        "--solver",
        "highs",
        "--min-part-load",
        "--time-limit",
        "120",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let json = std::fs::read_to_string(out.join("dispatch.json")).unwrap();
    assert!(json.contains("\"part_load\": \"on-off (MILP)\""), "{json}");
    assert!(json.contains("\"solver\": \"highs\""), "{json}");
}

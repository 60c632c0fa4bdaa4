//! End-to-end: a fuel cell's minimum power (`fuel_cells.min_kw`) in the district file, from
//! `quartier check` (a diagnostic when above `max_kw`) and `quartier schema` to the rule
//! controller's and the on/off optimiser's time series.

use std::path::{Path, PathBuf};

mod common;

use common::{hydroseine_with_time, quartier, stderr, stdout};

/// The HydroSeine example from `start` to `end` (exclusive) in quarter-hours, the power
/// line of its fuel cell (`max_kw = 100`) replaced by `power`.
fn hydroseine_fuel_cell(dir: &Path, start: &str, end: &str, power: &str) -> PathBuf {
    let path = hydroseine_with_time(
        dir,
        &format!("[time]\nstart = {start}\nend = {end}\nstep_minutes = 15"),
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let at = "name = \"pile-a-combustible\"\nmax_kw = 100\n";
    assert!(text.contains(at), "the example's fuel cell changed");
    let by = format!("name = \"pile-a-combustible\"\n{power}\n");
    // The day's fuel cell runs on the tank's stock: 300 kg at the start rather than the
    // demo's cyclic tank (which must make back, the same day, whatever it uses).
    let cyclic = "min_kg = 30\n# Seasonal buffer";
    assert!(text.contains(cyclic), "the example's tank changed");
    let text = text
        .replace(at, &by)
        .replace(cyclic, "min_kg = 30\ninitial_kg = 300\n# Seasonal buffer")
        .replace(
            "controller starts at min_kg.\ncyclic = true",
            "controller starts at min_kg.",
        );
    assert!(
        text.contains("initial_kg = 300"),
        "the example's tank changed"
    );
    std::fs::write(&path, text).unwrap();
    path
}

/// The fuel cell's output column of `timeseries.csv`, kWh per step.
fn fuel_cell_kwh(out: &Path) -> Vec<f64> {
    let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "pile-a-combustible-fuel_cell_kwh")
        .unwrap_or_else(|| panic!("fuel-cell column in {header:?}"));
    lines
        .map(|l| l.split(',').nth(col).unwrap().parse().unwrap())
        .collect()
}

fn simulate(file: &Path, out: &Path, extra: &[&str]) -> Vec<f64> {
    let mut args = vec![
        "simulate",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    let o = quartier(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    fuel_cell_kwh(out)
}

#[test]
fn check_reports_a_fuel_cell_minimum_above_its_maximum_at_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = hydroseine_fuel_cell(
        dir.path(),
        "2025-04-01",
        "2025-04-02",
        "max_kw = 100\nmin_kw = 150",
    );
    let o = quartier(&["check", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    let line = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .position(|l| l == "min_kw = 150")
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!(
            "{}:{line}:10: fuel_cells[0].min_kw: min_kw 150 is above max_kw 100 (expected min_kw ≤ max_kw)",
            path.display()
        )),
        "{err}"
    );
}

#[test]
fn schema_documents_the_fuel_cell_minimum() {
    let o = quartier(&["schema"]);
    assert!(o.status.success());
    let s = stdout(&o);
    assert!(
        s.contains("| `min_kw` | float | kW | 0 | 0 ≤ min_kw | Minimum output when running"),
        "{s}"
    );
}

/// A week of April: without a minimum the rule controller runs the fuel cell below 60 kW
/// (15 kWh per quarter-hour) at some steps; with `min_kw = 60` it never does (off instead).
#[test]
fn the_rule_controller_never_runs_the_fuel_cell_below_its_minimum() {
    let dir = tempfile::tempdir().unwrap();
    let free = hydroseine_fuel_cell(dir.path(), "2025-04-01", "2025-04-08", "max_kw = 100");
    let free = simulate(&free, &dir.path().join("free"), &[]);
    let below = |v: &[f64]| v.iter().filter(|&&x| x > 0.0 && x < 15.0).count();
    assert!(below(&free) > 0, "the week proves nothing: {free:?}");

    let file = hydroseine_fuel_cell(
        dir.path(),
        "2025-04-01",
        "2025-04-08",
        "max_kw = 100\nmin_kw = 60",
    );
    let kept = simulate(&file, &dir.path().join("kept"), &[]);
    assert_eq!(below(&kept), 0, "{kept:?}");
    assert!(kept.iter().any(|&x| x >= 15.0), "the fuel cell still runs");
}

/// A number field of `dispatch.json` (`"key": value`).
#[cfg(feature = "highs")]
fn field(out: &Path, key: &str) -> f64 {
    let json = std::fs::read_to_string(out.join("dispatch.json")).unwrap();
    let pat = format!("\"{key}\": ");
    let at = json.find(&pat).unwrap_or_else(|| panic!("{key} in {json}")) + pat.len();
    let rest = &json[at..];
    let end = rest.find([',', '}', '\n']).unwrap();
    rest[..end].trim().parse().unwrap()
}

/// One day of June with a 400 kW fuel cell whose minimum is 200 kW (50 kWh per quarter-hour):
/// the optimal dispatch (HiGHS, LP relaxation) runs it below that at some steps; with
/// `--min-part-load` (the MILP) it never does, and costs no less.
#[cfg(feature = "highs")]
#[test]
fn min_part_load_keeps_the_optimised_fuel_cell_off_or_above_its_minimum() {
    let dir = tempfile::tempdir().unwrap();
    let file = hydroseine_fuel_cell(
        dir.path(),
        "2025-06-02",
        "2025-06-03",
        "max_kw = 400\nmin_kw = 200",
    );
    let below = |v: &[f64]| v.iter().filter(|&&x| x > 1e-6 && x < 50.0 - 1e-6).count();
    let (lp_out, milp_out) = (dir.path().join("lp"), dir.path().join("milp"));
    let lp = simulate(
        &file,
        &lp_out,
        &["--dispatch", "optimal", "--solver", "highs"],
    );
    assert!(below(&lp) > 0, "the day proves nothing: {lp:?}");
    let milp = simulate(
        &file,
        &milp_out,
        &[
            "--dispatch",
            "optimal",
            "--solver",
            "highs",
            "--min-part-load",
            "--time-limit",
            "120",
        ],
    );
    assert_eq!(below(&milp), 0, "{milp:?}");
    assert!(milp.iter().any(|&x| x >= 50.0), "the fuel cell still runs");
    let (lp_eur, milp_eur) = (
        field(&lp_out, "objective_polished"),
        field(&milp_out, "objective_polished"),
    );
    assert!(
        milp_eur >= lp_eur - 1e-6 * lp_eur.abs().max(1.0),
        "{milp_eur} < {lp_eur}"
    );
}

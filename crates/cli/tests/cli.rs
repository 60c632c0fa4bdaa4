//! End-to-end tests of the `quartier` binary, run as a user would: exit codes, what is printed,
//! and the files written. Districts are the embedded examples, adapted in a temporary folder.

mod common;

use common::{examples, hydroseine_with_time, quartier, stderr, stdout};

#[test]
fn check_accepts_both_demo_districts() {
    for f in ["meudon-la-foret.toml", "hydroseine.toml"] {
        let path = examples().join(f);
        let o = quartier(&["check", path.to_str().unwrap()]);
        assert!(o.status.success(), "{f}: {}", stderr(&o));
        assert!(stdout(&o).contains(": ok"), "{}", stdout(&o));
    }
}

#[test]
fn check_reports_every_problem_with_file_line_column_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let path = hydroseine_with_time(
        dir.path(),
        "[time]\nstart = 2025-01-01\nend = 2025-01-02\nstep_minutes = 15",
    );
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("tilt_deg = 10\n", "tilt_deg = 100\n")
        .replace("max_kw = 500\n", "max_kw = 500\nmax_kwh = 3\n")
        .replace(
            "participant = \"30100000000004\"",
            "participant = \"30199999999999\"",
        );
    std::fs::write(&path, text).unwrap();
    let o = quartier(&["check", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    let file = path.display().to_string();
    // Every problem, each as FILE:LINE:COL: path: message.
    let lines: Vec<&str> = err.lines().filter(|l| l.starts_with(&file)).collect();
    assert!(lines.len() >= 4, "{err}");
    for l in &lines {
        let rest = &l[file.len()..];
        let mut parts = rest.splitn(4, ':');
        assert_eq!(parts.next(), Some(""), "{l}");
        assert!(
            parts.next().unwrap().parse::<u32>().is_ok(),
            "line number in {l}"
        );
        assert!(
            parts.next().unwrap().parse::<u32>().is_ok(),
            "column in {l}"
        );
    }
    assert!(err.contains("pv[0].tilt_deg"), "{err}");
    assert!(err.contains("max_kwh"), "{err}");
    assert!(err.contains("30199999999999"), "{err}");
    assert!(err.contains("problems found"), "{err}");
}

#[test]
fn missing_file_and_bad_command_line_have_their_exit_codes() {
    let o = quartier(&["check", "/nonexistent/district.toml"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(stderr(&o).contains("/nonexistent/district.toml"));
    let o = quartier(&["simulate"]);
    assert_eq!(o.status.code(), Some(2));
    let o = quartier(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Simulating a DST day writes one row per quarter-hour of the local day (92 in spring, 100
/// in autumn), `time_utc` first, and KPIs whose balance adds up.
#[test]
fn simulate_dst_days_write_92_and_100_quarter_hours() {
    for (day, next, rows) in [
        ("2025-03-30", "2025-03-31", 92),
        ("2025-10-26", "2025-10-27", 100),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = hydroseine_with_time(
            dir.path(),
            &format!("[time]\nstart = {day}\nend = {next}\nstep_minutes = 15"),
        );
        let out = dir.path().join("out");
        let o = quartier(&[
            "simulate",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]);
        assert!(o.status.success(), "{day}: {}", stderr(&o));
        let csv = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
        let mut lines = csv.lines();
        let header = lines.next().unwrap();
        assert!(header.starts_with("time_utc,"), "{header}");
        assert_eq!(lines.count(), rows, "{day}");
        let kpis = std::fs::read_to_string(out.join("kpis.json")).unwrap();
        for key in [
            "\"production_kwh\"",
            "\"self_sufficiency_rate\"",
            "\"annual_balance_kwh\"",
            "\"h2_produced_kg\"",
            "\"monthly\"",
        ] {
            assert!(kpis.contains(key), "{key} in {kpis}");
        }
        assert!(
            stdout(&o).is_empty(),
            "--quiet prints nothing: {}",
            stdout(&o)
        );
    }
}

#[test]
fn schema_lists_attributes_with_units() {
    let o = quartier(&["schema"]);
    assert!(o.status.success());
    let s = stdout(&o);
    for needle in [
        "| attribute |",
        "kwp",
        "kWp",
        "tilt_deg",
        "capacity_kg",
        "step_minutes",
        // The community file, from the table its parser uses.
        "# The community file",
        "## `[invoicing]`",
        "| `member_from` | date or datetime |",
        "| `missing` | \"error\" \\| \"exclude\" \\| \"zero\" |",
        "## `[[key.periods]]`",
    ] {
        assert!(s.contains(needle), "{needle}");
    }
}

/// `quartier pv` on the shared TMY for 100 kWp tilted 30°, with `extra` flags, written to `out`.
fn pv_on_the_tmy(out: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let weather = examples().join("data/pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv");
    let mut args = vec![
        "pv",
        "--weather",
        weather.to_str().unwrap(),
        "--kwp",
        "100",
        "--tilt",
        "30",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    quartier(&args)
}

#[test]
fn pv_writes_one_row_per_hour_and_prints_the_annual_energy() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pv.csv");
    let o = pv_on_the_tmy(&out, &["--azimuth", "180"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(&out).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("time_utc,ac_kwh"));
    let values: Vec<f64> = lines
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(values.len(), 8760);
    let annual: f64 = values.iter().sum();
    // tools/results/pvlib_compare.md: pvlib gives 134,783.84 kWh for this system.
    assert!((annual - 134_783.84).abs() < 0.5, "{annual}");
    assert!(stdout(&o).contains("kWh"), "{}", stdout(&o));
}

#[test]
fn pv_on_quarter_hours_interpolates_the_hourly_file_as_pvlib_does() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("pv15.csv");
    let o = pv_on_the_tmy(&out, &["--step", "15"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let csv = std::fs::read_to_string(&out).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time_utc,ac_kwh,ghi_w_m2,dni_w_m2,dhi_w_m2,temp_air_c,wind_speed_m_s")
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').skip(1).map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 35_040);
    let annual: f64 = rows.iter().map(|r| r[0]).sum();
    // tools/results/pvlib_subhourly.md: pvlib's chain on pvlib's own interpolation gives
    // 134,095.9 kWh (134,783.8 hourly).
    assert!((annual - 134_095.9).abs() < 0.1, "{annual}");
    // The quarter-hours of a June noon hour differ (not held flat).
    let noon = 4 * (24 * 171 + 11);
    assert!(rows[noon][1] != rows[noon + 1][1] && rows[noon + 1][1] != rows[noon + 2][1]);
    // A step that does not divide the hour is refused, naming the flag.
    let o = pv_on_the_tmy(&out, &["--step", "40"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--step 40"), "{}", stderr(&o));
}

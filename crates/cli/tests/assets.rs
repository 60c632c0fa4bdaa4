//! End-to-end tests of `quartier assets plan`, run as a user would, on the demo districts and
//! the example registry, and on broken registry files: files written, summary printed, exit
//! codes and diagnostics.

use std::path::{Path, PathBuf};

mod common;

use common::{examples, quartier, stderr, stdout};

fn plan(district: &str, extra: &[&str], out: &Path) -> std::process::Output {
    let file = examples().join(district);
    let mut args = vec![
        "assets",
        "plan",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    quartier(&args)
}

/// `plan.csv` rows as (year, capex, om, total, discounted).
fn rows(out: &Path) -> Vec<(i32, f64, f64, f64, f64)> {
    let text = std::fs::read_to_string(out.join("plan.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("year,replacement_capex_eur,om_eur,total_eur,discounted_eur,assets_replaced")
    );
    lines
        .map(|l| {
            let f: Vec<&str> = l.splitn(6, ',').collect();
            (
                f[0].parse().unwrap(),
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn meudon_with_its_registry_writes_the_plan() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let registry = examples().join("meudon-assets.toml");
    let o = plan(
        "meudon-la-foret.toml",
        &[
            "--registry",
            registry.to_str().unwrap(),
            "--start-year",
            "2026",
        ],
        &out,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.contains("71 assets (70 from the model, 1 from the registry), plan 2026–2055"),
        "{text}"
    );
    assert!(
        text.contains("2027: 11 replaced (velos-cargo-municipaux-01"),
        "{text}"
    );
    assert!(text.contains("NPV of costs at 4.0 %"), "{text}");
    for f in ["registry.csv", "maintenance.csv", "plan.csv", "plan.html"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    let rows = rows(&out);
    assert_eq!(rows.len(), 30);
    assert_eq!(rows[0].0, 2026);
    for (year, capex, om, total, discounted) in &rows {
        assert!((capex + om - total).abs() < 0.02, "{year}");
        let factor = 1.04f64.powi(year - 2026);
        assert!((total / factor - discounted).abs() < 0.02, "{year}");
    }
    // The summary's NPV is the sum of the discounted column.
    let npv: f64 = rows.iter().map(|r| r.4).sum();
    assert!(
        text.contains(&format!("NPV of costs at 4.0 %: {npv:.0} EUR")),
        "{npv} in {text}"
    );
    let registry = std::fs::read_to_string(out.join("registry.csv")).unwrap();
    assert_eq!(registry.lines().count(), 72);
    assert!(registry.contains(",building,toiture-ateliers,"));
    let html = std::fs::read_to_string(out.join("plan.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("Replacements by asset"));
    assert_eq!(
        std::fs::read_to_string(out.join("maintenance.csv"))
            .unwrap()
            .lines()
            .count(),
        7
    );
}

#[test]
fn hydroseine_from_the_model_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = plan(
        "hydroseine.toml",
        &["--years", "20", "--discount-rate", "0"],
        &out,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("23 assets (23 from the model, 0 from the registry), plan 2025–2044"),
        "{}",
        stdout(&o)
    );
    let rows = rows(&out);
    assert_eq!(rows.len(), 20);
    // Commissioned in 2025: the fuel cell (10 y, 200,000 EUR) is replaced in 2035, the
    // electrolyser (15 y, 900,000 EUR) in 2040.
    let year = |y: i32| rows.iter().find(|r| r.0 == y).unwrap();
    assert!(year(2035).1 >= 200_000.0);
    assert!(year(2040).1 >= 900_000.0);
    // At 0 % the discounted column equals the total.
    assert!(rows.iter().all(|r| (r.3 - r.4).abs() < 0.02));
}

fn broken_registry(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("registry.toml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_bad_registry_is_reported_at_its_line_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let reg = broken_registry(
        tmp.path(),
        "[[assets]]\nname = \"pv-ecole\"\ncondition = 9\n\n[[assets]]\nname = \"abri\"\nkind = \"shed\"\n",
    );
    let o = plan(
        "meudon-la-foret.toml",
        &["--registry", reg.to_str().unwrap()],
        &out,
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    let file = reg.display().to_string();
    assert!(
        err.contains(&format!(
            "{file}:3:13: assets[0].condition: 9 is out of range (expected 1 ≤ condition ≤ 5)"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{file}:7:8: assets[1].kind: unknown asset kind \"shed\""
        )),
        "{err}"
    );
    assert!(err.contains("2 problems found"), "{err}");
    assert!(!out.exists());

    // Valid TOML, but a new asset without its cost and a commissioning after the plan start.
    let reg = broken_registry(
        tmp.path(),
        "[[assets]]\nname = \"abri\"\nkind = \"building\"\ncommissioned_on = 2020-01-01\n\n[[assets]]\nname = \"batterie-ecole\"\ncommissioned_on = 2027-03-01\n",
    );
    let o = plan(
        "meudon-la-foret.toml",
        &["--registry", reg.to_str().unwrap(), "--start-year", "2026"],
        &out,
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains(&format!("{file}:1:1: assets[0]: \"abri\" is not an asset of the district model, so it needs capex_eur")), "{err}");
    assert!(err.contains(&format!("{file}:8:19: assets[1].commissioned_on: batterie-ecole: commissioned on 2027-03-01, after the plan's first year 2026")), "{err}");

    let missing = tmp.path().join("nope.toml");
    let o = plan(
        "meudon-la-foret.toml",
        &["--registry", missing.to_str().unwrap()],
        &out,
    );
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("registry file not found"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_plan_settings_fail_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = plan("hydroseine.toml", &["--years", "0"], &out);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("years = 0 is out of range"),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
}

//! End-to-end tests of `quartier size` and `quartier export pypsa` on short horizons of the
//! demo districts and of the synthetic cross-check districts (bench/pypsa/districts).

use std::path::PathBuf;
use std::process::Output;

mod common;

use common::quartier;

fn repo(path: &str) -> PathBuf {
    quartier_testdata::repo_root().join(path)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `quartier size FILE --out DIR ARGS…` for a file of the repository, in a fresh temporary
/// folder: (the folder, kept alive; the output folder; the command's output).
fn size(file: &str, args: &[&str]) -> (tempfile::TempDir, PathBuf, Output) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let file = repo(file);
    let mut all = vec![
        "size",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    all.extend_from_slice(args);
    let o = quartier(&all);
    (dir, out, o)
}

#[test]
fn size_writes_sizing_json_timeseries_and_kpis_for_two_days_of_hydroseine() {
    let (_dir, out, o) = size("examples/hydroseine.toml", &["--days", "2"]);
    assert!(o.status.success(), "{}", text(&o));
    let printed = text(&o);
    assert!(printed.contains("Sizing of HydroSeine"), "{printed}");
    assert!(printed.contains("LCOE of PV"), "{printed}");
    let json = std::fs::read_to_string(out.join("sizing.json")).unwrap();
    for key in [
        "\"capacities\"",
        "\"lcoe_pv_eur_per_kwh\"",
        "\"lcoh_eur_per_kg\"",
        "\"objective_eur\"",
        "\"solve_seconds\"",
        "\"electrolyseur-pem\"",
    ] {
        assert!(json.contains(key), "{key} missing in {json}");
    }
    assert!(out.join("timeseries.csv").is_file());
    assert!(out.join("kpis.json").is_file());
}

#[test]
fn size_with_a_self_sufficiency_target_and_a_pareto_sweep() {
    let (_dir, out, o) = size(
        "bench/pypsa/districts/small.toml",
        &["--target", "self-sufficiency=0.3", "--pareto", "3"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let json = std::fs::read_to_string(out.join("sizing.json")).unwrap();
    assert!(json.contains("\"pareto\""), "{json}");
    assert!(json.contains("\"self_sufficiency\": 0.3"), "{json}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["pareto"].as_array().map(Vec::len), Some(3), "{json}");
    assert!(text(&o).contains("Pareto sweep"));
}

#[test]
fn a_bad_target_is_a_command_line_error() {
    let o = quartier(&[
        "size",
        "x.toml",
        "--out",
        "y",
        "--target",
        "self-sufficiency=2",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not in [0, 1]"));
}

#[test]
fn export_pypsa_writes_the_csv_folder_and_quartier_objective() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("net");
    let file = repo("bench/pypsa/districts/h2.toml");
    let o = quartier(&[
        "export",
        "pypsa",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--days",
        "1",
        "--solve",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    for f in [
        "network.csv",
        "snapshots.csv",
        "buses.csv",
        "generators.csv",
        "generators-p_max_pu.csv",
        "generators-marginal_cost.csv",
        "loads.csv",
        "loads-p_set.csv",
        "links.csv",
        "stores.csv",
        "quartier.json",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let snaps = std::fs::read_to_string(out.join("snapshots.csv")).unwrap();
    assert_eq!(snaps.lines().count(), 1 + 96, "a day of quarter-hours");
    assert!(snaps.lines().nth(1).unwrap().ends_with(",0.25,0.25,0.25"));
    let links = std::fs::read_to_string(out.join("links.csv")).unwrap();
    assert!(links.contains("pem,AC,H2,electrolysis"), "{links}");
    let q = std::fs::read_to_string(out.join("quartier.json")).unwrap();
    assert!(q.contains("\"problem\": \"dispatch\""), "{q}");
}

#[test]
fn the_demo_is_sized_on_typical_days_at_its_own_costs_and_a_yes_no_cost_names_its_flag() {
    let (_dir, out, o) = size(
        "examples/hydroseine.toml",
        &["--days", "4", "--typical-days", "2"],
    );
    assert!(o.status.success(), "{}", text(&o));
    let printed = text(&o);
    assert!(printed.contains("on 2 typical days"), "{printed}");
    assert!(printed.contains("decided by"), "{printed}");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("sizing.json")).unwrap()).unwrap();
    assert_eq!(json["typical_days"]["count"], 2);
    assert_eq!(json["discount_rate_source"], "file");
    assert_eq!(json["durations_h"]["batterie-quartier"], 2.0);
    let battery = json["capacities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["capacity"] == "battery_kwh")
        .unwrap();
    assert_eq!(battery["cost"]["capex_eur_per_unit"], 350.0);
    assert_eq!(battery["cost"]["source"]["capex"], "file");
    // A cost when built needs HiGHS: the message says which setting and which flag.
    let dir = tempfile::tempdir().unwrap();
    let text_in = std::fs::read_to_string(repo("examples/hydroseine.toml"))
        .unwrap()
        .replace(
            "duration_h = 2\n",
            "duration_h = 2\ncapex_eur_when_built = 20000\n",
        )
        .replace(
            "\"data/",
            &format!("\"{}/", repo("examples/data").display()),
        );
    let file = dir.path().join("h.toml");
    std::fs::write(&file, text_in).unwrap();
    let out = dir.path().join("out");
    let o = quartier(&[
        "size",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--days",
        "1",
    ]);
    assert!(!o.status.success());
    let printed = text(&o);
    assert!(printed.contains("capex_eur_when_built"), "{printed}");
    assert!(printed.contains("--solver highs"), "{printed}");
}

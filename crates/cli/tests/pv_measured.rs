//! A PV system whose production is measured (a curve) or a per-unit profile instead of the
//! physics chain, mixed with modelled systems in one district: fed the modelled production
//! back as a measured curve and as a profile, HydroSeine simulates to the same flows; and a
//! real per-unit profile (SimBench PV1, 2016) gives exactly profile × kWp × step.

use std::collections::HashMap;
use std::path::Path;

mod common;

use common::hydroseine_with_time;

const WEEK: &str = "[time]\nstart = 2025-06-01\nend = 2025-06-08\nstep_minutes = 15";

/// `quartier simulate FILE --out OUT`; the time series by column.
fn simulate(file: &Path, out: &Path) -> HashMap<String, Vec<String>> {
    common::simulate_ok(file, out);
    let (head, rows) = common::csv_table(&out.join("timeseries.csv"));
    let mut cols: HashMap<String, Vec<String>> =
        head.iter().map(|h| (h.clone(), Vec::new())).collect();
    for r in rows {
        for (h, v) in head.iter().zip(r) {
            cols.get_mut(h).unwrap().push(v);
        }
    }
    cols
}

fn numbers(v: &[String]) -> Vec<f64> {
    v.iter().map(|x| x.parse().unwrap()).collect()
}

#[test]
fn measured_and_profile_pv_reproduce_the_modelled_flows() {
    let dir = tempfile::tempdir().unwrap();
    let file = hydroseine_with_time(dir.path(), WEEK);
    let modelled = simulate(&file, &dir.path().join("modelled"));
    let times = &modelled["time_utc"];
    // The offices' roof as a measured curve (kWh per step), the housing roofs as a profile
    // (mean kW per kWp: kWh / (850 kWp × 0.25 h)).
    let write = |name: &str, values: Vec<f64>| {
        let mut csv = String::from("time_utc,value\n");
        for (t, v) in times.iter().zip(values) {
            csv.push_str(&format!("{t},{v:.12}\n"));
        }
        let p = dir.path().join(name);
        std::fs::write(&p, csv).unwrap();
        p
    };
    let offices = numbers(&modelled["pv-toitures-bureaux-pv_kwh"]);
    let housing = numbers(&modelled["pv-toitures-logements-pv_kwh"]);
    let measured = write("offices.csv", offices.clone());
    let profile = write(
        "housing.csv",
        housing.iter().map(|v| v / (850.0 * 0.25)).collect(),
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text
        .replacen(
            "kwp = 1100\ntilt_deg = 10\n",
            &format!(
                "kwp = 1100\nproduction = {{ file = \"{}\" }}\n",
                measured.display()
            ),
            1,
        )
        .replacen(
            "kwp = 850\ntilt_deg = 15\n",
            &format!(
                "kwp = 850\nprofile = {{ file = \"{}\" }}\n",
                profile.display()
            ),
            1,
        );
    assert!(text.contains("production = {") && text.contains("profile = {"));
    let given = dir.path().join("given.toml");
    std::fs::write(&given, text).unwrap();
    let replayed = simulate(&given, &dir.path().join("given"));
    // Every flow of every step agrees (the files hold 12 decimals; the CSV output 6).
    for (col, values) in &modelled {
        if col == "time_utc" {
            assert_eq!(&replayed[col], values);
            continue;
        }
        let (a, b) = (numbers(values), numbers(&replayed[col]));
        for (t, (x, y)) in a.iter().zip(&b).enumerate() {
            assert!(
                (x - y).abs() <= 2e-6 * x.abs().max(1.0),
                "{col} at step {t}: {x} modelled, {y} given"
            );
        }
    }
}

#[test]
fn a_real_per_unit_profile_is_scaled_by_the_kwp() {
    // SimBench's PV1 profile (2016, 15 min, `;`-separated, dd.mm.yyyy), as a generic CSV.
    let Some(shared) = quartier_testdata::shared_file("simbench_2016_15min_pv_profiles.csv.gz")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("zcat")
        .arg(&shared)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // Its timestamps are local (Central European, with the DST gap and fold): read as naive
    // times in Europe/Berlin.
    let mut csv = String::from("time,pv1\n");
    let mut by_time: HashMap<String, f64> = HashMap::new();
    for l in text.lines().skip(1) {
        let mut f = l.split(';');
        let (stamp, pv1) = (f.next().unwrap(), f.next().unwrap());
        let local = chrono::NaiveDateTime::parse_from_str(stamp, "%d.%m.%Y %H:%M").unwrap();
        // June is summer time, UTC+2.
        let utc = (local - chrono::Duration::hours(2)).format("%Y-%m-%dT%H:%M:%SZ");
        by_time.insert(utc.to_string(), pv1.parse().unwrap());
        csv.push_str(&format!("{},{pv1}\n", local.format("%Y-%m-%d %H:%M")));
    }
    let profile = dir.path().join("pv1.csv");
    std::fs::write(&profile, csv).unwrap();
    let file = hydroseine_with_time(
        dir.path(),
        "[time]\nstart = 2016-06-01\nend = 2016-06-08\nstep_minutes = 15",
    );
    let text = std::fs::read_to_string(&file).unwrap().replacen(
        "kwp = 250\ntilt_deg = 12\n",
        &format!(
            "kwp = 250\nprofile = {{ file = \"{}\" }}\n",
            profile.display()
        ),
        1,
    );
    std::fs::write(&file, text).unwrap();
    let flows = simulate(&file, &dir.path().join("out"));
    let school = numbers(&flows["pv-ecole-pv_kwh"]);
    assert_eq!(school.len(), 7 * 96);
    let mut sunny = 0;
    for (t, got) in flows["time_utc"].iter().zip(&school) {
        let p = by_time[t];
        sunny += usize::from(p > 0.5);
        assert!(
            (got - p * 250.0 * 0.25).abs() < 1e-6,
            "{t}: {got} kWh, profile {p}"
        );
    }
    assert!(sunny > 0, "a real June profile has sunny quarter-hours");
}

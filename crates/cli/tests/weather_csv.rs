//! Weather from a generic CSV (an on-site station's 10 minutes, or an hourly service): the
//! real PVGIS TMY written as such a CSV, hourly and repeated at 10 minutes, simulates
//! HydroSeine's June week to the same PV as the same TMY read by the PVGIS reader when both
//! are held over the half-hours; placed through the clear-sky index (the default), the hourly
//! files keep their own sampling instants.

use std::path::{Path, PathBuf};

mod common;

use common::{examples, hydroseine_with_time};

/// The shared TMY as a weather CSV on 2025's calendar, each hour written `per_hour` times.
fn tmy_as_csv(dir: &Path, per_hour: u32) -> PathBuf {
    let text =
        std::fs::read_to_string(examples().join("data/pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv"))
            .unwrap();
    let mut csv = String::from("time_utc,ghi,dni,dhi,temp_air,wind_speed\n");
    let rows = text
        .lines()
        .skip_while(|l| !l.starts_with("time(UTC)"))
        .skip(1)
        .take_while(|l| l.len() > 13 && l.as_bytes()[8] == b':');
    for l in rows {
        let f: Vec<&str> = l.split(',').collect();
        let (mm, dd, hh) = (&f[0][4..6], &f[0][6..8], &f[0][9..11]);
        let clean = |v: &str| v.parse::<f64>().unwrap().max(0.0);
        for k in 0..per_hour {
            csv.push_str(&format!(
                "2025-{mm}-{dd}T{hh}:{:02}:00Z,{},{},{},{},{}\n",
                k * 60 / per_hour,
                clean(f[3]),
                clean(f[4]),
                clean(f[5]),
                f[1],
                f[7]
            ));
        }
    }
    let p = dir.join(format!("weather-{per_hour}.csv"));
    std::fs::write(&p, csv).unwrap();
    p
}

/// The week's total PV, kWh, of HydroSeine with `weather` as its `[weather]` table.
fn week_pv(dir: &Path, name: &str, weather: &str) -> f64 {
    let sub = dir.join(name);
    std::fs::create_dir(&sub).unwrap();
    let file = hydroseine_with_time(
        &sub,
        "[time]\nstart = 2025-06-01\nend = 2025-06-08\nstep_minutes = 30",
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let start = text.find("[weather]").unwrap();
    let end = start + text[start..].find("\n\n").unwrap();
    std::fs::write(
        &file,
        format!("{}{weather}{}", &text[..start], &text[end..]),
    )
    .unwrap();
    let out = sub.join("out");
    common::simulate_ok(&file, &out);
    let k: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("kpis.json")).unwrap()).unwrap();
    k["kpis"]["production_kwh"].as_f64().unwrap()
}

#[test]
fn a_weather_csv_hourly_or_at_ten_minutes_gives_the_pvgis_readers_pv() {
    let dir = tempfile::tempdir().unwrap();
    let tmy = examples().join("data/pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv");
    let pvgis_with = |name: &str, extra: &str| {
        week_pv(
            dir.path(),
            name,
            &format!(
                "[weather]\nfile = \"{}\"\nformat = \"pvgis-tmy-csv\"{extra}",
                tmy.display()
            ),
        )
    };
    let pvgis = pvgis_with("pvgis", "\nsubhourly = \"hold\"");
    let hourly = tmy_as_csv(dir.path(), 1);
    let ten = tmy_as_csv(dir.path(), 6);
    let from_csv = |name: &str, p: &Path, extra: &str| {
        week_pv(
            dir.path(),
            name,
            &format!(
                "[weather]\nfile = \"{}\"\nformat = \"csv\"{extra}",
                p.display()
            ),
        )
    };
    let h = from_csv("hourly", &hourly, "\nsubhourly = \"hold\"");
    let t = from_csv("ten", &ten, "");
    println!(
        "PV of the week: PVGIS reader {pvgis:.1} kWh, hourly CSV {h:.1} kWh, 10-min CSV {t:.1} kWh"
    );
    // The same irradiance and the same sun: on the 30-minute axis every hourly value is held
    // as the mean of its two half-hours (the sun at their middles), and the 10-minute file's
    // three values per half-hour average back to it (the sun at the middle too).
    for (what, x) in [("hourly CSV", h), ("10-minute CSV", t)] {
        assert!(
            (x - pvgis).abs() < 1e-9 * pvgis,
            "{what}: {x} against {pvgis}"
        );
    }
    // Through the clear-sky index (the default) the hourly files' energy moves by less than
    // 1 % over the week; the CSV (interval means) keeps its irradiation exactly, the TMY's
    // instantaneous samples at HH:10 are anchored at their instant.
    let (pvgis_csi, h_csi) = (
        pvgis_with("pvgis-csi", ""),
        from_csv("hourly-csi", &hourly, ""),
    );
    println!(
        "Through the clear-sky index: PVGIS reader {pvgis_csi:.1} kWh, hourly CSV {h_csi:.1} kWh"
    );
    for (what, x) in [("PVGIS", pvgis_csi), ("hourly CSV", h_csi)] {
        assert!(
            (x - pvgis).abs() < 0.01 * pvgis,
            "{what}: {x} against {pvgis}"
        );
        assert!((x - pvgis).abs() > 1e-6 * pvgis, "{what}: not interpolated");
    }
}

#[test]
fn gaps_in_a_weather_csv_are_errors_unless_the_file_says_to_interpolate_them() {
    let dir = tempfile::tempdir().unwrap();
    let hourly = tmy_as_csv(dir.path(), 1);
    // Three hours of 3 June 2025 lost by the station.
    let text = std::fs::read_to_string(&hourly).unwrap();
    let holed: String = text
        .lines()
        .filter(|l| {
            !["2025-06-03T10", "2025-06-03T11", "2025-06-03T12"]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let file = dir.path().join("holed.csv");
    std::fs::write(&file, holed).unwrap();
    let run = |name: &str, extra: &str| {
        let sub = dir.path().join(name);
        std::fs::create_dir(&sub).unwrap();
        let district = hydroseine_with_time(
            &sub,
            "[time]\nstart = 2025-06-01\nend = 2025-06-08\nstep_minutes = 30",
        );
        let text = std::fs::read_to_string(&district).unwrap();
        let start = text.find("[weather]").unwrap();
        let end = start + text[start..].find("\n\n").unwrap();
        std::fs::write(
            &district,
            format!(
                "{}[weather]\nfile = \"{}\"\nformat = \"csv\"{extra}{}",
                &text[..start],
                file.display(),
                &text[end..]
            ),
        )
        .unwrap();
        let out = sub.join("out");
        common::quartier(&[
            "simulate",
            district.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ])
    };
    let o = run("strict", "");
    assert!(!o.status.success());
    let err = common::stderr(&o);
    assert!(err.contains("holed.csv"), "{err}");
    let o = run("short", "\nmissing = \"interpolate\"\nmax_gap_steps = 2");
    assert!(!o.status.success());
    let err = common::stderr(&o);
    assert!(
        err.contains("3 missing step(s) from 2025-06-03 12:00")
            && err.contains("max_gap_steps = 3 or more"),
        "{err}"
    );
    let o = run("filled", "\nmissing = \"interpolate\"\nmax_gap_steps = 3");
    assert!(o.status.success(), "{}", common::stderr(&o));
    // `exclude` is refused in a district, as for its curves.
    let o = run("exclude", "\nmissing = \"exclude\"");
    assert_eq!(o.status.code(), Some(3), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("weather.missing: a simulation needs weather at every step")
    );
}

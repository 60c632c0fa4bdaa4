//! Loading a district's files onto its axis: the minimal test district (a DST day), and real
//! files from the shared data folder (PVGIS TMY, an Enedis load curve, Electricity Maps
//! carbon intensity, Trondheim EV sessions).

use std::path::{Path, PathBuf};

use quartier_model::*;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn district(text: &str) -> (District, SourceMap) {
    match parse_district(text, &data_dir().join("inline.toml")) {
        Ok(x) => x,
        Err(e) => panic!("{e}"),
    }
}

fn toml_path(p: &Path) -> String {
    p.display().to_string().replace('\\', "/")
}

#[test]
fn the_minimal_district_loads_on_a_dst_day() {
    let (d, map) = read_district(&data_dir().join("minimal.toml")).expect("valid");
    let (data, report) = match load_with_report(&d, &map) {
        Ok(x) => x,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(data.weather.axis, d.axis);
    assert_eq!(data.weather.ghi_w_m2.len(), 92);
    assert!(data.weather.ghi_w_m2.iter().all(|g| *g >= 0.0));
    assert!(data.weather.ghi_w_m2.iter().any(|g| *g > 100.0));

    // G25 on one Sunday of 36,500 kWh/yr: a positive share of about a day's energy.
    let school = data.loads_kwh[0].sum();
    assert!(school > 20.0 && school < 200.0, "{school}");
    // The curve is on the axis as written: 92 quarter-hours.
    let text = std::fs::read_to_string(data_dir().join("load_dst_15min.csv")).unwrap();
    let file_sum: f64 = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1)?.parse::<f64>().ok())
        .sum();
    assert!((data.loads_kwh[1].sum() - file_sum).abs() < 1e-9);

    // Time of use in local time: 00:00–06:00 and 22:00–24:00 local at 0.15.
    let price = data.import_price.values();
    assert_eq!(price[0], 0.15); // 00:00 CET
    assert_eq!(price[4 * 5 - 1], 0.15); // 05:45 local (CEST after 02:00 → 03:00)
    assert_eq!(price[4 * 5], 0.2); // 06:00 CEST
    assert_eq!(price[91], 0.15); // 23:45 CEST
    assert_eq!(price.iter().filter(|p| **p == 0.15).count(), 4 * 7); // 23 h day: 5 + 2 h

    // 4 kg/day at 07:00 and 17:00 local.
    assert!((data.hydrogen_demand_kg[0].sum() - 4.0).abs() < 1e-12);
    assert_eq!(data.carbon.values()[0], 50.0);

    // Sessions (local Paris times): 08:05–12:40, 13:00–14:00 (30 kWh, capped at 7.4),
    // 18:20–07:10 next day (clamped to the axis end), and one on 2 April (dropped).
    let ev = &data.ev_sessions[0];
    assert_eq!(ev.len(), 3);
    assert_eq!((ev[0].arrival, ev[0].departure), (28, 47));
    assert_eq!((ev[1].arrival, ev[1].departure), (48, 52));
    assert!((ev[1].energy_kwh - 7.4).abs() < 1e-9);
    assert_eq!((ev[2].arrival, ev[2].departure), (69, 92));
    let r = &report.ev_charging[0];
    assert_eq!((r.read, r.kept, r.outside_axis, r.capped), (4, 3, 1, 1));
    assert!((r.capped_kwh - 22.6).abs() < 1e-9);
    println!("{r}");

    // The fleet plugs in at 18:00 on Sunday (16:00 UTC, 17 h after the axis start).
    let f = &data.fleet_sessions[0];
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].arrival, f[0].departure), (68, 92));
    assert!((f[0].energy_kwh - 2.4).abs() < 1e-12);
    assert_eq!(f[0].max_kw, 2.0);
}

const HEAD: &str = r#"grid = { import_limit_kw = 10, export_limit_kw = 5, import_price = 0.2 }
[site]
name = "t"
latitude_deg = 45
longitude_deg = 8
"#;

#[test]
fn pvgis_tmy_is_re_yeared_onto_2025_and_a_dst_day() {
    let Some(tmy) = quartier_testdata::shared_file("pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv")
    else {
        return;
    };
    let weather = format!(
        "weather = {{ file = \"{}\", format = \"pvgis-tmy-csv\", subhourly = \"hold\" }}\n",
        toml_path(&tmy)
    );
    // A whole year at 15 min, held: annual irradiation equals the file's.
    let text = format!(
        "{weather}{HEAD}[time]\nstart = 2025-01-01\nend = 2026-01-01\nstep_minutes = 15\n\
         [[loads]]\nname = \"home\"\nprofile = \"H25\"\nannual_kwh = 4500\n"
    );
    let (d, map) = district(&text);
    assert!(d.weather.typical_year, "TMY defaults to a typical year");
    let data = load(&d, &map).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(data.weather.ghi_w_m2.len(), 35040);
    let ghi_kwh_m2: f64 = data.weather.ghi_w_m2.iter().sum::<f64>() * 0.25 / 1000.0;
    let raw = std::fs::read_to_string(&tmy).unwrap();
    let raw_kwh_m2: f64 = raw
        .lines()
        .skip_while(|l| !l.starts_with("time(UTC)"))
        .skip(1)
        .take(8760)
        .filter_map(|l| l.split(',').nth(3)?.parse::<f64>().ok())
        .sum::<f64>()
        / 1000.0;
    println!("GHI 2025 on the axis {ghi_kwh_m2:.1} kWh/m², file {raw_kwh_m2:.1} kWh/m²");
    assert!((ghi_kwh_m2 - raw_kwh_m2).abs() < 1e-6 * raw_kwh_m2);
    // Through the clear-sky index (the default), the TMY's samples at HH:10 are anchored at
    // their instant rather than spread as hour means: the year's irradiation moves by 0.29 %
    // (tools/results/pvlib_subhourly.md), and quarter-hours of one hour differ.
    let (d_csi, map_csi) = district(&text.replace(", subhourly = \"hold\"", ""));
    let csi = load(&d_csi, &map_csi).unwrap_or_else(|e| panic!("{e}"));
    let csi_kwh_m2: f64 = csi.weather.ghi_w_m2.iter().sum::<f64>() * 0.25 / 1000.0;
    println!("through the clear-sky index {csi_kwh_m2:.1} kWh/m²");
    assert!((csi_kwh_m2 - raw_kwh_m2).abs() < 0.005 * raw_kwh_m2);
    let noon = 4 * (24 * 171 + 10);
    assert!(csi.weather.ghi_w_m2[noon] != csi.weather.ghi_w_m2[noon + 1]);
    // The H25 profile sums to its annual energy over the year (within the dynamisation's
    // rounding: BDEW's polynomial is not exactly normalised).
    let h25 = data.loads_kwh[0].sum();
    println!("H25 over 2025: {h25:.1} kWh for 4500 kWh/yr");
    assert!((h25 - 4500.0).abs() < 0.005 * 4500.0, "{h25}");

    // The spring DST day: 92 quarter-hours.
    let text =
        format!("{weather}{HEAD}[time]\nstart = 2025-03-30\nend = 2025-03-31\nstep_minutes = 15\n");
    let (d, map) = district(&text);
    let data = load(&d, &map).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(d.axis.len(), 92);
    assert_eq!(data.weather.temp_air_c.len(), 92);
}

#[test]
fn an_enedis_curve_is_a_load_at_any_step() {
    let (Some(tmy), Some(linky)) = (
        quartier_testdata::shared_file("pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv"),
        quartier_testdata::shared_file("linky_enedis_export_household_2022-07_2023-07_30min.csv"),
    ) else {
        return;
    };
    let text = |start: &str, end: &str, step: u32| {
        format!(
            "weather = {{ file = \"{}\", format = \"pvgis-tmy-csv\" }}\n{HEAD}\
             [time]\nstart = {start}\nend = {end}\nstep_minutes = {step}\n\
             [[loads]]\nname = \"home\"\ncurve = {{ file = \"{}\", format = \"enedis\" }}\n",
            toml_path(&tmy),
            toml_path(&linky)
        )
    };
    let sums: Vec<f64> = [15, 30, 60]
        .into_iter()
        .map(|step| {
            let (d, map) = district(&text("2023-01-01", "2023-02-01", step));
            let data = load(&d, &map).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(data.loads_kwh[0].axis().len(), 31 * 24 * 60 / step as usize);
            data.loads_kwh[0].sum()
        })
        .collect();
    println!("January 2023 household: {:.1} kWh at 15/30/60 min", sums[1]);
    assert!(sums[1] > 100.0 && sums[1] < 2000.0);
    assert!((sums[0] - sums[1]).abs() < 1e-9 && (sums[2] - sums[1]).abs() < 1e-9);

    // The 2023 spring DST day at 15 min: 92 intervals, the 30-min energy split in two.
    let (d, map) = district(&text("2023-03-26", "2023-03-27", 15));
    let data = load(&d, &map).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(data.loads_kwh[0].values().len(), 92);

    // 2025 is not in the file: the diagnostic names the field, the file and both ranges.
    let (d, map) = district(&text("2025-01-01", "2025-01-02", 30));
    let err = load(&d, &map).unwrap_err().to_string();
    println!("{err}");
    assert!(err.contains(":13:18: loads[0].curve.file: "), "{err}");
    assert!(err.contains("linky_enedis_export_household_2022-07_2023-07_30min.csv covers 2022-07-29 00:00 CEST .. 2023-07-29"), "{err}");
    assert!(err.contains("which does not cover the axis 2025-01-01 00:00 CET .. 2025-01-02 00:00 CET (expected a file covering the whole axis)"), "{err}");
}

#[test]
fn carbon_series_and_ev_sessions_from_real_files() {
    let (Some(tmy), Some(carbon), Some(sessions)) = (
        quartier_testdata::shared_file("pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv"),
        quartier_testdata::shared_file("electricitymaps_FR_2022_hourly.csv"),
        quartier_testdata::shared_file("trondheim_residential_ev_sessions_Dataset1.csv"),
    ) else {
        return;
    };
    let text = format!(
        "weather = {{ file = \"{}\", format = \"pvgis-tmy-csv\" }}\n{HEAD}\
         [time]\nstart = 2022-03-01\nend = 2022-04-01\nstep_minutes = 15\n\
         [carbon]\nseries = {{ file = \"{}\", column = \"Carbon Intensity gCO2eq/kWh (LCA)\", timezone = \"UTC\" }}\n\
         [[ev_charging]]\nname = \"garages\"\nchargers = 40\ncharger_kw = 7.4\nsessions = \"{}\"\ntimezone = \"Europe/Oslo\"\nshift_days = 0\n",
        toml_path(&tmy),
        toml_path(&carbon),
        toml_path(&sessions)
    );
    let (d, map) = district(&text);
    let (data, report) = load_with_report(&d, &map).unwrap_or_else(|e| panic!("{e}"));
    let c = data.carbon.values();
    assert_eq!(c.len(), 31 * 96 - 4, "March 2022 in Paris loses an hour");
    let mean = c.iter().sum::<f64>() / c.len() as f64;
    println!("carbon March 2022 mean {mean:.1} gCO2e/kWh (LCA)");
    assert!(mean > 20.0 && mean < 200.0);
    // The sessions end in January 2020: all are outside a 2022 axis, and counted.
    let r = &report.ev_charging[0];
    println!("{r}");
    assert_eq!(r.kept, 0);
    assert_eq!(r.outside_axis, r.read);
    assert!(r.read > 6000);

    // Shifted by 3 years (1096 days), the December 2018 – January 2020 sessions land in 2022.
    let shifted = text.replace("shift_days = 0", "shift_days = 1096");
    let (d, map) = district(&shifted);
    let (data, report) = load_with_report(&d, &map).unwrap_or_else(|e| panic!("{e}"));
    let r = &report.ev_charging[0];
    println!("{r}");
    assert!(r.kept > 100 && r.kept + r.outside_axis == r.read);
    let ev = &data.ev_sessions[0];
    assert!(
        ev.iter()
            .all(|s| s.arrival < s.departure && s.departure <= d.axis.len())
    );
    assert!(
        ev.iter()
            .all(|s| s.energy_kwh <= s.max_kw * (s.departure - s.arrival) as f64 * 0.25 + 1e-9)
    );
}

#[test]
fn file_errors_point_at_the_field_and_carry_the_data_line() {
    let text = format!(
        "weather = {{ file = \"weather_hourly_2025-03-29_31.csv\", format = \"pvgis-hourly-csv\" }}\n{HEAD}\
         [time]\nstart = 2025-03-30\nend = 2025-03-31\nstep_minutes = 15\n\
         [[loads]]\nname = \"a\"\ncurve = {{ file = \"bad_curve.csv\" }}\n\
         [[loads]]\nname = \"b\"\ncurve = {{ file = \"load_dst_15min.csv\", column = \"kwhh\" }}\n"
    );
    let (d, map) = district(&text);
    let err = load(&d, &map).unwrap_err();
    let s = err.to_string();
    println!("{s}");
    assert!(s.contains(":13:18: loads[0].curve.file: "), "{s}");
    assert!(s.contains("bad_curve.csv:3:"), "{s}");
    assert!(s.contains(":16:18: loads[1].curve.file: "), "{s}");
    assert!(s.contains("kwhh"), "{s}");
}

#[test]
fn a_district_curve_interpolates_short_gaps_and_refuses_to_leave_steps_out() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(data_dir().join("load_dst_15min.csv")).unwrap();
    // Rows 10–12 (3 steps) and 40–49 (10 steps) removed.
    let holed: String = text
        .lines()
        .enumerate()
        .filter(|(i, _)| !(11..14).contains(i) && !(41..51).contains(i))
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let file = tmp.path().join("holed.csv");
    std::fs::write(&file, holed).unwrap();
    let with = |extra: &str| {
        format!(
            "weather = {{ file = \"weather_hourly_2025-03-29_31.csv\", format = \"pvgis-hourly-csv\" }}\n{HEAD}\
             [time]\nstart = 2025-03-30\nend = 2025-03-31\nstep_minutes = 15\n\
             [[loads]]\nname = \"a\"\ncurve = {{ file = \"{}\"{extra} }}\n",
            toml_path(&file)
        )
    };
    // By default every missing step is an error at its line.
    let (d, map) = district(&with(""));
    let s = load(&d, &map).unwrap_err().to_string();
    assert!(
        s.contains("gap: 3 missing step(s)") && s.contains("gap: 10 missing step(s)"),
        "{s}"
    );
    // A simulation cannot leave steps out.
    let e = parse_district(
        &with(", missing = \"exclude\""),
        &data_dir().join("inline.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("loads[0].curve.missing: a simulation needs a value at every step"),
        "{e}"
    );
    // Interpolated up to 4 steps: the 10-step gap is still an error, named with its start.
    let (d, map) = district(&with(", missing = \"interpolate\", max_gap_steps = 4"));
    let s = load(&d, &map).unwrap_err().to_string();
    assert!(
        s.contains("a gap of 10 steps from") && s.contains("longer than max_gap_steps = 4"),
        "{s}"
    );
    // Up to 10: loads, each gap a straight line between its neighbours.
    let (d, map) = district(&with(", missing = \"interpolate\", max_gap_steps = 10"));
    let (data, _) = load_with_report(&d, &map).unwrap();
    let full = {
        let (d, map) = district(&with("").replace(&toml_path(&file), "load_dst_15min.csv"));
        load_with_report(&d, &map).unwrap().0
    };
    let (a, b) = (&data.loads_kwh[0], &full.loads_kwh[0]);
    assert!(a.values().iter().all(|v| v.is_finite()));
    assert_eq!(a.values().len(), b.values().len());
}

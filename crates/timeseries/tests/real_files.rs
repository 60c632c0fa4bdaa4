//! Readers on the real files of the shared data folder (skipped with a printed reason when the
//! folder is absent; failing in CI) and on the synthetic EPW file of `tests/data`.

use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use quartier_timeseries::{
    Axis, FillPolicy, Quantity, SessionOptions, Step, TYPICAL_REFERENCE_YEAR, local_day_len,
    read_enedis, read_epw, read_pvgis, read_sessions, resample,
};

#[test]
fn enedis_household_year() {
    let Some(path) =
        quartier_testdata::shared_file("linky_enedis_export_household_2022-07_2023-07_30min.csv")
    else {
        return;
    };
    let (s, meta) = read_enedis(&path, FillPolicy::None).unwrap();
    assert_eq!(s.values().len(), 17_520);
    assert_eq!(s.quantity(), Quantity::EnergyKwh);
    assert_eq!(meta.step, Some(Step::MIN30));
    assert_eq!(meta.unit.as_deref(), Some("W"));
    assert_eq!(meta.prm.as_deref(), Some("1111111111111"));
    // First row 2022-07-29T00:30+02:00 ends the first interval: it starts at 22:00 UTC.
    assert_eq!(
        s.axis().start(),
        Utc.with_ymd_and_hms(2022, 7, 28, 22, 0, 0).unwrap()
    );
    let total = s.sum();
    println!(
        "Enedis household: {} half-hours, {total:.3} kWh",
        s.values().len()
    );
    assert!((total - 7302.599).abs() < 1e-6, "total {total}");
    let daily = resample(&s, Step::from_minutes(1440).unwrap());
    // The axis starts at 22:00 UTC, not on a UTC day: daily resampling is refused.
    assert!(daily.is_err());
    let hourly = resample(&s, Step::MIN60).unwrap();
    assert!((hourly.sum() - total).abs() < 1e-6);
}

#[test]
fn pvgis_tmy_csv() {
    let Some(path) = quartier_testdata::shared_file("pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv")
    else {
        return;
    };
    let (w, meta) = read_pvgis(&path).unwrap();
    assert_eq!(w.axis.len(), 8760);
    assert!(meta.typical_year);
    assert_eq!(
        (meta.latitude_deg, meta.longitude_deg, meta.elevation_m),
        (45.0, 8.0, 250.0)
    );
    assert_eq!(
        w.axis.start(),
        Utc.with_ymd_and_hms(TYPICAL_REFERENCE_YEAR, 1, 1, 0, 0, 0)
            .unwrap()
    );
    assert!((w.sample_offset_minutes - 0.1761 * 60.0).abs() < 1e-9);
    let ghi_kwh_m2: f64 = w.ghi_w_m2.iter().sum::<f64>() / 1000.0;
    let t_mean = w.temp_air_c.iter().sum::<f64>() / 8760.0;
    println!(
        "PVGIS TMY 45N 8E: GHI {ghi_kwh_m2:.1} kWh/m²/yr, mean T2m {t_mean:.2} °C ({})",
        meta.source
    );
    assert!((1200.0..1700.0).contains(&ghi_kwh_m2), "{ghi_kwh_m2}");
    assert!((5.0..18.0).contains(&t_mean));
    // Onto 2024 (leap year) at 15 min in Paris local days.
    let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let last = NaiveDate::from_ymd_opt(2024, 12, 30).unwrap();
    let target = Axis::local_days(first, last, chrono_tz::Europe::Paris, Step::MIN15).unwrap();
    let on = w.onto_axis_typical(&target).unwrap();
    assert_eq!(on.ghi_w_m2.len(), target.len());
    assert_eq!(on.sample_offset_minutes, 7.5);
}

#[test]
fn pvgis_hourly_sample_is_plane_of_array() {
    let Some(path) =
        quartier_testdata::shared_file("pvlib_pvgis_hourly_45.000_8.000_2016_sample.csv")
    else {
        return;
    };
    let e = read_pvgis(&path).unwrap_err();
    println!("{e}");
    assert!(
        e.to_string()
            .contains("plane-of-array irradiance (slope 30°)")
    );
}

#[test]
fn trondheim_sessions() {
    let Some(path) =
        quartier_testdata::shared_file("trondheim_residential_ev_sessions_Dataset1.csv")
    else {
        return;
    };
    let strict = SessionOptions {
        timezone: chrono_tz::Europe::Oslo,
        skip_invalid_rows: false,
    };
    let e = read_sessions(&path, &strict).unwrap_err();
    assert!(
        e.to_string()
            .contains("End_plugout: unparsable timestamp \"NA\"")
    );
    let lenient = SessionOptions {
        skip_invalid_rows: true,
        ..strict
    };
    let r = read_sessions(&path, &lenient).unwrap();
    let rows_with_problems: std::collections::BTreeSet<u64> =
        r.skipped.iter().filter_map(|e| e.line).collect();
    let energy: f64 = r.sessions.iter().map(|s| s.energy_kwh).sum();
    println!(
        "Trondheim: {} sessions read, {} rows skipped ({} problems), {energy:.1} kWh",
        r.sessions.len(),
        rows_with_problems.len(),
        r.skipped.len()
    );
    assert_eq!(r.sessions.len() + rows_with_problems.len(), 6_878);
    // 34 rows without plug-out, 17 with plug-out = plug-in (minute resolution).
    assert_eq!(rows_with_problems.len(), 51);
    assert!(
        r.sessions
            .iter()
            .all(|s| s.plug_out > s.plug_in && s.energy_kwh >= 0.0)
    );
}

fn epw_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/paris_orly_synthetic_4days.epw")
}

#[test]
fn synthetic_epw_file() {
    let (w, meta) = read_epw(&epw_path()).unwrap();
    assert_eq!(w.axis.len(), 96);
    assert!(meta.typical_year);
    assert_eq!(
        (meta.latitude_deg, meta.longitude_deg, meta.elevation_m),
        (48.72, 2.38, 89.0)
    );
    // 30 January hour 1 = 00:00–01:00 local standard (UTC+1) = 23:00 UTC on 29 January.
    assert_eq!(
        w.axis.start(),
        Utc.with_ymd_and_hms(TYPICAL_REFERENCE_YEAR, 1, 29, 23, 0, 0)
            .unwrap()
    );
    assert_eq!(w.ghi_w_m2.iter().sum::<f64>(), 6074.0);
    assert_eq!(w.sample_offset_minutes, 30.0);
    // Noon-ish sun: the largest GHI is around 11:00–13:00 UTC.
    let (imax, _) = w
        .ghi_w_m2
        .iter()
        .enumerate()
        .fold((0, f64::MIN), |a, (i, &v)| if v > a.1 { (i, v) } else { a });
    let hour = chrono::Timelike::hour(&w.axis.time(imax));
    assert!((10..=13).contains(&hour), "{hour}");
    let target = Axis::new(
        Utc.with_ymd_and_hms(2031, 1, 30, 0, 0, 0).unwrap(),
        Step::MIN30,
        96,
    )
    .unwrap();
    let on = w.onto_axis_typical(&target).unwrap();
    assert_eq!(
        on.ghi_w_m2.iter().sum::<f64>() / 2.0,
        w.ghi_w_m2[1..49].iter().sum::<f64>()
    );
    assert_eq!(on.axis.start().year(), 2031);
}

#[test]
fn dst_day_lengths_in_paris() {
    let tz = chrono_tz::Europe::Paris;
    for (d, n) in [
        ((2025, 3, 30), 23),
        ((2025, 10, 26), 25),
        ((2025, 7, 14), 24),
    ] {
        let day = NaiveDate::from_ymd_opt(d.0, d.1, d.2).unwrap();
        assert_eq!(local_day_len(day, tz, Step::MIN60).unwrap(), n);
    }
}

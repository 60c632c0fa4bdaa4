//! Known-answer tests on synthetic series, and the bad inputs that must be errors.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use quartier_evaluate::temperature::{celsius_to_fahrenheit, fahrenheit_to_celsius};
use quartier_evaluate::{
    DailyConfig, DailyModelKind, EvalError, HourlyConfig, Period, SavingsConfig, fit_daily,
    fit_hourly,
};
use quartier_timeseries::{Axis, Quantity, Series, Step};

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap()
}

/// Hourly temperatures over `days` days: a seasonal cycle plus a daily cycle, °C.
fn hourly_temps(days: usize) -> Vec<f64> {
    (0..days * 24)
        .map(|h| {
            let d = h as f64 / 24.0;
            11.0 - 10.0 * (d * std::f64::consts::TAU / 365.0).cos()
                + 4.0 * ((h % 24) as f64 * std::f64::consts::TAU / 24.0 - 2.0).sin()
                + 1.5 * ((d * 0.7).sin() * (d * 0.31).cos())
        })
        .collect()
}

fn daily_means(hourly: &[f64]) -> Vec<f64> {
    hourly
        .chunks(24)
        .map(|c| c.iter().sum::<f64>() / 24.0)
        .collect()
}

fn utc_config() -> DailyConfig {
    DailyConfig {
        tz: chrono_tz::UTC,
        ..DailyConfig::default()
    }
}

struct Synthetic {
    energy: Series,
    temperature: Series,
    baseline: Period,
    reporting: Period,
}

/// Two years: baseline = first 365 days with the true model, reporting = next 365 days with
/// the true model times `reporting_factor`.
fn daily_synthetic(
    intercept: f64,
    bh: f64,
    bph_c: f64,
    bc: f64,
    bpc_c: f64,
    reporting_factor: f64,
) -> Synthetic {
    let days = 730;
    let temps = hourly_temps(days);
    let means = daily_means(&temps);
    let energy: Vec<f64> = means
        .iter()
        .enumerate()
        .map(|(d, t)| {
            let e = intercept + bh * (bph_c - t).max(0.0) + bc * (t - bpc_c).max(0.0);
            if d >= 365 { e * reporting_factor } else { e }
        })
        .collect();
    let daxis = Axis::new(start(), Step::from_minutes(1440).unwrap(), days).unwrap();
    let haxis = Axis::new(start(), Step::MIN60, days * 24).unwrap();
    Synthetic {
        energy: Series::new(daxis, Quantity::EnergyKwh, energy).unwrap(),
        temperature: Series::new(haxis, Quantity::TemperatureC, temps).unwrap(),
        baseline: Period::new(start(), start() + Duration::days(365)).unwrap(),
        reporting: Period::new(start() + Duration::days(365), start() + Duration::days(730))
            .unwrap(),
    }
}

#[test]
fn daily_hdd_cdd_model_is_recovered_to_numerical_precision() {
    let bph = fahrenheit_to_celsius(59.0);
    let bpc = fahrenheit_to_celsius(66.0);
    let s = daily_synthetic(12.0, 1.7, bph, 2.3, bpc, 1.0);
    let fit = fit_daily(&s.energy, &s.temperature, s.baseline, &utc_config()).unwrap();
    let m = &fit.model;
    assert_eq!(m.kind, DailyModelKind::HddCdd);
    assert_eq!(m.heating_balance_point_c, Some(bph));
    assert_eq!(m.cooling_balance_point_c, Some(bpc));
    assert!((m.intercept_kwh - 12.0).abs() < 1e-9, "{m:?}");
    assert!((m.beta_hdd_kwh_per_degree_day - 1.7).abs() < 1e-9);
    assert!((m.beta_cdd_kwh_per_degree_day - 2.3).abs() < 1e-9);
    assert!(fit.metrics.cv_rmse < 1e-10);
    assert!((fit.metrics.r_squared - 1.0).abs() < 1e-12);
    assert!(fit.sufficiency.passes());
}

#[test]
fn daily_savings_of_a_twenty_percent_cut_are_exact() {
    let s = daily_synthetic(8.0, 2.0, fahrenheit_to_celsius(60.0), 0.0, 30.0, 0.8);
    let mut config = utc_config();
    config.fit_cdd = false;
    let fit = fit_daily(&s.energy, &s.temperature, s.baseline, &config).unwrap();
    assert_eq!(fit.model.kind, DailyModelKind::HddOnly);
    let report = fit
        .savings(
            &s.energy,
            &s.temperature,
            s.reporting,
            &SavingsConfig::default(),
        )
        .unwrap();
    let t = report.total;
    assert_eq!(t.m, 365);
    assert!((t.avoided_kwh - 0.2 * t.baseline_kwh).abs() < 1e-6 * t.baseline_kwh);
    assert_eq!(report.monthly.len(), 12);
    let monthly_sum: f64 = report.monthly.iter().map(|(_, a)| a.avoided_kwh).sum();
    assert!((monthly_sum - t.avoided_kwh).abs() < 1e-6 * t.baseline_kwh);
    // A perfect baseline has no uncertainty and meets Guideline 14.
    assert!(t.uncertainty_kwh.abs() < 1e-6);
    assert!(report.guideline14.passes());
}

#[test]
fn too_little_baseline_data_is_an_error_with_its_report() {
    let s = daily_synthetic(8.0, 2.0, 15.0, 0.0, 30.0, 1.0);
    let short = Period::new(start(), start() + Duration::days(200)).unwrap();
    match fit_daily(&s.energy, &s.temperature, short, &utc_config()) {
        Err(EvalError::InsufficientData(r)) => {
            assert!(!r.passes());
            assert_eq!(r.period_days, 200.0);
        }
        other => panic!("expected InsufficientData, got {other:?}"),
    }
    // A full year with 15 % of the meter days missing.
    let mut values = s.energy.values().to_vec();
    for v in values.iter_mut().take(55) {
        *v = f64::NAN;
    }
    let holed = Series::new(*s.energy.axis(), Quantity::EnergyKwh, values).unwrap();
    assert!(matches!(
        fit_daily(&holed, &s.temperature, s.baseline, &utc_config()),
        Err(EvalError::InsufficientData(_))
    ));
}

#[test]
fn meter_and_weather_without_overlap_is_an_error() {
    let s = daily_synthetic(8.0, 2.0, 15.0, 0.0, 30.0, 1.0);
    let later = start() + Duration::days(3000);
    let haxis = Axis::new(later, Step::MIN60, 24 * 400).unwrap();
    let far = Series::constant(haxis, Quantity::TemperatureC, 10.0);
    let err = fit_daily(&s.energy, &far, s.baseline, &utc_config()).unwrap_err();
    assert!(
        matches!(
            err,
            EvalError::NoOverlap {
                what: "temperature",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn reporting_before_baseline_is_an_error() {
    let s = daily_synthetic(8.0, 2.0, 15.0, 0.0, 30.0, 1.0);
    let fit = fit_daily(&s.energy, &s.temperature, s.baseline, &utc_config()).unwrap();
    let early = Period::new(start() + Duration::days(100), start() + Duration::days(200)).unwrap();
    let err = fit
        .savings(&s.energy, &s.temperature, early, &SavingsConfig::default())
        .unwrap_err();
    assert!(matches!(err, EvalError::ReportingBeforeBaseline { .. }));
}

#[test]
fn fahrenheit_given_as_celsius_is_detected() {
    let s = daily_synthetic(8.0, 2.0, 15.0, 0.0, 30.0, 1.0);
    let f: Vec<f64> = s
        .temperature
        .values()
        .iter()
        .map(|c| celsius_to_fahrenheit(*c) + 15.0)
        .collect();
    let wrong = Series::new(*s.temperature.axis(), Quantity::TemperatureC, f).unwrap();
    let err = fit_daily(&s.energy, &wrong, s.baseline, &utc_config()).unwrap_err();
    assert!(matches!(err, EvalError::LooksFahrenheit { .. }), "{err}");
    // A single spike is implausible, not °F.
    let mut spiked = s.temperature.values().to_vec();
    spiked[100] = 85.0;
    let spiked = Series::new(*s.temperature.axis(), Quantity::TemperatureC, spiked).unwrap();
    let err = fit_daily(&s.energy, &spiked, s.baseline, &utc_config()).unwrap_err();
    assert!(
        matches!(err, EvalError::ImplausibleTemperature { count: 1, .. }),
        "{err}"
    );
}

#[test]
fn hourly_towt_structure_is_recovered_exactly() {
    let days = 730;
    let temps = hourly_temps(days);
    // Time-of-week base load (occupied office hours higher) plus a heating slope. The known
    // answer is linear in temperature: a kink is recovered exactly only where its bin endpoint
    // survives the bin-count rule in every segment, and a slope that differs by occupancy
    // only where the residual-sign rule classifies every hour as the generator did (in
    // winter it does not: heating residuals tip some night hours to "occupied").
    let energy: Vec<f64> = temps
        .iter()
        .enumerate()
        .map(|(h, t)| {
            let how = ((h / 24 + 4) % 7) * 24 + h % 24; // 2021-01-01 is a Friday
            let occupied = how < 5 * 24 && (8..19).contains(&(how % 24));
            let base = if occupied { 20.0 } else { 5.0 } + 0.01 * (how % 24) as f64;
            let scale = if h >= 365 * 24 { 0.9 } else { 1.0 };
            let slope = 0.9;
            scale * (base + slope * (25.0 - t))
        })
        .collect();
    let axis = Axis::new(start(), Step::MIN60, days * 24).unwrap();
    let energy = Series::new(axis, Quantity::EnergyKwh, energy).unwrap();
    let temperature = Series::new(axis, Quantity::TemperatureC, temps).unwrap();
    let baseline = Period::new(start(), start() + Duration::days(365)).unwrap();
    let reporting =
        Period::new(start() + Duration::days(365), start() + Duration::days(730)).unwrap();
    let config = HourlyConfig {
        tz: chrono_tz::UTC,
        ..HourlyConfig::default()
    };
    let fit = fit_hourly(&energy, &temperature, baseline, &config).unwrap();
    assert!(fit.metrics.cv_rmse < 1e-9, "{:?}", fit.metrics);
    let report = fit
        .savings(&energy, &temperature, reporting, &SavingsConfig::default())
        .unwrap();
    let t = report.total;
    assert!(
        (t.avoided_kwh - 0.1 * t.baseline_kwh).abs() < 1e-6 * t.baseline_kwh,
        "{t:?}"
    );
    assert_eq!(report.skipped, 0);
}

#[test]
fn hourly_model_refuses_daily_data() {
    let s = daily_synthetic(8.0, 2.0, 15.0, 0.0, 30.0, 1.0);
    let config = HourlyConfig {
        tz: chrono_tz::UTC,
        ..HourlyConfig::default()
    };
    let err = fit_hourly(&s.energy, &s.temperature, s.baseline, &config).unwrap_err();
    assert!(matches!(err, EvalError::NeedsHourlyData { minutes: 1440 }));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn hdd_only_models_are_recovered(
        intercept in 0.5f64..50.0,
        slope in 0.2f64..5.0,
        bp_f in 50i32..66,
    ) {
        let bp = fahrenheit_to_celsius(f64::from(bp_f));
        let s = daily_synthetic(intercept, slope, bp, 0.0, 40.0, 1.0);
        let mut config = utc_config();
        config.fit_cdd = false;
        let fit = fit_daily(&s.energy, &s.temperature, s.baseline, &config).unwrap();
        prop_assert_eq!(fit.model.heating_balance_point_c, Some(bp));
        prop_assert!((fit.model.intercept_kwh - intercept).abs() < 1e-8 * intercept.max(1.0));
        prop_assert!((fit.model.beta_hdd_kwh_per_degree_day - slope).abs() < 1e-8 * slope.max(1.0));
    }
}

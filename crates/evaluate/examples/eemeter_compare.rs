//! Reads a meter CSV and a temperature CSV (`time_utc,value`, RFC 3339 UTC instants, empty
//! value = missing; meter in kWh per interval, daily or hourly; temperature in °C, hourly),
//! fits the CalTRACK daily or hourly baseline, predicts the reporting period and prints
//! the results as JSON, with the fit + predict time averaged over `--repeat` runs.
//!
//! ```text
//! cargo run --release -p quartier-evaluate --example eemeter_compare -- \
//!   daily meter.csv temperature.csv BASELINE_START BASELINE_END REPORTING_START REPORTING_END [REPEAT]
//! ```
//! Used by `bench/eemeter/compare.py`.

use std::time::Instant;

use chrono::{DateTime, Utc};
use quartier_evaluate::{
    DailyConfig, FitMetrics, HourlyConfig, Period, SavingsConfig, SavingsReport, fit_daily,
    fit_hourly,
};
use quartier_timeseries::{Axis, Quantity, Series, Step};

fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("bad time {s:?}: {e}"))
}

fn read_series(path: &str, quantity: Quantity) -> Result<Series, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut rows = Vec::new();
    for line in text.lines().skip(1) {
        let Some((t, v)) = line.split_once(',') else {
            continue;
        };
        let v = v.trim();
        let v = if v.is_empty() {
            f64::NAN
        } else {
            v.parse::<f64>()
                .map_err(|e| format!("{path}: {v:?}: {e}"))?
        };
        rows.push((parse_time(t)?, v));
    }
    let (Some(first), Some(second)) = (rows.first(), rows.get(1)) else {
        return Err(format!("{path}: fewer than two rows"));
    };
    let minutes = (second.0 - first.0).num_minutes();
    let step = Step::from_minutes(u32::try_from(minutes).map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    let last = rows.last().map(|r| r.0).unwrap_or(first.0);
    let len = ((last - first.0).num_minutes() / minutes + 1) as usize;
    let axis = Axis::new(first.0, step, len).map_err(|e| e.to_string())?;
    let mut values = vec![f64::NAN; len];
    for (t, v) in rows {
        if let Some(i) = axis.index_of(t) {
            values[i] = v;
        }
    }
    Series::new(axis, quantity, values).map_err(|e| e.to_string())
}

fn metrics_json(m: &FitMetrics) -> String {
    format!(
        "{{\"n\":{},\"p\":{},\"cv_rmse\":{},\"nmbe\":{},\"r_squared\":{},\"autocorrelation\":{},\"n_effective\":{}}}",
        m.n, m.p, m.cv_rmse, m.nmbe, m.r_squared, m.autocorrelation, m.n_effective
    )
}

fn savings_json(s: &SavingsReport) -> String {
    let t = &s.total;
    format!(
        "{{\"m\":{},\"baseline_kwh\":{},\"metered_kwh\":{},\"avoided_kwh\":{},\"uncertainty_kwh\":{},\"fsu\":{},\"confidence\":{},\"guideline14_passes\":{},\"skipped\":{}}}",
        t.m,
        t.baseline_kwh,
        t.metered_kwh,
        t.avoided_kwh,
        t.uncertainty_kwh,
        t.fsu,
        s.confidence,
        s.guideline14.passes(),
        s.skipped
    )
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 7 {
        return Err("usage: eemeter_compare daily|hourly METER.csv TEMP.csv BASE_START BASE_END REP_START REP_END [REPEAT]".into());
    }
    let meter = read_series(&args[1], Quantity::EnergyKwh)?;
    let temp = read_series(&args[2], Quantity::TemperatureC)?;
    let period = |a: &str, b: &str| -> Result<Period, String> {
        Period::new(parse_time(a)?, parse_time(b)?).map_err(|e| e.to_string())
    };
    let baseline = period(&args[3], &args[4])?;
    let reporting = period(&args[5], &args[6])?;
    let repeat: usize = args.get(7).and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
    let savings_config = SavingsConfig {
        confidence: 0.90,
        tz: chrono_tz::UTC,
    };
    let start = Instant::now();
    let mut out = String::new();
    for _ in 0..repeat {
        out = match args[0].as_str() {
            "daily" => {
                let config = DailyConfig {
                    tz: chrono_tz::UTC,
                    ..DailyConfig::default()
                };
                let fit = fit_daily(&meter, &temp, baseline, &config).map_err(|e| e.to_string())?;
                let s = fit
                    .savings(&meter, &temp, reporting, &savings_config)
                    .map_err(|e| e.to_string())?;
                let m = &fit.model;
                format!(
                    "{{\"method\":\"caltrack_daily\",\"kind\":\"{:?}\",\"intercept_kwh\":{},\"beta_hdd\":{},\"beta_cdd\":{},\"heating_balance_point_c\":{},\"cooling_balance_point_c\":{},\"r_squared_adj\":{},\"metrics\":{},\"savings\":{}",
                    m.kind,
                    m.intercept_kwh,
                    m.beta_hdd_kwh_per_degree_day,
                    m.beta_cdd_kwh_per_degree_day,
                    m.heating_balance_point_c
                        .map_or("null".into(), |v| v.to_string()),
                    m.cooling_balance_point_c
                        .map_or("null".into(), |v| v.to_string()),
                    m.r_squared_adj,
                    metrics_json(&fit.metrics),
                    savings_json(&s)
                )
            }
            "hourly" => {
                let config = HourlyConfig {
                    tz: chrono_tz::UTC,
                    enforce_sufficiency: false,
                    ..HourlyConfig::default()
                };
                let fit =
                    fit_hourly(&meter, &temp, baseline, &config).map_err(|e| e.to_string())?;
                let s = fit
                    .savings(&meter, &temp, reporting, &savings_config)
                    .map_err(|e| e.to_string())?;
                format!(
                    "{{\"method\":\"caltrack_hourly\",\"sufficiency_passes\":{},\"metrics\":{},\"savings\":{}",
                    fit.sufficiency.passes(),
                    metrics_json(&fit.metrics),
                    savings_json(&s)
                )
            }
            other => return Err(format!("unknown method {other}")),
        };
    }
    let secs = start.elapsed().as_secs_f64() / repeat as f64;
    println!("{out},\"fit_predict_seconds\":{secs}}}");
    Ok(())
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

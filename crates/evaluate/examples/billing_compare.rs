//! Reads invoices (`start,end,kwh`, local dates, end exclusive), an hourly temperature CSV
//! (`time_utc,temperature_c`, RFC 3339 UTC, empty = missing) and a periods JSON (`baseline`
//! and `reporting` `{start, end}` local dates, `timezone`, `fit_cdd`, `max_p_value`), fits the
//! CalTRACK billing baseline, predicts the reporting invoices and prints one JSON object with
//! the model, the totals and the Guideline 14 uncertainty, timed over `REPEAT` runs.
//!
//! ```text
//! cargo run --release -p quartier-evaluate --example billing_compare -- \
//!   invoices.csv temperature.csv periods.json [REPEAT]
//! ```
//! Used by `bench/eemeter/billing.py --quartier`.

use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use quartier_evaluate::{
    BillingConfig, DailyConfig, Granularity, Invoice, Period, SavingsConfig, compute_savings,
    fit_billing,
};
use quartier_timeseries::{Axis, Quantity, Series, Step, local_midnight};

fn date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|e| format!("bad date {s:?}: {e}"))
}

fn read_invoices(path: &str) -> Result<Vec<Invoice>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let [start, end, kwh] = f.as_slice() else {
                return Err(format!("{path}: {l:?}: expected start,end,kwh"));
            };
            Ok(Invoice {
                start: date(start)?,
                end: date(end)?,
                kwh: kwh
                    .trim()
                    .parse()
                    .map_err(|e| format!("{path}: {kwh:?}: {e}"))?,
            })
        })
        .collect()
}

fn read_temperature(path: &str) -> Result<Series, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let mut rows: Vec<(DateTime<Utc>, f64)> = Vec::new();
    for line in text.lines().skip(1) {
        let Some((t, v)) = line.split_once(',') else {
            continue;
        };
        let t = DateTime::parse_from_rfc3339(t.trim())
            .map_err(|e| format!("{path}: {t:?}: {e}"))?
            .with_timezone(&Utc);
        let v = v.trim();
        rows.push((
            t,
            if v.is_empty() {
                f64::NAN
            } else {
                v.parse().map_err(|e| format!("{path}: {v:?}: {e}"))?
            },
        ));
    }
    let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
        return Err(format!("{path}: no rows"));
    };
    let len = ((last.0 - first.0).num_hours() + 1) as usize;
    let axis = Axis::new(first.0, Step::MIN60, len).map_err(|e| e.to_string())?;
    let mut values = vec![f64::NAN; len];
    for (t, v) in rows {
        if let Some(i) = axis.index_of(t) {
            values[i] = v;
        }
    }
    Series::new(axis, Quantity::TemperatureC, values).map_err(|e| e.to_string())
}

fn run() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        return Err(
            "usage: billing_compare INVOICES.csv TEMPERATURE.csv PERIODS.json [REPEAT]".into(),
        );
    }
    let invoices = read_invoices(&args[0])?;
    let temperature = read_temperature(&args[1])?;
    let json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&args[2]).map_err(|e| format!("{}: {e}", args[2]))?,
    )
    .map_err(|e| format!("{}: {e}", args[2]))?;
    let tz: chrono_tz::Tz = json["timezone"]
        .as_str()
        .unwrap_or("UTC")
        .parse()
        .map_err(|e| format!("timezone: {e}"))?;
    let period = |key: &str| -> Result<Period, String> {
        let d = |k: &str| date(json[key][k].as_str().unwrap_or_default());
        Period::new(
            local_midnight(d("start")?, tz).map_err(|e| e.to_string())?,
            local_midnight(d("end")?, tz).map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())
    };
    let (baseline, reporting) = (period("baseline")?, period("reporting")?);
    let config = BillingConfig {
        model: DailyConfig {
            tz,
            fit_cdd: json["fit_cdd"].as_bool().unwrap_or(true),
            max_p_value: json["max_p_value"].as_f64().unwrap_or(0.1),
            ..DailyConfig::default()
        },
        ..BillingConfig::default()
    };
    let repeat: usize = args
        .get(3)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20)
        .max(1);
    let started = Instant::now();
    let mut result = None;
    for _ in 0..repeat {
        let fit =
            fit_billing(&invoices, &temperature, baseline, &config).map_err(|e| e.to_string())?;
        let rows = fit
            .predict_invoices(&invoices, &temperature, reporting)
            .map_err(|e| e.to_string())?;
        let times = rows
            .iter()
            .map(|r| local_midnight(r.invoice.start, tz))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        let metered: Vec<f64> = rows.iter().map(|r| r.invoice.kwh).collect();
        let predicted: Vec<f64> = rows.iter().map(|r| r.predicted_kwh).collect();
        let savings = compute_savings(
            &times,
            &metered,
            &predicted,
            &fit.metrics,
            Granularity::Billing,
            &SavingsConfig {
                confidence: 0.9,
                tz,
            },
        )
        .map_err(|e| e.to_string())?;
        result = Some((fit, savings));
    }
    let seconds = started.elapsed().as_secs_f64() / repeat as f64;
    let Some((fit, savings)) = result else {
        return Err("no run".into());
    };
    let m = &fit.model;
    let out = serde_json::json!({
        "method": "caltrack_billing",
        "kind": format!("{:?}", m.kind),
        "cycle": format!("{:?}", fit.cycle),
        "invoices_used": fit.invoices.iter().filter(|r| r.used == quartier_evaluate::InvoiceUse::Used).count(),
        "intercept_kwh_per_day": m.intercept_kwh,
        "beta_hdd": m.heating_balance_point_c.map(|_| m.beta_hdd_kwh_per_degree_day),
        "beta_cdd": m.cooling_balance_point_c.map(|_| m.beta_cdd_kwh_per_degree_day),
        "heating_balance_point_c": m.heating_balance_point_c,
        "cooling_balance_point_c": m.cooling_balance_point_c,
        "r2_adj": m.r_squared_adj,
        "baseline_total": savings.total.baseline_kwh,
        "metered_total": savings.total.metered_kwh,
        "avoided_total": savings.total.avoided_kwh,
        "reporting_invoices": savings.total.m,
        "uncertainty_90": savings.total.uncertainty_kwh,
        "cv_rmse": fit.metrics.cv_rmse,
        "fit_predict_seconds": seconds,
    });
    println!("{out}");
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

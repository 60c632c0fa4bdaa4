//! Temperature units, plausibility checks and degree-days.
//!
//! Quartier works in °C; °F is available to compare with OpenEEmeter, whose CalTRACK
//! constants (balance points 30–90 °F, temperature bins 30/45/55/65/75/90 °F) are defined in
//! °F. Degree-days here are the CalTRACK daily kind: from the mean temperature of the day,
//! `HDD = max(base − T̄, 0)` and `CDD = max(T̄ − base, 0)`, in the unit of the temperatures.

use chrono::{DateTime, Utc};
use quartier_timeseries::{Quantity, Series};

use crate::{EvalError, Period};

/// A temperature unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TemperatureUnit {
    /// Degrees Celsius.
    Celsius,
    /// Degrees Fahrenheit.
    Fahrenheit,
}

/// °F → °C.
pub fn fahrenheit_to_celsius(f: f64) -> f64 {
    (f - 32.0) / 1.8
}

/// °C → °F.
pub fn celsius_to_fahrenheit(c: f64) -> f64 {
    c * 1.8 + 32.0
}

/// Heating degree-days of one day of mean temperature `mean`, base `base` (same unit); NaN
/// when the temperature is missing.
pub fn heating_degree_days(mean: f64, base: f64) -> f64 {
    if mean.is_nan() {
        return f64::NAN;
    }
    (base - mean).max(0.0)
}

/// Cooling degree-days of one day of mean temperature `mean`, base `base` (same unit); NaN
/// when the temperature is missing.
pub fn cooling_degree_days(mean: f64, base: f64) -> f64 {
    if mean.is_nan() {
        return f64::NAN;
    }
    (mean - base).max(0.0)
}

/// Daily degree-days from daily mean temperatures in °C, expressed in `unit`
/// (`base` in that unit too). Missing days (NaN) stay NaN.
pub fn degree_days(daily_mean_c: &[f64], base: f64, unit: TemperatureUnit) -> (Vec<f64>, Vec<f64>) {
    let conv = |c: f64| match unit {
        TemperatureUnit::Celsius => c,
        TemperatureUnit::Fahrenheit => celsius_to_fahrenheit(c),
    };
    daily_mean_c
        .iter()
        .map(|&c| {
            let t = conv(c);
            (heating_degree_days(t, base), cooling_degree_days(t, base))
        })
        .unzip()
}

/// Lowest plausible outdoor air temperature, °C.
pub const MIN_PLAUSIBLE_C: f64 = -60.0;
/// Highest plausible outdoor air temperature, °C.
pub const MAX_PLAUSIBLE_C: f64 = 60.0;

/// Checks that a temperature series in °C is plausible over `period`: every finite value
/// within −60…60 °C, and not a °F series mislabelled as °C (median above 35 °C, which no
/// climate has as its typical air temperature, or values above 60 °C with a median above
/// 25 °C). Returns the number of finite values checked.
pub fn check_temperature(temperature: &Series, period: Period) -> Result<usize, EvalError> {
    if temperature.quantity() != Quantity::TemperatureC {
        return Err(EvalError::WrongQuantity {
            what: "temperature",
            expected: Quantity::TemperatureC,
            found: temperature.quantity(),
        });
    }
    let axis = temperature.axis();
    let mut vals: Vec<f64> = Vec::new();
    let mut bad: Option<(usize, f64, DateTime<Utc>)> = None;
    for (i, &v) in temperature.values().iter().enumerate() {
        let t = axis.time(i);
        if t < period.start() || t >= period.end() || !v.is_finite() {
            continue;
        }
        vals.push(v);
        if !(MIN_PLAUSIBLE_C..=MAX_PLAUSIBLE_C).contains(&v) {
            bad = Some(match bad {
                None => (1, v, t),
                Some((c, v0, t0)) => (c + 1, v0, t0),
            });
        }
    }
    if vals.is_empty() {
        return Ok(0);
    }
    let mut sorted = vals.clone();
    sorted.sort_by(f64::total_cmp);
    let median = sorted[sorted.len() / 2];
    let max = sorted[sorted.len() - 1];
    if median > 35.0 || (max > MAX_PLAUSIBLE_C && median > 25.0) {
        return Err(EvalError::LooksFahrenheit { median, max });
    }
    if let Some((count, value, at)) = bad {
        return Err(EvalError::ImplausibleTemperature { count, value, at });
    }
    Ok(vals.len())
}

/// Median below which values declared in °F are taken for °C: 20 °F (−6.7 °C). The demo's
/// temperature file (`examples/experiments/data/eemeter_uk_temperature_sample0_hourly.csv`,
/// two years of hourly °C) read as °F has a median of 9.7 °F (the case in
/// `crates/cli/tests/evaluate.rs`); a median air temperature below −6.7 °C over a baseline
/// belongs to polar or high-mountain sites, not to a commune's buildings.
pub const MIN_PLAUSIBLE_MEDIAN_F: f64 = 20.0;

/// Checks values declared in °F (before they are converted): refused as [`EvalError::LooksCelsius`]
/// when their median is below [`MIN_PLAUSIBLE_MEDIAN_F`], as °C values given as °F are.
pub fn check_declared_fahrenheit(values_f: &[f64]) -> Result<(), EvalError> {
    let mut finite: Vec<f64> = values_f.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return Ok(());
    }
    finite.sort_by(f64::total_cmp);
    let median_f = finite[finite.len() / 2];
    if median_f < MIN_PLAUSIBLE_MEDIAN_F {
        return Err(EvalError::LooksCelsius { median_f });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn celsius_declared_as_fahrenheit_is_refused_and_the_message_names_the_setting() {
        // Paris in °F (a cold day to a hot one) passes; the same days in °C do not.
        let celsius = [2.0, 8.0, 12.0, 13.0, 19.0, 27.0];
        let fahrenheit: Vec<f64> = celsius.iter().map(|c| celsius_to_fahrenheit(*c)).collect();
        assert!(check_declared_fahrenheit(&fahrenheit).is_ok());
        let e = check_declared_fahrenheit(&celsius).unwrap_err();
        assert!(matches!(e, EvalError::LooksCelsius { median_f } if median_f == 13.0));
        let text = e.to_string();
        assert!(
            text.contains("-10.6 °C") && text.contains("unit = \"C\""),
            "{text}"
        );
        assert!(check_declared_fahrenheit(&[f64::NAN]).is_ok());
    }

    #[test]
    fn conversions_round_trip_and_degree_days() {
        assert!((fahrenheit_to_celsius(65.0) - 18.333_333_333_333_332).abs() < 1e-12);
        assert!((celsius_to_fahrenheit(fahrenheit_to_celsius(51.3)) - 51.3).abs() < 1e-12);
        let (h, c) = degree_days(&[10.0, 25.0, f64::NAN], 18.0, TemperatureUnit::Celsius);
        assert_eq!(h[0], 8.0);
        assert_eq!(c[1], 7.0);
        assert!(h[2].is_nan());
        let (hf, _) = degree_days(&[10.0], 65.0, TemperatureUnit::Fahrenheit);
        assert!((hf[0] - 15.0).abs() < 1e-12);
    }
}

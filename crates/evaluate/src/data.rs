//! Periods, the CalTRACK data preparation (daily totals and daily mean temperatures, hourly
//! grids) and the data-sufficiency report computed before any fit.
//!
//! Missing values are NaN in the input series. A day's energy is valid when every interval
//! of the day is present; a day's mean temperature is valid when more than half of its
//! temperature intervals are present (eemeter's `percent_hourly_coverage_per_day = 0.5`).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use quartier_timeseries::{Axis, Quantity, Series, local_midnight};

use crate::EvalError;

/// A half-open period `[start, end)` in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Period {
    /// A period; fails when `end <= start`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Period, EvalError> {
        if end <= start {
            return Err(EvalError::EmptyPeriod { start, end });
        }
        Ok(Period { start, end })
    }

    /// The period covering local days `[first, last]` of `tz`.
    pub fn local_days(first: NaiveDate, last: NaiveDate, tz: Tz) -> Result<Period, EvalError> {
        let start = local_midnight(first, tz)?;
        let end = local_midnight(last + Duration::days(1), tz)?;
        Period::new(start, end)
    }

    /// Start (inclusive).
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// End (exclusive).
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// Length in days (fractional).
    pub fn days(&self) -> f64 {
        (self.end - self.start).num_seconds() as f64 / 86_400.0
    }
}

/// Checks that the reporting period starts no earlier than the baseline ends.
pub fn check_periods(baseline: Period, reporting: Period) -> Result<(), EvalError> {
    if reporting.start < baseline.end {
        return Err(EvalError::ReportingBeforeBaseline {
            baseline_end: baseline.end,
            reporting_start: reporting.start,
        });
    }
    Ok(())
}

/// Energy per interval in kWh from an energy or power series.
pub(crate) fn energy_values(energy: &Series) -> Result<Series, EvalError> {
    match energy.quantity() {
        Quantity::EnergyKwh => Ok(energy.clone()),
        Quantity::PowerKw => Ok(energy.to_quantity(Quantity::EnergyKwh)?),
        found => Err(EvalError::WrongQuantity {
            what: "meter",
            expected: Quantity::EnergyKwh,
            found,
        }),
    }
}

/// Index range `[first, last)` of the intervals of `axis` whose start lies in `[a, b)`.
fn index_range(axis: &Axis, a: DateTime<Utc>, b: DateTime<Utc>) -> (usize, usize, usize) {
    let step = i64::from(axis.step().minutes()) * 60;
    let ceil_idx = |t: DateTime<Utc>| {
        let d = (t - axis.start()).num_seconds();
        let i = if d <= 0 { 0 } else { (d + step - 1) / step };
        i.clamp(0, axis.len() as i64) as usize
    };
    let expected = ((b - a).num_seconds() + step - 1) / step;
    (ceil_idx(a), ceil_idx(b), expected.max(0) as usize)
}

/// Daily totals of energy and daily mean temperatures over the whole local days of a period.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyData {
    /// Local days.
    pub days: Vec<NaiveDate>,
    /// Energy of each day, kWh (NaN when any interval is missing).
    pub energy_kwh: Vec<f64>,
    /// Mean temperature of each day, °C (NaN when half or fewer intervals are present).
    pub temperature_c: Vec<f64>,
}

impl DailyData {
    /// Aggregates `energy` (kWh or kW per interval) and `temperature` (°C) over the whole
    /// local days of `tz` that lie inside `period`. Either may be `None` (all NaN).
    pub fn build(
        energy: Option<&Series>,
        temperature: &Series,
        period: Period,
        tz: Tz,
    ) -> Result<DailyData, EvalError> {
        if temperature.quantity() != Quantity::TemperatureC {
            return Err(EvalError::WrongQuantity {
                what: "temperature",
                expected: Quantity::TemperatureC,
                found: temperature.quantity(),
            });
        }
        let energy = energy.map(energy_values).transpose()?;
        let mut days = Vec::new();
        let mut e_out = Vec::new();
        let mut t_out = Vec::new();
        let mut day = period.start.with_timezone(&tz).date_naive();
        loop {
            let a = local_midnight(day, tz)?;
            let b = local_midnight(day + Duration::days(1), tz)?;
            if a >= period.end || b > period.end {
                break;
            }
            if a >= period.start {
                days.push(day);
                e_out.push(match &energy {
                    None => f64::NAN,
                    Some(s) => {
                        let (i, j, expected) = index_range(s.axis(), a, b);
                        let vals = s.values().get(i..j).unwrap_or(&[]);
                        if vals.len() == expected && vals.iter().all(|v| v.is_finite()) {
                            vals.iter().sum()
                        } else {
                            f64::NAN
                        }
                    }
                });
                let (i, j, expected) = index_range(temperature.axis(), a, b);
                let vals = temperature.values().get(i..j).unwrap_or(&[]);
                let (sum, count) = vals
                    .iter()
                    .filter(|v| v.is_finite())
                    .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
                t_out.push(if count > 0 && 2 * count > expected {
                    sum / count as f64
                } else {
                    f64::NAN
                });
            }
            day += Duration::days(1);
        }
        Ok(DailyData {
            days,
            energy_kwh: e_out,
            temperature_c: t_out,
        })
    }
}

/// Values of `series` on the hourly grid of `period` (which must start and end on whole
/// hours): energy summed (NaN unless every sub-interval is present), temperature averaged
/// over the present sub-intervals (as eemeter's `resample("h").mean()`).
pub(crate) fn hourly_grid(series: &Series, period: Period) -> Result<Vec<f64>, EvalError> {
    let minutes = series.axis().step().minutes();
    if minutes > 60 || 60 % minutes != 0 {
        return Err(EvalError::NeedsHourlyData { minutes });
    }
    for at in [period.start, period.end] {
        if at.timestamp().rem_euclid(3600) != 0 {
            return Err(EvalError::PeriodNotOnHour { at });
        }
    }
    let extensive = series.quantity().is_extensive();
    let hours = ((period.end - period.start).num_seconds() / 3600) as usize;
    let mut out = Vec::with_capacity(hours);
    for h in 0..hours {
        let a = period.start + Duration::hours(h as i64);
        let (i, j, expected) = index_range(series.axis(), a, a + Duration::hours(1));
        let vals = series.values().get(i..j).unwrap_or(&[]);
        let (sum, count) = vals
            .iter()
            .filter(|v| v.is_finite())
            .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
        out.push(if extensive {
            if count == expected && count > 0 {
                sum
            } else {
                f64::NAN
            }
        } else if count > 0 {
            sum / count as f64
        } else {
            f64::NAN
        });
    }
    Ok(out)
}

/// CalTRACK data-sufficiency thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SufficiencyCriteria {
    /// Required length of the baseline period in days (CalTRACK 2.2.1: 365).
    pub baseline_days: f64,
    /// Minimum share of the baseline with valid meter and temperature data (CalTRACK 2.2.1.2: 0.9).
    pub min_fraction_valid: f64,
    /// Days the baseline may fall short of `baseline_days` (0 for daily and hourly data; a
    /// billing baseline runs from one invoice's start to another's end, so CalTRACK 2.2.1.2's
    /// 37 missing days).
    pub shortfall_days: f64,
}

impl Default for SufficiencyCriteria {
    fn default() -> Self {
        SufficiencyCriteria {
            baseline_days: 365.0,
            min_fraction_valid: 0.9,
            shortfall_days: 0.0,
        }
    }
}

/// One finding of the sufficiency check.
#[derive(Debug, Clone, PartialEq)]
pub enum SufficiencyIssue {
    /// No interval has both meter and temperature data.
    NoData,
    /// The baseline is shorter than required (critical).
    BaselineTooShort {
        /// Days in the baseline.
        days: f64,
        /// Days required.
        required: f64,
    },
    /// The baseline is longer than required (CalTRACK uses the 365 days before the
    /// intervention; not critical here).
    BaselineLongerThanRequired {
        /// Days in the baseline.
        days: f64,
        /// Days required.
        required: f64,
    },
    /// Too little meter data (critical).
    TooMuchMissingMeterData {
        /// Share of the period with meter data.
        fraction: f64,
    },
    /// Too little temperature data (critical).
    TooMuchMissingTemperatureData {
        /// Share of the period with temperature data.
        fraction: f64,
    },
    /// Too few intervals with both (critical).
    TooMuchMissingData {
        /// Share of the period with both.
        fraction: f64,
    },
    /// Negative meter values, which may reveal net metering of PV (CalTRACK 2.3.5, critical).
    NegativeMeterValues {
        /// Count.
        count: usize,
    },
    /// Values above median + 3 IQR, to be reviewed (CalTRACK 2.3.6, not critical).
    ExtremeValues {
        /// Count.
        count: usize,
    },
}

impl SufficiencyIssue {
    /// True when the issue prevents a CalTRACK-compliant fit.
    pub fn is_critical(&self) -> bool {
        !matches!(
            self,
            SufficiencyIssue::BaselineLongerThanRequired { .. }
                | SufficiencyIssue::ExtremeValues { .. }
        )
    }
}

/// The data-sufficiency report of a baseline period, computed before fitting.
#[derive(Debug, Clone, PartialEq)]
pub struct SufficiencyReport {
    /// Length of the baseline period, days.
    pub period_days: f64,
    /// Days' worth of intervals with meter data.
    pub meter_days: f64,
    /// Days' worth of intervals with temperature data.
    pub temperature_days: f64,
    /// Days' worth of intervals with both.
    pub valid_days: f64,
    /// `valid_days / period_days`.
    pub fraction_valid: f64,
    /// Findings, critical or not.
    pub issues: Vec<SufficiencyIssue>,
}

impl SufficiencyReport {
    /// Builds the report from per-interval meter and temperature values (NaN = missing)
    /// covering the period, each interval worth `interval_days` days.
    pub(crate) fn from_intervals(
        meter: &[f64],
        temperature: &[f64],
        interval_days: f64,
        period_days: f64,
        criteria: &SufficiencyCriteria,
    ) -> SufficiencyReport {
        let n_meter = meter.iter().filter(|v| v.is_finite()).count();
        let n_temp = temperature.iter().filter(|v| v.is_finite()).count();
        let valid: Vec<f64> = meter
            .iter()
            .zip(temperature)
            .filter(|(m, t)| m.is_finite() && t.is_finite())
            .map(|(m, _)| *m)
            .collect();
        let meter_days = n_meter as f64 * interval_days;
        let temperature_days = n_temp as f64 * interval_days;
        let valid_days = valid.len() as f64 * interval_days;
        let frac = |d: f64| {
            if period_days > 0.0 {
                d / period_days
            } else {
                0.0
            }
        };
        let mut issues = Vec::new();
        if valid.is_empty() {
            issues.push(SufficiencyIssue::NoData);
        }
        if period_days + criteria.shortfall_days + 1e-9 < criteria.baseline_days {
            issues.push(SufficiencyIssue::BaselineTooShort {
                days: period_days,
                required: criteria.baseline_days,
            });
        } else if period_days > criteria.baseline_days + 1.0 + 1e-9 {
            issues.push(SufficiencyIssue::BaselineLongerThanRequired {
                days: period_days,
                required: criteria.baseline_days,
            });
        }
        if frac(meter_days) < criteria.min_fraction_valid {
            issues.push(SufficiencyIssue::TooMuchMissingMeterData {
                fraction: frac(meter_days),
            });
        }
        if frac(temperature_days) < criteria.min_fraction_valid {
            issues.push(SufficiencyIssue::TooMuchMissingTemperatureData {
                fraction: frac(temperature_days),
            });
        }
        if frac(valid_days) < criteria.min_fraction_valid {
            issues.push(SufficiencyIssue::TooMuchMissingData {
                fraction: frac(valid_days),
            });
        }
        let negative = meter.iter().filter(|v| **v < 0.0).count();
        if negative > 0 {
            issues.push(SufficiencyIssue::NegativeMeterValues { count: negative });
        }
        let mut sorted: Vec<f64> = meter.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        if !sorted.is_empty() {
            let q = |p: f64| {
                let x = p * (sorted.len() - 1) as f64;
                let lo = x.floor() as usize;
                let hi = (lo + 1).min(sorted.len() - 1);
                sorted[lo] + (sorted[hi] - sorted[lo]) * (x - lo as f64)
            };
            let limit = q(0.5) + 3.0 * (q(0.75) - q(0.25));
            let count = sorted.iter().filter(|v| **v > limit).count();
            if count > 0 {
                issues.push(SufficiencyIssue::ExtremeValues { count });
            }
        }
        SufficiencyReport {
            period_days,
            meter_days,
            temperature_days,
            valid_days,
            fraction_valid: frac(valid_days),
            issues,
        }
    }

    /// True when no critical issue was found.
    pub fn passes(&self) -> bool {
        !self.issues.iter().any(SufficiencyIssue::is_critical)
    }

    /// One line for error messages.
    pub fn summary(&self) -> String {
        let crit: Vec<String> = self
            .issues
            .iter()
            .filter(|i| i.is_critical())
            .map(|i| format!("{i:?}"))
            .collect();
        format!(
            "{:.1} valid days of {:.1} ({:.1} %); {}",
            self.valid_days,
            self.period_days,
            100.0 * self.fraction_valid,
            if crit.is_empty() {
                "no critical issue".to_string()
            } else {
                crit.join(", ")
            }
        )
    }
}

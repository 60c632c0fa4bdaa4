//! The CalTRACK hourly method: time-of-week and temperature (TOWT), segmented by month with
//! three-month weighted windows, as eemeter 4.x ships it (`HourlyCaltrackModel`).
//!
//! For each of the twelve segments (a month with weight 1 and its two neighbours with
//! weight 0.5):
//! 1. occupancy: a weighted regression of hourly energy on `CDD(65 °F)` and `HDD(50 °F)`
//!    hourly degree-hours; an hour of the week is *occupied* when more than 65 % of its
//!    residuals in the segment are positive (hours without data count as occupied, as in
//!    eemeter);
//! 2. temperature bins: endpoints 30, 45, 55, 65, 75, 90 °F, each bin needing at least 20
//!    hourly temperatures of the occupancy class; the outer bins are merged first, then the
//!    inner ones, until every bin is populated (eemeter's `fit_temperature_bins`), separately
//!    for occupied and unoccupied hours;
//! 3. weighted least squares of energy on 168 time-of-week indicators and the piecewise-linear
//!    temperature terms of the hour's occupancy class.
//!
//! The hour of the week and the month are taken in the configured time zone (eemeter uses the
//! index's zone, UTC for its samples). A prediction for month *m* uses the segment centred
//! on *m*. The least squares are solved exactly by eliminating the 168 indicators (weighted
//! within-hour demeaning) and a pivoted Householder QR of the few temperature columns;
//! statsmodels' pseudo-inverse gives the same fitted values, and differs only on columns that
//! are all zero (both give them a zero coefficient).

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use chrono_tz::Tz;
use quartier_timeseries::Series;

use crate::data::{
    SufficiencyCriteria, SufficiencyReport, check_periods, energy_values, hourly_grid,
};
use crate::savings::{Granularity, SavingsConfig, SavingsReport, compute_savings};
use crate::stats::wls;
use crate::temperature::{check_temperature, fahrenheit_to_celsius};
use crate::{EvalError, FitMetrics, Period};

/// Options of the hourly method.
#[derive(Debug, Clone, PartialEq)]
pub struct HourlyConfig {
    /// Time zone of the hour of the week and of the months.
    pub tz: Tz,
    /// Share of positive residuals above which an hour of the week is occupied (0.65).
    pub occupancy_threshold: f64,
    /// Temperature bin endpoints, °C (default: 30, 45, 55, 65, 75, 90 °F).
    pub bin_endpoints_c: Vec<f64>,
    /// Fewest temperatures per bin (20).
    pub min_bin_count: usize,
    /// Sufficiency thresholds.
    pub sufficiency: SufficiencyCriteria,
    /// Refuse to fit when the sufficiency report has a critical issue (default true).
    pub enforce_sufficiency: bool,
}

impl Default for HourlyConfig {
    fn default() -> Self {
        HourlyConfig {
            tz: chrono_tz::Europe::Paris,
            occupancy_threshold: 0.65,
            bin_endpoints_c: [30.0, 45.0, 55.0, 65.0, 75.0, 90.0]
                .iter()
                .map(|&f| fahrenheit_to_celsius(f))
                .collect(),
            min_bin_count: 20,
            sufficiency: SufficiencyCriteria::default(),
            enforce_sufficiency: true,
        }
    }
}

/// Cooling base of the occupancy model, °C (65 °F).
const OCC_CDD_BASE_F: f64 = 65.0;
/// Heating base of the occupancy model, °C (50 °F).
const OCC_HDD_BASE_F: f64 = 50.0;

/// One month's model (the segment centred on that month).
#[derive(Debug, Clone, PartialEq)]
pub struct HourlySegment {
    /// Occupancy of each hour of the week (0 = Monday 00:00).
    pub occupied: Vec<bool>,
    /// Bin endpoints kept for occupied hours, °C.
    pub occupied_endpoints_c: Vec<f64>,
    /// Bin endpoints kept for unoccupied hours, °C.
    pub unoccupied_endpoints_c: Vec<f64>,
    /// Time-of-week coefficient, kWh (None when the hour had no data in the segment).
    pub time_of_week_kwh: Vec<Option<f64>>,
    /// Slopes of the occupied temperature bins, kWh/°C.
    pub occupied_slopes: Vec<f64>,
    /// Slopes of the unoccupied temperature bins, kWh/°C.
    pub unoccupied_slopes: Vec<f64>,
    /// Number of parameters fitted.
    pub parameters: usize,
}

/// A fitted hourly model: twelve segments, January first.
#[derive(Debug, Clone, PartialEq)]
pub struct HourlyModel {
    /// Segments by centre month (index 0 = January).
    pub segments: Vec<HourlySegment>,
    /// Time zone.
    pub tz: Tz,
}

/// A fitted hourly baseline with its sufficiency report and fit metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct HourlyFit {
    /// The model.
    pub model: HourlyModel,
    /// Sufficiency of the baseline data.
    pub sufficiency: SufficiencyReport,
    /// Fit metrics on the baseline hours (p = the largest segment's parameter count).
    pub metrics: FitMetrics,
    /// The baseline period.
    pub baseline: Period,
}

/// An hourly prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct HourlyPrediction {
    /// Start of each hour (UTC).
    pub times: Vec<DateTime<Utc>>,
    /// Metered energy per hour, kWh (NaN when missing or not given).
    pub metered_kwh: Vec<f64>,
    /// Predicted energy per hour, kWh (NaN when the temperature is missing).
    pub predicted_kwh: Vec<f64>,
}

/// Piecewise-linear temperature features of eemeter's `compute_temperature_bin_features`.
fn bin_features(t: f64, endpoints: &[f64], out: &mut Vec<f64>) {
    out.clear();
    let k = endpoints.len();
    for i in 0..=k {
        let left = if i == 0 {
            f64::NEG_INFINITY
        } else {
            endpoints[i - 1]
        };
        let right = endpoints.get(i).copied().unwrap_or(f64::INFINITY);
        let v = if i == 0 {
            if t <= right { t } else { right }
        } else if t > left && t <= right {
            t - left
        } else if t > right {
            right - left
        } else {
            0.0
        };
        out.push(v);
    }
}

/// eemeter's `_fit_temperature_bins`: drop endpoints until every bin has enough values.
fn fit_bins(temps: &[f64], defaults: &[f64], min_count: usize) -> Vec<f64> {
    let mut bins: Vec<f64> = defaults.to_vec();
    loop {
        let k = bins.len();
        let mut counts = vec![0usize; k + 1];
        for &t in temps {
            let idx = bins.iter().position(|&e| t <= e).unwrap_or(k);
            counts[idx] += 1;
        }
        if k == 0 {
            return bins;
        }
        let invalid = |i: usize| counts[i] < min_count;
        let mut remove: Vec<usize> = Vec::new();
        if invalid(0) {
            remove.push(0);
        }
        if invalid(k) {
            remove.push(k - 1);
        }
        if remove.is_empty() {
            for i in 1..k {
                if invalid(i) {
                    remove.push(i);
                }
            }
        }
        if remove.is_empty() {
            return bins;
        }
        remove.sort_unstable();
        remove.dedup();
        for i in remove.into_iter().rev() {
            bins.remove(i);
        }
    }
}

struct Row {
    how: usize,
    month: usize,
    t: f64,
    y: f64,
}

fn hour_of_week(t: DateTime<Utc>, tz: Tz) -> (usize, usize) {
    let l = t.with_timezone(&tz);
    let how = l.weekday().num_days_from_monday() as usize * 24 + l.hour() as usize;
    (how, l.month0() as usize)
}

fn segment_weight(centre: usize, month: usize) -> f64 {
    if month == centre {
        1.0
    } else if month == (centre + 1) % 12 || month == (centre + 11) % 12 {
        0.5
    } else {
        0.0
    }
}

fn fit_segment(rows: &[&Row], weights: &[f64], config: &HourlyConfig) -> HourlySegment {
    let n = rows.len();
    // 1. occupancy from a degree-hour regression (degree-hours in °F as eemeter; scaling
    //    does not change the residuals).
    let cdd_base = fahrenheit_to_celsius(OCC_CDD_BASE_F);
    let hdd_base = fahrenheit_to_celsius(OCC_HDD_BASE_F);
    let ones = vec![1.0; n];
    let cdd: Vec<f64> = rows.iter().map(|r| (r.t - cdd_base).max(0.0)).collect();
    let hdd: Vec<f64> = rows.iter().map(|r| (hdd_base - r.t).max(0.0)).collect();
    let y: Vec<f64> = rows.iter().map(|r| r.y).collect();
    let fit = wls(&[&ones, &cdd, &hdd], &y, Some(weights));
    let mut pos = [0usize; 168];
    let mut tot = [0usize; 168];
    for (i, r) in rows.iter().enumerate() {
        let res = r.y - (fit.coef[0] + fit.coef[1] * cdd[i] + fit.coef[2] * hdd[i]);
        tot[r.how] += 1;
        if res > 0.0 {
            pos[r.how] += 1;
        }
    }
    let occupied: Vec<bool> = (0..168)
        .map(|h| tot[h] == 0 || pos[h] as f64 / tot[h] as f64 > config.occupancy_threshold)
        .collect();
    // 2. temperature bins per occupancy class.
    let occ_t: Vec<f64> = rows
        .iter()
        .filter(|r| occupied[r.how])
        .map(|r| r.t)
        .collect();
    let unocc_t: Vec<f64> = rows
        .iter()
        .filter(|r| !occupied[r.how])
        .map(|r| r.t)
        .collect();
    let occ_e = fit_bins(&occ_t, &config.bin_endpoints_c, config.min_bin_count);
    let unocc_e = fit_bins(&unocc_t, &config.bin_endpoints_c, config.min_bin_count);
    let (ko, ku) = (occ_e.len() + 1, unocc_e.len() + 1);
    let k = ko + ku;
    // Design of the temperature columns.
    let mut x = vec![vec![0.0; n]; k];
    let mut buf = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if occupied[r.how] {
            bin_features(r.t, &occ_e, &mut buf);
            for (j, v) in buf.iter().enumerate() {
                x[j][i] = *v;
            }
        } else {
            bin_features(r.t, &unocc_e, &mut buf);
            for (j, v) in buf.iter().enumerate() {
                x[ko + j][i] = *v;
            }
        }
    }
    // 3. eliminate the time-of-week indicators: weighted within-hour demeaning.
    let mut wsum = [0.0f64; 168];
    let mut ysum = [0.0f64; 168];
    let mut xsum = vec![[0.0f64; 168]; k];
    for (i, r) in rows.iter().enumerate() {
        let w = weights[i];
        wsum[r.how] += w;
        ysum[r.how] += w * r.y;
        for j in 0..k {
            xsum[j][r.how] += w * x[j][i];
        }
    }
    let mean = |s: f64, h: usize| if wsum[h] > 0.0 { s / wsum[h] } else { 0.0 };
    let yd: Vec<f64> = rows
        .iter()
        .map(|r| r.y - mean(ysum[r.how], r.how))
        .collect();
    let xd: Vec<Vec<f64>> = (0..k)
        .map(|j| {
            rows.iter()
                .enumerate()
                .map(|(i, r)| x[j][i] - mean(xsum[j][r.how], r.how))
                .collect()
        })
        .collect();
    let cols: Vec<&[f64]> = xd.iter().map(|c| c.as_slice()).collect();
    let beta = wls(&cols, &yd, Some(weights));
    let time_of_week_kwh: Vec<Option<f64>> = (0..168)
        .map(|h| {
            (wsum[h] > 0.0).then(|| {
                let mut a = mean(ysum[h], h);
                for (b, xs) in beta.coef.iter().zip(&xsum) {
                    a -= b * mean(xs[h], h);
                }
                a
            })
        })
        .collect();
    let hours_present = wsum.iter().filter(|w| **w > 0.0).count();
    HourlySegment {
        occupied,
        occupied_endpoints_c: occ_e,
        unoccupied_endpoints_c: unocc_e,
        time_of_week_kwh,
        occupied_slopes: beta.coef[..ko].to_vec(),
        unoccupied_slopes: beta.coef[ko..].to_vec(),
        parameters: hours_present + beta.rank,
    }
}

impl HourlyModel {
    /// Predicted energy of the hour starting at `t` with temperature `temp_c`, kWh (NaN
    /// when the temperature is missing or the hour had no baseline data in its segment).
    pub fn predict_hour(&self, t: DateTime<Utc>, temp_c: f64) -> f64 {
        if !temp_c.is_finite() {
            return f64::NAN;
        }
        let (how, month) = hour_of_week(t, self.tz);
        let Some(seg) = self.segments.get(month) else {
            return f64::NAN;
        };
        let Some(Some(a)) = seg.time_of_week_kwh.get(how) else {
            return f64::NAN;
        };
        let occ = seg.occupied.get(how).copied().unwrap_or(true);
        let (e, s) = if occ {
            (&seg.occupied_endpoints_c, &seg.occupied_slopes)
        } else {
            (&seg.unoccupied_endpoints_c, &seg.unoccupied_slopes)
        };
        let mut buf = Vec::with_capacity(e.len() + 1);
        bin_features(temp_c, e, &mut buf);
        a + buf.iter().zip(s).map(|(x, b)| x * b).sum::<f64>()
    }
}

/// Hourly meter and temperature on the hourly grid of `period`.
fn hourly_inputs(
    energy: Option<&Series>,
    temperature: &Series,
    period: Period,
) -> Result<(Vec<f64>, Vec<f64>), EvalError> {
    check_temperature(temperature, period)?;
    let t = hourly_grid(temperature, period)?;
    let e = match energy {
        Some(e) => hourly_grid(&energy_values(e)?, period)?,
        None => vec![f64::NAN; t.len()],
    };
    Ok((e, t))
}

/// The sufficiency report of an hourly baseline (what `fit_hourly` checks before fitting).
pub fn hourly_sufficiency(
    energy: &Series,
    temperature: &Series,
    baseline: Period,
    config: &HourlyConfig,
) -> Result<SufficiencyReport, EvalError> {
    let (e, t) = hourly_inputs(Some(energy), temperature, baseline)?;
    Ok(SufficiencyReport::from_intervals(
        &e,
        &t,
        1.0 / 24.0,
        baseline.days(),
        &config.sufficiency,
    ))
}

/// Fits the CalTRACK hourly (TOWT) model on the baseline period (whole hours, UTC bounds).
pub fn fit_hourly(
    energy: &Series,
    temperature: &Series,
    baseline: Period,
    config: &HourlyConfig,
) -> Result<HourlyFit, EvalError> {
    if !(config.occupancy_threshold > 0.0 && config.occupancy_threshold < 1.0) {
        return Err(EvalError::InvalidConfig(format!(
            "occupancy_threshold must be in (0, 1), got {}",
            config.occupancy_threshold
        )));
    }
    let (e, t) = hourly_inputs(Some(energy), temperature, baseline)?;
    for (what, v) in [("meter", &e), ("temperature", &t)] {
        if !v.iter().any(|x| x.is_finite()) {
            return Err(EvalError::NoOverlap {
                what,
                start: baseline.start(),
                end: baseline.end(),
            });
        }
    }
    let sufficiency =
        SufficiencyReport::from_intervals(&e, &t, 1.0 / 24.0, baseline.days(), &config.sufficiency);
    if config.enforce_sufficiency && !sufficiency.passes() {
        return Err(EvalError::InsufficientData(Box::new(sufficiency)));
    }
    let rows: Vec<Row> = e
        .iter()
        .zip(&t)
        .enumerate()
        .filter(|(_, (y, t))| y.is_finite() && t.is_finite())
        .map(|(i, (y, t))| {
            let (how, month) =
                hour_of_week(baseline.start() + Duration::hours(i as i64), config.tz);
            Row {
                how,
                month,
                t: *t,
                y: *y,
            }
        })
        .collect();
    let segments: Vec<HourlySegment> = (0..12)
        .map(|c| {
            let seg_rows: Vec<&Row> = rows
                .iter()
                .filter(|r| segment_weight(c, r.month) > 0.0)
                .collect();
            let w: Vec<f64> = seg_rows
                .iter()
                .map(|r| segment_weight(c, r.month))
                .collect();
            fit_segment(&seg_rows, &w, config)
        })
        .collect();
    let model = HourlyModel {
        segments,
        tz: config.tz,
    };
    let predicted: Vec<f64> = t
        .iter()
        .enumerate()
        .map(|(i, &temp)| model.predict_hour(baseline.start() + Duration::hours(i as i64), temp))
        .collect();
    let p = model
        .segments
        .iter()
        .map(|s| s.parameters)
        .max()
        .unwrap_or(0);
    let metrics = FitMetrics::compute(&e, &predicted, p);
    Ok(HourlyFit {
        model,
        sufficiency,
        metrics,
        baseline,
    })
}

impl HourlyFit {
    /// Predicts every hour of `period` from `temperature`; `energy`, when given, fills the
    /// metered column.
    pub fn predict(
        &self,
        energy: Option<&Series>,
        temperature: &Series,
        period: Period,
    ) -> Result<HourlyPrediction, EvalError> {
        let (e, t) = hourly_inputs(energy, temperature, period)?;
        let times: Vec<DateTime<Utc>> = (0..t.len())
            .map(|i| period.start() + Duration::hours(i as i64))
            .collect();
        let predicted_kwh = times
            .iter()
            .zip(&t)
            .map(|(time, &temp)| self.model.predict_hour(*time, temp))
            .collect();
        Ok(HourlyPrediction {
            times,
            metered_kwh: e,
            predicted_kwh,
        })
    }

    /// Avoided energy over the reporting period (which must start after the baseline).
    pub fn savings(
        &self,
        energy: &Series,
        temperature: &Series,
        reporting: Period,
        config: &SavingsConfig,
    ) -> Result<SavingsReport, EvalError> {
        check_periods(self.baseline, reporting)?;
        let pred = self.predict(Some(energy), temperature, reporting)?;
        if !pred.metered_kwh.iter().any(|v| v.is_finite()) {
            return Err(EvalError::NoOverlap {
                what: "meter",
                start: reporting.start(),
                end: reporting.end(),
            });
        }
        compute_savings(
            &pred.times,
            &pred.metered_kwh,
            &pred.predicted_kwh,
            &self.metrics,
            Granularity::Hourly,
            config,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_follow_eemeter() {
        let mut out = Vec::new();
        bin_features(50.0, &[30.0, 45.0, 55.0], &mut out);
        assert_eq!(out, vec![30.0, 15.0, 5.0, 0.0]);
        bin_features(20.0, &[30.0, 45.0], &mut out);
        assert_eq!(out, vec![20.0, 0.0, 0.0]);
        bin_features(70.0, &[], &mut out);
        assert_eq!(out, vec![70.0]);
        // Too few cold values: the first endpoint goes; too few hot ones: the last.
        let temps: Vec<f64> = (0..200).map(|i| 40.0 + f64::from(i) * 0.2).collect();
        assert_eq!(
            fit_bins(&temps, &[30.0, 45.0, 55.0, 65.0, 75.0, 90.0], 20),
            vec![45.0, 55.0, 65.0, 75.0]
        );
    }
}

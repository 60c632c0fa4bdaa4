//! The CalTRACK 2.0 daily method: daily energy regressed on heating and cooling degree-days
//! with a search over balance points.
//!
//! As eemeter 2.x implemented it (`fit_caltrack_usage_per_day_model`, the path eemeter 4.x
//! no longer ships): candidate models intercept-only, HDD-only, CDD-only and HDD+CDD
//! (heating balance point ≤ cooling balance point) are fitted by ordinary least squares for
//! every balance point of the grid (30…90 °F by 1 °F, CalTRACK 3.1.4); a degree-day candidate
//! is not attempted when its degree-days sum to less than 20 °F·day or are non-zero on fewer
//! than 10 days (CalTRACK 3.2.2); a fitted candidate is disqualified when its intercept or a
//! slope is negative or a slope's p-value exceeds 0.1 (CalTRACK 3.4.3.2); the qualified
//! candidate with the highest adjusted R² wins (intercept-only counts as 0; ties go to the
//! first in eemeter's order). Degree-days come from the day's mean temperature.
//!
//! Departures, all documented: temperatures and balance points are in °C (the default grid is
//! the °F grid converted, so results match eemeter exactly); eemeter 2.x's default maximum
//! p-value is 1 (CalTRACK 1.0 compatibility) while we default to CalTRACK 2.0's 0.1; days are
//! local days of a chosen time zone (eemeter uses the index's zone, UTC for its samples).
//!
//! eemeter 4.x's own `DailyModel` is a different method (a smoothed change-point model with
//! adaptive loss, per-season/weekday-weekend splits selected by clustering); see
//! `bench/eemeter/RESULTS.md` for how its totals compare.

use chrono::NaiveDate;
use chrono_tz::Tz;
use quartier_timeseries::{Series, local_midnight};

use crate::data::{DailyData, SufficiencyCriteria, SufficiencyReport, check_periods};
use crate::savings::{Granularity, SavingsConfig, SavingsReport, compute_savings};
use crate::stats::wls;
use crate::temperature::{check_temperature, fahrenheit_to_celsius};
use crate::{EvalError, FitMetrics, Period};

/// Options of the daily method.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyConfig {
    /// Time zone of the days.
    pub tz: Tz,
    /// Heating balance points to search, °C (default: 30…90 °F by 1 °F).
    pub heating_balance_points_c: Vec<f64>,
    /// Cooling balance points to search, °C (default: 30…90 °F by 1 °F).
    pub cooling_balance_points_c: Vec<f64>,
    /// Fit the CDD-only and HDD+CDD candidates (false for gas meters, as CalTRACK allows).
    pub fit_cdd: bool,
    /// Largest p-value of a slope for its candidate to qualify (CalTRACK 2.0: 0.1).
    pub max_p_value: f64,
    /// Fewest days with non-zero degree-days for a candidate to be attempted (10).
    pub min_non_zero_days: usize,
    /// Least total degree-days for a candidate to be attempted, °C·day (20 °F·day = 11.1 °C·day).
    pub min_total_degree_days_c: f64,
    /// Sufficiency thresholds.
    pub sufficiency: SufficiencyCriteria,
    /// Refuse to fit when the sufficiency report has a critical issue (default true).
    pub enforce_sufficiency: bool,
}

/// The CalTRACK balance-point grid, 30…90 °F by 1 °F, in °C.
pub fn caltrack_balance_points_c() -> Vec<f64> {
    (30..=90)
        .map(|f| fahrenheit_to_celsius(f64::from(f)))
        .collect()
}

impl Default for DailyConfig {
    fn default() -> Self {
        DailyConfig {
            tz: chrono_tz::Europe::Paris,
            heating_balance_points_c: caltrack_balance_points_c(),
            cooling_balance_points_c: caltrack_balance_points_c(),
            fit_cdd: true,
            max_p_value: 0.1,
            min_non_zero_days: 10,
            min_total_degree_days_c: 20.0 / 1.8,
            sufficiency: SufficiencyCriteria::default(),
            enforce_sufficiency: true,
        }
    }
}

/// Which candidate form won.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DailyModelKind {
    /// Constant daily energy.
    InterceptOnly,
    /// Intercept + heating slope.
    HddOnly,
    /// Intercept + cooling slope.
    CddOnly,
    /// Intercept + heating and cooling slopes.
    HddCdd,
}

/// A fitted CalTRACK daily model: `E = intercept + β_h·HDD(T̄, bp_h) + β_c·CDD(T̄, bp_c)`.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyModel {
    /// Form of the model.
    pub kind: DailyModelKind,
    /// Base load, kWh per day.
    pub intercept_kwh: f64,
    /// Heating slope, kWh per °C·day (0 when absent).
    pub beta_hdd_kwh_per_degree_day: f64,
    /// Cooling slope, kWh per °C·day (0 when absent).
    pub beta_cdd_kwh_per_degree_day: f64,
    /// Heating balance point, °C.
    pub heating_balance_point_c: Option<f64>,
    /// Cooling balance point, °C.
    pub cooling_balance_point_c: Option<f64>,
    /// Adjusted R² of the winning candidate.
    pub r_squared_adj: f64,
    /// p-value of the heating slope.
    pub p_value_hdd: Option<f64>,
    /// p-value of the cooling slope.
    pub p_value_cdd: Option<f64>,
}

impl DailyModel {
    /// Predicted energy of a day of mean temperature `mean_c` (°C), kWh; NaN when unknown.
    pub fn predict_day(&self, mean_c: f64) -> f64 {
        let mut e = self.intercept_kwh;
        if let Some(bp) = self.heating_balance_point_c {
            e += self.beta_hdd_kwh_per_degree_day * (bp - mean_c).max(0.0);
        }
        if let Some(bp) = self.cooling_balance_point_c {
            e += self.beta_cdd_kwh_per_degree_day * (mean_c - bp).max(0.0);
        }
        if mean_c.is_finite() { e } else { f64::NAN }
    }

    /// Number of parameters (1 to 3).
    pub fn parameters(&self) -> usize {
        match self.kind {
            DailyModelKind::InterceptOnly => 1,
            DailyModelKind::HddOnly | DailyModelKind::CddOnly => 2,
            DailyModelKind::HddCdd => 3,
        }
    }
}

/// Counts of the candidate search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CandidateCounts {
    /// Candidates fitted.
    pub fitted: usize,
    /// Candidates not attempted (too few degree-days).
    pub not_attempted: usize,
    /// Candidates disqualified (negative coefficient or p-value too high).
    pub disqualified: usize,
    /// Candidates qualified.
    pub qualified: usize,
}

/// A fitted daily baseline with its sufficiency report and fit metrics.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyFit {
    /// The model.
    pub model: DailyModel,
    /// Sufficiency of the baseline data, computed before fitting.
    pub sufficiency: SufficiencyReport,
    /// Fit metrics on the baseline days.
    pub metrics: FitMetrics,
    /// Candidate search counts.
    pub candidates: CandidateCounts,
    /// The baseline period.
    pub baseline: Period,
    /// The time zone of the days.
    pub tz: Tz,
}

/// A daily prediction over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyPrediction {
    /// Daily data of the period (metered energy NaN when no meter was given).
    pub data: DailyData,
    /// Predicted energy per day, kWh (NaN when the day's temperature is missing).
    pub predicted_kwh: Vec<f64>,
}

struct Candidate {
    kind: DailyModelKind,
    coef: [f64; 3],
    bp_h: Option<f64>,
    bp_c: Option<f64>,
    r2adj: f64,
    p_h: Option<f64>,
    p_c: Option<f64>,
}

/// The sufficiency report of a daily baseline (what `fit_daily` checks before fitting).
pub fn daily_sufficiency(
    energy: &Series,
    temperature: &Series,
    baseline: Period,
    config: &DailyConfig,
) -> Result<(DailyData, SufficiencyReport), EvalError> {
    check_temperature(temperature, baseline)?;
    let data = DailyData::build(Some(energy), temperature, baseline, config.tz)?;
    if !data.energy_kwh.iter().any(|v| v.is_finite()) {
        return Err(EvalError::NoOverlap {
            what: "meter",
            start: baseline.start(),
            end: baseline.end(),
        });
    }
    if !data.temperature_c.iter().any(|v| v.is_finite()) {
        return Err(EvalError::NoOverlap {
            what: "temperature",
            start: baseline.start(),
            end: baseline.end(),
        });
    }
    let report = SufficiencyReport::from_intervals(
        &data.energy_kwh,
        &data.temperature_c,
        1.0,
        data.days.len() as f64,
        &config.sufficiency,
    );
    Ok((data, report))
}

/// Fits the CalTRACK 2.0 daily model on the baseline period.
pub fn fit_daily(
    energy: &Series,
    temperature: &Series,
    baseline: Period,
    config: &DailyConfig,
) -> Result<DailyFit, EvalError> {
    if !(config.max_p_value > 0.0 && config.max_p_value <= 1.0) {
        return Err(EvalError::InvalidConfig(format!(
            "max_p_value must be in (0, 1], got {}",
            config.max_p_value
        )));
    }
    let (data, sufficiency) = daily_sufficiency(energy, temperature, baseline, config)?;
    if config.enforce_sufficiency && !sufficiency.passes() {
        return Err(EvalError::InsufficientData(Box::new(sufficiency)));
    }
    let (y, t): (Vec<f64>, Vec<f64>) = data
        .energy_kwh
        .iter()
        .zip(&data.temperature_c)
        .filter(|(e, t)| e.is_finite() && t.is_finite())
        .map(|(e, t)| (*e, *t))
        .unzip();
    let temps: Vec<Vec<f64>> = t.iter().map(|&v| vec![v]).collect();
    let (model, counts) = select_model(&y, &vec![1.0; y.len()], &temps, config)?;
    let predicted: Vec<f64> = data
        .temperature_c
        .iter()
        .map(|&t| model.predict_day(t))
        .collect();
    let metrics = FitMetrics::compute(&data.energy_kwh, &predicted, model.parameters());
    Ok(DailyFit {
        model,
        sufficiency,
        metrics,
        candidates: counts,
        baseline,
        tz: config.tz,
    })
}

/// The CalTRACK candidate search shared by the daily and billing methods: `y` is the energy
/// per day of each observation (a day, or an invoice's usage per day), `w` its weight (1 for
/// a day, the days with temperature for an invoice), `temps` the daily mean temperatures (°C)
/// of its days. An observation's degree-days are the mean over its days of
/// `max(bp − T, 0)` (heating) or `max(T − bp, 0)` (cooling); a degree-day candidate is
/// attempted when its degree-days weighted by `w` sum to `min_total_degree_days_c` and are
/// non-zero for `min_non_zero_days` observations; fits are weighted least squares, adjusted
/// R² on weighted sums of squares (statsmodels' WLS, as eemeter).
pub(crate) fn select_model(
    y: &[f64],
    w: &[f64],
    temps: &[Vec<f64>],
    config: &DailyConfig,
) -> Result<(DailyModel, CandidateCounts), EvalError> {
    let n = y.len();
    let ones = vec![1.0; n];
    let sum_w: f64 = w.iter().sum();
    let mean = y.iter().zip(w).map(|(v, w)| v * w).sum::<f64>() / sum_w;
    let sst: f64 = y
        .iter()
        .zip(w)
        .map(|(v, w)| w * (v - mean) * (v - mean))
        .sum();
    let mut counts = CandidateCounts::default();
    let mut best: Option<Candidate> = None;
    let consider = |c: Candidate, best: &mut Option<Candidate>| {
        if best.as_ref().is_none_or(|b| c.r2adj > b.r2adj) {
            *best = Some(c);
        }
    };
    // Intercept-only (CalTRACK 3.3.1.3): adjusted R² taken as 0.
    counts.fitted += 1;
    if mean >= 0.0 {
        counts.qualified += 1;
        consider(
            Candidate {
                kind: DailyModelKind::InterceptOnly,
                coef: [mean, 0.0, 0.0],
                bp_h: None,
                bp_c: None,
                r2adj: 0.0,
                p_h: None,
                p_c: None,
            },
            &mut best,
        );
    } else {
        counts.disqualified += 1;
    }
    let enough = |dd: &[f64]| {
        dd.iter().filter(|v| **v > 0.0).count() >= config.min_non_zero_days
            && dd.iter().zip(w).map(|(d, w)| d * w).sum::<f64>() >= config.min_total_degree_days_c
    };
    let degree_days = |bp: f64, heating: bool| -> Vec<f64> {
        temps
            .iter()
            .map(|days| {
                days.iter()
                    .map(|&v| {
                        if heating {
                            (bp - v).max(0.0)
                        } else {
                            (v - bp).max(0.0)
                        }
                    })
                    .sum::<f64>()
                    / days.len() as f64
            })
            .collect()
    };
    let hdds: Vec<(f64, Vec<f64>, bool)> = config
        .heating_balance_points_c
        .iter()
        .map(|&bp| {
            let dd = degree_days(bp, true);
            let ok = enough(&dd);
            (bp, dd, ok)
        })
        .collect();
    let cdds: Vec<(f64, Vec<f64>, bool)> = config
        .cooling_balance_points_c
        .iter()
        .map(|&bp| {
            let dd = degree_days(bp, false);
            let ok = enough(&dd);
            (bp, dd, ok)
        })
        .collect();
    let r2adj = |rss: f64, rank: usize| {
        let dof = n.saturating_sub(rank);
        if dof == 0 || sst <= 0.0 {
            f64::NAN
        } else {
            1.0 - (n as f64 - 1.0) / dof as f64 * (rss / sst)
        }
    };
    let max_p = config.max_p_value;
    let single = |kind: DailyModelKind,
                  bp: f64,
                  dd: &[f64],
                  counts: &mut CandidateCounts,
                  best: &mut Option<Candidate>| {
        let fit = wls(&[&ones, dd], y, Some(w));
        counts.fitted += 1;
        let p = fit.p_value(1);
        let (b0, b1) = (fit.coef[0], fit.coef[1]);
        if b0 < 0.0 || b1 < 0.0 || p.is_nan() || p > max_p || fit.rank < 2 {
            counts.disqualified += 1;
            return;
        }
        counts.qualified += 1;
        let heating = kind == DailyModelKind::HddOnly;
        consider(
            Candidate {
                kind,
                coef: if heating {
                    [b0, b1, 0.0]
                } else {
                    [b0, 0.0, b1]
                },
                bp_h: heating.then_some(bp),
                bp_c: (!heating).then_some(bp),
                r2adj: r2adj(fit.rss, fit.rank),
                p_h: heating.then_some(p),
                p_c: (!heating).then_some(p),
            },
            best,
        );
    };
    for (bp, dd, ok) in &hdds {
        if *ok {
            single(DailyModelKind::HddOnly, *bp, dd, &mut counts, &mut best);
        } else {
            counts.not_attempted += 1;
        }
    }
    if config.fit_cdd {
        for (bp, dd, ok) in &cdds {
            if *ok {
                single(DailyModelKind::CddOnly, *bp, dd, &mut counts, &mut best);
            } else {
                counts.not_attempted += 1;
            }
        }
        for (bpc, cdd, okc) in &cdds {
            for (bph, hdd, okh) in &hdds {
                if bph > bpc {
                    continue;
                }
                if !(*okc && *okh) {
                    counts.not_attempted += 1;
                    continue;
                }
                let fit = wls(&[&ones, cdd, hdd], y, Some(w));
                counts.fitted += 1;
                let (pc, ph) = (fit.p_value(1), fit.p_value(2));
                let c = &fit.coef;
                if c[0] < 0.0
                    || c[1] < 0.0
                    || c[2] < 0.0
                    || pc.is_nan()
                    || ph.is_nan()
                    || pc > max_p
                    || ph > max_p
                {
                    counts.disqualified += 1;
                    continue;
                }
                counts.qualified += 1;
                consider(
                    Candidate {
                        kind: DailyModelKind::HddCdd,
                        coef: [c[0], c[2], c[1]],
                        bp_h: Some(*bph),
                        bp_c: Some(*bpc),
                        r2adj: r2adj(fit.rss, fit.rank),
                        p_h: Some(ph),
                        p_c: Some(pc),
                    },
                    &mut best,
                );
            }
        }
    }
    let Some(best) = best else {
        return Err(EvalError::NoQualifiedModel {
            tried: counts.fitted + counts.not_attempted,
        });
    };
    Ok((
        DailyModel {
            kind: best.kind,
            intercept_kwh: best.coef[0],
            beta_hdd_kwh_per_degree_day: best.coef[1],
            beta_cdd_kwh_per_degree_day: best.coef[2],
            heating_balance_point_c: best.bp_h,
            cooling_balance_point_c: best.bp_c,
            r_squared_adj: best.r2adj,
            p_value_hdd: best.p_h,
            p_value_cdd: best.p_c,
        },
        counts,
    ))
}

impl DailyFit {
    /// Predicts every whole local day of `period` from `temperature` (°C); `energy`, when
    /// given, fills the metered column.
    pub fn predict(
        &self,
        energy: Option<&Series>,
        temperature: &Series,
        period: Period,
    ) -> Result<DailyPrediction, EvalError> {
        check_temperature(temperature, period)?;
        let data = DailyData::build(energy, temperature, period, self.tz)?;
        let predicted_kwh = data
            .temperature_c
            .iter()
            .map(|&t| self.model.predict_day(t))
            .collect();
        Ok(DailyPrediction {
            data,
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
        if !pred.data.energy_kwh.iter().any(|v| v.is_finite()) {
            return Err(EvalError::NoOverlap {
                what: "meter",
                start: reporting.start(),
                end: reporting.end(),
            });
        }
        let times = pred
            .data
            .days
            .iter()
            .map(|d: &NaiveDate| local_midnight(*d, self.tz))
            .collect::<Result<Vec<_>, _>>()?;
        compute_savings(
            &times,
            &pred.data.energy_kwh,
            &pred.predicted_kwh,
            &self.metrics,
            Granularity::Daily,
            &SavingsConfig {
                tz: self.tz,
                ..*config
            },
        )
    }
}

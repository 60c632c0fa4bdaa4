//! The CalTRACK 2.0 billing method: a building known only through its invoices (monthly or
//! bimonthly kWh over irregular periods) gets the daily method's degree-day model fitted on
//! each invoice's use per day, weighted by its days.
//!
//! As CalTRACK 2.0 (sections 2.2.3, 3.2–3.4) and eemeter 2.x's `use_billing_presets` state it
//! (see `bench/eemeter/billing.py`, which transcribes eemeter 2.10 and checks it against the
//! real code):
//!
//! - **Invoices** are `[start, end)` local dates with their energy. The billing cycle is
//!   monthly when the median invoice lasts at most 35 days, bimonthly otherwise; a baseline
//!   invoice shorter than 25 days or longer than 35 (monthly) or 70 (bimonthly) days is left
//!   out (CalTRACK 2.2.3.4–5), and so is one with temperatures for less than 90 % of its
//!   intervals (2.2.3.2). Days are the local days of the configured time zone; a day's mean
//!   temperature needs more than half of its intervals (2.2.3.3).
//! - **Observations**: `y` = the invoice's kWh over its calendar days; its heating (cooling)
//!   degree-days = the mean over its days with a temperature of `max(bp − T, 0)`
//!   (`max(T − bp, 0)`); weight = those days (eemeter's `n_days_kept`).
//! - **Candidates** as the daily method's ([`crate::DailyConfig`]: balance points 30–90 °F,
//!   non-negative coefficients, slope p-value limit, best adjusted R²), fitted by weighted
//!   least squares; a degree-day candidate needs its weighted degree-days to total 20 °F·day
//!   (CalTRACK 3.2.2.2.2), with no minimum of non-zero invoices (3.2.2.2.1 does not apply to
//!   billing data).
//! - **Prediction** of an invoice: its calendar days × (intercept + β_H·HDD + β_C·CDD) over
//!   its days; NaN when its temperatures cover less than 90 % of it.
//!
//! Departures, documented: eemeter 2.x caps each invoice's fit temperatures at its first 35
//! days (a bimonthly invoice's degree-days and weight come from half of it); we use the whole
//! invoice, as CalTRACK writes it. Days are local calendar days (eemeter cuts 24-hour blocks
//! from the invoice's start, ignoring daylight saving). The savings uncertainty is ASHRAE
//! Guideline 14's, as for the other methods, with the invoices as observations.

use chrono_tz::Tz;
use quartier_timeseries::{Series, local_midnight};

pub use quartier_timeseries::invoices::Invoice;

use crate::coverage::coverage;
use crate::daily::select_model;
use crate::data::{DailyData, SufficiencyCriteria, SufficiencyReport};

/// Days a billing baseline may fall short of a year (CalTRACK 2.2.1.2: 37 missing days).
const BILLING_SHORTFALL_DAYS: f64 = 37.0;
use crate::temperature::check_temperature;
use crate::{CandidateCounts, DailyConfig, DailyModel, EvalError, FitMetrics, Period};

/// The billing cycle, from the median invoice length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BillingCycle {
    /// Invoices of about a month (median ≤ 35 days): kept from 25 to 35 days.
    Monthly,
    /// Invoices of about two months: kept from 25 to 70 days.
    Bimonthly,
}

impl BillingCycle {
    /// The longest invoice kept in the baseline, days.
    pub fn max_days(self) -> i64 {
        match self {
            BillingCycle::Monthly => 35,
            BillingCycle::Bimonthly => 70,
        }
    }
}

/// Options of the billing method.
#[derive(Debug, Clone, PartialEq)]
pub struct BillingConfig {
    /// The degree-day model's options (time zone, balance points, p-value, `fit_cdd`,
    /// sufficiency); `min_non_zero_days` is not used (CalTRACK 3.2.2.2.1).
    pub model: DailyConfig,
    /// Shortest invoice kept in the baseline, days (CalTRACK: 25).
    pub min_days: i64,
    /// Least share of an invoice's temperature intervals present (CalTRACK: 0.9).
    pub min_temperature_coverage: f64,
}

impl Default for BillingConfig {
    fn default() -> Self {
        BillingConfig {
            model: DailyConfig::default(),
            min_days: 25,
            min_temperature_coverage: 0.9,
        }
    }
}

/// Why an invoice was, or was not, used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceUse {
    /// In the fit (or predicted).
    Used,
    /// Shorter than the shortest invoice kept.
    TooShort,
    /// Longer than the cycle's longest invoice.
    TooLong,
    /// Temperatures for less than the required share of its intervals.
    TemperatureMissing,
}

/// An invoice as the method saw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InvoiceRow {
    /// The invoice.
    pub invoice: Invoice,
    /// Days with a daily mean temperature (the weight in the fit).
    pub days_with_temperature: usize,
    /// Share of the invoice's temperature intervals present.
    pub temperature_coverage: f64,
    /// Whether it was used.
    pub used: InvoiceUse,
    /// The model's energy for it, kWh (NaN when it cannot be predicted).
    pub predicted_kwh: f64,
}

/// A fitted billing baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct BillingFit {
    /// The degree-day model, per day.
    pub model: DailyModel,
    /// The billing cycle found.
    pub cycle: BillingCycle,
    /// The baseline's invoices, used or not, in order.
    pub invoices: Vec<InvoiceRow>,
    /// Sufficiency of the baseline: days covered by a used invoice and with a temperature.
    pub sufficiency: SufficiencyReport,
    /// Fit metrics on the used invoices' energy (observations = invoices).
    pub metrics: FitMetrics,
    /// Candidate search counts.
    pub candidates: CandidateCounts,
    /// The baseline period.
    pub baseline: Period,
    /// The time zone of the days.
    pub tz: Tz,
    /// Least share of an invoice's temperature intervals present for it to be predicted (the
    /// configuration's).
    pub min_temperature_coverage: f64,
}

/// The invoices lying wholly inside `period` (local days of `tz`), in order.
pub fn invoices_within(invoices: &[Invoice], period: Period, tz: Tz) -> Vec<Invoice> {
    invoices
        .iter()
        .filter(|i| {
            matches!(
                (local_midnight(i.start, tz), local_midnight(i.end, tz)),
                (Ok(a), Ok(b)) if a >= period.start() && b <= period.end()
            )
        })
        .copied()
        .collect()
}

/// The daily mean temperatures (°C, NaN when missing) of an invoice's days, taken from `days`
/// (the daily data of a period holding the invoice), and the share of its temperature
/// intervals present.
fn invoice_temperatures(
    invoice: &Invoice,
    days: &DailyData,
    temperature: &Series,
    tz: Tz,
) -> Result<(Vec<f64>, f64), EvalError> {
    let period = Period::new(
        local_midnight(invoice.start, tz)?,
        local_midnight(invoice.end, tz)?,
    )?;
    let temps = days
        .days
        .iter()
        .zip(&days.temperature_c)
        .filter(|(d, _)| invoice.start <= **d && **d < invoice.end)
        .map(|(_, t)| *t)
        .collect();
    Ok((temps, coverage(temperature, period, tz).fraction_valid()))
}

impl DailyModel {
    /// The model's energy over days of mean temperatures `temps` (°C; NaN days skipped)
    /// for an invoice of `days` calendar days: `days` × the mean daily prediction.
    fn predict_invoice(&self, temps: &[f64], days: i64) -> f64 {
        let known: Vec<f64> = temps.iter().copied().filter(|t| t.is_finite()).collect();
        if known.is_empty() {
            return f64::NAN;
        }
        let per_day = known.iter().map(|&t| self.predict_day(t)).sum::<f64>() / known.len() as f64;
        per_day * days as f64
    }
}

/// Fits the CalTRACK billing model on the invoices lying wholly inside `baseline`.
pub fn fit_billing(
    invoices: &[Invoice],
    temperature: &Series,
    baseline: Period,
    config: &BillingConfig,
) -> Result<BillingFit, EvalError> {
    let model_config = DailyConfig {
        min_non_zero_days: 0,
        ..config.model.clone()
    };
    if !(model_config.max_p_value > 0.0 && model_config.max_p_value <= 1.0) {
        return Err(EvalError::InvalidConfig(format!(
            "max_p_value must be in (0, 1], got {}",
            model_config.max_p_value
        )));
    }
    let tz = model_config.tz;
    check_temperature(temperature, baseline)?;
    let within = invoices_within(invoices, baseline, tz);
    if within.is_empty() {
        return Err(EvalError::NoOverlap {
            what: "invoices",
            start: baseline.start(),
            end: baseline.end(),
        });
    }
    let mut lengths: Vec<i64> = within.iter().map(Invoice::days).collect();
    lengths.sort_unstable();
    let cycle = if lengths[lengths.len() / 2] <= BillingCycle::Monthly.max_days() {
        BillingCycle::Monthly
    } else {
        BillingCycle::Bimonthly
    };
    let days = DailyData::build(None, temperature, baseline, tz)?;
    let mut rows = Vec::with_capacity(within.len());
    let mut temps_of = Vec::with_capacity(within.len());
    for inv in &within {
        let (temps, coverage) = invoice_temperatures(inv, &days, temperature, tz)?;
        let used = if inv.days() < config.min_days {
            InvoiceUse::TooShort
        } else if inv.days() > cycle.max_days() {
            InvoiceUse::TooLong
        } else if coverage < config.min_temperature_coverage
            || !temps.iter().any(|t| t.is_finite())
            || !inv.kwh.is_finite()
        {
            InvoiceUse::TemperatureMissing
        } else {
            InvoiceUse::Used
        };
        rows.push(InvoiceRow {
            invoice: *inv,
            days_with_temperature: temps.iter().filter(|t| t.is_finite()).count(),
            temperature_coverage: coverage,
            used,
            predicted_kwh: f64::NAN,
        });
        temps_of.push(temps);
    }
    // Sufficiency on the baseline's days: a day counts for the meter when a used invoice
    // covers it.
    let meter_days: Vec<f64> = days
        .days
        .iter()
        .map(|d| {
            rows.iter()
                .find(|r| r.invoice.start <= *d && *d < r.invoice.end)
                .filter(|r| r.used == InvoiceUse::Used)
                .map_or(f64::NAN, |r| r.invoice.kwh / r.invoice.days() as f64)
        })
        .collect();
    // A billing baseline runs between invoice boundaries: it may fall short of the year by
    // CalTRACK's 37 missing days.
    let criteria = SufficiencyCriteria {
        shortfall_days: model_config
            .sufficiency
            .shortfall_days
            .max(BILLING_SHORTFALL_DAYS),
        ..model_config.sufficiency
    };
    let sufficiency = SufficiencyReport::from_intervals(
        &meter_days,
        &days.temperature_c,
        1.0,
        days.days.len() as f64,
        &criteria,
    );
    if model_config.enforce_sufficiency && !sufficiency.passes() {
        return Err(EvalError::InsufficientData(Box::new(sufficiency)));
    }
    let used: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].used == InvoiceUse::Used)
        .collect();
    let y: Vec<f64> = used
        .iter()
        .map(|&i| rows[i].invoice.kwh / rows[i].invoice.days() as f64)
        .collect();
    let w: Vec<f64> = used
        .iter()
        .map(|&i| rows[i].days_with_temperature as f64)
        .collect();
    let temps: Vec<Vec<f64>> = used
        .iter()
        .map(|&i| {
            temps_of[i]
                .iter()
                .copied()
                .filter(|t| t.is_finite())
                .collect()
        })
        .collect();
    let (model, candidates) = select_model(&y, &w, &temps, &model_config)?;
    for (row, temps) in rows.iter_mut().zip(&temps_of) {
        row.predicted_kwh = model.predict_invoice(temps, row.invoice.days());
    }
    let (observed, predicted): (Vec<f64>, Vec<f64>) = used
        .iter()
        .map(|&i| (rows[i].invoice.kwh, rows[i].predicted_kwh))
        .unzip();
    let metrics = FitMetrics::compute(&observed, &predicted, model.parameters());
    Ok(BillingFit {
        model,
        cycle,
        invoices: rows,
        sufficiency,
        metrics,
        candidates,
        baseline,
        tz,
        min_temperature_coverage: config.min_temperature_coverage,
    })
}

impl BillingFit {
    /// The invoices lying wholly inside `period`, each with the model's energy for it (NaN
    /// when its temperatures cover less than the fit's `min_temperature_coverage` of it).
    pub fn predict_invoices(
        &self,
        invoices: &[Invoice],
        temperature: &Series,
        period: Period,
    ) -> Result<Vec<InvoiceRow>, EvalError> {
        check_temperature(temperature, period)?;
        let days = DailyData::build(None, temperature, period, self.tz)?;
        invoices_within(invoices, period, self.tz)
            .into_iter()
            .map(|inv| {
                let (temps, coverage) = invoice_temperatures(&inv, &days, temperature, self.tz)?;
                let enough = coverage >= self.min_temperature_coverage;
                Ok(InvoiceRow {
                    invoice: inv,
                    days_with_temperature: temps.iter().filter(|t| t.is_finite()).count(),
                    temperature_coverage: coverage,
                    used: if enough {
                        InvoiceUse::Used
                    } else {
                        InvoiceUse::TemperatureMissing
                    },
                    predicted_kwh: if enough {
                        self.model.predict_invoice(&temps, inv.days())
                    } else {
                        f64::NAN
                    },
                })
            })
            .collect()
    }

    /// The model's energy for every whole local day of `period` (a typical year's days for
    /// normalised savings): the daily prediction, NaN where the day's temperature is missing.
    pub fn predict_days(
        &self,
        temperature: &Series,
        period: Period,
    ) -> Result<(DailyData, Vec<f64>), EvalError> {
        check_temperature(temperature, period)?;
        let data = DailyData::build(None, temperature, period, self.tz)?;
        let predicted = data
            .temperature_c
            .iter()
            .map(|&t| self.model.predict_day(t))
            .collect();
        Ok((data, predicted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};
    use quartier_timeseries::{Axis, Quantity, Step};

    /// Two years of hourly temperature and monthly invoices of a building using 10 kWh a day
    /// plus 2 kWh per °C·day below 15 °C.
    fn building() -> (Vec<Invoice>, Series) {
        let tz = chrono_tz::UTC;
        let start = Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap();
        let hours = 2 * 365 * 24;
        let temp: Vec<f64> = (0..hours)
            .map(|h| {
                let d = (h / 24) as f64;
                11.0 - 9.0 * (d * 0.0172).cos() + 3.0 * ((h % 24) as f64 * 0.26).sin()
            })
            .collect();
        let axis = Axis::new(start, Step::MIN60, hours).unwrap();
        let temperature = Series::new(axis, Quantity::TemperatureC, temp).unwrap();
        let day0 = start.date_naive();
        let mut invoices = Vec::new();
        let mut d = day0;
        let mut k = 0;
        while d < day0 + Duration::days(720) {
            let len = [30, 31, 28, 33][k % 4];
            let end = d + Duration::days(len);
            let period = Period::new(
                local_midnight(d, tz).unwrap(),
                local_midnight(end, tz).unwrap(),
            )
            .unwrap();
            let data = DailyData::build(None, &temperature, period, tz).unwrap();
            let kwh = data
                .temperature_c
                .iter()
                .map(|t| 10.0 + 2.0 * (15.0 - t).max(0.0))
                .sum();
            invoices.push(Invoice { start: d, end, kwh });
            d = end;
            k += 1;
        }
        (invoices, temperature)
    }

    fn config() -> BillingConfig {
        BillingConfig {
            model: DailyConfig {
                tz: chrono_tz::UTC,
                heating_balance_points_c: (10..=20).map(f64::from).collect(),
                cooling_balance_points_c: (18..=26).map(f64::from).collect(),
                ..DailyConfig::default()
            },
            ..BillingConfig::default()
        }
    }

    #[test]
    fn a_heating_building_known_by_its_invoices_is_recovered() {
        let (invoices, temperature) = building();
        let start = Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap();
        let baseline = Period::new(start, start + Duration::days(365)).unwrap();
        let fit = fit_billing(&invoices, &temperature, baseline, &config()).unwrap();
        assert_eq!(fit.cycle, BillingCycle::Monthly);
        assert_eq!(fit.model.heating_balance_point_c, Some(15.0));
        assert!((fit.model.beta_hdd_kwh_per_degree_day - 2.0).abs() < 1e-9);
        assert!((fit.model.intercept_kwh - 10.0).abs() < 1e-9);
        // Every invoice inside the baseline is used and predicted exactly.
        assert!(fit.invoices.iter().all(|r| r.used == InvoiceUse::Used));
        for r in &fit.invoices {
            assert!((r.predicted_kwh - r.invoice.kwh).abs() < 1e-6 * r.invoice.kwh);
        }
        let reporting = Period::new(baseline.end(), start + Duration::days(720)).unwrap();
        let rows = fit
            .predict_invoices(&invoices, &temperature, reporting)
            .unwrap();
        assert!(rows.len() >= 10);
        for r in &rows {
            assert!((r.predicted_kwh - r.invoice.kwh).abs() < 1e-6 * r.invoice.kwh);
        }
    }

    #[test]
    fn short_long_and_cold_invoices_are_left_out() {
        let (mut invoices, mut temperature) = building();
        // Split the second invoice into 10 + 21 days, and blank a week of the fourth's
        // temperatures (7 of 33 days: 79 % present).
        let second = invoices[1];
        let cut = second.start + Duration::days(10);
        invoices[1] = Invoice {
            end: cut,
            kwh: second.kwh / 3.0,
            ..second
        };
        invoices.insert(
            2,
            Invoice {
                start: cut,
                kwh: second.kwh * 2.0 / 3.0,
                ..second
            },
        );
        let fourth = invoices[4];
        let from = (fourth.start
            - Utc
                .with_ymd_and_hms(2022, 1, 1, 0, 0, 0)
                .unwrap()
                .date_naive())
        .num_days() as usize
            * 24;
        let mut values = temperature.values().to_vec();
        for v in &mut values[from..from + 7 * 24] {
            *v = f64::NAN;
        }
        temperature = Series::new(*temperature.axis(), Quantity::TemperatureC, values).unwrap();
        let start = Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap();
        let baseline = Period::new(start, start + Duration::days(365)).unwrap();
        let config = BillingConfig {
            model: DailyConfig {
                enforce_sufficiency: false,
                ..config().model
            },
            ..config()
        };
        let fit = fit_billing(&invoices, &temperature, baseline, &config).unwrap();
        let uses: Vec<InvoiceUse> = fit.invoices.iter().map(|r| r.used).collect();
        assert_eq!(uses[1], InvoiceUse::TooShort);
        assert_eq!(uses[2], InvoiceUse::TooShort);
        assert_eq!(uses[4], InvoiceUse::TemperatureMissing);
        assert!(fit.sufficiency.fraction_valid < 0.9);
        // Strict sufficiency refuses the same baseline.
        assert!(matches!(
            fit_billing(
                &invoices,
                &temperature,
                baseline,
                &BillingConfig {
                    ..super::tests::config()
                }
            ),
            Err(EvalError::InsufficientData(_))
        ));
        assert!((fit.model.beta_hdd_kwh_per_degree_day - 2.0).abs() < 1e-9);
    }
}

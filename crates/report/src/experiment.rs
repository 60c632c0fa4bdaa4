//! From an experiment file to its evaluation: reads the experiment's meters and temperature
//! through the timeseries readers, fits the CalTRACK baseline it asks for, computes the
//! avoided energy with its Guideline 14 uncertainty, lays its free KPIs and its metered
//! energy balance on its months, and writes `savings.csv`, `kpis.json` and `report.html`.
//!
//! `quartier evaluate`, `quartier programme` and the server share this one pipeline. It maps
//! the model's plain experiment types onto `quartier-evaluate`; failures are an
//! [`ExperimentError`] saying which input or step went wrong.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, Utc};
use quartier_evaluate::{
    About, Aggregate, BillingConfig, BillingFit, Cell, DailyConfig, DailyFit, Direction, EvalError,
    FitMetrics, Granularity, HourlyConfig, HourlyFit, Indicator, Invoice, Month, MonthlyBalance,
    Period, ProgrammeTable, SavingsConfig, SavingsReport, Target, check_periods, fit_billing,
    fit_daily, fit_hourly, programme_table,
};
use quartier_model::{
    Adjustment, Experiment, ExperimentMeter, FreeKpi, InvoiceFile, KpiAggregate, KpiDirection,
    MeterData, MeterHolder, MeterRole, Method, MissingPolicy, SeriesFile, SeriesFormat,
    TemperatureFormat, TemperatureSource,
};
use quartier_timeseries::{
    Axis, CsvOptions, FillPolicy, IntervalLabel, InvoiceOptions, PeriodEnd, Quantity, ReadErrors,
    Series, Step, TimeError, read_csv, read_enedis, read_epw, read_invoices, read_pvgis,
};

use crate::evaluation::{BaselineFit, EnergyResults, ExperimentResults, Observations};
use crate::{OutputDir, ReportError};

/// Why an experiment could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// A meter or temperature file could not be read.
    #[error("reading {what}: {source}")]
    Read {
        /// What was read (`meter "x"`, `the temperature`).
        what: String,
        /// Every problem of the file.
        source: ReadErrors,
    },
    /// The evaluation names a meter the experiment does not declare.
    #[error("no meter named \"{0}\"")]
    NoMeter(String),
    /// A series had the wrong quantity or an impossible axis.
    #[error("{what}: {source}")]
    Series {
        /// What was being done.
        what: String,
        /// The cause.
        source: TimeError,
    },
    /// The baseline fit, prediction or savings computation failed (too little data, no
    /// overlap, periods in the wrong order…).
    #[error("{what}: {source}")]
    Evaluate {
        /// The step (`evaluating meter "x": fitting the hourly baseline`).
        what: String,
        /// The cause.
        source: EvalError,
    },
}

/// The fitted baseline.
#[derive(Debug, Clone)]
pub enum Fit {
    /// CalTRACK daily.
    Daily(Box<DailyFit>),
    /// CalTRACK hourly.
    Hourly(Box<HourlyFit>),
    /// CalTRACK billing.
    Billing(Box<BillingFit>),
}

/// What a meter measured: its curve, or its invoices with the hourly curve they spread into
/// (each invoice's energy shared evenly over its hours, for the coverage and the monthly
/// balance).
#[derive(Debug, Clone)]
pub struct Metered {
    /// The curve (kWh per interval), or the invoices spread over their hours.
    pub series: Series,
    /// The invoices, for a meter known by them.
    pub invoices: Option<Vec<Invoice>>,
}

impl Fit {
    /// Fits `method`'s model on `period` (days and hours of the week in `tz`).
    fn new(
        method: Method,
        metered: &Metered,
        temperature: &Series,
        period: Period,
        tz: chrono_tz::Tz,
    ) -> Result<Fit, EvalError> {
        let series = &metered.series;
        Ok(match method {
            Method::Billing => Fit::Billing(Box::new(fit_billing(
                metered.invoices.as_deref().unwrap_or_default(),
                temperature,
                period,
                &BillingConfig {
                    model: DailyConfig {
                        tz,
                        ..DailyConfig::default()
                    },
                    ..BillingConfig::default()
                },
            )?)),
            Method::Daily => Fit::Daily(Box::new(fit_daily(
                series,
                temperature,
                period,
                &DailyConfig {
                    tz,
                    ..DailyConfig::default()
                },
            )?)),
            Method::Hourly => Fit::Hourly(Box::new(fit_hourly(
                series,
                temperature,
                period,
                &HourlyConfig {
                    tz,
                    ..HourlyConfig::default()
                },
            )?)),
        })
    }

    /// The fit metrics of the baseline (CV(RMSE), NMBE, R² on the baseline period).
    pub fn metrics(&self) -> &FitMetrics {
        match self {
            Fit::Daily(f) => &f.metrics,
            Fit::Hourly(f) => &f.metrics,
            Fit::Billing(f) => &f.metrics,
        }
    }

    /// Days, hours or invoices.
    pub fn granularity(&self) -> Granularity {
        match self {
            Fit::Daily(_) => Granularity::Daily,
            Fit::Hourly(_) => Granularity::Hourly,
            Fit::Billing(_) => Granularity::Billing,
        }
    }

    /// The model's observations over `period`: their starts (a local day's midnight, an hour,
    /// or an invoice's first day), the metered energy (NaN without `metered`) and the model's
    /// prediction on `temperature`. Without invoices, the billing model predicts days.
    fn observe(
        &self,
        metered: Option<&Metered>,
        temperature: &Series,
        period: Period,
    ) -> Result<Observed, EvalError> {
        let series = metered.map(|m| &m.series);
        Ok(match self {
            Fit::Billing(f) => match metered.and_then(|m| m.invoices.as_deref()) {
                Some(invoices) => {
                    let rows = f.predict_invoices(invoices, temperature, period)?;
                    Observed {
                        times: rows
                            .iter()
                            .map(|r| quartier_timeseries::local_midnight(r.invoice.start, f.tz))
                            .collect::<Result<_, _>>()?,
                        metered_kwh: rows.iter().map(|r| r.invoice.kwh).collect(),
                        predicted_kwh: rows.iter().map(|r| r.predicted_kwh).collect(),
                    }
                }
                None => {
                    let (data, predicted_kwh) = f.predict_days(temperature, period)?;
                    Observed {
                        times: data
                            .days
                            .iter()
                            .map(|d| quartier_timeseries::local_midnight(*d, f.tz))
                            .collect::<Result<_, _>>()?,
                        metered_kwh: vec![f64::NAN; predicted_kwh.len()],
                        predicted_kwh,
                    }
                }
            },
            Fit::Daily(f) => {
                let pred = f.predict(series, temperature, period)?;
                Observed {
                    times: pred
                        .data
                        .days
                        .iter()
                        .map(|d| quartier_timeseries::local_midnight(*d, f.tz))
                        .collect::<Result<_, _>>()?,
                    metered_kwh: pred.data.energy_kwh,
                    predicted_kwh: pred.predicted_kwh,
                }
            }
            Fit::Hourly(f) => {
                let pred = f.predict(series, temperature, period)?;
                Observed {
                    times: pred.times,
                    metered_kwh: pred.metered_kwh,
                    predicted_kwh: pred.predicted_kwh,
                }
            }
        })
    }
}

/// The energy evaluation of an experiment.
#[derive(Debug, Clone)]
pub struct EnergyEval {
    /// Evaluated meter.
    pub meter: String,
    /// Baseline.
    pub fit: Fit,
    /// Avoided energy.
    pub savings: SavingsReport,
    /// Observation starts of the reporting period.
    pub times: Vec<DateTime<Utc>>,
    /// Metered energy, kWh.
    pub metered_kwh: Vec<f64>,
    /// Adjusted baseline, kWh: the model's prediction plus the non-routine adjustments.
    pub predicted_kwh: Vec<f64>,
    /// The non-routine adjustments in each observation, kWh (zeros without adjustments).
    pub adjustment_kwh: Vec<f64>,
    /// The non-routine adjustments, as the experiment file gives them.
    pub adjustments: Vec<Adjustment>,
    /// The normalised annual savings, when the experiment names a typical year.
    pub normalised: Option<Normalised>,
    /// Where the meter and the temperature have values in each period.
    pub coverage: crate::evaluation::DataCoverage,
}

impl EnergyEval {
    /// The report's view of this evaluation.
    pub fn results(&self) -> EnergyResults<'_> {
        EnergyResults {
            meter: &self.meter,
            fit: match &self.fit {
                Fit::Daily(f) => BaselineFit::Daily(f),
                Fit::Hourly(f) => BaselineFit::Hourly(f),
                Fit::Billing(f) => BaselineFit::Billing(f),
            },
            savings: &self.savings,
            observations: Observations {
                granularity: self.fit.granularity(),
                times: &self.times,
                metered_kwh: &self.metered_kwh,
                predicted_kwh: &self.predicted_kwh,
            },
            coverage: &self.coverage,
            adjustments: &self.adjustments,
            adjustment_kwh: &self.adjustment_kwh,
            normalised: self.normalised.as_ref(),
        }
    }
}

/// An evaluated experiment.
#[derive(Debug, Clone)]
pub struct Evaluated {
    /// The experiment.
    pub experiment: Experiment,
    /// Its energy evaluation, when it has an `[evaluation]`.
    pub energy: Option<EnergyEval>,
    /// Its indicators (avoided energy, free KPIs, metered energy balance).
    pub indicators: Vec<Indicator>,
    /// Input warnings.
    pub warnings: Vec<crate::Warning>,
}

impl Evaluated {
    /// Every warning for the reader: the input warnings, then the plain-language warnings of
    /// the energy evaluation ([`crate::energy_warnings`]).
    pub fn all_warnings(&self) -> Vec<crate::Warning> {
        let energy = self.energy.as_ref().map(EnergyEval::results);
        crate::evaluation::all_warnings(&self.warnings, energy.as_ref())
    }
}

/// Reads a meter: its curve (kWh per interval for CSV after scale; Enedis: average W → kW),
/// or its invoices spread over their hours.
pub fn read_meter(m: &ExperimentMeter, tz: chrono_tz::Tz) -> Result<Series, ExperimentError> {
    Ok(read_metered(m, tz)?.series)
}

/// Reads a meter's data (see [`Metered`]).
pub fn read_metered(m: &ExperimentMeter, tz: chrono_tz::Tz) -> Result<Metered, ExperimentError> {
    match &m.data {
        MeterData::Curve(sf) => Ok(Metered {
            series: read_curve(&m.name, sf, tz)?,
            invoices: None,
        }),
        MeterData::Invoices(file) => {
            let invoices = read_meter_invoices(m, file)?;
            Ok(Metered {
                series: spread_invoices(&invoices, tz).map_err(|source| {
                    ExperimentError::Series {
                        what: format!(
                            "spreading the invoices of meter \"{}\" over their hours",
                            m.name
                        ),
                        source,
                    }
                })?,
                invoices: Some(invoices),
            })
        }
    }
}

/// A meter's invoices.
fn read_meter_invoices(
    m: &ExperimentMeter,
    file: &InvoiceFile,
) -> Result<Vec<Invoice>, ExperimentError> {
    let records = read_invoices(
        &file.path,
        &InvoiceOptions {
            start_column: file.start_column.clone(),
            end_column: file.end_column.clone(),
            energy_column: file.column.clone(),
            period_end: if file.end_exclusive {
                PeriodEnd::Exclusive
            } else {
                PeriodEnd::Inclusive
            },
            allow_negative: file.allow_negative,
        },
    )
    .map_err(|source| ExperimentError::Read {
        what: format!("meter \"{}\"", m.name),
        source,
    })?;
    Ok(records.into_iter().map(|r| r.invoice).collect())
}

/// Invoices as an hourly curve: each invoice's energy shared evenly over its hours (local days
/// of `tz`), NaN between invoices.
fn spread_invoices(invoices: &[Invoice], tz: chrono_tz::Tz) -> Result<Series, TimeError> {
    let (Some(first), Some(last)) = (invoices.first(), invoices.last()) else {
        return Series::new(
            Axis::new(chrono::DateTime::UNIX_EPOCH, Step::MIN60, 0)?,
            Quantity::EnergyKwh,
            Vec::new(),
        );
    };
    let start = quartier_timeseries::local_midnight(first.start, tz)?;
    let end = quartier_timeseries::local_midnight(last.end, tz)?;
    let axis = Axis::from_range(start, end, Step::MIN60)?;
    let mut values = vec![f64::NAN; axis.len()];
    for inv in invoices {
        let a = quartier_timeseries::local_midnight(inv.start, tz)?;
        let b = quartier_timeseries::local_midnight(inv.end, tz)?;
        let (i, j) = (
            ((a - start).num_hours()) as usize,
            ((b - start).num_hours()) as usize,
        );
        let hours = (j - i).max(1) as f64;
        for v in values.iter_mut().take(j).skip(i) {
            *v = inv.kwh / hours;
        }
    }
    Series::new(axis, Quantity::EnergyKwh, values)
}

/// Reads meter `name`'s curve (kWh per interval for CSV after scale; Enedis: average W → kW).
fn read_curve(name: &str, sf: &SeriesFile, tz: chrono_tz::Tz) -> Result<Series, ExperimentError> {
    let fill = fill_of(sf.missing);
    let series = match sf.format {
        SeriesFormat::Enedis => read_enedis(&sf.path, fill).map(|(s, _)| s),
        SeriesFormat::Csv => read_csv(
            &sf.path,
            &CsvOptions {
                column: sf.column.clone(),
                timezone: sf.timezone.unwrap_or(tz),
                quantity: Quantity::EnergyKwh,
                label: IntervalLabel::Start,
                fill,
                allow_negative: sf.allow_negative,
                negative_setting: Some("allow_negative = true"),
            },
        ),
    }
    .map_err(|source| ExperimentError::Read {
        what: format!("meter \"{}\"", name),
        source,
    })?;
    Ok(series.scaled(sf.scale))
}

/// How a reader treats the missing steps of a file, as its table says: left missing (NaN,
/// excluded and counted by the evaluation), interpolated up to a length, or errors.
fn fill_of(missing: MissingPolicy) -> FillPolicy {
    match missing {
        MissingPolicy::Error => FillPolicy::None,
        MissingPolicy::Exclude => FillPolicy::Missing,
        MissingPolicy::Interpolate { max_steps } => FillPolicy::LinearUpTo(max_steps),
    }
}

/// Reads the outdoor temperature in °C.
pub fn read_temperature(t: &TemperatureSource) -> Result<Series, ExperimentError> {
    let read = |source| ExperimentError::Read {
        what: "the temperature".into(),
        source,
    };
    Ok(match t.format {
        TemperatureFormat::Csv => {
            let s = read_csv(
                &t.path,
                &CsvOptions {
                    column: t.column.clone(),
                    timezone: t.timezone,
                    quantity: Quantity::TemperatureC,
                    label: IntervalLabel::Start,
                    fill: fill_of(t.missing),
                    allow_negative: true,
                    negative_setting: None,
                },
            )
            .map_err(read)?;
            if t.fahrenheit {
                quartier_evaluate::temperature::check_declared_fahrenheit(s.values()).map_err(
                    |source| ExperimentError::Evaluate {
                        what: format!("the temperature {}", t.path.display()),
                        source,
                    },
                )?;
                let values: Vec<f64> = s
                    .values()
                    .iter()
                    .map(|f| quartier_evaluate::temperature::fahrenheit_to_celsius(*f))
                    .collect();
                Series::new(*s.axis(), Quantity::TemperatureC, values).map_err(|source| {
                    ExperimentError::Series {
                        what: "converting the temperature to °C".into(),
                        source,
                    }
                })?
            } else {
                s
            }
        }
        TemperatureFormat::Epw => read_epw(&t.path).map_err(read)?.0.temperature(),
        TemperatureFormat::PvgisHourlyCsv | TemperatureFormat::PvgisHourlyJson => {
            read_pvgis(&t.path).map_err(read)?.0.temperature()
        }
    })
}

/// The local calendar month of an instant.
pub fn month_of(t: DateTime<Utc>, tz: chrono_tz::Tz) -> Month {
    let l = t.with_timezone(&tz);
    (l.year(), l.month())
}

/// A month as `YYYY-MM` (the label of every table, chart and file).
pub fn month_label(m: Month) -> String {
    format!("{}-{:02}", m.0, m.1)
}

/// Months of the experiment, from its start's month to the month before its end.
pub fn experiment_months(e: &Experiment) -> Vec<Month> {
    let first = month_of(e.start, e.timezone);
    let last = month_of(e.end - chrono::Duration::seconds(1), e.timezone);
    let n = ((last.0 - first.0) * 12 + last.1 as i32 - first.1 as i32 + 1).max(1) as usize;
    quartier_evaluate::months_from(first, n.min(1200))
}

fn free_kpi(e: &Experiment, k: &FreeKpi) -> Indicator {
    Indicator {
        commune: e.commune.clone(),
        experiment: e.title.clone(),
        name: k.name.clone(),
        unit: k.unit.clone(),
        source: if k.illustrative {
            "illustrative values (made up for the demonstration)".into()
        } else {
            "reported monthly by the laureate".into()
        },
        aggregate: match k.aggregate {
            KpiAggregate::Sum => Aggregate::Sum,
            KpiAggregate::Mean => Aggregate::Mean,
            KpiAggregate::Last => Aggregate::Last,
        },
        target: k.target.map(|value| Target {
            value,
            direction: match k.direction {
                KpiDirection::AtLeast => Direction::AtLeast,
                KpiDirection::AtMost => Direction::AtMost,
            },
        }),
        monthly: k
            .monthly
            .iter()
            .map(|(m, v)| (*m, Cell::exact(*v)))
            .collect(),
        total_uncertainty: None,
        about: About {
            definition: k.definition.clone().unwrap_or_default(),
            illustrative: k.illustrative,
            reported: true,
            private_meters: k.private_meters,
        },
    }
}

/// Monthly sums of an energy series (kWh), in local months.
fn monthly_sums(s: &Series, tz: chrono_tz::Tz) -> Result<BTreeMap<Month, f64>, ExperimentError> {
    let s = s
        .to_quantity(Quantity::EnergyKwh)
        .map_err(|source| ExperimentError::Series {
            what: "summing a meter per month".into(),
            source,
        })?;
    let mut out = BTreeMap::new();
    for (t, v) in s.axis().times().zip(s.values()) {
        if v.is_finite() {
            *out.entry(month_of(t, tz)).or_insert(0.0) += v;
        }
    }
    Ok(out)
}

/// The metered positive-energy balance: `pv` meters against `treated` meters, per month
/// where both are metered.
fn metered_balance(e: &Experiment) -> Result<Option<Vec<MonthlyBalance>>, ExperimentError> {
    let of_role =
        |role| -> Vec<&ExperimentMeter> { e.meters.iter().filter(|m| m.role == role).collect() };
    let (pv, used) = (of_role(MeterRole::Pv), of_role(MeterRole::Treated));
    if pv.is_empty() || used.is_empty() {
        return Ok(None);
    }
    let sum_of = |ms: &[&ExperimentMeter]| -> Result<Vec<BTreeMap<Month, f64>>, ExperimentError> {
        ms.iter()
            .map(|m| monthly_sums(&read_meter(m, e.timezone)?, e.timezone))
            .collect()
    };
    let (p, c) = (sum_of(&pv)?, sum_of(&used)?);
    Ok(Some(
        experiment_months(e)
            .into_iter()
            .filter_map(|m| {
                let prod: Option<f64> = p.iter().map(|x| x.get(&m).copied()).sum();
                let cons: Option<f64> = c.iter().map(|x| x.get(&m).copied()).sum();
                Some(MonthlyBalance {
                    month: m,
                    production_kwh: prod?,
                    consumption_kwh: cons?,
                })
            })
            .collect(),
    ))
}

/// How many of the experiment's meters that `counted` selects are held by private persons
/// (`None`: none).
fn private_meters(e: &Experiment, counted: impl Fn(&ExperimentMeter) -> bool) -> Option<u32> {
    let n = e
        .meters
        .iter()
        .filter(|m| counted(m) && m.holder == MeterHolder::PrivatePerson)
        .count() as u32;
    (n > 0).then_some(n)
}

/// The method's name as the experiment file writes it.
fn method_name(method: Method) -> &'static str {
    match method {
        Method::Daily => "daily",
        Method::Hourly => "hourly",
        Method::Billing => "billing",
    }
}

fn step(what: &str, doing: &str) -> impl FnOnce(EvalError) -> ExperimentError {
    let what = format!("{what}: {doing}");
    move |source| ExperimentError::Evaluate { what, source }
}

/// Fits the baseline the experiment asks for and computes the avoided energy.
fn energy(e: &Experiment) -> Result<Option<EnergyEval>, ExperimentError> {
    let (Some(spec), Some(temp_src)) = (&e.evaluation, &e.temperature) else {
        return Ok(None);
    };
    let meter = e
        .meter(&spec.meter)
        .ok_or_else(|| ExperimentError::NoMeter(spec.meter.clone()))?;
    let metered = read_metered(meter, e.timezone)?;
    let series = &metered.series;
    let temperature = read_temperature(temp_src)?;
    let what = format!("evaluating meter \"{}\"", meter.name);
    let baseline =
        Period::new(spec.baseline.0, spec.baseline.1).map_err(step(&what, "baseline period"))?;
    let reporting =
        Period::new(spec.reporting.0, spec.reporting.1).map_err(step(&what, "reporting period"))?;
    check_periods(baseline, reporting).map_err(step(&what, "periods"))?;
    let tz = e.timezone;
    let coverage = crate::evaluation::DataCoverage {
        baseline_meter: quartier_evaluate::coverage(series, baseline, tz),
        baseline_temperature: quartier_evaluate::coverage(&temperature, baseline, tz),
        reporting_meter: quartier_evaluate::coverage(series, reporting, tz),
        reporting_temperature: quartier_evaluate::coverage(&temperature, reporting, tz),
        tz,
    };
    let savings_config = SavingsConfig {
        confidence: spec.confidence,
        tz: e.timezone,
    };
    let method = method_name(spec.method);
    let fit = Fit::new(spec.method, &metered, &temperature, baseline, tz)
        .map_err(step(&what, &format!("fitting the {method} baseline")))?;
    let observed = fit
        .observe(Some(&metered), &temperature, reporting)
        .map_err(step(&what, "predicting the reporting period"))?;
    if !observed.metered_kwh.iter().any(|v| v.is_finite()) {
        return Err(step(&what, "computing savings")(EvalError::NoOverlap {
            what: "meter",
            start: reporting.start(),
            end: reporting.end(),
        }));
    }
    // The adjusted baseline: the model's prediction plus the non-routine adjustments.
    let adjustment_kwh = adjustment_per_observation(&observed.times, &spec.adjustments, tz);
    let predicted_kwh: Vec<f64> = observed
        .predicted_kwh
        .iter()
        .zip(&adjustment_kwh)
        .map(|(p, a)| p + a)
        .collect();
    let savings = quartier_evaluate::compute_savings(
        &observed.times,
        &observed.metered_kwh,
        &predicted_kwh,
        fit.metrics(),
        fit.granularity(),
        &savings_config,
    )
    .map_err(step(&what, "computing savings"))?;
    let normalised = match &spec.normal_temperature {
        None => None,
        Some(n) => {
            let (normal, period) = normal_year(n, reporting)?;
            let after =
                Fit::new(spec.method, &metered, &temperature, reporting, tz).map_err(step(
                    &what,
                    "fitting the reporting period's model (normalised savings)",
                ))?;
            let before = fit
                .observe(None, &normal, period)
                .map_err(step(&what, "the baseline model on the normal year"))?;
            let now = after
                .observe(None, &normal, period)
                .map_err(step(&what, "the reporting model on the normal year"))?;
            let (baseline_kwh, reporting_kwh, skipped) =
                paired_sums(&before.predicted_kwh, &now.predicted_kwh);
            Some(Normalised {
                file: n.path.clone(),
                period,
                baseline_kwh,
                reporting_kwh,
                skipped,
            })
        }
    };
    Ok(Some(EnergyEval {
        meter: meter.name.clone(),
        fit,
        savings,
        times: observed.times,
        metered_kwh: observed.metered_kwh,
        predicted_kwh,
        adjustment_kwh,
        adjustments: spec.adjustments.clone(),
        normalised,
        coverage,
    }))
}

/// Normalised annual savings (CalTRACK's normalised metered energy savings): the baseline
/// model and a model fitted on the reporting period, both run on a typical year's temperature
/// laid on the reporting period's first 365 days.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalised {
    /// The typical year's file.
    pub file: std::path::PathBuf,
    /// The 365 days it is laid on.
    pub period: Period,
    /// The baseline model's energy over the typical year, kWh.
    pub baseline_kwh: f64,
    /// The reporting model's energy over the typical year, kWh.
    pub reporting_kwh: f64,
    /// Observations (days or hours) whose temperature or prediction is missing, left out.
    pub skipped: usize,
}

impl Normalised {
    /// Normalised annual avoided energy, kWh.
    pub fn avoided_kwh(&self) -> f64 {
        self.baseline_kwh - self.reporting_kwh
    }
}

/// Sums two predictions step by step where both are finite: (first, second, skipped).
fn paired_sums(a: &[f64], b: &[f64]) -> (f64, f64, usize) {
    a.iter().zip(b).fold((0.0, 0.0, 0), |(x, y, n), (p, q)| {
        if p.is_finite() && q.is_finite() {
            (x + p, y + q, n)
        } else {
            (x, y, n + 1)
        }
    })
}

/// The typical year of `source` laid on the 365 days from the reporting period's start.
fn normal_year(
    normal: &TemperatureSource,
    reporting: Period,
) -> Result<(Series, Period), ExperimentError> {
    let typical = read_temperature(normal)?;
    let period = Period::new(
        reporting.start(),
        reporting.start() + chrono::Duration::days(365),
    )
    .map_err(step("the normal year", "its period"))?;
    let on_period =
        quartier_timeseries::Axis::from_range(period.start(), period.end(), typical.axis().step())
            .and_then(|axis| typical.onto_axis_typical(&axis))
            .map_err(|source| ExperimentError::Series {
                what: format!(
                    "laying the typical year {} on the reporting period's first 365 days",
                    normal.path.display()
                ),
                source,
            })?;
    Ok((on_period, period))
}

/// The reporting period's observations: starts, metered and predicted energy (kWh).
struct Observed {
    times: Vec<DateTime<Utc>>,
    metered_kwh: Vec<f64>,
    predicted_kwh: Vec<f64>,
}

/// Each observation's share of the non-routine adjustments, kWh: an adjustment's kWh per day
/// is shared equally among the observations of each local day of its period (a DST day's 23
/// or 25 hours, or its one daily observation).
fn adjustment_per_observation(
    times: &[DateTime<Utc>],
    adjustments: &[Adjustment],
    tz: chrono_tz::Tz,
) -> Vec<f64> {
    if adjustments.is_empty() {
        return vec![0.0; times.len()];
    }
    let day = |t: &DateTime<Utc>| t.with_timezone(&tz).date_naive();
    let mut per_day: std::collections::HashMap<chrono::NaiveDate, usize> = Default::default();
    for t in times {
        *per_day.entry(day(t)).or_default() += 1;
    }
    times
        .iter()
        .map(|t| {
            let share = per_day.get(&day(t)).copied().unwrap_or(1).max(1) as f64;
            adjustments
                .iter()
                .filter(|a| a.period.0 <= *t && *t < a.period.1)
                .map(|a| a.kwh_per_day / share)
                .sum()
        })
        .collect()
}

/// Evaluates an experiment: energy savings (if it has an `[evaluation]`), free KPIs and the
/// metered energy balance (if it has `pv` meters).
pub fn evaluate_experiment(experiment: Experiment) -> Result<Evaluated, ExperimentError> {
    let e = &experiment;
    let mut warnings = Vec::new();
    let mut indicators = Vec::new();
    let energy = energy(e)?;
    if let (Some(ev), Some(spec)) = (&energy, &e.evaluation) {
        let source = format!(
            "metered, CalTRACK {} baseline, {:.0} % confidence",
            method_name(spec.method),
            100.0 * spec.confidence
        );
        let mut avoided = Indicator::avoided_energy(&e.commune, &e.title, &source, &ev.savings);
        avoided.about.private_meters = private_meters(e, |m| m.name == spec.meter);
        indicators.push(avoided);
        let rep_end = month_of(spec.reporting.1 - chrono::Duration::seconds(1), e.timezone);
        if rep_end < month_of(e.end - chrono::Duration::seconds(1), e.timezone) {
            warnings.push(crate::Warning::ReportingEndsEarly {
                year: rep_end.0,
                month: rep_end.1,
            });
        }
    }
    for k in &e.kpis {
        indicators.push(free_kpi(e, k));
    }
    if let Some(balance) = metered_balance(e)? {
        let mut ind = Indicator::energy_balance(
            &e.commune,
            &e.title,
            "metered: pv meters − treated meters",
            &balance,
        );
        ind.about.private_meters =
            private_meters(e, |m| matches!(m.role, MeterRole::Pv | MeterRole::Treated));
        indicators.push(ind);
    }
    Ok(Evaluated {
        experiment,
        energy,
        indicators,
        warnings,
    })
}

/// The experiment's own KPI table (its months).
pub fn own_table(ev: &Evaluated) -> ProgrammeTable {
    let months = experiment_months(&ev.experiment);
    let first = months.first().copied().unwrap_or((2000, 1));
    programme_table(ev.indicators.clone(), first, months.len())
}

/// The experiment's own KPI table without the avoided-energy row when the experiment has an
/// energy evaluation (reports show that one in its own section): free KPIs and balances.
pub fn indicators_besides_energy(ev: &Evaluated) -> ProgrammeTable {
    let mut table = own_table(ev);
    table
        .rows
        .retain(|r| ev.energy.is_none() || r.indicator.name != "avoided energy");
    table
}

/// Writes `savings.csv` (with an energy evaluation), `kpis.json` and `report.html` to `dir`
/// atomically; returns the final folder.
pub fn write_evaluation(dir: &Path, ev: &Evaluated) -> Result<PathBuf, ReportError> {
    let table = indicators_besides_energy(ev);
    let energy = ev.energy.as_ref().map(EnergyEval::results);
    let results = ExperimentResults {
        experiment: &ev.experiment,
        energy,
        kpis: &table,
        input_warnings: &ev.warnings,
    };
    let out = OutputDir::create(dir)?;
    if let Some(en) = &energy {
        out.write(
            "savings.csv",
            crate::savings_csv(&en.observations).as_bytes(),
        )?;
    }
    out.write("kpis.json", crate::evaluation_json(&results).as_bytes())?;
    out.write("report.html", crate::evaluation_html(&results).as_bytes())?;
    out.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn examples() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/caltrack-sample")
    }

    #[test]
    fn the_demo_renovation_saves_215_kwh_give_or_take_35() {
        let (e, _) =
            quartier_model::read_experiment(&examples().join("uk-household-renovation.toml"))
                .unwrap();
        let ev = evaluate_experiment(e).unwrap();
        let en = ev.energy.as_ref().unwrap();
        let t = &en.savings.total;
        assert_eq!(t.avoided_kwh.round(), 215.0);
        assert_eq!(t.uncertainty_kwh.round(), 35.0);
        assert!((en.fit.metrics().cv_rmse - 0.679).abs() < 0.001);
        assert_eq!(ev.indicators[0].name, "avoided energy");
        assert_eq!(ev.warnings.len(), 1, "reporting ends before the experiment");
        // The charts the report and the server share.
        let res = en.results();
        let text = crate::evaluation_charts::ChartText::default();
        for svg in [
            crate::evaluation_charts::baseline_chart(&res, ev.experiment.timezone, &text),
            crate::evaluation_charts::cumulative_chart(&res, ev.experiment.timezone, &text),
        ] {
            crate::svg::check_well_formed(&svg).unwrap();
        }
    }

    #[test]
    fn a_missing_meter_file_is_a_read_error_naming_the_meter() {
        let (mut e, _) =
            quartier_model::read_experiment(&examples().join("uk-household-renovation.toml"))
                .unwrap();
        if let MeterData::Curve(c) = &mut e.meters[0].data {
            c.path = examples().join("data/no-such-file.csv");
        }
        let err = evaluate_experiment(e).unwrap_err();
        assert!(matches!(err, ExperimentError::Read { .. }), "{err}");
        assert!(err.to_string().contains("meter \"uk-household\""), "{err}");
    }
}

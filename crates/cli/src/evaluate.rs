//! `quartier evaluate EXPERIMENT.toml --out DIR`: reads an experiment file, loads its meters
//! and temperatures through the timeseries readers, fits the CalTRACK baseline it asks for,
//! computes avoided energy with its Guideline 14 uncertainty, lays its free KPIs on its months,
//! and writes `savings.csv`, `kpis.json` and `report.html` (atomically).
//!
//! The functions here map the model's plain experiment types onto `quartier-evaluate`; the
//! programme command reuses them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Datelike, Utc};
use quartier_evaluate::{
    Aggregate, Cell, DailyConfig, DailyFit, Direction, Granularity, HourlyConfig, HourlyFit,
    Indicator, Month, MonthlyBalance, Period, ProgrammeTable, SavingsConfig, SavingsReport, Target,
    check_periods, fit_daily, fit_hourly, programme_table,
};
use quartier_model::{
    Experiment, ExperimentMeter, FreeKpi, KpiAggregate, KpiDirection, MeterRole, Method,
    SeriesFormat, TemperatureFormat, TemperatureSource,
};
use quartier_report::{BaselineFit, EnergyResults, ExperimentResults, Observations, OutputDir};
use quartier_timeseries::{
    CsvOptions, FillPolicy, IntervalLabel, Quantity, Series, read_csv, read_enedis, read_epw,
    read_pvgis,
};

use crate::Outcome;
use crate::run::Ui;

/// Arguments of `quartier evaluate`.
#[derive(clap::Args, Debug)]
pub struct EvaluateArgs {
    /// The experiment file (TOML).
    pub file: PathBuf,
    /// Output directory (replaced atomically when the run succeeds).
    #[arg(long)]
    pub out: PathBuf,
}

/// The fitted baseline.
pub enum Fit {
    /// CalTRACK daily.
    Daily(Box<DailyFit>),
    /// CalTRACK hourly.
    Hourly(Box<HourlyFit>),
}

/// The energy evaluation of an experiment.
pub struct EnergyEval {
    /// Evaluated meter.
    pub meter: String,
    /// Baseline.
    pub fit: Fit,
    /// Avoided energy.
    pub savings: SavingsReport,
    /// Days or hours.
    pub granularity: Granularity,
    /// Observation starts of the reporting period.
    pub times: Vec<DateTime<Utc>>,
    /// Metered energy, kWh.
    pub metered_kwh: Vec<f64>,
    /// Baseline prediction, kWh.
    pub predicted_kwh: Vec<f64>,
}

impl EnergyEval {
    /// The report's view of this evaluation.
    pub fn results(&self) -> EnergyResults<'_> {
        EnergyResults {
            meter: &self.meter,
            fit: match &self.fit {
                Fit::Daily(f) => BaselineFit::Daily(f),
                Fit::Hourly(f) => BaselineFit::Hourly(f),
            },
            savings: &self.savings,
            observations: Observations {
                granularity: self.granularity,
                times: &self.times,
                metered_kwh: &self.metered_kwh,
                predicted_kwh: &self.predicted_kwh,
            },
        }
    }
}

/// An evaluated experiment.
pub struct Evaluated {
    /// The experiment.
    pub experiment: Experiment,
    /// Its energy evaluation.
    pub energy: Option<EnergyEval>,
    /// Its indicators (avoided energy, free KPIs, metered energy balance).
    pub indicators: Vec<Indicator>,
    /// Input warnings in plain words.
    pub warnings: Vec<String>,
}

/// Reads an experiment file; prints every problem and gives `None` when it is invalid.
pub fn read(path: &Path) -> Option<Experiment> {
    match quartier_model::read_experiment(path) {
        Ok((e, _)) => Some(e),
        Err(diags) => {
            for d in diags.iter() {
                eprintln!("{d}");
            }
            eprintln!(
                "{} problem{} found",
                diags.len(),
                if diags.len() == 1 { "" } else { "s" }
            );
            None
        }
    }
}

/// Reads a meter's curve (kWh per interval for CSV after scale; Enedis: average W → kW).
pub fn read_meter(m: &ExperimentMeter, tz: chrono_tz::Tz) -> anyhow::Result<Series> {
    let sf = &m.curve;
    let series = match sf.format {
        SeriesFormat::Enedis => read_enedis(&sf.path, FillPolicy::None).map(|(s, _)| s),
        SeriesFormat::Csv => read_csv(
            &sf.path,
            &CsvOptions {
                column: sf.column.clone(),
                timezone: sf.timezone.unwrap_or(tz),
                quantity: Quantity::EnergyKwh,
                label: IntervalLabel::Start,
                fill: FillPolicy::None,
                allow_negative: false,
            },
        ),
    }
    .map_err(|e| anyhow::anyhow!("{e}"))
    .with_context(|| format!("reading meter \"{}\"", m.name))?;
    Ok(series.scaled(sf.scale))
}

/// Reads the outdoor temperature in °C.
pub fn read_temperature(t: &TemperatureSource) -> anyhow::Result<Series> {
    let s = match t.format {
        TemperatureFormat::Csv => {
            let s = read_csv(
                &t.path,
                &CsvOptions {
                    column: t.column.clone(),
                    timezone: t.timezone,
                    quantity: Quantity::TemperatureC,
                    label: IntervalLabel::Start,
                    fill: FillPolicy::None,
                    allow_negative: true,
                },
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            if t.fahrenheit {
                let values: Vec<f64> = s
                    .values()
                    .iter()
                    .map(|f| quartier_evaluate::temperature::fahrenheit_to_celsius(*f))
                    .collect();
                Series::new(*s.axis(), Quantity::TemperatureC, values)?
            } else {
                s
            }
        }
        TemperatureFormat::Epw => read_epw(&t.path)
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .0
            .temperature(),
        TemperatureFormat::PvgisHourlyCsv | TemperatureFormat::PvgisHourlyJson => {
            read_pvgis(&t.path)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .0
                .temperature()
        }
    };
    Ok(s)
}

fn month_of(t: DateTime<Utc>, tz: chrono_tz::Tz) -> Month {
    let l = t.with_timezone(&tz);
    (l.year(), l.month())
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
        source: "declared monthly values".into(),
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
    }
}

/// Monthly sums of an energy series (kWh), in local months.
fn monthly_sums(s: &Series, tz: chrono_tz::Tz) -> anyhow::Result<BTreeMap<Month, f64>> {
    let s = s.to_quantity(Quantity::EnergyKwh)?;
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
fn metered_balance(e: &Experiment) -> anyhow::Result<Option<Vec<MonthlyBalance>>> {
    let pv: Vec<&ExperimentMeter> = e
        .meters
        .iter()
        .filter(|m| m.role == MeterRole::Pv)
        .collect();
    let used: Vec<&ExperimentMeter> = e
        .meters
        .iter()
        .filter(|m| m.role == MeterRole::Treated)
        .collect();
    if pv.is_empty() || used.is_empty() {
        return Ok(None);
    }
    let sum_of = |ms: &[&ExperimentMeter]| -> anyhow::Result<Vec<BTreeMap<Month, f64>>> {
        ms.iter()
            .map(|m| monthly_sums(&read_meter(m, e.timezone)?, e.timezone))
            .collect()
    };
    let (p, c) = (sum_of(&pv)?, sum_of(&used)?);
    let months: Vec<Month> = experiment_months(e);
    Ok(Some(
        months
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

/// Evaluates an experiment: energy savings (if it has an `[evaluation]`), free KPIs and the
/// metered energy balance (if it has `pv` meters). Fails with a clear message on bad input.
pub fn evaluate(experiment: Experiment) -> anyhow::Result<Evaluated> {
    let e = &experiment;
    let mut warnings = Vec::new();
    let mut indicators = Vec::new();
    let energy = match (&e.evaluation, &e.temperature) {
        (Some(spec), Some(temp_src)) => {
            let meter = e
                .meter(&spec.meter)
                .with_context(|| format!("no meter named \"{}\"", spec.meter))?;
            let series = read_meter(meter, e.timezone)?;
            let temperature = read_temperature(temp_src).context("reading the temperature")?;
            let baseline = Period::new(spec.baseline.0, spec.baseline.1)?;
            let reporting = Period::new(spec.reporting.0, spec.reporting.1)?;
            check_periods(baseline, reporting)?;
            let savings_config = SavingsConfig {
                confidence: spec.confidence,
                tz: e.timezone,
            };
            let what = format!("evaluating meter \"{}\"", meter.name);
            let ev = match spec.method {
                Method::Daily => {
                    let config = DailyConfig {
                        tz: e.timezone,
                        ..DailyConfig::default()
                    };
                    let fit = fit_daily(&series, &temperature, baseline, &config)
                        .with_context(|| format!("{what}: fitting the daily baseline"))?;
                    let pred = fit
                        .predict(Some(&series), &temperature, reporting)
                        .with_context(|| format!("{what}: predicting the reporting period"))?;
                    let savings = fit
                        .savings(&series, &temperature, reporting, &savings_config)
                        .with_context(|| format!("{what}: computing savings"))?;
                    let times = pred
                        .data
                        .days
                        .iter()
                        .map(|d| quartier_timeseries::local_midnight(*d, e.timezone))
                        .collect::<Result<Vec<_>, _>>()?;
                    EnergyEval {
                        meter: meter.name.clone(),
                        fit: Fit::Daily(Box::new(fit)),
                        savings,
                        granularity: Granularity::Daily,
                        times,
                        metered_kwh: pred.data.energy_kwh,
                        predicted_kwh: pred.predicted_kwh,
                    }
                }
                Method::Hourly => {
                    let config = HourlyConfig {
                        tz: e.timezone,
                        ..HourlyConfig::default()
                    };
                    let fit = fit_hourly(&series, &temperature, baseline, &config)
                        .with_context(|| format!("{what}: fitting the hourly baseline"))?;
                    let pred = fit
                        .predict(Some(&series), &temperature, reporting)
                        .with_context(|| format!("{what}: predicting the reporting period"))?;
                    let savings = fit
                        .savings(&series, &temperature, reporting, &savings_config)
                        .with_context(|| format!("{what}: computing savings"))?;
                    EnergyEval {
                        meter: meter.name.clone(),
                        fit: Fit::Hourly(Box::new(fit)),
                        savings,
                        granularity: Granularity::Hourly,
                        times: pred.times,
                        metered_kwh: pred.metered_kwh,
                        predicted_kwh: pred.predicted_kwh,
                    }
                }
            };
            let source = format!(
                "metered, CalTRACK {} baseline, {:.0} % confidence",
                match spec.method {
                    Method::Daily => "daily",
                    Method::Hourly => "hourly",
                },
                100.0 * spec.confidence
            );
            indicators.push(Indicator::avoided_energy(
                &e.commune,
                &e.title,
                &source,
                &ev.savings,
            ));
            let rep_end = month_of(spec.reporting.1 - chrono::Duration::seconds(1), e.timezone);
            if rep_end < month_of(e.end - chrono::Duration::seconds(1), e.timezone) {
                warnings.push(format!(
                    "Avoided energy is evaluated until {}-{:02} (the end of the reporting period); later months of the experiment have no value.",
                    rep_end.0, rep_end.1
                ));
            }
            Some(ev)
        }
        _ => None,
    };
    for k in &e.kpis {
        indicators.push(free_kpi(e, k));
    }
    if let Some(balance) = metered_balance(e)? {
        indicators.push(Indicator::energy_balance(
            &e.commune,
            &e.title,
            "metered: pv meters − treated meters",
            &balance,
        ));
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

/// Writes `savings.csv` (with an energy evaluation), `kpis.json` and `report.html` to `dir`.
pub fn write(dir: &Path, ev: &Evaluated) -> anyhow::Result<PathBuf> {
    // Free KPIs and balances only: avoided energy has its own section.
    let mut table = own_table(ev);
    table
        .rows
        .retain(|r| ev.energy.is_none() || r.indicator.name != "avoided energy");
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
            quartier_report::savings_csv(&en.observations).as_bytes(),
        )?;
    }
    out.write(
        "kpis.json",
        quartier_report::evaluation_json(&results).as_bytes(),
    )?;
    out.write(
        "report.html",
        quartier_report::evaluation_html(&results).as_bytes(),
    )?;
    Ok(out.commit()?)
}

/// A one-paragraph summary for the terminal.
pub fn summary(ev: &Evaluated) -> String {
    let mut s = format!("{} — {}\n", ev.experiment.commune, ev.experiment.title);
    if let Some(en) = &ev.energy {
        let t = &en.savings.total;
        let m = match &en.fit {
            Fit::Daily(f) => f.metrics,
            Fit::Hourly(f) => f.metrics,
        };
        let g = &en.savings.guideline14;
        s.push_str(&format!(
            "  avoided energy {:.0} ± {:.0} kWh ({:.0} % confidence) of {:.0} kWh baseline ({:.1} %)\n  CV(RMSE) {:.1} %, NMBE {:.2} %, R² {:.3}; {}\n",
            t.avoided_kwh,
            t.uncertainty_kwh,
            100.0 * en.savings.confidence,
            t.baseline_kwh,
            100.0 * t.avoided_kwh / t.baseline_kwh,
            100.0 * m.cv_rmse,
            100.0 * m.nmbe,
            m.r_squared,
            if g.passes() {
                "meets ASHRAE Guideline 14".to_string()
            } else {
                format!(
                    "fails ASHRAE Guideline 14 (CV(RMSE) limit {:.0} %{}{}{})",
                    100.0 * g.cv_rmse_limit,
                    if g.cv_rmse_exceeded { ": CV(RMSE) too high" } else { "" },
                    if g.nmbe_exceeded { "; NMBE too high" } else { "" },
                    if g.fsu_exceeded {
                        "; savings within the noise"
                    } else {
                        ""
                    }
                )
            }
        ));
    }
    for k in ev.experiment.kpis.iter() {
        let total: f64 = k.monthly.iter().map(|(_, v)| v).sum();
        s.push_str(&format!(
            "  {}: {} months, sum {:.0} {}{}\n",
            k.name,
            k.monthly.len(),
            total,
            k.unit,
            k.target
                .map_or(String::new(), |t| format!(" (target {t:.0} {})", k.unit))
        ));
    }
    s
}

/// Runs `quartier evaluate`.
pub fn run(args: &EvaluateArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    let Some(experiment) = read(&args.file) else {
        return Ok(Outcome::InvalidDistrict);
    };
    let ev = evaluate(experiment).with_context(|| format!("{}", args.file.display()))?;
    let dir = write(&args.out, &ev)?;
    if !ui.quiet {
        for w in &ev.warnings {
            eprintln!("warning: {w}");
        }
        if let Some(en) = &ev.energy {
            let res = en.results();
            for w in quartier_report::energy_warnings(&res) {
                eprintln!("warning: {w}");
            }
        }
    }
    ui.say(&summary(&ev));
    ui.say(&format!(
        "results (savings.csv, kpis.json, report.html) in {}",
        dir.display()
    ));
    Ok(Outcome::Success)
}

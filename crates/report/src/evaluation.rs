//! Wire formats of an experiment's evaluation and of the programme table: `savings.csv`
//! (one row per day or hour of the reporting period), `kpis.json` (model form and
//! coefficients, fit metrics, Guideline 14 verdict, avoided energy with its uncertainty,
//! sufficiency report, free KPIs against their targets, warnings), a self-contained
//! `report.html` with SVG charts ([`crate::svg`]), and the programme's `programme.csv` and
//! `programme.html`.
//!
//! Warnings are values ([`energy_warnings`], [`crate::Warning`]) worded in plain words: what a
//! failed sufficiency criterion or Guideline 14 check means for the reader of the savings.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use quartier_evaluate::{
    Aggregate, BillingCycle, BillingFit, CandidateCounts, Coverage, DailyFit, DailyModel,
    DailyModelKind, Direction, FitMetrics, Granularity, HourlyFit, InvoiceUse, ProgrammeRow,
    ProgrammeTable, SavingsReport, SufficiencyReport,
};
use quartier_model::Experiment;
use serde_json::{Value, json};

use crate::evaluation_charts::{ChartText, baseline_chart, cumulative_chart};
use crate::experiment::month_label;
use crate::svg::{self, AxisSpec, BarChart, BarSeries, LineChart, LineSeries, X, escape};
use crate::warning::Warning;

/// The fitted baseline, daily, hourly or billing.
#[derive(Debug, Clone, Copy)]
pub enum BaselineFit<'a> {
    /// CalTRACK daily.
    Daily(&'a DailyFit),
    /// CalTRACK hourly.
    Hourly(&'a HourlyFit),
    /// CalTRACK billing.
    Billing(&'a BillingFit),
}

impl BaselineFit<'_> {
    fn metrics(&self) -> &FitMetrics {
        match self {
            BaselineFit::Daily(f) => &f.metrics,
            BaselineFit::Hourly(f) => &f.metrics,
            BaselineFit::Billing(f) => &f.metrics,
        }
    }

    fn sufficiency(&self) -> &SufficiencyReport {
        match self {
            BaselineFit::Daily(f) => &f.sufficiency,
            BaselineFit::Hourly(f) => &f.sufficiency,
            BaselineFit::Billing(f) => &f.sufficiency,
        }
    }

    fn method(&self) -> &'static str {
        match self {
            BaselineFit::Daily(_) => "CalTRACK 2.0 daily (degree-day regression)",
            BaselineFit::Hourly(_) => "CalTRACK hourly (time-of-week and temperature)",
            BaselineFit::Billing(_) => {
                "CalTRACK 2.0 billing (degree-day regression on invoices' use per day)"
            }
        }
    }
}

/// The degree-day model's fields in `kpis.json` (daily and billing methods).
fn degree_day_json(method: &str, m: &DailyModel, c: &CandidateCounts) -> Value {
    json!({
        "method": method,
        "form": match m.kind {
            DailyModelKind::InterceptOnly => "intercept-only",
            DailyModelKind::HddOnly => "hdd-only",
            DailyModelKind::CddOnly => "cdd-only",
            DailyModelKind::HddCdd => "hdd-cdd",
        },
        "equation": "E_day = intercept + beta_hdd * HDD(T_mean, bp_h) + beta_cdd * CDD(T_mean, bp_c)",
        "intercept_kwh": m.intercept_kwh,
        "beta_hdd_kwh_per_degree_day": m.beta_hdd_kwh_per_degree_day,
        "beta_cdd_kwh_per_degree_day": m.beta_cdd_kwh_per_degree_day,
        "heating_balance_point_c": m.heating_balance_point_c,
        "cooling_balance_point_c": m.cooling_balance_point_c,
        "r_squared_adj": m.r_squared_adj,
        "p_value_hdd": m.p_value_hdd,
        "p_value_cdd": m.p_value_cdd,
        "candidates": {
            "fitted": c.fitted,
            "not_attempted": c.not_attempted,
            "disqualified": c.disqualified,
            "qualified": c.qualified,
        },
    })
}

/// What an invoice's use means, in words.
fn invoice_use(u: InvoiceUse) -> &'static str {
    match u {
        InvoiceUse::Used => "used",
        InvoiceUse::TooShort => "left out: shorter than 25 days",
        InvoiceUse::TooLong => "left out: longer than the billing cycle allows",
        InvoiceUse::TemperatureMissing => "left out: temperatures for less than 90 % of it",
    }
}

/// The degree-day model as an HTML table (daily and billing methods).
fn degree_day_html(out: &mut String, md: &DailyModel) {
    let form = match md.kind {
        DailyModelKind::InterceptOnly => "intercept only",
        DailyModelKind::HddOnly => "heating degree-days",
        DailyModelKind::CddOnly => "cooling degree-days",
        DailyModelKind::HddCdd => "heating and cooling degree-days",
    };
    let bp = |b: Option<f64>| b.map_or("—".into(), |x| format!("{x:.1} °C"));
    let _ = write!(
        out,
        "<table><tr><th>form</th><td>{form}</td></tr>\
         <tr><th>intercept</th><td>{} kWh/day</td></tr>\
         <tr><th>heating slope</th><td>{} kWh per °C·day (balance point {})</td></tr>\
         <tr><th>cooling slope</th><td>{} kWh per °C·day (balance point {})</td></tr>\
         <tr><th>adjusted R²</th><td>{:.3}</td></tr></table>",
        num(md.intercept_kwh, 2),
        num(md.beta_hdd_kwh_per_degree_day, 3),
        bp(md.heating_balance_point_c),
        num(md.beta_cdd_kwh_per_degree_day, 3),
        bp(md.cooling_balance_point_c),
        md.r_squared_adj
    );
}

/// The reporting period's observations (days or hours): start (UTC), metered and baseline
/// (predicted) energy, kWh; NaN = missing.
#[derive(Debug, Clone, Copy)]
pub struct Observations<'a> {
    /// Days or hours.
    pub granularity: Granularity,
    /// Interval starts.
    pub times: &'a [DateTime<Utc>],
    /// Metered energy, kWh.
    pub metered_kwh: &'a [f64],
    /// Baseline prediction, kWh.
    pub predicted_kwh: &'a [f64],
}

/// The energy evaluation of an experiment.
#[derive(Debug, Clone, Copy)]
pub struct EnergyResults<'a> {
    /// Name of the evaluated meter.
    pub meter: &'a str,
    /// The baseline.
    pub fit: BaselineFit<'a>,
    /// Avoided energy.
    pub savings: &'a SavingsReport,
    /// The reporting period's observations.
    pub observations: Observations<'a>,
    /// Where the meter and the temperature have values in each period.
    pub coverage: &'a DataCoverage,
    /// The non-routine adjustments of the baseline.
    pub adjustments: &'a [quartier_model::Adjustment],
    /// Their energy in each observation of the reporting period, kWh.
    pub adjustment_kwh: &'a [f64],
    /// The normalised annual savings, when the experiment names a typical year.
    pub normalised: Option<&'a crate::experiment::Normalised>,
}

impl EnergyResults<'_> {
    /// The adjustments' energy in the observations the savings count (metered and predicted),
    /// kWh: what the adjusted baseline holds beyond the model.
    pub fn adjustments_in_savings_kwh(&self) -> f64 {
        let o = &self.observations;
        self.adjustment_kwh
            .iter()
            .zip(o.metered_kwh.iter().zip(o.predicted_kwh))
            .filter(|(_, (m, p))| m.is_finite() && p.is_finite())
            .map(|(a, _)| a)
            .sum()
    }
}

/// Where the meter and the temperature have values in the baseline and reporting periods
/// ([`quartier_evaluate::coverage`]): every gap and each month's valid share.
#[derive(Debug, Clone, PartialEq)]
pub struct DataCoverage {
    /// The meter over the baseline.
    pub baseline_meter: Coverage,
    /// The temperature over the baseline.
    pub baseline_temperature: Coverage,
    /// The meter over the reporting period.
    pub reporting_meter: Coverage,
    /// The temperature over the reporting period.
    pub reporting_temperature: Coverage,
    /// The experiment's time zone (gaps are shown in local time).
    pub tz: chrono_tz::Tz,
}

impl DataCoverage {
    /// Each series over each period: (period, series, its coverage).
    pub fn each(&self) -> [(DataPeriod, DataSeries, &Coverage); 4] {
        [
            (
                DataPeriod::Baseline,
                DataSeries::Meter,
                &self.baseline_meter,
            ),
            (
                DataPeriod::Baseline,
                DataSeries::Temperature,
                &self.baseline_temperature,
            ),
            (
                DataPeriod::Reporting,
                DataSeries::Meter,
                &self.reporting_meter,
            ),
            (
                DataPeriod::Reporting,
                DataSeries::Temperature,
                &self.reporting_temperature,
            ),
        ]
    }
}

/// A period of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataPeriod {
    /// Before the change: the baseline is fitted on it.
    Baseline,
    /// After: the savings are computed on it.
    Reporting,
}

/// A series of an evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataSeries {
    /// The evaluated meter.
    Meter,
    /// The outdoor temperature.
    Temperature,
}

impl DataPeriod {
    /// `baseline` or `reporting`, as the wire formats name it.
    pub fn key(self) -> &'static str {
        match self {
            DataPeriod::Baseline => "baseline",
            DataPeriod::Reporting => "reporting",
        }
    }
}

impl DataSeries {
    /// `meter` or `temperature`, as the wire formats name it.
    pub fn key(self) -> &'static str {
        match self {
            DataSeries::Meter => "meter",
            DataSeries::Temperature => "temperature",
        }
    }
}

/// Everything reported for one experiment.
#[derive(Debug, Clone, Copy)]
pub struct ExperimentResults<'a> {
    /// The experiment.
    pub experiment: &'a Experiment,
    /// Its energy evaluation, if it has one.
    pub energy: Option<EnergyResults<'a>>,
    /// Its free KPIs (and energy balance) on the experiment's months.
    pub kpis: &'a ProgrammeTable,
    /// Warnings found while reading the inputs.
    pub input_warnings: &'a [Warning],
}

fn pct(x: f64) -> String {
    if x.is_finite() {
        format!("{:.1} %", 100.0 * x)
    } else {
        "—".into()
    }
}

fn num(x: f64, decimals: usize) -> String {
    if !x.is_finite() {
        return "—".into();
    }
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_owned(), format!(".{f}")),
        None => (s.clone(), String::new()),
    };
    let grouped = group_thousands(&int);
    format!("{}{grouped}{frac}", if x < 0.0 { "−" } else { "" })
}

/// Digits with a narrow no-break space between thousands (`1234567` → `1 234 567`).
pub(crate) fn group_thousands(digits: &str) -> String {
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('\u{202F}');
        }
        grouped.push(c);
    }
    grouped
}

/// The input warnings followed by the energy evaluation's [`energy_warnings`].
pub(crate) fn all_warnings(input: &[Warning], energy: Option<&EnergyResults<'_>>) -> Vec<Warning> {
    let mut out = input.to_vec();
    if let Some(en) = energy {
        out.extend(energy_warnings(en));
    }
    out
}

/// The warnings of the data's gaps, the sufficiency report and the Guideline 14 checks
/// ([`Warning`]).
pub fn energy_warnings(e: &EnergyResults<'_>) -> Vec<Warning> {
    let mut out: Vec<Warning> = e
        .coverage
        .each()
        .into_iter()
        .filter(|(_, _, c)| c.missing_steps() > 0)
        .map(|(period, series, c)| Warning::MissingData {
            period,
            series,
            missing_steps: c.missing_steps(),
            expected_steps: c.expected_steps,
            gaps: c.gaps.len(),
            longest: c
                .gaps
                .iter()
                .max_by_key(|g| g.steps)
                .map(|g| (g.from, g.to))
                .unwrap_or((c.period.start(), c.period.start())),
            tz: e.coverage.tz,
        })
        .collect();
    out.extend(
        e.fit
            .sufficiency()
            .issues
            .iter()
            .cloned()
            .map(Warning::Sufficiency),
    );
    let g = &e.savings.guideline14;
    let m = e.fit.metrics();
    if g.cv_rmse_exceeded {
        out.push(Warning::PoorFit {
            cv_rmse: m.cv_rmse,
            limit: g.cv_rmse_limit,
        });
    }
    if g.nmbe_exceeded {
        out.push(Warning::Biased {
            nmbe: m.nmbe,
            limit: g.nmbe_limit,
        });
    }
    if g.fsu_exceeded {
        out.push(Warning::Noisy { fsu_68: g.fsu_68 });
    }
    let t = &e.savings.total;
    if t.avoided_kwh < 0.0 {
        out.push(Warning::ConsumptionRose {
            extra_kwh: -t.avoided_kwh,
        });
    }
    if e.savings.skipped > 0 {
        out.push(Warning::Skipped {
            count: e.savings.skipped,
            granularity: e.observations.granularity,
        });
    }
    out
}

/// `savings.csv`: `time_utc,metered_kwh,baseline_kwh,avoided_kwh`, one row per observation
/// of the reporting period (day or hour; missing values empty).
pub fn savings_csv(obs: &Observations<'_>) -> String {
    let mut out = String::from("time_utc,metered_kwh,baseline_kwh,avoided_kwh\n");
    let f = |x: f64| {
        if x.is_finite() {
            format!("{x:.6}")
        } else {
            String::new()
        }
    };
    for ((t, m), p) in obs.times.iter().zip(obs.metered_kwh).zip(obs.predicted_kwh) {
        let _ = writeln!(
            out,
            "{},{},{},{}",
            t.format("%Y-%m-%dT%H:%M:%SZ"),
            f(*m),
            f(*p),
            f(p - m)
        );
    }
    out
}

fn model_json(fit: &BaselineFit<'_>) -> Value {
    match fit {
        BaselineFit::Daily(f) => degree_day_json("daily", &f.model, &f.candidates),
        BaselineFit::Billing(f) => {
            let mut v = degree_day_json("billing", &f.model, &f.candidates);
            v["cycle"] = json!(match f.cycle {
                BillingCycle::Monthly => "monthly",
                BillingCycle::Bimonthly => "bimonthly",
            });
            v["baseline_invoices"] = f
                .invoices
                .iter()
                .map(|r| {
                    json!({
                        "start": r.invoice.start.to_string(),
                        "end_exclusive": r.invoice.end.to_string(),
                        "kwh": r.invoice.kwh,
                        "days_with_temperature": r.days_with_temperature,
                        "temperature_coverage": r.temperature_coverage,
                        "used": r.used == InvoiceUse::Used,
                        "why": invoice_use(r.used),
                        "predicted_kwh": if r.predicted_kwh.is_finite() { json!(r.predicted_kwh) } else { Value::Null },
                    })
                })
                .collect();
            v
        }
        BaselineFit::Hourly(f) => json!({
            "method": "hourly",
            "form": "time-of-week and temperature (TOWT), one segment per month with weighted three-month windows",
            "equation": "E_hour = tow[hour of week] + sum_k slope_k * bin_k(T), slopes by occupancy",
            "timezone": f.model.tz.name(),
            "segments": f.model.segments.iter().enumerate().map(|(i, s)| json!({
                "month": i + 1,
                "parameters": s.parameters,
                "occupied_hours_of_week": s.occupied.iter().filter(|o| **o).count(),
                "occupied_endpoints_c": s.occupied_endpoints_c,
                "unoccupied_endpoints_c": s.unoccupied_endpoints_c,
                "occupied_slopes_kwh_per_c": s.occupied_slopes,
                "unoccupied_slopes_kwh_per_c": s.unoccupied_slopes,
                "time_of_week_kwh": s.time_of_week_kwh,
            })).collect::<Vec<_>>(),
        }),
    }
}

fn kpi_rows_json(table: &ProgrammeTable) -> Vec<Value> {
    table
        .rows
        .iter()
        .map(|r| {
            let i = &r.indicator;
            json!({
                "name": i.name,
                "unit": i.unit,
                "source": i.source,
                "aggregate": match i.aggregate { Aggregate::Sum => "sum", Aggregate::Mean => "mean", Aggregate::Last => "last" },
                "target": i.target.map(|t| t.value),
                "direction": i.target.map(|t| match t.direction { Direction::AtLeast => "at-least", Direction::AtMost => "at-most" }),
                "total": r.total.map(|c| c.value),
                "total_uncertainty": r.total.and_then(|c| c.uncertainty),
                "share_of_target": r.status.map(|s| s.share),
                "target_met": r.status.map(|s| s.met),
                "monthly": i.monthly.iter().map(|(m, c)| json!({
                    "month": month_label(*m),
                    "value": c.value,
                    "uncertainty": c.uncertainty,
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// The `coverage` of `kpis.json`: for each period and series, its steps, valid share, every
/// gap (UTC instants) and each month's valid share.
fn coverage_json(c: &DataCoverage) -> Value {
    let mut out = serde_json::Map::new();
    for (period, series, cov) in c.each() {
        let entry = out.entry(period.key()).or_insert_with(|| json!({}));
        if let Value::Object(m) = entry {
            m.insert(
                series.key().to_owned(),
                json!({
                    "step_minutes": cov.step_minutes,
                    "expected_steps": cov.expected_steps,
                    "valid_steps": cov.valid_steps,
                    "missing_steps": cov.missing_steps(),
                    "fraction_valid": cov.fraction_valid(),
                    "gaps": cov.gaps.iter().map(|g| json!({
                        "from": g.from.to_rfc3339(),
                        "to": g.to.to_rfc3339(),
                        "steps": g.steps,
                    })).collect::<Vec<_>>(),
                    "months": cov.months.iter().map(|m| json!({
                        "month": month_label(m.month),
                        "expected_steps": m.expected_steps,
                        "valid_steps": m.valid_steps,
                        "fraction_valid": m.fraction_valid(),
                    })).collect::<Vec<_>>(),
                }),
            );
        }
    }
    Value::Object(out)
}

/// `kpis.json` of an experiment.
pub fn evaluation_json(r: &ExperimentResults<'_>) -> String {
    let e = r.experiment;
    let tz = e.timezone;
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d").to_string();
    let warnings = all_warnings(r.input_warnings, r.energy.as_ref());
    let energy = r.energy.map(|en| {
        let m = en.fit.metrics();
        let s = en.fit.sufficiency();
        let g = &en.savings.guideline14;
        let stretch = |a: &quartier_evaluate::AvoidedEnergy| {
            json!({
                "observations": a.m,
                "baseline_kwh": a.baseline_kwh,
                "metered_kwh": a.metered_kwh,
                "avoided_kwh": a.avoided_kwh,
                "uncertainty_kwh": a.uncertainty_kwh,
                "fractional_savings_uncertainty": a.fsu,
            })
        };
        json!({
            "meter": en.meter,
            "method": en.fit.method(),
            "model": model_json(&en.fit),
            "fit_metrics": {
                "n": m.n,
                "p": m.p,
                "mean_observed_kwh": m.mean_observed_kwh,
                "rmse_kwh": m.rmse_kwh,
                "cv_rmse": m.cv_rmse,
                "nmbe": m.nmbe,
                "r_squared": m.r_squared,
                "autocorrelation": m.autocorrelation,
                "n_effective": m.n_effective,
            },
            "sufficiency": {
                "passes": s.passes(),
                "period_days": s.period_days,
                "meter_days": s.meter_days,
                "temperature_days": s.temperature_days,
                "valid_days": s.valid_days,
                "fraction_valid": s.fraction_valid,
                "issues": s.issues.iter().map(|i| json!({
                    "critical": i.is_critical(),
                    "issue": format!("{i:?}"),
                })).collect::<Vec<_>>(),
            },
            "coverage": coverage_json(en.coverage),
            "normalised": en.normalised.map(|n| json!({
                "normal_temperature_file": n.file.display().to_string(),
                "laid_on": { "start": local(n.period.start()), "end": local(n.period.end()) },
                "baseline_kwh": n.baseline_kwh,
                "reporting_kwh": n.reporting_kwh,
                "avoided_kwh": n.avoided_kwh(),
                "skipped_observations": n.skipped,
                "method": "the baseline model and a model fitted the same way on the reporting period, both run on the typical year's temperature (CalTRACK normalised metered energy savings); no uncertainty is given for it",
            })),
            "adjustments": {
                "total_kwh": en.adjustments_in_savings_kwh(),
                "avoided_without_adjustments_kwh": en.savings.total.avoided_kwh - en.adjustments_in_savings_kwh(),
                "events": en.adjustments.iter().map(|a| json!({
                    "reason": a.reason,
                    "start": local(a.period.0),
                    "end": local(a.period.1),
                    "kwh_per_day": a.kwh_per_day,
                })).collect::<Vec<_>>(),
            },
            "guideline14": {
                "passes": g.passes(),
                "verdict": if g.passes() { "meets ASHRAE Guideline 14" } else { "fails ASHRAE Guideline 14" },
                "cv_rmse_limit": g.cv_rmse_limit,
                "cv_rmse_exceeded": g.cv_rmse_exceeded,
                "nmbe_limit": g.nmbe_limit,
                "nmbe_exceeded": g.nmbe_exceeded,
                "fsu_68": g.fsu_68,
                "fsu_exceeded": g.fsu_exceeded,
            },
            "savings": {
                "confidence": en.savings.confidence,
                "skipped_observations": en.savings.skipped,
                "total": stretch(&en.savings.total),
                "monthly": en.savings.monthly.iter().map(|(mo, a)| {
                    let mut v = stretch(a);
                    if let Some(o) = v.as_object_mut() {
                        o.insert("month".into(), json!(month_label(*mo)));
                    }
                    v
                }).collect::<Vec<_>>(),
            },
        })
    });
    let v = json!({
        "experiment": {
            "commune": e.commune,
            "title": e.title,
            "data_source": e.data_source,
            "theme": e.theme.name(),
            "start": local(e.start),
            "end_exclusive": local(e.end),
            "timezone": tz.name(),
            "district": e.district.as_ref().map(|p| p.display().to_string()),
        },
        "energy": energy,
        "kpis": kpi_rows_json(r.kpis),
        "warnings": warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into())
}

pub(crate) const CSS: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#f6f6f3;color:#1d1d1d}\
main{max-width:1000px;margin:0 auto;padding:24px 28px 48px;background:#fff}\
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}\
.sub{color:#555;margin:0 0 16px}\
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}\
.card{flex:1 1 170px;border:1px solid #ddd;border-radius:6px;padding:10px 12px}\
.card .v{font-size:22px;font-weight:600}.card .l{color:#555;font-size:13px}\
.ok{background:#e9f6ee;border-color:#8cc9a3}.bad{background:#fdecea;border-color:#e5a39b}\
.warn{background:#fff8e1;border:1px solid #f0cf75;border-radius:6px;padding:8px 16px}\
table{border-collapse:collapse;font-size:13px;margin:8px 0}th,td{border-bottom:1px solid #e6e6e6;padding:4px 8px;text-align:right}\
th:first-child,td:first-child{text-align:left}th{background:#f3f3f0}\
.scroll{overflow-x:auto}figure{margin:12px 0}figcaption{color:#555;font-size:13px}\
.note{color:#555;font-size:13px}\
table.prog td,table.prog th{white-space:nowrap}table.prog .t{white-space:normal;min-width:14em;max-width:22em;text-align:left}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body><main>{body}</main></body></html>\n",
        escape(title)
    )
}

fn card(value: &str, label: &str, class: &str) -> String {
    format!(
        "<div class=\"card {class}\"><div class=\"v\">{value}</div><div class=\"l\">{}</div></div>",
        escape(label)
    )
}

fn energy_section(out: &mut String, en: &EnergyResults<'_>, tz: chrono_tz::Tz) {
    let t = &en.savings.total;
    let g = &en.savings.guideline14;
    let m = en.fit.metrics();
    let conf = format!("{:.0} %", 100.0 * en.savings.confidence);
    let _ = write!(out, "<h2>Avoided energy</h2><div class=\"cards\">");
    out.push_str(&card(
        &format!(
            "{} ± {} kWh",
            num(t.avoided_kwh, 0),
            num(t.uncertainty_kwh, 0)
        ),
        &format!("avoided over the reporting period ({conf} confidence)"),
        "",
    ));
    out.push_str(&card(
        &pct(if t.baseline_kwh != 0.0 {
            t.avoided_kwh / t.baseline_kwh
        } else {
            f64::NAN
        }),
        &format!(
            "of the baseline ({} kWh predicted, {} kWh metered)",
            num(t.baseline_kwh, 0),
            num(t.metered_kwh, 0)
        ),
        "",
    ));
    out.push_str(&card(
        &format!("CV(RMSE) {}", pct(m.cv_rmse)),
        &format!("NMBE {}, R² {:.3}", pct(m.nmbe), m.r_squared),
        "",
    ));
    out.push_str(&card(
        if g.passes() {
            "meets Guideline 14"
        } else {
            "fails Guideline 14"
        },
        &format!(
            "needs CV(RMSE) ≤ {}, |NMBE| ≤ {}, savings uncertainty at 68 % below 50 % (here {})",
            pct(g.cv_rmse_limit),
            pct(g.nmbe_limit),
            pct(g.fsu_68)
        ),
        if g.passes() { "ok" } else { "bad" },
    ));
    out.push_str("</div>");
    let _ = write!(
        out,
        "<p class=\"note\">Baseline: {} fitted on meter <b>{}</b>; avoided energy = baseline prediction for the reporting period's weather − metered energy. Uncertainty: ASHRAE Guideline 14-2014 Annex B with the autocorrelation correction, {conf} two-sided.</p>",
        escape(en.fit.method()),
        escape(en.meter)
    );

    // Charts 1 and 2: baseline vs metered per day; cumulative savings with band.
    let (text, point) = match en.observations.granularity {
        Granularity::Billing => (
            ChartText::per_invoice(),
            "one invoice of the reporting period, at its first day",
        ),
        _ => (
            ChartText::default(),
            "one local day of the reporting period",
        ),
    };
    let chart1 = baseline_chart(en, tz, &text);
    let _ = write!(
        out,
        "<figure>{chart1}<figcaption>Each point is {point}. Where the orange line is above the blue one, energy was saved.</figcaption></figure>"
    );
    let chart2 = cumulative_chart(en, tz, &text);
    let _ = write!(
        out,
        "<figure>{chart2}<figcaption>The band is the Guideline 14 uncertainty of the running total; when it stays above zero, the savings are distinguishable from the model's noise.</figcaption></figure>"
    );
    // Chart 3: monthly bars with whiskers.
    let months: Vec<String> = en
        .savings
        .monthly
        .iter()
        .map(|(m, _)| month_label(*m))
        .collect();
    let chart3 = svg::bar_chart(&BarChart {
        title: "Avoided energy per month".into(),
        categories: months,
        x: AxisSpec::new("month", ""),
        y: AxisSpec::new("avoided energy", "kWh"),
        series: vec![BarSeries {
            label: format!("avoided energy (whiskers: {conf} uncertainty)"),
            values: en
                .savings
                .monthly
                .iter()
                .map(|(_, a)| a.avoided_kwh)
                .collect(),
            errors: Some(
                en.savings
                    .monthly
                    .iter()
                    .map(|(_, a)| a.uncertainty_kwh)
                    .collect(),
            ),
            color: Some("#009E73".into()),
        }],
        ..BarChart::default()
    });
    let _ = write!(out, "<figure>{chart3}</figure>");
    // Monthly table.
    out.push_str("<h2>Month by month</h2><div class=\"scroll\"><table><tr><th>month</th><th>observations</th><th>baseline kWh</th><th>metered kWh</th><th>avoided kWh</th><th>± kWh</th><th>savings</th></tr>");
    for (mo, a) in &en.savings.monthly {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            month_label(*mo),
            a.m,
            num(a.baseline_kwh, 1),
            num(a.metered_kwh, 1),
            num(a.avoided_kwh, 1),
            num(a.uncertainty_kwh, 1),
            pct(if a.baseline_kwh != 0.0 {
                a.avoided_kwh / a.baseline_kwh
            } else {
                f64::NAN
            })
        );
    }
    let _ = write!(
        out,
        "<tr><th>total</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></table></div>",
        t.m,
        num(t.baseline_kwh, 1),
        num(t.metered_kwh, 1),
        num(t.avoided_kwh, 1),
        num(t.uncertainty_kwh, 1),
        pct(if t.baseline_kwh != 0.0 {
            t.avoided_kwh / t.baseline_kwh
        } else {
            f64::NAN
        })
    );
    // Model.
    out.push_str("<h2>Baseline model</h2>");
    match en.fit {
        BaselineFit::Daily(f) => degree_day_html(out, &f.model),
        BaselineFit::Billing(f) => {
            degree_day_html(out, &f.model);
            let _ = write!(
                out,
                "<p class=\"note\">Fitted on each invoice's use per day, weighted by its days with a temperature ({} invoices). The baseline's invoices:</p>\
                 <div class=\"scroll\"><table><tr><th>from</th><th>to (inclusive)</th><th>kWh</th><th>baseline kWh</th><th>days with temperature</th><th>use</th></tr>",
                match f.cycle {
                    BillingCycle::Monthly => "monthly",
                    BillingCycle::Bimonthly => "bimonthly",
                }
            );
            for r in &f.invoices {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    r.invoice.start,
                    r.invoice.end - chrono::Duration::days(1),
                    num(r.invoice.kwh, 1),
                    num(r.predicted_kwh, 1),
                    r.days_with_temperature,
                    invoice_use(r.used)
                );
            }
            out.push_str("</table></div>");
        }
        BaselineFit::Hourly(f) => {
            out.push_str("<p class=\"note\">One model per calendar month (fitted on that month and its neighbours, weighted 1 and 0.5): 168 hour-of-week terms and piecewise-linear temperature terms, separately for occupied and unoccupied hours.</p>");
            out.push_str("<div class=\"scroll\"><table><tr><th>month</th><th>parameters</th><th>occupied hours/week</th><th>occupied bins °C</th><th>occupied slopes kWh/°C</th><th>unoccupied slopes kWh/°C</th></tr>");
            let list =
                |v: &[f64], d: usize| v.iter().map(|x| num(*x, d)).collect::<Vec<_>>().join(", ");
            for (i, s) in f.model.segments.iter().enumerate() {
                let _ = write!(
                    out,
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    i + 1,
                    s.parameters,
                    s.occupied.iter().filter(|o| **o).count(),
                    list(&s.occupied_endpoints_c, 1),
                    list(&s.occupied_slopes, 4),
                    list(&s.unoccupied_slopes, 4)
                );
            }
            out.push_str("</table></div>");
        }
    }
    let _ = write!(
        out,
        "<table><tr><th>observations n</th><td>{}</td></tr><tr><th>parameters p</th><td>{}</td></tr>\
         <tr><th>CV(RMSE)</th><td>{}</td></tr><tr><th>NMBE</th><td>{}</td></tr><tr><th>R²</th><td>{:.3}</td></tr>\
         <tr><th>lag-1 autocorrelation of residuals</th><td>{:.3}</td></tr><tr><th>effective points n′</th><td>{:.0}</td></tr></table>",
        m.n,
        m.p,
        pct(m.cv_rmse),
        pct(m.nmbe),
        m.r_squared,
        m.autocorrelation,
        m.n_effective
    );
    // Sufficiency.
    let s = en.fit.sufficiency();
    let _ = write!(
        out,
        "<h2>Baseline data sufficiency</h2><table><tr><th>baseline period</th><td>{:.1} days</td></tr>\
         <tr><th>with meter data</th><td>{:.1} days</td></tr><tr><th>with temperature</th><td>{:.1} days</td></tr>\
         <tr><th>with both</th><td>{:.1} days ({})</td></tr><tr><th>CalTRACK criteria</th><td>{}</td></tr></table>",
        s.period_days,
        s.meter_days,
        s.temperature_days,
        s.valid_days,
        pct(s.fraction_valid),
        if s.passes() {
            "met"
        } else {
            "not met (see warnings)"
        }
    );
    // Missing data: each period and series, its gaps (the first ten).
    let c = en.coverage;
    let local = |t: DateTime<Utc>| t.with_timezone(&c.tz).format("%Y-%m-%d %H:%M").to_string();
    out.push_str(
        "<h2>Missing data</h2><p>Steps without a value are left out of the fit (baseline) and of \
         the savings (reporting period), never filled unless the experiment file says \
         <code>missing = \"interpolate\"</code>. Times are local.</p><table><tr><th>period</th>\
         <th>series</th><th>steps</th><th>valid</th><th>gaps</th><th>longest gaps</th></tr>",
    );
    for (period, series, cov) in c.each() {
        let mut longest: Vec<_> = cov.gaps.iter().collect();
        longest.sort_by_key(|g| std::cmp::Reverse(g.steps));
        let listed: Vec<String> = longest
            .iter()
            .take(10)
            .map(|g| format!("{} → {} ({} steps)", local(g.from), local(g.to), g.steps))
            .collect();
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{} × {} min</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            period.key(),
            series.key(),
            cov.expected_steps,
            cov.step_minutes,
            // A few steps missing must not read as 100 %.
            if cov.missing_steps() > 0 && cov.fraction_valid() > 0.999 {
                "over 99.9 %".to_owned()
            } else {
                pct(cov.fraction_valid())
            },
            cov.gaps.len(),
            if listed.is_empty() {
                "none".to_owned()
            } else {
                crate::svg::escape(&listed.join("; "))
            }
        );
    }
    out.push_str("</table>");
    if let Some(n) = en.normalised {
        let _ = write!(
            out,
            "<h2>Normalised annual savings</h2><p>On a typical year's temperature ({}, laid on {} \
             to {}): the baseline model gives {:.1} kWh, a model fitted the same way on the \
             reporting period {:.1} kWh, so the measure saves <strong>{:.1} kWh</strong> in a \
             typical year ({}). This projects the savings onto normal weather; the avoided energy \
             above is what the reporting period's own weather gave.</p>",
            crate::svg::escape(
                &n.file
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ),
            n.period.start().with_timezone(&c.tz).format("%Y-%m-%d"),
            n.period.end().with_timezone(&c.tz).format("%Y-%m-%d"),
            n.baseline_kwh,
            n.reporting_kwh,
            n.avoided_kwh(),
            if n.baseline_kwh > 0.0 {
                pct(n.avoided_kwh() / n.baseline_kwh)
            } else {
                "–".into()
            },
        );
    }
    if !en.adjustments.is_empty() {
        let total = en.adjustments_in_savings_kwh();
        let _ = write!(
            out,
            "<h2>Non-routine adjustments</h2><p>Added to the baseline of each day of their period \
             (IPMVP): the adjusted baseline holds {total:.1} kWh of them over the days counted; \
             avoided energy without them: {:.1} kWh.</p><table><tr><th>reason</th><th>from</th>\
             <th>to (exclusive)</th><th>kWh per day</th></tr>",
            en.savings.total.avoided_kwh - total
        );
        let day = |t: DateTime<Utc>| t.with_timezone(&c.tz).format("%Y-%m-%d").to_string();
        for a in en.adjustments {
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td></tr>",
                crate::svg::escape(&a.reason),
                day(a.period.0),
                day(a.period.1),
                a.kwh_per_day
            );
        }
        out.push_str("</table>");
    }
}

fn kpi_section(out: &mut String, table: &ProgrammeTable) {
    if table.rows.is_empty() {
        return;
    }
    out.push_str("<h2>Indicators</h2>");
    for r in &table.rows {
        let i = &r.indicator;
        let cats: Vec<String> = table.months.iter().map(|m| month_label(*m)).collect();
        let vals: Vec<f64> = r
            .cells
            .iter()
            .map(|c| c.map_or(f64::NAN, |c| c.value))
            .collect();
        let errs: Vec<f64> = r
            .cells
            .iter()
            .map(|c| c.and_then(|c| c.uncertainty).unwrap_or(f64::NAN))
            .collect();
        let chart = svg::bar_chart(&BarChart {
            title: format!("{} per month", i.name),
            categories: cats,
            x: AxisSpec::new("month", ""),
            y: AxisSpec::new(&i.name, &i.unit),
            series: vec![BarSeries {
                label: i.name.clone(),
                values: vals,
                errors: errs.iter().any(|e| e.is_finite()).then_some(errs),
                color: Some("#0072B2".into()),
            }],
            reference: None,
            ..BarChart::default()
        });
        let _ = write!(out, "<figure>{chart}</figure>");
        // Cumulative against the target, for summed indicators.
        if let (Aggregate::Sum, Some(target)) = (i.aggregate, i.target) {
            let mut acc = 0.0;
            let pts: Vec<(X, f64)> = r
                .cells
                .iter()
                .enumerate()
                .map(|(k, c)| {
                    acc += c.map_or(0.0, |c| c.value);
                    (X::Index(k as f64 + 1.0), acc)
                })
                .collect();
            let n = pts.len() as f64;
            let chart = svg::line_chart(&LineChart {
                title: format!("{}: running total against the target", i.name),
                x: AxisSpec::new("month of the window", ""),
                y: AxisSpec::new(&i.name, &i.unit),
                series: vec![
                    LineSeries::new("running total", pts),
                    LineSeries {
                        dashed: true,
                        color: Some("#222222".into()),
                        ..LineSeries::new(
                            "target",
                            vec![(X::Index(1.0), target.value), (X::Index(n), target.value)],
                        )
                    },
                ],
                ..LineChart::default()
            });
            let _ = write!(out, "<figure>{chart}</figure>");
        }
    }
    programme_rows_html(out, table, false);
}

/// `report.html` of an experiment: self-contained, charts inline.
pub fn evaluation_html(r: &ExperimentResults<'_>) -> String {
    let e = r.experiment;
    let tz = e.timezone;
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d").to_string();
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>{}</h1><p class=\"sub\">{} · theme {} · {} → {} (end exclusive)</p>",
        escape(&e.title),
        escape(&e.commune),
        escape(e.theme.name()),
        local(e.start),
        local(e.end)
    );
    if let Some(src) = &e.data_source {
        let _ = write!(body, "<p class=\"note\"><b>Data:</b> {}</p>", escape(src));
    }
    let warnings = all_warnings(r.input_warnings, r.energy.as_ref());
    if !warnings.is_empty() {
        body.push_str("<div class=\"warn\"><p><b>Read this first</b></p><ul>");
        for w in &warnings {
            let _ = write!(body, "<li>{}</li>", escape(&w.to_string()));
        }
        body.push_str("</ul></div>");
    }
    match &r.energy {
        Some(en) => energy_section(&mut body, en, tz),
        None => body.push_str(
            "<p class=\"note\">This experiment has no energy evaluation (no <code>[evaluation]</code> section): only its indicators are reported.</p>",
        ),
    }
    kpi_section(&mut body, r.kpis);
    let _ = write!(
        body,
        "<p class=\"note\">Generated by quartier from {}. Times on chart axes are UTC; days and months are local ({}).</p>",
        escape(&e.file.display().to_string()),
        tz.name()
    );
    page(&e.title, &body)
}

fn cell_text(c: Option<quartier_evaluate::Cell>, decimals: usize) -> String {
    match c {
        None => String::new(),
        Some(c) => match c.uncertainty {
            Some(u) => format!("{} ± {}", num(c.value, decimals), num(u, decimals)),
            None => num(c.value, decimals),
        },
    }
}

fn status_text(r: &ProgrammeRow) -> String {
    match r.status {
        None => String::new(),
        Some(s) => format!(
            "{} ({} {}: {})",
            if s.met { "met" } else { "not met" },
            match s.target.direction {
                Direction::AtLeast => "≥",
                Direction::AtMost => "≤",
            },
            num(s.target.value, 0),
            if s.share.is_finite() {
                pct(s.share)
            } else {
                "—".into()
            }
        ),
    }
}

fn programme_rows_html(out: &mut String, table: &ProgrammeTable, with_experiment: bool) {
    out.push_str("<div class=\"scroll\"><table class=\"prog\"><tr>");
    if with_experiment {
        out.push_str("<th class=\"t\">commune</th><th class=\"t\">experiment</th>");
    }
    out.push_str("<th class=\"t\">indicator</th><th>unit</th>");
    for m in &table.months {
        let _ = write!(out, "<th>{}</th>", month_label(*m));
    }
    out.push_str("<th>total</th><th>target</th><th>source</th></tr>");
    for r in &table.rows {
        let i = &r.indicator;
        out.push_str("<tr>");
        if with_experiment {
            let _ = write!(
                out,
                "<td class=\"t\">{}</td><td class=\"t\">{}</td>",
                escape(&i.commune),
                escape(&i.experiment)
            );
        }
        let _ = write!(
            out,
            "<td class=\"t\">{}</td><td>{}</td>",
            escape(&i.name),
            escape(&i.unit)
        );
        for c in &r.cells {
            let _ = write!(out, "<td>{}</td>", cell_text(*c, 0));
        }
        let class = match r.status {
            Some(s) if s.met => " class=\"ok\"",
            Some(_) => " class=\"bad\"",
            None => "",
        };
        let _ = write!(
            out,
            "<td><b>{}</b></td><td{class}>{}</td><td class=\"t\">{}</td></tr>",
            cell_text(r.total, 0),
            status_text(r),
            escape(&i.source)
        );
    }
    out.push_str("</table></div>");
}

/// `programme.csv`: one row per indicator and month of the window:
/// `commune,experiment,indicator,unit,month,value,uncertainty,source`, then one `total` row
/// per indicator with its target and status.
pub fn programme_csv(table: &ProgrammeTable) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "commune",
        "experiment",
        "indicator",
        "unit",
        "month",
        "value",
        "uncertainty",
        "target",
        "target_met",
        "source",
    ]);
    let f = |x: Option<f64>| {
        x.filter(|v| v.is_finite())
            .map_or(String::new(), |v| format!("{v:.3}"))
    };
    for r in &table.rows {
        let i = &r.indicator;
        for (m, c) in table.months.iter().zip(&r.cells) {
            let _ = w.write_record([
                i.commune.as_str(),
                &i.experiment,
                &i.name,
                &i.unit,
                &month_label(*m),
                &f(c.map(|c| c.value)),
                &f(c.and_then(|c| c.uncertainty)),
                "",
                "",
                &i.source,
            ]);
        }
        let _ = w.write_record([
            i.commune.as_str(),
            &i.experiment,
            &i.name,
            &i.unit,
            "total",
            &f(r.total.map(|c| c.value)),
            &f(r.total.and_then(|c| c.uncertainty)),
            &f(i.target.map(|t| t.value)),
            r.status
                .map_or("", |s| if s.met { "true" } else { "false" }),
            &i.source,
        ]);
    }
    w.into_inner()
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default()
}

/// `programme.html`: the month-by-month table across communes and experiments, with one bar
/// chart of monthly avoided energy per energy experiment.
pub fn programme_html(title: &str, table: &ProgrammeTable, notes: &[String]) -> String {
    let mut body = String::new();
    let (first, last) = (
        table.months.first().copied().map(month_label),
        table.months.last().copied().map(month_label),
    );
    let _ = write!(
        body,
        "<h1>{}</h1><p class=\"sub\">{} months: {} → {} · {} indicators from {} communes</p>",
        escape(title),
        table.months.len(),
        first.unwrap_or_default(),
        last.unwrap_or_default(),
        table.rows.len(),
        {
            let mut c: Vec<&str> = table
                .rows
                .iter()
                .map(|r| r.indicator.commune.as_str())
                .collect();
            c.sort_unstable();
            c.dedup();
            c.len()
        }
    );
    if !notes.is_empty() {
        body.push_str("<div class=\"warn\"><ul>");
        for n in notes {
            let _ = write!(body, "<li>{}</li>", escape(n));
        }
        body.push_str("</ul></div>");
    }
    programme_rows_html(&mut body, table, true);
    body.push_str("<p class=\"note\">Values ± uncertainty: avoided energy at the confidence of each experiment (ASHRAE Guideline 14); totals add monthly uncertainties in quadrature. Empty cells: no value that month.</p>");
    for r in &table.rows {
        let i = &r.indicator;
        let chart = svg::bar_chart(&BarChart {
            title: format!("{} — {}: {}", i.commune, i.experiment, i.name),
            categories: table.months.iter().map(|m| month_label(*m)).collect(),
            x: AxisSpec::new("month", ""),
            y: AxisSpec::new(&i.name, &i.unit),
            series: vec![BarSeries {
                label: i.name.clone(),
                values: r
                    .cells
                    .iter()
                    .map(|c| c.map_or(f64::NAN, |c| c.value))
                    .collect(),
                errors: Some(
                    r.cells
                        .iter()
                        .map(|c| c.and_then(|c| c.uncertainty).unwrap_or(f64::NAN))
                        .collect(),
                ),
                color: None,
            }],
            reference: None,
            ..BarChart::default()
        });
        let _ = write!(body, "<figure>{chart}</figure>");
    }
    page(title, &body)
}

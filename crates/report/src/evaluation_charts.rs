//! The two charts of an experiment's energy evaluation, drawn with [`crate::svg`]: baseline
//! prediction against metered energy per local day, and cumulative avoided energy with its
//! Guideline 14 uncertainty band. `report.html` and the server's experiment page draw them
//! from this one place; only the words change ([`ChartText`]: English by default, the server
//! passes its translations).

use quartier_evaluate::cumulative_avoided;

use crate::evaluation::EnergyResults;
use crate::svg::{self, AxisSpec, Band, LineChart, LineSeries, X};

/// The words of the two charts.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartText {
    /// Title of the baseline/metered chart.
    pub baseline_title: String,
    /// Label of the time axis.
    pub date: String,
    /// Label of the energy-per-day axis.
    pub energy_per_day: String,
    /// Legend of the metered line.
    pub metered: String,
    /// Legend of the baseline line.
    pub baseline: String,
    /// Title of the cumulative chart.
    pub cumulative_title: String,
    /// Label of its vertical axis.
    pub cumulative_axis: String,
    /// Legend of the cumulative line.
    pub cumulative: String,
    /// Legend of the band (the confidence level is appended as `(90 %)`).
    pub band: String,
    /// Numbers and month names of the axes.
    pub locale: svg::Locale,
}

impl Default for ChartText {
    fn default() -> Self {
        ChartText {
            baseline_title: "Baseline prediction and metered energy, per day".into(),
            date: "date".into(),
            energy_per_day: "energy per day".into(),
            metered: "metered".into(),
            baseline: "baseline (what would have been used without the works)".into(),
            cumulative_title: "Cumulative avoided energy".into(),
            cumulative_axis: "avoided energy since the start of reporting".into(),
            cumulative: "cumulative avoided energy".into(),
            band: "uncertainty band".into(),
            locale: svg::Locale::ENGLISH,
        }
    }
}

impl ChartText {
    /// The English words for a billing evaluation, whose points are invoices.
    pub fn per_invoice() -> ChartText {
        ChartText {
            baseline_title: "Baseline prediction and invoiced energy, per invoice".into(),
            energy_per_day: "energy per invoice (at its first day)".into(),
            ..ChartText::default()
        }
    }
}

fn day_x(d: chrono::NaiveDate, tz: chrono_tz::Tz) -> X {
    quartier_timeseries::local_midnight(d, tz)
        .map(X::Instant)
        .unwrap_or(X::Index(f64::NAN))
}

/// Baseline prediction and metered energy per local day of the reporting period (SVG).
pub fn baseline_chart(en: &EnergyResults<'_>, tz: chrono_tz::Tz, text: &ChartText) -> String {
    let daily = &en.savings.daily;
    svg::line_chart(&LineChart {
        title: text.baseline_title.clone(),
        x: AxisSpec::new(&text.date, ""),
        y: AxisSpec::new(&text.energy_per_day, "kWh"),
        series: vec![
            LineSeries {
                color: Some("#0072B2".into()),
                ..LineSeries::new(
                    &text.metered,
                    daily
                        .iter()
                        .map(|(d, a)| (day_x(*d, tz), a.metered_kwh))
                        .collect(),
                )
            },
            LineSeries {
                color: Some("#D55E00".into()),
                dashed: false,
                ..LineSeries::new(
                    &text.baseline,
                    daily
                        .iter()
                        .map(|(d, a)| (day_x(*d, tz), a.baseline_kwh))
                        .collect(),
                )
            },
        ],
        // Days are local days: the ticks fall on the experiment's midnights.
        time_zone: tz,
        locale: text.locale,
        ..LineChart::default()
    })
}

/// Cumulative avoided energy day by day with its uncertainty band at the report's
/// confidence (SVG).
pub fn cumulative_chart(en: &EnergyResults<'_>, tz: chrono_tz::Tz, text: &ChartText) -> String {
    let cum = cumulative_avoided(en.savings);
    svg::line_chart(&LineChart {
        title: text.cumulative_title.clone(),
        x: AxisSpec::new(&text.date, ""),
        y: AxisSpec::new(&text.cumulative_axis, "kWh"),
        series: vec![LineSeries {
            color: Some("#009E73".into()),
            ..LineSeries::new(
                &text.cumulative,
                cum.iter()
                    .map(|c| (day_x(c.day, tz), c.avoided_kwh))
                    .collect(),
            )
        }],
        bands: vec![Band {
            label: format!("{} ({:.0} %)", text.band, 100.0 * en.savings.confidence),
            points: cum
                .iter()
                .map(|c| {
                    (
                        day_x(c.day, tz),
                        c.avoided_kwh - c.uncertainty_kwh,
                        c.avoided_kwh + c.uncertainty_kwh,
                    )
                })
                .collect(),
            color: Some("#009E73".into()),
        }],
        // Days are local days: the ticks fall on the experiment's midnights.
        time_zone: tz,
        locale: text.locale,
        ..LineChart::default()
    })
}

//! The programme's month-by-month KPI table across communes and experiments: avoided energy
//! with its uncertainty (from a [`SavingsReport`]), free KPIs against their targets, and the
//! positive-energy balance of districts (production − consumption, simulated or metered).
//!
//! Each experiment contributes [`Indicator`]s (one monthly series each, with a unit, a
//! source and an optional [`Target`]); [`programme_table`] lays them on a window of calendar
//! months (24 for the *Quartiers Métropolitains d'Innovation* programme) and computes each
//! row's total over the window and its status against the target.
//!
//! Totals of monthly uncertainties add in quadrature. For avoided energy this is the
//! Guideline 14 formula itself when months hold as many observations and as much baseline
//! energy each: the uncertainty of `k` months of `m` points with baseline energy `E` each is
//! `C·E/√m` per month, and `√k·C·E/√m = C·(kE)/√(km)`, the formula for the whole. Months of
//! different sizes (a heated building's winters and summers) make the quadrature sum larger
//! than the formula, so an indicator carrying its source's own total uncertainty
//! ([`Indicator::total_uncertainty`]) uses it when the window holds all its months: the
//! programme then shows the evaluation's figure.
//!
//! ```
//! use quartier_evaluate::{Aggregate, Cell, Direction, Indicator, Target, programme_table};
//! let km = Indicator {
//!     commune: "Issy".into(),
//!     experiment: "Cargo bikes".into(),
//!     name: "cargo-bike distance".into(),
//!     unit: "km".into(),
//!     source: "declared".into(),
//!     aggregate: Aggregate::Sum,
//!     target: Some(Target { value: 100.0, direction: Direction::AtLeast }),
//!     monthly: vec![((2025, 1), Cell::exact(40.0)), ((2025, 2), Cell::exact(70.0))],
//!     total_uncertainty: None,
//!     about: Default::default(),
//! };
//! let table = programme_table(vec![km], (2025, 1), 3);
//! assert_eq!(table.months, vec![(2025, 1), (2025, 2), (2025, 3)]);
//! let row = &table.rows[0];
//! assert_eq!(row.total.map(|c| c.value), Some(110.0));
//! assert!(row.status.unwrap().met);
//! ```

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::SavingsReport;

/// A calendar month `(year, month)`, month in 1…12.
pub type Month = (i32, u32);

/// The month after `m`.
pub fn next_month(m: Month) -> Month {
    if m.1 >= 12 {
        (m.0 + 1, 1)
    } else {
        (m.0, m.1 + 1)
    }
}

/// `n` consecutive months from `first`.
pub fn months_from(first: Month, n: usize) -> Vec<Month> {
    let mut out = Vec::with_capacity(n);
    let mut m = first;
    for _ in 0..n {
        out.push(m);
        m = next_month(m);
    }
    out
}

/// A value with its uncertainty (same unit; `None` when not estimated).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    /// The value.
    pub value: f64,
    /// Its absolute uncertainty at the confidence of its source, if estimated.
    pub uncertainty: Option<f64>,
}

impl Cell {
    /// A value without uncertainty.
    pub fn exact(value: f64) -> Cell {
        Cell {
            value,
            uncertainty: None,
        }
    }
}

/// Which side of a target is good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Good when at least the target.
    AtLeast,
    /// Good when at most the target.
    AtMost,
}

/// How monthly values combine into a row's total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Sum (uncertainties in quadrature).
    Sum,
    /// Mean (uncertainty: quadrature sum over the count).
    Mean,
    /// The last month with a value.
    Last,
}

/// A target of an indicator's total.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// Target value of the total, in the indicator's unit.
    pub value: f64,
    /// Which side is good.
    pub direction: Direction,
}

/// One monthly indicator of one experiment.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// The commune.
    pub commune: String,
    /// The experiment (title).
    pub experiment: String,
    /// Indicator name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Where the numbers come from (method, metered or simulated, declared).
    pub source: String,
    /// How months combine.
    pub aggregate: Aggregate,
    /// Target of the total, if any.
    pub target: Option<Target>,
    /// Monthly values, in month order.
    pub monthly: Vec<(Month, Cell)>,
    /// The source's own uncertainty of the sum of all the months (a savings report's
    /// Guideline 14 total), taken as the row total's when the window holds every month:
    /// adding monthly uncertainties in quadrature overstates it when months differ in size.
    pub total_uncertainty: Option<f64>,
    /// What the indicator is, how it was obtained, and what of it may be published.
    pub about: About,
}

/// What an indicator is, beside its numbers: its definition, whether its values are made up,
/// whether they are reported by the laureate, and how many private persons' meters they
/// aggregate (what the open data may publish).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct About {
    /// What is counted and how (empty when the source says nothing).
    pub definition: String,
    /// True when the values are made up (a demonstration).
    pub illustrative: bool,
    /// True when the laureate reports the values month by month (they can be overdue);
    /// false when Quartier computes them.
    pub reported: bool,
    /// How many private persons' meters the values aggregate (`None`: none).
    pub private_meters: Option<u32>,
}

/// Fewest private persons' meters an aggregate may hold to be published (the grid
/// operator's and CNIL's rule for consumption data).
pub const MIN_PUBLISHED_PRIVATE_METERS: u32 = 10;

impl About {
    /// True when the values may be published: they aggregate no private person's meter, or at
    /// least [`MIN_PUBLISHED_PRIVATE_METERS`].
    pub fn publishable(&self) -> bool {
        self.private_meters
            .is_none_or(|n| n == 0 || n >= MIN_PUBLISHED_PRIVATE_METERS)
    }
}

impl Indicator {
    /// Sets the value of `month` (a laureate's report replaces what the file said), keeping
    /// the months in order.
    pub fn set_month(&mut self, month: Month, value: f64) {
        match self.monthly.binary_search_by_key(&month, |(m, _)| *m) {
            Ok(i) => self.monthly[i].1 = Cell::exact(value),
            Err(i) => self.monthly.insert(i, (month, Cell::exact(value))),
        }
    }

    /// Avoided energy per month from a savings report (kWh, uncertainty at the report's
    /// confidence). The target, if any, is an avoided energy in kWh.
    pub fn avoided_energy(
        commune: &str,
        experiment: &str,
        source: &str,
        report: &SavingsReport,
    ) -> Indicator {
        Indicator {
            commune: commune.to_owned(),
            experiment: experiment.to_owned(),
            name: "avoided energy".into(),
            unit: "kWh".into(),
            source: source.to_owned(),
            aggregate: Aggregate::Sum,
            target: None,
            monthly: report
                .monthly
                .iter()
                .map(|(m, a)| {
                    (
                        *m,
                        Cell {
                            value: a.avoided_kwh,
                            uncertainty: a.uncertainty_kwh.is_finite().then_some(a.uncertainty_kwh),
                        },
                    )
                })
                .collect(),
            total_uncertainty: report
                .total
                .uncertainty_kwh
                .is_finite()
                .then_some(report.total.uncertainty_kwh),
            about: About {
                definition: "Energy the treated meter did not use: the baseline model's prediction on the reporting period's weather (with non-routine adjustments) minus the metered energy, per month; uncertainty after ASHRAE Guideline 14.".into(),
                ..About::default()
            },
        }
    }

    /// The positive-energy balance (production − consumption, kWh per month) of a district or
    /// building; its target is a non-negative total (a positive-energy district).
    pub fn energy_balance(
        commune: &str,
        experiment: &str,
        source: &str,
        balance: &[MonthlyBalance],
    ) -> Indicator {
        Indicator {
            commune: commune.to_owned(),
            experiment: experiment.to_owned(),
            name: "positive-energy balance (production − consumption)".into(),
            unit: "kWh".into(),
            source: source.to_owned(),
            aggregate: Aggregate::Sum,
            target: Some(Target {
                value: 0.0,
                direction: Direction::AtLeast,
            }),
            monthly: balance
                .iter()
                .map(|b| (b.month, Cell::exact(b.production_kwh - b.consumption_kwh)))
                .collect(),
            total_uncertainty: None,
            about: About {
                definition: "Local renewable production minus consumption at the district's meters, per month (storage and conversion losses counted as consumption); positive energy over a period when the total is at least 0.".into(),
                ..About::default()
            },
        }
    }
}

/// Production and consumption of one month.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MonthlyBalance {
    /// The month.
    pub month: Month,
    /// Local production (PV, fuel cells…), kWh.
    pub production_kwh: f64,
    /// Consumption, kWh.
    pub consumption_kwh: f64,
}

/// Sums per-interval production and consumption (kWh, intervals starting at `times`) into
/// local months of `tz`. Intervals where either value is not finite are skipped.
pub fn monthly_balance(
    times: impl IntoIterator<Item = DateTime<Utc>>,
    production_kwh: &[f64],
    consumption_kwh: &[f64],
    tz: Tz,
) -> Vec<MonthlyBalance> {
    let mut out: Vec<MonthlyBalance> = Vec::new();
    for ((t, &p), &c) in times.into_iter().zip(production_kwh).zip(consumption_kwh) {
        if !(p.is_finite() && c.is_finite()) {
            continue;
        }
        let l = t.with_timezone(&tz);
        let month = (l.year(), l.month());
        match out.last_mut() {
            Some(b) if b.month == month => {
                b.production_kwh += p;
                b.consumption_kwh += c;
            }
            _ => out.push(MonthlyBalance {
                month,
                production_kwh: p,
                consumption_kwh: c,
            }),
        }
    }
    out
}

/// Maps a simulated typical year's monthly values onto `months` by calendar month: each month
/// takes the value of the simulated month with the same month of the year (months the
/// simulation covers itself keep their own values). Use only when the simulation is a typical
/// year (typical weather, standard profiles): it is a projection, and its source must say so.
pub fn project_by_calendar_month<T: Copy>(
    values: &[(Month, T)],
    months: &[Month],
) -> Vec<(Month, T)> {
    months
        .iter()
        .filter_map(|m| {
            let own = values.iter().find(|(k, _)| k == m);
            own.or_else(|| values.iter().find(|(k, _)| k.1 == m.1))
                .map(|(_, v)| (*m, *v))
        })
        .collect()
}

/// A row's total compared with its target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TargetStatus {
    /// The target.
    pub target: Target,
    /// Total / target (NaN for a zero target).
    pub share: f64,
    /// True when the total is on the good side of the target.
    pub met: bool,
}

/// One row of the programme table.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeRow {
    /// The indicator (with all its months, also those outside the window).
    pub indicator: Indicator,
    /// One cell per month of the window (`None`: no value that month).
    pub cells: Vec<Option<Cell>>,
    /// Aggregate over the window's months, `None` when no month has a value.
    pub total: Option<Cell>,
    /// Status of the total against the target.
    pub status: Option<TargetStatus>,
}

/// The month-by-month table of the programme.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgrammeTable {
    /// The months of the window, in order.
    pub months: Vec<Month>,
    /// Rows, in the order of the indicators given.
    pub rows: Vec<ProgrammeRow>,
}

impl Aggregate {
    /// The months' `cells` combined this way (`None` without a cell), as a row's total.
    pub fn of(self, cells: &[Cell]) -> Option<Cell> {
        aggregate(cells, self)
    }
}

fn aggregate(cells: &[Cell], how: Aggregate) -> Option<Cell> {
    let last = *cells.last()?;
    let quad = |c: &[Cell]| -> Option<f64> {
        let mut s = 0.0;
        for x in c {
            let u = x.uncertainty?;
            s += u * u;
        }
        Some(s.sqrt())
    };
    Some(match how {
        Aggregate::Sum => Cell {
            value: cells.iter().map(|c| c.value).sum(),
            uncertainty: quad(cells),
        },
        Aggregate::Mean => {
            let n = cells.len() as f64;
            Cell {
                value: cells.iter().map(|c| c.value).sum::<f64>() / n,
                uncertainty: quad(cells).map(|u| u / n),
            }
        }
        Aggregate::Last => last,
    })
}

/// Lays indicators on `months` calendar months from `first`: one row per indicator, its
/// cells, its total over the window and its status against the target.
pub fn programme_table(indicators: Vec<Indicator>, first: Month, months: usize) -> ProgrammeTable {
    let window = months_from(first, months);
    let rows = indicators
        .into_iter()
        .map(|ind| {
            let cells: Vec<Option<Cell>> = window
                .iter()
                .map(|m| ind.monthly.iter().find(|(k, _)| k == m).map(|(_, c)| *c))
                .collect();
            let present: Vec<Cell> = cells.iter().flatten().copied().collect();
            let whole = ind.monthly.iter().all(|(m, _)| window.contains(m));
            let total = aggregate(&present, ind.aggregate).map(|t| match ind.total_uncertainty {
                Some(u) if whole && ind.aggregate == Aggregate::Sum => Cell {
                    uncertainty: Some(u),
                    ..t
                },
                _ => t,
            });
            let status = match (ind.target, total) {
                (Some(target), Some(t)) => Some(TargetStatus {
                    target,
                    share: if target.value != 0.0 {
                        t.value / target.value
                    } else {
                        f64::NAN
                    },
                    met: match target.direction {
                        Direction::AtLeast => t.value >= target.value,
                        Direction::AtMost => t.value <= target.value,
                    },
                }),
                _ => None,
            };
            ProgrammeRow {
                indicator: ind,
                cells,
                total,
                status,
            }
        })
        .collect();
    ProgrammeTable {
        months: window,
        rows,
    }
}

/// Cumulative avoided energy at the end of one day of the reporting period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CumulativeAvoided {
    /// The local day.
    pub day: NaiveDate,
    /// Avoided energy from the start of the reporting period to the end of the day, kWh.
    pub avoided_kwh: f64,
    /// Its uncertainty at the report's confidence, kWh (NaN when not defined).
    pub uncertainty_kwh: f64,
}

/// Cumulative avoided energy day by day, with the Guideline 14 uncertainty of each running
/// total: `C·E_base(k)/√m(k)`, where `C = U_total·√m_total / E_base,total` is the report's
/// own constant (`1.26·t·CV(RMSE)·√((n/n')(1 + 2/n'))`), so the last point equals the total.
pub fn cumulative_avoided(report: &SavingsReport) -> Vec<CumulativeAvoided> {
    let t = &report.total;
    let c = if t.m > 0 && t.baseline_kwh != 0.0 {
        t.uncertainty_kwh * (t.m as f64).sqrt() / t.baseline_kwh
    } else {
        f64::NAN
    };
    let (mut m, mut base, mut avoided) = (0usize, 0.0, 0.0);
    report
        .daily
        .iter()
        .map(|(day, a)| {
            m += a.m;
            base += a.baseline_kwh;
            avoided += a.avoided_kwh;
            CumulativeAvoided {
                day: *day,
                avoided_kwh: avoided,
                uncertainty_kwh: if m > 0 {
                    c * base / (m as f64).sqrt()
                } else {
                    f64::NAN
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{FitMetrics, Granularity, SavingsConfig, compute_savings};
    use chrono::{Duration, TimeZone};

    #[test]
    fn months_wrap_years() {
        assert_eq!(
            months_from((2024, 11), 4),
            vec![(2024, 11), (2024, 12), (2025, 1), (2025, 2)]
        );
    }

    #[test]
    fn a_24_month_table_has_24_columns_and_totals_in_quadrature() {
        let ind = Indicator {
            commune: "A".into(),
            experiment: "E".into(),
            name: "avoided energy".into(),
            unit: "kWh".into(),
            source: "test".into(),
            aggregate: Aggregate::Sum,
            target: Some(Target {
                value: 100.0,
                direction: Direction::AtMost,
            }),
            monthly: vec![
                (
                    (2025, 2),
                    Cell {
                        value: 30.0,
                        uncertainty: Some(3.0),
                    },
                ),
                (
                    (2026, 12),
                    Cell {
                        value: 40.0,
                        uncertainty: Some(4.0),
                    },
                ),
                // Outside the window: not counted.
                ((2027, 1), Cell::exact(1000.0)),
            ],
            total_uncertainty: None,
            about: About::default(),
        };
        let t = programme_table(vec![ind], (2025, 1), 24);
        assert_eq!(t.months.len(), 24);
        assert_eq!(t.months.last(), Some(&(2026, 12)));
        let row = &t.rows[0];
        assert_eq!(row.cells.iter().flatten().count(), 2);
        let total = row.total.unwrap();
        assert_eq!(total.value, 70.0);
        assert_eq!(total.uncertainty, Some(5.0));
        let s = row.status.unwrap();
        assert!(s.met);
        assert!((s.share - 0.7).abs() < 1e-12);
    }

    #[test]
    fn the_sources_own_total_uncertainty_is_kept_when_the_window_holds_every_month() {
        let ind = |total| Indicator {
            commune: "A".into(),
            experiment: "E".into(),
            name: "avoided energy".into(),
            unit: "kWh".into(),
            source: "test".into(),
            aggregate: Aggregate::Sum,
            target: None,
            monthly: vec![
                (
                    (2025, 2),
                    Cell {
                        value: 30.0,
                        uncertainty: Some(3.0),
                    },
                ),
                (
                    (2025, 3),
                    Cell {
                        value: 40.0,
                        uncertainty: Some(4.0),
                    },
                ),
            ],
            total_uncertainty: total,
            about: About::default(),
        };
        let total = |i, first| programme_table(vec![i], first, 24).rows[0].total.unwrap();
        assert_eq!(total(ind(Some(4.5)), (2025, 1)).uncertainty, Some(4.5));
        assert_eq!(total(ind(None), (2025, 1)).uncertainty, Some(5.0));
        // A window that cuts the indicator's months: quadrature over what it shows.
        let cut = total(ind(Some(4.5)), (2025, 3));
        assert_eq!((cut.value, cut.uncertainty), (40.0, Some(4.0)));
    }

    #[test]
    fn mean_and_last_and_missing_uncertainty() {
        let cells = [Cell::exact(2.0), Cell::exact(4.0)];
        assert_eq!(aggregate(&cells, Aggregate::Mean).unwrap().value, 3.0);
        assert_eq!(aggregate(&cells, Aggregate::Last).unwrap().value, 4.0);
        assert_eq!(aggregate(&cells, Aggregate::Sum).unwrap().uncertainty, None);
        assert_eq!(aggregate(&[], Aggregate::Sum), None);
    }

    #[test]
    fn balance_sums_by_local_month() {
        let start = Utc.with_ymd_and_hms(2025, 1, 31, 22, 0, 0).unwrap();
        let times: Vec<_> = (0..4).map(|h| start + Duration::hours(h)).collect();
        // 22:00 UTC on 31 January is 23:00 in Paris; 23:00 UTC is already February.
        let b = monthly_balance(
            times,
            &[1.0, 2.0, 3.0, f64::NAN],
            &[0.5, 0.5, 0.5, 0.5],
            chrono_tz::Europe::Paris,
        );
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].month, (2025, 1));
        assert_eq!(b[0].production_kwh, 1.0);
        assert_eq!(b[1].production_kwh, 5.0);
        assert_eq!(b[1].consumption_kwh, 1.0);
        let ind = Indicator::energy_balance("A", "E", "metered", &b);
        assert_eq!(ind.monthly[1].1.value, 4.0);
    }

    #[test]
    fn typical_year_projection_keeps_own_months() {
        let year: Vec<(Month, f64)> = (1..=12).map(|m| ((2025, m), f64::from(m))).collect();
        let p = project_by_calendar_month(&year, &months_from((2024, 12), 3));
        assert_eq!(
            p,
            vec![((2024, 12), 12.0), ((2025, 1), 1.0), ((2025, 2), 2.0)]
        );
    }

    #[test]
    fn cumulative_uncertainty_ends_at_the_total() {
        let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let times: Vec<_> = (0..90).map(|d| start + Duration::days(d)).collect();
        let metered: Vec<f64> = (0..90).map(|d| 9.0 + (d % 3) as f64).collect();
        let predicted = vec![11.0; 90];
        let base_obs: Vec<f64> = (0..365)
            .map(|d| 11.0 + ((d * 7) % 5) as f64 - 2.0)
            .collect();
        let metrics = FitMetrics::compute(&base_obs, &vec![11.0; 365], 1);
        let r = compute_savings(
            &times,
            &metered,
            &predicted,
            &metrics,
            Granularity::Daily,
            &SavingsConfig {
                tz: chrono_tz::UTC,
                ..SavingsConfig::default()
            },
        )
        .unwrap();
        let cum = cumulative_avoided(&r);
        assert_eq!(cum.len(), 90);
        let last = cum.last().unwrap();
        assert!((last.avoided_kwh - r.total.avoided_kwh).abs() < 1e-9);
        assert!((last.uncertainty_kwh - r.total.uncertainty_kwh).abs() < 1e-9);
        // The first day's uncertainty is that day's own.
        assert!((cum[0].uncertainty_kwh - r.daily[0].1.uncertainty_kwh).abs() < 1e-9);
        let ind = Indicator::avoided_energy("A", "E", "daily", &r);
        assert_eq!(ind.monthly.len(), 3);
    }
}

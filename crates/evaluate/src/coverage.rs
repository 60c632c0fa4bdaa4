//! Where a series has values over a period, at the series' own step: every gap (a run of
//! steps without a finite value, whether the file left them empty, skipped their timestamps
//! or ended before the period did) with its first and last instant and its length, and the
//! valid share of each local month. A hole at the start, in the middle or at the end of a
//! file is the same gap here: the period decides what was expected, not the file.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use quartier_evaluate::{Period, coverage};
//! use quartier_timeseries::{Axis, Quantity, Series, Step};
//!
//! // Four hours of data, the second and third missing, on a period of six hours.
//! let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
//! let axis = Axis::new(t0, Step::MIN60, 4).unwrap();
//! let s = Series::new(axis, Quantity::EnergyKwh, vec![1.0, f64::NAN, f64::NAN, 2.0]).unwrap();
//! let period = Period::new(t0, t0 + chrono::Duration::hours(6)).unwrap();
//! let c = coverage(&s, period, chrono_tz::UTC);
//! assert_eq!((c.expected_steps, c.valid_steps), (6, 2));
//! assert_eq!(c.gaps.len(), 2);
//! assert_eq!(c.gaps[0].steps, 2);
//! assert_eq!(c.gaps[1].from, t0 + chrono::Duration::hours(4), "the file ends early: a gap");
//! ```

use chrono::{DateTime, Datelike, Duration, Utc};
use chrono_tz::Tz;
use quartier_timeseries::Series;

use crate::{Month, Period};

/// A run of missing steps: `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gap {
    /// Start of the first missing step.
    pub from: DateTime<Utc>,
    /// End of the last missing step (exclusive).
    pub to: DateTime<Utc>,
    /// Missing steps.
    pub steps: usize,
}

/// One local month of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthCoverage {
    /// The month (local time).
    pub month: Month,
    /// Steps of the period in that month.
    pub expected_steps: usize,
    /// Those with a value.
    pub valid_steps: usize,
}

impl MonthCoverage {
    /// The valid share of the month's steps (1 when none was expected).
    pub fn fraction_valid(&self) -> f64 {
        fraction(self.valid_steps, self.expected_steps)
    }
}

/// Where a series has values over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    /// The period.
    pub period: Period,
    /// The series' step, minutes.
    pub step_minutes: u32,
    /// Steps of the series' grid inside the period.
    pub expected_steps: usize,
    /// Those with a finite value.
    pub valid_steps: usize,
    /// Every run of missing steps, in order.
    pub gaps: Vec<Gap>,
    /// Each local month of the period.
    pub months: Vec<MonthCoverage>,
}

impl Coverage {
    /// The valid share of the period's steps (1 when none was expected).
    pub fn fraction_valid(&self) -> f64 {
        fraction(self.valid_steps, self.expected_steps)
    }

    /// Steps without a value.
    pub fn missing_steps(&self) -> usize {
        self.expected_steps - self.valid_steps
    }
}

fn fraction(valid: usize, expected: usize) -> f64 {
    if expected == 0 {
        1.0
    } else {
        valid as f64 / expected as f64
    }
}

/// The coverage of `series` over `period` on the series' own grid (the steps whose start
/// lies in the period, extended before and after the series as needed), months in `tz`.
pub fn coverage(series: &Series, period: Period, tz: Tz) -> Coverage {
    let axis = series.axis();
    let step_s = i64::from(axis.step().minutes()) * 60;
    let offset = |t: DateTime<Utc>| (t - axis.start()).num_seconds();
    // Grid indices (possibly negative) of the first step at or after the period's start and of
    // the first step at or after its end.
    let ceil = |d: i64| d.div_euclid(step_s) + i64::from(d.rem_euclid(step_s) != 0);
    let (first, end) = (ceil(offset(period.start())), ceil(offset(period.end())));
    let values = series.values();
    let at = |i: i64| axis.start() + Duration::seconds(i * step_s);
    let mut c = Coverage {
        period,
        step_minutes: axis.step().minutes(),
        expected_steps: 0,
        valid_steps: 0,
        gaps: Vec::new(),
        months: Vec::new(),
    };
    let mut open: Option<i64> = None;
    for i in first..end {
        let valid = usize::try_from(i)
            .ok()
            .and_then(|k| values.get(k))
            .is_some_and(|v| v.is_finite());
        let t = at(i);
        let local = t.with_timezone(&tz);
        let month = (local.year(), local.month());
        if c.months.last().is_none_or(|m| m.month != month) {
            c.months.push(MonthCoverage {
                month,
                expected_steps: 0,
                valid_steps: 0,
            });
        }
        if let Some(m) = c.months.last_mut() {
            m.expected_steps += 1;
            m.valid_steps += usize::from(valid);
        }
        c.expected_steps += 1;
        c.valid_steps += usize::from(valid);
        match (valid, open) {
            (false, None) => open = Some(i),
            (true, Some(from)) => {
                c.gaps.push(gap(from, i, &at));
                open = None;
            }
            _ => {}
        }
    }
    if let Some(from) = open {
        c.gaps.push(gap(from, end, &at));
    }
    c
}

fn gap(from: i64, to: i64, at: &dyn Fn(i64) -> DateTime<Utc>) -> Gap {
    Gap {
        from: at(from),
        to: at(to),
        steps: usize::try_from(to - from).unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use quartier_timeseries::{Axis, Quantity, Step};

    /// A year of hours with three weeks missing at `hole` (hours from the start of the
    /// period), the file starting `lead` hours after it.
    fn holed(lead: usize, hole: usize) -> Coverage {
        let t0 = Utc.with_ymd_and_hms(2024, 12, 31, 23, 0, 0).unwrap();
        let hours = 8760;
        let weeks3 = 21 * 24;
        let values: Vec<f64> = (lead..hours)
            .map(|h| {
                if (hole..hole + weeks3).contains(&h) {
                    f64::NAN
                } else {
                    1.0
                }
            })
            .collect();
        let axis = Axis::new(t0 + Duration::hours(lead as i64), Step::MIN60, values.len()).unwrap();
        let s = Series::new(axis, Quantity::EnergyKwh, values).unwrap();
        let period = Period::new(t0, t0 + Duration::hours(hours as i64)).unwrap();
        coverage(&s, period, chrono_tz::Europe::Paris)
    }

    #[test]
    fn three_weeks_missing_are_one_gap_wherever_they_are() {
        let weeks3 = 21 * 24;
        // In the middle (empty values), at the start (the file begins late), at the end.
        for (lead, hole) in [(0, 4000), (weeks3, 8760), (0, 8760 - weeks3)] {
            let c = holed(lead, hole);
            assert_eq!(c.expected_steps, 8760);
            assert_eq!(c.missing_steps(), weeks3, "lead {lead}, hole {hole}");
            assert_eq!(c.gaps.len(), 1);
            assert_eq!(c.gaps[0].steps, weeks3);
            assert_eq!((c.gaps[0].to - c.gaps[0].from).num_hours(), weeks3 as i64);
            assert_eq!(c.months.len(), 12, "local months of 2025");
            assert_eq!(
                c.months.iter().map(|m| m.expected_steps).sum::<usize>(),
                8760
            );
        }
        let start = holed(weeks3, 8760);
        assert_eq!(
            (start.months[0].expected_steps, start.months[0].valid_steps),
            (744, 744 - weeks3),
            "January's first three weeks missing"
        );
        assert_eq!(start.months[1].fraction_valid(), 1.0);
    }

    #[test]
    fn a_period_between_steps_counts_only_the_steps_starting_in_it() {
        let t0 = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let axis = Axis::new(t0, Step::MIN15, 8).unwrap();
        let s = Series::new(axis, Quantity::EnergyKwh, vec![1.0; 8]).unwrap();
        let p = Period::new(t0 + Duration::minutes(10), t0 + Duration::minutes(40)).unwrap();
        let c = coverage(&s, p, chrono_tz::UTC);
        assert_eq!((c.expected_steps, c.valid_steps), (2, 2));
        assert!(c.gaps.is_empty());
    }
}

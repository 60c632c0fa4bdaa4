//! The one time axis of Quartier: a UTC start instant, a fixed step and a length.
//!
//! Interval `i` covers `[start + i·step, start + (i+1)·step)` and is labelled by its start.
//! Every series, flow and KPI in Quartier is aligned on an [`Axis`]; conversion to local
//! time (Europe/Paris) happens only at the edges, through [`Axis::local_day_len`] and the
//! readers' time-zone handling.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use crate::TimeError;

/// A fixed step in whole minutes that divides a day (1, 5, 10, 15, 30, 60, …, 1440).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Step(u32);

impl Step {
    /// Quarter-hour step.
    pub const MIN15: Step = Step(15);
    /// Half-hour step.
    pub const MIN30: Step = Step(30);
    /// Hourly step.
    pub const MIN60: Step = Step(60);

    /// A step of `minutes`, which must be positive and divide 1440 (one day).
    pub fn from_minutes(minutes: u32) -> Result<Step, TimeError> {
        if minutes == 0 || 1440 % minutes != 0 {
            return Err(TimeError::BadStep { minutes });
        }
        Ok(Step(minutes))
    }

    /// The step in minutes.
    pub fn minutes(self) -> u32 {
        self.0
    }

    /// The step in hours (0.25 for 15 minutes): multiply a power in kW by this to get kWh.
    pub fn hours(self) -> f64 {
        f64::from(self.0) / 60.0
    }

    /// The step as a chrono duration.
    pub fn duration(self) -> Duration {
        Duration::minutes(i64::from(self.0))
    }

    /// Steps per day (96 for 15 minutes).
    pub fn per_day(self) -> usize {
        (1440 / self.0) as usize
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} min", self.0)
    }
}

/// A regular time axis: `len` intervals of `step`, the first starting at `start` (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Axis {
    start: DateTime<Utc>,
    step: Step,
    len: usize,
}

impl Axis {
    /// An axis of `len` steps from `start`. `start` must be aligned on the step
    /// (a whole number of steps after midnight UTC).
    pub fn new(start: DateTime<Utc>, step: Step, len: usize) -> Result<Axis, TimeError> {
        let secs = start.timestamp();
        if secs.rem_euclid(i64::from(step.minutes()) * 60) != 0
            || start.timestamp_subsec_nanos() != 0
        {
            return Err(TimeError::Misaligned { at: start, step });
        }
        Ok(Axis { start, step, len })
    }

    /// The axis covering `[start, end)`; `end - start` must be a whole number of steps.
    pub fn from_range(
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        step: Step,
    ) -> Result<Axis, TimeError> {
        if end <= start {
            return Err(TimeError::EmptyRange { start, end });
        }
        let span = (end - start).num_seconds();
        let s = i64::from(step.minutes()) * 60;
        if span % s != 0 {
            return Err(TimeError::Misaligned { at: end, step });
        }
        Axis::new(start, step, (span / s) as usize)
    }

    /// The axis covering local days `[first, last]` inclusive in time zone `tz`
    /// (from local midnight of `first` to local midnight after `last`).
    pub fn local_days(
        first: NaiveDate,
        last: NaiveDate,
        tz: Tz,
        step: Step,
    ) -> Result<Axis, TimeError> {
        let start = local_midnight(first, tz)?;
        let end = local_midnight(last + Duration::days(1), tz)?;
        Axis::from_range(start, end, step)
    }

    /// First instant (start of interval 0).
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// End instant (end of the last interval, exclusive).
    pub fn end(&self) -> DateTime<Utc> {
        self.start + self.step.duration() * self.len as i32
    }

    /// The step.
    pub fn step(&self) -> Step {
        self.step
    }

    /// Number of intervals.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the axis has no interval.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Start instant of interval `i` (may be past the end; callers index within `len`).
    pub fn time(&self, i: usize) -> DateTime<Utc> {
        self.start + Duration::seconds(i as i64 * i64::from(self.step.minutes()) * 60)
    }

    /// Index of the interval that starts exactly at `t`, if it lies on the axis.
    pub fn index_of(&self, t: DateTime<Utc>) -> Option<usize> {
        let d = (t - self.start).num_seconds();
        let s = i64::from(self.step.minutes()) * 60;
        if d < 0 || d % s != 0 {
            return None;
        }
        let i = (d / s) as usize;
        (i < self.len).then_some(i)
    }

    /// Index of the interval that contains `t` (start ≤ t < end), if any.
    pub fn index_containing(&self, t: DateTime<Utc>) -> Option<usize> {
        let d = (t - self.start).num_seconds();
        if d < 0 {
            return None;
        }
        let i = (d / (i64::from(self.step.minutes()) * 60)) as usize;
        (i < self.len).then_some(i)
    }

    /// Iterator over interval start instants.
    pub fn times(&self) -> impl ExactSizeIterator<Item = DateTime<Utc>> + '_ {
        (0..self.len).map(|i| self.time(i))
    }

    /// True when `other` lies entirely within this axis with the same step and phase.
    pub fn contains_axis(&self, other: &Axis) -> bool {
        other.step == self.step
            && other.start >= self.start
            && other.end() <= self.end()
            && (other.start - self.start).num_seconds() % (i64::from(self.step.minutes()) * 60) == 0
    }

    /// The same span with another step; the span must be a whole number of the new step.
    pub fn with_step(&self, step: Step) -> Result<Axis, TimeError> {
        Axis::from_range(self.start, self.end(), step)
    }

    /// Duration of the axis in hours.
    pub fn hours(&self) -> f64 {
        self.len as f64 * self.step.hours()
    }
}

/// UTC instant of local midnight at the start of `day` in `tz`.
pub fn local_midnight(day: NaiveDate, tz: Tz) -> Result<DateTime<Utc>, TimeError> {
    let naive = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(t, _) => Ok(t.with_timezone(&Utc)),
        chrono::LocalResult::None => Err(TimeError::NonexistentLocal { local: naive, tz }),
    }
}

/// Number of intervals of `step` in local day `day` of `tz` (92/96/100 quarter-hours in Paris).
pub fn local_day_len(day: NaiveDate, tz: Tz, step: Step) -> Result<usize, TimeError> {
    Ok(Axis::local_days(day, day, tz, step)?.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_dst_days_have_46_and_50_half_hours() {
        let tz = chrono_tz::Europe::Paris;
        let spring = NaiveDate::from_ymd_opt(2025, 3, 30).unwrap();
        let autumn = NaiveDate::from_ymd_opt(2025, 10, 26).unwrap();
        let normal = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        assert_eq!(local_day_len(spring, tz, Step::MIN30).unwrap(), 46);
        assert_eq!(local_day_len(autumn, tz, Step::MIN30).unwrap(), 50);
        assert_eq!(local_day_len(spring, tz, Step::MIN15).unwrap(), 92);
        assert_eq!(local_day_len(autumn, tz, Step::MIN15).unwrap(), 100);
        assert_eq!(local_day_len(normal, tz, Step::MIN15).unwrap(), 96);
    }

    #[test]
    fn index_roundtrip() {
        let a = Axis::new(
            Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
            Step::MIN15,
            100,
        )
        .unwrap();
        for i in 0..100 {
            assert_eq!(a.index_of(a.time(i)), Some(i));
        }
        assert_eq!(a.index_of(a.end()), None);
        assert!(
            Axis::new(
                Utc.with_ymd_and_hms(2025, 1, 1, 0, 7, 0).unwrap(),
                Step::MIN15,
                1
            )
            .is_err()
        );
        assert!(Step::from_minutes(7).is_err());
    }
}

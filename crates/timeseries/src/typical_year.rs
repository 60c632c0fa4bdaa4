//! Mapping a typical year (TMY, EPW, a standard profile) onto the axis of a real year.
//!
//! Each target interval takes the value of the source interval with the same month, day and
//! time of day in UTC (the source interval that contains that time of day, when the target is
//! finer). A 29 February absent from the source is taken from 28 February. The target may span
//! several years or a part of one. When the source spans more than a year, the first occurrence
//! of each (month, day, time of day) is used. Intensive values are held; for a [`Series`] of an
//! extensive quantity, each source value is split evenly among the finer target intervals.

use std::collections::HashMap;

use chrono::{Datelike, Timelike};

use crate::{Axis, Series, TimeError, Weather};

/// For each target interval, the source index and the number of target intervals per source one.
fn mapping(source: &Axis, target: &Axis) -> Result<(Vec<usize>, usize), TimeError> {
    let (s, t) = (source.step().minutes(), target.step().minutes());
    if t > s || s % t != 0 {
        return Err(TimeError::TypicalStep {
            source_step: source.step(),
            target_step: target.step(),
        });
    }
    let mut index: HashMap<(u32, u32, u32), usize> = HashMap::new();
    for (i, time) in source.times().enumerate() {
        let minute = time.hour() * 60 + time.minute();
        index.entry((time.month(), time.day(), minute)).or_insert(i);
    }
    let mut out = Vec::with_capacity(target.len());
    for time in target.times() {
        let minute = (time.hour() * 60 + time.minute()) / s * s;
        let (m, d) = (time.month(), time.day());
        let found = index.get(&(m, d, minute)).or_else(|| {
            (m == 2 && d == 29)
                .then(|| index.get(&(2, 28, minute)))
                .flatten()
        });
        match found {
            Some(&i) => out.push(i),
            None => {
                return Err(TimeError::MissingTypicalTime {
                    month: m,
                    day: d,
                    minute_of_day: minute,
                });
            }
        }
    }
    Ok((out, (s / t) as usize))
}

fn pick(values: &[f64], idx: &[usize], divide: f64) -> Vec<f64> {
    idx.iter()
        .map(|&i| values.get(i).copied().unwrap_or(f64::NAN) / divide)
        .collect()
}

impl Weather {
    /// This typical-year weather on `target` (same or finer step dividing this one), by month,
    /// day and time of day in UTC. When the target is finer, values are held and treated as
    /// means over each finer interval (offset = half the target step).
    pub fn onto_axis_typical(&self, target: &Axis) -> Result<Weather, TimeError> {
        self.validate()?;
        let (idx, k) = mapping(&self.axis, target)?;
        Ok(Weather {
            axis: *target,
            ghi_w_m2: pick(&self.ghi_w_m2, &idx, 1.0),
            dni_w_m2: pick(&self.dni_w_m2, &idx, 1.0),
            dhi_w_m2: pick(&self.dhi_w_m2, &idx, 1.0),
            temp_air_c: pick(&self.temp_air_c, &idx, 1.0),
            wind_speed_m_s: pick(&self.wind_speed_m_s, &idx, 1.0),
            sample_offset_minutes: if k == 1 {
                self.sample_offset_minutes
            } else {
                f64::from(target.step().minutes()) / 2.0
            },
        })
    }
}

impl Series {
    /// This typical-year series on `target` (same or finer step dividing this one), by month,
    /// day and time of day in UTC; extensive values are split evenly when the target is finer.
    pub fn onto_axis_typical(&self, target: &Axis) -> Result<Series, TimeError> {
        let (idx, k) = mapping(self.axis(), target)?;
        let divide = if self.quantity().is_extensive() {
            k as f64
        } else {
            1.0
        };
        Series::new(*target, self.quantity(), pick(self.values(), &idx, divide))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Quantity, Step, TYPICAL_REFERENCE_YEAR};
    use chrono::{NaiveDate, TimeZone, Utc};

    fn typical_hourly() -> Series {
        let start = Utc
            .with_ymd_and_hms(TYPICAL_REFERENCE_YEAR, 1, 1, 0, 0, 0)
            .unwrap();
        let axis = Axis::new(start, Step::MIN60, 8760).unwrap();
        // Value = day of year × 100 + hour, so the mapping can be checked.
        let values = axis
            .times()
            .map(|t| f64::from(t.ordinal() * 100 + t.hour()))
            .collect();
        Series::new(axis, Quantity::TemperatureC, values).unwrap()
    }

    #[test]
    fn leap_year_target_spanning_two_years() {
        let s = typical_hourly();
        let start = Utc.with_ymd_and_hms(2024, 2, 28, 0, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2025, 1, 2, 0, 0, 0).unwrap();
        let target = Axis::from_range(start, end, Step::MIN15).unwrap();
        let m = s.onto_axis_typical(&target).unwrap();
        let at = |y, mo, d, h, mi| {
            let t = Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap();
            m.values()[target.index_of(t).unwrap()]
        };
        assert_eq!(at(2024, 2, 28, 13, 45), 5913.0);
        assert_eq!(at(2024, 2, 29, 13, 0), 5913.0); // from 28 February
        assert_eq!(at(2024, 3, 1, 0, 0), 6000.0);
        assert_eq!(at(2025, 1, 1, 23, 45), 123.0);
    }

    #[test]
    fn extensive_split_and_errors() {
        let start = Utc
            .with_ymd_and_hms(TYPICAL_REFERENCE_YEAR, 1, 1, 0, 0, 0)
            .unwrap();
        let s = Series::new(
            Axis::new(start, Step::MIN60, 24).unwrap(),
            Quantity::EnergyKwh,
            vec![4.0; 24],
        )
        .unwrap();
        let day = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
        let target = Axis::local_days(day, day, chrono_tz::UTC, Step::MIN15).unwrap();
        let m = s.onto_axis_typical(&target).unwrap();
        assert_eq!(m.sum(), s.sum());
        let coarse =
            Axis::local_days(day, day, chrono_tz::UTC, Step::from_minutes(120).unwrap()).unwrap();
        assert!(matches!(
            s.onto_axis_typical(&coarse),
            Err(TimeError::TypicalStep { .. })
        ));
        let next = Axis::local_days(
            day.succ_opt().unwrap(),
            day.succ_opt().unwrap(),
            chrono_tz::UTC,
            Step::MIN60,
        )
        .unwrap();
        assert!(matches!(
            s.onto_axis_typical(&next),
            Err(TimeError::MissingTypicalTime {
                month: 1,
                day: 2,
                minute_of_day: 0
            })
        ));
    }

    #[test]
    fn weather_held_with_offset() {
        let s = typical_hourly();
        let w = Weather {
            axis: *s.axis(),
            ghi_w_m2: s.values().to_vec(),
            dni_w_m2: vec![0.0; 8760],
            dhi_w_m2: vec![0.0; 8760],
            temp_air_c: vec![0.0; 8760],
            wind_speed_m_s: vec![0.0; 8760],
            sample_offset_minutes: 10.0,
        };
        let day = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        let tz = chrono_tz::Europe::Paris;
        let hourly = w
            .onto_axis_typical(&Axis::local_days(day, day, tz, Step::MIN60).unwrap())
            .unwrap();
        assert_eq!(hourly.sample_offset_minutes, 10.0);
        // Paris midnight = 22:00 UTC on 31 May (ordinal 151).
        assert_eq!(hourly.ghi_w_m2[0], 15122.0);
        let fine = w
            .onto_axis_typical(&Axis::local_days(day, day, tz, Step::MIN15).unwrap())
            .unwrap();
        assert_eq!(fine.sample_offset_minutes, 7.5);
        assert_eq!(fine.ghi_w_m2.len(), 96);
    }
}

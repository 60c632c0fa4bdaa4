//! The standard profiles, day types, dynamisation, and [`profile_energy`], which lays a
//! profile on an axis in local time and scales it to an annual energy.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use quartier_timeseries::{Axis, Quantity, Series};

use crate::table::{self, Table};
use crate::{HolidayCalendar, ProfileError};

/// An embedded BDEW 2025 standard load profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StandardProfile {
    /// BDEW 2025 households (H25), dynamised by day of year.
    H25,
    /// BDEW 2025 commerce (G25), static.
    G25,
}

impl StandardProfile {
    /// Every embedded profile.
    pub const ALL: [StandardProfile; 2] = [StandardProfile::H25, StandardProfile::G25];

    /// The profile called `name` (`"H25"`, `"G25"`, case-insensitive, surrounding blanks
    /// ignored).
    pub fn from_name(name: &str) -> Result<StandardProfile, ProfileError> {
        let n = name.trim();
        StandardProfile::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(n))
            .ok_or_else(|| ProfileError::UnknownProfile {
                name: name.to_string(),
            })
    }

    /// The BDEW name: `"H25"` or `"G25"`.
    pub fn name(self) -> &'static str {
        match self {
            StandardProfile::H25 => "H25",
            StandardProfile::G25 => "G25",
        }
    }

    /// A one-line description for reports and help texts.
    pub fn description(self) -> &'static str {
        match self {
            StandardProfile::H25 => {
                "BDEW 2025 households (H25): monthly typical days, dynamised by day of year"
            }
            StandardProfile::G25 => {
                "BDEW 2025 commerce (G25): monthly typical days, weekday daytime peak"
            }
        }
    }

    /// True when the BDEW method multiplies the table by [`dynamisation_factor`] (H25).
    pub fn is_dynamised(self) -> bool {
        matches!(self, StandardProfile::H25)
    }

    fn table(self) -> Result<&'static Table, ProfileError> {
        match self {
            StandardProfile::H25 => table::h25(),
            StandardProfile::G25 => table::g25(),
        }
    }

    /// Multiplier of the table values on local day `date` (1 for a static profile).
    fn day_factor(self, date: NaiveDate) -> f64 {
        if self.is_dynamised() {
            dynamisation_factor(date.ordinal())
        } else {
            1.0
        }
    }
}

impl std::fmt::Display for StandardProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for StandardProfile {
    type Err = ProfileError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StandardProfile::from_name(s)
    }
}

/// The BDEW day types: each local day takes one column of the month's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DayType {
    /// Saturday that is not a public holiday (`SA`).
    Saturday,
    /// Sunday or public holiday (`FT`, *Feiertag*).
    SundayOrHoliday,
    /// Monday to Friday that is not a public holiday (`WT`, *Werktag*).
    Weekday,
}

impl DayType {
    pub(crate) fn index(self) -> usize {
        match self {
            DayType::Saturday => 0,
            DayType::SundayOrHoliday => 1,
            DayType::Weekday => 2,
        }
    }
}

/// The day type of local date `date`: a public holiday is a Sunday whatever its weekday.
pub fn day_type(date: NaiveDate, holidays: &dyn HolidayCalendar) -> DayType {
    if date.weekday() == Weekday::Sun || holidays.is_holiday(date) {
        DayType::SundayOrHoliday
    } else if date.weekday() == Weekday::Sat {
        DayType::Saturday
    } else {
        DayType::Weekday
    }
}

/// The BDEW dynamisation factor of day of year `day_of_year` (1 = 1 January):
/// `-3.92e-10·t⁴ + 3.2e-7·t³ - 7.02e-5·t² + 0.0021·t + 1.24`, as in demandlib 0.2.2
/// (`DynamicBDEW25Profile`). About 1.24 in January, 0.79 in early July, 1.22 on 31 December.
pub fn dynamisation_factor(day_of_year: u32) -> f64 {
    let t = f64::from(day_of_year);
    -3.92e-10 * t.powi(4) + 3.2e-7 * t.powi(3) - 7.02e-5 * t.powi(2) + 0.0021 * t + 1.24
}

/// Energy per interval (kWh) of a consumer of `annual_kwh` per year following `profile`,
/// on `axis`, read in local time of `tz`, with `holidays` taking the Sunday profile.
///
/// The axis step must be a whole number of quarter-hours (15, 30, 60 min, …); each interval
/// sums the table values of the quarter-hours it covers. Each quarter-hour is looked up by
/// its local time in `tz`: local month, [`day_type`] of the local date, quarter-hour of the
/// local day, and (H25) the [`dynamisation_factor`] of the local day of year; the sum is
/// scaled by `annual_kwh / 1e6`. Daylight saving: see the crate documentation (92 and 100
/// quarter-hours on the change days; the repeated autumn hour takes the table's values twice).
///
/// # Errors
/// [`ProfileError::UnsupportedStep`] when the step is not a multiple of 15 minutes;
/// [`ProfileError::BadAnnualEnergy`] when `annual_kwh` is negative or not finite;
/// [`ProfileError::LocalTimeOffGrid`] when a local time in `tz` is not on a quarter-hour;
/// [`ProfileError::OutOfRange`] for instants chrono cannot represent.
pub fn profile_energy(
    profile: StandardProfile,
    axis: &Axis,
    tz: Tz,
    annual_kwh: f64,
    holidays: &dyn HolidayCalendar,
) -> Result<Series, ProfileError> {
    if !annual_kwh.is_finite() || annual_kwh < 0.0 {
        return Err(ProfileError::BadAnnualEnergy { annual_kwh });
    }
    let step = axis.step();
    if !step.minutes().is_multiple_of(15) {
        return Err(ProfileError::UnsupportedStep { step });
    }
    let per_interval = i64::from(step.minutes() / 15);
    let table = profile.table()?;
    let scale = annual_kwh / 1e6;

    // The local date changes at most every 92 quarter-hours: cache its day type and factor.
    let mut day: Option<(NaiveDate, DayType, f64)> = None;
    let mut values = Vec::with_capacity(axis.len());
    let mut qh_index: i64 = 0;
    for _ in 0..axis.len() {
        let mut kwh = 0.0;
        for _ in 0..per_interval {
            let at = quarter_hour_start(axis.start(), qh_index)?;
            qh_index += 1;
            let local = at.with_timezone(&tz);
            if local.minute() % 15 != 0 || local.second() != 0 {
                return Err(ProfileError::LocalTimeOffGrid { at, tz });
            }
            let date = local.date_naive();
            let (dtype, factor) = match day {
                Some((d, t, f)) if d == date => (t, f),
                _ => {
                    let t = day_type(date, holidays);
                    let f = profile.day_factor(date);
                    day = Some((date, t, f));
                    (t, f)
                }
            };
            let qh = (local.hour() * 4 + local.minute() / 15) as usize;
            let value = table
                .get(date.month0() as usize, dtype, qh)
                .ok_or(ProfileError::LocalTimeOffGrid { at, tz })?;
            kwh += value * factor;
        }
        values.push(kwh * scale);
    }
    Ok(Series::new(*axis, Quantity::EnergyKwh, values)?)
}

fn quarter_hour_start(start: DateTime<Utc>, index: i64) -> Result<DateTime<Utc>, ProfileError> {
    index
        .checked_mul(15)
        .and_then(Duration::try_minutes)
        .and_then(|d| start.checked_add_signed(d))
        .ok_or(ProfileError::OutOfRange)
}

#[cfg(test)]
mod tests;

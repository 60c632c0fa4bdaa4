//! Typed errors of the evaluation crate: bad input is reported, never fitted silently.

use chrono::{DateTime, Utc};
use quartier_timeseries::{Quantity, TimeError};

use crate::SufficiencyReport;

/// Everything that can go wrong when fitting a baseline or computing savings.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A series carries the wrong quantity (for example power where energy is expected).
    #[error("{what}: expected a series of {expected:?}, found {found:?}")]
    WrongQuantity {
        /// Which input.
        what: &'static str,
        /// The quantity expected.
        expected: Quantity,
        /// The quantity given.
        found: Quantity,
    },
    /// A period is empty or reversed.
    #[error("period is empty: start {start} is not before end {end}")]
    EmptyPeriod {
        /// Start (UTC).
        start: DateTime<Utc>,
        /// End (UTC).
        end: DateTime<Utc>,
    },
    /// The reporting period starts before the baseline period ends.
    #[error(
        "the reporting period (from {reporting_start}) starts before the baseline period ends ({baseline_end})"
    )]
    ReportingBeforeBaseline {
        /// End of the baseline period.
        baseline_end: DateTime<Utc>,
        /// Start of the reporting period.
        reporting_start: DateTime<Utc>,
    },
    /// The meter or the temperature series does not overlap the period at all.
    #[error("{what} has no value in the period {start} – {end}")]
    NoOverlap {
        /// Which input.
        what: &'static str,
        /// Period start.
        start: DateTime<Utc>,
        /// Period end.
        end: DateTime<Utc>,
    },
    /// The baseline data fails the CalTRACK sufficiency criteria (the report says why).
    #[error("baseline data are insufficient: {}", .0.summary())]
    InsufficientData(Box<SufficiencyReport>),
    /// Temperatures outside −60…60 °C.
    #[error(
        "{count} temperature values lie outside -60…60 °C (first {value} at {at}); check the unit and the source"
    )]
    ImplausibleTemperature {
        /// How many values are out of range.
        count: usize,
        /// The first offending value.
        value: f64,
        /// Its instant.
        at: DateTime<Utc>,
    },
    /// Temperatures that look like degrees Fahrenheit given as Celsius.
    #[error(
        "temperatures look like °F given as °C (median {median:.1}, max {max:.1}): if they are \
         °F, set unit = \"F\" in the experiment file's [temperature]"
    )]
    LooksFahrenheit {
        /// Median of the values.
        median: f64,
        /// Maximum of the values.
        max: f64,
    },
    /// Temperatures declared in degrees Fahrenheit that look like degrees Celsius.
    #[error(
        "temperatures declared as °F look like °C (median {median_f:.1} °F, which is {:.1} °C): \
         if they are °C, set unit = \"C\" in the experiment file's [temperature]",
        (median_f - 32.0) / 1.8
    )]
    LooksCelsius {
        /// Median of the values as given (°F).
        median_f: f64,
    },
    /// No candidate model qualified (all disqualified by sign or significance).
    #[error("no candidate model qualified ({tried} candidates tried)")]
    NoQualifiedModel {
        /// Number of candidates fitted or considered.
        tried: usize,
    },
    /// The hourly model needs data at an hourly step or finer that divides an hour.
    #[error("the hourly model needs data at a step that divides one hour, found {minutes} min")]
    NeedsHourlyData {
        /// The step given.
        minutes: u32,
    },
    /// A period bound is not on a whole hour (hourly model) .
    #[error("period bound {at} is not on a whole hour")]
    PeriodNotOnHour {
        /// The offending bound.
        at: DateTime<Utc>,
    },
    /// A configuration value is out of its domain.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// An error of the time axis.
    #[error(transparent)]
    Time(#[from] TimeError),
}

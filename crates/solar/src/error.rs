//! The one error type of the solar crate: bad parameters, bad weather input, or an instant
//! the solar-position algorithm cannot handle. Every variant says which value is wrong.

use chrono::{DateTime, Utc};
use quartier_timeseries::TimeError;

/// What can go wrong when computing sun positions or PV output.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SolarError {
    /// A PV system parameter outside its valid range.
    #[error("invalid PV parameter {field} = {value} (expected {expected})")]
    InvalidSpec {
        /// The field of [`crate::PvSpec`] (or of the chain options).
        field: &'static str,
        /// The rejected value.
        value: f64,
        /// The valid range, in words.
        expected: &'static str,
    },
    /// A site coordinate outside its valid range.
    #[error("invalid location {field} = {value} (expected {expected})")]
    InvalidLocation {
        /// The field of [`crate::Location`].
        field: &'static str,
        /// The rejected value.
        value: f64,
        /// The valid range, in words.
        expected: &'static str,
    },
    /// Weather series of inconsistent lengths.
    #[error("weather: {0}")]
    Weather(#[from] TimeError),
    /// A weather value that is not a finite number.
    #[error("weather field {field} at step {index} ({at}) is {value}, expected a finite number")]
    NonFiniteWeather {
        /// Weather field name.
        field: &'static str,
        /// Index on the axis.
        index: usize,
        /// Start of that interval.
        at: DateTime<Utc>,
        /// The value.
        value: f64,
    },
    /// The solar-position algorithm rejected an instant (for example outside Grena3's
    /// 2010–2110 range).
    #[error("solar position at {at}: {message}")]
    SolarPosition {
        /// The instant.
        at: DateTime<Utc>,
        /// The algorithm's message.
        message: String,
    },
    /// Input slices of different lengths.
    #[error("{name} has {len} values, expected {expected}")]
    LengthMismatch {
        /// Which input.
        name: &'static str,
        /// Its length.
        len: usize,
        /// The expected length.
        expected: usize,
    },
}

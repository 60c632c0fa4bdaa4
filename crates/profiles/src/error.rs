//! Errors of the profiles crate: what can be wrong with a request for a profile series.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use quartier_timeseries::{Step, TimeError};

/// Why a standard load profile could not be produced.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProfileError {
    /// A profile name that is not one of the embedded profiles.
    #[error("unknown standard load profile {name:?} (expected H25 or G25)")]
    UnknownProfile {
        /// The rejected name.
        name: String,
    },
    /// An axis step that is not a whole number of quarter-hours.
    #[error(
        "standard load profiles are given per quarter-hour: the axis step of {step} is not a \
         multiple of 15 min (expected 15, 30 or 60 minutes)"
    )]
    UnsupportedStep {
        /// The axis step.
        step: Step,
    },
    /// A negative, infinite or NaN annual energy.
    #[error("annual energy {annual_kwh} kWh is not a finite non-negative number")]
    BadAnnualEnergy {
        /// The rejected value.
        annual_kwh: f64,
    },
    /// An interval whose local time in the zone is not on a quarter-hour (a zone or era with
    /// an offset that is not a whole number of quarter-hours, like Paris before 1911).
    #[error(
        "{at} is not on a local quarter-hour in {tz}: its UTC offset is not a whole number of quarter-hours"
    )]
    LocalTimeOffGrid {
        /// The instant.
        at: DateTime<Utc>,
        /// The zone.
        tz: Tz,
    },
    /// An instant beyond the range chrono can represent.
    #[error("the axis reaches beyond the representable date range")]
    OutOfRange,
    /// An embedded table failed to parse (prevented by the crate's tests).
    #[error("embedded profile table {file}, line {line}: {message}")]
    EmbeddedTable {
        /// The embedded file.
        file: &'static str,
        /// 1-based line, 0 for the file as a whole.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The series could not be built on the axis.
    #[error(transparent)]
    Time(#[from] TimeError),
}

//! Errors of the time-series crate: axis arithmetic errors ([`TimeError`]) and read
//! diagnostics that say where a problem is ([`ReadError`]: file, line, field, timestamp)
//! and what was expected.

use std::fmt;
use std::path::PathBuf;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::{Quantity, Step};

/// Errors of axis and series arithmetic.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TimeError {
    /// A step that does not divide a day.
    #[error("step of {minutes} min does not divide a day (expected 15, 30 or 60 minutes)")]
    BadStep {
        /// The rejected step.
        minutes: u32,
    },
    /// An instant not on the step grid.
    #[error("{at} is not aligned on the {step} grid")]
    Misaligned {
        /// The instant.
        at: DateTime<Utc>,
        /// The step.
        step: Step,
    },
    /// An empty or reversed range.
    #[error("empty time range: end {end} is not after start {start}")]
    EmptyRange {
        /// Start.
        start: DateTime<Utc>,
        /// End.
        end: DateTime<Utc>,
    },
    /// A local time that does not exist (skipped by a DST change).
    #[error("local time {local} does not exist in {tz} (skipped by a daylight-saving change)")]
    NonexistentLocal {
        /// The local time.
        local: NaiveDateTime,
        /// The zone.
        tz: Tz,
    },
    /// Values and axis of different lengths.
    #[error("{values_len} values for an axis of {axis_len} steps")]
    LengthMismatch {
        /// Axis length.
        axis_len: usize,
        /// Number of values.
        values_len: usize,
    },
    /// A conversion between quantities that has no meaning.
    #[error("cannot convert {from:?} to {to:?}")]
    Incompatible {
        /// From.
        from: Quantity,
        /// To.
        to: Quantity,
    },
    /// A series that does not cover the requested range.
    #[error(
        "series covers {have_start} .. {have_end}, which does not cover {want_start} .. {want_end}"
    )]
    NotCovered {
        /// Series start.
        have_start: DateTime<Utc>,
        /// Series end.
        have_end: DateTime<Utc>,
        /// Wanted start.
        want_start: DateTime<Utc>,
        /// Wanted end.
        want_end: DateTime<Utc>,
    },
    /// Resampling between steps that are not multiples of each other.
    #[error("cannot resample from {from} to {to}: one step must be a multiple of the other")]
    Resample {
        /// From step.
        from: Step,
        /// To step.
        to: Step,
    },
    /// A typical-year mapping onto a target axis whose step does not divide the source step.
    #[error(
        "cannot map a typical year of step {source_step} onto an axis of step {target_step}: the target step must divide the source step"
    )]
    TypicalStep {
        /// Step of the typical-year data.
        source_step: Step,
        /// Step of the target axis.
        target_step: Step,
    },
    /// A target interval whose (month, day, time of day) is absent from the typical year.
    #[error(
        "the typical year has no value for {month:02}-{day:02} {minute_of_day} min after midnight UTC"
    )]
    MissingTypicalTime {
        /// Month (1..12).
        month: u32,
        /// Day of month.
        day: u32,
        /// Minutes after midnight UTC of the interval start.
        minute_of_day: u32,
    },
}

/// A problem found while reading a file, with its location.
///
/// Displays as `FILE:LINE: field: message (expected …) [at TIMESTAMP]`, omitting the parts
/// that are unknown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReadError {
    /// The file, when reading from a file.
    pub file: Option<PathBuf>,
    /// 1-based line number.
    pub line: Option<u64>,
    /// Column or field name.
    pub field: Option<String>,
    /// Timestamp of the row, as written in the file or as a UTC instant.
    pub timestamp: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What was expected, when that helps.
    pub expected: Option<String>,
    /// The message in French, for a reader who reads French (the readers of meter curves
    /// say each of their findings in both languages; `None` elsewhere).
    pub message_fr: Option<String>,
    /// What was expected, in French.
    pub expected_fr: Option<String>,
}

/// A finding said in English and in French.
#[derive(Debug, Clone, PartialEq)]
pub struct Said {
    /// In English.
    pub en: String,
    /// In French, when it was written.
    pub fr: Option<String>,
}

/// A finding in both languages.
pub fn said(en: impl Into<String>, fr: impl Into<String>) -> Said {
    Said {
        en: en.into(),
        fr: Some(fr.into()),
    }
}

impl From<String> for Said {
    fn from(en: String) -> Said {
        Said { en, fr: None }
    }
}

impl From<&str> for Said {
    fn from(en: &str) -> Said {
        Said::from(en.to_string())
    }
}

impl ReadError {
    /// A diagnostic said in English and in French.
    pub fn said(message: Said) -> ReadError {
        ReadError {
            message: message.en,
            message_fr: message.fr,
            ..ReadError::default()
        }
    }

    /// Sets what was expected, in both languages.
    pub fn expected_said(mut self, expected: Said) -> ReadError {
        self.expected = Some(expected.en);
        self.expected_fr = expected.fr;
        self
    }

    /// A diagnostic with a message only; add location with the builder methods.
    pub fn new(message: impl Into<String>) -> ReadError {
        ReadError {
            message: message.into(),
            ..ReadError::default()
        }
    }

    /// Sets the file.
    pub fn file(mut self, file: impl Into<PathBuf>) -> ReadError {
        self.file = Some(file.into());
        self
    }

    /// Sets the line (1-based).
    pub fn line(mut self, line: u64) -> ReadError {
        self.line = Some(line);
        self
    }

    /// Sets the field.
    pub fn field(mut self, field: impl Into<String>) -> ReadError {
        self.field = Some(field.into());
        self
    }

    /// Sets the timestamp.
    pub fn timestamp(mut self, ts: impl Into<String>) -> ReadError {
        self.timestamp = Some(ts.into());
        self
    }

    /// Sets what was expected.
    pub fn expected(mut self, expected: impl Into<String>) -> ReadError {
        self.expected = Some(expected.into());
        self
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(p), Some(l)) => write!(f, "{}:{}: ", p.display(), l)?,
            (Some(p), None) => write!(f, "{}: ", p.display())?,
            (None, Some(l)) => write!(f, "line {}: ", l)?,
            (None, None) => {}
        }
        if let Some(field) = &self.field {
            write!(f, "{}: ", field)?;
        }
        f.write_str(&self.message)?;
        if let Some(e) = &self.expected {
            write!(f, " (expected {})", e)?;
        }
        if let Some(t) = &self.timestamp {
            write!(f, " [at {}]", t)?;
        }
        Ok(())
    }
}

impl std::error::Error for ReadError {}

/// All the problems found in one file (readers report every problem they can, not just the first).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", self.render())]
pub struct ReadErrors(pub Vec<ReadError>);

impl ReadErrors {
    fn render(&self) -> String {
        self.0
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl From<ReadError> for ReadErrors {
    fn from(e: ReadError) -> Self {
        ReadErrors(vec![e])
    }
}

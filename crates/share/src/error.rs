//! Errors of the allocation engine ([`ShareError`]) and the step locator they carry
//! ([`StepTime`]: index, UTC instant and Europe/Paris local time of a step).
//!
//! Every error on input data names the member (or key entry) and, when it concerns values,
//! the step, so that the layer above (CLI, server) can add the file and line it read.

use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use quartier_timeseries::{Axis, Quantity};

use crate::MemberId;

/// A step of the community's axis: its index, its start in UTC and in Europe/Paris time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepTime {
    /// Index of the step on the axis.
    pub index: usize,
    /// Start of the step, UTC.
    pub utc: DateTime<Utc>,
    /// Start of the step in Europe/Paris local time (for messages only).
    pub local: DateTime<Tz>,
}

impl StepTime {
    /// The locator of step `index` of `axis`.
    pub fn of(axis: &Axis, index: usize) -> StepTime {
        let utc = axis.time(index);
        StepTime {
            index,
            utc,
            local: utc.with_timezone(&chrono_tz::Europe::Paris),
        }
    }
}

impl fmt::Display for StepTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "step {} ({} UTC, {} Europe/Paris)",
            self.index,
            self.utc.format("%Y-%m-%dT%H:%M:%SZ"),
            self.local.format("%Y-%m-%d %H:%M %:z")
        )
    }
}

/// Everything that can go wrong building a community, resolving a key or allocating.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShareError {
    /// A member identifier that is empty or contains whitespace or control characters.
    #[error(
        "invalid member id {id:?}: expected a 14-digit PRM or another non-empty id without spaces"
    )]
    BadId {
        /// The rejected identifier.
        id: String,
    },
    /// Two members declared with the same identifier.
    #[error("member {id} is declared twice")]
    DuplicateId {
        /// The repeated identifier.
        id: MemberId,
    },
    /// An identifier used in a key (or given a curve) that is not a member of the right role.
    #[error("{context}: unknown member {id} (not a {expected} of the community)")]
    UnknownMember {
        /// The identifier.
        id: MemberId,
        /// Where it was used ("static key", "priority group 2", "custom key", "curve", …).
        context: String,
        /// The role it should have ("consumer", "producer", "member").
        expected: &'static str,
    },
    /// The same member listed twice in one key.
    #[error("{context}: member {id} appears more than once")]
    DuplicateInKey {
        /// The identifier.
        id: MemberId,
        /// Where.
        context: String,
    },
    /// A declared member without its curve(s).
    #[error("member {id} ({role}) has no curve")]
    MissingCurve {
        /// The member.
        id: MemberId,
        /// Its role.
        role: crate::Role,
    },
    /// A member given two curves, or a curve of the wrong kind for its role.
    #[error("member {id}: {message}")]
    WrongCurve {
        /// The member.
        id: MemberId,
        /// What is wrong.
        message: String,
    },
    /// A curve (or key) on another axis than the community's.
    #[error(
        "{what} of {id} is on another axis: {found_start}..{found_end} every {found_step} \
         ({found_len} steps), expected {expected_start}..{expected_end} every {expected_step} \
         ({expected_len} steps)"
    )]
    AxisMismatch {
        /// The member (or key) concerned.
        id: String,
        /// Which curve ("consumption", "charge", "custom key", …).
        what: &'static str,
        /// Expected start.
        expected_start: DateTime<Utc>,
        /// Expected end.
        expected_end: DateTime<Utc>,
        /// Expected step.
        expected_step: quartier_timeseries::Step,
        /// Expected number of steps.
        expected_len: usize,
        /// Found start.
        found_start: DateTime<Utc>,
        /// Found end.
        found_end: DateTime<Utc>,
        /// Found step.
        found_step: quartier_timeseries::Step,
        /// Found number of steps.
        found_len: usize,
    },
    /// A curve that is not energy per interval.
    #[error("{what} of {id} is {quantity:?} ({unit}); expected energy per interval in kWh")]
    NotEnergy {
        /// The member.
        id: MemberId,
        /// Which curve.
        what: &'static str,
        /// Its quantity.
        quantity: Quantity,
        /// Its unit.
        unit: &'static str,
    },
    /// A negative energy value.
    #[error("{what} of {id} is negative at {at}: {value_kwh} kWh")]
    Negative {
        /// The member.
        id: MemberId,
        /// Which curve.
        what: &'static str,
        /// Where.
        at: StepTime,
        /// The value.
        value_kwh: f64,
    },
    /// A NaN or infinite value.
    #[error("{what} of {id} is not a finite number at {at}")]
    NotFinite {
        /// The member.
        id: MemberId,
        /// Which curve.
        what: &'static str,
        /// Where.
        at: StepTime,
    },
    /// A key coefficient that is negative, not finite, or above 1 (100 %).
    #[error(
        "{context}: coefficient of {id} is {value}; expected a share between 0 and 1 (0 % to 100 %)"
    )]
    BadCoefficient {
        /// The member.
        id: MemberId,
        /// Where ("static key", "custom key at step …").
        context: String,
        /// The value (as a share, 1 = 100 %).
        value: f64,
    },
    /// A key of periods that cannot apply: periods out of order, none at the first step, a
    /// key that cannot be used for a period, a consumer present in a period without a
    /// coefficient, or any error of the period's key (named with the period).
    #[error("key period from {from}: {message}")]
    KeyPeriod {
        /// The period's first instant, Europe/Paris local time.
        from: String,
        /// What is wrong.
        message: String,
    },
    /// Static coefficients summing above 100 %.
    #[error("static key: coefficients sum to {sum_percent:.6} %, above 100 %")]
    StaticAbove100 {
        /// Their sum, in percent.
        sum_percent: f64,
    },
    /// Custom coefficients summing above 100 % at a step.
    #[error("custom key{}: coefficients sum to {sum_percent:.6} % at {at}, above 100 %",
        producer.as_ref().map(|p| format!(" (producer {p})")).unwrap_or_default())]
    CustomAbove100 {
        /// The step.
        at: StepTime,
        /// The producer, for a per-pair key.
        producer: Option<MemberId>,
        /// The sum, in percent.
        sum_percent: f64,
    },
    /// A malformed key (shape, lengths).
    #[error("{context}: {message}")]
    BadKey {
        /// Where.
        context: String,
        /// What is wrong.
        message: String,
    },
    /// An allocation that breaks an invariant (a bug: never expected on any input).
    #[error("internal error: allocation invariant broken at {at}: {message}")]
    Invariant {
        /// Where.
        at: StepTime,
        /// Which invariant.
        message: String,
    },
}

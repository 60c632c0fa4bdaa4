//! Errors of the simulation crate: [`SimError`] for inputs that cannot be simulated (wrong
//! lengths, axes, units, values or parameters), and [`BalanceError`] for flows that break a
//! physical law or a limit, naming the step (index and UTC instant), the quantity checked and
//! both sides of the failed relation.

use chrono::{DateTime, Utc};
use quartier_timeseries::{Axis, Quantity};

/// Inputs that cannot be simulated or accounted.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimError {
    /// A list holds a different number of items than the district has components.
    #[error("{what}: {found} given for {expected} in the district")]
    Count {
        /// What is counted (e.g. "load series").
        what: String,
        /// Number of components in the district.
        expected: usize,
        /// Number of items given.
        found: usize,
    },
    /// A series on another axis than the district's.
    #[error(
        "{what}: on axis {}, expected the district axis {}",
        describe(found),
        describe(expected)
    )]
    Axis {
        /// Which series.
        what: String,
        /// The district axis.
        expected: Axis,
        /// The series' axis.
        found: Axis,
    },
    /// A vector whose length is not the axis length.
    #[error("{what}: {found} values for an axis of {expected} steps")]
    Length {
        /// Which vector.
        what: String,
        /// Axis length.
        expected: usize,
        /// Its length.
        found: usize,
    },
    /// A series carrying another quantity than expected.
    #[error("{what}: carries {found:?} ({}), expected {expected:?} ({})", found.unit(), expected.unit())]
    Quantity {
        /// Which series.
        what: String,
        /// The quantity needed.
        expected: Quantity,
        /// The quantity found.
        found: Quantity,
    },
    /// A value that is not finite or out of its range.
    #[error("{what}: value {value} at step {step} ({time}), expected {expected}")]
    Value {
        /// Which series.
        what: String,
        /// Step index.
        step: usize,
        /// Start of the interval (UTC).
        time: DateTime<Utc>,
        /// The value.
        value: f64,
        /// What was expected.
        expected: &'static str,
    },
    /// A charging session that does not fit on the axis or has bad values.
    #[error("{what} session {index}: {message}")]
    Session {
        /// Which site or fleet.
        what: String,
        /// Index of the session in its list.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// A component or controller parameter out of its range.
    #[error("{component}: {attribute} = {value}, expected {expected}")]
    Parameter {
        /// The component (or "rule controller").
        component: String,
        /// The attribute.
        attribute: &'static str,
        /// The value.
        value: f64,
        /// The allowed range.
        expected: &'static str,
    },
    /// The PV model failed for a system.
    #[error("PV system '{system}': {source}")]
    Solar {
        /// The PV system.
        system: String,
        /// The solar crate's error.
        source: quartier_solar::SolarError,
    },
}

/// Flows that the accounting pass rejects.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BalanceError {
    /// The inputs themselves are inconsistent (see [`SimError`]).
    #[error("inputs: {0}")]
    Inputs(#[from] SimError),
    /// The flows do not have the shape of the inputs (number of components, lengths, names).
    #[error("flows: {what}: {found}, expected {expected}")]
    Shape {
        /// What differs.
        what: String,
        /// Expected count or length.
        expected: usize,
        /// Found.
        found: usize,
    },
    /// A component of the flows named differently from the district's component at the
    /// same position.
    #[error("flows: {what} #{index} is named '{found}', the district's is '{expected}'")]
    Name {
        /// The kind of component.
        what: &'static str,
        /// Its position.
        index: usize,
        /// The district's name.
        expected: String,
        /// The name in the flows.
        found: String,
    },
    /// A relation that fails at one step.
    #[error(
        "step {step} ({time}): {quantity}: {left} {unit} {relation} {right} {unit} does not hold \
         (difference {})",
        left - right
    )]
    Step {
        /// Step index.
        step: usize,
        /// Start of the interval (UTC).
        time: DateTime<Utc>,
        /// The quantity checked, e.g. "electricity balance (supply = demand)" or
        /// "battery 'b1' SoC recursion".
        quantity: String,
        /// Left-hand side.
        left: f64,
        /// The relation that should hold: "=", "≤" or "≥".
        relation: &'static str,
        /// Right-hand side.
        right: f64,
        /// Unit of both sides.
        unit: &'static str,
    },
}

fn describe(axis: &Axis) -> String {
    format!("{} + {} × {}", axis.start(), axis.len(), axis.step())
}

//! Sun position, plane-of-array transposition, cell temperature and PV DC/AC power.
//!
//! Pure functions over arrays of instants and weather values; this crate knows nothing of
//! files or districts.
#![deny(missing_docs)]

mod spec;
pub use spec::{CellTemperature, Location, PvSpec, Transposition};

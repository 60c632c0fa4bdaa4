//! Time axis, unit-carrying series, readers for meter and weather files, and resampling.
//!
//! Everything in Quartier is aligned on one [`Axis`] (UTC start, fixed [`Step`], length).
//! Readers turn files (generic CSV, Enedis load curves, PVGIS, EPW) into [`Series`] or
//! [`Weather`] and report every problem with its file, line, field and timestamp
//! ([`ReadError`]). This crate knows nothing of districts, TOML, SQL or HTTP.
#![deny(missing_docs)]

mod axis;
mod error;
mod series;

pub use axis::{Axis, Step, local_day_len, local_midnight};
pub use error::{ReadError, ReadErrors, TimeError};
pub use series::{Quantity, Series};
mod weather;
pub use weather::Weather;

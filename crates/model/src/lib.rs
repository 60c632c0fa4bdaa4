//! The district model: the component attribute table (declared once, as data), the district
//! file (TOML) parsed into a validated [`District`] with diagnostics that carry file, line and
//! column, schema rendering, and loading of referenced data onto the district's axis.
//!
//! This crate knows nothing of solvers, SQL or HTTP.
#![deny(missing_docs)]

mod district;
pub use district::*;
mod data;
pub use data::{DistrictData, EvSession};

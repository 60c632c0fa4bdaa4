//! Time axis, unit-carrying series, readers for meter and weather files, and resampling.
//!
//! Everything in Quartier is aligned on one [`Axis`] (UTC start, fixed [`Step`], length).
//! Readers turn files (generic CSV, Enedis load curves, PVGIS, EPW, weather CSV, EV sessions,
//! energy invoices) into
//! [`Series`], [`Weather`] or records and report every problem with its file, line, field and
//! timestamp ([`ReadError`]). Each reader has a `parse_*(text, source, …)` form working on text
//! (used by the fuzz targets) and a `read_*(path, …)` form that reads a file of at most
//! 512 MiB. Interval `i` is always labelled by its start, in UTC.
//! This crate knows nothing of districts, TOML, SQL or HTTP.
#![deny(missing_docs)]

mod axis;
pub mod csv_generic;
pub mod enedis;
pub mod enedis_acc;
pub mod epw;
mod error;
mod fast;
pub mod invoices;
pub mod pvgis;
pub mod reader;
pub mod resample;
mod series;
pub mod sessions;
pub mod typical_year;
mod weather;
pub mod weather_csv;

pub use axis::{Axis, Step, local_day_len, local_midnight};
pub use csv_generic::{CsvOptions, parse_csv, read_csv};
pub use enedis::{EnedisMeta, parse_enedis, read_enedis};
pub use enedis_acc::{
    AccCurve, AccOfficial, AccQuantity, AccTotal, read_acc_official, read_acc_official_bytes,
};
pub use epw::{parse_epw, read_epw};
pub use error::{ReadError, ReadErrors, Said, TimeError, said};
pub use invoices::{
    Invoice, InvoiceOptions, InvoiceRecord, PeriodEnd, parse_invoices, read_invoices,
};
pub use pvgis::{
    parse_pvgis, parse_pvgis_hourly_csv, parse_pvgis_hourly_json, parse_pvgis_tmy_csv,
    parse_pvgis_tmy_json, read_pvgis,
};
pub use reader::{FillPolicy, IntervalLabel, MAX_FILE_BYTES};
pub use resample::resample;
pub use series::{Quantity, Series};
pub use sessions::{SessionOptions, SessionRecord, SessionsRead, parse_sessions, read_sessions};
pub use weather::{TYPICAL_REFERENCE_LEAP_YEAR, TYPICAL_REFERENCE_YEAR, Weather, WeatherMeta};

//! Sun position, plane-of-array transposition, cell temperature and PV DC/AC power.
//!
//! Pure functions over arrays of instants and weather values; this crate knows nothing of
//! files or districts. The chain reproduces pvlib's PVWatts `ModelChain` (see
//! `tools/pvlib_compare.py` and `tools/results/pvlib_compare.md` for the measured
//! agreement). Entry point: [`pv_ac_energy`]; diagnostics: [`pv_chain`].
//!
//! - [`position`]: NREL SPA / Grena3 sun positions, extraterrestrial DNI, air mass.
//! - [`irradiance`]: angle of incidence, POA beam, isotropic / Hay–Davies / Perez sky
//!   diffuse, ground-reflected, ASHRAE IAM.
//! - [`temperature`]: Faiman and SAPM cell temperature.
//! - [`power`]: PVWatts DC and inverter.
//! - [`subhourly`]: hourly weather on a finer step through the clear-sky index.
//!
//! ```
//! use quartier_solar::{Location, PvSpec, pv_ac_energy};
//! use quartier_timeseries::{Axis, Step, Weather};
//! use chrono::{TimeZone, Utc};
//!
//! let axis = Axis::new(Utc.with_ymd_and_hms(2025, 6, 21, 0, 0, 0).unwrap(), Step::MIN60, 24).unwrap();
//! let clear = |h: usize| if (5..19).contains(&h) { 1.0 } else { 0.0 };
//! let weather = Weather {
//!     axis,
//!     ghi_w_m2: (0..24).map(|h| 800.0 * clear(h)).collect(),
//!     dni_w_m2: (0..24).map(|h| 700.0 * clear(h)).collect(),
//!     dhi_w_m2: (0..24).map(|h| 120.0 * clear(h)).collect(),
//!     temp_air_c: vec![20.0; 24],
//!     wind_speed_m_s: vec![2.0; 24],
//!     sample_offset_minutes: 30.0,
//! };
//! let paris = Location { latitude_deg: 48.85, longitude_deg: 2.35, altitude_m: 35.0 };
//! let energy = pv_ac_energy(&weather, &paris, &PvSpec::pvwatts(10.0, 30.0, 180.0)).unwrap();
//! assert!(energy.sum() > 0.0 && energy.values().iter().all(|&e| e >= 0.0));
//! ```
#![deny(missing_docs)]

mod chain;
mod error;
pub mod irradiance;
pub mod position;
pub mod power;
mod spec;
pub mod subhourly;
pub mod temperature;

pub use chain::{ChainOptions, PvChain, SunTrack, pv_ac_energy, pv_ac_energy_with_sun, pv_chain};
pub use error::SolarError;
pub use irradiance::{Iam, Plane};
pub use position::{
    PositionAlgorithm, SunCalculator, SunPosition, SunPositions, absolute_airmass,
    extraterrestrial_dni_w_m2, pressure_from_altitude_pa, relative_airmass_kasten_young,
    solar_positions,
};
pub use spec::{CellTemperature, Location, PvSpec, Transposition};
pub use subhourly::{haurwitz_ghi_w_m2, refine_weather, taken_at};

//! Standard load profiles (BDEW H25 households, G25 commerce) embedded and scaled to an
//! annual energy, on any Quartier [`Axis`](quartier_timeseries::Axis) whose step is a whole
//! number of quarter-hours.
//!
//! ```
//! use chrono::NaiveDate;
//! use quartier_profiles::{profile_energy, FrenchHolidays, StandardProfile};
//! use quartier_timeseries::{Axis, Step};
//!
//! let tz = chrono_tz::Europe::Paris;
//! let day = NaiveDate::from_ymd_opt(2025, 3, 4).unwrap();
//! let axis = Axis::local_days(day, day, tz, Step::MIN60).unwrap();
//! let h25 = StandardProfile::from_name("H25").unwrap();
//! let kwh = profile_energy(h25, &axis, tz, 3_500.0, &FrenchHolidays).unwrap();
//! assert_eq!(kwh.values().len(), 24);
//! assert!(kwh.sum() > 5.0 && kwh.sum() < 15.0); // about 3,500 / 365 kWh on a March day
//! ```
//!
//! # The data and what it means
//!
//! The two tables are the BDEW 2025 profiles as shipped by demandlib 0.2.2 (MIT; see
//! `data/README.md`): for each of 12 months × 3 day types (`SA` Saturday, `FT` Sunday or
//! public holiday, `WT` weekday) × 96 local quarter-hours, the energy in kWh drawn in that
//! quarter-hour by a consumer of 1,000,000 kWh/yr.
//!
//! **H25 is not pre-dynamised; G25 is static.** The monthly columns replace the three
//! seasons of the 1999 profiles, but the H25 tables alone are almost flat over the year (a
//! January weekday sums to 2,476 kWh, a July weekday to 2,915 kWh per 1,000,000 kWh/yr):
//! the winter peak of household demand comes from the same fourth-degree dynamisation
//! polynomial as for the old H0, applied per day of year ([`dynamisation_factor`]: 1.24 on
//! 1 January, about 0.79 in early July). demandlib 0.2.2 does exactly that: its `H25`,
//! `P25` and `S25` classes derive from `DynamicBDEW25Profile`, which multiplies the table
//! value by `-3.92e-10·t⁴ + 3.2e-7·t³ - 7.02e-5·t² + 0.0021·t + 1.24` (t = day of year,
//! unrounded), while `G25` and `L25` derive from the static `BDEW25Profile`. This crate
//! follows demandlib (same coefficients, no rounding of the factor). Holidays take the
//! `FT` column, as in demandlib (which only knows the holidays it is given). The BDEW's
//! German settlement rule that 24 and 31 December take the Saturday profile is not applied.
//!
//! # Local time and daylight saving
//!
//! The tables are in local wall-clock time. [`profile_energy`] looks up each quarter-hour of
//! the (UTC) axis by its local time in the given zone: local month, local day type and local
//! quarter-hour of day. On the spring-forward day (last Sunday of March in Paris) local
//! 02:00–03:00 does not exist, so the day has 92 quarter-hours and the table's four values
//! for 02:00–03:00 are not used; on the autumn day (last Sunday of October) local 02:00–03:00
//! occurs twice and both occurrences take the table's 02:00–03:00 values, giving 100
//! quarter-hours. This is what demandlib does with a zone-aware index.
//!
//! # Scaling
//!
//! Values are multiplied by `annual_kwh / 1e6`. A full calendar year then sums to
//! `annual_kwh` within a fraction of a percent, not exactly: the tables are normalised over
//! the BDEW's reference year with German holidays, and a given year differs by its number of
//! Saturdays, Sundays and holidays, by the DST days, and (H25) by the dynamisation factor
//! over that year's days. For 2025 with French holidays H25 gives 0.99952 × `annual_kwh`
//! and G25 1.00147 × `annual_kwh` (see the test `calendar_year_sums_to_annual_energy`).
//!
//! **Architecture invariant:** this crate knows nothing of districts, files or TOML; it
//! turns (profile, axis, zone, annual energy, holiday calendar) into an energy series.
#![deny(missing_docs)]

mod error;
mod holidays;
mod profile;
mod table;

pub use error::ProfileError;
pub use holidays::{FrenchHolidays, HolidayCalendar, NoHolidays, easter_sunday};
pub use profile::{DayType, StandardProfile, day_type, dynamisation_factor, profile_energy};

//! Where the sun is: NREL SPA (or Grena3) positions through the `solar-positioning` crate,
//! extraterrestrial normal irradiance and air mass.
//!
//! Conventions (the same as pvlib): azimuth in degrees clockwise from north (180 = south),
//! zenith in degrees from the vertical; the *apparent* zenith includes atmospheric refraction
//! and is what transposition and air mass use.

use chrono::{DateTime, Datelike, Utc};
use solar_positioning::{RefractionCorrection, SolarPositions as Calculator};

use crate::{Location, SolarError};

/// Air temperature used for the refraction correction, °C (pvlib's `get_solarposition`
/// default, 12 °C; refraction depends on it only weakly).
pub const REFRACTION_TEMPERATURE_C: f64 = 12.0;

/// Solar constant used for the extraterrestrial irradiance, W/m² (pvlib
/// `irradiance.get_extra_radiation` default, 1366.1).
pub const SOLAR_CONSTANT_W_M2: f64 = 1366.1;

/// Which solar-position algorithm to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PositionAlgorithm {
    /// NREL Solar Position Algorithm (Reda & Andreas 2003, ±0.0003°, years −2000..6000);
    /// pvlib `solarposition.spa_python` / `get_solarposition(method='nrel_numpy')`.
    #[default]
    Spa,
    /// Grena 2012 algorithm 3 (±0.01°, years 2010..2110; cheaper than SPA), evaluated at sea
    /// level (the `solar-positioning` crate requires height 0 for it).
    Grena3,
}

/// The sun's position at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SunPosition {
    /// Zenith angle with refraction, degrees.
    pub apparent_zenith_deg: f64,
    /// Geometric (topocentric, unrefracted) zenith angle, degrees.
    pub zenith_deg: f64,
    /// Azimuth clockwise from north, degrees.
    pub azimuth_deg: f64,
}

impl SunPosition {
    /// Apparent elevation above the horizon, degrees.
    pub fn apparent_elevation_deg(&self) -> f64 {
        90.0 - self.apparent_zenith_deg
    }
}

/// Sun positions for a list of instants, as parallel arrays.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SunPositions {
    /// Zenith angle with refraction, degrees.
    pub apparent_zenith_deg: Vec<f64>,
    /// Geometric zenith angle, degrees.
    pub zenith_deg: Vec<f64>,
    /// Azimuth clockwise from north, degrees.
    pub azimuth_deg: Vec<f64>,
}

/// A solar-position calculator for one site, prepared once and reused for many instants.
///
/// Refraction uses the site pressure from [`pressure_from_altitude_pa`] and
/// [`REFRACTION_TEMPERATURE_C`], like pvlib's `Location.get_solarposition`. ΔT (TT − UT1)
/// is estimated per instant with Espenak & Meeus' polynomials
/// (`solar_positioning::delta_t`), like pvlib's `delta_t=None` (`spa.calculate_deltat`).
#[derive(Debug, Clone, Copy)]
pub struct SunCalculator {
    calculator: Calculator,
    location: solar_positioning::Location,
    height_m: f64,
    refraction: RefractionCorrection,
}

impl SunCalculator {
    /// A calculator for `location` with `algorithm`; fails on out-of-range coordinates.
    pub fn new(location: &Location, algorithm: PositionAlgorithm) -> Result<Self, SolarError> {
        location.validate()?;
        let pressure_hpa = pressure_from_altitude_pa(location.altitude_m) / 100.0;
        let refraction = RefractionCorrection::new(pressure_hpa, REFRACTION_TEMPERATURE_C)
            .map_err(|_| SolarError::InvalidLocation {
                field: "altitude_m",
                value: location.altitude_m,
                expected: "an altitude whose standard pressure is between 0 and 2000 hPa",
            })?;
        let (calculator, height_m) = match algorithm {
            PositionAlgorithm::Spa => (Calculator::new(), location.altitude_m),
            PositionAlgorithm::Grena3 => (Calculator::grena3(), 0.0),
        };
        Ok(SunCalculator {
            calculator,
            location: solar_positioning::Location {
                latitude: location.latitude_deg,
                longitude: location.longitude_deg,
            },
            height_m,
            refraction,
        })
    }

    /// Apparent zenith and azimuth at `t` (UTC), degrees: [`SunCalculator::at`] without the
    /// geometric zenith (one position evaluation instead of two; what the PV chain needs).
    pub fn apparent_at(&self, t: DateTime<Utc>) -> Result<(f64, f64), SolarError> {
        let err = |e: solar_positioning::Error| SolarError::SolarPosition {
            at: t,
            message: e.to_string(),
        };
        let delta_t = solar_positioning::delta_t::estimate_from_date_like(&t).map_err(err)?;
        let p = self
            .calculator
            .at(
                &t,
                self.location,
                self.height_m,
                delta_t,
                Some(self.refraction),
            )
            .map_err(err)?;
        Ok((p.zenith_angle(), p.azimuth()))
    }

    /// The sun's position at `t` (UTC).
    pub fn at(&self, t: DateTime<Utc>) -> Result<SunPosition, SolarError> {
        let err = |e: solar_positioning::Error| SolarError::SolarPosition {
            at: t,
            message: e.to_string(),
        };
        let delta_t = solar_positioning::delta_t::estimate_from_date_like(&t).map_err(err)?;
        let prepared = self.calculator.for_time(&t, delta_t).map_err(err)?;
        let apparent = prepared
            .at(self.location, self.height_m, Some(self.refraction))
            .map_err(err)?;
        let geometric = prepared
            .at(self.location, self.height_m, None)
            .map_err(err)?;
        Ok(SunPosition {
            apparent_zenith_deg: apparent.zenith_angle(),
            zenith_deg: geometric.zenith_angle(),
            azimuth_deg: apparent.azimuth(),
        })
    }
}

/// Sun positions at each of `times` (UTC) for `location`, with NREL SPA or Grena3 accuracy.
///
/// Reference: Reda & Andreas (2003), *Solar position algorithm for solar radiation
/// applications*, Solar Energy 76(5); pvlib `solarposition.get_solarposition`.
pub fn solar_positions(
    times: &[DateTime<Utc>],
    location: &Location,
    algorithm: PositionAlgorithm,
) -> Result<SunPositions, SolarError> {
    let calc = SunCalculator::new(location, algorithm)?;
    let mut out = SunPositions {
        apparent_zenith_deg: Vec::with_capacity(times.len()),
        zenith_deg: Vec::with_capacity(times.len()),
        azimuth_deg: Vec::with_capacity(times.len()),
    };
    for &t in times {
        let p = calc.at(t)?;
        out.apparent_zenith_deg.push(p.apparent_zenith_deg);
        out.zenith_deg.push(p.zenith_deg);
        out.azimuth_deg.push(p.azimuth_deg);
    }
    Ok(out)
}

/// Extraterrestrial normal irradiance on day-of-year `doy` (1–366), W/m², by Spencer (1971)'s
/// Fourier series of the Earth–Sun distance with a solar constant of
/// [`SOLAR_CONSTANT_W_M2`]; pvlib `irradiance.get_extra_radiation(method='spencer')`.
pub fn extraterrestrial_dni_w_m2(doy: u32) -> f64 {
    let b = std::f64::consts::TAU / 365.0 * (f64::from(doy) - 1.0);
    let r_over_r0_sq = 1.00011
        + 0.034221 * b.cos()
        + 0.00128 * b.sin()
        + 0.000719 * (2.0 * b).cos()
        + 7.7e-05 * (2.0 * b).sin();
    SOLAR_CONSTANT_W_M2 * r_over_r0_sq
}

/// [`extraterrestrial_dni_w_m2`] at the UTC day of year of `t`.
pub fn extraterrestrial_dni_at(t: DateTime<Utc>) -> f64 {
    extraterrestrial_dni_w_m2(t.ordinal())
}

/// Relative (sea-level) optical air mass from the apparent zenith, Kasten & Young (1989),
/// *Revised optical air mass tables and approximation formula*, Applied Optics 28(22);
/// pvlib `atmosphere.get_relative_airmass(model='kastenyoung1989')`. `None` when the sun is
/// below the horizon (apparent zenith > 90°), where pvlib returns NaN.
pub fn relative_airmass_kasten_young(apparent_zenith_deg: f64) -> Option<f64> {
    if apparent_zenith_deg.is_nan() || apparent_zenith_deg > 90.0 {
        return None;
    }
    let z = apparent_zenith_deg;
    Some(1.0 / (z.to_radians().cos() + 0.50572 * (6.07995 + (90.0 - z)).powf(-1.6364)))
}

/// Absolute (pressure-corrected) air mass: relative air mass × pressure / 101 325 Pa;
/// pvlib `atmosphere.get_absolute_airmass`.
pub fn absolute_airmass(relative_airmass: f64, pressure_pa: f64) -> f64 {
    relative_airmass * pressure_pa / 101_325.0
}

/// Standard-atmosphere pressure at `altitude_m`, Pa; pvlib `atmosphere.alt2pres`.
pub fn pressure_from_altitude_pa(altitude_m: f64) -> f64 {
    100.0 * ((44_331.514 - altitude_m) / 11_880.516).powf(1.0 / 0.190_263_2)
}

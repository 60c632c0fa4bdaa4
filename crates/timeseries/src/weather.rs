//! Weather on an axis: the irradiance components, air temperature and wind speed that the
//! PV model needs (and the temperature that baselines need).

use crate::{Axis, Quantity, Series, TimeError};

/// Weather series on one axis. Irradiances are W/m² averaged over each interval (or sampled
/// inside it, see [`Weather::sample_offset_minutes`]); temperature in °C, wind in m/s.
#[derive(Debug, Clone, PartialEq)]
pub struct Weather {
    /// The axis of every field.
    pub axis: Axis,
    /// Global horizontal irradiance, W/m².
    pub ghi_w_m2: Vec<f64>,
    /// Direct normal irradiance, W/m².
    pub dni_w_m2: Vec<f64>,
    /// Diffuse horizontal irradiance, W/m².
    pub dhi_w_m2: Vec<f64>,
    /// Air temperature at 2 m, °C.
    pub temp_air_c: Vec<f64>,
    /// Wind speed (at 10 m for PVGIS and EPW), m/s.
    pub wind_speed_m_s: Vec<f64>,
    /// Minutes after each interval's start at which the sun position should be evaluated
    /// for this data (half the step for interval means; 0 for instantaneous samples
    /// labelled at their instant).
    pub sample_offset_minutes: f64,
}

impl Weather {
    /// Checks that every field has one value per interval.
    pub fn validate(&self) -> Result<(), TimeError> {
        for v in [
            &self.ghi_w_m2,
            &self.dni_w_m2,
            &self.dhi_w_m2,
            &self.temp_air_c,
            &self.wind_speed_m_s,
        ] {
            if v.len() != self.axis.len() {
                return Err(TimeError::LengthMismatch {
                    axis_len: self.axis.len(),
                    values_len: v.len(),
                });
            }
        }
        Ok(())
    }

    /// Air temperature as a series.
    pub fn temperature(&self) -> Series {
        Series::new(self.axis, Quantity::TemperatureC, self.temp_air_c.clone())
            .expect("validated lengths")
    }
}

/// Where a weather file was made and what it is.
#[derive(Debug, Clone, PartialEq)]
pub struct WeatherMeta {
    /// Latitude, degrees north.
    pub latitude_deg: f64,
    /// Longitude, degrees east.
    pub longitude_deg: f64,
    /// Elevation above sea level, m.
    pub elevation_m: f64,
    /// True for a typical year made of months of different years (TMY, most EPW): its rows
    /// are placed on the reference year [`TYPICAL_REFERENCE_YEAR`] (or
    /// [`TYPICAL_REFERENCE_LEAP_YEAR`] when the file holds a 29 February); map it onto a real
    /// year with [`Weather::onto_axis_typical`].
    pub typical_year: bool,
    /// What the file is, e.g. "PVGIS TMY CSV (PVGIS-SARAH3), months from 2005–2023".
    pub source: String,
}

/// The year on which typical-year files without a 29 February are placed (not a leap year).
pub const TYPICAL_REFERENCE_YEAR: i32 = 1990;
/// The year on which typical-year files holding a 29 February are placed.
pub const TYPICAL_REFERENCE_LEAP_YEAR: i32 = 1988;

//! A series of values on an [`Axis`], tagged with the physical [`Quantity`] it carries.
//!
//! The quantity decides how a series resamples: extensive quantities (energy per interval,
//! hydrogen mass per interval) are summed or split; intensive ones (power, temperature,
//! irradiance, prices, carbon intensity) are averaged or held.

use crate::{Axis, TimeError};

/// What a series measures, with its unit. The unit is part of the variant's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantity {
    /// Energy per interval, kWh.
    EnergyKwh,
    /// Mean power over the interval, kW.
    PowerKw,
    /// Hydrogen mass per interval, kg.
    HydrogenKg,
    /// Air temperature, °C.
    TemperatureC,
    /// Irradiance (mean over the interval), W/m².
    IrradianceWM2,
    /// Wind speed, m/s.
    WindSpeedMS,
    /// Energy price, EUR/kWh.
    PriceEurPerKwh,
    /// Carbon intensity of electricity, gCO2e/kWh.
    CarbonGPerKwh,
    /// Dimensionless value (a share, a coefficient, a normalised profile).
    Dimensionless,
}

impl Quantity {
    /// True when the quantity adds up over time (energy, mass): resampling sums or splits it.
    pub fn is_extensive(self) -> bool {
        matches!(self, Quantity::EnergyKwh | Quantity::HydrogenKg)
    }

    /// Unit symbol for display and CSV headers.
    pub fn unit(self) -> &'static str {
        match self {
            Quantity::EnergyKwh => "kWh",
            Quantity::PowerKw => "kW",
            Quantity::HydrogenKg => "kg",
            Quantity::TemperatureC => "°C",
            Quantity::IrradianceWM2 => "W/m²",
            Quantity::WindSpeedMS => "m/s",
            Quantity::PriceEurPerKwh => "EUR/kWh",
            Quantity::CarbonGPerKwh => "gCO2e/kWh",
            Quantity::Dimensionless => "1",
        }
    }
}

/// Values on an axis, one per interval, of one quantity. `values.len() == axis.len()` always.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    axis: Axis,
    quantity: Quantity,
    values: Vec<f64>,
}

impl Series {
    /// A series; fails when the number of values differs from the axis length.
    pub fn new(axis: Axis, quantity: Quantity, values: Vec<f64>) -> Result<Series, TimeError> {
        if values.len() != axis.len() {
            return Err(TimeError::LengthMismatch {
                axis_len: axis.len(),
                values_len: values.len(),
            });
        }
        Ok(Series {
            axis,
            quantity,
            values,
        })
    }

    /// A constant series.
    pub fn constant(axis: Axis, quantity: Quantity, value: f64) -> Series {
        Series {
            axis,
            quantity,
            values: vec![value; axis.len()],
        }
    }

    /// The axis.
    pub fn axis(&self) -> &Axis {
        &self.axis
    }

    /// The quantity.
    pub fn quantity(&self) -> Quantity {
        self.quantity
    }

    /// The values, one per interval.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Consumes the series, returning its values.
    pub fn into_values(self) -> Vec<f64> {
        self.values
    }

    /// Sum of the values (total energy for an extensive quantity).
    pub fn sum(&self) -> f64 {
        self.values.iter().sum()
    }

    /// Multiplies every value by `k` (for example to scale a profile to an annual kWh).
    pub fn scaled(mut self, k: f64) -> Series {
        for v in &mut self.values {
            *v *= k;
        }
        self
    }

    /// Converts between energy per interval (kWh) and mean power (kW) on the same axis.
    pub fn to_quantity(&self, target: Quantity) -> Result<Series, TimeError> {
        let h = self.axis.step().hours();
        let values = match (self.quantity, target) {
            (a, b) if a == b => self.values.clone(),
            (Quantity::EnergyKwh, Quantity::PowerKw) => self.values.iter().map(|v| v / h).collect(),
            (Quantity::PowerKw, Quantity::EnergyKwh) => self.values.iter().map(|v| v * h).collect(),
            (from, to) => return Err(TimeError::Incompatible { from, to }),
        };
        Ok(Series {
            axis: self.axis,
            quantity: target,
            values,
        })
    }

    /// The part of this series on `sub`, which must lie within this axis (same step, phase).
    pub fn slice(&self, sub: &Axis) -> Result<Series, TimeError> {
        if !self.axis.contains_axis(sub) {
            return Err(TimeError::NotCovered {
                have_start: self.axis.start(),
                have_end: self.axis.end(),
                want_start: sub.start(),
                want_end: sub.end(),
            });
        }
        let i0 = self.axis.index_of(sub.start()).unwrap_or(0);
        Ok(Series {
            axis: *sub,
            quantity: self.quantity,
            values: self.values[i0..i0 + sub.len()].to_vec(),
        })
    }
}

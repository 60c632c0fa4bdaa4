//! The parameters of a PV system and of its site, as plain values with units in their names.

/// Where the panels are.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Location {
    /// Latitude, degrees north.
    pub latitude_deg: f64,
    /// Longitude, degrees east.
    pub longitude_deg: f64,
    /// Altitude, metres.
    pub altitude_m: f64,
}

/// Transposition model to the plane of array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transposition {
    /// Perez 1990 (all-sites composite coefficients).
    Perez,
    /// Hay–Davies.
    HayDavies,
}

/// Cell temperature model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellTemperature {
    /// Faiman: T_cell = T_air + POA / (u0 + u1·wind).
    Faiman {
        /// Constant heat transfer, W/(m²·K) (pvlib default 25.0).
        u0: f64,
        /// Wind heat transfer, W·s/(m³·K) (pvlib default 6.84).
        u1: f64,
    },
    /// SAPM (King et al. 2004).
    Sapm {
        /// a coefficient (open rack glass/glass: -3.47).
        a: f64,
        /// b coefficient, s/m (open rack glass/glass: -0.0594).
        b: f64,
        /// Cell–module temperature difference at 1000 W/m², °C (open rack: 3).
        delta_t_c: f64,
    },
}

/// A PV system's electrical and geometric parameters (PVWatts-style).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PvSpec {
    /// DC peak power at STC, kWp.
    pub kwp: f64,
    /// Tilt from horizontal, degrees.
    pub tilt_deg: f64,
    /// Azimuth clockwise from north, degrees (180 = south).
    pub azimuth_deg: f64,
    /// System losses (soiling, wiring, mismatch, …), percent of DC energy.
    pub losses_pct: f64,
    /// DC/AC ratio: inverter AC rating = kwp / dc_ac_ratio.
    pub dc_ac_ratio: f64,
    /// Nominal inverter efficiency (0–1).
    pub inverter_efficiency: f64,
    /// Power temperature coefficient, 1/°C (e.g. -0.004).
    pub gamma_pdc_per_c: f64,
    /// Ground albedo (0–1).
    pub albedo: f64,
    /// Transposition model.
    pub transposition: Transposition,
    /// Cell temperature model.
    pub cell_temperature: CellTemperature,
}

impl Location {
    /// Checks latitude in [−90, 90], longitude in [−180, 180] and a finite altitude in
    /// [−500, 9000] m.
    pub fn validate(&self) -> Result<(), crate::SolarError> {
        let checks: [(&'static str, f64, bool, &'static str); 3] = [
            (
                "latitude_deg",
                self.latitude_deg,
                (-90.0..=90.0).contains(&self.latitude_deg),
                "-90..=90",
            ),
            (
                "longitude_deg",
                self.longitude_deg,
                (-180.0..=180.0).contains(&self.longitude_deg),
                "-180..=180",
            ),
            (
                "altitude_m",
                self.altitude_m,
                (-500.0..=9000.0).contains(&self.altitude_m),
                "-500..=9000 m",
            ),
        ];
        for (field, value, ok, expected) in checks {
            if !ok {
                return Err(crate::SolarError::InvalidLocation {
                    field,
                    value,
                    expected,
                });
            }
        }
        Ok(())
    }
}

impl PvSpec {
    /// A PVWatts system of `kwp` at `tilt_deg`/`azimuth_deg` with the defaults of
    /// `quartier pv`: 14 % losses, DC/AC 1.2, inverter 0.96, γ −0.004/°C, albedo 0.2,
    /// Perez, Faiman (pvlib defaults).
    pub fn pvwatts(kwp: f64, tilt_deg: f64, azimuth_deg: f64) -> PvSpec {
        PvSpec {
            kwp,
            tilt_deg,
            azimuth_deg,
            losses_pct: 14.0,
            dc_ac_ratio: 1.2,
            inverter_efficiency: 0.96,
            gamma_pdc_per_c: -0.004,
            albedo: 0.2,
            transposition: Transposition::Perez,
            cell_temperature: CellTemperature::FAIMAN_PVLIB_DEFAULT,
        }
    }

    /// Inverter AC rating, kW: `kwp / dc_ac_ratio`.
    pub fn ac_rating_kw(&self) -> f64 {
        self.kwp / self.dc_ac_ratio
    }

    /// Checks every field's range: kwp > 0, tilt 0..=90, azimuth 0..=360, losses 0..=100 %,
    /// inverter efficiency in (0, 1], albedo 0..=1, DC/AC ratio > 0, γ finite and in
    /// [−0.05, 0.05], and finite temperature-model coefficients (Faiman u0 > 0, u1 ≥ 0).
    pub fn validate(&self) -> Result<(), crate::SolarError> {
        let temp_ok = match self.cell_temperature {
            CellTemperature::Faiman { u0, u1 } => u0 > 0.0 && u1 >= 0.0 && u1.is_finite(),
            CellTemperature::Sapm { a, b, delta_t_c } => {
                a.is_finite() && b.is_finite() && delta_t_c.is_finite()
            }
        };
        let checks: [(&'static str, f64, bool, &'static str); 9] = [
            (
                "kwp",
                self.kwp,
                self.kwp > 0.0 && self.kwp.is_finite(),
                "> 0",
            ),
            (
                "tilt_deg",
                self.tilt_deg,
                (0.0..=90.0).contains(&self.tilt_deg),
                "0..=90",
            ),
            (
                "azimuth_deg",
                self.azimuth_deg,
                (0.0..=360.0).contains(&self.azimuth_deg),
                "0..=360",
            ),
            (
                "losses_pct",
                self.losses_pct,
                (0.0..=100.0).contains(&self.losses_pct),
                "0..=100",
            ),
            (
                "dc_ac_ratio",
                self.dc_ac_ratio,
                self.dc_ac_ratio > 0.0 && self.dc_ac_ratio.is_finite(),
                "> 0",
            ),
            (
                "inverter_efficiency",
                self.inverter_efficiency,
                self.inverter_efficiency > 0.0 && self.inverter_efficiency <= 1.0,
                "in (0, 1]",
            ),
            (
                "gamma_pdc_per_c",
                self.gamma_pdc_per_c,
                (-0.05..=0.05).contains(&self.gamma_pdc_per_c),
                "-0.05..=0.05 per °C",
            ),
            (
                "albedo",
                self.albedo,
                (0.0..=1.0).contains(&self.albedo),
                "0..=1",
            ),
            (
                "cell_temperature",
                f64::NAN,
                temp_ok,
                "finite coefficients, Faiman u0 > 0 and u1 >= 0",
            ),
        ];
        for (field, value, ok, expected) in checks {
            if !ok {
                return Err(crate::SolarError::InvalidSpec {
                    field,
                    value,
                    expected,
                });
            }
        }
        Ok(())
    }
}

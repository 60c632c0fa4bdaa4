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

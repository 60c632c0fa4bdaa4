//! Cell temperature from plane-of-array irradiance, air temperature and wind speed:
//! Faiman (2008) and SAPM (King et al. 2004), as in pvlib's `temperature` module.

use crate::CellTemperature;

/// Faiman module temperature, °C: `T_air + POA / (u0 + u1 · wind)`.
///
/// Reference: Faiman (2008), *Assessing the outdoor operating temperature of photovoltaic
/// modules*, Progress in Photovoltaics 16(4); pvlib `temperature.faiman` (defaults
/// `u0 = 25.0`, `u1 = 6.84`).
pub fn faiman_cell_temperature_c(
    poa_global_w_m2: f64,
    temp_air_c: f64,
    wind_speed_m_s: f64,
    u0: f64,
    u1: f64,
) -> f64 {
    temp_air_c + poa_global_w_m2 / (u0 + u1 * wind_speed_m_s)
}

/// SAPM cell temperature, °C: back-of-module temperature
/// `T_m = POA · exp(a + b · wind) + T_air`, then `T_cell = T_m + POA / 1000 · ΔT`.
///
/// Reference: King, Boyson & Kratochvil (2004), *Photovoltaic Array Performance Model*,
/// SAND2004-3535, eq. 11–12; pvlib `temperature.sapm_cell` (open rack glass/glass:
/// `a = −3.47`, `b = −0.0594`, `ΔT = 3`).
pub fn sapm_cell_temperature_c(
    poa_global_w_m2: f64,
    temp_air_c: f64,
    wind_speed_m_s: f64,
    a: f64,
    b: f64,
    delta_t_c: f64,
) -> f64 {
    let module = poa_global_w_m2 * (a + b * wind_speed_m_s).exp() + temp_air_c;
    module + poa_global_w_m2 / 1000.0 * delta_t_c
}

impl CellTemperature {
    /// Faiman with pvlib's default coefficients (u0 = 25.0, u1 = 6.84).
    pub const FAIMAN_PVLIB_DEFAULT: CellTemperature =
        CellTemperature::Faiman { u0: 25.0, u1: 6.84 };

    /// SAPM open rack, glass/glass (pvlib
    /// `TEMPERATURE_MODEL_PARAMETERS['sapm']['open_rack_glass_glass']`).
    pub const SAPM_OPEN_RACK_GLASS_GLASS: CellTemperature = CellTemperature::Sapm {
        a: -3.47,
        b: -0.0594,
        delta_t_c: 3.0,
    };

    /// Cell temperature, °C, with this model.
    pub fn cell_temperature_c(
        &self,
        poa_global_w_m2: f64,
        temp_air_c: f64,
        wind_speed_m_s: f64,
    ) -> f64 {
        match *self {
            CellTemperature::Faiman { u0, u1 } => {
                faiman_cell_temperature_c(poa_global_w_m2, temp_air_c, wind_speed_m_s, u0, u1)
            }
            CellTemperature::Sapm { a, b, delta_t_c } => sapm_cell_temperature_c(
                poa_global_w_m2,
                temp_air_c,
                wind_speed_m_s,
                a,
                b,
                delta_t_c,
            ),
        }
    }
}

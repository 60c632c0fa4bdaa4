//! PVWatts DC power, flat system losses and the PVWatts inverter with clipping, in kW.

/// Reference inverter efficiency of the PVWatts inverter curve (pvlib default 0.9637).
pub const PVWATTS_ETA_INV_REF: f64 = 0.9637;

/// PVWatts DC power, kW: `P_dc0 · (POA_eff / 1000) · (1 + γ · (T_cell − 25))`.
///
/// Reference: Dobos (2014), *PVWatts Version 5 Manual*, NREL/TP-6A20-62641, eq. 2; pvlib
/// `pvsystem.pvwatts_dc` (with `temp_ref = 25`, no low-light correction `k`).
pub fn pvwatts_dc_kw(
    poa_effective_w_m2: f64,
    cell_temperature_c: f64,
    pdc0_kw: f64,
    gamma_pdc_per_c: f64,
) -> f64 {
    poa_effective_w_m2 * 0.001 * pdc0_kw * (1.0 + gamma_pdc_per_c * (cell_temperature_c - 25.0))
}

/// PVWatts inverter AC power, kW, clipped to `[0, η_nom · P_dc0,inv]`.
///
/// `pdc0_inverter_kw` is the inverter's DC input rating (its AC rating divided by
/// `eta_inv_nom`), not the array's. Efficiency curve
/// `η = η_nom / η_ref · (−0.0162 ζ − 0.0059 / ζ + 0.9858)` with `ζ = P_dc / P_dc0,inv`.
/// Reference: Dobos (2014), *PVWatts Version 5 Manual*, eq. 5–6; pvlib `inverter.pvwatts`.
pub fn pvwatts_inverter_ac_kw(
    pdc_kw: f64,
    pdc0_inverter_kw: f64,
    eta_inv_nom: f64,
    eta_inv_ref: f64,
) -> f64 {
    let pac0 = eta_inv_nom * pdc0_inverter_kw;
    if pdc_kw == 0.0 {
        return 0.0;
    }
    let zeta = pdc_kw / pdc0_inverter_kw;
    let eta = eta_inv_nom / eta_inv_ref * (-0.0162 * zeta - 0.0059 / zeta + 0.9858);
    (eta * pdc_kw).min(pac0).max(0.0)
}

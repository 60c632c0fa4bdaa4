//! Capital costs: the built-in cost table and the annualised cost per unit of capacity.
//!
//! The defaults are the district file's attribute defaults (`pv.sizing`,
//! `batteries.sizing`, … in `quartier schema`), read from the attribute table so that they
//! are written once. They are order-of-magnitude figures for French district projects
//! around 2024–2025, **to be overridden** with the project's own quotes in the district
//! file:
//!
//! | capacity | capex | lifetime | fixed O&M | source (orders of magnitude) |
//! |---|---|---|---|---|
//! | rooftop PV | 1,000 EUR/kWp | 25 y | 15 EUR/kWp/y | IRENA, *Renewable Power Generation Costs in 2023* (commercial rooftop, Europe); ADEME PV cost observatory |
//! | Li-ion battery, energy | 400 EUR/kWh | 15 y | 5 EUR/kWh/y | IEA, *Batteries and Secure Energy Transitions* (2024), turnkey stationary systems |
//! | Li-ion battery, power (converter) | 150 EUR/kW | 15 y | 0 | NREL ATB 2024, commercial battery storage (power-related share) |
//! | PEM electrolyser | 1,800 EUR/kW | 20 y | 54 EUR/kW/y (3 %) | IEA, *Global Hydrogen Review 2024* (installed PEM, small scale) |
//! | 350-bar hydrogen tank | 600 EUR/kg | 20 y | 6 EUR/kg/y (1 %) | ADEME / US DOE Hydrogen Program, compressed type I–III storage |
//! | PEM fuel cell | 2,000 EUR/kW | 10 y | 50 EUR/kW/y (2.5 %) | IEA, *Global Hydrogen Review 2024* (stationary fuel cells) |
//! | EV charge points, per kW delivered at once | 180 EUR/kW | 10 y | 9 EUR/kW/y (5 %, assumed) | EV Infrastructure Guide (Energy Saving Trust): a double-outlet 22 kW AC post, GBP 6,700 installed in 2021–22, over 44 kW at 1.17 EUR/GBP |
//!
//! Discount rate 5 % (real), close to France Stratégie's 4.5 % for public investment.

pub use quartier_model::{CapacityKind, CapitalCost, capital_recovery_factor};

/// Checks one cost: `(what, value, expected)` of the first bad number.
pub(crate) fn check_cost(
    cost: &CapitalCost,
    what: &'static str,
) -> Result<(), (&'static str, f64, &'static str)> {
    let finite_non_negative = |x: f64| x.is_finite() && x >= 0.0;
    if !finite_non_negative(cost.capex_eur_per_unit) {
        return Err((what, cost.capex_eur_per_unit, "capex: a finite value ≥ 0"));
    }
    if !finite_non_negative(cost.subsidy_eur_per_unit) {
        return Err((
            what,
            cost.subsidy_eur_per_unit,
            "subsidy: a finite value ≥ 0",
        ));
    }
    if !(cost.lifetime_years.is_finite() && cost.lifetime_years > 0.0) {
        return Err((what, cost.lifetime_years, "lifetime: a finite value > 0"));
    }
    if !finite_non_negative(cost.fixed_om_eur_per_unit_year) {
        return Err((
            what,
            cost.fixed_om_eur_per_unit_year,
            "fixed O&M: a finite value ≥ 0",
        ));
    }
    Ok(())
}

/// Capital costs of every kind of capacity, and the discount rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostTable {
    /// PV, per kWp.
    pub pv_kwp: CapitalCost,
    /// Battery energy, per kWh.
    pub battery_kwh: CapitalCost,
    /// Battery power, per kW.
    pub battery_kw: CapitalCost,
    /// Electrolyser, per kW of electrical input.
    pub electrolyser_kw: CapitalCost,
    /// Hydrogen tank, per kg of capacity.
    pub tank_kg: CapitalCost,
    /// Fuel cell, per kW of electrical output.
    pub fuel_cell_kw: CapitalCost,
    /// EV charging site, per kW delivered at once.
    pub charging_kw: CapitalCost,
    /// Real discount rate (e.g. 0.05).
    pub discount_rate: f64,
}

/// The literal number default of a district-file attribute (NaN, which `check` refuses,
/// should the table lose one).
fn default_of(component: &str, name: &str) -> f64 {
    quartier_model::float_default(component, name).unwrap_or(f64::NAN)
}

impl Default for CostTable {
    /// The cited defaults of the module documentation (to be overridden), read from the
    /// district file's attribute table.
    fn default() -> Self {
        let c = |kind: CapacityKind| {
            let comp = kind.sizing_table();
            let unit = kind.file_names().1;
            CapitalCost {
                capex_eur_per_unit: default_of(comp, &format!("capex_eur_per_{unit}")),
                subsidy_eur_per_unit: default_of(comp, &format!("subsidy_eur_per_{unit}")),
                lifetime_years: default_of(comp, "lifetime_years"),
                fixed_om_eur_per_unit_year: default_of(
                    comp,
                    &format!("fixed_om_eur_per_{unit}_year"),
                ),
            }
        };
        CostTable {
            pv_kwp: c(CapacityKind::PvKwp),
            battery_kwh: c(CapacityKind::BatteryKwh),
            battery_kw: c(CapacityKind::BatteryKw),
            electrolyser_kw: c(CapacityKind::ElectrolyserKw),
            tank_kg: c(CapacityKind::TankKg),
            fuel_cell_kw: c(CapacityKind::FuelCellKw),
            charging_kw: c(CapacityKind::ChargingKw),
            discount_rate: default_of("sizing", "discount_rate"),
        }
    }
}

/// The grid connection has no built-in cost (its yearly cost per kW is the delivery tariff's
/// power component, which the district file must give): a grid candidate always carries
/// its own, and this zero stands for "none".
const NO_DEFAULT: CapitalCost = CapitalCost {
    capex_eur_per_unit: 0.0,
    subsidy_eur_per_unit: 0.0,
    lifetime_years: 1.0,
    fixed_om_eur_per_unit_year: 0.0,
};

impl CostTable {
    /// The cost of one kind of capacity (zero for the grid connection, which has no default).
    pub fn get(&self, kind: CapacityKind) -> &CapitalCost {
        match kind {
            CapacityKind::GridImportKw => &NO_DEFAULT,
            CapacityKind::PvKwp => &self.pv_kwp,
            CapacityKind::BatteryKwh => &self.battery_kwh,
            CapacityKind::BatteryKw => &self.battery_kw,
            CapacityKind::ElectrolyserKw => &self.electrolyser_kw,
            CapacityKind::TankKg => &self.tank_kg,
            CapacityKind::FuelCellKw => &self.fuel_cell_kw,
            CapacityKind::ChargingKw => &self.charging_kw,
        }
    }

    /// Annualised cost of one unit of `kind`, EUR per unit per year.
    pub fn annualised(&self, kind: CapacityKind) -> f64 {
        self.get(kind).annualised_eur_per_unit(self.discount_rate)
    }

    /// Checks every number: `(what, value, expected)` of the first bad one.
    pub(crate) fn check(&self) -> Result<(), (&'static str, f64, &'static str)> {
        if !(self.discount_rate.is_finite() && self.discount_rate > -1.0) {
            return Err(("discount_rate", self.discount_rate, "a finite value > −1"));
        }
        for kind in CapacityKind::ALL
            .into_iter()
            .filter(|k| *k != CapacityKind::GridImportKw)
        {
            check_cost(self.get(kind), kind.key())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_table_and_annualise() {
        let t = CostTable::default();
        assert!(t.check().is_ok());
        assert_eq!(t.pv_kwp.capex_eur_per_unit, 1000.0);
        assert_eq!(t.electrolyser_kw.fixed_om_eur_per_unit_year, 54.0);
        assert_eq!(t.fuel_cell_kw.lifetime_years, 10.0);
        assert_eq!(t.discount_rate, 0.05);
        // PV: 1000 × CRF(5 %, 25) + 15 = 70.95 + 15.
        assert!((t.annualised(CapacityKind::PvKwp) - 85.952).abs() < 1e-2);
    }
}

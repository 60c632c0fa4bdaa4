//! Capital costs: capex per unit, lifetime, fixed O&M, and the capital recovery factor that
//! turns them into an annualised cost per unit of capacity.
//!
//! The defaults of [`CostTable::default`] are order-of-magnitude figures for French district
//! projects around 2024–2025, **to be overridden** with the project's own quotes:
//!
//! | capacity | capex | lifetime | fixed O&M | source (orders of magnitude) |
//! |---|---|---|---|---|
//! | rooftop PV | 1,000 EUR/kWp | 25 y | 15 EUR/kWp/y | IRENA, *Renewable Power Generation Costs in 2023* (commercial rooftop, Europe); ADEME PV cost observatory |
//! | Li-ion battery, energy | 400 EUR/kWh | 15 y | 5 EUR/kWh/y | IEA, *Batteries and Secure Energy Transitions* (2024), turnkey stationary systems |
//! | Li-ion battery, power (converter) | 150 EUR/kW | 15 y | 0 | NREL ATB 2024, commercial battery storage (power-related share) |
//! | PEM electrolyser | 1,800 EUR/kW | 20 y | 54 EUR/kW/y (3 %) | IEA, *Global Hydrogen Review 2024* (installed PEM, small scale) |
//! | 350-bar hydrogen tank | 600 EUR/kg | 20 y | 6 EUR/kg/y (1 %) | ADEME / US DOE Hydrogen Program, compressed type I–III storage |
//! | PEM fuel cell | 2,000 EUR/kW | 10 y | 50 EUR/kW/y (2.5 %) | IEA, *Global Hydrogen Review 2024* (stationary fuel cells) |
//!
//! Discount rate 5 % (real), close to France Stratégie's 4.5 % for public investment.

/// The capital recovery factor `r / (1 − (1 + r)^−n)`: the share of an investment paid each
/// year over `lifetime_years` at discount rate `rate` (`1 / n` at rate 0).
pub fn capital_recovery_factor(rate: f64, lifetime_years: f64) -> f64 {
    if rate.abs() < 1e-12 {
        1.0 / lifetime_years
    } else {
        rate / (1.0 - (1.0 + rate).powf(-lifetime_years))
    }
}

/// Cost of one unit of a capacity (kWp, kWh, kW or kg).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CapitalCost {
    /// Investment, EUR per unit.
    pub capex_eur_per_unit: f64,
    /// Economic lifetime, years.
    pub lifetime_years: f64,
    /// Fixed operation and maintenance, EUR per unit per year.
    pub fixed_om_eur_per_unit_year: f64,
}

impl CapitalCost {
    /// Annualised cost, EUR per unit per year: `capex × CRF(rate, lifetime) + fixed O&M`.
    pub fn annualised_eur_per_unit(&self, discount_rate: f64) -> f64 {
        self.capex_eur_per_unit * capital_recovery_factor(discount_rate, self.lifetime_years)
            + self.fixed_om_eur_per_unit_year
    }

    fn check(&self, what: &'static str) -> Result<(), (&'static str, f64, &'static str)> {
        if !(self.capex_eur_per_unit.is_finite() && self.capex_eur_per_unit >= 0.0) {
            return Err((what, self.capex_eur_per_unit, "capex: a finite value ≥ 0"));
        }
        if !(self.lifetime_years.is_finite() && self.lifetime_years > 0.0) {
            return Err((what, self.lifetime_years, "lifetime: a finite value > 0"));
        }
        if !(self.fixed_om_eur_per_unit_year.is_finite() && self.fixed_om_eur_per_unit_year >= 0.0)
        {
            return Err((
                what,
                self.fixed_om_eur_per_unit_year,
                "fixed O&M: a finite value ≥ 0",
            ));
        }
        Ok(())
    }
}

/// Which capacity of a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CapacityKind {
    /// PV peak power, kWp.
    PvKwp,
    /// Battery energy, kWh.
    BatteryKwh,
    /// Battery power (charge and discharge), kW.
    BatteryKw,
    /// Electrolyser electrical input, kW.
    ElectrolyserKw,
    /// Hydrogen tank capacity, kg.
    TankKg,
    /// Fuel cell electrical output, kW.
    FuelCellKw,
}

impl CapacityKind {
    /// Every kind, in report order.
    pub const ALL: [CapacityKind; 6] = [
        CapacityKind::PvKwp,
        CapacityKind::BatteryKwh,
        CapacityKind::BatteryKw,
        CapacityKind::ElectrolyserKw,
        CapacityKind::TankKg,
        CapacityKind::FuelCellKw,
    ];

    /// The unit ("kWp", "kWh", "kW", "kg").
    pub fn unit(self) -> &'static str {
        match self {
            CapacityKind::PvKwp => "kWp",
            CapacityKind::BatteryKwh => "kWh",
            CapacityKind::BatteryKw | CapacityKind::ElectrolyserKw | CapacityKind::FuelCellKw => {
                "kW"
            }
            CapacityKind::TankKg => "kg",
        }
    }

    /// A short name with the unit, e.g. `battery_kwh` (used as the JSON key and in the LP).
    pub fn key(self) -> &'static str {
        match self {
            CapacityKind::PvKwp => "pv_kwp",
            CapacityKind::BatteryKwh => "battery_kwh",
            CapacityKind::BatteryKw => "battery_kw",
            CapacityKind::ElectrolyserKw => "electrolyser_kw",
            CapacityKind::TankKg => "tank_kg",
            CapacityKind::FuelCellKw => "fuel_cell_kw",
        }
    }
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
    /// Real discount rate (e.g. 0.05).
    pub discount_rate: f64,
}

impl Default for CostTable {
    /// The cited defaults of the module documentation (to be overridden).
    fn default() -> Self {
        let c = |capex, life, om| CapitalCost {
            capex_eur_per_unit: capex,
            lifetime_years: life,
            fixed_om_eur_per_unit_year: om,
        };
        CostTable {
            pv_kwp: c(1000.0, 25.0, 15.0),
            battery_kwh: c(400.0, 15.0, 5.0),
            battery_kw: c(150.0, 15.0, 0.0),
            electrolyser_kw: c(1800.0, 20.0, 54.0),
            tank_kg: c(600.0, 20.0, 6.0),
            fuel_cell_kw: c(2000.0, 10.0, 50.0),
            discount_rate: 0.05,
        }
    }
}

impl CostTable {
    /// The cost of one kind of capacity.
    pub fn get(&self, kind: CapacityKind) -> &CapitalCost {
        match kind {
            CapacityKind::PvKwp => &self.pv_kwp,
            CapacityKind::BatteryKwh => &self.battery_kwh,
            CapacityKind::BatteryKw => &self.battery_kw,
            CapacityKind::ElectrolyserKw => &self.electrolyser_kw,
            CapacityKind::TankKg => &self.tank_kg,
            CapacityKind::FuelCellKw => &self.fuel_cell_kw,
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
        for kind in CapacityKind::ALL {
            self.get(kind).check(kind.key())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crf_matches_the_annuity_formula() {
        // 1,000 EUR over 20 years at 5 %: 80.24 EUR a year (annuity tables).
        let a = 1000.0 * capital_recovery_factor(0.05, 20.0);
        assert!((a - 80.2426).abs() < 1e-3, "{a}");
        assert!((capital_recovery_factor(0.0, 20.0) - 0.05).abs() < 1e-15);
    }

    #[test]
    fn defaults_are_valid_and_annualise() {
        let t = CostTable::default();
        assert!(t.check().is_ok());
        // PV: 1000 × CRF(5 %, 25) + 15 = 70.95 + 15.
        assert!((t.annualised(CapacityKind::PvKwp) - 85.952).abs() < 1e-2);
    }
}

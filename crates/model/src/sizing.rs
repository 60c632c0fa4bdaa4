//! What a district file says about its own sizing: for each capacity that `quartier size`
//! may change (PV kWp, battery kWh and kW, electrolyser kW, tank kg, fuel cell kW, and the
//! grid connection's import kW when its `[grid.sizing]` table asks for it, an EV charging
//! site's power when its `sizing` table asks for it), whether it is
//! sized, its bounds and its costs (capex, subsidy, fixed O&M, lifetime, a fixed cost when
//! built), a battery's fixed duration, and the district's discount rate.
//!
//! Every cost has a documented default in the attribute table (`quartier schema`, tables
//! `pv.sizing`, `batteries.sizing`, …), so a file that says nothing is sized at the built-in
//! costs; [`CostOrigin`] remembers which numbers the file gave, so that a result can say
//! where each cost came from.

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
    /// Grid connection: the import limit (subscribed power), kW.
    GridImportKw,
    /// EV charging site: the power its charge points deliver at once, kW.
    ChargingKw,
}

impl CapacityKind {
    /// Every kind, in report order.
    pub const ALL: [CapacityKind; 8] = [
        CapacityKind::PvKwp,
        CapacityKind::BatteryKwh,
        CapacityKind::BatteryKw,
        CapacityKind::ElectrolyserKw,
        CapacityKind::TankKg,
        CapacityKind::FuelCellKw,
        CapacityKind::GridImportKw,
        CapacityKind::ChargingKw,
    ];

    /// The unit ("kWp", "kWh", "kW", "kg").
    pub fn unit(self) -> &'static str {
        match self {
            CapacityKind::PvKwp => "kWp",
            CapacityKind::BatteryKwh => "kWh",
            CapacityKind::BatteryKw
            | CapacityKind::ElectrolyserKw
            | CapacityKind::FuelCellKw
            | CapacityKind::GridImportKw
            | CapacityKind::ChargingKw => "kW",
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
            CapacityKind::GridImportKw => "grid_import_kw",
            CapacityKind::ChargingKw => "charging_kw",
        }
    }

    /// The attribute component of the sizing table of this capacity's component in the
    /// district file (`pv.sizing`, `batteries.sizing`, …).
    pub fn sizing_table(self) -> &'static str {
        match self {
            CapacityKind::PvKwp => "pv.sizing",
            CapacityKind::BatteryKwh | CapacityKind::BatteryKw => "batteries.sizing",
            CapacityKind::ElectrolyserKw => "electrolysers.sizing",
            CapacityKind::TankKg => "hydrogen_tanks.sizing",
            CapacityKind::FuelCellKw => "fuel_cells.sizing",
            CapacityKind::GridImportKw => "grid.sizing",
            CapacityKind::ChargingKw => "ev_charging.sizing",
        }
    }

    /// The district-file table of the component (`pv`, `batteries`, …) and the unit suffix
    /// of its `sizing` fields (`kwp`, `kwh`, `kw`, `kg`): `capex_eur_per_{suffix}`.
    pub fn file_names(self) -> (&'static str, &'static str) {
        match self {
            CapacityKind::PvKwp => ("pv", "kwp"),
            CapacityKind::BatteryKwh => ("batteries", "kwh"),
            CapacityKind::BatteryKw => ("batteries", "kw"),
            CapacityKind::ElectrolyserKw => ("electrolysers", "kw"),
            CapacityKind::TankKg => ("hydrogen_tanks", "kg"),
            CapacityKind::FuelCellKw => ("fuel_cells", "kw"),
            CapacityKind::GridImportKw => ("grid", "kw"),
            CapacityKind::ChargingKw => ("ev_charging", "kw"),
        }
    }
}

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
    /// Investment subsidy, EUR per unit (a negative capex: the annualised cost uses
    /// `capex − subsidy`).
    pub subsidy_eur_per_unit: f64,
    /// Economic lifetime, years.
    pub lifetime_years: f64,
    /// Fixed operation and maintenance, EUR per unit per year.
    pub fixed_om_eur_per_unit_year: f64,
}

impl CapitalCost {
    /// Annualised cost, EUR per unit per year:
    /// `(capex − subsidy) × CRF(rate, lifetime) + fixed O&M`.
    pub fn annualised_eur_per_unit(&self, discount_rate: f64) -> f64 {
        (self.capex_eur_per_unit - self.subsidy_eur_per_unit)
            * capital_recovery_factor(discount_rate, self.lifetime_years)
            + self.fixed_om_eur_per_unit_year
    }
}

/// Which of a capacity's cost numbers the district file gave (the others are the built-in
/// defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CostOrigin {
    /// `capex_eur_per_…` was in the file.
    pub capex: bool,
    /// `subsidy_eur_per_…` was in the file.
    pub subsidy: bool,
    /// `lifetime_years` was in the file.
    pub lifetime: bool,
    /// `fixed_om_eur_per_…_year` was in the file.
    pub fixed_om: bool,
    /// `capex_eur_when_built` was in the file.
    pub when_built: bool,
}

/// One capacity of one component as the district file plans it.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacityPlan {
    /// Component name.
    pub component: String,
    /// Which capacity.
    pub kind: CapacityKind,
    /// False when the file keeps the declared size (`sized = false`).
    pub sized: bool,
    /// Smallest size, in the kind's unit.
    pub min: f64,
    /// Largest size, when the file gives one (else the district's `max_factor` × declared,
    /// or the declared kWp for PV).
    pub max: Option<f64>,
    /// Cost per unit (defaults filled in).
    pub cost: CapitalCost,
    /// Investment paid once when the size is above zero, EUR (0: none).
    pub capex_eur_when_built: f64,
    /// Which numbers came from the file.
    pub origin: CostOrigin,
}

/// The sizing options of a district file: the `[sizing]` table and every component's
/// `sizing` table.
#[derive(Debug, Clone, PartialEq)]
pub struct SizingOptions {
    /// Real discount rate (e.g. 0.05).
    pub discount_rate: f64,
    /// True when the file gave the discount rate.
    pub discount_rate_from_file: bool,
    /// Bound of a storage or conversion capacity without its own `max_…`, as a multiple of
    /// its declared size.
    pub max_factor: f64,
    /// Every capacity of every PV system, battery, electrolyser, tank and fuel cell, in
    /// district order (battery energy before power).
    pub capacities: Vec<CapacityPlan>,
    /// Batteries sized at a fixed energy-to-power ratio: `(battery, hours)`, energy =
    /// hours × power.
    pub durations: Vec<(String, f64)>,
}

impl Default for SizingOptions {
    /// No capacity planned, the default discount rate and `max_factor` (a district built in
    /// code rather than read from a file).
    fn default() -> Self {
        let default = |name| crate::float_default("sizing", name).unwrap_or(0.0);
        SizingOptions {
            discount_rate: default("discount_rate"),
            discount_rate_from_file: false,
            max_factor: default("max_factor"),
            capacities: Vec::new(),
            durations: Vec::new(),
        }
    }
}

impl SizingOptions {
    /// The plan of one capacity.
    pub fn plan(&self, component: &str, kind: CapacityKind) -> Option<&CapacityPlan> {
        self.capacities
            .iter()
            .find(|c| c.component == component && c.kind == kind)
    }

    /// The fixed duration of a battery, hours.
    pub fn duration_h(&self, battery: &str) -> Option<f64> {
        self.durations
            .iter()
            .find(|(b, _)| b == battery)
            .map(|(_, h)| *h)
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
    fn a_subsidy_is_a_negative_capex() {
        let c = CapitalCost {
            capex_eur_per_unit: 1000.0,
            subsidy_eur_per_unit: 300.0,
            lifetime_years: 20.0,
            fixed_om_eur_per_unit_year: 10.0,
        };
        let net = CapitalCost {
            capex_eur_per_unit: 700.0,
            subsidy_eur_per_unit: 0.0,
            ..c
        };
        assert_eq!(
            c.annualised_eur_per_unit(0.05),
            net.annualised_eur_per_unit(0.05)
        );
    }
}

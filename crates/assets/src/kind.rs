//! The kinds of asset and their defaults, declared once as data.
//!
//! [`KINDS`] gives each [`AssetKind`] its default expected lifetime and its annual operation
//! and maintenance cost as a fraction of capex, each with its source; [`CAPEX`] gives the
//! default investment per unit of the district model's capacities (kWp, kWh, kW, kg, charge
//! point, meter, vehicle). Both are **orders of magnitude for French district projects around
//! 2024–2025, to be overridden** with the project's own quotes in a registry file. The storage
//! and PV numbers are those of the optimiser's cost table (`quartier-optim`'s
//! `CostTable::default`), so that sizing and the lifecycle plan speak of the same money.
//! A value marked "assumption" has no published source behind it.

use std::fmt;
use std::str::FromStr;

/// What an asset is. Prints and parses as the snake_case name of [`AssetKind::key`]
/// (`pv_array`, `hydrogen_tank`, …), the form used in registry files and the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AssetKind {
    /// PV modules and their mounting.
    PvArray,
    /// A PV (or battery) inverter.
    Inverter,
    /// A stationary battery.
    Battery,
    /// An electrolyser.
    Electrolyser,
    /// A hydrogen tank.
    HydrogenTank,
    /// A fuel cell.
    FuelCell,
    /// An EV charge point.
    Charger,
    /// An electricity meter (Linky).
    Meter,
    /// An electric cargo bike.
    CargoBike,
    /// A building (envelope, technical rooms).
    Building,
    /// Anything else.
    Other,
}

impl AssetKind {
    /// Every kind, in registry order.
    pub const ALL: [AssetKind; 11] = [
        AssetKind::PvArray,
        AssetKind::Inverter,
        AssetKind::Battery,
        AssetKind::Electrolyser,
        AssetKind::HydrogenTank,
        AssetKind::FuelCell,
        AssetKind::Charger,
        AssetKind::Meter,
        AssetKind::CargoBike,
        AssetKind::Building,
        AssetKind::Other,
    ];

    /// The snake_case name (`pv_array`, …).
    pub fn key(self) -> &'static str {
        match self {
            AssetKind::PvArray => "pv_array",
            AssetKind::Inverter => "inverter",
            AssetKind::Battery => "battery",
            AssetKind::Electrolyser => "electrolyser",
            AssetKind::HydrogenTank => "hydrogen_tank",
            AssetKind::FuelCell => "fuel_cell",
            AssetKind::Charger => "charger",
            AssetKind::Meter => "meter",
            AssetKind::CargoBike => "cargo_bike",
            AssetKind::Building => "building",
            AssetKind::Other => "other",
        }
    }

    /// This kind's defaults (lifetime, O&M) from [`KINDS`].
    pub fn defaults(self) -> &'static KindDefaults {
        // KINDS lists every kind once (checked by a test); the fallback is never taken.
        KINDS
            .iter()
            .find(|d| d.kind == self)
            .unwrap_or(&KINDS[KINDS.len() - 1])
    }

    /// Every key, for "expected one of" messages.
    pub fn keys() -> Vec<&'static str> {
        AssetKind::ALL.iter().map(|k| k.key()).collect()
    }
}

impl fmt::Display for AssetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// An unknown asset kind name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown asset kind \"{0}\"")]
pub struct UnknownKind(pub String);

impl FromStr for AssetKind {
    type Err = UnknownKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AssetKind::ALL
            .iter()
            .copied()
            .find(|k| k.key() == s)
            .ok_or_else(|| UnknownKind(s.to_owned()))
    }
}

/// Default lifetime and O&M of one kind of asset, with their sources.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KindDefaults {
    /// The kind.
    pub kind: AssetKind,
    /// Expected lifetime, years.
    pub lifetime_years: u32,
    /// Where the lifetime comes from.
    pub lifetime_source: &'static str,
    /// The same, in French.
    pub lifetime_source_fr: &'static str,
    /// Annual operation and maintenance, fraction of capex per year.
    pub om_fraction_of_capex: f64,
    /// Where the O&M fraction comes from.
    pub om_source: &'static str,
    /// The same, in French.
    pub om_source_fr: &'static str,
}

/// Lifetime and O&M of every kind, in [`AssetKind::ALL`] order.
pub static KINDS: &[KindDefaults] = &[
    KindDefaults {
        kind: AssetKind::PvArray,
        lifetime_years: 30,
        lifetime_source: "NREL Annual Technology Baseline (commercial and residential PV: 30-year \
            economic life); module power warranties of 25-30 years",
        lifetime_source_fr: "NREL Annual Technology Baseline (photovoltaïque commercial et résidentiel : durée de vie économique de 30 ans) ; garanties de puissance des modules de 25 à 30 ans",
        om_fraction_of_capex: 0.015,
        om_source: "quartier-optim cost table: 15 EUR/kWp/y on 1,000 EUR/kWp (IRENA, Renewable \
            Power Generation Costs in 2023; NREL/TP-5C00-74840, Model of O&M Costs for PV Systems)",
        om_source_fr: "table de coûts de quartier-optim : 15 EUR/kWc/an pour 1 000 EUR/kWc (IRENA, Renewable Power Generation Costs in 2023 ; NREL/TP-5C00-74840, Model of O&M Costs for PV Systems)",
    },
    KindDefaults {
        kind: AssetKind::Inverter,
        lifetime_years: 12,
        lifetime_source: "NREL/Sandia/SunSpec, Best Practices for O&M of PV and Energy Storage \
            Systems, 3rd ed. (NREL/TP-7A40-73822, 2018): inverters are replaced once or twice over \
            a PV system's life (10-15 y; 5-10 y standard warranties)",
        lifetime_source_fr: "NREL/Sandia/SunSpec, Best Practices for O&M of PV and Energy Storage Systems, 3e éd. (NREL/TP-7A40-73822, 2018) : les onduleurs sont remplacés une ou deux fois sur la vie d'une installation photovoltaïque (10 à 15 ans ; garanties usuelles de 5 à 10 ans)",
        om_fraction_of_capex: 0.01,
        om_source: "assumption (inspection and firmware; the replacement itself is planned)",
        om_source_fr: "hypothèse (inspection et micrologiciel ; le remplacement lui-même est planifié)",
    },
    KindDefaults {
        kind: AssetKind::Battery,
        lifetime_years: 15,
        lifetime_source: "quartier-optim cost table (IEA, Batteries and Secure Energy Transitions, \
            2024; NREL ATB commercial battery storage: 15 y)",
        lifetime_source_fr: "table de coûts de quartier-optim (AIE, Batteries and Secure Energy Transitions, 2024 ; NREL ATB stockage commercial par batterie : 15 ans)",
        om_fraction_of_capex: 0.0125,
        om_source: "quartier-optim cost table: 5 EUR/kWh/y on 400 EUR/kWh",
        om_source_fr: "table de coûts de quartier-optim : 5 EUR/kWh/an pour 400 EUR/kWh",
    },
    KindDefaults {
        kind: AssetKind::Electrolyser,
        lifetime_years: 15,
        lifetime_source: "IRENA, Green Hydrogen Cost Reduction (2020), PEM stack lifetime \
            50,000-80,000 h, i.e. ~15 y at 4,000-5,000 full-load hours a year; the balance of \
            plant lasts ~20 y (IEA, Global Hydrogen Review 2024)",
        lifetime_source_fr: "IRENA, Green Hydrogen Cost Reduction (2020), durée de vie d'un empilement PEM de 50 000 à 80 000 h, soit environ 15 ans à 4 000-5 000 heures pleine charge par an ; le reste de l'installation dure environ 20 ans (AIE, Global Hydrogen Review 2024)",
        om_fraction_of_capex: 0.03,
        om_source: "quartier-optim cost table: 54 EUR/kW/y on 1,800 EUR/kW (IEA, Global Hydrogen \
            Review 2024)",
        om_source_fr: "table de coûts de quartier-optim : 54 EUR/kW/an pour 1 800 EUR/kW (AIE, Global Hydrogen Review 2024)",
    },
    KindDefaults {
        kind: AssetKind::HydrogenTank,
        lifetime_years: 20,
        lifetime_source: "quartier-optim cost table (20 y); composite (type III/IV) vessels are \
            certified for 15-20 years of service",
        lifetime_source_fr: "table de coûts de quartier-optim (20 ans) ; les réservoirs composites (type III/IV) sont certifiés pour 15 à 20 ans de service",
        om_fraction_of_capex: 0.01,
        om_source: "quartier-optim cost table: 6 EUR/kg/y on 600 EUR/kg",
        om_source_fr: "table de coûts de quartier-optim : 6 EUR/kg/an pour 600 EUR/kg",
    },
    KindDefaults {
        kind: AssetKind::FuelCell,
        lifetime_years: 10,
        lifetime_source: "quartier-optim cost table (10 y); US DOE technical targets for fuel cell \
            backup power systems (10-year system life)",
        lifetime_source_fr: "table de coûts de quartier-optim (10 ans) ; objectifs techniques du US DOE pour les piles à combustible de secours (durée de vie du système de 10 ans)",
        om_fraction_of_capex: 0.025,
        om_source: "quartier-optim cost table: 50 EUR/kW/y on 2,000 EUR/kW (IEA, Global Hydrogen \
            Review 2024)",
        om_source_fr: "table de coûts de quartier-optim : 50 EUR/kW/an pour 2 000 EUR/kW (AIE, Global Hydrogen Review 2024)",
    },
    KindDefaults {
        kind: AssetKind::Charger,
        lifetime_years: 10,
        lifetime_source: "assumption: ~10 y for AC charge points (installer and US AFDC guidance; \
            no long field record yet)",
        lifetime_source_fr: "hypothèse : environ 10 ans pour une borne de recharge en courant alternatif (recommandations d'installateurs et de l'US AFDC ; pas encore de long retour d'expérience)",
        om_fraction_of_capex: 0.05,
        om_source: "US DOE Alternative Fuels Data Center: up to 400 USD per charger per year",
        om_source_fr: "US DOE Alternative Fuels Data Center : jusqu'à 400 USD par borne et par an",
    },
    KindDefaults {
        kind: AssetKind::Meter,
        lifetime_years: 20,
        lifetime_source: "Enedis Linky meters: 20-year depreciation; Cour des comptes, rapport \
            public annuel 2018 (limited service life of communicating meters)",
        lifetime_source_fr: "compteurs Linky d'Enedis : amortissement sur 20 ans ; Cour des comptes, rapport public annuel 2018 (durée de vie limitée des compteurs communicants)",
        om_fraction_of_capex: 0.0,
        om_source: "operated by the distribution system operator and paid through the TURPE",
        om_source_fr: "exploité par le gestionnaire du réseau de distribution et payé par le TURPE",
    },
    KindDefaults {
        kind: AssetKind::CargoBike,
        lifetime_years: 8,
        lifetime_source: "manufacturers: 7-8 y of service for an electric cargo bike in normal \
            use; Li-ion packs ~700 cycles (6-7 y)",
        lifetime_source_fr: "fabricants : 7 à 8 ans de service pour un vélo-cargo électrique en usage normal ; batteries Li-ion d'environ 700 cycles (6 à 7 ans)",
        om_fraction_of_capex: 0.05,
        om_source: "assumption: tyres, brakes, chain and a battery pack over the bike's life",
        om_source_fr: "hypothèse : pneus, freins, chaîne et une batterie sur la vie du vélo",
    },
    KindDefaults {
        kind: AssetKind::Building,
        lifetime_years: 50,
        lifetime_source: "RE2020 life-cycle assessment reference study period of 50 years",
        lifetime_source_fr: "période de référence de 50 ans de l'analyse de cycle de vie RE2020",
        om_fraction_of_capex: 0.01,
        om_source: "assumption",
        om_source_fr: "hypothèse",
    },
    KindDefaults {
        kind: AssetKind::Other,
        lifetime_years: 20,
        lifetime_source: "assumption",
        lifetime_source_fr: "hypothèse",
        om_fraction_of_capex: 0.02,
        om_source: "assumption",
        om_source_fr: "hypothèse",
    },
];

/// A capacity of the district model that an asset's default capex is proportional to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quantity {
    /// PV peak power, kWp.
    PvKwp,
    /// Inverter AC rating, kW (`kwp / dc_ac_ratio`).
    InverterKw,
    /// Battery usable energy, kWh.
    BatteryKwh,
    /// Battery power (the larger of charge and discharge), kW.
    BatteryKw,
    /// Electrolyser electrical input, kW.
    ElectrolyserKw,
    /// Hydrogen tank capacity, kg.
    TankKg,
    /// Fuel cell electrical output, kW.
    FuelCellKw,
    /// One EV charge point.
    ChargePoint,
    /// One meter.
    Meter,
    /// One vehicle of a fleet.
    Vehicle,
}

impl Quantity {
    /// The unit ("kWp", "kW", "kWh", "kg", "charge point", "meter", "vehicle").
    pub fn unit(self) -> &'static str {
        match self {
            Quantity::PvKwp => "kWp",
            Quantity::InverterKw
            | Quantity::BatteryKw
            | Quantity::ElectrolyserKw
            | Quantity::FuelCellKw => "kW",
            Quantity::BatteryKwh => "kWh",
            Quantity::TankKg => "kg",
            Quantity::ChargePoint => "charge point",
            Quantity::Meter => "meter",
            Quantity::Vehicle => "vehicle",
        }
    }
}

/// Default investment of one kind per unit of one capacity, with its source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CapexDefault {
    /// The kind of asset.
    pub kind: AssetKind,
    /// The capacity it is proportional to.
    pub quantity: Quantity,
    /// Investment, EUR per unit.
    pub eur_per_unit: f64,
    /// Where it comes from.
    pub source: &'static str,
}

/// Default capex terms; an asset's default capex is the sum of its kind's terms.
pub static CAPEX: &[CapexDefault] = &[
    CapexDefault {
        kind: AssetKind::PvArray,
        quantity: Quantity::PvKwp,
        eur_per_unit: 875.0,
        source: "quartier-optim cost table, 1,000 EUR/kWp for a rooftop system (IRENA 2023, ADEME), \
            less the inverter (150 EUR/kW AC at the default DC/AC ratio of 1.2)",
    },
    CapexDefault {
        kind: AssetKind::Inverter,
        quantity: Quantity::InverterKw,
        eur_per_unit: 150.0,
        source: "assumption: ~12 % of a commercial rooftop system's cost (NREL PV cost benchmarks \
            put string inverters at 0.05-0.10 USD/Wdc)",
    },
    CapexDefault {
        kind: AssetKind::Battery,
        quantity: Quantity::BatteryKwh,
        eur_per_unit: 400.0,
        source: "quartier-optim cost table (IEA, Batteries and Secure Energy Transitions, 2024)",
    },
    CapexDefault {
        kind: AssetKind::Battery,
        quantity: Quantity::BatteryKw,
        eur_per_unit: 150.0,
        source: "quartier-optim cost table (NREL ATB 2024, power-related share)",
    },
    CapexDefault {
        kind: AssetKind::Electrolyser,
        quantity: Quantity::ElectrolyserKw,
        eur_per_unit: 1800.0,
        source: "quartier-optim cost table (IEA, Global Hydrogen Review 2024, installed PEM, small \
            scale)",
    },
    CapexDefault {
        kind: AssetKind::HydrogenTank,
        quantity: Quantity::TankKg,
        eur_per_unit: 600.0,
        source: "quartier-optim cost table (ADEME / US DOE Hydrogen Program, compressed storage)",
    },
    CapexDefault {
        kind: AssetKind::FuelCell,
        quantity: Quantity::FuelCellKw,
        eur_per_unit: 2000.0,
        source: "quartier-optim cost table (IEA, Global Hydrogen Review 2024, stationary fuel cells)",
    },
    CapexDefault {
        kind: AssetKind::Charger,
        quantity: Quantity::ChargePoint,
        eur_per_unit: 7000.0,
        source: "assumption: a public 22 kW AC charge point installed with its share of civil \
            works (French quotes: 6,000-8,000 EUR for a two-point AC unit before works)",
    },
    CapexDefault {
        kind: AssetKind::Meter,
        quantity: Quantity::Meter,
        eur_per_unit: 130.0,
        source: "Cour des comptes, rapport public annuel 2018: 130 EUR per Linky meter installed",
    },
    CapexDefault {
        kind: AssetKind::CargoBike,
        quantity: Quantity::Vehicle,
        eur_per_unit: 6000.0,
        source: "assumption: an electric cargo bike for municipal services (4,000-9,000 EUR)",
    },
];

/// The default capex of `kind` for the given capacities (`quantity → amount`); terms whose
/// capacity is not given count zero.
pub fn default_capex_eur(kind: AssetKind, amounts: &[(Quantity, f64)]) -> f64 {
    CAPEX
        .iter()
        .filter(|c| c.kind == kind)
        .map(|c| {
            amounts
                .iter()
                .filter(|(q, _)| *q == c.quantity)
                .map(|(_, x)| c.eur_per_unit * x)
                .sum::<f64>()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_one_row_in_order_and_round_trips() {
        assert_eq!(KINDS.len(), AssetKind::ALL.len());
        for (d, k) in KINDS.iter().zip(AssetKind::ALL) {
            assert_eq!(d.kind, k);
            assert_eq!(k.defaults().kind, k);
            assert_eq!(k.key().parse::<AssetKind>(), Ok(k));
            assert_eq!(k.to_string(), k.key());
            assert!((1..=100).contains(&d.lifetime_years));
            assert!((0.0..0.2).contains(&d.om_fraction_of_capex));
            assert!(!d.lifetime_source.is_empty() && !d.om_source.is_empty());
            assert!(!d.lifetime_source_fr.is_empty() && !d.om_source_fr.is_empty());
        }
        assert!("PV array".parse::<AssetKind>().is_err());
    }

    #[test]
    fn battery_capex_sums_its_energy_and_power_terms() {
        let c = default_capex_eur(
            AssetKind::Battery,
            &[(Quantity::BatteryKwh, 100.0), (Quantity::BatteryKw, 50.0)],
        );
        assert_eq!(c, 100.0 * 400.0 + 50.0 * 150.0);
        // PV array + inverter at the default DC/AC ratio: the optimiser's 1,000 EUR/kWp.
        let pv = default_capex_eur(AssetKind::PvArray, &[(Quantity::PvKwp, 1.0)])
            + default_capex_eur(AssetKind::Inverter, &[(Quantity::InverterKw, 1.0 / 1.2)]);
        assert!((pv - 1000.0).abs() < 1e-9, "{pv}");
        assert_eq!(default_capex_eur(AssetKind::Building, &[]), 0.0);
    }
}

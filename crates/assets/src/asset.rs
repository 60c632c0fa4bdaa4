//! An asset of the registry and its maintenance log, with validation that reports the first
//! problem as a typed [`AssetError`].
//!
//! Fields map one to one onto the store's `assets` table (`component, kind, name, location,
//! latitude_deg, longitude_deg, commissioned_on, lifetime_years, capex_eur, annual_om_eur,
//! condition, replacement_year, notes`) and `maintenance_log` table (`performed_on, kind,
//! cost_eur, note`); kinds are the snake_case strings of [`AssetKind`] and
//! [`MaintenanceKind`].

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use crate::kind::AssetKind;

/// Condition rating, 1 (critical: replace now) to 5 (as new).
pub const CONDITION_RANGE: std::ops::RangeInclusive<u8> = 1..=5;
/// Accepted expected lifetimes, years.
pub const LIFETIME_RANGE: std::ops::RangeInclusive<u32> = 1..=100;

/// One asset of a district.
#[derive(Debug, Clone, PartialEq)]
pub struct Asset {
    /// Unique identifier and display name.
    pub name: String,
    /// What it is.
    pub kind: AssetKind,
    /// The district-model component it belongs to (`pv-ecole`, a participant's PRM…), if any.
    pub component: Option<String>,
    /// Where it is (address, building, roof).
    pub location: String,
    /// Latitude, degrees north.
    pub latitude_deg: Option<f64>,
    /// Longitude, degrees east.
    pub longitude_deg: Option<f64>,
    /// Date of commissioning (mise en service), local date.
    pub commissioned_on: NaiveDate,
    /// Expected lifetime, years (1–100).
    pub lifetime_years: u32,
    /// Investment, EUR (also the cost of a like-for-like replacement, before escalation).
    pub capex_eur: f64,
    /// Operation and maintenance, EUR per year.
    pub annual_om_eur: f64,
    /// Condition rating, 1 (critical) to 5 (as new); see [`crate::plan`] for its effect.
    pub condition: u8,
    /// Year of the next replacement when decided, overriding the computed one.
    pub replacement_year: Option<i32>,
    /// Free notes.
    pub notes: String,
    /// Maintenance log, in any order.
    pub maintenance: Vec<MaintenanceEntry>,
}

/// What a maintenance intervention was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MaintenanceKind {
    /// An inspection or a test.
    Inspection,
    /// Planned (preventive) maintenance.
    Preventive,
    /// A repair after a fault (corrective).
    Corrective,
    /// The asset was replaced like for like: its life starts again on that date.
    Replacement,
    /// Anything else.
    Other,
}

impl MaintenanceKind {
    /// Every kind.
    pub const ALL: [MaintenanceKind; 5] = [
        MaintenanceKind::Inspection,
        MaintenanceKind::Preventive,
        MaintenanceKind::Corrective,
        MaintenanceKind::Replacement,
        MaintenanceKind::Other,
    ];

    /// The snake_case name.
    pub fn key(self) -> &'static str {
        match self {
            MaintenanceKind::Inspection => "inspection",
            MaintenanceKind::Preventive => "preventive",
            MaintenanceKind::Corrective => "corrective",
            MaintenanceKind::Replacement => "replacement",
            MaintenanceKind::Other => "other",
        }
    }

    /// Every key, for "expected one of" messages.
    pub fn keys() -> Vec<&'static str> {
        MaintenanceKind::ALL.iter().map(|k| k.key()).collect()
    }
}

impl fmt::Display for MaintenanceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// An unknown maintenance kind name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown maintenance kind \"{0}\"")]
pub struct UnknownMaintenanceKind(pub String);

impl FromStr for MaintenanceKind {
    type Err = UnknownMaintenanceKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MaintenanceKind::ALL
            .iter()
            .copied()
            .find(|k| k.key() == s)
            .ok_or_else(|| UnknownMaintenanceKind(s.to_owned()))
    }
}

/// One entry of an asset's maintenance log.
#[derive(Debug, Clone, PartialEq)]
pub struct MaintenanceEntry {
    /// When it was done.
    pub performed_on: NaiveDate,
    /// What it was.
    pub kind: MaintenanceKind,
    /// What it cost, EUR.
    pub cost_eur: f64,
    /// Free note.
    pub note: String,
}

/// The first problem found with an asset.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AssetError {
    /// The name is empty.
    #[error("an asset has an empty name")]
    EmptyName,
    /// Lifetime outside 1–100 years.
    #[error(
        "{name}: lifetime of {value} years is out of range (expected 1 ≤ lifetime_years ≤ 100)"
    )]
    Lifetime {
        /// Asset.
        name: String,
        /// Value.
        value: u32,
    },
    /// A money amount that must be finite and ≥ 0.
    #[error("{name}: {field} = {value} (expected a finite amount ≥ 0)")]
    Amount {
        /// Asset.
        name: String,
        /// Field (`capex_eur`, `annual_om_eur`, `maintenance[2].cost_eur`).
        field: String,
        /// Value.
        value: f64,
    },
    /// Condition outside 1–5.
    #[error("{name}: condition {value} is out of range (expected 1 ≤ condition ≤ 5)")]
    Condition {
        /// Asset.
        name: String,
        /// Value.
        value: u8,
    },
    /// Latitude or longitude out of range, or only one of them given.
    #[error("{name}: {field} = {value} is out of range (expected {expected})")]
    Coordinate {
        /// Asset.
        name: String,
        /// `latitude_deg` or `longitude_deg`.
        field: &'static str,
        /// Value (NaN when missing).
        value: f64,
        /// What was expected.
        expected: &'static str,
    },
    /// The replacement year comes before the commissioning year.
    #[error("{name}: replacement year {year} is before commissioning on {commissioned_on}")]
    ReplacementBeforeCommissioning {
        /// Asset.
        name: String,
        /// Replacement year.
        year: i32,
        /// Commissioning date.
        commissioned_on: NaiveDate,
    },
    /// A maintenance entry dated before commissioning.
    #[error("{name}: maintenance on {performed_on} is before commissioning on {commissioned_on}")]
    MaintenanceBeforeCommissioning {
        /// Asset.
        name: String,
        /// Entry date.
        performed_on: NaiveDate,
        /// Commissioning date.
        commissioned_on: NaiveDate,
    },
}

impl Asset {
    /// A new asset with its kind's default lifetime and O&M ([`crate::KINDS`]), condition 5,
    /// no location and an empty log.
    pub fn new(name: &str, kind: AssetKind, commissioned_on: NaiveDate, capex_eur: f64) -> Asset {
        let d = kind.defaults();
        Asset {
            name: name.to_owned(),
            kind,
            component: None,
            location: String::new(),
            latitude_deg: None,
            longitude_deg: None,
            commissioned_on,
            lifetime_years: d.lifetime_years,
            capex_eur,
            annual_om_eur: capex_eur * d.om_fraction_of_capex,
            condition: 5,
            replacement_year: None,
            notes: String::new(),
            maintenance: Vec::new(),
        }
    }

    /// Checks every field on its own and against the others (dates relative to the plan are
    /// checked by [`crate::lifecycle_plan`]).
    pub fn validate(&self) -> Result<(), AssetError> {
        let name = || self.name.clone();
        if self.name.trim().is_empty() {
            return Err(AssetError::EmptyName);
        }
        if !LIFETIME_RANGE.contains(&self.lifetime_years) {
            return Err(AssetError::Lifetime {
                name: name(),
                value: self.lifetime_years,
            });
        }
        let amount = |field: String, value: f64| {
            if value.is_finite() && value >= 0.0 {
                Ok(())
            } else {
                Err(AssetError::Amount {
                    name: name(),
                    field,
                    value,
                })
            }
        };
        amount("capex_eur".into(), self.capex_eur)?;
        amount("annual_om_eur".into(), self.annual_om_eur)?;
        if !CONDITION_RANGE.contains(&self.condition) {
            return Err(AssetError::Condition {
                name: name(),
                value: self.condition,
            });
        }
        match (self.latitude_deg, self.longitude_deg) {
            (None, None) => {}
            (lat, lon) => {
                let lat = lat.unwrap_or(f64::NAN);
                let lon = lon.unwrap_or(f64::NAN);
                if !(-90.0..=90.0).contains(&lat) {
                    return Err(AssetError::Coordinate {
                        name: name(),
                        field: "latitude_deg",
                        value: lat,
                        expected: "-90 ≤ latitude_deg ≤ 90, given with longitude_deg",
                    });
                }
                if !(-180.0..=180.0).contains(&lon) {
                    return Err(AssetError::Coordinate {
                        name: name(),
                        field: "longitude_deg",
                        value: lon,
                        expected: "-180 ≤ longitude_deg ≤ 180, given with latitude_deg",
                    });
                }
            }
        }
        if let Some(year) = self.replacement_year
            && year < self.commissioned_on.year()
        {
            return Err(AssetError::ReplacementBeforeCommissioning {
                name: name(),
                year,
                commissioned_on: self.commissioned_on,
            });
        }
        for (i, m) in self.maintenance.iter().enumerate() {
            amount(format!("maintenance[{i}].cost_eur"), m.cost_eur)?;
            if m.performed_on < self.commissioned_on {
                return Err(AssetError::MaintenanceBeforeCommissioning {
                    name: name(),
                    performed_on: m.performed_on,
                    commissioned_on: self.commissioned_on,
                });
            }
        }
        Ok(())
    }

    /// The date the unit in service started its life: the last `replacement` of the log, or
    /// commissioning.
    pub fn in_service_since(&self) -> NaiveDate {
        self.maintenance
            .iter()
            .filter(|m| m.kind == MaintenanceKind::Replacement)
            .map(|m| m.performed_on)
            .fold(self.commissioned_on, NaiveDate::max)
    }

    /// Total cost of the maintenance log, EUR.
    pub fn maintenance_cost_eur(&self) -> f64 {
        self.maintenance.iter().map(|m| m.cost_eur).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn new_takes_the_kind_defaults_and_validates() {
        let a = Asset::new("inv", AssetKind::Inverter, d(2020, 1, 1), 10_000.0);
        assert_eq!(a.lifetime_years, 12);
        assert!((a.annual_om_eur - 100.0).abs() < 1e-9);
        assert_eq!(a.validate(), Ok(()));
    }

    #[test]
    fn validation_names_the_field_at_fault() {
        let ok = Asset::new("b", AssetKind::Battery, d(2020, 1, 1), 1.0);
        let mut a = ok.clone();
        a.lifetime_years = 0;
        assert!(matches!(
            a.validate(),
            Err(AssetError::Lifetime { value: 0, .. })
        ));
        let mut a = ok.clone();
        a.capex_eur = -1.0;
        assert!(
            matches!(a.validate(), Err(AssetError::Amount { ref field, .. }) if field == "capex_eur")
        );
        let mut a = ok.clone();
        a.condition = 6;
        assert!(matches!(
            a.validate(),
            Err(AssetError::Condition { value: 6, .. })
        ));
        let mut a = ok.clone();
        a.latitude_deg = Some(48.0);
        assert!(matches!(
            a.validate(),
            Err(AssetError::Coordinate {
                field: "longitude_deg",
                ..
            })
        ));
        let mut a = ok.clone();
        a.replacement_year = Some(2019);
        assert!(matches!(
            a.validate(),
            Err(AssetError::ReplacementBeforeCommissioning { .. })
        ));
        let mut a = ok.clone();
        a.maintenance.push(MaintenanceEntry {
            performed_on: d(2019, 12, 31),
            kind: MaintenanceKind::Inspection,
            cost_eur: 0.0,
            note: String::new(),
        });
        assert!(matches!(
            a.validate(),
            Err(AssetError::MaintenanceBeforeCommissioning { .. })
        ));
        let mut a = ok;
        a.name = " ".into();
        assert_eq!(a.validate(), Err(AssetError::EmptyName));
    }

    #[test]
    fn a_logged_replacement_restarts_the_life() {
        let mut a = Asset::new("inv", AssetKind::Inverter, d(2010, 5, 1), 1.0);
        for (date, kind) in [
            (d(2018, 1, 1), MaintenanceKind::Replacement),
            (d(2020, 1, 1), MaintenanceKind::Corrective),
        ] {
            a.maintenance.push(MaintenanceEntry {
                performed_on: date,
                kind,
                cost_eur: 100.0,
                note: String::new(),
            });
        }
        assert_eq!(a.in_service_since(), d(2018, 1, 1));
        assert_eq!(a.maintenance_cost_eur(), 200.0);
        assert_eq!("replacement".parse(), Ok(MaintenanceKind::Replacement));
    }
}

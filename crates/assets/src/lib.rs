//! The infrastructure asset registry of a district and its lifecycle-cost and replacement
//! plan.
//!
//! Every asset (PV array, inverter, battery, electrolyser, hydrogen tank, fuel cell, charge
//! point, meter, cargo bike, building…) has a location, a commissioning date, an expected
//! lifetime, a capex, an annual O&M, a condition rating, an optional decided replacement
//! year and a maintenance log, and may be linked to a component of the district model.
//!
//! The flow is: [`registry_from_district`] (one asset per component of a
//! [`quartier_model::District`], with the cited defaults of [`KINDS`] and [`CAPEX`]) →
//! optionally [`read_registry`] and [`RegistryFile::apply`] (a TOML file that corrects and
//! completes it, with diagnostics at file, line and field) → [`lifecycle_plan`] over 30
//! years → a [`Plan`] with yearly costs, replacement years and the net present value.
//!
//! ```
//! use chrono::NaiveDate;
//! use quartier_assets::{Asset, AssetKind, PlanConfig, lifecycle_plan};
//! let on = NaiveDate::from_ymd_opt(2020, 6, 1).unwrap();
//! let inverter = Asset::new("pv-ecole-inverter", AssetKind::Inverter, on, 12_000.0);
//! let plan = lifecycle_plan(&[inverter], &PlanConfig::new(2026)).unwrap();
//! // A 12-year life: replaced in 2032 and 2044 within 2026–2055.
//! assert_eq!(plan.assets[0].replacement_years, vec![2032, 2044]);
//! assert_eq!(plan.totals.replacement_capex_eur, 24_000.0);
//! ```
//!
//! **Architecture invariant:** this crate knows nothing of CSV, HTML, JSON, SQL or HTTP (the
//! report crate writes the plan, the store keeps the registry); it reads only its own
//! registry file, and never panics on input.
#![deny(missing_docs)]

mod asset;
mod district;
mod kind;
mod plan;
mod registry;

pub use asset::{
    Asset, AssetError, CONDITION_RANGE, LIFETIME_RANGE, MaintenanceEntry, MaintenanceKind,
    UnknownMaintenanceKind,
};
pub use district::{CARGO_BIKE_MAX_KWH_PER_KM, registry_from_district};
pub use kind::{
    AssetKind, CAPEX, CapexDefault, KINDS, KindDefaults, Quantity, UnknownKind, default_capex_eur,
};
pub use plan::{
    AssetPlan, Plan, PlanConfig, PlanError, PlanTotals, PlanYear, ReplacementReason,
    check_against_start, condition_cap_year, first_replacement, lifecycle_plan,
};
pub use registry::{
    ASSET_FIELDS, AssetRecord, Field, FieldKind, MAINTENANCE_FIELDS, MAX_REGISTRY_BYTES,
    RegistryFile, parse_registry, read_registry, registry_schema_markdown,
};

//! The lifecycle-cost and replacement plan: for each year of the horizon, the capex of the
//! assets replaced that year, the O&M of all assets, their total and its present value; for
//! each asset, the years it is replaced; totals and the net present value.
//!
//! **Replacement rule.** The unit in service started its life in the year of the asset's
//! last logged `replacement` (or of its commissioning); it reaches its end of life
//! `lifetime_years` later. Its condition caps the life left from the plan's first year:
//!
//! | condition | meaning | replaced at the latest in |
//! |---|---|---|
//! | 5, 4 | as new, good | its end of life |
//! | 3 | fair | `start_year + ceil(lifetime / 2)` |
//! | 2 | poor | `start_year + 2` |
//! | 1 | critical | `start_year` |
//!
//! An asset past its end of life is replaced in `start_year` (overdue). An explicit
//! `replacement_year` overrides both the end of life and the condition (an overdue one is
//! moved to `start_year`). Each replacement is like for like: same capex (escalated by
//! `capex_escalation` a year from `start_year`) and same lifetime, so the next one follows
//! `lifetime_years` later, as long as it falls within the horizon.
//!
//! **What is counted.** Costs within the horizon only: the initial investment of assets in
//! service at the start is sunk; O&M is counted every year for every asset (escalated by
//! `om_escalation`). Year `start_year` is not discounted; year `start_year + t` is divided by
//! `(1 + discount_rate)^t`. The residual value of units bought within the horizon (straight
//! line over their lifetime, at the end of the last year) is reported apart and is not in
//! [`PlanTotals::npv_eur`].

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

use crate::asset::{Asset, AssetError};
use crate::kind::AssetKind;

/// Settings of a plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanConfig {
    /// First year of the plan (also the year of present values).
    pub start_year: i32,
    /// Horizon, years (1–200; 30 by default).
    pub years: u32,
    /// Real discount rate (e.g. 0.04).
    pub discount_rate: f64,
    /// Yearly real escalation of replacement capex (0 keeps today's prices).
    pub capex_escalation: f64,
    /// Yearly real escalation of O&M.
    pub om_escalation: f64,
}

impl PlanConfig {
    /// Default horizon.
    pub const DEFAULT_YEARS: u32 = 30;
    /// Default real discount rate: 4 %, between France Stratégie's 4.5 % for public
    /// investment (rapport Quinet, 2013) and its 2021 revision (3.2 % plus a risk premium).
    pub const DEFAULT_DISCOUNT_RATE: f64 = 0.04;

    /// 30 years from `start_year` at 4 %, no escalation.
    pub fn new(start_year: i32) -> PlanConfig {
        PlanConfig {
            start_year,
            years: Self::DEFAULT_YEARS,
            discount_rate: Self::DEFAULT_DISCOUNT_RATE,
            capex_escalation: 0.0,
            om_escalation: 0.0,
        }
    }

    /// The last year of the plan.
    pub fn end_year(&self) -> i32 {
        self.start_year + self.years as i32 - 1
    }

    fn check(&self) -> Result<(), PlanError> {
        let bad = |field: &'static str, value: f64, expected: &'static str| {
            Err(PlanError::Config {
                field,
                value,
                expected,
            })
        };
        if !(1000..=9000).contains(&self.start_year) {
            return bad(
                "start_year",
                self.start_year as f64,
                "1000 ≤ start_year ≤ 9000",
            );
        }
        if !(1..=200).contains(&self.years) {
            return bad("years", self.years as f64, "1 ≤ years ≤ 200");
        }
        for (field, v) in [
            ("discount_rate", self.discount_rate),
            ("capex_escalation", self.capex_escalation),
            ("om_escalation", self.om_escalation),
        ] {
            if !(v.is_finite() && v > -1.0 && v <= 1.0) {
                return bad(field, v, "a finite rate, −1 < rate ≤ 1");
            }
        }
        Ok(())
    }
}

/// Why an asset is first replaced when it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplacementReason {
    /// It reaches the end of its expected lifetime.
    EndOfLife,
    /// It was already past its end of life at the start: replaced in the first year.
    Overdue,
    /// Its condition rating brings the replacement forward.
    Condition,
    /// Its `replacement_year` was given.
    Override,
}

impl ReplacementReason {
    /// A snake_case name (`end_of_life`, `overdue`, `condition`, `override`).
    pub fn key(self) -> &'static str {
        match self {
            ReplacementReason::EndOfLife => "end_of_life",
            ReplacementReason::Overdue => "overdue",
            ReplacementReason::Condition => "condition",
            ReplacementReason::Override => "override",
        }
    }
}

/// One year of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanYear {
    /// The year.
    pub year: i32,
    /// Capex of the replacements of the year, EUR (escalated).
    pub replacement_capex_eur: f64,
    /// O&M of all assets, EUR (escalated).
    pub om_eur: f64,
    /// `replacement_capex_eur + om_eur`, EUR.
    pub total_eur: f64,
    /// `1 / (1 + discount_rate)^(year − start_year)`.
    pub discount_factor: f64,
    /// `total_eur × discount_factor`, EUR of the start year.
    pub discounted_eur: f64,
    /// Names of the assets replaced this year.
    pub assets_replaced: Vec<String>,
}

/// One asset's part of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetPlan {
    /// The asset's name.
    pub name: String,
    /// Its kind.
    pub kind: AssetKind,
    /// The district component it belongs to.
    pub component: Option<String>,
    /// Year its current unit reaches its end of life (start of service + lifetime).
    pub end_of_life_year: i32,
    /// Why the first replacement falls when it does (`None` when not replaced in the horizon).
    pub first_reason: Option<ReplacementReason>,
    /// Years of its replacements within the horizon, increasing.
    pub replacement_years: Vec<i32>,
    /// Capex of those replacements, EUR (escalated).
    pub replacement_capex_eur: f64,
    /// Its O&M over the horizon, EUR (escalated).
    pub om_eur: f64,
    /// Straight-line value left at the end of the horizon of a unit bought within it, EUR.
    pub residual_value_eur: f64,
}

/// Totals of a plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlanTotals {
    /// Replacement capex over the horizon, EUR.
    pub replacement_capex_eur: f64,
    /// O&M over the horizon, EUR.
    pub om_eur: f64,
    /// Their sum, EUR.
    pub total_eur: f64,
    /// Sum of the discounted yearly totals: the net present value of the plan's costs, EUR.
    pub npv_eur: f64,
    /// Residual value of the units bought within the horizon, at its end, EUR.
    pub residual_value_eur: f64,
    /// That residual value discounted to the start year, EUR.
    pub residual_value_pv_eur: f64,
    /// Number of replacements.
    pub replacements: usize,
}

/// A lifecycle-cost and replacement plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Its settings.
    pub config: PlanConfig,
    /// One row per year, `start_year` first.
    pub years: Vec<PlanYear>,
    /// One row per asset, in registry order.
    pub assets: Vec<AssetPlan>,
    /// Totals.
    pub totals: PlanTotals,
}

/// Why a plan could not be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// A setting is out of range.
    #[error("plan setting {field} = {value} is out of range (expected {expected})")]
    Config {
        /// The setting.
        field: &'static str,
        /// Its value.
        value: f64,
        /// What was expected.
        expected: &'static str,
    },
    /// An asset is invalid.
    #[error(transparent)]
    Asset(#[from] AssetError),
    /// Two assets have the same name.
    #[error("two assets are named \"{0}\" (expected unique names)")]
    DuplicateName(String),
    /// An asset is commissioned after the plan's first year.
    #[error(
        "{name}: commissioned on {commissioned_on}, after the plan's first year {start_year} (expected a date in or before {start_year})"
    )]
    CommissionedAfterStart {
        /// Asset.
        name: String,
        /// Its commissioning date.
        commissioned_on: NaiveDate,
        /// The plan's first year.
        start_year: i32,
    },
    /// A maintenance entry is dated after the plan's first year.
    #[error(
        "{name}: maintenance on {performed_on} is after the plan's first year {start_year} (the log records work done)"
    )]
    MaintenanceAfterStart {
        /// Asset.
        name: String,
        /// Entry date.
        performed_on: NaiveDate,
        /// The plan's first year.
        start_year: i32,
    },
}

/// Checks `asset` against the plan's first year: commissioned and maintained in or before it.
pub fn check_against_start(asset: &Asset, start_year: i32) -> Result<(), PlanError> {
    if asset.commissioned_on.year() > start_year {
        return Err(PlanError::CommissionedAfterStart {
            name: asset.name.clone(),
            commissioned_on: asset.commissioned_on,
            start_year,
        });
    }
    if let Some(m) = asset
        .maintenance
        .iter()
        .find(|m| m.performed_on.year() > start_year)
    {
        return Err(PlanError::MaintenanceAfterStart {
            name: asset.name.clone(),
            performed_on: m.performed_on,
            start_year,
        });
    }
    Ok(())
}

/// The latest year the condition allows the current unit to stay, or `None` for no cap.
pub fn condition_cap_year(condition: u8, lifetime_years: u32, start_year: i32) -> Option<i32> {
    match condition {
        0 | 1 => Some(start_year),
        2 => Some(start_year + 2),
        3 => Some(start_year + lifetime_years.div_ceil(2) as i32),
        _ => None,
    }
}

/// The first replacement year of `asset` on or after `start_year` (possibly beyond the
/// horizon), and why. The asset must be valid.
pub fn first_replacement(asset: &Asset, start_year: i32) -> (i32, ReplacementReason) {
    let life = asset.lifetime_years as i32;
    let end_of_life = asset.in_service_since().year() + life;
    if let Some(y) = asset.replacement_year {
        return (y.max(start_year), ReplacementReason::Override);
    }
    if end_of_life <= start_year {
        let reason = if end_of_life < start_year {
            ReplacementReason::Overdue
        } else {
            ReplacementReason::EndOfLife
        };
        return (start_year, reason);
    }
    match condition_cap_year(asset.condition, asset.lifetime_years, start_year) {
        Some(cap) if cap < end_of_life => (cap, ReplacementReason::Condition),
        _ => (end_of_life, ReplacementReason::EndOfLife),
    }
}

/// Builds the plan of `assets` (each validated, names unique, commissioned and maintained
/// in or before the first year).
pub fn lifecycle_plan(assets: &[Asset], config: &PlanConfig) -> Result<Plan, PlanError> {
    config.check()?;
    let mut names = BTreeSet::new();
    for a in assets {
        a.validate()?;
        check_against_start(a, config.start_year)?;
        if !names.insert(a.name.as_str()) {
            return Err(PlanError::DuplicateName(a.name.clone()));
        }
    }
    let start = config.start_year;
    let end = config.end_year();
    let t = |year: i32| (year - start) as f64;
    let capex_factor = |year: i32| (1.0 + config.capex_escalation).powf(t(year));
    let om_factor = |year: i32| (1.0 + config.om_escalation).powf(t(year));
    let discount = |year: i32| (1.0 + config.discount_rate).powf(-t(year));

    let mut years: Vec<PlanYear> = (start..=end)
        .map(|year| PlanYear {
            year,
            replacement_capex_eur: 0.0,
            om_eur: 0.0,
            total_eur: 0.0,
            discount_factor: discount(year),
            discounted_eur: 0.0,
            assets_replaced: Vec::new(),
        })
        .collect();
    let mut plans = Vec::with_capacity(assets.len());
    for a in assets {
        let life = a.lifetime_years as i32;
        let (first, reason) = first_replacement(a, start);
        let mut replacement_years = Vec::new();
        let mut y = first;
        while y <= end {
            replacement_years.push(y);
            y += life;
        }
        let mut capex_total = 0.0;
        for &y in &replacement_years {
            let cost = a.capex_eur * capex_factor(y);
            capex_total += cost;
            if let Some(row) = years.get_mut((y - start) as usize) {
                row.replacement_capex_eur += cost;
                row.assets_replaced.push(a.name.clone());
            }
        }
        let mut om_total = 0.0;
        for row in &mut years {
            let om = a.annual_om_eur * om_factor(row.year);
            row.om_eur += om;
            om_total += om;
        }
        let residual = replacement_years.last().map_or(0.0, |&last| {
            // Bought at the start of `last`, it has served `end + 1 − last` years at the end.
            let left = (life - (end + 1 - last)).max(0) as f64;
            a.capex_eur * capex_factor(last) * left / life as f64
        });
        plans.push(AssetPlan {
            name: a.name.clone(),
            kind: a.kind,
            component: a.component.clone(),
            end_of_life_year: a.in_service_since().year() + life,
            first_reason: (!replacement_years.is_empty()).then_some(reason),
            replacement_years,
            replacement_capex_eur: capex_total,
            om_eur: om_total,
            residual_value_eur: residual,
        });
    }
    for row in &mut years {
        row.total_eur = row.replacement_capex_eur + row.om_eur;
        row.discounted_eur = row.total_eur * row.discount_factor;
    }
    let residual_value_eur: f64 = plans.iter().map(|p| p.residual_value_eur).sum();
    let totals = PlanTotals {
        replacement_capex_eur: years.iter().map(|r| r.replacement_capex_eur).sum(),
        om_eur: years.iter().map(|r| r.om_eur).sum(),
        total_eur: years.iter().map(|r| r.total_eur).sum(),
        npv_eur: years.iter().map(|r| r.discounted_eur).sum(),
        residual_value_eur,
        // Valued at the end of the last year, i.e. the start of `end + 1`.
        residual_value_pv_eur: residual_value_eur * discount(end + 1),
        replacements: plans.iter().map(|p| p.replacement_years.len()).sum(),
    };
    Ok(Plan {
        config: *config,
        years,
        assets: plans,
        totals,
    })
}

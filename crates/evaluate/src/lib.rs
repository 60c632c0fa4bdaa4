//! Measurement and verification: CalTRACK baselines, avoided energy with its uncertainty.
//!
//! The crate takes [`quartier_timeseries::Series`] (meter energy in kWh per interval — or
//! power in kW, converted — and air temperature in °C; NaN marks a missing value) and returns
//! typed results:
//!
//! - [`fit_daily`]: the CalTRACK 2.0 daily method (degree-day regression with balance-point
//!   search, candidate selection by adjusted R² with significance checks);
//! - [`fit_hourly`]: the CalTRACK hourly time-of-week-and-temperature method, segmented by
//!   month with weighted three-month windows;
//! - [`fit_billing`]: the CalTRACK billing method (the daily model on invoices' use per day,
//!   weighted by their days) for buildings known only through their invoices;
//! - a [`SufficiencyReport`] before every fit (CalTRACK section 2 criteria), the
//!   [`FitMetrics`] of every baseline (CV(RMSE), NMBE, R²) and a [`SavingsReport`] (avoided
//!   energy per day, month and in total, with the ASHRAE Guideline 14 fractional savings
//!   uncertainty and compliance flags);
//! - degree-days and temperature checks in [`temperature`] (°C, °F available);
//! - the [`coverage`] of a series over a period: every gap and each month's valid share.
//!
//! Bad input is an error, never a silent fit: too little baseline data, a meter or weather
//! with no overlap, temperatures in the wrong unit, a reporting period before the baseline.
//! This crate knows nothing of files, TOML, SQL or HTTP.
//!
//! ```
//! use chrono::{Duration, TimeZone, Utc};
//! use quartier_evaluate::{DailyConfig, Period, fit_daily};
//! use quartier_timeseries::{Axis, Quantity, Series, Step};
//!
//! // Two years of a building using 10 kWh/day plus 2 kWh per °C·day below 15 °C.
//! let start = Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap();
//! let days = 730;
//! let temps: Vec<f64> = (0..days).map(|d| 11.0 - 9.0 * (d as f64 * 0.0172).cos()).collect();
//! let energy: Vec<f64> = temps.iter().map(|t| 10.0 + 2.0 * (15.0 - t).max(0.0)).collect();
//! let axis = Axis::new(start, Step::from_minutes(1440).unwrap(), days).unwrap();
//! let energy = Series::new(axis, Quantity::EnergyKwh, energy).unwrap();
//! let temperature = Series::new(axis, Quantity::TemperatureC, temps).unwrap();
//! let config = DailyConfig {
//!     tz: chrono_tz::UTC,
//!     heating_balance_points_c: (10..=20).map(f64::from).collect(),
//!     cooling_balance_points_c: (18..=26).map(f64::from).collect(),
//!     ..DailyConfig::default()
//! };
//! let baseline = Period::new(start, start + Duration::days(365)).unwrap();
//! let fit = fit_daily(&energy, &temperature, baseline, &config).unwrap();
//! assert_eq!(fit.model.heating_balance_point_c, Some(15.0));
//! assert!((fit.model.beta_hdd_kwh_per_degree_day - 2.0).abs() < 1e-9);
//! ```
#![deny(missing_docs)]

mod billing;
mod coverage;
mod daily;
mod data;
mod error;
mod hourly;
mod metrics;
mod programme;
mod savings;
mod stats;
pub mod temperature;

pub use billing::{
    BillingConfig, BillingCycle, BillingFit, Invoice, InvoiceRow, InvoiceUse, fit_billing,
    invoices_within,
};
pub use coverage::{Coverage, Gap, MonthCoverage, coverage};
pub use daily::{
    CandidateCounts, DailyConfig, DailyFit, DailyModel, DailyModelKind, DailyPrediction,
    caltrack_balance_points_c, daily_sufficiency, fit_daily,
};
pub use data::{
    DailyData, Period, SufficiencyCriteria, SufficiencyIssue, SufficiencyReport, check_periods,
};
pub use error::EvalError;
pub use hourly::{
    HourlyConfig, HourlyFit, HourlyModel, HourlyPrediction, HourlySegment, fit_hourly,
    hourly_sufficiency,
};
pub use metrics::FitMetrics;
pub use programme::{
    About, Aggregate, Cell, CumulativeAvoided, Direction, Indicator, MIN_PUBLISHED_PRIVATE_METERS,
    Month, MonthlyBalance, ProgrammeRow, ProgrammeTable, Target, TargetStatus, cumulative_avoided,
    monthly_balance, months_from, next_month, programme_table, project_by_calendar_month,
};
pub use savings::{
    AvoidedEnergy, Granularity, Guideline14Check, SavingsConfig, SavingsReport, compute_savings,
};
pub use stats::{student_t_cdf, student_t_quantile};

//! Input assembly, the rule-based controller and the accounting pass (flows to KPIs).
//!
//! The path of a simulation: [`assemble`] aligns a district's data on its axis as
//! [`Inputs`] (computing PV through the solar crate); a controller ([`simulate`], the
//! rule-based baseline, or the LP optimiser of another crate) decides the [`Flows`];
//! [`account`] checks them at every step and computes the [`Kpis`].
//!
//! ```
//! # use quartier_sim::{Progress, NoProgress};
//! // Any closure is a progress hook; the library never prints.
//! let mut seen = Vec::new();
//! let mut hook = |done: usize, total: usize| seen.push((done, total));
//! hook.progress(1, 2);
//! NoProgress.progress(1, 2);
//! assert_eq!(seen, vec![(1, 2)]);
//! ```
//!
//! **Architecture invariants**: this crate knows nothing of solvers or file formats (no
//! serde: wire formats live in the report crate); one accounting pass serves every
//! controller; every balance holds at every step to 1e-9 kWh or the pass fails, naming the
//! step.
#![deny(missing_docs)]

mod account;
mod error;
mod flows;
mod inputs;
mod progress;
mod rule;

#[cfg(feature = "testkit")]
pub mod testkit;

pub use account::{Kpis, MonthlyKpis, TOLERANCE, account};
pub use error::{BalanceError, SimError};
pub use flows::{BatteryFlows, ChargingFlows, ElectrolyserFlows, Flows, FuelCellFlows, PvFlows};
pub use inputs::{Inputs, assemble, assemble_with_pv, pv_ac_energy_per_system};
pub use progress::{NoProgress, Progress};
pub use rule::{GridCharging, RuleConfig, simulate};

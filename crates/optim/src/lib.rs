//! LP layer and optimal dispatch: a solver-independent linear [`lp::Model`] with back ends
//! behind the [`lp::Solver`] trait (clarabel by default, HiGHS behind the `highs` feature),
//! and perfect-foresight dispatch of a district ([`dispatch`]) whose flows go through the
//! same accounting pass as the rule-based controller.
//!
//! **Architecture invariants**: the LP layer ([`lp`]) knows nothing of districts; the
//! dispatch knows nothing of solver types or status strings (it sees a [`lp::Outcome`]);
//! every dispatch returns [`quartier_sim::Flows`] that pass [`quartier_sim::account`].
#![deny(missing_docs)]

pub mod dispatch;
pub mod lp;
pub mod pypsa;
pub mod sizing;

pub use dispatch::rolling::{
    Corrections, Forecast, Regret, RollingConfig, RollingDispatch, WindowReport, rolling,
};
pub use dispatch::{
    AnnualBalance, Dispatch, DispatchConfig, DispatchError, DispatchModel, EndOfHorizon, ModelSize,
    Objective, PartLoad, StorageStart, dispatch, objective_of_flows,
};

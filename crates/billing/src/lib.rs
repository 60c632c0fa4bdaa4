//! Collective self-consumption (ACC) money: monthly settlement, local prices, the TURPE
//! comparison between the standard and the ACC option, the excise on electricity (accise), the
//! data of each participant's monthly bill, and an optimised allocation key.
//!
//! The flow is: a [`quartier_share::Community`] and its [`quartier_share::Allocation`] →
//! [`settle`] (per participant and local month, Europe/Paris) → [`bills`] (one [`Bill`] per
//! participant and month, holding only that participant's data). [`TariffTable`] carries the
//! regulated values with their sources ([`TURPE7_2025_08_01_TOML`] is the embedded default,
//! parsed by `quartier-model`); [`Prices`] carries what the organiser (PMO) decided.
//! [`optimised_key`] builds a per-step key that maximises the value of self-consumed energy.
//!
//! **Architecture Invariant:** this crate knows nothing of files, TOML, HTML or CLI flags: it
//! computes numbers from in-memory curves, allocations, prices and tariffs.
#![deny(missing_docs)]

mod bill;
mod error;
mod optimise;
mod price;
mod settle;
mod tariff;

pub use bill::{Bill, BillLine, Comparison, Note, bills};
pub use error::BillingError;
pub use optimise::{optimised_allocation, optimised_key};
pub use price::{PriceBasis, PricePeriod, Prices, TimeOfUse};
pub use settle::{
    BillingConfig, ConsumerMonth, Month, ProducerMonth, Settlement, TurpeChoice, settle,
};
pub use tariff::{Cited, Period, PeriodRates, TURPE7_2025_08_01_TOML, TariffTable};

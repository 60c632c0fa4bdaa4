//! Collective self-consumption (ACC) money: monthly settlement, local prices, the TURPE
//! comparison between the standard and the ACC option, the excise on electricity (accise), CTA
//! and VAT, each participant's monthly comparison statement, the invoices of local energy, and
//! an optimised allocation key. Money is [`money::Decimal`], never `f64`: every line is rounded
//! half-up to the cent and totals are sums of rounded lines ([`money`]).
//!
//! The flow is: a [`quartier_share::Community`] and its [`quartier_share::Allocation`] →
//! [`settle`] (per participant and local month, Europe/Paris) → [`statements`] (one
//! [`Statement`] per participant and month, holding only that participant's data) and
//! [`issue_invoices`] (one [`Invoice`] per consumer and month, numbered after the ledger of
//! invoices already issued). [`TariffHistory`] carries every regulated grid with its sources
//! ([`TARIFFS_TOML`] is the embedded default, parsed by `quartier-model`); [`Prices`] carries
//! what the organiser (PMO) decided. [`optimised_key`] builds a per-step key that maximises the
//! value of self-consumed energy.
//!
//! **Architecture Invariant:** this crate knows nothing of files, TOML, HTML or CLI flags: it
//! computes numbers from in-memory curves, allocations, prices and tariffs.
#![deny(missing_docs)]

mod error;
mod invoice;
pub mod money;
mod optimise;
mod price;
pub mod reconcile;
mod settle;
mod statement;
mod tariff;

pub use error::BillingError;
pub use invoice::{
    Invoice, InvoiceConfig, InvoiceRequest, Issued, LedgerEntry, Party, VatRegime, issue_invoices,
};
pub use optimise::{optimised_allocation, optimised_key};
pub use price::{PriceBasis, PricePeriod, Prices, TimeOfUse};
pub use reconcile::{Cause, Reconciliation, reconcile};
pub use settle::{
    BillingConfig, ConsumerMonth, DataGap, Month, PricedEnergy, ProducerMonth, Settlement,
    TurpeChoice, settle,
};
pub use statement::{
    Comparison, Line, Note, Statement, Unit, statements, total_excl_vat, total_vat,
};
pub use tariff::{Cited, Period, PeriodRates, TARIFFS_TOML, TariffHistory, TariffTable};

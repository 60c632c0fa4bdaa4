//! Errors of settlement and billing ([`BillingError`]).

/// Everything that can go wrong computing a settlement, bills or an optimised key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BillingError {
    /// A tariff value that is negative, not finite or out of range.
    #[error("tariff: {field}: {message}")]
    Tariff {
        /// The field (`standard.hph_eur_per_kwh`, …).
        field: String,
        /// What is wrong.
        message: String,
    },
    /// A price that is negative, not finite, or names an unknown member.
    #[error("prices: {context}: {message}")]
    Price {
        /// Where (member id or `default`).
        context: String,
        /// What is wrong.
        message: String,
    },
    /// Invoices cannot be issued as asked (month not covered, an issued invoice would change,
    /// numbers exhausted).
    #[error("invoices: {0}")]
    Invoice(String),
    /// The allocation was not made from this community.
    #[error("the allocation does not match the community: {0}")]
    Mismatch(String),
    /// The allocation engine refused the optimised key (a bug if it ever happens).
    #[error("optimised key: {0}")]
    Share(#[from] quartier_share::ShareError),
}

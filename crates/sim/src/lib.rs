//! Input assembly, rule-based controller and the accounting pass (flows to KPIs).
#![deny(missing_docs)]

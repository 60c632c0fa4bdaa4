//! Sun position, plane-of-array transposition, cell temperature and PV DC/AC power.
#![deny(missing_docs)]

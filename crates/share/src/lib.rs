//! Collective self-consumption (ACC, *autoconsommation collective*): the allocation engine.
//!
//! In a French ACC operation (Code de l'énergie, art. L315-2 ff.) the production of the
//! producers is shared among the consumers at every metering step with a **key**; each
//! consumer's supplier bills only the complement. This crate builds a [`Community`] (members
//! and their kWh curves on one [`quartier_timeseries::Axis`]), shares production with a
//! [`Key`] ([`allocate`] → [`Allocation`]; members who join or leave during the period take a
//! share only while they belong, [`Membership`], and a key may change at given instants,
//! [`Key::Periods`]), derives the coefficient file the PMO sends the grid
//! operator ([`CoefficientFile`]), and checks the operation's perimeter ([`check_perimeter`]).
//!
//! **Architecture Invariant:** this crate knows nothing of files, TOML, SQL or HTTP: it works
//! on in-memory curves aligned on one axis; readers, settlement and bills live above it.
#![deny(missing_docs)]

mod allocate;
mod coefficients;
mod community;
mod error;
mod key;
mod member;
mod perimeter;

pub use allocate::{
    AllocateOptions, Allocation, CHUNK_STEPS, TOLERANCE_KWH, Threads, allocate, allocate_with,
    allocation_from, tolerance_kwh,
};
pub use coefficients::{
    CoefficientFile, PairCoefficientFile, coefficient_file, pair_coefficient_file,
};
pub use community::{Community, CommunityBuilder};
pub use error::{ShareError, StepTime};
pub use key::{CustomKey, Group, Inside, Key, KeyPeriod, Leftover, SUM_TOLERANCE};
pub use member::{Category, GeoPoint, Member, MemberId, Membership, Role};
pub use perimeter::{
    Derogation, PV_LIMIT_2025_KW, PV_LIMIT_BEFORE_2025_KW, PV_LIMIT_PUBLIC_EPCI_KW, PerimeterError,
    PerimeterReport, PerimeterRules, PerimeterViolation, check_perimeter, distance_km,
};

//! The district builder of the sim crate's test kit.
#![allow(unused_imports)]

pub use quartier_sim::testkit::*;

//! Integration tests of the allocation engine, one module per area.

mod coefficients;
mod enedis;
mod errors;
mod examples;
mod membership;
mod perimeter;
mod props;

use chrono::{TimeZone, Utc};
use quartier_share::{Community, CommunityBuilder, Member, MemberId, Role};
use quartier_timeseries::{Axis, Quantity, Series, Step};

pub fn id(s: &str) -> MemberId {
    MemberId::new(s).unwrap()
}

pub fn axis(len: usize) -> Axis {
    Axis::new(
        Utc.with_ymd_and_hms(2025, 6, 1, 10, 0, 0).unwrap(),
        Step::MIN15,
        len,
    )
    .unwrap()
}

pub fn kwh(axis: Axis, v: Vec<f64>) -> Series {
    Series::new(axis, Quantity::EnergyKwh, v).unwrap()
}

/// Producers `p0…` and consumers `c0…` with per-step curves (outer: member, inner: step).
pub fn community(axis: Axis, production: &[Vec<f64>], consumption: &[Vec<f64>]) -> Community {
    let mut b = CommunityBuilder::new(axis);
    for (p, v) in production.iter().enumerate() {
        let i = id(&format!("p{p}"));
        b = b
            .member(Member::new(i.clone(), Role::Producer))
            .curve(&i, kwh(axis, v.clone()));
    }
    for (c, v) in consumption.iter().enumerate() {
        let i = id(&format!("c{c}"));
        b = b
            .member(Member::new(i.clone(), Role::Consumer))
            .curve(&i, kwh(axis, v.clone()));
    }
    b.build().unwrap()
}

/// One-step community with one producer.
pub fn one_step(p: f64, c: &[f64]) -> Community {
    let cons: Vec<Vec<f64>> = c.iter().map(|&v| vec![v]).collect();
    community(axis(1), &[vec![p]], &cons)
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

pub fn assert_row(alloc: &quartier_share::Allocation, t: usize, want: &[f64]) {
    let got = alloc.allocated_row(t);
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!(close(*g, *w), "got {got:?}, want {want:?}");
    }
}

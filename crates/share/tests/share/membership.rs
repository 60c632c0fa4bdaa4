//! Members who join and leave: no share outside membership, the key applies to the members
//! present at each step, and a static key's coefficients per period of validity.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use quartier_share::{
    CommunityBuilder, Key, KeyPeriod, Leftover, Member, Membership, Role, allocate,
};
use quartier_timeseries::Axis;

use crate::{axis, id, kwh};

/// The instant of step `t` of `ax`.
fn at(ax: &Axis, t: usize) -> DateTime<Utc> {
    ax.start() + Duration::minutes(i64::from(ax.step().minutes()) * t as i64)
}

/// One producer `p0` and consumers `c0…`, consumer `i` a member over steps `spans[i]`
/// (`None`: always).
fn community(
    steps: usize,
    production: &[f64],
    consumption: &[Vec<f64>],
    spans: &[Option<(usize, usize)>],
) -> quartier_share::Community {
    let ax = axis(steps);
    let mut b = CommunityBuilder::new(ax)
        .member(Member::new(id("p0"), Role::Producer))
        .curve(&id("p0"), kwh(ax, production.to_vec()));
    for (i, v) in consumption.iter().enumerate() {
        let m = Member::new(id(&format!("c{i}")), Role::Consumer);
        let m = match spans.get(i).copied().flatten() {
            Some((a, z)) => {
                m.with_membership(Membership::between(Some(at(&ax, a)), Some(at(&ax, z))))
            }
            None => m,
        };
        b = b.member(m).curve(&id(&format!("c{i}")), kwh(ax, v.clone()));
    }
    b.build().unwrap()
}

fn static_key(c: &[(&str, f64)]) -> Key {
    Key::Static {
        coefficients: c.iter().map(|(m, k)| (id(m), *k)).collect(),
        leftover: Leftover::Redistribute,
    }
}

#[test]
fn a_member_who_joins_shares_from_its_first_step_on() {
    // PV 4 kWh a step; c0 (4 kWh) always, c1 (4 kWh) joins at step 2, default key.
    let c = community(
        4,
        &[4.0; 4],
        &[vec![4.0; 4], vec![4.0; 4]],
        &[None, Some((2, 4))],
    );
    let a = allocate(&c, &Key::Default).unwrap();
    let got: Vec<(f64, f64)> = (0..4)
        .map(|t| (a.allocated_kwh(t, 0), a.allocated_kwh(t, 1)))
        .collect();
    assert_eq!(got, [(4.0, 0.0), (4.0, 0.0), (2.0, 2.0), (2.0, 2.0)]);
    // Before joining its energy is not the operation's: no consumption, no complement.
    assert_eq!(a.consumption_kwh(0, 1), 0.0);
    assert_eq!(a.complement_kwh(0, 1), 0.0);
    assert!(!c.consumer_present(1, 1) && c.consumer_present(1, 2));
}

#[test]
fn static_coefficients_change_with_membership() {
    // c1 leaves after step 1; the PMO's coefficients: 50/50, then 100 % to c0.
    let c = community(
        4,
        &[4.0; 4],
        &[vec![4.0; 4], vec![4.0; 4]],
        &[None, Some((0, 2))],
    );
    let ax = *c.axis();
    let key = Key::Periods(vec![
        KeyPeriod {
            from: ax.start(),
            key: static_key(&[("c0", 0.5), ("c1", 0.5)]),
        },
        KeyPeriod {
            from: at(&ax, 2),
            key: static_key(&[("c0", 1.0)]),
        },
    ]);
    let a = allocate(&c, &key).unwrap();
    a.check_invariants().unwrap();
    let got: Vec<(f64, f64)> = (0..4)
        .map(|t| (a.allocated_kwh(t, 0), a.allocated_kwh(t, 1)))
        .collect();
    assert_eq!(got, [(2.0, 2.0), (2.0, 2.0), (4.0, 0.0), (4.0, 0.0)]);
}

#[test]
fn a_period_without_the_present_members_coefficients_is_an_error_naming_both() {
    let c = community(
        4,
        &[4.0; 4],
        &[vec![4.0; 4], vec![4.0; 4]],
        &[None, Some((2, 4))],
    );
    let ax = *c.axis();
    let period = |t, k| KeyPeriod {
        from: at(&ax, t),
        key: k,
    };
    // c1 joins at step 2 but the second period has no coefficient for it.
    let key = Key::Periods(vec![
        period(0, static_key(&[("c0", 1.0)])),
        period(2, static_key(&[("c0", 0.6)])),
    ]);
    let e = allocate(&c, &key).unwrap_err().to_string();
    assert!(
        e.contains("key period from 2025-06-01 12:30")
            && e.contains("consumers present in the period without a coefficient: c1"),
        "{e}"
    );
    // The first period, where c1 is absent, needs none for it.
    let key = Key::Periods(vec![
        period(0, static_key(&[("c0", 1.0)])),
        period(2, static_key(&[("c0", 0.6), ("c1", 0.6)])),
    ]);
    let e = allocate(&c, &key).unwrap_err().to_string();
    assert!(e.contains("12:30") && e.contains("above 100 %"), "{e}");
    let e = allocate(&c, &Key::Periods(vec![period(1, Key::Default)]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no key applies before it"), "{e}");
    let e = allocate(
        &c,
        &Key::Periods(vec![period(0, Key::Default), period(0, Key::Default)]),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("out of order"), "{e}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Whatever the key, nobody takes a share outside its membership, and every invariant
    /// holds.
    #[test]
    fn no_share_outside_membership(
        steps in 2usize..24,
        production in prop::collection::vec(0.0..10.0f64, 24),
        consumption in prop::collection::vec(prop::collection::vec(0.0..6.0f64, 24), 1..5),
        spans in prop::collection::vec(prop::option::of((0usize..24, 0usize..24)), 5),
        split in 1usize..23,
    ) {
        let nc = consumption.len();
        let cons: Vec<Vec<f64>> = consumption.iter().map(|v| v[..steps].to_vec()).collect();
        let spans: Vec<Option<(usize, usize)>> = spans
            .iter()
            .map(|s| s.map(|(a, b)| (a.min(b) % steps, a.max(b) % steps + 1)))
            .collect();
        let c = community(steps, &production[..steps], &cons, &spans);
        let ax = *c.axis();
        let everyone: Vec<(String, f64)> =
            (0..nc).map(|i| (format!("c{i}"), 1.0 / nc as f64)).collect();
        let named: Vec<(&str, f64)> = everyone.iter().map(|(m, k)| (m.as_str(), *k)).collect();
        let keys = [
            Key::Default,
            static_key(&named),
            Key::Periods(vec![
                KeyPeriod { from: ax.start(), key: Key::Default },
                KeyPeriod { from: at(&ax, split.min(steps - 1)), key: static_key(&named) },
            ]),
        ];
        for key in &keys {
            let a = allocate(&c, key).unwrap();
            a.check_invariants().unwrap();
            crate::props::check("membership", &a)?;
            for t in 0..steps {
                for i in 0..nc {
                    if !c.consumer_present(i, t) {
                        prop_assert_eq!(a.allocated_kwh(t, i), 0.0);
                        prop_assert_eq!(a.consumption_kwh(t, i), 0.0);
                    }
                }
            }
        }
    }
}

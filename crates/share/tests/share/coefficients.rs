//! The coefficient file: floored to 0.1 %, sums ≤ 100 %, rounding loss reported.

use quartier_share::{Key, allocate, coefficient_file};

use crate::{axis, community, one_step};

#[test]
fn default_key_p6_coefficients_and_rounding_loss() {
    let a = allocate(&one_step(6.0, &[2.0, 3.0, 5.0]), &Key::Default).unwrap();
    let f = coefficient_file(&a);
    // 1.2/6 = 20 %, 1.8/6 = 30 %, 3/6 = 50 %: exact, nothing lost.
    assert_eq!(f.row(0), &[200, 300, 500]);
    assert_eq!(f.percent(0, 1), 30.0);
    assert!(f.total_lost_kwh().abs() < 1e-12);
}

#[test]
fn thirds_are_floored_and_the_loss_reported() {
    let a = allocate(&one_step(3.0, &[1.0, 1.0, 1.0, 0.0]), &Key::Default).unwrap();
    let f = coefficient_file(&a);
    // 33.333… % → 33.3 % each; 99.9 % in total; 0.1 % of 3 kWh lost.
    assert_eq!(f.row(0), &[333, 333, 333, 0]);
    assert_eq!(f.step_sum_tenths(0), 999);
    assert!((f.total_lost_kwh() - 0.003).abs() < 1e-12);
    assert!((f.lost_by_consumer_kwh(0) - 0.001).abs() < 1e-12);
}

#[test]
fn no_production_gives_zero_coefficients() {
    let c = community(axis(2), &[vec![0.0, 4.0]], &[vec![1.0, 1.0]]);
    let f = coefficient_file(&allocate(&c, &Key::Default).unwrap());
    assert_eq!(f.row(0), &[0]);
    assert_eq!(f.row(1), &[250]);
    assert_eq!(f.total_lost_kwh(), 0.0);
}

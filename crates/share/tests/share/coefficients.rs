//! The coefficient file: floored to 0.1 %, sums ≤ 100 %, rounding loss reported.

use quartier_share::{Key, allocate, coefficient_file, pair_coefficient_file};

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

#[test]
fn full_dynamic_two_producers_split_by_production_and_floored() {
    // Producers of 2 and 4 kWh, consumers of 1, 1 and 4 kWh: the default key gives each its
    // consumption (6 kWh for 6 kWh), each producer contributing in proportion to its output.
    let c = community(
        axis(1),
        &[vec![2.0], vec![4.0]],
        &[vec![1.0], vec![1.0], vec![4.0]],
    );
    let a = allocate(&c, &Key::Default).unwrap();
    let f = pair_coefficient_file(&a, 0..1);
    // Each producer: 1/6, 1/6, 4/6 of its output: 16.6 %, 16.6 %, 66.6 %, floored.
    assert_eq!(f.row(0, 0), &[166, 166, 666]);
    assert_eq!(f.row(0, 1), &[166, 166, 666]);
    // The operator grants 0.166 × 6 = 0.996 kWh for 1 kWh, 3.996 for 4: 0.012 kWh lost.
    assert!(
        (f.total_lost_kwh() - 0.012).abs() < 1e-9,
        "{}",
        f.total_lost_kwh()
    );
    assert_eq!(f.row(1, 0), &[] as &[u16], "outside its steps");
    assert_eq!(f.producers().len(), 2);
}

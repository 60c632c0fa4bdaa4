//! The worked examples of the issue, and small exact cases of every key.

use quartier_share::{CustomKey, Group, Inside, Key, Leftover, allocate};

use crate::{assert_row, axis, close, community, id, one_step};

fn static_key(k: &[f64], leftover: Leftover) -> Key {
    Key::Static {
        coefficients: k
            .iter()
            .enumerate()
            .map(|(i, &v)| (id(&format!("c{i}")), v))
            .collect(),
        leftover,
    }
}

#[test]
fn default_key_p6_c_2_3_5() {
    let a = allocate(&one_step(6.0, &[2.0, 3.0, 5.0]), &Key::Default).unwrap();
    assert_row(&a, 0, &[1.2, 1.8, 3.0]);
    assert!(close(a.surplus_kwh(0, 0), 0.0));
    assert!(close(a.complement_kwh(0, 2), 2.0));
}

#[test]
fn default_key_p12_everyone_satisfied_surplus_2() {
    let a = allocate(&one_step(12.0, &[2.0, 3.0, 5.0]), &Key::Default).unwrap();
    assert_row(&a, 0, &[2.0, 3.0, 5.0]);
    assert!(close(a.surplus_kwh(0, 0), 2.0));
    assert!(close(a.complement_kwh(0, 1), 0.0));
}

#[test]
fn static_50_30_20_without_redistribution() {
    let c = one_step(10.0, &[2.0, 3.0, 5.0]);
    let a = allocate(&c, &static_key(&[0.5, 0.3, 0.2], Leftover::Surplus)).unwrap();
    assert_row(&a, 0, &[2.0, 3.0, 2.0]);
    assert!(close(a.surplus_kwh(0, 0), 3.0));
}

#[test]
fn static_50_30_20_with_redistribution() {
    let c = one_step(10.0, &[2.0, 3.0, 5.0]);
    let a = allocate(&c, &static_key(&[0.5, 0.3, 0.2], Leftover::Redistribute)).unwrap();
    assert_row(&a, 0, &[2.0, 3.0, 5.0]);
    assert!(close(a.surplus_kwh(0, 0), 0.0));
}

#[test]
fn static_redistribution_in_several_rounds() {
    // Round 1 at level 10: c0 (1 ≤ 4) satisfied; round 2 shares 9 among 0.3/0.3 → c1 gets
    // min(2, 4.5) = 2; round 3 gives c2 the remaining 7.
    let c = one_step(10.0, &[1.0, 2.0, 9.0]);
    let a = allocate(&c, &static_key(&[0.4, 0.3, 0.3], Leftover::Redistribute)).unwrap();
    assert_row(&a, 0, &[1.0, 2.0, 7.0]);
    // A consumer without a coefficient gets nothing, even with leftovers.
    let c = one_step(10.0, &[1.0, 2.0, 9.0]);
    let a = allocate(&c, &static_key(&[0.5, 0.5], Leftover::Redistribute)).unwrap();
    assert_row(&a, 0, &[1.0, 2.0, 0.0]);
    assert!(close(a.surplus_kwh(0, 0), 7.0));
}

#[test]
fn priority_p1_b04_group1_c08_group2() {
    let c = one_step(1.0, &[0.4, 0.8]);
    let key = Key::Priority {
        groups: vec![
            Group {
                members: vec![id("c0")],
                inside: Inside::Prorata,
            },
            Group {
                members: vec![id("c1")],
                inside: Inside::Prorata,
            },
        ],
    };
    let a = allocate(&c, &key).unwrap();
    assert_row(&a, 0, &[0.4, 0.6]);
    assert!(close(a.complement_kwh(0, 1), 0.2));
    assert!(close(a.surplus_kwh(0, 0), 0.0));
}

#[test]
fn priority_static_group_redistributes_then_next_group() {
    // Group 1 (static 1:1) shares 10: level 5 satisfies c0 (2); level 8 satisfies c1 (7);
    // the 1 kWh left goes to group 2.
    let c = one_step(10.0, &[2.0, 7.0, 5.0]);
    let key = Key::Priority {
        groups: vec![
            Group {
                members: vec![id("c0"), id("c1")],
                inside: Inside::Static(vec![1.0, 1.0]),
            },
            Group {
                members: vec![id("c2")],
                inside: Inside::Prorata,
            },
        ],
    };
    let a = allocate(&c, &key).unwrap();
    assert_row(&a, 0, &[2.0, 7.0, 1.0]);
}

#[test]
fn custom_key_per_consumer_rest_is_surplus() {
    let ax = axis(2);
    let c = community(ax, &[vec![10.0, 10.0]], &[vec![5.0, 1.0], vec![5.0, 9.0]]);
    let key = Key::Custom(CustomKey::PerConsumer {
        axis: ax,
        consumers: vec![id("c1"), id("c0")],
        coefficients: vec![0.2, 0.3, 0.5, 0.5],
    });
    let a = allocate(&c, &key).unwrap();
    assert_row(&a, 0, &[3.0, 2.0]);
    assert_row(&a, 1, &[1.0, 5.0]);
    assert!(close(a.surplus_kwh(0, 0), 5.0));
    assert!(close(a.surplus_kwh(1, 0), 4.0));
}

#[test]
fn custom_key_per_pair_caps_offers_proportionally() {
    // p0 = 4 offers c0 100 %; p1 = 6 offers c0 50 % and c1 50 %. c0 consumes 5 and is offered
    // 4 + 3 = 7 → scaled by 5/7; c1 consumes 10 and gets 3.
    let ax = axis(1);
    let c = community(ax, &[vec![4.0], vec![6.0]], &[vec![5.0], vec![10.0]]);
    let key = Key::Custom(CustomKey::PerPair {
        axis: ax,
        producers: vec![id("p0"), id("p1")],
        consumers: vec![id("c0"), id("c1")],
        coefficients: vec![1.0, 0.0, 0.5, 0.5],
    });
    let a = allocate(&c, &key).unwrap();
    assert_row(&a, 0, &[5.0, 3.0]);
    assert!(close(a.pair_kwh(0, 0, 0), 4.0 * 5.0 / 7.0));
    assert!(close(a.pair_kwh(0, 1, 0), 3.0 * 5.0 / 7.0));
    assert!(close(a.pair_kwh(0, 1, 1), 3.0));
    assert!(close(a.surplus_kwh(0, 0), 4.0 - 20.0 / 7.0));
    assert!(close(a.surplus_kwh(0, 1), 6.0 - 15.0 / 7.0 - 3.0));
}

#[test]
fn pooled_keys_split_each_consumer_by_producer_share() {
    let ax = axis(1);
    let c = community(
        ax,
        &[vec![2.0], vec![4.0]],
        &[vec![2.0], vec![3.0], vec![5.0]],
    );
    let a = allocate(&c, &Key::Default).unwrap();
    assert_row(&a, 0, &[1.2, 1.8, 3.0]);
    assert!(close(a.pair_kwh(0, 0, 2), 1.0));
    assert!(close(a.pair_kwh(0, 1, 2), 2.0));
    assert!(close(a.producer_allocated_kwh(0, 0), 2.0));
}

#[test]
fn storage_consumes_when_charging_and_produces_when_discharging() {
    use quartier_share::{CommunityBuilder, Member, Role};
    let ax = axis(2);
    let kwh = |v: Vec<f64>| crate::kwh(ax, v);
    let c = CommunityBuilder::new(ax)
        .member(Member::new(id("pv"), Role::Producer))
        .member(Member::new(id("bat"), Role::Storage))
        .member(Member::new(id("home"), Role::Consumer))
        .curve(&id("pv"), kwh(vec![6.0, 0.0]))
        .storage_curves(&id("bat"), kwh(vec![3.0, 0.0]), kwh(vec![0.0, 2.0]))
        .curve(&id("home"), kwh(vec![3.0, 4.0]))
        .build()
        .unwrap();
    assert_eq!(c.consumers(), &[id("bat"), id("home")]);
    assert_eq!(c.producers(), &[id("pv"), id("bat")]);
    let a = allocate(&c, &Key::Default).unwrap();
    assert_row(&a, 0, &[3.0, 3.0]);
    assert_row(&a, 1, &[0.0, 2.0]);
    assert!(close(a.producer_allocated_kwh(1, 1), 2.0));
}

#[test]
fn dst_day_spring_has_92_quarter_hours_and_local_times_in_errors() {
    use chrono::NaiveDate;
    use quartier_timeseries::{Axis, Step, local_day_len};
    let tz = chrono_tz::Europe::Paris;
    let day = NaiveDate::from_ymd_opt(2025, 3, 30).unwrap();
    let ax = Axis::local_days(day, day, tz, Step::MIN15).unwrap();
    assert_eq!(ax.len(), 92);
    assert_eq!(local_day_len(day, tz, Step::MIN15).unwrap(), 92);
    let n = ax.len();
    let pv: Vec<f64> = (0..n).map(|t| (t as f64 / 10.0).sin().max(0.0)).collect();
    let c0: Vec<f64> = (0..n).map(|t| 0.2 + (t % 7) as f64 * 0.05).collect();
    let c = community(ax, std::slice::from_ref(&pv), &[c0.clone(), vec![0.3; n]]);
    let a = allocate(&c, &Key::Default).unwrap();
    assert_eq!(a.axis().len(), 92);
    let total_pv: f64 = pv.iter().sum();
    let total: f64 = (0..n)
        .map(|t| a.total_allocated_kwh(t) + a.total_surplus_kwh(t))
        .sum();
    assert!((total - total_pv).abs() < 1e-9);
    // Local midnight is 23:00 UTC; step 8 starts at 01:00 UTC = 03:00 CEST, right after
    // 01:45 CET (02:00–03:00 local does not exist).
    let mut bad = c0;
    bad[8] = -1.0;
    let err = quartier_share::CommunityBuilder::new(ax)
        .member(quartier_share::Member::new(
            id("c"),
            quartier_share::Role::Consumer,
        ))
        .curve(&id("c"), crate::kwh(ax, bad))
        .build()
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("step 8 (2025-03-30T01:00:00Z UTC, 2025-03-30 03:00 +02:00"),
        "{msg}"
    );
}

#[test]
fn dst_day_autumn_has_50_half_hours() {
    use chrono::NaiveDate;
    use quartier_timeseries::{Axis, Step};
    let day = NaiveDate::from_ymd_opt(2025, 10, 26).unwrap();
    let ax = Axis::local_days(day, day, chrono_tz::Europe::Paris, Step::MIN30).unwrap();
    assert_eq!(ax.len(), 50);
    let c = community(ax, &[vec![1.0; 50]], &[vec![0.5; 50], vec![1.5; 50]]);
    let a = allocate(&c, &Key::Default).unwrap();
    for t in 0..50 {
        assert_row(&a, t, &[0.25, 0.75]);
    }
}

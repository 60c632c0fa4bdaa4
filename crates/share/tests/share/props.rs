//! Property tests: every invariant, for every key, on random communities; rayon and the
//! single-threaded path give identical results; key-specific optimality properties.

use proptest::prelude::*;
use quartier_share::{
    AllocateOptions, Allocation, CustomKey, Group, Inside, Key, Leftover, Threads, allocate_with,
    coefficient_file,
};

use crate::{axis, community, id};

const TOL: f64 = 1e-9;

#[derive(Debug, Clone)]
struct Case {
    steps: usize,
    production: Vec<Vec<f64>>,
    consumption: Vec<Vec<f64>>,
    weights: Vec<f64>,
    groups: Vec<usize>,
    custom: Vec<f64>,
}

fn energy() -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(0.0), 4 => 0.0..10.0f64, 1 => 0.0..1e-6f64]
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..20, 1usize..4, 1usize..7).prop_flat_map(|(steps, np, nc)| {
        (
            Just(steps),
            prop::collection::vec(prop::collection::vec(energy(), steps), np),
            prop::collection::vec(prop::collection::vec(energy(), steps), nc),
            prop::collection::vec(prop_oneof![1 => Just(0.0), 4 => 0.0..1.0f64], nc),
            prop::collection::vec(0usize..3, nc),
            prop::collection::vec(0.0..1.0f64, steps * np * nc),
        )
            .prop_map(
                |(steps, production, consumption, weights, groups, custom)| Case {
                    steps,
                    production,
                    consumption,
                    weights,
                    groups,
                    custom,
                },
            )
    })
}

fn cid(i: usize) -> quartier_share::MemberId {
    id(&format!("c{i}"))
}

/// Shares summing to `total` (≤ 1) from raw weights.
fn normalised(w: &[f64], total: f64) -> Vec<f64> {
    let s: f64 = w.iter().sum();
    if s <= 0.0 {
        vec![0.0; w.len()]
    } else {
        w.iter().map(|v| v / s * total).collect()
    }
}

fn keys(case: &Case) -> Vec<(&'static str, Key)> {
    let nc = case.consumption.len();
    let np = case.production.len();
    let steps = case.steps;
    let ax = axis(steps);
    let stat = normalised(&case.weights, 0.9);
    let static_coefs: Vec<_> = stat.iter().enumerate().map(|(i, &k)| (cid(i), k)).collect();
    let mut groups = Vec::new();
    for g in 0..3 {
        let members: Vec<usize> = (0..nc)
            .filter(|&i| case.groups.get(i) == Some(&g))
            .collect();
        if members.is_empty() {
            continue;
        }
        let inside = if g % 2 == 0 {
            Inside::Prorata
        } else {
            Inside::Static(members.iter().map(|&i| case.weights[i] * 3.0).collect())
        };
        groups.push(Group {
            members: members.into_iter().map(cid).collect(),
            inside,
        });
    }
    let per_consumer: Vec<f64> = case
        .custom
        .chunks(nc)
        .take(steps)
        .flat_map(|row| normalised(row, 0.95))
        .collect();
    let per_pair: Vec<f64> = case
        .custom
        .chunks(nc)
        .flat_map(|row| normalised(row, 1.0))
        .collect();
    vec![
        ("default", Key::Default),
        (
            "static",
            Key::Static {
                coefficients: static_coefs.clone(),
                leftover: Leftover::Surplus,
            },
        ),
        (
            "static-redistribute",
            Key::Static {
                coefficients: static_coefs,
                leftover: Leftover::Redistribute,
            },
        ),
        ("priority", Key::Priority { groups }),
        (
            "custom",
            Key::Custom(CustomKey::PerConsumer {
                axis: ax,
                consumers: (0..nc).map(cid).collect(),
                coefficients: per_consumer,
            }),
        ),
        (
            "custom-pair",
            Key::Custom(CustomKey::PerPair {
                axis: ax,
                producers: (0..np).map(|p| id(&format!("p{p}"))).collect(),
                consumers: (0..nc).map(cid).collect(),
                coefficients: per_pair,
            }),
        ),
    ]
}

/// The invariants, checked independently of `Allocation::check_invariants`.
pub(crate) fn check(name: &str, a: &Allocation) -> Result<(), TestCaseError> {
    let (nc, np) = (a.consumers().len(), a.producers().len());
    for t in 0..a.axis().len() {
        let p = a.total_production_kwh(t);
        let mut sum = 0.0;
        for i in 0..nc {
            let (c, x) = (a.consumption_kwh(t, i), a.allocated_kwh(t, i));
            prop_assert!(x >= 0.0 && x <= c + TOL, "{name} t{t} c{i}: {x} > {c}");
            prop_assert!(a.complement_kwh(t, i) >= 0.0);
            prop_assert!((a.complement_kwh(t, i) - (c - x)).abs() <= TOL);
            let by_pairs: f64 = (0..np).map(|q| a.pair_kwh(t, q, i)).sum();
            prop_assert!(
                (by_pairs - x).abs() <= TOL,
                "{name} t{t} c{i}: pairs {by_pairs} vs {x}"
            );
            sum += x;
        }
        prop_assert!(sum <= p + TOL, "{name} t{t}: Σ allocated {sum} > P {p}");
        let mut surplus = 0.0;
        for q in 0..np {
            let s = a.surplus_kwh(t, q);
            let by_pairs: f64 = (0..nc).map(|i| a.pair_kwh(t, q, i)).sum();
            prop_assert!(s >= 0.0);
            prop_assert!(
                (s - (a.production_kwh(t, q) - by_pairs)).abs() <= TOL,
                "{name} t{t} p{q}"
            );
            surplus += s;
        }
        prop_assert!(
            (surplus - (p - sum)).abs() <= TOL,
            "{name} t{t}: surplus {surplus} vs {}",
            p - sum
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn invariants_hold_for_every_key(case in case()) {
        let c = community(axis(case.steps), &case.production, &case.consumption);
        for (name, key) in keys(&case) {
            let single = allocate_with(&c, &key, &AllocateOptions { threads: Threads::Single }).unwrap();
            let par = allocate_with(&c, &key, &AllocateOptions { threads: Threads::Rayon }).unwrap();
            prop_assert_eq!(single.allocated_matrix_kwh(), par.allocated_matrix_kwh());
            check(name, &single)?;
            let f = coefficient_file(&single);
            for t in 0..case.steps {
                prop_assert!(f.step_sum_tenths(t) <= 1000);
                let p = single.total_production_kwh(t);
                prop_assert!(f.lost_kwh(t) >= 0.0);
                prop_assert!(f.lost_kwh(t) <= p * 0.001 * case.consumption.len() as f64 + TOL);
            }
            // The full dynamic key's file: each producer's row at most 100 %, what the
            // operator grants never above what was allocated but by rounding, at most 0.1 % of
            // each producer's output per consumer.
            let full = quartier_share::pair_coefficient_file(&single, 0..case.steps);
            for t in 0..case.steps {
                for p in 0..case.production.len() {
                    let sum: u32 = full.row(t, p).iter().map(|&k| u32::from(k)).sum();
                    prop_assert!(sum <= 1000, "{name} t{t} p{p}: {sum}");
                }
                let p = single.total_production_kwh(t);
                prop_assert!(full.lost_kwh(t) >= 0.0);
                prop_assert!(full.lost_kwh(t) <= p * 0.001 * case.consumption.len() as f64 + TOL);
            }
        }
    }

    #[test]
    fn default_key_serves_everyone_at_the_same_rate(case in case()) {
        let c = community(axis(case.steps), &case.production, &case.consumption);
        let a = allocate_with(&c, &Key::Default, &AllocateOptions::default()).unwrap();
        for t in 0..case.steps {
            let p = a.total_production_kwh(t);
            let total_c: f64 = a.consumption_row(t).iter().sum();
            // Allocated = min(P, ΣC): nothing wasted, nothing invented.
            prop_assert!((a.total_allocated_kwh(t) - p.min(total_c)).abs() <= TOL);
            for i in 0..case.consumption.len() {
                let (ci, ai) = (a.consumption_kwh(t, i), a.allocated_kwh(t, i));
                prop_assert!((ai - ci * (p / total_c).min(1.0)).abs() <= TOL || total_c == 0.0);
            }
        }
    }

    #[test]
    fn redistribution_is_water_filling(case in case()) {
        let c = community(axis(case.steps), &case.production, &case.consumption);
        let k = normalised(&case.weights, 0.9);
        let key = Key::Static {
            coefficients: k.iter().enumerate().map(|(i, &v)| (cid(i), v)).collect(),
            leftover: Leftover::Redistribute,
        };
        let a = allocate_with(&c, &key, &AllocateOptions::default()).unwrap();
        let surplus_key = Key::Static {
            coefficients: k.iter().enumerate().map(|(i, &v)| (cid(i), v)).collect(),
            leftover: Leftover::Surplus,
        };
        let s = allocate_with(&c, &surplus_key, &AllocateOptions::default()).unwrap();
        for t in 0..case.steps {
            let p = a.total_production_kwh(t);
            let keyed_c: f64 = (0..k.len()).filter(|&i| k[i] > 0.0).map(|i| a.consumption_kwh(t, i)).sum();
            prop_assert!((a.total_allocated_kwh(t) - p.min(keyed_c)).abs() <= 1e-9 * (1.0 + p));
            // Unsatisfied consumers all sit at the same level λ = a_i / k_i.
            let levels: Vec<f64> = (0..k.len())
                .filter(|&i| k[i] > 0.0 && a.allocated_kwh(t, i) < a.consumption_kwh(t, i) - 1e-9)
                .map(|i| a.allocated_kwh(t, i) / k[i])
                .collect();
            for w in levels.windows(2) {
                prop_assert!((w[0] - w[1]).abs() <= 1e-7 * (1.0 + w[0]), "{levels:?}");
            }
            // Redistribution never gives anyone less than the plain static key.
            for i in 0..k.len() {
                prop_assert!(a.allocated_kwh(t, i) >= s.allocated_kwh(t, i) - TOL);
            }
        }
    }
}

//! On random small districts the optimal dispatch costs no more than the rule controller
//! (whose flows are feasible for the LP), and its flows pass the accounting pass.

mod common;

use common::Case;
use proptest::prelude::*;
use quartier_model::{Battery, Electrolyser, EvSession, FuelCell, HydrogenTank};
use quartier_optim::lp::Clarabel;
use quartier_optim::{DispatchConfig, dispatch, objective_of_flows};
use quartier_sim::{GridCharging, NoProgress, RuleConfig, account, simulate};

/// A tiny deterministic generator for per-step values (proptest draws the seed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
    fn index(&mut self, n: usize) -> usize {
        ((self.next() * n as f64) as usize).min(n.saturating_sub(1))
    }
    /// A series with about `zeros` of its values at 0.
    fn series(&mut self, n: usize, max: f64, zeros: f64) -> Vec<f64> {
        (0..n)
            .map(|_| {
                if self.next() < zeros {
                    0.0
                } else {
                    self.range(0.0, max)
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
struct Shape {
    minutes: u32,
    len: usize,
    pv: usize,
    loads: usize,
    batteries: usize,
    electrolysers: usize,
    tanks: usize,
    fuel_cells: usize,
    demands: usize,
    ev_sites: usize,
    fleets: usize,
    large_import: bool,
    grid_charging: bool,
    seed: u64,
}

fn shapes() -> impl Strategy<Value = Shape> {
    (
        prop_oneof![Just(15u32), Just(30), Just(60)],
        1usize..150,
        (0usize..4, 0usize..4, 0usize..4),
        (0usize..3, 0usize..3, 0usize..3, 0usize..3),
        (0usize..3, 0usize..2),
        any::<bool>(),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(
            |(
                minutes,
                len,
                (pv, loads, batteries),
                (el, tanks, fc, demands),
                (ev, fleets),
                large,
                gc,
                seed,
            )| {
                Shape {
                    minutes,
                    len,
                    pv,
                    loads,
                    batteries,
                    electrolysers: el,
                    tanks,
                    fuel_cells: fc,
                    demands,
                    ev_sites: ev,
                    fleets,
                    large_import: large,
                    grid_charging: gc,
                    seed: seed | 1,
                }
            },
        )
}

fn sessions(r: &mut Rng, n: usize, count: usize) -> Vec<EvSession> {
    (0..count)
        .map(|_| {
            let arrival = r.index(n);
            let departure = (arrival + 1 + r.index(n)).min(n);
            EvSession {
                arrival,
                departure,
                energy_kwh: r.range(0.0, 40.0),
                max_kw: r.range(0.0, 22.0),
            }
        })
        .collect()
}

fn build(s: &Shape) -> Case {
    let mut r = Rng(s.seed);
    let n = s.len;
    let import_kw = if s.large_import {
        1e6
    } else {
        r.range(0.0, 60.0)
    };
    let mut case = Case::new(s.minutes, n, import_kw, r.range(0.0, 40.0));
    for k in 0..s.pv {
        let v = r.series(n, 30.0, 0.4);
        case.pv(&format!("pv{k}"), v);
    }
    for k in 0..s.loads {
        let v = r.series(n, 20.0, 0.1);
        case.load(&format!("load{k}"), v);
    }
    for k in 0..s.batteries {
        let soc_min = r.range(0.0, 0.4);
        case.battery(Battery {
            name: format!("b{k}"),
            participant: None,
            energy_kwh: r.range(0.0, 80.0),
            charge_kw: r.range(0.0, 30.0),
            discharge_kw: r.range(0.0, 30.0),
            charge_efficiency: r.range(0.5, 1.0),
            discharge_efficiency: r.range(0.5, 1.0),
            soc_min,
            soc_initial: r.range(soc_min, 1.0),
            // No standing loss: with it the rule controller lets a battery decay below
            // soc_min, which the LP's (stricter, convex) floor forbids.
            standing_loss_per_h: 0.0,
        });
    }
    for k in 0..s.electrolysers {
        let max_kw = r.range(0.0, 30.0);
        case.electrolyser(Electrolyser {
            name: format!("el{k}"),
            max_kw,
            min_kw: r.range(0.0, max_kw),
            kwh_per_kg: r.range(45.0, 60.0),
        });
    }
    for k in 0..s.tanks {
        let capacity_kg = r.range(0.0, 20.0);
        let min_kg = r.range(0.0, capacity_kg * 0.3);
        case.tank(HydrogenTank {
            name: format!("t{k}"),
            capacity_kg,
            min_kg,
            initial_kg: r.range(min_kg, capacity_kg),
        });
    }
    for k in 0..s.fuel_cells {
        case.fuel_cell(FuelCell {
            name: format!("fc{k}"),
            max_kw: r.range(0.0, 20.0),
            kwh_per_kg: r.range(12.0, 20.0),
        });
    }
    for k in 0..s.demands {
        let v = r.series(n, 1.0, 0.8);
        case.h2_demand(&format!("h2-{k}"), v);
    }
    for k in 0..s.ev_sites {
        let count = r.index(6);
        let v = sessions(&mut r, n, count);
        case.ev_site(&format!("ev{k}"), v);
    }
    for k in 0..s.fleets {
        let count = r.index(4);
        let v = sessions(&mut r, n, count);
        case.fleet(&format!("fleet{k}"), v);
    }
    case
}

fn config(s: &Shape) -> RuleConfig {
    RuleConfig {
        battery_grid_charging: if s.grid_charging {
            GridCharging::WhenPriceAtMost { eur_per_kwh: 1.0 }
        } else {
            GridCharging::Never
        },
        ..RuleConfig::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn optimum_is_no_worse_than_the_rule_controller(s in shapes()) {
        let case = build(&s);
        let inputs = case.inputs();
        let cfg = DispatchConfig::default();
        let rule = simulate(&inputs, &config(&s), &mut NoProgress).unwrap();
        account(&inputs, &rule).unwrap();
        let d = dispatch(&inputs, &cfg, &Clarabel::default()).unwrap();
        // dispatch() already ran the accounting pass; run it again on the returned flows.
        let kpis = account(&inputs, &d.flows).unwrap();
        prop_assert_eq!(&kpis, &d.kpis);
        let rule_obj = objective_of_flows(&inputs, &cfg, &rule);
        let scale = rule_obj.abs().max(1.0);
        prop_assert!(
            d.objective <= rule_obj + 1e-6 * scale,
            "optimal {} > rule {}", d.objective, rule_obj
        );
        prop_assert!(d.raw_objective <= rule_obj + 1e-6 * scale);
        // Polishing moves the objective by solver noise only.
        prop_assert!(
            (d.objective - d.raw_objective).abs() <= 1e-5 * scale,
            "raw {} polished {}", d.raw_objective, d.objective
        );
    }
}

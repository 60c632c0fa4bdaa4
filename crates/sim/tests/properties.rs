//! Property tests on random small districts: the rule controller's flows always pass the
//! accounting pass, balances hold, levels stay in bounds, and nothing is unserved when the
//! grid connection is large enough.

mod common;

use common::Case;
use proptest::prelude::*;
use quartier_model::{Battery, Electrolyser, EvSession, FuelCell, HydrogenTank};
use quartier_sim::{Flows, GridCharging, Inputs, NoProgress, RuleConfig, account, simulate};

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
            standing_loss_per_h: if r.next() < 0.5 {
                0.0
            } else {
                r.range(0.0, 0.02)
            },
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

const EPS: f64 = 1e-8;

/// Balances and bounds re-checked here, independently of the accounting pass.
fn check_flows(inputs: &Inputs<'_>, f: &Flows) -> Result<(), TestCaseError> {
    let h = inputs.step_hours();
    let (h2_min, h2_cap, _) = inputs.tank_pool_kg();
    for t in 0..inputs.len() {
        let supply = f.pv_kwh[t] - f.curtailed_kwh[t]
            + f.import_kwh[t]
            + f.battery_discharge_kwh[t]
            + f.fuel_cell_kwh[t]
            + f.unserved_kwh[t];
        let demand = f.load_kwh[t]
            + f.ev_kwh[t]
            + f.fleet_kwh[t]
            + f.battery_charge_kwh[t]
            + f.electrolyser_kwh[t]
            + f.export_kwh[t];
        prop_assert!(
            (supply - demand).abs() <= EPS * supply.max(1.0),
            "balance at {t}"
        );
        prop_assert!(f.import_kwh[t] <= inputs.grid.import_limit_kw * h + EPS);
        prop_assert!(f.export_kwh[t] <= inputs.grid.export_limit_kw * h + EPS);
        prop_assert!(f.import_kwh[t] == 0.0 || f.export_kwh[t] == 0.0);
        for (b, bf) in inputs.batteries.iter().zip(&f.batteries) {
            let soc = bf.soc_kwh[t];
            prop_assert!(
                soc >= -EPS && soc <= b.energy_kwh + EPS,
                "SoC {soc} of {}",
                b.energy_kwh
            );
            if b.standing_loss_per_h == 0.0 {
                prop_assert!(
                    soc >= b.soc_min * b.energy_kwh - EPS,
                    "SoC {soc} below soc_min"
                );
            }
        }
        let level = f.tank_level_kg[t];
        prop_assert!(
            level >= h2_min - EPS && level <= h2_cap + EPS,
            "tank {level}"
        );
        prop_assert!(
            (f.h2_served_kg[t] + f.h2_unserved_kg[t] - f.h2_demand_kg[t]).abs() <= EPS,
            "hydrogen demand at {t}"
        );
        for (name, col) in f.columns() {
            prop_assert!(col[t] >= -EPS, "{name} negative at {t}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn rule_flows_always_pass_the_accounting(s in shapes()) {
        let case = build(&s);
        let inputs = case.inputs();
        let flows = simulate(&inputs, &config(&s), &mut NoProgress).unwrap();
        let kpis = account(&inputs, &flows);
        prop_assert!(kpis.is_ok(), "{:?}", kpis.err());
        check_flows(&inputs, &flows)?;
        let k = kpis.unwrap();
        if let Some(r) = k.self_consumption_rate {
            prop_assert!((0.0..=1.0).contains(&r));
        }
        if let Some(r) = k.self_sufficiency_rate {
            prop_assert!((0.0..=1.0).contains(&r));
        }
        prop_assert!(k.battery_losses_kwh >= -1e-6);
        let monthly: f64 = k.monthly.iter().map(|m| m.consumption_kwh).sum();
        prop_assert!((monthly - k.consumption_kwh).abs() <= 1e-9 * k.consumption_kwh.max(1.0));
        if s.large_import {
            prop_assert!(flows.unserved_kwh.iter().all(|&u| u == 0.0));
            prop_assert_eq!(k.unserved_kwh, 0.0);
        }
    }

    #[test]
    fn moving_one_kwh_of_import_is_caught_at_that_step(s in shapes(), at in 0usize..1000) {
        let mut s = s;
        s.large_import = true;
        s.len = s.len.max(2);
        let case = build(&s);
        let inputs = case.inputs();
        let mut flows = simulate(&inputs, &config(&s), &mut NoProgress).unwrap();
        let t = at % (s.len - 1);
        // Move one kWh of import from step t to step t + 1: whether step t then breaks
        // non-negativity or the balance, the failure names step t.
        flows.import_kwh[t] -= 1.0;
        flows.import_kwh[t + 1] += 1.0;
        match account(&inputs, &flows) {
            Err(quartier_sim::BalanceError::Step { step, .. }) => prop_assert_eq!(step, t),
            other => prop_assert!(false, "expected a failure at step {}, got {:?}", t, other),
        }
    }
}

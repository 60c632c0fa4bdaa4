//! Random small districts for property tests: a [`Shape`] drawn by proptest, turned into a
//! [`Case`] by [`build`] with per-step values from a seeded generator.

use proptest::prelude::*;
use quartier_model::{Battery, Electrolyser, EvSession, FuelCell, HydrogenTank};

use super::Case;
use crate::{GridCharging, RuleConfig};

/// Whether random batteries may have a standing loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StandingLoss {
    /// Half of the batteries lose up to 2 % per hour.
    Random,
    /// No standing loss (an LP's convex SoC floor forbids the decay the rule controller allows).
    None,
}

pub struct Rng(u64);

impl Rng {
    pub fn uniform(&mut self) -> f64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }
    pub fn index(&mut self, n: usize) -> usize {
        ((self.uniform() * n as f64) as usize).min(n.saturating_sub(1))
    }
    /// A series with about `zeros` of its values at 0.
    pub fn series(&mut self, n: usize, max: f64, zeros: f64) -> Vec<f64> {
        (0..n)
            .map(|_| {
                if self.uniform() < zeros {
                    0.0
                } else {
                    self.range(0.0, max)
                }
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct Shape {
    pub minutes: u32,
    pub len: usize,
    pub pv: usize,
    pub loads: usize,
    pub batteries: usize,
    pub electrolysers: usize,
    pub tanks: usize,
    pub fuel_cells: usize,
    pub demands: usize,
    pub ev_sites: usize,
    pub fleets: usize,
    pub large_import: bool,
    pub grid_charging: bool,
    pub seed: u64,
}

pub fn shapes() -> impl Strategy<Value = Shape> {
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

pub fn sessions(r: &mut Rng, n: usize, count: usize) -> Vec<EvSession> {
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

/// The largest power, kW, that `sessions` draw at once when each charges as soon as plugged
/// in at its own power.
fn asap_peak_kw(sessions: &[EvSession], n: usize, minutes: u32) -> f64 {
    let h = f64::from(minutes) / 60.0;
    let mut per_step = vec![0.0; n];
    for s in sessions {
        let mut remaining = s.energy_kwh;
        for slot in per_step.iter_mut().take(s.departure).skip(s.arrival) {
            let x = (s.max_kw * h).min(remaining);
            *slot += x;
            remaining -= x;
        }
    }
    per_step.iter().fold(0.0_f64, |m, v| m.max(*v)) / h
}

pub fn build(s: &Shape, standing_loss: StandingLoss) -> Case {
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
            standing_loss_per_h: match standing_loss {
                StandingLoss::None => 0.0,
                StandingLoss::Random if r.uniform() < 0.5 => 0.0,
                StandingLoss::Random => r.range(0.0, 0.02),
            },
            cyclic: false,
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
            cyclic: false,
        });
    }
    for k in 0..s.fuel_cells {
        let max_kw = r.range(0.0, 20.0);
        case.fuel_cell(FuelCell {
            name: format!("fc{k}"),
            max_kw,
            min_kw: r.range(0.0, max_kw),
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
        // Half the sites share a power at least the peak of charging as soon as plugged in,
        // so the rule controller's flows stay feasible for the optimiser, whose shifted
        // charging the limit may then bind.
        let limit =
            (r.uniform() < 0.5).then(|| asap_peak_kw(&v, n, s.minutes) * (1.0 + r.uniform()));
        case.ev_site(&format!("ev{k}"), v);
        if let Some(site) = case.district.ev_chargers.last_mut() {
            site.site_limit_kw = limit;
        }
    }
    for k in 0..s.fleets {
        let count = r.index(4);
        let v = sessions(&mut r, n, count);
        case.fleet(&format!("fleet{k}"), v);
    }
    case
}

pub fn config(s: &Shape) -> RuleConfig {
    RuleConfig {
        battery_grid_charging: if s.grid_charging {
            GridCharging::WhenPriceAtMost { eur_per_kwh: 1.0 }
        } else {
            GridCharging::Never
        },
        ..RuleConfig::default()
    }
}

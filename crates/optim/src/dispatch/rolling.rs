//! Rolling-horizon control: the dispatch a controller could actually run, seeing only a
//! forecast of the next hours.
//!
//! [`rolling`] walks the axis in windows of `horizon_hours`, moving by `commit_hours`. At each
//! window start it builds the window's [`Inputs`] (loads and PV from the [`Forecast`]; prices,
//! carbon intensity, hydrogen demand and EV sessions are known), with the state carried from
//! the previous window (each battery's state of charge, the pooled tank level, the energy each
//! EV or fleet session has received so far), solves it as a perfect-foresight dispatch, and
//! commits its first `commit_hours`. When a window reaches the end of the axis it is committed
//! whole, so `horizon ≥ axis` with a perfect forecast is exactly the perfect-foresight dispatch.
//!
//! **Forecast and actual.** Only set-points are committed: battery charge and discharge,
//! electrolyser input, fuel-cell output, hydrogen served, each charging session's energy and
//! the planned curtailment. They are then *re-evaluated step by step with the actual loads and
//! PV*, and the grid balances the difference (import and export). Only when a grid limit would
//! be passed are set-points changed: on a deficit beyond the import limit, curtailment is
//! undone, then battery charging is reduced and discharge raised (down to the floor), and what
//! is still missing is unserved energy; on a surplus beyond the export limit, PV is curtailed,
//! then battery discharge and fuel-cell output are reduced and battery charging raised. The
//! state (SoC, tank level) is recomputed from the realised flows with the same clamps as
//! [`super::polish`], so the final [`Flows`] pass [`quartier_sim::account`] on the actual
//! inputs, and the next window starts from what really happened.
//!
//! **Sessions crossing the window's end** are given only the share they could not take after
//! it (`remaining − max_kw·h·steps after the window`, at least 0): the window never commits a
//! vehicle to charge earlier than needed, and a later window can always finish the session.
//!
//! **End of horizon.** Intermediate windows leave storage free at their end (the myopia that
//! rolling-horizon control accepts); with [`EndOfHorizon::AtLeastInitial`] the last window
//! requires every battery and the pooled tanks to end at least at the *original* initial
//! levels of the axis.
//!
//! **Warm start.** None: each window is a new model (its right-hand sides carry the forecast
//! loads and PV, its bounds and costs the window's prices and state, and EV session columns
//! come and go). clarabel has no warm start for a changed problem. The `highs` crate can turn
//! a solved model back into a model and change column costs and bounds, but not row bounds,
//! and cannot add or remove columns; and the previous window's basis shifted by the commit
//! period is in general not a basis of the next window (the basic columns dropped with the
//! committed steps need not number the rows dropped), so a warm start would need HiGHS's C
//! API (`Highs_setBasis` with a repaired basis). Not done: windows are small (192 steps for
//! 48 h at 15 minutes), so their build and cold solve are reported per window instead.
//!
//! **Regret**: [`Regret::between`] compares the realised objective (same formula as the
//! perfect-foresight dispatch, [`objective_of_flows`] on the actual inputs) with the perfect
//! foresight optimum over the same axis: it is ≥ 0 up to solver tolerances.

use std::time::Instant;

use quartier_model::{Battery, EvSession, HydrogenTank};
use quartier_sim::{Flows, Inputs, Kpis, account};
use quartier_timeseries::Axis;

use super::define::session_target;
use super::{Dispatch, DispatchConfig, DispatchError, DispatchModel, EndOfHorizon};
use crate::dispatch::objective_of_flows;
use crate::lp::{Sense, Solver, Termination};

/// What the controller believes the loads and PV will be.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Forecast {
    /// The actual values (an upper bound on what forecasting can give).
    Perfect,
    /// Persistence: each step is forecast by the same time of the last day already observed
    /// (24 h earlier, or 48 h for the second day ahead, …). The first window has no history
    /// and uses the actual values for steps less than a day before the axis start would
    /// require (a warm-up, documented rather than invented).
    Persistence,
    /// The actual values times `1 + σ·ε`, ε standard normal, independent per step, per
    /// window and per series (clamped at 0), from a seeded generator (reproducible).
    PerfectWithNoise {
        /// Seed of the generator.
        seed: u64,
        /// Relative standard deviation of the PV forecast (e.g. 0.2).
        pv_sigma: f64,
        /// Relative standard deviation of the load forecast (e.g. 0.1).
        load_sigma: f64,
    },
}

/// Options of rolling-horizon control.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RollingConfig {
    /// Hours each window sees (e.g. 48).
    pub horizon_hours: f64,
    /// Hours committed from each window before solving the next (e.g. 24); at most the
    /// horizon.
    pub commit_hours: f64,
    /// Where the window's loads and PV come from.
    pub forecast: Forecast,
}

impl Default for RollingConfig {
    fn default() -> Self {
        RollingConfig {
            horizon_hours: 48.0,
            commit_hours: 24.0,
            forecast: Forecast::Perfect,
        }
    }
}

/// One solved window.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowReport {
    /// First step of the window on the axis.
    pub start: usize,
    /// Steps seen.
    pub len: usize,
    /// Steps committed.
    pub committed: usize,
    /// State of charge of each battery at the window start, kWh.
    pub initial_soc_kwh: Vec<f64>,
    /// Pooled tank level at the window start, kg.
    pub initial_tank_kg: f64,
    /// How the window's solve ended.
    pub termination: Termination,
    /// The window's objective (on its forecast), polished.
    pub objective: f64,
    /// Time to build the window's LP, seconds.
    pub build_seconds: f64,
    /// Solver time, seconds.
    pub solve_seconds: f64,
    /// Size of the window's model.
    pub size: super::ModelSize,
}

/// How the realised flows departed from the committed set-points.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Corrections {
    /// Steps where a grid limit forced a set-point change.
    pub steps: usize,
    /// Total energy moved by set-point changes (curtailment, batteries, fuel cells), kWh.
    pub energy_kwh: f64,
}

/// The realised rolling-horizon dispatch.
#[derive(Debug, Clone, PartialEq)]
pub struct RollingDispatch {
    /// Realised flows on the actual inputs; they passed [`quartier_sim::account`].
    pub flows: Flows,
    /// Their KPIs.
    pub kpis: Kpis,
    /// [`objective_of_flows`] of the realised flows on the actual inputs.
    pub objective: f64,
    /// The windows, in order.
    pub windows: Vec<WindowReport>,
    /// Set-point changes forced by grid limits.
    pub corrections: Corrections,
    /// Wall time of the whole run, seconds.
    pub wall_seconds: f64,
}

impl RollingDispatch {
    /// True when every window was solved to optimality.
    pub fn all_optimal(&self) -> bool {
        self.windows.iter().all(|w| w.termination.has_solution())
    }

    /// Total solver time over the windows, seconds.
    pub fn solve_seconds(&self) -> f64 {
        self.windows.iter().map(|w| w.solve_seconds).sum()
    }

    /// Total model-building time over the windows, seconds.
    pub fn build_seconds(&self) -> f64 {
        self.windows.iter().map(|w| w.build_seconds).sum()
    }
}

/// What rolling-horizon control lost against perfect foresight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Regret {
    /// Perfect-foresight objective.
    pub perfect_objective: f64,
    /// Realised rolling objective.
    pub rolling_objective: f64,
    /// `rolling − perfect` objective (≥ 0 up to solver tolerances).
    pub objective: f64,
    /// `objective / |perfect|` (0 when perfect is 0).
    pub relative: f64,
    /// Rolling energy cost − perfect-foresight energy cost, EUR (the objective may weigh
    /// CO2 or unserved energy too, so this one can be negative).
    pub cost_eur: f64,
}

impl Regret {
    /// The regret of `rolling` against `perfect` (the dispatch of the same inputs and
    /// objective over the whole axis).
    pub fn between(perfect: &Dispatch, rolling: &RollingDispatch) -> Regret {
        let objective = rolling.objective - perfect.objective;
        Regret {
            perfect_objective: perfect.objective,
            rolling_objective: rolling.objective,
            objective,
            relative: if perfect.objective != 0.0 {
                objective / perfect.objective.abs()
            } else {
                0.0
            },
            cost_eur: rolling.kpis.cost_eur - perfect.kpis.cost_eur,
        }
    }
}

/// State carried from one window to the next.
#[derive(Debug, Clone)]
struct State {
    soc_kwh: Vec<f64>,
    tank_kg: f64,
    /// Energy delivered so far, per session of each EV site then each fleet.
    ev_delivered: Vec<Vec<f64>>,
    fleet_delivered: Vec<Vec<f64>>,
}

/// SplitMix64 with Box–Muller: a tiny reproducible normal generator for the noisy forecast.
struct Noise(u64);

impl Noise {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn uniform(&mut self) -> f64 {
        // In (0, 1]: 53 random bits.
        ((self.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64
    }

    fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

fn config_error(option: &'static str, value: f64, expected: &str) -> DispatchError {
    DispatchError::Config {
        option,
        value,
        expected: expected.into(),
    }
}

/// Forecast of one series over `[start, start + len)` made at `start`.
fn forecast_series(
    actual: &[f64],
    start: usize,
    len: usize,
    day: usize,
    forecast: Forecast,
    sigma: f64,
    noise: &mut Noise,
) -> Vec<f64> {
    let window = actual.get(start..start + len).unwrap_or(&[]);
    match forecast {
        Forecast::Perfect => window.to_vec(),
        Forecast::Persistence => (start..start + len)
            .map(|t| {
                let back = day * ((t - start) / day.max(1) + 1);
                let src = t.checked_sub(back).unwrap_or(t);
                actual.get(src).copied().unwrap_or(0.0)
            })
            .collect(),
        Forecast::PerfectWithNoise { .. } => window
            .iter()
            .map(|v| (v * (1.0 + sigma * noise.normal())).max(0.0))
            .collect(),
    }
}

/// Runs rolling-horizon control of `inputs` (see the module documentation).
pub fn rolling(
    inputs: &Inputs<'_>,
    config: &DispatchConfig,
    rolling: &RollingConfig,
    solver: &dyn Solver,
) -> Result<RollingDispatch, DispatchError> {
    let wall = Instant::now();
    inputs.validate()?;
    let n = inputs.len();
    let h = inputs.step_hours();
    let steps_of = |hours: f64| (hours / h).round();
    if !(rolling.horizon_hours.is_finite() && steps_of(rolling.horizon_hours) >= 1.0) {
        return Err(config_error(
            "rolling.horizon_hours",
            rolling.horizon_hours,
            &format!("a finite number of hours of at least one step ({h} h)"),
        ));
    }
    if !(rolling.commit_hours.is_finite()
        && steps_of(rolling.commit_hours) >= 1.0
        && rolling.commit_hours <= rolling.horizon_hours)
    {
        return Err(config_error(
            "rolling.commit_hours",
            rolling.commit_hours,
            &format!(
                "at least one step ({h} h) and at most the horizon ({} h)",
                rolling.horizon_hours
            ),
        ));
    }
    if let Forecast::PerfectWithNoise {
        pv_sigma,
        load_sigma,
        ..
    } = rolling.forecast
    {
        for (option, v) in [
            ("forecast.pv_sigma", pv_sigma),
            ("forecast.load_sigma", load_sigma),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(config_error(option, v, "a finite value ≥ 0"));
            }
        }
    }
    let horizon = (steps_of(rolling.horizon_hours) as usize).max(1);
    let commit = (steps_of(rolling.commit_hours) as usize).clamp(1, horizon);
    let day = ((24.0 / h).round() as usize).max(1);
    let mut noise = Noise(match rolling.forecast {
        Forecast::PerfectWithNoise { seed, .. } => seed,
        _ => 0,
    });
    let (pv_sigma, load_sigma) = match rolling.forecast {
        Forecast::PerfectWithNoise {
            pv_sigma,
            load_sigma,
            ..
        } => (pv_sigma, load_sigma),
        _ => (0.0, 0.0),
    };

    let mut flows = Flows::zeros(inputs);
    let mut state = State {
        soc_kwh: inputs
            .batteries
            .iter()
            .map(|b| b.soc_initial * b.energy_kwh)
            .collect(),
        tank_kg: inputs.tank_pool_kg().2,
        ev_delivered: inputs
            .ev_sessions
            .iter()
            .map(|l| vec![0.0; l.len()])
            .collect(),
        fleet_delivered: inputs
            .fleet_sessions
            .iter()
            .map(|l| vec![0.0; l.len()])
            .collect(),
    };
    let original_soc = state.soc_kwh.clone();
    let original_tank = state.tank_kg;
    let mut windows = Vec::new();
    let mut corrections = Corrections::default();
    let mut start = 0;
    while start < n {
        let len = horizon.min(n - start);
        let last = start + len >= n;
        let committed = if last { len } else { commit.min(len) };

        // The window's inputs.
        let axis = Axis::new(inputs.axis.time(start), inputs.axis.step(), len).map_err(|e| {
            config_error(
                "rolling.horizon_hours",
                rolling.horizon_hours,
                &e.to_string(),
            )
        })?;
        let slice = |v: &[f64]| v.get(start..start + len).unwrap_or(&[]).to_vec();
        let pv_kwh: Vec<Vec<f64>> = inputs
            .pv_kwh
            .iter()
            .map(|p| forecast_series(p, start, len, day, rolling.forecast, pv_sigma, &mut noise))
            .collect();
        let loads_kwh: Vec<Vec<f64>> = inputs
            .loads_kwh
            .iter()
            .map(|l| forecast_series(l, start, len, day, rolling.forecast, load_sigma, &mut noise))
            .collect();
        let batteries: Vec<Battery> = inputs
            .batteries
            .iter()
            .zip(&state.soc_kwh)
            .map(|(b, soc)| {
                let frac = if b.energy_kwh > 0.0 {
                    (soc / b.energy_kwh).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                // A battery may start a window at or under its floor (standing loss, rounding
                // of the realised state), and may not be able to charge enough to hold the
                // floor against its standing loss. The window's floor is lowered to where the
                // battery would decay to by idling through the window, so the window stays
                // feasible; realising a step still never discharges under the actual floor.
                let decay = (1.0 - b.standing_loss_per_h * h).max(0.0);
                let idle = frac * decay.powi(i32::try_from(len).unwrap_or(i32::MAX));
                // A window starts from the carried state: cyclic storage is a property of
                // the whole horizon, not of a window.
                Battery {
                    soc_initial: frac,
                    soc_min: b.soc_min.min(idle),
                    cyclic: false,
                    ..b.clone()
                }
            })
            .collect();
        let tanks = tanks_at(inputs.hydrogen_tanks, state.tank_kg);
        let (ev_sessions, ev_map) =
            window_sessions(&inputs.ev_sessions, &state.ev_delivered, start, len, h);
        let (fleet_sessions, fleet_map) = window_sessions(
            &inputs.fleet_sessions,
            &state.fleet_delivered,
            start,
            len,
            h,
        );
        let w = Inputs {
            axis,
            timezone: inputs.timezone,
            pv_systems: inputs.pv_systems,
            pv_kwh,
            loads: inputs.loads,
            loads_kwh,
            ev_chargers: inputs.ev_chargers,
            ev_sessions,
            fleets: inputs.fleets,
            fleet_sessions,
            batteries: &batteries,
            electrolysers: inputs.electrolysers,
            hydrogen_tanks: &tanks,
            fuel_cells: inputs.fuel_cells,
            grid: inputs.grid,
            h2_demand_kg: slice(&inputs.h2_demand_kg),
            import_price_eur_per_kwh: slice(&inputs.import_price_eur_per_kwh),
            export_price_eur_per_kwh: slice(&inputs.export_price_eur_per_kwh),
            carbon_g_per_kwh: slice(&inputs.carbon_g_per_kwh),
        };
        let window_config = DispatchConfig {
            end_of_horizon: EndOfHorizon::Free,
            ..config.clone()
        };
        let mut dm = DispatchModel::build(&w, &window_config)?;
        if last && config.end_of_horizon == EndOfHorizon::AtLeastInitial && len > 0 {
            add_end_rows(&mut dm, &original_soc, original_tank)?;
        }
        let out = solver.solve(&dm.model, &dm.config.solver)?;
        let primal = out.primal.clone();
        let planned = dm.interpret(solver.name(), out)?;
        windows.push(WindowReport {
            start,
            len,
            committed,
            initial_soc_kwh: state.soc_kwh.clone(),
            initial_tank_kg: state.tank_kg,
            termination: planned.termination,
            objective: planned.objective,
            build_seconds: dm.build_seconds,
            solve_seconds: planned.report.solve_seconds,
            size: planned.size,
        });

        // Per-session plans (window-relative steps) of the committed part.
        let ev_plan = session_plans(&w.ev_sessions, &dm.blocks.ev_sites, &primal, h);
        let fleet_plan = session_plans(&w.fleet_sessions, &dm.blocks.fleets, &primal, h);
        for (site, plans) in ev_plan.iter().enumerate() {
            for (k, plan) in plans.iter().enumerate() {
                commit_session(
                    &mut flows.ev_sites,
                    &mut state.ev_delivered,
                    &ev_map,
                    site,
                    k,
                    plan,
                    start,
                    committed,
                );
            }
        }
        for (site, plans) in fleet_plan.iter().enumerate() {
            for (k, plan) in plans.iter().enumerate() {
                commit_session(
                    &mut flows.fleets,
                    &mut state.fleet_delivered,
                    &fleet_map,
                    site,
                    k,
                    plan,
                    start,
                    committed,
                );
            }
        }
        for i in 0..committed {
            realise(
                inputs,
                &planned.flows,
                i,
                start + i,
                &mut state,
                &mut flows,
                &mut corrections,
            );
        }
        start += committed;
    }
    flows.fill_totals();
    let kpis = account(inputs, &flows)?;
    Ok(RollingDispatch {
        objective: objective_of_flows(inputs, config, &flows),
        kpis,
        flows,
        windows,
        corrections,
        wall_seconds: wall.elapsed().as_secs_f64(),
    })
}

/// The tanks with their pooled level set to `level` (spread in proportion to each tank's
/// usable range, so every tank stays within its own bounds).
fn tanks_at(tanks: &[HydrogenTank], level: f64) -> Vec<HydrogenTank> {
    let mut out: Vec<HydrogenTank> = tanks
        .iter()
        .map(|t| HydrogenTank {
            cyclic: false,
            ..t.clone()
        })
        .collect();
    super::define::set_pool_level(&mut out, level);
    out
}

/// Sessions of each site seen by the window `[start, start + len)`, re-indexed, with the
/// energy still to deliver in the window; and for each window session its index in the
/// site's actual list.
fn window_sessions(
    lists: &[Vec<EvSession>],
    delivered: &[Vec<f64>],
    start: usize,
    len: usize,
    h: f64,
) -> (Vec<Vec<EvSession>>, Vec<Vec<usize>>) {
    let end = start + len;
    let mut out = Vec::with_capacity(lists.len());
    let mut map = Vec::with_capacity(lists.len());
    for (list, done) in lists.iter().zip(delivered) {
        let mut sessions = Vec::new();
        let mut idx = Vec::new();
        for (k, s) in list.iter().enumerate() {
            let a = s.arrival.max(start);
            let d = s.departure.min(end);
            if d <= a {
                continue;
            }
            let remaining = (session_target(s, h) - done.get(k).copied().unwrap_or(0.0)).max(0.0);
            let after = s.departure.saturating_sub(end) as f64 * s.max_kw * h;
            let energy = (remaining - after).max(0.0);
            let ws = EvSession {
                arrival: a - start,
                departure: d - start,
                energy_kwh: energy,
                max_kw: s.max_kw,
            };
            // The same filter as the dispatch's session columns, so plans zip one to one.
            if session_target(&ws, h) > 0.0 {
                sessions.push(ws);
                idx.push(k);
            }
        }
        out.push(sessions);
        map.push(idx);
    }
    (out, map)
}

/// Each window session's planned energy per plugged step (from its arrival), clamped into
/// `[0, max_kw·h]` and scaled down to its energy, as polishing does.
fn session_plans(
    sessions: &[Vec<EvSession>],
    vars: &[Vec<super::define::SessionVars>],
    primal: &[f64],
    h: f64,
) -> Vec<Vec<(usize, Vec<f64>)>> {
    sessions
        .iter()
        .zip(vars)
        .map(|(list, vars)| {
            list.iter()
                .zip(vars)
                .map(|(s, v)| {
                    let cap = s.max_kw * h;
                    let mut vals: Vec<f64> = (0..v.charge.len())
                        .map(|i| {
                            v.charge
                                .get(i)
                                .and_then(|x| primal.get(x.index()))
                                .copied()
                                .unwrap_or(0.0)
                                .clamp(0.0, cap)
                        })
                        .collect();
                    let sum: f64 = vals.iter().sum();
                    if sum > s.energy_kwh && sum > 0.0 {
                        let k = s.energy_kwh / sum;
                        vals.iter_mut().for_each(|x| *x *= k);
                    }
                    (v.arrival, vals)
                })
                .collect()
        })
        .collect()
}

#[allow(clippy::too_many_arguments)] // one call site per kind of charging, read together.
fn commit_session(
    out: &mut [quartier_sim::ChargingFlows],
    delivered: &mut [Vec<f64>],
    map: &[Vec<usize>],
    site: usize,
    k: usize,
    plan: &(usize, Vec<f64>),
    start: usize,
    committed: usize,
) {
    let Some(actual_k) = map.get(site).and_then(|m| m.get(k)).copied() else {
        return;
    };
    let (arrival, vals) = plan;
    for (i, v) in vals.iter().enumerate() {
        let t = arrival + i;
        if t >= committed {
            break;
        }
        if let Some(slot) = out
            .get_mut(site)
            .and_then(|f| f.charge_kwh.get_mut(start + t))
        {
            *slot += v;
        }
        if let Some(d) = delivered.get_mut(site).and_then(|d| d.get_mut(actual_k)) {
            *d += v;
        }
    }
}

/// Adds `soc[end] ≥ original` for every battery and `level[end] ≥ original` for the tanks.
fn add_end_rows(
    dm: &mut DispatchModel<'_, '_>,
    original_soc: &[f64],
    original_tank: f64,
) -> Result<(), DispatchError> {
    let inputs = dm.inputs;
    let n = inputs.len();
    for ((b, vars), &soc) in inputs
        .batteries
        .iter()
        .zip(&dm.blocks.batteries)
        .zip(original_soc)
    {
        dm.model.begin_rows(format!("{}-end_soc", b.name));
        dm.model
            .add_row(n - 1, [(vars.soc.at(n - 1), 1.0)], Sense::Ge, soc)?;
    }
    if let Some((_, level)) = &dm.blocks.hydrogen {
        dm.model.begin_rows("h2-end_level");
        dm.model
            .add_row(n - 1, [(level.at(n - 1), 1.0)], Sense::Ge, original_tank)?;
    }
    Ok(())
}

/// Realises step `t` of the axis (step `i` of the window plan) on the actual inputs; see the
/// module documentation. EV and fleet charging of the step are already in `f`.
fn realise(
    inputs: &Inputs<'_>,
    plan: &Flows,
    i: usize,
    t: usize,
    state: &mut State,
    f: &mut Flows,
    corr: &mut Corrections,
) {
    let h = inputs.step_hours();
    let at = |v: &[f64]| v.get(i).copied().unwrap_or(0.0);
    let imp_cap = inputs.grid.import_limit_kw * h;
    let exp_cap = inputs.grid.export_limit_kw * h;

    // Hydrogen: planned electrolysers, fuel cells and service, tank clamps as in polishing.
    let mut e_in: Vec<f64> = plan
        .electrolysers
        .iter()
        .map(|e| at(&e.input_kwh))
        .collect();
    let mut fc_out: Vec<f64> = plan.fuel_cells.iter().map(|c| at(&c.output_kwh)).collect();
    let demand = inputs.h2_demand_kg.get(t).copied().unwrap_or(0.0);
    let mut served = at(&plan.h2_served_kg).clamp(0.0, demand);
    let (h2_min, h2_cap, _) = inputs.tank_pool_kg();
    let kg_e = |e: &[f64]| -> f64 {
        e.iter()
            .zip(inputs.electrolysers)
            .map(|(x, el)| x / el.kwh_per_kg)
            .sum()
    };
    let kg_f = |c: &[f64]| -> f64 {
        c.iter()
            .zip(inputs.fuel_cells)
            .map(|(x, fc)| x / fc.kwh_per_kg)
            .sum()
    };

    // Batteries: planned charge and discharge within power, capacity and floor.
    let mut bc: Vec<f64> = Vec::with_capacity(inputs.batteries.len());
    let mut bd: Vec<f64> = Vec::with_capacity(inputs.batteries.len());
    let mut kept: Vec<f64> = Vec::with_capacity(inputs.batteries.len());
    for (k, b) in inputs.batteries.iter().enumerate() {
        let decay = (1.0 - b.standing_loss_per_h * h).max(0.0);
        let prev = state.soc_kwh.get(k).copied().unwrap_or(0.0);
        kept.push(prev * decay);
        bc.push(
            plan.batteries
                .get(k)
                .map_or(0.0, |p| at(&p.charge_kwh))
                .clamp(0.0, b.charge_kw * h),
        );
        bd.push(
            plan.batteries
                .get(k)
                .map_or(0.0, |p| at(&p.discharge_kwh))
                .clamp(0.0, b.discharge_kw * h),
        );
    }
    let soc_of = |k: usize, bc: &[f64], bd: &[f64], kept: &[f64]| -> f64 {
        let b = &inputs.batteries[k];
        kept[k] + b.charge_efficiency * bc[k] - bd[k] / b.discharge_efficiency
    };

    // Actual PV and loads.
    let pv: f64 = inputs
        .pv_kwh
        .iter()
        .map(|p| p.get(t).copied().unwrap_or(0.0))
        .sum();
    let load: f64 = inputs
        .loads_kwh
        .iter()
        .map(|l| l.get(t).copied().unwrap_or(0.0))
        .sum();
    let charging: f64 = f
        .ev_sites
        .iter()
        .chain(&f.fleets)
        .map(|c| c.charge_kwh.get(t).copied().unwrap_or(0.0))
        .sum();
    let mut curt = at(&plan.curtailed_kwh).clamp(0.0, pv);
    let net = |curt: f64, bc: &[f64], bd: &[f64], e_in: &[f64], fc_out: &[f64]| -> f64 {
        load + charging + bc.iter().sum::<f64>() + e_in.iter().sum::<f64>()
            - (pv - curt)
            - bd.iter().sum::<f64>()
            - fc_out.iter().sum::<f64>()
    };
    let mut moved = 0.0;
    let x = net(curt, &bc, &bd, &e_in, &fc_out);
    if x > imp_cap {
        let mut deficit = x - imp_cap;
        let undo = deficit.min(curt);
        curt -= undo;
        deficit -= undo;
        moved += undo;
        for k in 0..inputs.batteries.len() {
            let b = &inputs.batteries[k];
            let floor = b.soc_min * b.energy_kwh;
            // Less charging, then more discharge, without going under the floor.
            let room =
                ((soc_of(k, &bc, &bd, &kept) - floor).max(0.0) / b.charge_efficiency).min(bc[k]);
            let cut = deficit.min(room);
            bc[k] -= cut;
            deficit -= cut;
            moved += cut;
            let room = ((soc_of(k, &bc, &bd, &kept) - floor).max(0.0) * b.discharge_efficiency)
                .min((b.discharge_kw * h - bd[k]).max(0.0));
            let add = deficit.min(room);
            bd[k] += add;
            deficit -= add;
            moved += add;
        }
    } else if x < -exp_cap {
        let mut surplus = -exp_cap - x;
        let add = surplus.min(pv - curt).max(0.0);
        curt += add;
        surplus -= add;
        moved += add;
        for k in 0..inputs.batteries.len() {
            let b = &inputs.batteries[k];
            let room = ((b.energy_kwh - soc_of(k, &bc, &bd, &kept)).max(0.0)
                * b.discharge_efficiency)
                .min(bd[k]);
            let cut = surplus.min(room);
            bd[k] -= cut;
            surplus -= cut;
            moved += cut;
        }
        let level_now = state.tank_kg + kg_e(&e_in) - kg_f(&fc_out) - served;
        let mut h2_room = (h2_cap - level_now).max(0.0);
        for (c, fc) in fc_out.iter_mut().zip(inputs.fuel_cells) {
            let cut = surplus.min(*c).min(h2_room * fc.kwh_per_kg);
            *c -= cut;
            h2_room -= cut / fc.kwh_per_kg;
            surplus -= cut;
            moved += cut;
        }
        for k in 0..inputs.batteries.len() {
            let b = &inputs.batteries[k];
            let room = ((b.energy_kwh - soc_of(k, &bc, &bd, &kept)).max(0.0) / b.charge_efficiency)
                .min((b.charge_kw * h - bc[k]).max(0.0));
            let add = surplus.min(room);
            bc[k] += add;
            surplus -= add;
            moved += add;
        }
    }
    if moved > 0.0 {
        corr.steps += 1;
        corr.energy_kwh += moved;
    }

    // Batteries: final state with the clamps of polishing.
    for k in 0..inputs.batteries.len() {
        let b = &inputs.batteries[k];
        let mut soc = soc_of(k, &bc, &bd, &kept);
        if soc > b.energy_kwh {
            bc[k] = (bc[k] - (soc - b.energy_kwh) / b.charge_efficiency).max(0.0);
            soc = soc_of(k, &bc, &bd, &kept);
        }
        let floor = (b.soc_min * b.energy_kwh).min(kept[k] + b.charge_efficiency * bc[k]);
        if soc < floor {
            bd[k] =
                ((kept[k] + b.charge_efficiency * bc[k] - floor) * b.discharge_efficiency).max(0.0);
            soc = soc_of(k, &bc, &bd, &kept);
        }
        if let Some(bf) = f.batteries.get_mut(k) {
            bf.charge_kwh[t] = bc[k];
            bf.discharge_kwh[t] = bd[k];
            bf.soc_kwh[t] = soc;
        }
        if let Some(s) = state.soc_kwh.get_mut(k) {
            *s = soc;
        }
    }

    // Hydrogen: tank level with the clamps of polishing.
    let mut next = state.tank_kg + kg_e(&e_in) - kg_f(&fc_out) - served;
    if next > h2_cap {
        let mut excess = next - h2_cap;
        for (x, el) in e_in.iter_mut().zip(inputs.electrolysers) {
            let cut = excess.min(*x / el.kwh_per_kg);
            *x -= cut * el.kwh_per_kg;
            excess -= cut;
        }
    } else if next < h2_min {
        let mut short = h2_min - next;
        for (c, fc) in fc_out.iter_mut().zip(inputs.fuel_cells) {
            let cut = short.min(*c / fc.kwh_per_kg);
            *c -= cut * fc.kwh_per_kg;
            short -= cut;
        }
        served -= short.min(served);
    }
    for ((x, el), ef) in e_in
        .iter()
        .zip(inputs.electrolysers)
        .zip(f.electrolysers.iter_mut())
    {
        ef.input_kwh[t] = *x;
        ef.h2_kg[t] = x / el.kwh_per_kg;
    }
    for ((c, fc), ff) in fc_out
        .iter()
        .zip(inputs.fuel_cells)
        .zip(f.fuel_cells.iter_mut())
    {
        ff.output_kwh[t] = *c;
        ff.h2_kg[t] = c / fc.kwh_per_kg;
    }
    next = state.tank_kg + f.electrolysers.iter().map(|e| e.h2_kg[t]).sum::<f64>()
        - f.fuel_cells.iter().map(|c| c.h2_kg[t]).sum::<f64>()
        - served;
    f.h2_served_kg[t] = served;
    f.h2_unserved_kg[t] = demand - served;
    f.tank_level_kg[t] = next;
    state.tank_kg = next;

    // Curtailment per system (more if a clamp above left a surplus beyond the export
    // limit), then the grid closes the balance exactly.
    let over = -exp_cap - net(curt, &bc, &bd, &e_in, &fc_out);
    if over > 0.0 {
        curt = (curt + over).min(pv);
    }
    let ratio = if pv > 0.0 {
        (curt / pv).clamp(0.0, 1.0)
    } else {
        0.0
    };
    for p in f.pv.iter_mut() {
        p.curtailed_kwh[t] = p.pv_kwh[t] * ratio;
    }
    let curt: f64 = f.pv.iter().map(|p| p.curtailed_kwh[t]).sum();
    let x = net(curt, &bc, &bd, &e_in, &fc_out);
    let (import, export, unserved) = if x >= 0.0 {
        let import = x.min(imp_cap);
        (import, 0.0, x - import)
    } else {
        (0.0, -x, 0.0)
    };
    f.import_kwh[t] = import;
    f.export_kwh[t] = export;
    f.unserved_kwh[t] = unserved;
}

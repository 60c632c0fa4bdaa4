//! Polishing: from the solver's primal vector to [`Flows`] that pass the accounting pass.
//!
//! An interior-point solution meets its rows to about 1e-8 (relative), while
//! [`quartier_sim::account`] checks every balance to 1e-9. Polishing makes the flows exact
//! without changing the decisions beyond that noise, in this order:
//!
//! 1. every column is clamped into its bounds (tiny negatives become 0);
//! 2. each charging session is clamped to `[0, max_kw × h]` and scaled down if it would
//!    deliver more than its energy; a site's charging is clamped to its `site_limit_kw × h`;
//! 3. hydrogen: electrolyser and fuel-cell masses are recomputed from their energies; the
//!    pooled tank level is recomputed step by step from the chosen flows; where it would pass
//!    the capacity, electrolyser input is reduced, where it would fall below the minimum,
//!    fuel-cell use then hydrogen served are reduced (unserved = demand − served, exactly);
//! 4. batteries: the state of charge is recomputed step by step from charge and discharge;
//!    charge is reduced where it would pass the capacity, discharge where it would fall below
//!    the floor;
//! 5. curtailment is split among PV systems in proportion to their output;
//! 6. the electricity balance is closed exactly at every step: a surplus first reduces
//!    unserved energy, then import, then goes to export (within its limit), then to
//!    curtailment; a deficit goes to import (within its limit), then to unserved energy;
//! 7. simultaneous import and export are netted (and curtailment against import, unserved
//!    against export), which keeps the balance.
//!
//! The report says how much was moved; the objective of both the raw and the polished flows
//! is reported by [`crate::dispatch::Dispatch`].

use quartier_sim::{Flows, Inputs};

use super::define::{Blocks, session_target};

/// What polishing changed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolishReport {
    /// Largest change of a single flow, kWh or kg (clamps, level and balance fixes).
    pub max_change: f64,
    /// Largest electricity-balance residual of the raw solution, kWh.
    pub max_raw_balance_residual_kwh: f64,
    /// Energy netted away from simultaneous import and export, kWh.
    pub netted_kwh: f64,
    /// Steps where the balance needed closing beyond 1e-12 kWh.
    pub steps_closed: usize,
}

fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    x.max(lo).min(hi)
}

/// Turns a primal vector into polished flows (see the module documentation).
pub(crate) fn polish(
    inputs: &Inputs<'_>,
    blocks: &Blocks,
    lower: &[f64],
    upper: &[f64],
    primal: &[f64],
) -> (Flows, PolishReport) {
    let n = inputs.len();
    let h = inputs.step_hours();
    let mut rep = PolishReport::default();
    // 1. Clamp every column into its bounds.
    let x: Vec<f64> = primal
        .iter()
        .zip(lower.iter().zip(upper))
        .map(|(&v, (&lo, &hi))| {
            let c = clamp(v, lo, hi);
            rep.max_change = rep.max_change.max((c - v).abs());
            c
        })
        .collect();
    let get = |b: &crate::lp::VarBlock, t: usize| -> f64 {
        b.get(t)
            .and_then(|v| x.get(v.index()).copied())
            .unwrap_or(0.0)
    };
    let mut f = Flows::zeros(inputs);

    // 2. Charging sessions.
    let sessions_of = |lists: &[Vec<quartier_model::EvSession>],
                       vars: &[Vec<super::define::SessionVars>],
                       out: &mut Vec<quartier_sim::ChargingFlows>| {
        for ((list, vars), site) in lists.iter().zip(vars).zip(out.iter_mut()) {
            // Sessions with columns, in order (sessions without any were skipped).
            let with_columns = list
                .iter()
                .filter(|s| s.departure > s.arrival && session_target(s, h) > 0.0);
            for (s, sv) in with_columns.zip(vars) {
                let cap = s.max_kw * h;
                let mut vals: Vec<f64> = (0..sv.charge.len())
                    .map(|i| clamp(get(&sv.charge, i), 0.0, cap))
                    .collect();
                let sum: f64 = vals.iter().sum();
                if sum > s.energy_kwh && sum > 0.0 {
                    let k = s.energy_kwh / sum;
                    vals.iter_mut().for_each(|v| *v *= k);
                }
                for (i, v) in vals.into_iter().enumerate() {
                    if let Some(slot) = site.charge_kwh.get_mut(sv.arrival + i) {
                        *slot += v;
                    }
                }
            }
        }
    };
    sessions_of(&inputs.ev_sessions, &blocks.ev_sites, &mut f.ev_sites);
    // A site's power limit, held by the LP to its tolerance, is held exactly.
    for (e, site) in inputs.ev_chargers.iter().zip(f.ev_sites.iter_mut()) {
        if let Some(limit) = e.site_limit_kw {
            for x in &mut site.charge_kwh {
                let c = x.min(limit * h);
                rep.max_change = rep.max_change.max(*x - c);
                *x = c;
            }
        }
    }
    sessions_of(&inputs.fleet_sessions, &blocks.fleets, &mut f.fleets);

    // 3. Hydrogen.
    for ((e, b), ef) in inputs
        .electrolysers
        .iter()
        .zip(&blocks.electrolysers)
        .zip(f.electrolysers.iter_mut())
    {
        for t in 0..n {
            ef.input_kwh[t] = get(b, t);
            ef.h2_kg[t] = ef.input_kwh[t] / e.kwh_per_kg;
        }
    }
    for ((fc, b), ff) in inputs
        .fuel_cells
        .iter()
        .zip(&blocks.fuel_cells)
        .zip(f.fuel_cells.iter_mut())
    {
        for t in 0..n {
            ff.output_kwh[t] = get(b, t);
            ff.h2_kg[t] = ff.output_kwh[t] / fc.kwh_per_kg;
        }
    }
    // 3–7, one forward pass over the steps: what a clamp changes at step t (a state of
    // charge or a tank level) is carried into step t + 1 before that step is polished.
    let (h2_min, h2_cap, mut level) = inputs.tank_pool_kg();
    let mut soc_prev: Vec<f64> = inputs
        .batteries
        .iter()
        .map(|b| b.soc_initial * b.energy_kwh)
        .collect();
    let imp_cap = inputs.grid.import_limit_kw * h;
    let exp_cap = inputs.grid.export_limit_kw * h;
    for t in 0..n {
        // 3. Hydrogen.
        let demand = inputs.h2_demand_kg[t];
        let mut served = match &blocks.hydrogen {
            Some((s, _)) => clamp(get(s, t), 0.0, demand),
            None => 0.0,
        };
        let produced = |f: &Flows| f.electrolysers.iter().map(|e| e.h2_kg[t]).sum::<f64>();
        let burnt = |f: &Flows| f.fuel_cells.iter().map(|e| e.h2_kg[t]).sum::<f64>();
        let mut next = level + produced(&f) - burnt(&f) - served;
        if next > h2_cap {
            let mut excess = next - h2_cap;
            for (e, ef) in inputs.electrolysers.iter().zip(f.electrolysers.iter_mut()) {
                let cut = excess.min(ef.h2_kg[t]);
                ef.h2_kg[t] -= cut;
                ef.input_kwh[t] = ef.h2_kg[t] * e.kwh_per_kg;
                excess -= cut;
                rep.max_change = rep.max_change.max(cut);
            }
        } else if next < h2_min {
            let mut short = h2_min - next;
            for (fc, ff) in inputs.fuel_cells.iter().zip(f.fuel_cells.iter_mut()) {
                let cut = short.min(ff.h2_kg[t]);
                ff.h2_kg[t] -= cut;
                ff.output_kwh[t] = ff.h2_kg[t] * fc.kwh_per_kg;
                short -= cut;
                rep.max_change = rep.max_change.max(cut);
            }
            let cut = short.min(served);
            served -= cut;
            rep.max_change = rep.max_change.max(cut);
        }
        next = level + produced(&f) - burnt(&f) - served;
        f.h2_served_kg[t] = served;
        f.h2_unserved_kg[t] = demand - served;
        f.tank_level_kg[t] = next;

        // 4. Batteries.
        for (((bat, bv), bf), prev) in inputs
            .batteries
            .iter()
            .zip(&blocks.batteries)
            .zip(f.batteries.iter_mut())
            .zip(soc_prev.iter_mut())
        {
            let decay = (1.0 - bat.standing_loss_per_h * h).max(0.0);
            let mut c = clamp(get(&bv.charge, t), 0.0, bat.charge_kw * h);
            let mut d = clamp(get(&bv.discharge, t), 0.0, bat.discharge_kw * h);
            let kept = *prev * decay;
            let mut soc = kept + bat.charge_efficiency * c - d / bat.discharge_efficiency;
            if soc > bat.energy_kwh {
                let new_c = (c - (soc - bat.energy_kwh) / bat.charge_efficiency).max(0.0);
                rep.max_change = rep.max_change.max(c - new_c);
                c = new_c;
                soc = kept + bat.charge_efficiency * c - d / bat.discharge_efficiency;
            }
            let floor = (bat.soc_min * bat.energy_kwh).min(kept + bat.charge_efficiency * c);
            if soc < floor {
                let new_d = ((kept + bat.charge_efficiency * c - floor) * bat.discharge_efficiency)
                    .max(0.0);
                rep.max_change = rep.max_change.max(d - new_d);
                d = new_d;
                soc = kept + bat.charge_efficiency * c - d / bat.discharge_efficiency;
            }
            bf.charge_kwh[t] = c;
            bf.discharge_kwh[t] = d;
            rep.max_change = rep.max_change.max((soc - get(&bv.soc, t)).abs());
            bf.soc_kwh[t] = soc;
            *prev = soc;
        }

        // 5. Curtailment split in proportion to output.
        let pv: f64 = f.pv.iter().map(|p| p.pv_kwh[t]).sum();
        let curt = clamp(get(&blocks.curtailed, t), 0.0, pv);
        if curt > 0.0 && pv > 0.0 {
            let ratio = (curt / pv).min(1.0);
            for p in f.pv.iter_mut() {
                p.curtailed_kwh[t] = p.pv_kwh[t] * ratio;
            }
        }
        f.fill_totals_at(t);

        // 6. Close the balance; 7. net.
        let mut import = get(&blocks.import, t);
        let mut export = get(&blocks.export, t);
        let mut unserved = get(&blocks.unserved, t);
        let residual = |f: &Flows, import: f64, export: f64, unserved: f64| {
            (f.pv_kwh[t] - f.curtailed_kwh[t]
                + import
                + f.battery_discharge_kwh[t]
                + f.fuel_cell_kwh[t]
                + unserved)
                - (f.load_kwh[t]
                    + f.ev_kwh[t]
                    + f.fleet_kwh[t]
                    + f.battery_charge_kwh[t]
                    + f.electrolyser_kwh[t]
                    + export)
        };
        let r = residual(&f, import, export, unserved);
        rep.max_raw_balance_residual_kwh = rep.max_raw_balance_residual_kwh.max(r.abs());
        if r.abs() > 1e-12 {
            rep.steps_closed += 1;
        }
        rep.max_change = rep.max_change.max(r.abs());
        if r > 0.0 {
            let mut s = r;
            let cut = s.min(unserved);
            unserved -= cut;
            s -= cut;
            let cut = s.min(import);
            import -= cut;
            s -= cut;
            let add = s.min((exp_cap - export).max(0.0));
            export += add;
            s -= add;
            if s > 0.0 {
                let pv = f.pv_kwh[t];
                let room = (pv - f.curtailed_kwh[t]).max(0.0);
                let add = s.min(room);
                if add > 0.0 && pv > 0.0 {
                    let ratio = ((f.curtailed_kwh[t] + add) / pv).min(1.0);
                    for p in f.pv.iter_mut() {
                        p.curtailed_kwh[t] = p.pv_kwh[t] * ratio;
                    }
                    f.curtailed_kwh[t] = f.pv.iter().map(|p| p.curtailed_kwh[t]).sum();
                }
                s -= add;
            }
            if s > 0.0 {
                // Nowhere to put it (export at its limit, no PV left to curtail): the
                // storage that discharges at this step gives less.
                s = discharge_less(inputs, &mut f, &mut soc_prev, t, s, &mut rep);
                let (s_left, kg) = burn_less(inputs, &mut f, t, s, h2_cap - next, &mut rep);
                next += kg;
                f.tank_level_kg[t] = next;
                let _ = s_left; // anything left shows up in the accounting pass as a bug
                f.fill_totals_at(t);
            }
        } else if r < 0.0 {
            let mut s = -r;
            let add = s.min((imp_cap - import).max(0.0));
            import += add;
            s -= add;
            unserved += s;
        }
        level = next;
        // 7. Netting.
        let both = import.min(export);
        import -= both;
        export -= both;
        rep.netted_kwh += both;
        let both = unserved.min(export);
        unserved -= both;
        export -= both;
        let both = f.curtailed_kwh[t].min(import);
        if both > 0.0 {
            import -= both;
            let pv = f.pv_kwh[t];
            let ratio = if pv > 0.0 {
                ((f.curtailed_kwh[t] - both) / pv).clamp(0.0, 1.0)
            } else {
                0.0
            };
            for p in f.pv.iter_mut() {
                p.curtailed_kwh[t] = p.pv_kwh[t] * ratio;
            }
            f.curtailed_kwh[t] = f.pv.iter().map(|p| p.curtailed_kwh[t]).sum();
        }
        // Last exact closure on import/export/unserved after the proportional splits.
        let r = residual(&f, import, export, unserved);
        if r > 0.0 {
            let cut = r.min(import);
            import -= cut;
            export += r - cut;
        } else if r < 0.0 {
            let cut = (-r).min(export);
            export -= cut;
            import += -r - cut;
        }
        f.import_kwh[t] = import;
        f.export_kwh[t] = export;
        f.unserved_kwh[t] = unserved;
    }
    (f, rep)
}

/// Reduces battery discharge at step `t` by up to `surplus` kWh (each battery only as far
/// as its state of charge stays within its capacity); returns what is left. The new state
/// of charge is carried into the next step through `soc_prev`.
fn discharge_less(
    inputs: &Inputs<'_>,
    f: &mut Flows,
    soc_prev: &mut [f64],
    t: usize,
    mut surplus: f64,
    rep: &mut PolishReport,
) -> f64 {
    for ((bat, bf), prev) in inputs
        .batteries
        .iter()
        .zip(f.batteries.iter_mut())
        .zip(soc_prev.iter_mut())
    {
        if surplus <= 0.0 {
            break;
        }
        let d = bf.discharge_kwh[t];
        let room = ((bat.energy_kwh - bf.soc_kwh[t]) * bat.discharge_efficiency).max(0.0);
        let cut = surplus.min(d).min(room);
        if cut > 0.0 {
            bf.discharge_kwh[t] = d - cut;
            bf.soc_kwh[t] += cut / bat.discharge_efficiency;
            *prev = bf.soc_kwh[t];
            surplus -= cut;
            rep.max_change = rep.max_change.max(cut);
        }
    }
    surplus
}

/// Reduces fuel-cell output at step `t` by up to `surplus` kWh, keeping the hydrogen in the
/// tank pool within `room_kg`; returns what is left and the kilograms kept.
fn burn_less(
    inputs: &Inputs<'_>,
    f: &mut Flows,
    t: usize,
    mut surplus: f64,
    mut room_kg: f64,
    rep: &mut PolishReport,
) -> (f64, f64) {
    let mut kept_kg = 0.0;
    for (fc, ff) in inputs.fuel_cells.iter().zip(f.fuel_cells.iter_mut()) {
        if surplus <= 0.0 || room_kg <= 0.0 {
            break;
        }
        let cut = surplus.min(ff.output_kwh[t]).min(room_kg * fc.kwh_per_kg);
        if cut > 0.0 {
            ff.output_kwh[t] -= cut;
            ff.h2_kg[t] = ff.output_kwh[t] / fc.kwh_per_kg;
            let kg = cut / fc.kwh_per_kg;
            kept_kg += kg;
            room_kg -= kg;
            surplus -= cut;
            rep.max_change = rep.max_change.max(cut);
        }
    }
    (surplus, kept_kg)
}

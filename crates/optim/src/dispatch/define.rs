//! The dispatch LP, one function per concern, read like a recipe: [`define_grid`],
//! [`define_pv`], [`define_batteries`], [`define_hydrogen`], [`define_ev`], then
//! [`define_balance`] and [`define_objective`] (and the optional positive-energy row).
//!
//! All flows are energies per interval (kWh) or hydrogen masses per interval (kg); a power
//! limit `P` kW becomes the column bound `P × step hours`. Names are `{component}-{attr}`:
//! `grid-import_kwh`, `pv-curtailed_kwh`, `b1-soc_kwh`, `pem-input_kwh`, `h2-tank_level_kg`,
//! `depot-session3-charge_kwh`, rows `bus-balance`, `b1-soc_balance`, `h2-tank_balance`, …
//!
//! Modelling choices (documented where they differ from the accounting pass):
//!
//! * **PV curtailment** is one district column per step (all PV feeds one bus, so how it is
//!   shared among systems does not change the optimum); it is split among systems in
//!   proportion to their output afterwards, as the rule controller does.
//! * **Battery floor**: `soc ≥ soc_min × capacity` at every step. The accounting pass also
//!   accepts a battery that *standing loss* takes below `soc_min`; that set is not convex, so
//!   the LP keeps the stricter floor (with standing loss it recharges what the loss takes).
//! * **Minimum power of electrolysers and fuel cells** (`min_kw`) is ignored by default (LP
//!   relaxation: `0 ≤ flow ≤ max_kw·h`); the accounting pass does not check it either. With
//!   [`PartLoad::OnOff`] each electrolyser and fuel cell with `min_kw > 0` gets a binary
//!   `{name}-on` per step and the rows `{name}-max_when_on` (`flow ≤ max_kw·h·on`) and
//!   `{name}-min_part_load` (`flow ≥ min_kw·h·on`), where the flow is the electrolyser's
//!   input or the fuel cell's output ([`define_part_load`], one function for both): a MILP
//!   for the HiGHS back end.
//! * **EV sessions and fleet days**: one column per plugged step, `0 ≤ x ≤ max_kw × h`, and
//!   `Σ x = min(energy_kwh, max_kw × h × plugged steps)`: the energy a vehicle can take by its
//!   departure, which is what the rule controller delivers too. A target the grid cannot
//!   supply shows up as unserved energy, not as an infeasible problem. A site with a
//!   `site_limit_kw` gets the rows `{site}-site_limit` (`Σ x ≤ limit × h`) at the steps where
//!   its plugged sessions could draw more.
//! * **Unserved electricity and hydrogen** are columns priced at the configured values of
//!   lost load, so a district that cannot be supplied is explained, not infeasible.

use quartier_model::{Battery, HydrogenTank};
use quartier_sim::Inputs;

use super::{AnnualBalance, DispatchConfig, EndOfHorizon, Objective, PartLoad};
use crate::lp::{LpError, Model, Sense, Var, VarBlock};

/// Columns of one battery.
#[derive(Debug, Clone)]
pub(crate) struct BatteryVars {
    pub charge: VarBlock,
    pub discharge: VarBlock,
    pub soc: VarBlock,
}

/// Columns of one charging session: one per plugged step from `arrival`.
#[derive(Debug, Clone)]
pub(crate) struct SessionVars {
    pub arrival: usize,
    pub charge: VarBlock,
    /// Upper bound of each charging column, kWh (max_kw × h).
    pub cap_kwh: f64,
}

/// Every block of the dispatch model.
#[derive(Debug, Clone)]
pub(crate) struct Blocks {
    pub import: VarBlock,
    pub export: VarBlock,
    pub unserved: VarBlock,
    pub curtailed: VarBlock,
    pub batteries: Vec<BatteryVars>,
    pub electrolysers: Vec<VarBlock>,
    pub fuel_cells: Vec<VarBlock>,
    /// Hydrogen served and pooled tank level, when the district has a hydrogen chain.
    pub hydrogen: Option<(VarBlock, VarBlock)>,
    pub ev_sites: Vec<Vec<SessionVars>>,
    pub fleets: Vec<Vec<SessionVars>>,
    /// First row of the electricity balance (one row per step).
    pub balance_first_row: usize,
}

/// Builds the whole model.
pub(crate) fn build(
    inputs: &Inputs<'_>,
    config: &DispatchConfig,
) -> Result<(Model, Blocks), LpError> {
    let mut m = Model::new();
    let blocks = define_recipe(&mut m, inputs, config, &Layout::default(), |m| {
        define_batteries(m, inputs, config)
    })?;
    presolve_grid(&mut m, &blocks);
    Ok((m, blocks))
}

/// Leaves out of the dispatch LP, step by step, the grid columns and limits that no optimum
/// needs. The step's balance row reads `import + unserved − export − curtailed = need`, where
/// `need` (the load and what the other columns draw, less what they supply) lies within
/// `[need_min, need_max]` over their bounds. With `c` each column's cost:
///
/// 1. **unserved energy is fixed at 0** when `need_max ≤ import limit`, `c_u > c_i`,
///    `c_u + c_e > 0` and `c_u + c_c > 0`: a kWh unserved could always be imported instead,
///    or exported or curtailed less, at a lower cost;
/// 2. **curtailment is fixed at 0** when `−need_min ≤ export limit`, `c_c ≥ c_e`,
///    `c_i + c_c > 0` (and `c_u + c_c > 0` while unserved energy is possible): the surplus
///    always fits the export, which earns at least what curtailing does;
/// 3. **the import limit is dropped** when `need_max ≤ import limit`, `c_i + c_e > 0` (and
///    `c_i + c_c > 0` while curtailment is possible): an import above `need_max` would be
///    exported or curtailed at once, at a loss, so no optimum reaches the limit;
/// 4. **the export limit is dropped** when `−need_min ≤ export limit`, `c_i + c_e > 0` (and
///    `c_u + c_e > 0` while unserved energy is possible), for the same reason.
///
/// Each keeps the optimal value (and 3 and 4 every optimum: none reaches a limit dropped),
/// and the back ends leave a fixed column out: up to two columns and five bound rows fewer per
/// step for clarabel (on the year of quarter-hours of `bench/pypsa`, `quartier export pypsa
/// … --solve` reports `solver_cols × solver_rows` 336,353 × 742,786 without it, 288,039 ×
/// 614,457 with it). Only for
/// the dispatch: sizing puts the import under a capacity it decides, which this argument
/// does not cover; a grid column that appears in any other row (the positive-energy row,
/// for one) is left alone, and so is every step whose other columns have an infinite bound
/// in the direction that matters.
pub(crate) fn presolve_grid(m: &mut Model, b: &Blocks) {
    // Rows each column appears in (a grid column in its balance row alone, or the step is
    // left alone).
    let mut uses = vec![0u32; m.num_vars()];
    for r in 0..m.num_rows() {
        for &c in m.row_entries(r).map_or(&[][..], |(cols, _)| cols) {
            uses[c] += 1;
        }
    }
    let mut changes: Vec<(Var, f64, f64)> = Vec::new();
    for t in 0..b.unserved.len() {
        let grid = (
            b.import.get(t),
            b.export.get(t),
            b.unserved.get(t),
            b.curtailed.get(t),
        );
        let (Some(i), Some(e), Some(u), Some(c)) = grid else {
            continue;
        };
        let r = b.balance_first_row + t;
        let (Some((cols, coefs)), Some(&rhs)) = (m.row_entries(r), m.rhs_values().get(r)) else {
            continue;
        };
        let mine = [i, e, u, c];
        let signs = [1.0, -1.0, 1.0, -1.0];
        let in_row = mine.iter().zip(signs).all(|(v, sign)| {
            uses[v.index()] == 1
                && m.bounds(*v).0 == 0.0
                && cols
                    .iter()
                    .zip(coefs)
                    .any(|(&col, &a)| col == v.index() && a == sign)
        });
        if !in_row {
            continue;
        }
        let (lower, upper) = (m.lower_bounds(), m.upper_bounds());
        let (mut need_min, mut need_max) = (rhs, rhs);
        for (&col, &a) in cols.iter().zip(coefs) {
            if mine.iter().any(|v| v.index() == col) {
                continue;
            }
            let (x, y) = (a * lower[col], a * upper[col]);
            need_max -= x.min(y);
            need_min -= x.max(y);
        }
        let costs = m.costs();
        let cost = |v: Var| costs[v.index()];
        let (ci, ce, cu, cc) = (cost(i), cost(e), cost(u), cost(c));
        let (imp, exp) = (m.bounds(i).1, m.bounds(e).1);
        let mut u_live = m.bounds(u).1 > 0.0;
        let mut c_live = m.bounds(c).1 > 0.0;
        let fits_import = need_max.is_finite() && need_max <= imp;
        let fits_export = need_min.is_finite() && -need_min <= exp;
        if u_live && fits_import && cu > ci && cu + ce > 0.0 && (!c_live || cu + cc > 0.0) {
            changes.push((u, 0.0, 0.0));
            u_live = false;
        }
        if c_live && fits_export && cc >= ce && ci + cc > 0.0 && (!u_live || cu + cc > 0.0) {
            changes.push((c, 0.0, 0.0));
            c_live = false;
        }
        if fits_import && imp.is_finite() && ci + ce > 0.0 && (!c_live || ci + cc > 0.0) {
            changes.push((i, 0.0, f64::INFINITY));
        }
        if fits_export && exp.is_finite() && ci + ce > 0.0 && (!u_live || cu + ce > 0.0) {
            changes.push((e, 0.0, f64::INFINITY));
        }
    }
    for (v, lo, hi) in changes {
        m.set_bounds(v, lo, hi);
    }
}

/// The dispatch recipe into `m`: grid, PV, batteries (by `batteries`, so that sizing can
/// make their capacities variables), hydrogen, EV, balance, positive energy, objective.
pub(crate) fn define_recipe(
    m: &mut Model,
    inputs: &Inputs<'_>,
    config: &DispatchConfig,
    layout: &Layout,
    batteries: impl FnOnce(&mut Model) -> Result<Vec<BatteryVars>, LpError>,
) -> Result<Blocks, LpError> {
    let (import, export, unserved) = define_grid(m, inputs);
    let curtailed = define_pv(m, inputs);
    let batteries = batteries(m)?;
    let (electrolysers, fuel_cells, hydrogen) = define_hydrogen(m, inputs, config, layout)?;
    let (ev_sites, fleets) = define_ev(m, inputs)?;
    let mut blocks = Blocks {
        import,
        export,
        unserved,
        curtailed,
        batteries,
        electrolysers,
        fuel_cells,
        hydrogen,
        ev_sites,
        fleets,
        balance_first_row: 0,
    };
    blocks.balance_first_row = define_balance(m, inputs, &blocks)?;
    if config.annual_balance == AnnualBalance::PositiveEnergy {
        define_positive_energy(m, inputs, &blocks, layout)?;
    }
    define_objective(m, inputs, config, &blocks, layout);
    Ok(blocks)
}

/// How the steps of a model stand for time: one after the other (the default), or as
/// typical periods of `period` steps, each step weighing `weights[t]` (the number of the
/// horizon's periods its typical period stands for), storage levels within a period counted
/// from 0 at its start (the periods are linked by the sizing's inter-period levels).
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    /// Steps per typical period (`None`: a plain horizon).
    pub period: Option<usize>,
    /// Weight of each step in the objective and in the horizon's totals (empty: 1 each).
    pub weights: Vec<f64>,
}

impl Layout {
    /// The weight of step `t`.
    pub fn weight(&self, t: usize) -> f64 {
        self.weights.get(t).copied().unwrap_or(1.0)
    }

    /// True when step `t` starts a typical period (its storage starts from 0 within it).
    pub fn starts_period(&self, t: usize) -> bool {
        self.period.is_some_and(|p| p > 0 && t.is_multiple_of(p))
    }
}

/// Grid import and export within their limits, and unserved electricity (no upper bound).
pub(crate) fn define_grid(m: &mut Model, inputs: &Inputs<'_>) -> (VarBlock, VarBlock, VarBlock) {
    let n = inputs.len();
    let h = inputs.step_hours();
    let imp = inputs.grid.import_limit_kw * h;
    let exp = inputs.grid.export_limit_kw * h;
    let import = m.add_vars("grid-import_kwh", n, |_| (0.0, imp));
    let export = m.add_vars("grid-export_kwh", n, |_| (0.0, exp));
    let unserved = m.add_vars("bus-unserved_kwh", n, |_| (0.0, f64::INFINITY));
    (import, export, unserved)
}

/// PV curtailment of the district per step, up to the PV available.
pub(crate) fn define_pv(m: &mut Model, inputs: &Inputs<'_>) -> VarBlock {
    let total = pv_total(inputs);
    m.add_vars("pv-curtailed_kwh", inputs.len(), |t| {
        (0.0, total.get(t).copied().unwrap_or(0.0))
    })
}

pub(crate) fn pv_total(inputs: &Inputs<'_>) -> Vec<f64> {
    let mut total = vec![0.0; inputs.len()];
    for p in &inputs.pv_kwh {
        for (s, v) in total.iter_mut().zip(p) {
            *s += v;
        }
    }
    total
}

/// Batteries: charge, discharge and state of charge with the recursion
/// `soc[t] = soc[t−1]·(1 − loss·h) + η_c·charge[t] − discharge[t]/η_d`, and optionally
/// `soc[end] ≥ soc[initial]`.
pub(crate) fn define_batteries(
    m: &mut Model,
    inputs: &Inputs<'_>,
    config: &DispatchConfig,
) -> Result<Vec<BatteryVars>, LpError> {
    let n = inputs.len();
    let h = inputs.step_hours();
    let mut out = Vec::with_capacity(inputs.batteries.len());
    for b in inputs.batteries {
        let charge = m.add_vars(format!("{}-charge_kwh", b.name), n, |_| {
            (0.0, b.charge_kw * h)
        });
        let discharge = m.add_vars(format!("{}-discharge_kwh", b.name), n, |_| {
            (0.0, b.discharge_kw * h)
        });
        let soc = m.add_vars(format!("{}-soc_kwh", b.name), n, |_| {
            (b.soc_min * b.energy_kwh, b.energy_kwh)
        });
        let decay = (1.0 - b.standing_loss_per_h * h).max(0.0);
        let initial = b.soc_initial * b.energy_kwh;
        m.begin_rows(format!("{}-soc_balance", b.name));
        for t in 0..n {
            let mut terms = vec![
                (soc.at(t), 1.0),
                (charge.at(t), -b.charge_efficiency),
                (discharge.at(t), 1.0 / b.discharge_efficiency),
            ];
            let rhs = if t > 0 {
                terms.push((soc.at(t - 1), -decay));
                0.0
            } else if b.cyclic {
                close_cycle(&mut terms, soc.at(n - 1), decay);
                0.0
            } else {
                decay * initial
            };
            m.add_row(t, terms, Sense::Eq, rhs)?;
        }
        if config.end_of_horizon == EndOfHorizon::AtLeastInitial && n > 0 && !b.cyclic {
            m.begin_rows(format!("{}-end_soc", b.name));
            m.add_row(n - 1, [(soc.at(n - 1), 1.0)], Sense::Ge, initial)?;
        }
        out.push(BatteryVars {
            charge,
            discharge,
            soc,
        });
    }
    Ok(out)
}

/// The first step of a cyclic store: its level before the first step is its level at the
/// last (`last`, weighted by `−decay`), merged into the level's own entry on a one-step
/// horizon.
pub(crate) fn close_cycle(terms: &mut Vec<(Var, f64)>, last: Var, decay: f64) {
    match terms.iter_mut().find(|(v, _)| *v == last) {
        Some((_, a)) => *a -= decay,
        None => terms.push((last, -decay)),
    }
}

/// Cyclic storage starts where the solution ends: sets each cyclic battery's
/// `soc_initial` to its final state of charge in `primal` (within `[soc_min, 1]`), and
/// when the tanks are cyclic, their initial levels to the pool's final level (shared in
/// proportion to each tank's room above its minimum), so that polishing and accounting
/// replay the cycle. True when anything is cyclic.
pub(crate) fn set_cyclic_starts(
    batteries: &mut [Battery],
    tanks: &mut [HydrogenTank],
    blocks: &Blocks,
    primal: &[f64],
) -> bool {
    let last = |b: &VarBlock| {
        b.len()
            .checked_sub(1)
            .and_then(|t| b.get(t))
            .and_then(|v| primal.get(v.index()).copied())
    };
    let mut any = false;
    for (b, vars) in batteries.iter_mut().zip(&blocks.batteries) {
        if let (true, Some(end)) = (b.cyclic, last(&vars.soc)) {
            any = true;
            set_soc_kwh(b, end);
        }
    }
    if !tanks.is_empty()
        && tanks.iter().all(|t| t.cyclic)
        && let Some(end) = blocks.hydrogen.as_ref().and_then(|(_, level)| last(level))
    {
        any = true;
        set_pool_level(tanks, end);
    }
    any
}

/// Starts battery `b` at `kwh` (its `soc_initial`, within `[soc_min, 1]`; a battery without
/// capacity at its floor).
pub(crate) fn set_soc_kwh(b: &mut Battery, kwh: f64) {
    b.soc_initial = if b.energy_kwh > 0.0 {
        (kwh / b.energy_kwh).clamp(b.soc_min, 1.0)
    } else {
        b.soc_min
    };
}

/// Starts the pooled tanks at `level_kg`, spread in proportion to each tank's room above its
/// minimum (so every tank stays within its own bounds).
pub(crate) fn set_pool_level(tanks: &mut [HydrogenTank], level_kg: f64) {
    let min: f64 = tanks.iter().map(|t| t.min_kg).sum();
    let cap: f64 = tanks.iter().map(|t| t.capacity_kg).sum();
    let frac = if cap > min {
        ((level_kg - min) / (cap - min)).clamp(0.0, 1.0)
    } else {
        0.0
    };
    for t in tanks.iter_mut() {
        t.initial_kg = t.min_kg + frac * (t.capacity_kg - t.min_kg);
    }
}

/// Session columns of every EV site, then of every fleet.
type ChargingBlocks = (Vec<Vec<SessionVars>>, Vec<Vec<SessionVars>>);

type HydrogenBlocks = (Vec<VarBlock>, Vec<VarBlock>, Option<(VarBlock, VarBlock)>);

/// Electrolysers (input ≤ max_kw × h, hydrogen = input / kwh_per_kg), fuel cells (output ≤
/// max_kw × h, hydrogen = output / kwh_per_kg), hydrogen demand served (the rest is unserved,
/// priced), and the pooled tank: `level[t] = level[t−1] + produced − fuel cells − served`,
/// `Σ min_kg ≤ level ≤ Σ capacity_kg`, optionally `level[end] ≥ initial`.
pub(crate) fn define_hydrogen(
    m: &mut Model,
    inputs: &Inputs<'_>,
    config: &DispatchConfig,
    layout: &Layout,
) -> Result<HydrogenBlocks, LpError> {
    let n = inputs.len();
    let h = inputs.step_hours();
    let electrolysers: Vec<VarBlock> = inputs
        .electrolysers
        .iter()
        .map(|e| m.add_vars(format!("{}-input_kwh", e.name), n, |_| (0.0, e.max_kw * h)))
        .collect();
    let fuel_cells: Vec<VarBlock> = inputs
        .fuel_cells
        .iter()
        .map(|f| m.add_vars(format!("{}-output_kwh", f.name), n, |_| (0.0, f.max_kw * h)))
        .collect();
    if config.part_load == PartLoad::OnOff {
        let unit = |name, min_kw, max_kw, flow| OnOffUnit {
            name,
            min_kw,
            max_kw,
            flow,
        };
        let units = (inputs.electrolysers.iter().zip(&electrolysers))
            .map(|(e, x)| unit(e.name.as_str(), e.min_kw, e.max_kw, x))
            .chain(
                (inputs.fuel_cells.iter().zip(&fuel_cells))
                    .map(|(f, x)| unit(f.name.as_str(), f.min_kw, f.max_kw, x)),
            );
        define_part_load(m, h, units)?;
    }
    let any_demand = inputs.h2_demand_kg.iter().any(|&d| d > 0.0);
    if electrolysers.is_empty()
        && fuel_cells.is_empty()
        && inputs.hydrogen_tanks.is_empty()
        && !any_demand
    {
        return Ok((electrolysers, fuel_cells, None));
    }
    let (min_kg, cap_kg, initial_kg) = inputs.tank_pool_kg();
    let served = m.add_vars("h2-served_kg", n, |t| {
        (0.0, inputs.h2_demand_kg.get(t).copied().unwrap_or(0.0))
    });
    // Over typical periods the column is the level within its period (from 0), bounded
    // through the sizing's inter-period levels.
    let level = if layout.period.is_some() {
        m.add_vars("h2-tank_level_kg", n, |_| {
            (f64::NEG_INFINITY, f64::INFINITY)
        })
    } else {
        m.add_vars("h2-tank_level_kg", n, |_| (min_kg, cap_kg))
    };
    m.begin_rows("h2-tank_balance");
    for t in 0..n {
        let mut terms = vec![(level.at(t), 1.0), (served.at(t), 1.0)];
        for (e, x) in inputs.electrolysers.iter().zip(&electrolysers) {
            terms.push((x.at(t), -1.0 / e.kwh_per_kg));
        }
        for (f, x) in inputs.fuel_cells.iter().zip(&fuel_cells) {
            terms.push((x.at(t), 1.0 / f.kwh_per_kg));
        }
        let rhs = if layout.starts_period(t) {
            0.0
        } else if t > 0 {
            terms.push((level.at(t - 1), -1.0));
            0.0
        } else if inputs.tanks_cyclic() {
            close_cycle(&mut terms, level.at(n - 1), 1.0);
            0.0
        } else {
            initial_kg
        };
        m.add_row(t, terms, Sense::Eq, rhs)?;
    }
    if config.end_of_horizon == EndOfHorizon::AtLeastInitial
        && n > 0
        && !inputs.tanks_cyclic()
        && layout.period.is_none()
    {
        m.begin_rows("h2-end_level");
        m.add_row(n - 1, [(level.at(n - 1), 1.0)], Sense::Ge, initial_kg)?;
    }
    Ok((electrolysers, fuel_cells, Some((served, level))))
}

/// A unit with a minimum power when running (an electrolyser or a fuel cell) and its energy
/// column per step (the electrolyser's input, the fuel cell's output).
#[derive(Debug, Clone, Copy)]
pub(crate) struct OnOffUnit<'b> {
    pub name: &'b str,
    pub min_kw: f64,
    pub max_kw: f64,
    pub flow: &'b VarBlock,
}

/// Binary on/off of each unit with a minimum power (`min_kw > 0`), at every step of `h`
/// hours: a binary `{name}-on` and `min_kw·h·on ≤ flow ≤ max_kw·h·on` (rows
/// `{name}-min_part_load` and `{name}-max_when_on`). Units with `min_kw = 0` stay continuous.
pub(crate) fn define_part_load<'b>(
    m: &mut Model,
    h: f64,
    units: impl IntoIterator<Item = OnOffUnit<'b>>,
) -> Result<(), LpError> {
    for u in units {
        if u.min_kw <= 0.0 {
            continue;
        }
        let (x, n) = (u.flow, u.flow.len());
        let on = m.add_bin_vars(format!("{}-on", u.name), n);
        m.begin_rows(format!("{}-max_when_on", u.name));
        for t in 0..n {
            m.add_row(
                t,
                [(x.at(t), 1.0), (on.at(t), -u.max_kw * h)],
                Sense::Le,
                0.0,
            )?;
        }
        m.begin_rows(format!("{}-min_part_load", u.name));
        for t in 0..n {
            m.add_row(
                t,
                [(x.at(t), 1.0), (on.at(t), -u.min_kw * h)],
                Sense::Ge,
                0.0,
            )?;
        }
    }
    Ok(())
}

/// The energy a session can take by its departure: `min(energy, max_kw × h × steps)`.
pub(crate) fn session_target(s: &quartier_model::EvSession, h: f64) -> f64 {
    let steps = s.departure.saturating_sub(s.arrival) as f64;
    s.energy_kwh.min(s.max_kw * h * steps)
}

/// EV sessions and fleet vehicle-days: charging only while plugged, within the session's
/// power, reaching its target by departure.
pub(crate) fn define_ev(m: &mut Model, inputs: &Inputs<'_>) -> Result<ChargingBlocks, LpError> {
    let h = inputs.step_hours();
    let one = |m: &mut Model,
               name: &str,
               sessions: &[quartier_model::EvSession]|
     -> Result<Vec<SessionVars>, LpError> {
        let mut out = Vec::new();
        for (k, s) in sessions.iter().enumerate() {
            let target = session_target(s, h);
            let len = s.departure.saturating_sub(s.arrival);
            if len == 0 || target <= 0.0 {
                continue;
            }
            let cap = s.max_kw * h;
            let charge = m.add_vars(format!("{name}-session{k}-charge_kwh"), len, |_| (0.0, cap));
            m.begin_rows(format!("{name}-session{k}-energy"));
            m.add_row(
                s.departure.saturating_sub(1),
                (0..len).map(|i| (charge.at(i), 1.0)),
                Sense::Eq,
                target,
            )?;
            out.push(SessionVars {
                arrival: s.arrival,
                charge,
                cap_kwh: cap,
            });
        }
        Ok(out)
    };
    let mut sites = Vec::new();
    for (e, sessions) in inputs.ev_chargers.iter().zip(&inputs.ev_sessions) {
        let vars = one(m, &e.name, sessions)?;
        if let Some(limit) = e.site_limit_kw {
            // Rows only where the plugged sessions could draw more than the site delivers.
            let per_step = site_terms(inputs.len(), &vars);
            m.begin_rows(format!("{}-site_limit", e.name));
            for (t, terms) in per_step.iter().enumerate() {
                let potential: f64 = terms.iter().map(|(_, cap)| cap).sum();
                if potential > limit * h * (1.0 + 1e-12) {
                    m.add_row(
                        t,
                        terms.iter().map(|(v, _)| (*v, 1.0)),
                        Sense::Le,
                        limit * h,
                    )?;
                }
            }
        }
        sites.push(vars);
    }
    let mut fleets = Vec::new();
    for (f, sessions) in inputs.fleets.iter().zip(&inputs.fleet_sessions) {
        fleets.push(one(m, &f.name, sessions)?);
    }
    Ok((sites, fleets))
}

/// Per step, the charging columns of one site's sessions with their upper bounds (kWh).
pub(crate) fn site_terms(n: usize, sessions: &[SessionVars]) -> Vec<Vec<(Var, f64)>> {
    session_columns(n, sessions.iter())
}

/// Per step, the charging columns of every session (EV sites, then fleets), in order.
pub(crate) fn charging_terms(n: usize, blocks: &Blocks) -> Vec<Vec<Var>> {
    session_columns(n, blocks.ev_sites.iter().chain(&blocks.fleets).flatten())
        .into_iter()
        .map(|step| step.into_iter().map(|(v, _)| v).collect())
        .collect()
}

/// Per step, `(column, upper bound kWh)` of the given sessions' charging, in their order.
fn session_columns<'s>(
    n: usize,
    sessions: impl Iterator<Item = &'s SessionVars>,
) -> Vec<Vec<(Var, f64)>> {
    let mut per_step: Vec<Vec<(Var, f64)>> = vec![Vec::new(); n];
    for s in sessions {
        for i in 0..s.charge.len() {
            if let (Some(list), Some(v)) = (per_step.get_mut(s.arrival + i), s.charge.get(i)) {
                list.push((v, s.cap_kwh));
            }
        }
    }
    per_step
}

pub(crate) fn load_total(inputs: &Inputs<'_>) -> Vec<f64> {
    let mut total = vec![0.0; inputs.len()];
    for l in &inputs.loads_kwh {
        for (s, v) in total.iter_mut().zip(l) {
            *s += v;
        }
    }
    total
}

/// The electricity balance of the bus at every step:
/// `import − export + unserved − curtailed + Σ discharge − Σ charge + Σ fuel cell − Σ
/// electrolyser − Σ charging = load − pv`. Returns the index of its first row.
pub(crate) fn define_balance(
    m: &mut Model,
    inputs: &Inputs<'_>,
    b: &Blocks,
) -> Result<usize, LpError> {
    let n = inputs.len();
    let pv = pv_total(inputs);
    let load = load_total(inputs);
    let charging = charging_terms(n, b);
    let first = m.num_rows();
    m.begin_rows("bus-balance");
    for t in 0..n {
        let mut terms = vec![
            (b.import.at(t), 1.0),
            (b.export.at(t), -1.0),
            (b.unserved.at(t), 1.0),
            (b.curtailed.at(t), -1.0),
        ];
        for bat in &b.batteries {
            terms.push((bat.discharge.at(t), 1.0));
            terms.push((bat.charge.at(t), -1.0));
        }
        terms.extend(b.fuel_cells.iter().map(|x| (x.at(t), 1.0)));
        terms.extend(b.electrolysers.iter().map(|x| (x.at(t), -1.0)));
        if let Some(list) = charging.get(t) {
            terms.extend(list.iter().map(|&v| (v, -1.0)));
        }
        m.add_row(t, terms, Sense::Eq, load[t] - pv[t])?;
    }
    Ok(first)
}

/// Positive energy over the horizon: `Σ (pv − curtailed) ≥ Σ (load + charging +
/// electrolyser)` (the KPI definition: fuel-cell output is not production).
pub(crate) fn define_positive_energy(
    m: &mut Model,
    inputs: &Inputs<'_>,
    b: &Blocks,
    layout: &Layout,
) -> Result<(), LpError> {
    let n = inputs.len();
    let w = |t: usize| layout.weight(t);
    let pv: f64 = pv_total(inputs)
        .iter()
        .enumerate()
        .map(|(t, v)| w(t) * v)
        .sum();
    let load: f64 = load_total(inputs)
        .iter()
        .enumerate()
        .map(|(t, v)| w(t) * v)
        .sum();
    let mut terms: Vec<(Var, f64)> = (0..n).map(|t| (b.curtailed.at(t), -w(t))).collect();
    for e in &b.electrolysers {
        terms.extend((0..n).map(|t| (e.at(t), -w(t))));
    }
    for s in b.ev_sites.iter().chain(&b.fleets).flatten() {
        terms.extend((0..s.charge.len()).map(|i| (s.charge.at(i), -w(s.arrival + i))));
    }
    m.begin_rows("district-positive_energy");
    m.add_row(n.saturating_sub(1), terms, Sense::Ge, load - pv)?;
    Ok(())
}

/// Per-step weights of import and export in the objective.
pub(crate) fn grid_weights(inputs: &Inputs<'_>, objective: Objective, t: usize) -> (f64, f64) {
    let p_imp = inputs
        .import_price_eur_per_kwh
        .get(t)
        .copied()
        .unwrap_or(0.0);
    let p_exp = inputs
        .export_price_eur_per_kwh
        .get(t)
        .copied()
        .unwrap_or(0.0);
    let g = inputs.carbon_g_per_kwh.get(t).copied().unwrap_or(0.0);
    match objective {
        Objective::Cost => (p_imp, -p_exp),
        Objective::Co2 => (g / 1000.0, 0.0),
        Objective::CostPlusCo2 { eur_per_tonne } => (p_imp + eur_per_tonne * g / 1e6, -p_exp),
    }
}

/// The objective: grid import and export weighted per [`Objective`], plus unserved
/// electricity at the value of lost load and unserved hydrogen at the value of lost
/// hydrogen (`value × (demand − served)`, a constant minus `value × served`).
pub(crate) fn define_objective(
    m: &mut Model,
    inputs: &Inputs<'_>,
    config: &DispatchConfig,
    b: &Blocks,
    layout: &Layout,
) {
    for t in 0..inputs.len() {
        let k = layout.weight(t);
        let (wi, we) = grid_weights(inputs, config.objective, t);
        m.add_cost(b.import.at(t), k * wi);
        m.add_cost(b.export.at(t), k * we);
        m.add_cost(b.unserved.at(t), k * config.value_of_lost_load_eur_per_kwh);
    }
    let voll_h2 = config.value_of_lost_hydrogen_eur_per_kg;
    m.add_constant(
        voll_h2
            * inputs
                .h2_demand_kg
                .iter()
                .enumerate()
                .map(|(t, d)| layout.weight(t) * d)
                .sum::<f64>(),
    );
    if let Some((served, _)) = &b.hydrogen {
        for t in 0..served.len() {
            m.add_cost(served.at(t), -voll_h2 * layout.weight(t));
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use quartier_sim::testkit::Case;
    use quartier_sim::testkit::random::{StandingLoss, build as random_case, shapes};

    use super::*;
    use crate::lp::solve_with_clarabel as solve;

    /// The dispatch model without the grid presolve.
    fn unreduced(inputs: &Inputs<'_>, config: &DispatchConfig) -> Model {
        let mut m = Model::new();
        define_recipe(&mut m, inputs, config, &Layout::default(), |m| {
            define_batteries(m, inputs, config)
        })
        .unwrap();
        m
    }

    #[test]
    fn the_grid_presolve_leaves_out_what_no_optimum_needs_and_keeps_the_rest() {
        // 100 kWh of import and of export per hour; 150 kWh of load at the last step.
        let mut case = Case::new(60, 4, 100.0, 100.0);
        case.load("hall", vec![1.0, 2.0, 50.0, 150.0])
            .pv("roof", vec![0.0, 10.0, 0.0, 0.0]);
        let inputs = case.inputs();
        let config = DispatchConfig::default();
        let (m, b) = build(&inputs, &config).unwrap();
        for t in 0..3 {
            assert_eq!(m.bounds(b.unserved.at(t)), (0.0, 0.0), "step {t}");
            assert_eq!(m.bounds(b.import.at(t)), (0.0, f64::INFINITY), "step {t}");
        }
        // The last step may need unserved energy: it and the import limit stay.
        assert_eq!(m.bounds(b.unserved.at(3)), (0.0, f64::INFINITY));
        assert_eq!(m.bounds(b.import.at(3)), (0.0, 100.0));
        // The surplus always fits the export, which earns 0.1 EUR/kWh: no curtailment, and
        // no export limit.
        assert_eq!(m.bounds(b.curtailed.at(1)), (0.0, 0.0));
        for t in 0..4 {
            assert_eq!(m.bounds(b.export.at(t)), (0.0, f64::INFINITY), "step {t}");
        }
        let (reduced, full) = (solve(&m), solve(&unreduced(&inputs, &config)));
        let (x, y) = (reduced.objective.unwrap(), full.objective.unwrap());
        assert!((x - y).abs() <= 1e-7 * y.abs(), "{x} vs {y}");
        assert!((reduced.primal[b.unserved.at(3).index()] - 50.0).abs() < 1e-6);
    }

    #[test]
    fn a_negative_export_price_keeps_curtailment() {
        // Exporting costs 0.05 EUR/kWh: curtailing the surplus is cheaper, and stays possible.
        let mut case = Case::new(60, 2, 100.0, 100.0);
        case.load("hall", vec![1.0, 1.0])
            .pv("roof", vec![10.0, 10.0]);
        case.district.grid.export_price_eur_per_kwh = -0.05;
        let inputs = case.inputs();
        let (m, b) = build(&inputs, &DispatchConfig::default()).unwrap();
        let o = solve(&m);
        for t in 0..2 {
            assert_eq!(m.bounds(b.curtailed.at(t)), (0.0, 10.0));
            assert!((o.primal[b.curtailed.at(t).index()] - 9.0).abs() < 1e-6);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

        /// On random districts (import limits large or tight, grid charging or not) the
        /// presolved model has the optimum of the full one, and its optimum keeps every
        /// limit the presolve left out.
        #[test]
        fn the_grid_presolve_keeps_the_optimum(s in shapes()) {
            let case = random_case(&s, StandingLoss::None);
            let inputs = case.inputs();
            let config = DispatchConfig::default();
            let full = unreduced(&inputs, &config);
            let (reduced, _) = build(&inputs, &config).unwrap();
            let (a, b) = (solve(&full), solve(&reduced));
            prop_assert_eq!(a.termination, b.termination);
            if let (Some(x), Some(y)) = (a.objective, b.objective) {
                prop_assert!((x - y).abs() <= 1e-6 * x.abs().max(1.0), "{} vs {}", x, y);
                for (j, v) in b.primal.iter().enumerate() {
                    let (lo, hi) = full.bounds(Var(j));
                    let tol = 1e-6 * (1.0 + lo.abs().max(if hi.is_finite() { hi.abs() } else { 0.0 }));
                    prop_assert!(
                        *v >= lo - tol && *v <= hi + tol,
                        "{} = {} outside [{}, {}]", full.var_name(Var(j)), v, lo, hi
                    );
                }
            }
        }
    }
}

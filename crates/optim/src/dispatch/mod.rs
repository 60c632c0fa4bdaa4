//! Perfect-foresight optimal dispatch of a district over its whole horizon.
//!
//! [`DispatchModel::build`] turns [`Inputs`] into an LP ([`define`]: one function per
//! component concern), [`DispatchModel::solve`] hands it to any [`Solver`], polishes the
//! solution into exact [`Flows`] ([`polish`]) and runs them through
//! [`quartier_sim::account`] (the same accounting pass as the rule controller), so KPIs come
//! from the chosen flows, never from the solver. [`dispatch`] does both.
//!
//! Problems that cannot be solved are explained in words before any solve where possible
//! (parameters, positive energy out of reach, a battery that standing loss empties with no
//! way to recharge), and after the solve from the solver's infeasibility certificate (which
//! rows and limits bind, at which steps).

pub mod define;
pub mod polish;
pub mod rolling;

use std::time::Instant;

use quartier_model::{Battery, HydrogenTank};
use quartier_sim::{BalanceError, Flows, Inputs, Kpis, SimError, account};

use crate::lp::{
    ConflictItem, LpError, Model, Outcome, SolveReport, Solver, SolverOptions, Termination,
};
use define::Blocks;
pub use polish::PolishReport;

/// What the dispatch minimises.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Objective {
    /// Energy cost: import × import price − export × export price (EUR).
    Cost,
    /// Emissions of imports: import × carbon intensity (kgCO2e). The values of lost load
    /// apply in the same unit (one unserved kWh counts as that many kg).
    Co2,
    /// Cost plus emissions priced at `eur_per_tonne` (EUR).
    CostPlusCo2 {
        /// Carbon price, EUR per tonne CO2e.
        eur_per_tonne: f64,
    },
}

/// What storage must hold at the end of the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndOfHorizon {
    /// Nothing: storage may end empty (down to its minimum).
    Free,
    /// Every battery and the pooled hydrogen tanks end at least at their initial level
    /// (cyclic operation: the horizon does not live off its initial stock).
    AtLeastInitial,
}

/// Constraint on the district's energy balance over the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnnualBalance {
    /// No constraint.
    Free,
    /// Positive energy: Σ PV produced ≥ Σ consumption (loads, charging, electrolysers), the
    /// definitions of the KPIs.
    PositiveEnergy,
}

/// How the minimum power (`min_kw`) of electrolysers and fuel cells is modelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartLoad {
    /// LP relaxation (the default): an electrolyser's input or a fuel cell's output anywhere
    /// in `[0, max_kw·h]`, the minimum ignored.
    #[default]
    Relaxed,
    /// A binary on/off column per electrolyser and fuel cell (with `min_kw > 0`) and step:
    /// `min_kw·h·on ≤ flow ≤ max_kw·h·on` (the electrolyser's input, the fuel cell's
    /// output). Makes the dispatch a MILP, which needs the HiGHS back end; practical on
    /// short or rolling horizons, not on a year of quarter-hours. Rolling-horizon
    /// realisation may still trim a committed set-point below the minimum where a tank or
    /// grid limit forces it.
    OnOff,
}

/// Options of the optimal dispatch.
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchConfig {
    /// What to minimise.
    pub objective: Objective,
    /// Price of each kWh of electricity demand not supplied (default 10 EUR/kWh). Must exceed
    /// every export price.
    pub value_of_lost_load_eur_per_kwh: f64,
    /// Price of each kg of hydrogen demand not served (default 100 EUR/kg).
    pub value_of_lost_hydrogen_eur_per_kg: f64,
    /// End state of storage (default [`EndOfHorizon::Free`], as the rule controller).
    pub end_of_horizon: EndOfHorizon,
    /// Positive-energy constraint (default [`AnnualBalance::Free`]).
    pub annual_balance: AnnualBalance,
    /// Minimum power of electrolysers and fuel cells (default [`PartLoad::Relaxed`]).
    pub part_load: PartLoad,
    /// Solver options (time limit, log).
    pub solver: SolverOptions,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        DispatchConfig {
            objective: Objective::Cost,
            value_of_lost_load_eur_per_kwh: 10.0,
            value_of_lost_hydrogen_eur_per_kg: 100.0,
            end_of_horizon: EndOfHorizon::Free,
            annual_balance: AnnualBalance::Free,
            part_load: PartLoad::Relaxed,
            solver: SolverOptions::default(),
        }
    }
}

/// The starting levels of storage in a dispatch.
#[derive(Debug, Clone, PartialEq)]
pub struct StorageStart {
    /// Each battery's state of charge before the first step, kWh (district order).
    pub battery_soc_kwh: Vec<f64>,
    /// The pooled hydrogen tanks' level before the first step, kg.
    pub tank_pool_kg: f64,
}

impl StorageStart {
    /// Sets these starting levels on copies of the district's batteries and tanks (each
    /// battery's `soc_initial`, each tank's `initial_kg` as a share of the pool's room above
    /// its minimum), so that the dispatch's flows replay through [`quartier_sim::account`].
    pub fn apply(&self, batteries: &mut [Battery], tanks: &mut [HydrogenTank]) {
        for (b, soc) in batteries.iter_mut().zip(&self.battery_soc_kwh) {
            define::set_soc_kwh(b, *soc);
        }
        define::set_pool_level(tanks, self.tank_pool_kg);
    }
}

/// Size of an LP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModelSize {
    /// Columns.
    pub vars: usize,
    /// Rows (bounds are not rows).
    pub rows: usize,
    /// Nonzero coefficients.
    pub nonzeros: usize,
}

/// An optimal (or best-found) dispatch.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispatch {
    /// The polished flows; they passed [`quartier_sim::account`].
    pub flows: Flows,
    /// Their KPIs (from the accounting pass).
    pub kpis: Kpis,
    /// How the solve ended: [`Termination::Optimal`] or [`Termination::AlmostOptimal`], or
    /// [`Termination::TimeLimit`] / [`Termination::IterationLimit`] when these flows are the
    /// best found, **not optimal** (see [`Dispatch::is_optimal`]).
    pub termination: Termination,
    /// Objective of the solver's raw solution (penalties included).
    pub raw_objective: f64,
    /// Objective of the polished flows, same formula ([`objective_of_flows`]).
    pub objective: f64,
    /// What polishing changed.
    pub polish: PolishReport,
    /// Marginal cost of electricity at each step (dual of the bus balance), in objective
    /// units per kWh.
    pub marginal_value_per_kwh: Vec<f64>,
    /// Where storage starts: the declared levels, or for cyclic storage the level the
    /// optimiser chose (which is also where it ends).
    pub storage_start: StorageStart,
    /// Size of the LP.
    pub size: ModelSize,
    /// Time to build the LP, seconds.
    pub build_seconds: f64,
    /// Solver statistics.
    pub report: SolveReport,
}

impl Dispatch {
    /// True when the solver proved optimality (at full or reduced accuracy).
    pub fn is_optimal(&self) -> bool {
        self.termination.has_solution()
    }

    /// How the solve ended, in words for a user: "optimal", or for a solver stopped early
    /// "time limit reached: best solution found, not proven optimal (MIP gap 2.1 %)".
    pub fn status_message(&self) -> String {
        let gap = match self.report.mip_gap {
            Some(g) if g.is_finite() && !self.is_optimal() => {
                format!(" (MIP gap {:.2} %)", 100.0 * g)
            }
            _ => String::new(),
        };
        match self.termination {
            Termination::TimeLimit => {
                format!("time limit reached: best solution found, not proven optimal{gap}")
            }
            Termination::IterationLimit => {
                format!("iteration limit reached: best solution found, not proven optimal{gap}")
            }
            t => t.describe().to_string(),
        }
    }
}

/// Why no dispatch came out.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DispatchError {
    /// The inputs are inconsistent.
    #[error("inputs: {0}")]
    Inputs(#[from] SimError),
    /// A dispatch option is out of range.
    #[error("dispatch option {option} = {value}: expected {expected}")]
    Config {
        /// The option.
        option: &'static str,
        /// Its value.
        value: f64,
        /// The allowed range.
        expected: String,
    },
    /// No dispatch meets every constraint; the explanation says which and when.
    #[error("no feasible dispatch: {explanation}")]
    Infeasible {
        /// In words.
        explanation: String,
    },
    /// The objective has no lower bound.
    #[error("the dispatch problem is unbounded: {explanation}")]
    Unbounded {
        /// In words.
        explanation: String,
    },
    /// The solver stopped without a usable point.
    #[error("the solver ({solver}) {}", termination.describe())]
    Solver {
        /// The back end.
        solver: &'static str,
        /// How it ended.
        termination: Termination,
    },
    /// The LP could not be built or handed to the solver.
    #[error("LP: {0}")]
    Lp(#[from] LpError),
    /// The polished flows failed the accounting pass (a bug: please report it).
    #[error("the optimised flows fail the accounting pass: {0}")]
    Account(#[from] BalanceError),
}

/// The dispatch LP of a district, built and ready to solve.
#[derive(Debug, Clone)]
pub struct DispatchModel<'i, 'a> {
    inputs: &'i Inputs<'a>,
    config: DispatchConfig,
    model: Model,
    blocks: Blocks,
    build_seconds: f64,
}

/// Builds and solves the dispatch of `inputs` with `solver`.
pub fn dispatch(
    inputs: &Inputs<'_>,
    config: &DispatchConfig,
    solver: &dyn Solver,
) -> Result<Dispatch, DispatchError> {
    DispatchModel::build(inputs, config)?.solve(solver)
}

impl<'i, 'a> DispatchModel<'i, 'a> {
    /// Checks the inputs and options (explaining problems that cannot be feasible) and
    /// builds the LP.
    pub fn build(
        inputs: &'i Inputs<'a>,
        config: &DispatchConfig,
    ) -> Result<DispatchModel<'i, 'a>, DispatchError> {
        inputs.validate()?;
        validate_config(inputs, config)?;
        explain_before_solve(inputs, config)?;
        let start = Instant::now();
        let (model, blocks) = define::build(inputs, config)?;
        Ok(DispatchModel {
            inputs,
            config: config.clone(),
            model,
            blocks,
            build_seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// The LP (for inspection or another solver).
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Size of the LP.
    pub fn size(&self) -> ModelSize {
        ModelSize {
            vars: self.model.num_vars(),
            rows: self.model.num_rows(),
            nonzeros: self.model.num_nonzeros(),
        }
    }

    /// Solves, polishes and accounts.
    pub fn solve(&self, solver: &dyn Solver) -> Result<Dispatch, DispatchError> {
        let out = solver.solve(&self.model, &self.config.solver)?;
        self.interpret(solver.name(), out)
    }

    fn interpret(&self, name: &'static str, out: Outcome) -> Result<Dispatch, DispatchError> {
        match out.termination {
            Termination::Infeasible => {
                return Err(DispatchError::Infeasible {
                    explanation: self.explain_conflict(&out),
                });
            }
            Termination::Unbounded => {
                return Err(DispatchError::Unbounded {
                    explanation: explain_unbounded(&self.model),
                });
            }
            Termination::NumericalError => {
                return Err(DispatchError::Solver {
                    solver: name,
                    termination: out.termination,
                });
            }
            _ => {}
        }
        if out.primal.len() != self.model.num_vars() {
            return Err(DispatchError::Solver {
                solver: name,
                termination: out.termination,
            });
        }
        // Cyclic storage starts where it ends: polish and account from that start.
        let mut batteries = self.inputs.batteries.to_vec();
        let mut tanks = self.inputs.hydrogen_tanks.to_vec();
        let cyclic =
            define::set_cyclic_starts(&mut batteries, &mut tanks, &self.blocks, &out.primal);
        let started;
        let inputs = if cyclic {
            started = Inputs {
                batteries: &batteries,
                hydrogen_tanks: &tanks,
                ..self.inputs.clone()
            };
            &started
        } else {
            self.inputs
        };
        let (flows, polish) = polish::polish(
            inputs,
            &self.blocks,
            self.model.lower_bounds(),
            self.model.upper_bounds(),
            &out.primal,
        );
        let kpis = account(inputs, &flows)?;
        let storage_start = StorageStart {
            battery_soc_kwh: batteries
                .iter()
                .map(|b| b.soc_initial * b.energy_kwh)
                .collect(),
            tank_pool_kg: inputs.tank_pool_kg().2,
        };
        let first = self.blocks.balance_first_row;
        let marginal = out
            .dual
            .get(first..first + self.inputs.len())
            .map(<[f64]>::to_vec)
            .unwrap_or_default();
        Ok(Dispatch {
            objective: objective_of_flows(self.inputs, &self.config, &flows),
            storage_start,
            raw_objective: out
                .objective
                .unwrap_or_else(|| self.model.objective_value(&out.primal)),
            flows,
            kpis,
            termination: out.termination,
            polish,
            marginal_value_per_kwh: marginal,
            size: self.size(),
            build_seconds: self.build_seconds,
            report: out.report,
        })
    }

    fn explain_conflict(&self, out: &Outcome) -> String {
        let axis = self.inputs.axis;
        let mut parts: Vec<String> = Vec::new();
        for c in out.conflict.iter().take(8) {
            let text = match c.item {
                ConflictItem::Row(r) => {
                    let Some((group, step)) = self.model.row_name(r) else {
                        continue;
                    };
                    let what = describe_row(self.inputs, group);
                    format!("{what} at step {step} ({})", axis.time(step))
                }
                ConflictItem::Upper(v) | ConflictItem::Lower(v) => {
                    let name = self.model.var_name(v);
                    let (lo, hi) = self.model.bounds(v);
                    let (side, value) = if matches!(c.item, ConflictItem::Upper(_)) {
                        ("upper limit", hi)
                    } else {
                        ("lower limit", lo)
                    };
                    let step = name
                        .rsplit_once('[')
                        .and_then(|(_, s)| s.trim_end_matches(']').parse::<usize>().ok());
                    match step {
                        Some(s) => format!("{side} {value} of {name} ({})", axis.time(s)),
                        None => format!("{side} {value} of {name}"),
                    }
                }
            };
            parts.push(text);
        }
        if parts.is_empty() {
            "the solver reports the constraints cannot all hold, without naming them".into()
        } else {
            format!(
                "these constraints cannot all hold together (most involved first): {}",
                parts.join("; ")
            )
        }
    }
}

/// A row group in words; part-load rows name their unit's kind (names are unique within a
/// district).
fn describe_row(inputs: &Inputs<'_>, group: &str) -> String {
    let is_fuel_cell = |name: &str| inputs.fuel_cells.iter().any(|f| f.name == name);
    if group == "bus-balance" {
        "the electricity balance (supply = demand)".into()
    } else if group == "h2-tank_balance" {
        "the hydrogen tank balance".into()
    } else if group == "h2-end_level" {
        "the hydrogen tanks ending at least at their initial level".into()
    } else if group == "district-positive_energy" {
        "positive energy (PV production ≥ consumption over the horizon)".into()
    } else if let Some(b) = group.strip_suffix("-soc_balance") {
        format!("battery '{b}' state-of-charge recursion")
    } else if let Some(b) = group.strip_suffix("-end_soc") {
        format!("battery '{b}' ending at least at its initial state of charge")
    } else if let Some(u) = group.strip_suffix("-min_part_load") {
        if is_fuel_cell(u) {
            format!("fuel cell '{u}' delivering at least its minimum power when on")
        } else {
            format!("electrolyser '{u}' running at least at its minimum power when on")
        }
    } else if let Some(u) = group.strip_suffix("-max_when_on") {
        if is_fuel_cell(u) {
            format!("fuel cell '{u}' delivering power only when on")
        } else {
            format!("electrolyser '{u}' drawing power only when on")
        }
    } else if let Some(s) = group.strip_suffix("-energy") {
        format!("charging session {s} reaching its energy by departure")
    } else if let Some(s) = group.strip_suffix("-site_limit") {
        format!(
            "EV site '{s}' delivering at most its power at once (site_limit_kw, or its sized power)"
        )
    } else {
        group.to_string()
    }
}

fn explain_unbounded(model: &Model) -> String {
    let culprits: Vec<String> = model
        .costs()
        .iter()
        .zip(model.upper_bounds())
        .enumerate()
        .filter(|(_, (c, u))| **c < 0.0 && u.is_infinite())
        .take(5)
        .map(|(j, _)| model.var_name(crate::lp::Var(j)))
        .collect();
    if culprits.is_empty() {
        "a combination of flows without limit lowers the objective".into()
    } else {
        format!(
            "flows with a negative price and no upper limit: {}",
            culprits.join(", ")
        )
    }
}

fn validate_config(inputs: &Inputs<'_>, c: &DispatchConfig) -> Result<(), DispatchError> {
    let max_export = inputs
        .export_price_eur_per_kwh
        .iter()
        .fold(0.0_f64, |m, p| m.max(*p));
    let voll = c.value_of_lost_load_eur_per_kwh;
    if !(voll.is_finite() && voll > 0.0 && voll > max_export) {
        return Err(DispatchError::Config {
            option: "value_of_lost_load_eur_per_kwh",
            value: voll,
            expected: format!("a finite value > 0 and above every export price ({max_export})"),
        });
    }
    let volh = c.value_of_lost_hydrogen_eur_per_kg;
    if !(volh.is_finite() && volh >= 0.0) {
        return Err(DispatchError::Config {
            option: "value_of_lost_hydrogen_eur_per_kg",
            value: volh,
            expected: "a finite value ≥ 0".into(),
        });
    }
    if let Objective::CostPlusCo2 { eur_per_tonne } = c.objective
        && !(eur_per_tonne.is_finite() && eur_per_tonne >= 0.0)
    {
        return Err(DispatchError::Config {
            option: "objective.eur_per_tonne",
            value: eur_per_tonne,
            expected: "a finite value ≥ 0".into(),
        });
    }
    if let Some(limit) = c.solver.time_limit_seconds
        && !(limit.is_finite() && limit > 0.0)
    {
        return Err(DispatchError::Config {
            option: "solver.time_limit_seconds",
            value: limit,
            expected: "a finite value > 0".into(),
        });
    }
    Ok(())
}

/// Infeasibilities that can be seen from the data, explained before any solve.
fn explain_before_solve(inputs: &Inputs<'_>, c: &DispatchConfig) -> Result<(), DispatchError> {
    let h = inputs.step_hours();
    for b in inputs.batteries {
        let needs_charge = b.standing_loss_per_h > 0.0
            && b.energy_kwh > 0.0
            && (b.soc_min > 0.0
                || (c.end_of_horizon == EndOfHorizon::AtLeastInitial && b.soc_initial > 0.0));
        if needs_charge && (b.charge_kw == 0.0) && !inputs.is_empty() {
            return Err(DispatchError::Infeasible {
                explanation: format!(
                    "battery '{}' loses {} per hour to standing loss and cannot charge \
                     (charge_kw = 0), so its state of charge cannot stay at or above {} \
                     from the first step ({})",
                    b.name,
                    b.standing_loss_per_h,
                    if b.soc_min > 0.0 {
                        "soc_min × capacity"
                    } else {
                        "its initial level at the end of the horizon"
                    },
                    inputs.axis.time(0)
                ),
            });
        }
    }
    if c.annual_balance == AnnualBalance::PositiveEnergy {
        let pv: f64 = define::pv_total(inputs).iter().sum();
        let load: f64 = define::load_total(inputs).iter().sum();
        let charging: f64 = inputs
            .ev_sessions
            .iter()
            .chain(&inputs.fleet_sessions)
            .flatten()
            .map(|s| define::session_target(s, h))
            .sum();
        if pv < load + charging {
            return Err(DispatchError::Infeasible {
                explanation: format!(
                    "positive energy is out of reach: the PV systems can produce at most \
                     {pv:.1} kWh over the horizon, while the loads alone consume {load:.1} kWh \
                     and the vehicles need {charging:.1} kWh (even with no curtailment and the \
                     electrolysers off); {:.1} kWh of production is missing",
                    load + charging - pv
                ),
            });
        }
    }
    Ok(())
}

/// The dispatch objective evaluated on any flows (rule controller's or optimiser's): grid
/// terms per the [`Objective`] plus `value_of_lost_load × Σ unserved_kwh` plus
/// `value_of_lost_hydrogen × Σ h2_unserved_kg`.
pub fn objective_of_flows(inputs: &Inputs<'_>, config: &DispatchConfig, flows: &Flows) -> f64 {
    let mut total = 0.0;
    for t in 0..inputs.len().min(flows.import_kwh.len()) {
        let (wi, we) = define::grid_weights(inputs, config.objective, t);
        total += wi * flows.import_kwh[t] + we * flows.export_kwh.get(t).copied().unwrap_or(0.0);
        total += config.value_of_lost_load_eur_per_kwh
            * flows.unserved_kwh.get(t).copied().unwrap_or(0.0);
        total += config.value_of_lost_hydrogen_eur_per_kg
            * flows.h2_unserved_kg.get(t).copied().unwrap_or(0.0);
    }
    total
}

#[cfg(test)]
mod tests {
    use quartier_model::{Electrolyser, FuelCell, HydrogenTank};
    use quartier_sim::testkit::Case;

    use super::*;
    use crate::lp::Row;

    /// The part-load rows of an electrolyser and a fuel cell, named `{name}-…` and explained
    /// in words with the kind of unit.
    #[test]
    fn part_load_rows_of_fuel_cells_and_electrolysers_are_named_and_explained() {
        let mut case = Case::new(60, 3, 100.0, 0.0);
        case.load("hall", vec![1.0; 3])
            .tank(HydrogenTank {
                name: "t1".into(),
                capacity_kg: 1.0,
                min_kg: 0.0,
                initial_kg: 1.0,
                cyclic: false,
            })
            .electrolyser(Electrolyser {
                name: "pem".into(),
                max_kw: 10.0,
                min_kw: 2.0,
                kwh_per_kg: 55.0,
            })
            .fuel_cell(FuelCell {
                name: "fc".into(),
                max_kw: 5.0,
                min_kw: 1.0,
                kwh_per_kg: 16.0,
            });
        let inputs = case.inputs();
        let config = DispatchConfig {
            part_load: PartLoad::OnOff,
            ..DispatchConfig::default()
        };
        let m = DispatchModel::build(&inputs, &config).unwrap();
        let mut groups: Vec<&str> = (0..m.model().num_rows())
            .filter_map(|r| m.model().row_name(Row(r)).map(|(g, _)| g))
            .filter(|g| g.ends_with("_when_on") || g.ends_with("_part_load"))
            .collect();
        groups.dedup();
        assert_eq!(
            groups,
            [
                "pem-max_when_on",
                "pem-min_part_load",
                "fc-max_when_on",
                "fc-min_part_load"
            ]
        );
        assert_eq!(m.model().num_integer_vars(), 6);
        let said: Vec<String> = groups.iter().map(|g| describe_row(&inputs, g)).collect();
        assert_eq!(
            said,
            [
                "electrolyser 'pem' drawing power only when on",
                "electrolyser 'pem' running at least at its minimum power when on",
                "fuel cell 'fc' delivering power only when on",
                "fuel cell 'fc' delivering at least its minimum power when on",
            ]
        );
    }
}

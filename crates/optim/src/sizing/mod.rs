//! Sizing (capacity expansion): PV kWp, battery kWh and kW, electrolyser kW, hydrogen tank kg,
//! fuel cell kW, the grid connection's import kW and EV charging sites' kW as variables of the dispatch LP, each
//! with its own annualised capital cost in the objective (the district file's, see
//! [`SizingConfig::from_plan`], or the built-in table's).
//!
//! The model is the dispatch model of [`crate::dispatch`] built with the same `define_*`
//! functions on the district **at its largest candidate sizes**, plus one capacity column
//! per candidate and rows that tie the flows to it (`x ≤ k·size`, rows rather than bounds
//! since the size is a variable):
//!
//! * PV: the balance sees the PV of the largest system; the curtailment column then also
//!   holds the part not built: `curtailed[t] + Σ profile_s[t]·kwp_s ≥ Σ profile_s[t]·max_s`
//!   (`profile_s` = AC kWh per kWp of system `s`, exact since PVWatts scales with kWp at a
//!   fixed DC/AC ratio);
//! * batteries: `soc ≤ E`, `soc ≥ soc_min·E`, the first step of the recursion starts from
//!   `soc_initial·E`, `charge, discharge ≤ P·h` (one power for both directions);
//! * electrolysers and fuel cells: `x[t] ≤ P·h`; tanks: `level[t] ≤ Σ capacities` (their
//!   minimum and initial levels are in kg and stay; a sized tank is at least that large);
//!   the grid connection: `import[t] ≤ G·h`; an EV charging site: `Σ sessions' charge[t] ≤
//!   S·h` (its power shared by the plugged sessions; by default up to the most they can draw
//!   at once);
//! * a battery of fixed duration `d`: `E = d·P`; a cost when built: a yes/no column `b`
//!   with `min·b ≤ size ≤ max·b` (a MILP);
//! * cyclic storage starts from its own last level (the start is the optimiser's).
//!
//! The column bounds those rows make redundant are freed (see `free_duplicate_bounds`), so
//! that the duals explain each size ([`Limit`], and
//! [`SizedCapacity::marginal_value_eur_per_unit_year`]). [`size_on_typical_periods`] solves
//! the same model on typical days.
//!
//! Capital costs enter the objective as `annualised EUR/unit × size × horizon years`
//! (`horizon years` = steps × step hours / 8,760), so a short horizon is sized against
//! the matching share of a year; reports give costs per year.
//!
//! The chosen capacities are written into owned copies of the components
//! ([`SizedComponents`]) and the flows are polished and checked by
//! [`quartier_sim::account`] on inputs rebuilt with them.

mod costs;
mod explain;
mod periods;

use std::time::Instant;

use quartier_model::{Battery, Electrolyser, EvCharging, FuelCell, Grid, HydrogenTank, PvSystem};
use quartier_sim::{BalanceError, Flows, Inputs, Kpis, SimError, account};

use crate::dispatch::define::{self, BatteryVars, Blocks};
use crate::dispatch::{AnnualBalance, DispatchConfig, EndOfHorizon, ModelSize, Objective};
use crate::lp::{
    ConflictItem, LpError, Model, Outcome, Sense, SolveReport, Solver, Termination, Var,
};
pub use costs::{CapacityKind, CapitalCost, CostTable, capital_recovery_factor};
pub use explain::Limit;
pub use periods::{PeriodSizing, TypicalPeriods, cluster_days, size_on_typical_periods};
use quartier_model::{CostOrigin, SizingOptions};

/// One capacity to size: a component by name, which capacity, its bounds and its costs.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// Name of the district component (PV system, battery, electrolyser, tank, fuel cell).
    pub component: String,
    /// Which capacity.
    pub kind: CapacityKind,
    /// Smallest size (in the kind's unit); with a cost when built, the smallest size *if*
    /// built (the size is then 0 or in `[min, max]`).
    pub min: f64,
    /// Largest size (finite: the model is built at this size).
    pub max: f64,
    /// Its cost per unit (`None`: the config's [`CostTable`] for its kind).
    pub cost: Option<CapitalCost>,
    /// Investment paid once when the size is above 0, EUR (0: none; above 0 the sizing
    /// has a yes/no column and needs a MILP back end).
    pub capex_eur_when_built: f64,
    /// Which costs the district file gave (for the report).
    pub origin: CostOrigin,
}

impl Candidate {
    /// A candidate in `[min, max]` at the cost table's price, without a fixed cost.
    pub fn new(component: impl Into<String>, kind: CapacityKind, min: f64, max: f64) -> Self {
        Candidate {
            component: component.into(),
            kind,
            min,
            max,
            cost: None,
            capex_eur_when_built: 0.0,
            origin: CostOrigin::default(),
        }
    }
}

/// An optional target on the sized system.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    /// None: least cost.
    None,
    /// Positive energy: Σ PV produced ≥ Σ consumption over the horizon (KPI definitions).
    PositiveEnergy,
    /// Self-sufficiency ≥ `min_rate`: Σ import ≤ (1 − rate) × Σ consumption.
    SelfSufficiency {
        /// Minimum rate in [0, 1].
        min_rate: f64,
    },
}

/// Options of the sizing.
#[derive(Debug, Clone, PartialEq)]
pub struct SizingConfig {
    /// Dispatch options (objective must be [`Objective::Cost`] or
    /// [`Objective::CostPlusCo2`]: capital costs are in EUR).
    pub dispatch: DispatchConfig,
    /// The capacities to size; components not listed keep their declared size.
    pub candidates: Vec<Candidate>,
    /// Capital costs of candidates without their own, and of declared capacities; the
    /// discount rate.
    pub costs: CostTable,
    /// Optional target.
    pub target: Target,
    /// Batteries sized at a fixed energy-to-power ratio, `(battery, hours)`: energy =
    /// hours × power (both must be candidates).
    pub durations: Vec<(String, f64)>,
}

impl SizingConfig {
    /// Every capacity of every PV system, battery, electrolyser, tank and fuel cell of the
    /// district as a candidate: PV in `[0, declared kWp]` (the declared system is taken as
    /// the roof's room), the others in `[0, max_factor × declared]`; components declared
    /// with size 0 are left out (no scale to bound them).
    pub fn every_component(inputs: &Inputs<'_>, max_factor: f64) -> Vec<Candidate> {
        let mut out = Vec::new();
        let mut push = |name: &str, kind, declared: f64, max: f64| {
            if declared > 0.0 && max.is_finite() {
                out.push(Candidate::new(name, kind, 0.0, max));
            }
        };
        for p in inputs.pv_systems {
            push(&p.name, CapacityKind::PvKwp, p.spec.kwp, p.spec.kwp);
        }
        for b in inputs.batteries {
            let e = b.energy_kwh;
            push(&b.name, CapacityKind::BatteryKwh, e, e * max_factor);
            let p = b.charge_kw.max(b.discharge_kw);
            push(&b.name, CapacityKind::BatteryKw, p, p * max_factor);
        }
        for e in inputs.electrolysers {
            push(
                &e.name,
                CapacityKind::ElectrolyserKw,
                e.max_kw,
                e.max_kw * max_factor,
            );
        }
        for t in inputs.hydrogen_tanks {
            push(
                &t.name,
                CapacityKind::TankKg,
                t.capacity_kg,
                t.capacity_kg * max_factor,
            );
        }
        for f in inputs.fuel_cells {
            push(
                &f.name,
                CapacityKind::FuelCellKw,
                f.max_kw,
                f.max_kw * max_factor,
            );
        }
        out
    }

    /// The candidates a district file plans (`plan`, from its `sizing` tables): every
    /// capacity not marked `sized = false`, within its `min_…` and `max_…` (by default 0
    /// and the declared kWp for PV, `max_factor` × declared for the others; `max_factor`
    /// is the plan's unless given), at its own costs; and the plan's battery durations and
    /// discount rate. Declared sizes of 0 without a `max_…` are left out, as in
    /// [`SizingConfig::every_component`].
    pub fn from_plan(
        inputs: &Inputs<'_>,
        plan: &SizingOptions,
        max_factor: Option<f64>,
        target: Target,
    ) -> SizingConfig {
        let factor = max_factor.unwrap_or(plan.max_factor);
        let declared = SizedComponents::declared(inputs);
        let candidates = plan
            .capacities
            .iter()
            .filter(|p| p.sized)
            .filter_map(|p| {
                let d = declared.get(&p.component, p.kind);
                let max = match (p.max, p.kind) {
                    (Some(m), _) => m,
                    (None, CapacityKind::PvKwp) => d,
                    (None, CapacityKind::ChargingKw) => peak_plugged_kw(inputs, &p.component),
                    (None, _) => d * factor,
                };
                (max > 0.0 || p.max.is_some()).then(|| Candidate {
                    cost: Some(p.cost),
                    capex_eur_when_built: p.capex_eur_when_built,
                    origin: p.origin,
                    ..Candidate::new(p.component.clone(), p.kind, p.min, max)
                })
            })
            .collect();
        SizingConfig {
            dispatch: DispatchConfig::default(),
            candidates,
            costs: CostTable {
                discount_rate: plan.discount_rate,
                ..CostTable::default()
            },
            target,
            durations: plan.durations.clone(),
        }
    }

    /// The cost per unit of a candidate: its own, or the table's for its kind.
    pub fn cost_of(&self, c: &Candidate) -> CapitalCost {
        c.cost.unwrap_or(*self.costs.get(c.kind))
    }

    /// Annualised cost of one unit of a candidate, EUR per unit per year.
    pub fn annualised(&self, c: &Candidate) -> f64 {
        self.cost_of(c)
            .annualised_eur_per_unit(self.costs.discount_rate)
    }

    /// Annualised fixed cost of a candidate when built, EUR per year (over the lifetime of
    /// its cost).
    pub fn annualised_when_built(&self, c: &Candidate) -> f64 {
        c.capex_eur_when_built
            * capital_recovery_factor(self.costs.discount_rate, self.cost_of(c).lifetime_years)
    }
}

/// Why no sizing came out.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SizingError {
    /// The inputs are inconsistent.
    #[error("inputs: {0}")]
    Inputs(#[from] SimError),
    /// An option is out of range.
    #[error("sizing option {option} = {value}: expected {expected}")]
    Config {
        /// The option.
        option: String,
        /// Its value.
        value: f64,
        /// The allowed range.
        expected: String,
    },
    /// A candidate names no component of that kind.
    #[error("sizing candidate '{component}' ({kind:?}): no such component in the district")]
    UnknownComponent {
        /// The name given.
        component: String,
        /// The kind.
        kind: CapacityKind,
    },
    /// No sizing meets every constraint.
    #[error("no feasible sizing: {explanation}")]
    Infeasible {
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
    #[error("the sized flows fail the accounting pass: {0}")]
    Account(#[from] BalanceError),
}

/// The components of a district with the chosen capacities (owned copies).
#[derive(Debug, Clone, PartialEq)]
pub struct SizedComponents {
    /// PV systems (spec.kwp set).
    pub pv_systems: Vec<PvSystem>,
    /// AC energy per interval of each PV system at its chosen size, kWh.
    pub pv_kwh: Vec<Vec<f64>>,
    /// Batteries (energy_kwh, charge_kw, discharge_kw set).
    pub batteries: Vec<Battery>,
    /// Electrolysers (max_kw set; min_kw capped at it).
    pub electrolysers: Vec<Electrolyser>,
    /// Hydrogen tanks (capacity_kg set).
    pub hydrogen_tanks: Vec<HydrogenTank>,
    /// Fuel cells (max_kw set; min_kw capped at it).
    pub fuel_cells: Vec<FuelCell>,
    /// The grid connection (import_limit_kw set).
    pub grid: Grid,
    /// EV charging sites (site_limit_kw set when sized).
    pub ev_chargers: Vec<EvCharging>,
}

impl SizedComponents {
    /// The components of `inputs` as declared.
    pub fn declared(inputs: &Inputs<'_>) -> SizedComponents {
        SizedComponents {
            pv_systems: inputs.pv_systems.to_vec(),
            pv_kwh: inputs.pv_kwh.clone(),
            batteries: inputs.batteries.to_vec(),
            electrolysers: inputs.electrolysers.to_vec(),
            hydrogen_tanks: inputs.hydrogen_tanks.to_vec(),
            fuel_cells: inputs.fuel_cells.to_vec(),
            grid: inputs.grid.clone(),
            ev_chargers: inputs.ev_chargers.to_vec(),
        }
    }

    /// Sets one capacity (PV output scales with kWp). Unknown names are ignored.
    pub fn set(&mut self, component: &str, kind: CapacityKind, value: f64) {
        match kind {
            CapacityKind::PvKwp => {
                for (p, kwh) in self.pv_systems.iter_mut().zip(self.pv_kwh.iter_mut()) {
                    if p.name == component {
                        let k = if p.spec.kwp > 0.0 {
                            value / p.spec.kwp
                        } else {
                            0.0
                        };
                        kwh.iter_mut().for_each(|v| *v *= k);
                        p.spec.kwp = value;
                    }
                }
            }
            CapacityKind::BatteryKwh => self
                .batteries
                .iter_mut()
                .filter(|b| b.name == component)
                .for_each(|b| b.energy_kwh = value),
            CapacityKind::BatteryKw => self
                .batteries
                .iter_mut()
                .filter(|b| b.name == component)
                .for_each(|b| {
                    b.charge_kw = value;
                    b.discharge_kw = value;
                }),
            CapacityKind::ElectrolyserKw => self
                .electrolysers
                .iter_mut()
                .filter(|e| e.name == component)
                .for_each(|e| {
                    e.max_kw = value;
                    e.min_kw = e.min_kw.min(value);
                }),
            CapacityKind::TankKg => self
                .hydrogen_tanks
                .iter_mut()
                .filter(|t| t.name == component)
                .for_each(|t| t.capacity_kg = value),
            CapacityKind::FuelCellKw => self
                .fuel_cells
                .iter_mut()
                .filter(|f| f.name == component)
                .for_each(|f| {
                    f.max_kw = value;
                    f.min_kw = f.min_kw.min(value);
                }),
            CapacityKind::GridImportKw => self.grid.import_limit_kw = value,
            CapacityKind::ChargingKw => self
                .ev_chargers
                .iter_mut()
                .filter(|e| e.name == component)
                .for_each(|e| e.site_limit_kw = Some(value)),
        }
    }

    /// `base` with these components (everything else borrowed from `base`).
    pub fn inputs<'s>(&'s self, base: &Inputs<'s>) -> Inputs<'s> {
        Inputs {
            pv_systems: &self.pv_systems,
            pv_kwh: self.pv_kwh.clone(),
            batteries: &self.batteries,
            electrolysers: &self.electrolysers,
            hydrogen_tanks: &self.hydrogen_tanks,
            fuel_cells: &self.fuel_cells,
            grid: &self.grid,
            ev_chargers: &self.ev_chargers,
            ..base.clone()
        }
    }

    /// The size of one capacity as held here (0 for an unknown name).
    pub fn get(&self, component: &str, kind: CapacityKind) -> f64 {
        let v = match kind {
            CapacityKind::PvKwp => self
                .pv_systems
                .iter()
                .find(|p| p.name == component)
                .map(|p| p.spec.kwp),
            CapacityKind::BatteryKwh => self
                .batteries
                .iter()
                .find(|b| b.name == component)
                .map(|b| b.energy_kwh),
            CapacityKind::BatteryKw => self
                .batteries
                .iter()
                .find(|b| b.name == component)
                .map(|b| b.charge_kw.max(b.discharge_kw)),
            CapacityKind::ElectrolyserKw => self
                .electrolysers
                .iter()
                .find(|e| e.name == component)
                .map(|e| e.max_kw),
            CapacityKind::TankKg => self
                .hydrogen_tanks
                .iter()
                .find(|t| t.name == component)
                .map(|t| t.capacity_kg),
            CapacityKind::FuelCellKw => self
                .fuel_cells
                .iter()
                .find(|f| f.name == component)
                .map(|f| f.max_kw),
            CapacityKind::GridImportKw => Some(self.grid.import_limit_kw),
            CapacityKind::ChargingKw => self
                .ev_chargers
                .iter()
                .find(|e| e.name == component)
                .and_then(|e| e.site_limit_kw),
        };
        v.unwrap_or(0.0)
    }

    /// Every capacity held, `(component, kind, size)`, in district order (the grid
    /// connection and the charging sites are listed by a sizing only when they were sized).
    pub fn all(&self) -> Vec<(String, CapacityKind, f64)> {
        let mut out = Vec::new();
        for p in &self.pv_systems {
            out.push((p.name.clone(), CapacityKind::PvKwp, p.spec.kwp));
        }
        for b in &self.batteries {
            out.push((b.name.clone(), CapacityKind::BatteryKwh, b.energy_kwh));
            out.push((
                b.name.clone(),
                CapacityKind::BatteryKw,
                b.charge_kw.max(b.discharge_kw),
            ));
        }
        for e in &self.electrolysers {
            out.push((e.name.clone(), CapacityKind::ElectrolyserKw, e.max_kw));
        }
        for t in &self.hydrogen_tanks {
            out.push((t.name.clone(), CapacityKind::TankKg, t.capacity_kg));
        }
        for f in &self.fuel_cells {
            out.push((f.name.clone(), CapacityKind::FuelCellKw, f.max_kw));
        }
        out
    }
}

/// One sized capacity in the result.
#[derive(Debug, Clone, PartialEq)]
pub struct SizedCapacity {
    /// Component name.
    pub component: String,
    /// Which capacity.
    pub kind: CapacityKind,
    /// The size chosen (or declared, when not a candidate).
    pub value: f64,
    /// True when it was a variable.
    pub candidate: bool,
    /// Bounds of the candidate (`value, value` otherwise).
    pub min: f64,
    /// Upper bound.
    pub max: f64,
    /// Annualised cost of this capacity, EUR per year (with its cost when built).
    pub annualised_eur: f64,
    /// Annualised cost of one unit, EUR per unit per year.
    pub annualised_eur_per_unit: f64,
    /// Its cost per unit (the candidate's, or the default table's for a declared one).
    pub cost: CapitalCost,
    /// Investment paid once when built, EUR (0: none).
    pub capex_eur_when_built: f64,
    /// Which costs came from the district file (all false for a declared capacity).
    pub origin: CostOrigin,
    /// What decided the size (`None` for a declared capacity).
    pub limit: Option<Limit>,
    /// What one more unit is worth, EUR per unit per year, from the duals: the operation it
    /// saves, the other capacities adjusting (`None` for a declared capacity or without
    /// duals, e.g. a MILP). A shadow price: see [`Limit`] on degenerate optima.
    pub marginal_value_eur_per_unit_year: Option<f64>,
    /// For a battery of fixed duration, one more unit *with its pair* (a kWh with 1/d kW,
    /// a kW with d kWh): what it would save and what it costs, EUR per unit per year.
    pub with_pair: Option<PairedUnit>,
}

/// One more unit of a battery capacity of fixed duration, with the matching amount of the
/// other capacity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedUnit {
    /// Amount of the other capacity that comes with one unit (kW per kWh, or kWh per kW).
    pub other_per_unit: f64,
    /// What the pair would save in operation, EUR per unit per year (`None` without duals).
    pub marginal_value_eur_per_unit_year: Option<f64>,
    /// What the pair costs, EUR per unit per year.
    pub annualised_eur_per_unit: f64,
}

/// A sized district.
#[derive(Debug, Clone, PartialEq)]
pub struct Sizing {
    /// Every capacity of the district (candidates and declared ones).
    pub capacities: Vec<SizedCapacity>,
    /// The components at their chosen sizes.
    pub components: SizedComponents,
    /// Polished flows of the sized system (they passed the accounting pass).
    pub flows: Flows,
    /// Their KPIs.
    pub kpis: Kpis,
    /// How the solve ended.
    pub termination: Termination,
    /// Length of the horizon in years (steps × step hours / 8,760).
    pub horizon_years: f64,
    /// Annualised capital cost of the candidates, EUR per year (what the objective prices).
    pub candidates_annualised_eur: f64,
    /// Annualised capital cost of every capacity of the sized system, EUR per year.
    pub total_annualised_capital_eur: f64,
    /// Operating cost over the horizon: the dispatch objective of the polished flows.
    pub operating_eur: f64,
    /// Objective over the horizon: operating + candidates' capital × horizon years.
    pub objective: f64,
    /// The solver's raw objective (same formula, before polishing).
    pub raw_objective: f64,
    /// Total annualised cost, EUR per year: objective / horizon years.
    pub annualised_cost_eur: f64,
    /// Levelised cost of PV electricity: annualised PV cost / PV energy produced per year
    /// (after curtailment), EUR/kWh (`None` without production).
    pub lcoe_pv_eur_per_kwh: Option<f64>,
    /// Levelised cost of hydrogen: (annualised electrolyser and tank cost + electricity of
    /// the electrolysers at the marginal value of each step) / kg produced per year, EUR/kg
    /// (`None` without production).
    pub lcoh_eur_per_kg: Option<f64>,
    /// Electricity cost attributed to the electrolysers over the horizon (Σ input ×
    /// marginal value), EUR.
    pub electrolyser_electricity_eur: f64,
    /// What the self-sufficiency target costs: the annualised cost of one more percentage
    /// point, EUR per year, from the dual of the target's row (`None` without a
    /// self-sufficiency target or without duals; 0 when the target does not bind).
    pub target_eur_per_point_year: Option<f64>,
    /// Size of the LP.
    pub size: ModelSize,
    /// Time to build the LP, seconds.
    pub build_seconds: f64,
    /// Solver statistics.
    pub report: SolveReport,
}

/// One point of a Pareto sweep of cost against self-sufficiency.
#[derive(Debug, Clone, PartialEq)]
pub struct ParetoPoint {
    /// The self-sufficiency asked for (`None` for the least-cost point).
    pub target_rate: Option<f64>,
    /// The sizing, or why none exists at this target.
    pub result: Result<Box<Sizing>, SizingError>,
}

/// Sizes the district of `inputs`.
pub fn size(
    inputs: &Inputs<'_>,
    config: &SizingConfig,
    solver: &dyn Solver,
) -> Result<Sizing, SizingError> {
    SizingModel::build(inputs, config)?.solve(solver)
}

/// A Pareto sweep of `points` ≥ 2 sizings: the least-cost one (self-sufficiency s₀, with the
/// config's target), then self-sufficiency targets evenly spaced from s₀ to 1 (the last ones
/// may be infeasible, reported as such).
pub fn pareto(
    inputs: &Inputs<'_>,
    config: &SizingConfig,
    points: usize,
    solver: &dyn Solver,
) -> Result<Vec<ParetoPoint>, SizingError> {
    if points < 2 {
        return Err(SizingError::Config {
            option: "pareto points".into(),
            value: points as f64,
            expected: "at least 2".into(),
        });
    }
    let first = size(inputs, config, solver)?;
    let s0 = first.kpis.self_sufficiency_rate.unwrap_or(0.0);
    let mut out = vec![ParetoPoint {
        target_rate: None,
        result: Ok(Box::new(first)),
    }];
    for k in 1..points {
        let rate = s0 + (1.0 - s0) * k as f64 / (points - 1) as f64;
        let c = SizingConfig {
            target: Target::SelfSufficiency { min_rate: rate },
            ..config.clone()
        };
        let result = size(inputs, &c, solver).map(Box::new);
        if let Err(e) = &result
            && !matches!(e, SizingError::Infeasible { .. })
        {
            return Err(e.clone());
        }
        out.push(ParetoPoint {
            target_rate: Some(rate),
            result,
        });
    }
    Ok(out)
}

/// Columns of one capacity.
#[derive(Debug, Clone)]
struct SizeVar {
    candidate: Candidate,
    var: Var,
}

/// The sizing LP, built and ready to solve.
#[derive(Debug, Clone)]
pub struct SizingModel<'i, 'a> {
    inputs: &'i Inputs<'a>,
    config: SizingConfig,
    model: Model,
    blocks: Blocks,
    sizes: Vec<SizeVar>,
    /// Per PV system: (max kWp, AC kWh per kWp per step).
    pv_profiles: Vec<(f64, Vec<f64>)>,
    horizon_years: f64,
    /// The self-sufficiency row, when there is one.
    target_row: Option<usize>,
    build_seconds: f64,
}

impl<'i, 'a> SizingModel<'i, 'a> {
    /// Checks the inputs and options and builds the LP.
    pub fn build(
        inputs: &'i Inputs<'a>,
        config: &SizingConfig,
    ) -> Result<SizingModel<'i, 'a>, SizingError> {
        Self::build_in(inputs, config, None)
    }

    /// [`SizingModel::build`] on the horizon of `inputs`, or, with `periods`, on the typical
    /// days `inputs` holds one after the other (weighted, storage linked over the horizon
    /// `periods` stands for; see [`periods`]).
    pub(crate) fn build_in(
        inputs: &'i Inputs<'a>,
        config: &SizingConfig,
        periods: Option<&TypicalPeriods>,
    ) -> Result<SizingModel<'i, 'a>, SizingError> {
        inputs.validate()?;
        validate(inputs, config)?;
        let start = Instant::now();
        // The district at its largest sizes.
        let mut at_max = SizedComponents::declared(inputs);
        for c in &config.candidates {
            at_max.set(&c.component, c.kind, c.max);
        }
        let pv_profiles: Vec<(f64, Vec<f64>)> = inputs
            .pv_systems
            .iter()
            .zip(&inputs.pv_kwh)
            .map(|(p, kwh)| {
                let per_kwp: Vec<f64> = if p.spec.kwp > 0.0 {
                    kwh.iter().map(|v| v / p.spec.kwp).collect()
                } else {
                    vec![0.0; kwh.len()]
                };
                (at_max.get(&p.name, CapacityKind::PvKwp), per_kwp)
            })
            .collect();
        // A sized charging site's power is a column: its rows replace the dispatch's fixed ones.
        for e in &mut at_max.ev_chargers {
            if config
                .candidates
                .iter()
                .any(|c| c.kind == CapacityKind::ChargingKw && c.component == e.name)
            {
                e.site_limit_kw = None;
            }
        }
        let max_inputs = at_max.inputs(inputs);
        if config.target == Target::PositiveEnergy && periods.is_none() {
            precheck_positive_energy(&max_inputs)?;
        }
        let layout = periods.map_or_else(define::Layout::default, TypicalPeriods::layout);
        let dconf = DispatchConfig {
            annual_balance: if config.target == Target::PositiveEnergy {
                AnnualBalance::PositiveEnergy
            } else {
                AnnualBalance::Free
            },
            ..config.dispatch.clone()
        };
        let n = periods.map_or(inputs.len(), TypicalPeriods::horizon_steps);
        let horizon_years = n as f64 * inputs.step_hours() / 8760.0;
        let mut m = Model::new();
        // Capacity columns first (names `{component}-{kind}`), priced per horizon.
        let sizes: Vec<SizeVar> = config
            .candidates
            .iter()
            .map(|c| {
                let lo = effective_min(inputs, c);
                // With a cost when built, the size is 0 or in [min, max] (rows below).
                let col_lo = if c.capex_eur_when_built > 0.0 {
                    0.0
                } else {
                    lo
                };
                let b = m.add_vars(format!("{}-{}", c.component, c.kind.key()), 1, |_| {
                    (col_lo, c.max)
                });
                m.add_cost(b.at(0), config.annualised(c) * horizon_years);
                SizeVar {
                    candidate: c.clone(),
                    var: b.at(0),
                }
            })
            .collect();
        define_when_built(&mut m, inputs, config, &sizes, horizon_years)?;
        define_durations(&mut m, config, &sizes)?;
        let find = |name: &str, kind: CapacityKind| {
            sizes
                .iter()
                .find(|s| s.candidate.component == name && s.candidate.kind == kind)
                .map(|s| s.var)
        };
        // The dispatch recipe, batteries sized.
        let blocks = define::define_recipe(&mut m, &max_inputs, &dconf, &layout, |m| {
            define_sized_batteries(m, &max_inputs, &dconf, &find, &layout)
        })?;
        // Capacity rows.
        define_pv_capacity(&mut m, inputs, &pv_profiles, &blocks, &find)?;
        define_conversion_capacity(&mut m, &max_inputs, &blocks, &find, &layout)?;
        define_grid_capacity(&mut m, &max_inputs, &blocks, &find)?;
        define_charging_capacity(&mut m, &max_inputs, &blocks, &find)?;
        free_duplicate_bounds(&mut m, &max_inputs, &blocks, &find, &pv_profiles);
        if let Some(p) = periods {
            periods::link_storage(&mut m, &max_inputs, &dconf, &blocks, &find, p)?;
        }
        let target_row = m.num_rows();
        if let Target::SelfSufficiency { min_rate } = config.target {
            define_self_sufficiency(&mut m, &max_inputs, &blocks, min_rate, &layout)?;
        }
        let target_row = (m.num_rows() > target_row).then_some(target_row);
        Ok(SizingModel {
            inputs,
            config: config.clone(),
            model: m,
            blocks,
            sizes,
            pv_profiles,
            horizon_years,
            target_row,
            build_seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// The LP (for inspection or another solver).
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Solves, reads the capacities, polishes the flows on the sized inputs and accounts.
    pub fn solve(&self, solver: &dyn Solver) -> Result<Sizing, SizingError> {
        let out = solver.solve(&self.model, &self.config.dispatch.solver)?;
        self.interpret(solver.name(), out)
    }

    /// The size of the LP.
    pub fn size(&self) -> ModelSize {
        ModelSize {
            vars: self.model.num_vars(),
            rows: self.model.num_rows(),
            nonzeros: self.model.num_nonzeros(),
        }
    }

    /// What one more percentage point of the self-sufficiency target costs, EUR per year,
    /// from the dual of its row: d(optimum)/d(rate) of `import − (1 − rate)·(electrolysers +
    /// charging) ≤ (1 − rate)·load` is −dual × consumption (envelope theorem; the dual is
    /// ≤ 0). `None` without the target or without duals.
    pub(crate) fn target_price(&self, dual: &[f64], consumption_kwh: f64) -> Option<f64> {
        let y = self.horizon_years;
        self.target_row
            .and_then(|r| dual.get(r))
            .filter(|_| y > 0.0)
            .map(|d| (-d * consumption_kwh / 100.0 / y).max(0.0))
    }

    /// Each candidate's size in `primal`, within its bounds, solver noise (1e-7 of the
    /// bound) dropped at either bound.
    pub(crate) fn capacity_values(&self, primal: &[f64]) -> Vec<f64> {
        self.sizes
            .iter()
            .map(|s| {
                let (lo, hi) = self.model.bounds(s.var);
                let v = primal
                    .get(s.var.index())
                    .copied()
                    .unwrap_or(lo)
                    .clamp(lo, hi);
                if v - lo < 1e-7 * hi.max(1.0) {
                    lo
                } else if hi - v < 1e-7 * hi.max(1.0) {
                    hi
                } else {
                    v
                }
            })
            .collect()
    }

    /// The candidates' columns at `values`, as the explanation needs them.
    pub(crate) fn columns(&self, values: &[f64]) -> Vec<explain::Column> {
        self.sizes
            .iter()
            .zip(values)
            .map(|(s, &value)| {
                let (min, max) = self.model.bounds(s.var);
                let c = &s.candidate;
                explain::Column {
                    var: s.var,
                    value,
                    min: min.max(effective_min(self.inputs, c)),
                    max,
                    tied_by_duration: self.config.durations.iter().any(|(b, _)| b == &c.component),
                    has_when_built_cost: self
                        .config
                        .candidates
                        .iter()
                        .any(|d| d.component == c.component && d.capex_eur_when_built > 0.0),
                }
            })
            .collect()
    }

    fn interpret(&self, name: &'static str, out: Outcome) -> Result<Sizing, SizingError> {
        match out.termination {
            Termination::Infeasible => {
                return Err(SizingError::Infeasible {
                    explanation: explain_conflict(&self.model, self.inputs, &out),
                });
            }
            Termination::Unbounded | Termination::NumericalError => {
                return Err(SizingError::Solver {
                    solver: name,
                    termination: out.termination,
                });
            }
            _ => {}
        }
        if out.primal.len() != self.model.num_vars() {
            return Err(SizingError::Solver {
                solver: name,
                termination: out.termination,
            });
        }
        let values = self.capacity_values(&out.primal);
        let mut components = SizedComponents::declared(self.inputs);
        for (s, v) in self.sizes.iter().zip(&values) {
            components.set(&s.candidate.component, s.candidate.kind, *v);
        }
        define::set_cyclic_starts(
            &mut components.batteries,
            &mut components.hydrogen_tanks,
            &self.blocks,
            &out.primal,
        );
        let sized = components.inputs(self.inputs);
        let (primal, lower, upper) = self.sized_primal(&sized, &out.primal);
        let (flows, _polish) =
            crate::dispatch::polish::polish(&sized, &self.blocks, &lower, &upper, &primal);
        let kpis = account(&sized, &flows)?;
        let n = self.inputs.len();
        let first = self.blocks.balance_first_row;
        let marginal = out.dual.get(first..first + n).unwrap_or(&[]);
        let electrolyser_electricity_eur: f64 = marginal
            .iter()
            .zip(&flows.electrolyser_kwh)
            .map(|(l, e)| l * e)
            .sum();
        let costs = &self.config.costs;
        let y = self.horizon_years;
        let columns = self.columns(&values);
        let explained = explain::explain(&self.model, &out.dual, &columns);
        let mut capacities = Vec::new();
        let mut total_annualised = 0.0;
        let mut candidates_annualised = 0.0;
        let mut pv_annualised = 0.0;
        let mut h2_annualised = 0.0;
        let mut held = components.all();
        for s in &self.sizes {
            let c = &s.candidate;
            if matches!(
                c.kind,
                CapacityKind::GridImportKw | CapacityKind::ChargingKw
            ) {
                held.push((
                    c.component.clone(),
                    c.kind,
                    components.get(&c.component, c.kind),
                ));
            }
        }
        // Components with any capacity above 0 (a cost when built is paid by those).
        let built: Vec<&str> = held
            .iter()
            .filter(|(_, _, v)| *v > 0.0)
            .map(|(c, _, _)| c.as_str())
            .collect();
        for (component, kind, value) in held.iter().cloned() {
            let k = self
                .sizes
                .iter()
                .position(|s| s.candidate.component == component && s.candidate.kind == kind);
            let cand = k.map(|k| &self.sizes[k]);
            let (cost, per_unit, when_built, origin) = match cand {
                Some(s) => (
                    self.config.cost_of(&s.candidate),
                    self.config.annualised(&s.candidate),
                    s.candidate.capex_eur_when_built,
                    s.candidate.origin,
                ),
                None => (
                    *costs.get(kind),
                    costs.annualised(kind),
                    0.0,
                    CostOrigin::default(),
                ),
            };
            let built_cost = match cand {
                Some(s) if when_built > 0.0 && built.contains(&component.as_str()) => {
                    self.config.annualised_when_built(&s.candidate)
                }
                _ => 0.0,
            };
            let annualised_eur = per_unit * value + built_cost;
            total_annualised += annualised_eur;
            match kind {
                CapacityKind::PvKwp => pv_annualised += annualised_eur,
                CapacityKind::ElectrolyserKw | CapacityKind::TankKg => {
                    h2_annualised += annualised_eur
                }
                _ => {}
            }
            let (min, max) = match cand {
                Some(s) => {
                    candidates_annualised += annualised_eur;
                    self.model.bounds(s.var)
                }
                None => (value, value),
            };
            let why = k.and_then(|k| explained.get(k).copied());
            capacities.push(SizedCapacity {
                component,
                kind,
                value,
                candidate: cand.is_some(),
                min,
                max,
                annualised_eur,
                annualised_eur_per_unit: per_unit,
                cost,
                capex_eur_when_built: when_built,
                origin,
                limit: why.map(|(_, l)| l),
                marginal_value_eur_per_unit_year: why
                    .and_then(|(v, _)| v)
                    .filter(|_| y > 0.0)
                    .map(|v| v / y),
                with_pair: None,
            });
        }
        pair_durations(&mut capacities, &self.config.durations);
        let operating_eur =
            crate::dispatch::objective_of_flows(&sized, &self.config.dispatch, &flows);
        let objective = operating_eur + candidates_annualised * y;
        let target_eur_per_point_year = self.target_price(&out.dual, kpis.consumption_kwh);
        let lcoe = (kpis.production_kwh > 0.0).then(|| pv_annualised * y / kpis.production_kwh);
        let lcoh = (kpis.h2_produced_kg > 0.0)
            .then(|| (h2_annualised * y + electrolyser_electricity_eur) / kpis.h2_produced_kg);
        Ok(Sizing {
            capacities,
            components,
            kpis,
            flows,
            termination: out.termination,
            horizon_years: y,
            candidates_annualised_eur: candidates_annualised,
            total_annualised_capital_eur: total_annualised,
            operating_eur,
            objective,
            raw_objective: out
                .objective
                .unwrap_or_else(|| self.model.objective_value(&out.primal)),
            annualised_cost_eur: if y > 0.0 { objective / y } else { 0.0 },
            lcoe_pv_eur_per_kwh: lcoe,
            lcoh_eur_per_kg: lcoh,
            electrolyser_electricity_eur,
            target_eur_per_point_year,
            size: self.size(),
            build_seconds: self.build_seconds,
            report: out.report,
        })
    }

    /// The primal vector and bounds seen by polishing on the sized inputs: the curtailment
    /// column loses the PV not built, and every capacity-tied column gets its sized bound.
    fn sized_primal(&self, sized: &Inputs<'_>, raw: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut x = raw.to_vec();
        let mut lower = self.model.lower_bounds().to_vec();
        let mut upper = self.model.upper_bounds().to_vec();
        let h = sized.step_hours();
        let mut set_upper = |b: &crate::lp::VarBlock, hi: f64| {
            for t in 0..b.len() {
                if let Some(u) = b.get(t).and_then(|v| upper.get_mut(v.index())) {
                    *u = u.min(hi);
                }
            }
        };
        for (bat, bv) in sized.batteries.iter().zip(&self.blocks.batteries) {
            set_upper(&bv.charge, bat.charge_kw * h);
            set_upper(&bv.discharge, bat.discharge_kw * h);
            set_upper(&bv.soc, bat.energy_kwh);
        }
        for (e, b) in sized.electrolysers.iter().zip(&self.blocks.electrolysers) {
            set_upper(b, e.max_kw * h);
        }
        set_upper(&self.blocks.import, sized.grid.import_limit_kw * h);
        for (f, b) in sized.fuel_cells.iter().zip(&self.blocks.fuel_cells) {
            set_upper(b, f.max_kw * h);
        }
        for t in 0..sized.len() {
            let unbuilt: f64 = self
                .pv_profiles
                .iter()
                .zip(sized.pv_systems.iter())
                .map(|((max, prof), p)| (max - p.spec.kwp) * prof.get(t).copied().unwrap_or(0.0))
                .sum();
            if let Some(v) = self.blocks.curtailed.get(t) {
                x[v.index()] = (x[v.index()] - unbuilt).max(0.0);
            }
        }
        let pv = define::pv_total(sized);
        let c = self.blocks.curtailed;
        for t in 0..c.len() {
            if let (Some(v), Some(p)) = (c.get(t), pv.get(t)) {
                upper[v.index()] = *p;
                lower[v.index()] = 0.0;
            }
        }
        (x, lower, upper)
    }
}

/// Frees the column bounds that a capacity row already holds: at the largest size, `soc ≤
/// E` as a row and `soc ≤ E_max` as a bound say the same thing, and the LP's duals would
/// split one shadow price between them at random (degenerate duals), which would blur the
/// marginal value of the capacity ([`Limit`]). The rows alone keep the same feasible set:
/// flows of a sized battery, electrolyser or fuel cell lose their upper bound, the pooled
/// tank level when a tank is sized, and the district's curtailment its lower bound 0 at the
/// steps where the PV capacity row (which implies it) stands.
fn free_duplicate_bounds(
    m: &mut Model,
    max_inputs: &Inputs<'_>,
    blocks: &Blocks,
    find: &Find<'_>,
    pv_profiles: &[(f64, Vec<f64>)],
) {
    let n = max_inputs.len();
    let free_upper = |m: &mut Model, b: &crate::lp::VarBlock| {
        for t in 0..b.len() {
            if let Some(v) = b.get(t) {
                let (lo, _) = m.bounds(v);
                m.set_bounds(v, lo, f64::INFINITY);
            }
        }
    };
    for (b, vars) in max_inputs.batteries.iter().zip(&blocks.batteries) {
        if find(&b.name, CapacityKind::BatteryKwh).is_some() {
            free_upper(m, &vars.soc);
        }
        if find(&b.name, CapacityKind::BatteryKw).is_some() {
            free_upper(m, &vars.charge);
            free_upper(m, &vars.discharge);
        }
    }
    for (e, x) in max_inputs.electrolysers.iter().zip(&blocks.electrolysers) {
        if find(&e.name, CapacityKind::ElectrolyserKw).is_some() {
            free_upper(m, x);
        }
    }
    for (f, x) in max_inputs.fuel_cells.iter().zip(&blocks.fuel_cells) {
        if find(&f.name, CapacityKind::FuelCellKw).is_some() {
            free_upper(m, x);
        }
    }
    if find("grid", CapacityKind::GridImportKw).is_some() {
        free_upper(m, &blocks.import);
    }
    let tank_sized = max_inputs
        .hydrogen_tanks
        .iter()
        .any(|t| find(&t.name, CapacityKind::TankKg).is_some());
    if let (true, Some((_, level))) = (tank_sized, &blocks.hydrogen) {
        free_upper(m, level);
    }
    let sized_pv: Vec<&(f64, Vec<f64>)> = max_inputs
        .pv_systems
        .iter()
        .zip(pv_profiles)
        .filter(|(p, _)| find(&p.name, CapacityKind::PvKwp).is_some())
        .map(|(_, prof)| prof)
        .collect();
    for t in 0..n {
        let rhs: f64 = sized_pv
            .iter()
            .map(|(max, prof)| max * prof.get(t).copied().unwrap_or(0.0))
            .sum();
        if let (true, Some(v)) = (rhs > 0.0, blocks.curtailed.get(t)) {
            let (_, hi) = m.bounds(v);
            m.set_bounds(v, f64::NEG_INFINITY, hi);
        }
    }
}

/// Sets [`SizedCapacity::with_pair`] on the energy and power of each battery of fixed
/// duration `d`: a kWh comes with `1/d` kW, a kW with `d` kWh.
fn pair_durations(capacities: &mut [SizedCapacity], durations: &[(String, f64)]) {
    for (b, d) in durations {
        let find = |kind| {
            capacities
                .iter()
                .position(|c| &c.component == b && c.kind == kind && c.candidate)
        };
        let (Some(e), Some(p)) = (
            find(CapacityKind::BatteryKwh),
            find(CapacityKind::BatteryKw),
        ) else {
            continue;
        };
        let (ve, vp) = (
            capacities[e].marginal_value_eur_per_unit_year,
            capacities[p].marginal_value_eur_per_unit_year,
        );
        let (ce, cp) = (
            capacities[e].annualised_eur_per_unit,
            capacities[p].annualised_eur_per_unit,
        );
        let both = |a: Option<f64>, b: Option<f64>, k: f64| Some(a? + k * b?);
        capacities[e].with_pair = Some(PairedUnit {
            other_per_unit: 1.0 / d,
            marginal_value_eur_per_unit_year: both(ve, vp, 1.0 / d),
            annualised_eur_per_unit: ce + cp / d,
        });
        capacities[p].with_pair = Some(PairedUnit {
            other_per_unit: *d,
            marginal_value_eur_per_unit_year: both(vp, ve, *d),
            annualised_eur_per_unit: cp + ce * d,
        });
    }
}

/// A candidate's lower bound, raised so the sized component stays valid (a tank at least
/// as large as its minimum and initial levels).
fn effective_min(inputs: &Inputs<'_>, c: &Candidate) -> f64 {
    match c.kind {
        CapacityKind::TankKg => inputs
            .hydrogen_tanks
            .iter()
            .find(|t| t.name == c.component)
            .map_or(c.min, |t| c.min.max(t.min_kg).max(t.initial_kg)),
        _ => c.min,
    }
}

fn validate(inputs: &Inputs<'_>, config: &SizingConfig) -> Result<(), SizingError> {
    let bad = |option: String, value: f64, expected: &str| SizingError::Config {
        option,
        value,
        expected: expected.into(),
    };
    if matches!(config.dispatch.objective, Objective::Co2) {
        return Err(bad(
            "dispatch.objective".into(),
            0.0,
            "cost or cost + CO2 price (capital costs are in EUR, not kgCO2e)",
        ));
    }
    if let Err((what, value, expected)) = config.costs.check() {
        return Err(bad(format!("costs.{what}"), value, expected));
    }
    if let Target::SelfSufficiency { min_rate } = config.target
        && !(0.0..=1.0).contains(&min_rate)
    {
        return Err(bad("target.self_sufficiency".into(), min_rate, "in [0, 1]"));
    }
    for (k, c) in config.candidates.iter().enumerate() {
        let exists = match c.kind {
            CapacityKind::PvKwp => inputs.pv_systems.iter().any(|p| p.name == c.component),
            CapacityKind::BatteryKwh | CapacityKind::BatteryKw => {
                inputs.batteries.iter().any(|b| b.name == c.component)
            }
            CapacityKind::ElectrolyserKw => {
                inputs.electrolysers.iter().any(|e| e.name == c.component)
            }
            CapacityKind::TankKg => inputs.hydrogen_tanks.iter().any(|t| t.name == c.component),
            CapacityKind::FuelCellKw => inputs.fuel_cells.iter().any(|f| f.name == c.component),
            CapacityKind::GridImportKw => c.component == "grid",
            CapacityKind::ChargingKw => inputs.ev_chargers.iter().any(|e| e.name == c.component),
        };
        if !exists {
            return Err(SizingError::UnknownComponent {
                component: c.component.clone(),
                kind: c.kind,
            });
        }
        if config.candidates[..k]
            .iter()
            .any(|d| d.component == c.component && d.kind == c.kind)
        {
            return Err(bad(
                format!("candidates.{}.{}", c.component, c.kind.key()),
                c.max,
                "one candidate per component and capacity",
            ));
        }
        if !(c.min.is_finite() && c.min >= 0.0) {
            return Err(bad(
                format!("candidates.{}.{}.min", c.component, c.kind.key()),
                c.min,
                "a finite value ≥ 0",
            ));
        }
        if !(c.max.is_finite() && c.max >= effective_min(inputs, c)) {
            return Err(bad(
                format!("candidates.{}.{}.max", c.component, c.kind.key()),
                c.max,
                &format!(
                    "a finite value ≥ the minimum {} (and, for a tank, ≥ its minimum and \
                     initial levels)",
                    effective_min(inputs, c)
                ),
            ));
        }
        if c.kind == CapacityKind::GridImportKw && c.cost.is_none() {
            return Err(bad(
                "candidates.grid.grid_import_kw.cost".into(),
                0.0,
                "the connection's own costs (no built-in default: the yearly cost per kW is \
                 the delivery tariff's power component, fixed_om_eur_per_kw_year in \
                 [grid.sizing])",
            ));
        }
        if let Err((_, value, expected)) = costs::check_cost(&config.cost_of(c), "cost") {
            return Err(bad(
                format!("candidates.{}.{}.cost", c.component, c.kind.key()),
                value,
                expected,
            ));
        }
        if !(c.capex_eur_when_built.is_finite() && c.capex_eur_when_built >= 0.0) {
            return Err(bad(
                format!("candidates.{}.capex_eur_when_built", c.component),
                c.capex_eur_when_built,
                "a finite value ≥ 0",
            ));
        }
        if c.kind == CapacityKind::PvKwp
            && inputs
                .pv_systems
                .iter()
                .any(|p| p.name == c.component && p.spec.kwp <= 0.0)
        {
            return Err(bad(
                format!("candidates.{}.pv_kwp (declared kwp)", c.component),
                0.0,
                "a declared kwp > 0 (its output per kWp is the profile that is scaled)",
            ));
        }
    }
    for (b, hours) in &config.durations {
        if !(hours.is_finite() && *hours > 0.0) {
            return Err(bad(
                format!("durations.{b}"),
                *hours,
                "a finite number of hours > 0",
            ));
        }
        let sized = |kind| {
            config
                .candidates
                .iter()
                .any(|c| &c.component == b && c.kind == kind)
        };
        if !(sized(CapacityKind::BatteryKwh) && sized(CapacityKind::BatteryKw)) {
            return Err(bad(
                format!("durations.{b}"),
                *hours,
                "a battery whose energy and power are both sized",
            ));
        }
    }
    Ok(())
}

fn precheck_positive_energy(max_inputs: &Inputs<'_>) -> Result<(), SizingError> {
    let h = max_inputs.step_hours();
    let pv: f64 = define::pv_total(max_inputs).iter().sum();
    let load: f64 = define::load_total(max_inputs).iter().sum();
    let charging: f64 = max_inputs
        .ev_sessions
        .iter()
        .chain(&max_inputs.fleet_sessions)
        .flatten()
        .map(|s| define::session_target(s, h))
        .sum();
    if pv < load + charging {
        return Err(SizingError::Infeasible {
            explanation: format!(
                "positive energy is out of reach even with every PV system at its largest \
                 size: {pv:.1} kWh of PV over the horizon for {load:.1} kWh of loads and \
                 {charging:.1} kWh of vehicle charging ({:.1} kWh missing)",
                load + charging - pv
            ),
        });
    }
    Ok(())
}

type Find<'f> = dyn Fn(&str, CapacityKind) -> Option<Var> + 'f;

/// Batteries with sized energy `E` and power `P` (the dispatch formulation when neither is
/// a candidate): `soc ≤ E`, `soc ≥ soc_min·E`, `charge, discharge ≤ P·h`, recursion from
/// `soc_initial·E`, optionally `soc[end] ≥ soc_initial·E`. Columns are bounded at the
/// largest sizes (`max_inputs`).
fn define_sized_batteries(
    m: &mut Model,
    max_inputs: &Inputs<'_>,
    config: &DispatchConfig,
    find: &Find<'_>,
    layout: &define::Layout,
) -> Result<Vec<BatteryVars>, LpError> {
    let linked = layout.period.is_some();
    let n = max_inputs.len();
    let h = max_inputs.step_hours();
    let mut out = Vec::with_capacity(max_inputs.batteries.len());
    for b in max_inputs.batteries {
        let e_var = find(&b.name, CapacityKind::BatteryKwh);
        let p_var = find(&b.name, CapacityKind::BatteryKw);
        let charge = m.add_vars(format!("{}-charge_kwh", b.name), n, |_| {
            (0.0, b.charge_kw * h)
        });
        let discharge = m.add_vars(format!("{}-discharge_kwh", b.name), n, |_| {
            (0.0, b.discharge_kw * h)
        });
        let soc_lo = if e_var.is_some() {
            0.0
        } else {
            b.soc_min * b.energy_kwh
        };
        // Over typical periods: the charge within the period (from 0), bounded through the
        // inter-period levels.
        let soc = if linked {
            m.add_vars(format!("{}-soc_kwh", b.name), n, |_| {
                (f64::NEG_INFINITY, f64::INFINITY)
            })
        } else {
            m.add_vars(format!("{}-soc_kwh", b.name), n, |_| (soc_lo, b.energy_kwh))
        };
        let decay = (1.0 - b.standing_loss_per_h * h).max(0.0);
        m.begin_rows(format!("{}-soc_balance", b.name));
        for t in 0..n {
            let mut terms = vec![
                (soc.at(t), 1.0),
                (charge.at(t), -b.charge_efficiency),
                (discharge.at(t), 1.0 / b.discharge_efficiency),
            ];
            let mut rhs = 0.0;
            if layout.starts_period(t) {
                // From 0 within the period.
            } else if t > 0 {
                terms.push((soc.at(t - 1), -decay));
            } else if b.cyclic {
                define::close_cycle(&mut terms, soc.at(n - 1), decay);
            } else {
                match e_var {
                    Some(e) => terms.push((e, -decay * b.soc_initial)),
                    None => rhs = decay * b.soc_initial * b.energy_kwh,
                }
            }
            m.add_row(t, terms, Sense::Eq, rhs)?;
        }
        if config.end_of_horizon == EndOfHorizon::AtLeastInitial && n > 0 && !b.cyclic && !linked {
            m.begin_rows(format!("{}-end_soc", b.name));
            match e_var {
                Some(e) => m.add_row(
                    n - 1,
                    [(soc.at(n - 1), 1.0), (e, -b.soc_initial)],
                    Sense::Ge,
                    0.0,
                )?,
                None => m.add_row(
                    n - 1,
                    [(soc.at(n - 1), 1.0)],
                    Sense::Ge,
                    b.soc_initial * b.energy_kwh,
                )?,
            };
        }
        if let (Some(e), false) = (e_var, linked) {
            m.begin_rows(format!("{}-soc_max", b.name));
            for t in 0..n {
                m.add_row(t, [(soc.at(t), 1.0), (e, -1.0)], Sense::Le, 0.0)?;
            }
            if b.soc_min > 0.0 {
                m.begin_rows(format!("{}-soc_min", b.name));
                for t in 0..n {
                    m.add_row(t, [(soc.at(t), 1.0), (e, -b.soc_min)], Sense::Ge, 0.0)?;
                }
            }
        }
        if let Some(p) = p_var {
            m.begin_rows(format!("{}-power_max", b.name));
            for t in 0..n {
                m.add_row(t, [(charge.at(t), 1.0), (p, -h)], Sense::Le, 0.0)?;
                m.add_row(t, [(discharge.at(t), 1.0), (p, -h)], Sense::Le, 0.0)?;
            }
        }
        out.push(BatteryVars {
            charge,
            discharge,
            soc,
        });
    }
    Ok(out)
}

/// A yes/no column `{component}-built` per component with a cost when built, priced at
/// that cost annualised over the horizon, and `min·built ≤ size ≤ max·built` for each of
/// its sized capacities (a battery's energy and power alike).
fn define_when_built(
    m: &mut Model,
    inputs: &Inputs<'_>,
    config: &SizingConfig,
    sizes: &[SizeVar],
    horizon_years: f64,
) -> Result<(), LpError> {
    for c in config
        .candidates
        .iter()
        .filter(|c| c.capex_eur_when_built > 0.0)
    {
        let built = m.add_bin_vars(format!("{}-built", c.component), 1).at(0);
        m.add_cost(built, config.annualised_when_built(c) * horizon_years);
        m.begin_rows(format!("{}-built", c.component));
        for s in sizes
            .iter()
            .filter(|s| s.candidate.component == c.component)
        {
            let lo = effective_min(inputs, &s.candidate);
            m.add_row(0, [(s.var, 1.0), (built, -s.candidate.max)], Sense::Le, 0.0)?;
            if lo > 0.0 {
                m.add_row(0, [(s.var, 1.0), (built, -lo)], Sense::Ge, 0.0)?;
            }
        }
    }
    Ok(())
}

/// `energy − hours × power = 0` for each battery of fixed duration.
fn define_durations(
    m: &mut Model,
    config: &SizingConfig,
    sizes: &[SizeVar],
) -> Result<(), LpError> {
    let var = |b: &str, kind| {
        sizes
            .iter()
            .find(|s| s.candidate.component == b && s.candidate.kind == kind)
            .map(|s| s.var)
    };
    for (b, hours) in &config.durations {
        if let (Some(e), Some(p)) = (
            var(b, CapacityKind::BatteryKwh),
            var(b, CapacityKind::BatteryKw),
        ) {
            m.begin_rows(format!("{b}-duration"));
            m.add_row(0, [(e, 1.0), (p, -hours)], Sense::Eq, 0.0)?;
        }
    }
    Ok(())
}

/// `curtailed[t] + Σ profile_s[t]·kwp_s ≥ Σ profile_s[t]·max_s` over the sized PV systems.
fn define_pv_capacity(
    m: &mut Model,
    inputs: &Inputs<'_>,
    profiles: &[(f64, Vec<f64>)],
    blocks: &Blocks,
    find: &Find<'_>,
) -> Result<(), LpError> {
    let sized: Vec<(Var, &(f64, Vec<f64>))> = inputs
        .pv_systems
        .iter()
        .zip(profiles)
        .filter_map(|(p, prof)| find(&p.name, CapacityKind::PvKwp).map(|v| (v, prof)))
        .collect();
    if sized.is_empty() {
        return Ok(());
    }
    m.begin_rows("pv-capacity");
    for t in 0..inputs.len() {
        let mut terms = vec![(blocks.curtailed.at(t), 1.0)];
        let mut rhs = 0.0;
        for (v, (max, prof)) in &sized {
            let p = prof.get(t).copied().unwrap_or(0.0);
            terms.push((*v, p));
            rhs += p * max;
        }
        if rhs > 0.0 {
            m.add_row(t, terms, Sense::Ge, rhs)?;
        }
    }
    Ok(())
}

/// Electrolyser and fuel-cell flows within `P·h`, the pooled tank level within the sum of
/// the tank capacities.
fn define_conversion_capacity(
    m: &mut Model,
    max_inputs: &Inputs<'_>,
    blocks: &Blocks,
    find: &Find<'_>,
    layout: &define::Layout,
) -> Result<(), LpError> {
    let n = max_inputs.len();
    let h = max_inputs.step_hours();
    for (e, x) in max_inputs.electrolysers.iter().zip(&blocks.electrolysers) {
        if let Some(p) = find(&e.name, CapacityKind::ElectrolyserKw) {
            m.begin_rows(format!("{}-power_max", e.name));
            for t in 0..n {
                m.add_row(t, [(x.at(t), 1.0), (p, -h)], Sense::Le, 0.0)?;
            }
        }
    }
    for (f, x) in max_inputs.fuel_cells.iter().zip(&blocks.fuel_cells) {
        if let Some(p) = find(&f.name, CapacityKind::FuelCellKw) {
            m.begin_rows(format!("{}-power_max", f.name));
            for t in 0..n {
                m.add_row(t, [(x.at(t), 1.0), (p, -h)], Sense::Le, 0.0)?;
            }
        }
    }
    let tanks: Vec<(Var, f64)> = max_inputs
        .hydrogen_tanks
        .iter()
        .filter_map(|t| find(&t.name, CapacityKind::TankKg).map(|v| (v, t.capacity_kg)))
        .collect();
    // Over typical periods the tank's capacity binds through the inter-period levels.
    if let (false, Some((_, level)), None) = (tanks.is_empty(), &blocks.hydrogen, layout.period) {
        let (_, cap_at_max, _) = max_inputs.tank_pool_kg();
        let fixed = cap_at_max - tanks.iter().map(|(_, c)| c).sum::<f64>();
        m.begin_rows("h2-tank_capacity");
        for t in 0..n {
            let mut terms = vec![(level.at(t), 1.0)];
            terms.extend(tanks.iter().map(|(v, _)| (*v, -1.0)));
            m.add_row(t, terms, Sense::Le, fixed.max(0.0))?;
        }
    }
    Ok(())
}

/// `import[t] ≤ G·h` for a sized grid connection `G`.
fn define_grid_capacity(
    m: &mut Model,
    max_inputs: &Inputs<'_>,
    blocks: &Blocks,
    find: &Find<'_>,
) -> Result<(), LpError> {
    let Some(g) = find("grid", CapacityKind::GridImportKw) else {
        return Ok(());
    };
    let h = max_inputs.step_hours();
    m.begin_rows("grid-import_max");
    for t in 0..blocks.import.len() {
        m.add_row(t, [(blocks.import.at(t), 1.0), (g, -h)], Sense::Le, 0.0)?;
    }
    Ok(())
}

/// `Σ sessions' charge[t] ≤ S·h` for a sized charging site of power `S`, at every step where
/// a session is plugged.
fn define_charging_capacity(
    m: &mut Model,
    max_inputs: &Inputs<'_>,
    blocks: &Blocks,
    find: &Find<'_>,
) -> Result<(), LpError> {
    let h = max_inputs.step_hours();
    for (e, sessions) in max_inputs.ev_chargers.iter().zip(&blocks.ev_sites) {
        let Some(s) = find(&e.name, CapacityKind::ChargingKw) else {
            continue;
        };
        m.begin_rows(format!("{}-site_limit", e.name));
        for (t, terms) in define::site_terms(max_inputs.len(), sessions)
            .iter()
            .enumerate()
        {
            if !terms.is_empty() {
                let row = terms.iter().map(|(v, _)| (*v, 1.0)).chain([(s, -h)]);
                m.add_row(t, row, Sense::Le, 0.0)?;
            }
        }
    }
    Ok(())
}

/// The most the plugged sessions of charging site `name` can draw at once, kW (0 for an
/// unknown site): the largest useful site power.
fn peak_plugged_kw(inputs: &Inputs<'_>, name: &str) -> f64 {
    let h = inputs.step_hours();
    let Some(sessions) = inputs
        .ev_chargers
        .iter()
        .zip(&inputs.ev_sessions)
        .find(|(e, _)| e.name == name)
        .map(|(_, s)| s)
    else {
        return 0.0;
    };
    let charged: Vec<quartier_model::EvSession> = sessions
        .iter()
        .filter(|s| s.departure > s.arrival && define::session_target(s, h) > 0.0)
        .copied()
        .collect();
    quartier_model::plugged_kw(&charged, inputs.len())
        .into_iter()
        .fold(0.0, f64::max)
}

/// `Σ import − (1 − x)·(Σ electrolyser + Σ charging) ≤ (1 − x)·Σ load`.
fn define_self_sufficiency(
    m: &mut Model,
    inputs: &Inputs<'_>,
    b: &Blocks,
    rate: f64,
    layout: &define::Layout,
) -> Result<(), LpError> {
    let n = inputs.len();
    let k = 1.0 - rate;
    let w = |t: usize| layout.weight(t);
    let load: f64 = define::load_total(inputs)
        .iter()
        .enumerate()
        .map(|(t, v)| w(t) * v)
        .sum();
    let mut terms: Vec<(Var, f64)> = (0..n).map(|t| (b.import.at(t), w(t))).collect();
    for e in &b.electrolysers {
        terms.extend((0..n).map(|t| (e.at(t), -k * w(t))));
    }
    for s in b.ev_sites.iter().chain(&b.fleets).flatten() {
        terms.extend((0..s.charge.len()).map(|i| (s.charge.at(i), -k * w(s.arrival + i))));
    }
    m.begin_rows("district-self_sufficiency");
    m.add_row(n.saturating_sub(1), terms, Sense::Le, k * load)?;
    Ok(())
}

fn explain_conflict(model: &Model, inputs: &Inputs<'_>, out: &Outcome) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in out.conflict.iter().take(8) {
        match c.item {
            ConflictItem::Row(r) => {
                if let Some((group, step)) = model.row_name(r) {
                    let what = match group {
                        "district-self_sufficiency" => {
                            "the self-sufficiency target (import ≤ (1 − rate) × consumption)"
                                .to_string()
                        }
                        "district-positive_energy" => {
                            "positive energy (PV production ≥ consumption)".to_string()
                        }
                        "bus-balance" => "the electricity balance".to_string(),
                        g => g.to_string(),
                    };
                    parts.push(format!("{what} at {}", inputs.axis.time(step)));
                }
            }
            ConflictItem::Upper(v) => parts.push(format!(
                "the upper limit {} of {}",
                model.bounds(v).1,
                model.var_name(v)
            )),
            ConflictItem::Lower(v) => parts.push(format!(
                "the lower limit {} of {}",
                model.bounds(v).0,
                model.var_name(v)
            )),
        }
    }
    if parts.is_empty() {
        "the solver reports the constraints cannot all hold, without naming them".into()
    } else {
        format!(
            "these constraints cannot all hold together, even at the largest candidate sizes \
             (most involved first): {}",
            parts.join("; ")
        )
    }
}

//! Sizing on representative periods: the year reduced to a few typical days, their storage
//! levels linked through the year's sequence of days, the result checked on the full year.
//!
//! **Aggregation** (as the established time-series aggregation tools do, e.g. TSAM's
//! hierarchical clustering with medoid representation, Kotzur et al. 2018): the horizon is
//! cut into periods of whole days (24 h of steps from the axis start, in UTC, so every
//! period has the same number of steps); each period is described by its normalised
//! series (total load, each PV system's output per kWp, import and export prices, hydrogen
//! demand, the energy charging sessions ask for, spread over their windows; each series
//! divided by its largest absolute value); periods are merged by Ward's agglomerative
//! clustering on those vectors until `typical` clusters remain; each cluster is represented
//! by its **medoid**, the real day closest to the others, and weighs the number of days it
//! stands for. A medoid is a real day, so its EV sessions are real sessions: those within
//! the day are kept, those crossing midnight are cut to the day with their energy in
//! proportion.
//!
//! **Storage over the year** (inter-period linking, Kotzur et al., *Time series aggregation
//! for energy system design: modeling seasonal storage*, Applied Energy 2018): within a
//! typical day, each store's column is its level *relative to the day's start* (0 at the
//! start); a level per day of the year, `inter[d]`, carries the state through the year's
//! sequence: `inter[d+1] = decay^S · inter[d] + intra[a(d)][S−1]`, with `a(d)` the typical
//! day of day `d` and `decay` the store's loss per step. The store's bounds hold on every
//! day through the highest and lowest relative level of its typical day:
//! `inter[d] + max_k ≤ capacity` and `decay^S · inter[d] + min_k ≥ minimum` (conservative:
//! the standing loss within a day is counted at its largest). A cyclic store ends the year at
//! `inter[0]`; the others start from their initial level. The hydrogen tank's seasonal
//! filling and emptying is therefore kept, which a set of independent typical days would
//! lose.
//!
//! **Weights.** Each step of a typical day weighs the number of days its cluster stands for,
//! in the objective and in the horizon's totals (positive energy, self-sufficiency); the
//! capital costs are priced over the full horizon. The reduced problem's optimum is an
//! estimate: [`size_on_typical_periods`] re-solves the full year with the chosen capacities
//! fixed, which gives the flows, the KPIs and the true cost of those capacities, and reports
//! the gap. An EV charging site's power is the exception: it answers the year's busiest
//! hour, which the typical days may not hold, so the full year may raise it above the
//! typical days' value (never lower it).

use std::time::Instant;

use quartier_model::EvSession;
use quartier_sim::Inputs;
use quartier_timeseries::Axis;

use super::{Find, Sizing, SizingConfig, SizingError, SizingModel, effective_min, explain};
use crate::dispatch::define::{Blocks, Layout, load_total};
use crate::dispatch::{DispatchConfig, EndOfHorizon};
use crate::lp::{LpError, Model, Sense, Solver, Termination, Var, VarBlock};

use super::CapacityKind;

/// The typical periods of a horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct TypicalPeriods {
    /// Steps per period (a day of steps).
    pub steps_per_period: usize,
    /// For each period of the horizon, in order, the index of its typical period.
    pub assignment: Vec<usize>,
    /// For each typical period, the horizon period that represents it (its medoid), in
    /// chronological order.
    pub medoids: Vec<usize>,
    /// For each typical period, the number of horizon periods it stands for.
    pub weights: Vec<usize>,
}

impl TypicalPeriods {
    /// Steps of the full horizon.
    pub fn horizon_steps(&self) -> usize {
        self.assignment.len() * self.steps_per_period
    }

    /// Steps of the reduced problem.
    pub fn reduced_steps(&self) -> usize {
        self.medoids.len() * self.steps_per_period
    }

    /// The layout of the reduced model: typical days one after the other, each step
    /// weighing its cluster's size.
    pub(crate) fn layout(&self) -> Layout {
        let s = self.steps_per_period;
        Layout {
            period: Some(s),
            weights: self
                .weights
                .iter()
                .flat_map(|&w| std::iter::repeat_n(w as f64, s))
                .collect(),
        }
    }
}

/// Cuts the horizon of `inputs` into days and clusters them into `typical` typical days
/// (see the module documentation). The horizon must be whole days and at least `typical`
/// of them.
pub fn cluster_days(inputs: &Inputs<'_>, typical: usize) -> Result<TypicalPeriods, SizingError> {
    let n = inputs.len();
    let s = (24.0 / inputs.step_hours()).round() as usize;
    let bad = |value: f64, expected: String| SizingError::Config {
        option: "typical days".into(),
        value,
        expected,
    };
    if s == 0 || !n.is_multiple_of(s) || n == 0 {
        return Err(bad(
            typical as f64,
            format!("a horizon of whole days (this one has {n} steps of {s} a day)"),
        ));
    }
    let days = n / s;
    if typical == 0 || typical > days {
        return Err(bad(
            typical as f64,
            format!("between 1 and the {days} days of the horizon"),
        ));
    }
    let features = day_features(inputs);
    let vectors: Vec<Vec<f64>> = (0..days)
        .map(|d| {
            features
                .iter()
                .flat_map(|f| f[d * s..(d + 1) * s].iter().copied())
                .collect()
        })
        .collect();
    let dist = squared_distances(&vectors);
    let clusters = ward(&dist, typical);
    let mut typical_days: Vec<(usize, Vec<usize>)> = clusters
        .into_iter()
        .map(|members| (medoid(&dist, &members), members))
        .collect();
    typical_days.sort_by_key(|(m, _)| *m);
    let mut assignment = vec![0; days];
    for (k, (_, members)) in typical_days.iter().enumerate() {
        for &d in members {
            assignment[d] = k;
        }
    }
    Ok(TypicalPeriods {
        steps_per_period: s,
        assignment,
        medoids: typical_days.iter().map(|(m, _)| *m).collect(),
        weights: typical_days.iter().map(|(_, v)| v.len()).collect(),
    })
}

/// The series that describe a day, each divided by its largest absolute value.
fn day_features(inputs: &Inputs<'_>) -> Vec<Vec<f64>> {
    let n = inputs.len();
    let mut out = vec![load_total(inputs)];
    out.extend(inputs.pv_kwh.iter().cloned());
    out.push(inputs.import_price_eur_per_kwh.clone());
    out.push(inputs.export_price_eur_per_kwh.clone());
    out.push(inputs.h2_demand_kg.clone());
    let mut charging = vec![0.0; n];
    for s in inputs
        .ev_sessions
        .iter()
        .chain(&inputs.fleet_sessions)
        .flatten()
    {
        let len = s.departure.saturating_sub(s.arrival);
        for c in charging.iter_mut().take(s.departure.min(n)).skip(s.arrival) {
            *c += s.energy_kwh / len as f64;
        }
    }
    out.push(charging);
    out.into_iter()
        .filter_map(|mut f| {
            f.resize(n, 0.0);
            let peak = f.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
            (peak > 0.0 && peak.is_finite()).then(|| {
                f.iter_mut().for_each(|v| *v /= peak);
                f
            })
        })
        .collect()
}

fn squared_distances(v: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let n = v.len();
    let mut d = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in i + 1..n {
            let x: f64 = v[i].iter().zip(&v[j]).map(|(a, b)| (a - b) * (a - b)).sum();
            d[i][j] = x;
            d[j][i] = x;
        }
    }
    d
}

/// Ward's agglomerative clustering on squared Euclidean distances (Lance–Williams update)
/// down to `k` clusters; ties merge the lowest indices first. Members in increasing order.
fn ward(dist: &[Vec<f64>], k: usize) -> Vec<Vec<usize>> {
    let n = dist.len();
    let mut d: Vec<Vec<f64>> = dist.to_vec();
    let mut members: Vec<Option<Vec<usize>>> = (0..n).map(|i| Some(vec![i])).collect();
    let mut active = n;
    while active > k {
        let mut best = (f64::INFINITY, 0, 0);
        for i in 0..n {
            if members[i].is_none() {
                continue;
            }
            for j in i + 1..n {
                if members[j].is_some() && d[i][j] < best.0 {
                    best = (d[i][j], i, j);
                }
            }
        }
        let (dij, i, j) = best;
        let (ni, nj) = (
            members[i].as_ref().map_or(0, Vec::len) as f64,
            members[j].as_ref().map_or(0, Vec::len) as f64,
        );
        for m in 0..n {
            if m == i || m == j || members[m].is_none() {
                continue;
            }
            let nm = members[m].as_ref().map_or(0, Vec::len) as f64;
            let v = ((ni + nm) * d[i][m] + (nj + nm) * d[j][m] - nm * dij) / (ni + nj + nm);
            d[i][m] = v;
            d[m][i] = v;
        }
        let moved = members[j].take().unwrap_or_default();
        if let Some(mi) = members[i].as_mut() {
            mi.extend(moved);
            mi.sort_unstable();
        }
        active -= 1;
    }
    members.into_iter().flatten().collect()
}

/// The member with the least sum of squared distances to the others (the lowest index on
/// ties).
fn medoid(dist: &[Vec<f64>], members: &[usize]) -> usize {
    let mut best = (f64::INFINITY, members.first().copied().unwrap_or(0));
    for &i in members {
        let s: f64 = members.iter().map(|&j| dist[i][j]).sum();
        if s < best.0 {
            best = (s, i);
        }
    }
    best.1
}

/// The inputs of the typical days, one after the other (components borrowed from
/// `inputs`). Sessions of a medoid day keep their part within the day, their energy cut in
/// proportion.
pub(crate) fn reduced_inputs<'a>(
    inputs: &Inputs<'a>,
    p: &TypicalPeriods,
) -> Result<Inputs<'a>, SizingError> {
    let s = p.steps_per_period;
    let pick = |v: &[f64]| -> Vec<f64> {
        p.medoids
            .iter()
            .flat_map(|&d| v.get(d * s..(d + 1) * s).unwrap_or(&[]).iter().copied())
            .collect()
    };
    let sessions = |list: &[EvSession]| -> Vec<EvSession> {
        let mut out = Vec::new();
        for (k, &d) in p.medoids.iter().enumerate() {
            let (a, b) = (d * s, (d + 1) * s);
            for e in list {
                let (from, to) = (e.arrival.max(a), e.departure.min(b));
                let len = e.departure.saturating_sub(e.arrival);
                if to <= from || len == 0 {
                    continue;
                }
                out.push(EvSession {
                    arrival: k * s + (from - a),
                    departure: k * s + (to - a),
                    energy_kwh: e.energy_kwh * (to - from) as f64 / len as f64,
                    max_kw: e.max_kw,
                });
            }
        }
        out
    };
    let axis =
        Axis::new(inputs.axis.start(), inputs.axis.step(), p.reduced_steps()).map_err(|e| {
            SizingError::Config {
                option: "typical days".into(),
                value: p.medoids.len() as f64,
                expected: e.to_string(),
            }
        })?;
    Ok(Inputs {
        axis,
        timezone: inputs.timezone,
        pv_systems: inputs.pv_systems,
        pv_kwh: inputs.pv_kwh.iter().map(|v| pick(v)).collect(),
        loads: inputs.loads,
        loads_kwh: inputs.loads_kwh.iter().map(|v| pick(v)).collect(),
        ev_chargers: inputs.ev_chargers,
        ev_sessions: inputs.ev_sessions.iter().map(|l| sessions(l)).collect(),
        fleets: inputs.fleets,
        fleet_sessions: inputs.fleet_sessions.iter().map(|l| sessions(l)).collect(),
        batteries: inputs.batteries,
        electrolysers: inputs.electrolysers,
        hydrogen_tanks: inputs.hydrogen_tanks,
        fuel_cells: inputs.fuel_cells,
        grid: inputs.grid,
        h2_demand_kg: pick(&inputs.h2_demand_kg),
        import_price_eur_per_kwh: pick(&inputs.import_price_eur_per_kwh),
        export_price_eur_per_kwh: pick(&inputs.export_price_eur_per_kwh),
        carbon_g_per_kwh: pick(&inputs.carbon_g_per_kwh),
    })
}

/// A linear expression `constant + Σ coefficient × column`.
#[derive(Debug, Clone, Default)]
struct Expr {
    constant: f64,
    terms: Vec<(Var, f64)>,
}

impl Expr {
    fn constant(c: f64) -> Expr {
        Expr {
            constant: c,
            terms: Vec::new(),
        }
    }

    /// `c` when `var` is `None`, else `k × var`.
    fn either(var: Option<Var>, k: f64, c: f64) -> Expr {
        match var {
            Some(v) => Expr {
                constant: 0.0,
                terms: vec![(v, k)],
            },
            None => Expr::constant(c),
        }
    }
}

/// The inter-period levels of every store of the reduced model (see the module
/// documentation): each battery, and the pooled hydrogen tanks.
pub(crate) fn link_storage(
    m: &mut Model,
    max_inputs: &Inputs<'_>,
    config: &DispatchConfig,
    blocks: &Blocks,
    find: &Find<'_>,
    p: &TypicalPeriods,
) -> Result<(), LpError> {
    let h = max_inputs.step_hours();
    let end_at_least = config.end_of_horizon == EndOfHorizon::AtLeastInitial;
    for (b, vars) in max_inputs.batteries.iter().zip(&blocks.batteries) {
        let e = find(&b.name, CapacityKind::BatteryKwh);
        let store = Store {
            name: &b.name,
            intra: &vars.soc,
            decay: (1.0 - b.standing_loss_per_h * h).max(0.0),
            capacity: Expr::either(e, 1.0, b.energy_kwh),
            minimum: Expr::either(e, b.soc_min, b.soc_min * b.energy_kwh),
            initial: Expr::either(e, b.soc_initial, b.soc_initial * b.energy_kwh),
            cyclic: b.cyclic,
            end_at_least_initial: end_at_least,
        };
        link_one(m, &store, p)?;
    }
    if let Some((_, level)) = &blocks.hydrogen {
        let (min_kg, cap_kg, initial_kg) = max_inputs.tank_pool_kg();
        let sized: Vec<(Var, f64)> = max_inputs
            .hydrogen_tanks
            .iter()
            .filter_map(|t| find(&t.name, CapacityKind::TankKg).map(|v| (v, t.capacity_kg)))
            .collect();
        let fixed = cap_kg - sized.iter().map(|(_, c)| c).sum::<f64>();
        let capacity = Expr {
            constant: fixed.max(0.0),
            terms: sized.iter().map(|(v, _)| (*v, 1.0)).collect(),
        };
        let store = Store {
            name: "h2",
            intra: level,
            decay: 1.0,
            capacity,
            minimum: Expr::constant(min_kg),
            initial: Expr::constant(initial_kg),
            cyclic: max_inputs.tanks_cyclic(),
            end_at_least_initial: end_at_least,
        };
        link_one(m, &store, p)?;
    }
    Ok(())
}

struct Store<'s> {
    name: &'s str,
    intra: &'s VarBlock,
    decay: f64,
    capacity: Expr,
    minimum: Expr,
    initial: Expr,
    cyclic: bool,
    end_at_least_initial: bool,
}

/// One store's inter-period levels and the rows that bound its level on every day.
fn link_one(m: &mut Model, st: &Store<'_>, p: &TypicalPeriods) -> Result<(), LpError> {
    let s = p.steps_per_period;
    let days = p.assignment.len();
    let k = p.medoids.len();
    let last = p.reduced_steps().saturating_sub(1);
    let day_decay = st.decay.powi(i32::try_from(s).unwrap_or(i32::MAX));
    let name = st.name;
    let inter = m.add_vars(format!("{name}-inter_level"), days + 1, |_| {
        (f64::NEG_INFINITY, f64::INFINITY)
    });
    let hi = m.add_vars(format!("{name}-period_max"), k, |_| (0.0, f64::INFINITY));
    let lo = m.add_vars(format!("{name}-period_min"), k, |_| {
        (f64::NEG_INFINITY, 0.0)
    });
    m.begin_rows(format!("{name}-period_range"));
    for c in 0..k {
        for t in 0..s {
            let x = st.intra.at(c * s + t);
            m.add_row(c * s + t, [(x, 1.0), (hi.at(c), -1.0)], Sense::Le, 0.0)?;
            m.add_row(c * s + t, [(x, 1.0), (lo.at(c), -1.0)], Sense::Ge, 0.0)?;
        }
    }
    // Level of the next day's start, and the bounds of each day through its typical day.
    let with = |base: Vec<(Var, f64)>, e: &Expr, k: f64| -> (Vec<(Var, f64)>, f64) {
        let mut terms = base;
        terms.extend(e.terms.iter().map(|(v, a)| (*v, -k * a)));
        (terms, k * e.constant)
    };
    m.begin_rows(format!("{name}-inter_link"));
    for d in 0..days {
        let c = p.assignment[d];
        m.add_row(
            (c * s + s - 1).min(last),
            [
                (inter.at(d + 1), 1.0),
                (inter.at(d), -day_decay),
                (st.intra.at(c * s + s - 1), -1.0),
            ],
            Sense::Eq,
            0.0,
        )?;
    }
    m.begin_rows(format!("{name}-inter_bounds"));
    for d in 0..=days {
        let step = (p.assignment.get(d).map_or(k, |c| *c) * s).min(last);
        let (upper, lower) = match p.assignment.get(d) {
            Some(&c) => (
                vec![(inter.at(d), 1.0), (hi.at(c), 1.0)],
                vec![(inter.at(d), day_decay), (lo.at(c), 1.0)],
            ),
            None => (vec![(inter.at(d), 1.0)], vec![(inter.at(d), 1.0)]),
        };
        let (terms, rhs) = with(upper, &st.capacity, 1.0);
        m.add_row(step, terms, Sense::Le, rhs)?;
        let (terms, rhs) = with(lower, &st.minimum, 1.0);
        m.add_row(step, terms, Sense::Ge, rhs)?;
    }
    m.begin_rows(format!("{name}-inter_start"));
    if st.cyclic {
        m.add_row(
            last,
            [(inter.at(days), 1.0), (inter.at(0), -1.0)],
            Sense::Eq,
            0.0,
        )?;
    } else {
        let (terms, rhs) = with(vec![(inter.at(0), 1.0)], &st.initial, 1.0);
        m.add_row(0, terms, Sense::Eq, rhs)?;
        if st.end_at_least_initial {
            let (terms, rhs) = with(vec![(inter.at(days), 1.0)], &st.initial, 1.0);
            m.add_row(last, terms, Sense::Ge, rhs)?;
        }
    }
    Ok(())
}

/// A sizing on typical days, checked on the full horizon.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodSizing {
    /// The sizing: capacities chosen on the typical days (with their limits and marginal
    /// values from the reduced problem's duals); flows, KPIs and costs from the full horizon
    /// re-solved with those capacities fixed.
    pub sizing: Sizing,
    /// The typical days.
    pub periods: TypicalPeriods,
    /// What the reduced problem estimates the total annualised cost to be, EUR per year.
    pub reduced_annualised_cost_eur: f64,
    /// The relative gap between the reduced estimate and the full-horizon cost of the same
    /// capacities: (full − reduced) / full.
    pub estimate_error: f64,
    /// Time to cluster, build and solve the reduced problem, seconds.
    pub reduced_seconds: f64,
    /// Time to re-solve the full horizon with the capacities fixed, seconds.
    pub check_seconds: f64,
    /// Size of the reduced LP.
    pub reduced_size: crate::dispatch::ModelSize,
}

/// Sizes the district of `inputs` on `typical` typical days, then re-solves the full horizon
/// with the chosen capacities fixed (see the module documentation).
pub fn size_on_typical_periods(
    inputs: &Inputs<'_>,
    config: &SizingConfig,
    typical: usize,
    solver: &dyn Solver,
) -> Result<PeriodSizing, SizingError> {
    inputs.validate()?;
    let t0 = Instant::now();
    let periods = cluster_days(inputs, typical)?;
    let reduced = reduced_inputs(inputs, &periods)?;
    let model = SizingModel::build_in(&reduced, config, Some(&periods))?;
    let out = solver.solve(model.model(), &config.dispatch.solver)?;
    match out.termination {
        Termination::Infeasible => {
            return Err(SizingError::Infeasible {
                explanation: super::explain_conflict(model.model(), &reduced, &out),
            });
        }
        Termination::Unbounded | Termination::NumericalError => {
            return Err(SizingError::Solver {
                solver: solver.name(),
                termination: out.termination,
            });
        }
        _ => {}
    }
    if out.primal.len() != model.model().num_vars() {
        return Err(SizingError::Solver {
            solver: solver.name(),
            termination: out.termination,
        });
    }
    let values = model.capacity_values(&out.primal);
    let explained = explain::explain(model.model(), &out.dual, &model.columns(&values));
    let reduced_objective = out
        .objective
        .unwrap_or_else(|| model.model().objective_value(&out.primal));
    let reduced_size = model.size();
    let reduced_dual = out.dual;
    let reduced_seconds = t0.elapsed().as_secs_f64();
    // The full horizon with the chosen capacities fixed.
    let t1 = Instant::now();
    let mut fixed = config.clone();
    for (c, v) in fixed.candidates.iter_mut().zip(&values) {
        let v = v.max(effective_min(inputs, c));
        c.min = v;
        // A charging site's power answers the busiest hour of the year, which typical days
        // may not hold: the full horizon may raise it (never lower it).
        if c.kind != CapacityKind::ChargingKw {
            c.max = v;
        }
    }
    let mut sizing = super::size(inputs, &fixed, solver).map_err(|e| match e {
        SizingError::Infeasible { explanation } => SizingError::Infeasible {
            explanation: format!(
                "the capacities chosen on {typical} typical days do not hold over the whole \
                 horizon (more typical days represent it better): {explanation}"
            ),
        },
        e => e,
    })?;
    let check_seconds = t1.elapsed().as_secs_f64();
    for cap in sizing.capacities.iter_mut().filter(|c| c.candidate) {
        if let Some(k) = config
            .candidates
            .iter()
            .position(|c| c.component == cap.component && c.kind == cap.kind)
        {
            let original = &config.candidates[k];
            cap.min = effective_min(inputs, original);
            cap.max = original.max;
            if values
                .get(k)
                .is_some_and(|v| cap.value > v + 1e-6 * original.max.max(1.0))
            {
                // Raised by the full horizon: its own explanation stands.
                continue;
            }
            let (value, limit) = explained[k];
            cap.limit = Some(limit);
            cap.marginal_value_eur_per_unit_year = value
                .filter(|_| sizing.horizon_years > 0.0)
                .map(|v| v / sizing.horizon_years);
        }
    }
    super::pair_durations(&mut sizing.capacities, &config.durations);
    // The target's price is the sizing's, on the typical days (the check has its capacities
    // fixed), over the whole horizon's consumption.
    sizing.target_eur_per_point_year =
        model.target_price(&reduced_dual, sizing.kpis.consumption_kwh);
    let y = sizing.horizon_years;
    let reduced_annualised = if y > 0.0 { reduced_objective / y } else { 0.0 };
    let full = sizing.annualised_cost_eur;
    Ok(PeriodSizing {
        estimate_error: if full.abs() > 0.0 {
            (full - reduced_annualised) / full.abs()
        } else {
            0.0
        },
        sizing,
        periods,
        reduced_annualised_cost_eur: reduced_annualised,
        reduced_seconds,
        check_seconds,
        reduced_size,
    })
}

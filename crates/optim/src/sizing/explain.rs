//! Why each sized capacity has its size, from the duals of the sizing LP.
//!
//! A capacity column `s` appears in the rows that tie the flows to it (`charge ≤ P·h`,
//! `soc ≤ E`, the PV capacity rows, …). With `y_i` the dual of row `i` (the change of the
//! optimum per unit of its right-hand side, as [`crate::lp::Outcome::dual`]), one more unit
//! of `s` changes the operating cost by `Σ_i y_i·a_is` with the opposite sign: its
//! **marginal value** over the horizon is `Σ_i y_i·a_is` (EUR per unit), divided by the
//! horizon's years for EUR per unit per year. Rows between capacities only (a battery's fixed
//! duration, a cost when built) are left out of the sum: they move value between
//! capacities, they do not save operation.
//!
//! The LP's optimality conditions then say what limited the size: a capacity strictly
//! between its bounds is worth exactly its annualised cost; at its upper bound it is worth
//! more (the bound stopped it), at its lower bound less (not worth building more). A
//! battery of fixed duration is priced as a pair: its energy and power are worth their
//! costs together. A MILP (a cost when built) has no duals: only the bounds are said.

use crate::lp::{Model, Row, Var};

/// What decided a capacity's size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// At its largest allowed size: one more unit would be worth more than it costs.
    Max,
    /// At its smallest allowed size: one more unit would be worth less than it costs.
    Min,
    /// Between its bounds: one more unit is worth its annualised cost.
    Economics,
    /// A battery of fixed duration between its bounds: energy and power are worth their
    /// costs as a pair.
    Duration,
    /// Not built: with its cost when built, building it saves less than it costs.
    NotBuilt,
}

impl Limit {
    /// A stable key for reports (`max`, `min`, `economics`, `duration`, `not-built`).
    pub fn key(self) -> &'static str {
        match self {
            Limit::Max => "max",
            Limit::Min => "min",
            Limit::Economics => "economics",
            Limit::Duration => "duration",
            Limit::NotBuilt => "not-built",
        }
    }
}

/// One capacity column as the explanation needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Column {
    pub var: Var,
    pub value: f64,
    pub min: f64,
    pub max: f64,
    pub tied_by_duration: bool,
    pub has_when_built_cost: bool,
}

/// Marginal value of one more unit of each column, EUR per unit over the horizon (`None`
/// without duals), and its limit.
pub(crate) fn explain(
    model: &Model,
    dual: &[f64],
    columns: &[Column],
) -> Vec<(Option<f64>, Limit)> {
    let values = marginal_values(model, dual, columns);
    columns
        .iter()
        .zip(values)
        .map(|(c, v)| {
            let tol = 1e-6 * c.max.abs().max(1.0);
            let at_max = c.value >= c.max - tol;
            let at_min = c.value <= c.min + tol;
            let limit = if c.has_when_built_cost && c.value <= tol {
                Limit::NotBuilt
            } else if at_max && c.max > c.min {
                Limit::Max
            } else if at_min {
                Limit::Min
            } else if c.tied_by_duration {
                Limit::Duration
            } else {
                Limit::Economics
            };
            (v, limit)
        })
        .collect()
}

/// `Σ_i y_i·a_ij` over the operational rows of each column (see the module documentation).
fn marginal_values(model: &Model, dual: &[f64], columns: &[Column]) -> Vec<Option<f64>> {
    if dual.len() != model.num_rows() || columns.is_empty() {
        return vec![None; columns.len()];
    }
    let mut slot = vec![None; model.num_vars()];
    for (k, c) in columns.iter().enumerate() {
        if let Some(x) = slot.get_mut(c.var.index()) {
            *x = Some(k);
        }
    }
    let mut sums = vec![0.0; columns.len()];
    for (i, y) in dual.iter().enumerate() {
        if *y == 0.0 {
            continue;
        }
        if let Some((group, _)) = model.row_name(Row(i))
            && (group.ends_with("-duration") || group.ends_with("-built"))
        {
            continue;
        }
        let Some((cols, coefs)) = model.row_entries(i) else {
            continue;
        };
        for (j, a) in cols.iter().zip(coefs) {
            if let Some(Some(k)) = slot.get(*j) {
                sums[*k] += y * a;
            }
        }
    }
    sums.into_iter().map(Some).collect()
}

//! The LP layer, apart from any domain: a [`Model`] (variables with column bounds, sparse
//! rows, linear objective), the [`Solver`] trait and its solver-independent [`Outcome`], and
//! the back ends ([`Clarabel`], the default, linear programs only; [`Highs`] behind the
//! `highs` feature, which also solves MILPs).
//!
//! ```
//! use quartier_optim::lp::{Clarabel, Model, Sense, Solver, SolverOptions, Termination};
//! // minimise x + 2y subject to x + y ≥ 1, 0 ≤ x ≤ 0.4, y ≥ 0.
//! let mut m = Model::new();
//! let x = m.add_vars("x", 1, |_| (0.0, 0.4));
//! let y = m.add_vars("y", 1, |_| (0.0, f64::INFINITY));
//! m.add_cost(x.at(0), 1.0);
//! m.add_cost(y.at(0), 2.0);
//! m.begin_rows("cover");
//! let r = m.add_row(0, [(x.at(0), 1.0), (y.at(0), 1.0)], Sense::Ge, 1.0).unwrap();
//! let out = Clarabel::default().solve(&m, &SolverOptions::default()).unwrap();
//! assert_eq!(out.termination, Termination::Optimal);
//! assert!((out.objective.unwrap() - 1.6).abs() < 1e-6);
//! // The dual of a row is the change of the optimum per unit of its right-hand side.
//! assert!((out.dual[r.index()] - 2.0).abs() < 1e-6);
//! ```

mod clarabel;
#[cfg(feature = "highs")]
mod highs;
mod model;

#[cfg(test)]
pub(crate) use clarabel::solve as solve_with_clarabel;
pub use clarabel::{Clarabel, IntegerColumns};
#[cfg(feature = "highs")]
pub use highs::{Highs, HighsMethod};
pub use model::{Model, Row, Sense, Var, VarBlock};

/// How a solve ended, whatever the back end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    /// An optimal solution to the solver's tolerances.
    Optimal,
    /// A solution at reduced accuracy (the solver stopped short of its tolerances but close).
    AlmostOptimal,
    /// No point satisfies every row and bound; [`Outcome::conflict`] names the ones involved.
    Infeasible,
    /// The objective decreases without bound.
    Unbounded,
    /// The time limit was reached; `primal` holds the best point found (a MILP back end's
    /// best feasible solution, an interior-point back end's last iterate), **not proven
    /// optimal**, or is empty when the solver had none.
    TimeLimit,
    /// The iteration limit was reached; `primal` holds the last iterate (not optimal).
    IterationLimit,
    /// The solver failed numerically (or stopped making progress).
    NumericalError,
}

impl Termination {
    /// True when `primal` is a solution (optimal or almost).
    pub fn has_solution(self) -> bool {
        matches!(self, Termination::Optimal | Termination::AlmostOptimal)
    }

    /// A short description in words.
    pub fn describe(self) -> &'static str {
        match self {
            Termination::Optimal => "optimal",
            Termination::AlmostOptimal => "optimal at reduced accuracy",
            Termination::Infeasible => "infeasible: no dispatch meets every constraint",
            Termination::Unbounded => "unbounded: the objective can decrease without limit",
            Termination::TimeLimit => "time limit reached before optimality was proven",
            Termination::IterationLimit => "stopped at the iteration limit before optimality",
            Termination::NumericalError => "the solver failed numerically",
        }
    }
}

/// A row or bound of the model taking part in an infeasibility (from the solver's
/// certificate), with its weight in the certificate (the larger, the more involved).
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    /// What binds.
    pub item: ConflictItem,
    /// Relative weight in the certificate, in (0, 1] (largest = 1).
    pub weight: f64,
}

/// A row or a column bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConflictItem {
    /// A row of the model.
    Row(Row),
    /// The lower bound of a column.
    Lower(Var),
    /// The upper bound of a column.
    Upper(Var),
}

/// Statistics of a solve.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveReport {
    /// The back end ("clarabel", "highs").
    pub solver: &'static str,
    /// Iterations.
    pub iterations: u64,
    /// Time spent converting the model to the solver's form, seconds.
    pub setup_seconds: f64,
    /// Time spent solving, seconds.
    pub solve_seconds: f64,
    /// Rows, columns and nonzeros handed to the solver (after turning bounds into rows
    /// where the back end needs it).
    pub solver_rows: usize,
    /// Columns handed to the solver.
    pub solver_cols: usize,
    /// Relative gap between the best solution and the best bound of a MILP (0 when proven
    /// optimal); `None` for a linear program.
    pub mip_gap: Option<f64>,
    /// Nonzeros handed to the solver.
    pub solver_nonzeros: usize,
}

/// A solver-independent result.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// How the solve ended.
    pub termination: Termination,
    /// Objective value (with the constant) of `primal`, when there is a solution or an
    /// iterate.
    pub objective: Option<f64>,
    /// One value per column (empty when the solver gave none).
    pub primal: Vec<f64>,
    /// One value per row: the change of the optimal objective per unit increase of the row's
    /// right-hand side (shadow price; on an energy balance row, the marginal cost of one more
    /// kWh of demand). Empty when the solver gave none.
    pub dual: Vec<f64>,
    /// On [`Termination::Infeasible`], the rows and bounds of the solver's certificate, most
    /// involved first (at most 20).
    pub conflict: Vec<Conflict>,
    /// Statistics.
    pub report: SolveReport,
}

/// Options of a solve (default: no time limit, quiet).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SolverOptions {
    /// Wall-clock limit, seconds (`None`: none).
    pub time_limit_seconds: Option<f64>,
    /// Let the solver print its log.
    pub verbose: bool,
}

/// A back end.
pub trait Solver {
    /// Short name ("clarabel", "highs").
    fn name(&self) -> &'static str;

    /// Solves `model`. Errors only when the model cannot be handed to the solver
    /// ([`LpError`]); infeasible, unbounded or interrupted solves are an [`Outcome`].
    fn solve(&self, model: &Model, options: &SolverOptions) -> Result<Outcome, LpError>;
}

/// A model that cannot be solved as built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LpError {
    /// A row refers to a column that is not in the model.
    #[error("row {row}: column {column} is not in the model")]
    UnknownColumn {
        /// The row.
        row: String,
        /// The column index.
        column: usize,
    },
    /// Unusable bounds (NaN, or lower above upper).
    #[error("variable {var}: bounds [{lower}, {upper}] are empty or not numbers")]
    Bounds {
        /// The variable.
        var: String,
        /// Lower bound.
        lower: f64,
        /// Upper bound.
        upper: f64,
    },
    /// A coefficient, cost or right-hand side that is not finite.
    #[error("{what} is {value}, expected a finite number")]
    NotFinite {
        /// Which number.
        what: String,
        /// Its value.
        value: f64,
    },
    /// The model has integer columns and the back end solves only linear programs.
    #[error(
        "{solver} cannot solve a model with {count} integer columns (first: {first}); use the \
         HiGHS back end (build with the `highs` feature), or ask for the LP relaxation"
    )]
    IntegerColumns {
        /// The back end.
        solver: &'static str,
        /// How many integer columns.
        count: usize,
        /// Name of the first one.
        first: String,
    },
    /// The back end rejected the problem.
    #[error("{solver}: {message}")]
    Solver {
        /// The back end.
        solver: &'static str,
        /// Its message.
        message: String,
    },
}

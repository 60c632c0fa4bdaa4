//! The HiGHS back end (the `highs` crate, behind the `highs` feature): linear programs by
//! dual simplex or interior point, and MILPs by branch and bound.
//!
//! The conversion is direct: every column goes to HiGHS with its own bounds (column bounds,
//! not rows) and its integrality, every row with its sense as a row range (`=`: `[b, b]`,
//! `≤`: `(−∞, b]`, `≥`: `[b, +∞)`). The model's rows are stored by row; HiGHS takes columns,
//! so the matrix is transposed once (count per column, then fill).
//!
//! Results: HiGHS's row duals are the change of the minimum per unit increase of a row's
//! bound, which is the sign convention of [`Outcome::dual`] (no conversion). A MILP has no
//! duals (empty). At the time limit, a MILP keeps its best feasible solution (reported as
//! [`Termination::TimeLimit`] with its gap in [`SolveReport::mip_gap`]: not proven optimal);
//! an LP stopped by the limit gives no point. HiGHS gives no infeasibility certificate through
//! its C interface: when it reports an infeasible model, the LP relaxation is handed to
//! [`Clarabel`] to name the rows and bounds in conflict (none when only integrality makes
//! the model infeasible). An "infeasible or unbounded" verdict of presolve is settled by
//! solving again without presolve.
//!
//! The algorithm: [`HighsMethod::Choose`] (the default) lets HiGHS pick, which is dual
//! simplex for the dispatch and sizing LPs. Measured on the year of quarter-hours of
//! `bench/pypsa` (385,440 columns × 105,120 rows, HiGHS 1.16, 2 shared cores): dual simplex
//! solves it in 12.8–13.7 s (174,522 iterations), interior point with crossover in 48.7 s,
//! interior point without crossover in 40.8 s, primal simplex in 140 s; parallel dual
//! simplex (`parallel=on`) gains nothing on 2 cores. See `bench/pypsa/RESULTS.md`.

use std::time::Instant;

use highs::{ColProblem, HighsModelStatus, HighsSolutionStatus, Integrality};

use super::{
    Clarabel, IntegerColumns, LpError, Model, Outcome, Sense, SolveReport, Solver, SolverOptions,
    Termination,
};

/// The algorithm HiGHS uses for linear programs (and the relaxations of a MILP).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HighsMethod {
    /// HiGHS decides (dual simplex for most LPs).
    #[default]
    Choose,
    /// Dual simplex.
    Simplex,
    /// Interior point (with crossover).
    InteriorPoint,
}

/// The HiGHS solver.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Highs {
    /// The LP algorithm.
    pub method: HighsMethod,
    /// Relative MIP gap at which branch and bound stops (HiGHS's default 1e-4).
    pub mip_rel_gap: f64,
    /// Threads (`None`: HiGHS's default).
    pub threads: Option<u32>,
}

impl Default for Highs {
    fn default() -> Self {
        Highs {
            method: HighsMethod::Choose,
            mip_rel_gap: 1e-4,
            threads: None,
        }
    }
}

fn solver_error(what: &str) -> LpError {
    LpError::Solver {
        solver: "highs",
        message: what.to_string(),
    }
}

impl Highs {
    fn run(
        &self,
        model: &Model,
        options: &SolverOptions,
        presolve: bool,
    ) -> Result<(highs::SolvedModel, f64, f64, usize), LpError> {
        let setup = Instant::now();
        let n = model.num_vars();
        let senses = model.senses();
        let rhs = model.rhs_values();
        let mut problem = ColProblem::new();
        let rows: Vec<highs::Row> = senses
            .iter()
            .zip(rhs)
            .map(|(s, &b)| match s {
                Sense::Eq => problem.add_row(b..=b),
                Sense::Le => problem.add_row(f64::NEG_INFINITY..=b),
                Sense::Ge => problem.add_row(b..=f64::INFINITY),
            })
            .collect();
        // Transpose the rows into columns.
        let mut start = vec![0usize; n + 1];
        for r in 0..model.num_rows() {
            let (cols, _) = model.row_entries(r).unwrap_or((&[], &[]));
            for &c in cols {
                if let Some(s) = start.get_mut(c + 1) {
                    *s += 1;
                }
            }
        }
        for j in 0..n {
            start[j + 1] += start[j];
        }
        let nnz = start[n];
        let mut next = start.clone();
        let mut entries: Vec<(usize, f64)> = vec![(0, 0.0); nnz];
        for r in 0..model.num_rows() {
            let (cols, coefs) = model.row_entries(r).unwrap_or((&[], &[]));
            for (&c, &a) in cols.iter().zip(coefs) {
                if let Some(k) = next.get_mut(c) {
                    if let Some(e) = entries.get_mut(*k) {
                        *e = (r, a);
                    }
                    *k += 1;
                }
            }
        }
        let lower = model.lower_bounds();
        let upper = model.upper_bounds();
        let costs = model.costs();
        let integer = model.integrality();
        for j in 0..n {
            let kind = if integer.get(j).copied().unwrap_or(false) {
                Integrality::Integer
            } else {
                Integrality::Continuous
            };
            problem.add_column_with_integrality_kind(
                costs[j],
                lower[j]..=upper[j],
                entries
                    .get(start[j]..start[j + 1])
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|&(r, a)| rows.get(r).map(|&row| (row, a))),
                kind,
            );
        }
        let mut hm = problem
            .try_optimise(highs::Sense::Minimise)
            .map_err(|e| solver_error(&format!("the model was refused ({e:?})")))?;
        let set = |name: &str, r: Result<(), highs::TrySetOptionError>| {
            r.map_err(|_| solver_error(&format!("option {name} was refused")))
        };
        if options.verbose {
            set("output_flag", hm.try_set_option("output_flag", true))?;
            set("log_to_console", hm.try_set_option("log_to_console", true))?;
        }
        if let Some(limit) = options.time_limit_seconds {
            set("time_limit", hm.try_set_option("time_limit", limit))?;
        }
        let method = match self.method {
            HighsMethod::Choose => "choose",
            HighsMethod::Simplex => "simplex",
            HighsMethod::InteriorPoint => "ipm",
        };
        set("solver", hm.try_set_option("solver", method))?;
        set(
            "mip_rel_gap",
            hm.try_set_option("mip_rel_gap", self.mip_rel_gap),
        )?;
        if let Some(t) = self.threads {
            let t = i32::try_from(t.max(1)).unwrap_or(i32::MAX);
            set("threads", hm.try_set_option("threads", t))?;
        }
        if !presolve {
            set("presolve", hm.try_set_option("presolve", "off"))?;
        }
        let setup_seconds = setup.elapsed().as_secs_f64();
        let t0 = Instant::now();
        let solved = hm
            .try_solve()
            .map_err(|e| solver_error(&format!("the solve failed ({e:?})")))?;
        Ok((solved, setup_seconds, t0.elapsed().as_secs_f64(), nnz))
    }
}

impl Solver for Highs {
    fn name(&self) -> &'static str {
        "highs"
    }

    fn solve(&self, model: &Model, options: &SolverOptions) -> Result<Outcome, LpError> {
        model.validate()?;
        let n = model.num_vars();
        let is_mip = model.num_integer_vars() > 0;
        let (mut solved, mut setup_seconds, mut solve_seconds, nnz) =
            self.run(model, options, true)?;
        if solved.status() == HighsModelStatus::UnboundedOrInfeasible {
            let (again, s, t, _) = self.run(model, options, false)?;
            solved = again;
            setup_seconds += s;
            solve_seconds += t;
        }
        let status = solved.status();
        let has_point = solved.primal_solution_status() == HighsSolutionStatus::Feasible;
        let termination = match status {
            HighsModelStatus::Optimal => Termination::Optimal,
            HighsModelStatus::ModelEmpty => Termination::Optimal,
            HighsModelStatus::Infeasible => Termination::Infeasible,
            HighsModelStatus::Unbounded => Termination::Unbounded,
            // Still ambiguous without presolve: HiGHS found no feasible point.
            HighsModelStatus::UnboundedOrInfeasible => Termination::Infeasible,
            HighsModelStatus::ReachedTimeLimit => Termination::TimeLimit,
            HighsModelStatus::ReachedIterationLimit => Termination::IterationLimit,
            _ => Termination::NumericalError,
        };
        let iterations = u64::try_from(
            solved.simplex_iteration_count().max(0) + solved.ipm_iteration_count().max(0),
        )
        .unwrap_or(0);
        let mip_gap = is_mip.then(|| solved.mip_gap());
        let report = SolveReport {
            solver: "highs",
            iterations,
            setup_seconds,
            solve_seconds,
            solver_rows: model.num_rows(),
            solver_cols: n,
            solver_nonzeros: nnz,
            mip_gap,
        };
        let keep_point = match termination {
            Termination::Optimal => true,
            Termination::TimeLimit | Termination::IterationLimit => has_point,
            _ => false,
        };
        let solution = solved.get_solution();
        let primal = if keep_point && n > 0 {
            solution.columns().to_vec()
        } else {
            vec![]
        };
        let dual = if termination == Termination::Optimal && !is_mip {
            solution.dual_rows().to_vec()
        } else {
            vec![]
        };
        let objective = if keep_point {
            Some(model.objective_value(&primal))
        } else {
            None
        };
        let conflict = if termination == Termination::Infeasible {
            // HiGHS gives no certificate here: ask clarabel about the relaxation.
            Clarabel {
                integer_columns: IntegerColumns::Relax,
                ..Clarabel::default()
            }
            .solve(model, options)
            .map(|o| o.conflict)
            .unwrap_or_default()
        } else {
            vec![]
        };
        Ok(Outcome {
            termination,
            objective,
            primal,
            dual,
            conflict,
            report,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lp::ConflictItem;

    fn solve(m: &Model) -> Outcome {
        Highs::default()
            .solve(m, &SolverOptions::default())
            .unwrap()
    }

    #[test]
    fn bounds_senses_and_duals_match_clarabel() {
        // min x s.t. x ≥ 1 (dual +1); min −x s.t. x ≤ 2 (dual −1); min 3x s.t. x = 4 (+3).
        let mut m = Model::new();
        let x = m.add_vars("x", 3, |t| match t {
            0 => (f64::NEG_INFINITY, f64::INFINITY),
            1 => (0.0, f64::INFINITY),
            _ => (0.0, 10.0),
        });
        m.add_cost(x.at(0), 1.0);
        m.add_cost(x.at(1), -1.0);
        m.add_cost(x.at(2), 3.0);
        let r0 = m.add_row(0, [(x.at(0), 1.0)], Sense::Ge, 1.0).unwrap();
        let r1 = m.add_row(0, [(x.at(1), 1.0)], Sense::Le, 2.0).unwrap();
        let r2 = m.add_row(0, [(x.at(2), 1.0)], Sense::Eq, 4.0).unwrap();
        m.add_constant(0.5);
        let o = solve(&m);
        assert_eq!(o.termination, Termination::Optimal);
        assert!((o.objective.unwrap() - (1.0 - 2.0 + 12.0 + 0.5)).abs() < 1e-9);
        let c = Clarabel::default()
            .solve(&m, &SolverOptions::default())
            .unwrap();
        for r in [r0, r1, r2] {
            assert!(
                (o.dual[r.index()] - c.dual[r.index()]).abs() < 1e-6,
                "{:?} vs {:?}",
                o.dual,
                c.dual
            );
        }
        assert!((o.dual[r0.index()] - 1.0).abs() < 1e-9);
        assert!((o.dual[r1.index()] + 1.0).abs() < 1e-9);
        assert!((o.dual[r2.index()] - 3.0).abs() < 1e-9);
        assert_eq!(o.report.mip_gap, None);
    }

    #[test]
    fn binaries_are_integral() {
        // max x + y s.t. 2x + 2y ≤ 3, binaries: 1 (the relaxation gives 1.5).
        let mut m = Model::new();
        let x = m.add_bin_vars("pem-on", 2);
        m.add_cost(x.at(0), -1.0);
        m.add_cost(x.at(1), -1.0);
        m.add_row(0, [(x.at(0), 2.0), (x.at(1), 2.0)], Sense::Le, 3.0)
            .unwrap();
        let o = solve(&m);
        assert_eq!(o.termination, Termination::Optimal);
        assert!((o.objective.unwrap() + 1.0).abs() < 1e-9);
        assert!(o.primal.iter().all(|v| (v - v.round()).abs() < 1e-9));
        assert!(o.dual.is_empty());
        assert!(o.report.mip_gap.is_some());
    }

    #[test]
    fn infeasibility_names_the_conflict_and_unbounded_is_reported() {
        let mut m = Model::new();
        let x = m.add_vars("tank-level_kg", 2, |_| (0.0, 5.0));
        m.begin_rows("demand");
        let r = m.add_row(1, [(x.at(1), 1.0)], Sense::Ge, 8.0).unwrap();
        let o = solve(&m);
        assert_eq!(o.termination, Termination::Infeasible);
        assert!(o.primal.is_empty());
        let items: Vec<_> = o.conflict.iter().map(|c| c.item).collect();
        assert!(items.contains(&ConflictItem::Row(r)), "{:?}", o.conflict);
        let mut u = Model::new();
        let y = u.add_vars("y", 1, |_| (0.0, f64::INFINITY));
        u.add_cost(y.at(0), -1.0);
        u.add_row(0, [(y.at(0), 1.0)], Sense::Ge, 1.0).unwrap();
        assert_eq!(solve(&u).termination, Termination::Unbounded);
    }
}

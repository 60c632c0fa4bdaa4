//! The clarabel back end (pure Rust interior point, the default build).
//!
//! Clarabel solves `min ½xᵀPx + qᵀx` subject to `Ax + s = b`, `s ∈ K`. The conversion:
//! equality rows (and fixed columns, `lower = upper`) go to the zero cone; `≤` rows as they
//! are and `≥` rows negated go to the nonnegative cone, followed by one row per finite column
//! bound (`x ≤ u` and `−x ≤ −l`). `A` is assembled in compressed sparse columns in two
//! passes (count per column, then fill in row order), so row indices come out sorted with no
//! insertion into the middle of a vector.
//!
//! Duals: clarabel's `z` satisfies `q + Aᵀz = 0`, so the shadow price of an original row's
//! right-hand side is `−z` for `=` and `≤` rows and `+z` for `≥` rows (negated on the way
//! in). On a primal infeasibility, `z` is a Farkas certificate; its largest entries name the
//! rows and bounds in conflict.
//!
//! Clarabel's conic form has no column bounds, so each finite bound is a row of `A` (on the
//! year of quarter-hours of `bench/pypsa`: 385,440 columns, 105,120 rows of the model, and
//! 686,753 bound and fixed-column rows). Clarabel's default settings are kept (tolerances
//! 1e-8, equilibration, iterative refinement): on that year, turning iterative refinement
//! off cuts the solve by about 40 % but moves the objective 2e-7 (relative) away from the
//! optimum instead of 1e-8; looser tolerances (1e-7), no equilibration, no presolve, a
//! larger static regularisation or fewer refinement steps change the time by less than the
//! noise of a shared machine or make it worse (`bench/pypsa/RESULTS.md`).

use std::time::Instant;

use clarabel::algebra::CscMatrix;
use clarabel::solver::{
    DefaultSettingsBuilder, DefaultSolver, IPSolver, SolverStatus, SupportedConeT,
};

use super::{
    Conflict, ConflictItem, LpError, Model, Outcome, Row, Sense, SolveReport, Solver,
    SolverOptions, Termination, Var,
};

/// The clarabel interior-point solver with its default tolerances (1e-8). Linear programs
/// only: see [`IntegerColumns`].
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Clarabel {
    /// Iteration limit (`None`: clarabel's default, 200).
    pub max_iterations: Option<u32>,
    /// What to do with integer columns (default: refuse the model).
    pub integer_columns: IntegerColumns,
}

/// What a linear-only back end does with a model that has integer columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IntegerColumns {
    /// Refuse it with [`LpError::IntegerColumns`] (the default).
    #[default]
    Refuse,
    /// Solve the LP relaxation (integer columns treated as continuous within their bounds).
    Relax,
}

/// Where a conic row came from (a `≥` row is negated on the way in: sign −1).
#[derive(Debug, Clone, Copy)]
enum Origin {
    Row(usize, f64),
    Lower(usize),
    Upper(usize),
    Fixed(usize),
}

/// An [`Origin`] in one word (index and kind; the sign of a row follows from its sense),
/// since a year of quarter-hours has close to a million conic rows.
#[derive(Debug, Clone, Copy)]
struct Packed(usize);

impl Packed {
    fn row(r: usize) -> Packed {
        Packed(r << 2)
    }
    fn lower(j: usize) -> Packed {
        Packed((j << 2) | 1)
    }
    fn upper(j: usize) -> Packed {
        Packed((j << 2) | 2)
    }
    fn fixed(j: usize) -> Packed {
        Packed((j << 2) | 3)
    }
    fn get(self, senses: &[Sense]) -> Origin {
        let i = self.0 >> 2;
        match self.0 & 3 {
            0 => Origin::Row(
                i,
                if senses.get(i) == Some(&Sense::Ge) {
                    -1.0
                } else {
                    1.0
                },
            ),
            1 => Origin::Lower(i),
            2 => Origin::Upper(i),
            _ => Origin::Fixed(i),
        }
    }
}

impl Solver for Clarabel {
    fn name(&self) -> &'static str {
        "clarabel"
    }

    fn solve(&self, model: &Model, options: &SolverOptions) -> Result<Outcome, LpError> {
        model.validate()?;
        if self.integer_columns == IntegerColumns::Refuse
            && let Some(j) = model.integrality().iter().position(|&i| i)
        {
            return Err(LpError::IntegerColumns {
                solver: "clarabel",
                count: model.num_integer_vars(),
                first: model.var_name(Var(j)),
            });
        }
        let setup = Instant::now();
        let n = model.num_vars();
        let lower = model.lower_bounds();
        let upper = model.upper_bounds();
        let senses = model.senses();
        let rhs = model.rhs_values();

        // Conic rows in order: zero cone (Eq rows, fixed columns), then nonnegative cone
        // (Le rows, Ge rows negated, upper bounds, lower bounds negated).
        let mut packed: Vec<Packed> = Vec::new();
        for (r, s) in senses.iter().enumerate() {
            if *s == Sense::Eq {
                packed.push(Packed::row(r));
            }
        }
        for j in 0..n {
            if lower[j] == upper[j] {
                packed.push(Packed::fixed(j));
            }
        }
        let zero_rows = packed.len();
        for (r, s) in senses.iter().enumerate() {
            if *s != Sense::Eq {
                packed.push(Packed::row(r));
            }
        }
        for j in 0..n {
            if lower[j] != upper[j] {
                if upper[j].is_finite() {
                    packed.push(Packed::upper(j));
                }
                if lower[j].is_finite() {
                    packed.push(Packed::lower(j));
                }
            }
        }
        let m = packed.len();
        let origins = || packed.iter().map(|o| o.get(senses));

        // Pass 1: count entries per column; b.
        let mut count = vec![0usize; n + 1];
        let mut b = Vec::with_capacity(m);
        for o in origins() {
            match o {
                Origin::Row(r, sign) => {
                    let (cols, _) = model.row_entries(r).unwrap_or((&[], &[]));
                    for &c in cols {
                        count[c + 1] += 1;
                    }
                    b.push(sign * rhs[r]);
                }
                Origin::Fixed(j) => {
                    count[j + 1] += 1;
                    b.push(lower[j]);
                }
                Origin::Upper(j) => {
                    count[j + 1] += 1;
                    b.push(upper[j]);
                }
                Origin::Lower(j) => {
                    count[j + 1] += 1;
                    b.push(-lower[j]);
                }
            }
        }
        for j in 0..n {
            count[j + 1] += count[j];
        }
        let colptr = count;
        let nnz = colptr[n];
        // Pass 2: fill in conic-row order (sorted row indices within each column).
        let mut next: Vec<usize> = colptr[..n].to_vec();
        let mut rowval = vec![0usize; nnz];
        let mut nzval = vec![0.0f64; nnz];
        let mut put = |j: usize, i: usize, v: f64| {
            let k = next[j];
            rowval[k] = i;
            nzval[k] = v;
            next[j] += 1;
        };
        for (i, o) in origins().enumerate() {
            match o {
                Origin::Row(r, sign) => {
                    let (cols, coefs) = model.row_entries(r).unwrap_or((&[], &[]));
                    for (&c, &a) in cols.iter().zip(coefs) {
                        put(c, i, sign * a);
                    }
                }
                Origin::Fixed(j) | Origin::Upper(j) => put(j, i, 1.0),
                Origin::Lower(j) => put(j, i, -1.0),
            }
        }
        let a = CscMatrix::new(m, n, colptr, rowval, nzval);
        let p = CscMatrix::<f64>::zeros((n, n));
        let q = model.costs().to_vec();
        let mut cones = Vec::new();
        if zero_rows > 0 {
            cones.push(SupportedConeT::ZeroConeT(zero_rows));
        }
        if m > zero_rows {
            cones.push(SupportedConeT::NonnegativeConeT(m - zero_rows));
        }
        let mut builder = DefaultSettingsBuilder::default();
        builder.verbose(options.verbose);
        if let Some(limit) = options.time_limit_seconds {
            builder.time_limit(limit);
        }
        if let Some(it) = self.max_iterations {
            builder.max_iter(it);
        }
        let settings = builder.build().map_err(|e| LpError::Solver {
            solver: "clarabel",
            message: e.to_string(),
        })?;
        let report = |iterations: u64, setup_seconds: f64, solve_seconds: f64| SolveReport {
            solver: "clarabel",
            iterations,
            setup_seconds,
            solve_seconds,
            solver_rows: m,
            solver_cols: n,
            solver_nonzeros: nnz,
            mip_gap: None,
        };
        if n == 0 {
            // Nothing to decide: feasible iff every row holds at x = ().
            let ok = (0..model.num_rows()).all(|r| match senses[r] {
                Sense::Eq => rhs[r] == 0.0,
                Sense::Le => rhs[r] >= 0.0,
                Sense::Ge => rhs[r] <= 0.0,
            });
            return Ok(Outcome {
                termination: if ok {
                    Termination::Optimal
                } else {
                    Termination::Infeasible
                },
                objective: ok.then_some(model.objective_constant()),
                primal: vec![],
                dual: vec![0.0; model.num_rows()],
                conflict: vec![],
                report: report(0, setup.elapsed().as_secs_f64(), 0.0),
            });
        }
        // A panic inside clarabel (a bug of the library on some input) is a failure of the
        // solve, said as such, never a crash of the caller.
        let crashed = |phase: &str, payload: Box<dyn std::any::Any + Send>| {
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".into());
            LpError::Solver {
                solver: "clarabel",
                message: format!(
                    "clarabel failed while {phase} a problem of {m} rows × {n} columns ({why}); \
                     try the HiGHS back end (`highs` feature)"
                ),
            }
        };
        let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            DefaultSolver::new(&p, &q, &a, &b, &cones, settings)
        }))
        .map_err(|payload| crashed("factorising", payload))?;
        let mut solver = built.map_err(|e| LpError::Solver {
            solver: "clarabel",
            message: e.to_string(),
        })?;
        // The solver holds its own (equilibrated) copy of the data: free ours before the
        // factorisations allocate.
        drop((p, q, a, b));
        let setup_seconds = setup.elapsed().as_secs_f64();
        let start = Instant::now();
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| solver.solve()))
            .map_err(|payload| crashed("solving", payload))?;
        let solve_seconds = start.elapsed().as_secs_f64();
        let iterations = u64::from(solver.solution.iterations);
        let sol = &mut solver.solution;
        let termination = match sol.status {
            SolverStatus::Solved => Termination::Optimal,
            SolverStatus::AlmostSolved => Termination::AlmostOptimal,
            SolverStatus::PrimalInfeasible | SolverStatus::AlmostPrimalInfeasible => {
                Termination::Infeasible
            }
            SolverStatus::DualInfeasible | SolverStatus::AlmostDualInfeasible => {
                Termination::Unbounded
            }
            SolverStatus::MaxTime => Termination::TimeLimit,
            SolverStatus::MaxIterations => Termination::IterationLimit,
            _ => Termination::NumericalError,
        };
        let mut dual = vec![0.0; model.num_rows()];
        let mut conflict = Vec::new();
        if termination == Termination::Infeasible {
            // An interior-point certificate is not minimal: net the two bounds of each
            // column (what both carry cancels in Aᵀz and only weakens bᵀz), then keep the
            // entries above 1e-3 of the largest.
            let mut z = sol.z.clone();
            let mut bound_row = vec![None; n];
            for (i, o) in origins().enumerate() {
                match o {
                    Origin::Upper(j) => bound_row[j] = Some(i),
                    Origin::Lower(j) => {
                        if let Some(u) = bound_row[j]
                            && let (Some(&zu), Some(&zl)) = (z.get(u), z.get(i))
                        {
                            let common = zu.min(zl).max(0.0);
                            z[u] = zu - common;
                            z[i] = zl - common;
                        }
                    }
                    _ => {}
                }
            }
            let zmax = z.iter().fold(0.0_f64, |acc, z| acc.max(z.abs()));
            if zmax > 0.0 {
                let mut items: Vec<Conflict> = origins()
                    .zip(&z)
                    .filter(|(_, z)| z.abs() > 1e-3 * zmax)
                    .map(|(o, z)| Conflict {
                        item: match o {
                            Origin::Row(r, _) => ConflictItem::Row(Row(r)),
                            Origin::Upper(j) => ConflictItem::Upper(Var(j)),
                            Origin::Lower(j) => ConflictItem::Lower(Var(j)),
                            Origin::Fixed(j) => {
                                if *z >= 0.0 {
                                    ConflictItem::Upper(Var(j))
                                } else {
                                    ConflictItem::Lower(Var(j))
                                }
                            }
                        },
                        weight: z.abs() / zmax,
                    })
                    .collect();
                items.sort_by(|x, y| y.weight.total_cmp(&x.weight));
                items.truncate(20);
                conflict = items;
            }
        } else {
            for (o, z) in origins().zip(&sol.z) {
                if let Origin::Row(r, sign) = o
                    && let Some(d) = dual.get_mut(r)
                {
                    *d = -sign * z;
                }
            }
        }
        let primal = if matches!(
            termination,
            Termination::Infeasible | Termination::Unbounded
        ) {
            vec![]
        } else {
            std::mem::take(&mut sol.x)
        };
        let objective = (!primal.is_empty()).then(|| model.objective_value(&primal));
        Ok(Outcome {
            termination,
            objective,
            primal,
            dual,
            conflict,
            report: report(iterations, setup_seconds, solve_seconds),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn solve(m: &Model) -> Outcome {
        Clarabel::default()
            .solve(m, &SolverOptions::default())
            .unwrap()
    }

    #[test]
    fn shadow_prices_have_the_sign_of_the_objective_change() {
        // min x s.t. x ≥ 1: raising the rhs raises the optimum (+1).
        let mut m = Model::new();
        let x = m.add_vars("x", 1, |_| (f64::NEG_INFINITY, f64::INFINITY));
        m.add_cost(x.at(0), 1.0);
        let r = m.add_row(0, [(x.at(0), 1.0)], Sense::Ge, 1.0).unwrap();
        let o = solve(&m);
        assert_eq!(o.termination, Termination::Optimal);
        assert!((o.primal[0] - 1.0).abs() < 1e-7);
        assert!((o.dual[r.index()] - 1.0).abs() < 1e-7);
        // min −x s.t. x ≤ 2: raising the rhs lowers the optimum (−1).
        let mut m = Model::new();
        let x = m.add_vars("x", 1, |_| (0.0, f64::INFINITY));
        m.add_cost(x.at(0), -1.0);
        let r = m.add_row(0, [(x.at(0), 1.0)], Sense::Le, 2.0).unwrap();
        let o = solve(&m);
        assert!((o.objective.unwrap() + 2.0).abs() < 1e-7);
        assert!((o.dual[r.index()] + 1.0).abs() < 1e-7);
        // min 3x s.t. x = 4 (equality): +3.
        let mut m = Model::new();
        let x = m.add_vars("x", 1, |_| (0.0, 10.0));
        m.add_cost(x.at(0), 3.0);
        let r = m.add_row(0, [(x.at(0), 1.0)], Sense::Eq, 4.0).unwrap();
        let o = solve(&m);
        assert!((o.dual[r.index()] - 3.0).abs() < 1e-6);
    }

    #[test]
    fn infeasibility_names_the_conflicting_row_and_bound() {
        let mut m = Model::new();
        let x = m.add_vars("tank-level_kg", 2, |_| (0.0, 5.0));
        let y = m.add_vars("free", 1, |_| (0.0, 1.0));
        m.begin_rows("demand");
        let r = m.add_row(1, [(x.at(1), 1.0)], Sense::Ge, 8.0).unwrap();
        m.add_row(0, [(y.at(0), 1.0)], Sense::Le, 1.0).unwrap();
        let o = solve(&m);
        assert_eq!(o.termination, Termination::Infeasible);
        let items: Vec<_> = o.conflict.iter().map(|c| c.item).collect();
        // The two most involved: the row and the capacity it cannot pass.
        let top = items.get(..2).unwrap_or(&[]);
        assert!(top.contains(&ConflictItem::Row(r)), "{:?}", o.conflict);
        assert!(
            top.contains(&ConflictItem::Upper(x.at(1))),
            "{:?}",
            o.conflict
        );
        // Bounds of the same column are netted: never both sides of one column.
        let both = |j: Var| {
            items.contains(&ConflictItem::Upper(j)) && items.contains(&ConflictItem::Lower(j))
        };
        assert!(!both(x.at(0)) && !both(y.at(0)), "{:?}", o.conflict);
    }

    #[test]
    fn integer_columns_are_refused_unless_relaxed() {
        // max x + y (min −x − y) s.t. 2x + 2y ≤ 3, x, y binary: the relaxation gives 1.5.
        let mut m = Model::new();
        let x = m.add_bin_vars("pem-on", 2);
        m.add_cost(x.at(0), -1.0);
        m.add_cost(x.at(1), -1.0);
        m.add_row(0, [(x.at(0), 2.0), (x.at(1), 2.0)], Sense::Le, 3.0)
            .unwrap();
        let e = Clarabel::default()
            .solve(&m, &SolverOptions::default())
            .unwrap_err();
        assert!(
            matches!(&e, LpError::IntegerColumns { count: 2, first, .. } if first == "pem-on[0]"),
            "{e}"
        );
        assert!(e.to_string().contains("HiGHS"), "{e}");
        let relaxed = Clarabel {
            integer_columns: IntegerColumns::Relax,
            ..Clarabel::default()
        }
        .solve(&m, &SolverOptions::default())
        .unwrap();
        assert!((relaxed.objective.unwrap() + 1.5).abs() < 1e-6);
    }

    #[test]
    fn unbounded_is_reported() {
        let mut m = Model::new();
        let x = m.add_vars("x", 1, |_| (0.0, f64::INFINITY));
        m.add_cost(x.at(0), -1.0);
        assert_eq!(solve(&m).termination, Termination::Unbounded);
    }

    #[test]
    fn fixed_columns_and_empty_models() {
        let mut m = Model::new();
        let x = m.add_vars("x", 2, |t| if t == 0 { (2.0, 2.0) } else { (0.0, 3.0) });
        m.add_cost(x.at(1), -1.0);
        m.add_cost(x.at(0), 1.0);
        let o = solve(&m);
        assert!((o.primal[0] - 2.0).abs() < 1e-7 && (o.primal[1] - 3.0).abs() < 1e-6);
        let mut empty = Model::new();
        empty.add_constant(4.0);
        assert_eq!(solve(&empty).objective, Some(4.0));
    }
}

//! The clarabel back end (pure Rust interior point, the default build).
//!
//! Clarabel solves `min ½xᵀPx + qᵀx` subject to `Ax + s = b`, `s ∈ K`. The conversion:
//! a fixed column (`lower = upper`) is not handed to clarabel: its value moves into the
//! right-hand sides of its rows, and a row left with fixed columns only is checked here
//! (left out when it holds, the conflict when it does not). Equality rows go to the zero
//! cone; `≤` rows as they are and `≥` rows negated go to the nonnegative cone, followed by one
//! row per finite column bound (`x ≤ u` and `−x ≤ −l`). `A` is assembled in compressed sparse
//! columns in two passes (count per column, then fill in row order), so row indices come out
//! sorted with no insertion into the middle of a vector. (When every column is fixed, they
//! stay as zero-cone rows, so that clarabel still judges the model.)
//!
//! Duals: clarabel's `z` satisfies `q + Aᵀz = 0`, so the shadow price of an original row's
//! right-hand side is `−z` for `=` and `≤` rows and `+z` for `≥` rows (negated on the way
//! in). On a primal infeasibility, `z` is a Farkas certificate; its largest entries name the
//! rows and bounds in conflict, and a fixed column is weighed by the multiplier its own row
//! would have carried (minus what the rows put on its column).
//!
//! Clarabel's conic form has no column bounds, so each finite bound is a row of `A`: the
//! interior point works on columns + rows + bounds, which is why the models leave out the
//! columns and limits no optimum needs (`dispatch::define::presolve_grid`). Settings: a
//! static regularisation of 1e-10 (clarabel's default is 1e-8) and no iterative refinement.
//! With 1e-8, each KKT solve needs refinement to be accurate: on the year of quarter-hours of
//! `bench/pypsa`, turning refinement off alone cut the solve by 42 % but left the objective
//! 2.4e-7 (relative) from the vertex optimum. With 1e-10 the factorisation alone is accurate:
//! the solve is about 2.3× faster than with the defaults, 3.9e-9 from the optimum where the defaults
//! gave 8e-9. Tolerances (1e-8) and equilibration are clarabel's. Measurements in
//! `bench/pypsa/RESULTS.md`.

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
        let fixed: Vec<bool> = (0..n).map(|j| lower[j] == upper[j]).collect();
        // Fixed columns are substituted by their values (their coefficients move into the
        // right-hand sides) unless every column is fixed (nothing left to hand clarabel).
        let substitute = fixed.contains(&true) && fixed.contains(&false);
        let mut col: Vec<Option<usize>> = vec![None; n];
        let mut nc = 0;
        for j in 0..n {
            if !(substitute && fixed[j]) {
                col[j] = Some(nc);
                nc += 1;
            }
        }
        let reduced = reduce_rows(model, &col, substitute);
        if let Some(r) = reduced.broken {
            return Ok(broken_row(
                model,
                r,
                &reduced.rhs,
                setup.elapsed().as_secs_f64(),
            ));
        }
        let rhs = &reduced.rhs;

        // Conic rows in order: zero cone (Eq rows, fixed columns not substituted), then
        // nonnegative cone (Le rows, Ge rows negated, upper bounds, lower bounds negated).
        // A row whose columns are all substituted, and which holds, is left out (dual 0).
        let mut packed: Vec<Packed> = Vec::new();
        for (r, s) in senses.iter().enumerate() {
            if *s == Sense::Eq && reduced.keep[r] {
                packed.push(Packed::row(r));
            }
        }
        if !substitute {
            packed.extend((0..n).filter(|&j| fixed[j]).map(Packed::fixed));
        }
        let zero_rows = packed.len();
        for (r, s) in senses.iter().enumerate() {
            if *s != Sense::Eq && reduced.keep[r] {
                packed.push(Packed::row(r));
            }
        }
        for j in 0..n {
            if !fixed[j] {
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
        let at = |j: usize| col[j].unwrap_or(0);

        // Pass 1: count entries per column; b.
        let mut count = vec![0usize; nc + 1];
        let mut b = Vec::with_capacity(m);
        for o in origins() {
            match o {
                Origin::Row(r, sign) => {
                    let (cols, _) = model.row_entries(r).unwrap_or((&[], &[]));
                    for &c in cols {
                        if let Some(k) = col[c] {
                            count[k + 1] += 1;
                        }
                    }
                    b.push(sign * rhs[r]);
                }
                Origin::Fixed(j) => {
                    count[at(j) + 1] += 1;
                    b.push(lower[j]);
                }
                Origin::Upper(j) => {
                    count[at(j) + 1] += 1;
                    b.push(upper[j]);
                }
                Origin::Lower(j) => {
                    count[at(j) + 1] += 1;
                    b.push(-lower[j]);
                }
            }
        }
        for k in 0..nc {
            count[k + 1] += count[k];
        }
        let colptr = count;
        let nnz = colptr[nc];
        // Pass 2: fill in conic-row order (sorted row indices within each column).
        let mut next: Vec<usize> = colptr[..nc].to_vec();
        let mut rowval = vec![0usize; nnz];
        let mut nzval = vec![0.0f64; nnz];
        let mut put = |k: usize, i: usize, v: f64| {
            let e = next[k];
            rowval[e] = i;
            nzval[e] = v;
            next[k] += 1;
        };
        for (i, o) in origins().enumerate() {
            match o {
                Origin::Row(r, sign) => {
                    let (cols, coefs) = model.row_entries(r).unwrap_or((&[], &[]));
                    for (&c, &a) in cols.iter().zip(coefs) {
                        if let Some(k) = col[c] {
                            put(k, i, sign * a);
                        }
                    }
                }
                Origin::Fixed(j) | Origin::Upper(j) => put(at(j), i, 1.0),
                Origin::Lower(j) => put(at(j), i, -1.0),
            }
        }
        let a = CscMatrix::new(m, nc, colptr, rowval, nzval);
        let p = CscMatrix::<f64>::zeros((nc, nc));
        let costs = model.costs();
        let q: Vec<f64> = (0..n)
            .filter(|&j| col[j].is_some())
            .map(|j| costs[j])
            .collect();
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
        // A static regularisation of 1e-10 instead of clarabel's 1e-8 keeps each KKT solve
        // accurate without iterative refinement (see the module documentation).
        builder
            .static_regularization_constant(1e-10)
            .iterative_refinement_enable(false);
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
            solver_cols: nc,
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
            let fixed_side = |j: usize, z: f64| {
                if z >= 0.0 {
                    ConflictItem::Upper(Var(j))
                } else {
                    ConflictItem::Lower(Var(j))
                }
            };
            let mut found: Vec<(ConflictItem, f64)> = origins()
                .zip(&z)
                .map(|(o, &z)| {
                    let item = match o {
                        Origin::Row(r, _) => ConflictItem::Row(Row(r)),
                        Origin::Upper(j) => ConflictItem::Upper(Var(j)),
                        Origin::Lower(j) => ConflictItem::Lower(Var(j)),
                        Origin::Fixed(j) => fixed_side(j, z),
                    };
                    (item, z)
                })
                .collect();
            if substitute {
                // A substituted column's own zero-cone row would have carried the multiplier
                // that closes `Aᵀz = 0` on its column: minus what the rows put there.
                let mut carried = vec![0.0; n];
                for (o, &z) in origins().zip(&z) {
                    if let Origin::Row(r, sign) = o {
                        let (cols, coefs) = model.row_entries(r).unwrap_or((&[], &[]));
                        for (&c, &a) in cols.iter().zip(coefs) {
                            if col[c].is_none() {
                                carried[c] += sign * a * z;
                            }
                        }
                    }
                }
                found.extend(
                    (0..n)
                        .filter(|&j| col[j].is_none())
                        .map(|j| (fixed_side(j, -carried[j]), -carried[j])),
                );
            }
            let zmax = found.iter().fold(0.0_f64, |acc, (_, z)| acc.max(z.abs()));
            if zmax > 0.0 {
                let mut items: Vec<Conflict> = found
                    .into_iter()
                    .filter(|(_, z)| z.abs() > 1e-3 * zmax)
                    .map(|(item, z)| Conflict {
                        item,
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
            let x = std::mem::take(&mut sol.x);
            (0..n)
                .map(|j| col[j].and_then(|k| x.get(k).copied()).unwrap_or(lower[j]))
                .collect()
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

/// The model's rows once the substituted columns are moved to the right-hand side.
struct ReducedRows {
    /// Right-hand side of each row, net of the substituted columns' values.
    rhs: Vec<f64>,
    /// False for a row whose columns are all substituted and which holds (left out).
    keep: Vec<bool>,
    /// The first row whose columns are all substituted and which does not hold.
    broken: Option<usize>,
}

/// Moves the substituted columns (`col[j] == None`) of every row into its right-hand side.
fn reduce_rows(model: &Model, col: &[Option<usize>], substitute: bool) -> ReducedRows {
    let senses = model.senses();
    let mut rhs = model.rhs_values().to_vec();
    let mut keep = vec![true; rhs.len()];
    let mut broken = None;
    if !substitute {
        return ReducedRows { rhs, keep, broken };
    }
    let lower = model.lower_bounds();
    for (r, (b, k)) in rhs.iter_mut().zip(keep.iter_mut()).enumerate() {
        let (cols, coefs) = model.row_entries(r).unwrap_or((&[], &[]));
        let mut free = false;
        let mut scale = b.abs();
        for (&c, &a) in cols.iter().zip(coefs) {
            match col.get(c).copied().flatten() {
                Some(_) => free = true,
                None => {
                    let v = a * lower.get(c).copied().unwrap_or(0.0);
                    *b -= v;
                    scale += v.abs();
                }
            }
        }
        if !free && !cols.is_empty() {
            // Nothing left to decide: the row holds (to rounding) or the model cannot.
            let tol = 1e-9 * (1.0 + scale);
            let holds = match senses.get(r) {
                Some(Sense::Eq) => b.abs() <= tol,
                Some(Sense::Le) => *b >= -tol,
                _ => *b <= tol,
            };
            *k = false;
            if !holds && broken.is_none() {
                broken = Some(r);
            }
        }
    }
    ReducedRows { rhs, keep, broken }
}

/// The outcome of a model one of whose rows holds only fixed columns and cannot hold: the
/// row and those columns' bounds are the conflict.
fn broken_row(model: &Model, r: usize, rhs: &[f64], setup_seconds: f64) -> Outcome {
    let (cols, coefs) = model.row_entries(r).unwrap_or((&[], &[]));
    // Activity above the right-hand side: what the columns' values push up is in conflict
    // (a positive coefficient's lower bound, a negative one's upper bound).
    let too_high = rhs.get(r).is_some_and(|&b| b < 0.0);
    let largest = coefs.iter().fold(0.0_f64, |acc, a| acc.max(a.abs()));
    let mut conflict = vec![Conflict {
        item: ConflictItem::Row(Row(r)),
        weight: 1.0,
    }];
    conflict.extend(cols.iter().zip(coefs).map(|(&c, &a)| Conflict {
        item: if (a > 0.0) == too_high {
            ConflictItem::Lower(Var(c))
        } else {
            ConflictItem::Upper(Var(c))
        },
        weight: if largest > 0.0 {
            a.abs() / largest
        } else {
            1.0
        },
    }));
    conflict.truncate(20);
    Outcome {
        termination: Termination::Infeasible,
        objective: None,
        primal: vec![],
        dual: vec![0.0; model.num_rows()],
        conflict,
        report: SolveReport {
            solver: "clarabel",
            iterations: 0,
            setup_seconds,
            solve_seconds: 0.0,
            solver_rows: 0,
            solver_cols: 0,
            solver_nonzeros: 0,
            mip_gap: None,
        },
    }
}

/// Solves `m` with clarabel's defaults, for the tests of this crate.
#[cfg(test)]
pub(crate) fn solve(m: &Model) -> Outcome {
    Clarabel::default()
        .solve(m, &SolverOptions::default())
        .unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn fixed_columns_are_left_out_and_still_named_in_conflicts() {
        // x fixed at 3, y ≤ 1: x + y ≥ 5 cannot hold; the solver sees y alone.
        let mut m = Model::new();
        let x = m.add_vars("pem-input_kwh", 1, |_| (3.0, 3.0));
        let y = m.add_vars("grid-import_kwh", 1, |_| (0.0, 1.0));
        m.begin_rows("bus-balance");
        let r = m
            .add_row(0, [(x.at(0), 1.0), (y.at(0), 1.0)], Sense::Ge, 5.0)
            .unwrap();
        let o = solve(&m);
        assert_eq!(o.termination, Termination::Infeasible);
        let items: Vec<_> = o.conflict.iter().map(|c| c.item).collect();
        assert!(items.contains(&ConflictItem::Row(r)), "{:?}", o.conflict);
        assert!(
            items.contains(&ConflictItem::Upper(y.at(0))),
            "{:?}",
            o.conflict
        );
        assert!(
            items.contains(&ConflictItem::Upper(x.at(0))),
            "the fixed column's value is part of the conflict: {:?}",
            o.conflict
        );
        // Feasible: x + y ≥ 3.5 with y priced: y = 0.5, x stays 3, the row's dual is y's
        // price, and clarabel saw one column.
        let mut m = Model::new();
        let x = m.add_vars("x", 1, |_| (3.0, 3.0));
        let y = m.add_vars("y", 1, |_| (0.0, 1.0));
        m.add_cost(y.at(0), 2.0);
        m.add_cost(x.at(0), 1.0);
        let r = m
            .add_row(0, [(x.at(0), 1.0), (y.at(0), 1.0)], Sense::Ge, 3.5)
            .unwrap();
        let o = solve(&m);
        assert_eq!(o.termination, Termination::Optimal);
        assert!((o.primal[0] - 3.0).abs() < 1e-12 && (o.primal[1] - 0.5).abs() < 1e-7);
        assert!((o.objective.unwrap() - 4.0).abs() < 1e-7);
        assert!((o.dual[r.index()] - 2.0).abs() < 1e-6, "{:?}", o.dual);
        assert_eq!(o.report.solver_cols, 1);
    }

    #[test]
    fn a_row_of_fixed_columns_only_holds_or_is_the_conflict() {
        let model = |rhs: f64| {
            let mut m = Model::new();
            let x = m.add_vars("x", 2, |t| if t == 0 { (2.0, 2.0) } else { (0.0, 9.0) });
            let y = m.add_vars("y", 1, |_| (0.1, 0.1));
            m.add_cost(x.at(1), 1.0);
            m.begin_rows("fixed");
            let r = m
                .add_row(0, [(x.at(0), 1.0), (y.at(0), 3.0)], Sense::Eq, rhs)
                .unwrap();
            m.add_row(1, [(x.at(1), 1.0)], Sense::Ge, 1.0).unwrap();
            (m, r, x)
        };
        // 2 + 3 × 0.1 = 2.3 holds (to rounding): the row is left out, its dual is 0.
        let (m, r, _) = model(2.3);
        let o = solve(&m);
        assert_eq!(o.termination, Termination::Optimal);
        assert!((o.objective.unwrap() - 1.0).abs() < 1e-7);
        assert_eq!(o.dual[r.index()], 0.0);
        // 2.5 cannot hold: the row and its columns' values are the conflict, row first.
        let (m, r, x) = model(2.5);
        let o = solve(&m);
        assert_eq!(o.termination, Termination::Infeasible);
        assert_eq!(
            o.conflict.first().map(|c| c.item),
            Some(ConflictItem::Row(r))
        );
        assert!(
            o.conflict
                .iter()
                .any(|c| c.item == ConflictItem::Upper(x.at(0))),
            "{:?}",
            o.conflict
        );
    }
}

//! The solver-independent linear program: variables in named blocks with column bounds, linear
//! constraints (=, ≤, ≥) as sparse rows in named groups, and a linear objective to minimise.
//!
//! Names follow `{component}-{attr}` and every variable or row carries a step index, so a
//! result maps back by name: the variable block `b1-charge_kwh` holds one column per step, and
//! [`Model::var_name`] of its column 12 is `b1-charge_kwh[12]`.
//!
//! Rows are stored flat (compressed sparse rows: one start offset per row, one column and one
//! coefficient per entry), so building a model of a million entries makes a few large
//! allocations, not one per row. Bounds are column bounds, never rows; a back end turns them
//! into whatever its solver needs.
//!
//! A column is continuous unless added by [`Model::add_int_vars`] or [`Model::add_bin_vars`]:
//! a model with integer columns is a MILP, which only a back end that supports integrality
//! (HiGHS) solves; the others refuse it ([`crate::lp::LpError::IntegerColumns`]) unless told
//! to solve the relaxation.

use crate::lp::LpError;

/// A column of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Var(pub(crate) usize);

impl Var {
    /// Index of the column in the model (position in [`crate::Outcome::primal`]).
    pub fn index(self) -> usize {
        self.0
    }
}

/// A row of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Row(pub(crate) usize);

impl Row {
    /// Index of the row in the model (position in [`crate::Outcome::dual`]).
    pub fn index(self) -> usize {
        self.0
    }
}

/// A block of consecutive columns sharing one name, one column per step (`first + step`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VarBlock {
    first: usize,
    len: usize,
}

impl VarBlock {
    /// The column of `step`, or `None` past the block.
    pub fn get(&self, step: usize) -> Option<Var> {
        (step < self.len).then_some(Var(self.first + step))
    }

    /// The column of `step`. Indices past the block are clamped to its last column; callers
    /// iterate `0..len()`, and [`Model::add_row`] rejects columns outside the model.
    pub fn at(&self, step: usize) -> Var {
        Var(self.first + step.min(self.len.saturating_sub(1)))
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for an empty block.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// This block's values in a primal vector (empty if the vector is too short).
    pub fn values<'v>(&self, primal: &'v [f64]) -> &'v [f64] {
        primal.get(self.first..self.first + self.len).unwrap_or(&[])
    }
}

/// The relation of a row: `Σ a·x  (= | ≤ | ≥)  rhs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sense {
    /// `Σ a·x = rhs`.
    Eq,
    /// `Σ a·x ≤ rhs`.
    Le,
    /// `Σ a·x ≥ rhs`.
    Ge,
}

impl Sense {
    /// The symbol: "=", "≤" or "≥".
    pub fn symbol(self) -> &'static str {
        match self {
            Sense::Eq => "=",
            Sense::Le => "≤",
            Sense::Ge => "≥",
        }
    }
}

#[derive(Debug, Clone)]
struct Group {
    name: String,
    first: usize,
}

/// A linear program: minimise `c·x + constant` subject to rows and column bounds.
#[derive(Debug, Clone, Default)]
pub struct Model {
    var_groups: Vec<Group>,
    lower: Vec<f64>,
    upper: Vec<f64>,
    integer: Vec<bool>,
    cost: Vec<f64>,
    constant: f64,
    row_groups: Vec<Group>,
    row_step: Vec<usize>,
    row_start: Vec<usize>,
    cols: Vec<usize>,
    coefs: Vec<f64>,
    sense: Vec<Sense>,
    rhs: Vec<f64>,
    scratch: Vec<(usize, f64)>,
}

impl Model {
    /// An empty model.
    pub fn new() -> Model {
        Model {
            row_start: vec![0],
            ..Model::default()
        }
    }

    /// Number of columns.
    pub fn num_vars(&self) -> usize {
        self.lower.len()
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.sense.len()
    }

    /// Number of nonzero coefficients in the rows.
    pub fn num_nonzeros(&self) -> usize {
        self.coefs.len()
    }

    /// Adds a block named `name` of `len` columns; `bounds(step)` gives each column's
    /// `(lower, upper)` (infinite for none). Objective coefficients start at 0.
    pub fn add_vars(
        &mut self,
        name: impl Into<String>,
        len: usize,
        bounds: impl FnMut(usize) -> (f64, f64),
    ) -> VarBlock {
        self.add_block(name.into(), len, bounds, false)
    }

    /// Adds a block of integer columns (a MILP: see the module documentation); `bounds` as
    /// in [`Model::add_vars`].
    pub fn add_int_vars(
        &mut self,
        name: impl Into<String>,
        len: usize,
        bounds: impl FnMut(usize) -> (f64, f64),
    ) -> VarBlock {
        self.add_block(name.into(), len, bounds, true)
    }

    /// Adds a block of binary columns (integer in `[0, 1]`).
    pub fn add_bin_vars(&mut self, name: impl Into<String>, len: usize) -> VarBlock {
        self.add_block(name.into(), len, |_| (0.0, 1.0), true)
    }

    /// True when the column must take an integer value.
    pub fn is_integer(&self, var: Var) -> bool {
        self.integer.get(var.0).copied().unwrap_or(false)
    }

    /// Number of integer (and binary) columns: 0 for a linear program.
    pub fn num_integer_vars(&self) -> usize {
        self.integer.iter().filter(|&&i| i).count()
    }

    /// One flag per column: true for an integer column.
    pub fn integrality(&self) -> &[bool] {
        &self.integer
    }

    fn add_block(
        &mut self,
        name: String,
        len: usize,
        mut bounds: impl FnMut(usize) -> (f64, f64),
        integer: bool,
    ) -> VarBlock {
        let first = self.lower.len();
        self.var_groups.push(Group { name, first });
        for step in 0..len {
            let (lo, hi) = bounds(step);
            self.lower.push(lo);
            self.upper.push(hi);
            self.integer.push(integer);
            self.cost.push(0.0);
        }
        VarBlock { first, len }
    }

    /// Adds `c` to the objective coefficient of `var` (ignored for a column outside the
    /// model, which [`Model::validate`] cannot see: blocks come from this model).
    pub fn add_cost(&mut self, var: Var, c: f64) {
        if let Some(x) = self.cost.get_mut(var.0) {
            *x += c;
        }
    }

    /// Adds a constant to the objective.
    pub fn add_constant(&mut self, c: f64) {
        self.constant += c;
    }

    /// Starts a group of rows named `name`; the following [`Model::add_row`] calls belong to
    /// it until the next group.
    pub fn begin_rows(&mut self, name: impl Into<String>) {
        self.row_groups.push(Group {
            name: name.into(),
            first: self.sense.len(),
        });
    }

    /// Adds the row `Σ coef·var  sense  rhs` for `step` to the current group (a group named
    /// "rows" is opened if none is). Repeated columns are merged; zero coefficients dropped.
    pub fn add_row(
        &mut self,
        step: usize,
        terms: impl IntoIterator<Item = (Var, f64)>,
        sense: Sense,
        rhs: f64,
    ) -> Result<Row, LpError> {
        if self.row_groups.is_empty() {
            self.begin_rows("rows");
        }
        let row = self.sense.len();
        self.scratch.clear();
        for (v, a) in terms {
            if v.0 >= self.lower.len() {
                return Err(LpError::UnknownColumn {
                    row: self.row_label(row, step),
                    column: v.0,
                });
            }
            self.scratch.push((v.0, a));
        }
        self.scratch.sort_unstable_by_key(|&(c, _)| c);
        let mut last: Option<usize> = None;
        for &(c, a) in &self.scratch {
            if last == Some(c) {
                if let Some(x) = self.coefs.last_mut() {
                    *x += a;
                }
            } else {
                self.cols.push(c);
                self.coefs.push(a);
                last = Some(c);
            }
        }
        // Drop zeros (after merging).
        let start = self.row_start.last().copied().unwrap_or(0);
        let mut keep = start;
        for k in start..self.cols.len() {
            if self.coefs[k] != 0.0 {
                self.cols[keep] = self.cols[k];
                self.coefs[keep] = self.coefs[k];
                keep += 1;
            }
        }
        self.cols.truncate(keep);
        self.coefs.truncate(keep);
        self.row_start.push(keep);
        self.sense.push(sense);
        self.rhs.push(rhs);
        self.row_step.push(step);
        Ok(Row(row))
    }

    /// Column bounds `(lower, upper)`.
    pub fn bounds(&self, var: Var) -> (f64, f64) {
        (
            self.lower.get(var.0).copied().unwrap_or(f64::NEG_INFINITY),
            self.upper.get(var.0).copied().unwrap_or(f64::INFINITY),
        )
    }

    /// Objective coefficients, one per column.
    pub fn costs(&self) -> &[f64] {
        &self.cost
    }

    /// Lower bounds, one per column.
    pub fn lower_bounds(&self) -> &[f64] {
        &self.lower
    }

    /// Upper bounds, one per column.
    pub fn upper_bounds(&self) -> &[f64] {
        &self.upper
    }

    /// Constant term of the objective.
    pub fn objective_constant(&self) -> f64 {
        self.constant
    }

    /// The entries `(column, coefficient)` of a row, its sense and its right-hand side.
    #[allow(clippy::type_complexity)] // (terms, sense, rhs): read once, destructured.
    pub fn row(&self, row: Row) -> Option<(Vec<(Var, f64)>, Sense, f64)> {
        let (cols, coefs) = self.row_entries(row.0)?;
        Some((
            cols.iter().zip(coefs).map(|(&c, &a)| (Var(c), a)).collect(),
            *self.sense.get(row.0)?,
            *self.rhs.get(row.0)?,
        ))
    }

    /// Changes a column's bounds (a sizing model frees the bounds its capacity rows hold).
    pub(crate) fn set_bounds(&mut self, var: Var, lower: f64, upper: f64) {
        if let (Some(l), Some(u)) = (self.lower.get_mut(var.0), self.upper.get_mut(var.0)) {
            *l = lower;
            *u = upper;
        }
    }

    pub(crate) fn row_entries(&self, row: usize) -> Option<(&[usize], &[f64])> {
        let a = *self.row_start.get(row)?;
        let b = *self.row_start.get(row + 1)?;
        Some((self.cols.get(a..b)?, self.coefs.get(a..b)?))
    }

    pub(crate) fn senses(&self) -> &[Sense] {
        &self.sense
    }

    pub(crate) fn rhs_values(&self) -> &[f64] {
        &self.rhs
    }

    /// Objective value `c·x + constant` of a primal vector.
    pub fn objective_value(&self, primal: &[f64]) -> f64 {
        self.cost
            .iter()
            .zip(primal)
            .map(|(c, x)| c * x)
            .sum::<f64>()
            + self.constant
    }

    /// Looks up a block of columns by name.
    pub fn var_block(&self, name: &str) -> Option<VarBlock> {
        let k = self.var_groups.iter().position(|g| g.name == name)?;
        let first = self.var_groups[k].first;
        let end = self
            .var_groups
            .get(k + 1)
            .map_or(self.lower.len(), |g| g.first);
        Some(VarBlock {
            first,
            len: end - first,
        })
    }

    /// `name[step]` of a column, e.g. `b1-charge_kwh[12]`.
    pub fn var_name(&self, var: Var) -> String {
        let k = self.var_groups.partition_point(|g| g.first <= var.0);
        match k.checked_sub(1).and_then(|k| self.var_groups.get(k)) {
            Some(g) => format!("{}[{}]", g.name, var.0 - g.first),
            None => format!("x{}", var.0),
        }
    }

    /// The name of a row's group and the row's step, e.g. `("bus-balance", 17)`.
    pub fn row_name(&self, row: Row) -> Option<(&str, usize)> {
        let k = self.row_groups.partition_point(|g| g.first <= row.0);
        let g = self.row_groups.get(k.checked_sub(1)?)?;
        Some((g.name.as_str(), *self.row_step.get(row.0)?))
    }

    fn row_label(&self, row: usize, step: usize) -> String {
        let k = self.row_groups.partition_point(|g| g.first <= row);
        match k.checked_sub(1).and_then(|k| self.row_groups.get(k)) {
            Some(g) => format!("{}[{step}]", g.name),
            None => format!("row {row}"),
        }
    }

    /// `group[step]` of a row.
    pub fn row_label_of(&self, row: Row) -> String {
        self.row_label(row.0, self.row_step.get(row.0).copied().unwrap_or(0))
    }

    /// Checks that every number is usable: bounds not NaN with `lower ≤ upper` (infinite
    /// allowed), coefficients, costs and right-hand sides finite.
    pub fn validate(&self) -> Result<(), LpError> {
        for (j, (&lo, &hi)) in self.lower.iter().zip(&self.upper).enumerate() {
            if lo.is_nan()
                || hi.is_nan()
                || lo > hi
                || lo == f64::INFINITY
                || hi == f64::NEG_INFINITY
            {
                return Err(LpError::Bounds {
                    var: self.var_name(Var(j)),
                    lower: lo,
                    upper: hi,
                });
            }
        }
        for (j, c) in self.cost.iter().enumerate() {
            if !c.is_finite() {
                return Err(LpError::NotFinite {
                    what: format!("objective coefficient of {}", self.var_name(Var(j))),
                    value: *c,
                });
            }
        }
        if !self.constant.is_finite() {
            return Err(LpError::NotFinite {
                what: "objective constant".into(),
                value: self.constant,
            });
        }
        for r in 0..self.num_rows() {
            let (cols, coefs) = self.row_entries(r).unwrap_or((&[], &[]));
            for (c, a) in cols.iter().zip(coefs) {
                if !a.is_finite() {
                    return Err(LpError::NotFinite {
                        what: format!(
                            "coefficient of {} in row {}",
                            self.var_name(Var(*c)),
                            self.row_label_of(Row(r))
                        ),
                        value: *a,
                    });
                }
            }
            let b = self.rhs[r];
            if !b.is_finite() {
                return Err(LpError::NotFinite {
                    what: format!("right-hand side of row {}", self.row_label_of(Row(r))),
                    value: b,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_merge_repeated_columns_and_names_map_back() {
        let mut m = Model::new();
        let x = m.add_vars("b1-charge_kwh", 3, |_| (0.0, 1.0));
        let y = m.add_vars("grid-import_kwh", 2, |t| (0.0, t as f64));
        m.begin_rows("bus-balance");
        let r = m
            .add_row(
                1,
                [
                    (x.at(1), 1.0),
                    (y.at(0), 2.0),
                    (x.at(1), 0.5),
                    (y.at(1), 0.0),
                ],
                Sense::Eq,
                3.0,
            )
            .unwrap();
        let (terms, sense, rhs) = m.row(r).unwrap();
        assert_eq!(terms, vec![(x.at(1), 1.5), (y.at(0), 2.0)]);
        assert_eq!((sense, rhs), (Sense::Eq, 3.0));
        assert_eq!(m.var_name(y.at(1)), "grid-import_kwh[1]");
        assert_eq!(m.var_name(x.at(0)), "b1-charge_kwh[0]");
        assert_eq!(m.row_label_of(r), "bus-balance[1]");
        assert_eq!(m.var_block("grid-import_kwh"), Some(y));
        assert_eq!(m.bounds(y.at(1)), (0.0, 1.0));
        assert!(
            m.add_row(0, [(Var(99), 1.0)], Sense::Le, 0.0).is_err(),
            "unknown column"
        );
    }

    #[test]
    fn validation_names_the_bad_number() {
        let mut m = Model::new();
        m.add_vars("pv-curtailed_kwh", 2, |t| {
            (0.0, if t == 1 { -1.0 } else { 1.0 })
        });
        let e = m.validate().unwrap_err().to_string();
        assert!(e.contains("pv-curtailed_kwh[1]"), "{e}");
    }
}

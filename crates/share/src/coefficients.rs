//! The coefficient file the PMO sends the grid operator: for every step and consumer, the
//! share of the step's total production allocated to that consumer, in percent floored to
//! 0.1 % (so each step sums to at most 100 %), and the energy lost to that rounding.
//!
//! From any [`Allocation`]: `k_i = allocated_i / P` (0 when `P = 0`), floored to a whole number
//! of tenths of a percent. The grid operator then allocates `min(C_i, P × k'_i)`; the energy
//! lost to rounding is `allocated_i − min(C_i, P × k'_i)` (becomes surplus), at most
//! 0.1 % of P per consumer and step.

use std::sync::Arc;

use quartier_timeseries::Axis;

use crate::{Allocation, MemberId};

/// Floored coefficients (tenths of a percent) and the energy lost to rounding.
#[derive(Debug, Clone, PartialEq)]
pub struct CoefficientFile {
    axis: Axis,
    consumers: Arc<[MemberId]>,
    tenths: Vec<u16>,
    lost_kwh: Vec<f64>,
    lost_by_consumer_kwh: Vec<f64>,
}

/// Computes the coefficient file of an allocation.
pub fn coefficient_file(allocation: &Allocation) -> CoefficientFile {
    let axis = *allocation.axis();
    let consumers: Arc<[MemberId]> = allocation.consumers().into();
    let nc = consumers.len();
    let mut tenths = vec![0u16; axis.len() * nc];
    let mut lost_kwh = vec![0.0; axis.len()];
    let mut lost_by_consumer_kwh = vec![0.0; nc];
    let mut a_row = vec![0.0; nc];
    for ((t, k_row), lost) in tenths
        .chunks_exact_mut(nc.max(1))
        .enumerate()
        .zip(&mut lost_kwh)
    {
        let p = allocation.total_production_kwh(t);
        if p <= 0.0 {
            continue;
        }
        // One step's allocations at a time: the whole matrix is never built here.
        allocation.fill_row(t, &mut a_row);
        let mut sum: u32 = 0;
        for (k, &a) in k_row.iter_mut().zip(&a_row) {
            // 1e-9 absorbs a quotient computed a hair below a whole tenth (0.3 → 299.99999…).
            let x = (a / p * 1000.0 + 1e-9).floor().clamp(0.0, 1000.0);
            *k = x as u16;
            sum += u32::from(*k);
        }
        // Σ floor(x_i) ≤ floor(Σ x_i + n·1e-9) = 1000 for any valid allocation; enforce anyway.
        while sum > 1000 {
            if let Some(k) = k_row.iter_mut().max() {
                *k -= 1;
                sum -= 1;
            } else {
                break;
            }
        }
        let c = allocation.consumption_row(t);
        for (((&k, &a), &c), by) in k_row
            .iter()
            .zip(&a_row)
            .zip(c)
            .zip(&mut lost_by_consumer_kwh)
        {
            let floored = c.min(p * f64::from(k) / 1000.0);
            let l = (a - floored).max(0.0);
            *lost += l;
            *by += l;
        }
    }
    CoefficientFile {
        axis,
        consumers,
        tenths,
        lost_kwh,
        lost_by_consumer_kwh,
    }
}

impl CoefficientFile {
    /// The axis.
    pub fn axis(&self) -> &Axis {
        &self.axis
    }

    /// Consumer ids (column order).
    pub fn consumers(&self) -> &[MemberId] {
        &self.consumers
    }

    /// Coefficient of consumer `i` at step `t` in tenths of a percent (0–1000).
    pub fn tenths_of_percent(&self, t: usize, i: usize) -> u16 {
        if i >= self.consumers.len() {
            return 0;
        }
        self.tenths
            .get(t * self.consumers.len() + i)
            .copied()
            .unwrap_or(0)
    }

    /// Coefficient of consumer `i` at step `t` in percent (a multiple of 0.1).
    pub fn percent(&self, t: usize, i: usize) -> f64 {
        f64::from(self.tenths_of_percent(t, i)) / 10.0
    }

    /// Coefficients of every consumer at step `t`, tenths of a percent.
    pub fn row(&self, t: usize) -> &[u16] {
        let n = self.consumers.len();
        self.tenths.get(t * n..(t + 1) * n).unwrap_or(&[])
    }

    /// Sum of step `t`'s coefficients, tenths of a percent (≤ 1000).
    pub fn step_sum_tenths(&self, t: usize) -> u32 {
        self.row(t).iter().map(|&k| u32::from(k)).sum()
    }

    /// Energy lost to rounding at step `t`, kWh.
    pub fn lost_kwh(&self, t: usize) -> f64 {
        self.lost_kwh.get(t).copied().unwrap_or(0.0)
    }

    /// Energy lost to rounding over the axis, kWh.
    pub fn total_lost_kwh(&self) -> f64 {
        self.lost_kwh.iter().sum()
    }

    /// Energy consumer `i` loses to rounding over the axis, kWh.
    pub fn lost_by_consumer_kwh(&self, i: usize) -> f64 {
        self.lost_by_consumer_kwh.get(i).copied().unwrap_or(0.0)
    }
}

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
        for (k, &a) in k_row.iter_mut().zip(&a_row) {
            *k = tenths_of(a / p);
        }
        // Σ floor(x_i) ≤ floor(Σ x_i + n·1e-9) = 1000 for any valid allocation; enforce anyway.
        cap_at_whole(k_row);
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

/// The full dynamic key's coefficient file of some steps: for every step, producer and
/// consumer, the share of that producer's production allocated to that consumer, in tenths of
/// a percent floored (each producer's row sums to at most 100 %), and the energy lost to that
/// rounding.
///
/// From any [`Allocation`]: `k_{p,i} = pair_{p,i} / P_p` (0 when `P_p = 0`, see
/// [`Allocation::pair_kwh`]), floored to a whole number of tenths of a percent. The grid
/// operator then gives consumer `i` `min(C_i, Σ_p P_p × k'_{p,i})`; the energy lost is what the
/// allocation gave above that, at most 0.1 % of each producer's production per consumer and
/// step.
#[derive(Debug, Clone, PartialEq)]
pub struct PairCoefficientFile {
    axis: Axis,
    steps: std::ops::Range<usize>,
    producers: Arc<[MemberId]>,
    consumers: Arc<[MemberId]>,
    tenths: Vec<u16>,
    lost_kwh: Vec<f64>,
}

/// Floors `x` (a share, 0–1) to tenths of a percent; 1e-9 absorbs a quotient computed a hair
/// below a whole tenth (0.3 → 299.99999…).
fn tenths_of(x: f64) -> u16 {
    (x * 1000.0 + 1e-9).floor().clamp(0.0, 1000.0) as u16
}

/// Lowers the largest coefficients of `row` until it sums to at most 1000 tenths.
fn cap_at_whole(row: &mut [u16]) {
    let mut sum: u32 = row.iter().map(|&k| u32::from(k)).sum();
    while sum > 1000 {
        match row.iter_mut().max() {
            Some(k) if *k > 0 => {
                *k -= 1;
                sum -= 1;
            }
            _ => break,
        }
    }
}

/// Computes the full dynamic key's coefficient file of `allocation` over `steps` (clamped to
/// its axis).
pub fn pair_coefficient_file(
    allocation: &Allocation,
    steps: std::ops::Range<usize>,
) -> PairCoefficientFile {
    let axis = *allocation.axis();
    let steps = steps.start.min(axis.len())..steps.end.min(axis.len());
    let producers: Arc<[MemberId]> = allocation.producers().into();
    let consumers: Arc<[MemberId]> = allocation.consumers().into();
    let (np, nc) = (producers.len(), consumers.len());
    let mut tenths = vec![0u16; steps.len() * np * nc];
    let mut lost_kwh = vec![0.0; steps.len()];
    let mut granted = vec![0.0; nc];
    for (s, t) in steps.clone().enumerate() {
        granted.iter_mut().for_each(|g| *g = 0.0);
        for p in 0..np {
            let prod = allocation.production_kwh(t, p);
            if prod <= 0.0 {
                continue;
            }
            let at = (s * np + p) * nc;
            let Some(row) = tenths.get_mut(at..at + nc) else {
                continue;
            };
            for (i, k) in row.iter_mut().enumerate() {
                *k = tenths_of(allocation.pair_kwh(t, p, i) / prod);
            }
            cap_at_whole(row);
            for (g, &k) in granted.iter_mut().zip(row.iter()) {
                *g += prod * f64::from(k) / 1000.0;
            }
        }
        if let Some(lost) = lost_kwh.get_mut(s) {
            *lost = (0..nc)
                .map(|i| {
                    let got = allocation.consumption_kwh(t, i).min(granted[i]);
                    (allocation.allocated_kwh(t, i) - got).max(0.0)
                })
                .sum();
        }
    }
    PairCoefficientFile {
        axis,
        steps,
        producers,
        consumers,
        tenths,
        lost_kwh,
    }
}

impl PairCoefficientFile {
    /// The axis of the allocation.
    pub fn axis(&self) -> &Axis {
        &self.axis
    }

    /// The steps the file covers.
    pub fn steps(&self) -> std::ops::Range<usize> {
        self.steps.clone()
    }

    /// Producer order.
    pub fn producers(&self) -> &[MemberId] {
        &self.producers
    }

    /// Consumer order.
    pub fn consumers(&self) -> &[MemberId] {
        &self.consumers
    }

    /// The coefficients of producer `p` at step `t` (one of [`Self::steps`]), tenths of a
    /// percent per consumer; empty outside.
    pub fn row(&self, t: usize, p: usize) -> &[u16] {
        let nc = self.consumers.len();
        if !self.steps.contains(&t) || p >= self.producers.len() {
            return &[];
        }
        let at = ((t - self.steps.start) * self.producers.len() + p) * nc;
        self.tenths.get(at..at + nc).unwrap_or(&[])
    }

    /// Energy lost to rounding at step `t`, kWh.
    pub fn lost_kwh(&self, t: usize) -> f64 {
        t.checked_sub(self.steps.start)
            .and_then(|s| self.lost_kwh.get(s))
            .copied()
            .unwrap_or(0.0)
    }

    /// Energy lost to rounding over the steps, kWh.
    pub fn total_lost_kwh(&self) -> f64 {
        self.lost_kwh.iter().sum()
    }
}

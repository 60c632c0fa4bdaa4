//! The allocation pass: [`allocate`] shares each step's production among consumers with a
//! [`Key`] and returns an [`Allocation`] (per step and member: consumption, allocated,
//! complement; per producer: production, allocated, surplus; per producer × consumer pair).
//!
//! **Several producers.** The pooled keys (default, static, priority, custom per consumer)
//! share the step's total production `P = Σ_p P_p`. Each producer then supplies every
//! consumer in proportion to its share of production: `pair_{p,i} = allocated_i × P_p / P`,
//! so `Σ_p pair_{p,i} = allocated_i ≤ C_i` and `Σ_i pair_{p,i} = P_p × Σ allocated / P ≤ P_p`
//! (every producer has the same self-consumed fraction). A per-pair custom key shares each
//! producer's own production: `offer_{p,i} = P_p × k_{p,i}`; when a consumer is offered
//! more than it consumes (`Σ_p offer_{p,i} > C_i`) every offer to it is scaled by
//! `C_i / Σ_p offer_{p,i}` (no producer is favoured; the order of producers does not matter);
//! `allocated_i = Σ_p pair_{p,i}` and each producer's surplus is what its consumers did not
//! take.
//!
//! **Computation.** Steps are independent: the matrices are step-major and are cut into
//! chunks of [`CHUNK_STEPS`] steps; each chunk is computed by the same sequential code with
//! its own scratch buffers (no allocation per step), by one thread ([`Threads::Single`]) or
//! by rayon's pool ([`Threads::Rayon`]); both give bit-identical results.
//!
//! **Invariants**, checked at every step inside the allocation pass while the step is in
//! cache (an [`ShareError::Invariant`] would be a bug; [`Allocation::check_invariants`]
//! re-checks a whole allocation) and property-tested, within [`tolerance_kwh`]: `0 ≤ allocated_i ≤ C_i`,
//! `Σ allocated ≤ P`, `surplus_p = P_p − allocated_p ≥ 0`, `complement_i = C_i − allocated_i
//! ≥ 0`, `Σ_p allocated_p = Σ_i allocated_i`.

use std::sync::Arc;

use quartier_timeseries::{Axis, Quantity, Series};
use rayon::prelude::*;

use crate::community::row;
use crate::key::{CustomKey, Resolved, SUM_TOLERANCE};
use crate::{Community, Key, MemberId, ShareError, StepTime};

/// Steps per unit of work (chunk) of the allocation pass.
pub const CHUNK_STEPS: usize = 512;

/// Absolute tolerance of the invariant checks, kWh.
pub const TOLERANCE_KWH: f64 = 1e-9;

/// The tolerance used at a step whose largest energy is `scale_kwh`: [`TOLERANCE_KWH`], or
/// 1e-12 relative to `scale_kwh` when that is larger (sums of thousands of MWh-sized terms).
pub fn tolerance_kwh(scale_kwh: f64) -> f64 {
    TOLERANCE_KWH.max(scale_kwh.abs() * 1e-12)
}

/// Who computes the chunks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Threads {
    /// The calling thread, chunk after chunk.
    Single,
    /// Rayon's global pool (as many threads as cores, unless configured otherwise).
    #[default]
    Rayon,
}

/// Options of [`allocate_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AllocateOptions {
    /// Who computes the chunks.
    pub threads: Threads,
}

/// Allocates with the default options (rayon). See [`allocate_with`].
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use quartier_share::{allocate, CommunityBuilder, Key, Member, MemberId, Role};
/// use quartier_timeseries::{Axis, Quantity, Series, Step};
///
/// let axis = Axis::new(Utc.with_ymd_and_hms(2025, 6, 1, 10, 0, 0).unwrap(), Step::MIN15, 1).unwrap();
/// let kwh = |v: f64| Series::new(axis, Quantity::EnergyKwh, vec![v]).unwrap();
/// let id = |s: &str| MemberId::new(s).unwrap();
/// let mut b = CommunityBuilder::new(axis)
///     .member(Member::new(id("pv"), Role::Producer))
///     .curve(&id("pv"), kwh(6.0));
/// for (name, c) in [("a", 2.0), ("b", 3.0), ("c", 5.0)] {
///     b = b.member(Member::new(id(name), Role::Consumer)).curve(&id(name), kwh(c));
/// }
/// let alloc = allocate(&b.build().unwrap(), &Key::Default).unwrap();
/// let got: Vec<f64> = (0..3).map(|i| alloc.allocated_kwh(0, i)).collect();
/// assert!((got[0] - 1.2).abs() < 1e-12 && (got[1] - 1.8).abs() < 1e-12 && (got[2] - 3.0).abs() < 1e-12);
/// assert!(alloc.surplus_kwh(0, 0).abs() < 1e-12);
/// ```
pub fn allocate(community: &Community, key: &Key) -> Result<Allocation, ShareError> {
    allocate_with(community, key, &AllocateOptions::default())
}

/// Shares each step's production among the consumers of `community` with `key`.
///
/// Errors: a key naming an unknown or duplicated member, static coefficients above 100 %, a
/// custom key on another axis, of the wrong size, with a coefficient that is not a share in
/// `[0, 1]` or summing above 100 % at a step (naming the step in UTC and local time).
pub fn allocate_with(
    community: &Community,
    key: &Key,
    options: &AllocateOptions,
) -> Result<Allocation, ShareError> {
    let axis = *community.axis();
    let (consumers, producers) = community.shared_ids();
    if let Key::Custom(custom) = key {
        validate_custom(&axis, custom)?;
    }
    let resolved = key.resolve(&axis, &consumers, &producers)?;
    let (nc, np, steps) = (consumers.len(), producers.len(), axis.len());
    let consumption = community.shared_consumption();
    let production = community.shared_production();
    let mut allocated = vec![0.0; steps * nc];
    let mut producer_allocated = vec![0.0; steps * np];
    let pair_mode = matches!(resolved, Resolved::CustomPair { .. });
    let mut pairs = if pair_mode {
        vec![0.0; steps * np * nc]
    } else {
        Vec::new()
    };

    if nc > 0 && np > 0 && steps > 0 {
        let ctx = Kernel {
            key: &resolved,
            consumption: &consumption,
            production: &production,
            nc,
            np,
            identity_cols: match &resolved {
                Resolved::CustomConsumer { cols, width, .. } => {
                    *width == nc && cols.iter().enumerate().all(|(i, c)| *c == Some(i))
                }
                _ => false,
            },
        };
        let a_chunks = allocated.chunks_mut(CHUNK_STEPS * nc);
        let pa_chunks = producer_allocated.chunks_mut(CHUNK_STEPS * np);
        let failures: Vec<(usize, String)> = if pair_mode {
            let pair_chunks = pairs.chunks_mut(CHUNK_STEPS * np * nc);
            let work = a_chunks.zip(pa_chunks).zip(pair_chunks).enumerate();
            let run = |(b, ((a, pa), pr)): PairJob<'_>| ctx.run_pairs(b * CHUNK_STEPS, a, pa, pr);
            run_all(work, run, options.threads)
        } else {
            let work = a_chunks.zip(pa_chunks).enumerate();
            let run = |(b, (a, pa)): (usize, (&mut [f64], &mut [f64]))| {
                ctx.run_pooled(b * CHUNK_STEPS, a, pa)
            };
            run_all(work, run, options.threads)
        };
        if let Some((t, message)) = failures.into_iter().next() {
            return Err(ShareError::Invariant {
                at: StepTime::of(&axis, t),
                message,
            });
        }
    }

    let allocation = Allocation {
        axis,
        consumers,
        producers,
        consumption_kwh: consumption,
        production_kwh: production,
        allocated_kwh: allocated,
        producer_allocated_kwh: producer_allocated,
        pairs_kwh: pair_mode.then_some(pairs),
    };
    Ok(allocation)
}

/// One chunk of a per-pair allocation: index, ((allocated, producer allocated), pairs).
type PairJob<'a> = (usize, ((&'a mut [f64], &'a mut [f64]), &'a mut [f64]));

/// Runs the chunk jobs (which write disjoint slices, so the order of execution changes no
/// result) and returns the invariant failures, in step order.
fn run_all<I, F>(work: I, run: F, threads: Threads) -> Vec<(usize, String)>
where
    I: Iterator,
    I::Item: Send,
    F: Fn(I::Item) -> Option<(usize, String)> + Sync + Send,
{
    match threads {
        Threads::Single => work.filter_map(run).collect(),
        Threads::Rayon => {
            let jobs: Vec<I::Item> = work.collect();
            let mut failures: Vec<(usize, String)> = jobs.into_par_iter().filter_map(run).collect();
            failures.sort_by_key(|f| f.0);
            failures
        }
    }
}

/// Sum with four independent accumulators (vectorisable; not bound by add latency).
fn sum(x: &[f64]) -> f64 {
    let mut acc = [0.0f64; 4];
    let mut chunks = x.chunks_exact(4);
    for ch in &mut chunks {
        for (a, v) in acc.iter_mut().zip(ch) {
            *a += v;
        }
    }
    let rest: f64 = chunks.remainder().iter().sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + rest
}

/// Checks one step's invariants (data still in cache); returns what is broken. `p` and
/// `total` are the step's production and allocation.
fn check_step(
    c: &[f64],
    a: &[f64],
    p_row: &[f64],
    pa: &[f64],
    p: f64,
    total: f64,
) -> Option<String> {
    let tol = tolerance_kwh(p.max(sum(c)));
    // Branch-free pass first (vectorised); the message only when something is wrong.
    let ok = a
        .iter()
        .zip(c)
        .fold(true, |ok, (&a, &c)| ok & (a >= 0.0) & (a <= c + tol));
    if !ok {
        let (i, (a, c)) = a
            .iter()
            .zip(c)
            .enumerate()
            .find(|(_, (a, c))| !(**a >= 0.0 && **a <= **c + tol))?;
        return Some(format!(
            "consumer {i}: allocated {a} kWh, consumption {c} kWh"
        ));
    }
    if total > p + tol {
        return Some(format!("allocated {total} kWh > production {p} kWh"));
    }
    let mut by_producers = 0.0;
    for (&pa, &pp) in pa.iter().zip(p_row) {
        if !(pa >= 0.0 && pa <= pp + tol) {
            return Some(format!("producer allocated {pa} kWh > production {pp} kWh"));
        }
        by_producers += pa;
    }
    if !c.is_empty() && (by_producers - total).abs() > tol {
        return Some(format!(
            "producers gave {by_producers} kWh, consumers got {total} kWh"
        ));
    }
    None
}

struct Kernel<'a, 'k> {
    key: &'a Resolved<'k>,
    consumption: &'a [f64],
    production: &'a [f64],
    nc: usize,
    np: usize,
    /// A per-consumer custom key lists every consumer in the community's order.
    identity_cols: bool,
}

impl Kernel<'_, '_> {
    /// Pooled keys on the steps `t0..` covered by `a` (`steps × nc`) and `pa` (`steps × np`).
    fn run_pooled(&self, t0: usize, a: &mut [f64], pa: &mut [f64]) -> Option<(usize, String)> {
        let mut scratch: Vec<usize> = Vec::with_capacity(self.nc);
        for (dt, (a_row, pa_row)) in a
            .chunks_exact_mut(self.nc)
            .zip(pa.chunks_exact_mut(self.np))
            .enumerate()
        {
            let t = t0 + dt;
            let c = row(self.consumption, self.nc, t);
            let p_row = row(self.production, self.np, t);
            let p = sum(p_row);
            match self.key {
                Resolved::Default => prorata_all(c, p, a_row),
                Resolved::StaticSurplus(k) => {
                    for ((a, &c), &k) in a_row.iter_mut().zip(c).zip(k) {
                        *a = c.min(p * k);
                    }
                }
                Resolved::StaticRedistribute(k) => {
                    scratch.clear();
                    scratch.extend(0..self.nc);
                    a_row.iter_mut().for_each(|v| *v = 0.0);
                    water_fill(&mut scratch, c, k, p, a_row);
                }
                Resolved::Priority(groups) => {
                    a_row.iter_mut().for_each(|v| *v = 0.0);
                    let mut left = p;
                    for g in groups {
                        if left <= 0.0 {
                            break;
                        }
                        let given = match &g.weights {
                            None => prorata_group(&g.members, c, left, a_row),
                            Some(w) => {
                                scratch.clear();
                                scratch.extend_from_slice(&g.members);
                                water_fill(&mut scratch, c, w, left, a_row)
                            }
                        };
                        left = (left - given).max(0.0);
                    }
                }
                Resolved::CustomConsumer {
                    cols,
                    width,
                    coefficients,
                } => {
                    let k = row(coefficients, *width, t);
                    let k_sum = sum(k);
                    let norm = if k_sum > 1.0 { k_sum } else { 1.0 };
                    if self.identity_cols {
                        for ((a, &c), &k) in a_row.iter_mut().zip(c).zip(k) {
                            *a = c.min(p * k / norm);
                        }
                    } else {
                        for ((a, &c), col) in a_row.iter_mut().zip(c).zip(cols) {
                            let k = col.and_then(|j| k.get(j)).copied().unwrap_or(0.0);
                            *a = c.min(p * k / norm);
                        }
                    }
                }
                // Handled by run_pairs.
                Resolved::CustomPair { .. } => a_row.iter_mut().for_each(|v| *v = 0.0),
            }
            let total = sum(a_row);
            let ratio = if p > 0.0 { (total / p).min(1.0) } else { 0.0 };
            for (pa, &pp) in pa_row.iter_mut().zip(p_row) {
                *pa = pp * ratio;
            }
            if let Some(m) = check_step(c, a_row, p_row, pa_row, p, total) {
                return Some((t, m));
            }
        }
        None
    }

    /// Per-pair custom key on the steps `t0..` (pairs: `steps × np × nc`).
    fn run_pairs(
        &self,
        t0: usize,
        a: &mut [f64],
        pa: &mut [f64],
        pairs: &mut [f64],
    ) -> Option<(usize, String)> {
        let Resolved::CustomPair {
            prods,
            cols,
            key_producers,
            width,
            coefficients,
        } = self.key
        else {
            return None;
        };
        let (nc, np) = (self.nc, self.np);
        let mut norms = vec![1.0; np];
        for (dt, ((a_row, pa_row), pair_rows)) in a
            .chunks_exact_mut(nc)
            .zip(pa.chunks_exact_mut(np))
            .zip(pairs.chunks_exact_mut(np * nc))
            .enumerate()
        {
            let t = t0 + dt;
            let c = row(self.consumption, nc, t);
            let p_row = row(self.production, np, t);
            // Offers, written into the pair rows; a_row accumulates Σ_p offer_{p,i}.
            a_row.iter_mut().for_each(|v| *v = 0.0);
            for (((pair_row, &pp), prod), norm) in pair_rows
                .chunks_exact_mut(nc)
                .zip(p_row)
                .zip(prods)
                .zip(norms.iter_mut())
            {
                let k = prod
                    .map(|r| row(coefficients, *width, t * key_producers + r))
                    .unwrap_or(&[]);
                let k_sum = sum(k);
                *norm = if k_sum > 1.0 { k_sum } else { 1.0 };
                for ((o, col), d) in pair_row.iter_mut().zip(cols).zip(a_row.iter_mut()) {
                    let k = col.and_then(|j| k.get(j)).copied().unwrap_or(0.0);
                    *o = pp * k / *norm;
                    *d += *o;
                }
            }
            // Cap by consumption: a_row becomes the scale factor, then the allocation.
            for (d, &c) in a_row.iter_mut().zip(c) {
                *d = if *d > c { c / *d } else { 1.0 };
            }
            for pair_row in pair_rows.chunks_exact_mut(nc) {
                for (o, &s) in pair_row.iter_mut().zip(a_row.iter()) {
                    *o *= s;
                }
            }
            a_row.iter_mut().for_each(|v| *v = 0.0);
            for (pair_row, (pa, &pp)) in
                pair_rows.chunks_exact(nc).zip(pa_row.iter_mut().zip(p_row))
            {
                let mut given = 0.0;
                for (o, a) in pair_row.iter().zip(a_row.iter_mut()) {
                    given += o;
                    *a += o;
                }
                *pa = given.min(pp);
            }
            for (a, &c) in a_row.iter_mut().zip(c) {
                *a = a.min(c);
            }
            let (p, total) = (sum(p_row), sum(a_row));
            if let Some(m) = check_step(c, a_row, p_row, pa_row, p, total) {
                return Some((t, m));
            }
        }
        None
    }
}

/// Default key on all consumers: `a_i = min(C_i, P × C_i / ΣC)`.
fn prorata_all(c: &[f64], p: f64, a: &mut [f64]) {
    let total = sum(c);
    if total <= 0.0 {
        a.iter_mut().for_each(|v| *v = 0.0);
        return;
    }
    for (a, &c) in a.iter_mut().zip(c) {
        *a = c.min(p * c / total);
    }
}

/// Prorata of consumption among `members`, sharing `p`; returns what was given.
fn prorata_group(members: &[usize], c: &[f64], p: f64, a: &mut [f64]) -> f64 {
    let sum: f64 = members.iter().filter_map(|&i| c.get(i)).sum();
    if sum <= 0.0 {
        return 0.0;
    }
    let mut given = 0.0;
    for &i in members {
        if let (Some(a), Some(&c)) = (a.get_mut(i), c.get(i)) {
            *a = c.min(p * c / sum);
            given += *a;
        }
    }
    given
}

/// Shares `p` among the consumers listed in `active` in proportion to `w`, capped by `c`,
/// redistributing what satisfied consumers leave (water filling). Writes `a[i]` for every
/// listed consumer (0 for those with no weight or no consumption) and returns what was given.
///
/// Each round computes the level `λ = left / Σ_{active} w`; every active consumer with
/// `c_i ≤ λ w_i` is satisfied (gets `c_i`) and leaves the set. A round that satisfies nobody
/// gives `λ w_i` to everyone left and ends, so there are at most `active.len()` rounds.
fn water_fill(active: &mut Vec<usize>, c: &[f64], w: &[f64], p: f64, a: &mut [f64]) -> f64 {
    let mut given = 0.0;
    for &i in active.iter() {
        if let Some(a) = a.get_mut(i) {
            *a = 0.0;
        }
    }
    active.retain(|&i| w.get(i).is_some_and(|&w| w > 0.0) && c.get(i).is_some_and(|&c| c > 0.0));
    let mut left = p;
    while !active.is_empty() && left > 0.0 {
        let weight: f64 = active.iter().filter_map(|&i| w.get(i)).sum();
        if weight <= 0.0 {
            break;
        }
        let level = left / weight;
        let before = active.len();
        active.retain(|&i| {
            let (Some(&ci), Some(&wi)) = (c.get(i), w.get(i)) else {
                return false;
            };
            if ci <= level * wi {
                if let Some(a) = a.get_mut(i) {
                    *a = ci;
                }
                left -= ci;
                given += ci;
                false
            } else {
                true
            }
        });
        if active.len() == before {
            for &i in active.iter() {
                if let (Some(a), Some(&ci), Some(&wi)) = (a.get_mut(i), c.get(i), w.get(i)) {
                    *a = ci.min(level * wi);
                    given += *a;
                }
            }
            break;
        }
    }
    given
}

/// Checks the coefficients of a custom key: shares in `[0, 1]`, sums ≤ 100 % at each step
/// (per producer for a per-pair key), naming the step.
fn validate_custom(axis: &Axis, key: &CustomKey) -> Result<(), ShareError> {
    let (consumers, producers, coefficients): (&[MemberId], Option<&[MemberId]>, &[f64]) = match key
    {
        CustomKey::PerConsumer {
            consumers,
            coefficients,
            ..
        } => (consumers, None, coefficients),
        CustomKey::PerPair {
            producers,
            consumers,
            coefficients,
            ..
        } => (consumers, Some(producers), coefficients),
    };
    let width = consumers.len();
    if width == 0 {
        return Ok(());
    }
    let rows_per_step = producers.map_or(1, <[MemberId]>::len).max(1);
    for (r, k) in coefficients.chunks(width).enumerate() {
        let t = r / rows_per_step;
        let producer = producers.and_then(|p| p.get(r % rows_per_step)).cloned();
        // Branch-free pass (NaN and ±inf fail the comparisons); details only on failure.
        let ok = k.iter().fold(true, |ok, v| ok & (0.0..=1.0).contains(v));
        if !ok {
            if let Some((&v, id)) = k
                .iter()
                .zip(consumers)
                .find(|(v, _)| !(0.0..=1.0).contains(*v))
            {
                return Err(ShareError::BadCoefficient {
                    id: id.clone(),
                    context: format!("custom key at {}", StepTime::of(axis, t)),
                    value: v,
                });
            }
        }
        let sum = sum(k);
        if sum > 1.0 + SUM_TOLERANCE {
            return Err(ShareError::CustomAbove100 {
                at: StepTime::of(axis, t),
                producer,
                sum_percent: sum * 100.0,
            });
        }
    }
    Ok(())
}

/// The result of an allocation: step-major matrices on the community's axis.
///
/// Consumer `i` and producer `p` are indices into [`Allocation::consumers`] and
/// [`Allocation::producers`] (the community's order). Accessors return 0 past the axis or
/// the member lists.
#[derive(Debug, Clone)]
pub struct Allocation {
    axis: Axis,
    consumers: Arc<[MemberId]>,
    producers: Arc<[MemberId]>,
    consumption_kwh: Arc<[f64]>,
    production_kwh: Arc<[f64]>,
    allocated_kwh: Vec<f64>,
    producer_allocated_kwh: Vec<f64>,
    pairs_kwh: Option<Vec<f64>>,
}

fn at(m: &[f64], n: usize, t: usize, i: usize) -> f64 {
    if i >= n {
        return 0.0;
    }
    m.get(t * n + i).copied().unwrap_or(0.0)
}

impl Allocation {
    /// The axis.
    pub fn axis(&self) -> &Axis {
        &self.axis
    }

    /// Consumer ids (index `i` of the accessors).
    pub fn consumers(&self) -> &[MemberId] {
        &self.consumers
    }

    /// Producer ids (index `p` of the accessors).
    pub fn producers(&self) -> &[MemberId] {
        &self.producers
    }

    /// Consumption of consumer `i` at step `t`, kWh.
    pub fn consumption_kwh(&self, t: usize, i: usize) -> f64 {
        at(&self.consumption_kwh, self.consumers.len(), t, i)
    }

    /// Energy allocated to consumer `i` at step `t` (self-consumed), kWh.
    pub fn allocated_kwh(&self, t: usize, i: usize) -> f64 {
        at(&self.allocated_kwh, self.consumers.len(), t, i)
    }

    /// Complement of consumer `i` at step `t` (billed by its supplier): `C_i − allocated_i`, kWh.
    pub fn complement_kwh(&self, t: usize, i: usize) -> f64 {
        (self.consumption_kwh(t, i) - self.allocated_kwh(t, i)).max(0.0)
    }

    /// Production of producer `p` at step `t`, kWh.
    pub fn production_kwh(&self, t: usize, p: usize) -> f64 {
        at(&self.production_kwh, self.producers.len(), t, p)
    }

    /// Part of producer `p`'s production allocated to consumers at step `t`, kWh.
    pub fn producer_allocated_kwh(&self, t: usize, p: usize) -> f64 {
        at(&self.producer_allocated_kwh, self.producers.len(), t, p)
    }

    /// Surplus of producer `p` at step `t`: production not allocated, kWh.
    pub fn surplus_kwh(&self, t: usize, p: usize) -> f64 {
        (self.production_kwh(t, p) - self.producer_allocated_kwh(t, p)).max(0.0)
    }

    /// Energy of producer `p` allocated to consumer `i` at step `t`, kWh (see the module
    /// documentation for the rule).
    pub fn pair_kwh(&self, t: usize, p: usize, i: usize) -> f64 {
        let (nc, np) = (self.consumers.len(), self.producers.len());
        if p >= np || i >= nc {
            return 0.0;
        }
        match &self.pairs_kwh {
            Some(pairs) => pairs.get((t * np + p) * nc + i).copied().unwrap_or(0.0),
            None => {
                let total = self.total_production_kwh(t);
                if total > 0.0 {
                    self.allocated_kwh(t, i) * self.production_kwh(t, p) / total
                } else {
                    0.0
                }
            }
        }
    }

    /// Total production at step `t`, kWh.
    pub fn total_production_kwh(&self, t: usize) -> f64 {
        row(&self.production_kwh, self.producers.len(), t)
            .iter()
            .sum()
    }

    /// Total allocated at step `t`, kWh.
    pub fn total_allocated_kwh(&self, t: usize) -> f64 {
        self.allocated_row(t).iter().sum()
    }

    /// Total surplus at step `t`, kWh.
    pub fn total_surplus_kwh(&self, t: usize) -> f64 {
        (0..self.producers.len())
            .map(|p| self.surplus_kwh(t, p))
            .sum()
    }

    /// Consumption of every consumer at step `t`, kWh.
    pub fn consumption_row(&self, t: usize) -> &[f64] {
        row(&self.consumption_kwh, self.consumers.len(), t)
    }

    /// Allocation to every consumer at step `t`, kWh.
    pub fn allocated_row(&self, t: usize) -> &[f64] {
        row(&self.allocated_kwh, self.consumers.len(), t)
    }

    /// Production of every producer at step `t`, kWh.
    pub fn production_row(&self, t: usize) -> &[f64] {
        row(&self.production_kwh, self.producers.len(), t)
    }

    /// Allocated part of every producer's production at step `t`, kWh.
    pub fn producer_allocated_row(&self, t: usize) -> &[f64] {
        row(&self.producer_allocated_kwh, self.producers.len(), t)
    }

    /// The allocation matrix, `steps × consumers`, step-major, kWh.
    pub fn allocated_matrix_kwh(&self) -> &[f64] {
        &self.allocated_kwh
    }

    fn column(&self, f: impl Fn(usize) -> f64) -> Series {
        let values = (0..self.axis.len()).map(f).collect();
        Series::new(self.axis, Quantity::EnergyKwh, values)
            .unwrap_or_else(|_| Series::constant(self.axis, Quantity::EnergyKwh, 0.0))
    }

    /// Consumer `i`'s allocated energy as a series (kWh per interval).
    pub fn allocated_series(&self, i: usize) -> Series {
        self.column(|t| self.allocated_kwh(t, i))
    }

    /// Consumer `i`'s complement as a series (kWh per interval).
    pub fn complement_series(&self, i: usize) -> Series {
        self.column(|t| self.complement_kwh(t, i))
    }

    /// Producer `p`'s surplus as a series (kWh per interval).
    pub fn surplus_series(&self, p: usize) -> Series {
        self.column(|t| self.surplus_kwh(t, p))
    }

    /// Checks every invariant at every step (see the module documentation).
    pub fn check_invariants(&self) -> Result<(), ShareError> {
        let nc = self.consumers.len();
        let fail = |t: usize, message: String| ShareError::Invariant {
            at: StepTime::of(&self.axis, t),
            message,
        };
        for t in 0..self.axis.len() {
            let p = self.total_production_kwh(t);
            let c = self.consumption_row(t);
            let tol = tolerance_kwh(p.max(c.iter().sum()));
            let mut total = 0.0;
            for (i, (&a, &c)) in self.allocated_row(t).iter().zip(c).enumerate() {
                if !(a >= 0.0 && a <= c + tol) {
                    return Err(fail(
                        t,
                        format!("consumer {i}: allocated {a} kWh, consumption {c} kWh"),
                    ));
                }
                total += a;
            }
            if total > p + tol {
                return Err(fail(
                    t,
                    format!("allocated {total} kWh > production {p} kWh"),
                ));
            }
            let mut by_producers = 0.0;
            for (pa, pp) in self
                .producer_allocated_row(t)
                .iter()
                .zip(self.production_row(t))
            {
                if !(*pa >= 0.0 && *pa <= pp + tol) {
                    return Err(fail(
                        t,
                        format!("producer allocated {pa} kWh > production {pp} kWh"),
                    ));
                }
                by_producers += pa;
            }
            if nc > 0 && (by_producers - total).abs() > tol {
                return Err(fail(
                    t,
                    format!("producers gave {by_producers} kWh, consumers got {total} kWh"),
                ));
            }
        }
        Ok(())
    }
}

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
//! by rayon's pool ([`Threads::Rayon`]); both give bit-identical results. The default and
//! static keys have a closed form per step (`a_i = C_i × min(1, P/ΣC)`, `min(C_i, P k_i)`,
//! `min(C_i, λ k_i)` with the water level `λ`): their pass reads each consumption row once,
//! computes the step's scalar, Σ allocated and the checks in one fused loop, and stores only
//! that scalar; [`Allocation`] computes `allocated_i` on read. Priority and custom keys
//! store the dense matrix. Water filling runs rounds of one dense, masked pass each over the
//! step's (contiguous) consumers.
//!
//! **Invariants**, checked at every step inside the allocation pass while the step is in
//! cache (an [`ShareError::Invariant`] would be a bug; [`Allocation::check_invariants`]
//! re-checks a whole allocation) and property-tested, within [`tolerance_kwh`]: `0 ≤ allocated_i ≤ C_i`,
//! `Σ allocated ≤ P`, `surplus_p = P_p − allocated_p ≥ 0`, `complement_i = C_i − allocated_i
//! ≥ 0`, `Σ_p allocated_p = Σ_i allocated_i`.

use std::sync::{Arc, OnceLock};

use quartier_timeseries::{Axis, Quantity, Series};
use rayon::prelude::*;

use crate::community::row;
use crate::key::{CustomKey, Resolved, SUM_TOLERANCE};
use crate::{Community, Key, MemberId, ShareError, StepTime};

/// The first step of `axis` starting at or after `t` (the axis length when none).
fn first_step_from(axis: &Axis, t: chrono::DateTime<chrono::Utc>) -> usize {
    if t <= axis.start() {
        return 0;
    }
    let minutes = (t - axis.start()).num_minutes();
    let step = i64::from(axis.step().minutes()).max(1);
    usize::try_from((minutes + step - 1) / step)
        .unwrap_or(usize::MAX)
        .min(axis.len())
}

/// Allocates with a key that changes at given instants: each period's key on the steps it
/// covers, stitched into one allocation (stored dense).
fn allocate_periods(
    community: &Community,
    periods: &[crate::KeyPeriod],
    options: &AllocateOptions,
) -> Result<Allocation, ShareError> {
    let axis = *community.axis();
    let local = |t: chrono::DateTime<chrono::Utc>| {
        t.with_timezone(&chrono_tz::Europe::Paris)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let bad = |t, message: String| ShareError::KeyPeriod {
        from: local(t),
        message,
    };
    let Some(first) = periods.first() else {
        return Err(bad(
            axis.start(),
            "a key of periods needs at least one".into(),
        ));
    };
    if first.from > axis.start() {
        return Err(bad(
            first.from,
            format!(
                "the first period starts after the community's first step ({}): no key applies before it",
                local(axis.start())
            ),
        ));
    }
    for w in periods.windows(2) {
        if let [a, b] = w
            && b.from <= a.from
        {
            return Err(bad(
                b.from,
                format!(
                    "periods out of order: it does not start after {}",
                    local(a.from)
                ),
            ));
        }
    }
    let (nc, np) = (community.consumers().len(), community.producers().len());
    let mut dense = Vec::with_capacity(axis.len() * nc);
    let mut totals = Vec::with_capacity(axis.len());
    let mut producer_allocated = Vec::with_capacity(axis.len() * np);
    for (k, period) in periods.iter().enumerate() {
        if matches!(period.key, Key::Periods(_) | Key::Custom(_)) {
            return Err(bad(
                period.from,
                "a period's key is default, static or priority (custom keys give their own steps)"
                    .into(),
            ));
        }
        let start = first_step_from(&axis, period.from);
        let end = periods
            .get(k + 1)
            .map_or(axis.len(), |next| first_step_from(&axis, next.from));
        let Some(window) = community.window(start, end) else {
            continue;
        };
        if let Key::Static { coefficients, .. } = &period.key {
            let missing: Vec<&str> = window
                .consumers()
                .iter()
                .enumerate()
                .filter(|(i, id)| {
                    !coefficients.iter().any(|(c, _)| c == *id)
                        && (0..window.axis().len()).any(|t| window.consumer_present(*i, t))
                })
                .map(|(_, id)| id.as_str())
                .collect();
            if !missing.is_empty() {
                return Err(bad(
                    period.from,
                    format!(
                        "consumers present in the period without a coefficient: {}",
                        missing.join(", ")
                    ),
                ));
            }
        }
        let part = allocate_with(&window, &period.key, options)
            .map_err(|e| bad(period.from, e.to_string()))?;
        dense.extend_from_slice(part.allocated_matrix_kwh());
        totals.extend_from_slice(&part.allocated_total_kwh);
        producer_allocated.extend_from_slice(&part.producer_allocated_kwh);
    }
    let (consumers, producers) = community.shared_ids();
    Ok(Allocation {
        axis,
        consumers,
        producers,
        consumption_kwh: community.shared_consumption(),
        production_kwh: community.shared_production(),
        allocated: Stored::Dense(dense),
        dense: OnceLock::new(),
        allocated_total_kwh: totals,
        producer_allocated_kwh: producer_allocated,
        pairs_kwh: None,
    })
}

/// An allocation given from outside (the grid operator's official split): `allocated` is
/// `steps × consumers`, step-major, kWh. Each producer's part of a step's allocated energy is
/// in proportion to its production (the pooled rule of [`Allocation::pair_kwh`]). Values
/// above the consumption, or a step's sum above the production, by at most `slack_kwh` (the
/// rounding of the operator's watt-hours) are brought back to them; beyond, an error.
///
/// Errors: a matrix of the wrong size, a negative or non-finite value, or any invariant that
/// does not hold beyond `slack_kwh` (naming the step).
pub fn allocation_from(
    community: &Community,
    mut allocated: Vec<f64>,
    slack_kwh: f64,
) -> Result<Allocation, ShareError> {
    let axis = *community.axis();
    let (consumers, producers) = community.shared_ids();
    let (nc, np, steps) = (consumers.len(), producers.len(), axis.len());
    let fail = |t: usize, message: String| ShareError::Invariant {
        at: StepTime::of(&axis, t),
        message,
    };
    if allocated.len() != steps * nc {
        return Err(fail(
            0,
            format!(
                "{} allocated values for {steps} steps × {nc} consumers",
                allocated.len()
            ),
        ));
    }
    let mut totals = vec![0.0; steps];
    let mut producer_allocated = vec![0.0; steps * np];
    for (t, row) in allocated.chunks_mut(nc.max(1)).enumerate() {
        let c = community.consumption_row(t);
        let p_row = community.production_row(t);
        let p: f64 = p_row.iter().sum();
        for (i, (a, &ci)) in row.iter_mut().zip(c).enumerate() {
            if !a.is_finite() || *a < 0.0 {
                return Err(fail(t, format!("consumer {i}: allocated {a} kWh")));
            }
            if *a > ci + slack_kwh {
                return Err(fail(
                    t,
                    format!("consumer {i}: allocated {a} kWh, consumption {ci} kWh"),
                ));
            }
            *a = a.min(ci);
        }
        let mut sum: f64 = row.iter().sum();
        if sum > p + slack_kwh * nc as f64 {
            return Err(fail(t, format!("allocated {sum} kWh > production {p} kWh")));
        }
        if sum > p && sum > 0.0 {
            let k = p / sum;
            row.iter_mut().for_each(|a| *a *= k);
            sum = p;
        }
        if let Some(x) = totals.get_mut(t) {
            *x = sum;
        }
        if p > 0.0 {
            for (q, &pp) in p_row.iter().enumerate() {
                if let Some(x) = producer_allocated.get_mut(t * np + q) {
                    *x = sum * pp / p;
                }
            }
        }
    }
    let out = Allocation {
        axis,
        consumers,
        producers,
        consumption_kwh: community.shared_consumption(),
        production_kwh: community.shared_production(),
        allocated: Stored::Dense(allocated),
        dense: OnceLock::new(),
        allocated_total_kwh: totals,
        producer_allocated_kwh: producer_allocated,
        pairs_kwh: None,
    };
    out.check_invariants()?;
    Ok(out)
}

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
    if let Key::Periods(periods) = key {
        return allocate_periods(community, periods, options);
    }
    let axis = *community.axis();
    let (consumers, producers) = community.shared_ids();
    if let Key::Custom(custom) = key {
        validate_custom(&axis, custom)?;
    }
    let resolved = key.resolve(&axis, &consumers, &producers)?;
    let (nc, np, steps) = (consumers.len(), producers.len(), axis.len());
    let consumption = community.shared_consumption();
    let production = community.shared_production();

    // What the kernel writes: a dense matrix only for the keys that have no closed form
    // (priority, custom); one scalar per step for the others.
    let scalar = matches!(
        resolved,
        Resolved::Default | Resolved::StaticSurplus(_) | Resolved::StaticRedistribute(_)
    );
    let dense_len = if scalar { 0 } else { steps * nc };
    let mut dense = vec![0.0; dense_len];
    let mut x = vec![0.0; if scalar { steps } else { 0 }];
    let mut totals = vec![0.0; steps];
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
        let n = steps.div_ceil(CHUNK_STEPS);
        let jobs: Vec<Job<'_>> = pieces(&mut dense, CHUNK_STEPS * nc, n)
            .zip(pieces(&mut x, CHUNK_STEPS, n))
            .zip(pieces(&mut totals, CHUNK_STEPS, n))
            .zip(pieces(&mut producer_allocated, CHUNK_STEPS * np, n))
            .zip(pieces(&mut pairs, CHUNK_STEPS * np * nc, n))
            .enumerate()
            .map(|(b, ((((a, x), total), pa), pairs))| Job {
                t0: b * CHUNK_STEPS,
                a,
                x,
                total,
                pa,
                pairs,
            })
            .collect();
        let failures = run_all(jobs, |job| ctx.run(job), options.threads);
        if let Some((t, message)) = failures.into_iter().next() {
            return Err(ShareError::Invariant {
                at: StepTime::of(&axis, t),
                message,
            });
        }
    }

    let allocated = match resolved {
        Resolved::Default => Stored::Prorata { ratio: x },
        Resolved::StaticSurplus(k) => Stored::Static {
            k,
            production_kwh: x,
        },
        Resolved::StaticRedistribute(w) => Stored::Level { w, level: x },
        Resolved::Priority(_) | Resolved::CustomConsumer { .. } | Resolved::CustomPair { .. } => {
            Stored::Dense(dense)
        }
    };
    Ok(Allocation {
        axis,
        consumers,
        producers,
        consumption_kwh: consumption,
        production_kwh: production,
        allocated,
        dense: OnceLock::new(),
        allocated_total_kwh: totals,
        producer_allocated_kwh: producer_allocated,
        pairs_kwh: pair_mode.then_some(pairs),
    })
}

/// `n` consecutive pieces of `size` values of `buf` (the last may be shorter); empty slices
/// once `buf` is exhausted (an output this key does not write).
fn pieces(buf: &mut [f64], size: usize, n: usize) -> impl Iterator<Item = &mut [f64]> {
    buf.chunks_mut(size.max(1))
        .chain(std::iter::repeat_with(|| -> &mut [f64] { &mut [] }))
        .take(n)
}

/// One chunk of steps `t0..`: the kernel's outputs for those steps.
struct Job<'a> {
    t0: usize,
    /// Dense allocation (`steps × nc`), empty for the closed-form keys.
    a: &'a mut [f64],
    /// The per-step scalar of a closed-form key (prorata ratio, production or water
    /// level), empty for the others.
    x: &'a mut [f64],
    /// Σ allocated per step.
    total: &'a mut [f64],
    /// Allocated part of each producer's production (`steps × np`).
    pa: &'a mut [f64],
    /// Per-pair allocation (`steps × np × nc`), empty unless the key is per pair.
    pairs: &'a mut [f64],
}

/// Runs the chunk jobs (which write disjoint slices, so the order of execution changes no
/// result) and returns the invariant failures, in step order.
fn run_all<F>(jobs: Vec<Job<'_>>, run: F, threads: Threads) -> Vec<(usize, String)>
where
    F: Fn(Job<'_>) -> Option<(usize, String)> + Sync + Send,
{
    match threads {
        Threads::Single => jobs.into_iter().filter_map(run).collect(),
        Threads::Rayon => {
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

/// What one fused pass over a step's consumers found.
struct Fused {
    /// Σ allocated.
    allocated: f64,
    /// Σ consumption.
    consumption: f64,
    /// Largest `allocated_i − C_i`.
    excess: f64,
    /// Some allocation is negative or NaN.
    negative: bool,
}

/// One pass over a step's consumers computing `a_i = f(C_i, g_i)` without storing it: the
/// sums and the per-consumer checks of the invariants, four lanes wide (vectorisable).
#[inline(always)]
fn fused(c: &[f64], g: &[f64], f: impl Fn(f64, f64) -> f64) -> Fused {
    let mut sa = [0.0f64; 4];
    let mut sc = [0.0f64; 4];
    let mut ex = [f64::NEG_INFINITY; 4];
    let mut bad = false;
    let (mut cs, mut gs) = (c.chunks_exact(4), g.chunks_exact(4));
    for (c4, g4) in (&mut cs).zip(&mut gs) {
        for ((((&c, &g), sa), sc), ex) in c4.iter().zip(g4).zip(&mut sa).zip(&mut sc).zip(&mut ex) {
            let a = f(c, g);
            *sa += a;
            *sc += c;
            *ex = ex.max(a - c);
            bad |= a.is_nan() | (a < 0.0);
        }
    }
    let (mut ra, mut rc, mut rx) = (0.0, 0.0, f64::NEG_INFINITY);
    for (&c, &g) in cs.remainder().iter().zip(gs.remainder()) {
        let a = f(c, g);
        ra += a;
        rc += c;
        rx = rx.max(a - c);
        bad |= a.is_nan() | (a < 0.0);
    }
    Fused {
        allocated: (sa[0] + sa[1]) + (sa[2] + sa[3]) + ra,
        consumption: (sc[0] + sc[1]) + (sc[2] + sc[3]) + rc,
        excess: ex.iter().fold(rx, |m, &v| m.max(v)),
        negative: bad,
    }
}

/// The first consumer whose allocation breaks `0 ≤ a_i ≤ C_i + tol`, as a message.
fn consumer_failure(c: &[f64], g: &[f64], tol: f64, f: impl Fn(f64, f64) -> f64) -> Option<String> {
    c.iter()
        .zip(g)
        .map(|(&c, &g)| (c, f(c, g)))
        .enumerate()
        .find(|(_, (c, a))| !(*a >= 0.0 && *a <= *c + tol))
        .map(|(i, (c, a))| format!("consumer {i}: allocated {a} kWh, consumption {c} kWh"))
}

/// Checks one step's totals: `Σ allocated ≤ P`, each producer's allocated part within its
/// production, and producers giving what consumers got.
fn check_totals(p_row: &[f64], pa: &[f64], p: f64, total: f64, tol: f64) -> Option<String> {
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
    if (by_producers - total).abs() > tol {
        return Some(format!(
            "producers gave {by_producers} kWh, consumers got {total} kWh"
        ));
    }
    None
}

/// Checks one step's invariants on a stored allocation row (data still in cache); returns
/// what is broken. `p` and `total` are the step's production and allocation.
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
        return consumer_failure(c, a, tol, |_, a| a);
    }
    if c.is_empty() {
        return None;
    }
    check_totals(p_row, pa, p, total, tol)
}

/// Producers' allocated parts at a pooled step: each gives the same fraction of its
/// production.
fn pooled_producers(pa: &mut [f64], p_row: &[f64], p: f64, total: f64) {
    let ratio = if p > 0.0 { (total / p).min(1.0) } else { 0.0 };
    for (pa, &pp) in pa.iter_mut().zip(p_row) {
        *pa = pp * ratio;
    }
}

fn put(v: &mut [f64], i: usize, x: f64) {
    if let Some(slot) = v.get_mut(i) {
        *slot = x;
    }
}

/// Default key: the step's ratio `q = min(1, P / ΣC)` (0 when ΣC ≤ 0), so that
/// `a_i = min(C_i, P × C_i / ΣC) = C_i × q` (no division per consumer).
fn prorata_ratio(p: f64, s: f64) -> f64 {
    if s > 0.0 { (p / s).min(1.0) } else { 0.0 }
}

/// Default key: `a_i = C_i × q` (see [`prorata_ratio`]).
#[inline(always)]
fn prorata_value(c: f64, q: f64) -> f64 {
    c * q
}

/// Static key: `a_i = min(C_i, P × k_i)`.
#[inline(always)]
fn static_value(c: f64, p: f64, k: f64) -> f64 {
    c.min(p * k)
}

/// Water filling at level `λ`: `a_i = min(C_i, λ × w_i)` for `w_i > 0`, else 0 (`λ = ∞`:
/// everyone keyed is satisfied).
#[inline(always)]
fn level_value(c: f64, level: f64, w: f64) -> f64 {
    if w > 0.0 { c.min(level * w) } else { 0.0 }
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
    fn run(&self, job: Job<'_>) -> Option<(usize, String)> {
        match self.key {
            Resolved::CustomPair { .. } => self.run_pairs(job),
            Resolved::Default | Resolved::StaticSurplus(_) | Resolved::StaticRedistribute(_) => {
                self.run_closed(job)
            }
            Resolved::Priority(_) | Resolved::CustomConsumer { .. } => self.run_dense(job),
        }
    }

    /// Keys with a closed form per step (default, static): one fused pass per step over the
    /// consumption row computes the step's scalar(s), Σ allocated and the checks; nothing of
    /// size `nc` is written.
    fn run_closed(&self, job: Job<'_>) -> Option<(usize, String)> {
        let mut mask: Vec<f64> = Vec::with_capacity(self.nc);
        let Job {
            t0, x, total, pa, ..
        } = job;
        for (dt, (total, pa_row)) in total
            .iter_mut()
            .zip(pa.chunks_exact_mut(self.np))
            .enumerate()
        {
            let t = t0 + dt;
            let c = row(self.consumption, self.nc, t);
            let p_row = row(self.production, self.np, t);
            let p = sum(p_row);
            let step = match self.key {
                Resolved::Default => {
                    let q = prorata_ratio(p, sum(c));
                    put(x, dt, q);
                    closed_step(c, c, p, |c, _| prorata_value(c, q))
                }
                Resolved::StaticSurplus(k) => {
                    put(x, dt, p);
                    closed_step(c, k, p, |c, k| static_value(c, p, k))
                }
                Resolved::StaticRedistribute(w) => {
                    let level = water_level(c, w, p, &mut mask);
                    put(x, dt, level);
                    closed_step(c, w, p, |c, w| level_value(c, level, w))
                }
                _ => return None,
            };
            let (allocated, tol) = match step {
                Ok(v) => v,
                Err(m) => return Some((t, m)),
            };
            *total = allocated;
            pooled_producers(pa_row, p_row, p, allocated);
            if let Some(m) = check_totals(p_row, pa_row, p, allocated, tol) {
                return Some((t, m));
            }
        }
        None
    }

    /// Keys stored densely (priority, custom per consumer) on the steps of `job`.
    fn run_dense(&self, job: Job<'_>) -> Option<(usize, String)> {
        let mut members: Vec<f64> = Vec::with_capacity(self.nc);
        let mut weights: Vec<f64> = Vec::with_capacity(self.nc);
        let mut mask: Vec<f64> = Vec::with_capacity(self.nc);
        let Job {
            t0, a, total, pa, ..
        } = job;
        for (dt, ((a_row, pa_row), total)) in a
            .chunks_exact_mut(self.nc)
            .zip(pa.chunks_exact_mut(self.np))
            .zip(total.iter_mut())
            .enumerate()
        {
            let t = t0 + dt;
            let c = row(self.consumption, self.nc, t);
            let p_row = row(self.production, self.np, t);
            let p = sum(p_row);
            match self.key {
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
                                // Gather the group (contiguous, in cache), fill, scatter.
                                members.clear();
                                weights.clear();
                                for &i in &g.members {
                                    members.push(c.get(i).copied().unwrap_or(0.0));
                                    weights.push(w.get(i).copied().unwrap_or(0.0));
                                }
                                let level = water_level(&members, &weights, left, &mut mask);
                                let mut given = 0.0;
                                for ((&i, &ci), &wi) in g.members.iter().zip(&members).zip(&weights)
                                {
                                    if let Some(a) = a_row.get_mut(i) {
                                        *a = level_value(ci, level, wi);
                                        given += *a;
                                    }
                                }
                                given
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
                _ => return None,
            }
            *total = sum(a_row);
            pooled_producers(pa_row, p_row, p, *total);
            if let Some(m) = check_step(c, a_row, p_row, pa_row, p, *total) {
                return Some((t, m));
            }
        }
        None
    }

    /// Per-pair custom key on the steps of `job` (pairs: `steps × np × nc`).
    fn run_pairs(&self, job: Job<'_>) -> Option<(usize, String)> {
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
        let Job {
            t0,
            a,
            total,
            pa,
            pairs,
            ..
        } = job;
        let (nc, np) = (self.nc, self.np);
        let mut norms = vec![1.0; np];
        for (dt, (((a_row, pa_row), pair_rows), total)) in a
            .chunks_exact_mut(nc)
            .zip(pa.chunks_exact_mut(np))
            .zip(pairs.chunks_exact_mut(np * nc))
            .zip(total.iter_mut())
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
            let p = sum(p_row);
            *total = sum(a_row);
            if let Some(m) = check_step(c, a_row, p_row, pa_row, p, *total) {
                return Some((t, m));
            }
        }
        None
    }
}

/// One step of a closed-form key: the fused pass, then the per-consumer checks; returns
/// `(Σ allocated, tolerance)` or what is broken.
#[inline(always)]
fn closed_step(
    c: &[f64],
    g: &[f64],
    p: f64,
    f: impl Fn(f64, f64) -> f64 + Copy,
) -> Result<(f64, f64), String> {
    let r = fused(c, g, f);
    let tol = tolerance_kwh(p.max(r.consumption));
    if r.negative || r.excess > tol {
        return Err(consumer_failure(c, g, tol, f)
            .unwrap_or_else(|| format!("allocation above consumption by {} kWh", r.excess)));
    }
    Ok((r.allocated, tol))
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

/// Shares `p` among consumers in proportion to `w`, capped by `c`, redistributing what
/// satisfied consumers leave (water filling); returns the level `λ` such that consumer `i`
/// gets [`level_value`]`(c_i, λ, w_i) = min(c_i, λ w_i)` (0 without weight), `f64::INFINITY`
/// when every consumer with a weight can be satisfied, 0 when `p ≤ 0`.
///
/// Rounds, each one dense, branch-free pass over contiguous memory with an activity mask
/// (`mask`, reused scratch): the level of a round is `λ = left / Σ_{active} w`; every active
/// consumer with `c_i ≤ λ w_i` is satisfied and leaves; a round that satisfies nobody ends
/// with that level. Each round satisfies at least one consumer or ends, so there are at most
/// `c.len()` rounds; and as soon as what is left covers every active consumer's consumption,
/// everyone is satisfied.
fn water_level(c: &[f64], w: &[f64], p: f64, mask: &mut Vec<f64>) -> f64 {
    if p.is_nan() || p <= 0.0 {
        return 0.0;
    }
    mask.clear();
    mask.extend(
        c.iter()
            .zip(w)
            .map(|(&c, &w)| if c > 0.0 && w > 0.0 { 1.0 } else { 0.0 }),
    );
    let mut left = p;
    let (mut weight, mut demand) = masked_sums(mask, w, c);
    loop {
        if weight.is_nan() || weight <= 0.0 || demand <= left {
            return f64::INFINITY;
        }
        let level = left / weight;
        let round = satisfy(mask, c, w, level);
        if round.satisfied == 0.0 {
            return level;
        }
        left -= round.given;
        if left.is_nan() || left <= 0.0 {
            return level;
        }
        (weight, demand) = (round.weight, round.demand);
    }
}

/// `(Σ m_i w_i, Σ m_i c_i)`, four lanes wide.
fn masked_sums(m: &[f64], w: &[f64], c: &[f64]) -> (f64, f64) {
    let (mut sw, mut sc) = ([0.0f64; 4], [0.0f64; 4]);
    let (mut ms, mut ws, mut cs) = (m.chunks_exact(4), w.chunks_exact(4), c.chunks_exact(4));
    for ((m4, w4), c4) in (&mut ms).zip(&mut ws).zip(&mut cs) {
        for ((((&m, &w), &c), sw), sc) in m4.iter().zip(w4).zip(c4).zip(&mut sw).zip(&mut sc) {
            *sw += m * w;
            *sc += m * c;
        }
    }
    let (mut rw, mut rc) = (0.0, 0.0);
    for ((&m, &w), &c) in ms
        .remainder()
        .iter()
        .zip(ws.remainder())
        .zip(cs.remainder())
    {
        rw += m * w;
        rc += m * c;
    }
    (
        (sw[0] + sw[1]) + (sw[2] + sw[3]) + rw,
        (sc[0] + sc[1]) + (sc[2] + sc[3]) + rc,
    )
}

/// One water-filling round.
struct Round {
    /// Consumption of the consumers satisfied in this round.
    given: f64,
    /// How many they are.
    satisfied: f64,
    /// Weight of the consumers still active after the round.
    weight: f64,
    /// Consumption of the consumers still active after the round.
    demand: f64,
}

/// Marks the active consumers with `c_i ≤ level × w_i` as satisfied (mask to 0) and, in the
/// same pass, sums what the next round needs.
fn satisfy(m: &mut [f64], c: &[f64], w: &[f64], level: f64) -> Round {
    let mut lanes = [[0.0f64; 4]; 4]; // given, satisfied, weight, demand
    let one = |m: &mut f64, c: f64, w: f64, acc: &mut [f64; 4]| {
        let s = if *m > 0.0 && c <= level * w { 1.0 } else { 0.0 };
        *m -= s;
        acc[0] += s * c;
        acc[1] += s;
        acc[2] += *m * w;
        acc[3] += *m * c;
    };
    let (mut ms, mut cs, mut ws) = (m.chunks_exact_mut(4), c.chunks_exact(4), w.chunks_exact(4));
    for ((m4, c4), w4) in (&mut ms).zip(&mut cs).zip(&mut ws) {
        for (((m, &c), &w), acc) in m4.iter_mut().zip(c4).zip(w4).zip(&mut lanes) {
            one(m, c, w, acc);
        }
    }
    let mut rest = [0.0f64; 4];
    for ((m, &c), &w) in ms
        .into_remainder()
        .iter_mut()
        .zip(cs.remainder())
        .zip(ws.remainder())
    {
        one(m, c, w, &mut rest);
    }
    let total = |k: usize| {
        (lanes[0][k] + lanes[1][k])
            + (lanes[2][k] + lanes[3][k])
            + rest.get(k).copied().unwrap_or(0.0)
    };
    Round {
        given: total(0),
        satisfied: total(1),
        weight: total(2),
        demand: total(3),
    }
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
        if !ok
            && let Some((&v, id)) = k
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

/// How the consumers' allocations are stored.
///
/// The keys with a closed form keep one or two scalars per step and compute
/// `allocated_i` on read, from the shared consumption matrix, with the same expression as the
/// allocation pass (so values are identical); the others keep the dense matrix.
#[derive(Debug, Clone)]
enum Stored {
    /// `steps × consumers`, step-major.
    Dense(Vec<f64>),
    /// Default key: per step, the ratio `min(1, P / ΣC)`.
    Prorata { ratio: Vec<f64> },
    /// Static key, leftovers to surplus: per consumer `k_i`, per step `P`.
    Static {
        k: Vec<f64>,
        production_kwh: Vec<f64>,
    },
    /// Static key with redistribution: per consumer `w_i`, per step the water level `λ`.
    Level { w: Vec<f64>, level: Vec<f64> },
}

/// The result of an allocation: step-major on the community's axis.
///
/// Consumer `i` and producer `p` are indices into [`Allocation::consumers`] and
/// [`Allocation::producers`] (the community's order). Accessors return 0 past the axis or
/// the member lists. For the default and static keys the consumers' allocations are not
/// stored but computed on read from per-step scalars (the allocation pass never writes a
/// `steps × consumers` matrix); the slice accessors ([`Allocation::allocated_row`],
/// [`Allocation::allocated_matrix_kwh`]) build the full matrix once, on first use.
#[derive(Debug, Clone)]
pub struct Allocation {
    axis: Axis,
    consumers: Arc<[MemberId]>,
    producers: Arc<[MemberId]>,
    consumption_kwh: Arc<[f64]>,
    production_kwh: Arc<[f64]>,
    allocated: Stored,
    /// The full matrix of a closed-form allocation, built on first use of a slice accessor.
    dense: OnceLock<Vec<f64>>,
    allocated_total_kwh: Vec<f64>,
    producer_allocated_kwh: Vec<f64>,
    pairs_kwh: Option<Vec<f64>>,
}

fn at(m: &[f64], n: usize, t: usize, i: usize) -> f64 {
    if i >= n {
        return 0.0;
    }
    t.checked_mul(n)
        .and_then(|r| m.get(r + i))
        .copied()
        .unwrap_or(0.0)
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
        let nc = self.consumers.len();
        if i >= nc {
            return 0.0;
        }
        let c = at(&self.consumption_kwh, nc, t, i);
        match &self.allocated {
            Stored::Dense(m) => at(m, nc, t, i),
            Stored::Prorata { ratio } => ratio.get(t).map_or(0.0, |&q| prorata_value(c, q)),
            Stored::Static { k, production_kwh } => match (k.get(i), production_kwh.get(t)) {
                (Some(&k), Some(&p)) => static_value(c, p, k),
                _ => 0.0,
            },
            Stored::Level { w, level } => match (w.get(i), level.get(t)) {
                (Some(&w), Some(&l)) => level_value(c, l, w),
                _ => 0.0,
            },
        }
    }

    /// Writes step `t`'s allocations into `out` (one per consumer), the values
    /// [`Allocation::allocated_row`] holds, without building the whole matrix.
    pub(crate) fn fill_row(&self, t: usize, out: &mut [f64]) {
        let c = self.consumption_row(t);
        match &self.allocated {
            Stored::Dense(m) => {
                let r = row(m, self.consumers.len(), t);
                for (o, &v) in out.iter_mut().zip(r) {
                    *o = v;
                }
            }
            Stored::Prorata { ratio } => {
                let q = ratio.get(t).copied().unwrap_or(0.0);
                for (o, &c) in out.iter_mut().zip(c) {
                    *o = prorata_value(c, q);
                }
            }
            Stored::Static { k, production_kwh } => {
                let p = production_kwh.get(t).copied().unwrap_or(0.0);
                for ((o, &c), &k) in out.iter_mut().zip(c).zip(k) {
                    *o = static_value(c, p, k);
                }
            }
            Stored::Level { w, level } => {
                let l = level.get(t).copied().unwrap_or(0.0);
                for ((o, &c), &w) in out.iter_mut().zip(c).zip(w) {
                    *o = level_value(c, l, w);
                }
            }
        }
    }

    /// The allocation matrix: stored, or built once from the per-step scalars.
    fn dense(&self) -> &[f64] {
        if let Stored::Dense(m) = &self.allocated {
            return m;
        }
        self.dense.get_or_init(|| {
            let nc = self.consumers.len();
            let mut m = vec![0.0; self.axis.len() * nc];
            for (t, r) in m.chunks_exact_mut(nc.max(1)).enumerate() {
                self.fill_row(t, r);
            }
            m
        })
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
        self.allocated_total_kwh.get(t).copied().unwrap_or(0.0)
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

    /// Allocation to every consumer at step `t`, kWh (builds the full matrix on first use
    /// for the default and static keys; see [`Allocation`]).
    pub fn allocated_row(&self, t: usize) -> &[f64] {
        row(self.dense(), self.consumers.len(), t)
    }

    /// Production of every producer at step `t`, kWh.
    pub fn production_row(&self, t: usize) -> &[f64] {
        row(&self.production_kwh, self.producers.len(), t)
    }

    /// Allocated part of every producer's production at step `t`, kWh.
    pub fn producer_allocated_row(&self, t: usize) -> &[f64] {
        row(&self.producer_allocated_kwh, self.producers.len(), t)
    }

    /// The allocation matrix, `steps × consumers`, step-major, kWh (built on first use for
    /// the default and static keys; see [`Allocation`]).
    pub fn allocated_matrix_kwh(&self) -> &[f64] {
        self.dense()
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

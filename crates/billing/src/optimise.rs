//! An optimised key: at every step, production goes first to the consumers who gain the most
//! per self-consumed kWh, expressed as a per-step custom key so that the allocation engine
//! applies (and checks) it like any PMO key.
//!
//! **Value.** Consumer `i` saves `v_i(t) = s_i − ℓ_i(t)` per self-consumed kWh at step `t`,
//! where `s_i` is its supplier price and `ℓ_i(t)` the local price it pays for shared energy
//! (its own price with [`crate::PriceBasis::Consumer`]; with [`crate::PriceBasis::Producer`], a
//! pooled key makes every producer supply every consumer in proportion to its production, so
//! `ℓ_i(t) = Σ_p P_p ℓ_p(t) / P` is the same for every consumer). Consumers with `v_i(t) ≤ 0`
//! get nothing (their share is surplus).
//!
//! **Greedy is optimal.** At one step the problem is `max Σ_i v_i a_i` subject to
//! `0 ≤ a_i ≤ C_i` and `Σ_i a_i ≤ P` (a fractional knapsack with unit weights). Sort consumers
//! by decreasing `v_i` and give each in turn `min(C_i, what is left)`, stopping at the first
//! `v_i ≤ 0`. Proof by exchange: let `a` be any feasible allocation and `g` the greedy one. If
//! `a ≠ g` on the positive-value consumers, take the first consumer `k` in greedy order with
//! `a_k < g_k` (there is one, or `a` gives someone more than greedy, which is only possible
//! where greedy already gave `C_k` — impossible — or to a consumer after greedy ran out of
//! production, which requires `a_k < g_k` for an earlier `k`). Either production is left
//! unused in `a` or some later consumer `j` (so `v_j ≤ v_k`) has `a_j > g_j`; moving
//! `δ = min(g_k − a_k, a_j − g_j)` (or the unused production) from `j` to `k` keeps `a`
//! feasible and changes the value by `δ (v_k − v_j) ≥ 0`. Each move strictly reduces
//! `Σ |a − g|`, so after finitely many moves `a` becomes `g` with a value at least `a`'s: `g` is
//! optimal. Giving energy to a consumer with `v_i ≤ 0` never increases the value, so stopping
//! there is optimal too. Steps are independent (no constraint links them), so optimising each
//! step optimises the whole period.
//!
//! **Invariants.** The greedy allocation satisfies `a_i ≤ C_i` and `Σ a_i ≤ P` by
//! construction; it is expressed as coefficients `k_i = a_i / P` (0 when `P = 0`), whose sum is
//! at most 1 up to rounding, and the engine recomputes `min(C_i, P k_i)` and checks every
//! invariant.

use quartier_share::{Allocation, Community, CustomKey, Key, allocate};

use crate::{BillingError, PriceBasis, Prices};

/// The optimised key of `community` under `prices` (a [`CustomKey::PerConsumer`] key).
pub fn optimised_key(community: &Community, prices: &Prices) -> Result<Key, BillingError> {
    prices.validate(community.consumers(), community.producers())?;
    let axis = *community.axis();
    let consumers = community.consumers();
    let producers = community.producers();
    let nc = consumers.len();
    let supplier: Vec<f64> = consumers
        .iter()
        .map(|id| crate::money::to_f64(prices.supplier_of(id)))
        .collect();
    let local_c: Vec<_> = consumers.iter().map(|id| prices.local_of(id)).collect();
    let local_p: Vec<_> = producers.iter().map(|id| prices.local_of(id)).collect();
    let mut coefficients = vec![0.0; axis.len() * nc];
    let mut order: Vec<usize> = (0..nc).collect();
    let mut value = vec![0.0; nc];
    for (t, k_row) in coefficients.chunks_exact_mut(nc.max(1)).enumerate() {
        let utc = axis.time(t);
        let p_row = community.production_row(t);
        let c_row = community.consumption_row(t);
        let p: f64 = p_row.iter().sum();
        if p <= 0.0 || nc == 0 {
            continue;
        }
        let pooled_price = match prices.basis {
            PriceBasis::Producer => {
                p_row
                    .iter()
                    .zip(&local_p)
                    .map(|(pp, price)| pp * price.weight_at(utc))
                    .sum::<f64>()
                    / p
            }
            PriceBasis::Consumer => 0.0,
        };
        for (i, v) in value.iter_mut().enumerate() {
            let local = match prices.basis {
                PriceBasis::Producer => pooled_price,
                PriceBasis::Consumer => local_c.get(i).map_or(0.0, |x| x.weight_at(utc)),
            };
            *v = supplier.get(i).copied().unwrap_or(0.0) - local;
        }
        order.sort_by(|&a, &b| {
            let (va, vb) = (
                value.get(a).copied().unwrap_or(0.0),
                value.get(b).copied().unwrap_or(0.0),
            );
            vb.total_cmp(&va).then(a.cmp(&b))
        });
        let mut left = p;
        for &i in &order {
            if left <= 0.0 || value.get(i).is_none_or(|v| *v <= 0.0) {
                break;
            }
            let c = c_row.get(i).copied().unwrap_or(0.0);
            let a = c.min(left);
            if let Some(k) = k_row.get_mut(i) {
                *k = (a / p).clamp(0.0, 1.0);
            }
            left -= a;
        }
    }
    Ok(Key::Custom(CustomKey::PerConsumer {
        axis,
        consumers: consumers.to_vec(),
        coefficients,
    }))
}

/// Allocates `community` with its optimised key (see [`optimised_key`]).
pub fn optimised_allocation(
    community: &Community,
    prices: &Prices,
) -> Result<Allocation, BillingError> {
    let key = optimised_key(community, prices)?;
    Ok(allocate(community, &key)?)
}

//! Allocation keys ([`Key`]): how the production of a step is shared among consumers.
//!
//! All coefficients are shares of production as fractions (`0.5` = 50 %). Every key gives
//! `allocated_i ≤ C_i` and `Σ allocated ≤ P`; what is not allocated is surplus.
//!
//! - [`Key::Default`] — the default dynamic key of art. D315-6 of the Code de l'énergie:
//!   `allocated_i = min(C_i, P × C_i / ΣC)`.
//! - [`Key::Static`] — fixed coefficients `k_i`: `allocated_i = min(C_i, P × k_i)`; with
//!   [`Leftover::Redistribute`], what satisfied consumers leave (and the unkeyed `1 − Σk`) is
//!   shared again among the still-unsatisfied consumers in proportion to their coefficients,
//!   round after round, until nothing is left or every consumer with `k_i > 0` is satisfied.
//!   Each round satisfies at least one more consumer or distributes everything, so there
//!   are at most as many rounds as consumers; the result is the unique
//!   `allocated_i = min(C_i, λ k_i)` with `Σ allocated = min(P, Σ_{k_i>0} C_i)`.
//! - [`Key::Priority`] — ordered groups; each group shares what earlier groups left, inside
//!   by prorata of consumption ([`Inside::Prorata`], the default-key rule) or by static
//!   weights with redistribution ([`Inside::Static`]). A consumer in no group gets nothing.
//! - [`Key::Custom`] — per-step coefficients from the PMO ([`CustomKey`]), per consumer or per
//!   producer × consumer pair; above 100 % at a step is an error, below it the rest is surplus.
//! - [`Key::Periods`] — one of the keys above per period of validity ([`KeyPeriod`]), when the
//!   PMO sends new coefficients because members joined or left.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use quartier_timeseries::Axis;

use crate::{MemberId, ShareError};

/// What happens to production left over by satisfied consumers under a static key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leftover {
    /// It is surplus (injected, sold).
    Surplus,
    /// It is redistributed among still-unsatisfied consumers, in proportion to their
    /// coefficients, until none is left or everyone is satisfied.
    Redistribute,
}

/// How a priority group shares what reaches it.
#[derive(Debug, Clone, PartialEq)]
pub enum Inside {
    /// Prorata of consumption, capped by consumption (the default-key rule).
    Prorata,
    /// Static weights, one per group member in the order of [`Group::members`], with
    /// redistribution (so only their ratios matter).
    Static(Vec<f64>),
}

/// One priority group.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Its consumers.
    pub members: Vec<MemberId>,
    /// How it shares what reaches it.
    pub inside: Inside,
}

/// Per-step coefficients supplied by the PMO, as shares (1 = 100 %), on an axis that must be
/// the community's.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomKey {
    /// One coefficient per step and consumer: `coefficients[t × consumers.len() + j]` is
    /// consumer `j`'s share of the step's total production. A consumer absent from the list
    /// has coefficient 0. Per step, `allocated_i = min(C_i, P × k_i)`.
    PerConsumer {
        /// The axis the coefficients are on.
        axis: Axis,
        /// Column order.
        consumers: Vec<MemberId>,
        /// `steps × consumers`, step-major.
        coefficients: Vec<f64>,
    },
    /// One coefficient per step, producer and consumer:
    /// `coefficients[(t × producers.len() + p) × consumers.len() + j]` is consumer `j`'s share
    /// of producer `p`'s production. See [`crate::allocate`] for the capping rule.
    PerPair {
        /// The axis the coefficients are on.
        axis: Axis,
        /// Producer order.
        producers: Vec<MemberId>,
        /// Consumer order.
        consumers: Vec<MemberId>,
        /// `steps × producers × consumers`, step-major.
        coefficients: Vec<f64>,
    },
}

/// An allocation key. See the module documentation for the rules.
#[derive(Debug, Clone, PartialEq)]
pub enum Key {
    /// Dynamic prorata of consumption (D315-6).
    Default,
    /// Fixed coefficients per consumer (absent consumers: 0); they must sum to at most 1.
    Static {
        /// `(consumer, share)` pairs.
        coefficients: Vec<(MemberId, f64)>,
        /// What becomes of leftovers.
        leftover: Leftover,
    },
    /// Ordered groups, served one after the other.
    Priority {
        /// The groups, first served first.
        groups: Vec<Group>,
    },
    /// Per-step coefficients.
    Custom(CustomKey),
    /// Keys that change at given instants (the PMO sends new coefficients when membership
    /// changes): each applies from its `from` to the next one's. The first must start at or
    /// before the axis; inside, only default, static and priority keys; a static key must give
    /// a coefficient to every consumer present in its period.
    Periods(Vec<KeyPeriod>),
}

/// One period of validity of a key.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPeriod {
    /// First instant it applies.
    pub from: DateTime<Utc>,
    /// The key.
    pub key: Key,
}

/// Sums of coefficients may exceed 1 by this much (rounding in files) before it is an error.
pub const SUM_TOLERANCE: f64 = 1e-9;

/// A key resolved against a community: indices instead of ids, checked values.
pub(crate) enum Resolved<'k> {
    Default,
    StaticSurplus(Vec<f64>),
    StaticRedistribute(Vec<f64>),
    Priority(Vec<ResolvedGroup>),
    CustomConsumer {
        /// For each community consumer, its column in the key (None: coefficient 0).
        cols: Vec<Option<usize>>,
        width: usize,
        coefficients: &'k [f64],
    },
    CustomPair {
        /// For each community producer, its row block in the key.
        prods: Vec<Option<usize>>,
        cols: Vec<Option<usize>>,
        key_producers: usize,
        width: usize,
        coefficients: &'k [f64],
    },
}

pub(crate) struct ResolvedGroup {
    pub members: Vec<usize>,
    /// None: prorata; Some: weights indexed by community consumer index (0 outside the group).
    pub weights: Option<Vec<f64>>,
}

/// Position of every id in a community list.
type IdMap<'a> = HashMap<&'a MemberId, usize>;

fn id_map(ids: &[MemberId]) -> IdMap<'_> {
    ids.iter().enumerate().map(|(i, id)| (id, i)).collect()
}

fn index_of(
    ids: &IdMap<'_>,
    id: &MemberId,
    context: &str,
    expected: &'static str,
) -> Result<usize, ShareError> {
    ids.get(id)
        .copied()
        .ok_or_else(|| ShareError::UnknownMember {
            id: id.clone(),
            context: context.to_string(),
            expected,
        })
}

fn check_share(id: &MemberId, v: f64, context: &str, max: f64) -> Result<(), ShareError> {
    if !v.is_finite() || v < 0.0 || v > max {
        return Err(ShareError::BadCoefficient {
            id: id.clone(),
            context: context.to_string(),
            value: v,
        });
    }
    Ok(())
}

/// Maps key ids to community indices: `result[i]` is the key column of community id `i`.
fn columns(
    community_ids: &IdMap<'_>,
    key_ids: &[MemberId],
    context: &str,
    expected: &'static str,
) -> Result<Vec<Option<usize>>, ShareError> {
    let mut cols = vec![None; community_ids.len()];
    for (j, id) in key_ids.iter().enumerate() {
        let i = index_of(community_ids, id, context, expected)?;
        match cols.get_mut(i) {
            Some(slot @ None) => *slot = Some(j),
            _ => {
                return Err(ShareError::DuplicateInKey {
                    id: id.clone(),
                    context: context.to_string(),
                });
            }
        }
    }
    Ok(cols)
}

impl Key {
    pub(crate) fn resolve<'k>(
        &'k self,
        axis: &Axis,
        consumers: &[MemberId],
        producers: &[MemberId],
    ) -> Result<Resolved<'k>, ShareError> {
        let (consumer_ids, producer_ids) = (id_map(consumers), id_map(producers));
        match self {
            Key::Periods(_) => Err(ShareError::KeyPeriod {
                from: String::new(),
                message: "periods inside a period are not allowed".into(),
            }),
            Key::Default => Ok(Resolved::Default),
            Key::Static {
                coefficients,
                leftover,
            } => {
                let ctx = "static key";
                let mut k = vec![0.0; consumers.len()];
                let mut seen = vec![false; consumers.len()];
                let mut sum = 0.0;
                for (id, v) in coefficients {
                    let i = index_of(&consumer_ids, id, ctx, "consumer")?;
                    check_share(id, *v, ctx, 1.0)?;
                    if let (Some(s), Some(slot)) = (seen.get_mut(i), k.get_mut(i)) {
                        if *s {
                            return Err(ShareError::DuplicateInKey {
                                id: id.clone(),
                                context: ctx.into(),
                            });
                        }
                        *s = true;
                        *slot = *v;
                    }
                    sum += v;
                }
                if sum > 1.0 + SUM_TOLERANCE {
                    return Err(ShareError::StaticAbove100 {
                        sum_percent: sum * 100.0,
                    });
                }
                if sum > 1.0 {
                    k.iter_mut().for_each(|v| *v /= sum);
                }
                Ok(match leftover {
                    Leftover::Surplus => Resolved::StaticSurplus(k),
                    Leftover::Redistribute => Resolved::StaticRedistribute(k),
                })
            }
            Key::Priority { groups } => {
                let mut seen = vec![false; consumers.len()];
                let mut out = Vec::with_capacity(groups.len());
                for (g, group) in groups.iter().enumerate() {
                    let ctx = format!("priority group {}", g + 1);
                    let mut members = Vec::with_capacity(group.members.len());
                    for id in &group.members {
                        let i = index_of(&consumer_ids, id, &ctx, "consumer")?;
                        match seen.get_mut(i) {
                            Some(s) if !*s => *s = true,
                            _ => {
                                return Err(ShareError::DuplicateInKey {
                                    id: id.clone(),
                                    context: "priority key".into(),
                                });
                            }
                        }
                        members.push(i);
                    }
                    let weights = match &group.inside {
                        Inside::Prorata => None,
                        Inside::Static(w) => {
                            if w.len() != group.members.len() {
                                return Err(ShareError::BadKey {
                                    context: ctx,
                                    message: format!(
                                        "{} static weights for {} members",
                                        w.len(),
                                        group.members.len()
                                    ),
                                });
                            }
                            let mut full = vec![0.0; consumers.len()];
                            for ((&i, id), &v) in members.iter().zip(&group.members).zip(w) {
                                check_share(id, v, &ctx, f64::MAX)?;
                                if let Some(slot) = full.get_mut(i) {
                                    *slot = v;
                                }
                            }
                            Some(full)
                        }
                    };
                    out.push(ResolvedGroup { members, weights });
                }
                Ok(Resolved::Priority(out))
            }
            Key::Custom(CustomKey::PerConsumer {
                axis: kaxis,
                consumers: kc,
                coefficients,
            }) => {
                let ctx = "custom key";
                check_axis(axis, kaxis)?;
                check_len(coefficients.len(), axis.len() * kc.len(), ctx)?;
                let cols = columns(&consumer_ids, kc, ctx, "consumer")?;
                Ok(Resolved::CustomConsumer {
                    cols,
                    width: kc.len(),
                    coefficients,
                })
            }
            Key::Custom(CustomKey::PerPair {
                axis: kaxis,
                producers: kp,
                consumers: kc,
                coefficients,
            }) => {
                let ctx = "custom key";
                check_axis(axis, kaxis)?;
                check_len(coefficients.len(), axis.len() * kp.len() * kc.len(), ctx)?;
                let cols = columns(&consumer_ids, kc, ctx, "consumer")?;
                let prods = columns(&producer_ids, kp, ctx, "producer")?;
                Ok(Resolved::CustomPair {
                    prods,
                    cols,
                    key_producers: kp.len(),
                    width: kc.len(),
                    coefficients,
                })
            }
        }
    }
}

fn check_axis(axis: &Axis, key_axis: &Axis) -> Result<(), ShareError> {
    if axis != key_axis {
        return Err(crate::community::axis_mismatch(
            "the custom key".into(),
            "coefficients",
            axis,
            key_axis,
        ));
    }
    Ok(())
}

fn check_len(found: usize, expected: usize, ctx: &str) -> Result<(), ShareError> {
    if found != expected {
        return Err(ShareError::BadKey {
            context: ctx.into(),
            message: format!("{found} coefficients, expected {expected} (steps × members)"),
        });
    }
    Ok(())
}

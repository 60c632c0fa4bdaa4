//! A [`Community`]: the members of one operation and their curves on one [`Axis`], stored
//! step-major for the allocation kernels, built and validated by a [`CommunityBuilder`].
//!
//! Layout: consumption is one `Vec<f64>` of `steps × consumers` (row `t` holds every
//! consumer's kWh at step `t`, in consumer order), production likewise with producers. A
//! storage member appears in both: its charge curve is its consumption, its discharge curve
//! its production. Rows are what every key needs at once, so one step is one contiguous slice
//! and chunks of steps are independent (the unit of parallel work).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use quartier_timeseries::{Axis, Quantity, Series};

use crate::{Member, MemberId, Role, ShareError, StepTime};

enum Curves {
    Single(Series),
    Storage { charge: Series, discharge: Series },
}

/// Collects members and curves, then checks everything at once in [`CommunityBuilder::build`].
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use quartier_share::{CommunityBuilder, Member, MemberId, Role};
/// use quartier_timeseries::{Axis, Quantity, Series, Step};
///
/// let axis = Axis::new(Utc.with_ymd_and_hms(2025, 6, 1, 10, 0, 0).unwrap(), Step::MIN15, 1).unwrap();
/// let kwh = |v: f64| Series::new(axis, Quantity::EnergyKwh, vec![v]).unwrap();
/// let (pv, home) = (MemberId::new("pv").unwrap(), MemberId::new("30001234567890").unwrap());
/// let community = CommunityBuilder::new(axis)
///     .member(Member::new(pv.clone(), Role::Producer))
///     .member(Member::new(home.clone(), Role::Consumer))
///     .curve(&pv, kwh(6.0))
///     .curve(&home, kwh(2.0))
///     .build()
///     .unwrap();
/// assert_eq!(community.consumers(), &[home]);
/// ```
pub struct CommunityBuilder {
    axis: Axis,
    members: Vec<Member>,
    curves: Vec<(MemberId, Curves)>,
}

impl CommunityBuilder {
    /// An empty community on `axis`.
    pub fn new(axis: Axis) -> CommunityBuilder {
        CommunityBuilder {
            axis,
            members: Vec::new(),
            curves: Vec::new(),
        }
    }

    /// Declares a member (duplicates are reported by `build`).
    pub fn member(mut self, member: Member) -> CommunityBuilder {
        self.members.push(member);
        self
    }

    /// Gives a consumer its consumption curve, or a producer its production curve (kWh per
    /// interval on the community's axis).
    pub fn curve(mut self, id: &MemberId, kwh: Series) -> CommunityBuilder {
        self.curves.push((id.clone(), Curves::Single(kwh)));
        self
    }

    /// Gives a storage member its charge (consumed) and discharge (produced) curves, kWh per
    /// interval.
    pub fn storage_curves(
        mut self,
        id: &MemberId,
        charge_kwh: Series,
        discharge_kwh: Series,
    ) -> CommunityBuilder {
        self.curves.push((
            id.clone(),
            Curves::Storage {
                charge: charge_kwh,
                discharge: discharge_kwh,
            },
        ));
        self
    }

    /// Checks members and curves and lays them out step-major; a member's values outside its
    /// membership become zero (its energy then is not the operation's).
    ///
    /// Errors: duplicated ids, a curve for an undeclared member or twice for one member, a
    /// member without a curve, a curve of the wrong kind for the role, a curve on another
    /// axis, not in kWh, with a NaN/infinite or negative value (naming member and step).
    pub fn build(self) -> Result<Community, ShareError> {
        let axis = self.axis;
        let mut index: HashMap<MemberId, usize> = HashMap::new();
        for (i, m) in self.members.iter().enumerate() {
            if index.insert(m.id.clone(), i).is_some() {
                return Err(ShareError::DuplicateId { id: m.id.clone() });
            }
        }
        let mut curves: Vec<Option<Curves>> = self.members.iter().map(|_| None).collect();
        for (id, c) in self.curves {
            let Some(&i) = index.get(&id) else {
                return Err(ShareError::UnknownMember {
                    id,
                    context: "curve".into(),
                    expected: "member",
                });
            };
            let (role, slot) = match (self.members.get(i), curves.get_mut(i)) {
                (Some(m), Some(slot)) => (m.role, slot),
                _ => continue,
            };
            if slot.is_some() {
                return Err(ShareError::WrongCurve {
                    id,
                    message: "curves given twice".into(),
                });
            }
            match (&c, role) {
                (Curves::Single(_), Role::Storage) => {
                    return Err(ShareError::WrongCurve {
                        id,
                        message: "a storage member needs charge and discharge curves".into(),
                    });
                }
                (Curves::Storage { .. }, Role::Consumer | Role::Producer) => {
                    return Err(ShareError::WrongCurve {
                        id,
                        message: format!("a {role} takes one curve, not charge and discharge"),
                    });
                }
                _ => {}
            }
            *slot = Some(c);
        }

        let mut consumers = Vec::new();
        let mut producers = Vec::new();
        let mut cons_cols: Vec<Cow<'_, [f64]>> = Vec::new();
        let mut prod_cols: Vec<Cow<'_, [f64]>> = Vec::new();
        let mut cons_members = Vec::new();
        let mut prod_members = Vec::new();
        for (k, (m, c)) in self.members.iter().zip(&curves).enumerate() {
            let Some(c) = c else {
                return Err(ShareError::MissingCurve {
                    id: m.id.clone(),
                    role: m.role,
                });
            };
            match (m.role, c) {
                (Role::Consumer, Curves::Single(s)) => {
                    cons_cols.push(masked(
                        &axis,
                        m,
                        check_curve(&axis, &m.id, "consumption", s)?,
                    ));
                    consumers.push(m.id.clone());
                    cons_members.push(k);
                }
                (Role::Producer, Curves::Single(s)) => {
                    prod_cols.push(masked(
                        &axis,
                        m,
                        check_curve(&axis, &m.id, "production", s)?,
                    ));
                    producers.push(m.id.clone());
                    prod_members.push(k);
                }
                (Role::Storage, Curves::Storage { charge, discharge }) => {
                    cons_cols.push(masked(
                        &axis,
                        m,
                        check_curve(&axis, &m.id, "charge", charge)?,
                    ));
                    consumers.push(m.id.clone());
                    cons_members.push(k);
                    prod_cols.push(masked(
                        &axis,
                        m,
                        check_curve(&axis, &m.id, "discharge", discharge)?,
                    ));
                    producers.push(m.id.clone());
                    prod_members.push(k);
                }
                _ => {} // kinds were matched to roles above
            }
        }
        let cons: Vec<&[f64]> = cons_cols.iter().map(|c| c.as_ref()).collect();
        let prod: Vec<&[f64]> = prod_cols.iter().map(|c| c.as_ref()).collect();
        Ok(Community {
            axis,
            consumption_kwh: transpose(&cons, axis.len()),
            production_kwh: transpose(&prod, axis.len()),
            members: self.members,
            consumers: consumers.into(),
            producers: producers.into(),
            consumer_members: cons_members.into(),
            producer_members: prod_members.into(),
        })
    }
}

/// `values` of member `m`, with zeros outside its membership (its energy then is not the
/// operation's).
fn masked<'a>(axis: &Axis, m: &Member, values: &'a [f64]) -> Cow<'a, [f64]> {
    if m.membership.is_always() {
        return Cow::Borrowed(values);
    }
    Cow::Owned(
        values
            .iter()
            .enumerate()
            .map(|(t, &v)| {
                if m.membership.contains(axis.time(t)) {
                    v
                } else {
                    0.0
                }
            })
            .collect(),
    )
}

fn check_curve<'a>(
    axis: &Axis,
    id: &MemberId,
    what: &'static str,
    s: &'a Series,
) -> Result<&'a [f64], ShareError> {
    if s.axis() != axis {
        return Err(axis_mismatch(id.to_string(), what, axis, s.axis()));
    }
    if s.quantity() != Quantity::EnergyKwh {
        return Err(ShareError::NotEnergy {
            id: id.clone(),
            what,
            quantity: s.quantity(),
            unit: s.quantity().unit(),
        });
    }
    for (t, &v) in s.values().iter().enumerate() {
        if !v.is_finite() {
            return Err(ShareError::NotFinite {
                id: id.clone(),
                what,
                at: StepTime::of(axis, t),
            });
        }
        if v < 0.0 {
            return Err(ShareError::Negative {
                id: id.clone(),
                what,
                at: StepTime::of(axis, t),
                value_kwh: v,
            });
        }
    }
    Ok(s.values())
}

pub(crate) fn axis_mismatch(
    id: String,
    what: &'static str,
    expected: &Axis,
    found: &Axis,
) -> ShareError {
    ShareError::AxisMismatch {
        id,
        what,
        expected_start: expected.start(),
        expected_end: expected.end(),
        expected_step: expected.step(),
        expected_len: expected.len(),
        found_start: found.start(),
        found_end: found.end(),
        found_step: found.step(),
        found_len: found.len(),
    }
}

/// Member-major columns → one step-major matrix (`steps × columns.len()`).
/// The columns as one step-major matrix, built in place in its `Arc` (a year of half-hours
/// for 1,000 members is 140 MB: never copied).
fn transpose(columns: &[&[f64]], steps: usize) -> Arc<[f64]> {
    let n = columns.len();
    let mut matrix: Arc<[f64]> = (0..steps * n).map(|_| 0.0).collect();
    if let Some(out) = Arc::get_mut(&mut matrix)
        && n > 0
    {
        fill_transposed(columns, n, out);
    }
    matrix
}

fn fill_transposed(columns: &[&[f64]], n: usize, out: &mut [f64]) {
    // Blocks of steps keep both the source columns and the destination rows in cache.
    const BLOCK: usize = 256;
    for (b, rows) in out.chunks_mut(BLOCK * n).enumerate() {
        let t0 = b * BLOCK;
        for (j, col) in columns.iter().enumerate() {
            let src = col.get(t0..).unwrap_or(&[]);
            for (row, &v) in rows.chunks_exact_mut(n).zip(src) {
                if let Some(dst) = row.get_mut(j) {
                    *dst = v;
                }
            }
        }
    }
}

/// The members of one operation and their validated curves, step-major on one axis.
///
/// Consumers are the members with role [`Role::Consumer`] or [`Role::Storage`] (charge
/// curve), producers those with [`Role::Producer`] or [`Role::Storage`] (discharge curve),
/// each in declaration order. Curves are shared (`Arc`) with the allocations made from them.
#[derive(Debug, Clone)]
pub struct Community {
    axis: Axis,
    members: Vec<Member>,
    consumers: Arc<[MemberId]>,
    producers: Arc<[MemberId]>,
    consumption_kwh: Arc<[f64]>,
    production_kwh: Arc<[f64]>,
    /// Index in `members` of each consumer and producer.
    consumer_members: Arc<[usize]>,
    producer_members: Arc<[usize]>,
}

impl Community {
    /// True when consumer `i` belongs to the operation at step `t` (see [`Member::membership`]).
    pub fn consumer_present(&self, i: usize, t: usize) -> bool {
        self.consumer_members
            .get(i)
            .and_then(|&k| self.members.get(k))
            .is_some_and(|m| m.membership.contains(self.axis.time(t)))
    }

    /// True when producer `p` belongs to the operation at step `t`.
    pub fn producer_present(&self, p: usize, t: usize) -> bool {
        self.producer_members
            .get(p)
            .and_then(|&k| self.members.get(k))
            .is_some_and(|m| m.membership.contains(self.axis.time(t)))
    }

    /// The same members and axis with other curves (measured by the grid operator, say):
    /// `consumption` is `steps × consumers`, `production` `steps × producers`, step-major, kWh;
    /// values outside a member's membership become zero.
    ///
    /// Errors: matrices of the wrong size, a value that is not finite or negative.
    pub fn with_curves(
        &self,
        mut consumption: Vec<f64>,
        mut production: Vec<f64>,
    ) -> Result<Community, ShareError> {
        let (nc, np, steps) = (self.consumers.len(), self.producers.len(), self.axis.len());
        for (what, m, n, ids, members) in [
            (
                "consumption",
                &mut consumption,
                nc,
                &self.consumers,
                &self.consumer_members,
            ),
            (
                "production",
                &mut production,
                np,
                &self.producers,
                &self.producer_members,
            ),
        ] {
            if m.len() != steps * n {
                return Err(axis_mismatch(what.into(), what, &self.axis, &self.axis));
            }
            for (k, v) in m.iter_mut().enumerate() {
                let (t, j) = (k / n.max(1), k % n.max(1));
                let Some(id) = ids.get(j).cloned() else {
                    continue;
                };
                if !v.is_finite() {
                    return Err(ShareError::NotFinite {
                        id,
                        what,
                        at: StepTime::of(&self.axis, t),
                    });
                }
                if *v < 0.0 {
                    return Err(ShareError::Negative {
                        id,
                        what,
                        at: StepTime::of(&self.axis, t),
                        value_kwh: *v,
                    });
                }
                let present = members
                    .get(j)
                    .and_then(|&k| self.members.get(k))
                    .is_some_and(|m| m.membership.contains(self.axis.time(t)));
                if !present {
                    *v = 0.0;
                }
            }
        }
        Ok(Community {
            consumption_kwh: consumption.into(),
            production_kwh: production.into(),
            ..self.clone()
        })
    }

    /// The same community over steps `[start, end)` of its axis (`None` when out of range or
    /// empty).
    pub fn window(&self, start: usize, end: usize) -> Option<Community> {
        if start >= end || end > self.axis.len() {
            return None;
        }
        let axis = Axis::new(self.axis.time(start), self.axis.step(), end - start).ok()?;
        let (nc, np) = (self.consumers.len(), self.producers.len());
        Some(Community {
            axis,
            members: self.members.clone(),
            consumers: Arc::clone(&self.consumers),
            producers: Arc::clone(&self.producers),
            consumption_kwh: self.consumption_kwh.get(start * nc..end * nc)?.into(),
            production_kwh: self.production_kwh.get(start * np..end * np)?.into(),
            consumer_members: Arc::clone(&self.consumer_members),
            producer_members: Arc::clone(&self.producer_members),
        })
    }

    /// The common axis.
    pub fn axis(&self) -> &Axis {
        &self.axis
    }

    /// Every member, in declaration order.
    pub fn members(&self) -> &[Member] {
        &self.members
    }

    /// The member with this id.
    pub fn member(&self, id: &MemberId) -> Option<&Member> {
        self.members.iter().find(|m| &m.id == id)
    }

    /// Consumer ids (consumers and storage), in the column order of the consumption rows.
    pub fn consumers(&self) -> &[MemberId] {
        &self.consumers
    }

    /// Producer ids (producers and storage), in the column order of the production rows.
    pub fn producers(&self) -> &[MemberId] {
        &self.producers
    }

    /// Consumption (kWh) of every consumer at step `t` (empty past the axis).
    pub fn consumption_row(&self, t: usize) -> &[f64] {
        row(&self.consumption_kwh, self.consumers.len(), t)
    }

    /// Production (kWh) of every producer at step `t` (empty past the axis).
    pub fn production_row(&self, t: usize) -> &[f64] {
        row(&self.production_kwh, self.producers.len(), t)
    }

    /// The whole consumption matrix, `steps × consumers`, step-major, kWh.
    pub fn consumption_kwh(&self) -> &[f64] {
        &self.consumption_kwh
    }

    /// The whole production matrix, `steps × producers`, step-major, kWh.
    pub fn production_kwh(&self) -> &[f64] {
        &self.production_kwh
    }

    pub(crate) fn shared_consumption(&self) -> Arc<[f64]> {
        Arc::clone(&self.consumption_kwh)
    }

    pub(crate) fn shared_production(&self) -> Arc<[f64]> {
        Arc::clone(&self.production_kwh)
    }

    pub(crate) fn shared_ids(&self) -> (Arc<[MemberId]>, Arc<[MemberId]>) {
        (Arc::clone(&self.consumers), Arc::clone(&self.producers))
    }
}

pub(crate) fn row(m: &[f64], n: usize, t: usize) -> &[f64] {
    t.checked_mul(n)
        .and_then(|start| m.get(start..start.checked_add(n)?))
        .unwrap_or(&[])
}

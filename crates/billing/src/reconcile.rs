//! Reconciliation: Quartier's allocation next to the grid operator's official data, per PRM,
//! local month and quantity (consumption, self-consumed, complement, production, surplus), and
//! per step where the operator sent curves.
//!
//! A difference is **listed** when it is above [`TOLERANCE_KWH`] and above
//! [`TOLERANCE_RELATIVE`] of the official value. Each listed difference gets its likely cause,
//! the first that fits:
//! 1. [`Cause::NotInCommunity`] / [`Cause::NotInOfficial`]: one side does not know the PRM;
//! 2. [`Cause::MemberDates`]: the operator counts energy at steps where the community file says
//!    the member does not belong (or the reverse);
//! 3. [`Cause::CurveDiffers`]: the consumption (or production) differs: a meter curve missing or
//!    corrected on one side;
//! 4. [`Cause::CoefficientRounding`]: the same curves, and the allocated energy differs by no
//!    more than the 0.1 % of production a step the floored coefficients can lose;
//! 5. [`Cause::KeyDiffers`]: the same curves and a larger difference: the key the operator
//!    applied is not the community file's.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use quartier_share::{Allocation, Community};
use quartier_timeseries::{AccOfficial, AccQuantity, Axis, Series};

use crate::Month;

/// Differences up to this many kWh are not listed.
pub const TOLERANCE_KWH: f64 = 0.1;
/// Differences up to this share of the official value are not listed.
pub const TOLERANCE_RELATIVE: f64 = 0.001;
/// What flooring coefficients to 0.1 % can lose a step, as a share of production.
const ROUNDING_SHARE: f64 = 0.001;

/// The likely cause of a difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    /// The operator has data for a PRM the community file does not have.
    NotInCommunity,
    /// The community file has a member the operator sent nothing for.
    NotInOfficial,
    /// The operator counts the member at steps where the community file does not (dates).
    MemberDates,
    /// The meter curve differs: missing or corrected data on one side.
    CurveDiffers,
    /// Within what floored coefficients lose.
    CoefficientRounding,
    /// The key the operator applied differs from the community file's.
    KeyDiffers,
}

impl Cause {
    /// A stable name (`not_in_community`, …), for wire formats and translated labels.
    pub fn code(self) -> &'static str {
        match self {
            Cause::NotInCommunity => "not_in_community",
            Cause::NotInOfficial => "not_in_official",
            Cause::MemberDates => "member_dates",
            Cause::CurveDiffers => "curve_differs",
            Cause::CoefficientRounding => "coefficient_rounding",
            Cause::KeyDiffers => "key_differs",
        }
    }

    /// In words, for the reconciliation file.
    pub fn text(self) -> &'static str {
        match self {
            Cause::NotInCommunity => {
                "the operator counts this PRM; the community file does not have it (members differ)"
            }
            Cause::NotInOfficial => {
                "the operator sent nothing for this member (not in its perimeter, or dates differ)"
            }
            Cause::MemberDates => {
                "the member's dates differ: the operator counts it at steps where the community file does not"
            }
            Cause::CurveDiffers => "the meter curve differs: data missing or corrected on one side",
            Cause::CoefficientRounding => {
                "rounding of coefficients (0.1 % floors): same curves, difference within what rounding loses"
            }
            Cause::KeyDiffers => "the key differs: same curves, the operator shared otherwise",
        }
    }
}

/// One PRM, month and quantity, both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The PRM.
    pub prm: String,
    /// The local month.
    pub month: Month,
    /// The quantity.
    pub quantity: AccQuantity,
    /// Quartier's energy, kWh.
    pub quartier_kwh: f64,
    /// The operator's, kWh.
    pub official_kwh: f64,
    /// True when the difference is listed (above both tolerances).
    pub listed: bool,
    /// Its likely cause, when listed.
    pub cause: Option<Cause>,
    /// Steps where the curves differ above the tolerance (curves only), with Quartier's and
    /// the operator's value.
    pub steps: Vec<(DateTime<Utc>, f64, f64)>,
}

impl Row {
    /// Quartier minus official, kWh.
    pub fn difference_kwh(&self) -> f64 {
        self.quartier_kwh - self.official_kwh
    }
}

/// The whole comparison.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reconciliation {
    /// Every PRM, month and quantity the operator sent something for (or the community has),
    /// by PRM, month, quantity.
    pub rows: Vec<Row>,
}

impl Reconciliation {
    /// The listed differences.
    pub fn differences(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.listed)
    }
}

fn listed(q: f64, o: f64) -> bool {
    let d = (q - o).abs();
    d > TOLERANCE_KWH && d > TOLERANCE_RELATIVE * o.abs()
}

/// Quartier's per-step values of `quantity` for member `prm` (`None`: not that side).
fn quartier_values(a: &Allocation, prm: &str, quantity: AccQuantity) -> Option<Vec<f64>> {
    let steps = a.axis().len();
    let ci = a.consumers().iter().position(|c| c.as_str() == prm);
    let pi = a.producers().iter().position(|c| c.as_str() == prm);
    Some(match quantity {
        AccQuantity::Consumption => {
            let i = ci?;
            (0..steps).map(|t| a.consumption_kwh(t, i)).collect()
        }
        AccQuantity::SelfConsumed => {
            let i = ci?;
            (0..steps).map(|t| a.allocated_kwh(t, i)).collect()
        }
        AccQuantity::Complement => {
            let i = ci?;
            (0..steps).map(|t| a.complement_kwh(t, i)).collect()
        }
        AccQuantity::Production => {
            let p = pi?;
            (0..steps).map(|t| a.production_kwh(t, p)).collect()
        }
        AccQuantity::Surplus => {
            let p = pi?;
            (0..steps).map(|t| a.surplus_kwh(t, p)).collect()
        }
    })
}

/// An official curve on `axis`: values of the steps it covers (summed to the axis's step when
/// finer), `None` elsewhere.
pub fn curve_on_axis(s: &Series, axis: &Axis) -> Vec<Option<f64>> {
    let mut out = vec![None; axis.len()];
    let s = if s.axis().step() == axis.step() {
        s.clone()
    } else {
        match s.resample(axis.step()) {
            Ok(r) => r,
            Err(_) => return out,
        }
    };
    for (k, v) in s.values().iter().enumerate() {
        if let Some(slot) = axis.index_of(s.axis().time(k)).and_then(|t| out.get_mut(t)) {
            *slot = Some(*v);
        }
    }
    out
}

/// Compares `allocation` (of `community`) with the operator's `official` data.
pub fn reconcile(
    community: &Community,
    allocation: &Allocation,
    official: &AccOfficial,
) -> Reconciliation {
    let axis = *allocation.axis();
    let members: BTreeSet<&str> = community.members().iter().map(|m| m.id.as_str()).collect();
    let official_prms: BTreeSet<&str> = official
        .curves
        .iter()
        .map(|c| c.prm.as_str())
        .chain(official.totals.iter().map(|t| t.prm.as_str()))
        .collect();
    // Each local month and its steps (contiguous on the axis), found once.
    let mut months: Vec<(Month, std::ops::Range<usize>)> = Vec::new();
    for t in 0..axis.len() {
        let m = Month::of(axis.time(t));
        match months.last_mut() {
            Some((last, r)) if *last == m => r.end = t + 1,
            _ => months.push((m, t..t + 1)),
        }
    }
    let mut rows = Vec::new();
    // PRMs the operator knows and the community does not.
    for prm in official_prms.iter().filter(|p| !members.contains(*p)) {
        let mut sums: BTreeMap<(Month, AccQuantity), f64> = BTreeMap::new();
        for c in official.curves.iter().filter(|c| c.prm == *prm) {
            for (k, v) in c.series.values().iter().enumerate() {
                *sums
                    .entry((Month::of(c.series.axis().time(k)), c.quantity))
                    .or_default() += v;
            }
        }
        for t in official.totals.iter().filter(|t| t.prm == *prm) {
            *sums.entry((Month::of(t.start), t.quantity)).or_default() += t.kwh;
        }
        for ((month, quantity), o) in sums {
            rows.push(Row {
                prm: prm.to_string(),
                month,
                quantity,
                quartier_kwh: 0.0,
                official_kwh: o,
                listed: listed(0.0, o),
                cause: Some(Cause::NotInCommunity),
                steps: Vec::new(),
            });
        }
    }
    for m in community.members() {
        let prm = m.id.as_str();
        let known = official_prms.contains(prm);
        // The official consumption/production curve, to tell curves from keys.
        let raw = |q: AccQuantity| {
            official
                .curves
                .iter()
                .find(|c| c.prm == prm && c.quantity == q)
                .map(|c| curve_on_axis(&c.series, allocation.axis()))
        };
        let (cons_official, prod_official) =
            (raw(AccQuantity::Consumption), raw(AccQuantity::Production));
        let (cons_q, prod_q) = (
            quartier_values(allocation, prm, AccQuantity::Consumption),
            quartier_values(allocation, prm, AccQuantity::Production),
        );
        for quantity in AccQuantity::ALL {
            let Some(q_steps) = quartier_values(allocation, prm, quantity) else {
                continue;
            };
            let curve = match quantity {
                AccQuantity::Consumption => cons_official.clone(),
                AccQuantity::Production => prod_official.clone(),
                q => raw(q),
            };
            for (month, steps) in &months {
                let month = *month;
                let q: f64 = q_steps.get(steps.clone()).map_or(0.0, |v| v.iter().sum());
                let total = official.totals.iter().find(|t| {
                    t.prm == prm && t.quantity == quantity && Month::of(t.start) == month
                });
                let (o, per_step) = match (&curve, total) {
                    (Some(c), _)
                        if steps.clone().any(|t| c.get(t).copied().flatten().is_some()) =>
                    {
                        (
                            steps
                                .clone()
                                .filter_map(|t| c.get(t).copied().flatten())
                                .sum(),
                            true,
                        )
                    }
                    (_, Some(t)) => (t.kwh, false),
                    _ if known => continue, // the operator sent other quantities only
                    _ => (0.0, false),
                };
                let is_listed = listed(q, o);
                let mut step_diffs = Vec::new();
                if is_listed
                    && per_step
                    && let Some(c) = &curve
                {
                    for t in steps.clone() {
                        let (qv, ov) = (
                            q_steps.get(t).copied().unwrap_or(0.0),
                            c.get(t).copied().flatten().unwrap_or(0.0),
                        );
                        if (qv - ov).abs() > 1e-6 {
                            step_diffs.push((axis.time(t), qv, ov));
                        }
                    }
                }
                let cause = is_listed.then(|| {
                    if !known {
                        return Cause::NotInOfficial;
                    }
                    let base = match quantity {
                        AccQuantity::Production | AccQuantity::Surplus => &prod_official,
                        _ => &cons_official,
                    };
                    let base_q = match quantity {
                        AccQuantity::Production | AccQuantity::Surplus => &prod_q,
                        _ => &cons_q,
                    };
                    if let (Some(b), Some(bq)) = (base, base_q) {
                        let absent_but_counted = steps.clone().any(|t| {
                            !m.membership.contains(axis.time(t))
                                && b.get(t).copied().flatten().unwrap_or(0.0) > 1e-9
                        });
                        if absent_but_counted {
                            return Cause::MemberDates;
                        }
                        let curve_differs = steps.clone().any(|t| {
                            let ov = b.get(t).copied().flatten().unwrap_or(0.0);
                            (bq.get(t).copied().unwrap_or(0.0) - ov).abs() > 1e-6
                        });
                        if curve_differs {
                            return Cause::CurveDiffers;
                        }
                    } else if matches!(quantity, AccQuantity::Consumption | AccQuantity::Production)
                    {
                        return Cause::CurveDiffers;
                    }
                    // Same curves: within what flooring coefficients loses?
                    let lost: f64 = steps
                        .clone()
                        .map(|t| ROUNDING_SHARE * allocation.total_production_kwh(t))
                        .sum();
                    if (q - o).abs() <= lost + 1e-9 {
                        Cause::CoefficientRounding
                    } else {
                        Cause::KeyDiffers
                    }
                });
                rows.push(Row {
                    prm: prm.to_string(),
                    month,
                    quantity,
                    quartier_kwh: q,
                    official_kwh: o,
                    listed: is_listed,
                    cause,
                    steps: step_diffs,
                });
            }
        }
    }
    rows.sort_by(|a, b| {
        (a.prm.as_str(), a.month, a.quantity).cmp(&(b.prm.as_str(), b.month, b.quantity))
    });
    Reconciliation { rows }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use quartier_share::{CommunityBuilder, Key, Member, MemberId, Membership, Role, allocate};
    use quartier_timeseries::{AccCurve, Axis, Quantity, Step};

    fn id(s: &str) -> MemberId {
        MemberId::new(s).unwrap()
    }

    /// PV 1,000 kWh a quarter-hour for 4 steps; consumer `a` 400 kWh a step, a member from
    /// step 2 when `late`.
    fn case(late: bool) -> (Community, Allocation) {
        let axis = Axis::new(
            Utc.with_ymd_and_hms(2025, 6, 1, 10, 0, 0).unwrap(),
            Step::MIN15,
            4,
        )
        .unwrap();
        let s = |v: f64| Series::new(axis, Quantity::EnergyKwh, vec![v; 4]).unwrap();
        let mut a = Member::new(id("a"), Role::Consumer);
        if late {
            a = a.with_membership(Membership::between(Some(axis.time(2)), None));
        }
        let c = CommunityBuilder::new(axis)
            .member(Member::new(id("pv"), Role::Producer))
            .curve(&id("pv"), s(1000.0))
            .member(a)
            .curve(&id("a"), s(400.0))
            .build()
            .unwrap();
        let alloc = allocate(&c, &Key::Default).unwrap();
        (c, alloc)
    }

    fn curve(prm: &str, quantity: AccQuantity, v: f64, alloc: &Allocation) -> AccCurve {
        AccCurve {
            prm: prm.into(),
            quantity,
            series: Series::new(*alloc.axis(), Quantity::EnergyKwh, vec![v; 4]).unwrap(),
            source: "test".into(),
        }
    }

    fn cause_of(r: &Reconciliation, q: AccQuantity) -> Option<Cause> {
        r.rows
            .iter()
            .find(|x| x.prm == "a" && x.quantity == q)?
            .cause
    }

    #[test]
    fn dates_rounding_and_members_are_told_apart() {
        // The operator counts a from the first step; the community file from the third.
        let (c, alloc) = case(true);
        let official = AccOfficial {
            curves: vec![curve("a", AccQuantity::Consumption, 400.0, &alloc)],
            totals: Vec::new(),
        };
        let r = reconcile(&c, &alloc, &official);
        assert_eq!(
            cause_of(&r, AccQuantity::Consumption),
            Some(Cause::MemberDates)
        );
        // Same curves; 0.9 kWh less self-consumed a step (within 0.1 % of 1,000 kWh).
        let (c, alloc) = case(false);
        let official = AccOfficial {
            curves: vec![
                curve("a", AccQuantity::Consumption, 400.0, &alloc),
                curve("a", AccQuantity::SelfConsumed, 399.1, &alloc),
                curve("x", AccQuantity::Consumption, 1.0, &alloc),
            ],
            totals: Vec::new(),
        };
        let r = reconcile(&c, &alloc, &official);
        assert_eq!(cause_of(&r, AccQuantity::Consumption), None);
        assert_eq!(
            cause_of(&r, AccQuantity::SelfConsumed),
            Some(Cause::CoefficientRounding)
        );
        // 10 kWh less a step: the key.
        let official = AccOfficial {
            curves: vec![
                curve("a", AccQuantity::Consumption, 400.0, &alloc),
                curve("a", AccQuantity::SelfConsumed, 390.0, &alloc),
            ],
            totals: Vec::new(),
        };
        let r = reconcile(&c, &alloc, &official);
        assert_eq!(
            cause_of(&r, AccQuantity::SelfConsumed),
            Some(Cause::KeyDiffers)
        );
        // A PRM only the operator knows; a member it sent nothing for.
        let official = AccOfficial {
            curves: vec![curve("x", AccQuantity::Consumption, 1.0, &alloc)],
            totals: Vec::new(),
        };
        let r = reconcile(&c, &alloc, &official);
        assert!(
            r.rows
                .iter()
                .any(|x| x.prm == "x" && x.cause == Some(Cause::NotInCommunity))
        );
        assert_eq!(
            cause_of(&r, AccQuantity::Consumption),
            Some(Cause::NotInOfficial)
        );
    }
}

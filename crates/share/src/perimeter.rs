//! Perimeter checks of an ACC operation: the two most distant participants must be within
//! 2 km (10 km with the periurban derogation, 20 km with the rural one; great-circle
//! distance), and the total installed PV must not exceed a cap (5 MW since the arrêté of
//! 21 February 2025, 3 MW before; configurable). The same arrêté's public-body derogation has
//! no distance limit and a 10 MW cap when one participant is a commune or an EPCI with its own
//! taxation, every participant is a public body, a public-service entity or a SEM, and every
//! delivery point lies in the EPCI's communes.

use std::fmt;

use crate::{Category, Member, MemberId};

/// Mean Earth radius used for great-circle distances, km (IUGG).
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Cap on total installed PV power before the arrêté of 21 February 2025, kW (3 MW).
pub const PV_LIMIT_BEFORE_2025_KW: f64 = 3000.0;

/// Cap on total installed PV power per the arrêté of 21 February 2025, kW (5 MW): the default.
pub const PV_LIMIT_2025_KW: f64 = 5000.0;

/// Cap under the public-body derogation of the arrêté of 21 February 2025, kW (10 MW).
pub const PV_LIMIT_PUBLIC_EPCI_KW: f64 = 10_000.0;

/// The distance regime the operation declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Derogation {
    /// 2 km between the two most distant participants.
    #[default]
    None,
    /// Periurban derogation: 10 km.
    Periurban,
    /// Rural derogation: 20 km.
    Rural,
    /// Public-body derogation (arrêté of 21 February 2025): no distance limit, a 10 MW cap;
    /// the members' categories and communes are checked instead
    /// ([`PerimeterRules::epci_communes`]).
    PublicEpci,
}

impl Derogation {
    /// The maximum distance, km.
    pub fn max_distance_km(self) -> f64 {
        match self {
            Derogation::None => 2.0,
            Derogation::Periurban => 10.0,
            Derogation::Rural => 20.0,
            Derogation::PublicEpci => f64::INFINITY,
        }
    }

    /// The rule in plain words, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Derogation::None => "2 km between the two most distant delivery points",
            Derogation::Periurban => "10 km (periurban derogation, arrêté of 19 September 2023)",
            Derogation::Rural => "20 km (rural derogation, arrêté of 19 September 2023)",
            Derogation::PublicEpci => {
                "no distance limit, 10 MW (public-body derogation, arrêté of 21 February 2025)"
            }
        }
    }
}

/// The rules to check.
#[derive(Debug, Clone, PartialEq)]
pub struct PerimeterRules {
    /// Distance regime.
    pub derogation: Derogation,
    /// Cap on the total installed PV power, kW (the public-body derogation's is 10 MW
    /// whatever this says).
    pub max_pv_kw: f64,
    /// INSEE codes of the communes of the EPCI, for the public-body derogation.
    pub epci_communes: Vec<String>,
}

impl Default for PerimeterRules {
    fn default() -> Self {
        PerimeterRules {
            derogation: Derogation::None,
            max_pv_kw: PV_LIMIT_2025_KW,
            epci_communes: Vec::new(),
        }
    }
}

/// What a successful check found.
#[derive(Debug, Clone, PartialEq)]
pub struct PerimeterReport {
    /// The two most distant participants and their distance, km (None with fewer than two).
    pub farthest: Option<(MemberId, MemberId, f64)>,
    /// Total installed PV power, kW.
    pub total_pv_kw: f64,
    /// The rule that applied, in plain words.
    pub rule: &'static str,
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq)]
pub enum PerimeterViolation {
    /// A member without a location (the distance cannot be checked).
    MissingLocation(MemberId),
    /// Coordinates out of range or not finite.
    BadLocation(MemberId),
    /// A negative or non-finite installed PV power.
    BadPv(MemberId),
    /// The two most distant participants are too far apart.
    TooFar {
        /// First member.
        a: MemberId,
        /// Second member.
        b: MemberId,
        /// Their distance, km.
        distance_km: f64,
        /// The limit, km.
        limit_km: f64,
    },
    /// Too much installed PV.
    TooMuchPv {
        /// Total installed PV power, kW.
        total_kw: f64,
        /// The cap, kW.
        limit_kw: f64,
    },
    /// Public-body derogation: no member is a commune or an EPCI.
    NoCommuneOrEpci,
    /// Public-body derogation: a member is not a public body, a public-service entity or a
    /// SEM.
    NotPublic(MemberId),
    /// Public-body derogation: a member's delivery point is not in the EPCI's communes (or
    /// has no commune).
    OutsideEpci {
        /// The member.
        member: MemberId,
        /// Its commune (INSEE code), if given.
        commune: Option<String>,
    },
}

impl fmt::Display for PerimeterViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PerimeterViolation::MissingLocation(id) => write!(f, "member {id} has no location"),
            PerimeterViolation::BadLocation(id) => {
                write!(
                    f,
                    "member {id} has coordinates outside ±90° latitude / ±180° longitude"
                )
            }
            PerimeterViolation::BadPv(id) => {
                write!(
                    f,
                    "member {id} has a negative or non-finite installed PV power"
                )
            }
            PerimeterViolation::TooFar {
                a,
                b,
                distance_km,
                limit_km,
            } => write!(
                f,
                "members {a} and {b} are {distance_km:.3} km apart, above the {limit_km} km limit"
            ),
            PerimeterViolation::TooMuchPv { total_kw, limit_kw } => write!(
                f,
                "installed PV totals {total_kw:.1} kW, above the {limit_kw:.1} kW cap"
            ),
            PerimeterViolation::NoCommuneOrEpci => f.write_str(
                "the public-body derogation needs a commune or an EPCI with its own taxation \
                 among the members (category = \"commune\" or \"epci\")",
            ),
            PerimeterViolation::NotPublic(id) => write!(
                f,
                "member {id} is private: the public-body derogation admits only public bodies, \
                 public-service entities and SEMs (its category)"
            ),
            PerimeterViolation::OutsideEpci {
                member,
                commune: Some(c),
            } => write!(
                f,
                "member {member} is in commune {c}, outside the EPCI's communes (epci_communes)"
            ),
            PerimeterViolation::OutsideEpci {
                member,
                commune: None,
            } => write!(
                f,
                "member {member} has no commune: the public-body derogation needs each \
                 delivery point's commune (commune_insee)"
            ),
        }
    }
}

/// Every rule the operation breaks (at least one).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("perimeter check failed: {}", .0.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("; "))]
pub struct PerimeterError(pub Vec<PerimeterViolation>);

/// Great-circle (haversine) distance between two points, km.
pub fn distance_km(a: crate::GeoPoint, b: crate::GeoPoint) -> f64 {
    let (la1, la2) = (a.lat_deg.to_radians(), b.lat_deg.to_radians());
    let dla = la2 - la1;
    let dlo = (b.lon_deg - a.lon_deg).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// Checks the distance and PV-power rules over every member; reports all violations.
///
/// ```
/// use quartier_share::{check_perimeter, Member, MemberId, PerimeterRules, Role};
/// let m = |id: &str, lat, lon| Member::new(MemberId::new(id).unwrap(), Role::Consumer).at(lat, lon);
/// let near = [m("a", 48.77, 2.21), m("b", 48.78, 2.22)];
/// assert!(check_perimeter(&near, &PerimeterRules::default()).is_ok());
/// let far = [m("a", 48.77, 2.21), m("b", 48.90, 2.35)];
/// let err = check_perimeter(&far, &PerimeterRules::default()).unwrap_err();
/// assert!(err.to_string().contains("members a and b are"));
/// ```
pub fn check_perimeter(
    members: &[Member],
    rules: &PerimeterRules,
) -> Result<PerimeterReport, PerimeterError> {
    let mut violations = Vec::new();
    let mut located = Vec::with_capacity(members.len());
    let mut total_pv_kw = 0.0;
    for m in members {
        if !m.installed_pv_kw.is_finite() || m.installed_pv_kw < 0.0 {
            violations.push(PerimeterViolation::BadPv(m.id.clone()));
        } else {
            total_pv_kw += m.installed_pv_kw;
        }
        match m.location {
            None => violations.push(PerimeterViolation::MissingLocation(m.id.clone())),
            Some(g)
                if !(g.lat_deg.is_finite()
                    && g.lon_deg.is_finite()
                    && g.lat_deg.abs() <= 90.0
                    && g.lon_deg.abs() <= 180.0) =>
            {
                violations.push(PerimeterViolation::BadLocation(m.id.clone()))
            }
            Some(g) => located.push((&m.id, g)),
        }
    }
    let mut farthest: Option<(MemberId, MemberId, f64)> = None;
    for (i, (ia, ga)) in located.iter().enumerate() {
        for (ib, gb) in located.iter().skip(i + 1) {
            let d = distance_km(*ga, *gb);
            if farthest.as_ref().is_none_or(|f| d > f.2) {
                farthest = Some(((*ia).clone(), (*ib).clone(), d));
            }
        }
    }
    let limit_km = rules.derogation.max_distance_km();
    let mut max_pv_kw = rules.max_pv_kw;
    if rules.derogation == Derogation::PublicEpci {
        max_pv_kw = PV_LIMIT_PUBLIC_EPCI_KW;
        if !members
            .iter()
            .any(|m| matches!(m.category, Category::Commune | Category::Epci))
        {
            violations.push(PerimeterViolation::NoCommuneOrEpci);
        }
        for m in members {
            if !m.category.is_public() {
                violations.push(PerimeterViolation::NotPublic(m.id.clone()));
            }
            if !m
                .commune
                .as_ref()
                .is_some_and(|c| rules.epci_communes.contains(c))
            {
                violations.push(PerimeterViolation::OutsideEpci {
                    member: m.id.clone(),
                    commune: m.commune.clone(),
                });
            }
        }
    }
    if let Some((a, b, d)) = &farthest
        && *d > limit_km
    {
        violations.push(PerimeterViolation::TooFar {
            a: a.clone(),
            b: b.clone(),
            distance_km: *d,
            limit_km,
        });
    }
    if total_pv_kw > max_pv_kw {
        violations.push(PerimeterViolation::TooMuchPv {
            total_kw: total_pv_kw,
            limit_kw: max_pv_kw,
        });
    }
    if violations.is_empty() {
        Ok(PerimeterReport {
            farthest,
            total_pv_kw,
            rule: rules.derogation.describe(),
        })
    } else {
        Err(PerimeterError(violations))
    }
}

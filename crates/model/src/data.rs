//! A district's data loaded onto its axis: what [`crate::load`] produces from the files a
//! [`crate::District`] references, and what the simulation consumes.

use quartier_timeseries::{Series, Weather};

/// A charging session on the district axis (EV charger sessions and fleet days alike).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EvSession {
    /// Index of the first interval during which the vehicle is plugged in.
    pub arrival: usize,
    /// Index one past the last interval during which it is plugged in (exclusive).
    pub departure: usize,
    /// Energy the vehicle takes, kWh (the rule controller delivers it as soon as it can).
    pub energy_kwh: f64,
    /// Maximum charging power, kW.
    pub max_kw: f64,
}

/// The power the plugged sessions can draw at each of `steps` steps, kW: the sum of `max_kw`
/// over the sessions plugged in during that step.
pub fn plugged_kw(sessions: &[EvSession], steps: usize) -> Vec<f64> {
    let mut diff = vec![0.0; steps + 1];
    for s in sessions {
        if let Some(a) = diff.get_mut(s.arrival) {
            *a += s.max_kw;
        }
        if let Some(d) = diff.get_mut(s.departure) {
            *d -= s.max_kw;
        }
    }
    let mut plugged = 0.0;
    diff.truncate(steps);
    for d in &mut diff {
        plugged += *d;
        *d = plugged;
    }
    diff
}

/// Everything a district's files hold, aligned on the district axis, in the same order as
/// the components of the [`crate::District`].
#[derive(Debug, Clone, PartialEq)]
pub struct DistrictData {
    /// Weather on the district axis (re-yeared for typical years, resampled to the step).
    pub weather: Weather,
    /// Energy per interval of each load (kWh), one per `District::loads`.
    pub loads_kwh: Vec<Series>,
    /// Import price per interval (EUR/kWh).
    pub import_price: Series,
    /// Carbon intensity of imports per interval (gCO2e/kWh).
    pub carbon: Series,
    /// Hydrogen demand per interval (kg), one per `District::hydrogen_demands`.
    pub hydrogen_demand_kg: Vec<Series>,
    /// Sessions of each EV charging site, one list per `District::ev_chargers`.
    pub ev_sessions: Vec<Vec<EvSession>>,
    /// One session per vehicle-day of each fleet, one list per `District::fleets`.
    pub fleet_sessions: Vec<Vec<EvSession>>,
    /// AC production per interval (kWh) of each PV system whose production is measured or a
    /// profile, one per `District::pv_systems` (`None`: computed from the weather).
    pub pv_given_kwh: Vec<Option<Series>>,
}

//! Input assembly: a [`District`] and its loaded [`DistrictData`] become [`Inputs`], every
//! quantity aligned on the district axis as a plain per-step vector (PV AC energy per system,
//! energy of each load, charging sessions, total hydrogen demand, prices, carbon intensity)
//! beside the component parameters, borrowed from the district.
//!
//! Only [`pv_ac_energy_per_system`] calls the solar crate; [`assemble_with_pv`] takes PV
//! series computed elsewhere (tests, forecasts, measured production).
//!
//! **Invariant**: [`Inputs::validate`] is the one check of shapes, units and ranges; the rule
//! controller and the accounting pass call it, so they can index per step safely.

use chrono_tz::Tz;
use quartier_model::{
    Battery, District, DistrictData, Electrolyser, EvCharging, EvSession, Fleet, FuelCell, Grid,
    HydrogenTank, Load, PvSystem,
};
use quartier_timeseries::{Axis, Quantity, Series};

use crate::SimError;

/// Everything a controller needs, aligned on one axis.
///
/// Vectors hold one value per interval of `axis`; lists of series follow the order of the
/// district's components.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs<'a> {
    /// The simulation axis.
    pub axis: Axis,
    /// Site time zone (local months of the KPIs).
    pub timezone: Tz,
    /// PV systems (parameters).
    pub pv_systems: &'a [PvSystem],
    /// AC energy each PV system can produce per interval, kWh (before curtailment).
    pub pv_kwh: Vec<Vec<f64>>,
    /// Loads (names, participants).
    pub loads: &'a [Load],
    /// Energy of each load per interval, kWh.
    pub loads_kwh: Vec<Vec<f64>>,
    /// EV charging sites.
    pub ev_chargers: &'a [EvCharging],
    /// Sessions of each EV charging site.
    pub ev_sessions: Vec<Vec<EvSession>>,
    /// Fleets.
    pub fleets: &'a [Fleet],
    /// Vehicle-day sessions of each fleet.
    pub fleet_sessions: Vec<Vec<EvSession>>,
    /// Stationary batteries.
    pub batteries: &'a [Battery],
    /// Electrolysers.
    pub electrolysers: &'a [Electrolyser],
    /// Hydrogen tanks (pooled: their capacities, minimum and initial levels add up).
    pub hydrogen_tanks: &'a [HydrogenTank],
    /// Fuel cells.
    pub fuel_cells: &'a [FuelCell],
    /// The grid connection (limits in kW).
    pub grid: &'a Grid,
    /// Total hydrogen demand of the district per interval, kg.
    pub h2_demand_kg: Vec<f64>,
    /// Import price per interval, EUR/kWh.
    pub import_price_eur_per_kwh: Vec<f64>,
    /// Export price per interval, EUR/kWh.
    pub export_price_eur_per_kwh: Vec<f64>,
    /// Carbon intensity of imports per interval, gCO2e/kWh.
    pub carbon_g_per_kwh: Vec<f64>,
}

/// The AC energy per interval (kWh) of every PV system of `district`, in the order of
/// `district.pv_systems`: the measured curve or profile `data` holds for it, else computed
/// from the weather in `data`. The only call into the solar crate.
pub fn pv_ac_energy_per_system(
    district: &District,
    data: &DistrictData,
) -> Result<Vec<Series>, SimError> {
    let location = quartier_solar::Location {
        latitude_deg: district.site.latitude_deg,
        longitude_deg: district.site.longitude_deg,
        altitude_m: district.site.altitude_m,
    };
    let given = |i: usize| data.pv_given_kwh.get(i).cloned().flatten();
    if (0..district.pv_systems.len()).all(|i| given(i).is_some()) {
        return Ok((0..district.pv_systems.len()).filter_map(given).collect());
    }
    // The sun is the same for every system of the site: compute it once.
    let sun = quartier_solar::SunTrack::compute(
        &data.weather,
        &location,
        quartier_solar::position::PositionAlgorithm::default(),
    )
    .map_err(|e| SimError::Solar {
        system: "(sun position of the site)".into(),
        source: e,
    })?;
    district
        .pv_systems
        .iter()
        .enumerate()
        .map(|(i, pv)| {
            if let Some(s) = given(i) {
                return Ok(s);
            }
            quartier_solar::pv_ac_energy_with_sun(&data.weather, &sun, &pv.spec).map_err(|e| {
                SimError::Solar {
                    system: pv.name.clone(),
                    source: e,
                }
            })
        })
        .collect()
}

/// Assembles the inputs of `district`: PV through the solar crate, then
/// [`assemble_with_pv`].
pub fn assemble<'a>(district: &'a District, data: &DistrictData) -> Result<Inputs<'a>, SimError> {
    let pv = pv_ac_energy_per_system(district, data)?;
    assemble_with_pv(district, data, pv)
}

/// Assembles the inputs of `district` from its loaded data and the AC energy series of its PV
/// systems (kWh per interval, one per `district.pv_systems`, on the district axis).
///
/// Checks that every series lies on the district axis and carries the expected quantity,
/// that lists match the district's components, and the ranges of values and parameters
/// ([`Inputs::validate`]).
pub fn assemble_with_pv<'a>(
    district: &'a District,
    data: &DistrictData,
    pv_kwh: Vec<Series>,
) -> Result<Inputs<'a>, SimError> {
    let axis = district.axis;
    if data.weather.axis != axis {
        return Err(SimError::Axis {
            what: "weather".into(),
            expected: axis,
            found: data.weather.axis,
        });
    }
    let pv = series_list(
        "PV series",
        &district
            .pv_systems
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        pv_kwh,
        axis,
        Quantity::EnergyKwh,
    )?;
    let loads = series_list(
        "load series",
        &district
            .loads
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>(),
        data.loads_kwh.clone(),
        axis,
        Quantity::EnergyKwh,
    )?;
    let demands = series_list(
        "hydrogen demand series",
        &district
            .hydrogen_demands
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>(),
        data.hydrogen_demand_kg.clone(),
        axis,
        Quantity::HydrogenKg,
    )?;
    let mut h2_demand_kg = vec![0.0; axis.len()];
    for d in &demands {
        for (total, v) in h2_demand_kg.iter_mut().zip(d) {
            *total += v;
        }
    }
    let import_price = one_series(
        "import price",
        &data.import_price,
        axis,
        Quantity::PriceEurPerKwh,
    )?;
    let carbon = one_series(
        "carbon intensity",
        &data.carbon,
        axis,
        Quantity::CarbonGPerKwh,
    )?;
    let inputs = Inputs {
        axis,
        timezone: district.site.timezone,
        pv_systems: &district.pv_systems,
        pv_kwh: pv,
        loads: &district.loads,
        loads_kwh: loads,
        ev_chargers: &district.ev_chargers,
        ev_sessions: data.ev_sessions.clone(),
        fleets: &district.fleets,
        fleet_sessions: data.fleet_sessions.clone(),
        batteries: &district.batteries,
        electrolysers: &district.electrolysers,
        hydrogen_tanks: &district.hydrogen_tanks,
        fuel_cells: &district.fuel_cells,
        grid: &district.grid,
        h2_demand_kg,
        import_price_eur_per_kwh: import_price,
        export_price_eur_per_kwh: vec![district.grid.export_price_eur_per_kwh; axis.len()],
        carbon_g_per_kwh: carbon,
    };
    inputs.validate()?;
    Ok(inputs)
}

fn one_series(
    what: &str,
    series: &Series,
    axis: Axis,
    quantity: Quantity,
) -> Result<Vec<f64>, SimError> {
    if *series.axis() != axis {
        return Err(SimError::Axis {
            what: what.into(),
            expected: axis,
            found: *series.axis(),
        });
    }
    if series.quantity() != quantity {
        return Err(SimError::Quantity {
            what: what.into(),
            expected: quantity,
            found: series.quantity(),
        });
    }
    Ok(series.values().to_vec())
}

fn series_list(
    what: &str,
    names: &[&str],
    series: Vec<Series>,
    axis: Axis,
    quantity: Quantity,
) -> Result<Vec<Vec<f64>>, SimError> {
    if series.len() != names.len() {
        return Err(SimError::Count {
            what: what.into(),
            expected: names.len(),
            found: series.len(),
        });
    }
    names
        .iter()
        .zip(series)
        .map(|(name, s)| {
            one_series(&format!("{what} '{name}'"), &s, axis, quantity)?;
            Ok(s.into_values())
        })
        .collect()
}

impl Inputs<'_> {
    /// Number of intervals.
    pub fn len(&self) -> usize {
        self.axis.len()
    }

    /// True when the axis is empty.
    pub fn is_empty(&self) -> bool {
        self.axis.is_empty()
    }

    /// Step length in hours (kW × hours = kWh per interval).
    pub fn step_hours(&self) -> f64 {
        self.axis.step().hours()
    }

    /// Pooled hydrogen storage: (minimum level, capacity, initial level), kg.
    pub fn tank_pool_kg(&self) -> (f64, f64, f64) {
        self.hydrogen_tanks.iter().fold((0.0, 0.0, 0.0), |acc, t| {
            (
                acc.0 + t.min_kg,
                acc.1 + t.capacity_kg,
                acc.2 + t.initial_kg,
            )
        })
    }

    /// True when the pooled hydrogen storage is cyclic for the optimiser (every tank is; a
    /// district file cannot mix cyclic and non-cyclic tanks).
    pub fn tanks_cyclic(&self) -> bool {
        !self.hydrogen_tanks.is_empty() && self.hydrogen_tanks.iter().all(|t| t.cyclic)
    }

    /// Checks shapes (one vector per component, one value per step), value ranges (finite;
    /// energies, masses and carbon non-negative; prices finite, possibly negative), sessions
    /// (`arrival ≤ departure ≤ len`, energy and power finite and non-negative) and component
    /// parameters (efficiencies in (0, 1], capacities and powers finite and non-negative,
    /// `soc_min ≤ soc_initial ≤ 1`, `min_kg ≤ initial_kg ≤ capacity_kg`, `min_kw ≤ max_kw`).
    pub fn validate(&self) -> Result<(), SimError> {
        let n = self.axis.len();
        let count = |what: &str, expected: usize, found: usize| {
            if expected == found {
                Ok(())
            } else {
                Err(SimError::Count {
                    what: what.into(),
                    expected,
                    found,
                })
            }
        };
        count("PV series", self.pv_systems.len(), self.pv_kwh.len())?;
        count("load series", self.loads.len(), self.loads_kwh.len())?;
        count(
            "EV session lists",
            self.ev_chargers.len(),
            self.ev_sessions.len(),
        )?;
        count(
            "fleet session lists",
            self.fleets.len(),
            self.fleet_sessions.len(),
        )?;
        for (pv, v) in self.pv_systems.iter().zip(&self.pv_kwh) {
            self.check_values(&format!("PV '{}'", pv.name), v, true)?;
        }
        for (load, v) in self.loads.iter().zip(&self.loads_kwh) {
            self.check_values(&format!("load '{}'", load.name), v, true)?;
        }
        self.check_values("hydrogen demand", &self.h2_demand_kg, true)?;
        self.check_values("import price", &self.import_price_eur_per_kwh, false)?;
        self.check_values("export price", &self.export_price_eur_per_kwh, false)?;
        self.check_values("carbon intensity", &self.carbon_g_per_kwh, true)?;
        let site_names = self
            .ev_chargers
            .iter()
            .map(|e| format!("EV site '{}'", e.name));
        let fleet_names = self.fleets.iter().map(|f| format!("fleet '{}'", f.name));
        for (what, sessions) in site_names
            .zip(&self.ev_sessions)
            .chain(fleet_names.zip(&self.fleet_sessions))
        {
            for (index, s) in sessions.iter().enumerate() {
                let bad = |message: String| SimError::Session {
                    what: what.clone(),
                    index,
                    message,
                };
                if s.arrival > s.departure || s.departure > n {
                    return Err(bad(format!(
                        "plugged from step {} to {} (exclusive), outside the axis of {n} steps",
                        s.arrival, s.departure
                    )));
                }
                if !(s.energy_kwh.is_finite() && s.energy_kwh >= 0.0) {
                    return Err(bad(format!("energy {} kWh", s.energy_kwh)));
                }
                if !(s.max_kw.is_finite() && s.max_kw >= 0.0) {
                    return Err(bad(format!("max power {} kW", s.max_kw)));
                }
            }
        }
        self.check_parameters()
    }

    fn check_values(&self, what: &str, values: &[f64], non_negative: bool) -> Result<(), SimError> {
        if values.len() != self.axis.len() {
            return Err(SimError::Length {
                what: what.into(),
                expected: self.axis.len(),
                found: values.len(),
            });
        }
        for (step, &value) in values.iter().enumerate() {
            if !value.is_finite() || (non_negative && value < 0.0) {
                return Err(SimError::Value {
                    what: what.into(),
                    step,
                    time: self.axis.time(step),
                    value,
                    expected: if non_negative {
                        "a finite value ≥ 0"
                    } else {
                        "a finite value"
                    },
                });
            }
        }
        Ok(())
    }

    fn check_parameters(&self) -> Result<(), SimError> {
        const NON_NEGATIVE: &str = "a finite value ≥ 0";
        const EFFICIENCY: &str = "a value in (0, 1]";
        const POSITIVE: &str = "a finite value > 0";
        let check = |component: &str, attribute: &'static str, value: f64, ok: bool, expected| {
            if ok && value.is_finite() {
                Ok(())
            } else {
                Err(SimError::Parameter {
                    component: component.into(),
                    attribute,
                    value,
                    expected,
                })
            }
        };
        let nn = |v: f64| v >= 0.0;
        let eff = |v: f64| v > 0.0 && v <= 1.0;
        for e in self.ev_chargers {
            if let Some(l) = e.site_limit_kw {
                check(
                    &format!("EV site '{}'", e.name),
                    "site_limit_kw",
                    l,
                    nn(l),
                    NON_NEGATIVE,
                )?;
            }
        }
        for b in self.batteries {
            let c = format!("battery '{}'", b.name);
            check(
                &c,
                "energy_kwh",
                b.energy_kwh,
                nn(b.energy_kwh),
                NON_NEGATIVE,
            )?;
            check(&c, "charge_kw", b.charge_kw, nn(b.charge_kw), NON_NEGATIVE)?;
            check(
                &c,
                "discharge_kw",
                b.discharge_kw,
                nn(b.discharge_kw),
                NON_NEGATIVE,
            )?;
            check(
                &c,
                "charge_efficiency",
                b.charge_efficiency,
                eff(b.charge_efficiency),
                EFFICIENCY,
            )?;
            check(
                &c,
                "discharge_efficiency",
                b.discharge_efficiency,
                eff(b.discharge_efficiency),
                EFFICIENCY,
            )?;
            check(
                &c,
                "soc_min",
                b.soc_min,
                (0.0..=1.0).contains(&b.soc_min),
                "a fraction in [0, 1]",
            )?;
            check(
                &c,
                "soc_initial",
                b.soc_initial,
                b.soc_initial >= b.soc_min && b.soc_initial <= 1.0,
                "a fraction in [soc_min, 1]",
            )?;
            check(
                &c,
                "standing_loss_per_h",
                b.standing_loss_per_h,
                b.standing_loss_per_h >= 0.0 && b.standing_loss_per_h * self.step_hours() <= 1.0,
                "a fraction per hour in [0, 1 / step hours]",
            )?;
        }
        // Units with a minimum power when running: 0 ≤ min_kw ≤ max_kw.
        let power = |c: &str, max_kw: f64, min_kw: f64| {
            check(c, "max_kw", max_kw, nn(max_kw), NON_NEGATIVE)?;
            check(
                c,
                "min_kw",
                min_kw,
                nn(min_kw) && min_kw <= max_kw,
                "in [0, max_kw]",
            )
        };
        for e in self.electrolysers {
            let c = format!("electrolyser '{}'", e.name);
            power(&c, e.max_kw, e.min_kw)?;
            check(&c, "kwh_per_kg", e.kwh_per_kg, e.kwh_per_kg > 0.0, POSITIVE)?;
        }
        for f in self.fuel_cells {
            let c = format!("fuel cell '{}'", f.name);
            power(&c, f.max_kw, f.min_kw)?;
            check(&c, "kwh_per_kg", f.kwh_per_kg, f.kwh_per_kg > 0.0, POSITIVE)?;
        }
        for t in self.hydrogen_tanks {
            let c = format!("hydrogen tank '{}'", t.name);
            check(
                &c,
                "capacity_kg",
                t.capacity_kg,
                nn(t.capacity_kg),
                NON_NEGATIVE,
            )?;
            check(
                &c,
                "min_kg",
                t.min_kg,
                nn(t.min_kg) && t.min_kg <= t.capacity_kg,
                "in [0, capacity_kg]",
            )?;
            check(
                &c,
                "initial_kg",
                t.initial_kg,
                t.initial_kg >= t.min_kg && t.initial_kg <= t.capacity_kg,
                "in [min_kg, capacity_kg]",
            )?;
        }
        let g = self.grid;
        check(
            "grid",
            "import_limit_kw",
            g.import_limit_kw,
            nn(g.import_limit_kw),
            NON_NEGATIVE,
        )?;
        check(
            "grid",
            "export_limit_kw",
            g.export_limit_kw,
            nn(g.export_limit_kw),
            NON_NEGATIVE,
        )?;
        Ok(())
    }
}

//! Test support shared by the crates that test controllers (sim, optim): districts built in
//! code (a builder with no components and helpers to add them with their per-step data) and,
//! in [`random`], the proptest strategy of random small districts.
//!
//! Compiled only with the `testkit` feature, which only dev-dependencies enable. Test support
//! may panic on impossible setups (it builds its own inputs).
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

pub mod random;

use std::path::PathBuf;

use crate::{Inputs, assemble_with_pv};
use chrono::{TimeZone, Utc};
use quartier_model::{
    Battery, CarbonSource, District, DistrictData, Electrolyser, EvCharging, EvSession, Fleet,
    FuelCell, Grid, HydrogenDemand, HydrogenDemandSource, HydrogenTank, ImportPrice, Load,
    LoadSource, MissingPolicy, PvSource, PvSystem, Site, StandardProfile, SubHourly, WeatherFormat,
    WeatherSource,
};
use quartier_solar::PvSpec;
use quartier_timeseries::{Axis, Quantity, Series, Step, Weather};

/// A district and its data, assembled on demand.
#[derive(Clone)]
pub struct Case {
    pub district: District,
    pub data: DistrictData,
    pub pv: Vec<Series>,
}

impl Case {
    /// An empty district on `len` steps of `minutes` from 2025-01-01 00:00 UTC, flat prices
    /// (import 0.2 EUR/kWh, export 0.1), carbon 50 g/kWh, grid limits `import_kw` / `export_kw`.
    pub fn new(minutes: u32, len: usize, import_kw: f64, export_kw: f64) -> Case {
        let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        Case::starting(start, minutes, len, import_kw, export_kw)
    }

    pub fn starting(
        start: chrono::DateTime<Utc>,
        minutes: u32,
        len: usize,
        import_kw: f64,
        export_kw: f64,
    ) -> Case {
        let axis = Axis::new(start, Step::from_minutes(minutes).unwrap(), len).unwrap();
        let zeros = vec![0.0; len];
        let district = District {
            site: Site {
                name: "test".into(),
                latitude_deg: 48.8,
                longitude_deg: 2.2,
                altitude_m: 40.0,
                timezone: chrono_tz::Europe::Paris,
            },
            axis,
            weather: WeatherSource {
                path: PathBuf::from("/nonexistent/weather.csv"),
                format: WeatherFormat::PvgisTmyCsv,
                typical_year: true,
                subhourly: SubHourly::default(),
                missing: MissingPolicy::Error,
            },
            participants: vec![],
            loads: vec![],
            pv_systems: vec![],
            batteries: vec![],
            electrolysers: vec![],
            hydrogen_tanks: vec![],
            fuel_cells: vec![],
            hydrogen_demands: vec![],
            ev_chargers: vec![],
            fleets: vec![],
            grid: Grid {
                import_limit_kw: import_kw,
                export_limit_kw: export_kw,
                import_price: ImportPrice::Flat(0.2),
                export_price_eur_per_kwh: 0.1,
            },
            carbon: CarbonSource::Constant(50.0),
            sizing: Default::default(),
        };
        let data = DistrictData {
            weather: Weather {
                axis,
                ghi_w_m2: zeros.clone(),
                dni_w_m2: zeros.clone(),
                dhi_w_m2: zeros.clone(),
                temp_air_c: zeros.clone(),
                wind_speed_m_s: zeros,
                sample_offset_minutes: 0.0,
            },
            loads_kwh: vec![],
            import_price: Series::constant(axis, Quantity::PriceEurPerKwh, 0.2),
            carbon: Series::constant(axis, Quantity::CarbonGPerKwh, 50.0),
            hydrogen_demand_kg: vec![],
            ev_sessions: vec![],
            fleet_sessions: vec![],
            pv_given_kwh: vec![],
        };
        Case {
            district,
            data,
            pv: vec![],
        }
    }

    pub fn axis(&self) -> Axis {
        self.district.axis
    }

    pub fn pv(&mut self, name: &str, kwh: Vec<f64>) -> &mut Self {
        self.district.pv_systems.push(PvSystem {
            name: name.into(),
            participant: None,
            spec: PvSpec::pvwatts(10.0, 30.0, 180.0),
            source: PvSource::Modelled,
        });
        self.data.pv_given_kwh.push(None);
        self.pv
            .push(Series::new(self.axis(), Quantity::EnergyKwh, kwh).unwrap());
        self
    }

    pub fn load(&mut self, name: &str, kwh: Vec<f64>) -> &mut Self {
        self.district.loads.push(Load {
            name: name.into(),
            participant: None,
            source: LoadSource::Profile {
                profile: StandardProfile::H25,
                annual_kwh: 1000.0,
            },
        });
        self.data
            .loads_kwh
            .push(Series::new(self.axis(), Quantity::EnergyKwh, kwh).unwrap());
        self
    }

    pub fn battery(&mut self, b: Battery) -> &mut Self {
        self.district.batteries.push(b);
        self
    }

    pub fn electrolyser(&mut self, e: Electrolyser) -> &mut Self {
        self.district.electrolysers.push(e);
        self
    }

    pub fn tank(&mut self, t: HydrogenTank) -> &mut Self {
        self.district.hydrogen_tanks.push(t);
        self
    }

    pub fn fuel_cell(&mut self, f: FuelCell) -> &mut Self {
        self.district.fuel_cells.push(f);
        self
    }

    pub fn h2_demand(&mut self, name: &str, kg: Vec<f64>) -> &mut Self {
        self.district.hydrogen_demands.push(HydrogenDemand {
            name: name.into(),
            source: HydrogenDemandSource::Daily {
                kg_per_day: 0.0,
                hours: vec![],
            },
        });
        self.data
            .hydrogen_demand_kg
            .push(Series::new(self.axis(), Quantity::HydrogenKg, kg).unwrap());
        self
    }

    pub fn ev_site(&mut self, name: &str, sessions: Vec<EvSession>) -> &mut Self {
        self.district.ev_chargers.push(EvCharging {
            name: name.into(),
            participant: None,
            chargers: 4,
            charger_kw: 22.0,
            sessions: PathBuf::from("/nonexistent/sessions.csv"),
            timezone: chrono_tz::Europe::Paris,
            shift_days: 0,
            site_limit_kw: None,
        });
        self.data.ev_sessions.push(sessions);
        self
    }

    pub fn fleet(&mut self, name: &str, sessions: Vec<EvSession>) -> &mut Self {
        self.district.fleets.push(Fleet {
            name: name.into(),
            participant: None,
            vehicles: 3,
            km_per_day: 30.0,
            kwh_per_km: 0.1,
            charger_kw: 3.0,
            plug_in_hour: 17,
            plug_out_hour: 8,
            weekdays: [true, true, true, true, true, false, false],
        });
        self.data.fleet_sessions.push(sessions);
        self
    }

    pub fn inputs(&self) -> Inputs<'_> {
        assemble_with_pv(&self.district, &self.data, self.pv.clone()).unwrap()
    }
}

/// Two hours at 0.1 then 0.3 EUR/kWh; EV site `parking` with two cars plugged for both
/// hours, 20 kWh each at 22 kW (a site needs 20 kW for them; 40 kW takes both in the cheap
/// hour).
pub fn two_cars_case() -> Case {
    let car = EvSession {
        arrival: 0,
        departure: 2,
        energy_kwh: 20.0,
        max_kw: 22.0,
    };
    let mut case = Case::new(60, 2, 100.0, 0.0);
    case.ev_site("parking", vec![car, car]);
    case.data.import_price =
        Series::new(case.axis(), Quantity::PriceEurPerKwh, vec![0.1, 0.3]).unwrap();
    case
}

pub fn battery(name: &str, energy_kwh: f64, kw: f64) -> Battery {
    Battery {
        name: name.into(),
        participant: None,
        energy_kwh,
        charge_kw: kw,
        discharge_kw: kw,
        charge_efficiency: 1.0,
        discharge_efficiency: 1.0,
        soc_min: 0.0,
        soc_initial: 0.0,
        standing_loss_per_h: 0.0,
        cyclic: false,
    }
}

pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[track_caller]
pub fn assert_close(a: f64, b: f64) {
    assert!(close(a, b), "{a} ≠ {b}");
}

#[track_caller]
pub fn assert_all_close(a: &[f64], b: &[f64]) {
    assert_eq!(a.len(), b.len(), "lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(close(*x, *y), "index {i}: {x} ≠ {y} in {a:?} vs {b:?}");
    }
}

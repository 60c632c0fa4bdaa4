//! A full year of quarter-hours with 50 loads and 10 PV systems: the rule controller and the
//! accounting pass run end to end, months follow Paris local time. Prints the elapsed times
//! (measured, not asserted).

mod common;

use std::time::Instant;

use chrono::{TimeZone, Utc};
use common::{Case, battery};
use quartier_model::{Electrolyser, EvSession, FuelCell, HydrogenTank};
use quartier_sim::{NoProgress, RuleConfig, account, simulate};

#[test]
fn a_year_of_quarter_hours_with_50_loads_and_10_pv_systems() {
    // Local year 2025 in Paris: 2024-12-31 23:00 UTC + 35,040 quarter-hours.
    let start = Utc.with_ymd_and_hms(2024, 12, 31, 23, 0, 0).unwrap();
    let n = 35_040;
    let mut case = Case::starting(start, 15, n, 500.0, 300.0);
    for k in 0..10 {
        let pv = (0..n)
            .map(|t| {
                let hour = (t % 96) as f64 / 4.0;
                let day = (t / 96) as f64;
                let season = 0.6 + 0.4 * (2.0 * std::f64::consts::PI * (day - 80.0) / 365.0).sin();
                (5.0 + k as f64)
                    * season
                    * (std::f64::consts::PI * (hour - 6.0) / 12.0).sin().max(0.0)
            })
            .collect();
        case.pv(&format!("pv{k}"), pv);
    }
    for k in 0..50 {
        let load = (0..n)
            .map(|t| 0.5 + 0.3 * (((t * 7 + k * 13) % 96) as f64 / 96.0))
            .collect();
        case.load(&format!("load{k}"), load);
    }
    case.battery(battery("b1", 200.0, 50.0))
        .battery(battery("b2", 100.0, 25.0))
        .electrolyser(Electrolyser {
            name: "pem".into(),
            max_kw: 50.0,
            min_kw: 10.0,
            kwh_per_kg: 52.0,
        })
        .tank(HydrogenTank {
            name: "t1".into(),
            capacity_kg: 200.0,
            min_kg: 10.0,
            initial_kg: 50.0,
            cyclic: false,
        })
        .fuel_cell(FuelCell {
            name: "fc".into(),
            max_kw: 30.0,
            min_kw: 0.0,
            kwh_per_kg: 16.0,
        })
        .h2_demand(
            "buses",
            (0..n)
                .map(|t| if t % 96 == 28 { 8.0 } else { 0.0 })
                .collect(),
        )
        .ev_site(
            "parking",
            (0..365)
                .map(|d| EvSession {
                    arrival: d * 96 + 36,
                    departure: d * 96 + 72,
                    energy_kwh: 30.0,
                    max_kw: 11.0,
                })
                .collect(),
        );
    let inputs = case.inputs();

    let t0 = Instant::now();
    let flows = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    let t1 = Instant::now();
    let kpis = account(&inputs, &flows).unwrap();
    let t2 = Instant::now();
    eprintln!(
        "35,040 steps, 50 loads, 10 PV: simulate {:?}, account {:?}",
        t1 - t0,
        t2 - t1
    );

    assert_eq!(kpis.monthly.len(), 12);
    assert!(
        kpis.monthly
            .iter()
            .enumerate()
            .all(|(i, m)| m.month == i as u32 + 1)
    );
    // March loses an hour, October gains one (Paris DST).
    assert_eq!(kpis.monthly[2].steps, 31 * 96 - 4);
    assert_eq!(kpis.monthly[9].steps, 31 * 96 + 4);
    assert_eq!(kpis.unserved_kwh, 0.0);
    assert!(kpis.h2_produced_kg > 0.0);
}

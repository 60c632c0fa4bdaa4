//! A year of half-hours of a district with PV, two batteries, the hydrogen chain and EV
//! sessions solves, its flows pass the accounting pass and cost no more than the rule
//! controller's. Prints the model size and the times (measured, not asserted).

mod common;

use std::time::Instant;

use chrono::{TimeZone, Utc};
use common::{Case, battery};
use quartier_model::{Electrolyser, EvSession, FuelCell, HydrogenTank};
use quartier_optim::lp::Clarabel;
use quartier_optim::{DispatchConfig, DispatchModel, objective_of_flows};
use quartier_sim::{NoProgress, RuleConfig, account, simulate};
use quartier_timeseries::{Quantity, Series};

#[test]
fn a_year_of_half_hours_with_the_hydrogen_chain_and_ev_sessions() {
    let start = Utc.with_ymd_and_hms(2024, 12, 31, 23, 0, 0).unwrap();
    let n = 17_520;
    let per_day = 48;
    let mut case = Case::starting(start, 30, n, 300.0, 200.0);
    for k in 0..3 {
        let pv = (0..n)
            .map(|t| {
                let hour = (t % per_day) as f64 / 2.0;
                let day = (t / per_day) as f64;
                let season = 0.6 + 0.4 * (2.0 * std::f64::consts::PI * (day - 80.0) / 365.0).sin();
                (20.0 + 10.0 * k as f64)
                    * season
                    * (std::f64::consts::PI * (hour - 6.0) / 12.0).sin().max(0.0)
            })
            .collect();
        case.pv(&format!("pv{k}"), pv);
    }
    for k in 0..5 {
        let load = (0..n)
            .map(|t| 5.0 + 3.0 * (((t * 7 + k * 13) % per_day) as f64 / per_day as f64))
            .collect();
        case.load(&format!("load{k}"), load);
    }
    let mut b1 = battery("b1", 200.0, 50.0);
    b1.charge_efficiency = 0.95;
    b1.discharge_efficiency = 0.95;
    b1.soc_min = 0.1;
    b1.soc_initial = 0.5;
    b1.standing_loss_per_h = 0.0001;
    case.battery(b1)
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
                .map(|t| if t % per_day == 14 { 8.0 } else { 0.0 })
                .collect(),
        );
    // Two EV sessions a day: 18:00 → 07:00 (20 kWh, 7 kW) and 09:00 → 17:00 (15 kWh, 11 kW).
    let mut sessions = Vec::new();
    for d in 0..365 {
        let base = d * per_day;
        sessions.push(EvSession {
            arrival: base + 36,
            departure: (base + 62).min(n),
            energy_kwh: 20.0,
            max_kw: 7.0,
        });
        sessions.push(EvSession {
            arrival: base + 18,
            departure: base + 34,
            energy_kwh: 15.0,
            max_kw: 11.0,
        });
    }
    case.ev_site("car-park", sessions);
    // Peak / off-peak prices.
    case.data.import_price = Series::new(
        case.axis(),
        Quantity::PriceEurPerKwh,
        (0..n)
            .map(|t| if (t % per_day) < 12 { 0.15 } else { 0.25 })
            .collect(),
    )
    .unwrap();
    let inputs = case.inputs();
    let cfg = DispatchConfig::default();

    let t0 = Instant::now();
    let model = DispatchModel::build(&inputs, &cfg).unwrap();
    let built = t0.elapsed();
    let d = model.solve(&Clarabel::default()).unwrap();
    let total = t0.elapsed();
    account(&inputs, &d.flows).unwrap();
    let rule = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    let rule_obj = objective_of_flows(&inputs, &cfg, &rule);
    let rule_kpis = account(&inputs, &rule).unwrap();
    println!(
        "year of half-hours: {} vars, {} rows, {} nonzeros; build {:.2} s, clarabel {:.2} s \
         ({} iterations), total {:.2} s; optimal {:.2} EUR (raw {:.4}, cost {:.2}) vs rule {:.2} \
         (cost {:.2}); polish max change {:.2e}",
        d.size.vars,
        d.size.rows,
        d.size.nonzeros,
        built.as_secs_f64(),
        d.report.solve_seconds,
        d.report.iterations,
        total.as_secs_f64(),
        d.objective,
        d.raw_objective,
        d.kpis.cost_eur,
        rule_obj,
        rule_kpis.cost_eur,
        d.polish.max_change,
    );
    assert!(d.is_optimal(), "{:?}", d.termination);
    assert!(d.objective <= rule_obj + 1e-6 * rule_obj.abs().max(1.0));
}

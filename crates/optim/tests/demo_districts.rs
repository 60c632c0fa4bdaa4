//! The demo districts (examples/*.toml, a year of quarter-hours): optimal dispatch vs the
//! rule controller. Prints cost, solve time and model size (measured, not asserted); asserts
//! that the optimum is no worse and its flows pass the accounting pass (from the start the
//! optimiser chose for cyclic storage: HydroSeine's battery and tank are cyclic).

use std::time::Instant;

use quartier_optim::lp::Clarabel;
use quartier_optim::{DispatchConfig, DispatchModel, objective_of_flows};
use quartier_sim::{NoProgress, RuleConfig, account, assemble, simulate};

fn run(file: &str) {
    let path = quartier_testdata::repo_root().join("examples").join(file);
    let (district, sources) = quartier_model::read_district(&path).unwrap();
    let data = quartier_model::load(&district, &sources).unwrap();
    let inputs = assemble(&district, &data).unwrap();
    let cfg = DispatchConfig::default();
    let t0 = Instant::now();
    let model = DispatchModel::build(&inputs, &cfg).unwrap();
    let d = model.solve(&Clarabel::default()).unwrap();
    let wall = t0.elapsed().as_secs_f64();
    // Cyclic storage starts where the optimiser chose: the flows replay from there.
    let (mut batteries, mut tanks) = (inputs.batteries.to_vec(), inputs.hydrogen_tanks.to_vec());
    d.storage_start.apply(&mut batteries, &mut tanks);
    let started = quartier_sim::Inputs {
        batteries: &batteries,
        hydrogen_tanks: &tanks,
        ..inputs.clone()
    };
    assert_eq!(account(&started, &d.flows).unwrap(), d.kpis);
    let rule = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    let rk = account(&inputs, &rule).unwrap();
    let rule_obj = objective_of_flows(&inputs, &cfg, &rule);
    println!(
        "{file}: {} steps; LP {} vars, {} rows, {} nonzeros; build {:.2} s, solve {:.2} s ({} it), \
         wall {:.2} s; {:?}\n  optimal: objective {:.2} (raw {:.4}), cost {:.2} EUR, import {:.0} kWh, \
         export {:.0} kWh, unserved {:.3} kWh, h2 unserved {:.3} kg, CO2 {:.0} kg, self-sufficiency {:?}\n  \
         rule:    objective {:.2}, cost {:.2} EUR, import {:.0} kWh, export {:.0} kWh, unserved {:.3} kWh, \
         h2 unserved {:.3} kg, CO2 {:.0} kg, self-sufficiency {:?}\n  polish: {:?}",
        inputs.len(),
        d.size.vars,
        d.size.rows,
        d.size.nonzeros,
        d.build_seconds,
        d.report.solve_seconds,
        d.report.iterations,
        wall,
        d.termination,
        d.objective,
        d.raw_objective,
        d.kpis.cost_eur,
        d.kpis.import_kwh,
        d.kpis.export_kwh,
        d.kpis.unserved_kwh,
        d.kpis.h2_unserved_kg,
        d.kpis.co2_kg,
        d.kpis.self_sufficiency_rate,
        rule_obj,
        rk.cost_eur,
        rk.import_kwh,
        rk.export_kwh,
        rk.unserved_kwh,
        rk.h2_unserved_kg,
        rk.co2_kg,
        rk.self_sufficiency_rate,
        d.polish,
    );
    assert!(d.is_optimal());
    assert!(d.objective <= rule_obj + 1e-6 * rule_obj.abs().max(1.0));
}

#[test]
fn hydroseine() {
    run("hydroseine.toml");
}

#[test]
fn meudon_la_foret() {
    run("meudon-la-foret.toml");
}

//! Sizing problems whose optimum is known by hand, targets, the Pareto sweep, and bad options.

mod common;

use common::{Case, battery};
use quartier_model::{Electrolyser, HydrogenTank};
use quartier_optim::DispatchConfig;
use quartier_optim::lp::Clarabel;
use quartier_optim::sizing::{
    Candidate, CapacityKind, CapitalCost, CostTable, SizingConfig, SizingError, Target, pareto,
    size,
};
use quartier_sim::account;
use quartier_timeseries::{Quantity, Series};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

/// A cost table where one unit of every capacity costs `per_horizon` EUR over a horizon of
/// `steps` hours (fixed O&M only, so the annualised cost is exact).
fn costs(steps: usize, per_horizon: [f64; 6]) -> CostTable {
    let y = steps as f64 / 8760.0;
    let c = |v: f64| CapitalCost {
        capex_eur_per_unit: 0.0,
        lifetime_years: 10.0,
        fixed_om_eur_per_unit_year: v / y,
    };
    CostTable {
        pv_kwp: c(per_horizon[0]),
        battery_kwh: c(per_horizon[1]),
        battery_kw: c(per_horizon[2]),
        electrolyser_kw: c(per_horizon[3]),
        tank_kg: c(per_horizon[4]),
        fuel_cell_kw: c(per_horizon[5]),
        discount_rate: 0.05,
    }
}

fn cand(component: &str, kind: CapacityKind, max: f64) -> Candidate {
    Candidate {
        component: component.into(),
        kind,
        min: 0.0,
        max,
    }
}

/// Two hours at 0.1 then 0.3 EUR/kWh, 10 kWh of load in the second; a battery to size.
fn arbitrage(per_kwh: f64, per_kw: f64) -> (Case, SizingConfig) {
    let mut case = Case::new(60, 2, 100.0, 0.0);
    case.load("hall", vec![0.0, 10.0]);
    let mut b = battery("b1", 1.0, 1.0);
    b.soc_initial = 0.0;
    case.battery(b);
    case.data.import_price =
        Series::new(case.axis(), Quantity::PriceEurPerKwh, vec![0.1, 0.3]).unwrap();
    let config = SizingConfig {
        dispatch: DispatchConfig::default(),
        candidates: vec![
            cand("b1", CapacityKind::BatteryKwh, 100.0),
            cand("b1", CapacityKind::BatteryKw, 100.0),
        ],
        costs: costs(2, [0.0, per_kwh, per_kw, 0.0, 0.0, 0.0]),
        target: Target::None,
    };
    (case, config)
}

#[test]
fn a_cheap_battery_is_sized_to_shift_the_whole_load() {
    // Storing one kWh saves 0.2 EUR and costs 0.05 + 0.05: 10 kWh / 10 kW, objective 1 + 1.
    let (case, config) = arbitrage(0.05, 0.05);
    let inputs = case.inputs();
    let s = size(&inputs, &config, &Clarabel::default()).unwrap();
    let e = s.components.batteries[0].energy_kwh;
    let p = s.components.batteries[0].charge_kw;
    assert!(close(e, 10.0, 1e-6) && close(p, 10.0, 1e-6), "{e} {p}");
    assert!(close(s.objective, 2.0, 1e-6), "{}", s.objective);
    assert!(close(s.raw_objective, 2.0, 1e-6), "{}", s.raw_objective);
    assert!(close(s.operating_eur, 1.0, 1e-6));
    // Per year: the horizon cost over 2/8760 of a year.
    assert!(close(s.annualised_cost_eur, 2.0 * 8760.0 / 2.0, 1e-6));
    let sized = s.components.inputs(&inputs);
    account(&sized, &s.flows).unwrap();
    assert!(s.capacities.iter().all(|c| c.candidate));
}

#[test]
fn an_expensive_battery_is_not_built() {
    // 0.15 + 0.15 per kWh shifted > 0.2 saved: no battery, the load is bought at 0.3.
    let (case, config) = arbitrage(0.15, 0.15);
    let inputs = case.inputs();
    let s = size(&inputs, &config, &Clarabel::default()).unwrap();
    assert!(s.components.batteries[0].energy_kwh < 1e-6);
    assert!(close(s.objective, 3.0, 1e-6), "{}", s.objective);
}

/// Two hours, PV of 10 kWp declared producing 0.5 kWh/kWp each hour, 3 kWh of load each
/// hour, import 0.2 EUR/kWh, export worthless.
fn pv_case(per_kwp: f64, target: Target) -> (Case, SizingConfig) {
    let mut case = Case::new(60, 2, 100.0, 100.0);
    case.district.grid.export_price_eur_per_kwh = 0.0;
    case.pv("roof", vec![5.0, 5.0]);
    case.load("hall", vec![3.0, 3.0]);
    let config = SizingConfig {
        dispatch: DispatchConfig::default(),
        candidates: vec![cand("roof", CapacityKind::PvKwp, 10.0)],
        costs: costs(2, [per_kwp, 0.0, 0.0, 0.0, 0.0, 0.0]),
        target,
    };
    (case, config)
}

#[test]
fn pv_is_sized_to_the_load_when_export_is_worthless_and_lcoe_is_its_unit_cost() {
    // Each kWp saves 0.5 × 0.2 × 2 = 0.2 EUR up to 6 kWp (3 kWh of load), costs 0.05.
    let (case, config) = pv_case(0.05, Target::None);
    let inputs = case.inputs();
    let s = size(&inputs, &config, &Clarabel::default()).unwrap();
    let kwp = s.components.pv_systems[0].spec.kwp;
    assert!(close(kwp, 6.0, 1e-6), "{kwp}");
    assert!(close(s.components.pv_kwh[0][0], 3.0, 1e-6));
    assert!(s.kpis.curtailed_kwh < 1e-6, "{}", s.kpis.curtailed_kwh);
    assert!(close(s.objective, 0.3, 1e-6), "{}", s.objective);
    // LCOE: 0.05 EUR per kWp per horizon × 6 kWp / 6 kWh.
    let lcoe = s.lcoe_pv_eur_per_kwh.unwrap();
    assert!(close(lcoe, 0.05, 1e-6), "{lcoe}");
    account(&s.components.inputs(&inputs), &s.flows).unwrap();
}

#[test]
fn targets_force_pv_beyond_the_least_cost() {
    // PV at 0.5 EUR per kWp per horizon is dearer than what it saves (0.2): not built.
    let (case, config) = pv_case(0.5, Target::None);
    let inputs = case.inputs();
    let s = size(&inputs, &config, &Clarabel::default()).unwrap();
    assert!(s.components.pv_systems[0].spec.kwp < 1e-6);
    // Positive energy: production 2 × 0.5 × kWp ≥ 6 kWh → 6 kWp.
    let (case, config) = pv_case(0.5, Target::PositiveEnergy);
    let inputs = case.inputs();
    let s = size(&inputs, &config, &Clarabel::default()).unwrap();
    assert!(close(s.components.pv_systems[0].spec.kwp, 6.0, 1e-6));
    assert!(s.kpis.positive_energy);
    // Self-sufficiency ≥ 0.5: import ≤ 3 kWh → 3 kWp.
    let (case, config) = pv_case(0.5, Target::SelfSufficiency { min_rate: 0.5 });
    let inputs = case.inputs();
    let s = size(&inputs, &config, &Clarabel::default()).unwrap();
    assert!(close(s.components.pv_systems[0].spec.kwp, 3.0, 1e-6));
    assert!(close(s.kpis.self_sufficiency_rate.unwrap(), 0.5, 1e-6));
}

#[test]
fn positive_energy_out_of_reach_is_explained() {
    let (mut case, mut config) = pv_case(0.5, Target::PositiveEnergy);
    case.load("more", vec![10.0, 10.0]);
    config.target = Target::PositiveEnergy;
    let inputs = case.inputs();
    let e = size(&inputs, &config, &Clarabel::default()).unwrap_err();
    assert!(matches!(e, SizingError::Infeasible { .. }), "{e}");
    assert!(e.to_string().contains("positive energy"), "{e}");
}

#[test]
fn pareto_cost_rises_with_self_sufficiency() {
    let (case, config) = pv_case(0.5, Target::None);
    let inputs = case.inputs();
    let points = pareto(&inputs, &config, 3, &Clarabel::default()).unwrap();
    assert_eq!(points.len(), 3);
    let costs: Vec<Option<f64>> = points
        .iter()
        .map(|p| p.result.as_ref().ok().map(|s| s.objective))
        .collect();
    // s0 = 0, then 0.5 (3 kWp: 0.6 EUR of import + 1.5 of PV), then 1 (infeasible: no
    // storage, PV only in the sun... here PV covers both hours, so 6 kWp).
    assert!(close(costs[0].unwrap(), 1.2, 1e-6), "{costs:?}");
    assert!(close(costs[1].unwrap(), 2.1, 1e-6), "{costs:?}");
    assert!(close(costs[2].unwrap(), 3.0, 1e-6), "{costs:?}");
}

#[test]
fn hydrogen_chain_is_sized_and_lcoh_counts_electricity_at_its_marginal_value() {
    // Two hours; 1 kg of hydrogen demanded in hour 2; electrolyser at 50 kWh/kg; grid at
    // 0.1 then 0.3. Cheapest: produce in hour 1 (50 kWh at 0.1), store 1 kg.
    let mut case = Case::new(60, 2, 1000.0, 0.0);
    case.data.import_price =
        Series::new(case.axis(), Quantity::PriceEurPerKwh, vec![0.1, 0.3]).unwrap();
    case.electrolyser(Electrolyser {
        name: "pem".into(),
        max_kw: 10.0,
        min_kw: 0.0,
        kwh_per_kg: 50.0,
    });
    case.tank(HydrogenTank {
        name: "tank".into(),
        capacity_kg: 1.0,
        min_kg: 0.0,
        initial_kg: 0.0,
    });
    case.h2_demand("vans", vec![0.0, 1.0]);
    let config = SizingConfig {
        dispatch: DispatchConfig::default(),
        candidates: vec![
            cand("pem", CapacityKind::ElectrolyserKw, 100.0),
            cand("tank", CapacityKind::TankKg, 10.0),
        ],
        // 0.01 EUR per kW and 0.5 per kg per horizon.
        costs: costs(2, [0.0, 0.0, 0.0, 0.01, 0.5, 0.0]),
        target: Target::None,
    };
    let inputs = case.inputs();
    let s = size(&inputs, &config, &Clarabel::default()).unwrap();
    // Hour 1 production needs 50 kW and a 1 kg tank: 5 + 0.5 + 0.5 = 6.0; producing in hour 2
    // needs 50 kW and no tank: 15 + 0.5. So 50 kW, 1 kg.
    assert!(close(s.components.electrolysers[0].max_kw, 50.0, 1e-6));
    assert!(close(s.components.hydrogen_tanks[0].capacity_kg, 1.0, 1e-6));
    assert!(close(s.objective, 6.0, 1e-6), "{}", s.objective);
    // LCOH = (0.5 + 0.5 + 50 kWh × 0.1 marginal) / 1 kg.
    let lcoh = s.lcoh_eur_per_kg.unwrap();
    assert!(close(lcoh, 6.0, 1e-5), "{lcoh}");
    account(&s.components.inputs(&inputs), &s.flows).unwrap();
}

#[test]
fn bad_options_are_refused_before_any_solve() {
    let (case, mut config) = pv_case(0.5, Target::None);
    let inputs = case.inputs();
    config
        .candidates
        .push(cand("nope", CapacityKind::BatteryKwh, 1.0));
    let e = size(&inputs, &config, &Clarabel::default()).unwrap_err();
    assert!(matches!(e, SizingError::UnknownComponent { .. }), "{e}");
    let (_, mut config) = pv_case(0.5, Target::None);
    config.candidates[0].max = f64::INFINITY;
    let e = size(&inputs, &config, &Clarabel::default()).unwrap_err();
    assert!(e.to_string().contains("finite"), "{e}");
    let (_, mut config) = pv_case(0.5, Target::SelfSufficiency { min_rate: 1.5 });
    config.target = Target::SelfSufficiency { min_rate: 1.5 };
    assert!(size(&inputs, &config, &Clarabel::default()).is_err());
    let (_, mut config) = pv_case(0.5, Target::None);
    config.costs.pv_kwp.lifetime_years = 0.0;
    assert!(size(&inputs, &config, &Clarabel::default()).is_err());
    let (_, mut config) = pv_case(0.5, Target::None);
    config.dispatch.objective = quartier_optim::Objective::Co2;
    assert!(size(&inputs, &config, &Clarabel::default()).is_err());
}

#[test]
fn every_component_lists_declared_capacities() {
    let (case, _) = arbitrage(0.1, 0.1);
    let inputs = case.inputs();
    let c = SizingConfig::every_component(&inputs, 4.0);
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].max, 4.0);
    let s = size(
        &inputs,
        &SizingConfig {
            dispatch: DispatchConfig::default(),
            candidates: c,
            costs: CostTable::default(),
            target: Target::None,
        },
        &Clarabel::default(),
    )
    .unwrap();
    account(&s.components.inputs(&inputs), &s.flows).unwrap();
}

//! Tiny dispatch problems whose optimum is known by hand, and problems that cannot be solved,
//! explained in words.

mod common;

use common::{Case, battery};
use quartier_model::{Electrolyser, HydrogenTank};
use quartier_optim::lp::Clarabel;
use quartier_optim::{
    AnnualBalance, DispatchConfig, DispatchError, EndOfHorizon, Objective, dispatch,
    objective_of_flows,
};
use quartier_sim::{NoProgress, RuleConfig, account, simulate};
use quartier_timeseries::{Quantity, Series};

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
}

/// Two hours: 0.1 EUR/kWh then 0.3; 10 kWh of load in the second hour; a 10 kWh battery.
fn arbitrage_case(eta: f64) -> Case {
    let mut case = Case::new(60, 2, 100.0, 0.0);
    case.load("hall", vec![0.0, 10.0]);
    let mut b = battery("b1", 10.0, 20.0);
    b.charge_efficiency = eta;
    b.discharge_efficiency = eta;
    case.battery(b);
    case.data.import_price =
        Series::new(case.axis(), Quantity::PriceEurPerKwh, vec![0.1, 0.3]).unwrap();
    case
}

#[test]
fn two_step_battery_arbitrage_with_perfect_efficiency() {
    let case = arbitrage_case(1.0);
    let inputs = case.inputs();
    let d = dispatch(&inputs, &DispatchConfig::default(), &Clarabel::default()).unwrap();
    // Buy 10 kWh at 0.1, discharge them at 0.3: cost 1.0 (the rule controller pays 3.0).
    assert!(close(d.objective, 1.0, 1e-7), "{}", d.objective);
    assert!(close(d.kpis.cost_eur, 1.0, 1e-7));
    assert!(close(d.flows.import_kwh[0], 10.0, 1e-7));
    assert!(d.flows.import_kwh[1].abs() < 1e-6);
    assert!(close(d.flows.batteries[0].soc_kwh[0], 10.0, 1e-7));
    // One more kWh in hour 0 costs 0.1. In hour 1 the optimum is not differentiable: one
    // more kWh costs 0.3 (the battery is full), one less saves 0.1, so the dual lies between.
    let m = &d.marginal_value_per_kwh;
    assert!(close(m[0], 0.1, 1e-5), "{m:?}");
    assert!(m[1] > 0.1 - 1e-6 && m[1] < 0.3 + 1e-6, "{m:?}");
    let rule = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    assert!(close(account(&inputs, &rule).unwrap().cost_eur, 3.0, 1e-9));
    assert!(close(d.raw_objective, d.objective, 1e-6));
}

#[test]
fn two_step_battery_arbitrage_with_losses_is_capped_by_capacity() {
    // η = 0.9 both ways: 11.11 kWh bought fill the 10 kWh battery, which delivers 9 kWh; the
    // last kWh is bought at 0.3. Cost 0.1 × 100/9 + 0.3 × 1.
    let case = arbitrage_case(0.9);
    let inputs = case.inputs();
    let d = dispatch(&inputs, &DispatchConfig::default(), &Clarabel::default()).unwrap();
    let expected = 0.1 * 100.0 / 9.0 + 0.3;
    assert!(
        close(d.objective, expected, 1e-7),
        "{} vs {expected}",
        d.objective
    );
    assert!(close(d.flows.import_kwh[0], 100.0 / 9.0, 1e-7));
    assert!(close(d.flows.import_kwh[1], 1.0, 1e-6));
}

#[test]
fn hydrogen_chain_by_hand() {
    // Hour 0: 104 kWh of PV; the 52 kW electrolyser (52 kWh/kg) makes 1 kg from it and the
    // other 52 kWh are exported at 0.1. Hour 1: it makes the second kg from the grid at 0.2.
    // Hour 2: the bus refuels 2 kg. Cost 52 × 0.2 − 52 × 0.1 = 5.2 EUR (unserved hydrogen
    // would cost 100 EUR/kg).
    let mut case = Case::new(60, 3, 1000.0, 1000.0);
    case.pv("roof", vec![104.0, 0.0, 0.0])
        .electrolyser(Electrolyser {
            name: "pem".into(),
            max_kw: 52.0,
            min_kw: 0.0,
            kwh_per_kg: 52.0,
        })
        .tank(HydrogenTank {
            name: "t1".into(),
            capacity_kg: 10.0,
            min_kg: 0.0,
            initial_kg: 0.0,
            cyclic: false,
        })
        .h2_demand("bus", vec![0.0, 0.0, 2.0]);
    let inputs = case.inputs();
    let d = dispatch(&inputs, &DispatchConfig::default(), &Clarabel::default()).unwrap();
    assert!(close(d.objective, 5.2, 1e-7), "{}", d.objective);
    assert!(close(d.flows.h2_produced_kg[0], 1.0, 1e-7));
    // The grid kilogram is made in hour 1 or 2 (same price: the optimum is not unique).
    assert!(close(
        d.flows.h2_produced_kg[1] + d.flows.h2_produced_kg[2],
        1.0,
        1e-7
    ));
    assert!(close(d.flows.h2_served_kg[2], 2.0, 1e-9));
    assert!(d.flows.tank_level_kg[2].abs() < 1e-7);
    assert!(d.kpis.h2_unserved_kg < 1e-6);
    // The rule controller makes only the PV kilogram: 1 kg unserved.
    let rule = simulate(&inputs, &RuleConfig::default(), &mut NoProgress).unwrap();
    let cfg = DispatchConfig::default();
    assert!(objective_of_flows(&inputs, &cfg, &rule) > d.objective + 89.0); // 100 − 5.2 vs 5.2
}

#[test]
fn co2_objective_shifts_imports_to_low_carbon_hours() {
    let mut case = arbitrage_case(1.0);
    // Cheap but dirty first hour, expensive but clean second hour.
    case.data.carbon =
        Series::new(case.axis(), Quantity::CarbonGPerKwh, vec![400.0, 20.0]).unwrap();
    let inputs = case.inputs();
    let co2 = DispatchConfig {
        objective: Objective::Co2,
        ..DispatchConfig::default()
    };
    let d = dispatch(&inputs, &co2, &Clarabel::default()).unwrap();
    assert!(close(d.objective, 0.2, 1e-6), "{}", d.objective); // 10 kWh × 20 g
    assert!(d.flows.import_kwh[0] < 1e-6);
    // At 1000 EUR/t the 380 g difference costs 0.38 EUR/kWh > 0.2 EUR/kWh of price gap.
    let priced = DispatchConfig {
        objective: Objective::CostPlusCo2 {
            eur_per_tonne: 1000.0,
        },
        ..DispatchConfig::default()
    };
    let d = dispatch(&inputs, &priced, &Clarabel::default()).unwrap();
    assert!(
        close(d.objective, 10.0 * (0.3 + 0.02), 1e-6),
        "{}",
        d.objective
    );
}

#[test]
fn cyclic_storage_ends_at_its_initial_level() {
    let mut case = Case::new(60, 3, 100.0, 100.0);
    case.load("hall", vec![5.0, 5.0, 5.0]);
    let mut b = battery("b1", 10.0, 10.0);
    b.soc_initial = 1.0;
    case.battery(b);
    let inputs = case.inputs();
    let free = dispatch(&inputs, &DispatchConfig::default(), &Clarabel::default()).unwrap();
    assert!(close(free.objective, 0.2 * 5.0, 1e-6), "{}", free.objective);
    let cyclic = DispatchConfig {
        end_of_horizon: EndOfHorizon::AtLeastInitial,
        ..DispatchConfig::default()
    };
    let d = dispatch(&inputs, &cyclic, &Clarabel::default()).unwrap();
    assert!(close(d.objective, 0.2 * 15.0, 1e-6), "{}", d.objective);
    assert!(d.flows.batteries[0].soc_kwh[2] >= 10.0 - 1e-6);
}

#[test]
fn positive_energy_out_of_reach_is_explained_before_solving() {
    let mut case = Case::new(60, 2, 100.0, 0.0);
    case.pv("roof", vec![3.0, 0.0]).load("hall", vec![2.0, 4.0]);
    let inputs = case.inputs();
    let cfg = DispatchConfig {
        annual_balance: AnnualBalance::PositiveEnergy,
        ..DispatchConfig::default()
    };
    let e = dispatch(&inputs, &cfg, &Clarabel::default()).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, DispatchError::Infeasible { .. }), "{text}");
    assert!(text.contains("positive energy is out of reach"), "{text}");
    assert!(
        text.contains("3.0 kWh") && text.contains("6.0 kWh"),
        "{text}"
    );
}

#[test]
fn positive_energy_binds_on_curtailment_when_export_is_capped() {
    // 10 kWh of PV, 6 kWh of load at night, export limited to 1 kWh: without the constraint
    // the optimum curtails; with it, it cannot curtail more than 4 kWh, and since nothing
    // else can absorb the energy the problem is infeasible, explained by the solver's
    // certificate in words.
    let mut case = Case::new(60, 2, 100.0, 1.0);
    case.pv("roof", vec![10.0, 0.0])
        .load("hall", vec![0.0, 6.0]);
    let inputs = case.inputs();
    let cfg = DispatchConfig {
        annual_balance: AnnualBalance::PositiveEnergy,
        ..DispatchConfig::default()
    };
    let e = dispatch(&inputs, &cfg, &Clarabel::default()).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, DispatchError::Infeasible { .. }), "{text}");
    assert!(text.contains("positive energy"), "{text}");
    assert!(text.contains("electricity balance"), "{text}");
}

#[test]
fn bad_options_are_refused_before_solving() {
    let case = arbitrage_case(1.0);
    let inputs = case.inputs();
    for cfg in [
        DispatchConfig {
            value_of_lost_load_eur_per_kwh: f64::NAN,
            ..DispatchConfig::default()
        },
        DispatchConfig {
            objective: Objective::CostPlusCo2 {
                eur_per_tonne: -1.0,
            },
            ..DispatchConfig::default()
        },
    ] {
        let e = dispatch(&inputs, &cfg, &Clarabel::default()).unwrap_err();
        assert!(matches!(e, DispatchError::Config { .. }), "{e}");
    }
}

#[test]
fn a_battery_that_standing_loss_empties_without_charging_is_explained() {
    let mut case = Case::new(60, 2, 100.0, 0.0);
    let mut b = battery("old", 10.0, 0.0);
    b.soc_min = 0.2;
    b.soc_initial = 0.5;
    b.standing_loss_per_h = 0.01;
    case.battery(b);
    let inputs = case.inputs();
    let e = dispatch(&inputs, &DispatchConfig::default(), &Clarabel::default()).unwrap_err();
    assert!(e.to_string().contains("battery 'old'"), "{e}");
}

#[test]
fn a_site_limit_shares_the_cheap_hour_and_too_small_a_site_is_explained() {
    let mut case = common::two_cars_case();
    let solver = Clarabel::default();
    let free = dispatch(&case.inputs(), &DispatchConfig::default(), &solver).unwrap();
    // Both cars in the cheap hour: 40 kWh at 0.1.
    assert!(close(free.objective, 4.0, 1e-7), "{}", free.objective);
    // 25 kW at once: 25 kWh at 0.1, the other 15 at 0.3.
    case.district.ev_chargers[0].site_limit_kw = Some(25.0);
    let inputs = case.inputs();
    let d = dispatch(&inputs, &DispatchConfig::default(), &solver).unwrap();
    assert!(close(d.objective, 7.0, 1e-7), "{}", d.objective);
    assert!(d.flows.ev_sites[0].charge_kwh.iter().all(|&x| x <= 25.0));
    account(&inputs, &d.flows).unwrap();
    // 15 kW cannot deliver 40 kWh in two hours: infeasible, in words, naming the site.
    case.district.ev_chargers[0].site_limit_kw = Some(15.0);
    let e = dispatch(&case.inputs(), &DispatchConfig::default(), &solver).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, DispatchError::Infeasible { .. }), "{text}");
    assert!(
        text.contains("EV site 'parking' delivering at most its power at once (site_limit_kw"),
        "{text}"
    );
}

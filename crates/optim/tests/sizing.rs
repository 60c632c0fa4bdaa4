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
        subsidy_eur_per_unit: 0.0,
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
        charging_kw: CostTable::default().charging_kw,
        discount_rate: 0.05,
    }
}

fn cand(component: &str, kind: CapacityKind, max: f64) -> Candidate {
    Candidate::new(component, kind, 0.0, max)
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
        durations: Vec::new(),
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
        durations: Vec::new(),
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
        cyclic: false,
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
        durations: Vec::new(),
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
            durations: Vec::new(),
        },
        &Clarabel::default(),
    )
    .unwrap();
    account(&s.components.inputs(&inputs), &s.flows).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Storage rules, the planner's own costs, and the explanation of each size (issue #13).

#[test]
fn a_battery_of_fixed_duration_is_sized_as_a_pair() {
    // A 2-hour battery: shifting the 10 kWh of hour 2 needs 10 kWh, hence 5 kW is not enough
    // to discharge it in one hour: the pair (10 kWh, 5 kW) shifts 5 kWh; (20 kWh, 10 kW)
    // shifts 10. Each kWh of energy costs 0.05, each kW 0.05 per horizon: the pair of
    // 20 kWh + 10 kW costs 1.5 and saves 2.0, cheaper than 2 kWh-per-kW of nothing.
    let (case, mut config) = arbitrage(0.05, 0.05);
    config.durations = vec![("b1".into(), 2.0)];
    let inputs = case.inputs();
    let s = size(&inputs, &config, &Clarabel::default()).unwrap();
    let (e, p) = (
        s.components.batteries[0].energy_kwh,
        s.components.batteries[0].charge_kw,
    );
    assert!(close(e, 2.0 * p, 1e-6), "{e} {p}");
    assert!(close(p, 10.0, 1e-5), "{e} {p}");
    // The pair is explained as a pair.
    let cap = |kind| s.capacities.iter().find(|c| c.kind == kind).unwrap();
    let pair = cap(CapacityKind::BatteryKw).with_pair.unwrap();
    assert_eq!(pair.other_per_unit, 2.0);
    // The duration needs both capacities sized.
    config.candidates.pop();
    let e = size(&inputs, &config, &Clarabel::default()).unwrap_err();
    assert!(e.to_string().contains("durations.b1"), "{e}");
}

#[test]
fn a_cyclic_battery_ends_where_it_starts_and_cannot_live_off_its_stock() {
    // Half-full at the start and free to end empty, the battery serves 5 kWh for free; cyclic,
    // it must buy back what it gives: only the price spread is left to earn.
    let (case, _) = arbitrage(0.0, 0.0);
    let mut free = case.clone();
    free.district.batteries[0].energy_kwh = 10.0;
    free.district.batteries[0].charge_kw = 10.0;
    free.district.batteries[0].discharge_kw = 10.0;
    free.district.batteries[0].soc_initial = 0.5;
    let mut cyclic = free.clone();
    cyclic.district.batteries[0].cyclic = true;
    let solver = Clarabel::default();
    let cfg = DispatchConfig::default();
    let d_free = quartier_optim::dispatch(&free.inputs(), &cfg, &solver).unwrap();
    let inputs = cyclic.inputs();
    let d = quartier_optim::dispatch(&inputs, &cfg, &solver).unwrap();
    // Free end: 5 kWh from stock, 5 bought at 0.1 in hour 1 and stored (η = 1): 0.5 EUR.
    assert!(close(d_free.objective, 0.5, 1e-6), "{}", d_free.objective);
    // Cyclic: the whole 10 kWh bought at 0.1 in hour 1, whatever the start: 1.0 EUR.
    assert!(close(d.objective, 1.0, 1e-6), "{}", d.objective);
    let start = d.storage_start.battery_soc_kwh[0];
    let end = *d.flows.batteries[0].soc_kwh.last().unwrap();
    assert!((start - end).abs() < 1e-6, "{start} {end}");
    // The flows replay from the chosen start: the accounting pass agrees.
    let mut started = cyclic.clone();
    started.district.batteries[0].soc_initial = start / 10.0;
    quartier_sim::account(&started.inputs(), &d.flows).unwrap();
}

#[test]
fn costs_from_the_district_plan_are_used_and_said() {
    use quartier_model::{CapacityPlan, CostOrigin, SizingOptions};
    let (case, config) = arbitrage(0.0, 0.0);
    let inputs = case.inputs();
    let y = 2.0 / 8760.0;
    // 0.05 EUR per kWh and per kW over the horizon, as fixed O&M; lifetime from the file.
    let plan = |kind, om: f64| CapacityPlan {
        component: "b1".into(),
        kind,
        sized: true,
        min: 0.0,
        max: Some(100.0),
        cost: CapitalCost {
            capex_eur_per_unit: 0.0,
            subsidy_eur_per_unit: 0.0,
            lifetime_years: 10.0,
            fixed_om_eur_per_unit_year: om / y,
        },
        capex_eur_when_built: 0.0,
        origin: CostOrigin {
            fixed_om: true,
            lifetime: true,
            ..CostOrigin::default()
        },
    };
    let options = SizingOptions {
        capacities: vec![
            plan(CapacityKind::BatteryKwh, 0.05),
            plan(CapacityKind::BatteryKw, 0.05),
        ],
        ..SizingOptions::default()
    };
    let from_plan = SizingConfig::from_plan(&inputs, &options, None, Target::None);
    assert_eq!(from_plan.candidates.len(), 2);
    let s = size(&inputs, &from_plan, &Clarabel::default()).unwrap();
    let reference = size(
        &inputs,
        &config_with(0.05, 0.05, config),
        &Clarabel::default(),
    )
    .unwrap();
    assert!(
        close(s.objective, reference.objective, 1e-7),
        "{} {}",
        s.objective,
        reference.objective
    );
    let e = &s.capacities[0];
    assert!(e.origin.fixed_om && e.origin.lifetime && !e.origin.capex);
    assert!(close(e.annualised_eur_per_unit, 0.05 / y, 1e-9));
    // sized = false keeps the declared size.
    let mut kept = options.clone();
    kept.capacities[1].sized = false;
    let c = SizingConfig::from_plan(&inputs, &kept, None, Target::None);
    assert_eq!(c.candidates.len(), 1);
}

fn config_with(per_kwh: f64, per_kw: f64, mut c: SizingConfig) -> SizingConfig {
    c.costs = costs(2, [0.0, per_kwh, per_kw, 0.0, 0.0, 0.0]);
    c
}

#[test]
fn the_marginal_value_of_a_bounded_capacity_is_what_one_more_unit_is_worth() {
    // A cheap battery whose energy is capped at 4 kWh (power free): each more kWh, with the
    // kW it needs, saves 0.2 EUR of imports and costs 0.05 + 0.05: the objective falls by
    // 0.1 per kWh. The duals say it: value − cost of the energy = 0.1 per horizon.
    let (case, mut config) = arbitrage(0.05, 0.05);
    config.candidates[0].max = 4.0;
    let inputs = case.inputs();
    let solver = Clarabel::default();
    let s = size(&inputs, &config, &solver).unwrap();
    let y = 2.0 / 8760.0;
    let energy = &s.capacities[0];
    assert_eq!(energy.limit, Some(quartier_optim::sizing::Limit::Max));
    assert_eq!(
        s.capacities[1].limit,
        Some(quartier_optim::sizing::Limit::Economics)
    );
    let net =
        (energy.marginal_value_eur_per_unit_year.unwrap() - energy.annualised_eur_per_unit) * y;
    let mut more = config.clone();
    more.candidates[0].max = 4.5;
    let s2 = size(&inputs, &more, &solver).unwrap();
    let fall = (s.objective - s2.objective) / 0.5;
    assert!(close(net, fall, 1e-5), "{net} {fall}");
    assert!(close(net, 0.1, 1e-5), "{net}");
    // Without a bound, the sizes stop where one more unit is worth its cost.
    let (case, config) = arbitrage(0.05, 0.05);
    let inputs = case.inputs();
    let s = size(&inputs, &config, &solver).unwrap();
    for c in &s.capacities {
        assert_eq!(
            c.limit,
            Some(quartier_optim::sizing::Limit::Economics),
            "{c:?}"
        );
        let v = c.marginal_value_eur_per_unit_year.unwrap();
        assert!(close(v, c.annualised_eur_per_unit, 1e-5), "{c:?}");
    }
}

#[test]
fn a_self_sufficiency_target_has_a_price() {
    let (case, config) = pv_case(0.01, Target::SelfSufficiency { min_rate: 0.6 });
    let inputs = case.inputs();
    let s = size(&inputs, &config, &Clarabel::default()).unwrap();
    let p = s.target_eur_per_point_year.unwrap();
    // Re-solve one point higher: the cost per year grows by about p.
    let (case2, config2) = pv_case(0.01, Target::SelfSufficiency { min_rate: 0.61 });
    let inputs2 = case2.inputs();
    let s2 = size(&inputs2, &config2, &Clarabel::default()).unwrap();
    let delta = s2.annualised_cost_eur - s.annualised_cost_eur;
    assert!(p > 0.0 && close(p, delta, 1e-4), "{p} {delta}");
}

#[cfg(feature = "highs")]
#[test]
fn a_cost_when_built_is_a_yes_no_decision() {
    use quartier_optim::lp::Highs;
    // The cheap battery saves 2.0 − 1.0 = 1.0 over the horizon; a fixed cost of 0.8 leaves
    // it built, 1.2 does not.
    let (case, config) = arbitrage(0.05, 0.05);
    let inputs = case.inputs();
    let y = 2.0 / 8760.0;
    let with_fixed = |eur_per_horizon: f64| {
        let mut c = config.clone();
        // capex × CRF(5 %, 10 y) over the horizon = eur_per_horizon.
        c.candidates[0].capex_eur_when_built =
            eur_per_horizon / y / quartier_optim::sizing::capital_recovery_factor(0.05, 10.0);
        c
    };
    let built = size(&inputs, &with_fixed(0.8), &Highs::default()).unwrap();
    assert!(close(built.components.batteries[0].energy_kwh, 10.0, 1e-6));
    assert!(
        close(built.objective, 2.0 + 0.8, 1e-6),
        "{}",
        built.objective
    );
    let not = size(&inputs, &with_fixed(1.2), &Highs::default()).unwrap();
    assert!(not.components.batteries[0].energy_kwh < 1e-9);
    assert_eq!(
        not.capacities[0].limit,
        Some(quartier_optim::sizing::Limit::NotBuilt)
    );
    // Clarabel cannot decide yes/no: it says so and names the back end that can.
    let e = size(&inputs, &with_fixed(0.8), &Clarabel::default()).unwrap_err();
    assert!(e.to_string().contains("HiGHS"), "{e}");
}

// ---------------------------------------------------------------------------------------------
// Representative periods.

/// An electrolyser `pem` of `kw` at 50 kWh/kg and a cyclic 5 kg tank `tank`.
fn h2_chain(case: &mut Case, kw: f64) {
    case.electrolyser(Electrolyser {
        name: "pem".into(),
        max_kw: kw,
        min_kw: 0.0,
        kwh_per_kg: 50.0,
    });
    case.tank(HydrogenTank {
        name: "tank".into(),
        capacity_kg: 5.0,
        min_kg: 0.0,
        initial_kg: 0.0,
        cyclic: true,
    });
}

/// Four days of hours: PV at noon, an evening load, a hydrogen demand the first morning, a
/// battery and a hydrogen chain to size; the fourth day is a copy of the second.
fn four_days() -> (Case, SizingConfig) {
    let hours = 96;
    let mut case = Case::new(60, hours, 1000.0, 1000.0);
    let day = |d: usize, t: usize| -> f64 {
        let h = t % 24;
        let sun = if (8..17).contains(&h) {
            1.0 - ((h as f64 - 12.0) / 5.0).powi(2)
        } else {
            0.0
        };
        sun * [1.0, 0.4, 0.8, 0.4][d]
    };
    case.pv("roof", (0..hours).map(|t| 20.0 * day(t / 24, t)).collect());
    case.load(
        "homes",
        (0..hours)
            .map(|t| {
                if (17..23).contains(&(t % 24)) {
                    6.0
                } else {
                    1.0
                }
            })
            .collect(),
    );
    let mut b = battery("b1", 10.0, 5.0);
    b.soc_initial = 0.0;
    b.cyclic = true;
    case.battery(b);
    h2_chain(&mut case, 5.0);
    case.h2_demand(
        "vans",
        (0..hours)
            .map(|t| if t == 30 || t == 78 { 1.0 } else { 0.0 })
            .collect(),
    );
    case.data.import_price = Series::new(
        case.axis(),
        Quantity::PriceEurPerKwh,
        (0..hours)
            .map(|t| {
                if (17..23).contains(&(t % 24)) {
                    0.3
                } else {
                    0.15
                }
            })
            .collect(),
    )
    .unwrap();
    let config = SizingConfig {
        dispatch: DispatchConfig::default(),
        candidates: vec![
            cand("roof", CapacityKind::PvKwp, 20.0),
            cand("b1", CapacityKind::BatteryKwh, 50.0),
            cand("b1", CapacityKind::BatteryKw, 50.0),
            cand("pem", CapacityKind::ElectrolyserKw, 20.0),
            cand("tank", CapacityKind::TankKg, 10.0),
        ],
        costs: costs(hours, [0.5, 0.1, 0.1, 0.5, 0.2, 0.0]),
        target: Target::None,
        durations: Vec::new(),
    };
    (case, config)
}

#[test]
fn as_many_typical_days_as_days_is_the_full_problem() {
    let (case, config) = four_days();
    let inputs = case.inputs();
    let solver = Clarabel::default();
    let full = size(&inputs, &config, &solver).unwrap();
    let p = quartier_optim::sizing::size_on_typical_periods(&inputs, &config, 4, &solver).unwrap();
    assert_eq!(p.periods.weights, vec![1, 1, 1, 1]);
    assert!(
        close(
            p.reduced_annualised_cost_eur,
            full.annualised_cost_eur,
            1e-6
        ),
        "{} {}",
        p.reduced_annualised_cost_eur,
        full.annualised_cost_eur
    );
    assert!(p.estimate_error.abs() < 1e-6, "{}", p.estimate_error);
    for (a, b) in p.sizing.capacities.iter().zip(&full.capacities) {
        assert!(close(a.value, b.value, 1e-4), "{a:?} {b:?}");
    }
}

#[test]
fn identical_days_cluster_together_and_the_check_is_the_full_year() {
    let (case, config) = four_days();
    let inputs = case.inputs();
    let t = quartier_optim::sizing::cluster_days(&inputs, 3).unwrap();
    // Days 1 and 3 are the same day: one typical day stands for both.
    assert_eq!(t.assignment[1], t.assignment[3]);
    assert_eq!(t.weights.iter().sum::<usize>(), 4);
    assert_eq!(t.medoids.len(), 3);
    let solver = Clarabel::default();
    let p = quartier_optim::sizing::size_on_typical_periods(&inputs, &config, 3, &solver).unwrap();
    // The flows are the full horizon's, and pass the accounting pass on the sized inputs.
    assert_eq!(p.sizing.flows.import_kwh.len(), 96);
    // Bad options are explained.
    let e = quartier_optim::sizing::cluster_days(&inputs, 5).unwrap_err();
    assert!(e.to_string().contains("between 1 and the 4 days"), "{e}");
}

#[test]
fn linked_typical_days_keep_the_tanks_seasonal_role() {
    // Two sunny days then two dark ones, 2 kg of hydrogen each noon, electricity from the
    // grid dear: the cheapest plan makes the dark days' hydrogen on the sunny days and stores
    // it. Two typical days (a sunny one and a dark one, two days each) must keep that: a
    // tank large enough to carry 4 kg from the sunny days to the dark ones.
    let hours = 96;
    let mut case = Case::new(60, hours, 1000.0, 0.0);
    let sun = |t: usize| {
        let h = t % 24;
        if t < 48 && (8..17).contains(&h) {
            1.0 - ((h as f64 - 12.0) / 5.0).powi(2)
        } else {
            0.0
        }
    };
    case.pv("roof", (0..hours).map(|t| 100.0 * sun(t)).collect());
    case.load("base", vec![0.0; hours]);
    h2_chain(&mut case, 50.0);
    case.h2_demand(
        "vans",
        (0..hours)
            .map(|t| if t % 24 == 12 { 2.0 } else { 0.0 })
            .collect(),
    );
    case.data.import_price =
        Series::new(case.axis(), Quantity::PriceEurPerKwh, vec![1.0; hours]).unwrap();
    let config = SizingConfig {
        dispatch: DispatchConfig::default(),
        candidates: vec![
            cand("pem", CapacityKind::ElectrolyserKw, 50.0),
            cand("tank", CapacityKind::TankKg, 20.0),
        ],
        costs: costs(hours, [0.0, 0.0, 0.0, 0.01, 0.01, 0.0]),
        target: Target::None,
        durations: Vec::new(),
    };
    let inputs = case.inputs();
    let solver = Clarabel::default();
    let full = size(&inputs, &config, &solver).unwrap();
    let tank = |s: &quartier_optim::sizing::Sizing| s.components.hydrogen_tanks[0].capacity_kg;
    assert!(tank(&full) > 4.0, "{}", tank(&full));
    let p = quartier_optim::sizing::size_on_typical_periods(&inputs, &config, 2, &solver).unwrap();
    assert_eq!(p.periods.weights, vec![2, 2]);
    assert!(
        close(tank(&p.sizing), tank(&full), 1e-4),
        "{} {}",
        tank(&p.sizing),
        tank(&full)
    );
    assert!(p.estimate_error.abs() < 1e-4, "{}", p.estimate_error);
}

#[test]
fn the_grid_connection_is_sized_at_its_own_cost() {
    use quartier_model::CostOrigin;
    // One peak hour of 10 kWh and a quiet one of 2: without storage the connection must carry
    // the peak (unserved energy costs 10 EUR/kWh); a cheap battery charged in the quiet hour
    // lets the subscription shrink to 6 kW, when a kW of subscription costs more than the
    // kWh and kW of battery that replace it.
    let mut case = Case::new(60, 2, 100.0, 0.0);
    case.load("hall", vec![2.0, 10.0]);
    let mut b = battery("b1", 1.0, 1.0);
    b.soc_initial = 0.0;
    case.battery(b);
    let y = 2.0 / 8760.0;
    let own = |per_horizon: f64| quartier_model::CapitalCost {
        capex_eur_per_unit: 0.0,
        subsidy_eur_per_unit: 0.0,
        lifetime_years: 1.0,
        fixed_om_eur_per_unit_year: per_horizon / y,
    };
    let grid = |per_kw: f64| Candidate {
        cost: Some(own(per_kw)),
        origin: CostOrigin {
            fixed_om: true,
            ..CostOrigin::default()
        },
        ..Candidate::new("grid", CapacityKind::GridImportKw, 0.0, 100.0)
    };
    let config = |per_kw: f64| SizingConfig {
        dispatch: DispatchConfig::default(),
        candidates: vec![
            cand("b1", CapacityKind::BatteryKwh, 100.0),
            cand("b1", CapacityKind::BatteryKw, 100.0),
            grid(per_kw),
        ],
        costs: costs(2, [0.0, 0.05, 0.05, 0.0, 0.0, 0.0]),
        target: Target::None,
        durations: Vec::new(),
    };
    let inputs = case.inputs();
    let solver = Clarabel::default();
    let cheap = size(&inputs, &config(0.01), &solver).unwrap();
    assert!(
        close(cheap.components.grid.import_limit_kw, 10.0, 1e-5),
        "{:?}",
        cheap.components.grid
    );
    let dear = size(&inputs, &config(1.0), &solver).unwrap();
    assert!(
        close(dear.components.grid.import_limit_kw, 6.0, 1e-5),
        "{:?}",
        dear.components.grid
    );
    assert!(close(dear.components.batteries[0].energy_kwh, 4.0, 1e-5));
    let g = dear
        .capacities
        .iter()
        .find(|c| c.kind == CapacityKind::GridImportKw)
        .unwrap();
    assert!(g.candidate && g.origin.fixed_om);
    // The sized flows never import above the subscription.
    assert!(dear.flows.import_kwh.iter().all(|&x| x <= 6.0 + 1e-9));
    // Without its own costs the connection is refused: it has no built-in default.
    let mut bare = config(1.0);
    bare.candidates[2].cost = None;
    let e = size(&inputs, &bare, &solver).unwrap_err();
    assert!(e.to_string().contains("fixed_om_eur_per_kw_year"), "{e}");
}

/// Two hours at 0.1 then 0.3 EUR/kWh, two cars plugged for both, 20 kWh each at 22 kW: the
/// site needs at least 20 kW (40 kWh in 2 h); each kW above it moves 1 kWh into the cheap
/// hour (saving 0.2 EUR), up to 40 kW. A kW at 0.1 EUR per horizon is worth it, at 0.3 not.
#[test]
fn charge_points_are_sized_between_what_the_cars_need_and_the_cheap_hour() {
    let case = common::two_cars_case();
    let y = 2.0 / 8760.0;
    let config = |per_kw: f64| SizingConfig {
        dispatch: DispatchConfig::default(),
        candidates: vec![Candidate {
            cost: Some(CapitalCost {
                capex_eur_per_unit: 0.0,
                subsidy_eur_per_unit: 0.0,
                lifetime_years: 1.0,
                fixed_om_eur_per_unit_year: per_kw / y,
            }),
            // What the plugged cars can draw at once, the default bound of a district file.
            ..Candidate::new("parking", CapacityKind::ChargingKw, 0.0, 44.0)
        }],
        costs: costs(2, [0.0; 6]),
        target: Target::None,
        durations: Vec::new(),
    };
    let inputs = case.inputs();
    let solver = Clarabel::default();
    let cheap = size(&inputs, &config(0.1), &solver).unwrap();
    let site = |s: &quartier_optim::sizing::Sizing| {
        s.capacities
            .iter()
            .find(|c| c.kind == CapacityKind::ChargingKw)
            .cloned()
            .unwrap()
    };
    assert!(close(site(&cheap).value, 40.0, 1e-6), "{:?}", site(&cheap));
    assert_eq!(
        cheap.components.ev_chargers[0].site_limit_kw,
        Some(site(&cheap).value)
    );
    let dear = size(&inputs, &config(0.3), &solver).unwrap();
    let s = site(&dear);
    assert!(close(s.value, 20.0, 1e-6), "{s:?}");
    assert!(s.candidate && s.annualised_eur_per_unit > 0.0);
    // Between its bounds its marginal value is its cost (any less and the cars would leave
    // short), and what limited it says so.
    let v = s.marginal_value_eur_per_unit_year.unwrap() * y;
    assert!(close(v, 0.3, 1e-5), "{v}");
    assert_eq!(
        s.limit,
        Some(quartier_optim::sizing::Limit::Economics),
        "{s:?}"
    );
    // The sized flows hold the site's power and pass the accounting pass.
    let sized = dear.components.inputs(&inputs);
    account(&sized, &dear.flows).unwrap();
    assert!(
        dear.flows.ev_sites[0]
            .charge_kwh
            .iter()
            .all(|&x| x <= s.value)
    );
    // An unknown site is refused by name.
    let mut bad = config(0.1);
    bad.candidates[0].component = "nowhere".into();
    let e = size(&inputs, &bad, &solver).unwrap_err();
    assert!(e.to_string().contains("nowhere"), "{e}");
}

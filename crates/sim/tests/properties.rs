//! Property tests on random small districts: the rule controller's flows always pass the
//! accounting pass, balances hold, levels stay in bounds, and nothing is unserved when the
//! grid connection is large enough.

use proptest::prelude::*;
use quartier_sim::{Flows, Inputs, NoProgress, account, simulate};

use quartier_sim::testkit::random::{StandingLoss, build, config, shapes};

const EPS: f64 = 1e-8;

/// Balances and bounds re-checked here, independently of the accounting pass.
fn check_flows(inputs: &Inputs<'_>, f: &Flows) -> Result<(), TestCaseError> {
    let h = inputs.step_hours();
    let (h2_min, h2_cap, _) = inputs.tank_pool_kg();
    for t in 0..inputs.len() {
        let supply = f.pv_kwh[t] - f.curtailed_kwh[t]
            + f.import_kwh[t]
            + f.battery_discharge_kwh[t]
            + f.fuel_cell_kwh[t]
            + f.unserved_kwh[t];
        let demand = f.load_kwh[t]
            + f.ev_kwh[t]
            + f.fleet_kwh[t]
            + f.battery_charge_kwh[t]
            + f.electrolyser_kwh[t]
            + f.export_kwh[t];
        prop_assert!(
            (supply - demand).abs() <= EPS * supply.max(1.0),
            "balance at {t}"
        );
        prop_assert!(f.import_kwh[t] <= inputs.grid.import_limit_kw * h + EPS);
        prop_assert!(f.export_kwh[t] <= inputs.grid.export_limit_kw * h + EPS);
        prop_assert!(f.import_kwh[t] == 0.0 || f.export_kwh[t] == 0.0);
        for (b, bf) in inputs.batteries.iter().zip(&f.batteries) {
            let soc = bf.soc_kwh[t];
            prop_assert!(
                soc >= -EPS && soc <= b.energy_kwh + EPS,
                "SoC {soc} of {}",
                b.energy_kwh
            );
            if b.standing_loss_per_h == 0.0 {
                prop_assert!(
                    soc >= b.soc_min * b.energy_kwh - EPS,
                    "SoC {soc} below soc_min"
                );
            }
        }
        let level = f.tank_level_kg[t];
        prop_assert!(
            level >= h2_min - EPS && level <= h2_cap + EPS,
            "tank {level}"
        );
        prop_assert!(
            (f.h2_served_kg[t] + f.h2_unserved_kg[t] - f.h2_demand_kg[t]).abs() <= EPS,
            "hydrogen demand at {t}"
        );
        for (name, col) in f.columns() {
            prop_assert!(col[t] >= -EPS, "{name} negative at {t}");
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn rule_flows_always_pass_the_accounting(s in shapes()) {
        let case = build(&s, StandingLoss::Random);
        let inputs = case.inputs();
        let flows = simulate(&inputs, &config(&s), &mut NoProgress).unwrap();
        let kpis = account(&inputs, &flows);
        prop_assert!(kpis.is_ok(), "{:?}", kpis.err());
        check_flows(&inputs, &flows)?;
        let k = kpis.unwrap();
        if let Some(r) = k.self_consumption_rate {
            prop_assert!((0.0..=1.0).contains(&r));
        }
        if let Some(r) = k.self_sufficiency_rate {
            prop_assert!((0.0..=1.0).contains(&r));
        }
        prop_assert!(k.battery_losses_kwh >= -1e-6);
        let monthly: f64 = k.monthly.iter().map(|m| m.consumption_kwh).sum();
        prop_assert!((monthly - k.consumption_kwh).abs() <= 1e-9 * k.consumption_kwh.max(1.0));
        if s.large_import {
            prop_assert!(flows.unserved_kwh.iter().all(|&u| u == 0.0));
            prop_assert_eq!(k.unserved_kwh, 0.0);
        }
    }

    #[test]
    fn moving_one_kwh_of_import_is_caught_at_that_step(s in shapes(), at in 0usize..1000) {
        let mut s = s;
        s.large_import = true;
        s.len = s.len.max(2);
        let case = build(&s, StandingLoss::Random);
        let inputs = case.inputs();
        let mut flows = simulate(&inputs, &config(&s), &mut NoProgress).unwrap();
        let t = at % (s.len - 1);
        // Move one kWh of import from step t to step t + 1: whether step t then breaks
        // non-negativity or the balance, the failure names step t.
        flows.import_kwh[t] -= 1.0;
        flows.import_kwh[t + 1] += 1.0;
        match account(&inputs, &flows) {
            Err(quartier_sim::BalanceError::Step { step, .. }) => prop_assert_eq!(step, t),
            other => prop_assert!(false, "expected a failure at step {}, got {:?}", t, other),
        }
    }
}

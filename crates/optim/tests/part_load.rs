//! Minimum part-load of electrolysers as a MILP (HiGHS), against the LP relaxation, on a few
//! days; and HiGHS against clarabel on the same LP.
#![cfg(feature = "highs")]

mod common;

use common::{Case, battery};
use quartier_model::{Electrolyser, HydrogenTank};
use quartier_optim::lp::{Clarabel, Highs, LpError, SolverOptions, Termination};
use quartier_optim::{
    DispatchConfig, DispatchError, Forecast, PartLoad, RollingConfig, dispatch, rolling,
};
use quartier_sim::account;

/// Three days of hours: little PV, a 100 kW electrolyser with a 40 kW minimum, a daily
/// hydrogen demand of 0.5 kg that the LP would rather serve by running at 26 kW for an hour.
fn case() -> Case {
    let n = 72;
    let mut case = Case::new(60, n, 500.0, 100.0);
    case.pv(
        "roof",
        (0..n)
            .map(|t| {
                let hour = (t % 24) as f64;
                10.0 * (std::f64::consts::PI * (hour - 6.0) / 12.0).sin().max(0.0)
            })
            .collect(),
    );
    case.load("hall", vec![5.0; n]);
    case.battery(battery("b1", 20.0, 10.0))
        .electrolyser(Electrolyser {
            name: "pem".into(),
            max_kw: 100.0,
            min_kw: 40.0,
            kwh_per_kg: 52.0,
        })
        .tank(HydrogenTank {
            name: "t1".into(),
            capacity_kg: 5.0,
            min_kg: 0.0,
            initial_kg: 0.0,
            cyclic: false,
        })
        .h2_demand(
            "bus",
            (0..n)
                .map(|t| if t % 24 == 20 { 0.5 } else { 0.0 })
                .collect(),
        );
    case
}

#[test]
fn on_off_electrolyser_respects_its_minimum_and_costs_no_less_than_the_relaxation() {
    let case = case();
    let inputs = case.inputs();
    let lp = dispatch(&inputs, &DispatchConfig::default(), &Highs::default()).unwrap();
    let milp_cfg = DispatchConfig {
        part_load: PartLoad::OnOff,
        ..DispatchConfig::default()
    };
    let milp = dispatch(&inputs, &milp_cfg, &Highs::default()).unwrap();
    account(&inputs, &milp.flows).unwrap();
    assert_eq!(milp.termination, Termination::Optimal);
    assert!(milp.report.mip_gap.is_some());
    // Off, or at least 40 kWh per hour: never in between.
    let input = &milp.flows.electrolysers[0].input_kwh;
    assert!(
        input.iter().all(|&x| !(1e-6..40.0 - 1e-6).contains(&x)),
        "{input:?}"
    );
    // The relaxation runs below the minimum somewhere (otherwise the test proves nothing).
    let relaxed = &lp.flows.electrolysers[0].input_kwh;
    assert!(relaxed.iter().any(|&x| x > 1e-6 && x < 40.0 - 1e-6));
    let rel = 1e-4 * lp.objective.abs().max(1.0);
    assert!(
        milp.objective >= lp.objective - rel,
        "{} < {}",
        milp.objective,
        lp.objective
    );
    assert!(milp.kpis.h2_unserved_kg < 1e-6);
    println!(
        "LP {:.4} EUR, MILP {:.4} EUR ({} vars, gap {:?}, {:.3} s)",
        lp.objective,
        milp.objective,
        milp.size.vars,
        milp.report.mip_gap,
        milp.report.solve_seconds
    );
}

#[test]
fn clarabel_refuses_the_milp_with_a_message_naming_highs() {
    let case = case();
    let inputs = case.inputs();
    let milp_cfg = DispatchConfig {
        part_load: PartLoad::OnOff,
        ..DispatchConfig::default()
    };
    let e = dispatch(&inputs, &milp_cfg, &Clarabel::default()).unwrap_err();
    assert!(
        matches!(e, DispatchError::Lp(LpError::IntegerColumns { .. })),
        "{e}"
    );
    assert!(e.to_string().contains("HiGHS"), "{e}");
}

#[test]
fn highs_and_clarabel_agree_on_the_lp() {
    let case = case();
    let inputs = case.inputs();
    let cfg = DispatchConfig::default();
    let h = dispatch(&inputs, &cfg, &Highs::default()).unwrap();
    let c = dispatch(&inputs, &cfg, &Clarabel::default()).unwrap();
    assert!(
        (h.objective - c.objective).abs() <= 1e-6 * h.objective.abs().max(1.0),
        "{} vs {}",
        h.objective,
        c.objective
    );
    // Balance duals: equal where the LP is nondegenerate, so compare their sums loosely.
    assert_eq!(h.marginal_value_per_kwh.len(), inputs.len());
}

#[test]
fn rolling_with_part_load_uses_the_milp_in_each_window() {
    let case = case();
    let inputs = case.inputs();
    let cfg = DispatchConfig {
        part_load: PartLoad::OnOff,
        solver: SolverOptions {
            time_limit_seconds: Some(60.0),
            verbose: false,
        },
        ..DispatchConfig::default()
    };
    let r = rolling(
        &inputs,
        &cfg,
        &RollingConfig {
            horizon_hours: 36.0,
            commit_hours: 24.0,
            forecast: Forecast::Persistence,
        },
        &Highs::default(),
    )
    .unwrap();
    let input = &r.flows.electrolysers[0].input_kwh;
    assert!(
        input.iter().all(|&x| !(1e-6..40.0 - 1e-6).contains(&x)),
        "{input:?}"
    );
    assert_eq!(r.windows.len(), 3);
}

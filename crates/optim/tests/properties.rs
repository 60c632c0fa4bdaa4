//! On random small districts the optimal dispatch costs no more than the rule controller
//! (whose flows are feasible for the LP), and its flows pass the accounting pass.

use proptest::prelude::*;
use quartier_optim::lp::Clarabel;
use quartier_optim::{DispatchConfig, dispatch, objective_of_flows};
use quartier_sim::{NoProgress, account, simulate};

use quartier_sim::testkit::random::{StandingLoss, build, config, shapes};

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn optimum_is_no_worse_than_the_rule_controller(s in shapes()) {
        let case = build(&s, StandingLoss::None);
        let inputs = case.inputs();
        let cfg = DispatchConfig::default();
        let rule = simulate(&inputs, &config(&s), &mut NoProgress).unwrap();
        account(&inputs, &rule).unwrap();
        let d = dispatch(&inputs, &cfg, &Clarabel::default()).unwrap();
        // dispatch() already ran the accounting pass; run it again on the returned flows.
        let kpis = account(&inputs, &d.flows).unwrap();
        prop_assert_eq!(&kpis, &d.kpis);
        let rule_obj = objective_of_flows(&inputs, &cfg, &rule);
        let scale = rule_obj.abs().max(1.0);
        prop_assert!(
            d.objective <= rule_obj + 1e-6 * scale,
            "optimal {} > rule {}", d.objective, rule_obj
        );
        prop_assert!(d.raw_objective <= rule_obj + 1e-6 * scale);
        // Polishing moves the objective by solver noise only.
        prop_assert!(
            (d.objective - d.raw_objective).abs() <= 1e-5 * scale,
            "raw {} polished {}", d.raw_objective, d.objective
        );
    }
}

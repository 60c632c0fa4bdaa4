//! Minimum part-load of fuel cells: the MILP (HiGHS) against the LP relaxation on a day
//! worked by hand, the refusal of the MILP by clarabel (the default build), the model's
//! columns and rows, and the cap of `min_kw` at a sized fuel cell's power.

mod common;

use common::Case;
use quartier_model::{FuelCell, HydrogenTank};
use quartier_optim::lp::{Clarabel, LpError};
use quartier_optim::sizing::{CapacityKind, SizedComponents};
use quartier_optim::{DispatchConfig, DispatchError, DispatchModel, PartLoad, dispatch};

/// A day of hours: a 10 kW load, no PV, import 0.2 EUR/kWh, export 0.1 EUR/kWh (up to
/// 100 kW), a 50 kW fuel cell with a 20 kW minimum (16 kWh/kg) and 5 kg of hydrogen (80 kWh)
/// that has no value at the end of the day.
///
/// By hand: the LP relaxation burns the 80 kWh at most 10 kW an hour (each kWh saves an
/// import at 0.2; above the load it would only be exported at 0.1): it imports 240 − 80 =
/// 160 kWh, 32 EUR. On/off, the fuel cell runs at 20 kW or not at all: four hours at 20 kW
/// cover 40 kWh of load and export 40 kWh, so it imports 200 kWh and exports 40: 40 − 4 =
/// 36 EUR. (Fewer hours at more power export more; no hour at 20 kW can avoid exporting 10.)
fn case() -> Case {
    let n = 24;
    let mut case = Case::new(60, n, 500.0, 100.0);
    case.load("hall", vec![10.0; n])
        .tank(HydrogenTank {
            name: "t1".into(),
            capacity_kg: 5.0,
            min_kg: 0.0,
            initial_kg: 5.0,
            cyclic: false,
        })
        .fuel_cell(FuelCell {
            name: "fc".into(),
            max_kw: 50.0,
            min_kw: 20.0,
            kwh_per_kg: 16.0,
        });
    case
}

fn on_off() -> DispatchConfig {
    DispatchConfig {
        part_load: PartLoad::OnOff,
        ..DispatchConfig::default()
    }
}

#[test]
fn on_off_adds_a_binary_and_two_rows_per_step_for_a_fuel_cell_only_with_a_minimum() {
    let case = case();
    let inputs = case.inputs();
    let lp = DispatchModel::build(&inputs, &DispatchConfig::default()).unwrap();
    let milp = DispatchModel::build(&inputs, &on_off()).unwrap();
    assert_eq!(lp.model().num_integer_vars(), 0);
    assert_eq!(milp.model().num_integer_vars(), 24);
    assert_eq!(milp.model().var_block("fc-on").map(|b| b.len()), Some(24));
    assert_eq!(milp.size().vars, lp.size().vars + 24);
    assert_eq!(milp.size().rows, lp.size().rows + 2 * 24);

    // Without a minimum the fuel cell stays continuous: the same model as the relaxation.
    let lp_size = lp.size();
    let mut continuous = self::case();
    continuous.district.fuel_cells[0].min_kw = 0.0;
    let inputs = continuous.inputs();
    let milp = DispatchModel::build(&inputs, &on_off()).unwrap();
    assert_eq!(milp.model().num_integer_vars(), 0);
    assert_eq!(milp.size(), lp_size);
}

#[test]
fn clarabel_refuses_the_fuel_cell_milp_with_a_message_naming_highs() {
    let case = case();
    let inputs = case.inputs();
    let e = dispatch(&inputs, &on_off(), &Clarabel::default()).unwrap_err();
    assert!(
        matches!(e, DispatchError::Lp(LpError::IntegerColumns { .. })),
        "{e}"
    );
    assert!(e.to_string().contains("HiGHS"), "{e}");
    // The relaxation (the default) solves with clarabel: 32 EUR by hand.
    let lp = dispatch(&inputs, &DispatchConfig::default(), &Clarabel::default()).unwrap();
    assert!((lp.objective - 32.0).abs() < 1e-5, "{}", lp.objective);
}

#[test]
fn a_sized_fuel_cell_below_its_minimum_has_its_minimum_capped() {
    let case = case();
    let inputs = case.inputs();
    let mut sized = SizedComponents::declared(&inputs);
    sized.set("fc", CapacityKind::FuelCellKw, 12.0);
    assert_eq!(sized.fuel_cells[0].max_kw, 12.0);
    assert_eq!(sized.fuel_cells[0].min_kw, 12.0);
    sized.set("fc", CapacityKind::FuelCellKw, 30.0);
    assert_eq!(sized.fuel_cells[0].min_kw, 12.0);
    // The capped components pass the inputs' checks (min_kw ≤ max_kw).
    sized.inputs(&inputs).validate().unwrap();
}

#[cfg(feature = "highs")]
#[test]
fn on_off_fuel_cell_respects_its_minimum_and_costs_no_less_than_the_relaxation() {
    use quartier_optim::lp::{Highs, Termination};
    use quartier_sim::account;

    let case = case();
    let inputs = case.inputs();
    let lp = dispatch(&inputs, &DispatchConfig::default(), &Highs::default()).unwrap();
    let milp = dispatch(&inputs, &on_off(), &Highs::default()).unwrap();
    account(&inputs, &milp.flows).unwrap();
    assert_eq!(milp.termination, Termination::Optimal);
    assert!(milp.report.mip_gap.is_some());

    // The relaxation runs the fuel cell below its 20 kWh-per-hour minimum somewhere.
    let relaxed = &lp.flows.fuel_cells[0].output_kwh;
    assert!(
        relaxed.iter().any(|&x| x > 1e-6 && x < 20.0 - 1e-6),
        "{relaxed:?}"
    );
    // On/off: off, or at least 20 kWh per hour, never in between.
    let output = &milp.flows.fuel_cells[0].output_kwh;
    assert!(
        output.iter().all(|&x| !(1e-6..20.0 - 1e-6).contains(&x)),
        "{output:?}"
    );
    // The hand-worked optimum of both, and MILP ≥ LP.
    assert!((lp.objective - 32.0).abs() < 1e-6, "LP {}", lp.objective);
    assert!(
        (milp.objective - 36.0).abs() < 1e-6,
        "MILP {}",
        milp.objective
    );
    assert!(milp.objective >= lp.objective - 1e-9);
    let burnt: f64 = output.iter().sum();
    assert!((burnt - 80.0).abs() < 1e-6, "{burnt}");
    assert!((milp.kpis.export_kwh - 40.0).abs() < 1e-6);
    println!(
        "LP {:.4} EUR, MILP {:.4} EUR ({} vars, gap {:?}, {:.3} s)",
        lp.objective,
        milp.objective,
        milp.size.vars,
        milp.report.mip_gap,
        milp.report.solve_seconds
    );
}

#[cfg(feature = "highs")]
#[test]
fn rolling_with_part_load_keeps_the_fuel_cell_off_or_above_its_minimum() {
    use quartier_optim::lp::Highs;
    use quartier_optim::{Forecast, RollingConfig, rolling};

    let case = case();
    let inputs = case.inputs();
    let r = rolling(
        &inputs,
        &on_off(),
        &RollingConfig {
            horizon_hours: 12.0,
            commit_hours: 6.0,
            forecast: Forecast::Persistence,
        },
        &Highs::default(),
    )
    .unwrap();
    // Windows at 0, 6 and 12 h; the last reaches the end of the day and is committed whole.
    assert_eq!(r.windows.len(), 3);
    let output = &r.flows.fuel_cells[0].output_kwh;
    assert!(
        output.iter().all(|&x| !(1e-6..20.0 - 1e-6).contains(&x)),
        "{output:?}"
    );
}

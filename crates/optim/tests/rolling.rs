//! Rolling-horizon control on small districts: a perfect forecast over the whole axis is the
//! perfect-foresight dispatch, imperfect forecasts never beat it, the state is continuous at
//! window boundaries, and grid limits are honoured on the actual inputs.

mod common;

use common::{Case, battery};
use quartier_model::{Electrolyser, EvSession, FuelCell, HydrogenTank};
use quartier_optim::lp::Clarabel;
use quartier_optim::{
    DispatchConfig, DispatchError, EndOfHorizon, Forecast, Regret, RollingConfig, dispatch, rolling,
};
use quartier_sim::account;
use quartier_timeseries::{Quantity, Series};

const DAYS: usize = 4;

/// Four days of hours: PV that changes from day to day, loads with an evening peak that
/// moves, a battery with losses, the hydrogen chain, EV sessions crossing midnight (and so
/// window boundaries), peak and off-peak prices.
fn district(import_kw: f64) -> Case {
    let n = 24 * DAYS;
    let mut case = Case::new(60, n, import_kw, 40.0);
    let sun = [1.0, 0.3, 0.8, 0.5];
    case.pv(
        "roof",
        (0..n)
            .map(|t| {
                let hour = (t % 24) as f64;
                40.0 * sun[t / 24] * (std::f64::consts::PI * (hour - 6.0) / 12.0).sin().max(0.0)
            })
            .collect(),
    );
    case.load(
        "homes",
        (0..n)
            .map(|t| {
                let (d, hour) = (t / 24, t % 24);
                if hour == 18 + d % 3 {
                    25.0
                } else {
                    6.0 + (d as f64)
                }
            })
            .collect(),
    );
    let mut b = battery("b1", 60.0, 20.0);
    b.charge_efficiency = 0.95;
    b.discharge_efficiency = 0.95;
    b.soc_min = 0.1;
    b.soc_initial = 0.5;
    b.standing_loss_per_h = 0.001;
    case.battery(b)
        .electrolyser(Electrolyser {
            name: "pem".into(),
            max_kw: 15.0,
            min_kw: 5.0,
            kwh_per_kg: 52.0,
        })
        .tank(HydrogenTank {
            name: "t1".into(),
            capacity_kg: 10.0,
            min_kg: 0.5,
            initial_kg: 3.0,
            cyclic: false,
        })
        .fuel_cell(FuelCell {
            name: "fc".into(),
            max_kw: 5.0,
            min_kw: 0.0,
            kwh_per_kg: 16.0,
        })
        .h2_demand(
            "bus",
            (0..n)
                .map(|t| if t % 24 == 8 { 1.0 } else { 0.0 })
                .collect(),
        );
    let sessions = (0..DAYS)
        .map(|d| EvSession {
            arrival: d * 24 + 19,
            departure: (d * 24 + 31).min(n),
            energy_kwh: 18.0,
            max_kw: 7.0,
        })
        .collect();
    case.ev_site("car-park", sessions);
    case.data.import_price = Series::new(
        case.axis(),
        Quantity::PriceEurPerKwh,
        (0..n)
            .map(|t| if (t % 24) < 6 { 0.12 } else { 0.28 })
            .collect(),
    )
    .unwrap();
    case
}

fn cfg(horizon_hours: f64, commit_hours: f64, forecast: Forecast) -> RollingConfig {
    RollingConfig {
        horizon_hours,
        commit_hours,
        forecast,
    }
}

#[test]
fn a_perfect_forecast_over_the_whole_axis_is_perfect_foresight() {
    let case = district(100.0);
    let inputs = case.inputs();
    let dc = DispatchConfig::default();
    let perfect = dispatch(&inputs, &dc, &Clarabel::default()).unwrap();
    let hours = (24 * DAYS) as f64;
    let r = rolling(
        &inputs,
        &dc,
        &cfg(hours, hours, Forecast::Perfect),
        &Clarabel::default(),
    )
    .unwrap();
    assert_eq!(r.windows.len(), 1);
    let regret = Regret::between(&perfect, &r);
    assert!(
        regret.objective.abs() <= 1e-7 * perfect.objective.abs().max(1.0),
        "{regret:?}"
    );
    for (a, b) in r.flows.import_kwh.iter().zip(&perfect.flows.import_kwh) {
        assert!((a - b).abs() < 1e-7, "{a} vs {b}");
    }
    assert_eq!(r.corrections.steps, 0);
}

#[test]
fn rolling_never_beats_perfect_foresight() {
    let case = district(100.0);
    let inputs = case.inputs();
    let dc = DispatchConfig::default();
    let perfect = dispatch(&inputs, &dc, &Clarabel::default()).unwrap();
    let tol = 1e-6 * perfect.objective.abs().max(1.0);
    for forecast in [
        Forecast::Perfect,
        Forecast::Persistence,
        Forecast::PerfectWithNoise {
            seed: 7,
            pv_sigma: 0.3,
            load_sigma: 0.2,
        },
    ] {
        for (horizon, commit) in [(24.0, 12.0), (36.0, 24.0), (48.0, 24.0)] {
            let r = rolling(
                &inputs,
                &dc,
                &cfg(horizon, commit, forecast),
                &Clarabel::default(),
            )
            .unwrap();
            account(&inputs, &r.flows).unwrap();
            let regret = Regret::between(&perfect, &r);
            println!(
                "{forecast:?} {horizon}/{commit} h: rolling {:.4} vs perfect {:.4}, regret {:.4} \
                 ({:.2} %), {} windows, corrections {:?}",
                r.objective,
                perfect.objective,
                regret.objective,
                100.0 * regret.relative,
                r.windows.len(),
                r.corrections
            );
            assert!(regret.objective >= -tol, "{forecast:?}: {regret:?}");
            assert!(r.all_optimal());
        }
    }
}

#[test]
fn state_is_continuous_at_window_boundaries() {
    let case = district(100.0);
    let inputs = case.inputs();
    let r = rolling(
        &inputs,
        &DispatchConfig::default(),
        &cfg(30.0, 10.0, Forecast::Persistence),
        &Clarabel::default(),
    )
    .unwrap();
    assert!(r.windows.len() > 3);
    let mut next = 0;
    for w in &r.windows {
        assert_eq!(w.start, next, "windows tile the axis");
        next += w.committed;
        if w.start == 0 {
            assert!((w.initial_soc_kwh[0] - 30.0).abs() < 1e-12);
            assert!((w.initial_tank_kg - 3.0).abs() < 1e-12);
            continue;
        }
        let soc = r.flows.batteries[0].soc_kwh[w.start - 1];
        assert!((w.initial_soc_kwh[0] - soc).abs() < 1e-9, "{w:?} vs {soc}");
        let level = r.flows.tank_level_kg[w.start - 1];
        assert!((w.initial_tank_kg - level).abs() < 1e-9);
    }
    assert_eq!(next, inputs.len());
    // Every EV session, crossing window boundaries, got its energy by departure.
    for s in &inputs.ev_sessions[0] {
        let got: f64 = r.flows.ev_sites[0].charge_kwh[s.arrival..s.departure]
            .iter()
            .sum();
        let target = s
            .energy_kwh
            .min(s.max_kw * (s.departure - s.arrival) as f64);
        assert!((got - target).abs() < 1e-6, "{s:?}: {got}");
    }
}

#[test]
fn the_last_window_restores_the_initial_storage_when_asked() {
    let case = district(100.0);
    let inputs = case.inputs();
    let dc = DispatchConfig {
        end_of_horizon: EndOfHorizon::AtLeastInitial,
        ..DispatchConfig::default()
    };
    let r = rolling(
        &inputs,
        &dc,
        &cfg(24.0, 24.0, Forecast::Perfect),
        &Clarabel::default(),
    )
    .unwrap();
    let n = inputs.len();
    assert!(r.flows.batteries[0].soc_kwh[n - 1] >= 30.0 - 1e-6);
    assert!(r.flows.tank_level_kg[n - 1] >= 3.0 - 1e-6);
}

#[test]
fn a_wrong_forecast_against_a_tight_import_limit_is_corrected_on_the_actual_inputs() {
    // 20 kW of import: persistence misses the moving evening peak; the committed set-points
    // are changed (battery) so that the actual flows stay within the limit.
    let case = district(20.0);
    let inputs = case.inputs();
    let r = rolling(
        &inputs,
        &DispatchConfig::default(),
        &cfg(48.0, 24.0, Forecast::Persistence),
        &Clarabel::default(),
    )
    .unwrap();
    account(&inputs, &r.flows).unwrap();
    assert!(r.flows.import_kwh.iter().all(|&x| x <= 20.0 + 1e-9));
    println!(
        "corrections {:?}, unserved {:.3} kWh",
        r.corrections, r.kpis.unserved_kwh
    );
}

#[test]
fn noisy_forecasts_are_reproducible_and_bad_options_are_refused() {
    let case = district(100.0);
    let inputs = case.inputs();
    let dc = DispatchConfig::default();
    let noisy = |seed| {
        rolling(
            &inputs,
            &dc,
            &cfg(
                48.0,
                24.0,
                Forecast::PerfectWithNoise {
                    seed,
                    pv_sigma: 0.3,
                    load_sigma: 0.3,
                },
            ),
            &Clarabel::default(),
        )
        .unwrap()
        .objective
    };
    assert_eq!(noisy(1), noisy(1));
    for bad in [
        cfg(24.0, 48.0, Forecast::Perfect),
        cfg(0.0, 0.0, Forecast::Perfect),
        cfg(f64::NAN, 1.0, Forecast::Perfect),
        cfg(
            24.0,
            12.0,
            Forecast::PerfectWithNoise {
                seed: 0,
                pv_sigma: -1.0,
                load_sigma: 0.0,
            },
        ),
    ] {
        let e = rolling(&inputs, &dc, &bad, &Clarabel::default()).unwrap_err();
        assert!(matches!(e, DispatchError::Config { .. }), "{e}");
    }
}

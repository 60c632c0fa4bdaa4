//! Rolling-horizon control of the demo districts (a year of quarter-hours) against perfect
//! foresight: objective, regret and wall time for each forecast. A measurement, not a check
//! of speed: ignored by default (minutes in a debug build); run it with
//! `cargo test --release -p quartier-optim --test rolling_demo -- --ignored --nocapture`.

use std::time::Instant;

use quartier_optim::lp::Clarabel;
use quartier_optim::{DispatchConfig, Forecast, Regret, RollingConfig, dispatch, rolling};
use quartier_sim::assemble;

fn run(file: &str) {
    let path = quartier_testdata::repo_root().join("examples").join(file);
    let (district, sources) = quartier_model::read_district(&path).unwrap();
    let data = quartier_model::load(&district, &sources).unwrap();
    let inputs = assemble(&district, &data).unwrap();
    let cfg = DispatchConfig::default();
    let t0 = Instant::now();
    let perfect = dispatch(&inputs, &cfg, &Clarabel::default()).unwrap();
    println!(
        "{file}: perfect foresight {:.2} EUR-objective (cost {:.2} EUR) in {:.2} s",
        perfect.objective,
        perfect.kpis.cost_eur,
        t0.elapsed().as_secs_f64()
    );
    for forecast in [
        Forecast::Perfect,
        Forecast::Persistence,
        Forecast::PerfectWithNoise {
            seed: 1,
            pv_sigma: 0.2,
            load_sigma: 0.1,
        },
    ] {
        let rc = RollingConfig {
            horizon_hours: 48.0,
            commit_hours: 24.0,
            forecast,
        };
        let r = rolling(&inputs, &cfg, &rc, &Clarabel::default()).unwrap();
        let regret = Regret::between(&perfect, &r);
        println!(
            "  rolling 48/24 h {forecast:?}: objective {:.2} (cost {:.2} EUR), regret {:.2} \
             ({:.2} %), {} windows, wall {:.2} s (build {:.2} s, solve {:.2} s), corrections {:?}",
            r.objective,
            r.kpis.cost_eur,
            regret.objective,
            100.0 * regret.relative,
            r.windows.len(),
            r.wall_seconds,
            r.build_seconds(),
            r.solve_seconds(),
            r.corrections
        );
        assert!(regret.objective >= -1e-6 * perfect.objective.abs().max(1.0));
    }
}

#[test]
#[ignore = "a measurement of a few minutes; run with --ignored --release"]
fn hydroseine() {
    run("hydroseine.toml");
}

#[test]
#[ignore = "a measurement of a few minutes; run with --ignored --release"]
fn meudon_la_foret() {
    run("meudon-la-foret.toml");
}

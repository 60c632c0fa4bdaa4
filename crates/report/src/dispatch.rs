//! The report of an optimised dispatch (`dispatch.json`), shared by `quartier simulate
//! --dispatch optimal|rolling` and the server's optimisation jobs: how the solve ended, the
//! objective of the rule controller, raw and polished objectives, times and model size, and
//! for rolling-horizon control its windows, corrections and regret against perfect foresight.
//! Also the spellings of the optimiser's options that both front ends accept
//! ([`parse_objective`], [`parse_forecast`], written back by [`objective_spelling`] and
//! [`forecast_spelling`]), and the energy-cost comparison of the rule controller and the chosen
//! dispatch ([`CostComparison`]).
//!
//! The report is a typed serde structure ([`DispatchReport`]); [`DispatchReport::to_json`]
//! writes it as pretty JSON, one key per line, non-finite numbers as `null`.
//!
//! ```
//! use quartier_optim::{Forecast, Objective};
//! use quartier_report::dispatch::{forecast_spelling, parse_forecast, parse_objective};
//!
//! assert_eq!(
//!     parse_objective("cost+co2=100"),
//!     Ok(Objective::CostPlusCo2 { eur_per_tonne: 100.0 })
//! );
//! let f = parse_forecast("noise:7").unwrap();
//! assert_eq!(forecast_spelling(f), "noise:7:0.2:0.1");
//! assert!(parse_forecast("tomorrow").unwrap_err().to_string().contains("persistence"));
//! assert_eq!(parse_forecast("persistence"), Ok(Forecast::Persistence));
//! ```

use quartier_optim::{
    Dispatch, Forecast, Objective, PartLoad, Regret, RollingConfig, RollingDispatch,
};
use quartier_sim::Kpis;
use serde::Serialize;

/// A spelling of an option that does not parse: the value and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{value}': expected {expected}")]
pub struct SpellingError {
    /// The value as given.
    pub value: String,
    /// What is accepted, in words.
    pub expected: String,
}

fn spelling_error(value: &str, expected: &str) -> SpellingError {
    SpellingError {
        value: value.to_string(),
        expected: expected.to_string(),
    }
}

/// What [`parse_objective`] accepts.
pub const OBJECTIVE_EXPECTED: &str = "cost, co2 or cost+co2=EUR_PER_TONNE (e.g. cost+co2=100)";

/// What [`parse_forecast`] accepts.
pub const FORECAST_EXPECTED: &str =
    "perfect, persistence, noise:SEED or noise:SEED:PV_SIGMA:LOAD_SIGMA (e.g. noise:7)";

/// Parses `cost`, `co2` or `cost+co2=EUR_PER_TONNE` (a carbon price, finite and ≥ 0).
pub fn parse_objective(s: &str) -> Result<Objective, SpellingError> {
    match s {
        "cost" => Ok(Objective::Cost),
        "co2" => Ok(Objective::Co2),
        _ => {
            let Some(v) = s.strip_prefix("cost+co2=") else {
                return Err(spelling_error(s, OBJECTIVE_EXPECTED));
            };
            match v.parse::<f64>() {
                Ok(eur_per_tonne) if eur_per_tonne.is_finite() && eur_per_tonne >= 0.0 => {
                    Ok(Objective::CostPlusCo2 { eur_per_tonne })
                }
                _ => Err(spelling_error(
                    s,
                    "a carbon price in EUR per tonne after cost+co2=, finite and ≥ 0 \
                     (e.g. cost+co2=100)",
                )),
            }
        }
    }
}

/// The spelling [`parse_objective`] reads back: `cost`, `co2`, `cost+co2=100`.
pub fn objective_spelling(o: Objective) -> String {
    match o {
        Objective::Cost => "cost".into(),
        Objective::Co2 => "co2".into(),
        Objective::CostPlusCo2 { eur_per_tonne } => format!("cost+co2={eur_per_tonne}"),
    }
}

/// Parses `perfect`, `persistence`, `noise:SEED` (σ 20 % on PV, 10 % on loads) or
/// `noise:SEED:PV_SIGMA:LOAD_SIGMA` (relative standard deviations, finite and ≥ 0).
pub fn parse_forecast(s: &str) -> Result<Forecast, SpellingError> {
    match s {
        "perfect" => return Ok(Forecast::Perfect),
        "persistence" => return Ok(Forecast::Persistence),
        _ => {}
    }
    let Some(rest) = s.strip_prefix("noise:") else {
        return Err(spelling_error(s, FORECAST_EXPECTED));
    };
    let parts: Vec<&str> = rest.split(':').collect();
    if parts.len() != 1 && parts.len() != 3 {
        return Err(spelling_error(
            s,
            "noise:SEED or noise:SEED:PV_SIGMA:LOAD_SIGMA",
        ));
    }
    let seed: u64 = parts
        .first()
        .and_then(|p| p.parse().ok())
        .ok_or_else(|| spelling_error(s, "a whole-number seed ≥ 0 after noise:"))?;
    let sigma = |i: usize, default: f64| -> Result<f64, SpellingError> {
        match parts.get(i) {
            None => Ok(default),
            Some(p) => p
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| {
                    spelling_error(
                        s,
                        "relative standard deviations ≥ 0 for PV and loads \
                         (e.g. noise:7:0.2:0.1)",
                    )
                }),
        }
    };
    Ok(Forecast::PerfectWithNoise {
        seed,
        pv_sigma: sigma(1, 0.2)?,
        load_sigma: sigma(2, 0.1)?,
    })
}

/// The spelling [`parse_forecast`] reads back (`noise:SEED:PV_SIGMA:LOAD_SIGMA` in full).
pub fn forecast_spelling(f: Forecast) -> String {
    match f {
        Forecast::Perfect => "perfect".into(),
        Forecast::Persistence => "persistence".into(),
        Forecast::PerfectWithNoise {
            seed,
            pv_sigma,
            load_sigma,
        } => format!("noise:{seed}:{pv_sigma}:{load_sigma}"),
    }
}

/// What every dispatch report starts with: the district, the back end and the options.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportHead<'a> {
    /// The district's name.
    pub district: &'a str,
    /// The back end's name (`clarabel`, `highs`).
    pub solver: &'a str,
    /// What was minimised.
    pub objective: Objective,
    /// How minimum part load was modelled.
    pub part_load: PartLoad,
    /// The same objective evaluated on the rule controller's flows
    /// ([`quartier_optim::objective_of_flows`]).
    pub rule_objective: f64,
}

/// The report of an optimised dispatch: `dispatch.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DispatchReport {
    /// The district's name.
    pub district: String,
    /// The back end (`clarabel`, `highs`).
    pub solver: String,
    /// The objective as [`objective_spelling`] writes it.
    pub objective_kind: String,
    /// `relaxed (LP)` or `on-off (MILP)`.
    pub part_load: String,
    /// The objective of the rule controller's flows (same formula as the optimiser's).
    pub rule_objective: f64,
    /// Which dispatch, and its own fields (key `dispatch`: `optimal` or `rolling`).
    #[serde(flatten)]
    pub run: DispatchRun,
}

/// The part of a [`DispatchReport`] that depends on the dispatch.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "dispatch", rename_all = "lowercase")]
pub enum DispatchRun {
    /// Perfect foresight over the whole horizon.
    Optimal(OptimalRun),
    /// Rolling-horizon control.
    Rolling(RollingRun),
}

/// An optimal (perfect-foresight) dispatch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OptimalRun {
    /// How the solve ended (`Optimal`, `AlmostOptimal`, `TimeLimit`, …).
    pub termination: String,
    /// The same in words for a user ([`Dispatch::status_message`]).
    pub status: String,
    /// Objective of the solver's raw solution.
    pub objective_raw: f64,
    /// Objective of the polished flows (the ones reported).
    pub objective_polished: f64,
    /// MIP gap (mixed-integer problems only).
    pub mip_gap: Option<f64>,
    /// Time to build the LP, seconds.
    pub build_seconds: f64,
    /// Solver time, seconds.
    pub solve_seconds: f64,
    /// Wall time of build, solve, polish and accounting, seconds.
    pub wall_seconds: f64,
    /// Solver iterations.
    pub iterations: u64,
    /// Size of the LP.
    pub model: ModelSizeReport,
    /// What polishing changed.
    pub polish: PolishSummary,
}

/// Size of an LP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ModelSizeReport {
    /// Columns.
    pub vars: usize,
    /// Rows.
    pub rows: usize,
    /// Nonzero coefficients.
    pub nonzeros: usize,
}

/// What polishing the solver's solution into exact flows changed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PolishSummary {
    /// Largest change of any flow.
    pub max_change: f64,
    /// Largest electricity-balance residual of the raw solution, kWh.
    pub max_raw_balance_residual_kwh: f64,
    /// Energy netted (simultaneous charge and discharge, import and export), kWh.
    pub netted_kwh: f64,
    /// Steps whose balance polishing closed.
    pub steps_closed: usize,
}

/// A rolling-horizon dispatch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RollingRun {
    /// Hours each window sees.
    pub horizon_hours: f64,
    /// Hours committed from each window.
    pub commit_hours: f64,
    /// The forecast, as [`forecast_spelling`] writes it.
    pub forecast: String,
    /// Windows solved.
    pub windows: usize,
    /// Windows whose solve did not prove optimality.
    pub windows_not_optimal: usize,
    /// `Optimal` when every window was, `TimeLimit` otherwise.
    pub termination: String,
    /// Objective of the realised flows.
    pub objective_polished: f64,
    /// Always `None`: realised flows have no single solver objective.
    pub objective_raw: Option<f64>,
    /// Model-building time over the windows, seconds.
    pub build_seconds: f64,
    /// Solver time over the windows, seconds.
    pub solve_seconds: f64,
    /// Wall time of the rolling run, seconds.
    pub wall_seconds: f64,
    /// Size of the largest window's LP (absent when there was no window).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<WindowSizeReport>,
    /// Set-point changes forced by grid limits.
    pub corrections: CorrectionsReport,
    /// Against perfect foresight over the same horizon.
    pub regret: RegretReport,
}

/// Size of the largest window's LP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct WindowSizeReport {
    /// Columns.
    pub largest_window_vars: usize,
    /// Rows.
    pub rows: usize,
    /// Nonzero coefficients.
    pub nonzeros: usize,
}

/// Set-point changes forced by grid limits in rolling control.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CorrectionsReport {
    /// Steps with a change.
    pub steps: usize,
    /// Energy moved, kWh.
    pub energy_kwh: f64,
}

/// What rolling control lost against perfect foresight.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RegretReport {
    /// Perfect-foresight objective.
    pub perfect_objective: f64,
    /// Wall time of the perfect-foresight dispatch, seconds.
    pub perfect_wall_seconds: f64,
    /// Rolling − perfect objective (≥ 0 up to solver tolerances).
    pub objective: f64,
    /// The same relative to |perfect|.
    pub relative: f64,
    /// Rolling − perfect energy cost, EUR.
    pub cost_eur: f64,
}

fn part_load_name(p: PartLoad) -> &'static str {
    match p {
        PartLoad::Relaxed => "relaxed (LP)",
        PartLoad::OnOff => "on-off (MILP)",
    }
}

impl DispatchReport {
    fn new(head: &ReportHead<'_>, run: DispatchRun) -> DispatchReport {
        DispatchReport {
            district: head.district.to_string(),
            solver: head.solver.to_string(),
            objective_kind: objective_spelling(head.objective),
            part_load: part_load_name(head.part_load).to_string(),
            rule_objective: head.rule_objective,
            run,
        }
    }

    /// The report of the perfect-foresight dispatch `d`, which took `wall_seconds`.
    pub fn optimal(head: &ReportHead<'_>, d: &Dispatch, wall_seconds: f64) -> DispatchReport {
        DispatchReport::new(
            head,
            DispatchRun::Optimal(OptimalRun {
                termination: format!("{:?}", d.termination),
                status: d.status_message(),
                objective_raw: d.raw_objective,
                objective_polished: d.objective,
                mip_gap: d.report.mip_gap,
                build_seconds: d.build_seconds,
                solve_seconds: d.report.solve_seconds,
                wall_seconds,
                iterations: d.report.iterations,
                model: ModelSizeReport {
                    vars: d.size.vars,
                    rows: d.size.rows,
                    nonzeros: d.size.nonzeros,
                },
                polish: PolishSummary {
                    max_change: d.polish.max_change,
                    max_raw_balance_residual_kwh: d.polish.max_raw_balance_residual_kwh,
                    netted_kwh: d.polish.netted_kwh,
                    steps_closed: d.polish.steps_closed,
                },
            }),
        )
    }

    /// The report of rolling control `r` (options `rc`) against the perfect-foresight
    /// dispatch `perfect` of the same inputs and objective, which took `perfect_wall_seconds`.
    pub fn rolling(
        head: &ReportHead<'_>,
        rc: &RollingConfig,
        r: &RollingDispatch,
        perfect: &Dispatch,
        perfect_wall_seconds: f64,
    ) -> DispatchReport {
        let regret = Regret::between(perfect, r);
        let not_optimal = r
            .windows
            .iter()
            .filter(|w| !w.termination.has_solution())
            .count();
        let largest = r.windows.iter().map(|w| w.size).max_by_key(|s| s.vars);
        DispatchReport::new(
            head,
            DispatchRun::Rolling(RollingRun {
                horizon_hours: rc.horizon_hours,
                commit_hours: rc.commit_hours,
                forecast: forecast_spelling(rc.forecast),
                windows: r.windows.len(),
                windows_not_optimal: not_optimal,
                termination: if not_optimal == 0 {
                    "Optimal"
                } else {
                    "TimeLimit"
                }
                .into(),
                objective_polished: r.objective,
                objective_raw: None,
                build_seconds: r.build_seconds(),
                solve_seconds: r.solve_seconds(),
                wall_seconds: r.wall_seconds,
                model: largest.map(|s| WindowSizeReport {
                    largest_window_vars: s.vars,
                    rows: s.rows,
                    nonzeros: s.nonzeros,
                }),
                corrections: CorrectionsReport {
                    steps: r.corrections.steps,
                    energy_kwh: r.corrections.energy_kwh,
                },
                regret: RegretReport {
                    perfect_objective: regret.perfect_objective,
                    perfect_wall_seconds,
                    objective: regret.objective,
                    relative: regret.relative,
                    cost_eur: regret.cost_eur,
                },
            }),
        )
    }

    /// `optimal` or `rolling`.
    pub fn dispatch_name(&self) -> &'static str {
        match self.run {
            DispatchRun::Optimal(_) => "optimal",
            DispatchRun::Rolling(_) => "rolling",
        }
    }

    /// The objective of the reported flows (polished, or realised for rolling control).
    pub fn objective(&self) -> f64 {
        match &self.run {
            DispatchRun::Optimal(o) => o.objective_polished,
            DispatchRun::Rolling(r) => r.objective_polished,
        }
    }

    /// The report as pretty JSON ending in a newline (`dispatch.json`).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }
}

/// The energy cost of the rule controller beside the chosen dispatch's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CostComparison {
    /// Energy cost of the rule controller, EUR.
    pub rule_cost_eur: f64,
    /// Energy cost of the chosen dispatch, EUR.
    pub cost_eur: f64,
    /// `rule − chosen`, EUR (positive when the dispatch saves).
    pub saving_eur: f64,
    /// The saving relative to |rule cost| (0 when the rule cost is 0).
    pub saving_relative: f64,
}

impl CostComparison {
    /// Compares the KPIs of the rule controller with those of the chosen dispatch.
    pub fn between(rule: &Kpis, chosen: &Kpis) -> CostComparison {
        let saving = rule.cost_eur - chosen.cost_eur;
        CostComparison {
            rule_cost_eur: rule.cost_eur,
            cost_eur: chosen.cost_eur,
            saving_eur: saving,
            saving_relative: if rule.cost_eur != 0.0 {
                saving / rule.cost_eur.abs()
            } else {
                0.0
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_round_trip() {
        for s in ["cost", "co2", "cost+co2=100", "cost+co2=12.5"] {
            assert_eq!(objective_spelling(parse_objective(s).unwrap()), s);
        }
        for s in ["perfect", "persistence", "noise:3:0.5:0", "noise:0:0.2:0.1"] {
            assert_eq!(forecast_spelling(parse_forecast(s).unwrap()), s);
        }
    }

    #[test]
    fn bad_spellings_say_what_was_expected() {
        for s in ["", "money", "cost+co2=", "cost+co2=-1", "cost+co2=inf"] {
            let e = parse_objective(s).unwrap_err();
            assert_eq!(e.value, s);
            assert!(e.expected.contains("cost+co2="), "{e}");
        }
        for s in [
            "tomorrow",
            "noise:",
            "noise:abc",
            "noise:-1",
            "noise:1:0.2",
            "noise:1:x:0.1",
            "noise:1:0.2:-0.1",
            "noise:1:0.2:0.1:9",
        ] {
            let e = parse_forecast(s).unwrap_err();
            assert_eq!(e.value, s);
            assert!(
                e.to_string().starts_with(&format!("'{s}': expected")),
                "{e}"
            );
        }
    }

    /// A day, hourly: a load, PV at midday, a battery, a price peak in the evening; the rule
    /// controller, the optimum and rolling control (12 h seen, 6 h committed).
    fn solved() -> (DispatchReport, DispatchReport, CostComparison) {
        use quartier_optim::lp::Clarabel;
        use quartier_optim::{DispatchConfig, dispatch, objective_of_flows, rolling};

        let case = crate::test_cases::sunny_day();
        let inputs = case.inputs();
        let config = DispatchConfig::default();
        let flows = quartier_sim::simulate(
            &inputs,
            &quartier_sim::RuleConfig::default(),
            &mut quartier_sim::NoProgress,
        )
        .unwrap();
        let rule_kpis = quartier_sim::account(&inputs, &flows).unwrap();
        let head = ReportHead {
            district: "test",
            solver: "clarabel",
            objective: config.objective,
            part_load: config.part_load,
            rule_objective: objective_of_flows(&inputs, &config, &flows),
        };
        let perfect = dispatch(&inputs, &config, &Clarabel::default()).unwrap();
        let rc = RollingConfig {
            horizon_hours: 12.0,
            commit_hours: 6.0,
            forecast: Forecast::Perfect,
        };
        let r = rolling(&inputs, &config, &rc, &Clarabel::default()).unwrap();
        (
            DispatchReport::optimal(&head, &perfect, 0.5),
            DispatchReport::rolling(&head, &rc, &r, &perfect, 0.5),
            CostComparison::between(&rule_kpis, &perfect.kpis),
        )
    }

    /// The keys of `dispatch.json`, in the order the CLI has always written them.
    #[test]
    fn reports_keep_the_keys_of_dispatch_json_in_order() {
        let (optimal, rolling, _) = solved();
        let in_order = |json: &str, keys: &[&str]| {
            let at: Vec<usize> = keys
                .iter()
                .map(|k| {
                    json.find(&format!("\"{k}\": "))
                        .unwrap_or_else(|| panic!("{k} in {json}"))
                })
                .collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "{keys:?} in {json}");
        };
        let head = [
            "district",
            "solver",
            "objective_kind",
            "part_load",
            "rule_objective",
            "dispatch",
        ];
        let json = optimal.to_json();
        in_order(&json, &head);
        in_order(
            &json,
            &[
                "termination",
                "status",
                "objective_raw",
                "objective_polished",
                "mip_gap",
                "build_seconds",
                "solve_seconds",
                "wall_seconds",
                "iterations",
                "model",
                "vars",
                "rows",
                "nonzeros",
                "polish",
                "max_change",
                "max_raw_balance_residual_kwh",
                "netted_kwh",
                "steps_closed",
            ],
        );
        assert!(json.contains("\"dispatch\": \"optimal\""), "{json}");
        assert!(json.contains("\"termination\": \"Optimal\""), "{json}");
        assert!(json.contains("\"part_load\": \"relaxed (LP)\""), "{json}");
        assert!(json.contains("\"mip_gap\": null"), "{json}");
        assert!(json.ends_with("}\n"));

        let json = rolling.to_json();
        in_order(&json, &head);
        in_order(
            &json,
            &[
                "horizon_hours",
                "commit_hours",
                "forecast",
                "windows",
                "windows_not_optimal",
                "termination",
                "objective_polished",
                "objective_raw",
                "build_seconds",
                "solve_seconds",
                "wall_seconds",
                "model",
                "largest_window_vars",
                "corrections",
                "steps",
                "energy_kwh",
                "regret",
                "perfect_objective",
                "perfect_wall_seconds",
                "objective",
                "relative",
                "cost_eur",
            ],
        );
        assert!(json.contains("\"dispatch\": \"rolling\""), "{json}");
        assert!(json.contains("\"forecast\": \"perfect\""), "{json}");
        assert!(json.contains("\"objective_raw\": null"), "{json}");
        // The first "objective" key is the regret's (readers look it up by name).
        let first = json.find("\"objective\": ").unwrap();
        assert!(first > json.find("\"regret\": ").unwrap(), "{json}");
        // Windows start at 0, 6 and 12 h; the one reaching the end is committed whole.
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["windows"], 3);
    }

    #[test]
    fn the_optimum_beats_the_rule_controller_and_rolling_control_does_not_beat_the_optimum() {
        let (optimal, rolling, cost) = solved();
        let rule = optimal.rule_objective;
        assert!(optimal.objective() <= rule + 1e-6 * rule.abs().max(1.0));
        assert!(cost.saving_eur >= -1e-6, "{cost:?}");
        assert!((cost.saving_relative - cost.saving_eur / cost.rule_cost_eur.abs()).abs() < 1e-12);
        let DispatchRun::Rolling(r) = &rolling.run else {
            panic!("rolling")
        };
        assert!(r.regret.objective >= -1e-6 * r.regret.perfect_objective.abs().max(1.0));
        assert_eq!(
            (optimal.dispatch_name(), rolling.dispatch_name()),
            ("optimal", "rolling")
        );
    }
}

//! The capacity sizing's wire format (`sizing.json`), shared by `quartier size` and the
//! server's sizing jobs so both write the same document: capacities with their bounds and
//! annualised costs, the annualised cost of the sized system, LCOE of PV, LCOH, objective,
//! solver and times. Also the spelling of a sizing target both front ends accept
//! ([`parse_target`]: `none`, `positive-energy`, `self-sufficiency=RATE`), the sizing problem
//! both pose ([`sizing_config`]: every declared capacity a candidate) and the shortening of a
//! district's horizon to its first days ([`keep_first_days`]).
//!
//! ```
//! use quartier_optim::sizing::Target;
//! use quartier_report::sizing::parse_target;
//!
//! assert_eq!(parse_target("positive-energy"), Ok(Target::PositiveEnergy));
//! assert_eq!(
//!     parse_target("self-sufficiency=0.6"),
//!     Ok(Target::SelfSufficiency { min_rate: 0.6 })
//! );
//! let e = parse_target("self-sufficiency=2").unwrap_err();
//! assert!(e.to_string().contains("not in [0, 1]"));
//! ```

use quartier_model::{District, SizingOptions};
use quartier_optim::sizing::{PeriodSizing, Sizing, SizingConfig, Target};
use quartier_sim::Inputs;
use quartier_timeseries::{Axis, TimeError};

use crate::dispatch::SpellingError;

/// What [`parse_target`] accepts.
pub const TARGET_EXPECTED: &str = "none, positive-energy or self-sufficiency=RATE with RATE in [0, 1] (e.g. self-sufficiency=0.6)";

/// Parses `none`, `positive-energy` or `self-sufficiency=RATE` (RATE a number in [0, 1]).
pub fn parse_target(s: &str) -> Result<Target, SpellingError> {
    match s {
        "none" => return Ok(Target::None),
        "positive-energy" => return Ok(Target::PositiveEnergy),
        _ => {}
    }
    let error = |expected: String| SpellingError {
        value: s.to_string(),
        expected,
    };
    let Some(v) = s.strip_prefix("self-sufficiency=") else {
        return Err(error(TARGET_EXPECTED.into()));
    };
    match v.parse::<f64>() {
        Ok(rate) if (0.0..=1.0).contains(&rate) => Ok(Target::SelfSufficiency { min_rate: rate }),
        Ok(rate) => Err(error(format!(
            "a self-sufficiency rate in [0, 1] ({rate} is not in [0, 1]), e.g. \
             self-sufficiency=0.6"
        ))),
        Err(_) => Err(error(format!(
            "a number after self-sufficiency= ('{v}' is not a number), e.g. \
             self-sufficiency=0.6"
        ))),
    }
}

/// The sizing problem of `quartier size` and of sizing jobs: the default dispatch options,
/// the capacities, bounds, costs, durations and discount rate the district file plans (its
/// `sizing` tables, the built-in costs where it says nothing: see
/// [`SizingConfig::from_plan`]), `max_factor` when given (else the file's), and `target`.
pub fn sizing_config(
    inputs: &Inputs<'_>,
    plan: &SizingOptions,
    target: Target,
    max_factor: Option<f64>,
) -> SizingConfig {
    SizingConfig::from_plan(inputs, plan, max_factor, target)
}

/// Keeps the first `days` days of the district's horizon (the whole horizon when it is
/// shorter). Days count steps of the district's axis: 24 hours each.
pub fn keep_first_days(district: &mut District, days: u32) -> Result<(), TimeError> {
    let axis = district.axis;
    let per_day = (24.0 / axis.step().hours()).round() as usize;
    let len = (days as usize).saturating_mul(per_day).min(axis.len());
    district.axis = Axis::new(axis.start(), axis.step(), len)?;
    Ok(())
}

/// A number as JSON (non-finite as `null`).
fn num(x: f64) -> String {
    if x.is_finite() {
        serde_json::Value::from(x).to_string()
    } else {
        "null".into()
    }
}

/// An optional number as JSON.
fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "null".into(), num)
}

/// A string as JSON (quoted and escaped).
fn string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// `sizing.json` of district `name` sized under `config`: capacities, annualised costs, LCOE,
/// LCOH, objective, solve time (`wall` seconds around the whole sizing). One key per line;
/// the text ends with `}` and a newline.
pub fn sizing_json(
    name: &str,
    config: &SizingConfig,
    discount_rate_from_file: bool,
    s: &Sizing,
    wall: f64,
) -> String {
    let caps: Vec<String> = s
        .capacities
        .iter()
        .map(|c| {
            let source = |from_file: bool| {
                string(match (c.candidate, from_file) {
                    (false, _) => "declared",
                    (true, true) => "file",
                    (true, false) => "default",
                })
            };
            let o = &c.origin;
            format!(
                "    {{\"component\": {}, \"capacity\": {}, \"unit\": {}, \"value\": {}, \
                 \"sized\": {}, \"min\": {}, \"max\": {}, \"annualised_eur_per_unit\": {}, \
                 \"annualised_eur\": {}, \"cost\": {{\"capex_eur_per_unit\": {}, \
                 \"subsidy_eur_per_unit\": {}, \"lifetime_years\": {}, \
                 \"fixed_om_eur_per_unit_year\": {}, \"capex_eur_when_built\": {}, \
                 \"source\": {{\"capex\": {}, \"subsidy\": {}, \"lifetime\": {}, \
                 \"fixed_om\": {}, \"when_built\": {}}}}}, \"limit\": {}, \
                 \"marginal_value_eur_per_unit_year\": {}, \"with_pair\": {}}}",
                string(&c.component),
                string(c.kind.key()),
                string(c.kind.unit()),
                num(c.value),
                c.candidate,
                num(c.min),
                num(c.max),
                num(c.annualised_eur_per_unit),
                num(c.annualised_eur),
                num(c.cost.capex_eur_per_unit),
                num(c.cost.subsidy_eur_per_unit),
                num(c.cost.lifetime_years),
                num(c.cost.fixed_om_eur_per_unit_year),
                num(c.capex_eur_when_built),
                source(o.capex),
                source(o.subsidy),
                source(o.lifetime),
                source(o.fixed_om),
                source(o.when_built),
                c.limit.map_or("null".into(), |l| string(l.key())),
                opt(c.marginal_value_eur_per_unit_year),
                c.with_pair.map_or("null".into(), |p| format!(
                    "{{\"other_per_unit\": {}, \"marginal_value_eur_per_unit_year\": {}, \
                     \"annualised_eur_per_unit\": {}}}",
                    num(p.other_per_unit),
                    opt(p.marginal_value_eur_per_unit_year),
                    num(p.annualised_eur_per_unit)
                )),
            )
        })
        .collect();
    let target = match config.target {
        Target::None => "null".to_string(),
        Target::PositiveEnergy => string("positive-energy"),
        Target::SelfSufficiency { min_rate } => {
            format!("{{\"self_sufficiency\": {}}}", num(min_rate))
        }
    };
    format!(
        "{{\n  \"district\": {},\n  \"target\": {target},\n  \"horizon_years\": {},\n  \
         \"discount_rate\": {},\n  \"discount_rate_source\": {},\n  \"durations_h\": {{{}}},\n  \
         \"capacities\": [\n{}\n  ],\n  \
         \"target_eur_per_point_year\": {},\n  \
         \"annualised_capital_eur\": {},\n  \"annualised_capital_sized_eur\": {},\n  \
         \"operating_eur\": {},\n  \"objective_eur\": {},\n  \"raw_objective_eur\": {},\n  \
         \"annualised_cost_eur\": {},\n  \"lcoe_pv_eur_per_kwh\": {},\n  \
         \"lcoh_eur_per_kg\": {},\n  \"electrolyser_electricity_eur\": {},\n  \
         \"self_sufficiency\": {},\n  \"positive_energy\": {},\n  \"solver\": {},\n  \
         \"termination\": {},\n  \"lp\": {{\"vars\": {}, \"rows\": {}, \"nonzeros\": {}}},\n  \
         \"build_seconds\": {},\n  \"solve_seconds\": {},\n  \"wall_seconds\": {}\n}}\n",
        string(name),
        num(s.horizon_years),
        num(config.costs.discount_rate),
        string(if discount_rate_from_file {
            "file"
        } else {
            "default"
        }),
        config
            .durations
            .iter()
            .map(|(b, h)| format!("{}: {}", string(b), num(*h)))
            .collect::<Vec<_>>()
            .join(", "),
        caps.join(",\n"),
        opt(s.target_eur_per_point_year),
        num(s.total_annualised_capital_eur),
        num(s.candidates_annualised_eur),
        num(s.operating_eur),
        num(s.objective),
        num(s.raw_objective),
        num(s.annualised_cost_eur),
        opt(s.lcoe_pv_eur_per_kwh),
        opt(s.lcoh_eur_per_kg),
        num(s.electrolyser_electricity_eur),
        opt(s.kpis.self_sufficiency_rate),
        s.kpis.positive_energy,
        string(s.report.solver),
        string(s.termination.describe()),
        s.size.vars,
        s.size.rows,
        s.size.nonzeros,
        num(s.build_seconds),
        num(s.report.solve_seconds),
        num(wall)
    )
}

/// The first component whose cost when built makes the sizing a yes/no decision (a MILP,
/// which only the HiGHS back end solves), for the front ends to say so in their own words.
pub fn yes_no_component(config: &SizingConfig) -> Option<&str> {
    config
        .candidates
        .iter()
        .find(|c| c.capex_eur_when_built > 0.0)
        .map(|c| c.component.as_str())
}

/// `sizing.json` of a sizing, with its `typical_days` object when it was sized on typical
/// days (what `quartier size` writes and a sizing job returns).
pub fn sizing_document(
    name: &str,
    config: &SizingConfig,
    plan: &SizingOptions,
    sizing: &Sizing,
    typical: Option<(&PeriodSizing, &Axis)>,
    wall: f64,
) -> String {
    let mut json = sizing_json(name, config, plan.discount_rate_from_file, sizing, wall);
    if let Some((p, axis)) = typical {
        add_field(&mut json, "typical_days", &typical_days_json(p, axis));
    }
    json
}

/// Adds `"key": value` (a JSON value) at the end of a JSON object written by
/// [`sizing_json`].
pub fn add_field(json: &mut String, key: &str, value: &str) {
    json.truncate(json.trim_end().len() - 1); // reopen the object
    json.push_str(&format!(",\n  {}: {value}\n}}\n", string(key)));
}

/// The `typical_days` object of `sizing.json`: the typical days (the UTC start of each
/// medoid day, the days it stands for), the reduced problem's estimate against the full
/// horizon's cost of the same capacities, and the times of both.
pub fn typical_days_json(p: &PeriodSizing, axis: &Axis) -> String {
    let days: Vec<String> = p
        .periods
        .medoids
        .iter()
        .zip(&p.periods.weights)
        .map(|(&d, &w)| {
            format!(
                "{{\"start_utc\": {}, \"weight_days\": {w}}}",
                string(
                    &axis
                        .time(d * p.periods.steps_per_period)
                        .format("%Y-%m-%dT%H:%M:%SZ")
                        .to_string()
                )
            )
        })
        .collect();
    format!(
        "{{\"count\": {}, \"days\": [{}], \"reduced_annualised_cost_eur\": {}, \
         \"full_horizon_annualised_cost_eur\": {}, \"estimate_error\": {}, \
         \"reduced_seconds\": {}, \"check_seconds\": {}, \"reduced_lp\": {{\"vars\": {}, \
         \"rows\": {}, \"nonzeros\": {}}}}}",
        p.periods.medoids.len(),
        days.join(", "),
        num(p.reduced_annualised_cost_eur),
        num(p.sizing.annualised_cost_eur),
        num(p.estimate_error),
        num(p.reduced_seconds),
        num(p.check_seconds),
        p.reduced_size.vars,
        p.reduced_size.rows,
        p.reduced_size.nonzeros,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_spelled_as_on_the_command_line() {
        assert_eq!(parse_target("none"), Ok(Target::None));
        assert_eq!(
            parse_target("self-sufficiency=0"),
            Ok(Target::SelfSufficiency { min_rate: 0.0 })
        );
        for bad in ["", "positive", "self-sufficiency=", "self-sufficiency=x"] {
            let e = parse_target(bad).unwrap_err();
            assert_eq!(e.value, bad);
            assert!(e.expected.contains("self-sufficiency="), "{e}");
        }
        for bad in ["self-sufficiency=-0.1", "self-sufficiency=NaN"] {
            let e = parse_target(bad).unwrap_err();
            assert!(e.to_string().contains("not in [0, 1]"), "{e}");
        }
        assert!(parse_target("self-sufficiency=inf").is_err());
    }

    /// A day, hourly: a load, PV at midday and a battery, sized at least cost and under a
    /// self-sufficiency target; `sizing.json` parses and carries every key the CLI documents.
    #[test]
    fn sizing_json_is_a_json_document_with_every_key() {
        use quartier_optim::lp::Clarabel;

        let case = crate::test_cases::sunny_day();
        let inputs = case.inputs();
        let target = Target::SelfSufficiency { min_rate: 0.5 };
        // A district built in code plans nothing: every declared capacity is a candidate.
        let mut config = sizing_config(&inputs, &SizingOptions::default(), target, None);
        config.candidates = SizingConfig::every_component(&inputs, 4.0);
        assert!(!config.candidates.is_empty());
        let s = quartier_optim::sizing::size(&inputs, &config, &Clarabel::default()).unwrap();
        let text = sizing_json("test \"a\"", &config, false, &s, 0.5);
        assert!(text.ends_with("}\n"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["district"], "test \"a\"");
        assert_eq!(v["target"]["self_sufficiency"], 0.5);
        assert!(v["self_sufficiency"].as_f64().unwrap() >= 0.5 - 1e-6, "{v}");
        assert_eq!(v["wall_seconds"], 0.5);
        let caps = v["capacities"].as_array().unwrap();
        assert_eq!(caps.len(), s.capacities.len());
        for key in [
            "component",
            "capacity",
            "unit",
            "value",
            "sized",
            "min",
            "max",
            "annualised_eur_per_unit",
            "annualised_eur",
        ] {
            assert!(caps.iter().all(|c| c.get(key).is_some()), "{key}: {v}");
        }
        for key in [
            "horizon_years",
            "discount_rate",
            "annualised_capital_eur",
            "annualised_capital_sized_eur",
            "operating_eur",
            "objective_eur",
            "raw_objective_eur",
            "annualised_cost_eur",
            "lcoe_pv_eur_per_kwh",
            "lcoh_eur_per_kg",
            "electrolyser_electricity_eur",
            "positive_energy",
            "solver",
            "termination",
            "lp",
            "build_seconds",
            "solve_seconds",
        ] {
            assert!(v.get(key).is_some(), "{key}: {v}");
        }
        assert_eq!(v["lp"]["vars"], s.size.vars);
    }

    #[test]
    fn the_first_days_are_kept() {
        use quartier_sim::testkit::Case;

        let mut case = Case::new(30, 48 * 5, 100.0, 100.0);
        keep_first_days(&mut case.district, 2).unwrap();
        assert_eq!(case.district.axis.len(), 96);
        keep_first_days(&mut case.district, 10).unwrap();
        assert_eq!(case.district.axis.len(), 96);
    }

    #[test]
    fn json_values_are_valid() {
        assert_eq!(num(1.5), "1.5");
        assert_eq!(num(f64::INFINITY), "null");
        assert_eq!(opt(None), "null");
        assert_eq!(string("a\"b"), r#""a\"b""#);
    }
}

//! Sizing jobs on the real server: a small district sized as a job with its run and the
//! CLI's `sizing.json` document, targets met or refused with the optimiser's explanation,
//! options checked field by field, and who may submit.

mod common;

use common::*;
use serde_json::{Value, json};

const A: &str = "30000000000001";
const B: &str = "30000000000002";

/// A district over three days (hourly) with households A and B and their participant logins,
/// its PV system of `kwp` kWp: (district id, admin, alice).
fn three_days(app: &TestApp, kwp: u32) -> (i64, Client, Client) {
    let admin = app.admin();
    let toml = small_district("Les Tilleuls", &[A, B])
        .replace("end = 2025-06-09", "end = 2025-06-05")
        .replace("kwp = 30", &format!("kwp = {kwp}"));
    let id = admin.create_district(&toml);
    admin.create_user("alice", "participant", id, Some(A));
    (id, admin, app.login("alice", USER_PASSWORD))
}

fn sizings(id: i64) -> String {
    format!("/api/v1/districts/{id}/sizings")
}

/// Submits `body` and waits for the job.
fn run(c: &Client, id: i64, body: &Value) -> Value {
    submit_and_wait(c, &sizings(id), body)
}

/// The keys of `sizing.json` as `quartier size` writes them (crates/report/src/sizing.rs).
const SIZING_KEYS: &[&str] = &[
    "district",
    "target",
    "horizon_years",
    "discount_rate",
    "discount_rate_source",
    "durations_h",
    "capacities",
    "target_eur_per_point_year",
    "annualised_capital_eur",
    "annualised_capital_sized_eur",
    "operating_eur",
    "objective_eur",
    "raw_objective_eur",
    "annualised_cost_eur",
    "lcoe_pv_eur_per_kwh",
    "lcoh_eur_per_kg",
    "electrolyser_electricity_eur",
    "self_sufficiency",
    "positive_energy",
    "solver",
    "termination",
    "lp",
    "build_seconds",
    "solve_seconds",
    "wall_seconds",
];

#[test]
fn a_sizing_job_stores_its_run_and_the_clis_sizing_document() {
    let app = spawn_app();
    let (id, admin, _alice) = three_days(&app, 30);
    let job = run(&admin, id, &json!({}));
    let page = admin.get(&format!("/jobs/{}?lang=en", job["id"]));
    for said in [
        "Sizing",
        "Total annual cost",
        "id=capacities",
        "Chosen value",
    ] {
        assert!(page.body.contains(said), "{said}: {}", page.body);
    }
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(
        (job["kind"].as_str(), job["progress"].as_u64()),
        (Some("sizing"), Some(100))
    );
    let result = &job["result"];
    let sizing = &result["sizing"];
    let keys: Vec<&str> = sizing
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut expected = SIZING_KEYS.to_vec();
    expected.sort_unstable();
    let mut got = keys.clone();
    got.sort_unstable();
    assert_eq!(got, expected, "{sizing}");
    assert_eq!(sizing["district"], "Les Tilleuls");
    assert_eq!(sizing["target"], Value::Null);
    assert_eq!(sizing["solver"], "clarabel", "{sizing}");
    assert!(
        sizing["termination"]
            .as_str()
            .unwrap()
            .starts_with("optimal"),
        "{sizing}"
    );
    // Three days are 72/8760 of a year.
    let years = sizing["horizon_years"].as_f64().unwrap();
    assert!((years - 72.0 / 8760.0).abs() < 1e-9, "{years}");
    // The roof, the battery's energy and power: each within its bounds.
    let caps = sizing["capacities"].as_array().unwrap();
    let cap = |component: &str, capacity: &str| {
        caps.iter()
            .find(|c| c["component"] == component && c["capacity"] == capacity)
            .unwrap_or_else(|| panic!("{component}.{capacity} missing in {sizing}"))
    };
    for (component, capacity, unit, max) in [
        ("roof", "pv_kwp", "kWp", 30.0),
        ("battery", "battery_kwh", "kWh", 160.0),
        ("battery", "battery_kw", "kW", 80.0),
    ] {
        let c = cap(component, capacity);
        assert_eq!(c["unit"], unit, "{c}");
        assert_eq!(c["sized"], true, "{c}");
        assert_eq!(c["max"].as_f64(), Some(max), "{c}");
        let v = c["value"].as_f64().unwrap();
        assert!((-1e-6..=max + 1e-6).contains(&v), "{c}");
        assert!(c["annualised_eur_per_unit"].as_f64().unwrap() > 0.0, "{c}");
    }
    // PV is worth building in June at 0.20 EUR/kWh: it has an LCOE; no hydrogen, no LCOH.
    assert!(
        cap("roof", "pv_kwp")["value"].as_f64().unwrap() > 1.0,
        "{sizing}"
    );
    let lcoe = sizing["lcoe_pv_eur_per_kwh"].as_f64().expect("an LCOE");
    assert!(lcoe > 0.0 && lcoe < 0.2, "{lcoe}");
    assert_eq!(sizing["lcoh_eur_per_kg"], Value::Null);
    // The KPIs are those of the sized dispatch, as the run stores them.
    assert_eq!(
        sizing["self_sufficiency"], result["kpis"]["self_sufficiency_rate"],
        "{result}"
    );
    let run_id = job["run_id"].as_i64().expect("a run");
    let stored = admin.get(&format!("/api/v1/runs/{run_id}")).json();
    assert_eq!(stored["kpis"]["kpis"], result["kpis"]);
    let csv = admin.get(&format!("/api/v1/runs/{run_id}/timeseries.csv"));
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with("time_utc,"), "{}", csv.body);
    assert_eq!(csv.body.lines().count(), 1 + 3 * 24);
}

#[test]
fn the_district_files_costs_and_typical_days_reach_the_job_and_its_page() {
    let app = spawn_app();
    let admin = app.admin();
    let toml = small_district("Les Tilleuls", &[A, B])
        .replace("end = 2025-06-09", "end = 2025-06-05")
        .replace(
            "azimuth_deg = 180\n",
            "azimuth_deg = 180\n[pv.sizing]\ncapex_eur_per_kwp = 700\n",
        );
    let id = admin.create_district(&toml);
    let job = run(&admin, id, &json!({"typical_days": 2}));
    assert_eq!(job["status"], "succeeded", "{job}");
    let sizing = &job["result"]["sizing"];
    let caps = sizing["capacities"].as_array().unwrap();
    let pv = caps.iter().find(|c| c["capacity"] == "pv_kwp").unwrap();
    assert_eq!(pv["cost"]["capex_eur_per_unit"], 700.0, "{pv}");
    assert_eq!(pv["cost"]["source"]["capex"], "file", "{pv}");
    assert_eq!(pv["cost"]["source"]["lifetime"], "default", "{pv}");
    assert!(pv["limit"].is_string(), "{pv}");
    let td = &sizing["typical_days"];
    assert_eq!(td["count"], 2, "{td}");
    let weights: u64 = td["days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["weight_days"].as_u64().unwrap())
        .sum();
    assert_eq!(weights, 3);
    // The run is the whole horizon (re-solved with the chosen capacities).
    let csv = admin.get(&format!(
        "/api/v1/runs/{}/timeseries.csv",
        job["run_id"].as_i64().unwrap()
    ));
    assert_eq!(csv.body.lines().count(), 1 + 3 * 24);
    // The page says where each cost came from and what decided each size.
    let page = admin.get(&format!("/jobs/{}", job["id"])).body;
    assert!(page.contains("du fichier"), "{page}");
    assert!(page.contains("Fixée par"), "{page}");
    assert!(page.contains("Jours types"), "{page}");
    // Too many typical days: the job fails with what was expected.
    let job = run(&admin, id, &json!({"typical_days": 9}));
    assert_eq!(job["status"], "failed", "{job}");
    assert!(
        job["error"]
            .as_str()
            .unwrap()
            .contains("between 1 and the 3 days"),
        "{job}"
    );
}

#[test]
fn days_and_max_factor_shape_the_problem() {
    let app = spawn_app();
    let (id, admin, _alice) = three_days(&app, 30);
    let job = run(&admin, id, &json!({"days": 1, "max_factor": 2}));
    assert_eq!(job["status"], "succeeded", "{job}");
    let sizing = &job["result"]["sizing"];
    let years = sizing["horizon_years"].as_f64().unwrap();
    assert!((years - 24.0 / 8760.0).abs() < 1e-9, "{years}");
    let battery_kwh = sizing["capacities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["capacity"] == "battery_kwh")
        .unwrap();
    assert_eq!(battery_kwh["max"].as_f64(), Some(80.0), "{battery_kwh}");
    let csv = admin.get(&format!(
        "/api/v1/runs/{}/timeseries.csv",
        job["run_id"].as_i64().unwrap()
    ));
    assert_eq!(csv.body.lines().count(), 1 + 24);
}

#[test]
fn a_positive_energy_target_is_met_on_a_large_roof_and_explained_on_a_small_one() {
    let app = spawn_app();
    // 30 kWp in June produce several times the two households' consumption.
    let (id, admin, _alice) = three_days(&app, 30);
    let job = run(&admin, id, &json!({"target": "positive-energy"}));
    assert_eq!(job["status"], "succeeded", "{job}");
    let sizing = &job["result"]["sizing"];
    assert_eq!(sizing["target"], "positive-energy");
    assert_eq!(sizing["positive_energy"], true, "{sizing}");
    assert_eq!(job["result"]["kpis"]["positive_energy"], true);

    // 1 kWp (the roof bounds PV) cannot cover about 22 kWh a day.
    let small = admin.create_district(
        &small_district("Petit toit", &["30000000000007"])
            .replace("end = 2025-06-09", "end = 2025-06-05")
            .replace("kwp = 30", "kwp = 1")
            .replace("annual_kwh = 4000", "annual_kwh = 8000"),
    );
    let job = run(&admin, small, &json!({"target": "positive-energy"}));
    assert_eq!(job["status"], "failed", "{job}");
    let error = job["error"].as_str().unwrap();
    assert!(
        error.contains("no feasible sizing")
            && error.contains("positive energy is out of reach")
            && error.contains("kWh missing"),
        "{error}"
    );
    assert!(job["run_id"].is_null() && job["result"].is_null(), "{job}");
}

#[test]
fn bad_options_are_refused_with_the_field_its_value_and_what_was_expected() {
    let app = spawn_app();
    let (id, admin, _alice) = three_days(&app, 30);
    let url = sizings(id);
    let problems = |body: Value| refused(&admin, &url, &body);
    let only = |body: Value, field: &str, value: &str, expected: &str| {
        refused_once(&admin, &url, body, field, value, expected)
    };
    only(
        json!({"target": "green"}),
        "target",
        "green",
        "self-sufficiency=",
    );
    only(
        json!({"target": "self-sufficiency=1.5"}),
        "target",
        "self-sufficiency=1.5",
        "1.5 is not in [0, 1]",
    );
    only(
        json!({"target": "self-sufficiency=lots"}),
        "target",
        "lots",
        "a number",
    );
    only(json!({"target": 0.6}), "target", "0.6", "positive-energy");
    only(json!({"solver": "gurobi"}), "solver", "gurobi", "clarabel");
    only(json!({"max_factor": -1}), "max_factor", "-1", "> 0");
    only(json!({"days": 0}), "days", "0", "≥ 1");
    only(json!({"days": 2.5}), "days", "2.5", "whole number");
    only(json!({"typical_days": 0}), "typical_days", "0", "≥ 1");
    only(
        json!({"pareto": 3}),
        "pareto",
        "unknown field",
        "target, solver, max_factor, days",
    );
    #[cfg(not(feature = "highs"))]
    only(
        json!({"solver": "highs"}),
        "solver",
        "built without HiGHS",
        "clarabel",
    );
    // Every problem at once.
    let e = problems(json!({"target": "x", "solver": 1, "max_factor": "4", "days": -1}));
    let paths: Vec<&str> = e.iter().map(|p| p["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["target", "solver", "max_factor", "days"], "{e:?}");
    assert_eq!(admin.post_json(&sizings(id), &json!([])).status, 422);
    let r = admin.request("POST", &sizings(id), Some("text/plain"), b"{}");
    assert_eq!(r.status, 415, "{}", r.body);
    let r = admin.request("POST", &sizings(id), Some("application/json"), b"{");
    assert_eq!(r.status, 400, "{}", r.body);
    // Nothing was queued: the first job accepted is the app's first.
    let r = admin.post_json(&sizings(id), &json!({"days": 1}));
    assert_eq!(r.status, 202, "{}", r.body);
    assert_eq!(r.json()["job_id"], 1, "{}", r.body);
    let (job, _) = wait_job(&admin, r.json()["status_url"].as_str().unwrap());
    assert_eq!(job["status"], "succeeded", "{job}");
}

#[test]
fn only_those_who_manage_the_district_submit() {
    let app = spawn_app();
    let (id, admin, alice) = three_days(&app, 30);
    // A participant sees the district but does not manage it, even with bad options.
    assert_eq!(alice.post_json(&sizings(id), &json!({})).status, 403);
    assert_eq!(alice.post_json(&sizings(id), &json!({"x": 1})).status, 403);
    // Another district's organiser does not even see it.
    let other = admin.create_district(&small_district("Autre quartier", &["30000000000009"]));
    admin.create_user("olga", "organiser", other, None);
    let olga = app.login("olga", USER_PASSWORD);
    assert_eq!(olga.post_json(&sizings(id), &json!({})).status, 404);
    assert_eq!(olga.post_json(&sizings(999), &json!({})).status, 404);
    assert_eq!(app.client().post_json(&sizings(id), &json!({})).status, 401);
    // The district's own organiser may; an empty body is every default.
    admin.create_user("oscar", "organiser", id, None);
    let oscar = app.login("oscar", USER_PASSWORD);
    let r = oscar.request("POST", &sizings(id), Some("application/json"), b"");
    assert_eq!(r.status, 202, "{}", r.body);
    let (job, _) = wait_job(&oscar, r.json()["status_url"].as_str().unwrap());
    assert_eq!(job["status"], "succeeded", "{job}");
    // The participant cannot read the job either.
    assert_eq!(
        alice.get(&format!("/api/v1/jobs/{}", job["id"])).status,
        404
    );
}

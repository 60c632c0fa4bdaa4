//! Optimisation jobs on the real server: optimal and rolling-horizon dispatch of a small
//! district as jobs with their run and report, options checked field by field, who may submit,
//! and the district page's form.

mod common;

use common::*;
use serde_json::{Value, json};

const A: &str = "30000000000001";
const B: &str = "30000000000002";

/// A district over three days (hourly) with households A and B and their participant logins:
/// (district id, admin, alice, bruno).
fn three_days(app: &TestApp) -> (i64, Client, Client, Client) {
    let admin = app.admin();
    let toml =
        small_district("Les Tilleuls", &[A, B]).replace("end = 2025-06-09", "end = 2025-06-05");
    let id = admin.create_district(&toml);
    admin.create_user("alice", "participant", id, Some(A));
    admin.create_user("bruno", "participant", id, Some(B));
    (
        id,
        admin,
        app.login("alice", USER_PASSWORD),
        app.login("bruno", USER_PASSWORD),
    )
}

fn optimisations(id: i64) -> String {
    format!("/api/v1/districts/{id}/optimisations")
}

/// Submits `body` and waits for the job.
fn run(c: &Client, id: i64, body: &Value) -> Value {
    submit_and_wait(c, &optimisations(id), body)
}

#[test]
fn an_optimal_dispatch_job_beats_the_rule_controller_and_stores_its_run() {
    let app = spawn_app();
    let (id, admin, _a, _b) = three_days(&app);
    let job = run(
        &admin,
        id,
        &json!({"solver": "clarabel", "objective": "cost"}),
    );
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(
        (job["kind"].as_str(), job["progress"].as_u64()),
        (Some("optimisation"), Some(100))
    );
    let result = &job["result"];
    let report = &result["report"];
    assert_eq!(report["dispatch"], "optimal", "{report}");
    assert_eq!(report["termination"], "Optimal", "{report}");
    assert_eq!(
        (report["solver"].as_str(), report["objective_kind"].as_str()),
        (Some("clarabel"), Some("cost"))
    );
    let polished = report["objective_polished"].as_f64().unwrap();
    let rule = report["rule_objective"].as_f64().unwrap();
    assert!(polished <= rule + 1e-6 * rule.abs().max(1.0), "{report}");
    // Its page says what it found, in the page's language.
    let page = admin.get(&format!("/jobs/{}?lang=fr", job["id"]));
    for said in [
        "Dispatch optimal",
        "Coût avec le contrôleur à règles",
        "Économie",
        "terminée",
        "Solveur\u{a0}: <code>clarabel</code>",
        "Objectif\u{a0}: <code>cost</code>",
    ] {
        assert!(page.body.contains(said), "{said}: {}", page.body);
    }
    assert!(
        !page.body.contains("{&quot;"),
        "options as a list, not JSON"
    );
    // The cost comparison agrees with the KPIs of the stored flows.
    let cost = &result["cost"];
    assert_eq!(cost["cost_eur"], result["kpis"]["cost_eur"], "{result}");
    let saving = cost["saving_eur"].as_f64().unwrap();
    let (rule_cost, opt_cost) = (
        cost["rule_cost_eur"].as_f64().unwrap(),
        cost["cost_eur"].as_f64().unwrap(),
    );
    assert!((saving - (rule_cost - opt_cost)).abs() < 1e-9, "{cost}");
    assert!(saving >= -1e-6 * rule_cost.abs().max(1.0), "{cost}");
    assert!(result["kpis"]["production_kwh"].as_f64().unwrap() > 0.0);

    // The run: KPIs and the time series of the optimised flows.
    let run_id = job["run_id"].as_i64().expect("a run");
    let run = admin.get(&format!("/api/v1/runs/{run_id}")).json();
    assert_eq!(run["kpis"]["kpis"]["cost_eur"], result["kpis"]["cost_eur"]);
    let csv = admin.get(&format!("/api/v1/runs/{run_id}/timeseries.csv"));
    assert_eq!(csv.status, 200);
    assert!(
        csv.body.starts_with("time_utc,"),
        "{}",
        &csv.body[..80.min(csv.body.len())]
    );
    assert_eq!(csv.body.lines().count(), 1 + 3 * 24);
    // A finished job cannot be cancelled.
    assert_eq!(
        admin
            .request(
                "POST",
                &format!("/api/v1/jobs/{}/cancel", job["id"]),
                Some("application/json"),
                b""
            )
            .status,
        409
    );
}

#[test]
fn a_rolling_dispatch_job_reports_its_regret_against_perfect_foresight() {
    let app = spawn_app();
    let (id, admin, _a, _b) = three_days(&app);
    let job = run(
        &admin,
        id,
        &json!({"dispatch": "rolling", "horizon_hours": 24, "commit_hours": 12,
                "forecast": "persistence", "objective": "cost+co2=100"}),
    );
    assert_eq!(job["status"], "succeeded", "{job}");
    let report = &job["result"]["report"];
    assert_eq!(report["dispatch"], "rolling", "{report}");
    assert_eq!(report["forecast"], "persistence");
    assert_eq!(report["objective_kind"], "cost+co2=100");
    // Windows start at 0, 12, 24, 36 and 48 h; the one reaching the end is committed whole.
    assert_eq!(report["windows"], 5, "{report}");
    let regret = &report["regret"];
    let perfect = regret["perfect_objective"].as_f64().unwrap();
    assert!(
        regret["objective"].as_f64().unwrap() >= -1e-6 * perfect.abs().max(1.0),
        "{report}"
    );
    assert!(job["run_id"].as_i64().is_some());
}

#[test]
fn bad_options_are_refused_with_the_field_its_value_and_what_was_expected() {
    let app = spawn_app();
    let (id, admin, _a, _b) = three_days(&app);
    let url = optimisations(id);
    let problems = |body: Value| refused(&admin, &url, &body);
    let only = |body: Value, field: &str, value: &str, expected: &str| {
        refused_once(&admin, &url, body, field, value, expected)
    };
    only(
        json!({"objective": "money"}),
        "objective",
        "money",
        "cost+co2=",
    );
    only(
        json!({"objective": "cost+co2=-5"}),
        "objective",
        "-5",
        "carbon price",
    );
    only(
        json!({"dispatch": "rolling", "forecast": "noise:abc"}),
        "forecast",
        "noise:abc",
        "seed",
    );
    only(
        json!({"colour": "green"}),
        "colour",
        "unknown field",
        "objective",
    );
    only(
        json!({"dispatch": "rolling", "horizon_hours": 12, "commit_hours": 24}),
        "commit_hours",
        "24",
        "horizon_hours",
    );
    only(
        json!({"horizon_hours": 24}),
        "horizon_hours",
        "rolling",
        "rolling",
    );
    #[cfg(not(feature = "highs"))]
    {
        only(
            json!({"min_part_load": true}),
            "min_part_load",
            "MILP",
            "highs",
        );
        only(
            json!({"solver": "highs"}),
            "solver",
            "built without HiGHS",
            "clarabel",
        );
    }
    // Every problem at once.
    let e = problems(json!({"dispatch": "soon", "objective": 1, "time_limit_seconds": 0}));
    let paths: Vec<&str> = e.iter().map(|p| p["path"].as_str().unwrap()).collect();
    assert_eq!(
        paths,
        ["dispatch", "objective", "time_limit_seconds"],
        "{e:?}"
    );
    // Nothing was queued.
    assert_eq!(admin.post_json(&optimisations(id), &json!([])).status, 422);
    let r = admin.request("POST", &optimisations(id), Some("text/plain"), b"{}");
    assert_eq!(r.status, 415, "{}", r.body);
    let r = admin.request("POST", &optimisations(id), Some("application/json"), b"{");
    assert_eq!(r.status, 400, "{}", r.body);
}

#[test]
fn only_those_who_manage_the_district_submit() {
    let app = spawn_app();
    let (id, admin, alice, _b) = three_days(&app);
    // A participant sees the district but does not manage it.
    assert_eq!(alice.post_json(&optimisations(id), &json!({})).status, 403);
    // Another district's organiser does not even see it.
    let other = admin.create_district(&small_district("Autre quartier", &["30000000000009"]));
    admin.create_user("olga", "organiser", other, None);
    let olga = app.login("olga", USER_PASSWORD);
    assert_eq!(olga.post_json(&optimisations(id), &json!({})).status, 404);
    assert_eq!(olga.post_json(&optimisations(999), &json!({})).status, 404);
    assert_eq!(
        app.client()
            .post_json(&optimisations(id), &json!({}))
            .status,
        401
    );
    // Bad options from someone who may not submit answer as the role does, not 422.
    assert_eq!(
        alice.post_json(&optimisations(id), &json!({"x": 1})).status,
        403
    );
    // The district's own organiser may; an empty body is every default.
    admin.create_user("oscar", "organiser", id, None);
    let oscar = app.login("oscar", USER_PASSWORD);
    let r = oscar.request("POST", &optimisations(id), Some("application/json"), b"");
    assert_eq!(r.status, 202, "{}", r.body);
    let (job, _) = wait_job(&oscar, r.json()["status_url"].as_str().unwrap());
    assert_eq!(job["status"], "succeeded", "{job}");
    // The participant cannot read the job either.
    assert_eq!(
        alice.get(&format!("/api/v1/jobs/{}", job["id"])).status,
        404
    );
}

#[test]
fn the_district_page_offers_an_optimal_dispatch_behind_its_csrf_token() {
    let app = spawn_app();
    let (id, admin, _a, _b) = three_days(&app);
    let page = admin.get(&format!("/districts/{id}?lang=en"));
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(&format!("action=\"/districts/{id}/optimise?lang=en\""))
            && page.body.contains("Run an optimal dispatch (cost)"),
        "{}",
        page.body
    );
    let fr = admin.get(&format!("/districts/{id}?lang=fr"));
    assert!(
        fr.body.contains("Lancer un dispatch optimal (coût)"),
        "{}",
        fr.body
    );

    let url = format!("/districts/{id}/optimise?lang=en");
    assert_eq!(admin.post_form(&url, "csrf=forged").status, 403);
    let csrf = admin.csrf.clone().unwrap();
    let r = admin.post_form(&url, &format!("csrf={csrf}"));
    assert_eq!(r.status, 303, "{}", r.body);
    let location = r.header("location").unwrap().to_string();
    assert!(
        location.starts_with("/jobs/") && location.ends_with("?lang=en"),
        "{location}"
    );
    let job_id: i64 = location["/jobs/".len()..location.find('?').unwrap()]
        .parse()
        .unwrap();
    let (job, _) = wait_job(&admin, &format!("/api/v1/jobs/{job_id}"));
    assert_eq!(
        (job["kind"].as_str(), job["status"].as_str()),
        (Some("optimisation"), Some("succeeded")),
        "{job}"
    );
    assert_eq!(job["result"]["report"]["dispatch"], "optimal");
    assert_eq!(admin.get(&location).status, 200);
}

#[test]
fn an_option_the_optimiser_refuses_fails_the_job_with_its_explanation() {
    let app = spawn_app();
    let (id, admin, _a, _b) = three_days(&app);
    // Six minutes is less than one step of the hourly district: only the optimiser knows.
    let job = run(
        &admin,
        id,
        &json!({"dispatch": "rolling", "horizon_hours": 0.1, "commit_hours": 0.1}),
    );
    assert_eq!(job["status"], "failed", "{job}");
    let error = job["error"].as_str().unwrap();
    assert!(
        error.contains("rolling.horizon_hours") && error.contains("at least one step"),
        "{error}"
    );
    assert!(job["run_id"].is_null() && job["result"].is_null(), "{job}");
}

#[test]
fn a_queued_optimisation_can_be_cancelled() {
    let app = spawn_app();
    let (id, admin, _a, _b) = three_days(&app);
    let first = admin.post_json(&optimisations(id), &json!({})).json();
    // Other options than the first's: an identical job still queued would be merged into it.
    let second = admin
        .post_json(&optimisations(id), &json!({"solver": "clarabel"}))
        .json();
    assert_ne!(first["job_id"], second["job_id"], "{second}");
    let url = second["status_url"].as_str().unwrap();
    // The second waits behind the first (one job at a time), so it is still cancellable.
    let r = admin.request(
        "POST",
        &format!("{url}/cancel"),
        Some("application/json"),
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "cancelled");
    let (done, _) = wait_job(&admin, first["status_url"].as_str().unwrap());
    assert_eq!(done["status"], "succeeded", "{done}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let j = admin.get(url).json();
    assert_eq!(
        (j["status"].as_str(), j["run_id"].is_null()),
        (Some("cancelled"), true)
    );
}

/// With the `highs` feature (as in CI): HiGHS solves the same optimal dispatch, to the same
/// objective as clarabel (1e-6 relative), and the MILP option runs.
#[cfg(feature = "highs")]
#[test]
fn highs_solves_the_same_optimum_and_the_part_load_milp() {
    let app = spawn_app();
    let (id, admin, _a, _b) = three_days(&app);
    let objective = |job: &Value| {
        assert_eq!(job["status"], "succeeded", "{job}");
        job["result"]["report"]["objective_polished"]
            .as_f64()
            .unwrap()
    };
    let clarabel = objective(&run(&admin, id, &json!({})));
    let highs_job = run(&admin, id, &json!({"solver": "highs"}));
    assert_eq!(highs_job["result"]["report"]["solver"], "highs");
    let highs = objective(&highs_job);
    assert!(
        (highs - clarabel).abs() <= 1e-6 * clarabel.abs().max(1.0),
        "highs {highs} clarabel {clarabel}"
    );
    let milp = run(
        &admin,
        id,
        &json!({"solver": "highs", "min_part_load": true}),
    );
    assert_eq!(
        milp["result"]["report"]["part_load"], "on-off (MILP)",
        "{milp}"
    );
    assert!(objective(&milp) >= highs - 1e-6 * highs.abs().max(1.0));
}

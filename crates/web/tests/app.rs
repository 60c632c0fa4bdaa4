//! The server as a user meets it: real server on port 0, fresh database per test.

mod common;

use common::*;
use serde_json::json;

const A: &str = "30000000000001";
const B: &str = "30000000000002";

/// Creates a district with households A and B and a login for each; returns
/// (district id, admin, participant A, participant B).
fn community(app: &TestApp) -> (i64, Client, Client, Client) {
    two_households(app, A, B)
}

#[test]
fn login_opens_a_session_and_wrong_passwords_are_rate_limited() {
    let app = spawn_app();
    let anon = app.client();
    assert_eq!(anon.get("/api/v1/me").status, 401);
    let admin = app.admin();
    let me = admin.get("/api/v1/me").json();
    assert_eq!(me["role"], "programme");
    let cookie = admin.cookie.clone().unwrap();
    assert!(cookie.starts_with("quartier_session="));

    for _ in 0..5 {
        let r = anon.post_json(
            "/api/v1/login",
            &json!({"username": "admin", "password": "nope"}),
        );
        assert_eq!(r.status, 401);
    }
    let r = anon.post_json(
        "/api/v1/login",
        &json!({"username": "admin", "password": ADMIN_PASSWORD}),
    );
    assert_eq!(
        r.status, 429,
        "even the right password waits once the limit is hit"
    );

    assert_eq!(
        admin
            .request("POST", "/api/v1/logout", Some("application/json"), b"")
            .status,
        204
    );
    assert_eq!(
        admin.get("/api/v1/me").status,
        401,
        "the session is gone server-side"
    );
}

#[test]
fn session_cookie_is_httponly_and_strict() {
    let app = spawn_app();
    let r = app.client().post_json(
        "/api/v1/login",
        &json!({"username": "admin", "password": ADMIN_PASSWORD}),
    );
    let c = r.header("set-cookie").unwrap();
    assert!(
        c.contains("HttpOnly") && c.contains("SameSite=Strict"),
        "{c}"
    );
}

#[test]
fn a_bad_district_file_is_rejected_with_every_problem_located() {
    let app = spawn_app();
    let admin = app.admin();
    let bad = "[site]\nname = \"x\"\nlatitude_deg = 95\nlongitud_deg = 8\n";
    let r = admin.post_json("/api/v1/districts", &json!({"toml": bad}));
    assert_eq!(r.status, 422, "{}", r.body);
    let errors = r.json()["errors"].as_array().unwrap().clone();
    let lat = errors
        .iter()
        .find(|e| e["path"] == "site.latitude_deg")
        .unwrap();
    assert_eq!(
        (lat["line"].as_u64(), lat["column"].as_u64()),
        (Some(3), Some(16))
    );
    assert!(lat["expected"].as_str().unwrap().contains("90"));
    assert!(
        errors
            .iter()
            .any(|e| e["path"] == "site.longitud_deg" && e["line"] == 4)
    );
    assert!(errors.iter().any(|e| e["path"] == "time"));
    assert_eq!(
        admin.get("/api/v1/districts").json()["districts"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn upload_is_all_or_nothing_and_idempotent() {
    let app = spawn_app();
    let (_id, admin, _a, _b) = community(&app);
    let good = csv_curve("2025-06-02", 0.25);
    let url = format!("/api/v1/participants/{A}/curve?format=csv");
    let r = admin.put_text(&url, &good);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (r.json()["written"].as_u64(), r.json()["unchanged"].as_u64()),
        (Some(48), Some(0))
    );

    // Re-upload: nothing duplicated.
    let r = admin.put_text(&url, &good);
    assert_eq!(
        (r.json()["written"].as_u64(), r.json()["unchanged"].as_u64()),
        (Some(0), Some(48))
    );

    // A malformed file (good rows for the next day, two broken rows): rejected whole.
    let mut bad = csv_curve("2025-06-03", 9.0);
    bad = bad.replace("2025-06-03 10:00;9", "2025-06-03 10:00;abc");
    bad = bad.replace("2025-06-03 12:30;9", "2025-06-03 12:30;-4");
    let r = admin.put_text(&url, &bad);
    assert_eq!(r.status, 422, "{}", r.body);
    let errors = r.json()["errors"].as_array().unwrap().clone();
    assert!(errors.len() >= 2, "every problem is listed: {errors:?}");
    assert!(errors.iter().all(|e| e["line"].as_u64().is_some()));
    let all = admin
        .get(&format!(
            "/api/v1/participants/{A}/curve?from=2025-06-01T00:00:00Z&to=2025-06-05T00:00:00Z"
        ))
        .json();
    let pts = all["points"].as_array().unwrap();
    assert_eq!(pts.len(), 48, "the bad file left the table unchanged");
    assert!(pts.iter().all(|p| p["kwh"] == 0.25));
}

#[test]
fn a_participant_never_reads_another_participants_curve() {
    let app = spawn_app();
    let (id, admin, a, b) = community(&app);
    for prm in [A, B] {
        let r = admin.put_text(
            &format!("/api/v1/participants/{prm}/curve?format=csv"),
            &csv_curve("2025-06-02", 0.5),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let range = "from=2025-06-01T00:00:00Z&to=2025-06-05T00:00:00Z";
    // Alice reads her own curve…
    let r = a.get(&format!("/api/v1/participants/{A}/curve?{range}"));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["points"].as_array().unwrap().len(), 48);
    let own = a.get(&format!("/participants/{A}"));
    assert_eq!(own.status, 200);
    assert!(
        !own.body.contains("href=\"/experiments"),
        "a participant's navigation has no link they may not follow"
    );
    assert!(admin_page_links_experiments(&app));
    // …but not Bruno's, by API, page or a guessed id: 404, like a PRM that does not exist.
    let theirs = a.get(&format!("/api/v1/participants/{B}/curve?{range}"));
    let nobody = a.get(&format!(
        "/api/v1/participants/39999999999999/curve?{range}"
    ));
    assert_eq!((theirs.status, nobody.status), (404, 404));
    assert_eq!(theirs.body, nobody.body);
    assert!(!theirs.body.contains("0.5"));
    assert_eq!(a.get(&format!("/participants/{B}")).status, 404);
    assert_eq!(b.get(&format!("/participants/{A}")).status, 404);
    // Nor upload over it, nor read the participant list, the district file, runs or jobs.
    assert_eq!(
        a.put_text(
            &format!("/api/v1/participants/{B}/curve?format=csv"),
            &csv_curve("2025-06-02", 9.0)
        )
        .status,
        404
    );
    assert_eq!(
        a.get(&format!("/api/v1/districts/{id}/participants"))
            .status,
        403
    );
    assert!(
        a.get(&format!("/api/v1/districts/{id}"))
            .json()
            .get("source_toml")
            .is_none()
    );
    // Their district's page is their own view of it: nothing of the others, no action.
    let home = a.get(&format!("/districts/{id}"));
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(!home.body.contains(B) && !home.body.contains("/simulate"));
    assert_eq!(
        a.post_json(&format!("/api/v1/districts/{id}/simulations"), &json!({}))
            .status,
        403
    );
    // Without a session, nothing at all.
    assert_eq!(
        app.client()
            .get(&format!("/api/v1/participants/{A}/curve?{range}"))
            .status,
        401
    );
}

#[test]
fn a_participant_lists_only_their_own_district() {
    let app = spawn_app();
    let (id, admin, a, _b) = community(&app);
    let other = admin.create_district(&small_district("Autre quartier", &["30000000000009"]));
    let list = a.get("/api/v1/districts").json();
    let ids: Vec<i64> = list["districts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![id]);
    assert_eq!(a.get(&format!("/api/v1/districts/{other}")).status, 404);
    assert_eq!(
        admin.get("/api/v1/districts").json()["districts"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let page = a.get("/districts");
    assert!(page.body.contains("Les Tilleuls") && !page.body.contains("Autre quartier"));
}

#[test]
fn a_simulation_job_reaches_100_and_links_its_results() {
    let app = spawn_app();
    let (id, admin, _a, _b) = community(&app);
    let r = admin.post_json(&format!("/api/v1/districts/{id}/simulations"), &json!({}));
    assert_eq!(r.status, 202, "{}", r.body);
    let url = r.json()["status_url"].as_str().unwrap().to_string();
    let mut seen = Vec::new();
    let job = loop {
        let j = admin.get(&url).json();
        seen.push(j["progress"].as_u64().unwrap());
        match j["status"].as_str().unwrap() {
            "queued" | "running" => std::thread::sleep(std::time::Duration::from_millis(50)),
            _ => break j,
        }
    };
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["progress"], 100);
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "progress never goes back: {seen:?}"
    );
    assert!(job["result"]["kpis"]["production_kwh"].as_f64().unwrap() > 0.0);
    let csv = admin.get(job["timeseries_url"].as_str().unwrap());
    assert_eq!(csv.status, 200);
    assert!(csv.body.starts_with("time_utc,"));
    assert_eq!(csv.body.lines().count(), 1 + 7 * 24);
    // Finished jobs cannot be cancelled; the overview now shows KPI cards and charts.
    assert_eq!(
        admin
            .request(
                "POST",
                &format!("{url}/cancel"),
                Some("application/json"),
                b""
            )
            .status,
        409
    );
    let page = admin.get(&format!("/districts/{id}?lang=en&from=2025-06-02&days=3"));
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Self-consumption rate") && page.body.matches("<svg").count() >= 3,
        "{}",
        page.body
    );
    let fr = admin.get(&format!("/districts/{id}?lang=fr"));
    assert!(
        fr.body.contains("Taux d&#39;autoconsommation")
            || fr.body.contains("Taux d'autoconsommation")
    );
}

#[test]
fn a_cancelled_job_stays_cancelled() {
    let app = spawn_app();
    let (id, admin, _a, _b) = community(&app);
    // A first job (another kind: an identical queued job would be merged) holds the one job
    // slot while the simulation behind it is cancelled.
    let first = admin
        .post_json(&format!("/api/v1/districts/{id}/optimisations"), &json!({}))
        .json();
    let second = admin
        .post_json(&format!("/api/v1/districts/{id}/simulations"), &json!({}))
        .json();
    assert_ne!(first["job_id"], second["job_id"]);
    let url = second["status_url"].as_str().unwrap();
    let r = admin.request(
        "POST",
        &format!("{url}/cancel"),
        Some("application/json"),
        b"",
    );
    // The second waits behind the first (one job at a time), so it is still cancellable.
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["status"], "cancelled");
    let first_url = first["status_url"].as_str().unwrap();
    while matches!(
        admin.get(first_url).json()["status"].as_str(),
        Some("queued" | "running")
    ) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let j = admin.get(url).json();
    assert_eq!(
        (j["status"].as_str(), j["run_id"].is_null()),
        (Some("cancelled"), true)
    );
}

#[test]
fn html_forms_need_the_csrf_token() {
    let app = spawn_app();
    let (id, admin, _a, _b) = community(&app);
    let r = admin.post_form(&format!("/districts/{id}/simulate"), "csrf=forged");
    assert_eq!(r.status, 403);
    let csrf = admin.csrf.clone().unwrap();
    let r = admin.post_form(
        &format!("/districts/{id}/simulate"),
        &format!("csrf={csrf}"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(r.header("location").unwrap().starts_with("/jobs/"));
    // The login form: the token in the form must match the one in its cookie.
    let r = app.client().post_form(
        "/login",
        &format!("csrf=x&username=admin&password={ADMIN_PASSWORD}"),
    );
    assert_eq!(r.status, 403);
}

#[test]
fn login_page_then_dashboard() {
    let app = spawn_app();
    let form = app.client().get("/login?lang=en");
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Log in"));
    let token = form
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let value = token.split_once('=').unwrap().1.to_string();
    let mut c = app.client();
    c.cookie = Some(token);
    let r = c.post_form(
        "/login",
        &format!("csrf={value}&username=admin&password={ADMIN_PASSWORD}"),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let session = r
        .header("set-cookie")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    c.cookie = Some(session);
    let page = c.get("/districts");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Quartiers") || page.body.contains("Districts"));
}

fn admin_page_links_experiments(app: &TestApp) -> bool {
    app.admin()
        .get("/districts")
        .body
        .contains("href=\"/experiments")
}

#[test]
fn bodies_over_the_limit_are_refused() {
    let app = spawn_app();
    let admin = app.admin();
    let huge = "x".repeat(17 * 1024 * 1024);
    let r = admin.put_text(&format!("/api/v1/participants/{A}/curve?format=csv"), &huge);
    assert_eq!(r.status, 413);
}

#[test]
fn openapi_lists_every_route_and_every_listed_route_exists() {
    let app = spawn_app();
    let doc = app.client().get("/api/v1/openapi.json").json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let mut documented = Vec::new();
    for (p, ops) in paths {
        for m in ops.as_object().unwrap().keys() {
            documented.push((m.clone(), p.clone()));
        }
    }
    let mut routed: Vec<(String, String)> = quartier_web::API_ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    documented.sort();
    routed.sort();
    assert_eq!(documented, routed, "openapi.json and the router disagree");
    let c = app.client();
    for (m, p) in quartier_web::API_ROUTES {
        let concrete = p.replace("{id}", "1").replace("{prm}", A);
        let r = c.request(
            &m.to_uppercase(),
            &concrete,
            Some("application/json"),
            b"{}",
        );
        assert!(
            r.header("x-quartier-route").is_none(),
            "{m} {p} is not routed"
        );
    }
    assert_eq!(
        c.get("/api/v1/nothing").header("x-quartier-route"),
        Some("none")
    );
}

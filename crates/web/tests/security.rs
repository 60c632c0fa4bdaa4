//! The attacks found when the server was tried as an attacker, each now refused: the
//! cross-district meter takeover (each of its four steps), locking another user's account by
//! failing logins, weak passwords and look-alike usernames, unbounded names, and district files
//! that name files outside the data folder.

mod common;

use common::*;
use serde_json::json;

/// District 1's household.
const OWN: &str = "31000000000001";
/// District 2's household: the meter the organiser of district 1 goes after.
const OTHER: &str = "32000000000002";

/// Two districts, one meter each, an organiser each, and a stored curve on district 2's meter:
/// (admin, district 1, district 2, organiser 1, organiser 2).
fn two_districts(app: &TestApp) -> (Client, i64, i64, Client, Client) {
    let admin = app.admin();
    let d1 = admin.create_district(&small_district("Quartier Un", &[OWN]));
    let d2 = admin.create_district(&small_district("Quartier Deux", &[OTHER]));
    admin.create_user("orga-un", "organiser", d1, None);
    admin.create_user("orga-deux", "organiser", d2, None);
    let r = admin.put_text(
        &format!("/api/v1/participants/{OTHER}/curve?format=csv"),
        &csv_curve("2025-06-02", 0.25),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    (
        admin,
        d1,
        d2,
        app.login("orga-un", USER_PASSWORD),
        app.login("orga-deux", USER_PASSWORD),
    )
}

const RANGE: &str = "from=2025-06-01T00:00:00Z&to=2025-06-04T00:00:00Z";

fn curve_values(c: &Client, prm: &str) -> Vec<f64> {
    let r = c.get(&format!("/api/v1/participants/{prm}/curve?{RANGE}"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["kwh"].as_f64().unwrap())
        .collect()
}

#[test]
fn cross_district_meter_takeover_is_refused_at_each_step() {
    let app = spawn_app();
    let (_admin, d1, _d2, orga1, orga2) = two_districts(&app);

    // 1. Adding district 2's meter to district 1.
    let r = orga1.post_json(
        &format!("/api/v1/districts/{d1}/participants"),
        &json!({"prm": OTHER, "name": "Pris", "role": "consumer"}),
    );
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("another district"), "{}", r.body);
    assert_eq!(
        r.header("content-type"),
        Some("application/problem+json"),
        "problem details"
    );
    let r = orga1.post_json(
        &format!("/api/v1/districts/{d1}/participants"),
        &json!({"prm": OTHER, "name": "Pris", "role": "consumer", "share": true}),
    );
    assert_eq!(r.status, 403, "only the programme shares: {}", r.body);
    let listed = orga1.get(&format!("/api/v1/districts/{d1}/participants"));
    assert!(!listed.body.contains(OTHER), "{}", listed.body);

    // 2. Reading its curve.
    let r = orga1.get(&format!("/api/v1/participants/{OTHER}/curve?{RANGE}"));
    assert_eq!(r.status, 404, "{}", r.body);

    // 3. Overwriting it: refused, and district 2 still reads its own values.
    let r = orga1.put_text(
        &format!("/api/v1/participants/{OTHER}/curve?format=csv"),
        &csv_curve("2025-06-02", 9.0),
    );
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(curve_values(&orga2, OTHER).iter().all(|v| *v == 0.25));

    // 4. Creating a login for it.
    let r = orga1.post_json(
        "/api/v1/users",
        &json!({"username": "faux-voisin", "password": USER_PASSWORD, "role": "participant",
                "district_id": d1, "prm": OTHER}),
    );
    assert!(
        r.status == 400 || r.status == 404,
        "{} {}",
        r.status,
        r.body
    );
    assert_eq!(
        app.client()
            .post_json(
                "/api/v1/login",
                &json!({"username": "faux-voisin", "password": USER_PASSWORD})
            )
            .status,
        401
    );
}

#[test]
fn the_programme_shares_a_meter_and_only_it_writes_a_shared_meter() {
    let app = spawn_app();
    let (admin, d1, d2, orga1, orga2) = two_districts(&app);
    let r = admin.post_json(
        &format!("/api/v1/districts/{d1}/participants"),
        &json!({"prm": OTHER, "name": "Partagé", "role": "consumer"}),
    );
    assert_eq!(r.status, 409, "sharing is said, not implied: {}", r.body);
    let r = admin.post_json(
        &format!("/api/v1/districts/{d1}/participants"),
        &json!({"prm": OTHER, "name": "Partagé", "role": "consumer", "share": true}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["shared"], true);

    // Both districts read it; neither organiser alone may change it or give it a login.
    assert_eq!(curve_values(&orga1, OTHER).len(), 48);
    assert_eq!(curve_values(&orga2, OTHER).len(), 48);
    for orga in [&orga1, &orga2] {
        let r = orga.put_text(
            &format!("/api/v1/participants/{OTHER}/curve?format=csv"),
            &csv_curve("2025-06-02", 9.0),
        );
        assert_eq!(r.status, 403, "{}", r.body);
        assert!(r.body.contains("programme team"), "{}", r.body);
    }
    let r = orga2.post_json(
        "/api/v1/users",
        &json!({"username": "voisin", "password": USER_PASSWORD, "role": "participant",
                "district_id": d2, "prm": OTHER}),
    );
    assert_eq!(r.status, 403, "{}", r.body);
    let r = admin.put_text(
        &format!("/api/v1/participants/{OTHER}/curve?format=csv"),
        &csv_curve("2025-06-02", 0.5),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(curve_values(&orga2, OTHER).iter().all(|v| *v == 0.5));

    // A district file naming a held meter is refused unless the programme shares it.
    let text = small_district("Quartier Trois", &[OWN]);
    let r = admin.post_json("/api/v1/districts", &json!({ "toml": text }));
    assert_eq!(r.status, 409, "{}", r.body);
    let r = admin.post_json(
        "/api/v1/districts",
        &json!({ "toml": text, "share_meters": true }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
}

/// A client that says, through the trusted proxy (loopback), that it comes from `ip`.
fn from(app: &TestApp, ip: &str) -> Client {
    let mut c = app.client();
    c.headers.push(format!("X-Forwarded-For: {ip}"));
    c
}

fn login(c: &Client, password: &str) -> Resp {
    c.post_json(
        "/api/v1/login",
        &json!({"username": "admin", "password": password}),
    )
}

#[test]
fn failed_logins_elsewhere_never_lock_the_owner_out() {
    let app = spawn_app_with(|c| {
        c.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    });
    let attacker = from(&app, "198.51.100.9");
    let mut last = None;
    for _ in 0..8 {
        let r = login(&attacker, "wrong-guess-000");
        if r.status == 429 {
            last = Some(r);
            break;
        }
        assert_eq!(r.status, 401, "{}", r.body);
    }
    let held = last.expect("the attacker's address is slowed down");
    let retry: u64 = held.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    assert_eq!(held.json()["status"], 429);

    // The owner, from elsewhere, gets in at once, with the right password only.
    let owner = from(&app, "192.0.2.1");
    assert_eq!(login(&owner, ADMIN_PASSWORD).status, 200);
    // Mixed case and spaces name the same user.
    let r = owner.post_json(
        "/api/v1/login",
        &json!({"username": " Admin", "password": ADMIN_PASSWORD}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // Without a trusted proxy the header is ignored: the attacker cannot pose as the owner.
    let app = spawn_app();
    for _ in 0..8 {
        login(&from(&app, "198.51.100.9"), "wrong-guess-000");
    }
    assert_eq!(login(&from(&app, "192.0.2.1"), ADMIN_PASSWORD).status, 429);
}

#[test]
fn weak_passwords_look_alike_usernames_and_huge_names_are_refused() {
    let app = spawn_app();
    let admin = app.admin();
    let d = admin.create_district(&small_district("Quartier", &[OWN]));
    let user = |name: &str, password: &str| {
        admin.post_json(
            "/api/v1/users",
            &json!({"username": name, "password": password, "role": "organiser",
                    "district_id": d}),
        )
    };
    for weak in ["x", "password123", "azertyuiop", "1234567890"] {
        let r = user("organisatrice", weak);
        assert_eq!(r.status, 422, "{weak}: {}", r.body);
        assert_eq!(r.json()["errors"][0]["path"], "password");
    }
    let r = user("Admin ", USER_PASSWORD);
    assert_eq!(r.status, 409, "`Admin ` is `admin`: {}", r.body);
    let r = user("x y", USER_PASSWORD);
    assert_eq!(r.status, 422, "{}", r.body);
    let r = user("Organisatrice", USER_PASSWORD);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["username"], "organisatrice");

    let huge = "n".repeat(5 * 1024 * 1024);
    let r = admin.post_json(
        &format!("/api/v1/districts/{d}/participants"),
        &json!({"prm": "31000000000009", "name": huge, "role": "consumer"}),
    );
    assert_eq!(r.status, 422);
    assert!(
        r.body.len() < 2_000,
        "the answer is small: {} bytes",
        r.body.len()
    );
}

#[test]
fn district_files_read_only_inside_the_data_folder_and_never_show_its_path() {
    let app = spawn_app();
    let admin = app.admin();
    let data_dir = app.dir.path().join("data").display().to_string();
    for (weather, said) in [
        ("/etc/passwd", "outside the folder"),
        ("../q.db", "outside the folder"),
        ("data/nope.csv", "not found"),
    ] {
        let text = small_district("Ailleurs", &[OWN]).replace("data/tmy.csv", weather);
        let r = admin.post_json("/api/v1/districts", &json!({ "toml": text }));
        assert_eq!(r.status, 422, "{weather}: {}", r.body);
        assert!(r.body.contains(said), "{weather}: {}", r.body);
        assert!(!r.body.contains(&data_dir), "{}", r.body);
    }
}

#[test]
fn job_queues_are_bounded_per_user_and_per_district_and_identical_jobs_merge() {
    let app = spawn_app_with(|c| {
        c.max_jobs_per_user = 2;
        c.max_jobs_per_district = 3;
    });
    let (admin, d1, _d2, orga1, _orga2) = two_districts(&app);
    // Every job slot is held: submitted jobs stay queued while the test counts them.
    let slots = app.state.job_slots.clone();
    let held = slots.clone().try_acquire_many_owned(1).unwrap();
    let sizing = |c: &Client, days: u32| {
        c.post_json(
            &format!("/api/v1/districts/{d1}/sizings"),
            &json!({ "days": days }),
        )
    };
    let first = sizing(&orga1, 1);
    assert_eq!(first.status, 202, "{}", first.body);
    let again = sizing(&orga1, 1);
    assert_eq!(again.status, 202, "{}", again.body);
    assert_eq!(
        again.json()["job_id"],
        first.json()["job_id"],
        "an identical queued job is merged"
    );
    let second = sizing(&orga1, 2);
    assert_eq!(second.status, 202);
    // Its page says how many jobs are ahead of it (the first, waiting for the held slot).
    let page = orga1.get(&format!("/jobs/{}?lang=en", second.json()["job_id"]));
    assert!(
        page.body.contains("Jobs ahead of this one: 1"),
        "{}",
        page.body
    );
    let full = sizing(&orga1, 3);
    assert_eq!(full.status, 429, "{}", full.body);
    assert!(full.header("retry-after").is_some());
    assert!(full.body.contains("cancel one"), "{}", full.body);
    // Another user still has room, until the district's bound.
    assert_eq!(sizing(&admin, 3).status, 202);
    let full = sizing(&admin, 4);
    assert_eq!(full.status, 429, "{}", full.body);
    assert!(full.body.contains("this district"), "{}", full.body);
    // Cancelling one makes room.
    let id = first.json()["job_id"].as_i64().unwrap();
    let r = orga1.request(
        "POST",
        &format!("/api/v1/jobs/{id}/cancel"),
        Some("application/json"),
        b"",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(sizing(&orga1, 5).status, 202);
    drop(held);
}

#[test]
fn huge_option_bodies_are_refused_early_and_answers_stay_small() {
    let app = spawn_app();
    let (_admin, d1, _d2, orga1, _orga2) = two_districts(&app);
    let url = format!("/api/v1/districts/{d1}/sizings");
    let mut fields = serde_json::Map::new();
    for i in 0..4_000 {
        fields.insert(format!("f{i}"), json!(i));
    }
    let r = orga1.post_json(&url, &serde_json::Value::Object(fields));
    assert_eq!(r.status, 422, "{}", r.body.len());
    let errors = r.json()["errors"].as_array().unwrap().len();
    assert!(errors <= 50, "{errors} problems listed");
    assert!(r.body.contains("more unknown fields"), "{}", &r.body[..200]);
    assert!(r.body.len() < 20_000, "{} bytes", r.body.len());

    let big = format!("{{\"days\": 1, \"pad\": \"{}\"}}", "x".repeat(1 << 20));
    let r = orga1.request("POST", &url, Some("application/json"), big.as_bytes());
    assert_eq!(r.status, 413, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
}

#[test]
fn every_response_carries_the_security_headers_and_private_ones_are_not_stored() {
    let app = spawn_app();
    let admin = app.admin();
    for r in [
        app.client().get("/login"),
        admin.get("/districts"),
        admin.get("/api/v1/me"),
        app.client().get("/api/v1/nothing"),
    ] {
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("style-src 'self' 'sha256-"), "{csp}");
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("referrer-policy"), Some("same-origin"));
        assert_eq!(r.header("cache-control"), Some("no-store"));
    }
    let js = app.client().get("/static/job.js");
    assert_eq!(js.status, 200);
    assert!(
        js.header("content-type")
            .unwrap()
            .starts_with("text/javascript")
    );
    // No page holds an inline script any more (the policy would block it).
    let d = admin.create_district(&small_district("Quartier", &[OWN]));
    let r = admin.post_json(&format!("/api/v1/districts/{d}/simulations"), &json!({}));
    let job = r.json()["job_id"].as_i64().unwrap();
    let page = admin.get(&format!("/jobs/{job}"));
    assert!(
        page.body.contains("<script src=\"/static/job.js\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<script>"), "{}", page.body);
    // Nor any style attribute: the policy allows only the server's own sheets, by their hash
    // (the browser test checks that they apply).
    let csp = page.header("content-security-policy").unwrap_or_default();
    assert_eq!(csp.matches("'sha256-").count(), 5, "{csp}");
    for p in [
        page.body.clone(),
        admin.get("/districts").body,
        admin.get(&format!("/districts/{d}")).body,
        admin.get(&format!("/districts/{d}/people")).body,
        admin.get("/programme").body,
    ] {
        assert!(!p.contains(" style="), "{p}");
    }
}

#[test]
fn api_posts_need_json_or_the_csrf_token() {
    let app = spawn_app();
    let admin = app.admin();
    let d = admin.create_district(&small_district("Quartier", &[OWN]));
    let url = format!("/api/v1/districts/{d}/simulations");
    for ct in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let r = admin.request("POST", &url, ct, b"");
        assert_eq!(r.status, 415, "{ct:?}: {}", r.body);
        assert!(r.body.contains("X-CSRF-Token"), "{}", r.body);
    }
    let r = admin.request("POST", "/api/v1/logout", Some("text/plain"), b"");
    assert_eq!(r.status, 415, "{}", r.body);
    let mut with_token = admin.clone();
    with_token
        .headers
        .push("X-CSRF-Token: not-the-token".into());
    assert_eq!(with_token.request("POST", &url, None, b"").status, 415);
    let mut with_token = admin.clone();
    with_token
        .headers
        .push(format!("X-CSRF-Token: {}", admin.csrf.clone().unwrap()));
    assert_eq!(with_token.request("POST", &url, None, b"").status, 202);
    assert_eq!(
        admin
            .request("POST", &url, Some("application/json"), b"")
            .status,
        202
    );
}

#[test]
fn framework_errors_are_problem_details_on_the_api_and_pages_elsewhere() {
    let app = spawn_app();
    let admin = app.admin();
    let r = admin.get("/api/v1/districts/abc");
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    assert_eq!(r.json()["status"], 400);
    let r = admin.request("DELETE", "/api/v1/me", None, b"");
    assert_eq!(r.status, 405, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    assert!(r.header("allow").is_some());
    let r = admin.post_json("/api/v1/districts", &json!({"toml": 1}));
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));

    let r = admin.get("/districts/abc?lang=en");
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.body.contains("Request refused") && !r.body.contains("Requête refusée"));
    let r = admin.get("/districts/abc?lang=fr");
    assert!(r.body.contains("Requête refusée") && !r.body.contains("Request refused"));
}

/// Every operation lists the error statuses every request can meet (the schemathesis run of
/// `.ci/run` checks the answers against them): 400, 404, 500; 401 behind a session; 413, 415
/// and 422 where a body is read; 429 where logins and jobs are throttled; each as problem
/// details.
#[test]
fn every_operation_documents_the_errors_it_can_answer() {
    let doc: serde_json::Value = serde_json::from_str(quartier_web::OPENAPI_JSON).unwrap();
    for (method, path) in quartier_web::API_ROUTES {
        let op = &doc["paths"][path][method];
        let codes: Vec<&str> = op["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} is not documented"))
            .keys()
            .map(String::as_str)
            .collect();
        let mut needed = vec!["500"];
        if *path != "/api/v1/openapi.json" {
            needed.extend(["400", "404", "401"]);
        }
        if ["post", "put", "patch"].contains(method) {
            needed.extend(["413", "415", "422"]);
        }
        if path.ends_with("/simulations")
            || path.ends_with("/allocations")
            || path.ends_with("/optimisations")
            || path.ends_with("/sizings")
            || path.ends_with("/login")
        {
            needed.push("429");
        }
        for code in needed {
            assert!(
                codes.contains(&code),
                "{method} {path} does not list {code}"
            );
            let r = &op["responses"][code]["$ref"];
            assert_eq!(
                r.as_str(),
                Some(format!("#/components/responses/Problem{code}").as_str()),
                "{method} {path} {code}"
            );
        }
    }
    // Every error of every operation is a problem-details response.
    for (method, path) in quartier_web::API_ROUTES {
        for (code, r) in doc["paths"][path][method]["responses"].as_object().unwrap() {
            if code.as_str() >= "400" {
                assert!(r["$ref"].is_string(), "{method} {path} {code}: {r}");
            }
        }
    }
    let p = &doc["components"]["responses"]["Problem429"];
    assert!(p["headers"]["Retry-After"].is_object());
}

#[test]
fn queued_jobs_survive_a_restart_and_an_interrupted_one_can_be_retried() {
    let app = spawn_app();
    let (_admin, d1, _d2, orga1, _orga2) = two_districts(&app);
    let held = app
        .state
        .job_slots
        .clone()
        .try_acquire_many_owned(1)
        .unwrap();
    let submit = |url: &str, body: serde_json::Value| {
        let r = orga1.post_json(url, &body);
        assert_eq!(r.status, 202, "{}", r.body);
        r.json()["job_id"].as_i64().unwrap()
    };
    let running = submit(&format!("/api/v1/districts/{d1}/simulations"), json!({}));
    let queued = submit(
        &format!("/api/v1/districts/{d1}/sizings"),
        json!({"days": 2, "target": "none"}),
    );
    // The first job is caught running when the server dies.
    let store = app.state.store.clone();
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    assert!(rt.block_on(store.set_job_progress(running, 30)).unwrap());
    drop(rt);
    // The server dies with its slot still held: nothing of the first server runs meanwhile.
    let app = restart(app);
    drop(held);
    let orga1 = app.login("orga-un", USER_PASSWORD);

    let (job, _) = wait_job(&orga1, &format!("/api/v1/jobs/{queued}"));
    assert_eq!(
        job["status"], "succeeded",
        "the queued job ran after the restart: {job}"
    );
    assert_eq!(job["options"]["days"], 2);
    let old = orga1.get(&format!("/api/v1/jobs/{running}")).json();
    assert_eq!(old["status"], "failed", "{old}");
    assert!(old["error"].as_str().unwrap().contains("retry"), "{old}");
    let page = orga1.get(&format!("/jobs/{running}?lang=fr"));
    assert!(page.body.contains("Relancer la tâche"), "{}", page.body);
    assert!(page.body.contains("échouée") && !page.body.contains(">failed<"));

    let r = orga1.post_json(&format!("/api/v1/jobs/{running}/retry"), &json!({}));
    assert_eq!(r.status, 202, "{}", r.body);
    let again = r.json()["job_id"].as_i64().unwrap();
    assert_ne!(again, running);
    let (job, _) = wait_job(&orga1, &format!("/api/v1/jobs/{again}"));
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["kind"], "simulation");
    let r = orga1.post_json(&format!("/api/v1/jobs/{again}/retry"), &json!({}));
    assert_eq!(r.status, 409, "a succeeded job is not retried: {}", r.body);
    // The page's buttons do the same: retry the failed job, then cancel the new one.
    let r = orga1.submit(&format!("/jobs/{running}/retry?lang=fr"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let to = r.header("location").unwrap().to_string();
    assert!(
        to.starts_with("/jobs/") && !to.starts_with(&format!("/jobs/{running}?")),
        "{to}"
    );
    let new_id = to
        .trim_start_matches("/jobs/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let r = orga1.submit(&format!("/jobs/{new_id}/cancel?lang=fr"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let r = orga1.post_form(&format!("/jobs/{new_id}/retry?lang=fr"), "csrf=forged");
    assert_eq!(r.status, 403, "a forged form does nothing: {}", r.body);
}

/// The new routes tried with another district's ids: every one answers like a missing id, and
/// nothing of district 2 changes.
#[test]
fn the_erasure_people_and_job_routes_refuse_another_districts_ids() {
    let app = spawn_app();
    let (admin, _d1, d2, orga1, orga2) = two_districts(&app);
    let job = admin.post_json(&format!("/api/v1/districts/{d2}/simulations"), &json!({}));
    let job = job.json()["job_id"].as_i64().unwrap();
    let cancel = orga2.post_json(&format!("/api/v1/jobs/{job}/cancel"), &json!({}));
    assert!(
        cancel.status == 200 || cancel.status == 409,
        "{}",
        cancel.body
    );
    let delete = |path: &str| orga1.request("DELETE", path, None, b"");
    for r in [
        delete(&format!("/api/v1/districts/{d2}/participants/{OTHER}")),
        delete(&format!("/api/v1/districts/{d2}")),
        delete("/api/v1/users/orga-deux"),
        orga1.post_json(&format!("/api/v1/jobs/{job}/retry"), &json!({})),
        orga1.get(&format!("/districts/{d2}/people")),
        orga1.get(&format!("/participants/{OTHER}/coverage")),
        orga1.get("/audit"),
        orga1.submit(
            &format!("/districts/{d2}/people/{OTHER}/erase"),
            &[("confirm", "yes")],
        ),
        orga1.submit(&format!("/districts/{d2}/logins/orga-deux/revoke"), &[]),
        orga1.submit(&format!("/jobs/{job}/retry"), &[]),
        orga1.request(
            "PATCH",
            &format!("/api/v1/districts/{d2}/participants/{OTHER}"),
            Some("application/json"),
            br#"{"name": "pris"}"#,
        ),
        orga1.request(
            "PUT",
            "/api/v1/users/orga-deux/password",
            Some("application/json"),
            br#"{"new_password": "piano tortue lanterne"}"#,
        ),
        orga1.submit(
            &format!("/districts/{d2}/people/{OTHER}/edit"),
            &[("name", "pris"), ("role", "consumer")],
        ),
        orga1.submit(
            &format!("/districts/{d2}/logins/orga-deux/reset"),
            &[("password", "piano tortue lanterne")],
        ),
    ] {
        assert_eq!(r.status, 404, "{}", r.body);
    }
    // District 2 is whole: its meter, its curve, its participant's name, its organiser.
    assert_eq!(curve_values(&orga2, OTHER).len(), 48);
    let list = orga2
        .get(&format!("/api/v1/districts/{d2}/participants"))
        .body;
    assert!(!list.contains("pris"), "{list}");
    assert_eq!(orga2.get("/api/v1/me").status, 200);
    // A huge or malformed body on the new routes: refused whole, nothing changed.
    let own = |c: &Client, m: &str, path: &str, body: &[u8]| {
        c.request(m, path, Some("application/json"), body).status
    };
    let patch = format!("/api/v1/districts/{d2}/participants/{OTHER}");
    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(17 * 1024 * 1024));
    assert_eq!(own(&orga2, "PATCH", &patch, huge.as_bytes()), 413);
    assert_eq!(own(&orga2, "PATCH", &patch, b"{name: 3}"), 400);
    assert_eq!(own(&orga2, "PATCH", &patch, br#"{"colour": "red"}"#), 422);
    let list = orga2
        .get(&format!("/api/v1/districts/{d2}/participants"))
        .body;
    assert!(list.contains(r#""name":"Foyer 0""#), "{list}");
}

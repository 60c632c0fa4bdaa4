//! A call for applications through the API, as the programme team, applicants and reviewers
//! meet it: the call opened, an applicant's account and draft, a PDF attached, the rules
//! checked on submission, reviewers assigned who see only their applications, a conflict
//! declared, scores, the ranking with its spread, the decision, and the selected application
//! become an experiment its applicant sees decided. Anything one may not see answers 404.

mod common;

use chrono::{Duration, Utc};
use common::*;
use serde_json::{Value, json};

fn call(opens: chrono::DateTime<Utc>, closes: chrono::DateTime<Utc>) -> Value {
    json!({
        "title": "Quartiers Métropolitains d'Innovation — appel 2025",
        "themes": ["energy", "mobility"],
        "opens": opens.to_rfc3339(),
        "closes": closes.to_rfc3339(),
        "eligibility": {"communes": ["Meudon-la-Forêt", "Issy-les-Moulineaux"],
                        "max_budget_eur": "300000", "max_months": 24, "min_kpis": 1, "min_documents": 1},
        "questions": [{"key": "innovation", "text": "En quoi est-ce innovant ?", "required": true}],
        "criteria": [{"key": "innovation", "text": "Innovation", "weight_percent": 40},
                     {"key": "impact", "text": "Impact", "weight_percent": 60}]
    })
}

fn form(title: &str, budget: &str) -> Value {
    json!({
        "title": title, "commune": "Meudon-la-Forêt", "district": "Meudon  centre", "theme": "mobility",
        "summary": "Douze vélos-cargos pour les services municipaux.",
        "kpis": [{"name": "cargo-bike distance", "unit": "km", "target": 50000}],
        "budget_eur": budget, "start": "2025-04-01", "months": 24,
        "answers": {"innovation": "Une flotte partagée entre services."}
    })
}

fn pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec()
}

fn id(r: &Resp) -> i64 {
    assert!(r.status == 201 || r.status == 200, "{}", r.body);
    r.json()["id"].as_i64().unwrap()
}

#[test]
fn a_call_from_its_opening_to_a_selected_experiment() {
    let app = spawn_app();
    let admin = app.admin();
    let now = Utc::now();
    // A call with weights that do not add up: every problem, nothing opened.
    let mut bad = call(now - Duration::days(1), now - Duration::days(2));
    bad["criteria"][0]["weight_percent"] = json!(10);
    let r = admin.post_json("/api/v1/calls", &bad);
    assert_eq!(r.status, 422, "{}", r.body);
    let paths = error_paths(&r);
    assert_eq!(paths, vec!["closes", "criteria"]);
    let call_id = id(&admin.post_json(
        "/api/v1/calls",
        &call(now - Duration::days(1), now + Duration::days(30)),
    ));

    // Two applicants create their accounts; a reviewer and a second one are created by the
    // programme.
    for name in ["velos-sas", "autre-sas"] {
        let r = app.client().post_json(
            "/api/v1/applicants",
            &json!({"username": name, "password": USER_PASSWORD}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    for name in ["ana", "bob"] {
        let r = admin.post_json(
            "/api/v1/users",
            &json!({"username": name, "password": USER_PASSWORD, "role": "reviewer"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let velos = app.login("velos-sas", USER_PASSWORD);
    let autre = app.login("autre-sas", USER_PASSWORD);
    let (ana, bob) = (
        app.login("ana", USER_PASSWORD),
        app.login("bob", USER_PASSWORD),
    );
    assert_eq!(velos.get("/api/v1/calls").json()["calls"][0]["open"], true);
    // An applicant sees nothing of districts or experiments.
    assert_eq!(velos.get("/api/v1/experiments").status, 404);
    assert_eq!(
        velos.get("/api/v1/districts").json()["districts"],
        json!([])
    );

    // A draft over budget and without a PDF: the rules say so on submission.
    let a = id(&velos.post_json(
        &format!("/api/v1/calls/{call_id}/applications"),
        &form("Vélos-cargos", "450000"),
    ));
    let r = velos.request(
        "POST",
        &format!("/api/v1/applications/{a}/submit"),
        Some("application/json"),
        b"{}",
    );
    assert_eq!(r.status, 422, "{}", r.body);
    let paths = error_paths(&r);
    assert_eq!(paths, vec!["budget_eur", "documents"]);
    // Not a PDF: refused; a PDF: attached; then the fixed draft is submitted.
    let r = velos.request(
        "POST",
        &format!("/api/v1/applications/{a}/documents?name=deck.pdf"),
        Some("application/pdf"),
        b"<html>",
    );
    assert_eq!(r.status, 422, "{}", r.body);
    let doc = id(&velos.request(
        "POST",
        &format!("/api/v1/applications/{a}/documents?name=deck.pdf"),
        Some("application/pdf"),
        &pdf(),
    ));
    let r = velos.request(
        "PUT",
        &format!("/api/v1/applications/{a}"),
        Some("application/json"),
        form("Vélos-cargos", "120000").to_string().as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = velos.request(
        "POST",
        &format!("/api/v1/applications/{a}/submit"),
        Some("application/json"),
        b"{}",
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // Submitted: it never changes.
    let r = velos.request(
        "PUT",
        &format!("/api/v1/applications/{a}"),
        Some("application/json"),
        form("Autre", "1").to_string().as_bytes(),
    );
    assert_eq!(r.status, 409, "{}", r.body);
    // Another applicant's application.
    let b = id(&autre.post_json(
        &format!("/api/v1/calls/{call_id}/applications"),
        &form("Trottinettes", "80000"),
    ));
    id(&autre.request(
        "POST",
        &format!("/api/v1/applications/{b}/documents?name=b.pdf"),
        Some("application/pdf"),
        &pdf(),
    ));
    assert_eq!(
        autre
            .request(
                "POST",
                &format!("/api/v1/applications/{b}/submit"),
                Some("application/json"),
                b"{}"
            )
            .status,
        200
    );
    // Each applicant sees only their own.
    assert_eq!(velos.get(&format!("/api/v1/applications/{b}")).status, 404);
    assert_eq!(
        velos.get("/api/v1/applications").json()["applications"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Reviewers: assigned by the programme; each sees only their applications.
    for (app_id, who) in [(a, "ana"), (a, "bob"), (b, "ana")] {
        let r = admin.post_json(
            &format!("/api/v1/applications/{app_id}/reviewers"),
            &json!({"username": who}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = admin.post_json(
        &format!("/api/v1/applications/{a}/reviewers"),
        &json!({"username": "velos-sas"}),
    );
    assert_eq!(r.status, 422, "an applicant is no reviewer: {}", r.body);
    assert_eq!(bob.get(&format!("/api/v1/applications/{b}")).status, 404);
    assert_eq!(
        bob.get("/api/v1/applications").json()["applications"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        bob.get(&format!("/api/v1/applications/{a}/documents/{doc}"))
            .body
            .as_bytes(),
        pdf().as_slice()
    );
    // Ana scores both; a score off the scale is refused; Bob declares a conflict.
    let r = ana.request(
        "PUT",
        &format!("/api/v1/applications/{a}/review"),
        Some("application/json"),
        json!({"scores": {"innovation": 9, "impact": 4}})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    for (app_id, scores) in [
        (a, json!({"innovation": 4, "impact": 5})),
        (b, json!({"innovation": 2, "impact": 3})),
    ] {
        let r = ana.request(
            "PUT",
            &format!("/api/v1/applications/{app_id}/review"),
            Some("application/json"),
            json!({"scores": scores, "comments": {"impact": "mesurable"}})
                .to_string()
                .as_bytes(),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = bob.request(
        "PUT",
        &format!("/api/v1/applications/{a}/review"),
        Some("application/json"),
        json!({"conflict": "ancien employeur du candidat"})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    // Declared in conflict, Bob reads the documents no more.
    assert_eq!(
        bob.get(&format!("/api/v1/applications/{a}/documents/{doc}"))
            .status,
        404
    );
    // The applicant sees no review; the programme all.
    assert_eq!(
        velos.get(&format!("/api/v1/applications/{a}")).json()["reviews"],
        json!([])
    );
    assert_eq!(
        admin.get(&format!("/api/v1/applications/{a}")).json()["reviews"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The ranking: a first (40·4/5 + 60·5/5 = 92), b second (16 + 36 = 52), the conflict apart.
    let r = admin.get(&format!("/api/v1/calls/{call_id}/ranking"));
    assert_eq!(r.status, 200, "{}", r.body);
    let ranking = r.json()["ranking"].as_array().unwrap().clone();
    assert_eq!(ranking[0]["application"], a);
    assert_eq!(
        (
            ranking[0]["score"].as_f64(),
            ranking[0]["reviews"].as_u64(),
            ranking[0]["conflicts"].as_u64()
        ),
        (Some(92.0), Some(1), Some(1))
    );
    assert_eq!(ranking[1]["score"].as_f64(), Some(52.0));
    assert_eq!(
        ana.get(&format!("/api/v1/calls/{call_id}/ranking")).status,
        403
    );

    // The decision: a selected, b on the waiting list; a becomes an experiment, on the
    // server's district the application names (its name written another way).
    let district = admin.create_district(&small_district("Meudon Centre", &["30000000000007"]));
    let r = admin.post_json(
        &format!("/api/v1/applications/{a}/decision"),
        &json!({"decision": "selected", "district_id": 999_999}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["path"], "district_id");
    let r = admin.post_json(
        &format!("/api/v1/applications/{a}/decision"),
        &json!({"decision": "selected", "experiment": "meudon-velos-cargos-2025"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["experiment"], "meudon-velos-cargos-2025");
    assert_eq!(r.json()["district"]["id"], district);
    // Its organiser sees it, on that district.
    admin.create_user("orga-centre", "organiser", district, None);
    let orga = app.login("orga-centre", USER_PASSWORD);
    let seen = orga.get("/api/v1/experiments/meudon-velos-cargos-2025");
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert_eq!(seen.json()["district"], "Meudon Centre");
    assert_eq!(
        admin
            .post_json(
                &format!("/api/v1/applications/{b}/decision"),
                &json!({"decision": "maybe"})
            )
            .status,
        422
    );
    assert_eq!(
        admin
            .post_json(
                &format!("/api/v1/applications/{b}/decision"),
                &json!({"decision": "waiting-list"})
            )
            .status,
        200
    );
    let mine = velos.get(&format!("/api/v1/applications/{a}")).json();
    assert_eq!(
        (mine["status"].as_str(), mine["experiment"].as_str()),
        (Some("selected"), Some("meudon-velos-cargos-2025"))
    );
    assert_eq!(
        autre.get(&format!("/api/v1/applications/{b}")).json()["status"],
        "waiting-list"
    );
    let e = admin
        .get("/api/v1/experiments/meudon-velos-cargos-2025")
        .json();
    assert_eq!(
        (e["commune"].as_str(), e["theme"].as_str()),
        (Some("Meudon-la-Forêt"), Some("mobility"))
    );
    assert_eq!(e["indicators"][0]["name"], "cargo-bike distance");
    assert_eq!(e["indicators"][0]["target"], 50000.0);
    // Reviews close with the decision.
    let r = ana.request(
        "PUT",
        &format!("/api/v1/applications/{a}/review"),
        Some("application/json"),
        json!({"scores": {"innovation": 1, "impact": 1}})
            .to_string()
            .as_bytes(),
    );
    assert_eq!(r.status, 409, "{}", r.body);
}

#[test]
fn after_the_deadline_nothing_is_submitted() {
    let app = spawn_app();
    let admin = app.admin();
    let now = Utc::now();
    let open = id(&admin.post_json(
        "/api/v1/calls",
        &call(now - Duration::days(30), now + Duration::days(1)),
    ));
    let closed = id(&admin.post_json(
        "/api/v1/calls",
        &call(now - Duration::days(30), now - Duration::days(1)),
    ));
    app.client().post_json(
        "/api/v1/applicants",
        &json!({"username": "late-sas", "password": USER_PASSWORD}),
    );
    let late = app.login("late-sas", USER_PASSWORD);
    let r = late.post_json(
        &format!("/api/v1/calls/{closed}/applications"),
        &form("Trop tard", "1000"),
    );
    assert_eq!(r.status, 409, "{}", r.body);
    assert!(r.body.contains("the call is not open"));
    let a = id(&late.post_json(
        &format!("/api/v1/calls/{open}/applications"),
        &form("À temps", "1000"),
    ));
    assert_eq!(
        late.post_json(
            &format!("/api/v1/calls/{open}/applications"),
            &json!({"surprise": 1})
        )
        .status,
        422
    );
    assert_eq!(
        admin
            .post_json(
                &format!("/api/v1/calls/{open}/applications"),
                &form("x", "1")
            )
            .status,
        403
    );
    // Only the programme opens calls and reads rankings.
    assert_eq!(
        late.post_json("/api/v1/calls", &call(now, now + Duration::days(1)))
            .status,
        403
    );
    assert_eq!(
        late.get(&format!("/api/v1/calls/{open}/ranking")).status,
        403
    );
    let _ = a;
}

#[test]
fn sign_ups_from_one_address_are_throttled() {
    // Each sign-up costs a slow password hash: past the hour's allowance, an address waits.
    let app = spawn_app_with(|c| c.signups_per_hour = 2);
    let sign_up = |name: &str| {
        app.client().post_json(
            "/api/v1/applicants",
            &json!({"username": name, "password": USER_PASSWORD}),
        )
    };
    assert_eq!(sign_up("first-sas").status, 201);
    assert_eq!(sign_up("second-sas").status, 201);
    let r = sign_up("third-sas");
    assert_eq!(r.status, 429, "{}", r.body);
    assert!(r.body.contains("retry in"), "{}", r.body);
    // A refused form costs no hash and counts nothing: it still says what was wrong.
    let r = app.client().post_json(
        "/api/v1/applicants",
        &json!({"username": "x", "password": "short"}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
}

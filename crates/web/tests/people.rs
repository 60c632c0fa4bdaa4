//! Erase on request (RGPD) and the audit log: a participant erased leaves no row, login,
//! session or curve behind; logins are revoked; one's password is changed; a district is
//! deleted with everything only it held; every change is in the audit log, read by the
//! programme only.

mod common;

use common::*;
use serde_json::json;

const A: &str = "30000000000001";
const B: &str = "30000000000002";
const RANGE: &str = "from=2025-06-01T00:00:00Z&to=2025-06-04T00:00:00Z";

/// District "Les Tilleuls" with A and B (logins alice and bruno), curves for both, and an
/// organiser olivia: (district, admin, olivia, alice).
fn setup(app: &TestApp) -> (i64, Client, Client, Client) {
    let (id, admin, alice, _bruno) = two_households(app, A, B);
    for prm in [A, B] {
        let r = admin.put_text(
            &format!("/api/v1/participants/{prm}/curve?format=csv"),
            &csv_curve("2025-06-02", 0.5),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    admin.create_user("olivia", "organiser", id, None);
    let olivia = app.login("olivia", USER_PASSWORD);
    (id, admin, olivia, alice)
}

fn delete(c: &Client, path: &str) -> Resp {
    c.request("DELETE", path, None, b"")
}

fn login_status(app: &TestApp, user: &str, password: &str) -> u16 {
    app.client()
        .post_json(
            "/api/v1/login",
            &json!({"username": user, "password": password}),
        )
        .status
}

#[test]
fn an_erased_participant_leaves_no_row_login_session_or_curve() {
    let app = spawn_app();
    let (id, admin, olivia, alice) = setup(&app);
    let r = delete(&olivia, &format!("/api/v1/districts/{id}/participants/{A}"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"participants": 1, "logins": 1, "curve_points": 48})
    );
    assert_eq!(alice.get("/api/v1/me").status, 401, "her session ended");
    assert_eq!(login_status(&app, "alice", USER_PASSWORD), 401);
    let r = admin.get(&format!("/api/v1/participants/{A}/curve?{RANGE}"));
    assert_eq!(r.status, 404, "the meter is gone: {}", r.body);
    let list = olivia.get(&format!("/api/v1/districts/{id}/participants"));
    assert!(!list.body.contains(A), "{}", list.body);
    // Bruno is untouched.
    assert_eq!(login_status(&app, "bruno", USER_PASSWORD), 200);
    // Twice is 404; a participant cannot erase anyone (403: their district is no secret).
    let again = delete(&olivia, &format!("/api/v1/districts/{id}/participants/{A}"));
    assert_eq!(again.status, 404);
    let bruno = app.login("bruno", USER_PASSWORD);
    let r = delete(&bruno, &format!("/api/v1/districts/{id}/participants/{B}"));
    assert_eq!(r.status, 403, "{}", r.body);

    // The audit log names who did it; only the programme reads it.
    let log = admin.get("/api/v1/audit").json();
    let entry = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == format!("DELETE /api/v1/districts/{id}/participants/(erased)"))
        .unwrap_or_else(|| panic!("{log}"));
    assert_eq!(entry["username"], "olivia");
    assert_eq!(entry["status"], 200);
    // The erased meter is gone from every entry, its uploads included.
    assert!(!log.to_string().contains(A), "{log}");
    assert!(
        log.to_string()
            .contains("PUT /api/v1/participants/(erased)/curve"),
        "{log}"
    );
    assert!(
        log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == format!("PUT /api/v1/participants/{B}/curve")),
        "uploads are changes too: {log}"
    );
    assert!(
        !log.to_string()
            .contains("DELETE /api/v1/districts/1/participants/30000000000002"),
        "refused attempts change nothing and are not changes"
    );
    assert_eq!(olivia.get("/api/v1/audit").status, 404);
    assert_eq!(bruno.get("/api/v1/audit").status, 404);
}

#[test]
fn logins_are_listed_and_revoked_by_who_manages_them() {
    let app = spawn_app();
    let (_id, admin, olivia, alice) = setup(&app);
    let users = olivia.get("/api/v1/users").json();
    let names: Vec<&str> = users["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["alice", "bruno"],
        "an organiser sees their participants"
    );
    assert_eq!(alice.get("/api/v1/users").status, 404);
    assert_eq!(delete(&olivia, "/api/v1/users/admin").status, 404);
    assert_eq!(delete(&alice, "/api/v1/users/bruno").status, 404);
    let r = delete(&admin, "/api/v1/users/admin");
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(delete(&olivia, "/api/v1/users/alice").status, 204);
    assert_eq!(alice.get("/api/v1/me").status, 401);
    assert_eq!(login_status(&app, "alice", USER_PASSWORD), 401);
    assert_eq!(delete(&admin, "/api/v1/users/olivia").status, 204);
    assert_eq!(olivia.get("/api/v1/me").status, 401);
    // A revoked login's name is gone from the audit log: their own changes stay, by "(erased)".
    let log = admin.get("/api/v1/audit").body;
    assert!(!log.contains("alice") && !log.contains("olivia"), "{log}");
    assert!(log.contains("DELETE /api/v1/users/(erased)"), "{log}");
    assert!(log.contains("\"username\":\"(erased)\""), "{log}");
}

/// The JSON API edits a participant and resets another user's password, under the same rules
/// as the people page.
#[test]
fn a_participant_is_edited_and_a_password_reset_through_the_api() {
    let app = spawn_app();
    let (id, admin, olivia, alice) = setup(&app);
    let path = format!("/api/v1/districts/{id}/participants/{A}");
    let r = olivia.request(
        "PATCH",
        &path,
        Some("application/json"),
        br#"{"role": "prosumer"}"#,
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["role"], "prosumer");
    assert_eq!(
        r.json()["name"],
        "Foyer 0",
        "the name not sent is kept: {}",
        r.body
    );
    let r = olivia.request(
        "PATCH",
        &path,
        Some("application/json"),
        br#"{"name": "  Famille Martin ", "role": "grid"}"#,
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("role"), "{}", r.body);
    let list = olivia
        .get(&format!("/api/v1/districts/{id}/participants"))
        .body;
    assert!(
        list.contains("prosumer") && !list.contains("Famille"),
        "all or nothing: {list}"
    );
    let r = alice.request(
        "PATCH",
        &path,
        Some("application/json"),
        br#"{"name": "x"}"#,
    );
    assert_eq!(r.status, 403, "a participant edits nobody: {}", r.body);
    let r = olivia.request(
        "PATCH",
        &format!("/api/v1/districts/{id}/participants/39999999999999"),
        Some("application/json"),
        br#"{"name": "x"}"#,
    );
    assert_eq!(r.status, 404, "{}", r.body);

    let reset = |c: &Client, user: &str, pw: &str| {
        c.request(
            "PUT",
            &format!("/api/v1/users/{user}/password"),
            Some("application/json"),
            json!({ "new_password": pw }).to_string().as_bytes(),
        )
    };
    let fresh = "piano tortue lanterne";
    assert_eq!(
        reset(&olivia, "alice", "alice12345").status,
        422,
        "too weak"
    );
    assert_eq!(
        reset(&olivia, "admin", fresh).status,
        404,
        "not hers to manage"
    );
    assert_eq!(reset(&alice, "bruno", fresh).status, 404);
    assert_eq!(
        reset(&admin, "admin", fresh).status,
        403,
        "one's own goes through /me"
    );
    assert_eq!(reset(&olivia, "alice", fresh).status, 204);
    assert_eq!(alice.get("/api/v1/me").status, 401, "her sessions ended");
    assert_eq!(login_status(&app, "alice", USER_PASSWORD), 401);
    assert_eq!(login_status(&app, "alice", fresh), 200);
}

#[test]
fn one_changes_ones_own_password_and_other_sessions_end() {
    let app = spawn_app();
    let (_id, _admin, _olivia, alice) = setup(&app);
    let elsewhere = app.login("alice", USER_PASSWORD);
    let change = |current: &str, new: &str| {
        alice.request(
            "PUT",
            "/api/v1/me/password",
            Some("application/json"),
            json!({"current_password": current, "new_password": new})
                .to_string()
                .as_bytes(),
        )
    };
    let r = change("not-my-password", "a new long passphrase 42");
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["path"], "current_password");
    let r = change(USER_PASSWORD, "password123");
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(r.json()["errors"][0]["path"], "new_password");
    assert_eq!(
        change(USER_PASSWORD, "a new long passphrase 42").status,
        204
    );
    assert_eq!(alice.get("/api/v1/me").status, 200, "this session goes on");
    assert_eq!(elsewhere.get("/api/v1/me").status, 401, "the others end");
    assert_eq!(login_status(&app, "alice", USER_PASSWORD), 401);
    assert_eq!(login_status(&app, "alice", "a new long passphrase 42"), 200);
}

#[test]
fn a_deleted_district_takes_its_participants_logins_curves_and_files() {
    let app = spawn_app();
    let (id, admin, olivia, alice) = setup(&app);
    write_community_curves(&app, id, |_| 1.0);
    let folder = app.dir.path().join(format!("data/communities/{id}"));
    assert!(folder.exists());
    let r = delete(&olivia, &format!("/api/v1/districts/{id}"));
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(
        delete(&alice, &format!("/api/v1/districts/{id}")).status,
        403
    );
    let r = delete(&admin, &format!("/api/v1/districts/{id}"));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json(),
        json!({"participants": 2, "logins": 3, "curve_points": 96})
    );
    assert_eq!(admin.get(&format!("/api/v1/districts/{id}")).status, 404);
    assert_eq!(olivia.get("/api/v1/me").status, 401);
    assert_eq!(login_status(&app, "bruno", USER_PASSWORD), 401);
    assert!(!folder.exists(), "the community folder is gone");
    let r = admin.get(&format!("/api/v1/participants/{B}/curve?{RANGE}"));
    assert_eq!(r.status, 404);
    // The same meter may now join another district.
    let other = admin.create_district(&small_district("Ailleurs", &[A]));
    assert!(other > id);
}

#[test]
fn the_people_screens_add_edit_erase_and_manage_logins_in_the_pages_language() {
    let app = spawn_app();
    let (id, admin, olivia, _alice) = setup(&app);
    let people = format!("/districts/{id}/people");
    let page = olivia.get(&format!("{people}?lang=fr"));
    assert_eq!(page.status, 200, "{}", page.body);
    for said in [
        "Participants et accès",
        "consommateur",
        "48 points",
        "Créer l'accès",
    ] {
        assert!(page.body.contains(said), "{said}: {}", page.body);
    }
    assert!(page.body.contains(&format!("/participants/{A}/coverage")));
    let en = olivia.get(&format!("{people}?lang=en"));
    assert!(en.body.contains("consumer") && !en.body.contains("consommateur"));

    // Add, edit, erase (only once confirmed).
    const C: &str = "30000000000003";
    let r = olivia.submit(
        &format!("{people}/add?lang=fr"),
        &[("prm", C), ("name", "Foyer Carla"), ("role", "producer")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let r = olivia.submit(
        &format!("{people}/{A}/edit?lang=fr"),
        &[("name", "Foyer d'Alice"), ("role", "prosumer")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let page = olivia.get(&format!("{people}?lang=fr")).body;
    assert!(
        page.contains("Foyer Carla") && page.contains("producteur"),
        "{page}"
    );
    assert!(page.contains("Foyer d&#39;Alice") && page.contains("producteur-consommateur"));
    let r = olivia.submit(&format!("{people}/{B}/erase?lang=fr"), &[]);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("cochez la case"), "{}", r.body);
    assert_eq!(
        login_status(&app, "bruno", USER_PASSWORD),
        200,
        "nothing erased"
    );
    let r = olivia.submit(
        &format!("{people}/{B}/erase?lang=fr"),
        &[("confirm", "yes")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(login_status(&app, "bruno", USER_PASSWORD), 401);
    // Without the token, nothing happens.
    let r = olivia.post_form(
        &format!("{people}/add"),
        "csrf=x&prm=30000000000004&name=x&role=consumer",
    );
    assert_eq!(r.status, 403, "{}", r.body);

    // Logins: create, reset (every session ends), revoke.
    let r = olivia.submit(
        &format!("/districts/{id}/logins/add?lang=fr"),
        &[
            ("username", "Carla"),
            ("password", USER_PASSWORD),
            ("role", "participant"),
            ("prm", C),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let carla = app.login("carla", USER_PASSWORD);
    let r = olivia.submit(
        &format!("/districts/{id}/logins/carla/reset?lang=fr"),
        &[("password", "another long passphrase 7")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(carla.get("/api/v1/me").status, 401);
    assert_eq!(
        login_status(&app, "carla", "another long passphrase 7"),
        200
    );
    let r = olivia.submit(&format!("/districts/{id}/logins/admin/revoke?lang=fr"), &[]);
    assert_eq!(r.status, 404, "not hers to revoke");
    let r = olivia.submit(&format!("/districts/{id}/logins/carla/revoke?lang=fr"), &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        login_status(&app, "carla", "another long passphrase 7"),
        401
    );

    // The coverage of A's curve: one local day.
    let cov = olivia.get(&format!("/participants/{A}/coverage?lang=en"));
    assert_eq!(cov.status, 200, "{}", cov.body);
    assert!(cov.body.contains("2 Jun 2025 (1 day)"), "{}", cov.body);
    let cov = olivia.get(&format!("/participants/{A}/coverage?lang=fr"));
    assert!(cov.body.contains("2 juin 2025 (1 jour)"), "{}", cov.body);

    // The audit page: the programme's only.
    let audit = admin.get("/audit?lang=fr");
    assert_eq!(audit.status, 200);
    assert!(audit.body.contains("olivia") && audit.body.contains("Journal des modifications"));
    assert!(
        audit
            .body
            .contains(&format!("POST {people}/(erased)/erase"))
            && !audit.body.contains(B),
        "{}",
        audit.body
    );
    assert_eq!(olivia.get("/audit").status, 404);
}

#[test]
fn the_account_page_changes_ones_password() {
    let app = spawn_app();
    let (_id, _admin, _olivia, alice) = setup(&app);
    let page = alice.get("/account?lang=en");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Change the password"), "{}", page.body);
    let r = alice.submit(
        "/account?lang=en",
        &[
            ("current_password", "wrong-password-1"),
            ("new_password", "a fresh long passphrase"),
        ],
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("current password is wrong"), "{}", r.body);
    let r = alice.submit(
        "/account?lang=en",
        &[
            ("current_password", USER_PASSWORD),
            ("new_password", "a fresh long passphrase"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(login_status(&app, "alice", "a fresh long passphrase"), 200);
}

/// A form's refusal is said in the page's language: what is wrong, with which field, and what
/// is expected; the API keeps English.
#[test]
fn a_refused_form_says_why_in_the_pages_language() {
    let app = spawn_app();
    let (id, _admin, olivia, _alice) = setup(&app);
    let fields = [
        ("username", "Émile"),
        ("password", "azerty"),
        ("role", "participant"),
        ("prm", "123"),
    ];
    let fr = olivia.submit(&format!("/districts/{id}/logins/add?lang=fr"), &fields);
    assert_eq!(fr.status, 422, "{}", fr.body);
    for text in [
        "Identifiant",
        "pas un identifiant valide",
        "attendu",
        "lettres a-z",
    ] {
        assert!(fr.body.contains(text), "{text}: {}", fr.body);
    }
    for english in ["is not a valid username", "expected", "letters"] {
        assert!(!fr.body.contains(english), "{english}: {}", fr.body);
    }
    let en = olivia.submit(&format!("/districts/{id}/logins/add?lang=en"), &fields);
    assert!(en.body.contains("is not a valid username"), "{}", en.body);
    let fr = olivia.submit(
        &format!("/districts/{id}/people/add?lang=fr"),
        &[("prm", "12"), ("name", " "), ("role", "grid")],
    );
    for text in [
        "pas un PRM",
        "14 chiffres",
        "le nom est vide",
        "rôle inconnu",
    ] {
        assert!(fr.body.contains(text), "{text}: {}", fr.body);
    }
    let api = olivia.post_json(
        &format!("/api/v1/districts/{id}/participants"),
        &json!({"prm": "12", "name": "x", "role": "consumer"}),
    );
    assert!(api.body.contains("is not a PRM"), "{}", api.body);
}

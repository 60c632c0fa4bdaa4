//! The energy community of a district: attach a community file, allocate, read per role.

mod common;

use common::*;
use serde_json::json;

const A: &str = COMMUNITY_A;
const B: &str = COMMUNITY_B;
const P: &str = COMMUNITY_P;

/// Writes the members' curves into the data folder: a PV producer (a bell from 6 to 18 h
/// UTC) and two consumers.
fn write_curves(app: &TestApp, district: i64) {
    write_community_curves(app, district, |i| {
        let h = (i % 48) as f64 / 2.0;
        if (6.0..18.0).contains(&h) {
            6.0 * (std::f64::consts::PI * (h - 6.0) / 12.0).sin()
        } else {
            0.0
        }
    });
}

/// A district with consumers A and B and producer P (added through the API), an organiser
/// and logins for A and B: (district id, organiser, A, B).
fn setup(app: &TestApp) -> (i64, Client, Client, Client) {
    let admin = app.admin();
    let id = admin.create_district(&small_district("Les Tilleuls", &[A, B]));
    let r = admin.post_json(
        &format!("/api/v1/districts/{id}/participants"),
        &json!({"prm": P, "name": "Toiture de l'école", "role": "producer"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let users = [
        ("olga", "organiser", None),
        ("alice", "participant", Some(A)),
        ("bruno", "participant", Some(B)),
    ];
    for (user, role, prm) in users {
        admin.create_user(user, role, id, prm);
    }
    write_curves(app, id);
    (
        id,
        app.login("olga", USER_PASSWORD),
        app.login("alice", USER_PASSWORD),
        app.login("bruno", USER_PASSWORD),
    )
}

/// Polls a job until it is final; returns its JSON.
fn wait(c: &Client, job: i64) -> serde_json::Value {
    for _ in 0..1200 {
        let j = c.get(&format!("/api/v1/jobs/{job}")).json();
        if !matches!(j["status"].as_str(), Some("queued" | "running")) {
            return j;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("job {job} did not finish");
}

fn allocate(c: &Client, id: i64) -> serde_json::Value {
    let r = c.post_json(&format!("/api/v1/districts/{id}/allocations"), &json!({}));
    assert_eq!(r.status, 202, "{}", r.body);
    let j = wait(c, r.json()["job_id"].as_i64().unwrap());
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["kind"], "allocation");
    j
}

#[test]
fn organiser_sees_every_member_and_a_participant_only_their_own() {
    let app = spawn_app();
    let (id, olga, alice, bruno) = setup(&app);
    let url = format!("/api/v1/districts/{id}/community");
    assert_eq!(olga.get(&url).json()["attached"], false);

    let r = olga.put_text(&url, &community_toml());
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["members"], 3);
    assert_eq!(
        alice.put_text(&url, &community_toml()).status,
        403,
        "a participant does not attach"
    );
    assert_eq!(
        alice
            .post_json(&format!("/api/v1/districts/{id}/allocations"), &json!({}))
            .status,
        403
    );
    allocate(&olga, id);

    // The organiser: every member, the producer, the totals.
    let all = olga.get(&url).json();
    let a = &all["allocation"];
    let ids: Vec<&str> = a["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [A, B, P]);
    assert_eq!(a["months"], json!(["2025-06"]));
    let t = &a["totals"];
    let prod = t["production_kwh"].as_f64().unwrap();
    let cons = t["consumption_kwh"].as_f64().unwrap();
    let selfc = t["self_consumed_kwh"].as_f64().unwrap();
    assert!((cons - 3.0 * 48.0 * 1.5).abs() < 1e-6, "{cons}");
    assert!(selfc > 0.0 && selfc <= prod.min(cons) + 1e-6);
    assert!((t["self_sufficiency_rate"].as_f64().unwrap() - selfc / cons).abs() < 1e-9);
    let p_month = &a["members"][2]["months"][0]["producer"];
    assert!((p_month["production_kwh"].as_f64().unwrap() - prod).abs() < 1e-6);

    // Participant A: only A, no totals, nothing of B or P anywhere.
    let r = alice.get(&url);
    assert_eq!(r.status, 200);
    assert!(!r.body.contains(B) && !r.body.contains(P), "{}", r.body);
    let mine = r.json();
    let members = mine["allocation"]["members"].as_array().unwrap();
    assert_eq!(members.len(), 1);
    assert_eq!(members[0]["id"], A);
    assert!(mine["allocation"]["totals"].is_null());
    assert!(mine["allocation"]["monthly"].as_array().unwrap().is_empty());
    let month = &members[0]["months"][0];
    let c = &month["consumer"];
    assert!(
        (c["allocated_kwh"].as_f64().unwrap() + c["complement_kwh"].as_f64().unwrap()
            - c["consumption_kwh"].as_f64().unwrap())
        .abs()
            < 1e-6
    );

    // Bills: A reads A's, not B's nor P's (404 like a missing bill); the organiser reads all.
    let bill = |m: &str| format!("/districts/{id}/community/bills/{m}/2025-06");
    assert_eq!(month["bill_url"], bill(A));
    let r = alice.get(&bill(A));
    assert_eq!(r.status, 200);
    assert!(r.body.contains(A) && !r.body.contains(B), "A's bill only");
    assert_eq!(alice.get(&bill(B)).status, 404);
    assert_eq!(alice.get(&bill(P)).status, 404);
    assert_eq!(
        alice
            .get(&format!("/districts/{id}/community/bills/{A}/2025-07"))
            .status,
        404
    );
    assert_eq!(bruno.get(&bill(A)).status, 404);
    assert_eq!(bruno.get(&bill(B)).status, 200);
    for m in [A, B, P] {
        assert_eq!(olga.get(&bill(m)).status, 200, "{m}");
    }

    // Pages: the organiser's lists everyone with the chart; A's only A.
    let page = olga.get(&format!("/districts/{id}/community?lang=en"));
    assert_eq!(page.status, 200);
    for m in [A, B, P] {
        assert!(page.body.contains(m), "{m}");
    }
    assert!(
        page.body.contains("Consumption covered by the operation") && page.body.contains("<svg")
    );
    let svg_start = page.body.find("<svg").unwrap();
    let svg_end = page.body[svg_start..].find("</svg>").unwrap() + svg_start + 6;
    quartier_report::svg::check_well_formed(&page.body[svg_start..svg_end]).unwrap();
    let page = alice.get(&format!("/districts/{id}/community?lang=fr"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains(A) && page.body.contains("Facture"));
    assert!(!page.body.contains(B) && !page.body.contains(P));
    let page = olga.get(&format!("/districts/{id}?lang=en"));
    assert!(page.body.contains(&format!("/districts/{id}/community")));
}

#[test]
fn another_district_does_not_see_the_community() {
    let app = spawn_app();
    let (id, olga, ..) = setup(&app);
    let url = format!("/api/v1/districts/{id}/community");
    assert_eq!(olga.put_text(&url, &community_toml()).status, 200);
    allocate(&olga, id);
    let admin = app.admin();
    let other = admin.create_district(&small_district("Ailleurs", &["30000000000050"]));
    admin.create_user("zoe", "organiser", other, None);
    let zoe = app.login("zoe", USER_PASSWORD);
    assert_eq!(zoe.get(&url).status, 404);
    assert_eq!(zoe.put_text(&url, &community_toml()).status, 404);
    assert_eq!(
        zoe.get(&format!("/districts/{id}/community/bills/{A}/2025-06"))
            .status,
        404
    );
    assert_eq!(zoe.get(&format!("/districts/{id}/community")).status, 404);
    assert_eq!(
        zoe.post_json(
            &format!("/api/v1/districts/{other}/allocations"),
            &json!({})
        )
        .status,
        409,
        "no community attached to zoe's district"
    );
}

#[test]
fn malformed_community_file_is_refused_with_line_and_field_and_nothing_is_stored() {
    let app = spawn_app();
    let (id, olga, ..) = setup(&app);
    let url = format!("/api/v1/districts/{id}/community");
    let versions = format!("/api/v1/districts/{id}/community/versions");
    let count = || {
        olga.get(&versions).json()["versions"]
            .as_array()
            .unwrap()
            .len()
    };

    let bad = community_toml().replace("local_eur_per_kwh = 0.10", "local_eur_per_kwh = \"cheap\"");
    let r = olga.put_text(&url, &bad);
    assert_eq!(r.status, 422, "{}", r.body);
    let errors = r.json()["errors"].as_array().unwrap().clone();
    let e = errors
        .iter()
        .find(|e| e["path"] == "prices.local_eur_per_kwh")
        .unwrap_or_else(|| panic!("{errors:?}"));
    assert_eq!(e["line"], 5);
    assert_eq!(count(), 0, "nothing stored");
    assert_eq!(olga.get(&url).json()["attached"], false);

    let missing = community_toml().replace(&format!("curves/{B}.csv"), "curves/nobody.csv");
    let r = olga.put_text(&url, &missing);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("nobody.csv"), "{}", r.body);
    assert_eq!(count(), 0);

    // A valid file, then a bad one: the valid one stays.
    assert_eq!(olga.put_text(&url, &community_toml()).status, 200);
    assert_eq!(olga.put_text(&url, "[operation\n").status, 422);
    assert_eq!(count(), 1);
    assert_eq!(olga.get(&format!("{versions}/1")).body, community_toml());
}

/// Regression: allocation runs share the runs table with simulations, and the district page
/// showed the latest run whatever its kind.
#[test]
fn the_district_page_still_shows_the_simulation_after_an_allocation() {
    let app = spawn_app();
    let (id, olga, ..) = setup(&app);
    let r = olga.post_json(&format!("/api/v1/districts/{id}/simulations"), &json!({}));
    assert_eq!(r.status, 202, "{}", r.body);
    let sim = wait(&olga, r.json()["job_id"].as_i64().unwrap());
    assert_eq!(sim["status"], "succeeded", "{sim}");
    let sim_run = sim["run_id"].as_i64().unwrap();
    assert_eq!(
        olga.put_text(
            &format!("/api/v1/districts/{id}/community"),
            &community_toml()
        )
        .status,
        200
    );
    let alloc = allocate(&olga, id);
    assert_ne!(alloc["run_id"].as_i64().unwrap(), sim_run);
    let page = olga.get(&format!("/districts/{id}?lang=en"));
    assert_eq!(page.status, 200);
    assert!(
        page.body
            .contains(&format!("/api/v1/runs/{sim_run}/timeseries.csv")),
        "the simulation run is shown"
    );
}

/// The community of [`community_toml`] with consumers A and B reading their uploaded meter
/// curves instead of files.
/// Every problem message of a 422 answer, one per line.
fn messages(r: &Resp) -> String {
    r.json()["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|x| {
                    format!(
                        "{}: {}",
                        x["path"].as_str().unwrap_or(""),
                        x["message"].as_str().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

fn stored_toml() -> String {
    community_toml()
        .replace(
            &format!("curve = {{ file = \"curves/{A}.csv\" }}"),
            "curve = { stored = true }",
        )
        .replace(
            &format!("curve = {{ file = \"curves/{B}.csv\" }}"),
            "curve = { stored = true }",
        )
}

#[test]
fn members_curves_may_be_their_uploaded_meter_curves_and_give_the_same_allocation() {
    let app = spawn_app();
    let (id, olga, ..) = setup(&app);
    let url = format!("/api/v1/districts/{id}/community");
    assert_eq!(olga.put_text(&url, &community_toml()).status, 200);
    allocate(&olga, id);
    let from_files = olga.get(&url).json()["allocation"]["totals"].clone();

    // Before any upload, the stored curves are missing: refused, with the member named.
    let r = olga.put_text(&url, &stored_toml());
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        messages(&r).contains(&format!(
            "members[0].curve.stored: member {A}: no meter curve uploaded for it yet"
        )),
        "{}",
        r.body
    );

    // The PMO uploads the same curves as the files (generic CSV, UTC): same allocation.
    for prm in [A, B] {
        let file = app
            .dir
            .path()
            .join(format!("data/communities/{id}/curves/{prm}.csv"));
        let text = std::fs::read_to_string(file).unwrap();
        let r = olga.put_text(
            &format!("/api/v1/participants/{prm}/curve?format=csv"),
            &text,
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = olga.put_text(&url, &stored_toml());
    assert_eq!(r.status, 200, "{}", r.body);
    allocate(&olga, id);
    let from_store = olga.get(&url).json()["allocation"]["totals"].clone();
    assert_eq!(from_store, from_files);
}

#[test]
fn a_community_reads_only_its_own_folder_and_its_own_participants_meters() {
    let app = spawn_app();
    let (id, olga, ..) = setup(&app);
    let url = format!("/api/v1/districts/{id}/community");
    // Another district with a participant whose curve is uploaded.
    let admin = app.admin();
    let other = admin.create_district(&small_district("Voisins", &["30000000000077"]));
    let r = admin.put_text(
        "/api/v1/participants/30000000000077/curve?format=csv",
        &community_curve(|_| 3.0),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    std::fs::create_dir_all(app.dir.path().join(format!("data/communities/{other}"))).unwrap();
    std::fs::write(
        app.dir
            .path()
            .join(format!("data/communities/{other}/secret.csv")),
        community_curve(|_| 3.0),
    )
    .unwrap();
    let secret = app
        .dir
        .path()
        .join(format!("data/communities/{other}/secret.csv"));
    for (file, why) in [
        (
            format!("../{other}/secret.csv"),
            format!("file \"../{other}/secret.csv\" is outside the folder this file may read"),
        ),
        (
            secret.display().to_string(),
            "is outside the folder this file may read".to_string(),
        ),
    ] {
        let text = community_toml().replace(&format!("curves/{B}.csv"), &file);
        let r = olga.put_text(&url, &text);
        assert_eq!(r.status, 422, "{file}: {}", r.body);
        assert!(messages(&r).contains(&why), "{file}: {}", r.body);
    }
    // Another district's participant as a stored member: refused, nothing of it read.
    let text = stored_toml().replace(B, "30000000000077");
    let r = olga.put_text(&url, &text);
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        messages(&r).contains(
            "member 30000000000077: not a participant of this district: only its participants' uploaded curves can be used"
        ),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains("3.0"),
        "nothing of the other curve: {}",
        r.body
    );
    assert_eq!(olga.get(&url).json()["attached"], false);
}

/// A participant's district list opens what it lists (their own view of the district), the
/// same districts the API lists; a producer member sees its production, its sales, its surplus
/// and what it earns, the credits of its own bills.
#[test]
fn a_participant_opens_every_district_listed_and_a_producer_sees_its_earnings() {
    let app = spawn_app();
    let (id, olga, alice, _bruno) = setup(&app);
    let admin = app.admin();
    admin.create_user("paul", "participant", id, Some(P));
    let paul = app.login("paul", USER_PASSWORD);
    let url = format!("/api/v1/districts/{id}/community");
    assert_eq!(olga.put_text(&url, &community_toml()).status, 200);
    allocate(&olga, id);

    for who in [&alice, &paul] {
        let api: Vec<i64> = who.get("/api/v1/districts").json()["districts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect();
        assert_eq!(api, [id]);
        let list = who.get("/districts?lang=fr");
        assert!(
            list.body
                .contains(&format!("href=\"/districts/{id}?lang=fr\"")),
            "{}",
            list.body
        );
        let home = who.get(&format!("/districts/{id}?lang=fr"));
        assert_eq!(home.status, 200, "{}", home.body);
        assert!(home.body.contains("Ma participation"), "{}", home.body);
    }

    // The producer's own figures, in euros as its statements count them: decimal text, exact
    // to the cent.
    let run = paul.get(&url).json()["allocation"].clone();
    let months = run["members"][0]["months"].as_array().unwrap().clone();
    assert_eq!(run["members"].as_array().unwrap().len(), 1, "only itself");
    let cents = |v: &serde_json::Value| -> rust_decimal::Decimal {
        let s = v.as_str().unwrap_or_else(|| panic!("money as text: {v}"));
        let d: rust_decimal::Decimal = s.parse().unwrap();
        assert_eq!(d, d.round_dp(2), "{s} is to the cent");
        d
    };
    let earned: rust_decimal::Decimal = months
        .iter()
        .map(|m| {
            let p = &m["producer"];
            cents(&p["revenue_eur"]) + cents(&p["surplus_revenue_eur"])
        })
        .sum();
    let billed: rust_decimal::Decimal = months.iter().map(|m| cents(&m["bill_eur"])).sum();
    assert!(earned > rust_decimal::Decimal::ZERO);
    assert_eq!(
        earned + billed,
        rust_decimal::Decimal::ZERO,
        "earnings are the credits of its statements: {earned} vs {billed}"
    );
    let home = paul.get(&format!("/districts/{id}?lang=fr"));
    for word in [
        "Production",
        "Vendu aux participants",
        "Surplus",
        "Recettes",
        "Ma courbe de production",
        "Mes ventes dans la communauté d'énergie",
    ] {
        assert!(home.body.contains(word), "{word}: {}", home.body);
    }
    assert!(
        !home.body.contains("Total des factures"),
        "a producer pays no bill"
    );
    let page = paul.get(&format!("/districts/{id}/community?lang=en"));
    assert_eq!(page.status, 200);
    for word in [
        "My sales in the energy community",
        "Earnings",
        "Sold to the participants",
    ] {
        assert!(page.body.contains(word), "{word}: {}", page.body);
    }
    let curve = paul.get(&format!("/participants/{P}?lang=en"));
    assert!(curve.body.contains("Production curve"), "{}", curve.body);

    // A consumer's home: their share and bills, no producer figures.
    let home = alice.get(&format!("/districts/{id}?lang=en"));
    assert!(home.body.contains("Bills in total") && !home.body.contains("Earnings"));
    // Another district's page stays hidden from a participant.
    let other = admin.create_district(&small_district("Ailleurs", &["30000000000050"]));
    assert_eq!(alice.get(&format!("/districts/{other}")).status, 404);
}

//! The privacy, upload and job guarantees on every database back end: each test runs once on
//! SQLite and, when `QUARTIER_TEST_POSTGRES_URL` names a server, once on PostgreSQL (a fresh
//! database each time; see `common::test_databases`).

mod common;

use common::*;
use serde_json::json;

const A: &str = "30000000000001";
const B: &str = "30000000000002";
const RANGE: &str = "from=2025-06-01T00:00:00Z&to=2025-06-05T00:00:00Z";

/// A district with households A and B and a login for each: (district id, admin, A, B).
fn community(app: &TestApp) -> (i64, Client, Client, Client) {
    two_households(app, A, B)
}

fn upload(c: &Client, prm: &str, csv: &str) -> Resp {
    c.put_text(&format!("/api/v1/participants/{prm}/curve?format=csv"), csv)
}

#[test]
fn a_participant_never_reads_another_participants_curve() {
    for db in test_databases() {
        let backend = db.backend();
        let app = spawn_app_on(db);
        let (id, admin, a, b) = community(&app);
        for prm in [A, B] {
            let r = upload(&admin, prm, &csv_curve("2025-06-02", 0.5));
            assert_eq!(r.status, 200, "{backend}: {}", r.body);
        }
        let own = a.get(&format!("/api/v1/participants/{A}/curve?{RANGE}"));
        assert_eq!(own.status, 200, "{backend}");
        assert_eq!(own.json()["points"].as_array().unwrap().len(), 48);
        assert_eq!(a.get(&format!("/participants/{A}")).status, 200);
        // Bruno's curve answers exactly like a PRM that does not exist.
        let theirs = a.get(&format!("/api/v1/participants/{B}/curve?{RANGE}"));
        let nobody = a.get(&format!(
            "/api/v1/participants/39999999999999/curve?{RANGE}"
        ));
        assert_eq!((theirs.status, nobody.status), (404, 404), "{backend}");
        assert_eq!(theirs.body, nobody.body);
        assert_eq!(a.get(&format!("/participants/{B}")).status, 404);
        assert_eq!(b.get(&format!("/participants/{A}")).status, 404);
        assert_eq!(upload(&a, B, &csv_curve("2025-06-02", 9.0)).status, 404);
        // Their district's page is their own view of it, with nothing of Bruno.
        let home = a.get(&format!("/districts/{id}"));
        assert_eq!(home.status, 200, "{backend}");
        assert!(!home.body.contains(B), "{backend}");
        let still = admin.get(&format!("/api/v1/participants/{B}/curve?{RANGE}"));
        assert!(
            still.json()["points"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["kwh"] == 0.5),
            "{backend}: Alice's upload attempt changed nothing"
        );
    }
}

#[test]
fn an_organiser_of_another_district_sees_nothing_of_it() {
    for db in test_databases() {
        let backend = db.backend();
        let app = spawn_app_on(db);
        let (id, admin, _a, _b) = community(&app);
        assert_eq!(upload(&admin, A, &csv_curve("2025-06-02", 0.5)).status, 200);
        let other = admin.create_district(&small_district("Autre quartier", &["30000000000009"]));
        admin.create_user("olga", "organiser", other, None);
        let olga = app.login("olga", USER_PASSWORD);

        let curve = olga.get(&format!("/api/v1/participants/{A}/curve?{RANGE}"));
        assert_eq!(curve.status, 404, "{backend}: {}", curve.body);
        assert_eq!(olga.get(&format!("/participants/{A}")).status, 404);
        assert_eq!(olga.get(&format!("/api/v1/districts/{id}")).status, 404);
        assert_eq!(olga.get(&format!("/districts/{id}")).status, 404);
        let listed = olga.get("/api/v1/districts").json();
        let ids: Vec<i64> = listed["districts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![other], "{backend}");
        assert_eq!(olga.get(&format!("/api/v1/districts/{other}")).status, 200);
    }
}

#[test]
fn a_malformed_upload_stores_nothing_and_a_reupload_does_not_duplicate() {
    for db in test_databases() {
        let backend = db.backend();
        let app = spawn_app_on(db);
        let (_id, admin, _a, _b) = community(&app);
        let good = csv_curve("2025-06-02", 0.25);
        let r = upload(&admin, A, &good);
        assert_eq!(r.status, 200, "{backend}: {}", r.body);
        assert_eq!(
            (r.json()["written"].as_u64(), r.json()["unchanged"].as_u64()),
            (Some(48), Some(0))
        );
        let r = upload(&admin, A, &good);
        assert_eq!(
            (r.json()["written"].as_u64(), r.json()["unchanged"].as_u64()),
            (Some(0), Some(48)),
            "{backend}"
        );
        let bad =
            csv_curve("2025-06-03", 9.0).replace("2025-06-03 10:00;9", "2025-06-03 10:00;abc");
        let r = upload(&admin, A, &bad);
        assert_eq!(r.status, 422, "{backend}: {}", r.body);
        let all = admin
            .get(&format!("/api/v1/participants/{A}/curve?{RANGE}"))
            .json();
        let pts = all["points"].as_array().unwrap();
        assert_eq!(
            pts.len(),
            48,
            "{backend}: the bad file left the table unchanged"
        );
        assert!(pts.iter().all(|p| p["kwh"] == 0.25));
    }
}

#[test]
fn a_simulation_job_runs_to_completion() {
    for db in test_databases() {
        let backend = db.backend();
        let app = spawn_app_on(db);
        let (id, admin, _a, _b) = community(&app);
        let r = admin.post_json(&format!("/api/v1/districts/{id}/simulations"), &json!({}));
        assert_eq!(r.status, 202, "{backend}: {}", r.body);
        let url = r.json()["status_url"].as_str().unwrap().to_string();
        let job = loop {
            let j = admin.get(&url).json();
            match j["status"].as_str().unwrap() {
                "queued" | "running" => std::thread::sleep(std::time::Duration::from_millis(50)),
                _ => break j,
            }
        };
        assert_eq!(job["status"], "succeeded", "{backend}: {job}");
        assert_eq!(job["progress"], 100);
        let csv = admin.get(job["timeseries_url"].as_str().unwrap());
        assert_eq!(csv.status, 200, "{backend}");
        assert_eq!(csv.body.lines().count(), 1 + 7 * 24);
    }
}

/// Erasure and the audit log on every back end: a participant erased, a district deleted (its
/// id never reused), each change logged with who made it.
#[test]
fn erasure_and_the_audit_log_hold_on_every_back_end() {
    for db in test_databases() {
        let backend = db.backend();
        let app = spawn_app_on(db);
        let (id, admin, a, _b) = community(&app);
        for prm in [A, B] {
            assert_eq!(
                upload(&admin, prm, &csv_curve("2025-06-02", 0.5)).status,
                200
            );
        }
        let r = admin.request(
            "DELETE",
            &format!("/api/v1/districts/{id}/participants/{A}"),
            None,
            b"",
        );
        assert_eq!(r.status, 200, "{backend}: {}", r.body);
        assert_eq!(r.json()["curve_points"], 48, "{backend}");
        assert_eq!(a.get("/api/v1/me").status, 401, "{backend}");
        let r = admin.request("DELETE", &format!("/api/v1/districts/{id}"), None, b"");
        assert_eq!(r.status, 200, "{backend}: {}", r.body);
        assert_eq!(r.json()["curve_points"], 48, "{backend}");
        let again = admin.create_district(&small_district("Nouveau", &[A]));
        assert!(
            again > id,
            "{backend}: a deleted district's id is never reused"
        );
        let log = admin.get("/api/v1/audit?limit=3").json();
        let actions: Vec<&str> = log["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "POST /api/v1/districts".to_string(),
                format!("DELETE /api/v1/districts/{id}"),
                format!("DELETE /api/v1/districts/{id}/participants/(erased)"),
            ],
            "{backend}"
        );
        assert!(log["next"].is_string(), "{backend}: {log}");
        // The erased meters and logins are gone from the whole log, uploads included.
        let all = admin.get("/api/v1/audit?limit=1000").body;
        for gone in [A, B, "alice", "bruno"] {
            assert!(!all.contains(gone), "{backend}: {gone} in {all}");
        }
        assert!(
            all.contains("PUT /api/v1/participants/(erased)/curve"),
            "{backend}: {all}"
        );
    }
}

//! `quartier serve` killed with SIGKILL (`kill -9`) in the middle of a meter-curve upload:
//! after a restart on the same SQLite file, the database opens cleanly and holds either none
//! or all of the interrupted upload, never part of it.
//!
//! The test runs the real binary on a free loopback port with a temporary database and data
//! folder, uploads a first curve, then loops: start an upload of a year of quarter-hours
//! (35 040 points, RFC 3339 UTC stamps, a different year each time), kill the server at one
//! moment (during the request body, or some milliseconds after the body was sent, while the
//! server parses and writes), reopen the database through the library (`quartier_web`'s
//! store, before any server touches it again), restart the server, and count the points
//! through the API and through the store.

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use quartier_testdata::http::{free_port, head, request};
use serde_json::{Value, json};

const PASSWORD: &str = "kill-test-password";
/// Only to avoid hanging forever (the first start loads the demo districts).
const DEADLINE: Duration = Duration::from_secs(300);

/// The server process with its database, data folder and log.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn db_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("q.db").display())
}

fn log_path(dir: &Path) -> PathBuf {
    dir.join("serve.log")
}

/// Starts `quartier serve` on a free port and waits until it answers.
fn start(dir: &Path) -> Server {
    let server = launch(dir);
    let addr = server.addr;
    wait_answering(server, dir, addr)
}

/// Starts `quartier serve` on a free port, without waiting.
fn launch(dir: &Path) -> Server {
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path(dir))
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_quartier"))
        .args(["serve", "--addr", &addr.to_string(), "--db", &db_url(dir)])
        .arg("--data-dir")
        .arg(dir.join("data"))
        .env("QUARTIER_ADMIN_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("quartier serve starts");
    Server { child, addr }
}

/// Waits until `server` answers on `addr`.
fn wait_answering(mut server: Server, dir: &Path, addr: SocketAddr) -> Server {
    let t0 = Instant::now();
    loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            panic!(
                "quartier serve exited ({status}):\n{}",
                std::fs::read_to_string(log_path(dir)).unwrap_or_default()
            );
        }
        if let Ok(r) = request(addr, "GET", "/api/v1/openapi.json", None, b"")
            && r.status == 200
        {
            return server;
        }
        assert!(t0.elapsed() < DEADLINE, "the server never answered");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Logs in as admin; returns the session cookie (`name=value`).
fn login(addr: SocketAddr) -> String {
    let body = json!({"username": "admin", "password": PASSWORD}).to_string();
    let r = request(addr, "POST", "/api/v1/login", None, body.as_bytes()).unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    r.cookie().expect("a session cookie")
}

fn get_json(addr: SocketAddr, cookie: &str, path: &str) -> Value {
    let r = request(addr, "GET", path, Some(cookie), b"").unwrap();
    assert_eq!(r.status, 200, "GET {path}: {}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

/// The first participant of the first demo district.
fn some_prm(addr: SocketAddr, cookie: &str) -> String {
    let d = get_json(addr, cookie, "/api/v1/districts");
    let id = d["districts"][0]["id"].as_i64().expect("a demo district");
    let p = get_json(
        addr,
        cookie,
        &format!("/api/v1/districts/{id}/participants"),
    );
    p["participants"][0]["prm"]
        .as_str()
        .expect("a participant")
        .to_string()
}

fn year_start(year: i32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).unwrap()
}

/// A year of quarter-hours (kWh per interval, UTC stamps) whose values depend on `seed`.
fn year_curve(year: i32, seed: u32) -> (String, usize) {
    let (from, to) = (year_start(year), year_start(year + 1));
    let mut s = String::from("time;kwh\n");
    let mut t = from;
    let mut n = 0;
    while t < to {
        let kwh = 0.05 + f64::from((n as u32).wrapping_mul(seed + 7) % 97) / 400.0;
        s.push_str(&format!("{};{kwh:.4}\n", t.format("%Y-%m-%dT%H:%M:%SZ")));
        t += chrono::Duration::minutes(15);
        n += 1;
    }
    (s, n)
}

fn curve_path(prm: &str, year: i32) -> String {
    format!(
        "/api/v1/participants/{prm}/curve?from={}&to={}",
        year_start(year).format("%Y-%m-%dT%H:%M:%SZ"),
        year_start(year + 1).format("%Y-%m-%dT%H:%M:%SZ")
    )
}

/// Points of `prm` in `year`, through the API.
fn api_points(addr: SocketAddr, cookie: &str, prm: &str, year: i32) -> usize {
    get_json(addr, cookie, &curve_path(prm, year))["points"]
        .as_array()
        .map_or(0, Vec::len)
}

/// Opens the database through the library (as the server does, without serving) and returns
/// (all points stored, points of `prm` in `year`).
fn store_points(dir: &Path, prm: &str, year: i32) -> (i64, usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let config = quartier_web::Config {
            addr: "127.0.0.1:0".parse().unwrap(),
            database_url: db_url(dir),
            data_dir: dir.join("data"),
            ..quartier_web::Config::default()
        };
        let app = quartier_web::Application::build(config)
            .await
            .expect("the database opens cleanly after kill -9");
        let store = &app.state().store;
        let total = store.curve_point_count().await.unwrap();
        let year_pts = store
            .curve(prm, year_start(year), year_start(year + 1))
            .await
            .unwrap()
            .len();
        (total, year_pts)
    })
}

/// When to kill the server during the upload.
#[derive(Debug, Clone, Copy)]
enum Moment {
    /// After this share (per mille) of the body was sent.
    DuringBody(usize),
    /// This many milliseconds after the whole body was sent.
    AfterBody(u64),
}

/// Sends the upload and kills the server at `moment` with SIGKILL.
fn upload_and_kill(mut server: Server, cookie: &str, prm: &str, body: &str, moment: Moment) {
    let path = format!("/api/v1/participants/{prm}/curve?format=csv");
    let mut s = TcpStream::connect(server.addr).unwrap();
    let h = head("PUT", &path, Some(cookie), body.len())
        .replace("Content-Type: application/json", "Content-Type: text/plain");
    s.write_all(h.as_bytes()).unwrap();
    match moment {
        Moment::DuringBody(per_mille) => {
            let cut = body.len() * per_mille / 1000;
            s.write_all(&body.as_bytes()[..cut]).unwrap();
            s.flush().unwrap();
            // Let the server read what was sent.
            std::thread::sleep(Duration::from_millis(50));
        }
        Moment::AfterBody(ms) => {
            s.write_all(body.as_bytes()).unwrap();
            s.flush().unwrap();
            std::thread::sleep(Duration::from_millis(ms));
        }
    }
    // `Child::kill` sends SIGKILL on Unix: `kill -9`.
    server.child.kill().unwrap();
    server.child.wait().unwrap();
}

/// A first start killed (`kill -9`) right after it stored the first demo district, before its
/// community, assets and first runs: the next start says so and loads what is missing, and a
/// third start adds nothing.
#[test]
fn a_first_start_killed_midway_resumes_at_the_next_start() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut server = launch(dir);
    let t0 = Instant::now();
    loop {
        let log = std::fs::read_to_string(log_path(dir)).unwrap_or_default();
        if log.contains("loaded demo district") {
            break;
        }
        assert!(server.child.try_wait().unwrap().is_none(), "{log}");
        assert!(
            t0.elapsed() < DEADLINE,
            "no district was ever loaded:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    let killed_log = std::fs::read_to_string(log_path(dir)).unwrap_or_default();
    assert!(
        !killed_log.contains("Quartier is serving"),
        "killed before the end of the first start:\n{killed_log}"
    );

    let check = |server: &Server| {
        let cookie = login(server.addr);
        let districts = get_json(server.addr, &cookie, "/api/v1/districts");
        let ids: Vec<i64> = districts["districts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len(), 2, "both demo districts, once: {districts}");
        for id in &ids {
            let assets = get_json(
                server.addr,
                &cookie,
                &format!("/api/v1/districts/{id}/assets"),
            );
            assert!(
                !assets["assets"].as_array().unwrap().is_empty(),
                "district {id} has its assets: {assets}"
            );
        }
        let community = ids
            .iter()
            .map(|id| {
                get_json(
                    server.addr,
                    &cookie,
                    &format!("/api/v1/districts/{id}/community"),
                )
            })
            .find(|c| !c["allocation"].is_null());
        assert!(community.is_some(), "Meudon's community is allocated");
    };
    let server = start(dir);
    let log = std::fs::read_to_string(log_path(dir)).unwrap_or_default();
    assert!(log.contains("the first start was interrupted"), "{log}");
    check(&server);
    drop(server);
    let server = start(dir);
    check(&server);
}

#[test]
fn a_killed_upload_leaves_none_or_all_of_its_points() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();

    // Arrange: a first start (demo districts loaded), a first curve.
    let server = start(dir);
    let cookie = login(server.addr);
    let prm = some_prm(server.addr, &cookie);
    let (first, n_first) = year_curve(2000, 0);
    let put = format!("/api/v1/participants/{prm}/curve?format=csv");
    let t0 = Instant::now();
    let r = request(server.addr, "PUT", &put, Some(&cookie), first.as_bytes()).unwrap();
    // How long a whole upload takes here: the kill moments below are spread over it.
    let upload_ms = t0.elapsed().as_millis() as u64;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(api_points(server.addr, &cookie, &prm, 2000), n_first);
    drop(server);
    let (mut before, y) = store_points(dir, &prm, 2000);
    assert_eq!(y, n_first);

    let mut moments = vec![
        Moment::DuringBody(100),
        Moment::DuringBody(500),
        Moment::DuringBody(999),
    ];
    // From right after the body to well after the answer, most of them while the server
    // parses and writes.
    for per_cent in [0, 10, 25, 40, 55, 70, 80, 90, 95, 100, 110, 150, 200] {
        moments.push(Moment::AfterBody(upload_ms * per_cent / 100));
    }
    let mut outcomes = Vec::new();
    for (i, moment) in moments.iter().enumerate() {
        let year = 2001 + i as i32;
        let (body, n) = year_curve(year, i as u32 + 1);

        // Act: upload, kill -9 at this moment.
        let server = start(dir);
        let cookie = login(server.addr);
        upload_and_kill(server, &cookie, &prm, &body, *moment);

        // Assert: the file opens, and holds none or all of the upload, through the store…
        let (total, in_year) = store_points(dir, &prm, year);
        assert!(
            (total, in_year) == (before, 0) || (total, in_year) == (before + n as i64, n),
            "{moment:?}: {total} points stored ({in_year} of the upload of {n}), \
             {before} before"
        );
        // …and through the API of a restarted server.
        let server = start(dir);
        let cookie = login(server.addr);
        assert_eq!(api_points(server.addr, &cookie, &prm, year), in_year);
        assert_eq!(api_points(server.addr, &cookie, &prm, 2000), n_first);
        drop(server);
        outcomes.push((*moment, if in_year == n { "all" } else { "none" }));
        before = total;
    }
    println!("one upload took {upload_ms} ms; kill -9 outcomes: {outcomes:?}");

    // The database still takes a whole upload after all this.
    let server = start(dir);
    let cookie = login(server.addr);
    let (body, n) = year_curve(2030, 99);
    let r = request(server.addr, "PUT", &put, Some(&cookie), body.as_bytes()).unwrap();
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(api_points(server.addr, &cookie, &prm, 2030), n);
}

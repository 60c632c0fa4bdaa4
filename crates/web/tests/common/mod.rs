//! `spawn_app()`: the real server on port 0 with a fresh SQLite file and data folder, and a
//! tiny blocking HTTP/1.1 client (no client library: one request per connection).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;

use quartier_web::{Application, Config, Secret};

pub const ADMIN_PASSWORD: &str = "admin-password-123";

/// The weather file the test districts use (embeddable, BSD-3, from examples/data).
const TMY: &[u8] =
    include_bytes!("../../../../examples/data/pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv");

pub struct TestApp {
    pub addr: SocketAddr,
    /// The server's shared state (its job slots, to hold jobs queued in a test).
    pub state: quartier_web::AppState,
    pub db_path: PathBuf,
    pub dir: tempfile::TempDir,
    _runtime: tokio::runtime::Runtime,
}

pub fn spawn_app() -> TestApp {
    spawn_app_at(None, |_| {})
}

/// The server on a fresh SQLite file, its configuration changed by `configure` first.
pub fn spawn_app_with(configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_at(None, configure)
}

/// The server on `database_url`, or on a fresh SQLite file in its folder when `None`.
fn spawn_app_at(database_url: Option<&str>, configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_in(tempfile::tempdir().unwrap(), database_url, configure)
}

/// Stops the server as a kill would (its runtime dropped: queued and running work vanishes,
/// nothing is finished gracefully), then starts a new one on the same database and data folder.
pub fn restart(app: TestApp) -> TestApp {
    let TestApp { dir, _runtime, .. } = app;
    drop(_runtime);
    spawn_in(dir, None, |_| {})
}

fn spawn_in(
    dir: tempfile::TempDir,
    database_url: Option<&str>,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("data")).unwrap();
    std::fs::write(data.join("data/tmy.csv"), TMY).unwrap();
    let db_path = dir.path().join("q.db");
    let config = Config {
        addr: "127.0.0.1:0".parse().unwrap(),
        database_url: database_url
            .map(str::to_string)
            .unwrap_or_else(|| format!("sqlite://{}", db_path.display())),
        data_dir: data,
        admin_password: Some(Secret::new(ADMIN_PASSWORD)),
        ..Config::default()
    };
    let mut config = config;
    configure(&mut config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let app = runtime.block_on(Application::build(config)).unwrap();
    let generated = runtime.block_on(app.ensure_admin()).unwrap();
    assert!(generated.is_none(), "the configured password is used");
    let addr = app.address();
    let state = app.state().clone();
    runtime.spawn(app.run_until_stopped());
    TestApp {
        addr,
        state,
        db_path,
        dir,
        _runtime: runtime,
    }
}

/// A response: status, head, body (one parser for every server test: `quartier-testdata`).
pub use quartier_testdata::http::Resp;

/// A client with an optional session cookie and extra request headers.
#[derive(Clone)]
pub struct Client {
    pub addr: SocketAddr,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    /// Sent with every request (`Name: value` lines without the line end).
    pub headers: Vec<String>,
}

impl TestApp {
    pub fn client(&self) -> Client {
        Client {
            addr: self.addr,
            cookie: None,
            csrf: None,
            headers: Vec::new(),
        }
    }

    /// A client logged in as `user`.
    pub fn login(&self, user: &str, password: &str) -> Client {
        let mut c = self.client();
        let r = c.post_json(
            "/api/v1/login",
            &serde_json::json!({"username": user, "password": password}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let set = r.header("set-cookie").expect("a session cookie");
        c.cookie = Some(set.split(';').next().unwrap().to_string());
        c.csrf = r.json()["csrf_token"].as_str().map(str::to_string);
        c
    }

    pub fn admin(&self) -> Client {
        self.login("admin", ADMIN_PASSWORD)
    }
}

impl Client {
    pub fn request(
        &self,
        method: &str,
        path: &str,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Resp {
        let mut s = TcpStream::connect(self.addr).unwrap();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        if let Some(ct) = content_type {
            head.push_str(&format!("Content-Type: {ct}\r\n"));
        }
        if let Some(c) = &self.cookie {
            head.push_str(&format!("Cookie: {c}\r\n"));
        }
        for h in &self.headers {
            head.push_str(&format!("{h}\r\n"));
        }
        head.push_str("\r\n");
        // A server may answer early (413) and close while the body is still being written:
        // a failed write is then not the test's failure, the response read after it decides.
        let written = s
            .write_all(head.as_bytes())
            .and_then(|()| s.write_all(body));
        let mut raw = Vec::new();
        let mut buf = [0u8; 64 * 1024];
        loop {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
                // A reset after the response (unread body on the server side) ends it.
                Err(e) if !raw.is_empty() => {
                    eprintln!("connection ended by {e} after the response");
                    break;
                }
                Err(e) => panic!("no response ({e}); writing the request gave {written:?}"),
            }
        }
        parse(&raw)
    }
    pub fn get(&self, path: &str) -> Resp {
        self.request("GET", path, None, b"")
    }
    pub fn post_json(&self, path: &str, v: &serde_json::Value) -> Resp {
        self.request(
            "POST",
            path,
            Some("application/json"),
            v.to_string().as_bytes(),
        )
    }
    pub fn put_text(&self, path: &str, text: &str) -> Resp {
        self.request("PUT", path, Some("text/plain"), text.as_bytes())
    }
    pub fn post_form(&self, path: &str, form: &str) -> Resp {
        self.request(
            "POST",
            path,
            Some("application/x-www-form-urlencoded"),
            form.as_bytes(),
        )
    }
}

/// A raw HTTP/1.1 response (head and body, chunked or not) as a [`Resp`].
pub fn parse(raw: &[u8]) -> Resp {
    quartier_testdata::http::parse(raw).expect("a complete response")
}

/// The `path` of each problem of a 422 answer, in order.
pub fn error_paths(r: &Resp) -> Vec<String> {
    r.json()["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["path"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The password of every login the tests create (the admin's is [`ADMIN_PASSWORD`]).
pub const USER_PASSWORD: &str = "long-password-1";

impl Client {
    /// Creates the district described by `toml` (as the programme); returns its id.
    pub fn create_district(&self, toml: &str) -> i64 {
        let r = self.post_json("/api/v1/districts", &serde_json::json!({ "toml": toml }));
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_i64().unwrap()
    }

    /// Creates the login `username` / [`USER_PASSWORD`] with `role` in `district`, with
    /// meter `prm` when given.
    pub fn create_user(&self, username: &str, role: &str, district: i64, prm: Option<&str>) {
        let r = self.post_json(
            "/api/v1/users",
            &serde_json::json!({"username": username, "password": USER_PASSWORD, "role": role,
                                "district_id": district, "prm": prm}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
}

/// District "Les Tilleuls" with households `a` and `b` and a participant login for each
/// (alice for `a`, bruno for `b`): (district id, admin, alice, bruno).
pub fn two_households(app: &TestApp, a: &str, b: &str) -> (i64, Client, Client, Client) {
    let admin = app.admin();
    let id = admin.create_district(&small_district("Les Tilleuls", &[a, b]));
    admin.create_user("alice", "participant", id, Some(a));
    admin.create_user("bruno", "participant", id, Some(b));
    (
        id,
        admin,
        app.login("alice", USER_PASSWORD),
        app.login("bruno", USER_PASSWORD),
    )
}

/// A small district: a week in June, hourly, a school with PV and a battery, two households.
pub fn small_district(name: &str, prms: &[&str]) -> String {
    let mut s = format!(
        "[site]\nname = \"{name}\"\nlatitude_deg = 48.77\nlongitude_deg = 2.22\naltitude_m = 170\ntimezone = \"Europe/Paris\"\n\n\
         [time]\nstart = 2025-06-02\nend = 2025-06-09\nstep_minutes = 60\n\n\
         [weather]\nfile = \"data/tmy.csv\"\nformat = \"pvgis-tmy-csv\"\n\n"
    );
    for (i, prm) in prms.iter().enumerate() {
        s.push_str(&format!(
            "[[participants]]\nid = \"{prm}\"\nname = \"Foyer {i}\"\nrole = \"consumer\"\n\n\
             [[loads]]\nname = \"home-{i}\"\nparticipant = \"{prm}\"\nprofile = \"H25\"\nannual_kwh = 4000\n\n"
        ));
    }
    s.push_str("[[pv]]\nname = \"roof\"\nkwp = 30\ntilt_deg = 30\nazimuth_deg = 180\n\n\
                [[batteries]]\nname = \"battery\"\nenergy_kwh = 40\ncharge_kw = 20\n\n\
                [grid]\nimport_limit_kw = 200\nexport_limit_kw = 100\nexport_price_eur_per_kwh = 0.04\n\n\
                [grid.import_price]\nbase_eur_per_kwh = 0.2\n\n[carbon]\nconstant_g_per_kwh = 52\n");
    s
}

/// A generic CSV curve (kWh per half hour, local time) for one day, from `day`.
pub fn csv_curve(day: &str, value: f64) -> String {
    let mut s = String::from("time;kwh\n");
    for i in 0..48 {
        s.push_str(&format!("{day} {:02}:{:02};{value}\n", i / 2, (i % 2) * 30));
    }
    s
}

pub use quartier_store::testing::TestDb;

/// One fresh database per back end to test: SQLite always, PostgreSQL when
/// `QUARTIER_TEST_POSTGRES_URL` is set (an error when `QUARTIER_REQUIRE_POSTGRES=1` and it is
/// not; otherwise a printed skip). See `quartier_store::testing`.
pub fn test_databases() -> Vec<TestDb> {
    quartier_store::testing::test_databases().unwrap_or_else(|e| panic!("{e}"))
}

/// The real server on the given test database (`spawn_app()` is SQLite in the app's folder).
/// The database lives as long as the app and is dropped after the server stops.
pub fn spawn_app_on(db: TestDb) -> TestApp {
    let app = spawn_app_at(Some(db.url()), |_| {});
    // The database is owned by a task of the app's runtime: it is dropped (and a PostgreSQL
    // database removed) when the runtime shuts down with the TestApp.
    app._runtime.spawn(async move {
        let _db = db;
        std::future::pending::<()>().await
    });
    app
}

/// The two consumers and the producer of the test energy community.
pub const COMMUNITY_A: &str = "30000000000001";
pub const COMMUNITY_B: &str = "30000000000002";
pub const COMMUNITY_P: &str = "30000000000099";

/// Three days at 30 min from 2025-06-02 00:00 UTC, kWh per step.
pub fn community_curve(kwh: impl Fn(usize) -> f64) -> String {
    let mut s = String::from("time_utc,kwh\n");
    for i in 0..3 * 48 {
        s.push_str(&format!(
            "2025-06-{:02}T{:02}:{:02}:00Z,{:.3}\n",
            2 + i / 48,
            (i % 48) / 2,
            (i % 2) * 30,
            kwh(i)
        ));
    }
    s
}

/// Writes the community members' curves into district `district`'s community folder
/// (`DATA/communities/{district}/curves/`): the producer's (`producer_kwh` per step), consumer
/// A at 1 kWh and consumer B at 0.5 kWh per step.
pub fn write_community_curves(app: &TestApp, district: i64, producer_kwh: impl Fn(usize) -> f64) {
    let dir = app
        .dir
        .path()
        .join(format!("data/communities/{district}/curves"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{COMMUNITY_P}.csv")),
        community_curve(producer_kwh),
    )
    .unwrap();
    std::fs::write(
        dir.join(format!("{COMMUNITY_A}.csv")),
        community_curve(|_| 1.0),
    )
    .unwrap();
    std::fs::write(
        dir.join(format!("{COMMUNITY_B}.csv")),
        community_curve(|_| 0.5),
    )
    .unwrap();
}

/// The community file of consumers A and B and producer P (30 kWp), with their curves.
pub fn community_toml() -> String {
    let mut s = String::from(
        "[operation]\nname = \"ACC des Tilleuls\"\n\n\
         [prices]\nlocal_eur_per_kwh = 0.10\nsupplier_eur_per_kwh = 0.15\nsurplus_eur_per_kwh = 0.04\n\n",
    );
    for (id, role, lat) in [
        (COMMUNITY_A, "consumer", 48.770),
        (COMMUNITY_B, "consumer", 48.771),
        (COMMUNITY_P, "producer", 48.772),
    ] {
        s.push_str(&format!(
            "[[members]]\nid = \"{id}\"\nrole = \"{role}\"\nlatitude_deg = {lat}\nlongitude_deg = 2.22\n\
             curve = {{ file = \"curves/{id}.csv\" }}\n"
        ));
        if role == "producer" {
            s.push_str("kwp = 30\n");
        }
        s.push('\n');
    }
    s
}

/// Polls `status_url` until the job ends; returns the job and the progress values seen.
pub fn wait_job(c: &Client, status_url: &str) -> (serde_json::Value, Vec<u64>) {
    let mut seen = Vec::new();
    for _ in 0..6000 {
        let j = c.get(status_url).json();
        seen.push(j["progress"].as_u64().unwrap());
        match j["status"].as_str().unwrap() {
            "queued" | "running" => std::thread::sleep(std::time::Duration::from_millis(50)),
            _ => return (j, seen),
        }
    }
    panic!("job {status_url} did not end");
}

/// Posts `body` to `url` (a job submission: 202), waits for the job and checks that its
/// progress never went back; returns the job.
pub fn submit_and_wait(c: &Client, url: &str, body: &serde_json::Value) -> serde_json::Value {
    let r = c.post_json(url, body);
    assert_eq!(r.status, 202, "{}", r.body);
    let status_url = r.json()["status_url"].as_str().unwrap().to_string();
    let (job, seen) = wait_job(c, &status_url);
    assert!(
        seen.windows(2).all(|w| w[0] <= w[1]),
        "progress never goes back: {seen:?}"
    );
    job
}

/// Posts `body` to `url` and expects 422: the problems listed.
pub fn refused(c: &Client, url: &str, body: &serde_json::Value) -> Vec<serde_json::Value> {
    let r = c.post_json(url, body);
    assert_eq!(r.status, 422, "{body}: {}", r.body);
    r.json()["errors"].as_array().unwrap().clone()
}

/// Posts `body` to `url` and expects exactly one problem: at `field`, its message showing
/// `value`, its expectation containing `expected`.
pub fn refused_once(
    c: &Client,
    url: &str,
    body: serde_json::Value,
    field: &str,
    value: &str,
    expected: &str,
) {
    let e = refused(c, url, &body);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0]["path"], field, "{e:?}");
    assert!(e[0]["message"].as_str().unwrap().contains(value), "{e:?}");
    assert!(
        e[0]["expected"].as_str().unwrap().contains(expected),
        "{e:?}"
    );
}

/// An `application/x-www-form-urlencoded` body of `fields`.
pub fn form_body(fields: &[(&str, &str)]) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl Client {
    /// Posts a page form with `fields` and the session's CSRF token.
    pub fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf.clone().expect("a signed-in client");
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, &form_body(&all))
    }
}

//! The dashboard in a real browser: Debian's Chromium, headless, driven through chromedriver
//! (W3C WebDriver over a tiny blocking HTTP/1.1 JSON client, no client library). One story:
//! the programme logs in, opens a district, runs a simulation to 100 %, uploads a meter curve
//! through the page form (a good file, then a malformed one), logs out; a participant logs in,
//! sees their own page and gets the 404 page for another participant's.
//!
//! The upload form is also exercised without a browser (hand-made multipart bodies), so its
//! rules are checked on machines without Chromium too.
//!
//! Each step saves a PNG screenshot to `target/screenshots/<step>.png`. Without
//! `/usr/bin/chromedriver` or `/usr/bin/chromium` the test is skipped with a printed reason,
//! unless `QUARTIER_REQUIRE_BROWSER=1` (CI), where it fails.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{Value, json};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const A: &str = "30000000000001";
const B: &str = "30000000000002";
/// The W3C key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// Long enough for anything here on a loaded machine; only to avoid hanging forever.
const DEADLINE: Duration = Duration::from_secs(180);

/// True when the browser is there; otherwise prints why the test is skipped, or panics when
/// `QUARTIER_REQUIRE_BROWSER=1`.
fn browser_available() -> bool {
    let missing: Vec<&str> = [CHROMEDRIVER, CHROMIUM]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let why = format!(
        "{} missing (Debian packages chromium and chromium-driver; .ci/browser.sh installs them)",
        missing.join(" and ")
    );
    if std::env::var("QUARTIER_REQUIRE_BROWSER").as_deref() == Ok("1") {
        panic!("QUARTIER_REQUIRE_BROWSER=1 but {why}");
    }
    eprintln!("skipping the browser test: {why}");
    false
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request with a JSON body to chromedriver; returns (status, JSON).
fn http_json(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    // chromedriver only answers requests whose Host is a loopback address.
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body.as_bytes()).unwrap();
    // chromedriver keeps the connection open: read the head, then Content-Length bytes.
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let split = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "chromedriver closed the connection mid-response");
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let mut payload = raw.split_off(split + 4);
    match length {
        Some(len) => {
            while payload.len() < len {
                let n = s.read(&mut buf).unwrap();
                assert!(n > 0, "chromedriver closed the connection mid-body");
                payload.extend_from_slice(&buf[..n]);
            }
        }
        None => {
            s.read_to_end(&mut payload).unwrap();
            if head.contains("transfer-encoding: chunked") {
                payload = dechunk(&payload);
            }
        }
    }
    let v = serde_json::from_slice(&payload).unwrap_or(Value::Null);
    (status, v)
}

/// Standard base64 (RFC 4648, with padding), as WebDriver returns screenshots.
fn base64_decode(s: &str) -> Vec<u8> {
    fn val(c: u8) -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    }
    let clean: Vec<u8> = s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut acc = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            acc |= val(*c) << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

#[test]
fn base64_decoder_matches_rfc4648_vectors() {
    for (enc, dec) in [
        ("", ""),
        ("Zg==", "f"),
        ("Zm8=", "fo"),
        ("Zm9v", "foo"),
        ("Zm9vYg==", "foob"),
        ("Zm9vYmE=", "fooba"),
        ("Zm9vYmFy", "foobar"),
    ] {
        assert_eq!(base64_decode(enc), dec.as_bytes());
    }
}

/// chromedriver as a child process, killed on drop.
struct Driver {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Closes the browsers it started, then ends.
        let _ = http_json(self.addr, "GET", "/shutdown", None);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start() -> Driver {
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let d = Driver {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        };
        let start = Instant::now();
        loop {
            if TcpStream::connect(d.addr).is_ok() {
                let (status, v) = http_json(d.addr, "GET", "/status", None);
                if status == 200 && v["value"]["ready"] == true {
                    return d;
                }
            }
            assert!(start.elapsed() < DEADLINE, "chromedriver never got ready");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A browser session.
struct Browser<'a> {
    driver: &'a Driver,
    session: String,
    base: String,
    shots: PathBuf,
    _profile: tempfile::TempDir,
}

impl Drop for Browser<'_> {
    fn drop(&mut self) {
        let _ = http_json(
            self.driver.addr,
            "DELETE",
            &format!("/session/{}", self.session),
            None,
        );
    }
}

impl<'a> Browser<'a> {
    fn open(driver: &'a Driver, app: SocketAddr, shots: PathBuf) -> Browser<'a> {
        let profile = tempfile::tempdir().unwrap();
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
            "--lang=en-US",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([format!("--user-data-dir={}", profile.path().display())])
        .collect::<Vec<_>>();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
        }}});
        let (status, v) = http_json(driver.addr, "POST", "/session", Some(&caps));
        assert_eq!(status, 200, "new session: {v}");
        let session = v["value"]["sessionId"].as_str().unwrap().to_string();
        Browser {
            driver,
            session,
            base: format!("http://{app}"),
            shots,
            _profile: profile,
        }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, v) = http_json(
            self.driver.addr,
            method,
            &format!("/session/{}{path}", self.session),
            body.as_ref(),
        );
        assert_eq!(status, 200, "{method} {path}: {v}");
        v["value"].clone()
    }

    fn go(&self, path: &str) {
        self.cmd(
            "POST",
            "/url",
            Some(json!({"url": format!("{}{path}", self.base)})),
        );
    }

    fn path(&self) -> String {
        let url = self.cmd("GET", "/url", None);
        url.as_str()
            .unwrap()
            .trim_start_matches(&self.base)
            .to_string()
    }

    fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT].as_str().unwrap().to_string()
    }

    fn count(&self, css: &str) -> usize {
        self.cmd(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .as_array()
        .map_or(0, Vec::len)
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        );
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    /// Runs a script; `None` when the driver refuses (e.g. while the document changes).
    fn try_script(&self, js: &str) -> Option<Value> {
        let (status, v) = http_json(
            self.driver.addr,
            "POST",
            &format!("/session/{}/execute/sync", self.session),
            Some(&json!({"script": js, "args": []})),
        );
        (status == 200).then(|| v["value"].clone())
    }

    fn script(&self, js: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
    }

    fn text(&self) -> String {
        self.script("return document.body.innerText;")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn title(&self) -> String {
        self.cmd("GET", "/title", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Clicks an element that navigates, then waits until the NEXT page is loaded: the
    /// current document is marked first, so a page still showing (the click's navigation not
    /// yet started, its readyState still "complete") is never taken for the new one.
    fn follow(&self, css: &str) {
        self.script("window.__quartierOldPage = true; return null;");
        self.click(css);
        let start = Instant::now();
        loop {
            // While the browser switches documents a script may fail: keep waiting.
            let done = self.try_script(
                "return window.__quartierOldPage !== true && document.readyState === 'complete';",
            );
            if done == Some(Value::Bool(true)) {
                return;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "the page after clicking {css} never finished loading"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn shot(&self, step: &str) {
        let b64 = self.cmd("GET", "/screenshot", None);
        let png = base64_decode(b64.as_str().unwrap());
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        let path = self.shots.join(format!("{step}.png"));
        std::fs::write(&path, png).unwrap();
        println!("screenshot: {}", path.display());
    }

    fn login(&self, user: &str, password: &str) {
        self.go("/login?lang=en");
        self.type_into("input[name=username]", user);
        self.type_into("input[name=password]", password);
    }
}

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A CSV curve of one day (kWh per half hour, local time) with a shape the chart shows.
fn day_curve(day: &str) -> String {
    let mut s = String::from("time;kwh\n");
    for i in 0..48 {
        let kwh = 0.15 + 0.1 * f64::from((i % 24 + 1) as u8).sqrt();
        s.push_str(&format!(
            "{day} {:02}:{:02};{kwh:.3}\n",
            i / 2,
            (i % 2) * 30
        ));
    }
    s
}

#[test]
fn a_user_logs_in_simulates_uploads_and_a_participant_sees_only_their_own_page() {
    if !browser_available() {
        return;
    }
    // Arrange: the server, a district with two households and a login for one of them.
    let app = spawn_app();
    let admin = app.admin();
    let id = admin.create_district(&small_district("Les Tilleuls", &[A, B]));
    admin.create_user("alice", "participant", id, Some(A));
    let files = tempfile::tempdir().unwrap();
    let good = files.path().join("alice-2025-06-02.csv");
    std::fs::write(&good, day_curve("2025-06-02")).unwrap();
    let bad = files.path().join("broken.csv");
    let broken = day_curve("2025-06-03")
        .replacen("2025-06-03 10:00;", "2025-06-03 10:00;abc", 1)
        .replacen("2025-06-03 12:30;0", "2025-06-03 12:30;-4", 1);
    std::fs::write(&bad, broken).unwrap();

    let driver = Driver::start();
    let shots = screenshot_dir();
    let b = Browser::open(&driver, app.addr, shots.clone());

    // The programme logs in through the form.
    b.login("admin", ADMIN_PASSWORD);
    b.shot("01-login");
    b.follow("form button");
    assert!(b.path().starts_with("/districts"), "{}", b.path());
    assert!(b.text().contains("Les Tilleuls"), "{}", b.text());
    b.shot("02-districts");

    // The district page: no run yet; a simulation runs to 100 %.
    b.follow(&format!("a[href^=\"/districts/{id}\"]"));
    assert_eq!(b.title(), "Les Tilleuls — Quartier");
    assert!(b.text().contains("No simulation of this district yet"));
    b.shot("03-district");
    b.follow(&format!(
        "form[action^=\"/districts/{id}/simulate\"] button"
    ));
    assert!(b.path().starts_with("/jobs/"), "{}", b.path());
    let start = Instant::now();
    loop {
        let status = b.script("return document.getElementById('status').textContent;");
        if status != "queued" && status != "running" {
            assert_eq!(status, "succeeded", "{}", b.text());
            break;
        }
        assert!(start.elapsed() < DEADLINE, "the job never finished");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        b.script("return document.getElementById('pct').textContent;"),
        "100"
    );
    assert_eq!(
        b.script("return document.getElementById('fill').style.width;"),
        "100%"
    );
    b.shot("04-job-100");

    // Back on the district: KPI cards and charts.
    b.follow(&format!("a[href^=\"/districts/{id}\"]"));
    let text = b.text();
    assert!(
        text.contains("Self-consumption rate") && text.contains("Grid import"),
        "{text}"
    );
    assert!(b.count(".card") >= 13, "KPI cards");
    assert!(b.count("svg") >= 3, "charts");
    b.shot("05-district-kpis");

    // Upload a good curve through the page form.
    b.follow("#upload-link");
    assert!(
        b.title().starts_with("Upload a meter curve"),
        "{}",
        b.title()
    );
    b.click(&format!("select[name=prm] option[value=\"{A}\"]"));
    b.click("select[name=format] option[value=csv]");
    b.type_into("input[type=file]", good.to_str().unwrap());
    b.shot("06-upload-form");
    b.follow("form#upload button");
    let text = b.text();
    assert!(text.contains("48 points stored"), "{text}");
    assert!(text.contains("48 new or changed"), "{text}");
    assert_eq!(b.count("#upload-errors"), 0);
    b.shot("07-upload-ok");

    // A malformed file: every problem listed with its line; nothing stored.
    b.click("select[name=format] option[value=csv]");
    b.type_into("input[type=file]", bad.to_str().unwrap());
    b.follow("form#upload button");
    let text = b.text();
    assert!(text.contains("File rejected, nothing was stored"), "{text}");
    let lines: Vec<String> = b
        .script(
            "return Array.from(document.querySelectorAll('#upload-errors tr td:first-child'))\
             .map(function(td){return td.textContent;});",
        )
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    // Line 1 is the header: 10:00 is row 21 (line 22), 12:30 is row 26 (line 27).
    assert!(
        lines.contains(&"22".to_string()) && lines.contains(&"27".to_string()),
        "{lines:?}\n{text}"
    );
    b.shot("08-upload-errors");
    let stored = admin.get(&format!(
        "/api/v1/participants/{A}/curve?from=2025-06-01T00:00:00Z&to=2025-06-05T00:00:00Z"
    ));
    assert_eq!(stored.json()["points"].as_array().unwrap().len(), 48);

    // Log out: back to the login form; the district page now asks for a login.
    b.follow("header form button");
    assert!(b.path().starts_with("/login"), "{}", b.path());
    b.go(&format!("/districts/{id}"));
    assert!(b.path().starts_with("/login"), "{}", b.path());

    // The participant logs in and lands on their own page, with the uploaded curve.
    b.login("alice", USER_PASSWORD);
    b.follow("form button");
    assert_eq!(b.path(), format!("/participants/{A}"));
    let text = b.text();
    assert!(text.contains(&format!("PRM {A}")), "{text}");
    assert!(b.count("svg") >= 1, "the curve chart");
    assert_eq!(b.count("#upload-link"), 0, "a participant does not upload");
    b.shot("09-participant-own");

    // Another participant's page, and the district page: the 404 page.
    b.go(&format!("/participants/{B}?lang=en"));
    assert!(b.text().contains("404"), "{}", b.text());
    assert!(!b.text().contains(B));
    b.shot("10-other-participant-404");
    b.go(&format!("/districts/{id}/upload?lang=en"));
    assert!(b.text().contains("404"), "{}", b.text());
    println!("screenshots in {}", shots.display());
}

/// A `multipart/form-data` body of the upload form; returns (content type, body).
fn upload_form(csrf: &str, prm: &str, format: &str, file: &str) -> (String, String) {
    let b = "quartier-test-boundary-7d1f";
    let mut body = String::new();
    for (name, value) in [("csrf", csrf), ("prm", prm), ("format", format)] {
        body.push_str(&format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"curve.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n{file}\r\n--{b}--\r\n"
    ));
    (format!("multipart/form-data; boundary={b}"), body)
}

fn stored_points(c: &Client, prm: &str) -> usize {
    c.get(&format!(
        "/api/v1/participants/{prm}/curve?from=2025-06-01T00:00:00Z&to=2025-06-05T00:00:00Z"
    ))
    .json()["points"]
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn the_upload_form_stores_a_good_file_whole_and_lists_every_problem_of_a_bad_one() {
    let app = spawn_app();
    let admin = app.admin();
    let id = admin.create_district(&small_district("Les Tilleuls", &[A, B]));
    let csrf = admin.csrf.clone().unwrap();
    let url = format!("/districts/{id}/upload?lang=en");

    let form = admin.get(&url);
    assert_eq!(form.status, 200);
    assert!(form.body.contains("enctype=\"multipart/form-data\"") && form.body.contains(A));
    assert!(
        admin
            .get(&format!("/districts/{id}"))
            .body
            .contains(&format!("/districts/{id}/upload"))
    );

    let (ct, body) = upload_form(&csrf, A, "csv", &day_curve("2025-06-02"));
    let r = admin.request("POST", &url, Some(&ct), body.as_bytes());
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("48 points stored"), "{}", r.body);
    assert_eq!(stored_points(&admin, A), 48);

    let broken = day_curve("2025-06-03")
        .replacen("2025-06-03 10:00;", "2025-06-03 10:00;abc", 1)
        .replacen("2025-06-03 12:30;0", "2025-06-03 12:30;-4", 1);
    let (ct, body) = upload_form(&csrf, A, "csv", &broken);
    let r = admin.request("POST", &url, Some(&ct), body.as_bytes());
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("<td>22</td>") && r.body.contains("<td>27</td>"),
        "{}",
        r.body
    );
    assert_eq!(
        stored_points(&admin, A),
        48,
        "nothing of the bad file stored"
    );

    let (ct, body) = upload_form(&csrf, A, "enedis", "not an Enedis file\n");
    let r = admin.request("POST", &url, Some(&ct), body.as_bytes());
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("upload-errors"));
}

#[test]
fn the_upload_form_needs_the_csrf_token_and_a_managed_district() {
    let app = spawn_app();
    let admin = app.admin();
    let id = admin.create_district(&small_district("Les Tilleuls", &[A, B]));
    admin.create_user("alice", "participant", id, Some(A));
    let url = format!("/districts/{id}/upload");
    let curve = day_curve("2025-06-02");

    // A forged token.
    let (ct, body) = upload_form("forged", A, "csv", &curve);
    assert_eq!(
        admin
            .request("POST", &url, Some(&ct), body.as_bytes())
            .status,
        403
    );
    // A PRM that is not a participant of this district, and a district that does not exist.
    let csrf = admin.csrf.clone().unwrap();
    let (ct, body) = upload_form(&csrf, "39999999999999", "csv", &curve);
    assert_eq!(
        admin
            .request("POST", &url, Some(&ct), body.as_bytes())
            .status,
        404
    );
    let (ct, body) = upload_form(&csrf, A, "csv", &curve);
    assert_eq!(
        admin
            .request("POST", "/districts/999/upload", Some(&ct), body.as_bytes())
            .status,
        404
    );
    // A participant does not manage the district: 404, with their own valid token too.
    let alice = app.login("alice", USER_PASSWORD);
    assert_eq!(alice.get(&url).status, 404);
    let (ct, body) = upload_form(alice.csrf.as_deref().unwrap(), A, "csv", &curve);
    assert_eq!(
        alice
            .request("POST", &url, Some(&ct), body.as_bytes())
            .status,
        404
    );
    assert!(
        !alice
            .get(&format!("/participants/{A}"))
            .body
            .contains("upload-link")
    );
    // Without a session: the login form.
    let anon = app.client();
    assert_eq!(anon.get(&url).header("location"), Some("/login"));
    assert_eq!(
        anon.request("POST", &url, Some(&ct), body.as_bytes())
            .header("location"),
        Some("/login")
    );
    assert_eq!(
        stored_points(&admin, A),
        0,
        "nothing stored by any of these"
    );
    // The programme's participant page links to the form.
    assert!(
        admin
            .get(&format!("/participants/{A}"))
            .body
            .contains(&format!("/districts/{id}/upload?lang=fr&amp;prm={A}"))
    );
}

//! Headless Chromium for dashboard tests: Debian's `chromium` driven through `chromedriver`
//! with W3C WebDriver, over a tiny blocking HTTP/1.1 JSON client (no client library).
//!
//! [`available`] decides whether a browser test runs: without `/usr/bin/chromedriver` or
//! `/usr/bin/chromium` it prints why the test is skipped and returns false, unless
//! `QUARTIER_REQUIRE_BROWSER=1` (CI), where it panics. [`Driver::start`] runs chromedriver
//! (killed on drop), [`Browser::open`] a session on a server's address; its methods panic
//! with the driver's message when a command fails, as a test should. [`Browser::shot`]
//! saves a PNG to [`screenshot_dir`] (`target/screenshots/`).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::http::{dechunk, free_port};

/// Where Debian's `chromium-driver` package installs chromedriver.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Where Debian's `chromium` package installs the browser.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The W3C key of an element reference.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// The browser window's size in CSS pixels.
const WINDOW_WIDTH: u64 = 1280;
const WINDOW_HEIGHT: u64 = 900;
/// The tallest screenshot [`Browser::shot`] takes, in CSS pixels.
pub const MAX_SHOT_HEIGHT: u64 = 8000;
/// Long enough for any page or driver start on a loaded machine; only to avoid hanging forever.
pub const DEADLINE: Duration = Duration::from_secs(180);

/// True when CI demands the browser (`QUARTIER_REQUIRE_BROWSER=1`).
pub fn required() -> bool {
    std::env::var("QUARTIER_REQUIRE_BROWSER").as_deref() == Ok("1")
}

/// True when chromedriver and Chromium are there; otherwise prints why the test is skipped
/// and returns false.
///
/// # Panics
/// When one is missing and `QUARTIER_REQUIRE_BROWSER=1`: CI must not skip silently.
pub fn available() -> bool {
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
    if required() {
        panic!("QUARTIER_REQUIRE_BROWSER=1 but {why}");
    }
    eprintln!("skipping the browser test: {why}");
    false
}

/// `target/screenshots/` (under `$CARGO_TARGET_DIR` when set), created if needed.
///
/// # Panics
/// When the folder cannot be created.
pub fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).expect("target/screenshots can be created");
    dir.canonicalize().unwrap_or(dir)
}

/// Standard base64 (RFC 4648, with or without padding), as WebDriver returns screenshots.
/// `None` on a character outside the alphabet.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    fn val(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    }
    let clean: Vec<u8> = s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut acc = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            acc |= val(*c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len().max(1)]);
    }
    Some(out)
}

/// One HTTP/1.1 request with a JSON body to chromedriver; returns (status, JSON; `Null` when
/// the body is not JSON).
///
/// # Panics
/// When chromedriver cannot be reached or closes the connection mid-response.
fn http_json(addr: SocketAddr, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let mut s = TcpStream::connect(addr).expect("chromedriver accepts connections");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    // chromedriver only answers requests whose Host is a loopback address.
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes())
        .expect("request to chromedriver");
    s.write_all(body.as_bytes())
        .expect("request to chromedriver");
    // chromedriver keeps the connection open: read the head, then Content-Length bytes.
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let split = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut buf).expect("answer from chromedriver");
        assert!(n > 0, "chromedriver closed the connection mid-response");
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_lowercase();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("an HTTP status from chromedriver");
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok());
    let mut payload = raw.split_off(split + 4);
    match length {
        Some(len) => {
            while payload.len() < len {
                let n = s.read(&mut buf).expect("answer from chromedriver");
                assert!(n > 0, "chromedriver closed the connection mid-body");
                payload.extend_from_slice(&buf[..n]);
            }
        }
        None => {
            s.read_to_end(&mut payload)
                .expect("answer from chromedriver");
            if head.contains("transfer-encoding: chunked") {
                payload = dechunk(&payload);
            }
        }
    }
    let v = serde_json::from_slice(&payload).unwrap_or(Value::Null);
    (status, v)
}

/// chromedriver as a child process on a free port; it and the browsers it started end on
/// drop.
pub struct Driver {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // Closes the browsers it started, then ends.
        if TcpStream::connect(self.addr).is_ok() {
            let _ = std::panic::catch_unwind(|| http_json(self.addr, "GET", "/shutdown", None));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// Starts chromedriver and waits until it reports ready.
    ///
    /// # Panics
    /// When it does not start or is not ready within [`DEADLINE`].
    pub fn start() -> Driver {
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

/// A headless Chromium session (a 1280×900 window, English) on one server, with its own profile.
pub struct Browser<'a> {
    driver: &'a Driver,
    session: String,
    base: String,
    shots: PathBuf,
    _profile: tempfile::TempDir,
}

impl Drop for Browser<'_> {
    fn drop(&mut self) {
        let path = format!("/session/{}", self.session);
        let addr = self.driver.addr;
        let _ = std::panic::catch_unwind(|| http_json(addr, "DELETE", &path, None));
    }
}

impl<'a> Browser<'a> {
    /// Opens a session whose paths are relative to `http://{app}`; screenshots go to `shots`.
    ///
    /// # Panics
    /// When chromedriver refuses the session.
    pub fn open(driver: &'a Driver, app: SocketAddr, shots: PathBuf) -> Browser<'a> {
        let profile = tempfile::tempdir().expect("a temporary browser profile");
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
        let session = v["value"]["sessionId"]
            .as_str()
            .expect("a session id")
            .to_string();
        Browser {
            driver,
            session,
            base: format!("http://{app}"),
            shots,
            _profile: profile,
        }
    }

    /// Sends a WebDriver command of this session (`path` after `/session/{id}`); returns its
    /// `value`.
    ///
    /// # Panics
    /// When the driver answers with an error.
    pub fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, v) = http_json(
            self.driver.addr,
            method,
            &format!("/session/{}{path}", self.session),
            body.as_ref(),
        );
        assert_eq!(status, 200, "{method} {path}: {v}");
        v["value"].clone()
    }

    /// Navigates to `path` on the server and waits for the page to load.
    pub fn go(&self, path: &str) {
        self.cmd(
            "POST",
            "/url",
            Some(json!({"url": format!("{}{path}", self.base)})),
        );
    }

    /// The current path (with query), without the server's origin.
    pub fn path(&self) -> String {
        let url = self.cmd("GET", "/url", None);
        url.as_str()
            .unwrap_or_default()
            .trim_start_matches(&self.base)
            .to_string()
    }

    /// The reference of the first element matching `css`.
    ///
    /// # Panics
    /// When none matches.
    pub fn find(&self, css: &str) -> String {
        let v = self.cmd(
            "POST",
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        v[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element {css}: {v}"))
            .to_string()
    }

    /// How many elements match `css`.
    pub fn count(&self, css: &str) -> usize {
        self.cmd(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .as_array()
        .map_or(0, Vec::len)
    }

    /// Types `text` into the first element matching `css` (a file input takes a path).
    pub fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({"text": text})),
        );
    }

    /// Clicks the first element matching `css` (see [`Browser::follow`] for links).
    pub fn click(&self, css: &str) {
        let e = self.find(css);
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    /// Runs a script; `None` when the driver refuses (e.g. while the document changes).
    pub fn try_script(&self, js: &str) -> Option<Value> {
        let (status, v) = http_json(
            self.driver.addr,
            "POST",
            &format!("/session/{}/execute/sync", self.session),
            Some(&json!({"script": js, "args": []})),
        );
        (status == 200).then(|| v["value"].clone())
    }

    /// Runs a script (a function body: `return …;`) and returns its value.
    pub fn script(&self, js: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": []})),
        )
    }

    /// The visible text of the page (`document.body.innerText`).
    pub fn text(&self) -> String {
        self.script("return document.body.innerText;")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The document title.
    pub fn title(&self) -> String {
        self.cmd("GET", "/title", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The `href` attribute (as written in the page) of the first element matching `css`.
    pub fn href(&self, css: &str) -> String {
        let e = self.find(css);
        self.cmd("GET", &format!("/element/{e}/attribute/href"), None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Clicks an element that navigates, then waits until the NEXT page is loaded: the
    /// current document is marked first, so a page still showing (the click's navigation not
    /// yet started, its readyState still "complete") is never taken for the new one.
    ///
    /// # Panics
    /// When the next page has not loaded within [`DEADLINE`].
    pub fn follow(&self, css: &str) {
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

    /// Saves a screenshot of the whole page (the window is stretched to the page's height, up
    /// to [`MAX_SHOT_HEIGHT`], then set back) to `<shots>/<step>.png`; returns its path.
    pub fn shot(&self, step: &str) -> PathBuf {
        let height = self
            .script("return Math.ceil(document.documentElement.scrollHeight);")
            .as_u64()
            .unwrap_or(WINDOW_HEIGHT);
        // The window's height includes what the page does not get (about 140 px headless).
        let window = (height + 140).clamp(WINDOW_HEIGHT, MAX_SHOT_HEIGHT);
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({"width": WINDOW_WIDTH, "height": window})),
        );
        let b64 = self.cmd("GET", "/screenshot", None);
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({"width": WINDOW_WIDTH, "height": WINDOW_HEIGHT})),
        );
        let png = base64_decode(b64.as_str().unwrap_or_default()).expect("base64 screenshot");
        assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
        let path = self.shots.join(format!("{step}.png"));
        std::fs::write(&path, png).expect("the screenshot is written");
        println!("screenshot: {}", path.display());
        path
    }

    /// Opens the login form (in English) and types `user` and `password`; the caller submits
    /// it with `follow("form button")`.
    pub fn login(&self, user: &str, password: &str) {
        self.go("/login?lang=en");
        self.type_into("input[name=username]", user);
        self.type_into("input[name=password]", password);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            assert_eq!(base64_decode(enc).as_deref(), Some(dec.as_bytes()));
        }
        assert_eq!(base64_decode("Zm9v!"), None);
    }
}

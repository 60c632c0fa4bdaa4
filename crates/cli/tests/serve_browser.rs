//! `quartier serve` on a fresh clone, in a real browser: the real binary starts on a free
//! loopback port with a fresh SQLite database and data folder, loads the demo districts
//! (Meudon-la-Forêt with its energy community, HydroSeine) and simulates each once; headless
//! Chromium then walks through every page of the dashboard, first as the programme (districts,
//! district overview, simulation job, energy community, a bill, upload form, asset registry,
//! one asset, HydroSeine, experiments, one experiment, programme table), then as a participant
//! of Meudon's community (their own curve page, their own share of the community and their own
//! bill; another member's bill and the experiments are the 404 page).
//!
//! Each page is checked on its visible text, not only its status, and saved as
//! `target/screenshots/serve-NN-<page>.png`. Without chromedriver and Chromium the test is
//! skipped with a printed reason, unless `QUARTIER_REQUIRE_BROWSER=1` (CI).

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use quartier_testdata::browser::{self, Browser, DEADLINE, Driver, screenshot_dir};
use quartier_testdata::http::{free_port, request};
use serde_json::{Value, json};

const ADMIN_PASSWORD: &str = "serve-browser-admin-1";
const PARTICIPANT: &str = "ecole";
const PARTICIPANT_PASSWORD: &str = "ecole-password-1";
/// Meudon's first community member, École élémentaire Jean Jaurès (examples/meudon-community.toml).
const PRM: &str = "30000000000001";
/// Another member: Gymnase Lurçat.
const OTHER_PRM: &str = "30000000000002";
const OTHER_NAME: &str = "Gymnase Lurçat";
const MEUDON: &str = "Meudon-la-Forêt — communauté d'énergie";
const HYDROSEINE: &str = "HydroSeine — Val de Seine, Issy-les-Moulineaux";

/// The running server, killed on drop (a failing assertion too), with its temporary folder.
struct Server {
    child: Child,
    addr: SocketAddr,
    dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("server log:\n{}", self.log());
        }
    }
}

impl Server {
    /// Starts `quartier serve` on a fresh database and data folder and waits until it answers.
    fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_quartier"))
            .args(["serve", "--addr", &addr.to_string()])
            .arg("--db")
            .arg(format!("sqlite://{}", dir.path().join("q.db").display()))
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .env("QUARTIER_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("quartier serve starts");
        let mut server = Server { child, addr, dir };
        let t0 = Instant::now();
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("quartier serve exited ({status})");
            }
            if request(addr, "GET", "/api/v1/openapi.json", None, b"")
                .is_ok_and(|r| r.status == 200)
            {
                return server;
            }
            assert!(t0.elapsed() < DEADLINE, "the server never answered");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("serve.log")).unwrap_or_default()
    }

    /// Logs in through the API; returns the session cookie.
    fn login(&self, user: &str, password: &str) -> String {
        let body = json!({"username": user, "password": password}).to_string();
        let r = request(self.addr, "POST", "/api/v1/login", None, body.as_bytes()).unwrap();
        assert_eq!(r.status, 200, "{}", r.body);
        r.cookie().expect("a session cookie")
    }

    /// Waits until job `id` has succeeded (panics if it fails or takes past the deadline).
    fn wait_for_job(&self, cookie: &str, id: i64) -> Value {
        let t0 = Instant::now();
        loop {
            let r = request(
                self.addr,
                "GET",
                &format!("/api/v1/jobs/{id}"),
                Some(cookie),
                b"",
            )
            .unwrap();
            assert_eq!(r.status, 200, "{}", r.body);
            let job = r.json();
            match job["status"].as_str() {
                Some("succeeded") => return job,
                Some("queued" | "running") => {}
                other => panic!("job {id} ended {other:?}: {}", job["error"]),
            }
            assert!(t0.elapsed() < DEADLINE, "job {id} never finished");
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// Asserts that the page text contains every one of `needles`.
#[track_caller]
fn assert_shows(b: &Browser, needles: &[&str]) {
    let text = b.text();
    for n in needles {
        assert!(text.contains(n), "{} lacks {n:?}:\n{text}", b.path());
    }
}

/// Asserts that the page text contains none of `needles`.
#[track_caller]
fn assert_hides(b: &Browser, needles: &[&str]) {
    let text = b.text();
    for n in needles {
        assert!(!text.contains(n), "{} shows {n:?}:\n{text}", b.path());
    }
}

/// The value shown on the KPI card whose label is `label`.
fn card(b: &Browser, label: &str) -> String {
    let js = format!(
        "var cs = Array.from(document.querySelectorAll('.card')); \
         var c = cs.find(function(c) {{ return c.querySelector('.k').innerText.indexOf({label:?}) >= 0; }}); \
         return c ? c.querySelector('.v').innerText : null;"
    );
    let v = b.script(&js);
    let text = v.as_str().unwrap_or_else(|| panic!("no card {label:?}"));
    text.trim().to_string()
}

/// Waits until the asset page's plan section is in the page; returns how many SVG charts it
/// holds (drawn inline).
fn plan_chart_svgs(b: &Browser) -> u64 {
    let t0 = Instant::now();
    loop {
        let n = b
            .try_script(
                "var s = document.getElementById('plan'); \
                 return s ? s.querySelectorAll('svg').length : -1;",
            )
            .and_then(|v| v.as_i64())
            .unwrap_or(-1);
        if n >= 0 {
            return n as u64;
        }
        assert!(t0.elapsed() < DEADLINE, "the plan chart never loaded");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_fresh_server_shows_every_dashboard_page_to_the_programme_and_to_a_participant() {
    if !browser::available() {
        return;
    }
    let t0 = Instant::now();
    let server = Server::start();
    let admin = server.login("admin", ADMIN_PASSWORD);
    // Job 1 is Meudon's simulation (the one its community's curves come from), job 2
    // allocates the community, job 3 simulates HydroSeine.
    for (job, kind) in [(1, "simulation"), (2, "allocation"), (3, "simulation")] {
        assert_eq!(server.wait_for_job(&admin, job)["kind"], kind, "job {job}");
    }
    let ready = t0.elapsed();

    let driver = Driver::start();
    let shots = screenshot_dir();
    let b = Browser::open(&driver, server.addr, shots.clone());

    // The programme logs in through the form.
    b.login("admin", ADMIN_PASSWORD);
    assert_shows(&b, &["Log in"]);
    b.shot("serve-01-login");
    b.follow("form button");
    assert!(b.path().starts_with("/districts"), "{}", b.path());

    // Both demo districts are listed.
    assert_shows(&b, &[MEUDON, HYDROSEINE]);
    assert_eq!(b.count("main a[href^=\"/districts/\"]"), 2, "{}", b.text());
    b.shot("serve-02-districts");

    // Meudon's overview: KPI cards of its first simulation and charts.
    b.follow("a[href^=\"/districts/1\"]");
    assert_eq!(b.title(), format!("{MEUDON} — Quartier"));
    assert_shows(
        &b,
        &[
            "Participants: 41",
            "Production",
            "Self-consumption rate",
            "Grid import",
            "Energy cost",
            "Run of ",
        ],
    );
    assert_hides(&b, &["No simulation of this district yet"]);
    assert_eq!(
        b.count(".card"),
        11,
        "KPI cards (no hydrogen cards: Meudon has none)"
    );
    assert_hides(&b, &["H₂ produced"]);
    assert!(b.count("svg") >= 3, "charts");
    let meudon_kpis = (card(&b, "Production"), card(&b, "Self-consumption rate"));
    b.shot("serve-03-meudon");

    // The job page of that simulation: done.
    b.go("/jobs/1?lang=en");
    assert_eq!(
        b.script("return document.getElementById('status').textContent;"),
        "succeeded"
    );
    assert_eq!(
        b.script("return document.getElementById('pct').textContent;"),
        "100"
    );
    b.shot("serve-04-job");

    // Its energy community: totals, chart, every member's monthly rows with bill links.
    b.go("/districts/1?lang=en");
    b.follow("#community-link");
    assert_shows(
        &b,
        &[
            "Communauté d'énergie de Meudon-la-Forêt",
            "Collective self-consumption",
            "Consumers' bills",
            "Same bills without the operation",
            &format!("École élémentaire Jean Jaurès ({PRM}, consumer)"),
            &format!("{OTHER_NAME} ({OTHER_PRM}, consumer)"),
        ],
    );
    assert!(b.count("svg") >= 1, "the community chart");
    let bills = b.count("a[href*=\"/community/bills/\"]");
    assert!(bills >= 12, "bill links: {bills}");
    let community = (
        card(&b, "Collective self-consumption"),
        card(&b, "Consumers' bills"),
    );
    b.shot("serve-05-community");

    // One bill, following its link in the member's folded table.
    b.click(&format!("details:has(a[href*=\"/bills/{PRM}/\"]) summary"));
    b.follow(&format!(
        "a[href^=\"/districts/1/community/bills/{PRM}/2025-01\"]"
    ));
    assert_eq!(
        b.path(),
        format!("/districts/1/community/bills/{PRM}/2025-01?lang=en")
    );
    assert_eq!(
        b.count("#bill-nav a"),
        2,
        "a way back to the community, and the PDF"
    );
    assert_shows(
        &b,
        &[
            "Comparison statement",
            "École élémentaire Jean Jaurès",
            PRM,
            "Total excl. VAT",
            "Without the operation",
            "Download the PDF",
        ],
    );
    // The English bill, in English only.
    assert_hides(&b, &["Total HT", "Sans l'opération"]);
    b.shot("serve-06-bill");

    // The upload form lists Meudon's participants.
    b.go("/districts/1?lang=en");
    b.follow("#upload-link");
    assert!(
        b.title().starts_with("Upload a meter curve"),
        "{}",
        b.title()
    );
    assert_eq!(b.count("select[name=prm] option"), 41);
    assert_shows(&b, &["A file with any error is rejected whole"]);
    b.shot("serve-07-upload");

    // Meudon's asset registry: 71 assets and the replacement plan chart.
    b.go("/districts/1?lang=en");
    b.follow("#assets-link");
    assert_shows(
        &b,
        &[
            "Assets\n71",
            "Replacements in the horizon",
            "Net present value of costs",
        ],
    );
    assert_eq!(b.count("a[href^=\"/assets/\"]"), 71, "one link per asset");
    assert!(plan_chart_svgs(&b) >= 1, "the plan chart");
    b.shot("serve-08-meudon-assets");

    // One asset.
    b.follow("a[href^=\"/assets/\"]");
    assert_shows(
        &b,
        &[
            "Kind",
            "Lifetime (years)",
            "Next replacement",
            "Maintenance log",
        ],
    );
    b.shot("serve-09-asset");

    // HydroSeine: its hydrogen chain produced some H2.
    b.go("/districts?lang=en");
    b.follow("a[href^=\"/districts/2\"]");
    assert_eq!(b.title(), format!("{HYDROSEINE} — Quartier"));
    assert_shows(&b, &["H₂ produced", "H₂ unserved", "Self-sufficiency rate"]);
    let h2 = card(&b, "H₂ produced");
    assert!(h2.ends_with("\u{a0}kg") && !h2.starts_with('0'), "{h2}");
    b.shot("serve-10-hydroseine");
    b.follow("#assets-link");
    assert_shows(&b, &["Assets\n23"]);
    assert_eq!(b.count("a[href^=\"/assets/\"]"), 23);
    assert!(plan_chart_svgs(&b) >= 1, "the plan chart");
    b.shot("serve-11-hydroseine-assets");

    // The experiments, from the navigation.
    b.follow("header a[href^=\"/experiments\"]");
    assert_shows(
        &b,
        &[
            "Vélos-cargos des services municipaux",
            "Transition énergétique des bâtiments publics",
            "HydroSeine : quartier démonstrateur de la ville hydrogène",
            "Recharge automatique mains libres des véhicules électriques",
        ],
    );
    assert_eq!(
        b.count("a[href^=\"/experiments/\"]"),
        8,
        "the seed's eight experiments"
    );
    b.shot("serve-12-experiments");

    // One experiment: the avoided energy, its monthly and cumulative charts.
    b.follow("a[href^=\"/experiments/meudon-renovation-mairie-annexe\"]");
    assert_shows(
        &b,
        &[
            "Avoided energy",
            "Fractional savings uncertainty",
            "CV(RMSE)",
            "Cumulative avoided",
        ],
    );
    assert!(b.count("svg") >= 2, "two charts");
    b.shot("serve-13-experiment");

    // The portfolio: the seed's eight experiments, where each stands, on a laptop's width.
    b.go("/experiments?lang=en");
    b.follow("main a[href^=\"/programme?\"]");
    assert_shows(
        &b,
        &[
            "Programme portfolio",
            "HydroSeine : quartier démonstrateur de la ville hydrogène",
            "Prototype de véhicule hybride électrique-humain",
            "Communauté énergétique territoriale",
            "Rule:",
            "Indicators: definition and source",
        ],
    );
    assert_eq!(
        b.count("table.portfolio .badge"),
        8,
        "the seed's eight experiments"
    );
    assert_eq!(
        b.script(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;"
        ),
        json!(true),
        "the portfolio needs no horizontal scrolling at 1280 px"
    );
    assert!(b.count("section.chart svg") >= 1, "the timeline");
    b.shot("serve-14-portfolio");

    // The programme's monthly indicators.
    b.follow("main a[href^=\"/programme/indicators\"]");
    assert_shows(
        &b,
        &[
            "Programme: monthly indicators",
            "cargo-bike distance",
            "avoided energy",
        ],
    );
    b.shot("serve-14b-programme-indicators");

    // The seed's call for applications: closed, its three applications ranked and decided.
    b.go("/calls?lang=en");
    assert_shows(
        &b,
        &[
            "Quartiers Métropolitains d'Innovation — appel à expérimentations 2025",
            "closed",
        ],
    );
    b.follow("main a[href$=\"/ranking?lang=en\"]");
    assert_shows(
        &b,
        &[
            "Vélos-cargos des services municipaux",
            "Trottinettes en libre-service",
            "selected",
            "rejected",
        ],
    );
    assert_eq!(b.count("#ranking tr"), 4, "a header and three applications");
    b.shot("serve-14c-call-ranking");

    // A participant login for Meudon's school, through the API.
    let body = json!({"username": PARTICIPANT, "password": PARTICIPANT_PASSWORD,
                      "role": "participant", "district_id": 1, "prm": PRM})
    .to_string();
    let r = request(
        server.addr,
        "POST",
        "/api/v1/users",
        Some(&admin),
        body.as_bytes(),
    )
    .unwrap();
    assert_eq!(r.status, 201, "{}", r.body);

    // The programme logs out; the participant logs in and lands on their own page.
    b.follow("header form button");
    assert!(b.path().starts_with("/login"), "{}", b.path());
    b.login(PARTICIPANT, PARTICIPANT_PASSWORD);
    b.follow("form button");
    assert_eq!(b.path(), format!("/participants/{PRM}"));
    assert_shows(&b, &[&format!("PRM {PRM}")]);
    assert_eq!(
        b.count("a[href^=\"/experiments\"]"),
        0,
        "no Experiments link for a participant"
    );
    assert_hides(&b, &["Experiments"]);
    assert_eq!(b.count("#upload-link"), 0, "a participant does not upload");
    assert_hides(&b, &["No data in this period"]);
    assert!(b.count("svg") >= 1, "their own load curve is drawn");
    b.shot("serve-15-participant");

    // Their district, as they see it: their figures and the way to their pages.
    b.go("/districts/1?lang=fr");
    assert_shows(
        &b,
        &[
            "Ma participation",
            "Taux de couverture",
            "Ma courbe de charge",
            "Ma part de la communauté d'énergie",
        ],
    );
    assert_hides(&b, &[OTHER_NAME, OTHER_PRM, "Lancer une simulation"]);
    b.shot("serve-16-participant-home");

    // Their share of the community: their own rows only.
    b.go("/districts/1/community?lang=en");
    assert_shows(
        &b,
        &[
            "My energy community share",
            &format!("École élémentaire Jean Jaurès ({PRM}, consumer)"),
            "Dec 2025",
        ],
    );
    assert_hides(
        &b,
        &[OTHER_NAME, OTHER_PRM, "Médiathèque", "Consumers' bills"],
    );
    assert_eq!(
        b.count("a[href*=\"/community/bills/\"]"),
        12,
        "their 12 bills"
    );
    assert_eq!(
        b.count(&format!(
            "a[href*=\"/community/bills/\"]:not([href*=\"/{PRM}/\"])"
        )),
        0
    );
    assert!(b.count("svg") >= 1, "their chart");
    b.shot("serve-16-participant-community");

    // Their own bill.
    b.follow(&format!(
        "a[href^=\"/districts/1/community/bills/{PRM}/2025-06\"]"
    ));
    assert_shows(&b, &[PRM, "Total excl. VAT", "June 2025"]);
    b.shot("serve-17-participant-bill");

    // Another member's bill and the experiments: the 404 page, nothing of theirs shown.
    b.go(&format!(
        "/districts/1/community/bills/{OTHER_PRM}/2025-06?lang=en"
    ));
    assert_shows(&b, &["404"]);
    assert_hides(&b, &[OTHER_NAME, OTHER_PRM, "Total HT"]);
    b.shot("serve-18-other-bill-404");
    b.go("/experiments?lang=en");
    assert_shows(&b, &["404"]);
    assert_hides(&b, &["Vélos-cargos", "Rénovation"]);
    b.shot("serve-19-experiments-404");

    // Signed out: the published results and the open data, nothing else.
    b.go("/programme?lang=en");
    b.follow("header form button");
    b.go("/public/experiments?lang=en");
    assert_shows(
        &b,
        &[
            "Results of the experiments",
            "Vélos-cargos des services municipaux",
            "Open data",
        ],
    );
    assert_hides(&b, &["Prototype de véhicule hybride"]);
    b.follow("main a[href^=\"/public/experiments/meudon-cargo-bikes\"]");
    assert_shows(
        &b,
        &[
            "cargo-bike distance",
            "Some values on this page are illustrative",
        ],
    );
    assert!(b.count("section.chart svg") >= 2, "a chart per indicator");
    b.shot("serve-20-public-experiment");
    b.go("/programme?lang=en");
    assert!(b.path().starts_with("/login"), "{}", b.path());

    println!(
        "server ready with both simulations in {:.1} s; whole test {:.1} s",
        ready.as_secs_f64(),
        t0.elapsed().as_secs_f64()
    );
    let plain = |s: &str| s.replace(['\u{202f}', '\u{a0}'], " ");
    println!(
        "Meudon: production {}, self-consumption rate {}; community: collective \
         self-consumption {}, consumers' bills {}; HydroSeine: H2 produced {}",
        plain(&meudon_kpis.0),
        plain(&meudon_kpis.1),
        plain(&community.0),
        plain(&community.1),
        plain(&h2)
    );
    println!("screenshots in {}", shots.display());
    assert!(Path::new(&shots.join("serve-20-public-experiment.png")).is_file());
}

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

use std::time::{Duration, Instant};

use common::*;
use quartier_testdata::browser::{self, Browser, DEADLINE, Driver, screenshot_dir};

const A: &str = "30000000000001";
const B: &str = "30000000000002";

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
    if !browser::available() {
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
        b.script("return String(document.getElementById('fill').value);"),
        "100"
    );
    // The page's own style sheet applies: the Content Security Policy lets it through (by its
    // hash) and no other inline style.
    assert_eq!(
        b.script("return getComputedStyle(document.querySelector('header')).backgroundColor;"),
        "rgb(29, 59, 90)"
    );
    b.shot("04-job-100");

    // Back on the district: KPI cards and charts.
    b.follow(&format!("a[href^=\"/districts/{id}\"]"));
    let text = b.text();
    assert!(
        text.contains("Self-consumption rate") && text.contains("Grid import"),
        "{text}"
    );
    assert!(b.count(".card") >= 11, "KPI cards");
    assert!(
        !b.text().contains("H₂ produced"),
        "no hydrogen cards without hydrogen"
    );
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

    // The same file on the French page: every finding in French, nothing in English.
    let (ct, body) = upload_form(&csrf, A, "csv", &broken);
    let fr_url = url.replace("lang=en", "lang=fr");
    let r = admin.request("POST", &fr_url, Some(&ct), body.as_bytes());
    assert_eq!(r.status, 422, "{}", r.body);
    for said in [
        "valeur illisible",
        "valeur négative",
        "un nombre comme 1,5 ou 1.5",
    ] {
        assert!(r.body.contains(said), "{said}: {}", r.body);
    }
    for english in [
        "unparsable",
        "negative",
        "a number such as",
        "<span lang=en>",
    ] {
        assert!(!r.body.contains(english), "{english}: {}", r.body);
    }
    let (ct, body) = upload_form(&csrf, A, "csv", "");
    let r = admin.request("POST", &fr_url, Some(&ct), body.as_bytes());
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("aucun fichier"), "{}", r.body);

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

/// What the test itself named, in French whatever the page's language: the data's names.
const DATA_NAMES: [&str; 7] = [
    "1 place de la Mairie",
    "Les Tilleuls",
    "Toiture de l'école",
    "ACC des Tilleuls",
    "Foyer 0",
    "Foyer 1",
    "Quartier",
];

/// Small words that belong to one language only: one of them in a page of the other language
/// is a sentence nobody translated, even when it is in no label (a message built in code, a
/// report's note, an error).
const ENGLISH_ONLY: [&str; 22] = [
    "the", "and", "of", "with", "from", "to", "is", "are", "for", "this", "your", "not", "by",
    "per", "has", "have", "was", "be", "at", "it", "its", "which",
];
const FRENCH_ONLY: [&str; 22] = [
    "le", "la", "les", "des", "du", "et", "est", "avec", "pour", "une", "aux", "sur", "dans",
    "votre", "vos", "pas", "sont", "ou", "au", "cette", "qui", "par",
];

/// The words of the other language found in `text` (a page rendered in `lang`): every label
/// whose French and English differ, matched as whole words, and the other language's small
/// words ([`ENGLISH_ONLY`], [`FRENCH_ONLY`]) outside the data's names.
fn other_language_words(text: &str, lang: &str) -> Vec<String> {
    let mut found = other_language_labels(text, lang);
    let mut text = text.to_string();
    for name in DATA_NAMES {
        text = text.replace(name, " ");
    }
    let small: &[&str] = if lang == "fr" {
        &ENGLISH_ONLY
    } else {
        &FRENCH_ONLY
    };
    for line in text.lines() {
        let words: Vec<String> = line
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .map(str::to_lowercase)
            .collect();
        // The apostrophe joins French elisions (l'énergie): split them too.
        let hit = words
            .iter()
            .flat_map(|w| w.split('\''))
            .find(|w| small.contains(w));
        if let Some(w) = hit {
            found.push(format!("{w:?} in {:?}", line.trim()));
        }
    }
    found
}

/// The labels of the other language found in `text` (see [`other_language_words`]).
fn other_language_labels(text: &str, lang: &str) -> Vec<String> {
    let words_at = |needle: &str| {
        text.match_indices(needle).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + needle.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    };
    let mut found = Vec::new();
    for (key, fr, en) in quartier_web::ui_labels() {
        if fr == en || key.starts_with("exp_") && fr.len() < 4 {
            continue;
        }
        let (mine, other) = if lang == "fr" { (fr, en) } else { (en, fr) };
        // A label of the other language that is not also part of this language's own text.
        if other.chars().count() >= 4 && !mine.contains(other) && words_at(other) {
            found.push(format!("{key}: {other:?}"));
        }
    }
    found
}

#[test]
fn the_new_screens_speak_one_language_per_page() {
    if !browser::available() {
        return;
    }
    let app = spawn_app();
    let admin = app.admin();
    let id = admin.create_district(&small_district("Les Tilleuls", &[A, B]));
    admin.create_user("alice", "participant", id, Some(A));
    admin.create_user("olivia", "organiser", id, None);
    let r = admin.put_text(
        &format!("/api/v1/participants/{A}/curve?format=csv"),
        &day_curve("2025-06-02"),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let job = admin.post_json(
        &format!("/api/v1/districts/{id}/simulations"),
        &serde_json::json!({}),
    );
    let job_id = job.json()["job_id"].as_i64().unwrap();
    wait_job(&admin, &format!("/api/v1/jobs/{job_id}"));
    // Its energy community (producer P, curves in its folder), allocated, and its assets.
    let r = admin.post_json(
        &format!("/api/v1/districts/{id}/participants"),
        &serde_json::json!({"prm": COMMUNITY_P, "name": "Toiture de l'école", "role": "producer"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    admin.create_user("paul", "participant", id, Some(COMMUNITY_P));
    write_community_curves(&app, id, |i| {
        if (12..36).contains(&(i % 48)) {
            3.0
        } else {
            0.0
        }
    });
    let r = admin.put_text(
        &format!("/api/v1/districts/{id}/community"),
        &community_with_invoicing(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = admin.post_json(
        &format!("/api/v1/districts/{id}/allocations"),
        &serde_json::json!({}),
    );
    wait_job(&admin, r.json()["status_url"].as_str().unwrap());
    let r = admin.post_json(
        &format!("/api/v1/districts/{id}/invoices"),
        &serde_json::json!({"month": "2025-06"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let own_invoice = r.json()["issued"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["member"] == A)
        .unwrap()["number"]
        .as_str()
        .unwrap()
        .to_string();
    let r = admin.post_json(
        &format!("/api/v1/districts/{id}/assets"),
        &serde_json::json!({}),
    );
    assert_eq!(r.status, 201, "{}", r.body);

    let driver = Driver::start();
    let programme = [
        "/districts".to_string(),
        format!("/districts/{id}"),
        format!("/districts/{id}/people"),
        format!("/participants/{A}/coverage"),
        format!("/jobs/{job_id}"),
        "/account".to_string(),
        "/audit".to_string(),
        format!("/districts/{id}/community"),
        format!("/districts/{id}/community/bills/{A}/2025-06"),
        format!("/districts/{id}/assets"),
        format!("/districts/{id}/upload"),
        format!("/participants/{A}"),
        "/experiments".to_string(),
        "/programme".to_string(),
    ];
    let organiser = [
        format!("/districts/{id}"),
        format!("/districts/{id}/people"),
        format!("/districts/{id}/community"),
        format!("/districts/{id}/community/invoices"),
        format!("/districts/{id}/community/invoices/{own_invoice}"),
        format!("/districts/{id}/community/reconciliation"),
        format!("/districts/{id}/community/history"),
        format!("/districts/{id}/community/versions/1"),
        format!("/participants/{B}/coverage"),
        "/account".to_string(),
    ];
    let producer = [
        "/districts".to_string(),
        format!("/districts/{id}"),
        format!("/participants/{COMMUNITY_P}"),
        format!("/districts/{id}/community"),
        format!("/districts/{id}/community/bills/{COMMUNITY_P}/2025-06"),
        format!("/districts/{id}/community/invoices"),
    ];
    let participant = [
        "/districts".to_string(),
        format!("/districts/{id}"),
        format!("/participants/{A}"),
        format!("/participants/{A}/coverage"),
        format!("/districts/{id}/community"),
        format!("/districts/{id}/community/bills/{A}/2025-06"),
        format!("/districts/{id}/community/invoices"),
        format!("/districts/{id}/community/invoices/{own_invoice}"),
        "/account".to_string(),
    ];
    // What each role may not open: the 404 page, in the page's language too.
    let refused: [(&str, Vec<String>); 2] = [
        ("olivia", vec!["/audit".to_string()]),
        (
            "alice",
            vec![
                format!("/districts/{id}/people"),
                format!("/participants/{B}/coverage"),
                "/audit".to_string(),
                format!("/districts/{id}/community/reconciliation"),
                format!("/districts/{id}/community/history"),
            ],
        ),
    ];
    let mut mixed = Vec::new();
    for (user, password, pages) in [
        ("admin", ADMIN_PASSWORD, &programme[..]),
        ("olivia", USER_PASSWORD, &organiser[..]),
        ("alice", USER_PASSWORD, &participant[..]),
        ("paul", USER_PASSWORD, &producer[..]),
    ] {
        let b = Browser::open(&driver, app.addr, screenshot_dir());
        b.login(user, password);
        b.follow("form button");
        let no = refused
            .iter()
            .find(|(u, _)| *u == user)
            .map(|(_, p)| p.clone())
            .unwrap_or_default();
        for lang in ["fr", "en"] {
            for (i, page) in pages.iter().chain(&no).enumerate() {
                b.go(&format!("{page}?lang={lang}"));
                // The page's own words: its body and the header's links and buttons (not the
                // brand, "Quartier", which is also the French for district).
                // A file shown as it is (a community file's text) is data in no language.
                let text = b
                    .script(
                        "document.querySelectorAll('pre').forEach(e => e.hidden = true);\
                         return (document.querySelector('main') || document.body).innerText + '\\n' + \
                         Array.from(document.querySelectorAll('header a, header button'))\
                         .map(e => e.innerText).join('\\n');",
                    )
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                let not_found =
                    text.contains("Page not found") || text.contains("Page introuvable");
                assert_eq!(not_found, no.contains(page), "{user} {page}: {text}");
                let words = other_language_words(&text, lang);
                if !words.is_empty() {
                    mixed.push(format!("{user} {page}?lang={lang}: {words:?}"));
                }
                // Every page's style applies under the Content Security Policy (a sheet it blocked
                // would leave the header unstyled; a bill has its own sheet).
                let styled = b.script(
                    "var h=document.querySelector('header')||document.querySelector('h1');\
                     return getComputedStyle(h).fontFamily;",
                );
                assert!(
                    styled.as_str().unwrap_or_default().contains("system-ui"),
                    "{user} {page}: unstyled ({styled})"
                );
                b.shot(&format!("lang-{user}-{lang}-{i:02}"));
            }
        }
    }
    assert!(
        mixed.is_empty(),
        "pages that mix languages:\n{}",
        mixed.join("\n")
    );
}

/// The community file of the tests with an `[invoicing]` table.
fn community_with_invoicing() -> String {
    format!(
        "{}\n[invoicing]\nissuer_name = \"ACC des Tilleuls\"\nissuer_address = [\"1 place de la Mairie\", \"92190 Meudon\"]\n\
         issuer_siret = \"00000000000000\"\nvat = \"franchise\"\nnumber_prefix = \"TIL-\"\n",
        community_toml()
    )
}

/// The organiser's month in the dashboard: the rules and members on the community page, the
/// invoices issued with the form and opened, the operator's data uploaded with the form (a
/// bad file refused whole), the reconciliation; then the producer's own page: its
/// production, what was shared and what it earned.
#[test]
fn the_organiser_issues_invoices_and_reconciles_and_a_producer_sees_its_earnings() {
    if !browser::available() {
        return;
    }
    let app = spawn_app();
    let admin = app.admin();
    let id = admin.create_district(&small_district("Les Tilleuls", &[A, B]));
    let r = admin.post_json(
        &format!("/api/v1/districts/{id}/participants"),
        &serde_json::json!({"prm": COMMUNITY_P, "name": "Toiture de l'école", "role": "producer"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    admin.create_user("olivia", "organiser", id, None);
    admin.create_user("paul", "participant", id, Some(COMMUNITY_P));
    write_community_curves(&app, id, |i| {
        if (12..36).contains(&(i % 48)) {
            3.0
        } else {
            0.0
        }
    });
    let r = admin.put_text(
        &format!("/api/v1/districts/{id}/community"),
        &community_with_invoicing(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = admin.post_json(
        &format!("/api/v1/districts/{id}/allocations"),
        &serde_json::json!({}),
    );
    wait_job(&admin, r.json()["status_url"].as_str().unwrap());

    let driver = Driver::start();
    let b = Browser::open(&driver, app.addr, screenshot_dir());
    b.login("olivia", USER_PASSWORD);
    b.follow("form button");
    b.go(&format!("/districts/{id}/community?lang=fr"));
    let text = b.text();
    assert!(
        text.contains("Règles en vigueur") && text.contains("par défaut"),
        "{text}"
    );
    assert_eq!(b.count("#members tr"), 4, "a header and three members");
    b.shot("cycle-community");
    b.follow("#invoices-link");
    assert!(b.path().contains("/community/invoices"), "{}", b.path());
    b.click("#issue-form button");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(b.count("#invoices tr"), 3, "two invoices: {}", b.text());
    assert!(b.text().contains("TIL-000001"), "{}", b.text());
    b.shot("cycle-invoices");
    b.follow("#invoices tr:nth-child(2) td a");
    let text = b.text();
    assert!(
        text.contains("Facture n°") && text.contains("293 B"),
        "{text}"
    );
    b.shot("cycle-invoice");
    // The same month again: nothing new.
    b.go(&format!("/districts/{id}/community/invoices?lang=fr"));
    b.click("#issue-form button");
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(b.count("#invoices tr"), 3);
    b.go(&format!("/districts/{id}/community/history?lang=fr"));
    assert_eq!(b.count("#versions tr"), 2, "one version: {}", b.text());
    // A file that is not the operator's: refused whole, said on the page.
    let bad = std::env::temp_dir().join(format!("quartier-bad-{}.zip", std::process::id()));
    std::fs::write(&bad, b"PK\x05\x06 not a zip").unwrap();
    b.type_into(
        "#official-form input[type=file]",
        &bad.display().to_string(),
    );
    b.click("#official-form button");
    std::thread::sleep(std::time::Duration::from_millis(500));
    let text = b.text();
    assert!(text.contains("zip"), "the problem is said: {text}");
    b.shot("cycle-upload-refused");
    let _ = std::fs::remove_file(&bad);
    b.go(&format!("/districts/{id}/community/history?lang=fr"));
    assert_eq!(b.count("#uploads"), 0, "nothing stored");
    b.go(&format!("/districts/{id}/community/reconciliation?lang=fr"));
    assert!(
        b.text().contains("Aucune donnée du gestionnaire"),
        "{}",
        b.text()
    );

    let p = Browser::open(&driver, app.addr, screenshot_dir());
    p.login("paul", USER_PASSWORD);
    p.follow("form button");
    p.go(&format!("/districts/{id}/community?lang=fr"));
    let text = p.text();
    assert!(
        text.contains("Production") && text.contains("Recettes"),
        "{text}"
    );
    assert!(
        !text.contains("Règles en vigueur"),
        "the organiser's rules are not the producer's"
    );
    p.shot("cycle-producer");
    p.go(&format!("/districts/{id}/community/invoices?lang=fr"));
    assert!(
        p.text().contains("Aucune facture"),
        "a producer receives no invoice: {}",
        p.text()
    );
}

/// The language check itself, without a browser: labels and small words of the other
/// language are found, the data's names are not.
#[test]
fn the_language_check_finds_untranslated_sentences_and_spares_names() {
    let fr = other_language_words(
        "Les Tilleuls\nRépartition du 2 juin\nthe file has no data",
        "fr",
    );
    assert_eq!(fr.len(), 1, "{fr:?}");
    assert!(fr[0].contains("the file has no data"), "{fr:?}");
    let en = other_language_words("Les Tilleuls — Toiture de l'école\nAllocated energy", "en");
    assert!(en.is_empty(), "{en:?}");
    let en = other_language_words("Avoided energy: la part évitée", "en");
    assert_eq!(en.len(), 1, "{en:?}");
}

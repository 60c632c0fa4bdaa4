//! The programme's whole path in a real browser (Chromium, headless): a call opened, an
//! applicant who signs up and submits an application with a PDF, two reviews, the ranking and
//! the selection, the selected application become an experiment whose laureate uploads a
//! monthly report through the form, the portfolio, the publication, and the public page seen
//! signed out; the open data, fetched signed out, agree with their metadata.
//!
//! Screenshots of each step go to `target/screenshots/path-*.png`. Skipped without Chromium
//! unless `QUARTIER_REQUIRE_BROWSER=1` (CI).

mod common;

use chrono::{Datelike, Duration, Utc};
use common::*;
use quartier_testdata::browser::{self, Browser, Driver, screenshot_dir};
use serde_json::{Value, json};
use sha2::Digest;

const SLUG: &str = "meudon-velos-cargos";

/// Sets the value of the form field `css` (a date or number input the browser would
/// otherwise append to).
fn set(b: &Browser, css: &str, value: &str) {
    b.script(&format!(
        "document.querySelector({css:?}).value = {value:?}; return null;"
    ));
}

fn logout(b: &Browser) {
    b.follow("header form button");
    assert!(b.path().starts_with("/login"), "{}", b.path());
}

fn sign_in(b: &Browser, user: &str) {
    b.login(user, USER_PASSWORD);
    b.follow("form button");
}

fn text(b: &Browser) -> String {
    b.text()
}

#[test]
fn a_call_to_open_data_through_the_pages() {
    if !browser::available() {
        return;
    }
    let app = spawn_app();
    let admin = app.admin();
    let now = Utc::now();
    // The experiment starts three months ago, so that last month can be reported and published.
    let start = {
        let d = now.date_naive();
        let m = (d.year() * 12 + d.month0() as i32) - 3;
        chrono::NaiveDate::from_ymd_opt(m.div_euclid(12), (m.rem_euclid(12) + 1) as u32, 1).unwrap()
    };
    let last_month = {
        let d = now.date_naive();
        let m = (d.year() * 12 + d.month0() as i32) - 1;
        format!("{}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
    };
    // The programme creates two reviewers (the call is opened below, through its page).
    for name in ["ana", "bob"] {
        let r = admin.post_json(
            "/api/v1/users",
            &json!({"username": name, "password": USER_PASSWORD, "role": "reviewer"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let files = tempfile::tempdir().unwrap();
    let pdf = files.path().join("presentation.pdf");
    std::fs::write(
        &pdf,
        b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n",
    )
    .unwrap();
    let report = files.path().join("rapport.csv");
    std::fs::write(
        &report,
        format!("mois;indicateur;valeur\n{last_month};cargo-bike distance;2480,5\n"),
    )
    .unwrap();

    let driver = Driver::start();
    let b = Browser::open(&driver, app.addr, screenshot_dir());

    // The programme opens the call through its page (Paris times), a first try with weights
    // that do not add up refused with the problem.
    b.login("admin", ADMIN_PASSWORD);
    b.follow("form button");
    let local = |t: chrono::DateTime<Utc>| {
        t.with_timezone(&chrono_tz::Europe::Paris)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let fill = |weight: &str| {
        b.go("/calls?lang=en");
        b.type_into(
            "#call-form input[name=title]",
            "Appel à expérimentations 2025",
        );
        b.click("#call-form input[name=theme][value=energy]");
        b.click("#call-form input[name=theme][value=mobility]");
        set(
            &b,
            "#call-form input[name=opens]",
            &local(now - Duration::days(1)),
        );
        set(
            &b,
            "#call-form input[name=closes]",
            &local(now + Duration::days(30)),
        );
        b.type_into("#call-form input[name=communes]", "Meudon-la-Forêt");
        b.type_into("#call-form input[name=max_budget_eur]", "300000");
        b.type_into("#call-form input[name=q_key]", "innovation");
        b.type_into("#call-form input[name=q_text]", "En quoi est-ce innovant ?");
        b.click("#call-form input[name=q_required][value=\"0\"]");
        b.script(&format!(
            "var k = document.querySelectorAll('#call-form input[name=c_key]'); \
             var x = document.querySelectorAll('#call-form input[name=c_text]'); \
             var w = document.querySelectorAll('#call-form input[name=c_weight]'); \
             k[0].value = 'innovation'; x[0].value = 'Innovation'; w[0].value = '40'; \
             k[1].value = 'impact'; x[1].value = 'Impact'; w[1].value = '{weight}'; return null;"
        ));
        b.follow("#call-form button");
    };
    fill("50");
    assert!(
        text(&b).contains("criteria") && text(&b).contains("90 %"),
        "{}",
        text(&b)
    );
    fill("60");
    assert!(b.path().starts_with("/calls"), "{}", b.path());
    b.shot("path-00-call-opened");
    logout(&b);
    let call = admin.get("/api/v1/calls").json()["calls"][0]["id"]
        .as_i64()
        .unwrap();

    // Signed out, the open call is public; an applicant signs up from it, signs in and lands
    // on the calls.
    b.go("/public/calls?lang=fr");
    assert!(
        text(&b).contains("Appel à expérimentations 2025") && text(&b).contains("Impact — 60 %"),
        "{}",
        text(&b)
    );
    b.follow("main a[href^=\"/signup\"]");
    b.type_into("input[name=username]", "velos-sas");
    b.type_into("input[name=password]", USER_PASSWORD);
    b.follow("form button");
    sign_in(&b, "velos-sas");
    assert!(b.path().starts_with("/calls"), "{}", b.path());
    assert!(text(&b).contains("Appel à expérimentations 2025"));
    b.shot("path-01-calls");
    // They apply, fill the form, attach the PDF and submit.
    b.follow("form[action^=\"/calls/\"] button");
    let application = b.path();
    assert!(application.starts_with("/applications/"), "{application}");
    let id: i64 = application
        .trim_start_matches("/applications/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    b.type_into("input[name=title]", "Vélos-cargos des services municipaux");
    b.type_into("input[name=commune]", "Meudon-la-Forêt");
    b.click("select[name=theme] option[value=mobility]");
    b.type_into(
        "textarea[name=summary]",
        "Douze vélos-cargos pour les services.",
    );
    b.type_into("input[name=budget_eur]", "120000");
    set(&b, "input[name=start]", &start.to_string());
    set(&b, "input[name=months]", "24");
    b.type_into("input[name=kpi_name]", "cargo-bike distance");
    b.type_into("input[name=kpi_unit]", "km");
    b.type_into("input[name=kpi_target]", "50000");
    b.type_into("textarea[name=answer_innovation]", "Une flotte partagée.");
    b.follow("#application-form button");
    // Submitting without the PDF: refused, every problem listed.
    b.follow("#submit-form button");
    assert!(text(&b).contains("documents"), "{}", text(&b));
    b.shot("path-02-refused");
    b.go(&format!("/applications/{id}?lang=en"));
    b.type_into("#document-form input[type=file]", pdf.to_str().unwrap());
    b.follow("#document-form button");
    assert!(text(&b).contains("presentation.pdf"));
    b.follow("#submit-form button");
    assert!(text(&b).contains("submitted"), "{}", text(&b));
    b.shot("path-03-submitted");
    logout(&b);

    // The programme assigns two reviewers.
    b.login("admin", ADMIN_PASSWORD);
    b.follow("form button");
    for who in ["ana", "bob"] {
        b.go(&format!("/applications/{id}?lang=en"));
        b.type_into("#assign-form input[name=username]", who);
        b.follow("#assign-form button");
    }
    logout(&b);
    // Each reviewer scores it.
    for (who, innovation, impact) in [("ana", "4", "5"), ("bob", "3", "4")] {
        sign_in(&b, who);
        b.go(&format!("/applications/{id}?lang=en"));
        b.click(&format!(
            "select[name=score_innovation] option[value=\"{innovation}\"]"
        ));
        b.click(&format!(
            "select[name=score_impact] option[value=\"{impact}\"]"
        ));
        b.follow("#review-form button");
        assert!(text(&b).contains("My review") || text(&b).contains("Reviews"));
        logout(&b);
    }
    // The ranking (ana 40·4/5 + 60 = 92, bob 24 + 48 = 72: 82, spread 20), then the selection.
    b.login("admin", ADMIN_PASSWORD);
    b.follow("form button");
    b.go(&format!("/calls/{call}/ranking?lang=en"));
    let t = text(&b);
    assert!(t.contains("82.0") && t.contains("20.0"), "{t}");
    b.shot("path-04-ranking");
    b.go(&format!("/applications/{id}?lang=en"));
    b.click("select[name=decision] option[value=selected]");
    b.type_into("#decision-form input[name=experiment]", SLUG);
    b.follow("#decision-form button");
    assert!(
        text(&b).contains(&format!("Became the experiment {SLUG}")),
        "{}",
        text(&b)
    );
    b.shot("path-05-selected");
    logout(&b);
    // The applicant sees the decision.
    sign_in(&b, "velos-sas");
    b.go(&format!("/applications/{id}?lang=fr"));
    assert!(text(&b).contains("retenue"), "{}", text(&b));
    logout(&b);

    // The laureate reports last month through the form.
    let r = admin.post_json(
        "/api/v1/users",
        &json!({"username": "velos", "password": USER_PASSWORD, "role": "laureate", "experiment": SLUG}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    sign_in(&b, "velos");
    assert!(
        b.path().starts_with(&format!("/experiments/{SLUG}")),
        "{}",
        b.path()
    );
    b.follow("#reports-link");
    b.type_into("#report input[type=file]", report.to_str().unwrap());
    b.follow("#report button");
    assert!(text(&b).contains("1 values stored"), "{}", text(&b));
    b.shot("path-06-report");
    // Evidence for the month: the presentation stands for an invoice.
    set(&b, "#evidence-form input[name=month]", &last_month);
    b.type_into("#evidence-form input[type=file]", pdf.to_str().unwrap());
    b.follow("#evidence-form button");
    assert!(b.text().contains("presentation.pdf"), "{}", b.text());
    b.shot("path-06b-evidence");
    logout(&b);

    // The portfolio shows it, without horizontal scrolling; the programme publishes it.
    b.login("admin", ADMIN_PASSWORD);
    b.follow("form button");
    b.go("/programme?lang=en");
    assert!(text(&b).contains("Vélos-cargos des services municipaux"));
    assert_eq!(
        b.script(
            "return document.documentElement.scrollWidth <= document.documentElement.clientWidth;"
        ),
        Value::Bool(true)
    );
    b.shot("path-07-portfolio");
    // The programme team records the deployment's actual start and a milestone.
    b.go(&format!("/experiments/{SLUG}?lang=en"));
    b.follow("#follow-up-link");
    set(
        &b,
        "input[name=deployment_actual_start]",
        &start.to_string(),
    );
    b.type_into("input[name=new_name]", "Vélos livrés");
    set(&b, "input[name=new_due]", &start.to_string());
    set(&b, "input[name=new_done]", &start.to_string());
    b.shot("path-07b-follow-up");
    b.follow("#follow-up button");
    assert!(
        b.path().starts_with(&format!("/experiments/{SLUG}")),
        "{}",
        b.text()
    );
    let f = admin.get("/api/v1/programme/portfolio").json()["experiments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["slug"] == SLUG)
        .cloned()
        .unwrap();
    assert_eq!(f["phases"][0]["actual_start"], start.to_string());
    assert_eq!(f["milestones"][0]["name"], "Vélos livrés");
    b.follow("#publish-form button");
    assert!(text(&b).contains("Results published on"), "{}", text(&b));
    logout(&b);

    // Signed out: the public page and the open data.
    b.go(&format!("/public/experiments/{SLUG}?lang=en"));
    let t = text(&b);
    assert!(
        t.contains("cargo-bike distance")
            && t.replace(['\u{202f}', '\u{a0}'], " ").contains("2 480"),
        "{t}"
    );
    b.shot("path-08-public");
    let anon = app.client();
    let csv = anon.get("/open-data/indicators.csv");
    assert_eq!(csv.status, 200);
    assert!(
        csv.body.contains(&format!("{SLUG},Meudon-la-Forêt,mobility,Vélos-cargos des services municipaux,cargo-bike distance,km,{last_month},2480.5,")),
        "{}",
        csv.body
    );
    let meta = anon.get("/open-data/dataset.jsonld").json();
    let dist = &meta["dcat:distribution"][0];
    let digest: String = sha2::Sha256::digest(csv.body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(dist["spdx:checksum"]["spdx:checksumValue"], digest);
    assert_eq!(dist["dcat:byteSize"]["@value"], csv.body.len().to_string());
    let columns: Vec<&str> = dist["csvw:tableSchema"]["csvw:column"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["csvw:name"].as_str().unwrap())
        .collect();
    assert_eq!(columns.join(","), csv.body.lines().next().unwrap());
}

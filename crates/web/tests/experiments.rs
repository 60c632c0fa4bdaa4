//! Experiments and the programme overview, as the programme team, an organiser and a
//! participant meet them: the demo experiments of `examples/experiments` (the mairie annexe's
//! renovation on data generated from the Meudon district's model, 2025-2027, and Issy's cargo
//! bikes) copied into the app's data folder (with the HydroSeine district Issy's experiment
//! names).

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::{Value, json};

const MEUDON: &str = "meudon-renovation-mairie-annexe";
const ISSY: &str = "issy-cargo-bikes";
/// A participant of the HydroSeine district (examples/hydroseine.toml).
const HYDRO_PRM: &str = "30100000000001";

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

fn data_dir(app: &TestApp) -> PathBuf {
    app.dir.path().join("data")
}

/// Copies the demo experiments, their data, the HydroSeine district and its data into the
/// app's data folder, as `quartier serve` writes them.
fn copy_demo(app: &TestApp) {
    let ex = examples();
    let data = data_dir(app);
    let copy = |from: &str, to: &str| {
        let to = data.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(ex.join(from), &to).unwrap_or_else(|e| panic!("{from}: {e}"));
    };
    for f in [
        "experiments/meudon-renovation-mairie-annexe.toml",
        "experiments/issy-cargo-bikes.toml",
        "experiments/data/meudon_mairie_annexe_2025-2027_hourly.csv",
        "experiments/data/meudon_temperature_tmy_2025-2027_hourly.csv",
        "hydroseine.toml",
        "data/pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv",
        "data/hydroseine_ev_sessions_2025.csv",
    ] {
        copy(f, f);
    }
}

/// The demo, the HydroSeine district in the store, and one client per role: (admin,
/// HydroSeine organiser, organiser of another district, HydroSeine participant).
fn setup(app: &TestApp) -> (Client, Client, Client, Client) {
    copy_demo(app);
    let admin = app.admin();
    let hydro = std::fs::read_to_string(examples().join("hydroseine.toml")).unwrap();
    let hydro_id = admin.create_district(&hydro);
    let other_id = admin.create_district(&small_district("Les Tilleuls", &["30000000000001"]));
    for (user, role, district, prm) in [
        ("org-hydro", "organiser", hydro_id, None),
        ("org-other", "organiser", other_id, None),
        ("part-hydro", "participant", hydro_id, Some(HYDRO_PRM)),
    ] {
        admin.create_user(user, role, district, prm);
    }
    (
        admin,
        app.login("org-hydro", USER_PASSWORD),
        app.login("org-other", USER_PASSWORD),
        app.login("part-hydro", USER_PASSWORD),
    )
}

fn slugs(list: &Value) -> Vec<String> {
    list["experiments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap().to_string())
        .collect()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// The status of the demo renovation (1 April 2025 – 1 April 2027, Paris) by today's date.
fn demo_status() -> (&'static str, &'static str) {
    let end = chrono::NaiveDate::from_ymd_opt(2027, 4, 1).unwrap();
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive();
    if today < end {
        ("running", "En cours")
    } else {
        ("finished", "Terminée")
    }
}

#[test]
fn the_programme_lists_the_demo_experiments_with_their_savings() {
    let app = spawn_app();
    let (admin, ..) = setup(&app);
    let r = admin.get("/api/v1/experiments");
    assert_eq!(r.status, 200, "{}", r.body);
    let list = r.json();
    assert_eq!(slugs(&list), vec![ISSY, MEUDON]);
    let meudon = &list["experiments"][1];
    assert_eq!(meudon["commune"], "Meudon-la-Forêt");
    assert_eq!(meudon["status"], demo_status().0);
    assert_eq!(meudon["period"]["start"], "2025-04-01");
    assert_eq!(meudon["period"]["end"], "2027-04-01");
    let s = &meudon["savings"];
    // `quartier evaluate` on the same file: 16,419 ± 1,693 kWh of 100,814 kWh (16.3 %), 90 %
    // (the generator built in about 15,800 kWh of savings).
    assert_eq!(f(&s["avoided_kwh"]).round(), 16419.0);
    assert_eq!(f(&s["uncertainty_kwh"]).round(), 1693.0);
    assert_eq!(f(&s["baseline_kwh"]).round(), 100814.0);
    assert!((f(&s["savings_percent"]) - 16.3).abs() < 0.05, "{s}");
    assert!((f(&s["fsu"]) - f(&s["uncertainty_kwh"]) / f(&s["avoided_kwh"])).abs() < 1e-9);
    assert_eq!(s["confidence"], 0.9);
    assert_eq!(s["meets_guideline14"], true);
    let issy = &list["experiments"][0];
    assert_eq!(
        issy["district"],
        "HydroSeine — Val de Seine, Issy-les-Moulineaux"
    );
    assert_eq!(issy["savings"], Value::Null, "a KPI-only experiment");
}

#[test]
fn an_experiment_has_monthly_baseline_metered_and_a_cumulative_band() {
    let app = spawn_app();
    let (admin, ..) = setup(&app);
    let r = admin.get(&format!("/api/v1/experiments/{MEUDON}"));
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let en = &v["energy"];
    assert_eq!(en["method"], "caltrack-hourly");
    assert_eq!(en["reporting_period"]["start"], "2026-04-01");
    assert!(
        (f(&en["fit"]["cv_rmse"]) - 0.150).abs() < 0.001,
        "{}",
        en["fit"]
    );
    assert!((f(&en["fit"]["r_squared"]) - 0.959).abs() < 0.001);
    assert!(f(&en["fit"]["nmbe"]).abs() < 0.01);
    assert_eq!(en["guideline14"]["cv_rmse_exceeded"], false);
    let monthly = en["monthly"].as_array().unwrap();
    assert_eq!(monthly.len(), 12);
    assert_eq!(monthly[0]["month"], "2026-04");
    let total = f(&v["savings"]["avoided_kwh"]);
    let sum: f64 = monthly.iter().map(|m| f(&m["avoided_kwh"])).sum();
    assert!((sum - total).abs() < 1e-6);
    for m in monthly {
        let (b, me, a) = (
            f(&m["baseline_kwh"]),
            f(&m["metered_kwh"]),
            f(&m["avoided_kwh"]),
        );
        assert!((b - me - a).abs() < 1e-6, "{m}");
        assert!(f(&m["cumulative_uncertainty_kwh"]) > 0.0);
    }
    // The running total ends on the total, its band on the total's uncertainty.
    let last = monthly.last().unwrap();
    assert!((f(&last["cumulative_avoided_kwh"]) - total).abs() < 1e-6);
    assert!(
        (f(&last["cumulative_uncertainty_kwh"]) - f(&v["savings"]["uncertainty_kwh"])).abs() < 1e-6
    );
    assert!(v["warnings"].as_array().unwrap().iter().any(|w| {
        w.as_str()
            .unwrap()
            .contains("The meter has no value for 54")
    }));
    // A KPI experiment: its indicators against their targets.
    let v = admin.get(&format!("/api/v1/experiments/{ISSY}")).json();
    let km = &v["indicators"][0];
    assert_eq!(km["name"], "cargo-bike distance");
    assert_eq!(f(&km["total"]["value"]), 58550.0);
    assert_eq!(km["target_met"], false);
    assert_eq!(v["indicators"][1]["target_met"], true);
}

#[test]
fn the_programme_table_has_24_months_across_communes() {
    let app = spawn_app();
    let (admin, ..) = setup(&app);
    let r = admin.get("/api/v1/programme");
    assert_eq!(r.status, 200, "{}", r.body);
    let p = r.json();
    let months = p["months"].as_array().unwrap();
    assert_eq!(months.len(), 24);
    assert_eq!(months[0], "2025-04");
    assert_eq!(months[23], "2027-03");
    let rows = p["rows"].as_array().unwrap();
    let row = |name: &str| {
        rows.iter()
            .find(|r| r["indicator"] == name)
            .unwrap_or_else(|| panic!("no row {name}: {p}"))
    };
    // The same numbers as `quartier programme examples/experiments`.
    assert_eq!(f(&row("cargo-bike distance")["total"]["value"]), 58550.0);
    assert_eq!(f(&row("van trips avoided")["total"]["value"]), 8840.0);
    let avoided = row("avoided energy");
    assert_eq!(avoided["commune"], "Meudon-la-Forêt");
    assert_eq!(f(&avoided["total"]["value"]).round(), 16419.0);
    // The evaluation's own Guideline 14 uncertainty, not the months' quadrature sum.
    assert_eq!(f(&avoided["total"]["uncertainty"]).round(), 1693.0);
    // Avoided energy ends with the reporting period: 12 months, then empty cells.
    let cells = avoided["cells"].as_array().unwrap();
    assert_eq!(cells.iter().filter(|c| !c.is_null()).count(), 12);
    let balance = row("positive-energy balance (production − consumption)");
    assert_eq!(balance["commune"], "Issy-les-Moulineaux");
    assert!(balance["source"].as_str().unwrap().contains("HydroSeine"));
    assert_eq!(f(&balance["total"]["value"]).round(), -1869743.0);
}

#[test]
fn pages_show_the_table_the_charts_and_the_programme_in_both_languages() {
    let app = spawn_app();
    let (admin, ..) = setup(&app);
    let r = admin.get("/experiments?lang=fr");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Expérimentations"));
    assert!(r.body.contains(demo_status().1));
    assert!(
        r.body.contains("16\u{202F}419 ± 1\u{202F}693 kWh"),
        "{}",
        r.body
    );
    assert!(r.body.contains("16,3\u{a0}%"), "{}", r.body);
    let r = admin.get("/experiments?lang=en");
    assert!(r.body.contains("Avoided energy") && r.body.contains("16.3\u{a0}%"));

    let r = admin.get(&format!("/experiments/{MEUDON}?lang=fr"));
    assert_eq!(r.status, 200);
    let svgs: Vec<&str> = r.body.split("<svg").skip(1).collect();
    assert_eq!(svgs.len(), 2, "baseline vs metered, cumulative with band");
    for s in &svgs {
        let end = s.find("</svg>").unwrap();
        quartier_report::svg::check_well_formed(&format!("<svg{}</svg>", &s[..end])).unwrap();
    }
    for text in [
        "Référence (modèle) et consommation mesurée",
        "Énergie évitée cumulée",
        "incertitude (90 %)",
        "Conforme Guideline 14",
        "15,0\u{a0}%",
        "CV(RMSE) — NMBE",
    ] {
        assert!(r.body.contains(text), "page lacks {text:?}");
    }
    // The meter's 54-hour outage in the baseline, said in the page's language, and where the
    // data come from.
    assert!(
        r.body
            .contains("Le compteur n&#39;a pas de valeur pour 54 pas sur 8"),
        "{}",
        r.body
    );
    assert!(r.body.contains("données générées"), "{}", r.body);
    assert!(
        r.body
            .contains("<b>Données :</b> Générées par tools/gen_demo_mairie_annexe.py"),
        "{}",
        r.body
    );
    let r = admin.get(&format!("/experiments/{MEUDON}?lang=en"));
    assert!(r.body.contains("Cumulative avoided energy"));
    assert!(r.body.contains("uncertainty band (90 %)"));
    assert!(
        r.body.contains("The meter has no value for 54 of the 8")
            && !r.body.contains("Le compteur"),
        "{}",
        r.body
    );

    let r = admin.get("/programme?lang=en");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("<th>Apr 2025</th>") && r.body.contains("<th>Mar 2027</th>"));
    let fr = admin.get("/programme?lang=fr");
    assert!(fr.body.contains("<th>avr. 2025</th>"), "{}", fr.body);
    assert!(fr.body.contains("énergie évitée") && !fr.body.contains("avoided energy"));
    assert!(r.body.contains("58\u{202F}550"));
    assert!(
        r.body.contains("16\u{202F}419 ± 1\u{202F}693"),
        "{}",
        r.body
    );
    let r = admin.get(&format!("/experiments/{ISSY}?lang=en"));
    assert!(r.body.contains("cargo-bike distance"));
    assert!(!r.body.contains("<svg"), "no energy evaluation, no chart");
}

#[test]
fn an_organiser_sees_only_experiments_naming_their_district() {
    let app = spawn_app();
    let (_, org_hydro, org_other, _) = setup(&app);
    // Issy's experiment names the HydroSeine district; Meudon's names none.
    let list = org_hydro.get("/api/v1/experiments").json();
    assert_eq!(slugs(&list), vec![ISSY]);
    assert_eq!(
        org_hydro.get(&format!("/api/v1/experiments/{ISSY}")).status,
        200
    );
    let denied = org_hydro.get(&format!("/api/v1/experiments/{MEUDON}"));
    let missing = org_hydro.get("/api/v1/experiments/no-such-experiment");
    assert_eq!(denied.status, 404);
    assert_eq!(
        denied.body, missing.body,
        "denied looks exactly like missing"
    );
    assert_eq!(org_hydro.get(&format!("/experiments/{MEUDON}")).status, 404);
    let p = org_hydro.get("/api/v1/programme").json();
    let rows = p["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r["commune"] == "Issy-les-Moulineaux"));
    assert!(!org_hydro.get("/programme").body.contains("Meudon"));

    // An organiser of a district no experiment names sees none.
    assert_eq!(
        slugs(&org_other.get("/api/v1/experiments").json()),
        Vec::<String>::new()
    );
    assert_eq!(
        org_other.get(&format!("/api/v1/experiments/{ISSY}")).status,
        404
    );
    assert_eq!(
        org_other
            .get(&format!("/api/v1/experiments/{MEUDON}"))
            .status,
        404
    );
    let p = org_other.get("/api/v1/programme").json();
    assert_eq!(p["rows"].as_array().unwrap().len(), 0);
}

#[test]
fn a_participant_never_sees_experiments() {
    let app = spawn_app();
    let (_, _, _, part) = setup(&app);
    for path in [
        "/api/v1/experiments".to_string(),
        format!("/api/v1/experiments/{ISSY}"),
        format!("/api/v1/experiments/{MEUDON}"),
        "/api/v1/programme".to_string(),
        "/experiments".to_string(),
        format!("/experiments/{ISSY}"),
        "/programme".to_string(),
    ] {
        assert_eq!(part.get(&path).status, 404, "{path}");
    }
    let r = part.request(
        "POST",
        "/api/v1/experiments",
        Some("application/toml"),
        b"commune = \"x\"",
    );
    assert_eq!(r.status, 404);
    // Not logged in: 401 from the API, the login form from pages.
    assert_eq!(app.client().get("/api/v1/experiments").status, 401);
    assert_eq!(app.client().get("/api/v1/programme").status, 401);
    let r = app.client().get("/experiments");
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login"));
}

#[test]
fn registering_an_experiment_validates_it_like_a_district_upload() {
    let app = spawn_app();
    let (admin, org_hydro, ..) = setup(&app);
    // A file with problems: every one located.
    let bad = "commune = \"Meudon\"\ntitle = 3\ntheme = \"energy\"\nstart = 2021-04-01\nend = 2020-04-01\n";
    let r = admin.request(
        "POST",
        "/api/v1/experiments",
        Some("application/toml"),
        bad.as_bytes(),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    let errors = r.json()["errors"].as_array().unwrap().clone();
    assert!(!errors.is_empty());
    let title = errors
        .iter()
        .find(|e| e["path"] == "title")
        .expect("a title problem");
    assert_eq!(title["line"], 2);
    // Valid TOML that cannot be evaluated (no such meter file) is refused too.
    let meudon = std::fs::read_to_string(
        examples().join("experiments/meudon-renovation-mairie-annexe.toml"),
    )
    .unwrap();
    let missing = meudon.replace("meudon_mairie_annexe_2025", "no_such_file");
    let r = admin.post_json(
        "/api/v1/experiments",
        &json!({ "toml": missing, "slug": "x" }),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        !r.body.contains(&data_dir(&app).display().to_string()),
        "{}",
        r.body
    );
    // °C temperatures declared as °F: refused, naming the setting, nothing written.
    let celsius_as_f = meudon.replace("unit = \"C\"", "unit = \"F\"");
    let r = admin.post_json(
        "/api/v1/experiments",
        &json!({ "toml": celsius_as_f, "slug": "celsius-as-f" }),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(
        r.body.contains("declared as °F look like °C")
            && r.body
                .contains("set unit = \\\"C\\\" in the experiment file's [temperature]"),
        "{}",
        r.body
    );
    assert!(
        !r.body.contains(&data_dir(&app).display().to_string()),
        "{}",
        r.body
    );
    assert!(
        !data_dir(&app)
            .join("experiments/celsius-as-f.toml")
            .exists()
    );
    // A file outside the server's data folder, named directly or through `..`, in any table
    // that names files: "not found", its content never quoted, nothing written.
    let invoices_outside = meudon
        .replace(
            "curve = { file = \"data/meudon_mairie_annexe_2025-2027_hourly.csv\", column = \"energy_kwh\" }",
            "invoices = { file = \"../../../../../../etc/passwd\" }",
        )
        .replace("method = \"hourly\"", "method = \"billing\"");
    assert!(invoices_outside.contains("invoices = "));
    for (slug, toml, field) in [
        (
            "abs",
            format!("{meudon}\n[normal_temperature]\nfile = \"/etc/passwd\"\n"),
            "normal_temperature.file",
        ),
        (
            "dots",
            format!("{meudon}\n[normal_temperature]\nfile = \"../../../../../../../etc/passwd\"\n"),
            "normal_temperature.file",
        ),
        (
            "invoices-outside",
            invoices_outside,
            "meters[0].invoices.file",
        ),
    ] {
        let r = admin.post_json(
            "/api/v1/experiments",
            &json!({ "toml": toml, "slug": slug }),
        );
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(
            r.body.contains(field)
                && r.body
                    .contains("not found in the folder this file may read"),
            "{}",
            r.body
        );
        assert!(!r.body.contains("root:"), "{}", r.body);
        assert!(
            !data_dir(&app)
                .join(format!("experiments/{slug}.toml"))
                .exists()
        );
    }
    let meter_outside = meudon.replace(
        "data/meudon_mairie_annexe_2025-2027_hourly.csv",
        "/etc/passwd",
    );
    let r = admin.post_json(
        "/api/v1/experiments",
        &json!({ "toml": meter_outside, "slug": "meter-outside" }),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(!r.body.contains("root:"), "{}", r.body);
    // Form bodies are refused (CSRF), organisers may not register.
    let r = admin.post_form("/api/v1/experiments", "toml=x");
    assert_eq!(r.status, 415);
    let r = org_hydro.post_json("/api/v1/experiments", &json!({ "toml": meudon }));
    assert_eq!(r.status, 403);

    // The same renovation evaluated with the daily method, its data source holding markup.
    let daily = meudon
        .replace("method = \"hourly\"", "method = \"daily\"")
        .replace(
            "data_source = \"Générées",
            "data_source = \"Générées <script>alert(1)</script>",
        );
    let r = admin.post_json(
        "/api/v1/experiments",
        &json!({ "toml": daily, "slug": "meudon-daily" }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["slug"], "meudon-daily");
    assert!(
        data_dir(&app)
            .join("experiments/meudon-daily.toml")
            .is_file()
    );
    let v = admin.get("/api/v1/experiments/meudon-daily").json();
    assert_eq!(v["energy"]["method"], "caltrack-daily");
    // The file's own words are text, never markup, on the page.
    assert!(v["data_source"].as_str().unwrap().starts_with("Générées"));
    let page = admin.get("/experiments/meudon-daily?lang=en");
    assert!(!page.body.contains("<script>"), "{}", page.body);
    assert!(f(&v["savings"]["baseline_kwh"]) > 0.0);
    // What is missing, per period and series: the meter's 54-hour outage in November 2025.
    let missing = v["energy"]["missing_data"].as_array().unwrap();
    assert_eq!(missing.len(), 4);
    assert_eq!(missing[0]["period"], "baseline");
    assert_eq!(missing[0]["series"], "meter");
    assert_eq!(missing[0]["missing_steps"], 54);
    assert_eq!(missing[0]["gaps"][0]["steps"], 54);
    assert_eq!(v["energy"]["adjustments"], json!([]));
    assert_eq!(v["energy"]["normalised"], Value::Null);
    assert_eq!(
        slugs(&admin.get("/api/v1/experiments").json()),
        vec![ISSY, "meudon-daily", MEUDON]
    );
    // The slug is taken now; without one, the title gives it.
    let r = admin.post_json(
        "/api/v1/experiments",
        &json!({ "toml": daily, "slug": "meudon-daily" }),
    );
    assert_eq!(r.status, 409);
    let r = admin.request(
        "POST",
        "/api/v1/experiments",
        Some("application/toml"),
        daily.as_bytes(),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.json()["slug"],
        "renovation-energetique-de-la-mairie-annexe-donnees-generees"
    );
}

#[test]
fn an_edited_experiment_file_is_evaluated_again() {
    let app = spawn_app();
    let (admin, ..) = setup(&app);
    let before = admin.get(&format!("/api/v1/experiments/{MEUDON}")).json();
    let path = data_dir(&app).join(format!("experiments/{MEUDON}.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("confidence = 0.9", "confidence = 0.68")).unwrap();
    let after = admin.get(&format!("/api/v1/experiments/{MEUDON}")).json();
    assert_eq!(after["savings"]["confidence"], 0.68);
    assert!(f(&after["savings"]["uncertainty_kwh"]) < f(&before["savings"]["uncertainty_kwh"]));
    assert_eq!(
        after["savings"]["avoided_kwh"],
        before["savings"]["avoided_kwh"]
    );
    // A broken file shows its problems instead of the stale result.
    std::fs::write(&path, "commune = \n").unwrap();
    let broken = admin.get(&format!("/api/v1/experiments/{MEUDON}")).json();
    assert_eq!(broken["status"], "invalid");
    assert!(!broken["problems"].as_array().unwrap().is_empty());
}

#[test]
fn a_building_known_by_its_invoices_is_shown_per_invoice() {
    let app = spawn_app();
    let (admin, ..) = setup(&app);
    let data = data_dir(&app);
    for f in [
        "experiments/meudon-renovation-creche.toml",
        "experiments/data/meudon_creche_invoices_2025-2027.csv",
    ] {
        std::fs::copy(examples().join(f), data.join(f)).unwrap();
    }
    let v = admin
        .get("/api/v1/experiments/meudon-renovation-creche")
        .json();
    assert_eq!(v["energy"]["method"], "caltrack-billing", "{v}");
    // `quartier evaluate` on the same file: 4,139 ± 598 kWh (the generator built in 4,500).
    assert_eq!(f(&v["savings"]["avoided_kwh"]).round(), 4139.0);
    assert_eq!(f(&v["savings"]["uncertainty_kwh"]).round(), 598.0);
    let fr = admin.get("/experiments/meudon-renovation-creche?lang=fr");
    assert_eq!(fr.status, 200);
    assert!(fr.body.contains("par facture"), "{}", fr.body);
    let en = admin.get("/experiments/meudon-renovation-creche?lang=en");
    assert!(
        en.body.contains("per invoice") && !en.body.contains("par facture"),
        "{}",
        en.body
    );
}

//! Experiments and the programme overview, as the programme team, an organiser and a
//! participant meet them: the demo programme of `examples/experiments` (Meudon's seven
//! experiments, among them the mairie annexe's renovation on data generated from the Meudon
//! district's model, 2025-2027, and the municipal cargo bikes; Issy's HydroSeine) copied into
//! the app's data folder with the two districts they name.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use serde_json::{Value, json};

const MEUDON: &str = "meudon-renovation-mairie-annexe";
const ISSY: &str = "issy-hydroseine";
const CARGO: &str = "meudon-cargo-bikes";
/// The demo programme's experiments, in file order.
const SEED: [&str; 8] = [
    "issy-hydroseine",
    "meudon-asset-platform",
    "meudon-cargo-bikes",
    "meudon-energy-community",
    "meudon-ev-charging",
    "meudon-hybrid-vehicle",
    "meudon-pv-self-consumption",
    "meudon-renovation-mairie-annexe",
];
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
    for slug in SEED {
        let f = format!("experiments/{slug}.toml");
        copy(&f, &f);
    }
    for f in std::fs::read_dir(ex.join("experiments/data/programme")).unwrap() {
        let name = f.unwrap().file_name().to_string_lossy().into_owned();
        let f = format!("experiments/data/programme/{name}");
        copy(&f, &f);
    }
    for f in [
        "experiments/data/meudon_mairie_annexe_2025-2027_hourly.csv",
        "experiments/data/meudon_temperature_tmy_2025-2027_hourly.csv",
        "hydroseine.toml",
        "meudon-la-foret.toml",
        "meudon-community.toml",
        "data/pvlib_pvgis_tmy_45.000_8.000_2005_2023.csv",
        "data/hydroseine_ev_sessions_2025.csv",
        "data/meudon_ev_sessions_2025.csv",
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
    assert_eq!(slugs(&list), SEED);
    let meudon = &list["experiments"][7];
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
    // A KPI experiment: its indicators against their targets (illustrative values of
    // tools/gen_demo_programme.py), and the energy its bikes charge from the district's
    // simulation.
    let v = admin.get(&format!("/api/v1/experiments/{CARGO}")).json();
    let km = &v["indicators"][0];
    assert_eq!(km["name"], "cargo-bike distance");
    assert_eq!(f(&km["total"]["value"]), 45262.0);
    assert_eq!(km["target_met"], false);
    let v = admin
        .get("/api/v1/experiments/meudon-energy-community")
        .json();
    assert_eq!(v["indicators"][0]["target_met"], true);
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
    assert_eq!(f(&row("cargo-bike distance")["total"]["value"]), 45262.0);
    assert_eq!(f(&row("van trips avoided")["total"]["value"]), 6776.0);
    assert!(f(&row("hydrogen produced")["total"]["value"]) > 0.0);
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
    // The energy community's self-consumption comes from its allocation.
    let shared = row("energy shared in the community");
    assert!(
        shared["source"]
            .as_str()
            .unwrap()
            .starts_with("allocation of Communauté d'énergie de Meudon-la-Forêt"),
        "{shared}"
    );
    assert_eq!(f(&shared["total"]["value"]).round(), 419655.0);
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

    let r = admin.get("/programme/indicators?lang=en");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("<th>Apr 2025</th>") && r.body.contains("<th>Mar 2027</th>"));
    let fr = admin.get("/programme/indicators?lang=fr");
    assert!(fr.body.contains("<th>avr. 2025</th>"), "{}", fr.body);
    assert!(fr.body.contains("énergie évitée") && !fr.body.contains("avoided energy"));
    assert!(r.body.contains("45\u{202F}262"));
    assert!(
        r.body.contains("16\u{202F}419 ± 1\u{202F}693"),
        "{}",
        r.body
    );
    let r = admin.get(&format!("/experiments/{CARGO}?lang=en"));
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
    let mut with_daily: Vec<&str> = SEED.to_vec();
    with_daily.insert(3, "meudon-daily");
    assert_eq!(slugs(&admin.get("/api/v1/experiments").json()), with_daily);
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
        "transition-energetique-des-batiments-publics-la-mairie-annexe-donnees-generees"
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
    for (from, to) in [
        (
            "caltrack-sample/meudon-renovation-creche.toml",
            "experiments/meudon-renovation-creche.toml",
        ),
        (
            "experiments/data/meudon_creche_invoices_2025-2027.csv",
            "experiments/data/meudon_creche_invoices_2025-2027.csv",
        ),
    ] {
        std::fs::copy(examples().join(from), data.join(to)).unwrap();
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

/// Reason texts of one experiment of the portfolio's JSON.
fn reasons(p: &Value, slug: &str) -> Vec<String> {
    experiment_of(p, slug)["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

fn experiment_of<'a>(p: &'a Value, slug: &str) -> &'a Value {
    p["experiments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["slug"] == slug)
        .unwrap_or_else(|| panic!("{slug} not in {p}"))
}

#[test]
fn the_portfolio_says_where_each_experiment_stands_on_a_day() {
    let app = spawn_app();
    let (admin, org_hydro, _, part) = setup(&app);
    let r = admin.get("/api/v1/programme/portfolio?as_of=2026-12-07");
    assert_eq!(r.status, 200, "{}", r.body);
    let p = r.json();
    assert_eq!(p["as_of"], "2026-12-07");
    let slugs: Vec<&str> = p["experiments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, SEED);
    // The same standings as `quartier programme --as-of 2026-12-07`.
    for (slug, standing, phase) in [
        ("issy-hydroseine", "at-risk", "evaluation"),
        ("meudon-asset-platform", "late", "evaluation"),
        ("meudon-cargo-bikes", "on-track", "evaluation"),
        ("meudon-energy-community", "on-track", "evaluation"),
        ("meudon-ev-charging", "late", "monitoring"),
        ("meudon-hybrid-vehicle", "at-risk", "evaluation"),
        ("meudon-pv-self-consumption", "late", "evaluation"),
        ("meudon-renovation-mairie-annexe", "on-track", "evaluation"),
    ] {
        let e = experiment_of(&p, slug);
        assert_eq!(
            (e["standing"].as_str(), e["phase"].as_str()),
            (Some(standing), Some(phase)),
            "{slug}: {e}"
        );
        assert_eq!(
            (e["month"].as_u64(), e["months"].as_u64()),
            (Some(21), Some(24)),
            "{slug}"
        );
    }
    let ev = experiment_of(&p, "meudon-ev-charging");
    assert_eq!(ev["last_report"], "2026-09");
    assert_eq!(ev["overdue_reports"], json!(["2026-10"]));
    assert!(
        reasons(&p, "meudon-ev-charging")
            .iter()
            .any(|r| r == "reports overdue: 2026-10")
    );
    // A day before the October report was due, nothing was overdue.
    let before = admin
        .get("/api/v1/programme/portfolio?as_of=2026-11-15")
        .json();
    assert_eq!(
        experiment_of(&before, "meudon-ev-charging")["overdue_reports"],
        json!([])
    );
    // A bad day: 422 naming the setting.
    let bad = admin.get("/api/v1/programme/portfolio?as_of=07/12/2026");
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("as_of=YYYY-MM-DD"), "{}", bad.body);

    // The page: every experiment, its standing in words, the rule, the timeline, definitions.
    let r = admin.get("/programme?lang=en&as_of=2026-12-07");
    assert_eq!(r.status, 200, "{}", r.body);
    for text in [
        "Programme portfolio — 7 Dec 2026",
        "HydroSeine : quartier démonstrateur de la ville hydrogène",
        "Recharge automatique mains libres des véhicules électriques",
        "reports overdue: 2026-10",
        "milestone &quot;Homologation du prototype&quot; due 2026-06-30, 160 days overdue",
        "Rule:",
        "The experiments&#39; 24 months",
        "Kilometres ridden by the municipal cargo bikes",
        "illustrative",
    ] {
        assert!(r.body.contains(text), "page lacks {text:?}");
    }
    assert_eq!(r.body.matches("class=\"badge st-risk\"").count(), 2);
    let svg_start = r.body.find("<svg").unwrap();
    let svg_end = r.body[svg_start..].find("</svg>").unwrap() + svg_start + 6;
    quartier_report::svg::check_well_formed(&r.body[svg_start..svg_end]).unwrap();
    let fr = admin.get("/programme?lang=fr&as_of=2026-12-07");
    for text in [
        "Portefeuille du programme — 7 déc. 2026",
        "rapports en retard : 2026-10",
        "à risque",
        "Règle :",
    ] {
        assert!(fr.body.contains(text), "French page lacks {text:?}");
    }
    // Filters: a commune, a phase.
    let issy = admin.get("/programme?lang=en&as_of=2026-12-07&commune=Issy-les-Moulineaux");
    assert!(issy.body.contains("HydroSeine") && !issy.body.contains("Vélos-cargos des services"));
    let monitoring = admin.get("/programme?lang=en&as_of=2026-12-07&phase=monitoring");
    assert!(
        monitoring.body.contains("Recharge automatique")
            && !monitoring.body.contains("Vélos-cargos des services")
    );
    // A bad day on the page: the problem, in the page's language.
    let bad = admin.get("/programme?lang=fr&as_of=hier");
    assert_eq!(bad.status, 422);
    assert!(
        bad.body.contains("« hier » n&#39;a")
            || bad.body.contains("n'est pas une date")
            || bad.body.contains("n&#39;est pas une date"),
        "{}",
        bad.body
    );

    // The CSV export: a header and one row per experiment.
    let csv = admin.get("/programme/portfolio.csv?as_of=2026-12-07");
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert!(
        csv.body
            .starts_with("experiment_id,commune,theme,experiment,status,phase,")
    );
    assert_eq!(csv.body.lines().count(), 9);

    // An organiser sees their district's experiment only; a participant, nothing.
    let mine = org_hydro
        .get("/api/v1/programme/portfolio?as_of=2026-12-07")
        .json();
    let slugs: Vec<&str> = mine["experiments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, vec![ISSY]);
    let page = org_hydro.get("/programme?lang=en");
    assert!(
        page.body.contains("HydroSeine") && !page.body.contains("Meudon"),
        "{}",
        page.body
    );
    assert_eq!(
        org_hydro
            .get("/programme/portfolio.csv")
            .body
            .lines()
            .count(),
        2
    );
    for path in [
        "/programme",
        "/programme/portfolio.csv",
        "/api/v1/programme/portfolio",
        "/programme/indicators",
    ] {
        assert_eq!(part.get(path).status, 404, "{path}");
    }
    assert_eq!(app.client().get("/api/v1/programme/portfolio").status, 401);
}

#[test]
fn published_results_and_open_data_are_public_and_nothing_else_is() {
    let app = spawn_app();
    setup(&app);
    let anon = app.client();
    // The demo publishes three experiments (on 1 October, 2 and 15 November 2026).
    let list = anon.get("/public/experiments?lang=fr");
    assert_eq!(list.status, 200, "{}", list.body);
    for title in [
        "Vélos-cargos des services municipaux",
        "HydroSeine : quartier démonstrateur de la ville hydrogène",
        "Transition énergétique des bâtiments publics",
    ] {
        assert!(list.body.contains(title), "{title}");
    }
    assert!(!list.body.contains("Prototype de véhicule hybride"));
    assert!(!list.body.contains("logout") && !list.body.contains("/account"));
    // An unpublished experiment is missing, like one that does not exist.
    let hidden = anon.get("/public/experiments/meudon-hybrid-vehicle");
    let missing = anon.get("/public/experiments/no-such-experiment");
    assert_eq!((hidden.status, missing.status), (404, 404));
    assert_eq!(hidden.body, missing.body);
    assert_eq!(anon.get("/public/experiments/..%2Fetc").status, 404);
    // A published one: its indicators, their charts, illustrative values labelled.
    let cargo = anon.get(&format!("/public/experiments/{CARGO}?lang=en"));
    assert_eq!(cargo.status, 200);
    for text in [
        "cargo-bike distance",
        "illustrative",
        "Some values on this page are illustrative",
        "Kilometres ridden",
    ] {
        assert!(cargo.body.contains(text), "{text:?}");
    }
    assert!(
        cargo.body.matches("<svg").count() >= 2,
        "a chart per indicator"
    );
    // The renovation: the evaluation's verdict, charts and method.
    let reno = anon.get(&format!("/public/experiments/{MEUDON}?lang=fr"));
    assert_eq!(reno.status, 200);
    for text in [
        "Conforme Guideline 14",
        "Énergie évitée cumulée",
        "Méthode : référence de consommation CalTRACK",
    ] {
        assert!(reno.body.contains(text), "{text:?}");
    }
    // The open data, signed out, agreeing with their metadata.
    let csv = anon.get("/open-data/indicators.csv");
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let meta = anon.get("/open-data/dataset.jsonld");
    assert_eq!(meta.status, 200);
    assert!(
        meta.header("content-type")
            .unwrap()
            .starts_with("application/ld+json")
    );
    let meta = meta.json();
    let dist = &meta["dcat:distribution"][0];
    assert_eq!(dist["dcat:byteSize"]["@value"], csv.body.len().to_string());
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(csv.body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(dist["spdx:checksum"]["spdx:checksumValue"], digest);
    let ids: std::collections::BTreeSet<&str> = csv
        .body
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .collect();
    assert_eq!(
        ids.into_iter().collect::<Vec<_>>(),
        vec![ISSY, CARGO, MEUDON]
    );
    assert_eq!(
        anon.get("/open-data/indicators.json").json()["experiments"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(anon.get("/open-data/secrets.csv").status, 404);
    // Signed out, the rest stays closed.
    assert_eq!(anon.get("/programme").status, 303);
    assert_eq!(anon.get(&format!("/experiments/{CARGO}")).status, 303);
}

#[test]
fn a_laureate_reports_their_experiment_and_sees_nothing_else() {
    let app = spawn_app();
    let (admin, org_hydro, ..) = setup(&app);
    // The programme creates the laureate of the cargo bikes; an experiment is required, and must
    // be one of the data folder's; an organiser creates no laureate.
    let laureate = |experiment: Value| {
        json!({"username": "velos", "password": USER_PASSWORD, "role": "laureate",
               "experiment": experiment})
    };
    let r = admin.post_json("/api/v1/users", &laureate(Value::Null));
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("a laureate needs an experiment"));
    let r = admin.post_json("/api/v1/users", &laureate(json!("no-such-experiment")));
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("no experiment `no-such-experiment`"));
    assert_eq!(
        org_hydro
            .post_json("/api/v1/users", &laureate(json!(CARGO)))
            .status,
        403
    );
    let r = admin.post_json("/api/v1/users", &laureate(json!(CARGO)));
    assert_eq!(r.status, 201, "{}", r.body);
    let velos = app.login("velos", USER_PASSWORD);

    // Their experiment only: nothing of districts, people or other experiments.
    assert_eq!(slugs(&velos.get("/api/v1/experiments").json()), vec![CARGO]);
    assert_eq!(
        velos.get(&format!("/api/v1/experiments/{MEUDON}")).status,
        404
    );
    assert_eq!(
        velos.get("/api/v1/districts").json()["districts"],
        json!([])
    );
    assert_eq!(velos.get("/api/v1/users").status, 404);
    let mine = velos
        .get("/api/v1/programme/portfolio?as_of=2026-12-07")
        .json();
    assert_eq!(mine["experiments"].as_array().unwrap().len(), 1);
    let home = velos.get("/");
    assert_eq!(
        home.header("location"),
        Some(format!("/experiments/{CARGO}").as_str())
    );
    let page = velos.get(&format!("/experiments/{CARGO}?lang=fr"));
    assert!(page.body.contains("id=reports-link"), "{}", page.body);
    assert!(
        !page.body.contains("href=\"/districts?"),
        "no districts link for a laureate"
    );

    // A report with problems: every one located, nothing stored.
    let path = format!("/api/v1/experiments/{CARGO}/reports");
    let bad = velos.put_text(
        &path,
        "month,indicator,value\n2026-11,cargo-bike distance,2480\n2026-13,van trips avoided,400\n2026-10,cargo bike distance,1\n",
    );
    assert_eq!(bad.status, 422, "{}", bad.body);
    let problems = bad.json()["errors"].as_array().unwrap().clone();
    assert_eq!(problems.len(), 2, "{}", bad.body);
    assert_eq!(problems[0]["line"], 3);
    assert_eq!(problems[0]["path"], "month");
    assert!(
        problems[1]["message"]
            .as_str()
            .unwrap()
            .contains("did you mean \"cargo-bike distance\"?")
    );
    assert_eq!(velos.get(&path).json()["reports"], json!([]));

    // The report: November's distance replaced, stored whole, shown everywhere.
    let before = f(
        &admin.get(&format!("/api/v1/experiments/{CARGO}")).json()["indicators"][0]["total"]["value"],
    );
    let ok = velos.put_text(&path, "month;indicator;value\n2026-11;cargo-bike distance;2580,5\n2026-11;van trips avoided;400\n");
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["stored"], 2);
    let stored = admin.get(&path).json();
    assert_eq!(stored["reports"][0]["uploaded_by"], "velos");
    let after = f(
        &admin.get(&format!("/api/v1/experiments/{CARGO}")).json()["indicators"][0]["total"]["value"],
    );
    // The generator's November was 2580 km; the laureate reports 2580.5.
    assert!((after - before - 0.5).abs() < 1e-9, "{before} → {after}");
    let table = admin.get("/api/v1/programme").json();
    let km = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["indicator"] == "cargo-bike distance")
        .unwrap();
    assert!((f(&km["total"]["value"]) - after).abs() < 1e-9);
    assert!(
        app.client()
            .get("/open-data/indicators.csv")
            .body
            .contains("2026-11,2580.5,")
    );
    let page = velos.get(&format!("/experiments/{CARGO}/reports?lang=en"));
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Nov 2026") && page.body.contains("2\u{202F}580.50"),
        "{}",
        page.body
    );

    // Another experiment: missing for the laureate; an organiser who sees one does not report.
    assert_eq!(
        velos
            .put_text(&format!("/api/v1/experiments/{MEUDON}/reports"), "x")
            .status,
        404
    );
    let denied = org_hydro.put_text(&format!("/api/v1/experiments/{ISSY}/reports"), "x");
    assert_eq!(denied.status, 403, "{}", denied.body);
    assert!(
        denied
            .body
            .contains("only the experiment's laureate and the programme team")
    );

    // Evidence backs a month: a PDF kept, told by its bytes; anything else refused, located.
    let ev = format!("/api/v1/experiments/{CARGO}/evidence");
    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";
    let attach = |c: &Client, query: &str, body: &[u8]| {
        c.request(
            "POST",
            &format!("{ev}?{query}"),
            Some("application/octet-stream"),
            body,
        )
    };
    let r = attach(&velos, "month=2026-11&name=rel%C3%A8ve%20novembre.pdf", pdf);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["media_type"], "application/pdf");
    let href = r.json()["href"].as_str().unwrap().to_string();
    let r = attach(&velos, "month=2027-02&name=x.exe", b"MZ\x90\x00");
    assert_eq!(r.status, 422, "{}", r.body);
    let paths = error_paths(&r);
    assert_eq!(paths, ["month", "file"], "{}", r.body);
    assert!(r.body.contains("has not begun"), "{}", r.body);
    assert_eq!(attach(&velos, "month=2026-11", pdf).status, 422);
    let list = admin.get(&ev).json();
    assert_eq!(list["evidence"].as_array().unwrap().len(), 1);
    assert_eq!(list["evidence"][0]["uploaded_by"], "velos");
    let file = velos.get(&href);
    assert_eq!(file.status, 200);
    assert_eq!(file.header("content-type"), Some("application/pdf"));
    assert!(
        file.header("content-disposition")
            .unwrap()
            .contains("rel%C3%A8ve%20novembre.pdf")
    );
    assert!(file.body.starts_with("%PDF-1.4"));
    // Nobody else reads it: an organiser who sees the experiment 403, the public 401.
    let org_meudon = {
        let meudon = std::fs::read_to_string(examples().join("meudon-la-foret.toml")).unwrap();
        let r = admin.post_json(
            "/api/v1/districts",
            &json!({"toml": meudon, "share_meters": true}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["id"].as_i64().unwrap();
        admin.create_user("org-meudon", "organiser", id, None);
        app.login("org-meudon", USER_PASSWORD)
    };
    assert_eq!(
        org_meudon
            .get(&format!("/api/v1/experiments/{CARGO}"))
            .status,
        200
    );
    assert_eq!(org_meudon.get(&href).status, 403);
    assert_eq!(org_hydro.get(&href).status, 404);
    assert_eq!(app.client().get(&href).status, 401);
    // The reports page lists it.
    let page = velos.get(&format!("/experiments/{CARGO}/reports?lang=fr"));
    assert!(page.body.contains("relève novembre.pdf"), "{}", page.body);
}

#[test]
fn the_programme_team_sets_status_phases_and_milestones() {
    let app = spawn_app();
    let (admin, org_hydro, org_other, _) = setup(&app);
    const EV: &str = "meudon-ev-charging";
    let api = format!("/api/v1/experiments/{EV}/follow-up");
    let file = data_dir(&app).join(format!("experiments/{EV}.toml"));
    let before = std::fs::read_to_string(&file).unwrap();
    let reasons_now = |c: &Client| {
        let p = c.get("/api/v1/programme/portfolio?as_of=2026-12-07").json();
        (
            experiment_of(&p, EV)["phase"].as_str().unwrap().to_string(),
            reasons(&p, EV),
        )
    };
    let (phase, why) = reasons_now(&admin);
    assert_eq!(phase, "monitoring");
    assert!(
        why.iter()
            .any(|r| r == "monitoring phase still open, planned to end 2026-10-01"),
        "{why:?}"
    );

    // Only the programme team: an organiser who sees it gets 403, one who does not 404.
    let change = json!({"status": "suspended"});
    let put = |c: &Client, body: &Value| {
        c.request(
            "PUT",
            &api,
            Some("application/json"),
            body.to_string().as_bytes(),
        )
    };
    assert_eq!(put(&org_other, &change).status, 404);
    let r = put(&org_hydro, &json!({}));
    assert!(r.status == 403 || r.status == 404, "{}", r.body);

    // A change the file's own rules refuse (an actual end before its start): located, nothing
    // written.
    let r = put(
        &admin,
        &json!({"phases": [{"name": "monitoring", "actual_start": "2025-11-01", "actual_end": "2025-10-01"}]}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("phases[1]"), "{}", r.body);
    let r = put(
        &admin,
        &json!({"status": "paused", "milestones": [{"name": "x"}]}),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    let paths = error_paths(&r);
    assert_eq!(paths, ["status", "milestones[0].due"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);

    // Monitoring ended, evaluation started, a milestone added: the portfolio follows.
    let r = put(
        &admin,
        &json!({
            "phases": [
                {"name": "monitoring", "actual_start": "2025-11-01", "actual_end": "2026-11-02"},
                {"name": "evaluation", "actual_start": "2026-11-02"}
            ],
            "milestones": [{"name": "Bilan intermédiaire remis", "phase": "evaluation", "due": "2027-01-15"}]
        }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.json()["follow_up"]["phases"][2]["actual_start"],
        "2026-11-02"
    );
    let (phase, why) = reasons_now(&admin);
    assert_eq!(phase, "evaluation");
    assert!(
        !why.iter().any(|r| r.contains("phase still open")),
        "{why:?}"
    );
    let after = std::fs::read_to_string(&file).unwrap();
    assert!(
        after.starts_with(before.lines().next().unwrap()),
        "comments kept"
    );
    assert!(
        after.contains("name = \"Bilan intermédiaire remis\""),
        "{after}"
    );

    // Changes sent at once are made one after the other: none overwrites another.
    std::thread::scope(|scope| {
        for i in 0..6 {
            let admin = &admin;
            let put = &put;
            scope.spawn(move || {
                let r = put(
                    admin,
                    &json!({"milestones": [{"name": format!("Atelier {i}"), "phase": "evaluation", "due": "2027-01-20"}]}),
                );
                assert_eq!(r.status, 200, "{}", r.body);
            });
        }
    });
    let after = std::fs::read_to_string(&file).unwrap();
    for i in 0..6 {
        assert!(
            after.contains(&format!("name = \"Atelier {i}\"")),
            "{after}"
        );
    }

    // The same from the dashboard: the form, then the status set through it.
    let page = admin.get(&format!("/experiments/{EV}?lang=en"));
    assert!(page.body.contains("id=follow-up-link"), "{}", page.body);
    let form = admin.get(&format!("/experiments/{EV}/follow-up?lang=en"));
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(
        form.body
            .contains("name=evaluation_actual_start value=\"2026-11-02\"")
    );
    let form_of = |fields: &[(&str, &str)]| {
        let mut all = vec![("csrf", admin.csrf.clone().unwrap())];
        all.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        all.iter()
            .map(|(k, v)| {
                format!(
                    "{k}={}",
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                )
            })
            .collect::<Vec<_>>()
            .join("&")
    };
    let r = admin.post_form(
        &format!("/experiments/{EV}/follow-up?lang=en"),
        &form_of(&[
            ("status", "completed"),
            ("monitoring_actual_start", "2025-11-01"),
            ("monitoring_actual_end", "2026-11-02"),
            ("evaluation_actual_start", "2026-11-02"),
            ("m0_name", "Bornes installées et raccordées"),
            ("m0_done", "2025-10-24"),
        ]),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let p = admin
        .get("/api/v1/programme/portfolio?as_of=2026-12-07")
        .json();
    assert_eq!(experiment_of(&p, EV)["status"], "completed");
    // A form with a bad date says so on the page, in the page's language.
    let r = admin.post_form(
        &format!("/experiments/{EV}/follow-up?lang=fr"),
        &form_of(&[
            ("status", "active"),
            ("monitoring_actual_end", "2026-31-01"),
        ]),
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert!(r.body.contains("pas une date"), "{}", r.body);
}

//! The asset registry over the API and the dashboard, on every database back end: import as
//! organiser (model-derived assets completed by a registry file), list and plan, a condition
//! change moves the next replacement, maintenance is logged (a replacement restarts the
//! life), a malformed registry is refused with line and field and stores nothing, and
//! participants and organisers of other districts get 404 everywhere.

mod common;

use common::*;
use serde_json::{Value, json};

const A: &str = "30000000000001";
const B: &str = "30000000000002";
/// Plans in these tests start in 2026 so that their numbers do not depend on today.
const START: &str = "start_year=2026";
/// The API's 404, byte for byte (problem details).
const NOT_FOUND: &str = r#"{"detail":"not found","error":"not found","status":404,"title":"Not Found","type":"about:blank"}"#;

/// A registry for the small district: dates and prices of the model's assets, an inverter
/// replaced in 2022, the charge points set through their component, and a building the model
/// does not have.
const REGISTRY: &str = r#"[[assets]]
name = "roof"
commissioned_on = 2013-04-01
capex_eur = 60000
condition = 4
location = "École, toiture"

[[assets.maintenance]]
performed_on = 2024-05-10
kind = "inspection"
cost_eur = 450
note = "Thermographie"

[[assets]]
name = "roof-inverter"
commissioned_on = 2013-04-01
capex_eur = 6000

[[assets.maintenance]]
performed_on = 2022-03-15
kind = "replacement"
cost_eur = 6000

[[assets]]
name = "bornes"
commissioned_on = 2022-10-01
capex_eur = 7500

[[assets]]
name = "toiture-gymnase"
kind = "building"
commissioned_on = 1998-09-01
lifetime_years = 40
capex_eur = 250000
condition = 3
"#;

/// The small district of `common` with two charge points (and their sessions file).
fn district_toml(app: &TestApp, name: &str, prms: &[&str]) -> String {
    std::fs::write(
        app.dir.path().join("data/data/ev.csv"),
        "plug_in,plug_out,energy_kwh,charger_kw\n\
         2025-06-03T08:00:00+02:00,2025-06-03T12:00:00+02:00,10,11\n",
    )
    .unwrap();
    let participant = prms.first().copied().unwrap_or(A);
    format!(
        "{}\n[[ev_charging]]\nname = \"bornes\"\nparticipant = \"{participant}\"\nchargers = 2\n\
         charger_kw = 11\nsessions = \"data/ev.csv\"\n",
        small_district(name, prms)
    )
}

struct Setup {
    id: i64,
    other: i64,
    admin: Client,
    organiser: Client,
    participant: Client,
    other_organiser: Client,
}

fn setup(app: &TestApp) -> Setup {
    let admin = app.admin();
    let mut ids = Vec::new();
    // A meter belongs to one district: the other district has meters of its own.
    let others = ["30000000000003", "30000000000004"];
    for (name, prms) in [("Les Tilleuls", [A, B]), ("Autre quartier", others)] {
        ids.push(admin.create_district(&district_toml(app, name, &prms)));
    }
    let (id, other) = (ids[0], ids[1]);
    admin.create_user("olivia", "organiser", id, None);
    admin.create_user("alice", "participant", id, Some(A));
    admin.create_user("olga", "organiser", other, None);
    Setup {
        id,
        other,
        admin,
        organiser: app.login("olivia", USER_PASSWORD),
        participant: app.login("alice", USER_PASSWORD),
        other_organiser: app.login("olga", USER_PASSWORD),
    }
}

fn import(c: &Client, id: i64, toml: &str) -> Resp {
    c.request(
        "POST",
        &format!("/api/v1/districts/{id}/assets"),
        Some("application/toml"),
        toml.as_bytes(),
    )
}

fn patch(c: &Client, asset: i64, v: &Value) -> Resp {
    c.request(
        "PATCH",
        &format!("/api/v1/assets/{asset}"),
        Some("application/json"),
        v.to_string().as_bytes(),
    )
}

fn list(c: &Client, id: i64) -> Vec<Value> {
    let r = c.get(&format!("/api/v1/districts/{id}/assets?{START}"));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["assets"].as_array().unwrap().clone()
}

fn find<'a>(assets: &'a [Value], name: &str) -> &'a Value {
    assets
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no asset {name}"))
}

fn years(a: &Value) -> Vec<i64> {
    a["replacement_years"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| y.as_i64().unwrap())
        .collect()
}

#[test]
fn an_organiser_imports_the_registry_and_reads_the_plan() {
    for db in test_databases() {
        let backend = db.backend();
        let app = spawn_app_on(db);
        let s = setup(&app);
        let r = import(&s.organiser, s.id, REGISTRY);
        assert_eq!(r.status, 201, "{backend}: {}", r.body);
        // 7 from the model (PV array and inverter, battery, 2 charge points, 2 meters) + 1.
        assert_eq!(r.json()["assets"], 8, "{backend}");

        let assets = list(&s.organiser, s.id);
        let names: Vec<&str> = assets.iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert_eq!(
            names,
            [
                "battery",
                "bornes-01",
                "bornes-02",
                &format!("meter-{A}"),
                &format!("meter-{B}"),
                "roof",
                "roof-inverter",
                "toiture-gymnase"
            ],
            "{backend}: sorted by name"
        );
        let roof = find(&assets, "roof");
        assert_eq!(roof["kind"], "pv_array");
        assert_eq!(roof["component"], "roof");
        assert_eq!(roof["location"], "École, toiture");
        assert_eq!(roof["commissioned_on"], "2013-04-01");
        assert_eq!(roof["capex_eur"], 60000.0);
        assert_eq!(roof["condition"], 4);
        assert_eq!(roof["maintenance"][0]["kind"], "inspection");
        assert_eq!(roof["maintenance"][0]["cost_eur"], 450.0);
        assert_eq!(years(roof), [2043], "{backend}: 30 years from 2013");
        let inverter = find(&assets, "roof-inverter");
        assert_eq!(inverter["in_service_since"], "2022-03-15");
        assert_eq!(years(inverter), [2034, 2046], "{backend}: replaced in 2022");
        assert_eq!(years(find(&assets, "battery")), [2040, 2055]);
        let borne = find(&assets, "bornes-02");
        assert_eq!(borne["capex_eur"], 7500.0, "{backend}: set by component");
        assert_eq!(years(borne), [2032, 2042, 2052]);
        let building = find(&assets, "toiture-gymnase");
        assert_eq!(building["component"], Value::Null);
        assert_eq!(building["next_replacement_year"], 2038);

        let plan = s
            .organiser
            .get(&format!("/api/v1/districts/{}/asset-plan?{START}", s.id));
        assert_eq!(plan.status, 200, "{backend}: {}", plan.body);
        let plan = plan.json();
        assert_eq!(plan["config"]["end_year"], 2055);
        assert_eq!(plan["years"].as_array().unwrap().len(), 30);
        // roof 1, inverter 2, battery 2, charge points 3 + 3, meters 1 + 1, building 1.
        assert_eq!(plan["totals"]["replacements"], 14, "{backend}");
        let y2032 = &plan["years"][6];
        assert_eq!(y2032["year"], 2032);
        assert_eq!(y2032["replacement_capex_eur"], 15000.0);
        assert_eq!(y2032["assets_replaced"], json!(["bornes-01", "bornes-02"]));
        let npv = plan["totals"]["npv_eur"].as_f64().unwrap();
        let total = plan["totals"]["total_eur"].as_f64().unwrap();
        assert!(npv > 0.0 && npv < total, "{backend}: {npv} {total}");

        let csv = s.organiser.get(&format!(
            "/api/v1/districts/{}/asset-plan.csv?{START}",
            s.id
        ));
        assert_eq!(csv.status, 200);
        assert_eq!(csv.body.lines().count(), 31);
        assert!(
            csv.body
                .lines()
                .any(|l| l.starts_with("2032,15000.00,") && l.ends_with("bornes-01;bornes-02")),
            "{}",
            csv.body
        );

        // The programme reads it too; a second import is refused.
        assert_eq!(list(&s.admin, s.id).len(), 8);
        let again = import(&s.admin, s.id, REGISTRY);
        assert_eq!(again.status, 409, "{backend}: {}", again.body);
        assert_eq!(list(&s.organiser, s.id).len(), 8);

        // `?replace=true` replaces the whole registry in one transaction: a bad file leaves
        // the old one whole; the model alone (empty body) then gives the model's assets with
        // no maintenance log.
        let replace = |toml: &str| {
            s.organiser.request(
                "POST",
                &format!("/api/v1/districts/{}/assets?replace=true", s.id),
                Some("application/toml"),
                toml.as_bytes(),
            )
        };
        let bad = replace("[[assets]]\nname = \"x\"\ncondition = 9\n");
        assert_eq!(bad.status, 422, "{backend}: {}", bad.body);
        assert_eq!(
            list(&s.organiser, s.id).len(),
            8,
            "{backend}: old registry kept"
        );
        let r = replace("");
        assert_eq!(r.status, 201, "{backend}: {}", r.body);
        let model_only = list(&s.organiser, s.id);
        assert!(
            model_only
                .iter()
                .all(|a| a["maintenance"].as_array().is_some_and(|m| m.is_empty())),
            "{backend}: logs replaced too"
        );
        let r = replace(REGISTRY);
        assert_eq!(r.status, 201, "{backend}: {}", r.body);
        assert_eq!(list(&s.organiser, s.id).len(), 8);

        // Bad plan settings are 422 at the setting.
        let bad = s.organiser.get(&format!(
            "/api/v1/districts/{}/asset-plan?years=abc&discount_rate=5",
            s.id
        ));
        assert_eq!(bad.status, 422, "{}", bad.body);
        let errs = bad.json()["errors"].clone();
        assert_eq!(errs.as_array().unwrap().len(), 1, "{errs}");
        assert_eq!(errs[0]["path"], "years");
        let bad = s.organiser.get(&format!(
            "/api/v1/districts/{}/asset-plan?discount_rate=5",
            s.id
        ));
        assert_eq!(bad.status, 422);
        assert_eq!(bad.json()["errors"][0]["path"], "discount_rate");
    }
}

#[test]
fn condition_changes_and_maintenance_move_the_next_replacement() {
    for db in test_databases() {
        let backend = db.backend();
        let app = spawn_app_on(db);
        let s = setup(&app);
        assert_eq!(import(&s.organiser, s.id, REGISTRY).status, 201);
        let assets = list(&s.organiser, s.id);
        let battery = find(&assets, "battery")["id"].as_i64().unwrap();
        let inverter = find(&assets, "roof-inverter")["id"].as_i64().unwrap();

        // Poor condition: replaced within two years of the plan's start.
        let r = patch(&s.organiser, battery, &json!({"condition": 2}));
        assert_eq!(r.status, 200, "{backend}: {}", r.body);
        assert_eq!(r.json()["condition"], 2);
        let b = find(&list(&s.organiser, s.id), "battery").clone();
        assert_eq!(b["condition"], 2);
        assert_eq!(b["next_replacement_year"], 2028, "{backend}");
        assert_eq!(b["first_reason"], "condition");
        // A decided year overrides; null clears it.
        let r = patch(&s.organiser, battery, &json!({"replacement_year": 2031}));
        assert_eq!(r.status, 200, "{}", r.body);
        let b = find(&list(&s.organiser, s.id), "battery").clone();
        assert_eq!(
            (b["next_replacement_year"].clone(), b["condition"].clone()),
            (json!(2031), json!(2))
        );
        let r = patch(
            &s.organiser,
            battery,
            &json!({"replacement_year": null, "condition": 5}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            find(&list(&s.organiser, s.id), "battery")["next_replacement_year"],
            2040
        );
        // Validation: every field at fault, nothing changed.
        let r = patch(
            &s.organiser,
            battery,
            &json!({"condition": 7, "colour": "red"}),
        );
        assert_eq!(r.status, 422, "{}", r.body);
        let errs = r.json()["errors"].clone();
        assert_eq!(errs.as_array().unwrap().len(), 1, "{errs}");
        assert_eq!(errs[0]["path"], "colour");
        let r = patch(&s.organiser, battery, &json!({"condition": 7}));
        assert_eq!(r.status, 422);
        assert_eq!(r.json()["errors"][0]["path"], "condition");
        let r = patch(&s.organiser, battery, &json!({"replacement_year": 2020}));
        assert_eq!(r.status, 422);
        assert_eq!(r.json()["errors"][0]["path"], "replacement_year");
        assert_eq!(find(&list(&s.organiser, s.id), "battery")["condition"], 5);

        // Maintenance: a replacement restarts the inverter's life (2034 → 2037).
        let url = format!("/api/v1/assets/{inverter}/maintenance");
        let r = s.organiser.post_json(
            &url,
            &json!({"performed_on": "2025-09-01", "kind": "replacement", "cost_eur": 5800, "note": "Onduleur neuf"}),
        );
        assert_eq!(r.status, 201, "{backend}: {}", r.body);
        let inv = find(&list(&s.organiser, s.id), "roof-inverter").clone();
        assert_eq!(inv["maintenance"].as_array().unwrap().len(), 2);
        assert_eq!(inv["maintenance"][1]["note"], "Onduleur neuf");
        assert_eq!(inv["maintenance_cost_eur"], 11800.0);
        assert_eq!(inv["in_service_since"], "2025-09-01");
        assert_eq!(years(&inv), [2037, 2049], "{backend}");
        let r = s.organiser.post_json(
            &url,
            &json!({"performed_on": "2025-13-01", "kind": "repair", "cost_eur": -5}),
        );
        assert_eq!(r.status, 422, "{}", r.body);
        let paths = error_paths(&r);
        assert_eq!(paths, ["performed_on", "kind", "cost_eur"]);
        let r = s.organiser.post_json(
            &url,
            &json!({"performed_on": "2099-01-01", "kind": "inspection"}),
        );
        assert_eq!(r.status, 422, "{}", r.body);
        let r = s.organiser.post_json(
            &url,
            &json!({"performed_on": "2000-01-01", "kind": "inspection"}),
        );
        assert_eq!(r.status, 422, "before commissioning: {}", r.body);
        assert_eq!(
            find(&list(&s.organiser, s.id), "roof-inverter")["maintenance"]
                .as_array()
                .unwrap()
                .len(),
            2,
            "{backend}: the refused entries were not stored"
        );
    }
}

#[test]
fn a_malformed_registry_is_refused_with_line_and_field_and_stores_nothing() {
    for db in test_databases() {
        let backend = db.backend();
        let app = spawn_app_on(db);
        let s = setup(&app);
        let bad = "[[assets]]\nname = \"roof\"\ncondition = 7\n\n[[assets]]\nname = \"shed\"\nkind = \"pv_aray\"\n";
        let r = import(&s.organiser, s.id, bad);
        assert_eq!(r.status, 422, "{backend}: {}", r.body);
        let errs = r.json()["errors"].as_array().unwrap().clone();
        let condition = errs
            .iter()
            .find(|e| e["path"] == "assets[0].condition")
            .unwrap_or_else(|| panic!("{errs:?}"));
        assert_eq!(condition["line"], 3);
        assert!(condition["expected"].as_str().unwrap().contains('5'));
        let kind = errs
            .iter()
            .find(|e| e["path"] == "assets[1].kind")
            .unwrap_or_else(|| panic!("{errs:?}"));
        assert_eq!(kind["line"], 7);
        assert!(kind["message"].as_str().unwrap().contains("pv_array"));
        assert!(list(&s.organiser, s.id).is_empty(), "{backend}");

        // A record valid alone but not against the model: a new asset without capex; and a
        // maintenance entry before commissioning. Still nothing stored.
        let bad = "[[assets]]\nname = \"shed\"\nkind = \"building\"\ncommissioned_on = 2000-01-01\n\n\
                   [[assets]]\nname = \"battery\"\n\n[[assets.maintenance]]\nperformed_on = 2020-01-01\nkind = \"inspection\"\n";
        let r = s.organiser.post_json(
            &format!("/api/v1/districts/{}/assets", s.id),
            &json!({ "toml": bad }),
        );
        assert_eq!(r.status, 422, "{backend}: {}", r.body);
        let errs = r.json()["errors"].as_array().unwrap().clone();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(errs.iter().all(|e| e["line"].is_u64()), "{errs:?}");
        assert!(list(&s.organiser, s.id).is_empty(), "{backend}");

        // A form-encoded body is refused (CSRF); an empty JSON body derives the model only.
        let r = s
            .organiser
            .post_form(&format!("/api/v1/districts/{}/assets", s.id), "toml=x");
        assert_eq!(r.status, 415, "{}", r.body);
        let r = s
            .organiser
            .post_json(&format!("/api/v1/districts/{}/assets", s.id), &json!({}));
        assert_eq!(r.status, 201, "{backend}: {}", r.body);
        assert_eq!(r.json()["assets"], 7);
    }
}

#[test]
fn participants_and_other_organisers_get_404_on_every_route() {
    for db in test_databases() {
        let backend = db.backend();
        let app = spawn_app_on(db);
        let s = setup(&app);
        assert_eq!(import(&s.organiser, s.id, REGISTRY).status, 201);
        let asset = find(&list(&s.organiser, s.id), "battery")["id"]
            .as_i64()
            .unwrap();
        let missing_asset = asset + 100_000;
        let missing_district = s.other + 100_000;
        for c in [&s.participant, &s.other_organiser] {
            let csrf = c.csrf.clone().unwrap();
            for (id, a) in [(s.id, asset), (missing_district, missing_asset)] {
                let api = [
                    c.get(&format!("/api/v1/districts/{id}/assets")),
                    import(c, id, REGISTRY),
                    c.get(&format!("/api/v1/districts/{id}/asset-plan")),
                    c.get(&format!("/api/v1/districts/{id}/asset-plan.csv")),
                    patch(c, a, &json!({"condition": 1})),
                    c.post_json(
                        &format!("/api/v1/assets/{a}/maintenance"),
                        &json!({"performed_on": "2025-09-01", "kind": "inspection"}),
                    ),
                ];
                for r in api {
                    assert_eq!(r.status, 404, "{backend}: {}", r.body);
                    assert_eq!(r.body, NOT_FOUND, "the same body as for a missing id");
                }
                let pages = [
                    c.get(&format!("/districts/{id}/assets")),
                    c.get(&format!("/districts/{id}/assets/plan.html")),
                    c.get(&format!("/assets/{a}")),
                    c.post_form(
                        &format!("/assets/{a}/maintenance"),
                        &format!("csrf={csrf}&performed_on=2025-09-01&kind=inspection"),
                    ),
                    c.post_form(
                        &format!("/assets/{a}/condition"),
                        &format!("csrf={csrf}&condition=1&replacement_year="),
                    ),
                ];
                for r in pages {
                    assert_eq!(r.status, 404, "{backend}: {}", r.body);
                }
            }
        }
        // Nothing changed, and the other organiser's own (empty) registry is theirs to read.
        let b = find(&list(&s.organiser, s.id), "battery").clone();
        assert_eq!(b["condition"], 5);
        assert!(b["maintenance"].as_array().unwrap().is_empty());
        assert!(list(&s.other_organiser, s.other).is_empty(), "{backend}");
        let page = s.organiser.get(&format!("/districts/{}", s.id));
        assert!(page.body.contains("id=assets-link"));
    }
}

#[test]
fn the_pages_show_the_registry_the_plan_and_record_maintenance() {
    for db in test_databases() {
        let backend = db.backend();
        let app = spawn_app_on(db);
        let s = setup(&app);
        let empty = s
            .organiser
            .get(&format!("/districts/{}/assets?lang=en", s.id));
        assert_eq!(empty.status, 200, "{backend}");
        assert!(empty.body.contains("id=no-assets"), "{}", empty.body);
        assert_eq!(import(&s.organiser, s.id, REGISTRY).status, 201);
        let battery = find(&list(&s.organiser, s.id), "battery")["id"]
            .as_i64()
            .unwrap();

        let fr = s
            .organiser
            .get(&format!("/districts/{}/assets?lang=fr", s.id));
        assert_eq!(fr.status, 200, "{backend}: {}", fr.body);
        for text in [
            "Registre des équipements",
            "Prochain remplacement",
            "toiture-gymnase",
            &format!("href=\"/assets/{battery}?lang=fr\""),
            "École, toiture",
            "60\u{202f}000",
            "<section id=plan>",
        ] {
            assert!(fr.body.contains(text), "{backend}: {text} missing");
        }
        let en = s
            .organiser
            .get(&format!("/districts/{}/assets?lang=en", s.id));
        assert!(en.body.contains("Asset registry") && en.body.contains("Next replacement"));

        // The full report follows the page's language (French without one).
        let report = s
            .organiser
            .get(&format!("/districts/{}/assets/plan.html", s.id));
        assert_eq!(report.status, 200);
        assert!(
            report.body.contains("<svg") && report.body.contains("Remplacements par équipement")
        );
        assert!(report.body.contains("Les Tilleuls") && report.body.contains("Batterie"));
        assert!(!report.body.contains("Replacements by asset"));
        let report = s
            .organiser
            .get(&format!("/districts/{}/assets/plan.html?lang=en", s.id));
        assert!(report.body.contains("Replacements by asset") && report.body.contains("Battery"));
        assert!(report.body.contains("<html lang=\"en\">"));

        let detail = s.organiser.get(&format!("/assets/{battery}?lang=fr"));
        assert_eq!(detail.status, 200, "{backend}: {}", detail.body);
        let csrf = s.organiser.csrf.clone().unwrap();
        assert!(detail.body.contains(&format!("value=\"{csrf}\"")));
        assert!(detail.body.contains("Aucune intervention enregistrée."));

        // The form records an entry and changes the condition; without the token it is 403.
        let form = format!(
            "csrf={csrf}&performed_on=2025-08-01&kind=preventive&cost_eur=250&note=Contr%C3%B4le+BMS"
        );
        let r = s
            .organiser
            .post_form(&format!("/assets/{battery}/maintenance?lang=fr"), &form);
        assert_eq!(r.status, 303, "{backend}: {}", r.body);
        assert_eq!(
            r.header("location"),
            Some(&*format!("/assets/{battery}?lang=fr"))
        );
        let r = s.organiser.post_form(
            &format!("/assets/{battery}/condition"),
            &format!("csrf={csrf}&condition=3&replacement_year="),
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let r = s.organiser.post_form(
            &format!("/assets/{battery}/condition"),
            "csrf=wrong&condition=1&replacement_year=",
        );
        assert_eq!(r.status, 403);
        let r = s.organiser.post_form(
            &format!("/assets/{battery}/condition?lang=en"),
            &format!("csrf={csrf}&condition=9&replacement_year="),
        );
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("condition") && r.body.contains("The input has problems"));
        let detail = s.organiser.get(&format!("/assets/{battery}?lang=fr"));
        assert!(detail.body.contains("Contrôle BMS"), "{}", detail.body);
        assert!(detail.body.contains("<option value=3 selected>"));
        let b = find(&list(&s.organiser, s.id), "battery").clone();
        assert_eq!(b["condition"], 3);
        assert_eq!(b["maintenance"][0]["kind"], "preventive");
        // Fair condition: at the latest half the 15-year lifetime from the start (2026 + 8).
        assert_eq!(b["next_replacement_year"], 2034, "{backend}");
    }
}

/// What `quartier serve` does for the demo: Meudon's district stored, then its registry seeded
/// from the model and examples/meudon-assets.toml; the API then gives the CLI's plan
/// (`quartier assets plan … --start-year 2026`: 71 assets, 128 replacements).
#[test]
fn the_meudon_demo_registry_seeds_and_plans() {
    let app = spawn_app();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let id = runtime.block_on(async {
        let store = quartier_store::Store::open(&format!("sqlite://{}", app.db_path.display()))
            .await
            .unwrap();
        let id = store
            .create_district(quartier_store::NewDistrict {
                name: "Meudon-la-Forêt".into(),
                source_toml: include_str!("../../../examples/meudon-la-foret.toml").into(),
                created_at: chrono::Utc::now(),
                participants: Vec::new(),
                shared_at: None,
            })
            .await
            .unwrap();
        let registry = include_str!("../../../examples/meudon-assets.toml");
        // The district file names its data files relative to examples/, as in the data folder.
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        let n = quartier_web::seed_assets(&store, &data, id, Some(registry))
            .await
            .unwrap();
        assert_eq!(n, 71);
        let again = quartier_web::seed_assets(&store, &data, id, Some(registry)).await;
        assert!(matches!(again, Err(quartier_web::ApiError::Conflict(_))));
        id
    });
    let admin = app.admin();
    let assets = list(&admin, id);
    assert_eq!(assets.len(), 71);
    let inverter = find(&assets, "pv-ecole-inverter");
    assert_eq!(inverter["in_service_since"], "2021-03-15");
    assert_eq!(years(inverter), [2033, 2045]);
    assert_eq!(
        find(&assets, "bornes-mairie-annexe-03")["next_replacement_year"],
        2028
    );
    let plan = admin
        .get(&format!("/api/v1/districts/{id}/asset-plan?{START}"))
        .json();
    let t = &plan["totals"];
    assert_eq!(t["replacements"], 128);
    assert_eq!(
        t["replacement_capex_eur"].as_f64().unwrap().round(),
        1_254_880.0
    );
    assert_eq!(t["npv_eur"].as_f64().unwrap().round(), 943_538.0);
    let page = admin.get(&format!("/districts/{id}/assets?lang=fr"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("toiture-ateliers"));
}

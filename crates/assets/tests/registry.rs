//! The registry derived from the demo districts and the example registry file applied to it;
//! diagnostics of broken registry files at file, line, field and expectation.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use quartier_assets::{
    AssetKind, PlanConfig, lifecycle_plan, parse_registry, read_registry, registry_from_district,
};

fn examples() -> PathBuf {
    quartier_testdata::repo_root().join("examples")
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn district(name: &str) -> quartier_model::District {
    quartier_model::read_district(&examples().join(name))
        .unwrap_or_else(|e| panic!("{e}"))
        .0
}

fn count(assets: &[quartier_assets::Asset], kind: AssetKind) -> usize {
    assets.iter().filter(|a| a.kind == kind).count()
}

#[test]
fn meudon_has_one_asset_per_component() {
    let assets = registry_from_district(&district("meudon-la-foret.toml"), d(2025, 1, 1));
    // 4 PV systems (array + inverter), 1 battery, 8 charge points, 12 cargo bikes, 41 meters.
    assert_eq!(count(&assets, AssetKind::PvArray), 4);
    assert_eq!(count(&assets, AssetKind::Inverter), 4);
    assert_eq!(count(&assets, AssetKind::Battery), 1);
    assert_eq!(count(&assets, AssetKind::Charger), 8);
    assert_eq!(count(&assets, AssetKind::CargoBike), 12);
    assert_eq!(count(&assets, AssetKind::Meter), 41);
    assert_eq!(assets.len(), 70);
    let pv = assets.iter().find(|a| a.name == "pv-ecole").unwrap();
    assert_eq!(pv.component.as_deref(), Some("pv-ecole"));
    assert_eq!(pv.capex_eur, 99.0 * 875.0);
    assert_eq!(pv.location, "École élémentaire Jean Jaurès");
    let inv = assets
        .iter()
        .find(|a| a.name == "pv-ecole-inverter")
        .unwrap();
    assert!((inv.capex_eur - 99.0 / 1.2 * 150.0).abs() < 1e-9);
    let bat = assets.iter().find(|a| a.name == "batterie-ecole").unwrap();
    // charge 50 kW, discharge defaults to the charge power.
    assert_eq!(bat.capex_eur, 100.0 * 400.0 + 50.0 * 150.0);
    assert!(assets.iter().any(|a| a.name == "bornes-mairie-annexe-08"));
    assert!(assets.iter().any(|a| a.name == "meter-30000000000041"));
    for a in &assets {
        a.validate().unwrap();
    }
}

#[test]
fn hydroseine_has_its_hydrogen_chain() {
    let assets = registry_from_district(&district("hydroseine.toml"), d(2025, 1, 1));
    let find = |n: &str| assets.iter().find(|a| a.name == n).unwrap();
    assert_eq!(find("electrolyseur-pem").kind, AssetKind::Electrolyser);
    assert_eq!(find("electrolyseur-pem").capex_eur, 500.0 * 1800.0);
    assert_eq!(find("stockage-350bar").capex_eur, 600.0 * 600.0);
    assert_eq!(find("pile-a-combustible").capex_eur, 100.0 * 2000.0);
    assert_eq!(count(&assets, AssetKind::Charger), 6);
    assert_eq!(count(&assets, AssetKind::Meter), 5);
    assert_eq!(assets.len(), 4 * 2 + 1 + 3 + 6 + 5);
}

#[test]
fn the_example_registry_completes_the_model() {
    let base = registry_from_district(&district("meudon-la-foret.toml"), d(2025, 1, 1));
    let file =
        read_registry(&examples().join("meudon-assets.toml")).unwrap_or_else(|e| panic!("{e}"));
    let assets = file.apply(base, 2026).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(assets.len(), 71, "the workshop roof is added");
    let find = |n: &str| assets.iter().find(|a| a.name == n).unwrap();
    let pv = find("pv-ecole");
    assert_eq!(pv.commissioned_on, d(2012, 7, 1));
    assert_eq!(pv.capex_eur, 148_500.0);
    assert_eq!(pv.maintenance.len(), 2);
    // The group record dated all eight charge points; number 3 is in poor condition.
    for i in 1..=8 {
        assert_eq!(
            find(&format!("bornes-mairie-annexe-{i:02}")).commissioned_on,
            d(2022, 10, 1)
        );
    }
    assert_eq!(find("bornes-mairie-annexe-03").condition, 2);
    // capex changed by the group record: O&M follows the kind's fraction.
    assert!((find("bornes-mairie-annexe-01").annual_om_eur - 7500.0 * 0.05).abs() < 1e-9);
    let roof = find("toiture-ateliers");
    assert_eq!((roof.kind, roof.lifetime_years), (AssetKind::Building, 40));

    let plan = lifecycle_plan(&assets, &PlanConfig::new(2026)).unwrap();
    let p = |n: &str| plan.assets.iter().find(|a| a.name == n).unwrap();
    // School inverter renewed in 2021, 12-year life: 2033 and 2045.
    assert_eq!(p("pv-ecole-inverter").replacement_years, vec![2033, 2045]);
    // School array of 2012, 30 years: 2042.
    assert_eq!(p("pv-ecole").replacement_years, vec![2042]);
    // Poor charge point: within two years; decided one: 2031; the others at end of life 2032.
    assert_eq!(p("bornes-mairie-annexe-03").replacement_years[0], 2028);
    assert_eq!(p("bornes-mairie-annexe-08").replacement_years[0], 2031);
    assert_eq!(p("bornes-mairie-annexe-01").replacement_years[0], 2032);
    // Cargo bikes of 2019: 2027; the one bought again in 2024: 2032.
    assert_eq!(p("velos-cargo-municipaux-01").replacement_years[0], 2027);
    assert_eq!(p("velos-cargo-municipaux-07").replacement_years[0], 2032);
    // Roof of 1998, 40 years but fair condition: at most 20 years left → 2038 (end of life).
    assert_eq!(p("toiture-ateliers").replacement_years[0], 2038);
}

fn errors(text: &str) -> String {
    match parse_registry(text, Path::new("r.toml")) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn broken_files_say_where_and_what_was_expected() {
    let all = errors(
        "[[assets]]\nname = \"a\"\nkind = \"battery\"\ncapex_eur = -5\ncommissioned_on = 2025-13-01\nlifetime_yaers = 10\n\n[[assets.maintenance]]\nperformed_on = 2024-01-01\ncost_eur = \"cher\"\n\n[[asets]]\n",
    );
    for expected in [
        "r.toml:4:13: assets[0].capex_eur: -5 is out of range (expected a finite capex_eur ≥ 0)",
        "r.toml:5:19: assets[0].commissioned_on: TOML syntax",
        "r.toml:6:1: assets[0].lifetime_yaers: unknown field `lifetime_yaers`; did you mean `lifetime_years`?",
        "assets[0].maintenance[0].kind: missing required field `kind`",
        "r.toml:10:12: assets[0].maintenance[0].cost_eur: wrong type: found string \"cher\" (expected number ≥ 0)",
        "asets: unknown section `asets`; did you mean `assets`?",
    ] {
        assert!(all.contains(expected), "missing «{expected}» in:\n{all}");
    }
    let dup = errors("[[assets]]\nname = \"a\"\n[[assets]]\nname = \"a\"\n");
    assert!(
        dup.contains("r.toml:4:8: assets[1].name: duplicate name \"a\""),
        "{dup}"
    );
    let no_name = errors("[[assets]]\nkind = \"other\"\n");
    assert!(
        no_name.contains("r.toml:1:1: assets[0].name: missing required field `name`"),
        "{no_name}"
    );
    assert_eq!(errors(""), "");
    assert_eq!(
        errors("[[assets]]\nname = \"x\"\ncommissioned_on = \"2020-02-03\"\n"),
        ""
    );
}

#[test]
fn applying_reports_missing_fields_and_dates_at_their_line() {
    let base = registry_from_district(&district("meudon-la-foret.toml"), d(2025, 1, 1));
    let text = "[[assets]]\nname = \"nouveau\"\nkind = \"other\"\n\n[[assets]]\nname = \"pv-ecole\"\ncommissioned_on = 2030-01-01\n\n[[assets]]\nname = \"batterie-ecole\"\n[[assets.maintenance]]\nperformed_on = 2020-01-01\nkind = \"inspection\"\n\n[[assets]]\nname = \"velos-cargo-municipaux\"\n[[assets.maintenance]]\nperformed_on = 2020-01-01\nkind = \"inspection\"\n";
    let file = parse_registry(text, Path::new("r.toml")).unwrap();
    let all = file.apply(base, 2026).unwrap_err().to_string();
    for expected in [
        "r.toml:1:1: assets[0]: \"nouveau\" is not an asset of the district model, so it needs commissioned_on, capex_eur",
        "r.toml:7:19: assets[1].commissioned_on: pv-ecole: commissioned on 2030-01-01, after the plan's first year 2026",
        "r.toml:12:16: assets[2].maintenance[0].performed_on: batterie-ecole: maintenance on 2020-01-01 is before commissioning on 2025-01-01",
        "assets[3].maintenance: \"velos-cargo-municipaux\" names the 12 assets of a component",
    ] {
        assert!(all.contains(expected), "missing «{expected}» in:\n{all}");
    }
}

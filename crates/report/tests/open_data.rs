//! The programme's open data on the demo's experiments: the files agree with their metadata
//! (columns, datatypes, sizes, checksums, period), and no personal data is ever published —
//! not an indicator of fewer than 10 private persons' meters, not a delivery point number, not
//! the name of a district's household — however the experiment files try.

use std::path::{Path, PathBuf};

use chrono::{NaiveDate, TimeZone, Utc};
use quartier_evaluate::Indicator;
use quartier_model::{Experiment, read_experiment};
use quartier_report::experiment::evaluate_experiment;
use quartier_report::open_data::{
    CSV_COLUMNS, Offered, OpenData, OpenDataError, OpenDataOptions, open_data,
};
use quartier_report::portfolio::local_midnight;
use quartier_report::programme::{
    DistrictBalance, experiment_files, indicators_by_experiment, simulate_district_balance,
};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples")
}

/// Every demo experiment with its indicators, each marked `published` as `publish` says, and
/// the districts' private names.
struct Demo {
    ids: Vec<String>,
    experiments: Vec<Experiment>,
    indicators: Vec<Vec<Indicator>>,
    private_names: Vec<String>,
}

fn demo(publish_all: bool) -> Demo {
    let files = experiment_files(&examples().join("experiments")).unwrap();
    let mut evaluated = Vec::new();
    let mut ids = Vec::new();
    for f in &files {
        let (mut e, _) = read_experiment(f).unwrap();
        if publish_all {
            e.published = Some(Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
        }
        ids.push(f.file_stem().unwrap().to_string_lossy().into_owned());
        evaluated.push(evaluate_experiment(e).unwrap());
    }
    let mut names = Vec::new();
    let (indicators, _) = indicators_by_experiment(&evaluated, |p| {
        let b: DistrictBalance = simulate_district_balance(p)?;
        names.extend(b.private_names.iter().cloned());
        Ok::<_, quartier_report::programme::ProgrammeError>(Some(b))
    })
    .unwrap();
    Demo {
        ids,
        experiments: evaluated.into_iter().map(|e| e.experiment).collect(),
        indicators,
        private_names: names,
    }
}

fn day() -> chrono::DateTime<Utc> {
    local_midnight(
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
        chrono_tz::Europe::Paris,
    )
}

fn export(d: &Demo) -> Result<OpenData, OpenDataError> {
    let offered: Vec<Offered<'_>> = d
        .ids
        .iter()
        .zip(&d.experiments)
        .zip(&d.indicators)
        .map(|((id, e), inds)| Offered {
            id,
            experiment: e,
            indicators: inds,
        })
        .collect();
    let options = OpenDataOptions {
        private_names: d.private_names.clone(),
        ..OpenDataOptions::default()
    };
    open_data(&offered, day(), &options)
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn the_files_agree_with_their_metadata() {
    let d = demo(false);
    let data = export(&d).unwrap();
    // The demo publishes three experiments.
    assert_eq!(
        data.experiments,
        vec![
            "issy-hydroseine",
            "meudon-cargo-bikes",
            "meudon-renovation-mairie-annexe"
        ]
    );
    let meta: Value = serde_json::from_str(&data.metadata).unwrap();
    assert_eq!(meta["@type"], "dcat:Dataset");
    assert_eq!(
        meta["dct:license"]["@id"],
        "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
    );
    assert_eq!(
        meta["dct:accrualPeriodicity"]["@id"],
        "http://publications.europa.eu/resource/authority/frequency/MONTHLY"
    );
    assert!(
        meta["dct:publisher"]["foaf:name"]
            .as_str()
            .unwrap()
            .contains("Grand Paris")
    );
    let dists = meta["dcat:distribution"].as_array().unwrap();
    let files = data.files();
    assert_eq!(dists.len(), 2);
    for (dist, (name, bytes)) in dists.iter().zip(files.iter()) {
        assert_eq!(dist["dct:title"], *name);
        assert_eq!(dist["dcat:downloadURL"]["@id"], *name);
        assert_eq!(
            dist["dcat:byteSize"]["@value"],
            bytes.len().to_string(),
            "{name}"
        );
        assert_eq!(
            dist["spdx:checksum"]["spdx:checksumValue"],
            hex(bytes),
            "{name}"
        );
    }
    // The CSV: the table schema's columns, each value of its datatype.
    let cols = dists[0]["csvw:tableSchema"]["csvw:column"]
        .as_array()
        .unwrap();
    let mut reader = csv::Reader::from_reader(data.csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let schema: Vec<&str> = cols
        .iter()
        .map(|c| c["csvw:name"].as_str().unwrap())
        .collect();
    assert_eq!(header, schema);
    assert_eq!(schema.len(), CSV_COLUMNS.len());
    let (start, end) = (
        meta["dct:temporal"]["dcat:startDate"]["@value"]
            .as_str()
            .unwrap()
            .to_string(),
        meta["dct:temporal"]["dcat:endDate"]["@value"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let mut rows = 0;
    let mut months = std::collections::BTreeSet::new();
    for rec in reader.records() {
        let rec = rec.unwrap();
        rows += 1;
        for (v, c) in rec.iter().zip(cols) {
            let ok = match c["csvw:datatype"].as_str().unwrap() {
                "string" => !v.is_empty(),
                "double" => {
                    (c["csvw:name"] == "uncertainty" && v.is_empty())
                        || v.parse::<f64>().is_ok_and(f64::is_finite)
                }
                "boolean" => v == "true" || v == "false",
                "gYearMonth" => NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d").is_ok(),
                other => panic!("datatype {other}"),
            };
            assert!(
                ok,
                "{} = {v:?} is not a {}",
                c["csvw:name"], c["csvw:datatype"]
            );
        }
        months.insert(rec[6].to_string());
    }
    // Only months before the day's (December 2026 is in progress), within the period.
    assert_eq!(months.first().unwrap(), "2025-04");
    assert_eq!(months.last().unwrap(), "2026-11");
    assert_eq!(start, "2025-04-01");
    assert_eq!(end, "2026-12-01");
    // The JSON holds the same values as the CSV.
    let json: Value = serde_json::from_str(&data.json).unwrap();
    let in_json: usize = json["experiments"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|e| e["indicators"].as_array().unwrap())
        .map(|i| i["monthly"].as_array().unwrap().len())
        .sum();
    assert_eq!(in_json, rows);
    // Illustrative values say so.
    assert!(
        data.csv
            .lines()
            .any(|l| l.contains("cargo-bike distance") && l.ends_with(",true"))
    );
    assert!(
        data.csv
            .lines()
            .any(|l| l.contains("avoided energy") && l.ends_with(",false"))
    );
}

#[test]
fn no_personal_data_is_ever_published() {
    let mut d = demo(true);
    // Every experiment published: its text holds no PRM and no household's name.
    let data = export(&d).unwrap();
    assert_eq!(data.experiments.len(), 8);
    assert!(
        d.private_names.iter().any(|n| n == "Foyer 01"),
        "the Meudon district's households are known: {:?}",
        d.private_names
    );
    let all = format!("{}{}{}", data.csv, data.json, data.metadata);
    for n in &d.private_names {
        assert!(!all.contains(n.as_str()), "{n} is published");
    }
    let digits = all
        .split(|c: char| !c.is_ascii_digit())
        .filter(|run| run.len() >= 14)
        .count();
    assert_eq!(digits, 0, "a PRM-like number is published");

    // An indicator of fewer than 10 private persons' meters is left out; 10 are published.
    let cargo = d
        .ids
        .iter()
        .position(|i| i == "meudon-cargo-bikes")
        .unwrap();
    d.indicators[cargo][0].about.private_meters = Some(9);
    d.indicators[cargo][1].about.private_meters = Some(10);
    let data = export(&d).unwrap();
    assert!(!data.csv.contains("cargo-bike distance"));
    assert!(data.csv.contains("van trips avoided"));
    assert_eq!(data.left_out.len(), 1);
    assert_eq!(
        data.left_out[0].to_string(),
        "meudon-cargo-bikes: \"cargo-bike distance\" is not published: it aggregates 9 private person's meter(s), fewer than 10"
    );
    d.indicators[cargo][0].about.private_meters = None;
    d.indicators[cargo][1].about.private_meters = None;

    // A renovation evaluated on a household's meter: its avoided energy is not published.
    let mairie = d
        .ids
        .iter()
        .position(|i| i == "meudon-renovation-mairie-annexe")
        .unwrap();
    let text = std::fs::read_to_string(&d.experiments[mairie].file).unwrap();
    let private = text.replace("holder = \"public-body\"", "holder = \"private-person\"");
    assert_ne!(text, private);
    let (e, _) = quartier_model::parse_experiment(&private, &d.experiments[mairie].file).unwrap();
    let ev = evaluate_experiment(e).unwrap();
    assert_eq!(ev.indicators[0].about.private_meters, Some(1));
    d.indicators[mairie] = ev.indicators;
    let data = export(&d).unwrap();
    assert!(!data.csv.contains("avoided energy"));

    // A PRM or a household's name in the text: refused, naming the field to change.
    d.experiments[cargo].summary = Some("Compteur 30000000000016 du dépôt".into());
    match export(&d) {
        Err(e) => assert_eq!(
            e.to_string(),
            "meudon-cargo-bikes: summary holds a delivery point number (PRM, 14 digits); the open data never publish it (change summary in the experiment file)"
        ),
        Ok(_) => panic!("a PRM was published"),
    }
    d.experiments[cargo].summary = None;
    d.experiments[cargo].title = "Les vélos de Foyer 01".into();
    let err = export(&d).unwrap_err().to_string();
    assert!(
        err.contains("title holds the name of a private person (\"Foyer 01\")"),
        "{err}"
    );
    d.experiments[cargo].title = "Vélos-cargos".into();
    d.indicators[cargo][0].about.definition = "km de Foyer 02".into();
    let err = export(&d).unwrap_err().to_string();
    assert!(
        err.contains("kpis[\"cargo-bike distance\"].definition"),
        "{err}"
    );
}

//! The programme's open data: every indicator of every published experiment, month by month,
//! as `indicators.csv` and `indicators.json`, described by `dataset.jsonld` (DCAT-AP in
//! JSON-LD: title, description, licence, publisher, period, update frequency, and each file
//! as a distribution with its media type, size, SHA-256 and, for the CSV, its columns), ready
//! for an open-data portal. The CLI (`quartier programme --open-data DIR`) and the server
//! (`/open-data/…`) write the same bytes from [`open_data`].
//!
//! **No personal data.** Only experiments published on or before the day are exported, and
//! only months before the day's month (a month in progress is not a result). An indicator
//! aggregating private persons' meters is left out unless it aggregates at least
//! [`MIN_PUBLISHED_PRIVATE_METERS`] of them (what the grid operator and the CNIL require of
//! consumption data); meters of public bodies and companies are not personal data. The
//! export's text (titles, summaries, laureates, indicator names, definitions and sources) is
//! checked before anything is written: a delivery point number (PRM, 14 digits) or the name
//! of a private person the caller knows of (the districts' participants) is an error that
//! names the experiment and the field to change, and nothing is exported.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use quartier_evaluate::{
    Aggregate, Direction, Indicator, MIN_PUBLISHED_PRIVATE_METERS, Month, next_month,
};
use quartier_model::Experiment;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::experiment::{month_label, month_of};

/// The licence of the open data by default: Etalab's Licence Ouverte 2.0.
pub const LICENCE_OUVERTE_2: (&str, &str) = (
    "Licence Ouverte / Open Licence version 2.0",
    "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
);

/// Who publishes the data and under what terms.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenDataOptions {
    /// The publisher (an organisation).
    pub publisher: String,
    /// The dataset's title.
    pub title: String,
    /// The licence: its name and URL.
    pub licence: (String, String),
    /// Where the files are published (a URL ending in `/`), for their download links;
    /// `None`: the links are the files' names, relative to the metadata.
    pub base_url: Option<String>,
    /// Names of private persons the data must never show (the districts' participants).
    pub private_names: Vec<String>,
}

impl Default for OpenDataOptions {
    fn default() -> Self {
        OpenDataOptions {
            publisher: "Métropole du Grand Paris — Quartiers Métropolitains d'Innovation".into(),
            title: "Indicateurs des expérimentations des Quartiers Métropolitains d'Innovation"
                .into(),
            licence: (LICENCE_OUVERTE_2.0.into(), LICENCE_OUVERTE_2.1.into()),
            base_url: None,
            private_names: Vec::new(),
        }
    }
}

/// One experiment offered to the export: its id (the file's name), the experiment and its
/// indicators.
#[derive(Debug, Clone, Copy)]
pub struct Offered<'a> {
    /// A stable id (the experiment file's name without `.toml`).
    pub id: &'a str,
    /// The experiment.
    pub experiment: &'a Experiment,
    /// Its indicators.
    pub indicators: &'a [Indicator],
}

/// An indicator left out, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct LeftOut {
    /// The experiment's id.
    pub experiment: String,
    /// The indicator.
    pub indicator: String,
    /// How many private persons' meters it aggregates.
    pub private_meters: u32,
}

impl std::fmt::Display for LeftOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: \"{}\" is not published: it aggregates {} private person's meter(s), fewer than {}",
            self.experiment, self.indicator, self.private_meters, MIN_PUBLISHED_PRIVATE_METERS
        )
    }
}

/// Why the export was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OpenDataError {
    /// A text field holds personal data.
    #[error(
        "{experiment}: {field} holds {what}; the open data never publish it (change {field} in the experiment file)"
    )]
    PersonalData {
        /// The experiment's id.
        experiment: String,
        /// The field (`title`, `summary`, `lead`, `kpis[name].definition`…).
        field: String,
        /// What was found (`a delivery point number (PRM)`, `the name of a participant`).
        what: String,
    },
}

/// The files of the export.
#[derive(Debug, Clone, PartialEq)]
pub struct OpenData {
    /// `indicators.csv`.
    pub csv: String,
    /// `indicators.json`.
    pub json: String,
    /// `dataset.jsonld`.
    pub metadata: String,
    /// Experiments exported (ids).
    pub experiments: Vec<String>,
    /// Indicators left out to protect private persons.
    pub left_out: Vec<LeftOut>,
}

impl OpenData {
    /// The files, name and bytes, in the order they are listed in the metadata.
    pub fn files(&self) -> [(&'static str, &[u8]); 3] {
        [
            ("indicators.csv", self.csv.as_bytes()),
            ("indicators.json", self.json.as_bytes()),
            ("dataset.jsonld", self.metadata.as_bytes()),
        ]
    }
}

/// The CSV's columns: name, XSD datatype, description.
pub const CSV_COLUMNS: &[(&str, &str, &str)] = &[
    ("experiment_id", "string", "Identifier of the experiment"),
    ("commune", "string", "Commune hosting the experiment"),
    ("theme", "string", "Theme of the programme"),
    ("experiment", "string", "Title of the experiment"),
    ("indicator", "string", "Name of the indicator"),
    ("unit", "string", "Unit of the values"),
    (
        "month",
        "gYearMonth",
        "Calendar month (Europe/Paris), YYYY-MM",
    ),
    ("value", "double", "Value of the month"),
    (
        "uncertainty",
        "double",
        "Absolute uncertainty of the value at its source's confidence (empty: not estimated)",
    ),
    ("source", "string", "Where the value comes from"),
    (
        "illustrative",
        "boolean",
        "true when the values are made up for a demonstration",
    ),
];

/// The personal data a text may hold, if any.
fn personal(text: &str, names: &[String]) -> Option<String> {
    let mut run = 0;
    for c in text.chars() {
        if c.is_ascii_digit() {
            run += 1;
            if run >= 14 {
                return Some("a delivery point number (PRM, 14 digits)".into());
            }
        } else if c != ' ' {
            run = 0;
        }
    }
    let lower = text.to_lowercase();
    names
        .iter()
        .map(|n| n.trim())
        .filter(|n| n.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .find(|n| lower.contains(&n.to_lowercase()))
        .map(|n| format!("the name of a private person (\"{n}\")"))
}

fn aggregate_name(a: Aggregate) -> &'static str {
    match a {
        Aggregate::Sum => "sum",
        Aggregate::Mean => "mean",
        Aggregate::Last => "last",
    }
}

use crate::csv_out::csv_field;

/// A value to the thousandth (a watt-hour of a kWh, a gram of a kg): what a month's figure
/// can honestly carry.
fn rounded(x: f64) -> f64 {
    let r = (x * 1000.0).round() / 1000.0;
    if r == 0.0 { 0.0 } else { r }
}

/// [`rounded`], written plainly (`-72252.848`, `120`).
fn plain(x: f64) -> String {
    let s = format!("{:.3}", rounded(x));
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The export of `offered` on `day`: published experiments, publishable indicators, months
/// before the day's month.
pub fn open_data(
    offered: &[Offered<'_>],
    day: DateTime<Utc>,
    options: &OpenDataOptions,
) -> Result<OpenData, OpenDataError> {
    let mut published: Vec<&Offered<'_>> = offered
        .iter()
        .filter(|o| o.experiment.published.is_some_and(|p| p <= day))
        .collect();
    published.sort_by(|a, b| a.id.cmp(b.id));
    // Text first: nothing is built when a field holds personal data.
    for o in &published {
        let e = o.experiment;
        let mut fields: Vec<(String, &str)> = vec![
            ("commune".into(), e.commune.as_str()),
            ("title".into(), e.title.as_str()),
        ];
        fields.extend(e.summary.as_deref().map(|s| ("summary".to_string(), s)));
        fields.extend(e.lead.as_deref().map(|s| ("lead".to_string(), s)));
        for i in o.indicators {
            fields.push((format!("kpis[\"{}\"].name", i.name), i.name.as_str()));
            fields.push((
                format!("kpis[\"{}\"].definition", i.name),
                i.about.definition.as_str(),
            ));
            fields.push((format!("kpis[\"{}\"].unit", i.name), i.unit.as_str()));
        }
        for (field, text) in fields {
            if let Some(what) = personal(text, &options.private_names) {
                return Err(OpenDataError::PersonalData {
                    experiment: o.id.to_string(),
                    field,
                    what,
                });
            }
        }
    }
    let mut left_out = Vec::new();
    let header: Vec<&str> = CSV_COLUMNS.iter().map(|c| c.0).collect();
    let mut csv = header.join(",");
    csv.push('\n');
    let mut experiments_json = Vec::new();
    let mut first: Option<Month> = None;
    let mut last: Option<Month> = None;
    for o in &published {
        let e = o.experiment;
        let before = month_of(day, e.timezone);
        let mut inds = Vec::new();
        for i in o.indicators {
            if !i.about.publishable() {
                left_out.push(LeftOut {
                    experiment: o.id.to_string(),
                    indicator: i.name.clone(),
                    private_meters: i.about.private_meters.unwrap_or(0),
                });
                continue;
            }
            let months: Vec<_> = i
                .monthly
                .iter()
                .filter(|(m, c)| *m < before && c.value.is_finite())
                .collect();
            let mut monthly = Vec::new();
            for (m, c) in &months {
                first = Some(first.map_or(*m, |f| f.min(*m)));
                last = Some(last.map_or(*m, |l| l.max(*m)));
                let row = [
                    csv_field(o.id),
                    csv_field(&e.commune),
                    csv_field(e.theme.name()),
                    csv_field(&e.title),
                    csv_field(&i.name),
                    csv_field(&i.unit),
                    month_label(*m),
                    plain(c.value),
                    c.uncertainty
                        .filter(|u| u.is_finite())
                        .map_or(String::new(), plain),
                    csv_field(&i.source),
                    i.about.illustrative.to_string(),
                ];
                csv.push_str(&row.join(","));
                csv.push('\n');
                monthly.push(json!({
                    "month": month_label(*m),
                    "value": rounded(c.value),
                    "uncertainty": c.uncertainty.filter(|u| u.is_finite()).map(rounded),
                }));
            }
            inds.push(json!({
                "name": i.name,
                "unit": i.unit,
                "definition": i.about.definition,
                "source": i.source,
                "illustrative": i.about.illustrative,
                "aggregate": aggregate_name(i.aggregate),
                "target": i.target.map(|t| json!({
                    "value": t.value,
                    "direction": match t.direction {
                        Direction::AtLeast => "at-least",
                        Direction::AtMost => "at-most",
                    },
                })),
                "monthly": monthly,
            }));
        }
        let date = |t: DateTime<Utc>| t.with_timezone(&e.timezone).format("%Y-%m-%d").to_string();
        experiments_json.push(json!({
            "id": o.id,
            "commune": e.commune,
            "theme": e.theme.name(),
            "title": e.title,
            "lead": e.lead,
            "summary": e.summary,
            "start": date(e.start),
            "end": date(e.end),
            "published": e.published.map(date),
            "indicators": inds,
        }));
    }
    let json_doc = json!({
        "title": options.title,
        "publisher": options.publisher,
        "licence": { "name": options.licence.0, "url": options.licence.1 },
        "experiments": experiments_json,
    });
    let json_text = serde_json::to_string_pretty(&json_doc).unwrap_or_default() + "\n";
    let ids: Vec<String> = published.iter().map(|o| o.id.to_string()).collect();
    let communes: std::collections::BTreeSet<&str> = published
        .iter()
        .map(|o| o.experiment.commune.as_str())
        .collect();
    let url = |name: &str| match &options.base_url {
        Some(b) => format!("{b}{name}"),
        None => name.to_string(),
    };
    let distribution = |name: &str, media: &str, format: &str, bytes: &[u8], extra: Value| {
        let mut d = json!({
            "@type": "dcat:Distribution",
            "dct:title": name,
            "dcat:downloadURL": { "@id": url(name) },
            "dcat:accessURL": { "@id": url(name) },
            "dcat:mediaType": { "@id": format!("https://www.iana.org/assignments/media-types/{media}") },
            "dct:format": format,
            "dct:license": { "@id": options.licence.1 },
            "dcat:byteSize": { "@value": bytes.len().to_string(), "@type": "xsd:nonNegativeInteger" },
            "spdx:checksum": {
                "@type": "spdx:Checksum",
                "spdx:algorithm": { "@id": "spdx:checksumAlgorithm_sha256" },
                "spdx:checksumValue": sha256_hex(bytes),
            },
        });
        if let (Some(d), Value::Object(x)) = (d.as_object_mut(), extra) {
            d.extend(x);
        }
        d
    };
    let columns: Vec<Value> = CSV_COLUMNS
        .iter()
        .map(|(n, t, d)| json!({ "csvw:name": n, "csvw:datatype": t, "dct:description": d }))
        .collect();
    let period = match (first, last) {
        (Some(f), Some(l)) => {
            let end = next_month(l);
            json!({
                "@type": "dct:PeriodOfTime",
                "dcat:startDate": { "@value": format!("{}-{:02}-01", f.0, f.1), "@type": "xsd:date" },
                "dcat:endDate": { "@value": format!("{}-{:02}-01", end.0, end.1), "@type": "xsd:date" },
            })
        }
        _ => Value::Null,
    };
    let metadata = json!({
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "xsd": "http://www.w3.org/2001/XMLSchema#",
            "csvw": "http://www.w3.org/ns/csvw#",
            "spdx": "http://spdx.org/rdf/terms#",
        },
        "@type": "dcat:Dataset",
        "dct:identifier": "quartiers-metropolitains-innovation-indicateurs",
        "dct:title": { "@value": options.title, "@language": "fr" },
        "dct:description": { "@value": format!(
            "Indicateurs mensuels des expérimentations publiées du programme ({} expérimentation(s) : {}), calculés par Quartier à partir des compteurs, des simulations et des rapports des lauréats. Aucune donnée personnelle : un indicateur issu de compteurs de particuliers n'est publié qu'agrégé sur au moins {} compteurs.",
            ids.len(), ids.join(", "), MIN_PUBLISHED_PRIVATE_METERS
        ), "@language": "fr" },
        "dct:publisher": { "@type": "foaf:Organization", "foaf:name": options.publisher },
        "dct:license": { "@id": options.licence.1, "dct:title": options.licence.0 },
        "dct:issued": { "@value": day.format("%Y-%m-%d").to_string(), "@type": "xsd:date" },
        "dct:modified": { "@value": day.format("%Y-%m-%d").to_string(), "@type": "xsd:date" },
        "dct:temporal": period,
        "dct:accrualPeriodicity": { "@id": "http://publications.europa.eu/resource/authority/frequency/MONTHLY" },
        "dcat:theme": [
            { "@id": "http://publications.europa.eu/resource/authority/data-theme/ENER" },
            { "@id": "http://publications.europa.eu/resource/authority/data-theme/TRAN" },
        ],
        "dct:spatial": communes.iter().map(|c| json!({ "@type": "dct:Location", "dct:title": c })).collect::<Vec<_>>(),
        "dcat:keyword": ["énergie", "innovation", "expérimentation", "Grand Paris", "autoconsommation", "hydrogène"],
        "dct:language": { "@id": "http://publications.europa.eu/resource/authority/language/FRA" },
        "dcat:distribution": [
            distribution("indicators.csv", "text/csv", "CSV", csv.as_bytes(), json!({
                "csvw:tableSchema": { "csvw:column": columns },
            })),
            distribution("indicators.json", "application/json", "JSON", json_text.as_bytes(), json!({})),
        ],
    });
    Ok(OpenData {
        csv,
        json: json_text,
        metadata: serde_json::to_string_pretty(&metadata).unwrap_or_default() + "\n",
        experiments: ids,
        left_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prm_or_a_participant_name_is_personal_data() {
        let names = vec!["Jeanne Martin".to_string(), "Al".to_string()];
        assert!(personal("PRM 25884515170035 de la mairie", &names).is_some());
        assert!(personal("Compteur 2588 4515 1700 35", &names).is_some());
        assert!(personal("chez jeanne martin", &names).is_some());
        assert_eq!(personal("2025-04 : 1 200 kWh, Alès", &names), None);
        assert_eq!(personal("", &names), None);
    }

    #[test]
    fn values_carry_three_decimals_at_most() {
        assert_eq!(plain(-72252.84790936142), "-72252.848");
        assert_eq!(plain(120.0), "120");
        assert_eq!(plain(-0.0001), "0");
        assert_eq!(plain(0.5), "0.5");
    }

    #[test]
    fn csv_fields_with_commas_or_quotes_are_quoted() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("dit \"x\""), "\"dit \"\"x\"\"\"");
        assert_eq!(csv_field("plain"), "plain");
    }
}

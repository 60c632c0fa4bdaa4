//! The grid operator's official data of a collective self-consumption (ACC) operation, as
//! Enedis sends it to the organiser (PMO): per-PRM load curves in the monthly zip, and the
//! monthly quantities of its ACC data API. [`read_acc_official`] reads a folder, a zip or a
//! JSON file and returns [`AccOfficial`]: curves in kWh per step on UTC axes, and totals in
//! kWh per type and time-of-use period.
//!
//! **What is confirmed and what is assumed** (sources searched for issue #11; change the
//! constants and [`parse_curve`] here if a real file differs):
//! - Confirmed (a PMO's repository holding Enedis's monthly mail, `dbourene/docx-template`):
//!   the zip holds one file per PRM named `<PRM>_<DDMMYYYY>_<DDMMYYYY>_{Conso|Prod}_CDC.csv`
//!   beside `Perimetre_Participants.csv`; the mail says the curves are "puissance en W, au pas
//!   de temps de 15 minutes, avec 4 valeurs quart-horaires par ligne" and that empty cells
//!   count as 0 W. Zips Enedis sends are AES-encrypted: extract them (7-Zip, with the password
//!   of the second mail) and give the folder.
//! - Assumed: the allocated split arrives the same way with tags `Autoconso` (self-consumed),
//!   `Complement` and `Surplus` ([`TAGS`]); each file is `;`-separated with one header line,
//!   then lines `DD/MM/YYYY HH:MM;v1;v2;v3;v4` whose time is the local (Europe/Paris) start of
//!   the first quarter-hour, each value the average power in W of one quarter-hour (a line may
//!   hold 1 to 4 values). At the autumn change the repeated local hour comes twice, in order.
//! - API (confirmed field names from the same repository's client of
//!   `collective_self_consumption/v4/agreements/{id}/definitive_active_energy/cons/{PRM}`):
//!   `cons_id` (or `prod_id`), `start`, `end`, `unit`, and `quantities[]` of
//!   `{type, calendar_type, quantities[] of {name, value}}` with types `cons`, `autocons`,
//!   `complement`, `prod`, `surplus` and period names such as `HPH`, `HCH`, `HPB`, `HCB`. A
//!   file may hold one such object or an array of them; `unit` is `Wh` or `kWh`.
//!
//! Every problem names the file (and zip entry), line, field and timestamp; nothing is
//! returned when any file has a problem.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};

use crate::{Axis, Quantity, ReadError, ReadErrors, Series, Step};

/// What an official series measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccQuantity {
    /// What the delivery point withdrew (consumption).
    Consumption,
    /// The part of it allocated from the operation (autoconsommée).
    SelfConsumed,
    /// The rest, from the supplier (complément, alloconsommée).
    Complement,
    /// What the delivery point injected (production).
    Production,
    /// The part of production not allocated (surplus).
    Surplus,
}

impl AccQuantity {
    /// Every quantity.
    pub const ALL: [AccQuantity; 5] = [
        AccQuantity::Consumption,
        AccQuantity::SelfConsumed,
        AccQuantity::Complement,
        AccQuantity::Production,
        AccQuantity::Surplus,
    ];

    /// Its name in files Quartier writes.
    pub fn name(self) -> &'static str {
        match self {
            AccQuantity::Consumption => "consumption",
            AccQuantity::SelfConsumed => "self_consumed",
            AccQuantity::Complement => "complement",
            AccQuantity::Production => "production",
            AccQuantity::Surplus => "surplus",
        }
    }

    /// The quantity of an API `type`.
    fn of_api_type(t: &str) -> Option<AccQuantity> {
        Some(match t.trim().to_ascii_lowercase().as_str() {
            "cons" => AccQuantity::Consumption,
            "autocons" => AccQuantity::SelfConsumed,
            "complement" => AccQuantity::Complement,
            "prod" => AccQuantity::Production,
            "surplus" => AccQuantity::Surplus,
            _ => return None,
        })
    }
}

/// The tags of curve file names (`<PRM>_<from>_<to>_<tag>_CDC.csv`) and what they measure.
/// `Conso` and `Prod` are confirmed; the others are assumed (see the module documentation).
pub const TAGS: [(&str, AccQuantity); 5] = [
    ("Conso", AccQuantity::Consumption),
    ("Autoconso", AccQuantity::SelfConsumed),
    ("Complement", AccQuantity::Complement),
    ("Prod", AccQuantity::Production),
    ("Surplus", AccQuantity::Surplus),
];

/// One official curve.
#[derive(Debug, Clone, PartialEq)]
pub struct AccCurve {
    /// The delivery point.
    pub prm: String,
    /// What it measures.
    pub quantity: AccQuantity,
    /// kWh per quarter-hour, on a UTC axis.
    pub series: Series,
    /// The file (and zip entry) it came from.
    pub source: String,
}

/// One official monthly total.
#[derive(Debug, Clone, PartialEq)]
pub struct AccTotal {
    /// The delivery point.
    pub prm: String,
    /// What it measures.
    pub quantity: AccQuantity,
    /// First instant of the period.
    pub start: DateTime<Utc>,
    /// First instant after it.
    pub end: DateTime<Utc>,
    /// The energy, kWh.
    pub kwh: f64,
    /// The energy per time-of-use period (name, kWh), as the API lists it.
    pub by_period: Vec<(String, f64)>,
    /// The file it came from.
    pub source: String,
}

/// The official data read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccOfficial {
    /// Curves, in file order.
    pub curves: Vec<AccCurve>,
    /// API totals, in file order.
    pub totals: Vec<AccTotal>,
}

/// Largest file or zip entry read, bytes.
const MAX_BYTES: u64 = crate::MAX_FILE_BYTES;

/// Reads the official data at `path`: a folder (its curve files and `.json` files), a `.zip`
/// of them, a single curve file or a `.json` file of the API.
pub fn read_acc_official(path: &Path) -> Result<AccOfficial, ReadErrors> {
    let mut out = AccOfficial::default();
    let mut errors = Vec::new();
    let mut take = |name: &str, text: Result<String, ReadError>, out: &mut AccOfficial| {
        let text = match text {
            Ok(t) => t,
            Err(e) => {
                errors.push(e);
                return;
            }
        };
        if let Err(mut e) = parse_entry(name, &text, out) {
            errors.append(&mut e.0);
        }
    };
    let is_zip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| ReadError::new(format!("cannot read the folder: {e}")).file(path))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && is_data_file(&p.to_string_lossy()))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(ReadError::new("no official data in the folder")
                .file(path)
                .expected(
                    "files named <PRM>_<DDMMYYYY>_<DDMMYYYY>_<Conso|Prod|Autoconso|Complement|Surplus>_CDC.csv, or .json files of the ACC API",
                )
                .into());
        }
        for f in files {
            let text = crate::reader::read_text(&f)
                .map_err(|e| e.0.into_iter().next().unwrap_or_else(|| ReadError::new("")));
            take(&f.display().to_string(), text, &mut out);
        }
    } else if is_zip {
        let file = std::fs::File::open(path)
            .map_err(|e| ReadError::new(format!("cannot read the file: {e}")).file(path))?;
        read_zip(file, &path.display().to_string(), &mut out, &mut errors)?;
    } else {
        let text = crate::reader::read_text(path)?;
        take(&path.display().to_string(), Ok(text), &mut out);
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ReadErrors(errors))
    }
}

/// Reads the official data uploaded as `bytes` under the name `name` (what a server receives):
/// a zip of them (told by its first bytes, whatever its name), a curve file named as the
/// operator names them, or a `.json` file of the API. Messages name `name` (and the entry in
/// a zip), never a path of the machine reading it.
pub fn read_acc_official_bytes(name: &str, bytes: &[u8]) -> Result<AccOfficial, ReadErrors> {
    let mut out = AccOfficial::default();
    let mut errors = Vec::new();
    if bytes.starts_with(b"PK") {
        read_zip(std::io::Cursor::new(bytes), name, &mut out, &mut errors)?;
    } else {
        if bytes.len() as u64 > MAX_BYTES {
            return Err(ReadError::new("file larger than the readers' limit")
                .file(name)
                .into());
        }
        let text = std::str::from_utf8(bytes).map_err(|e| {
            ReadError::new(format!("not UTF-8 text: {e}"))
                .file(name)
                .expected("the zip of the monthly data, a curve file or a .json file of the API")
        })?;
        let first = text.trim_start().bytes().next();
        let looks_json = matches!(first, Some(b'{' | b'['));
        let label = if looks_json && !name.to_ascii_lowercase().ends_with(".json") {
            format!("{name}.json")
        } else {
            name.to_string()
        };
        if let Err(mut e) = parse_entry(&label, text, &mut out) {
            errors.append(&mut e.0);
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ReadErrors(errors))
    }
}

/// Every data entry of the zip read from `source` (`label` in messages), into `out`; the
/// entries' problems into `errors`.
fn read_zip<R: std::io::Read + std::io::Seek>(
    source: R,
    label: &str,
    out: &mut AccOfficial,
    errors: &mut Vec<ReadError>,
) -> Result<(), ReadErrors> {
    let mut zip = zip::ZipArchive::new(source).map_err(|e| {
        ReadError::new(format!("not a readable zip: {e}"))
            .file(label)
            .expected("the zip of the monthly data, or the folder it extracts to")
    })?;
    let mut names: Vec<String> = zip.file_names().map(str::to_owned).collect();
    names.sort();
    let mut found = false;
    for name in names.into_iter().filter(|n| is_data_file(n)) {
        found = true;
        let entry = format!("{label}!{name}");
        match zip_entry_text(&mut zip, &name, &entry) {
            Ok(text) => {
                if let Err(mut e) = parse_entry(&entry, &text, out) {
                    errors.append(&mut e.0);
                }
            }
            Err(e) => errors.push(*e),
        }
    }
    if !found {
        return Err(ReadError::new("no official data in the zip")
            .file(label)
            .expected("entries named <PRM>_<DDMMYYYY>_<DDMMYYYY>_<tag>_CDC.csv or .json")
            .into());
    }
    Ok(())
}

/// The text of zip entry `name` (`label` in messages).
fn zip_entry_text<R: std::io::Read + std::io::Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    label: &str,
) -> Result<String, Box<ReadError>> {
    let mut entry = zip.by_name(name).map_err(|e| {
        let why = e.to_string().to_lowercase();
        let mut err = ReadError::new(format!("cannot read the entry: {e}")).file(label);
        if why.contains("password") || why.contains("encrypt") {
            err = err.expected(
                "an unencrypted zip: extract Enedis's zip with 7-Zip and the password it mails separately, then give the folder",
            );
        }
        Box::new(err)
    })?;
    if entry.size() > MAX_BYTES {
        return Err(Box::new(
            ReadError::new("entry larger than the readers' limit").file(label),
        ));
    }
    let mut text = String::new();
    entry
        .by_ref()
        .take(MAX_BYTES)
        .read_to_string(&mut text)
        .map_err(|e| {
            Box::new(
                ReadError::new(format!("cannot read the entry as UTF-8 text: {e}")).file(label),
            )
        })?;
    Ok(text)
}

/// True for the names of files this reader reads.
fn is_data_file(name: &str) -> bool {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    base.to_ascii_lowercase().ends_with(".json") || curve_name(base).is_some()
}

/// The PRM and quantity of a curve file name `<PRM>_<from>_<to>_<tag>_CDC.csv`.
fn curve_name(base: &str) -> Option<(String, AccQuantity)> {
    let stem = base.strip_suffix("_CDC.csv")?;
    let mut parts = stem.split('_');
    let prm = parts.next()?;
    let (_from, _to, tag) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || prm.is_empty() {
        return None;
    }
    let quantity = TAGS
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(tag))
        .map(|(_, q)| *q)?;
    Some((prm.to_string(), quantity))
}

fn parse_entry(name: &str, text: &str, out: &mut AccOfficial) -> Result<(), ReadErrors> {
    let base = name.rsplit(['/', '\\', '!']).next().unwrap_or(name);
    if base.to_ascii_lowercase().ends_with(".json") {
        out.totals.extend(parse_api(name, text)?);
        return Ok(());
    }
    match curve_name(base) {
        Some((prm, quantity)) => {
            let series = parse_curve(name, text)?;
            out.curves.push(AccCurve {
                prm,
                quantity,
                series,
                source: name.to_string(),
            });
            Ok(())
        }
        None => Err(ReadError::new("not an official data file name")
            .file(name)
            .expected("<PRM>_<DDMMYYYY>_<DDMMYYYY>_<Conso|Prod|Autoconso|Complement|Surplus>_CDC.csv or .json")
            .into()),
    }
}

/// One curve file: a header line, then `DD/MM/YYYY HH:MM;W;W;W;W` (local time, average watts
/// of consecutive quarter-hours; empty cells are 0 W). Returns kWh per quarter-hour.
pub fn parse_curve(name: &str, text: &str) -> Result<Series, ReadErrors> {
    let tz = chrono_tz::Europe::Paris;
    let mut errors = Vec::new();
    let mut start: Option<DateTime<Utc>> = None;
    let mut values: Vec<f64> = Vec::new();
    let mut previous: Option<DateTime<Utc>> = None;
    for (k, line) in text.lines().enumerate().skip(1) {
        let line_no = k as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut cells = line.split(';');
        let stamp = cells.next().unwrap_or("").trim();
        let err = |m: String| {
            ReadError::new(m)
                .file(name)
                .line(line_no)
                .timestamp(stamp.to_string())
        };
        let Ok(naive) = NaiveDateTime::parse_from_str(stamp, "%d/%m/%Y %H:%M") else {
            errors.push(
                err(format!("\"{stamp}\" is not a time"))
                    .field("Horodate")
                    .expected("DD/MM/YYYY HH:MM, local time (Europe/Paris)"),
            );
            continue;
        };
        let utc = match tz.from_local_datetime(&naive) {
            LocalResult::Single(t) => t.with_timezone(&Utc),
            // The repeated hour of the autumn change: the first time earlier, then later.
            LocalResult::Ambiguous(a, b) => {
                let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
                if previous.is_some_and(|p| p >= a) {
                    b
                } else {
                    a
                }
            }
            LocalResult::None => {
                errors.push(err(format!(
                    "{stamp} does not exist in Europe/Paris (skipped by the spring change)"
                )));
                continue;
            }
        };
        let cells: Vec<&str> = cells.collect();
        if cells.is_empty() || cells.len() > 4 {
            errors.push(
                err(format!("{} values on the line", cells.len()))
                    .expected("1 to 4 quarter-hour values after the time"),
            );
            continue;
        }
        match start {
            None => start = Some(utc),
            Some(s) => {
                let expected = s + chrono::Duration::minutes(15 * values.len() as i64);
                if utc != expected {
                    errors.push(
                        err(format!(
                            "the line starts at {} UTC where {} UTC was expected (a line missing or out of order)",
                            utc.format("%Y-%m-%d %H:%M"),
                            expected.format("%Y-%m-%d %H:%M")
                        ))
                        .field("Horodate"),
                    );
                    break;
                }
            }
        }
        previous = Some(utc);
        for (j, cell) in cells.iter().enumerate() {
            let c = cell.trim().replace(',', ".");
            let w = if c.is_empty() {
                0.0
            } else {
                match c.parse::<f64>() {
                    Ok(v) if v.is_finite() && v >= 0.0 => v,
                    _ => {
                        errors.push(
                            err(format!("\"{}\" is not a power", cell.trim()))
                                .field(format!("value {}", j + 1))
                                .expected("a non-negative number of watts, or empty for 0"),
                        );
                        0.0
                    }
                }
            };
            values.push(w * 0.25 / 1000.0);
        }
    }
    if !errors.is_empty() {
        return Err(ReadErrors(errors));
    }
    let Some(start) = start else {
        return Err(ReadError::new("no data line")
            .file(name)
            .expected("a header line, then DD/MM/YYYY HH:MM;W;W;W;W lines")
            .into());
    };
    let axis = Axis::new(start, Step::MIN15, values.len())
        .map_err(|e| ReadError::new(e.to_string()).file(name))?;
    Series::new(axis, Quantity::EnergyKwh, values)
        .map_err(|e| ReadError::new(e.to_string()).file(name).into())
}

/// One JSON file of the ACC API: an object or an array of objects (see the module
/// documentation).
pub fn parse_api(name: &str, text: &str) -> Result<Vec<AccTotal>, ReadErrors> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        ReadError::new(format!("not JSON: {e}"))
            .file(name)
            .line(e.line() as u64)
    })?;
    let items: Vec<&serde_json::Value> = match &value {
        serde_json::Value::Array(a) => a.iter().collect(),
        other => vec![other],
    };
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (k, item) in items.iter().enumerate() {
        let field = |f: &str| format!("[{k}].{f}");
        let err = |f: &str, m: String, expected: &str| {
            ReadError::new(m)
                .file(name)
                .field(field(f))
                .expected(expected.to_string())
        };
        let prm = item
            .get("cons_id")
            .or_else(|| item.get("prod_id"))
            .or_else(|| item.get("usage_point_id"))
            .and_then(serde_json::Value::as_str);
        let Some(prm) = prm else {
            errors.push(err("cons_id", "missing".into(), "the PRM as text"));
            continue;
        };
        let instant = |f: &str| -> Option<DateTime<Utc>> {
            let s = item.get(f)?.as_str()?;
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .ok()
                .or_else(|| {
                    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
                    chrono_tz::Europe::Paris
                        .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
                        .earliest()
                        .map(|t| t.with_timezone(&Utc))
                })
        };
        let (Some(start), Some(end)) = (instant("start"), instant("end")) else {
            errors.push(err(
                "start",
                "missing or not a date".into(),
                "start and end as YYYY-MM-DD (local) or RFC 3339",
            ));
            continue;
        };
        let factor = match item.get("unit").and_then(serde_json::Value::as_str) {
            Some(u) if u.eq_ignore_ascii_case("wh") => 0.001,
            Some(u) if u.eq_ignore_ascii_case("kwh") => 1.0,
            other => {
                errors.push(err("unit", format!("{other:?}"), "\"Wh\" or \"kWh\""));
                continue;
            }
        };
        let Some(groups) = item.get("quantities").and_then(serde_json::Value::as_array) else {
            errors.push(err(
                "quantities",
                "missing".into(),
                "an array of {type, quantities}",
            ));
            continue;
        };
        for (g, group) in groups.iter().enumerate() {
            let t = group
                .get("type")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("");
            let Some(quantity) = AccQuantity::of_api_type(t) else {
                errors.push(err(
                    &format!("quantities[{g}].type"),
                    format!("\"{t}\""),
                    "cons, autocons, complement, prod or surplus",
                ));
                continue;
            };
            let mut by_period = Vec::new();
            for (j, q) in group
                .get("quantities")
                .and_then(serde_json::Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                let period = q
                    .get("name")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("");
                match q.get("value").and_then(serde_json::Value::as_f64) {
                    Some(v) if v.is_finite() && v >= 0.0 => {
                        by_period.push((period.to_string(), v * factor));
                    }
                    _ => errors.push(err(
                        &format!("quantities[{g}].quantities[{j}].value"),
                        "missing or not a non-negative number".into(),
                        "the energy of the period",
                    )),
                }
            }
            out.push(AccTotal {
                prm: prm.to_string(),
                quantity,
                start,
                end,
                kwh: by_period.iter().map(|x| x.1).sum(),
                by_period,
                source: name.to_string(),
            });
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(ReadErrors(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_curve_in_watts_becomes_kwh_per_quarter_hour_in_utc() {
        let text = "Horodate;Valeur 1;Valeur 2;Valeur 3;Valeur 4\n\
                    01/06/2025 00:00;4000;4000;;800\n\
                    01/06/2025 01:00;1000\n";
        let s = parse_curve("x_Conso_CDC.csv", text).unwrap();
        // 00:00 Paris in June is 22:00 UTC the day before.
        assert_eq!(s.axis().start().to_rfc3339(), "2025-05-31T22:00:00+00:00");
        assert_eq!(s.values(), &[1.0, 1.0, 0.0, 0.2, 0.25]);
    }

    #[test]
    fn the_autumn_hour_comes_twice_and_a_missing_line_is_located() {
        let mut text = String::from("Horodate;W;W;W;W\n");
        for h in ["01:00", "02:00", "02:00", "03:00"] {
            text += &format!("26/10/2025 {h};400;400;400;400\n");
        }
        let s = parse_curve("f", &text).unwrap();
        assert_eq!(s.axis().len(), 16, "four hours, one of them repeated");
        let gap = "Horodate;W\n01/06/2025 00:00;1;1;1;1\n01/06/2025 02:00;1;1;1;1\n";
        let e = parse_curve("f.csv", gap).unwrap_err().to_string();
        assert!(e.contains("f.csv:3: Horodate: the line starts at 2025-06-01 00:00 UTC where 2025-05-31 23:00 UTC was expected"), "{e}");
        let bad = "Horodate;W\n01/06/2025 00:00;1;x\n";
        let e = parse_curve("f.csv", bad).unwrap_err().to_string();
        assert!(e.contains("f.csv:2: value 2: \"x\" is not a power"), "{e}");
    }

    #[test]
    fn names_say_prm_and_quantity() {
        assert_eq!(
            curve_name("50046967141510_01092025_30092025_Prod_CDC.csv"),
            Some(("50046967141510".into(), AccQuantity::Production))
        );
        assert_eq!(curve_name("Perimetre_Participants.csv"), None);
    }

    #[test]
    fn api_totals_in_kwh_by_period() {
        let json = r#"{"cons_id": "30000000000001", "start": "2025-06-01", "end": "2025-07-01",
            "unit": "Wh", "quantities": [
              {"type": "autocons", "calendar_type": "DISTRIB",
               "quantities": [{"name": "HPB", "value": 12000}, {"name": "HCB", "value": 500}]},
              {"type": "cons", "calendar_type": "DISTRIB", "quantities": [{"name": "HPB", "value": 20000}]}]}"#;
        let t = parse_api("a.json", json).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!((t[0].quantity, t[0].kwh), (AccQuantity::SelfConsumed, 12.5));
        assert_eq!(t[0].start.to_rfc3339(), "2025-05-31T22:00:00+00:00");
        let e = parse_api("a.json", &json.replace("\"Wh\"", "\"MWh\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("a.json: [0].unit: Some(\"MWh\")"), "{e}");
    }
}

//! PVGIS weather: typical meteorological year (TMY) and hourly series (`seriescalc`), in the
//! CSV and JSON forms of the PVGIS web service.
//!
//! Conventions (all timestamps in PVGIS files are UTC):
//! - **TMY**: one row per hour, labelled `YYYYMMDD:HH00`, months taken from different years.
//!   Each row is the interval starting at its timestamp. The rows are placed on the reference
//!   year [`crate::TYPICAL_REFERENCE_YEAR`] (see [`WeatherMeta::typical_year`]). Like pvlib's
//!   `read_pvgis_tmy`, we keep the timestamps as written; the CSV's "Irradiance Time Offset (h)"
//!   line, when present, says when within the hour the irradiance was sampled, and becomes
//!   [`Weather::sample_offset_minutes`] (offset × 60, 10.6 min for the shared file); without
//!   it the offset is 0 (the sample is taken at the timestamp).
//! - **Hourly series**: rows are instantaneous satellite samples at `HH:MM` (e.g. `HH:10`).
//!   Each row becomes the interval starting at `HH:00` with `sample_offset_minutes = MM`, so the
//!   sun position is evaluated at the real sampling instant. PVGIS gives the irradiance
//!   components on the plane of the array (`Gb(i)`, `Gd(i)`, `Gr(i)`): they are horizontal
//!   components only when the export was made with slope 0, which this reader requires (GHI =
//!   Gb+Gd+Gr, DHI = Gd, DNI = Gb / sin(sun height), 0 when the sun is below 0.5°). Other
//!   exports (tilted plane, or global `G(i)` without components) are rejected with an error that
//!   says how to export instead: transposing tilted irradiance back to horizontal is not honest.
//! - Irradiance in W/m², temperature `T2m` in °C, wind `WS10m` in m/s at 10 m.

use std::collections::HashMap;
use std::path::Path;

use chrono::{NaiveDateTime, Timelike};
use serde_json::Value;

use crate::reader::{
    Diag, Stamp, WeatherRow, assemble_weather, coerce_typical_year, empty_file, read_text,
    strip_bom,
};
use crate::{ReadError, ReadErrors, Step, Weather, WeatherMeta};

/// Reads any PVGIS weather file (TMY or hourly, CSV or JSON), detected from its content.
pub fn read_pvgis(path: &Path) -> Result<(Weather, WeatherMeta), ReadErrors> {
    let text = read_text(path)?;
    parse_pvgis(&text, path)
}

/// Parses any PVGIS weather text (TMY or hourly, CSV or JSON), detected from its content.
pub fn parse_pvgis(text: &str, source: &Path) -> Result<(Weather, WeatherMeta), ReadErrors> {
    let t = strip_bom(text).trim_start();
    if t.starts_with('{') {
        if t.contains("tmy_hourly") {
            parse_pvgis_tmy_json(text, source)
        } else {
            parse_pvgis_hourly_json(text, source)
        }
    } else if t.contains("time(UTC)") {
        parse_pvgis_tmy_csv(text, source)
    } else {
        parse_pvgis_hourly_csv(text, source)
    }
}

/// One data record before interpretation.
struct RawRecord {
    line: Option<u64>,
    /// Where the record is, for JSON (`outputs.tmy_hourly[3]`).
    path: Option<String>,
    time: String,
    values: HashMap<String, Result<f64, String>>,
}

/// The file's content before interpretation.
#[derive(Default)]
struct Raw {
    latitude: Option<f64>,
    longitude: Option<f64>,
    elevation: Option<f64>,
    slope_deg: Option<f64>,
    time_offset_h: Option<f64>,
    database: Option<String>,
    years: Vec<i64>,
    columns: Vec<String>,
    records: Vec<RawRecord>,
}

fn leading_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(s.len());
    s.get(..end)?.parse().ok()
}

/// Reads the CSV layout shared by TMY and hourly exports: `key: value` lines, a header row
/// starting with `time`, data rows until the first blank line, then a footer.
fn raw_from_csv(text: &str, diag: &mut Diag) -> Option<Raw> {
    let mut raw = Raw::default();
    let mut lines = text.lines().enumerate();
    let mut header_line = 0;
    for (i, line) in lines.by_ref() {
        let l = line.trim();
        let first = l.split(',').next().unwrap_or("").trim();
        if first.eq_ignore_ascii_case("time(UTC)") || first.eq_ignore_ascii_case("time") {
            raw.columns = l.split(',').map(|c| c.trim().to_string()).collect();
            header_line = i as u64 + 1;
            break;
        }
        if let Some((k, v)) = l.split_once(':') {
            let k = k.trim().to_lowercase();
            let v = v.trim();
            if k.starts_with("latitude") {
                raw.latitude = leading_number(v);
            } else if k.starts_with("longitude") {
                raw.longitude = leading_number(v);
            } else if k.starts_with("elevation") {
                raw.elevation = leading_number(v);
            } else if k.starts_with("irradiance time offset") {
                raw.time_offset_h = leading_number(v);
            } else if k.starts_with("slope") {
                raw.slope_deg = leading_number(v);
            } else if k.starts_with("radiation database") {
                raw.database = Some(v.to_string());
            }
        } else if let Some((_, y)) = l.split_once(',')
            && let Ok(y) = y.trim().parse::<i64>()
        {
            raw.years.push(y);
        }
    }
    if raw.columns.is_empty() {
        diag.push(
            ReadError::new("wrong header: no `time(UTC),…` or `time,…` row")
                .expected("a PVGIS CSV export (metadata lines, a header row, data rows)"),
        );
        return None;
    }
    for (i, line) in lines {
        let l = line.trim();
        if l.is_empty() {
            break; // the footer follows
        }
        let line_no = i as u64 + 1;
        let fields: Vec<&str> = l.split(',').map(str::trim).collect();
        if fields.len() != raw.columns.len() {
            diag.at(
                line_no,
                None,
                fields.first().copied(),
                format!(
                    "row has {} fields, the header on line {header_line} has {}",
                    fields.len(),
                    raw.columns.len()
                ),
            );
            continue;
        }
        let mut values = HashMap::new();
        for (name, f) in raw.columns.iter().zip(&fields).skip(1) {
            let v = f
                .parse::<f64>()
                .map_err(|_| format!("unparsable number {f:?}"));
            values.insert(name.clone(), v);
        }
        raw.records.push(RawRecord {
            line: Some(line_no),
            path: None,
            time: fields.first().copied().unwrap_or("").to_string(),
            values,
        });
    }
    Some(raw)
}

fn json_number(v: &Value, path: &[&str]) -> Option<f64> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_f64()
}

/// Reads the JSON layout: `inputs.location`, `outputs.<series>` (an array of objects).
fn raw_from_json(text: &str, series: &str, time_key: &str, diag: &mut Diag) -> Option<Raw> {
    let root: Value = match serde_json::from_str(strip_bom(text)) {
        Ok(v) => v,
        Err(e) => {
            diag.push(ReadError::new(format!("not valid JSON: {e}")).line(e.line() as u64));
            return None;
        }
    };
    let mut raw = Raw {
        latitude: json_number(&root, &["inputs", "location", "latitude"]),
        longitude: json_number(&root, &["inputs", "location", "longitude"]),
        elevation: json_number(&root, &["inputs", "location", "elevation"]),
        slope_deg: json_number(
            &root,
            &["inputs", "mounting_system", "fixed", "slope", "value"],
        ),
        database: root
            .get("inputs")
            .and_then(|i| i.get("meteo_data"))
            .and_then(|m| m.get("radiation_db"))
            .and_then(Value::as_str)
            .map(str::to_string),
        ..Raw::default()
    };
    if let Some(months) = root
        .get("outputs")
        .and_then(|o| o.get("months_selected"))
        .and_then(Value::as_array)
    {
        raw.years = months
            .iter()
            .filter_map(|m| m.get("year").and_then(Value::as_i64))
            .collect();
    }
    let Some(records) = root
        .get("outputs")
        .and_then(|o| o.get(series))
        .and_then(Value::as_array)
    else {
        diag.push(
            ReadError::new(format!("no `outputs.{series}` array"))
                .expected(format!("a PVGIS JSON export with outputs.{series}")),
        );
        return None;
    };
    for (i, rec) in records.iter().enumerate() {
        let path = format!("outputs.{series}[{i}]");
        let Some(obj) = rec.as_object() else {
            diag.push(ReadError::new("record is not an object").field(path));
            continue;
        };
        if raw.columns.is_empty() {
            raw.columns = obj.keys().cloned().collect();
        }
        let Some(time) = obj.get(time_key).and_then(Value::as_str) else {
            diag.push(ReadError::new(format!("no {time_key:?} string")).field(path));
            continue;
        };
        let values = obj
            .iter()
            .filter(|(k, _)| k.as_str() != time_key)
            .map(|(k, v)| {
                let n = v.as_f64().ok_or_else(|| format!("not a number: {v}"));
                (k.clone(), n)
            })
            .collect();
        raw.records.push(RawRecord {
            line: None,
            path: Some(path),
            time: time.to_string(),
            values,
        });
    }
    Some(raw)
}

fn problem(diag: &mut Diag, rec: &RawRecord, field: Option<&str>, msg: impl Into<String>) {
    let mut e = ReadError::new(msg).timestamp(rec.time.as_str());
    if let Some(l) = rec.line {
        e = e.line(l);
    }
    match (&rec.path, field) {
        (Some(p), Some(f)) => e = e.field(format!("{p}.{f}")),
        (Some(p), None) => e = e.field(p.as_str()),
        (None, Some(f)) => e = e.field(f),
        (None, None) => {}
    }
    diag.push(e);
}

fn value(diag: &mut Diag, rec: &RawRecord, key: &str) -> f64 {
    match rec.values.get(key) {
        Some(Ok(v)) if v.is_finite() => *v,
        Some(Ok(v)) => {
            problem(
                diag,
                rec,
                Some(key),
                format!("value {v} is not a finite number"),
            );
            0.0
        }
        Some(Err(msg)) => {
            problem(diag, rec, Some(key), msg.clone());
            0.0
        }
        None => {
            problem(diag, rec, Some(key), "missing value");
            0.0
        }
    }
}

fn require_columns(raw: &Raw, needed: &[&str], diag: &mut Diag) -> bool {
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|n| !raw.columns.iter().any(|c| c == n))
        .collect();
    if missing.is_empty() {
        return true;
    }
    diag.push(
        ReadError::new(format!("wrong header: no column {}", missing.join(", ")))
            .expected(format!("columns {}", needed.join(", "))),
    );
    false
}

fn parse_time(diag: &mut Diag, rec: &RawRecord) -> Option<NaiveDateTime> {
    match NaiveDateTime::parse_from_str(&rec.time, "%Y%m%d:%H%M") {
        Ok(t) if crate::reader::plausible_year(chrono::Datelike::year(&t)) => Some(t),
        _ => {
            problem(
                diag,
                rec,
                Some("time"),
                format!(
                    "unparsable timestamp {:?} (expected YYYYMMDD:HHMM, UTC)",
                    rec.time
                ),
            );
            None
        }
    }
}

fn meta(raw: &Raw, typical: bool, what: &str, diag: &mut Diag) -> Option<WeatherMeta> {
    let mut get = |v: Option<f64>, name: &str| {
        if v.is_none_or(|x| !x.is_finite()) {
            diag.push(ReadError::new(format!("the header gives no {name}")));
        }
        v
    };
    let (lat, lon, elev) = (
        get(raw.latitude, "latitude"),
        get(raw.longitude, "longitude"),
        get(raw.elevation, "elevation"),
    );
    let mut source = what.to_string();
    if let Some(db) = &raw.database {
        source.push_str(&format!(" ({db})"));
    }
    if let (Some(a), Some(b)) = (raw.years.iter().min(), raw.years.iter().max()) {
        source.push_str(&format!(", months from {a}–{b}"));
    }
    Some(WeatherMeta {
        latitude_deg: lat?,
        longitude_deg: lon?,
        elevation_m: elev?,
        typical_year: typical,
        source,
    })
}

fn finish_tmy(raw: Raw, what: &str, mut diag: Diag) -> Result<(Weather, WeatherMeta), ReadErrors> {
    const NEEDED: [&str; 5] = ["G(h)", "Gb(n)", "Gd(h)", "T2m", "WS10m"];
    if !require_columns(&raw, &NEEDED, &mut diag) {
        return diag.fail();
    }
    let mut times = Vec::new();
    let mut recs = Vec::new();
    for rec in &raw.records {
        if let Some(t) = parse_time(&mut diag, rec) {
            times.push(t);
            recs.push(rec);
        }
    }
    let typical = coerce_typical_year(&mut times);
    let rows: Vec<WeatherRow> = times
        .iter()
        .zip(&recs)
        .map(|(t, rec)| WeatherRow {
            stamp: Stamp {
                line: rec.line.unwrap_or(0),
                text: rec.time.clone(),
                t: t.and_utc(),
                present: true,
            },
            values: NEEDED.map(|k| value(&mut diag, rec, k)),
        })
        .collect();
    let offset = raw
        .time_offset_h
        .filter(|h| h.is_finite() && (0.0..1.0).contains(h));
    let weather = assemble_weather(
        &rows,
        Step::MIN60,
        offset.map_or(0.0, |h| h * 60.0),
        &mut diag,
    );
    let meta = meta(&raw, typical, what, &mut diag);
    match (weather, meta) {
        (Some(w), Some(m)) => diag.result((w, m)),
        _ => diag.fail(),
    }
}

fn finish_hourly(
    raw: Raw,
    what: &str,
    mut diag: Diag,
) -> Result<(Weather, WeatherMeta), ReadErrors> {
    let has = |c: &str| raw.columns.iter().any(|x| x == c);
    if has("G(i)") && !has("Gb(i)") {
        diag.push(
            ReadError::new(
                "this export holds only the global irradiance on the plane of the array, G(i)",
            )
            .expected("an hourly export with slope 0° and the 'Radiation components' option"),
        );
        return diag.fail();
    }
    const NEEDED: [&str; 6] = ["Gb(i)", "Gd(i)", "Gr(i)", "H_sun", "T2m", "WS10m"];
    if !require_columns(&raw, &NEEDED, &mut diag) {
        return diag.fail();
    }
    match raw.slope_deg {
        Some(0.0) => {}
        Some(s) => {
            diag.push(
                ReadError::new(format!(
                    "this export holds plane-of-array irradiance (slope {s}°), not horizontal components"
                ))
                .expected("an hourly export made with slope 0° (horizontal plane) and the 'Radiation components' option"),
            );
            return diag.fail();
        }
        None => {
            diag.push(
                ReadError::new("the header does not give the slope of the plane: cannot tell horizontal from plane-of-array irradiance")
                    .expected("a `Slope: 0 deg.` line (an export made with slope 0°)"),
            );
            return diag.fail();
        }
    }
    let mut rows = Vec::new();
    let mut minute: Option<u32> = None;
    for rec in &raw.records {
        let Some(t) = parse_time(&mut diag, rec) else {
            continue;
        };
        let m = t.minute();
        match minute {
            None => minute = Some(m),
            Some(m0) if m0 != m => {
                problem(
                    &mut diag,
                    rec,
                    Some("time"),
                    format!("sample minute {m} differs from the first row's {m0}"),
                );
                continue;
            }
            Some(_) => {}
        }
        let start = t.with_minute(0).unwrap_or(t);
        let [gb, gd, gr, h_sun, t2m, ws] = NEEDED.map(|k| value(&mut diag, rec, k));
        let ghi = gb + gd + gr;
        let sin_h = h_sun.to_radians().sin();
        let dni = if h_sun > 0.5 { gb / sin_h } else { 0.0 };
        rows.push(WeatherRow {
            stamp: Stamp {
                line: rec.line.unwrap_or(0),
                text: rec.time.clone(),
                t: start.and_utc(),
                present: true,
            },
            values: [ghi, dni, gd, t2m, ws],
        });
    }
    let offset = f64::from(minute.unwrap_or(0));
    let weather = assemble_weather(&rows, Step::MIN60, offset, &mut diag);
    let meta = meta(&raw, false, what, &mut diag);
    match (weather, meta) {
        (Some(w), Some(m)) => diag.result((w, m)),
        _ => diag.fail(),
    }
}

/// Parses a PVGIS TMY CSV export.
pub fn parse_pvgis_tmy_csv(
    text: &str,
    source: &Path,
) -> Result<(Weather, WeatherMeta), ReadErrors> {
    let text = strip_bom(text);
    if text.trim().is_empty() {
        return Err(empty_file(source));
    }
    let mut diag = Diag::new(source);
    let Some(raw) = raw_from_csv(text, &mut diag) else {
        return diag.fail();
    };
    finish_tmy(raw, "PVGIS TMY CSV", diag)
}

/// Parses a PVGIS TMY JSON export (`outputs.tmy_hourly`).
pub fn parse_pvgis_tmy_json(
    text: &str,
    source: &Path,
) -> Result<(Weather, WeatherMeta), ReadErrors> {
    if text.trim().is_empty() {
        return Err(empty_file(source));
    }
    let mut diag = Diag::new(source);
    let Some(raw) = raw_from_json(text, "tmy_hourly", "time(UTC)", &mut diag) else {
        return diag.fail();
    };
    finish_tmy(raw, "PVGIS TMY JSON", diag)
}

/// Parses a PVGIS hourly-series (`seriescalc`) CSV export made with slope 0 and components.
pub fn parse_pvgis_hourly_csv(
    text: &str,
    source: &Path,
) -> Result<(Weather, WeatherMeta), ReadErrors> {
    let text = strip_bom(text);
    if text.trim().is_empty() {
        return Err(empty_file(source));
    }
    let mut diag = Diag::new(source);
    let Some(raw) = raw_from_csv(text, &mut diag) else {
        return diag.fail();
    };
    finish_hourly(raw, "PVGIS hourly series CSV", diag)
}

/// Parses a PVGIS hourly-series (`seriescalc`) JSON export made with slope 0 and components.
pub fn parse_pvgis_hourly_json(
    text: &str,
    source: &Path,
) -> Result<(Weather, WeatherMeta), ReadErrors> {
    if text.trim().is_empty() {
        return Err(empty_file(source));
    }
    let mut diag = Diag::new(source);
    let Some(raw) = raw_from_json(text, "hourly", "time", &mut diag) else {
        return diag.fail();
    };
    finish_hourly(raw, "PVGIS hourly series JSON", diag)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    const TMY_HEAD: &str = "Latitude (decimal degrees): 45.000\nLongitude (decimal degrees): 8.000\n\
        Elevation (m): 250.0\nIrradiance Time Offset (h): 0.1761\nmonth,year\n1,2018\n2,2007\n\
        time(UTC),T2m,RH,G(h),Gb(n),Gd(h),IR(h),WS10m,WD10m,SP\n";

    fn tmy_rows() -> String {
        let mut s = String::new();
        for d in 30..=31 {
            for h in 0..24 {
                s.push_str(&format!(
                    "201801{d:02}:{h:02}00,2.0,90,100.0,200.0,50.0,280,1.5,200,99000\n"
                ));
            }
        }
        for h in 0..24 {
            s.push_str(&format!(
                "20070201:{h:02}00,3.0,90,10.0,20.0,5.0,280,2.5,200,99000\n"
            ));
        }
        s
    }

    #[test]
    fn tmy_csv_mixed_years_on_reference_year() {
        let text = format!(
            "{TMY_HEAD}{}\nT2m: 2-m air temperature\nPVGIS (c) European Union, 2001-2025\n",
            tmy_rows()
        );
        let (w, m) = parse_pvgis_tmy_csv(&text, Path::new("tmy.csv")).unwrap();
        assert_eq!(w.axis.len(), 72);
        assert_eq!(
            w.axis.start(),
            Utc.with_ymd_and_hms(1990, 1, 30, 0, 0, 0).unwrap()
        );
        assert!((w.sample_offset_minutes - 10.566).abs() < 1e-9);
        assert!(m.typical_year);
        assert_eq!(
            (m.latitude_deg, m.longitude_deg, m.elevation_m),
            (45.0, 8.0, 250.0)
        );
        assert_eq!(w.ghi_w_m2[0], 100.0);
        assert_eq!(w.wind_speed_m_s[71], 2.5);
        assert!(m.source.contains("2007–2018"), "{}", m.source);
    }

    #[test]
    fn tmy_csv_errors() {
        let e = parse_pvgis_tmy_csv("", Path::new("t")).unwrap_err();
        assert!(e.to_string().contains("empty"));
        let e = parse_pvgis_tmy_csv("Latitude: 4\nfoo,bar\n", Path::new("t")).unwrap_err();
        assert!(e.to_string().contains("wrong header"), "{e}");
        let e = parse_pvgis_tmy_csv("time(UTC),T2m,G(h)\n20180101:0000,1,2\n", Path::new("t"))
            .unwrap_err();
        assert!(
            e.to_string().contains("no column Gb(n), Gd(h), WS10m"),
            "{e}"
        );
        let bad = tmy_rows()
            .replacen("20180130:0300,2.0,90,100.0", "20180130:0300,2.0,90,abc", 1)
            .replacen("20180130:0500,", "20180130:0400,", 1)
            .replacen("20180130:0700,2.0,90,100.0,200.0", "20180130:0700,2.0", 1);
        let e = parse_pvgis_tmy_csv(&format!("{TMY_HEAD}{bad}"), Path::new("t")).unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("t:12: G(h): unparsable number \"abc\" [at 20180130:0300]"),
            "{m}"
        );
        assert!(m.contains("t:14: duplicate timestamp"), "{m}");
        assert!(m.contains("t:16: row has 7 fields"), "{m}");
        assert!(m.contains("gap: 1 missing step(s)"), "{m}");
        let e = parse_pvgis_tmy_csv("time(UTC),T2m,G(h),Gb(n),Gd(h),WS10m\n20180101:0000,1,2,3,4,5\n20180101:0100,1,2,3,4,5\n", Path::new("t")).unwrap_err();
        assert!(e.to_string().contains("no latitude"), "{e}");
    }

    #[test]
    fn tmy_json() {
        let json = r#"{"inputs": {"location": {"latitude": 45.0, "longitude": 8.0, "elevation": 250.0},
            "meteo_data": {"radiation_db": "PVGIS-SARAH3"}},
            "outputs": {"months_selected": [{"month": 1, "year": 2018}],
            "tmy_hourly": [
              {"time(UTC)": "20180101:0000", "T2m": 2.0, "G(h)": 0.0, "Gb(n)": -0.0, "Gd(h)": 0.0, "WS10m": 1.0},
              {"time(UTC)": "20180101:0100", "T2m": 2.5, "G(h)": 0.0, "Gb(n)": 0.0, "Gd(h)": 0.0, "WS10m": 1.0}
            ]}}"#;
        let (w, m) = parse_pvgis_tmy_json(json, Path::new("t.json")).unwrap();
        assert_eq!(w.temp_air_c, [2.0, 2.5]);
        assert_eq!(w.sample_offset_minutes, 0.0);
        assert!(!m.typical_year);
        assert!(m.source.contains("SARAH3"));
        let bad = json.replace("\"T2m\": 2.5", "\"T2m\": \"x\"");
        let e = parse_pvgis_tmy_json(&bad, Path::new("t.json")).unwrap_err();
        assert!(
            e.to_string()
                .contains("outputs.tmy_hourly[1].T2m: not a number"),
            "{e}"
        );
        let e = parse_pvgis_tmy_json("{\"outputs\": {}}", Path::new("t.json")).unwrap_err();
        assert!(
            e.to_string().contains("no `outputs.tmy_hourly` array"),
            "{e}"
        );
        let e = parse_pvgis_tmy_json("{\"outputs\": ", Path::new("t.json")).unwrap_err();
        assert!(e.to_string().contains("not valid JSON"), "{e}");
    }

    const HOURLY_HEAD: &str = "Latitude (decimal degrees):\t45.000\nLongitude (decimal degrees):\t8.000\n\
        Elevation (m):\t250\nRadiation database:\tPVGIS-SARAH\n\n\nSlope: 0 deg. \nAzimuth: 0 deg. \n\
        time,Gb(i),Gd(i),Gr(i),H_sun,T2m,WS10m,Int\n";

    #[test]
    fn hourly_horizontal_components() {
        let text = format!(
            "{HOURLY_HEAD}20160601:1010,400.0,100.0,0.0,30.0,20.0,2.0,0.0\n20160601:1110,0.0,50.0,0.0,0.2,21.0,2.0,0.0\n\nGb(i): Beam\n"
        );
        let (w, m) = parse_pvgis_hourly_csv(&text, Path::new("h.csv")).unwrap();
        assert_eq!(
            w.axis.start(),
            Utc.with_ymd_and_hms(2016, 6, 1, 10, 0, 0).unwrap()
        );
        assert_eq!(w.sample_offset_minutes, 10.0);
        assert_eq!(w.ghi_w_m2, [500.0, 50.0]);
        assert!((w.dni_w_m2[0] - 800.0).abs() < 1e-9);
        assert_eq!(w.dni_w_m2[1], 0.0);
        assert_eq!(w.dhi_w_m2, [100.0, 50.0]);
        assert!(!m.typical_year);
    }

    #[test]
    fn hourly_plane_of_array_is_rejected() {
        let text = HOURLY_HEAD.replace("Slope: 0 deg.", "Slope: 30 deg.");
        let e = parse_pvgis_hourly_csv(
            &format!("{text}20160101:0010,0,0,0,0,3,1,0\n"),
            Path::new("h"),
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("plane-of-array irradiance (slope 30°)"),
            "{e}"
        );
        let text = "Slope: 0 deg.\ntime,G(i),H_sun,T2m,WS10m,Int\n20160101:0010,0,0,3,1,0\n";
        let e = parse_pvgis_hourly_csv(text, Path::new("h")).unwrap_err();
        assert!(e.to_string().contains("only the global irradiance"), "{e}");
        let text = "time,Gb(i),Gd(i),Gr(i),H_sun,T2m,WS10m\n20160101:0010,0,0,0,0,3,1\n";
        let e = parse_pvgis_hourly_csv(text, Path::new("h")).unwrap_err();
        assert!(e.to_string().contains("does not give the slope"), "{e}");
    }

    #[test]
    fn hourly_json() {
        let json = r#"{"inputs": {"location": {"latitude": 45.0, "longitude": 8.0, "elevation": 250.0},
            "mounting_system": {"fixed": {"slope": {"value": 0, "optimal": false}}}},
            "outputs": {"hourly": [
              {"time": "20160101:0010", "Gb(i)": 0.0, "Gd(i)": 0.0, "Gr(i)": 0.0, "H_sun": 0.0, "T2m": 3.44, "WS10m": 1.43, "Int": 0.0},
              {"time": "20160101:0110", "Gb(i)": 0.0, "Gd(i)": 0.0, "Gr(i)": 0.0, "H_sun": 0.0, "T2m": 2.94, "WS10m": 1.47, "Int": 0.0}
            ]}}"#;
        let (w, _) = parse_pvgis_hourly_json(json, Path::new("h.json")).unwrap();
        assert_eq!(w.temp_air_c, [3.44, 2.94]);
        assert_eq!(w.sample_offset_minutes, 10.0);
        let tilted = json.replace("\"value\": 0,", "\"value\": 35,");
        assert!(parse_pvgis_hourly_json(&tilted, Path::new("h.json")).is_err());
        let (w2, _) = parse_pvgis(json, Path::new("h.json")).unwrap();
        assert_eq!(w2, w);
    }
}

//! EnergyPlus weather files (EPW).
//!
//! Layout: 8 header lines (`LOCATION,city,state,country,source,WMO,lat,lon,tz,elevation`,
//! then design conditions, periods, ground temperatures, holidays, two comment lines and
//! `DATA PERIODS`), then one line of 35 comma-separated fields per hour.
//!
//! Conventions: hour `h` (1..24) is the interval ENDING at `h:00` local STANDARD time (EPW has
//! no daylight saving), so the row is the interval starting at `h-1:00` local standard time,
//! converted to UTC with the fixed offset of the LOCATION line. Radiation fields are energy
//! over that hour in Wh/m², i.e. the mean irradiance in W/m²; so
//! [`Weather::sample_offset_minutes`] is 30 (the middle of the hour).
//! Fields used: dry bulb °C (7th), GHI (14th), DNI (15th), DHI (16th), wind speed m/s (22nd).
//! Missing-value codes (99.9 for dry bulb, 9999 for radiation, 999 for wind) are reported as
//! errors with line and field. Files whose rows come from several years (typical years) are
//! placed on the reference year ([`WeatherMeta::typical_year`]). Only hourly files (one record
//! per hour in `DATA PERIODS`) are read.

use std::path::Path;

use chrono::{Duration, NaiveDate};

use crate::reader::{
    Diag, Stamp, WeatherRow, assemble_weather, coerce_typical_year, empty_file, read_text,
    strip_bom,
};
use crate::{ReadError, ReadErrors, Step, Weather, WeatherMeta};

/// The fields read from each data row: (0-based index, name, missing-value code).
const FIELDS: [(usize, &str, f64); 5] = [
    (13, "global horizontal radiation", 9999.0),
    (14, "direct normal radiation", 9999.0),
    (15, "diffuse horizontal radiation", 9999.0),
    (6, "dry bulb temperature", 99.9),
    (21, "wind speed", 999.0),
];

/// Reads an EPW file (at most 512 MiB).
pub fn read_epw(path: &Path) -> Result<(Weather, WeatherMeta), ReadErrors> {
    let text = read_text(path)?;
    parse_epw(&text, path)
}

/// Parses EPW text; `source` names the input in diagnostics.
pub fn parse_epw(text: &str, source: &Path) -> Result<(Weather, WeatherMeta), ReadErrors> {
    let text = strip_bom(text);
    if text.trim().is_empty() {
        return Err(empty_file(source));
    }
    let mut diag = Diag::new(source);
    let lines: Vec<&str> = text.lines().collect();
    let header = lines.get(..8).unwrap_or(&lines);
    let location: Vec<&str> = header
        .first()
        .map(|l| l.split(',').map(str::trim).collect())
        .unwrap_or_default();
    if location
        .first()
        .is_none_or(|f| !f.eq_ignore_ascii_case("LOCATION"))
        || location.len() < 10
    {
        diag.push(
            ReadError::new("wrong header: the first line is not a LOCATION line of 10 fields")
                .line(1)
                .expected(
                    "LOCATION,city,state,country,source,WMO,latitude,longitude,time zone,elevation",
                ),
        );
        return diag.fail();
    }
    let mut loc = |i: usize, name: &str, range: std::ops::RangeInclusive<f64>| {
        let raw = location.get(i).copied().unwrap_or("");
        match raw.parse::<f64>() {
            Ok(v) if range.contains(&v) => Some(v),
            _ => {
                diag.push(
                    ReadError::new(format!("unparsable or out-of-range {name} {raw:?}"))
                        .line(1)
                        .field(name)
                        .expected(format!("a number in {}..={}", range.start(), range.end())),
                );
                None
            }
        }
    };
    let lat = loc(6, "latitude", -90.0..=90.0);
    let lon = loc(7, "longitude", -180.0..=180.0);
    let tz_h = loc(8, "time zone", -12.0..=14.0);
    let elev = loc(9, "elevation", -1000.0..=9000.0);
    let city = location.get(1).copied().unwrap_or("").to_string();
    let (Some(lat), Some(lon), Some(tz_h), Some(elev)) = (lat, lon, tz_h, elev) else {
        return diag.fail();
    };
    if let Some((i, l)) = header
        .iter()
        .enumerate()
        .find(|(_, l)| l.to_uppercase().starts_with("DATA PERIODS"))
    {
        let per_hour = l.split(',').nth(2).map(str::trim).unwrap_or("");
        if per_hour != "1" {
            diag.push(
                ReadError::new(format!(
                    "{per_hour:?} records per hour: only hourly EPW files are read"
                ))
                .line(i as u64 + 1)
                .field("DATA PERIODS")
                .expected("1"),
            );
            return diag.fail();
        }
    }
    let tz_minutes = (tz_h * 60.0).round() as i64;

    let mut locals = Vec::new();
    let mut parsed = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(8) {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        let line_no = i as u64 + 1;
        let f: Vec<&str> = l.split(',').map(str::trim).collect();
        if f.len() < 22 {
            diag.at(
                line_no,
                None,
                None,
                format!("row has {} fields, expected 35", f.len()),
            );
            continue;
        }
        let int = |k: usize| f.get(k).and_then(|s| s.parse::<i64>().ok());
        let (Some(y), Some(mo), Some(d), Some(h)) = (int(0), int(1), int(2), int(3)) else {
            diag.at(
                line_no,
                Some("date"),
                None,
                "unparsable year, month, day or hour",
            );
            continue;
        };
        let ts = format!("{y:04}-{mo:02}-{d:02} hour {h}");
        let date = i32::try_from(y)
            .ok()
            .filter(|y| crate::reader::plausible_year(*y))
            .and_then(|y| {
                NaiveDate::from_ymd_opt(y, u32::try_from(mo).ok()?, u32::try_from(d).ok()?)
            });
        let (Some(date), true) = (date, (1..=24).contains(&h)) else {
            diag.at(
                line_no,
                Some("date"),
                Some(&ts),
                "no such date, or hour outside 1..24",
            );
            continue;
        };
        let mut values = [0.0; 5];
        for (slot, (k, name, missing)) in values.iter_mut().zip(FIELDS) {
            let raw = f.get(k).copied().unwrap_or("");
            match raw.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= missing => diag.at(
                    line_no,
                    Some(name),
                    Some(&ts),
                    format!("missing value (code {raw})"),
                ),
                Ok(v) if v.is_finite() => *slot = v,
                _ => diag.at(
                    line_no,
                    Some(name),
                    Some(&ts),
                    format!("unparsable number {raw:?}"),
                ),
            }
        }
        // Interval start in local standard time: hour h ends at h:00.
        locals.push(date.and_time(chrono::NaiveTime::MIN) + Duration::hours(h - 1));
        parsed.push((line_no, ts, values));
    }
    if parsed.is_empty() {
        diag.push(ReadError::new("no data rows after the 8 header lines"));
        return diag.fail();
    }
    let typical = coerce_typical_year(&mut locals);
    let rows: Vec<WeatherRow> = locals
        .iter()
        .zip(parsed)
        .map(|(local, (line, text, values))| WeatherRow {
            stamp: Stamp {
                line,
                text,
                t: (*local - Duration::minutes(tz_minutes)).and_utc(),
                present: true,
            },
            values,
        })
        .collect();
    let weather = assemble_weather(&rows, Step::MIN60, 30.0, &mut diag);
    let source_desc = format!("EPW {city} (UTC{tz_h:+})");
    match weather {
        Some(w) => diag.result((
            w,
            WeatherMeta {
                latitude_deg: lat,
                longitude_deg: lon,
                elevation_m: elev,
                typical_year: typical,
                source: source_desc,
            },
        )),
        None => diag.fail(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEAD: &str = "LOCATION,Lyon,-,FRA,test,074810,45.73,5.08,1.0,240.0\nDESIGN CONDITIONS,0\n\
        TYPICAL/EXTREME PERIODS,0\nGROUND TEMPERATURES,0\nHOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0\n\
        COMMENTS 1,\nCOMMENTS 2,\nDATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31\n";

    fn row(y: i32, m: u32, d: u32, h: u32, t: &str, ghi: &str, wind: &str) -> String {
        format!(
            "{y},{m},{d},{h},60,A7A7,{t},0,80,101300,0,1360,290,{ghi},0,0,0,0,0,0,200,{wind},5,5,9999,77777,9,999999999,0,0.1,0,88,0.2,0,1\n"
        )
    }

    #[test]
    fn hour_one_is_the_interval_before_it_in_standard_time() {
        let text = format!(
            "{HEAD}{}{}",
            row(2020, 6, 1, 1, "10", "0", "2"),
            row(2020, 6, 1, 2, "11", "5", "3")
        );
        let (w, m) = parse_epw(&text, Path::new("x.epw")).unwrap();
        // 00:00 local standard (UTC+1) = 23:00 UTC the day before, even in June.
        assert_eq!(w.axis.start().to_rfc3339(), "2020-05-31T23:00:00+00:00");
        assert_eq!(w.temp_air_c, [10.0, 11.0]);
        assert_eq!(w.ghi_w_m2, [0.0, 5.0]);
        assert_eq!(w.sample_offset_minutes, 30.0);
        assert!(!m.typical_year);
        assert_eq!(m.elevation_m, 240.0);
    }

    #[test]
    fn missing_codes_and_bad_rows_are_reported() {
        let text = format!(
            "{HEAD}{}{}{}{}2020,6,1\n{}",
            row(2020, 6, 1, 1, "99.9", "0", "2"),
            row(2020, 6, 1, 2, "11", "9999", "999"),
            row(2020, 6, 1, 2, "11", "1", "1"),
            row(2020, 6, 1, 25, "11", "1", "1"),
            row(2020, 6, 1, 5, "x", "1", "1"),
        );
        let e = parse_epw(&text, Path::new("x.epw")).unwrap_err();
        let m = e.to_string();
        for want in [
            "x.epw:9: dry bulb temperature: missing value (code 99.9)",
            "x.epw:10: global horizontal radiation: missing value (code 9999)",
            "x.epw:10: wind speed: missing value (code 999)",
            "x.epw:11: duplicate timestamp",
            "x.epw:12: date: no such date, or hour outside 1..24",
            "x.epw:13: row has 3 fields, expected 35",
            "x.epw:14: dry bulb temperature: unparsable number \"x\"",
            "x.epw:14: gap: 2 missing step(s)",
        ] {
            assert!(m.contains(want), "missing {want:?} in\n{m}");
        }
    }

    #[test]
    fn wrong_header_and_empty() {
        assert!(
            parse_epw("", Path::new("x"))
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        let e = parse_epw("Year,Month\n1,2\n", Path::new("x")).unwrap_err();
        assert!(e.to_string().contains("not a LOCATION line"), "{e}");
        let e = parse_epw(&HEAD.replace("45.73", "north"), Path::new("x")).unwrap_err();
        assert!(e.to_string().contains("latitude"), "{e}");
        let e = parse_epw(
            &HEAD.replace("DATA PERIODS,1,1", "DATA PERIODS,1,4"),
            Path::new("x"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("only hourly EPW"), "{e}");
        let e = parse_epw(HEAD, Path::new("x")).unwrap_err();
        assert!(e.to_string().contains("no data rows"), "{e}");
    }
}

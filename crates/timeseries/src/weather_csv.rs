//! Weather in a generic CSV: a timestamp column, then global horizontal, direct normal and
//! diffuse horizontal irradiance (W/m²), air temperature (°C) and wind speed (m/s), at any step
//! that divides a day (10 or 15 minutes from an on-site station, an hour from a service). Each
//! value is the mean over the interval its timestamp starts, so the sun is taken at mid-interval
//! ([`Weather::sample_offset_minutes`] = half the step).
//!
//! Columns are found by name, case-insensitive, in Quartier's spelling (`ghi_w_m2`, `dni_w_m2`,
//! `dhi_w_m2`, `temp_air_c`, `wind_speed_m_s`) or pvlib's (`ghi`, `dni`, `dhi`, `temp_air`,
//! `wind_speed`). Each column is read by the generic CSV reader ([`crate::read_csv`]), so
//! timestamps (UTC or naive local with their DST days), gaps, duplicates and values are checked
//! and reported exactly as for a meter curve, with the column named.
//!
//! ```
//! use std::path::Path;
//! use quartier_timeseries::weather_csv::{WeatherCsvOptions, parse_weather_csv};
//! let text = "time_utc,ghi,dni,dhi,temp_air,wind_speed\n\
//!             2025-06-01T10:00:00Z,700,600,150,21.5,2\n\
//!             2025-06-01T10:10:00Z,710,610,151,21.6,2.2\n";
//! let (w, _) = parse_weather_csv(text, Path::new("station.csv"), &WeatherCsvOptions::default()).unwrap();
//! assert_eq!(w.axis.step().minutes(), 10);
//! assert_eq!(w.ghi_w_m2, [700.0, 710.0]);
//! assert_eq!(w.sample_offset_minutes, 5.0);
//! ```

use std::path::Path;

use chrono_tz::Tz;

use crate::reader::{FillPolicy, IntervalLabel, read_text};
use crate::{CsvOptions, Quantity, ReadError, ReadErrors, Weather, WeatherMeta, parse_csv, said};

/// The columns of a weather CSV: Quartier's name, pvlib's, and the quantity.
pub const WEATHER_CSV_COLUMNS: [(&str, &str, Quantity); 5] = [
    ("ghi_w_m2", "ghi", Quantity::IrradianceWM2),
    ("dni_w_m2", "dni", Quantity::IrradianceWM2),
    ("dhi_w_m2", "dhi", Quantity::IrradianceWM2),
    ("temp_air_c", "temp_air", Quantity::TemperatureC),
    ("wind_speed_m_s", "wind_speed", Quantity::WindSpeedMS),
];

/// How a weather CSV is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WeatherCsvOptions {
    /// Time zone of naive timestamps.
    pub timezone: Tz,
    /// What to do with missing steps (a simulation needs every step: errors or interpolation).
    pub fill: FillPolicy,
}

impl Default for WeatherCsvOptions {
    /// Europe/Paris, gaps are errors.
    fn default() -> Self {
        WeatherCsvOptions {
            timezone: chrono_tz::Europe::Paris,
            fill: FillPolicy::None,
        }
    }
}

/// Reads a weather CSV (see the module documentation).
pub fn read_weather_csv(
    path: &Path,
    options: &WeatherCsvOptions,
) -> Result<(Weather, WeatherMeta), ReadErrors> {
    let text = read_text(path)?;
    parse_weather_csv(&text, path, options)
}

/// Parses a weather CSV; `source` names it in diagnostics.
pub fn parse_weather_csv(
    text: &str,
    source: &Path,
    options: &WeatherCsvOptions,
) -> Result<(Weather, WeatherMeta), ReadErrors> {
    let header: Vec<String> = text
        .lines()
        .next()
        .unwrap_or("")
        .split([',', ';', '\t'])
        .map(|h| h.trim().trim_matches('"').to_lowercase())
        .collect();
    let mut errors = Vec::new();
    let mut columns = Vec::new();
    for (ours, pvlib, quantity) in WEATHER_CSV_COLUMNS {
        let Some(name) = [ours, pvlib]
            .into_iter()
            .find(|n| header.iter().any(|h| h == n))
        else {
            errors.push(
                ReadError::said(said(
                    format!(
                        "no column `{ours}` (or `{pvlib}`): a weather CSV has a timestamp then ghi_w_m2, dni_w_m2, dhi_w_m2, temp_air_c and wind_speed_m_s (or pvlib's ghi, dni, dhi, temp_air, wind_speed); found {}",
                        header.join(", ")
                    ),
                    format!(
                        "pas de colonne `{ours}` (ni `{pvlib}`) : un fichier météo CSV a un horodatage puis ghi_w_m2, dni_w_m2, dhi_w_m2, temp_air_c et wind_speed_m_s (ou ghi, dni, dhi, temp_air, wind_speed de pvlib) ; trouvé {}",
                        header.join(", ")
                    ),
                ))
                .file(source)
                .line(1),
            );
            continue;
        };
        let read = parse_csv(
            text,
            source,
            &CsvOptions {
                column: Some(name.to_owned()),
                timezone: options.timezone,
                quantity,
                label: IntervalLabel::Start,
                fill: options.fill,
                allow_negative: true,
                negative_setting: None,
            },
        );
        match read {
            Ok(s) => columns.push(s),
            Err(e) => errors.extend(e.0),
        }
    }
    if !errors.is_empty() {
        // A timestamp problem is found once per column: say it once.
        let mut seen = std::collections::HashSet::new();
        errors.retain(|e| seen.insert(e.to_string()));
        return Err(ReadErrors(errors));
    }
    let axis = *columns[0].axis();
    let values = |k: usize| columns[k].values().to_vec();
    let weather = Weather {
        axis,
        ghi_w_m2: values(0),
        dni_w_m2: values(1),
        dhi_w_m2: values(2),
        temp_air_c: values(3),
        wind_speed_m_s: values(4),
        sample_offset_minutes: f64::from(axis.step().minutes()) / 2.0,
    };
    let meta = WeatherMeta {
        latitude_deg: f64::NAN,
        longitude_deg: f64::NAN,
        elevation_m: f64::NAN,
        typical_year: false,
        source: format!("weather CSV, {} min", axis.step().minutes()),
    };
    Ok((weather, meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_column_is_named_with_the_columns_found() {
        let text = "time,ghi,dni,temp_air,wind_speed\n2025-06-01T10:00:00Z,1,2,3,4\n";
        let e = parse_weather_csv(text, Path::new("w.csv"), &WeatherCsvOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("no column `dhi_w_m2` (or `dhi`)"), "{e}");
        assert!(
            e.contains("found time, ghi, dni, temp_air, wind_speed"),
            "{e}"
        );
    }

    #[test]
    fn a_bad_value_is_located_in_its_column() {
        let text = "time_utc,ghi_w_m2,dni_w_m2,dhi_w_m2,temp_air_c,wind_speed_m_s\n\
                    2025-06-01T10:00:00Z,1,2,3,4,5\n\
                    2025-06-01T10:15:00Z,1,x,3,4,5\n";
        let e = parse_weather_csv(text, Path::new("w.csv"), &WeatherCsvOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("w.csv:3"), "{e}");
        assert!(e.contains("dni_w_m2"), "{e}");
    }

    #[test]
    fn a_gap_is_reported_once_not_once_per_column() {
        let text = "time_utc,ghi,dni,dhi,temp_air,wind_speed\n\
                    2025-06-01T10:00:00Z,1,2,3,4,5\n\
                    2025-06-01T10:30:00Z,1,2,3,4,5\n\
                    2025-06-01T10:40:00Z,1,2,3,4,5\n";
        let e =
            parse_weather_csv(text, Path::new("w.csv"), &WeatherCsvOptions::default()).unwrap_err();
        assert_eq!(e.0.len(), 1, "{e}");
        assert!(
            e.to_string()
                .contains("w.csv:3: gap: 2 missing step(s) of 10 min"),
            "{e}"
        );
    }

    #[test]
    fn naive_local_ten_minute_rows_land_on_utc_across_a_dst_change() {
        // 26 October 2025 in Paris: 01:50 CEST is 23:50 UTC the day before.
        let mut text = String::from("time,ghi,dni,dhi,temp_air,wind_speed\n");
        for m in (0..60).step_by(10) {
            text.push_str(&format!("2025-10-26 01:{m:02},0,0,0,8,1\n"));
        }
        let (w, meta) =
            parse_weather_csv(&text, Path::new("w.csv"), &WeatherCsvOptions::default()).unwrap();
        assert_eq!(w.axis.len(), 6);
        assert_eq!(w.axis.start().to_rfc3339(), "2025-10-25T23:00:00+00:00");
        assert_eq!(meta.source, "weather CSV, 10 min");
    }
}

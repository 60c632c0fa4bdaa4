//! The per-step CSV: `time_utc` (RFC 3339, interval start) first, then one column per flow,
//! named with its unit (`load_kwh`, `tank_level_kg`, …). Readable as is by pandas
//! (`pd.read_csv(path, parse_dates=["time_utc"])`) or a spreadsheet.

use std::path::Path;

use chrono::SecondsFormat;
use quartier_timeseries::Axis;

use crate::ReportError;

/// Writes `columns` on `axis` to `path`. Every column must have one value per interval.
pub fn write_timeseries_csv(
    path: &Path,
    axis: &Axis,
    columns: &[(String, &[f64])],
) -> Result<(), ReportError> {
    check_lengths(axis, columns)?;
    let csv_err = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let w = csv::Writer::from_path(path).map_err(csv_err)?;
    write_rows(w, axis, columns).map_err(csv_err)
}

/// The same CSV as [`write_timeseries_csv`], as text in memory (for a database).
pub fn timeseries_csv(axis: &Axis, columns: &[(String, &[f64])]) -> Result<String, ReportError> {
    check_lengths(axis, columns)?;
    let mut buf = Vec::new();
    write_rows(csv::Writer::from_writer(&mut buf), axis, columns).map_err(|source| {
        ReportError::Csv {
            path: "timeseries.csv (in memory)".into(),
            source,
        }
    })?;
    // Every field is ASCII (RFC 3339 instants, numbers) or a column name (valid UTF-8).
    String::from_utf8(buf).map_err(|e| ReportError::Csv {
        path: "timeseries.csv (in memory)".into(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e).into(),
    })
}

pub(crate) fn check_lengths(axis: &Axis, columns: &[(String, &[f64])]) -> Result<(), ReportError> {
    for (name, values) in columns {
        if values.len() != axis.len() {
            return Err(ReportError::Length {
                name: name.clone(),
                len: values.len(),
                axis_len: axis.len(),
            });
        }
    }
    Ok(())
}

fn write_rows<W: std::io::Write>(
    mut w: csv::Writer<W>,
    axis: &Axis,
    columns: &[(String, &[f64])],
) -> Result<(), csv::Error> {
    let mut header = Vec::with_capacity(columns.len() + 1);
    header.push("time_utc".to_string());
    header.extend(columns.iter().map(|(n, _)| n.clone()));
    w.write_record(&header)?;
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for i in 0..axis.len() {
        row.clear();
        row.push(axis.time(i).to_rfc3339_opts(SecondsFormat::Secs, true));
        for (_, values) in columns {
            row.push(format_value(values[i]));
        }
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(())
}

/// Shortest round-trip representation; values within 1e-12 of zero (and `-0`) written as `0`
/// so that columns stay readable.
fn format_value(v: f64) -> String {
    if v.abs() < 1e-12 {
        "0".to_string()
    } else {
        format!("{v}")
    }
}

/// A CSV field: quoted (inner quotes doubled) when it holds a separator (`,` or `;`), a quote
/// or a line break; as it is otherwise. The one quoting rule of every CSV this crate writes.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', ';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use quartier_timeseries::{Axis, Step};

    use super::*;

    #[test]
    fn the_text_in_memory_is_the_file() {
        let axis = Axis::new(
            Utc.with_ymd_and_hms(2025, 3, 30, 0, 0, 0).unwrap(),
            Step::MIN30,
            3,
        )
        .unwrap();
        let load = [1.5, -0.0, 2e-13];
        let cols = vec![("load_kwh".to_string(), &load[..])];
        let path = std::env::temp_dir().join(format!("q-csv-{}.csv", std::process::id()));
        write_timeseries_csv(&path, &axis, &cols).unwrap();
        let file = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        let text = timeseries_csv(&axis, &cols).unwrap();
        assert_eq!(text, file);
        assert_eq!(
            text,
            "time_utc,load_kwh\n2025-03-30T00:00:00Z,1.5\n2025-03-30T00:30:00Z,0\n\
             2025-03-30T01:00:00Z,0\n"
        );
        let short = [1.0];
        assert!(matches!(
            timeseries_csv(&axis, &[("x_kwh".to_string(), &short[..])]),
            Err(ReportError::Length { .. })
        ));
    }
}

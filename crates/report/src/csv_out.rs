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
    for (name, values) in columns {
        if values.len() != axis.len() {
            return Err(ReportError::Length {
                name: name.clone(),
                len: values.len(),
                axis_len: axis.len(),
            });
        }
    }
    let csv_err = |source| ReportError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut w = csv::Writer::from_path(path).map_err(csv_err)?;
    let mut header = Vec::with_capacity(columns.len() + 1);
    header.push("time_utc".to_string());
    header.extend(columns.iter().map(|(n, _)| n.clone()));
    w.write_record(&header).map_err(csv_err)?;
    let mut row: Vec<String> = Vec::with_capacity(header.len());
    for i in 0..axis.len() {
        row.clear();
        row.push(axis.time(i).to_rfc3339_opts(SecondsFormat::Secs, true));
        for (_, values) in columns {
            row.push(format_value(values[i]));
        }
        w.write_record(&row).map_err(csv_err)?;
    }
    w.flush().map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
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

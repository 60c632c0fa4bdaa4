//! End-to-end tests of the Parquet output: `quartier simulate --format parquet` on the day the
//! clocks go back (100 quarter-hours), and a sweep's time series and KPI tables in Parquet
//! and in CSV, read back here with the `parquet` crate's own reader: the same instants and
//! the same numbers, to the last bit, as the CSV files.
#![cfg(feature = "parquet")]

use std::path::Path;

use chrono::{DateTime, Utc};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

mod common;

use common::{examples, hydroseine_with_time, quartier, stderr};

/// A Parquet file's column names and rows.
fn read_parquet(path: &Path) -> (Vec<String>, Vec<Vec<Field>>) {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let reader = SerializedFileReader::new(file).unwrap();
    let names = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    let rows = reader
        .get_row_iter(None)
        .unwrap()
        .map(|r| {
            r.unwrap()
                .get_column_iter()
                .map(|(_, f)| f.clone())
                .collect()
        })
        .collect();
    (names, rows)
}

/// Asserts that the Parquet time series `pq` holds what the CSV time series `csv` holds.
fn assert_same_series(pq: &Path, csv: &Path) {
    let (names, rows) = read_parquet(pq);
    let text = std::fs::read_to_string(csv).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(
        names,
        head,
        "{}: the columns of {}",
        pq.display(),
        csv.display()
    );
    let lines: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), lines.len(), "{}: rows", pq.display());
    for (row, line) in rows.iter().zip(&lines) {
        let cells: Vec<&str> = line.split(',').collect();
        let t: DateTime<Utc> = cells[0].parse().unwrap();
        assert_eq!(
            row[0],
            Field::TimestampMicros(t.timestamp_micros()),
            "{line}"
        );
        for (f, c) in row[1..].iter().zip(&cells[1..]) {
            assert_eq!(*f, Field::Double(c.parse().unwrap()), "{line}");
        }
    }
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn simulate_writes_the_time_series_in_parquet_on_a_day_of_100_quarter_hours() {
    let dir = tempfile::tempdir().unwrap();
    let path = hydroseine_with_time(
        dir.path(),
        "[time]\nstart = 2025-10-26\nend = 2025-10-27\nstep_minutes = 15",
    );
    let (csv, pq) = (dir.path().join("csv"), dir.path().join("pq"));
    for (out, format) in [(&csv, "csv"), (&pq, "parquet")] {
        let o = quartier(&[
            "simulate",
            s(&path),
            "--out",
            s(out),
            "--format",
            format,
            "--quiet",
        ]);
        assert!(o.status.success(), "{format}: {}", stderr(&o));
    }
    assert!(!pq.join("timeseries.csv").exists());
    assert_eq!(read_parquet(&pq.join("timeseries.parquet")).1.len(), 100);
    assert_same_series(&pq.join("timeseries.parquet"), &csv.join("timeseries.csv"));
    assert_eq!(
        std::fs::read_to_string(pq.join("kpis.json")).unwrap(),
        std::fs::read_to_string(csv.join("kpis.json")).unwrap()
    );
}

#[test]
fn a_sweep_keeps_its_tables_in_parquet_or_csv_with_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let district = examples().join("meudon-la-foret.toml");
    let mut outs = Vec::new();
    for format in ["parquet", "csv"] {
        let file = dir.path().join(format!("{format}.toml"));
        std::fs::write(
            &file,
            format!(
                "districts = [\"{}\"]\nrun = [\"rule\", \"optimal\"]\ndays = 2\n\
                 timeseries = true\nformat = \"{format}\"\n\n[grid]\n\
                 \"pv[\\\"pv-ecole\\\"].kwp\" = [36, 100]\n\n[[scenarios]]\n\
                 \"batteries[0].energy_kwh\" = 40\n",
                district.display()
            ),
        )
        .unwrap();
        let out = dir.path().join(format);
        let o = quartier(&["sweep", s(&file), "--out", s(&out), "--jobs", "2"]);
        assert!(o.status.success(), "{format}: {}", stderr(&o));
        outs.push(out);
    }
    let (pq, csv) = (&outs[0], &outs[1]);
    for scenario in ["scenario=0000", "scenario=0001", "scenario=0002"] {
        for run in ["rule", "optimal"] {
            assert_same_series(
                &pq.join(scenario).join(format!("timeseries-{run}.parquet")),
                &csv.join(scenario).join(format!("timeseries-{run}.csv")),
            );
        }
        // The scenario's row: its district, its values (the folder's name gives its number).
        let (names, rows) = read_parquet(&pq.join(scenario).join("kpis.parquet"));
        assert_eq!(rows.len(), 1);
        assert_eq!(
            names[..3],
            [
                "district",
                "pv[\"pv-ecole\"].kwp",
                "batteries[0].energy_kwh"
            ]
        );
        assert_eq!(rows[0][0], Field::Str("meudon-la-foret.toml".into()));
        let text = std::fs::read_to_string(csv.join(scenario).join("kpis.csv")).unwrap();
        let head: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        assert_eq!(head.len(), names.len(), "{text}");
    }
    // The third scenario sets the battery only: the PV column is missing there.
    let (_, rows) = read_parquet(&pq.join("scenario=0002/kpis.parquet"));
    assert_eq!(rows[0][1], Field::Null);
    assert_eq!(rows[0][2], Field::Double(40.0));
    // Collected: the same table whatever the scenarios' format, in CSV and in Parquet.
    assert_eq!(
        std::fs::read_to_string(pq.join("kpis.csv")).unwrap(),
        std::fs::read_to_string(csv.join("kpis.csv")).unwrap()
    );
    let (names, rows) = read_parquet(&pq.join("kpis.parquet"));
    assert_eq!(names[0], "scenario");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2][0], Field::Long(2));
    let status = names.iter().position(|n| n == "status").unwrap();
    assert_eq!(rows[2][status], Field::Str("done".into()));
    let cost = names.iter().position(|n| n == "optimal.cost_eur").unwrap();
    assert!(
        matches!(rows[0][cost], Field::Double(_)),
        "{:?}",
        rows[0][cost]
    );
}

#[test]
fn a_community_sweep_keeps_money_as_exact_decimals_in_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = quartier(&[
        "-q",
        "sweep",
        s(&examples().join("sweeps/meudon-community.toml")),
        "--out",
        s(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(out.join("kpis.csv")).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let csv_rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    for table in [
        out.join("kpis.parquet"),
        out.join("scenario=0002/kpis.parquet"),
    ] {
        let (names, rows) = read_parquet(&table);
        let collected = names[0] == "scenario";
        for money in [
            "allocate.file.consumer_bills_eur",
            "allocate.optimised.consumer_bills_without_operation_eur",
        ] {
            let i = names.iter().position(|n| n == money).unwrap();
            let j = head.iter().position(|n| *n == money).unwrap();
            let row = if collected { 2 } else { 0 };
            assert!(
                matches!(rows[row][i], Field::Decimal(_)),
                "{money}: {:?}",
                rows[row][i]
            );
            assert_eq!(
                rows[row][i].to_string(),
                csv_rows[2][j],
                "{money} in {}",
                table.display()
            );
        }
        let rate = names
            .iter()
            .position(|n| n == "allocate.file.self_consumption_rate")
            .unwrap();
        assert!(matches!(rows[0][rate], Field::Double(_)));
    }
}

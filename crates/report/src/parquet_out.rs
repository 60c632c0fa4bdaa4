//! Apache Parquet files of results: a district's time series (the same columns as
//! `timeseries.csv`, `time_utc` as a UTC timestamp) and tables of mixed columns (a sweep's
//! KPIs), readable in one line by pandas, polars or DuckDB.
//!
//! Written with the `parquet` crate's low-level column writer (no Arrow: a fraction of its
//! build time), one row group per file, Snappy pages. Instants are `INT64` timestamps in
//! microseconds adjusted to UTC; numbers `DOUBLE`; text `BYTE_ARRAY` with the `String` logical
//! type; a missing value is a null. Values within 1e-12 of zero are written as `0`, as in
//! the CSV, so both formats hold the same numbers.
//!
//! The encoder is behind the crate's `parquet` feature; without it every function here
//! answers [`ReportError::NoParquet`], so that callers need no feature of their own.

use std::path::Path;

use chrono::{DateTime, Utc};
use quartier_model::TableFormat;
use quartier_timeseries::Axis;

use crate::ReportError;

/// The values of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// Instants (UTC).
    Time(Vec<DateTime<Utc>>),
    /// Numbers, none missing.
    Number(Vec<f64>),
    /// Numbers, some missing.
    OptNumber(Vec<Option<f64>>),
    /// Whole numbers.
    Integer(Vec<i64>),
    /// Yes/no values, some missing.
    Flag(Vec<Option<bool>>),
    /// Text, some missing.
    Text(Vec<Option<String>>),
    /// Exact decimal numbers (money), some missing: each the whole number of
    /// 10^-`scale` units (Parquet `DECIMAL(18, scale)`; pandas reads `decimal.Decimal`).
    Decimal {
        /// Digits after the decimal point.
        scale: u32,
        /// The values times 10^`scale`.
        unscaled: Vec<Option<i64>>,
    },
}

impl ColumnData {
    fn len(&self) -> usize {
        match self {
            ColumnData::Time(v) => v.len(),
            ColumnData::Number(v) => v.len(),
            ColumnData::OptNumber(v) => v.len(),
            ColumnData::Integer(v) => v.len(),
            ColumnData::Flag(v) => v.len(),
            ColumnData::Text(v) => v.len(),
            ColumnData::Decimal { unscaled, .. } => unscaled.len(),
        }
    }
}

/// One named column of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Its name (with its unit: `pv_kwh`).
    pub name: String,
    /// Its values.
    pub data: ColumnData,
}

#[cfg(feature = "parquet")]
mod encoder {
    //! The `parquet` crate's column writer, one row group.

    use std::path::Path;
    use std::sync::Arc;

    use chrono::DateTime;
    use parquet::basic::{Compression, LogicalType, Repetition, TimeUnit, Type as PhysicalType};
    use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int64Type};
    use parquet::file::metadata::KeyValue;
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::types::Type;

    use super::{Column, ColumnData};
    use crate::ReportError;

    /// Digits of a decimal column: what a 64-bit whole number holds.
    const DECIMAL_PRECISION: i32 = 18;

    fn snap(v: f64) -> f64 {
        if v.abs() < 1e-12 { 0.0 } else { v }
    }

    fn failed(path: &Path) -> impl Fn(parquet::errors::ParquetError) -> ReportError + '_ {
        move |e| ReportError::Io {
            path: path.to_path_buf(),
            source: std::io::Error::other(e),
        }
    }

    /// The Parquet file of `columns` (all of one length), with `metadata` as its key–value
    /// metadata (lengths checked by the caller); `path` names it in errors.
    pub(super) fn encode(
        path: &Path,
        columns: &[Column],
        metadata: &[(&str, String)],
    ) -> Result<Vec<u8>, ReportError> {
        let err = failed(path);
        let mut fields = Vec::with_capacity(columns.len());
        for c in columns {
            let (physical, logical, repetition) = match &c.data {
                ColumnData::Time(_) => (
                    PhysicalType::INT64,
                    Some(LogicalType::timestamp(true, TimeUnit::MICROS)),
                    Repetition::REQUIRED,
                ),
                ColumnData::Number(_) => (PhysicalType::DOUBLE, None, Repetition::REQUIRED),
                ColumnData::OptNumber(_) => (PhysicalType::DOUBLE, None, Repetition::OPTIONAL),
                ColumnData::Integer(_) => (PhysicalType::INT64, None, Repetition::REQUIRED),
                ColumnData::Flag(_) => (PhysicalType::BOOLEAN, None, Repetition::OPTIONAL),
                ColumnData::Text(_) => (
                    PhysicalType::BYTE_ARRAY,
                    Some(LogicalType::String),
                    Repetition::OPTIONAL,
                ),
                ColumnData::Decimal { scale, .. } => (
                    PhysicalType::INT64,
                    Some(LogicalType::decimal(
                        i32::try_from(*scale).unwrap_or(0),
                        DECIMAL_PRECISION,
                    )),
                    Repetition::OPTIONAL,
                ),
            };
            let mut field = Type::primitive_type_builder(&c.name, physical)
                .with_repetition(repetition)
                .with_logical_type(logical);
            if let ColumnData::Decimal { scale, .. } = &c.data {
                field = field
                    .with_precision(DECIMAL_PRECISION)
                    .with_scale(i32::try_from(*scale).unwrap_or(0));
            }
            let field = field.build().map_err(&err)?;
            fields.push(Arc::new(field));
        }
        let schema = Type::group_type_builder("schema")
            .with_fields(fields)
            .build()
            .map_err(&err)?;
        let kv: Vec<KeyValue> = metadata
            .iter()
            .map(|(k, v)| KeyValue::new((*k).to_owned(), v.clone()))
            .collect();
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("quartier {}", env!("CARGO_PKG_VERSION")))
            .set_key_value_metadata((!kv.is_empty()).then_some(kv))
            .build();
        let mut writer = SerializedFileWriter::new(Vec::new(), Arc::new(schema), Arc::new(props))
            .map_err(&err)?;
        let mut group = writer.next_row_group().map_err(&err)?;
        for c in columns {
            let Some(mut col) = group.next_column().map_err(&err)? else {
                break;
            };
            match &c.data {
                ColumnData::Time(v) => {
                    let micros: Vec<i64> = v.iter().map(DateTime::timestamp_micros).collect();
                    col.typed::<Int64Type>()
                        .write_batch(&micros, None, None)
                        .map_err(&err)?;
                }
                ColumnData::Number(v) => {
                    let values: Vec<f64> = v.iter().copied().map(snap).collect();
                    col.typed::<DoubleType>()
                        .write_batch(&values, None, None)
                        .map_err(&err)?;
                }
                ColumnData::OptNumber(v) => {
                    let values: Vec<f64> = v.iter().flatten().copied().map(snap).collect();
                    let levels: Vec<i16> = v.iter().map(|x| i16::from(x.is_some())).collect();
                    col.typed::<DoubleType>()
                        .write_batch(&values, Some(&levels), None)
                        .map_err(&err)?;
                }
                ColumnData::Integer(v) => {
                    col.typed::<Int64Type>()
                        .write_batch(v, None, None)
                        .map_err(&err)?;
                }
                ColumnData::Flag(v) => {
                    let values: Vec<bool> = v.iter().flatten().copied().collect();
                    let levels: Vec<i16> = v.iter().map(|x| i16::from(x.is_some())).collect();
                    col.typed::<BoolType>()
                        .write_batch(&values, Some(&levels), None)
                        .map_err(&err)?;
                }
                ColumnData::Text(v) => {
                    let values: Vec<ByteArray> = v
                        .iter()
                        .flatten()
                        .map(|s| ByteArray::from(s.as_str()))
                        .collect();
                    let levels: Vec<i16> = v.iter().map(|x| i16::from(x.is_some())).collect();
                    col.typed::<ByteArrayType>()
                        .write_batch(&values, Some(&levels), None)
                        .map_err(&err)?;
                }
                ColumnData::Decimal { unscaled, .. } => {
                    let values: Vec<i64> = unscaled.iter().flatten().copied().collect();
                    let levels: Vec<i16> =
                        unscaled.iter().map(|x| i16::from(x.is_some())).collect();
                    col.typed::<Int64Type>()
                        .write_batch(&values, Some(&levels), None)
                        .map_err(&err)?;
                }
            }
            col.close().map_err(&err)?;
        }
        group.close().map_err(&err)?;
        writer.into_inner().map_err(&err)
    }
}

/// The Parquet file of `columns` (all of one length), with `metadata` as its key–value
/// metadata; `path` names it in errors. [`ReportError::NoParquet`] in a build without
/// Parquet.
pub fn parquet_bytes(
    path: &Path,
    columns: &[Column],
    metadata: &[(&str, String)],
) -> Result<Vec<u8>, ReportError> {
    let rows = columns.first().map_or(0, |c| c.data.len());
    if let Some(c) = columns.iter().find(|c| c.data.len() != rows) {
        return Err(ReportError::Length {
            name: c.name.clone(),
            len: c.data.len(),
            axis_len: rows,
        });
    }
    #[cfg(feature = "parquet")]
    return encoder::encode(path, columns, metadata);
    #[cfg(not(feature = "parquet"))]
    {
        let _ = metadata;
        Err(ReportError::NoParquet(path.to_path_buf()))
    }
}

/// Writes [`parquet_bytes`] to the file `path`.
pub fn write_parquet(
    path: &Path,
    columns: &[Column],
    metadata: &[(&str, String)],
) -> Result<(), ReportError> {
    let bytes = parquet_bytes(path, columns, metadata)?;
    std::fs::write(path, bytes).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Writes a district's time series to `path` in `format`: `timeseries.csv`'s layout, or
/// [`write_timeseries_parquet`] (with `metadata`).
pub fn write_timeseries(
    path: &Path,
    format: TableFormat,
    axis: &Axis,
    columns: &[(String, &[f64])],
    metadata: &[(&str, String)],
) -> Result<(), ReportError> {
    match format {
        TableFormat::Csv => crate::write_timeseries_csv(path, axis, columns),
        TableFormat::Parquet => write_timeseries_parquet(path, axis, columns, metadata),
    }
}

/// Writes a district's time series as Parquet: `time_utc` (the start of each step), then one
/// column per flow, as in `timeseries.csv`.
pub fn write_timeseries_parquet(
    path: &Path,
    axis: &Axis,
    columns: &[(String, &[f64])],
    metadata: &[(&str, String)],
) -> Result<(), ReportError> {
    let mut table = Vec::with_capacity(columns.len() + 1);
    table.push(Column {
        name: "time_utc".into(),
        data: ColumnData::Time(axis.times().collect()),
    });
    crate::csv_out::check_lengths(axis, columns)?;
    for (name, values) in columns {
        table.push(Column {
            name: name.clone(),
            data: ColumnData::Number(values.to_vec()),
        });
    }
    let mut meta = vec![("step_minutes", axis.step().minutes().to_string())];
    meta.extend(metadata.iter().cloned());
    write_parquet(path, &table, &meta)
}

#[cfg(all(test, feature = "parquet"))]
mod tests {
    use super::*;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;

    fn col(name: &str, data: ColumnData) -> Column {
        Column {
            name: name.into(),
            data,
        }
    }

    #[test]
    fn a_written_table_reads_back_with_its_types_and_nulls() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let t0: DateTime<Utc> = "2025-03-30T00:45:00Z".parse().unwrap();
        let columns = vec![
            Column {
                name: "time_utc".into(),
                data: ColumnData::Time(vec![t0, t0 + chrono::Duration::minutes(15)]),
            },
            col("kwp", ColumnData::Number(vec![100.0, 250.0])),
            col("battery", ColumnData::OptNumber(vec![None, Some(200.0)])),
            col(
                "weather",
                ColumnData::Text(vec![Some("a.csv".into()), None]),
            ),
            col("cyclic", ColumnData::Flag(vec![Some(true), None])),
            Column {
                name: "scenario".into(),
                data: ColumnData::Integer(vec![0, 1]),
            },
            col(
                "bills_eur",
                ColumnData::Decimal {
                    scale: 4,
                    unscaled: vec![Some(12_345_678), None],
                },
            ),
        ];
        write_parquet(&path, &columns, &[("sweep", "s".into())]).unwrap();
        let reader = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
        let meta = reader.metadata().file_metadata();
        assert_eq!(meta.num_rows(), 2);
        let kv = meta.key_value_metadata().unwrap();
        assert!(
            kv.iter()
                .any(|k| k.key == "sweep" && k.value.as_deref() == Some("s"))
        );
        let rows: Vec<_> = reader
            .get_row_iter(None)
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let first: Vec<(String, Field)> = rows[0]
            .get_column_iter()
            .map(|(n, f)| (n.clone(), f.clone()))
            .collect();
        assert_eq!(
            first[0].1,
            Field::TimestampMicros(t0.timestamp_micros()),
            "instants are UTC microseconds"
        );
        assert_eq!(first[1].1, Field::Double(100.0));
        assert_eq!(first[2].1, Field::Null, "an empty cell is missing");
        assert_eq!(first[3].1, Field::Str("a.csv".into()));
        assert_eq!(first[4].1, Field::Bool(true));
        assert_eq!(first[5].1, Field::Long(0));
        assert_eq!(
            first[6].1.to_string(),
            "1234.5678",
            "money is an exact decimal"
        );
        let schema = reader.metadata().file_metadata().schema_descr();
        assert_eq!(
            (
                schema.column(6).type_precision(),
                schema.column(6).type_scale()
            ),
            (18, 4)
        );
        let second: Vec<Field> = rows[1].get_column_iter().map(|(_, f)| f.clone()).collect();
        assert_eq!(second[1], Field::Double(250.0));
        assert_eq!(second[2], Field::Double(200.0));
        assert_eq!(second[3], Field::Null);
        assert_eq!(second[4], Field::Null);
        assert_eq!(second[6], Field::Null);
    }

    #[test]
    fn columns_of_unequal_length_are_refused_before_the_file_is_made() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        let columns = vec![
            col("a", ColumnData::Number(vec![1.0, 2.0])),
            col("b", ColumnData::Number(vec![1.0])),
        ];
        let e = write_parquet(&path, &columns, &[]).unwrap_err();
        assert!(e.to_string().contains('b'), "{e}");
        assert!(!path.exists());
    }
}

//! Wire formats of simulation results: the per-step `timeseries.csv` (or Parquet, with the
//! `parquet` feature), `kpis.json` and the printed KPI table, and atomic writing of an output directory (a temporary sibling folder,
//! renamed into place once everything is written, so an interrupted run never leaves a
//! half-written result).
//!
//! This crate knows nothing of CLI flags, SQL or HTTP.
#![deny(missing_docs)]

pub mod assets;
mod atomic;
mod bills;
pub mod community;
mod csv_out;
pub mod dispatch;
mod evaluation;
pub mod evaluation_charts;
pub mod experiment;
mod fixed;
mod kpis;
mod language;
pub mod open_data;
pub mod operator;
mod parquet_out;
pub mod portfolio;
mod printable;
pub mod programme;
pub mod sizing;
pub mod svg;
pub mod sweep;
mod warning;

pub use atomic::OutputDir;
pub use bills::{
    LedgerError, ShareOutputs, StatementChoice, allocation_csv, coefficients_csv,
    english_statement_file_name, invoice_html_in, invoice_kept_in, invoice_lines_csv,
    invoice_pdf_in, invoices_csv, kept_document_html, kept_document_pdf, ledger_csv, pdf_file_name,
    read_ledger, settlement_csv, statement_file_name, statement_html_in, statement_pdf_in,
    write_invoices, write_share_outputs, write_share_outputs_with,
};
pub use csv_out::{timeseries_csv, write_timeseries_csv};
pub use evaluation::{
    BaselineFit, DataCoverage, DataPeriod, DataSeries, EnergyResults, ExperimentResults,
    Observations, energy_warnings, evaluation_html, evaluation_json, programme_csv, programme_html,
    savings_csv,
};
pub use kpis::{kpi_rows, kpi_table, kpis_json};
pub use language::Language;
pub use parquet_out::{
    Column, ColumnData, parquet_bytes, write_parquet, write_timeseries, write_timeseries_parquet,
};
pub use warning::Warning;

/// Errors while writing results.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// An I/O error on a path.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A CSV error on a path.
    #[error("{path}: {source}")]
    Csv {
        /// The path.
        path: std::path::PathBuf,
        /// The cause.
        source: csv::Error,
    },
    /// Parquet asked of a build without it.
    #[error(
        "{0}: this quartier was built without Parquet: build it with its default features, or \
         choose CSV (--format csv; format = \"csv\" in a sweep file)"
    )]
    NoParquet(std::path::PathBuf),
    /// Columns of different lengths.
    #[error("column {name} has {len} values for an axis of {axis_len} steps")]
    Length {
        /// Column name.
        name: String,
        /// Its length.
        len: usize,
        /// Axis length.
        axis_len: usize,
    },
}

/// The style sheets inside the HTML pages this crate writes (bills, asset plan, evaluation
/// report), exactly as embedded: a server that serves those pages under a Content Security
/// Policy allows each by its hash.
pub const STYLE_SHEETS: [&str; 3] = [bills::CSS, assets::CSS, evaluation::CSS];

#[cfg(test)]
pub(crate) mod test_cases {
    //! Small districts shared by the unit tests.

    use quartier_sim::testkit::{Case, battery};

    /// A day at 60 min: a hall using 3 kWh an hour, a roof giving 8 kWh an hour from 9 to
    /// 17 h, and a 20 kWh / 5 kW battery.
    pub(crate) fn sunny_day() -> Case {
        let mut case = Case::new(60, 24, 100.0, 100.0);
        let pv: Vec<f64> = (0..24)
            .map(|h| if (9..17).contains(&h) { 8.0 } else { 0.0 })
            .collect();
        case.load("hall", vec![3.0; 24])
            .pv("roof", pv)
            .battery(battery("b", 20.0, 5.0));
        case
    }
}

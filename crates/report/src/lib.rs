//! Wire formats of results: timeseries CSV, KPI JSON and printed tables.
#![deny(missing_docs)]

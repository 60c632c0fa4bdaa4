#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use quartier_timeseries::{parse_pvgis_hourly_csv, parse_pvgis_tmy_csv};

fuzz_target!(|text: &str| {
    let _ = parse_pvgis_tmy_csv(text, Path::new("fuzz.csv"));
    let _ = parse_pvgis_hourly_csv(text, Path::new("fuzz.csv"));
});

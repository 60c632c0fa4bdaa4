#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use quartier_timeseries::{parse_pvgis_hourly_json, parse_pvgis_tmy_json};

fuzz_target!(|text: &str| {
    let _ = parse_pvgis_tmy_json(text, Path::new("fuzz.json"));
    let _ = parse_pvgis_hourly_json(text, Path::new("fuzz.json"));
});

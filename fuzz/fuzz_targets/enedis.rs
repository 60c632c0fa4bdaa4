#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use quartier_timeseries::{FillPolicy, parse_enedis};

fuzz_target!(|text: &str| {
    let _ = parse_enedis(text, Path::new("fuzz.csv"), FillPolicy::None);
    let _ = parse_enedis(text, Path::new("fuzz.csv"), FillPolicy::Previous);
});

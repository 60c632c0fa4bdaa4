#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use quartier_timeseries::{CsvOptions, FillPolicy, IntervalLabel, Quantity, parse_csv};

fuzz_target!(|text: &str| {
    let plain = CsvOptions::default();
    let _ = parse_csv(text, Path::new("fuzz.csv"), &plain);
    let filled = CsvOptions {
        label: IntervalLabel::End,
        fill: FillPolicy::Linear,
        quantity: Quantity::PowerKw,
        ..CsvOptions::default()
    };
    let _ = parse_csv(text, Path::new("fuzz.csv"), &filled);
});

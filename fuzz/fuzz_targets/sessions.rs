#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use quartier_timeseries::{SessionOptions, parse_sessions};

fuzz_target!(|text: &str| {
    let _ = parse_sessions(text, Path::new("fuzz.csv"), &SessionOptions::default());
    let lenient = SessionOptions {
        timezone: chrono_tz::Europe::Oslo,
        skip_invalid_rows: true,
    };
    let _ = parse_sessions(text, Path::new("fuzz.csv"), &lenient);
});

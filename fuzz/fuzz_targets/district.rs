#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;

// The district file parser: any text either parses or yields diagnostics, never a panic.
fuzz_target!(|text: &str| {
    let _ = quartier_model::parse_district(text, Path::new("/nonexistent/fuzz/district.toml"));
});

#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use quartier_timeseries::parse_epw;

fuzz_target!(|text: &str| {
    if let Ok((w, _)) = parse_epw(text, Path::new("fuzz.epw")) {
        // A weather that parses must also resample and map onto another year without panicking.
        let _ = w.resample(quartier_timeseries::Step::MIN15);
        let _ = w.onto_axis_typical(&w.axis);
    }
});

#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use quartier_timeseries::FillPolicy;
use quartier_timeseries::weather_csv::{WeatherCsvOptions, parse_weather_csv};

fuzz_target!(|text: &str| {
    let _ = parse_weather_csv(text, Path::new("fuzz.csv"), &WeatherCsvOptions::default());
    let filled = WeatherCsvOptions {
        fill: FillPolicy::LinearUpTo(4),
        ..WeatherCsvOptions::default()
    };
    let _ = parse_weather_csv(text, Path::new("fuzz.csv"), &filled);
});

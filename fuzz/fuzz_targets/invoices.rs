#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use quartier_timeseries::{InvoiceOptions, PeriodEnd, parse_invoices};

fuzz_target!(|text: &str| {
    let _ = parse_invoices(text, Path::new("fuzz.csv"), &InvoiceOptions::default());
    let exclusive = InvoiceOptions {
        period_end: PeriodEnd::Exclusive,
        allow_negative: true,
        ..InvoiceOptions::default()
    };
    let _ = parse_invoices(text, Path::new("fuzz.csv"), &exclusive);
});

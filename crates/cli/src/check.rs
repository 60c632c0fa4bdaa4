//! `quartier check FILE`: validates a district file and the data it references, and reports
//! every problem at once as `FILE:LINE:COL: path.to.field: message (expected …)`.

use std::path::PathBuf;

use crate::Outcome;
use crate::run::{Ui, load_district};

/// Arguments of `quartier check`.
#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// The district file (TOML).
    pub file: PathBuf,
}

/// Runs the check.
pub fn run(args: &CheckArgs, ui: &Ui) -> anyhow::Result<Outcome> {
    match load_district(&args.file, ui)? {
        Some(loaded) => {
            let d = &loaded.district;
            ui.say(&format!(
                "{}: ok — {} participants, {} loads, {} PV systems, {} batteries, {} steps of {} from {} to {} (UTC)",
                args.file.display(),
                d.participants.len(),
                d.loads.len(),
                d.pv_systems.len(),
                d.batteries.len(),
                d.axis.len(),
                d.axis.step(),
                d.axis.start().format("%Y-%m-%d %H:%M"),
                d.axis.end().format("%Y-%m-%d %H:%M"),
            ));
            Ok(Outcome::Success)
        }
        None => Ok(Outcome::InvalidDistrict),
    }
}

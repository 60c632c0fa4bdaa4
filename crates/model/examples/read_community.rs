//! Reads a community file and every member's curve, and says how long it took: the reading
//! alone, as `quartier share allocate` does it (bench/share/pipeline/run.sh compares it with
//! `pandas.read_csv`).
//!
//! ```sh
//! cargo run --release -p quartier-model --example read_community -- community.toml
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: read_community COMMUNITY.toml");
        return ExitCode::from(2);
    };
    let start = std::time::Instant::now();
    match quartier_model::read_community(&path) {
        Ok(c) => {
            let values = c.community.axis().len()
                * (c.community.consumers().len() + c.community.producers().len());
            eprintln!(
                "read {} members, {values} values: {:.2} s",
                c.members.len(),
                start.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

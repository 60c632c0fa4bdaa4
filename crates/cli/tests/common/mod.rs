//! What the end-to-end tests of the `quartier` binary share: running it, reading what it
//! printed, and the demo districts adapted in a temporary folder.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the binary with `args` and waits for it.
pub fn quartier(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_quartier"))
        .args(args)
        .output()
        .expect("the quartier binary runs")
}

/// The repository's `examples/` folder.
pub fn examples() -> PathBuf {
    quartier_testdata::repo_root().join("examples")
}

/// What the command printed on standard error.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// What the command printed on standard output.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The HydroSeine example written to `dir/district.toml` with its data paths made absolute
/// and its `[time]` section replaced by `time`.
pub fn hydroseine_with_time(dir: &Path, time: &str) -> PathBuf {
    let text = std::fs::read_to_string(examples().join("hydroseine.toml")).unwrap();
    let data = examples().join("data");
    let start = text.find("[time]").unwrap();
    let end = text.find("[weather]").unwrap();
    let text = format!("{}{}\n\n{}", &text[..start], time, &text[end..])
        .replace("\"data/", &format!("\"{}/", data.display()));
    let path = dir.join("district.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A CSV file the binary wrote, whose cells hold no comma: its header and its rows.
pub fn csv_table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect());
    let head = lines.next().unwrap_or_default();
    (head, lines.collect())
}

/// `quartier -q simulate FILE --out OUT`, which must succeed.
pub fn simulate_ok(file: &Path, out: &Path) {
    let o = quartier(&[
        "-q",
        "simulate",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}: {}", file.display(), stderr(&o));
}

//! Test-only access to the real data files in `../shared/data/` (beside the repository).
//!
//! Some real data may not be committed (see that folder's README), so tests read it from
//! there. On a user's fresh clone the folder may be absent: [`shared_file`] then prints why
//! the test is skipped and returns `None`. When `QUARTIER_REQUIRE_SHARED_DATA=1` (CI), a
//! missing file is a failure instead.
//!
//! It also holds what the server tests of several crates share: [`http`], a tiny blocking
//! HTTP/1.1 client and a free port, and [`browser`], headless Chromium through chromedriver
//! (skipped without it, unless `QUARTIER_REQUIRE_BROWSER=1`).
#![deny(missing_docs)]

pub mod browser;
pub mod http;

use std::path::PathBuf;

/// The shared data folder: `$QUARTIER_SHARED_DATA` if set, else `<repo>/../shared/data`.
pub fn shared_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("QUARTIER_SHARED_DATA") {
        return PathBuf::from(dir);
    }
    // crates/testdata → repo root → its parent
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

/// True when CI demands the shared data (`QUARTIER_REQUIRE_SHARED_DATA=1`).
pub fn required() -> bool {
    std::env::var("QUARTIER_REQUIRE_SHARED_DATA").is_ok_and(|v| v == "1")
}

/// Path of `name` in the shared data folder, or `None` (with a printed reason) when it is
/// absent and not required.
///
/// # Panics
/// When the file is absent and `QUARTIER_REQUIRE_SHARED_DATA=1`: CI must not skip silently.
pub fn shared_file(name: &str) -> Option<PathBuf> {
    let path = shared_dir().join(name);
    if path.is_file() {
        return Some(path);
    }
    if required() {
        panic!(
            "QUARTIER_REQUIRE_SHARED_DATA=1 but {} is missing",
            path.display()
        );
    }
    eprintln!(
        "skipped: {} is absent (the shared data folder is not beside this clone)",
        path.display()
    );
    None
}

/// The repository root (for tests that read embedded examples).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

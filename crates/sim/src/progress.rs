//! A progress hook for long runs. The library never prints: callers (CLI progress bars, web
//! job tables) receive `(done, total)` through [`Progress`] and show it as they like.

/// Receives progress reports: `done` of `total` units of work (steps for a simulation).
///
/// Any `FnMut(usize, usize)` closure is a `Progress`; [`NoProgress`] ignores reports.
pub trait Progress {
    /// `done` units of `total` are finished (`done ≤ total`; the last report has
    /// `done == total`).
    fn progress(&mut self, done: usize, total: usize);
}

impl<F: FnMut(usize, usize)> Progress for F {
    fn progress(&mut self, done: usize, total: usize) {
        self(done, total)
    }
}

/// A progress hook that ignores every report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn progress(&mut self, _done: usize, _total: usize) {}
}

//! Diagnostics that say where a problem is in a district file, and the [`SourceMap`] that
//! remembers where each component and field was written so that problems found later
//! (while loading the files a district references) can point back at the field.
//!
//! A [`Diagnostic`] displays as `FILE:LINE:COL: path.to.field: message (expected …)`, with
//! 1-based line and column (counted in characters). Paths index arrays of tables from 0:
//! `pv[1].tilt_deg` is the `tilt_deg` of the second `[[pv]]`.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// A 1-based line and column (the column counts characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column, from 1.
    pub column: usize,
}

/// One problem in a district file or in a file it references.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The district file.
    pub file: PathBuf,
    /// Where in it; `None` for problems with the whole file (missing, unreadable, empty).
    pub position: Option<Position>,
    /// Dotted path of the field, e.g. `pv[1].tilt_deg`; empty for the whole file.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// What was expected, when that helps.
    pub expected: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.file.display())?;
        if let Some(p) = self.position {
            write!(f, "{}:{}:", p.line, p.column)?;
        }
        if !self.path.is_empty() {
            write!(f, " {}:", self.path)?;
        }
        write!(f, " {}", self.message)?;
        if let Some(e) = &self.expected {
            write!(f, " (expected {e})")?;
        }
        Ok(())
    }
}

/// Every problem found in one pass, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render())]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    fn render(&self) -> String {
        self.0
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Number of problems.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is no problem.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over the problems.
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

/// Byte offsets of line starts, to turn byte spans into lines and columns. Shared by every
/// TOML reader that reports [`Position`]s (the model's files, the asset registry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    text: String,
    starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes the line starts of `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            text: text.to_owned(),
            starts,
        }
    }

    /// Position of byte offset `at` (clamped to the text).
    pub fn position(&self, at: usize) -> Position {
        let at = at.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= at).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .text
            .get(start..at)
            .map_or(at - start, |s| s.chars().count())
            + 1;
        Position { line, column }
    }
}

/// Where each component and field of a district was written: byte spans keyed by dotted
/// path (`pv[1]` for the `[[pv]]` header, `pv[1].tilt_deg` for the value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceMap {
    file: PathBuf,
    lines: LineIndex,
    spans: BTreeMap<String, Range<usize>>,
}

impl SourceMap {
    pub(crate) fn new(file: &Path, text: &str) -> SourceMap {
        SourceMap {
            file: file.to_path_buf(),
            lines: LineIndex::new(text),
            spans: BTreeMap::new(),
        }
    }

    pub(crate) fn insert(&mut self, path: String, span: Range<usize>) {
        self.spans.entry(path).or_insert(span);
    }

    /// The district file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// Byte span of the value at `path`, if it was written.
    pub fn span(&self, path: &str) -> Option<Range<usize>> {
        self.spans.get(path).cloned()
    }

    /// Line and column of `path`, or of its nearest written parent (`pv[1]` for a default
    /// `pv[1].albedo`).
    pub fn position(&self, path: &str) -> Option<Position> {
        let mut p = path;
        loop {
            if let Some(span) = self.spans.get(p) {
                return Some(self.lines.position(span.start));
            }
            let cut = p.rfind(['.', '['])?;
            p = p.get(..cut)?;
        }
    }

    /// Line and column of a byte offset in the district file.
    pub fn position_of(&self, offset: usize) -> Position {
        self.lines.position(offset)
    }

    /// A diagnostic located at `path` (or its nearest written parent).
    pub fn diagnostic(
        &self,
        path: &str,
        message: impl Into<String>,
        expected: Option<String>,
    ) -> Diagnostic {
        Diagnostic {
            file: self.file.clone(),
            position: self.position(path),
            path: path.to_owned(),
            message: message.into(),
            expected,
        }
    }

    /// Every recorded path, in lexical order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.spans.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let li = LineIndex::new("ab\nçé = 1\n");
        assert_eq!(li.position(0), Position { line: 1, column: 1 });
        assert_eq!(li.position(3), Position { line: 2, column: 1 });
        // "çé" is 4 bytes, 2 characters: the space after it is column 3.
        assert_eq!(li.position(7), Position { line: 2, column: 3 });
        assert_eq!(li.position(1000).line, 3);
    }

    #[test]
    fn display_has_the_documented_form() {
        let d = Diagnostic {
            file: PathBuf::from("d.toml"),
            position: Some(Position { line: 3, column: 7 }),
            path: "pv[0].tilt_deg".into(),
            message: "95 is out of range".into(),
            expected: Some("0 ≤ tilt_deg ≤ 90".into()),
        };
        assert_eq!(
            d.to_string(),
            "d.toml:3:7: pv[0].tilt_deg: 95 is out of range (expected 0 ≤ tilt_deg ≤ 90)"
        );
    }
}

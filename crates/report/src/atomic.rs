//! Atomic output directories: write everything into a hidden temporary sibling, then rename it
//! over the target. A run that fails or is killed leaves the previous result untouched.

use std::path::{Path, PathBuf};

use crate::ReportError;

/// An output directory being written. Call [`OutputDir::commit`] when everything is written;
/// dropping it uncommitted removes the temporary folder.
#[derive(Debug)]
pub struct OutputDir {
    target: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

impl OutputDir {
    /// Starts writing `target` (created or replaced on commit), in the hidden sibling
    /// `.NAME.tmp-PID`.
    pub fn create(target: &Path) -> Result<OutputDir, ReportError> {
        Self::create_tagged(target, None)
    }

    /// [`OutputDir::create`], the temporary folder named `.NAME.tmp-TAG-PID` (a tag such as
    /// the machine's name says whose process it was, when several machines write into one
    /// shared folder).
    pub fn create_tagged(target: &Path, tag: Option<&str>) -> Result<OutputDir, ReportError> {
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|source| ReportError::Io {
            path: parent.clone(),
            source,
        })?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let pid = std::process::id();
        let tmp = parent.join(match tag {
            Some(tag) => format!(".{name}.tmp-{tag}-{pid}"),
            None => format!(".{name}.tmp-{pid}"),
        });
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(|source| ReportError::Io {
                path: tmp.clone(),
                source,
            })?;
        }
        std::fs::create_dir_all(&tmp).map_err(|source| ReportError::Io {
            path: tmp.clone(),
            source,
        })?;
        Ok(OutputDir {
            target: target.to_path_buf(),
            tmp,
            committed: false,
        })
    }

    /// Path of `name` inside the temporary folder (write files there).
    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.join(name)
    }

    /// Writes `contents` to `name`.
    pub fn write(&self, name: &str, contents: &[u8]) -> Result<(), ReportError> {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ReportError::Io {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        std::fs::write(&p, contents).map_err(|source| ReportError::Io { path: p, source })
    }

    /// Writes `name` by streaming: `fill` writes into a buffered file, so that a large file is
    /// never built in memory first.
    pub fn write_with(
        &self,
        name: &str,
        fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<(), ReportError> {
        let p = self.path(name);
        let io = |p: &Path| {
            let p = p.to_path_buf();
            move |source| ReportError::Io { path: p, source }
        };
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let file = std::fs::File::create(&p).map_err(io(&p))?;
        let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
        fill(&mut w).map_err(io(&p))?;
        std::io::Write::flush(&mut w).map_err(io(&p))
    }

    /// Moves the finished folder into place, replacing a previous result.
    pub fn commit(mut self) -> Result<PathBuf, ReportError> {
        if self.target.exists() {
            // `.NAME.tmp-TAG-PID.old`: this process's own (a tag may hold dots, which
            // `with_extension` would cut at).
            let mut old = self.tmp.clone().into_os_string();
            old.push(".old");
            let old = PathBuf::from(old);
            std::fs::rename(&self.target, &old).map_err(|source| ReportError::Io {
                path: self.target.clone(),
                source,
            })?;
            std::fs::rename(&self.tmp, &self.target).map_err(|source| ReportError::Io {
                path: self.target.clone(),
                source,
            })?;
            let _ = std::fs::remove_dir_all(&old);
        } else {
            std::fs::rename(&self.tmp, &self.target).map_err(|source| ReportError::Io {
                path: self.target.clone(),
                source,
            })?;
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_output_leaves_previous_result() {
        let root = std::env::temp_dir().join(format!("quartier-atomic-{}", std::process::id()));
        let target = root.join("out");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("kpis.json"), b"old").unwrap();
        {
            let o = OutputDir::create(&target).unwrap();
            o.write("kpis.json", b"new").unwrap();
            // dropped without commit, as when a run fails half-way
        }
        assert_eq!(std::fs::read(target.join("kpis.json")).unwrap(), b"old");
        let o = OutputDir::create(&target).unwrap();
        o.write("kpis.json", b"new").unwrap();
        o.commit().unwrap();
        assert_eq!(std::fs::read(target.join("kpis.json")).unwrap(), b"new");
        let leftovers: Vec<_> = std::fs::read_dir(&root).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary folder left behind");
        std::fs::remove_dir_all(&root).unwrap();
    }
}

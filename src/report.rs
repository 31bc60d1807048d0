//! Output files, written atomically: each goes to a temporary file in the output folder, is
//! flushed and synced, then renamed into place. `summary.json` is removed first and renamed in
//! last, so its presence marks a complete, consistent set of outputs: a killed run leaves either
//! the previous complete result or files without a summary, never a half-written file.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::{Error, Result};

/// An output file being written in `dir`, invisible under its final name until [`Output::finish`].
pub struct Output {
    path: PathBuf,
    writer: BufWriter<NamedTempFile>,
}

impl Output {
    /// Starts writing `dir/name`.
    ///
    /// # Errors
    /// The folder is not writable.
    pub fn create(dir: &Path, name: &str) -> Result<Output> {
        let path = dir.join(name);
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|source| Error::Output {
                path: path.clone(),
                source,
            })?;
        Ok(Output {
            path,
            writer: BufWriter::with_capacity(1 << 20, tmp),
        })
    }

    /// Writes raw bytes.
    ///
    /// # Errors
    /// The disk is full or the file cannot be written.
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.writer.write_all(bytes).map_err(|source| Error::Output {
            path: self.path.clone(),
            source,
        })
    }

    /// Writes one JSON value and a line end.
    ///
    /// # Errors
    /// As [`Output::write`].
    pub fn json_line<T: serde::Serialize>(&mut self, value: &T) -> Result<()> {
        serde_json::to_writer(&mut self.writer, value).map_err(|e| Error::Output {
            path: self.path.clone(),
            source: e.into(),
        })?;
        self.write(b"\n")
    }

    /// Flushes and syncs the temporary file; the result is renamed into place by [`Pending::commit`].
    ///
    /// # Errors
    /// As [`Output::write`].
    pub fn finish(self) -> Result<Pending> {
        let path = self.path;
        let tmp = self.writer.into_inner().map_err(|e| Error::Output {
            path: path.clone(),
            source: e.into_error(),
        })?;
        // Temporary files are created 0600; outputs are ordinary files others may read.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644));
        }
        tmp.as_file().sync_all().map_err(|source| Error::Output {
            path: path.clone(),
            source,
        })?;
        Ok(Pending { path, tmp })
    }
}

/// A complete output file waiting to be renamed into place.
pub struct Pending {
    path: PathBuf,
    tmp: NamedTempFile,
}

impl Pending {
    /// Renames the file into place (atomic on one filesystem).
    ///
    /// # Errors
    /// The rename failed.
    pub fn commit(self) -> Result<()> {
        let path = self.path;
        self.tmp.persist(&path).map_err(|e| Error::Output {
            path: path.clone(),
            source: e.error,
        })?;
        Ok(())
    }
}

/// Commits `files` and then `summary`, after removing any previous summary, and syncs the folder.
///
/// # Errors
/// A rename failed; the old summary is then already gone, so the folder does not look complete.
pub fn commit_all(dir: &Path, files: Vec<Pending>, summary: Pending) -> Result<()> {
    let old = dir.join("summary.json");
    match std::fs::remove_file(&old) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => return Err(Error::Output { path: old, source }),
    }
    for f in files {
        f.commit()?;
    }
    summary.commit()?;
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Rounds a similarity to six decimals so that output is the same bytes on every platform.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_visible_before_commit() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = Output::create(dir.path(), "a.jsonl").unwrap();
        o.json_line(&serde_json::json!({"x": 1})).unwrap();
        assert!(!dir.path().join("a.jsonl").exists());
        let p = o.finish().unwrap();
        let s = Output::create(dir.path(), "summary.json").unwrap().finish().unwrap();
        commit_all(dir.path(), vec![p], s).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.jsonl")).unwrap(),
            "{\"x\":1}\n"
        );
        assert!(dir.path().join("summary.json").exists());
    }
}

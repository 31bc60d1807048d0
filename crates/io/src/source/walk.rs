//! Folders → their files, recursively, in byte order of names, each folder entered once (symlink
//! loops), with paths relative to the folder given (the id of a `.txt` record).

use std::path::{Path, PathBuf};

use storydup_core::error::{Error, Result};

/// Recursive, sorted walk of `dir` under `root`, appending (relative path, path) to `out`; never
/// enters the same directory twice (symlink loops).
pub fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>, seen: &mut Vec<PathBuf>) -> Result<()> {
    let canonical = std::fs::canonicalize(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    if seen.contains(&canonical) {
        return Ok(());
    }
    seen.push(canonical);
    let rd = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut entries: Vec<PathBuf> = Vec::new();
    for e in rd {
        let e = e.map_err(|source| Error::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        entries.push(e.path());
    }
    entries.sort();
    for p in entries {
        // A dangling link or an unreadable entry is passed over by metadata failing.
        let Ok(meta) = std::fs::metadata(&p) else { continue };
        if meta.is_dir() {
            walk(root, &p, out, seen)?;
        } else if meta.is_file() {
            let rel = relative(p.strip_prefix(root).unwrap_or(&p));
            out.push((rel, p));
        }
    }
    Ok(())
}

/// A path inside a folder as a string with `/` between its parts, on every platform.
pub fn relative(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

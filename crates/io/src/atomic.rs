//! Output files, written atomically: each goes to a temporary file in the output folder, is
//! flushed and synced, then renamed into place. `summary.json` is removed first and renamed in
//! last, so its presence marks a complete, consistent set of outputs: a killed run leaves either
//! the previous complete result or files without a summary, never a half-written file.
//!
//! # Leftovers of killed runs
//!
//! A run killed with SIGKILL cannot delete its temporary files (`.storydup.NAME.XXXXXX.tmp`) or its
//! spool folder (`.storydup-spool.XXXXXX`). The next run removes them with [`sweep`], and must
//! never remove those of another run that is still writing into the same folder. Each run holds
//! an exclusive `flock(2)` on every temporary file and spool folder it creates, from creation until
//! it is renamed or deleted; [`sweep`] removes only what it can lock itself. The kernel releases
//! a lock when its holder dies, however it dies, so a lock that can be taken belongs to a dead run.
//! This was chosen over names carrying a process id, which need a liveness check that process-id
//! reuse, pid namespaces (containers) and other users' processes make unreliable, and over one
//! lock file per folder, which would serialise runs. Creation and sweeping race safely: a creator
//! locks what it made and then checks that its path still leads to it (a sweeper may have locked
//! and deleted it in between), and if not, makes another.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::{NamedTempFile, TempDir};

use storydup_core::error::{Error, Result};

/// Name prefix of output temporary files (then the output's name, a random part and `.tmp`).
pub const TMP_PREFIX: &str = ".storydup.";
/// Name prefix of spool folders (decompressed input kept for re-reading by offset).
pub const SPOOL_PREFIX: &str = ".storydup-spool.";

/// How often a creator retries when a sweeper removed what it had just made (each retry means
/// a sweeper won a race of microseconds; three in a row do not happen by chance).
const MAX_ATTEMPTS: usize = 8;

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
        let err = |source| Error::Output {
            path: path.clone(),
            source,
        };
        for _ in 0..MAX_ATTEMPTS {
            let tmp = tempfile::Builder::new()
                .prefix(&format!("{TMP_PREFIX}{name}."))
                .suffix(".tmp")
                .tempfile_in(dir)
                .map_err(err)?;
            if hold(tmp.path(), tmp.as_file()) {
                return Ok(Output {
                    path,
                    writer: BufWriter::with_capacity(1 << 20, tmp),
                });
            }
            // A sweeper deleted it before we held it: leave the name alone (it may be reused).
            let _ = tmp.keep();
        }
        Err(err(raced()))
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

/// Takes an exclusive lock on the folder `dir` itself, waiting for it, for as long as the returned
/// file is open: writers of one folder (index updates) take turns. `None` where the folder cannot
/// be opened or the platform has no `flock`.
pub fn lock_folder(dir: &Path) -> Option<File> {
    let folder = File::open(dir).ok()?;
    matches!(flock::exclusive(&folder, true), Ok(true)).then_some(folder)
}

/// Syncs the folder itself, so that renames into it survive a crash (a no-op where folders cannot
/// be opened).
pub fn sync_folder(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Commits `files` and then `summary`, after removing any previous summary, and syncs the folder.
///
/// # Errors
/// A rename failed; the old summary is then already gone, so the folder does not look complete.
pub fn commit_all(dir: &Path, files: Vec<Pending>, summary: Pending) -> Result<()> {
    // Two runs finishing together into one folder take turns, so that the folder ends with one
    // run's complete set and never with a mix of the two under one summary. The lock is on the
    // folder itself (no lock file is left behind); where flock is not supported, no lock.
    let folder = File::open(dir).ok();
    if let Some(d) = &folder {
        let _ = flock::exclusive(d, true);
    }
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
    if let Some(d) = &folder {
        let _ = d.sync_all();
    }
    Ok(())
}

/// A run's spool folder (`.storydup-spool.XXXXXX` in the output folder), locked for as long as
/// it lives and deleted when dropped.
#[derive(Debug)]
pub struct Spool {
    // Fields drop in order: the folder is deleted while the lock is still held.
    dir: TempDir,
    _lock: File,
}

impl Spool {
    /// Removes the leftovers of dead runs from `out_dir` ([`sweep`]), then creates this run's
    /// spool folder there and locks it.
    ///
    /// # Errors
    /// The folder is not writable.
    pub fn create(out_dir: &Path) -> Result<Spool> {
        sweep(out_dir);
        let err = |source| Error::Output {
            path: out_dir.to_path_buf(),
            source,
        };
        for _ in 0..MAX_ATTEMPTS {
            let dir = tempfile::Builder::new()
                .prefix(SPOOL_PREFIX)
                .tempdir_in(out_dir)
                .map_err(err)?;
            let lock = File::open(dir.path()).map_err(err)?;
            if hold(dir.path(), &lock) {
                return Ok(Spool { dir, _lock: lock });
            }
            let _ = dir.keep();
        }
        Err(err(raced()))
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Removes from `dir` the temporary files and spool folders of storydup runs that are no longer
/// running, and returns how many it removed. Those of live runs are locked and stay. Anything it
/// cannot open, lock or remove (another user's files, a filesystem without locks) is left alone.
pub fn sweep(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let is_tmp = name.starts_with(TMP_PREFIX) && name.ends_with(".tmp");
        let is_spool = name.starts_with(SPOOL_PREFIX);
        let path = e.path();
        // Never follow a link, never open a FIFO (that would block).
        let Ok(meta) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        if !(is_tmp && meta.is_file() || is_spool && meta.is_dir()) {
            continue;
        }
        let Ok(f) = File::open(&path) else { continue };
        // Held: a live run's. Locked by us but no longer at `path`: renamed or deleted meanwhile.
        if !matches!(flock::exclusive(&f, false), Ok(true)) || !same_file(&path, &f) {
            continue;
        }
        let gone = if is_spool {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed += usize::from(gone.is_ok());
    }
    removed
}

/// Locks `file`, just created at `path`, and returns whether `path` still leads to it: false when
/// a sweeper locked it first and removed it. A filesystem without flock gives no lock, and then
/// no sweeper can lock it either.
fn hold(path: &Path, file: &File) -> bool {
    let _ = flock::exclusive(file, true);
    same_file(path, file)
}

/// Whether `path` (not followed if a link) is the file or folder open as `file`.
#[cfg(unix)]
fn same_file(path: &Path, file: &File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::symlink_metadata(path), file.metadata()) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

/// Without inode numbers, whether `path` still exists (no sweeper removes anything there, see
/// [`flock`]).
#[cfg(not(unix))]
fn same_file(path: &Path, _file: &File) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

fn raced() -> std::io::Error {
    std::io::Error::other(format!(
        "another process deleted each temporary file as it was created, {MAX_ATTEMPTS} times"
    ))
}

/// Without `flock(2)` no lock can prove its holder dead, so [`sweep`] removes nothing: leftovers
/// of killed runs stay until removed by hand, and a live run's files are never touched.
#[cfg(not(unix))]
mod flock {
    use std::fs::File;
    use std::io;

    /// Never taken.
    pub fn exclusive(_file: &File, _wait: bool) -> io::Result<bool> {
        Ok(false)
    }
}

/// Exclusive advisory locks with `flock(2)`: held by an open file, released by the kernel when
/// the last descriptor closes, including when the holder is killed.
#[cfg(unix)]
mod flock {
    use std::fs::File;
    use std::io;
    use std::os::raw::c_int;
    use std::os::unix::io::AsRawFd;

    // The same values on Linux, the BSDs and macOS.
    const LOCK_EX: c_int = 2;
    const LOCK_NB: c_int = 4;

    // std's File::lock needs Rust 1.89; the crate supports 1.85. libc is linked by std already.
    extern "C" {
        fn flock(fd: c_int, operation: c_int) -> c_int;
    }

    /// Takes an exclusive lock on `file`, waiting for it if `wait`. `Ok(false)`: held by another
    /// open file (only without `wait`).
    pub fn exclusive(file: &File, wait: bool) -> io::Result<bool> {
        let op = if wait { LOCK_EX } else { LOCK_EX | LOCK_NB };
        loop {
            // SAFETY: flock reads two integers and touches no memory of ours; `file` keeps the
            // descriptor open for the duration of the call.
            if unsafe { flock(file.as_raw_fd(), op) } == 0 {
                return Ok(true);
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => return Ok(false),
                _ => return Err(e),
            }
        }
    }
}

/// A `.txt` record as dedup keeps it, the JSON line `{"id":…,"text":…}`, written from the file's
/// bytes a block at a time, so that a file of any size costs one block of memory. Invalid UTF-8
/// becomes U+FFFD exactly as `String::from_utf8_lossy` makes it, so the bytes equal those of
/// `serde_json::json!({"id": id, "text": String::from_utf8_lossy(whole)})`.
#[derive(Debug)]
pub struct TxtLine {
    /// An unfinished UTF-8 character at the end of the last block.
    pending: Vec<u8>,
}

impl TxtLine {
    /// Starts the line of the record `id`.
    pub fn begin(id: &str, out: &mut impl FnMut(&[u8])) -> TxtLine {
        out(b"{\"id\":");
        out(serde_json::to_string(id).expect("a string serialises").as_bytes());
        out(b",\"text\":\"");
        TxtLine { pending: Vec::new() }
    }

    /// Adds the next bytes of the file.
    pub fn push(&mut self, bytes: &[u8], out: &mut impl FnMut(&[u8])) {
        self.pending.extend_from_slice(bytes);
        let mut at = 0;
        loop {
            match std::str::from_utf8(&self.pending[at..]) {
                Ok(s) => {
                    escaped(s, out);
                    at = self.pending.len();
                    break;
                }
                Err(e) => {
                    let valid = at + e.valid_up_to();
                    escaped(std::str::from_utf8(&self.pending[at..valid]).expect("checked"), out);
                    match e.error_len() {
                        Some(n) => {
                            out("\u{FFFD}".as_bytes());
                            at = valid + n;
                        }
                        // Maybe a character cut by the block end: wait for the next block.
                        None => {
                            at = valid;
                            break;
                        }
                    }
                }
            }
        }
        self.pending.drain(..at);
    }

    /// Ends the line (without the line end).
    pub fn end(self, out: &mut impl FnMut(&[u8])) {
        if !self.pending.is_empty() {
            out("\u{FFFD}".as_bytes()); // a cut character at the end of the file
        }
        out(b"\"}");
    }
}

/// The JSON string escape of `s`, without the quotes.
fn escaped(s: &str, out: &mut impl FnMut(&[u8])) {
    if s.is_empty() {
        return;
    }
    let quoted = serde_json::to_string(s).expect("a string serialises");
    out(&quoted.as_bytes()[1..quoted.len() - 1]);
}

#[cfg(all(test, unix))]
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

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn sweep_removes_what_no_live_run_holds() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // Leftovers of a dead run: nobody holds a lock on them.
        std::fs::write(d.join(".storydup.kept.jsonl.AbC123.tmp"), "partial").unwrap();
        std::fs::create_dir(d.join(".storydup-spool.XyZ789")).unwrap();
        std::fs::write(d.join(".storydup-spool.XyZ789/spool-00001.jsonl"), "{}").unwrap();
        // Not ours, or not what the name says: left alone.
        std::fs::write(d.join(".notes.tmp"), "x").unwrap();
        std::fs::write(d.join(".storydup.kept.jsonl.keep"), "x").unwrap();
        std::fs::create_dir(d.join(".storydup.dir.tmp")).unwrap();
        std::fs::create_dir(d.join("elsewhere")).unwrap();
        std::os::unix::fs::symlink(d.join("elsewhere"), d.join(".storydup-spool.link")).unwrap();
        std::fs::write(d.join("kept.jsonl"), "{}").unwrap();
        // A live run's files, locked.
        let live_out = Output::create(d, "kept.jsonl").unwrap();
        assert_eq!(sweep(d), 2);
        let live_spool = Spool::create(d).unwrap();
        let left = names(d);
        assert_eq!(left.len(), 8, "{left:?}");
        assert!(!left.contains(&".storydup.kept.jsonl.AbC123.tmp".to_string()));
        assert!(!left.contains(&".storydup-spool.XyZ789".to_string()));
        assert!(live_spool.path().is_dir());
        // A second live run sweeps too, and leaves the first one's files.
        let other_spool = Spool::create(d).unwrap();
        assert!(live_spool.path().is_dir() && live_out.writer.get_ref().path().is_file());
        assert_eq!(sweep(d), 0);
        let spool_path = live_spool.path().to_path_buf();
        drop((live_out, live_spool, other_spool));
        assert!(!spool_path.exists(), "a finished run removes its own spool");
        assert_eq!(names(d).len(), 6);
    }

    #[test]
    fn a_commit_waits_while_another_run_commits_into_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("summary.json"), "old").unwrap();
        let data = Output::create(d, "a.jsonl").unwrap().finish().unwrap();
        let summary = Output::create(d, "summary.json").unwrap().finish().unwrap();
        // Another run in the middle of its commit holds the folder's lock.
        let other = File::open(d).unwrap();
        assert!(flock::exclusive(&other, true).unwrap());
        std::thread::scope(|s| {
            let commit = s.spawn(|| commit_all(d, vec![data], summary));
            std::thread::sleep(std::time::Duration::from_millis(300));
            assert!(!commit.is_finished(), "the commit did not wait for the lock");
            assert_eq!(std::fs::read_to_string(d.join("summary.json")).unwrap(), "old");
            assert!(!d.join("a.jsonl").exists());
            drop(other);
            commit.join().unwrap().unwrap();
        });
        assert_eq!(std::fs::read_to_string(d.join("summary.json")).unwrap(), "");
        assert_eq!(names(d), ["a.jsonl", "summary.json"]);
    }

    #[test]
    fn a_file_swept_before_it_was_held_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".storydup.x.tmp");
        let f = File::create(&p).unwrap();
        std::fs::remove_file(&p).unwrap();
        assert!(!hold(&p, &f), "the path no longer leads to the file");
        std::fs::write(&p, "someone else's").unwrap();
        assert!(!hold(&p, &f), "another file under the same name is not ours");
    }

    proptest::proptest! {
        #[test]
        fn txt_line_in_blocks_equals_the_whole_serialised(
            bytes in proptest::collection::vec(proptest::prop_oneof![
                proptest::prelude::any::<u8>(),
                proptest::sample::select(vec![b'"', b'\\', b'\n', 0xE2, 0x82, 0xAC, 0xF0, 0x9F]),
            ], 0..64),
            block in 1usize..9,
        ) {
            let whole = serde_json::json!({"id": "a\"b", "text": String::from_utf8_lossy(&bytes)}).to_string();
            let mut got = Vec::new();
            let mut out = |b: &[u8]| got.extend_from_slice(b);
            let mut line = TxtLine::begin("a\"b", &mut out);
            for piece in bytes.chunks(block) {
                line.push(piece, &mut out);
            }
            line.end(&mut out);
            proptest::prop_assert_eq!(String::from_utf8(got).unwrap(), whole);
        }
    }
}

//! The start of a spool held in memory instead of written to its file.
//!
//! A spool is written once and re-read by offset (exact verification, the kept records). On a
//! run whose spool fits in memory the file write is pure cost: the kernel copies every byte into
//! the page cache (on the machine measured, up to a third of a Parquet run; see
//! results/2026-12-06-parquet-write.md). So each spool keeps its first bytes in memory while the
//! run's [`Budget`] lasts. Once a spool outgrows the budget, its file is written whole (the held
//! bytes first, then the rest as it comes), so a record that straddles the end of the held part
//! is read from the file like any other. Memory stays bounded by the budget, whatever the size of
//! the input.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// Bytes of spool a run holds in memory, over all its spools.
pub const HELD_BYTES: u64 = 256 << 20;

/// What is left of a run's memory for spools, shared by its spools.
#[derive(Debug, Clone)]
pub struct Budget(Arc<AtomicU64>);

impl Budget {
    /// A budget of `bytes`.
    pub fn new(bytes: u64) -> Budget {
        Budget(Arc::new(AtomicU64::new(bytes)))
    }

    /// Takes `n` bytes if that many are left.
    fn take(&self, n: u64) -> bool {
        self.0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(n))
            .is_ok()
    }
}

/// The held start of one spool: blocks as they were appended, in order.
#[derive(Debug)]
pub struct Held {
    budget: Budget,
    state: RwLock<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Each block with the spool offset of its first byte.
    blocks: Vec<(u64, Box<[u8]>)>,
    /// Bytes held: the spool's bytes `0..len` are in `blocks`.
    len: u64,
    /// Once a block did not fit, every later byte goes to the file.
    spilled: bool,
}

impl Held {
    /// An empty held part drawing on `budget`.
    pub fn new(budget: &Budget) -> Held {
        Held {
            budget: budget.clone(),
            state: RwLock::new(State::default()),
        }
    }

    /// Holds `bytes`, the spool's next bytes, if the budget allows and nothing was spilled yet;
    /// otherwise returns false and the caller writes them to the file.
    pub fn push(&self, bytes: &[u8]) -> bool {
        let mut s = self.state.write().expect("no holder panics holding it");
        if s.spilled || !self.budget.take(bytes.len() as u64) {
            s.spilled = true;
            return false;
        }
        let at = s.len;
        s.blocks.push((at, bytes.into()));
        s.len += bytes.len() as u64;
        true
    }

    /// Bytes held: the spool's bytes before this offset are in memory (and, once it spilled, in
    /// the file too).
    pub fn len(&self) -> u64 {
        self.state.read().expect("no holder panics holding it").len
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hands `f` the held bytes `offset..offset + len` a block at a time; false (and nothing
    /// handed) when they are not all held.
    pub fn read(&self, offset: u64, len: u64, mut f: impl FnMut(&[u8])) -> bool {
        let s = self.state.read().expect("no holder panics holding it");
        let end = offset.saturating_add(len);
        if end > s.len {
            return false;
        }
        let mut k = s
            .blocks
            .partition_point(|(start, _)| *start <= offset)
            .saturating_sub(1);
        let mut at = offset;
        while at < end {
            let (start, block) = &s.blocks[k];
            let from = (at - start) as usize;
            let to = ((end - start) as usize).min(block.len());
            f(&block[from..to]);
            at = start + to as u64;
            k += 1;
        }
        true
    }
}

/// Writes a spool: into its held part while the budget lasts, then into its file (created, with
/// the held bytes, on the first byte that is not held).
#[derive(Debug)]
pub struct SpoolWriter<'a> {
    held: Option<&'a Held>,
    path: &'a Path,
    file: Option<BufWriter<File>>,
    offset: u64,
}

impl<'a> SpoolWriter<'a> {
    /// A writer of the spool at `path`, holding what `held` takes.
    pub fn new(path: &'a Path, held: Option<&'a Held>) -> SpoolWriter<'a> {
        SpoolWriter {
            held,
            path,
            file: None,
            offset: 0,
        }
    }

    /// Appends `bytes`.
    ///
    /// # Errors
    /// The spool file cannot be created or written.
    pub fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.file.is_none() && self.held.is_some_and(|h| h.push(bytes)) {
            self.offset += bytes.len() as u64;
            return Ok(());
        }
        let file = match &mut self.file {
            Some(f) => f,
            None => {
                let mut f = BufWriter::with_capacity(1 << 20, File::create(self.path)?);
                let mut failed = Ok(());
                if let Some(h) = self.held {
                    h.read(0, h.len(), |b| {
                        if failed.is_ok() {
                            failed = f.write_all(b);
                        }
                    });
                }
                failed?;
                self.file.insert(f)
            }
        };
        file.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    /// Flushes what went to the file.
    ///
    /// # Errors
    /// The spool file cannot be written.
    pub fn finish(self) -> io::Result<()> {
        match self.file {
            Some(mut f) => f.flush(),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(h: &Held, offset: u64, len: u64) -> Option<Vec<u8>> {
        let mut v = Vec::new();
        h.read(offset, len, |b| v.extend_from_slice(b)).then_some(v)
    }

    #[test]
    fn reads_across_blocks_and_refuses_what_is_not_held() {
        let budget = Budget::new(10);
        let h = Held::new(&budget);
        assert!(h.push(b"abc"));
        assert!(h.push(b""));
        assert!(h.push(b"defg"));
        assert_eq!(h.len(), 7);
        assert_eq!(collect(&h, 0, 7).unwrap(), b"abcdefg");
        assert_eq!(collect(&h, 2, 3).unwrap(), b"cde");
        assert_eq!(collect(&h, 3, 0).unwrap(), b"");
        assert_eq!(collect(&h, 5, 3), None);
        // Over budget: refused, and so is everything after, even what would fit.
        assert!(!h.push(b"hijk"));
        assert!(!h.push(b"h"));
        assert_eq!(h.len(), 7);
        // The budget is shared: another spool has what is left.
        let other = Held::new(&budget);
        assert!(other.push(b"xyz"));
        assert!(!other.push(b"!"));
    }

    #[test]
    fn a_writer_that_spills_writes_the_whole_spool_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spool");
        let h = Held::new(&Budget::new(5));
        let mut w = SpoolWriter::new(&path, Some(&h));
        w.write(b"abc").unwrap();
        assert!(!path.exists(), "nothing spilled, no file");
        w.write(b"defg").unwrap();
        w.write(b"hi").unwrap();
        w.finish().unwrap();
        assert_eq!(h.len(), 3);
        assert_eq!(std::fs::read(&path).unwrap(), b"abcdefghi", "the file is whole");
    }
}

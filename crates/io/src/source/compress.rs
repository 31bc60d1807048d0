//! Compressed input: gzip and zstd are recognised by their first bytes (never by the file name)
//! and decompressed as they are read.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use storydup_core::error::{Error, Problem, Result};

use super::{Counted, Source, Tally};

/// How a source file is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain bytes.
    None,
    /// gzip (one or more members).
    Gzip,
    /// Zstandard.
    Zstd,
}

/// The compression of a file, from its first bytes.
pub fn sniff(path: &Path) -> Result<Compression> {
    let mut f = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut magic = [0u8; 4];
    let mut n = 0;
    while n < 4 {
        match f.read(&mut magic[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(source) => {
                return Err(Error::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }
        }
    }
    Ok(compression_of(&magic[..n]))
}

/// The compression that these first bytes announce.
pub fn compression_of(magic: &[u8]) -> Compression {
    if magic.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// Opens a source as a stream of its plain bytes; the bytes as stored (before decompression)
/// are counted into `tally` as they are read.
pub fn open_plain(src: &Source, tally: &Tally) -> io::Result<(Box<dyn Read + Send>, Compression)> {
    let mut raw: Box<dyn Read + Send> = match &src.path {
        Some(p) => Box::new(Counted::new(File::open(p)?, tally)),
        None => Box::new(Counted::new(io::stdin(), tally)),
    };
    // Peek at the magic bytes without losing them.
    let mut magic = [0u8; 4];
    let mut n = 0;
    while n < 4 {
        match raw.read(&mut magic[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let head = io::Cursor::new(magic[..n].to_vec());
    let joined: Box<dyn Read + Send> = Box::new(head.chain(raw));
    let comp = compression_of(&magic[..n]);
    let plain: Box<dyn Read + Send> = match comp {
        Compression::None => joined,
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(joined)),
        Compression::Zstd => Box::new(zstd::stream::read::Decoder::new(joined)?),
    };
    Ok((plain, comp))
}

/// The problem reported when a stream fails part-way: a compressed one is truncated or corrupt.
pub fn stream_problem(comp: Compression, e: &io::Error) -> Problem {
    let what = match comp {
        Compression::Gzip => "gzip stream is truncated or corrupt",
        Compression::Zstd => "zstd stream is truncated or corrupt",
        Compression::None => "read failed",
    };
    Problem::new(
        "unreadable_input",
        format!("{what} ({e}); the records before this point were read; re-create or re-download the file"),
    )
}

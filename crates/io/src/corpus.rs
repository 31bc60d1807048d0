//! Input files → a stream of raw records, and random access back to any record by its location.
//!
//! Inputs are JSONL files (plain, gzip or zstd, detected by their first bytes, not their names),
//! folders (walked recursively in byte order of names; `.txt` files are one record each, with the
//! path relative to the folder as id; `.jsonl*` / `.ndjson` files are read as JSONL) or `-` for
//! standard input.
//!
//! Memory stays bounded: a reader thread hands out chunks of whole lines (a few MiB) through a
//! bounded channel; a line longer than `max_doc_bytes` is skipped over without being held and
//! reported as oversized, or with [`Oversized::Truncate`] cut down as it streams by to its id and
//! the start of its text ([`crate::cut`]). Compressed input and standard input are copied, decompressed, into a
//! spool file as they are read, so that later stages can re-read any record by byte offset (exact
//! verification, copying the kept records) without holding texts in memory.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver};
use std::time::Instant;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};

use storydup_core::params::OnOversized;

use crate::cut::{txt_prefix, Cutter};
use storydup_core::error::{Error, Location, Problem, Result};

/// Bytes read per chunk handed to the signing stage.
const CHUNK_BYTES: usize = 4 << 20;

/// How a source's bytes are split into records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// One record per line.
    Jsonl,
    /// The whole file is one record.
    Txt,
}

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

/// One input file.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file as the user named it (`-` for standard input).
    pub display: String,
    /// The file to read (for `-`, nothing: standard input).
    pub path: Option<PathBuf>,
    /// Records per line or per file.
    pub kind: SourceKind,
    /// For `.txt` records: the record id (path relative to the folder given).
    pub txt_id: Option<String>,
    /// Where the decompressed bytes are kept for re-reading, when the input is compressed or stdin.
    pub spool: Option<PathBuf>,
}

impl Source {
    /// The file that holds the plain bytes at the offsets recorded for this source.
    pub fn plain_path(&self) -> &Path {
        self.spool
            .as_deref()
            .or(self.path.as_deref())
            .expect("every source has a file or a spool")
    }
}

/// Index of a [`Source`] in [`Corpus::sources`].
pub type SourceId = u32;

/// Where a record's bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The source.
    pub source: SourceId,
    /// 1-based line (1 for a `.txt` record).
    pub line: u64,
    /// Byte offset in the plain (decompressed) bytes of the source.
    pub offset: u64,
    /// Length in bytes, without the line end.
    pub len: u64,
}

/// A record as read, before parsing.
#[derive(Debug, Clone)]
pub struct Item {
    /// Where it is.
    pub span: Span,
    /// Start of its bytes in [`Chunk::data`] (unused when not stored).
    pub start: usize,
    /// What of it is in [`Chunk::data`].
    pub stored: Stored,
}

/// What the reader kept of a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// All of its bytes.
    Whole,
    /// Over `max_doc_bytes`, cut down (`--oversized truncate`): this many bytes holding its id and
    /// the start of its text, as a JSON object for a JSONL record, the text's start for `.txt`.
    Cut(usize),
    /// Over `max_doc_bytes`, and not kept.
    TooLarge,
    /// Over `max_doc_bytes`, and cutting it down found this wrong with it.
    Bad(Problem),
}

/// What the reader does with a record over `max_doc_bytes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Oversized {
    /// Report it as too large.
    Reject,
    /// Keep its id and the first `max_doc_bytes` bytes of its text, read from these fields.
    Truncate {
        /// The id field of JSONL records.
        id_field: String,
        /// The text field of JSONL records.
        text_field: String,
    },
}

/// The reader's policy for `oversized`, for records whose id and text are in these JSONL fields.
pub fn oversized_policy(oversized: OnOversized, id_field: &str, text_field: &str) -> Oversized {
    match oversized {
        OnOversized::Reject => Oversized::Reject,
        OnOversized::Truncate => Oversized::Truncate {
            id_field: id_field.to_owned(),
            text_field: text_field.to_owned(),
        },
    }
}

/// A run of whole records read together.
#[derive(Debug, Default)]
pub struct Chunk {
    /// The bytes of the records (of oversized ones, what was kept).
    pub data: Vec<u8>,
    /// The records, in input order.
    pub items: Vec<Item>,
    /// Input bytes this chunk covers, for progress.
    pub bytes_read: u64,
    /// Seconds the reader thread spent on this chunk: reading, decompressing (and spooling) and
    /// splitting lines, without the time it waited for the signing stage to take a chunk.
    pub read_s: f64,
}

impl Chunk {
    /// The bytes of `item` as stored (empty for an oversized record that was not kept).
    pub fn bytes(&self, item: &Item) -> &[u8] {
        match item.stored {
            Stored::Whole => &self.data[item.start..item.start + item.span.len as usize],
            Stored::Cut(len) => &self.data[item.start..item.start + len],
            Stored::TooLarge | Stored::Bad(_) => &[],
        }
    }
}

/// What the reader thread sends: a chunk, or a source that failed part-way (the chunks before
/// the failure have been sent).
pub type ChunkResult = std::result::Result<Chunk, (Location, Problem)>;

/// The set of input files of a run.
#[derive(Debug)]
pub struct Corpus {
    /// Every source, in reading order.
    pub sources: Vec<Source>,
    /// Files inside folders that were passed over (neither `.txt` nor JSONL).
    pub num_skipped_files: usize,
}

impl Corpus {
    /// Expands `inputs` into sources. Compressed files and `-` get a spool file in `spool_dir`.
    ///
    /// # Errors
    /// A path that does not exist or cannot be listed.
    pub fn open(inputs: &[String], spool_dir: &Path) -> Result<Corpus> {
        let mut corpus = Corpus {
            sources: Vec::new(),
            num_skipped_files: 0,
        };
        if inputs.is_empty() {
            return Err(Error::Params {
                field: "INPUT",
                reason: "no input given; name a .jsonl file, a folder, or - for standard input".into(),
            });
        }
        let mut spools = 0usize;
        let mut spool_for = |src: &mut Source| {
            spools += 1;
            src.spool = Some(spool_dir.join(format!("spool-{spools:05}.jsonl")));
        };
        for input in inputs {
            if input == "-" {
                let mut src = Source {
                    display: "-".into(),
                    path: None,
                    kind: SourceKind::Jsonl,
                    txt_id: None,
                    spool: None,
                };
                spool_for(&mut src);
                corpus.sources.push(src);
                continue;
            }
            let path = PathBuf::from(input);
            let meta = std::fs::metadata(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            if meta.is_dir() {
                let mut files = Vec::new();
                let mut seen = Vec::new();
                walk(&path, &path, &mut files, &mut seen)?;
                for (rel, file) in files {
                    let name = rel.to_ascii_lowercase();
                    let display = file.display().to_string();
                    if name.ends_with(".txt") {
                        corpus.sources.push(Source {
                            display,
                            path: Some(file),
                            kind: SourceKind::Txt,
                            txt_id: Some(rel),
                            spool: None,
                        });
                    } else if is_jsonl_name(&name) {
                        let mut src = Source {
                            display,
                            path: Some(file.clone()),
                            kind: SourceKind::Jsonl,
                            txt_id: None,
                            spool: None,
                        };
                        if sniff(&file)? != Compression::None {
                            spool_for(&mut src);
                        }
                        corpus.sources.push(src);
                    } else {
                        corpus.num_skipped_files += 1;
                    }
                }
            } else if input.to_ascii_lowercase().ends_with(".txt") {
                let id = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                corpus.sources.push(Source {
                    display: input.clone(),
                    path: Some(path),
                    kind: SourceKind::Txt,
                    txt_id: Some(id),
                    spool: None,
                });
            } else {
                let mut src = Source {
                    display: input.clone(),
                    path: Some(path.clone()),
                    kind: SourceKind::Jsonl,
                    txt_id: None,
                    spool: None,
                };
                // A pipe or FIFO (`<(cmd)`) can be read only once: no sniffing, spool it as stdin.
                if !meta.is_file() || sniff(&path)? != Compression::None {
                    spool_for(&mut src);
                }
                corpus.sources.push(src);
            }
        }
        Ok(corpus)
    }

    /// Total bytes of the input files as stored (compressed sizes for compressed files; 0 for
    /// standard input), for a progress bar.
    pub fn stored_bytes(&self) -> u64 {
        self.sources
            .iter()
            .filter_map(|s| s.path.as_ref())
            .filter_map(|p| std::fs::metadata(p).ok())
            .map(|m| m.len())
            .sum()
    }

    /// Starts a reader thread over every source, in order; chunks arrive through the receiver.
    /// At most a few chunks are in flight, so memory stays bounded however large the input.
    pub fn read_chunks(&self, max_doc_bytes: usize, oversized: &Oversized) -> Receiver<ChunkResult> {
        let (tx, rx) = sync_channel::<ChunkResult>(3);
        let sources = self.sources.clone();
        let oversized = oversized.clone();
        std::thread::spawn(move || {
            let mut txt_batch = Chunk::default();
            for (idx, src) in sources.iter().enumerate() {
                let idx = idx as SourceId;
                let res = match src.kind {
                    SourceKind::Txt => {
                        let busy = Instant::now();
                        let res = read_txt(idx, src, max_doc_bytes, &oversized, &mut txt_batch);
                        txt_batch.read_s += busy.elapsed().as_secs_f64();
                        res
                    }
                    .map(|()| {
                        if txt_batch.data.len() >= CHUNK_BYTES || txt_batch.items.len() >= 4096 {
                            Some(std::mem::take(&mut txt_batch))
                        } else {
                            None
                        }
                    }),
                    SourceKind::Jsonl => {
                        if !txt_batch.items.is_empty() && tx.send(Ok(std::mem::take(&mut txt_batch))).is_err() {
                            return;
                        }
                        read_jsonl(idx, src, max_doc_bytes, &oversized, |chunk| tx.send(Ok(chunk)).is_ok())
                            .map(|()| None)
                    }
                };
                match res {
                    Ok(Some(chunk)) => {
                        if tx.send(Ok(chunk)).is_err() {
                            return;
                        }
                    }
                    Ok(None) => {}
                    Err(e) => {
                        if !txt_batch.items.is_empty() && tx.send(Ok(std::mem::take(&mut txt_batch))).is_err() {
                            return;
                        }
                        if tx.send(Err(e)).is_err() {
                            return;
                        }
                    }
                }
            }
            if !txt_batch.items.is_empty() {
                let _ = tx.send(Ok(txt_batch));
            }
        });
        rx
    }

    /// The location of a span, for messages.
    pub fn location(&self, span: &Span) -> Location {
        Location {
            path: self.sources[span.source as usize].display.clone(),
            line: span.line,
            byte_offset: span.offset,
        }
    }
}

fn is_jsonl_name(name: &str) -> bool {
    [
        ".jsonl",
        ".jsonl.gz",
        ".jsonl.zst",
        ".jsonl.zstd",
        ".ndjson",
        ".ndjson.gz",
        ".ndjson.zst",
    ]
    .iter()
    .any(|ext| name.ends_with(ext))
}

/// Recursive, sorted walk that never enters the same directory twice (symlink loops).
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>, seen: &mut Vec<PathBuf>) -> Result<()> {
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
            let rel = p.strip_prefix(root).unwrap_or(&p);
            let rel = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            out.push((rel, p));
        }
    }
    Ok(())
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

fn compression_of(magic: &[u8]) -> Compression {
    if magic.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// Opens a source as a stream of its plain bytes.
fn open_plain(src: &Source) -> io::Result<(Box<dyn Read + Send>, Compression)> {
    let mut raw: Box<dyn Read + Send> = match &src.path {
        Some(p) => Box::new(File::open(p)?),
        None => Box::new(io::stdin()),
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

fn stream_problem(comp: Compression, e: &io::Error) -> Problem {
    let what = match comp {
        Compression::Gzip => "gzip stream is truncated or corrupt",
        Compression::Zstd => "zstd stream is truncated or corrupt",
        Compression::None => "read failed",
    };
    Problem::new(
        "unreadable_input",
        format!("{what} ({e}); the records before this point were read"),
    )
}

/// Reads one JSONL source, calling `emit` with each chunk of whole lines; `emit` returns false to
/// stop (the receiver is gone).
fn read_jsonl(
    idx: SourceId,
    src: &Source,
    max_doc_bytes: usize,
    oversized: &Oversized,
    mut emit: impl FnMut(Chunk) -> bool,
) -> std::result::Result<(), (Location, Problem)> {
    let loc = |line: u64, offset: u64| Location {
        path: src.display.clone(),
        line,
        byte_offset: offset,
    };
    let (mut input, comp) =
        open_plain(src).map_err(|e| (loc(0, 0), Problem::new("unreadable_input", format!("cannot open: {e}"))))?;
    let mut spool = match &src.spool {
        Some(p) => Some(BufWriter::with_capacity(
            1 << 20,
            File::create(p).map_err(|e| {
                (
                    loc(0, 0),
                    Problem::new(
                        "unreadable_input",
                        format!("cannot create spool file {}: {e}", p.display()),
                    ),
                )
            })?,
        )),
        None => None,
    };
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK_BYTES + 4096);
    let mut buf_offset: u64 = 0; // offset of buf[0] in the plain stream
    let mut line: u64 = 1; // line number of buf[0]
    let mut first = true;
    // The oversized line being skipped over (or cut down), if any.
    let mut skipping: Option<Skip> = None;
    let new_cutter = || match oversized {
        Oversized::Reject => None,
        Oversized::Truncate { id_field, text_field } => Some(Cutter::new(id_field, text_field, max_doc_bytes)),
    };
    let mut chunk = Chunk::default();
    // The reader's busy time since the last chunk was handed over (see `Chunk::read_s`).
    let mut busy = Instant::now();
    loop {
        let old = buf.len();
        // read_to_end fills spare capacity without zeroing it first, and retries Interrupted.
        // On an error the bytes read before it stay in `buf`: their complete lines are still
        // records, and the error is reported after them.
        let failed = (&mut input).take(CHUNK_BYTES as u64).read_to_end(&mut buf).err();
        let n = buf.len() - old;
        if let Some(w) = spool.as_mut() {
            w.write_all(&buf[old..]).map_err(|e| {
                (
                    loc(line, buf_offset),
                    Problem::new("unreadable_input", format!("cannot write spool file: {e}")),
                )
            })?;
        }
        chunk.bytes_read += n as u64;
        if first && buf.len() >= 3 {
            first = false;
            if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
                buf.drain(..3);
                buf_offset = 3;
            }
        }
        let eof = n == 0 && failed.is_none();
        let mut pos = 0usize;
        // Split off every complete line.
        while pos < buf.len() {
            let Some(nl) = memchr::memchr(b'\n', &buf[pos..]) else {
                break;
            };
            let end = pos + nl;
            if let Some(mut skip) = skipping.take() {
                skip.feed(&buf[pos..end]);
                skip.finish(&mut chunk, idx);
            } else {
                push_line(
                    &mut chunk,
                    idx,
                    &buf[pos..end],
                    line,
                    buf_offset + pos as u64,
                    max_doc_bytes,
                    new_cutter,
                );
            }
            line += 1;
            pos = end + 1;
        }
        if eof && pos < buf.len() {
            // Last line without a line end.
            if let Some(mut skip) = skipping.take() {
                skip.feed(&buf[pos..]);
                skip.finish(&mut chunk, idx);
            } else {
                push_line(
                    &mut chunk,
                    idx,
                    &buf[pos..],
                    line,
                    buf_offset + pos as u64,
                    max_doc_bytes,
                    new_cutter,
                );
            }
            pos = buf.len();
        } else if eof {
            if let Some(skip) = skipping.take() {
                skip.finish(&mut chunk, idx);
            }
        }
        // An unfinished line longer than the limit is dropped as it streams by (one byte more
        // is kept: it may be the '\r' of a CRLF line end, which is not part of the record).
        let rest = buf.len() - pos;
        if rest > max_doc_bytes.saturating_add(1) {
            skipping
                .get_or_insert_with(|| Skip {
                    line,
                    offset: buf_offset + pos as u64,
                    seen: 0,
                    blank: true,
                    last: 0,
                    cutter: new_cutter(),
                })
                .feed(&buf[pos..]);
            pos = buf.len();
        }
        buf_offset += pos as u64;
        buf.drain(..pos);
        if let Some(e) = failed {
            if !chunk.items.is_empty() {
                chunk.read_s = busy.elapsed().as_secs_f64();
                emit(std::mem::take(&mut chunk));
            }
            return Err((loc(line, buf_offset), stream_problem(comp, &e)));
        }
        let full = chunk.data.len() >= CHUNK_BYTES || chunk.items.len() >= 65536;
        if full || (eof && !chunk.items.is_empty()) {
            chunk.read_s = busy.elapsed().as_secs_f64();
            if !emit(std::mem::take(&mut chunk)) {
                return Ok(());
            }
            busy = Instant::now();
        }
        if eof {
            break;
        }
    }
    if let Some(mut w) = spool {
        w.flush().map_err(|e| {
            (
                loc(line, buf_offset),
                Problem::new("unreadable_input", format!("cannot write spool file: {e}")),
            )
        })?;
    }
    Ok(())
}

/// An oversized line being skipped over, or cut down, as it streams by.
struct Skip<'f> {
    line: u64,
    offset: u64,
    /// Bytes seen so far.
    seen: u64,
    /// All of them blank (a blank line is no record, however long).
    blank: bool,
    /// The last of them (a final '\r' is part of the line end, not of the record).
    last: u8,
    cutter: Option<Cutter<'f>>,
}

impl Skip<'_> {
    fn feed(&mut self, bytes: &[u8]) {
        self.seen += bytes.len() as u64;
        self.blank &= bytes.iter().all(u8::is_ascii_whitespace);
        if let Some(&b) = bytes.last() {
            self.last = b;
        }
        if let Some(c) = self.cutter.as_mut() {
            c.feed(bytes);
        }
    }

    fn finish(self, chunk: &mut Chunk, source: SourceId) {
        if self.blank {
            return;
        }
        let len = self.seen - u64::from(self.last == b'\r');
        let stored = match self.cutter.map(Cutter::finish) {
            None => Stored::TooLarge,
            Some(Ok(record)) => {
                let start = chunk.data.len();
                chunk.data.extend_from_slice(&record);
                return push_item(
                    chunk,
                    source,
                    self.line,
                    self.offset,
                    len,
                    start,
                    Stored::Cut(record.len()),
                );
            }
            Some(Err(problem)) => Stored::Bad(problem),
        };
        push_item(chunk, source, self.line, self.offset, len, 0, stored);
    }
}

fn push_line<'f>(
    chunk: &mut Chunk,
    source: SourceId,
    mut bytes: &[u8],
    line: u64,
    offset: u64,
    max: usize,
    new_cutter: impl Fn() -> Option<Cutter<'f>>,
) {
    if bytes.last() == Some(&b'\r') {
        bytes = &bytes[..bytes.len() - 1];
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return; // a blank line is not a record
    }
    if bytes.len() > max {
        let mut skip = Skip {
            line,
            offset,
            seen: 0,
            blank: false,
            last: 0,
            cutter: new_cutter(),
        };
        skip.feed(bytes);
        skip.last = 0; // its '\r' is off already
        skip.finish(chunk, source);
        return;
    }
    let start = chunk.data.len();
    chunk.data.extend_from_slice(bytes);
    push_item(chunk, source, line, offset, bytes.len() as u64, start, Stored::Whole);
}

fn push_item(chunk: &mut Chunk, source: SourceId, line: u64, offset: u64, len: u64, start: usize, stored: Stored) {
    chunk.items.push(Item {
        span: Span {
            source,
            line,
            offset,
            len,
        },
        start,
        stored,
    });
}

fn read_txt(
    idx: SourceId,
    src: &Source,
    max_doc_bytes: usize,
    oversized: &Oversized,
    chunk: &mut Chunk,
) -> std::result::Result<(), (Location, Problem)> {
    let path = src.path.as_ref().expect("txt sources are files");
    let loc = Location {
        path: src.display.clone(),
        line: 1,
        byte_offset: 0,
    };
    let unreadable = |e: io::Error| {
        (
            loc.clone(),
            Problem::new("unreadable_input", format!("cannot read file: {e}")),
        )
    };
    let f = File::open(path).map_err(unreadable)?;
    let mut data = Vec::new();
    f.take(max_doc_bytes as u64 + 4)
        .read_to_end(&mut data)
        .map_err(unreadable)?;
    let mut offset = 0;
    if data.starts_with(&[0xEF, 0xBB, 0xBF]) {
        offset = 3;
    }
    let len = (data.len() - offset) as u64;
    chunk.bytes_read += data.len() as u64;
    let start = chunk.data.len();
    if data.len() - offset > max_doc_bytes {
        let full = std::fs::metadata(path).map(|m| m.len()).unwrap_or(len);
        let stored = match oversized {
            Oversized::Reject => Stored::TooLarge,
            Oversized::Truncate { .. } => {
                let kept = txt_prefix(&data[offset..], max_doc_bytes);
                chunk.data.extend_from_slice(kept);
                Stored::Cut(kept.len())
            }
        };
        push_item(chunk, idx, 1, offset as u64, full - offset as u64, start, stored);
        return Ok(());
    }
    chunk.data.extend_from_slice(&data[offset..]);
    push_item(chunk, idx, 1, offset as u64, len, start, Stored::Whole);
    Ok(())
}

/// A parsed record: its id and its text, borrowed from the input bytes where possible.
#[derive(Debug)]
pub struct Parsed<'a> {
    /// The user's id.
    pub key: Cow<'a, str>,
    /// The text.
    pub text: Cow<'a, str>,
}

/// Parses one record's bytes.
///
/// # Errors
/// A [`Problem`] saying what is wrong: invalid UTF-8 (with the byte offset), malformed JSON
/// (with the column), not an object, a missing or non-string field, an oversized record.
pub fn parse<'a>(
    src: &'a Source,
    item: &Item,
    bytes: &'a [u8],
    id_field: &str,
    text_field: &str,
    max_doc_bytes: usize,
) -> std::result::Result<Parsed<'a>, Problem> {
    match &item.stored {
        Stored::TooLarge => {
            return Err(Problem::new(
                "too_large",
                format!(
                    "record is {} bytes, over the limit of {max_doc_bytes} bytes; raise --max-doc-bytes to read it, or pass --oversized truncate to read its start",
                    item.span.len
                ),
            ))
        }
        Stored::Bad(problem) => return Err(problem.clone()),
        Stored::Whole | Stored::Cut(_) => {}
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Problem::new(
            "invalid_utf8",
            format!(
                "invalid UTF-8 at byte {} of the record; re-encode the input as UTF-8",
                e.valid_up_to()
            ),
        )
    })?;
    match src.kind {
        SourceKind::Txt => {
            if text.contains('\0') {
                return Err(Problem::new(
                    "binary",
                    "file holds NUL bytes, so it is not text; remove it from the folder",
                ));
            }
            Ok(Parsed {
                key: Cow::Borrowed(src.txt_id.as_deref().expect("txt sources have an id")),
                text: Cow::Borrowed(text),
            })
        }
        SourceKind::Jsonl => parse_json(text, id_field, text_field),
    }
}

/// The id of a JSONL line, read as dedup reads it (any depth of ignored fields), if it has one.
pub fn json_id(line: &str, id_field: &str) -> Option<String> {
    let mut de = serde_json::Deserializer::from_str(line);
    let fields = FieldsSeed {
        id_field,
        text_field: "\u{0}never a field",
    }
    .deserialize(&mut de)
    .ok()?;
    fields.id?.ok().map(Cow::into_owned)
}

fn parse_json<'a>(line: &'a str, id_field: &str, text_field: &str) -> std::result::Result<Parsed<'a>, Problem> {
    let mut de = serde_json::Deserializer::from_str(line);
    let fields = FieldsSeed { id_field, text_field }
        .deserialize(&mut de)
        .map_err(|e| json_problem(&e))?;
    de.end().map_err(|e| json_problem(&e))?;
    let key = match fields.id {
        None => {
            return Err(Problem::new(
                "missing_id",
                format!("no \"{id_field}\" field; give each record an id, or name the id field with --id-field"),
            ))
        }
        Some(Err(kind)) => {
            return Err(Problem::new(
                "bad_id",
                format!("\"{id_field}\" is {kind}, not a string or an integer; use a string or integer id"),
            ))
        }
        Some(Ok(k)) => k,
    };
    let text = match fields.text {
        None => {
            return Err(Problem::new(
                "missing_text",
                format!("no \"{text_field}\" field; name the text field with --text-field"),
            ))
        }
        Some(Err(kind)) => {
            return Err(Problem::new(
                "bad_text",
                format!("\"{text_field}\" is {kind}, not a string; store the text as a JSON string"),
            ))
        }
        Some(Ok(t)) => t,
    };
    Ok(Parsed { key, text })
}

fn json_problem(e: &serde_json::Error) -> Problem {
    let msg = e.to_string();
    if msg.starts_with("invalid type") && msg.contains("expected a JSON object") {
        return Problem::new(
            "not_an_object",
            "the line is valid JSON but not an object; each line must be one JSON object",
        );
    }
    Problem::new(
        "malformed_json",
        format!(
            "malformed JSON at column {}: {e}; each line must be one JSON object",
            e.column()
        ),
    )
}

type FieldValue<'a> = Option<std::result::Result<Cow<'a, str>, &'static str>>;

struct Fields<'a> {
    id: FieldValue<'a>,
    text: FieldValue<'a>,
}

struct FieldsSeed<'f> {
    id_field: &'f str,
    text_field: &'f str,
}

impl<'de> DeserializeSeed<'de> for FieldsSeed<'_> {
    type Value = Fields<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Fields<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldsSeed<'_> {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Fields<'de>, A::Error> {
        let mut out = Fields { id: None, text: None };
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == self.text_field {
                out.text = Some(map.next_value::<Scalar<'de>>()?.into_text());
            } else if key == self.id_field {
                out.id = Some(map.next_value::<Scalar<'de>>()?.into_id());
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

/// A field value: a string (borrowed when it has no escapes), an integer, or another JSON type.
enum Scalar<'a> {
    Str(Cow<'a, str>),
    Int(String),
    Other(&'static str),
}

impl<'a> Scalar<'a> {
    fn into_text(self) -> std::result::Result<Cow<'a, str>, &'static str> {
        match self {
            Scalar::Str(s) => Ok(s),
            Scalar::Int(_) => Err("a number"),
            Scalar::Other(k) => Err(k),
        }
    }

    fn into_id(self) -> std::result::Result<Cow<'a, str>, &'static str> {
        match self {
            Scalar::Str(s) => Ok(s),
            Scalar::Int(s) => Ok(Cow::Owned(s)),
            Scalar::Other(k) => Err(k),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Scalar<'de>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Int(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Int(v.to_string()))
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Other("a fractional number"))
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Other("a boolean"))
            }
            fn visit_unit<E>(self) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Other("null"))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> std::result::Result<Scalar<'de>, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> std::result::Result<Scalar<'de>, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other("an object"))
            }
        }
        d.deserialize_any(V)
    }
}

/// Random access to records by [`Span`], for the stages after signing.
#[derive(Debug)]
pub struct Reader<'c> {
    corpus: &'c Corpus,
    files: Vec<std::sync::OnceLock<std::result::Result<File, String>>>,
}

impl<'c> Reader<'c> {
    /// A reader over `corpus` (files are opened on first use; `.txt` files on every use).
    pub fn new(corpus: &'c Corpus) -> Reader<'c> {
        Reader {
            corpus,
            files: (0..corpus.sources.len()).map(|_| std::sync::OnceLock::new()).collect(),
        }
    }

    /// The bytes of the record at `span`.
    ///
    /// # Errors
    /// The file changed or vanished since it was read.
    pub fn bytes(&self, span: &Span) -> Result<Vec<u8>> {
        let mut buf = Vec::with_capacity(span.len as usize);
        self.blocks(span, span.len, |b| buf.extend_from_slice(b))?;
        Ok(buf)
    }

    /// The first `len` bytes of the record at `span`, handed to `f` a block at a time, so that a
    /// record of any size costs one block of memory.
    ///
    /// # Errors
    /// The file changed or vanished since it was read.
    pub fn blocks(&self, span: &Span, len: u64, mut f: impl FnMut(&[u8])) -> Result<()> {
        const BLOCK: u64 = 1 << 20;
        let src = &self.corpus.sources[span.source as usize];
        let path = src.plain_path();
        let io_err = |source: io::Error| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let opened;
        let file = if src.kind == SourceKind::Txt {
            opened = File::open(path).map_err(io_err)?;
            &opened
        } else {
            let f = self.files[span.source as usize].get_or_init(|| File::open(path).map_err(|e| e.to_string()));
            f.as_ref().map_err(|e| io_err(io::Error::other(e.clone())))?
        };
        let len = len.min(span.len);
        let mut buf = vec![0u8; len.min(BLOCK) as usize];
        let mut done = 0u64;
        while done < len {
            let n = (len - done).min(BLOCK) as usize;
            read_exact_at(file, &mut buf[..n], span.offset + done).map_err(io_err)?;
            f(&buf[..n]);
            done += n as u64;
        }
        Ok(())
    }

    /// The text of the record at `span`, parsed as in the first pass: a record over
    /// `max_doc_bytes` (read under `--oversized truncate`) is cut down again as it was then.
    ///
    /// # Errors
    /// The file changed since it was read.
    pub fn text(&self, span: &Span, id_field: &str, text_field: &str, max_doc_bytes: usize) -> Result<String> {
        let src = &self.corpus.sources[span.source as usize];
        let (bytes, stored) = if span.len as usize <= max_doc_bytes {
            (self.bytes(span)?, Stored::Whole)
        } else if src.kind == SourceKind::Txt {
            let mut head = Vec::new();
            self.blocks(span, max_doc_bytes as u64 + 4, |b| head.extend_from_slice(b))?;
            let kept = txt_prefix(&head, max_doc_bytes).to_vec();
            let n = kept.len();
            (kept, Stored::Cut(n))
        } else {
            let mut cutter = Cutter::new(id_field, text_field, max_doc_bytes);
            self.blocks(span, span.len, |b| cutter.feed(b))?;
            match cutter.finish() {
                Ok(record) => {
                    let n = record.len();
                    (record, Stored::Cut(n))
                }
                Err(problem) => (Vec::new(), Stored::Bad(problem)),
            }
        };
        let item = Item {
            span: *span,
            start: 0,
            stored,
        };
        let parsed =
            parse(src, &item, &bytes, id_field, text_field, max_doc_bytes).map_err(|problem| Error::Input {
                at: self.corpus.location(span),
                problem: Problem::new(
                    "changed",
                    format!("the input changed while storydup ran ({})", problem.message),
                ),
            })?;
        Ok(parsed.text.into_owned())
    }
}

/// Reads exactly `buf.len()` bytes at `offset` without moving a shared cursor, so that threads
/// can read one open file at once.
#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Reads exactly `buf.len()` bytes at `offset` (Windows: `seek_read` may read less, so loop).
#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src() -> Source {
        Source {
            display: "x.jsonl".into(),
            path: None,
            kind: SourceKind::Jsonl,
            txt_id: None,
            spool: None,
        }
    }

    fn p(line: &str) -> std::result::Result<(String, String), Problem> {
        let s = src();
        let item = Item {
            span: Span {
                source: 0,
                line: 1,
                offset: 0,
                len: line.len() as u64,
            },
            start: 0,
            stored: Stored::Whole,
        };
        parse(&s, &item, line.as_bytes(), "id", "text", 1 << 20).map(|p| (p.key.into_owned(), p.text.into_owned()))
    }

    #[test]
    fn parses_fields_and_ignores_others() {
        assert_eq!(
            p(r#"{"x":[1,{"a":2}],"id":"a","text":"b\nc"}"#).unwrap(),
            ("a".into(), "b\nc".into())
        );
        assert_eq!(p(r#"{"id":17,"text":"t"}"#).unwrap().0, "17");
    }

    #[test]
    fn problems_are_named() {
        assert_eq!(p(r#"{"id":"a""#).unwrap_err().kind, "malformed_json");
        assert_eq!(p(r#"[1,2]"#).unwrap_err().kind, "not_an_object");
        assert_eq!(p(r#"{"text":"t"}"#).unwrap_err().kind, "missing_id");
        assert_eq!(p(r#"{"id":"a","text":5}"#).unwrap_err().kind, "bad_text");
        assert_eq!(p(r#"{"id":"a"}"#).unwrap_err().kind, "missing_text");
        assert_eq!(p(r#"{"id":1.5,"text":"t"}"#).unwrap_err().kind, "bad_id");
        assert_eq!(p(r#"{"id":"a","text":"t"} x"#).unwrap_err().kind, "malformed_json");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        // serde_json skips an ignored value without recursing, so depth there is harmless.
        let deep = format!(
            "{{\"id\":\"a\",\"text\":\"t\",\"x\":{}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(p(&deep).unwrap().0, "a");
        // As the text itself it is a wrong type, and unbalanced it is malformed.
        let deep_text = format!(
            "{{\"id\":\"a\",\"text\":{}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(p(&deep_text).unwrap_err().kind, "bad_text");
        let open = format!("{{\"id\":\"a\",\"x\":{}", "{\"a\":".repeat(100_000));
        assert_eq!(p(&open).unwrap_err().kind, "malformed_json");
    }
}

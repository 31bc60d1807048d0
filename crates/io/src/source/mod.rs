//! Input files → a stream of raw records, and random access back to any record by its location.
//!
//! Inputs are files of a [`Format`] (JSONL, plain, gzip or zstd, detected by their first bytes,
//! not their names; `.txt` files, one record each), folders (walked recursively in byte order of
//! names; each file read in the format its name says, others counted as skipped) or `-` for
//! standard input (JSONL). A new format is one new file here that implements [`Format`], and one
//! line in [`FORMATS`].
//!
//! Memory stays bounded: a reader thread hands out chunks of whole records (a few MiB) through a
//! bounded channel; a record longer than `max_doc_bytes` is skipped over without being held and
//! reported as oversized, or with [`Oversized::Truncate`] cut down as it streams by to its id and
//! the start of its text ([`crate::cut`]). Compressed input and standard input are copied,
//! decompressed, into a spool as they are read, so that later stages can re-read any record by
//! byte offset (exact verification, copying the kept records): its first [`held::HELD_BYTES`]
//! (over all spools of a run) in memory, the rest in a file.
//!
//! As each file is read, its bytes as stored are counted and hashed ([`Digest`]), so that
//! `summary.json` can say what was read and `verify` can tell another input from it. A file in a
//! format storydup does not read (CSV, Parquet, ...) is named as such by [`unsupported`], and a
//! record without an id gets its place as its id ([`place_id`]).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use storydup_core::error::{Error, Location, Problem, Result};
use storydup_core::hash::{hasher, Hasher};
use storydup_core::params::{MissingId, OnOversized};
use storydup_core::schema::InputFile;

pub mod compress;
pub mod held;
pub mod jsonl;
#[cfg(feature = "parquet")]
pub mod parquet;
pub mod txt;
pub mod unsupported;
pub mod walk;

pub use jsonl::json_id;

/// Bytes read per chunk handed to the signing stage.
pub const CHUNK_BYTES: usize = 4 << 20;

/// Every format storydup reads, in the order a file name is tried against them.
#[cfg(not(feature = "parquet"))]
pub static FORMATS: &[&dyn Format] = &[&txt::Txt, &jsonl::Jsonl];
/// Every format storydup reads, in the order a file name is tried against them.
#[cfg(feature = "parquet")]
pub static FORMATS: &[&dyn Format] = &[&txt::Txt, &jsonl::Jsonl, &parquet::Parquet];

/// The format of a file given by name on the command line: the one its name claims, else JSONL.
fn format_of_input(name: &str) -> &'static dyn Format {
    let lower = name.to_ascii_lowercase();
    FORMATS
        .iter()
        .copied()
        .find(|f| f.claims(&lower))
        .unwrap_or(&jsonl::Jsonl)
}

/// The JSON fields that hold a record's id and text, and what a record without an id gets.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'f> {
    /// Id field.
    pub id: &'f str,
    /// Text field.
    pub text: &'f str,
    /// What a record without the id field gets: its place ([`place_id`]) or a `missing_id`
    /// problem.
    pub missing_id: MissingId,
    /// The 1-based line (row) of the record being parsed, for its place; [`parse`] sets it.
    pub line: u64,
}

impl<'f> Fields<'f> {
    /// The fields `id` and `text`; a record without `id` gets what `missing_id` says.
    pub fn new(id: &'f str, text: &'f str, missing_id: MissingId) -> Fields<'f> {
        Fields {
            id,
            text,
            missing_id,
            line: 0,
        }
    }
}

/// The id of a record that has none: its place, `FILE:LINE` (`FILE:ROW` for a table), where
/// FILE is the input as the user named it (a file inside a folder: its path as walked). The
/// same on every run and thread count; `verify` finds such records by it.
pub fn place_id(src: &Source, line: u64) -> String {
    format!("{}:{line}", src.display)
}

/// Whether `key` is the place of the record at `at` ([`place_id`]): the id given to a record
/// without one. A real id that happens to equal its own place is the same id, so no harm.
pub fn is_place_id(key: &str, at: &Location) -> bool {
    key.len() > at.path.len()
        && key.starts_with(&at.path)
        && key[at.path.len()..].strip_prefix(':') == Some(&at.line.to_string())
}

/// How dedup writes a kept record to `kept.jsonl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeptAs {
    /// The input line, byte for byte.
    Line,
    /// A JSON object `{"id", "text"}` made from the record's id and bytes.
    IdAndText,
    /// The input row, written to `kept.parquet` with the input's schema (`crate::kept_parquet`).
    Parquet,
}

/// Reads `len` bytes of a record a block at a time, handing each block to the callback.
pub type Blocks<'a> = dyn Fn(u64, &mut dyn FnMut(&[u8])) -> Result<()> + 'a;

/// One input format: how its files are recognised, read as a stream of records, parsed, and
/// written back when kept.
pub trait Format: Sync + std::fmt::Debug {
    /// Its name, for messages.
    fn name(&self) -> &'static str;

    /// Whether a file named `lower_name` (lower case) is in this format.
    fn claims(&self, lower_name: &str) -> bool;

    /// Whether each file is one record whose id is the file's name (a `.txt` file).
    fn one_record_per_file(&self) -> bool {
        false
    }

    /// Whether this file must be copied, decompressed, into a spool to be re-read by offset.
    ///
    /// # Errors
    /// The file cannot be opened to look at its first bytes.
    fn needs_spool(&self, path: &Path, is_regular_file: bool) -> Result<bool>;

    /// Reads the records of `src` in order into `sink`.
    ///
    /// # Errors
    /// The source could not be read from some point on (the records before it were handed over).
    fn read(&self, idx: SourceId, src: &Source, limits: &Limits, sink: &mut Sink<'_>) -> ReadResult;

    /// The id and text of one record, from its bytes (valid UTF-8).
    ///
    /// # Errors
    /// What is wrong with the record, for `rejected.jsonl`.
    fn parse<'a>(
        &self,
        src: &'a Source,
        text: &'a str,
        fields: &Fields<'_>,
    ) -> std::result::Result<Parsed<'a>, Problem>;

    /// String fields of a record other than its id and text (a title, a date), each if it has it.
    fn fields(&self, _bytes: &[u8], names: &[&str]) -> Vec<Option<String>> {
        vec![None; names.len()]
    }

    /// How dedup writes the record when it is kept.
    fn kept_as(&self) -> KeptAs;

    /// The record over `max_doc_bytes` that `blocks` reads (`len` bytes), cut down again as the
    /// reader cut it under `--oversized truncate`.
    ///
    /// # Errors
    /// The file could not be read again.
    fn cut(
        &self,
        blocks: &Blocks<'_>,
        len: u64,
        max_doc_bytes: usize,
        fields: &Fields<'_>,
    ) -> Result<(Vec<u8>, Stored)>;
}

/// What a format's reader stops on: where, and what went wrong.
pub type ReadResult = std::result::Result<(), (Location, Problem)>;

/// Limits every reader keeps to.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Records over this many bytes are not held.
    pub max_doc_bytes: usize,
    /// What becomes of them.
    pub oversized: Oversized,
    /// The fields a table format reads (Parquet columns): the id, the text, then any others the
    /// caller reads with [`Format::fields`] (the stories' title, date and source).
    pub fields: Vec<String>,
}

/// Where a reader puts records: chunks handed to the signing stage as they fill. Formats with
/// one small record per file add to a shared pending chunk ([`Sink::pending`]); streaming
/// formats hand whole chunks of their own ([`Sink::send`]).
pub struct Sink<'a> {
    pending: Chunk,
    out: &'a mut dyn FnMut(ChunkResult) -> bool,
    open: bool,
    digests: Digests,
}

impl Sink<'_> {
    /// Records what `source` was as stored (its bytes and their hash), once it has been read.
    pub fn digest(&mut self, source: SourceId, digest: Digest) {
        let mut all = self.digests.lock().expect("no reader panics holding it");
        if let Some(d) = all.get_mut(source as usize) {
            *d = Some(digest);
        }
    }

    /// The shared chunk that small records are added to.
    pub fn pending(&mut self) -> &mut Chunk {
        &mut self.pending
    }

    /// Hands over the pending chunk if it is full; false when the receiver is gone.
    pub fn flush_if_full(&mut self) -> bool {
        if self.pending.data.len() >= CHUNK_BYTES || self.pending.items.len() >= 4096 {
            return self.flush();
        }
        self.open
    }

    /// Hands over the pending chunk if it holds anything; false when the receiver is gone.
    pub fn flush(&mut self) -> bool {
        if self.open && !self.pending.items.is_empty() {
            self.open = (self.out)(Ok(std::mem::take(&mut self.pending)));
        }
        self.open
    }

    /// Hands over `chunk` (after the pending one); false when the receiver is gone.
    pub fn send(&mut self, chunk: Chunk) -> bool {
        if self.flush() {
            self.open = (self.out)(Ok(chunk));
        }
        self.open
    }

    /// Reports that a source failed part-way, after the records read before the failure.
    fn fail(&mut self, e: (Location, Problem)) {
        if self.flush() {
            self.open = (self.out)(Err(e));
        }
    }
}

/// One input file as stored (compressed bytes for `.gz`/`.zst`; for `-`, the bytes piped in):
/// how many bytes, and their XXH3-64 (seed 0), counted as the file is read. `summary.json`
/// records it, and `verify` recomputes it as it reads the input again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Digest {
    /// Bytes read.
    pub bytes: u64,
    /// XXH3-64 of them.
    pub xxh3: u64,
}

/// What the bytes read through a [`Counted`] reader come to so far; clones share it.
#[derive(Clone, Default)]
pub struct Tally(Arc<Mutex<(u64, Hasher)>>);

impl std::fmt::Debug for Tally {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tally({:?})", self.digest())
    }
}

impl Tally {
    /// The bytes seen so far and their hash.
    pub fn digest(&self) -> Digest {
        let state = self.0.lock().expect("no reader panics holding it");
        Digest {
            bytes: state.0,
            xxh3: state.1.digest(),
        }
    }
}

/// A reader that adds every byte it reads to a [`Tally`] (XXH3 runs at many GB/s: well under 1 %
/// of the time of reading a record).
pub struct Counted<R> {
    inner: R,
    tally: Tally,
}

impl<R> Counted<R> {
    /// `inner`, counted into `tally`.
    pub fn new(inner: R, tally: &Tally) -> Counted<R> {
        Counted {
            inner,
            tally: tally.clone(),
        }
    }
}

impl<R: io::Read> io::Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut state = self.tally.0.lock().expect("no reader panics holding it");
        state.0 += n as u64;
        state.1.update(&buf[..n]);
        Ok(n)
    }
}

type Digests = Arc<Mutex<Vec<Option<Digest>>>>;

/// One input file.
#[derive(Debug, Clone)]
pub struct Source {
    /// The file as the user named it (`-` for standard input).
    pub display: String,
    /// The file to read (for `-`, nothing: standard input).
    pub path: Option<PathBuf>,
    /// How its records are read.
    pub format: &'static dyn Format,
    /// For a one-record file: the record id (path relative to the folder given).
    pub name_id: Option<String>,
    /// Where the decompressed bytes are kept for re-reading, when the input is compressed or stdin.
    pub spool: Option<PathBuf>,
    /// The spool's first bytes, when held in memory instead of written to `spool` ([`held`]).
    pub held: Option<Arc<held::Held>>,
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
    /// Over `max_doc_bytes`, and cutting it down found this wrong with it; or a table row
    /// whose text is null or not a string.
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

/// Adds a record to `chunk`: its location, where its bytes start in `chunk.data`, what of it is
/// there.
pub fn push_item(chunk: &mut Chunk, source: SourceId, line: u64, offset: u64, len: u64, start: usize, stored: Stored) {
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

/// The problem of a record whose id an earlier record (at `first_at`) already has, saying when
/// either id is a place given to a record without one.
pub fn duplicate_id(key: &str, at: &Location, first_at: &Location, id_field: &str) -> Problem {
    let message = if is_place_id(key, at) {
        format!(
            "this record has no \"{id_field}\" field, and its place \"{key}\", which would be its id, is \
             the id of the record at {first_at}; give every record an id, or change that one"
        )
    } else if is_place_id(key, first_at) {
        format!(
            "id \"{key}\" is the place of the record at {first_at}, which has no \"{id_field}\" field and is \
             known by its place; give every record an id, or change this one"
        )
    } else {
        format!("id \"{key}\" was already used at {first_at}; give every record a unique id")
    };
    Problem::new("duplicate_id", message)
}

/// The set of input files of a run.
#[derive(Debug)]
pub struct Corpus {
    /// Every source, in reading order.
    pub sources: Vec<Source>,
    /// Files inside folders that were passed over (in no format storydup reads).
    pub num_skipped_files: usize,
    /// Of them, how many had each extension (lower case, with its dot; "" for none).
    pub skipped: BTreeMap<String, usize>,
    /// The inputs as given, each with the sources it holds.
    pub inputs: Vec<Input>,
    /// What each source was as stored, once read.
    digests: Digests,
}

/// One input as the user named it: a file, a folder or `-`.
#[derive(Debug, Clone)]
pub struct Input {
    /// As given.
    pub given: String,
    /// Whether it is a folder.
    pub is_dir: bool,
    /// Its sources, as indexes into [`Corpus::sources`].
    pub sources: Range<usize>,
}

/// What storydup reads, for messages about files it does not.
pub const READS: &str = "JSONL files (.jsonl, .ndjson; plain, .gz or .zst) and .txt files (one record each)";

impl Corpus {
    /// A corpus of known sources, to re-read records from (a saved index's files); nothing is
    /// walked or read until asked.
    pub fn of_sources(sources: Vec<Source>) -> Corpus {
        Corpus {
            sources,
            num_skipped_files: 0,
            skipped: BTreeMap::new(),
            inputs: Vec::new(),
            digests: Digests::default(),
        }
    }

    /// Expands `inputs` into sources. Compressed files and `-` get a spool file in `spool_dir`.
    ///
    /// # Errors
    /// A path that does not exist or cannot be listed.
    pub fn open(inputs: &[String], spool_dir: &Path) -> Result<Corpus> {
        let mut corpus = Corpus {
            sources: Vec::new(),
            num_skipped_files: 0,
            skipped: BTreeMap::new(),
            inputs: Vec::new(),
            digests: Digests::default(),
        };
        if inputs.is_empty() {
            return Err(Error::Params {
                field: "INPUT",
                reason: "no input given; name a .jsonl file, a folder, or - for standard input".into(),
            });
        }
        let mut spools = 0usize;
        let budget = held::Budget::new(held::HELD_BYTES);
        let mut add = |corpus: &mut Corpus, mut src: Source, needs_spool: bool| {
            if needs_spool {
                spools += 1;
                src.spool = Some(spool_dir.join(format!("spool-{spools:05}.jsonl")));
                src.held = Some(Arc::new(held::Held::new(&budget)));
            }
            corpus.sources.push(src);
        };
        for input in inputs {
            let first = corpus.sources.len();
            let mut is_dir = false;
            if input == "-" {
                let src = Source {
                    display: "-".into(),
                    path: None,
                    format: &jsonl::Jsonl,
                    name_id: None,
                    spool: None,
                    held: None,
                };
                add(&mut corpus, src, true);
                corpus.inputs.push(Input {
                    given: input.clone(),
                    is_dir,
                    sources: first..corpus.sources.len(),
                });
                continue;
            }
            let path = PathBuf::from(input);
            let meta = std::fs::metadata(&path).map_err(|source| Error::Io {
                path: path.clone(),
                source,
            })?;
            if meta.is_dir() {
                is_dir = true;
                let mut files = Vec::new();
                let mut seen = Vec::new();
                walk::walk(&path, &path, &mut files, &mut seen)?;
                for (rel, file) in files {
                    let name = rel.to_ascii_lowercase();
                    let Some(format) = FORMATS.iter().copied().find(|f| f.claims(&name)) else {
                        corpus.num_skipped_files += 1;
                        *corpus.skipped.entry(unsupported::extension(&name)).or_default() += 1;
                        continue;
                    };
                    let needs_spool = format.needs_spool(&file, true)?;
                    let src = Source {
                        display: file.display().to_string(),
                        path: Some(file),
                        format,
                        name_id: format.one_record_per_file().then_some(rel),
                        spool: None,
                        held: None,
                    };
                    add(&mut corpus, src, needs_spool);
                }
            } else {
                if !FORMATS.iter().any(|f| f.claims(&input.to_ascii_lowercase())) {
                    unsupported::check(input, &path, meta.is_file())?;
                }
                let format = format_of_input(input);
                let name_id = format.one_record_per_file().then(|| {
                    path.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default()
                });
                let needs_spool = format.needs_spool(&path, meta.is_file())?;
                let src = Source {
                    display: input.clone(),
                    path: Some(path),
                    format,
                    name_id,
                    spool: None,
                    held: None,
                };
                add(&mut corpus, src, needs_spool);
            }
            corpus.inputs.push(Input {
                given: input.clone(),
                is_dir,
                sources: first..corpus.sources.len(),
            });
        }
        if corpus.sources.is_empty() {
            return Err(unsupported::nothing_readable(&corpus));
        }
        corpus.digests = Arc::new(Mutex::new(vec![None; corpus.sources.len()]));
        Ok(corpus)
    }

    /// What source `source` was as stored, once it has been read (None before, or when its
    /// format does not count its bytes).
    pub fn digest(&self, source: SourceId) -> Option<Digest> {
        self.digests.lock().expect("no reader panics holding it")[source as usize]
    }

    /// The source named `display` in messages (the first, if two are).
    pub fn source_named(&self, display: &str) -> Option<SourceId> {
        self.sources
            .iter()
            .position(|s| s.display == display)
            .map(|i| i as SourceId)
    }

    /// Each input as given, as read: its bytes as stored, the records read from it
    /// (`records[source]`, counted by the caller), and the XXH3-64 of its bytes. A folder's
    /// hash is the XXH3-64 of, for each file read in walk order, its path relative to the
    /// folder, a NUL byte, and its size and XXH3-64 as 8-byte little-endian numbers; it is None
    /// when a file of it was not read to the end of its bytes (a format that does not count).
    pub fn input_files(&self, records: &[u64]) -> Vec<InputFile> {
        self.inputs
            .iter()
            .map(|input| {
                let digests: Vec<Option<Digest>> = input.sources.clone().map(|i| self.digest(i as SourceId)).collect();
                let bytes = digests.iter().flatten().map(|d| d.bytes).sum();
                let hash = if !input.is_dir {
                    digests.first().copied().flatten().map(|d| d.xxh3)
                } else if digests.iter().all(Option::is_some) {
                    let mut h = hasher(0);
                    for (i, d) in input.sources.clone().zip(digests.iter().flatten()) {
                        let path = self.sources[i].path.as_deref().unwrap_or(Path::new(""));
                        let rel = path.strip_prefix(&input.given).unwrap_or(path);
                        h.update(walk::relative(rel).as_bytes());
                        h.update(&[0]);
                        h.update(&d.bytes.to_le_bytes());
                        h.update(&d.xxh3.to_le_bytes());
                    }
                    Some(h.digest())
                } else {
                    None
                };
                InputFile {
                    path: input.given.clone(),
                    bytes,
                    records: input
                        .sources
                        .clone()
                        .map(|i| records.get(i).copied().unwrap_or(0))
                        .sum(),
                    xxh3: hash.map(|h| format!("{h:016x}")),
                }
            })
            .collect()
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
    /// Table formats read the fields `id` and `text`; see [`Corpus::read_records`].
    pub fn read_chunks(&self, max_doc_bytes: usize, oversized: &Oversized) -> Receiver<ChunkResult> {
        self.read_records(max_doc_bytes, oversized, &["id", "text"])
    }

    /// As [`Corpus::read_chunks`], reading these `fields` of a table format (Parquet): the id,
    /// the text, then the others the caller reads with [`Format::fields`].
    pub fn read_records(&self, max_doc_bytes: usize, oversized: &Oversized, fields: &[&str]) -> Receiver<ChunkResult> {
        let (tx, rx) = sync_channel::<ChunkResult>(3);
        let sources = self.sources.clone();
        let limits = Limits {
            max_doc_bytes,
            oversized: oversized.clone(),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
        };
        let digests = self.digests.clone();
        std::thread::spawn(move || {
            let mut send = |chunk: ChunkResult| tx.send(chunk).is_ok();
            let mut sink = Sink {
                pending: Chunk::default(),
                out: &mut send,
                open: true,
                digests,
            };
            for (idx, src) in sources.iter().enumerate() {
                let busy = Instant::now();
                let res = src.format.read(idx as SourceId, src, &limits, &mut sink);
                if src.format.one_record_per_file() {
                    sink.pending.read_s += busy.elapsed().as_secs_f64();
                }
                if let Err(e) = res {
                    sink.fail(e);
                }
                if !sink.open {
                    return;
                }
            }
            sink.flush();
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

/// A parsed record: its id and its text, borrowed from the input bytes where possible.
#[derive(Debug)]
pub struct Parsed<'a> {
    /// The user's id.
    pub key: Cow<'a, str>,
    /// The text.
    pub text: Cow<'a, str>,
}

/// Parses one record's bytes. A record without the id field gets its place as its id
/// ([`place_id`]) unless `fields.missing_id` says to reject it.
///
/// # Errors
/// A [`Problem`] saying what is wrong: invalid UTF-8 (with the byte offset), malformed JSON
/// (with the column), not an object, a missing or non-string field, an oversized record.
pub fn parse<'a>(
    src: &'a Source,
    item: &Item,
    bytes: &'a [u8],
    fields: Fields<'_>,
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
    let fields = Fields {
        line: item.span.line,
        ..fields
    };
    src.format.parse(src, text, &fields)
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
        let len = len.min(span.len);
        if src.held.as_ref().is_some_and(|h| h.read(span.offset, len, &mut f)) {
            return Ok(());
        }
        let path = src.plain_path();
        let io_err = |source: io::Error| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        let opened;
        let file = if src.format.one_record_per_file() {
            opened = File::open(path).map_err(io_err)?;
            &opened
        } else {
            let f = self.files[span.source as usize].get_or_init(|| File::open(path).map_err(|e| e.to_string()));
            f.as_ref().map_err(|e| io_err(io::Error::other(e.clone())))?
        };
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
        let (bytes, stored) = self.stored(span, id_field, text_field, max_doc_bytes)?;
        self.parse_stored(span, &bytes, stored, id_field, text_field, max_doc_bytes)
    }

    /// The bytes of the record at `span` as the first pass kept them (cut down again if it was
    /// over `max_doc_bytes`).
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn stored(
        &self,
        span: &Span,
        id_field: &str,
        text_field: &str,
        max_doc_bytes: usize,
    ) -> Result<(Vec<u8>, Stored)> {
        let src = &self.corpus.sources[span.source as usize];
        if span.len as usize <= max_doc_bytes {
            return Ok((self.bytes(span)?, Stored::Whole));
        }
        let fields = Fields::new(id_field, text_field, MissingId::Place);
        src.format
            .cut(&|len, f| self.blocks(span, len, f), span.len, max_doc_bytes, &fields)
    }

    /// The text of a record from the bytes [`Reader::stored`] gave.
    ///
    /// # Errors
    /// The record no longer parses: the file changed since it was read.
    pub fn parse_stored(
        &self,
        span: &Span,
        bytes: &[u8],
        stored: Stored,
        id_field: &str,
        text_field: &str,
        max_doc_bytes: usize,
    ) -> Result<String> {
        let src = &self.corpus.sources[span.source as usize];
        let item = Item {
            span: *span,
            start: 0,
            stored,
        };
        // Only the text is wanted: a record without an id is no problem here.
        let fields = Fields::new(id_field, text_field, MissingId::Place);
        let parsed = parse(src, &item, bytes, fields, max_doc_bytes).map_err(|problem| Error::Input {
            at: self.corpus.location(span),
            problem: Problem::new(
                "changed",
                format!(
                    "the input changed while storydup ran ({}); rerun once the input no longer changes",
                    problem.message
                ),
            ),
        })?;
        Ok(parsed.text.into_owned())
    }

    /// Where `span` is, for messages.
    pub fn location(&self, span: &Span) -> Location {
        self.corpus.location(span)
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

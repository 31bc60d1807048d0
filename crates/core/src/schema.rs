//! One typed schema for every line storydup dedup writes: `removed.jsonl`, `clusters.jsonl`,
//! `rejected.jsonl` and `summary.json` (`kept.jsonl` holds the input lines themselves). The
//! writer, `storydup verify` and `storydup eval` all go through these types, so a field renamed
//! here is renamed everywhere.
//!
//! Fields of the line types are declared in alphabetical order: that is the order in which they
//! have always been written, and the files stay byte-identical across versions.

use serde::{Deserialize, Serialize};

use crate::dedup::cluster::Measure;
use crate::dedup::verify::Stats;
use crate::params::Params;

/// A line of `removed.jsonl`: a record removed as a duplicate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemovedLine {
    /// Its cluster (a line of `clusters.jsonl`).
    pub cluster: u64,
    /// The kept record of the cluster.
    pub duplicate_of: String,
    /// The removed record.
    pub id: String,
    /// The record whose similarity is stated, when it is not `duplicate_of` (joined through a
    /// chain A~B, B~C).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
    /// What `similarity` is.
    pub measure: Measure,
    /// The measured similarity, rounded to six decimals.
    pub similarity: f64,
}

/// A line of `clusters.jsonl`: a cluster of two or more records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterLine {
    /// Its number (0, 1, ... in order of first member).
    pub cluster: u64,
    /// The record kept.
    pub kept: String,
    /// Every member, in input order.
    pub members: Vec<String>,
    /// Number of members.
    pub size: u64,
}

/// A line of `rejected.jsonl`: a record that could not be used (under `--on-error skip`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedLine {
    /// Byte offset of the record in the (decompressed) input.
    pub byte_offset: u64,
    /// The input file as named.
    pub file: String,
    /// The record's id, when it could be read.
    pub id: Option<String>,
    /// Machine-readable kind, e.g. `malformed_json`.
    pub kind: String,
    /// 1-based line (row for a table, 1 for a `.txt` file).
    pub line: u64,
    /// What was wrong and what to do.
    pub reason: String,
}

/// The saved index a run was deduplicated against (`dedup --against`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Against {
    /// The index folder, as given.
    pub index: String,
    /// Its generation (one more with each `--update`).
    pub generation: u64,
    /// Records it held.
    pub records: u64,
    /// Whether this run's records were added to it (`--update`).
    pub updated: bool,
}

/// Rounds a similarity to six decimals so that output is the same bytes on every platform.
pub fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Time per stage, in seconds (varies between runs; nothing else in `summary.json` does).
///
/// The five top-level figures are wall-clock times of whole stages, as earlier versions wrote
/// them. [`WallTimes`] splits them further where the work is sequential or where the wall time of
/// a parallel step matters; [`ThreadTimes`] splits the parallel stages by what the threads spent
/// their time on. [`Timings::breakdown`] lists the stages in pipeline order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Timings {
    /// Pass 1, wall: reading, decompressing, parsing, normalizing, shingling and MinHash.
    pub read_and_sign: f64,
    /// Wall: banding and candidate pairs.
    pub lsh: f64,
    /// Wall: estimate filter, exact re-reading, clustering.
    pub verify_and_cluster: f64,
    /// Wall: writing the outputs (pass 2 over the input).
    pub write: f64,
    /// Wall: loading a saved index (`dedup --against`; 0 otherwise).
    pub index_load: f64,
    /// Wall: the whole run.
    pub total: f64,
    /// Wall-clock parts of the stages above.
    pub wall: WallTimes,
    /// Thread-seconds of the parallel stages' parts.
    pub thread: ThreadTimes,
}

/// Wall-clock seconds of parts of the stages.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WallTimes {
    /// Pass 1: signing waited for the reader thread to hand over a chunk. Near zero unless
    /// reading or decompression holds the run back.
    pub input_wait: f64,
    /// Pass 1: signing chunks in parallel (parse, normalize, shingle, MinHash).
    pub sign: f64,
    /// Pass 1, sequential: checking ids for duplicates and storing signatures.
    pub ids: f64,
    /// Verification: the filter on the MinHash estimate (parallel).
    pub verify_filter: f64,
    /// Verification, sequential: grouping the pairs into connected components.
    pub components: f64,
    /// Verification: exact measuring and clustering of the components (parallel).
    pub verify_components: f64,
}

/// Thread-seconds: the time the threads doing a stage spent in it, summed over the threads
/// (each part timed per record or per component with a monotonic clock). With `-j 1` they add
/// up to the wall time of their stage; with more threads they can exceed it. They include time a
/// thread was descheduled, so on a busy machine they grow too. Reading runs on its own thread,
/// alongside signing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThreadTimes {
    /// The reader thread: reading, decompressing (and spooling) the input, splitting lines.
    pub read: f64,
    /// UTF-8 check and JSON parsing of each record.
    pub parse: f64,
    /// NFKC, lower case and word breaks.
    pub normalize: f64,
    /// Hashing words (or characters) into shingle hashes (XXH3 and the rolling n-gram hash).
    pub shingle: f64,
    /// The MinHash permutations.
    pub minhash: f64,
    /// Measuring candidate pairs (exact: re-reading, shingling and intersecting the sets).
    pub verify: f64,
    /// Keeping the best containment edges and assembling clusters.
    pub cluster: f64,
}

impl Timings {
    /// Every stage in pipeline order: (name, seconds, whether the figure is thread-seconds).
    pub fn stages(&self) -> Vec<(&'static str, f64, bool)> {
        let (w, t) = (&self.wall, &self.thread);
        vec![
            ("read", t.read, true),
            ("parse", t.parse, true),
            ("normalize", t.normalize, true),
            ("shingle", t.shingle, true),
            ("minhash", t.minhash, true),
            ("index load", self.index_load, false),
            ("input wait", w.input_wait, false),
            ("ids", w.ids, false),
            ("lsh", self.lsh, false),
            ("verify filter", w.verify_filter, false),
            ("components", w.components, false),
            ("verify", t.verify, true),
            ("cluster", t.cluster, true),
            ("write", self.write, false),
        ]
    }

    /// The stages on one line, for people: `read 0.05s*, parse 0.12s*, ...`, where `*` marks
    /// thread-seconds.
    pub fn breakdown(&self) -> String {
        let parts: Vec<String> = self
            .stages()
            .into_iter()
            .map(|(name, s, thread)| format!("{name} {s:.2}s{}", if thread { "*" } else { "" }))
            .collect();
        format!(
            "{} (* thread-seconds, summed over threads; total wall {:.2}s)",
            parts.join(", "),
            self.total
        )
    }
}

/// Thread-seconds of the parts of signing (see [`ThreadTimes`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SignTimes {
    /// UTF-8 check and JSON parsing.
    pub parse: f64,
    /// NFKC, lower case and word breaks.
    pub normalize: f64,
    /// Words into shingle hashes.
    pub shingle: f64,
    /// The MinHash permutations.
    pub minhash: f64,
}

impl SignTimes {
    /// The sum of the parts.
    pub fn total(&self) -> f64 {
        self.parse + self.normalize + self.shingle + self.minhash
    }
}

/// What `summary.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// storydup's version.
    pub version: String,
    /// Records read.
    pub input: u64,
    /// Records in `kept.jsonl`.
    pub kept: u64,
    /// Records in `removed.jsonl`.
    pub removed: u64,
    /// Records in `rejected.jsonl`.
    pub rejected: u64,
    /// Of the kept records, those whose text has no words (empty, or only punctuation and
    /// spaces): kept, since they duplicate nothing, and never matched, not even with each other.
    #[serde(default)]
    pub empty: u64,
    /// Of the kept and removed records, those without an id field, known by their place
    /// `FILE:LINE` (`Params::missing_id`).
    #[serde(default)]
    pub without_id: u64,
    /// Clusters of two or more records.
    pub clusters: u64,
    /// Input bytes (decompressed).
    pub input_bytes: u64,
    /// Each input as given, as read: what `storydup verify DIR` re-reads, and how it tells
    /// another input from this one.
    #[serde(default)]
    pub inputs: Vec<InputFile>,
    /// Files inside input folders that were not read (neither `.txt` nor JSONL).
    pub skipped_files: u64,
    /// Records compared on the start of their text only, kept or removed whole: cut down by
    /// `--oversized truncate` or `--max-text-bytes`.
    pub truncated: u64,
    /// The parameters of the run.
    pub params: Params,
    /// The banding.
    pub lsh: LshSummary,
    /// Counts of the verification stage.
    pub verification: Stats,
    /// The saved index this run was deduplicated against, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against: Option<Against>,
    /// Wall time per stage (varies between runs; every other field does not).
    pub timings_s: Timings,
    /// Peak resident memory of the process, in bytes (varies between runs).
    pub peak_rss_bytes: u64,
}

/// One input of a run as the user named it (a file, a folder or `-`), as it was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFile {
    /// As given on the command line (a relative path is relative to the folder the run
    /// started in).
    pub path: String,
    /// Bytes as stored: compressed bytes for `.gz`/`.zst`, the bytes piped in for `-`, the sum
    /// of the files read for a folder.
    pub bytes: u64,
    /// Records read from it (rejected ones included).
    pub records: u64,
    /// XXH3-64 (seed 0) of those bytes, 16 hex digits; for a folder, of each file read in walk
    /// order: its path relative to the folder, a NUL byte, its size and XXH3-64 as 8-byte
    /// little-endian numbers. None when a file was not read through to its end.
    pub xxh3: Option<String>,
}

/// The banding and its S-curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LshSummary {
    /// Bands.
    pub bands: usize,
    /// Rows per band.
    pub rows: usize,
    /// The similarity the banding was chosen for.
    pub target: f64,
    /// (1/b)^(1/r).
    pub implied_threshold: f64,
    /// [similarity, probability of becoming a candidate].
    pub s_curve: Vec<(f64, f64)>,
}

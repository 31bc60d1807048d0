//! The `dedup` pipeline: read and sign (pass 1) → LSH candidates → verify and cluster → write
//! the outputs, copying kept records from the input (pass 2).
//!
//! Only what must stay is held per record: its id, where it is ([`Span`]), its number of
//! shingles and its signature. Texts are dropped after signing and re-read by offset when needed.

use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Instant;

use ahash::AHashMap;
use rayon::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::cluster::{Cluster, Removal};
use crate::corpus::{parse, Chunk, Corpus, Item, Reader, SourceKind, Span, Stored};
use crate::error::{Error, Location, Problem, Result};
use crate::hash::hash_bytes;
use crate::lsh::{candidates, Bands};
use crate::minhash::MinHasher;
use crate::params::{OnError, Params};
use crate::report::{commit_all, round6, Output, Pending, Spool, TxtLine};
use crate::shingle::Shingler;
use crate::verify::{verify, Stats, Table};

/// Hears about progress; the library never prints.
pub trait Observer: Sync {
    /// A stage starts.
    fn stage(&self, _name: &str) {}
    /// Total input bytes, when known.
    fn total_bytes(&self, _bytes: u64) {}
    /// More input bytes were read.
    fn advance(&self, _bytes: u64) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;
impl Observer for Silent {}

/// A record that could not be used, and why.
#[derive(Debug, Clone)]
pub struct Rejection {
    /// Where it is.
    pub at: Location,
    /// Its id, when it could be read.
    pub id: Option<String>,
    /// What was wrong.
    pub problem: Problem,
}

/// Time per stage, in seconds (varies between runs; nothing else in `summary.json` does).
///
/// The five top-level figures are wall-clock times of whole stages, as earlier versions wrote
/// them. [`WallTimes`] splits them further where the work is sequential or where the wall time of
/// a parallel step matters; [`ThreadTimes`] splits the parallel stages by what the threads spent
/// their time on. [`Timings::breakdown`] lists the stages in pipeline order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    /// Pass 1, wall: reading, decompressing, parsing, normalizing, shingling and MinHash.
    pub read_and_sign: f64,
    /// Wall: banding and candidate pairs.
    pub lsh: f64,
    /// Wall: estimate filter, exact re-reading, clustering.
    pub verify_and_cluster: f64,
    /// Wall: writing the outputs (pass 2 over the input).
    pub write: f64,
    /// Wall: the whole run.
    pub total: f64,
    /// Wall-clock parts of the stages above.
    pub wall: WallTimes,
    /// Thread-seconds of the parallel stages' parts.
    pub thread: ThreadTimes,
}

/// Wall-clock seconds of parts of the stages.
#[derive(Debug, Clone, Default, Serialize)]
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
#[derive(Debug, Clone, Default, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// storydup's version.
    pub version: &'static str,
    /// Records read.
    pub input: u64,
    /// Records in `kept.jsonl`.
    pub kept: u64,
    /// Records in `removed.jsonl`.
    pub removed: u64,
    /// Records in `rejected.jsonl`.
    pub rejected: u64,
    /// Clusters of two or more records.
    pub clusters: u64,
    /// Input bytes (decompressed).
    pub input_bytes: u64,
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
    /// Wall time per stage (varies between runs; every other field does not).
    pub timings_s: Timings,
    /// Peak resident memory of the process, in bytes (varies between runs).
    pub peak_rss_bytes: u64,
}

/// The banding and its S-curve.
#[derive(Debug, Clone, Serialize)]
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

/// What pass 1 keeps per record.
#[derive(Default)]
struct Store {
    keys: Vec<Box<str>>,
    spans: Vec<Span>,
    sizes: Vec<u32>,
    sigs: Vec<u32>,
    /// First record of each id hash; `overflow` holds the rare ids whose hash another id has.
    by_hash: AHashMap<u64, u32>,
    overflow: AHashMap<Box<str>, u32>,
}

impl Store {
    /// The record that already has `key`, if any.
    fn find(&self, key: &str, h: u64) -> Option<u32> {
        match self.by_hash.get(&h) {
            Some(&d) if &*self.keys[d as usize] == key => Some(d),
            Some(_) => self.overflow.get(key).copied(),
            None => None,
        }
    }

    fn insert(&mut self, key: &str, h: u64, doc: u32) {
        if self.by_hash.contains_key(&h) {
            self.overflow.insert(key.into(), doc);
        } else {
            self.by_hash.insert(h, doc);
        }
    }
}

/// What signing makes of one record: its id, its number of shingles (repeats included) and
/// whether its text was cut to `--max-text-bytes`, or why it cannot be used and its id when that
/// could be read.
pub type Signed = std::result::Result<(String, u32, bool), (Option<String>, Problem)>;

/// Signs every record of `chunk` in parallel on the current rayon pool: parse, normalize,
/// shingle and MinHash, each record's signature into its `num_perm` slots of `sigs` (which must
/// hold `u32::MAX` in every slot). Returns each record's result, in order, and the
/// thread-seconds spent on each part (timed per record: five clock reads per record, well under
/// 1% of its cost).
pub fn sign_chunk(
    corpus: &Corpus,
    chunk: &Chunk,
    params: &Params,
    hasher: &MinHasher,
    sigs: &mut [u32],
) -> (Vec<Signed>, SignTimes) {
    let signed: Vec<(Signed, [u64; 4])> = chunk
        .items
        .par_iter()
        .zip(sigs.par_chunks_mut(params.num_perm))
        .map_init(Shingler::default, |shingler, (item, sig)| {
            let mut nanos = [0u64; 4];
            let result = sign_record(corpus, chunk, item, params, hasher, shingler, sig, &mut nanos);
            (result, nanos)
        })
        .collect();
    let mut nanos = [0u64; 4];
    let results = signed
        .into_iter()
        .map(|(r, n)| {
            for (sum, part) in nanos.iter_mut().zip(n) {
                *sum += part;
            }
            r
        })
        .collect();
    let s = |n: u64| n as f64 / 1e9;
    let times = SignTimes {
        parse: s(nanos[0]),
        normalize: s(nanos[1]),
        shingle: s(nanos[2]),
        minhash: s(nanos[3]),
    };
    (results, times)
}

/// Signs one record, adding the nanoseconds of its parse, normalize, shingle and MinHash parts
/// to `nanos`.
#[expect(clippy::too_many_arguments, reason = "the hot loop's state, passed without a struct")]
fn sign_record(
    corpus: &Corpus,
    chunk: &Chunk,
    item: &Item,
    params: &Params,
    hasher: &MinHasher,
    shingler: &mut Shingler,
    sig: &mut [u32],
    nanos: &mut [u64; 4],
) -> Signed {
    let t0 = Instant::now();
    let src = &corpus.sources[item.span.source as usize];
    let parsed = parse(
        src,
        item,
        chunk.bytes(item),
        &params.id_field,
        &params.text_field,
        params.max_doc_bytes,
    );
    let t1 = Instant::now();
    nanos[0] += (t1 - t0).as_nanos() as u64;
    // A .txt record's id is its path, known even when its bytes are bad.
    let parsed = parsed.map_err(|p| (src.txt_id.clone(), p))?;
    let compared = params.compared_text(&parsed.text);
    // Cut down by the reader (--oversized truncate) or here (--max-text-bytes).
    let truncated = matches!(item.stored, Stored::Cut(_)) || compared.len() < parsed.text.len();
    shingler.prepare(compared, params.shingle);
    let t2 = Instant::now();
    // MinHash ignores repeats, so the shingles are signed as they come; their count is kept as an
    // estimate of the set size (repeats included) for the estimate filter and --verify estimate.
    // Exact verification measures exact set sizes itself.
    let shingles = shingler.shingles(params.shingle, params.seed);
    let t3 = Instant::now();
    hasher.sign_into(sig, shingles);
    let t4 = Instant::now();
    nanos[1] += (t2 - t1).as_nanos() as u64;
    nanos[2] += (t3 - t2).as_nanos() as u64;
    nanos[3] += (t4 - t3).as_nanos() as u64;
    let n = shingles.len();
    if n == 0 {
        return Err((
            Some(parsed.key.into_owned()),
            Problem::new(
                "empty",
                "the text has no words (empty, or only punctuation and spaces); remove the record",
            ),
        ));
    }
    Ok((parsed.key.into_owned(), n.min(u32::MAX as usize) as u32, truncated))
}

/// Runs dedup over `inputs`, writing the outputs into `out_dir`.
///
/// # Errors
/// A bad record under `--on-error stop`, an unreadable input, an unwritable output folder.
pub fn run(inputs: &[String], out_dir: &Path, params: &Params, observer: &dyn Observer) -> Result<Summary> {
    let started = Instant::now();
    params.validate()?;
    std::fs::create_dir_all(out_dir).map_err(|source| Error::Output {
        path: out_dir.to_path_buf(),
        source,
    })?;
    // Removes what killed runs left in the folder, then spools under a lock (see report.rs).
    let spool_dir = Spool::create(out_dir)?;
    let corpus = Corpus::open(inputs, spool_dir.path())?;
    let mut timings = Timings::default();

    // Pass 1: read and sign.
    observer.stage("reading and signing");
    observer.total_bytes(corpus.stored_bytes());
    let hasher = MinHasher::new(params.num_perm, params.seed);
    let mut store = Store::default();
    let mut rejected: Vec<Rejection> = Vec::new();
    let mut input_records = 0u64;
    let mut input_bytes = 0u64;
    let mut truncated = 0u64; // records compared on the first --max-text-bytes of their text
    let mut held = 0u64; // bytes held for the stored records, as params.bytes_per_record counts
    let t = Instant::now();
    let chunks = corpus.read_chunks(params.max_doc_bytes, &params.oversized_policy());
    loop {
        let waited = Instant::now();
        let Ok(chunk) = chunks.recv() else { break };
        timings.wall.input_wait += waited.elapsed().as_secs_f64();
        let chunk = match chunk {
            Ok(c) => c,
            Err((at, problem)) => {
                input_records += 1;
                reject(params, &mut rejected, at, None, problem)?;
                continue;
            }
        };
        observer.advance(chunk.bytes_read);
        input_bytes += chunk.bytes_read;
        timings.thread.read += chunk.read_s;
        // Signatures go straight into one flat buffer per chunk: no allocation per record.
        let signing = Instant::now();
        let mut chunk_sigs = vec![u32::MAX; chunk.items.len() * params.num_perm];
        let (signed, times) = sign_chunk(&corpus, &chunk, params, &hasher, &mut chunk_sigs);
        timings.wall.sign += signing.elapsed().as_secs_f64();
        timings.thread.parse += times.parse;
        timings.thread.normalize += times.normalize;
        timings.thread.shingle += times.shingle;
        timings.thread.minhash += times.minhash;
        let storing = Instant::now();
        for ((item, result), sig) in chunk.items.iter().zip(signed).zip(chunk_sigs.chunks(params.num_perm)) {
            input_records += 1;
            match result {
                Ok((key, n, cut)) => {
                    truncated += u64::from(cut);
                    let h = hash_bytes(key.as_bytes(), 0);
                    if let Some(first) = store.find(&key, h) {
                        let first_at = corpus.location(&store.spans[first as usize]);
                        let problem = Problem::new(
                            "duplicate_id",
                            format!("id \"{key}\" was already used at {first_at}; give every record a unique id"),
                        );
                        reject(params, &mut rejected, corpus.location(&item.span), Some(key), problem)?;
                        continue;
                    }
                    held += params.bytes_per_record() + key.len() as u64;
                    if let Some(limit) = params.max_memory.filter(|&l| held > l) {
                        return Err(Error::Params {
                            field: "max-memory",
                            reason: format!(
                                "{} records held reach the limit of {} MiB at {} (about {} bytes per record); \
                                 raise --max-memory, lower --num-perm, or split the input",
                                store.keys.len() + 1,
                                limit >> 20,
                                corpus.location(&item.span),
                                params.bytes_per_record() + key.len() as u64,
                            ),
                        });
                    }
                    let doc = store.keys.len() as u32;
                    store.insert(&key, h, doc);
                    store.keys.push(key.into_boxed_str());
                    store.spans.push(item.span);
                    store.sizes.push(n);
                    store.sigs.extend_from_slice(sig);
                }
                Err((id, problem)) => reject(params, &mut rejected, corpus.location(&item.span), id, problem)?,
            }
        }
        timings.wall.ids += storing.elapsed().as_secs_f64();
    }
    if store.keys.len() >= u32::MAX as usize {
        return Err(Error::Params {
            field: "INPUT",
            reason: "more than 4 billion records; split the input".into(),
        });
    }
    timings.read_and_sign = t.elapsed().as_secs_f64();

    // Candidates.
    observer.stage("finding candidates");
    let t = Instant::now();
    let target = if params.containment {
        params.threshold.min(containment_target(params.threshold))
    } else {
        params.threshold
    };
    let bands = match (params.bands, params.rows) {
        (Some(b), Some(r)) => Bands {
            bands: b,
            rows: r,
            target,
        },
        _ => Bands::choose(target, params.num_perm),
    };
    let pairs = candidates(&store.sigs, params.num_perm, &bands);
    timings.lsh = t.elapsed().as_secs_f64();

    // Verify and cluster.
    observer.stage("verifying candidates");
    let t = Instant::now();
    let reader = Reader::new(&corpus);
    let table = Table {
        sigs: &store.sigs,
        sizes: &store.sizes,
        spans: &store.spans,
        num_perm: params.num_perm,
    };
    let (clusters, stats) = verify(&pairs, &table, &reader, params)?;
    drop(pairs);
    timings.verify_and_cluster = t.elapsed().as_secs_f64();
    timings.wall.verify_filter = stats.filter_s;
    timings.wall.components = stats.components_s;
    timings.wall.verify_components = (timings.verify_and_cluster - stats.filter_s - stats.components_s).max(0.0);
    timings.thread.verify = stats.verify_thread_s;
    timings.thread.cluster = stats.cluster_thread_s;

    // Write.
    observer.stage("writing outputs");
    let t = Instant::now();
    let (files, kept, removed) = write_outputs(out_dir, &corpus, &store, &clusters, &rejected)?;
    timings.write = t.elapsed().as_secs_f64();
    timings.total = started.elapsed().as_secs_f64();

    let summary = Summary {
        version: env!("CARGO_PKG_VERSION"),
        input: input_records,
        kept,
        removed,
        rejected: rejected.len() as u64,
        clusters: clusters.len() as u64,
        input_bytes,
        skipped_files: corpus.num_skipped_files as u64,
        truncated,
        params: params.clone(),
        lsh: LshSummary {
            bands: bands.bands,
            rows: bands.rows,
            target: round6(bands.target),
            implied_threshold: round6(bands.implied_threshold()),
            s_curve: bands
                .s_curve()
                .into_iter()
                .map(|(s, p)| (round6(s), round6(p)))
                .collect(),
        },
        verification: stats,
        timings_s: timings,
        peak_rss_bytes: peak_rss_bytes(),
    };
    if summary.input != summary.kept + summary.removed + summary.rejected {
        return Err(Error::Internal(format!(
            "input {} != kept {} + removed {} + rejected {}",
            summary.input, summary.kept, summary.removed, summary.rejected
        )));
    }
    let mut s = Output::create(out_dir, "summary.json")?;
    let mut text = serde_json::to_vec_pretty(&summary).map_err(|e| Error::Internal(e.to_string()))?;
    text.push(b'\n');
    s.write(&text)?;
    // Outputs are renamed into place here: nothing before this point is visible.
    commit_all(out_dir, files, s.finish()?)?;
    Ok(summary)
}

/// The Jaccard that a record fully contained in one 2.5 times its size has (80 / 270 at 0.8):
/// containment candidates are banded for it, so embedded copies with up to 150 % of added text
/// are found.
fn containment_target(t: f64) -> f64 {
    let ratio = 2.5;
    t / (ratio + 1.0 - t)
}

fn reject(
    params: &Params,
    rejected: &mut Vec<Rejection>,
    at: Location,
    id: Option<String>,
    problem: Problem,
) -> Result<()> {
    match params.on_error {
        OnError::Stop => Err(Error::Input { at, problem }),
        OnError::Skip => {
            rejected.push(Rejection { at, id, problem });
            Ok(())
        }
    }
}

/// Writes kept, removed, clusters and rejected, not yet renamed into place; returns them with the
/// counts of kept and removed records.
fn write_outputs(
    out_dir: &Path,
    corpus: &Corpus,
    store: &Store,
    clusters: &[Cluster],
    rejected: &[Rejection],
) -> Result<(Vec<Pending>, u64, u64)> {
    let n = store.keys.len();
    let mut removed_flag = vec![false; n];
    let mut cluster_of = vec![u32::MAX; n];
    let mut removals: Vec<(u32, u32, &Removal)> = Vec::new();
    for (cid, c) in clusters.iter().enumerate() {
        for &m in &c.members {
            cluster_of[m as usize] = cid as u32;
        }
        for r in &c.removals {
            removed_flag[r.doc as usize] = true;
            removals.push((r.doc, cid as u32, r));
        }
    }
    removals.sort_by_key(|r| r.0);
    let key = |d: u32| &*store.keys[d as usize];

    let mut removed = Output::create(out_dir, "removed.jsonl")?;
    for (doc, cid, r) in &removals {
        let mut v = json!({
            "id": key(*doc),
            "duplicate_of": key(r.duplicate_of),
            "similarity": round6(r.similarity),
            "measure": r.measure,
            "cluster": cid,
        });
        if r.matched != r.duplicate_of {
            v["matched"] = json!(key(r.matched));
        }
        removed.json_line(&v)?;
    }
    let mut cl = Output::create(out_dir, "clusters.jsonl")?;
    for (cid, c) in clusters.iter().enumerate() {
        let members: Vec<&str> = c.members.iter().map(|&m| key(m)).collect();
        cl.json_line(&json!({"cluster": cid, "kept": key(c.kept), "size": members.len(), "members": members}))?;
    }
    let mut rej = Output::create(out_dir, "rejected.jsonl")?;
    for r in rejected {
        rej.json_line(&json!({
            "file": r.at.path,
            "line": r.at.line,
            "byte_offset": r.at.byte_offset,
            "id": r.id,
            "kind": r.problem.kind,
            "reason": r.problem.message,
        }))?;
    }
    let mut kept = Output::create(out_dir, "kept.jsonl")?;
    let num_kept = copy_kept(&mut kept, corpus, store, &removed_flag)?;
    let files = vec![kept.finish()?, removed.finish()?, cl.finish()?, rej.finish()?];
    Ok((files, num_kept, removals.len() as u64))
}

/// Copies the kept records, byte for byte, reading each source sequentially once.
fn copy_kept(out: &mut Output, corpus: &Corpus, store: &Store, removed: &[bool]) -> Result<u64> {
    const BLOCK: usize = 1 << 20;
    let mut current: Option<(u32, BufReader<std::fs::File>, u64)> = None;
    let mut buf = Vec::new();
    let mut count = 0;
    for (d, span) in store.spans.iter().enumerate() {
        if removed[d] {
            continue;
        }
        count += 1;
        let src = &corpus.sources[span.source as usize];
        let path = src.plain_path();
        let io_err = |source: std::io::Error| Error::Io {
            path: path.to_path_buf(),
            source,
        };
        if current.as_ref().is_none_or(|c| c.0 != span.source) {
            let f = std::fs::File::open(path).map_err(io_err)?;
            current = Some((span.source, BufReader::with_capacity(1 << 20, f), 0));
        }
        let (_, reader, pos) = current.as_mut().expect("just set");
        if span.offset >= *pos {
            reader.seek_relative((span.offset - *pos) as i64).map_err(io_err)?;
        } else {
            reader.seek(SeekFrom::Start(span.offset)).map_err(io_err)?;
        }
        *pos = span.offset + span.len;
        // In blocks: a record cut down under --oversized truncate may be any size.
        let mut failed = None;
        let mut write = |b: &[u8]| {
            if failed.is_none() {
                failed = out.write(b).err();
            }
        };
        let mut txt = (src.kind == SourceKind::Txt).then(|| TxtLine::begin(&store.keys[d], &mut write));
        let mut left = span.len as usize;
        while left > 0 {
            let n = left.min(BLOCK);
            buf.resize(n, 0);
            reader.read_exact(&mut buf).map_err(io_err)?;
            match txt.as_mut() {
                Some(line) => line.push(&buf, &mut write),
                None => write(&buf),
            }
            left -= n;
        }
        if let Some(line) = txt {
            line.end(&mut write);
        }
        write(b"\n");
        if let Some(e) = failed {
            return Err(e);
        }
    }
    Ok(count)
}

/// Peak resident set size of this process (VmHWM), or 0 where /proc is not available.
pub fn peak_rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

//! `storydup dedup` over files: read and sign (pass 1) → the core's candidates, verification and
//! clusters → write the outputs, copying kept records from the input (pass 2).
//!
//! Only what must stay is held per record: what the core's [`Deduper`] holds (signature, shingle
//! count, id) and where the record is ([`Span`]). Texts are dropped after signing and re-read by
//! offset when verification asks for them.

use std::borrow::Cow;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use storydup_core::dedup::engine::SignNanos;
use storydup_core::dedup::lsh::Bands;
use storydup_core::dedup::{Added, Cluster, Deduper, DocId, Observer, Outcome, Removal, Signed, Signer, TextSource};
use storydup_core::error::{Error, Location, Problem, Result};
use storydup_core::hash::hash_bytes;
use storydup_core::params::{OnError, Params};
use storydup_core::schema::{round6, Against, ClusterLine, LshSummary, RejectedLine, RemovedLine, Summary, Timings};
use storydup_core::shingle::Shingler;

use crate::atomic::{commit_all, Output, Pending, Spool, TxtLine};
use crate::source::{
    duplicate_id, is_place_id, oversized_policy, parse, Chunk, Corpus, Fields, KeptAs, Reader, Span, Stored,
};
use crate::system::peak_rss_bytes;

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

/// Thread-seconds of the parts of signing (see [`storydup_core::schema::ThreadTimes`]).
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

/// What signing makes of one record: its id, what the signer found and the XXH3 of its bytes as
/// read (a saved index checks them when it re-reads the record), or why it cannot be used and its
/// id when that could be read.
pub type SignedRecord = std::result::Result<(String, Signed, u64), (Option<String>, Problem)>;

/// Signs every record of `chunk` in parallel on the current rayon pool: parse, normalize,
/// shingle and MinHash, each record's signature into its `num_perm` slots of `sigs` (which must
/// hold `u32::MAX` in every slot). Returns each record's result, in order, and the
/// thread-seconds spent on each part (timed per record: a few clock reads per record, well under
/// 1% of its cost).
pub fn sign_chunk(corpus: &Corpus, chunk: &Chunk, signer: &Signer, sigs: &mut [u32]) -> (Vec<SignedRecord>, SignTimes) {
    let params = signer.params();
    let signed: Vec<(SignedRecord, u64, SignNanos)> = chunk
        .items
        .par_iter()
        .zip(sigs.par_chunks_mut(params.num_perm))
        .map_init(Shingler::default, |shingler, (item, sig)| {
            let mut nanos = [0u64; 3];
            let t = Instant::now();
            let src = &corpus.sources[item.span.source as usize];
            let fields = Fields::new(&params.id_field, &params.text_field, params.missing_id);
            let parsed = parse(src, item, chunk.bytes(item), fields, params.max_doc_bytes);
            let parse_ns = t.elapsed().as_nanos() as u64;
            // A .txt record's id is its path, known even when its bytes are bad.
            let result = match parsed {
                Err(p) => Err((src.name_id.clone(), p)),
                Ok(parsed) => {
                    let mut s = signer.sign(&parsed.text, shingler, sig, &mut nanos);
                    // Cut down by the reader (--oversized truncate) or the signer (--max-text-bytes).
                    s.truncated |= matches!(item.stored, Stored::Cut(_));
                    Ok((parsed.key.into_owned(), s, hash_bytes(chunk.bytes(item), 0)))
                }
            };
            (result, parse_ns, nanos)
        })
        .collect();
    let mut sums = [0u64; 4];
    let results = signed
        .into_iter()
        .map(|(r, p, n)| {
            sums[0] += p;
            for (sum, part) in sums[1..].iter_mut().zip(n) {
                *sum += part;
            }
            r
        })
        .collect();
    let s = |n: u64| n as f64 / 1e9;
    let times = SignTimes {
        parse: s(sums[0]),
        normalize: s(sums[1]),
        shingle: s(sums[2]),
        minhash: s(sums[3]),
    };
    (results, times)
}

/// Texts of a run's records, re-read by byte offset and parsed as in the first pass. Records
/// `0..first` are someone else's (a saved index's); this source answers for `first..`.
pub struct FileTexts<'a> {
    /// Random access to the files.
    pub reader: Reader<'a>,
    /// Where each record is.
    pub spans: &'a [Span],
    /// The XXH3 of each record's bytes when it was read, to check that it did not change (a
    /// saved index's records); `None`: the run's own, read moments ago.
    pub hashes: Option<&'a [u64]>,
    /// The run's parameters (fields, size limit).
    pub params: &'a Params,
}

impl FileTexts<'_> {
    /// The text of the record at position `i` of `spans`.
    ///
    /// # Errors
    /// The file cannot be read, or the record changed since it was indexed.
    pub fn text_at(&self, i: usize) -> Result<String> {
        let p = self.params;
        let span = &self.spans[i];
        match self.hashes {
            None => self.reader.text(span, &p.id_field, &p.text_field, p.max_doc_bytes),
            Some(hashes) => {
                let (bytes, stored) = self.reader.stored(span, &p.id_field, &p.text_field, p.max_doc_bytes)?;
                if hash_bytes(&bytes, 0) != hashes[i] {
                    let at = self.reader.location(span);
                    return Err(Error::Index {
                        path: at.path.clone(),
                        reason: format!(
                            "line {} changed since it was indexed, so it cannot be compared exactly; \
                             restore the file as it was, or rebuild the index with storydup index build",
                            at.line
                        ),
                    });
                }
                self.reader
                    .parse_stored(span, &bytes, stored, &p.id_field, &p.text_field, p.max_doc_bytes)
            }
        }
    }
}

impl TextSource for FileTexts<'_> {
    fn text(&self, doc: DocId) -> Result<Cow<'_, str>> {
        self.text_at(doc.index()).map(Cow::Owned)
    }
}

/// What the first pass read: where each stored record is, the XXH3 of its bytes, what was
/// rejected, and counts.
#[derive(Debug, Default)]
pub struct Pass1 {
    /// Where each record added to the engine is, in order.
    pub spans: Vec<Span>,
    /// The XXH3 of each one's bytes as read (when kept for a saved index).
    pub hashes: Vec<u64>,
    /// Records that could not be used.
    pub rejected: Vec<Rejection>,
    /// Records read (stored and rejected).
    pub input_records: u64,
    /// Bytes read (decompressed).
    pub input_bytes: u64,
    /// Records known by their place (they had no id).
    pub without_id: u64,
    /// Records read from each source.
    pub records_per_source: Vec<u64>,
}

/// Pass 1: reads every record of `corpus`, signs it and adds it to `dedup`. With `keep_hashes`
/// (a saved index is made) the XXH3 of each record's bytes is kept too.
///
/// # Errors
/// A bad record under `--on-error stop`, an unreadable input, the memory limit.
pub fn read_and_sign(
    corpus: &Corpus,
    dedup: &mut Deduper,
    keep_hashes: bool,
    observer: &dyn Observer,
    timings: &mut Timings,
) -> Result<Pass1> {
    let params = dedup.params().clone();
    let params = &params;
    observer.stage("reading and signing");
    observer.total_bytes(corpus.stored_bytes());
    let mut pass = Pass1 {
        records_per_source: vec![0; corpus.sources.len()],
        ..Pass1::default()
    };
    let t = Instant::now();
    let chunks = corpus.read_records(
        params.max_doc_bytes,
        &oversized_policy(params.oversized, &params.id_field, &params.text_field),
        &[&params.id_field, &params.text_field],
    );
    loop {
        let waited = Instant::now();
        let Ok(chunk) = chunks.recv() else { break };
        timings.wall.input_wait += waited.elapsed().as_secs_f64();
        let chunk = match chunk {
            Ok(c) => c,
            Err((at, problem)) => {
                pass.input_records += 1;
                if let Some(src) = corpus.source_named(&at.path) {
                    pass.records_per_source[src as usize] += 1;
                }
                reject(params, &mut pass.rejected, at, None, problem)?;
                continue;
            }
        };
        observer.advance(chunk.bytes_read);
        pass.input_bytes += chunk.bytes_read;
        timings.thread.read += chunk.read_s;
        // Signatures go straight into one flat buffer per chunk: no allocation per record.
        let signing = Instant::now();
        let mut chunk_sigs = vec![u32::MAX; chunk.items.len() * params.num_perm];
        let (signed, times) = sign_chunk(corpus, &chunk, dedup.signer(), &mut chunk_sigs);
        timings.wall.sign += signing.elapsed().as_secs_f64();
        timings.thread.parse += times.parse;
        timings.thread.normalize += times.normalize;
        timings.thread.shingle += times.shingle;
        timings.thread.minhash += times.minhash;
        let storing = Instant::now();
        for ((item, result), sig) in chunk.items.iter().zip(signed).zip(chunk_sigs.chunks(params.num_perm)) {
            pass.input_records += 1;
            pass.records_per_source[item.span.source as usize] += 1;
            let at = corpus.location(&item.span);
            // A text without words is stored too: the engine keeps it and never matches it.
            match result {
                Ok((key, s, hash)) => match dedup.add(Some(&key), s, sig, &at)? {
                    Added::Doc(_) => {
                        pass.spans.push(item.span);
                        pass.without_id += u64::from(is_place_id(&key, &at));
                        if keep_hashes {
                            pass.hashes.push(hash);
                        }
                    }
                    Added::DuplicateId(first) => {
                        let problem = match first.index().checked_sub(dedup.num_old()) {
                            Some(i) => duplicate_id(&key, &at, &corpus.location(&pass.spans[i]), &params.id_field),
                            None => Problem::new(
                                "duplicate_id",
                                format!(
                                    "id \"{key}\" is already in the index (its record {}); give every record a unique id \
                                     (a record without an id is known by its place FILE:LINE, so give each batch's file \
                                     its own name)",
                                    first.0 + 1
                                ),
                            ),
                        };
                        reject(params, &mut pass.rejected, at, Some(key), problem)?;
                    }
                },
                Err((id, problem)) => reject(params, &mut pass.rejected, at, id, problem)?,
            }
        }
        timings.wall.ids += storing.elapsed().as_secs_f64();
    }
    timings.read_and_sign = t.elapsed().as_secs_f64();
    Ok(pass)
}

/// Candidates, verification and clusters, with their timings. With `drop_signatures` (nothing
/// will be saved) the engine lets go of the signatures once they have done their work.
///
/// # Errors
/// `texts` could not give a text again.
pub fn cluster<T: TextSource + ?Sized>(
    dedup: &mut Deduper,
    texts: &T,
    drop_signatures: bool,
    observer: &dyn Observer,
    timings: &mut Timings,
) -> Result<Outcome> {
    observer.stage("verifying candidates");
    let t = Instant::now();
    let outcome = if drop_signatures {
        dedup.finish_dropping_signatures(texts)?
    } else {
        dedup.finish(texts)?
    };
    let stats = outcome.stats;
    timings.lsh = outcome.lsh_s;
    timings.verify_and_cluster = t.elapsed().as_secs_f64() - outcome.lsh_s;
    timings.wall.verify_filter = stats.filter_s;
    timings.wall.components = stats.components_s;
    timings.wall.verify_components = (timings.verify_and_cluster - stats.filter_s - stats.components_s).max(0.0);
    timings.thread.verify = stats.verify_thread_s;
    timings.thread.cluster = stats.cluster_thread_s;
    Ok(outcome)
}

/// Runs dedup over `inputs`, writing the outputs into `out_dir`.
///
/// # Errors
/// A bad record under `--on-error stop`, an unreadable input, an unwritable output folder.
pub fn run(inputs: &[String], out_dir: &Path, params: &Params, observer: &dyn Observer) -> Result<Summary> {
    let started = Instant::now();
    let mut dedup = Deduper::new(params)?;
    let spool_dir = prepare_out(out_dir)?;
    let corpus = Corpus::open(inputs, spool_dir.path())?;
    #[cfg(feature = "parquet")]
    crate::kept_parquet::check_inputs(&corpus)?;
    let mut timings = Timings::default();
    let pass = read_and_sign(&corpus, &mut dedup, false, observer, &mut timings)?;
    dedup.release_id_table();
    let texts = FileTexts {
        reader: Reader::new(&corpus),
        spans: &pass.spans,
        hashes: None,
        params,
    };
    let outcome = cluster(&mut dedup, &texts, true, observer, &mut timings)?;
    observer.stage("writing outputs");
    write_run(out_dir, &corpus, &dedup, &pass, &outcome, timings, started, None)
}

/// Creates `out_dir` if needed, removes what killed runs left there, and makes this run's
/// spool folder in it (locked; see atomic.rs).
///
/// # Errors
/// The folder cannot be created or written.
pub fn prepare_out(out_dir: &Path) -> Result<Spool> {
    if out_dir.exists() && !out_dir.is_dir() {
        return Err(Error::Params {
            field: "--out",
            reason: format!(
                "{} is a file, and --out must be a folder (storydup writes kept.jsonl, removed.jsonl, \
                 clusters.jsonl, rejected.jsonl and summary.json into it); name a new or existing folder",
                out_dir.display()
            ),
        });
    }
    std::fs::create_dir_all(out_dir).map_err(|source| Error::Output {
        path: out_dir.to_path_buf(),
        source,
    })?;
    Spool::create(out_dir)
}

/// Writes the outputs of a run and its summary, atomically (summary.json last). Against a saved
/// index, only this run's records (after the index's) are written; `against` describes the index.
///
/// # Errors
/// An output cannot be written, or the counts do not add up (a bug).
#[expect(clippy::too_many_arguments, reason = "the parts of a finished run, each used once")]
pub fn write_run(
    out_dir: &Path,
    corpus: &Corpus,
    dedup: &Deduper,
    pass: &Pass1,
    outcome: &Outcome,
    mut timings: Timings,
    started: Instant,
    against: Option<Against>,
) -> Result<Summary> {
    let params = dedup.params();
    let t = Instant::now();
    let (files, kept, removed) = write_outputs(out_dir, corpus, dedup, &pass.spans, &outcome.clusters, &pass.rejected)?;
    timings.write = t.elapsed().as_secs_f64();
    timings.total = started.elapsed().as_secs_f64();

    let bands = outcome.bands;
    let summary = Summary {
        version: env!("CARGO_PKG_VERSION").to_string(),
        input: pass.input_records,
        kept,
        removed,
        rejected: pass.rejected.len() as u64,
        empty: dedup.num_empty(),
        without_id: pass.without_id,
        clusters: outcome.clusters.len() as u64,
        input_bytes: pass.input_bytes,
        inputs: corpus.input_files(&pass.records_per_source),
        skipped_files: corpus.num_skipped_files as u64,
        truncated: dedup.num_truncated(),
        params: params.clone(),
        lsh: lsh_summary(&bands),
        verification: outcome.stats,
        against,
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

/// The banding as `summary.json` states it (figures rounded to six decimals). The Spark job
/// states it through this too.
pub fn lsh_summary(bands: &Bands) -> LshSummary {
    LshSummary {
        bands: bands.bands,
        rows: bands.rows,
        target: round6(bands.target),
        implied_threshold: round6(bands.implied_threshold()),
        s_curve: bands
            .s_curve()
            .into_iter()
            .map(|(s, p)| (round6(s), round6(p)))
            .collect(),
    }
}

/// What `storydup dedup` (and `index build`) add to the message of the bad record that stopped a
/// run under `--on-error stop` (`kind` its problem's kind): the fix besides mending the record.
/// The Spark job stops with the same words.
pub fn stop_advice(at: &Location, kind: &str) -> String {
    let mut advice = first_line_advice(at, kind).unwrap_or_default();
    // The input changing under a run is not the record's fault: skipping it would not help.
    if kind != "changed" {
        advice.push_str("; or rerun with --on-error skip to write the record to rejected.jsonl and go on");
    }
    advice
}

/// For a first line that is not a JSON object: perhaps the file is not JSONL at all, and
/// skipping would reject every line of it.
pub fn first_line_advice(at: &Location, kind: &str) -> Option<String> {
    (at.line == 1 && matches!(kind, "malformed_json" | "not_an_object"))
        .then(|| format!("; if {} is not JSONL, convert it to JSONL", at.path))
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

/// The lines of `removed.jsonl` and `clusters.jsonl` for `clusters`, ids from `id`.
pub fn output_lines<'a>(clusters: &[Cluster], id: impl Fn(u32) -> &'a str) -> (Vec<RemovedLine>, Vec<ClusterLine>) {
    let (mut removed, mut lines) = (Vec::new(), Vec::new());
    for_each_output_line(
        clusters,
        id,
        |r| {
            removed.push(r);
            Ok(())
        },
        |c| {
            lines.push(c);
            Ok(())
        },
    )
    .expect("collecting cannot fail");
    (removed, lines)
}

/// Hands each line of `removed.jsonl` (in record order) and of `clusters.jsonl` (in cluster
/// order) to its callback, one at a time, so that writing them holds no list of lines (at 10
/// million records the lines took more memory than the records). Returns the removed count.
///
/// # Errors
/// A callback's error, as it came.
pub fn for_each_output_line<'a>(
    clusters: &[Cluster],
    id: impl Fn(u32) -> &'a str,
    mut on_removed: impl FnMut(RemovedLine) -> Result<()>,
    mut on_cluster: impl FnMut(ClusterLine) -> Result<()>,
) -> Result<u64> {
    let mut removals: Vec<(u32, u32, u32)> = Vec::new(); // (record, cluster, index in cluster)
    for (cid, c) in clusters.iter().enumerate() {
        for (k, r) in c.removals.iter().enumerate() {
            removals.push((r.doc, cid as u32, k as u32));
        }
    }
    removals.sort_unstable();
    for &(doc, cid, k) in &removals {
        let r: &Removal = &clusters[cid as usize].removals[k as usize];
        debug_assert_eq!(r.doc, doc);
        on_removed(removed_line(u64::from(cid), r, &id))?;
    }
    for (cid, c) in clusters.iter().enumerate() {
        on_cluster(cluster_line(cid as u64, c, &id))?;
    }
    Ok(removals.len() as u64)
}

/// The `removed.jsonl` line of removal `r` in cluster number `cluster`, ids from `id`. The Spark
/// job writes its lines through this too.
pub fn removed_line<'a>(cluster: u64, r: &Removal, id: impl Fn(u32) -> &'a str) -> RemovedLine {
    RemovedLine {
        cluster,
        duplicate_of: id(r.duplicate_of).to_string(),
        id: id(r.doc).to_string(),
        matched: (r.matched != r.duplicate_of).then(|| id(r.matched).to_string()),
        measure: r.measure,
        similarity: round6(r.similarity),
    }
}

/// The `clusters.jsonl` line of cluster `c`, numbered `cluster`, ids from `id`.
pub fn cluster_line<'a>(cluster: u64, c: &Cluster, id: impl Fn(u32) -> &'a str) -> ClusterLine {
    ClusterLine {
        cluster,
        kept: id(c.kept).to_string(),
        members: c.members.iter().map(|&m| id(m).to_string()).collect(),
        size: c.members.len() as u64,
    }
}

/// Writes kept, removed, clusters and rejected, not yet renamed into place; returns them with the
/// counts of kept and removed records.
fn write_outputs(
    out_dir: &Path,
    corpus: &Corpus,
    dedup: &Deduper,
    spans: &[Span],
    clusters: &[Cluster],
    rejected: &[Rejection],
) -> Result<(Vec<Pending>, u64, u64)> {
    // Against a saved index, the engine's records 0..num_old are the index's: `spans` and the
    // files written here are this run's own.
    let first = dedup.num_old();
    let mut removed_flag = vec![false; spans.len()];
    for r in clusters.iter().flat_map(|c| &c.removals) {
        removed_flag[r.doc as usize - first] = true;
    }
    let mut removed = Output::create(out_dir, "removed.jsonl")?;
    let mut cl = Output::create(out_dir, "clusters.jsonl")?;
    let num_removed = for_each_output_line(
        clusters,
        |d| dedup.id(DocId(d)),
        |line| removed.json_line(&line),
        |line| cl.json_line(&line),
    )?;
    let mut rej = Output::create(out_dir, "rejected.jsonl")?;
    for r in rejected {
        rej.json_line(&RejectedLine {
            byte_offset: r.at.byte_offset,
            file: r.at.path.clone(),
            id: r.id.clone(),
            kind: r.problem.kind.to_string(),
            line: r.at.line,
            reason: r.problem.message.clone(),
        })?;
    }
    #[cfg(feature = "parquet")]
    if crate::kept_parquet::is_parquet(corpus) {
        let text_field = &dedup.params().text_field;
        let (kept, num_kept) = crate::kept_parquet::write(
            out_dir,
            corpus,
            spans,
            &removed_flag,
            text_field,
            dedup.num_truncated() == 0,
        )?;
        let files = vec![kept, removed.finish()?, cl.finish()?, rej.finish()?];
        return Ok((files, num_kept, num_removed));
    }
    let mut kept = Output::create(out_dir, "kept.jsonl")?;
    let num_kept = copy_kept(&mut kept, corpus, dedup, spans, &removed_flag)?;
    let files = vec![kept.finish()?, removed.finish()?, cl.finish()?, rej.finish()?];
    Ok((files, num_kept, num_removed))
}

/// Copies the kept records, byte for byte, reading each source sequentially once.
fn copy_kept(out: &mut Output, corpus: &Corpus, dedup: &Deduper, spans: &[Span], removed: &[bool]) -> Result<u64> {
    const BLOCK: usize = 1 << 20;
    let mut current: Option<(u32, BufReader<std::fs::File>, u64)> = None;
    let mut buf = Vec::new();
    let mut count = 0;
    for (d, span) in spans.iter().enumerate() {
        if removed[d] {
            continue;
        }
        count += 1;
        let src = &corpus.sources[span.source as usize];
        let id = dedup.id(DocId((dedup.num_old() + d) as u32));
        let mut failed = None;
        let mut write = |b: &[u8]| {
            if failed.is_none() {
                failed = out.write(b).err();
            }
        };
        let mut txt = (src.format.kept_as() == KeptAs::IdAndText).then(|| TxtLine::begin(id, &mut write));
        let mut emit = |b: &[u8]| match txt.as_mut() {
            Some(line) => line.push(b, &mut write),
            None => write(b),
        };
        // A spool's held start is read from memory (see source::held), the rest from the file.
        if !src
            .held
            .as_deref()
            .is_some_and(|h| h.read(span.offset, span.len, &mut emit))
        {
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
            let mut left = span.len as usize;
            while left > 0 {
                let n = left.min(BLOCK);
                buf.resize(n, 0);
                reader.read_exact(&mut buf).map_err(io_err)?;
                emit(&buf);
                left -= n;
            }
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

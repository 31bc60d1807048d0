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
use storydup_core::dedup::{Added, Cluster, Deduper, DocId, Observer, Removal, Signed, Signer, TextSource};
use storydup_core::error::{Error, Location, Problem, Result};
use storydup_core::params::{OnError, Params};
use storydup_core::schema::{round6, ClusterLine, LshSummary, RejectedLine, RemovedLine, Summary, Timings};
use storydup_core::shingle::Shingler;

use crate::atomic::{commit_all, Output, Pending, Spool, TxtLine};
use crate::source::{oversized_policy, parse, Chunk, Corpus, KeptAs, Reader, Span, Stored};
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

/// What signing makes of one record: its id and what the signer found, or why it cannot be used
/// and its id when that could be read.
pub type SignedRecord = std::result::Result<(String, Signed), (Option<String>, Problem)>;

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
            let parsed = parse(
                src,
                item,
                chunk.bytes(item),
                &params.id_field,
                &params.text_field,
                params.max_doc_bytes,
            );
            let parse_ns = t.elapsed().as_nanos() as u64;
            // A .txt record's id is its path, known even when its bytes are bad.
            let result = match parsed {
                Err(p) => Err((src.name_id.clone(), p)),
                Ok(parsed) => {
                    let mut s = signer.sign(&parsed.text, shingler, sig, &mut nanos);
                    // Cut down by the reader (--oversized truncate) or the signer (--max-text-bytes).
                    s.truncated |= matches!(item.stored, Stored::Cut(_));
                    Ok((parsed.key.into_owned(), s))
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

/// Texts of a run's records, re-read by byte offset and parsed as in the first pass.
struct FileTexts<'a> {
    reader: Reader<'a>,
    spans: &'a [Span],
    params: &'a Params,
}

impl TextSource for FileTexts<'_> {
    fn text(&self, doc: DocId) -> Result<Cow<'_, str>> {
        let p = self.params;
        self.reader
            .text(&self.spans[doc.index()], &p.id_field, &p.text_field, p.max_doc_bytes)
            .map(Cow::Owned)
    }
}

/// Runs dedup over `inputs`, writing the outputs into `out_dir`.
///
/// # Errors
/// A bad record under `--on-error stop`, an unreadable input, an unwritable output folder.
pub fn run(inputs: &[String], out_dir: &Path, params: &Params, observer: &dyn Observer) -> Result<Summary> {
    let started = Instant::now();
    let mut dedup = Deduper::new(params)?;
    std::fs::create_dir_all(out_dir).map_err(|source| Error::Output {
        path: out_dir.to_path_buf(),
        source,
    })?;
    // Removes what killed runs left in the folder, then spools under a lock (see atomic.rs).
    let spool_dir = Spool::create(out_dir)?;
    let corpus = Corpus::open(inputs, spool_dir.path())?;
    #[cfg(feature = "parquet")]
    crate::kept_parquet::check_inputs(&corpus)?;
    let mut timings = Timings::default();

    // Pass 1: read and sign.
    observer.stage("reading and signing");
    observer.total_bytes(corpus.stored_bytes());
    let mut spans: Vec<Span> = Vec::new();
    let mut rejected: Vec<Rejection> = Vec::new();
    let mut input_records = 0u64;
    let mut input_bytes = 0u64;
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
        let (signed, times) = sign_chunk(&corpus, &chunk, dedup.signer(), &mut chunk_sigs);
        timings.wall.sign += signing.elapsed().as_secs_f64();
        timings.thread.parse += times.parse;
        timings.thread.normalize += times.normalize;
        timings.thread.shingle += times.shingle;
        timings.thread.minhash += times.minhash;
        let storing = Instant::now();
        for ((item, result), sig) in chunk.items.iter().zip(signed).zip(chunk_sigs.chunks(params.num_perm)) {
            input_records += 1;
            let at = corpus.location(&item.span);
            match result {
                Ok((key, s)) if s.num_shingles == 0 => {
                    let problem = Problem::new(
                        "empty",
                        "the text has no words (empty, or only punctuation and spaces); remove the record",
                    );
                    reject(params, &mut rejected, at, Some(key), problem)?;
                }
                Ok((key, s)) => match dedup.add(Some(&key), s, sig, &at)? {
                    Added::Doc(_) => spans.push(item.span),
                    Added::DuplicateId(first) => {
                        let first_at = corpus.location(&spans[first.index()]);
                        let problem = Problem::new(
                            "duplicate_id",
                            format!("id \"{key}\" was already used at {first_at}; give every record a unique id"),
                        );
                        reject(params, &mut rejected, at, Some(key), problem)?;
                    }
                },
                Err((id, problem)) => reject(params, &mut rejected, at, id, problem)?,
            }
        }
        timings.wall.ids += storing.elapsed().as_secs_f64();
    }
    timings.read_and_sign = t.elapsed().as_secs_f64();

    // Candidates, verification and clusters.
    observer.stage("verifying candidates");
    let t = Instant::now();
    let texts = FileTexts {
        reader: Reader::new(&corpus),
        spans: &spans,
        params,
    };
    let outcome = dedup.finish(&texts)?;
    let stats = outcome.stats;
    timings.lsh = outcome.lsh_s;
    timings.verify_and_cluster = t.elapsed().as_secs_f64() - outcome.lsh_s;
    timings.wall.verify_filter = stats.filter_s;
    timings.wall.components = stats.components_s;
    timings.wall.verify_components = (timings.verify_and_cluster - stats.filter_s - stats.components_s).max(0.0);
    timings.thread.verify = stats.verify_thread_s;
    timings.thread.cluster = stats.cluster_thread_s;

    // Write.
    observer.stage("writing outputs");
    let t = Instant::now();
    let (files, kept, removed) = write_outputs(out_dir, &corpus, &dedup, &spans, &outcome.clusters, &rejected)?;
    timings.write = t.elapsed().as_secs_f64();
    timings.total = started.elapsed().as_secs_f64();

    let bands = outcome.bands;
    let summary = Summary {
        version: env!("CARGO_PKG_VERSION").to_string(),
        input: input_records,
        kept,
        removed,
        rejected: rejected.len() as u64,
        clusters: outcome.clusters.len() as u64,
        input_bytes,
        skipped_files: corpus.num_skipped_files as u64,
        truncated: dedup.num_truncated(),
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
    let mut removals: Vec<(u32, u64, &Removal)> = Vec::new();
    for (cid, c) in clusters.iter().enumerate() {
        for r in &c.removals {
            removals.push((r.doc, cid as u64, r));
        }
    }
    removals.sort_by_key(|r| r.0);
    let removed = removals
        .iter()
        .map(|&(doc, cluster, r)| RemovedLine {
            cluster,
            duplicate_of: id(r.duplicate_of).to_string(),
            id: id(doc).to_string(),
            matched: (r.matched != r.duplicate_of).then(|| id(r.matched).to_string()),
            measure: r.measure,
            similarity: round6(r.similarity),
        })
        .collect();
    let lines = clusters
        .iter()
        .enumerate()
        .map(|(cid, c)| ClusterLine {
            cluster: cid as u64,
            kept: id(c.kept).to_string(),
            members: c.members.iter().map(|&m| id(m).to_string()).collect(),
            size: c.members.len() as u64,
        })
        .collect();
    (removed, lines)
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
    let mut removed_flag = vec![false; spans.len()];
    for r in clusters.iter().flat_map(|c| &c.removals) {
        removed_flag[r.doc as usize] = true;
    }
    let (removed_lines, cluster_lines) = output_lines(clusters, |d| dedup.id(DocId(d)));
    let mut removed = Output::create(out_dir, "removed.jsonl")?;
    for line in &removed_lines {
        removed.json_line(line)?;
    }
    let mut cl = Output::create(out_dir, "clusters.jsonl")?;
    for line in &cluster_lines {
        cl.json_line(line)?;
    }
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
        let (kept, num_kept) = crate::kept_parquet::write(out_dir, corpus, spans, &removed_flag, text_field)?;
        let files = vec![kept, removed.finish()?, cl.finish()?, rej.finish()?];
        return Ok((files, num_kept, removed_lines.len() as u64));
    }
    let mut kept = Output::create(out_dir, "kept.jsonl")?;
    let num_kept = copy_kept(&mut kept, corpus, dedup, spans, &removed_flag)?;
    let files = vec![kept.finish()?, removed.finish()?, cl.finish()?, rej.finish()?];
    Ok((files, num_kept, removed_lines.len() as u64))
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
        let mut txt =
            (src.format.kept_as() == KeptAs::IdAndText).then(|| TxtLine::begin(dedup.id(DocId(d as u32)), &mut write));
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

//! Saved indexes on disk: `storydup index build` and `storydup dedup --against DIR [--update]`.
//!
//! An index folder holds:
//!
//! - `CURRENT`: the name of the manifest in force (one line);
//! - `manifest-NNNNNN.json`: the generation's [`Fingerprint`], the files it is made of, and the
//!   source files its records were read from (absolute paths);
//! - `seg-NNNNNN.bin`: one [`Segment`] per batch (the core's format: ids, signatures, clusters,
//!   and a 36-byte locator per record: source, line, byte offset, length, XXH3 of the bytes);
//! - `plain-NNNNNN-K.jsonl`: for a batch read from gzip, zstd or standard input, its decompressed
//!   bytes, since exact verification re-reads records by offset.
//!
//! Files are never rewritten. An update writes its segment, any plain copies and a new manifest,
//! each to a temporary file that is synced and renamed into place, then replaces `CURRENT` the same
//! way: a SIGKILL at any moment leaves `CURRENT` naming either the old manifest, whose files are all
//! still there, or the new one, complete. Files that no manifest in force names (left by a killed
//! update) are removed by the next update. Updates take an exclusive lock on the folder.
//!
//! Exact verification against indexed records re-reads them from their source files. Each
//! record's bytes are checked against the XXH3 saved with it, so a file changed since indexing is
//! an error naming it, never a wrong similarity. A source file that moved or was deleted is an
//! error naming it too: put it back at its path, or use `--verify estimate` (which needs no text).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};
use storydup_core::dedup::index::{Fingerprint, Segment};
use storydup_core::dedup::{Deduper, DocId, Observer, Outcome, TextSource};
use storydup_core::error::{Error, Result};
use storydup_core::params::Params;
use storydup_core::schema::{Against, Summary, Timings};

use crate::atomic::{lock_folder, sweep, sync_folder, Output};
use crate::dedup::{cluster, prepare_out, read_and_sign, write_run, FileTexts, Pass1};
use crate::source::{Corpus, Reader, Source, Span, FORMATS};

/// Bytes of a record's locator: source (4), line (8), byte offset (8), length (8), XXH3 (8).
pub const LOCATOR_BYTES: u32 = 36;

/// Version of the manifest layout.
const MANIFEST_FORMAT: u32 = 1;

/// A generation of an index: what `CURRENT` names.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Layout of this file.
    pub manifest_format: u32,
    /// storydup's version that wrote it.
    pub version: String,
    /// One more with each update.
    pub generation: u64,
    /// What a run against this index must agree with.
    pub fingerprint: Fingerprint,
    /// JSON fields of the indexed records (used to re-read them).
    pub id_field: String,
    /// JSON text field of the indexed records.
    pub text_field: String,
    /// Records held.
    pub records: u64,
    /// The segments, in order.
    pub segments: Vec<SegmentFile>,
    /// The files the records were read from, in order (a locator's source number indexes this).
    pub sources: Vec<SourceFile>,
}

/// A segment file of a manifest.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentFile {
    /// Its name in the index folder.
    pub file: String,
    /// Records in it.
    pub records: u64,
    /// Its size in bytes.
    pub bytes: u64,
}

/// An input file whose records an index holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    /// The file as it was named on the command line.
    pub display: String,
    /// Its absolute path (none for standard input).
    pub path: Option<PathBuf>,
    /// Its format (a [`crate::source::Format`] name).
    pub format: String,
    /// The record id of a one-record file (a `.txt` file).
    pub name_id: Option<String>,
    /// Its decompressed bytes in the index folder, when it was compressed or standard input.
    pub plain: Option<String>,
}

/// An index as loaded: its folder, its manifest and its segments.
#[derive(Debug)]
pub struct Index {
    /// The folder.
    pub dir: PathBuf,
    /// The manifest in force.
    pub manifest: Manifest,
    /// Its segments, in order.
    pub segments: Vec<Segment>,
    /// Seconds it took to load.
    pub load_s: f64,
}

fn index_err(dir: &Path, reason: impl Into<String>) -> Error {
    Error::Index {
        path: dir.display().to_string(),
        reason: reason.into(),
    }
}

impl Index {
    /// Loads the index in `dir`: the manifest `CURRENT` names and every segment, read in one pass
    /// each and checked.
    ///
    /// # Errors
    /// No index there, or a damaged one (a clear message, never a wrong answer).
    pub fn open(dir: &Path) -> Result<Index> {
        let t = Instant::now();
        let current = dir.join("CURRENT");
        let name = match std::fs::read_to_string(&current) {
            Ok(s) => s.trim().to_string(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(index_err(
                dir,
                "no storydup index here (no CURRENT file); build one with storydup index build INPUT... --index DIR",
            )),
            Err(source) => return Err(Error::Io { path: current, source }),
        };
        if !name.starts_with("manifest-") || name.contains('/') || name.contains('\\') {
            return Err(index_err(dir, format!("CURRENT names \"{name}\", not a manifest; the index is damaged: rebuild it with storydup index build")));
        }
        let path = dir.join(&name);
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let manifest: Manifest = serde_json::from_str(&text).map_err(|e| {
            index_err(
                &path,
                format!("damaged ({e}); rebuild the index with storydup index build"),
            )
        })?;
        if manifest.manifest_format != MANIFEST_FORMAT {
            return Err(index_err(
                &path,
                format!(
                    "manifest format {}, but this storydup reads {MANIFEST_FORMAT}; rebuild the index with storydup index build",
                    manifest.manifest_format
                ),
            ));
        }
        let mut segments = Vec::with_capacity(manifest.segments.len());
        let mut total = 0u64;
        for entry in &manifest.segments {
            if entry.file.contains('/') || entry.file.contains('\\') {
                return Err(index_err(
                    &path,
                    format!("names a segment outside the folder: {}", entry.file),
                ));
            }
            let seg_path = dir.join(&entry.file);
            let io_err = |source| Error::Io {
                path: seg_path.clone(),
                source,
            };
            let file = std::fs::File::open(&seg_path).map_err(io_err)?;
            let len = file.metadata().map_err(io_err)?.len();
            let reader = std::io::BufReader::with_capacity(1 << 20, file);
            let seg = Segment::read_from(reader, len, &seg_path.display().to_string())?;
            if seg.len() as u64 != entry.records || seg.first as u64 != total {
                return Err(index_err(
                    &seg_path,
                    "does not match the manifest; the index is damaged: rebuild it with storydup index build",
                ));
            }
            if seg.locator_bytes != LOCATOR_BYTES {
                return Err(index_err(
                    &seg_path,
                    "holds locators of another layout; rebuild the index",
                ));
            }
            for i in 0..seg.len() {
                let source = u32::from_le_bytes(seg.locator(i)[..4].try_into().expect("4 bytes"));
                if source as usize >= manifest.sources.len() {
                    return Err(index_err(
                        &seg_path,
                        "names a source file the manifest does not list; rebuild the index",
                    ));
                }
            }
            total += seg.len() as u64;
            segments.push(seg);
        }
        if total != manifest.records {
            return Err(index_err(
                &path,
                "counts do not add up; the index is damaged: rebuild it with storydup index build",
            ));
        }
        Ok(Index {
            dir: dir.to_path_buf(),
            manifest,
            segments,
            load_s: t.elapsed().as_secs_f64(),
        })
    }

    /// The source files of the index, as sources to re-read records from.
    fn sources(&self) -> Result<Vec<Source>> {
        self.manifest
            .sources
            .iter()
            .map(|s| {
                let format = FORMATS.iter().copied().find(|f| f.name() == s.format).ok_or_else(|| {
                    index_err(
                        &self.dir,
                        format!(
                            "holds records of format \"{}\", which this storydup does not read",
                            s.format
                        ),
                    )
                })?;
                Ok(Source {
                    display: s.display.clone(),
                    path: s.path.clone(),
                    format,
                    name_id: s.name_id.clone(),
                    spool: s.plain.as_ref().map(|p| self.dir.join(p)),
                    held: None,
                })
            })
            .collect()
    }

    /// Every record's span and saved hash, in order.
    fn locations(&self) -> (Vec<Span>, Vec<u64>) {
        let mut spans = Vec::new();
        let mut hashes = Vec::new();
        for seg in &self.segments {
            for i in 0..seg.len() {
                let (span, hash) = decode_locator(seg.locator(i));
                spans.push(span);
                hashes.push(hash);
            }
        }
        (spans, hashes)
    }

    /// Bytes of the index's files (manifest, segments, plain copies).
    pub fn bytes(&self) -> u64 {
        let plain: u64 = self
            .manifest
            .sources
            .iter()
            .filter_map(|s| s.plain.as_ref())
            .filter_map(|p| std::fs::metadata(self.dir.join(p)).ok())
            .map(|m| m.len())
            .sum();
        self.manifest.segments.iter().map(|s| s.bytes).sum::<u64>() + plain
    }
}

fn encode_locator(out: &mut Vec<u8>, span: &Span, hash: u64) {
    out.extend_from_slice(&span.source.to_le_bytes());
    out.extend_from_slice(&span.line.to_le_bytes());
    out.extend_from_slice(&span.offset.to_le_bytes());
    out.extend_from_slice(&span.len.to_le_bytes());
    out.extend_from_slice(&hash.to_le_bytes());
}

fn decode_locator(b: &[u8]) -> (Span, u64) {
    let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
    (
        Span {
            source: u32::from_le_bytes(b[..4].try_into().expect("4 bytes")),
            line: u64_at(4),
            offset: u64_at(12),
            len: u64_at(20),
        },
        u64_at(28),
    )
}

/// Texts of an index's records (re-read from their files, checked) and of a batch's (re-read).
struct Texts<'a> {
    old: FileTexts<'a>,
    new: FileTexts<'a>,
    num_old: usize,
}

impl TextSource for Texts<'_> {
    fn text(&self, doc: DocId) -> Result<std::borrow::Cow<'_, str>> {
        let i = doc.index();
        match i.checked_sub(self.num_old) {
            Some(j) => self.new.text_at(j),
            None => self.old.text_at(i),
        }
        .map(std::borrow::Cow::Owned)
    }
}

/// What an index build or update did.
#[derive(Debug, Clone, Serialize)]
pub struct IndexSummary {
    /// The index folder.
    pub index: String,
    /// Its generation now.
    pub generation: u64,
    /// Records it holds now.
    pub records: u64,
    /// Records this run added.
    pub added: u64,
    /// Records this run read (added and rejected).
    pub input: u64,
    /// Records rejected (not added).
    pub rejected: u64,
    /// Clusters of two or more records among those added.
    pub clusters: u64,
    /// Bytes of the index's files now.
    pub bytes: u64,
    /// Seconds the run took.
    pub seconds: f64,
    /// Peak resident memory of the process.
    pub peak_rss_bytes: u64,
}

/// `storydup index build`: reads and clusters `inputs` and saves them as a new index in
/// `index_dir` (which must not hold one). With `out_dir`, also writes the outputs of
/// `storydup dedup` for them.
///
/// # Errors
/// An index already in `index_dir`; as `storydup dedup`.
pub fn build(
    inputs: &[String],
    index_dir: &Path,
    out_dir: Option<&Path>,
    params: &Params,
    observer: &dyn Observer,
) -> Result<IndexSummary> {
    let started = Instant::now();
    let mut dedup = Deduper::new(params)?;
    std::fs::create_dir_all(index_dir).map_err(|source| Error::Output {
        path: index_dir.to_path_buf(),
        source,
    })?;
    let _lock = lock_folder(index_dir);
    if index_dir.join("CURRENT").exists() {
        return Err(index_err(
            index_dir,
            "an index is already here; add a batch with storydup dedup NEW... --against DIR --out OUT --update, or remove the folder to build anew",
        ));
    }
    // The spool (decompressed copies) lives in the output folder when there is one, else in the
    // index folder; plain copies the index keeps are made from it.
    let spool = prepare_out(out_dir.unwrap_or(index_dir))?;
    let corpus = Corpus::open(inputs, spool.path())?;
    #[cfg(feature = "parquet")]
    crate::kept_parquet::check_inputs(&corpus)?;
    let mut timings = Timings::default();
    let pass = read_and_sign(&corpus, &mut dedup, true, observer, &mut timings)?;
    dedup.release_id_table();
    let texts = FileTexts {
        reader: Reader::new(&corpus),
        spans: &pass.spans,
        hashes: None,
        params,
    };
    let outcome = cluster(&mut dedup, &texts, false, observer, &mut timings)?;
    observer.stage("saving the index");
    let manifest = Manifest {
        manifest_format: MANIFEST_FORMAT,
        version: env!("CARGO_PKG_VERSION").to_string(),
        generation: 0,
        fingerprint: Fingerprint::of(params),
        id_field: params.id_field.clone(),
        text_field: params.text_field.clone(),
        records: 0,
        segments: Vec::new(),
        sources: Vec::new(),
    };
    let saved = save_generation(index_dir, manifest, &corpus, &dedup, &pass, &outcome)?;
    if let Some(out) = out_dir {
        write_run(out, &corpus, &dedup, &pass, &outcome, timings, started, None)?;
    }
    Ok(summary_of(index_dir, &saved, &pass, &outcome, started))
}

fn summary_of(index_dir: &Path, saved: &Manifest, pass: &Pass1, outcome: &Outcome, started: Instant) -> IndexSummary {
    let bytes = Index {
        dir: index_dir.to_path_buf(),
        manifest: saved.clone(),
        segments: Vec::new(),
        load_s: 0.0,
    }
    .bytes();
    IndexSummary {
        index: index_dir.display().to_string(),
        generation: saved.generation,
        records: saved.records,
        added: pass.spans.len() as u64,
        input: pass.input_records,
        rejected: pass.rejected.len() as u64,
        clusters: outcome.clusters.len() as u64,
        bytes,
        seconds: started.elapsed().as_secs_f64(),
        peak_rss_bytes: crate::system::peak_rss_bytes(),
    }
}

/// `storydup dedup NEW... --against DIR --out OUT [--update]`: deduplicates `inputs` against the
/// index in `index_dir` and writes the outputs for `inputs` only; with `update`, adds them to the
/// index.
///
/// # Errors
/// No index, a damaged one, one built with other parameters (the message names each
/// difference), an id of the batch already in the index (under `--on-error stop`); as
/// `storydup dedup`.
pub fn dedup_against(
    inputs: &[String],
    index_dir: &Path,
    out_dir: &Path,
    params: &Params,
    update: bool,
    observer: &dyn Observer,
) -> Result<(Summary, Option<IndexSummary>)> {
    let started = Instant::now();
    // An update holds the folder for the whole run, so two updates never interleave.
    let _lock = if update { lock_folder(index_dir) } else { None };
    observer.stage("loading the index");
    let mut index = Index::open(index_dir)?;
    let differences = index.manifest.fingerprint.differences(&Fingerprint::of(params));
    if !differences.is_empty() {
        return Err(index_err(
            index_dir,
            format!(
                "built with other parameters, so its records cannot be compared with this run's: {}; \
                 rerun with the index's values",
                differences.join("; ")
            ),
        ));
    }
    // Locators first: the segments then move into the engine, so nothing is held twice.
    let (old_spans, old_hashes) = index.locations();
    let mut dedup = Deduper::with_past(params, std::mem::take(&mut index.segments))?;
    // Loading: reading and checking the files, and holding the records in the engine.
    let index_load = started.elapsed().as_secs_f64();
    let spool = prepare_out(out_dir)?;
    let corpus = Corpus::open(inputs, spool.path())?;
    #[cfg(feature = "parquet")]
    crate::kept_parquet::check_inputs(&corpus)?;
    let mut timings = Timings {
        index_load,
        ..Timings::default()
    };
    let pass = read_and_sign(&corpus, &mut dedup, update, observer, &mut timings)?;
    dedup.release_id_table();
    let old_sources = index.sources()?;
    let old_corpus = Corpus::of_sources(old_sources);
    // The index's records are re-read with the fields and limits they were read with.
    let old_params = Params {
        id_field: index.manifest.id_field.clone(),
        text_field: index.manifest.text_field.clone(),
        ..params.clone()
    };
    let texts = Texts {
        old: FileTexts {
            reader: Reader::new(&old_corpus),
            spans: &old_spans,
            hashes: Some(&old_hashes),
            params: &old_params,
        },
        new: FileTexts {
            reader: Reader::new(&corpus),
            spans: &pass.spans,
            hashes: None,
            params,
        },
        num_old: dedup.num_old(),
    };
    let outcome = cluster(&mut dedup, &texts, !update, observer, &mut timings)?;
    let mut saved_summary = None;
    let mut generation = index.manifest.generation;
    if update && !pass.spans.is_empty() {
        observer.stage("updating the index");
        let saved = save_generation(index_dir, index.manifest.clone(), &corpus, &dedup, &pass, &outcome)?;
        generation = saved.generation;
        saved_summary = Some(summary_of(index_dir, &saved, &pass, &outcome, started));
    }
    observer.stage("writing outputs");
    let against = Against {
        index: index_dir.display().to_string(),
        generation,
        records: index.manifest.records,
        updated: saved_summary.is_some(),
    };
    let summary = write_run(
        out_dir,
        &corpus,
        &dedup,
        &pass,
        &outcome,
        timings,
        started,
        Some(against),
    )?;
    Ok((summary, saved_summary))
}

/// Saves the records of `dedup` past the index's as the next generation of `base`: plain copies
/// of spooled inputs, the segment, the manifest, then `CURRENT`; then removes what no manifest
/// in force names. The caller holds the folder's lock.
fn save_generation(
    dir: &Path,
    mut manifest: Manifest,
    corpus: &Corpus,
    dedup: &Deduper,
    pass: &Pass1,
    outcome: &Outcome,
) -> Result<Manifest> {
    sweep(dir);
    let generation = manifest.generation + 1;
    let first_source = manifest.sources.len() as u32;
    // Sources: this batch's files, in order; spooled ones copied into the folder.
    for (k, src) in corpus.sources.iter().enumerate() {
        let plain = match &src.spool {
            Some(spool) => {
                let name = format!("plain-{generation:06}-{k:05}.jsonl");
                let mut out = Output::create(dir, &name)?;
                // From the file when the spool spilled (it is then whole), else from memory.
                let io_err = |source| Error::Io {
                    path: spool.clone(),
                    source,
                };
                match (std::fs::File::open(spool), src.held.as_deref()) {
                    (Ok(mut f), _) => {
                        let mut buf = vec![0u8; 1 << 20];
                        loop {
                            let n = f.read(&mut buf).map_err(io_err)?;
                            if n == 0 {
                                break;
                            }
                            out.write(&buf[..n])?;
                        }
                    }
                    (Err(e), Some(h)) if e.kind() == std::io::ErrorKind::NotFound => {
                        let mut failed = None;
                        h.read(0, h.len(), |b| {
                            if failed.is_none() {
                                failed = out.write(b).err();
                            }
                        });
                        if let Some(e) = failed {
                            return Err(e);
                        }
                    }
                    (Err(e), _) => return Err(io_err(e)),
                }
                out.finish()?.commit()?;
                Some(name)
            }
            None => None,
        };
        let path = src
            .path
            .as_ref()
            .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone()));
        manifest.sources.push(SourceFile {
            display: src.display.clone(),
            path,
            format: src.format.name().to_string(),
            name_id: src.name_id.clone(),
            plain,
        });
    }
    let mut locators = Vec::with_capacity(pass.spans.len() * LOCATOR_BYTES as usize);
    for (span, &hash) in pass.spans.iter().zip(&pass.hashes) {
        let moved = Span {
            source: span.source + first_source,
            ..*span
        };
        encode_locator(&mut locators, &moved, hash);
    }
    let segment = dedup.new_segment(outcome, LOCATOR_BYTES, locators);
    let bytes = segment.encode();
    let seg_name = format!("seg-{generation:06}.bin");
    let mut out = Output::create(dir, &seg_name)?;
    out.write(&bytes)?;
    out.finish()?.commit()?;
    manifest.segments.push(SegmentFile {
        file: seg_name,
        records: segment.len() as u64,
        bytes: bytes.len() as u64,
    });
    manifest.records += segment.len() as u64;
    manifest.generation = generation;
    manifest.version = env!("CARGO_PKG_VERSION").to_string();
    let name = format!("manifest-{generation:06}.json");
    let mut out = Output::create(dir, &name)?;
    let mut text = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Internal(e.to_string()))?;
    text.push(b'\n');
    out.write(&text)?;
    out.finish()?.commit()?;
    sync_folder(dir);
    // The switch: before this rename the old generation is in force, after it the new one.
    let mut current = Output::create(dir, "CURRENT")?;
    current.write(format!("{name}\n").as_bytes())?;
    current.finish()?.commit()?;
    sync_folder(dir);
    remove_unnamed(dir, &manifest, &name);
    Ok(manifest)
}

/// Removes the files of earlier manifests and of killed updates: every `manifest-*`, `seg-*`
/// and `plain-*` file that the manifest in force does not name.
fn remove_unnamed(dir: &Path, manifest: &Manifest, manifest_name: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let named: Vec<&str> = manifest
        .segments
        .iter()
        .map(|s| s.file.as_str())
        .chain(manifest.sources.iter().filter_map(|s| s.plain.as_deref()))
        .chain([manifest_name])
        .collect();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let ours = ["manifest-", "seg-", "plain-"].iter().any(|p| name.starts_with(p));
        if ours && !named.contains(&name) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

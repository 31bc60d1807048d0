//! `storydup.dedup` in Rust: rows of an Arrow stream → the core's [`Deduper`] (signed a batch at
//! a time) → exact verification reading the held Arrow text columns again → one decision per row,
//! plus the command line's `removed.jsonl` and `clusters.jsonl` lines and its summary.
//!
//! A row whose text is null, or whose id is null or repeats an earlier row's, is rejected with
//! the reason (as `--on-error skip` does); an empty text is kept and never matched (the core's
//! rule, counted as `empty`). Rows are numbered from 0 over the whole stream.

use std::borrow::Cow;
use std::collections::HashMap;
use std::time::Instant;

use arrow_array::RecordBatchReader;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use storydup_core::dedup::{Added, Decision, Deduper, DocId, Measure, TextSource};
use storydup_core::params::{Params, Shingle, Verify};
use storydup_core::schema::{round6, Summary, Timings};
use storydup_io::dedup::output_lines;

use crate::columns::{self, Held, Ids, Role, Strings};
use crate::{run, Cancel, JobError};

/// Rows signed between two looks at the stop flag: about 40 MB of news text, a fraction of a
/// second on two cores.
const BATCH_ROWS: usize = 8192;

/// Texts for exact verification: the held Arrow columns, by the row of each record.
struct ArrowTexts<'a> {
    held: &'a Held,
    rows: &'a [u64],
    cancel: &'a Cancel,
}

impl TextSource for ArrowTexts<'_> {
    fn text(&self, doc: DocId) -> storydup_core::Result<Cow<'_, str>> {
        if self.cancel.is_set() {
            return Err(storydup_core::Error::Internal("interrupted".into()));
        }
        let row = self.rows[doc.index()];
        self.held
            .get(row)
            .map(Cow::Borrowed)
            .ok_or_else(|| storydup_core::Error::Internal(format!("no text for row {row}")))
    }
}

/// A rejected row: its number, the kind (as in `rejected.jsonl`) and the reason.
type Rejected = (u64, &'static str, String);

/// Everything a call gives back, before it becomes Python objects.
struct Done {
    num_rows: usize,
    keep: Vec<u8>,
    cluster: Vec<i64>,
    duplicate_of: Vec<i64>,
    matched: Vec<i64>,
    similarity: Vec<f64>,
    measure: Vec<u8>,
    rejected: Vec<Rejected>,
    removed_jsonl: String,
    clusters_jsonl: String,
    summary: String,
}

/// Deduplicates the rows of `stream`; see `storydup.dedup` in `__init__.py` for the arguments.
/// Returns a dict of little-endian column buffers (`keep` u8, `cluster`/`duplicate_of`/`matched`
/// i64 row numbers with -1 for none, `similarity` f64 with NaN for none, `measure` u8: 0 none, 1
/// jaccard, 2 containment), `rejected` as (row, kind, reason) tuples, the command line's
/// `removed.jsonl` and `clusters.jsonl` text, and `summary.json`'s text.
#[pyfunction]
#[pyo3(signature = (stream, text, id, threshold, shingle, num_perm, seed, containment, verify, max_text_bytes, threads))]
#[allow(clippy::too_many_arguments)]
pub fn dedup<'py>(
    py: Python<'py>,
    stream: &Bound<'py, PyAny>,
    text: String,
    id: Option<String>,
    threshold: f64,
    shingle: &str,
    num_perm: usize,
    seed: u64,
    containment: bool,
    verify: &str,
    max_text_bytes: Option<usize>,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let params = Params {
        threshold,
        shingle: shingle
            .parse::<Shingle>()
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("invalid shingle: {e}")))?,
        num_perm,
        seed,
        id_field: id.clone().unwrap_or_else(|| "id".into()),
        text_field: text.clone(),
        containment,
        verify: match verify {
            "exact" => Verify::Exact,
            "estimate" => Verify::Estimate,
            v => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "invalid verify: '{v}'; use 'exact' or 'estimate'"
                )))
            }
        },
        max_text_bytes,
        max_memory: storydup_io::system::default_memory_limit(),
        ..Params::default()
    };
    params.validate().map_err(|e| to_value_error(&e))?;
    let reader = columns::import(stream)?;
    let schema = reader.schema();
    columns::check(&schema, &text, Role::Text, "text")?;
    if let Some(name) = &id {
        columns::check(&schema, name, Role::Id, "id")?;
    }
    let done = run(py, threads, move |cancel| {
        dedup_rows(reader, &text, id.as_deref(), &params, cancel)
    })?;
    let d = PyDict::new(py);
    d.set_item("num_rows", done.num_rows)?;
    d.set_item("keep", PyBytes::new(py, &done.keep))?;
    d.set_item("cluster", PyBytes::new(py, &le_bytes(&done.cluster)))?;
    d.set_item("duplicate_of", PyBytes::new(py, &le_bytes(&done.duplicate_of)))?;
    d.set_item("matched", PyBytes::new(py, &le_bytes(&done.matched)))?;
    let sim: Vec<u8> = done.similarity.iter().flat_map(|x| x.to_le_bytes()).collect();
    d.set_item("similarity", PyBytes::new(py, &sim))?;
    d.set_item("measure", PyBytes::new(py, &done.measure))?;
    d.set_item("rejected", done.rejected)?;
    d.set_item("removed_jsonl", done.removed_jsonl)?;
    d.set_item("clusters_jsonl", done.clusters_jsonl)?;
    d.set_item("summary", done.summary)?;
    Ok(d)
}

fn to_value_error(e: &storydup_core::Error) -> PyErr {
    pyo3::exceptions::PyValueError::new_err(e.to_string())
}

fn le_bytes(v: &[i64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The work of [`dedup`], off the GIL on the call's own pool.
fn dedup_rows(
    reader: impl RecordBatchReader,
    text: &str,
    id: Option<&str>,
    params: &Params,
    cancel: &Cancel,
) -> Result<Done, JobError> {
    let started = Instant::now();
    let mut dedup = Deduper::new(params)?;
    let mut held = Held::default();
    // The row of each stored record (DocId order), and the rows rejected.
    let mut rows: Vec<u64> = Vec::new();
    let mut rejected: Vec<Rejected> = Vec::new();
    let mut num_rows = 0u64;
    let mut input_bytes = 0u64;
    for batch in reader {
        let batch = batch?;
        cancel.check()?;
        let n = batch.num_rows();
        let texts =
            Strings::of(&batch, text).ok_or_else(|| JobError::Value(format!("a batch has no column '{text}'")))?;
        let ids = match id {
            Some(name) => {
                Some(Ids::of(&batch, name).ok_or_else(|| JobError::Value(format!("a batch has no column '{name}'")))?)
            }
            None => None,
        };
        let mut start = 0;
        while start < n {
            cancel.check()?;
            let end = (start + BATCH_ROWS).min(n);
            let mut records: Vec<(Option<Cow<'_, str>>, Cow<'_, str>)> = Vec::with_capacity(end - start);
            let mut record_rows = Vec::with_capacity(end - start);
            for i in start..end {
                let row = num_rows + i as u64;
                let Some(t) = texts.get(i) else {
                    let reason = format!("row {row}: the text in column '{text}' is null; fill or drop the row");
                    rejected.push((row, "null_text", reason));
                    continue;
                };
                input_bytes += t.len() as u64;
                let key = match &ids {
                    None => None,
                    Some(ids) => match ids.get(i) {
                        Some(k) => Some(k),
                        None => {
                            let name = id.unwrap_or("id");
                            let reason =
                                format!("row {row}: the id in column '{name}' is null; give every row an id, or pass id=None to use row numbers");
                            rejected.push((row, "null_id", reason));
                            continue;
                        }
                    },
                };
                records.push((key, Cow::Borrowed(t)));
                record_rows.push(row);
            }
            let added = dedup.push(&records)?;
            for ((added, row), (key, _)) in added.into_iter().zip(record_rows).zip(&records) {
                match added {
                    Added::Doc(_) => rows.push(row),
                    Added::DuplicateId(first) => {
                        let key = key.as_deref().unwrap_or("");
                        let first = rows[first.index()];
                        let reason = format!(
                            "row {row}: id \"{key}\" was already used at row {first}; give every row a unique id"
                        );
                        rejected.push((row, "duplicate_id", reason));
                    }
                }
            }
            start = end;
        }
        if n > 0 {
            held.push(num_rows, texts);
        }
        num_rows += n as u64;
    }
    rejected.sort_by_key(|r| r.0);
    let read_and_sign = started.elapsed().as_secs_f64();

    let t = Instant::now();
    let texts = ArrowTexts {
        held: &held,
        rows: &rows,
        cancel,
    };
    let outcome = dedup.finish(&texts);
    cancel.check()?;
    let outcome = outcome?;
    let verify_s = t.elapsed().as_secs_f64();

    // One decision per row.
    let n = num_rows as usize;
    let mut done = Done {
        num_rows: n,
        keep: vec![0; n],
        cluster: vec![-1; n],
        duplicate_of: vec![-1; n],
        matched: vec![-1; n],
        similarity: vec![f64::NAN; n],
        measure: vec![0; n],
        rejected: Vec::new(),
        removed_jsonl: String::new(),
        clusters_jsonl: String::new(),
        summary: String::new(),
    };
    let (mut kept, mut removed) = (0u64, 0u64);
    for (doc, decision) in outcome.decisions(dedup.len()).into_iter().enumerate() {
        let row = rows[doc] as usize;
        match decision {
            Decision::Kept { cluster } => {
                kept += 1;
                done.keep[row] = 1;
                done.cluster[row] = cluster.map_or(-1, i64::from);
            }
            Decision::Removed {
                duplicate_of,
                matched,
                similarity,
                measure,
                cluster,
            } => {
                removed += 1;
                done.cluster[row] = i64::from(cluster);
                done.duplicate_of[row] = rows[duplicate_of.index()] as i64;
                if matched != duplicate_of {
                    done.matched[row] = rows[matched.index()] as i64;
                }
                done.similarity[row] = round6(similarity);
                done.measure[row] = match measure {
                    Measure::Jaccard => 1,
                    Measure::Containment => 2,
                };
            }
        }
    }

    // The command line's lines, with the same ids: the id column's, or the row number.
    let positional: HashMap<u32, String> = if id.is_none() {
        outcome
            .clusters
            .iter()
            .flat_map(|c| &c.members)
            .map(|&d| (d, rows[d as usize].to_string()))
            .collect()
    } else {
        HashMap::new()
    };
    let name = |d: u32| -> &str {
        match id {
            Some(_) => dedup.id(DocId(d)),
            None => positional[&d].as_str(),
        }
    };
    let (removed_lines, cluster_lines) = output_lines(&outcome.clusters, name);
    for l in &removed_lines {
        done.removed_jsonl
            .push_str(&serde_json::to_string(l).map_err(|e| JobError::Value(e.to_string()))?);
        done.removed_jsonl.push('\n');
    }
    for l in &cluster_lines {
        done.clusters_jsonl
            .push_str(&serde_json::to_string(l).map_err(|e| JobError::Value(e.to_string()))?);
        done.clusters_jsonl.push('\n');
    }

    let bands = outcome.bands;
    let summary = Summary {
        version: env!("CARGO_PKG_VERSION").to_string(),
        input: num_rows,
        kept,
        removed,
        rejected: rejected.len() as u64,
        empty: dedup.num_empty(),
        // Rows without an id column are known by their row number, as the CLI's by FILE:LINE.
        without_id: if id.is_some() { 0 } else { kept + removed },
        clusters: outcome.clusters.len() as u64,
        input_bytes,
        // A table in memory has no file to re-read: `storydup verify` applies to CLI runs.
        inputs: Vec::new(),
        skipped_files: 0,
        truncated: dedup.num_truncated(),
        params: params.clone(),
        lsh: storydup_io::dedup::lsh_summary(&bands),
        verification: outcome.stats,
        against: None,
        timings_s: Timings {
            read_and_sign,
            lsh: outcome.lsh_s,
            verify_and_cluster: verify_s - outcome.lsh_s,
            total: started.elapsed().as_secs_f64(),
            ..Timings::default()
        },
        peak_rss_bytes: storydup_io::system::peak_rss_bytes(),
    };
    if summary.input != summary.kept + summary.removed + summary.rejected {
        return Err(JobError::Core(storydup_core::Error::Internal(format!(
            "input {} != kept {} + removed {} + rejected {}",
            summary.input, summary.kept, summary.removed, summary.rejected
        ))));
    }
    let mut value = serde_json::to_value(&summary).map_err(|e| JobError::Value(e.to_string()))?;
    value["empty"] = dedup.num_empty().into();
    done.summary = value.to_string();
    done.rejected = rejected;
    Ok(done)
}

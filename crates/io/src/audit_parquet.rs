//! `storydup verify` of a run over Parquet files: every input row is in exactly one of
//! `kept.parquet`, `removed.jsonl` and `rejected.jsonl`, the kept rows are the input rows
//! unchanged (every column) and in input order, and `summary.json`'s counts agree.
//!
//! Rows are found as dedup found them: a rejected row by its file and row, any other by its id
//! (the id column's, or `FILE:ROW`). A row that is neither rejected nor removed must be the next
//! row of `kept.parquet`: the input file is read again, all columns, and compared value for value,
//! so no id column is needed in the output.

use std::fs::File;
use std::path::Path;

use ahash::{AHashMap, AHashSet};
use arrow_array::{Array, BooleanArray, RecordBatch};
use arrow_select::concat::concat_batches;
use arrow_select::filter::filter_record_batch;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use serde_json::Value;
use storydup_core::error::{Error, Result};
use storydup_core::schema::{ClusterLine, RejectedLine, RemovedLine};

use crate::audit::Audit;
use crate::kept_parquet::{is_parquet, NAME};
use crate::source::{oversized_policy, parse, Corpus, Fields};
use storydup_core::params::MissingId;

fn io_err(path: &Path) -> impl Fn(String) -> Error + '_ {
    move |e| Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::other(e),
    }
}

fn open(path: &Path) -> Result<ParquetRecordBatchReader> {
    let f = File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    ParquetRecordBatchReaderBuilder::try_new(f)
        .and_then(|b| b.with_batch_size(8192).build())
        .map_err(|e| io_err(path)(e.to_string()))
}

/// The rows of `kept.parquet`, taken a run at a time.
struct Rows {
    reader: ParquetRecordBatchReader,
    pending: Option<RecordBatch>,
    path: std::path::PathBuf,
}

impl Rows {
    /// The next `n` rows, or fewer when the file ends.
    fn take(&mut self, n: usize) -> Result<Option<RecordBatch>> {
        let mut parts = Vec::new();
        let mut got = 0;
        while got < n {
            let batch = match self.pending.take() {
                Some(b) => b,
                None => match self.reader.next() {
                    Some(b) => b.map_err(|e| io_err(&self.path)(e.to_string()))?,
                    None => break,
                },
            };
            let k = (n - got).min(batch.num_rows());
            if k < batch.num_rows() {
                self.pending = Some(batch.slice(k, batch.num_rows() - k));
            }
            parts.push(batch.slice(0, k));
            got += k;
        }
        if parts.is_empty() {
            return Ok(None);
        }
        concat_batches(&parts[0].schema(), &parts)
            .map(Some)
            .map_err(|e| io_err(&self.path)(e.to_string()))
    }
}

fn lines(path: &Path) -> Result<Vec<String>> {
    std::fs::read_to_string(path)
        .map(|s| s.lines().map(str::to_owned).collect())
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// Checks the outputs in `dir` against `inputs` when they are Parquet files; `None` when they
/// are not (the JSONL audit applies).
///
/// # Errors
/// An output or input file cannot be read, or `summary.json` is missing.
pub fn verify_if_parquet(dir: &Path, inputs: &[String]) -> Result<Option<Audit>> {
    let spool = tempfile::tempdir().map_err(|source| Error::Output {
        path: std::env::temp_dir(),
        source,
    })?;
    let corpus = Corpus::open(inputs, spool.path())?;
    if !is_parquet(&corpus) {
        return Ok(None);
    }
    let summary_path = dir.join("summary.json");
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&summary_path).map_err(|source| Error::Io {
        path: summary_path.clone(),
        source,
    })?)
    .map_err(|e| Error::Internal(format!("{}: not JSON: {e}", summary_path.display())))?;
    let params = &summary["params"];
    let id_field = params["id_field"].as_str().unwrap_or("id").to_string();
    let text_field = params["text_field"].as_str().unwrap_or("text").to_string();
    let missing_id: MissingId = serde_json::from_value(params["missing_id"].clone()).unwrap_or(MissingId::Reject);
    let max_doc_bytes = params["max_doc_bytes"].as_u64().unwrap_or(16 << 20) as usize;
    let oversized =
        serde_json::from_value(params["oversized"].clone()).unwrap_or(storydup_core::params::OnOversized::Reject);
    let mut audit = Audit {
        inputs: inputs.to_vec(),
        ..Audit::default()
    };
    let problem = |a: &mut Audit, p: String| {
        a.num_problems += 1;
        if a.problems.len() < crate::audit::MAX_SHOWN {
            a.problems.push(p);
        }
    };

    let mut cluster_kept: AHashMap<u64, String> = AHashMap::new();
    let mut cluster_members: AHashMap<u64, AHashSet<String>> = AHashMap::new();
    for (i, l) in lines(&dir.join("clusters.jsonl"))?.iter().enumerate() {
        match serde_json::from_str::<ClusterLine>(l) {
            Ok(c) if c.members.len() >= 2 && c.members.contains(&c.kept) => {
                cluster_kept.insert(c.cluster, c.kept);
                cluster_members.insert(c.cluster, c.members.into_iter().collect());
            }
            _ => problem(
                &mut audit,
                format!("clusters.jsonl:{}: not a cluster of 2+ with its kept record", i + 1),
            ),
        }
    }
    let mut removed: AHashSet<String> = AHashSet::new();
    for (i, l) in lines(&dir.join("removed.jsonl"))?.iter().enumerate() {
        let Ok(RemovedLine {
            id,
            cluster,
            duplicate_of,
            ..
        }) = serde_json::from_str::<RemovedLine>(l)
        else {
            problem(&mut audit, format!("removed.jsonl:{}: not a removed line", i + 1));
            continue;
        };
        if cluster_kept.get(&cluster) != Some(&duplicate_of)
            || !cluster_members.get(&cluster).is_some_and(|m| m.contains(&id))
        {
            problem(
                &mut audit,
                format!("removed.jsonl:{}: \"{id}\" does not match cluster {cluster}", i + 1),
            );
        }
        if !removed.insert(id.clone()) {
            problem(
                &mut audit,
                format!("removed.jsonl:{}: \"{id}\" is removed twice", i + 1),
            );
        }
    }
    let mut rejected: AHashSet<(String, u64)> = AHashSet::new();
    for (i, l) in lines(&dir.join("rejected.jsonl"))?.iter().enumerate() {
        match serde_json::from_str::<RejectedLine>(l) {
            Ok(r) => {
                if !rejected.insert((r.file.clone(), r.line)) {
                    problem(
                        &mut audit,
                        format!("rejected.jsonl:{}: {}:{} is rejected twice", i + 1, r.file, r.line),
                    );
                }
            }
            Err(_) => problem(&mut audit, format!("rejected.jsonl:{}: not a rejected line", i + 1)),
        }
    }

    // Walk the input as dedup did; the rows neither rejected nor removed are the kept ones.
    let mut kept_rows: Vec<Vec<u64>> = vec![Vec::new(); corpus.sources.len()];
    let mut seen_ids: AHashSet<String> = AHashSet::new();
    let mut seen_rejected: AHashSet<(String, u64)> = AHashSet::new();
    let names = [&*id_field, &*text_field];
    for chunk in corpus.read_records(
        max_doc_bytes,
        &oversized_policy(oversized, &id_field, &text_field),
        &names,
    ) {
        let chunk = match chunk {
            Ok(c) => c,
            Err((at, _)) => {
                audit.input += 1;
                let loc = (at.path.clone(), at.line);
                if rejected.contains(&loc) && seen_rejected.insert(loc) {
                    audit.rejected += 1;
                } else {
                    problem(&mut audit, format!("{at}: unreadable input, but not in rejected.jsonl"));
                }
                continue;
            }
        };
        for item in &chunk.items {
            audit.input += 1;
            let at = corpus.location(&item.span);
            let loc = (at.path.clone(), at.line);
            if rejected.contains(&loc) {
                seen_rejected.insert(loc);
                audit.rejected += 1;
                continue;
            }
            let src = &corpus.sources[item.span.source as usize];
            let Ok(parsed) = parse(
                src,
                item,
                chunk.bytes(item),
                Fields::new(&id_field, &text_field, missing_id),
                max_doc_bytes,
            ) else {
                problem(&mut audit, format!("{at}: a bad row that is not in rejected.jsonl"));
                continue;
            };
            let id = parsed.key.into_owned();
            if !seen_ids.insert(id.clone()) {
                problem(&mut audit, format!("{at}: id \"{id}\" appears twice in the input"));
            }
            if removed.contains(&id) {
                audit.removed += 1;
            } else {
                kept_rows[item.span.source as usize].push(item.span.line - 1);
            }
        }
    }
    for id in removed.iter().filter(|id| !seen_ids.contains(*id)) {
        problem(&mut audit, format!("removed.jsonl: \"{id}\" is not in the input"));
    }
    for (f, l) in rejected.iter().filter(|k| !seen_rejected.contains(*k)) {
        problem(&mut audit, format!("rejected.jsonl: {f}:{l} is not a row of the input"));
    }

    // kept.parquet holds exactly those rows, unchanged, in order.
    let kept_path = dir.join(NAME);
    let mut out = Rows {
        reader: open(&kept_path)?,
        pending: None,
        path: kept_path.clone(),
    };
    for (src, rows) in corpus.sources.iter().zip(&kept_rows) {
        if rows.is_empty() {
            continue;
        }
        let input = src.path.as_deref().expect("Parquet sources are files");
        let (mut next, mut base) = (0usize, 0u64);
        for batch in open(input)? {
            let batch = batch.map_err(|e| io_err(input)(e.to_string()))?;
            let n = batch.num_rows() as u64;
            let mask: BooleanArray = (base..base + n)
                .map(|r| {
                    let k = next < rows.len() && rows[next] == r;
                    next += usize::from(k);
                    Some(k)
                })
                .collect();
            base += n;
            let expected = filter_record_batch(&batch, &mask).map_err(|e| io_err(input)(e.to_string()))?;
            if expected.num_rows() == 0 {
                continue;
            }
            let got = out.take(expected.num_rows())?;
            let same = got.as_ref().is_some_and(|g| {
                g.num_rows() == expected.num_rows()
                    && g.num_columns() == expected.num_columns()
                    && g.columns()
                        .iter()
                        .zip(expected.columns())
                        .all(|(a, b)| a.to_data() == b.to_data())
            });
            let rows_there = got.as_ref().map_or(0, RecordBatch::num_rows) as u64;
            audit.kept += rows_there.min(expected.num_rows() as u64);
            if !same {
                problem(
                    &mut audit,
                    format!(
                        "{}: kept rows before row {} of {} differ from the input rows",
                        NAME,
                        base + 1,
                        src.display
                    ),
                );
            }
            if next == rows.len() {
                break;
            }
        }
    }
    if let Some(extra) = out.take(usize::MAX)? {
        problem(
            &mut audit,
            format!("{NAME}: {} rows more than the input's kept rows", extra.num_rows()),
        );
    }
    for (name, got) in [
        ("input", audit.input),
        ("kept", audit.kept),
        ("removed", audit.removed),
        ("rejected", audit.rejected),
    ] {
        if summary[name].as_u64() != Some(got) {
            problem(
                &mut audit,
                format!("summary.json says {name} = {}, the files hold {got}", summary[name]),
            );
        }
    }
    audit.problems.sort();
    Ok(Some(audit))
}

//! `storydup verify`: re-reads a dedup output folder and the input, and proves that every input
//! record is in exactly one of `kept.jsonl`, `removed.jsonl` and `rejected.jsonl`, that kept
//! records are the input bytes unchanged, and that `summary.json` counts agree.
//!
//! A rejected record is found by its file and line (it may have no readable id); every other
//! record by its id, which the dedup run made unique.

use std::io::BufRead;
use std::path::Path;

use ahash::{AHashMap, AHashSet};
use serde_json::Value;

use storydup_core::error::{Error, Result};
use storydup_core::hash::{hash_bytes, hasher};
use storydup_core::schema::{ClusterLine, RejectedLine, RemovedLine};

use crate::atomic::TxtLine;
use crate::cut::Cutter;
use crate::source::{json_id, oversized_policy, parse, Corpus, KeptAs, Oversized, Reader, Span, Stored};

/// What the check found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Audit {
    /// Records read from the input.
    pub input: u64,
    /// Of them, found in kept.jsonl.
    pub kept: u64,
    /// Found in removed.jsonl.
    pub removed: u64,
    /// Found in rejected.jsonl.
    pub rejected: u64,
    /// Every disagreement, in the order found (empty when the outputs account for the input).
    pub problems: Vec<String>,
}

impl Audit {
    /// True when every record is accounted for exactly once and the counts agree.
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

fn lines(path: &Path) -> Result<Vec<String>> {
    let f = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    std::io::BufReader::new(f)
        .lines()
        .collect::<std::io::Result<Vec<_>>>()
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// The id in `field` of a line too long to hold, read as it streams by.
fn long_line_id(reader: &Reader, span: &Span, field: &str) -> Option<String> {
    let mut cutter = Cutter::new(field, "\u{0}never a field", 0);
    reader.blocks(span, span.len, |b| cutter.feed(b)).ok()?;
    let record = String::from_utf8(cutter.finish().ok()?).ok()?;
    json_id(&record, field)
}

/// XXH3 of a line too long to hold, read in blocks; for a `.txt` record (`txt_id`), of the JSON
/// line dedup keeps it as.
fn long_line_hash(reader: &Reader, span: &Span, txt_id: Option<&str>) -> Result<u64> {
    let mut h = hasher(0);
    let mut out = |b: &[u8]| h.update(b);
    match txt_id {
        None => reader.blocks(span, span.len, &mut out)?,
        Some(id) => {
            let mut line = TxtLine::begin(id, &mut out);
            reader.blocks(span, span.len, |b| line.push(b, &mut out))?;
            line.end(&mut out);
        }
    }
    Ok(h.digest())
}

/// Checks the outputs in `dir` against `inputs`.
///
/// # Errors
/// An output or input file cannot be read, or `summary.json` is missing (the run did not finish).
pub fn verify(dir: &Path, inputs: &[String]) -> Result<Audit> {
    #[cfg(feature = "parquet")]
    if let Some(audit) = crate::audit_parquet::verify_if_parquet(dir, inputs)? {
        return Ok(audit);
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
    let max_doc_bytes = params["max_doc_bytes"].as_u64().unwrap_or(16 << 20) as usize;
    let oversized =
        serde_json::from_value(params["oversized"].clone()).unwrap_or(storydup_core::params::OnOversized::Reject);
    let mut audit = Audit::default();
    let problem = |a: &mut Audit, p: String| {
        if a.problems.len() < 1000 {
            a.problems.push(p);
        }
    };

    let spool = tempfile::tempdir().map_err(|source| Error::Output {
        path: std::env::temp_dir(),
        source,
    })?;
    // kept: id → hash of the line; removed: ids; rejected: (file, line).
    let kept_inputs = [dir.join("kept.jsonl").to_string_lossy().into_owned()];
    let kept_corpus = Corpus::open(&kept_inputs, spool.path())?;
    let kept_reader = Reader::new(&kept_corpus);
    let mut kept: AHashMap<String, u64> = AHashMap::new();
    // Read as dedup reads its input, so a kept line of any length (a record cut down under
    // --oversized truncate) costs a block of memory.
    let whole_lines = Oversized::Truncate {
        id_field: id_field.clone(),
        text_field: text_field.clone(),
    };
    for chunk in kept_corpus.read_chunks(max_doc_bytes, &whole_lines) {
        let chunk = chunk.map_err(|(at, problem)| Error::Input { at, problem })?;
        for item in &chunk.items {
            let i = item.span.line;
            let (id, hash) = match item.stored {
                Stored::Whole => {
                    // Read as dedup reads ids, so a deeply nested ignored field is no obstacle.
                    let l = std::str::from_utf8(chunk.bytes(item)).unwrap_or("");
                    (
                        json_id(l, &id_field).or_else(|| json_id(l, "id")),
                        hash_bytes(chunk.bytes(item), 0),
                    )
                }
                _ => {
                    let id = [&*id_field, "id"]
                        .into_iter()
                        .find_map(|f| long_line_id(&kept_reader, &item.span, f));
                    (id, long_line_hash(&kept_reader, &item.span, None)?)
                }
            };
            match id {
                Some(id) => {
                    if kept.insert(id.clone(), hash).is_some() {
                        problem(&mut audit, format!("kept.jsonl:{i}: id \"{id}\" is kept twice"));
                    }
                }
                None => problem(&mut audit, format!("kept.jsonl:{i}: no id")),
            }
        }
    }
    // clusters.jsonl: members and kept record per cluster number.
    let mut cluster_kept: AHashMap<u64, String> = AHashMap::new();
    let mut cluster_members: AHashMap<u64, AHashSet<String>> = AHashMap::new();
    for (i, l) in lines(&dir.join("clusters.jsonl"))?.iter().enumerate() {
        let Ok(ClusterLine {
            cluster: c,
            kept: k,
            members: m,
            ..
        }) = serde_json::from_str::<ClusterLine>(l)
        else {
            problem(&mut audit, format!("clusters.jsonl:{}: not a cluster line", i + 1));
            continue;
        };
        let k = k.as_str();
        let members: AHashSet<String> = m.into_iter().collect();
        if !members.contains(k) || members.len() < 2 {
            problem(
                &mut audit,
                format!("clusters.jsonl:{}: kept \"{k}\" is not among 2+ members", i + 1),
            );
        }
        cluster_kept.insert(c, k.to_string());
        cluster_members.insert(c, members);
    }
    if summary["clusters"].as_u64() != Some(cluster_kept.len() as u64) {
        problem(
            &mut audit,
            format!(
                "summary.json says clusters = {}, clusters.jsonl holds {}",
                summary["clusters"],
                cluster_kept.len()
            ),
        );
    }
    let mut removed: AHashSet<String> = AHashSet::new();
    for (i, l) in lines(&dir.join("removed.jsonl"))?.iter().enumerate() {
        match serde_json::from_str::<RemovedLine>(l) {
            Ok(RemovedLine {
                id,
                cluster: c,
                duplicate_of,
                ..
            }) => {
                // Removed as a duplicate of its cluster's kept record, and a member of that cluster.
                let of = duplicate_of.as_str();
                if cluster_kept.get(&c).map(String::as_str) != Some(of) {
                    problem(
                        &mut audit,
                        format!(
                            "removed.jsonl:{}: duplicate_of \"{of}\" is not the kept record of cluster {c}",
                            i + 1
                        ),
                    );
                }
                if !cluster_members.get(&c).is_some_and(|m| m.contains(&id)) {
                    problem(
                        &mut audit,
                        format!("removed.jsonl:{}: \"{id}\" is not a member of cluster {c}", i + 1),
                    );
                }
                if kept.contains_key(&id) {
                    problem(&mut audit, format!("removed.jsonl:{}: id \"{id}\" is also kept", i + 1));
                }
                if !removed.insert(id.clone()) {
                    problem(
                        &mut audit,
                        format!("removed.jsonl:{}: id \"{id}\" is removed twice", i + 1),
                    );
                }
            }
            Err(_) => problem(&mut audit, format!("removed.jsonl:{}: not a removed line", i + 1)),
        }
    }
    let mut rejected: AHashSet<(String, u64)> = AHashSet::new();
    for (i, l) in lines(&dir.join("rejected.jsonl"))?.iter().enumerate() {
        match serde_json::from_str::<RejectedLine>(l) {
            Ok(RejectedLine { file: f, line, .. }) => {
                if !rejected.insert((f.to_string(), line)) {
                    problem(
                        &mut audit,
                        format!("rejected.jsonl:{}: {f}:{line} is rejected twice", i + 1),
                    );
                }
            }
            Err(_) => problem(&mut audit, format!("rejected.jsonl:{}: not a rejected line", i + 1)),
        }
    }

    // Walk the input as dedup did.
    let corpus = Corpus::open(inputs, spool.path())?;
    // Kept records too long to hold: where, span, .txt id, id, the hash in kept.jsonl.
    let mut long = Vec::new();
    let mut seen_kept: AHashSet<String> = AHashSet::new();
    let mut seen_removed: AHashSet<String> = AHashSet::new();
    let mut seen_rejected: AHashSet<(String, u64)> = AHashSet::new();
    for chunk in corpus.read_chunks(max_doc_bytes, &oversized_policy(oversized, &id_field, &text_field)) {
        let chunk = match chunk {
            Ok(c) => c,
            Err((at, _)) => {
                // A stream that failed part-way is one rejected record at the failure.
                audit.input += 1;
                if seen_rejected.insert((at.path.clone(), at.line)) && rejected.contains(&(at.path.clone(), at.line)) {
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
            let bytes = chunk.bytes(item);
            let Ok(parsed) = parse(src, item, bytes, &id_field, &text_field, max_doc_bytes) else {
                problem(&mut audit, format!("{at}: a bad record that is not in rejected.jsonl"));
                continue;
            };
            let id = parsed.key.into_owned();
            match (kept.get(&id), removed.contains(&id)) {
                (Some(h), false) => {
                    audit.kept += 1;
                    // A .txt record is kept as {"id","text"}: compare with what dedup writes.
                    let as_text = src.format.kept_as() == KeptAs::IdAndText;
                    let expected = if item.stored != Stored::Whole {
                        // Re-read once the input is read (a compressed one is spooled).
                        let txt_id = as_text.then(|| id.clone());
                        long.push((at.clone(), item.span, txt_id, id.clone(), *h));
                        *h
                    } else if as_text {
                        let line = serde_json::json!({"id": &id, "text": String::from_utf8_lossy(bytes)});
                        hash_bytes(line.to_string().as_bytes(), 0)
                    } else {
                        hash_bytes(bytes, 0)
                    };
                    if *h != expected {
                        let what = if as_text { "file" } else { "line" };
                        problem(
                            &mut audit,
                            format!("{at}: kept record \"{id}\" differs from the input {what}"),
                        );
                    }
                    if !seen_kept.insert(id.clone()) {
                        problem(
                            &mut audit,
                            format!("{at}: id \"{id}\" appears twice in the input but once in the outputs"),
                        );
                    }
                }
                (None, true) => {
                    audit.removed += 1;
                    if !seen_removed.insert(id.clone()) {
                        problem(
                            &mut audit,
                            format!("{at}: id \"{id}\" appears twice in the input but once in the outputs"),
                        );
                    }
                }
                (Some(_), true) => problem(&mut audit, format!("{at}: \"{id}\" is both kept and removed")),
                (None, false) => problem(&mut audit, format!("{at}: \"{id}\" is in no output: lost")),
            }
        }
    }
    let reader = Reader::new(&corpus);
    for (at, span, txt_id, id, h) in long {
        if long_line_hash(&reader, &span, txt_id.as_deref())? != h {
            problem(
                &mut audit,
                format!("{at}: kept record \"{id}\" differs from the input line"),
            );
        }
    }
    for id in kept.keys().filter(|k| !seen_kept.contains(*k)) {
        problem(&mut audit, format!("kept.jsonl: \"{id}\" is not in the input"));
    }
    for id in removed.iter().filter(|k| !seen_removed.contains(*k)) {
        problem(&mut audit, format!("removed.jsonl: \"{id}\" is not in the input"));
    }
    for (f, l) in rejected.iter().filter(|k| !seen_rejected.contains(*k)) {
        problem(
            &mut audit,
            format!("rejected.jsonl: {f}:{l} is not a record of the input"),
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
    Ok(audit)
}

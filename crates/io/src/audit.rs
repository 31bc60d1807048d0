//! `storydup verify`: re-reads a dedup output folder and the input, and proves that every input
//! record is in exactly one of `kept.jsonl`, `removed.jsonl` and `rejected.jsonl`, that kept
//! records are the input bytes unchanged, and that `summary.json` counts agree.
//!
//! A rejected record is found by its file and line (it may have no readable id); every other
//! record by its id, which the dedup run made unique. A record that had no id is known by its
//! place (`FILE:LINE`) in `removed.jsonl`, and its kept line, which is the input line and has no
//! id, by the line's bytes.
//!
//! The input is checked first as a whole: `summary.json` records each input's size, record
//! count and XXH3-64 as stored, and verify recomputes them as it streams, so another input (or
//! one changed since) is named as such before the record-level problems it causes.
//!
//! Output is deterministic: problems are ordered by file, then line (as a number), then text,
//! and the first [`MAX_SHOWN`] are kept (in bounded memory), with the exact total.

use std::collections::BinaryHeap;
use std::io::BufRead;
use std::path::Path;

use ahash::{AHashMap, AHashSet};
use serde_json::Value;

use storydup_core::error::{Error, Location, Result};
use storydup_core::hash::{hash_bytes, hasher};
use storydup_core::params::{MissingId, OnOversized};
use storydup_core::schema::{ClusterLine, InputFile, RejectedLine, RemovedLine};

use crate::atomic::TxtLine;
use crate::cut::Cutter;
use crate::plural::{count, thousands};
use crate::source::{
    is_place_id, json_id, oversized_policy, parse, Corpus, Fields, KeptAs, Oversized, Reader, Span, Stored,
};

/// Problems listed at most; the total is always counted.
pub const MAX_SHOWN: usize = 1000;

/// What the check found.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Audit {
    /// The inputs read, as given (or as `summary.json` recorded them, when none was given).
    pub inputs: Vec<String>,
    /// Records read from the input.
    pub input: u64,
    /// Lines of `kept.jsonl`.
    pub kept: u64,
    /// Lines of `removed.jsonl`.
    pub removed: u64,
    /// Lines of `rejected.jsonl`.
    pub rejected: u64,
    /// The first [`MAX_SHOWN`] problems: first every input that is not the one the run read,
    /// then the rest by file, line (as a number) and text.
    pub problems: Vec<String>,
    /// How many problems there are in all.
    pub num_problems: u64,
}

impl Audit {
    /// True when every record is accounted for exactly once and the counts agree.
    pub fn is_ok(&self) -> bool {
        self.num_problems == 0
    }

    /// The closing line: `ok: 5 input records = 4 kept + 1 removed + 0 rejected`, or, on
    /// failure, what the input and the outputs each hold.
    pub fn closing_line(&self) -> String {
        if self.is_ok() {
            format!(
                "ok: {} = {} kept + {} removed + {} rejected",
                count(self.input, "input record", "input records"),
                thousands(self.kept),
                thousands(self.removed),
                thousands(self.rejected)
            )
        } else {
            format!(
                "FAILED: {}; the outputs hold {} = {} kept + {} removed + {} rejected",
                count(self.input, "input record", "input records"),
                thousands(self.kept + self.removed + self.rejected),
                thousands(self.kept),
                thousands(self.removed),
                thousands(self.rejected)
            )
        }
    }

    /// How many problems, and how many of them are listed: `3 problems`, or `1,326 problems;
    /// the first 1,000 shown`.
    pub fn problems_line(&self) -> String {
        let all = count(self.num_problems, "problem", "problems");
        if self.num_problems > self.problems.len() as u64 {
            format!("{all}; the first {} shown", thousands(self.problems.len() as u64))
        } else {
            all
        }
    }
}

/// One problem with the key it is ordered by.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Found {
    /// 0: the input is not the one recorded (said first); 1: everything else.
    class: u8,
    file: String,
    line: u64,
    text: String,
}

/// Problems as they are found: the first [`MAX_SHOWN`] in order, and the count of all.
#[derive(Default)]
struct Problems {
    /// A max-heap: the greatest of the kept ones is dropped when a smaller one comes.
    first: BinaryHeap<Found>,
    total: u64,
}

impl Problems {
    /// A problem at `file:line` (line 0: the file as a whole); the text says where.
    fn at(&mut self, file: &str, line: u64, text: String) {
        self.push(Found {
            class: 1,
            file: file.to_string(),
            line,
            text,
        });
    }

    /// A problem at an input location.
    fn input(&mut self, at: &Location, text: String) {
        self.at(&at.path, at.line, format!("{at}: {text}"));
    }

    fn push(&mut self, found: Found) {
        self.total += 1;
        if self.first.len() < MAX_SHOWN {
            self.first.push(found);
        } else if self.first.peek().is_some_and(|max| found < *max) {
            self.first.pop();
            self.first.push(found);
        }
    }

    fn into_sorted(self) -> (Vec<String>, u64) {
        let list = self.first.into_sorted_vec().into_iter().map(|f| f.text).collect();
        (list, self.total)
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

/// The inputs `summary.json` recorded, if it did.
fn recorded_inputs(summary: &Value) -> Option<Vec<InputFile>> {
    serde_json::from_value(summary.get("inputs")?.clone()).ok()
}

/// The inputs to read: those given, or else those `summary.json` recorded.
fn inputs_to_read(dir: &Path, given: &[String], recorded: Option<&[InputFile]>) -> Result<Vec<String>> {
    if !given.is_empty() {
        // The recorded file named another way (`./data.jsonl` for `data.jsonl`) is read under its
        // recorded name: places (`FILE:LINE`) and rejected records are found by that name.
        let same_file = |a: &str, b: &str| {
            let real = |p: &str| std::fs::canonicalize(p).ok();
            a != "-" && b != "-" && real(a).is_some() && real(a) == real(b)
        };
        return Ok(match recorded.filter(|r| r.len() == given.len()) {
            Some(recorded) => given
                .iter()
                .zip(recorded)
                .map(|(g, r)| {
                    if same_file(g, &r.path) {
                        r.path.clone()
                    } else {
                        g.clone()
                    }
                })
                .collect(),
            None => given.to_vec(),
        });
    }
    let summary = dir.join("summary.json");
    let Some(recorded) = recorded.filter(|r| !r.is_empty()) else {
        return Err(Error::Params {
            field: "INPUT",
            reason: format!(
                "{} does not record the inputs of the run (an older storydup wrote it); \
                 name them: storydup verify {} INPUT...",
                summary.display(),
                dir.display()
            ),
        });
    };
    for input in recorded {
        if input.path == "-" {
            return Err(Error::Params {
                field: "INPUT",
                reason: format!(
                    "the run read standard input ({}); give verify the same bytes again: \
                     storydup verify {} - < FILE",
                    count(input.bytes, "byte", "bytes"),
                    dir.display()
                ),
            });
        }
        if std::fs::metadata(&input.path).is_err() {
            return Err(Error::Params {
                field: "INPUT",
                reason: format!(
                    "{} records the input {}, which is not there{}; name the input: storydup verify {} INPUT...",
                    summary.display(),
                    input.path,
                    if Path::new(&input.path).is_relative() {
                        " (a relative path is relative to the folder dedup ran in: run verify there)"
                    } else {
                        ""
                    },
                    dir.display()
                ),
            });
        }
    }
    Ok(recorded.iter().map(|i| i.path.clone()).collect())
}

/// One input as stored, for messages: `data.jsonl (2,785,179 bytes, 1,117 records, xxh3 …)`.
fn describe(f: &InputFile) -> String {
    format!(
        "{} ({}, {}{})",
        f.path,
        count(f.bytes, "byte", "bytes"),
        count(f.records, "record", "records"),
        f.xxh3.as_deref().map(|h| format!(", xxh3 {h}")).unwrap_or_default()
    )
}

/// Names every input that is not the one recorded, plainly (a problem said first).
fn compare_inputs(recorded: &[InputFile], read: &[InputFile], problems: &mut Problems) {
    let mut say = |file: &str, text: String| {
        problems.push(Found {
            class: 0,
            file: file.to_string(),
            line: 0,
            text,
        })
    };
    if recorded.len() != read.len() {
        let names = |fs: &[InputFile]| fs.iter().map(|f| f.path.as_str()).collect::<Vec<_>>().join(", ");
        say(
            "",
            format!(
                "different input: the run read {} ({}), verify read {} ({})",
                count(recorded.len() as u64, "input", "inputs"),
                names(recorded),
                count(read.len() as u64, "input", "inputs"),
                names(read)
            ),
        );
        return;
    }
    for (was, is) in recorded.iter().zip(read) {
        let same_hash = match (&was.xxh3, &is.xxh3) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        if same_hash && was.bytes == is.bytes && was.records == is.records {
            continue;
        }
        let what = if was.path == is.path {
            format!("{} has changed since the run", is.path)
        } else {
            format!("{} is not the input the run read", is.path)
        };
        say(
            &is.path,
            format!(
                "different input: {what}: summary.json records {}; verify read {}",
                describe(was),
                describe(is)
            ),
        );
    }
}

/// Checks the outputs in `dir` against `inputs`; with no inputs, against the inputs that
/// `summary.json` recorded (relative paths are relative to the current folder, as given).
///
/// # Errors
/// An output or input file cannot be read, `summary.json` is missing (the run did not finish),
/// or no input is given and `summary.json` does not name them (or they were standard input).
pub fn verify(dir: &Path, inputs: &[String]) -> Result<Audit> {
    let summary_path = dir.join("summary.json");
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&summary_path).map_err(|source| Error::Io {
        path: summary_path.clone(),
        source,
    })?)
    .map_err(|e| Error::Internal(format!("{}: not JSON: {e}", summary_path.display())))?;
    let recorded = recorded_inputs(&summary);
    let inputs = inputs_to_read(dir, inputs, recorded.as_deref())?;
    #[cfg(feature = "parquet")]
    if let Some(audit) = crate::audit_parquet::verify_if_parquet(dir, &inputs)? {
        return Ok(audit);
    }
    let params = &summary["params"];
    let id_field = params["id_field"].as_str().unwrap_or("id").to_string();
    let text_field = params["text_field"].as_str().unwrap_or("text").to_string();
    let missing_id: MissingId = serde_json::from_value(params["missing_id"].clone()).unwrap_or(MissingId::Reject);
    let max_doc_bytes = params["max_doc_bytes"].as_u64().unwrap_or(16 << 20) as usize;
    let oversized = serde_json::from_value(params["oversized"].clone()).unwrap_or(OnOversized::Reject);
    let mut audit = Audit {
        inputs: inputs.clone(),
        ..Audit::default()
    };
    let mut problems = Problems::default();

    let spool = tempfile::tempdir().map_err(|source| Error::Output {
        path: std::env::temp_dir(),
        source,
    })?;
    // kept: id → (hash of the line, its line); lines without an id: hash → their lines.
    let kept_inputs = [dir.join("kept.jsonl").to_string_lossy().into_owned()];
    let kept_corpus = Corpus::open(&kept_inputs, spool.path())?;
    let kept_reader = Reader::new(&kept_corpus);
    let mut kept: AHashMap<String, (u64, u64)> = AHashMap::new();
    let mut idless: AHashMap<u64, Vec<u64>> = AHashMap::new();
    // Read as dedup reads its input, so a kept line of any length (a record cut down under
    // --oversized truncate) costs a block of memory.
    let whole_lines = Oversized::Truncate {
        id_field: id_field.clone(),
        text_field: text_field.clone(),
    };
    for chunk in kept_corpus.read_chunks(max_doc_bytes, &whole_lines) {
        let chunk = chunk.map_err(|(at, problem)| Error::Input { at, problem })?;
        for item in &chunk.items {
            audit.kept += 1;
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
                    if kept.insert(id.clone(), (hash, i)).is_some() {
                        problems.at("kept.jsonl", i, format!("kept.jsonl:{i}: id \"{id}\" is kept twice"));
                    }
                }
                None => idless.entry(hash).or_default().push(i),
            }
        }
    }
    // Lines without an id are matched in input order: the kept file is in input order.
    for lines in idless.values_mut() {
        lines.reverse();
    }
    // clusters.jsonl: members and kept record per cluster number.
    let mut cluster_kept: AHashMap<u64, String> = AHashMap::new();
    let mut cluster_members: AHashMap<u64, AHashSet<String>> = AHashMap::new();
    for (i, l) in lines(&dir.join("clusters.jsonl"))?.iter().enumerate() {
        let i = i as u64 + 1;
        let Ok(ClusterLine {
            cluster: c,
            kept: k,
            members: m,
            ..
        }) = serde_json::from_str::<ClusterLine>(l)
        else {
            problems.at("clusters.jsonl", i, format!("clusters.jsonl:{i}: not a cluster line"));
            continue;
        };
        let k = k.as_str();
        let members: AHashSet<String> = m.into_iter().collect();
        if !members.contains(k) || members.len() < 2 {
            problems.at(
                "clusters.jsonl",
                i,
                format!("clusters.jsonl:{i}: kept \"{k}\" is not among 2+ members"),
            );
        }
        cluster_kept.insert(c, k.to_string());
        cluster_members.insert(c, members);
    }
    if summary["clusters"].as_u64() != Some(cluster_kept.len() as u64) {
        problems.at(
            "summary.json",
            0,
            format!(
                "summary.json says clusters = {}, clusters.jsonl holds {}",
                summary["clusters"],
                cluster_kept.len()
            ),
        );
    }
    // removed: id → its line.
    let mut removed: AHashMap<String, u64> = AHashMap::new();
    for (i, l) in lines(&dir.join("removed.jsonl"))?.iter().enumerate() {
        let i = i as u64 + 1;
        audit.removed += 1;
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
                    problems.at(
                        "removed.jsonl",
                        i,
                        format!("removed.jsonl:{i}: duplicate_of \"{of}\" is not the kept record of cluster {c}"),
                    );
                }
                if !cluster_members.get(&c).is_some_and(|m| m.contains(&id)) {
                    problems.at(
                        "removed.jsonl",
                        i,
                        format!("removed.jsonl:{i}: \"{id}\" is not a member of cluster {c}"),
                    );
                }
                if kept.contains_key(&id) {
                    problems.at(
                        "removed.jsonl",
                        i,
                        format!("removed.jsonl:{i}: id \"{id}\" is also kept"),
                    );
                }
                if removed.insert(id.clone(), i).is_some() {
                    problems.at(
                        "removed.jsonl",
                        i,
                        format!("removed.jsonl:{i}: id \"{id}\" is removed twice"),
                    );
                }
            }
            Err(_) => problems.at("removed.jsonl", i, format!("removed.jsonl:{i}: not a removed line")),
        }
    }
    // rejected: (file, line) → its line.
    let mut rejected: AHashMap<(String, u64), u64> = AHashMap::new();
    for (i, l) in lines(&dir.join("rejected.jsonl"))?.iter().enumerate() {
        let i = i as u64 + 1;
        audit.rejected += 1;
        match serde_json::from_str::<RejectedLine>(l) {
            Ok(RejectedLine { file: f, line, .. }) => {
                if rejected.insert((f.to_string(), line), i).is_some() {
                    problems.at(
                        "rejected.jsonl",
                        i,
                        format!("rejected.jsonl:{i}: {f}:{line} is rejected twice"),
                    );
                }
            }
            Err(_) => problems.at("rejected.jsonl", i, format!("rejected.jsonl:{i}: not a rejected line")),
        }
    }

    // Walk the input as dedup did.
    let corpus = Corpus::open(&inputs, spool.path())?;
    let mut records_per_source = vec![0u64; corpus.sources.len()];
    // Kept records too long to hold: where, span, .txt id, id, the hash in kept.jsonl.
    let mut long = Vec::new();
    // Records without an id, too long to hold: where, span.
    let mut long_idless = Vec::new();
    let mut seen_kept: AHashSet<String> = AHashSet::new();
    let mut seen_removed: AHashSet<String> = AHashSet::new();
    let mut seen_rejected: AHashSet<(String, u64)> = AHashSet::new();
    for chunk in corpus.read_chunks(max_doc_bytes, &oversized_policy(oversized, &id_field, &text_field)) {
        let chunk = match chunk {
            Ok(c) => c,
            Err((at, _)) => {
                // A stream that failed part-way is one rejected record at the failure.
                audit.input += 1;
                if let Some(src) = corpus.source_named(&at.path) {
                    records_per_source[src as usize] += 1;
                }
                let loc = (at.path.clone(), at.line);
                if !(rejected.contains_key(&loc) && seen_rejected.insert(loc)) {
                    problems.input(&at, "unreadable input, but not in rejected.jsonl".into());
                }
                continue;
            }
        };
        for item in &chunk.items {
            audit.input += 1;
            records_per_source[item.span.source as usize] += 1;
            let at = corpus.location(&item.span);
            let loc = (at.path.clone(), at.line);
            if rejected.contains_key(&loc) {
                seen_rejected.insert(loc);
                continue;
            }
            let src = &corpus.sources[item.span.source as usize];
            let bytes = chunk.bytes(item);
            let fields = Fields::new(&id_field, &text_field, missing_id);
            let Ok(parsed) = parse(src, item, bytes, fields, max_doc_bytes) else {
                problems.input(&at, "a bad record that is not in rejected.jsonl".into());
                continue;
            };
            let id = parsed.key.into_owned();
            match (kept.get(&id), removed.contains_key(&id)) {
                (Some(&(h, _)), false) => {
                    // A .txt record is kept as {"id","text"}: compare with what dedup writes.
                    let as_text = src.format.kept_as() == KeptAs::IdAndText;
                    let expected = if item.stored != Stored::Whole {
                        // Re-read once the input is read (a compressed one is spooled).
                        let txt_id = as_text.then(|| id.clone());
                        long.push((at.clone(), item.span, txt_id, id.clone(), h));
                        h
                    } else if as_text {
                        let line = serde_json::json!({"id": &id, "text": String::from_utf8_lossy(bytes)});
                        hash_bytes(line.to_string().as_bytes(), 0)
                    } else {
                        hash_bytes(bytes, 0)
                    };
                    if h != expected {
                        let what = if as_text { "file" } else { "line" };
                        problems.input(&at, format!("kept record \"{id}\" differs from the input {what}"));
                    }
                    if !seen_kept.insert(id.clone()) {
                        problems.input(
                            &at,
                            format!("id \"{id}\" appears twice in the input but once in the outputs"),
                        );
                    }
                }
                (None, true) => {
                    if !seen_removed.insert(id.clone()) {
                        problems.input(
                            &at,
                            format!("id \"{id}\" appears twice in the input but once in the outputs"),
                        );
                    }
                }
                (Some(_), true) => problems.input(&at, format!("\"{id}\" is both kept and removed")),
                // A record without an id, kept: its line, byte for byte, with no id in it.
                (None, false) if is_place_id(&id, &at) && item.stored != Stored::Whole => {
                    long_idless.push((at, item.span));
                }
                (None, false) if is_place_id(&id, &at) => {
                    if idless.get_mut(&hash_bytes(bytes, 0)).and_then(Vec::pop).is_none() {
                        problems.input(&at, "a record without an id that is in no output: lost".into());
                    }
                }
                (None, false) => problems.input(&at, format!("\"{id}\" is in no output: lost")),
            }
        }
    }
    let reader = Reader::new(&corpus);
    for (at, span, txt_id, id, h) in long {
        if long_line_hash(&reader, &span, txt_id.as_deref())? != h {
            problems.input(&at, format!("kept record \"{id}\" differs from the input line"));
        }
    }
    for (at, span) in long_idless {
        let h = long_line_hash(&reader, &span, None)?;
        if idless.get_mut(&h).and_then(Vec::pop).is_none() {
            problems.input(&at, "a record without an id that is in no output: lost".into());
        }
    }
    for (id, &(_, i)) in kept.iter().filter(|(k, _)| !seen_kept.contains(*k)) {
        problems.at("kept.jsonl", i, format!("kept.jsonl:{i}: \"{id}\" is not in the input"));
    }
    for i in idless.values().flatten() {
        problems.at(
            "kept.jsonl",
            *i,
            format!("kept.jsonl:{i}: a line without an id that is not in the input"),
        );
    }
    for (id, &i) in removed.iter().filter(|(k, _)| !seen_removed.contains(*k)) {
        problems.at(
            "removed.jsonl",
            i,
            format!("removed.jsonl:{i}: \"{id}\" is not in the input"),
        );
    }
    for ((f, l), &i) in rejected.iter().filter(|(k, _)| !seen_rejected.contains(*k)) {
        problems.at(
            "rejected.jsonl",
            i,
            format!("rejected.jsonl:{i}: {f}:{l} is not a record of the input"),
        );
    }
    for (name, got) in [
        ("input", audit.input),
        ("kept", audit.kept),
        ("removed", audit.removed),
        ("rejected", audit.rejected),
    ] {
        if summary[name].as_u64() != Some(got) {
            let holds = if name == "input" {
                "the input holds"
            } else {
                "the files hold"
            };
            problems.at(
                "summary.json",
                0,
                format!("summary.json says {name} = {}, {holds} {got}", summary[name]),
            );
        }
    }
    if let Some(recorded) = &recorded {
        compare_inputs(recorded, &corpus.input_files(&records_per_source), &mut problems);
    }
    let (list, total) = problems.into_sorted();
    audit.problems = list;
    audit.num_problems = total;
    Ok(audit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_ordered_by_file_then_line_as_a_number_and_capped() {
        let mut p = Problems::default();
        for line in (1..=1500u64).rev() {
            p.at("in.jsonl", line, format!("in.jsonl:{line}: lost"));
        }
        p.at("in.jsonl", 0, "in.jsonl: whole".into());
        p.push(Found {
            class: 0,
            file: "zzz".into(),
            line: 0,
            text: "different input".into(),
        });
        let (list, total) = p.into_sorted();
        assert_eq!(total, 1502);
        assert_eq!(list.len(), MAX_SHOWN);
        assert_eq!(list[0], "different input");
        assert_eq!(list[1], "in.jsonl: whole");
        assert_eq!(list[2], "in.jsonl:1: lost");
        assert_eq!(list[10], "in.jsonl:9: lost");
        assert_eq!(list[11], "in.jsonl:10: lost");
        assert_eq!(list[MAX_SHOWN - 1], "in.jsonl:998: lost");
    }
}

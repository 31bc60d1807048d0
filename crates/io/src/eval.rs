//! `storydup eval`: reads a truth file and a prediction (a dedup `clusters.jsonl`, a stories JSON
//! report, or any `{"id","cluster"}` JSONL) and scores them with [`storydup_core::eval::score`].
//!
//! Records are the ids of the truth file. A truth `cluster` of null is a singleton; an id missing
//! from the prediction is a singleton; predicted ids absent from the truth are counted and ignored.
//! When the truth is a generated corpus (`variant`, `source`, `jaccard` fields, as written by
//! `make_corpus.py`), the share of variants put with their base is also given per kind of edit and
//! per band of true Jaccard.

use std::io::BufRead;
use std::path::Path;

use ahash::AHashMap;
use serde_json::Value;
use storydup_core::error::{Error, Location, Problem, Result};
use storydup_core::eval::{score, Scores, VariantRecall};

fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// What each line of a file that `role` names must be, for messages.
const TRUTH_LINE: &str =
    "each line of the truth must be a JSON object {\"id\", \"cluster\"} (cluster null for a singleton)";
const PRED_LINE: &str =
    "each line of the prediction must be a JSON object {\"id\", \"cluster\"} or a clusters.jsonl line \
                         {\"cluster\", \"members\"}, or the file one stories -f json report";

fn read_lines(
    path: &Path,
    expected: &str,
    mut f: impl FnMut(u64, Value) -> std::result::Result<(), String>,
) -> Result<()> {
    let file = std::fs::File::open(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line_no = i as u64 + 1;
        let at = || Location {
            path: path.display().to_string(),
            line: line_no,
            byte_offset: 0,
        };
        let line = line.map_err(|e| Error::Input {
            at: at(),
            problem: Problem::new(
                "invalid_utf8",
                format!("cannot read the line ({e}); re-encode the file as UTF-8"),
            ),
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(&line).map_err(|e| Error::Input {
            at: at(),
            problem: Problem::new(
                "malformed_json",
                format!("malformed JSON at column {}: {e}; {expected}", e.column()),
            ),
        })?;
        f(line_no, v).map_err(|m| Error::Input {
            at: at(),
            problem: Problem::new("bad_record", format!("{m}; {expected}")),
        })?;
    }
    Ok(())
}

/// The stories' document lists when `path` is a stories report, else None.
fn read_stories_report(path: &Path) -> Option<Vec<Vec<String>>> {
    let text = std::fs::read_to_string(path).ok()?;
    if !text.trim_start().starts_with('{') || text.lines().filter(|l| !l.trim().is_empty()).count() < 2 {
        return None;
    }
    let v: Value = serde_json::from_str(&text).ok()?;
    let stories = v.get("stories")?.as_array()?;
    Some(
        stories
            .iter()
            .map(|s| {
                s.get("documents")
                    .and_then(Value::as_array)
                    .map(|d| d.iter().filter_map(id_string).collect())
                    .unwrap_or_default()
            })
            .collect(),
    )
}

fn read_lines_unless_report(path: &Path, f: impl FnMut(u64, Value) -> std::result::Result<(), String>) -> Result<()> {
    if read_stories_report(path).is_some() {
        return Ok(());
    }
    read_lines(path, PRED_LINE, f)
}

/// Reads both files and scores them.
///
/// `pred` is a `clusters.jsonl` of `storydup dedup` (`{"cluster", "members"}` lines), a
/// `storydup stories --format json` report, or any `{"id", "cluster"}` JSONL.
///
/// # Errors
/// A file is missing or a line is not of either form.
pub fn evaluate(truth_path: &Path, pred_path: &Path) -> Result<Scores> {
    let mut ids: AHashMap<String, usize> = AHashMap::new();
    let mut truth: Vec<u64> = Vec::new();
    let mut labels: AHashMap<String, u64> = AHashMap::new();
    let mut extra: Vec<(String, Option<String>, String, Option<f64>)> = Vec::new();
    read_lines(truth_path, TRUTH_LINE, |_, v| {
        let id = v.get("id").and_then(id_string).ok_or("no string or integer \"id\"")?;
        let next = (labels.len() + ids.len()) as u64 + (1 << 40);
        let label = match v.get("cluster") {
            None => return Err("no \"cluster\" field".into()),
            Some(Value::Null) => next, // a singleton of its own
            Some(c) => {
                let key = id_string(c).unwrap_or_else(|| c.to_string());
                let len = labels.len() as u64;
                *labels.entry(key).or_insert(len)
            }
        };
        if ids.insert(id.clone(), truth.len()).is_some() {
            return Err(format!("duplicate id \"{id}\": each id must be in the truth once"));
        }
        truth.push(label);
        if let (Some(var), Some(src)) = (
            v.get("variant").and_then(Value::as_str),
            v.get("source").and_then(id_string),
        ) {
            extra.push((id, Some(src), var.to_string(), v.get("jaccard").and_then(Value::as_f64)));
        }
        Ok(())
    })?;
    let n = truth.len();
    // Unassigned records are singletons: label = 2^41 + index.
    let mut pred: Vec<u64> = (0..n as u64).map(|i| (1 << 41) + i).collect();
    let mut unknown = 0usize;
    let mut pred_labels: AHashMap<String, u64> = AHashMap::new();
    // A `storydup stories --format json` report: one JSON object holding `stories`.
    if let Some(stories) = read_stories_report(pred_path) {
        for (label, docs) in stories.into_iter().enumerate() {
            for id in docs {
                match ids.get(&id) {
                    Some(&i) => pred[i] = label as u64,
                    None => unknown += 1,
                }
            }
        }
    }
    read_lines_unless_report(pred_path, |_, v| {
        if let Some(members) = v.get("members").and_then(Value::as_array) {
            let len = pred_labels.len() as u64;
            let key = v
                .get("cluster")
                .map(|c| c.to_string())
                .unwrap_or_else(|| format!("#{len}"));
            let label = *pred_labels.entry(key).or_insert(len);
            for m in members {
                let id = id_string(m).ok_or("a member is not a string or integer id")?;
                match ids.get(&id) {
                    Some(&i) => pred[i] = label,
                    None => unknown += 1,
                }
            }
            return Ok(());
        }
        let id = v
            .get("id")
            .and_then(id_string)
            .ok_or("neither \"members\" nor \"id\"")?;
        let Some(&i) = ids.get(&id) else {
            unknown += 1;
            return Ok(());
        };
        match v.get("cluster") {
            None | Some(Value::Null) => {}
            Some(c) => {
                let key = id_string(c).unwrap_or_else(|| c.to_string());
                let len = pred_labels.len() as u64;
                pred[i] = *pred_labels.entry(key).or_insert(len);
            }
        }
        Ok(())
    })?;
    let mut s = score(&pred, &truth);
    s.unknown_pred_ids = unknown;
    if !extra.is_empty() {
        let mut vr = VariantRecall::default();
        for (id, src, variant, jac) in &extra {
            if variant == "base" {
                continue;
            }
            let i = ids[id];
            let hit = src
                .as_ref()
                .and_then(|s| ids.get(s))
                .is_some_and(|&j| pred[i] == pred[j]) as u64;
            if variant == "related" {
                vr.related_merged[0] += hit;
                vr.related_merged[1] += 1;
                continue;
            }
            let kind = variant.split('+').next().unwrap_or(variant).to_string();
            let e = vr.by_kind.entry(kind).or_default();
            e[0] += hit;
            e[1] += 1;
            let band = match jac {
                Some(j) if *j >= 0.9 => ">=0.9",
                Some(j) if *j >= 0.8 => "0.8-0.9",
                Some(j) if *j >= 0.7 => "0.7-0.8",
                Some(j) if *j >= 0.5 => "0.5-0.7",
                Some(_) => "<0.5",
                None => "?",
            };
            let e = vr.by_true_jaccard.entry(band.to_string()).or_default();
            e[0] += hit;
            e[1] += 1;
        }
        s.variants = Some(vr);
    }
    Ok(s)
}

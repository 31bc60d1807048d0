//! The outputs do not depend on the thread count (-j 1, 2, 8) nor on how the same records arrive
//! (one file, the same lines split over three files in order, one gzip file).
//!
//! Compared byte for byte: kept.jsonl, removed.jsonl, clusters.jsonl, and summary.json without
//! `timings_s` and `peak_rss_bytes` (wall time and memory vary from run to run). rejected.jsonl
//! is the same bytes across thread counts; across input forms its `file` names the file given,
//! and with three files its `line` and `byte_offset` count within each file (as does a
//! duplicate-id reason's "already used at FILE:LINE"), so there it is compared after mapping
//! every location back to the one file. `input_bytes` counts decompressed bytes, so it is the
//! same for every form and is compared too.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::util::*;

const SAME_BYTES: [&str; 3] = ["kept.jsonl", "removed.jsonl", "clusters.jsonl"];

fn run(env: &Env, inputs: &[&Path], name: &str, extra: &[&str]) -> PathBuf {
    let out = env.path(name);
    let mut args = vec!["--on-error", "skip"];
    args.extend_from_slice(extra);
    dedup(inputs, &out, &args).ok();
    out
}

#[track_caller]
fn assert_same_bytes(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        let (x, y) = (std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap());
        assert!(x == y, "{f} differs between {} and {}", a.display(), b.display());
    }
    // `inputs` says what was read: compared by the callers.
    assert_eq!(records_summary(a), records_summary(b), "summary.json differs");
}

/// The records read from all inputs, as `summary.json` records them.
fn input_records(out: &Path) -> u64 {
    let s = Outputs::read(out).summary;
    s["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["records"].as_u64().unwrap())
        .sum()
}

/// Replaces every `FILE:LINE` of `files` (path, lines before it) in `s` by `IN:GLOBAL_LINE`.
fn globalize(s: &str, files: &[(String, u64)]) -> String {
    let mut out = s.to_string();
    for (path, before) in files {
        let needle = format!("{path}:");
        let mut result = String::new();
        let mut rest = out.as_str();
        while let Some(at) = rest.find(&needle) {
            result.push_str(&rest[..at]);
            rest = &rest[at + needle.len()..];
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let line: u64 = rest[..digits].parse().unwrap();
            result.push_str(&format!("IN:{}", line + before));
            rest = &rest[digits..];
        }
        result.push_str(rest);
        out = result;
    }
    out
}

/// rejected.jsonl with every location mapped to one input: `files` are (path, lines before it,
/// bytes before it), in the order given.
fn rejected_global(out: &Path, files: &[(String, u64, u64)]) -> Vec<Value> {
    let lines: Vec<(String, u64)> = files.iter().map(|(p, l, _)| (p.clone(), *l)).collect();
    read_jsonl(&out.join("rejected.jsonl"))
        .into_iter()
        .map(|mut r| {
            let (_, lb, bb) = files
                .iter()
                .find(|(p, _, _)| r["file"] == p.as_str())
                .unwrap_or_else(|| panic!("unknown file in {r}"));
            r["file"] = "IN".into();
            r["line"] = (r["line"].as_u64().unwrap() + lb).into();
            r["byte_offset"] = (r["byte_offset"].as_u64().unwrap() + bb).into();
            r["reason"] = globalize(r["reason"].as_str().unwrap(), &lines).into();
            r
        })
        .collect()
}

#[test]
fn same_outputs_for_1_2_and_8_threads() {
    let env = Env::new();
    // Over one 4 MiB reading chunk, with copies, edits, contained windows and bad lines.
    let lines = seed_corpus("d", (4 << 20) + (512 << 10), 4, true);
    let input = env.write_lines("in.jsonl", &lines);
    let j1 = run(&env, &[&input], "j1", &["-j", "1"]);
    let j2 = run(&env, &[&input], "j2", &["-j", "2"]);
    let j8 = run(&env, &[&input], "j8", &["-j", "8"]);
    let o = Outputs::read(&j1);
    assert!(
        o.clusters.len() >= 5 && o.rejected.len() >= 20 && o.summary["empty"].as_u64().unwrap() >= 10,
        "the corpus exercises clusters, rejections and texts without words"
    );
    assert!(o.removed.iter().any(|r| r.get("matched").is_some()), "and chains");
    let all = ["kept.jsonl", "removed.jsonl", "clusters.jsonl", "rejected.jsonl"];
    assert_same_bytes(&j1, &j2, &all);
    assert_same_bytes(&j1, &j8, &all);
    assert_eq!(
        stable_summary(&j1),
        stable_summary(&j8),
        "the same input, recorded the same"
    );
    // With --containment too.
    let c1 = run(&env, &[&input], "c1", &["-j", "1", "--containment"]);
    let c8 = run(&env, &[&input], "c8", &["-j", "8", "--containment"]);
    assert!(Outputs::read(&c1).removed.iter().any(|r| r["measure"] == "containment"));
    assert_same_bytes(&c1, &c8, &all);
}

#[test]
fn same_outputs_from_one_file_three_files_and_gzip() {
    let env = Env::new();
    let lines = seed_corpus("f", (4 << 20) + (512 << 10), 5, true);
    let whole = env.write_lines("whole.jsonl", &lines);
    let n = lines.len();
    // Cut just before a reused id (every 111th record from the 73rd, see seed_corpus) so that
    // its first use is in the previous file.
    let cut_near = |at: usize| (at..n).find(|v| v % 111 == 73).unwrap() - 2;
    let cuts = [0, cut_near(n / 3), cut_near(2 * n / 3), n];
    let mut parts = Vec::new();
    let mut files = Vec::new();
    for k in 0..3 {
        let part = &lines[cuts[k]..cuts[k + 1]];
        let p = env.write_lines(&format!("part{k}.jsonl"), part);
        let bytes_before: usize = lines[..cuts[k]].iter().map(|l| l.len() + 1).sum();
        files.push((p.display().to_string(), cuts[k] as u64, bytes_before as u64));
        parts.push(p);
    }
    let gz = env.write("whole.jsonl.gz", gzip(&join_lines(&lines)));

    let a = run(&env, &[&whole], "whole", &[]);
    let b = run(&env, &[&parts[0], &parts[1], &parts[2]], "parts", &[]);
    let c = run(&env, &[&gz], "gz", &[]);
    let o = Outputs::read(&a);
    assert!(!o.removed.is_empty() && o.rejected.len() >= 20);
    // Each run records what it read: one file, three, or one compressed.
    assert_eq!(Outputs::read(&b).summary["inputs"].as_array().unwrap().len(), 3);
    for out in [&a, &b, &c] {
        assert_eq!(input_records(out), n as u64);
    }
    assert!(
        o.rejected.iter().any(|r| r["kind"] == "duplicate_id"),
        "a reason that names another location"
    );
    assert_same_bytes(&a, &b, &SAME_BYTES);
    assert_same_bytes(&a, &c, &SAME_BYTES);

    let whole_files = [(whole.display().to_string(), 0, 0)];
    let expected = rejected_global(&a, &whole_files);
    assert_eq!(rejected_global(&b, &files), expected, "rejected records, three files");
    let gz_files = [(gz.display().to_string(), 0, 0)];
    assert_eq!(rejected_global(&c, &gz_files), expected, "rejected records, gzip");
    // Across files a duplicate id names the file of its first use.
    let cross = read_jsonl(&b.join("rejected.jsonl"))
        .into_iter()
        .filter(|r| r["kind"] == "duplicate_id")
        .any(|r| {
            let reason = r["reason"].as_str().unwrap();
            !reason.contains(&format!("{}:", r["file"].as_str().unwrap()))
        });
    assert!(cross, "the split puts first uses of an id in an earlier file");
}

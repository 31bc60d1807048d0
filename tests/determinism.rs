//! The outputs are a function of the input and the parameters only: the same bytes for any
//! number of threads and on every run (summary.json too, but for its timings and memory).

use std::path::{Path, PathBuf};

use crate::util::*;

/// Over 4 MiB of records (so more than one reading chunk): every report, many edited copies of
/// each (big LSH buckets, chains), overlapping windows of paragraphs (containment), exact copies
/// and a few bad lines.
fn big_corpus() -> Vec<String> {
    let s = seeds();
    let mut lines = Vec::new();
    let mut v = 0usize;
    while lines.iter().map(|l: &String| l.len() + 1).sum::<usize>() < (4 << 20) + (256 << 10) {
        let (_, text) = &s[v % 5];
        let id = format!("v{v}");
        match v % 11 {
            0 => lines.push(Doc::new(id, text.clone()).line()),
            1..=7 => lines.push(Doc::new(id, change_words(text, 1 + v % 13, v * 7)).line()),
            8 => {
                let p = paragraphs(text);
                let at = (v / 11) % (p.len() - 4);
                lines.push(Doc::new(id, p[at..at + 4].join("\n\n")).line());
            }
            9 => lines.push(Doc::new(id, change_words(text, words(text) / 5, v)).line()),
            _ => match (v / 11) % 4 {
                0 => lines.push(format!("{{\"id\":\"{id}\",\"text\":")),
                1 => lines.push(format!("{{\"id\":\"v{}\",\"text\":\"reused id\"}}", v - 3)),
                2 => lines.push(format!("{{\"id\":\"{id}\",\"text\":\" -- \"}}")),
                _ => lines.push(Doc::new(id, text.clone()).line()),
            },
        }
        v += 1;
    }
    lines
}

const FILES: [&str; 4] = ["kept.jsonl", "removed.jsonl", "clusters.jsonl", "rejected.jsonl"];

fn snapshot(out: &Path) -> (Vec<Vec<u8>>, serde_json::Value) {
    let files = FILES.iter().map(|f| std::fs::read(out.join(f)).unwrap()).collect();
    (files, stable_summary(out))
}

fn run(env: &Env, input: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = env.path(name);
    let mut args = vec!["--on-error", "skip"];
    args.extend_from_slice(extra);
    dedup(&[input], &out, &args).ok();
    out
}

#[track_caller]
fn assert_same(a: &Path, b: &Path) {
    let (fa, sa) = snapshot(a);
    let (fb, sb) = snapshot(b);
    for (i, name) in FILES.iter().enumerate() {
        assert!(
            fa[i] == fb[i],
            "{name} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
    assert_eq!(sa, sb, "summary.json differs");
}

#[test]
fn same_outputs_for_any_thread_count_and_every_run() {
    let env = Env::new();
    let lines = big_corpus();
    let input = env.write_lines("in.jsonl", &lines);
    let j1 = run(&env, &input, "j1", &["-j", "1"]);
    let j4 = run(&env, &input, "j4", &["-j", "4"]);
    let again = run(&env, &input, "j4-again", &["--threads", "4"]);
    // The corpus exercises what could vary: clusters, chains, rejections, big buckets.
    let o = Outputs::read(&j1);
    assert_eq!(o.summary["input"], lines.len());
    assert!(o.clusters.len() >= 5, "{}", o.clusters.len());
    assert!(o.removed.len() > lines.len() / 2);
    assert!(
        o.removed.iter().any(|r| r.get("matched").is_some()),
        "no chain in the corpus"
    );
    assert!(o.rejected.len() >= 30);
    assert!(
        o.summary["input_bytes"].as_u64().unwrap() > 4 << 20,
        "more than one chunk"
    );
    assert_same(&j1, &j4);
    assert_same(&j4, &again);
}

#[test]
fn same_outputs_with_containment_and_compressed_input() {
    let env = Env::new();
    let lines = big_corpus();
    let plain = env.write_lines("in.jsonl", &lines);
    let zst = env.write("in.jsonl.zst", zstd(&join_lines(&lines)));
    let a = run(&env, &plain, "plain-j1", &["-j", "1", "--containment"]);
    let b = run(&env, &zst, "zst-j4", &["-j", "4", "--containment"]);
    let o = Outputs::read(&a);
    assert!(
        o.removed.iter().any(|r| r["measure"] == "containment"),
        "no containment removal in the corpus"
    );
    // The same records, read from another file: outputs differ only in the rejected file names
    // (and summary.json's `inputs`, which says what was read).
    let (fa, _) = snapshot(&a);
    let (fb, _) = snapshot(&b);
    let (sa, sb) = (records_summary(&a), records_summary(&b));
    assert!(
        fa[..3] == fb[..3],
        "kept/removed/clusters differ between plain and zstd input"
    );
    let rej = |bytes: &[u8], from: &Path| {
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .replace(&*from.to_string_lossy(), "IN")
    };
    assert_eq!(rej(&fa[3], &plain), rej(&fb[3], &zst));
    assert_eq!(sa, sb);
}

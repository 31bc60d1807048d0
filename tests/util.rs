//! Shared helpers: a fresh temporary folder per test, the real `storydup` binary, JSONL writers
//! and readers, fixtures derived from the five news reports in `seeds/`, and exact similarities
//! computed with the library (so a test states what it measured, not a guess).

#![allow(dead_code)] // each test module uses a different part

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::{json, Value};
use storydup::params::Shingle;
use storydup::sets::intersection_len;
use storydup::shingle::Shingler;

/// A fresh temporary folder, removed when the test ends.
pub struct Env {
    pub dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::Builder::new().prefix("storydup-test.").tempdir().unwrap(),
        }
    }

    /// `name` inside the folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The default output folder of a test.
    pub fn out(&self) -> PathBuf {
        self.path("out")
    }

    /// Writes `bytes` to `name` (creating parent folders) and returns the path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, bytes).unwrap();
        p
    }

    /// Writes `lines`, each followed by `\n`, and returns the path.
    pub fn write_lines(&self, name: &str, lines: &[String]) -> PathBuf {
        self.write(name, join_lines(lines))
    }

    /// Writes one `{"id","text"}` line per doc; returns the path and the lines written.
    pub fn write_docs(&self, name: &str, docs: &[Doc]) -> (PathBuf, Vec<String>) {
        let lines: Vec<String> = docs.iter().map(Doc::line).collect();
        (self.write_lines(name, &lines), lines)
    }
}

/// `lines` joined, each followed by `\n`.
pub fn join_lines(lines: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
    }
    out
}

/// A record: an id and a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    pub id: String,
    pub text: String,
}

impl Doc {
    pub fn new(id: impl Into<String>, text: impl Into<String>) -> Doc {
        Doc {
            id: id.into(),
            text: text.into(),
        }
    }

    /// The record as one JSONL line.
    pub fn line(&self) -> String {
        json!({"id": self.id, "text": self.text}).to_string()
    }
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns self.
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, 0, "expected success; stderr:\n{}", self.stderr);
        self
    }

    /// Asserts exit code 2 (a user error) and returns self.
    #[track_caller]
    pub fn user_error(self) -> Run {
        assert_eq!(self.code, 2, "expected exit code 2; stderr:\n{}", self.stderr);
        self
    }

    /// Asserts that stderr holds every one of `needles`.
    #[track_caller]
    pub fn stderr_has(&self, needles: &[&str]) -> &Run {
        for n in needles {
            assert!(self.stderr.contains(n), "stderr lacks {n:?}; stderr:\n{}", self.stderr);
        }
        self
    }
}

/// Runs the real binary with `args` (and `stdin`, when given). Never a panic, never a signal.
pub fn storydup<I, S>(args: I, stdin: Option<Vec<u8>>) -> Run
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    let mut cmd = Command::cargo_bin("storydup").unwrap();
    cmd.args(args.into_iter().map(Into::into));
    finish(cmd, stdin)
}

/// As [`storydup`], run in the folder `cwd` (relative paths in `args` are relative to it).
pub fn storydup_in<I, S>(cwd: &Path, args: I, stdin: Option<Vec<u8>>) -> Run
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    let mut cmd = Command::cargo_bin("storydup").unwrap();
    cmd.current_dir(cwd);
    cmd.args(args.into_iter().map(Into::into));
    finish(cmd, stdin)
}

fn finish(mut cmd: Command, stdin: Option<Vec<u8>>) -> Run {
    cmd.timeout(Duration::from_secs(120));
    if let Some(input) = stdin {
        cmd.write_stdin(input);
    }
    let out = cmd.output().unwrap();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("RUST_BACKTRACE"),
        "storydup panicked:\n{}",
        run.stderr
    );
    assert!(
        run.code == 0 || run.code == 2,
        "exit code {} (killed or crashed); stderr:\n{}",
        run.code,
        run.stderr
    );
    run
}

/// `n` with a comma between thousands, as storydup prints counts: `1,326`.
pub fn thousands(n: u64) -> String {
    storydup::io::plural::thousands(n)
}

/// `storydup dedup INPUTS --out OUT EXTRA...`.
pub fn dedup(inputs: &[&Path], out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<OsString> = vec!["dedup".into()];
    args.extend(inputs.iter().map(|p| p.as_os_str().to_owned()));
    args.push("--out".into());
    args.push(out.as_os_str().to_owned());
    args.extend(extra.iter().map(OsString::from));
    storydup(args, None)
}

/// `storydup dedup - --out OUT EXTRA...` with `stdin`.
pub fn dedup_stdin(stdin: Vec<u8>, out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<OsString> = vec!["dedup".into(), "-".into(), "--out".into(), out.as_os_str().to_owned()];
    args.extend(extra.iter().map(OsString::from));
    storydup(args, Some(stdin))
}

/// Every line of a JSONL file, parsed.
pub fn read_jsonl(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: bad line {l:?}: {e}", path.display())))
        .collect()
}

/// The five output files of a run.
#[derive(Debug)]
pub struct Outputs {
    pub kept_bytes: Vec<u8>,
    pub kept: Vec<Value>,
    pub removed: Vec<Value>,
    pub clusters: Vec<Value>,
    pub rejected: Vec<Value>,
    pub summary: Value,
}

impl Outputs {
    /// Reads the outputs in `out` and checks that they account for every record.
    #[track_caller]
    pub fn read(out: &Path) -> Outputs {
        let kept_bytes = std::fs::read(out.join("kept.jsonl")).unwrap();
        let o = Outputs {
            kept: read_jsonl(&out.join("kept.jsonl")),
            kept_bytes,
            removed: read_jsonl(&out.join("removed.jsonl")),
            clusters: read_jsonl(&out.join("clusters.jsonl")),
            rejected: read_jsonl(&out.join("rejected.jsonl")),
            summary: serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap(),
        };
        let n = |k: &str| o.summary[k].as_u64().unwrap_or_else(|| panic!("summary.{k} missing"));
        assert_eq!(n("kept"), o.kept.len() as u64, "summary.kept vs kept.jsonl");
        assert_eq!(n("removed"), o.removed.len() as u64, "summary.removed vs removed.jsonl");
        assert_eq!(
            n("rejected"),
            o.rejected.len() as u64,
            "summary.rejected vs rejected.jsonl"
        );
        assert_eq!(
            n("clusters"),
            o.clusters.len() as u64,
            "summary.clusters vs clusters.jsonl"
        );
        assert_eq!(
            n("input"),
            n("kept") + n("removed") + n("rejected"),
            "input != kept + removed + rejected"
        );
        o
    }

    /// Ids of the kept records, in output order.
    pub fn kept_ids(&self) -> Vec<String> {
        self.kept.iter().map(|v| id_of(&v["id"])).collect()
    }

    /// Ids of the removed records, in output order.
    pub fn removed_ids(&self) -> Vec<String> {
        self.removed.iter().map(|v| id_of(&v["id"])).collect()
    }

    /// The removed.jsonl line of `id`.
    #[track_caller]
    pub fn removal(&self, id: &str) -> &Value {
        self.removed
            .iter()
            .find(|v| v["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in removed.jsonl: {:?}", self.removed))
    }

    /// Clusters as a set of sets of ids.
    pub fn cluster_sets(&self) -> ClusterSets {
        cluster_sets(&self.clusters)
    }

    /// (line, kind) of every rejected record, in order.
    pub fn rejected_kinds(&self) -> Vec<(u64, String)> {
        self.rejected
            .iter()
            .map(|r| (r["line"].as_u64().unwrap(), r["kind"].as_str().unwrap().to_string()))
            .collect()
    }
}

pub type ClusterSets = std::collections::BTreeSet<std::collections::BTreeSet<String>>;

/// clusters.jsonl lines as a set of sets of member ids.
pub fn cluster_sets(clusters: &[Value]) -> ClusterSets {
    clusters
        .iter()
        .map(|c| c["members"].as_array().unwrap().iter().map(id_of).collect())
        .collect()
}

/// An id as a string (ids may be strings or integers).
pub fn id_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("not an id: {other}"),
    }
}

/// summary.json without the fields that vary between runs (timings and memory).
pub fn stable_summary(out: &Path) -> Value {
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let m = v.as_object_mut().unwrap();
    assert!(m.remove("timings_s").is_some());
    assert!(m.remove("peak_rss_bytes").is_some());
    v
}

/// [`stable_summary`] without `inputs` (paths, sizes as stored and hashes): for comparing runs
/// over the same records stored another way (split, compressed).
pub fn records_summary(out: &Path) -> Value {
    let mut v = stable_summary(out);
    assert!(v.as_object_mut().unwrap().remove("inputs").is_some());
    v
}

// ---------------------------------------------------------------------------------------------
// Fixtures from the seed reports.

/// The seed reports, `(file name, text)`, in name order.
pub fn seeds() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert_eq!(out.len(), 5, "expected the five seed reports in {}", dir.display());
    out
}

/// The text of seed report `i`.
pub fn seed(i: usize) -> String {
    seeds().swap_remove(i).1
}

/// `text` with `n` words replaced, spread evenly from `offset` on (paragraph breaks kept).
pub fn change_words(text: &str, n: usize, offset: usize) -> String {
    let mut tokens: Vec<String> = text.split(' ').map(str::to_string).collect();
    let plain: Vec<usize> = (0..tokens.len())
        .filter(|&i| !tokens[i].contains('\n') && tokens[i].chars().any(char::is_alphanumeric))
        .collect();
    assert!(n < plain.len(), "text too short for {n} changes");
    let step = plain.len() / n.max(1);
    for k in 0..n {
        let idx = plain[(offset + k * step) % plain.len()];
        tokens[idx] = format!("zq{k}x{offset}");
    }
    tokens.join(" ")
}

/// The paragraphs of `text` (split at blank lines), non-empty ones only.
pub fn paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n").filter(|p| !p.trim().is_empty()).collect()
}

/// `text` with paragraphs cut from its middle until about `keep` of its words are left.
pub fn cut_middle(text: &str, keep: f64) -> String {
    let mut paras: Vec<&str> = paragraphs(text);
    let total = words(text);
    let target = (total as f64 * keep) as usize;
    while paras.iter().map(|p| words(p)).sum::<usize>() > target && paras.len() > 2 {
        paras.remove(paras.len() / 2);
    }
    paras.join("\n\n")
}

/// The first paragraphs of `text`, at least `min_words` words of them.
pub fn head(text: &str, min_words: usize) -> String {
    let mut out: Vec<&str> = Vec::new();
    for p in paragraphs(text) {
        out.push(p);
        if out.iter().map(|p| words(p)).sum::<usize>() >= min_words {
            break;
        }
    }
    out.join("\n\n")
}

/// Whitespace-separated words of `text`.
pub fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Exact (Jaccard, containment of the smaller set in the larger) of two texts, as storydup
/// measures them with its defaults (word 5-grams, seed 42).
pub fn exact_similarity(a: &str, b: &str) -> (f64, f64) {
    let mut sh = Shingler::default();
    let sa = sh.set(a, Shingle::Word(5), 42);
    let sb = sh.set(b, Shingle::Word(5), 42);
    let inter = intersection_len(&sa, &sb) as f64;
    let union = (sa.len() + sb.len()) as f64 - inter;
    (inter / union, inter / sa.len().min(sb.len()) as f64)
}

/// Similarity as written in the outputs (six decimals).
pub fn round6(x: f64) -> f64 {
    storydup::schema::round6(x)
}

/// A corpus of families: every seed report with an exact copy and two lightly edited copies,
/// plus pieces of reports that are no one's duplicate. Returns the docs and the true clusters.
pub fn family_corpus() -> (Vec<Doc>, ClusterSets) {
    let mut docs = Vec::new();
    let mut truth = ClusterSets::new();
    for (i, (_, text)) in seeds().iter().enumerate() {
        let family = [
            Doc::new(format!("s{i}"), text.clone()),
            Doc::new(format!("s{i}-copy"), text.clone()),
            Doc::new(format!("s{i}-edit3"), change_words(text, 3, 7)),
            Doc::new(format!("s{i}-edit5"), change_words(text, 5, 40)),
        ];
        for d in &family[1..] {
            let (j, _) = exact_similarity(text, &d.text);
            assert!(j >= 0.85, "fixture {} has Jaccard {j} with its base", d.id);
        }
        truth.insert(family.iter().map(|d| d.id.clone()).collect());
        docs.extend(family);
        // The first paragraphs alone: a different record (Jaccard well below 0.8).
        docs.push(Doc::new(format!("s{i}-head"), head(text, 80)));
    }
    (docs, truth)
}

/// Writes a gzip file of `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Writes a zstd frame of `data`.
pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 3).unwrap()
}

/// About `bytes` of JSONL records built from the seed reports, ids `{prefix}{n}`: exact copies,
/// copies with 1 to 13 words changed, windows of four paragraphs (contained in their report),
/// rewrites with a fifth of the words changed (no one's duplicate), and, when `bad` is set, a
/// bad line (malformed, reused id or no words) every 37th record. `salt` varies the edits, so
/// two corpora with different salts and prefixes share no record.
pub fn seed_corpus(prefix: &str, bytes: usize, salt: usize, bad: bool) -> Vec<String> {
    let s = seeds();
    let mut lines = Vec::new();
    let mut total = 0usize;
    let mut v = 0usize;
    while total < bytes {
        let text = &s[(v + salt) % 5].1;
        let id = format!("{prefix}{v}");
        let line = if bad && v % 37 == 36 {
            match (v / 37) % 3 {
                0 => format!("{{\"id\":\"{id}\",\"text\":"),
                1 => format!("{{\"id\":\"{prefix}{}\",\"text\":\"reused id\"}}", v - 5),
                _ => format!("{{\"id\":\"{id}\",\"text\":\" -- \"}}"),
            }
        } else {
            match v % 9 {
                0 => Doc::new(id, text.clone()).line(),
                1..=5 => Doc::new(id, change_words(text, 1 + (v + salt) % 13, v * 7 + salt)).line(),
                6 => {
                    let p = paragraphs(text);
                    let at = (v / 9 + salt) % (p.len() - 4);
                    Doc::new(id, p[at..at + 4].join("\n\n")).line()
                }
                _ => Doc::new(id, change_words(text, words(text) / 5, v + salt)).line(),
            }
        };
        total += line.len() + 1;
        lines.push(line);
        v += 1;
    }
    lines
}

/// `storydup verify DIR INPUTS...` (and `stdin`, when given).
pub fn verify(dir: &Path, inputs: &[&Path], stdin: Option<Vec<u8>>) -> Run {
    let mut args: Vec<OsString> = vec!["verify".into(), dir.as_os_str().to_owned()];
    args.extend(inputs.iter().map(|p| p.as_os_str().to_owned()));
    storydup(args, stdin)
}

impl Run {
    /// Asserts that `storydup verify` passed: exit 0 and a last line `ok: ...`; returns self.
    #[track_caller]
    pub fn verified(self) -> Run {
        assert_eq!(
            self.code, 0,
            "verify failed; stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        let last = self.stdout.lines().last().unwrap_or("");
        assert!(last.starts_with("ok:"), "verify printed:\n{}", self.stdout);
        self
    }
}

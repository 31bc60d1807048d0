//! `storydup verify DIR INPUT...`: passes (exit 0, `ok: ...`) on the outputs of real dedup runs
//! over every kind of input, and fails (exit 2, the problem named on stdout) when the outputs
//! are tampered with or the input changed after the run.

use std::path::{Path, PathBuf};

use crate::util::*;

/// The `ok:` line verify prints for the counts in `out/summary.json`.
fn ok_line(out: &Path) -> String {
    let o = Outputs::read(out);
    let n = |k: &str| thousands(o.summary[k].as_u64().unwrap());
    format!(
        "ok: {} input records = {} kept + {} removed + {} rejected",
        n("input"),
        n("kept"),
        n("removed"),
        n("rejected")
    )
}

#[track_caller]
fn assert_verified(out: &Path, inputs: &[&Path]) {
    let run = verify(out, inputs, None).verified();
    assert_eq!(
        run.stdout.trim_end(),
        ok_line(out),
        "verify prints nothing but the ok line"
    );
}

#[test]
fn passes_on_the_seed_folder() {
    let env = Env::new();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    dedup(&[&seeds], &env.out(), &[]).ok();
    assert_eq!(Outputs::read(&env.out()).summary["input"], 5);
    assert_verified(&env.out(), &[&seeds]);
}

#[test]
fn passes_on_a_corpus_with_exact_and_edited_copies() {
    let env = Env::new();
    let (docs, _) = family_corpus();
    let (input, _) = env.write_docs("families.jsonl", &docs);
    dedup(&[&input], &env.out(), &[]).ok();
    let o = Outputs::read(&env.out());
    assert!(o.removed.len() >= 15, "the copies are removed: {:?}", o.removed_ids());
    assert_verified(&env.out(), &[&input]);
}

#[test]
fn passes_on_gzip_input() {
    let env = Env::new();
    let lines = seed_corpus("g", 200 << 10, 0, false);
    let input = env.write("in.jsonl.gz", gzip(&join_lines(&lines)));
    dedup(&[&input], &env.out(), &[]).ok();
    assert!(!Outputs::read(&env.out()).removed.is_empty());
    assert_verified(&env.out(), &[&input]);
}

#[test]
fn passes_with_skipped_bad_lines_found_by_file_and_line() {
    // Two files, bad lines in both (malformed, reused id, no words), so that rejected.jsonl
    // entries are told apart by file as well as line.
    let env = Env::new();
    let lines = seed_corpus("r", 500 << 10, 1, true);
    let half = lines.len() / 2;
    let a = env.write_lines("a.jsonl", &lines[..half]);
    let b = env.write_lines("b.jsonl", &lines[half..]);
    dedup(&[&a, &b], &env.out(), &["--on-error", "skip"]).ok();
    let o = Outputs::read(&env.out());
    let files: std::collections::BTreeSet<&str> = o.rejected.iter().map(|r| r["file"].as_str().unwrap()).collect();
    assert_eq!(files.len(), 2, "bad lines in both files: {:?}", o.rejected);
    let kinds: std::collections::BTreeSet<&str> = o.rejected.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert!(kinds.len() >= 2, "{kinds:?}");
    assert!(o.summary["empty"].as_u64().unwrap() > 0, "texts without words are kept");
    assert_verified(&env.out(), &[&a, &b]);
}

#[test]
fn passes_with_containment() {
    let env = Env::new();
    let mut docs = Vec::new();
    for (i, (_, text)) in seeds().iter().enumerate() {
        docs.push(Doc::new(format!("full{i}"), text.clone()));
        docs.push(Doc::new(format!("cut{i}"), cut_middle(text, 0.5)));
    }
    let (input, _) = env.write_docs("in.jsonl", &docs);
    dedup(&[&input], &env.out(), &["--containment"]).ok();
    let o = Outputs::read(&env.out());
    assert!(
        o.removed.iter().any(|r| r["measure"] == "containment"),
        "{:?}",
        o.removed
    );
    assert_verified(&env.out(), &[&input]);
}

#[test]
fn standard_input_verifies_only_when_given_again() {
    // verify reads its inputs again; "-" is verify's own standard input. Given the same bytes it
    // passes (bad lines included: they are rejected as "-"); given nothing it must fail, and
    // say so, not hang or pass.
    let env = Env::new();
    let mut lines = seed_corpus("i", 100 << 10, 2, false);
    lines.insert(3, "{oops".into());
    let bytes = join_lines(&lines);
    dedup_stdin(bytes.clone(), &env.out(), &["--on-error", "skip"]).ok();
    let o = Outputs::read(&env.out());
    assert_eq!(o.rejected[0]["file"], "-");
    let dash = Path::new("-");

    let run = verify(&env.out(), &[dash], Some(bytes.clone())).verified();
    assert_eq!(run.stdout.trim_end(), ok_line(&env.out()));

    let run = verify(&env.out(), &[dash], Some(Vec::new())).user_error();
    let last = run.stdout.lines().last().unwrap();
    assert!(
        last.starts_with("FAILED: 0 input records; the outputs hold"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .next()
            .unwrap()
            .starts_with("different input: - has changed since the run"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "kept.jsonl:1: \"{}\" is not in the input",
            id_of(&o.kept[0]["id"])
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("rejected.jsonl:1: -:4 is not a record of the input"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains(&format!("summary.json says input = {}, the input holds 0", lines.len())),
        "{}",
        run.stdout
    );

    // The same bytes from a file: every id is found, but the rejected line was "-", not the file.
    let saved = env.write("saved.jsonl", &bytes);
    let run = verify(&env.out(), &[&saved], None).user_error();
    assert!(
        run.stdout.contains(&format!(
            "{}:4: a bad record that is not in rejected.jsonl",
            saved.display()
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn a_folder_without_summary_is_not_verified() {
    // A run that never finished leaves no summary.json: verify refuses, naming the file.
    let env = Env::new();
    let (docs, _) = family_corpus();
    let (input, _) = env.write_docs("in.jsonl", &docs);
    dedup(&[&input], &env.out(), &[]).ok();
    std::fs::remove_file(env.out().join("summary.json")).unwrap();
    verify(&env.out(), &[&input], None).user_error().stderr_has(&[&env
        .out()
        .join("summary.json")
        .display()
        .to_string()]);
    // A folder that does not exist, and an input that does not exist.
    verify(&env.path("nowhere"), &[&input], None)
        .user_error()
        .stderr_has(&["nowhere/summary.json"]);
    dedup(&[&input], &env.out(), &[]).ok();
    verify(&env.out(), &[&env.path("gone.jsonl")], None)
        .user_error()
        .stderr_has(&["gone.jsonl", "check that the file exists"]);
}

// ---------------------------------------------------------------------------------------------
// Tampering: each case edits a copy of one good run and must make verify fail, naming the fault.

struct Tamper {
    env: Env,
    input: PathBuf,
    lines: Vec<String>,
    good: PathBuf,
}

impl Tamper {
    /// A run with kept, removed and rejected records, verified once as it is.
    fn new() -> Tamper {
        let env = Env::new();
        let lines = seed_corpus("t", 150 << 10, 3, true);
        let input = env.write_lines("in.jsonl", &lines);
        let good = env.path("good");
        dedup(&[&input], &good, &["--on-error", "skip"]).ok();
        let o = Outputs::read(&good);
        assert!(!o.kept.is_empty() && !o.removed.is_empty() && !o.rejected.is_empty());
        verify(&good, &[&input], None).verified();
        Tamper {
            env,
            input,
            lines,
            good,
        }
    }

    /// A copy of the good outputs, with `file` passed through `edit`.
    fn copy(&self, name: &str, file: &str, edit: impl FnOnce(Vec<String>) -> Vec<String>) -> PathBuf {
        let dir = self.env.path(name);
        std::fs::create_dir_all(&dir).unwrap();
        for f in [
            "kept.jsonl",
            "removed.jsonl",
            "clusters.jsonl",
            "rejected.jsonl",
            "summary.json",
        ] {
            std::fs::copy(self.good.join(f), dir.join(f)).unwrap();
        }
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let lines = edit(text.lines().map(str::to_string).collect());
        std::fs::write(dir.join(file), join_lines(&lines)).unwrap();
        dir
    }

    /// Verify must fail on `dir`, printing every one of `says`.
    #[track_caller]
    fn fails(&self, dir: &Path, says: &[String]) {
        self.fails_with(dir, &self.input, says);
    }

    #[track_caller]
    fn fails_with(&self, dir: &Path, input: &Path, says: &[String]) {
        let run = verify(dir, &[input], None).user_error();
        for s in says {
            assert!(run.stdout.contains(s.as_str()), "stdout lacks {s:?}:\n{}", run.stdout);
        }
        assert!(
            run.stdout.lines().last().unwrap().starts_with("FAILED:"),
            "{}",
            run.stdout
        );
        run.stderr_has(&["the outputs do not account for the input"]);
    }

    fn summary(&self, k: &str) -> u64 {
        Outputs::read(&self.good).summary[k].as_u64().unwrap()
    }

    /// The 1-based input line of the record with `id`.
    fn line_of(&self, id: &str) -> usize {
        let needle = format!("{{\"id\":\"{id}\",");
        1 + self.lines.iter().position(|l| l.starts_with(&needle)).unwrap()
    }
}

#[test]
fn fails_when_a_kept_line_is_deleted() {
    let t = Tamper::new();
    let o = Outputs::read(&t.good);
    let id = id_of(&o.kept[1]["id"]);
    let dir = t.copy("x", "kept.jsonl", |mut l| {
        l.remove(1);
        l
    });
    let kept = t.summary("kept");
    t.fails(
        &dir,
        &[
            format!("in.jsonl:{}: \"{id}\" is in no output: lost", t.line_of(&id)),
            format!("summary.json says kept = {kept}, the files hold {}", kept - 1),
        ],
    );
}

#[test]
fn fails_when_a_kept_line_is_altered() {
    let t = Tamper::new();
    let o = Outputs::read(&t.good);
    let id = id_of(&o.kept[2]["id"]);
    // One letter of the text, the id and the JSON left valid.
    let dir = t.copy("x", "kept.jsonl", |mut l| {
        let before = l[2].clone();
        l[2] = l[2].replacen("Kursk", "Kursq", 1).replacen("the", "thE", 1);
        assert_ne!(l[2], before);
        l
    });
    t.fails(
        &dir,
        &[format!(
            "in.jsonl:{}: kept record \"{id}\" differs from the input line",
            t.line_of(&id)
        )],
    );
    // Formatting alone (a space after the colon) is a change too: kept lines are the input bytes.
    let dir = t.copy("y", "kept.jsonl", |mut l| {
        l[2] = l[2].replacen("\"id\":", "\"id\": ", 1);
        l
    });
    t.fails(&dir, &[format!("kept record \"{id}\" differs from the input line")]);
}

#[test]
fn fails_when_a_removed_line_is_duplicated() {
    let t = Tamper::new();
    let o = Outputs::read(&t.good);
    let id = id_of(&o.removed[0]["id"]);
    let n = o.removed.len();
    let dir = t.copy("x", "removed.jsonl", |mut l| {
        let first = l[0].clone();
        l.push(first);
        l
    });
    t.fails(
        &dir,
        &[format!("removed.jsonl:{}: id \"{id}\" is removed twice", n + 1)],
    );
}

#[test]
fn fails_when_a_rejected_line_is_deleted() {
    let t = Tamper::new();
    let o = Outputs::read(&t.good);
    let line = o.rejected[0]["line"].as_u64().unwrap();
    let dir = t.copy("x", "rejected.jsonl", |mut l| {
        l.remove(0);
        l
    });
    t.fails(
        &dir,
        &[
            format!(
                "{}:{line}: a bad record that is not in rejected.jsonl",
                t.input.display()
            ),
            format!(
                "summary.json says rejected = {}, the files hold {}",
                o.rejected.len(),
                o.rejected.len() - 1
            ),
        ],
    );
}

#[test]
fn fails_when_summary_counts_are_edited() {
    let t = Tamper::new();
    for (k, delta) in [("kept", 1i64), ("removed", -1), ("rejected", 1), ("input", 2)] {
        let n = t.summary(k);
        let dir = t.copy(&format!("x-{k}"), "summary.json", |l| {
            l.into_iter()
                .map(|line| {
                    let key = format!("  \"{k}\": ");
                    if line.starts_with(&key) {
                        format!("{key}{},", n as i64 + delta)
                    } else {
                        line
                    }
                })
                .collect()
        });
        let holds = if k == "input" {
            "the input holds"
        } else {
            "the files hold"
        };
        t.fails(
            &dir,
            &[format!("summary.json says {k} = {}, {holds} {n}", n as i64 + delta)],
        );
    }
}

#[test]
fn fails_when_the_input_gains_a_record_after_the_run() {
    let t = Tamper::new();
    let mut lines = t.lines.clone();
    lines.push(Doc::new("late", "A record appended to the input after the dedup run finished.").line());
    let grown = t.env.write_lines("grown.jsonl", &lines);
    t.fails_with(
        &t.good,
        &grown,
        &[
            format!(
                "different input: {} is not the input the run read: summary.json records {} (",
                grown.display(),
                t.input.display()
            ),
            format!("grown.jsonl:{}: \"late\" is in no output: lost", lines.len()),
            format!(
                "summary.json says input = {}, the input holds {}",
                t.lines.len(),
                lines.len()
            ),
        ],
    );
    // A bad line appended is caught too: it is in no output.
    let mut lines = t.lines.clone();
    lines.push("{\"id\":\"late-bad\"".into());
    let grown = t.env.write_lines("grown-bad.jsonl", &lines);
    t.fails_with(
        &t.good,
        &grown,
        &[format!(
            "grown-bad.jsonl:{}: a bad record that is not in rejected.jsonl",
            lines.len()
        )],
    );
}

#[test]
fn fails_when_a_kept_txt_record_is_altered() {
    let env = Env::new();
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    dedup(&[&seeds], &env.out(), &[]).ok();
    let kept = env.out().join("kept.jsonl");
    let mut lines: Vec<serde_json::Value> = read_jsonl(&kept);
    let text = lines[0]["text"].as_str().unwrap().replacen("Kursk", "Kyiv", 1);
    lines[0]["text"] = text.into();
    let lines: Vec<String> = lines.iter().map(|v| v.to_string()).collect();
    std::fs::write(&kept, join_lines(&lines)).unwrap();
    let run = verify(&env.out(), &[&seeds], None);
    assert_eq!(run.code, 2, "an altered kept text passed verify:\n{}", run.stdout);
    assert!(run.stdout.contains("differs from the input"), "{}", run.stdout);
}

#[test]
fn fails_when_clusters_are_edited() {
    let t = Tamper::new();
    let n = t.summary("clusters");
    assert!(n >= 2);
    let dir = t.copy("x", "clusters.jsonl", |mut l| {
        l.pop();
        l
    });
    let run = verify(&dir, &[&t.input], None);
    assert_eq!(run.code, 2, "a deleted cluster line passed verify:\n{}", run.stdout);
    let dir = t.copy("y", "summary.json", |l| {
        l.into_iter()
            .map(|line| {
                if line.starts_with("  \"clusters\": ") {
                    format!("  \"clusters\": {},", n + 3)
                } else {
                    line
                }
            })
            .collect()
    });
    let run = verify(&dir, &[&t.input], None);
    assert_eq!(run.code, 2, "an edited summary.clusters passed verify:\n{}", run.stdout);
}

#[test]
fn fails_when_duplicate_of_names_no_kept_record() {
    let t = Tamper::new();
    let dir = t.copy("x", "removed.jsonl", |mut l| {
        let mut v: serde_json::Value = serde_json::from_str(&l[0]).unwrap();
        v["duplicate_of"] = "nobody".into();
        l[0] = v.to_string();
        l
    });
    let run = verify(&dir, &[&t.input], None);
    assert_eq!(
        run.code, 2,
        "duplicate_of naming no record passed verify:\n{}",
        run.stdout
    );
}

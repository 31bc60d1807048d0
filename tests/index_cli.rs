//! The saved index (issue 11): `storydup index build` and `storydup dedup --against DIR [--update]`
//! give each batch the decisions one full run over all batches gives it; a killed update leaves
//! the old index or the new one, whole; every misuse is a clear error.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::*;

/// Batches cut from one seed corpus (near-duplicates across and within batches).
fn batches(env: &Env, bytes: usize, n: usize) -> (Vec<PathBuf>, Vec<Vec<String>>) {
    let lines = seed_corpus("r", bytes, 0, false);
    let per = lines.len().div_ceil(n);
    let chunks: Vec<Vec<String>> = lines.chunks(per).map(<[String]>::to_vec).collect();
    let paths = chunks
        .iter()
        .enumerate()
        .map(|(i, c)| env.write_lines(&format!("batch{i}.jsonl"), c))
        .collect();
    (paths, chunks)
}

fn ids_of(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| id_of(&serde_json::from_str::<Value>(l).unwrap()["id"]))
        .collect()
}

/// Each removed record of `ids`: (id, duplicate_of, matched, similarity, measure).
fn fates(out: &Path, ids: &[String]) -> Vec<(String, String, String, String, String)> {
    let o = Outputs::read(out);
    let mut v: Vec<_> = o
        .removed
        .iter()
        .filter(|r| ids.contains(&id_of(&r["id"])))
        .map(|r| {
            let of = r["duplicate_of"].as_str().unwrap().to_string();
            (
                id_of(&r["id"]),
                of.clone(),
                r.get("matched").and_then(Value::as_str).unwrap_or(&of).to_string(),
                r["similarity"].to_string(),
                r["measure"].to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn against(inputs: &[&Path], index: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<String> = vec!["dedup".into()];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    args.extend([
        "--against".into(),
        index.display().to_string(),
        "--out".into(),
        out.display().to_string(),
    ]);
    args.extend(extra.iter().map(|s| s.to_string()));
    storydup(&args, None)
}

fn build(inputs: &[&Path], index: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<String> = vec!["index".into(), "build".into()];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    args.extend(["--index".into(), index.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    storydup(&args, None)
}

fn generation(index: &Path) -> u64 {
    let name = std::fs::read_to_string(index.join("CURRENT")).unwrap();
    let manifest: Value = serde_json::from_slice(&std::fs::read(index.join(name.trim())).unwrap()).unwrap();
    manifest["generation"].as_u64().unwrap()
}

#[test]
fn each_batch_gets_the_decisions_of_one_full_run_over_all_batches() {
    let env = Env::new();
    let (paths, chunks) = batches(&env, 400 << 10, 4);
    // The last batch comes gzipped: the index keeps its decompressed bytes to re-read them.
    let gz = env.write("batch3.jsonl.gz", gzip(&join_lines(&chunks[3])));
    let inputs = [paths[0].clone(), paths[1].clone(), paths[2].clone(), gz];
    let index = env.path("index");
    build(&[&inputs[0]], &index, &[]).ok();
    assert_eq!(generation(&index), 1);
    let mut removed_total = 0;
    for k in 1..4 {
        let out = env.path(&format!("against{k}"));
        against(&[&inputs[k]], &index, &out, &["--update"]).ok();
        assert_eq!(generation(&index), k as u64 + 1);
        verify(&out, &[&inputs[k]], None).verified();
        let all: Vec<&Path> = paths[..=k].iter().map(PathBuf::as_path).collect();
        let full = env.path(&format!("full{k}"));
        dedup(&all, &full, &[]).ok();
        let ids = ids_of(&chunks[k]);
        let got = fates(&out, &ids);
        assert_eq!(
            got,
            fates(&full, &ids),
            "batch {k}: the index run and the full run disagree"
        );
        removed_total += got.len();
        let summary: Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
        assert_eq!(summary["against"]["updated"], true);
        assert_eq!(summary["input"], chunks[k].len());
    }
    assert!(
        removed_total > 20,
        "the batches must hold duplicates of each other ({removed_total})"
    );
}

#[test]
fn an_index_built_with_other_parameters_is_refused_naming_the_difference() {
    let env = Env::new();
    let (paths, _) = batches(&env, 60 << 10, 2);
    let index = env.path("index");
    build(&[&paths[0]], &index, &["--threshold", "0.7", "--shingle", "word:4"]).ok();
    against(&[&paths[1]], &index, &env.out(), &[])
        .user_error()
        .stderr_has(&["--threshold", "0.7", "0.8", "--shingle", "word:4", "word:5"]);
    // With the index's values it runs.
    against(
        &[&paths[1]],
        &index,
        &env.out(),
        &["--threshold", "0.7", "--shingle", "word:4"],
    )
    .ok();
}

#[test]
fn an_id_both_in_the_index_and_in_the_batch_is_an_error_or_a_rejection() {
    let env = Env::new();
    let index = env.path("index");
    let old = env
        .write_docs("old.jsonl", &[Doc::new("a", seed(0)), Doc::new("b", seed(1))])
        .0;
    build(&[&old], &index, &[]).ok();
    let new = env
        .write_docs("new.jsonl", &[Doc::new("c", seed(2)), Doc::new("b", seed(3))])
        .0;
    against(&[&new], &index, &env.out(), &[])
        .user_error()
        .stderr_has(&["new.jsonl:2", "\"b\"", "index"]);
    against(&[&new], &index, &env.out(), &["--on-error", "skip", "--update"]).ok();
    let o = Outputs::read(&env.out());
    assert_eq!(o.rejected_kinds(), vec![(2, "duplicate_id".to_string())]);
    assert_eq!(o.kept_ids(), ["c"]);
}

#[test]
fn an_empty_batch_changes_nothing() {
    let env = Env::new();
    let (paths, _) = batches(&env, 60 << 10, 1);
    let index = env.path("index");
    build(&[&paths[0]], &index, &[]).ok();
    let empty = env.write("empty.jsonl", "");
    against(&[&empty], &index, &env.out(), &["--update"]).ok();
    let o = Outputs::read(&env.out());
    assert_eq!(o.summary["input"], 0);
    assert_eq!(generation(&index), 1, "an empty batch adds no generation");
}

#[test]
fn a_batch_of_duplicates_is_all_removed_against_the_indexed_records() {
    let env = Env::new();
    let index = env.path("index");
    let old = env
        .write_docs("old.jsonl", &[Doc::new("a", seed(0)), Doc::new("b", seed(1))])
        .0;
    build(&[&old], &index, &[]).ok();
    let new = env
        .write_docs(
            "new.jsonl",
            &[
                Doc::new("a2", change_words(&seed(0), 2, 3)),
                Doc::new("b2", seed(1)),
                Doc::new("a3", seed(0)),
            ],
        )
        .0;
    against(&[&new], &index, &env.out(), &["--update"]).ok();
    let o = Outputs::read(&env.out());
    assert_eq!(o.kept_ids(), Vec::<String>::new());
    assert_eq!(o.removal("a2")["duplicate_of"], "a");
    assert_eq!(o.removal("b2")["duplicate_of"], "b");
    assert_eq!(o.removal("a3")["duplicate_of"], "a");
    assert_eq!(o.removal("b2")["similarity"], 1.0);
    // And the next batch finds them in the index too.
    let next = env.write_docs("next.jsonl", &[Doc::new("a4", seed(0))]).0;
    against(&[&next], &index, &env.path("next"), &[]).ok();
    assert_eq!(Outputs::read(&env.path("next")).removal("a4")["duplicate_of"], "a");
}

#[test]
fn a_damaged_index_is_a_clear_error_never_a_panic_or_a_wrong_answer() {
    let env = Env::new();
    let (paths, _) = batches(&env, 60 << 10, 2);
    let index = env.path("index");
    build(&[&paths[0]], &index, &[]).ok();
    let seg = index.join("seg-000001.bin");
    let good = std::fs::read(&seg).unwrap();
    // Every kind of damage to the segment: a flipped byte anywhere, a cut, garbage.
    for at in [0, 9, good.len() / 3, good.len() / 2, good.len() - 9, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 0x01;
        std::fs::write(&seg, &bad).unwrap();
        against(&[&paths[1]], &index, &env.out(), &[])
            .user_error()
            .stderr_has(&["seg-000001.bin", "damaged", "storydup index build"]);
    }
    std::fs::write(&seg, &good[..good.len() / 2]).unwrap();
    against(&[&paths[1]], &index, &env.out(), &[])
        .user_error()
        .stderr_has(&["damaged"]);
    std::fs::remove_file(&seg).unwrap();
    against(&[&paths[1]], &index, &env.out(), &[])
        .user_error()
        .stderr_has(&["seg-000001.bin"]);
    std::fs::write(&seg, &good).unwrap();
    against(&[&paths[1]], &index, &env.out(), &[]).ok();
    // The manifest and CURRENT.
    let current = std::fs::read_to_string(index.join("CURRENT")).unwrap();
    let manifest = index.join(current.trim());
    let text = std::fs::read(&manifest).unwrap();
    std::fs::write(&manifest, &text[..text.len() / 2]).unwrap();
    against(&[&paths[1]], &index, &env.out(), &[])
        .user_error()
        .stderr_has(&["damaged"]);
    std::fs::write(&manifest, &text).unwrap();
    std::fs::write(index.join("CURRENT"), "../elsewhere\n").unwrap();
    against(&[&paths[1]], &index, &env.out(), &[])
        .user_error()
        .stderr_has(&["CURRENT"]);
    against(&[&paths[1]], &env.path("nowhere"), &env.out(), &[])
        .user_error()
        .stderr_has(&["no storydup index", "storydup index build"]);
    // Building over an index is refused.
    std::fs::write(index.join("CURRENT"), current).unwrap();
    build(&[&paths[0]], &index, &[])
        .user_error()
        .stderr_has(&["already", "--update"]);
}

#[test]
fn an_indexed_file_that_changed_is_named_when_a_record_must_be_reread() {
    let env = Env::new();
    let index = env.path("index");
    let old = env
        .write_docs("old.jsonl", &[Doc::new("a", seed(0)), Doc::new("b", seed(1))])
        .0;
    build(&[&old], &index, &[]).ok();
    // The same length, other words: only the saved hash can tell.
    let text = std::fs::read_to_string(&old)
        .unwrap()
        .replacen("Ukrainian", "Ukrainiax", 1);
    std::fs::write(&old, text).unwrap();
    let new = env
        .write_docs("new.jsonl", &[Doc::new("a2", change_words(&seed(0), 2, 1))])
        .0;
    against(&[&new], &index, &env.out(), &[]).user_error().stderr_has(&[
        "old.jsonl",
        "changed since it was indexed",
        "storydup index build",
    ]);
    // Without exact verification no text is re-read.
    build(&[&new], &env.path("index2"), &["--verify", "estimate"]).ok();
    std::fs::remove_file(&new).unwrap();
    let newer = env
        .write_docs("newer.jsonl", &[Doc::new("a3", change_words(&seed(0), 2, 1))])
        .0;
    against(
        &[&newer],
        &env.path("index2"),
        &env.path("out2"),
        &["--verify", "estimate"],
    )
    .ok();
    assert_eq!(Outputs::read(&env.path("out2")).removal("a3")["duplicate_of"], "a2");
}

/// `storydup -q dedup INPUT --against INDEX --out OUT --update`, started, not waited for.
fn start_update(input: &Path, index: &Path, out: &Path) -> std::process::Child {
    Command::new(assert_cmd::cargo::cargo_bin("storydup"))
        .args(["-q", "dedup"])
        .arg(input)
        .arg("--against")
        .arg(index)
        .arg("--out")
        .arg(out)
        .arg("--update")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The records an index holds, and its generation, as a run against it reports them.
fn probe(env: &Env, index: &Path, probe_input: &Path, name: &str) -> (u64, u64) {
    let out = env.path(name);
    against(&[probe_input], index, &out, &[]).ok();
    let s: Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    (
        s["against"]["generation"].as_u64().unwrap(),
        s["against"]["records"].as_u64().unwrap(),
    )
}

#[test]
fn an_update_killed_at_any_moment_leaves_the_old_index_or_the_new_one_whole() {
    let env = Env::new();
    let (paths, chunks) = batches(&env, 6 << 20, 3);
    let index = env.path("index");
    build(&[&paths[0]], &index, &[]).ok();
    let probe_input = env.write_docs("probe.jsonl", &[Doc::new("probe", seed(4))]).0;
    let old = (1, chunks[0].len() as u64);
    let new = (2, (chunks[0].len() + chunks[1].len()) as u64);
    // A full update's time, on a copy.
    let copy = env.path("copy");
    std::fs::create_dir_all(&copy).unwrap();
    for e in std::fs::read_dir(&index).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), copy.join(e.file_name())).unwrap();
    }
    let t = Instant::now();
    assert!(start_update(&paths[1], &copy, &env.path("o-copy"))
        .wait()
        .unwrap()
        .success());
    let full = t.elapsed();
    assert_eq!(probe(&env, &copy, &probe_input, "p-copy"), new);

    // Kills spread over the run, then at the moments that matter, found by watching the folder:
    // the segment, the manifest and CURRENT being written, and the segment renamed into place.
    let mut plan: Vec<(String, Option<&str>, f64)> = (0..6)
        .map(|k| {
            (
                format!("at {:.2} of a run", 0.1 + 0.16 * k as f64),
                None,
                0.1 + 0.16 * k as f64,
            )
        })
        .collect();
    for prefix in [
        ".storydup.seg-",
        "seg-000002.bin",
        ".storydup.manifest-",
        "manifest-000002.json",
        ".storydup.CURRENT.",
    ] {
        plan.push((format!("once {prefix} appears"), Some(prefix), 4.0));
    }
    let mut log = Vec::new();
    let mut killed = 0;
    for (k, (what, prefix, frac)) in plan.iter().enumerate() {
        let out = env.path(&format!("o{k}"));
        let mut child = start_update(&paths[1], &index, &out);
        let until = t_plus(full.mul_f64(*frac));
        while Instant::now() < until && child.try_wait().unwrap().is_none() {
            let seen = prefix.is_some_and(|p| {
                std::fs::read_dir(&index)
                    .unwrap()
                    .any(|e| e.unwrap().file_name().to_string_lossy().starts_with(p))
            });
            if seen {
                break;
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let running = child.try_wait().unwrap().is_none();
        if running {
            child.kill().unwrap();
            killed += 1;
        }
        child.wait().unwrap();
        let state = probe(&env, &index, &probe_input, &format!("p{k}"));
        assert!(
            state == old || state == new,
            "kill {k} ({what}): the index is neither the old one {old:?} nor the new {new:?}: {state:?}"
        );
        log.push(format!(
            "{what}: {} → generation {}",
            if running { "killed" } else { "finished" },
            state.0
        ));
        if state == new {
            // Back to the old index for the next kill: rebuild it.
            std::fs::remove_dir_all(&index).unwrap();
            build(&[&paths[0]], &index, &[]).ok();
        }
    }
    eprintln!("index kill test, full update {full:?}:\n  {}", log.join("\n  "));
    assert!(
        killed >= plan.len() / 2,
        "only {killed} of {} kills landed mid-run",
        plan.len()
    );
    // After the kills, an update that finishes gives the index an uninterrupted update gives.
    let out = env.path("final");
    assert!(start_update(&paths[1], &index, &out).wait().unwrap().success());
    assert_eq!(probe(&env, &index, &probe_input, "p-final"), new);
    let ids = ids_of(&chunks[1]);
    assert_eq!(fates(&out, &ids), fates(&env.path("o-copy"), &ids));
    let leftovers: Vec<String> = std::fs::read_dir(&index)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "an update removes what killed ones left: {leftovers:?}"
    );
}

fn t_plus(d: Duration) -> Instant {
    Instant::now() + d
}

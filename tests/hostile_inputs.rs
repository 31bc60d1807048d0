//! Hostile input beyond bad lines (see input_errors.rs and input_formats.rs): JSON nested a
//! hundred thousand levels deep, text fields that are arrays or objects, folders with symlink
//! loops, paths that are not what they claim, and FIFOs. Never a crash, never a hang: either a
//! clear rejection or the records read.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::*;

fn nested(depth: usize, open: &str, close: &str, inner: &str) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

#[test]
fn deeply_nested_json_is_rejected_or_read_never_a_crash() {
    let env = Env::new();
    let s = seeds();
    let plain = "Kursk region fighting continued on Monday, officials said.";
    let mut lines = vec![Doc::new("good", s[0].1.clone()).line()];
    let mut bad_lines = Vec::new(); // (line, kind)
    let mut fine = vec!["good".to_string()];
    for depth in [200, 100_000] {
        // In the text field: an array (or object) however deep is "not a string".
        lines.push(format!(
            "{{\"id\":\"text-arr-{depth}\",\"text\":{}}}",
            nested(depth, "[", "]", "\"x\"")
        ));
        bad_lines.push((lines.len() as u64, "bad_text"));
        lines.push(format!(
            "{{\"id\":\"text-obj-{depth}\",\"text\":{}}}",
            nested(depth, "{\"a\":", "}", "1")
        ));
        bad_lines.push((lines.len() as u64, "bad_text"));
        // In the id field.
        lines.push(format!(
            "{{\"id\":{},\"text\":\"{plain}\"}}",
            nested(depth, "[", "]", "1")
        ));
        bad_lines.push((lines.len() as u64, "bad_id"));
        // In a field storydup ignores: the record is read.
        let id = format!("meta-{depth}");
        lines.push(format!(
            "{{\"id\":\"{id}\",\"meta\":{},\"text\":\"{depth} {plain}\"}}",
            nested(depth, "[{\"k\":", "}]", "null")
        ));
        fine.push(id);
        // The whole line: not an object.
        lines.push(nested(depth, "[", "]", ""));
        bad_lines.push((lines.len() as u64, "not_an_object"));
        // Unclosed: malformed.
        lines.push(format!("{{\"id\":\"open-{depth}\",\"meta\":{}", "[".repeat(depth)));
        bad_lines.push((lines.len() as u64, "malformed_json"));
    }
    let input = env.write_lines("deep.jsonl", &lines);

    // Stop: the first bad line (line 2) is named.
    dedup(&[&input], &env.out(), &[])
        .user_error()
        .stderr_has(&[&format!("{}:2: \"text\" is an array, not a string", input.display())]);

    let out = env.path("skip");
    dedup(&[&input], &out, &["--on-error", "skip"]).ok();
    // Kept lines are the input bytes, too deep for serde_json's default limit: read their ids
    // from the front of the line.
    let kept = std::fs::read_to_string(out.join("kept.jsonl")).unwrap();
    let kept_ids: Vec<&str> = kept
        .lines()
        .map(|l| l.strip_prefix("{\"id\":\"").unwrap().split('"').next().unwrap())
        .collect();
    assert_eq!(kept_ids, fine);
    let rejected = read_jsonl(&out.join("rejected.jsonl"));
    let got: Vec<(u64, &str)> = rejected
        .iter()
        .map(|r| (r["line"].as_u64().unwrap(), r["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(got, bad_lines, "{rejected:?}");
    let summary = stable_summary(&out);
    assert_eq!(summary["input"], lines.len());
    assert_eq!(summary["kept"], fine.len());
    // (verify on this folder: see verify_accepts_records_with_deeply_nested_ignored_fields.)

    // stories reads the same records without crashing.
    let run = storydup(
        [
            "stories".into(),
            input.clone().into_os_string(),
            "-f".into(),
            "json".into(),
        ],
        None,
    );
    run.user_error().stderr_has(&["deep.jsonl:2:"]);
    assert!(lines[4].starts_with("{\"id\":\"meta-200\"") && lines[10].starts_with("{\"id\":\"meta-100000\""));
    let only_good = env.write_lines("meta.jsonl", &[lines[0].clone(), lines[4].clone(), lines[10].clone()]);
    storydup(["stories".into(), only_good.into_os_string()], None).ok();
}

#[test]
fn verify_accepts_records_with_deeply_nested_ignored_fields() {
    let env = Env::new();
    let lines = vec![
        Doc::new("good", seed(0)).line(),
        format!(
            "{{\"id\":\"deep\",\"meta\":{},\"text\":\"Kursk region fighting continued on Monday.\"}}",
            nested(200, "[", "]", "1")
        ),
    ];
    let input = env.write_lines("in.jsonl", &lines);
    dedup(&[&input], &env.out(), &[]).ok();
    assert_eq!(stable_summary(&env.out())["kept"], 2, "dedup reads both records");
    verify(&env.out(), &[&input], None).verified();
}

#[test]
fn text_that_is_an_array_an_object_or_a_boolean_is_named() {
    let env = Env::new();
    let s = seeds();
    let lines = vec![
        Doc::new("a", s[0].1.clone()).line(),
        r#"{"id":"arr","text":["Ukrainian forces launched","a new attack in Kursk"]}"#.to_string(),
        r#"{"id":"obj","text":{"en":"Ukrainian forces launched a new attack"}}"#.to_string(),
        r#"{"id":"yes","text":true}"#.to_string(),
        Doc::new("b", s[1].1.clone()).line(),
    ];
    let input = env.write_lines("in.jsonl", &lines);
    dedup(&[&input], &env.out(), &[]).user_error().stderr_has(&[
        &format!("{}:2:", input.display()),
        "\"text\" is an array, not a string; store the text as a JSON string",
        "--on-error skip",
    ]);
    let out = env.path("skip");
    dedup(&[&input], &out, &["--on-error", "skip"]).ok();
    let o = Outputs::read(&out);
    let reasons: Vec<(&str, &str)> = o
        .rejected
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["reason"].as_str().unwrap()))
        .collect();
    let said = |what: &str| format!("\"text\" is {what}, not a string; store the text as a JSON string");
    assert_eq!(
        reasons,
        [
            ("bad_text", said("an array").as_str()),
            ("bad_text", said("an object").as_str()),
            ("bad_text", said("a boolean").as_str()),
        ]
    );
    assert_eq!(o.kept_ids(), ["a", "b"]);
}

#[test]
fn a_folder_with_symlink_loops_is_read_once() {
    let env = Env::new();
    let s = seeds();
    env.write("docs/a.txt", &s[0].1);
    env.write("docs/sub/b.txt", &s[1].1);
    env.write("docs/sub/deeper/c.txt", &s[2].1);
    let dir = env.path("docs");
    let link = |target: &Path, at: &str| std::os::unix::fs::symlink(target, env.path(at)).unwrap();
    link(Path::new("."), "docs/self"); // docs/self -> docs
    link(Path::new(".."), "docs/sub/up"); // docs/sub/up -> docs
    link(&dir, "docs/sub/deeper/root"); // absolute
    link(Path::new("../.."), "docs/sub/deeper/top");
    link(Path::new("nowhere"), "docs/dangling.txt"); // a dangling link is passed over
    let run = dedup(&[&dir], &env.out(), &[]).ok();
    let o = Outputs::read(&env.out());
    assert_eq!(
        o.kept_ids(),
        ["a.txt", "sub/b.txt", "sub/deeper/c.txt"],
        "{}",
        run.stderr
    );
    assert_eq!(o.summary["input"], 3);
    verify(&env.out(), &[&dir], None).verified();

    // The loop named directly through a link: still each file once.
    let out = env.path("via-link");
    dedup(&[&env.path("docs/sub/up")], &out, &[]).ok();
    assert_eq!(Outputs::read(&out).summary["input"], 3);
}

#[test]
fn paths_that_are_not_what_they_claim_are_named() {
    let env = Env::new();
    let (docs, _) = family_corpus();
    let (input, _) = env.write_docs("in.jsonl", &docs);
    let p = |path: &Path| path.display().to_string();

    // A nonexistent file after a good one: nothing is written.
    let missing = env.path("missing.jsonl");
    dedup(&[&input, &missing], &env.out(), &[]).user_error().stderr_has(&[
        &p(&missing),
        "No such file or directory",
        "check that the file exists",
    ]);
    assert!(!env.out().join("summary.json").exists());

    // A file used as a folder (trailing slash).
    let slash = env.path("in.jsonl/");
    dedup(&[&slash], &env.out(), &[])
        .user_error()
        .stderr_has(&["in.jsonl/", "Not a directory"]);

    // A dangling symlink.
    let dangling = env.path("dangling.jsonl");
    std::os::unix::fs::symlink(env.path("gone.jsonl"), &dangling).unwrap();
    dedup(&[&dangling], &env.out(), &[])
        .user_error()
        .stderr_has(&[&p(&dangling), "check that the file exists"]);

    // --out names a file, not a folder: it is named and left alone.
    let before = std::fs::read(&input).unwrap();
    dedup(&[&input], &input, &[])
        .user_error()
        .stderr_has(&[&p(&input), "is a file, and --out must be a folder"]);
    assert_eq!(
        std::fs::read(&input).unwrap(),
        before,
        "the file given as --out is untouched"
    );

    // A folder named like a JSONL file is read as a folder.
    env.write("looks-like.jsonl/inner.jsonl", join_lines(&[docs[0].line()]));
    let out = env.path("folder-out");
    dedup(&[&env.path("looks-like.jsonl")], &out, &[]).ok();
    assert_eq!(Outputs::read(&out).kept_ids(), [docs[0].id.clone()]);
}

#[test]
fn a_fifo_inside_a_folder_is_passed_over_without_blocking() {
    // No one writes to the FIFO: opening it would block forever.
    let env = Env::new();
    let s = seeds();
    env.write("docs/a.txt", &s[0].1);
    env.write("docs/b.txt", &s[1].1);
    mkfifo(&env.path("docs/pipe.jsonl"));
    let dir = env.path("docs");
    dedup(&[&dir], &env.out(), &[]).ok();
    assert_eq!(Outputs::read(&env.out()).kept_ids(), ["a.txt", "b.txt"]);
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// Runs `cmd` for at most `limit`; returns (exit code, stderr) or None when it had to be killed.
fn run_with_limit(mut cmd: Command, limit: Duration) -> Option<(i32, String)> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut err).unwrap();
            return Some((status.code().unwrap_or(-1), err));
        }
        if t.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A FIFO given as input, fed `bytes` by a writer thread.
#[test]
fn a_fifo_given_as_input_is_read_or_refused() {
    let env = Env::new();
    let s = seeds();
    let lines = vec![
        Doc::new("a", s[0].1.clone()).line(),
        Doc::new("a-copy", s[0].1.clone()).line(),
        Doc::new("b", s[1].1.clone()).line(),
    ];
    let bytes = join_lines(&lines);
    assert!(bytes.len() < 60_000, "fits in a pipe buffer");
    let fifo = env.path("in.jsonl");
    mkfifo(&fifo);
    let writer = {
        let (fifo, bytes) = (fifo.clone(), bytes.clone());
        std::thread::spawn(move || {
            if let Ok(mut f) = std::fs::OpenOptions::new().write(true).open(&fifo) {
                let _ = std::io::Write::write_all(&mut f, &bytes);
            }
        })
    };
    let mut cmd = Command::new(assert_cmd::cargo::cargo_bin("storydup"));
    cmd.args(["-q", "dedup"]).arg(&fifo).arg("--out").arg(env.out());
    let result = run_with_limit(cmd, Duration::from_secs(15));
    // Unblock the writer if no one opened the FIFO for reading.
    {
        use std::os::unix::fs::OpenOptionsExt;
        let _ = std::fs::OpenOptions::new().read(true).custom_flags(0o4000).open(&fifo);
        // O_NONBLOCK
    }
    writer.join().unwrap();
    let (code, stderr) = result.expect("storydup dedup FIFO did not finish in 15 s: it hangs");
    match code {
        0 => {
            let o = Outputs::read(&env.out());
            assert_eq!(o.kept_ids(), ["a", "b"]);
            assert_eq!(o.removed_ids(), ["a-copy"]);
        }
        _ => assert!(
            stderr.contains(&fifo.display().to_string()) && stderr.contains("not a regular file"),
            "a refusal must say the input is not a regular file: {stderr}"
        ),
    }
}

#[test]
fn a_process_substitution_is_read_or_refused() {
    let env = Env::new();
    let s = seeds();
    let lines = vec![
        Doc::new("a", s[0].1.clone()).line(),
        Doc::new("a-copy", s[0].1.clone()).line(),
        Doc::new("b", s[1].1.clone()).line(),
    ];
    let input = env.write_lines("in.jsonl", &lines);
    let mut cmd = Command::new("bash");
    cmd.args(["-c", r#"exec "$0" -q dedup <(cat "$1") --out "$2""#])
        .arg(assert_cmd::cargo::cargo_bin("storydup"))
        .arg(&input)
        .arg(env.out());
    let (code, stderr) = run_with_limit(cmd, Duration::from_secs(15)).expect("it hangs");
    match code {
        0 => {
            let o = Outputs::read(&env.out());
            assert_eq!(o.kept_ids(), ["a", "b"]);
            assert_eq!(o.kept_bytes, join_lines(&[lines[0].clone(), lines[2].clone()]));
        }
        _ => assert!(
            !stderr.contains(":1:") && stderr.contains("not a regular file"),
            "a refusal must blame the pipe, not the first record: {stderr}"
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Seeded mutation fuzzing of the record reader and the normalizer. The checks are the AFL++
// targets' (fuzz/src/lib.rs, run long by scripts/fuzz.sh); here a fixed-seed mutator drives them
// over the seed inputs for a bounded number of cases, so that CI runs the same cases every time.

#[path = "../fuzz/src/lib.rs"]
mod fuzz_harness;

/// splitmix64: a fixed, fully specified sequence for a seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes that matter to the reader and the normalizer: JSON syntax, line ends, BOM and UTF-8
/// lead/continuation bytes, NUL, the compression magics, letters that change under NFKC or case.
const INTERESTING: [&[u8]; 20] = [
    b"\"",
    b"\\",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b"\n",
    b"\r\n",
    b"\0",
    b"\xEF\xBB\xBF",
    b"\xC3",
    b"\x80",
    b"\xFF",
    b"\x1f\x8b",
    b"\x28\xb5\x2f\xfd",
    "ﬁ".as_bytes(),
    "İ".as_bytes(),
    b"\\ud800",
];

/// One to four havoc-style edits: flip a bit, write or insert an interesting byte string, delete,
/// duplicate or cut a range, or splice in part of another seed.
fn mutate(rng: &mut Rng, data: &mut Vec<u8>, seeds: &[(String, Vec<u8>)]) {
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(data.len() + 1);
        match rng.below(7) {
            0 if !data.is_empty() => {
                let i = rng.below(data.len());
                data[i] ^= 1 << rng.below(8);
            }
            1 => {
                let s = INTERESTING[rng.below(INTERESTING.len())];
                let end = (at + s.len()).min(data.len());
                data.splice(at..end, s.iter().copied());
            }
            2 => {
                let s = INTERESTING[rng.below(INTERESTING.len())];
                data.splice(at..at, s.iter().copied());
            }
            3 => {
                let end = (at + 1 + rng.below(16)).min(data.len());
                data.drain(at..end);
            }
            4 => {
                let end = (at + 1 + rng.below(64)).min(data.len());
                let copy = data[at..end].to_vec();
                let to = rng.below(data.len() + 1);
                data.splice(to..to, copy);
            }
            5 => data.truncate(at),
            _ => {
                let other = &seeds[rng.below(seeds.len())].1;
                let from = rng.below(other.len() + 1);
                let end = (from + 1 + rng.below(128)).min(other.len());
                data.splice(at..at, other[from..end].iter().copied());
            }
        }
    }
}

#[test]
fn seeded_mutations_of_records_and_files_never_break_the_reader_or_the_normalizer() {
    let seeds = fuzz_harness::seeds(gzip, zstd);
    let scratch = tempfile::tempdir().unwrap();
    // Every seed as it is, then mutants; a whole file for every 8th case (a file costs a thread
    // and two reads). About 10 s in a debug build on a quiet 2-core machine.
    let cases = 50_000;
    let mut rng = Rng(6);
    let t = Instant::now();
    for (name, bytes) in &seeds {
        eprintln!("seed {name}");
        fuzz_harness::record(bytes);
        fuzz_harness::normalizer(bytes);
        fuzz_harness::file(bytes, scratch.path());
    }
    for case in 0..cases {
        let mut data = seeds[rng.below(seeds.len())].1.clone();
        mutate(&mut rng, &mut data, &seeds);
        // A panic names the case; rerun with the same seed to get it back.
        let run = std::panic::catch_unwind(|| {
            fuzz_harness::record(&data);
            fuzz_harness::normalizer(&data);
            if case % 8 == 0 {
                fuzz_harness::file(&data, scratch.path());
            }
        });
        assert!(
            run.is_ok(),
            "case {case} failed on input {:?}",
            String::from_utf8_lossy(&data)
        );
    }
    eprintln!("{} seeds and {cases} mutants in {:?}", seeds.len(), t.elapsed());
}

#[test]
fn a_blank_last_line_over_the_size_limit_is_not_a_record() {
    let env = Env::new();
    let good = "{\"id\":\"a\",\"text\":\"one two\"}\n";
    let blank = " ".repeat(40);
    for (name, tail) in [("ended.jsonl", format!("{blank}\n")), ("unended.jsonl", blank.clone())] {
        let input = env.write(name, format!("{good}{tail}"));
        let out = env.path(&format!("{name}.out"));
        dedup(&[&input], &out, &["--max-doc-bytes", "30"]).ok();
        assert_eq!(
            stable_summary(&out)["input"],
            1,
            "{name}: the blank line is not a record"
        );
    }
}

#[test]
fn a_last_line_at_the_size_limit_ending_in_a_carriage_return_is_read() {
    let env = Env::new();
    let line = "{\"id\":\"a\",\"text\":\"one two three\"}";
    let limit = line.len().to_string();
    for (name, tail) in [("crlf.jsonl", "\r\n"), ("cr.jsonl", "\r")] {
        let input = env.write(name, format!("{line}{tail}"));
        let out = env.path(&format!("{name}.out"));
        dedup(&[&input], &out, &["--max-doc-bytes", &limit]).ok();
        assert_eq!(
            stable_summary(&out)["kept"],
            1,
            "{name}: the record is within the limit"
        );
    }
}

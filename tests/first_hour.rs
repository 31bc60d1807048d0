//! Issue 16, "the first hour": what a new user meets on their own data, each item run through the
//! real binary. Empty texts are kept and counted; records without an id are known by their place;
//! every error names the file, the line, what was wrong and an action the subcommand has;
//! unsupported formats and folders with nothing readable are named as such; `verify` is
//! deterministic, capped with an exact count, true in its closing line, and knows the input it
//! should read; every `--help` ends with examples that run, as do the README's commands; the
//! benchmark scripts say what the shared kit is when it is missing.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::util::*;

/// Lines of a Hugging Face-style export: no id, a `url` and a `title`; two copies of one report,
/// a record with no words, and two other reports.
fn export_lines() -> Vec<String> {
    let s = seeds();
    let rec = |i: usize, text: &str| {
        json!({"url": format!("https://example.com/{i}"), "title": format!("report {i}"), "text": text}).to_string()
    };
    vec![
        rec(0, &s[0].1),
        rec(1, &s[1].1),
        rec(2, &s[0].1),
        rec(3, ""),
        rec(4, &change_words(&s[2].1, 3, 5)),
        rec(5, &s[3].1),
    ]
}

/// The folder the examples and the README's commands run in: `news.jsonl` (no ids), `crawl/`
/// (.txt files, a JSONL file and a file storydup skips) and `truth.jsonl` (by url).
fn first_hour_folder(env: &Env) -> PathBuf {
    env.write_lines("news.jsonl", &export_lines());
    let s = seeds();
    env.write("crawl/a.txt", &s[0].1);
    env.write("crawl/b.txt", &s[4].1);
    env.write("crawl/more/c.jsonl", Doc::new("c1", s[1].1.clone()).line() + "\n");
    env.write("crawl/notes.md", "# notes, not a record\n");
    let truth: Vec<String> = (0..6)
        .map(|i| json!({"id": format!("https://example.com/{i}"), "cluster": if i == 2 { 0 } else { i }}).to_string())
        .collect();
    env.write_lines("truth.jsonl", &truth);
    env.dir.path().to_path_buf()
}

/// Runs a command line as written in help or the README (`storydup ARGS [< FILE] [> FILE]`) in
/// `cwd`; the redirections are done here, as a shell would.
fn run_line(cwd: &Path, line: &str) -> Run {
    let mut words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words.remove(0), "storydup", "{line}");
    let mut stdin = None;
    let mut stdout_to = None;
    while words.len() >= 2 && matches!(words[words.len() - 2], "<" | ">") {
        let file = words.pop().unwrap();
        match words.pop().unwrap() {
            "<" => stdin = Some(std::fs::read(cwd.join(file)).unwrap()),
            _ => stdout_to = Some(cwd.join(file)),
        }
    }
    let run = storydup_in(cwd, words, stdin);
    if let Some(path) = stdout_to {
        std::fs::write(path, &run.stdout).unwrap();
    }
    run
}

/// The examples at the end of `storydup ARGS --help`.
fn examples(args: &[&str]) -> Vec<String> {
    let mut all: Vec<&str> = args.to_vec();
    all.push("--help");
    let help = storydup(all, None).ok().stdout;
    let (_, tail) = help
        .split_once("\nExamples:\n")
        .unwrap_or_else(|| panic!("`storydup {} --help` has no examples:\n{help}", args.join(" ")));
    let lines: Vec<String> = tail.lines().map(str::to_string).collect();
    assert!(
        lines.iter().all(|l| l.starts_with("  storydup ")),
        "help must end with its examples, one per line:\n{tail}"
    );
    assert!(
        (2..=3).contains(&lines.len()),
        "two or three examples in `storydup {} --help`:\n{tail}",
        args.join(" ")
    );
    lines.iter().map(|l| l.trim().to_string()).collect()
}

/// Every `--option` named in `text`.
fn options_named(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("--") {
        let name: String = rest[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
            .collect();
        if name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
            out.push(format!("--{name}"));
        }
        rest = &rest[i + 2 + name.len()..];
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Empty texts.

#[test]
fn issue_16_empty_texts_are_kept_never_matched_and_counted() {
    let env = Env::new();
    let s = seeds();
    let docs = [
        Doc::new("a", s[0].1.clone()),
        Doc::new("nothing", ""),
        Doc::new("punct", "  \n\t ... -- !!! "),
        Doc::new("b", s[1].1.clone()),
        Doc::new("nothing-again", ""),
        Doc::new("a-copy", s[0].1.clone()),
    ];
    let (input, lines) = env.write_docs("in.jsonl", &docs);
    let run = dedup(&[&input], &env.out(), &[]).ok();
    run.stderr_has(&["storydup: 6 records: 5 kept (3 empty), 1 removed in 1 cluster, 0 rejected"]);
    let o = Outputs::read(&env.out());
    assert_eq!(o.kept_ids(), ["a", "nothing", "punct", "b", "nothing-again"]);
    assert_eq!(
        o.removed_ids(),
        ["a-copy"],
        "empty texts duplicate nothing, not even each other"
    );
    assert_eq!(o.summary["empty"], 3);
    assert!(o.rejected.is_empty());
    let kept: Vec<String> = [0, 1, 2, 3, 4].iter().map(|&i| lines[i].clone()).collect();
    assert_eq!(o.kept_bytes, join_lines(&kept));
    verify(&env.out(), &[&input], None).verified();
}

/// The shared kit's data folder, when it is there (never copied into the repository).
fn kit_data() -> Option<PathBuf> {
    let root = std::env::var_os("STORYDUP_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    Some(root.join("data")).filter(|d| d.is_dir())
}

#[test]
fn issue_16_reuters_dev_runs_by_default_with_its_empty_texts() {
    let Some(data) = kit_data() else {
        eprintln!("skipped: no shared kit (set STORYDUP_SHARED)");
        return;
    };
    let input = data.join("reuters21578/dev.jsonl");
    let env = Env::new();
    dedup(&[&input], &env.out(), &[]).ok();
    let o = Outputs::read(&env.out());
    assert_eq!(o.summary["input"], 15390);
    assert_eq!(o.summary["empty"], 39, "Reuters-21578 dev has 39 records without words");
    assert_eq!(o.summary["rejected"], 0);
    verify(&env.out(), &[], None).verified();
}

// ---------------------------------------------------------------------------------------------
// Ids.

#[test]
fn issue_16_records_without_an_id_are_known_by_their_place() {
    let env = Env::new();
    let dir = first_hour_folder(&env);
    let lines = export_lines();
    // The same bytes whatever the thread count.
    let mut outs = Vec::new();
    for j in ["1", "4"] {
        let out = format!("out-j{j}");
        storydup_in(&dir, ["dedup", "news.jsonl", "--out", &out, "-j", j], None).ok();
        outs.push(dir.join(out));
    }
    for f in ["kept.jsonl", "removed.jsonl", "clusters.jsonl", "rejected.jsonl"] {
        assert_eq!(
            std::fs::read(outs[0].join(f)).unwrap(),
            std::fs::read(outs[1].join(f)).unwrap(),
            "{f} differs between -j 1 and -j 4"
        );
    }
    assert_eq!(stable_summary(&outs[0]), stable_summary(&outs[1]));
    let o = Outputs::read(&outs[0]);
    assert_eq!(o.summary["without_id"], 6);
    assert_eq!(o.summary["empty"], 1);
    assert_eq!(o.removed.len(), 1);
    assert_eq!(o.removed[0]["id"], "news.jsonl:3");
    assert_eq!(o.removed[0]["duplicate_of"], "news.jsonl:1");
    assert_eq!(o.clusters[0]["members"], json!(["news.jsonl:1", "news.jsonl:3"]));
    // Kept lines are the input lines, byte for byte (they have no id to add).
    let kept: Vec<String> = [0, 1, 3, 4, 5].iter().map(|&i| lines[i].clone()).collect();
    assert_eq!(o.kept_bytes, join_lines(&kept));
    // verify finds them: by place when removed, by their bytes when kept.
    storydup_in(&dir, ["verify", "out-j1"], None).verified();
    storydup_in(&dir, ["verify", "out-j1", "news.jsonl"], None).verified();
    // Named another way, the file is read under the name the run gave it, so places match.
    storydup_in(&dir, ["verify", "out-j1", "./news.jsonl"], None).verified();
    let absolute = dir.join("news.jsonl").display().to_string();
    storydup_in(&dir, ["verify", "out-j1", &absolute], None).verified();
    // A copy is another file: the removed record's place is not in it, and verify says so (the
    // kept ones are found by their bytes).
    std::fs::copy(dir.join("news.jsonl"), dir.join("copy.jsonl")).unwrap();
    let run = storydup_in(&dir, ["verify", "out-j1", "copy.jsonl"], None).user_error();
    assert!(
        run.stdout
            .contains("copy.jsonl:3: a record without an id that is in no output: lost\nremoved.jsonl:1: \"news.jsonl:3\" is not in the input\n2 problems\n"),
        "{}",
        run.stdout
    );

    // Inside a folder, FILE is the path as walked.
    storydup_in(&dir, ["dedup", "crawl", "--out", "crawled"], None).ok();
    env.write("nested/deeper/part.jsonl", join_lines(&lines[..3]));
    storydup_in(&dir, ["dedup", "nested", "--out", "nested-out"], None).ok();
    let o = Outputs::read(&dir.join("nested-out"));
    assert_eq!(o.removed[0]["id"], "nested/deeper/part.jsonl:3");
    storydup_in(&dir, ["verify", "nested-out"], None).verified();

    // stories reads them the same way.
    let run = storydup_in(&dir, ["stories", "news.jsonl", "-f", "json"], None).ok();
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let docs: Vec<&str> = report["stories"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["documents"].as_array().unwrap())
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        docs.contains(&"news.jsonl:1") && docs.contains(&"news.jsonl:6"),
        "{docs:?}"
    );
}

#[test]
fn issue_16_a_place_that_is_another_records_id_is_a_duplicate_id() {
    let env = Env::new();
    let dir = env.dir.path();
    let s = seeds();
    // Line 2 has no id; its place is the real id of line 1.
    env.write_lines(
        "in.jsonl",
        &[
            Doc::new("in.jsonl:2", s[0].1.clone()).line(),
            json!({"text": s[1].1}).to_string(),
        ],
    );
    storydup_in(dir, ["dedup", "in.jsonl", "--out", "out"], None)
        .user_error()
        .stderr_has(&[
            "in.jsonl:2: this record has no \"id\" field, and its place \"in.jsonl:2\"",
            "is the id of the record at in.jsonl:1",
        ]);
    // Line 1 has no id; line 2's real id is line 1's place.
    env.write_lines(
        "in2.jsonl",
        &[
            json!({"text": s[0].1}).to_string(),
            Doc::new("in2.jsonl:1", s[1].1.clone()).line(),
        ],
    );
    storydup_in(dir, ["dedup", "in2.jsonl", "--out", "out"], None)
        .user_error()
        .stderr_has(&[
            "in2.jsonl:2: id \"in2.jsonl:1\" is the place of the record at in2.jsonl:1, which has no \"id\" field",
        ]);
    storydup_in(dir, ["stories", "in2.jsonl"], None)
        .user_error()
        .stderr_has(&["is the place of the record at in2.jsonl:1"]);
    // Skipped, the record goes to rejected.jsonl, and verify agrees.
    storydup_in(dir, ["dedup", "in2.jsonl", "--out", "out", "--on-error", "skip"], None).ok();
    let o = Outputs::read(&dir.join("out"));
    assert_eq!(o.rejected_kinds(), [(2, "duplicate_id".to_string())]);
    storydup_in(dir, ["verify", "out"], None).verified();
}

#[test]
fn issue_16_an_id_field_given_must_be_there() {
    let env = Env::new();
    let dir = first_hour_folder(&env);
    // The export has urls: named, they are the ids.
    storydup_in(
        &dir,
        ["dedup", "news.jsonl", "--out", "by-url", "--id-field", "url"],
        None,
    )
    .ok();
    let o = Outputs::read(&dir.join("by-url"));
    assert_eq!(o.removed[0]["id"], "https://example.com/2");
    assert_eq!(o.summary["without_id"], 0);
    // A misspelt field stops the run at the first record instead of numbering them all.
    for sub in ["dedup", "stories"] {
        let mut args = vec![sub, "news.jsonl", "--id-field", "ulr"];
        if sub == "dedup" {
            args.extend(["--out", "typo"]);
        }
        storydup_in(&dir, args, None)
            .user_error()
            .stderr_has(&["news.jsonl:1: no \"ulr\" field, which --id-field names"]);
    }
}

// ---------------------------------------------------------------------------------------------
// Errors.

#[test]
fn issue_16_unsupported_formats_are_named_as_such() {
    let env = Env::new();
    let dir = env.dir.path();
    env.write("data.csv", "id,text\n1,hello world\n");
    env.write("data.tsv.gz", gzip(b"id\ttext\n1\thello\n"));
    env.write("table.parquet", b"PAR1\x15\x04\x15\x10");
    env.write("export.bin", b"PAR1\x15\x04\x15\x10");
    env.write("dump.json", "[{\"id\": 1, \"text\": \"hello\"}]\n");
    env.write("book.xlsx", b"PK\x03\x04\x14\x00");
    let cases = [
        (
            "data.csv",
            "data.csv: CSV is not supported: convert it to JSONL (one JSON object per line)",
        ),
        ("data.tsv.gz", "data.tsv.gz: TSV is not supported: convert it to JSONL"),
        // Parquet is read when named so; a corrupt one says what is wrong, without --on-error.
        ("table.parquet", "table.parquet:0: not a readable Parquet file"),
        (
            "export.bin",
            "export.bin: this is a Parquet file under a name that does not say so: name it export.bin.parquet",
        ),
        (
            "dump.json",
            "dump.json: a JSON array is not supported: convert it to JSONL",
        ),
        ("book.xlsx", "book.xlsx: a spreadsheet is not supported"),
    ];
    for (file, says) in cases {
        let run = storydup_in(dir, ["dedup", file, "--out", "out"], None).user_error();
        run.stderr_has(&[says]);
        // (A corrupt Parquet file is one rejection: --on-error skip goes on without it.)
        assert!(
            file == "table.parquet" || !run.stderr.contains("--on-error"),
            "skipping would reject every line:\n{}",
            run.stderr
        );
        storydup_in(dir, ["stories", file], None)
            .user_error()
            .stderr_has(&[says]);
    }
    // A file of another format under a name that does not say so: line 1 is not JSON, and the
    // message says what storydup reads.
    env.write("data.dat", "id,text\n1,hello world\n");
    storydup_in(dir, ["dedup", "data.dat", "--out", "out"], None)
        .user_error()
        .stderr_has(&[
            "data.dat:1: malformed JSON at column 1",
            "if data.dat is not JSONL, convert it to JSONL",
        ]);
}

#[test]
fn issue_16_a_folder_with_nothing_readable_stops_and_lists_what_it_skipped() {
    let env = Env::new();
    let dir = env.dir.path();
    env.write("exports/a.csv", "id,text\n");
    env.write("exports/b.feather", b"ARROW1");
    env.write("exports/more/c.csv", "id,text\n");
    let run = storydup_in(dir, ["dedup", "exports", "--out", "out"], None).user_error();
    run.stderr_has(&[
        "storydup: exports: no records: the folder holds 3 files that storydup does not read (2 .csv, 1 .feather)",
        "storydup reads JSONL files (.jsonl, .ndjson; plain, .gz or .zst) and .txt files",
    ]);
    assert!(!dir.join("out/summary.json").exists());
    storydup_in(dir, ["stories", "exports"], None)
        .user_error()
        .stderr_has(&["no records: the folder holds 3 files"]);
    std::fs::create_dir(dir.join("empty")).unwrap();
    storydup_in(dir, ["dedup", "empty", "--out", "out"], None)
        .user_error()
        .stderr_has(&["empty: no records: the folder holds no files"]);
    // Beside a readable file, skipped files are named on stderr and counted in summary.json.
    env.write("exports/d.jsonl", Doc::new("d", seed(0)).line() + "\n");
    let run = storydup_in(dir, ["dedup", "exports", "--out", "out"], None).ok();
    run.stderr_has(&["3 files in input folders skipped: storydup reads JSONL files"]);
    assert_eq!(Outputs::read(&dir.join("out")).summary["skipped_files"], 3);
}

#[test]
fn issue_16_out_must_be_a_folder() {
    let env = Env::new();
    let (input, _) = env.write_docs("in.jsonl", &[Doc::new("a", seed(0))]);
    let file = env.write("results.jsonl", "keep me\n");
    dedup(&[&input], &file, &[]).user_error().stderr_has(&[
        &format!(
            "invalid --out: {} is a file, and --out must be a folder",
            file.display()
        ),
        "name a new or existing folder",
    ]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me\n");
}

/// Words that start the "what to do" of a message.
const ACTIONS: &[&str] = &[
    "convert",
    "name ",
    "give ",
    "raise ",
    "rerun",
    "check ",
    "use ",
    "re-encode",
    "store ",
    "pipe",
    "run ",
    "leave out",
    "fix",
    "each line",
    "remove",
    "change ",
    "pass ",
];

#[test]
fn issue_16_every_error_says_what_to_do_with_options_the_subcommand_has() {
    let env = Env::new();
    let dir = first_hour_folder(&env);
    let s = seeds();
    let good = |id: &str, i: usize| Doc::new(id, s[i].1.clone()).line();
    let bad_at_3 = |name: &str, bad: &str| {
        env.write_lines(name, &[good("g1", 0), good("g2", 1), bad.to_string(), good("g4", 2)]);
    };
    bad_at_3("malformed.jsonl", "{\"id\":\"x\",\"text\":");
    bad_at_3("no-text.jsonl", "{\"id\":\"x\"}");
    bad_at_3("bad-id.jsonl", "{\"id\":1.5,\"text\":\"t\"}");
    bad_at_3("dup.jsonl", &good("g1", 3));
    bad_at_3("not-object.jsonl", "[1,2]");
    bad_at_3("latin1.jsonl", "{\"id\":\"x\",\"text\":\"Andr\u{e9}\"}");
    std::fs::write(
        dir.join("latin1.jsonl"),
        [
            &good("g1", 0).into_bytes()[..],
            b"\n{\"id\":\"x\",\"text\":\"Andr\xe9\"}\n",
        ]
        .concat(),
    )
    .unwrap();
    env.write("first-line.jsonl", "id,text\n1,hello\n");
    env.write("data.csv", "id,text\n");
    env.write("only/a.csv", "id,text\n");
    env.write("truth-bad.jsonl", "{\"id\":\"a\"}\n");
    env.write(
        "truth-dup.jsonl",
        "{\"id\":\"a\",\"cluster\":1}\n{\"id\":\"a\",\"cluster\":1}\n",
    );
    env.write("pred-bad.jsonl", "{\"id\":\"a\",\"cluster\":1}\nnot json\n");
    // dedup outputs for verify's errors: one run from standard input, one with an old summary.
    storydup_in(
        &dir,
        ["dedup", "-", "--out", "from-stdin"],
        Some(join_lines(&export_lines())),
    )
    .ok();
    storydup_in(&dir, ["dedup", "news.jsonl", "--out", "old"], None).ok();
    let summary = dir.join("old/summary.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("inputs");
    std::fs::write(&summary, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    storydup_in(&dir, ["dedup", "news.jsonl", "--out", "moved"], None).ok();
    let elsewhere = env.path("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();

    let record_errors = [
        "malformed.jsonl",
        "no-text.jsonl",
        "bad-id.jsonl",
        "dup.jsonl",
        "not-object.jsonl",
        "latin1.jsonl",
        "first-line.jsonl",
        "data.csv",
        "only",
        "missing.jsonl",
    ];
    let mut cases: Vec<(&str, Vec<String>, Option<&Path>)> = Vec::new();
    for f in record_errors {
        cases.push((
            "dedup",
            vec!["dedup".into(), f.into(), "--out".into(), "o".into()],
            None,
        ));
        cases.push(("stories", vec!["stories".into(), f.into()], None));
    }
    let words = |l: &str| l.split_whitespace().map(str::to_string).collect::<Vec<_>>();
    for extra in [
        "dedup news.jsonl --out o --max-doc-bytes 100",
        "stories news.jsonl --max-doc-bytes 100",
        "dedup news.jsonl --out o --id-field ulr",
        "stories news.jsonl --id-field ulr",
        "dedup news.jsonl --out o --threshold 1.5",
        "dedup news.jsonl --out news.jsonl",
        "eval --truth truth-bad.jsonl truth.jsonl",
        "eval --truth truth-dup.jsonl truth.jsonl",
        "eval --truth truth.jsonl pred-bad.jsonl",
        "eval --truth nowhere.jsonl truth.jsonl",
        "verify nowhere",
        "verify from-stdin",
        "verify old",
    ] {
        let w = words(extra);
        cases.push(if w[0] == "eval" {
            ("eval", w, None)
        } else if w[0] == "verify" {
            ("verify", w, None)
        } else if w[0] == "stories" {
            ("stories", w, None)
        } else {
            ("dedup", w, None)
        });
    }
    cases.push(("verify", words("verify ../moved"), Some(&elsewhere)));

    let mut helps = std::collections::BTreeMap::new();
    for (sub, args, cwd) in cases {
        let help = helps
            .entry(sub)
            .or_insert_with(|| storydup([sub, "--help"], None).ok().stdout)
            .clone();
        let run = storydup_in(cwd.unwrap_or(&dir), &args, None).user_error();
        let message = run.stderr.lines().last().unwrap_or("").to_string();
        assert!(message.starts_with("storydup: "), "{args:?}: {}", run.stderr);
        assert!(
            ACTIONS.iter().any(|a| message.contains(a)),
            "`storydup {}` says what was wrong but not what to do: {message}",
            args.join(" ")
        );
        for option in options_named(&message) {
            assert!(
                help.contains(&option),
                "`storydup {}` advises {option}, which `storydup {sub}` does not have: {message}",
                args.join(" ")
            );
        }
        // A bad record is named by file and line.
        if record_errors[..7].contains(&args[1].as_str()) {
            assert!(message.contains(&format!("{}:", args[1])), "{message}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// verify.

/// `n` records with ids `{prefix}N`, each text its own (no two share a word 5-gram).
fn distinct_records(prefix: &str, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            let text = format!("{prefix} report {i} filed at desk {i} on day {i} about item {i} of {n}");
            Doc::new(format!("{prefix}{i}"), text).line()
        })
        .collect()
}

#[test]
fn issue_16_verify_on_a_wrong_input_is_deterministic_capped_and_says_so_first() {
    let env = Env::new();
    let a_lines = distinct_records("a", 700);
    let b_lines = distinct_records("b", 650);
    let a = env.write_lines("a.jsonl", &a_lines);
    let b = env.write_lines("b.jsonl", &b_lines);
    dedup(&[&a], &env.out(), &[]).ok();
    let runs: Vec<Run> = (0..3).map(|_| verify(&env.out(), &[&b], None).user_error()).collect();
    for r in &runs[1..] {
        assert_eq!(r.stdout, runs[0].stdout, "verify printed something else on another run");
        assert_eq!(r.stderr, runs[0].stderr);
    }
    let out: Vec<&str> = runs[0].stdout.lines().collect();
    let a_hash = format!("{:016x}", storydup::hash::hash_bytes(&std::fs::read(&a).unwrap(), 0));
    assert_eq!(
        out[0],
        format!(
            "different input: {} is not the input the run read: summary.json records {} ({} bytes, 700 records, xxh3 {a_hash}); verify read {} ({} bytes, 650 records, xxh3 {:016x})",
            b.display(),
            a.display(),
            thousands(std::fs::metadata(&a).unwrap().len()),
            b.display(),
            thousands(std::fs::metadata(&b).unwrap().len()),
            storydup::hash::hash_bytes(&std::fs::read(&b).unwrap(), 0),
        )
    );
    // 650 input records lost, 700 kept records not in the input, summary's input count, and the
    // input itself: 1,352 problems, the first 1,000 shown.
    assert_eq!(out.len(), 1000 + 2, "{}", runs[0].stdout);
    assert_eq!(out[1000], "1,352 problems; the first 1,000 shown");
    assert_eq!(
        out[1001],
        "FAILED: 650 input records; the outputs hold 700 = 700 kept + 0 removed + 0 rejected"
    );
    runs[0].stderr_has(&["1,352 problems; the first 1,000 shown: the outputs do not account for the input, which is not the one the run read"]);
    // Lines in numeric order: b.jsonl:9 before b.jsonl:10, then kept.jsonl:1, 2, ...
    let prefix = format!("{}:", b.display());
    let b_lines_seen: Vec<u64> = out[1..651]
        .iter()
        .map(|l| {
            l.strip_prefix(&prefix)
                .unwrap()
                .split(':')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    assert_eq!(b_lines_seen, (1..=650).collect::<Vec<u64>>());
    assert_eq!(out[651], "kept.jsonl:1: \"a0\" is not in the input");
    assert_eq!(out[999], "kept.jsonl:349: \"a348\" is not in the input");
}

#[test]
fn issue_16_summary_records_the_inputs_and_verify_rereads_them() {
    let env = Env::new();
    let dir = env.dir.path();
    let lines = seed_corpus("v", 60 << 10, 1, false);
    let bytes = join_lines(&lines);
    env.write("a.jsonl", &bytes);
    let gz = gzip(&bytes);
    env.write("b.jsonl.gz", &gz);
    let hex = |b: &[u8]| format!("{:016x}", storydup::hash::hash_bytes(b, 0));

    storydup_in(dir, ["dedup", "a.jsonl", "--out", "out-a"], None).ok();
    let o = Outputs::read(&dir.join("out-a"));
    assert_eq!(
        o.summary["inputs"],
        json!([{"path": "a.jsonl", "bytes": bytes.len(), "records": lines.len(), "xxh3": hex(&bytes)}])
    );
    storydup_in(dir, ["verify", "out-a"], None).verified();
    // From another folder the relative path is not there, and verify says why.
    let sub = env.path("sub");
    std::fs::create_dir(&sub).unwrap();
    storydup_in(&sub, ["verify", "../out-a"], None)
        .user_error()
        .stderr_has(&[
            "records the input a.jsonl, which is not there (a relative path is relative to the folder dedup ran in",
            "storydup verify ../out-a INPUT...",
        ]);
    // Named another way, the same file is the same input.
    storydup_in(&sub, ["verify", "../out-a", "../a.jsonl"], None).verified();

    // Compressed: the bytes as stored.
    storydup_in(
        dir,
        ["dedup", "b.jsonl.gz", "a.jsonl", "--out", "out-b", "--on-error", "skip"],
        None,
    )
    .ok();
    let o = Outputs::read(&dir.join("out-b"));
    assert_eq!(o.summary["inputs"][0]["bytes"], gz.len());
    assert_eq!(o.summary["inputs"][0]["xxh3"], hex(&gz));
    assert_eq!(o.summary["inputs"][1]["records"], lines.len());
    storydup_in(dir, ["verify", "out-b"], None).verified();

    // A folder: its files' sizes summed, one hash over them.
    std::fs::create_dir(dir.join("folder")).unwrap();
    std::fs::copy(dir.join("a.jsonl"), dir.join("folder/a.jsonl")).unwrap();
    env.write("folder/t.txt", seed(4));
    storydup_in(dir, ["dedup", "folder", "--out", "out-f"], None).ok();
    let o = Outputs::read(&dir.join("out-f"));
    let f = &o.summary["inputs"][0];
    assert_eq!(f["path"], "folder");
    assert_eq!(f["records"], lines.len() + 1);
    assert_eq!(f["bytes"], bytes.len() + seed(4).len());
    assert_eq!(f["xxh3"].as_str().unwrap().len(), 16);
    storydup_in(dir, ["verify", "out-f"], None).verified();
    // The same folder named another way is the same input.
    storydup_in(dir, ["verify", "out-f", "./folder"], None).verified();

    // Standard input: recorded as "-", and verify needs the bytes again.
    storydup_in(dir, ["dedup", "-", "--out", "out-s"], Some(bytes.clone())).ok();
    let o = Outputs::read(&dir.join("out-s"));
    assert_eq!(o.summary["inputs"][0]["path"], "-");
    assert_eq!(o.summary["inputs"][0]["xxh3"], hex(&bytes));
    storydup_in(dir, ["verify", "out-s"], None)
        .user_error()
        .stderr_has(&["the run read standard input", "storydup verify out-s - < FILE"]);
    storydup_in(dir, ["verify", "out-s", "-"], Some(bytes.clone())).verified();

    // The input changed since the run: said first.
    let mut grown = bytes.clone();
    grown.extend_from_slice((Doc::new("late", seed(2)).line() + "\n").as_bytes());
    env.write("a.jsonl", &grown);
    let run = storydup_in(dir, ["verify", "out-a"], None).user_error();
    assert!(
        run.stdout
            .starts_with("different input: a.jsonl has changed since the run: summary.json records a.jsonl ("),
        "{}",
        run.stdout
    );

    // An older summary.json without inputs: verify needs them named, and does not compare them.
    env.write("a.jsonl", &bytes);
    let summary = dir.join("out-a/summary.json");
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("inputs");
    std::fs::write(&summary, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    storydup_in(dir, ["verify", "out-a"], None).user_error().stderr_has(&[
        "does not record the inputs of the run",
        "storydup verify out-a INPUT...",
    ]);
    storydup_in(dir, ["verify", "out-a", "a.jsonl"], None).verified();
}

// ---------------------------------------------------------------------------------------------
// Help, the README, plurals.

#[test]
fn issue_16_every_help_ends_with_examples_that_run() {
    let env = Env::new();
    let dir = first_hour_folder(&env);
    // In an order where each example finds what the earlier ones made.
    for sub in [&["dedup"][..], &["verify"], &["stories"], &["eval"], &["params"], &[]] {
        for line in examples(sub) {
            let run = run_line(&dir, &line);
            assert_eq!(run.code, 0, "`{line}` failed:\n{}", run.stderr);
        }
    }
    assert!(dir.join("news.html").exists() && dir.join("report.json").exists());
}

#[test]
fn issue_16_the_readme_commands_run() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(
        readme.contains("cargo install --path ."),
        "the README says how to install the command"
    );
    assert!(
        readme.contains("storydup params"),
        "the README documents `storydup params`"
    );
    let env = Env::new();
    let dir = first_hour_folder(&env);
    let mut ran = 0;
    let mut in_sh = false;
    for line in readme.lines() {
        match line.trim() {
            "```sh" => in_sh = true,
            "```" => in_sh = false,
            l if in_sh && l.starts_with("storydup ") => {
                let command = l.split(" #").next().unwrap().trim();
                let run = run_line(&dir, command);
                assert_eq!(run.code, 0, "README: `{command}` failed:\n{}", run.stderr);
                ran += 1;
            }
            _ => {}
        }
    }
    assert!(ran >= 3, "the README shows storydup commands in ```sh blocks");
}

#[test]
fn issue_16_counts_are_in_the_right_number() {
    let env = Env::new();
    let (input, _) = env.write_docs("one.jsonl", &[Doc::new("only", seed(0))]);
    dedup(&[&input], &env.out(), &[])
        .ok()
        .stderr_has(&["storydup: 1 record: 1 kept, 0 removed in 0 clusters, 0 rejected"]);
    let run = verify(&env.out(), &[&input], None).verified();
    assert_eq!(run.stdout, "ok: 1 input record = 1 kept + 0 removed + 0 rejected\n");
    let run = storydup([OsString::from("stories"), input.clone().into_os_string()], None).ok();
    run.stderr_has(&["storydup: 1 article in "]);
    assert!(run.stdout.starts_with("1 article, 1 story "), "{}", run.stdout);
    assert!(run.stdout.contains("\n  1 article · "), "{}", run.stdout);
    let html = storydup(
        [
            OsString::from("stories"),
            input.into_os_string(),
            "-f".into(),
            "html".into(),
        ],
        None,
    )
    .ok();
    assert!(html
        .stdout
        .contains("<h1>Stories: 1 article, 1 story, 0 syndication groups</h1>"));
}

#[test]
fn issue_16_params_is_documented() {
    let help = storydup(["params", "--help"], None).ok().stdout;
    assert!(help.contains("summary.json") && help.contains("--num-perm"), "{help}");
    let dedup_help = storydup(["dedup", "--help"], None).ok().stdout;
    assert!(dedup_help.contains("`storydup params`"), "{dedup_help}");
    let params: Value = serde_json::from_str(&storydup(["params"], None).ok().stdout).unwrap();
    assert_eq!(params["missing_id"], "place");
    assert_eq!(params["id_field"], "id");
}

#[test]
fn issue_16_eval_help_says_it_reads_a_stories_report() {
    let help = storydup(["eval", "--help"], None).ok().stdout;
    assert!(help.contains("storydup stories JSON report"), "{help}");
}

// ---------------------------------------------------------------------------------------------
// Benchmark and evaluation scripts.

#[test]
fn issue_16_scripts_say_what_the_kit_is_when_it_is_missing() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let missing = "/nonexistent/storydup-kit";
    let python = std::process::Command::new("python3").arg("--version").output().is_ok();
    let mut scripts: Vec<Vec<&str>> = vec![
        vec!["bash", "benches/compare.sh"],
        vec!["bash", "benches/quality.sh"],
        vec!["bash", "benches/scaling.sh"],
        vec!["bash", "benches/stories_scale.sh"],
    ];
    if python {
        scripts.push(vec!["python3", "scripts/stories_eval.py"]);
        scripts.push(vec!["python3", "scripts/real_data.py"]);
    }
    for (var, script) in scripts
        .iter()
        .flat_map(|s| [("STORYDUP_SHARED", s.clone()), ("SHARED", s.clone())])
    {
        let out = std::process::Command::new(script[0])
            .args(&script[1..])
            .current_dir(root)
            .env_remove("STORYDUP_SHARED")
            .env_remove("SHARED")
            .env(var, missing)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{script:?} with {var}: {stderr}");
        for says in [
            "the shared benchmark kit is not there: there is no folder /nonexistent/storydup-kit",
            "make_corpus.py",
            "data/",
            "STORYDUP_SHARED",
            "PyPI",
        ] {
            assert!(
                stderr.contains(says),
                "{script:?} with {var} does not say {says:?}:\n{stderr}"
            );
        }
    }
}

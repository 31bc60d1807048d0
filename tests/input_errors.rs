//! Bad input: under the default `--on-error stop`, exit code 2 and a message naming file:line,
//! what was wrong and what to do (and no outputs); under `--on-error skip`, exit 0 and a
//! rejected.jsonl line with the reason, the other records processed as usual.

use std::io::Write;
use std::path::Path;

use serde_json::Value;

use crate::util::*;

/// One bad line among good ones.
struct Case {
    /// The bad line's bytes (no line end).
    bad: Vec<u8>,
    /// `kind` in rejected.jsonl.
    kind: &'static str,
    /// `id` in rejected.jsonl (null when the record's id could not be read).
    id: Option<&'static str>,
    /// Phrases the message must hold, in stderr and in the rejected reason.
    says: Vec<String>,
    /// Extra arguments.
    args: Vec<&'static str>,
    /// Whether the good records are short (the first 60 words of three reports, not all of them).
    short: bool,
}

impl Case {
    fn new(bad: impl Into<Vec<u8>>, kind: &'static str, says: &[&str]) -> Case {
        Case {
            bad: bad.into(),
            kind,
            id: None,
            says: says.iter().map(|s| s.to_string()).collect(),
            args: Vec::new(),
            short: false,
        }
    }
}

/// Writes good, good, BAD, good (line 3 is bad) and checks both error policies.
fn check(case: Case) {
    let env = Env::new();
    let s = seeds();
    let text = |i: usize| if case.short { head(&s[i].1, 60) } else { s[i].1.clone() };
    let good: Vec<String> = [("g1", 0), ("g2", 1), ("g4", 2)]
        .iter()
        .map(|&(id, i)| Doc::new(id, text(i)).line())
        .collect();
    let mut bytes = Vec::new();
    for l in &good[..2] {
        bytes.extend_from_slice(l.as_bytes());
        bytes.push(b'\n');
    }
    let bad_offset = bytes.len() as u64;
    bytes.extend_from_slice(&case.bad);
    bytes.push(b'\n');
    bytes.extend_from_slice(good[2].as_bytes());
    bytes.push(b'\n');
    let input = env.write("in.jsonl", &bytes);
    let at = format!("{}:3:", input.display());

    // Stop: exit 2, file:line, what was wrong, what to do; no outputs.
    let run = dedup(&[&input], &env.out(), &case.args).user_error();
    run.stderr_has(&[&at, "--on-error skip"]);
    for say in &case.says {
        run.stderr_has(&[say]);
    }
    assert!(
        !env.out().join("summary.json").exists(),
        "a failed run must not look complete"
    );
    assert!(!env.out().join("kept.jsonl").exists(), "a failed run writes no outputs");

    // Skip: exit 0, one rejected line with the reason, the rest as usual.
    let out = env.path("skip");
    let mut args = case.args.clone();
    args.extend(["--on-error", "skip"]);
    dedup(&[&input], &out, &args).ok();
    let o = Outputs::read(&out);
    assert_eq!(o.rejected.len(), 1, "{:?}", o.rejected);
    let r = &o.rejected[0];
    assert_eq!(r["file"], input.display().to_string());
    assert_eq!(r["line"], 3);
    assert_eq!(r["byte_offset"], bad_offset);
    assert_eq!(r["kind"], case.kind, "{r}");
    assert_eq!(r["id"], case.id.map_or(Value::Null, Value::from), "{r}");
    let reason = r["reason"].as_str().unwrap();
    for say in &case.says {
        assert!(reason.contains(say.as_str()), "reason {reason:?} lacks {say:?}");
    }
    assert_eq!(
        o.kept_bytes,
        join_lines(&good),
        "the good records are kept as they were"
    );
    assert_eq!(o.summary["input"], 4);
}

#[test]
fn malformed_json() {
    check(Case::new(
        r#"{"id":"bad","text":"Ukrainian forces launched}"#,
        "malformed_json",
        &["malformed JSON at column", "each line must be one JSON object"],
    ));
}

#[test]
fn truncated_json_object() {
    check(Case::new(
        r#"{"id":"t","text":"Kursk"#,
        "malformed_json",
        &["malformed JSON"],
    ));
}

#[test]
fn invalid_utf8_in_the_middle_of_a_line() {
    let mut bad = br#"{"id":"latin1","text":"Andr"#.to_vec();
    let at = bad.len();
    bad.extend_from_slice(b"\xe9 Ballin and G\xfcnther Chalupa, Bloomberg News\"}");
    check(Case::new(
        bad,
        "invalid_utf8",
        &[
            &format!("invalid UTF-8 at byte {at} of the record"),
            "re-encode the input as UTF-8",
        ],
    ));
}

#[test]
fn missing_text_field() {
    check(Case::new(
        r#"{"id":"no-text","body":"Ukraine launches new offensive"}"#,
        "missing_text",
        &["no \"text\" field", "--text-field"],
    ));
}

#[test]
fn text_field_is_a_number() {
    check(Case::new(
        r#"{"id":"num","text":20250105}"#,
        "bad_text",
        &["\"text\" is a number", "store the text as a JSON string"],
    ));
}

#[test]
fn text_field_is_null() {
    check(Case::new(
        r#"{"id":"null","text":null}"#,
        "bad_text",
        &["\"text\" is null"],
    ));
}

#[test]
fn missing_id_when_the_id_field_is_named() {
    // Without --id-field such a record is known by its place (tests/first_hour.rs); naming the
    // field says every record has it.
    let mut c = Case::new(
        r#"{"text":"Ukraine launches new offensive in Russia's Kursk region"}"#,
        "missing_id",
        &["no \"id\" field, which --id-field names", "leave out --id-field"],
    );
    c.args = vec!["--id-field", "id"];
    check(c);
}

#[test]
fn id_of_a_wrong_type() {
    check(Case::new(
        r#"{"id":1.5,"text":"Ukraine launches new offensive"}"#,
        "bad_id",
        &["\"id\" is a fractional number"],
    ));
}

#[test]
fn duplicate_id_points_at_the_first() {
    // Line 3 reuses the id of line 1 (check() names the file in.jsonl).
    let mut c = Case::new(
        Doc::new("g1", seed(3)).line(),
        "duplicate_id",
        &[
            "id \"g1\" was already used at ",
            "in.jsonl:1; give every record a unique id",
        ],
    );
    c.id = Some("g1");
    check(c);
}

#[test]
fn duplicate_id_across_files_names_the_other_file() {
    let env = Env::new();
    let s = seeds();
    let (a, _) = env.write_docs(
        "first.jsonl",
        &[Doc::new("x", s[0].1.clone()), Doc::new("dup", s[1].1.clone())],
    );
    let (b, _) = env.write_docs(
        "second.jsonl",
        &[Doc::new("y", s[2].1.clone()), Doc::new("dup", s[3].1.clone())],
    );
    let run = dedup(&[&a, &b], &env.out(), &[]).user_error();
    run.stderr_has(&[
        &format!("{}:2:", b.display()),
        &format!("id \"dup\" was already used at {}:2", a.display()),
    ]);
}

#[test]
fn document_over_max_doc_bytes() {
    let big = Doc::new("long", seed(3)).line();
    let len = big.len();
    assert!(len > 1000);
    let mut c = Case::new(
        big,
        "too_large",
        &[
            &format!("record is {len} bytes, over the limit of 1000 bytes"),
            "raise --max-doc-bytes",
        ],
    );
    c.args = vec!["--max-doc-bytes", "1000"];
    c.short = true;
    check(c);
}

#[test]
fn json_values_that_are_not_objects() {
    for bad in [
        r#"["id","text"]"#,
        r#""Ukraine launches new offensive""#,
        "42",
        "null",
        "true",
    ] {
        check(Case::new(
            bad,
            "not_an_object",
            &["valid JSON but not an object", "each line must be one JSON object"],
        ));
    }
}

#[test]
fn nul_bytes_in_a_line() {
    // A raw NUL inside the text string, and a line of NUL padding (as a crash leaves behind).
    check(Case::new(
        b"{\"id\":\"nul\",\"text\":\"Kursk\0region\"}".to_vec(),
        "malformed_json",
        &["malformed JSON at column 26"], // the 1-based column of the NUL
    ));
    check(Case::new(
        vec![0u8; 64],
        "malformed_json",
        &["malformed JSON at column 1"],
    ));
}

#[test]
fn bad_txt_files_in_a_folder() {
    // A binary file (NUL bytes), an empty file, a file over the limit and one not UTF-8, among
    // good ones; each is named by its path, and its id (the relative path) is in rejected.jsonl.
    let env = Env::new();
    let dir = env.path("docs");
    env.write("docs/a.txt", seed(0));
    env.write(
        "docs/b.bin.txt",
        b"\x7fELF\x02\x01\x01\0\0\0\0\0 binary Ukraine Kursk region words here",
    );
    env.write("docs/c.txt", "");
    env.write("docs/d.txt", seed(1));
    env.write("docs/long/e.txt", seed(3));
    env.write(
        "docs/latin1.txt",
        b"Andr\xe9 Ballin and G\xfcnther Chalupa, Bloomberg News",
    );
    let args = ["--max-doc-bytes", "5000"];
    assert!(seed(3).len() > 5000 && seed(0).len() < 5000 && seed(1).len() < 5000);

    let run = dedup(&[&dir], &env.out(), &args).user_error();
    run.stderr_has(&[&format!("{}:1:", dir.join("b.bin.txt").display()), "NUL bytes"]);

    let out = env.path("skip");
    dedup(&[&dir], &out, &[args[0], args[1], "--on-error", "skip"]).ok();
    let o = Outputs::read(&out);
    // The empty file is a record without words: kept, never matched, counted as empty.
    assert_eq!(o.kept_ids(), ["a.txt", "c.txt", "d.txt"]);
    assert_eq!(o.summary["empty"], 1);
    let rej: Vec<(String, String, u64)> = o
        .rejected
        .iter()
        .map(|r| {
            (
                id_of(&r["id"]),
                r["kind"].as_str().unwrap().to_string(),
                r["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("b.bin.txt", "binary"),
        ("latin1.txt", "invalid_utf8"),
        ("long/e.txt", "too_large"),
    ]
    .map(|(id, kind)| (id.to_string(), kind.to_string(), 1));
    assert_eq!(rej, expected, "{:?}", o.rejected);
    assert_eq!(o.rejected[2]["file"], dir.join("long/e.txt").display().to_string());
}

#[test]
fn a_failed_run_leaves_the_previous_outputs_intact() {
    let env = Env::new();
    let s = seeds();
    let (good, _) = env.write_docs(
        "good.jsonl",
        &[Doc::new("a", s[0].1.clone()), Doc::new("b", s[0].1.clone())],
    );
    dedup(&[&good], &env.out(), &[]).ok();
    let before: Vec<Vec<u8>> = [
        "kept.jsonl",
        "removed.jsonl",
        "clusters.jsonl",
        "rejected.jsonl",
        "summary.json",
    ]
    .iter()
    .map(|f| std::fs::read(env.out().join(f)).unwrap())
    .collect();
    let bad = env.write(
        "bad.jsonl",
        format!("{}\n{{\"id\":\"x\"\n", Doc::new("c", s[1].1.clone()).line()),
    );
    dedup(&[&bad], &env.out(), &[]).user_error();
    let after: Vec<Vec<u8>> = [
        "kept.jsonl",
        "removed.jsonl",
        "clusters.jsonl",
        "rejected.jsonl",
        "summary.json",
    ]
    .iter()
    .map(|f| std::fs::read(env.out().join(f)).unwrap())
    .collect();
    assert!(before == after, "a failed run changed the outputs of the previous one");
    let n = std::fs::read_dir(env.out()).unwrap().count();
    assert_eq!(n, 5, "no temporary or spool files are left behind");
}

#[test]
fn a_missing_input_file_is_named() {
    let env = Env::new();
    let missing = env.path("nope.jsonl");
    dedup(&[&missing], &env.out(), &[])
        .user_error()
        .stderr_has(&[&missing.display().to_string(), "check that the file exists"]);
}

/// Streams a file of good lines around one line of `size` bytes, without holding it in memory.
fn write_huge(path: &Path, size: usize) -> Vec<String> {
    let s = seeds();
    let good: Vec<String> = (0..3)
        .map(|i| Doc::new(format!("g{i}"), s[i].1.clone()).line())
        .collect();
    let f = std::fs::File::create(path).unwrap();
    let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
    writeln!(w, "{}", good[0]).unwrap();
    writeln!(w, "{}", good[1]).unwrap();
    let prefix = br#"{"id":"huge","text":""#;
    w.write_all(prefix).unwrap();
    let sentence = b"Ukrainian forces have launched a major new attack in Russia's western Kursk region. ";
    let body = size - prefix.len() - 2;
    let block: Vec<u8> = sentence.iter().copied().cycle().take(1 << 20).collect();
    let mut left = body;
    while left > 0 {
        let n = left.min(block.len());
        w.write_all(&block[..n]).unwrap();
        left -= n;
    }
    w.write_all(b"\"}\n").unwrap();
    writeln!(w, "{}", good[2]).unwrap();
    w.flush().unwrap();
    good
}

#[test]
fn a_1_gb_line_is_rejected_without_holding_it() {
    let env = Env::new();
    let input = env.path("huge.jsonl");
    let size = 1 << 30;
    let good = write_huge(&input, size);

    let run = dedup(&[&input], &env.out(), &[]).user_error();
    run.stderr_has(&[
        &format!("{}:3:", input.display()),
        &format!("record is {size} bytes, over the limit of 16777216 bytes"),
        "--max-doc-bytes",
    ]);

    let out = env.path("skip");
    dedup(&[&input], &out, &["--on-error", "skip"]).ok();
    let o = Outputs::read(&out);
    assert_eq!(
        o.kept_bytes,
        join_lines(&good),
        "the lines around it are read, line numbers intact"
    );
    assert_eq!(o.rejected_kinds(), [(3, "too_large".to_string())]);
    let rss = o.summary["peak_rss_bytes"].as_u64().unwrap();
    assert!(rss > 0, "peak_rss_bytes is measured on Linux");
    // Streaming needs about max-doc-bytes plus a few 4 MiB chunks (25 MB when measured); holding
    // the line would need more than its 1 GiB. The bound sits far below.
    assert!(
        rss < 80 << 20,
        "peak RSS {rss} bytes: the 1 GiB line was held in memory"
    );
}

#[test]
fn a_1_gb_line_is_truncated_when_asked_without_holding_it() {
    let env = Env::new();
    let input = env.path("huge.jsonl");
    let good = write_huge(&input, 1 << 30);
    let out = env.path("out");
    // Memory follows --max-doc-bytes (what is kept of the text), not the line.
    dedup(
        &[&input],
        &out,
        &["--oversized", "truncate", "--max-doc-bytes", "1048576"],
    )
    .ok();
    let summary: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["kept"], 4, "{summary}");
    assert_eq!(summary["truncated"], 1);
    // Kept whole: every line of the input, in order, byte for byte.
    let kept = out.join("kept.jsonl");
    assert_eq!(
        std::fs::metadata(&kept).unwrap().len(),
        std::fs::metadata(&input).unwrap().len()
    );
    let mut head = vec![0u8; join_lines(&good[..2]).len()];
    std::io::Read::read_exact(&mut std::fs::File::open(&kept).unwrap(), &mut head).unwrap();
    assert_eq!(head, join_lines(&good[..2]));
    let rss = summary["peak_rss_bytes"].as_u64().unwrap();
    assert!(
        rss < 80 << 20,
        "peak RSS {rss} bytes: the 1 GiB line was held in memory"
    );
    verify(&out, &[&input], None).verified();
}

#[test]
fn a_run_over_max_memory_stops_early_with_a_message_and_no_outputs() {
    let env = Env::new();
    // 4,000 records of about 376 bytes each (at 128 permutations) are 1.4 MiB: over a 1 MiB limit.
    let lines: String = (0..4000)
        .map(|i| format!("{{\"id\":\"r{i:07}\",\"text\":\"record number {i} of a long list\"}}\n"))
        .collect();
    let input = env.write("many.jsonl", lines);
    let out = env.path("out");
    dedup(&[&input], &out, &["--max-memory", "1M"])
        .user_error()
        .stderr_has(&["max-memory", "1 MiB", "many.jsonl:", "raise --max-memory"]);
    assert!(!out.join("summary.json").exists(), "no result for a run that stopped");
    // The same input under a limit it fits in, given with a suffix, runs; so does one in bytes.
    dedup(&[&input], &env.path("out-4m"), &["--max-memory", "4M"]).ok();
    dedup(&[&input], &env.path("out-bytes"), &["--max-memory", "4194304"]).ok();
    for bad in ["lots", "8X", "99999999999T"] {
        dedup(&[&input], &env.path("out-bad"), &["--max-memory", bad])
            .user_error()
            .stderr_has(&[bad]);
    }
}

//! Every way input arrives: CRLF line ends, a UTF-8 byte order mark, empty files, folders of
//! `.txt` files, standard input, gzip and zstd (detected by content, not name), and truncated
//! compressed streams (an error naming the file, never a panic).

use crate::util::*;

/// Three reports and a copy of the first, as JSONL lines.
fn corpus_lines() -> Vec<String> {
    let s = seeds();
    vec![
        Doc::new("r0", s[0].1.clone()).line(),
        Doc::new("r1", s[1].1.clone()).line(),
        Doc::new("r0-copy", s[0].1.clone()).line(),
        Doc::new("r3", s[3].1.clone()).line(),
    ]
}

/// The kept.jsonl of [`corpus_lines`]: every line but the copy, byte for byte.
fn kept_of(lines: &[String]) -> Vec<u8> {
    join_lines(&[lines[0].clone(), lines[1].clone(), lines[3].clone()])
}

#[test]
fn crlf_line_ends_are_accepted() {
    let env = Env::new();
    let mut lines = corpus_lines();
    lines.insert(2, r#"{"id":"bad","text":7}"#.to_string());
    let bytes = lines.iter().map(|l| format!("{l}\r\n")).collect::<String>();
    let input = env.write("crlf.jsonl", &bytes);
    dedup(&[&input], &env.out(), &["--on-error", "skip"]).ok();
    let o = Outputs::read(&env.out());
    lines.remove(2);
    assert_eq!(o.kept_bytes, kept_of(&lines), "kept lines lose the \\r, nothing else");
    assert_eq!(o.removed_ids(), ["r0-copy"]);
    // Line numbers and byte offsets count the \r\n.
    let r = &o.rejected[0];
    assert_eq!((r["line"].as_u64(), r["kind"].as_str()), (Some(3), Some("bad_text")));
    assert_eq!(r["byte_offset"], lines[0].len() + lines[1].len() + 4);
}

#[test]
fn utf8_byte_order_mark_is_accepted() {
    let env = Env::new();
    let lines = corpus_lines();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(join_lines(&lines));
    let input = env.write("bom.jsonl", &bytes);
    dedup(&[&input], &env.out(), &[]).ok();
    let o = Outputs::read(&env.out());
    assert_eq!(
        o.kept_ids(),
        ["r0", "r1", "r3"],
        "the first record's id is read despite the BOM"
    );
    assert_eq!(o.kept_bytes, kept_of(&lines), "the BOM is not copied into kept.jsonl");

    // Offsets still count the BOM, so they point into the file as it is.
    let bad = [b"\xEF\xBB\xBF".as_slice(), lines[0].as_bytes(), b"\n[1]\n"].concat();
    let input = env.write("bom-bad.jsonl", &bad);
    let out = env.path("bad");
    dedup(&[&input], &out, &["--on-error", "skip"]).ok();
    let r = &Outputs::read(&out).rejected[0];
    assert_eq!(
        (r["line"].as_u64(), r["kind"].as_str()),
        (Some(2), Some("not_an_object"))
    );
    assert_eq!(r["byte_offset"], 3 + lines[0].len() + 1);
}

#[test]
fn bom_and_crlf_together_in_jsonl_and_txt() {
    let env = Env::new();
    let lines = corpus_lines();
    let bytes = format!(
        "\u{feff}{}",
        lines.iter().map(|l| format!("{l}\r\n")).collect::<String>()
    );
    let input = env.write("both.jsonl", &bytes);
    let text = seed(2).replace('\n', "\r\n");
    let txt = env.write("docs/report.txt", format!("\u{feff}{text}"));
    dedup(&[&input, &txt], &env.out(), &[]).ok();
    let o = Outputs::read(&env.out());
    assert_eq!(o.kept_ids(), ["r0", "r1", "r3", "report.txt"]);
    let kept_text = o.kept[3]["text"].as_str().unwrap();
    assert_eq!(kept_text, text, "a .txt record is its text without the BOM");
}

#[test]
fn an_empty_file_is_an_empty_corpus() {
    let env = Env::new();
    let empty = env.write("empty.jsonl", "");
    let blank = env.write("blank.jsonl", "\n\r\n   \n\t\n");
    for input in [&empty, &blank] {
        let out = env.path(&format!("out-{}", input.file_stem().unwrap().to_string_lossy()));
        dedup(&[input], &out, &[]).ok();
        let o = Outputs::read(&out);
        assert_eq!(o.summary["input"], 0, "blank lines are not records");
        assert!(o.kept_bytes.is_empty() && o.removed.is_empty() && o.rejected.is_empty());
    }
    // Next to a real file, an empty one changes nothing.
    let lines = corpus_lines();
    let input = env.write_lines("in.jsonl", &lines);
    dedup(&[&empty, &input, &empty], &env.out(), &[]).ok();
    assert_eq!(Outputs::read(&env.out()).kept_bytes, kept_of(&lines));
}

#[test]
fn a_folder_of_txt_files_has_relative_paths_as_ids() {
    let env = Env::new();
    let s = seeds();
    env.write("corpus/a.txt", &s[0].1);
    env.write("corpus/more.jsonl", Doc::new("j1", s[1].1.clone()).line() + "\n");
    env.write("corpus/notes.md", "# not read");
    env.write("corpus/sub/b.TXT", &s[2].1);
    env.write("corpus/sub/deeper/copy-of-a.txt", &s[0].1);
    env.write("corpus/sub/deeper/z.txt", &s[3].1);
    let dir = env.path("corpus");
    dedup(&[&dir], &env.out(), &[]).ok();
    let o = Outputs::read(&env.out());
    assert_eq!(o.kept_ids(), ["a.txt", "j1", "sub/b.TXT", "sub/deeper/z.txt"]);
    assert_eq!(o.removed_ids(), ["sub/deeper/copy-of-a.txt"]);
    assert_eq!(o.removal("sub/deeper/copy-of-a.txt")["duplicate_of"], "a.txt");
    assert_eq!(
        o.kept[0]["text"],
        s[0].1.as_str(),
        "a .txt record is kept as {{id, text}}"
    );
    assert_eq!(o.kept[1], serde_json::json!({"id": "j1", "text": s[1].1}));
    assert_eq!(o.summary["skipped_files"], 1, "notes.md is passed over and counted");

    // A .txt file named directly has its file name as id.
    let out = env.path("one");
    dedup(&[&dir.join("sub/deeper/z.txt")], &out, &[]).ok();
    assert_eq!(Outputs::read(&out).kept_ids(), ["z.txt"]);
}

#[test]
fn standard_input() {
    let env = Env::new();
    let lines = corpus_lines();
    dedup_stdin(join_lines(&lines), &env.out(), &[]).ok();
    let o = Outputs::read(&env.out());
    assert_eq!(o.kept_bytes, kept_of(&lines));
    assert_eq!(o.removal("r0-copy")["duplicate_of"], "r0");

    // Errors on standard input are named "-".
    let mut bad = lines.clone();
    bad.insert(1, "{oops".into());
    dedup_stdin(join_lines(&bad), &env.path("bad"), &[])
        .user_error()
        .stderr_has(&["-:2: malformed JSON"]);
}

#[test]
fn gzip_input_by_name_and_by_content() {
    let env = Env::new();
    let lines = corpus_lines();
    let gz = gzip(&join_lines(&lines));
    for name in ["in.jsonl.gz", "misnamed.jsonl", "no-extension"] {
        let input = env.write(name, &gz);
        let out = env.path(&format!("out-{name}"));
        dedup(&[&input], &out, &[]).ok();
        let o = Outputs::read(&out);
        assert_eq!(
            o.kept_bytes,
            kept_of(&lines),
            "{name}: kept lines are the decompressed lines"
        );
        assert_eq!(o.removed_ids(), ["r0-copy"], "{name}");
        assert_eq!(o.summary["input_bytes"], join_lines(&lines).len(), "{name}");
    }
    // gzip on standard input, and several gzip members one after another.
    dedup_stdin(gz.clone(), &env.path("stdin"), &[]).ok();
    assert_eq!(Outputs::read(&env.path("stdin")).kept_bytes, kept_of(&lines));
    let members = [gzip(&join_lines(&lines[..2])), gzip(&join_lines(&lines[2..]))].concat();
    let input = env.write("members.gz", &members);
    dedup(&[&input], &env.path("members"), &[]).ok();
    assert_eq!(Outputs::read(&env.path("members")).kept_bytes, kept_of(&lines));
}

#[test]
fn zstd_input_by_name_and_by_content() {
    let env = Env::new();
    let lines = corpus_lines();
    let zst = zstd(&join_lines(&lines));
    for name in ["in.jsonl.zst", "misnamed.jsonl"] {
        let input = env.write(name, &zst);
        let out = env.path(&format!("out-{name}"));
        dedup(&[&input], &out, &[]).ok();
        let o = Outputs::read(&out);
        assert_eq!(o.kept_bytes, kept_of(&lines), "{name}");
        assert_eq!(o.removed_ids(), ["r0-copy"], "{name}");
    }
    // Compressed files inside a folder are read too.
    env.write("dir/a.jsonl.zst", zstd(&join_lines(&lines[..2])));
    env.write("dir/b.jsonl.gz", gzip(&join_lines(&lines[2..])));
    dedup(&[&env.path("dir")], &env.path("dir-out"), &[]).ok();
    assert_eq!(Outputs::read(&env.path("dir-out")).kept_bytes, kept_of(&lines));
}

#[test]
fn a_bad_line_inside_compressed_input_is_located() {
    let env = Env::new();
    let mut lines = corpus_lines();
    lines.insert(3, r#"{"id":"r9"}"#.into());
    let input = env.write("in.jsonl.gz", gzip(&join_lines(&lines)));
    dedup(&[&input], &env.out(), &[])
        .user_error()
        .stderr_has(&[&format!("{}:4: no \"text\" field", input.display())]);
    dedup(&[&input], &env.path("skip"), &["--on-error", "skip"]).ok();
    let o = Outputs::read(&env.path("skip"));
    let offset: usize = lines[..3].iter().map(|l| l.len() + 1).sum();
    assert_eq!(
        o.rejected[0]["byte_offset"], offset,
        "offsets are in the decompressed stream"
    );
}

/// Sixty distinct reports (no two are duplicates).
fn distinct_lines() -> Vec<String> {
    let s = seeds();
    (0..60)
        .map(|k| {
            let text = &s[k % 5].1;
            Doc::new(format!("d{k}"), change_words(text, words(text) / 6, k)).line()
        })
        .collect()
}

/// A stream cut short: stop gives exit 2 naming the file; skip rejects the rest of the file
/// and keeps the records before the cut, as the input lines they are.
fn check_truncated(name: &str, compress: fn(&[u8]) -> Vec<u8>, what: &str) {
    let env = Env::new();
    let lines = distinct_lines();
    // Two frames (members); the second is cut in its middle, so the whole first one is readable.
    let first = compress(&join_lines(&lines[..30]));
    let second = compress(&join_lines(&lines[30..]));
    let input = env.write(name, [&first[..], &second[..second.len() / 2]].concat());
    dedup(&[&input], &env.out(), &[])
        .user_error()
        .stderr_has(&[&input.display().to_string(), what]);
    assert!(!env.out().join("summary.json").exists());

    let out = env.path("skip");
    dedup(&[&input], &out, &["--on-error", "skip"]).ok();
    let o = Outputs::read(&out);
    assert_eq!(o.rejected.len(), 1, "{:?}", o.rejected);
    assert_eq!(o.rejected[0]["kind"], "unreadable_input");
    assert_eq!(o.rejected[0]["file"], input.display().to_string());
    assert!(o.rejected[0]["reason"].as_str().unwrap().contains(what));
    assert!(o.removed.is_empty());
    let n = o.kept.len();
    assert!((30..lines.len()).contains(&n), "{n} records read before the cut");
    assert_eq!(
        o.kept_bytes,
        join_lines(&lines[..n]),
        "kept is the lines before the cut"
    );
    assert_eq!(o.rejected[0]["line"], n + 1, "the error names the first line not read");
}

#[test]
fn truncated_gzip_is_an_error_not_a_panic() {
    check_truncated("in.jsonl.gz", gzip, "gzip stream is truncated or corrupt");
}

#[test]
fn truncated_zstd_is_an_error_not_a_panic() {
    check_truncated("in.jsonl.zst", zstd, "zstd stream is truncated or corrupt");
}

#[test]
fn gzip_cut_right_after_a_line_end_is_still_an_error() {
    // All the data decompresses, but the stream's end (and its checksum) is missing: records may
    // be missing too, so this must not pass silently.
    let lines = corpus_lines();
    let gz = gzip(&join_lines(&lines));
    let env = Env::new();
    let input = env.write("in.jsonl.gz", &gz[..gz.len() - 8]);
    dedup(&[&input], &env.out(), &[])
        .user_error()
        .stderr_has(&[&input.display().to_string(), "gzip stream is truncated or corrupt"]);
}

#[test]
fn corrupt_gzip_is_an_error_not_a_panic() {
    let lines = corpus_lines();
    let mut gz = gzip(&join_lines(&lines));
    let n = gz.len();
    for b in &mut gz[20..n / 2] {
        *b ^= 0x5a;
    }
    let env = Env::new();
    let input = env.write("in.jsonl.gz", &gz);
    dedup(&[&input], &env.out(), &[])
        .user_error()
        .stderr_has(&[&input.display().to_string(), "gzip stream is truncated or corrupt"]);
    // Just the two magic bytes.
    let input = env.write("magic.gz", [0x1f, 0x8b]);
    dedup(&[&input], &env.path("magic"), &[])
        .user_error()
        .stderr_has(&[&input.display().to_string()]);
}

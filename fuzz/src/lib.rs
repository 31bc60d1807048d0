//! Fuzz harness for the record reader and the normalizer: bytes in, a panic out only when
//! storydup breaks a promise.
//!
//! The same three entry points serve AFL++ (`fuzz/src/bin/*.rs`, run by `scripts/fuzz.sh`) and the
//! seeded mutation test in `tests/hostile_inputs.rs` (which includes this file by path), so the
//! checks are written once. They call storydup's public API only (`corpus::parse`,
//! `corpus::Corpus`, `normalize`); what they add are the promises to check:
//!
//! - [`record`]: one record's bytes, parsed as a JSONL line and as a `.txt` file, with and without
//!   the size limit. Never a panic; a problem has a kind and a message; an accepted line has the id
//!   that `json_id` (used by `verify`) finds in it, and cut down as `--oversized truncate` cuts it
//!   (`cut::Cutter`, fed in pieces), it keeps that id and the start of that text.
//! - [`file`]: the bytes as a whole input file (plain, or gzip/zstd when they start with the magic
//!   bytes), read the way `dedup` reads it, with a large and a tiny `--max-doc-bytes`. Records come
//!   in order, never hold a line end, are never blank, and re-reading each by its offset (as the
//!   verification stage does) gives the same bytes; a small limit changes which records are
//!   oversized, not where records are, whether they are rejected or truncated; a truncated
//!   record's text is the start of its whole text, and re-reading it cuts it the same way.
//! - [`normalizer`]: `normalize` agrees with `words`, no word is empty, and the three paths of the
//!   word scanner (ASCII bytes, NFKC text taken as it is, full NFKC) give the same words.

use std::path::Path;

use storydup::io::cut::Cutter;
use storydup::io::source::jsonl::Jsonl;
use storydup::io::source::txt::Txt;
use storydup::io::source::{self as corpus, Corpus, Fields, Format, Item, Oversized, Reader, Source, Span, Stored};
use storydup::normalize::{normalize, words};
use storydup::params::MissingId;

/// The fields `id` and `text`, a record without an id rejected (as with `--id-field id`): the
/// checks compare ids, so every accepted record must have its own.
fn strict() -> Fields<'static> {
    Fields::new("id", "text", MissingId::Reject)
}

/// Checks one record's bytes as a JSONL line and as a `.txt` file.
///
/// # Panics
/// When a promise is broken (that is the finding).
pub fn record(data: &[u8]) {
    let item = one_record(data.len(), Stored::Whole);
    for format in [&Jsonl as &'static dyn Format, &Txt] {
        let src = source(format);
        // Without an id, a record is known by its place instead; nothing else changes.
        let placed = corpus::parse(
            &src,
            &item,
            data,
            Fields::new("id", "text", MissingId::Place),
            usize::MAX,
        );
        match corpus::parse(&src, &item, data, strict(), usize::MAX) {
            Ok(parsed) => {
                let placed = placed.expect("a record read with its id is read without the rule too");
                assert_eq!(placed.key, parsed.key, "a record with an id lost it");
                if !format.one_record_per_file() {
                    let line = std::str::from_utf8(data).expect("an accepted line is UTF-8");
                    assert_eq!(
                        corpus::json_id(line, "id").as_deref(),
                        Some(&*parsed.key),
                        "verify would read another id than dedup from {line:?}"
                    );
                    for max in [0, 1, 7, 64] {
                        let (key, text) = match cut(data, max) {
                            Ok(got) => got,
                            // The one documented difference: a cut record's id is held to 64 KiB.
                            Err(p) if p.kind == "bad_id" && data.len() > 64 << 10 => continue,
                            Err(p) => panic!("{line:?} cut to {max}: {p:?}"),
                        };
                        assert_eq!(key, parsed.key, "cutting {line:?} to {max} changed the id");
                        assert!(
                            parsed.text.starts_with(&text) && text.len() <= max,
                            "{line:?} cut to {max} gave {text:?}, not the start of its text"
                        );
                    }
                }
                normalizer(parsed.text.as_bytes());
            }
            Err(p) => {
                assert!(
                    !p.kind.is_empty() && !p.message.is_empty(),
                    "a problem without a kind or a message: {p:?}"
                );
                match placed {
                    Ok(placed) => {
                        assert_eq!(p.kind, "missing_id", "only a missing id is forgiven: {p:?}");
                        assert_eq!(placed.key, "fuzz:1", "a record without an id is known by its place");
                    }
                    Err(q) => assert_ne!(q.kind, "missing_id", "a place was not given: {q:?}"),
                }
            }
        }
        // Over the size limit, the bytes are not looked at.
        let big = Item {
            stored: Stored::TooLarge,
            ..item.clone()
        };
        let p = corpus::parse(&src, &big, &[], strict(), 0).expect_err("an oversized record is rejected");
        assert_eq!(p.kind, "too_large");
    }
}

/// Checks the bytes as a whole input file, written into `scratch` (an empty folder, reused).
///
/// # Panics
/// When a promise is broken.
pub fn file(data: &[u8], scratch: &Path) {
    let input = scratch.join("input.jsonl");
    std::fs::write(&input, data).expect("the scratch folder is writable");
    let spool = scratch.join("spool");
    let _ = std::fs::remove_dir_all(&spool);
    std::fs::create_dir(&spool).expect("the scratch folder is writable");
    let inputs = [input.to_string_lossy().into_owned()];
    let corpus = Corpus::open(&inputs, &spool).expect("an existing file opens");
    let large = read_all(&corpus, 1 << 20, &Oversized::Reject);
    let small = read_all(&corpus, 64, &Oversized::Reject);
    let truncate = Oversized::Truncate {
        id_field: "id".into(),
        text_field: "text".into(),
    };
    let cut_small = read_all(&corpus, 64, &truncate);
    // Records outside the limit's reach are read the same way under both limits.
    let short_large: Vec<Span> = large.iter().filter(|r| r.0.len <= 64 && !r.1).map(|r| r.0).collect();
    let whole_small: Vec<Span> = small.iter().filter(|r| !r.1).map(|r| r.0).collect();
    assert_eq!(short_large, whole_small, "--max-doc-bytes moved records");
    let spans = |rs: &[(Span, bool)]| rs.iter().map(|r| r.0).collect::<Vec<_>>();
    assert_eq!(spans(&small), spans(&cut_small), "--oversized truncate moved records");
    assert_eq!(
        spans(&small).len(),
        spans(&large).len(),
        "a small limit lost or made records"
    );
    let _ = std::fs::remove_dir_all(&spool);
}

/// The id and text of a JSONL line cut down to `max` bytes of text, as the reader cuts an
/// oversized record (fed in uneven pieces, as blocks arrive).
fn cut(data: &[u8], max: usize) -> Result<(String, String), storydup::error::Problem> {
    let mut cutter = Cutter::new("id", "text", max);
    for piece in data.chunks(5) {
        cutter.feed(piece);
    }
    let record = cutter.finish()?;
    let item = one_record(data.len(), Stored::Cut(record.len()));
    let src = source(&Jsonl);
    let parsed = corpus::parse(&src, &item, &record, strict(), max)?;
    Ok((parsed.key.into_owned(), parsed.text.into_owned()))
}

/// Reads every record of `corpus` under `max_doc_bytes`, checks each, and returns their spans
/// and whether each was oversized.
fn read_all(corpus: &Corpus, max_doc_bytes: usize, oversized: &Oversized) -> Vec<(Span, bool)> {
    let mut out: Vec<(Span, bool)> = Vec::new();
    let mut records: Vec<(Span, Vec<u8>)> = Vec::new();
    let mut failed = false;
    // Truncated records: checked against their whole line once the input is read.
    let mut cuts = Vec::new();
    for chunk in corpus.read_chunks(max_doc_bytes, oversized) {
        assert!(!failed, "records after a source's read error (one source here)");
        let chunk = match chunk {
            Ok(c) => c,
            Err((at, problem)) => {
                assert!(!problem.message.is_empty(), "{at}: a read error without a message");
                failed = true;
                continue;
            }
        };
        for item in &chunk.items {
            let span = item.span;
            if let Some((last, _)) = out.last() {
                assert!(
                    span.line > last.line && span.offset >= last.offset + last.len,
                    "records out of order or overlapping: {last:?} then {span:?}"
                );
            }
            let whole = item.stored == Stored::Whole;
            out.push((span, !whole));
            if !whole {
                assert!(
                    span.len as usize > max_doc_bytes,
                    "oversized but within the limit: {span:?}"
                );
                let src = &corpus.sources[0];
                let got = corpus::parse(src, item, chunk.bytes(item), strict(), max_doc_bytes);
                match (&item.stored, oversized) {
                    (Stored::TooLarge, Oversized::Reject) => assert_eq!(got.unwrap_err().kind, "too_large"),
                    (Stored::Cut(_) | Stored::Bad(_), Oversized::Truncate { .. }) => {
                        cuts.push((span, got.map(|p| (p.key.into_owned(), p.text.into_owned()))));
                    }
                    (stored, policy) => panic!("{stored:?} under {policy:?}"),
                }
                continue;
            }
            let bytes = chunk.bytes(item);
            assert!(bytes.len() <= max_doc_bytes && bytes.len() as u64 == span.len);
            assert!(!bytes.contains(&b'\n'), "a record holds a line end: {span:?}");
            assert!(
                !bytes.iter().all(u8::is_ascii_whitespace),
                "a blank line became a record: {span:?}"
            );
            record(bytes);
            records.push((span, bytes.to_vec()));
        }
    }
    // Once the input is read (and a compressed one spooled), every record can be read again.
    let reader = Reader::new(corpus);
    let src = &corpus.sources[0];
    for (span, got) in cuts {
        let line = reader.bytes(&span).expect("a record read once can be read again");
        let item = Item {
            span,
            start: 0,
            stored: Stored::Whole,
        };
        let again = reader.text(&span, "id", "text", max_doc_bytes);
        match (got, corpus::parse(src, &item, &line, strict(), usize::MAX)) {
            (Ok((key, text)), Ok(whole)) => {
                assert_eq!(key, whole.key, "truncating {span:?} changed its id");
                assert!(
                    whole.text.starts_with(&text) && text.len() <= max_doc_bytes,
                    "truncated {span:?} is not the start of its text"
                );
                assert_eq!(again.ok(), Some(text), "re-reading {span:?} cut it otherwise");
            }
            (Err(p), Ok(_)) if p.kind == "bad_id" && span.len > 64 << 10 => {}
            (Err(p), Ok(whole)) => panic!(
                "{span:?} is a good record ({:?}) that truncating rejected: {p:?}",
                whole.key
            ),
            _ => {}
        }
    }
    for (span, bytes) in records {
        let again = reader.bytes(&span).expect("a record read once can be read again");
        assert_eq!(again, bytes, "re-reading {span:?} by offset gives other bytes");
    }
    out
}

/// Checks the normalizer on `data` (taken as UTF-8, invalid sequences replaced).
///
/// # Panics
/// When a promise is broken.
pub fn normalizer(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let ws = words(&text);
    assert!(ws.iter().all(|w| !w.is_empty()), "an empty word in {text:?}");
    assert_eq!(
        normalize(&text),
        ws.join(" "),
        "normalize and words disagree on {text:?}"
    );
    // "ﬁ" is not NFKC, so this forces the full NFKC path over the same text (NFKC does not
    // reach across a space); the text alone may take the ASCII or the as-is path.
    let mut forced = words(&format!("{text} ﬁ"));
    assert_eq!(forced.pop().as_deref(), Some("fi"));
    assert_eq!(forced, ws, "the NFKC path and the fast path disagree on {text:?}");
    if text.is_ascii() {
        // "é" is NFKC and not ASCII: the as-is path over ASCII text.
        let mut mixed = words(&format!("{text} é"));
        assert_eq!(mixed.pop().as_deref(), Some("é"));
        assert_eq!(mixed, ws, "the ASCII path and the as-is path disagree on {text:?}");
    }
}

/// The only record of a one-record source, `len` bytes long.
fn one_record(len: usize, stored: Stored) -> Item {
    Item {
        span: Span {
            source: 0,
            line: 1,
            offset: 0,
            len: len as u64,
        },
        start: 0,
        stored,
    }
}

fn source(format: &'static dyn Format) -> Source {
    Source {
        display: "fuzz".into(),
        path: None,
        format,
        name_id: format.one_record_per_file().then(|| "fuzz.txt".into()),
        spool: None,
        held: None,
    }
}

/// Seed inputs, `(name, bytes)`: good and bad JSONL records and files in every form the reader
/// takes, for AFL++'s first corpus and the mutation test. `gzip` and `zstd` compress.
pub fn seeds(gzip: impl Fn(&[u8]) -> Vec<u8>, zstd: impl Fn(&[u8]) -> Vec<u8>) -> Vec<(String, Vec<u8>)> {
    let text = "Ukrainian forces pushed into Russia’s Kursk region on Tuesday, officials said. \
                “It is a ﬁne day”, said Mr. Déjà-Vu; ΣΊΣΥΦΟΣ ＡＢＣ İstanbul ½ 100%_done";
    let good = |id: &str| {
        format!(
            "{{\"id\":\"{id}\",\"title\":\"t\",\"text\":{}}}",
            serde_json_string(text)
        )
    };
    let lines = [
        good("a"),
        good("b"),
        "{\"id\":7,\"text\":\"seven words are enough for one shingle here\"}".into(),
    ];
    let file = format!("{}\n", lines.join("\n"));
    let deep = format!(
        "{{\"id\":\"d\",\"meta\":{}1{},\"text\":\"x y\"}}",
        "[".repeat(300),
        "]".repeat(300)
    );
    let mut out: Vec<(String, Vec<u8>)> = vec![
        ("line".into(), lines[0].clone().into_bytes()),
        ("int-id".into(), lines[2].clone().into_bytes()),
        ("file".into(), file.clone().into_bytes()),
        ("crlf".into(), file.replace('\n', "\r\n").into_bytes()),
        ("bom".into(), [&b"\xEF\xBB\xBF"[..], file.as_bytes()].concat()),
        ("no-final-newline".into(), file.trim_end().as_bytes().to_vec()),
        ("blank-lines".into(), format!("\n \t\n{file}\r\n\n").into_bytes()),
        (
            "escapes".into(),
            br#"{"id":"\u00e9\ud83d\ude00","text":"a\"b\\c\/d\b\f\n\r\t\u0000 \ud800"}"#.to_vec(),
        ),
        (
            "invalid-utf8".into(),
            b"{\"id\":\"x\",\"text\":\"caf\xC3 \xFF\xFE bad\"}\n".to_vec(),
        ),
        ("nul".into(), b"{\"id\":\"n\",\"text\":\"a\0b\"}\n\0\0\0\n".to_vec()),
        ("not-object".into(), b"[1,2]\n\"s\"\n3\nnull\ntrue\n{}\n".to_vec()),
        (
            "types".into(),
            br#"{"id":1.5,"text":"x"}{"id":null,"text":["a"]}{"id":"a","text":{"b":1}}"#.to_vec(),
        ),
        (
            "dup-keys".into(),
            br#"{"id":"a","id":"b","text":"x","text":7}"#.to_vec(),
        ),
        ("deep".into(), deep.into_bytes()),
        (
            "unclosed".into(),
            format!("{{\"id\":\"u\",\"text\":\"x\",\"m\":{}", "{\"a\":".repeat(200)).into_bytes(),
        ),
        ("trailing".into(), br#"{"id":"t","text":"x"} {"#.to_vec()),
        (
            "big-numbers".into(),
            br#"{"id":123456789012345678901234567890,"text":"1e999 -0 0.0000001"}"#.to_vec(),
        ),
        ("gzip".into(), gzip(file.as_bytes())),
        (
            "gzip-two-members".into(),
            [gzip(lines[0].as_bytes()), gzip(b"\n"), gzip(lines[1].as_bytes())].concat(),
        ),
        ("zstd".into(), zstd(file.as_bytes())),
        ("magic-only".into(), vec![0x1f, 0x8b]),
        ("zstd-magic-only".into(), vec![0x28, 0xb5, 0x2f, 0xfd]),
        ("empty".into(), Vec::new()),
        ("cr-only".into(), b"\r\r\n\r".to_vec()),
    ];
    let gz = gzip(file.as_bytes());
    out.push(("gzip-truncated".into(), gz[..gz.len() / 2].to_vec()));
    let zs = zstd(file.as_bytes());
    out.push(("zstd-truncated".into(), zs[..zs.len() * 2 / 3].to_vec()));
    out
}

/// `s` as a JSON string literal.
fn serde_json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

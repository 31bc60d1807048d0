//! JSONL: one JSON object per line, plain, gzip or zstd (by the first bytes), or standard input.
//!
//! Lines are split as they stream by; a line longer than `max_doc_bytes` is never held (skipped,
//! or cut down to its id and the start of its text by [`crate::cut`]). Only the id and text fields
//! are read from each object, borrowed from the line where they have no escapes; every other
//! field is skipped at any depth without being built.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;
use std::time::Instant;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use storydup_core::error::{Location, Problem, Result};
use storydup_core::params::MissingId;

use super::compress::{open_plain, sniff, stream_problem, Compression};
use super::held::SpoolWriter;
use super::{
    place_id, push_item, Blocks, Chunk, Fields, Format, KeptAs, Limits, Oversized, Parsed, ReadResult, Sink, Source,
    SourceId, Stored, Tally, CHUNK_BYTES,
};
use crate::cut::Cutter;

/// The JSONL format.
#[derive(Debug, Clone, Copy)]
pub struct Jsonl;

impl Format for Jsonl {
    fn name(&self) -> &'static str {
        "JSONL"
    }

    fn claims(&self, lower_name: &str) -> bool {
        [
            ".jsonl",
            ".jsonl.gz",
            ".jsonl.zst",
            ".jsonl.zstd",
            ".ndjson",
            ".ndjson.gz",
            ".ndjson.zst",
        ]
        .iter()
        .any(|ext| lower_name.ends_with(ext))
    }

    /// Compressed files, and pipes or FIFOs (`<(cmd)`, which can be read only once: no sniffing).
    fn needs_spool(&self, path: &Path, is_regular_file: bool) -> Result<bool> {
        Ok(!is_regular_file || sniff(path)? != Compression::None)
    }

    fn read(&self, idx: SourceId, src: &Source, limits: &Limits, sink: &mut Sink<'_>) -> ReadResult {
        let tally = Tally::default();
        let read = read_jsonl(idx, src, limits, sink, &tally);
        sink.digest(idx, tally.digest());
        read
    }

    fn parse<'a>(
        &self,
        src: &'a Source,
        text: &'a str,
        fields: &Fields<'_>,
    ) -> std::result::Result<Parsed<'a>, Problem> {
        parse_json(src, text, fields)
    }

    fn fields(&self, bytes: &[u8], names: &[&str]) -> Vec<Option<String>> {
        match serde_json::from_slice::<serde_json::Value>(bytes) {
            Ok(serde_json::Value::Object(map)) => names
                .iter()
                .map(|name| map.get(*name).and_then(|v| v.as_str()).map(str::to_owned))
                .collect(),
            _ => vec![None; names.len()],
        }
    }

    fn kept_as(&self) -> KeptAs {
        KeptAs::Line
    }

    fn cut(
        &self,
        blocks: &Blocks<'_>,
        len: u64,
        max_doc_bytes: usize,
        fields: &Fields<'_>,
    ) -> Result<(Vec<u8>, Stored)> {
        let mut cutter = Cutter::new(fields.id, fields.text, max_doc_bytes);
        blocks(len, &mut |b| cutter.feed(b))?;
        Ok(match cutter.finish() {
            Ok(record) => {
                let n = record.len();
                (record, Stored::Cut(n))
            }
            Err(problem) => (Vec::new(), Stored::Bad(problem)),
        })
    }
}

/// Reads one JSONL source, handing each chunk of whole lines to `sink` (it stops when the
/// receiver is gone).
fn read_jsonl(idx: SourceId, src: &Source, limits: &Limits, sink: &mut Sink<'_>, tally: &Tally) -> ReadResult {
    let max_doc_bytes = limits.max_doc_bytes;
    let oversized = &limits.oversized;
    let loc = |line: u64, offset: u64| Location {
        path: src.display.clone(),
        line,
        byte_offset: offset,
    };
    let (mut input, comp) = open_plain(src, tally).map_err(|e| {
        let problem = format!("cannot open: {e}; check that the file exists and is readable");
        (loc(0, 0), Problem::new("unreadable_input", problem))
    })?;
    let mut spool = src.spool.as_deref().map(|p| SpoolWriter::new(p, src.held.as_deref()));
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK_BYTES + 4096);
    let mut buf_offset: u64 = 0; // offset of buf[0] in the plain stream
    let mut line: u64 = 1; // line number of buf[0]
    let mut first = true;
    // The oversized line being skipped over (or cut down), if any.
    let mut skipping: Option<Skip> = None;
    let new_cutter = || cutter(oversized, max_doc_bytes);
    let mut chunk = Chunk::default();
    // The reader's busy time since the last chunk was handed over (see `Chunk::read_s`).
    let mut busy = Instant::now();
    loop {
        let old = buf.len();
        // read_to_end fills spare capacity without zeroing it first, and retries Interrupted.
        // On an error the bytes read before it stay in `buf`: their complete lines are still
        // records, and the error is reported after them.
        let failed = (&mut input).take(CHUNK_BYTES as u64).read_to_end(&mut buf).err();
        let n = buf.len() - old;
        if let Some(w) = spool.as_mut() {
            w.write(&buf[old..]).map_err(|e| {
                (
                    loc(line, buf_offset),
                    Problem::new("unreadable_input", spool_failed(&e)),
                )
            })?;
        }
        chunk.bytes_read += n as u64;
        if first && buf.len() >= 3 {
            first = false;
            if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
                buf.drain(..3);
                buf_offset = 3;
            }
        }
        let eof = n == 0 && failed.is_none();
        let mut pos = 0usize;
        // Split off every complete line.
        while pos < buf.len() {
            let Some(nl) = memchr::memchr(b'\n', &buf[pos..]) else {
                break;
            };
            let end = pos + nl;
            if let Some(mut skip) = skipping.take() {
                skip.feed(&buf[pos..end]);
                skip.finish(&mut chunk, idx);
            } else {
                push_line(
                    &mut chunk,
                    idx,
                    &buf[pos..end],
                    line,
                    buf_offset + pos as u64,
                    max_doc_bytes,
                    new_cutter,
                );
            }
            line += 1;
            pos = end + 1;
        }
        if eof && pos < buf.len() {
            // Last line without a line end.
            if let Some(mut skip) = skipping.take() {
                skip.feed(&buf[pos..]);
                skip.finish(&mut chunk, idx);
            } else {
                push_line(
                    &mut chunk,
                    idx,
                    &buf[pos..],
                    line,
                    buf_offset + pos as u64,
                    max_doc_bytes,
                    new_cutter,
                );
            }
            pos = buf.len();
        } else if eof {
            if let Some(skip) = skipping.take() {
                skip.finish(&mut chunk, idx);
            }
        }
        // An unfinished line longer than the limit is dropped as it streams by (one byte more
        // is kept: it may be the '\r' of a CRLF line end, which is not part of the record).
        let rest = buf.len() - pos;
        if rest > max_doc_bytes.saturating_add(1) {
            skipping
                .get_or_insert_with(|| Skip {
                    line,
                    offset: buf_offset + pos as u64,
                    seen: 0,
                    blank: true,
                    last: 0,
                    cutter: new_cutter(),
                })
                .feed(&buf[pos..]);
            pos = buf.len();
        }
        buf_offset += pos as u64;
        buf.drain(..pos);
        if let Some(e) = failed {
            if !chunk.items.is_empty() {
                chunk.read_s = busy.elapsed().as_secs_f64();
                sink.send(std::mem::take(&mut chunk));
            }
            return Err((loc(line, buf_offset), stream_problem(comp, &e)));
        }
        let full = chunk.data.len() >= CHUNK_BYTES || chunk.items.len() >= 65536;
        if full || (eof && !chunk.items.is_empty()) {
            chunk.read_s = busy.elapsed().as_secs_f64();
            if !sink.send(std::mem::take(&mut chunk)) {
                return Ok(());
            }
            busy = Instant::now();
        }
        if eof {
            break;
        }
    }
    if let Some(w) = spool {
        w.finish().map_err(|e| {
            (
                loc(line, buf_offset),
                Problem::new("unreadable_input", spool_failed(&e)),
            )
        })?;
    }
    Ok(())
}

/// The problem of a spool file that could not be created or written.
pub(crate) fn spool_failed(e: &std::io::Error) -> String {
    format!("cannot write spool file: {e}; check that the output folder is writable and has room")
}

/// An oversized line being skipped over, or cut down, as it streams by.
struct Skip<'f> {
    line: u64,
    offset: u64,
    /// Bytes seen so far.
    seen: u64,
    /// All of them blank (a blank line is no record, however long).
    blank: bool,
    /// The last of them (a final '\r' is part of the line end, not of the record).
    last: u8,
    cutter: Option<Cutter<'f>>,
}

impl Skip<'_> {
    fn feed(&mut self, bytes: &[u8]) {
        self.seen += bytes.len() as u64;
        self.blank &= bytes.iter().all(u8::is_ascii_whitespace);
        if let Some(&b) = bytes.last() {
            self.last = b;
        }
        if let Some(c) = self.cutter.as_mut() {
            c.feed(bytes);
        }
    }

    fn finish(self, chunk: &mut Chunk, source: SourceId) {
        if self.blank {
            return;
        }
        let len = self.seen - u64::from(self.last == b'\r');
        let stored = match self.cutter.map(Cutter::finish) {
            None => Stored::TooLarge,
            Some(Ok(record)) => {
                let start = chunk.data.len();
                chunk.data.extend_from_slice(&record);
                return push_item(
                    chunk,
                    source,
                    self.line,
                    self.offset,
                    len,
                    start,
                    Stored::Cut(record.len()),
                );
            }
            Some(Err(problem)) => Stored::Bad(problem),
        };
        push_item(chunk, source, self.line, self.offset, len, 0, stored);
    }
}

/// The record on a line (its bytes up to, not including, the `\n`): the line without a final
/// `\r` (a CRLF line end), or `None` for a blank line, which is no record.
pub fn line_record(line: &[u8]) -> Option<&[u8]> {
    let bytes = line.strip_suffix(b"\r").unwrap_or(line);
    (!bytes.iter().all(|b| b.is_ascii_whitespace())).then_some(bytes)
}

/// Adds the record whose bytes (from [`line_record`]) are `bytes` to `chunk`, as the reader does:
/// whole, or over `limits.max_doc_bytes` reported as too large or cut down. For callers that
/// split lines themselves (the Spark job, whose input Spark splits).
pub fn push_record(chunk: &mut Chunk, source: SourceId, bytes: &[u8], line: u64, offset: u64, limits: &Limits) {
    let new_cutter = || cutter(&limits.oversized, limits.max_doc_bytes);
    push_bytes(chunk, source, bytes, line, offset, limits.max_doc_bytes, new_cutter);
}

/// What cuts an oversized record down under `--oversized truncate` (nothing under reject).
fn cutter(oversized: &Oversized, max_doc_bytes: usize) -> Option<Cutter<'_>> {
    match oversized {
        Oversized::Reject => None,
        Oversized::Truncate { id_field, text_field } => Some(Cutter::new(id_field, text_field, max_doc_bytes)),
    }
}

fn push_line<'f>(
    chunk: &mut Chunk,
    source: SourceId,
    bytes: &[u8],
    line: u64,
    offset: u64,
    max: usize,
    new_cutter: impl Fn() -> Option<Cutter<'f>>,
) {
    if let Some(bytes) = line_record(bytes) {
        push_bytes(chunk, source, bytes, line, offset, max, new_cutter);
    }
}

fn push_bytes<'f>(
    chunk: &mut Chunk,
    source: SourceId,
    bytes: &[u8],
    line: u64,
    offset: u64,
    max: usize,
    new_cutter: impl Fn() -> Option<Cutter<'f>>,
) {
    if bytes.len() > max {
        let mut skip = Skip {
            line,
            offset,
            seen: 0,
            blank: false,
            last: 0,
            cutter: new_cutter(),
        };
        skip.feed(bytes);
        skip.last = 0; // its '\r' is off already
        skip.finish(chunk, source);
        return;
    }
    let start = chunk.data.len();
    chunk.data.extend_from_slice(bytes);
    push_item(chunk, source, line, offset, bytes.len() as u64, start, Stored::Whole);
}

/// The id of a JSONL line, read as dedup reads it (any depth of ignored fields), if it has one.
pub fn json_id(line: &str, id_field: &str) -> Option<String> {
    let mut de = serde_json::Deserializer::from_str(line);
    let fields = FieldsSeed {
        id_field,
        text_field: "\u{0}never a field",
    }
    .deserialize(&mut de)
    .ok()?;
    fields.id?.ok().map(Cow::into_owned)
}

fn parse_json<'a>(src: &Source, line: &'a str, names: &Fields<'_>) -> std::result::Result<Parsed<'a>, Problem> {
    let (id_field, text_field) = (names.id, names.text);
    let mut de = serde_json::Deserializer::from_str(line);
    let fields = FieldsSeed { id_field, text_field }
        .deserialize(&mut de)
        .map_err(|e| json_problem(&e))?;
    de.end().map_err(|e| json_problem(&e))?;
    let key = match fields.id {
        None if names.missing_id == MissingId::Place => Cow::Owned(place_id(src, names.line)),
        None => {
            return Err(Problem::new(
                "missing_id",
                format!(
                    "no \"{id_field}\" field, which --id-field names; name the field that holds the ids, \
                     or leave out --id-field to give each record without an \"id\" its place (FILE:LINE) as its id"
                ),
            ))
        }
        Some(Err(kind)) => {
            return Err(Problem::new(
                "bad_id",
                format!("\"{id_field}\" is {kind}, not a string or an integer; use a string or integer id"),
            ))
        }
        Some(Ok(k)) => k,
    };
    let text = match fields.text {
        None => {
            return Err(Problem::new(
                "missing_text",
                format!("no \"{text_field}\" field; name the text field with --text-field"),
            ))
        }
        Some(Err(kind)) => {
            return Err(Problem::new(
                "bad_text",
                format!("\"{text_field}\" is {kind}, not a string; store the text as a JSON string"),
            ))
        }
        Some(Ok(t)) => t,
    };
    Ok(Parsed { key, text })
}

fn json_problem(e: &serde_json::Error) -> Problem {
    let msg = e.to_string();
    if msg.starts_with("invalid type") && msg.contains("expected a JSON object") {
        return Problem::new(
            "not_an_object",
            "the line is valid JSON but not an object; each line must be one JSON object",
        );
    }
    Problem::new(
        "malformed_json",
        format!(
            "malformed JSON at column {}: {e}; each line must be one JSON object",
            e.column()
        ),
    )
}

type FieldValue<'a> = Option<std::result::Result<Cow<'a, str>, &'static str>>;

struct FieldValues<'a> {
    id: FieldValue<'a>,
    text: FieldValue<'a>,
}

struct FieldsSeed<'f> {
    id_field: &'f str,
    text_field: &'f str,
}

impl<'de> DeserializeSeed<'de> for FieldsSeed<'_> {
    type Value = FieldValues<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> std::result::Result<FieldValues<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FieldsSeed<'_> {
    type Value = FieldValues<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<FieldValues<'de>, A::Error> {
        let mut out = FieldValues { id: None, text: None };
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if key == self.text_field {
                out.text = Some(map.next_value::<Scalar<'de>>()?.into_text());
            } else if key == self.id_field {
                out.id = Some(map.next_value::<Scalar<'de>>()?.into_id());
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

/// A field value: a string (borrowed when it has no escapes), an integer, or another JSON type.
enum Scalar<'a> {
    Str(Cow<'a, str>),
    Int(String),
    Other(&'static str),
}

impl<'a> Scalar<'a> {
    fn into_text(self) -> std::result::Result<Cow<'a, str>, &'static str> {
        match self {
            Scalar::Str(s) => Ok(s),
            Scalar::Int(_) => Err("a number"),
            Scalar::Other(k) => Err(k),
        }
    }

    fn into_id(self) -> std::result::Result<Cow<'a, str>, &'static str> {
        match self {
            Scalar::Str(s) => Ok(s),
            Scalar::Int(s) => Ok(Cow::Owned(s)),
            Scalar::Other(k) => Err(k),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Scalar<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Scalar<'de>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Scalar<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }
            fn visit_i64<E>(self, v: i64) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Int(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Int(v.to_string()))
            }
            fn visit_f64<E>(self, _: f64) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Other("a fractional number"))
            }
            fn visit_bool<E>(self, _: bool) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Other("a boolean"))
            }
            fn visit_unit<E>(self) -> std::result::Result<Scalar<'de>, E> {
                Ok(Scalar::Other("null"))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> std::result::Result<Scalar<'de>, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other("an array"))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> std::result::Result<Scalar<'de>, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Scalar::Other("an object"))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{parse, Item, Span};

    fn src() -> Source {
        Source {
            display: "x.jsonl".into(),
            path: None,
            format: &Jsonl,
            name_id: None,
            spool: None,
            held: None,
        }
    }

    fn p(line: &str) -> std::result::Result<(String, String), Problem> {
        p_with(line, MissingId::Reject)
    }

    fn p_with(line: &str, missing_id: MissingId) -> std::result::Result<(String, String), Problem> {
        let s = src();
        let item = Item {
            span: Span {
                source: 0,
                line: 1,
                offset: 0,
                len: line.len() as u64,
            },
            start: 0,
            stored: Stored::Whole,
        };
        let fields = Fields::new("id", "text", missing_id);
        parse(&s, &item, line.as_bytes(), fields, 1 << 20).map(|p| (p.key.into_owned(), p.text.into_owned()))
    }

    #[test]
    fn parses_fields_and_ignores_others() {
        assert_eq!(
            p(r#"{"x":[1,{"a":2}],"id":"a","text":"b\nc"}"#).unwrap(),
            ("a".into(), "b\nc".into())
        );
        assert_eq!(p(r#"{"id":17,"text":"t"}"#).unwrap().0, "17");
    }

    #[test]
    fn problems_are_named() {
        assert_eq!(p(r#"{"id":"a""#).unwrap_err().kind, "malformed_json");
        assert_eq!(p(r#"[1,2]"#).unwrap_err().kind, "not_an_object");
        assert_eq!(p(r#"{"text":"t"}"#).unwrap_err().kind, "missing_id");
        assert_eq!(p(r#"{"id":"a","text":5}"#).unwrap_err().kind, "bad_text");
        assert_eq!(p(r#"{"id":"a"}"#).unwrap_err().kind, "missing_text");
        assert_eq!(p(r#"{"id":1.5,"text":"t"}"#).unwrap_err().kind, "bad_id");
        assert_eq!(p(r#"{"id":"a","text":"t"} x"#).unwrap_err().kind, "malformed_json");
    }

    #[test]
    fn a_record_without_an_id_gets_its_place_unless_told_otherwise() {
        let line = r#"{"text":"t"}"#;
        assert_eq!(
            p_with(line, MissingId::Place).unwrap(),
            ("x.jsonl:1".into(), "t".into())
        );
        assert_eq!(p_with(line, MissingId::Reject).unwrap_err().kind, "missing_id");
        // A record with an id keeps it either way.
        assert_eq!(p_with(r#"{"id":"a","text":"t"}"#, MissingId::Place).unwrap().0, "a");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        // serde_json skips an ignored value without recursing, so depth there is harmless.
        let deep = format!(
            "{{\"id\":\"a\",\"text\":\"t\",\"x\":{}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(p(&deep).unwrap().0, "a");
        // As the text itself it is a wrong type, and unbalanced it is malformed.
        let deep_text = format!(
            "{{\"id\":\"a\",\"text\":{}{}}}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert_eq!(p(&deep_text).unwrap_err().kind, "bad_text");
        let open = format!("{{\"id\":\"a\",\"x\":{}", "{\"a\":".repeat(100_000));
        assert_eq!(p(&open).unwrap_err().kind, "malformed_json");
    }
}

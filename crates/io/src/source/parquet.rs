//! Parquet files: each row is a record, its id and text read from the columns named by
//! `--id-field` and `--text-field` (top-level `string`, `large_string`, `string_view` or
//! dictionary-encoded string columns; ids may also be integers). Without an id column a row's id
//! is its place, `FILE:ROW` (1-based), as a JSONL record without an id is named `FILE:LINE`.
//!
//! Only the columns a run reads are decoded, a batch of [`BATCH_ROWS`] rows at a time, so memory
//! stays bounded as for JSONL whatever the size of the file or its row groups. Each row becomes a
//! small *frame* in the chunk: its id, any extra fields the caller asked for (the stories' title,
//! date and source), then its text, each field as `LEN:BYTES` with no escaping, so a frame is
//! valid UTF-8 and parsed by slicing. Frames are also written to the run's spool, where exact
//! verification re-reads them by byte offset as it does decompressed JSONL. (Re-reading the row
//! from the Parquet file instead would decode a whole page, often a whole column chunk, for
//! every text asked for; the spool costs one sequential write of the texts.)
//!
//! A row whose text is null or not a string, or whose id column is neither strings nor
//! integers, is a bad record with its file and row (`rejected.jsonl` under `--on-error skip`);
//! a file that is not Parquet or is corrupt fails at the row where reading stopped. The whole
//! row is written to `kept.parquet` when kept (`crate::kept_parquet`), not the frame.

use std::borrow::Cow;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type, UInt32Type, UInt64Type, UInt8Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use storydup_core::error::{Location, Problem, Result};

use super::held::SpoolWriter;
use super::jsonl::spool_failed;
use storydup_core::hash::hasher;

use super::{
    push_item, Blocks, Chunk, Digest, Fields, Format, KeptAs, Limits, Oversized, Parsed, ReadResult, Sink, Source,
    SourceId, Stored, CHUNK_BYTES,
};

/// Rows decoded at a time: about 4 MB of news text, the size of a JSONL chunk.
pub const BATCH_ROWS: usize = 1024;

/// The Parquet format.
#[derive(Debug, Clone, Copy)]
pub struct Parquet;

impl Format for Parquet {
    fn name(&self) -> &'static str {
        "Parquet"
    }

    fn claims(&self, lower_name: &str) -> bool {
        lower_name.ends_with(".parquet")
    }

    /// Always: the frames are spooled for exact verification (see the module docs).
    fn needs_spool(&self, _path: &Path, _is_regular_file: bool) -> Result<bool> {
        Ok(true)
    }

    fn read(&self, idx: SourceId, src: &Source, limits: &Limits, sink: &mut Sink<'_>) -> ReadResult {
        read_parquet(idx, src, limits, sink)
    }

    fn parse<'a>(
        &self,
        _src: &'a Source,
        text: &'a str,
        _fields: &Fields<'_>,
    ) -> std::result::Result<Parsed<'a>, Problem> {
        let frame = Frame::parse(text).ok_or_else(bad_frame)?;
        Ok(Parsed {
            key: Cow::Borrowed(frame.id),
            text: Cow::Borrowed(frame.text),
        })
    }

    fn fields(&self, bytes: &[u8], names: &[&str]) -> Vec<Option<String>> {
        let frame = std::str::from_utf8(bytes).ok().and_then(Frame::parse);
        (0..names.len())
            .map(|i| {
                frame
                    .as_ref()
                    .and_then(|f| f.extras.get(i).copied().flatten())
                    .map(str::to_owned)
            })
            .collect()
    }

    fn kept_as(&self) -> KeptAs {
        KeptAs::Parquet
    }

    fn cut(
        &self,
        blocks: &Blocks<'_>,
        len: u64,
        max_doc_bytes: usize,
        _fields: &Fields<'_>,
    ) -> Result<(Vec<u8>, Stored)> {
        // The spool holds the frame as the reader cut it (a few bytes over the limit for its
        // header and id): cutting it again gives the same frame.
        let mut frame = Vec::new();
        blocks(len, &mut |b| frame.extend_from_slice(b))?;
        let cut = std::str::from_utf8(&frame)
            .ok()
            .and_then(Frame::parse)
            .map(|f| f.encode_cut(max_doc_bytes));
        Ok(match cut {
            Some(c) => {
                let n = c.len();
                (c, Stored::Cut(n))
            }
            None => (Vec::new(), Stored::Bad(bad_frame())),
        })
    }
}

/// The text of a spooled row's frame (`kept.parquet` takes kept texts from the spool; the Spark
/// job verifies rows from their frames).
pub fn frame_text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok().and_then(Frame::parse).map(|f| f.text)
}

fn bad_frame() -> Problem {
    Problem::new(
        "changed",
        "the spooled Parquet row is damaged; rerun storydup with the output folder on a working disk",
    )
}

/// One row as the reader hands it on: `K;` (the number of extra fields), then the id and each
/// extra field as `LEN:BYTES` (`-` for a null extra), then the text, to the end.
#[derive(Debug, PartialEq, Eq)]
struct Frame<'a> {
    id: &'a str,
    extras: Vec<Option<&'a str>>,
    text: &'a str,
}

impl<'a> Frame<'a> {
    fn encode(id: &str, extras: &[Option<&str>], text: &str, out: &mut Vec<u8>) {
        let _ = write!(out, "{};{}:", extras.len(), id.len());
        out.extend_from_slice(id.as_bytes());
        for e in extras {
            match e {
                Some(v) => {
                    let _ = write!(out, "{}:", v.len());
                    out.extend_from_slice(v.as_bytes());
                }
                None => out.push(b'-'),
            }
        }
        out.extend_from_slice(text.as_bytes());
    }

    /// The frame with its text cut to its first `max` bytes (at a character boundary).
    fn encode_cut(&self, max: usize) -> Vec<u8> {
        let mut end = max.min(self.text.len());
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let mut out = Vec::new();
        Frame::encode(self.id, &self.extras, &self.text[..end], &mut out);
        out
    }

    fn parse(s: &'a str) -> Option<Frame<'a>> {
        fn field(s: &str) -> Option<(&str, &str)> {
            let (len, rest) = s.split_once(':')?;
            let len: usize = len.parse().ok()?;
            Some((rest.get(..len)?, rest.get(len..)?))
        }
        let (k, rest) = s.split_once(';')?;
        let k: usize = k.parse().ok()?;
        let (id, mut rest) = field(rest)?;
        let mut extras = Vec::with_capacity(k);
        for _ in 0..k {
            if let Some(r) = rest.strip_prefix('-') {
                extras.push(None);
                rest = r;
            } else {
                let (v, r) = field(rest)?;
                extras.push(Some(v));
                rest = r;
            }
        }
        Some(Frame { id, extras, text: rest })
    }
}

/// A string column of one batch, whichever of Arrow's string layouts it has.
enum StrCol<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
    /// Dictionary-encoded strings: the key of each row into `values`.
    Dict(Vec<usize>, Box<StrCol<'a>>, &'a dyn Array),
}

impl<'a> StrCol<'a> {
    fn new(a: &'a dyn Array) -> Option<StrCol<'a>> {
        Some(match a.data_type() {
            DataType::Utf8 => StrCol::Utf8(a.as_string::<i32>()),
            DataType::LargeUtf8 => StrCol::Large(a.as_string::<i64>()),
            DataType::Utf8View => StrCol::View(a.as_string_view()),
            DataType::Dictionary(_, v) if is_string(v) => {
                let d = a.as_any_dictionary();
                StrCol::Dict(d.normalized_keys(), Box::new(StrCol::new(d.values().as_ref())?), a)
            }
            _ => return None,
        })
    }

    fn get(&self, i: usize) -> Option<&'a str> {
        match self {
            StrCol::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            StrCol::Large(a) => a.is_valid(i).then(|| a.value(i)),
            StrCol::View(a) => a.is_valid(i).then(|| a.value(i)),
            StrCol::Dict(keys, values, a) => a.is_valid(i).then(|| values.get(keys[i])).flatten(),
        }
    }
}

fn is_string(t: &DataType) -> bool {
    match t {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(_, v) => is_string(v),
        _ => false,
    }
}

/// The id of row `i` of an integer column, in decimal.
fn int_id(a: &ArrayRef, i: usize) -> Option<String> {
    if a.is_null(i) {
        return None;
    }
    Some(match a.data_type() {
        DataType::Int8 => a.as_primitive::<Int8Type>().value(i).to_string(),
        DataType::Int16 => a.as_primitive::<Int16Type>().value(i).to_string(),
        DataType::Int32 => a.as_primitive::<Int32Type>().value(i).to_string(),
        DataType::Int64 => a.as_primitive::<Int64Type>().value(i).to_string(),
        DataType::UInt8 => a.as_primitive::<UInt8Type>().value(i).to_string(),
        DataType::UInt16 => a.as_primitive::<UInt16Type>().value(i).to_string(),
        DataType::UInt32 => a.as_primitive::<UInt32Type>().value(i).to_string(),
        DataType::UInt64 => a.as_primitive::<UInt64Type>().value(i).to_string(),
        _ => return None,
    })
}

/// What is wrong with a whole column, for every row of the file (as a JSONL record missing its
/// text field is rejected).
fn column_problem(
    batch_schema: &arrow_schema::Schema,
    file_fields: &[String],
    name: &str,
    id: bool,
) -> Option<Problem> {
    let flag = if id { "--id-field" } else { "--text-field" };
    match batch_schema.field_with_name(name) {
        Err(_) if id => None,
        Err(_) => Some(Problem::new(
            "missing_field",
            format!(
                "no \"{name}\" column (the columns are {}); name the text column with {flag}",
                file_fields.join(", ")
            ),
        )),
        Ok(f) if is_string(f.data_type()) || (id && f.data_type().is_integer()) => None,
        Ok(f) => Some(Problem::new(
            if id { "bad_id" } else { "not_a_string" },
            format!(
                "column \"{name}\" is {}, not {}; name another column with {flag}, or cast it",
                f.data_type(),
                if id { "strings or integers" } else { "strings" }
            ),
        )),
    }
}

/// Reads one Parquet source a batch at a time, handing chunks of frames to `sink` and writing
/// each frame to the source's spool.
fn read_parquet(idx: SourceId, src: &Source, limits: &Limits, sink: &mut Sink<'_>) -> ReadResult {
    let loc = |row: u64| Location {
        path: src.display.clone(),
        line: row,
        byte_offset: 0,
    };
    let fail = |row: u64, what: String| (loc(row), Problem::new("unreadable_input", what));
    let path = src
        .path
        .as_ref()
        .ok_or_else(|| fail(0, "Parquet cannot be read from standard input".into()))?;
    let file = File::open(path).map_err(|e| fail(0, format!("cannot open: {e}")))?;
    // The file as stored, for summary.json's inputs (its bytes and hash, as a JSONL file is
    // counted while it is read; the reader here reads only some columns, and not in order).
    if let Ok(digest) = file_digest(path) {
        sink.digest(idx, digest);
    }
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| fail(0, format!("not a readable Parquet file: {e}")))?;
    let schema = builder.schema().clone();
    let file_fields: Vec<String> = schema.fields().iter().map(|f| format!("\"{}\"", f.name())).collect();
    let (id_name, text_name) = (limits.fields[0].as_str(), limits.fields[1].as_str());
    let extras: Vec<&str> = limits.fields[2..].iter().map(String::as_str).collect();
    let text_problem = column_problem(&schema, &file_fields, text_name, false);
    let id_problem = column_problem(&schema, &file_fields, id_name, true);
    let has_id = schema.field_with_name(id_name).is_ok() && id_problem.is_none();
    // The columns read: those of the names asked for that the file has.
    let roots: Vec<usize> = limits.fields.iter().filter_map(|n| schema.index_of(n).ok()).collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(|e| fail(0, format!("not a readable Parquet file: {e}")))?;
    let spool_path = src.spool.as_ref().expect("Parquet sources are spooled");
    let mut spool = SpoolWriter::new(spool_path, src.held.as_deref());
    let mut spool_offset = 0u64;
    let mut row = 0u64; // rows read so far; the next row is row + 1
    let mut chunk = Chunk::default();
    let mut busy = Instant::now();
    for batch in reader {
        let batch: RecordBatch = batch.map_err(|e| {
            fail(
                row + 1,
                format!("cannot read the Parquet file from row {}: {e}", row + 1),
            )
        })?;
        let texts = batch.column_by_name(text_name).and_then(|a| StrCol::new(a.as_ref()));
        let ids = batch.column_by_name(id_name).filter(|_| has_id);
        let id_strs = ids.and_then(|a| StrCol::new(a.as_ref()));
        let extra_cols: Vec<Option<StrCol<'_>>> = extras
            .iter()
            .map(|n| batch.column_by_name(n).and_then(|a| StrCol::new(a.as_ref())))
            .collect();
        for i in 0..batch.num_rows() {
            row += 1;
            let start = chunk.data.len();
            let problem = text_problem.clone().or_else(|| id_problem.clone());
            let text = match (&problem, texts.as_ref().and_then(|t| t.get(i))) {
                (Some(p), _) => Err(p.clone()),
                (None, Some(t)) => Ok(t),
                (None, None) => Err(Problem::new(
                    "null_text",
                    format!("the text in column \"{text_name}\" is null; fill or drop the row"),
                )),
            };
            let text = match text {
                Ok(t) => t,
                Err(p) => {
                    push_item(&mut chunk, idx, row, 0, 0, start, Stored::Bad(p));
                    continue;
                }
            };
            let id: Cow<'_, str> = match (&id_strs, ids) {
                (Some(s), _) => s.get(i).map(Cow::Borrowed),
                (None, Some(a)) => int_id(a, i).map(Cow::Owned),
                (None, None) => None,
            }
            .unwrap_or_else(|| Cow::Owned(format!("{}:{row}", src.display)));
            let extra: Vec<Option<&str>> = extra_cols.iter().map(|c| c.as_ref().and_then(|c| c.get(i))).collect();
            // Straight into the chunk; the chunk's bytes are the spool's next bytes.
            Frame::encode(&id, &extra, text, &mut chunk.data);
            let mut len = (chunk.data.len() - start) as u64;
            let stored = if len as usize <= limits.max_doc_bytes {
                Stored::Whole
            } else {
                chunk.data.truncate(start);
                match &limits.oversized {
                    Oversized::Reject => {
                        push_item(&mut chunk, idx, row, spool_offset, len, start, Stored::TooLarge);
                        continue;
                    }
                    Oversized::Truncate { .. } => {
                        let cut = Frame {
                            id: &id,
                            extras: extra,
                            text,
                        }
                        .encode_cut(limits.max_doc_bytes);
                        chunk.data.extend_from_slice(&cut);
                        len = cut.len() as u64;
                        Stored::Cut(cut.len())
                    }
                }
            };
            chunk.bytes_read += len;
            push_item(&mut chunk, idx, row, spool_offset, len, start, stored);
            spool_offset += len;
        }
        if chunk.data.len() >= CHUNK_BYTES || chunk.items.len() >= 16 * BATCH_ROWS {
            spool.write(&chunk.data).map_err(|e| fail(row, spool_failed(&e)))?;
            chunk.read_s = busy.elapsed().as_secs_f64();
            if !sink.send(std::mem::take(&mut chunk)) {
                return Ok(());
            }
            busy = Instant::now();
        }
    }
    spool
        .write(&chunk.data)
        .and_then(|()| spool.finish())
        .map_err(|e| fail(row, spool_failed(&e)))?;
    chunk.read_s = busy.elapsed().as_secs_f64();
    if !chunk.items.is_empty() {
        sink.send(chunk);
    }
    Ok(())
}

/// The bytes and XXH3 of the whole file at `path`.
fn file_digest(path: &Path) -> std::io::Result<Digest> {
    use std::io::Read;
    let mut f = File::open(path)?;
    let mut h = hasher(0);
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        bytes += n as u64;
    }
    Ok(Digest {
        bytes,
        xxh3: h.digest(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let mut out = Vec::new();
        Frame::encode("a:b;c", &[Some("T: 1"), None, Some("")], "the text: 12:3", &mut out);
        let s = std::str::from_utf8(&out).unwrap();
        let f = Frame::parse(s).unwrap();
        assert_eq!(f.id, "a:b;c");
        assert_eq!(f.extras, vec![Some("T: 1"), None, Some("")]);
        assert_eq!(f.text, "the text: 12:3");
        assert_eq!(Frame::parse("1;"), None);
        assert_eq!(Frame::parse("0;9:short"), None);
    }

    #[test]
    fn cutting_keeps_characters_whole_and_is_idempotent() {
        let mut out = Vec::new();
        Frame::encode("id", &[], "héllo wörld", &mut out);
        let f = Frame::parse(std::str::from_utf8(&out).unwrap()).unwrap();
        let cut = f.encode_cut(2);
        let c = Frame::parse(std::str::from_utf8(&cut).unwrap()).unwrap();
        assert_eq!(c.text, "h");
        assert_eq!(c.encode_cut(2), cut);
    }
}

//! The executor side of `python -m storydup.spark`: each stage of the Spark job hands an Arrow
//! batch to one of these functions and gets the result's columns back. They only convert: the
//! reading of a line, parsing, signing, the stored 16-bit slots, band keys, the bucket rule, the
//! estimate filter, verification and clusters, and every output line are the calls the single-machine
//! `storydup dedup` makes (storydup-io's reader and writers, storydup-core's engines), so the
//! Spark job decides what the command line decides, and follows it when it changes.
//!
//! Records are named by their place in input order, a 64-bit key (file index, line) made by the
//! Python side; within a component they are numbered from 0 in that order, so the core sees the
//! same order as in a single-machine run.
//!
//! Results come back as a dict of column buffers (see [`Cols`]), which the Python side turns
//! into Arrow arrays without a Python object per value.

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::mpsc::Receiver;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type, Int8Type, UInt8Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use storydup_core::dedup::cluster::{Cluster, Measure, Removal};
use storydup_core::dedup::lsh::bucket_pairs;
use storydup_core::dedup::minhash::{compact, Slot};
use storydup_core::dedup::verify::{near_enough, verify_component, Table};
use storydup_core::dedup::{Deduper, DocId, Signer, TextSource};
use storydup_core::error::{Error, Location, Problem};
use storydup_core::params::{Params, Shingle, Verify};
use storydup_core::schema::{InputFile, RejectedLine, Summary, Timings};
use storydup_core::shingle::Shingler;
use storydup_io::dedup::{cluster_line, lsh_summary, removed_line, sign_chunk, stop_advice};
use storydup_io::source::held::{Budget, Held, HELD_BYTES};
use storydup_io::source::jsonl::{line_record, push_record, Jsonl};
use storydup_io::source::parquet::{frame_text, Parquet};
use storydup_io::source::{
    duplicate_id, oversized_policy, parse, place_id, ChunkResult, Corpus, Fields, Item, Limits, Source, Stored,
};

use crate::{run, JobError};

/// Each call works on one Spark task's batch: one thread, as Spark runs one task per core.
const THREADS: Option<usize> = Some(1);

// ---------------------------------------------------------------------------------------------
// Parameters

/// The run's [`Params`] from the JSON the Python side writes: the fields of `summary.json`'s
/// `params`, with `shingle` as on the command line (`word:5`) and `max_memory` filled in as the
/// command line fills it (90 % of this machine's memory) when absent.
fn params_of(json: &str) -> PyResult<Params> {
    let mut v: serde_json::Value =
        serde_json::from_str(json).map_err(|e| PyValueError::new_err(format!("invalid parameters: {e}")))?;
    if let Some(s) = v.get("shingle").and_then(|s| s.as_str()) {
        let sh: Shingle = s
            .parse()
            .map_err(|e| PyValueError::new_err(format!("invalid shingle: {e}")))?;
        v["shingle"] = serde_json::to_value(sh).map_err(|e| PyValueError::new_err(e.to_string()))?;
    }
    if v.get("max_memory").is_none_or(|m| m.is_null()) {
        v["max_memory"] = serde_json::to_value(storydup_io::system::default_memory_limit())
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
    }
    let params: Params =
        serde_json::from_value(v).map_err(|e| PyValueError::new_err(format!("invalid parameters: {e}")))?;
    params.validate().map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok(params)
}

/// The parameters as the run will echo them in `summary.json` (validated, defaults filled in),
/// and the banding: `(params_json, bands, rows)`.
#[pyfunction]
pub fn spark_params(json: &str) -> PyResult<(String, usize, usize)> {
    let params = params_of(json)?;
    let bands = Deduper::new(&params)
        .map_err(|e| PyValueError::new_err(e.to_string()))?
        .bands();
    let text = serde_json::to_string(&params).map_err(|e| PyValueError::new_err(e.to_string()))?;
    Ok((text, bands.bands, bands.rows))
}

fn limits(params: &Params) -> Limits {
    Limits {
        max_doc_bytes: params.max_doc_bytes,
        oversized: oversized_policy(params.oversized, &params.id_field, &params.text_field),
        // The columns a Parquet file's rows are read from.
        fields: vec![params.id_field.clone(), params.text_field.clone()],
    }
}

/// The name of the one source of [`jsonl_corpus`]. A record without an id field gets its place
/// as its id ([`place_id`]: this name, `:` and the row's number in its batch); the executor does
/// not know the record's file and line yet, so [`spark_sign`] flags such an id and the Python side
/// puts the true place (`FILE:LINE`) in once lines are numbered. A NUL byte starts it, so that no
/// id a person gives is taken for it by accident.
const PLACE: &str = "\u{0}storydup-spark-place";

/// A corpus of one JSONL source that is never opened: what [`sign_chunk`] and [`parse`] need to
/// know of a record's file (its format, the name of its places).
fn jsonl_corpus() -> Corpus {
    Corpus::of_sources(vec![Source {
        display: PLACE.to_string(),
        path: None,
        format: &Jsonl,
        name_id: None,
        spool: None,
        held: None,
    }])
}

/// A signature's stored slots ([`compact`]) as little-endian bytes, two a slot: the form the
/// Spark job shuffles, half the bytes of the signing pass's 32-bit slots.
fn slot_bytes(sig: &[u32]) -> Vec<u8> {
    compact(sig).flat_map(Slot::to_le_bytes).collect()
}

/// Stored slots from [`slot_bytes`].
fn slots(bytes: &[u8], num_perm: usize) -> Result<Vec<Slot>, JobError> {
    if bytes.len() != num_perm * 2 {
        return Err(JobError::Value(format!(
            "a signature has {} bytes, not {}",
            bytes.len(),
            num_perm * 2
        )));
    }
    Ok(bytes
        .chunks_exact(2)
        .map(|c| Slot::from_le_bytes([c[0], c[1]]))
        .collect())
}

// ---------------------------------------------------------------------------------------------
// Columns in and out

fn batches(stream: &Bound<'_, PyAny>) -> PyResult<Vec<RecordBatch>> {
    let reader = crate::columns::import(stream)?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| PyValueError::new_err(format!("cannot read the Arrow stream: {e}")))
}

fn column<'b>(batch: &'b RecordBatch, name: &str) -> Result<&'b ArrayRef, JobError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| JobError::Value(format!("the batch has no column '{name}'")))
}

/// A binary or string column, read as bytes.
enum Bytes<'a> {
    Bin(&'a arrow_array::BinaryArray),
    Large(&'a arrow_array::LargeBinaryArray),
    Str(&'a arrow_array::StringArray),
    LargeStr(&'a arrow_array::LargeStringArray),
}

impl<'a> Bytes<'a> {
    fn of(batch: &'a RecordBatch, name: &str) -> Result<Bytes<'a>, JobError> {
        let a = column(batch, name)?;
        Ok(match a.data_type() {
            DataType::Binary => Bytes::Bin(a.as_binary::<i32>()),
            DataType::LargeBinary => Bytes::Large(a.as_binary::<i64>()),
            DataType::Utf8 => Bytes::Str(a.as_string::<i32>()),
            DataType::LargeUtf8 => Bytes::LargeStr(a.as_string::<i64>()),
            t => return Err(JobError::Value(format!("column '{name}' is {t}, not binary or string"))),
        })
    }

    fn get(&self, i: usize) -> Option<&'a [u8]> {
        match self {
            Bytes::Bin(a) => a.is_valid(i).then(|| a.value(i)),
            Bytes::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Bytes::Str(a) => a.is_valid(i).then(|| a.value(i).as_bytes()),
            Bytes::LargeStr(a) => a.is_valid(i).then(|| a.value(i).as_bytes()),
        }
    }

    fn str(&self, i: usize) -> Result<Option<&'a str>, JobError> {
        self.get(i)
            .map(|b| std::str::from_utf8(b).map_err(|e| JobError::Value(format!("row {i}: {e}"))))
            .transpose()
    }
}

/// An integer column of any width, read as i64.
fn ints(batch: &RecordBatch, name: &str) -> Result<Vec<i64>, JobError> {
    let a = column(batch, name)?;
    let v: Vec<i64> = match a.data_type() {
        DataType::Int64 => a.as_primitive::<Int64Type>().values().to_vec(),
        DataType::Int32 => a
            .as_primitive::<Int32Type>()
            .values()
            .iter()
            .map(|&x| x as i64)
            .collect(),
        DataType::Int8 => a
            .as_primitive::<Int8Type>()
            .values()
            .iter()
            .map(|&x| x as i64)
            .collect(),
        DataType::UInt8 => a
            .as_primitive::<UInt8Type>()
            .values()
            .iter()
            .map(|&x| x as i64)
            .collect(),
        t => return Err(JobError::Value(format!("column '{name}' is {t}, not an integer"))),
    };
    if a.null_count() > 0 {
        return Err(JobError::Value(format!("column '{name}' has nulls")));
    }
    Ok(v)
}

fn floats(batch: &RecordBatch, name: &str) -> Result<Vec<f64>, JobError> {
    let a = column(batch, name)?;
    match a.data_type() {
        DataType::Float64 => Ok(a.as_primitive::<Float64Type>().values().to_vec()),
        t => Err(JobError::Value(format!("column '{name}' is {t}, not float64"))),
    }
}

/// Output columns, built as Arrow buffers: fixed-width values little-endian, variable ones as
/// 32-bit offsets and data, with a validity bitmap when a value may be missing. The Python side
/// wraps them with `pyarrow.Array.from_buffers`.
#[derive(Default)]
struct Cols {
    cols: Vec<(&'static str, Col)>,
}

enum Col {
    Fixed(&'static str, Vec<u8>),
    Var {
        offsets: Vec<i32>,
        data: Vec<u8>,
        valid: Vec<bool>,
        string: bool,
    },
}

impl Col {
    fn var(string: bool) -> Col {
        Col::Var {
            offsets: vec![0],
            data: Vec::new(),
            valid: Vec::new(),
            string,
        }
    }

    fn push(&mut self, v: Option<&[u8]>) -> Result<(), JobError> {
        let Col::Var {
            offsets, data, valid, ..
        } = self
        else {
            unreachable!("push is for variable-width columns")
        };
        data.extend_from_slice(v.unwrap_or_default());
        let end = i32::try_from(data.len()).map_err(|_| {
            JobError::Value("an output batch passed 2 GiB; lower spark.sql.execution.arrow.maxRecordsPerBatch".into())
        })?;
        offsets.push(end);
        valid.push(v.is_some());
        Ok(())
    }
}

impl Cols {
    fn fixed<T: Copy>(&mut self, name: &'static str, kind: &'static str, v: &[T], le: impl Fn(T) -> Vec<u8>) {
        let bytes = v.iter().flat_map(|&x| le(x)).collect();
        self.cols.push((name, Col::Fixed(kind, bytes)));
    }

    fn i64(&mut self, name: &'static str, v: &[i64]) {
        self.fixed(name, "int64", v, |x| x.to_le_bytes().to_vec());
    }

    fn i32(&mut self, name: &'static str, v: &[i32]) {
        self.fixed(name, "int32", v, |x| x.to_le_bytes().to_vec());
    }

    fn u8(&mut self, name: &'static str, v: &[u8]) {
        self.cols.push((name, Col::Fixed("uint8", v.to_vec())));
    }

    fn f64(&mut self, name: &'static str, v: &[f64]) {
        self.fixed(name, "float64", v, |x| x.to_le_bytes().to_vec());
    }

    fn var(&mut self, name: &'static str, col: Col) {
        self.cols.push((name, col));
    }

    fn into_py<'py>(self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (name, col) in self.cols {
            match col {
                Col::Fixed(kind, bytes) => d.set_item(name, (kind, PyBytes::new(py, &bytes)))?,
                Col::Var {
                    offsets,
                    data,
                    valid,
                    string,
                } => {
                    let off: Vec<u8> = offsets.iter().flat_map(|x| x.to_le_bytes()).collect();
                    let mut bitmap = vec![0u8; valid.len().div_ceil(8)];
                    for (i, _) in valid.iter().enumerate().filter(|(_, v)| **v) {
                        bitmap[i / 8] |= 1 << (i % 8);
                    }
                    let kind = if string { "string" } else { "binary" };
                    d.set_item(
                        name,
                        (
                            kind,
                            PyBytes::new(py, &off),
                            PyBytes::new(py, &data),
                            PyBytes::new(py, &bitmap),
                        ),
                    )?
                }
            }
        }
        Ok(d)
    }
}

// ---------------------------------------------------------------------------------------------
// Reading and signing

/// Row status of [`spark_sign`] and [`CompressedReader`].
const OK: u8 = 0;
const REJECTED: u8 = 1;
const BLANK: u8 = 2;
const FAILED: u8 = 3;

/// Signs a batch. With `lines`, column `raw` holds lines as Spark split them on `\n` (a CRLF
/// line keeps its `\r`; blank lines are there too, and are no record); without, it holds record
/// bytes as the compressed reader gave them. Each row is read as the command line reads a line
/// ([`line_record`], [`push_record`]: over `--max-doc-bytes` rejected or cut down), parsed and
/// signed ([`sign_chunk`]). A text without words is signed too (size 0): the command line keeps
/// such a record and never matches it.
///
/// Returns, per row: `status` (0 signed, 1 rejected, 2 blank), `record` (the record's bytes, as
/// `kept.jsonl` copies them), `id`, `place` (1 when the record had no id field and `id` stands for
/// its place, to be made `FILE:LINE` by the caller; see [`PLACE`]), `size` (shingles counted),
/// `truncated`, `sig` (the stored 16-bit slots, [`slot_bytes`]; empty unless signed), and for a
/// rejected row `kind` and `reason`.
#[pyfunction]
pub fn spark_sign<'py>(
    py: Python<'py>,
    stream: &Bound<'py, PyAny>,
    params_json: &str,
    lines: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let params = params_of(params_json)?;
    let batches = batches(stream)?;
    let cols = run(py, THREADS, move |cancel| {
        let signer = Signer::new(&params)?;
        let limits = limits(&params);
        let corpus = jsonl_corpus();
        let n_perm = params.num_perm;
        let mut rows = SignedRows::default();
        for batch in &batches {
            cancel.check()?;
            let raw = Bytes::of(batch, "raw")?;
            let n = batch.num_rows();
            let mut chunk = storydup_io::source::Chunk::default();
            // The record of each row (None: blank), and the chunk item of each record.
            let mut recs: Vec<Option<&[u8]>> = Vec::with_capacity(n);
            for i in 0..n {
                let bytes = raw
                    .get(i)
                    .ok_or_else(|| JobError::Value(format!("row {i} of the input has no bytes (null)")))?;
                let rec = if lines { line_record(bytes) } else { Some(bytes) };
                if let Some(rec) = rec {
                    let start = chunk.items.len();
                    push_record(&mut chunk, 0, rec, i as u64 + 1, 0, &limits);
                    if chunk.items.len() != start + 1 {
                        return Err(JobError::Value(format!("row {i}: the record was not read")));
                    }
                }
                recs.push(rec);
            }
            let mut sigs = vec![u32::MAX; chunk.items.len() * n_perm];
            let (signed, _) = sign_chunk(&corpus, &chunk, &signer, &mut sigs);
            let mut signed = signed.into_iter().zip(sigs.chunks(n_perm.max(1)));
            for (row, rec) in recs.into_iter().enumerate() {
                let Some(rec) = rec else {
                    rows.blank()?;
                    continue;
                };
                let (result, slots) = signed.next().expect("one signed result per record");
                let is_place = |key: &str| key == place_id(&corpus.sources[0], row as u64 + 1);
                rows.record(rec, result, slots, is_place)?;
            }
        }
        Ok(rows.cols())
    })?;
    cols.into_py(py)
}

/// The columns of [`spark_sign`] and [`ParquetReader::next_batch`], a row at a time.
struct SignedRows {
    status: Vec<u8>,
    size: Vec<i32>,
    truncated: Vec<u8>,
    place: Vec<u8>,
    /// Whether rows carry their place ([`SignedRows::at`]).
    located: bool,
    line: Vec<i64>,
    offset: Vec<i64>,
    record: Col,
    id: Col,
    sig: Col,
    kind: Col,
    reason: Col,
}

impl Default for SignedRows {
    fn default() -> SignedRows {
        SignedRows {
            status: Vec::new(),
            size: Vec::new(),
            truncated: Vec::new(),
            place: Vec::new(),
            located: false,
            line: Vec::new(),
            offset: Vec::new(),
            record: Col::var(false),
            id: Col::var(true),
            sig: Col::var(false),
            kind: Col::var(true),
            reason: Col::var(true),
        }
    }
}

impl SignedRows {
    fn len(&self) -> usize {
        self.status.len()
    }

    /// A blank line: no record.
    fn blank(&mut self) -> Result<(), JobError> {
        self.push(BLANK, 0, 0, 0, Some(&[]), None, None, None)
    }

    /// A record and what signing it gave; `is_place` tells an id that stands for the place.
    fn record(
        &mut self,
        rec: &[u8],
        result: storydup_io::dedup::SignedRecord,
        slots: &[u32],
        is_place: impl Fn(&str) -> bool,
    ) -> Result<(), JobError> {
        match result {
            Ok((key, s, _)) => {
                let place = u8::from(is_place(&key));
                let sig = slot_bytes(slots);
                let size = s.num_shingles as i32;
                self.push(
                    OK,
                    size,
                    u8::from(s.truncated),
                    place,
                    Some(rec),
                    Some(&key),
                    Some(&sig),
                    None,
                )
            }
            Err((key, problem)) => self.push(
                REJECTED,
                0,
                0,
                0,
                Some(rec),
                key.as_deref(),
                None,
                Some((problem.kind, &problem.message)),
            ),
        }
    }

    /// Where the input broke: no record.
    fn failed(&mut self, problem: &Problem) -> Result<(), JobError> {
        self.push(
            FAILED,
            0,
            0,
            0,
            None,
            None,
            None,
            Some((problem.kind, &problem.message)),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        status: u8,
        size: i32,
        truncated: u8,
        place: u8,
        record: Option<&[u8]>,
        id: Option<&str>,
        sig: Option<&[u8]>,
        problem: Option<(&str, &str)>,
    ) -> Result<(), JobError> {
        self.status.push(status);
        self.size.push(size);
        self.truncated.push(truncated);
        self.place.push(place);
        self.record.push(record)?;
        self.id.push(id.map(str::as_bytes))?;
        self.sig.push(sig)?;
        self.kind.push(problem.map(|p| p.0.as_bytes()))?;
        self.reason.push(problem.map(|p| p.1.as_bytes()))
    }

    /// The columns; when `located`, each row's `line` and `offset` too.
    fn cols(self) -> Cols {
        let mut cols = Cols::default();
        cols.u8("status", &self.status);
        cols.var("record", self.record);
        cols.var("id", self.id);
        cols.u8("place", &self.place);
        cols.i32("size", &self.size);
        cols.u8("truncated", &self.truncated);
        cols.var("sig", self.sig);
        cols.var("kind", self.kind);
        cols.var("reason", self.reason);
        if self.located {
            cols.i64("line", &self.line);
            cols.i64("offset", &self.offset);
        }
        cols
    }

    /// The place of the row pushed last.
    fn at(&mut self, line: u64, offset: u64) {
        self.line.push(line as i64);
        self.offset.push(offset as i64);
    }
}

/// Reads a Parquet file (saved on the executor's disk) with the command line's own reader
/// (`storydup_io::source::parquet`: the id and text columns by name, a row's place `FILE:ROW`
/// as its id when there is no id column, null or non-string texts rejected with their row, rows
/// over `--max-doc-bytes` rejected or cut down, a corrupt file reported where reading stopped),
/// and signs each row as the command line does. Each record's bytes are the reader's frame of the
/// row (id and text), which [`spark_verify`] reads back with `parquet`.
#[pyclass(unsendable)]
pub struct ParquetReader {
    rx: Receiver<ChunkResult>,
    corpus: Corpus,
    params: Params,
    schema: Option<(String, String)>,
    bytes_read: u64,
    done: bool,
}

/// A Parquet file on this machine, named `display` in messages and places, its rows spooled
/// under `spool` (held in memory while `budget` lasts), as the command line reads one.
fn parquet_source(path: PathBuf, display: String, spool: PathBuf, budget: &Budget) -> Source {
    Source {
        display,
        path: Some(path),
        format: &Parquet,
        name_id: None,
        spool: Some(spool),
        held: Some(std::sync::Arc::new(Held::new(budget))),
    }
}

/// Opens `path`, a Parquet file named `display` in messages and places, spooling its rows under
/// `spool` (a file path; held in memory while it is small).
#[pyfunction]
pub fn spark_read_parquet(
    path: PathBuf,
    display: String,
    spool: PathBuf,
    params_json: &str,
) -> PyResult<ParquetReader> {
    let params = params_of(params_json)?;
    let schema = storydup_io::kept_parquet::schema_description(&path);
    let corpus = Corpus::of_sources(vec![parquet_source(path, display, spool, &Budget::new(HELD_BYTES))]);
    let l = limits(&params);
    let rx = corpus.read_records(
        params.max_doc_bytes,
        &l.oversized,
        &[&params.id_field, &params.text_field],
    );
    Ok(ParquetReader {
        rx,
        corpus,
        params,
        schema,
        bytes_read: 0,
        done: false,
    })
}

#[pymethods]
impl ParquetReader {
    /// The next rows, signed, about `max_rows` of them (whole chunks of the reader), or `None` at
    /// the end: the columns of [`spark_sign`], and each row's `line` (its row, from 1) and
    /// `offset` (as the command line reports it).
    fn next_batch<'py>(&mut self, py: Python<'py>, max_rows: usize) -> PyResult<Option<Bound<'py, PyDict>>> {
        if self.done {
            return Ok(None);
        }
        let (rx, corpus, params) = (&mut self.rx, &self.corpus, &self.params);
        let (rows, bytes, done) = run(py, THREADS, move |cancel| {
            let signer = Signer::new(params)?;
            let mut rows = SignedRows {
                located: true,
                ..SignedRows::default()
            };
            let mut bytes = 0u64;
            while rows.len() < max_rows.max(1) {
                cancel.check()?;
                match rx.recv() {
                    Ok(Ok(chunk)) => {
                        bytes += chunk.bytes_read;
                        let mut sigs = vec![u32::MAX; chunk.items.len() * params.num_perm];
                        let (signed, _) = sign_chunk(corpus, &chunk, &signer, &mut sigs);
                        for ((item, result), slots) in
                            chunk.items.iter().zip(signed).zip(sigs.chunks(params.num_perm.max(1)))
                        {
                            rows.record(chunk.bytes(item), result, slots, |_| false)?;
                            rows.at(item.span.line, item.span.offset);
                        }
                    }
                    Ok(Err((at, problem))) => {
                        rows.failed(&problem)?;
                        rows.at(at.line, at.byte_offset);
                    }
                    Err(_) => return Ok((rows, bytes, true)),
                }
            }
            Ok((rows, bytes, false))
        })?;
        self.bytes_read += bytes;
        self.done = done;
        rows.cols().into_py(py).map(Some)
    }

    /// Bytes read so far, as the command line counts them (`input_bytes`): all of them once
    /// [`ParquetReader::next_batch`] has returned `None`.
    #[getter]
    fn bytes_read(&self) -> u64 {
        self.bytes_read
    }

    /// The file's schema as the command line compares the inputs' schemas (a key equal for equal
    /// schemas, and the columns as messages name them), or `None` when it cannot be read.
    #[getter]
    fn schema(&self) -> Option<(String, String)> {
        self.schema.clone()
    }
}

/// Reads a gzip or zstd JSONL file (saved on the executor's disk) with the command line's own
/// reader (compression from the first bytes, a BOM, CRLF, blank lines, lines over
/// `--max-doc-bytes`, a truncated stream reported where it breaks), its decompressed bytes spooled
/// beside it so that an oversized record can be copied whole. Batches come from
/// [`CompressedReader::next_batch`].
#[pyclass(unsendable)]
pub struct CompressedReader {
    rx: Receiver<ChunkResult>,
    spool: PathBuf,
    /// Records over `--max-doc-bytes`: (line, offset, length), copied from the spool at the end.
    oversized: Vec<(u64, u64, u64)>,
    bytes_read: u64,
    done: bool,
}

/// Opens `path` (a compressed JSONL file), spooling its plain bytes to `spool`.
#[pyfunction]
pub fn spark_read_compressed(path: PathBuf, spool: PathBuf, params_json: &str) -> PyResult<CompressedReader> {
    let params = params_of(params_json)?;
    let corpus = Corpus::of_sources(vec![Source {
        display: path.display().to_string(),
        path: Some(path),
        format: &Jsonl,
        name_id: None,
        spool: Some(spool.clone()),
        held: None,
    }]);
    let rx = corpus.read_chunks(params.max_doc_bytes, &limits(&params).oversized);
    Ok(CompressedReader {
        rx,
        spool,
        oversized: Vec::new(),
        bytes_read: 0,
        done: false,
    })
}

#[pymethods]
impl CompressedReader {
    /// The next rows, about `max_rows` of them (whole chunks of the reader), or `None` at the end:
    /// `status` (0 a record, 3 the stream broke here), `line`, `offset`, `record` (its bytes), and
    /// `kind`/`reason` of a break.
    fn next_batch<'py>(&mut self, py: Python<'py>, max_rows: usize) -> PyResult<Option<Bound<'py, PyDict>>> {
        if self.done {
            return Ok(None);
        }
        let (mut status, mut line, mut offset) = (Vec::new(), Vec::new(), Vec::new());
        let (mut record, mut kind, mut reason) = (Col::var(false), Col::var(true), Col::var(true));
        let err = |e: JobError| match e {
            JobError::Value(m) => PyValueError::new_err(m),
            _ => PyValueError::new_err("cannot build the batch"),
        };
        while status.len() < max_rows.max(1) {
            match self.rx.recv() {
                Ok(Ok(chunk)) => {
                    self.bytes_read += chunk.bytes_read;
                    for item in &chunk.items {
                        if item.stored == Stored::Whole {
                            status.push(OK);
                            line.push(item.span.line as i64);
                            offset.push(item.span.offset as i64);
                            record.push(Some(chunk.bytes(item))).map_err(err)?;
                            kind.push(None).map_err(err)?;
                            reason.push(None).map_err(err)?;
                        } else {
                            self.oversized.push((item.span.line, item.span.offset, item.span.len));
                        }
                    }
                }
                Ok(Err((at, problem))) => {
                    status.push(FAILED);
                    line.push(at.line as i64);
                    offset.push(at.byte_offset as i64);
                    record.push(None).map_err(err)?;
                    kind.push(Some(problem.kind.as_bytes())).map_err(err)?;
                    reason.push(Some(problem.message.as_bytes())).map_err(err)?;
                }
                Err(_) => {
                    // The reader is done and has flushed the spool: copy the oversized records.
                    self.done = true;
                    if !self.oversized.is_empty() {
                        use std::io::{Read, Seek, SeekFrom};
                        let spool_err =
                            |e: std::io::Error| PyValueError::new_err(format!("cannot read the spool: {e}"));
                        let mut f = std::fs::File::open(&self.spool).map_err(spool_err)?;
                        for &(l, o, n) in &self.oversized {
                            let mut buf = vec![0u8; n as usize];
                            f.seek(SeekFrom::Start(o)).map_err(spool_err)?;
                            f.read_exact(&mut buf).map_err(spool_err)?;
                            status.push(OK);
                            line.push(l as i64);
                            offset.push(o as i64);
                            record.push(Some(&buf)).map_err(err)?;
                            kind.push(None).map_err(err)?;
                            reason.push(None).map_err(err)?;
                        }
                        self.oversized.clear();
                    }
                    break;
                }
            }
        }
        let mut cols = Cols::default();
        cols.u8("status", &status);
        cols.i64("line", &line);
        cols.i64("offset", &offset);
        cols.var("record", record);
        cols.var("kind", kind);
        cols.var("reason", reason);
        cols.into_py(py).map(Some)
    }

    /// Decompressed bytes read so far (all of them once [`CompressedReader::next_batch`] has
    /// returned `None`).
    #[getter]
    fn bytes_read(&self) -> u64 {
        self.bytes_read
    }
}

/// The command line's message for two Parquet inputs whose schemas differ.
#[pyfunction]
pub fn spark_schema_mismatch(first: &str, first_columns: &str, other: &str, other_columns: &str) -> String {
    storydup_io::kept_parquet::schema_mismatch(first, first_columns, other, other_columns)
}

/// Writes `out_dir/kept.parquet` as `storydup dedup` writes it, from local copies of the run's
/// Parquet files (`paths`, named `displays`, in input order): each file is read again with the
/// command line's reader, and every row it accepts is written unless its row (from 1) is in that
/// file's `not_kept` (removed, or rejected for its id). `texts_whole`: no record was cut down
/// (the run's `truncated` is 0), as the command line decides where the kept texts come from.
/// Returns the number of rows written.
#[pyfunction]
pub fn spark_write_kept_parquet(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    displays: Vec<String>,
    not_kept: Vec<Vec<u64>>,
    params_json: &str,
    texts_whole: bool,
    out_dir: PathBuf,
) -> PyResult<u64> {
    let params = params_of(params_json)?;
    if paths.len() != displays.len() || paths.len() != not_kept.len() {
        return Err(PyValueError::new_err("paths, displays and not_kept differ in length"));
    }
    run(py, THREADS, move |cancel| {
        let budget = Budget::new(HELD_BYTES);
        let spool = out_dir.join(".storydup-spark-spool");
        std::fs::create_dir_all(&spool)
            .map_err(|e| JobError::Value(format!("cannot create {}: {e}", spool.display())))?;
        let sources = paths
            .into_iter()
            .zip(displays)
            .enumerate()
            .map(|(k, (path, display))| parquet_source(path, display, spool.join(format!("spool-{k:05}")), &budget))
            .collect();
        let corpus = Corpus::of_sources(sources);
        let l = limits(&params);
        let mut spans = Vec::new();
        let mut removed = Vec::new();
        for chunk in corpus.read_records(
            params.max_doc_bytes,
            &l.oversized,
            &[&params.id_field, &params.text_field],
        ) {
            cancel.check()?;
            // A file that breaks is reported by the first pass; here its rows stop there too.
            let Ok(chunk) = chunk else { continue };
            for item in &chunk.items {
                if matches!(item.stored, Stored::Whole | Stored::Cut(_)) {
                    let gone = &not_kept[item.span.source as usize];
                    removed.push(gone.binary_search(&item.span.line).is_ok());
                    spans.push(item.span);
                }
            }
        }
        let (pending, n) =
            storydup_io::kept_parquet::write(&out_dir, &corpus, &spans, &removed, &params.text_field, texts_whole)?;
        pending.commit()?;
        let _ = std::fs::remove_dir_all(&spool);
        Ok(n)
    })
}

// ---------------------------------------------------------------------------------------------
// Banding

/// The band keys of each signature in column `sig` (stored slots, [`slot_bytes`]), as
/// [`candidates`] computes them: rows (`row`: the input row, `band`, `key`: the u64 key as i64),
/// bands × rows of them. The caller leaves out records without words, as [`candidates`] does.
///
/// [`candidates`]: storydup_core::dedup::lsh::candidates
#[pyfunction]
pub fn spark_band_keys<'py>(
    py: Python<'py>,
    stream: &Bound<'py, PyAny>,
    params_json: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let params = params_of(params_json)?;
    let batches = batches(stream)?;
    let cols = run(py, THREADS, move |_| {
        let bands = Deduper::new(&params)?.bands();
        let (mut row, mut band, mut key) = (Vec::new(), Vec::new(), Vec::new());
        let mut base = 0i32;
        for batch in &batches {
            let sigs = Bytes::of(batch, "sig")?;
            for i in 0..batch.num_rows() {
                let sig = slots(sigs.get(i).unwrap_or_default(), params.num_perm)?;
                for b in 0..bands.bands {
                    row.push(base + i as i32);
                    band.push(b as i32);
                    key.push(bands.key(b, &sig) as i64);
                }
            }
            base += batch.num_rows() as i32;
        }
        let mut cols = Cols::default();
        cols.i32("row", &row);
        cols.i32("band", &band);
        cols.i64("key", &key);
        Ok(cols)
    })?;
    cols.into_py(py)
}

/// The candidate pairs of the buckets in a batch sorted by (`band`, `key`, `doc`): each run of
/// equal (band, key) is a bucket, paired by the core's rule ([`bucket_pairs`]). Unless `last`,
/// the final run may go on in the next batch: it is left, and the number of rows used is
/// returned with the pairs (`a`, `b`: docs, `a < b`).
#[pyfunction]
pub fn spark_bucket_pairs<'py>(
    py: Python<'py>,
    stream: &Bound<'py, PyAny>,
    last: bool,
) -> PyResult<(Bound<'py, PyDict>, usize)> {
    let batches = batches(stream)?;
    let (cols, used) = run(py, THREADS, move |_| {
        let (mut band, mut key, mut doc) = (Vec::new(), Vec::new(), Vec::new());
        for b in &batches {
            band.extend(ints(b, "band")?);
            key.extend(ints(b, "key")?);
            doc.extend(ints(b, "doc")?);
        }
        let (mut a, mut bb) = (Vec::new(), Vec::new());
        let (mut positions, mut found) = (Vec::new(), Vec::new());
        let n = doc.len();
        let mut i = 0;
        while i < n {
            let mut j = i + 1;
            while j < n && band[j] == band[i] && key[j] == key[i] {
                j += 1;
            }
            if j == n && !last {
                break;
            }
            let run = &doc[i..j];
            if run.windows(2).any(|w| w[0] >= w[1]) {
                return Err(JobError::Value("a bucket is not sorted by record".into()));
            }
            // The rule pairs positions in the bucket (records in input order); no saved index, so
            // every pair is new.
            positions.clear();
            positions.extend(0..run.len() as u32);
            found.clear();
            bucket_pairs(&positions, 0, &mut found);
            for &(x, y) in &found {
                a.push(run[x as usize]);
                bb.push(run[y as usize]);
            }
            i = j;
        }
        let mut cols = Cols::default();
        cols.i64("a", &a);
        cols.i64("b", &bb);
        Ok((cols, i))
    })?;
    Ok((cols.into_py(py)?, used))
}

/// Whether each candidate pair (`size_a`, `size_b`, `sig_a`, `sig_b`: stored slots) passes the
/// estimate filter that comes before verification ([`near_enough`], the test of the command
/// line's `verify::filter`): one byte per row, 1 or 0.
#[pyfunction]
pub fn spark_near_enough<'py>(
    py: Python<'py>,
    stream: &Bound<'py, PyAny>,
    params_json: &str,
) -> PyResult<Bound<'py, PyBytes>> {
    let params = params_of(params_json)?;
    let batches = batches(stream)?;
    let mask = run(py, THREADS, move |_| {
        let rule = storydup_core::dedup::cluster::Rule {
            threshold: params.threshold,
            containment: params.containment,
        };
        let mut mask = Vec::new();
        for b in &batches {
            let (sa, sb) = (ints(b, "size_a")?, ints(b, "size_b")?);
            let (ga, gb) = (Bytes::of(b, "sig_a")?, Bytes::of(b, "sig_b")?);
            for i in 0..b.num_rows() {
                let x = slots(ga.get(i).unwrap_or_default(), params.num_perm)?;
                let y = slots(gb.get(i).unwrap_or_default(), params.num_perm)?;
                mask.push(u8::from(near_enough(&rule, sa[i] as u32, sb[i] as u32, &x, &y)));
            }
        }
        Ok(mask)
    })?;
    Ok(PyBytes::new(py, &mask))
}

// ---------------------------------------------------------------------------------------------
// Verification and clusters

/// The texts of one component's records, from their bytes, parsed as the command line parses a
/// record it reads again (cut down again when over `--max-doc-bytes`).
struct RecordTexts<'a> {
    records: Vec<&'a [u8]>,
    /// The records are Parquet rows' frames ([`ParquetReader`]), not JSONL lines.
    parquet: bool,
    params: &'a Params,
    limits: &'a Limits,
    corpus: &'a Corpus,
}

impl TextSource for RecordTexts<'_> {
    fn text(&self, doc: DocId) -> storydup_core::Result<Cow<'_, str>> {
        let bytes = self
            .records
            .get(doc.index())
            .ok_or_else(|| Error::Internal(format!("no record {}", doc.0)))?;
        if self.parquet {
            // The frame as the reader kept it (already cut under --oversized truncate).
            return frame_text(bytes)
                .map(|t| Cow::Owned(t.to_owned()))
                .ok_or_else(|| Error::Internal("a Parquet row's frame no longer parses".into()));
        }
        let mut chunk = storydup_io::source::Chunk::default();
        push_record(&mut chunk, 0, bytes, 1, 0, self.limits);
        let item: &Item = chunk
            .items
            .first()
            .ok_or_else(|| Error::Internal("a record was not read again".into()))?;
        let p = self.params;
        let parsed = parse(
            &self.corpus.sources[0],
            item,
            chunk.bytes(item),
            Fields::new(&p.id_field, &p.text_field, p.missing_id),
            p.max_doc_bytes,
        )
        .map_err(|problem| Error::Internal(format!("a record no longer parses: {}", problem.message)))?;
        Ok(Cow::Owned(parsed.text.into_owned()))
    }
}

/// One input row of [`spark_verify`]: root, kind, key, b, id, size, sig, record.
struct VerifyRow<'a>(
    i64,
    i64,
    i64,
    i64,
    Option<&'a str>,
    i64,
    Option<&'a [u8]>,
    Option<&'a [u8]>,
);

/// Row kinds of [`spark_verify`]'s output.
const REMOVAL: u8 = 0;
const CLUSTER: u8 = 1;
const COMPONENT: u8 = 2;

/// Verifies the components in a batch sorted by (`root`, `kind`, `key`, `b`): rows of kind 0
/// are a component's members (`key`, `id`, `size`, `sig`, `record`), rows of kind 1 its filtered
/// candidate pairs (`key` < `b`). Unless `last`, the final component may go on in the next batch:
/// it is left, and the number of rows used is returned. Each component is measured and clustered
/// by [`verify_component`], as in a single-machine run.
///
/// Output rows: per component (`rowtype` 2: `root`, `n_edges`, `n_members`); per cluster
/// (`rowtype` 1: `first`, its first member, `id` the kept record's, `kept_pos`, `members` its
/// ids, each a little-endian u32 length and the bytes); per removed record (`rowtype` 0: `key`,
/// `first`, `id`, `dup_id`, `matched_id` when it is not the kept one, `similarity`, `measure` 1
/// Jaccard or 2 containment). With `parquet`, the records are Parquet rows' frames.
#[pyfunction]
#[pyo3(signature = (stream, params_json, last, parquet=false))]
pub fn spark_verify<'py>(
    py: Python<'py>,
    stream: &Bound<'py, PyAny>,
    params_json: &str,
    last: bool,
    parquet: bool,
) -> PyResult<(Bound<'py, PyDict>, usize)> {
    let params = params_of(params_json)?;
    let batches = batches(stream)?;
    let (cols, used) = run(py, THREADS, move |cancel| {
        let limits = limits(&params);
        let corpus = jsonl_corpus();
        let mut rows: Vec<VerifyRow<'_>> = Vec::new();
        for b in &batches {
            let (root, kind, key, bcol, size) = (
                ints(b, "root")?,
                ints(b, "kind")?,
                ints(b, "key")?,
                column(b, "b")?,
                ints(b, "size")?,
            );
            let bvals = bcol.as_primitive::<Int64Type>();
            let (id, sig, record) = (Bytes::of(b, "id")?, Bytes::of(b, "sig")?, Bytes::of(b, "record")?);
            for i in 0..b.num_rows() {
                let bv = if bvals.is_valid(i) { bvals.value(i) } else { -1 };
                rows.push(VerifyRow(
                    root[i],
                    kind[i],
                    key[i],
                    bv,
                    id.str(i)?,
                    size[i],
                    sig.get(i),
                    record.get(i),
                ));
            }
        }
        let mut out = VerifyOut::default();
        let mut shingler = Shingler::default();
        let n = rows.len();
        let mut i = 0;
        while i < n {
            cancel.check()?;
            let mut j = i + 1;
            while j < n && rows[j].0 == rows[i].0 {
                j += 1;
            }
            if j == n && !last {
                break;
            }
            let group = &rows[i..j];
            let members: Vec<_> = group.iter().filter(|r| r.1 == 0).collect();
            let keys: Vec<i64> = members.iter().map(|r| r.2).collect();
            if keys.windows(2).any(|w| w[0] >= w[1]) {
                return Err(JobError::Value(format!(
                    "component {} is not sorted by record",
                    group[0].0
                )));
            }
            let local = |k: i64| -> Result<u32, JobError> {
                keys.binary_search(&k)
                    .map(|p| p as u32)
                    .map_err(|_| JobError::Value(format!("pair end {k} is not a member of component {}", group[0].0)))
            };
            let mut pairs = Vec::new();
            for r in group.iter().filter(|r| r.1 == 1) {
                pairs.push((local(r.2)?, local(r.3)?));
            }
            let mut sigs = Vec::with_capacity(members.len() * params.num_perm);
            let mut sizes = Vec::with_capacity(members.len());
            for m in &members {
                sigs.extend(slots(m.6.unwrap_or_default(), params.num_perm)?);
                sizes.push(m.5 as u32);
            }
            let table = Table {
                sigs: &sigs,
                sizes: &sizes,
                num_perm: params.num_perm,
            };
            let texts = RecordTexts {
                records: members.iter().map(|m| m.7.unwrap_or_default()).collect(),
                parquet,
                params: &params,
                limits: &limits,
                corpus: &corpus,
            };
            let local_members: Vec<u32> = (0..members.len() as u32).collect();
            let (clusters, n_edges, _) =
                verify_component(&local_members, &pairs, &[], 0, &table, &texts, &params, &mut shingler)?;
            let ids: Vec<&str> = members.iter().map(|m| m.4.unwrap_or_default()).collect();
            out.component(group[0].0, n_edges, members.len())?;
            for c in &clusters {
                out.cluster(c, &keys, &ids)?;
            }
            i = j;
        }
        Ok((out.cols(), i))
    })?;
    Ok((cols.into_py(py)?, used))
}

#[derive(Default)]
struct VerifyOut {
    rowtype: Vec<u8>,
    root: Vec<i64>,
    first: Vec<i64>,
    key: Vec<i64>,
    kept_pos: Vec<i32>,
    similarity: Vec<f64>,
    measure: Vec<u8>,
    n_edges: Vec<i64>,
    n_members: Vec<i64>,
    strs: Option<[Col; 4]>,
}

impl VerifyOut {
    fn strs(&mut self) -> &mut [Col; 4] {
        self.strs
            .get_or_insert_with(|| [Col::var(true), Col::var(true), Col::var(true), Col::var(false)])
    }

    fn row(&mut self, rowtype: u8, root: i64, first: i64, key: i64) {
        self.rowtype.push(rowtype);
        self.root.push(root);
        self.first.push(first);
        self.key.push(key);
    }

    fn component(&mut self, root: i64, n_edges: usize, n_members: usize) -> Result<(), JobError> {
        self.row(COMPONENT, root, root, root);
        self.kept_pos.push(-1);
        self.similarity.push(f64::NAN);
        self.measure.push(0);
        self.n_edges.push(n_edges as i64);
        self.n_members.push(n_members as i64);
        for c in self.strs() {
            c.push(None)?;
        }
        Ok(())
    }

    fn cluster(&mut self, c: &Cluster, keys: &[i64], ids: &[&str]) -> Result<(), JobError> {
        let first = keys[c.members[0] as usize];
        self.row(CLUSTER, first, first, first);
        let pos = c
            .members
            .iter()
            .position(|&m| m == c.kept)
            .expect("the kept record is a member");
        self.kept_pos.push(pos as i32);
        self.similarity.push(f64::NAN);
        self.measure.push(0);
        self.n_edges.push(0);
        self.n_members.push(c.members.len() as i64);
        let mut blob = Vec::new();
        for &m in &c.members {
            let id = ids[m as usize].as_bytes();
            blob.extend_from_slice(&(id.len() as u32).to_le_bytes());
            blob.extend_from_slice(id);
        }
        let [id, dup, matched, members] = self.strs();
        id.push(Some(ids[c.kept as usize].as_bytes()))?;
        dup.push(None)?;
        matched.push(None)?;
        members.push(Some(&blob))?;
        for r in &c.removals {
            self.row(REMOVAL, first, first, keys[r.doc as usize]);
            self.kept_pos.push(-1);
            self.similarity.push(r.similarity);
            self.measure.push(match r.measure {
                Measure::Jaccard => 1,
                Measure::Containment => 2,
            });
            self.n_edges.push(0);
            self.n_members.push(0);
            let [id, dup, matched, members] = self.strs();
            id.push(Some(ids[r.doc as usize].as_bytes()))?;
            dup.push(Some(ids[r.duplicate_of as usize].as_bytes()))?;
            matched.push((r.matched != r.duplicate_of).then(|| ids[r.matched as usize].as_bytes()))?;
            members.push(None)?;
        }
        Ok(())
    }

    fn cols(mut self) -> Cols {
        let [id, dup, matched, members] = std::mem::take(self.strs());
        let mut cols = Cols::default();
        cols.u8("rowtype", &self.rowtype);
        cols.i64("root", &self.root);
        cols.i64("first", &self.first);
        cols.i64("key", &self.key);
        cols.i32("kept_pos", &self.kept_pos);
        cols.f64("similarity", &self.similarity);
        cols.u8("measure", &self.measure);
        cols.i64("n_edges", &self.n_edges);
        cols.i64("n_members", &self.n_members);
        cols.var("id", id);
        cols.var("dup_id", dup);
        cols.var("matched_id", matched);
        cols.var("members", members);
        cols
    }
}

impl Default for Col {
    fn default() -> Col {
        Col::var(true)
    }
}

// ---------------------------------------------------------------------------------------------
// Output lines

/// The `removed.jsonl` lines of a batch (`cluster`, `id`, `dup_id`, `matched_id`, `similarity`,
/// `measure`), written by the command line's [`removed_line`].
#[pyfunction]
pub fn spark_removed_lines(py: Python<'_>, stream: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let batches = batches(stream)?;
    run(py, THREADS, move |_| {
        let mut out = Vec::new();
        for b in &batches {
            let (cluster, sim, measure) = (ints(b, "cluster")?, floats(b, "similarity")?, ints(b, "measure")?);
            let (id, dup, matched) = (
                Bytes::of(b, "id")?,
                Bytes::of(b, "dup_id")?,
                Bytes::of(b, "matched_id")?,
            );
            for i in 0..b.num_rows() {
                let m = matched.str(i)?;
                let ids = [
                    id.str(i)?.unwrap_or_default(),
                    dup.str(i)?.unwrap_or_default(),
                    m.unwrap_or_default(),
                ];
                let r = Removal {
                    doc: 0,
                    duplicate_of: 1,
                    matched: if m.is_some() { 2 } else { 1 },
                    similarity: sim[i],
                    measure: if measure[i] == 2 {
                        Measure::Containment
                    } else {
                        Measure::Jaccard
                    },
                };
                let line = removed_line(cluster[i] as u64, &r, |d| ids[d as usize]);
                out.push(json(&line)?);
            }
        }
        Ok(out)
    })
}

/// The `clusters.jsonl` lines of a batch (`cluster`, `kept_pos`, `members` as [`spark_verify`]
/// gives them), written by the command line's [`cluster_line`].
#[pyfunction]
pub fn spark_cluster_lines(py: Python<'_>, stream: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let batches = batches(stream)?;
    run(py, THREADS, move |_| {
        let mut out = Vec::new();
        for b in &batches {
            let (cluster, kept_pos) = (ints(b, "cluster")?, ints(b, "kept_pos")?);
            let members = Bytes::of(b, "members")?;
            for i in 0..b.num_rows() {
                let ids = decode_ids(members.get(i).unwrap_or_default())?;
                let c = Cluster {
                    members: (0..ids.len() as u32).collect(),
                    kept: kept_pos[i] as u32,
                    removals: Vec::new(),
                };
                out.push(json(&cluster_line(cluster[i] as u64, &c, |d| ids[d as usize]))?);
            }
        }
        Ok(out)
    })
}

fn decode_ids(mut blob: &[u8]) -> Result<Vec<&str>, JobError> {
    let mut ids = Vec::new();
    while blob.len() >= 4 {
        let n = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
        let s = blob
            .get(4..4 + n)
            .ok_or_else(|| JobError::Value("a member list is cut short".into()))?;
        ids.push(std::str::from_utf8(s).map_err(|e| JobError::Value(e.to_string()))?);
        blob = &blob[4 + n..];
    }
    Ok(ids)
}

/// The `rejected.jsonl` lines of a batch (`byte_offset`, `file`, `id`, `kind`, `line`,
/// `reason`).
#[pyfunction]
pub fn spark_rejected_lines(py: Python<'_>, stream: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let batches = batches(stream)?;
    run(py, THREADS, move |_| {
        let mut out = Vec::new();
        for b in &batches {
            let (offset, line) = (ints(b, "byte_offset")?, ints(b, "line")?);
            let (file, id, kind, reason) = (
                Bytes::of(b, "file")?,
                Bytes::of(b, "id")?,
                Bytes::of(b, "kind")?,
                Bytes::of(b, "reason")?,
            );
            for i in 0..b.num_rows() {
                out.push(json(&RejectedLine {
                    byte_offset: offset[i] as u64,
                    file: file.str(i)?.unwrap_or_default().to_string(),
                    id: id.str(i)?.map(str::to_string),
                    kind: kind.str(i)?.unwrap_or_default().to_string(),
                    line: line[i] as u64,
                    reason: reason.str(i)?.unwrap_or_default().to_string(),
                })?);
            }
        }
        Ok(out)
    })
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, JobError> {
    serde_json::to_string(v).map_err(|e| JobError::Value(e.to_string()))
}

/// Why the record at `path`:`line` whose id `key` the earlier record at `first_path`:`first_line`
/// has is rejected: `(kind, reason)`, the command line's words ([`duplicate_id`], which says when
/// either id is a place).
#[pyfunction]
pub fn spark_duplicate_id(
    key: &str,
    path: String,
    line: u64,
    first_path: String,
    first_line: u64,
    id_field: &str,
) -> (String, String) {
    let at = |path, line| Location {
        path,
        line,
        byte_offset: 0,
    };
    let p = duplicate_id(key, &at(path, line), &at(first_path, first_line), id_field);
    (p.kind.to_string(), p.message)
}

/// The message `storydup dedup` stops with for a bad record (its problem `kind` and `reason`)
/// under `--on-error stop`, its advice included ([`stop_advice`]).
#[pyfunction]
pub fn spark_input_error(path: String, line: u64, byte_offset: u64, kind: String, reason: String) -> String {
    let at = Location {
        path,
        line,
        byte_offset,
    };
    let advice = stop_advice(&at, &kind);
    let e = Error::Input {
        at,
        problem: Problem::new("input", reason),
    };
    format!("{e}{advice}")
}

/// `summary.json`'s text, as the command line writes it, from the run's parameters and the
/// counts the job gathered (`counts_json`: `input`, `kept`, `removed`, `rejected`, `empty`,
/// `without_id`, `clusters`, `input_bytes`, `inputs`, `skipped_files`, `truncated`,
/// `verification` and `timings_s` as in the summary, and `peak_rss_bytes`). A Spark run is never
/// against a saved index, so `against` is absent, as in a command-line run without one.
///
/// # Errors
/// `ValueError` when input ≠ kept + removed + rejected (a bug: the job must not write it).
#[pyfunction]
pub fn spark_summary(params_json: &str, counts_json: &str) -> PyResult<String> {
    let params = params_of(params_json)?;
    let c: serde_json::Value =
        serde_json::from_str(counts_json).map_err(|e| PyValueError::new_err(format!("invalid counts: {e}")))?;
    let n = |k: &str| c.get(k).and_then(|v| v.as_u64()).unwrap_or(0);
    let bands = Deduper::new(&params)
        .map_err(|e| PyValueError::new_err(e.to_string()))?
        .bands();
    let verification = serde_json::from_value(c["verification"].clone())
        .map_err(|e| PyValueError::new_err(format!("invalid verification counts: {e}")))?;
    let timings: Timings = serde_json::from_value(c["timings_s"].clone()).unwrap_or_default();
    let inputs: Vec<InputFile> = serde_json::from_value(c["inputs"].clone())
        .map_err(|e| PyValueError::new_err(format!("invalid input files: {e}")))?;
    let summary = Summary {
        version: env!("CARGO_PKG_VERSION").to_string(),
        input: n("input"),
        kept: n("kept"),
        removed: n("removed"),
        rejected: n("rejected"),
        empty: n("empty"),
        without_id: n("without_id"),
        clusters: n("clusters"),
        input_bytes: n("input_bytes"),
        inputs,
        skipped_files: n("skipped_files"),
        truncated: n("truncated"),
        params,
        lsh: lsh_summary(&bands),
        verification,
        against: None,
        timings_s: timings,
        peak_rss_bytes: n("peak_rss_bytes"),
    };
    if summary.input != summary.kept + summary.removed + summary.rejected {
        return Err(PyValueError::new_err(format!(
            "input {} != kept {} + removed {} + rejected {}",
            summary.input, summary.kept, summary.removed, summary.rejected
        )));
    }
    let mut text = serde_json::to_string_pretty(&summary).map_err(|e| PyValueError::new_err(e.to_string()))?;
    text.push('\n');
    Ok(text)
}

/// Whether `verify` is exact (records are read again for every member of a component).
#[pyfunction]
pub fn spark_is_exact(params_json: &str) -> PyResult<bool> {
    Ok(params_of(params_json)?.verify == Verify::Exact)
}

/// Adds the functions above to the extension module (used by `storydup.spark` only).
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CompressedReader>()?;
    m.add_class::<ParquetReader>()?;
    m.add_function(wrap_pyfunction!(spark_read_parquet, m)?)?;
    m.add_function(wrap_pyfunction!(spark_write_kept_parquet, m)?)?;
    m.add_function(wrap_pyfunction!(spark_schema_mismatch, m)?)?;
    m.add_function(wrap_pyfunction!(spark_params, m)?)?;
    m.add_function(wrap_pyfunction!(spark_sign, m)?)?;
    m.add_function(wrap_pyfunction!(spark_read_compressed, m)?)?;
    m.add_function(wrap_pyfunction!(spark_band_keys, m)?)?;
    m.add_function(wrap_pyfunction!(spark_bucket_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(spark_near_enough, m)?)?;
    m.add_function(wrap_pyfunction!(spark_verify, m)?)?;
    m.add_function(wrap_pyfunction!(spark_removed_lines, m)?)?;
    m.add_function(wrap_pyfunction!(spark_cluster_lines, m)?)?;
    m.add_function(wrap_pyfunction!(spark_rejected_lines, m)?)?;
    m.add_function(wrap_pyfunction!(spark_duplicate_id, m)?)?;
    m.add_function(wrap_pyfunction!(spark_input_error, m)?)?;
    m.add_function(wrap_pyfunction!(spark_summary, m)?)?;
    m.add_function(wrap_pyfunction!(spark_is_exact, m)?)?;
    Ok(())
}

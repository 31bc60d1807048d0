//! `kept.parquet`: when the input is Parquet, the kept rows are written as Parquet too, whole
//! (every column, nested ones included), with the input's schema and in input order, as
//! `kept.jsonl` holds the kept JSONL lines byte for byte.
//!
//! The second pass reads each input file again, a batch at a time, and filters each batch by the
//! kept rows. The text column, nearly all of the bytes, is not decoded from the input again: the
//! run's spool holds every text as the first pass read it (`source::parquet`), so it is taken from
//! there; only the other columns are read from the file (all columns when a text was cut under
//! `--oversized truncate` or the text column is dictionary-encoded). The kept rows are cut into
//! row groups of about `GROUP_BYTES` at batch boundaries, a rule of the data alone. Row groups
//! are encoded and compressed (snappy, the codec every Parquet reader has) on the thread pool as
//! soon as they are read, at most `IN_FLIGHT` at once, while the calling thread appends the
//! finished ones in order: the file's bytes do not depend on the thread count, the threads never
//! wait for a slow group of the same wave, and memory stays a few row groups however large the
//! input. All inputs of a run must be
//! Parquet with the same columns ([`check_inputs`]): one file has one schema.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, LargeStringArray, StringArray, StringViewArray};
use arrow_schema::{DataType, Schema, SchemaRef};
use arrow_select::filter::filter_record_batch;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnChunk, ArrowRowGroupWriterFactory};
use parquet::arrow::{ArrowWriter, ProjectionMask};
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use storydup_core::error::{Error, Result};

use crate::atomic::{Output, Pending};
use crate::source::{parquet::frame_text, Corpus, KeptAs, Reader, Span};

/// The output's name.
pub const NAME: &str = "kept.parquet";

/// Rows read per batch in the second pass.
const BATCH_ROWS: usize = 1024;

/// Bytes (texts and the other columns, decoded) of a row group of `kept.parquet`, about: a
/// group is cut at the first batch boundary past it. Each group is encoded on one thread, so this
/// is also the grain of the parallel write: a 100 MB corpus gives the threads eleven to share
/// (with sixteen MiB, six: the last one kept a thread waiting, 0.05 s of a 0.6 s run).
const GROUP_BYTES: usize = 8 << 20;

/// Row groups read and not yet appended, at most, whatever the thread count: memory is about
/// three times [`GROUP_BYTES`] a group (texts, their Arrow column, the encoded pages).
const IN_FLIGHT: usize = 8;

/// Whether a run over `corpus` writes `kept.parquet` (its inputs are Parquet).
pub fn is_parquet(corpus: &Corpus) -> bool {
    corpus
        .sources
        .first()
        .is_some_and(|s| s.format.kept_as() == KeptAs::Parquet)
}

/// The Arrow schema of a Parquet file, or `None` when it cannot be read (the first pass then
/// reports it, with the reason, as it reports any unreadable input).
fn schema_of(path: &Path) -> Option<SchemaRef> {
    let f = File::open(path).ok()?;
    ParquetRecordBatchReaderBuilder::try_new(f)
        .ok()
        .map(|b| b.schema().clone())
}

/// A schema's columns as messages name them: `name: type, ...`.
pub fn columns(s: &Schema) -> String {
    s.fields()
        .iter()
        .map(|f| format!("{}: {}", f.name(), f.data_type()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The Parquet file at `path`: its schema as [`check_inputs`] compares it (every field, with
/// its nullability and metadata) and its [`columns`], or `None` when it cannot be read.
pub fn schema_description(path: &Path) -> Option<(String, String)> {
    schema_of(path).map(|s| (format!("{:?}", s.fields()), columns(&s)))
}

/// Why files `first` and `other` cannot be deduplicated together, with their columns.
pub fn schema_mismatch(first: &str, first_columns: &str, other: &str, other_columns: &str) -> String {
    format!(
        "{first} and {other} have different columns ({first_columns} / {other_columns}): kept.parquet has one \
         schema; deduplicate files of one schema together"
    )
}

/// Refuses, before anything is read, a dedup run whose kept records cannot go to one file:
/// Parquet mixed with other inputs, or Parquet files whose columns differ.
///
/// # Errors
/// `Error::Params` naming the two inputs that disagree and what to do.
pub fn check_inputs(corpus: &Corpus) -> Result<()> {
    let parquet: Vec<_> = corpus
        .sources
        .iter()
        .filter(|s| s.format.kept_as() == KeptAs::Parquet)
        .collect();
    if parquet.is_empty() {
        return Ok(());
    }
    if let Some(other) = corpus.sources.iter().find(|s| s.format.kept_as() != KeptAs::Parquet) {
        return Err(Error::Params {
            field: "INPUT",
            reason: format!(
                "{} is Parquet but {} is {}: kept rows of a Parquet run go to kept.parquet, with the \
                 Parquet schema; convert the other inputs to Parquet, or deduplicate them in a run of their own",
                parquet[0].display,
                other.display,
                other.format.name()
            ),
        });
    }
    let mut first: Option<(&str, SchemaRef)> = None;
    for s in parquet {
        let Some(schema) = s.path.as_deref().and_then(schema_of) else {
            continue;
        };
        match &first {
            None => first = Some((&s.display, schema)),
            Some((name, f)) if f.fields() != schema.fields() => {
                return Err(Error::Params {
                    field: "INPUT",
                    reason: schema_mismatch(name, &columns(f), &s.display, &columns(&schema)),
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// `io::Write` over an atomic [`Output`], for the Parquet writer.
struct ToOutput<'a>(&'a mut Output);

impl Write for ToOutput<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).map_err(io::Error::other)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes the rows of `spans` not marked `removed` to `out_dir/kept.parquet` (not yet renamed into
/// place); returns it with the number of rows written. `texts_whole`: no text was cut by the
/// first pass (`--oversized truncate`), so the spool holds every kept text as the file does.
///
/// # Errors
/// An input can no longer be read, or the output cannot be written.
pub fn write(
    out_dir: &Path,
    corpus: &Corpus,
    spans: &[Span],
    removed: &[bool],
    text_field: &str,
    texts_whole: bool,
) -> Result<(Pending, u64)> {
    // The kept rows of each source (0-based, with their span), in order: spans are in input order.
    let mut kept: Vec<Vec<(u64, &Span)>> = vec![Vec::new(); corpus.sources.len()];
    let mut count = 0u64;
    for (d, span) in spans.iter().enumerate() {
        if !removed[d] {
            kept[span.source as usize].push((span.line - 1, span));
            count += 1;
        }
    }
    let path = out_dir.join(NAME);
    let out_err = |e: parquet::errors::ParquetError| Error::Output {
        path: path.clone(),
        source: io::Error::other(e),
    };
    let schema: SchemaRef = corpus
        .sources
        .iter()
        .find_map(|s| s.path.as_deref().and_then(schema_of))
        .unwrap_or_else(|| Arc::new(Schema::empty()));
    // The column whose values come from the spool, when they can.
    let spooled = schema.index_of(text_field).ok().filter(|&i| {
        texts_whole
            && matches!(
                schema.field(i).data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            )
    });
    let mut out = Output::create(out_dir, NAME)?;
    // The text column is nearly all unique, long values: a dictionary (hashing every text until
    // the dictionary overflows) and min/max statistics cost more than the rest of the write and
    // gain nothing, so both are off for it; other columns keep the writer's defaults
    // (results/2026-12-06-python-parquet.md).
    let text = parquet::schema::types::ColumnPath::from(text_field);
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_column_dictionary_enabled(text.clone(), false)
        .set_column_statistics_enabled(text, parquet::file::properties::EnabledStatistics::None)
        .build();
    let (mut file, factory) = ArrowWriter::try_new(ToOutput(&mut out), schema.clone(), Some(props))
        .and_then(ArrowWriter::into_serialized_writer)
        .map_err(out_err)?;
    // Enough groups in flight that no thread waits for the one being appended.
    let in_flight = (2 * rayon::current_num_threads() + 1).clamp(2, IN_FLIGHT);
    let reader = Reader::new(corpus);
    let mut groups = Groups::new(corpus, &kept, &schema, spooled);
    let (done, finished) = std::sync::mpsc::channel();
    // Runs here, not on the pool: this thread reads groups and appends, the pool encodes.
    rayon::in_place_scope(|scope| -> Result<()> {
        let mut encoded: std::collections::BTreeMap<usize, Result<Vec<ArrowColumnChunk>>> = Default::default();
        let (mut started, mut appended, mut read_all) = (0usize, 0usize, false);
        loop {
            while !read_all && started - appended < in_flight {
                match groups.next().transpose()? {
                    Some(group) => {
                        let (done, factory, schema, reader) = (done.clone(), &factory, &schema, &reader);
                        let index = started;
                        scope.spawn(move |_| {
                            let _ = done.send((index, encode(&group, index, factory, schema, spooled, reader)));
                        });
                        started += 1;
                    }
                    None => read_all = true,
                }
            }
            if appended == started {
                return Ok(());
            }
            while !encoded.contains_key(&appended) {
                let (index, chunks) = next_finished(&finished);
                encoded.insert(index, chunks);
            }
            let chunks = encoded.remove(&appended).expect("just received")?;
            let mut row_group = file.next_row_group().map_err(out_err)?;
            for c in chunks {
                c.append_to_row_group(&mut row_group).map_err(out_err)?;
            }
            row_group.close().map_err(out_err)?;
            appended += 1;
        }
    })?;
    file.close().map_err(out_err)?;
    Ok((out.finish()?, count))
}

/// The next encoded group to finish. On a thread of the pool (a caller inside `pool.install`, as
/// the Python package's calls are), waiting would leave the spawned groups no thread to run on
/// when the pool has one: such a thread runs pending work while it waits.
fn next_finished<T>(finished: &std::sync::mpsc::Receiver<T>) -> T {
    use std::sync::mpsc::TryRecvError;
    loop {
        match finished.try_recv() {
            Ok(r) => return r,
            Err(TryRecvError::Disconnected) => unreachable!("the sender lives as long as the scope"),
            Err(TryRecvError::Empty) => match rayon::yield_now() {
                Some(rayon::Yield::Executed) => {}
                Some(rayon::Yield::Idle) => {
                    if let Ok(r) = finished.recv_timeout(std::time::Duration::from_millis(1)) {
                        return r;
                    }
                }
                None => return finished.recv().expect("every spawned group reports"),
            },
        }
    }
}

/// Kept rows of one input batch: the columns read from the file (all but the spooled one, when
/// there is one) and the spans of the rows, for their texts.
struct Piece<'a> {
    columns: Vec<ArrayRef>,
    spans: Vec<&'a Span>,
}

/// The pieces of one row group of the output.
type Group<'a> = Vec<Piece<'a>>;

/// Encodes one row group: its pieces, with their texts from the spool when `spooled` names the
/// text column, through the column writers of row group `index`.
fn encode(
    group: &Group<'_>,
    index: usize,
    factory: &ArrowRowGroupWriterFactory,
    schema: &SchemaRef,
    spooled: Option<usize>,
    reader: &Reader<'_>,
) -> Result<Vec<ArrowColumnChunk>> {
    let enc_err = |e: parquet::errors::ParquetError| Error::Internal(format!("cannot encode {NAME}: {e}"));
    let mut writers = factory.create_column_writers(index).map_err(enc_err)?;
    for piece in group {
        let mut columns = piece.columns.clone();
        if let Some(t) = spooled {
            columns.insert(t, spooled_texts(&piece.spans, schema.field(t).data_type(), reader)?);
        }
        let mut next = writers.iter_mut();
        for (array, field) in columns.iter().zip(schema.fields()) {
            for leaf in compute_leaves(field, array).map_err(enc_err)? {
                let w = next.next().expect("one writer per leaf column");
                w.write(&leaf).map_err(enc_err)?;
            }
        }
    }
    writers.into_iter().map(|w| w.close().map_err(enc_err)).collect()
}

/// The texts of `spans` (rows of one source, in order) from the spool, read in one piece, as an
/// array of the text column's type.
fn spooled_texts(spans: &[&Span], data_type: &DataType, reader: &Reader<'_>) -> Result<ArrayRef> {
    let (Some(first), Some(last)) = (spans.first(), spans.last()) else {
        return Ok(arrow_array::new_empty_array(data_type));
    };
    let whole = Span {
        len: last.offset + last.len - first.offset,
        ..**first
    };
    let bytes = reader.bytes(&whole)?;
    let damaged = || Error::Internal(format!("the spool of {NAME} is damaged"));
    let texts = spans.iter().map(|s| {
        let at = (s.offset - first.offset) as usize;
        bytes
            .get(at..at + s.len as usize)
            .and_then(frame_text)
            .ok_or_else(damaged)
    });
    let texts: Vec<&str> = texts.collect::<Result<_>>()?;
    Ok(match data_type {
        DataType::LargeUtf8 => Arc::new(LargeStringArray::from_iter_values(texts)),
        DataType::Utf8View => Arc::new(StringViewArray::from_iter_values(texts)),
        _ => Arc::new(StringArray::from_iter_values(texts)),
    })
}

/// The row groups of the output, in order: each source's kept rows read a batch at a time (all
/// columns but the spooled one), filtered, and gathered into groups of about [`GROUP_BYTES`].
struct Groups<'a> {
    corpus: &'a Corpus,
    kept: &'a [Vec<(u64, &'a Span)>],
    schema: &'a SchemaRef,
    spooled: Option<usize>,
    /// The source being read, its reader, the next kept row (index into its list) and the
    /// input row of the next batch.
    source: usize,
    current: Option<ParquetRecordBatchReader>,
    next: usize,
    base: u64,
}

impl<'a> Groups<'a> {
    fn new(
        corpus: &'a Corpus,
        kept: &'a [Vec<(u64, &'a Span)>],
        schema: &'a SchemaRef,
        spooled: Option<usize>,
    ) -> Groups<'a> {
        Groups {
            corpus,
            kept,
            schema,
            spooled,
            source: 0,
            current: None,
            next: 0,
            base: 0,
        }
    }

    /// The next piece of kept rows, or `None` at the end of the last source.
    fn piece(&mut self) -> Result<Option<Piece<'a>>> {
        loop {
            let Some(rows) = self.kept.get(self.source) else {
                return Ok(None);
            };
            let src = &self.corpus.sources[self.source];
            let input = src.path.as_deref().expect("Parquet sources are files");
            let in_err = |e: parquet::errors::ParquetError| Error::Io {
                path: input.to_path_buf(),
                source: io::Error::other(e),
            };
            if self.next == rows.len() {
                self.source += 1;
                (self.current, self.next, self.base) = (None, 0, 0);
                continue;
            }
            if self.current.is_none() {
                let f = File::open(input).map_err(|source| Error::Io {
                    path: input.to_path_buf(),
                    source,
                })?;
                let builder = ParquetRecordBatchReaderBuilder::try_new(f).map_err(in_err)?;
                let roots = (0..self.schema.fields().len()).filter(|&i| Some(i) != self.spooled);
                let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
                let reader = builder
                    .with_projection(mask)
                    .with_batch_size(BATCH_ROWS)
                    .build()
                    .map_err(in_err)?;
                self.current = Some(reader);
            }
            let reader = self.current.as_mut().expect("opened above");
            let Some(batch) = reader.next() else {
                return Err(Error::Io {
                    path: input.to_path_buf(),
                    source: io::Error::other("the file has fewer rows than when it was first read"),
                });
            };
            let batch = batch.map_err(|e| in_err(e.into()))?;
            let n = batch.num_rows() as u64;
            let mut spans = Vec::new();
            let mask: BooleanArray = (self.base..self.base + n)
                .map(|r| {
                    let k = rows.get(self.next).is_some_and(|&(row, _)| row == r);
                    if k {
                        spans.push(rows[self.next].1);
                        self.next += 1;
                    }
                    Some(k)
                })
                .collect();
            self.base += n;
            if spans.is_empty() {
                continue;
            }
            let filtered = filter_record_batch(&batch, &mask).map_err(|e| in_err(e.into()))?;
            return Ok(Some(Piece {
                columns: filtered.columns().to_vec(),
                spans,
            }));
        }
    }
}

impl<'a> Iterator for Groups<'a> {
    type Item = Result<Group<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut group = Vec::new();
        let mut bytes = 0usize;
        while bytes < GROUP_BYTES {
            match self.piece() {
                Ok(Some(p)) => {
                    bytes += p.spans.iter().map(|s| s.len as usize).sum::<usize>()
                        + p.columns
                            .iter()
                            .map(|c| c.to_data().get_slice_memory_size().unwrap_or(0))
                            .sum::<usize>();
                    group.push(p);
                }
                Ok(None) => break,
                Err(e) => return Some(Err(e)),
            }
        }
        (!group.is_empty()).then_some(Ok(group))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Stored;
    use arrow_array::RecordBatch;

    /// Called from the only thread of a pool (as the Python package calls it), the writer must
    /// still finish: its groups are encoded on that pool.
    #[test]
    fn writes_from_inside_a_one_thread_pool() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.parquet");
        let n = 5000;
        let ids: Vec<String> = (0..n).map(|i| format!("r{i}")).collect();
        let texts: Vec<String> = (0..n)
            .map(|i| format!("text {i} {}", "word ".repeat(i % 400)))
            .collect();
        let batch = RecordBatch::try_from_iter([
            ("id", Arc::new(StringArray::from(ids)) as ArrayRef),
            ("text", Arc::new(StringArray::from(texts)) as ArrayRef),
        ])
        .unwrap();
        let mut w = ArrowWriter::try_new(File::create(&input).unwrap(), batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let corpus = Corpus::open(&[input.display().to_string()], &out).unwrap();
        let mut spans = Vec::new();
        for chunk in corpus.read_chunks(16 << 20, &crate::source::Oversized::Reject) {
            for item in &chunk.unwrap().items {
                assert!(matches!(item.stored, Stored::Whole));
                spans.push(item.span);
            }
        }
        let removed: Vec<bool> = (0..spans.len()).map(|d| d % 7 == 0).collect();
        let expected = removed.iter().filter(|r| !**r).count() as u64;
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let (done, wait) = std::sync::mpsc::channel();
        // A thread of its own, not joined: a writer that never finishes fails the test instead of
        // hanging it.
        std::thread::spawn(move || {
            let r = pool.install(|| write(&out, &corpus, &spans, &removed, "text", true));
            let _ = done.send(r.map(|(_, k)| k));
            drop(dir);
        });
        let kept = wait
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the writer finishes");
        assert_eq!(kept.unwrap(), expected);
    }
}

//! `kept.parquet`: when the input is Parquet, the kept rows are written as Parquet too, whole
//! (every column, nested ones included), with the input's schema and in input order, as
//! `kept.jsonl` holds the kept JSONL lines byte for byte.
//!
//! The second pass reads each input file again, all columns, a batch at a time, filters each
//! batch by the kept rows and appends it to one `ArrowWriter` (snappy, the codec every Parquet
//! reader has), reading on one thread and writing on another, so memory stays a few batches
//! however large the input. All inputs of a run must then
//! be Parquet with the same columns ([`check_inputs`]): one file has one schema.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::sync::Arc;

use arrow_array::{BooleanArray, RecordBatch};
use arrow_schema::{Schema, SchemaRef};
use arrow_select::filter::filter_record_batch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use storydup_core::error::{Error, Result};

use crate::atomic::{Output, Pending};
use crate::source::{Corpus, KeptAs, Span};

/// The output's name.
pub const NAME: &str = "kept.parquet";

/// Rows read per batch in the second pass.
const BATCH_ROWS: usize = 1024;

/// Encoded bytes of a row group of `kept.parquet`, at most (about; the writer estimates).
const ROW_GROUP_BYTES: usize = 64 << 20;

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
                let cols = |s: &Schema| {
                    s.fields()
                        .iter()
                        .map(|f| format!("{}: {}", f.name(), f.data_type()))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                return Err(Error::Params {
                    field: "INPUT",
                    reason: format!(
                        "{name} and {} have different columns ({} / {}): kept.parquet has one schema; \
                         deduplicate files of one schema together",
                        s.display,
                        cols(f),
                        cols(&schema)
                    ),
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
/// place); returns it with the number of rows written.
///
/// # Errors
/// An input can no longer be read, or the output cannot be written.
pub fn write(
    out_dir: &Path,
    corpus: &Corpus,
    spans: &[Span],
    removed: &[bool],
    text_field: &str,
) -> Result<(Pending, u64)> {
    // The kept rows of each source (0-based), in order: spans are in input order.
    let mut kept: Vec<Vec<u64>> = vec![Vec::new(); corpus.sources.len()];
    let mut count = 0u64;
    for (d, span) in spans.iter().enumerate() {
        if !removed[d] {
            kept[span.source as usize].push(span.line - 1);
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
    let mut out = Output::create(out_dir, NAME)?;
    // The text column is nearly all unique, long values: a dictionary (hashing every text until
    // the dictionary overflows) and min/max statistics cost more than the rest of the write and
    // gain nothing, so both are off for it; other columns keep the writer's defaults
    // (results/2026-12-06-python-parquet.md).
    let text = parquet::schema::types::ColumnPath::from(text_field);
    // The writer holds a row group's encoded pages until the group is full: at its default of
    // 1 Mi rows the whole of a 1 GB corpus's kept rows (1.06 GB peak, against 281 MB for the
    // same run on JSONL). Row groups of at most 64 MiB hold memory to that.
    let props = WriterProperties::builder()
        .set_max_row_group_bytes(Some(ROW_GROUP_BYTES))
        .set_compression(Compression::SNAPPY)
        .set_column_dictionary_enabled(text.clone(), false)
        .set_column_statistics_enabled(text, parquet::file::properties::EnabledStatistics::None)
        .build();
    let mut writer = ArrowWriter::try_new(ToOutput(&mut out), schema.clone(), Some(props)).map_err(out_err)?;
    // Reading and filtering the input on one thread, encoding and compressing on this one: each
    // is about half of the work, so the two overlap.
    let (tx, rx) = sync_channel::<Result<RecordBatch>>(2);
    std::thread::scope(|scope| -> Result<()> {
        let (kept, schema) = (&kept, &schema);
        scope.spawn(move || {
            if let Err(e) = read_kept(corpus, kept, schema, &tx) {
                let _ = tx.send(Err(e));
            }
        });
        for batch in rx {
            writer.write(&batch?).map_err(out_err)?;
        }
        Ok(())
    })?;
    writer.close().map_err(out_err)?;
    Ok((out.finish()?, count))
}

/// Reads the `kept` rows of each source in order, all columns, and sends them a batch at a time
/// with the writer's `schema`; stops early when the receiver is gone.
fn read_kept(
    corpus: &Corpus,
    kept: &[Vec<u64>],
    schema: &SchemaRef,
    tx: &SyncSender<Result<RecordBatch>>,
) -> Result<()> {
    for (src, rows) in corpus.sources.iter().zip(kept) {
        if rows.is_empty() {
            continue;
        }
        let input = src.path.as_deref().expect("Parquet sources are files");
        let in_err = |e: parquet::errors::ParquetError| Error::Io {
            path: input.to_path_buf(),
            source: io::Error::other(e),
        };
        let f = File::open(input).map_err(|source| Error::Io {
            path: input.to_path_buf(),
            source,
        })?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(f)
            .and_then(|b| b.with_batch_size(BATCH_ROWS).build())
            .map_err(in_err)?;
        let (mut next, mut base) = (0usize, 0u64);
        for batch in reader {
            let batch = batch.map_err(|e| in_err(e.into()))?;
            let n = batch.num_rows() as u64;
            let mask: BooleanArray = (base..base + n)
                .map(|r| {
                    let k = next < rows.len() && rows[next] == r;
                    next += usize::from(k);
                    Some(k)
                })
                .collect();
            let filtered = filter_record_batch(&batch, &mask).map_err(|e| in_err(e.into()))?;
            if filtered.num_rows() > 0 {
                // The writer's schema (the first file's, with its metadata) on every batch.
                let filtered =
                    RecordBatch::try_new(schema.clone(), filtered.columns().to_vec()).map_err(|e| in_err(e.into()))?;
                if tx.send(Ok(filtered)).is_err() {
                    return Ok(());
                }
            }
            base += n;
            if next == rows.len() {
                break;
            }
        }
        if next != rows.len() {
            return Err(Error::Io {
                path: input.to_path_buf(),
                source: io::Error::other("the file has fewer rows than when it was first read"),
            });
        }
    }
    Ok(())
}

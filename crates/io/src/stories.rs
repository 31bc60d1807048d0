//! The stories pipeline over files: reads articles (with their optional title, date and source
//! fields) through the same record sources as dedup, runs [`storydup_core::stories::run`], and
//! renders the report as text, JSON or HTML, written atomically when it goes to a file.

use std::path::Path;

use rayon::prelude::*;
use storydup_core::error::{Error, Location, Problem, Result};
use storydup_core::params::{MissingId, OnError, OnOversized};
use storydup_core::stories::article::{article, Article, Rejected};
use storydup_core::stories::story::StoryParams;
use storydup_core::stories::Report;

use crate::source::{duplicate_id, oversized_policy, parse, Corpus, Fields as Names};

/// Which JSON fields hold what.
#[derive(Debug, Clone)]
pub struct Fields {
    /// Id field.
    pub id: String,
    /// Text field.
    pub text: String,
    /// Title field.
    pub title: String,
    /// Date field.
    pub date: String,
    /// Source (outlet) field.
    pub source: String,
    /// What a record without the id field gets (default: its place, `FILE:LINE`).
    pub missing_id: MissingId,
}

impl Default for Fields {
    fn default() -> Fields {
        Fields {
            id: "id".into(),
            text: "text".into(),
            title: "title".into(),
            date: "date".into(),
            source: "source".into(),
            missing_id: MissingId::Place,
        }
    }
}

/// Stops on a bad record (`on_error` stop), or sets it aside.
fn reject(
    on_error: OnError,
    rejected: &mut Vec<Rejected>,
    at: Location,
    id: Option<String>,
    problem: Problem,
) -> Result<()> {
    match on_error {
        OnError::Stop => Err(Error::Input { at, problem }),
        OnError::Skip => {
            rejected.push(Rejected {
                file: at.path,
                line: at.line,
                byte_offset: at.byte_offset,
                id,
                kind: problem.kind,
                reason: problem.message,
            });
            Ok(())
        }
    }
}

/// Reads every record of `inputs`: the articles, and the records set aside. A bad record stops
/// the run with the same message as in dedup, or with `on_error` skip is set aside and the run
/// goes on.
///
/// # Errors
/// An unreadable input, or under `on_error` stop a bad record (file, line, what was wrong, what
/// to do).
pub fn load(
    inputs: &[String],
    fields: &Fields,
    max_doc_bytes: usize,
    oversized: OnOversized,
    on_error: OnError,
    seed: u64,
) -> Result<(Vec<Article>, Vec<Rejected>)> {
    let spool = tempfile::tempdir().map_err(|source| Error::Output {
        path: std::env::temp_dir(),
        source,
    })?;
    let corpus = Corpus::open(inputs, spool.path())?;
    let mut out = Vec::new();
    let mut rejected = Vec::new();
    let mut seen = ahash::AHashMap::new();
    let names = [
        &*fields.id,
        &*fields.text,
        &*fields.title,
        &*fields.date,
        &*fields.source,
    ];
    for chunk in corpus.read_records(
        max_doc_bytes,
        &oversized_policy(oversized, &fields.id, &fields.text),
        &names,
    ) {
        let chunk = match chunk {
            Ok(c) => c,
            Err((at, problem)) => {
                reject(on_error, &mut rejected, at, None, problem)?;
                continue;
            }
        };
        // Parsing and sentence analysis run in parallel; errors and duplicates are reported in
        // input order, as a sequential reader would find them.
        let built: Vec<std::result::Result<Article, Problem>> = chunk
            .items
            .par_iter()
            .map(|item| {
                let src = &corpus.sources[item.span.source as usize];
                let bytes = chunk.bytes(item);
                let names = Names::new(&fields.id, &fields.text, fields.missing_id);
                let parsed = parse(src, item, bytes, names, max_doc_bytes)?;
                // Extra fields are optional; a format without them gives none.
                let mut extra = src
                    .format
                    .fields(bytes, &[&fields.title, &fields.date, &fields.source])
                    .into_iter();
                let (title, date, source) = (extra.next().flatten(), extra.next().flatten(), extra.next().flatten());
                Ok(article(
                    parsed.key.into_owned(),
                    title,
                    date,
                    source,
                    parsed.text.into_owned(),
                    seed,
                ))
            })
            .collect();
        for (item, a) in chunk.items.iter().zip(built) {
            let at = corpus.location(&item.span);
            let a = match a {
                Ok(a) => a,
                Err(problem) => {
                    reject(on_error, &mut rejected, at, None, problem)?;
                    continue;
                }
            };
            if let Some(first) = seen.get(&a.key) {
                let problem = duplicate_id(&a.key, &at, first, &fields.id);
                reject(on_error, &mut rejected, at, Some(a.key), problem)?;
                continue;
            }
            seen.insert(a.key.clone(), at);
            out.push(a);
        }
    }
    Ok((out, rejected))
}

/// What to read and how to cluster.
#[derive(Debug, Clone)]
pub struct Options {
    /// Which JSON fields hold what.
    pub fields: Fields,
    /// Records larger than this are rejected, or cut under `oversized`.
    pub max_doc_bytes: usize,
    /// What to do with a record over `max_doc_bytes`.
    pub oversized: OnOversized,
    /// What to do with a bad record: stop, or list it in the report's `rejected` and go on.
    pub on_error: OnError,
    /// The story clustering parameters.
    pub story: StoryParams,
    /// Seed of the sentence and term hashes.
    pub seed: u64,
}

/// The report's formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text, for people (ANSI colours when asked).
    Text {
        /// Add ANSI colours.
        colour: bool,
        /// Add every article's sentences to the per-story summary.
        detail: bool,
    },
    /// Pretty JSON with a stable order, for programs.
    Json,
    /// One self-contained HTML page.
    Html,
}

/// Reads `inputs` (the built-in seed reports when empty) and runs the stories pipeline; the
/// records set aside under `on_error` skip are in the report's `rejected`.
///
/// # Errors
/// An unreadable input, or under `on_error` stop a bad record (file, line, what was wrong, what
/// to do).
pub fn run(inputs: &[String], options: &Options) -> Result<(Report, Vec<Article>)> {
    let started = std::time::Instant::now();
    let (articles, rejected) = if inputs.is_empty() {
        (storydup_core::stories::article::seeds(options.seed), Vec::new())
    } else {
        load(
            inputs,
            &options.fields,
            options.max_doc_bytes,
            options.oversized,
            options.on_error,
            options.seed,
        )?
    };
    // The reader's buffers are freed; the pipeline's first stage can have their room.
    crate::system::release_free_memory();
    let read = started.elapsed().as_secs_f64();
    let (mut report, articles) = storydup_core::stories::run_with(
        articles,
        &options.story,
        options.seed,
        crate::system::release_free_memory,
    );
    report.rejected = rejected;
    // Reading (parsing and cutting every article into sentences) is the first stage, timed here
    // since the core never reads.
    report.timings.insert(0, ("read", read));
    Ok((report, articles))
}

/// The report in `format`, as one string.
pub fn render(report: &Report, articles: &[Article], format: Format) -> String {
    match format {
        Format::Text { colour, detail } => crate::render::text(report, articles, colour, detail),
        Format::Json => crate::render::json(report),
        Format::Html => crate::render::html(report, articles),
    }
}

/// Writes the report in `format` to `out`; JSON is written as it is serialized, so the report of
/// 100,000 articles is never held twice.
///
/// # Errors
/// The writer's.
pub fn write(
    report: &Report,
    articles: &[Article],
    format: Format,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => crate::render::write_json(report, out),
        _ => out.write_all(render(report, articles, format).as_bytes()),
    }
}

/// [`write()`] to `path` atomically (a temporary file in the same folder, then a rename).
///
/// # Errors
/// The folder is not writable, or `path` names no file.
pub fn write_atomically(path: &Path, report: &Report, articles: &[Article], format: Format) -> Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| Error::Params {
            field: "output",
            reason: format!("{} names no file", path.display()),
        })?
        .to_string_lossy()
        .into_owned();
    let mut out = crate::atomic::Output::create(dir, &name)?;
    let mut sink = OutputWriter {
        out: &mut out,
        error: None,
    };
    if let Err(e) = write(report, articles, format, &mut sink) {
        // The atomic file's own error is kept whole; any other is the serializer's.
        return Err(sink.error.take().unwrap_or(Error::Output {
            path: path.to_path_buf(),
            source: e,
        }));
    }
    out.finish()?.commit()
}

/// An [`crate::atomic::Output`] as an [`std::io::Write`], keeping its first error whole.
struct OutputWriter<'a> {
    out: &'a mut crate::atomic::Output,
    error: Option<Error>,
}

impl std::io::Write for OutputWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.out.write(buf) {
            Ok(()) => Ok(buf.len()),
            Err(e) => {
                let message = e.to_string();
                self.error = Some(e);
                Err(std::io::Error::other(message))
            }
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

//! The stories pipeline over files: reads articles (with their optional title, date and source
//! fields) through the same record sources as dedup, runs [`storydup_core::stories::run`], and
//! renders the report as text, JSON or HTML, written atomically when it goes to a file.

use std::path::Path;

use rayon::prelude::*;
use storydup_core::error::{Error, Result};
use storydup_core::params::{MissingId, OnOversized};
use storydup_core::stories::article::{article, Article};
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

/// Reads every record of `inputs`. Bad records stop the run with the same messages as dedup.
///
/// # Errors
/// An unreadable input or a bad record (file, line, what was wrong, what to do).
pub fn load(
    inputs: &[String],
    fields: &Fields,
    max_doc_bytes: usize,
    oversized: OnOversized,
    seed: u64,
) -> Result<Vec<Article>> {
    let spool = tempfile::tempdir().map_err(|source| Error::Output {
        path: std::env::temp_dir(),
        source,
    })?;
    let corpus = Corpus::open(inputs, spool.path())?;
    let mut out = Vec::new();
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
        let chunk = chunk.map_err(|(at, problem)| Error::Input { at, problem })?;
        // Parsing and sentence analysis run in parallel; errors and duplicates are reported in
        // input order, as a sequential reader would find them.
        let built: Vec<Result<Article>> = chunk
            .items
            .par_iter()
            .map(|item| {
                let src = &corpus.sources[item.span.source as usize];
                let bytes = chunk.bytes(item);
                let names = Names::new(&fields.id, &fields.text, fields.missing_id);
                let parsed = parse(src, item, bytes, names, max_doc_bytes).map_err(|problem| Error::Input {
                    at: corpus.location(&item.span),
                    problem,
                })?;
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
            let a = a?;
            let at = corpus.location(&item.span);
            if let Some(first) = seen.insert(a.key.clone(), at.clone()) {
                let problem = duplicate_id(&a.key, &at, &first, &fields.id);
                return Err(Error::Input { at, problem });
            }
            out.push(a);
        }
    }
    Ok(out)
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
    },
    /// Pretty JSON with a stable order, for programs.
    Json,
    /// One self-contained HTML page.
    Html,
}

/// Reads `inputs` (the built-in seed reports when empty) and runs the stories pipeline.
///
/// # Errors
/// An unreadable input or a bad record (file, line, what was wrong, what to do).
pub fn run(inputs: &[String], options: &Options) -> Result<(Report, Vec<Article>)> {
    let articles = if inputs.is_empty() {
        storydup_core::stories::article::seeds(options.seed)
    } else {
        load(
            inputs,
            &options.fields,
            options.max_doc_bytes,
            options.oversized,
            options.seed,
        )?
    };
    Ok(storydup_core::stories::run(articles, &options.story, options.seed))
}

/// The report in `format`.
pub fn render(report: &Report, articles: &[Article], format: Format) -> String {
    match format {
        Format::Text { colour } => crate::render::text(report, colour),
        Format::Json => crate::render::json(report),
        Format::Html => crate::render::html(report, articles),
    }
}

/// Writes `body` to `path` atomically (a temporary file in the same folder, then a rename).
///
/// # Errors
/// The folder is not writable, or `path` names no file.
pub fn write_atomically(path: &Path, body: &[u8]) -> Result<()> {
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
    out.write(body)?;
    out.finish()?.commit()
}

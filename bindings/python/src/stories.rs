//! `storydup.stories`: articles from the rows of an Arrow stream → storydup-core's stories
//! pipeline → the JSON report of `storydup stories -f json`, byte for byte.

use arrow_array::RecordBatchReader;
use pyo3::prelude::*;
use rayon::prelude::*;
use storydup_core::stories::article::{article, Article};
use storydup_core::stories::story::StoryParams;

use crate::columns::{self, Ids, Role, Strings};
use crate::{run, JobError};

/// Clusters the rows of `stream` into stories; returns the report as JSON text. `id`: the id
/// column, or `None` for row numbers; `title`, `date` and `source`: optional string columns.
#[pyfunction]
#[pyo3(signature = (stream, text, id, title, date, source, relative_threshold, smoothing, date_window, date_scale, cohesion, seed, threads))]
#[allow(clippy::too_many_arguments)]
pub fn stories(
    py: Python<'_>,
    stream: &Bound<'_, PyAny>,
    text: String,
    id: Option<String>,
    title: Option<String>,
    date: Option<String>,
    source: Option<String>,
    relative_threshold: Option<f64>,
    smoothing: Option<f64>,
    date_window: Option<i64>,
    date_scale: Option<f64>,
    cohesion: Option<f64>,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<String> {
    let reader = columns::import(stream)?;
    let schema = reader.schema();
    columns::check(&schema, &text, Role::Text, "text")?;
    if let Some(name) = &id {
        columns::check(&schema, name, Role::Id, "id")?;
    }
    for (name, arg) in [(&title, "title"), (&date, "date"), (&source, "source")] {
        if let Some(name) = name {
            columns::check(&schema, name, Role::Field, arg)?;
        }
    }
    // Unset options take the core's defaults, so the package and the CLI cannot drift apart.
    let defaults = StoryParams::default();
    let params = StoryParams {
        relative_threshold: relative_threshold.unwrap_or(defaults.relative_threshold),
        smoothing: smoothing.unwrap_or(defaults.smoothing),
        date_window_days: date_window,
        date_scale_days: date_scale.unwrap_or(defaults.date_scale_days),
        cohesion: cohesion.unwrap_or(defaults.cohesion),
    };
    run(py, threads, move |cancel| {
        let mut articles: Vec<Article> = Vec::new();
        let mut seen = std::collections::HashMap::new();
        let mut rows = 0u64;
        for batch in reader {
            let batch = batch?;
            cancel.check()?;
            let texts =
                Strings::of(&batch, &text).ok_or_else(|| JobError::Value(format!("a batch has no column '{text}'")))?;
            let ids = id.as_deref().and_then(|name| Ids::of(&batch, name));
            let field = |name: &Option<String>| name.as_deref().and_then(|n| Strings::of(&batch, n));
            let (titles, dates, sources) = (field(&title), field(&date), field(&source));
            let get = |s: &Option<Strings>, i: usize| s.as_ref().and_then(|s| s.get(i)).map(str::to_owned);
            let built: Vec<Result<Article, JobError>> = (0..batch.num_rows())
                .into_par_iter()
                .map(|i| {
                    let row = rows + i as u64;
                    let t = texts
                        .get(i)
                        .ok_or_else(|| JobError::Value(format!("row {row}: the text is null; fill or drop the row")))?;
                    let key = match &ids {
                        Some(ids) => ids
                            .get(i)
                            .ok_or_else(|| JobError::Value(format!("row {row}: the id is null; give every row an id")))?
                            .into_owned(),
                        None => row.to_string(),
                    };
                    Ok(article(
                        key,
                        get(&titles, i),
                        get(&dates, i),
                        get(&sources, i),
                        t.to_owned(),
                        seed,
                    ))
                })
                .collect();
            for (i, a) in built.into_iter().enumerate() {
                let a = a?;
                let row = rows + i as u64;
                if let Some(first) = seen.insert(a.key.clone(), row) {
                    return Err(JobError::Value(format!(
                        "row {row}: id \"{}\" was already used at row {first}; give every row a unique id",
                        a.key
                    )));
                }
                articles.push(a);
            }
            rows += batch.num_rows() as u64;
        }
        cancel.check()?;
        let (report, _) = storydup_core::stories::run(articles, &params, seed);
        Ok(storydup_io::render::json(&report))
    })
}

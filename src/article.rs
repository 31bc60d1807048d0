//! Input for the stories stage: records with their optional title, date and source, analysed
//! into sentences. Reading goes through [`crate::corpus`], so inputs, errors and limits are the
//! same as for dedup; unlike dedup, the texts are held, since the diff stage shows them.

use std::path::Path;

use rayon::prelude::*;

use crate::corpus::{parse, Corpus, SourceKind};
use crate::error::{Error, Problem, Result};
use crate::params::OnOversized;
use crate::sentence::{analyze, Sentence};

/// One article.
#[derive(Debug, Clone)]
pub struct Article {
    /// The record id.
    pub key: String,
    /// Its headline, when the input has one.
    pub title: Option<String>,
    /// Its date (as given; the first 10 characters are read as YYYY-MM-DD when they parse).
    pub date: Option<String>,
    /// The outlet or site, when the input says (used to recognise site furniture).
    pub source: Option<String>,
    /// The text.
    pub text: String,
    /// Its sentences.
    pub sentences: Vec<Sentence>,
}

impl Article {
    /// Days since 1970-01-01 of the date, if it starts with YYYY-MM-DD.
    pub fn day(&self) -> Option<i64> {
        let d = self.date.as_deref()?;
        let (y, m, day) = (
            d.get(0..4)?.parse::<i64>().ok()?,
            d.get(5..7)?.parse::<i64>().ok()?,
            d.get(8..10)?.parse::<i64>().ok()?,
        );
        if !(1..=12).contains(&m) || !(1..=31).contains(&day) {
            return None;
        }
        // Days from civil (Howard Hinnant's algorithm).
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + day - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        Some(era * 146_097 + doe - 719_468)
    }
}

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
}

impl Default for Fields {
    fn default() -> Fields {
        Fields {
            id: "id".into(),
            text: "text".into(),
            title: "title".into(),
            date: "date".into(),
            source: "source".into(),
        }
    }
}

/// The five seed reports, built in so that `storydup stories` runs anywhere with no input.
pub const SEEDS: &[(&str, &str)] = &[
    (
        "000_939350c50e42d35e.txt",
        include_str!("../seeds/000_939350c50e42d35e.txt"),
    ),
    (
        "001_886e56de3ea5854c.txt",
        include_str!("../seeds/001_886e56de3ea5854c.txt"),
    ),
    (
        "002_5fa67bfa7ff19142.txt",
        include_str!("../seeds/002_5fa67bfa7ff19142.txt"),
    ),
    (
        "003_79037f0ed4309734.txt",
        include_str!("../seeds/003_79037f0ed4309734.txt"),
    ),
    (
        "004_d5a4b09f997cef5a.txt",
        include_str!("../seeds/004_d5a4b09f997cef5a.txt"),
    ),
];

/// The built-in seed reports as articles.
pub fn seeds(seed: u64) -> Vec<Article> {
    SEEDS
        .iter()
        .map(|(k, t)| article((*k).into(), None, None, None, (*t).into(), seed))
        .collect()
}

fn article(
    key: String,
    title: Option<String>,
    date: Option<String>,
    source: Option<String>,
    text: String,
    seed: u64,
) -> Article {
    let sentences = analyze(&text, seed);
    Article {
        key,
        title,
        date,
        source,
        text,
        sentences,
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
    for chunk in corpus.read_chunks(max_doc_bytes, &oversized.policy(&fields.id, &fields.text)) {
        let chunk = chunk.map_err(|(at, problem)| Error::Input { at, problem })?;
        // Parsing and sentence analysis run in parallel; errors and duplicates are reported in
        // input order, as a sequential reader would find them.
        let built: Vec<Result<Article>> = chunk
            .items
            .par_iter()
            .map(|item| {
                let src = &corpus.sources[item.span.source as usize];
                let bytes = chunk.bytes(item);
                let parsed = parse(src, item, bytes, &fields.id, &fields.text, max_doc_bytes).map_err(|problem| {
                    Error::Input {
                        at: corpus.location(&item.span),
                        problem,
                    }
                })?;
                let (mut title, mut date, mut source) = (None, None, None);
                if src.kind == SourceKind::Jsonl {
                    // The line parsed once already, so this cannot fail; extra fields are optional.
                    if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(bytes) {
                        let get = |f: &str| map.get(f).and_then(|v| v.as_str()).map(str::to_owned);
                        title = get(&fields.title);
                        date = get(&fields.date);
                        source = get(&fields.source);
                    }
                }
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
                return Err(Error::Input {
                    at,
                    problem: Problem::new(
                        "duplicate_id",
                        format!(
                            "id \"{}\" was already used at {first}; give every record a unique id",
                            a.key
                        ),
                    ),
                });
            }
            out.push(a);
        }
    }
    Ok(out)
}

/// Whether `path` names something readable (for the CLI's messages).
pub fn exists(path: &Path) -> bool {
    path.exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_to_days() {
        let mut a = seeds(1).remove(0);
        a.date = Some("1970-01-02T00:00:00".into());
        assert_eq!(a.day(), Some(1));
        a.date = Some("2018-01-05".into());
        assert_eq!(a.day(), Some(17_536));
        a.date = Some("Jan 5".into());
        assert_eq!(a.day(), None);
    }

    #[test]
    fn seeds_are_built_in() {
        let s = seeds(1);
        assert_eq!(s.len(), 5);
        assert!(s.iter().all(|a| a.sentences.len() > 5));
    }
}

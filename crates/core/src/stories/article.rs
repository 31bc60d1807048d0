//! Input for the stories stage: records with their optional title, date and source, analysed
//! into sentences. Reading them from files is `storydup_io::stories`, so inputs, errors and
//! limits are the same as for dedup; unlike dedup, the texts are held, since the diff stage shows
//! them.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::stories::sentence::{analyze, Analysis, Sentence};

/// One article.
#[derive(Debug, Clone, Default)]
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
    /// Its sentences' 3-gram hashes ([`Analysis::grams`]; read with [`Article::grams_of`]);
    /// dropped while [`crate::stories::run`] clusters, and rebuilt for the articles it diffs.
    pub grams: Box<[u32]>,
    /// Its sentences' content word hashes ([`Analysis::content`]; read with
    /// [`Article::content_of`]); empty once [`crate::stories::run`] no longer needs them.
    pub content: Box<[u64]>,
}

/// An ISO date ("2025-01-05") or a written one ("5 January 2025", "January 5, 2025").
static DATE_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix) \b (?P<iso>(?:19|20)\d\d-[01]\d-[0-3]\d) \b
        | \b (?P<d1>[0-3]?\d) \s+ (?P<m1>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \.? ,? \s+ (?P<y1>(?:19|20)\d\d) \b
        | \b (?P<m2>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]* \.? \s+ (?P<d2>[0-3]?\d) (?:st|nd|rd|th)? ,? \s+ (?P<y2>(?:19|20)\d\d) \b",
    )
    .expect("valid regex")
});

/// How far into a text a dateline is looked for.
const DATELINE_BYTES: usize = 300;

impl Article {
    /// The sorted, deduplicated 3-gram hashes of its sentence `s`.
    pub fn grams_of(&self, s: &Sentence) -> &[u32] {
        &self.grams[s.grams.0 as usize..s.grams.1 as usize]
    }

    /// Drops its sentences' 3-gram hashes ([`Article::grams_of`] must not be asked until
    /// [`Article::restore_grams`]).
    pub fn drop_grams(&mut self) {
        self.grams = Box::default();
    }

    /// Rebuilds its sentences' 3-gram hashes, as [`article`] built them with `seed`.
    pub fn restore_grams(&mut self, seed: u64) {
        if self.grams.is_empty() {
            self.grams = crate::stories::sentence::grams(&self.text, &self.sentences, seed);
        }
    }

    /// The content word hashes of its sentence `s`, in order (none once they are emptied).
    pub fn content_of(&self, s: &Sentence) -> &[u64] {
        self.content
            .get(s.content.0 as usize..s.content.1 as usize)
            .unwrap_or_default()
    }

    /// The date to show: the record's date (YYYY-MM-DD) when it has one that parses, else a date
    /// written in the first lines of the text (a scraped dateline), else none. Only shown; story
    /// clustering reads the record's date alone.
    pub fn date_shown(&self) -> Option<String> {
        if self.day().is_some() {
            return self.date.as_deref().map(|d| d[..10].to_string());
        }
        let mut end = self.text.len().min(DATELINE_BYTES);
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let c = DATE_IN_TEXT.captures(&self.text[..end])?;
        if let Some(iso) = c.name("iso") {
            return Some(iso.as_str().to_string());
        }
        let (d, m, y) = match c.name("d1") {
            Some(d) => (d, &c["m1"], &c["y1"]),
            None => (c.name("d2")?, &c["m2"], &c["y2"]),
        };
        const MONTHS: [&str; 12] = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        let m = MONTHS.iter().position(|x| x.eq_ignore_ascii_case(m))? + 1;
        let d: u32 = d.as_str().parse().ok().filter(|d| (1..=31).contains(d))?;
        Some(format!("{y}-{m:02}-{d:02}"))
    }

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

/// A record that could not be read, set aside under `--on-error skip` (the same facts as dedup's
/// `rejected.jsonl`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rejected {
    /// The input file as given.
    pub file: String,
    /// 1-based line.
    pub line: u64,
    /// Byte offset of the record in the (decompressed) input.
    pub byte_offset: u64,
    /// Its id, when it could be read.
    pub id: Option<String>,
    /// What was wrong, as a short word (`malformed_json`, `duplicate_id`...).
    pub kind: &'static str,
    /// What was wrong and what to do.
    pub reason: String,
}

/// The five seed reports, built in so that `storydup stories` runs anywhere with no input.
pub const SEEDS: &[(&str, &str)] = &[
    (
        "000_939350c50e42d35e.txt",
        include_str!("../../../../seeds/000_939350c50e42d35e.txt"),
    ),
    (
        "001_886e56de3ea5854c.txt",
        include_str!("../../../../seeds/001_886e56de3ea5854c.txt"),
    ),
    (
        "002_5fa67bfa7ff19142.txt",
        include_str!("../../../../seeds/002_5fa67bfa7ff19142.txt"),
    ),
    (
        "003_79037f0ed4309734.txt",
        include_str!("../../../../seeds/003_79037f0ed4309734.txt"),
    ),
    (
        "004_d5a4b09f997cef5a.txt",
        include_str!("../../../../seeds/004_d5a4b09f997cef5a.txt"),
    ),
];

/// The built-in seed reports as articles.
pub fn seeds(seed: u64) -> Vec<Article> {
    SEEDS
        .iter()
        .map(|(k, t)| article((*k).into(), None, None, None, (*t).into(), seed))
        .collect()
}

/// Builds an article: its sentences are analysed here, once.
pub fn article(
    key: String,
    title: Option<String>,
    date: Option<String>,
    source: Option<String>,
    text: String,
    seed: u64,
) -> Article {
    let Analysis {
        sentences,
        grams,
        content,
    } = analyze(&text, seed);
    Article {
        key,
        title,
        date,
        source,
        text,
        sentences,
        grams,
        content,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_to_days() {
        let mut a = article("a".into(), None, None, None, "One sentence here.".into(), 1);
        a.date = Some("1970-01-02T00:00:00".into());
        assert_eq!(a.day(), Some(1));
        a.date = Some("2018-01-05".into());
        assert_eq!(a.day(), Some(17_536));
        a.date = Some("Jan 5".into());
        assert_eq!(a.day(), None);
    }

    #[test]
    fn dates_shown_from_the_record_or_the_dateline() {
        let s = seeds(1);
        let shown: Vec<Option<String>> = s.iter().map(Article::date_shown).collect();
        assert_eq!(shown[0].as_deref(), Some("2025-01-05"));
        assert_eq!(shown[1].as_deref(), Some("2025-01-05"), "5 January 2025, 14:50");
        assert_eq!(shown[3], None, "no date in the first lines");
        let mut a = s[3].clone();
        a.date = Some("2018-02-06T05:00:21".into());
        assert_eq!(a.date_shown().as_deref(), Some("2018-02-06"));
        a.date = None;
        a.text = "WASHINGTON — Feb. 6th, 2018. Text.".into();
        assert_eq!(a.date_shown().as_deref(), Some("2018-02-06"));
    }

    #[test]
    fn seeds_are_built_in() {
        let s = seeds(1);
        assert_eq!(s.len(), 5);
        assert!(s.iter().all(|a| a.sentences.len() > 5));
    }
}

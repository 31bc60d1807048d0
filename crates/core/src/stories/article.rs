//! Input for the stories stage: records with their optional title, date and source, analysed
//! into sentences. Reading them from files is `storydup_io::stories`, so inputs, errors and
//! limits are the same as for dedup; unlike dedup, the texts are held, since the diff stage shows
//! them.

use crate::stories::sentence::{analyze, Sentence};

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
    fn seeds_are_built_in() {
        let s = seeds(1);
        assert_eq!(s.len(), 5);
        assert!(s.iter().all(|a| a.sentences.len() > 5));
    }
}

//! Site furniture: text that is part of a page but not of its article, masked before passages
//! are matched, so that two articles are never called reprints for sharing it.
//!
//! Three signs, each measured on the labelled giveme5w1h dev pairs, where furniture made 99 of
//! 244 overlapping pairs: (1) a sentence that recurs in three or more articles of one source on
//! different topics (copyright lines, newsletter boxes, "we pay for your stories" footers);
//! (2) a photo or video credit line — "(AP Photo/…)", "(… via AP)", "(Name/The Washington
//! Post)" — and the caption sentences just before it in its paragraph; (3) embedded social-media
//! posts (an @handle, "pic.twitter.com"), which are quotations however they are punctuated.

use std::sync::LazyLock;

use ahash::AHashMap;
use regex::Regex;

use crate::stories::article::Article;
use crate::stories::story::{cosine, Vector};

/// A sentence recurring in this many articles of one source is furniture of that site...
pub const MIN_SITE_REPEATS: usize = 3;
/// ...unless every pair of those articles is on one topic (TF-IDF cosine at least this): a site
/// that runs three write-throughs of one wire story repeats story text, not furniture.
pub const SAME_TOPIC_COSINE: f32 = 0.2;
/// A sentence in more articles of one source than this is furniture whatever their topics.
const MAX_SAME_TOPIC_REPEATS: usize = 12;

static CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)
        \( (?: AP\ Photo | [^()]{0,60}\bvia\ AP | Associated\ Press | Reuters | AFP | Getty\ Images | EPA
             | [A-Z][^()/]{1,40} / (?:The\ )? [A-Z][^()]{1,40} ) [^()]{0,40} \) \s* $
        | ^ \W* (?: in\ )? this\ [^.]{0,40}\ photo",
    )
    .expect("valid regex")
});

static SOCIAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?:^|[\s(])@\w{2,}|pic\.twitter\.com|skip twitter post").expect("valid regex"));

/// Per article, per sentence: true where the sentence is furniture. Also raises the quotation
/// share of embedded social-media posts to 1.
pub fn mark(articles: &mut [Article], vecs: &[Vector]) -> Vec<Vec<bool>> {
    let mut furniture: Vec<Vec<bool>> = articles.iter().map(|a| vec![false; a.sentences.len()]).collect();
    for (a, marks) in articles.iter_mut().zip(furniture.iter_mut()) {
        let n = a.sentences.len();
        for k in 0..n {
            let (para, text) = (a.sentences[k].para, a.sentences[k].text(&a.text));
            if CREDIT.is_match(text) {
                let from = k.saturating_sub(2);
                for (m, s) in marks[from..=k].iter_mut().zip(&a.sentences[from..=k]) {
                    *m |= s.para == para;
                }
            }
            if SOCIAL.is_match(text) {
                for m in k.saturating_sub(3)..=k {
                    if a.sentences[m].para == para || m == k {
                        a.sentences[m].quoted = 1.0;
                    }
                }
            }
        }
    }
    // Sentences repeated across articles of one source on different topics.
    let mut holders: AHashMap<(&str, u64), Vec<u32>> = AHashMap::new();
    for (d, a) in articles.iter().enumerate() {
        let Some(src) = a.source.as_deref() else { continue };
        let mut keys: Vec<u64> = a.sentences.iter().map(|s| s.key).collect();
        keys.sort_unstable();
        keys.dedup();
        for k in keys {
            holders.entry((src, k)).or_default().push(d as u32);
        }
    }
    let is_furniture = |docs: &[u32]| {
        docs.len() >= MIN_SITE_REPEATS
            && (docs.len() > MAX_SAME_TOPIC_REPEATS
                || docs.iter().enumerate().any(|(i, &x)| {
                    docs[i + 1..]
                        .iter()
                        .any(|&y| cosine(&vecs[x as usize], &vecs[y as usize]) < SAME_TOPIC_COSINE)
                }))
    };
    let furniture_keys: ahash::AHashSet<(&str, u64)> = holders
        .iter()
        .filter(|(_, docs)| is_furniture(docs))
        .map(|(k, _)| *k)
        .collect();
    for (a, marks) in articles.iter().zip(furniture.iter_mut()) {
        let Some(src) = a.source.as_deref() else { continue };
        for (s, m) in a.sentences.iter().zip(marks.iter_mut()) {
            if furniture_keys.contains(&(src, s.key)) {
                *m = true;
            }
        }
    }
    furniture
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stories::sentence::analyze;

    fn art(key: &str, source: &str, text: &str) -> Article {
        Article {
            key: key.into(),
            title: None,
            date: None,
            source: Some(source.into()),
            text: text.into(),
            sentences: analyze(text, 1),
        }
    }

    #[test]
    fn credits_captions_and_site_repeats() {
        let footer = "Copyright 2018 The Associated Press. All rights reserved.";
        let mut arts = vec![
            art(
                "a",
                "wp",
                &format!("A rocket flew from Florida carrying satellites. This Dec. 28 photo shows a rocket. (SpaceX via AP)\n{footer}"),
            ),
            art("b", "wp", &format!("Voters in Alabama chose a senator after a bitter campaign of allegations.\n{footer}")),
            art("c", "wp", &format!("A cruise ship struck a motorway bridge pillar on the Rhine near Duisburg.\n{footer}")),
            art("d", "nyt", &format!("Markets fell sharply as oil prices climbed to a three-year high.\n{footer}")),
        ];
        let v = crate::stories::story::vectors(&arts, 1);
        let f = mark(&mut arts, &v);
        assert_eq!(f[0], vec![true, true, true, true, true]);
        assert_eq!(f[1], vec![false, true, true]);
        assert_eq!(
            f[3],
            vec![false, false, false],
            "one article of a source is not a pattern"
        );
    }

    #[test]
    fn social_posts_are_quotes() {
        let mut arts = vec![art(
            "a",
            "x",
            "Caught red handed in the act. — Donald J. Trump (@realDonaldTrump) Dec 28",
        )];
        let v = crate::stories::story::vectors(&arts, 1);
        mark(&mut arts, &v);
        assert!(arts[0].sentences.iter().all(|s| s.quoted == 1.0));
    }
}

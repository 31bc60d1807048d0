//! Site furniture and stock text: what is part of a page but not of its article, or what recurs
//! across unrelated articles, so that two articles are never called reprints for sharing it, and
//! the report never shows furniture as article text.
//!
//! General signs, not lists of the articles they were checked on (the held-out articles come from
//! other pages):
//!
//! 1. **The line says what it is** ([`is_furniture_line`]): a photo or video credit — "(AP
//!    Photo/…)", "Photograph: …/Getty Images", "Reuters File Photo", "Image copyright EPA Image
//!    caption …" — and the caption sentences before it in its paragraph; a copyright or syndication
//!    line; a newsletter, comment, sharing, advertising or video-player box; a link list ("Read
//!    more:" and the headlines under it, `More: <headline>`, `<headline> Read more`); a timestamp
//!    line; a short line with a web address; a line with no words; the short header lines above a
//!    headline ("Current News", "/").
//! 2. **It recurs in one site's pages on different topics**: a sentence in [`MIN_SITE_REPEATS`] or
//!    more articles of one source whose topics differ (TF-IDF cosine below [`SAME_TOPIC_COSINE`])
//!    is furniture of that site, whatever it says.
//! 3. **It recurs across unrelated topics, whatever the sources** ([`MIN_STOCK_TOPICS`]): such a
//!    sentence is stock text ("The company did not respond to a request for comment."). It stays
//!    article text, but it is evidence of reuse only between articles on one topic
//!    ([`crate::stories::passage`]).
//!
//! Embedded social-media posts (an @handle, "pic.twitter.com") are quotations however they are
//! punctuated: their quotation share is raised to 1.

use std::sync::LazyLock;

use rayon::prelude::*;
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
/// A sentence found in articles on this many mutually unrelated topics (any sources) is stock
/// text: it proves nothing about who copied whom.
pub const MIN_STOCK_TOPICS: usize = 3;
/// Holders of one sentence examined for [`MIN_STOCK_TOPICS`] (the cost stays linear however
/// common a sentence is).
const MAX_STOCK_EXAMINED: usize = 32;

/// A paragraph of at most this many words that holds a furniture line is furniture as a whole
/// (a transcript notice or a newsletter box runs over several sentences).
const MAX_BOX_WORDS: u32 = 80;

/// A credit that ends a caption: the sentence and the caption sentences before it in its
/// paragraph are furniture.
static CREDIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        \( (?i: AP\ Photo | [^()]{0,60}\bvia\ AP | Associated\ Press | Reuters | AFP | Getty\ Images | EPA
             | Photo\s*: [^()]* | Image\s*: [^()]* )
           [^()]{0,40} \) \s* $
        | \( [A-Z][^()/]{1,40} / (?:The\ )? [A-Z][^()]{1,40} \) \s* $
        | (?i: \b (?:photograph|photographer|photo|picture|image|credit|video) s? \s* : \s* [^.:]{0,80} $ )
        | (?i: \b file\ (?:photo|picture|image) \W* $ )
        | (?i: ^ \W* (?: in\ )? this\ [^.]{0,40}\ photo )
        | / \s* (?i: Getty\ Images | Getty | AFP | Reuters | AP | EPA | iStock | Bloomberg ) \s* $
        | (?i: \b hide\ caption\ \d+\ of\ \d+ )",
    )
    .expect("valid regex")
});

/// A credit or caption label that opens the line: the whole paragraph from here is furniture.
static CREDIT_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x) ^ \W* (?:
            (?i: image\ copyright | enlarge\ this\ image | facebook\ twitter\ pinterest | photos? \s* : | gallery \s* :
               | getty\ images? | getty\ - | © )
            | GETTY\b
            | \d{1,3}/\d{1,3} \s )",
    )
    .expect("valid regex")
});

/// Copyright and syndication lines.
static COPYRIGHT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix) © | \(c\)\s*\d{4} | \bcopyright\b \s* (?:©\s*)? \d{4} | ^ \W* copyright \b | \ball\ rights\ reserved\b
        | \bmay\ not\ be\ (?:re)?published,\ broadcast | \bdistributed\ by\ tribune\ content\ agency
        | \bcontributed\ to\ this\ report\W*$ | ^ \W* information\ from \s* :",
    )
    .expect("valid regex")
});

/// Boxes that say what they are in words no article uses: furniture at any length, and so is
/// their paragraph, up to [`MAX_STRONG_BOX_WORDS`].
static STRONG_BOX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix) continue\ reading\ the\ main\ story | newsletter\ sign\ up | thanks?\ (?:you\ )?for\ subscribing
        | comments?\ powered\ by | scroll\ down\ for\ video | chat\ with\ us\ in\ facebook | read\ or\ share\ this\ story
        | verify\ you're\ not\ a\ robot | you\ agree\ to\ receive\ occasional\ updates | view\ all\ [\w\ ]{0,40}newsletters
        | skip\ in\ skip | we\ pay\ for\ (?:your\ )?(?:stories|videos) | transcripts?\ (?:is|are)\ created\ on\ a\ rush",
    )
    .expect("valid regex")
});

/// A paragraph of at most this many words that holds a [`STRONG_BOX`] line is furniture whole.
const MAX_STRONG_BOX_WORDS: u32 = 250;

/// Boxes around an article: newsletters, comments, sharing, advertising, video players,
/// transcript notices. Only short lines (a sentence of an article may mention a newsletter).
static BOX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix) \b(?: newsletter | sign\ up\ for | subscribe\ (?:to|now|for|here) | thanks\ for\ subscribing
        | continue\ reading\ the\ main\ story | ^\W*advertisement\b | scroll\ down\ for | comments?\ powered\ by
        | ^\W*comments?\W*$ | leave\ a\ comment | join\ the\ (?:conversation|discussion) | chat\ with\ us
        | follow\ (?:us|\w+(?:\ \w+){0,4})\ on\ (?:twitter|facebook|instagram) | read\ or\ share\ this
        | share\ this\ (?:article|story|page) | click\ here | we\ pay\ for\ (?:your\ )?(?:stories|videos)
        | skip\ in\ skip | privacy\ policy | terms\ of\ (?:use|service) | download\ (?:the|our)\ app
        | you\ may\ also\ like | recommended\ for\ you | story\ continues\ below | transcripts?\ (?:is|are)\ created
        | ^\W*published\ (?:in|on|by)\b | ^\W*(?:e-?mail|twitter)\s*:\s*\S
        | ^\W*(?:photos?|images?|videos?|pictures?|gallery)\W*$ )",
    )
    .expect("valid regex")
});

/// A link-list heading on a line of its own: "Read more:", "Related", "More on this story".
static LINK_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix) ^ \W* (?: read\ more | more | related (?:\ (?:articles|stories|coverage|content|links))?
        | see\ also | also\ read | read\ also | more\ on\ [\w\ ]{1,40} | most\ (?:read|popular|viewed|shared)
        | recommended | trending (?:\ now)? | latest (?:\ news)? | further\ reading | watch | listen | top\ stories ) \W* $",
    )
    .expect("valid regex")
});

/// A link inside a line: "More: <headline>", "READ MORE: <headline>", "<headline> Read more".
static LINK_INLINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix) ^ \W* (?: read\ more | more | related | see\ also | also\ read | read\ also | watch | listen
                      | more\ on\ [\w\ ]{1,30} ) \s* : \s* \S
        | \bread\ more \W* $ | ^ \s* \[ [^\]]+ \] \s* $",
    )
    .expect("valid regex")
});

static URL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)https?://|\bwww\.\w").expect("valid regex"));

static TIMESTAMP_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix) ^ (?: \d+ | \d+(?:am|pm) | am | pm | gmt | utc | bst | cet | edt | est | et | pst | pdt
        | updated | published | posted | last | on | at | date | jan(?:uary)? | feb(?:ruary)? | mar(?:ch)? | apr(?:il)? | may
        | june? | july? | aug(?:ust)? | sep(?:t|tember)? | oct(?:ober)? | nov(?:ember)? | dec(?:ember)?
        | mon(?:day)? | tue(?:sday)? | wed(?:nesday)? | thu(?:rsday)? | fri(?:day)? | sat(?:urday)? | sun(?:day)? ) $",
    )
    .expect("valid regex")
});

static SOCIAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?:^|[\s(])@\w{2,}|pic\.twitter\.com|skip twitter post").expect("valid regex"));

/// Whether the line ends as a sentence does (a headline or a link does not).
pub fn ends_as_sentence(text: &str) -> bool {
    let t = text.trim_end_matches(|c: char| matches!(c, '"' | '”' | '’' | '\'' | ')' | ']' | '»') || c.is_whitespace());
    t.ends_with(['.', '!', ':', ';'])
}

/// Whether a line of `num_words` words is furniture by what it says (rule 1 of the module docs,
/// credits aside, which also take the caption before them).
pub fn is_furniture_line(text: &str, num_words: u32) -> bool {
    if num_words == 0 {
        return true;
    }
    // A timestamp line: a few words, some digits, nothing but dates and times.
    let timestamp = num_words <= 16 && text.bytes().any(|b| b.is_ascii_digit()) && {
        let words: Vec<&str> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .collect();
        words.len() >= 2 && words.iter().all(|w| TIMESTAMP_WORD.is_match(w))
    };
    COPYRIGHT.is_match(text)
        || STRONG_BOX.is_match(text)
        || (num_words <= 30 && BOX.is_match(text))
        || LINK_HEADING.is_match(text)
        || (num_words <= 30 && LINK_INLINE.is_match(text))
        || (num_words <= 20 && URL.is_match(text))
        || timestamp
}

/// A headline-like line: one short line that does not end as a sentence (a link in a list).
fn is_headline_like(text: &str, num_words: u32) -> bool {
    (1..=25).contains(&num_words) && !ends_as_sentence(text)
}

/// Whether a line could match one of the line patterns: all of them need one of these
/// characters or words, and most lines of an article have none (a cheap test before the regexes).
fn maybe_furniture(text: &str) -> bool {
    static HINTS: LazyLock<Regex> = LazyLock::new(|| {
        let words = [
            "(",
            ")",
            "/",
            "©",
            ":",
            "[",
            "@",
            "www.",
            "http",
            "photo",
            "picture",
            "image",
            "credit",
            "video",
            "file",
            "getty",
            "copyright",
            "reserved",
            "broadcast",
            "tribune",
            "contributed",
            "information",
            "newsletter",
            "sign up",
            "subscri",
            "continue reading",
            "advertisement",
            "scroll",
            "comment",
            "conversation",
            "discussion",
            "chat with",
            "follow",
            "share",
            "click",
            "pay for",
            "skip",
            "privacy",
            "terms of",
            "download",
            "may also",
            "recommended",
            "continues",
            "transcript",
            "published",
            "mail",
            "more",
            "related",
            "see also",
            "read",
            "most ",
            "trending",
            "latest",
            "watch",
            "listen",
            "top stories",
            "caption",
            "gallery",
            "pinterest",
            "robot",
            "occasional updates",
        ];
        let alternation: Vec<String> = words.iter().map(|w| regex::escape(w)).collect();
        Regex::new(&format!("(?i){}", alternation.join("|"))).expect("valid regex")
    });
    HINTS.is_match(text)
}

/// Rule 1 on one article: its furniture by what the lines say.
fn mark_lines(a: &mut Article) {
    let n = a.sentences.len();
    let mut marks = vec![false; n];
    // Sentences and words per paragraph.
    let paras = a.sentences.last().map_or(0, |s| s.para as usize + 1);
    let mut para_sentences = vec![0usize; paras];
    let mut para_words = vec![0u32; paras];
    for s in &a.sentences {
        para_sentences[s.para as usize] += 1;
        para_words[s.para as usize] += s.num_words;
    }
    // The sentences of paragraph `p` are a contiguous range: where each starts.
    let mut para_start = vec![0usize; paras + 1];
    for (k, s) in a.sentences.iter().enumerate().rev() {
        para_start[s.para as usize] = k;
    }
    para_start[paras] = n;
    for p in (0..paras).rev() {
        if para_sentences[p] == 0 {
            para_start[p] = para_start[p + 1];
        }
    }
    let para_range = |p: u32| para_start[p as usize]..para_start[p as usize] + para_sentences[p as usize];
    // Header lines above the headline: short lines before the first line of prose.
    for (s, m) in a.sentences.iter().zip(marks.iter_mut()) {
        let text = s.text(&a.text);
        if s.num_words >= 8 && ends_as_sentence(text) {
            break;
        }
        if s.num_words <= 3 && !ends_as_sentence(text) && para_sentences[s.para as usize] == 1 {
            *m = true;
        }
    }
    let mut in_list = false;
    for k in 0..n {
        let (para, words) = (a.sentences[k].para, a.sentences[k].num_words);
        let text = a.sentences[k].text(&a.text);
        let alone = para_sentences[para as usize] == 1;
        if in_list && !(alone && is_headline_like(text, words)) {
            in_list = false;
        }
        if in_list {
            marks[k] = true;
        }
        let digits = words <= 16 && text.bytes().any(|b| b.is_ascii_digit());
        let pictured = words <= 40 && text.contains("ictured") && !ends_as_sentence(text);
        if words > 0 && !digits && !pictured && !maybe_furniture(text) {
            continue;
        }
        if alone && LINK_HEADING.is_match(text) {
            in_list = true;
        }
        if is_furniture_line(text, words) {
            marks[k] = true;
            // A box or a copyright notice is its whole paragraph, if the paragraph is short.
            let limit = if STRONG_BOX.is_match(text) {
                MAX_STRONG_BOX_WORDS
            } else {
                MAX_BOX_WORDS
            };
            if para_words[para as usize] <= limit {
                marks[para_range(para)].iter_mut().for_each(|m| *m = true);
            }
        }
        // A link, or a caption cut into sentences: the whole paragraph.
        if (words <= 30 && LINK_INLINE.is_match(text)) || CREDIT_FIRST.is_match(text) {
            marks[para_range(para)].iter_mut().for_each(|m| *m = true);
        }
        if CREDIT.is_match(text) || pictured {
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
    for (s, m) in a.sentences.iter_mut().zip(marks) {
        s.furniture |= m;
    }
}

/// (group, key, article) for every distinct sentence key of every article, sorted; `group` is
/// what the key is grouped by (a source, or 0 for all).
fn holders(articles: &[Article], group: impl Fn(&Article) -> Option<u64> + Sync) -> Vec<(u64, u64, u32)> {
    let mut all: Vec<(u64, u64, u32)> = articles
        .par_iter()
        .enumerate()
        .flat_map_iter(|(d, a)| {
            let g = group(a);
            let mut keys: Vec<u64> = a.sentences.iter().filter(|s| !s.furniture).map(|s| s.key).collect();
            keys.sort_unstable();
            keys.dedup();
            keys.into_iter().filter_map(move |k| g.map(|g| (g, k, d as u32)))
        })
        .collect();
    all.par_sort_unstable();
    all
}

/// Runs of equal (group, key) in sorted `holders`: the articles of each, with at least `min`.
fn runs(holders: &[(u64, u64, u32)], min: usize) -> Vec<(u64, Vec<u32>)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < holders.len() {
        let mut j = i + 1;
        while j < holders.len() && holders[j].0 == holders[i].0 && holders[j].1 == holders[i].1 {
            j += 1;
        }
        if j - i >= min {
            out.push((holders[i].1, holders[i..j].iter().map(|h| h.2).collect()));
        }
        i = j;
    }
    out
}

/// Whether `docs` hold at least `topics` mutually unrelated articles, looking at the first
/// `examined` (each new article is compared with the unrelated ones found so far).
pub fn unrelated(docs: &[u32], vecs: &[Vector], topics: usize, examined: usize) -> bool {
    let mut leaders: Vec<u32> = Vec::new();
    for &d in docs.iter().take(examined) {
        if leaders
            .iter()
            .all(|&l| cosine(&vecs[l as usize], &vecs[d as usize]) < SAME_TOPIC_COSINE)
        {
            leaders.push(d);
            if leaders.len() >= topics {
                return true;
            }
        }
    }
    false
}

/// Marks furniture (rules 1 and 2: [`crate::stories::sentence::Sentence::furniture`]) and returns it per
/// article, per sentence, with the stock sentences (rule 3) as a second table. Also raises the
/// quotation share of embedded social-media posts to 1.
pub fn mark(articles: &mut [Article], vecs: &[Vector]) -> (Vec<Vec<bool>>, Vec<Vec<bool>>) {
    articles.par_iter_mut().for_each(mark_lines);
    // Rule 2: sentences repeated across articles of one source on different topics.
    let by_site = holders(articles, |a| {
        a.source.as_deref().map(|s| crate::hash::hash_bytes(s.as_bytes(), 0))
    });
    let site: Vec<(u32, u64)> = runs(&by_site, MIN_SITE_REPEATS)
        .into_par_iter()
        .filter(|(_, docs)| docs.len() > MAX_SAME_TOPIC_REPEATS || unrelated(docs, vecs, 2, MAX_SAME_TOPIC_REPEATS))
        .flat_map_iter(|(key, docs)| docs.into_iter().map(move |d| (d, key)))
        .collect();
    for (d, key) in site {
        for s in articles[d as usize].sentences.iter_mut().filter(|s| s.key == key) {
            s.furniture = true;
        }
    }
    // Rule 3: stock sentences.
    let mut stock: Vec<Vec<bool>> = articles.iter().map(|a| vec![false; a.sentences.len()]).collect();
    let all = holders(articles, |_| Some(0));
    let common: Vec<(u32, u64)> = runs(&all, MIN_STOCK_TOPICS)
        .into_par_iter()
        .filter(|(_, docs)| unrelated(docs, vecs, MIN_STOCK_TOPICS, MAX_STOCK_EXAMINED))
        .flat_map_iter(|(key, docs)| docs.into_iter().map(move |d| (d, key)))
        .collect();
    for (d, key) in common {
        let a = &articles[d as usize];
        for (s, m) in a.sentences.iter().zip(stock[d as usize].iter_mut()) {
            *m |= s.key == key;
        }
    }
    let furniture = articles
        .iter()
        .map(|a| a.sentences.iter().map(|s| s.furniture).collect())
        .collect();
    (furniture, stock)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn art(key: &str, source: &str, text: &str) -> Article {
        crate::stories::article::article(key.into(), None, None, Some(source.into()), text.into(), 1)
    }

    fn furniture_of(text: &str) -> Vec<bool> {
        let mut a = art("a", "x", text);
        mark_lines(&mut a);
        a.sentences.iter().map(|s| s.furniture).collect()
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
            art("d", "nyt", "Markets fell sharply as oil prices climbed to a three-year high.\nPrices rose."),
        ];
        let v = crate::stories::story::vectors(&arts, 1);
        let (f, _) = mark(&mut arts, &v);
        assert_eq!(f[0], vec![true, true, true, true, true]);
        assert_eq!(f[1], vec![false, true, true]);
        assert_eq!(f[3], vec![false, false], "one article of a source is not a pattern");
    }

    #[test]
    fn lines_that_say_they_are_furniture() {
        let t = "Current News\n\n/\n\nHeavy clashes as Ukraine launches fresh offensive in Russia's Kursk\n\n\
                 A view of a damaged building in Ivanovskoye, Kursk region, on January 2. Reuters File Photo\n\n\
                 Ukrainian forces launched a new attack in Russia's Kursk region on Sunday.\n\n\
                 Read more:\n\nHamas releases video of 19-year-old Israeli hostage\n\n\
                 Boy, 7, found alive five days after going missing in game park\n\n\
                 The fighting was concentrated near the town of Bolshoye Soldatskoye.\n\n\
                 Newsletter Sign Up Continue reading the main story\n\n\
                 More: Tesla's make-or-break year? 2018 will test Elon Musk\n\n\
                 5 January 2025, 14:50 | Updated: 5 January 2025, 15:46\n\n\
                 ©2025 dpa GmbH. Distributed by Tribune Content Agency, LLC.\n\n_____\n\n\
                 Comments\n\nblog comments powered by Disqus";
        let f = furniture_of(t);
        let a = art("a", "x", t);
        let shown: Vec<&str> = a
            .sentences
            .iter()
            .zip(&f)
            .filter(|(_, &m)| !m)
            .map(|(s, _)| s.text(t))
            .collect();
        assert_eq!(
            shown,
            [
                "Heavy clashes as Ukraine launches fresh offensive in Russia's Kursk",
                "Ukrainian forces launched a new attack in Russia's Kursk region on Sunday.",
                "The fighting was concentrated near the town of Bolshoye Soldatskoye."
            ]
        );
    }

    #[test]
    fn prose_that_mentions_photos_or_copyright_is_text() {
        let t = "The court ruled on the copyright case on Monday. She posted a photo of the launch on Instagram.\n\
                 By committing its best units to Kursk, Ukraine weakened its eastern defences.";
        assert_eq!(furniture_of(t), vec![false, false, false]);
    }

    #[test]
    fn stock_sentences_recur_across_unrelated_topics() {
        let stock = "The company did not respond to a request for comment on Monday.";
        let mut arts = vec![
            art("a", "s1", &format!("A rocket flew from Florida carrying satellites into orbit. The rocket's boosters landed upright on twin pads at Cape Canaveral. {stock}")),
            art("b", "s2", &format!("Voters in Alabama chose a senator after a bitter campaign. Turnout in Birmingham and Montgomery counties broke records. {stock}")),
            art("c", "s3", &format!("A cruise ship struck a motorway bridge pillar on the Rhine. Twenty-five passengers were injured near Duisburg harbour. {stock}")),
            art("d", "s4", &format!("Qualcomm rejected Broadcom's hostile takeover bid for the chipmaker. Shareholders of both semiconductor firms awaited talks. {stock}")),
        ];
        let v = crate::stories::story::vectors(&arts, 1);
        let (f, s) = mark(&mut arts, &v);
        assert!(f.iter().flatten().all(|&x| !x), "stock text is still article text");
        assert!(s.iter().all(|x| x == &vec![false, false, true]), "{s:?}");
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

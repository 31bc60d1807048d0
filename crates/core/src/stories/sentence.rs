//! Text → sentences with byte spans, paragraph numbers, quotation share and word 3-gram hashes.
//!
//! Boundaries come from Unicode's sentence rules (UAX #29: the `unicode-segmentation` crate, or
//! for a line of ASCII the same rules written out here, which is faster and finds the same
//! boundaries), mended for news prose in two ways: a break after an abbreviation or initial ("U.S.", "Mr.",
//! "Jan.", "J.") is undone, and a break is added where scraping lost the space after a full stop
//! ("this week.The satellite"). A line break always ends a sentence (it ends a paragraph).
//!
//! The quotation share is the fraction of a sentence's words inside quotation marks, tracked
//! across the sentences of a paragraph: double quotes (straight or curly, German „…“, guillemets
//! «…», corner brackets 「…」) and, outside them, single quotes used as quotation marks (British
//! style, ‹…›), told apart from apostrophes by the letters around them. A paragraph that follows
//! a line such as "the ministry said in a statement:" and opens with no quotation mark is a
//! quotation set off as a block (a statement or a post reproduced below its introduction), so all
//! its words count as quoted.

use unicode_segmentation::UnicodeSegmentation;

use crate::hash::{hash_bytes, mix64};
use crate::normalize::for_each_word;
use crate::stories::terms::is_content;

/// One sentence of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    /// Byte offset of its first character in the document text.
    pub start: usize,
    /// Byte offset just past its last character.
    pub end: usize,
    /// Paragraph number (0-based; paragraphs are separated by line breaks).
    pub para: u32,
    /// Number of normalized words.
    pub num_words: u32,
    /// Share of its words inside quotation marks, 0 to 1.
    pub quoted: f32,
    /// Hash of its normalized words: equal keys mean the same sentence up to case and punctuation.
    pub key: u64,
    /// Where its word 3-gram hashes are in [`Analysis::grams`] (read them with
    /// [`crate::stories::article::Article::grams_of`]).
    pub grams: (u32, u32),
    /// Where its content word hashes are in [`Analysis::content`] (read them with
    /// [`crate::stories::article::Article::content_of`]).
    pub content: (u32, u32),
    /// Site furniture (a credit, a newsletter box, a copyright line...), set by
    /// [`crate::stories::boilerplate::mark`]: never evidence of reuse, never shown as article text.
    pub furniture: bool,
}

impl Sentence {
    /// The sentence's text in `doc`.
    pub fn text<'a>(&self, doc: &'a str) -> &'a str {
        &doc[self.start..self.end]
    }
}

/// Abbreviations after which a full stop does not end a sentence (lower case, without the dot).
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "gen", "sen", "rep", "gov", "lt", "col", "sgt", "capt", "maj", "cmdr", "adm",
    "st", "jr", "sr", "rev", "hon", "pres", "supt", "insp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
    "sept", "oct", "nov", "dec", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "inc", "corp", "co", "ltd", "plc",
    "no", "nos", "vs", "etc", "approx", "dept", "est", "fig", "mt", "ft", "vol", "ave", "blvd", "univ", "assn",
];

/// Byte spans (start, end, paragraph) of the sentences of `text`.
pub fn segment(text: &str) -> Vec<(usize, usize, u32)> {
    let mut out = Vec::new();
    let mut para = 0u32;
    let mut line_start = 0usize;
    for line in text.split_inclusive('\n') {
        let base = line_start;
        line_start += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        if body.trim().is_empty() {
            continue;
        }
        let mut pieces: Vec<(usize, usize)> = Vec::new();
        for (off, end) in sentence_bounds(body) {
            for (a, b) in split_glued(&body[off..end]) {
                pieces.push((off + a, off + b));
            }
        }
        // Merge pieces that end in an abbreviation or an initial with the next one.
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (a, b) in pieces {
            match merged.last_mut() {
                Some(last) if ends_with_abbreviation(&body[last.0..last.1]) => last.1 = b,
                _ => merged.push((a, b)),
            }
        }
        let mut any = false;
        for (a, b) in merged {
            let s = &body[a..b];
            let trimmed_start = a + (s.len() - s.trim_start().len());
            let trimmed_end = b - (s.len() - s.trim_end().len());
            if trimmed_start < trimmed_end {
                out.push((base + trimmed_start, base + trimmed_end, para));
                any = true;
            }
        }
        if any {
            para += 1;
        }
    }
    out
}

/// The byte spans between UAX #29 sentence boundaries in `line`: those of the
/// `unicode-segmentation` crate, which a line of ASCII text (most news) gets from
/// [`ascii_sentence_bounds`] instead, several times faster (the crate's category lookup and
/// break iterator were 7.5 % of the CPU samples of a 100,000-article run).
fn sentence_bounds(line: &str) -> Vec<(usize, usize)> {
    if line.is_ascii() {
        return ascii_sentence_bounds(line.as_bytes());
    }
    line.split_sentence_bound_indices()
        .map(|(at, s)| (at, at + s.len()))
        .collect()
}

/// UAX #29's sentence break classes of the ASCII characters (no ASCII character is `Sep`,
/// `OLetter`, `Extend` or `Format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Other,
    Cr,
    Lf,
    Sp,
    Lower,
    Upper,
    Numeric,
    ATerm,
    STerm,
    Close,
    SContinue,
}

/// [`Class`] of each ASCII byte (a byte past 127 never reaches [`ascii_sentence_bounds`]).
static ASCII_CLASS: [Class; 128] = {
    let mut t = [Class::Other; 128];
    let mut b = 0;
    while b < 128 {
        t[b] = match b as u8 {
            b'\r' => Class::Cr,
            b'\n' => Class::Lf,
            b'\t' | 0x0b | 0x0c | b' ' => Class::Sp,
            b'a'..=b'z' => Class::Lower,
            b'A'..=b'Z' => Class::Upper,
            b'0'..=b'9' => Class::Numeric,
            b'.' => Class::ATerm,
            b'!' | b'?' => Class::STerm,
            b'"' | b'\'' | b'(' | b')' | b'[' | b']' | b'{' | b'}' => Class::Close,
            b',' | b'-' | b':' | b';' => Class::SContinue,
            _ => Class::Other,
        };
        b += 1;
    }
    t
};

fn ascii_class(b: u8) -> Class {
    ASCII_CLASS[(b & 0x7f) as usize]
}

/// UAX #29 sentence boundaries of ASCII `text`, rule by rule (SB3 to SB11), in one pass: the
/// `SATerm Close* Sp*` context before each position is carried forward, and no rule can break
/// outside that context or after a line break, so the pass jumps from one terminator or line
/// break to the next (most of a news sentence is read once, by that search). SB8's look-ahead
/// for a lower-case letter is searched when a rule asks for it and remembered until the
/// position passes what it found, so no input makes it quadratic.
fn ascii_sentence_bounds(text: &[u8]) -> Vec<(usize, usize)> {
    use Class::*;
    let n = text.len();
    let class = |i: usize| ascii_class(text[i]);
    // SB8: whether the first letter, paragraph separator or terminator at or after `i` is a
    // lower-case letter. `found` is the last answer's (from, decisive position or n).
    let mut found: Option<(usize, usize)> = None;
    let mut lower_ahead = |i: usize| -> bool {
        let at = match found {
            Some((from, at)) if from <= i && i <= at => at,
            _ => {
                let at = (i..n)
                    .find(|&j| matches!(class(j), Lower | Upper | Cr | Lf | ATerm | STerm))
                    .unwrap_or(n);
                found = Some((i, at));
                at
            }
        };
        at < n && class(at) == Lower
    };
    let mut out = Vec::new();
    let mut start = 0;
    // The context `SATerm Close* Sp*` that ends just before the current position: where its
    // terminator is, and whether a space followed it.
    let mut context: Option<(usize, bool)> = None;
    let mut i = 1;
    while i < n {
        let (prev, cur) = (class(i - 1), class(i));
        context = match (prev, context) {
            (ATerm | STerm, _) => Some((i - 1, false)),
            (Close, Some((t, false))) => Some((t, false)),
            (Sp, Some((t, _))) => Some((t, true)),
            _ => None,
        };
        let breaks = if prev == Cr && cur == Lf {
            false // SB3
        } else if matches!(prev, Cr | Lf) {
            true // SB4
        } else if let Some((term, spaced)) = context {
            let bare = term == i - 1;
            let aterm = class(term) == ATerm;
            // The rules that hold a break back; past them, SB11 breaks.
            let sb6 = aterm && bare && cur == Numeric;
            let sb7 = aterm && bare && cur == Upper && term > 0 && matches!(class(term - 1), Upper | Lower);
            let sb8a = matches!(cur, SContinue | ATerm | STerm);
            let sb9 = !spaced && matches!(cur, Close | Sp | Cr | Lf);
            let sb10 = matches!(cur, Sp | Cr | Lf);
            !(sb6 || sb7 || sb8a || sb9 || sb10 || (aterm && lower_ahead(i)))
        } else {
            // SB998, and so at every position until the one after the next terminator or line
            // break (no context can start before it).
            match text[i..]
                .iter()
                .position(|&b| matches!(ascii_class(b), ATerm | STerm | Cr | Lf))
            {
                Some(k) => {
                    i += k + 1;
                    continue;
                }
                None => break,
            }
        };
        if breaks {
            out.push((start, i));
            start = i;
        }
        i += 1;
    }
    if n > 0 {
        out.push((start, n));
    }
    out
}

/// Splits "week.The" (a full stop with no space after, between a lower-case word and a capital).
fn split_glued(s: &str) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    if b.len() >= 5 {
        // Only the stops are candidates: a search for them skips the words between.
        for i in memchr::memchr3_iter(b'.', b'!', b'?', &b[2..b.len() - 2]).map(|k| k + 2) {
            if b[i - 1].is_ascii_lowercase()
                && b[i - 2].is_ascii_lowercase()
                && b[i + 1].is_ascii_uppercase()
                && b[i + 2].is_ascii_lowercase()
            {
                out.push((start, i + 1));
                start = i + 1;
            }
        }
    }
    out.push((start, s.len()));
    out
}

fn ends_with_abbreviation(piece: &str) -> bool {
    let t = piece.trim_end();
    let Some(stem) = t.strip_suffix('.') else { return false };
    let last = stem
        .rsplit(|c: char| c.is_whitespace() || c == '(' || c == '"' || c == '“')
        .next()
        .unwrap_or("");
    if last.is_empty() {
        return false;
    }
    // An initial ("J.") or dotted capitals ("U.S", "U.N", "D.C").
    let letters: Vec<&str> = last.split('.').collect();
    if letters
        .iter()
        .all(|p| p.chars().count() == 1 && p.chars().all(char::is_uppercase))
    {
        return true;
    }
    let lower = last.to_lowercase();
    ABBREVIATIONS.contains(&lower.as_str())
}

/// Quote state carried across the sentences of a paragraph.
#[derive(Debug, Default, Clone, Copy)]
struct QuoteState {
    double: bool,
    single: bool,
    /// Opened by „, so that “ closes it (German) instead of opening.
    low: bool,
}

/// Share of the words of `s` inside quotation marks, updating `state`.
fn quoted_share(s: &str, state: &mut QuoteState) -> f32 {
    // `char::is_alphanumeric` with the ASCII case first (most news text).
    let alnum = |c: char| {
        if c.is_ascii() {
            c.is_ascii_alphanumeric()
        } else {
            c.is_alphanumeric()
        }
    };
    let (mut words, mut quoted) = (0u32, 0u32);
    let mut in_word = false;
    // The character before `c`, and whether it is alphanumeric.
    let (mut prev, mut prev_alnum) = (None, false);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let next_alnum = chars.peek().is_some_and(|&n| alnum(n));
        match c {
            '“' if state.low => (state.double, state.low) = (false, false),
            '“' | '«' | '「' | '『' => state.double = true,
            '„' => (state.double, state.low) = (true, true),
            '”' | '»' | '」' | '』' => state.double = false,
            '"' => state.double = !state.double,
            '‹' if !state.double => state.single = true,
            '›' if !state.double => state.single = false,
            '\'' | '‘' | '’' if !state.double => {
                if !prev_alnum && next_alnum {
                    state.single = true;
                } else if (prev_alnum || prev.is_some_and(|p| ",.!?;:".contains(p))) && !next_alnum {
                    state.single = false;
                }
            }
            _ => {}
        }
        let c_alnum = alnum(c);
        if c_alnum {
            if !in_word {
                words += 1;
                if state.double || state.single {
                    quoted += 1;
                }
            }
            in_word = true;
        } else if !(c == '\'' || c == '’') || !(prev_alnum && next_alnum) {
            in_word = false;
        }
        (prev, prev_alnum) = (Some(c), c_alnum);
    }
    if words == 0 {
        0.0
    } else {
        quoted as f32 / words as f32
    }
}

/// A line that introduces a quotation set off below it: a speech word and a final colon.
fn introduces_quote(s: &str) -> bool {
    static SPEECH: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b(?:said|says|say|wrote|writes|tweeted|posted|added|stated|statement|announced|declared|reads?|told|according|message|letter|tweet|post)\b[^:]{0,40}:$",
        )
        .expect("valid regex")
    });
    SPEECH.is_match(s.trim_end())
}

/// Whether `s` opens with a quotation mark.
fn opens_with_quote(s: &str) -> bool {
    s.trim_start().starts_with(['"', '“', '„', '«', '‘', '\'', '「', '‹'])
}

/// A text's sentences, and the hashes they point into: one block per article for all its
/// sentences' 3-grams and one for their content words, instead of two per sentence (2.6 million
/// sentences at 100,000 articles: the allocations' own overhead, and the holes the content words
/// left when they were freed, were hundreds of MB).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysis {
    /// The sentences, in text order.
    pub sentences: Vec<Sentence>,
    /// Per sentence, its sorted, deduplicated 32-bit hashes of word 3-grams (one hash for a
    /// sentence of under 3 words). 32 bits: a Jaccard of two sentences' sets is off by a
    /// collision at most once in ~10 million pairs, and 3 million sentences (100,000 articles)
    /// hold half the memory.
    pub grams: Box<[u32]>,
    /// Per sentence, the hashes of its content words ([`crate::stories::terms::is_content`]), in
    /// order. Read by [`crate::stories::story::vectors`] and by the reprint search's topic test;
    /// [`crate::stories::run`] empties it after the reprint search (story clustering reads only
    /// the vectors and the dates), to hold 100,000 articles in less memory.
    pub content: Box<[u64]>,
}

/// A sentence's key: the hash of its normalized words.
fn words_key(words: &[u64]) -> u64 {
    words.iter().fold(mix64(words.len() as u64), |h, &w| mix64(h ^ w))
}

/// Appends the sorted, deduplicated 3-gram hashes of a sentence's `words` (whose key is `key`)
/// to `pool`, and returns where they are.
fn push_grams(words: &[u64], key: u64, pool: &mut Vec<u32>) -> (u32, u32) {
    let at = pool.len();
    if words.len() < 3 {
        pool.push((key >> 32) as u32);
    } else {
        pool.extend(
            words
                .windows(3)
                .map(|w| (mix64(w[0] ^ mix64(w[1] ^ mix64(w[2]))) >> 32) as u32),
        );
    }
    // Sorted and deduplicated within the sentence only.
    pool[at..].sort_unstable();
    let mut kept = at;
    for r in at..pool.len() {
        if r == at || pool[r] != pool[kept - 1] {
            pool[kept] = pool[r];
            kept += 1;
        }
    }
    pool.truncate(kept);
    (at as u32, kept as u32)
}

/// [`Analysis::grams`] of `text` again, for `sentences` that [`analyze`] found in it with the
/// same `seed`: the stories pipeline drops every article's 3-grams while it clusters, to hold
/// 100,000 articles in less memory, and rebuilds them for the articles it compares sentence by
/// sentence.
pub fn grams(text: &str, sentences: &[Sentence], seed: u64) -> Box<[u32]> {
    let mut pool = Vec::with_capacity(sentences.last().map_or(0, |s| s.grams.1 as usize));
    let (mut scratch, mut words) = (Vec::new(), Vec::new());
    for s in sentences {
        words.clear();
        for_each_word(s.text(text), &mut scratch, |w| words.push(hash_bytes(w, seed)));
        let at = push_grams(&words, words_key(&words), &mut pool);
        debug_assert_eq!(at, s.grams, "the same words as analyze found");
    }
    pool.into_boxed_slice()
}

/// The sentences of `text`, with their keys, 3-grams and quotation shares.
pub fn analyze(text: &str, seed: u64) -> Analysis {
    let spans = segment(text);
    let mut out = Vec::with_capacity(spans.len());
    let mut all_grams: Vec<u32> = Vec::new();
    let mut all_content: Vec<u64> = Vec::new();
    let mut scratch = Vec::new();
    let mut words: Vec<u64> = Vec::new();
    let mut state = QuoteState::default();
    let mut para = u32::MAX;
    // The paragraph is a block quotation (introduced by "... said:" on the line before).
    let mut block = false;
    let mut last = "";
    for (start, end, p) in spans {
        let s = &text[start..end];
        if p != para {
            block = para != u32::MAX && introduces_quote(last) && !opens_with_quote(s);
            state = QuoteState::default();
            para = p;
        }
        last = s;
        let quoted = if block { 1.0 } else { quoted_share(s, &mut state) };
        words.clear();
        let content_at = all_content.len() as u32;
        for_each_word(s, &mut scratch, |w| {
            let h = hash_bytes(w, seed);
            words.push(h);
            if is_content(w) {
                all_content.push(h);
            }
        });
        let key = words_key(&words);
        let grams = push_grams(&words, key, &mut all_grams);
        out.push(Sentence {
            start,
            end,
            para: p,
            num_words: words.len() as u32,
            quoted,
            key,
            grams,
            content: (content_at, all_content.len() as u32),
            furniture: false,
        });
    }
    Analysis {
        sentences: out,
        grams: all_grams.into_boxed_slice(),
        content: all_content.into_boxed_slice(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sents(text: &str) -> Vec<&str> {
        segment(text).into_iter().map(|(a, b, _)| &text[a..b]).collect()
    }

    #[test]
    fn abbreviations_and_dates_do_not_split() {
        let t = "U.S. President-elect Donald Trump is sworn in on Jan. 20. Mr. Smith said so. J. Doe agreed.";
        assert_eq!(
            sents(t),
            vec![
                "U.S. President-elect Donald Trump is sworn in on Jan. 20.",
                "Mr. Smith said so.",
                "J. Doe agreed."
            ]
        );
    }

    #[test]
    fn quotes_and_glued_stops() {
        let t = "\"We hold the line,\" the channel said. It was quiet this week.The satellite failed.";
        assert_eq!(
            sents(t),
            vec![
                "\"We hold the line,\" the channel said.",
                "It was quiet this week.",
                "The satellite failed."
            ]
        );
    }

    #[test]
    fn lines_are_paragraphs() {
        let t = "No full stop here\nSecond line. Third sentence\n\n  \nLast";
        let s = segment(t);
        assert_eq!(s.len(), 4);
        assert_eq!(s.iter().map(|x| x.2).collect::<Vec<_>>(), vec![0, 1, 1, 2]);
    }

    #[test]
    fn quoted_share_tracks_paragraph_state() {
        let t = "\"It is over. We won,\" he said. Rain fell.\n'Single quotes,' the Mail wrote, and it's fine.";
        let s = analyze(t, 1).sentences;
        assert_eq!(s[0].quoted, 1.0);
        assert_eq!(s[1].quoted, 0.5); // "We won" quoted, "he said" not
        assert_eq!(s[2].quoted, 0.0);
        assert!(s[3].quoted > 0.2 && s[3].quoted < 0.5, "{}", s[3].quoted);
    }

    #[test]
    fn other_quotation_marks_and_block_quotes() {
        let t = "„Wir bleiben hier“, sagte er am Abend. Es regnete.\n«Nous restons», a-t-il dit.\nThe ministry said in a statement:\nAt around 9am the enemy launched a counter-attack. It failed.\nLife went on.";
        let s = analyze(t, 1).sentences;
        assert!(s[0].quoted > 0.4 && s[0].quoted < 1.0, "{}", s[0].quoted);
        assert_eq!(s[1].quoted, 0.0, "„…“ closes");
        assert!(s[2].quoted > 0.3, "{}", s[2].quoted);
        assert_eq!(
            (s[4].quoted, s[5].quoted),
            (1.0, 1.0),
            "the block after 'said in a statement:'"
        );
        assert_eq!(s[6].quoted, 0.0, "only the one paragraph");
    }

    #[test]
    fn keys_ignore_case_and_punctuation() {
        let a = analyze("The ship hit a bridge, police said.", 1);
        let b = analyze("the ship hit a bridge police said", 1);
        assert_eq!(a.sentences[0].key, b.sentences[0].key);
        assert_eq!(a.grams, b.grams);
        assert_eq!(a.sentences[0].grams, (0, a.grams.len() as u32));
    }

    #[test]
    fn each_sentence_keeps_its_own_grams() {
        let a = analyze("The cargo ship ran aground. The cargo ship ran aground. Rain fell.", 1);
        let g = |i: usize| {
            let (lo, hi) = a.sentences[i].grams;
            &a.grams[lo as usize..hi as usize]
        };
        assert_eq!(g(0), g(1), "a repeated sentence keeps its 3-grams");
        assert_eq!(g(0).len(), 3);
        assert!(g(0).windows(2).all(|w| w[0] < w[1]), "sorted, no repeats");
        assert_eq!(a.sentences[1].grams.0, a.sentences[0].grams.1, "one block, in order");
        assert_eq!(g(2).len(), 1, "under 3 words: one hash");
        let c = |i: usize| a.sentences[i].content;
        assert_eq!((c(0).1 - c(0).0, c(2).1), (4, a.content.len() as u32));
    }

    #[test]
    fn grams_are_rebuilt_as_analysed() {
        for t in [
            "The cargo ship ran aground. The cargo ship ran aground. Rain fell.",
            "„Wir bleiben hier“, sagte er.\nU.S. officials said so on Jan. 20.\n\nOne",
            "",
        ] {
            let a = analyze(t, 7);
            assert_eq!(grams(t, &a.sentences, 7), a.grams, "{t}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4000))]
        /// The ASCII segmenter finds the boundaries `unicode-segmentation` finds.
        #[test]
        fn ascii_bounds_are_the_crates(t in "[aZz9. !?'\"()\\[\\]{},:;\t\r\n\x0b\x0c_#-]{0,40}") {
            let crate_bounds: Vec<(usize, usize)> =
                t.split_sentence_bound_indices().map(|(at, s)| (at, at + s.len())).collect();
            proptest::prop_assert_eq!(ascii_sentence_bounds(t.as_bytes()), crate_bounds);
        }
    }

    proptest::proptest! {
        /// The stop search finds the glued stops a scan of every byte finds.
        #[test]
        fn glued_stops_as_a_byte_scan_finds_them(t in "[aAzZ.!? ]{0,30}") {
            let b = t.as_bytes();
            let mut scan = Vec::new();
            let mut start = 0;
            for i in 2..b.len().saturating_sub(2) {
                if matches!(b[i], b'.' | b'!' | b'?')
                    && b[i - 1].is_ascii_lowercase()
                    && b[i - 2].is_ascii_lowercase()
                    && b[i + 1].is_ascii_uppercase()
                    && b[i + 2].is_ascii_lowercase()
                {
                    scan.push((start, i + 1));
                    start = i + 1;
                }
            }
            scan.push((start, t.len()));
            proptest::prop_assert_eq!(split_glued(&t), scan);
        }
    }

    proptest::proptest! {
        /// The same over every ASCII character (each is in the class table).
        #[test]
        fn ascii_bounds_are_the_crates_over_all_ascii(t in "[\\x00-\\x7f]{0,40}") {
            let crate_bounds: Vec<(usize, usize)> =
                t.split_sentence_bound_indices().map(|(at, s)| (at, at + s.len())).collect();
            proptest::prop_assert_eq!(ascii_sentence_bounds(t.as_bytes()), crate_bounds);
        }
    }

    #[test]
    fn ascii_bounds_on_news_prose() {
        for t in [
            "He said so. Then he left! Did he? \"Yes.\" (It was 3.5 p.m.) the end. e.g. this U.S. Army.",
            "Mr. Smith went to Washington.  Twice.\r\nAgain.\rAnd again...   ",
            "",
            "...",
        ] {
            let crate_bounds: Vec<(usize, usize)> = t
                .split_sentence_bound_indices()
                .map(|(at, s)| (at, at + s.len()))
                .collect();
            assert_eq!(ascii_sentence_bounds(t.as_bytes()), crate_bounds, "{t:?}");
        }
    }

    #[test]
    fn non_english_and_no_boundaries() {
        let t = "Москва заявила об этом в воскресенье. Это важно";
        assert_eq!(sents(t).len(), 2);
        let long = "word ".repeat(500);
        assert_eq!(segment(&long).len(), 1);
    }
}

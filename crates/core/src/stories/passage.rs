//! Reused passages: sentences matched across articles, chained into runs located in both, and
//! told apart as reprinted copy, shared quotation or site furniture.
//!
//! Candidates never come from all pairs: each sentence is sketched by the six smallest hashes of
//! its word 3-grams, and sentences sharing a sketch hash in an inverted index are compared
//! exactly (3-gram Jaccard ≥ 0.5, or a cut sentence ≥ 90 % contained in the other). Matches of
//! one article pair are chained into runs: consecutive sentences in one article whose partners
//! lie close together, in order or lightly shuffled, in the other.
//!
//! A run is reprinted copy when, after furniture is masked ([`crate::stories::boilerplate`]), it has
//! (1) two or more distinct matched sentences on each side and at least 20 words; (2) at least
//! 10 of the reporter's own words in common: words outside quotation marks, counted per matched
//! sentence as the fewer of its two versions, and none at all for a sentence that is quotation —
//! quoted itself (most of its words in quotation marks, or set off as a block below "… said:",
//! or an embedded post), or its words quoted elsewhere in its article (an embedded post beside
//! its quoted version). Quoted statements are shared by reporters who never saw each other's
//! copy, however long they are: a run of 300 quoted words with "he said" between them has four
//! words of its own. (3) It is on topic in both
//! articles: at least 8 % of its content words recur in the rest of the article (or it is most
//! of the article). (4) Stock text — a sentence found in articles on three unrelated topics —
//! is evidence only between articles on one topic (TF-IDF cosine ≥ 0.2). Furniture that recurs
//! in too few pages to be caught by its frequency (a transcript notice on two pages) shares no
//! words with the story.
//! On the hand-labelled giveme5w1h dev pairs these rules give all 18 reprints and no quote or
//! furniture pair, with a margin: no quote pair has more than 5 words of its own in a run (the
//! bar is 10; the fewest of a reprint is 12), and every furniture pair is stopped by two rules
//! (the furniture lines and rule 4), so that one line a rule misses does not make a reprint
//! (results/2026-12-06-stories-report.md).

use ahash::{AHashMap, AHashSet};
use rayon::prelude::*;
use serde::Serialize;

use crate::dedup::cluster::UnionFind;
use crate::sets::{containment, intersection_len, overlap};
use crate::stories::article::Article;
use crate::stories::boilerplate::SAME_TOPIC_COSINE;
use crate::stories::sentence::Sentence;
use crate::stories::story::{heaviest, spread_cosine, vocabulary, Vector};

/// Hashes per sentence in the candidate index.
const SKETCH: usize = 6;
/// A sketch hash shared by more sentences than this is a stock phrase, not evidence of reuse.
const MAX_POSTINGS: usize = 64;
/// Sentences shorter than this are not matched (datelines, "Read more").
const MIN_SENTENCE_WORDS: u32 = 4;
/// 3-gram Jaccard at which two sentences are the same sentence, lightly edited.
pub const SENTENCE_MATCH: f64 = 0.5;
const MIN_RUN_WORDS: u32 = 20;
const MIN_UNQUOTED_WORDS: u32 = 10;
const MIN_ON_TOPIC: f64 = 0.08;
/// Heaviest terms of an article that two articles must share for stock text to be compared.
const TOP_TERMS: usize = 20;

/// One shared passage between two articles.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Passage {
    /// First article (index into the input).
    pub a: u32,
    /// Second article.
    pub b: u32,
    /// Sentence indices of the passage in `a`, in order.
    pub sentences_a: Vec<u32>,
    /// Their partners in `b`.
    pub sentences_b: Vec<u32>,
    /// Byte span of the passage in `a`'s text.
    pub span_a: (usize, usize),
    /// Byte span in `b`'s text.
    pub span_b: (usize, usize),
    /// Words of the passage in `a`.
    pub words: u32,
    /// The matched sentences (in `a`, in `b`), in the order of `a`.
    pub pairs: Vec<(u32, u32)>,
}

/// Two articles that share reprinted copy.
#[derive(Debug, Clone, PartialEq)]
pub struct Reprint {
    /// First article.
    pub a: u32,
    /// Second article.
    pub b: u32,
    /// The passages that qualify.
    pub passages: Vec<Passage>,
}

/// The matched sentences (i, j) of one article pair (a, b).
type PairMatches = (u32, u32, Vec<(u32, u32)>);

/// Matched sentence pairs (a, i, b, j, similarity) with a < b, sorted by article pair (a, b),
/// then (i, j).
///
/// Each candidate pair is compared once, under the smallest sketch hash the two sentences share
/// (among those not skipped as stock phrases), so no list of candidates is ever built or
/// deduplicated: a sentence reprinted in many articles would otherwise repeat every pair six times.
/// `keep(a, i, b, j)` may turn a candidate away before it is compared.
pub fn sentence_matches(
    articles: &[Article],
    furniture: &[Vec<bool>],
    keep: &(dyn Fn(u32, u32, u32, u32) -> bool + Sync),
) -> Vec<(u32, u32, u32, u32, f32)> {
    // The postings (sketch hash, article, sentence), filled at their size: collecting them in
    // parallel held them twice for a moment (180 MB more at 100,000 generated articles).
    fn posted<'a>(a: &'a Article, skip: &'a [bool]) -> impl Iterator<Item = (usize, &'a Sentence)> + 'a {
        a.sentences
            .iter()
            .enumerate()
            .filter(move |&(i, s)| s.num_words >= MIN_SENTENCE_WORDS && !skip[i])
    }
    let total: usize = articles
        .par_iter()
        .enumerate()
        .map(|(d, a)| {
            posted(a, &furniture[d])
                .map(|(_, s)| a.grams_of(s).len().min(SKETCH))
                .sum::<usize>()
        })
        .sum();
    let mut postings: Vec<(u32, u32, u32)> = Vec::with_capacity(total);
    for (d, a) in articles.iter().enumerate() {
        for (i, s) in posted(a, &furniture[d]) {
            postings.extend(a.grams_of(s).iter().take(SKETCH).map(|&g| (g, d as u32, i as u32)));
        }
    }
    postings.par_sort_unstable();
    // The runs of two to MAX_POSTINGS postings of one hash, as (hash, start, end) over `members`,
    // their (article, sentence) in posting order: a single posting pairs with nothing, so most
    // postings are gone before the pairs are compared.
    let mut runs: Vec<(u32, usize, usize)> = Vec::new();
    let mut members: Vec<(u32, u32)> = Vec::new();
    let mut stock: AHashSet<u32> = AHashSet::new();
    for run in postings.chunk_by(|x, y| x.0 == y.0) {
        if run.len() > MAX_POSTINGS {
            stock.insert(run[0].0);
        } else if run.len() > 1 {
            runs.push((run[0].0, members.len(), members.len() + run.len()));
            members.extend(run.iter().map(|p| (p.1, p.2)));
        }
    }
    drop(postings);
    members.shrink_to_fit();
    // A sentence's word count and 3-grams.
    let sentence = |d: u32, i: u32| {
        let a = &articles[d as usize];
        let s = &a.sentences[i as usize];
        (s.num_words, a.grams_of(s))
    };
    // Each sentence's sketch without stock hashes, padded with u32::MAX, in a flat array: a
    // pair is compared under its smallest shared sketch hash `g` only, and that test is then 36
    // branch-free comparisons instead of a merge that looks each shared hash up in `stock`
    // (25 M candidate pairs at 30,000 generated articles, 1.2 M of them matches).
    let first: Vec<usize> = articles
        .iter()
        .scan(0, |n, a| {
            let at = *n;
            *n += a.sentences.len();
            Some(at)
        })
        .collect();
    let sketches: Vec<[u32; SKETCH]> = articles
        .par_iter()
        .flat_map_iter(|a| {
            a.sentences.iter().map(|s| {
                let mut k = [u32::MAX; SKETCH];
                for (slot, &g) in k
                    .iter_mut()
                    .zip(a.grams_of(s).iter().take(SKETCH).filter(|g| !stock.contains(g)))
                {
                    *slot = g;
                }
                k
            })
        })
        .collect();
    let mut matches: Vec<(u32, u32, u32, u32, f32)> = runs
        .into_par_iter()
        .flat_map_iter(|(g, s, e)| {
            let run = &members[s..e];
            let sk: Vec<&[u32; SKETCH]> = run
                .iter()
                .map(|&(d, i)| &sketches[first[d as usize] + i as usize])
                .collect();
            let mut out = Vec::new();
            for (x, &(a, i)) in run.iter().enumerate() {
                for (y, &(b, j)) in run.iter().enumerate().skip(x + 1) {
                    if a == b || shared_below(sk[x], sk[y], g) || !keep(a, i, b, j) {
                        continue;
                    }
                    let ((wa, ga), (wb, gb)) = (sentence(a, i), sentence(b, j));
                    // Copy reprinted word for word is most matches: one memcmp, not a merge.
                    let inter = if ga == gb { ga.len() } else { intersection_len(ga, gb) };
                    let (jac, contained) = overlap(ga.len(), gb.len(), inter);
                    let cut = wa.min(wb) >= 8 && contained >= 0.9;
                    if jac >= SENTENCE_MATCH || cut {
                        out.push((a, i, b, j, jac as f32));
                    }
                }
            }
            out
        })
        .collect();
    matches.par_sort_unstable_by_key(|m| (m.0, m.2, m.1, m.3));
    matches
}

/// Whether sketches `x` and `y` share a hash below `g`, the hash a pair is compared under: a
/// pair is compared once, under its smallest shared hash. Sketches are sorted (a sentence's
/// 3-grams are), so the hashes below `g` are a prefix of each, most often empty or one long: a
/// merge of the two prefixes, not 36 comparisons (151 M candidate pairs at 100,000 generated
/// articles, most of the reprint search's time).
fn shared_below(x: &[u32; SKETCH], y: &[u32; SKETCH], g: u32) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < SKETCH && j < SKETCH && x[i] < g && y[j] < g {
        if x[i] == y[j] {
            return true;
        }
        if x[i] < y[j] {
            i += 1;
        } else {
            j += 1;
        }
    }
    false
}

/// Runs of matched sentences for one article pair: `matches` are (i, j) sorted.
fn runs(matches: &[(u32, u32)]) -> Vec<Vec<(u32, u32)>> {
    let set: AHashSet<(u32, u32)> = matches.iter().copied().collect();
    let mut used: AHashSet<(u32, u32)> = AHashSet::new();
    let mut out = Vec::new();
    for &(i, j) in matches {
        if used.contains(&(i, j)) {
            continue;
        }
        let mut run = vec![(i, j)];
        used.insert((i, j));
        let (mut ci, mut cj) = (i, j);
        loop {
            // The next sentence of `a`, matched near the last partner in `b`.
            let next = (cj.saturating_sub(2)..=cj + 3)
                .map(|y| (ci + 1, y))
                .find(|p| set.contains(p));
            let Some(p) = next else { break };
            run.push(p);
            used.insert(p);
            (ci, cj) = p;
        }
        out.push(run);
    }
    out
}

/// Whether sentence `i` of `a` is quotation: quoted itself, or its words quoted elsewhere in `a`.
fn is_quote(a: &Article, i: usize) -> bool {
    let s = &a.sentences[i];
    if s.quoted >= 0.5 {
        return true;
    }
    a.sentences
        .iter()
        .enumerate()
        .any(|(k, o)| k != i && o.quoted >= 0.5 && containment(a.grams_of(s), a.grams_of(o)) >= 0.6)
}

/// How often each content word ([`Article::content_of`]) occurs in an article, sorted by word.
fn word_counts(a: &Article) -> Box<[(u64, u32)]> {
    let mut words: Vec<u64> = a.sentences.iter().flat_map(|s| a.content_of(s)).copied().collect();
    words.sort_unstable();
    // At its size: one is kept per article that may hold a passage.
    words
        .chunk_by(|x, y| x == y)
        .map(|run| (run[0], run.len() as u32))
        .collect()
}

/// Share of the passage's content words that recur in the rest of the article (1 when the
/// passage is most of a real article). `counts` are the article's [`word_counts`]: a word
/// recurs outside the passage when the article holds more of it than the passage does, which
/// costs the passage's length rather than the article's.
fn on_topic(a: &Article, counts: &[(u64, u32)], idx: &[u32]) -> f64 {
    let total: u32 = a.sentences.iter().map(|s| s.num_words).sum();
    let inside: u32 = idx.iter().map(|&i| a.sentences[i as usize].num_words).sum();
    if total >= 60 && inside as f64 >= 0.6 * total as f64 {
        return 1.0;
    }
    let mut idx = idx.to_vec();
    idx.sort_unstable();
    idx.dedup();
    let mut inside: AHashMap<u64, u32> = AHashMap::new();
    for &i in &idx {
        for &w in a.content_of(&a.sentences[i as usize]) {
            *inside.entry(w).or_default() += 1;
        }
    }
    if inside.is_empty() {
        return 0.0;
    }
    let recurring = inside
        .iter()
        .filter(|&(w, &n)| counts.binary_search_by_key(w, |c| c.0).is_ok_and(|k| counts[k].1 > n))
        .count();
    recurring as f64 / inside.len() as f64
}

fn span(sentences: &[Sentence], idx: &[u32]) -> (usize, usize) {
    let start = idx.iter().map(|&i| sentences[i as usize].start).min().unwrap_or(0);
    let end = idx.iter().map(|&i| sentences[i as usize].end).max().unwrap_or(0);
    (start, end)
}

/// Words of sentence `i` of `a` outside quotation marks.
fn own_words(a: &Article, i: usize) -> u32 {
    let s = &a.sentences[i];
    (s.num_words as f32 * (1.0 - s.quoted)).round() as u32
}

/// The article pairs that share reprinted copy, with the passages, sorted by (a, b).
/// `furniture` and `stock` are [`crate::stories::boilerplate::mark`]'s tables, `vecs` the articles'
/// TF-IDF vectors.
pub fn reprints(articles: &[Article], furniture: &[Vec<bool>], stock: &[Vec<bool>], vecs: &[Vector]) -> Vec<Reprint> {
    // Stock text is evidence only between articles on one topic: a quick test first (the two
    // share one of their heaviest terms), the cosine later for the pairs with two matches.
    let tops: Vec<Vec<u32>> = vecs
        .par_iter()
        .map(|v| {
            let mut t: Vec<u32> = heaviest(v, TOP_TERMS).iter().map(|x| x.0).collect();
            t.sort_unstable();
            t
        })
        .collect();
    // The top terms as bits of a 1,024-bit mask: two articles with disjoint masks share no top
    // term, a test of 16 words that turns most unrelated pairs away before the merge join (the
    // join, asked for every candidate pair of a stock sentence, was the hottest code of a run).
    let masks: Vec<[u64; 16]> = tops
        .par_iter()
        .map(|t| {
            let mut m = [0u64; 16];
            for &h in t {
                m[(h >> 6) as usize & 15] |= 1u64 << (h & 63);
            }
            m
        })
        .collect();
    let keep = |a: u32, i: u32, b: u32, j: u32| {
        if !(stock[a as usize][i as usize] || stock[b as usize][j as usize]) {
            return true;
        }
        let (ma, mb) = (&masks[a as usize], &masks[b as usize]);
        ma.iter().zip(mb).any(|(x, y)| x & y != 0) && intersection_len(&tops[a as usize], &tops[b as usize]) > 0
    };
    let matches = sentence_matches(articles, furniture, &keep);
    // Group by article pair; a pair needs two matches to hold a run. Each list is allocated at
    // its size (pushing doubled their room: ~250 MB at 100,000 generated articles).
    let mut groups: Vec<PairMatches> = matches
        .chunk_by(|x, y| (x.0, x.2) == (y.0, y.2))
        .filter(|run| run.len() >= 2)
        .map(|run| (run[0].0, run[0].2, run.iter().map(|m| (m.1, m.3)).collect()))
        .collect();
    drop(matches);
    // Stock text is evidence only between articles on one topic (one cosine per article pair).
    // Pairs come sorted by their first article, whose vector is spread over an array once for
    // all its pairs: the cosine's merge join was 6 % of a 100,000-article run.
    let terms = vocabulary(vecs);
    groups.par_iter_mut().with_min_len(256).for_each_init(
        || (vec![0.0f32; terms], None),
        |(spread, owner), (a, b, m)| {
            let is_stock = |&(i, j): &(u32, u32)| stock[*a as usize][i as usize] || stock[*b as usize][j as usize];
            if m.iter().any(is_stock) && spread_cosine(spread, owner, vecs, *a, *b) < SAME_TOPIC_COSINE {
                m.retain(|x| !is_stock(x));
            }
        },
    );
    groups.retain(|g| g.2.len() >= 2);
    // The matched sentences that are quotation.
    let quoted: AHashSet<(u32, u32)> = {
        let mut sentences: Vec<(u32, u32)> = groups
            .iter()
            .flat_map(|(a, b, m)| m.iter().flat_map(move |&(i, j)| [(*a, i), (*b, j)]))
            .collect();
        sentences.par_sort_unstable();
        sentences.dedup();
        let is_q: Vec<bool> = sentences
            .par_iter()
            .map(|&(d, i)| is_quote(&articles[d as usize], i as usize))
            .collect();
        sentences.into_iter().zip(is_q).filter(|x| x.1).map(|x| x.0).collect()
    };
    let mut involved: Vec<u32> = groups.iter().flat_map(|g| [g.0, g.1]).collect();
    involved.sort_unstable();
    involved.dedup();
    // Content word counts, for the articles that may hold a passage.
    let computed: Vec<Box<[(u64, u32)]>> = involved
        .par_iter()
        .map(|&d| word_counts(&articles[d as usize]))
        .collect();
    let words_of: AHashMap<u32, &Box<[(u64, u32)]>> = involved.iter().copied().zip(computed.iter()).collect();
    groups
        .into_par_iter()
        .filter_map(|(a, b, mut m)| {
            m.sort_unstable();
            let (da, db) = (&articles[a as usize], &articles[b as usize]);
            let passages: Vec<Passage> = runs(&m)
                .into_iter()
                .filter_map(|run| {
                    let ia: Vec<u32> = run.iter().map(|p| p.0).collect();
                    let mut ib: Vec<u32> = run.iter().map(|p| p.1).collect();
                    ib.sort_unstable();
                    ib.dedup();
                    if ia.len() < 2 || ib.len() < 2 {
                        return None;
                    }
                    let own: u32 = run
                        .iter()
                        .filter(|&&(i, j)| !quoted.contains(&(a, i)) && !quoted.contains(&(b, j)))
                        .map(|&(i, j)| own_words(da, i as usize).min(own_words(db, j as usize)))
                        .sum();
                    let words: u32 = run.iter().map(|&(i, _)| da.sentences[i as usize].num_words).sum();
                    if own < MIN_UNQUOTED_WORDS || words < MIN_RUN_WORDS {
                        return None;
                    }
                    let (wa, wb) = (words_of[&a], words_of[&b]);
                    if on_topic(da, wa, &ia) < MIN_ON_TOPIC || on_topic(db, wb, &ib) < MIN_ON_TOPIC {
                        return None;
                    }
                    let (span_a, span_b) = (span(&da.sentences, &ia), span(&db.sentences, &ib));
                    Some(Passage {
                        a,
                        b,
                        sentences_a: ia,
                        sentences_b: ib,
                        span_a,
                        span_b,
                        words,
                        pairs: run,
                    })
                })
                .collect();
            (!passages.is_empty()).then_some(Reprint { a, b, passages })
        })
        .collect()
}

/// A passage reprinted in several articles of a group: where it is in each.
#[derive(Debug, Clone, PartialEq)]
pub struct Shared {
    /// Per article, in input order: (article, its first sentence, its last sentence).
    pub sides: Vec<(u32, u32, u32)>,
}

/// The passages of one syndication group, from its `reprints` (pairs of its members), merged so
/// that they never overlap within an article: matched sentences join into families (a sentence
/// with its matches in every member, transitively), and consecutive families held by the same
/// articles, consecutive in each, form one passage. So a passage that three articles share is one
/// passage listing the three, and it holds only sentences present in every article it lists.
/// Sorted by (first article, first sentence).
pub fn merge(reprints: &[Reprint]) -> Vec<Shared> {
    let mut index: AHashMap<(u32, u32), u32> = AHashMap::new();
    let mut nodes: Vec<(u32, u32)> = Vec::new();
    let mut id = |n: (u32, u32), nodes: &mut Vec<(u32, u32)>| -> u32 {
        *index.entry(n).or_insert_with(|| {
            nodes.push(n);
            nodes.len() as u32 - 1
        })
    };
    let mut edges = Vec::new();
    for p in reprints.iter().flat_map(|r| r.passages.iter()) {
        for &(i, j) in &p.pairs {
            let (x, y) = (id((p.a, i), &mut nodes), id((p.b, j), &mut nodes));
            edges.push((x, y));
        }
    }
    let mut uf = UnionFind::new(nodes.len());
    for (x, y) in edges {
        uf.union(x, y);
    }
    let mut by_root: AHashMap<u32, Vec<(u32, u32)>> = AHashMap::new();
    for (k, &n) in nodes.iter().enumerate() {
        by_root.entry(uf.find(k as u32)).or_default().push(n);
    }
    // Families: per article its run of consecutive sentences (the first run, if a family holds
    // sentences of one article that are not consecutive); at least two articles.
    let mut families: Vec<Vec<(u32, u32, u32)>> = by_root
        .into_values()
        .filter_map(|mut members| {
            members.sort_unstable();
            let mut sides: Vec<(u32, u32, u32)> = Vec::new();
            let mut closed = false;
            for (d, i) in members {
                match sides.last_mut() {
                    Some(last) if last.0 == d => {
                        if !closed && last.2 + 1 == i {
                            last.2 = i;
                        } else {
                            closed = true;
                        }
                    }
                    _ => {
                        sides.push((d, i, i));
                        closed = false;
                    }
                }
            }
            (sides.len() >= 2).then_some(sides)
        })
        .collect();
    families.sort_unstable();
    let start: AHashMap<(u32, u32), usize> = families
        .iter()
        .enumerate()
        .map(|(f, s)| ((s[0].0, s[0].1), f))
        .collect();
    let mut consumed = vec![false; families.len()];
    let mut out = Vec::new();
    for f in 0..families.len() {
        if consumed[f] {
            continue;
        }
        consumed[f] = true;
        let mut sides = families[f].clone();
        while let Some(&g) = start.get(&(sides[0].0, sides[0].2 + 1)) {
            let next = &families[g];
            let follows = !consumed[g]
                && next.len() == sides.len()
                && next.iter().zip(&sides).all(|(n, s)| n.0 == s.0 && n.1 == s.2 + 1);
            if !follows {
                break;
            }
            consumed[g] = true;
            for (s, n) in sides.iter_mut().zip(next) {
                s.2 = n.2;
            }
        }
        out.push(Shared { sides });
    }
    out.sort_by_key(|p| (p.sides[0].0, p.sides[0].1));
    out
}

/// Syndication groups: connected components of reprint pairs, each sorted, groups sorted by
/// their first article.
pub fn groups(n: usize, reprints: &[Reprint]) -> Vec<Vec<u32>> {
    let mut uf = UnionFind::new(n);
    for r in reprints {
        uf.union(r.a, r.b);
    }
    let mut by_root: Vec<Vec<u32>> = vec![Vec::new(); n];
    let involved: AHashSet<u32> = reprints.iter().flat_map(|r| [r.a, r.b]).collect();
    for d in 0..n as u32 {
        if involved.contains(&d) {
            by_root[uf.find(d) as usize].push(d);
        }
    }
    by_root.into_iter().filter(|g| g.len() >= 2).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stories::article::seeds;
    use crate::stories::boilerplate::mark;

    #[test]
    fn seeds_000_and_001_are_the_only_reprint() {
        let mut arts = seeds(42);
        let v = crate::stories::story::vectors(&arts, 42);
        let (f, st) = mark(&mut arts, &v);
        let r = reprints(&arts, &f, &st, &v);
        assert_eq!(r.iter().map(|r| (r.a, r.b)).collect::<Vec<_>>(), vec![(0, 1)]);
        let p = &r[0].passages[0];
        assert!(p.words >= 50, "{p:?}");
        assert_eq!(groups(5, &r), vec![vec![0, 1]]);
    }

    /// Article `i` with text `t`, no title, date or source.
    fn article(i: usize, t: &str) -> Article {
        crate::stories::article::article(i.to_string(), None, None, None, t.to_string(), 1)
    }

    #[test]
    fn every_sentence_pair_is_matched_once() {
        // One sentence in six articles (and twice in the last), one edited copy: every pair of
        // articles that share it once, whatever the number of sketch hashes they share.
        let s = "The cargo ship ran aground off the coast of Sri Lanka early on Tuesday morning.";
        let edited = "The cargo ship ran aground off the coast of Sri Lanka early on Tuesday.";
        let texts = [
            s.to_string(),
            s.into(),
            s.into(),
            s.into(),
            edited.into(),
            format!("{s}\n{s}"),
        ];
        let arts: Vec<Article> = texts.iter().enumerate().map(|(i, t)| article(i, t)).collect();
        let furniture: Vec<Vec<bool>> = arts.iter().map(|a| vec![false; a.sentences.len()]).collect();
        let m = sentence_matches(&arts, &furniture, &|_, _, _, _| true);
        let keys: Vec<(u32, u32, u32, u32)> = m.iter().map(|x| (x.0, x.2, x.1, x.3)).collect();
        let mut unique = keys.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(keys, unique, "sorted, each pair once");
        // 5 articles with one copy each: 10 pairs; the last article's two copies pair with each of
        // the 5: 10 more.
        assert_eq!(m.len(), 20, "{m:?}");
    }

    #[test]
    fn matches_are_every_pair_that_shares_a_sketch_hash_stock_aside() {
        // Sentences of a few words drawn from a small pool, so that many 3-grams recur in more
        // than MAX_POSTINGS sentences (stock) and many pairs share several sketch hashes: the
        // index must give exactly the pairs a brute-force pass over all pairs gives.
        let pool = ["red", "boat", "sails", "north", "under", "grey", "skies", "again"];
        let mut x: u64 = 7;
        let mut next = |m: u64| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) % m
        };
        // Half the sentences open with one phrase (its 3-gram is in far more than MAX_POSTINGS
        // sentences: stock), the rest of each is 2-5 words of the pool.
        let texts: Vec<String> = (0..150)
            .map(|_| {
                (0..3)
                    .map(|_| {
                        let n = 2 + next(4);
                        let w: Vec<&str> = (0..n).map(|_| pool[next(pool.len() as u64) as usize]).collect();
                        let lead = if next(2) == 0 { "breaking news update " } else { "" };
                        format!("{lead}{}.", w.join(" "))
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .collect();
        let arts: Vec<Article> = texts.iter().enumerate().map(|(i, t)| article(i, t)).collect();
        let furniture: Vec<Vec<bool>> = arts.iter().map(|a| vec![false; a.sentences.len()]).collect();
        let got = sentence_matches(&arts, &furniture, &|_, _, _, _| true);
        let sketch = |d: usize, i: usize| -> Vec<u32> {
            arts[d]
                .grams_of(&arts[d].sentences[i])
                .iter()
                .take(SKETCH)
                .copied()
                .collect()
        };
        let mut postings: AHashMap<u32, usize> = AHashMap::new();
        let eligible: Vec<(usize, usize)> = (0..arts.len())
            .flat_map(|d| (0..arts[d].sentences.len()).map(move |i| (d, i)))
            .filter(|&(d, i)| arts[d].sentences[i].num_words >= MIN_SENTENCE_WORDS)
            .collect();
        for &(d, i) in &eligible {
            for g in sketch(d, i) {
                *postings.entry(g).or_default() += 1;
            }
        }
        assert!(
            postings.values().any(|&n| n > MAX_POSTINGS),
            "the test needs stock hashes"
        );
        let mut want = Vec::new();
        for (p, &(a, i)) in eligible.iter().enumerate() {
            for &(b, j) in &eligible[p + 1..] {
                let shared = sketch(a, i)
                    .into_iter()
                    .any(|g| postings[&g] <= MAX_POSTINGS && sketch(b, j).contains(&g));
                if a == b || !shared {
                    continue;
                }
                let (sa, sb) = (&arts[a].sentences[i], &arts[b].sentences[j]);
                let (ga, gb) = (arts[a].grams_of(sa), arts[b].grams_of(sb));
                let (jac, contained) = overlap(ga.len(), gb.len(), intersection_len(ga, gb));
                if jac >= SENTENCE_MATCH || (sa.num_words.min(sb.num_words) >= 8 && contained >= 0.9) {
                    want.push((a as u32, i as u32, b as u32, j as u32, jac as f32));
                }
            }
        }
        want.sort_unstable_by_key(|m| (m.0, m.2, m.1, m.3));
        assert!(want.len() > 50, "{}", want.len());
        assert_eq!(got, want);
    }

    proptest::proptest! {
        /// The prefix merge finds a hash below `g` in both sketches exactly when comparing
        /// every pair of their hashes does.
        #[test]
        fn shared_below_is_every_comparison(
            x in proptest::collection::btree_set(0u32..40, 0..=SKETCH),
            y in proptest::collection::btree_set(0u32..40, 0..=SKETCH),
            g in 0u32..45,
        ) {
            let pad = |s: std::collections::BTreeSet<u32>| {
                let mut k = [u32::MAX; SKETCH];
                k.iter_mut().zip(s).for_each(|(slot, h)| *slot = h);
                k
            };
            let (x, y) = (pad(x), pad(y));
            let every = x.iter().any(|&p| y.iter().any(|&q| p == q && p < g));
            proptest::prop_assert_eq!(shared_below(&x, &y, g), every);
        }
    }

    #[test]
    fn shared_quotes_are_not_reprints() {
        let q = "\"Despite strong pressure from the enemy, our units are heroically holding the line and will not retreat,\" the channel said. \"We will fight on for every village in the region,\" it added.";
        let a = format!("Ukraine attacked near Kursk on Sunday morning. {q} Officials gave no figures.");
        let b = format!("Russian bloggers described heavy fighting in the Kursk region. {q} The ministry was silent.");
        let mut arts: Vec<Article> = [a, b].iter().enumerate().map(|(i, t)| article(i, t)).collect();
        let v = crate::stories::story::vectors(&arts, 1);
        let (f, st) = mark(&mut arts, &v);
        assert!(reprints(&arts, &f, &st, &v).is_empty());
    }
}

//! Per variant: which sentences it shares, rewrites, adds and drops against the other versions,
//! from one alignment of the whole story, so that the report agrees with itself.
//!
//! **One alignment, read from every side.** The articles of a story (or, in a story too large for
//! variants, of one syndication group) are aligned pairwise, each pair once: every sentence of
//! one article is paired with at most one sentence of the other, best pairs first. A pair is
//! *shared* when the two sentences have the same words (up to case and punctuation); otherwise it
//! is *rewritten*, with a similarity, and it is the same pair with the same similarity seen from
//! either article. So "shared with B" in A's view always has its twin in B's view, a member of a
//! syndication group is compared with the story's other articles too, and a sentence can be shared
//! with some articles and rewritten in others.
//!
//! **Two kinds of rewrite** (the `basis` of a rewritten pair):
//! - `wording`: the same sentence edited: word 3-gram Jaccard ≥ [`REWRITE_MIN`] (the similarity).
//! - `facts`: a sentence of another outlet that reports the same fact in other words: they share
//!   at least [`MIN_FACT_SHARED`] names, numbers and content words ("two tanks" and "2 tanks"
//!   are the same), and those carry at least [`FACT_MIN`] of the weight of all the words of the
//!   two sentences (weighted Jaccard; a word's weight is its rarity among the sentences aligned,
//!   so "Kursk" in a story about Kursk weighs little and "Yermak" much).
//!
//! So `added` means what only this article reports. Site furniture ([`crate::stories::boilerplate`]) is
//! never aligned and is listed apart. In a syndication group, a copy `dropped` the reference's
//! sentences (from its first to its last) that it pairs with nothing.

use ahash::AHashMap;
use serde::Serialize;

use crate::hash::hash_bytes;
use crate::normalize::for_each_word;
use crate::sets::jaccard_at_least;
use crate::stories::article::Article;
use crate::stories::passage::Reprint;
use crate::stories::terms::is_content;

/// Least 3-gram Jaccard for a sentence to count as a rewording of another.
pub const REWRITE_MIN: f64 = 0.2;
/// Least weighted Jaccard of names, numbers and content words for two sentences of different
/// wording to report the same fact.
pub const FACT_MIN: f64 = 0.2;
/// Least number of names, numbers and content words two sentences share to report the same fact.
pub const MIN_FACT_SHARED: usize = 3;
/// A fact word in more than this share of the sentences aligned is too common to propose a pair
/// (it still weighs in the similarity of pairs proposed by rarer words).
const MAX_FACT_SHARE: f64 = 0.2;
/// A 3-gram in more sentences than this ("one of the") proposes no pairs: two sentences alike
/// enough to pair share rarer 3-grams too. Keeps the candidates linear in the sentences.
const MAX_POSTINGS: usize = 48;

/// A sentence of one article.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SentenceRef {
    /// Index of the sentence in its article.
    pub sentence: u32,
    /// Byte span in the article's text.
    pub start: usize,
    /// End of the span.
    pub end: usize,
    /// The sentence.
    pub text: String,
}

/// A sentence found with the same words in other articles.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Shared {
    /// The sentence.
    #[serde(flatten)]
    pub at: SentenceRef,
    /// Record ids of the articles that have it, in input order.
    pub with: Vec<String>,
}

/// What a rewritten pair has in common.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The same sentence, edited (3-gram Jaccard).
    Wording,
    /// The same fact in other words (names, numbers and content words).
    Facts,
}

/// A sentence paired with a differently worded sentence of another article.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rewritten {
    /// This article's wording.
    #[serde(flatten)]
    pub at: SentenceRef,
    /// The other article.
    pub other: String,
    /// Index of its sentence there.
    pub other_sentence: u32,
    /// Its wording.
    pub other_text: String,
    /// 3-gram Jaccard (basis `wording`) or weighted Jaccard of fact words (basis `facts`),
    /// the same from both sides.
    pub similarity: f64,
    /// What the two have in common.
    pub basis: Basis,
}

/// A sentence of the group's reference that this copy does not carry.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Dropped {
    /// The article it was taken from (the reference).
    pub document: String,
    /// The sentence there.
    #[serde(flatten)]
    pub at: SentenceRef,
}

/// One article against the others of its story (or of its syndication group).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VariantDiff {
    /// Record id.
    pub document: String,
    /// The articles it was aligned with, in input order.
    pub against: Vec<String>,
    /// Sentences with the same words in other articles.
    pub shared: Vec<Shared>,
    /// Pairs of this article's sentences with differently worded sentences of others: one entry
    /// per (sentence, other article); a sentence may also be in `shared`.
    pub rewritten: Vec<Rewritten>,
    /// Sentences paired with nothing: what only this article reports.
    pub added: Vec<SentenceRef>,
    /// Sentences of the group's reference that this copy pairs with nothing (copies only).
    pub dropped: Vec<Dropped>,
    /// Site furniture: not article text, never aligned.
    pub furniture: Vec<SentenceRef>,
}

impl VariantDiff {
    /// Counts of sentences: (shared, rewritten and not shared, added).
    pub fn counts(&self) -> (usize, usize, usize) {
        let shared: ahash::AHashSet<u32> = self.shared.iter().map(|s| s.at.sentence).collect();
        let mut rewritten: Vec<u32> = self
            .rewritten
            .iter()
            .map(|r| r.at.sentence)
            .filter(|s| !shared.contains(s))
            .collect();
        rewritten.dedup();
        (shared.len(), rewritten.len(), self.added.len())
    }
}

fn sref(a: &Article, i: usize) -> SentenceRef {
    let s = &a.sentences[i];
    SentenceRef {
        sentence: i as u32,
        start: s.start,
        end: s.end,
        text: s.text(&a.text).to_string(),
    }
}

/// The group's reference: the member with the most sentences in reused passages (ties: the
/// first in input order).
pub fn reference(group: &[u32], reprints: &[Reprint]) -> u32 {
    assert!(!group.is_empty(), "groups are not empty");
    let mut held: AHashMap<u32, Vec<u32>> = AHashMap::new();
    for p in reprints.iter().flat_map(|r| r.passages.iter()) {
        held.entry(p.a).or_default().extend(&p.sentences_a);
        held.entry(p.b).or_default().extend(&p.sentences_b);
    }
    let mut count = |d: u32| -> usize {
        held.get_mut(&d).map_or(0, |idx| {
            idx.sort_unstable();
            idx.dedup();
            idx.len()
        })
    };
    let mut best = (0, u32::MAX);
    for &d in group {
        let c = count(d);
        if c > best.0 || (c == best.0 && d < best.1) {
            best = (c, d);
        }
    }
    best.1
}

/// Number words as the digits they stand for, so that "two tanks" and "2 tanks" share "2".
fn number_word(w: &[u8]) -> Option<&'static [u8]> {
    const WORDS: &[(&str, &str)] = &[
        ("one", "1"),
        ("two", "2"),
        ("three", "3"),
        ("four", "4"),
        ("five", "5"),
        ("six", "6"),
        ("seven", "7"),
        ("eight", "8"),
        ("nine", "9"),
        ("ten", "10"),
        ("eleven", "11"),
        ("twelve", "12"),
        ("thirteen", "13"),
        ("fifteen", "15"),
        ("twenty", "20"),
        ("thirty", "30"),
        ("forty", "40"),
        ("fifty", "50"),
        ("hundred", "100"),
        ("thousand", "1000"),
        ("million", "1000000"),
        ("billion", "1000000000"),
    ];
    WORDS.iter().find(|(k, _)| k.as_bytes() == w).map(|(_, v)| v.as_bytes())
}

/// A content word without the endings that vary between two reports of one fact: British and
/// American spelling ("armoured", "armored"), plurals and simple tenses ("tanks", "destroyed").
/// Written to `s`, reused (a vector per word was 5 % of the variants stage's instructions).
fn stem<'a>(w: &[u8], s: &'a mut Vec<u8>) -> &'a [u8] {
    s.clear();
    let mut k = 0;
    while k < w.len() {
        if w[k..].starts_with(b"our") && k > 0 {
            s.extend_from_slice(b"or");
            k += 3;
        } else {
            s.push(w[k]);
            k += 1;
        }
    }
    for (suffix, by) in [(&b"ies"[..], &b"y"[..]), (b"ing", b""), (b"ed", b""), (b"s", b"")] {
        if s.len() >= suffix.len() + 4 && s.ends_with(suffix) && !s.ends_with(b"ss") {
            s.truncate(s.len() - suffix.len());
            s.extend_from_slice(by);
            break;
        }
    }
    s
}

/// The fact words of a sentence: content words (stemmed) and numbers, hashed, sorted,
/// deduplicated. `scratch` and `stemmed` are reused buffers.
fn fact_words(text: &str, scratch: &mut Vec<u8>, stemmed: &mut Vec<u8>) -> Vec<u64> {
    let mut out = Vec::new();
    for_each_word(text, scratch, |w| {
        if let Some(n) = number_word(w) {
            out.push(hash_bytes(n, 7));
        } else if w.iter().all(u8::is_ascii_digit) {
            out.push(hash_bytes(w, 7));
        } else if is_content(w) {
            out.push(hash_bytes(stem(w, stemmed), 7));
        }
    });
    out.sort_unstable();
    out.dedup();
    out
}

/// One aligned pair: sentence `i` of article `a` and sentence `j` of article `b` (a < b in the
/// member order), with the similarity (1 when shared) and the basis of a rewrite.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Link {
    a: u32,
    i: u32,
    b: u32,
    j: u32,
    shared: bool,
    similarity: f64,
    basis: Basis,
}

/// Aligns the articles `members` (indices into `articles`) pairwise; returns the links.
fn align(articles: &[Article], members: &[u32]) -> Vec<Link> {
    // The sentences aligned (furniture aside), by position in `members`.
    let mut nodes: Vec<(u32, u32)> = Vec::new();
    for (p, &d) in members.iter().enumerate() {
        for (i, s) in articles[d as usize].sentences.iter().enumerate() {
            if !s.furniture {
                nodes.push((p as u32, i as u32));
            }
        }
    }
    let sentence = |n: (u32, u32)| &articles[members[n.0 as usize] as usize].sentences[n.1 as usize];
    let grams = |n: (u32, u32)| {
        let a = &articles[members[n.0 as usize] as usize];
        a.grams_of(&a.sentences[n.1 as usize])
    };
    let (mut scratch, mut stemmed) = (Vec::new(), Vec::new());
    let facts: Vec<Vec<u64>> = nodes
        .iter()
        .map(|&n| {
            let a = &articles[members[n.0 as usize] as usize];
            fact_words(sentence(n).text(&a.text), &mut scratch, &mut stemmed)
        })
        .collect();
    let mut df: AHashMap<u64, u32> = AHashMap::new();
    for f in &facts {
        for &w in f {
            *df.entry(w).or_default() += 1;
        }
    }
    let total = nodes.len().max(1) as f64;
    let weight = |w: &u64| (1.0 + total / df[w] as f64).ln();
    let max_df = ((total * MAX_FACT_SHARE) as u32).max(2);
    // Each fact word's weight, once per sentence: a pair's similarity reads them in the order it
    // summed them before (a lookup and a logarithm per word and pair were a tenth of the stage).
    let weights: Vec<Vec<f64>> = facts.iter().map(|f| f.iter().map(weight).collect()).collect();
    // Candidates: sentences that share a 3-gram or a fact word that is not too common.
    // Postings as sorted lists of `key << 32 | sentence`, one for 3-grams and one for fact words
    // (the low half of their hash: a collision only proposes a pair, which is then scored): a map
    // of lists allocated, grew and freed a list per 3-gram, which `perf` put among this stage's
    // largest costs, and sorting (flag, hash, sentence) tuples took 3 times the instructions.
    let (mut by_gram, mut by_fact): (Vec<u64>, Vec<u64>) = (Vec::new(), Vec::new());
    for (k, &n) in nodes.iter().enumerate() {
        by_gram.extend(grams(n).iter().map(|&g| u64::from(g) << 32 | k as u64));
        by_fact.extend(facts[k].iter().filter(|w| df[w] <= max_df).map(|&w| w << 32 | k as u64));
    }
    by_gram.sort_unstable();
    by_fact.sort_unstable();
    let candidates = candidate_pairs(&[&by_gram, &by_fact], |p, q| nodes[p as usize].0 != nodes[q as usize].0);
    drop((by_gram, by_fact));
    let mut links: Vec<Link> = candidates
        .into_iter()
        .filter_map(|(p, q)| {
            let (np, nq) = (nodes[p as usize], nodes[q as usize]);
            let (sp, sq) = (sentence(np), sentence(nq));
            let (shared, similarity, basis) = if sp.key == sq.key {
                (true, 1.0, Basis::Wording)
            } else if let Some(jac) = jaccard_at_least(grams(np), grams(nq), REWRITE_MIN) {
                (false, jac, Basis::Wording)
            } else {
                let (fp, fq) = (&facts[p as usize], &facts[q as usize]);
                let (wp, wq) = (&weights[p as usize], &weights[q as usize]);
                // The words in common (both sorted and distinct), their weights added in `fp`'s order.
                let (mut x, mut y, mut common, mut inter) = (0, 0, 0, 0.0);
                while x < fp.len() && y < fq.len() {
                    match fp[x].cmp(&fq[y]) {
                        std::cmp::Ordering::Less => x += 1,
                        std::cmp::Ordering::Greater => y += 1,
                        std::cmp::Ordering::Equal => {
                            common += 1;
                            inter += wp[x];
                            x += 1;
                            y += 1;
                        }
                    }
                }
                if common < MIN_FACT_SHARED {
                    return None;
                }
                let union: f64 = wp.iter().chain(wq.iter()).sum::<f64>() - inter;
                let sim = inter / union.max(1e-9);
                if sim < FACT_MIN {
                    return None;
                }
                (false, sim, Basis::Facts)
            };
            let similarity = if shared { 1.0 } else { (similarity * 1e4).round() / 1e4 };
            Some(Link {
                a: np.0,
                i: np.1,
                b: nq.0,
                j: nq.1,
                shared,
                similarity,
                basis,
            })
        })
        .collect();
    // One partner per sentence per article pair, best first: shared, then by similarity (a
    // rewording before a fact at equal similarity), ties by position.
    links.sort_by(|x, y| {
        (x.a, x.b)
            .cmp(&(y.a, y.b))
            .then(y.shared.cmp(&x.shared))
            .then(y.similarity.total_cmp(&x.similarity))
            .then((x.basis == Basis::Facts).cmp(&(y.basis == Basis::Facts)))
            .then((x.i, x.j).cmp(&(y.i, y.j)))
    });
    // A sentence has one partner in each other article: keyed by (its article, the other, it).
    let mut used: ahash::AHashSet<u64> = ahash::AHashSet::new();
    let side = |x: u32, y: u32, s: u32| (x as u64) << 48 | (y as u64) << 32 | s as u64;
    links.retain(|l| {
        let (ka, kb) = (side(l.a, l.b, l.i), side(l.b, l.a, l.j));
        if used.contains(&ka) || used.contains(&kb) {
            return false;
        }
        used.insert(ka);
        used.insert(kb);
        true
    });
    links
}

/// The distinct pairs (p, q), p < q, of sentences listed together in a posting list of at most
/// [`MAX_POSTINGS`] that `differ` (two articles), sorted. `parts` are sorted postings of
/// `key << 32 | sentence`: a list is a run of one key in one part, sorted by sentence.
/// Sentences that share a passage share all their 3-grams, so the lists name the same pair many
/// times over: a mark per sentence drops the repeats as they come, instead of collecting them
/// all and sorting.
fn candidate_pairs(parts: &[&[u64]], differ: impl Fn(u32, u32) -> bool) -> Vec<(u32, u32)> {
    let sentence = |x: u64| x as u32;
    let nodes = parts
        .iter()
        .flat_map(|p| p.iter())
        .map(|&x| sentence(x) as usize + 1)
        .max()
        .unwrap_or(0);
    // The lists that propose pairs, as (part, start, end), and per sentence its entries in them
    // as (list, entry).
    let mut lists: Vec<(usize, usize, usize)> = Vec::new();
    let mut count = vec![0usize; nodes + 1];
    for (part, postings) in parts.iter().enumerate() {
        let mut at = 0;
        for list in postings.chunk_by(|x, y| x >> 32 == y >> 32) {
            if (2..=MAX_POSTINGS).contains(&list.len()) {
                list.iter().for_each(|&x| count[sentence(x) as usize + 1] += 1);
                lists.push((part, at, at + list.len()));
            }
            at += list.len();
        }
    }
    for k in 1..=nodes {
        count[k] += count[k - 1];
    }
    let mut next = count.clone();
    let mut entries = vec![(0u32, 0usize); count[nodes]];
    for (l, &(part, from, end)) in lists.iter().enumerate() {
        for (e, &x) in parts[part][from..end].iter().enumerate() {
            let k = sentence(x) as usize;
            entries[next[k]] = (l as u32, from + e);
            next[k] += 1;
        }
    }
    let mut mark = vec![u32::MAX; nodes];
    let mut out = Vec::new();
    for p in 0..nodes {
        let from = out.len();
        for &(l, e) in &entries[count[p]..count[p + 1]] {
            let (part, _, end) = lists[l as usize];
            for &x in &parts[part][e + 1..end] {
                let q = sentence(x);
                if q as usize != p && mark[q as usize] != p as u32 && differ(p as u32, q) {
                    mark[q as usize] = p as u32;
                    out.push((p as u32, q));
                }
            }
        }
        out[from..].sort_unstable();
    }
    out
}

/// Variants of `members` (indices into `articles`, in input order), all aligned with each other:
/// one per member, in the same order. `groups` are the syndication groups among them with their
/// references: a copy's `dropped` sentences are the reference's sentences it pairs with nothing.
///
/// Members are compared pairwise (the caller keeps them few: see [`crate::stories`]).
pub fn variants(articles: &[Article], members: &[u32], groups: &[(Vec<u32>, u32)]) -> Vec<VariantDiff> {
    assert!(
        members.len() < 1 << 15,
        "variants are computed for a few articles at a time"
    );
    let links = align(articles, members);
    let key = |p: u32| articles[members[p as usize] as usize].key.clone();
    // Per member: per sentence, the links seen from it as (other position, other sentence, link).
    let mut seen: Vec<Vec<(u32, u32, u32, usize)>> = vec![Vec::new(); members.len()];
    for (n, l) in links.iter().enumerate() {
        seen[l.a as usize].push((l.i, l.b, l.j, n));
        seen[l.b as usize].push((l.j, l.a, l.i, n));
    }
    let position: AHashMap<u32, u32> = members.iter().enumerate().map(|(p, &d)| (d, p as u32)).collect();
    let reference_of: AHashMap<u32, u32> = groups
        .iter()
        .flat_map(|(g, r)| g.iter().map(move |&m| (m, *r)))
        .collect();
    members
        .iter()
        .enumerate()
        .map(|(p, &d)| {
            let da = &articles[d as usize];
            let mut mine = std::mem::take(&mut seen[p]);
            mine.sort_unstable();
            let mut v = VariantDiff {
                document: da.key.clone(),
                against: (0..members.len() as u32)
                    .filter(|&o| o as usize != p)
                    .map(key)
                    .collect(),
                shared: Vec::new(),
                rewritten: Vec::new(),
                added: Vec::new(),
                dropped: Vec::new(),
                furniture: Vec::new(),
            };
            let mut k = 0;
            for (i, s) in da.sentences.iter().enumerate() {
                if s.furniture {
                    v.furniture.push(sref(da, i));
                    continue;
                }
                let from = k;
                while k < mine.len() && mine[k].0 == i as u32 {
                    k += 1;
                }
                let here = &mine[from..k];
                if here.is_empty() {
                    v.added.push(sref(da, i));
                    continue;
                }
                let with: Vec<String> = here.iter().filter(|x| links[x.3].shared).map(|x| key(x.1)).collect();
                if !with.is_empty() {
                    v.shared.push(Shared { at: sref(da, i), with });
                }
                for &(_, o, j, n) in here.iter().filter(|x| !links[x.3].shared) {
                    let oa = &articles[members[o as usize] as usize];
                    v.rewritten.push(Rewritten {
                        at: sref(da, i),
                        other: oa.key.clone(),
                        other_sentence: j,
                        other_text: oa.sentences[j as usize].text(&oa.text).to_string(),
                        similarity: links[n].similarity,
                        basis: links[n].basis,
                    });
                }
            }
            // A copy drops the reference's sentences that it pairs with nothing.
            if let Some(&r) = reference_of.get(&d).filter(|&&r| r != d) {
                let rp = position[&r];
                let ra = &articles[r as usize];
                let carried: ahash::AHashSet<u32> = mine.iter().filter(|x| x.1 == rp).map(|x| x.2).collect();
                for (j, s) in ra.sentences.iter().enumerate() {
                    if !s.furniture && !carried.contains(&(j as u32)) {
                        v.dropped.push(Dropped {
                            document: ra.key.clone(),
                            at: sref(ra, j),
                        });
                    }
                }
            }
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stories::article::seeds;

    fn art(key: &str, text: &str) -> Article {
        crate::stories::article::article(key.into(), None, None, None, text.into(), 1)
    }

    #[test]
    fn every_pair_is_seen_alike_from_both_sides() {
        let arts = seeds(42);
        let members: Vec<u32> = (0..5).collect();
        let v = variants(&arts, &members, &[(vec![0, 1], 0)]);
        let pairs = |x: &VariantDiff, y: &VariantDiff| x.shared.iter().filter(|s| s.with.contains(&y.document)).count();
        for (a, va) in v.iter().enumerate() {
            for vb in &v {
                assert_eq!(
                    pairs(va, vb),
                    pairs(vb, va),
                    "{} and {} share unlike",
                    va.document,
                    vb.document
                );
            }
            for r in &va.rewritten {
                let b = v.iter().position(|x| x.document == r.other).unwrap();
                assert!(
                    v[b].rewritten.iter().any(|t| t.other == va.document
                        && t.at.sentence == r.other_sentence
                        && t.other_sentence == r.at.sentence
                        && t.similarity == r.similarity
                        && t.basis == r.basis),
                    "{} s{} rewritten from {} s{}, but not the other way ({a})",
                    va.document,
                    r.at.sentence,
                    r.other,
                    r.other_sentence
                );
            }
        }
    }

    #[test]
    fn same_fact_in_other_words() {
        let a = art("a", "The ministry said the assault group had two tanks, a mine clearing vehicle and twelve armoured vehicles.\nMarkets were calm.");
        let b = art("b", "Russia's defence ministry said the assault detachment consisted of 2 tanks, one counter-obstacle vehicle and 12 armoured fighting vehicles.\nThe weather was cold.");
        let v = variants(&[a, b], &[0, 1], &[]);
        assert_eq!(v[0].rewritten.len(), 1, "{v:?}");
        assert_eq!(v[0].rewritten[0].basis, Basis::Facts);
        assert_eq!(v[0].added.len(), 1);
        assert_eq!(v[1].rewritten[0].similarity, v[0].rewritten[0].similarity);
    }

    #[test]
    fn copies_drop_the_start_and_the_end() {
        let r = art("r", "Dateline sentence that opens the wire story here.\nThe cargo ship ran aground off the coast early on Tuesday.\nRescue boats reached the crew within the hour, officials said.\nThe closing line of the wire story that the copy lacks.");
        let c = art("c", "The cargo ship ran aground off the coast early on Tuesday.\nRescue boats reached the crew within the hour, officials said.");
        let v = variants(&[r, c], &[0, 1], &[(vec![0, 1], 0)]);
        let dropped: Vec<u32> = v[1].dropped.iter().map(|d| d.at.sentence).collect();
        assert_eq!(dropped, [0, 3]);
        assert!(v[0].dropped.is_empty(), "the reference drops nothing");
    }

    proptest::proptest! {
        /// The candidates are the distinct pairs that collecting every pair of every short
        /// posting list and sorting would give.
        #[test]
        fn candidate_pairs_are_the_collected_pairs_deduplicated(
            parts in proptest::collection::vec(proptest::collection::vec((0u64..12, 0u64..40), 0..400), 0..3),
            owners in proptest::collection::vec(0u8..4, 40),
        ) {
            let parts: Vec<Vec<u64>> = parts
                .into_iter()
                .map(|p| {
                    let mut p: Vec<u64> = p.into_iter().map(|(key, s)| key << 32 | s).collect();
                    p.sort_unstable();
                    p
                })
                .collect();
            let differ = |p: u32, q: u32| owners[p as usize] != owners[q as usize];
            let mut want = Vec::new();
            for part in &parts {
                for list in part.chunk_by(|x, y| x >> 32 == y >> 32).filter(|l| l.len() <= MAX_POSTINGS) {
                    for (x, &p) in list.iter().enumerate() {
                        for &q in &list[x + 1..] {
                            if differ(p as u32, q as u32) {
                                want.push((p as u32, q as u32));
                            }
                        }
                    }
                }
            }
            want.sort_unstable();
            want.dedup();
            let refs: Vec<&[u64]> = parts.iter().map(Vec::as_slice).collect();
            proptest::prop_assert_eq!(candidate_pairs(&refs, differ), want);
        }
    }
}

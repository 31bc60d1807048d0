//! Per variant: which sentences it shares, rewrites, adds and drops against the other versions.
//!
//! In a syndication group, the reference is the member with the most sentences in reused
//! passages (the fullest copy of the wire text). Each other member is aligned to it sentence by
//! sentence with `similar` (Patience diff over normalized sentence keys, so order matters and a
//! moved paragraph shows as dropped and added). Equal sentences are shared; in a replaced block
//! each new sentence is paired with the most similar old one (3-gram Jaccard ≥ [`REWRITE_MIN`])
//! as a rewrite; what is left is added (unless another member has the same sentence: then it is
//! shared with that member) or, for sentences of the shared copy, dropped. Outside groups, an
//! article of a story is compared with the other articles of the story: shared sentences are
//! mostly common quotations, and nothing is dropped, since there is no common copy.

use ahash::AHashMap;
use serde::Serialize;
use similar::{capture_diff_slices, Algorithm, DiffOp};

use crate::sets::jaccard;
use crate::stories::article::Article;
use crate::stories::passage::{Reprint, SENTENCE_MATCH};

/// Least 3-gram Jaccard for a sentence to count as a rewrite of another.
pub const REWRITE_MIN: f64 = 0.2;

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

/// A sentence found (identically, up to case and punctuation, or nearly) in other articles.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Shared {
    /// The sentence.
    #[serde(flatten)]
    pub at: SentenceRef,
    /// Record ids of the articles that have it.
    pub with: Vec<String>,
}

/// A sentence that rewrites a sentence of another article.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Rewritten {
    /// The new wording (this article's).
    #[serde(flatten)]
    pub at: SentenceRef,
    /// The article with the old wording.
    pub other: String,
    /// Index of the old sentence there.
    pub other_sentence: u32,
    /// The old wording.
    pub other_text: String,
    /// 3-gram Jaccard of the two wordings.
    pub similarity: f64,
}

/// A sentence of the shared copy that this article does not carry.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Dropped {
    /// The article it was taken from (the reference).
    pub document: String,
    /// The sentence there.
    #[serde(flatten)]
    pub at: SentenceRef,
}

/// One article against the others of its group or story.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VariantDiff {
    /// Record id.
    pub document: String,
    /// What it was compared with: the group's reference, or the other articles of the story.
    pub against: Vec<String>,
    /// Sentences shared with other articles.
    pub shared: Vec<Shared>,
    /// Sentences rewritten from another article's wording.
    pub rewritten: Vec<Rewritten>,
    /// Sentences in no other article.
    pub added: Vec<SentenceRef>,
    /// Sentences of the shared copy it lacks.
    pub dropped: Vec<Dropped>,
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

/// An inverted index of the 3-grams of the sentences of a few articles (a group or a story), so
/// that each sentence is compared only with the sentences that share a 3-gram with it.
pub struct Index<'a> {
    articles: &'a [Article],
    postings: AHashMap<u64, Vec<(u32, u32)>>,
}

impl<'a> Index<'a> {
    /// Indexes the sentences of `members`.
    pub fn new(articles: &'a [Article], members: &[u32]) -> Index<'a> {
        let mut postings: AHashMap<u64, Vec<(u32, u32)>> = AHashMap::new();
        for &d in members {
            for (i, s) in articles[d as usize].sentences.iter().enumerate() {
                for &g in &s.grams {
                    postings.entry(g).or_default().push((d, i as u32));
                }
            }
        }
        Index { articles, postings }
    }

    /// Sentences of other members with 3-gram Jaccard ≥ [`REWRITE_MIN`] to sentence `i` of `d`:
    /// (article, sentence, Jaccard), most similar first (ties: input order).
    pub fn similar(&self, d: u32, i: usize) -> Vec<(u32, u32, f64)> {
        let s = &self.articles[d as usize].sentences[i];
        let mut cands: Vec<(u32, u32)> = s
            .grams
            .iter()
            .filter_map(|g| self.postings.get(g))
            .flatten()
            .copied()
            .filter(|c| c.0 != d)
            .collect();
        cands.sort_unstable();
        cands.dedup();
        let mut out: Vec<(u32, u32, f64)> = cands
            .into_iter()
            .map(|(o, k)| {
                (
                    o,
                    k,
                    jaccard(&s.grams, &self.articles[o as usize].sentences[k as usize].grams),
                )
            })
            .filter(|c| c.2 >= REWRITE_MIN)
            .collect();
        out.sort_by(|x, y| y.2.total_cmp(&x.2).then(x.0.cmp(&y.0)).then(x.1.cmp(&y.1)));
        out
    }

    /// Ids of the other members that have sentence `i` of `d` (same words, or 3-gram Jaccard ≥
    /// [`SENTENCE_MATCH`]), in input order.
    pub fn holders(&self, d: u32, i: usize) -> Vec<String> {
        let mut docs: Vec<u32> = self
            .similar(d, i)
            .into_iter()
            .filter(|c| c.2 >= SENTENCE_MATCH)
            .map(|c| c.0)
            .collect();
        docs.sort_unstable();
        docs.dedup();
        docs.into_iter()
            .map(|o| self.articles[o as usize].key.clone())
            .collect()
    }
}

/// The group's reference: the member with the most sentences in reused passages.
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

/// Variants of a syndication group.
pub fn group_variants(articles: &[Article], group: &[u32], reprints: &[Reprint]) -> Vec<VariantDiff> {
    let index = Index::new(articles, group);
    let r = reference(group, reprints);
    let ra = &articles[r as usize];
    // The shared copy: the reference's sentences from the first to the last one in any passage.
    // A sentence that a copy leaves out splits the passage in two, but it is still part of the
    // copy that was reprinted.
    let mut copy = vec![false; ra.sentences.len()];
    let in_passages: Vec<u32> = reprints
        .iter()
        .flat_map(|x| x.passages.iter())
        .flat_map(|p| {
            let mut v = Vec::new();
            if p.a == r {
                v.extend(&p.sentences_a);
            }
            if p.b == r {
                v.extend(&p.sentences_b);
            }
            v
        })
        .collect();
    if let (Some(&lo), Some(&hi)) = (in_passages.iter().min(), in_passages.iter().max()) {
        copy[lo as usize..=hi as usize].iter_mut().for_each(|c| *c = true);
    }
    group
        .iter()
        .map(|&d| {
            let da = &articles[d as usize];
            let mut v = VariantDiff {
                document: da.key.clone(),
                against: if d == r { Vec::new() } else { vec![ra.key.clone()] },
                shared: Vec::new(),
                rewritten: Vec::new(),
                added: Vec::new(),
                dropped: Vec::new(),
            };
            if d == r {
                for i in 0..da.sentences.len() {
                    let with = index.holders(d, i);
                    if with.is_empty() {
                        v.added.push(sref(da, i));
                    } else {
                        v.shared.push(Shared { at: sref(da, i), with });
                    }
                }
                return v;
            }
            // A reference sentence is dropped only if the variant does not carry most of its
            // 3-grams anywhere (it may have the words in a sentence cut differently).
            let carried: ahash::AHashSet<u64> = da.sentences.iter().flat_map(|s| s.grams.iter().copied()).collect();
            let lacks = |o: usize| {
                let g = &ra.sentences[o].grams;
                (g.iter().filter(|x| carried.contains(x)).count() as f64) < 0.5 * g.len() as f64
            };
            let old: Vec<u64> = ra.sentences.iter().map(|s| s.key).collect();
            let new: Vec<u64> = da.sentences.iter().map(|s| s.key).collect();
            // Likewise a sentence of the variant is shared with the reference when most of its
            // 3-grams are in the reference, however the two cut their sentences.
            let in_reference: ahash::AHashSet<u64> =
                ra.sentences.iter().flat_map(|s| s.grams.iter().copied()).collect();
            let add_or_share = |v: &mut VariantDiff, i: usize| {
                let mut with = index.holders(d, i);
                let g = &da.sentences[i].grams;
                let carried = g.iter().filter(|x| in_reference.contains(x)).count() as f64 >= 0.5 * g.len() as f64;
                if carried && !with.contains(&ra.key) {
                    with.insert(0, ra.key.clone());
                }
                if with.is_empty() {
                    v.added.push(sref(da, i));
                } else {
                    v.shared.push(Shared { at: sref(da, i), with });
                }
            };
            for op in capture_diff_slices(Algorithm::Patience, &old, &new) {
                match op {
                    DiffOp::Equal {
                        old_index,
                        new_index,
                        len,
                    } => {
                        for k in 0..len {
                            let mut with = index.holders(d, new_index + k);
                            if !with.contains(&ra.key) {
                                with.insert(0, ra.key.clone());
                            }
                            v.shared.push(Shared {
                                at: sref(da, new_index + k),
                                with,
                            });
                            let _ = old_index;
                        }
                    }
                    DiffOp::Insert { new_index, new_len, .. } => {
                        (new_index..new_index + new_len).for_each(|i| add_or_share(&mut v, i));
                    }
                    DiffOp::Delete { old_index, old_len, .. } => {
                        for i in (old_index..old_index + old_len).filter(|&i| copy[i] && lacks(i)) {
                            v.dropped.push(Dropped {
                                document: ra.key.clone(),
                                at: sref(ra, i),
                            });
                        }
                    }
                    DiffOp::Replace {
                        old_index,
                        old_len,
                        new_index,
                        new_len,
                    } => {
                        let mut used = vec![false; old_len];
                        for i in new_index..new_index + new_len {
                            let best = (old_index..old_index + old_len)
                                .filter(|&o| !used[o - old_index])
                                .map(|o| (o, jaccard(&da.sentences[i].grams, &ra.sentences[o].grams)))
                                .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)));
                            match best {
                                Some((o, sim)) if sim >= REWRITE_MIN => {
                                    used[o - old_index] = true;
                                    v.rewritten.push(Rewritten {
                                        at: sref(da, i),
                                        other: ra.key.clone(),
                                        other_sentence: o as u32,
                                        other_text: ra.sentences[o].text(&ra.text).to_string(),
                                        similarity: (sim * 1e4).round() / 1e4,
                                    });
                                }
                                _ => add_or_share(&mut v, i),
                            }
                        }
                        for o in old_index..old_index + old_len {
                            if !used[o - old_index] && copy[o] && lacks(o) {
                                v.dropped.push(Dropped {
                                    document: ra.key.clone(),
                                    at: sref(ra, o),
                                });
                            }
                        }
                    }
                }
            }
            v
        })
        .collect()
}

/// Variant of an article of a story outside any group, against the story's other articles
/// (`index` holds the story's sentences).
pub fn story_variant(index: &Index<'_>, d: u32, story: &[u32]) -> VariantDiff {
    let articles = index.articles;
    let da = &articles[d as usize];
    let mut v = VariantDiff {
        document: da.key.clone(),
        against: story
            .iter()
            .filter(|&&o| o != d)
            .map(|&o| articles[o as usize].key.clone())
            .collect(),
        shared: Vec::new(),
        rewritten: Vec::new(),
        added: Vec::new(),
        dropped: Vec::new(),
    };
    for (i, s) in da.sentences.iter().enumerate() {
        let similar = index.similar(d, i);
        let mut with: Vec<u32> = similar.iter().filter(|c| c.2 >= SENTENCE_MATCH).map(|c| c.0).collect();
        if !with.is_empty() {
            with.sort_unstable();
            with.dedup();
            let with = with.into_iter().map(|o| articles[o as usize].key.clone()).collect();
            v.shared.push(Shared { at: sref(da, i), with });
            continue;
        }
        match similar.first() {
            Some(&(o, k, sim)) if s.num_words >= 4 => {
                let oa = &articles[o as usize];
                v.rewritten.push(Rewritten {
                    at: sref(da, i),
                    other: oa.key.clone(),
                    other_sentence: k,
                    other_text: oa.sentences[k as usize].text(&oa.text).to_string(),
                    similarity: (sim * 1e4).round() / 1e4,
                });
            }
            _ => v.added.push(sref(da, i)),
        }
    }
    v
}

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

use serde::Serialize;
use similar::{capture_diff_slices, Algorithm, DiffOp};

use crate::article::Article;
use crate::passage::{Reprint, SENTENCE_MATCH};
use crate::sentence::gram_jaccard;

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

/// Ids of the articles among `others` that have a sentence matching `a`'s sentence `i`.
fn holders(articles: &[Article], a: u32, i: usize, others: &[u32]) -> Vec<String> {
    let s = &articles[a as usize].sentences[i];
    others
        .iter()
        .filter(|&&o| o != a)
        .filter(|&&o| {
            articles[o as usize]
                .sentences
                .iter()
                .any(|t| t.key == s.key || gram_jaccard(&s.grams, &t.grams) >= SENTENCE_MATCH)
        })
        .map(|&o| articles[o as usize].key.clone())
        .collect()
}

/// The group's reference: the member with the most sentences in reused passages.
pub fn reference(group: &[u32], reprints: &[Reprint]) -> u32 {
    let count = |d: u32| -> usize {
        let mut idx: Vec<u32> = reprints
            .iter()
            .flat_map(|r| r.passages.iter())
            .flat_map(|p| {
                let mut v = Vec::new();
                if p.a == d {
                    v.extend(&p.sentences_a);
                }
                if p.b == d {
                    v.extend(&p.sentences_b);
                }
                v
            })
            .collect();
        idx.sort_unstable();
        idx.dedup();
        idx.len()
    };
    *group
        .iter()
        .max_by(|&&x, &&y| count(x).cmp(&count(y)).then(y.cmp(&x)))
        .expect("groups are not empty")
}

/// Variants of a syndication group.
pub fn group_variants(articles: &[Article], group: &[u32], reprints: &[Reprint]) -> Vec<VariantDiff> {
    let r = reference(group, reprints);
    let ra = &articles[r as usize];
    // The shared copy: sentences of the reference in any passage.
    let mut copy = vec![false; ra.sentences.len()];
    for p in reprints.iter().flat_map(|x| x.passages.iter()) {
        if p.a == r {
            p.sentences_a.iter().for_each(|&i| copy[i as usize] = true);
        }
        if p.b == r {
            p.sentences_b.iter().for_each(|&i| copy[i as usize] = true);
        }
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
                    let with = holders(articles, d, i, group);
                    if with.is_empty() {
                        v.added.push(sref(da, i));
                    } else {
                        v.shared.push(Shared { at: sref(da, i), with });
                    }
                }
                return v;
            }
            let old: Vec<u64> = ra.sentences.iter().map(|s| s.key).collect();
            let new: Vec<u64> = da.sentences.iter().map(|s| s.key).collect();
            let add_or_share = |v: &mut VariantDiff, i: usize| {
                let with = holders(articles, d, i, group);
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
                            let mut with = holders(articles, d, new_index + k, group);
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
                        for i in (old_index..old_index + old_len).filter(|&i| copy[i]) {
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
                                .map(|o| (o, gram_jaccard(&da.sentences[i].grams, &ra.sentences[o].grams)))
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
                            if !used[o - old_index] && copy[o] {
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

/// Variant of an article of a story outside any group, against the story's other articles.
pub fn story_variant(articles: &[Article], d: u32, story: &[u32]) -> VariantDiff {
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
        let with = holders(articles, d, i, story);
        if !with.is_empty() {
            v.shared.push(Shared { at: sref(da, i), with });
            continue;
        }
        let best = story
            .iter()
            .filter(|&&o| o != d)
            .flat_map(|&o| {
                articles[o as usize]
                    .sentences
                    .iter()
                    .enumerate()
                    .map(move |(k, t)| (o, k, t))
            })
            .map(|(o, k, t)| (o, k, gram_jaccard(&s.grams, &t.grams)))
            .max_by(|x, y| x.2.total_cmp(&y.2).then(y.0.cmp(&x.0)).then(y.1.cmp(&x.1)));
        match best {
            Some((o, k, sim)) if sim >= REWRITE_MIN && s.num_words >= 4 => {
                let oa = &articles[o as usize];
                v.rewritten.push(Rewritten {
                    at: sref(da, i),
                    other: oa.key.clone(),
                    other_sentence: k as u32,
                    other_text: oa.sentences[k].text(&oa.text).to_string(),
                    similarity: (sim * 1e4).round() / 1e4,
                });
            }
            _ => v.added.push(sref(da, i)),
        }
    }
    v
}

//! The `stories` pipeline: articles → furniture masked → reused passages and syndication
//! groups → stories → variants, gathered in one [`Report`].

use std::time::Instant;

use serde::Serialize;

use rayon::prelude::*;

use crate::stories::article::Article;
use crate::stories::diff::{group_variants, story_variant, Index, VariantDiff};
use crate::stories::passage::Reprint;
use crate::stories::story::StoryParams;

pub mod article;
pub mod boilerplate;
pub mod diff;
pub mod passage;
pub mod sentence;
pub mod story;
pub mod terms;

/// Stories larger than this get no per-article variants outside syndication groups (the
/// comparison is quadratic in the story's sentences).
pub const MAX_STORY_VARIANTS: usize = 40;
/// Syndication groups larger than this get their passages but no per-article variants: a group
/// of thousands (a paragraph reused across a whole corpus) made the diff stage quadratic (281 s
/// of 302 s on 10,000 generated articles, results/2026-11-23-stories-scale.md).
pub const MAX_GROUP_VARIANTS: usize = 200;

/// One side of a passage.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PassageSide {
    /// Record id.
    pub id: String,
    /// Byte offset where the passage starts in the article's text.
    pub start: usize,
    /// Byte offset where it ends.
    pub end: usize,
    /// Its sentence indices.
    pub sentences: Vec<u32>,
}

/// A reused passage located in two articles.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PassageOut {
    /// Where it is in each article.
    pub documents: [PassageSide; 2],
    /// Its length in words (in the first article).
    pub words: u32,
    /// The passage as the first article has it.
    pub text: String,
}

/// A syndication group: articles that share reprinted copy.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Group {
    /// Number of the group within the report.
    pub id: usize,
    /// Record ids, in input order.
    pub documents: Vec<String>,
    /// The record id of the fullest copy, which the others are compared with.
    pub reference: String,
    /// The reused passages between pairs of members.
    pub passages: Vec<PassageOut>,
}

/// One story.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Story {
    /// Number of the story (stories are ordered by their first article in input order).
    pub id: usize,
    /// Headline of its earliest article, or its most characteristic words.
    pub label: String,
    /// Record ids, in input order.
    pub documents: Vec<String>,
    /// Syndication groups inside the story.
    pub groups: Vec<Group>,
    /// Per article: shared, rewritten, added and dropped sentences.
    pub variants: Vec<VariantDiff>,
}

/// Everything `storydup stories` reports.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    /// storydup's version.
    pub version: &'static str,
    /// The parameters.
    pub params: StoryParams,
    /// Number of articles read.
    pub num_documents: usize,
    /// Every article is in exactly one story.
    pub stories: Vec<Story>,
    /// Wall time per stage in seconds (not part of the JSON, which stays byte-identical).
    #[serde(skip)]
    pub timings: Vec<(&'static str, f64)>,
}

/// Runs the stories pipeline over `articles`.
pub fn run(mut articles: Vec<Article>, params: &StoryParams, seed: u64) -> (Report, Vec<Article>) {
    let mut timings = Vec::new();
    let t = Instant::now();
    let vecs = story::vectors(&articles, seed);
    let furniture = boilerplate::mark(&mut articles, &vecs);
    let reprints = passage::reprints(&articles, &furniture);
    let groups = passage::groups(articles.len(), &reprints);
    timings.push(("passages", t.elapsed().as_secs_f64()));
    let t = Instant::now();
    let clusters = story::stories(&articles, &vecs, &groups, params);
    timings.push(("stories", t.elapsed().as_secs_f64()));
    let t = Instant::now();
    let mut group_of = vec![usize::MAX; articles.len()];
    for (gi, g) in groups.iter().enumerate() {
        for &m in g {
            group_of[m as usize] = gi;
        }
    }
    // The reprint pairs of each group (both ends are in one group, as groups are their components).
    let mut by_group: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for (r, x) in reprints.iter().enumerate() {
        by_group[group_of[x.a as usize]].push(r);
    }
    let key = |d: u32| articles[d as usize].key.clone();
    // Group ids follow the order of stories, then of groups inside a story.
    let story_gids: Vec<Vec<usize>> = clusters
        .iter()
        .map(|members| {
            let mut g: Vec<usize> = members
                .iter()
                .map(|&m| group_of[m as usize])
                .filter(|&g| g != usize::MAX)
                .collect();
            g.sort_unstable();
            g.dedup();
            g
        })
        .collect();
    let mut next = 0;
    let numbers: Vec<Vec<usize>> = story_gids
        .iter()
        .map(|g| {
            let n: Vec<usize> = (next..next + g.len()).collect();
            next += g.len();
            n
        })
        .collect();
    let stories: Vec<Story> = clusters
        .par_iter()
        .enumerate()
        .map(|(sid, members)| {
            let mut story_groups = Vec::new();
            let mut variants = Vec::new();
            for (&gi, &number) in story_gids[sid].iter().zip(&numbers[sid]) {
                let g = &groups[gi];
                let pair_reprints: Vec<Reprint> = by_group[gi].iter().map(|&r| reprints[r].clone()).collect();
                let passages = pair_reprints
                    .iter()
                    .flat_map(|r| r.passages.iter())
                    .map(|p| PassageOut {
                        documents: [
                            PassageSide {
                                id: key(p.a),
                                start: p.span_a.0,
                                end: p.span_a.1,
                                sentences: p.sentences_a.clone(),
                            },
                            PassageSide {
                                id: key(p.b),
                                start: p.span_b.0,
                                end: p.span_b.1,
                                sentences: p.sentences_b.clone(),
                            },
                        ],
                        words: p.words,
                        text: articles[p.a as usize].text[p.span_a.0..p.span_a.1].to_string(),
                    })
                    .collect();
                let reference = crate::stories::diff::reference(g, &pair_reprints);
                if g.len() <= MAX_GROUP_VARIANTS {
                    variants.extend(group_variants(&articles, g, &pair_reprints));
                }
                story_groups.push(Group {
                    id: number,
                    documents: g.iter().map(|&d| key(d)).collect(),
                    reference: key(reference),
                    passages,
                });
            }
            if members.len() >= 2 && members.len() <= MAX_STORY_VARIANTS {
                let index = Index::new(&articles, members);
                for &m in members.iter().filter(|&&m| group_of[m as usize] == usize::MAX) {
                    variants.push(story_variant(&index, m, members));
                }
            }
            // Variants in the story's member order (a lookup table: a story may hold 100,000).
            let position: ahash::AHashMap<&str, usize> = members
                .iter()
                .enumerate()
                .map(|(p, &m)| (articles[m as usize].key.as_str(), p))
                .collect();
            variants.sort_by_key(|v| position.get(v.document.as_str()).copied().unwrap_or(usize::MAX));
            Story {
                id: sid,
                label: story::label(&articles, members, seed),
                documents: members.iter().map(|&m| key(m)).collect(),
                groups: story_groups,
                variants,
            }
        })
        .collect();
    timings.push(("variants", t.elapsed().as_secs_f64()));
    let report = Report {
        version: env!("CARGO_PKG_VERSION"),
        params: params.clone(),
        num_documents: articles.len(),
        stories,
        timings,
    };
    (report, articles)
}

//! The `stories` pipeline: articles → furniture masked → reused passages and syndication
//! groups → stories → labels, dates, outlets and variants, gathered in one [`Report`].

use std::sync::LazyLock;
use std::time::Instant;

use ahash::{AHashMap, AHashSet};
use rayon::prelude::*;
use regex::Regex;
use serde::Serialize;

use crate::stories::article::{Article, Rejected};
use crate::stories::diff::{variants, VariantDiff};
use crate::stories::passage::Reprint;
use crate::stories::story::{StoryParams, Vector};

pub mod article;
pub mod boilerplate;
pub mod diff;
pub mod passage;
pub mod sentence;
pub mod story;
pub mod terms;

/// Stories larger than this get no per-article variants (their syndication groups of at most
/// [`MAX_GROUP_VARIANTS`] articles still do): the articles of a story are aligned pairwise, so the
/// work and the report grow with the square of its size. It also caps every `with` list of the
/// report at 39 ids, so the report grows linearly with the input.
pub const MAX_STORY_VARIANTS: usize = 40;
/// Syndication groups larger than this get their passages but no per-article variants (a group
/// of thousands, a paragraph reused across a whole corpus, made the diff stage quadratic: 281 s
/// of 302 s on 10,000 generated articles, results/2026-11-23-stories-scale.md).
pub const MAX_GROUP_VARIANTS: usize = MAX_STORY_VARIANTS;
/// Dates of a story this many days apart or more start a new date run (a warning that the story
/// may join separate events).
pub const DATE_GAP_DAYS: i64 = 21;

/// One side of a passage.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PassageSide {
    /// Record id.
    pub id: String,
    /// Byte offset where the passage starts in the article's text.
    pub start: usize,
    /// Byte offset where it ends.
    pub end: usize,
    /// Its sentence indices (consecutive).
    pub sentences: Vec<u32>,
}

/// A reprinted passage, located in every article of its group that carries it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PassageOut {
    /// Where it is in each article (two or more), in input order.
    pub documents: Vec<PassageSide>,
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
    /// The record id of the fullest copy, whose sentences the others drop.
    pub reference: String,
    /// The reprinted passages, never overlapping within an article.
    pub passages: Vec<PassageOut>,
}

/// A run of a story's dates.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DateRun {
    /// First date (YYYY-MM-DD).
    pub first: String,
    /// Last date.
    pub last: String,
    /// Articles dated within it.
    pub articles: usize,
}

/// An outlet and how many articles of the story it ran.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Outlet {
    /// The source field, without a leading "www.".
    pub name: String,
    /// Its articles in the story.
    pub articles: usize,
}

/// One story.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Story {
    /// Number of the story (stories are ordered by their first article in input order).
    pub id: usize,
    /// The headline of its most central article that has one, else the start of that article's
    /// first sentence; never an outlet's name or page furniture.
    pub label: String,
    /// Its dates in runs; a new run starts after a gap of [`DATE_GAP_DAYS`] days or more.
    pub dates: Vec<DateRun>,
    /// Its outlets, most articles first.
    pub outlets: Vec<Outlet>,
    /// Record ids, in input order.
    pub documents: Vec<String>,
    /// Syndication groups inside the story.
    pub groups: Vec<Group>,
    /// Per article: shared, rewritten, added, dropped sentences and furniture.
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
    /// Records set aside under `--on-error skip`, in input order.
    pub rejected: Vec<Rejected>,
    /// Every article is in exactly one story.
    pub stories: Vec<Story>,
    /// Wall time per stage in seconds (not part of the JSON, which stays byte-identical).
    #[serde(skip)]
    pub timings: Vec<(&'static str, f64)>,
}

/// Wall time per stage, for the stderr summary line (where a large run spends its time).
pub struct Laps {
    since: Instant,
    /// (stage, seconds), in the order the stages ran.
    pub list: Vec<(&'static str, f64)>,
    /// Called after each stage (see [`run_with`]).
    between: fn(),
}

impl Default for Laps {
    fn default() -> Laps {
        Laps {
            since: Instant::now(),
            list: Vec::new(),
            between: || {},
        }
    }
}

impl Laps {
    /// Records the time since the previous lap as stage `name` (with the call to `between`).
    pub fn lap(&mut self, name: &'static str) {
        (self.between)();
        self.list.push((name, self.since.elapsed().as_secs_f64()));
        self.since = Instant::now();
    }
}

/// Whether a story of `size` articles gets per-article variants ([`MAX_STORY_VARIANTS`]).
fn whole_story_diffed(size: usize) -> bool {
    (2..=MAX_STORY_VARIANTS).contains(&size)
}

/// Whether, in a story too large for [`whole_story_diffed`], a syndication group of `size`
/// articles gets its variants ([`MAX_GROUP_VARIANTS`]).
fn group_diffed(size: usize) -> bool {
    size <= MAX_GROUP_VARIANTS
}

/// Runs the stories pipeline over `articles`.
pub fn run(articles: Vec<Article>, params: &StoryParams, seed: u64) -> (Report, Vec<Article>) {
    run_with(articles, params, seed, || {})
}

/// [`run`], calling `between` after each stage: the command line gives the memory a stage freed
/// back to the system there (`storydup_io::system::release_free_memory`), which the core, which
/// knows no allocator, cannot.
pub fn run_with(mut articles: Vec<Article>, params: &StoryParams, seed: u64, between: fn()) -> (Report, Vec<Article>) {
    let mut laps = Laps {
        between,
        ..Laps::default()
    };
    let vecs = story::vectors(&articles, seed);
    laps.lap("vectors");
    let (furniture, stock) = boilerplate::mark(&mut articles, &vecs);
    laps.lap("furniture");
    let reprints = passage::reprints(&articles, &furniture, &stock, &vecs);
    drop((furniture, stock));
    // The content words have made the vectors and tested passages' topics; nothing else reads
    // them (see Article::content). The 3-grams are read again only by the diffs, which run after
    // the clustering: they are rebuilt then, for the articles diffed (at 100,000 generated
    // articles they were 207 MB of the clustering's peak).
    articles.par_iter_mut().for_each(|a| {
        a.content = Box::default();
        a.drop_grams();
    });
    let groups = passage::groups(articles.len(), &reprints);
    laps.lap("passages");
    let clusters = story::stories(&articles, &vecs, &groups, params, &mut laps);
    let mut group_of = vec![usize::MAX; articles.len()];
    for (gi, g) in groups.iter().enumerate() {
        for &m in g {
            group_of[m as usize] = gi;
        }
    }
    // The articles the diffs read, as the loop over stories below picks them.
    let mut diffed = vec![false; articles.len()];
    for members in &clusters {
        if whole_story_diffed(members.len()) {
            members.iter().for_each(|&m| diffed[m as usize] = true);
        }
    }
    for g in groups.iter().filter(|g| group_diffed(g.len())) {
        g.iter().for_each(|&m| diffed[m as usize] = true);
    }
    articles
        .par_iter_mut()
        .zip(diffed)
        .filter(|(_, d)| *d)
        .for_each(|(a, _)| a.restore_grams(seed));
    // The reprint pairs of each group (both ends are in one group, as groups are their components).
    let mut by_group: Vec<Vec<usize>> = vec![Vec::new(); groups.len()];
    for (r, x) in reprints.iter().enumerate() {
        by_group[group_of[x.a as usize]].push(r);
    }
    let bad_titles = furniture_titles(&articles, &vecs);
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
            let mut refs: Vec<(Vec<u32>, u32)> = Vec::new();
            for (&gi, &number) in story_gids[sid].iter().zip(&numbers[sid]) {
                let g = &groups[gi];
                let pair_reprints: Vec<Reprint> = by_group[gi].iter().map(|&r| reprints[r].clone()).collect();
                let passages = passage::merge(&pair_reprints)
                    .into_iter()
                    .map(|p| passage_out(&articles, &p))
                    .collect();
                let reference = crate::stories::diff::reference(g, &pair_reprints);
                refs.push((g.clone(), reference));
                story_groups.push(Group {
                    id: number,
                    documents: g.iter().map(|&d| key(d)).collect(),
                    reference: key(reference),
                    passages,
                });
            }
            let mut out = Vec::new();
            if whole_story_diffed(members.len()) {
                out = variants(&articles, members, &refs);
            } else {
                for (g, r) in refs.iter().filter(|(g, _)| group_diffed(g.len())) {
                    out.extend(variants(&articles, g, &[(g.clone(), *r)]));
                }
                // Variants in the story's member order (a lookup table: a story may hold 100,000).
                let position: AHashMap<&str, usize> = members
                    .iter()
                    .enumerate()
                    .map(|(p, &m)| (articles[m as usize].key.as_str(), p))
                    .collect();
                out.sort_by_key(|v| position.get(v.document.as_str()).copied().unwrap_or(usize::MAX));
            }
            Story {
                id: sid,
                label: label(&articles, members, &vecs, &bad_titles),
                dates: date_runs(&articles, members),
                outlets: outlets(&articles, members),
                documents: members.iter().map(|&m| key(m)).collect(),
                groups: story_groups,
                variants: out,
            }
        })
        .collect();
    laps.lap("variants");
    let report = Report {
        version: env!("CARGO_PKG_VERSION"),
        params: params.clone(),
        num_documents: articles.len(),
        rejected: Vec::new(),
        stories,
        timings: laps.list,
    };
    (report, articles)
}

fn passage_out(articles: &[Article], p: &passage::Shared) -> PassageOut {
    let documents: Vec<PassageSide> = p
        .sides
        .iter()
        .map(|&(d, lo, hi)| {
            let a = &articles[d as usize];
            PassageSide {
                id: a.key.clone(),
                start: a.sentences[lo as usize].start,
                end: a.sentences[hi as usize].end,
                sentences: (lo..=hi).collect(),
            }
        })
        .collect();
    let (d, lo, hi) = p.sides[0];
    let first = &articles[d as usize];
    PassageOut {
        words: first.sentences[lo as usize..=hi as usize]
            .iter()
            .map(|s| s.num_words)
            .sum(),
        text: first.text[documents[0].start..documents[0].end].to_string(),
        documents,
    }
}

/// The story's dates in runs (a gap of [`DATE_GAP_DAYS`] or more starts a new run).
fn date_runs(articles: &[Article], members: &[u32]) -> Vec<DateRun> {
    let mut dates: Vec<String> = members
        .iter()
        .filter_map(|&m| articles[m as usize].date_shown())
        .collect();
    dates.sort_unstable();
    let day = |d: &str| -> Option<i64> {
        let probe = Article {
            date: Some(d.to_string()),
            ..Article::default()
        };
        probe.day()
    };
    let mut runs: Vec<DateRun> = Vec::new();
    let mut last_day = None;
    for d in dates {
        let today = day(&d);
        let gap = matches!((last_day, today), (Some(a), Some(b)) if b - a >= DATE_GAP_DAYS);
        match runs.last_mut() {
            Some(run) if !gap => {
                run.last = d;
                run.articles += 1;
            }
            _ => runs.push(DateRun {
                first: d.clone(),
                last: d,
                articles: 1,
            }),
        }
        last_day = today.or(last_day);
    }
    runs
}

/// The story's outlets, most articles first, then by name.
fn outlets(articles: &[Article], members: &[u32]) -> Vec<Outlet> {
    let mut count: AHashMap<&str, usize> = AHashMap::new();
    for &m in members {
        if let Some(s) = articles[m as usize].source.as_deref() {
            let s = s.trim();
            if !s.is_empty() {
                *count.entry(s.strip_prefix("www.").unwrap_or(s)).or_default() += 1;
            }
        }
    }
    let mut out: Vec<Outlet> = count
        .into_iter()
        .map(|(name, articles)| Outlet {
            name: name.to_string(),
            articles,
        })
        .collect();
    out.sort_by(|x, y| y.articles.cmp(&x.articles).then(x.name.cmp(&y.name)));
    out
}

/// Words that name no event: they make up section names and outlets' names ("World news",
/// "RT International", "ABC News").
const GENERIC: &[&str] = &[
    "the",
    "news",
    "world",
    "international",
    "online",
    "live",
    "latest",
    "breaking",
    "today",
    "home",
    "network",
    "com",
    "uk",
    "us",
    "top",
    "stories",
    "story",
    "headlines",
    "video",
    "videos",
    "politics",
    "business",
    "sport",
    "sports",
    "tech",
    "technology",
    "science",
    "opinion",
    "and",
    "of",
    "a",
    "in",
    "on",
    "edition",
    "daily",
    "times",
    "post",
];

/// Lower-cased words (letters and digits) of `s`.
fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The names a site goes by, from its source field: "www.rt.com" → ["rt"], "abcnews.go.com" →
/// ["abcnews", "go"].
fn site_names(source: Option<&str>) -> Vec<String> {
    const SKIP: &[&str] = &[
        "www", "com", "co", "uk", "org", "net", "edition", "en", "m", "amp", "news", "go", "de", "in",
    ];
    source
        .map(|s| {
            s.split('.')
                .map(str::to_lowercase)
                .filter(|l| l.len() >= 2 && !SKIP.contains(&l.as_str()))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the words of a title segment name the site: its words run together are one of the
/// site's names followed by generic words only ("RT International", "ABC News", "BBC News").
fn names_site(segment: &[String], names: &[String]) -> bool {
    let joined: String = segment.concat();
    names.iter().any(|n| {
        let Some(rest) = joined.strip_prefix(n.as_str()) else {
            return false;
        };
        // What follows the name is generic words run together.
        let mut rest = rest;
        while !rest.is_empty() {
            match GENERIC.iter().find(|g| rest.starts_with(**g)) {
                Some(g) => rest = &rest[g.len()..],
                None => return false,
            }
        }
        true
    })
}

/// A headline from a title: site names cut off its segments ("Story - BBC News" → "Story"); none
/// when what is left is page furniture (section names, the outlet's name, under three words).
pub fn clean_title(title: &str, source: Option<&str>) -> Option<String> {
    static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\s+[-|–—:·•]{1,2}\s+").expect("valid regex"));
    let names = site_names(source);
    let segments: Vec<&str> = SEPARATOR.split(title.trim()).collect();
    let kept: Vec<&str> = segments
        .iter()
        .copied()
        .filter(|s| !names_site(&words(s), &names))
        .collect();
    if kept.len() == segments.len() {
        // Nothing cut: the title as it is.
        return is_headline(title.trim()).then(|| title.trim().to_string());
    }
    let t = kept.join(" - ");
    is_headline(&t).then_some(t)
}

/// Whether a line can be a headline: three words or more, not only generic ones.
fn is_headline(t: &str) -> bool {
    let w = words(t);
    w.len() >= 3 && !w.iter().all(|x| GENERIC.contains(&x.as_str()))
}

/// A date, place or agency before the text proper: "date 2025-01-05 ", "KIEV, Ukraine — ",
/// "(LONDON) -- ", "Kyiv: ", "BERLIN (AP) - ".
static DATELINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x) ^ \s* (?: date \s+ )? (?: \d{4}-\d\d-\d\d \S* \s+ )?
        (?: \(? [A-Z][\p{L} .,'-]{1,40} \)? (?: \s* \( (?: AP | Reuters | AFP | CNN | dpa | UPI ) \) )? \s* (?: — | -- | – | - | : ) \s+ )?",
    )
    .expect("valid regex")
});

/// The title-like first line of an article's text: its first line that is not furniture, if it
/// is a line of its own that does not end as a sentence, of 4 to 25 words.
pub fn first_line_headline(a: &Article) -> Option<String> {
    let s = a.sentences.iter().find(|s| !s.furniture)?;
    let alone = a.sentences.iter().filter(|o| o.para == s.para).count() == 1;
    let text = s.text(&a.text);
    let text = text[DATELINE.find(text).map_or(0, |m| m.end())..].trim();
    let n = words(text).len();
    (alone && (4..=25).contains(&n) && !boilerplate::ends_as_sentence(text) && is_headline(text))
        .then(|| text.to_string())
}

/// The start of an article's first sentence of prose, as a label: datelines cut off, at most
/// about 100 characters, cut at a word.
fn lead(a: &Article) -> Option<String> {
    let s = a.sentences.iter().find(|s| !s.furniture && s.num_words >= 6)?;
    let text = s.text(&a.text);
    let text = text[DATELINE.find(text).map_or(0, |m| m.end())..].trim();
    if text.chars().count() <= 100 {
        return Some(text.to_string());
    }
    let cut: String = text.chars().take(100).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |x| x.0);
    Some(format!("{}…", cut.trim_end_matches([',', ';', ':'])))
}

/// (source, title) pairs that are page furniture by recurrence: the same title on three or more
/// articles of one source about unrelated things ("Home", "Latest news").
fn furniture_titles(articles: &[Article], vecs: &[Vector]) -> AHashSet<(String, String)> {
    let mut by: AHashMap<(&str, &str), Vec<u32>> = AHashMap::new();
    for (d, a) in articles.iter().enumerate() {
        if let (Some(s), Some(t)) = (a.source.as_deref(), a.title.as_deref()) {
            by.entry((s, t.trim())).or_default().push(d as u32);
        }
    }
    by.into_iter()
        .filter(|(_, docs)| docs.len() >= boilerplate::MIN_SITE_REPEATS && boilerplate::unrelated(docs, vecs, 2, 12))
        .map(|((s, t), _)| (s.to_string(), t.to_string()))
        .collect()
}

/// The headline of an article: its title made clean, else the title-like first line of its text.
fn headline(a: &Article, bad_titles: &AHashSet<(String, String)>) -> Option<String> {
    let title = a.title.as_deref().filter(|t| {
        let s = a.source.as_deref().unwrap_or("");
        !bad_titles.contains(&(s.to_string(), t.trim().to_string()))
    });
    title
        .and_then(|t| clean_title(t, a.source.as_deref()))
        .or_else(|| first_line_headline(a))
}

/// The label of a story: the headline of its most central member (the highest cosine with the
/// story's summed vector, ties in input order) that has one; else the lead of the most central
/// member; else its record id.
pub fn label(
    articles: &[Article],
    members: &[u32],
    vecs: &[Vector],
    bad_titles: &AHashSet<(String, String)>,
) -> String {
    let mut sum: AHashMap<u32, f32> = AHashMap::new();
    for &m in members {
        for &(t, w) in &vecs[m as usize] {
            *sum.entry(t).or_default() += w;
        }
    }
    let mut ranked: Vec<(f32, u32)> = members
        .iter()
        .map(|&m| {
            let dot: f32 = vecs[m as usize]
                .iter()
                .map(|(t, w)| w * sum.get(t).copied().unwrap_or(0.0))
                .sum();
            (dot, m)
        })
        .collect();
    ranked.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    ranked
        .iter()
        .find_map(|&(_, m)| headline(&articles[m as usize], bad_titles))
        .or_else(|| ranked.iter().find_map(|&(_, m)| lead(&articles[m as usize])))
        .unwrap_or_else(|| articles[ranked[0].1 as usize].key.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stories::article::seeds;

    #[test]
    fn titles_that_name_the_site_are_not_headlines() {
        assert_eq!(clean_title("World news - RT International", Some("www.rt.com")), None);
        assert_eq!(clean_title("ABC News", Some("abcnews.go.com")), None);
        assert_eq!(
            clean_title("Cruise ship hits bridge - BBC News", Some("www.bbc.com")).as_deref(),
            Some("Cruise ship hits bridge")
        );
        assert_eq!(
            clean_title(
                "Tourist ship strikes highway bridge in Germany; 27 hurt",
                Some("www.dailymail.co.uk")
            )
            .as_deref(),
            Some("Tourist ship strikes highway bridge in Germany; 27 hurt")
        );
        assert_eq!(
            clean_title(
                "Germany: Rhine cruise ship hits bridge pylon causing injuries",
                Some("www.dw.com")
            )
            .as_deref(),
            Some("Germany: Rhine cruise ship hits bridge pylon causing injuries")
        );
    }

    #[test]
    fn the_seeds_are_labelled_by_a_headline() {
        let mut arts = seeds(42);
        let v = story::vectors(&arts, 42);
        boilerplate::mark(&mut arts, &v);
        let heads: Vec<Option<String>> = arts.iter().map(|a| headline(a, &AHashSet::new())).collect();
        assert_eq!(heads[0], None, "000 opens with a photo caption, then prose");
        assert_eq!(
            heads[1].as_deref(),
            Some("Ukraine launches new offensive in Russia's Kursk region")
        );
        assert_eq!(
            heads[3].as_deref(),
            Some("Heavy clashes as Ukraine launches fresh offensive in Russia's Kursk")
        );
        assert_eq!(
            heads[4].as_deref(),
            Some("Ukraine launches new offensive in Russia’s Kursk region, Kyiv and Moscow confirm")
        );
        let l = label(&arts, &[0, 1, 2, 3, 4], &v, &AHashSet::new());
        assert!(heads.contains(&Some(l.clone())), "{l}");
    }

    #[test]
    fn dates_fall_into_runs() {
        let mut arts = seeds(1);
        for (a, d) in arts
            .iter_mut()
            .zip(["2016-01-01", "2016-01-03", "2017-12-31", "2018-01-02", "2016-01-02"])
        {
            a.date = Some(d.into());
        }
        let runs = date_runs(&arts, &[0, 1, 2, 3, 4]);
        assert_eq!(runs.len(), 2, "{runs:?}");
        assert_eq!(
            (runs[0].first.as_str(), runs[0].last.as_str(), runs[0].articles),
            ("2016-01-01", "2016-01-03", 3)
        );
        assert_eq!(
            (runs[1].first.as_str(), runs[1].last.as_str(), runs[1].articles),
            ("2017-12-31", "2018-01-02", 2)
        );
    }
}

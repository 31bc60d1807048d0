//! Candidate pairs → verified edges → clusters.
//!
//! First a cheap filter on the MinHash estimate drops pairs that are far below the threshold
//! (more than six standard errors of the estimate, so a pair at the threshold survives it with
//! probability above 1 − 10⁻⁹). Then, by default, each surviving pair is confirmed with the exact
//! Jaccard of the two shingle sets, re-read from the input through the stored byte offsets: a pair
//! at or above the threshold is never lost to estimation noise. Pairs are processed per connected
//! component of the candidate graph, in parallel, so each record is read and shingled once and
//! only one component's sets are held per thread.

use std::time::Instant;

use rayon::prelude::*;

use crate::dedup::cluster::{assemble, Cluster, Edge, Rule, Similarity};
use crate::dedup::engine::{DocId, TextSource};
use crate::dedup::minhash::{estimate_stored, Slot};
use crate::error::Result;
use crate::params::{Params, Verify};
use crate::sets::{intersection_len, overlap, UnionFind};
use crate::shingle::Shingler;

/// What verification needs of every record.
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    /// Signatures, `num_perm` slots per record.
    pub sigs: &'a [Slot],
    /// Number of shingles per record.
    pub sizes: &'a [u32],
    /// Slots per signature.
    pub num_perm: usize,
}

impl Table<'_> {
    fn sig(&self, d: u32) -> &[Slot] {
        &self.sigs[d as usize * self.num_perm..(d as usize + 1) * self.num_perm]
    }
}

/// A connected component of the candidate graph, as ranges of three lists sorted by component:
/// its members (sorted), its pairs, and the links of its old records to their earlier clusters
/// (see [`Past`]).
type Component = (std::ops::Range<usize>, std::ops::Range<usize>, std::ops::Range<usize>);

/// Records clustered in an earlier run (a saved index): records `0..num_old`, and for each the
/// first record of its cluster then (itself when it had no duplicate).
#[derive(Debug, Clone, Copy)]
pub struct Past<'a> {
    /// Records clustered before.
    pub num_old: u32,
    /// The first record of each one's cluster.
    pub roots: &'a [u32],
}

/// What one component gives: its clusters, its number of edges, and the seconds spent measuring
/// its pairs and clustering them.
pub type Verified = (Vec<Cluster>, usize, [f64; 2]);

/// Counts of the verification stage, for the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    /// Candidate pairs from LSH.
    pub candidate_pairs: usize,
    /// Pairs left after the estimate filter.
    pub filtered_pairs: usize,
    /// Connected components of the filtered candidate graph.
    pub components: usize,
    /// Records re-read for exact verification.
    pub records_reread: usize,
    /// Pairs that passed the rule.
    pub edges: usize,
    /// Wall seconds of the estimate filter (parallel). Timings are not serialized here: they vary
    /// between runs, and `summary.json` keeps them apart, under `timings_s`.
    #[serde(skip)]
    pub filter_s: f64,
    /// Wall seconds of grouping the filtered pairs into connected components (sequential).
    #[serde(skip)]
    pub components_s: f64,
    /// Thread-seconds, summed over threads, of measuring the pairs (exact: re-reading,
    /// shingling and intersecting the sets).
    #[serde(skip)]
    pub verify_thread_s: f64,
    /// Thread-seconds, summed over threads, of keeping the best containment edges and
    /// assembling clusters (union-find, the kept record, the audit of each removed one).
    #[serde(skip)]
    pub cluster_thread_s: f64,
}

/// The Jaccard a pair must reach to pass the rule by either measure (containment of the smaller
/// set A in B at threshold t means Jaccard t·|A| / (|A| + |B| − t·|A|)).
pub fn required_jaccard(rule: &Rule, size_a: u32, size_b: u32) -> f64 {
    if !rule.containment {
        return rule.threshold;
    }
    let (a, b) = (size_a.min(size_b) as f64, size_a.max(size_b) as f64);
    let t = rule.threshold;
    (t * a / (a + b - t * a)).min(t)
}

/// Containment of the smaller set in the larger, from a Jaccard value and the two set sizes.
pub fn containment_from_jaccard(j: f64, size_a: u32, size_b: u32) -> f64 {
    let (a, b) = (size_a.min(size_b) as f64, size_a.max(size_b) as f64);
    if a == 0.0 {
        return 0.0;
    }
    (j * (a + b) / ((1.0 + j) * a)).min(1.0)
}

/// Verifies `pairs` (sorted, `a < b`) and clusters the records they join. Exact verification
/// asks `texts` for the text of each record of a pair.
///
/// # Errors
/// `texts` could not give a text again (an input file changed or vanished between the passes).
///
/// With a [`Past`], `pairs` must each hold a new record (`b >= num_old`); old records join their
/// earlier clusters, and only clusters with a new record are returned.
pub fn verify<T: TextSource + ?Sized>(
    pairs: &[(u32, u32)],
    table: &Table<'_>,
    texts: &T,
    params: &Params,
    past: Option<Past<'_>>,
) -> Result<(Vec<Cluster>, Stats)> {
    let t = Instant::now();
    let filtered = filter(pairs, table, params);
    let filter_s = t.elapsed().as_secs_f64();
    verify_filtered(filtered, pairs.len(), filter_s, table, texts, params, past)
}

/// The pairs that may pass the rule, by the MinHash estimate: those not more than six standard
/// errors (and at least 0.05) below the Jaccard the rule needs of them.
pub fn filter(pairs: &[(u32, u32)], table: &Table<'_>, params: &Params) -> Vec<(u32, u32)> {
    let rule = Rule {
        threshold: params.threshold,
        containment: params.containment,
    };
    pairs
        .par_iter()
        .copied()
        .filter(|&(a, b)| {
            let (sa, sb) = (table.sizes[a as usize], table.sizes[b as usize]);
            near_enough(&rule, sa, sb, table.sig(a), table.sig(b))
        })
        .collect()
}

/// The chance, at most, that a pair which truly meets the rule is dropped by [`near_enough`]: 100
/// times below LSH's own miss rate at the threshold (1 %), so the filter costs no measurable
/// recall (the 100 MB and 1 GB generated corpora give the same outputs as with the earlier
/// filter, in both modes; results/2026-12-06-containment-scaling.md).
pub const FILTER_MISS: f64 = 1e-4;

/// The estimate filter for one pair of records of (estimated) set sizes `size_a`, `size_b`: false
/// when their signatures agree in so few slots that a pair at the rule's least Jaccard
/// ([`required_jaccard`]) would agree that rarely with probability below [`FILTER_MISS`] (the exact
/// binomial tail over the slots). Unlike a fixed margin of standard deviations, this stays
/// selective for size-imbalanced containment pairs, whose required Jaccard is low: with `--containment`
/// at 1 GB the fixed margin let through ten false pairs for each true one. The Spark job filters
/// its candidate pairs through this too.
pub fn near_enough(rule: &Rule, size_a: u32, size_b: u32, sig_a: &[Slot], sig_b: &[Slot]) -> bool {
    let need = required_jaccard(rule, size_a, size_b);
    let k = sig_a.len();
    let same = sig_a.iter().zip(sig_b).filter(|(x, y)| x == y).count();
    if same as f64 >= need * k as f64 {
        return true;
    }
    binomial_cdf(same, k, need) >= FILTER_MISS
}

/// P(X ≤ x) for X ~ Binomial(n, p), summed term by term from P(X = 0).
fn binomial_cdf(x: usize, n: usize, p: f64) -> f64 {
    if p <= 0.0 {
        return 1.0;
    }
    if p >= 1.0 {
        return if x >= n { 1.0 } else { 0.0 };
    }
    let ratio = p / (1.0 - p);
    let mut term = (1.0 - p).powi(n as i32);
    let mut sum = term;
    for i in 0..x.min(n) {
        term *= (n - i) as f64 / (i + 1) as f64 * ratio;
        sum += term;
    }
    sum.min(1.0)
}

/// [`verify`] after the estimate filter: `filtered` came from [`filter`] over `num_candidates`
/// pairs in `filter_s` seconds. With exact verification the signatures of `table` are not read
/// (they may be empty: the engine drops them before this step to save memory).
///
/// # Errors
/// As [`verify`].
pub fn verify_filtered<T: TextSource + ?Sized>(
    filtered: Vec<(u32, u32)>,
    num_candidates: usize,
    filter_s: f64,
    table: &Table<'_>,
    texts: &T,
    params: &Params,
    past: Option<Past<'_>>,
) -> Result<(Vec<Cluster>, Stats)> {
    let mut stats = Stats {
        candidate_pairs: num_candidates,
        filtered_pairs: filtered.len(),
        filter_s,
        ..Stats::default()
    };
    let t = Instant::now();

    // Connected components, each a sorted member list with its pairs; an old record brings the
    // first record of its earlier cluster along.
    let num_old = past.map_or(0, |p| p.num_old);
    let root_of = |d: u32| past.filter(|p| d < p.num_old).map(|p| p.roots[d as usize]);
    let mut links: Vec<(u32, u32)> = filtered
        .iter()
        .flat_map(|&(a, b)| [a, b])
        .filter_map(|d| root_of(d).filter(|&r| r != d).map(|r| (r, d)))
        .collect();
    links.sort_unstable();
    links.dedup();
    // Union-find over the records in some pair only (not all n: 4 bytes a record at 10 million).
    let mut docs: Vec<u32> = filtered
        .iter()
        .flat_map(|&(a, b)| [a, b])
        .chain(links.iter().map(|l| l.0))
        .collect();
    docs.par_sort_unstable();
    docs.dedup();
    let local = |d: u32| docs.binary_search(&d).expect("every end is listed") as u32;
    let mut uf = UnionFind::new(docs.len());
    for &(a, b) in filtered.iter().chain(&links) {
        uf.union(local(a), local(b));
    }
    let root_doc = |uf: &mut UnionFind, d: u32| docs[uf.find(local(d)) as usize];
    // Components as ranges of three flat lists sorted by component (its first record): no list
    // per component, which cost more than the records at 10 million.
    let mut members: Vec<(u32, u32)> = docs.iter().map(|&d| (root_doc(&mut uf, d), d)).collect();
    members.sort_unstable();
    let mut edges_by_root: Vec<(u32, u32, u32)> = filtered.iter().map(|&(a, b)| (root_doc(&mut uf, a), a, b)).collect();
    edges_by_root.par_sort_unstable();
    let mut links_by_root: Vec<(u32, u32, u32)> = links.iter().map(|&(r, d)| (root_doc(&mut uf, r), r, d)).collect();
    links_by_root.sort_unstable();
    drop(uf);
    let member_docs: Vec<u32> = members.iter().map(|m| m.1).collect();
    let pair_list: Vec<(u32, u32)> = edges_by_root.iter().map(|e| (e.1, e.2)).collect();
    let link_list: Vec<(u32, u32)> = links_by_root.iter().map(|e| (e.1, e.2)).collect();
    let mut components: Vec<Component> = Vec::new();
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < members.len() {
        let root = members[i].0;
        let (i0, j0, k0) = (i, j, k);
        while i < members.len() && members[i].0 == root {
            i += 1;
        }
        while j < edges_by_root.len() && edges_by_root[j].0 == root {
            j += 1;
        }
        while k < links_by_root.len() && links_by_root[k].0 == root {
            k += 1;
        }
        components.push((i0..i, j0..j, k0..k));
    }
    drop((members, edges_by_root, links_by_root, docs));
    stats.components = components.len();
    stats.components_s = t.elapsed().as_secs_f64();
    if params.verify == Verify::Exact {
        stats.records_reread = member_docs.len();
    }

    let results: Vec<Result<Verified>> = components
        .par_iter()
        .map_init(Shingler::default, |shingler, (m, p, l)| {
            let (m, p, l) = (&member_docs[m.clone()], &pair_list[p.clone()], &link_list[l.clone()]);
            verify_component(m, p, l, num_old, table, texts, params, shingler)
        })
        .collect();
    let mut clusters = Vec::new();
    for r in results {
        let (c, e, [verify_s, cluster_s]) = r?;
        stats.edges += e;
        stats.verify_thread_s += verify_s;
        stats.cluster_thread_s += cluster_s;
        clusters.extend(c);
    }
    clusters.sort_by_key(|c| c.members[0]);
    Ok((clusters, stats))
}

/// Verifies the pairs of one connected component of the filtered candidate graph and clusters
/// its records: `members` sorted, `pairs` its filtered pairs (sorted, `a < b`), `links` and
/// `num_old` as for [`assemble`] (none and 0 without a saved index). Exact verification asks
/// `texts` for each member's text (once, within the shingle cache's budget) and never reads the
/// signatures of `table`. The single-machine run calls this for each component in parallel; the
/// Spark job calls it on the executor that holds the component, with the component's records
/// numbered from 0 in input order.
///
/// # Errors
/// `texts` could not give a text again.
#[expect(clippy::too_many_arguments, reason = "one component and what measuring it needs")]
pub fn verify_component<T: TextSource + ?Sized>(
    members: &[u32],
    pairs: &[(u32, u32)],
    links: &[(u32, u32)],
    num_old: u32,
    table: &Table<'_>,
    texts: &T,
    params: &Params,
    shingler: &mut Shingler,
) -> Result<Verified> {
    let (m, p, l) = (members, pairs, links);
    let rule = Rule {
        threshold: params.threshold,
        containment: params.containment,
    };
    let sets = std::cell::RefCell::new(SetCache::new(texts, params, shingler));
    let measure = |a: u32, b: u32| -> Similarity {
        match params.verify {
            Verify::Estimate => {
                let j = estimate_stored(table.sig(a), table.sig(b));
                let (sa, sb) = (table.sizes[a as usize], table.sizes[b as usize]);
                Similarity {
                    jaccard: j,
                    containment: containment_from_jaccard(j, sa, sb),
                }
            }
            Verify::Exact => sets.borrow_mut().similarity(a, b),
        }
    };
    // Exact verification reads the sets anyway, so "which record is smaller" (the one a
    // containment removes) comes from their exact sizes; the signing pass only estimates
    // sizes (it counts repeated shingles), which is enough for the filter above.
    let size_of = |d: u32| sets.borrow().exact_size(d).unwrap_or(table.sizes[d as usize]);
    let t = Instant::now();
    let edges: Vec<Edge> = if p.len() <= BIG_COMPONENT_PAIRS || params.verify == Verify::Estimate {
        let mut edges = Vec::new();
        for &(a, b) in p {
            let sim = measure(a, b);
            if rule.passes(&sim).is_some() {
                let smaller = if size_of(a) < size_of(b) { a } else { b }; // ties: the later record
                edges.push(Edge { a, b, smaller, sim });
            }
        }
        edges
    } else {
        // A giant component (records chained by shared boilerplate or, with --containment, by
        // many partial overlaps) is verified in steps of consecutive pairs in locality order
        // ([`by_locality`]): each step reads the sets it lacks and measures its pairs in
        // parallel, sharing one cache that forgets a record once no later pair needs it (pairs
        // come in order of their first end) or, past its budget, the earliest records. The cache
        // decides only what is read again, never a result; the edges are sorted back into pair
        // order, so the thread count changes nothing.
        let (ordered, pos) = by_locality(m, p);
        let pos_of = |d: u32| pos[m.binary_search(&d).expect("pair ends are members")];
        let mut cache: ahash::AHashMap<u32, Vec<u64>> = ahash::AHashMap::new();
        let mut held = 0usize;
        let mut edges = Vec::new();
        for step in ordered.chunks(BIG_COMPONENT_PAIRS) {
            let first = step[0].0;
            cache.retain(|&d, set| {
                let keep = pos_of(d) >= first;
                if !keep {
                    held -= set.len();
                }
                keep
            });
            let mut need: Vec<u32> = step
                .iter()
                .flat_map(|k| [k.2, k.3])
                .filter(|d| !cache.contains_key(d))
                .collect();
            need.sort_unstable();
            need.dedup();
            let loaded: Vec<Result<Vec<u64>>> = need
                .par_iter()
                .map_init(Shingler::default, |shingler, &d| read_set(texts, params, shingler, d))
                .collect();
            for (d, set) in need.into_iter().zip(loaded) {
                let set = set?;
                held += set.len();
                cache.insert(d, set);
            }
            let shared = &cache;
            let found: Vec<Option<Edge>> = step
                .par_iter()
                .map(|&(_, _, a, b)| {
                    let (sa, sb) = (&shared[&a], &shared[&b]);
                    let sim = set_similarity(sa, sb);
                    rule.passes(&sim).map(|_| {
                        let smaller = if sa.len() < sb.len() { a } else { b }; // ties: the later record
                        Edge { a, b, smaller, sim }
                    })
                })
                .collect();
            edges.extend(found.into_iter().flatten());
            if held > WINDOW_SHINGLES {
                let mut by_pos: Vec<(u32, u32)> = cache.keys().map(|&d| (pos_of(d), d)).collect();
                by_pos.sort_unstable();
                for (_, d) in by_pos {
                    if held <= WINDOW_SHINGLES / 2 {
                        break;
                    }
                    held -= cache.remove(&d).map_or(0, |s| s.len());
                }
            }
        }
        // Back in pair order, as on the small path.
        edges.sort_unstable_by_key(|e| (e.a, e.b));
        edges
    };
    let verify_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let edges = best_containment_only(edges, &rule);
    let n_edges = edges.len();
    let clusters = assemble(m, &edges, l, num_old, &rule, measure);
    if let Some(e) = sets.borrow_mut().error.take() {
        return Err(e);
    }
    Ok((clusters, n_edges, [verify_s, t.elapsed().as_secs_f64()]))
}

/// A pair with the positions of its ends in locality order: `(first, second, a, b)`.
type PlacedPair = (u32, u32, u32, u32);

/// The pairs of a component, as [`PlacedPair`]s, reordered so that
/// consecutive pairs share their records, and each member's position: the members
/// are numbered in breadth-first order (from the first member, neighbours in record order, each
/// unvisited member starting anew), and pairs sorted by the positions of their two ends. A run of
/// consecutive pairs then reads a compact window of the component into its cache; in pair order
/// (by record) the second ends of a run are scattered over the whole component, and a giant
/// component of `--containment` at 1 GB (98,170 records, 189,306 pairs) read each record 2.5
/// times. Depends on the pairs alone, never on the thread count.
fn by_locality(members: &[u32], pairs: &[(u32, u32)]) -> (Vec<PlacedPair>, Vec<u32>) {
    let local = |d: u32| members.binary_search(&d).expect("pair ends are members");
    // Adjacency lists as one flat list (compressed rows), neighbours in record order.
    let mut ends: Vec<(u32, u32)> = pairs
        .iter()
        .flat_map(|&(a, b)| {
            let (la, lb) = (local(a) as u32, local(b) as u32);
            [(la, lb), (lb, la)]
        })
        .collect();
    ends.sort_unstable();
    let mut start = vec![0usize; members.len() + 1];
    for &(x, _) in &ends {
        start[x as usize + 1] += 1;
    }
    for i in 0..members.len() {
        start[i + 1] += start[i];
    }
    let mut pos = vec![u32::MAX; members.len()];
    let mut queue = std::collections::VecDeque::new();
    let mut next = 0u32;
    for first in 0..members.len() {
        if pos[first] != u32::MAX {
            continue;
        }
        pos[first] = next;
        next += 1;
        queue.push_back(first);
        while let Some(x) = queue.pop_front() {
            for &(_, y) in &ends[start[x]..start[x + 1]] {
                if pos[y as usize] == u32::MAX {
                    pos[y as usize] = next;
                    next += 1;
                    queue.push_back(y as usize);
                }
            }
        }
    }
    let mut keyed: Vec<PlacedPair> = pairs
        .iter()
        .map(|&(a, b)| {
            let (pa, pb) = (pos[local(a)], pos[local(b)]);
            (pa.min(pb), pa.max(pb), a, b)
        })
        .collect();
    keyed.sort_unstable();
    (keyed, pos)
}

/// Keeps, for each record contained in longer ones without being similar to them, only its best
/// containment edge (highest containment; ties: the earlier partner). A short copy contained in
/// several unrelated longer articles would otherwise join them all into one cluster; Jaccard
/// edges, which are symmetric evidence, are all kept.
pub fn best_containment_only(edges: Vec<Edge>, rule: &Rule) -> Vec<Edge> {
    if !rule.containment {
        return edges;
    }
    let only = |e: &Edge| e.sim.jaccard < rule.threshold;
    let mut best: ahash::AHashMap<u32, (f64, u32)> = ahash::AHashMap::new();
    for e in edges.iter().filter(|e| only(e)) {
        let other = if e.smaller == e.a { e.b } else { e.a };
        let cand = (e.sim.containment, other);
        best.entry(e.smaller)
            .and_modify(|b| {
                if cand.0 > b.0 || (cand.0 == b.0 && cand.1 < b.1) {
                    *b = cand;
                }
            })
            .or_insert(cand);
    }
    edges
        .into_iter()
        .filter(|e| !only(e) || best.get(&e.smaller).map(|b| b.1) == Some(if e.smaller == e.a { e.b } else { e.a }))
        .collect()
}

/// Shingle sets of the records of one component, read on demand and held within a budget, so a
/// giant component (thousands of records sharing boilerplate) does not hold every set at once.
struct SetCache<'r, 's, T: TextSource + ?Sized> {
    texts: &'r T,
    params: &'r Params,
    shingler: &'s mut Shingler,
    sets: ahash::AHashMap<u32, Vec<u64>>,
    held: usize,
    sizes: ahash::AHashMap<u32, u32>,
    error: Option<crate::error::Error>,
}

/// Pairs of a component above which its pairs are verified in parallel runs of this many.
const BIG_COMPONENT_PAIRS: usize = 4096;

/// Shingles held by the shared cache of a giant component before it forgets its earliest records
/// (8 bytes each: 128 MiB).
const WINDOW_SHINGLES: usize = 16 << 20;

/// Shingles held per thread before the cache is emptied (8 bytes each: 32 MiB).
const CACHE_SHINGLES: usize = 4 << 20;

impl<'r, 's, T: TextSource + ?Sized> SetCache<'r, 's, T> {
    fn new(texts: &'r T, params: &'r Params, shingler: &'s mut Shingler) -> Self {
        SetCache {
            texts,
            params,
            shingler,
            sets: ahash::AHashMap::new(),
            held: 0,
            sizes: ahash::AHashMap::new(),
            error: None,
        }
    }

    fn exact_size(&self, d: u32) -> Option<u32> {
        self.sizes.get(&d).copied()
    }

    fn load(&mut self, d: u32) {
        if self.sets.contains_key(&d) {
            return;
        }
        let set = match read_set(self.texts, self.params, self.shingler, d) {
            Ok(set) => set,
            Err(e) => {
                self.error.get_or_insert(e);
                Vec::new()
            }
        };
        if self.held + set.len() > CACHE_SHINGLES {
            self.sets.clear();
            self.held = 0;
        }
        self.held += set.len();
        self.sizes.insert(d, set.len().min(u32::MAX as usize) as u32);
        self.sets.insert(d, set);
    }

    fn similarity(&mut self, a: u32, b: u32) -> Similarity {
        self.load(a);
        self.load(b);
        // Loading b may have emptied the cache; load a again if so.
        self.load(a);
        set_similarity(&self.sets[&a], &self.sets[&b])
    }
}

/// The shingle set of record `d`, its text read again from `texts` (exact verification).
fn read_set<T: TextSource + ?Sized>(texts: &T, params: &Params, shingler: &mut Shingler, d: u32) -> Result<Vec<u64>> {
    let text = texts.text(DocId(d))?;
    Ok(shingler.set(params.compared_text(&text), params.shingle, params.seed))
}

/// Exact Jaccard and containment of two sorted shingle sets.
fn set_similarity(a: &[u64], b: &[u64]) -> Similarity {
    let (jaccard, containment) = overlap(a.len(), b.len(), intersection_len(a, b));
    Similarity { jaccard, containment }
}

#[cfg(test)]
mod tests {
    #[test]
    fn binomial_cdf_sums_the_terms() {
        // Binomial(4, 0.5): 1, 4, 6, 4, 1 sixteenths.
        assert!((binomial_cdf(0, 4, 0.5) - 1.0 / 16.0).abs() < 1e-12);
        assert!((binomial_cdf(2, 4, 0.5) - 11.0 / 16.0).abs() < 1e-12);
        assert!((binomial_cdf(4, 4, 0.5) - 1.0).abs() < 1e-12);
        assert_eq!(binomial_cdf(0, 128, 0.0), 1.0);
        assert_eq!(binomial_cdf(127, 128, 1.0), 0.0);
    }

    #[test]
    fn the_filter_drops_only_what_a_true_pair_would_rarely_show() {
        let rule = Rule {
            threshold: 0.8,
            containment: true,
        };
        let sig =
            |same: usize| -> Vec<Slot> { (0..128).map(|i| if i < same { 7 } else { 1000 + i as Slot }).collect() };
        let base: Vec<Slot> = vec![7; 128];
        // Equal sizes: the required Jaccard is 0.8 / 1.2 = 0.667 (85 of 128 slots).
        assert!(near_enough(&rule, 100, 100, &base, &sig(85)));
        assert!(near_enough(&rule, 100, 100, &base, &sig(70)));
        assert!(!near_enough(&rule, 100, 100, &base, &sig(40)));
        // One three times the other: 0.8 / 3.2 = 0.25 (32 slots); 10 agreeing slots are too few.
        assert!(near_enough(&rule, 100, 300, &base, &sig(20)));
        assert!(!near_enough(&rule, 100, 300, &base, &sig(10)));
        // A tiny record in a huge one needs little agreement, and nothing is dropped lightly.
        assert!(near_enough(&rule, 10, 1000, &base, &sig(0)));
    }

    use super::*;

    #[test]
    fn a_short_copy_joins_only_its_best_container() {
        let rule = Rule {
            threshold: 0.8,
            containment: true,
        };
        let e = |a, b, j, c, smaller| Edge {
            a,
            b,
            smaller,
            sim: Similarity {
                jaccard: j,
                containment: c,
            },
        };
        // 0 is short, contained in 1 (0.9) and 2 (0.95); 3 and 4 are near-identical (Jaccard).
        let kept = best_containment_only(
            vec![e(0, 1, 0.3, 0.9, 0), e(0, 2, 0.2, 0.95, 0), e(3, 4, 0.9, 0.95, 4)],
            &rule,
        );
        assert_eq!(
            kept.iter().map(|e| (e.a, e.b)).collect::<Vec<_>>(),
            vec![(0, 2), (3, 4)]
        );
    }

    /// Texts in memory, for the tests.
    struct Texts(Vec<String>);

    impl TextSource for Texts {
        fn text(&self, doc: DocId) -> Result<std::borrow::Cow<'_, str>> {
            Ok(std::borrow::Cow::Borrowed(&self.0[doc.index()]))
        }
    }

    #[test]
    fn a_giant_component_gives_what_each_pair_measured_alone_gives() {
        // 1,500 pieces of one long text that overlap their neighbours in varying amounts, and pairs
        // between near and far ones: one component of more than BIG_COMPONENT_PAIRS pairs,
        // some passing, some not, with and without containment.
        let n = 1_500u32;
        let texts = Texts(
            (0..n)
                .map(|i| {
                    // Runs of one long text: the same start for four records, of 60 to 100 words.
                    let (start, len) = (i as usize / 4 * 3, 60 + (i % 5) as usize * 10);
                    (start..start + len)
                        .map(|w| format!("w{w}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect(),
        );
        let mut pairs: Vec<(u32, u32)> = (0..n)
            .flat_map(|a| [1u32, 2, 3, 7, 400].into_iter().map(move |d| (a, a + d)))
            .filter(|&(_, b)| b < n)
            .collect();
        pairs.sort_unstable();
        assert!(pairs.len() > BIG_COMPONENT_PAIRS);
        let members: Vec<u32> = (0..n).collect();
        for containment in [false, true] {
            let params = Params {
                containment,
                ..Params::default()
            };
            let rule = Rule {
                threshold: params.threshold,
                containment,
            };
            let table = Table {
                sigs: &[],
                sizes: &vec![1; n as usize],
                num_perm: params.num_perm,
            };
            let set = |d: u32| Shingler::default().set(&texts.0[d as usize], params.shingle, params.seed);
            let measure = |a: u32, b: u32| {
                let (sa, sb) = (set(a), set(b));
                let (jaccard, containment) = overlap(sa.len(), sb.len(), intersection_len(&sa, &sb));
                Similarity { jaccard, containment }
            };
            let edges: Vec<Edge> = pairs
                .iter()
                .filter_map(|&(a, b)| {
                    let sim = measure(a, b);
                    rule.passes(&sim).map(|_| {
                        let smaller = if set(a).len() < set(b).len() { a } else { b };
                        Edge { a, b, smaller, sim }
                    })
                })
                .collect();
            assert!(edges.len() > 100 && edges.len() < pairs.len(), "{} edges", edges.len());
            let edges = best_containment_only(edges, &rule);
            let expected = assemble(&members, &edges, &[], 0, &rule, measure);
            for threads in [1, 2, 3] {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
                let (clusters, n_edges, _) = pool
                    .install(|| {
                        verify_component(
                            &members,
                            &pairs,
                            &[],
                            0,
                            &table,
                            &texts,
                            &params,
                            &mut Shingler::default(),
                        )
                    })
                    .unwrap();
                assert_eq!(n_edges, edges.len(), "containment {containment}, {threads} threads");
                assert_eq!(clusters, expected, "containment {containment}, {threads} threads");
            }
        }
    }

    #[test]
    fn containment_and_jaccard_agree() {
        // A of 100 shingles fully inside B of 250: J = 100/250 = 0.4, containment 1.
        assert!((containment_from_jaccard(0.4, 100, 250) - 1.0).abs() < 1e-9);
        let rule = Rule {
            threshold: 0.8,
            containment: true,
        };
        let need = required_jaccard(&rule, 100, 250);
        assert!((need - 80.0 / 270.0).abs() < 1e-9);
        let plain = Rule {
            threshold: 0.8,
            containment: false,
        };
        assert_eq!(required_jaccard(&plain, 100, 250), 0.8);
    }
}

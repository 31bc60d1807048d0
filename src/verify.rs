//! Candidate pairs → verified edges → clusters.
//!
//! First a cheap filter on the MinHash estimate drops pairs that are far below the threshold
//! (more than six standard errors of the estimate, so a pair at the threshold survives it with
//! probability above 1 − 10⁻⁹). Then, by default, each surviving pair is confirmed with the exact
//! Jaccard of the two shingle sets, re-read from the input through the stored byte offsets: a pair
//! at or above the threshold is never lost to estimation noise. Pairs are processed per connected
//! component of the candidate graph, in parallel, so each record is read and shingled once and
//! only one component's sets are held per thread.

use rayon::prelude::*;

use crate::cluster::{assemble, Cluster, Edge, Rule, Similarity, UnionFind};
use crate::corpus::{Reader, Span};
use crate::error::Result;
use crate::minhash::estimate_jaccard;
use crate::params::{Params, Verify};
use crate::shingle::{intersection_len, Shingler};

/// What verification needs of every record.
#[derive(Debug, Clone, Copy)]
pub struct Table<'a> {
    /// Signatures, `num_perm` slots per record.
    pub sigs: &'a [u32],
    /// Number of shingles per record.
    pub sizes: &'a [u32],
    /// Where each record is.
    pub spans: &'a [Span],
    /// Slots per signature.
    pub num_perm: usize,
}

impl Table<'_> {
    fn sig(&self, d: u32) -> &[u32] {
        &self.sigs[d as usize * self.num_perm..(d as usize + 1) * self.num_perm]
    }
}

/// A connected component of the candidate graph: its members (sorted) and its pairs.
type Component = (Vec<u32>, Vec<(u32, u32)>);

/// Counts of the verification stage, for the summary.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
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

/// Verifies `pairs` (sorted, `a < b`) and clusters the records they join.
///
/// # Errors
/// An input file changed or vanished between the passes.
pub fn verify(
    pairs: &[(u32, u32)],
    table: &Table<'_>,
    reader: &Reader<'_>,
    params: &Params,
) -> Result<(Vec<Cluster>, Stats)> {
    let rule = Rule {
        threshold: params.threshold,
        containment: params.containment,
    };
    let num_perm = table.num_perm as f64;
    let filtered: Vec<(u32, u32)> = pairs
        .par_iter()
        .copied()
        .filter(|&(a, b)| {
            let need = required_jaccard(&rule, table.sizes[a as usize], table.sizes[b as usize]);
            let sigma = (need * (1.0 - need) / num_perm).sqrt();
            estimate_jaccard(table.sig(a), table.sig(b)) >= need - (6.0 * sigma).max(0.05)
        })
        .collect();
    let mut stats = Stats {
        candidate_pairs: pairs.len(),
        filtered_pairs: filtered.len(),
        ..Stats::default()
    };

    // Connected components, each a sorted member list with its pairs.
    let n = table.sizes.len();
    let mut uf = UnionFind::new(n);
    for &(a, b) in &filtered {
        uf.union(a, b);
    }
    let mut members: Vec<(u32, u32)> = filtered
        .iter()
        .flat_map(|&(a, b)| [a, b])
        .map(|d| (uf.find(d), d))
        .collect();
    members.sort_unstable();
    members.dedup();
    let mut edges_by_root: Vec<(u32, u32, u32)> = filtered.iter().map(|&(a, b)| (uf.find(a), a, b)).collect();
    edges_by_root.sort_unstable();
    let mut components: Vec<Component> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < members.len() {
        let root = members[i].0;
        let mut m = Vec::new();
        while i < members.len() && members[i].0 == root {
            m.push(members[i].1);
            i += 1;
        }
        let mut p = Vec::new();
        while j < edges_by_root.len() && edges_by_root[j].0 == root {
            p.push((edges_by_root[j].1, edges_by_root[j].2));
            j += 1;
        }
        components.push((m, p));
    }
    stats.components = components.len();
    if params.verify == Verify::Exact {
        stats.records_reread = members.len();
    }

    let results: Vec<Result<(Vec<Cluster>, usize)>> = components
        .par_iter()
        .map_init(Shingler::default, |shingler, (m, p)| {
            let sizes = |a: u32, b: u32| (table.sizes[a as usize], table.sizes[b as usize]);
            // Exact verification reads the sets anyway, so "which record is smaller" (the one a
            // containment removes) comes from their exact sizes; the signing pass only estimates
            // sizes (it counts repeated shingles), which is enough for the filter above.
            let mut member_sizes: Vec<u32> = m.iter().map(|&d| table.sizes[d as usize]).collect();
            let mut measure: Box<dyn FnMut(u32, u32) -> Similarity> = match params.verify {
                Verify::Estimate => Box::new(|a, b| {
                    let j = estimate_jaccard(table.sig(a), table.sig(b));
                    let (sa, sb) = sizes(a, b);
                    Similarity {
                        jaccard: j,
                        containment: containment_from_jaccard(j, sa, sb),
                    }
                }),
                Verify::Exact => {
                    let mut sets = Vec::with_capacity(m.len());
                    for &d in m {
                        let text = reader.text(&table.spans[d as usize], &params.id_field, &params.text_field)?;
                        sets.push(shingler.set(&text, params.shingle, params.seed));
                    }
                    member_sizes = sets.iter().map(|s| s.len().min(u32::MAX as usize) as u32).collect();
                    Box::new(move |a, b| {
                        let sa = &sets[m.binary_search(&a).expect("member")];
                        let sb = &sets[m.binary_search(&b).expect("member")];
                        let inter = intersection_len(sa, sb) as f64;
                        let union = (sa.len() + sb.len()) as f64 - inter;
                        let small = sa.len().min(sb.len()).max(1) as f64;
                        Similarity {
                            jaccard: if union > 0.0 { inter / union } else { 0.0 },
                            containment: inter / small,
                        }
                    })
                }
            };
            let size_of = |d: u32| member_sizes[m.binary_search(&d).expect("member")];
            let smaller = |a: u32, b: u32| {
                if size_of(a) < size_of(b) {
                    a
                } else {
                    b // ties: the later record counts as the smaller
                }
            };
            let edges: Vec<Edge> = p
                .iter()
                .filter_map(|&(a, b)| {
                    let sim = measure(a, b);
                    rule.passes(&sim).map(|_| Edge {
                        a,
                        b,
                        smaller: smaller(a, b),
                        sim,
                    })
                })
                .collect();
            let n_edges = edges.len();
            Ok((assemble(m, &edges, &rule, measure), n_edges))
        })
        .collect();
    let mut clusters = Vec::new();
    for r in results {
        let (c, e) = r?;
        stats.edges += e;
        clusters.extend(c);
    }
    clusters.sort_by_key(|c| c.members[0]);
    Ok((clusters, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

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

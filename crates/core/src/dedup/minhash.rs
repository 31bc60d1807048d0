//! Shingle hashes → a MinHash signature of `num_perm` 32-bit slots.
//!
//! Permutation i maps a shingle hash x to the top 32 bits of `a_i·x + b_i (mod 2^64)` with odd
//! `a_i`: the multiply-shift family, which is 2-universal and vectorizes. `a_i`, `b_i` come from
//! splitmix64 seeded with the run's seed, so a text's signature is the same on every machine,
//! version and thread count unless the seed or `num_perm` changes.

use crate::hash::SplitMix64;

/// Version of the signature format: normalization, shingle hashing and the permutation family.
/// Saved indexes record it; bump it whenever a text's signature changes.
pub const SIGNATURE_VERSION: u32 = 1;

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
        self.update_all(&mut sig, shingles);
        sig
    }

    /// Folds every shingle hash of `shingles` into `sig`: the hot loop of dedup.
    ///
    /// Slots are taken [`LANES`] at a time and kept in registers across all the shingles, so each
    /// shingle costs one vector multiply-add, shift and min per [`LANES`] slots. The same code is
    /// compiled for AVX-512 and AVX2 and picked at run time; it is integer arithmetic, so every
    /// variant gives the same bits.
    pub fn update_all(&self, sig: &mut [u32], shingles: &[u64]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512dq") && std::arch::is_x86_feature_detected!("avx512vl") {
                // SAFETY: the CPU has the features the function is compiled for (checked above).
                unsafe { update_avx512(&self.a, &self.b, sig, shingles) };
                return;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: as above, for AVX2.
                unsafe { update_avx2(&self.a, &self.b, sig, shingles) };
                return;
            }
        }
        update_lanes(&self.a, &self.b, sig, shingles);
    }
}

/// Slots processed together in [`MinHasher::update_all`].
pub const LANES: usize = 16;

#[inline(always)]
fn update_lanes(a: &[u64], b: &[u64], sig: &mut [u32], xs: &[u64]) {
    let n = sig.len().min(a.len());
    let mut c = 0;
    while c + LANES <= n {
        let aa: [u64; LANES] = a[c..c + LANES].try_into().expect("LANES slots");
        let bb: [u64; LANES] = b[c..c + LANES].try_into().expect("LANES slots");
        let mut m = [u32::MAX; LANES];
        for &x in xs {
            for l in 0..LANES {
                let v = (aa[l].wrapping_mul(x).wrapping_add(bb[l]) >> 32) as u32;
                m[l] = m[l].min(v);
            }
        }
        for (s, v) in sig[c..c + LANES].iter_mut().zip(m) {
            *s = (*s).min(v);
        }
        c += LANES;
    }
    for i in c..n {
        for &x in xs {
            sig[i] = sig[i].min((a[i].wrapping_mul(x).wrapping_add(b[i]) >> 32) as u32);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl")]
unsafe fn update_avx512(a: &[u64], b: &[u64], sig: &mut [u32], xs: &[u64]) {
    update_lanes(a, b, sig, xs)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn update_avx2(a: &[u64], b: &[u64], sig: &mut [u32], xs: &[u64]) {
    update_lanes(a, b, sig, xs)
}

/// A signature slot as the engine holds it after signing: the low 16 bits of the MinHash value
/// (b-bit MinHash, Li & König 2010). Half the memory of the whole value; two different minima
/// agree on their low 16 bits with probability 2^-16, which [`estimate_stored`] takes out, and
/// which adds about one false candidate pair in 10^8 at the default banding.
pub type Slot = u16;

/// The stored form of a signature's slots.
pub fn compact(sig: &[u32]) -> impl Iterator<Item = Slot> + '_ {
    sig.iter().map(|&v| v as Slot)
}

/// The Jaccard similarity estimated from two stored signatures: the share of equal slots less
/// the chance agreement of 16-bit remainders, `(m − 2^-16) / (1 − 2^-16)`, clamped to [0, 1].
pub fn estimate_stored(a: &[Slot], b: &[Slot]) -> f64 {
    debug_assert_eq!(a.len(), b.len());
    let same = a.iter().zip(b).filter(|(x, y)| x == y).count();
    let chance = 1.0 / 65536.0;
    ((same as f64 / a.len() as f64 - chance) / (1.0 - chance)).clamp(0.0, 1.0)
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
    fn every_kernel_gives_the_same_bits() {
        let h = MinHasher::new(130, 9); // not a multiple of LANES: the tail loop runs too
        let xs: Vec<u64> = (0..1000u64).map(crate::hash::mix64).collect();
        let mut one_by_one = vec![u32::MAX; 130];
        for &x in &xs {
            h.update(&mut one_by_one, x);
        }
        let mut generic = vec![u32::MAX; 130];
        update_lanes(&h.a, &h.b, &mut generic, &xs);
        assert_eq!(h.sign(&xs), one_by_one);
        assert_eq!(generic, one_by_one);
    }

    #[test]
    fn identical_sets_estimate_one() {
        let h = MinHasher::new(128, 1);
        let a: Vec<u64> = (0..100).collect();
        assert_eq!(estimate_jaccard(&h.sign(&a), &h.sign(&a)), 1.0);
    }

    #[test]
    fn stored_slots_estimate_as_the_whole_ones() {
        let h = MinHasher::new(128, 3);
        let a: Vec<u64> = (0..300).collect();
        let b: Vec<u64> = (100..400).collect(); // J = 200 / 400
        let (sa, sb) = (h.sign(&a), h.sign(&b));
        let (ca, cb): (Vec<Slot>, Vec<Slot>) = (compact(&sa).collect(), compact(&sb).collect());
        assert!((estimate_stored(&ca, &cb) - estimate_jaccard(&sa, &sb)).abs() < 0.02);
        assert_eq!(estimate_stored(&ca, &ca), 1.0);
    }
}

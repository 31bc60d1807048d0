//! Shingle hashes → a MinHash signature of `num_perm` 32-bit slots, in O(shingles + num_perm)
//! time, with no vector instructions needed.
//!
//! # The sketch (signature format [`SIGNATURE_VERSION`] = 2)
//!
//! Fast similarity sketching (Dahlgaard, Knudsen and Thorup, "Fast Similarity Sketching", FOCS
//! 2017), with K = `num_perm` slots ("bins"). Every shingle throws one ball per round
//! r = 0, 1, 2, …, 2K − 1: in round r < K into a bin picked at random, in round r ≥ K into bin
//! (o + r) mod K, where o is the bin of its round 0, so that by round 2K − 1 every bin has had a
//! ball. A ball's value is (r, a random fraction), rounds first; a slot holds the smallest value of
//! the balls in its bin. Rounds run until every bin holds a ball; later rounds could not change a
//! slot (their values are larger), so a signature depends only on the set of shingles, never on
//! their order, repeats or how many rounds ran.
//!
//! Two sets' slots agree with probability exactly their Jaccard similarity J (the smallest ball
//! of a bin over A ∪ B belongs to a uniformly random element, and the slots agree when it is in
//! A ∩ B), so [`estimate_jaccard`] is unbiased as before. A set of n ≥ K ln K shingles fills every
//! bin in a round or two, so a news article costs about one hash and two scatter-mins per shingle
//! instead of K multiply-adds; a short text runs more rounds (at most 2K), so its cost stays near
//! that of the classic sketch. Its bins are filled without replacement, so the estimate's spread
//! is at most that of K independent permutations at every set size, and well below it for short
//! texts (asserted in tests/properties.rs).
//!
//! Concretely, with `key` drawn from splitmix64 seeded with the run's seed, a shingle hash x gives
//! z = mix64(x ⊕ key); rounds 2p and 2p + 1 use the high and low 32 bits h of y_p, where y_0 = z
//! and y_p = mix64(z + p·0x9E3779B97F4A7C15) for p ≥ 1. From h: bin = ⌊h·K / 2^32⌋ (in rounds
//! r ≥ K, (bin of round 0 + r) mod K instead), and the fraction is the low 32 bits of h·K (where h
//! falls within its bin). The slot value is r in the top R bits, R being the number of bits of 2K
//! (9 at K = 128, so no value is `u32::MAX`, the mark of an empty slot), then the top 32 − R bits
//! of the fraction.
//!
//! # Why this sketch (issue 15)
//!
//! The previous sketch (format 1) computed K multiply-shift permutations, `(a_i·x + b_i) >> 32`
//! over u64, per shingle: 0.86 of the 2.3 thread-seconds of a 100 MB run on an AVX2 machine,
//! because AVX2 has no 64-bit multiply. Measured per shingle (128 slots, thread CPU time,
//! results/2026-12-06-signature-avx2.md): that family 27.4 ns with AVX2, 12.7 ns with AVX-512,
//! 57.6 ns without vector instructions; 32-bit `a_i·x + b_i mod 2^32` 4.6 ns with AVX2 but 33 ns
//! without; one-permutation hashing with optimal densification 2.7 ns, but its estimate spreads
//! 11–35 % wider than K permutations below about 40 shingles; this sketch 4.5 ns at every level,
//! with 0.70–0.99 of the spread of K permutations and the same LSH recall at the threshold.
//!
//! The same signature on every machine, version and thread count, unless the seed, `num_perm` or
//! [`SIGNATURE_VERSION`] changes.

use crate::hash::{mix64, SplitMix64};

/// The signature format: which shingle hashes and which sketch make a signature. Signatures of
/// different versions cannot be compared; a saved index records it, so bump it whenever a
/// text's signature changes.
///
/// - 1: XXH3 word hashes, K multiply-shift permutations over u64 (up to commit 69122f8).
/// - 2: [`crate::hash::word_hash`] word hashes, fast similarity sketching (this module).
pub const SIGNATURE_VERSION: u32 = 2;

/// The increment between the hashes of successive pairs of rounds (splitmix64's).
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// The sketch of one run: its number of slots and its key.
#[derive(Debug, Clone)]
pub struct MinHasher {
    num_perm: usize,
    key: u64,
}

impl MinHasher {
    /// A sketch of `num_perm` slots keyed by `seed`.
    pub fn new(num_perm: usize, seed: u64) -> MinHasher {
        let mut g = SplitMix64::new(seed ^ 0x4D49_4E48_4153_4800);
        MinHasher {
            num_perm,
            key: g.next(),
        }
    }

    /// Number of slots of a signature.
    pub fn num_perm(&self) -> usize {
        self.num_perm
    }

    /// The signature of a set of shingle hashes (repeats and order do not matter).
    pub fn sign(&self, shingles: &[u64]) -> Vec<u32> {
        let mut sig = vec![u32::MAX; self.num_perm];
        self.sign_into(&mut sig, shingles);
        sig
    }

    /// Writes the signature of `shingles` into `sig` (`num_perm` slots): the hot loop of dedup.
    /// An empty set gives `u32::MAX` in every slot.
    ///
    /// # Panics
    /// If `sig` does not have `num_perm` slots.
    pub fn sign_into(&self, sig: &mut [u32], shingles: &[u64]) {
        assert_eq!(sig.len(), self.num_perm, "a signature has num_perm slots");
        sig.fill(u32::MAX);
        let k = self.num_perm as u64;
        if shingles.is_empty() || k == 0 {
            return;
        }
        let rounds = 2 * k;
        let round_bits = 64 - rounds.leading_zeros();
        let key = self.key;
        // Rounds 0 and 1 from one hash per shingle: most texts need no more.
        for &x in shingles {
            let z = mix64(x ^ key);
            let first = bin_of((z >> 32) as u32, k);
            throw(sig, k, (z >> 32) as u32, 0, round_bits, first);
            throw(sig, k, z as u32, 1, round_bits, first);
        }
        let mut r = 2;
        while r < rounds && sig.iter().fold(false, |empty, &v| empty | (v == u32::MAX)) {
            let step = (r / 2).wrapping_mul(GAMMA);
            for &x in shingles {
                let z = mix64(x ^ key);
                let first = bin_of((z >> 32) as u32, k);
                let y = mix64(z.wrapping_add(step));
                throw(sig, k, (y >> 32) as u32, r, round_bits, first);
                throw(sig, k, y as u32, r + 1, round_bits, first);
            }
            r += 2;
        }
    }
}

/// The bin of 32 random bits among `k`: ⌊h·k / 2^32⌋.
#[inline(always)]
fn bin_of(h: u32, k: u64) -> u64 {
    (u64::from(h) * k) >> 32
}

/// One ball of round `r` from the 32 random bits `h`, into `sig` of `k` slots; `first` is the
/// bin of the shingle's round 0.
#[inline(always)]
fn throw(sig: &mut [u32], k: u64, h: u32, r: u64, round_bits: u32, first: u64) {
    let p = u64::from(h) * k;
    let mut bin = p >> 32;
    if r >= k {
        // The second half of the rounds visits every bin once: bin (first + r) mod k.
        bin = first + (r - k);
        if bin >= k {
            bin -= k;
        }
    }
    let value = ((r as u32) << (32 - round_bits)) | ((p as u32) >> round_bits);
    let slot = &mut sig[bin as usize];
    *slot = (*slot).min(value);
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

    /// The sketch as specified, one round at a time, stopping after the first round that leaves
    /// no bin empty: what [`MinHasher::sign_into`] must equal.
    fn reference(h: &MinHasher, xs: &[u64]) -> Vec<u32> {
        let k = h.num_perm as u64;
        let mut sig = vec![u32::MAX; h.num_perm];
        if xs.is_empty() {
            return sig;
        }
        let round_bits = 64 - (2 * k).leading_zeros();
        for r in 0..2 * k {
            for &x in xs {
                let z = mix64(x ^ h.key);
                let y = if r < 2 {
                    z
                } else {
                    mix64(z.wrapping_add((r / 2).wrapping_mul(GAMMA)))
                };
                let hh = if r % 2 == 0 { (y >> 32) as u32 } else { y as u32 };
                let p = u64::from(hh) * k;
                let bin = if r < k {
                    p >> 32
                } else {
                    (((u64::from((z >> 32) as u32) * k) >> 32) + r) % k
                };
                let v = ((r as u32) << (32 - round_bits)) | ((p as u32) >> round_bits);
                sig[bin as usize] = sig[bin as usize].min(v);
            }
            if sig.iter().all(|&v| v != u32::MAX) {
                break;
            }
        }
        sig
    }

    #[test]
    fn matches_the_round_by_round_reference() {
        for (k, n) in [
            (128, 0),
            (128, 1),
            (128, 2),
            (128, 7),
            (128, 150),
            (128, 2000),
            (1, 3),
            (3, 1),
            (130, 40),
            (1024, 5),
        ] {
            let h = MinHasher::new(k, 9);
            let xs: Vec<u64> = (0..n as u64).map(crate::hash::mix64).collect();
            let sig = h.sign(&xs);
            assert_eq!(sig, reference(&h, &xs), "k {k} n {n}");
            if n > 0 {
                assert!(sig.iter().all(|&v| v != u32::MAX), "k {k} n {n}: every slot filled");
            }
        }
    }

    #[test]
    fn golden_signature() {
        // Pins the sketch: a change here changes every saved signature.
        let h = MinHasher::new(4, 42);
        let sig = h.sign(&[1, 2, 3]);
        assert_eq!(sig, MinHasher::new(4, 42).sign(&[3, 2, 1, 1]));
        assert_eq!(sig, [63_978_601, 215_109_229, 1_596_641_838, 179_594_959]);
        assert_ne!(sig, MinHasher::new(4, 43).sign(&[1, 2, 3]));
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

//! The one stable, seeded hash behind every value that can reach output: word and shingle hashes,
//! MinHash permutations and LSH band keys.
//!
//! XXH3-64 is fully specified and gives the same bits on every platform and version, unlike
//! ahash or `std`'s `RandomState` (per-process) and `StdRng` (not reproducible across versions).
//! The permutation parameters come from splitmix64, a named generator with a published output.
//!
//! Words are hashed by [`word_hash`] instead (signature format 2): the word hash runs once per
//! word of every text, and a word of up to 16 bytes (almost every word) costs one 64×64→128-bit
//! multiply with no branch on its length, where XXH3's short-input paths branch on 1–3, 4–8 and
//! 9–16 bytes. It is defined on the normalized word's UTF-8 bytes only, so the tokenizer can
//! compute it straight from ASCII input ([`word_hash_ascii`]) without writing the lower-cased
//! word anywhere; the two agree bit for bit (tested).

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// XXH3-64 of `bytes` with `seed`.
#[inline]
pub fn hash_bytes(bytes: &[u8], seed: u64) -> u64 {
    xxh3_64_with_seed(bytes, seed)
}

/// The streaming XXH3-64 state that [`hasher`] returns.
pub type Hasher = xxhash_rust::xxh3::Xxh3;

/// XXH3-64 with `seed` over bytes given in pieces: the same value as [`hash_bytes`] of them all.
pub fn hasher(seed: u64) -> Hasher {
    xxhash_rust::xxh3::Xxh3::with_seed(seed)
}

/// Keys of [`word_hash`]. Each has 0xFF as its lowest byte: a word's first byte (and its ninth)
/// is never 0xFF (not UTF-8) nor a padding 0x00, so neither multiplicand is ever zero.
const WORD_K0: u64 = 0x243F_6A88_85A3_08FF;
const WORD_K1: u64 = 0x1319_8A2E_0370_73FF;
/// Starts the chain of [`word_hash`] for words over 16 bytes.
const WORD_K2: u64 = 0xA409_3822_299F_31D0;

/// The 128-bit product of `a` and `b`, folded to 64 bits by XOR of its halves (wyhash's "mum").
#[inline(always)]
fn fold_mul(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// The hash of one normalized word (its UTF-8 bytes), for word shingles (signature format 2).
///
/// A word of up to 16 bytes is read as two little-endian u64 `lo`, `hi` zero-padded (words never
/// contain a 0x00 byte, so the padding is unambiguous) and hashed as
/// `fold(lo ^ K0, hi ^ K1)`, where `fold(a, b)` XORs the two halves of the 128-bit product. A
/// longer word chains that over its 16-byte blocks, the last block taken as the word's final 16
/// bytes (overlapping the one before, as XXH3 does), starting from `K2 ^ len`. Unseeded: the
/// run's seed enters the shingle hash at its end (see `shingle.rs`).
pub fn word_hash(w: &[u8]) -> u64 {
    let n = w.len();
    if n <= 16 {
        let mut buf = [0u8; 16];
        buf[..n].copy_from_slice(w);
        let (lo, hi) = buf.split_at(8);
        let lo = u64::from_le_bytes(lo.try_into().expect("8 bytes"));
        let hi = u64::from_le_bytes(hi.try_into().expect("8 bytes"));
        return fold_mul(lo ^ WORD_K0, hi ^ WORD_K1);
    }
    long_word_hash(n, |i| u64::from_le_bytes(w[i..i + 8].try_into().expect("8 bytes")))
}

/// [`word_hash`] of a word over 16 bytes whose little-endian u64 at byte `i` is `read(i)`.
#[inline(always)]
fn long_word_hash(n: usize, read: impl Fn(usize) -> u64) -> u64 {
    let mut acc = WORD_K2 ^ n as u64;
    let mut i = 0;
    while n - i > 16 {
        acc = fold_mul(read(i) ^ WORD_K0 ^ acc, read(i + 8) ^ WORD_K1);
        i += 16;
    }
    fold_mul(read(n - 16) ^ WORD_K0 ^ acc, read(n - 8) ^ WORD_K1)
}

/// Every byte's 0x20 bit: OR-ing it lower-cases ASCII letters and leaves ASCII digits as they are.
const LOWER: u64 = 0x2020_2020_2020_2020;

/// [`word_hash`] of `text[start..end]` lower-cased, where those bytes are all ASCII letters and
/// digits (what the ASCII tokenizer finds): the word is lower-cased as it is loaded, eight bytes
/// at a time, and bytes past its end are masked off, so nothing is copied. Reads up to 16 bytes
/// from `start` when the text has them.
#[inline(always)]
pub fn word_hash_ascii(text: &[u8], start: usize, end: usize) -> u64 {
    let n = end - start;
    debug_assert!(n > 0 && text[start..end].iter().all(u8::is_ascii_alphanumeric));
    if n <= 16 {
        let block: u128 = match text.get(start..start + 16) {
            Some(b) => u128::from_le_bytes(b.try_into().expect("16 bytes")),
            None => {
                let mut buf = [0u8; 16];
                buf[..n].copy_from_slice(&text[start..end]);
                u128::from_le_bytes(buf)
            }
        };
        // Keep the word's n bytes (1 <= n <= 16, so the shift is at most 120).
        let block = (block | (u128::from(LOWER) << 64 | u128::from(LOWER))) & (u128::MAX >> (128 - 8 * n));
        return fold_mul(block as u64 ^ WORD_K0, (block >> 64) as u64 ^ WORD_K1);
    }
    let w = &text[start..end];
    long_word_hash(n, |i| {
        u64::from_le_bytes(w[i..i + 8].try_into().expect("8 bytes")) | LOWER
    })
}

/// The splitmix64 generator: a stable stream of 64-bit values from a seed.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator starting at `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next value of the stream.
    #[expect(clippy::should_implement_trait, reason = "a generator, not an iterator that ends")]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix64(self.0)
    }
}

/// The splitmix64 finaliser: a bijective mixer of 64-bit values.
#[inline]
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Golden vectors: if one of these changes, every saved signature changes; bump the format
    // version and say so in the changelog rather than editing the numbers.
    #[test]
    fn xxh3_golden() {
        assert_eq!(hash_bytes(b"", 0), 0x2D06_8005_38D3_94C2);
        assert_eq!(hash_bytes(b"storydup", 42), hash_bytes(b"storydup", 42));
        assert_ne!(hash_bytes(b"storydup", 42), hash_bytes(b"storydup", 43));
    }

    #[test]
    fn word_hash_golden() {
        // Pins the word hash of signature format 2 (see `minhash::SIGNATURE_VERSION`).
        let got = [
            word_hash(b"a"),
            word_hash(b"kursk"),
            word_hash(b"0123456789abcdef"),
            word_hash("déjà".as_bytes()),
            word_hash(b"internationalization"),
        ];
        let want = [
            0x4604_d87c_c5eb_02ee,
            0x8c2e_fb1b_adc0_fb5a,
            0xefe7_6743_3dbb_245f,
            0x53f1_2f35_912f_693a,
            0xfc2e_c639_bd31_a4c9,
        ];
        assert_eq!(got, want, "{got:#018x?}");
    }

    #[test]
    fn word_hash_ascii_lower_cases_and_stops_at_the_end() {
        // Every length 1..=40, at every offset, with letters of both cases after the word.
        let text = b"AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrStUvWxYz";
        for start in 0..text.len() {
            for end in start + 1..=text.len().min(start + 40) {
                let lower = text[start..end].to_ascii_lowercase();
                assert_eq!(word_hash_ascii(text, start, end), word_hash(&lower), "{start}..{end}");
            }
        }
        // Different words, including prefixes of one another and lengths 8, 16 and 17.
        let words = [
            "a",
            "ab",
            "abcdefgh",
            "abcdefghi",
            "abcdefghijklmnop",
            "abcdefghijklmnopq",
            "b",
        ];
        let hashes: std::collections::HashSet<u64> = words.iter().map(|w| word_hash(w.as_bytes())).collect();
        assert_eq!(hashes.len(), words.len());
    }

    #[test]
    fn splitmix_golden() {
        // Published first outputs of splitmix64 seeded with 0.
        let mut g = SplitMix64::new(0);
        assert_eq!(g.next(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(g.next(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(g.next(), 0x06C4_5D18_8009_454F);
    }
}

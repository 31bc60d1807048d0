//! Normalized text → shingle hashes (u64), without allocating per shingle.
//!
//! A word shingle's hash is a polynomial over the n word hashes ([`crate::hash::word_hash`]),
//! updated in O(1) as the window rolls, then mixed with the seed. A text shorter than one shingle
//! yields one shingle: all its words (so every non-empty text has a signature). An empty text
//! yields none. Word shingles never need the normalized text: the words are hashed as they are
//! found ([`crate::normalize::hash_words`]). Character shingles hash the normalized text's
//! n-character windows with XXH3.

use crate::hash::{hash_bytes, mix64};
use crate::normalize::{hash_words, normalize_into};
use crate::params::Shingle;

/// Odd multiplier of the rolling polynomial.
const P: u64 = 0x9E37_79B9_7F4A_7C15;

/// Reusable buffers for shingling one text after another on one thread.
///
/// Shingling runs in two steps that can be timed apart: [`Shingler::prepare`] normalizes the
/// text (for word shingles: into the hashes of its words; for character shingles: into the
/// normalized text), and [`Shingler::shingles`] rolls those into shingle hashes.
/// [`Shingler::for_each`] does both.
#[derive(Debug, Default)]
pub struct Shingler {
    /// The kind the last [`Shingler::prepare`] was for.
    prepared: Option<Shingle>,
    /// Word hashes of the last text prepared for word shingles.
    words: Vec<u64>,
    scratch: Vec<u8>,
    /// The normalized text of the last text prepared for character shingles: words joined by
    /// single spaces.
    norm: Vec<u8>,
    /// Where each word of `norm` ends (exclusive byte offset).
    ends: Vec<usize>,
    /// Open-addressing table for [`Shingler::distinct`] (0 marks an empty slot).
    table: Vec<u64>,
    distinct: Vec<u64>,
}

impl Shingler {
    /// Normalizes `text` for shingles of `kind` (see [`crate::normalize`]) into this shingler's
    /// buffers, for [`Shingler::shingles`]; returns the number of words.
    ///
    /// For word shingles this finds and hashes the words ([`hash_words`]); for character
    /// shingles it writes the normalized text.
    pub fn prepare(&mut self, text: &str, kind: Shingle) -> usize {
        self.prepared = Some(kind);
        match kind {
            Shingle::Word(_) => {
                self.words.clear();
                hash_words(text, &mut self.scratch, &mut self.words);
                self.words.len()
            }
            Shingle::Char(_) => {
                normalize_into(text, &mut self.scratch, &mut self.norm, &mut self.ends);
                self.ends.len()
            }
        }
    }

    /// Calls `f` with each shingle hash of the text last given to [`Shingler::prepare`]
    /// (repeats included, in text order). Returns the number of shingles produced.
    fn for_each_prepared(&mut self, kind: Shingle, seed: u64, mut f: impl FnMut(u64)) -> usize {
        debug_assert_eq!(
            std::mem::discriminant(&kind),
            std::mem::discriminant(&self.prepared.expect("prepare() first")),
            "shingles of one kind from a text prepared for the other"
        );
        match kind {
            Shingle::Word(n) => word_shingles(&self.words, n, seed, f),
            Shingle::Char(n) => {
                let s = std::str::from_utf8(&self.norm).expect("words are built from whole chars");
                if s.is_empty() {
                    return 0;
                }
                let starts: Vec<usize> = s.char_indices().map(|(i, _)| i).collect();
                if starts.len() <= n {
                    f(hash_bytes(s.as_bytes(), seed));
                    return 1;
                }
                let mut count = 0;
                for i in 0..=starts.len() - n {
                    let end = starts.get(i + n).copied().unwrap_or(s.len());
                    f(hash_bytes(&s.as_bytes()[starts[i]..end], seed));
                    count += 1;
                }
                count
            }
        }
    }

    /// Every shingle hash of the text last given to [`Shingler::prepare`] (with the same kind),
    /// repeats included, in text order (a reused buffer).
    pub fn shingles(&mut self, kind: Shingle, seed: u64) -> &[u64] {
        let mut all = std::mem::take(&mut self.distinct);
        all.clear();
        match kind {
            // The hot path of signing: one `extend`, not a push per shingle.
            Shingle::Word(n) if matches!(self.prepared, Some(Shingle::Word(_))) => {
                word_shingles_into(&self.words, n, seed, &mut all)
            }
            _ => {
                self.for_each_prepared(kind, seed, |h| all.push(h));
            }
        }
        self.distinct = all;
        &self.distinct
    }

    /// Calls `f` with each shingle hash of `text` (repeats included, in text order).
    /// Returns the number of shingles produced.
    pub fn for_each(&mut self, text: &str, kind: Shingle, seed: u64, f: impl FnMut(u64)) -> usize {
        self.prepare(text, kind);
        self.for_each_prepared(kind, seed, f)
    }

    /// Every shingle hash of `text`, repeats included, in text order (a reused buffer).
    pub fn all(&mut self, text: &str, kind: Shingle, seed: u64) -> &[u64] {
        self.prepare(text, kind);
        self.shingles(kind, seed)
    }

    /// The distinct shingle hashes of `text`, in first-seen order: what signing needs (the set and
    /// its size) without the cost of sorting, through a reused open-addressing table.
    pub fn distinct(&mut self, text: &str, kind: Shingle, seed: u64) -> &[u64] {
        let mut all = std::mem::take(&mut self.distinct);
        all.clear();
        self.for_each(text, kind, seed, |h| all.push(h));
        let want = (all.len() * 2).next_power_of_two().max(16);
        if self.table.len() < want {
            self.table = vec![0; want];
        }
        let mask = want - 1;
        let table = &mut self.table[..want];
        let mut kept = 0;
        for i in 0..all.len() {
            // 0 is the empty mark; the one shingle hash equal to 0 is stored as 1 in the table
            // only (the list keeps the real value).
            let h = all[i];
            let key = h.max(1);
            let mut slot = (mix64(key) as usize) & mask;
            loop {
                if table[slot] == 0 {
                    table[slot] = key;
                    all[kept] = h;
                    kept += 1;
                    break;
                }
                if table[slot] == key {
                    break;
                }
                slot = (slot + 1) & mask;
            }
        }
        all.truncate(kept);
        // Clear only what was used, so a long text does not make every later one pay.
        if want * 8 > kept.max(1) * 64 {
            table.fill(0);
        } else {
            for &h in &all {
                let key = h.max(1);
                let mut slot = (mix64(key) as usize) & mask;
                while table[slot] != 0 {
                    table[slot] = 0;
                    slot = (slot + 1) & mask;
                }
            }
        }
        self.distinct = all;
        &self.distinct
    }

    /// The sorted, deduplicated shingle set of `text`.
    pub fn set(&mut self, text: &str, kind: Shingle, seed: u64) -> Vec<u64> {
        let mut out = Vec::new();
        self.prepare(text, kind);
        match kind {
            Shingle::Word(n) => word_shingles_into(&self.words, n, seed, &mut out),
            Shingle::Char(_) => {
                self.for_each_prepared(kind, seed, |h| out.push(h));
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// Calls `f` with the hash of each word `n`-gram of the word hashes `words`, in order (one for
/// all of them when there are fewer than `n`, none when there are none); returns how many.
pub fn word_shingles(words: &[u64], n: usize, seed: u64, mut f: impl FnMut(u64)) -> usize {
    let salt = mix64(seed ^ 0x5348_494E_474C_4500);
    if words.is_empty() {
        return 0;
    }
    if words.len() < n {
        // A short text is one shingle of all its words; its length is mixed in so that it cannot
        // equal a full-length shingle.
        let h = words
            .iter()
            .fold(words.len() as u64, |h, &w| h.wrapping_mul(P).wrapping_add(w));
        f(mix64(h ^ salt));
        return 1;
    }
    // P^(n-1), to take the oldest word out of the window.
    let top = (1..n).fold(1u64, |acc, _| acc.wrapping_mul(P));
    let mut h = words[..n].iter().fold(0u64, |h, &w| h.wrapping_mul(P).wrapping_add(w));
    f(mix64(h ^ salt));
    for i in n..words.len() {
        h = h
            .wrapping_sub(words[i - n].wrapping_mul(top))
            .wrapping_mul(P)
            .wrapping_add(words[i]);
        f(mix64(h ^ salt));
    }
    words.len() - n + 1
}

/// Appends the hashes [`word_shingles`] gives to `out`, with one `extend` over the windows (the
/// vector's length stays in a register; a push per shingle stores and reloads it).
pub fn word_shingles_into(words: &[u64], n: usize, seed: u64, out: &mut Vec<u64>) {
    if n == 0 || words.len() < n {
        word_shingles(words, n, seed, |h| out.push(h));
        return;
    }
    let salt = mix64(seed ^ 0x5348_494E_474C_4500);
    let top = (1..n).fold(1u64, |acc, _| acc.wrapping_mul(P));
    let mut h = words[..n].iter().fold(0u64, |h, &w| h.wrapping_mul(P).wrapping_add(w));
    out.reserve(words.len() - n + 1);
    out.push(mix64(h ^ salt));
    out.extend(words.iter().zip(&words[n..]).map(|(&old, &new)| {
        h = h.wrapping_sub(old.wrapping_mul(top)).wrapping_mul(P).wrapping_add(new);
        mix64(h ^ salt)
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str, kind: Shingle) -> Vec<u64> {
        Shingler::default().set(text, kind, 7)
    }

    #[test]
    fn rolling_equals_direct() {
        // Same 5-gram at different positions and in different texts hashes the same.
        let a = set("one two three four five", Shingle::Word(5));
        let b = set("zero one two three four five six", Shingle::Word(5));
        assert_eq!(a.len(), 1);
        assert_eq!(b.len(), 3);
        assert!(b.contains(&a[0]));
    }

    #[test]
    fn counts_and_short_texts() {
        assert_eq!(set("a b c d e f g", Shingle::Word(5)).len(), 3);
        assert_eq!(set("a b", Shingle::Word(5)).len(), 1);
        assert_ne!(set("a b", Shingle::Word(5)), set("a b c", Shingle::Word(5)));
        assert!(set("  ..  ", Shingle::Word(5)).is_empty());
        assert_eq!(set("abcdefgh", Shingle::Char(7)).len(), 2);
        assert_eq!(set("abc", Shingle::Char(7)).len(), 1);
    }

    #[test]
    fn normalization_applies() {
        assert_eq!(
            set("The CAT, sat on the mat!", Shingle::Word(3)),
            set("the cat sat on the mat", Shingle::Word(3))
        );
    }

    #[test]
    fn distinct_equals_set() {
        let mut sh = Shingler::default();
        for text in [
            "a b c a b c a b c d",
            "one",
            "",
            "x y z w v u t s r q p o n m l k j i h g f e d c b a",
        ] {
            let mut d = sh.distinct(text, Shingle::Word(2), 3).to_vec();
            d.sort_unstable();
            assert_eq!(d, sh.set(text, Shingle::Word(2), 3));
        }
    }

    #[test]
    fn word_shingles_into_matches_word_shingles() {
        let words: Vec<u64> = (0..40u64).map(mix64).collect();
        for n in 0..8 {
            for len in 0..words.len() {
                let mut a = Vec::new();
                let count = word_shingles(&words[..len], n, 9, |h| a.push(h));
                let mut b = vec![1];
                word_shingles_into(&words[..len], n, 9, &mut b);
                assert_eq!((count, &a[..]), (b.len() - 1, &b[1..]), "n {n} len {len}");
            }
        }
    }
}

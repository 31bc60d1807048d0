//! What "the same text" means: Unicode NFKC, lower case, and every run of characters that are not
//! letters or digits (punctuation, symbols, whitespace, `_`) folded into one word break.
//!
//! So "Déjà-vu", "DÉJÀ VU" and "déjà… vu" are the same two words, and a full-width "ＡＢＣ" is
//! "abc". Letters and digits are Unicode's (`char::is_alphanumeric`), so every script works; texts
//! in scripts without spaces (Chinese, Japanese, Thai) become one long word per run, for which
//! `--shingle char:N` is the right choice.
//!
//! Pure-ASCII text (most of most corpora) takes a byte-level fast path that gives exactly the same
//! words as the Unicode path (NFKC and lower-casing leave ASCII letters and digits as they are).
//!
//! Signing does not need the words themselves, only their hashes: [`hash_words`] finds the words
//! and hashes them in one pass, without writing the normalized text or any word anywhere when the
//! text is ASCII. It finds word boundaries 64 bytes at a time (a bit mask of the letters and
//! digits, made with AVX2 or eight bytes per u64 step, whichever [`Level`] runs: the same mask at
//! every level), then hashes each word straight from the input, lower-casing it as it is loaded
//! ([`word_hash_ascii`]). Text with other characters is cut into ASCII runs, which take the
//! same path, and non-ASCII runs, which are checked for NFKC (`is_nfkc_quick`, run by run) and
//! decoded where they stand; a text that is not already NFKC takes the general path, NFKC first.
//! The words, and so their hashes, are exactly those of [`for_each_word`] (a property test
//! compares them on random Unicode text).

use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

use crate::hash::{word_hash, word_hash_ascii};
use crate::simd::Level;

/// Calls `f` with each normalized word of `text`, in order, as UTF-8 bytes.
///
/// `scratch` is reused between calls so that no word allocates.
pub fn for_each_word(text: &str, scratch: &mut Vec<u8>, f: impl FnMut(&[u8])) {
    if text.is_ascii() {
        for_each_ascii_word(text.as_bytes(), scratch, f);
        return;
    }
    scratch.clear();
    // Most non-ASCII news text (curly quotes, accented names) is already NFKC: skip the
    // decomposition and recomposition when Unicode's quick check says so.
    if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        mixed_words(text, scratch, f);
    } else {
        unicode_words(text.nfkc(), scratch, f);
    }
}

/// Replaces `out` with the normalized text (its words joined by single spaces, as [`normalize`]
/// gives it) and `ends` with the end offset of each word in `out`.
///
/// The same words as [`for_each_word`]; pure-ASCII text is written in one table-driven pass.
pub fn normalize_into(text: &str, scratch: &mut Vec<u8>, out: &mut Vec<u8>, ends: &mut Vec<usize>) {
    out.clear();
    ends.clear();
    if text.is_ascii() {
        ascii_into(text.as_bytes(), out, ends);
        return;
    }
    for_each_word(text, scratch, |w| {
        if !out.is_empty() {
            out.push(b' ');
        }
        out.extend_from_slice(w);
        ends.push(out.len());
    });
}

/// ASCII letters and digits, lower-cased; 0 for every other byte (a word break).
static ASCII_WORD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() {
            t[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    t
};

/// [`normalize_into`] for ASCII text: one pass, every byte looked up once, and no branch that
/// depends on the text (a word boundary every few bytes would otherwise mispredict each time).
fn ascii_into(bytes: &[u8], out: &mut Vec<u8>, ends: &mut Vec<usize>) {
    // The output is never longer than the input plus one space; there are at most
    // (len + 1) / 2 words, and every byte writes one slot of `ends` (kept or overwritten).
    out.resize(bytes.len() + 1, 0);
    ends.resize(bytes.len() / 2 + 2, 0);
    // Slices, not the vectors, in the loop: their pointers and lengths then stay in registers.
    let buf = &mut out[..bytes.len() + 1];
    let word_ends = &mut ends[..bytes.len() / 2 + 2];
    let (mut j, mut k, mut in_word) = (0usize, 0usize, false);
    for &b in bytes {
        let c = ASCII_WORD[b as usize];
        let is_word = c != 0;
        // A break right after a word ends it at j.
        word_ends[k] = j;
        k += usize::from(in_word & !is_word);
        // A letter or digit is written; of a run of breaks only the first, as one space.
        buf[j] = if is_word { c } else { b' ' };
        j += usize::from(is_word | in_word);
        in_word = is_word;
    }
    if in_word {
        word_ends[k] = j;
        k += 1;
    } else {
        j = j.saturating_sub(1); // the space after the last word, if any
    }
    out.truncate(j);
    ends.truncate(k);
}

/// Words of NFKC text that is mostly ASCII: ASCII bytes take the byte path, other characters
/// are decoded where they stand. Same words as [`unicode_words`] over `text.chars()`.
fn mixed_words(text: &str, scratch: &mut Vec<u8>, mut f: impl FnMut(&[u8])) {
    let b = text.as_bytes();
    let mut buf = [0u8; 4];
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c < 0x80 {
            if c.is_ascii_alphanumeric() {
                scratch.push(c.to_ascii_lowercase());
            } else if !scratch.is_empty() {
                f(scratch);
                scratch.clear();
            }
            i += 1;
            continue;
        }
        let ch = text[i..].chars().next().expect("i is on a char boundary");
        i += ch.len_utf8();
        if ch.is_alphanumeric() {
            for l in ch.to_lowercase() {
                scratch.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
            }
        } else if !scratch.is_empty() {
            f(scratch);
            scratch.clear();
        }
    }
    if !scratch.is_empty() {
        f(scratch);
        scratch.clear();
    }
}

fn unicode_words(chars: impl Iterator<Item = char>, scratch: &mut Vec<u8>, mut f: impl FnMut(&[u8])) {
    let mut buf = [0u8; 4];
    for c in chars {
        if c.is_alphanumeric() {
            if c.is_ascii() {
                scratch.push(c.to_ascii_lowercase() as u8);
            } else {
                for l in c.to_lowercase() {
                    scratch.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
                }
            }
        } else if !scratch.is_empty() {
            f(scratch);
            scratch.clear();
        }
    }
    if !scratch.is_empty() {
        f(scratch);
        scratch.clear();
    }
}

fn for_each_ascii_word(bytes: &[u8], scratch: &mut Vec<u8>, mut f: impl FnMut(&[u8])) {
    let mut i = 0;
    let n = bytes.len();
    while i < n {
        while i < n && !bytes[i].is_ascii_alphanumeric() {
            i += 1;
        }
        let start = i;
        let mut has_upper = false;
        while i < n && bytes[i].is_ascii_alphanumeric() {
            has_upper |= bytes[i].is_ascii_uppercase();
            i += 1;
        }
        if start < i {
            let word = &bytes[start..i];
            if has_upper {
                scratch.clear();
                scratch.extend(word.iter().map(u8::to_ascii_lowercase));
                f(scratch);
            } else {
                f(word);
            }
        }
    }
}

/// Appends the hash ([`word_hash`]) of each normalized word of `text` to `out`, in order: one
/// for each word [`for_each_word`] gives, without writing the words out (see the module docs).
///
/// `scratch` is reused between calls; it holds the words that contain non-ASCII characters.
pub fn hash_words(text: &str, scratch: &mut Vec<u8>, out: &mut Vec<u64>) {
    hash_words_with(Level::get(), text, scratch, out)
}

/// [`hash_words`] at a given level of vector instructions (for tests and benches; a level the
/// CPU lacks runs the best one below it). Every level gives the same hashes.
pub fn hash_words_with(level: Level, text: &str, scratch: &mut Vec<u8>, out: &mut Vec<u64>) {
    let level = Level::at_most(level);
    let b = text.as_bytes();
    if text.is_ascii() {
        if let Some(start) = ascii_words(level, b, 0, b.len(), out) {
            out.push(word_hash_ascii(b, start, b.len()));
        }
        return;
    }
    let before = out.len();
    if !mixed_hash_words(level, text, scratch, out) {
        // Not NFKC already: normalize it all, as `for_each_word` does.
        out.truncate(before);
        scratch.clear();
        unicode_words(text.nfkc(), scratch, |w| out.push(word_hash(w)));
    }
}

/// [`hash_words`] of text with non-ASCII characters, as long as it is NFKC: returns false, with
/// some words already pushed, at the first run of non-ASCII characters that `is_nfkc_quick` does
/// not pass. Quick-check state restarts at every ASCII character, so the runs pass one by one
/// exactly when the whole text passes.
fn mixed_hash_words(level: Level, text: &str, scratch: &mut Vec<u8>, out: &mut Vec<u64>) -> bool {
    let b = text.as_bytes();
    // The word being built when it has non-ASCII characters (lower-cased UTF-8), else empty.
    scratch.clear();
    let mut i = 0;
    while i < b.len() {
        let j = i + ascii_prefix_len(&b[i..]);
        let mut k = i;
        if !scratch.is_empty() {
            // A word that began before this ASCII run goes on with its leading letters and digits.
            while k < j && b[k].is_ascii_alphanumeric() {
                scratch.push(b[k].to_ascii_lowercase());
                k += 1;
            }
            if k < j {
                out.push(word_hash(scratch));
                scratch.clear();
            }
        }
        if k < j {
            if let Some(s) = ascii_words(level, b, k, j, out) {
                // A word reaching the end of the run: a letter after it may continue it.
                scratch.extend(b[s..j].iter().map(u8::to_ascii_lowercase));
            }
        }
        if j == b.len() {
            break;
        }
        let e = j + b[j..].iter().position(u8::is_ascii).unwrap_or(b.len() - j);
        let run = &text[j..e];
        if is_nfkc_quick(run.chars()) != IsNormalized::Yes {
            return false;
        }
        let mut buf = [0u8; 4];
        for ch in run.chars() {
            if ch.is_alphanumeric() {
                for l in ch.to_lowercase() {
                    scratch.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
                }
            } else if !scratch.is_empty() {
                out.push(word_hash(scratch));
                scratch.clear();
            }
        }
        i = e;
    }
    if !scratch.is_empty() {
        out.push(word_hash(scratch));
        scratch.clear();
    }
    true
}

/// How many bytes `b` starts with that are ASCII, eight at a time.
fn ascii_prefix_len(b: &[u8]) -> usize {
    let mut i = 0;
    for c in b.chunks_exact(8) {
        let x = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        if x & 0x8080_8080_8080_8080 != 0 {
            return i + (x & 0x8080_8080_8080_8080).trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    i + b[i..].iter().position(|&c| c >= 0x80).unwrap_or(b.len() - i)
}

/// Appends the hash ([`word_hash_ascii`]) of each run of ASCII letters and digits in
/// `bytes[from..to]` to `out`, except a run that reaches `to`, whose start is returned instead
/// (the caller knows whether the text goes on after `to`). Bytes outside `from..to` are never
/// classified.
fn ascii_words(level: Level, bytes: &[u8], from: usize, to: usize, out: &mut Vec<u64>) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    match level {
        // SAFETY: `hash_words_with` checked the CPU has the features (`Level::at_most`).
        Level::Avx512 => return unsafe { ascii_words_avx512(bytes, from, to, out) },
        // SAFETY: as above, for AVX2.
        Level::Avx2 => return unsafe { ascii_words_avx2(bytes, from, to, out) },
        Level::Scalar => {}
    }
    let _ = level;
    ascii_runs(bytes, from, to, classify_swar, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn ascii_words_avx2(bytes: &[u8], from: usize, to: usize, out: &mut Vec<u64>) -> Option<usize> {
    // SAFETY: this function runs only where AVX2 is available.
    ascii_runs(bytes, from, to, |b| unsafe { classify_avx2(b) }, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
unsafe fn ascii_words_avx512(bytes: &[u8], from: usize, to: usize, out: &mut Vec<u64>) -> Option<usize> {
    // The AVX2 classifier: AVX-512's intrinsics need Rust 1.89 (the crate says 1.85), and a
    // 64-byte mask in one step saves little next to hashing the words. The rest of the loop is
    // compiled for AVX-512.
    // SAFETY: this function runs only where AVX-512 (and so AVX2) is available.
    ascii_runs(bytes, from, to, |b| unsafe { classify_avx2(b) }, out)
}

/// The loop of [`ascii_words`] over 64-byte blocks, with the block classifier of one level.
///
/// A block's mask has bit i set when byte i is an ASCII letter or digit; XOR with itself shifted
/// by one (the previous block's last bit carried in) marks where words start and end. Starts and
/// ends alternate, so one flag says whether a word is open. The last, partial block is copied
/// into a zeroed buffer (0 is not a letter), so no byte past `to` is read.
#[inline(always)]
fn ascii_runs(
    bytes: &[u8],
    from: usize,
    to: usize,
    classify: impl Fn(&[u8; 64]) -> u64,
    out: &mut Vec<u64>,
) -> Option<usize> {
    let mut base = from;
    let mut in_word = false;
    let mut start = from;
    // A block's hashes go to a local array, then to `out` at once: pushing one by one kept
    // `out`'s length in memory, a store and a load per word on one dependency chain. A block has
    // at most 32 word ends.
    let mut hashes = [0u64; 32];
    while base < to {
        let (mask, valid) = match bytes.get(base..base + 64).filter(|_| base + 64 <= to) {
            Some(block) => (classify(block.try_into().expect("64 bytes")), u64::MAX),
            None => {
                let mut tail = [0u8; 64];
                tail[..to - base].copy_from_slice(&bytes[base..to]);
                (classify(&tail), (1u64 << (to - base)) - 1)
            }
        };
        let mut marks = (mask ^ (mask << 1 | u64::from(in_word))) & valid;
        let mut n = 0;
        // Hashed here, not through a closure: a closure is compiled without the caller's target
        // features and was not inlined into them (measured: the AVX2 loop ran slower than the one
        // without vector instructions). Marks are taken in pairs (a start, then its end), so no
        // branch alternates between the two.
        if in_word && marks != 0 {
            hashes[0] = word_hash_ascii(bytes, start, base + marks.trailing_zeros() as usize);
            n = 1;
            marks &= marks - 1;
            in_word = false;
        }
        while marks != 0 {
            let s = base + marks.trailing_zeros() as usize;
            marks &= marks - 1;
            if marks == 0 {
                // The word goes on into the next block.
                start = s;
                in_word = true;
                break;
            }
            hashes[n & 31] = word_hash_ascii(bytes, s, base + marks.trailing_zeros() as usize);
            n += 1;
            marks &= marks - 1;
        }
        out.extend_from_slice(&hashes[..n]);
        base += 64;
    }
    in_word.then_some(start)
}

/// The letter-and-digit mask of a block, eight bytes per u64 step (no target features).
#[inline(always)]
fn classify_swar(block: &[u8; 64]) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut mask = 0u64;
    for (k, c) in block.chunks_exact(8).enumerate() {
        let x = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        // Per byte, on its low seven bits (so no carry crosses bytes): the high bit of
        // y + (0x80 - lo) is set when y >= lo.
        let low = x & !HIGH;
        let at_least = |y: u64, lo: u8| y + (0x80 - u64::from(lo)) * ONES;
        let digit = at_least(low, b'0') & !at_least(low, b'9' + 1);
        let folded = low | (0x20 * ONES);
        let letter = at_least(folded, b'a') & !at_least(folded, b'z' + 1);
        // Only ASCII bytes (high bit clear) count.
        let word = (digit | letter) & !x & HIGH;
        // Gather the eight high bits into one byte, byte j's at bit j.
        mask |= ((word >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) << (8 * k);
    }
    mask
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn classify_avx2(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::*;
    let half = |p: *const u8| {
        // SAFETY: `p` points at 32 bytes of `block`; unaligned loads are allowed.
        let x = unsafe { _mm256_loadu_si256(p.cast()) };
        // Unsigned x - '0' < 10, and (x | 0x20) - 'a' < 26, as min(v, limit) == v.
        let d = _mm256_sub_epi8(x, _mm256_set1_epi8(b'0' as i8));
        let digit = _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(9)), d);
        let l = _mm256_sub_epi8(_mm256_or_si256(x, _mm256_set1_epi8(0x20)), _mm256_set1_epi8(b'a' as i8));
        let letter = _mm256_cmpeq_epi8(_mm256_min_epu8(l, _mm256_set1_epi8(25)), l);
        _mm256_movemask_epi8(_mm256_or_si256(digit, letter)) as u32
    };
    let p = block.as_ptr();
    // `black_box` keeps LLVM from seeing the mask as a vector of 64 bools: it then turned the
    // shifts and XOR of `ascii_runs` into 64 single-bit extractions per block (measured: the AVX2
    // loop 20 % slower than the one without vector instructions). It costs one store and load.
    std::hint::black_box(u64::from(half(p)) | u64::from(half(p.wrapping_add(32))) << 32)
}

/// The normalized text: its words joined by single spaces.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut scratch = Vec::new();
    for_each_word(text, &mut scratch, |w| {
        if !out.is_empty() {
            out.push(' ');
        }
        // Words are built from whole chars, so they are valid UTF-8.
        out.push_str(std::str::from_utf8(w).expect("words are built from whole chars"));
    });
    out
}

/// The normalized words of `text`, each as an owned string.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut scratch = Vec::new();
    for_each_word(text, &mut scratch, |w| {
        out.push(String::from_utf8_lossy(w).into_owned());
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_punctuation_and_space() {
        assert_eq!(normalize("  Hello,   World!\n\tIt's_OK. "), "hello world it s ok");
    }

    #[test]
    fn nfkc_and_unicode_case() {
        assert_eq!(normalize("ＡＢＣ Déjà-VU ﬁne"), "abc déjà vu fine");
        assert_eq!(normalize("ΣΊΣΥΦΟΣ"), normalize("σίσυφοσ"));
    }

    #[test]
    fn ascii_fast_path_matches_unicode_path() {
        let ascii = "The U.S. said on Jan. 5 -- \"no\" (again) 100%_done";
        // An appended non-ASCII word forces the Unicode path over the same ASCII prefix.
        let forced = format!("{ascii} é");
        let a = words(ascii);
        let mut b = words(&forced);
        assert_eq!(b.pop().as_deref(), Some("é"));
        assert_eq!(a, b);
    }

    #[test]
    fn mixed_path_matches_unicode_path() {
        for t in [
            "Russia’s “hottest” front — Déjà vu, ΣΊΣΥΦΟΣ 2025",
            "a’b",
            "ＡＢＣ",
            "Ⅻ ½ ﬁ",
            "x\u{301}y",
        ] {
            let mut a = Vec::new();
            mixed_words(t, &mut Vec::new(), |w| a.push(w.to_vec()));
            let mut b = Vec::new();
            unicode_words(t.chars(), &mut Vec::new(), |w| b.push(w.to_vec()));
            assert_eq!(a, b, "{t}");
        }
    }

    #[test]
    fn normalize_into_matches_for_each_word() {
        let (mut scratch, mut out, mut ends) = (Vec::new(), Vec::new(), Vec::new());
        for t in [
            "",
            " ... ",
            "a",
            "  Hello,   World!\n\tIt's_OK. ",
            "end.",
            "Déjà-VU ＡＢＣ x",
            "The U.S. said on Jan. 5 -- \"no\" 100%_done",
        ] {
            normalize_into(t, &mut scratch, &mut out, &mut ends);
            assert_eq!(String::from_utf8(out.clone()).unwrap(), normalize(t), "{t:?}");
            let mut start = 0;
            let split: Vec<String> = ends
                .iter()
                .map(|&e| {
                    let w = String::from_utf8(out[start..e].to_vec()).unwrap();
                    start = e + 1;
                    w
                })
                .collect();
            assert_eq!(split, words(t), "{t:?}");
        }
    }

    /// The hashes of the words of `for_each_word`, the reference for `hash_words`.
    fn reference_hashes(text: &str) -> Vec<u64> {
        let mut out = Vec::new();
        for_each_word(text, &mut Vec::new(), |w| out.push(word_hash(w)));
        out
    }

    #[test]
    fn classifiers_agree_on_every_byte() {
        let mut g = crate::hash::SplitMix64::new(5);
        let mut blocks: Vec<[u8; 64]> = (0..4).map(|q| std::array::from_fn(|i| (q * 64 + i) as u8)).collect();
        blocks.extend((0..200).map(|_| std::array::from_fn(|_| g.next() as u8)));
        for block in &blocks {
            let want = block
                .iter()
                .enumerate()
                .fold(0u64, |m, (i, b)| m | u64::from(b.is_ascii_alphanumeric()) << i);
            assert_eq!(classify_swar(block), want, "{block:?}");
            #[cfg(target_arch = "x86_64")]
            {
                if Level::Avx2.is_available() {
                    // SAFETY: checked just above.
                    assert_eq!(unsafe { classify_avx2(block) }, want, "{block:?}");
                }
            }
        }
    }

    #[test]
    fn hash_words_matches_for_each_word_at_every_level() {
        let long = "x".repeat(70);
        let mut texts: Vec<String> = [
            "",
            " ... ",
            "a",
            "  Hello,   World!\n\tIt's_OK. ",
            "The U.S. said on Jan. 5 -- \"no\" (again) 100%_done",
            "Internationalization and counterrevolutionaries: seventeen-byte words",
            "Russia’s “hottest” front — Déjà vu, ΣΊΣΥΦΟΣ 2025",
            "café’s Ame\u{301}lie", // decomposed accent: not NFKC, the general path
            "ＡＢＣ ﬁne Ⅻ ½",       // compatibility forms: not NFKC either
            "İstanbul İİ xİy",      // 'İ' lower-cases to 'i' and a combining dot
            "ab\u{e9}cd ef\u{2019}gh \u{e9}\u{e9} x\u{e9}",
            "word\u{e9}",
            "\u{e9}word",
            "Straße STRASSE",
        ]
        .iter()
        .map(|t| t.to_string())
        .collect();
        texts.push(long.clone());
        texts.push(format!("{long} {long}é {long}"));
        // Words across 64-byte blocks, at every alignment, ending at the end of the text or not.
        for pad in 0..70 {
            texts.push(format!(
                "{}Kursk-region offensive{}",
                " ".repeat(pad),
                "!".repeat(pad % 3)
            ));
            texts.push(format!("{}Kursk région{}", "é".repeat(pad % 5), "q".repeat(pad)));
        }
        for t in &texts {
            let want = reference_hashes(t);
            for level in Level::available() {
                let mut out = vec![7]; // hash_words appends
                hash_words_with(level, t, &mut Vec::new(), &mut out);
                assert_eq!(out[0], 7);
                assert_eq!(&out[1..], want, "{level} {t:?}");
            }
        }
    }

    #[test]
    fn empty_and_punctuation_only() {
        assert_eq!(normalize(""), "");
        assert_eq!(normalize(" ... !!! "), "");
    }
}

//! Golden values: the MinHash signatures and shingle hashes of fixed texts, pinned.
//!
//! If one of these fails, hashing, normalization, shingling or the sketch changed, and every
//! signature anyone saved (and every LSH bucket built from them) changes with it: bump
//! `minhash::SIGNATURE_VERSION`, say so in the release notes, and only then paste the new numbers
//! here.
//!
//! Renewed for signature format 2 (issue 15, results/2026-12-06-signature-avx2.md): words are
//! hashed with `hash::word_hash` instead of XXH3 (so word shingle hashes changed), and the
//! signature is a fast similarity sketch (one or two hashes per shingle) instead of 128
//! multiply-shift permutations over u64 (so every signature changed, for word and character
//! shingles alike). The normalized words themselves did not change (tests/properties.rs compares
//! them with the format-1 normalizer on random Unicode text).

use storydup::dedup::minhash::{MinHasher, SIGNATURE_VERSION};
use storydup::params::Shingle;
use storydup::shingle::Shingler;

const ASCII: &str = "Ukrainian forces have launched a major new attack in Russia's western Kursk region, \
                     officials in Moscow said on Sunday.";
/// Curly quotes, an em dash, precomposed accents, a decomposed accent (e + U+0301), a ligature
/// (U+FB01) and full-width letters: the NFKC path of normalization.
const ACCENTS: &str = "\u{201c}Déjà vu,\u{201d} said the café\u{2019}s owner \u{2014} Ame\u{301}lie \
                       Müller \u{2014} of the ﬁnal ＫＵＲＳＫ offensive in Zürich.";
const RUSSIAN: &str = "Украинские войска начали новое крупное наступление в Курской области России, \
                       заявили в Москве в воскресенье.";

/// FNV-1a over the little-endian bytes of the slots: a checksum that depends on storydup only
/// through the signature.
fn checksum(sig: &[u32]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for s in sig {
        for b in s.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The signature of `text` (128 slots, seed 42), checked against signing the shingles with their
/// repeats and in reverse order.
fn signature(text: &str, kind: Shingle) -> Vec<u32> {
    let hasher = MinHasher::new(128, 42);
    let mut sh = Shingler::default();
    let set = sh.set(text, kind, 42);
    let sig = hasher.sign(&set);
    assert_eq!(sig, hasher.sign(sh.all(text, kind, 42)), "repeats change the signature");
    let reversed: Vec<u64> = set.iter().rev().copied().collect();
    assert_eq!(sig, hasher.sign(&reversed), "order changes the signature");
    sig
}

#[track_caller]
fn check(name: &str, text: &str, kind: Shingle, first8: [u32; 8], sum: u64) {
    let sig = signature(text, kind);
    let got8: [u32; 8] = sig[..8].try_into().unwrap();
    let got = (got8, checksum(&sig));
    assert!(
        got == (first8, sum),
        "{name} {kind}: signature changed; saved signatures change with it (bump the version). \
         Now:\n    {:?},\n    {:#018x},",
        got.0,
        got.1
    );
}

#[test]
fn minhash_signatures_of_fixed_texts_are_pinned() {
    assert_eq!(SIGNATURE_VERSION, 2, "the numbers below are format 2's");
    // Pasted from the output of the code at the time the test was written (the failure message
    // prints the new numbers in the same form).
    let (w5, c7) = (Shingle::Word(5), Shingle::Char(7));
    #[rustfmt::skip]
    let pinned = [
        ("ascii", ASCII, w5,
         [245281523, 182898680, 25835125, 94603795, 49058097, 73867160, 1910724, 120590098], 0xefd88ff3d67f2d61),
        ("ascii", ASCII, c7,
         [5926305, 6416344, 25643510, 7211766, 34752686, 6168577, 5414005, 25706838], 0x83f1fb08aacda8f7),
        ("accents", ACCENTS, w5,
         [15836332, 85453315, 42389495, 60916823, 47152801, 254822651, 161588174, 124954661], 0x2bfa63aed13d9a76),
        ("accents", ACCENTS, c7,
         [309093, 10464276, 2713051, 27560035, 6080238, 1218870, 30521147, 2935356], 0x58f96e7d458146b5),
        ("russian", RUSSIAN, w5,
         [56901307, 25611519, 55929131, 84492166, 372486787, 92696042, 50207048, 24202790], 0x5c6535e3e01e6b28),
        ("russian", RUSSIAN, c7,
         [19400022, 32834427, 721642, 7497586, 2849933, 25845816, 3325680, 4077197], 0x7fd198a6fd5191fd),
    ];
    for (name, text, kind, first8, sum) in pinned {
        check(name, text, kind, first8, sum);
    }
}

#[test]
fn normalization_equivalents_sign_alike() {
    // The same words as ACCENTS after NFKC and lower-casing, written plainly.
    let plain = "déjà vu said the café s owner amélie müller of the final kursk offensive in zürich";
    for kind in [Shingle::Word(5), Shingle::Char(7)] {
        assert_eq!(signature(ACCENTS, kind), signature(plain, kind), "{kind}");
    }
}

#[test]
fn word_shingle_hashes_of_a_short_text_are_pinned() {
    // Seven words: three word 5-grams, in text order. Case, punctuation and spacing do not count.
    let mut sh = Shingler::default();
    let got = sh
        .all("The Kursk offensive was launched on Sunday!", Shingle::Word(5), 42)
        .to_vec();
    let same = sh
        .all("the kursk  offensive -- WAS launched ON sunday", Shingle::Word(5), 42)
        .to_vec();
    assert_eq!(got, same, "normalization");
    let want: [u64; 3] = [0xc666a2ec5b51ce67, 0x129eb50279983afe, 0x306a69cb588c328a];
    assert!(
        got == want,
        "word-5 shingle hashes changed; saved signatures change with them (bump the version). \
         Now: {got:#018x?}"
    );
    // Shorter than one shingle: one shingle of all the words, unlike any 5-gram.
    let short = sh.all("Kursk offensive", Shingle::Word(5), 42).to_vec();
    let want_short: [u64; 1] = [0x95830e8e1f883af6];
    assert!(short == want_short, "short-text shingle changed. Now: {short:#018x?}");
}

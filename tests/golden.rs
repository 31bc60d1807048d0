//! Golden values: the MinHash signatures and shingle hashes of fixed texts, pinned.
//!
//! If one of these fails, hashing, normalization, shingling or the permutations changed, and
//! every signature anyone saved (and every LSH bucket built from them) changes with it: bump the
//! version, say so in the release notes, and only then paste the new numbers here.

use storydup::dedup::minhash::MinHasher;
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

/// The signature of `text` (128 slots, seed 42), checked against per-slot updates and against
/// signing the shingles with their repeats.
fn signature(text: &str, kind: Shingle) -> Vec<u32> {
    let hasher = MinHasher::new(128, 42);
    let mut sh = Shingler::default();
    let set = sh.set(text, kind, 42);
    let sig = hasher.sign(&set);
    assert_eq!(sig, hasher.sign(sh.all(text, kind, 42)), "repeats change the signature");
    let mut slow = vec![0; 128];
    hasher.reset(&mut slow);
    for &x in &set {
        hasher.update(&mut slow, x);
    }
    assert_eq!(sig, slow, "the vectorized signing differs from one slot at a time");
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
    // Pasted from the output of the code at the time the test was written (the failure message
    // prints the new numbers in the same form).
    let (w5, c7) = (Shingle::Word(5), Shingle::Char(7));
    #[rustfmt::skip]
    let pinned = [
        ("ascii", ASCII, w5,
         [51585595, 112259465, 404441183, 179248567, 6091688, 140715853, 165545528, 8206680], 0x98754af004436109),
        ("ascii", ASCII, c7,
         [4596884, 30233895, 38367593, 66182818, 2042472, 59181898, 19230927, 7972475], 0x767d05c266d2675f),
        ("accents", ACCENTS, w5,
         [30667654, 237104144, 453549361, 469562615, 223933589, 692488586, 234682955, 412452348], 0xd645fe089c04c811),
        ("accents", ACCENTS, c7,
         [1473412, 6512412, 1871701, 3464790, 27883400, 7281801, 378055107, 82359843], 0x446602b21d193e32),
        ("russian", RUSSIAN, w5,
         [706912253, 328149701, 502881109, 61039552, 258695719, 362688730, 33486623, 23801000], 0x2f4ef30f60592c94),
        ("russian", RUSSIAN, c7,
         [10388904, 55432223, 8450307, 8069464, 1401731, 9173127, 63015036, 49837500], 0x32b083e3dd5e992b),
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
    let want: [u64; 3] = [0x57ed8f5fcd982924, 0xbc7e3c03e1a345aa, 0xb6d9c71549dfa214];
    assert!(
        got == want,
        "word-5 shingle hashes changed; saved signatures change with them (bump the version). \
         Now: {got:#018x?}"
    );
    // Shorter than one shingle: one shingle of all the words, unlike any 5-gram.
    let short = sh.all("Kursk offensive", Shingle::Word(5), 42).to_vec();
    let want_short: [u64; 1] = [0xa2fc9390d25134fb];
    assert!(short == want_short, "short-text shingle changed. Now: {short:#018x?}");
}

//! Property tests: the MinHash estimate within its statistical bound (and its spread no wider
//! than that of independent permutations, and LSH recall on short texts), the fast word hashing
//! against the normalizer on random Unicode text, clusters independent of input order, union-find
//! and `cluster::assemble` against naive connected components, and every record accounted for in
//! random mixes of good and bad lines. Case counts are small: most cases run the binary.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use storydup::dedup::cluster::{assemble, Edge, Measure, Rule, Similarity};
use storydup::dedup::lsh::Bands;
use storydup::dedup::minhash::{estimate_jaccard, MinHasher};
use storydup::hash::{mix64, word_hash, SplitMix64};
use storydup::normalize::{for_each_word, hash_words_with};
use storydup::params::Shingle;
use storydup::sets::{intersection_len, UnionFind};
use storydup::shingle::Shingler;
use storydup::simd::Level;

use crate::util::*;

// ---------------------------------------------------------------------------------------------
// (1) MinHash.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    /// Sets with `shared` common elements and `only_a`, `only_b` of their own have Jaccard
    /// shared / (shared + only_a + only_b); the estimate from `num_perm` slots has standard error
    /// sqrt(J(1 − J)/num_perm) and must stay within five of them (plus slack for 32-bit ties).
    #[test]
    fn minhash_estimate_stays_within_its_bound(
        shared in 0usize..600,
        only_a in 0usize..600,
        only_b in 0usize..600,
        num_perm in prop::sample::select(vec![32usize, 64, 128, 256]),
        seed in any::<u64>(),
        base in any::<u64>(),
    ) {
        prop_assume!(shared + only_a > 0 && shared + only_b > 0);
        // Distinct, well-mixed elements (mix64 is a bijection), like the shingle hashes.
        let el = |k: usize| mix64(base.wrapping_add(k as u64));
        let common: Vec<u64> = (0..shared).map(el).collect();
        let mut a = common.clone();
        a.extend((shared..shared + only_a).map(el));
        let mut b = common;
        b.extend((shared + only_a..shared + only_a + only_b).map(el));
        let j = shared as f64 / (shared + only_a + only_b) as f64;

        let h = MinHasher::new(num_perm, seed);
        let (sa, sb) = (h.sign(&a), h.sign(&b));
        prop_assert_eq!(sa.len(), num_perm);
        let est = estimate_jaccard(&sa, &sb);
        let bound = 5.0 * (j * (1.0 - j) / num_perm as f64).sqrt() + 2.0 / num_perm as f64;
        prop_assert!((est - j).abs() <= bound, "J = {}, estimate {} from {} slots, bound {}", j, est, num_perm, bound);

        // A signature depends on the set only: order and repeats change nothing.
        let mut shuffled: Vec<u64> = a.iter().rev().copied().collect();
        shuffled.extend(a.iter().take(7));
        prop_assert_eq!(h.sign(&shuffled), sa);
    }
}

#[test]
fn minhash_estimate_is_unbiased_on_average() {
    // Over many seeds the mean estimate converges on J: a biased family of permutations (too few
    // distinct slopes, a constant offset) would drift from it by far more than 0.01.
    let el = |k: u64| mix64(0xC0FFEE + k);
    let a: Vec<u64> = (0..300).map(el).collect();
    let b: Vec<u64> = (100..400).map(el).collect(); // J = 200 / 400
    let runs = 200;
    let mean = (0..runs)
        .map(|seed| {
            let h = MinHasher::new(128, seed);
            estimate_jaccard(&h.sign(&a), &h.sign(&b))
        })
        .sum::<f64>()
        / runs as f64;
    // Standard error of the mean: sqrt(0.25 / 128 / 200) ≈ 0.003.
    assert!((mean - 0.5).abs() < 0.015, "mean estimate {mean}");
}

#[test]
fn minhash_spread_is_no_wider_than_independent_permutations() {
    // K independent permutations give an estimate with standard deviation sqrt(J(1 − J)/K).
    // The sketch fills its slots without replacement, so its spread must not exceed that, at any
    // set size, including the short sets where one-permutation hashing with densification copies
    // bins and measured 25 % wider (results/2026-12-06-signature-avx2.md). 400 pairs per size:
    // the measured deviation is within about 4 % of the true one, so 1.12 leaves room for chance.
    let k = 128;
    for n in [3usize, 5, 10, 20, 40, 128, 500] {
        let shared = (n as f64 * 2.0 / 3.0).round() as usize; // J near 1/2
        let j = shared as f64 / (2 * n - shared) as f64;
        let mut g = SplitMix64::new(n as u64);
        let runs = 400;
        let (mut sum, mut sum2) = (0.0, 0.0);
        for _ in 0..runs {
            let base = g.next();
            let el = |i: usize| mix64(base.wrapping_add(i as u64));
            let a: Vec<u64> = (0..n).map(el).collect();
            let b: Vec<u64> = (0..shared).chain(n..2 * n - shared).map(el).collect();
            let h = MinHasher::new(k, g.next());
            let e = estimate_jaccard(&h.sign(&a), &h.sign(&b));
            sum += e;
            sum2 += e * e;
        }
        let mean = sum / runs as f64;
        let sd = (sum2 / runs as f64 - mean * mean).max(0.0).sqrt();
        let independent = (j * (1.0 - j) / k as f64).sqrt();
        assert!(
            (mean - j).abs() < 4.0 * independent / (runs as f64).sqrt() + 1e-9,
            "n {n}: mean {mean}, J {j}"
        );
        assert!(
            sd <= 1.12 * independent,
            "n {n}: spread {sd}, independent permutations {independent}"
        );
    }
}

#[test]
fn short_texts_at_the_threshold_become_candidates() {
    // Pairs of short texts (5 to 45 words, so 1 to 41 word 5-grams) that differ by their first or
    // last word, kept when their exact Jaccard is at least 0.8 (13 words or more, J = 9/11 to
    // 40/42): with the default banding (21 × 6),
    // independent slots would make at least 99 % of them candidates. The sketch must too.
    let bands = Bands::choose(0.8, 128);
    let vocab: Vec<String> = (0..5000).map(|i| format!("w{i}")).collect();
    let mut g = SplitMix64::new(11);
    let mut sh = Shingler::default();
    let (mut pairs, mut caught) = (0, 0);
    for trial in 0..6000 {
        let len = 5 + (g.next() % 41) as usize;
        let mut words: Vec<&str> = (0..len).map(|_| vocab[(g.next() % 5000) as usize].as_str()).collect();
        let a = words.join(" ");
        let at = if g.next() % 2 == 0 { 0 } else { len - 1 };
        words[at] = "changed";
        let b = words.join(" ");
        let (sa, sb) = (sh.set(&a, Shingle::Word(5), 42), sh.set(&b, Shingle::Word(5), 42));
        let inter = intersection_len(&sa, &sb) as f64;
        if inter / ((sa.len() + sb.len()) as f64 - inter) < 0.8 {
            continue;
        }
        pairs += 1;
        let h = MinHasher::new(128, trial);
        let (x, y) = (h.sign(&sa), h.sign(&sb));
        let rows = bands.rows;
        if (0..bands.bands).any(|i| x[i * rows..(i + 1) * rows] == y[i * rows..(i + 1) * rows]) {
            caught += 1;
        }
    }
    assert!(pairs > 2000, "{pairs} pairs at J >= 0.8");
    let recall = caught as f64 / pairs as f64;
    assert!(
        recall >= 0.98,
        "{caught} of {pairs} short pairs at J >= 0.8 became candidates ({recall})"
    );
}

/// The table behind the choice of sketch (results/2026-12-06-signature-avx2.md): for pairs of
/// random sets of n elements each at J near 0.8 and 0.5, the mean and spread of the estimate and
/// the share that become LSH candidates (21 × 6), for format 1's 128 permutations, 32-bit
/// multiply-add permutations, one-permutation hashing with optimal densification, and the sketch
/// storydup uses. Prints only; run with
/// `cargo test --release --test tests minhash_sketches_table -- --ignored --nocapture`.
#[test]
#[ignore = "prints a table for results/; about a minute"]
fn minhash_sketches_table() {
    const K: usize = 128;
    let (bands, rows) = (21, 6);
    type Sketch = fn(u64, &[u64]) -> Vec<u32>;
    fn params(seed: u64) -> (Vec<u64>, Vec<u64>, u64) {
        let mut g = SplitMix64::new(seed);
        let a: Vec<u64> = (0..K).map(|_| g.next() | 1).collect();
        let b: Vec<u64> = (0..K).map(|_| g.next()).collect();
        (a, b, g.next())
    }
    let format1: Sketch = |seed, xs| {
        let (a, b, _) = params(seed);
        (0..K)
            .map(|i| {
                xs.iter()
                    .map(|&x| (a[i].wrapping_mul(x).wrapping_add(b[i]) >> 32) as u32)
                    .min()
                    .unwrap_or(u32::MAX)
            })
            .collect()
    };
    let add32: Sketch = |seed, xs| {
        let (a, b, _) = params(seed);
        (0..K)
            .map(|i| {
                xs.iter()
                    .map(|&x| (a[i] as u32).wrapping_mul(x as u32).wrapping_add(b[i] as u32))
                    .min()
                    .unwrap_or(u32::MAX)
            })
            .collect()
    };
    let oph: Sketch = |seed, xs| {
        let (_, _, key) = params(seed);
        let mut sig = vec![u32::MAX; K];
        for &x in xs {
            let y = mix64(x ^ key);
            let bin = (((y >> 32) * K as u64) >> 32) as usize;
            sig[bin] = sig[bin].min((y as u32).min(u32::MAX - 1));
        }
        let full = sig.clone();
        for (i, s) in sig.iter_mut().enumerate().filter(|_| !xs.is_empty()) {
            let mut attempt = 0u64;
            while *s == u32::MAX {
                *s = full[(((mix64(key ^ ((i as u64) << 32) ^ attempt) >> 32) * K as u64) >> 32) as usize];
                attempt += 1;
            }
        }
        sig
    };
    let storydup: Sketch = |seed, xs| MinHasher::new(K, seed).sign(xs);
    let sketches: [(&str, Sketch); 4] = [
        ("format 1 (128 × multiply-shift, u64)", format1),
        ("128 × multiply-add mod 2^32", add32),
        ("one permutation + optimal densification", oph),
        ("fast similarity sketch (format 2)", storydup),
    ];
    println!("| n | J | sketch | mean | spread (sd) | sd ÷ independent | candidates (21 × 6) | independent slots |");
    println!("|---|---|---|---|---|---|---|---|");
    for target in [0.8, 0.5] {
        for n in [2usize, 3, 5, 8, 12, 20, 40, 80, 128, 200, 400, 1000, 3000] {
            // |A| = |B| = n, |A ∩ B| = shared, J = shared / (2n − shared); never identical sets.
            let shared = ((2.0 * n as f64 * target) / (1.0 + target)).round().min(n as f64 - 1.0) as usize;
            let j = shared as f64 / (2 * n - shared) as f64;
            let runs = if n >= 1000 { 500 } else { 2000 };
            let independent = (j * (1.0 - j) / K as f64).sqrt();
            let p = 1.0 - (1.0 - j.powi(rows as i32)).powi(bands as i32);
            for (name, sketch) in sketches {
                let mut g = SplitMix64::new(n as u64 ^ target.to_bits());
                let (mut sum, mut sum2, mut cand) = (0.0, 0.0, 0);
                for _ in 0..runs {
                    let base = g.next();
                    let el = |i: usize| mix64(base.wrapping_add(i as u64));
                    let a: Vec<u64> = (0..n).map(el).collect();
                    let b: Vec<u64> = (0..shared).chain(n..2 * n - shared).map(el).collect();
                    let seed = g.next();
                    let (x, y) = (sketch(seed, &a), sketch(seed, &b));
                    let e = estimate_jaccard(&x, &y);
                    sum += e;
                    sum2 += e * e;
                    cand += usize::from((0..bands).any(|i| x[i * rows..(i + 1) * rows] == y[i * rows..(i + 1) * rows]));
                }
                let mean = sum / runs as f64;
                let sd = (sum2 / runs as f64 - mean * mean).max(0.0).sqrt();
                println!(
                    "| {n} | {j:.3} | {name} | {mean:.4} | {sd:.4} | {:.2} | {:.4} | {p:.4} |",
                    if independent > 0.0 { sd / independent } else { f64::NAN },
                    cand as f64 / runs as f64
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (1b) Word hashing against the normalizer.

/// Characters that stress normalization: ASCII letters, digits and punctuation; 'İ' (lower-cases
/// to two chars), dotless ı, ß; ligatures; full-width and other compatibility forms; combining
/// marks, alone and after letters (not NFKC when they compose); precomposed accents; Greek final
/// sigma; Hangul syllables and jamo (which NFKC composes); CJK; curly quotes, dashes, no-break and
/// zero-width spaces; digits of other scripts; an emoji.
const CHARS: &[char] = &[
    'a', 'Z', 'q', '0', '9', ' ', ' ', '.', '-', '_', '\'', '\n', 'İ', 'ı', 'ß', 'ﬁ', 'ﬃ', 'Ａ', 'ｚ', '０', '²', '½',
    'Ⅻ', '㎏', '\u{301}', '\u{308}', '\u{327}', '\u{5b0}', 'é', 'Ö', 'ñ', 'Σ', 'ς', 'Д', '한', '\u{1100}', '\u{1161}',
    '中', '’', '“', '—', '\u{a0}', '\u{200b}', '٣', '५', '😀', 'ǅ', 'ﾊ',
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// `hash_words`, at every level of vector instructions this CPU runs, gives the hash of each
    /// word of `for_each_word` (the normalizer of signature format 1), in order.
    #[test]
    fn hash_words_gives_the_normalizers_words(
        picks in prop::collection::vec((0usize..CHARS.len(), 0usize..8), 0..160),
    ) {
        // Runs of ASCII letters as long as 8 make words of every length across 64-byte blocks.
        let text: String = picks
            .iter()
            .flat_map(|&(c, rep)| std::iter::repeat_n(CHARS[c], if CHARS[c].is_ascii_alphanumeric() { rep + 1 } else { 1 }))
            .collect();
        let mut want = Vec::new();
        for_each_word(&text, &mut Vec::new(), |w| want.push(word_hash(w)));
        for level in Level::available() {
            let mut got = Vec::new();
            hash_words_with(level, &text, &mut Vec::new(), &mut got);
            prop_assert_eq!(&got, &want, "{} {:?}", level, text);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (2) Input order.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Shuffling the records changes which one of a cluster is kept (the first in input order),
    /// never which records are together.
    #[test]
    fn shuffled_input_gives_the_same_clusters(order in Just((0..25usize).collect::<Vec<_>>()).prop_shuffle()) {
        let (docs, truth) = family_corpus();
        prop_assert_eq!(docs.len(), 25);
        let shuffled: Vec<Doc> = order.iter().map(|&i| docs[i].clone()).collect();
        let env = Env::new();
        let (input, _) = env.write_docs("in.jsonl", &shuffled);
        dedup(&[&input], &env.out(), &["-q"]).ok();
        let o = Outputs::read(&env.out());
        prop_assert_eq!(o.cluster_sets(), truth);
        for c in &o.clusters {
            let members: Vec<String> = c["members"].as_array().unwrap().iter().map(id_of).collect();
            let first = shuffled.iter().find(|d| members.contains(&d.id)).unwrap();
            prop_assert_eq!(&c["kept"], first.id.as_str());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (3) Union-find and assemble.

/// Connected components (of two or more) of `edges` over `members`, naively: repeated BFS.
fn naive_components(members: &[u32], edges: &[(u32, u32)]) -> BTreeSet<Vec<u32>> {
    let mut adj: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for &(a, b) in edges {
        adj.entry(a).or_default().push(b);
        adj.entry(b).or_default().push(a);
    }
    let mut seen = BTreeSet::new();
    let mut out = BTreeSet::new();
    for &m in members {
        if !seen.insert(m) {
            continue;
        }
        let mut comp = vec![m];
        let mut stack = vec![m];
        while let Some(x) = stack.pop() {
            for &y in adj.get(&x).map(Vec::as_slice).unwrap_or(&[]) {
                if seen.insert(y) {
                    comp.push(y);
                    stack.push(y);
                }
            }
        }
        comp.sort_unstable();
        if comp.len() >= 2 {
            out.insert(comp);
        }
    }
    out
}

/// A raw edge: two member indexes, two numbers the similarities are made of, which end is smaller.
type RawEdge = (usize, usize, f64, f64, bool);

/// Sorted distinct document numbers, and edges between them given as index pairs.
fn graph() -> impl Strategy<Value = (Vec<u32>, Vec<RawEdge>)> {
    (1usize..40).prop_flat_map(|n| {
        (
            prop::collection::vec(1u32..50, n).prop_map(|gaps| {
                gaps.iter()
                    .scan(0u32, |acc, g| {
                        *acc += g;
                        Some(*acc)
                    })
                    .collect::<Vec<u32>>()
            }),
            prop::collection::vec((0..n, 0..n, 0.0f64..1.0, 0.0f64..1.0, any::<bool>()), 0..60),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn union_find_agrees_with_naive_components(
        n in 1usize..60,
        pairs in prop::collection::vec((0u32..60, 0u32..60), 0..80),
    ) {
        let pairs: Vec<(u32, u32)> = pairs.into_iter().map(|(a, b)| (a % n as u32, b % n as u32)).collect();
        let mut uf = UnionFind::new(n);
        for &(a, b) in &pairs {
            uf.union(a, b);
        }
        let members: Vec<u32> = (0..n as u32).collect();
        let naive = naive_components(&members, &pairs);
        for x in 0..n as u32 {
            let comp = naive.iter().find(|c| c.contains(&x));
            // The root is the smallest member of the component.
            prop_assert_eq!(uf.find(x), comp.map_or(x, |c| c[0]));
        }
    }

    /// Clusters are the connected components of the edges; each keeps one record and accounts
    /// for every other with a removal whose stated similarity was measured.
    #[test]
    fn assemble_agrees_with_naive_components((members, raw) in graph(), containment in any::<bool>()) {
        let t = 0.8;
        let rule = Rule { threshold: t, containment };
        // Turn the raw pairs into edges that pass the rule (as verify gives assemble).
        let mut edges: Vec<Edge> = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, j, x, y, first_smaller) in raw {
            if i == j {
                continue;
            }
            let (a, b) = (members[i.min(j)], members[i.max(j)]);
            if !seen.insert((a, b)) {
                continue;
            }
            // Jaccard duplicates, and (with containment) pairs that pass by containment only.
            let sim = if containment && x < 0.4 {
                Similarity { jaccard: x, containment: t + y * (1.0 - t) }
            } else {
                Similarity { jaccard: t + x * (1.0 - t), containment: 1.0 }
            };
            prop_assert!(rule.passes(&sim).is_some());
            edges.push(Edge { a, b, smaller: if first_smaller { a } else { b }, sim });
        }
        let pairs: Vec<(u32, u32)> = edges.iter().map(|e| (e.a, e.b)).collect();
        // Pairs without an edge measure below the threshold.
        let below = Similarity { jaccard: 0.1, containment: 0.2 };
        let clusters = assemble(&members, &edges, &[], 0, &rule, |a, b| {
            assert!(a < b && !pairs.contains(&(a, b)), "measure is called for pairs without an edge only");
            below
        });

        let got: BTreeSet<Vec<u32>> = clusters.iter().map(|c| c.members.clone()).collect();
        prop_assert_eq!(got.len(), clusters.len(), "a cluster listed twice");
        prop_assert_eq!(&got, &naive_components(&members, &pairs));

        let edge = |x: u32, y: u32| edges.iter().find(|e| (e.a, e.b) == (x.min(y), x.max(y)));
        for c in &clusters {
            prop_assert!(c.members.windows(2).all(|w| w[0] < w[1]), "members in input order");
            prop_assert!(c.members.contains(&c.kept));
            if !containment {
                prop_assert_eq!(c.kept, c.members[0], "the first record is kept");
            }
            // A contained record is never kept while a record not contained exists.
            let contained = |d: u32| containment && edges.iter().any(|e| {
                e.smaller == d && c.members.contains(&e.a) && matches!(rule.passes(&e.sim), Some((Measure::Containment, _)))
            });
            if c.members.iter().any(|&d| !contained(d)) {
                prop_assert!(!contained(c.kept), "kept {} is contained in another member", c.kept);
            }
            let removed: Vec<u32> = c.removals.iter().map(|r| r.doc).collect();
            let others: Vec<u32> = c.members.iter().copied().filter(|&d| d != c.kept).collect();
            prop_assert_eq!(removed, others, "every other member is removed once, in order");
            for r in &c.removals {
                prop_assert_eq!(r.duplicate_of, c.kept);
                let e = edge(r.doc, r.matched);
                prop_assert!(e.is_some(), "{} is stated against {}, with which it has no edge", r.doc, r.matched);
                let (m, s) = rule.passes(&e.unwrap().sim).unwrap();
                prop_assert_eq!((r.measure, r.similarity), (m, s), "the stated similarity is the edge's");
                prop_assert!(r.similarity >= t);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// (4) Accounting under --on-error skip.

/// One input line of a random mix.
#[derive(Debug, Clone, Copy)]
enum Line {
    /// A report (seed, edit): edits of one seed may be duplicates of each other.
    Good(usize, usize),
    /// A good text under the id of an earlier good line.
    ReusedId(usize),
    Malformed,
    InvalidUtf8,
    MissingText,
    NumberText,
    MissingId,
    Empty,
    TooLarge,
    NotObject,
    Nul,
    /// Not a record at all.
    Blank,
}

fn line_strategy() -> impl Strategy<Value = Line> {
    prop_oneof![
        6 => (0usize..5, 0usize..4).prop_map(|(s, e)| Line::Good(s, e)),
        1 => (0usize..100).prop_map(Line::ReusedId),
        1 => Just(Line::Malformed),
        1 => Just(Line::InvalidUtf8),
        1 => Just(Line::MissingText),
        1 => Just(Line::NumberText),
        1 => Just(Line::MissingId),
        1 => Just(Line::Empty),
        1 => Just(Line::TooLarge),
        1 => Just(Line::NotObject),
        1 => Just(Line::Nul),
        1 => Just(Line::Blank),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn every_record_is_kept_removed_or_rejected(
        mix in prop::collection::vec((line_strategy(), any::<bool>()), 0..40),
        bom in any::<bool>(),
    ) {
        let s = seeds();
        // Texts well under the limit; TooLarge lines are over it.
        let max = 2500usize;
        let text = |seed: usize, edit: usize| {
            let t = head(&s[seed].1, 200);
            if edit == 0 { t } else { change_words(&t, edit, edit * 17) }
        };
        let mut bytes: Vec<u8> = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
        let mut expected_rejects: Vec<(u64, String)> = Vec::new();
        let mut good_ids: Vec<String> = Vec::new();
        let mut records = 0u64;
        let mut placed: Vec<u64> = Vec::new();
        let mut empties = 0u64;
        for (n, &(kind, crlf)) in mix.iter().enumerate() {
            let line_no = n as u64 + 1;
            let id = format!("r{line_no}");
            let (line, reject): (Vec<u8>, Option<&str>) = match kind {
                Line::Good(seed, edit) => (Doc::new(&id, text(seed, edit)).line().into_bytes(), None),
                Line::ReusedId(k) if !good_ids.is_empty() => {
                    let reused = &good_ids[k % good_ids.len()];
                    (Doc::new(reused, text(k % 5, 1)).line().into_bytes(), Some("duplicate_id"))
                }
                Line::ReusedId(k) => (Doc::new(&id, text(k % 5, 2)).line().into_bytes(), None),
                Line::Malformed => (format!("{{\"id\":\"{id}\",\"text\":\"Kursk\"").into_bytes(), Some("malformed_json")),
                Line::InvalidUtf8 => ([format!("{{\"id\":\"{id}\",\"text\":\"Andr").as_bytes(), b"\xe9 Ballin\"}"].concat(), Some("invalid_utf8")),
                Line::MissingText => (format!("{{\"id\":\"{id}\"}}").into_bytes(), Some("missing_text")),
                Line::NumberText => (format!("{{\"id\":\"{id}\",\"text\":5}}").into_bytes(), Some("bad_text")),
                // Known by its place; two of them have the same text, so one may be removed.
                Line::MissingId => (format!("{{\"text\":{:?}}}", "Kursk region").into_bytes(), None),
                // Kept, never matched.
                Line::Empty => (format!("{{\"id\":\"{id}\",\"text\":\" ... \"}}").into_bytes(), None),
                Line::TooLarge => (Doc::new(&id, s[n % 5].1.clone()).line().into_bytes(), Some("too_large")),
                Line::NotObject => (b"[\"Kursk\"]".to_vec(), Some("not_an_object")),
                Line::Nul => (format!("{{\"id\":\"{id}\",\"text\":\"a\0b\"}}").into_bytes(), Some("malformed_json")),
                Line::Blank => (b"   ".to_vec(), None),
            };
            if !matches!(kind, Line::Blank) {
                records += 1;
            }
            match reject {
                Some(k) => expected_rejects.push((line_no, k.to_string())),
                None if matches!(kind, Line::MissingId) => placed.push(line_no),
                None if !matches!(kind, Line::Blank) => good_ids.push(id),
                None => {}
            }
            empties += u64::from(matches!(kind, Line::Empty));
            if matches!(kind, Line::TooLarge) {
                prop_assert!(line.len() > max);
            } else {
                prop_assert!(line.len() <= max);
            }
            bytes.extend_from_slice(&line);
            bytes.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        }
        let env = Env::new();
        let input = env.write("mix.jsonl", &bytes);
        dedup(&[&input], &env.out(), &["-q", "--on-error", "skip", "--max-doc-bytes", &max.to_string()]).ok();
        // Outputs::read checks input = kept + removed + rejected against the files.
        let o = Outputs::read(&env.out());
        prop_assert_eq!(o.summary["input"].as_u64().unwrap(), records);
        prop_assert_eq!(o.rejected_kinds(), expected_rejects);
        prop_assert_eq!(o.summary["empty"].as_u64().unwrap(), empties);
        prop_assert_eq!(o.summary["without_id"].as_u64().unwrap(), placed.len() as u64);
        // Records without an id are removed under their place, and kept as their line (no id).
        let places: Vec<String> = placed.iter().map(|l| format!("{}:{l}", input.display())).collect();
        let mut accepted: Vec<String> = o.kept.iter().filter(|v| !v["id"].is_null()).map(|v| id_of(&v["id"])).collect();
        accepted.extend(o.removed_ids());
        accepted.sort();
        let mut expected = good_ids.clone();
        expected.extend(places.iter().filter(|p| accepted.contains(p)).cloned());
        expected.sort();
        prop_assert_eq!(accepted, expected);
        let idless = o.kept.iter().filter(|v| v["id"].is_null()).count();
        prop_assert_eq!(idless, places.iter().filter(|p| !o.removed_ids().contains(p)).count());
        verify(&env.out(), &[&input], None).verified();
    }
}

//! Micro-benchmarks of the dedup kernels: shingling + MinHash signing (the hot loop), LSH
//! banding, and verification + clustering of candidate pairs. Inputs are built outside the timed
//! loops from a fixed seed (texts made from the seed reports, so the word statistics are real),
//! and every benchmark checks its answer so that a fast wrong result fails.
//!
//!     cargo bench --bench kernels

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use storydup::dedup::cluster::{assemble, Edge, Rule, Similarity};
use storydup::dedup::lsh::{candidates, Bands};
use storydup::dedup::minhash::MinHasher;
use storydup::hash::SplitMix64;
use storydup::params::Shingle;
use storydup::shingle::Shingler;

/// `n` texts of about 450 words drawn from the seed reports' words by a fixed generator.
fn texts(n: usize) -> Vec<String> {
    let words: Vec<String> = storydup::stories::article::SEEDS
        .iter()
        .flat_map(|(_, t)| t.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let mut g = SplitMix64::new(7);
    (0..n)
        .map(|_| {
            let len = 300 + (g.next() % 300) as usize;
            let start = (g.next() % words.len() as u64) as usize;
            (0..len)
                .map(|k| words[(start + k * 7 + (g.next() % 3) as usize) % words.len()].as_str())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

fn signing(c: &mut Criterion) {
    let docs = texts(200);
    let bytes: usize = docs.iter().map(String::len).sum();
    let hasher = MinHasher::new(128, 42);
    let mut group = c.benchmark_group("sign");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("shingle_only", |b| {
        let mut sh = Shingler::default();
        b.iter(|| {
            let n: usize = docs.iter().map(|d| sh.all(d, Shingle::Word(5), 42).len()).sum();
            assert!(n > bytes / 20);
            black_box(n)
        })
    });
    group.bench_function("shingle_and_minhash", |b| {
        let mut sh = Shingler::default();
        let mut sig = vec![u32::MAX; 128];
        b.iter(|| {
            for d in &docs {
                sig.fill(u32::MAX);
                hasher.sign_into(&mut sig, sh.all(d, Shingle::Word(5), 42));
            }
            assert!(sig.iter().all(|&v| v < u32::MAX));
            black_box(sig[0])
        })
    });
    group.finish();
}

fn banding(c: &mut Criterion) {
    let mut group = c.benchmark_group("lsh");
    for n in [10_000usize, 100_000] {
        // Random signatures, with every 10th record a copy of the one before: n/10 true pairs.
        let mut g = SplitMix64::new(3);
        let mut sigs = vec![0u16; n * 128];
        for d in 0..n {
            for s in 0..128 {
                sigs[d * 128 + s] = if d % 10 == 9 {
                    sigs[(d - 1) * 128 + s]
                } else {
                    g.next() as u16
                };
            }
        }
        let bands = Bands::choose(0.8, 128);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::new("candidates", n), &sigs, |b, sigs| {
            b.iter(|| {
                let p = candidates(sigs, &vec![1; n], 128, &bands, 0);
                assert_eq!(p.len(), n / 10);
                black_box(p.len())
            })
        });
    }
    group.finish();
}

fn clustering(c: &mut Criterion) {
    // Chains of 5 records joined by verified edges: 20,000 records, 4,000 clusters.
    let n = 20_000u32;
    let members: Vec<u32> = (0..n).collect();
    let edges: Vec<Edge> = (0..n)
        .filter(|d| d % 5 != 4)
        .map(|d| Edge {
            a: d,
            b: d + 1,
            smaller: d + 1,
            sim: Similarity {
                jaccard: 0.9,
                containment: 0.95,
            },
        })
        .collect();
    let rule = Rule {
        threshold: 0.8,
        containment: false,
    };
    c.bench_function("cluster/assemble_20k", |b| {
        b.iter(|| {
            let cl = assemble(&members, &edges, &[], 0, &rule, |_, _| Similarity {
                jaccard: 0.85,
                containment: 0.9,
            });
            assert_eq!(cl.len(), 4_000);
            black_box(cl.len())
        })
    });
}

criterion_group!(benches, signing, banding, clustering);
criterion_main!(benches);

//! The signature stage alone against the machine's limit (issues 5 and 15), on a generated JSONL
//! corpus:
//!
//! - **read**: only reading the file's bytes (from the page cache), and reading them as storydup
//!   does (its reader: 4 MiB reads, split into lines, packed into chunks);
//! - **bare loop**: the practical limit, in the words: split the raw lines on ASCII
//!   whitespace, FNV-1a word hashes, a rolling word-5-gram hash, 128 `a·x + b mod 2^32` min slots,
//!   no JSON and no NFKC. The same code as in results/2026-11-23-signature-stage.md, built like
//!   everything else for the portable target and compiled three times (AVX-512, AVX2, no target
//!   features), picked at run time; it runs at every level this CPU has, so its AVX2 figure is
//!   what an AVX2-only machine's "built for the native CPU" loop would do. Also with storydup's
//!   own MinHash kernel (`MinHasher::sign_into`) in place of the 128 slots;
//! - **storydup**: the library's signing stage (`io::dedup::sign_chunk`: UTF-8 check, JSON parse,
//!   normalize + word hashes, word 5-grams, MinHash) on one thread and on two, over chunks already
//!   read into memory, with its own per-part thread-seconds, at the level `STORYDUP_SIMD` picks
//!   (default: the best the CPU has);
//! - **ratio**: storydup's stage (one thread) over the bare loop, at the same level and at AVX2;
//! - **kernels by level**: normalize (`normalize::hash_words_with`), shingle
//!   (`shingle::word_shingles_into`) and MinHash (`MinHasher::sign_into`) alone over the corpus's texts,
//!   at every level in turn, interleaved, so the levels are compared within one run;
//! - **MinHash alternatives**: nanoseconds per shingle of the sketches issue 15 weighed (format 1's
//!   64-bit multiply-shift, 32-bit multiply-add, one-permutation hashing with optimal
//!   densification, and the fast similarity sketch storydup uses), at every level, interleaved.
//!
//! Each figure is the median of `SIGNATURE_REPEATS` runs (default 5), with the spread. MB/s are
//! input bytes (10^6 per second) per wall-clock second and per CPU second (the process's, from
//! `clock_gettime`; on Linux only). On a busy machine the wall-clock figures include time the
//! threads waited for a core and the CPU figures do not, so compare CPU figures there. The load
//! average is printed before and after. Each measurement checks its answer: every line signed,
//! the same signatures on one and two threads, the same hashes at every level.
//!
//!     cargo bench --bench signature                               # best level
//!     STORYDUP_SIMD=avx2 cargo bench --bench signature            # what an AVX2-only machine runs
//!     STORYDUP_SIMD=scalar cargo bench --bench signature          # no vector instructions
//!     SIGNATURE_CORPUS=bench-work/corpus/corpus-1GB.jsonl SIGNATURE_REPEATS=3 cargo bench --bench signature
//!
//! `SIGNATURE_SECTIONS` picks sections (comma-separated, default all: `read,bare,stage,kernels,
//! alternatives`); `SIGNATURE_LEVELS` limits the levels the bare loop, the kernels and the
//! alternatives run at (e.g. `avx2,scalar`), which suits `perf stat` or callgrind of one level.
//!
//! The corpus comes from `benches/compare.sh` (or `../shared/bench/make_corpus.py --size 100MB
//! --seed 42`).

use std::time::Instant;

use rayon::prelude::*;
use storydup::dedup::minhash::{MinHasher, SIGNATURE_VERSION};
use storydup::dedup::Signer;
use storydup::hash::{mix64, SplitMix64};
use storydup::io::dedup::{sign_chunk, SignTimes};
use storydup::io::source::{oversized_policy, Chunk, Corpus};
use storydup::normalize::hash_words_with;
use storydup::params::Params;
use storydup::shingle::word_shingles_into;
use storydup::simd::Level;

const NUM_PERM: usize = 128;

fn main() {
    let path = std::env::var("SIGNATURE_CORPUS").unwrap_or_else(|_| "bench-work/corpus/corpus-100MB.jsonl".into());
    let repeats: usize = std::env::var("SIGNATURE_REPEATS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        panic!("cannot read {path} ({e}); make it with benches/compare.sh 100MB or set SIGNATURE_CORPUS")
    });
    let mb = bytes.len() as f64 / 1e6;
    let lines = bytes.split(|&c| c == b'\n').filter(|l| !l.is_empty()).count();
    let level = Level::get();
    let sections = std::env::var("SIGNATURE_SECTIONS").unwrap_or_default();
    let wants = |section: &str| sections.is_empty() || sections.split(',').any(|s| s.trim() == section);
    println!(
        "corpus {path}: {} bytes, {lines} lines; {repeats} runs each",
        bytes.len()
    );
    println!(
        "storydup runs at level {level} ({}={}); levels this CPU has: {}; signature format {SIGNATURE_VERSION}",
        storydup::simd::ENV_VAR,
        std::env::var(storydup::simd::ENV_VAR).unwrap_or_else(|_| "unset".into()),
        Level::available()
            .iter()
            .map(|l| l.name())
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("cpu: {}", cpu_model());
    println!("load average before: {}", load());
    println!(
        "clock: Instant::now costs {:.1} ns; signing reads it 5 times per record",
        instant_cost_ns()
    );
    println!();
    println!("| measurement | threads | level | MB/s wall, median | min–max | MB/s per CPU second, median | s wall, median |");
    println!("|---|---|---|---|---|---|---|");

    // (a) Only reading the bytes.
    let spool = tempfile::tempdir().expect("a temporary folder");
    let corpus = Corpus::open(std::slice::from_ref(&path), spool.path()).expect("corpus opens");
    let params = Params::default();
    if wants("read") {
        report("read the file (std::fs::read)", 1, "-", mb, repeats, || {
            let b = std::fs::read(&path).expect("read above");
            assert_eq!(b.len(), bytes.len());
        });
        report(
            "read as storydup does (reader thread, lines, chunks)",
            1,
            "-",
            mb,
            repeats,
            || {
                let n: usize = corpus
                    .read_chunks(
                        params.max_doc_bytes,
                        &oversized_policy(params.oversized, &params.id_field, &params.text_field),
                    )
                    .into_iter()
                    .map(|c| c.expect("readable").items.len())
                    .sum();
                assert_eq!(n, lines);
            },
        );
    }

    // (b) The bare loop, at every level.
    let g = |seed| {
        let mut g = SplitMix64::new(seed);
        std::array::from_fn::<u64, NUM_PERM, _>(|_| g.next())
    };
    let (a64, b64) = (g(1), g(2));
    let a32: [u32; NUM_PERM] = std::array::from_fn(|i| a64[i] as u32 | 1);
    let b32: [u32; NUM_PERM] = std::array::from_fn(|i| b64[i] as u32);
    let mut shingles_seen = 0;
    let mut bare = Vec::new();
    for l in levels().into_iter().filter(|_| wants("bare")) {
        let m = report(
            "bare loop: whitespace words, rolling 5-gram hash, 128 × u32 a·x+b min",
            1,
            l.name(),
            mb,
            repeats,
            || {
                let (n, check) = bare_u32(l, &bytes, &a32, &b32);
                assert!(n > bytes.len() / 10 && check != 0);
                shingles_seen = n;
            },
        );
        bare.push((l, m));
    }
    let hasher = MinHasher::new(NUM_PERM, 42);
    if wants("bare") {
        report(
            "bare loop with storydup's MinHash kernel (MinHasher::sign_into)",
            1,
            "any",
            mb,
            repeats,
            || {
                let (n, check) = bare_kernel(&bytes, &hasher);
                assert!(n > bytes.len() / 10 && (shingles_seen == 0 || n == shingles_seen));
                assert!(check != 0);
            },
        );
    }

    // (c, d) storydup's signing stage, on chunks already in memory.
    let chunks: Vec<Chunk> = corpus
        .read_chunks(
            params.max_doc_bytes,
            &oversized_policy(params.oversized, &params.id_field, &params.text_field),
        )
        .into_iter()
        .map(|c| c.expect("readable"))
        .collect();
    let chunk_mb = chunks.iter().map(|c| c.bytes_read).sum::<u64>() as f64 / 1e6;
    let mut reference: Option<u64> = None;
    let mut one_thread = None;
    for threads in [1, 2].into_iter().filter(|_| wants("stage")) {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        let mut parts: Vec<SignTimes> = Vec::new();
        let m = report(
            "storydup signing stage (io::dedup::sign_chunk: parse, normalize, shingle, MinHash)",
            threads,
            level.name(),
            chunk_mb,
            repeats,
            || {
                let (check, times) = pool.install(|| sign_all(&corpus, &chunks, &params));
                assert_eq!(
                    *reference.get_or_insert(check),
                    check,
                    "signatures differ between thread counts"
                );
                parts.push(times);
            },
        );
        if threads == 1 {
            one_thread = Some(m);
        }
        // The run with the median total, part by part.
        parts.sort_by(|x, y| x.total().total_cmp(&y.total()));
        let m = parts[parts.len() / 2];
        println!(
            "|   parts, thread-seconds (MB/s of one thread on that part alone) | {threads} | {level} | parse {:.3} s ({:.0}), normalize {:.3} s ({:.0}), shingle {:.3} s ({:.0}), minhash {:.3} s ({:.0}) | | | sum {:.3} |",
            m.parse,
            chunk_mb / m.parse,
            m.normalize,
            chunk_mb / m.normalize,
            m.shingle,
            chunk_mb / m.shingle,
            m.minhash,
            chunk_mb / m.minhash,
            m.total()
        );
    }
    println!();
    for (l, b) in bare.iter().filter(|_| one_thread.is_some()) {
        let stage = one_thread.expect("filtered above");
        if *l == level || *l == Level::Avx2 {
            println!(
                "ratio: storydup's stage at {level} (1 thread) / bare loop at {l}: {:.2} by wall clock, {:.2} by CPU time",
                stage.wall_mbs / b.wall_mbs,
                stage.cpu_mbs / b.cpu_mbs
            );
        }
    }

    // (e) The kernels alone, by level, interleaved.
    if wants("kernels") {
        println!();
        kernels_by_level(&bytes, mb, repeats);
    }

    // (f) MinHash alternatives, by level, interleaved.
    if wants("alternatives") {
        println!();
        minhash_alternatives(&bytes, repeats);
    }
    println!();
    println!("load average after: {}", load());
}

/// The levels to measure: those of `SIGNATURE_LEVELS` this CPU has (default: all it has).
fn levels() -> Vec<Level> {
    let only = std::env::var("SIGNATURE_LEVELS").unwrap_or_default();
    Level::available()
        .into_iter()
        .filter(|l| only.is_empty() || only.split(',').any(|s| Level::parse(s) == Some(*l)))
        .collect()
}

/// A measurement's medians.
#[derive(Debug, Clone, Copy)]
struct Medians {
    wall_mbs: f64,
    cpu_mbs: f64,
}

/// Runs `f` `repeats` times and prints its median MB/s with the spread, by wall clock and by the
/// process's CPU time.
fn report(name: &str, threads: usize, level: &str, mb: f64, repeats: usize, mut f: impl FnMut()) -> Medians {
    let (mut walls, mut cpus): (Vec<f64>, Vec<f64>) = (0..repeats.max(1))
        .map(|_| {
            let (t, c) = (Instant::now(), cpu_seconds(PROCESS));
            f();
            (t.elapsed().as_secs_f64(), cpu_seconds(PROCESS) - c)
        })
        .unzip();
    walls.sort_by(f64::total_cmp);
    cpus.sort_by(f64::total_cmp);
    let (wall, cpu) = (walls[walls.len() / 2], cpus[cpus.len() / 2]);
    println!(
        "| {name} | {threads} | {level} | {:.1} | {:.1}–{:.1} | {:.1} | {wall:.3} |",
        mb / wall,
        mb / walls[walls.len() - 1],
        mb / walls[0],
        mb / cpu
    );
    Medians {
        wall_mbs: mb / wall,
        cpu_mbs: mb / cpu,
    }
}

/// Signs every chunk with the library's signing stage; returns a checksum of the signatures and
/// the summed thread-seconds of its parts.
fn sign_all(corpus: &Corpus, chunks: &[Chunk], params: &Params) -> (u64, SignTimes) {
    let signer = Signer::new(params).expect("default parameters are valid");
    let mut sum = SignTimes::default();
    let mut check = 0u64;
    for chunk in chunks {
        let mut sigs = vec![u32::MAX; chunk.items.len() * params.num_perm];
        let (signed, t) = sign_chunk(corpus, chunk, &signer, &mut sigs);
        assert!(signed.iter().all(Result::is_ok), "every record of the corpus signs");
        sum.parse += t.parse;
        sum.normalize += t.normalize;
        sum.shingle += t.shingle;
        sum.minhash += t.minhash;
        check = sigs
            .par_chunks(4096)
            .map(|c| c.iter().fold(0u64, |h, &v| mix64(h ^ v as u64)))
            .collect::<Vec<_>>()
            .into_iter()
            .fold(check, |h, v| mix64(h ^ v));
    }
    (check, sum)
}

/// The texts of the corpus's records (parsed once, untimed).
fn texts(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|&c| c == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_slice(l).expect("a JSON record");
            v["text"].as_str().expect("a text field").to_owned()
        })
        .collect()
}

/// Normalize, shingle and MinHash alone over the corpus's texts, each part timed by the thread's
/// CPU clock over all texts, at every level in turn (interleaved, so load spreads evenly).
fn kernels_by_level(bytes: &[u8], mb: f64, repeats: usize) {
    let texts = texts(bytes);
    let text_mb = texts.iter().map(String::len).sum::<usize>() as f64 / 1e6;
    let hasher = MinHasher::new(NUM_PERM, 42);
    let levels = levels();
    let mut times: Vec<Vec<[f64; 3]>> = vec![Vec::new(); levels.len()];
    let mut reference: Option<u64> = None;
    let (mut scratch, mut words, mut shingles) = (Vec::new(), Vec::new(), Vec::new());
    let mut sig = vec![0u32; NUM_PERM];
    for _ in 0..repeats.max(1) {
        for (li, &l) in levels.iter().enumerate() {
            let mut t = [0.0; 3];
            let mut check = 0u64;
            for text in &texts {
                let c0 = cpu_seconds(THREAD);
                words.clear();
                hash_words_with(l, text, &mut scratch, &mut words);
                let c1 = cpu_seconds(THREAD);
                shingles.clear();
                word_shingles_into(&words, 5, 42, &mut shingles);
                let c2 = cpu_seconds(THREAD);
                hasher.sign_into(&mut sig, &shingles);
                let c3 = cpu_seconds(THREAD);
                t[0] += c1 - c0;
                t[1] += c2 - c1;
                t[2] += c3 - c2;
                check = mix64(check ^ u64::from(sig[0]) ^ words.len() as u64);
            }
            assert_eq!(*reference.get_or_insert(check), check, "levels differ");
            times[li].push(t);
        }
    }
    println!(
        "kernels alone over the {} texts ({text_mb:.1} MB of text in {mb:.1} MB of JSONL), thread CPU seconds per part, median of {repeats} (MB/s of JSONL per CPU second):",
        texts.len()
    );
    println!("| level | normalize (hash_words) | shingle (word_shingles_into) | MinHash (sign_into) | sum |");
    println!("|---|---|---|---|---|");
    for (li, l) in levels.iter().enumerate() {
        let med = |k: usize| {
            let mut v: Vec<f64> = times[li].iter().map(|t| t[k]).collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (n, s, m) = (med(0), med(1), med(2));
        println!(
            "| {l} | {n:.3} s ({:.0}) | {s:.3} s ({:.0}) | {m:.3} s ({:.0}) | {:.3} s ({:.0}) |",
            mb / n,
            mb / s,
            mb / m,
            n + s + m,
            mb / (n + s + m)
        );
    }
}

/// Nanoseconds per shingle (thread CPU time) of the MinHash sketches weighed in issue 15, over the
/// word-5-gram sets of the corpus's first 4,000 texts, at every level, interleaved.
fn minhash_alternatives(bytes: &[u8], repeats: usize) {
    let texts: Vec<String> = texts(bytes).into_iter().take(4000).collect();
    let mut sets: Vec<Vec<u64>> = Vec::new();
    let mut sh = storydup::shingle::Shingler::default();
    for t in &texts {
        sets.push(sh.set(t, storydup::params::Shingle::Word(5), 42));
    }
    let total: usize = sets.iter().map(Vec::len).sum();
    let mut g = SplitMix64::new(42);
    let a64: Vec<u64> = (0..NUM_PERM).map(|_| g.next() | 1).collect();
    let b64: Vec<u64> = (0..NUM_PERM).map(|_| g.next()).collect();
    let a32: Vec<u32> = a64.iter().map(|&a| a as u32 | 1).collect();
    let b32: Vec<u32> = b64.iter().map(|&b| b as u32).collect();
    let key = g.next();
    let sketch = MinHasher::new(NUM_PERM, 42);
    let mut results: Vec<(String, Vec<f64>)> = Vec::new();
    let mut sig = vec![0u32; NUM_PERM];
    for _ in 0..repeats.max(1) {
        let mut run = |name: String, f: &mut dyn FnMut(&mut [u32], &[u64])| {
            let c = cpu_seconds(THREAD);
            let mut check = 0u32;
            for s in &sets {
                f(&mut sig, s);
                check ^= sig[7];
            }
            std::hint::black_box(check);
            let ns = (cpu_seconds(THREAD) - c) * 1e9 / total as f64;
            match results.iter_mut().find(|(n, _)| *n == name) {
                Some((_, v)) => v.push(ns),
                None => results.push((name, vec![ns])),
            }
        };
        for l in Level::available() {
            run(
                format!("format 1: 128 × (a·x + b) >> 32 over u64 | {l}"),
                &mut |s, x| alt::multiply_shift_u64(l, &a64, &b64, s, x),
            );
            run(
                format!("128 × a·x + b mod 2^32 (the bare loop's) | {l}"),
                &mut |s, x| alt::multiply_add_u32(l, &a32, &b32, s, x),
            );
        }
        run(
            "one-permutation hashing + optimal densification | any".into(),
            &mut |s, x| alt::one_permutation(key, s, x),
        );
        run(
            "fast similarity sketch (storydup, format 2) | any".into(),
            &mut |s, x| sketch.sign_into(s, x),
        );
    }
    println!(
        "MinHash sketches alone, 128 slots, over the word-5-gram sets of {} texts ({total} shingles), thread CPU ns per shingle, median of {repeats}:",
        sets.len()
    );
    println!("| sketch | level | ns per shingle | min |");
    println!("|---|---|---|---|");
    for (name, mut v) in results {
        v.sort_by(f64::total_cmp);
        println!("| {name} | {:.2} | {:.2} |", v[v.len() / 2], v[0]);
    }
}

/// The MinHash sketches storydup did not take, for [`minhash_alternatives`].
mod alt {
    use storydup::hash::mix64;
    use storydup::simd::Level;

    /// Format 1's kernel: slots 16 at a time, kept in registers across all shingles.
    #[inline(always)]
    fn ms64(a: &[u64], b: &[u64], sig: &mut [u32], xs: &[u64]) {
        const L: usize = 16;
        for ((aa, bb), ss) in a.chunks_exact(L).zip(b.chunks_exact(L)).zip(sig.chunks_exact_mut(L)) {
            let aa: [u64; L] = aa.try_into().expect("L");
            let bb: [u64; L] = bb.try_into().expect("L");
            let mut m = [u32::MAX; L];
            for &x in xs {
                for l in 0..L {
                    m[l] = m[l].min((aa[l].wrapping_mul(x).wrapping_add(bb[l]) >> 32) as u32);
                }
            }
            ss.copy_from_slice(&m);
        }
    }

    /// 32-bit multiply-add slots, 32 at a time (four AVX2 registers).
    #[inline(always)]
    fn ma32(a: &[u32], b: &[u32], sig: &mut [u32], xs: &[u64]) {
        const L: usize = 32;
        for ((aa, bb), ss) in a.chunks_exact(L).zip(b.chunks_exact(L)).zip(sig.chunks_exact_mut(L)) {
            let aa: [u32; L] = aa.try_into().expect("L");
            let bb: [u32; L] = bb.try_into().expect("L");
            let mut m = [u32::MAX; L];
            for &x in xs {
                let x = x as u32;
                for l in 0..L {
                    m[l] = m[l].min(aa[l].wrapping_mul(x).wrapping_add(bb[l]));
                }
            }
            ss.copy_from_slice(&m);
        }
    }

    macro_rules! by_level {
        ($name:ident, $kernel:ident, $t:ty) => {
            pub fn $name(level: Level, a: &[$t], b: &[$t], sig: &mut [u32], xs: &[u64]) {
                #[cfg(target_arch = "x86_64")]
                {
                    #[target_feature(enable = "avx2")]
                    unsafe fn avx2(a: &[$t], b: &[$t], sig: &mut [u32], xs: &[u64]) {
                        $kernel(a, b, sig, xs)
                    }
                    #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
                    unsafe fn avx512(a: &[$t], b: &[$t], sig: &mut [u32], xs: &[u64]) {
                        $kernel(a, b, sig, xs)
                    }
                    match level {
                        // SAFETY: only levels from Level::available() are passed.
                        Level::Avx512 => return unsafe { avx512(a, b, sig, xs) },
                        // SAFETY: as above.
                        Level::Avx2 => return unsafe { avx2(a, b, sig, xs) },
                        Level::Scalar => {}
                    }
                }
                let _ = level;
                $kernel(a, b, sig, xs)
            }
        };
    }
    by_level!(multiply_shift_u64, ms64, u64);
    by_level!(multiply_add_u32, ma32, u32);

    /// One-permutation hashing (one hash per shingle, into one of the bins) with Shrivastava's
    /// optimal densification (2017): an empty bin copies the first non-empty bin of its own random
    /// probe sequence.
    pub fn one_permutation(key: u64, sig: &mut [u32], xs: &[u64]) {
        let k = sig.len() as u64;
        sig.fill(u32::MAX);
        for &x in xs {
            let y = mix64(x ^ key);
            let bin = ((y >> 32) * k) >> 32;
            let v = (y as u32).min(u32::MAX - 1);
            let s = &mut sig[bin as usize];
            *s = (*s).min(v);
        }
        if xs.is_empty() || sig.iter().all(|&v| v != u32::MAX) {
            return;
        }
        let full: Vec<u32> = sig.to_vec();
        for (i, s) in sig.iter_mut().enumerate() {
            let mut attempt = 0u64;
            while *s == u32::MAX {
                let j = ((mix64(key ^ ((i as u64) << 32) ^ attempt) >> 32) * k) >> 32;
                *s = full[j as usize];
                attempt += 1;
            }
        }
    }
}

const P: u64 = 0x9E37_79B9_7F4A_7C15;

/// FNV-1a over a word: the cheapest reasonable word hash.
#[inline(always)]
fn word_hash(w: &[u8]) -> u64 {
    w.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &c| {
        (h ^ c as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Calls `f` with `Some(hash)` for each word-5-gram of each line of `bytes` (words split on
/// ASCII whitespace), then with `None` at the end of the line. Returns the number of shingles.
#[inline(always)]
fn bare_shingles(bytes: &[u8], mut f: impl FnMut(Option<u64>)) -> usize {
    let top = P.wrapping_mul(P).wrapping_mul(P).wrapping_mul(P);
    let mut n = 0;
    for line in bytes.split(|&c| c == b'\n') {
        let mut win = [0u64; 5];
        let (mut k, mut h) = (0usize, 0u64);
        for w in line.split(u8::is_ascii_whitespace).filter(|w| !w.is_empty()) {
            let wh = word_hash(w);
            h = h
                .wrapping_sub(win[k % 5].wrapping_mul(top))
                .wrapping_mul(P)
                .wrapping_add(wh);
            win[k % 5] = wh;
            k += 1;
            if k >= 5 {
                f(Some(mix64(h)));
                n += 1;
            }
        }
        f(None);
    }
    n
}

#[inline(always)]
fn bare_u32_body(bytes: &[u8], a: &[u32; NUM_PERM], b: &[u32; NUM_PERM]) -> (usize, u64) {
    let mut sig = [u32::MAX; NUM_PERM];
    let mut check = 0u64;
    let n = bare_shingles(bytes, |x| match x {
        Some(x) => {
            let x = x as u32;
            for i in 0..NUM_PERM {
                sig[i] = sig[i].min(a[i].wrapping_mul(x).wrapping_add(b[i]));
            }
        }
        None => {
            check = mix64(check ^ sig[0] as u64);
            sig = [u32::MAX; NUM_PERM];
        }
    });
    (n, check)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl")]
unsafe fn bare_u32_avx512(bytes: &[u8], a: &[u32; NUM_PERM], b: &[u32; NUM_PERM]) -> (usize, u64) {
    bare_u32_body(bytes, a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn bare_u32_avx2(bytes: &[u8], a: &[u32; NUM_PERM], b: &[u32; NUM_PERM]) -> (usize, u64) {
    bare_u32_body(bytes, a, b)
}

/// The bare loop with 32-bit slots at `level` (one the CPU has).
fn bare_u32(level: Level, bytes: &[u8], a: &[u32; NUM_PERM], b: &[u32; NUM_PERM]) -> (usize, u64) {
    #[cfg(target_arch = "x86_64")]
    match level {
        // SAFETY: only levels from Level::available() are passed.
        Level::Avx512 => return unsafe { bare_u32_avx512(bytes, a, b) },
        // SAFETY: as above.
        Level::Avx2 => return unsafe { bare_u32_avx2(bytes, a, b) },
        Level::Scalar => {}
    }
    let _ = level;
    bare_u32_body(bytes, a, b)
}

/// The bare loop with storydup's MinHash kernel: each line's shingles are gathered, then signed.
fn bare_kernel(bytes: &[u8], hasher: &MinHasher) -> (usize, u64) {
    let mut shingles = Vec::new();
    let mut sig = [u32::MAX; NUM_PERM];
    let mut check = 0u64;
    let n = bare_shingles(bytes, |x| match x {
        Some(x) => shingles.push(x),
        None => {
            hasher.sign_into(&mut sig, &shingles);
            shingles.clear();
            check = mix64(check ^ sig[0] as u64);
        }
    });
    (n, check)
}

/// What one `Instant::now()` costs here, in nanoseconds.
fn instant_cost_ns() -> f64 {
    let n = 1_000_000;
    let t = Instant::now();
    let mut last = t;
    for _ in 0..n {
        last = std::hint::black_box(Instant::now());
    }
    (last - t).as_nanos() as f64 / n as f64
}

/// `clock_gettime` clocks: the process's CPU time (all threads) and the calling thread's.
const PROCESS: i32 = 2;
const THREAD: i32 = 3;

/// Seconds of CPU time on `clock` (Linux); NaN elsewhere.
#[cfg(all(target_os = "linux", target_pointer_width = "64"))]
fn cpu_seconds(clock: i32) -> f64 {
    #[repr(C)]
    struct Timespec {
        sec: i64,
        nsec: i64,
    }
    extern "C" {
        fn clock_gettime(clock: i32, ts: *mut Timespec) -> i32;
    }
    let mut ts = Timespec { sec: 0, nsec: 0 };
    // SAFETY: `ts` is a valid timespec for the call to fill; both clocks exist on Linux.
    let rc = unsafe { clock_gettime(clock, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime");
    ts.sec as f64 + ts.nsec as f64 * 1e-9
}

#[cfg(not(all(target_os = "linux", target_pointer_width = "64")))]
fn cpu_seconds(_clock: i32) -> f64 {
    f64::NAN
}

/// The CPU's model name and its vector flags (Linux), for the report.
fn cpu_model() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown", str::trim)
        .to_owned();
    let flags: Vec<&str> = info
        .lines()
        .find(|l| l.starts_with("flags"))
        .map(|l| {
            l.split_whitespace()
                .filter(|f| f.starts_with("avx") || f.starts_with("sse4") || *f == "bmi2")
                .collect()
        })
        .unwrap_or_default();
    format!("{model}; {}", flags.join(" "))
}

/// The 1, 5 and 15 minute load averages.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

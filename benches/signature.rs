//! The signature stage alone against the machine's limit (issue 5), on a generated JSONL corpus:
//!
//! - **read**: only reading the file's bytes (from the page cache), and reading them as storydup
//!   does (its reader: 4 MiB reads, split into lines, packed into chunks);
//! - **bare loop**: the practical limit, in the words: split the raw lines on ASCII
//!   whitespace, a rolling word-5-gram hash, 128 multiply-add min slots, no JSON and no NFKC,
//!   compiled for the CPU it runs on (AVX-512 when present). Two slot kernels: 32-bit
//!   `a·x + b mod 2^32`, and storydup's own 64-bit multiply-shift kernel (`MinHasher::update_all`);
//! - **storydup**: the library's signing stage (`io::dedup::sign_chunk`: UTF-8 check, JSON parse,
//!   NFKC + lower case, word 5-gram hashes, 128-slot MinHash) on one thread and on two, over
//!   chunks already read into memory, with its own per-part thread-seconds.
//!
//! Each figure is the median of `SIGNATURE_REPEATS` runs (default 5), with the spread, as MB/s
//! of input bytes (10^6 bytes per second). The load average is printed before and after. Each
//! measurement checks its answer: every line signed, the same signatures on one and two threads.
//!
//!     cargo bench --bench signature
//!     SIGNATURE_CORPUS=bench-work/corpus/corpus-1GB.jsonl SIGNATURE_REPEATS=3 cargo bench --bench signature
//!
//! The corpus comes from `benches/compare.sh` (or `../shared/bench/make_corpus.py --size 100MB
//! --seed 42`).

use std::time::Instant;

use rayon::prelude::*;
use storydup::dedup::minhash::MinHasher;
use storydup::dedup::Signer;
use storydup::hash::{mix64, SplitMix64};
use storydup::io::dedup::{sign_chunk, SignTimes};
use storydup::io::source::{Chunk, Corpus};
use storydup::params::Params;

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
    println!(
        "corpus {path}: {} bytes, {lines} lines; {repeats} runs each",
        bytes.len()
    );
    println!("load average before: {}", load());
    println!(
        "clock: Instant::now costs {:.1} ns; signing reads it 5 times per record",
        instant_cost_ns()
    );
    println!();
    println!("| measurement | threads | MB/s median | min–max | s median |");
    println!("|---|---|---|---|---|");

    // (a) Only reading the bytes.
    report("read the file (std::fs::read)", 1, mb, repeats, || {
        let b = std::fs::read(&path).expect("read above");
        assert_eq!(b.len(), bytes.len());
    });
    let spool = tempfile::tempdir().expect("a temporary folder");
    let corpus = Corpus::open(std::slice::from_ref(&path), spool.path()).expect("corpus opens");
    let params = Params::default();
    report(
        "read as storydup does (reader thread, lines, chunks)",
        1,
        mb,
        repeats,
        || {
            let n: usize = corpus
                .read_chunks(
                    params.max_doc_bytes,
                    &storydup::io::source::oversized_policy(params.oversized, &params.id_field, &params.text_field),
                )
                .into_iter()
                .map(|c| c.expect("readable").items.len())
                .sum();
            assert_eq!(n, lines);
        },
    );

    // (b) The bare loop.
    let g = |seed| {
        let mut g = SplitMix64::new(seed);
        std::array::from_fn::<u64, NUM_PERM, _>(|_| g.next())
    };
    let (a64, b64) = (g(1), g(2));
    let a32: [u32; NUM_PERM] = std::array::from_fn(|i| a64[i] as u32 | 1);
    let b32: [u32; NUM_PERM] = std::array::from_fn(|i| b64[i] as u32);
    let mut shingles_seen = 0;
    report(
        "bare loop: whitespace words, rolling 5-gram hash, 128 × u32 a·x+b min",
        1,
        mb,
        repeats,
        || {
            let (n, check) = bare_u32(&bytes, &a32, &b32);
            assert!(n > bytes.len() / 10 && check != 0);
            shingles_seen = n;
        },
    );
    let hasher = MinHasher::new(NUM_PERM, 42);
    report(
        "bare loop, storydup's 64-bit multiply-shift kernel (MinHasher::update_all)",
        1,
        mb,
        repeats,
        || {
            let (n, check) = bare_kernel(&bytes, &hasher);
            assert_eq!(n, shingles_seen);
            assert!(check != 0);
        },
    );

    // (c, d) storydup's signing stage, on chunks already in memory.
    let chunks: Vec<Chunk> = corpus
        .read_chunks(
            params.max_doc_bytes,
            &storydup::io::source::oversized_policy(params.oversized, &params.id_field, &params.text_field),
        )
        .into_iter()
        .map(|c| c.expect("readable"))
        .collect();
    let chunk_mb = chunks.iter().map(|c| c.bytes_read).sum::<u64>() as f64 / 1e6;
    let mut reference: Option<u64> = None;
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        let mut parts: Vec<SignTimes> = Vec::new();
        report(
            "storydup signing stage (io::dedup::sign_chunk: parse, normalize, shingle, MinHash)",
            threads,
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
        // The run with the median total, part by part.
        parts.sort_by(|x, y| x.total().total_cmp(&y.total()));
        let m = parts[parts.len() / 2];
        println!(
            "|   parts, thread-seconds (MB/s of one thread on that part alone) | {threads} | parse {:.3} s ({:.0}), normalize {:.3} s ({:.0}), shingle {:.3} s ({:.0}), minhash {:.3} s ({:.0}) | | sum {:.3} |",
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
    println!("load average after: {}", load());
}

/// Runs `f` `repeats` times and prints its median MB/s with the spread.
fn report(name: &str, threads: usize, mb: f64, repeats: usize, mut f: impl FnMut()) {
    let mut secs: Vec<f64> = (0..repeats.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .collect();
    secs.sort_by(f64::total_cmp);
    let median = secs[secs.len() / 2];
    println!(
        "| {name} | {threads} | {:.1} | {:.1}–{:.1} | {median:.3} |",
        mb / median,
        mb / secs[secs.len() - 1],
        mb / secs[0]
    );
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

/// The bare loop with 32-bit slots, for the best vector unit the CPU has.
fn bare_u32(bytes: &[u8], a: &[u32; NUM_PERM], b: &[u32; NUM_PERM]) -> (usize, u64) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512bw") && std::arch::is_x86_feature_detected!("avx512dq") {
            // SAFETY: the CPU has the features (checked above).
            return unsafe { bare_u32_avx512(bytes, a, b) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            return unsafe { bare_u32_avx2(bytes, a, b) };
        }
    }
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
            sig.fill(u32::MAX);
            hasher.update_all(&mut sig, &shingles);
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

/// The 1, 5 and 15 minute load averages.
fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

//! storydup's engines: near-duplicate detection (MinHash/LSH with exact verification) and news
//! story clustering, over records in memory.
//!
//! This crate touches no files, parses no command line and prints nothing; it builds and tests on
//! any platform. Reading inputs, writing outputs and the command line are `storydup-io` and the
//! `storydup` binary; the Python package calls this crate too.
//!
//! # Deduplicating records in memory
//!
//! ```
//! use storydup_core::dedup::{Decision, Deduper};
//! use storydup_core::params::Params;
//!
//! let texts = vec![
//!     "Ukrainian forces have launched a major new attack in Russia's western Kursk region".to_string(),
//!     "Ukrainian forces have launched a major new attack in Russia's western Kursk region.".to_string(),
//!     "Stocks closed higher on Friday as investors weighed the central bank's outlook".to_string(),
//! ];
//! let mut dedup = Deduper::new(&Params::default())?;
//! let batch: Vec<(Option<&str>, &str)> = texts.iter().map(|t| (None, t.as_str())).collect();
//! dedup.push(&batch)?;
//! // Exact verification asks for the texts again: here, the slice in memory.
//! let outcome = dedup.finish(texts.as_slice())?;
//! let decisions = outcome.decisions(dedup.len());
//! assert!(matches!(decisions[1], Decision::Removed { similarity, .. } if similarity == 1.0));
//! assert!(matches!(decisions[2], Decision::Kept { cluster: None }));
//! # Ok::<(), storydup_core::Error>(())
//! ```
//!
//! # The dedup pipeline ([`dedup`])
//!
//! Each stage is a module, and plain data flows from one to the next:
//!
//! 1. [`normalize`]: NFKC, lower case, punctuation and whitespace folded into word breaks.
//! 2. [`shingle`]: word or character n-grams → 64-bit hashes ([`hash`]: XXH3, seeded, stable).
//! 3. [`dedup::minhash`]: shingle hashes → a signature of `num_perm` 32-bit slots.
//! 4. [`dedup::lsh`]: signatures → candidate pairs, banded to lean towards recall.
//! 5. [`dedup::verify`]: candidates → exact Jaccard/containment edges, texts asked of a
//!    [`dedup::TextSource`].
//! 6. [`dedup::cluster`]: edges → clusters, the kept record and an audit for each removed one.
//! 7. [`dedup::engine`]: the [`dedup::Deduper`] that runs them over batches of records;
//!    [`dedup::index`]: the same state saved, so tomorrow's batch is deduplicated against today's.
//!
//! # The stories pipeline ([`stories`])
//!
//! Articles → sentences ([`stories::sentence`]) → site furniture masked
//! ([`stories::boilerplate`]) → reused passages and syndication groups ([`stories::passage`]) →
//! stories ([`stories::story`]) → per-article variants ([`stories::diff`]), gathered in one
//! [`stories::Report`].
//!
//! [`sets`] holds the set kernels both pipelines share; [`schema`] the typed output lines;
//! [`eval`] scores a clustering against ground truth.
#![warn(missing_docs)]

pub mod dedup;
pub mod error;
pub mod eval;
pub mod hash;
pub mod normalize;
pub mod params;
pub mod schema;
pub mod sets;
pub mod shingle;
pub mod simd;
pub mod stories;

pub use error::{Error, Result};
pub use params::Params;

//! storydup finds near-duplicate and syndicated documents and clusters news reports into stories.
//!
//! # The dedup pipeline
//!
//! Each stage is a module, and plain data flows from one to the next:
//!
//! 1. [`corpus`]: JSONL (plain, gzip, zstd), `.txt` folders or stdin → raw records with their
//!    location (file, line, byte offset); only a few MiB are in flight at once.
//! 2. [`normalize`]: NFKC, lower case, punctuation and whitespace folded into word breaks.
//! 3. [`shingle`]: word or character n-grams → 64-bit hashes ([`hash`]: XXH3, seeded, stable).
//! 4. [`minhash`]: shingle hashes → a signature of `num_perm` 32-bit slots.
//! 5. [`lsh`]: signatures → candidate pairs, banded to lean towards recall.
//! 6. [`verify`]: candidates → exact Jaccard/containment edges, re-read by byte offset.
//! 7. [`cluster`]: edges → clusters, the kept record and an audit for each removed one.
//! 8. [`report`]: atomic output files; [`dedup`] runs the whole and accounts for every record.
//!
//! [`eval`] scores any clustering against ground truth.
//!
//! ```no_run
//! use storydup::{dedup, params::Params};
//! let summary = dedup::run(&["corpus.jsonl".into()], "out".as_ref(), &Params::default(), &dedup::Silent)?;
//! assert_eq!(summary.input, summary.kept + summary.removed + summary.rejected);
//! # Ok::<(), storydup::error::Error>(())
//! ```
#![warn(missing_docs)]

pub mod article;
pub mod boilerplate;
pub mod check;
pub mod cluster;
pub mod corpus;
pub mod cut;
pub mod dedup;
pub mod diff;
pub mod error;
pub mod eval;
pub mod hash;
pub mod lsh;
pub mod minhash;
pub mod normalize;
pub mod params;
pub mod passage;
pub mod render;
pub mod report;
pub mod sentence;
pub mod shingle;
pub mod simd;
pub mod stories;
pub mod story;
pub mod terms;
pub mod verify;

pub use error::{Error, Result};
pub use params::Params;

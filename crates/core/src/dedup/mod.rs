//! Near-duplicate detection: shingle hashes → MinHash signatures → LSH candidates → exact
//! verification → clusters, with the kept record of each cluster and an audit line for every
//! removed one. [`Deduper`] runs the stages over records in memory; [`index`] saves its state.

pub mod cluster;
pub mod engine;
pub mod index;
pub mod lsh;
pub mod minhash;
pub mod verify;

pub use cluster::{Cluster, Measure, Removal};
pub use engine::{Added, Decision, Deduper, DocId, Outcome, Signed, Signer, TextSource};

/// Hears about progress; the library never prints.
pub trait Observer: Sync {
    /// A stage starts.
    fn stage(&self, _name: &str) {}
    /// Total input bytes, when known.
    fn total_bytes(&self, _bytes: u64) {}
    /// More input bytes were read.
    fn advance(&self, _bytes: u64) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;
impl Observer for Silent {}

//! storydup's I/O layer: where records come from and where results go.
//!
//! - [`source`]: record sources (JSONL plain, gzip or zstd, folders of `.txt` files, standard
//!   input) read as a bounded stream of chunks, and random access back to any record by offset;
//!   [`cut`] reads an oversized record's id and the start of its text as it streams by; Parquet
//!   files (feature `parquet`, on by default) are read a batch at a time, and
//!   `kept_parquet` writes their kept rows.
//! - [`atomic`]: output files written atomically, and the locks that let a run clean up what
//!   killed runs left without touching a live run's files.
//! - [`dedup`], [`index`], [`stories`], [`audit`], [`eval`]: the subcommands' work over files,
//!   each calling the engines of `storydup-core`; [`plural`]: counts in their messages.
//!
//! Nothing here prints: the binary decides what reaches the terminal.
#![warn(missing_docs)]

pub mod atomic;
pub mod audit;
#[cfg(feature = "parquet")]
pub mod audit_parquet;
pub mod cut;
pub mod dedup;
pub mod eval;
pub mod index;
#[cfg(feature = "parquet")]
pub mod kept_parquet;
pub mod plural;
pub mod render;
pub mod source;
pub mod stories;
pub mod system;

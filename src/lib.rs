//! storydup finds near-duplicate and syndicated documents and clusters news reports into stories.
//!
//! This crate is the `storydup` command line and a facade over the two libraries it is built
//! from, as ripgrep's `grep` crate is over its parts:
//!
//! - [`storydup_core`] (re-exported at the root: [`dedup`], [`stories`], [`params`], ...): the
//!   engines over records in memory, with no files and no command line;
//! - [`storydup_io`] (as [`io`]): record sources, atomic outputs and the drivers over files.
//!
//! ```no_run
//! use storydup::{dedup::Silent, io, params::Params};
//! let summary = io::dedup::run(&["corpus.jsonl".into()], "out".as_ref(), &Params::default(), &Silent)?;
//! assert_eq!(summary.input, summary.kept + summary.removed + summary.rejected);
//! # Ok::<(), storydup::Error>(())
//! ```

pub use storydup_core::*;
pub use storydup_io as io;

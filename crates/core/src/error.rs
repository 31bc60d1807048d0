//! One error type for the whole library, arranged by what the user must do about it.
//!
//! Every message reads `path:line: what was wrong; what to do`, so a user can find the record
//! and fix it. What a subcommand can do besides (dedup's `--on-error skip`) depends on the
//! subcommand, so the binary adds it in one place (`src/main.rs`); the library's messages name
//! only the fix for the record itself and options every reader of records has.

use std::fmt;
use std::path::PathBuf;

/// Where a record came from: the file as the user named it, the 1-based line, the byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The input file as given (or `-` for standard input).
    pub path: String,
    /// 1-based line number (1 for a whole `.txt` file).
    pub line: u64,
    /// Byte offset of the record in the (decompressed) input.
    pub byte_offset: u64,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path, self.line)
    }
}

/// What was wrong with one input record. Carried into `rejected.jsonl` under `--on-error skip`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Short machine-readable kind, e.g. `malformed_json`.
    pub kind: &'static str,
    /// What was wrong and what to do, lowercase, no trailing period.
    pub message: String,
}

impl Problem {
    /// A problem of `kind` with a human message.
    pub fn new(kind: &'static str, message: impl Into<String>) -> Problem {
        Problem {
            kind,
            message: message.into(),
        }
    }
}

/// Every error storydup reports.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input file could not be opened or read.
    #[error("{}: {source}; check that the file exists and is readable", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// One input record is bad; the run stops (the default `--on-error stop`). The message says
    /// what was wrong and how to fix the record.
    #[error("{at}: {}", problem.message)]
    Input {
        /// Where the record is.
        at: Location,
        /// What was wrong.
        problem: Problem,
    },
    /// An input is in a format storydup does not read (CSV, Parquet, a JSON array, ...), or
    /// holds no file that it reads.
    #[error("{path}: {reason}")]
    Unsupported {
        /// The input as given (or the folders, joined by ", ").
        path: String,
        /// What it is and what to do.
        reason: String,
    },
    /// An option has a value storydup cannot use.
    #[error("invalid {field}: {reason}")]
    Params {
        /// The option.
        field: &'static str,
        /// Why it is invalid and what is allowed.
        reason: String,
    },
    /// An output file could not be written.
    #[error("{}: cannot write output: {source}; check that the folder exists, is writable and has room", path.display())]
    Output {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A saved index cannot be used as it is: damaged, of another format, or built with other
    /// parameters; the reason says what to do.
    #[error("{path}: {reason}")]
    Index {
        /// The index folder or file.
        path: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// The outputs failed a consistency check (a bug in storydup, never the user's input).
    #[error("internal check failed: {0}; please report this")]
    Internal(String),
}

/// `Result` with storydup's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

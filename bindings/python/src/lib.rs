//! `storydup._storydup`: the Rust half of storydup's Python package. The Python half
//! (`py_src/storydup/__init__.py`) turns whatever the user passes (pyarrow, pandas, Hugging Face
//! `datasets`, lists) into an Arrow stream and the results into pyarrow and numpy objects; this
//! half reads the stream's columns in place (`columns`) and calls storydup-core, so that the
//! decisions are the command line's.
//!
//! Every call runs on a rayon pool of its own (`threads`, never the global pool) with the GIL
//! released, on a worker thread; the calling thread waits, and every `POLL` takes the GIL
//! for a moment to run Python's signal handlers. Ctrl-C there sets a flag that the work checks
//! between batches of records and before each text that exact verification reads again, so a
//! long call stops within a batch and raises `KeyboardInterrupt`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError};
use std::time::Duration;

use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError, PyValueError};
use pyo3::prelude::*;

mod columns;
mod dedup;
mod signatures;
mod spark;
mod stories;

/// How often a waiting call looks for Ctrl-C: short enough to feel immediate, long enough to
/// cost nothing (each look takes the GIL for a few microseconds).
const POLL: Duration = Duration::from_millis(50);

/// Why a call failed, turned into a Python exception by [`to_pyerr`].
#[derive(Debug)]
pub(crate) enum JobError {
    /// The engine's error: bad parameters (`ValueError`), a bad record, or an internal check.
    Core(storydup_core::Error),
    /// The input has a value the call cannot use (`ValueError`).
    Value(String),
    /// The Arrow stream failed part-way.
    Arrow(String),
    /// Ctrl-C: the exception raised by the signal handler is returned instead.
    Interrupted,
}

impl From<storydup_core::Error> for JobError {
    fn from(e: storydup_core::Error) -> JobError {
        JobError::Core(e)
    }
}

impl From<arrow_schema::ArrowError> for JobError {
    fn from(e: arrow_schema::ArrowError) -> JobError {
        JobError::Arrow(e.to_string())
    }
}

fn to_pyerr(e: JobError) -> PyErr {
    use storydup_core::Error;
    match e {
        JobError::Core(Error::Params { field, reason }) => PyValueError::new_err(format!("invalid {field}: {reason}")),
        JobError::Core(e @ Error::Input { .. }) => PyValueError::new_err(e.to_string()),
        JobError::Core(e) => PyRuntimeError::new_err(e.to_string()),
        JobError::Value(m) => PyValueError::new_err(m),
        JobError::Arrow(m) => PyValueError::new_err(format!("cannot read the Arrow stream: {m}")),
        JobError::Interrupted => PyKeyboardInterrupt::new_err("interrupted"),
    }
}

/// A stop flag that the work checks between batches.
pub(crate) struct Cancel(AtomicBool);

impl Cancel {
    /// `Err(Interrupted)` once Ctrl-C was pressed.
    pub(crate) fn check(&self) -> Result<(), JobError> {
        if self.0.load(Ordering::Relaxed) {
            Err(JobError::Interrupted)
        } else {
            Ok(())
        }
    }

    /// Whether Ctrl-C was pressed.
    pub(crate) fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Runs `job` on a pool of `threads` threads (`None`: one per core) with the GIL released,
/// looking for Ctrl-C while it runs (see the module docs).
///
/// # Errors
/// `threads` is 0, the pool cannot be built, the job fails, or Ctrl-C (the handler's exception,
/// `KeyboardInterrupt` by default).
pub(crate) fn run<T, F>(py: Python<'_>, threads: Option<usize>, job: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce(&Cancel) -> Result<T, JobError> + Send,
{
    if threads == Some(0) {
        return Err(PyValueError::new_err(
            "threads must be at least 1 (or None: one per core)",
        ));
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .thread_name(|i| format!("storydup-{i}"))
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start {threads:?} threads: {e}")))?;
    let cancel = Cancel(AtomicBool::new(false));
    let mut signal: Option<PyErr> = None;
    let result = py.detach(|| {
        std::thread::scope(|scope| {
            let (tx, rx) = channel();
            let (pool, cancel) = (&pool, &cancel);
            scope.spawn(move || {
                let _ = tx.send(pool.install(|| job(cancel)));
            });
            loop {
                match rx.recv_timeout(POLL) {
                    Ok(r) => return r,
                    Err(RecvTimeoutError::Timeout) => {
                        if signal.is_none() {
                            if let Err(e) = Python::attach(|py| py.check_signals()) {
                                signal = Some(e);
                                cancel.0.store(true, Ordering::Relaxed);
                            }
                        }
                    }
                    // The job panicked: leaving the scope re-raises its panic.
                    Err(RecvTimeoutError::Disconnected) => {
                        return Err(JobError::Core(storydup_core::Error::Internal(
                            "a worker thread failed".into(),
                        )))
                    }
                }
            }
        })
    });
    if let Some(e) = signal {
        return Err(e);
    }
    result.map_err(to_pyerr)
}

/// The extension module.
#[pymodule]
fn _storydup(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(dedup::dedup, m)?)?;
    m.add_function(wrap_pyfunction!(signatures::signatures, m)?)?;
    m.add_function(wrap_pyfunction!(stories::stories, m)?)?;
    spark::register(m)?;
    Ok(())
}

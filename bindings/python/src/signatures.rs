//! `storydup.signatures`: the MinHash signature of each text, exactly as dedup signs it (NFKC,
//! lower case, word breaks, shingles hashed with seeded XXH3, `num_perm` 32-bit slots), for users
//! who build their own pipelines.

use arrow_array::RecordBatchReader;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::prelude::*;
use storydup_core::dedup::Signer;
use storydup_core::params::{Params, Shingle};
use storydup_core::shingle::Shingler;

use crate::columns::{self, Role, Strings};
use crate::{run, JobError};

/// Rows signed between two looks at the stop flag.
const BATCH_ROWS: usize = 8192;

/// Signs the texts in column `text` of `stream`: returns (rows, the signatures as `rows ×
/// num_perm` little-endian u32). A text without words keeps every slot at 2³² − 1; a null text
/// is a `ValueError` naming its row.
#[pyfunction]
#[pyo3(signature = (stream, text, shingle, num_perm, seed, threads))]
pub fn signatures<'py>(
    py: Python<'py>,
    stream: &Bound<'py, PyAny>,
    text: String,
    shingle: &str,
    num_perm: usize,
    seed: u64,
    threads: Option<usize>,
) -> PyResult<(usize, Bound<'py, PyBytes>)> {
    let params = Params {
        shingle: shingle
            .parse::<Shingle>()
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("invalid shingle: {e}")))?,
        num_perm,
        seed,
        ..Params::default()
    };
    let signer = Signer::new(&params).map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
    let reader = columns::import(stream)?;
    columns::check(&reader.schema(), &text, Role::Text, "texts")?;
    let (rows, sigs) = run(py, threads, move |cancel| {
        let mut sigs: Vec<u32> = Vec::new();
        let mut rows = 0usize;
        for batch in reader {
            let batch = batch?;
            let texts =
                Strings::of(&batch, &text).ok_or_else(|| JobError::Value(format!("a batch has no column '{text}'")))?;
            let n = batch.num_rows();
            let mut start = 0;
            while start < n {
                cancel.check()?;
                let end = (start + BATCH_ROWS).min(n);
                let first = sigs.len();
                sigs.resize(first + (end - start) * num_perm, u32::MAX);
                let nulls: Vec<usize> = sigs[first..]
                    .par_chunks_mut(num_perm)
                    .zip(start..end)
                    .map_init(Shingler::default, |sh, (sig, i)| match texts.get(i) {
                        Some(t) => {
                            signer.sign(t, sh, sig, &mut [0; 3]);
                            None
                        }
                        None => Some(i),
                    })
                    .flatten()
                    .collect();
                if let Some(&i) = nulls.first() {
                    return Err(JobError::Value(format!(
                        "text {} is null (None); fill or drop it first",
                        rows + i
                    )));
                }
                start = end;
            }
            rows += n;
        }
        Ok((rows, sigs))
    })?;
    let bytes: Vec<u8> = sigs.iter().flat_map(|s| s.to_le_bytes()).collect();
    Ok((rows, PyBytes::new(py, &bytes)))
}

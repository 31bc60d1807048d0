"""Type stubs for storydup: near-duplicate detection and news story clustering over Arrow tables.

>>> import storydup
>>> r = storydup.dedup(["a long enough text to compare", "a long enough text to compare!", "another"])
>>> r.keep.tolist()
[True, False, True]
"""

from typing import Any, Dict, List, Optional, Union

import numpy as np
import numpy.typing as npt
import pyarrow as pa

__version__: str

# What dedup, stories and signatures read: pyarrow Table / RecordBatch / RecordBatchReader,
# pandas.DataFrame, datasets.Dataset, a list of strings or dicts, or any object with
# __arrow_c_stream__ (polars, DuckDB, ...). pandas and datasets are optional dependencies.
Data = Union[pa.Table, pa.RecordBatch, pa.RecordBatchReader, List[str], List[Optional[str]], List[Dict[str, Any]], Any]

class DedupResult:
    """What dedup decided, one row per input row, in input order.

    >>> import pyarrow as pa, storydup
    >>> table = pa.table({"text": ["one two three four five six", "one two three four five six!"]})
    >>> r = storydup.dedup(table)
    >>> table.filter(r.keep).num_rows      # or df[r.keep], dataset.select(r.kept_indices)
    1
    """

    table: pa.Table
    """id, keep, cluster, duplicate_of, similarity, matched, measure, rejected: one row per input row."""
    keep: npt.NDArray[np.bool_]
    """True for the rows kept: table.filter(keep), df[keep]."""
    kept_indices: npt.NDArray[np.int64]
    """Positions of the kept rows: dataset.select(kept_indices)."""
    summary: Dict[str, Any]
    """summary.json of the command line: input, kept, removed, rejected, empty, clusters, params, lsh, verification."""
    removed_jsonl: str
    clusters_jsonl: str
    @property
    def removed(self) -> List[Dict[str, Any]]:
        """The lines of the command line's removed.jsonl (ids as strings)."""
    @property
    def clusters(self) -> List[Dict[str, Any]]:
        """The lines of the command line's clusters.jsonl (ids as strings)."""

def dedup(
    data: Data,
    *,
    text: str = "text",
    id: Optional[str] = None,
    threshold: float = 0.8,
    shingle: str = "word:5",
    num_perm: int = 128,
    seed: int = 42,
    containment: bool = False,
    verify: str = "exact",
    threads: Optional[int] = None,
    max_text_bytes: Optional[int] = None,
) -> DedupResult:
    """Find near-duplicate rows; keep the first of each cluster in input order.

    id=None uses the "id" column when there is one, else the 0-based row number. A null text or
    id, or a repeated id, is a rejected row (keep False, the reason in table["rejected"]); an
    empty text is kept and never matched. Raises ValueError for a missing column or a bad
    parameter, TypeError for a column that is not strings (integers are fine for ids), and
    KeyboardInterrupt on Ctrl-C.

    >>> import pandas as pd, storydup
    >>> df = pd.DataFrame({"text": ["same words in both of these texts", "same words in both of these texts."]})
    >>> df[storydup.dedup(df).keep].shape[0]
    1
    """

def signatures(
    texts: Union[Data, pa.Array, pa.ChunkedArray],
    *,
    shingle: str = "word:5",
    num_perm: int = 128,
    seed: int = 42,
    threads: Optional[int] = None,
) -> npt.NDArray[np.uint32]:
    """MinHash signatures, shape (len(texts), num_perm), uint32, as dedup computes them.

    A text without words keeps every slot at 2**32 - 1. Estimated Jaccard = share of equal slots.

    >>> import storydup
    >>> storydup.signatures(["a b c d e f", "x y z"], num_perm=64).shape
    (2, 64)
    """

def stories(
    data: Data,
    *,
    text: str = "text",
    id: Optional[str] = None,
    title: Optional[str] = None,
    date: Optional[str] = None,
    source: Optional[str] = None,
    relative_threshold: Optional[float] = None,
    smoothing: Optional[float] = None,
    date_window: Optional[int] = None,
    date_scale: Optional[float] = None,
    cohesion: Optional[float] = None,
    threads: Optional[int] = None,
) -> Dict[str, Any]:
    """The report of `storydup stories -f json` as a dict: stories, syndication groups, variants.

    title, date and source default to the columns of those names when present.

    >>> import storydup
    >>> storydup.stories(["The river burst its banks overnight. Hundreds fled."])["num_documents"]
    1
    """

"""storydup: near-duplicate detection with exact verification, and news story clustering.

The same engine as the ``storydup`` command line, over the tables Python users already have:
pyarrow ``Table``, ``RecordBatch`` or ``RecordBatchReader``, pandas ``DataFrame``, Hugging Face
``datasets.Dataset``, or a list of strings or dicts. Text columns are read in place through the
Arrow C stream interface (no Python object per value), the work runs on Rust threads with the GIL
released, and Ctrl-C stops a long call.

>>> import storydup
>>> texts = [
...     "Ukrainian forces have launched a major new attack in Russia's western Kursk region",
...     "Ukrainian forces have launched a major new attack in Russia's western Kursk region.",
...     "Stocks closed higher on Friday as investors weighed the central bank's outlook",
... ]
>>> result = storydup.dedup(texts)
>>> result.keep.tolist()
[True, False, True]
>>> result.table.column("duplicate_of").to_pylist()
[None, 0, None]

This module only converts arguments and results; every decision is made by the Rust crates, so
Python and the command line decide the same on the same records.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np
import pyarrow as pa

from . import _storydup

__version__: str = _storydup.__version__

__all__ = ["dedup", "DedupResult", "signatures", "stories", "__version__"]


def _to_arrow(data: Any) -> Any:
    """``data`` as something with ``__arrow_c_stream__`` (a pyarrow Table or RecordBatchReader).

    pyarrow objects pass through; a pandas DataFrame is converted with ``pa.Table.from_pandas``
    (columns backed by Arrow are not copied); a Hugging Face Dataset gives its Arrow table (its
    row selection applied); a list of strings becomes one ``text`` column, a list of dicts a table.
    """
    if isinstance(data, (pa.Table, pa.RecordBatchReader)):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    module = type(data).__module__ or ""
    if module.startswith("datasets") and hasattr(data, "with_format"):
        # Dataset.with_format("arrow")[:] is the Arrow table with any select/shuffle applied;
        # without a selection it is a zero-copy slice of the (memory-mapped) table.
        return data.with_format("arrow")[:]
    if module.startswith("pandas") and hasattr(data, "columns"):
        return pa.Table.from_pandas(data, preserve_index=False)
    if isinstance(data, (list, tuple)):
        if len(data) == 0 or isinstance(data[0], str) or data[0] is None:
            if not all(x is None or isinstance(x, str) for x in data):
                raise TypeError("a list of texts must hold only strings (or None)")
            return pa.table({"text": pa.array(list(data), type=pa.large_string())})
        if isinstance(data[0], dict):
            return pa.Table.from_pylist(list(data))
        raise TypeError(f"a list must hold strings or dicts, not {type(data[0]).__name__}")
    if hasattr(data, "__arrow_c_stream__"):
        # polars, DuckDB and others: the Arrow PyCapsule interface, read as a stream.
        return pa.RecordBatchReader.from_stream(data)
    raise TypeError(
        f"cannot read {type(data).__module__}.{type(data).__name__}; pass a pyarrow Table, "
        "RecordBatch or RecordBatchReader, a pandas DataFrame, a datasets.Dataset, "
        "or a list of strings or dicts"
    )


def _schema(data: Any) -> Optional[pa.Schema]:
    return getattr(data, "schema", None)


def _unique(names: List[Optional[str]]) -> List[str]:
    out: List[str] = []
    for n in names:
        if n is not None and n not in out:
            out.append(n)
    return out


def _project(data: Any, names: List[Optional[str]]) -> Any:
    """Only the columns the call reads, so that the stream carries nothing else. A missing column
    is left for the Rust side to report, with the columns there are."""
    wanted = _unique(names)
    if isinstance(data, pa.Table):
        if any(n not in data.column_names for n in wanted):
            return data
        return _decode_dictionaries(data.select(wanted))
    return data


def _project_reader(
    reader: pa.RecordBatchReader, names: List[Optional[str]], collect: Optional[str]
) -> "tuple[pa.RecordBatchReader, List[pa.Array]]":
    """A reader of only the columns the call reads; the ``collect`` column's arrays are kept as
    the batches go by (the ids of the result, since a reader is read once)."""
    wanted = _unique(names)
    if any(n not in reader.schema.names for n in wanted):
        return reader, []
    schema = pa.schema([reader.schema.field(n) for n in wanted])
    kept: List[pa.Array] = []

    def batches():
        for batch in reader:
            batch = batch.select(wanted)
            if collect is not None:
                kept.append(batch.column(collect))
            yield batch

    return pa.RecordBatchReader.from_batches(schema, batches()), kept


def _decode_dictionaries(table: pa.Table) -> pa.Table:
    """Dictionary-encoded string columns (pandas categoricals) as plain strings."""
    for i, f in enumerate(table.schema):
        if pa.types.is_dictionary(f.type) and (
            pa.types.is_string(f.type.value_type) or pa.types.is_large_string(f.type.value_type)
        ):
            table = table.set_column(i, f.name, table.column(i).cast(f.type.value_type))
    return table


def _has_column(data: Any, name: str) -> bool:
    schema = _schema(data)
    return schema is not None and name in schema.names


@dataclass
class DedupResult:
    """What :func:`dedup` decided, one row per input row, in input order.

    Attributes:
        table: a pyarrow Table with ``id`` (the id column's value, or the 0-based row number),
            ``keep`` (bool), ``cluster`` (int64, the number of the row's cluster in the command
            line's ``clusters.jsonl``; null when the row has no duplicate), ``duplicate_of`` (the
            kept row's id, for a removed row), ``similarity`` (float64, the measured similarity
            with ``matched``, or with ``duplicate_of`` when ``matched`` is null), ``matched`` (the
            row it matched when it joined its cluster through a chain A~B, B~C),
            ``measure`` (``"jaccard"`` or ``"containment"``) and ``rejected`` (why a row was
            not used: a null text or id, or a repeated id; null otherwise).
        keep: numpy bool array: ``table.filter(result.keep)``, ``df[result.keep]``.
        kept_indices: numpy int64 array of the kept rows: ``dataset.select(result.kept_indices)``.
        summary: the counts and parameters of the command line's ``summary.json``
            (``input = kept + removed + rejected``; ``empty``: kept rows without words, which
            never match).
        removed: the lines of the command line's ``removed.jsonl`` as dicts (ids as strings).
        clusters: the lines of the command line's ``clusters.jsonl`` as dicts (ids as strings).
    """

    table: pa.Table
    keep: np.ndarray
    kept_indices: np.ndarray
    summary: Dict[str, Any]
    removed_jsonl: str = field(repr=False)
    clusters_jsonl: str = field(repr=False)

    @property
    def removed(self) -> List[Dict[str, Any]]:
        return [json.loads(line) for line in self.removed_jsonl.splitlines()]

    @property
    def clusters(self) -> List[Dict[str, Any]]:
        return [json.loads(line) for line in self.clusters_jsonl.splitlines()]

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"DedupResult(input={s['input']}, kept={s['kept']}, removed={s['removed']}, "
            f"rejected={s['rejected']}, clusters={s['clusters']})"
        )


def _row_ids(data: Any, id: Optional[str], n: int) -> pa.Array:
    """The ``id`` column of the result: the id column's values, or row numbers."""
    if id is None:
        return pa.array(np.arange(n, dtype=np.int64))
    if isinstance(data, pa.Table):
        col = data.column(id)
        return col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return None  # a stream: filled from the Rust side's ids below


def dedup(
    data: Any,
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

    Args:
        data: a pyarrow ``Table``, ``RecordBatch`` or ``RecordBatchReader``, a pandas
            ``DataFrame``, a Hugging Face ``datasets.Dataset``, a list of strings (the texts) or
            of dicts, or any object with ``__arrow_c_stream__``.
        text: the column holding the texts (``string``, ``large_string`` or ``string_view``).
        id: the column holding record ids (strings or integers). ``None``: the ``id`` column
            when there is one, else the 0-based row number (an int).
        threshold: similarity at or above which two texts are duplicates.
        shingle: ``"word:N"`` (word n-grams) or ``"char:N"`` (character n-grams).
        num_perm: MinHash permutations (32-bit slots).
        seed: seed of the shingle hash and the permutations.
        containment: also remove a text whose shingles are at least ``threshold`` contained in a
            longer one.
        verify: ``"exact"`` (the exact Jaccard of every candidate pair, re-reading the texts from
            the table) or ``"estimate"`` (the MinHash estimate alone).
        threads: worker threads (``None``: one per core). The result is the same for any number.
        max_text_bytes: compare texts longer than this on their first bytes only.

    Returns:
        a :class:`DedupResult`.

    Raises:
        ValueError: a missing column or a bad parameter. TypeError: a column that is not
        strings (or integers, for ids). KeyboardInterrupt: Ctrl-C while it runs.

    A row whose text is null, or whose id is null or repeats an earlier row's, is rejected
    (``keep`` is False, the reason in ``table["rejected"]``); an empty text is kept and never
    matched. The decisions, cluster numbers and removed ids are the command line's on the same
    records.

    Example:
        >>> import pyarrow as pa, storydup
        >>> table = pa.table({"text": ["one two three four five six", "one two three four five six!",
        ...                            "something else entirely, about other things"]})
        >>> r = storydup.dedup(table)
        >>> table.filter(r.keep).num_rows, r.summary["removed"]
        (2, 1)
    """
    stream = _to_arrow(data)
    if id is None and _has_column(stream, "id"):
        id = "id"
    id_chunks: List[pa.Array] = []
    if isinstance(stream, pa.Table):
        stream = _project(stream, [text, id])
    elif isinstance(stream, pa.RecordBatchReader):
        stream, id_chunks = _project_reader(stream, [text, id], id)
    out = _storydup.dedup(
        stream,
        text,
        id,
        float(threshold),
        str(shingle),
        int(num_perm),
        int(seed),
        bool(containment),
        str(verify),
        max_text_bytes,
        threads,
    )
    n = out["num_rows"]
    keep = np.frombuffer(out["keep"], dtype=np.uint8).astype(bool)
    cluster = np.frombuffer(out["cluster"], dtype="<i8")
    dup = np.frombuffer(out["duplicate_of"], dtype="<i8")
    matched = np.frombuffer(out["matched"], dtype="<i8")
    sim = np.frombuffer(out["similarity"], dtype="<f8")
    measure = np.frombuffer(out["measure"], dtype=np.uint8)
    ids = _row_ids(stream, id, n)
    if ids is None:
        # A stream is read once: its ids were kept as its batches went by.
        ids = pa.chunked_array(id_chunks, type=stream.schema.field(id).type).combine_chunks()
    reasons: List[Optional[str]] = [None] * n
    for row, _kind, reason in out["rejected"]:
        reasons[row] = reason

    def by_row(rows: np.ndarray) -> pa.Array:
        mask = rows < 0
        return ids.take(pa.array(np.where(mask, 0, rows), mask=mask)) if n else ids

    measure_names = np.array([None, "jaccard", "containment"], dtype=object)
    table = pa.table(
        {
            "id": ids,
            "keep": pa.array(keep),
            "cluster": pa.array(cluster, mask=cluster < 0),
            "duplicate_of": by_row(dup),
            "similarity": pa.array(sim, mask=np.isnan(sim)),
            "matched": by_row(matched),
            "measure": pa.array(measure_names[measure], type=pa.string()),
            "rejected": pa.array(reasons, type=pa.string()),
        }
    )
    return DedupResult(
        table=table,
        keep=keep,
        kept_indices=np.flatnonzero(keep).astype(np.int64),
        summary=json.loads(out["summary"]),
        removed_jsonl=out["removed_jsonl"],
        clusters_jsonl=out["clusters_jsonl"],
    )


def signatures(
    texts: Any,
    *,
    shingle: str = "word:5",
    num_perm: int = 128,
    seed: int = 42,
    threads: Optional[int] = None,
) -> np.ndarray:
    """MinHash signatures of ``texts``, exactly as :func:`dedup` computes them.

    Args:
        texts: a list of strings, a pyarrow string array or chunked array, or a table with a
            ``text`` column (any input :func:`dedup` takes).
        shingle, num_perm, seed, threads: as for :func:`dedup`.

    Returns:
        a ``numpy.ndarray`` of shape ``(len(texts), num_perm)`` and dtype ``uint32``. A text
        without words keeps every slot at ``2**32 - 1``; two texts' estimated Jaccard is the share
        of equal slots.

    Example:
        >>> import storydup
        >>> sig = storydup.signatures(["a b c d e f", "a b c d e f", "x y z"], num_perm=64)
        >>> sig.shape, bool((sig[0] == sig[1]).all())
        ((3, 64), True)
    """
    if isinstance(texts, (pa.Array, pa.ChunkedArray)):
        stream = pa.table({"text": texts})
    else:
        stream = _to_arrow(texts)
        if isinstance(stream, pa.Table):
            stream = _project(stream, ["text"])
    n, raw = _storydup.signatures(stream, "text", str(shingle), int(num_perm), int(seed), threads)
    return np.frombuffer(raw, dtype="<u4").reshape(n, int(num_perm)).astype(np.uint32, copy=False)


def stories(
    data: Any,
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
    """Cluster news articles into stories; find reprinted wire copy and each variant's edits.

    Args:
        data: any input :func:`dedup` takes, one article per row.
        text: the column holding the article text.
        id: the id column; ``None``: ``id`` when present, else the row number (as a string).
        title, date, source: the headline, date (``YYYY-MM-DD...``) and outlet columns;
            ``None``: the column of that name when present.
        relative_threshold, smoothing, date_window, date_scale, cohesion: as ``storydup stories``
            takes them (``--relative-threshold``, ``--smoothing``, ``--date-window``,
            ``--date-scale``, ``--cohesion``); ``None``: its defaults.
        threads: worker threads (``None``: one per core).

    Returns:
        the report of ``storydup stories -f json`` as a dict (see the README for its schema).

    Example:
        >>> import storydup
        >>> report = storydup.stories(["The river burst its banks overnight. Hundreds fled.",
        ...                            "Shares rose on Friday after the bank's decision."])
        >>> report["num_documents"]
        2
    """
    stream = _to_arrow(data)
    if id is None and _has_column(stream, "id"):
        id = "id"
    if title is None and _has_column(stream, "title"):
        title = "title"
    if date is None and _has_column(stream, "date"):
        date = "date"
    if source is None and _has_column(stream, "source"):
        source = "source"
    if isinstance(stream, pa.Table):
        stream = _project(stream, [text, id, title, date, source])
    elif isinstance(stream, pa.RecordBatchReader):
        stream, _ = _project_reader(stream, [text, id, title, date, source], None)
    report = _storydup.stories(
        stream,
        text,
        id,
        title,
        date,
        source,
        None if relative_threshold is None else float(relative_threshold),
        None if smoothing is None else float(smoothing),
        date_window,
        None if date_scale is None else float(date_scale),
        None if cohesion is None else float(cohesion),
        42,
        threads,
    )
    return json.loads(report)

"""``storydup dedup`` on Apache Spark, byte for byte the single-machine run's outputs.

    python -m storydup.spark dedup INPUT... --out DIR [the options of storydup dedup]
                                   [--partitions N] [--master URL] [--checkpoint-dir DIR]

also runs through ``spark-submit`` (``spark-submit .../storydup/spark.py dedup ...``). INPUT is any
path Spark reads (local, ``hdfs://``, ``s3a://`` through the cluster's own configuration): JSONL
files, plain, gzip or zstd (recognised by their first bytes, as the command line does), Parquet
files (``.parquet``), or folders of them (walked in byte order of names). DIR gets ``kept.jsonl``
(``kept.parquet`` for Parquet input), ``removed.jsonl``,
``clusters.jsonl``, ``rejected.jsonl`` and ``summary.json``, each one file, byte-identical to
``storydup dedup``'s on the same inputs and options for any number of partitions (``summary.json``
differs only in ``timings_s``, ``peak_rss_bytes`` and ``inputs[].xxh3``, which is null: a file's
hash needs one sequential pass over all its bytes, and Spark reads a file in splits).

Every decision is storydup's Rust code, called on the executors through this package
(``mapInArrow`` over Arrow batches): reading a line, parsing, signing, the 16-bit stored slots,
band keys, the bucket rule, the estimate filter, verification, clusters and every output line. This module only moves data
between the stages, which are Spark jobs:

1. **read and sign** (no shuffle): plain files through Spark's text source split on ``\\n`` only,
   each split numbered within itself; gzip and zstd files whole (one task each) through the
   command line's reader; Parquet files whole (one task each) through the command line's Parquet
   reader, a row's line being its row. Each record's key is its place in input order, ``(file index << 40) +
   line``, made from per-split line counts (one row per split reaches the driver, never one per
   record), so it is the same for every partitioning. A record without an id field gets its place
   ``FILE:LINE`` as its id, as on the command line, once its line is known.
2. **ids**: a record whose id an earlier record has is rejected (shuffle by id).
3. **banding**: (band, key, record) rows of the records with words (a text without words is kept
   and never matched) shuffled by (band, key), sorted, and each bucket paired by the core's rule;
   pairs deduplicated (shuffle).
4. **estimate filter**: pairs joined with both signatures (two shuffles).
5. **connected components**: alternating large-star / small-star rounds (Kiveris et al., 2014),
   each round checkpointed, until a round changes nothing; the label of a component is its least
   key, its first record in input order.
6. **verification**: each component's members (with their record bytes) and pairs shuffled to one
   task and verified and clustered there as the single machine does per component.
7. **outputs**: clusters numbered by the rank of their first member (per-partition counts reach the
   driver), lines formatted by the command line's writers, sorted by Spark, and the part files
   concatenated in order into one file per output (a streaming copy, or HDFS ``concat``), each
   written under a temporary name and renamed into place, ``summary.json`` last. ``kept.parquet``
   is written by one task, with the command line's writer, from the input files and each file's
   rows not kept, and its bytes are streamed to DIR through the driver.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
import uuid
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import unquote

import numpy as np
import pyarrow as pa

from . import _storydup

#: Bits of a key below the file index: lines per file up to 2**40.
LINE_BITS = 40

# Row status of the signing stage (bindings/python/src/spark.rs); BYTES and SCHEMA rows are one
# per compressed or Parquet file: its bytes as the command line counts them, its schema.
OK, REJECTED, BLANK, FAILED, BYTES, SCHEMA = 0, 1, 2, 3, 4, 5
# Row kinds of the verification stage.
REMOVAL, CLUSTER, COMPONENT = 0, 1, 2

#: Parquet files, by name as the command line tells them.
PARQUET_EXTS = (".parquet",)

JSONL_EXTS = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".jsonl.zstd", ".ndjson", ".ndjson.gz", ".ndjson.zst")

SIGNED_SCHEMA = (
    "fidx int, bstart long, idx long, bbefore long, rawlen long, line long, offset long, "
    "status byte, record binary, id string, place byte, size int, truncated byte, sig binary, kind string, reason string"
)


class UsageError(Exception):
    """A problem with the command line or the inputs: printed as ``storydup: ...``, exit code 2."""


# ------------------------------------------------------------------------------------------------
# Arrow helpers

_FIXED = {"int64": pa.int64(), "int32": pa.int32(), "uint8": pa.int8(), "float64": pa.float64()}


def _arrays(cols: Dict[str, Any]) -> Dict[str, pa.Array]:
    """The column buffers a Rust function returned, as Arrow arrays (no copy per value)."""
    out = {}
    for name, v in cols.items():
        kind = v[0]
        if kind in _FIXED:
            t = _FIXED[kind]
            n = len(v[1]) // (t.bit_width // 8)
            out[name] = pa.Array.from_buffers(t, n, [None, pa.py_buffer(v[1])])
        else:
            offsets, data, bitmap = v[1], v[2], v[3]
            n = len(offsets) // 4 - 1
            t = pa.string() if kind == "string" else pa.binary()
            out[name] = pa.Array.from_buffers(t, n, [pa.py_buffer(bitmap), pa.py_buffer(offsets), pa.py_buffer(data)])
    return out


def _table(**cols: pa.Array) -> pa.Table:
    return pa.table(cols)


def _batch(schema: pa.Schema, cols: Dict[str, pa.Array]) -> pa.RecordBatch:
    arrays = [cols[f.name].cast(f.type) if cols[f.name].type != f.type else cols[f.name] for f in schema]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _spark_arrow_schema(ddl: str) -> pa.Schema:
    types = {
        "int": pa.int32(),
        "long": pa.int64(),
        "byte": pa.int8(),
        "binary": pa.binary(),
        "string": pa.string(),
        "double": pa.float64(),
    }
    fields = []
    for part in ddl.split(","):
        name, t = part.split()
        fields.append(pa.field(name, types[t]))
    return pa.schema(fields)


def _check_rows(stage: str, expected: int, got: int) -> None:
    """A stage that does not give one result per record fails the task (never silently)."""
    if expected != got:
        raise RuntimeError(f"storydup {stage}: {got} results for {expected} rows; failing the task")


# ------------------------------------------------------------------------------------------------
# Executor functions (shipped to the Python workers by mapInArrow)


def _fault(fault: Optional[str], stage: str) -> None:
    """Test-only faults (``--fault``): a worker killed once, or a signer that fails."""
    if fault is None:
        return
    from pyspark import TaskContext

    ctx = TaskContext.get()
    if fault == f"kill-{stage}" and ctx is not None and ctx.partitionId() == 0 and ctx.attemptNumber() == 0:
        os.kill(os.getpid(), 9)
    if fault == f"raise-{stage}":
        raise RuntimeError(f"storydup: injected failure in {stage} (--fault {fault})")


def _sign_plain(params: str, files: Dict[str, int], fault: Optional[str]):
    schema = _spark_arrow_schema(SIGNED_SCHEMA)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        prev: Optional[Tuple[str, int]] = None
        carry_idx = carry_bytes = 0
        for batch in batches:
            _fault(fault, "sign")
            n = batch.num_rows
            if n == 0:
                continue
            raw = batch.column("raw")
            paths = batch.column("path").dictionary_encode()
            names = [unquote(p) for p in paths.dictionary.to_pylist()]
            try:
                fidx_of = np.array([files[p] for p in names], dtype=np.int32)
            except KeyError as e:
                raise RuntimeError(f"storydup: Spark read a file the job did not list: {e}") from None
            codes = paths.indices.to_numpy(zero_copy_only=False)
            fidx = fidx_of[codes]
            bstart = batch.column("bstart").to_numpy(zero_copy_only=False)
            offs = np.frombuffer(raw.buffers()[1], dtype=np.int32, count=n + 1, offset=raw.offset * 4)
            lens = np.diff(offs).astype(np.int64) + 1  # the line and its '\n'
            # Rows of one split are contiguous and in order: number them within their split.
            change = np.empty(n, dtype=bool)
            change[0] = prev != (names[codes[0]], int(bstart[0]))
            change[1:] = (codes[1:] != codes[:-1]) | (bstart[1:] != bstart[:-1])
            ar = np.arange(n)
            start = np.maximum.accumulate(np.where(change, ar, 0))
            csum = np.concatenate([[0], np.cumsum(lens)])
            idx = ar - start
            bbefore = csum[ar] - csum[start]
            if not change[0]:
                cont = start == 0
                idx[cont] += carry_idx
                bbefore[cont] += carry_bytes
            carry_idx, carry_bytes = int(idx[-1]) + 1, int(bbefore[-1] + lens[-1])
            prev = (names[codes[-1]], int(bstart[-1]))
            out = _arrays(_storydup.spark_sign(_table(raw=raw), params, True))
            if fault == "drop-sign":
                out = {k: v.slice(1) for k, v in out.items()}
            _check_rows("signing", n, len(out["status"]))
            minus = pa.array(np.full(n, -1, dtype=np.int64))
            out.update(
                fidx=pa.array(fidx),
                bstart=pa.array(bstart.astype(np.int64)),
                idx=pa.array(idx.astype(np.int64)),
                bbefore=pa.array(bbefore.astype(np.int64)),
                rawlen=pa.array(lens),
                line=minus,
                offset=minus,
            )
            yield _batch(schema, out)

    return run


def _saved_files(batches: Iterator[pa.RecordBatch], files: Dict[str, int], fault: Optional[str]):
    """Each file of Spark's binaryFile rows saved on the executor's disk for the task: yields
    ``(file index, the copy's path, a folder for the task's own files)``; both are removed when
    the caller moves on."""
    for batch in batches:
        for i in range(batch.num_rows):
            _fault(fault, "sign")
            path = batch.column("path")[i].as_py()
            if path not in files:
                raise RuntimeError(f"storydup: Spark read a file the job did not list: {path}")
            tmp = tempfile.mkdtemp(prefix="storydup-spark-")
            try:
                src = os.path.join(tmp, "input")
                with open(src, "wb") as f:
                    f.write(batch.column("content")[i].as_buffer())
                yield files[path], src, tmp
            finally:
                shutil.rmtree(tmp, ignore_errors=True)


def _sign_compressed(params: str, files: Dict[str, int], fault: Optional[str]):
    schema = _spark_arrow_schema(SIGNED_SCHEMA)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for fidx, src, tmp in _saved_files(batches, files, fault):
            reader = _storydup.spark_read_compressed(src, os.path.join(tmp, "spool"), params)
            for cols, n in _read_batches(reader):
                status = cols["status"].to_numpy(zero_copy_only=False)
                signed = _arrays(_storydup.spark_sign(_table(raw=cols["record"].fill_null(b"")), params, False))
                _check_rows("signing", n, len(signed["status"]))
                # A break in the stream is its own row; the rest are records.
                failed = status == FAILED
                st = signed["status"].to_numpy(zero_copy_only=False).copy()
                st[failed] = FAILED
                signed["status"] = pa.array(st)
                for c in ("kind", "reason"):
                    signed[c] = pa.array(
                        np.where(failed, cols[c].to_numpy(zero_copy_only=False), signed[c].to_numpy(zero_copy_only=False)),
                        type=pa.string(),
                    )
                signed.update(line=cols["line"], offset=cols["offset"])
                yield _batch(schema, _unsplit(signed, n, fidx))
            # The decompressed size, for summary.json's input_bytes.
            meta = {f.name: pa.nulls(1, f.type) for f in schema}
            meta.update(
                fidx=pa.array([fidx], pa.int32()),
                status=pa.array([BYTES], pa.int8()),
                rawlen=pa.array([reader.bytes_read], pa.int64()),
            )
            yield _batch(schema, meta)

    return run


def _read_batches(reader) -> Iterator[Tuple[Dict[str, pa.Array], int]]:
    """A file reader's batches that have rows, as Arrow columns with their row count."""
    while True:
        got = reader.next_batch(8192)
        if got is None:
            return
        cols = _arrays(got)
        n = len(cols["status"])
        if n:
            yield cols, n


def _unsplit(cols: Dict[str, pa.Array], n: int, fidx: int) -> Dict[str, pa.Array]:
    """The columns of rows read from a whole file (not a split of it): their file, and no split."""
    minus = pa.array(np.full(n, -1, dtype=np.int64))
    cols.update(fidx=pa.array(np.full(n, fidx, dtype=np.int32)), bstart=minus, idx=minus, bbefore=minus, rawlen=minus)
    return cols


def _sign_parquet(params: str, files: Dict[str, int], displays: List[str], fault: Optional[str]):
    """Each Parquet file (one row of Spark's binaryFile source, on the executor's disk for the
    task) read and signed by the command line's own reader; then a BYTES row (the bytes it read
    as the command line counts them) and a SCHEMA row (its schema, compared on the driver)."""
    schema = _spark_arrow_schema(SIGNED_SCHEMA)

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for fidx, src, tmp in _saved_files(batches, files, fault):
            reader = _storydup.spark_read_parquet(src, displays[fidx], os.path.join(tmp, "spool"), params)
            for cols, n in _read_batches(reader):
                yield _batch(schema, _unsplit(cols, n, fidx))
            described = reader.schema
            meta = {f.name: pa.nulls(2, f.type) for f in schema}
            meta.update(
                fidx=pa.array([fidx, fidx], pa.int32()),
                status=pa.array([BYTES, SCHEMA], pa.int8()),
                rawlen=pa.array([reader.bytes_read, None], pa.int64()),
                kind=pa.array([None, described[0] if described else None], pa.string()),
                reason=pa.array([None, described[1] if described else None], pa.string()),
            )
            yield _batch(schema, meta)

    return run


def _write_parquet(params: str, files: Dict[str, int], displays: List[str], texts_whole: bool):
    """One task: every Parquet input (from Spark's binaryFile source) saved on the executor's
    disk, and each file's rows that are not kept (one row per file), then kept.parquet written
    by the command line's own writer and handed back in pieces, in order."""
    schema = pa.schema([("seq", pa.int64()), ("data", pa.binary()), ("rows", pa.int64())])

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        tmp = tempfile.mkdtemp(prefix="storydup-spark-kept-")
        try:
            local: Dict[int, str] = {}
            gone: Dict[int, List[int]] = {}
            for batch in batches:
                for i in range(batch.num_rows):
                    path = batch.column("path")[i].as_py()
                    if path is not None:
                        if path not in files:
                            raise RuntimeError(f"storydup: Spark read a file the job did not list: {path}")
                        fidx = files[path]
                        local[fidx] = os.path.join(tmp, f"input-{fidx:06d}.parquet")
                        with open(local[fidx], "wb") as f:
                            f.write(batch.column("content")[i].as_buffer())
                    else:
                        fidx = batch.column("fidx")[i].as_py()
                        gone[fidx] = sorted(batch.column("rows")[i].as_py())
            order = sorted(local)
            if order != list(range(len(displays))):
                raise RuntimeError(f"storydup: the kept.parquet task got {len(order)} of {len(displays)} files")
            out = os.path.join(tmp, "out")
            os.mkdir(out)
            rows = _storydup.spark_write_kept_parquet(
                [local[i] for i in order], [displays[i] for i in order], [gone.get(i, []) for i in order],
                params, texts_whole, out,
            )
            seq = 0
            with open(os.path.join(out, "kept.parquet"), "rb") as f:
                while True:
                    data = f.read(8 << 20)
                    if not data:
                        break
                    yield pa.RecordBatch.from_arrays(
                        [pa.array([seq], pa.int64()), pa.array([data], pa.binary()), pa.array([None], pa.int64())],
                        schema=schema,
                    )
                    seq += 1
            yield pa.RecordBatch.from_arrays(
                [pa.array([seq], pa.int64()), pa.array([b""], pa.binary()), pa.array([rows], pa.int64())], schema=schema
            )
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    return run


def _band_keys(params: str):
    schema = pa.schema([("doc", pa.int64()), ("band", pa.int32()), ("bkey", pa.int64())])

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            out = _arrays(_storydup.spark_band_keys(_table(sig=batch.column("sig")), params))
            doc = batch.column("key").take(out["row"])
            yield pa.RecordBatch.from_arrays([doc, out["band"], out["key"]], schema=schema)

    return run


def _carried(fn, final_schema: pa.Schema):
    """Feeds sorted batches to ``fn(table, last) -> (rows out, rows used)``, carrying the rows of
    a group that may go on in the next batch."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        carry: Optional[pa.Table] = None
        for batch in batches:
            t = pa.Table.from_batches([batch])
            if carry is not None and carry.num_rows:
                t = pa.concat_tables([carry, t])
            out, used = fn(t, False)
            carry = t.slice(used)
            if out is not None:
                yield out
        if carry is not None and carry.num_rows:
            out, used = fn(carry, True)
            _check_rows("grouping", carry.num_rows, used)
            if out is not None:
                yield out

    return run


def _bucket_pairs():
    schema = pa.schema([("a", pa.int64()), ("b", pa.int64())])

    def one(t: pa.Table, last: bool):
        cols, used = _storydup.spark_bucket_pairs(t.select(["band", "bkey", "doc"]).rename_columns(["band", "key", "doc"]), last)
        a = _arrays(cols)
        return pa.RecordBatch.from_arrays([a["a"], a["b"]], schema=schema), used

    return _carried(one, schema)


def _near_enough(params: str):
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            if batch.num_rows == 0:
                continue
            t = pa.Table.from_batches([batch])
            mask = np.frombuffer(_storydup.spark_near_enough(t, params), dtype=np.uint8).astype(bool)
            _check_rows("estimate filter", batch.num_rows, len(mask))
            yield batch.select(["a", "b"]).filter(pa.array(mask))

    return run


VERIFIED_SCHEMA = (
    "rowtype byte, root long, first long, key long, kept_pos int, similarity double, measure byte, "
    "n_edges long, n_members long, id string, dup_id string, matched_id string, members binary"
)


def _verify(params: str, fault: Optional[str], parquet: bool):
    schema = _spark_arrow_schema(VERIFIED_SCHEMA)

    def one(t: pa.Table, last: bool):
        _fault(fault, "verify")
        cols, used = _storydup.spark_verify(t, params, last, parquet)
        return _batch(schema, _arrays(cols)), used

    return _carried(one, schema)


def _lines(fn_name: str, key: str):
    schema = pa.schema([("k", pa.int64()), ("line", pa.string())])

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        fn = getattr(_storydup, fn_name)
        for batch in batches:
            if batch.num_rows == 0:
                continue
            lines = fn(pa.Table.from_batches([batch]))
            _check_rows("formatting", batch.num_rows, len(lines))
            yield pa.RecordBatch.from_arrays([batch.column(key), pa.array(lines, pa.string())], schema=schema)

    return run


def _duplicate_reasons(displays: List[str], id_field: str):
    schema = pa.schema(
        [("key", pa.int64()), ("id", pa.string()), ("kind", pa.string()), ("reason", pa.string()), ("line", pa.int64()), ("offset", pa.int64())]
    )

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        mask = (1 << LINE_BITS) - 1
        for batch in batches:
            keys = batch.column("key").to_pylist()
            ids = batch.column("id").to_pylist()
            firsts = batch.column("first_key").to_pylist()
            kinds, reasons = [], []
            for k, i, f in zip(keys, ids, firsts):
                kind, reason = _storydup.spark_duplicate_id(
                    i, displays[k >> LINE_BITS], k & mask, displays[f >> LINE_BITS], f & mask, id_field
                )
                kinds.append(kind)
                reasons.append(reason)
            yield pa.RecordBatch.from_arrays(
                [
                    pa.array(keys, pa.int64()),
                    pa.array(ids, pa.string()),
                    pa.array(kinds, pa.string()),
                    pa.array(reasons, pa.string()),
                    batch.column("line"),
                    batch.column("offset"),
                ],
                schema=schema,
            )

    return run


def _tag_partitions():
    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        pid = TaskContext.get().partitionId()
        i = 0
        for batch in batches:
            n = batch.num_rows
            cols = {name: batch.column(name) for name in batch.schema.names}
            cols["pid"] = pa.array(np.full(n, pid, dtype=np.int32))
            cols["pidx"] = pa.array(np.arange(i, i + n, dtype=np.int64))
            i += n
            yield pa.RecordBatch.from_pydict(cols)

    return run


# ------------------------------------------------------------------------------------------------
# The driver


def _parse_size(s: str) -> int:
    """A size such as 512M or 8G (binary multiples), or plain bytes (as the command line reads it)."""
    t = s.strip()
    shifts = {"K": 10, "M": 20, "G": 30, "T": 40}
    if t and t[-1].isalpha():
        if t[-1].upper() not in shifts:
            raise argparse.ArgumentTypeError(f"'{s}' is not a size; use e.g. 512M or 8G")
        return int(t[:-1]) << shifts[t[-1].upper()]
    return int(t)


def _args(argv: Optional[List[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m storydup.spark",
        description="storydup dedup on Apache Spark: the single-machine outputs, byte for byte.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser(
        "dedup", help="remove near-duplicates from JSONL files (plain, gzip, zstd), Parquet files, or folders of them"
    )
    d.add_argument("inputs", nargs="+", metavar="INPUT")
    d.add_argument("-o", "--out", required=True, help="output folder (any path Spark writes)")
    d.add_argument("--threshold", type=float, default=0.8)
    d.add_argument("--shingle", default="word:5")
    d.add_argument("--num-perm", type=int, default=128)
    d.add_argument("--seed", type=int, default=42)
    d.add_argument(
        "--id-field",
        help="JSON field of the id (default id; as on the command line, a record without it then gets its "
        "place FILE:LINE as its id, but when --id-field is given such a record is rejected)",
    )
    d.add_argument("--text-field", default="text")
    d.add_argument("--containment", action="store_true")
    d.add_argument("--verify", choices=["exact", "estimate"], default="exact")
    d.add_argument("--on-error", choices=["stop", "skip"], default="stop")
    d.add_argument("--max-doc-bytes", type=int, default=16 << 20)
    d.add_argument("--oversized", choices=["reject", "truncate"], default="reject")
    d.add_argument("--max-text-bytes", type=int)
    d.add_argument(
        "--max-memory",
        type=_parse_size,
        help="echoed in summary.json as the command line does (the job holds nothing per record on the driver)",
    )
    d.add_argument("--bands", type=int)
    d.add_argument("--rows", type=int)
    d.add_argument("-j", "--threads", type=int, help="accepted for the command line's sake; Spark's cores decide")
    d.add_argument("-q", "--quiet", action="store_true")
    d.add_argument("--partitions", type=int, help="split the input and every shuffle into N partitions (default: Spark's default parallelism)")
    d.add_argument("--master", help="Spark master URL (default local[*] unless launched by spark-submit)")
    d.add_argument("--checkpoint-dir", help="where connected-components rounds are checkpointed (default: a folder inside --out, removed at the end)")
    d.add_argument("--metrics", help="write the job's measurements (stage times, shuffle bytes, rounds) as JSON to this local file")
    d.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE", help="a Spark setting, as spark-submit --conf (repeatable)")
    d.add_argument("--fault", help=argparse.SUPPRESS)  # tests only: kill-sign, raise-sign, drop-sign, raise-verify
    a = p.parse_args(argv)
    if (a.bands is None) != (a.rows is None):
        p.error("--bands and --rows go together")
    if a.partitions is not None and a.partitions < 1:
        p.error("--partitions must be at least 1")
    return a


def _params_json(a: argparse.Namespace) -> str:
    return json.dumps(
        {
            "threshold": a.threshold,
            "shingle": a.shingle,
            "num_perm": a.num_perm,
            "seed": a.seed,
            "id_field": a.id_field or "id",
            "missing_id": "place" if a.id_field is None else "reject",
            "text_field": a.text_field,
            "containment": a.containment,
            "verify": a.verify,
            "on_error": a.on_error,
            "max_doc_bytes": a.max_doc_bytes,
            "oversized": a.oversized,
            "max_text_bytes": a.max_text_bytes,
            "max_memory": a.max_memory,
            "bands": a.bands,
            "rows": a.rows,
        }
    )


def _session(a: argparse.Namespace):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("storydup dedup")
    launched = "PYSPARK_GATEWAY_PORT" in os.environ  # spark-submit started this interpreter
    if a.master:
        builder = builder.master(a.master)
    elif not launched:
        builder = builder.master("local[*]")
    if not launched:
        # Local Python workers run this interpreter, which has storydup installed.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = builder.config("spark.ui.showConsoleProgress", "false")
    if a.partitions:
        builder = builder.config("spark.sql.shuffle.partitions", str(a.partitions)).config(
            "spark.default.parallelism", str(a.partitions)
        )
    for kv in a.conf:
        k, _, v = kv.partition("=")
        builder = builder.config(k, v)
    # Every shuffle keeps the partition count asked for (adaptive execution would coalesce them),
    # and stages stay as planned.
    builder = builder.config("spark.sql.adaptive.enabled", "false")
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    # A session that already existed (tests, notebooks) takes the run's settings too.
    spark.conf.set("spark.sql.adaptive.enabled", "false")
    if a.partitions:
        spark.conf.set("spark.sql.shuffle.partitions", str(a.partitions))
    return spark


class _Fs:
    """The driver's view of a file system, through Spark's Hadoop configuration (so HDFS and S3
    work as the cluster is configured). Only metadata, the first bytes of each input, and the
    streaming copy of output part files go through it."""

    def __init__(self, spark):
        self.jvm = spark._jvm
        self.conf = spark._jsc.hadoopConfiguration()

    def path(self, p: str):
        return self.jvm.org.apache.hadoop.fs.Path(p)

    def fs(self, p: str):
        fs = self.path(p).getFileSystem(self.conf)
        # The local file system writes a .crc file beside each file; the command line does not.
        if self.jvm.java.lang.Class.forName("org.apache.hadoop.fs.ChecksumFileSystem").isInstance(fs):
            fs = fs.getRawFileSystem()
        return fs

    def status(self, p: str):
        return self.fs(p).getFileStatus(self.path(p))

    def qualified(self, p: str) -> str:
        return self.fs(p).makeQualified(self.path(p)).toString()

    def head(self, p: str, n: int) -> bytes:
        stream = self.fs(p).open(self.path(p))
        try:
            buf = bytearray()
            while len(buf) < n:
                b = stream.read()
                if b < 0:
                    break
                buf.append(b)
            return bytes(buf)
        finally:
            stream.close()

    def children(self, p: str) -> List[Tuple[str, bool]]:
        out = []
        for st in self.fs(p).listStatus(self.path(p)):
            out.append((st.getPath().getName(), st.isDirectory()))
        return out

    def exists(self, p: str) -> bool:
        return bool(self.fs(p).exists(self.path(p)))

    def delete(self, p: str, recursive: bool = False) -> None:
        self.fs(p).delete(self.path(p), recursive)

    def mkdirs(self, p: str) -> None:
        self.fs(p).mkdirs(self.path(p))

    def rename(self, src: str, dst: str) -> None:
        fs = self.fs(dst)
        if fs.exists(self.path(dst)):
            fs.delete(self.path(dst), False)
        if not fs.rename(self.path(src), self.path(dst)):
            raise RuntimeError(f"cannot rename {src} to {dst}")

    def parts(self, folder: str) -> List[str]:
        names = [n for n, is_dir in self.children(folder) if not is_dir and n.startswith("part-")]
        names.sort(key=lambda n: int(re.match(r"part-(\d+)", n).group(1)))
        return [_join(folder, n) for n in names]

    def concat(self, parts: List[str], dst: str) -> None:
        """``dst`` made of ``parts`` in order, without their bytes passing through Python."""
        fs = self.fs(dst)
        out = fs.create(self.path(dst), True)
        try:
            for part in parts:
                stream = fs.open(self.path(part))
                try:
                    self.jvm.org.apache.hadoop.io.IOUtils.copyBytes(stream, out, 1 << 20, False)
                finally:
                    stream.close()
        finally:
            out.close()

    def writer(self, dst: str) -> "_Writer":
        """A stream to ``dst`` (created or replaced) for bytes from Python, closed by ``with``."""
        return _Writer(self.fs(dst).create(self.path(dst), True))

    def write_text(self, dst: str, text: str) -> None:
        fs = self.fs(dst)
        out = fs.create(self.path(dst), True)
        try:
            out.write(bytearray(text.encode()))
        finally:
            out.close()


class _Writer:
    """Bytes from Python into a Hadoop output stream, through the JVM gateway (``bytearray`` goes
    over as a Java ``byte[]``)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, data: bytes) -> None:
        self.stream.write(bytearray(data))

    def __enter__(self) -> "_Writer":
        return self

    def __exit__(self, *exc) -> None:
        self.stream.close()


def _join(folder: str, name: str) -> str:
    return folder + name if folder.endswith("/") else folder + "/" + name


class _Input:
    """One input file: as named for messages (the command line's display), qualified for Spark."""

    def __init__(self, display: str, qualified: str, size: int, compression: str, bom: bool, given: int):
        self.display, self.qualified, self.size = display, qualified, size
        self.compression, self.bom = compression, bom
        #: The input (as given on the command line) this file is, or is inside.
        self.given = given


def _expand(fs: _Fs, inputs: List[str]) -> Tuple[List[_Input], int]:
    """The input files in reading order, as the command line expands them (folders walked
    recursively in byte order of names; JSONL files read, others counted as skipped)."""
    files: List[_Input] = []
    skipped = 0
    given = 0

    def add(path: str, display: str) -> None:
        st = fs.status(path)
        if display.lower().endswith(PARQUET_EXTS):
            files.append(_Input(display, fs.qualified(path), int(st.getLen()), "parquet", False, given))
            return
        head = fs.head(path, 4)
        if head.startswith(b"\x1f\x8b"):
            comp = "gzip"
        elif head.startswith(b"\x28\xb5\x2f\xfd"):
            comp = "zstd"
        else:
            comp = "none"
        files.append(_Input(display, fs.qualified(path), int(st.getLen()), comp, head.startswith(b"\xef\xbb\xbf"), given))

    def walk(path: str, display: str) -> None:
        nonlocal skipped
        for name, is_dir in sorted(fs.children(path), key=lambda c: c[0].encode()):
            child, child_display = _join(path, name), _join(display, name)
            if is_dir:
                walk(child, child_display)
            elif name.lower().endswith(".txt"):
                raise UsageError(
                    f"{child_display}: .txt files are not read by the Spark job yet; run storydup dedup, "
                    "or convert them to JSONL"
                )
            elif name.lower().endswith(PARQUET_EXTS + JSONL_EXTS):
                add(child, child_display)
            else:
                skipped += 1

    for given, inp in enumerate(inputs):
        if inp == "-":
            raise UsageError("standard input cannot be read by a Spark job; name files or folders")
        try:
            st = fs.status(inp)
        except Exception as e:  # py4j wraps FileNotFoundException
            raise UsageError(f"{inp}: cannot read: {str(e).splitlines()[0][:300]}") from None
        if st.isDirectory():
            walk(inp, inp)
        elif inp.lower().endswith(".txt"):
            raise UsageError(f"{inp}: .txt files are not read by the Spark job yet; run storydup dedup")
        else:
            add(inp, inp)
    parquet = [f for f in files if f.compression == "parquet"]
    other = next((f for f in files if f.compression != "parquet"), None)
    if parquet and other is not None:
        # The command line's words (kept_parquet::check_inputs).
        raise UsageError(
            f"invalid INPUT: {parquet[0].display} is Parquet but {other.display} is JSONL: kept rows of a Parquet run go "
            "to kept.parquet, with the Parquet schema; convert the other inputs to Parquet, or deduplicate them in a run "
            "of their own"
        )
    return files, skipped


def _glob_escape(p: str) -> str:
    return re.sub(r"([\[\]\*\?\{\}\\])", r"\\\1", p)


class _Job:
    def __init__(self, a: argparse.Namespace):
        self.a = a
        self.t0 = time.time()
        self.timings: Dict[str, float] = {}
        self.metrics: Dict[str, Any] = {}

    def begin(self, name: str) -> float:
        """Starts a stage: its Spark jobs carry its name (the UI, and the metrics per stage)."""
        self.spark.sparkContext.setJobDescription(f"storydup: {name}")
        return time.time()

    def stage(self, name: str, t: float) -> None:
        self.timings[name] = self.timings.get(name, 0.0) + time.time() - t
        if not self.a.quiet:
            print(f"storydup spark: {name} {time.time() - t:.1f}s", file=sys.stderr)

    def run(self) -> int:
        from pyspark.sql import SparkSession

        a = self.a
        params, n_bands, n_rows = _storydup.spark_params(_params_json(a))
        self.params = params
        exact = _storydup.spark_is_exact(params)
        # A session the job starts is the job's to stop (a notebook's or a test's is not): its
        # executors then shut down cleanly before the interpreter exits.
        owned = SparkSession.getActiveSession() is None
        spark = self.spark = _session(a)
        try:
            return self._in_session(spark, params, exact, n_bands)
        finally:
            if owned:
                spark.stop()

    def _in_session(self, spark, params: str, exact: bool, n_bands: int) -> int:
        a = self.a
        fs = _Fs(spark)
        parts = a.partitions or spark.sparkContext.defaultParallelism
        self.parts = parts
        out = a.out.rstrip("/") or "/"
        fs.mkdirs(out)
        # As the command line does: summary.json goes first, so a half-written folder never looks done.
        if fs.exists(_join(out, "summary.json")):
            fs.delete(_join(out, "summary.json"))
        work = _join(out, f".storydup-spark-{uuid.uuid4().hex[:12]}")
        fs.mkdirs(work)
        spark.sparkContext.setCheckpointDir(a.checkpoint_dir or _join(work, "checkpoints"))
        try:
            return self._run(spark, fs, params, exact, parts, out, work, n_bands)
        finally:
            if fs.exists(work):
                fs.delete(work, True)

    def _run(self, spark, fs: _Fs, params: str, exact: bool, parts: int, out: str, work: str, n_bands: int) -> int:
        from pyspark import StorageLevel
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        a = self.a
        t = self.begin("read and sign")
        files, skipped = _expand(fs, a.inputs)
        displays = [f.display for f in files]
        plain = [(i, f) for i, f in enumerate(files) if f.compression == "none"]
        packed = [(i, f) for i, f in enumerate(files) if f.compression in ("gzip", "zstd")]
        tables = [(i, f) for i, f in enumerate(files) if f.compression == "parquet"]
        self.parquet = bool(tables)
        plain_bytes = sum(f.size for _, f in plain)
        # Split the plain input into about `parts` pieces.
        split = max(1 << 16, -(-plain_bytes // parts))
        spark.conf.set("spark.sql.files.maxPartitionBytes", str(split))
        spark.conf.set("spark.sql.files.openCostInBytes", str(1 << 16))
        spark.conf.set("spark.sql.files.minPartitionNum", str(parts))

        # 1. Read and sign.
        signed = []
        if plain:
            names = {unquote(f.qualified): i for i, f in plain}
            df = spark.read.option("lineSep", "\n").text([_glob_escape(f.qualified) for _, f in plain])
            df = df.select(
                F.col("_metadata.file_path").alias("path"),
                F.col("_metadata.file_block_start").alias("bstart"),
                F.col("value").cast("binary").alias("raw"),
            )
            signed.append(df.mapInArrow(_sign_plain(params, names, a.fault), SIGNED_SCHEMA))
        if packed:
            names = {f.qualified: i for i, f in packed}
            df = spark.read.format("binaryFile").load([_glob_escape(f.qualified) for _, f in packed])
            df = df.select("path", "content").repartition(min(parts, len(packed)))
            signed.append(df.mapInArrow(_sign_compressed(params, names, a.fault), SIGNED_SCHEMA))
        if tables:
            names = {f.qualified: i for i, f in tables}
            df = spark.read.format("binaryFile").load([_glob_escape(f.qualified) for _, f in tables])
            df = df.select("path", "content").repartition(min(parts, len(tables)))
            signed.append(df.mapInArrow(_sign_parquet(params, names, displays, a.fault), SIGNED_SCHEMA))
        if not signed:
            raise UsageError("no input file to read (folders held no JSONL file)")
        S = signed[0] if len(signed) == 1 else signed[0].unionByName(signed[1])
        S = S.persist(StorageLevel.MEMORY_AND_DISK)

        # Each split's lines and bytes (one row per split, never per record) give each record
        # its line and byte offset in its file.
        blocks = (
            S.filter(F.col("bstart") >= 0)
            .groupBy("fidx", "bstart")
            .agg(F.count(F.lit(1)).alias("rows"), F.sum("rawlen").alias("bytes"))
            .collect()
        )
        meta = S.filter(F.col("status") == BYTES).select("fidx", "rawlen").collect()  # one row per compressed file
        if tables:
            # As the command line refuses, before reading, Parquet files whose schemas differ.
            described = sorted(S.filter(F.col("status") == SCHEMA).select("fidx", "kind", "reason").collect())
            first = next((r for r in described if r.kind is not None), None)
            for r in described:
                if r.kind is not None and r.kind != first.kind:
                    raise UsageError(
                        "invalid INPUT: "
                        + _storydup.spark_schema_mismatch(displays[first.fidx], first.reason, displays[r.fidx], r.reason)
                    )
        input_bytes = plain_bytes + sum(r.rawlen for r in meta)
        first: List[Tuple[int, int, int, int]] = []
        for fi in sorted({r.fidx for r in blocks}):
            line, offset = 1, 3 if files[fi].bom else 0
            for r in sorted((r for r in blocks if r.fidx == fi), key=lambda r: r.bstart):
                first.append((fi, r.bstart, line, offset))
                line += r.rows
                offset += r.bytes
        self.metrics["splits"] = len(first)
        starts = spark.createDataFrame(first, "fidx int, bstart long, first_line long, first_offset long")
        located = (
            S.filter(F.col("bstart") >= 0)
            .join(F.broadcast(starts), ["fidx", "bstart"])
            .withColumn("line", F.col("first_line") + F.col("idx"))
            .withColumn("offset", F.col("first_offset") + F.col("bbefore"))
            .drop("first_line", "first_offset")
            .unionByName(S.filter((F.col("bstart") < 0) & ~F.col("status").isin(BYTES, SCHEMA)))
        )
        R = located.filter(F.col("status") != BLANK).withColumn(
            "key", (F.col("fidx").cast("long") * F.lit(1 << LINE_BITS)) + F.col("line")
        )
        # A record without an id field is known by its place, FILE:LINE, as on the command line;
        # `placed` marks a record whose id is its place (counted as without_id, as is_place_id does).
        names = spark.createDataFrame(list(enumerate(displays)), "fidx int, display string")
        place = F.concat(F.col("display"), F.lit(":"), F.col("line").cast("string"))
        R = (
            R.join(F.broadcast(names), "fidx", "left")
            .withColumn("id", F.when(F.col("place") == 1, place).otherwise(F.col("id")))
            .withColumn("placed", F.coalesce((F.col("id") == place).cast("int"), F.lit(0)))
            .drop("display")
        )

        # 2. Ids: the first record of each id stays, later ones are rejected.
        ok = R.filter(F.col("status") == OK)
        firsts = ok.groupBy("id").agg(F.min("key").alias("first_key"))
        ok = ok.join(firsts, "id")
        A = ok.filter(F.col("key") == F.col("first_key")).select("key", "id", "size", "truncated", "placed", "sig", "record")
        A = A.persist(StorageLevel.MEMORY_AND_DISK)
        dups = ok.filter(F.col("key") != F.col("first_key")).select("key", "id", "first_key", "line", "offset")
        dups = dups.mapInArrow(
            _duplicate_reasons(displays, a.id_field or "id"), "key long, id string, kind string, reason string, line long, offset long"
        )
        rejected = (
            R.filter(F.col("status").isin(REJECTED, FAILED))
            .select("key", "id", "kind", "reason", "line", "offset")
            .unionByName(dups)
            .withColumn("fidx", F.shiftright("key", LINE_BITS).cast("int"))
        )
        rejected = rejected.persist(StorageLevel.MEMORY_AND_DISK)
        num_input = R.count()
        num_rejected = rejected.count()
        num_accepted = A.count()
        sums = A.agg(F.sum("truncated"), F.sum("placed"), F.sum((F.col("size") == 0).cast("int"))).collect()[0]
        truncated, without_id, empty = (int(x or 0) for x in sums)
        # Records read per file (one row per file), for summary.json's inputs.
        per_file = {r.fidx: r[1] for r in R.groupBy("fidx").count().collect()}
        self.stage("read and sign", t)
        if num_input != num_accepted + num_rejected:
            raise RuntimeError(f"records lost: {num_input} read, {num_accepted} accepted, {num_rejected} rejected")
        if a.on_error == "stop" and num_rejected:
            r = rejected.orderBy("key").limit(1).collect()[0]
            msg = _storydup.spark_input_error(displays[r.fidx], r.line, r.offset, r.kind, r.reason)
            raise UsageError(msg)

        # 3. Banding: one row per (record, band), shuffled by bucket, each bucket paired by the
        # core's rule; pairs from several bands are one pair.
        t = self.begin("lsh")
        # Records without words are never candidates (lsh::candidates leaves them out too).
        keyed = A.filter(F.col("size") > 0).select("key", "sig").mapInArrow(_band_keys(params), "doc long, band int, bkey long")
        pairs = (
            keyed.repartition(parts, "band", "bkey")
            .sortWithinPartitions("band", "bkey", "doc")
            .mapInArrow(_bucket_pairs(), "a long, b long")
            .distinct()
        )
        pairs = pairs.persist(StorageLevel.MEMORY_AND_DISK)
        candidate_pairs = pairs.count()
        self.stage("lsh", t)

        # 4. The estimate filter: each pair with both signatures.
        t = self.begin("estimate filter")
        side = lambda s: A.select(  # noqa: E731
            F.col("key").alias(s), F.col("size").alias(f"size_{s}"), F.col("sig").alias(f"sig_{s}")
        )
        filtered = pairs.join(side("a"), "a").join(side("b"), "b").select("a", "b", "size_a", "size_b", "sig_a", "sig_b")
        filtered = filtered.mapInArrow(_near_enough(params), "a long, b long").checkpoint()
        filtered_pairs = filtered.count()
        self.stage("estimate filter", t)

        # 5. Connected components.
        t = self.begin("connected components")
        members, rounds = _components(filtered)
        num_components = members.select("root").distinct().count() if filtered_pairs else 0
        self.metrics["cc_rounds"] = rounds
        self.stage("connected components", t)

        # 6. Verification: each component on one task, with its members' records and its pairs.
        t = self.begin("verify")
        cols = A.select("key", "id", "size", "sig", "record" if exact else F.lit(None).cast("binary").alias("record"))
        M = members.join(cols, "key").select(
            "root", F.lit(0).alias("kind"), "key", F.lit(None).cast("long").alias("b"), "id", "size", "sig", "record"
        )
        P = filtered.join(members.withColumnRenamed("key", "a"), "a").select(
            "root",
            F.lit(1).alias("kind"),
            F.col("a").alias("key"),
            "b",
            F.lit(None).cast("string").alias("id"),
            F.lit(0).alias("size"),
            F.lit(None).cast("binary").alias("sig"),
            F.lit(None).cast("binary").alias("record"),
        )
        V = (
            M.unionByName(P)
            .repartition(parts, "root")
            .sortWithinPartitions("root", "kind", "key", "b")
            .mapInArrow(_verify(params, a.fault, self.parquet), VERIFIED_SCHEMA)
        )
        V = V.persist(StorageLevel.MEMORY_AND_DISK)
        agg = (
            V.filter(F.col("rowtype") == COMPONENT)
            .agg(F.count(F.lit(1)), F.sum("n_edges"), F.sum("n_members"))
            .collect()[0]
        )
        comps, edges, reread = agg[0], agg[1] or 0, agg[2] or 0
        if comps != num_components:
            raise RuntimeError(f"{num_components} components found, {comps} verified")
        self.stage("verify", t)

        # 7. Outputs.
        t = self.begin("write")
        clusters = V.filter(F.col("rowtype") == CLUSTER).select("first", F.col("id").alias("kept_id"), "kept_pos", "members")
        numbered = _number(spark, clusters, "first", parts)
        removals = (
            V.filter(F.col("rowtype") == REMOVAL)
            .select("key", "first", "id", "dup_id", "matched_id", "similarity", F.col("measure").cast("int").alias("measure"))
            .join(numbered.select("first", "cluster"), "first")
        )
        removals = removals.persist(StorageLevel.MEMORY_AND_DISK)
        num_removed = removals.count()
        num_clusters = numbered.count()
        kept = A.join(removals.select("key"), "key", "left_anti").select(F.col("key").alias("k"), F.col("record").cast("string").alias("line"))
        num_kept = num_accepted - num_removed
        outputs = [
            ("removed.jsonl", removals.mapInArrow(_lines("spark_removed_lines", "key"), "k long, line string")),
            (
                "clusters.jsonl",
                numbered.select("cluster", "kept_pos", "members").mapInArrow(
                    _lines("spark_cluster_lines", "cluster"), "k long, line string"
                ),
            ),
            (
                "rejected.jsonl",
                rejected.withColumn("file", F.udf(lambda i: displays[i], "string")("fidx"))
                .select("key", F.col("offset").alias("byte_offset"), "file", "id", "kind", "line", "reason")
                .mapInArrow(_lines("spark_rejected_lines", "key"), "k long, line string"),
            ),
        ]
        pending = []
        if self.parquet:
            pending.append(self._kept_parquet(spark, fs, params, files, displays, removals, rejected, truncated, num_kept, out))
        else:
            outputs.insert(0, ("kept.jsonl", kept))
        for name, df in outputs:
            folder = _join(work, name)
            df.repartitionByRange(parts, "k").sortWithinPartitions("k").select("line").write.text(folder)
            tmp = _join(out, f".{name}.storydup-spark-{uuid.uuid4().hex[:8]}.tmp")
            fs.concat(fs.parts(folder), tmp)
            pending.append((tmp, _join(out, name)))
        self.stage("write", t)

        stats = {
            "candidate_pairs": candidate_pairs,
            "filtered_pairs": filtered_pairs,
            "components": num_components,
            "records_reread": reread if exact else 0,
            "edges": edges,
        }
        total = time.time() - self.t0
        counts = {
            "input": num_input,
            "kept": num_kept,
            "removed": num_removed,
            "rejected": num_rejected,
            "empty": empty,
            "without_id": without_id,
            "clusters": num_clusters,
            "input_bytes": input_bytes,
            # Each input as given, as the command line lists them; xxh3 is null (see the module's
            # docs): a whole-file hash needs a sequential pass, and Spark reads files in splits.
            "inputs": [
                {
                    "path": given,
                    "bytes": sum(f.size for f in files if f.given == g),
                    "records": sum(per_file.get(i, 0) for i, f in enumerate(files) if f.given == g),
                    "xxh3": None,
                }
                for g, given in enumerate(a.inputs)
            ],
            "skipped_files": skipped,
            "truncated": truncated,
            "verification": stats,
            "timings_s": {
                "read_and_sign": self.timings.get("read and sign", 0.0),
                "lsh": self.timings.get("lsh", 0.0),
                "verify_and_cluster": sum(
                    self.timings.get(k, 0.0) for k in ("estimate filter", "connected components", "verify")
                ),
                "write": self.timings.get("write", 0.0),
                "total": total,
            },
            "peak_rss_bytes": _peak_rss(),
        }
        summary = _storydup.spark_summary(params, json.dumps(counts))
        for tmp, final in pending:
            fs.rename(tmp, final)
        tmp = _join(out, f".summary.json.storydup-spark-{uuid.uuid4().hex[:8]}.tmp")
        fs.write_text(tmp, summary)
        fs.rename(tmp, _join(out, "summary.json"))
        self.metrics.update(
            partitions=parts,
            records=num_input,
            stage_s=self.timings,
            total_s=total,
            candidate_pairs=candidate_pairs,
            filtered_pairs=filtered_pairs,
            components=num_components,
        )
        if a.metrics:
            self.metrics.update(_spark_metrics(spark))
            with open(a.metrics, "w") as f:
                json.dump(self.metrics, f, indent=2)
        if not a.quiet:
            print(
                f"storydup spark: {num_input} records: {num_kept} kept, {num_removed} removed, "
                f"{num_rejected} rejected, {num_clusters} clusters ({rounds} connected-components rounds, "
                f"{parts} partitions) in {total:.1f}s",
                file=sys.stderr,
            )
        return 0


    def _kept_parquet(self, spark, fs: _Fs, params: str, files, displays, removals, rejected, truncated: int, num_kept: int, out: str):
        """kept.parquet, byte for byte the command line's: one task gets every input file and, per
        file, the rows not kept (removed, or rejected), and runs the command line's writer; its
        bytes come back in 8 MiB pieces, in order, and are written under a temporary name.
        Returns ``(temporary, final)``."""
        from pyspark.sql import functions as F

        mask = (1 << LINE_BITS) - 1
        gone = (
            removals.select("key")
            .unionByName(rejected.select("key"))
            .select(F.shiftright("key", LINE_BITS).cast("int").alias("fidx"), F.col("key").bitwiseAND(mask).alias("row"))
            .groupBy("fidx")
            .agg(F.collect_list("row").alias("rows"))
            .select(F.lit(None).cast("string").alias("path"), F.lit(None).cast("binary").alias("content"), "fidx", "rows")
        )
        contents = (
            spark.read.format("binaryFile")
            .load([_glob_escape(f.qualified) for f in files])
            .select("path", "content", F.lit(None).cast("int").alias("fidx"), F.lit(None).cast("array<long>").alias("rows"))
        )
        names = {f.qualified: i for i, f in enumerate(files)}
        # One file (or one file's row list) per Arrow batch: file contents are not batched together.
        batch_key = "spark.sql.execution.arrow.maxRecordsPerBatch"
        user_batch = spark.conf.get(batch_key, None)
        spark.conf.set(batch_key, "1")
        try:
            pieces = (
                contents.unionByName(gone)
                .coalesce(1)
                .mapInArrow(_write_parquet(params, names, displays, truncated == 0), "seq long, data binary, rows long")
            )
            tmp = _join(out, f".kept.parquet.storydup-spark-{uuid.uuid4().hex[:8]}.tmp")
            written = None
            with fs.writer(tmp) as w:
                for piece in pieces.toLocalIterator():
                    if piece.rows is not None:
                        written = piece.rows
                    else:
                        w.write(piece.data)
        finally:
            # The user's setting again, for the rest of the job (and a notebook's session).
            if user_batch is None:
                spark.conf.unset(batch_key)
            else:
                spark.conf.set(batch_key, user_batch)
        if written != num_kept:
            raise RuntimeError(f"kept.parquet has {written} rows for {num_kept} kept records")
        return tmp, _join(out, "kept.parquet")


def _components(edges):
    """Connected components of ``edges`` (``a < b``) by alternating large-star and small-star
    rounds (Kiveris, Lattanzi, Mirrokni, Rastogi, Vassilvitskii: "Connected Components in
    MapReduce and Beyond", SoCC 2014), O(log n) rounds. Every round is checkpointed, so its
    lineage does not grow; the loop ends when a round changes no edge. Returns ``(key, root)`` for
    every node, ``root`` the least key of its component (its first record in input order), and
    the number of rounds."""
    from pyspark.sql import functions as F

    # Edges as (x, y) with y < x: x points at a smaller node.
    E = edges.select(F.col("b").alias("x"), F.col("a").alias("y")).distinct().checkpoint()
    rounds = 0
    while True:
        rounds += 1
        # Large star: each node's larger neighbours are joined to the least of its neighbourhood.
        both = E.unionByName(E.select(F.col("y").alias("x"), F.col("x").alias("y")))
        least = both.groupBy("x").agg(F.min("y").alias("my")).select("x", F.least("x", "my").alias("m"))
        large = (
            both.join(least, "x")
            .filter(F.col("y") > F.col("x"))
            .select(F.col("y").alias("x"), F.col("m").alias("y"))
            .distinct()
        )
        # Small star: each node and its smaller neighbours are joined to the least of them.
        m = large.groupBy("x").agg(F.min("y").alias("m"))
        small = (
            large.join(m, "x")
            .select(F.col("y").alias("x"), F.col("m").alias("y"))
            .filter(F.col("x") != F.col("y"))
            .unionByName(m.select("x", F.col("m").alias("y")))
            .distinct()
            .checkpoint()
        )
        changed = small.subtract(E).limit(1).count() + E.subtract(small).limit(1).count()
        E = small
        if changed == 0:
            break
    roots = E.select(F.col("y").alias("key")).distinct().withColumn("root", F.col("key"))
    members = E.select(F.col("x").alias("key"), F.col("y").alias("root")).unionByName(roots).checkpoint()
    return members, rounds


def _number(spark, df, key: str, parts: int):
    """``df`` with ``cluster``: the rank of each row's ``key`` (0, 1, ...), from a range-partitioned
    sort, each row's place in its partition, and the partitions' sizes (one number per partition
    reaches the driver). Checkpointed first, so that a retried task cannot renumber rows."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import IntegerType, LongType, StructType

    ranged = df.repartitionByRange(parts, key).sortWithinPartitions(key)
    schema = StructType(list(ranged.schema.fields)).add("pid", IntegerType()).add("pidx", LongType())
    tagged = ranged.mapInArrow(_tag_partitions(), schema).checkpoint()
    sizes = {r.pid: r["count"] for r in tagged.groupBy("pid").count().collect()}
    base, start = 0, []
    for pid in sorted(sizes):
        start.append((pid, base))
        base += sizes[pid]
    if not start:
        return tagged.withColumn("cluster", F.lit(0).cast("long")).drop("pid", "pidx")
    offsets = spark.createDataFrame(start, "pid int, base long")
    return (
        tagged.join(F.broadcast(offsets), "pid")
        .withColumn("cluster", F.col("base") + F.col("pidx"))
        .drop("pid", "pidx", "base")
    )


def _peak_rss() -> int:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    except Exception:  # pragma: no cover - not on Linux
        return 0


def _spark_metrics(spark) -> Dict[str, Any]:
    """Shuffle bytes of every stage and the executors' peak memory, from Spark's monitoring REST
    API on the driver's UI (``spark.ui.enabled``; the figures Spark's own UI shows)."""
    from urllib.request import urlopen

    try:
        sc = spark.sparkContext
        base = f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}"
        stages = json.load(urlopen(f"{base}/stages?status=complete"))
        jobs = json.load(urlopen(f"{base}/jobs"))
        execs = json.load(urlopen(f"{base}/executors"))
        stage_of = {}
        for j in jobs:
            for sid in j.get("stageIds", []):
                stage_of[sid] = (j.get("description") or "other").replace("storydup: ", "")
        per_stage: Dict[str, int] = {}
        for st in stages:
            name = stage_of.get(st["stageId"], "other")
            per_stage[name] = per_stage.get(name, 0) + st.get("shuffleWriteBytes", 0)
        return {
            "shuffle_write_bytes": sum(st.get("shuffleWriteBytes", 0) for st in stages),
            "shuffle_read_bytes": sum(st.get("shuffleReadBytes", 0) for st in stages),
            "shuffle_write_bytes_by_stage": per_stage,
            "spark_stages": len(stages),
            "executor_peak_memory": {e["id"]: e.get("peakMemoryMetrics") for e in execs},
        }
    except Exception as e:  # no UI, or an older Spark
        return {"spark_metrics_error": str(e)[:300]}


def main(argv: Optional[List[str]] = None) -> int:
    a = _args(argv)
    try:
        return _Job(a).run()
    except UsageError as e:
        print(f"storydup: {e}", file=sys.stderr)
        return 2
    except ValueError as e:  # bad parameters, from the Rust side
        print(f"storydup: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""storydup.dedup from Python: every input type, ids, bad columns, nulls, threads, Ctrl-C, and the
same decisions as the command line on the same records."""

import json
import os
import signal
import subprocess
import threading
import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import storydup


def expected(records):
    """The decisions on the reference input (a pyarrow Table with the id column)."""
    return storydup.dedup(pa.Table.from_pylist(records))


def test_the_corpus_has_duplicates(records):
    r = expected(records)
    s = r.summary
    assert s["input"] == len(records) == s["kept"] + s["removed"] + s["rejected"]
    assert s["removed"] > 100 and s["clusters"] > 50 and s["rejected"] == 0
    assert r.table.num_rows == len(records)
    assert r.table.column_names == [
        "id", "keep", "cluster", "duplicate_of", "similarity", "matched", "measure", "rejected",
    ]


def same_decisions(a, b, same_ids=True):
    assert a.keep.tolist() == b.keep.tolist()
    for col in ["cluster", "similarity", "measure"]:
        assert a.table.column(col).to_pylist() == b.table.column(col).to_pylist(), col
    if same_ids:
        assert a.removed_jsonl == b.removed_jsonl
        assert a.clusters_jsonl == b.clusters_jsonl


def test_table_record_batch_and_reader(records):
    ref = expected(records)
    table = pa.Table.from_pylist(records)
    same_decisions(storydup.dedup(table.combine_chunks().to_batches()[0]), ref)
    # Several batches through a reader, read once; the ids are still in the result.
    reader = pa.RecordBatchReader.from_batches(table.schema, table.to_batches(max_chunksize=97))
    r = storydup.dedup(reader)
    same_decisions(r, ref)
    assert r.table.column("id").to_pylist() == [x["id"] for x in records]
    # A table of many chunks.
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=50))
    same_decisions(storydup.dedup(chunked), ref)


def test_string_types(records):
    ref = expected(records)
    table = pa.Table.from_pylist(records)
    for t in [pa.string(), pa.large_string(), pa.string_view()]:
        cast = table.set_column(1, "text", table.column("text").cast(t))
        same_decisions(storydup.dedup(cast), ref)


def test_pandas(records):
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(records)
    r = storydup.dedup(df)
    same_decisions(r, expected(records))
    kept = df[r.keep]
    assert len(kept) == r.summary["kept"]
    assert kept["id"].tolist() == [x["id"] for x, k in zip(records, r.keep) if k]
    # Arrow-backed and object string columns alike.
    same_decisions(storydup.dedup(df.astype({"text": object})), r)


def test_dataset_round_trip(records):
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_list(records)
    r = storydup.dedup(ds)
    same_decisions(r, expected(records))
    kept = ds.select(r.kept_indices)
    assert kept.num_rows == r.summary["kept"]
    assert kept["id"] == [x["id"] for x, k in zip(records, r.keep) if k]
    # Deduplicating what was kept removes nothing more.
    again = storydup.dedup(kept)
    assert again.summary["removed"] == 0 and again.keep.all()
    # A selection (shuffle, select) is applied before reading.
    sub = ds.select(range(100, 300))
    assert storydup.dedup(sub).table.column("id").to_pylist() == [x["id"] for x in records[100:300]]


def test_lists(records):
    ref = expected(records)
    same_decisions(storydup.dedup(records), ref)
    # Texts alone: the same decisions, rows named by number.
    same_decisions(storydup.dedup([x["text"] for x in records]), ref, same_ids=False)


def test_filters_apply_directly(records):
    table = pa.Table.from_pylist(records)
    r = storydup.dedup(table)
    assert table.filter(r.keep).num_rows == r.summary["kept"]
    assert table.take(r.kept_indices).column("id").to_pylist() == table.filter(r.keep).column("id").to_pylist()
    assert r.kept_indices.dtype == np.int64 and r.keep.dtype == np.bool_


def test_no_id_column_uses_row_numbers(records):
    texts = pa.table({"body": [x["text"] for x in records]})
    r = storydup.dedup(texts, text="body")
    ids = r.table.column("id").to_pylist()
    assert ids == list(range(len(records)))
    assert pa.types.is_int64(r.table.schema.field("id").type)
    assert pa.types.is_int64(r.table.schema.field("duplicate_of").type)
    with_ids = expected(records)
    # duplicate_of names rows the same way: the kept row of each removed row.
    for i, d in enumerate(r.table.column("duplicate_of").to_pylist()):
        if d is not None:
            assert r.keep[d] and not r.keep[i]
            assert with_ids.table.column("duplicate_of")[i].as_py() == records[d]["id"]
    assert r.clusters[0]["kept"] == str(r.clusters[0]["members"][0])


def test_integer_ids_and_an_explicit_id_column(records):
    table = pa.table({"key": np.arange(len(records)) * 10, "text": [x["text"] for x in records]})
    r = storydup.dedup(table, id="key")
    assert r.table.column("id").to_pylist() == list(range(0, 10 * len(records), 10))
    dup = [d for d in r.table.column("duplicate_of").to_pylist() if d is not None]
    assert dup and all(d % 10 == 0 for d in dup)
    assert r.removed[0]["id"].isdigit()


def test_a_missing_column_is_a_value_error(records):
    table = pa.Table.from_pylist(records)
    with pytest.raises(ValueError, match="no column 'body'.*'id', 'text'.*text="):
        storydup.dedup(table, text="body")
    with pytest.raises(ValueError, match="no column 'key'"):
        storydup.dedup(table, id="key")


def test_a_non_string_column_is_a_type_error():
    table = pa.table({"text": [1, 2, 3]})
    with pytest.raises(TypeError, match="column 'text' is Int64, not a string column"):
        storydup.dedup(table)
    table = pa.table({"text": ["a", "b"], "id": [1.5, 2.5]})
    with pytest.raises(TypeError, match="column 'id' is Float64, not a string or integer column"):
        storydup.dedup(table)
    with pytest.raises(TypeError):
        storydup.dedup(42)


def test_null_texts_and_ids_are_rejected_rows(records):
    texts = [x["text"] for x in records[:50]]
    texts[3] = None
    texts[7] = ""  # empty: kept, never matched
    ids = [x["id"] for x in records[:50]]
    ids[9] = None
    ids[11] = ids[10]  # a repeated id
    r = storydup.dedup(pa.table({"id": ids, "text": texts}))
    rejected = r.table.column("rejected").to_pylist()
    assert "row 3: the text in column 'text' is null" in rejected[3]
    assert "row 9: the id in column 'id' is null" in rejected[9]
    assert f'id "{ids[10]}" was already used at row 10' in rejected[11]
    assert [i for i, x in enumerate(rejected) if x] == [3, 9, 11]
    assert not r.keep[3] and not r.keep[9] and not r.keep[11] and r.keep[7]
    s = r.summary
    assert s["rejected"] == 3 and s["empty"] == 1
    assert s["input"] == 50 == s["kept"] + s["removed"] + s["rejected"]


def test_bad_parameters():
    with pytest.raises(ValueError, match="threshold"):
        storydup.dedup(["a"], threshold=1.5)
    with pytest.raises(ValueError, match="shingle"):
        storydup.dedup(["a"], shingle="byte:3")
    with pytest.raises(ValueError, match="verify"):
        storydup.dedup(["a"], verify="maybe")
    with pytest.raises(ValueError, match="threads"):
        storydup.dedup(["a"], threads=0)


def test_empty_input():
    r = storydup.dedup([])
    assert r.table.num_rows == 0 and r.summary["input"] == 0


def test_threads_give_the_same_bytes(records):
    table = pa.Table.from_pylist(records)
    one = storydup.dedup(table, threads=1, containment=True)
    two = storydup.dedup(table, threads=2, containment=True)
    assert one.table.equals(two.table)
    assert one.removed_jsonl == two.removed_jsonl and one.clusters_jsonl == two.clusters_jsonl
    strip = lambda s: {k: v for k, v in s.items() if k not in ("timings_s", "peak_rss_bytes")}
    assert strip(one.summary) == strip(two.summary)


def test_containment_and_estimate(records):
    table = pa.Table.from_pylist(records)
    c = storydup.dedup(table, containment=True)
    assert set(c.table.column("measure").to_pylist()) <= {None, "jaccard", "containment"}
    e = storydup.dedup(table, verify="estimate")
    assert e.summary["params"]["verify"] == "estimate"
    assert e.summary["verification"]["records_reread"] == 0


def big_table(mb):
    """About `mb` MB of random words in 1 KB rows, built without a Python string per row."""
    rng = np.random.default_rng(1)
    words = np.array([w.encode() for w in ["alpha", "bravo", "charlie", "delta", "echo", "fox",
                                            "golf", "hotel", "india", "juliet", "kilo", "lima"]])
    picks = words[rng.integers(0, len(words), size=mb * 1_000_000 // 6)]
    data = b" ".join(picks.tolist())
    n = len(data) // 1000
    offsets = np.arange(n + 1, dtype=np.int64) * 1000
    arr = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data))
    return pa.table({"text": arr})


def test_ctrl_c_interrupts_a_long_call():
    # Python's own Ctrl-C handler, even when the tests were started in the background, where
    # SIGINT is ignored from the start and Python installs no handler.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        ctrl_c_interrupts_a_long_call()
    finally:
        signal.signal(signal.SIGINT, previous)


def ctrl_c_interrupts_a_long_call():
    table = big_table(24)
    # 1024 permutations of character 5-grams: several seconds of work, far more than the wait.
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    start = time.monotonic()
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            storydup.dedup(table, shingle="char:5", num_perm=1024, threads=2)
    finally:
        timer.cancel()
    elapsed = time.monotonic() - start
    assert elapsed < 3.0, f"took {elapsed:.1f}s to stop"
    # The package still works after an interrupted call.
    assert storydup.dedup(["one text", "one text"]).summary["removed"] == 1


def test_the_gil_is_released():
    # Big enough for the run to last well over 0.2 s on one thread on a fast machine.
    table = big_table(32)
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    t = threading.Thread(target=tick)
    t.start()
    try:
        start = time.monotonic()
        storydup.dedup(table, num_perm=512, threads=1)
        took = time.monotonic() - start
    finally:
        done.set()
        t.join()
    # A Python thread ran all along: about one tick per 10 ms, not one at the end.
    assert took > 0.2 and len(ticks) > took / 0.01 * 0.3


def test_signatures(records):
    texts = [x["text"] for x in records[:20]]
    sig = storydup.signatures(texts, num_perm=64)
    assert sig.shape == (20, 64) and sig.dtype == np.uint32
    assert (storydup.signatures(pa.array(texts), num_perm=64) == sig).all()
    assert (storydup.signatures(pa.chunked_array([texts[:5], texts[5:]]), num_perm=64) == sig).all()
    # Estimated Jaccard of two copies is 1; a text without words keeps every slot at 2**32-1.
    same = storydup.signatures([texts[0], texts[0], "..."], num_perm=32, seed=1)
    assert (same[0] == same[1]).all() and (same[2] == 2**32 - 1).all()
    with pytest.raises(ValueError, match="text 1 is null"):
        storydup.signatures(["a b", None])


def run_cli(storydup_bin, args):
    p = subprocess.run([storydup_bin, "-q", *args], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return p


@pytest.mark.parametrize("options", [[], ["--containment"], ["--shingle", "char:7", "--threshold", "0.7"]])
def test_the_same_decisions_as_the_command_line(records, storydup_bin, tmp_path, options):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records))
    run_cli(storydup_bin, ["dedup", str(src), "--out", str(tmp_path / "out"), *options])
    kwargs = {}
    if "--containment" in options:
        kwargs["containment"] = True
    if "--shingle" in options:
        kwargs.update(shingle="char:7", threshold=0.7)
    r = storydup.dedup(pa.Table.from_pylist(records), **kwargs)
    out = tmp_path / "out"
    assert r.removed_jsonl == (out / "removed.jsonl").read_text()
    assert r.clusters_jsonl == (out / "clusters.jsonl").read_text()
    kept = [json.loads(line)["id"] for line in (out / "kept.jsonl").read_text().splitlines()]
    assert kept == r.table.filter(r.keep).column("id").to_pylist()
    cli = json.loads((out / "summary.json").read_text())
    for k in ["input", "kept", "removed", "rejected", "clusters", "lsh", "verification"]:
        assert r.summary[k] == cli[k], k


def test_the_same_decisions_as_the_command_line_on_parquet(records, storydup_bin, tmp_path):
    table = pa.Table.from_pylist(records)
    pq.write_table(table, tmp_path / "in.parquet", row_group_size=128)
    run_cli(storydup_bin, ["dedup", str(tmp_path / "in.parquet"), "--out", str(tmp_path / "out")])
    r = storydup.dedup(pq.read_table(tmp_path / "in.parquet"))
    out = tmp_path / "out"
    assert r.removed_jsonl == (out / "removed.jsonl").read_text()
    assert r.clusters_jsonl == (out / "clusters.jsonl").read_text()
    assert pq.read_table(out / "kept.parquet").equals(table.filter(r.keep))

"""`python -m storydup.spark dedup` in Spark's local mode against the single-machine CLI: the same
bytes for 1, 3 and 7 partitions, after a Python worker is killed mid-job, and a loud failure when
the signer fails.

Needs pyspark (and Java 17) and the `storydup` binary (STORYDUP_BIN, or target/release or
target/debug under the repository); skipped without pyspark. The corpus is generated: the shared
benchmark generator when it is beside the repository, else a small built-in one, plus the cases a
reader must get right (a BOM, CRLF and blank lines, gzip and zstd, a skipped file, malformed and
oversized records, a text without words (kept, never matched), a repeated id, records without an
id (known by their place FILE:LINE), one of them a copy of another record).
"""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pyspark = pytest.importorskip("pyspark")

from storydup import spark as sdspark  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
OUTPUTS = ["kept.jsonl", "removed.jsonl", "clusters.jsonl", "rejected.jsonl"]


def _binary() -> str:
    env = os.environ.get("STORYDUP_BIN")
    if env:
        return env
    for profile in ("release", "debug"):
        p = REPO / "target" / profile / "storydup"
        if p.exists():
            return str(p)
    pytest.skip("no storydup binary: run cargo build first, or set STORYDUP_BIN")


def _generated(path: Path, size: str) -> None:
    """The shared generator's corpus when it is there, else a small one made here."""
    for gen in (REPO.parent / "shared/bench/make_corpus.py", Path("/work/shared/bench/make_corpus.py")):
        if gen.exists():
            subprocess.run(
                [sys.executable, str(gen), "--size", size, "--seed", "42", "--out", str(path)],
                check=True,
                capture_output=True,
            )
            return
    rng = random.Random(42)
    words = [f"w{i}" for i in range(3000)]
    bases = [" ".join(rng.choice(words) for _ in range(rng.randint(80, 300))) for _ in range(400)]
    with open(path, "w") as f:
        for i in range(1200):
            b = rng.choice(bases).split()
            if rng.random() < 0.5:
                j = rng.randrange(len(b))
                b[j] = "edit"
            f.write(json.dumps({"id": f"g{i}", "text": " ".join(b)}) + "\n")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A folder of inputs: a plain file with a BOM, CRLF and blank lines and bad records, a gzip
    and a zstd file, and a file the walk skips."""
    root = tmp_path_factory.mktemp("spark-corpus")
    gen = root / "gen.jsonl"
    _generated(gen, "1MB")
    lines = gen.read_bytes().splitlines()
    third = len(lines) // 3
    inp = root / "in"
    (inp / "b").mkdir(parents=True)
    first = lines[:third]
    # Edge cases at known places in the plain file: CRLF, blank lines, a malformed line, an
    # empty text, a repeated id, a record over --max-doc-bytes, a non-object.
    first[3] = first[3] + b"\r"
    first.insert(10, b"")
    first.insert(11, b"   \t")
    first.insert(20, b'{"id": "bad", "text": ')
    first.insert(30, b'{"id": "empty", "text": "  ... "}')
    dup_id = json.loads(lines[5])["id"]
    first.insert(40, json.dumps({"id": dup_id, "text": "a record whose id an earlier one has"}).encode())
    long_text = json.loads(lines[7])["text"] * 40
    first.insert(50, json.dumps({"id": "long", "meta": {"x": [1, 2]}, "text": long_text}).encode())
    first.insert(60, b"[1, 2, 3]")
    # No id: known by its place (a.jsonl:LINE), and a copy of an earlier record.
    first.insert(70, json.dumps({"text": json.loads(lines[9])["text"]}).encode())
    first.insert(71, json.dumps({"text": "a record without an id, like no other"}).encode())
    (inp / "a.jsonl").write_bytes(b"\xef\xbb\xbf" + b"\n".join(first) + b"\n")
    second = lines[third : 2 * third]
    second.insert(5, json.dumps({"text": json.loads(lines[third + 2])["text"]}).encode())  # no id, a copy
    (inp / "b" / "c.jsonl.gz").write_bytes(gzip.compress(b"\n".join(second) + b"\n"))
    zst = inp / "b" / "d.jsonl.zst"
    plain = root / "d.jsonl"
    plain.write_bytes(b"\n".join(lines[2 * third :]))  # no final line end
    subprocess.run(["zstd", "-q", "-f", str(plain), "-o", str(zst)], check=True)
    (inp / "notes.md").write_text("not an input\n")
    return inp


OPTIONS = ["--on-error", "skip", "--max-doc-bytes", "60000", "--oversized", "truncate"]


@pytest.fixture(scope="module")
def expected(corpus, tmp_path_factory):
    """The single-machine outputs, per option set."""
    out = {}
    # With --id-field given, a record without the field is rejected (missing_id) instead.
    for name, extra in (("plain", []), ("containment", ["--containment", "--id-field", "id"])):
        d = tmp_path_factory.mktemp(f"cli-{name}")
        subprocess.run([_binary(), "-q", "dedup", str(corpus), "--out", str(d), *OPTIONS, *extra], check=True)
        out[name] = d
    return out


@pytest.fixture(scope="module")
def session():
    from pyspark.sql import SparkSession

    # Python workers run this interpreter, which has storydup and pyarrow.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    spark = (
        SparkSession.builder.master("local[2,4]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate()
    )
    yield spark
    spark.stop()


def _summary(d: Path) -> dict:
    s = json.loads((d / "summary.json").read_text())
    s.pop("timings_s")
    s.pop("peak_rss_bytes")
    # The Spark job does not hash its inputs (docs/spark.md): a whole-file hash needs a
    # sequential pass over the file, and Spark reads it in splits.
    for i in s["inputs"]:
        i.pop("xxh3")
    return s


def _same(cli: Path, spark: Path) -> None:
    for name in OUTPUTS:
        a, b = (cli / name).read_bytes(), (spark / name).read_bytes()
        assert a == b, f"{name} differs ({len(a)} vs {len(b)} bytes)"
    assert _summary(cli) == _summary(spark)
    # Nothing else left in the folder (the job's work folder is removed).
    assert sorted(p.name for p in spark.iterdir()) == sorted(OUTPUTS + ["summary.json"])


def _run(session, corpus, out, *extra) -> int:
    return sdspark.main(["dedup", str(corpus), "--out", str(out), "-q", *OPTIONS, *extra])


@pytest.mark.parametrize("partitions", [1, 3, 7])
def test_same_bytes_as_the_cli_for_any_partition_count(session, corpus, expected, tmp_path, partitions):
    assert _run(session, corpus, tmp_path / "out", "--partitions", str(partitions)) == 0
    _same(expected["plain"], tmp_path / "out")
    s = _summary(tmp_path / "out")
    assert s["removed"] > 40 and s["rejected"] == 3 and s["clusters"] > 20 and s["truncated"] >= 1
    assert s["empty"] == 1 and s["without_id"] == 3
    assert [(i["path"], i["records"]) for i in s["inputs"]] == [(str(corpus), s["input"])]
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["inputs"][0]["xxh3"] is None


def test_containment_same_bytes(session, corpus, expected, tmp_path):
    assert _run(session, corpus, tmp_path / "out", "--partitions", "3", "--containment", "--id-field", "id") == 0
    _same(expected["containment"], tmp_path / "out")
    s = _summary(tmp_path / "out")
    assert s["without_id"] == 0 and s["rejected"] == 6


def test_a_killed_python_worker_is_retried_to_the_same_bytes(session, corpus, expected, tmp_path):
    # The signing task of partition 0 kills its Python worker (SIGKILL) on its first attempt;
    # local[2,4] lets Spark retry it.
    assert _run(session, corpus, tmp_path / "out", "--partitions", "3", "--fault", "kill-sign") == 0
    _same(expected["plain"], tmp_path / "out")


@pytest.mark.parametrize("fault", ["raise-sign", "drop-sign"])
def test_a_failing_signer_fails_the_job_loudly(session, corpus, tmp_path, fault):
    # A signer that raises, or that returns fewer rows than it was given, must fail the job:
    # never NULL rows, never records silently missing, and no summary.json.
    out = tmp_path / "out"
    with pytest.raises(Exception) as err:
        _run(session, corpus, out, "--partitions", "3", "--fault", fault)
    text = str(err.value)
    assert "injected failure" in text or "results for" in text, text[:2000]
    assert not (out / "summary.json").exists()


def test_stop_names_the_first_bad_record(session, corpus, tmp_path, capsys):
    code = sdspark.main(["dedup", str(corpus), "--out", str(tmp_path / "out"), "-q", "--partitions", "2"])
    assert code == 2
    err = capsys.readouterr().err
    cli = subprocess.run([_binary(), "-q", "dedup", str(corpus), "--out", str(tmp_path / "cli")], capture_output=True, text=True)
    assert cli.returncode == 2
    assert err.strip() == cli.stderr.strip()


# ------------------------------------------------------------------------------------------------
# Parquet input: kept.parquet, byte for byte the command line's.

PARQUET_OUTPUTS = ["kept.parquet", "removed.jsonl", "clusters.jsonl", "rejected.jsonl"]


def _parquet_rows(lines, start, stop, rng):
    """Records of the generated corpus as table rows, with a nested column and an int column."""
    rows = []
    for k, line in enumerate(lines[start:stop]):
        r = json.loads(line)
        rows.append(
            {
                "id": r["id"],
                "text": r["text"],
                "meta": {"n": k, "tags": [f"t{k % 5}", "x"]},
                "score": rng.random(),
            }
        )
    return rows


@pytest.fixture(scope="module")
def parquet_corpus(tmp_path_factory) -> Path:
    """A folder of two Parquet files of one schema (several row groups, a nested column), with a
    null text, a repeated id and a record over --max-doc-bytes in the first; and a file the walk
    skips."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = tmp_path_factory.mktemp("spark-parquet")
    gen = root / "gen.jsonl"
    _generated(gen, "1MB")
    lines = gen.read_bytes().splitlines()
    rng = random.Random(7)
    half = len(lines) // 2
    first = _parquet_rows(lines, 0, half, rng)
    first[10]["text"] = None
    first[20]["id"] = first[5]["id"]
    first[30]["text"] = first[7]["text"] * 40
    second = _parquet_rows(lines, half, len(lines), rng)
    inp = root / "in"
    (inp / "b").mkdir(parents=True)
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("text", pa.string()),
            ("meta", pa.struct([("n", pa.int64()), ("tags", pa.list_(pa.string()))])),
            ("score", pa.float64()),
        ]
    )
    pq.write_table(pa.Table.from_pylist(first, schema=schema), inp / "a.parquet", row_group_size=100)
    pq.write_table(pa.Table.from_pylist(second, schema=schema), inp / "b" / "c.parquet", row_group_size=150)
    (inp / "notes.md").write_text("not an input\n")
    return inp


PARQUET_OPTIONS = {
    # Texts cut down: kept.parquet reads every column from the files.
    "truncate": OPTIONS,
    # No text cut: kept.parquet takes the texts from the run's spool.
    "whole": ["--on-error", "skip"],
}


def _cli(corpus: Path, out: Path, *args) -> None:
    subprocess.run([_binary(), "-q", "dedup", str(corpus), "--out", str(out), *args], check=True)


def _same_parquet(cli: Path, spark: Path) -> None:
    for name in PARQUET_OUTPUTS:
        a, b = (cli / name).read_bytes(), (spark / name).read_bytes()
        assert a == b, f"{name} differs ({len(a)} vs {len(b)} bytes)"
    assert _summary(cli) == _summary(spark)
    assert sorted(p.name for p in spark.iterdir()) == sorted(PARQUET_OUTPUTS + ["summary.json"])


@pytest.mark.parametrize("options", sorted(PARQUET_OPTIONS))
@pytest.mark.parametrize("partitions", [1, 3, 7])
def test_parquet_same_bytes_as_the_cli(session, parquet_corpus, tmp_path, options, partitions):
    import pyarrow.parquet as pq

    cli = tmp_path / "cli"
    _cli(parquet_corpus, cli, *PARQUET_OPTIONS[options])
    out = tmp_path / "out"
    args = ["dedup", str(parquet_corpus), "--out", str(out), "-q", "--partitions", str(partitions)]
    assert sdspark.main(args + PARQUET_OPTIONS[options]) == 0
    _same_parquet(cli, out)
    s = _summary(out)
    assert s["removed"] > 20 and s["clusters"] > 10
    assert s["rejected"] == (2 if options == "whole" else 2)  # the null text and the repeated id
    assert s["truncated"] == (1 if options == "truncate" else 0)
    kept = pq.read_table(out / "kept.parquet")
    assert kept.num_rows == s["kept"]
    assert kept.schema.field("meta").type.num_fields == 2  # the nested column, whole


def test_parquet_without_an_id_column(session, parquet_corpus, tmp_path):
    import pyarrow.parquet as pq

    inp = tmp_path / "noid.parquet"
    pq.write_table(pq.read_table(parquet_corpus / "a.parquet").drop(["id"]), inp, row_group_size=64)
    cli = tmp_path / "cli"
    _cli(inp, cli, "--on-error", "skip")
    out = tmp_path / "out"
    assert sdspark.main(["dedup", str(inp), "--out", str(out), "-q", "--partitions", "3", "--on-error", "skip"]) == 0
    _same_parquet(cli, out)
    s = _summary(out)
    assert s["without_id"] == s["input"] - s["rejected"]
    removed = [json.loads(x) for x in (out / "removed.jsonl").read_text().splitlines()]
    assert removed and all(r["id"].startswith(f"{inp}:") for r in removed)


def test_parquet_files_of_other_schemas_are_refused_as_the_cli_refuses_them(session, parquet_corpus, tmp_path, capsys):
    import pyarrow.parquet as pq

    inp = tmp_path / "in"
    inp.mkdir()
    shutil.copy(parquet_corpus / "a.parquet", inp / "a.parquet")
    pq.write_table(pq.read_table(parquet_corpus / "a.parquet").drop(["score"]), inp / "b.parquet")
    code = sdspark.main(["dedup", str(inp), "--out", str(tmp_path / "out"), "-q", "--on-error", "skip"])
    assert code == 2
    err = capsys.readouterr().err
    cli = subprocess.run(
        [_binary(), "-q", "dedup", str(inp), "--out", str(tmp_path / "cli"), "--on-error", "skip"],
        capture_output=True,
        text=True,
    )
    assert cli.returncode == 2
    assert err.strip() == cli.stderr.strip()
    # Parquet beside JSONL: refused too, in the command line's words.
    (inp / "b.parquet").unlink()
    (inp / "c.jsonl").write_text('{"id": "x", "text": "a few words here"}\n')
    code = sdspark.main(["dedup", str(inp), "--out", str(tmp_path / "out"), "-q"])
    assert code == 2
    err = capsys.readouterr().err
    cli = subprocess.run([_binary(), "-q", "dedup", str(inp), "--out", str(tmp_path / "cli2")], capture_output=True, text=True)
    assert cli.returncode == 2
    assert err.strip() == cli.stderr.strip()


def test_two_executors_give_the_same_bytes(corpus, expected, tmp_path):
    # Two executor processes of their own (Spark's local-cluster mode: a master, a worker and two
    # executor JVMs, each with its own Python workers; shuffles go between processes), started
    # from a fresh interpreter as a user runs the job; the job stops the session it started.
    out = tmp_path / "out"
    env = dict(os.environ, SPARK_HOME=os.environ.get("SPARK_HOME") or os.path.dirname(pyspark.__file__))
    run = subprocess.run(
        [sys.executable, "-m", "storydup.spark", "dedup", str(corpus), "--out", str(out), "-q",
         "--master", "local-cluster[2,1,1024]", "--partitions", "4", *OPTIONS],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    _same(expected["plain"], out)

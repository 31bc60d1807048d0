#!/usr/bin/env python3
"""Throughput of storydup from Python against the command line, on one corpus, in one run.

Times, interleaved, REPEAT times each (median reported):
  1. the CLI on the corpus as JSONL:      storydup dedup CORPUS.jsonl --out DIR -q
  2. the CLI on the same corpus as Parquet: storydup dedup CORPUS.parquet --out DIR -q
  3. Python on a pyarrow Table of it:      storydup.dedup(table)   (the table already in memory)
and checks that all three remove the same records into the same clusters.

    python3 scripts/python_throughput.py [--corpus bench-work/c100.jsonl] [--repeat 3]

Needs the release binary (cargo build --release) and the package installed in the running
Python (pip install .). The corpus comes from /work/shared/bench/make_corpus.py (--size 100MB
--seed 42); the Parquet copy is written to bench-work/ (snappy, pyarrow's defaults).
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.json as pajson
import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]


def machine():
    cpu, flags = "?", []
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name") and cpu == "?":
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                have = set(line.split(":", 1)[1].split())
                flags = [f for f in ["sse4_2", "avx", "avx2", "bmi2", "avx512f"] if f in have]
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, flags {' '.join(flags)}, {platform.system()} {platform.release()}"


def commit():
    try:
        return subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def cli(binary, inp, out):
    shutil.rmtree(out, ignore_errors=True)
    t = time.perf_counter()
    subprocess.run([binary, "-q", "dedup", str(inp), "--out", str(out)], check=True)
    return time.perf_counter() - t


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=str(REPO / "bench-work" / "c100.jsonl"))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--binary", default=str(REPO / "target" / "release" / "storydup"))
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()

    import storydup

    corpus = Path(args.corpus)
    # The Parquet copy goes to bench-work/ (git-ignored), never beside a shared corpus.
    parquet = REPO / "bench-work" / (corpus.stem + ".parquet")
    parquet.parent.mkdir(exist_ok=True)
    if not parquet.exists() or parquet.stat().st_mtime < corpus.stat().st_mtime:
        # Read as Arrow (no Python object per value) and written with pyarrow's defaults.
        table = pajson.read_json(corpus, read_options=pajson.ReadOptions(block_size=16 << 20))
        pq.write_table(table, parquet)
    table = pq.read_table(parquet, columns=["id", "text"])
    size = corpus.stat().st_size
    print(f"corpus {corpus} ({size / 1e6:.1f} MB JSONL, {parquet.stat().st_size / 1e6:.1f} MB Parquet, "
          f"{table.num_rows} records)", file=sys.stderr)

    work = Path(tempfile.mkdtemp(prefix="storydup-throughput."))
    times = {"cli_jsonl": [], "cli_parquet": [], "python_table": []}
    result = None
    try:
        for i in range(args.repeat):
            times["cli_jsonl"].append(cli(args.binary, corpus, work / "jsonl"))
            times["cli_parquet"].append(cli(args.binary, parquet, work / "parquet"))
            t = time.perf_counter()
            result = storydup.dedup(table)
            times["python_table"].append(time.perf_counter() - t)
            print(f"run {i + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items()), file=sys.stderr)
        removed = {k: (work / k / "removed.jsonl").read_text() for k in ["jsonl", "parquet"]}
        clusters = {k: (work / k / "clusters.jsonl").read_text() for k in ["jsonl", "parquet"]}
        same = (removed["jsonl"] == removed["parquet"] == result.removed_jsonl
                and clusters["jsonl"] == clusters["parquet"] == result.clusters_jsonl)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    figures = {
        "commit": commit(),
        "machine": machine(),
        "python": sys.version.split()[0],
        "pyarrow": pa.__version__,
        "corpus": str(corpus),
        "bytes": size,
        "records": table.num_rows,
        "repeat": args.repeat,
        "seconds": times,
        "median_s": med,
        "mb_per_s": {k: size / 1e6 / v for k, v in med.items()},
        "python_vs_cli_jsonl": med["python_table"] / med["cli_jsonl"],
        "cli_parquet_vs_cli_jsonl": med["cli_parquet"] / med["cli_jsonl"],
        "same_decisions": same,
        "removed": result.summary["removed"],
        "clusters": result.summary["clusters"],
    }
    print(f"| run | median s | MB/s (JSONL bytes) | runs (s) |")
    print(f"|---|---|---|---|")
    for k, v in times.items():
        print(f"| {k} | {med[k]:.3f} | {figures['mb_per_s'][k]:.1f} | {', '.join(f'{x:.3f}' for x in v)} |")
    print()
    print(f"Python on a Table / CLI on JSONL: {figures['python_vs_cli_jsonl']:.3f} (time ratio)")
    print(f"CLI on Parquet / CLI on JSONL:    {figures['cli_parquet_vs_cli_jsonl']:.3f} (time ratio)")
    print(f"same removed and clusters in all three: {same}  ({figures['removed']} removed, "
          f"{figures['clusters']} clusters)")
    print(f"commit {figures['commit']}; {figures['machine']}; Python {figures['python']}, pyarrow {figures['pyarrow']}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    if not same:
        sys.exit("the three runs disagree")


if __name__ == "__main__":
    main()

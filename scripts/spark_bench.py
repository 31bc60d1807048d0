#!/usr/bin/env python3
"""Local-mode measurements of `python -m storydup.spark dedup` against `storydup dedup` on the
same corpus, for results/: wall time of both, shuffle bytes per record, rounds of connected
components, executors' peak memory (JVM and Python workers, from Spark's executor metrics), and
whether the outputs are byte-identical.

    scripts/spark_bench.py CORPUS.jsonl --partitions 4 [--storydup target/release/storydup] [--json OUT]

Run it with the Python that has pyspark and the storydup package (bench-work/spark-venv).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

OUTPUTS = ["kept.jsonl", "removed.jsonl", "clusters.jsonl", "rejected.jsonl"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--partitions", type=int, default=4)
    ap.add_argument("--storydup", default="target/release/storydup")
    ap.add_argument("--work", default="bench-work/spark-bench")
    ap.add_argument("--json")
    ap.add_argument("--driver-memory", default="8g")
    a = ap.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    cli_out, spark_out = work / "cli", work / "spark"
    t = time.time()
    subprocess.run([a.storydup, "-q", "dedup", a.corpus, "--out", str(cli_out)], check=True)
    cli_s = time.time() - t
    metrics = work / "metrics.json"
    cmd = [
        sys.executable, "-m", "storydup.spark", "dedup", a.corpus, "--out", str(spark_out),
        "--partitions", str(a.partitions),
        "--conf", f"spark.driver.memory={a.driver_memory}",
        "--conf", "spark.executor.processTreeMetrics.enabled=true",
        "--conf", "spark.executor.metrics.pollingInterval=500ms",
        "--metrics", str(metrics),
    ]
    t = time.time()
    subprocess.run(cmd, check=True)
    spark_s = time.time() - t
    m = json.loads(metrics.read_text())
    same = {n: (cli_out / n).read_bytes() == (spark_out / n).read_bytes() for n in OUTPUTS}
    strip = lambda d: {k: v for k, v in json.loads((d / "summary.json").read_text()).items() if k not in ("timings_s", "peak_rss_bytes")}  # noqa: E731
    same["summary.json"] = strip(cli_out) == strip(spark_out)
    summary = json.loads((cli_out / "summary.json").read_text())
    rec = m["records"]
    report = {
        "corpus": a.corpus,
        "bytes": os.path.getsize(a.corpus),
        "records": rec,
        "partitions": a.partitions,
        "cli_wall_s": round(cli_s, 2),
        "spark_wall_s": round(spark_s, 2),
        "spark_stage_s": {k: round(v, 2) for k, v in m["stage_s"].items()},
        "shuffle_write_bytes": m.get("shuffle_write_bytes"),
        "shuffle_write_bytes_per_record": round(m.get("shuffle_write_bytes", 0) / max(rec, 1), 1),
        "shuffle_read_bytes": m.get("shuffle_read_bytes"),
        "cc_rounds": m["cc_rounds"],
        "candidate_pairs": m["candidate_pairs"],
        "filtered_pairs": m["filtered_pairs"],
        "components": m["components"],
        "clusters": summary["clusters"],
        "removed": summary["removed"],
        "executor_peak_memory": m.get("executor_peak_memory"),
        "identical": same,
        "command": " ".join(cmd),
    }
    print(json.dumps(report, indent=2))
    if a.json:
        Path(a.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all(same.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

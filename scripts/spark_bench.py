#!/usr/bin/env python3
"""Local-mode measurements of `python -m storydup.spark dedup` against `storydup dedup` on the
same corpus, for results/: the machine (CPU model, cores, AVX2/AVX-512 flags from /proc/cpuinfo),
wall time of both and their ratio, time per stage, shuffle bytes per record, rounds of connected
components, executors' peak memory (JVM and Python workers, from Spark's executor metrics), and
whether the outputs are byte-identical to the CLI's for each partition count.

    scripts/spark_bench.py CORPUS.jsonl --partitions 1 4 [--storydup target/release/storydup] [--json OUT]

CORPUS may be Parquet (`.parquet`): the kept rows are then compared in kept.parquet.

Run it with the Python that has pyspark and the storydup package (bench-work/spark-venv).
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

OUTPUTS = ["kept.jsonl", "removed.jsonl", "clusters.jsonl", "rejected.jsonl"]


def machine() -> dict:
    """CPU model, cores and SIMD flags of this machine (Linux), and its memory."""
    info = {"cores": os.cpu_count(), "python": platform.python_version()}
    try:
        text = Path("/proc/cpuinfo").read_text()
        flags = set()
        for line in text.splitlines():
            if line.startswith("model name") and "cpu_model" not in info:
                info["cpu_model"] = line.split(":", 1)[1].strip()
            if line.startswith("flags") and not flags:
                flags = set(line.split(":", 1)[1].split())
        info["avx2"] = "avx2" in flags
        info["avx512"] = sorted(f for f in flags if f.startswith("avx512"))
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["mem_total_kib"] = int(line.split()[1])
    except OSError:
        pass
    return info


def summary_without_run_figures(d: Path) -> dict:
    """summary.json without what varies between runs (timings, peak RSS) and what the Spark job
    does not compute (the inputs' XXH3: docs/spark.md)."""
    s = json.loads((d / "summary.json").read_text())
    s.pop("timings_s", None)
    s.pop("peak_rss_bytes", None)
    for i in s.get("inputs", []):
        i.pop("xxh3", None)
    return s


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--partitions", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--storydup", default="target/release/storydup")
    ap.add_argument("--work", default="bench-work/spark-bench")
    ap.add_argument("--json")
    ap.add_argument("--driver-memory", default="4g")
    a = ap.parse_args()
    work = Path(a.work)
    work.mkdir(parents=True, exist_ok=True)
    cli_out = work / "cli"
    cli_cmd = [a.storydup, "-q", "dedup", a.corpus, "--out", str(cli_out)]
    t = time.time()
    subprocess.run(cli_cmd, check=True)
    cli_s = time.time() - t
    summary = json.loads((cli_out / "summary.json").read_text())
    runs = []
    for parts in a.partitions:
        spark_out = work / f"spark-{parts}"
        metrics = work / f"metrics-{parts}.json"
        cmd = [
            sys.executable, "-m", "storydup.spark", "dedup", a.corpus, "--out", str(spark_out),
            "--partitions", str(parts),
            "--conf", f"spark.driver.memory={a.driver_memory}",
            "--conf", "spark.executor.processTreeMetrics.enabled=true",
            "--conf", "spark.executor.metrics.pollingInterval=500ms",
            "--metrics", str(metrics),
        ]
        t = time.time()
        subprocess.run(cmd, check=True)
        spark_s = time.time() - t
        m = json.loads(metrics.read_text())
        outputs = [("kept.parquet" if n == "kept.jsonl" and a.corpus.endswith(".parquet") else n) for n in OUTPUTS]
        same = {n: (cli_out / n).read_bytes() == (spark_out / n).read_bytes() for n in outputs}
        same["summary.json"] = summary_without_run_figures(cli_out) == summary_without_run_figures(spark_out)
        rec = m["records"]
        runs.append(
            {
                "partitions": parts,
                "spark_wall_s": round(spark_s, 2),
                "spark_over_cli": round(spark_s / cli_s, 1),
                "spark_stage_s": {k: round(v, 2) for k, v in m["stage_s"].items()},
                "shuffle_write_bytes": m.get("shuffle_write_bytes"),
                "shuffle_write_bytes_per_record": round(m.get("shuffle_write_bytes", 0) / max(rec, 1), 1),
                "shuffle_read_bytes": m.get("shuffle_read_bytes"),
                "shuffle_write_bytes_by_stage": m.get("shuffle_write_bytes_by_stage"),
                "cc_rounds": m["cc_rounds"],
                "candidate_pairs": m["candidate_pairs"],
                "filtered_pairs": m["filtered_pairs"],
                "components": m["components"],
                "executor_peak_memory": m.get("executor_peak_memory"),
                "identical": same,
                "command": " ".join(cmd),
            }
        )
    report = {
        "machine": machine(),
        "corpus": a.corpus,
        "bytes": os.path.getsize(a.corpus),
        "records": summary["input"],
        "clusters": summary["clusters"],
        "removed": summary["removed"],
        "cli_command": " ".join(cli_cmd),
        "cli_wall_s": round(cli_s, 2),
        "cli_timings_s": summary["timings_s"],
        "runs": runs,
    }
    print(json.dumps(report, indent=2))
    if a.json:
        Path(a.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0 if all(all(r["identical"].values()) for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())

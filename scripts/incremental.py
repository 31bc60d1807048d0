#!/usr/bin/env python3
"""Incremental dedup against a saved index equals one full run (issue 11), and what it costs.

    python3 scripts/incremental.py [--size 100MB] [--batches 10] [--records 1000000]
                                   [--batch-records 100000] [--out results/DATE-incremental-index.md]

Part 1, equality: the generated corpus (the kit's make_corpus.py, seed 42) is cut into
--batches consecutive batches; `storydup index build` runs on the first and
`storydup dedup BATCH --against INDEX --update` on each next one. For every batch N, its removed
ids (and what each duplicates, the record it matched and the similarity) are compared with those
of one full `storydup dedup` run over batches 1..N, and every `duplicate_of` must name a record
of batches 1..N. Done for the default run and for --containment.

Part 2, cost: --records short records (scripts/gen_short_corpus.py, seed 42) are indexed with
`index build`, then a batch of --batch-records more is deduplicated against the index (with
--update); both under /usr/bin/time -v for wall time and peak memory; the index's bytes per
record and its load time (summary.json timings_s.index_load) are read off.

The kit (corpus generator) and word source are found at $STORYDUP_SHARED (default ../shared);
work files go to bench-work/incremental/ (git-ignored).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def timed(cmd, log: Path):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS MiB)."""
    r = subprocess.run(["/usr/bin/time", "-v", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log.write_text(r.stderr)
    if r.returncode != 0:
        sys.exit(f"failed ({r.returncode}): {' '.join(map(str, cmd))}\n{r.stderr[-2000:]}")
    wall = peak = None
    for line in r.stderr.splitlines():
        line = line.strip()
        if line.startswith("Elapsed (wall clock) time"):
            t = line.rsplit(" ", 1)[1].split(":")
            wall = sum(float(x) * 60 ** i for i, x in enumerate(reversed(t)))
        if line.startswith("Maximum resident set size"):
            peak = int(line.rsplit(" ", 1)[1]) / 1024
    return wall, peak


def read_jsonl(p: Path):
    with open(p) as f:
        return [json.loads(l) for l in f if l.strip()]


def fates(out: Path, ids: set[str]):
    got = {}
    for r in read_jsonl(out / "removed.jsonl"):
        if r["id"] in ids:
            got[r["id"]] = (r["duplicate_of"], r.get("matched", r["duplicate_of"]), r["similarity"], r["measure"])
    return got


def equality(bin_: str, corpus: Path, work: Path, batches: int, extra: list[str]):
    lines = corpus.read_text().splitlines(keepends=True)
    per = -(-len(lines) // batches)
    paths, ids = [], []
    for k in range(batches):
        p = work / f"batch{k + 1:02d}.jsonl"
        chunk = lines[k * per:(k + 1) * per]
        p.write_text("".join(chunk))
        paths.append(p)
        ids.append({json.loads(l)["id"] for l in chunk})
    index = work / "index"
    shutil.rmtree(index, ignore_errors=True)
    sh([bin_, "-q", "index", "build", paths[0], "--index", index, *extra])
    rows = []
    for n in range(1, batches):
        inc = work / f"inc{n + 1:02d}"
        full = work / f"full{n + 1:02d}"
        sh([bin_, "-q", "dedup", paths[n], "--against", index, "--out", inc, "--update", *extra])
        sh([bin_, "-q", "dedup", *paths[: n + 1], "--out", full, *extra])
        a, b = fates(inc, ids[n]), fates(full, ids[n])
        known = set().union(*ids[: n + 1])
        dangling = sum(1 for v in a.values() if v[0] not in known or v[1] not in known)
        only_inc = sorted(set(a) - set(b))
        only_full = sorted(set(b) - set(a))
        other = sum(1 for k in set(a) & set(b) if a[k] != b[k])
        rows.append((n + 1, len(ids[n]), len(b), len(a), len(only_inc), len(only_full), other, dangling))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="100MB")
    ap.add_argument("--batches", type=int, default=10)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--batch-records", type=int, default=100_000)
    ap.add_argument("--out", default=str(REPO / "results" / f"{datetime.date.today()}-incremental-index.md"))
    args = ap.parse_args()
    shared = Path(os.environ.get("STORYDUP_SHARED", os.environ.get("SHARED", REPO.parent / "shared"))).resolve()
    if not (shared / "bench" / "make_corpus.py").exists():
        sys.exit(
            f"the shared kit is not at {shared}: it is the folder with bench/ (make_corpus.py, the corpus "
            "generator) and data/ (the labelled corpora it draws text from); set STORYDUP_SHARED=/path/to/shared"
        )
    work = REPO / "bench-work" / "incremental"
    work.mkdir(parents=True, exist_ok=True)
    sh(["cargo", "build", "--release", "--quiet"], cwd=REPO)
    bin_ = str(REPO / "target" / "release" / "storydup")

    corpus = REPO / "bench-work" / "corpora" / f"corpus-{args.size}-seed42.jsonl"
    if not corpus.exists():
        corpus.parent.mkdir(parents=True, exist_ok=True)
        sh([sys.executable, shared / "bench" / "make_corpus.py", "--size", args.size, "--seed", "42", "--out", corpus])
    results = {}
    for mode, extra in [("default", []), ("--containment", ["--containment"])]:
        d = work / ("eq-" + mode.strip("-"))
        d.mkdir(exist_ok=True)
        results[mode] = equality(bin_, corpus, d, args.batches, extra)
        print(mode, results[mode], flush=True)

    # Part 2: cost at scale.
    total = args.records + args.batch_records
    short = REPO / "bench-work" / "ten-million" / f"corpus-{total}.jsonl"
    if not short.exists():
        short.parent.mkdir(parents=True, exist_ok=True)
        sh([sys.executable, REPO / "scripts" / "gen_short_corpus.py", "--records", str(total), "--seed", "42",
            "--out", short])
    old, new = work / "scale-old.jsonl", work / "scale-new.jsonl"
    with open(short) as f, open(old, "w") as o, open(new, "w") as n:
        for i, line in enumerate(f):
            (o if i < args.records else n).write(line)
    index = work / "scale-index"
    shutil.rmtree(index, ignore_errors=True)
    b_wall, b_peak = timed([bin_, "-q", "index", "build", old, "--index", index], work / "build.time")
    q_out = work / "scale-out"
    q_wall, q_peak = timed([bin_, "-q", "dedup", new, "--against", index, "--out", q_out, "--update"], work / "query.time")
    summary = json.loads((q_out / "summary.json").read_text())
    load = summary["timings_s"]["index_load"]
    cur = (index / "CURRENT").read_text().strip()
    manifest = json.loads((index / cur).read_text())
    seg_bytes = manifest["segments"][0]["bytes"]
    index_bytes = sum(s["bytes"] for s in manifest["segments"])
    e_out = work / "scale-empty"
    (work / "empty.jsonl").write_text("")
    e_wall, e_peak = timed([bin_, "-q", "dedup", work / "empty.jsonl", "--against", index, "--out", e_out], work / "empty.time")

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    flags = next((l for l in open("/proc/cpuinfo") if l.startswith("flags")), "")
    simd = ", ".join(f for f in ["avx2", "avx512f"] if f" {f}" in flags)
    md = [
        f"# Incremental dedup against a saved index ({datetime.date.today()})",
        "",
        f"Command: `python3 scripts/incremental.py --size {args.size} --batches {args.batches} "
        f"--records {args.records} --batch-records {args.batch_records}`, commit {commit}, "
        f"machine: {cpu} ({os.cpu_count()} cores; {simd}), release build.",
        "",
        f"## Equality with one full run ({args.size} generated corpus, seed 42, {args.batches} consecutive batches)",
        "",
        "`index build` on batch 1, then `dedup BATCH --against INDEX --update` on each next batch; compared "
        "with one full `dedup` over batches 1..N. A removal differs when its id, `duplicate_of`, `matched`, "
        "`similarity` or `measure` differ.",
        "",
    ]
    for mode, rows in results.items():
        md += [f"**{mode}**", "",
               "| batch | records | removed (full run) | removed (index) | removed only with the index | removed only by the full run | same id, other details | duplicate_of not found |",
               "|---|---|---|---|---|---|---|---|"]
        for r in rows:
            md.append("| " + " | ".join(map(str, r)) + " |")
        tot = [sum(r[i] for r in rows) for i in range(1, 8)]
        md.append("| all | " + " | ".join(map(str, tot)) + " |")
        md.append("")
    md += [
        f"## Cost ({args.records:,} indexed short records, a batch of {args.batch_records:,})",
        "",
        "| step | wall s | peak RSS MiB |",
        "|---|---|---|",
        f"| `index build` of {args.records:,} records | {b_wall:.1f} | {b_peak:.0f} |",
        f"| `dedup --against --update`, {args.batch_records:,} new records | {q_wall:.1f} | {q_peak:.0f} |",
        f"| `dedup --against`, an empty batch (load only) | {e_wall:.2f} | {e_peak:.0f} |",
        "",
        f"Index size: {seg_bytes:,} bytes for the {args.records:,}-record segment, "
        f"**{seg_bytes / args.records:.0f} bytes per record** (signature {2 * 128} (16-bit slots) + shingle count 4 + cluster 4 + "
        f"locator 36 + id and its length); {index_bytes:,} bytes after the update. Load time (reading, checking "
        f"and holding the index's records, `timings_s.index_load`): **{load:.2f} s**.",
        "",
    ]
    Path(args.out).write_text("\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
